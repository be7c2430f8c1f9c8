#!/usr/bin/env bats
# User-defined bridge networks: network create|ls|inspect|rm|prune, run --network NAME,
# isolation between networks, --internal, published ports, and what is left after.
# Only loopback and the addresses of the test's own bridges are used.

load helpers

# Subnets of the tests that give one: skipped where the host routes them already.
SUB_A=172.29.11.0/24
SUB_B=172.29.12.0/24
SUB_I=172.29.13.0/24

setup_file() {
	hull_setup_file
	net_skip_routed 172.29.11.0 172.29.12.0 172.29.13.0 172.29.99.0
}

setup() {
	[ -z "${NET_SKIP:-}" ] || skip "$NET_SKIP"
}

teardown() {
	remove_all_ctr_net
	ip netns del hull195t 2>/dev/null || true
	ip link del h195a 2>/dev/null || true
	ip link del h195v 2>/dev/null || true
	ip link del hulltst195f 2>/dev/null || true
}

teardown_file() {
	remove_all_ctr_net
	hull_teardown_file
}

# reach FROM_NETWORK IP: one nc exchange with the httpd at IP:80, bounded by -w 1
reach() {
	hull run --rm --network "$1" busybox sh -c \
		"printf 'GET /hostname HTTP/1.0\r\n\r\n' | nc -w 1 $2 80"
}

@test "network ls lists the predefined networks, which cannot be removed" {
	run hull network ls --format '{{.Name}} {{.Driver}} {{.Scope}}' --filter type=builtin
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'bridge bridge local\nhost host local\nnone null local')" ]
	run hull network ls
	[ "${lines[0]}" = "NETWORK ID     NAME      DRIVER    SCOPE" ]
	run hull network inspect --format '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{index .Options "com.docker.network.bridge.name"}}' bridge
	[ "$output" = "10.89.0.0/16 10.89.0.1 hull0" ]
	local id
	id=$(hull network inspect --format '{{.Id}}' host)
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	for n in bridge host none; do
		run -1 hull network rm "$n"
		[ "$output" = "Error response from daemon: $n is a pre-defined network and cannot be removed" ]
	done
	run -1 hull network rm "${id:0:12}"
	[ "$output" = "Error response from daemon: host is a pre-defined network and cannot be removed" ]
	run -1 hull network inspect nosuchnet
	[ "${lines[-1]}" = "Error: No such network: nosuchnet" ]
}

@test "network create: the record, docker's inspect shape, ls filters and errors" {
	local id sub
	id=$(hull network create --label team=blue --label solo nt1)
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	run hull network inspect nt1
	[ "$status" -eq 0 ]
	run jq -c '.[0] | keys_unsorted' <<<"$output"
	[ "$output" = '["Name","Id","Created","Scope","Driver","EnableIPv6","IPAM","Internal","Attachable","Ingress","ConfigFrom","ConfigOnly","Containers","Options","Labels"]' ]
	run hull network inspect --format '{{.Name}} {{.Id}} {{.Scope}} {{.Driver}} {{.EnableIPv6}} {{.IPAM.Driver}} {{.Internal}} {{.Attachable}} {{len .Containers}} {{json .Labels}}' "${id:0:10}"
	[ "$output" = "nt1 $id local bridge false default false false 0 {\"solo\":\"\",\"team\":\"blue\"}" ]
	# an automatic subnet of docker's pools, routed through the network's own bridge only
	sub=$(hull network inspect --format '{{range .IPAM.Config}}{{.Subnet}}{{end}}' nt1)
	[[ $sub =~ ^(172\.(1[89]|2[0-9]|3[01])\.0\.0/16|192\.168\.[0-9]+\.0/20)$ ]]
	run ip -4 route show "$sub"
	[[ $output == "$sub dev br-${id:0:12} "* ]]
	[ "${#lines[@]}" -eq 1 ]
	run hull network inspect --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}' nt1
	[ "$output" = "${sub%.0/*}.1" ]

	run hull network ls -q --filter name=nt1
	[ "$output" = "${id:0:12}" ]
	run hull network ls --no-trunc -q --filter label=team=blue
	[ "$output" = "$id" ]
	run hull network ls -q --filter label=team=red
	[ "$output" = "" ]
	run hull network ls --format '{{.Name}}' --filter driver=null
	[ "$output" = none ]
	run hull network ls --format '{{.Name}} {{.Internal}} {{.Label "team"}}' --filter "id=${id:0:8}"
	[ "$output" = "nt1 false blue" ]
	run -1 hull network ls --filter bogus=1
	[ "$output" = "Error response from daemon: invalid filter 'bogus'" ]

	run -1 hull network create nt1
	[ "$output" = "Error response from daemon: network with name nt1 already exists" ]
	run -1 hull network create --subnet "$sub" nt2
	[ "$output" = "Error response from daemon: Pool overlaps with other one on this address space" ]
	run -1 hull network create --subnet 10.89.5.0/24 nt2
	[ "$output" = "Error response from daemon: Pool overlaps with other one on this address space" ]
	run -1 hull network create --driver overlay nt2
	[ "$output" = 'Error response from daemon: plugin "overlay" not found' ]
	run -1 hull network create --gateway 172.29.11.1 nt2
	[[ $output == *"every ip-range or gateway must have a corresponding subnet"* ]]
	run -1 hull network create --subnet 172.29.11.0/24 --gateway 172.29.12.1 nt2
	[[ $output == *"no matching subnet for gateway 172.29.12.1"* ]]
	run -1 hull network create -o com.docker.network.bridge.enable_icc=false nt2
	[[ $output == *'"com.docker.network.bridge.enable_icc" is not supported'* ]]
	run -1 hull network connect nt1 x
	[ "$output" = "Error response from daemon: No such container: x" ]
	# docker 20.10 has no default IPv6 pools: --ipv6 needs an IPv6 --subnet (198-ipv6.bats)
	run -1 hull network create --ipv6 nt2
	[ "$output" = "Error response from daemon: could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network" ]
	run hull network ls -q --filter name=nt2
	[ "$output" = "" ]

	# -o com.docker.network.bridge.name names the bridge; --gateway picks its address
	hull network create -o com.docker.network.bridge.name=hulltst195 --subnet "$SUB_A" --gateway 172.29.11.254 nt3
	run ip -4 -o addr show dev hulltst195
	[[ $output == *"inet 172.29.11.254/24"* ]]
	run hull network inspect --format '{{json .Options}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}' nt3
	[ "$output" = "{\"com.docker.network.bridge.name\":\"hulltst195\"} $SUB_A 172.29.11.254" ]

	hull network create --attachable nt4
	run hull network inspect --format '{{.Attachable}}' nt4
	[ "$output" = true ]

	run hull network rm nt1 nt3 nt4
	[ "$output" = "$(printf 'nt1\nnt3\nnt4')" ]
	run ip link show "br-${id:0:12}"
	[ "$status" -ne 0 ]
	run ip link show hulltst195
	[ "$status" -ne 0 ]
	run -1 hull network rm nt1
	[ "$output" = "Error response from daemon: network nt1 not found" ]
	run hull network rm -f nt1
	[ "$status" -eq 0 ]
}

@test "containers of one network reach each other, other networks and the default bridge cannot" {
	local ida idb
	ida=$(hull network create --subnet "$SUB_A" na)
	idb=$(hull network create --subnet "$SUB_B" nb)
	hull run -d --name srv --network na --ip 172.29.11.10 busybox httpd -f -p 80 -h /etc
	hull run -d --name dflt busybox httpd -f -p 80 -h /etc
	wait_for is_running srv
	run hull inspect --format '{{.NetworkSettings.IPAddress}}|{{with index .NetworkSettings.Networks "na"}}{{.IPAddress}} {{.IPPrefixLen}} {{.Gateway}} {{.NetworkID}} {{.MacAddress}} {{.IPAMConfig.IPv4Address}}{{end}}' srv
	[ "$output" = "|172.29.11.10 24 172.29.11.1 $ida 02:42:ac:1d:0b:0a 172.29.11.10" ]
	run hull inspect --format '{{.HostConfig.NetworkMode}}' srv
	[ "$output" = na ]
	# by id prefix too, with --ip
	run hull run --rm --network "${ida:0:12}" --ip 172.29.11.11 busybox ip -o -4 addr show eth0
	[ "$status" -eq 0 ]
	[[ $output == *"inet 172.29.11.11/24"* ]]

	# same network: by address, both ways
	run reach na 172.29.11.10
	[ "$status" -eq 0 ]
	[[ $output == *"HTTP/1.1 200 OK"* ]]
	[ "${lines[-1]}" = "$(hull inspect --format '{{.Config.Hostname}}' srv)" ]
	run hull run --rm --network na busybox ping -c1 -W3 172.29.11.10
	[ "$status" -eq 0 ]
	# another user network, and the default bridge, are isolated from it and it from them
	run ! reach nb 172.29.11.10
	run ! reach bridge 172.29.11.10
	local dip
	dip=$(hull inspect --format '{{.NetworkSettings.IPAddress}}' dflt)
	run ! reach na "$dip"
	run reach bridge "$dip"
	[ "$status" -eq 0 ]

	run hull network inspect --format '{{range $id, $c := .Containers}}{{$c.Name}} {{$c.IPv4Address}} {{$c.MacAddress}}{{end}}' na
	[ "$output" = "srv 172.29.11.10/24 02:42:ac:1d:0b:0a" ]
	run hull network inspect --format '{{len .Containers}}' nb
	[ "$output" = 0 ]

	# a taken or foreign --ip, and what is not in this slice
	run -125 hull run --rm --network na --ip 172.29.11.10 busybox true
	[[ $output == *"Address already in use"* ]]
	run -125 hull run --rm --network na --ip 172.29.12.5 busybox true
	[[ $output == *"Invalid address 172.29.12.5: It does not belong to any of this network's subnets"* ]]
	run -125 hull run --rm --ip 10.89.0.50 busybox true
	[[ $output == *"user specified IP address is supported on user defined networks only"* ]]
	run -125 hull run --rm --network nosuchnet busybox true
	[[ $output == *"network nosuchnet not found"* ]]

	run -1 hull network rm na
	[ "$output" = "Error response from daemon: error while removing network: network na id $ida has active endpoints" ]
	hull rm -f srv dflt
	run hull network rm na nb
	[ "$output" = "$(printf 'na\nnb')" ]
}

@test "--internal: no route off the bridge, no masquerade, no published port" {
	local id
	id=$(hull network create --internal --subnet "$SUB_I" ni)
	run hull network inspect --format '{{.Internal}}' ni
	[ "$output" = true ]
	# one route, the bridge's subnet: no default route
	run hull run --rm --network ni busybox ip route
	[ "$status" -eq 0 ]
	[[ $output =~ ^172\.29\.13\.0/24\ dev\ eth0\ scope\ link\ +src\ 172\.29\.13\.[0-9]+\ ?$ ]]
	# the bridge is reachable (the host's address on it), the forward chain drops the rest
	run hull run --rm --network ni busybox ping -c1 -W3 172.29.13.1
	[ "$status" -eq 0 ]
	run nft list chain ip hullnet "f_${id:0:12}"
	[ "$(grep -cx $'\t\tdrop' <<<"$output")" -eq 1 ]
	run nft list map ip hullnet nat_src
	[[ $output != *"m_${id:0:12}"* ]]
	# docker publishes nothing from an internal network
	run hull run -d --name ipub --network ni -p 127.0.0.1:18196:80 busybox httpd -f -p 80 -h /etc
	[ "$status" -eq 0 ]
	[[ $output == *"WARNING: Published ports are discarded when using an internal network"* ]]
	run curl -s -m 1 http://127.0.0.1:18196/hostname
	[ "$status" -ne 0 ]
	hull rm -f ipub
	hull network rm ni
}

@test "a published port of a container on a user network answers on 127.0.0.1" {
	hull network create --subnet "$SUB_A" np
	hull run -d --name pub --network np -p 127.0.0.1:18195:80 busybox sh -c 'mkdir /w && echo hello-net > /w/index.html && exec httpd -f -p 80 -h /w'
	run fetch http://127.0.0.1:18195/index.html
	[ "$status" -eq 0 ]
	[ "$output" = hello-net ]
	run hull inspect --format '{{json .NetworkSettings.Ports}}' pub
	[ "$output" = '{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"18195"}]}' ]
	hull rm -f pub
	run curl -s -m 1 http://127.0.0.1:18195/index.html
	[ "$status" -ne 0 ]
	hull network rm np
}

@test "without an MTU option the link is 64 KiB wide and the default route keeps docker's 1500" {
	local c pid
	c=$(hull run -d --network default busybox sleep 600)
	pid=$(hull inspect -f '{{.State.Pid}}' "$c")
	[ "$(cat /sys/class/net/hv${c:0:10}/mtu)" = 65535 ]
	run -0 hull exec "$c" cat /sys/class/net/eth0/mtu
	[ "$output" = 65535 ]
	run -0 nsenter -t "$pid" -n ip route show default
	[ "$output" = "default via 10.89.0.1 dev eth0 mtu 1500 " ]
	# what leaves the host is sized by the route, the host and the bridge by the link
	run -0 nsenter -t "$pid" -n ip route get 192.0.2.1
	[[ $output == *"mtu 1500"* ]]
	run -0 nsenter -t "$pid" -n ip route get 10.89.0.1
	[[ $output != *mtu* ]]
	hull rm -f "$c" >/dev/null
}

@test "-o com.docker.network.driver.mtu: the bridge and both ends of each veth take it" {
	local id c
	id=$(hull network create --subnet "$SUB_A" -o com.docker.network.driver.mtu=9000 nmtu)
	c=$(hull run -d --network nmtu -p 127.0.0.1:18196:80 busybox sh -c 'mkdir /w && head -c 200000 /dev/zero > /w/z && exec httpd -f -p 80 -h /w')
	hull network create --subnet "$SUB_B" nplain >/dev/null
	hull network connect nplain "$c"
	[ "$(cat /sys/class/net/br-${id:0:12}/mtu)" = 9000 ]
	[ "$(cat /sys/class/net/hv${c:0:10}/mtu)" = 9000 ]
	run hull exec "$c" cat /sys/class/net/eth0/mtu /sys/class/net/eth1/mtu
	[ "$output" = "$(printf '9000\n65535')" ]
	# the network's MTU is the default route's too: no metric on it
	run -0 nsenter -t "$(hull inspect -f '{{.State.Pid}}' "$c")" -n ip route show default
	[ "$output" = "default via ${SUB_A%.0/24}.1 dev eth0 " ]
	run hull network inspect --format '{{index .Options "com.docker.network.driver.mtu"}}' nmtu
	[ "$output" = 9000 ]
	# bodies larger than a 1500-byte frame cross the bridge
	[ "$(curl -s -m 5 --noproxy '*' http://127.0.0.1:18196/z | wc -c)" = 200000 ]
	hull rm -f "$c" >/dev/null
	run -1 hull network create -o com.docker.network.driver.mtu=big nm2
	[ "$output" = 'Error response from daemon: failed to parse com.docker.network.driver.mtu value: big (strconv.Atoi: parsing "big": invalid syntax)' ]
	run -1 hull network create -o com.docker.network.driver.mtu=67 nm2
	[ "$output" = "Error response from daemon: invalid MTU number: 67" ]
	run -1 hull network create -o com.docker.network.driver.mtu=65536 nm2
	[ "$output" = "Error response from daemon: invalid MTU number: 65536" ]
	hull network rm nmtu nplain >/dev/null
}

@test "a user network's container publishes on a host where no default-bridge container ran yet" {
	# a network namespace of this test's own (tests/isolated): no hull0, no "ip hull"
	# table, as on a host just booted; publishing used to fail there with nft's
	# "No such file or directory" for the missing table
	run -0 "$TOP/tests/isolated" bash -c '
		set -e
		"$HULL" network create --subnet "'"$SUB_A"'" fresh >/dev/null
		"$HULL" run -d --name fresh1 --network fresh -p 127.0.0.1:18194:80 busybox \
			sh -c "mkdir /w && echo fresh-ok > /w/index.html && exec httpd -f -p 80 -h /w" >/dev/null
		for i in $(seq 50); do curl -s -m 5 http://127.0.0.1:18194/index.html && break; sleep 0.1; done
		"$HULL" rm -f fresh1 >/dev/null
		"$HULL" network rm fresh >/dev/null'
	[ "$output" = fresh-ok ]
}

@test "after rm -f and network prune nothing of the networks is left" {
	local n1 n2 c1 c2 c3
	n1=$(hull network create --subnet "$SUB_A" pa)
	n2=$(hull network create --internal --subnet "$SUB_I" pb)
	hull network create --subnet "$SUB_B" pc >/dev/null
	c1=$(hull run -d --network pa -p 127.0.0.1:18197:80 busybox httpd -f -p 80 -h /etc)
	c2=$(hull run -d --network pa busybox sleep 60)
	c3=$(hull run -d --network pb busybox sleep 60)
	wait_for is_running "$c3"
	[ "$(ip -o link show master "br-${n1:0:12}" | wc -l)" -eq 2 ]
	[ "$(ls /run/hull-net/networks/"$n1"/ips | wc -l)" -eq 2 ]
	# a stopped container gives its address back, and shows none (docker)
	hull stop -t 0 "$c2"
	[ "$(ls /run/hull-net/networks/"$n1"/ips | wc -l)" -eq 1 ]
	run hull inspect --format '{{.NetworkSettings.Networks.pa.IPAddress}}|{{.NetworkSettings.Networks.pa.NetworkID}}' "$c2"
	[ "$output" = "|$n1" ]

	# prune keeps the networks in use
	run hull network prune -f
	[ "$output" = "$(printf 'Deleted Networks:\npc')" ]
	run hull network ls --format '{{.Name}}' --filter type=custom
	[ "$output" = "$(printf 'pa\npb')" ]

	# each running container of a user network has its resolver from its first query on
	local res1 res3
	hull exec "$c1" nslookup "${c1:0:12}" >/dev/null
	hull exec "$c3" nslookup "${c3:0:12}" >/dev/null
	res1=$(pgrep -f "^[^ ]*hull-resolver --ctr $c1")
	res3=$(pgrep -f "^[^ ]*hull-resolver --ctr $c3")
	[ -n "$res1" ] && [ -n "$res3" ]
	hull rm -f "$c1" "$c2" "$c3"
	run hull network prune -f
	[ "$output" = "$(printf 'Deleted Networks:\npa\npb')" ]

	local id p leftovers=0
	wait_for pids_dead "$res1" "$res3"
	# no resolver or proxy of this network namespace, no socket on the published port
	for p in $(pgrep -x hull-resolver) $(pgrep -x hull-proxy); do
		[ "$(readlink /proc/"$p"/ns/net)" = "$(readlink /proc/self/ns/net)" ] && leftovers=$((leftovers + 1))
	done
	[ "$(ss -Hltun | grep -c ':18197 ')" -eq 0 ] || leftovers=$((leftovers + 1))
	for id in "$n1" "$n2"; do
		ip link show "br-${id:0:12}" >/dev/null 2>&1 && leftovers=$((leftovers + 1))
		nft list table ip hullnet | grep -q "_${id:0:12}" && leftovers=$((leftovers + 1))
		nft list table ip hullnet | grep -q "br-${id:0:12}" && leftovers=$((leftovers + 1))
		[ -e "/run/hull-net/networks/$id" ] && leftovers=$((leftovers + 1))
	done
	for id in "$c1" "$c2" "$c3"; do
		ip link show "hv${id:0:10}" >/dev/null 2>&1 && leftovers=$((leftovers + 1))
	done
	nft list table ip hull | grep -q "18197" && leftovers=$((leftovers + 1))
	[ "$leftovers" -eq 0 ]
	[ -z "$(ls "$HULL_ROOT/networks" | grep -v -e lock -e '\.json$')" ]
	[ "$(ls "$HULL_ROOT"/networks/*.json | wc -l)" -eq 3 ]
}

@test "system prune removes the networks no container uses" {
	hull network create --subnet "$SUB_B" sp1 >/dev/null
	run hull system prune -f
	[ "$status" -eq 0 ]
	[[ $output == *$'Deleted Networks:\n'* ]]
	[[ $output == *$'\nsp1\n'* ]]
	run hull network ls -q --filter name=sp1
	[ "$output" = "" ]
}

@test "a killed monitor's address and port are reclaimed; a lost bridge and chain are made again" {
	local id c mon
	id=$(hull network create --subnet "$SUB_A" rb)
	# what a reboot or an `nft flush` loses: the next start on the network makes it again
	local x=${id:0:12}
	ip link del "br-$x"
	nft -f - <<-EOF
		delete element ip hullnet fwd_in { "br-$x" }
		delete element ip hullnet nat_out { "br-$x" }
		delete element ip hullnet nat_src { $SUB_A }
		delete element ip hullnet bridges { "br-$x" }
		delete chain ip hullnet f_$x
		delete chain ip hullnet o_$x
		delete chain ip hullnet m_$x
	EOF
	run nft list chain ip hullnet "f_$x"
	[ "$status" -ne 0 ]
	c=$(hull run -d --network rb -p 127.0.0.1:18198:80 busybox httpd -f -p 80 -h /etc)
	wait_for is_running "$c"
	[ "$(ip -o link show master "br-${id:0:12}" | wc -l)" -eq 1 ]
	run nft list chain ip hullnet "f_${id:0:12}"
	[ "$status" -eq 0 ]
	run fetch http://127.0.0.1:18198/hostname
	[ "$output" = "${c:0:12}" ]

	mon=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['Hull']['MonitorPid'])" \
		"$HULL_ROOT/containers/$c/config.json")
	[ "$mon" -gt 0 ]
	kill -9 "$mon"
	wait_for pids_dead "$mon"
	run hull inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.NetworkSettings.Networks.rb.IPAddress}}' "$c"
	[ "$output" = "exited 137 " ]
	[ "$(ls /run/hull-net/networks/"$id"/ips | wc -l)" -eq 0 ]
	run nft list map ip hull tcp_addr
	[[ $output != *" 18198 "* ]]
	run hull network rm rb
	[ "$output" = rb ]
}

@test "--internal: even a default route added by hand leads nowhere off the bridge" {
	# a peer of the test's own: a network namespace behind a veth with 172.29.99.0/24
	ip netns add hull195t
	ip link add h195a type veth peer name h195b netns hull195t
	ip addr add 172.29.99.1/24 dev h195a
	ip link set h195a up
	ip -n hull195t addr add 172.29.99.2/24 dev h195b
	ip -n hull195t link set h195b up
	# and a way back, so that only the forward rules can stop an answer
	ip -n hull195t route add default via 172.29.99.1
	hull network create --internal --subnet "$SUB_I" ni2 >/dev/null
	hull network create --subnet "$SUB_B" no2 >/dev/null
	# a network that is not internal reaches the peer (through masquerade)...
	run hull run --rm --network no2 busybox ping -c1 -W3 172.29.99.2
	[ "$status" -eq 0 ]
	# ...an internal one does not, whatever route its container sets
	run hull run --rm --network ni2 --cap-add NET_ADMIN busybox sh -c \
		'ip route add default via 172.29.13.1 || exit 3; ping -c1 -W1 172.29.99.2'
	[ "$status" -eq 1 ]
	[[ $output == *"1 packets transmitted, 0 packets received"* ]]
}

@test "create --network: no endpoint until the start; a removed network fails the start" {
	hull network create --subnet "$SUB_A" nc1 >/dev/null
	hull create --name cr --network nc1 --ip 172.29.11.20 busybox ip -o -4 addr show eth0
	run hull network inspect --format '{{len .Containers}}' nc1
	[ "$output" = 0 ]
	run hull start -a cr
	[ "$status" -eq 0 ]
	[[ $output == *"inet 172.29.11.20/24"* ]]
	# docker: only a running container holds an endpoint, so the network can go...
	run hull network rm nc1
	[ "$output" = nc1 ]
	# ...and the container cannot start any more
	run -125 hull start -a cr
	[[ $output == *"network nc1 not found"* ]]
}

@test "automatic subnets of several stores created at once never overlap" {
	local i ids=() subs
	for i in 1 2 3 4; do
		mkdir -p "$BATS_TEST_TMPDIR/s$i"
		HULL_ROOT=$BATS_TEST_TMPDIR/s$i hull network create "auto$i" >"$BATS_TEST_TMPDIR/id$i" &
	done
	wait
	subs=$(for i in 1 2 3 4; do
		HULL_ROOT=$BATS_TEST_TMPDIR/s$i hull network inspect --format '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "auto$i"
	done)
	[ "$(sort -u <<<"$subs" | wc -l)" -eq 4 ]
	for i in 1 2 3 4; do
		HULL_ROOT=$BATS_TEST_TMPDIR/s$i hull network rm "auto$i"
	done
	for i in 1 2 3 4; do
		run ip link show "br-$(head -c 12 "$BATS_TEST_TMPDIR/id$i")"
		[ "$status" -ne 0 ]
	done
}

@test "a subnet left in nftables by a deleted store is reclaimed; one whose bridge lives is refused" {
	local old id x
	mkdir -p "$BATS_TEST_TMPDIR/gone"
	old=$(HULL_ROOT=$BATS_TEST_TMPDIR/gone hull network create --subnet "$SUB_B" lost)
	x=${old:0:12}
	# a store deleted by hand, then its bridge: the chains and elements stay
	rm -rf "$BATS_TEST_TMPDIR/gone"
	ip link del "br-$x"
	run nft list map ip hullnet nat_src
	[[ $output == *"172.29.12.0/24 : jump m_$x"* ]]
	# this failed with "File exists"
	id=$(hull network create --subnet "$SUB_B" found)
	run nft list map ip hullnet nat_src
	[[ $output == *"172.29.12.0/24 : jump m_${id:0:12}"* ]]
	[[ $output != *"m_$x"* ]]
	run nft list table ip hullnet
	[[ $output != *"_$x"* ]]
	run hull run --rm --network found busybox ip -o -4 addr show eth0
	[ "$status" -eq 0 ]
	[[ $output == *"inet 172.29.12.2/24"* ]]

	# a live holder whose route is gone: refused with docker's message, nothing made
	ip addr flush dev "br-${id:0:12}"
	mkdir -p "$BATS_TEST_TMPDIR/other"
	HULL_ROOT=$BATS_TEST_TMPDIR/other run -1 hull network create --subnet "$SUB_B" second
	[[ $output == *"Pool overlaps with other one on this address space"* ]]
	[[ $output == *"br-${id:0:12}"* ]]
	HULL_ROOT=$BATS_TEST_TMPDIR/other run hull network ls -q --filter name=second
	[ -z "$output" ]
	run nft list map ip hullnet nat_src
	[[ $output == *"172.29.12.0/24 : jump m_${id:0:12}"* ]]
	hull network rm found

	# a network of a store that still has it, whose bridge was lost and whose subnet another
	# store took meanwhile: its start is refused, and the bridge it made again goes with it
	# (its route would take the other network's traffic)
	local a b
	mkdir -p "$BATS_TEST_TMPDIR/keep"
	HULL_ROOT=$BATS_TEST_TMPDIR/keep hull import "$BUSYBOX_TAR" busybox >/dev/null
	a=$(HULL_ROOT=$BATS_TEST_TMPDIR/keep hull network create --subnet 172.29.12.0/25 kept)
	ip link del "br-${a:0:12}"
	b=$(hull network create --subnet "$SUB_B" wide)
	HULL_ROOT=$BATS_TEST_TMPDIR/keep run -125 hull run --rm --network kept busybox true
	[[ $output == *"Pool overlaps with other one on this address space"* ]]
	run ip link show "br-${a:0:12}"
	[ "$status" -ne 0 ]
	[ "$(ip route show 172.29.12.0/25 | wc -l)" -eq 0 ]
	HULL_ROOT=$BATS_TEST_TMPDIR/keep hull network rm kept >/dev/null
	hull network rm wide >/dev/null

	# one new subnet over two leftovers: both reclaimed at once
	mkdir -p "$BATS_TEST_TMPDIR/two"
	a=$(HULL_ROOT=$BATS_TEST_TMPDIR/two hull network create --subnet 172.29.12.0/26 l1)
	b=$(HULL_ROOT=$BATS_TEST_TMPDIR/two hull network create --subnet 172.29.12.64/26 l2)
	rm -rf "$BATS_TEST_TMPDIR/two"
	ip link del "br-${a:0:12}"
	ip link del "br-${b:0:12}"
	hull network create --subnet "$SUB_B" both >/dev/null
	run nft list table ip hullnet
	[[ $output != *"_${a:0:12}"* && $output != *"_${b:0:12}"* ]]
	hull network rm both >/dev/null
}

# sctp_reaches CONTAINER ADDR PORT: an SCTP INIT sent to ADDR:PORT from the host arrives in
# the container at its port 80 (this kernel may lack SCTP sockets: raw ones, sctp-probe)
sctp_reaches() {
	local pid out=$BATS_TEST_TMPDIR/sctp.out
	pid=$(hull inspect --format '{{.State.Pid}}' "$1")
	nsenter -t "$pid" -n "$BATS_TEST_DIRNAME/sctp-probe" recv 5 >"$out" &
	wait_for grep -q ready "$out"
	"$BATS_TEST_DIRNAME/sctp-probe" send "$2" "$3"
	wait
	grep -E "^[0-9.]+ [0-9]+ $(hull inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1") 80 1 OK$" "$out"
}

@test "SCTP: -p and -P publish through the kernel's NAT; a taken port is refused; rm frees it" {
	local c d p
	c=$(hull run -d -p 127.0.0.1:19132:80/sctp -p 80/sctp busybox sleep 60)
	run hull port "$c" 80/sctp
	[ "${lines[0]}" = "127.0.0.1:19132" ]
	p=${lines[1]##*:}
	[ "$p" -gt 1023 ]
	run hull ps --format '{{.Ports}}' --filter "id=$c"
	[ "$output" = "0.0.0.0:$p->80/sctp, 127.0.0.1:19132->80/sctp" ]
	sctp_reaches "$c" 127.0.0.1 19132
	sctp_reaches "$c" 10.89.0.1 "$p"
	# docker's message for a taken port, from any address or the same one; another address
	# of the same port is free
	run -125 hull run --rm -p 127.0.0.1:19132:80/sctp busybox true
	[[ $output == *"Bind for 127.0.0.1:19132 failed: port is already allocated"* ]]
	run -125 hull run --rm -p "$p:80/sctp" busybox true
	[[ $output == *"Bind for 0.0.0.0:$p failed: port is already allocated"* ]]
	run hull run --rm -p 127.0.0.2:19132:80/sctp busybox true
	[ "$status" -eq 0 ]
	# no [::] twin and no proxy: an address that needs one is refused
	run -125 hull run --rm -p '[::1]:19133:80/sctp' busybox true
	[[ $output == *"cannot publish 80/sctp on [::1]"* ]]
	hull rm -f "$c" >/dev/null
	run nft list map ip hull sctp_any
	[[ $output != *" $p "* ]]
	run nft list map ip hull sctp_addr
	[[ $output != *"19132"* ]]

	# a user network, and -P of an EXPOSEd SCTP port (--expose here) not published by -p
	hull network create --subnet "$SUB_A" sn >/dev/null
	d=$(hull run -d --network sn -p 127.0.0.1:19132:80/sctp --expose 81/sctp -P busybox sleep 60)
	run hull port "$d"
	[[ $output == *"80/sctp -> 127.0.0.1:19132"* ]]
	[[ $output == *"81/sctp -> 0.0.0.0:"* ]]
	sctp_reaches "$d" 127.0.0.1 19132
}

# udp_to CONTAINER WORD: WORD sent from 127.0.0.1:40151 (always that source port, as a
# client that keeps its socket) to 127.0.0.1:19150; prints what the container got at its
# port 53 ("nothing" after 3 s)
udp_to() {
	local pid out=$BATS_TEST_TMPDIR/udp.out
	pid=$(hull inspect --format '{{.State.Pid}}' "$1")
	nsenter -t "$pid" -n python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 53))
s.settimeout(3)
print("ready", flush=True)
try:
    print(s.recv(100).decode(), flush=True)
except socket.timeout:
    print("nothing", flush=True)' >"$out" &
	wait_for grep -q ready "$out"
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 40151))
s.sendto(sys.argv[1].encode(), ("127.0.0.1", 19150))' "$2"
	wait
	sed -n 2p "$out"
}

@test "a UDP client that keeps its source port reaches the container that publishes the port now" {
	local c1 c2
	c1=$(hull run -d -p 127.0.0.1:19150:53/udp busybox sleep 60)
	run udp_to "$c1" one
	[ "$output" = one ]
	hull rm -f "$c1" >/dev/null
	# the kernel's entry for that client still leads to the first container: the start of
	# the next one to publish the port deletes it (this got "nothing" for 30 s)
	c2=$(hull run -d -p 127.0.0.1:19150:53/udp busybox sleep 60)
	run udp_to "$c2" two
	[ "$output" = two ]
}

@test "a bridge name held by a host link hull did not make is refused, and the link left alone" {
	local id x
	run -1 hull network create -o com.docker.network.bridge.name=lo nlo
	[ "$output" = "Error response from daemon: bridge name lo is already used by a link of the host" ]
	run -1 hull network create -o com.docker.network.bridge.name=hull0 nlo
	[ "$output" = "Error response from daemon: bridge name hull0 is the default bridge network's" ]
	run ip -o -4 addr show dev lo
	[ "$output" = "$(ip -o -4 addr show dev lo)" ]
	[[ $output == *" 127.0.0.1/8 "* ]]

	# the network's bridge went (a reboot) and a veth took its name: no start, no rm of it
	id=$(hull network create --subnet "$SUB_A" nv)
	x=br-${id:0:12}
	[[ $(ip -d link show "$x") == *"alias hull network $id"* ]]
	ip link del "$x"
	ip link add "$x" type veth peer name h195v
	run -125 hull run --rm --network nv busybox true
	[[ $output == *"link '$x' of the host is not a bridge: refusing to use it for network ${id:0:12}"* ]]
	run ip -o -4 addr show dev "$x"
	[ "$output" = "" ]
	run hull network rm nv
	[ "$output" = nv ]
	ip link show "$x" >/dev/null
	ip link del "$x"
	run nft list table ip hullnet
	[[ $output != *"${id:0:12}"* ]]

	# a bridge of the same name that someone else made
	id=$(hull network create -o com.docker.network.bridge.name=hulltst195f --subnet "$SUB_A" nf)
	ip link del hulltst195f
	ip link add hulltst195f type bridge
	run -125 hull run --rm --network nf busybox true
	[[ $output == *"bridge 'hulltst195f' of the host was not made by hull for network ${id:0:12}: refusing to use it"* ]]
	run ip -o -4 addr show dev hulltst195f
	[ "$output" = "" ]
	hull network rm nf
	ip link show hulltst195f >/dev/null
}

@test "network create refuses the names and subnets docker refuses" {
	local n
	for n in "a b" _x .x "a/b" "x:y" "é"; do
		run -1 hull network create "$n"
		[ "$output" = "Error response from daemon: invalid network name \"$n\", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed" ]
	done
	run -1 hull network create --subnet 127.11.0.0/16 bad
	[ "$output" = "Error response from daemon: invalid subnet 127.11.0.0/16: it overlaps 127.0.0.0/8 (loopback)" ]
	run -1 hull network create --subnet 0.0.0.0/8 bad
	[ "$output" = "Error response from daemon: invalid subnet 0.0.0.0/8: it overlaps 0.0.0.0/8 (this network)" ]
	run -1 hull network create --subnet 239.1.0.0/16 bad
	[ "$output" = "Error response from daemon: invalid subnet 239.1.0.0/16: it overlaps 224.0.0.0/4 (multicast)" ]
	run hull network ls -q --filter name=bad
	[ "$output" = "" ]
	hull network create a.b-c_1 >/dev/null
	hull network create Z >/dev/null
	hull network rm a.b-c_1 Z
}

@test "--ip-range: addresses come from the sub-range only, --ip from anywhere in the subnet" {
	run -1 hull network create --ip-range 172.29.11.128/28 nr0
	[[ $output == *"every ip-range or gateway must have a corresponding subnet"* ]]
	run -1 hull network create --subnet "$SUB_A" --ip-range 172.29.12.0/28 nr0
	[ "$output" = "Error response from daemon: no matching subnet for range 172.29.12.0/28" ]
	run -1 hull network create --subnet "$SUB_A" --ip-range 172.29.11.0/16 nr0
	[ "$output" = "$(printf 'Error response from daemon: invalid network config:\ninvalid ip-range 172.29.11.0/16: CIDR block is bigger than its parent subnet 172.29.11.0/24')" ]
	run -1 hull network create --subnet "$SUB_A" --ip-range 172.29.11.129/30 nr0
	[ "$output" = "$(printf 'Error response from daemon: invalid network config:\ninvalid ip-range 172.29.11.129/30: it should be 172.29.11.128/30')" ]
	run -1 hull network create --subnet "$SUB_A" --ip-range bogus nr0
	[ "$output" = "Error response from daemon: invalid CIDR address: bogus" ]
	run hull network ls -q --filter name=nr0
	[ "$output" = "" ]

	# two addresses in the range: .130 and .131 (its broadcast is handed out, as moby does)
	hull network create --subnet "$SUB_A" --ip-range 172.29.11.130/31 nr >/dev/null
	run hull network inspect --format '{{json .IPAM.Config}}' nr
	[ "$output" = '[{"Subnet":"172.29.11.0/24","IPRange":"172.29.11.130/31","Gateway":"172.29.11.1"}]' ]
	hull run -d --name r1 --network nr busybox sleep 60
	hull run -d --name r2 --network nr busybox sleep 60
	run hull inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' r1 r2
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "172.29.11.130 172.29.11.131 " ]
	# the range is full; the rest of the subnet is not handed out...
	run -125 hull run --rm --network nr busybox true
	[ "$output" = "hull: no available IPv4 addresses on this network's address pools: nr ($(hull network inspect --format '{{.Id}}' nr))" ]
	# ...but --ip takes any host address of the subnet
	run hull run --rm --network nr --ip 172.29.11.7 busybox ip -o -4 addr show eth0
	[ "$status" -eq 0 ]
	[[ $output == *"inet 172.29.11.7/24"* ]]
	hull rm -f r1 >/dev/null
	run hull run --rm --network nr busybox ip -o -4 addr show eth0
	[ "$status" -eq 0 ]
	[[ $output == *"inet 172.29.11.13"[01]"/24"* ]]
}

@test "--mac-address sets the first network's MAC; without it docker's 02:42 and the address" {
	# the default bridge: docker 20.10's 02:42:IP, shown in NetworkSettings.MacAddress
	hull run -d --name m0 busybox sleep 60
	local ip hex
	ip=$(hull inspect --format '{{.NetworkSettings.IPAddress}}' m0)
	hex=$(printf '02:42:%02x:%02x:%02x:%02x' ${ip//./ })
	run hull inspect --format '{{.NetworkSettings.MacAddress}}' m0
	[ "$output" = "$hex" ]
	run hull exec m0 cat /sys/class/net/eth0/address
	[ "$output" = "$hex" ]
	run hull run --rm --mac-address 92:D0:c6:0a:29:33 busybox cat /sys/class/net/eth0/address
	[ "$status" -eq 0 ]
	[ "$output" = "92:d0:c6:0a:29:33" ]

	# a user network: the endpoint's MacAddress; a second network keeps the derived one
	hull network create --subnet "$SUB_A" nm >/dev/null
	hull network create --subnet "$SUB_B" nm2 >/dev/null
	hull run -d --name m1 --network nm --network nm2 --ip 172.29.11.40 --mac-address 92-d0-c6-0a-29-34 busybox sleep 60
	run hull inspect --format '{{.Config.MacAddress}}|{{.NetworkSettings.MacAddress}}|{{(index .NetworkSettings.Networks "nm").MacAddress}}' m1
	[ "$output" = "92-d0-c6-0a-29-34||92:d0:c6:0a:29:34" ]
	run hull exec m1 cat /sys/class/net/eth0/address
	[ "$output" = "92:d0:c6:0a:29:34" ]
	ip=$(hull inspect --format '{{(index .NetworkSettings.Networks "nm2").IPAddress}}' m1)
	hex=$(printf '02:42:%02x:%02x:%02x:%02x' ${ip//./ })
	run hull exec m1 cat /sys/class/net/eth1/address
	[ "$output" = "$hex" ]
	run hull network inspect --format '{{range .Containers}}{{.Name}} {{.MacAddress}}{{end}}' nm
	[ "$output" = "m1 92:d0:c6:0a:29:34" ]
	# reachable with it: the bridge learns the given MAC
	run hull run --rm --network nm busybox ping -c1 -W3 172.29.11.40
	[ "$status" -eq 0 ]
	# a restart keeps it
	hull restart -t 0 m1 >/dev/null
	run hull exec m1 cat /sys/class/net/eth0/address
	[ "$output" = "92:d0:c6:0a:29:34" ]
	# without the flag a container has no Config.MacAddress, as docker omits it
	run hull inspect --format '{{json .Config}}' m0
	[[ $output != *MacAddress* ]]

	# docker's errors
	run -125 hull run --rm --mac-address 92:d0:c6:0a:29 busybox true
	[[ ${lines[0]} == *"92:d0:c6:0a:29 is not a valid mac address" ]]
	run -125 hull create --mac-address zz:d0:c6:0a:29:33 busybox true
	[[ ${lines[0]} == *"zz:d0:c6:0a:29:33 is not a valid mac address" ]]
	run -125 hull run --rm --network host --mac-address 92:d0:c6:0a:29:35 busybox true
	[[ $output == *"conflicting options: mac-address and the network mode" ]]
	run -125 hull run --rm --network container:m0 --mac-address 92:d0:c6:0a:29:35 busybox true
	[[ $output == *"conflicting options: mac-address and the network mode" ]]
	# a multicast address is refused by the kernel at the start
	run -125 hull run --rm --mac-address 93:d0:c6:0a:29:35 busybox true
	[[ $output == *"Cannot assign requested address"* ]]
}

@test "bridge, host and none are in NetworkSettings.Networks as docker shows them; a stopped container's address is gone" {
	local bid ip
	bid=$(hull network inspect --format '{{.Id}}' bridge)
	hull create --name nd0 busybox true >/dev/null
	# never started: an entry without a network id, as docker 20.10's
	run -0 hull inspect --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}:{{$v.NetworkID}}:{{$v.IPAddress}};{{end}}' nd0
	[ "$output" = "bridge::;" ]
	hull run -d --name nd1 busybox sleep 60 >/dev/null
	ip=$(hull inspect --format '{{.NetworkSettings.IPAddress}}' nd1)
	[ -n "$ip" ]
	run -0 hull inspect --format '{{.NetworkSettings.Networks.bridge.IPAddress}} {{.NetworkSettings.Networks.bridge.NetworkID}} {{.NetworkSettings.Networks.bridge.Gateway}} {{.NetworkSettings.Networks.bridge.MacAddress}}' nd1
	[ "$output" = "$ip $bid $(hull inspect --format '{{.NetworkSettings.Gateway}} {{.NetworkSettings.MacAddress}}' nd1)" ]
	# stopped: the address is released and shown nowhere
	hull stop -t 0 nd1 >/dev/null
	run -0 hull inspect --format '{{.NetworkSettings.IPAddress}}|{{.NetworkSettings.Gateway}}|{{.NetworkSettings.Networks.bridge.IPAddress}}|{{.NetworkSettings.Networks.bridge.NetworkID}}' nd1
	[ "$output" = "|||$bid" ]
	local mode
	for mode in host none; do
		hull run --name "nd-$mode" --network "$mode" busybox true
		run -0 hull inspect --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}:{{$v.NetworkID}}:{{$v.IPAddress}};{{end}}' "nd-$mode"
		[ "$output" = "$mode:$(hull network inspect --format '{{.Id}}' "$mode"):;" ]
	done
	# a user network's container lists only its own network
	hull network create nd-user >/dev/null
	hull run -d --name nd2 --network nd-user busybox sleep 60 >/dev/null
	run -0 hull inspect --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}};{{end}}' nd2
	[ "$output" = "nd-user;" ]
	hull rm -f nd0 nd1 nd2 nd-host nd-none >/dev/null
	hull network rm nd-user >/dev/null
}
