#!/usr/bin/env bats
# hull-runtime under a real containerd (Debian's containerd and ctr): its
# runc shim v2 calls hull-runtime as it calls runc. Every scenario runs with
# hull-runtime and with runc, the control. containerd gets a private root,
# state, socket and config (CRI off) and is stopped in teardown_file.

load helpers

IMG=docker.io/library/busybox:latest

setup_file() {
	command -v containerd >/dev/null && command -v ctr >/dev/null ||
		skip "needs Debian's containerd and ctr (scripts/setup installs them)"
	command -v runc >/dev/null || skip "needs runc, the control (scripts/setup installs it)"
	hull_setup_file
	# short: unix socket paths are limited to 107 bytes
	CTD=$(mktemp -d /tmp/hull-ctd.XXXXXX)
	export CTD
	export HULL_RT=${HULL%/*}/hull-runtime
	[ -x "$HULL_RT" ] || { echo "no $HULL_RT next to $HULL" >&2; return 1; }
	cat >"$CTD/config.toml" <<EOF
version = 2
root = "$CTD/root"
state = "$CTD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTD/c.sock"
[ttrpc]
  address = "$CTD/c.sock.ttrpc"
[debug]
  address = "$CTD/debug.sock"
EOF
	containerd --config "$CTD/config.toml" >"$CTD/log" 2>&1 3>&- &
	echo $! >"$CTD/pid"
	wait_for ctd version >/dev/null 2>&1 || { cat "$CTD/log" >&2; return 1; }
	"$HULL" save busybox -o "$CTD/busybox.tar"
	ctd images import "$CTD/busybox.tar" >/dev/null
}

teardown_file() {
	[ -n "${CTD:-}" ] && [ -d "$CTD" ] || return 0
	local t pid i
	for t in $(ctd task ls -q 2>/dev/null); do
		ctd task kill -s KILL "$t" >/dev/null 2>&1 || true
		ctd task delete -f "$t" >/dev/null 2>&1 || true
	done
	for t in $(ctd containers ls -q 2>/dev/null); do
		ctd containers rm "$t" >/dev/null 2>&1 || true
	done
	pid=$(cat "$CTD/pid" 2>/dev/null || true)
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	fi
	# shims of this containerd only (their -address is our private socket)
	for pid in $(pgrep -f -- "-address $CTD/c.sock" || true); do
		kill -9 "$pid" 2>/dev/null || true
	done
	grep -o " $CTD/[^ ]*" /proc/self/mounts | sort -r | xargs -r umount -l 2>/dev/null || true
	rm -rf "$CTD"
	hull_teardown_file
}

# a failed scenario shows what containerd and the shims logged (a failure
# under load in make check once left nothing but the test's name)
teardown() {
	[ -n "${BATS_TEST_COMPLETED:-}" ] || [ -z "${CTD:-}" ] && return 0
	echo "containerd's log, last lines:"
	grep -v 'loading plugin' "$CTD/log" | tail -n 30
	local f
	for f in "$CTD"/state/io.containerd.runtime.v2.task/hulltest/*/log.json; do
		[ -f "$f" ] && sed "s|^|$f: |" "$f"
	done
	return 0
}

ctd() { ctr -a "$CTD/c.sock" -n hulltest "$@"; }

# rt NAME: ctr's flags for runtime NAME (hull or runc), each with its own runc root
rt() {
	local bin=$HULL_RT
	[ "$1" = runc ] && bin=$(command -v runc)
	echo "--runc-binary $bin --runc-root $CTD/runc-root-$1"
}

task_status() { ctd task ls | awk -v t="$1" '$1 == t {print $3}'; }
is_task_status() { [ "$(task_status "$1")" = "$2" ]; }

run_exit_code() {
	run -3 ctd run $(rt "$1") --rm "$IMG" "run-$1" sh -c 'echo hi; exit 3'
	[ "$output" = hi ]
	run -0 ctd containers ls -q
	[[ $output != *"run-$1"* ]]
}

detached() {
	local id=det-$1 pid
	# a long sleep beside the loop: task ps must see two processes at any
	# moment, and the loop's own sleep is briefly absent between turns (the
	# count failed once in a loaded make check)
	ctd run $(rt "$1") -d "$IMG" "$id" sh -c 'trap "exit 7" TERM; sleep 1000 & while :; do sleep 0.1; done'
	is_task_status "$id" RUNNING
	pid=$(ctd task ls | awk -v t="$id" '$1 == t {print $2}')
	run -4 ctd task exec --exec-id e1 "$id" sh -c 'echo exec out; exit 4'
	[ "$output" = "exec out" ]
	# a TTY for the exec'd process too, from the container's devpts
	run -6 script -qec "ctr -a $CTD/c.sock -n hulltest task exec -t --exec-id e2 $id sh -c 'tty; exit 6'" /dev/null
	[[ $output == *"/dev/pts/"* ]]
	run -0 ctd task ps "$id"
	[[ ${lines[0]} == PID* ]]
	[[ $output == *"$pid"* ]]
	[ "${#lines[@]}" -ge 3 ]
	ctd task pause "$id"
	is_task_status "$id" PAUSED
	ctd task resume "$id"
	is_task_status "$id" RUNNING
	ctd task kill "$id"
	wait_for is_task_status "$id" STOPPED
	run -0 ctd task delete "$id"
	[[ $output == *"exit code 7"* ]]
	ctd containers rm "$id"
	[ ! -e "$CTD/runc-root-$1/hulltest/$id" ]
}

tty_session() {
	# script(1) gives ctr the terminal it wants for -t
	run -5 script -qec "ctr -a $CTD/c.sock -n hulltest run $(rt "$1") -t --rm $IMG tty-$1 sh -c 'tty; [ -t 0 ] && echo is-a-tty; exit 5'" /dev/null
	# a pty of the container's own devpts, as runc makes it
	[[ $output == *"/dev/pts/0"* ]]
	[[ $output == *is-a-tty* ]]
}

create_error() {
	run ctd run $(rt "$1") --rm "$IMG" "err-$1" nosuchcmd
	[ "$status" -ne 0 ]
	[[ $output == *'exec: "nosuchcmd": executable file not found in $PATH'* ]]
	ctd containers rm "err-$1" 2>/dev/null || true
}

@test "hull: ctr run --rm prints and exits with the process's code" { run_exit_code hull; }
@test "runc: ctr run --rm prints and exits with the process's code" { run_exit_code runc; }
@test "hull: detached task, exec (also with a TTY), ps, pause, resume, kill, delete" { detached hull; }
@test "runc: detached task, exec (also with a TTY), ps, pause, resume, kill, delete" { detached runc; }
@test "hull: a TTY (the pty goes to the shim over --console-socket)" { tty_session hull; }
@test "runc: a TTY (the pty goes to the shim over --console-socket)" { tty_session runc; }
@test "hull: a create error reaches ctr through the JSON log" { create_error hull; }
@test "runc: a create error reaches ctr through the JSON log" { create_error runc; }
