#!/usr/bin/env bats
# buildah tests/bud contexts, part 4: .dockerignore.  Each test names the
# upstream bud.bats test(s) it ports.
load helpers
load bud-helpers

setup_file() { bud_setup_file; }
teardown_file() { hull_teardown_file; }

# check_succeed IMAGE: what Dockerfile.succeed copied under the ignore file
# "*, test*, !test2*, subdir, !*/sub1*".  Upstream expects test2.txt only, no
# subdir/: buildah (and docker's classic builder) skip an excluded directory
# unless a '!' pattern starts with its name.  BuildKit, docker's builder,
# matches every path, so "!*/sub1*" brings back subdir/sub1.txt, alone.
check_succeed() {
	in_image "$1" ls -l test2.txt
	for f in test1.txt sub1.txt sub2.txt subdir/sub2.txt; do
		run in_image "$1" ls -l "$f"
		[ "$status" -eq 1 ]
	done
	[ "$(in_image "$1" ls subdir)" = sub1.txt ]
}

# "bud with .dockerignore #1", "bud with .dockerignore #6"
@test "bud: dockerignore, dockerignore6: an ignored source fails, the rest is filtered (context or <Dockerfile>.dockerignore)" {
	for d in dockerignore dockerignore6; do
		c=$(bud_ctx $d)
		run hull build -t testbud -f "$c/Dockerfile" "$c"
		[ "$status" -eq 1 ]
		assert_has "subdir"
		hull build -q -t testbud -f "$c/Dockerfile.succeed" "$c"
		check_succeed testbud
	done
}

# "bud with .dockerignore - unmatched"
@test "bud: dockerignore2: an unmatched pattern copies everything, symlinks as they are" {
	c=$(bud_ctx dockerignore2)
	ln -sf subdir "$c/symlink"
	ln -sf circular-link "$c/subdir/circular-link"
	ln -sf no-such-file "$c/subdir/dangling-link"
	hull build -q -t testbud2 "$c"
	id=$(hull create testbud2 x)
	mkdir "$BATS_TEST_TMPDIR/root"
	hull export "$id" | tar -C "$BATS_TEST_TMPDIR/root" -xf -
	hull rm "$id"
	run sh -c 'cd "$1" && find . -mindepth 1 -printf "%P(%l)\n" | LC_ALL=C sort' - "$BATS_TEST_TMPDIR/root"
	[ "$output" = ".dockerignore()
Dockerfile()
subdir()
subdir/circular-link(circular-link)
subdir/dangling-link(no-such-file)
subdir/sub1.txt()
subdir/subsubdir()
subdir/subsubdir/subsub1.txt()
symlink(subdir)" ]
}

# "bud with .dockerignore #2", "bud with .dockerignore #4"
@test "bud: dockerignore3, dockerignore4: COPY of a file excluded by a later pattern fails" {
	c=$(bud_ctx dockerignore3)
	run hull build -t testbud3 "$c"
	[ "$status" -eq 1 ]
	assert_has "test1.txt"
	assert_has ".dockerignore"
	c=$(bud_ctx dockerignore4)
	run hull build -t testbud3 -f "$c/Dockerfile.test" "$c"
	[ "$status" -eq 1 ]
	assert_has "test1.txt"
	assert_has ".dockerignore"
	# without the failing COPY, the listing shows what the patterns keep
	sed -i '/COPY test1.txt/d' "$c/Dockerfile.test"
	run hull build -t testbud4 -f "$c/Dockerfile.test" "$c"
	[ "$status" -eq 0 ]
	assert_has "/upload/test2.txt"
	assert_has "/upload/README.md"
	assert_has "/upload/src2/Makefile"
	assert_lacks "/upload/test1.txt"
	assert_lacks "README-secret.md"
	assert_lacks "main.in"
	assert_lacks "foo.conf"
	assert_lacks "BUILD.md"
}

# "bud with .containerignore"
@test "bud: containerignore: docker reads .dockerignore, not .containerignore" {
	c=$(bud_ctx containerignore)
	run hull build -t testbud -f "$c/Dockerfile" "$c"
	[ "$status" -eq 1 ]
	assert_has "subdir"
	# buildah prefers .containerignore (keeping test2.txt); docker reads only
	# .dockerignore, here "*": nothing is copied
	hull build -q -t testbud -f "$c/Dockerfile.succeed" "$c"
	run in_image testbud ls -l test2.txt
	[ "$status" -eq 1 ]
	mv "$c/.containerignore" "$c/.dockerignore"
	hull build -q -t testbud -f "$c/Dockerfile.succeed" "$c"
	check_succeed testbud
}

# "bud with ignoresymlink on default file"
@test "bud: container-ignoresymlink: a .dockerignore linking out of the context is not read" {
	echo hello > "$BATS_TEST_TMPDIR/private_file"
	c=$(bud_ctx container-ignoresymlink)
	ln -s "$BATS_TEST_TMPDIR/private_file" "$c/.dockerignore"
	run hull build -t testlink -f "$c/Dockerfile" "$c"
	[ "$status" -eq 0 ]
	assert_has hello
	in_image testlink test -f /dir/hello
}
