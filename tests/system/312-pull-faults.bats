#!/usr/bin/env bats
# A registry that lies or fails (tests/system/registry-fault-proxy in front
# of docker-registry): every fault fails the pull with one line naming the
# registry, the repository and the digest, exit 1, and leaves the store
# exactly as it was (its file list compared before and after). A pull killed
# with SIGKILL at several points leaves a store the next pull completes.

load helpers
load registry

setup_file() {
	hull_setup_file
	export REGISTRY_BASE=$BATS_FILE_TMPDIR/reg
	mkdir -p "$REGISTRY_BASE"
	registry_start plain
	skopeo_push_multiarch library/multi:latest
	fault_proxy_start passthrough
	printf '{}\n' >"$BATS_FILE_TMPDIR/empty.json"
	export HULL_REGISTRIES_CONFIG=$BATS_FILE_TMPDIR/empty.json
}

teardown_file() {
	registry_stop
	hull_teardown_file
}

setup() {
	fault_proxy_mode passthrough
	store_snapshot "$HULL_ROOT" >"$BATS_TEST_TMPDIR/before"
}

# the store holds exactly what it held in setup()
store_unchanged() {
	store_snapshot "$HULL_ROOT" >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

# fails_cleanly PATTERN: the pull of the multi image fails with exit 1, one
# line of error naming the registry and the repository, matching PATTERN
fails_cleanly() {
	run -1 --separate-stderr hull pull -q "$PROXY/library/multi:latest"
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "stderr: $stderr"; return 1; }
	[[ $stderr == *"$PROXY"* && $stderr == *library/multi* ]] || { echo "stderr: $stderr"; return 1; }
	[[ $stderr == *$1* ]] || { echo "stderr: $stderr"; return 1; }
	store_unchanged
}

@test "a flipped byte in a layer: digest mismatch, the store unchanged" {
	fault_proxy_mode corrupt nth=2
	fails_cleanly sha256:
	[[ $stderr == *digest* ]]
}

@test "a truncated layer: the store unchanged" {
	fault_proxy_mode truncate nth=3
	fails_cleanly sha256:
}

@test "a 500 in the middle of the layers: the store unchanged" {
	fault_proxy_mode error500 nth=2
	fails_cleanly sha256:
}

@test "a stalled transfer times out: the store unchanged" {
	export HULL_REGISTRY_STALL=2
	fault_proxy_mode stall after=1000
	fails_cleanly "no data for 2 seconds"
}

@test "a manifest that is not the one its digest names: refused" {
	fault_proxy_mode wrong-manifest digest=keep
	fails_cleanly sha256:
	# asked for by digest, a different body is refused even without the header
	fault_proxy_mode wrong-manifest digest=none
	run -1 hull pull -q "$PROXY/library/multi@$MULTI_AMD64"
	[[ $output == *"$MULTI_AMD64"* ]]
	store_unchanged
}

@test "a header with terminal escapes: refused, and the message carries no control character" {
	fault_proxy_mode wrong-manifest digest=escape
	fails_cleanly "does not match"
	[[ $stderr != *$'\e'* && $stderr != *$'\a'* ]]
}

@test "SIGKILL of a pull at several points: the next pull completes and the image runs" {
	fault_proxy_mode slow rate=200000
	for delay in 0.1 0.4 0.8 1.5; do
		hull pull -q "$PROXY/library/multi:latest" >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
	done
	fault_proxy_mode passthrough
	run -0 hull pull "$PROXY/library/multi:latest"
	run -0 hull run --rm "$PROXY/library/multi" cat /etc/platform
	[[ $output == *amd64* ]]
	hull rmi "$PROXY/library/multi" >/dev/null
}

@test "SIGKILL while a layer's blob is being synced: the next pull fetches that blob" {
	if hull_is_sanitized; then skip "a race of timing (6 s), run with the release build for CI's 15 minutes"; fi
	command -v strace >/dev/null || skip "needs strace to hold fsync"
	export HULL_ROOT=$BATS_TEST_TMPDIR/root HULL_RUNROOT=$BATS_TEST_TMPDIR/run
	# every fsync (a blob's, before it is renamed into the store) takes 5 s
	strace -f -o /dev/null -e trace=fsync -e inject=fsync:delay_enter=5000000 \
		"$HULL" pull -q "$PROXY/library/multi:latest" >/dev/null 2>&1 &
	spid=$!
	sleep 2
	kill -9 "$(pgrep -P "$spid")"
	wait "$spid" || true
	run -0 hull pull -q "$PROXY/library/multi:latest"
	# a layer in the store without its blob would never be fetched again (push needs it)
	for d in $(skopeo_inspect "library/multi@$MULTI_AMD64" |
		python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["Layers"]))'); do
		[ -f "$HULL_ROOT/blobs/sha256/${d#sha256:}" ] || { echo "no blob $d"; return 1; }
	done
}

# B and X2 share busybox's layer with X: a pull of B finds that layer in the
# store and skips it; when the layer is removed before B is recorded (by
# `hull rmi X`, or by the rollback of a failed pull of X2 that had added
# it), B must not be recorded without it
race_images() {
	skopeo_push_busybox race/x:1
	for n in b x2; do
		mkdir -p "$BATS_TEST_TMPDIR/$n"
		printf 'FROM busybox\nRUN echo %s >/%s\n' $n $n >"$BATS_TEST_TMPDIR/$n/Dockerfile"
		hull build -q -t "$REGISTRY/race/$n:1" "$BATS_TEST_TMPDIR/$n" >/dev/null
		hull push -q "$REGISTRY/race/$n:1" >/dev/null
		hull rmi "$REGISTRY/race/$n:1" >/dev/null
	done
	top_b=$(skopeo_inspect race/b:1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Layers"][-1])')
	top_x2=$(skopeo_inspect race/x2:1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Layers"][-1])')
	export HULL_ROOT=$BATS_TEST_TMPDIR/root HULL_RUNROOT=$BATS_TEST_TMPDIR/run
}

@test "rmi of an image whose layer a running pull relies on: the pull fetches the layer again" {
	if hull_is_sanitized; then skip "a race of timing (6 s), run with the release build for CI's 15 minutes"; fi
	race_images
	hull pull -q "$PROXY/race/x:1" >/dev/null
	fault_proxy_mode slow rate=500 match="$top_b"
	hull pull -q "$PROXY/race/b:1" >"$BATS_TEST_TMPDIR/pull.out" 2>&1 &
	pid=$!
	sleep 1.5
	run -0 hull rmi "$PROXY/race/x:1"
	[[ $output == *Deleted:* ]]
	wait "$pid"
	run -0 hull run --rm "$PROXY/race/b:1" cat /b
	[ "$output" = b ]
}

@test "a failed pull's rollback of a layer a concurrent pull relies on: that pull fetches it again" {
	if hull_is_sanitized; then skip "a race of timing (6 s), run with the release build for CI's 15 minutes"; fi
	race_images
	export HULL_REGISTRY_STALL=2
	# X2's own layer stalls (its pull fails and rolls back after 2 s); B's is slower
	fault_proxy_modes "stall after=100 match=$top_x2" "slow rate=500 match=$top_b"
	hull pull -q "$PROXY/race/x2:1" >/dev/null 2>&1 &
	xpid=$!
	sleep 1 # X2 has added the shared layer
	hull pull -q "$PROXY/race/b:1" >"$BATS_TEST_TMPDIR/pull.out" 2>&1 &
	pid=$!
	rc=0
	wait "$xpid" || rc=$?
	[ "$rc" -eq 1 ]
	wait "$pid"
	run -0 hull run --rm "$PROXY/race/b:1" cat /b
	[ "$output" = b ]
}
