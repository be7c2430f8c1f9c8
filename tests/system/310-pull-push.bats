#!/usr/bin/env bats
# hull pull and push against Debian's docker-registry (distribution 2.8) on
# loopback, with skopeo as the independent peer: what hull pushes skopeo
# reads, what skopeo pushes hull pulls, digests are equal both ways, and
# the pulled image runs. Mirrors, platforms, -a, -q, repo digests, and
# FROM / run --pull of images the store lacks.

load helpers
load registry

setup_file() {
	hull_setup_file
	export REGISTRY_BASE=$BATS_FILE_TMPDIR/reg
	mkdir -p "$REGISTRY_BASE"
	registry_start plain
	skopeo_push_busybox library/busybox:latest
	skopeo_push_multiarch library/multi:latest
	printf '{}\n' >"$BATS_FILE_TMPDIR/empty.json"
	export HULL_REGISTRIES_CONFIG=$BATS_FILE_TMPDIR/empty.json
}

teardown_file() {
	registry_stop
	hull_teardown_file
}

# a fresh, empty store for one test
fresh_root() {
	export HULL_ROOT=$BATS_TEST_TMPDIR/root HULL_RUNROOT=$BATS_TEST_TMPDIR/run
	mkdir -p "$HULL_ROOT" "$HULL_RUNROOT"
}

@test "pull: skopeo's image into an empty store, digests as skopeo sees them, and it runs" {
	fresh_root
	run -0 hull pull "$REGISTRY/library/busybox:latest"
	[[ $output == *"latest: Pulling from library/busybox"* ]]
	[[ $output == *": Pull complete"* ]]
	want=$(skopeo_inspect library/busybox:latest --format '{{.Digest}}')
	[[ $output == *"Digest: $want"* ]]
	[[ $output == *"Status: Downloaded newer image for $REGISTRY/library/busybox:latest"* ]]
	[ "${lines[-1]}" = "$REGISTRY/library/busybox:latest" ]
	run -0 hull run --rm "$REGISTRY/library/busybox" echo pulled
	[ "$output" = pulled ]
	run -0 hull inspect --format '{{json .RepoDigests}}' "$REGISTRY/library/busybox"
	[ "$output" = "[\"$REGISTRY/library/busybox@$want\"]" ]
	# the image's id is skopeo's config digest
	cfg=$(skopeo_inspect library/busybox:latest --raw | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')
	[ "$(hull inspect --format '{{.Id}}' "$REGISTRY/library/busybox")" = "$cfg" ]
}

@test "pull again: up to date, nothing downloaded; -q prints only the reference" {
	fresh_root
	hull pull -q "$REGISTRY/library/busybox" >"$BATS_TEST_TMPDIR/out"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$REGISTRY/library/busybox:latest" ]
	n=$(grep -c 'GET /v2/library/busybox/blobs' "$REGISTRY_LOG")
	run -0 hull pull "$REGISTRY/library/busybox"
	[[ ${lines[0]} == "Using default tag: latest" ]]
	[[ $output == *"Status: Image is up to date for $REGISTRY/library/busybox:latest"* ]]
	[ "$(grep -c 'GET /v2/library/busybox/blobs' "$REGISTRY_LOG")" = "$n" ]
}

@test "push: hull's built image, pulled back by skopeo and by hull into an empty store with the same digest" {
	build_image pushme 'FROM busybox
RUN echo pushed > /p' >/dev/null
	hull tag pushme "$REGISTRY/test/pushme:v1"
	run -0 hull push "$REGISTRY/test/pushme:v1"
	[[ ${lines[0]} == "The push refers to repository [$REGISTRY/test/pushme]" ]]
	[[ $output == *": Pushed"* ]]
	[[ ${lines[-1]} =~ ^v1:\ digest:\ (sha256:[0-9a-f]{64})\ size:\ [0-9]+$ ]]
	digest=${BASH_REMATCH[1]}
	[ "$(skopeo_inspect test/pushme:v1 --format '{{.Digest}}')" = "$digest" ]
	skopeo_fetch test/pushme:v1 "oci:$BATS_TEST_TMPDIR/oci:x"
	# pushed again: every layer is there already
	run -0 hull push "$REGISTRY/test/pushme:v1"
	[[ $output == *": Layer already exists"* ]]
	[[ $output != *": Pushed"* ]]
	fresh_root
	run -0 hull pull -q "$REGISTRY/test/pushme:v1"
	[ "$(hull inspect --format '{{json .RepoDigests}}' "$REGISTRY/test/pushme:v1")" = "[\"$REGISTRY/test/pushme@$digest\"]" ]
	run -0 hull run --rm "$REGISTRY/test/pushme:v1" cat /p
	[ "$output" = pushed ]
}

@test "a pulled image pushed elsewhere keeps its manifest digest; a layer from the same registry is mounted" {
	fresh_root
	hull pull -q "$REGISTRY/library/busybox" >/dev/null
	want=$(skopeo_inspect library/busybox:latest --format '{{.Digest}}')
	hull tag "$REGISTRY/library/busybox" "$REGISTRY/copies/busybox:1"
	run -0 hull push "$REGISTRY/copies/busybox:1"
	[[ $output == *"Mounted from library/busybox"* ]]
	[[ ${lines[-1]} == "1: digest: $want size: "* ]]
	[ "$(skopeo_inspect copies/busybox:1 --format '{{.Digest}}')" = "$want" ]
}

@test "an OCI archive loaded then pushed keeps its manifest digest: its gzip blobs are sent as they came" {
	fresh_root
	t=$BATS_TEST_TMPDIR
	skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/library/busybox:latest" "oci-archive:$t/bb.tar:bb"
	want=sha256:$(skopeo inspect --raw "oci-archive:$t/bb.tar" | sha256sum | cut -d' ' -f1)
	run -0 hull load -i "$t/bb.tar"
	id=${output#Loaded image ID: }
	hull tag "$id" "$REGISTRY/loaded/bb:1"
	run -0 hull push "$REGISTRY/loaded/bb:1"
	[[ ${lines[-1]} == "1: digest: $want size: "* ]]
	[ "$(skopeo_inspect loaded/bb:1 --format '{{.Digest}}')" = "$want" ]
	run -0 hull run --rm "$id" echo ran
	[ "$output" = ran ]
}

@test "pull of an index picks the host's platform, --platform another; RepoDigests names the index" {
	fresh_root
	run -0 hull pull "$REGISTRY/library/multi:latest"
	[[ $output == *"Digest: $MULTI_INDEX"* ]]
	run -0 hull run --rm "$REGISTRY/library/multi" cat /etc/platform
	[[ $output == *amd64* ]]
	[ "$(hull inspect --format '{{json .RepoDigests}}' "$REGISTRY/library/multi")" = "[\"$REGISTRY/library/multi@$MULTI_INDEX\"]" ]
	run -0 hull pull --platform linux/arm64 "$REGISTRY/library/multi:latest"
	[ "$(hull inspect --format '{{.Architecture}}' "$REGISTRY/library/multi")" = arm64 ]
	# an architecture alone is linux's (containerd platforms.Parse)
	hull pull -q --platform amd64 "$REGISTRY/library/multi:latest"
	[ "$(hull inspect --format '{{.Architecture}}' "$REGISTRY/library/multi")" = amd64 ]
	hull pull -q --platform arm64 "$REGISTRY/library/multi:latest"
	[ "$(hull inspect --format '{{.Architecture}}' "$REGISTRY/library/multi")" = arm64 ]
	# docker's inspect: Variant only where the config has one
	[[ $(hull inspect "$REGISTRY/library/multi") != *'"Variant"'* ]]
	"$REGISTRY_PY" "$REGISTRY_TOOLS/mkimage-layout" --tag v7 --layers 1 --size 10K \
		--platform linux/arm/v7 --index "$BATS_TEST_TMPDIR/v7" >/dev/null
	skopeo_push "oci:$BATS_TEST_TMPDIR/v7:v7" library/armv7:latest --all
	hull pull -q --platform linux/arm/v7 "$REGISTRY/library/armv7" >/dev/null
	[ "$(hull inspect --format '{{.Architecture}} {{.Variant}} {{.Os}}' "$REGISTRY/library/armv7")" = "arm v7 linux" ]
	# a single-platform image of another platform is kept, with moby's warning
	run -0 hull pull --platform linux/s390x "$REGISTRY/library/busybox:latest"
	actual=$(hull inspect --format '{{.Os}}/{{.Architecture}}' "$REGISTRY/library/busybox")
	[[ $output == *"WARNING: image with reference $REGISTRY/library/busybox:latest was found but does not match the specified platform: wanted linux/s390x, actual: $actual"* ]]
	run -0 hull pull --platform "$actual" "$REGISTRY/library/busybox:latest"
	[[ $output != *WARNING* ]]
	run -1 hull pull --platform linux/s390x "$REGISTRY/library/multi:latest"
	[[ $output == *"no matching manifest for linux/s390x in the manifest list entries"* ]]
	run ! hull pull --platform 'linux/' "$REGISTRY/library/multi:latest"
	[[ $output == *"invalid platform"* ]]
}

@test "save of a pulled docker schema 2 image: an OCI manifest of its blobs, as docker 25 writes, read by skopeo and umoci" {
	fresh_root
	skopeo_push_busybox library/v2s2:latest --format v2s2
	hull pull -q "$REGISTRY/library/v2s2" >/dev/null
	id=$(hull inspect --format '{{.Id}}' "$REGISTRY/library/v2s2")
	t=$BATS_TEST_TMPDIR
	hull save -o "$t/s.tar" "$REGISTRY/library/v2s2"
	"$TOP/tests/system/save-check" "$t/s.tar"
	mkdir "$t/l"
	tar -xf "$t/s.tar" -C "$t/l"
	run -0 python3 -c '
import json, sys
d = sys.argv[1]
desc, = json.load(open(d + "/index.json"))["manifests"]
m = json.load(open(d + "/blobs/sha256/" + desc["digest"][7:]))
oci = "application/vnd.oci.image."
assert desc["mediaType"] == m["mediaType"] == oci + "manifest.v1+json", (desc, m)
assert m["config"]["mediaType"] == oci + "config.v1+json", m
assert m["config"]["digest"] == sys.argv[2], m
assert all(l["mediaType"] in (oci + "layer.v1.tar", oci + "layer.v1.tar+gzip") for l in m["layers"]), m
' "$t/l" "$id"
	# skopeo looks ref.name up among OCI manifests only, and took a docker
	# config named by an OCI manifest for an artifact's
	run -0 skopeo inspect --config "oci-archive:$t/s.tar:latest"
	[[ $output == *'"architecture"'* ]]
	if command -v umoci >/dev/null; then
		umoci unpack --image "$t/l:latest" "$t/b" >/dev/null
		[ -x "$t/b/rootfs/bin/busybox" ]
	fi
}

@test "pull by digest: no tag, the repo digest only" {
	fresh_root
	run -0 hull pull "$REGISTRY/library/multi@$MULTI_AMD64"
	# moby's pullTag names the whole reference when it has a digest
	[ "${lines[0]}" = "$REGISTRY/library/multi@$MULTI_AMD64: Pulling from library/multi" ]
	[ "${lines[-1]}" = "$REGISTRY/library/multi@$MULTI_AMD64" ]
	run -0 hull images
	[[ $output != *"multi "*"latest"* ]]
	[[ $output == *"multi "*"<none>"* ]]
	run -0 hull run --rm "$REGISTRY/library/multi@$MULTI_AMD64" cat /etc/platform
	[[ $output == *amd64* ]]
}

@test "pull -a: every tag of the repository" {
	fresh_root
	skopeo_push_busybox library/tags:one
	skopeo_push_busybox library/tags:two
	run -0 hull pull -a "$REGISTRY/library/tags"
	[ "${lines[-1]}" = "$REGISTRY/library/tags" ]
	run -0 hull images "$REGISTRY/library/tags"
	[ "$(echo "$output" | awk 'NR > 1 { print $2 }' | sort | tr '\n' ' ')" = "one two " ]
	run -125 hull pull -a "$REGISTRY/library/tags:one"
	# moby's pull event of -a: one, the repository's familiar name
	run -0 hull events --since 1m --until 0s --filter event=pull --format '{{.Actor.ID}} {{.Actor.Attributes.name}}'
	[ "$output" = "$REGISTRY/library/tags $REGISTRY/library/tags" ]
	# push -a: every tag, the repository named once, as docker's
	hull tag "$REGISTRY/library/tags:one" "$REGISTRY/copies/tags:one"
	hull tag "$REGISTRY/library/tags:two" "$REGISTRY/copies/tags:two"
	run -0 hull push -a "$REGISTRY/copies/tags"
	[ "$(grep -c "^The push refers to repository \[$REGISTRY/copies/tags\]$" <<<"$output")" = 1 ]
	[[ ${lines[0]} == "The push refers to repository"* ]]
	[[ $output == *$'\n'"one: digest: sha256:"*$'\n'"two: digest: sha256:"* ]]
}

@test "pull of what does not exist: one line, exit 1, nothing stored" {
	fresh_root
	run -1 hull pull "$REGISTRY/library/busybox:nosuch"
	[ "${#lines[@]}" -le 2 ]
	# no "Pulling from" for a tag the registry does not have, as docker
	[[ $output != *"Pulling from"* ]]
	[[ $output == *"manifest unknown"* ]]
	[[ $output == *"$REGISTRY"* ]]
	run -1 hull pull "$REGISTRY/library/nosuchrepo"
	run -0 hull images -q
	[ -z "$output" ]
	# docker/cli cli/required.go: an argument count is no flag error, exit 1
	run -1 hull pull
	[[ $output == *'"hull pull" requires exactly 1 argument.'* ]]
	run -1 hull pull a b
}

@test "push of an image not in the store: docker's message" {
	run -1 hull push "$REGISTRY/library/nothere:1"
	[[ $output == *"An image does not exist locally with the tag: $REGISTRY/library/nothere"* ]]
	# -a of a repository with no tag: the repository as spelt, no ':' after it
	run -1 hull push -a "$REGISTRY/library/nothere"
	[[ ${lines[-1]} == *"An image does not exist locally with the tag: $REGISTRY/library/nothere" ]]
	run -1 hull push -a nothere
	[[ ${lines[-1]} == *"An image does not exist locally with the tag: nothere" ]]
}

@test "a mirror: pulls of docker.io go to it, a dead mirror is skipped, other registries mirrored too" {
	fresh_root
	dead=127.0.0.1:9
	# another registry, named by an address nothing answers on (no DNS query)
	other=192.0.2.1:5000
	printf '{"registry-mirrors": ["http://%s", "http://%s"], "mirrors": {"%s": ["http://%s"]}}\n' \
		"$dead" "$REGISTRY" "$other" "$REGISTRY" >"$BATS_TEST_TMPDIR/r.json"
	HULL_REGISTRIES_CONFIG=$BATS_TEST_TMPDIR/r.json run -0 hull pull busybox
	[ "${lines[-1]}" = docker.io/library/busybox:latest ]
	run -0 hull inspect --format '{{json .RepoDigests}}' busybox
	[[ $output == '["busybox@sha256:'* ]]
	HULL_REGISTRIES_CONFIG=$BATS_TEST_TMPDIR/r.json run -0 hull pull "$other/library/multi"
	run -0 hull run --rm "$other/library/multi" cat /etc/platform
	# a configuration with a typo is refused, naming the key
	echo '{"registry-mirror": []}' >"$BATS_TEST_TMPDIR/bad.json"
	HULL_REGISTRIES_CONFIG=$BATS_TEST_TMPDIR/bad.json run ! hull pull busybox
	[[ $output == *registry-mirror* ]]
}

@test "FROM and COPY --from of images the store lacks pull them; build --pull pulls again" {
	fresh_root
	printf '{"registry-mirrors": ["http://%s"]}\n' "$REGISTRY" >"$BATS_TEST_TMPDIR/r.json"
	export HULL_REGISTRIES_CONFIG=$BATS_TEST_TMPDIR/r.json
	ctx=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$ctx"
	printf 'FROM busybox\nCOPY --from=%s/library/multi:latest /etc/platform /p\nRUN cat /p\n' "$REGISTRY" >"$ctx/Dockerfile"
	run -0 hull build -t frompull "$ctx"
	[[ $output == *"latest: Pulling from library/busybox"* ]]
	[[ $output == *"Status: Downloaded newer image for busybox:latest"* ]]
	[[ $output == *"latest: Pulling from library/multi"* ]]
	run -0 hull run --rm frompull cat /p
	[[ $output == *amd64* ]]
	run -0 hull build --pull -t frompull "$ctx"
	[[ $output == *"Status: Image is up to date for busybox:latest"* ]]
	# every pull writes moby's pull event, FROM's and COPY --from's too
	run -0 hull events --since 1m --until 0s --filter event=pull --format '{{.Actor.ID}} {{.Actor.Attributes.name}}'
	[ "$output" = "busybox:latest busybox
$REGISTRY/library/multi:latest $REGISTRY/library/multi
busybox:latest busybox" ]
}

@test "run --pull missing|always|never" {
	fresh_root
	printf '{"registry-mirrors": ["http://%s"]}\n' "$REGISTRY" >"$BATS_TEST_TMPDIR/r.json"
	export HULL_REGISTRIES_CONFIG=$BATS_TEST_TMPDIR/r.json
	run -125 hull run --rm --pull never busybox true
	[[ $output == *"No such image"* || $output == *"no such image"* ]]
	run -0 --separate-stderr hull run --rm busybox echo hi
	[ "$output" = hi ]
	[[ $stderr == *"Unable to find image 'busybox:latest' locally"* ]]
	[[ $stderr == *"Status: Downloaded newer image for busybox:latest"* ]]
	run -0 --separate-stderr hull run --rm --pull always busybox echo again
	[[ $stderr == *"Status: Image is up to date for busybox:latest"* ]]
	run -0 --separate-stderr hull run --rm --pull always -q busybox echo quiet
	[ -z "$stderr" ]
	run -0 hull events --since 1m --until 0s --filter event=pull --format '{{.Actor.ID}}'
	[ "$output" = "$(printf 'busybox:latest\nbusybox:latest\nbusybox:latest')" ]
	run -125 hull run --rm --pull sometimes busybox true
	# --platform: an image of another platform in the store is not the one asked for
	run -125 hull run --rm --platform linux/arm64 --pull never busybox true
	[[ $output == *"does not match the specified platform: wanted linux/arm64, actual: linux/amd64"* ]]
	run -125 hull create --platform nosuch/thing busybox true
	echo "$output"
	[[ $output == *"nosuch/thing"* ]]
	run -0 hull run --rm --platform linux/amd64 --pull never busybox echo same
	[ "$output" = same ]
	# and is pulled for that platform when missing (created, not run: no arm64 CPU here)
	run -0 hull create -q --name armc --platform linux/arm64 "$REGISTRY/library/multi"
	[ "$(hull image inspect --format '{{.Architecture}}' "$(hull inspect --format '{{.Image}}' armc)")" = arm64 ]
	hull rm armc >/dev/null
}

@test "push of a layer over 64 MiB goes in chunks (PATCH), and comes back whole" {
	build_image bigpush 'FROM busybox
RUN head -c 70000000 /dev/urandom > /big' >/dev/null
	hull tag bigpush "$REGISTRY/test/big:1"
	run -0 hull push "$REGISTRY/test/big:1"
	[ "$(grep -c 'PATCH /v2/test/big/blobs/uploads/' "$REGISTRY_LOG")" -ge 2 ]
	sum=$(hull run --rm bigpush md5sum /big)
	fresh_root
	run -0 hull pull -q "$REGISTRY/test/big:1"
	[ "$(hull run --rm "$REGISTRY/test/big:1" md5sum /big)" = "$sum" ]
}

@test "pull of zstd and uncompressed layers (pushed by skopeo)" {
	build_image zlayer 'FROM busybox
RUN echo zstd > /z' >/dev/null
	hull save -o "$BATS_TEST_TMPDIR/z.tar" zlayer
	# a blob-info cache of its own, so that skopeo compresses what it has not seen
	HOME=$BATS_TEST_TMPDIR skopeo_push "oci-archive:$BATS_TEST_TMPDIR/z.tar" library/zstd:1 \
		--dest-compress-format zstd
	run -0 skopeo_inspect library/zstd:1 --raw
	[[ $output == *"tar+zstd"* ]]
	skopeo_push "oci-archive:$BATS_TEST_TMPDIR/z.tar" library/plain:1 --dest-oci-accept-uncompressed-layers
	fresh_root
	run -0 hull pull -q "$REGISTRY/library/zstd:1"
	run -0 hull run --rm "$REGISTRY/library/zstd:1" cat /z
	[ "$output" = zstd ]
	run -0 hull pull -q "$REGISTRY/library/plain:1"
	run -0 hull run --rm "$REGISTRY/library/plain:1" cat /z
	[ "$output" = zstd ]
}

@test "push of an image built on a pulled base: the base layer is mounted, the new one pushed, top first" {
	fresh_root
	hull pull -q "$REGISTRY/library/busybox" >/dev/null
	build_image derived "FROM $REGISTRY/library/busybox
RUN echo derived > /d" >/dev/null
	hull tag derived "$REGISTRY/test/derived:1"
	run -0 hull push "$REGISTRY/test/derived:1"
	[[ ${lines[1]} == *": Preparing" ]]
	top=$(hull inspect --format '{{json .RootFS.Layers}}' derived | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1][7:19])')
	[[ ${lines[1]} == "$top: Preparing" ]]
	[[ $output == *": Mounted from library/busybox"* ]]
	[[ $output == *"$top: Pushed"* ]]
}

@test "system df counts the compressed blobs a pull keeps beside its layers" {
	fresh_root
	hull pull -q "$REGISTRY/library/busybox" >/dev/null
	img=$(hull images | awk 'NR == 2 { print $NF }')
	df=$(hull system df | awk '$1 == "Images" { print $4 }')
	python3 - "$img" "$df" <<'PY'
import re, sys
def b(s):
    m = re.match(r'([0-9.]+)([kMG]?B)$', s)
    return float(m.group(1)) * {'B': 1, 'kB': 1e3, 'MB': 1e6, 'GB': 1e9}[m.group(2)]
img, df = b(sys.argv[1]), b(sys.argv[2])
assert df > img * 1.2, (img, df)
PY
}

@test "push of a pulled image whose layer came with another image's blob sends the layer's tar" {
	# two images of one layer stored two ways: the second pull finds the
	# layer by its chainID and never downloads (or keeps) its own blob
	skopeo_push_busybox same/a:1
	# (skopeo would reuse same/a's blob for an equal diffID: b's is made here)
	skopeo copy -q oci-archive:"$(_reg_busybox_archive)" oci:"$BATS_TEST_TMPDIR/plain:b" --dest-decompress
	python3 - "$BATS_TEST_TMPDIR/plain" <<'PY'
import gzip, hashlib, json, os, sys
d = sys.argv[1]
def blob(b):
    h = "sha256:" + hashlib.sha256(b).hexdigest()
    open(os.path.join(d, "blobs/sha256", h[7:]), "wb").write(b)
    return h
idx = json.load(open(os.path.join(d, "index.json")))
md = idx["manifests"][0]
m = json.load(open(os.path.join(d, "blobs/sha256", md["digest"][7:])))
l = m["layers"][0]
gz = gzip.compress(open(os.path.join(d, "blobs/sha256", l["digest"][7:]), "rb").read(), 1, mtime=0)
l.update(mediaType="application/vnd.oci.image.layer.v1.tar+gzip", digest=blob(gz), size=len(gz))
mb = json.dumps(m).encode()
md.update(digest=blob(mb), size=len(mb))
json.dump(idx, open(os.path.join(d, "index.json"), "w"))
PY
	skopeo_push oci:"$BATS_TEST_TMPDIR/plain:b" same/b:1 --preserve-digests
	blob_a=$(skopeo_inspect same/a:1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Layers"][0])')
	blob_b=$(skopeo_inspect same/b:1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Layers"][0])')
	[ "$blob_a" != "$blob_b" ]
	fresh_root
	hull pull -q "$REGISTRY/same/a:1" >/dev/null
	# by another name of the registry: no repository of $REGISTRY to mount from
	other=localhost:${REGISTRY##*:}
	run -0 hull pull "$other/same/b:1"
	[[ $output == *"Already exists"* ]]
	diff_id=$(hull inspect --format '{{json .RootFS.Layers}}' "$other/same/b:1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')
	hull tag "$other/same/b:1" "$REGISTRY/copies/b:1"
	run hull push "$REGISTRY/copies/b:1"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Pushed"* ]]
	got=$(skopeo_inspect copies/b:1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Layers"][0])')
	[ "$got" = "$diff_id" ]
	# the pushed manifest is the one skopeo reads, and it comes back and runs
	want=$(skopeo_inspect copies/b:1 --format '{{.Digest}}')
	[[ ${lines[-1]} == "1: digest: $want size: "* ]]
	fresh_root
	run -0 hull run --rm "$REGISTRY/copies/b:1" echo ok
	[ "${lines[-1]}" = ok ]
}
