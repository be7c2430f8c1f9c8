#!/usr/bin/env bats
# -u with groups, --group-add, --env-file, --hostname, --add-host, --read-only, --tmpfs, -w.

load helpers

@test "-u by name and id, with supplementary groups from /etc/group" {
	run hull run --rm -u nobody busybox id
	[[ $output == "uid=65534(nobody) gid=65534(nogroup)"* ]]
	run hull run --rm -u 1234:daemon busybox id
	[[ $output == "uid=1234 gid=1(daemon)"* ]]
	run hull run --rm -u nosuchuser busybox id
	[ "$status" -eq 125 ]
	[[ $output == *"unable to find user nosuchuser"* ]]
}

@test "--group-add by name and number" {
	run hull run --rm -u nobody --group-add daemon --group-add 4242 busybox id -G
	[[ " $output " == *" 1 "* ]]
	[[ " $output " == *" 4242 "* ]]
	run hull run --rm --group-add nosuch busybox true
	[ "$status" -eq 125 ]
}

@test "--env-file" {
	local f=$BATS_TEST_TMPDIR/env
	printf '# comment\nA=1\n\nB=two words\nHOME\n' > "$f"
	run hull run --rm --env-file "$f" -e A=override busybox sh -c 'echo "$A|$B"'
	[ "$output" = "override|two words" ]
	run hull run --rm --env-file /nonexistent busybox true
	[ "$status" -eq 125 ]
}

@test "--hostname and --add-host" {
	run hull run --rm --hostname box1 --add-host db:10.1.2.3 --add-host gw:host-gateway busybox sh -c 'hostname; grep -E "db|gw" /etc/hosts'
	[ "${lines[0]}" = box1 ]
	[[ ${lines[1]} == "10.1.2.3"*db ]]
	[[ ${lines[2]} == *gw ]]
	run hull run --rm --add-host bad busybox true
	[ "$status" -eq 125 ]
}

@test "--dns, --dns-search, --dns-option build resolv.conf as moby's resolvconf.Build; bad values exit 125" {
	run -0 hull run --rm --dns 192.0.2.53 --dns 2001:db8::53 --dns-search example.com \
		--dns-search b.example.org. --dns-option ndots:2 --dns-opt timeout:1 busybox cat /etc/resolv.conf
	[ "$output" = "search example.com b.example.org
nameserver 192.0.2.53
nameserver 2001:db8::53
options ndots:2 timeout:1" ]
	# one of them given: the others are the host's (loopback resolvers dropped)
	run -0 hull run --rm --dns-option debug busybox cat /etc/resolv.conf
	[ "${lines[-1]}" = "options debug" ]
	[[ $output != *"nameserver 127."* ]]
	# "." means no search domain
	run -0 hull run --rm --dns 192.0.2.53 --dns-search . busybox cat /etc/resolv.conf
	[ "$output" = "nameserver 192.0.2.53" ]
	hull create --name dnsrec --dns 192.0.2.53 --dns-search x.test busybox true
	run -0 hull inspect -f '{{json .HostConfig.Dns}} {{json .HostConfig.DnsSearch}} {{json .HostConfig.DnsOptions}}' dnsrec
	[ "$output" = '["192.0.2.53"] ["x.test"] []' ]
	hull rm dnsrec
	run -125 hull run --rm --dns not-an-ip busybox true
	[ "${lines[0]}" = 'hull: run: invalid argument "not-an-ip" for "--dns" flag: IP address is not correctly formatted: not-an-ip' ]
	run -125 hull run --rm --dns-search -bad.com busybox true
	[[ ${lines[0]} == *'"-bad.com" for "--dns-search" flag: -bad.com is not a valid domain' ]]
	run -125 hull run --rm --dns-search 1234 busybox true
	# one word per option: no line of resolv.conf can be made with it
	run -125 hull run --rm --dns-option "$(printf 'ndots:1\nnameserver 192.0.2.66')" busybox true
	[[ $output == *'for "--dns-option" flag: a DNS option is one word'* ]]
	# a host with loopback resolvers only (systemd-resolved) and a comment on its search
	# line: the container gets docker's fallback servers, and no "#" domain
	local fake=$BATS_TEST_TMPDIR/resolv.conf
	printf 'nameserver 127.0.0.53\nsearch corp.example # office\noptions edns0 ; x\n' >"$fake"
	run -0 unshare -m sh -c "mount --bind '$fake' /etc/resolv.conf && '$HULL' run --rm --dns-option debug busybox cat /etc/resolv.conf"
	[ "$output" = "search corp.example
nameserver 8.8.8.8
nameserver 8.8.4.4
options debug" ]
	run -0 unshare -m sh -c "mount --bind '$fake' /etc/resolv.conf && '$HULL' run --rm busybox cat /etc/resolv.conf"
	[[ $output == *"nameserver 8.8.8.8"* ]]
	[[ $output != *"127.0.0.53"* ]]
}

@test "--network container:NAME joins the other's network namespace and files; docker's conflicts" {
	hull run -d --name netowner -h ownerhost busybox sh -c \
		'mkdir /w && echo served > /w/index.html && exec httpd -f -p 8080 -h /w'
	run -0 hull run --rm --network container:netowner busybox sh -c \
		'hostname; for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://127.0.0.1:8080/ && break; sleep 0.1; done'
	[ "$output" = "ownerhost
served" ]
	# its interface is the owner's
	run -0 hull exec netowner cat /sys/class/net/eth0/address
	local mac=$output
	hull run -d --name netguest --network container:netowner busybox sleep 100
	run -0 hull exec netguest cat /sys/class/net/eth0/address
	[ "$output" = "$mac" ]
	run -0 hull inspect -f '{{.HostConfig.NetworkMode}} {{.HostsPath}} {{.Config.Hostname}}' netguest
	[ "$output" = "container:netowner $(hull inspect -f '{{.HostsPath}}' netowner) ownerhost" ]
	hull rm -f netguest
	# moby's runconfig conflicts, before anything is made
	run -125 hull run --rm --network container:netowner -p 80 busybox true
	[[ $output == *"conflicting options: port publishing and the container type network mode"* ]]
	run -125 hull run --rm --network container:netowner -h other busybox true
	[[ $output == *"conflicting options: hostname and the network mode"* ]]
	run -125 hull run --rm --network container:netowner --dns 192.0.2.1 busybox true
	[[ $output == *"conflicting options: dns and the network mode"* ]]
	run -125 hull run --rm --network container:netowner --add-host a:192.0.2.1 busybox true
	[[ $output == *"conflicting options: custom host-to-IP mapping and the network mode"* ]]
	run -125 hull run --rm --network container:netowner --expose 80 busybox true
	[[ $output == *"conflicting options: port exposing and the container type network mode"* ]]
	# at start: the other must exist and run
	run -125 hull run --rm --network container:nosuch150 busybox true
	[[ $output == *"No such container: nosuch150"* ]]
	hull stop -t 0 netowner >/dev/null
	run -125 hull run --rm --network container:netowner busybox true
	[[ $output == *"cannot join network of a non running container: netowner"* ]]
	hull rm -f netowner
}

@test "--read-only with --tmpfs" {
	run hull run --rm --read-only busybox touch /x
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	run hull run --rm --read-only --tmpfs /scratch:size=1m busybox sh -c 'touch /scratch/x && grep " /scratch " /proc/mounts'
	[ "$status" -eq 0 ]
	[[ $output == *"tmpfs"*"nosuid"*"nodev"*"noexec"* ]]
	# /etc/hosts, hostname and resolv.conf go read-only with the root, as moby's NetworkMounts
	for f in hosts hostname resolv.conf; do
		run hull run --rm --read-only busybox sh -c "echo x >> /etc/$f"
		[ "$status" -ne 0 ]
		[[ $output == *"Read-only file system"* ]]
	done
	run -0 hull run --rm busybox sh -c 'echo x >> /etc/hosts && echo x >> /etc/resolv.conf'
}

@test "--tmpfs options that are no file system's are refused before anything runs" {
	# a bind, or hull's own x-hull. options, which the runtime would read from the spec
	for o in bind size=1m,rbind x-hull.subpath=a; do
		run hull run --rm --tmpfs "/x:$o" busybox true
		[ "$status" -eq 125 ]
		[[ ${lines[0]} == "hull: run: invalid tmpfs option '${o##*,}' in '/x:$o'" ]]
	done
	run -0 hull run --rm --tmpfs /x:size=1m,mode=700 busybox stat -c %a /x
	[ "$output" = 700 ]
}

@test "--workdir is created when missing" {
	run hull run --rm -w /some/new/dir busybox pwd
	[ "$output" = /some/new/dir ]
}

@test "--expose PORT[-END][/PROTO] adds Config.ExposedPorts; bad values exit 125" {
	hull create --name ex1 --expose 80 --expose 9000-9002/udp busybox true >/dev/null
	run -0 hull inspect --format '{{json .Config.ExposedPorts}}' ex1
	[ "$output" = '{"80/tcp":{},"9000/udp":{},"9001/udp":{},"9002/udp":{}}' ]
	hull rm -f ex1 >/dev/null
	for bad in 0 70000 80/xyz 90-80 a-b ''; do
		run -125 hull create --expose "$bad" busybox true
		[[ $output == *"invalid range format for --expose"* ]]
	done
}
