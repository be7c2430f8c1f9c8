#!/usr/bin/env bats
# hull system check [--repair] (issue 11): each kind of damage made on
# purpose is reported, one line naming the object, with exit 1; --repair
# removes the orphans and nothing that is referenced; a clean store gives
# exit 0 and no output.

load helpers

# Each test damages its own copy of one store: busybox (imported: its layer
# tar is a stored blob), an image built on it (a RUN layer built here, with
# its layer.json and a lazy blob) and a container of that image.
setup_file() {
	export TEMPLATE=$BATS_FILE_TMPDIR/template
	export HULL_ROOT=$TEMPLATE/root HULL_RUNROOT=$TEMPLATE/run
	mkdir -p "$HULL_ROOT" "$HULL_RUNROOT" "$BATS_FILE_TMPDIR/ctx"
	(cd "$TOP" && scripts/mkimage-busybox busybox >/dev/null)
	printf 'FROM busybox\nRUN echo changed > /changed\n' >"$BATS_FILE_TMPDIR/ctx/Dockerfile"
	hull build -q -t built "$BATS_FILE_TMPDIR/ctx" >/dev/null
	hull create --name base built true >/dev/null
}

setup() {
	cp -a "$TEMPLATE" "$BATS_TEST_TMPDIR/store"
	export HULL_ROOT=$BATS_TEST_TMPDIR/store/root HULL_RUNROOT=$BATS_TEST_TMPDIR/store/run
}

teardown_file() {
	rm -rf "${TEMPLATE:?}"
}

# index KEY...: a value of images/index.json, by path
index() {
	python3 - "$HULL_ROOT/images/index.json" "$@" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    v = v[k]
print(v)
EOF
}

# diff_id REF N, chain_id REF N: layer N of the image REF
diff_id() { hull inspect --format "{{index .RootFS.Layers $2}}" "$1"; }
chain_of() {
	python3 -c '
import hashlib, sys
chain = None
for d in sys.argv[1:]:
    chain = d if chain is None else "sha256:" + hashlib.sha256((chain + " " + d).encode()).hexdigest()
print(chain)' $(hull inspect --format '{{range .RootFS.Layers}}{{.}} {{end}}' "$1")
}

# listing: every file and directory of the store and the runroot, with its size
listing() {
	(cd "$HULL_ROOT" && find . -path ./lock -prune -o -printf '%p %s\n' | sort)
	(cd "$HULL_RUNROOT" && find . -printf '%p\n' | sort)
}

@test "system check: a clean store gives exit 0 and no output" {
	run -0 hull system check
	[ -z "$output" ]
	run -0 hull system check --repair
	[ -z "$output" ]
}

@test "system check: a corrupt blob is reported with its digest" {
	local m c
	m=$(index refs docker.io/library/busybox:latest)
	c=$(index images "$m" id)
	# one byte of the config blob
	python3 - "$HULL_ROOT/blobs/sha256/${c#sha256:}" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[10] ^= 1
open(p, 'wb').write(b)
EOF
	run -1 hull system check
	[[ $output == *"blob $c: content hashes to sha256:"* ]]
	[[ $output == *"image $m: "*"is corrupt"* ]]
	# damage is not an orphan: --repair leaves it
	run -1 hull system check --repair
	[[ $output == *"blob $c: content hashes to sha256:"* ]]
	[[ $output != *removed* ]]
	[ -f "$HULL_ROOT/blobs/sha256/${c#sha256:}" ]
}

@test "system check: a corrupt layer tar blob is reported" {
	local d
	d=$(diff_id busybox 0)
	printf 'x' >>"$HULL_ROOT/blobs/sha256/${d#sha256:}"
	run -1 hull system check
	[ "$output" = "blob $d: content hashes to $(sha256sum "$HULL_ROOT/blobs/sha256/${d#sha256:}" | sed 's/^/sha256:/; s/ .*//')" ]
}

@test "system check: a removed layer directory is reported" {
	local chain
	chain=$(chain_of busybox)
	rm -rf "$HULL_ROOT/layers/${chain#sha256:}"
	run -1 hull system check
	[[ $output == *"layer $chain: missing (image "* ]]
	# and the containers standing on it
	[[ $output == *"container "*": layer $chain of its image "*" is missing"* ]]
}

@test "system check: a changed file of a built layer no longer matches its diffID" {
	local chain d
	chain=$(chain_of built)
	d=$(diff_id built 1)
	echo tampered >"$HULL_ROOT/layers/${chain#sha256:}/diff/changed"
	run -1 hull system check
	[[ $output == "layer $chain: contents archive to sha256:"*", not its diffID $d" ]]
}

@test "system check: a dangling tag is reported" {
	python3 - "$HULL_ROOT/images/index.json" <<'EOF'
import json, sys
p = sys.argv[1]
idx = json.load(open(p))
idx['refs']['docker.io/library/busybox:dangling'] = 'sha256:' + '0' * 64
json.dump(idx, open(p, 'w'))
EOF
	run -1 hull system check
	[ "$output" = "reference busybox:dangling: image sha256:$(printf '0%.0s' $(seq 64)) is not in the store" ]
}

@test "system check: a container without its record or its rootfs is reported" {
	local id
	id=$(hull create busybox true)
	rm -rf "$HULL_ROOT/containers/$id/upper"
	run -1 hull system check
	[ "$output" = "container $id: its rootfs directory upper/ is missing" ]
	rm "$HULL_ROOT/containers/$id/config.json"
	run -1 hull system check
	[[ $output == "container $id: "* ]]
	run -0 hull system check --repair
	[[ $output == "container $id: "*" (removed)" ]]
	[ ! -e "$HULL_ROOT/containers/$id" ]
}

@test "system check --repair: orphans are reported and removed, nothing referenced" {
	local before orphan
	before=$(listing)
	# a temporary file and a stage of dead processes, an index stage
	echo junk >"$HULL_ROOT/tmp/junk"
	mkdir "$HULL_ROOT/tmp/layer-4194303-AbCdEf"
	echo '{}' >"$HULL_ROOT/images/index.json.tmp.4194303"
	# a blob, a lazy record and a layer no image uses
	echo orphan >"$BATS_TEST_TMPDIR/o"
	orphan=$(sha256sum "$BATS_TEST_TMPDIR/o" | cut -d' ' -f1)
	cp "$BATS_TEST_TMPDIR/o" "$HULL_ROOT/blobs/sha256/$orphan"
	echo '{"chain_id":"sha256:'"$orphan"'","size":1}' >"$HULL_ROOT/blobs/lazy/$orphan"
	mkdir -p "$HULL_ROOT/layers/$orphan/diff"
	# the runtime state of a container that no longer exists
	mkdir -p "$HULL_RUNROOT/containers/$orphan"

	run -1 hull system check
	[ "${#lines[@]}" -eq 7 ]
	[[ $output == *"tmp/junk: left by a process that is gone"* ]]
	[[ $output == *"tmp/layer-4194303-AbCdEf: left by a process that is gone"* ]]
	[[ $output == *"images/index.json.tmp.4194303: left by a process that is gone"* ]]
	[[ $output == *"blob sha256:$orphan: no image uses it"* ]]
	[[ $output == *"lazy blob sha256:$orphan: no image uses it"* ]]
	[[ $output == *"layer sha256:$orphan: no image uses it"* ]]
	[[ $output == *"runroot entry $HULL_RUNROOT/containers/$orphan: no such container"* ]]

	run -0 hull system check --repair
	[ "${#lines[@]}" -eq 7 ]
	for l in "${lines[@]}"; do [[ $l == *" (removed)" ]]; done
	# exactly what was added went: the store is file for file what it was
	[ "$(listing)" = "$before" ]
	run -0 hull system check
	[ -z "$output" ]
	run -0 hull run --rm built cat /changed
	[ "$output" = changed ]
}

@test "system check: --help, and no arguments" {
	run -0 hull system check --help
	[[ $output == "Usage:  hull system check [OPTIONS]"* ]]
	[[ $output == *"0 when the store is clean"*"1 when damage is left"* ]]
	[[ $output == *"--repair"* ]]
	run -1 hull system check extra
	[[ $output == *'"hull system check" accepts no arguments.'* ]]
	run -125 hull system check --bogus
}

@test "the next command reclaims what a dead writer left, not while another writes" {
	local orphan live
	echo orphan >"$BATS_TEST_TMPDIR/o"
	orphan=$(sha256sum "$BATS_TEST_TMPDIR/o" | cut -d' ' -f1)
	cp "$BATS_TEST_TMPDIR/o" "$HULL_ROOT/blobs/sha256/$orphan"
	mkdir -p "$HULL_ROOT/layers/$orphan/diff"
	# a writer that died: its marker is not locked
	: >"$HULL_ROOT/writers/4194303-AbCdEf"
	# and one at work: its marker locked (a POSIX lock, as hull takes it)
	live=$HULL_ROOT/writers/$$-GhIjKl
	: >"$live"
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+"); fcntl.lockf(f, fcntl.LOCK_EX)
print("locked", flush=True); time.sleep(60)' "$live" >"$BATS_TEST_TMPDIR/lockout" &
	local locker=$!
	wait_for grep -q locked "$BATS_TEST_TMPDIR/lockout"
	run -1 hull system check
	[ "$output" = "blob sha256:$orphan: no image uses it
layer sha256:$orphan: no image uses it
writers/4194303-AbCdEf: a writer that died (what it left is reclaimed with it)" ]
	# its unrecorded blobs cannot be told from the dead one's: all stay
	hull images -q >/dev/null
	[ -f "$HULL_ROOT/blobs/sha256/$orphan" ]
	[ -d "$HULL_ROOT/layers/$orphan" ]
	kill "$locker"
	wait "$locker" || true
	rm "$live"
	# now the next command removes them, and the dead writer's marker
	hull images -q >/dev/null
	[ ! -e "$HULL_ROOT/blobs/sha256/$orphan" ]
	[ ! -e "$HULL_ROOT/layers/$orphan" ]
	[ ! -e "$HULL_ROOT/writers/4194303-AbCdEf" ]
	run -0 hull system check
	[ -z "$output" ]
}

@test "system check --repair never follows a store directory replaced by a link out of the store" {
	local out=$BATS_TEST_TMPDIR/outside
	mkdir -p "$out/layer-4194303-AbCdEf"
	echo keep >"$out/junk"
	mv "$HULL_ROOT/tmp" "$BATS_TEST_TMPDIR/tmp.saved"
	ln -s "$out" "$HULL_ROOT/tmp"
	run hull system check --repair
	echo "$output"
	# what is outside the store is untouched, whatever the check says of it
	[ -d "$out/layer-4194303-AbCdEf" ]
	[ "$(cat "$out/junk")" = keep ]
	rm "$HULL_ROOT/tmp"
	mv "$BATS_TEST_TMPDIR/tmp.saved" "$HULL_ROOT/tmp"
}
