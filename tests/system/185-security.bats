#!/usr/bin/env bats
# Issue 7, docker's security surface: capabilities (--cap-add, --cap-drop,
# --privileged), --security-opt (seccomp, no-new-privileges, systempaths,
# apparmor/label), --userns, and the default seccomp profile as an allow-list
# generated from moby's profile, checked against that profile by
# tests/system/seccomp-check (its own reading of docker's rules, and a BPF
# interpreter over every x86_64 syscall).

load helpers

PROFILE=/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json
DEFAULT_CAPS="CAP_CHOWN CAP_DAC_OVERRIDE CAP_FSETID CAP_FOWNER CAP_MKNOD CAP_NET_RAW CAP_SETGID
CAP_SETUID CAP_SETFCAP CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_SYS_CHROOT CAP_KILL CAP_AUDIT_WRITE"

setup_file() {
	hull_setup_file
	hull run -d --name sec busybox sleep 1000 >/dev/null
	hull run -d --name secnnp --cap-add sys_time --cap-drop net_raw \
		--security-opt no-new-privileges busybox sleep 1000 >/dev/null
}

# caps_of ARGS...: the CapEff line of a container run with ARGS
caps_of() { hull run --rm "$@" busybox grep CapEff /proc/self/status | awk '{print $2}'; }

@test "a default container has docker's capability set, nothing inheritable or ambient" {
	run hull run --rm busybox grep Cap /proc/self/status
	[ "$status" -eq 0 ]
	[[ $output == *"CapInh:	0000000000000000"* ]]
	[[ $output == *"CapPrm:	00000000a80425fb"* ]]
	[[ $output == *"CapEff:	00000000a80425fb"* ]]
	[[ $output == *"CapBnd:	00000000a80425fb"* ]]
	[[ $output == *"CapAmb:	0000000000000000"* ]]
}

@test "--cap-add and --cap-drop take names in any case, with or without CAP_" {
	# + NET_ADMIN (12), - CHOWN (0)
	[ "$(caps_of --cap-add net_admin --cap-drop CAP_CHOWN)" = 00000000a80435fa ]
	[ "$(caps_of --cap-add CAP_NET_ADMIN --cap-drop chown)" = 00000000a80435fa ]
	# --cap-drop ALL then add one: only that one
	[ "$(caps_of --cap-drop all --cap-add kill)" = 0000000000000020 ]
	# the container cannot do what a dropped capability allows
	run hull run --rm --cap-drop chown busybox chown 1 /etc/hostname
	[ "$status" -ne 0 ]
	[[ $output == *"Operation not permitted"* ]]
}

@test "--cap-add ALL is every capability hull holds, and the seccomp profile follows the set" {
	local own
	own=$(awk '/CapPrm/ {print $2}' /proc/self/status)
	[ "$(caps_of --cap-add ALL)" = "$own" ]
	# docker's profile allows unshare only with CAP_SYS_ADMIN
	run hull run --rm busybox unshare -U true
	[ "$status" -ne 0 ]
	run hull run --rm --cap-add sys_admin busybox sh -c 'unshare -U true && echo ok'
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "an unknown capability fails the run with docker's message, exit 125" {
	run hull run --rm --cap-add foo busybox true
	[ "$status" -eq 125 ]
	[ "$output" = 'hull: invalid CapAdd: unknown capability: "CAP_FOO"' ]
	run hull create --cap-drop CAP_NOPE busybox true
	[ "$status" -eq 125 ]
	[ "$output" = 'hull: invalid CapDrop: unknown capability: "CAP_NOPE"' ]
}

@test "--privileged: all capabilities, no seccomp filter, no masked paths, /sys writable" {
	local own
	own=$(awk '/CapPrm/ {print $2}' /proc/self/status)
	run hull run --rm --privileged busybox sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status; grep -c "/proc/keys " /proc/mounts; grep " /sys " /proc/mounts'
	echo "$output"
	[ "${lines[0]}" = "CapEff:	$own" ]
	[ "${lines[1]}" = "Seccomp:	0" ]
	[ "${lines[2]}" = 0 ]
	[[ ${lines[3]} == *" rw,"* ]]
	# and every device: the host's nodes, all allowed by the device cgroup
	if [ -c /dev/kmsg ]; then
		run hull run --rm --privileged busybox sh -c 'test -c /dev/kmsg && echo kmsg'
		[ "$output" = kmsg ]
		run hull run --rm busybox sh -c 'test -e /dev/kmsg || echo none'
		[ "$output" = none ]
	fi
	if [ -f /sys/fs/cgroup/devices/devices.list ]; then
		local cg
		hull run -d --name secpd --privileged busybox sleep 100 >/dev/null
		cg=$(hull exec secpd sed -n 's/^[0-9]*:devices://p' /proc/self/cgroup)
		run cat "/sys/fs/cgroup/devices$cg/devices.list"
		hull rm -f secpd >/dev/null
		[ "$output" = "a *:* rwm" ]
	fi
	# the default for comparison: masked, read-only, filtered
	run hull run --rm busybox sh -c 'grep -E "^Seccomp:" /proc/self/status; grep -c "/proc/keys " /proc/mounts; grep " /sys " /proc/mounts'
	[ "${lines[0]}" = "Seccomp:	2" ]
	[ "${lines[1]}" = 1 ]
	[[ ${lines[2]} == *" ro,"* ]]
}

@test "inspect shows the security defaults and options as docker does" {
	run hull inspect --format '{{json .HostConfig.Privileged}} {{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}} {{json .HostConfig.SecurityOpt}}' sec
	[ "$output" = 'false null null null' ]
	run hull inspect --format '{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}} {{json .HostConfig.SecurityOpt}}' secnnp
	[ "$output" = '["CAP_SYS_TIME"] ["CAP_NET_RAW"] ["no-new-privileges"]' ]
	hull create --name secpriv --privileged busybox true >/dev/null
	run hull inspect --format '{{json .HostConfig.Privileged}}' secpriv
	[ "$output" = true ]
	hull rm secpriv >/dev/null
}

@test "exec gets the container's capabilities, seccomp filter and no-new-privileges" {
	run hull exec secnnp grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status
	echo "$output"
	# default + SYS_TIME (25) - NET_RAW (13)
	[ "${lines[0]}" = "CapEff:	00000000aa0405fb" ]
	[ "${lines[1]}" = "NoNewPrivs:	1" ]
	[ "${lines[2]}" = "Seccomp:	2" ]
	run hull exec sec grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status
	[ "${lines[0]}" = "NoNewPrivs:	0" ]
	[ "${lines[1]}" = "Seccomp:	2" ]
}

@test "--security-opt seccomp=unconfined, seccomp=PROFILE.json and a bad profile" {
	run hull run --rm --security-opt seccomp=unconfined busybox grep '^Seccomp:' /proc/self/status
	[ "$output" = "Seccomp:	0" ]
	# docker's profile format: everything allowed but mkdir and mkdirat (ENOSYS)
	cat > "$BATS_TEST_TMPDIR/p.json" <<-'EOF'
	{"defaultAction": "SCMP_ACT_ALLOW",
	 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}
	EOF
	run hull run --rm --security-opt seccomp="$BATS_TEST_TMPDIR/p.json" busybox sh -c 'mkdir /x; grep "^Seccomp:" /proc/self/status'
	echo "$output"
	[[ $output == *"Function not implemented"* ]]
	[[ $output == *"Seccomp:	2"* ]]
	# the profile is stored in the record as docker's CLI sends it
	hull create --name secprof --security-opt seccomp="$BATS_TEST_TMPDIR/p.json" busybox true >/dev/null
	run hull inspect --format '{{json .HostConfig.SecurityOpt}}' secprof
	[[ $output == '["seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"'* ]]
	hull rm secprof >/dev/null
	run hull run --rm --security-opt seccomp=/nonexistent.json busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"opening seccomp profile (/nonexistent.json) failed"* ]]
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_FOO"}]}' > "$BATS_TEST_TMPDIR/bad.json"
	run hull run --rm --security-opt seccomp="$BATS_TEST_TMPDIR/bad.json" busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"unsupported action 'SCMP_ACT_FOO'"* ]]
}

@test "--security-opt: no-new-privileges, systempaths, apparmor and label, and bad ones" {
	run hull run --rm --security-opt no-new-privileges:true busybox grep NoNewPrivs /proc/self/status
	[ "$output" = "NoNewPrivs:	1" ]
	run hull run --rm --security-opt no-new-privileges=false busybox grep NoNewPrivs /proc/self/status
	[ "$output" = "NoNewPrivs:	0" ]
	run hull run --rm --security-opt systempaths=unconfined busybox grep -c '/proc/keys ' /proc/mounts
	[ "$output" = 0 ]
	run hull run --rm --security-opt apparmor=docker-default busybox true
	[ "$status" -eq 0 ]
	[[ $output == *"WARNING: AppArmor is not used by hull"* ]]
	run hull run --rm --security-opt label=disable busybox true
	[ "$status" -eq 0 ]
	[[ $output == *"WARNING: SELinux is not used by hull"* ]]
	run hull run --rm --security-opt bogus busybox true
	[ "$status" -eq 125 ]
	[ "$output" = 'hull: invalid --security-opt: "bogus"' ]
	run hull run --rm --security-opt foo=bar busybox true
	[ "$status" -eq 125 ]
	[ "$output" = 'hull: invalid --security-opt 2: "foo=bar"' ]
	run hull run --rm --security-opt no-new-privileges=maybe busybox true
	[ "$status" -eq 125 ]
}

@test "--userns is refused clearly, but for host" {
	run hull run --rm --userns=remap busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"user namespaces are not supported yet"* ]]
	run hull run --rm --userns=host busybox true
	[ "$status" -eq 0 ]
}

@test "the default seccomp filter allows exactly what docker's profile allows (x86_64), ENOSYS past it" {
	[ "$(uname -m)" = x86_64 ] || skip "the checker knows x86_64 only"
	[ -f "$PROFILE" ] || skip "needs golang-github-docker-docker-dev (scripts/setup)"
	hull debug seccomp > "$BATS_TEST_TMPDIR/default.bpf"
	run "$BATS_TEST_DIRNAME/seccomp-check" "$PROFILE" "$BATS_TEST_TMPDIR/default.bpf" $DEFAULT_CAPS
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == "allowed "*" as docker's profile; "*" newer than it answer ENOSYS" ]]
	# with capabilities that open blocks of the profile
	hull debug seccomp --cap-add sys_admin --cap-add SYS_PTRACE > "$BATS_TEST_TMPDIR/admin.bpf"
	run "$BATS_TEST_DIRNAME/seccomp-check" "$PROFILE" "$BATS_TEST_TMPDIR/admin.bpf" $DEFAULT_CAPS CAP_SYS_ADMIN CAP_SYS_PTRACE
	echo "$output"
	[ "$status" -eq 0 ]
	# and the checker does tell a wrong filter apart
	run "$BATS_TEST_DIRNAME/seccomp-check" "$PROFILE" "$BATS_TEST_TMPDIR/default.bpf" $DEFAULT_CAPS CAP_SYS_ADMIN
	[ "$status" -eq 1 ]
	[[ $output == *"mount (165)"* ]]
}

@test "the compiled filter is cached in the runroot, and a damaged cache is not trusted" {
	hull run --rm busybox true
	local f
	for f in "$HULL_RUNROOT"/seccomp/*.bpf; do
		[ -s "$f" ]
		# an allow-everything program in place of the cached one: ignored, recompiled
		printf 'HULLBPF1 sha256:%064d\n\x06\x00\x00\x00\x00\x00\xff\x7f' 0 > "$f"
	done
	run hull run --rm busybox unshare -U true
	[ "$status" -ne 0 ]
	[[ $output == *"Operation not permitted"* ]]
}

@test "mounts: nothing over /proc but lxcfs's files, not /dev itself, not through a symlink either" {
	local d=$BATS_TEST_TMPDIR/v
	mkdir -p "$d"
	echo 42 > "$BATS_TEST_TMPDIR/uptime"
	run hull run --rm -v "$d:/proc" busybox true
	[ "$status" -eq 125 ]
	[ "$output" = 'hull: "/proc" cannot be mounted because it is inside /proc' ]
	run hull run --rm -v "$d:/proc/sys/kernel" busybox true
	[ "$status" -eq 125 ]
	[[ $output == *'"/proc/sys/kernel" cannot be mounted because it is inside /proc'* ]]
	run hull run --rm --tmpfs /proc/sys busybox true
	[ "$status" -eq 125 ]
	run hull run --rm -v "$d:/dev" busybox true
	[ "$status" -eq 125 ]
	[[ $output == *'"/dev" cannot be mounted: it holds the container'* ]]
	# what lxcfs provides is allowed, as runc allows it; /dev/shm too
	run hull run --rm -v "$BATS_TEST_TMPDIR/uptime:/proc/uptime" busybox cat /proc/uptime
	[ "$status" -eq 0 ]
	[ "$output" = 42 ]
	run hull run --rm -v "$d:/dev/shm" busybox true
	[ "$status" -eq 0 ]
	# a symlink in the image that leads into /proc is resolved first
	build_image prolink 'FROM busybox
RUN ln -s /proc/sys /data'
	run hull run --rm -v "$d:/data" prolink true
	[ "$status" -eq 125 ]
	[[ $output == *'"/proc/sys" cannot be mounted because it is inside /proc'* ]]
}

@test "a mount at /dev/shm keeps its own options: read-only stays read-only, the host file untouched" {
	local d=$BATS_TEST_TMPDIR/shm
	mkdir -p "$d"
	echo orig > "$d/f"
	run hull run --rm -v "$d:/dev/shm:ro" busybox sh -c 'echo pwned > /dev/shm/f'
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	run hull run --rm --mount "type=bind,src=$d,dst=/dev/shm,readonly" busybox touch /dev/shm/new
	[ "$status" -ne 0 ]
	[ "$(cat "$d/f")" = orig ]
	[ ! -e "$d/new" ]
	run hull run --rm --tmpfs /dev/shm:ro busybox touch /dev/shm/x
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	# the user's mount replaces docker's default /dev/shm, as moby's WithMounts does
	run -0 hull run --rm -v "$d:/dev/shm" busybox sh -c 'grep -c " /dev/shm " /proc/mounts; cat /dev/shm/f'
	[ "$output" = $'1\norig' ]
}

@test "a syscall newer than docker's profile answers ENOSYS in a container, as with runc" {
	[ "$(uname -m)" = x86_64 ] || skip "syscall numbers of x86_64"
	local d
	d=$(ctx_dir)
	# fchmodat2 (452) is newer than the profile; glibc falls back to fchmodat on ENOSYS only
	cat > "$d/sys.c" <<-'EOF2'
	#include <errno.h>
	#include <fcntl.h>
	#include <stdio.h>
	#include <unistd.h>
	#include <sys/syscall.h>
	int main(void)
	{
		long r = syscall(452, AT_FDCWD, "/", 0755, 0);
		printf("fchmodat2 %d\n", r < 0 ? errno : 0);
		r = syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, 0);
		printf("mount %d\n", r < 0 ? errno : 0);
		char params[120] = {0};
		r = syscall(425, 1, params); /* io_uring_setup: moby dropped it in 2023 */
		printf("io_uring %d\n", r < 0 ? errno : 0);
		return 0;
	}
	EOF2
	gcc -static -O2 -o "$d/sys" "$d/sys.c"
	printf 'FROM busybox\nCOPY sys /bin/\n' > "$d/Dockerfile"
	hull build -q -t sysprobe "$d" >/dev/null
	run hull run --rm sysprobe sys
	echo "$output"
	[ "${lines[0]}" = "fchmodat2 38" ]
	[ "${lines[1]}" = "mount 1" ]
	[ "${lines[2]}" = "io_uring 1" ]
}
