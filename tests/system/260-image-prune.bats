#!/usr/bin/env bats
# Image housekeeping: repository digests (images --digests, inspect
# RepoDigests, rmi NAME@DIGEST), rmi leaving no blob or layer behind,
# image prune (dangling and -a, filters, images used by containers) and
# system df, in docker's words and table shapes (docker/cli formatter,
# moby daemon/images image_delete.go and image_prune.go).

load helpers

# count_store: files under blobs/ and directories under layers/
count_store() {
	echo "$(find "$HULL_ROOT/blobs" -type f | wc -l) $(find "$HULL_ROOT/layers" -mindepth 1 -maxdepth 1 | wc -l)"
}

# add_digest REF MANIFEST-DIGEST: record a repository digest, as a pull does
add_digest() {
	python3 - "$HULL_ROOT" "$1" "$2" <<'EOF'
import json, sys
root, ref, md = sys.argv[1:]
p = root + '/images/index.json'
idx = json.load(open(p))
idx.setdefault('digests', {})[ref] = md
json.dump(idx, open(p, 'w'), sort_keys=True, separators=(',', ':'))
EOF
}

manifest_of() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["refs"][sys.argv[2]])' \
		"$HULL_ROOT/images/index.json" "$1"
}

# pulled TAG: busybox's image again as a pull leaves one, its layer a gzip
# blob named by the manifest (the tar itself is not kept), plus a config
# that differs so that it is another image; prints the manifest digest.
pulled() {
	python3 - "$HULL_ROOT" "$1" <<'EOF'
import gzip, hashlib, json, os, sys
root, tag = sys.argv[1:]
idx = json.load(open(root + '/images/index.json'))
md = idx['refs']['docker.io/library/busybox:latest']
man = json.load(open(root + '/blobs/sha256/' + md[7:]))
cfg = json.load(open(root + '/blobs/sha256/' + man['config']['digest'][7:]))
cfg['config'] = dict(cfg.get('config') or {}, Labels={'pulled': tag})
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(root + '/blobs/sha256/' + d, 'wb').write(data)
    return 'sha256:' + d
diff = man['layers'][0]['digest']
tar = open(root + '/blobs/sha256/' + diff[7:], 'rb').read()
# a layer of its own (a longer tar, so another diffID), whose tar is only recorded
t2 = tar + b'\0' * 512 * len(tag)
d2 = 'sha256:' + hashlib.sha256(t2).hexdigest()
gz = gzip.compress(t2, mtime=0)
cfg['rootfs']['diff_ids'] = [d2]
cdata = json.dumps(cfg, separators=(',', ':')).encode()
man = {'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
       'config': {'mediaType': 'application/vnd.oci.image.config.v1+json',
                  'digest': put(cdata), 'size': len(cdata)},
       'layers': [{'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip',
                   'digest': put(gz), 'size': len(gz)}]}
os.makedirs(root + '/layers/' + d2[7:] + '/diff')
open(root + '/blobs/lazy/' + d2[7:], 'w').write(json.dumps({'chain_id': d2, 'size': len(t2)}))
mdata = json.dumps(man, separators=(',', ':')).encode()
mdg = put(mdata)
idx['images'][mdg] = {'id': man['config']['digest']}
idx['refs']['docker.io/library/' + tag + ':latest'] = mdg
json.dump(idx, open(root + '/images/index.json', 'w'), sort_keys=True, separators=(',', ':'))
print(mdg)
EOF
}

@test "images --digests: docker's DIGEST column, <none> without; digest-only images" {
	hull tag busybox dig:v1
	md=$(manifest_of docker.io/library/dig:v1)
	add_digest "docker.io/library/dig@$md" "$md"
	add_digest "docker.io/library/elsewhere@sha256:$(printf 'b%.0s' $(seq 64))" "$md"
	run -0 hull images --digests
	[[ ${lines[0]} =~ ^REPOSITORY\ +TAG\ +DIGEST\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	[[ $output =~ $'\n'dig\ +v1\ +$md\ + ]]
	[[ $output =~ $'\n'busybox\ +latest\ +\<none\>\ + ]]
	[[ $output =~ $'\n'elsewhere\ +\<none\>\ +sha256:bbbb ]]
	# without --digests: a repository with digests only still has its row
	run -0 hull images
	[[ ${lines[0]} =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	[[ $output =~ $'\n'elsewhere\ +\<none\>\ + ]]
	[[ $output != *sha256:bbbb* ]]
	# inspect: RepoDigests in the familiar form, not among RepoTags; save ignores them
	run -0 hull inspect --format '{{json .RepoDigests}}' dig:v1
	[ "$output" = "[\"dig@$md\",\"elsewhere@sha256:$(printf 'b%.0s' $(seq 64))\"]" ]
	run -0 hull inspect --format '{{json .RepoTags}}' dig:v1
	[[ $output != *@* ]]
	hull save -o "$BATS_TEST_TMPDIR/s.tar" dig:v1
	tar -xOf "$BATS_TEST_TMPDIR/s.tar" manifest.json | grep -q '"RepoTags":\["dig:v1"\]'
	# found by digest
	[ "$(hull inspect --format '{{.Id}}' "dig@$md")" = "$(hull inspect --format '{{.Id}}' busybox)" ]
	# rmi of a digest reference untags that only; of the tag, the repository's digests go too
	run -0 hull rmi "elsewhere@sha256:$(printf 'b%.0s' $(seq 64))"
	[ "$output" = "Untagged: elsewhere@sha256:$(printf 'b%.0s' $(seq 64))" ]
	run -0 hull rmi dig:v1
	[ "$output" = $'Untagged: dig:v1\nUntagged: dig@'"$md" ]
	run -0 hull inspect --format '{{json .RepoDigests}}' busybox
	[ "$output" = "[]" ]
}

@test "rmi NAME@DIGEST of an image with nothing else deletes it, with its layers" {
	md=$(pulled bydigest)
	add_digest "docker.io/library/bydigest@$md" "$md"
	python3 - "$HULL_ROOT" <<'EOF'
import json, sys
p = sys.argv[1] + '/images/index.json'
idx = json.load(open(p))
del idx['refs']['docker.io/library/bydigest:latest']
json.dump(idx, open(p, 'w'))
EOF
	id=$(hull inspect --format '{{.Id}}' "bydigest@$md")
	run -0 hull images
	[[ $output =~ $'\n'bydigest\ +\<none\>\ +${id:7:12} ]]
	run -0 hull rmi "bydigest@$md"
	[ "${lines[0]}" = "Untagged: bydigest@$md" ]
	[ "${lines[1]}" = "Deleted: $id" ]
	[[ ${lines[2]} =~ ^Deleted:\ sha256:[0-9a-f]{64}$ ]]
	[ ${#lines[@]} -eq 3 ]
	run -1 hull inspect "bydigest@$md"
}

@test "rmi removes every blob and layer no remaining image uses" {
	before=$(count_store)
	# a built image: a config, a manifest, a lazy layer record and a layer
	build_image cleanup 'FROM busybox
RUN echo x > /x' >/dev/null
	# a pulled one: a gzip blob, config, manifest, lazy record, layer
	pulled pulledimg >/dev/null
	[ "$(count_store)" != "$before" ]
	run -0 hull rmi cleanup pulledimg
	[[ $output == *"Untagged: cleanup:latest"* && $output == *"Untagged: pulledimg:latest"* ]]
	# build steps: the intermediate images stay, as docker keeps them until prune
	hull image prune -f >/dev/null
	[ "$(count_store)" = "$before" ]
	[ -z "$(ls -A "$HULL_ROOT/tmp")" ]
}

@test "image prune: dangling images only, docker's report; -a all unused; containers keep theirs" {
	t=$BATS_TEST_TMPDIR
	mkdir -p "$t/c"
	printf 'FROM busybox\nRUN echo one > /one\n' > "$t/c/Dockerfile"
	hull build -q -t keep "$t/c" >/dev/null
	printf 'FROM busybox\nRUN echo two > /two\n' > "$t/c/Dockerfile"
	dangling=$(hull build -q "$t/c")
	printf 'FROM busybox\nRUN echo three > /three\n' > "$t/c/Dockerfile"
	hull build -q -t used "$t/c" >/dev/null
	hull create --name user used true >/dev/null
	hull tag used used:two && hull rmi used >/dev/null
	# used:two still names it; drop the tag: a dangling image a container uses stays
	hull rmi -f used:two >/dev/null
	used=$(hull inspect --format '{{.Image}}' user)
	md=$(manifest_of docker.io/library/keep:latest)
	add_digest "docker.io/library/keep@$md" "$md"

	# without -f it asks (on stderr); "n" cancels and exits 0
	run -0 bash -c 'echo n | "$HULL" image prune'
	[[ $output == *"WARNING! This will remove all dangling images."* ]]
	[[ $output == *"Are you sure you want to continue? [y/N]"* ]]
	hull inspect "$dangling" >/dev/null

	run -0 hull image prune -f
	[ "${lines[0]}" = "Deleted Images:" ]
	[ "${lines[1]}" = "deleted: $dangling" ]
	[[ ${lines[2]} =~ ^deleted:\ sha256:[0-9a-f]{64}$ ]]
	[[ $output == *$'\n\nTotal reclaimed space: '* ]]
	[[ ${lines[-1]} =~ ^Total\ reclaimed\ space:\ [0-9.]+(B|kB|MB)$ ]]
	run -1 hull inspect "$dangling"
	# the one a container uses is still there
	hull inspect "$used" >/dev/null
	# nothing more to prune
	run -0 hull image prune -f
	[ "$output" = "Total reclaimed space: 0B" ]

	# filters
	run -1 hull image prune -f --filter bogus=1
	[ "$output" = "Error response from daemon: invalid filter 'bogus'" ]
	run -0 hull image prune -a -f --filter until=2000-01-01T00:00:00Z
	[ "$output" = "Total reclaimed space: 0B" ]
	run -0 hull image prune -a -f --filter label=nosuch
	[ "$output" = "Total reclaimed space: 0B" ]

	# -a: every image no container uses, its references untagged, the intermediate steps with it
	run -0 hull image prune -a -f
	[[ $output == "Deleted Images:"$'\n'* ]]
	[[ $output == *$'\nuntagged: keep:latest\n'* ]]
	[[ $output == *$'\nuntagged: keep@'"$md"$'\n'* ]]
	[[ $output != *"untagged: busybox:latest"* ]] # the container's image stands on it
	hull inspect "$used" >/dev/null
	hull inspect busybox >/dev/null
	run -1 hull inspect keep
	hull rm user >/dev/null
	run -0 hull image prune -a -f
	[[ $output == *"untagged: busybox:latest"* ]]
	[ -z "$(hull images -a -q)" ]
	[ -z "$(find "$HULL_ROOT/blobs" "$HULL_ROOT/layers" -mindepth 2 -print -quit)" ]
	# the build cache forgets the images that went
	[ -z "$(find "$HULL_ROOT/cache" -regextype egrep -regex '.*/[0-9a-f]{64}')" ]
	(cd "$TOP" && HULL="$HULL" scripts/mkimage-busybox busybox >/dev/null)
}

@test "system df: docker's table; -v: the four sections" {
	hull run --name dfuser -v dfvol:/data busybox sh -c 'echo hello > /data/f; head -c 100000 /dev/zero > /big' >/dev/null
	run -0 hull system df
	[ "${lines[0]}" = "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE" ]
	[[ ${lines[1]} =~ ^Images\ +[0-9]+\ +1\ +[0-9.]+[kMG]?B\ +[0-9.]+[kMG]?B\ \([0-9]+%\)$ ]]
	[[ ${lines[2]} =~ ^Containers\ +1\ +0\ +100(\.[0-9]+)?kB\ +100(\.[0-9]+)?kB\ \(100%\)$ ]]
	[[ ${lines[3]} =~ ^Local\ Volumes\ +1\ +1\ +6B\ +0B\ \(0%\)$ ]]
	[ "${lines[4]}" = "Build Cache     0         0         0B        0B" ]
	# --format: docker's rows, one formatter context each
	run -0 hull system df --format '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{printf "%.2s" .Size}}'
	[[ ${lines[2]} =~ ^Local\ Volumes\|1\|1\|6B$ ]]
	[ "${lines[3]}" = 'Build Cache|0|0|0B' ]
	run -0 hull system df --format 'table {{upper .Type}}\t{{.Reclaimable}}'
	[[ ${lines[0]} =~ ^TYPE\ +RECLAIMABLE$ ]]
	[[ ${lines[4]} =~ ^BUILD\ CACHE\ +0B$ ]]
	run -0 hull system df --format json
	[[ ${lines[3]} == '{"Active":"0","Reclaimable":"0B","Size":"0B","TotalCount":"0","Type":"Build Cache"}' ]]
	run -1 hull system df --format '{{.Nope}}'
	[ "$output" = 'hull: template parsing error: template: :1:2: executing "" at <.Nope>: can'"'"'t evaluate field Nope in type *formatter.diskUsageImagesContext' ]
	run -0 hull system df -v
	[ "${lines[0]}" = "Images space usage:" ]
	[[ ${lines[1]} =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE\ +SHARED\ SIZE\ +UNIQUE\ SIZE\ +CONTAINERS$ ]]
	[[ $output =~ $'\n'busybox\ +latest\ +[0-9a-f]{12}\ +.*\ ago\ +[0-9.]+[kM]?B\ +[0-9.]+[kM]?B\ +[0-9.]+[kM]?B\ +1$'\n' ]]
	[[ $output == *$'\nContainers space usage:\n\nCONTAINER ID   IMAGE     COMMAND '* ]]
	[[ $output == *$'\n'????????????'   busybox   "sh -c '"'echo hello >…"'"   1               100'*'kB '*' ago '*'Exited (0) '*' ago '*' dfuser'$'\n'* ]]
	[[ $output == *$'\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\ndfvol         1         6B\n'* ]]
	[[ $output == *$'\nBuild cache usage: 0B\n\nCACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED' ]]
	hull rm -v dfuser >/dev/null
	hull volume rm dfvol >/dev/null
	run -0 hull system df
	[[ ${lines[2]} =~ ^Containers\ +0\ +0\ +0B\ +0B$ ]]
}
