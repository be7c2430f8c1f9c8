#!/usr/bin/env bats
# The detached monitor: hull sets the container up, then execs the small
# hull-monitor, which execs `hull container-monitor` at the exit
# (docs/internals/container.md "Monitor").

load helpers

# monitor_is_small NAME: the monitor process runs hull-monitor
monitor_is_small() {
	[ "$(cat "/proc/$(monitor_pid "$1")/comm")" = hull-monitor ]
}

@test "a detached container is watched by hull-monitor, which records the exit" {
	hull run -d --name m1 busybox sh -c 'trap "exit 5" TERM; echo out; echo err >&2; while :; do sleep 0.1; done'
	wait_for monitor_is_small m1
	# the container stays the monitor's child
	pid=$(hull inspect --format '{{.State.Pid}}' m1)
	[ "$(awk '/^PPid:/ {print $2}' "/proc/$pid/status")" = "$(monitor_pid m1)" ]
	wait_for bash -c "[ \$($HULL logs m1 2>&1 | wc -l) = 2 ]"
	run hull logs m1
	[[ $output == *out* ]]
	# a signal to the monitor goes on to the container
	kill -TERM "$(monitor_pid m1)"
	run hull wait m1
	[ "$output" = 5 ]
	[ "$(hull inspect --format '{{.State.Status}} {{.State.ExitCode}}' m1)" = "exited 5" ]
	# the log lines are docker's json-file records
	log=$(hull inspect --format '{{.LogPath}}' m1)
	python3 -c 'import json,sys
recs=[json.loads(l) for l in open(sys.argv[1])]
assert sorted(r["log"] for r in recs) == ["err\n", "out\n"], recs
assert {r["stream"] for r in recs} == {"stdout", "stderr"}' "$log"
}

@test "an attach client connected to hull-monitor gets the exit code" {
	hull run -d --name m2 busybox sh -c 'sleep 4; echo bye; exit 7'
	wait_for monitor_is_small m2
	run hull attach --no-stdin m2
	[ "$status" -eq 7 ]
	[[ $output == *bye* ]]
}

@test "attach stdin goes through hull-monitor to a -i container" {
	hull run -d -i --name m3 busybox sh -c 'read line; echo "got $line"; exit 3'
	wait_for monitor_is_small m3
	run bash -c "echo hello | $HULL attach m3"
	[ "$status" -eq 3 ]
	[[ $output == *"got hello"* ]]
}

@test "restarts go through hull and back to hull-monitor in the same process" {
	# each run lasts long enough for a loaded machine to see it running
	hull run -d --name m4 --restart on-failure:2 busybox sh -c 'sleep 2; exit 1'
	wait_for monitor_is_small m4
	mon=$(monitor_pid m4)
	wait_for bash -c "[ \$($HULL inspect --format '{{.RestartCount}}' m4) = 1 ] && [ \$($HULL inspect --format '{{.State.Status}}' m4) = running ]"
	[ "$(monitor_pid m4)" = "$mon" ]
	wait_for monitor_is_small m4
	run hull wait m4
	[ "$output" = 1 ]
	[ "$(hull inspect --format '{{.RestartCount}}' m4)" = 2 ]
}

@test "a published port stays reserved under hull-monitor and is freed at the exit" {
	port=$((20000 + RANDOM % 20000))
	hull run -d --name m5 -p 127.0.0.1:$port:80 busybox sleep 100
	wait_for monitor_is_small m5
	run hull run -d --name m6 -p 127.0.0.1:$port:80 busybox true
	[ "$status" -ne 0 ]
	[[ $output == *"already allocated"* ]]
	hull rm -f m6 >/dev/null 2>&1 || true
	hull stop -t 0 m5
	hull run -d --name m7 -p 127.0.0.1:$port:80 busybox true
	run hull wait m7
	[ "$output" = 0 ]
}

@test "--rm -d removes the container after hull-monitor hands back" {
	hull run -d --rm --name m8 busybox sh -c 'sleep 2'
	wait_for monitor_is_small m8
	wait_for bash -c "! $HULL inspect m8 >/dev/null 2>&1"
}

@test "container-monitor is refused unless run by the container's monitor" {
	hull run -d --name m9 busybox sleep 100
	run hull container-monitor m9 --exit-code 0
	[ "$status" -ne 0 ]
	[[ $output == *"only the monitor"* ]]
	is_running m9
}

# in_backoff NAME COUNT: NAME is "restarting" after at least COUNT restarts, and
# its monitor sleeps the back-off in hull-monitor (checked while still restarting)
in_backoff() {
	local st n exe
	st=$(hull inspect --format '{{.State.Status}} {{.RestartCount}}' "$1")
	n=${st#* }
	[ "${st% *}" = restarting ] && [ "$n" -ge "$2" ] || return 1
	exe=$(readlink "/proc/$(monitor_pid "$1")/exe")
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$(monitor_pid "$1")/status")
	[ "$(hull inspect --format '{{.State.Status}} {{.RestartCount}}' "$1")" = "$st" ] || return 1
	[ "${exe##*/}" = hull-monitor ]
}

@test "the restart back-off is slept in hull-monitor, and stop ends it for good" {
	hull run -d --name m10 --restart always busybox true
	mon=$(monitor_pid m10)
	# from the 4th restart on the back-off is 1.6 s or more
	# (checked once: a second check could land in the next restart)
	local seen=0
	for _ in $(seq 200); do
		in_backoff m10 4 && seen=1 && break
		sleep 0.05
	done
	[ "$seen" = 1 ]
	echo "monitor VmRSS during the back-off: $rss kB"
	[ "$rss" -le 1024 ]
	[ "$(monitor_pid m10)" = "$mon" ]
	hull stop m10
	[ "$(hull inspect --format '{{.State.Status}}' m10)" = exited ]
	# (read after the stop: a restart may land between a read and the stop)
	n=$(hull inspect --format '{{.RestartCount}}' m10)
	sleep 2
	[ "$(hull inspect --format '{{.State.Status}} {{.RestartCount}}' m10)" = "exited $n" ]
	[ ! -e "/proc/$mon" ] || [ "$(awk '/^State:/ {print $2}' "/proc/$mon/status")" = Z ]
}

@test "an exit the stalled monitor has not recorded yet: ps says Up, not Exited (0) long ago" {
	hull run -d --name m-stall busybox sleep 1000
	wait_for monitor_is_small m-stall
	local mon pid
	mon=$(monitor_pid m-stall)
	pid=$(hull inspect --format '{{.State.Pid}}' m-stall)
	kill -STOP "$mon"
	kill -KILL "$pid"
	# a zombie's cmdline is empty; read it at each try, not once
	wait_for sh -c '[ -z "$(cat "/proc/$1/cmdline" 2>/dev/null)" ]' sh "$pid"
	run -0 hull ps -a --filter name=m-stall --format '{{.Status}} {{.State}}'
	[[ $output == "Up "*" running" ]]
	# once the monitor goes on, it records the exit: 137, now
	kill -CONT "$mon"
	run -0 hull wait m-stall
	[ "$output" = 137 ]
	run -0 hull ps -a --filter name=m-stall --format '{{.Status}}'
	[[ $output == "Exited (137) "*" ago" && $output != *year* ]]
	hull rm m-stall
}
