#!/usr/bin/env bats
# hull save: docker 25's archive, an OCI image layout (oci-layout, index.json,
# blobs/sha256) and a docker archive (manifest.json, repositories) in one tar.
# Checked with real readers: skopeo (oci-archive:), umoci (unpack of the
# layout), the OCI schemas (oci-validate) and tests/system/save-check, which
# hashes every blob and cross-checks every descriptor and diffID.
# hull load: round trips into a fresh store (same ids, same bytes when saved
# again), skopeo's OCI and docker archives, docker 24's layout, nested
# indexes, compressed archives, and archives that lie (a wrong blob, a wrong
# diffID, traversal paths and links), which must change nothing outside it.

load helpers

SPEC=$TOP/../shared/peer/image-spec

setup_file() {
	hull_setup_file
	# a built image: its layer is lazy (no tar blob in the store)
	build_image built 'FROM busybox
RUN echo built > /b && mkdir /d && echo x > /d/f' >/dev/null
	"$HULL" tag busybox busybox:two
}

teardown_file() { hull_teardown_file; }

check() { "$TOP/tests/system/save-check" "$@"; }

# layout ARCHIVE DIR: the archive extracted (an OCI image layout)
layout() {
	mkdir -p "$2"
	tar xf "$1" -C "$2"
}

@test "save -o: an OCI layout and a docker archive whose digests all match" {
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/a.tar" busybox:latest
	[ "$(stat -c %F:%a "$t/a.tar")" = "regular file:600" ]
	run -0 tar tf "$t/a.tar"
	[[ $output == *$'\nindex.json\nmanifest.json\noci-layout\nrepositories' ]]
	[[ $output == blobs/$'\n'blobs/sha256/$'\n'* ]]
	check "$t/a.tar"
	layout "$t/a.tar" "$t/l"
	[ "$(cat "$t/l/oci-layout")" = '{"imageLayoutVersion":"1.0.0"}' ]
	id=$(hull inspect --format '{{.Id}}' busybox)
	top=$(hull inspect --format '{{json .RootFS.Layers}}' busybox | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1][7:])')
	run -0 python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
assert len(m) == 1 and m[0]["RepoTags"] == ["busybox:latest"], m
assert m[0]["Config"] == "blobs/sha256/" + sys.argv[2][7:], m
i = json.load(open(sys.argv[1] + "/index.json"))
assert i["mediaType"] == "application/vnd.oci.image.index.v1+json"
d, = i["manifests"]
assert d["annotations"] == {"io.containerd.image.name": "docker.io/library/busybox:latest",
                            "org.opencontainers.image.ref.name": "latest"}, d
assert d["platform"] == {"architecture": "amd64", "os": "linux"}, d
r = json.load(open(sys.argv[1] + "/repositories"))
assert r == {"busybox": {"latest": sys.argv[3]}}, r
' "$t/l" "$id" "$top"
	# the store's manifest bytes, unchanged: same digest as hull keeps
	[ -f "$t/l/blobs/sha256/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"][7:])' "$t/l/index.json")" ]
}

@test "save: the OCI schemas accept the layout" {
	[ -d "$SPEC/schema" ] || skip "needs the OCI schemas in $SPEC"
	python3 -c 'import jsonschema' 2>/dev/null || skip "needs python3-jsonschema"
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/a.tar" busybox built
	layout "$t/a.tar" "$t/l"
	run -0 "$TOP/tests/system/oci-validate" "$SPEC" "$HULL_ROOT" "$t/l"
	[[ ${lines[-1]} == "manifests 2 configs 2 indexes 1 "* ]]
}

@test "save: skopeo reads and copies the archive (oci-archive:)" {
	command -v skopeo >/dev/null || skip "needs skopeo"
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/b.tar" built
	run -0 skopeo inspect "oci-archive:$t/b.tar"
	id=$(hull inspect --format '{{.Id}}' built)
	[[ $output == *'"Architecture": "amd64"'* ]]
	[ "$(skopeo inspect --config "oci-archive:$t/b.tar" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rootfs"]["diff_ids"]))')" = 2 ]
	# copy verifies every blob against its digest
	skopeo copy -q "oci-archive:$t/b.tar" "dir:$t/dir"
	[ -f "$t/dir/${id#sha256:}" ]
	# the layer built here (lazy in the store) is the tar its diffID names
	top=$(hull inspect --format '{{json .RootFS.Layers}}' built | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1][7:])')
	[ "$(sha256sum < "$t/dir/$top" | cut -d' ' -f1)" = "$top" ]
	tar tf "$t/dir/$top" | grep -qx 'd/f'
}

@test "save: umoci unpacks the layout into the image's files" {
	command -v umoci >/dev/null || skip "needs umoci"
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/b.tar" built
	layout "$t/b.tar" "$t/l"
	run -0 umoci ls --layout "$t/l"
	[ "$output" = latest ]
	umoci unpack --image "$t/l:latest" "$t/bundle"
	[ "$(cat "$t/bundle/rootfs/b")" = built ]
	[ "$(cat "$t/bundle/rootfs/d/f")" = x ]
	[ -x "$t/bundle/rootfs/bin/busybox" ]
}

@test "save to stdout: the same bytes as -o; a terminal is refused" {
	t=$BATS_TEST_TMPDIR
	hull save busybox built > "$t/out.tar"
	hull save -o "$t/o.tar" busybox built
	cmp "$t/out.tar" "$t/o.tar"
	check "$t/out.tar"
	hull save built | tar tf - | grep -qx manifest.json
	command -v script >/dev/null || skip "needs script (util-linux) for a terminal"
	run -1 script -qec "$HULL save busybox" /dev/null
	[[ $output == *"hull: cowardly refusing to save to a terminal. Use the -o flag or redirect"* ]]
	run -0 script -qec "$HULL save -o $t/tty.tar busybox" /dev/null
	check "$t/tty.tar"
}

@test "save: several images, every tag of a repository, shared layers once" {
	t=$BATS_TEST_TMPDIR
	# "busybox" alone is every tag of it (latest and two), as docker's parseNames
	hull save -o "$t/a.tar" busybox built busybox:latest
	run -0 check "$t/a.tar"
	[ "$output" = '{"blobs": 6, "manifests": 3, "images": 2, "repositories": true}' ]
	layout "$t/a.tar" "$t/l"
	run -0 python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
assert [x["RepoTags"] for x in m] == [["busybox:latest", "busybox:two"], ["built:latest"]], m
# built shares busybox layer: same blob path first
assert m[1]["Layers"][0] == m[0]["Layers"][0] and len(m[1]["Layers"]) == 2, m
i = json.load(open(sys.argv[1] + "/index.json"))
names = [d["annotations"]["io.containerd.image.name"] for d in i["manifests"]]
assert names == ["docker.io/library/busybox:latest", "docker.io/library/busybox:two",
                 "docker.io/library/built:latest"], names
r = json.load(open(sys.argv[1] + "/repositories"))
assert sorted(r) == ["built", "busybox"] and sorted(r["busybox"]) == ["latest", "two"], r
' "$t/l"
	# a tag names that tag only
	hull save -o "$t/two.tar" busybox:two
	layout "$t/two.tar" "$t/l2"
	[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["RepoTags"])' "$t/l2/manifest.json")" = "['busybox:two']" ]
}

@test "save by image id: no tags, an index descriptor without annotations" {
	t=$BATS_TEST_TMPDIR
	id=$(hull inspect --format '{{.Id}}' built)
	for name in "$id" "${id#sha256:}" "${id:7:12}"; do
		rm -rf "$t/l"
		hull save -o "$t/id.tar" "$name"
		check "$t/id.tar"
		layout "$t/id.tar" "$t/l"
		[ ! -e "$t/l/repositories" ]
		run -0 python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
assert len(m) == 1 and m[0]["RepoTags"] is None, m
assert m[0]["Config"] == "blobs/sha256/" + sys.argv[2][7:]
d, = json.load(open(sys.argv[1] + "/index.json"))["manifests"]
assert "annotations" not in d, d
' "$t/l" "$id"
	done
	# by id and by tag: one image with its tag
	hull save -o "$t/both.tar" "$id" built
	run -0 check "$t/both.tar"
	[[ $output == *'"images": 1'* ]]
}

@test "save: a layer blob the store does not keep is written as its diffID tar" {
	t=$BATS_TEST_TMPDIR
	# Two images as a pull would leave them: busybox's layer as tar+gzip in
	# the manifest, the gzip blob kept for one and dropped for the other.
	run -0 python3 - "$HULL_ROOT" <<'EOF'
import gzip, hashlib, json, sys
root = sys.argv[1]
idx = json.load(open(root + '/images/index.json'))
md = idx['refs']['docker.io/library/busybox:latest']
man = json.load(open(root + '/blobs/sha256/' + md[7:]))
tar = open(root + '/blobs/sha256/' + man['layers'][0]['digest'][7:], 'rb').read()
for tag, level in (('kept', 6), ('dropped', 9)):
    gz = gzip.compress(tar, compresslevel=level, mtime=0)
    gd = hashlib.sha256(gz).hexdigest()
    if tag == 'kept':
        open(root + '/blobs/sha256/' + gd, 'wb').write(gz)
    man['layers'][0] = {'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip',
                        'digest': 'sha256:' + gd, 'size': len(gz)}
    data = json.dumps(man, separators=(',', ':')).encode()
    mdg = 'sha256:' + hashlib.sha256(data).hexdigest()
    open(root + '/blobs/sha256/' + mdg[7:], 'wb').write(data)
    idx['images'][mdg] = {'id': man['config']['digest']}
    idx['refs']['docker.io/library/gz:' + tag] = mdg
    print(tag, mdg, 'sha256:' + gd)
json.dump(idx, open(root + '/images/index.json', 'w'), sort_keys=True, separators=(',', ':'))
EOF
	kept=$(echo "$output" | awk '$1 == "kept" {print $2}')
	kept_gz=$(echo "$output" | awk '$1 == "kept" {print $3}')
	dropped=$(echo "$output" | awk '$1 == "dropped" {print $2}')
	diffid=$(hull inspect --format '{{json .RootFS.Layers}}' busybox | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')

	# kept: the gzip blob and the stored manifest, byte for byte
	hull save -o "$t/kept.tar" gz:kept
	check "$t/kept.tar"
	layout "$t/kept.tar" "$t/k"
	[ -f "$t/k/blobs/sha256/${kept#sha256:}" ]
	[ -f "$t/k/blobs/sha256/${kept_gz#sha256:}" ]
	[ ! -e "$t/k/blobs/sha256/${diffid#sha256:}" ]

	# dropped: the diffID tar, and a new manifest naming exactly that blob
	hull save -o "$t/dropped.tar" gz:dropped
	check "$t/dropped.tar"
	layout "$t/dropped.tar" "$t/d"
	[ ! -e "$t/d/blobs/sha256/${dropped#sha256:}" ]
	run -0 python3 -c '
import json, os, sys
d, = json.load(open(sys.argv[1] + "/index.json"))["manifests"]
assert d["digest"] != sys.argv[2], d
m = json.load(open(sys.argv[1] + "/blobs/sha256/" + d["digest"][7:]))
l, = m["layers"]
assert l["mediaType"] == "application/vnd.oci.image.layer.v1.tar" and l["digest"] == sys.argv[3], l
assert l["size"] == os.path.getsize(sys.argv[1] + "/blobs/sha256/" + sys.argv[3][7:]), l
' "$t/d" "$dropped" "$diffid"
	if command -v skopeo >/dev/null; then
		skopeo copy -q "oci-archive:$t/dropped.tar" "dir:$t/dd"
		skopeo copy -q "oci-archive:$t/kept.tar" "dir:$t/kd"
	fi
}

@test "save: errors as docker" {
	t=$BATS_TEST_TMPDIR
	run -1 hull save
	[[ $output == *'"hull save" requires at least 1 argument.'* ]]
	run -1 hull save -o "$t/x.tar" nosuch
	[ "$output" = "Error response from daemon: No such image: nosuch:latest" ]
	run -1 hull save -o "$t/x.tar" busybox:nosuchtag
	[ "$output" = "Error response from daemon: No such image: busybox:nosuchtag" ]
	run -1 hull save -o "$t/x.tar" sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	[ "$output" = "Error response from daemon: No such image: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" ]
	# one unknown name among known ones: nothing is written
	run -1 hull save -o "$t/x.tar" busybox nosuch
	[ ! -e "$t/x.tar" ]
	# a failed save leaves an existing file as it was, and no temporary file
	echo before > "$t/x.tar"
	run -1 hull save -o "$t/x.tar" nosuch
	[ "$(cat "$t/x.tar")" = before ]
	run ls -A "$t"
	[ "$output" = x.tar ]
	run -1 hull save -o "$t/nodir/x.tar" busybox
	[ "$output" = "hull: failed to save image: invalid output path: stat $t/nodir: No such file or directory" ]
	run -1 hull save -o "$t" busybox
	[ "$output" = "hull: failed to save image: cannot write to a directory" ]
	run -125 hull save --bogus busybox
}

# in_root DIR CMD...: run hull against another, fresh store
in_root() {
	local dir=$1
	shift
	mkdir -p "$dir"
	HULL_ROOT=$dir "$HULL" "$@"
}

@test "load: a saved archive into a fresh store keeps ids, tags and bytes" {
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/a.tar" busybox:latest built
	run -0 in_root "$t/r" load -i "$t/a.tar"
	[ "$output" = $'Loaded image: busybox:latest\nLoaded image: built:latest' ]
	for i in busybox built; do
		[ "$(in_root "$t/r" inspect --format '{{.Id}}' $i)" = "$(hull inspect --format '{{.Id}}' $i)" ]
	done
	# saved again: the same archive, byte for byte
	in_root "$t/r" save -o "$t/again.tar" busybox:latest built
	cmp "$t/a.tar" "$t/again.tar"
	[ "$(HULL_ROOT=$t/r "$HULL" run --rm built cat /b /d/f)" = $'built\nx' ]
	# nothing left in the store's tmp/
	[ -z "$(ls -A "$t/r/tmp")" ]
	# from stdin, and again over what is there: -q hides only docker's progress
	# bars, the report stays (moby's load writes it whatever quiet says)
	run -0 in_root "$t/r" load -q < "$t/a.tar"
	[ "$output" = $'Loaded image: busybox:latest\nLoaded image: built:latest' ]
	run -0 in_root "$t/r" image load < "$t/a.tar"
	[ "${lines[1]}" = "Loaded image: built:latest" ]
}

@test "load: an image saved by id comes back untagged" {
	t=$BATS_TEST_TMPDIR
	id=$(hull inspect --format '{{.Id}}' built)
	hull save "$id" > "$t/id.tar"
	run -0 in_root "$t/r" load -i "$t/id.tar"
	[ "$output" = "Loaded image ID: $id" ]
	[ "$(in_root "$t/r" images -q --no-trunc)" = "$id" ]
}

@test "load: an OCI archive from skopeo, with gzip layers" {
	command -v skopeo >/dev/null || skip "needs skopeo"
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/b.tar" built
	# skopeo writes index.json only (no manifest.json), layers compressed
	skopeo copy -q --dest-compress "oci-archive:$t/b.tar" "oci-archive:$t/sk.tar:v1"
	run -0 in_root "$t/r" load -i "$t/sk.tar"
	[[ $output == "Loaded image ID: sha256:"* ]]
	id=${output#Loaded image ID: }
	[ "$id" = "$(hull inspect --format '{{.Id}}' built)" ]
	[ "$(HULL_ROOT=$t/r "$HULL" run --rm "$id" cat /b)" = built ]
}

@test "load: a blob that does not match its digest is refused, nothing is kept" {
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/a.tar" built
	# flip one byte inside the last layer blob's data
	python3 - "$t/a.tar" <<'PY'
import json, sys, tarfile
p = sys.argv[1]
with tarfile.open(p) as t:
    m = json.load(t.extractfile('manifest.json'))
    member = t.getmember(m[0]['Layers'][-1])
with open(p, 'r+b') as f:
    f.seek(member.offset_data + 600)
    b = f.read(1)
    f.seek(member.offset_data + 600)
    f.write(bytes([b[0] ^ 0xff]))
PY
	run -1 in_root "$t/r" load -i "$t/a.tar"
	[[ $output == "hull: blob sha256:"*" in the archive does not match its digest (hashes to sha256:"* ]]
	[ -z "$(in_root "$t/r" images -q)" ]
	[ -z "$(ls -A "$t/r/tmp")" ]
}

@test "load: entries outside blobs/ and links are never created; diffIDs are checked" {
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/a.tar" busybox:latest
	esc=hull-load-esc.$$
	# the same archive with a traversal, an absolute path and links added
	python3 - "$t/a.tar" "$t/evil.tar" "$esc" <<'PY'
import io, sys, tarfile
src, dst, esc = sys.argv[1:]
with tarfile.open(src) as s, tarfile.open(dst, 'w', format=tarfile.PAX_FORMAT) as d:
    def add(name, data=b'x', **kw):
        i = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(i, k, v)
        i.size = len(data) if i.type == tarfile.REGTYPE else 0
        d.addfile(i, io.BytesIO(data) if i.type == tarfile.REGTYPE else None)
    add('../../../../tmp/' + esc)
    add('/tmp/' + esc + '.abs')
    add('blobs/sha256/../../../../../tmp/' + esc + '.blob')
    add('blobs/sha256/' + 'a' * 64, type=tarfile.SYMTYPE, linkname='/etc/passwd')
    add('blobs/' + esc, type=tarfile.LNKTYPE, linkname='/etc/passwd')
    for m in s.getmembers():
        d.addfile(m, s.extractfile(m) if m.isfile() else None)
PY
	run -0 in_root "$t/r" load -i "$t/evil.tar"
	[ "$output" = "Loaded image: busybox:latest" ]
	[ ! -e "/tmp/$esc" ] && [ ! -e "/tmp/$esc.abs" ] && [ ! -e "/tmp/$esc.blob" ]
	run find "$t/r" -name "*$esc*" -o -type l -lname /etc/passwd
	[ -z "$output" ]

	# a config whose diff_id is not its layer's: refused
	python3 - "$t/a.tar" "$t/bad.tar" <<'PY'
import hashlib, io, json, sys, tarfile
src, dst = sys.argv[1:]
with tarfile.open(src) as s, tarfile.open(dst, 'w') as d:
    m = json.load(s.extractfile('manifest.json'))
    cfg = json.load(s.extractfile(m[0]['Config']))
    cfg['rootfs']['diff_ids'] = ['sha256:' + '0' * 64]
    data = json.dumps(cfg).encode()
    name = 'blobs/sha256/' + hashlib.sha256(data).hexdigest()
    m[0]['Config'] = name
    def add(n, b):
        i = tarfile.TarInfo(n); i.size = len(b); d.addfile(i, io.BytesIO(b))
    add(name, data)
    add(m[0]['Layers'][0], s.extractfile(m[0]['Layers'][0]).read())
    add('manifest.json', json.dumps(m).encode())
PY
	run -1 in_root "$t/r2" load -i "$t/bad.tar"
	[[ $output == *"layer diffID mismatch: expected 'sha256:0000"* ]]
	[ -z "$(in_root "$t/r2" images -q)" ]
	# nothing of the layer stays either
	[ -z "$(find "$t/r2/layers" "$t/r2/tmp" "$t/r2/blobs/lazy" -mindepth 1)" ]
}

@test "load: an image whose last layer fails keeps none of the layers before it" {
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/a.tar" built
	# built has two layers: the second's diff_id made wrong, the first is fine
	python3 - "$t/a.tar" "$t/bad.tar" <<'PY'
import hashlib, io, json, sys, tarfile
src, dst = sys.argv[1:]
with tarfile.open(src) as s, tarfile.open(dst, 'w') as d:
    m = json.load(s.extractfile('manifest.json'))
    cfg = json.load(s.extractfile(m[0]['Config']))
    assert len(cfg['rootfs']['diff_ids']) == 2
    cfg['rootfs']['diff_ids'][1] = 'sha256:' + '0' * 64
    data = json.dumps(cfg).encode()
    name = 'blobs/sha256/' + hashlib.sha256(data).hexdigest()
    m[0]['Config'] = name
    def add(n, b):
        i = tarfile.TarInfo(n); i.size = len(b); d.addfile(i, io.BytesIO(b))
    add(name, data)
    for l in m[0]['Layers']:
        add(l, s.extractfile(l).read())
    add('manifest.json', json.dumps(m).encode())
PY
	run -1 in_root "$t/r" load -i "$t/bad.tar"
	[[ $output == *"layer diffID mismatch: expected 'sha256:0000"* ]]
	[ -z "$(in_root "$t/r" images -q)" ]
	[ -z "$(find "$t/r/layers" "$t/r/tmp" "$t/r/blobs/sha256" "$t/r/blobs/lazy" -mindepth 1)" ]
	# a layer that was there before stays
	run -0 in_root "$t/r" load -i "$t/a.tar"
	run -1 in_root "$t/r" load -i "$t/bad.tar"
	run -0 in_root "$t/r" run --rm built cat /b
	[ "$output" = built ]
}

@test "load: an archive of 99,990 entries (names not UTF-8 among them) is read in linear time" {
	if hull_is_sanitized; then skip "a test of time, not memory: run with the release build"; fi
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/a.tar" busybox:latest
	python3 - "$t/a.tar" "$t/many.tar" <<'PY'
import io, sys, tarfile
src, dst = sys.argv[1:]
with tarfile.open(src) as s, tarfile.open(dst, 'w', format=tarfile.GNU_FORMAT, encoding='utf-8', errors='surrogateescape') as d:
    for k in range(99990 - len(s.getmembers())):
        i = tarfile.TarInfo('junk/%d-\udcff' % k)
        d.addfile(i, io.BytesIO(b''))
    for m in s.getmembers():
        d.addfile(m, s.extractfile(m) if m.isfile() else None)
PY
	# a lookup per entry that scanned all of them took 30 s here (an array
	# grown by one entry at a time, 6 min under ASan): 4 s now
	limit=25
	mkdir -p "$t/r"
	HULL_ROOT=$t/r run -0 timeout "$limit" "$HULL" load -i "$t/many.tar"
	[ "$output" = "Loaded image: busybox:latest" ]
}

@test "load: a gzip layer of two members, the second's magic split across two reads" {
	t=$BATS_TEST_TMPDIR
	mkdir "$t/mm"
	python3 - "$t/mm" <<'PY'
import hashlib, io, json, os, struct, sys, tarfile, zlib
d = sys.argv[1]
def member(data, total):
    # a stored deflate stream; the file name pads the member to @total bytes
    c = zlib.compressobj(0, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    trailer = struct.pack('<II', zlib.crc32(data), len(data))
    name = b'f' * (total - 11 - len(body) - len(trailer))
    return b'\x1f\x8b\x08\x08\0\0\0\0\0\xff' + name + b'\0' + body + trailer
b = io.BytesIO()
with tarfile.open(fileobj=b, mode='w') as t:
    i = tarfile.TarInfo('data'); data = os.urandom(300000); i.size = len(data)
    t.addfile(i, io.BytesIO(data))
tar = b.getvalue()
# the layer is read as 10 sniffed bytes, then 256 KiB at a time: the first
# member ends one byte before the end of the second read
gz = member(tar[:200000], 10 + 262144 - 1) + member(tar[200000:], len(tar) - 200000 + 200)
open(d + '/layer.tar.gz', 'wb').write(gz)
cfg = {"architecture": "amd64", "os": "linux",
       "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]}}
open(d + '/config.json', 'w').write(json.dumps(cfg))
json.dump([{"Config": "config.json", "RepoTags": ["mm:1"], "Layers": ["layer.tar.gz"]}],
          open(d + '/manifest.json', 'w'))
PY
	tar cf "$t/mm.tar" -C "$t/mm" manifest.json config.json layer.tar.gz
	run -0 in_root "$t/r" load -i "$t/mm.tar"
	[ "$output" = "Loaded image: mm:1" ]
}

@test "load: errors as docker" {
	t=$BATS_TEST_TMPDIR
	# docker/cli cli/required.go: an argument count is no flag error, exit 1
	run -1 hull load extra
	[[ $output == *'"hull load" accepts no arguments.'* ]]
	run -1 hull load -i "$t/missing.tar"
	[[ $output == "hull: open $t/missing.tar: No such file or directory" ]]
	tar cf "$t/empty.tar" -T /dev/null
	run -1 hull load -i "$t/empty.tar"
	[[ $output == *"no manifest.json or index.json in the archive"* ]]
	# a message quoting the archive never carries its control characters
	mkdir "$t/esc" && printf '\033]0;owned\a' >"$t/esc/manifest.json"
	tar cf "$t/esc.tar" -C "$t/esc" manifest.json
	run -1 hull load -i "$t/esc.tar"
	[[ $output == *"parse manifest.json"* && $output != *$'\e'* ]]
	command -v script >/dev/null || skip "needs script (util-linux) for a terminal"
	run -1 script -qec "$HULL load" /dev/null
	[[ $output == *"hull: requested load from stdin, but stdin is empty"* ]]
}

@test "load: skopeo's docker-archive (<hex>.json, <hex>.tar and a v1 layer.tar link)" {
	command -v skopeo >/dev/null || skip "needs skopeo"
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/b.tar" built
	skopeo copy -q "oci-archive:$t/b.tar" "docker-archive:$t/x.tar:built:latest"
	tar tvf "$t/x.tar" | grep -q '/layer.tar -> \.\./[0-9a-f]*\.tar$'
	run -0 in_root "$t/r" load -i "$t/x.tar"
	[ "$output" = "Loaded image: built:latest" ]
	[ "$(in_root "$t/r" inspect --format '{{.Id}}' built)" = "$(hull inspect --format '{{.Id}}' built)" ]
	[ "$(HULL_ROOT=$t/r "$HULL" run --rm built cat /b /d/f)" = $'built\nx' ]
	# and hull's own archive is a docker-archive for skopeo
	skopeo copy -q "docker-archive:$t/b.tar" "dir:$t/d"
	[ -f "$t/d/$(hull inspect --format '{{.Id}}' built | cut -c8-)" ]
}

@test "load: skopeo's oci-archive: gzip layers, a whole reference as ref.name is a tag" {
	command -v skopeo >/dev/null || skip "needs skopeo"
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/b.tar" built
	skopeo copy -q --dest-compress "oci-archive:$t/b.tar" "oci-archive:$t/y.tar:localhost/sk:v2"
	run -0 in_root "$t/r" load -i "$t/y.tar"
	[ "$output" = "Loaded image: localhost/sk:v2" ]
	[ "$(in_root "$t/r" inspect --format '{{.Id}}' localhost/sk:v2)" = "$(hull inspect --format '{{.Id}}' built)" ]
	# the gzip blobs were checked against the diffIDs and are kept as they came
	for d in $(skopeo inspect --raw "oci-archive:$t/y.tar" | python3 -c 'import json, sys; [print(l["digest"].split(":")[1]) for l in json.load(sys.stdin)["layers"]]'); do
		[ -f "$t/r/blobs/sha256/$d" ]
	done
	in_root "$t/r" save -o "$t/again.tar" localhost/sk:v2
	check "$t/again.tar"
}

@test "load: docker before 25 (<id>/layer.tar, a repeated layer as a symlink, gzip) and compressed archives" {
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/a.tar" busybox:latest built
	# rewrite it as docker 24 wrote it: <config hex>.json, <v1 id>/layer.tar,
	# the second use of busybox's layer a symlink to the first, one layer gzip
	python3 - "$t/a.tar" "$t/old.tar" <<'PY'
import gzip, hashlib, io, json, sys, tarfile
src, dst = sys.argv[1:]
with tarfile.open(src) as s, tarfile.open(dst, 'w') as d:
    m = json.load(s.extractfile('manifest.json'))
    def add(name, data=None, **kw):
        i = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(i, k, v)
        if data is not None:
            i.size = len(data)
        d.addfile(i, io.BytesIO(data) if data is not None else None)
    seen = {}
    out = []
    for n, img in enumerate(m):
        cfg = s.extractfile(img['Config']).read()
        cname = hashlib.sha256(cfg).hexdigest() + '.json'
        add(cname, cfg)
        layers = []
        for k, l in enumerate(img['Layers']):
            v1 = hashlib.sha256(('%d/%d' % (n, k)).encode()).hexdigest()
            add(v1, type=tarfile.DIRTYPE, mode=0o755)
            add(v1 + '/VERSION', b'1.0')
            add(v1 + '/json', b'{}')
            if l in seen:
                add(v1 + '/layer.tar', type=tarfile.SYMTYPE, linkname='../' + seen[l] + '/layer.tar')
            else:
                data = s.extractfile(l).read()
                if n == 1:
                    data = gzip.compress(data)
                add(v1 + '/layer.tar', data)
                seen[l] = v1
            layers.append(v1 + '/layer.tar')
        out.append({'Config': cname, 'RepoTags': img['RepoTags'], 'Layers': layers})
    add('manifest.json', json.dumps(out).encode())
    add('repositories', b'{}')
PY
	run -0 in_root "$t/r" load -i "$t/old.tar"
	[ "$output" = $'Loaded image: busybox:latest\nLoaded image: built:latest' ]
	for i in busybox built; do
		[ "$(in_root "$t/r" inspect --format '{{.Id}}' $i)" = "$(hull inspect --format '{{.Id}}' $i)" ]
	done
	[ "$(HULL_ROOT=$t/r "$HULL" run --rm built cat /b)" = built ]
	[ -z "$(ls -A "$t/r/tmp")" ]

	# the archive compressed: gzip, xz, zstd
	for z in gzip xz zstd; do
		command -v $z >/dev/null || continue
		$z -c < "$t/a.tar" > "$t/a.tar.$z"
		run -0 in_root "$t/r-$z" load -i "$t/a.tar.$z"
		[ "$output" = $'Loaded image: busybox:latest\nLoaded image: built:latest' ]
	done

	# a layer named in manifest.json and missing, a link out of the archive: refused
	python3 - "$t/old.tar" "$t/broken.tar" <<'PY'
import io, json, sys, tarfile
src, dst = sys.argv[1:]
with tarfile.open(src) as s, tarfile.open(dst, 'w') as d:
    m = json.load(s.extractfile('manifest.json'))
    for mem in s.getmembers():
        if mem.name == 'manifest.json':
            continue
        if mem.issym():
            mem.linkname = '../../../../etc/passwd'
        d.addfile(mem, s.extractfile(mem) if mem.isfile() else None)
    data = json.dumps(m).encode()
    i = tarfile.TarInfo('manifest.json'); i.size = len(data)
    d.addfile(i, io.BytesIO(data))
PY
	run -1 in_root "$t/r3" load -i "$t/broken.tar"
	[[ $output == *"manifest.json: image 1: layer '"*"/layer.tar' is not in the archive"* ]]
	# the first image was complete before the second failed: it stays, as docker's
	[ "$(in_root "$t/r3" images | tail -n +2 | awk '{print $1}')" = busybox ]
}

@test "load: an OCI index nesting a multi-platform index loads this platform's image" {
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/a.tar" built
	python3 - "$t/a.tar" "$t/multi.tar" <<'PY'
import hashlib, io, json, platform, sys, tarfile
src, dst = sys.argv[1:]
arch = {'x86_64': 'amd64', 'aarch64': 'arm64'}.get(platform.machine(), platform.machine())
with tarfile.open(src) as s, tarfile.open(dst, 'w') as d:
    def add(name, data):
        i = tarfile.TarInfo(name); i.size = len(data); d.addfile(i, io.BytesIO(data))
    for mem in s.getmembers():
        if mem.isfile() and mem.name.startswith('blobs/'):
            d.addfile(mem, s.extractfile(mem))
    top = json.load(s.extractfile('index.json'))['manifests'][0]
    other = dict(top, digest='sha256:' + '0' * 64, platform={'architecture': 'other', 'os': 'linux'})
    mine = dict(top, platform={'architecture': arch, 'os': 'linux'})
    mine.pop('annotations', None); other.pop('annotations', None)
    nested = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.index.v1+json',
                         'manifests': [other, mine]}).encode()
    nd = 'sha256:' + hashlib.sha256(nested).hexdigest()
    add('blobs/sha256/' + nd[7:], nested)
    idx = {'schemaVersion': 2, 'manifests': [{'mediaType': 'application/vnd.oci.image.index.v1+json',
           'digest': nd, 'size': len(nested),
           'annotations': {'io.containerd.image.name': 'docker.io/library/multi:1'}}]}
    add('index.json', json.dumps(idx).encode())
    add('oci-layout', b'{"imageLayoutVersion":"1.0.0"}')
PY
	run -0 in_root "$t/r" load -i "$t/multi.tar"
	[ "$output" = "Loaded image: multi:1" ]
	[ "$(in_root "$t/r" inspect --format '{{.Id}}' multi:1)" = "$(hull inspect --format '{{.Id}}' built)" ]
}

# docker (a daemon that answers) or podman: the other engines' own load and
# save. Neither is a dependency of hull's tests: without them this is skipped.
@test "docker or podman: their load of hull's archive, and hull's load of their save" {
	t=$BATS_TEST_TMPDIR
	if command -v docker >/dev/null && timeout 5 docker info >/dev/null 2>&1; then
		engine=docker
	elif command -v podman >/dev/null; then
		engine=podman
	else
		skip "neither a docker daemon nor podman is on this machine"
	fi
	hull save -o "$t/h.tar" busybox
	run -0 "$engine" load -i "$t/h.tar"
	[[ $output == *"busybox:latest"* ]]
	run -0 "$engine" run --rm busybox:latest echo from-hull
	[ "$output" = from-hull ]
	"$engine" tag busybox:latest hull-interop/back:1
	"$engine" save -o "$t/e.tar" hull-interop/back:1
	"$engine" rmi hull-interop/back:1 >/dev/null
	run -0 hull load -i "$t/e.tar"
	[[ $output == *"hull-interop/back:1"* ]]
	run -0 hull run --rm hull-interop/back:1 echo back
	[ "$output" = back ]
	hull rmi hull-interop/back:1 >/dev/null
}
