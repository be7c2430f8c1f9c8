#!/usr/bin/env bats
# Signals, --init, stop signals and timeouts (spec/cmd-entrypoint.md rows 76-85).

load helpers

@test "row 76: --init makes hull-init PID 1 and keeps Path/Args" {
	run hull run --name init1 --init busybox sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $$'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/sbin/docker-init -- sh -c cat /proc/1/cmdline | tr \"\\0\" \" \"; echo; echo \$\$ " ]
	[ "${lines[1]}" != 1 ]
	[ "$(hull inspect --format '{{.Path}}' init1)" = sh ]
	[ "$(hull inspect --format '{{json .Args}}' init1)" = '["-c","cat /proc/1/cmdline | tr \"\\0\" \" \"; echo; echo $$"]' ]
	[ "$(hull inspect --format '{{.HostConfig.Init}}' init1)" = true ]
}

@test "row 77: --init sh -c 'kill -TERM \$\$' exits 143" {
	run hull run --rm --init busybox sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
}

@test "row 78: without init PID 1 ignores its own SIGTERM: exit 0" {
	run hull run --rm busybox sh -c 'kill -TERM $$'
	[ "$status" -eq 0 ]
}

@test "--init reaps zombies" {
	run hull run --rm --init busybox sh -c '(sleep 0.1 &) ; sleep 0.5; ps -o stat,comm | grep -c "^Z" || true'
	[ "${lines[-1]}" = 0 ]
}

@test "row 79: stop waits for the timeout then SIGKILL: 137" {
	hull run -d --name st1 busybox sleep 100
	SECONDS=0
	hull stop -t 1 st1
	[ "$SECONDS" -ge 1 ]
	[ "$(hull inspect --format '{{.State.ExitCode}}' st1)" = 137 ]
}

@test "row 80: with --init, stop ends it with SIGTERM: 143" {
	hull run -d --init --name st2 busybox sleep 100
	hull stop -t 30 st2
	[ "$(hull inspect --format '{{.State.ExitCode}}' st2)" = 143 ]
}

@test "row 81: a trap in sh decides the exit code" {
	hull run -d --name st3 busybox sh -c 'trap "exit 7" TERM; sleep 100 & wait'
	sleep 0.2
	hull stop -t 30 st3
	[ "$(hull inspect --format '{{.State.ExitCode}}' st3)" = 7 ]
}

@test "row 82: --stop-signal SIGKILL stops at once: 137" {
	hull run -d --stop-signal SIGKILL --name st4 busybox sleep 100
	[ "$(hull inspect --format '{{.Config.StopSignal}}' st4)" = SIGKILL ]
	hull stop -t 30 st4
	[ "$(hull inspect --format '{{.State.ExitCode}}' st4)" = 137 ]
}

@test "row 83: STOPSIGNAL from the image is used by stop" {
	build_image sigimg 'FROM busybox
ARG SIG=SIGUSR1
STOPSIGNAL $SIG'
	[ "$(hull inspect --format '{{.Config.StopSignal}}' sigimg)" = SIGUSR1 ]
	hull run -d --name st5 sigimg sh -c 'trap "exit 9" USR1; sleep 100 & wait'
	sleep 0.2
	hull stop -t 30 st5
	[ "$(hull inspect --format '{{.State.ExitCode}}' st5)" = 9 ]
}

@test "row 84: STOPSIGNAL SIGFOO fails the build" {
	run build_image badsig 'FROM busybox
STOPSIGNAL SIGFOO'
	[ "$status" -ne 0 ]
	[[ $output == *"SIGFOO"* ]]
}

@test "row 85: busybox sh execs the last command as PID 1" {
	run hull run --rm busybox sh -c 'sh -c "echo \$\$"; sh -c "echo \$\$"'
	[ "${lines[0]}" != 1 ]
	[ "${lines[1]}" = 1 ]
}

@test "--stop-timeout is the default of stop" {
	hull run -d --stop-timeout 1 --name st6 busybox sleep 100
	[ "$(hull inspect --format '{{.Config.StopTimeout}}' st6)" = 1 ]
	SECONDS=0
	hull stop st6
	[ "$SECONDS" -lt 8 ]
	[ "$(hull inspect --format '{{.State.ExitCode}}' st6)" = 137 ]
}

@test "kill -s sends the named signal" {
	hull run -d --name k1 busybox sh -c 'trap "exit 12" HUP; sleep 100 & wait'
	sleep 0.2
	hull kill -s HUP k1
	hull wait k1
	[ "$(hull inspect --format '{{.State.ExitCode}}' k1)" = 12 ]
}

@test "foreground run forwards SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2" {
	local sig code
	for sig in TERM HUP USR1 USR2 INT; do
		"$HULL" run --rm busybox sh -c "trap 'exit 21' $sig; sleep 100 & wait" &
		local pid=$!
		sleep 0.5
		kill -s "$sig" "$pid"
		code=0
		wait "$pid" || code=$?
		[ "$code" -eq 21 ] || { echo "$sig: $code"; return 1; }
	done
}

@test "--stop-signal with a bad name is a 125 usage error" {
	run hull run --rm --stop-signal SIGFOO busybox true
	[ "$status" -eq 125 ]
}
