#!/usr/bin/env bats
# Issue 7, escape 1 (the CVE-2019-5736 class): a process in a container must
# not be able to overwrite the host's hull binary through /proc/PID/exe of a
# hull process that enters the container. The attack runs for real
# (tests/system/progs/exe-watcher.c) against a copy of hull, never against
# the build's own binary.

load helpers

setup_file() {
	local bin=$BATS_FILE_TMPDIR/bin d=$BATS_FILE_TMPDIR/ctx
	mkdir -p "$bin" "$d"
	# a private copy, with the helpers hull finds next to itself
	cp "$HULL" "$bin/hull"
	cp "$(dirname "$HULL")/hull-init" "$(dirname "$HULL")/hull-monitor" "$bin/"
	export HULL=$bin/hull
	hull_setup_file
	gcc -static -O2 -o "$d/exe-watcher" "$BATS_TEST_DIRNAME/progs/exe-watcher.c" || return 1
	printf 'FROM busybox\nCOPY exe-watcher /bin/\n' > "$d/Dockerfile"
	"$HULL" build -q -t watcher "$d" >/dev/null || return 1
	sha256sum "$bin/hull" "$bin/hull-init" "$bin/hull-monitor" > "$BATS_FILE_TMPDIR/sums"
}

# The binaries are unchanged, whatever happened.
sums_unchanged() {
	sha256sum -c --quiet "$BATS_FILE_TMPDIR/sums"
}

@test "exec: a watcher in the container cannot write to the hull binary" {
	# the watcher watches until told to stop (SIGTERM), or for 10 minutes
	hull run -d --name w1 watcher exe-watcher 600 >/dev/null
	wait_for sh -c "'$HULL' logs w1 | grep -q watching"
	local i n=60
	# (20 rounds under ASan, where each exec takes 3-4 times as long)
	if hull_is_sanitized; then n=20; fi
	for i in $(seq "$n"); do
		hull exec w1 true
		# a missing command keeps the exec child in hull's code a little longer
		run -127 hull exec w1 /nonexistent
	done
	hull kill -s TERM w1 >/dev/null
	run hull wait w1
	run hull logs w1
	echo "$output"
	[[ $output != *"wrote /"* ]]
	sums_unchanged
	# the watcher did see hull's exec children and was refused their executable
	[[ $output =~ seen=([0-9]+)\ denied=([0-9]+)\ grabbed=([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -gt 0 ]
	# and could not even open it: the exec child is not dumpable until it execs
	# (without that guard the watcher grabbed the sealed copy over 100 times)
	[ "${BASH_REMATCH[3]}" -eq 0 ]
}

@test "run and build RUN steps: the container's first process is no way in either" {
	local i d
	for i in $(seq 10); do
		run hull run --rm watcher sh -c 'exe-watcher 0.05 & /nonexistent; wait'
	done
	d=$(ctx_dir)
	printf 'FROM watcher\nRUN exe-watcher 0.5 & for i in 1 2 3 4 5 6 7 8; do true; done; wait\n' > "$d/Dockerfile"
	run hull build -q --no-cache "$d"
	[ "$status" -eq 0 ]
	sums_unchanged
}

@test "--init: the init binary is mounted read-only, /proc/1/exe cannot be written" {
	run hull run --rm --init busybox sh -c 'echo x >> /proc/1/exe && echo wrote; exec 3</proc/1/exe; echo x >> /proc/self/fd/3 && echo wrote; true'
	echo "$output"
	[[ $output != *wrote* ]]
	sums_unchanged
}

@test "a hull process that enters a container runs from a sealed copy that even root cannot write" {
	local pid exe
	hull run -d --name w2 busybox sleep 1000 >/dev/null
	# `hull exec` stays while its process runs: look at it from the host
	"$HULL" exec w2 sleep 5 &
	pid=$!
	# sealed first thing in main(), before it looks at the container
	wait_for sh -c "readlink /proc/$pid/exe | grep -q '^/memfd:hull'"
	exe=$(readlink "/proc/$pid/exe")
	echo "exe: $exe"
	[[ $exe == /memfd:hull* ]]
	# even root on the host (with CAP_SYS_PTRACE) cannot write it: the copy is sealed
	run ! sh -c "echo x >> /proc/$pid/exe"
	run ! sh -c "exec 3</proc/$pid/exe && echo x >> /proc/self/fd/3"
	kill "$pid" 2>/dev/null || true
	wait "$pid" || true
	hull rm -f w2 >/dev/null
	sums_unchanged
}

@test "without the capabilities to swap its executable in place, hull re-executes from the sealed copy" {
	local log=$BATS_TEST_TMPDIR/strace
	# PR_SET_MM needs CAP_SYS_RESOURCE, or CAP_SYS_ADMIN / CAP_CHECKPOINT_RESTORE
	# (LeakSanitizer cannot run under ptrace: the ASan build's leak check is off here)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		run setpriv --bounding-set=-sys_resource,-sys_admin,-checkpoint_restore \
		strace -f -o "$log" -e trace=prctl,execveat,fcntl "$HULL" start --help
	[ "$status" -eq 0 ]
	[[ $output == *"Usage:"*"start"* ]]
	cat "$log"
	grep -q 'PR_SET_MM_MAP.*EPERM' "$log"
	grep -q 'execveat(.*AT_EMPTY_PATH) = 0' "$log"
	# the re-executed hull finds itself sealed and goes on
	grep -q 'F_GET_SEALS.*F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE' "$log"
	sums_unchanged
}
