#!/usr/bin/env bats
# Restart policies, carried out by the container's monitor.

load helpers

restart_count() { hull inspect --format '{{.RestartCount}}' "$1"; }

@test "--restart on-failure:N restarts N times then stops" {
	hull run -d --name rf --restart on-failure:2 busybox sh -c 'echo run; exit 3'
	wait_for is_exited rf
	wait_for bash -c "[ \$($HULL inspect --format '{{.RestartCount}}' rf) = 2 ] && [ \$($HULL inspect --format '{{.State.Status}}' rf) = exited ]"
	[ "$(hull inspect --format '{{.State.ExitCode}}' rf)" = 3 ]
	[ "$(hull logs rf | grep -c run)" = 3 ]
	[ "$(hull inspect --format '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' rf)" = on-failure:2 ]
}

@test "on-failure does not restart a clean exit" {
	hull run -d --name rf0 --restart on-failure busybox true
	wait_for is_exited rf0
	sleep 0.5
	[ "$(restart_count rf0)" = 0 ]
	is_exited rf0
}

@test "--restart always restarts until stop, and stop keeps it stopped" {
	hull run -d --name ra --restart always busybox sh -c 'sleep 0.2; exit 0'
	wait_for bash -c "[ \$($HULL inspect --format '{{.RestartCount}}' ra) -ge 2 ]"
	hull stop ra
	n=$(restart_count ra)
	sleep 1
	[ "$(restart_count ra)" = "$n" ]
	is_exited ra
}

@test "unless-stopped restarts after a crash, not after kill" {
	hull run -d --name ru --restart unless-stopped busybox sleep 30
	wait_for is_running ru
	pid=$(hull inspect --format '{{.State.Pid}}' ru)
	kill -9 "$pid"
	wait_for bash -c "[ \$($HULL inspect --format '{{.RestartCount}}' ru) = 1 ]"
	wait_for is_running ru
	hull kill ru
	wait_for is_exited ru
	sleep 0.5
	[ "$(restart_count ru)" = 1 ]
}

@test "bad --restart values are refused" {
	run hull run -d --restart sometimes busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"unknown policy 'sometimes'"* ]]
	run hull run -d --restart always:3 busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"only be used with 'on-failure'"* ]]
	run hull run -d --restart on-failure:x busybox true
	[ "$status" -eq 125 ]
	run hull run -d --rm --restart always busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"cannot specify both --restart and --rm"* ]]
	run hull run --restart always busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"needs -d"* ]]
}

@test "stop during the back-off keeps it stopped, also without hull-monitor" {
	HULL_NO_MONITOR_EXEC=1 hull run -d --name rb --restart always busybox true
	wait_for bash -c "[ \$($HULL inspect --format '{{.RestartCount}}' rb) -ge 3 ]"
	wait_for bash -c "[ \$($HULL inspect --format '{{.State.Status}}' rb) = restarting ]"
	n=$(restart_count rb)
	hull stop rb
	[ "$(hull inspect --format '{{.State.Status}}' rb)" = exited ]
	sleep 1
	[ "$(restart_count rb)" = "$n" ]
	is_exited rb
}

# bind_fails PORT: a TCP bind of 127.0.0.1:PORT by another program fails (the port is taken):
# status 0 when it fails, 1 when it succeeds
bind_fails() {
	python3 -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)' "$1"
}

@test "a restarting container keeps its published port through the back-off; rm frees it" {
	local n
	# the first run serves for 3 s, the next ones exit at once (a back-off that grows past a
	# second)
	hull run -d --name rp --restart always -p 127.0.0.1:18221:80 busybox \
		sh -c '[ -e /served ] && exit 1; touch /served; httpd -p 80 -h /etc; sleep 3; exit 1' >/dev/null
	run fetch http://127.0.0.1:18221/hostname
	[ "$output" = "$(hull inspect --format '{{.Config.Hostname}}' rp)" ]
	wait_for bash -c "[ \$($HULL inspect --format '{{.RestartCount}}' rp) -ge 4 ]"
	wait_for bash -c "[ \$($HULL inspect --format '{{.State.Status}}' rp) = restarting ]"
	# in the back-off: the port is still the container's, another program cannot take it
	bind_fails 18221
	n=$(restart_count rp)
	wait_for bash -c "[ \$($HULL inspect --format '{{.RestartCount}}' rp) -gt $n ]"
	bind_fails 18221
	hull rm -f rp >/dev/null
	run ! bind_fails 18221
}
