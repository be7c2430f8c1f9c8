#!/usr/bin/env bats
# IPv6 on user networks (docs/networking.md "IPv6"): network create --ipv6, container
# addresses and routes, names, isolation, --internal, --ip6, publishing on [::] and what is
# left after. Only loopback, the test's own bridges (ULA fd00::/8 subnets) and a network
# namespace of the test's own are used.

load helpers

S6A=fd00:198:a::/64
S6B=fd00:198:b::/64
S6I=fd00:198:c::/64

setup_file() {
	hull_setup_file
	net_skip_routed 172.29.21.0 172.29.22.0 172.29.23.0
	[ -e /proc/net/if_inet6 ] || export NET_SKIP="IPv6 is disabled on this host"
	if [ -z "${NET_SKIP:-}" ] && ip -6 route show | grep -q '^fd00:198:'; then
		export NET_SKIP="the host routes fd00:198::/32 already"
	fi
}

setup() {
	[ -z "${NET_SKIP:-}" ] || skip "$NET_SKIP"
}

teardown() {
	[ ! -s "$BATS_TEST_TMPDIR/udp.pid" ] || kill "$(cat "$BATS_TEST_TMPDIR/udp.pid")" 2>/dev/null || true
	remove_all_ctr_net
	ip netns del hull198t 2>/dev/null || true
	ip link del h198a 2>/dev/null || true
}

teardown_file() {
	remove_all_ctr_net
	hull_teardown_file
}

# serves URL CONTAINER: the container's httpd answers URL (its /hostname) over IPv6
serves() {
	run fetch6 "$1"
	[ "$output" = "${2:0:12}" ]
}

# fetch6 URL: curl (IPv6 literal URLs, never through helpers.bash's dead proxy) with a
# bounded retry until the server answers
fetch6() {
	local i out
	for i in $(seq 50); do
		if out=$(curl --noproxy '*' -g -s -m 5 "$1"); then
			printf '%s\n' "$out"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

@test "network create --ipv6: both subnets, docker's inspect, ls and errors" {
	local id
	# docker 20.10 has no default IPv6 pool
	run -1 hull network create --ipv6 n6x
	[ "$output" = "Error response from daemon: could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network" ]
	run -1 hull network create --subnet "$S6A" n6x
	[ "$output" = "Error response from daemon: an IPv6 --subnet, --gateway or --ip-range needs --ipv6" ]
	run -1 hull network create --ipv6 --subnet fd00:198:a::1/64 n6x
	[ "$output" = "Error response from daemon: invalid subnet fd00:198:a::1/64: it should be fd00:198:a::/64" ]
	run -1 hull network create --ipv6 --subnet "$S6A" --gateway fd00:198:b::1 n6x
	[ "$output" = "Error response from daemon: no matching subnet for gateway fd00:198:b::1" ]
	run -1 hull network create --ipv6 --subnet "$S6A" --ip-range fd00:198:b::/80 n6x
	[ "$output" = "Error response from daemon: no matching subnet for range fd00:198:b::/80" ]
	run -1 hull network create --ipv6 --subnet fe80::/64 n6x
	[ "$output" = "Error response from daemon: invalid subnet fe80::/64: it overlaps fe80::/10" ]
	run hull network ls -q --filter name=n6x
	[ "$output" = "" ]

	id=$(hull network create --ipv6 --subnet 172.29.21.0/24 --subnet "$S6A" --gateway fd00:198:a::fe \
		--ip-range fd00:198:a::100/120 n6)
	run hull network inspect --format '{{.EnableIPv6}} {{json .IPAM.Config}}' n6
	[ "$output" = 'true [{"Subnet":"172.29.21.0/24","Gateway":"172.29.21.1"},{"Subnet":"fd00:198:a::/64","IPRange":"fd00:198:a::100/120","Gateway":"fd00:198:a::fe"}]' ]
	run ip -6 -o addr show dev "br-${id:0:12}" scope global
	[[ $output == *"inet6 fd00:198:a::fe/64 scope global nodad"* ]]
	[ "$(cat /proc/sys/net/ipv6/conf/br-${id:0:12}/accept_dad)" = 0 ]
	run -1 hull network create --ipv6 --subnet fd00:198:a:0:1::/80 n6y
	[ "$output" = "Error response from daemon: Pool overlaps with other one on this address space" ]

	# an IPv4 subnet of docker's pools when none is given
	hull network create --ipv6 --subnet "$S6B" n6b >/dev/null
	run hull network inspect --format '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}};{{end}}' n6b
	[[ $output =~ ^(172\.[0-9]+\.0\.0/16|192\.168\.[0-9]+\.0/20)\ [0-9.]+\;fd00:198:b::/64\ fd00:198:b::1\;$ ]]
	run hull network ls --format '{{.Name}} {{.IPv6}}' --filter name=n6
	[ "$output" = "$(printf 'n6 true\nn6b true')" ]
	run hull network ls --format '{{.Name}} {{.IPv6}}' --filter type=builtin --filter name=bridge
	[ "$output" = "bridge false" ]
	run nft list chain ip6 hullnet "f_${id:0:12}"
	[ "$status" -eq 0 ]
	run hull network rm n6 n6b
	[ "$output" = "$(printf 'n6\nn6b')" ]
	run nft list chain ip6 hullnet "f_${id:0:12}"
	[ "$status" -ne 0 ]
	run ip link show "br-${id:0:12}"
	[ "$status" -ne 0 ]
}

@test "containers of an IPv6 network get addresses, routes and each other's names" {
	local c1 c2 gw
	hull network create --ipv6 --subnet "$S6A" v6a >/dev/null
	c1=$(hull run -d --name v6one --network v6a busybox httpd -f -p 80 -h /etc)
	c2=$(hull run -d --name v6two --network v6a busybox sleep 60)
	wait_for is_running "$c2"
	run hull inspect --format '{{with .NetworkSettings.Networks.v6a}}{{.GlobalIPv6Address}} {{.GlobalIPv6PrefixLen}} {{.IPv6Gateway}}{{end}}|{{.NetworkSettings.GlobalIPv6Address}}' "$c1"
	[ "$output" = "fd00:198:a::2 64 fd00:198:a::1|" ]
	run hull inspect --format '{{.NetworkSettings.Networks.v6a.GlobalIPv6Address}}' "$c2"
	[ "$output" = fd00:198:a::3 ]
	run hull network inspect --format '{{range .Containers}}{{.Name}} {{.IPv6Address}};{{end}}' v6a
	[[ $output == *"v6one fd00:198:a::2/64;"* ]]
	[[ $output == *"v6two fd00:198:a::3/64;"* ]]

	run hull exec v6two ip -6 route show default
	[[ $output == "default via fd00:198:a::1 dev eth0"* ]]
	# no DAD: the address is usable at once
	run hull exec v6two ip -6 -o addr show dev eth0 scope global
	[[ $output == *"fd00:198:a::3/64"* ]]
	[[ $output != *tentative* ]]
	# /etc/hosts: its own IPv6 line, docker's ip6 lines; the others through the resolver,
	# both addresses of each (A and AAAA)
	run hull exec v6two cat /etc/hosts
	[[ $output == *$'::1\tlocalhost ip6-localhost ip6-loopback\n'* ]]
	[[ $output$'\n' == *$'\nfd00:198:a::3\t'"${c2:0:12}"$'\n'* ]]
	[[ $output != *v6one* ]]
	run hull exec v6two nslookup -type=AAAA v6one
	[[ $output == *"Address: fd00:198:a::2"* ]]
	run hull exec v6two nslookup -type=A "${c1:0:12}"
	[[ $output == *"Address: 172."* ]]
	# and back from the IPv6 address, as docker's NAME.NETWORK
	run hull exec v6two nslookup fd00:198:a::2
	[[ $output == *"name = v6one.v6a"* ]]
	# by name over IPv6, ICMP and TCP
	run hull exec v6two ping6 -c1 -W3 v6one
	[ "$status" -eq 0 ]
	[[ $output == *"PING v6one (fd00:198:a::2)"* ]]
	run hull exec v6two sh -c "printf 'GET /hostname HTTP/1.0\r\n\r\n' | nc -w 3 fd00:198:a::2 80"
	[[ $output == *"${c1:0:12}"* ]]
	# the host reaches the container at its address over the bridge
	run fetch6 "http://[fd00:198:a::2]:80/hostname"
	[ "$output" = "${c1:0:12}" ]

	# the addresses are released at the end, and the next one rotates on
	hull rm -f "$c2" >/dev/null
	[ "$(ls /run/hull-net/networks/*/ips6 | grep -c :)" -eq 1 ]
	c2=$(hull run -d --network v6a busybox sleep 60)
	run hull inspect --format '{{.NetworkSettings.Networks.v6a.GlobalIPv6Address}}' "$c2"
	[ "$output" = fd00:198:a::4 ]
	hull stop -t 0 "$c2" >/dev/null
	run hull inspect --format '{{.NetworkSettings.Networks.v6a.GlobalIPv6Address}}|{{.NetworkSettings.Networks.v6a.IPv6Gateway}}' "$c2"
	[ "$output" = "|" ]
	[ "$(ls /run/hull-net/networks/*/ips6 | grep -c :)" -eq 1 ]
}

@test "--ip6 picks the address; refused where docker refuses it; network connect --ip6" {
	local c
	hull network create --ipv6 --subnet 172.29.21.0/24 --subnet "$S6A" --ip-range fd00:198:a::80/124 v6a >/dev/null
	hull network create --subnet 172.29.22.0/24 v4only >/dev/null
	c=$(hull run -d --network v6a --ip6 fd00:198:a::42 busybox sleep 60)
	run hull inspect --format '{{.NetworkSettings.Networks.v6a.GlobalIPv6Address}} {{.NetworkSettings.Networks.v6a.IPAMConfig.IPv6Address}}' "$c"
	[ "$output" = "fd00:198:a::42 fd00:198:a::42" ]
	run hull exec "$c" ip -6 -o addr show dev eth0 scope global
	[[ $output == *"fd00:198:a::42/64"* ]]
	# without --ip6: from the --ip-range
	run hull run --rm --network v6a busybox sh -c 'ip -6 -o addr show dev eth0 scope global'
	[[ $output == *"fd00:198:a::80/64"* ]]

	run -125 hull run --rm --network v6a --ip6 fd00:198:a::42 busybox true
	[[ $output == *"Address already in use"* ]]
	run -125 hull run --rm --network v6a --ip6 fd00:198:b::1 busybox true
	[[ $output == *"Invalid address fd00:198:b::1: It does not belong to any of this network's subnets"* ]]
	run -125 hull create --network v4only --ip6 fd00:198:a::9 busybox true
	[[ $output == *"user specified IP address is supported only when connecting to networks with user configured subnets"* ]]
	for n in bridge host none; do
		run -125 hull create --network "$n" --ip6 fd00:198:a::9 busybox true
		[[ $output == *"user specified IP address is supported on user defined networks only"* ]]
	done
	run -125 hull create --network v6a --ip6 172.29.21.9 busybox true
	[[ $output == *"invalid IPv6 address: 172.29.21.9"* ]]

	# connect --ip6 to a running container of another network; disconnect gives it back
	c=$(hull run -d --network v4only busybox sleep 60)
	hull network connect --ip6 fd00:198:a::77 v6a "$c"
	run hull exec "$c" ip -6 -o addr show scope global
	[[ $output == *"eth1"*"fd00:198:a::77/64"* ]]
	[ -e "$(ls -d /run/hull-net/networks/*/ips6)/fd00:198:a::77" ]
	run -1 hull network connect --ip6 fd00:198:a::78 v4only "$c"
	hull network disconnect v6a "$c"
	[ ! -e "$(ls -d /run/hull-net/networks/*/ips6)/fd00:198:a::77" ]
	run hull exec "$c" ip -6 -o addr show scope global
	[[ $output != *"fd00:198:a::77"* ]]
}

@test "two IPv6 networks are isolated from each other; --internal goes nowhere else" {
	local a b
	hull network create --ipv6 --subnet "$S6A" v6a >/dev/null
	hull network create --ipv6 --subnet "$S6B" v6b >/dev/null
	hull network create --ipv6 --internal --subnet "$S6I" v6i >/dev/null
	b=$(hull run -d --network v6b busybox sleep 60)
	wait_for is_running "$b"
	# forwarding is on (docker enables it for IPv6 networks): only the isolation stops it
	[ "$(cat /proc/sys/net/ipv6/conf/all/forwarding)" = 1 ]
	run hull run --rm --network v6b busybox ping6 -c1 -W2 fd00:198:b::2
	[ "$status" -eq 0 ]
	run hull run --rm --network v6a busybox ping6 -c1 -W2 fd00:198:b::2
	[ "$status" -eq 1 ]
	[[ $output == *"1 packets transmitted, 0 packets received"* ]]

	# a peer of the test's own with a route back: a network that is not internal reaches
	# it (without NAT, as docker 20.10), an internal one does not, whatever route it sets
	ip netns add hull198t
	ip link add h198a type veth peer name h198b netns hull198t
	ip addr add fd00:198:99::1/64 dev h198a nodad
	ip link set h198a up
	ip -n hull198t addr add fd00:198:99::2/64 dev h198b nodad
	ip -n hull198t link set h198b up
	ip -n hull198t -6 route add default via fd00:198:99::1
	run hull run --rm --network v6a busybox ping6 -c1 -W3 fd00:198:99::2
	[ "$status" -eq 0 ]
	run hull run --rm --network v6i busybox ip -6 route show default
	[ "$output" = "" ]
	run hull run --rm --network v6i --cap-add NET_ADMIN busybox sh -c \
		'ip -6 route add default via fd00:198:c::1 || exit 3; ping6 -c1 -W1 fd00:198:99::2'
	[ "$status" -eq 1 ]
	[[ $output == *"1 packets transmitted, 0 packets received"* ]]
	# the internal network's container still reaches its gateway and neighbours
	run hull run --rm --network v6i busybox ping6 -c1 -W2 fd00:198:c::1
	[ "$status" -eq 0 ]
}

@test "publishing on an IPv6 network: 0.0.0.0 and [::], hull port, a taken port" {
	local c c4 cb id gw
	id=$(hull network create --ipv6 --subnet "$S6A" v6a)
	hull network create --subnet 172.29.22.0/24 v4only >/dev/null
	c=$(hull run -d --network v6a -p 18198:80 -p '[fd00:198:a::1]:18199:80' busybox httpd -f -p 80 -h /etc)
	wait_for is_running "$c"
	run hull port "$c"
	[ "$output" = "$(printf '80/tcp -> 0.0.0.0:18198\n80/tcp -> fd00:198:a::1:18199\n80/tcp -> :::18198')" ]
	run hull port "$c" 80
	[ "$output" = "$(printf '0.0.0.0:18198\nfd00:198:a::1:18199\n:::18198')" ]
	run hull inspect --format '{{json .NetworkSettings.Ports}}' "$c"
	[ "$output" = '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"18198"},{"HostIp":"fd00:198:a::1","HostPort":"18199"},{"HostIp":"::","HostPort":"18198"}]}' ]
	run fetch http://127.0.0.1:18198/hostname
	[ "$output" = "${c:0:12}" ]
	# a host address of the test's bridge, on [::] and on the bound address
	serves "http://[fd00:198:a::1]:18198/hostname" "$c"
	serves "http://[fd00:198:a::1]:18199/hostname" "$c"
	# [::1] cannot be DNATed into a container: the [::] port's proxy relays it to the
	# container's IPv6 address, as docker-proxy does
	serves "http://[::1]:18198/hostname" "$c"
	[ "$(proxies)" -eq 1 ]

	# a container without an IPv6 address: every IPv6 port goes through the proxy to its
	# IPv4 one (docker-proxy's relay), on a user network and on the default bridge
	c4=$(hull run -d --network v4only -p '[::]:18200:80' busybox httpd -f -p 80 -h /etc)
	cb=$(hull run -d -p '[fd00:198:a::1]:18202:80' busybox httpd -f -p 80 -h /etc)
	serves "http://[::1]:18200/hostname" "$c4"
	serves "http://[fd00:198:a::1]:18200/hostname" "$c4"
	serves "http://[fd00:198:a::1]:18202/hostname" "$cb"
	run -0 hull port "$c4"
	[ "$output" = '80/tcp -> :::18200' ]
	# no DNAT element for them: the container has no IPv6 address to send them to
	run nft list table ip6 hullnet
	[[ $output != *18200* && $output != *18202* ]]
	[ "$(proxies)" -eq 3 ]
	hull rm -f "$c4" "$cb" >/dev/null
	[ "$(proxies)" -eq 1 ]

	# [::]:18201 taken by another program (0.0.0.0:18201 free): docker's message, nothing left
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("::", 18201)); s.listen()
sys.stdout.write("ready\n"); sys.stdout.flush(); time.sleep(20)' >"$BATS_TEST_TMPDIR/py" &
	local py=$!
	wait_for grep -q ready "$BATS_TEST_TMPDIR/py"
	run -125 hull run --rm --network v6a -p 18201:80 busybox true
	kill "$py"
	[ "$output" = "hull: Bind for :::18201 failed: port is already allocated" ]
	run nft list table ip6 hullnet
	[[ $output != *18201* ]]
	run nft list table ip hull
	[[ $output != *18201* ]]
	[ "$(ls /run/hull-net/networks/"$id"/ips6 | wc -l)" -eq 1 ]
	[ "$(ls /run/hull-net/networks/"$id"/ips | wc -l)" -eq 1 ]
}

# udp6_ask PORT WORD: send WORD to [::1]:PORT over UDP, print the first reply (2 s at most)
udp6_ask() {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(sys.argv[2].encode(), ("::1", int(sys.argv[1])))
try:
    print(s.recvfrom(100)[0].decode().strip())
except socket.timeout:
    print("timeout")' "$1" "$2"
}

# proxies: the hull-proxy processes of this host (this test's network namespace's only)
proxies() {
	local p n=0
	for p in $(pgrep -x hull-proxy); do
		[ "$(readlink /proc/"$p"/ns/net)" = "$(readlink /proc/self/ns/net)" ] && n=$((n + 1))
	done
	echo "$n"
}

@test "[::1] is published through a proxy: on the default bridge and an IPv6 network, TCP and UDP, past a killed monitor" {
	local c c6 cu mon
	hull network create --ipv6 --subnet "$S6A" v6a >/dev/null
	# the default bridge: the container has no IPv6 address, the proxy reaches its IPv4 one
	c=$(hull run -d -p '[::1]:18203:80' -p 127.0.0.1:18204:80 busybox httpd -f -p 80 -h /etc)
	c6=$(hull run -d --network v6a -p '[::1]:18205:80' busybox httpd -f -p 80 -h /etc)
	# busybox has no UDP server: the host's python answers in the container's network namespace
	cu=$(hull run -d -p '[::1]:18206:9999/udp' busybox sleep 600)
	wait_for is_running "$cu"
	nsenter --net="/proc/$(hull inspect --format '{{.State.Pid}}' "$cu")/ns/net" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9999))
while True:
    d, a = s.recvfrom(100)
    s.sendto(b"pong-" + d, a)' 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/udp.pid"
	wait_for is_running "$c"
	run fetch6 "http://[::1]:18203/hostname"
	[ "$output" = "${c:0:12}" ]
	run fetch6 "http://[::1]:18205/hostname"
	[ "$output" = "${c6:0:12}" ]
	run fetch http://127.0.0.1:18204/hostname
	[ "$output" = "${c:0:12}" ]
	run udp6_ask 18206 ping
	[ "$output" = pong-ping ]
	run hull port "$c"
	[ "$output" = "$(printf '80/tcp -> ::1:18203\n80/tcp -> 127.0.0.1:18204')" ]
	run hull inspect --format '{{json .NetworkSettings.Ports}}' "$c6"
	[ "$output" = '{"80/tcp":[{"HostIp":"::1","HostPort":"18205"}]}' ]
	# a large body both ways, and a half-close: the client's end of file reaches the server
	head -c 3000000 /dev/urandom >"$BATS_TEST_TMPDIR/big"
	hull cp "$BATS_TEST_TMPDIR/big" "$c:/etc/big"
	curl --noproxy '*' -g -s -m 20 -o "$BATS_TEST_TMPDIR/got" "http://[::1]:18203/big"
	cmp "$BATS_TEST_TMPDIR/big" "$BATS_TEST_TMPDIR/got"
	# the port is the proxy's and no DNAT element of hull's names it
	run nft list ruleset
	[[ $output != *18203* && $output != *18205* && $output != *18206* ]]
	[ "$(proxies)" -eq 3 ]
	# a second container cannot take it
	run -125 hull run --rm -p '[::1]:18203:80' busybox true
	[ "$output" = "hull: Bind for ::1:18203 failed: port is already allocated" ]

	# the monitor killed: the container's port keeps answering until hull reclaims it
	mon=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['Hull']['MonitorPid'])" \
		"$HULL_ROOT/containers/$c/config.json")
	kill -9 "$mon"
	wait_for pids_dead "$mon"
	run fetch6 "http://[::1]:18203/hostname"
	[ "$output" = "${c:0:12}" ]
	run hull inspect --format '{{.State.Status}}' "$c"
	[ "$output" = exited ]
	run curl --noproxy '*' -g -s -m 5 "http://[::1]:18203/hostname"
	[ "$status" -eq 7 ]
	[ "$(proxies)" -eq 2 ]

	# the end of each container ends its proxy and frees the port at once
	hull stop -t 1 "$c6" >/dev/null
	[ "$(proxies)" -eq 1 ]
	c6=$(hull run -d --network v6a -p '[::1]:18205:80' busybox httpd -f -p 80 -h /etc)
	run fetch6 "http://[::1]:18205/hostname"
	[ "$output" = "${c6:0:12}" ]
	# disconnected from its network, the container publishes nothing any more
	[ "$(proxies)" -eq 2 ]
	hull network disconnect v6a "$c6"
	[ "$(proxies)" -eq 1 ]
	run curl --noproxy '*' -g -s -m 5 "http://[::1]:18205/hostname"
	[ "$status" -eq 7 ]
	hull rm -f "$c" "$c6" "$cu" >/dev/null
	[ "$(proxies)" -eq 0 ]
	kill "$(cat "$BATS_TEST_TMPDIR/udp.pid")"
}

@test "a host range whose first port is taken on [::] only: the next port, for both families" {
	local c py
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("::", 18220)); s.listen()
sys.stdout.write("ready\n"); sys.stdout.flush(); time.sleep(30)' >"$BATS_TEST_TMPDIR/py" &
	py=$!
	wait_for grep -q ready "$BATS_TEST_TMPDIR/py"
	c=$(hull run -d -p 18220-18222:80 busybox httpd -f -p 80 -h /etc)
	run -0 hull port "$c"
	[ "$output" = "$(printf '80/tcp -> 0.0.0.0:18221\n80/tcp -> :::18221')" ]
	serves "http://[::1]:18221/hostname" "$c"
	# every port of the range taken on [::]: docker's message, nothing left
	hull rm -f "$c" >/dev/null
	run -125 hull run --rm -p 18220-18220:80 busybox true
	[ "$output" = "hull: Bind for :::18220 failed: port is already allocated" ]
	kill "$py"
}

@test "the proxy takes nothing from a hull bridge: IPv6 keeps the isolation IPv4 has" {
	local t c6 c4 pid id4 srv
	hull network create --ipv6 --subnet "$S6A" v6a >/dev/null
	id4=$(hull network create --internal --subnet 172.29.23.0/24 v4int)
	# a container without IPv6 on hull0: its [::] port is the proxy's
	t=$(hull run -d -p 18210:80 busybox httpd -f -p 80 -h /etc)
	c6=$(hull run -d --network v6a busybox sleep 600)
	c4=$(hull run -d --network v4int busybox sleep 600)
	wait_for is_running "$t"
	# the host reaches it on an address of the IPv6 network's bridge
	serves "http://[fd00:198:a::1]:18210/hostname" "$t"
	# a container of that network does not: IPv4 would drop it in the forward hook
	pid=$(hull inspect -f '{{.State.Pid}}' "$c6")
	run nsenter -t "$pid" -n curl --noproxy '*' -g -s -m 3 "http://[fd00:198:a::1]:18210/hostname"
	[ "$status" -ne 0 ]
	run nft list chain ip6 hullnet input
	[[ $output == *"socket mark 0x68756c6c drop"* ]]
	# the host's own services on the gateway stay reachable from it
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 18211)); s.listen(); sys.stdout.write("ready\n"); sys.stdout.flush()
c, _ = s.accept(); c.sendall(b"host-service\n"); c.close()' >"$BATS_TEST_TMPDIR/srv" &
	srv=$!
	wait_for grep -q ready "$BATS_TEST_TMPDIR/srv"
	run nsenter -t "$pid" -n curl --noproxy '*' -g -s -m 3 "telnet://[fd00:198:a::1]:18211" </dev/null
	kill "$srv" 2>/dev/null || true
	[[ $output == *host-service* ]]
	# hull0 and a network without --ipv6: no IPv6 on the bridge, so no way to the host over it
	[ "$(cat /proc/sys/net/ipv6/conf/hull0/disable_ipv6)" = 1 ]
	[ "$(cat "/proc/sys/net/ipv6/conf/br-${id4:0:12}/disable_ipv6")" = 1 ]
	run ip -6 addr show dev "br-${id4:0:12}"
	[ -z "$output" ]
	run ip -6 addr show dev hull0
	[ -z "$output" ]
	hull rm -f "$t" "$c6" "$c4" >/dev/null
}

@test "a killed monitor's IPv6 address and ports are reclaimed; nothing is left after prune" {
	local id id2 c c2 mon
	id=$(hull network create --ipv6 --subnet "$S6A" v6a)
	id2=$(hull network create --ipv6 --internal --subnet "$S6I" v6i)
	c=$(hull run -d --network v6a -p 18202:80 busybox httpd -f -p 80 -h /etc)
	c2=$(hull run -d --network v6i busybox sleep 60)
	wait_for is_running "$c"
	run fetch6 "http://[fd00:198:a::1]:18202/hostname"
	[ "$output" = "${c:0:12}" ]
	mon=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['Hull']['MonitorPid'])" \
		"$HULL_ROOT/containers/$c/config.json")
	[ "$mon" -gt 0 ]
	kill -9 "$mon"
	wait_for pids_dead "$mon"
	run hull inspect --format '{{.State.Status}} {{.NetworkSettings.Networks.v6a.GlobalIPv6Address}}' "$c"
	[ "$output" = "exited " ]
	[ "$(ls /run/hull-net/networks/"$id"/ips6 | wc -l)" -eq 0 ]
	run nft list map ip6 hullnet tcp_any
	[[ $output != *18202* ]]
	# the port is free again: a new container takes it on both families
	c=$(hull run -d --network v6a -p 18202:80 busybox httpd -f -p 80 -h /etc)
	run fetch6 "http://[fd00:198:a::1]:18202/hostname"
	[ "$output" = "${c:0:12}" ]

	hull rm -f "$c" "$c2" >/dev/null
	run hull network prune -f
	[ "$output" = "$(printf 'Deleted Networks:\nv6a\nv6i')" ]
	local n leftovers=0
	for n in "$id" "$id2"; do
		ip link show "br-${n:0:12}" >/dev/null 2>&1 && leftovers=$((leftovers + 1))
		nft list table ip6 hullnet | grep -q -e "_${n:0:12}" -e "br-${n:0:12}" && leftovers=$((leftovers + 1))
		nft list table ip hullnet | grep -q -e "_${n:0:12}" -e "br-${n:0:12}" && leftovers=$((leftovers + 1))
		[ -e "/run/hull-net/networks/$n" ] && leftovers=$((leftovers + 1))
	done
	for n in "$c" "$c2"; do
		ip link show "hv${n:0:10}" >/dev/null 2>&1 && leftovers=$((leftovers + 1))
	done
	nft list table ip6 hullnet | grep -q 18202 && leftovers=$((leftovers + 1))
	nft list table ip hull | grep -q 18202 && leftovers=$((leftovers + 1))
	[ "$leftovers" -eq 0 ]
	[ -z "$(ip -6 route show | grep fd00:198:)" ]
}

@test "SCTP on [::] of a container with IPv6 is DNATed; [::1] and a container without IPv6 are refused" {
	local c
	hull network create --ipv6 --subnet 172.29.21.0/24 --subnet "$S6A" sx6 >/dev/null
	c=$(hull run -d --network sx6 -p '[::]:19160:80/sctp' -p '[fd00:198:a::1]:19161:80/sctp' \
		busybox sleep 60)
	run hull port "$c" 80/sctp
	[[ $output == *"19160"* && $output == *"19161"* ]]
	run nft list map ip6 hullnet sctp_any
	[[ $output == *"19160 : fd00:198:a::2 . 80"* ]]
	run nft list map ip6 hullnet sctp_addr
	[[ $output == *"fd00:198:a::1 . 19161 : fd00:198:a::2 . 80"* ]]
	# the same port on every IPv6 address again: taken
	run -125 hull run --rm --network sx6 -p '[::]:19160:80/sctp' busybox true
	[[ $output == *"Bind for :::19160 failed: port is already allocated"* || $output == *"port is already allocated"* ]]
	run -125 hull run --rm --network sx6 -p '[::1]:19162:80/sctp' busybox true
	[[ $output == *"cannot publish 80/sctp on [::1]"* ]]
	run -125 hull run --rm -p '[::]:19163:80/sctp' busybox true
	[[ $output == *"cannot publish 80/sctp on [::]"* ]]
	hull rm -f "$c" >/dev/null
	run nft list map ip6 hullnet sctp_any
	[[ $output != *"19160"* ]]
	# one lock file per family, whatever the ports
	[ -f /run/hull-net/sctp-ports6 ] && [ ! -s /run/hull-net/sctp-ports6 ]
	[ ! -e /run/hull-net/sctp ]
}

@test "an --ipv6 leftover reclaimed by another store loses its ip6 pieces too" {
	local old x
	mkdir -p "$BATS_TEST_TMPDIR/gone"
	old=$(HULL_ROOT=$BATS_TEST_TMPDIR/gone hull network create --ipv6 --subnet 172.29.22.0/24 \
		--subnet "$S6B" -o com.docker.network.bridge.name=hull198lost lost6)
	x=${old:0:12}
	rm -rf "$BATS_TEST_TMPDIR/gone"
	ip link del hull198lost
	hull network create --subnet 172.29.22.0/24 took >/dev/null
	run nft list table ip6 hullnet
	[[ $output != *"_$x"* && $output != *hull198lost* ]]
	# so the bridge's name can be used again, with IPv6
	hull network rm took >/dev/null
	hull network create --ipv6 --subnet 172.29.22.0/24 --subnet "$S6B" \
		-o com.docker.network.bridge.name=hull198lost again6 >/dev/null
	hull network rm again6 >/dev/null
}
