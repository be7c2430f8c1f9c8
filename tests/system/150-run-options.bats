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

@test "--read-only with --tmpfs" {
	run hull run --rm --read-only busybox touch /x
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	run hull run --rm --read-only --tmpfs /scratch:size=1m busybox sh -c 'touch /scratch/x && grep " /scratch " /proc/mounts'
	[ "$status" -eq 0 ]
	[[ $output == *"tmpfs"*"nosuid"*"nodev"*"noexec"* ]]
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
