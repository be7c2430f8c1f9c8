#!/usr/bin/env bats
# buildah tests/bud contexts, part 3: ARG and ENV scope, stages, --target.
# Each test names the upstream bud.bats test(s) it ports.
load helpers
load bud-helpers

setup_file() { bud_setup_file; }
teardown_file() { hull_teardown_file; }

# "bud ARG scope: table of scope combinations"
@test "bud: arg-scope: global versus stage ARG, defaults, overrides" {
	c=$(bud_ctx arg-scope)
	cases=(
		"from-arg::/base.txt:alpine"
		"from-arg:BASE=busybox:/base.txt:busybox"
		"stage-overrides-header::/foo.txt:stage"
		"copy-from-arg::/from.txt:a"
		"copy-from-arg:SRC=b:/from.txt:b"
		"stage-overrides-header-copy-from::/from.txt:b"
		"multiple-args-stage-overrides-one::/out.txt:9 1"
		"multiple-args-stage-only::/out.txt:1 2"
		"multiple-args-one-step::/out.txt:0 1"
		"multiple-args-one-step:bar=88:/out.txt:0 88"
		"multiple-args-one-step:foo=99 bar=88:/out.txt:99 88"
		"arg-mixed-defaults::/out.txt: set"
		"arg-mixed-defaults:a=given:/out.txt:given set"
	)
	for case in "${cases[@]}"; do
		IFS=: read -r suffix build_arg path expected <<< "$case"
		args=()
		for a in $build_arg; do args+=(--build-arg "$a"); done
		hull build -q "${args[@]}" -t bud-argscope -f "$c/Containerfile.$suffix" "$c"
		# some results are FROM scratch: read the file with create + cp
		id=$(hull create bud-argscope x)
		got=$(hull cp "$id:$path" - | tar -xOf -)
		hull rm "$id" >/dev/null
		[ "$got" = "$expected" ] || { echo "case $case: got '$got'" >&2; return 1; }
	done
}

# same_layers IMAGE1 IMAGE2: both have the same RootFS.Layers
same_layers() {
	[ "$(hull image inspect --format '{{json .RootFS.Layers}}' "$1")" = "$(hull image inspect --format '{{json .RootFS.Layers}}' "$2")" ]
}

# based_on IMAGE BASE: BASE's layers are the first layers of IMAGE
based_on() {
	local img base
	img=$(hull image inspect --format '{{json .RootFS.Layers}}' "$1")
	base=$(hull image inspect --format '{{json .RootFS.Layers}}' "$2")
	[ "${img#"${base%]}"}" != "$img" ]
}

# "bud with unused build arg", "bud with --build-arg"
@test "bud: build-arg: unused args are warned about, --build-arg NAME takes the environment" {
	c=$(bud_ctx build-arg)
	run hull build -t bud-barg --build-arg foo=bar --build-arg foo2=bar2 -f "$c/Dockerfile" "$c"
	[ "$status" -eq 0 ]
	assert_has "[foo2]"
	assert_has "not consumed"
	assert_has $'\nbar\n'
	run hull build -t bud-barg --build-arg IMAGE=alpine -f "$c/Dockerfile2" "$c"
	[ "$status" -eq 0 ]
	assert_lacks "not consumed"
	same_layers bud-barg alpine
	export foo=from-the-environment-$$
	run hull build -t bud-barg --build-arg foo "$c"
	[ "$status" -eq 0 ]
	assert_has $'\n'"$foo"$'\n'
	# (buildah also warns when foo has no value at all: docker does not)
}

# "build with basename resolving default arg", "build with basename resolving user arg",
# "build with basename resolving user arg - should fail"
@test "bud: base-with-arg: FROM a stage named from TARGETARCH or a --build-arg" {
	c=$(bud_ctx base-with-arg)
	case $(uname -m) in
	x86_64) arch=amd64 ;;
	aarch64) arch=arm64 ;;
	*) skip "no stage for $(uname -m) in this context" ;;
	esac
	# docker refuses the stage names platform-arm/v7 and platform-arm/v6
	# (buildkit validStageName); buildah takes them
	run hull build -t bud-bwa -f "$c/Containerfile" "$c"
	[ "$status" -eq 1 ]
	assert_has 'invalid name for build stage: "platform-arm/v7"'
	sed -i '/^FROM build AS platform-arm\/v[67]$/,+1d' "$c/Containerfile"
	run ! grep -q arm/v "$c/Containerfile"
	run hull build -t bud-bwa -f "$c/Containerfile" "$c"
	[ "$status" -eq 0 ]
	assert_has "This is built for $arch"
	# the automatic TARGETARCH is global: a stage sees it only after `ARG TARGETARCH`
	[ "$(hull image inspect --format '{{json .Config.Labels}}' bud-bwa)" = '{"architecture":""}' ]
	for t in first second; do
		run hull build --build-arg CUSTOM_TARGET=$t -t bud-bwa2 -f "$c/Containerfile2" "$c"
		[ "$status" -eq 0 ]
		assert_has "This is built for $t"
	done
	run hull build --build-arg CUSTOM_TARGET=first -t bud-bwa3 -f "$c/Containerfilebad" "$c"
	[ "$status" -eq 1 ]
	assert_has "platform-"
}

# "bud with ARG before FROM default value", "bud with ARG before FROM"
@test "bud: leading-args: ARG before FROM, default and --build-arg; stage and COPY --from from an ARG" {
	c=$(bud_ctx leading-args)
	# upstream checks only that both builds work; ARGs before FROM are seen by
	# FROM only, so in the stage $FOO and $VERSION are empty (busybox has no
	# PATH: the stage gets BuildKit's default before its ENV)
	run hull build -t bud-lead -f "$c/Dockerfile" "$c"
	[ "$status" -eq 0 ]
	based_on bud-lead busybox
	[ "$(hull image inspect --format '{{json .Config.Env}}' bud-lead)" = '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","FOO="]' ]
	hull tag alpine busybox:musl
	run hull build -t bud-lead2 --build-arg=VERSION=musl -f "$c/Dockerfile" "$c"
	[ "$status" -eq 0 ]
	based_on bud-lead2 alpine
	c=$(bud_ctx multi-stage-builds)
	hull build -q -t source -f "$c/Dockerfile.arg_in_stage" "$c"
	hull build -q -t source2 -f "$c/Dockerfile.arg_in_copy" "$c"
	in_image source2 cmp /bin/true_copy /bin/busybox
}

# "bud run check --from with arg"
@test "bud: from-with-arg: FROM and COPY --from named by ARGs" {
	c=$(bud_ctx from-with-arg)
	run hull build --build-arg base=alpine --build-arg toolchainname=busybox --build-arg destinationpath=/tmp -t bud-fwa -f "$c/Containerfile" "$c"
	[ "$status" -eq 0 ]
	cmp <(in_image bud-fwa cat /tmp/bin/busybox) <(in_image busybox cat /bin/busybox)
	[ "$(in_image bud-fwa cat /usr/bin/env | wc -c)" -gt 0 ]
}

# "bud COPY --from= with ARG in stage scope"
@test "bud: copy-from-stage-scoped-arg: a stage ARG in COPY --from, redeclared between COPYs" {
	hull tag busybox docker.io/library/busybox:latest
	c=$(bud_ctx copy-from-stage-scoped-arg)
	hull build -q -t bud-cfs -f "$c/Containerfile" "$c"
	run in_image bud-cfs cat /variant
	[ "$output" = "$(printf 'build\nbuild:staging')" ]
	hull build -q -t bud-cfs2 -f "$c/Containerfile.multi-copy-arg-override" "$c"
	[ "$(in_image bud-cfs2 cat /variant_first)" = "$(printf 'build\nbuild:staging')" ]
	[ "$(in_image bud-cfs2 cat /variant_second)" = "$(printf 'build\nbuild:dev')" ]
}

# "bud arg and env var with same name"
@test "bud: dupe-arg-env-name: ENV built from an ARG of the same name wins" {
	c=$(bud_ctx dupe-arg-env-name)
	run hull build -t bud-dupe -f "$c/Containerfile" "$c"
	[ "$status" -eq 0 ]
	assert_has $'\nhttps://example.org/bar\n'
	[ "$(in_image bud-dupe sh -c 'echo $WEBROOT')" = https://example.org/bar ]
}

# "bud access ENV variable defined in same source file", "... in FROM image",
# "bud from base image should have base image ENV also", "bud ENV preserves special
# characters after commit"
@test "bud: env: ENV in the same file, from the base image, kept, special characters" {
	c=$(bud_ctx env)
	run hull build -t env-from-image -f "$c/Dockerfile.env-same-file" "$c"
	[ "$status" -eq 0 ]
	assert_has ":unique.test.string:"
	run hull build -t bud-env2 -f "$c/Dockerfile.env-from-image" "$c"
	[ "$status" -eq 0 ]
	assert_has "@unique.test.string@"
	hull build -q -t bud-env3 -f "$c/Dockerfile.check-env" "$c"
	[ "$(hull image inspect --format '{{json .Config.Env}}' bud-env3)" = '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","foo=bar"]' ]
	hull tag ubuntu docker.io/ubuntu
	hull build -q -t special-chars -f "$c/Dockerfile.special-chars" "$c"
	run in_image special-chars env
	assert_has 'LIB=$(PREFIX)/lib'
}

# "bud with FROM AS construct", "bud with FROM AS skip FROM construct"
@test "bud: from-as: env of an AS stage carries over; an unneeded stage is skipped" {
	c=$(bud_ctx from-as)
	hull build -q -t test1 "$c"
	[ "$(hull image inspect --format '{{json .Config.Env}}' test1)" = '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LOCAL=/1"]' ]
	run hull build -t test2 -f "$c/Dockerfile.skip" "$c"
	[ "$status" -eq 0 ]
	assert_has "LOCAL=/1"
	assert_has "LOCAL2=/2"
	in_image test2 test -e /1
	run in_image test2 test -e /2
	[ "$status" -eq 1 ]
	[ "$(hull image inspect --format '{{json .Config.Env}}' test2)" = '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LOCAL=/1"]' ]
}

# "bud-target"
@test "bud: target: --target stops at that stage" {
	c=$(bud_ctx target)
	hull build -q -t target --target mytarget "$c"
	in_image target test -e /2
	run in_image target test -e /3
	[ "$status" -eq 1 ]
	in_image target test -e /hello
}

# "bud-multistage-cache", "bud-multistage-reused", "bud-multi-stage-builds",
# "bud-multi-stage-args-scope", "bud-multi-stage-args-history"
@test "bud: multi-stage-builds: stages reused as bases, by index and name, ARG scope" {
	c=$(bud_ctx multi-stage-builds)
	hull build -q -t foo -f "$c/Dockerfile.extended" "$c"
	# the image's ENTRYPOINT is "/bin/sleep 600": override it
	in_image --entrypoint test foo -r /tmp/preCommit
	run in_image --entrypoint test foo -r /tmp/postCommit
	[ "$status" -eq 1 ]
	for f in reused reused2; do
		run hull build -t bud-reused -f "$c/Dockerfile.$f" "$c"
		[ "$status" -eq 0 ]
		assert_has $'\n/\n'
	done
	hull build -q -t bud-index -f "$c/Dockerfile.index" "$c"
	cmp <(in_image bud-index cat /Dockerfile.index) "$c/Dockerfile.index"
	in_image bud-index test -s /etc/passwd
	hull build -q -t bud-name -f "$c/Dockerfile.name" "$c"
	id=$(hull create bud-name x)
	hull export "$id" | tar -tf - | sed 's|^\./||' > "$BATS_TEST_TMPDIR/list"
	[ "$(cat "$BATS_TEST_TMPDIR/list")" = Dockerfile.name ]
	hull rm "$id"
	hull build -q -t bud-mixed -f "$c/Dockerfile.mixed" "$c"
	id=$(hull create bud-mixed x)
	mkdir "$BATS_TEST_TMPDIR/mixed"
	hull export "$id" | tar -C "$BATS_TEST_TMPDIR/mixed" -xf -
	hull rm "$id"
	for f in name index mixed; do
		cmp "$BATS_TEST_TMPDIR/mixed/Dockerfile.$f" "$c/Dockerfile.$f"
	done
	hull build -q -t multi-stage-args --build-arg SECRET=secretthings -f "$c/Dockerfile.arg" "$c"
	[ -z "$(in_image multi-stage-args cat test_file)" ]
	run hull history --no-trunc multi-stage-args
	[ "$status" -eq 0 ]
	assert_lacks secretthings
}

# "bud containerfile with args"
@test "bud: use-args: COPY source and destination from --build-arg, with and without braces" {
	c=$(bud_ctx use-args)
	touch "$c/abc.txt"
	# --build-arg=abc.txt: no such variable in the environment, so testArg is
	# empty and `COPY ${testArg} .` copies the context root
	hull build -q -t use-args --build-arg=abc.txt -f "$c/Containerfile" "$c"
	in_image use-args ls abc.txt
	for f in destination dest_nobrace; do
		hull build -q -t use-args -f "$c/Containerfile.$f" --build-arg=testArg=abc.txt --build-arg=destination=/tmp "$c"
		in_image use-args ls /tmp/abc.txt
	done
}

# "No default warning for TARGETARCH, TARGETOS, TARGETPLATFORM"
@test "bud: targetarch: the automatic platform args give no warning" {
	c=$(bud_ctx targetarch)
	run hull build -t bud-tarch -f "$c/Dockerfile" "$c"
	[ "$status" -eq 0 ]
	assert_lacks "not consumed"
	assert_lacks "Warning"
}
