#!/usr/bin/env bats
# Escapes found by an adversary's trial of issue 7's work, each performed for
# real: host files through a build step's symlinked /etc, the host's loopback
# services through hull0's route_localnet (CVE-2020-8558), the host network
# through RUN --network=host, host passwd files through an image's symlinked
# /etc, and flags taken by prefix.

load helpers

setup_file() {
	hull_setup_file
	local d=$BATS_FILE_TMPDIR/ctx
	mkdir -p "$d"
	gcc -static -O2 -o "$d/lo-send" "$BATS_TEST_DIRNAME/progs/lo-send.c" || return 1
	printf 'FROM busybox\nCOPY lo-send /bin/\n' > "$d/Dockerfile"
	"$HULL" build -q -t lo-send "$d" >/dev/null || return 1
}

@test "a RUN step that links /etc to a host directory does not delete files there" {
	local v=$BATS_TEST_TMPDIR/victim d f
	mkdir -p "$v"
	for f in hosts hostname resolv.conf; do echo keep > "$v/$f"; done
	d=$(ctx_dir)
	# (on scratch: no /etc bind mounts in the way of the mv)
	cat > "$d/Dockerfile" <<-EOF
	FROM busybox AS b
	FROM scratch
	COPY --from=b /bin /bin
	RUN mv /etc /etc.old && ln -s $v /etc
	EOF
	run hull build -q --no-cache "$d"
	[ "$status" -eq 0 ]
	for f in hosts hostname resolv.conf; do
		[ "$(cat "$v/$f")" = keep ]
	done
}

@test "a container cannot reach the host's 127.0.0.1 services through the bridge (CVE-2020-8558)" {
	local port=$((31000 + RANDOM % 1000)) got=$BATS_TEST_TMPDIR/got
	python3 -c '
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", int(sys.argv[1])))
u.settimeout(4)
try:
    print(u.recvfrom(100)[0].decode())
except socket.timeout:
    print("nothing")' "$port" > "$got" &
	local listener=$!
	sleep 0.3
	run hull run --rm lo-send sh -c 'ping -c1 -W1 $(ip route | awk "/default/ {print \$3}") >/dev/null
		gw=$(ip route | awk "/default/ {print \$3}")
		mac=$(awk -v gw=$gw "\$1 == gw {print \$4}" /proc/net/arp)
		src=$(ip -4 -o addr show eth0 | awk "{split(\$4, a, \"/\"); print a[1]}")
		lo-send $mac $src '"$port"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *sent* ]]
	wait "$listener"
	[ "$(cat "$got")" = nothing ]
	# the guard is in place
	nft list chain ip hull loopback | grep -q 'ip daddr 127.0.0.0/8 ct state != { established, related } drop'
}

@test "publishing on 127.0.0.1 still works with the loopback guard" {
	local port=$((32000 + RANDOM % 1000))
	hull run -d --name lo-web -p 127.0.0.1:$port:80 busybox httpd -f -p 80 -h /etc >/dev/null
	run fetch "http://127.0.0.1:$port/hostname"
	hull rm -f lo-web >/dev/null
	[ "$status" -eq 0 ]
	[ -n "$output" ]
}

@test "RUN --network=host needs hull build --allow network.host" {
	local d
	d=$(ctx_dir)
	printf 'FROM busybox\nRUN --network=host ls /sys/class/net\n' > "$d/Dockerfile"
	run hull build -q --no-cache "$d"
	[ "$status" -ne 0 ]
	[[ $output == *"RUN --network=host: network.host is not allowed"* ]]
	run hull build -q --no-cache --allow network.host "$d"
	[ "$status" -eq 0 ]
	# another entitlement does not grant this one; an unknown one is a usage error
	run -1 hull build -q --allow security.insecure "$d"
	[[ $output == *"RUN --network=host: network.host is not allowed"* ]]
	run -125 hull build -q --allow bogus "$d"
}

@test "an image whose /etc links to a host directory cannot make hull read host passwd files" {
	local pw=$BATS_TEST_TMPDIR/pwetc d=$BATS_TEST_TMPDIR/rootfs
	mkdir -p "$pw" "$d"
	printf 'hostonly:x:4242:4343:x:/HOST-FILE-WAS-READ:/bin/sh\n' > "$pw/passwd"
	printf 'hostgroup:x:4343:\n' > "$pw/group"
	hull create --name pwsrc busybox true >/dev/null
	hull export pwsrc | tar -C "$d" -xf -
	hull rm pwsrc >/dev/null
	rm -rf "$d/etc"
	ln -s "$pw" "$d/etc"
	tar -C "$d" -cf - . | hull import - pwimg >/dev/null
	run hull run --rm -u hostonly pwimg id
	[ "$status" -ne 0 ]
	[[ $output == *"unable to find user hostonly"* ]]
	run hull run --rm --group-add hostgroup pwimg id
	[ "$status" -ne 0 ]
}

@test "long flags are not taken by prefix, as docker's" {
	run hull run --rm --priv busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"unknown flag: --priv"* ]]
	run hull rm --forc nothing
	[ "$status" -eq 125 ]
	[[ $output == *"unknown flag: --forc"* ]]
	run -125 hull run --rm --priv=true busybox true
	[[ $output == *"unknown flag: --priv"* ]]
}

@test "a boolean flag takes =true and =false as pflag's: false is the default, never privileged" {
	local def
	def=$(hull run --rm busybox grep CapEff /proc/self/status)
	run hull run --rm --privileged=false busybox grep CapEff /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" = "$def" ]
	run hull run --rm --privileged=0 busybox grep CapEff /proc/self/status
	[ "$output" = "$def" ]
	run hull run --rm --privileged=true busybox grep CapEff /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" != "$def" ]
	run -125 hull run --rm --privileged=yes busybox true
	[[ $output == *'invalid argument "yes" for "--privileged" flag: strconv.ParseBool: parsing "yes": invalid syntax'* ]]
	# a false after the flag would have to undo it: refused, never ignored
	run -125 hull run --rm --privileged --privileged=false busybox true
	[[ $output == *"--privileged=false after --privileged"* ]]
	# after the short form too: 'image prune -a --all=false' once deleted every unused image
	hull tag busybox keep-me:1
	run -125 hull image prune -f -a --all=false
	[[ $output == *"--all=false after --all"* ]]
	hull image inspect keep-me:1 >/dev/null
	hull rmi keep-me:1
	run -125 hull run -d --detach=false busybox true
	[[ $output == *"--detach=false after --detach"* ]]
	run -125 hull run --rm -i --interactive=false busybox true
	[[ $output == *"--interactive=false after --interactive"* ]]
	run -125 hull run --rm --sig-proxy=maybe busybox true
	[[ $output == *'invalid argument "maybe" for "--sig-proxy" flag'* ]]
	# --rm=true removes; --rm=false keeps, after the argument too (rm FOO --force=true)
	run hull run --rm=true --name rmt busybox true
	[ "$status" -eq 0 ]
	run -1 hull inspect rmt
	hull run --rm=false --name rmf busybox true
	hull rm rmf --force=true
	run -1 hull inspect rmf
	# content trust is Notary's, which hull has not: =false is refused, not ignored
	run -125 hull pull --disable-content-trust=false busybox
	[[ $output == *"content trust (Notary) is not supported"* ]]
}
