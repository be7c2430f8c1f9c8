#!/usr/bin/env bats
# buildah tests/bud contexts, part 1: COPY/ADD flags and paths, symlinks,
# WORKDIR.  Each test names the upstream bud.bats test(s) it ports.
load helpers
load bud-helpers

setup_file() { bud_setup_file; }
teardown_file() { hull_teardown_file; }

# "bud with chmod add", "bud with chmod copy", "... combined chown and chmod ...",
# "... with bad chmod flag in Dockerfile with --layers"
@test "bud: add-chmod, copy-chmod: --chmod=777, combined with --chown, bad flag fails" {
	for kind in add copy; do
		c=$(bud_ctx $kind-chmod)
		run hull build -t bud-$kind-chmod "$c"
		[ "$status" -eq 0 ]
		assert_has rwxrwxrwx
		run in_image bud-$kind-chmod ls -l /tmp/${kind}chmod.txt
		[ "$status" -eq 0 ]
		[ "${output:0:10}" = "-rwxrwxrwx" ]
		run hull build -t bud-$kind-chmod2 -f "$c/Dockerfile.combined" "$c"
		[ "$status" -eq 0 ]
		assert_has "chmod:777 user:2367 group:3267"
		# `--chmod 777` (no '='): 777 is taken as a source, the flag has no value
		run hull build -t bud-$kind-chmod3 -f "$c/Dockerfile.bad" "$c"
		[ "$status" -ne 0 ]
		assert_has "chmod"
	done
}

# "bud with chown add", "bud with chown copy", "... bad chown flag ...",
# "bud with chown copy with unknown substitutions in Dockerfile", "bud copy chown with newuser"
@test "bud: add-chown, copy-chown: --chown=2367:3267, bad flag and empty user fail, --chown=name" {
	for kind in add copy; do
		c=$(bud_ctx $kind-chown)
		run hull build -t bud-$kind-chown "$c"
		[ "$status" -eq 0 ]
		assert_has "user:2367 group:3267"
		run in_image bud-$kind-chown stat -c '%u %g' /tmp/${kind}chown.txt
		[ "$output" = "2367 3267" ]
		run hull build -t bud-$kind-chown2 -f "$c/Dockerfile.bad" "$c"
		[ "$status" -ne 0 ]
		assert_has "chown"
	done
	run hull build -t bud-copy-chown3 -f "$c/Dockerfile.bad2" "$c"
	[ "$status" -ne 0 ]
	run hull build -t bud-copy-chown4 --build-arg SAFEIMAGE=alpine -f "$c/Containerfile.chown_user" "$c"
	[ "$status" -eq 0 ]
	assert_has "myuser:myuser"
}

# "bud with ADD of single file creates absolute path with correct permissions",
# "bud with COPY of single file creates relative path ...", "bud multi-stage COPY creates
# absolute/relative path ...", "bud multi-stage COPY with invalid from statement"
@test "bud: add-create-absolute-path, copy-create-relative-path, copy-multistage-paths: implicit dirs are 755" {
	c=$(bud_ctx add-create-absolute-path)
	run hull build -t bud-mk1 "$c"
	[ "$status" -eq 0 ]
	assert_has "permissions=755"
	[ "$(in_image bud-mk1 stat -c %a /usr/lib/python3.7/distutils)" = 755 ]
	c=$(bud_ctx copy-create-relative-path)
	run hull build -t bud-mk2 "$c"
	[ "$status" -eq 0 ]
	assert_has "permissions=755"
	[ "$(in_image bud-mk2 stat -c %a lib/custom)" = 755 ]
	c=$(bud_ctx copy-multistage-paths)
	run hull build -t bud-mk3 -f "$c/Dockerfile.absolute" "$c"
	[ "$status" -eq 0 ]
	assert_has "permissions=755"
	[ "$(in_image bud-mk3 stat -c %a /my/bin)" = 755 ]
	run hull build -t bud-mk4 -f "$c/Dockerfile.relative" "$c"
	[ "$status" -eq 0 ]
	assert_has "permissions=755"
	[ "$(in_image bud-mk4 stat -c %a my/bin)" = 755 ]
	cmp <(in_image bud-mk4 cat /my/bin/bash) <(in_image ubuntu cat /bin/bash)
	run hull build -t bud-mk5 -f "$c/Dockerfile.invalid_from" "$c"
	[ "$status" -ne 0 ]
}

# "bud COPY to root succeeds"
@test "bud: copy-root: COPY to / succeeds" {
	c=$(bud_ctx copy-root)
	hull build -q -t bud-root "$c"
	cmp <(in_image bud-root cat /distutils.cfg) "$c/distutils.cfg"
}

# "bud-copy-workdir", "bud-copy-workdir --layers"
@test "bud: copy-workdir: COPY into / and into WORKDIR from scratch, into a subdir" {
	c=$(bud_ctx copy-workdir)
	hull build -q -t bud-wd "$c"
	id=$(hull create bud-wd x)
	hull export "$id" | tar -tf - | sort > "$BATS_TEST_TMPDIR/list"
	hull rm "$id"
	grep -qx 'file1.txt\|./file1.txt' "$BATS_TEST_TMPDIR/list"
	grep -qx 'subdir/\|./subdir/' "$BATS_TEST_TMPDIR/list"
	grep -qx 'subdir/file2.txt\|./subdir/file2.txt' "$BATS_TEST_TMPDIR/list"
	hull build -q -t bud-wd2 -f "$c/Dockerfile.2" "$c"
	[ "$(in_image bud-wd2 cat /subdir/file1.txt)" = file1 ]
}

# "bud COPY with Env Var in Containerfile"
@test "bud: copy-envvar: COPY file-\${VERSION}.txt from ENV" {
	c=$(bud_ctx copy-envvar)
	hull build -q -t bud-envvar -f "$c/Containerfile" "$c"
	in_image bud-envvar ls /file-0.0.1.txt
}

# "bud with .dockerignore #3"
@test "bud: copy-globs: globs, one unmatched glob among matches, no match fails" {
	c=$(bud_ctx copy-globs)
	# buildah makes /testdir a directory for a glob with two matches; docker's
	# Dockerfile reference requires a destination ending in '/' when a
	# wildcard gives more than one source, and hull refuses, as the classic
	# builder does; the same contexts with "/testdir/" must then work
	run hull build -t bud-glob -f "$c/Containerfile" "$c"
	[ "$status" -ne 0 ]
	assert_has "must be a directory and end with a /"
	run hull build -t bud-glob -f "$c/Containerfile.missing" "$c"
	[ "$status" -ne 0 ]
	assert_has "must be a directory and end with a /"
	sed -i 's|/testdir$|/testdir/|' "$c/Containerfile" "$c/Containerfile.missing" "$c/Containerfile.bad"
	for f in Containerfile Containerfile.missing; do
		hull build -q -t bud-glob -f "$c/$f" "$c"
		id=$(hull create bud-glob x)
		rm -rf "$BATS_TEST_TMPDIR/out"
		hull cp "$id":/testdir "$BATS_TEST_TMPDIR/out"
		hull rm "$id"
		[ "$(ls "$BATS_TEST_TMPDIR/out")" = "$(printf 'test1.txt\ntest2.txt')" ]
	done
	run hull build -t bud-glob3 -f "$c/Containerfile.bad" "$c"
	[ "$status" -ne 0 ]
	assert_has "matched nothing"
}

# "bud with copy --exclude"
@test "bud: copy-exclude: COPY --exclude leaves the matches out" {
	c=$(bud_ctx copy-exclude)
	run hull build -t bud-excl -f "$c/Containerfile" "$c"
	[ "$status" -eq 0 ]
	assert_lacks test1.txt
	[ "$(in_image bud-excl ls /testdir)" = "$(printf 'Containerfile\nContainerfile.missing')" ]
	run hull build -t bud-excl2 -f "$c/Containerfile.missing" "$c"
	[ "$status" -eq 0 ]
	assert_lacks test2.txt
}

# "bud-multistage-copy-final-slash"
@test "bud: dest-final-slash: COPY --from into /test/ makes a directory" {
	c=$(bud_ctx dest-final-slash)
	hull build -q -t bud-slash "$c"
	run in_image bud-slash /test/ls -lR /test/ls
	[ "$status" -eq 0 ]
	assert_has /test/ls
}

# "bud copy to symlink", "bud copy to dangling symlink"
@test "bud: dest-symlink, dest-symlink-dangling: COPY through a symlinked destination" {
	c=$(bud_ctx dest-symlink)
	hull build -q -t bud-dsl "$c"
	run in_image bud-dsl ls -alF /etc/hbase
	assert_has "/etc/hbase -> /usr/local/hbase"
	run in_image bud-dsl ls -alF /usr/local/hbase
	assert_has Dockerfile
	c=$(bud_ctx dest-symlink-dangling)
	hull build -q -t bud-dsl2 "$c"
	run in_image bud-dsl2 ls -alF /src
	assert_has "/src -> /symlink"
	run in_image bud-dsl2 ls -alF /symlink
	assert_has Dockerfile
}

# "bud with symlinks", "... to relative path", "... multiple symlinks in a path",
# "bud with multiple symlink pointing to itself", "bud multi-stage with (dir) symlink to
# absolute path", "bud with symlink Dockerfile not specified in file",
# "bud-copy-replace-symlink", "bud Add with linked tarball"
# bud_symlink_ctx: the symlink context with its two links restored (the
# shared copy holds tarball_latest.tar{,.gz} as small files naming their target)
bud_symlink_ctx() {
	local c
	c=$(bud_ctx symlink)
	ln -sf tarball.tar "$c/tarball_latest.tar"
	ln -sf tarball.tar.gz "$c/tarball_latest.tar.gz"
	printf '%s\n' "$c"
}

@test "bud: symlink: VOLUME and COPY through symlinks" {
	c=$(bud_symlink_ctx)
	hull build -q -t bud-sl "$c"
	run in_image bud-sl ls /data/log
	assert_has test
	assert_has blah.txt
	run in_image bud-sl ls -al /
	assert_has "test-log -> /data/log"
	assert_has "blah -> /test-log"

	hull build -q -t bud-sl2 -f "$c/Dockerfile.relative-symlink" "$c"
	run in_image bud-sl2 ls /log
	assert_has test
	run in_image bud-sl2 ls -al /
	assert_has "test-log -> ../log"
	in_image bud-sl2 test -r /var/data/empty

	hull build -q -t bud-sl3 -f "$c/Dockerfile.multiple-symlinks" "$c"
	run in_image bud-sl3 ls /data/log
	assert_has bin
	assert_has blah.txt
	run in_image bud-sl3 ls -al /myuser /test /test-log
	assert_has "log -> /test"
	assert_has "bar -> /test-log"
	assert_has "foo -> /data/log"

	# buildah fails the build; in docker VOLUME is only metadata (no RUN
	# follows it here), so the build succeeds and a container of it fails
	hull build -q -t bud-sl4 -f "$c/Dockerfile.symlink-points-to-itself" "$c"
	run in_image bud-sl4 true
	[ "$status" -eq 125 ]
	assert_has "/test-log/test"
	assert_has "oo many levels of symbolic links"

	hull build -q -t bud-sl5 -f "$c/Dockerfile.absolute-symlink" "$c"
	[ "$(in_image bud-sl5 cat /bin/myexe)" = symlink-test ]
	hull build -q -t bud-sl6 -f "$c/Dockerfile.absolute-dir-symlink" "$c"
	run in_image bud-sl6 ls /data
	assert_has myexe
}

@test "bud: symlink: replace a symlink by COPY twice, ADD of a tarball reached through a symlink" {
	d=$BATS_TEST_TMPDIR/top
	mkdir -p "$d"
	cp "$BUD/symlink/Dockerfile.replace-symlink" "$d/"
	ln -s Dockerfile.replace-symlink "$d/symlink"
	echo foo > "$d/.dockerignore"
	hull build -q -t bud-repl -f "$d/Dockerfile.replace-symlink" "$d"
	id=$(hull create bud-repl x)
	hull export "$id" | tar -tvf - > "$BATS_TEST_TMPDIR/list"
	hull rm "$id"
	grep -q 'symlink -> Dockerfile.replace-symlink' "$BATS_TEST_TMPDIR/list"

	c=$(bud_symlink_ctx)
	hull build -q -t bud-ltar -f "$c/Containerfile.add-tar-with-link" "$c"
	in_image bud-ltar ls /tmp/testdir/testfile.txt
	hull build -q -t bud-ltgz -f "$c/Containerfile.add-tar-gz-with-link" "$c"
	in_image bud-ltgz ls /tmp/testdir/testfile.txt
}

# "bud WORKDIR isa symlink", "... no target dir", "... no target dir and follow on dir"
@test "bud: workdir-symlink: WORKDIR through a symlink, with and without its target" {
	c=$(bud_ctx workdir-symlink)
	hull build -q -t bud-wsl "$c"
	run in_image bud-wsl ls -alF /tempest
	assert_has "/tempest -> /var/lib/tempest"
	run in_image bud-wsl ls -alF /etc/notareal.conf
	[ "${output:0:10}" = "-rw-rw-r--" ]

	hull build -q -t bud-wsl2 -f "$c/Dockerfile-2" "$c"
	run in_image bud-wsl2 ls -alF /tempest
	assert_has "/tempest -> /var/lib/tempest"
	run in_image bud-wsl2 ls /tempest/
	assert_has Dockerfile-2

	hull build -q -t bud-wsl3 -f "$c/Dockerfile-3" "$c"
	run in_image bud-wsl3 ls -alF /tempest
	assert_has "/tempest -> /var/lib/tempest"
	run in_image bud-wsl3 ls /tempest/
	assert_has Dockerfile-3
	run in_image bud-wsl3 ls /tempest/lowerdir
	assert_has Dockerfile-3
	run in_image bud-wsl3 ls -alF /etc/notareal.conf
	[ "${output:0:10}" = "-rw-rw-r--" ]
}

# "bud WORKDIR owned by USER"
@test "bud: workdir-user: WORKDIR made after USER is owned by that user" {
	c=$(bud_ctx workdir-user)
	run hull build -t bud-wu "$c"
	[ "$status" -eq 0 ]
	assert_has "1000:1000 /home/http/public"
}
