#!/usr/bin/env bats
# hull build of busybox-based Dockerfiles.

load helpers

cfg() { hull inspect --format "{{json .Config.$2}}" "$1"; }

@test "FROM/COPY/RUN/CMD: build, tag and run" {
	ctx <<'EOF2'
FROM busybox
COPY hello.txt /hello.txt
RUN cat /hello.txt > /copied.txt && echo ran >> /copied.txt
CMD ["cat", "/copied.txt"]
EOF2
	echo from-context > "$C/hello.txt"
	run hull build -t t1 "$C"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "Step 1/4 : FROM busybox" ]]
	[[ $output == *"Step 4/4 : CMD [\"cat\", \"/copied.txt\"]"* ]]
	[[ $output =~ Successfully\ built\ [0-9a-f]{12} ]]
	[[ $output == *"Successfully tagged t1:latest"* ]]
	run hull run --rm t1
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'from-context\nran')" ]
}

@test "build -q prints only sha256 and the image id" {
	ctx <<'EOF2'
FROM busybox
RUN echo quiet > /q
EOF2
	run hull build -q -t tq "$C"
	[ "$status" -eq 0 ]
	[[ $output =~ ^sha256:[0-9a-f]{64}$ ]]
	[ "$output" = "$(hull inspect --format '{{.Id}}' tq)" ]
}

@test "a rebuild with nothing changed uses the cache for every step and gives the same id" {
	ctx <<'EOF2'
FROM busybox
ENV A=1
WORKDIR /app
COPY f.txt /app/f.txt
RUN echo built > /app/r.txt
LABEL l=v
CMD ["cat", "/app/r.txt"]
EOF2
	echo one > "$C/f.txt"
	local id1 id2
	id1=$(hull build -q -t tc "$C")
	run hull build -t tc "$C"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ ---> Using cache$' <<<"$output")" -eq 6 ]
	[[ $output != *"Running in"* ]]
	id2=$(hull inspect --format '{{.Id}}' tc)
	[ "$id1" = "$id2" ]
}

@test "ARG steps use the cache on a rebuild too" {
	ctx <<'EOF2'
FROM busybox
ARG X=1
RUN echo $X > /x
EOF2
	hull build -q "$C"
	run hull build "$C"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ ---> Using cache$' <<<"$output")" -eq 2 ]
}

@test "changing a copied file rebuilds from that COPY on" {
	ctx <<'EOF2'
FROM busybox
ENV A=1
COPY f.txt /f.txt
RUN cat /f.txt > /r.txt
CMD ["cat", "/r.txt"]
EOF2
	echo one > "$C/f.txt"
	hull build -q -t tch "$C"
	echo two > "$C/f.txt"
	run hull build -t tch "$C"
	[ "$status" -eq 0 ]
	# step 2 (ENV) is cached, step 3 (COPY) on are not
	[ "$(grep -A1 '^Step 2/5 : ENV A=1$' <<<"$output" | tail -1)" = " ---> Using cache" ]
	[ "$(grep -c '^ ---> Using cache$' <<<"$output")" -eq 1 ]
	[[ $output == *"Running in"* ]]
	run hull run --rm tch
	[ "$output" = two ]
}

@test "touching a copied file without changing its content keeps the cache" {
	ctx <<'EOF2'
FROM busybox
COPY f.txt /f.txt
RUN cat /f.txt
EOF2
	echo same > "$C/f.txt"
	hull build -q "$C"
	touch -d '2001-01-01' "$C/f.txt"
	run hull build "$C"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ ---> Using cache$' <<<"$output")" -eq 2 ]
}

@test "--no-cache runs every step again" {
	ctx <<'EOF2'
FROM busybox
RUN echo x > /x
CMD ["cat", "/x"]
EOF2
	hull build -q "$C"
	run hull build --no-cache "$C"
	[ "$status" -eq 0 ]
	[[ $output != *"Using cache"* ]]
	[[ $output == *"Running in"* ]]
}

@test "--build-arg overrides an ARG default and is visible in RUN" {
	ctx <<'EOF2'
FROM busybox
ARG GREETING=hello
RUN echo "$GREETING" > /g
CMD ["cat", "/g"]
EOF2
	hull build -q -t tba1 "$C"
	run hull run --rm tba1
	[ "$output" = hello ]
	hull build -q -t tba2 --build-arg GREETING=bonjour "$C"
	run hull run --rm tba2
	[ "$output" = bonjour ]
	# an ARG is not kept in the image's environment
	run cfg tba2 Env
	[[ $output != *GREETING* ]]
}

@test "ARG expands in later instructions" {
	ctx <<'EOF2'
FROM busybox
ARG DIR=/made
WORKDIR $DIR
ENV WHERE=${DIR}/x
CMD ["pwd"]
EOF2
	hull build -q -t targ "$C"
	run cfg targ WorkingDir
	[ "$output" = '"/made"' ]
	run cfg targ Env
	[[ $output == *'"WHERE=/made/x"'* ]]
}

@test "-f selects another Dockerfile name" {
	ctx <<'EOF2'
FROM busybox
CMD ["echo", "default"]
EOF2
	printf 'FROM busybox\nCMD ["echo", "other"]\n' > "$C/Other.dockerfile"
	hull build -q -t tf -f "$C/Other.dockerfile" "$C"
	run hull run --rm tf
	[ "$output" = other ]
}

@test "a failing RUN exits non-zero and names Dockerfile:N" {
	ctx <<'EOF2'
FROM busybox
RUN true
RUN exit 4
RUN echo never
EOF2
	run hull build -t tfail "$C"
	[ "$status" -ne 0 ]
	[[ $output == *"Dockerfile:3"* ]]
	[[ $output == *"returned a non-zero code: 4"* ]]
	[[ $output != *"Step 4/4"* ]]
	run hull inspect tfail
	[ "$status" -ne 0 ]
}

@test "the output of RUN is shown" {
	ctx <<'EOF2'
FROM busybox
RUN echo visible-output
EOF2
	run hull build "$C"
	[ "$status" -eq 0 ]
	[[ $output == *visible-output* ]]
}

@test "an unknown instruction fails with Dockerfile:N" {
	ctx <<'EOF2'
FROM busybox
RUN true
FOO bar
EOF2
	run hull build "$C"
	[ "$status" -ne 0 ]
	[[ $output == *"Dockerfile:3"* ]]
	[[ $output == *"unknown instruction: FOO"* ]]
	# parsing fails before any step runs
	[[ $output != *"Step 2"* ]]
}

@test "RUN --device (BuildKit labs) is refused" {
	ctx <<'EOF2'
FROM busybox
RUN --device=/dev/null true
EOF2
	run hull build "$C"
	[ "$status" -eq 1 ]
	[[ $output == *"Dockerfile:2: RUN --device is not supported"* ]]
}

@test "a missing Dockerfile fails" {
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	run hull build "$BATS_TEST_TMPDIR/empty"
	[ "$status" -ne 0 ]
}

@test "FROM of a missing image fails" {
	ctx <<'EOF2'
FROM nosuchbase:1
EOF2
	run hull build "$C"
	[ "$status" -ne 0 ]
	[[ $output == *nosuchbase* ]]
}

@test "COPY of a missing source fails" {
	ctx <<'EOF2'
FROM busybox
COPY nothere /x
EOF2
	run hull build "$C"
	[ "$status" -ne 0 ]
	[[ $output == *nothere* ]]
}

@test "COPY of a directory copies its contents; COPY to a dir/ keeps the name" {
	ctx <<'EOF2'
FROM busybox
COPY d /dst
COPY f.txt /into/
CMD ["sh", "-c", "cat /dst/a /dst/sub/b /into/f.txt"]
EOF2
	mkdir -p "$C/d/sub"
	echo A > "$C/d/a"; echo B > "$C/d/sub/b"; echo F > "$C/f.txt"
	hull build -q -t tcp "$C"
	run hull run --rm tcp
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'A\nB\nF')" ]
}

@test "COPY keeps the file mode; files are owned by root" {
	ctx <<'EOF2'
FROM busybox
COPY x.sh /x.sh
CMD ["sh", "-c", "stat -c '%a %u %g' /x.sh; /x.sh"]
EOF2
	printf '#!/bin/sh\necho script-ran\n' > "$C/x.sh"
	chmod 750 "$C/x.sh"
	chown 1234:1234 "$C/x.sh"
	hull build -q -t tmode "$C"
	run hull run --rm tmode
	[ "${lines[0]}" = "750 0 0" ]
	[ "${lines[1]}" = script-ran ]
}

@test ".dockerignore excludes files from COPY" {
	ctx <<'EOF2'
FROM busybox
COPY . /ctx
CMD ["ls", "/ctx"]
EOF2
	echo k > "$C/keep"; echo s > "$C/secret"
	printf 'secret\n' > "$C/.dockerignore"
	hull build -q -t tign "$C"
	run hull run --rm tign
	[[ $output == *keep* ]]
	[[ $output != *secret* ]]
}

@test "ENV is in the image config and in RUN and at run time" {
	ctx <<'EOF2'
FROM busybox
ENV FOO=bar BAZ="two words"
RUN test "$FOO" = bar && echo "$BAZ" > /baz
CMD ["sh", "-c", "echo $FOO; cat /baz"]
EOF2
	hull build -q -t tenv "$C"
	run cfg tenv Env
	[[ $output == *'"FOO=bar"'* && $output == *'"BAZ=two words"'* ]]
	run hull run --rm tenv
	[ "$output" = "$(printf 'bar\ntwo words')" ]
	run hull run --rm -e FOO=over tenv
	[ "${lines[0]}" = over ]
}

@test "an image without PATH gets the default one, for expansion, RUN and the built config" {
	# busybox comes from hull import: its config has no Env at all
	[ "$(cfg busybox Env)" = null ]
	ctx <<'EOF2'
FROM busybox
ENV PATH=/opt/bin:$PATH
RUN mkdir /x && echo "$PATH" > /x/path
EOF2
	run hull build -q -t tpath "$C"
	[ "$status" -eq 0 ]
	run hull run --rm tpath cat /x/path
	[ "$output" = /opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ]
	[ "$(cfg tpath Env)" = '["PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' ]
	# BuildKit appends it to the stage's config, even with no step after FROM:
	# the image is the base's layers and history with PATH in its config
	ctx <<'EOF2'
FROM busybox
EOF2
	run hull build -q -t tpath2 "$C"
	[ "$status" -eq 0 ]
	[ "$(cfg tpath2 Env)" = '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' ]
	[ "$(hull inspect --format '{{json .RootFS}} {{.Created}}' tpath2)" = "$(hull inspect --format '{{json .RootFS}} {{.Created}}' busybox)" ]
	[ "$(hull history -q tpath2 | wc -l)" = "$(hull history -q busybox | wc -l)" ]
	# so a rebuild gives the same image
	[ "$(hull build -q "$C")" = "$(hull inspect --format '{{.Id}}' tpath2)" ]
	run hull run --rm tpath2 sh -c 'echo $PATH'
	[ "$output" = /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ]
	# and a stage FROM that stage
	printf 'FROM busybox AS a\nFROM a\n' > "$C/Dockerfile"
	[ "$(hull build -q "$C")" = "$(hull inspect --format '{{.Id}}' tpath2)" ]
}

@test "WORKDIR is created and used by RUN, COPY and the container" {
	ctx <<'EOF2'
FROM busybox
WORKDIR /w/x
RUN pwd > here
COPY f.txt rel.txt
WORKDIR y
CMD ["sh", "-c", "pwd; cat /w/x/here /w/x/rel.txt"]
EOF2
	echo rel > "$C/f.txt"
	hull build -q -t twd "$C"
	run cfg twd WorkingDir
	[ "$output" = '"/w/x/y"' ]
	run hull run --rm twd
	[ "$output" = "$(printf '/w/x/y\n/w/x\nrel')" ]
}

@test "USER applies to later RUN and to the container" {
	ctx <<'EOF2'
FROM busybox
RUN id -u > /before
USER nobody
RUN id -u > /tmp/during
CMD ["sh", "-c", "cat /before /tmp/during; id -u"]
EOF2
	hull build -q -t tuser "$C"
	run cfg tuser User
	[ "$output" = '"nobody"' ]
	run hull run --rm tuser
	[ "$output" = "$(printf '0\n65534\n65534')" ]
	run hull run --rm -u root tuser id -u
	[ "$output" = 0 ]
}

@test "LABEL and EXPOSE are in the image config" {
	ctx <<'EOF2'
FROM busybox
LABEL org.example.a=1 "b c"="d e"
EXPOSE 8080 53/udp
EOF2
	hull build -q -t tlab "$C"
	run cfg tlab Labels
	[ "$output" = '{"b c":"d e","org.example.a":"1"}' ] || [ "$output" = '{"org.example.a":"1","b c":"d e"}' ]
	run cfg tlab ExposedPorts
	[[ $output == *'"8080/tcp":{}'* && $output == *'"53/udp":{}'* ]]
}

@test "CMD and ENTRYPOINT are in the image config" {
	ctx <<'EOF2'
FROM busybox
ENTRYPOINT ["echo", "ep"]
CMD ["arg"]
EOF2
	hull build -q -t tcfg "$C"
	run cfg tcfg Entrypoint
	[ "$output" = '["echo","ep"]' ]
	run cfg tcfg Cmd
	[ "$output" = '["arg"]' ]
	run hull run --rm tcfg
	[ "$output" = "ep arg" ]
}

@test "SHELL changes the shell of later RUN" {
	ctx <<'EOF2'
FROM busybox
SHELL ["/bin/sh", "-c", "echo shell-was-used > /marker; eval \"$1\"", "sh"]
RUN echo hi
CMD ["cat", "/marker"]
EOF2
	hull build -q -t tshell "$C"
	run hull run --rm tshell
	[ "$status" -eq 0 ]
	[ "$output" = shell-was-used ]
}

@test "exec-form RUN runs without a shell" {
	ctx <<'EOF2'
FROM busybox
RUN ["/bin/echo", "$HOME", "not-expanded"]
EOF2
	run hull build "$C"
	[ "$status" -eq 0 ]
	[[ $output == *'$HOME not-expanded'* ]]
}

@test "a layer of a built image has the RUN's changes, including deletions" {
	ctx <<'EOF2'
FROM busybox
RUN rm /etc/group && mkdir -p /made && echo m > /made/m
EOF2
	hull build -q -t tdel "$C"
	run hull run --rm tdel sh -c 'test -e /etc/group && echo still; cat /made/m'
	[ "$output" = m ]
	# the deletion also holds when the container writes elsewhere in /etc
	run hull run --rm tdel sh -c 'echo x > /etc/new; ls /etc/group 2>&1; echo rc=$?'
	[[ $output == *rc=1* ]]
	run hull inspect --format '{{json .RootFS.Layers}}' tdel
	[ "$(grep -o sha256: <<<"$output" | wc -l)" -eq 2 ]
}

@test "metadata-only instructions add no layer" {
	ctx <<'EOF2'
FROM busybox
ENV A=1
LABEL x=y
CMD ["true"]
EOF2
	hull build -q -t tmeta "$C"
	run hull inspect --format '{{json .RootFS.Layers}}' tmeta
	[ "$output" = "$(hull inspect --format '{{json .RootFS.Layers}}' busybox)" ]
}

@test "multi-stage: COPY --from an earlier stage" {
	ctx <<'EOF2'
FROM busybox AS builder
RUN echo artefact > /out
FROM busybox
COPY --from=builder /out /got
CMD ["cat", "/got"]
EOF2
	hull build -q -t tms "$C"
	run hull run --rm tms
	[ "$output" = artefact ]
}

@test "build -t with several tags" {
	ctx <<'EOF2'
FROM busybox
LABEL many=tags
EOF2
	run hull build -q -t ta:1 -t tb:2 "$C"
	[ "$status" -eq 0 ]
	[ "$(hull inspect --format '{{.Id}}' ta:1)" = "$(hull inspect --format '{{.Id}}' tb:2)" ]
}

@test "build from a Dockerfile on stdin (-f -)" {
	mkdir -p "$BATS_TEST_TMPDIR/sctx"
	run bash -c 'printf "FROM busybox\nCMD [\"echo\",\"stdin-df\"]\n" | "$HULL" build -q -t tstdin -f - "$1"' _ "$BATS_TEST_TMPDIR/sctx"
	[ "$status" -eq 0 ]
	run hull run --rm tstdin
	[ "$output" = stdin-df ]
}

@test "multi-stage: FROM an earlier stage by name" {
	ctx <<'EOF2'
FROM busybox AS first
RUN echo stage1 > /s1
FROM first
RUN echo stage2 > /s2
CMD ["sh", "-c", "cat /s1 /s2"]
EOF2
	hull build -q -t tms2 "$C"
	run hull run --rm tms2
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'stage1\nstage2')" ]
}

@test "the build's containers are not left behind" {
	ctx <<'EOF2'
FROM busybox
RUN echo a
RUN echo b
EOF2
	hull build -q "$C"
	run hull ps -a -q
	[ -z "$output" ]
}

@test "build -: a Dockerfile or a (compressed) context tar from stdin, nothing left in tmp/" {
	printf 'FROM busybox\nRUN echo from-stdin > /s\n' | hull build -q -t stdin1 - >/dev/null
	[ "$(hull run --rm stdin1 cat /s)" = from-stdin ]
	d=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$d/sub" && echo ctxfile > "$d/f"
	printf 'FROM busybox\nCOPY f /f\n' > "$d/Dockerfile"
	printf 'FROM busybox\nCOPY f /g\n' > "$d/sub/Other"
	tar -C "$d" -czf - . | hull build -q -t stdin2 - >/dev/null
	[ "$(hull run --rm stdin2 cat /f)" = ctxfile ]
	tar -C "$d" -cf - . | hull build -q -t stdin3 -f sub/Other - >/dev/null
	[ "$(hull run --rm stdin3 cat /g)" = ctxfile ]
	run -125 hull build -f - -
	[[ $output == *"can't use stdin for both build context and dockerfile"* ]]
	[ -z "$(ls -A "$HULL_ROOT/tmp")" ]
}

@test "build -: the tar's Dockerfile links resolve inside the context, never on the host" {
	echo 'HOST-SECRET-050' > "$BATS_TEST_TMPDIR/host-file"
	d=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$d/sub"
	ln -s "$BATS_TEST_TMPDIR/host-file" "$d/Dockerfile"
	ln -s "../../../../../../../../../..$BATS_TEST_TMPDIR/host-file" "$d/rel"
	mkfifo "$d/fifo"
	printf 'FROM busybox\nRUN echo linked-ok\n' > "$d/sub/Df"
	ln -s /sub/Df "$d/inside"
	for f in "" "-f rel" "-f ../../../../../..$BATS_TEST_TMPDIR/host-file"; do
		run bash -c 'tar -C "$1" -cf - . | "$HULL" build -q $2 -' _ "$d" "$f"
		[ "$status" -eq 1 ]
		[[ $output == "hull: failed to read dockerfile: open '"*"': No such file or directory" ]]
		[[ $output != *HOST-SECRET* ]]
	done
	# a FIFO is refused, never opened (it would block)
	run bash -c 'tar -C "$1" -cf - . | timeout 60 "$HULL" build -q -f fifo -' _ "$d"
	[ "$status" -eq 1 ]
	[[ $output == *"fifo' is not a regular file" ]]
	run bash -c 'tar -C "$1" -cf - . | "$HULL" build --no-cache -f inside -' _ "$d"
	[ "$status" -eq 0 ]
	[[ $output == *linked-ok* ]]
	[ -z "$(ls -A "$HULL_ROOT/tmp")" ]
}

@test "build --network, --add-host, --shm-size, --ulimit reach RUN; --platform takes only this machine's" {
	d=$(ctx_dir)
	printf 'FROM busybox\nRUN (ls /sys/class/net; grep myhost /etc/hosts; df -k /dev/shm | tail -1; ulimit -n) > /out\n' >"$d/Dockerfile"
	hull build -q -t bopts --network none --add-host myhost:10.1.2.3 --shm-size 8m \
		--ulimit nofile=123:456 --platform linux/amd64 "$d" >/dev/null
	run -0 hull run --rm bopts cat /out
	[ "${lines[0]}" = lo ]
	[[ ${lines[1]} == *"10.1.2.3"*myhost* ]]
	[[ ${lines[2]} == *" 8192 "* ]]
	[ "${lines[3]}" = 123 ]
	run -125 hull build --platform linux/s390x "$d"
	[[ $output == *"platform linux/s390x is not supported"* ]]
	run -125 hull build --network mynet "$d"
	run -125 hull build --add-host nocolon "$d"
	run -125 hull build --ulimit nofile=x "$d"
}

@test "30 builds of one context at once all succeed (no build removes another's step)" {
	d=$(ctx_dir)
	t=$BATS_TEST_TMPDIR
	printf 'FROM busybox\nRUN dd if=/dev/zero of=/a bs=1M count=20 2>/dev/null; echo %s\nRUN echo two > /b\n' "$RANDOM" >"$d/Dockerfile"
	for i in $(seq 30); do
		(sleep "0.0$((RANDOM % 10))"; "$HULL" build -q --no-cache "$d" >"$t/out.$i" 2>&1) &
	done
	wait
	fails=0
	for i in $(seq 30); do
		grep -q '^sha256:' "$t/out.$i" || { fails=$((fails + 1)); cat "$t/out.$i"; }
	done
	[ "$fails" -eq 0 ]
	run -0 hull ps -a -q
	[ -z "$output" ]
}
