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

@test "import -c, -m and --platform shape the image config" {
	mktar "$BATS_TEST_TMPDIR/r" "$BATS_TEST_TMPDIR/r.tar"
	run hull import -c 'ENV A=1' -c 'CMD ["/bin/true"]' --change 'EXPOSE 80' -m imported \
		--platform linux/arm64 "$BATS_TEST_TMPDIR/r.tar" imchg
	[ "$status" -eq 0 ]
	run hull inspect --format '{{json .Config.Env}} {{json .Config.Cmd}} {{json .Config.ExposedPorts}} {{.Architecture}} {{.Os}}' imchg
	[ "$status" -eq 0 ]
	[ "$output" = '["A=1"] ["/bin/true"] {"80/tcp":{}} arm64 linux' ]
	run hull history --format '{{.Comment}}' imchg
	[ "$output" = imported ]
	# the message is the image's Comment too, as docker import's
	run -0 hull image inspect --format '{{.Comment}}' imchg
	[ "$output" = imported ]
	# a change docker refuses, and a bad platform: no image, no layer read
	run -1 hull import -c 'RUN true' "$BATS_TEST_TMPDIR/r.tar" badchange
	[ "$output" = "hull: RUN is not a valid change command" ]
	run -1 hull import --platform 'a/b/c/d' "$BATS_TEST_TMPDIR/r.tar" badplat
	[[ $output == "hull: "*"a/b/c/d"* ]]
	run hull images -q badchange
	[ -z "$output" ]
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
	run -127 hull run --name user2 lonely /bin/nothing
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

@test "images --format: template functions, table headers, errors" {
	hull tag busybox fmtfn:v1
	id=$(hull images -q fmtfn)
	run -0 hull images --format '{{upper .Repository}}|{{len .Tag}}|{{printf "%.4s|%-4s|" .ID .Tag}}{{title "a b"}}' fmtfn
	[ "$output" = "FMTFN|2|${id:0:4}|v1  |A B" ]
	run -0 hull images --format '{{range $i, $p := split .Repository "f"}}{{$i}}={{$p}};{{end}}{{println}}{{index (split .Tag "") 0}}' fmtfn
	[ "$output" = $'0=;1=mt;2=n;\nv' ]
	# the header keeps docker's titles through json, upper, lower...
	run -0 hull images --format 'table {{lower .Repository}}\t{{json .Tag}}\t{{.ID}}' fmtfn
	[[ ${lines[0]} =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID$ ]]
	[[ ${lines[1]} =~ ^fmtfn\ +\"v1\"\ +$id$ ]]
	run -0 hull images --format 'table' fmtfn
	[[ ${lines[0]} =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	# a custom format wins over -q, as docker
	run -0 hull images -q --format '{{.Repository}}' fmtfn
	[ "$output" = fmtfn ]
	run -1 hull images --format '{{.Nope}}' fmtfn
	[ "$output" = 'hull: template parsing error: template: :1:2: executing "" at <.Nope>: can'"'"'t evaluate field Nope in type *formatter.imageContext' ]
	run -1 hull images --format '{{if .Tag}}' fmtfn
	[ "$output" = 'hull: template parsing error: template: :1: unexpected EOF' ]
	run -1 hull images --format '{{nosuch .Tag}}' fmtfn
	[ "$output" = 'hull: template parsing error: template: :1: function "nosuch" not defined' ]
	hull rmi fmtfn:v1 >/dev/null
}

@test "inspect --format: range, index, len, join, split, printf and docker's typed data" {
	build_image tplimg 'FROM busybox
LABEL team=red tier=db' >/dev/null
	id=$(hull inspect --format '{{.Id}}' tplimg)
	run -0 hull inspect --format '{{range .RootFS.Layers}}{{.}}{{end}}|{{len .RootFS.Layers}}|{{index .RepoTags 0}}|{{join .RepoTags ","}}' tplimg
	layer=$(hull inspect --format '{{json .RootFS.Layers}}' tplimg | tr -d '[]"')
	[ "$output" = "$layer|1|tplimg:latest|tplimg:latest" ]
	# Labels is a Go map: a missing key is <no value>, index gives "", range is sorted
	run -0 hull inspect --format '{{.Config.Labels.nope}}|{{index .Config.Labels "nope"}}|{{index .Config.Labels "team"}}|{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}|{{.Config.Labels}}' tplimg
	[ "$output" = '<no value>||red|team=red;tier=db;|map[team:red tier:db]' ]
	# a nil slice prints [] and has no length; the struct-typed State of a container
	run -0 hull inspect --format '{{.Config.Entrypoint}}|{{len .Config.Entrypoint}}|{{index (split .Id ":") 0}}|{{printf "%5s|%d" "x" (len .Id)}}{{println}}{{upper .Os}}|{{lower "ABC"}}|{{title "hello world"}}' tplimg
	[ "$output" = $'[]|0|sha256|    x|71\nLINUX|abc|Hello World' ]
	run -0 hull inspect --format '{{if eq .Os "linux"}}{{with .Config}}{{.Labels.team}}{{end}}{{else}}no{{end}} {{- " " -}} {{ .Architecture }}' tplimg
	[ "$output" = 'red amd64' ]
	# a template that fails on the typed data runs again on the JSON as docker's inspect does:
	# its error is map's, not the struct's
	run -1 hull inspect --format '{{.Nope}}' tplimg
	[ "$output" = 'hull: template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"' ]
	run -0 hull inspect --format '{{range .Config}}x{{end}}' busybox
	[[ $output =~ ^x+$ ]]
	run -1 hull inspect --format '{{index .RepoTags 5}}' tplimg
	[ "$output" = 'hull: template parsing error: template: :1:2: executing "" at <index .RepoTags 5>: error calling index: index out of range: 5' ]
	run -1 hull inspect --format '{{range .Id}}' tplimg
	[ "$output" = 'hull: template parsing error: template: :1: unexpected EOF' ]
	[ "$id" != "" ]
	hull rmi tplimg >/dev/null
}

@test "images --filter dangling, label, reference, before and since" {
	build_image flt-old 'FROM busybox
LABEL team=blue' >/dev/null
	build_image flt-mid 'FROM busybox
LABEL team=red tier=web' >/dev/null
	# rebuilt: the first flt-mid loses its tag and dangles
	old=$(hull images -q flt-mid)
	build_image flt-mid 'FROM busybox
LABEL team=red tier=db' >/dev/null
	build_image flt-new 'FROM busybox
LABEL team=green' >/dev/null
	# (earlier tests leave untagged images of their own: label= picks this file's)
	run -0 hull images --filter dangling=true --filter label=team --format '{{.Repository}}:{{.ID}}'
	[ "$output" = "<none>:$old" ]
	run -0 hull images --filter dangling=true -q
	[[ $output == *"$old"* ]]
	run -0 hull images --filter dangling=false --format '{{.Repository}}'
	[[ $output == *flt-new* && $output != *"<none>"* ]]
	# labels: every one must match; the dangling image keeps its labels
	run -0 hull images --filter label=team=red --format '{{.Repository}}'
	[ "$output" = $'flt-mid\n<none>' ]
	run -0 hull images --filter label=team=red --filter label=tier=db --format '{{.Repository}}'
	[ "$output" = flt-mid ]
	run -0 hull images --filter label=tier --format '{{.Repository}}'
	[ "$output" = $'flt-mid\n<none>' ]
	run -0 hull images --filter label=nosuch
	[ "${#lines[@]}" -eq 1 ]
	# references: path.Match on the familiar name or string, any of them
	run -0 hull images --filter 'reference=flt-*' --format '{{.Repository}}'
	[ "$output" = $'flt-new\nflt-mid\nflt-old' ]
	run -0 hull images --filter reference=flt-old --filter reference='flt-new:latest' --format '{{.Repository}}'
	[ "$output" = $'flt-new\nflt-old' ]
	run -0 hull images --filter 'reference=*:latest' --filter label=team=green --format '{{.Repository}}'
	[ "$output" = flt-new ]
	run -0 hull images 'flt-[mn]*' --format '{{.Repository}}'
	[ "$output" = $'flt-new\nflt-mid' ]
	run -0 hull images --filter reference=library/flt-old
	[ "${#lines[@]}" -eq 1 ]
	# before and since: created strictly earlier or later than the image named
	run -0 hull images --filter before=flt-mid --filter 'reference=flt-*' --format '{{.Repository}}'
	[ "$output" = flt-old ]
	run -0 hull images --filter since=flt-old --filter 'reference=flt-*' --format '{{.Repository}}'
	[ "$output" = $'flt-new\nflt-mid' ]
	run -0 hull images --filter since=flt-old --filter dangling=true -q
	[ "$output" = "$old" ]
	# the CLI trims and lower-cases the key, as docker's
	run -0 hull images --filter ' Dangling = true ' --filter label=team -q
	[ "$output" = "$old" ]
	# errors: the daemon's (exit 1), the CLI's (125)
	run -1 hull images --filter bogus=1
	[ "$output" = "Error response from daemon: invalid filter 'bogus'" ]
	run -1 hull images --filter dangling=maybe
	[ "$output" = "Error response from daemon: invalid filter 'dangling=[maybe]'" ]
	run -1 hull images --filter 'reference=['
	[ "$output" = "Error response from daemon: syntax error in pattern" ]
	run -1 hull images --filter before=nosuch
	[ "$output" = "Error response from daemon: No such image: nosuch:latest" ]
	run -125 hull images --filter dangling
	[[ ${lines[0]} == *'invalid argument "dangling" for "-f, --filter" flag: bad format of filter (expected name=value)' ]]
	hull rmi flt-old flt-mid flt-new "$old" >/dev/null
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
