#!/usr/bin/env bats
# Issue 14: cp, export -o, save -o, build --iidfile and run/create --cidfile
# never replace, write into or read a device, FIFO or socket, and treat
# symlinks as docker does (cp follows them, -o files refuse them, --cidfile
# refuses anything that exists). Every node is made by the test in its own temporary
# directory (or inside the container), never under /dev; each test checks with
# stat -c %F that the node is still what it was.

load helpers

setup_file() {
	hull_setup_file
	# a name under the host's /tmp that a link in the container points at
	export ESC=hull-cp-esc.$$
	"$HULL" run --name sp busybox sh -c "echo hi > /f; mkfifo /fifo; mknod /dev0 c 1 3;
		ln -s /f /lnk; mkdir /dd; ln -s /dd /dlnk; ln -s fifo /lfifo;
		ln -s ../../../../tmp/$ESC /esc"
}

teardown_file() {
	rm -f "/tmp/$ESC"
	hull_teardown_file
}

# nodes T: a character device (1,3 like /dev/null), a FIFO, links to them
nodes() {
	mknod "$1/chr" c 1 3
	mkfifo "$1/fifo"
	ln -s chr "$1/lchr"
	ln -s fifo "$1/lfifo"
	echo old > "$1/target"
	ln -s target "$1/link"
}

# the nodes are still what nodes() made
nodes_unchanged() {
	[ "$(stat -c %F "$1/chr")" = "character special file" ]
	[ "$(stat -c %t,%T "$1/chr")" = 1,3 ]
	[ "$(stat -c %F "$1/fifo")" = fifo ]
	[ "$(stat -c %F "$1/lchr")" = "symbolic link" ]
	[ "$(readlink "$1/lchr")" = chr ]
	[ "$(stat -c %F "$1/lfifo")" = "symbolic link" ]
	[ "$(readlink "$1/lfifo")" = fifo ]
	[ "$(stat -c %F "$1/link")" = "symbolic link" ]
	[ "$(readlink "$1/link")" = target ]
}

# ctr_type CTR:PATH: the tar type letter of PATH in the container (c p l - d)
ctr_type() {
	"$HULL" cp "$1" - | tar tvf - | head -n 1 | cut -c1
}

@test "cp to the host refuses a device, a FIFO and links to them, and leaves them" {
	t=$BATS_TEST_TMPDIR
	nodes "$t"
	run -1 hull cp sp:/f "$t/chr"
	[ "$output" = "hull: invalid output path: \"$t/chr\" must be a directory or a regular file: got a device" ]
	run -1 hull cp sp:/f "$t/lchr"
	[[ $output == *"\"$t/lchr\" must be a directory or a regular file: got a device" ]]
	run -1 timeout 30 "$HULL" cp sp:/f "$t/fifo"
	[[ $output == *"\"$t/fifo\" must be a directory or a regular file: got an irregular file" ]]
	run -1 timeout 30 "$HULL" cp sp:/f "$t/lfifo"
	[[ $output == *"must be a directory or a regular file: got an irregular file" ]]
	# a relative path is reported absolute, as docker does
	cd "$t"
	run -1 hull cp sp:/f chr
	[[ $output == *"\"$t/chr\" must be"* ]]
	# a directory copied onto them is refused the same way
	run -1 hull cp sp:/dd "$t/chr"
	[[ $output == *"got a device" ]]
	# nor does a device of the copy's name in a destination directory get replaced
	mkdir "$t/d2"
	mknod "$t/d2/f" c 1 3
	run -1 hull cp sp:/f "$t/d2/"
	[[ $output == *"\"$t/d2/f\" must be a directory or a regular file: got a device" ]]
	[ "$(stat -c %F "$t/d2/f")" = "character special file" ]
	nodes_unchanged "$t"
	[ "$(cat "$t/target")" = old ]
}

@test "cp to the host makes no device node and no set-id file that a container made" {
	# docker's client makes both when run as root: a world-writable loop device
	# or a setuid-root shell on the host (docs/cp.md)
	hull run --name mkblk busybox sh -c 'mkdir /d && mknod /d/blk b 7 0 && mknod /d/chr c 1 3 &&
		chmod 666 /d/blk /d/chr && cp /bin/busybox /d/sh && chmod 6755 /d/sh && echo x >/d/f'
	mkdir "$BATS_TEST_TMPDIR/host"
	run -0 hull cp mkblk:/d "$BATS_TEST_TMPDIR/host/"
	run -0 hull cp -a mkblk:/d/sh "$BATS_TEST_TMPDIR/host/sh2"
	hull rm mkblk >/dev/null
	[ ! -e "$BATS_TEST_TMPDIR/host/d/blk" ] && [ ! -e "$BATS_TEST_TMPDIR/host/d/chr" ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/host/d/sh")" = 755 ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/host/sh2")" = 755 ]
	[ "$(cat "$BATS_TEST_TMPDIR/host/d/f")" = x ]
}

@test "cp to the host follows a symlink to a file, a directory and a missing file" {
	t=$BATS_TEST_TMPDIR
	nodes "$t"
	hull cp sp:/f "$t/link"
	[ "$(stat -c %F "$t/link")" = "symbolic link" ]
	[ "$(readlink "$t/link")" = target ]
	[ "$(stat -c %F "$t/target")" = "regular file" ]
	[ "$(cat "$t/target")" = hi ]
	mkdir "$t/dir"
	ln -s dir "$t/linkdir"
	hull cp sp:/f "$t/linkdir"
	[ "$(stat -c %F "$t/linkdir")" = "symbolic link" ]
	[ "$(cat "$t/dir/f")" = hi ]
	ln -s dir/new "$t/dangling"
	hull cp sp:/f "$t/dangling"
	[ "$(stat -c %F "$t/dangling")" = "symbolic link" ]
	[ "$(cat "$t/dir/new")" = hi ]
	# a chain of links is followed to its end
	ln -s link "$t/link2"
	echo old > "$t/target"
	hull cp sp:/f "$t/link2"
	[ "$(readlink "$t/link2")" = link ]
	[ "$(stat -c %F "$t/target")" = "regular file" ]
	[ "$(cat "$t/target")" = hi ]
	run -1 hull cp sp:/f "$t/nodir/x"
	[[ $output == *"invalid output path: directory \"$t/nodir\" does not exist" ]]
	nodes_unchanged "$t"
}

@test "cp into a container refuses a device and a FIFO there and follows links in its root" {
	t=$BATS_TEST_TMPDIR
	echo new > "$t/src"
	run -1 hull cp "$t/src" sp:/dev0
	[[ $output == *'destination "sp:/dev0" must be a directory or a regular file: got a device' ]]
	run -1 timeout 30 "$HULL" cp "$t/src" sp:/fifo
	[[ $output == *'destination "sp:/fifo" must be a directory or a regular file: got an irregular file' ]]
	run -1 timeout 30 "$HULL" cp "$t/src" sp:/lfifo
	[[ $output == *'destination "sp:/lfifo" must be a directory or a regular file: got an irregular file' ]]
	# a file of the same name copied into the directory does not replace it either
	echo x > "$t/dev0"
	run -1 hull cp "$t/dev0" sp:/
	[[ $output == *'destination "sp:/dev0" must be a directory or a regular file: got a device' ]]
	[ "$(ctr_type sp:/dev0)" = c ]
	[ "$(ctr_type sp:/fifo)" = p ]
	[ "$(ctr_type sp:/lfifo)" = l ]
	# /lnk -> /f: the file behind the link is written, the link stays
	hull cp "$t/src" sp:/lnk
	[ "$(ctr_type sp:/lnk)" = l ]
	[ "$(hull cp sp:/f - | tar xO)" = new ]
	# /dlnk -> /dd: the copy goes into the directory
	hull cp "$t/src" sp:/dlnk
	[ "$(ctr_type sp:/dlnk)" = l ]
	[ "$(hull cp sp:/dd/src - | tar xO)" = new ]
	# /esc -> ../../../../tmp/NAME resolves inside the root: nothing on the host
	hull cp "$t/src" sp:/esc
	[ ! -e "/tmp/$ESC" ]
	[ "$(ctr_type sp:/esc)" = l ]
	[ "$(hull cp "sp:/tmp/$ESC" - | tar xO)" = new ]
	[ "$(stat -c %F "$t/src")" = "regular file" ]
}

@test "cp into a running container refuses its device and FIFO nodes" {
	t=$BATS_TEST_TMPDIR
	echo new > "$t/src"
	hull run -d --name live busybox sh -c 'mkfifo /fifo; mknod /dev0 c 1 3; ln -s /fifo /lfifo; sleep 300'
	wait_for hull exec live test -p /lfifo
	run -1 hull cp "$t/src" live:/dev0
	[[ $output == *'destination "live:/dev0" must be a directory or a regular file: got a device' ]]
	run -1 timeout 30 "$HULL" cp "$t/src" live:/lfifo
	[[ $output == *"got an irregular file" ]]
	[ "$(hull exec live stat -c %F /dev0)" = "character special file" ]
	[ "$(hull exec live stat -c %F /fifo)" = fifo ]
	[ "$(hull exec live stat -c %F /lfifo)" = "symbolic link" ]
	hull rm -f live
}

@test "cp from a host FIFO or device copies the node without opening it" {
	t=$BATS_TEST_TMPDIR
	nodes "$t"
	# reading the FIFO would block forever: timeout catches a regression
	timeout 30 "$HULL" cp "$t/fifo" sp:/tmp/
	timeout 30 "$HULL" cp "$t/chr" sp:/tmp/copied-chr
	[ "$(ctr_type sp:/tmp/fifo)" = p ]
	[ "$(ctr_type sp:/tmp/copied-chr)" = c ]
	nodes_unchanged "$t"
}

@test "export -o refuses a device, a FIFO, a symlink and a directory; replaces a file" {
	t=$BATS_TEST_TMPDIR
	nodes "$t"
	mkdir "$t/dir"
	run -1 hull export -o "$t/chr" sp
	[ "$output" = "hull: failed to export container: cannot write to a character device file" ]
	run -1 timeout 30 "$HULL" export -o "$t/fifo" sp
	[ "$output" = "hull: failed to export container: cannot write to a named pipe (FIFO)" ]
	run -1 hull export -o "$t/link" sp
	[ "$output" = "hull: failed to export container: cannot write to a symbolic link directly" ]
	run -1 hull export -o "$t/lchr" sp
	[ "$output" = "hull: failed to export container: cannot write to a symbolic link directly" ]
	run -1 hull export -o "$t/dir" sp
	[ "$output" = "hull: failed to export container: cannot write to a directory" ]
	nodes_unchanged "$t"
	[ "$(cat "$t/target")" = old ]
	[ "$(stat -c %F "$t/dir")" = directory ]
	# a failed export leaves an existing file as it was
	echo before > "$t/out.tar"
	run -1 hull export -o "$t/out.tar" nosuch
	[ "$(cat "$t/out.tar")" = before ]
	hull export -o "$t/out.tar" sp
	[ "$(stat -c %F:%a "$t/out.tar")" = "regular file:600" ]
	tar tf "$t/out.tar" | grep -qx f
	run ls -A "$t"
	[[ $output != *.tmp-* ]]
}

@test "save -o refuses a device, a FIFO and a symlink; replaces a file" {
	t=$BATS_TEST_TMPDIR
	nodes "$t"
	run -1 hull save -o "$t/chr" busybox
	[ "$output" = "hull: failed to save image: cannot write to a character device file" ]
	run -1 timeout 30 "$HULL" save -o "$t/fifo" busybox
	[ "$output" = "hull: failed to save image: cannot write to a named pipe (FIFO)" ]
	run -1 hull save -o "$t/link" busybox
	[ "$output" = "hull: failed to save image: cannot write to a symbolic link directly" ]
	run -1 hull save -o "$t/lfifo" busybox
	[ "$output" = "hull: failed to save image: cannot write to a symbolic link directly" ]
	nodes_unchanged "$t"
	[ "$(cat "$t/target")" = old ]
	# a regular file is replaced, only by a whole archive
	echo before > "$t/out.tar"
	run -1 hull save -o "$t/out.tar" busybox nosuch
	[ "$(cat "$t/out.tar")" = before ]
	hull save -o "$t/out.tar" busybox
	[ "$(stat -c %F:%a "$t/out.tar")" = "regular file:600" ]
	tar tf "$t/out.tar" | grep -qx manifest.json
	run ls -A "$t"
	[[ $output != *.tmp-* ]]
}

@test "run/create --cidfile refuse any existing path and write the full id" {
	t=$BATS_TEST_TMPDIR
	nodes "$t"
	ln -s missing "$t/dangling"
	for n in chr fifo lchr lfifo link target dangling; do
		run -125 timeout 30 "$HULL" create --cidfile "$t/$n" busybox true
		[ "$output" = "hull: container ID file found, make sure the other container isn't running or delete $t/$n" ]
		run -125 timeout 30 "$HULL" run --rm --cidfile "$t/$n" busybox true
		[ "$output" = "hull: container ID file found, make sure the other container isn't running or delete $t/$n" ]
	done
	nodes_unchanged "$t"
	[ "$(cat "$t/target")" = old ]
	# the dangling link is not followed to create its target
	[ ! -e "$t/missing" ] && [ -L "$t/dangling" ]
	[ "$(hull ps -a -q | wc -l)" = 1 ] # only sp

	# a new file gets the full id, no newline, and the umask'd 0666 mode
	id=$(umask 022 && hull create --cidfile "$t/cid" busybox true)
	[ "$(cat "$t/cid")" = "$id" ]
	[ ${#id} = 64 ]
	[ "$(stat -c %s:%a "$t/cid")" = "64:644" ]
	hull rm "$id"
	run -0 hull run --rm --cidfile "$t/cid2" busybox true
	[ ${#output} = 0 ]
	[ "$(stat -c %s "$t/cid2")" = 64 ]

	# a failed create leaves no file; a missing directory is an error
	run -125 hull run --cidfile "$t/cid3" nosuch true
	[ ! -e "$t/cid3" ]
	run -125 hull create --cidfile "$t/nodir/cid" busybox true
	[[ $output == "hull: failed to create the container ID file: invalid output path: stat $t/nodir: No such file or directory" ]]
	run ls -A "$t"
	[[ $output != *.tmp-* ]]
}

@test "build --iidfile refuses a device, a FIFO and a symlink; replaces a file on success" {
	t=$BATS_TEST_TMPDIR
	nodes "$t"
	ctx=$(ctx_dir)
	printf 'FROM busybox\nRUN echo built > /b\n' > "$ctx/Dockerfile"
	run -1 hull build -q --iidfile "$t/chr" "$ctx"
	[ "$output" = "hull: failed to write image ID file: cannot write to a character device file" ]
	run -1 timeout 30 "$HULL" build -q --iidfile "$t/fifo" "$ctx"
	[ "$output" = "hull: failed to write image ID file: cannot write to a named pipe (FIFO)" ]
	run -1 hull build -q --iidfile "$t/link" "$ctx"
	[ "$output" = "hull: failed to write image ID file: cannot write to a symbolic link directly" ]
	run -1 hull build -q --iidfile "$t/lchr" "$ctx"
	[ "$output" = "hull: failed to write image ID file: cannot write to a symbolic link directly" ]
	nodes_unchanged "$t"
	[ "$(cat "$t/target")" = old ]
	# a failed build leaves an existing file as it was
	echo before > "$t/iid"
	printf 'FROM busybox\nRUN exit 3\n' > "$ctx/Dockerfile.bad"
	run -1 hull build -q -f "$ctx/Dockerfile.bad" --iidfile "$t/iid" "$ctx"
	[ "$(cat "$t/iid")" = before ]
	# success: the image id, "sha256:<hex>" without a newline
	id=$(umask 022 && hull build -q --iidfile "$t/iid" "$ctx")
	[ "$(cat "$t/iid")" = "$id" ]
	[[ $id == sha256:* ]] && [ ${#id} = 71 ]
	[ "$(stat -c %F:%s:%a "$t/iid")" = "regular file:71:644" ]
	[ "$(hull inspect --format '{{.Id}}' "$id")" = "$id" ]
	run ls -A "$t"
	[[ $output != *.tmp-* ]]
}

@test "cp never replaces a directory by a file, or a file by a directory, in either direction" {
	hull run -d --name cpdir busybox sh -c 'mkdir -p /d/a && echo keep > /d/a/f && echo x > /f2 && mkdir /dd && echo y > /dd/y && sleep 100' >/dev/null
	wait_for hull exec cpdir test -f /dd/y
	t=$BATS_TEST_TMPDIR
	echo hostfile >"$t/a"
	run -1 hull cp "$t/a" cpdir:/d
	[[ $output == *'cannot overwrite directory "'*'a" with non-directory'* ]]
	[ "$(hull exec cpdir cat /d/a/f)" = keep ]
	mkdir -p "$t/src/f2"
	run -1 hull cp "$t/src/f2" cpdir:/
	[[ $output == *'cannot overwrite non-directory "'*'f2" with directory'* ]]
	[ "$(hull exec cpdir cat /f2)" = x ]
	mkdir -p "$t/h/f2" && echo keep >"$t/h/f2/k"
	run -1 hull cp cpdir:/f2 "$t/h"
	[[ $output == *'cannot overwrite directory "'*'f2" with non-directory'* ]]
	[ "$(cat "$t/h/f2/k")" = keep ]
	echo file >"$t/h/dd"
	run -1 hull cp cpdir:/dd "$t/h"
	[[ $output == *'cannot overwrite non-directory "'*'dd" with directory'* ]]
	[ "$(cat "$t/h/dd")" = file ]
	hull rm -f cpdir >/dev/null
}
