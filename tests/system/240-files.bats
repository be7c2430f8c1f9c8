#!/usr/bin/env bats
# cp both ways (and tar streams), diff, commit with -c/-m/-a, export.

load helpers

setup_file() {
	hull_setup_file
	"$HULL" run --name fs busybox sh -c 'echo hello > /hello; rm /bin/vi; mkdir -p /d/e;
		echo deep > /d/e/f; ln -s /etc/passwd /lnk; ln -s ../../../../../tmp /up'
}

@test "diff lists added, changed and deleted paths" {
	run hull diff fs
	[ "$status" -eq 0 ]
	[[ $output == *"C /bin"* ]]
	[[ $output == *"D /bin/vi"* ]]
	[[ $output == *"A /hello"* ]]
	[[ $output == *"A /d/e/f"* ]]
	[[ $output != *"/etc/hosts"* ]]
	[[ $output != *"/proc"* ]]
	# sorted by path
	[ "$output" = "$(printf '%s\n' "$output" | sort -k2)" ]
}

@test "cp from a container: file, directory, symlink, into a new name" {
	out=$BATS_TEST_TMPDIR/out
	mkdir -p "$out"
	hull cp fs:/hello "$out/"
	[ "$(cat "$out/hello")" = hello ]
	hull cp fs:/hello "$out/renamed"
	[ "$(cat "$out/renamed")" = hello ]
	hull cp fs:/d "$out/"
	[ "$(cat "$out/d/e/f")" = deep ]
	hull cp fs:/d "$out/newdir"
	[ "$(cat "$out/newdir/e/f")" = deep ]
	hull cp fs:/d/. "$out/contents"
	[ "$(cat "$out/contents/e/f")" = deep ]
	hull cp fs:/lnk "$out/"
	[ "$(readlink "$out/lnk")" = /etc/passwd ]
	run hull cp fs:/nope "$out/"
	[ "$status" -ne 0 ]
	[[ $output == *"Could not find the file /nope in container fs"* ]]
}

@test "cp resolves symlinks inside the container's root" {
	# /up -> ../../../../../tmp: inside the container it is /tmp
	echo host-secret > /tmp/hull-cp-canary.$$
	run hull cp fs:/up/hull-cp-canary.$$ "$BATS_TEST_TMPDIR/leak"
	rm -f /tmp/hull-cp-canary.$$
	[ "$status" -ne 0 ]
	[ ! -e "$BATS_TEST_TMPDIR/leak" ]
	echo into > "$BATS_TEST_TMPDIR/in"
	hull cp "$BATS_TEST_TMPDIR/in" fs:/up/written.$$
	[ ! -e /tmp/written.$$ ]
	run hull cp fs:/tmp/written.$$ -
	[[ $output == *into* ]]
}

@test "cp into a stopped and a running container" {
	echo one > "$BATS_TEST_TMPDIR/one"
	hull cp "$BATS_TEST_TMPDIR/one" fs:/d/
	hull cp "$BATS_TEST_TMPDIR/one" fs:/etc/two
	run hull cp fs:/etc/two -
	[[ $output == *one* ]]
	hull run -d --name live busybox sleep 30
	hull cp "$BATS_TEST_TMPDIR/one" live:/tmp/
	[ "$(hull cp live:/tmp/one - | tar xO)" = one ]
	mkdir -p "$BATS_TEST_TMPDIR/tree/sub"
	echo t > "$BATS_TEST_TMPDIR/tree/sub/t"
	hull cp "$BATS_TEST_TMPDIR/tree" live:/tree
	[ "$(hull cp live:/tree/sub/t - | tar xO)" = t ]
	hull rm -f live
}

@test "cp with tar streams on stdin and stdout" {
	run bash -c "$HULL cp fs:/d - | tar t"
	[[ $output == *"d/e/f"* ]]
	d=$BATS_TEST_TMPDIR/tarsrc
	mkdir -p "$d"
	echo s > "$d/streamed"
	tar -C "$d" -cf - streamed | hull cp - fs:/d
	[ "$(hull cp fs:/d/streamed - | tar xO)" = s ]
	run bash -c "tar -C $d -cf - streamed | $HULL cp - fs:/hello"
	[ "$status" -ne 0 ]
	[[ $output == *"must be a directory"* ]]
}

@test "export writes the container's root file system" {
	hull export -o "$BATS_TEST_TMPDIR/fs.tar" fs
	run tar tf "$BATS_TEST_TMPDIR/fs.tar"
	[[ $output == *"hello"* ]]
	[[ $output == *"bin/sh"* ]]
	[[ $output != *"bin/vi"$'\n'* ]]
	[ "$(hull export fs | tar xO hello)" = hello ]
}

@test "commit makes an image from the changes, with -c, -m and -a" {
	run hull commit -c 'CMD ["cat", "/hello"]' -c 'ENV FOO=bar' -c 'LABEL x=y' \
		-m 'a message' -a 'Me <me@x>' fs committed:1
	[ "$status" -eq 0 ]
	[[ $output =~ ^sha256:[0-9a-f]{64}$ ]]
	run hull run --rm committed:1
	[ "$output" = hello ]
	run hull run --rm committed:1 sh -c 'echo $FOO; ls /bin/vi'
	[[ ${lines[0]} = bar ]]
	[ "$status" -ne 0 ]
	run hull inspect --format '{{.Author}}|{{.Comment}}|{{json .Config.Labels}}' committed:1
	[ "$output" = 'Me <me@x>|a message|{"x":"y"}' ]
	run hull commit -c 'RUN true' fs
	[ "$status" -eq 1 ]
	[[ $output == *"not a valid change command"* ]]
}

@test "cp: a tar on stdin compressed with gzip, bzip2 or xz; -a as a bool flag (-a=false, --archive=false, -aq)" {
	hull run -d --name cpz busybox sleep 60 >/dev/null
	t=$BATS_TEST_TMPDIR
	mkdir -p "$t/src" && echo zipped > "$t/src/z"
	for c in z j J; do
		tar -C "$t/src" -c${c}f - z | hull cp - cpz:/tmp
		[ "$(hull exec cpz cat /tmp/z)" = zipped ]
		hull exec cpz rm /tmp/z
	done
	echo f > "$t/f"
	hull cp -a=false "$t/f" cpz:/x1
	hull cp --archive=false "$t/f" cpz:/x2
	hull cp -aq "$t/f" cpz:/x3
	[ "$(hull exec cpz cat /x1 /x2 /x3)" = $'f\nf\nf' ]
	run -125 hull cp --archive=maybe "$t/f" cpz:/x4
	[[ $output == *'invalid argument "maybe" for "-a, --archive" flag'* ]]
	hull rm -f cpz >/dev/null
}
