#!/usr/bin/env bats
# Detached containers: run -d, ps, logs, stop, kill, rm, published ports.

load helpers

@test "run -d prints the 64-hex id and the container runs" {
	run hull run -d --name det1 busybox sleep 100
	[ "$status" -eq 0 ]
	[[ $output =~ ^[0-9a-f]{64}$ ]]
	local id=$output
	run hull inspect --format '{{.Id}} {{.State.Status}} {{.State.Running}}' det1
	[ "$output" = "$id running true" ]
	hull rm -f det1
}

@test "ps header and columns" {
	run hull ps -a
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES$ ]]
	local id
	id=$(hull run -d --name pscols busybox sleep 100)
	run hull ps
	[ "$status" -eq 0 ]
	local hdr=${lines[0]} row
	row=$(printf '%s\n' "${lines[@]}" | grep ' pscols$')
	[[ $row =~ ^${id:0:12}\ +busybox\ +\"sleep\ 100\"\ +.*\ +Up\ .*\ +pscols$ ]]
	# each column of the row starts where its header does
	local col pre
	for col in IMAGE COMMAND CREATED STATUS; do
		pre=${hdr%%"$col"*}
		[ "${row:${#pre}:1}" != " " ] || { echo "column $col misplaced"; return 1; }
		[ "${row:${#pre}-1:1}" = " " ] || { echo "column $col misplaced"; return 1; }
	done
	pre=${hdr%%NAMES*}
	[ "${row:${#pre}}" = pscols ]
	hull rm -f pscols
}

@test "ps shows running ones only, ps -a also the exited, ps -q ids" {
	local r e
	r=$(hull run -d --name psrun busybox sleep 100)
	hull run --name psexit busybox true
	e=$(hull inspect --format '{{.Id}}' psexit)
	run hull ps
	[[ $output == *psrun* ]]
	[[ $output != *psexit* ]]
	run hull ps -a
	[[ $output == *psrun* && $output == *psexit* ]]
	[[ $output =~ Exited\ \(0\)\ .*psexit ]]
	run hull ps -q
	[[ $output == *"${r:0:12}"* ]]
	[[ $output != *"${e:0:12}"* ]]
	local l
	for l in "${lines[@]}"; do [[ $l =~ ^[0-9a-f]{12}$ ]]; done
	run hull ps -a -q --no-trunc
	[[ $output == *"$r"* && $output == *"$e"* ]]
	hull rm -f psrun psexit
}

@test "ps -a: the newest container first" {
	hull run --name first busybox true
	hull run --name second busybox true
	run hull ps -a
	[[ ${lines[1]} == *second ]]
	[[ ${lines[2]} == *first ]]
	hull rm first second
}

@test "logs shows stdout and stderr of a detached container" {
	hull run -d --name lg busybox sh -c 'echo out1; echo err1 >&2; echo out2; sleep 100'
	wait_for bash -c '"$HULL" logs lg 2>&1 | grep -q out2'
	run bash -c '"$HULL" logs lg 2>/dev/null'
	[ "$output" = "$(printf 'out1\nout2')" ]
	run bash -c '"$HULL" logs lg 2>&1 >/dev/null'
	[ "$output" = err1 ]
	hull rm -f lg
}

@test "logs of an exited container" {
	hull run --name lgx busybox sh -c 'echo done'
	run hull logs lgx
	[ "$status" -eq 0 ]
	[ "$output" = done ]
	hull rm lgx
}

@test "logs -f follows new output and ends when the container exits" {
	hull run -d --name lgf busybox sh -c 'echo a; sleep 1; echo b >&2; sleep 1; echo c'
	run timeout 10 "$HULL" logs -f lgf
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a\nb\nc')" ]
	hull rm -f lgf
}

@test "logs -f on a running container keeps following (bounded by timeout)" {
	hull run -d --name lgf2 busybox sh -c 'i=0; while :; do i=$((i+1)); echo tick$i; sleep 0.2; done'
	run timeout 1.5 "$HULL" logs -f lgf2
	[ "$status" -eq 124 ]
	[[ $output == *tick1* && $output == *tick3* ]]
	hull rm -f lgf2
}

@test "logs of a missing container fails" {
	run hull logs nosuchcontainer
	[ "$status" -ne 0 ]
	[[ $output == *"No such container"* ]]
}

@test "row 79: stop -t 1 on sleep 100: SIGKILL after 1 s, exit 137" {
	hull run -d --name st busybox sleep 100
	local t0=$SECONDS
	run hull stop -t 1 st
	[ "$status" -eq 0 ]
	[ "$output" = st ]
	[ $((SECONDS - t0)) -le 4 ]
	run hull inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}' st
	[ "$output" = "exited 137 false" ]
	run hull ps -a
	[[ $output =~ Exited\ \(137\) ]]
	hull rm st
}

@test "row 81: stop on a shell that traps TERM gives its own code, fast" {
	hull run -d --name st7 busybox sh -c 'trap "exit 7" TERM; sleep 100 & wait'
	wait_for is_running st7
	sleep 0.2
	local t0=$SECONDS
	run hull stop st7
	[ "$status" -eq 0 ]
	[ $((SECONDS - t0)) -le 3 ]
	run hull inspect --format '{{.State.Status}} {{.State.ExitCode}}' st7
	[ "$output" = "exited 7" ]
	hull rm st7
}

@test "stop of an exited container succeeds and changes nothing" {
	run hull run --name stx busybox sh -c 'exit 2'
	[ "$status" -eq 2 ]
	run hull stop stx
	[ "$status" -eq 0 ]
	run hull inspect --format '{{.State.ExitCode}}' stx
	[ "$output" = 2 ]
	hull rm stx
}

@test "stop of a missing container fails" {
	run hull stop nosuchcontainer
	[ "$status" -ne 0 ]
	[[ $output == *"No such container"* ]]
}

@test "kill sends SIGKILL by default: exit 137" {
	hull run -d --name kd busybox sleep 100
	run hull kill kd
	[ "$status" -eq 0 ]
	wait_for is_exited kd
	run hull inspect --format '{{.State.ExitCode}}' kd
	[ "$output" = 137 ]
	hull rm kd
}

@test "kill -s USR1 and -s TERM reach the process's traps" {
	hull run -d --name ks busybox sh -c 'trap "echo got-usr1" USR1; trap "echo got-term; exit 5" TERM; echo ready; while :; do sleep 0.1; done'
	wait_for bash -c '"$HULL" logs ks | grep -q ready'
	run hull kill -s USR1 ks
	[ "$status" -eq 0 ]
	wait_for bash -c '"$HULL" logs ks | grep -q got-usr1'
	is_running ks
	run hull kill -s TERM ks
	[ "$status" -eq 0 ]
	wait_for is_exited ks
	run hull inspect --format '{{.State.ExitCode}}' ks
	[ "$output" = 5 ]
	run hull logs ks
	[[ $output == *got-usr1*got-term* ]]
	hull rm ks
}

@test "kill -s accepts SIGTERM, TERM and 15" {
	local s
	for s in SIGTERM TERM 15; do
		hull run -d --name "k$s" busybox sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done'
		sleep 0.2
		run hull kill -s "$s" "k$s"
		[ "$status" -eq 0 ] || { echo "$s: $output"; return 1; }
		wait_for is_exited "k$s"
		[ "$(hull inspect --format '{{.State.ExitCode}}' "k$s")" = 3 ]
		hull rm "k$s"
	done
}

@test "kill -s with an invalid signal fails" {
	hull run -d --name kbad busybox sleep 100
	run hull kill -s NOSUCHSIG kbad
	[ "$status" -ne 0 ]
	is_running kbad
	hull rm -f kbad
}

@test "kill of a stopped container fails" {
	hull run --name kst busybox true
	run hull kill kst
	[ "$status" -ne 0 ]
	[[ $output == *"is not running"* ]]
	hull rm kst
}

@test "rm of a running container fails without -f" {
	hull run -d --name rmr busybox sleep 100
	run hull rm rmr
	[ "$status" -ne 0 ]
	[[ $output == *"container is running"* ]]
	is_running rmr
	run hull rm -f rmr
	[ "$status" -eq 0 ]
	[ "$output" = rmr ]
	run hull inspect rmr
	[ "$status" -ne 0 ]
	run hull ps -a
	[[ $output != *rmr* ]]
}

@test "rm of several containers, by id prefix and by name" {
	local a
	a=$(hull run -d busybox true)
	hull run --name rmb busybox true
	wait_for is_exited "$a"
	run hull rm "${a:0:12}" rmb
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "${a:0:12}" ]
	[ "${lines[1]}" = rmb ]
	run hull ps -a -q
	[[ $output != *"${a:0:12}"* ]]
}

@test "rm of a missing container fails" {
	run hull rm nosuchcontainer
	[ "$status" -ne 0 ]
	[[ $output == *"No such container"* ]]
}

@test "run -d --rm: the container disappears after exit" {
	local id
	id=$(hull run -d --rm busybox sh -c 'sleep 0.3')
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	gone() { ! hull inspect "$id" >/dev/null 2>&1; }
	wait_for gone
	run hull ps -a -q --no-trunc
	[[ $output != *"$id"* ]]
}

@test "a detached container's exit code is recorded" {
	hull run -d --name dx busybox sh -c 'exit 42'
	wait_for is_exited dx
	run hull inspect --format '{{.State.ExitCode}}' dx
	[ "$output" = 42 ]
	run hull ps -a
	[[ $output =~ Exited\ \(42\).*dx ]]
	hull rm dx
}

@test "-p 18080:80 publishes busybox httpd on 127.0.0.1:18080" {
	hull run -d --name web -p 18080:80 busybox sh -c 'mkdir /w && echo hello-web > /w/index.html && exec httpd -f -p 80 -h /w'
	run fetch http://127.0.0.1:18080/index.html
	[ "$status" -eq 0 ]
	[ "$output" = hello-web ]
	if [ "$(cat /proc/sys/net/ipv6/conf/all/disable_ipv6 2>/dev/null)" != 0 ]; then
		run hull ps
		[[ $output == *"0.0.0.0:18080->80/tcp"* ]]
		hull rm -f web
		skip "this host has no IPv6: -p publishes on 0.0.0.0 alone"
	fi
	# and on [::] as docker does, relayed by hull-proxy to the container's IPv4 address
	# (docker-proxy's role): a client of "localhost" that tries ::1 first gets an answer
	run hull ps
	[[ $output == *"0.0.0.0:18080->80/tcp, [::]:18080->80/tcp"* ]]
	run hull inspect --format '{{json .NetworkSettings.Ports}}' web
	[ "$output" = '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"18080"},{"HostIp":"::","HostPort":"18080"}]}' ]
	run -0 hull port web
	[ "$output" = "$(printf '80/tcp -> 0.0.0.0:18080\n80/tcp -> :::18080')" ]
	run curl --noproxy '*' -g -s -m 5 "http://[::1]:18080/index.html"
	[ "$output" = hello-web ]
	hull rm -f web
	run curl --noproxy '*' -g -s -m 2 "http://[::1]:18080/index.html"
	[ "$status" -ne 0 ]
	# the port is released
	run curl -s -m 2 http://127.0.0.1:18080/index.html
	[ "$status" -ne 0 ]
}

@test "-p 127.0.0.1:18081:80 publishes on loopback only" {
	hull run -d --name web2 -p 127.0.0.1:18081:80 busybox sh -c 'mkdir /w && echo hello-lo > /w/index.html && exec httpd -f -p 80 -h /w'
	run fetch http://127.0.0.1:18081/index.html
	[ "$status" -eq 0 ]
	[ "$output" = hello-lo ]
	run hull ps
	[[ $output == *"127.0.0.1:18081->80/tcp"* ]]
	run hull inspect --format '{{json .NetworkSettings.Ports}}' web2
	[ "$output" = '{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"18081"}]}' ]
	hull rm -f web2
}

@test "the container is reachable on its own address" {
	hull run -d --name web3 busybox sh -c 'mkdir /w && echo hello-ip > /w/index.html && exec httpd -f -p 8000 -h /w'
	wait_for is_running web3
	local ip
	ip=$(hull inspect --format '{{.NetworkSettings.IPAddress}}' web3)
	[[ $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]
	run fetch "http://$ip:8000/index.html"
	[ "$status" -eq 0 ]
	[ "$output" = hello-ip ]
	hull rm -f web3
}

@test "a stopped container with a published port frees it for another" {
	hull run -d --name webA -p 18082:80 busybox sh -c 'mkdir /w && echo A > /w/index.html && exec httpd -f -p 80 -h /w'
	run fetch http://127.0.0.1:18082/
	[ "$output" = A ]
	hull stop -t 1 webA
	hull run -d --name webB -p 18082:80 busybox sh -c 'mkdir /w && echo B > /w/index.html && exec httpd -f -p 80 -h /w'
	run fetch http://127.0.0.1:18082/
	[ "$output" = B ]
	hull rm -f webA webB
}

@test "inspect NetworkSettings.Ports is empty without -p" {
	hull run -d --name noports busybox sleep 100
	run hull inspect --format '{{json .NetworkSettings.Ports}}' noports
	[ "$status" -eq 0 ]
	[[ $output == "{}" || $output == null ]]
	hull rm -f noports
}

@test "-p with a bad spec exits 125" {
	run hull run --rm -p notaport busybox true
	[ "$status" -eq 125 ]
	run hull run --rm -p 70000:80 busybox true
	[ "$status" -eq 125 ]
}

@test "a killed monitor: the container is killed, recorded as exited 137, its port freed" {
	hull run -d --name orphan -p 127.0.0.1:18620:80 busybox httpd -f -p 80 -h /etc
	wait_for is_running orphan
	local id mon
	id=$(hull inspect --format '{{.Id}}' orphan)
	mon=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['Hull']['MonitorPid'])" \
		"$HULL_ROOT/containers/$id/config.json")
	[ "$mon" -gt 0 ]
	kill -9 "$mon"
	run hull inspect --format '{{.State.Status}} {{.State.ExitCode}}' orphan
	[ "$output" = "exited 137" ]
	hull rm orphan
	# the host port can be published again and answers for the new container
	hull run -d --name orphan2 -p 127.0.0.1:18620:80 busybox httpd -f -p 80 -h /etc
	run fetch http://127.0.0.1:18620/hostname
	[ "$status" -eq 0 ]
	[ "$output" = "$(hull inspect --format '{{.Config.Hostname}}' orphan2)" ]
	hull rm -f orphan2
}

@test "a port another container took over (the first one's proxy killed) stays with it at the first one's rm" {
	local a b mon
	a=$(hull run -d -p 127.0.0.1:18621:80 busybox httpd -f -p 80 -h /etc)
	wait_for is_running "$a"
	mon=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['Hull']['MonitorPid'])" \
		"$HULL_ROOT/containers/$a/config.json")
	# the proxy holds the port's reservation: killed, the port is free for another
	kill -9 "$(pgrep -P "$mon" -x hull-proxy)"
	b=$(hull run -d -p 127.0.0.1:18621:80 busybox httpd -f -p 80 -h /etc)
	wait_for is_running "$b"
	hull rm -f "$a" >/dev/null
	# this deleted the element by its key, which was the second container's by then
	run fetch http://127.0.0.1:18621/hostname
	[ "$status" -eq 0 ]
	[ "$output" = "${b:0:12}" ]
	hull rm -f "$b" >/dev/null
	run nft list map ip hull tcp_addr
	[[ $output != *18621* ]]
}
