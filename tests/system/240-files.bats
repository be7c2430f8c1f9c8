#!/usr/bin/env bats
# cp both ways (and tar streams), diff, commit with -c/-m/-a, export.

load helpers

setup_file() {
	hull_setup_file
	# a name under the host's /tmp that links in the containers point at
	export ESC=hull-cp-L.$$
	"$HULL" run --name fs busybox sh -c "echo hello > /hello; rm /bin/vi; mkdir -p /d/e;
		echo deep > /d/e/f; ln -s /etc/passwd /lnk; ln -s ../../../../../tmp /up;
		ln -s /d /dlnk; ln -s e /d/elnk; ln -s /nowhere /dang;
		ln -s ../../../../../tmp/$ESC /esc"
}

teardown_file() {
	rm -f "/tmp/$ESC"
	hull_teardown_file
}

# ctr_type CTR:PATH: the tar type letter of PATH in the container (l - d)
ctr_type() {
	"$HULL" cp "$1" - | tar tvf - | head -n 1 | cut -c1
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

@test "cp -L copies what a source link in the container points to, under the link's name" {
	out=$BATS_TEST_TMPDIR/L
	mkdir -p "$out"
	# without -L the link itself; with -L the container's /etc/passwd, never the host's
	hull cp fs:/lnk "$out/plain"
	[ "$(readlink "$out/plain")" = /etc/passwd ]
	hull cp -L fs:/lnk "$out/"
	[ -f "$out/lnk" ] && [ ! -L "$out/lnk" ]
	[ "$(cat "$out/lnk")" = "$(hull cp fs:/etc/passwd - | tar xO)" ]
	hull cp --follow-link fs:/lnk "$out/named"
	cmp "$out/lnk" "$out/named"
	hull cp -aL fs:/lnk "$out/aL"
	cmp "$out/lnk" "$out/aL"
	# in a tar on stdout docker names the entry after the target
	run -0 bash -c "$HULL cp -L fs:/lnk - | tar t"
	[ "$output" = passwd ]
	# a link to a directory: the directory, links inside it stay links
	hull cp -L fs:/dlnk "$out/"
	[ -d "$out/dlnk" ] && [ ! -L "$out/dlnk" ]
	[ "$(cat "$out/dlnk/e/f")" = deep ]
	[ "$(readlink "$out/dlnk/elnk")" = e ]
	# without -L, "LINK/" and "LINK/." name the directory the link points to
	hull cp fs:/dlnk "$out/nol"
	[ "$(readlink "$out/nol")" = /d ]
	hull cp fs:/dlnk/ "$out/slash"
	[ ! -L "$out/slash" ] && [ "$(cat "$out/slash/e/f")" = deep ]
	hull cp fs:/dlnk/. "$out/dot"
	[ "$(cat "$out/dot/e/f")" = deep ]
	hull cp -L fs:/dlnk/. "$out/dotL"
	[ "$(cat "$out/dotL/e/f")" = deep ]
	run -1 hull cp fs:/lnk/ "$out/x"
	[[ $output == *"/lnk/ in container fs: not a directory"* ]]
	# a dangling link: docker names the missing target
	run -1 hull cp -L fs:/dang "$out/"
	[[ $output == *"Could not find the file /nowhere in container fs"* ]]
	[ ! -e "$out/dang" ]
}

@test "cp -L resolves the link inside the container's root, stopped or running" {
	out=$BATS_TEST_TMPDIR
	echo host-secret > "/tmp/$ESC"
	# /esc -> ../../../../../tmp/NAME is the container's /tmp/NAME, which fs lacks
	run -1 hull cp -L fs:/esc "$out/leak"
	[[ $output == *"Could not find the file /tmp/$ESC in container fs"* ]]
	[ ! -e "$out/leak" ]
	# /up/NAME: the link on the way is resolved inside too
	run -1 hull cp -L fs:/up/$ESC "$out/leak"
	[ ! -e "$out/leak" ]
	hull run -d --name lk busybox sh -c "echo inside > /tmp/$ESC; echo lk >> /etc/passwd;
		ln -s ../../../../../tmp/$ESC /esc; ln -s /proc/1/root/etc/passwd /magic; sleep 300"
	wait_for hull exec lk test -L /magic
	hull cp -L lk:/esc "$out/got"
	[ "$(cat "$out/got")" = inside ]
	# a /proc magic link is read as text ("/") and taken inside the root too
	hull cp -L lk:/magic "$out/magic"
	[ "$(tail -n 1 "$out/magic")" = lk ]
	[ "$(cat "/tmp/$ESC")" = host-secret ]
	hull rm -f lk >/dev/null
}

@test "cp -L from the host copies what the link points to on the host" {
	t=$BATS_TEST_TMPDIR/hs
	mkdir -p "$t/dir/sub"
	echo secret > "$t/file"
	echo s > "$t/dir/sub/x"
	ln -s file "$t/flink"
	ln -s dir "$t/dlink"
	ln -s sub "$t/dir/slink"
	ln -s nowhere "$t/dang"
	hull cp "$t/flink" fs:/h1
	[ "$(ctr_type fs:/h1)" = l ]
	hull cp -L "$t/flink" fs:/h2
	[ "$(ctr_type fs:/h2)" = - ]
	[ "$(hull cp fs:/h2 - | tar xO)" = secret ]
	# into a directory, under the link's name
	hull cp -L "$t/flink" fs:/d/
	[ "$(hull cp fs:/d/flink - | tar xO)" = secret ]
	# a link to a directory: the directory, links inside it stay links
	hull cp -L "$t/dlink" fs:/h3
	[ "$(ctr_type fs:/h3)" = d ]
	[ "$(ctr_type fs:/h3/slink)" = l ]
	[ "$(hull cp fs:/h3/sub/x - | tar xO)" = s ]
	# without -L: "LINK/" is the directory, "LINK" the link
	hull cp "$t/dlink/" fs:/h4
	[ "$(ctr_type fs:/h4)" = d ]
	hull cp "$t/dlink" fs:/h5
	[ "$(ctr_type fs:/h5)" = l ]
	run -1 hull cp -L "$t/dang" fs:/h6
	[[ $output == *"lstat $t/dang: No such file or directory"* ]]
	run -1 hull cp "$t/file/" fs:/h6
	[ "$(stat -c %F "$t/flink")" = "symbolic link" ]
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

@test "commit pauses a running container meanwhile (docker's --pause default), not with --pause=false" {
	local c
	c=$(hull run -d busybox sh -c 'echo made > /made; exec sleep 600')
	wait_for is_running "$c"
	run -0 hull commit "$c" paused-commit:1
	run -0 hull run --rm paused-commit:1 cat /made
	[ "$output" = made ]
	# running again, not left paused
	run -0 hull inspect -f '{{.State.Status}}' "$c"
	[ "$output" = running ]
	run -0 hull commit --pause=false "$c" paused-commit:2
	hull pause "$c"
	# a paused one is committed as it is and stays paused
	run -0 hull commit "$c" paused-commit:3
	run -0 hull inspect -f '{{.State.Status}}' "$c"
	[ "$output" = paused ]
	run -0 hull events --since 1m --until 0s --filter container="$c" --format '{{.Action}}'
	[ "$output" = "$(printf 'create\nstart\npause\ncommit\nunpause\ncommit\npause\ncommit')" ]
	hull rm -f "$c" >/dev/null
	hull rmi paused-commit:1 paused-commit:2 paused-commit:3 >/dev/null
}

@test "commit keeps what run --entrypoint cleared: no entrypoint, no image CMD" {
	d=$BATS_TEST_TMPDIR/ep
	mkdir -p "$d"
	printf 'FROM busybox\nENTRYPOINT ["echo","ep"]\nCMD ["c"]\n' >"$d/Dockerfile"
	hull build -q -t cm-ep "$d" >/dev/null
	run -0 hull run --name cm1 --entrypoint "" cm-ep echo hi
	[ "$output" = hi ]
	hull commit cm1 cm-ep1 >/dev/null
	run -0 hull image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' cm-ep1
	[ "$output" = 'null ["echo","hi"]' ]
	run -0 hull run --rm cm-ep1
	[ "$output" = hi ]
	# --entrypoint X without arguments drops the image's CMD, in the commit too
	hull run --name cm2 --entrypoint /bin/true cm-ep
	hull commit cm2 cm-ep2 >/dev/null
	run -0 hull image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' cm-ep2
	[ "$output" = '["/bin/true"] null' ]
	# a plain run keeps both
	hull run --name cm3 cm-ep >/dev/null
	hull commit cm3 cm-ep3 >/dev/null
	run -0 hull image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' cm-ep3
	[ "$output" = '["echo","ep"] ["c"]' ]
	hull rm cm1 cm2 cm3 >/dev/null
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
