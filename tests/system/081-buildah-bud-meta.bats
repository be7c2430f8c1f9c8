#!/usr/bin/env bats
# buildah tests/bud contexts, part 2: metadata instructions, heredocs, errors,
# empty builds, VOLUME during the build.  Each test names the upstream
# bud.bats test(s) it ports.
load helpers
load bud-helpers

setup_file() { bud_setup_file; }
teardown_file() { hull_teardown_file; }

# "bud-maintainer", "bud-no-target-name"
@test "bud: maintainer: MAINTAINER sets the image author" {
	c=$(bud_ctx maintainer)
	hull build -q -t bud-maint "$c"
	[ "$(hull image inspect --format '{{.Author}}' bud-maint)" = kilroy ]
	run hull build -q "$c"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
}

# "bud-with-healthcheck"
@test "bud: healthcheck: every HEALTHCHECK option lands in Config.Healthcheck in nanoseconds" {
	c=$(bud_ctx healthcheck)
	hull build -q -t bud-hc "$c"
	run hull image inspect --format '{{json .Config.Healthcheck.Test}} {{.Config.Healthcheck.StartInterval}} {{.Config.Healthcheck.StartPeriod}} {{.Config.Healthcheck.Interval}} {{.Config.Healthcheck.Timeout}} {{.Config.Healthcheck.Retries}}' bud-hc
	[ "$status" -eq 0 ]
	[ "$output" = '["CMD-SHELL","curl -f http://localhost/ || exit 1"] 30000000000 600000000000 300000000000 3000000000 4' ]
}

# "bud-onbuild", "bud-onbuild-layers"
@test "bud: onbuild: triggers are stored, run in the child build, and consumed" {
	c=$(bud_ctx onbuild)
	hull build -q -t onbuild "$c"
	[ "$(hull image inspect --format '{{json .Config.OnBuild}}' onbuild)" = '["RUN touch /onbuild1","RUN touch /onbuild2"]' ]
	# docker runs triggers only in builds FROM the image (buildah's `from` runs
	# them too): the defining image has no /onbuild1
	run in_image onbuild ls /onbuild1
	[ "$status" -ne 0 ]
	hull build -q -t onbuild-image2 -f "$c/Dockerfile1" "$c"
	[ "$(hull image inspect --format '{{json .Config.OnBuild}}' onbuild-image2)" = '["RUN touch /onbuild3"]' ]
	in_image onbuild-image2 ls /onbuild1 /onbuild2
	run in_image onbuild-image2 ls /onbuild3
	[ "$status" -ne 0 ]
	hull build -q -t onbuild-image3 -f "$c/Dockerfile2" "$c"
	[ "$(hull image inspect --format '{{json .Config.OnBuild}}' onbuild-image3)" = '["RUN touch /onbuild1","RUN touch /onbuild2"]' ]
	in_image onbuild-image3 ls /firstfile /secondfile
}

# "bud-shell", "bud-shell during build in Docker/OCI format",
# "bud-shell changed during build in Docker/OCI format", "bud quiet"
@test "bud: shell: SHELL is stored, RUN uses the default and a changed shell" {
	c=$(bud_ctx shell)
	run hull build -q -t bud-shell "$c"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	[ "$(hull image inspect --format '{{json .Config.Shell}}' bud-shell)" = '["/bin/sh","-c"]' ]
	run hull build -t bud-shell2 -f "$c/Dockerfile.build-shell-default" "$c"
	[ "$status" -eq 0 ]
	assert_has "SHELL=/bin/sh"
	run hull build -t bud-shell3 -f "$c/Dockerfile.build-shell-custom" "$c"
	[ "$status" -eq 0 ]
	assert_has "SHELL=/bin/bash"
	[ "$(hull image inspect --format '{{json .Config.Shell}}' bud-shell3)" = '["/bin/bash","-c"]' ]
}

# "bud-unrecognized-instruction"
@test "bud: unrecognized: an unknown instruction fails the build and is named" {
	c=$(bud_ctx unrecognized)
	run hull build -t bud-unrec "$c"
	[ "$status" -eq 1 ]
	assert_has BOGUS
}

# "bud file above context directory"
@test "bud: context-escape-dir: COPY ../ outside the context fails" {
	c=$(bud_ctx context-escape-dir)
	run hull build -t bud-escape -f "$c/testdir/Containerfile" "$c/testdir"
	[ "$status" -eq 1 ]
	assert_has "outside the build context"
	run hull image inspect bud-escape
	[ "$status" -ne 0 ]
}

# "bud build with heredoc content"
@test "bud: heredoc: RUN/ADD/COPY heredocs, several per line, redirections" {
	c=$(bud_ctx heredoc)
	run hull build -t heredoc -f "$c/Containerfile" "$c"
	[ "$status" -eq 0 ]
	for s in "print first line from heredoc" "print second line from heredoc" \
		"Heredoc writing first file" "some text of first file" \
		"file passed to program" "and it contains multiple" \
		"(your index page goes here)" "(robots content)" "(humans content)" \
		"this is the output of test6 part1" "this is the output of test6 part2" \
		"this is the output of test7 part1" "this is the output of test7 part2" \
		"this is the output of test7 part3" \
		"this is the output of test8 part1" "this is the output of test8 part2"; do
		assert_has "$s"
	done
	[ "$(in_image heredoc cat /test/robots.txt)" = "(robots content)" ]
}

# "bud build with heredoc content which is a bash file",
# "bud build with heredoc content with inline interpreter"
@test "bud: heredoc: #! scripts, <<- tab stripping, an interpreter line" {
	c=$(bud_ctx heredoc)
	run hull build -t heredoc2 -f "$c/Containerfile.bash_file" "$c"
	[ "$status" -eq 0 ]
	assert_has "this is the output of test9"
	assert_has "this is the output of test10"
	run hull build -t heredoc3 -f "$c/Containerfile.she_bang" "$c"
	[ "$status" -eq 0 ]
	assert_has "#
this is the output of test11
this is the output of test12"
}

# "bud build with heredoc verify mount leak"
@test "bud: heredoc: the heredoc file is gone in the next step" {
	c=$(bud_ctx heredoc)
	# upstream lists buildah's /dev/pipes; hull feeds the script on stdin,
	# so the check is that nothing of the first step's heredoc is left
	sed -i 's|ls -a /dev/pipes/$|ls /proc/self/fd/0|' "$c/Containerfile.verify_mount_leak"
	run hull build -t heredoc4 -f "$c/Containerfile.verify_mount_leak" "$c"
	[ "$status" -eq 1 ]
	assert_has "this is the output of test"
	assert_has "/dev/pipes"
}

# "bud build with heredoc with COPY instructionw with .containerignore set"
@test "bud: heredoc-ignore: a COPY heredoc is not filtered by .dockerignore" {
	c=$(bud_ctx heredoc-ignore)
	# --ignorefile is buildah's; docker reads the context's .dockerignore
	mv "$c/.containerignore" "$c/.dockerignore"
	run hull build -t heredoc5 -f "$c/Containerfile" "$c"
	[ "$status" -eq 0 ]
	assert_has "This is a file"
	assert_has "This is a line from file"
}

# "bud-no-change", "bud-no-change-label"
@test "bud: no-change: FROM only adds no layer; --label lands in Labels" {
	c=$(bud_ctx no-change)
	hull build -q -t no-change-image "$c"
	[ "$(hull image inspect --format '{{json .RootFS.Layers}}' no-change-image)" = "$(hull image inspect --format '{{json .RootFS.Layers}}' alpine)" ]
	hull build -q --label test=label -t no-change-image2 "$c"
	[ "$(hull image inspect --format '{{json .Config.Labels}}' no-change-image2)" = '{"test":"label"}' ]
	[ "$(hull image inspect --format '{{json .RootFS.Layers}}' no-change-image2)" = "$(hull image inspect --format '{{json .RootFS.Layers}}' alpine)" ]
}

# no_layers IMAGE: no layer with content.  Upstream wants 0 layers; hull
# gives a layerless image the empty layer (an empty tar, sha256:5f70bf18...)
# because the OCI manifest schema wants at least one (tests/system/090).
no_layers() {
	run hull image inspect --format '{{json .RootFS.Layers}}' "$1"
	[ "$status" -eq 0 ]
	case $output in
	null | "[]" | '["sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"]') ;;
	*) echo "layers: $output" >&2; return 1 ;;
	esac
}

# "no layer should be created on scratch", "bud-from-scratch", "bud-from-scratch-label",
# "bud-from-scratch-layers"
@test "bud: from-scratch: FROM scratch with metadata only has 0 layers" {
	c=$(bud_ctx from-scratch)
	hull build -q --label label1=value1 -t bud-scratch -f "$c/Containerfile" "$c"
	no_layers bud-scratch
	[ "$(hull image inspect --format '{{json .Config.Labels}}' bud-scratch)" = '{"label1":"value1"}' ]
	hull build -q -t bud-scratch "$c"
	no_layers bud-scratch
	hull build -q -t bud-scratch2 -f "$c/Containerfile2" "$c"
	no_layers bud-scratch2
	[ "$(hull image inspect --format '{{.Config.User}}' bud-scratch2)" = 1001 ]
	hull build -q --label test -t bud-scratch3 "$c"
	[ "$(hull image inspect --format '{{json .Config.Labels}}' bud-scratch3)" = '{"test":""}' ]
}

# "bud-volume-perms" (--compat-volumes, docker's behaviour)
@test "bud: volume-perms: changes under a VOLUME after it is declared are dropped" {
	c=$(bud_ctx volume-perms)
	hull build -q -t bud-volperm "$c"
	id=$(hull create bud-volperm)
	hull export "$id" | tar -tvf - > "$BATS_TEST_TMPDIR/list"
	hull rm "$id"
	grep -q '^drwxr-xr-x .* vol/subvol/$' "$BATS_TEST_TMPDIR/list"
	run ! grep -q 'subvolfile' "$BATS_TEST_TMPDIR/list"
}

# "bud-preserve-subvolumes" (--compat-volumes, docker's behaviour)
@test "bud: preserve-volumes: what was there before VOLUME stays, later RUN changes go, ADDs stay" {
	c=$(bud_ctx preserve-volumes)
	hull build -q -t bud-presvol "$c"
	id=$(hull create bud-presvol)
	hull export "$id" | tar -tf - | sed 's|^\./||' > "$BATS_TEST_TMPDIR/list"
	hull rm "$id"
	for f in vol/subvol/subsubvol/subsubvolfile vol/volfile vol/Dockerfile vol/Dockerfile2; do
		grep -qx "$f" "$BATS_TEST_TMPDIR/list"
	done
	run ! grep -qx vol/subvol/subvolfile "$BATS_TEST_TMPDIR/list"
	run ! grep -qx vol/anothervolfile "$BATS_TEST_TMPDIR/list"
}
