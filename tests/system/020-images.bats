#!/usr/bin/env bats
# Images: import, images table, tag, rmi, inspect.

load helpers

# mktar DIR TAR: a tiny rootfs with one file
mktar() {
	mkdir -p "$1/etc"
	echo "marker $(basename "$1")" > "$1/etc/marker"
	tar -C "$1" --numeric-owner -cf "$2" .
}

@test "import FILE REF prints the image id and tags it" {
	mktar "$BATS_TEST_TMPDIR/r" "$BATS_TEST_TMPDIR/r.tar"
	run hull import "$BATS_TEST_TMPDIR/r.tar" fromfile:v1
	[ "$status" -eq 0 ]
	[[ $output =~ ^sha256:[0-9a-f]{64}$ ]]
	local id=$output
	run hull inspect --format '{{.Id}}' fromfile:v1
	[ "$status" -eq 0 ]
	[ "$output" = "$id" ]
}

@test "import - REF reads the tarball from stdin" {
	mktar "$BATS_TEST_TMPDIR/r" "$BATS_TEST_TMPDIR/r.tar"
	run bash -c '"$HULL" import - fromstdin < "$1"' _ "$BATS_TEST_TMPDIR/r.tar"
	[ "$status" -eq 0 ]
	[[ $output =~ ^sha256:[0-9a-f]{64}$ ]]
	run hull images fromstdin
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == "fromstdin "* ]]
}

@test "an imported image has the tarball's files" {
	run hull run --rm busybox cat /etc/passwd
	[ "$status" -eq 0 ]
	[[ $output == *"root:x:0:0"* ]]
	[[ $output == *"nobody:x:65534"* ]]
}

@test "import of a missing file fails" {
	run hull import "$BATS_TEST_TMPDIR/nope.tar" nope
	[ "$status" -ne 0 ]
	run hull images -q nope
	[ -z "$output" ]
}

@test "import of garbage fails and leaves no image" {
	head -c 4096 /dev/urandom > "$BATS_TEST_TMPDIR/junk.tar"
	run hull import "$BATS_TEST_TMPDIR/junk.tar" junk
	[ "$status" -ne 0 ]
	run hull inspect junk
	[ "$status" -ne 0 ]
	# a directory, in docker's client's words
	run -1 hull import "$BATS_TEST_TMPDIR" junk
	[ "$output" = "hull: read $BATS_TEST_TMPDIR: is a directory" ]
}

@test "images: header and column shape" {
	run hull images
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "REPOSITORY   TAG       IMAGE ID       CREATED   SIZE" ] ||
		[[ ${lines[0]} =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	# column starts of the header
	local hdr=${lines[0]} pre
	pre=${hdr%%TAG*}; [ "${#pre}" -eq 13 ]
	pre=${hdr%%IMAGE ID*}; [ "${#pre}" -eq 23 ]
	local row
	row=$(printf '%s\n' "${lines[@]}" | grep '^busybox ')
	[[ $row =~ ^busybox\ +latest\ +[0-9a-f]{12}\ +.*(ago|Less).*\ +[0-9.]+[kMG]?B$ ]]
	# the IMAGE ID column of the row starts where its header does
	local hc=${hdr%%IMAGE ID*}
	[[ ${row:${#hc}:12} =~ ^[0-9a-f]{12}$ ]]
}

@test "images -q prints short ids only, --no-trunc full ones" {
	run hull images -q
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -ge 1 ]
	local l
	for l in "${lines[@]}"; do [[ $l =~ ^[0-9a-f]{12}$ ]]; done
	run hull images -q --no-trunc
	for l in "${lines[@]}"; do [[ $l =~ ^sha256:[0-9a-f]{64}$ ]]; done
}

@test "images REPO filters" {
	run hull images busybox
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[1]} == busybox* ]]
	run hull images nosuchrepo
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "tag adds a name to the same id" {
	run hull tag busybox mybox:v1
	[ "$status" -eq 0 ]
	local a b
	a=$(hull inspect --format '{{.Id}}' busybox)
	b=$(hull inspect --format '{{.Id}}' mybox:v1)
	[ "$a" = "$b" ]
	run hull images
	[[ $output =~ mybox\ +v1\ +${a:7:12} ]]
	run hull inspect --format '{{json .RepoTags}}' busybox
	[[ $output == *'"busybox:latest"'* && $output == *'"mybox:v1"'* ]]
	run hull rmi mybox:v1
	[ "$status" -eq 0 ]
	[[ $output == *"Untagged: mybox:v1"* ]]
	run hull inspect busybox
	[ "$status" -eq 0 ]
}

@test "tag of a missing image fails" {
	run hull tag nosuchimage x:y
	[ "$status" -ne 0 ]
	[[ $output == *nosuchimage* ]]
}

@test "tag normalises docker.io/library/" {
	run hull tag busybox docker.io/library/normed:1
	[ "$status" -eq 0 ]
	run hull images normed
	[[ ${lines[1]} =~ ^normed\ +1\ + ]]
	run hull inspect --format '{{.Id}}' normed:1
	[ "$status" -eq 0 ]
	hull rmi normed:1
}

@test "rmi of an image with one tag deletes it" {
	mktar "$BATS_TEST_TMPDIR/r" "$BATS_TEST_TMPDIR/r.tar"
	local id
	id=$(hull import "$BATS_TEST_TMPDIR/r.tar" todelete)
	run hull rmi todelete
	[ "$status" -eq 0 ]
	[[ $output == *"Untagged: todelete:latest"* ]]
	[[ $output == *"Deleted: $id"* ]]
	run hull inspect "$id"
	[ "$status" -ne 0 ]
}

@test "rmi by id of a multiply tagged image conflicts without -f" {
	mktar "$BATS_TEST_TMPDIR/r" "$BATS_TEST_TMPDIR/r.tar"
	local id
	id=$(hull import "$BATS_TEST_TMPDIR/r.tar" multi:a)
	hull tag multi:a multi:b
	run hull rmi "${id:7:12}"
	[ "$status" -ne 0 ]
	[[ $output == *conflict* ]]
	run hull rmi -f "${id:7:12}"
	[ "$status" -eq 0 ]
	[[ $output == *"Untagged: multi:a"* && $output == *"Untagged: multi:b"* ]]
	run hull inspect "$id"
	[ "$status" -ne 0 ]
}

@test "rmi of an image used by a container conflicts; -f untags" {
	hull tag busybox inuse:1
	run hull run --name user1 inuse:1 true
	[ "$status" -eq 0 ]
	hull tag busybox inuse:2
	hull rmi inuse:2
	run hull rmi inuse:1
	# busybox:latest still names the image, so removing this tag is fine
	[ "$status" -eq 0 ]
	# the last reference of an image in use needs -f
	mktar "$BATS_TEST_TMPDIR/r" "$BATS_TEST_TMPDIR/r.tar"
	hull import "$BATS_TEST_TMPDIR/r.tar" lonely
	run hull run --name user2 lonely /bin/nothing
	run hull rmi lonely
	[ "$status" -ne 0 ]
	[[ $output == *"conflict: unable to remove repository reference"* ]]
	[[ $output == *"(must force)"* ]]
	run hull rmi -f lonely
	[ "$status" -eq 0 ]
	[[ $output == *"Untagged: lonely:latest"* ]]
	hull rm user1 user2
}

@test "rmi of a missing image fails" {
	run hull rmi nosuchimage
	[ "$status" -ne 0 ]
	[[ $output == *"no such image"* || $output == *"No such image"* ]]
}

@test "inspect image: JSON array with Id, RepoTags, Config, RootFS" {
	run hull inspect busybox
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys, re
a = json.load(sys.stdin)
assert isinstance(a, list) and len(a) == 1, a
i = a[0]
assert re.fullmatch(r"sha256:[0-9a-f]{64}", i["Id"]), i["Id"]
assert "busybox:latest" in i["RepoTags"], i["RepoTags"]
assert i["Config"]["Cmd"] is None, i["Config"]
assert i["Config"]["Entrypoint"] is None, i["Config"]
assert i["RootFS"]["Type"] == "layers"
assert len(i["RootFS"]["Layers"]) == 1
assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", l) for l in i["RootFS"]["Layers"])
assert i["Os"] == "linux"
assert i["Size"] > 1000000
'
}

@test "inspect --format json of Config.Cmd is null for an imported image" {
	run hull inspect --format '{{json .Config.Cmd}}' busybox
	[ "$status" -eq 0 ]
	[ "$output" = null ]
	run hull inspect --format '{{.Id}}' busybox
	[[ $output =~ ^sha256:[0-9a-f]{64}$ ]]
	run hull inspect --format '{{json .RootFS.Layers}}' busybox
	[[ $output =~ ^\[\"sha256:[0-9a-f]{64}\"\]$ ]]
}

@test "inspect of a missing object: [] and exit 1" {
	run hull inspect nosuchthing
	[ "$status" -eq 1 ]
	[[ $output == *"No such object: nosuchthing"* ]]
}

@test "an image can be found by short id prefix" {
	local id
	id=$(hull inspect --format '{{.Id}}' busybox)
	run hull inspect --format '{{.Id}}' "${id:7:12}"
	[ "$status" -eq 0 ]
	[ "$output" = "$id" ]
	run hull run --rm "${id:7:12}" echo by-id
	[ "$status" -eq 0 ]
	[ "$output" = by-id ]
}

@test "images lists an untagged (dangling) image as <none> <none>" {
	mktar "$BATS_TEST_TMPDIR/r" "$BATS_TEST_TMPDIR/r.tar"
	local id
	id=$(hull import "$BATS_TEST_TMPDIR/r.tar")
	[[ $id =~ ^sha256:[0-9a-f]{64}$ ]]
	run hull images
	[ "$status" -eq 0 ]
	[[ $output =~ \<none\>\ +\<none\>\ +${id:7:12} ]]
}

@test "images --format: Go template, table with docker's titles, json" {
	hull tag busybox fmtimg:1
	run -0 hull images --format '{{.Repository}}:{{.Tag}}' fmtimg
	[ "$output" = fmtimg:1 ]
	id=$(hull images -q fmtimg)
	run -0 hull images --format 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}' fmtimg
	[[ ${lines[0]} =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID$ ]]
	[[ ${lines[1]} =~ ^fmtimg\ +1\ +$id$ ]]
	run -0 hull images --format json fmtimg
	echo "$output" | python3 -c 'import json,sys; o=json.loads(sys.stdin.read()); assert o["Repository"] == "fmtimg" and o["Tag"] == "1", o'
	run -1 hull images --format '{{.Repository' fmtimg
	hull rmi fmtimg:1 >/dev/null
}

@test "tag refuses a digest reference as the new tag, as docker" {
	run -1 hull tag busybox "x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	[[ $output == *"refusing to create a tag with a digest reference"* ]]
}

@test "a layer's root entry (0555 7:8) leaves the container's / 0755 root, as docker's overlay2" {
	# docs/internals/container.md "The container's /": podman would show 555
	local d=$BATS_TEST_TMPDIR/r555
	mkdir "$d"
	hull create --name r555src busybox true >/dev/null
	hull export r555src | tar -C "$d" -x
	hull rm r555src >/dev/null
	chmod 555 "$d"
	chown 7:8 "$d"
	tar -C "$d" --numeric-owner -cf "$BATS_TEST_TMPDIR/r555.tar" .
	tar -tvf "$BATS_TEST_TMPDIR/r555.tar" ./ | grep -q '^dr-xr-xr-x 7/8 '
	hull import "$BATS_TEST_TMPDIR/r555.tar" root555 >/dev/null
	run -0 hull run --rm root555 stat -c '%a %u:%g' /
	[ "$output" = "755 0:0" ]
}
