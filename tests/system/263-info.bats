#!/usr/bin/env bats
# docker info [--format] (docker/cli cli/command/system/info.go, moby
# api/types/system.Info): the counts of this store, this host's facts, the
# registry configuration and proxies (passwords masked), docker's field names
# and order for templates.

load helpers

@test "info: this store's counts and this host's facts, in docker's lines" {
	hull run -d --name up busybox sleep 100
	hull run --name down busybox true
	run hull info
	[ "$status" -eq 0 ]
	echo "$output"
	[ "${lines[0]}" = "Client:" ]
	[[ $output == *$'\nServer:\n Containers: 2\n  Running: 1\n  Paused: 0\n  Stopped: 1\n Images: 1\n'* ]]
	[[ $output == *$'\n Docker Root Dir: '"$HULL_ROOT"$'\n'* ]]
	[[ $output == *$'\n CPUs: '"$(nproc)"$'\n'* ]]
	[[ $output == *$'\n Kernel Version: '"$(uname -r)"$'\n'* ]]
	[[ $output == *$'\n Architecture: '"$(uname -m)"$'\n'* ]]
	[[ $output == *$'\n Name: '"$(hostname)"$'\n'* ]]
	[[ $output == *$'\n Logging Driver: json-file\n'* ]]
	[[ $output == *$'\n  seccomp\n   Profile: builtin\n'* ]]
	local v=1
	[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || v=2
	[[ $output == *$'\n Cgroup Version: '"$v"$'\n'* ]]
	# the same store on the same machine keeps its ID; system info is info
	[ "$(hull info --format '{{.ID}}')" = "$(hull system info --format '{{.ID}}')" ]
	hull pause up
	[ "$(hull info --format '{{.Containers}} {{.ContainersRunning}} {{.ContainersPaused}} {{.ContainersStopped}}')" = "2 0 1 1" ]
	hull rm -f up down
	[ "$(hull info --format '{{.Containers}} {{.Images}}')" = "0 1" ]
}

@test "info --format: docker's fields in docker's order, its errors, exit 1" {
	run hull info --format '{{json .}}'
	[ "$status" -eq 0 ]
	python3 - "$output" <<'EOF'
import json, sys
info = json.loads(sys.argv[1])
keys = list(info)
want = ["ID", "Containers", "ContainersRunning", "ContainersPaused", "ContainersStopped",
        "Images", "Driver", "DriverStatus", "Plugins", "MemoryLimit", "SwapLimit",
        "KernelMemory", "KernelMemoryTCP", "CpuCfsPeriod", "CpuCfsQuota", "CPUShares",
        "CPUSet", "PidsLimit", "IPv4Forwarding", "BridgeNfIptables", "BridgeNfIp6tables",
        "Debug", "NFd", "OomKillDisable", "NGoroutines", "SystemTime", "LoggingDriver",
        "CgroupDriver", "CgroupVersion", "NEventsListener", "KernelVersion",
        "OperatingSystem", "OSVersion", "OSType", "Architecture", "IndexServerAddress",
        "RegistryConfig", "NCPU", "MemTotal", "GenericResources", "DockerRootDir",
        "HttpProxy", "HttpsProxy", "NoProxy", "Name", "Labels", "ExperimentalBuild",
        "ServerVersion", "Runtimes", "DefaultRuntime", "Swarm", "LiveRestoreEnabled",
        "Isolation", "InitBinary", "ContainerdCommit", "RuncCommit", "InitCommit",
        "SecurityOptions", "Warnings", "ClientInfo"]
assert keys == want, keys
assert list(info["Plugins"]) == ["Volume", "Network", "Authorization", "Log"]
assert info["Plugins"]["Authorization"] is None
assert info["MemTotal"] > 0 and info["NCPU"] > 0
assert info["RegistryConfig"]["IndexConfigs"]["docker.io"] == \
    {"Name": "docker.io", "Mirrors": [], "Secure": True, "Official": True}
assert "127.0.0.0/8" in info["RegistryConfig"]["InsecureRegistryCIDRs"]
EOF
	# docker >= 23's shorthand
	local keys='import json,sys; print(list(json.load(sys.stdin)))'
	[ "$(hull info --format json | python3 -c "$keys")" = \
		"$(hull info --format '{{json .}}' | python3 -c "$keys")" ]
	[ "$(hull info --format '{{.Driver}} {{.OSType}} {{len .Plugins.Volume}} {{.Swarm.LocalNodeState}}')" = \
		"overlay2 linux 1 inactive" ]
	run -1 hull info --format '{{.Bogus}}'
	[ "$output" = 'template: :1:2: executing "" at <.Bogus>: can'"'"'t evaluate field Bogus in type system.info' ]
	run -1 hull info --format '{{'
	[[ $output == *"unclosed action"* ]]
	run -1 hull info extra
	[[ $output == *'"hull info" accepts no arguments.'* ]]
	run -125 hull info --bogus
	[[ $output == *"unknown flag: --bogus"* ]]
}

@test "info shows the registry configuration, and proxies without their passwords" {
	local cfg=$BATS_TEST_TMPDIR/registries.json
	cat >"$cfg" <<'EOF'
{"registry-mirrors": ["http://127.0.0.1:5999"], "insecure-registries": ["myreg.test:5000", "10.9.0.0/16"]}
EOF
	HULL_REGISTRIES_CONFIG=$cfg HTTPS_PROXY=http://user:s3cret@127.0.0.1:3128 run hull info
	[ "$status" -eq 0 ]
	echo "$output"
	[[ $output == *$'\n Registry Mirrors:\n  http://127.0.0.1:5999\n'* ]]
	[[ $output == *$'\n Insecure Registries:\n  myreg.test:5000\n'* ]]
	[[ $output == *$'\n  10.9.0.0/16\n'* ]]
	[[ $output == *" HTTPS Proxy: http://xxxxx:xxxxx@127.0.0.1:3128"* ]]
	[[ $output != *s3cret* ]]
	HULL_REGISTRIES_CONFIG=$cfg run hull info --format '{{json .RegistryConfig.IndexConfigs}}'
	[[ $output == *'"myreg.test:5000":{"Name":"myreg.test:5000","Mirrors":[],"Secure":false,"Official":false}'* ]]
	# a broken configuration is named, as a pull names it
	echo '{"registry-mirrors": "x"}' >"$cfg"
	HULL_REGISTRIES_CONFIG=$cfg run -1 hull info
	[[ $output == *"$cfg"* ]]
}
