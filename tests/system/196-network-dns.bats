#!/usr/bin/env bats
# Name resolution on user networks (docs/networking.md "Name resolution"): containers find
# each other by name, --network-alias and short id through their resolver at 127.0.0.11, as
# containers come and go; the default bridge resolves nothing. Only the test's own bridges
# and loopback addresses of the test's network namespace. Containers get --dns 127.0.0.1: the
# resolver forwards other names there, where nothing listens, so they fail at once (SERVFAIL)
# instead of after 5 s towards the host's servers, which the test's namespace cannot reach.

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
	ida=$(hull run -d --dns 127.0.0.1 --name web1 --network nd --network-alias web --network-alias www busybox \
		sh -c 'mkdir /w && echo from-web1 > /w/index.html && exec httpd -f -p 80 -h /w')
	idb=$(hull run -d --dns 127.0.0.1 --name cli1 --network nd busybox sleep 600)
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
	run hull run --rm --dns 127.0.0.1 --network nd busybox sh -c "ping -c1 -W3 web1 >/dev/null && $GET | nc -w 1 www 80"
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

@test "a container that ends is no longer resolved, even with its monitor killed" {
	local c3 mon pid nid
	hull network create --subnet "$SUB_D" ne >/dev/null
	nid=$(hull network inspect --format '{{.Id}}' ne)
	hull run -d --dns 127.0.0.1 --name keep --network ne busybox sleep 600 >/dev/null
	hull run -d --dns 127.0.0.1 --name gone1 --network ne busybox sleep 600 >/dev/null
	hull run -d --dns 127.0.0.1 --name gone2 --network ne busybox sleep 600 >/dev/null
	c3=$(hull run -d --dns 127.0.0.1 --name gone3 --network ne busybox sleep 600)
	wait_for is_running gone3
	[ -n "$(resolves keep gone1)" ]
	hull rm -f gone1
	[ "$(resolves keep gone1)" = "" ]
	[ -n "$(resolves keep gone2)" ]
	# the others' files are not touched: no block of names in them
	run hull exec keep cat /etc/hosts
	[[ $output != *gone* ]]
	[[ $output != *"# hull network"* ]]
	hull stop -t 0 gone2
	[ "$(resolves keep gone2)" = "" ]
	[ ! -e "/run/hull-net/networks/$nid/names/gone2" ]
	# restarted, it is back under its new address
	hull start gone2
	[ "$(resolves keep gone2)" = "$(ip_on gone2 ne)" ]

	# SIGKILL of the container and its monitor: not answered from then on, and the next
	# command that reads its record takes its entry and names away
	mon=$(jq -r .Hull.MonitorPid "$HULL_ROOT/containers/$c3/config.json")
	pid=$(hull inspect --format '{{.State.Pid}}' gone3)
	[ "$mon" -gt 0 ] && [ "$pid" -gt 0 ]
	[ "$(resolves keep gone3)" = "$(ip_on gone3 ne)" ]
	kill -9 "$mon" "$pid"
	wait_for pids_dead "$mon" "$pid"
	[ "$(resolves keep gone3)" = "" ]
	[ "$(resolves keep "${c3:0:12}")" = "" ]
	run hull run --rm --dns 127.0.0.1 --network ne busybox ping -c1 -W1 gone3
	[ "$status" -ne 0 ]
	[[ $output == *"bad address 'gone3'"* ]]
	hull ps -a >/dev/null
	[ "$(ls /run/hull-net/networks/"$nid"/hosts | wc -l)" -eq 2 ]
	[ ! -e "/run/hull-net/networks/$nid/names/gone3" ]
	[ ! -e "/run/hull-net/networks/$nid/names/${c3:0:12}" ]
}

@test "the default bridge resolves no container name; aliases only on user networks" {
	hull run -d --dns 127.0.0.1 --name onbridge busybox sleep 600 >/dev/null
	wait_for is_running onbridge
	run hull run --rm --dns 127.0.0.1 busybox ping -c1 -W1 onbridge
	[ "$status" -ne 0 ]
	[[ $output == *"bad address 'onbridge'"* ]]
	run hull exec onbridge cat /etc/hosts
	[[ $output != *"# hull network"* ]]
	local n
	for n in bridge host none; do
		run -125 hull run --rm --network "$n" --network-alias x busybox true
		[ "$output" = "hull: network-scoped alias is supported only for containers in user defined networks" ]
	done
	run -125 hull create --dns 127.0.0.1 --network-alias x busybox true
	[ "$output" = "hull: network-scoped alias is supported only for containers in user defined networks" ]
	hull network create --subnet "$SUB_E" nx >/dev/null
	run -125 hull run --rm --network nx --network-alias 'a b' busybox true
	[ "$output" = "hull: invalid network alias \"a b\", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed" ]
	# another network's containers are not resolved either
	hull network create --subnet "$SUB_D" ny >/dev/null
	hull run -d --dns 127.0.0.1 --name iny --network ny busybox sleep 600 >/dev/null
	run hull run --rm --dns 127.0.0.1 --network nx busybox ping -c1 -W1 iny
	[ "$status" -ne 0 ]
	[[ $output == *"bad address 'iny'"* ]]
}

@test "network connect and disconnect a running container: interface, address, names" {
	local ida idb
	hull network create --subnet "$SUB_D" nc1 >/dev/null
	hull network create --subnet "$SUB_E" nc2 >/dev/null
	ida=$(hull run -d --dns 127.0.0.1 --name ca --network nc1 busybox sleep 600)
	hull run -d --dns 127.0.0.1 --name cb --network nc2 busybox sleep 600 >/dev/null
	hull run -d --dns 127.0.0.1 --name cd busybox sleep 600 >/dev/null
	wait_for is_running cd
	[ "$(resolves ca cb)" = "" ]
	hull network connect --alias ca-alias --ip 172.29.22.40 nc2 ca
	# eth1 on the new network, the default route stays on the first
	run hull exec ca ip -o -4 addr show eth1
	[[ $output == *"inet 172.29.22.40/24"* ]]
	run hull exec ca ip route show default
	[[ $output == "default via 172.29.21.1 dev eth0"* ]]
	[ "$(resolves ca cb)" = "$(ip_on cb nc2)" ]
	[ "$(resolves cb ca)" = 172.29.22.40 ]
	[ "$(resolves cb ca-alias)" = 172.29.22.40 ]
	[ "$(resolves cb "${ida:0:12}")" = 172.29.22.40 ]
	run hull inspect --format '{{json .NetworkSettings.Networks.nc2.Aliases}} {{.NetworkSettings.Networks.nc2.IPAMConfig.IPv4Address}} {{.NetworkSettings.Networks.nc1.IPAddress}}' ca
	[ "$output" = "[\"ca-alias\"] 172.29.22.40 $(ip_on ca nc1)" ]
	run hull network inspect --format '{{range .Containers}}{{.Name}}={{.IPv4Address}} {{end}}' nc2
	[[ $output == *"ca=172.29.22.40/24 "* ]]
	# a container of the default bridge joins a user network too
	hull network connect nc2 cd
	[ "$(resolves cd cb)" = "$(ip_on cb nc2)" ]
	[ "$(resolves cb cd)" = "$(ip_on cd nc2)" ]

	run -1 hull network connect nc2 ca
	[ "$output" = "Error response from daemon: endpoint with name ca already exists in network nc2" ]
	run -1 hull network connect nc1 ca
	[ "$output" = "Error response from daemon: endpoint with name ca already exists in network nc1" ]
	run -1 hull network connect nosuch ca
	[ "$output" = "Error response from daemon: network nosuch not found" ]
	run -1 hull network connect nc2 nosuchctr
	[ "$output" = "Error response from daemon: No such container: nosuchctr" ]
	run -1 hull network connect host ca
	[ "$output" = "Error response from daemon: container cannot be disconnected from host network or connected to host network" ]

	hull network disconnect nc2 ca
	run hull exec ca ip -o link show eth1
	[ "$status" -ne 0 ]
	[ "$(resolves cb ca)" = "" ]
	[ "$(resolves cb ca-alias)" = "" ]
	# its names on the network it is still on stay
	[ "$(resolves ca cb)" = "" ]
	[ -n "$(resolves ca "${ida:0:12}")" ]
	run hull inspect --format '{{len .NetworkSettings.Networks}}' ca
	[ "$output" = 1 ]
	run -1 hull network disconnect nc2 ca
	[ "$output" = "Error response from daemon: container $ida is not connected to network nc2" ]
	hull network disconnect -f nc2 ca
	run -1 hull network disconnect bridge cd
	[ "$output" = "Error response from daemon: hull cannot disconnect a container from the default bridge network yet" ]

	# what a connected container holds goes when it stops, and comes back at its start
	local n2
	n2=$(hull network inspect --format '{{.Id}}' nc2)
	hull stop -t 0 cd
	run hull inspect --format '{{.NetworkSettings.Networks.nc2.IPAddress}}|{{.NetworkSettings.Networks.nc2.NetworkID}}' cd
	[ "$output" = "|$n2" ]
	[ "$(ls /run/hull-net/networks/"$n2"/ips | wc -l)" -eq 1 ]
	[ "$(resolves cb cd)" = "" ]
	hull start cd
	[ "$(resolves cb cd)" = "$(ip_on cd nc2)" ]
	# a stopped container connected joins at its start
	hull create --dns 127.0.0.1 --name ce busybox sleep 600 >/dev/null
	hull network connect --alias late nc2 ce
	hull start ce
	[ "$(resolves cb late)" = "$(ip_on ce nc2)" ]
	hull rm -f ca cd ce
	[ "$(ls /run/hull-net/networks/"$n2"/ips | wc -l)" -eq 1 ]
	[ "$(ls /run/hull-net/networks/"$n2"/hosts | wc -l)" -eq 1 ]
	[ "$(ip -o link show master "br-${n2:0:12}" | wc -l)" -eq 1 ]
}

@test "run --network repeated joins every network given, each with its names" {
	hull network create --subnet "$SUB_D" nm1 >/dev/null
	hull network create --subnet "$SUB_E" nm2 >/dev/null
	hull run -d --dns 127.0.0.1 --name m1 --network nm1 busybox sleep 600 >/dev/null
	hull run -d --dns 127.0.0.1 --name m2 --network nm2 busybox sleep 600 >/dev/null
	wait_for is_running m2
	run hull run --rm --dns 127.0.0.1 --name both --network nm1 --network nm2 busybox sh -c \
		'ip -o -4 addr show eth0; ip -o -4 addr show eth1; ping -c1 -W3 m1; ping -c1 -W3 m2'
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == *"inet 172.29.21."* ]]
	[[ ${lines[1]} == *"inet 172.29.22."* ]]
	[[ $output == *"PING m1 (172.29.21."* ]]
	[[ $output == *"PING m2 (172.29.22."* ]]
	# --rm released both addresses and names
	[ "$(ls /run/hull-net/networks/"$(hull network inspect --format '{{.Id}}' nm2)"/ips | wc -l)" -eq 1 ]
	run hull exec m2 cat /etc/hosts
	[[ $output != *both* ]]
	run -125 hull run --rm --network bridge --network nm1 busybox true
	[ "$output" = "hull: conflicting options: cannot attach both user-defined and non-user-defined network-modes" ]
	run -125 hull run --rm --network nm1 --network nm1 busybox true
	[ "$output" = "hull: network nm1 is given more than once" ]
	run -125 hull run --rm --network nm1 --network nosuch busybox true
	[ "$output" = "hull: network nosuch not found" ]
}

@test "a connected container killed with its monitor gives every address and name back" {
	local c mon pid n1 n2
	n1=$(hull network create --subnet "$SUB_D" nk1)
	n2=$(hull network create --subnet "$SUB_E" nk2)
	hull run -d --dns 127.0.0.1 --name watcher --network nk2 busybox sleep 600 >/dev/null
	c=$(hull run -d --dns 127.0.0.1 --name victim --network nk1 busybox sleep 600)
	hull network connect --alias vic nk2 victim
	[ -n "$(resolves watcher vic)" ]
	mon=$(jq -r .Hull.MonitorPid "$HULL_ROOT/containers/$c/config.json")
	pid=$(hull inspect --format '{{.State.Pid}}' victim)
	kill -9 "$mon" "$pid"
	wait_for pids_dead "$mon" "$pid"
	# the next command that reads the container reconciles it: both networks' addresses go
	run hull inspect --format '{{.State.Status}} {{.NetworkSettings.Networks.nk1.IPAddress}}|{{.NetworkSettings.Networks.nk2.IPAddress}}' victim
	[ "$output" = "exited |" ]
	[ "$(ls /run/hull-net/networks/"$n1"/ips | wc -l)" -eq 0 ]
	[ "$(ls /run/hull-net/networks/"$n2"/ips | wc -l)" -eq 1 ]
	[ "$(resolves watcher vic)" = "" ]
	[ "$(resolves watcher victim)" = "" ]
	# and it comes back on both at its start
	hull start victim
	[ "$(resolves watcher vic)" = "$(ip_on victim nk2)" ]
}

@test "network connect bridge: a user network's container gets an address on the default bridge" {
	local uip bip
	hull network create --subnet "$SUB_D" nb1 >/dev/null
	hull run -d --dns 127.0.0.1 --name onuser --network nb1 busybox sleep 600 >/dev/null
	hull run -d --dns 127.0.0.1 --name ondflt busybox sleep 600 >/dev/null
	wait_for is_running ondflt
	bip=$(hull inspect --format '{{.NetworkSettings.IPAddress}}' ondflt)
	run hull exec onuser ping -c1 -W1 "$bip"
	[ "$status" -ne 0 ]
	hull network connect bridge onuser
	uip=$(ip_on onuser bridge)
	[[ $uip == 10.89.* ]]
	run hull exec onuser ip -o -4 addr show eth1
	[[ $output == *"inet $uip/16"* ]]
	run hull exec onuser ping -c1 -W3 "$bip"
	[ "$status" -eq 0 ]
	# no names on the default bridge, as docker's
	[ "$(resolves ondflt onuser)" = "" ]
	run hull inspect --format '{{json .NetworkSettings.Networks.bridge.DNSNames}}' onuser
	[ "$output" = null ]
	run hull network inspect --format '{{range .Containers}}{{.Name}} {{end}}' bridge
	[[ $output == *"onuser "* ]]
	run -1 hull network connect --alias x bridge ondflt
	[ "$output" = "Error response from daemon: network-scoped alias is supported only for containers in user defined networks" ]
	hull network disconnect bridge onuser
	[ ! -e "/run/hull-net/net/ips/$uip" ]
	run hull exec onuser ip -o link show eth1
	[ "$status" -ne 0 ]
}

@test "network disconnect from the first network: address, port and names go, and stay gone" {
	local n1 ip1 c pt
	n1=$(hull network create --subnet "$SUB_D" nf1)
	hull network create --subnet "$SUB_E" nf2 >/dev/null
	c=$(hull run -d --dns 127.0.0.1 --name first --network nf1 -p 127.0.0.1:18296:80 busybox httpd -f -p 80 -h /etc)
	hull run -d --dns 127.0.0.1 --name peer --network nf1 busybox sleep 600 >/dev/null
	hull network connect nf2 first
	run fetch http://127.0.0.1:18296/hostname
	[ "$output" = "${c:0:12}" ]
	ip1=$(ip_on first nf1)
	[ "$(resolves peer first)" = "$ip1" ]

	hull network disconnect nf1 first
	run hull exec first ip -o link show eth0
	[ "$status" -ne 0 ]
	[ "$(resolves peer first)" = "" ]
	run curl -s -m 1 http://127.0.0.1:18296/hostname
	[ "$status" -ne 0 ]
	[ ! -e "/run/hull-net/networks/$n1/ips/$ip1" ]
	# the port is free at once (its reservation was the proxy's, not the monitor's), and the
	# monitor reaped the proxy that held it
	pt=$(hull run -d --dns 127.0.0.1 --network nf2 -p 127.0.0.1:18296:80 busybox httpd -f -p 80 -h /etc)
	wait_for no_zombie_children "$(monitor_pid first)"
	run -0 fetch http://127.0.0.1:18296/hostname
	[ "$output" = "${pt:0:12}" ]
	hull rm -f "$pt" >/dev/null
	# the port's binding went with nf1; the port stays exposed (null, as docker lists it)
	run hull inspect --format '{{json .NetworkSettings.Ports}} {{len .NetworkSettings.Networks}}' first
	[ "$output" = '{"80/tcp":null} 1' ]
	# the address is free for another, and the first container's end does not free it again
	hull run -d --dns 127.0.0.1 --name taker --network nf1 --ip "$ip1" busybox sleep 600 >/dev/null
	hull stop -t 0 first
	[ -e "/run/hull-net/networks/$n1/ips/$ip1" ]
	# started again: loopback and nf2 only; connected again: nf1 back, with its names
	hull start first
	run hull exec first ip -o -4 addr
	[[ $output != *"172.29.21."* ]]
	[[ $output == *"eth0"*"172.29.22."* ]]
	hull network connect nf1 first
	[ "$(resolves peer first)" = "$(ip_on first nf1)" ]
}

@test "containers started at once on one network all see each other" {
	local i j
	hull network create --subnet "$SUB_D" np1 >/dev/null
	for i in 1 2 3 4; do
		hull run -d --dns 127.0.0.1 --name "par$i" --network np1 busybox sleep 600 >/dev/null &
	done
	wait
	for i in 1 2 3 4; do
		wait_for is_running "par$i"
	done
	# each asks its resolver for all four in one go (a hull exec per name was 16 execs)
	local want="" pid
	for j in 1 2 3 4; do
		want+="rcode=0 tc=0 $(ip_on "par$j" np1)"$'\n'
	done
	for i in 1 2 3 4; do
		pid=$(hull inspect --format '{{.State.Pid}}' "par$i")
		run nsenter -t "$pid" -n sh -c 'for n in par1 par2 par3 par4; do "$0" udp 127.0.0.11 "$n"; done' \
			"$BATS_TEST_DIRNAME/dns-ask"
		[ "$output"$'\n' = "$want" ]
	done
}

@test "a container's own /etc/hosts lines win over the names of its network's members" {
	local db lh idl
	hull network create --subnet "$SUB_D" nd >/dev/null
	hull run -d --dns 127.0.0.1 --name db --network nd busybox sleep 600 >/dev/null
	# docker takes the name localhost (its name grammar allows it)
	idl=$(hull run -d --dns 127.0.0.1 --name localhost --network nd busybox sleep 600)
	hull run -d --dns 127.0.0.1 --name c2 --network nd --add-host db:10.1.2.3 --add-host LH2:10.1.2.4 busybox sleep 600 >/dev/null
	hull run -d --dns 127.0.0.1 --name lh2 --network nd busybox sleep 600 >/dev/null
	db=$(ip_on db nd)
	lh=$(ip_on localhost nd)
	# --add-host wins, as docker's /etc/hosts is read before its DNS server is asked
	[ "$(resolves c2 db)" = 10.1.2.3 ]
	[ "$(resolves c2 lh2)" = 10.1.2.4 ]
	# a member named localhost shadows nobody's localhost, its own neither
	[ "$(resolves c2 localhost)" = 127.0.0.1 ]
	[ "$(resolves db localhost)" = 127.0.0.1 ]
	[ "$(resolves localhost localhost)" = 127.0.0.1 ]
	# the resolver has them all: /etc/hosts is read first
	local pid2
	pid2=$(hull inspect --format '{{.State.Pid}}' c2)
	run nsenter -t "$pid2" -n "$BATS_TEST_DIRNAME/dns-ask" udp 127.0.0.11 db
	[ "$output" = "rcode=0 tc=0 $db" ]
	run nsenter -t "$pid2" -n "$BATS_TEST_DIRNAME/dns-ask" udp 127.0.0.11 localhost
	[ "$output" = "rcode=0 tc=0 $lh" ]
	# the others still find them by name
	[ "$(resolves db "${idl:0:12}")" = "$lh" ]
	[ "$(resolves localhost db)" = "$db" ]
	[ "$(resolves lh2 db)" = "$db" ]
}

@test "disconnect and connect again: the container's own hostname line follows its address" {
	local c h
	hull network create --subnet "$SUB_D" nh >/dev/null
	c=$(hull run -d --dns 127.0.0.1 --name own --network nh --ip 172.29.21.50 busybox sleep 600)
	h=${c:0:12}
	[ "$(resolves own "$h")" = 172.29.21.50 ]
	hull network disconnect nh own
	# docker deletes the endpoint's hostname record: no line keeps the old address
	run hull exec own cat /etc/hosts
	[[ $output != *172.29.21.50* ]]
	[[ $output == *"127.0.0.1	localhost"* ]]
	hull network connect --ip 172.29.21.77 nh own
	[ "$(resolves own "$h")" = 172.29.21.77 ]
	run hull exec own grep -w "$h" /etc/hosts
	[ "$output" = "172.29.21.77	$h" ]
	# where docker's file has it: after its default lines, before --add-host ones
	run hull exec own sed -n 7p /etc/hosts
	[ "$output" = "172.29.21.77	$h" ]
	# and again, twice: one line, the latest address
	hull network disconnect nh own
	hull network connect --ip 172.29.21.78 nh own
	[ "$(resolves own "$h")" = 172.29.21.78 ]
	run hull exec own grep -c "	$h\$" /etc/hosts
	[ "$output" = 1 ]
}

# ask CONTAINER udp|tcp NAME [TYPE]: dns-ask from the container's network namespace to its
# resolver at 127.0.0.11
ask() {
	local pid
	pid=$(hull inspect --format '{{.State.Pid}}' "$1")
	nsenter -t "$pid" -n "$BATS_TEST_DIRNAME/dns-ask" "$2" 127.0.0.11 "${@:3}"
}

# upstream ADDR: the test's DNS server (dns-upstream) on ADDR:53 of this network namespace,
# logging to $BATS_TEST_TMPDIR/dns.log
upstream() {
	"$BATS_TEST_DIRNAME/dns-upstream" "$1" "$BATS_TEST_TMPDIR/dns.log" >"$BATS_TEST_TMPDIR/up.out" 2>&1 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/up.pid"
	wait_for grep -q ready "$BATS_TEST_TMPDIR/up.out"
}

@test "the resolver at 127.0.0.11: resolv.conf, UDP and TCP, other names forwarded to the --dns servers in turn" {
	local r1 first
	upstream 127.0.0.77
	hull network create --subnet "$SUB_D" nr >/dev/null
	hull run -d --name r1 --network nr --network-alias rr --dns 127.0.0.1 busybox sleep 600 >/dev/null
	hull run -d --name r2 --network nr --network-alias rr --dns 127.0.0.1 --dns 127.0.0.77 \
		--dns-search example.org --dns-option attempts:2 busybox sleep 600 >/dev/null
	wait_for is_running r2
	r1=$(ip_on r1 nr)
	# docker's resolv.conf for its embedded server (rebuildDNS): the servers are the resolver's
	run hull exec r2 cat /etc/resolv.conf
	[ "$output" = $'search example.org\nnameserver 127.0.0.11\noptions attempts:2 ndots:0' ]
	run hull exec r1 cat /etc/resolv.conf
	[ "$output" = $'nameserver 127.0.0.11\noptions ndots:0' ]
	# members, over UDP and TCP, case ignored; AAAA of a member without IPv6: no address and
	# no error (docker's answer, so that the client does not ask elsewhere)
	run ask r2 udp R1
	[ "$output" = "rcode=0 tc=0 $r1" ]
	run ask r2 tcp r1
	[ "$output" = "rcode=0 tc=0 $r1" ]
	run ask r2 udp r1 AAAA
	[ "$output" = "rcode=0 tc=0" ]
	# an alias of two: both, each answer starting at another one
	run ask r2 udp rr
	[[ $output == "rcode=0 tc=0 172.29.21."*" 172.29.21."* ]]
	first=$(cut -d' ' -f3 <<<"$output")
	run ask r2 udp rr
	[ "$(cut -d' ' -f3 <<<"$output")" != "$first" ]
	# other names: to the --dns servers in turn (nothing listens on 127.0.0.1: the next one)
	run ask r2 udp ext.test
	[ "$output" = "rcode=0 tc=0 198.51.100.7" ]
	run ask r2 udp ext.test AAAA
	[ "$output" = "rcode=0 tc=0 2001:db8::7" ]
	run ask r2 udp nosuch.test
	[ "$output" = "rcode=3 tc=0" ]
	# an answer of more than 512 bytes: truncated over UDP, whole over TCP (forwarded so)
	run ask r2 udp many.test
	[ "$output" = "rcode=0 tc=1" ]
	run ask r2 tcp many.test
	[ "$(wc -w <<<"$output")" -eq 42 ]
	grep -qx "tcp many.test" "$BATS_TEST_TMPDIR/dns.log"
	# and from the container's own tools, through its resolv.conf
	run hull exec r2 nslookup ext.test
	[[ $output == *"Address: 198.51.100.7"* ]]
	# NAME.NETWORK, and reverse lookups of members' addresses, as docker's resolver answers
	run ask r2 udp r1.nr
	[ "$output" = "rcode=0 tc=0 $r1" ]
	run ask r2 udp R1.NR
	[ "$output" = "rcode=0 tc=0 $r1" ]
	run ask r2 udp "$(awk -F. '{print $4"."$3"."$2"."$1}' <<<"$r1").in-addr.arpa" PTR
	[ "$output" = "rcode=0 tc=0 r1.nr" ]
	run hull exec r2 nslookup "$r1"
	[[ $output == *"name = r1.nr"* ]]
	# an address that is no member's goes upstream (the test's server: no such name)
	run ask r2 udp 9.9.29.172.in-addr.arpa PTR
	[ "$output" = "rcode=3 tc=0" ]
	grep -qx "udp 9.9.29.172.in-addr.arpa" "$BATS_TEST_TMPDIR/dns.log"
	# a member's name is never asked upstream
	run grep -cE ' (r1|rr)$' "$BATS_TEST_TMPDIR/dns.log"
	[ "$output" = 0 ]
	# with only a server that refuses: SERVFAIL at once, not a timeout
	run ask r1 udp ext.test
	[ "$output" = "rcode=2 tc=0" ]

	# an internal network's containers find each other, and nothing else is forwarded
	hull network create --internal --subnet "$SUB_E" nri >/dev/null
	hull run -d --name i1 --network nri --dns 127.0.0.77 busybox sleep 600 >/dev/null
	hull run -d --name i2 --network nri --dns 127.0.0.77 busybox sleep 600 >/dev/null
	wait_for is_running i2
	run ask i1 udp i2
	[ "$output" = "rcode=0 tc=0 $(ip_on i2 nri)" ]
	: >"$BATS_TEST_TMPDIR/dns.log"
	run ask i1 udp ext.test
	[ "$output" = "rcode=2 tc=0" ]
	[ ! -s "$BATS_TEST_TMPDIR/dns.log" ]
	kill "$(cat "$BATS_TEST_TMPDIR/up.pid")"
}

@test "the resolver: bad queries get no crash, and it ends with its container" {
	local c res pid
	hull network create --subnet "$SUB_D" nq >/dev/null
	c=$(hull run -d --name q1 --network nq --dns 127.0.0.1 busybox sleep 600)
	wait_for is_running q1
	# none until the first query, which waits for it
	run pgrep -f "^[^ ]*hull-resolver --ctr $c"
	[ "$status" -eq 1 ]
	run ask q1 udp q1
	[ "$output" = "rcode=0 tc=0 $(ip_on q1 nq)" ]
	res=$(pgrep -f "^[^ ]*hull-resolver --ctr $c")
	[ "$(cat /proc/"$res"/comm)" = hull-resolver ]
	# it runs as nobody, in the host's namespace, and is no file of the container's
	[ "$(awk '/^Uid:/ {print $2}' /proc/"$res"/status)" = 65534 ]
	[ "$(awk '/^CapEff:/ {print $2}' /proc/"$res"/status)" = 0000000000000000 ]
	[ "$(awk '/^CapBnd:/ {print $2}' /proc/"$res"/status)" = 0000000000000000 ]
	[ "$(readlink /proc/"$res"/ns/net)" = "$(readlink /proc/self/ns/net)" ]
	pid=$(hull inspect --format '{{.State.Pid}}' q1)
	# garbage, a response, a truncated question, a compression loop, a multi-question query,
	# an inverse query, a TCP length beyond what follows, then a good query still answered
	nsenter -t "$pid" -n python3 -c '
import socket, struct
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(0.3)
hdr = lambda flags, qd: struct.pack("!HHHHHH", 7, flags, qd, 0, 0, 0)
for q in [b"", b"\xff" * 3, hdr(0x8000, 1) + b"\2q1\0\0\1\0\1", hdr(0x0100, 1) + b"\2q1",
          hdr(0x0100, 1) + b"\xc0\x0c\0\1\0\1", hdr(0x0100, 2) + b"\2q1\0\0\1\0\1" * 2,
          hdr(0x0900, 1) + b"\2q1\0\0\1\0\1", hdr(0x0100, 1) + b"\77" + b"a" * 63 + b"\0\0\1\0\1"]:
    u.sendto(q, ("127.0.0.11", 53))
    try:
        r = u.recv(600)
        print("answer", len(r), r[3] & 15)
    except socket.timeout:
        print("none")
t = socket.create_connection(("127.0.0.11", 53), timeout=2)
t.sendall(b"\xff\xff" + b"x" * 100)
t.close()
' >"$BATS_TEST_TMPDIR/bad.out"
	# dropped (not a query, unreadable) or NOTIMP (4), never a crash
	run cat "$BATS_TEST_TMPDIR/bad.out"
	[ "${lines[0]}" = none ]
	[ "${lines[2]}" = none ]
	[ "${lines[3]}" = none ]
	[ "${lines[4]}" = none ]
	[ "${lines[5]}" = "answer 12 4" ]
	[ "${lines[6]}" = "answer 12 4" ]
	kill -0 "$res"
	run ask q1 udp q1
	[ "$output" = "rcode=0 tc=0 $(ip_on q1 nq)" ]
	run ask q1 tcp "${c:0:12}"
	[ "$output" = "rcode=0 tc=0 $(ip_on q1 nq)" ]
	hull stop -t 0 q1
	wait_for pids_dead "$res"
	# not a zombie of its monitor either
	run pgrep -f "^[^ ]*hull-resolver --ctr $c"
	[ "$status" -eq 1 ]
	hull start q1
	run ask q1 tcp q1
	[ "$output" = "rcode=0 tc=0 $(ip_on q1 nq)" ]
	res=$(pgrep -f "^[^ ]*hull-resolver --ctr $c")
	kill -0 "$res"
	hull rm -f q1
	wait_for pids_dead "$res"
}

@test "the resolver holds against its container: its servers, a TCP pipe, a flood, many servers" {
	local c pid
	upstream 127.0.0.66
	hull network create --subnet "$SUB_D" nv >/dev/null
	# a container of the default bridge writes its own resolv.conf, then joins a network: the
	# resolver it gets forwards to the servers it was given (--dns), never to the file's
	c=$(hull run -d --name v1 --dns 127.0.0.1 busybox sleep 600)
	wait_for is_running v1
	hull exec v1 sh -c 'echo nameserver 127.0.0.66 >/etc/resolv.conf'
	hull network connect nv v1
	run hull exec v1 cat /etc/resolv.conf
	[ "$output" = $'nameserver 127.0.0.11\noptions ndots:0' ]
	run ask v1 udp ext.test
	[ "$output" = "rcode=2 tc=0" ]
	run ask v1 tcp ext.test
	[ -z "$output" ] || [ "$output" = "rcode=2 tc=0" ]
	[ ! -s "$BATS_TEST_TMPDIR/dns.log" ]
	run ask v1 udp v1
	[ "$output" = "rcode=0 tc=0 $(ip_on v1 nv)" ]

	# over TCP one query is forwarded per connection: what follows it never reaches the
	# server, and zone transfers are refused
	hull run -d --name v2 --network nv --dns 127.0.0.66 busybox sleep 600 >/dev/null
	wait_for is_running v2
	pid=$(hull inspect --format '{{.State.Pid}}' v2)
	run nsenter -t "$pid" -n python3 -c '
import socket, struct
def q(name, ident):
    m = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0)
    for l in name.split("."):
        m += bytes([len(l)]) + l.encode()
    m += b"\0\0\1\0\1"
    return struct.pack("!H", len(m)) + m
s = socket.create_connection(("127.0.0.11", 53), timeout=3)
s.sendall(q("ext.test", 1) + q("second.test", 2))
r = s.recv(4096)
s.sendall(q("third.test", 3) + b"garbage")
print(struct.unpack("!H", r[2:4])[0])'
	[ "$output" = 1 ]
	sleep 0.5
	run cat "$BATS_TEST_TMPDIR/dns.log"
	[ "$output" = "tcp ext.test" ]
	run ask v2 tcp ext.test AXFR
	[ "$output" = "rcode=5 tc=0" ]
	run ask v2 udp ext.test AXFR
	[ "$output" = "rcode=5 tc=0" ]

	# a flood of queries to a server that never answers: what the resolver keeps is bounded,
	# the rest gets SERVFAIL at once
	python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.79", 53))
time.sleep(30)' 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/silent.pid"
	hull run -d --name v3 --network nv --dns 127.0.0.79 busybox sleep 600 >/dev/null
	wait_for is_running v3
	run nsenter -t "$(hull inspect --format '{{.State.Pid}}' v3)" -n python3 -c '
import socket, struct
import time
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(40)]
for i in range(400):
    m = struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0) + bytes([60]) + b"x" * 60
    m += b"\0\0\1\0\1" + b"\0" * 900
    socks[i % 40].sendto(m, ("127.0.0.11", 53))
    # the first starts the resolver; then a pace it keeps up with
    time.sleep(0.3 if i == 0 else 0.002)
import select
fails = 0
while True:
    ready = select.select(socks, [], [], 1.0)[0]
    if not ready:
        break
    for s in ready:
        fails += (s.recv(4096)[3] & 15) == 2
print(fails)'
	[ "$output" -ge 100 ]
	[ "$(awk '/^VmRSS:/ {print $2}' /proc/"$(pgrep -f "^[^ ]*hull-resolver --ctr $(hull inspect --format '{{.Id}}' v3)")"/status)" -lt 16384 ]
	kill "$(cat "$BATS_TEST_TMPDIR/silent.pid")"

	# more servers than a resolver asks (three): it still runs, and asks the first three
	hull run -d --name v4 --network nv --dns 127.0.0.1 --dns 127.0.0.2 --dns 127.0.0.3 \
		--dns 127.0.0.66 busybox sleep 600 >/dev/null
	wait_for is_running v4
	run ask v4 udp v4
	[ "$output" = "rcode=0 tc=0 $(ip_on v4 nv)" ]
	run ask v4 udp ext.test
	[ "$output" = "rcode=2 tc=0" ]
	kill "$(cat "$BATS_TEST_TMPDIR/up.pid")"
}
