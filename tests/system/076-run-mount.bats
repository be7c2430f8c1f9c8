#!/usr/bin/env bats
# hull build: RUN --mount (bind, cache, tmpfs, secret, ssh), RUN --security,
# builder prune, and the check of every line before the first step.

load helpers

# layer_paths IMAGE: every path in the layers IMAGE adds to busybox, one per line
layer_paths() {
	local base l
	base=$(hull inspect --format '{{json .RootFS.Layers}}' busybox)
	for l in $(hull inspect --format '{{json .RootFS.Layers}}' "$1" | tr -d '[]"' | tr , ' '); do
		[[ $base == *"$l"* ]] && continue
		hull debug layer-tar "$l" | tar -t
	done
}

@test "RUN --mount=type=bind: the context, read-only by default; rw writes are thrown away" {
	ctx <<'EOF2'
FROM busybox
RUN --mount=type=bind,target=/ctx cat /ctx/a.txt /ctx/sub/b.txt && ! ls /ctx/ignored.txt && ! touch /ctx/new
RUN --mount=source=sub,target=/s,rw echo more >> /s/b.txt && cat /s/b.txt
RUN --mount=source=a.txt,target=/one.txt cat /one.txt
WORKDIR /w
RUN --mount=target=rel,source=sub cat /w/rel/b.txt
EOF2
	echo A > "$C/a.txt"
	mkdir "$C/sub"
	echo B > "$C/sub/b.txt"
	echo secret > "$C/ignored.txt"
	echo ignored.txt > "$C/.dockerignore"
	run hull build -t rm-bind "$C"
	[ "$status" -eq 0 ]
	[[ $output == *$'A\nB'* ]]
	[[ $output == *$'B\nmore'* ]]
	[ "$(cat "$C/sub/b.txt")" = B ]
	run layer_paths rm-bind
	[ "$status" -eq 0 ]
	# WORKDIR's directory only: no /ctx, /s, /one.txt, /w/rel
	[ "$output" = "w/" ]
	# the mounted content keys the step: a change in sub/ runs the steps that mount it
	run hull build "$C"
	[[ $output != *"Running in"* ]]
	echo B2 > "$C/sub/b.txt"
	run hull build "$C"
	[ "$status" -eq 0 ]
	[[ $output == *$'B2\nmore'* ]]
}

@test "RUN --mount at /dev/shm keeps its options: the context stays read-only" {
	ctx <<'EOF2'
FROM busybox
RUN --mount=type=bind,target=/dev/shm sh -c 'echo pwned > /dev/shm/data'
EOF2
	echo orig > "$C/data"
	run hull build "$C"
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	[ "$(cat "$C/data")" = orig ]
}

@test "RUN --mount=type=bind,rw in a store whose path has a backslash and a comma" {
	# overlay upper and work directories are escaped for the kernel, which unescapes them
	local root="$BATS_TEST_TMPDIR/r\\o,ot"
	mkdir -p "$root"
	HULL_ROOT=$root hull import "$BUSYBOX_TAR" busybox >/dev/null
	ctx <<'EOF2'
FROM busybox
RUN --mount=type=bind,target=/x,rw sh -c 'echo y > /x/new && cat /x/new'
EOF2
	HULL_ROOT=$root run -0 hull build "$C"
	[[ $output == *$'\ny\n'* ]]
	[ ! -e "$C/new" ]
	HULL_ROOT=$root hull system prune -af >/dev/null
}

@test "RUN --mount=type=bind of a context without .dockerignore: the directory itself, or an overlay" {
	ctx <<'EOF2'
FROM busybox
RUN --mount=target=/ctx,source=. cat /ctx/d/f && ! touch /ctx/d/new
RUN --mount=target=/ctx,rw rm /ctx/d/f && echo new > /ctx/d/g && ls /ctx/d
RUN --mount=target=/f,source=d/f,rw echo more >> /f && cat /f
EOF2
	mkdir "$C/d"
	echo F > "$C/d/f"
	run hull build "$C"
	[ "$status" -eq 0 ]
	[[ $output == *$'F\n'* ]]
	[[ $output == *$'\ng\n'* ]]
	[[ $output == *$'F\nmore'* ]]
	[ "$(ls "$C/d")" = f ]
	[ "$(cat "$C/d/f")" = F ]
}

@test "RUN --mount=type=bind from a stage (by name or index) and from an image" {
	ctx <<'EOF2'
FROM busybox AS build
RUN mkdir /out && echo built > /out/f
FROM scratch AS empty
ENV ONLY=metadata
FROM busybox
RUN --mount=from=build,source=/out,target=/in cat /in/f
RUN --mount=type=bind,from=0,source=out/f,target=/f,rw echo x >> /f && cat /f
RUN --mount=from=busybox,target=/bb ls /bb/bin/busybox
RUN --mount=from=empty,target=/e echo "empty:$(ls -A /e | wc -l)"
RUN --mount=type=cache,id=seeded,target=/s,from=build,source=/out cat /s/f
EOF2
	run hull build -t rm-from "$C"
	[ "$status" -eq 0 ]
	[[ $output == *$'built\n'* ]]
	[[ $output == *$'built\nx'* ]]
	[[ $output == *"/bb/bin/busybox"* ]]
	[[ $output == *"empty:0"* ]]
	[[ $output == *"Step 10/10"*$'\nbuilt\n'* ]]
	run layer_paths rm-from
	[ -z "$output" ]
}

@test "RUN --mount=type=cache persists across builds, stays out of the layer, builder prune removes it" {
	hull builder prune -f >/dev/null
	ctx <<'EOF2'
FROM busybox
RUN --mount=type=cache,target=/root/.cache/app echo run >> /root/.cache/app/log && wc -l < /root/.cache/app/log
RUN --mount=type=cache,id=shared,target=/a,uid=1000,gid=100,mode=0750 touch /a/x && stat -c '%u:%g:%a' /a
RUN --mount=type=cache,id=shared,target=/b,uid=1000,gid=100,mode=0750 ls /b
RUN --mount=type=cache,id=twice,target=/x,sharing=locked --mount=type=cache,id=twice,target=/y,sharing=locked touch /x/a && ls /y
EOF2
	run hull build -t rm-cache "$C"
	[ "$status" -eq 0 ]
	[[ $output == *$'\n1\n'* ]]
	[[ $output == *"1000:100:750"* ]]
	[[ $output == *$'\nx\n'* ]]
	[[ $output == *$'\na\n'* ]]
	run layer_paths rm-cache
	[ -z "$output" ]
	run hull build --no-cache "$C"
	[ "$status" -eq 0 ]
	[[ $output == *$'\n2\n'* ]]
	run hull system df
	[[ $output == *"Build Cache     3 "* ]]
	run hull builder prune -f
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == $'ID\t\t\t\t\t\tRECLAIMABLE\tSIZE\t\tLAST ACCESSED' ]]
	[[ ${lines[1]} == *$'*              \ttrue \t\t'* ]]
	[[ ${lines[-1]} == Total:$'\t'* ]]
	[ "${#lines[@]}" -eq 5 ]
	run hull builder prune -f
	[ "$output" = $'Total:\t0B' ]
	# pruned: the cache starts empty, and the step cache is gone too
	run hull build "$C"
	[ "$status" -eq 0 ]
	[[ $output == *$'\n1\n'* ]]
}

@test "RUN --mount=type=cache: links a build planted in the cache resolve inside it" {
	mkdir -p "$BATS_TEST_TMPDIR/host"
	echo keep > "$BATS_TEST_TMPDIR/host/f"
	ctx <<EOF2
FROM busybox
RUN --mount=type=cache,id=planted,target=/c ln -s $BATS_TEST_TMPDIR/host /c/abs && ln -s ../../../../../../../..$BATS_TEST_TMPDIR/host /c/rel && mkdir /c/d && ln -s ../../../../../../.. /c/d/up
EOF2
	hull build -q "$C" >/dev/null
	for src in abs rel; do
		ctx <<EOF2
FROM busybox
RUN --mount=type=cache,id=planted,target=/c,source=$src touch /c/pwned
EOF2
		run hull build -q "$C"
		[ "$status" -eq 1 ]
		[ "$output" = "hull: Dockerfile:2: RUN --mount: source '$src' of cache 'planted': No such file or directory" ]
	done
	# a link to a directory of the cache is followed inside it
	ctx <<EOF2
FROM busybox
RUN --mount=type=cache,id=planted,target=/c,source=d/up$BATS_TEST_TMPDIR/host touch /c/pwned
EOF2
	hull build -q "$C" >/dev/null
	[ "$(ls "$BATS_TEST_TMPDIR/host")" = f ]
	run hull builder prune -a -f
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/host/f")" = keep ]
}

@test "RUN --mount=type=cache sharing: private gets a fresh instance, locked waits" {
	ctx <<'EOF2'
FROM busybox
ARG N
RUN --mount=type=cache,id=c,target=/c,sharing=private touch /c/held && sleep 4 && echo $N
EOF2
	cp "$C/Dockerfile" "$BATS_TEST_TMPDIR/Dockerfile.hold"
	hull build --build-arg N=1 "$C" >"$BATS_TEST_TMPDIR/hold.log" 2>&1 3>&- &
	wait_for sh -c "ls '$HULL_ROOT'/cache/mounts/*/0/held"
	cat > "$C/Dockerfile" <<-'EOF2'
	FROM busybox
	RUN --mount=type=cache,id=c,target=/c,sharing=private ls /c | wc -l
	EOF2
	run hull build --no-cache "$C"
	[ "$status" -eq 0 ]
	[[ $output == *$'\n0\n'* ]]
	cat > "$C/Dockerfile" <<-'EOF2'
	FROM busybox
	RUN --mount=type=cache,id=c,target=/c,sharing=locked ls /c
	EOF2
	# waits for the first build's instance 0, then sees its file
	run hull build --no-cache "$C"
	[ "$status" -eq 0 ]
	[[ $output == *$'\nheld\n'* ]]
	wait
	grep -q "Successfully built" "$BATS_TEST_TMPDIR/hold.log"
}

@test "RUN --mount=type=tmpfs: a size-limited tmpfs that leaves nothing" {
	ctx <<'EOF2'
FROM busybox
RUN --mount=type=tmpfs,target=/scratch/t,size=2m df -k /scratch/t | tail -1 && echo hi > /scratch/t/f
EOF2
	run hull build -t rm-tmpfs "$C"
	[ "$status" -eq 0 ]
	[[ $output =~ \ 2048\ .*/scratch/t ]]
	run layer_paths rm-tmpfs
	[ -z "$output" ]
}

@test "RUN --mount=type=secret: file, target, env; never in a layer, the history, inspect or the store" {
	ctx <<'EOF2'
FROM busybox
RUN --mount=type=secret,id=tok stat -c '%a %u' /run/secrets/tok && cat /run/secrets/tok > /copied-at-build
RUN --mount=type=secret,id=tok,target=/etc/tok.conf,mode=0444,uid=7 stat -c '%a %u' /etc/tok.conf
RUN --mount=type=secret,id=tok,env=TOKEN echo "len=${#TOKEN}" && ! ls /run/secrets
RUN --mount=type=secret,id=envsec cat /run/secrets/envsec; echo
RUN --mount=type=secret,id=absent cat /run/secrets/absent || echo absent-is-fine
EOF2
	echo -n s3cr3t-v1 > "$BATS_TEST_TMPDIR/tok"
	ENVSEC=from-env run hull build -t rm-secret --secret id=tok,src="$BATS_TEST_TMPDIR/tok" \
		--secret id=envsec,env=ENVSEC "$C"
	[ "$status" -eq 0 ]
	[[ $output == *"400 0"* ]]
	[[ $output == *"444 7"* ]]
	[[ $output == *"len=9"* ]]
	[[ $output == *"from-env"* ]]
	[[ $output == *"absent-is-fine"* ]]
	# copied on purpose by the step: that much is in the image, nothing else
	run hull history --no-trunc rm-secret
	[[ $output != *s3cr3t* ]]
	run hull inspect rm-secret
	[[ $output != *s3cr3t* ]]
	run layer_paths rm-secret
	[ "$output" = "copied-at-build" ]
	run grep -rla s3cr3t "$HULL_ROOT" "$HULL_RUNROOT"
	[ "$output" = "$(ls "$HULL_ROOT"/layers/*/diff/copied-at-build)" ]
	[ -z "$(ls -A "$HULL_RUNROOT/build-secrets")" ]
	# the secret's content is not in the cache key
	echo -n s3cr3t-v2 > "$BATS_TEST_TMPDIR/tok"
	run hull build --secret id=tok,src="$BATS_TEST_TMPDIR/tok" --secret id=envsec,env=PATH "$C"
	[ "$status" -eq 0 ]
	[[ $output != *"Running in"* ]]
}

@test "RUN --mount=type=secret,required: a missing secret fails before any step" {
	ctx <<'EOF2'
FROM busybox
RUN echo FIRST-STEP-RAN
RUN --mount=type=secret,id=npm,required true
EOF2
	run hull build "$C"
	[ "$status" -eq 1 ]
	[[ $output != *FIRST-STEP-RAN* ]]
	[[ $output == *"Dockerfile:3: secret npm is required"* ]]
	run hull build --secret id=npm,src=/nonexistent "$C"
	[ "$status" -eq 125 ]
	[[ $output == *"/nonexistent"* ]]
}

@test "RUN --mount=type=ssh: the agent socket, and SSH_AUTH_SOCK for the first" {
	sock=$BATS_TEST_TMPDIR/agent.sock
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
	ctx <<'EOF2'
FROM busybox
RUN --mount=type=ssh --mount=type=ssh,id=other,target=/o.sock [ -S "$SSH_AUTH_SOCK" ] && echo "sock=$SSH_AUTH_SOCK" && [ -S /o.sock ]
RUN --mount=type=ssh,id=gone true
EOF2
	SSH_AUTH_SOCK=$sock run hull build -t rm-ssh --ssh default --ssh other="$sock" "$C"
	[ "$status" -eq 0 ]
	[[ $output == *"sock=/run/buildkit/ssh_agent.0"* ]]
	run layer_paths rm-ssh
	[ -z "$output" ]
	sed -i 's/id=gone/id=gone,required/' "$C/Dockerfile"
	run hull build --ssh default="$sock" "$C"
	[ "$status" -eq 1 ]
	[[ $output == *"Dockerfile:3: ssh agent gone is required"* ]]
	run hull build --ssh default="$C/Dockerfile" "$C"
	[ "$status" -eq 125 ]
	[[ $output == *"not an ssh agent socket"* ]]
	# the agent's socket is bound as it is: its owner and mode are refused, not ignored
	printf 'FROM busybox\nRUN echo STEP-RAN\nRUN --mount=type=ssh,mode=0644 true\n' >"$C/Dockerfile"
	run -1 hull build --ssh default="$sock" "$C"
	[[ $output == *"Dockerfile:3"*"mount option mode of an ssh mount is not supported"* ]]
	[[ $output != *STEP-RAN* ]]
}

@test "RUN --security=insecure: only with --allow security.insecure, then privileged" {
	ctx <<'EOF2'
FROM busybox
RUN echo FIRST-STEP-RAN
RUN --security=insecure mkdir /m && mount -t tmpfs none /m && umount /m && echo mount-allowed
RUN --security=sandbox mount -t tmpfs none /m || echo mount-denied
EOF2
	run hull build "$C"
	[ "$status" -eq 1 ]
	[[ $output != *FIRST-STEP-RAN* ]]
	[[ $output == *"Dockerfile:3: RUN --security=insecure: security.insecure is not allowed"* ]]
	run hull build --allow network.host,security.insecure "$C"
	[ "$status" -eq 0 ]
	[[ $output == *mount-allowed* ]]
	[[ $output == *mount-denied* ]]
	run hull build --allow security.nope "$C"
	[ "$status" -eq 125 ]
}

@test "a refused feature fails before any step runs, naming the file and line" {
	ctx <<'EOF2'
FROM busybox
RUN echo FIRST-STEP-RAN
RUN --mount=type=cache,target=/c,nocopy=1 true
EOF2
	run hull build "$C"
	[ "$status" -eq 1 ]
	[[ $output != *FIRST-STEP-RAN* ]]
	[[ $output != *"Step 1/"* ]]
	[[ $output == *'Dockerfile:3: RUN --mount=type=cache,target=/c,nocopy=1: unknown mount option "nocopy"'* ]]
	for bad in '--mount=type=volume,target=/v' '--network=bridge' '--security=root' \
		'--mount=from=later,target=/x' '--mount=from=nosuchimage,target=/x' '--device=/dev/null'; do
		ctx <<-EOF2
		FROM busybox AS first
		RUN echo FIRST-STEP-RAN
		RUN $bad true
		FROM busybox AS later
		FROM first
		EOF2
		run hull build "$C"
		[ "$status" -eq 1 ]
		[[ $output != *FIRST-STEP-RAN* ]]
		[[ $output == *"Dockerfile:3: "* ]]
	done
	# other instructions' flags too, and a bad flag in a stage the target skips
	ctx <<'EOF2'
FROM busybox
RUN echo FIRST-STEP-RAN
ADD --unpack=true a.tar /
EOF2
	run hull build "$C"
	[ "$status" -eq 1 ]
	[[ $output != *FIRST-STEP-RAN* ]]
	[[ $output == *"Dockerfile:3: ADD --unpack=true is not supported yet"* ]]
	ctx <<'EOF2'
FROM busybox AS unused
RUN --bogus true
FROM busybox
RUN echo FIRST-STEP-RAN
EOF2
	run hull build "$C"
	[ "$status" -eq 1 ]
	[[ $output != *FIRST-STEP-RAN* ]]
	[[ $output == *"Dockerfile:2: unknown flag: bogus"* ]]
	# a value with a variable is checked when its step comes, with the step's ARGs
	ctx <<'EOF2'
FROM busybox
ARG T=tmpfs
RUN --mount=type=$T,target=/t grep -q ' /t ' /proc/mounts && echo ok-$T
EOF2
	run hull build "$C"
	[ "$status" -eq 0 ]
	[[ $output == *"ok-tmpfs"* ]]
}

@test "RUN --mount leaves no mount point in the layer, only the step's own changes" {
	ctx <<'EOF2'
FROM busybox
RUN --mount=type=tmpfs,target=/root/deep/er/t --mount=type=cache,target=/tmp/c --mount=type=secret,id=s,target=/etc/s.conf mkdir -p /root/deep/mine && touch /etc/mine
EOF2
	echo x > "$BATS_TEST_TMPDIR/s"
	run hull build -t rm-stubs --secret id=s,src="$BATS_TEST_TMPDIR/s" "$C"
	[ "$status" -eq 0 ]
	run layer_paths rm-stubs
	[ "$output" = "$(printf 'etc/\netc/mine\nroot/\nroot/deep/\nroot/deep/mine/')" ]
}
