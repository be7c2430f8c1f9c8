#!/usr/bin/env bats
# Issue 7, docker's namespace options: --pid host|container:NAME, --ipc
# host|private|none|shareable|container:NAME, --uts host, --cgroupns host|private, --sysctl (docker's
# allow-list, runc's namespace checks) and --shm-size.

load helpers

setup_file() {
	hull_setup_file
	hull run -d --name nsd busybox sleep 1000 >/dev/null
}

@test "the namespace defaults are docker's, and inspect shows them" {
	run hull inspect --format '{{json .HostConfig.PidMode}} {{json .HostConfig.IpcMode}} {{json .HostConfig.UTSMode}} {{json .HostConfig.CgroupnsMode}} {{json .HostConfig.ShmSize}}' nsd
	[ "$output" = '"" "private" "" "host" 67108864' ]
	run hull exec nsd sh -c 'echo $$ >/dev/null; readlink /proc/1/ns/pid /proc/1/ns/ipc /proc/1/ns/uts'
	[[ ${lines[0]} != "$(readlink /proc/self/ns/pid)" ]]
	[[ ${lines[1]} != "$(readlink /proc/self/ns/ipc)" ]]
	[[ ${lines[2]} != "$(readlink /proc/self/ns/uts)" ]]
}

@test "--pid host sees the host's processes; --pid container:NAME shares that container's" {
	run hull run --rm --pid host busybox readlink /proc/self/ns/pid
	[ "$output" = "$(readlink /proc/self/ns/pid)" ]
	run hull run --rm --pid container:nsd busybox ps -o pid,args
	echo "$output"
	[[ ${lines[1]} == *"1 sleep 1000"* ]]
	run hull run --rm --pid container:nope busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"No such container: nope"* ]]
	hull create --name nsstopped busybox true >/dev/null
	run hull run --rm --pid container:nsstopped busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"cannot join PID of a non running container: nsstopped"* ]]
	hull rm nsstopped >/dev/null
	run hull run --rm --pid bogus busybox true
	[ "$status" -eq 125 ]
	[ "$output" = "hull: --pid: invalid PID mode" ]
}

@test "--uts host keeps the host name; a hostname with it conflicts" {
	run hull run --rm --uts host busybox hostname
	[ "$output" = "$(hostname)" ]
	run hull run --rm --uts host -h other busybox true
	[ "$status" -eq 125 ]
	[ "$output" = "hull: Conflicting options: hostname and the UTS mode" ]
}

@test "--ipc host shares the host's IPC namespace; none has no /dev/shm" {
	run hull run --rm --ipc host busybox readlink /proc/self/ns/ipc
	[ "$output" = "$(readlink /proc/self/ns/ipc)" ]
	run hull run --rm --ipc none busybox sh -c 'grep -c " /dev/shm " /proc/mounts; readlink /proc/self/ns/ipc'
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" != "$(readlink /proc/self/ns/ipc)" ]
	run hull run --rm --ipc bogus busybox true
	[ "$status" -eq 125 ]
	[ "$output" = "hull: --ipc: invalid IPC mode" ]
}

@test "--ipc shareable and container:NAME share the IPC namespace and /dev/shm, as docker" {
	local shm
	hull run -d --name ipcd --ipc shareable busybox sh -c 'echo hello > /dev/shm/x; sleep 1000' >/dev/null
	wait_for hull exec ipcd test -e /dev/shm/x
	run hull run --rm --ipc container:ipcd busybox sh -c 'cat /dev/shm/x; readlink /proc/self/ns/ipc'
	[ "${lines[0]}" = hello ]
	[ "${lines[1]}" = "$(hull exec ipcd readlink /proc/self/ns/ipc)" ]
	run hull inspect --format '{{.HostConfig.IpcMode}}' ipcd
	[ "$output" = shareable ]
	# the shared /dev/shm is a tmpfs on the host side, gone with the container
	shm=$HULL_ROOT/containers/$(hull inspect --format '{{.Id}}' ipcd)/shm
	grep -q " $shm tmpfs " /proc/mounts
	run hull run --rm --ipc container:nsd busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"non-shareable IPC (hint: use IpcMode:shareable for the donor container)"* ]]
	run hull run --rm --ipc container:nope busybox true
	[ "$status" -eq 125 ]
	hull rm -f ipcd >/dev/null
	run grep -c " $shm " /proc/mounts
	[ "$output" = 0 ]
}

@test "--shm-size sets /dev/shm's size" {
	run hull run --rm --shm-size 1m busybox grep ' /dev/shm ' /proc/mounts
	[[ $output == *"size=1024k"* ]]
	run hull run --rm busybox grep ' /dev/shm ' /proc/mounts
	[[ $output == *"size=65536k"* ]]
	run hull run --rm --shm-size lots busybox true
	[ "$status" -eq 125 ]
}

@test "--cgroupns private makes the container's cgroup its root" {
	run hull run --rm --cgroupns private busybox grep pids /proc/self/cgroup
	[[ $output == *":pids:/" ]]
	run hull run --rm busybox grep pids /proc/self/cgroup
	[[ $output == *":pids:/"*hull/* ]]
	run hull run --rm --cgroupns bogus busybox true
	[ "$status" -eq 125 ]
}

@test "--sysctl writes namespaced sysctls and refuses the others as docker and runc do" {
	run hull run --rm --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shmmax=1000000 busybox cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 1000000 ]
	# the host's own value is untouched
	[ "$(cat /proc/sys/kernel/shmmax)" != 1000000 ]
	hull create --name nssys --sysctl net.core.somaxconn=100 busybox true >/dev/null
	run hull inspect --format '{{json .HostConfig.Sysctls}}' nssys
	[ "$output" = '{"net.core.somaxconn":"100"}' ]
	hull rm nssys >/dev/null
	run hull run --rm --sysctl vm.swappiness=1 busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"sysctl 'vm.swappiness=1' is not whitelisted"* ]]
	run hull run --rm --network host --sysctl net.ipv4.ip_forward=1 busybox true
	[ "$status" -eq 125 ]
	[[ $output == *'sysctl "net.ipv4.ip_forward" not allowed in host network namespace'* ]]
	run hull run --rm --ipc host --sysctl kernel.shmmax=1 busybox true
	[ "$status" -eq 125 ]
	[[ $output == *'sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace'* ]]
}
