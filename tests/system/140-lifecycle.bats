#!/usr/bin/env bats
# create, start [-a], restart, wait, pause/unpause, rename, top, port, stats, rm -f.

load helpers

@test "create then start -a prints the output and returns the exit code" {
	id=$(hull create --name c1 busybox sh -c 'echo created-ran; exit 3')
	[ "${#id}" -eq 64 ]
	[ "$(hull inspect --format '{{.State.Status}}' c1)" = created ]
	run hull start -a c1
	[ "$status" -eq 3 ]
	[ "$output" = created-ran ]
	[ "$(hull inspect --format '{{.State.ExitCode}}' c1)" = 3 ]
}

@test "create -a records the streams (inspect); -d and -i as docker's; start -a relays stdout and stderr" {
	hull create --name ca -a stderr -a STDIN busybox sh -c 'echo o; echo e >&2' >/dev/null
	run hull inspect --format '{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}} {{.Config.OpenStdin}} {{.Config.StdinOnce}}' ca
	[ "$output" = "true false true false false" ]
	# docker's start -a asks for stdout and stderr whatever create's -a said
	run --separate-stderr hull start -a ca
	[ "$status" -eq 0 ]
	[ "$output" = o ]
	[ "$stderr" = e ]
	hull create --name ci -i busybox true >/dev/null
	run hull inspect --format '{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}} {{.Config.StdinOnce}}' ci
	[ "$output" = "true true true true" ]
	hull run -d -i --name di busybox true >/dev/null
	run hull inspect --format '{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}} {{.Config.OpenStdin}} {{.Config.StdinOnce}}' di
	[ "$output" = "false false false true false" ]
	hull rm -f ca ci di >/dev/null
}

@test "start runs a created container detached; wait prints the exit code" {
	hull create --name c2 busybox sh -c 'sleep 0.3; exit 9'
	run hull start c2
	[ "$output" = c2 ]
	run hull wait c2
	[ "$output" = 9 ]
}

@test "restart stops and starts again" {
	hull run -d --name r1 busybox sh -c 'echo up; sleep 100'
	local p1 p2
	p1=$(hull inspect --format '{{.State.Pid}}' r1)
	run hull restart -t 0 r1
	[ "$status" -eq 0 ]
	is_running r1
	p2=$(hull inspect --format '{{.State.Pid}}' r1)
	[ "$p1" != "$p2" ]
	[ "$(hull logs r1 | grep -c up)" -eq 2 ]
}

@test "pause freezes every process, unpause thaws" {
	hull run -d --name p1 busybox sh -c 'while true; do date +%s%N > /tmp/t; sleep 0.05; done'
	sleep 0.3
	hull pause p1
	[ "$(hull inspect --format '{{.State.Status}} {{.State.Paused}}' p1)" = "paused true" ]
	local upper
	upper=$HULL_ROOT/containers/$(hull inspect --format '{{.Id}}' p1)/upper/tmp/t
	# every task of the container is in the freezer's FROZEN state
	local cg
	cg=$(python3 -c "import json,sys; print([d for d in json.load(open(sys.argv[1]))['Hull']['Cgroups'] if '/freezer/' in d][0])" \
		"$HULL_ROOT/containers/$(hull inspect --format '{{.Id}}' p1)/config.json")
	[ "$(cat "$cg/freezer.state")" = FROZEN ]
	local a b
	sleep 0.1
	a=$(cat "$upper"); sleep 0.3; b=$(cat "$upper")
	[ "$a" = "$b" ]
	run hull exec p1 true
	[ "$status" -eq 1 ]
	[[ $output == *paused* ]]
	hull unpause p1
	# the loop runs again: the file changes (bounded wait, the machine may be busy)
	local i
	for i in $(seq 50); do
		[ "$(cat "$upper")" != "$b" ] && break
		sleep 0.1
	done
	[ "$(cat "$upper")" != "$b" ]
	[ "$(hull inspect --format '{{.State.Status}}' p1)" = running ]
	run hull unpause p1
	[ "$status" -ne 0 ]
}

@test "stop and rm -f work on a paused container" {
	hull run -d --name p2 busybox sleep 100
	hull pause p2
	hull stop -t 1 p2
	is_exited p2
	hull run -d --name p3 busybox sleep 100
	hull pause p3
	hull rm -f p3
	run hull inspect p3
	[ "$status" -ne 0 ]
}

@test "rename changes the name and refuses a used one" {
	hull run -d --name old1 busybox sleep 100
	hull run -d --name other busybox sleep 100
	hull rename old1 new1
	[ "$(hull inspect --format '{{.Name}}' new1)" = /new1 ]
	run hull rename new1 other
	[ "$status" -eq 1 ]
	[[ $output == *Conflict* ]]
	run hull rename new1 'bad name'
	[ "$status" -eq 1 ]
}

@test "top lists the container's processes" {
	hull run -d --name t1 busybox sh -c 'sleep 101 & sleep 102'
	sleep 0.2
	run hull top t1
	[[ ${lines[0]} == UID*PID*PPID*CMD* ]]
	[[ $output == *"sleep 101"* ]]
	[[ $output == *"sleep 102"* ]]
}

@test "port shows the published ports" {
	hull run -d --name pt -p 127.0.0.1::80 busybox sleep 100
	run hull port pt
	[[ $output =~ ^80/tcp\ -\>\ 127\.0\.0\.1:[0-9]+$ ]]
	run hull port pt 80
	[[ $output =~ ^127\.0\.0\.1:[0-9]+$ ]]
	run hull port pt 81
	[ "$status" -eq 1 ]
}

@test "-P publishes every exposed port not published by -p to a free host port, at each start" {
	local web='mkdir /w && echo P > /w/index.html && exec httpd -f -p 80 -h /w'
	hull run -d --name pa -P --expose 80 --expose 90/udp -p 127.0.0.1::91/udp busybox sh -c "$web"
	run -0 hull inspect -f '{{.HostConfig.PublishAllPorts}} {{json .HostConfig.PortBindings}}' pa
	[ "$output" = 'true {"91/udp":[{"HostIp":"127.0.0.1","HostPort":""}]}' ]
	run -0 hull port pa 80/tcp
	[[ ${lines[0]} =~ ^0\.0\.0\.0:([0-9]+)$ ]]
	local port=${BASH_REMATCH[1]}
	# and on [::] with the same port, on a host with IPv6 (net_host_ipv6())
	if [ "$(cat /proc/sys/net/ipv6/conf/all/disable_ipv6 2>/dev/null)" = 0 ]; then
		[ "${lines[1]}" = ":::$port" ]
		[ "${#lines[@]}" -eq 2 ]
	else
		[ "${#lines[@]}" -eq 1 ]
	fi
	run -0 fetch "http://127.0.0.1:$port/"
	[ "$output" = P ]
	run -0 hull port pa 90/udp
	[[ ${lines[0]} =~ ^0\.0\.0\.0:[0-9]+$ ]]
	run -0 hull port pa 91/udp
	[[ $output =~ ^127\.0\.0\.1:[0-9]+$ ]]
	# host and none networks publish nothing
	run -0 hull run --rm -P --expose 80 --network none busybox true
	hull rm -f pa
	# more ports than a monitor holds sockets for: refused, nothing left (an image of
	# 1010 exposed ports crashed the monitor in libnftables' FD_SET)
	local before
	before=$(hull ps -aq | wc -l)
	run -125 hull run --rm -P --expose 1000-1600 busybox true
	[[ $output == *"too many published ports: hull publishes at most 512 ports of a container"* ]]
	[ "$(hull ps -aq | wc -l)" = "$before" ]
}

@test "a host port range for one container port takes the first free port; none free fails with docker's message" {
	# (not "i": bats's run changes it)
	local web='mkdir /w && echo $HOSTNAME > /w/index.html && exec httpd -f -p 80 -h /w' k
	for k in 0 1 2; do
		hull run -d --name "pr$k" -h "host$k" -p 127.0.0.1:18240-18242:80 busybox sh -c "$web"
	done
	for k in 0 1 2; do
		run -0 hull port "pr$k" 80
		[ "$output" = "127.0.0.1:1824$k" ]
		run -0 fetch "http://127.0.0.1:1824$k/"
		[ "$output" = "host$k" ]
	done
	run -0 hull inspect -f '{{json .HostConfig.PortBindings}}' pr0
	[ "$output" = '{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"18240-18242"}]}' ]
	run -125 hull run -d --name pr4 -p 127.0.0.1:18240-18242:80 busybox sleep 100
	[[ $output == *"Bind for 127.0.0.1:18240-18242 failed: port is already allocated"* ]]
	# a freed port of the range is taken again
	hull rm -f pr1
	hull rm -f pr4 >/dev/null 2>&1 || true
	hull run -d --name pr5 -p 127.0.0.1:18240-18242:80 busybox sleep 100
	run -0 hull port pr5 80
	[ "$output" = 127.0.0.1:18241 ]
	hull rm -f pr0 pr2 pr5
}

@test "stats --no-stream reads memory and pids from the cgroup" {
	hull run -d --name s1 busybox sh -c 'sleep 100 & sleep 100'
	sleep 0.2
	run hull stats --no-stream s1
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "CONTAINER ID"*"MEM USAGE / LIMIT"*PIDS ]]
	[[ ${lines[1]} == *" s1 "* ]]
	[[ ${lines[1]} =~ \ 2$ ]] # sh and the sleep it execs last
}

@test "rm -f kills a running container" {
	hull run -d --name rf busybox sleep 100
	hull rm -f rf
	run hull inspect rf
	[ "$status" -ne 0 ]
}

@test "rm -f and rmi -f of what does not exist say so and exit 0, as docker/cli; without -f exit 1" {
	run -0 --separate-stderr hull rm -f nosuch140
	[ -z "$output" ]
	[ "$stderr" = "Error response from daemon: No such container: nosuch140" ]
	run -1 hull rm nosuch140
	[ "$output" = "Error response from daemon: No such container: nosuch140" ]
	# one missing, one there: the one there goes, and the exit is 0
	hull create --name here140 busybox true
	run -0 --separate-stderr hull rm -f nosuch140 here140
	[ "$output" = "here140" ]
	run -0 --separate-stderr hull rmi -f nosuch140 busybox:nosuchtag
	[ "$stderr" = "$(printf 'Error response from daemon: No such image: nosuch140:latest\nError response from daemon: No such image: busybox:nosuchtag')" ]
	run -1 hull rmi nosuch140
	[ "$output" = "Error response from daemon: No such image: nosuch140:latest" ]
	# a failure other than "not found" still fails with -f
	run -1 hull rmi -f nosuch140 'Bad/Name'
	# a full id that is no image's is not found either (it was "invalid reference")
	local id64=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	run -0 --separate-stderr hull rmi -f "$id64"
	[ "$stderr" = "Error response from daemon: No such image: $id64" ]
}

@test "start -a of an exited container runs it again and prints its output" {
	hull run --name sa-again busybox echo first >/dev/null
	run hull start -a sa-again
	[ "$status" -eq 0 ]
	[ "$output" = first ]
	run hull start -a sa-again
	[ "$status" -eq 0 ]
	[ "$output" = first ]
	hull rm sa-again >/dev/null
}

@test "wait on a created container returns at once with 0; several containers print one code each" {
	hull create --name wc1 busybox true >/dev/null
	hull run -d --name wc2 busybox sh -c 'exit 3' >/dev/null
	run -0 timeout 10 "$HULL" wait wc1
	[ "$output" = 0 ]
	run -0 timeout 10 "$HULL" wait wc1 wc2
	[ "$output" = $'0\n3' ]
	hull rm -f wc1 wc2 >/dev/null
}

@test "inspect: members in docker's order, State from the typed state (Running derived, no Removing)" {
	run hull run --name order1 busybox sh -c 'exit 4'
	[ "$status" -eq 4 ]
	run hull inspect order1
	[ "$status" -eq 0 ]
	keys=$(printf '%s' "$output" | python3 -c 'import json,sys; o=json.load(sys.stdin)[0]; print(" ".join(o)); print(" ".join(o["State"]))')
	[ "$(sed -n 1p <<<"$keys")" = "Id Created Path Args State Image ResolvConfPath HostnamePath HostsPath LogPath Name RestartCount Driver HostConfig Mounts Config NetworkSettings" ]
	[ "$(sed -n 2p <<<"$keys")" = "Status Running Paused Restarting OOMKilled Dead Pid ExitCode Error StartedAt FinishedAt" ]
	[ "$(hull inspect --format '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}' order1)" = "exited false 4" ]
}
