# Shared helpers of the hull system tests.  Each .bats file does `load helpers`.
#
# Every file runs against a throwaway store: setup_file exports HULL_ROOT and
# HULL_RUNROOT under $BATS_FILE_TMPDIR and imports a busybox image made by
# scripts/mkimage-busybox (its rootfs tar made once per bats run); teardown_file removes every container of that root
# and the directories.  /var/lib/hull and /run/hull are never touched.

bats_require_minimum_version 1.5.0

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HULL=${HULL:-$TOP/build/src/cli/hull}
case $HULL in /*) ;; *) HULL=$PWD/$HULL ;; esac
export HULL

hull() { "$HULL" "$@"; }

# python3 is Debian's, whose modules scripts/setup installs, not a version
# manager's shim found first on PATH: pyenv's is a bash script that costs 0.4 s
# of CPU a call, and the polling helpers call python3 every 0.1 s (it made
# 227 and 299 a third of make check's time).  A directory holding only a link
# to it goes first on PATH, for every command a test starts.
_pybin=${BATS_RUN_TMPDIR:?}/python-bin
if [ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ] &&
	[[ :$PATH: != *:$_pybin:* ]]; then
	[ -e "$_pybin/python3" ] || { mkdir -p "$_pybin" && ln -sf /usr/bin/python3 "$_pybin/python3"; }
	PATH=$_pybin:$PATH
fi
unset _pybin

# the rootfs tar of the busybox image every file imports (hull_setup_file)
BUSYBOX_TAR=${HULL_TEST_SHARED:-${BATS_RUN_TMPDIR:?}}/busybox-rootfs.tar

# Tests touch only loopback: a pull of an image no test provides (docker.io,
# when a test runs a name the store lacks) goes to a proxy that is not there
# and fails at once, without a DNS query; registries the tests start on
# 127.0.0.1 are reached directly.
export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9
# (containers' addresses, 10.0.0.0/8, are reached directly too)
export no_proxy=127.0.0.1,localhost,::1,10.0.0.0/8 NO_PROXY=127.0.0.1,localhost,::1,10.0.0.0/8

hull_setup_file() {
	export HULL_ROOT=$BATS_FILE_TMPDIR/root
	export HULL_RUNROOT=$BATS_FILE_TMPDIR/run
	mkdir -p "$HULL_ROOT" "$HULL_RUNROOT"
	# the busybox rootfs is made once per bats run (or once per make check:
	# HULL_TEST_SHARED, a directory tests/run-checks shares between its
	# passes) and imported by each file
	local rc=0
	if [ ! -s "$BUSYBOX_TAR" ]; then
		(
			flock 9
			[ ! -s "$BUSYBOX_TAR" ] || exit 0
			(cd "$TOP" && HULL="$HULL" MKIMAGE_TAR="$BUSYBOX_TAR.new" \
				scripts/mkimage-busybox busybox >/dev/null) || exit 1
			mv "$BUSYBOX_TAR.new" "$BUSYBOX_TAR"
			exit 3 # made and imported
		) 9>>"$BUSYBOX_TAR.lock" || rc=$?
		[ $rc = 3 ] && return 0
		[ $rc = 0 ] || { echo "mkimage-busybox failed" >&2; return 1; }
	fi
	"$HULL" import "$BUSYBOX_TAR" busybox >/dev/null ||
		{ echo "import of $BUSYBOX_TAR failed" >&2; return 1; }
}

hull_teardown_file() {
	local c
	if [ -n "${HULL_ROOT:-}" ] && [ -d "$HULL_ROOT" ]; then
		for c in $("$HULL" ps -a -q --no-trunc 2>/dev/null); do
			"$HULL" rm -f "$c" >/dev/null 2>&1 || true
		done
	fi
	rm -rf "${HULL_ROOT:?}" "${HULL_RUNROOT:?}"
}

# hull_is_sanitized: $HULL is the ASan+UBSan build. make check runs every
# file against both builds; the few tests that check the kernel or an
# algorithm's time rather than memory safety run once, with the release build.
hull_is_sanitized() { grep -qa __asan_init "$HULL"; }

setup_file() { hull_setup_file; }

# The files of `hull runtime` (299, 301): rt ARGS is `hull runtime --root
# $RTROOT ARGS`; rt_teardown_file deletes what is left there, then the store.
rt() { "$HULL" runtime --root "$RTROOT" "$@"; }
rt_teardown_file() {
	local id
	for id in $("$HULL" runtime --root "$RTROOT" list -q 2>/dev/null); do
		"$HULL" runtime --root "$RTROOT" delete --force "$id" >/dev/null 2>&1 || true
	done
	hull_teardown_file
}
teardown_file() { hull_teardown_file; }

# wait_for CMD...: retry CMD 0.1 s apart for up to 30 s (a loaded CI machine
# running the sanitizer build can take seconds for what takes 50 ms here).
wait_for() {
	local i
	for i in $(seq 300); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# fetch URL: curl on loopback with a bounded retry until the server answers.
fetch() {
	local i out
	for i in $(seq 50); do
		if out=$(curl -s -m 5 "$1"); then
			printf '%s\n' "$out"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# ctx: a fresh build context in $BATS_TEST_TMPDIR/ctx with a Dockerfile from stdin
ctx() {
	C=$BATS_TEST_TMPDIR/ctx
	rm -rf "$C"
	mkdir -p "$C"
	cat > "$C/Dockerfile"
}

# ctx_dir: a fresh, empty build context for the current test.
ctx_dir() {
	local d
	d=$(mktemp -d "$BATS_TEST_TMPDIR/ctx.XXXXXX")
	printf '%s\n' "$d"
}

# build_image TAG DOCKERFILE-TEXT: build a one-file context quietly.
build_image() {
	local d
	d=$(ctx_dir)
	printf '%s\n' "$2" > "$d/Dockerfile"
	"$HULL" build -q -t "$1" "$d"
}

# is_running NAME: the container's State.Status is "running".
is_running() {
	[ "$("$HULL" inspect --format '{{.State.Status}}' "$1" 2>/dev/null)" = running ]
}

# is_exited NAME
is_exited() {
	[ "$("$HULL" inspect --format '{{.State.Status}}' "$1" 2>/dev/null)" = exited ]
}

# net_skip_routed NET...: for files that give subnets: NET_SKIP names the first of these
# network addresses (a.b.c.0) that the host routes already (setup() then skips).
net_skip_routed() {
	local s
	for s in "$@"; do
		if ip -4 route show | grep -q "^${s%.0}"; then
			export NET_SKIP="the host routes $s already"
			return
		fi
	done
}

# remove_all_ctr_net: rm -f every container of the store and prune its networks, so that
# a failing test leaves none behind for the next one.
remove_all_ctr_net() {
	local c
	for c in $("$HULL" ps -a -q --no-trunc 2>/dev/null); do
		"$HULL" rm -f "$c" >/dev/null 2>&1 || true
	done
	"$HULL" network prune -f >/dev/null 2>&1 || true
}

# monitor_pid NAME: the recorded monitor pid
monitor_pid() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Hull"]["MonitorPid"])' \
		"$HULL_ROOT/containers/$(hull inspect --format '{{.Id}}' "$1")/config.json"
}

# no_zombie_children PID: no child of PID is a zombie (one it has not reaped)
no_zombie_children() {
	[ -z "$(ps -o stat= --ppid "$1" | grep '^Z')" ]
}

# pids_dead PID...: each has exited (a zombie too: a killed monitor waits for init to reap
# it); for `wait_for pids_dead ...` after a kill -9, which returns before the death.
pids_dead() {
	local p
	for p in "$@"; do
		[ ! -e "/proc/$p" ] || [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] || return 1
	done
}
