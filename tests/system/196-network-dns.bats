#!/usr/bin/env bats
# Name resolution on user networks (docs/networking.md "Name resolution"): containers find
# each other by name, --network-alias and short id through their /etc/hosts, rewritten as
# containers come and go; the default bridge resolves nothing. Only the test's own bridges.

load helpers

SUB_D=172.29.21.0/24
SUB_E=172.29.22.0/24

setup_file() {
	hull_setup_file
	net_skip_routed 172.29.21.0 172.29.22.0
}

setup() {
	[ -z "${NET_SKIP:-}" ] || skip "$NET_SKIP"
}

teardown() {
	remove_all_ctr_net
}

teardown_file() {
	remove_all_ctr_net
	hull_teardown_file
}

# resolves CONTAINER NAME: the address NAME has inside CONTAINER, as ping looks it up
resolves() {
	local out
	out=$(hull exec "$1" ping -c1 -W1 "$2" 2>&1) || true
	sed -n 's/^PING [^ ]* (\([0-9.]*\)).*/\1/p' <<<"$out"
}

GET="printf 'GET /index.html HTTP/1.0\r\n\r\n'"

ip_on() { hull inspect --format "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"; }

@test "containers of a user network resolve each other by name, alias and short id" {
	local a b ida idb
	hull network create --subnet "$SUB_D" nd >/dev/null
	ida=$(hull run -d --name web1 --network nd --network-alias web --network-alias www busybox \
		sh -c 'mkdir /w && echo from-web1 > /w/index.html && exec httpd -f -p 80 -h /w')
	idb=$(hull run -d --name cli1 --network nd busybox sleep 600)
	wait_for is_running web1
	a=$(ip_on web1 nd)
	b=$(ip_on cli1 nd)
	[ -n "$a" ] && [ -n "$b" ]
	[ "$(resolves cli1 web1)" = "$a" ]
	[ "$(resolves cli1 web)" = "$a" ]
	[ "$(resolves cli1 www)" = "$a" ]
	[ "$(resolves cli1 "${ida:0:12}")" = "$a" ]
	[ "$(resolves web1 cli1)" = "$b" ]
	[ "$(resolves web1 "${idb:0:12}")" = "$b" ]
	# its own names too, as docker's DNS answers them
	[ "$(resolves web1 web)" = "$a" ]
	# a real exchange by name (nc: Debian's static busybox wget crashes)
	run hull exec cli1 sh -c "$GET | nc -w 1 web 80"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = from-web1 ]
	# a container started later sees the others at once
	run hull run --rm --network nd busybox sh -c "ping -c1 -W1 web1 >/dev/null && $GET | nc -w 1 www 80"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = from-web1 ]
	# docker 25's endpoint: Aliases as given, DNSNames with the name and short id
	run hull inspect --format '{{json .NetworkSettings.Networks.nd.Aliases}} {{json .NetworkSettings.Networks.nd.DNSNames}}' web1
	[ "$output" = "[\"web\",\"www\"] [\"web1\",\"web\",\"www\",\"${ida:0:12}\"]" ]
	# a rename is seen at once
	hull rename cli1 cli2
	[ "$(resolves web1 cli2)" = "$b" ]
	[ "$(resolves web1 cli1)" = "" ]
	run hull inspect --format '{{json .NetworkSettings.Networks.nd.DNSNames}}' cli2
	[ "$output" = "[\"cli2\",\"${idb:0:12}\"]" ]
}

@test "a container that ends leaves the others' /etc/hosts, even with its monitor killed" {
	local c3 mon pid
	hull network create --subnet "$SUB_D" ne >/dev/null
	hull run -d --name keep --network ne busybox sleep 600 >/dev/null
	hull run -d --name gone1 --network ne busybox sleep 600 >/dev/null
	hull run -d --name gone2 --network ne busybox sleep 600 >/dev/null
	c3=$(hull run -d --name gone3 --network ne busybox sleep 600)
	wait_for is_running gone3
	[ -n "$(resolves keep gone1)" ]
	hull rm -f gone1
	[ "$(resolves keep gone1)" = "" ]
	run hull exec keep cat /etc/hosts
	[[ $output != *gone1* ]]
	[[ $output == *gone2* ]]
	hull stop -t 0 gone2
	[ "$(resolves keep gone2)" = "" ]
	# restarted, it is back under its new address
	hull start gone2
	[ "$(resolves keep gone2)" = "$(ip_on gone2 ne)" ]

	# SIGKILL of the container and its monitor: the next command on the network drops it
	mon=$(jq -r .Hull.MonitorPid "$HULL_ROOT/containers/$c3/config.json")
	pid=$(hull inspect --format '{{.State.Pid}}' gone3)
	[ "$mon" -gt 0 ] && [ "$pid" -gt 0 ]
	kill -9 "$mon" "$pid"
	run hull run --rm --network ne busybox cat /etc/hosts
	[ "$status" -eq 0 ]
	[[ $output != *gone3* ]]
	[[ $output == *keep* ]]
	run hull exec keep cat /etc/hosts
	[[ $output != *gone3* ]]
	[ "$(ls /run/hull-net/networks/"$(hull network inspect --format '{{.Id}}' ne)"/hosts | wc -l)" -eq 2 ]
	# the block is the network's: the rest of the file is the container's own
	run hull exec keep sh -c 'grep -c "^# hull network ne" /etc/hosts'
	[ "$output" = 2 ]
}

@test "the default bridge resolves no container name; aliases only on user networks" {
	hull run -d --name onbridge busybox sleep 600 >/dev/null
	wait_for is_running onbridge
	run hull run --rm busybox ping -c1 -W1 onbridge
	[ "$status" -ne 0 ]
	[[ $output == *"bad address 'onbridge'"* ]]
	run hull exec onbridge cat /etc/hosts
	[[ $output != *"# hull network"* ]]
	local n
	for n in bridge host none; do
		run -125 hull run --rm --network "$n" --network-alias x busybox true
		[ "$output" = "hull: network-scoped alias is supported only for containers in user defined networks" ]
	done
	run -125 hull create --network-alias x busybox true
	[ "$output" = "hull: network-scoped alias is supported only for containers in user defined networks" ]
	hull network create --subnet "$SUB_E" nx >/dev/null
	run -125 hull run --rm --network nx --network-alias 'a b' busybox true
	[ "$output" = "hull: invalid network alias \"a b\", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed" ]
	# another network's containers are not resolved either
	hull network create --subnet "$SUB_D" ny >/dev/null
	hull run -d --name iny --network ny busybox sleep 600 >/dev/null
	run hull run --rm --network nx busybox ping -c1 -W1 iny
	[ "$status" -ne 0 ]
	[[ $output == *"bad address 'iny'"* ]]
}
