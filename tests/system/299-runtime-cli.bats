#!/usr/bin/env bats
# hull runtime (hull-runtime): runc's command line on an OCI bundle made from
# the busybox rootfs (src/cli/runtime.c, src/runtime/bundle.c).

load helpers

setup_file() {
	hull_setup_file
	export RTROOT=$BATS_FILE_TMPDIR/rt
	export BUNDLE=$BATS_FILE_TMPDIR/bundle
	mkdir -p "$BUNDLE/rootfs"
	tar -C "$BUNDLE/rootfs" -xf "$BUSYBOX_TAR"
	(cd "$BUNDLE" && "$HULL" runtime spec)
	cp "$BUNDLE/config.json" "$BATS_FILE_TMPDIR/default.json"
}

teardown_file() { rt_teardown_file; }

# spec EXPR...: config.json = runc spec's default with each python EXPR applied to `c`
spec() {
	python3 - "$BATS_FILE_TMPDIR/default.json" "$BUNDLE/config.json" "$@" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["root"]["readonly"] = False
for e in sys.argv[3:]:
    exec(e)
json.dump(c, open(sys.argv[2], "w"))
EOF
}

# status ID: the status field of `state`
status() { rt state "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'; }
is_status() { [ "$(status "$1")" = "$2" ]; }

@test "version, features, help and the hull-runtime name" {
	run -0 rt --version
	[[ $output == "hull-runtime version "*"spec: 1.1.0"* ]]
	run -0 rt features
	python3 -c 'import json,sys; f=json.loads(sys.argv[1]); assert f["ociVersionMax"]=="1.1.0"; assert "mount" in f["linux"]["namespaces"]' "$output"
	ln -s "$HULL" "$BATS_TEST_TMPDIR/hull-runtime"
	run -0 "$BATS_TEST_TMPDIR/hull-runtime" --root "$RTROOT" list --format json
	[ "$output" = "[]" ]
	run -1 rt --systemd-cgroup list
	[[ $output == *"--systemd-cgroup: systemd cgroups are not supported"* ]]
	run -1 rt --log-format xml list
	[[ $output == *"invalid log-format: xml"* ]]
	run -1 rt frobnicate
	run -0 rt --help
	[[ $output == *"create"*"delete"* ]]
}

@test "spec writes runc's default config.json, and refuses to overwrite it" {
	cd "$BATS_TEST_TMPDIR"
	run -0 rt spec
	python3 -c 'import json; c=json.load(open("config.json")); assert c["process"]["args"]==["sh"]; assert c["root"]["path"]=="rootfs"'
	run -1 rt spec
	[[ $output == *"File ./config.json exists. Remove it first"* ]]
}

@test "run prints and returns the process's exit code; the container is gone after" {
	spec 'c["process"]["args"] = ["sh", "-c", "echo hi from $(hostname); exit 3"]'
	cd "$BUNDLE"
	run -3 rt run r1
	[ "$output" = "hi from hull" ]
	run -0 rt list -q
	[ -z "$output" ]
}

@test "create waits for start: pid file, state created then running, kill, delete" {
	spec 'c["process"]["args"] = ["sh", "-c", "trap \"exit 7\" TERM; echo started; while :; do sleep 0.1; done"]'
	rt create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" c1 >"$BATS_TEST_TMPDIR/out" 2>&1
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	[ "$pid" -gt 1 ]
	run -0 rt state c1
	python3 -c 'import json,sys; s=json.loads(sys.argv[1]); assert s["status"]=="created" and s["id"]=="c1" and s["pid"]=='"$pid"' and s["bundle"]=="'"$BUNDLE"'" and s["rootfs"]=="'"$BUNDLE"'/rootfs" and s["ociVersion"] and s["created"].endswith("Z") and s["owner"]==""' "$output"
	[ -p "$RTROOT/c1/exec.fifo" ]
	# nothing ran yet
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	run -1 rt create --bundle "$BUNDLE" c1
	[[ $output == *"container with id exists: c1"* ]]
	run -0 rt start c1
	is_status c1 running
	[ ! -e "$RTROOT/c1/exec.fifo" ]
	wait_for grep -q started "$BATS_TEST_TMPDIR/out"
	run -1 rt start c1
	[[ $output == *"cannot start an already running container"* ]]
	run -0 rt list
	[[ ${lines[1]} == "c1 "*" $pid "*"running"*"$BUNDLE"* ]]
	run -1 rt delete c1
	[[ $output == *"cannot delete container c1 that is not stopped: running"* ]]
	run -0 rt kill c1
	wait_for is_status c1 stopped
	run -1 rt kill c1 KILL
	[[ $output == *"container not running"* ]]
	run -0 rt delete c1
	[ ! -e "$RTROOT/c1" ]
	run -1 rt state c1
	[[ $output == *"container does not exist"* ]]
	run -1 rt delete c1
	[[ $output == *"container does not exist"* ]]
	run -0 rt delete --force c1
}

@test "kill takes names and numbers; --all, pause, resume, ps, exec; delete --force" {
	spec 'c["process"]["args"] = ["sh", "-c", "sleep 1000 & while :; do sleep 0.1; done"]'
	rt create --bundle "$BUNDLE" k1
	rt start k1
	run -1 rt kill k1 SIGNOPE
	[[ $output == *'unknown signal "SIGNOPE"'* ]]
	run -0 rt ps --format json k1
	pids=$output
	pid=$(rt state k1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	[[ $pids == *"$pid"* ]]
	# the shell may not have forked its sleep yet (a loaded machine)
	wait_for eval 'rt ps k1 | grep -q "sleep 1000"'
	run -0 rt ps k1
	[[ ${lines[0]} == *PID* ]]
	[[ $output == *"sleep 1000"* ]]
	run -0 rt pause k1
	is_status k1 paused
	run -1 rt pause k1
	[[ $output == *"container not running"* ]]
	run -0 rt resume k1
	is_status k1 running
	run -4 rt exec k1 sh -c 'echo in $(hostname); exit 4'
	[ "$output" = "in hull" ]
	cat >"$BATS_TEST_TMPDIR/p.json" <<'EOF'
{"args": ["sh", "-c", "echo $X > /tmp/exec-out"], "cwd": "/tmp", "env": ["X=from-process-json", "PATH=/bin"]}
EOF
	run -0 rt exec --process "$BATS_TEST_TMPDIR/p.json" --detach --pid-file "$BATS_TEST_TMPDIR/epid" k1
	[ "$(cat "$BATS_TEST_TMPDIR/epid")" -gt 1 ]
	wait_for rt exec k1 grep -q from-process-json /tmp/exec-out
	# signal numbers and names
	run -0 rt kill k1 0
	run -0 rt kill --all k1 sigstop
	wait_for grep -q '^State:.*T' "/proc/$pid/status"
	run -0 rt kill --all k1 CONT
	run -0 rt delete --force k1
	[ ! -e "$RTROOT/k1" ]
	# gone, or a zombie that whoever adopted it reaps (the caller of create, here none)
	st=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
	[ -z "$st" ] || [ "$st" = Z ]
}

@test "bundle settings: hostname, read-only root, masked paths, env, cwd, user, rlimits" {
	spec 'c["hostname"] = "box1"' \
		'c["root"]["readonly"] = True' \
		'c["process"]["env"].append("FOO=bar")' \
		'c["process"]["cwd"] = "/tmp"' \
		'c["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5], "umask": 2}' \
		'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}]' \
		'c["linux"]["maskedPaths"] = ["/etc/group"]' \
		'c["process"]["args"] = ["sh", "-c", "hostname; echo $FOO; pwd; id -u; id -G; ulimit -n; ulimit -Hn; umask; touch /x 2>&1 || echo ro; wc -c < /etc/group"]'
	cd "$BUNDLE"
	run -0 rt run b1
	[ "${lines[0]}" = box1 ]
	[ "${lines[1]}" = bar ]
	[ "${lines[2]}" = /tmp ]
	[ "${lines[3]}" = 1000 ]
	[ "${lines[4]}" = "1000 5" ]
	[ "${lines[5]}" = 123 ]
	[ "${lines[6]}" = 456 ]
	[ "${lines[7]}" = 0002 ]
	[ "${lines[-2]}" = ro ]
	[ "${lines[-1]}" = 0 ]
	# a /dev/shm tmpfs without a size gets the kernel's default, as runc mounts it (hull's
	# run gives docker's 64 MiB itself); with one, that size
	spec 'c["mounts"] = [m if m["destination"] != "/dev/shm" else dict(m, options=[o for o in m["options"] if not o.startswith("size=")]) for m in c["mounts"]]' \
		'c["process"]["args"] = ["grep", " /dev/shm ", "/proc/mounts"]'
	run -0 rt run b2
	[[ $output != *"size=65536k"* ]]
	spec 'c["process"]["args"] = ["grep", " /dev/shm ", "/proc/mounts"]'
	run -0 rt run b3
	[[ $output == *"size=65536k"* ]]
}

@test "capabilities: the five sets of the spec, inheritable and ambient too" {
	# a non-root user keeps, across execve, only what is ambient (which needs
	# permitted and inheritable); the bounding and inheritable sets stay as given
	spec 'c["process"]["user"] = {"uid": 1000, "gid": 1000}' \
		'c["process"]["capabilities"] = {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"], "effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"], "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"], "inheritable": ["CAP_KILL", "CAP_NET_BIND_SERVICE"], "ambient": ["CAP_NET_BIND_SERVICE"]}' \
		'c["process"]["args"] = ["grep", "^Cap", "/proc/self/status"]'
	cd "$BUNDLE"
	run -0 rt run caps1
	[ "${lines[0]}" = "CapInh:	0000000000000420" ]
	[ "${lines[1]}" = "CapPrm:	0000000000000400" ]
	[ "${lines[2]}" = "CapEff:	0000000000000400" ]
	[ "${lines[3]}" = "CapBnd:	0000000000000421" ]
	[ "${lines[4]}" = "CapAmb:	0000000000000400" ]
	# root, with the five sets equal (runtime-tools' bundles): all five as asked
	spec 'c["process"]["capabilities"] = {k: ["CAP_CHOWN", "CAP_KILL"] for k in ["bounding", "effective", "permitted", "inheritable", "ambient"]}' \
		'c["process"]["args"] = ["grep", "^Cap", "/proc/self/status"]'
	run -0 rt run caps2
	[ "$output" = "$(printf 'CapInh:\t0000000000000021\nCapPrm:\t0000000000000021\nCapEff:\t0000000000000021\nCapBnd:\t0000000000000021\nCapAmb:\t0000000000000021')" ]
	# exec --process takes its own sets
	spec 'c["process"]["args"] = ["sleep", "1000"]'
	rt create --bundle "$BUNDLE" caps3
	rt start caps3
	cat >"$BATS_TEST_TMPDIR/p.json" <<'EOF'
{"args": ["grep", "^CapInh", "/proc/self/status"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0},
 "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"], "inheritable": ["CAP_KILL"]}}
EOF
	run -0 rt exec --process "$BATS_TEST_TMPDIR/p.json" caps3
	[ "$output" = "CapInh:	0000000000000020" ]
	# and its own umask; without one, 0022
	echo '{"args": ["sh", "-c", "umask"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0, "umask": 63}}' >"$BATS_TEST_TMPDIR/p.json"
	run -0 rt exec --process "$BATS_TEST_TMPDIR/p.json" caps3
	[ "$output" = 0077 ]
	run -0 rt exec caps3 sh -c umask
	[ "$output" = 0022 ]
	rt delete --force caps3
}

@test "mountinfo lists the spec's mounts in its order" {
	# runc's default spec: /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys
	spec 'c["process"]["args"] = ["sh", "-c", "cut -d\" \" -f5 /proc/self/mountinfo"]'
	cd "$BUNDLE"
	run -0 rt run mi1
	local order
	order=$(printf '%s\n' "${lines[@]}" | grep -xE '/proc|/dev|/dev/pts|/dev/shm|/dev/mqueue|/sys' | tr '\n' ' ')
	[ "$order" = "/proc /dev /dev/pts /dev/shm /dev/mqueue /sys " ]
	# a tmpfs's source is the spec's (runtimetest matches it), "tmpfs" when it has none
	spec 'c["mounts"] += [{"destination": "/t1", "type": "tmpfs", "source": "src1"}, {"destination": "/t2", "type": "tmpfs"}]' \
		'c["process"]["args"] = ["sh", "-c", "grep -E \" /t[12] \" /proc/self/mountinfo | sed \"s/.* - //\" | cut -d\" \" -f1,2"]'
	run -0 rt run mi2
	[ "${lines[0]}" = "tmpfs src1" ]
	[ "${lines[1]}" = "tmpfs tmpfs" ]
	# bind mounts (cloned before the root was mounted) come after "/", in the spec's order
	mkdir -p "$BATS_TEST_TMPDIR/b1" "$BATS_TEST_TMPDIR/b3"
	touch "$BATS_TEST_TMPDIR/b3/in-b3"
	spec "c['mounts'] += [{'destination': '/m/b1', 'type': 'bind', 'source': '$BATS_TEST_TMPDIR/b1', 'options': ['rbind']}, {'destination': '/m/t2', 'type': 'tmpfs', 'source': 'tmpfs'}, {'destination': '/m/b3', 'type': 'bind', 'source': '$BATS_TEST_TMPDIR/b3', 'options': ['rbind', 'ro']}]" \
		'c["process"]["args"] = ["sh", "-c", "cut -d\" \" -f5 /proc/self/mountinfo; ls /m/b3; touch /m/b3/x 2>&1"]'
	run -1 rt run mi3
	order=$(printf '%s\n' "${lines[@]}" | grep -xE '/|/m/b1|/m/t2|/m/b3' | tr '\n' ' ')
	[ "$order" = "/ /m/b1 /m/t2 /m/b3 " ]
	[[ $output == *in-b3* ]]
	[[ $output == *"Read-only file system"* ]]
}

@test "linux.devices: character devices and a FIFO, with their modes and owners" {
	spec 'c["linux"]["devices"] = [{"path": "/dev/test1", "type": "c", "major": 1, "minor": 3, "fileMode": 432, "uid": 1, "gid": 2}, {"path": "/dev/test3", "type": "p", "fileMode": 432}]' \
		'c["process"]["args"] = ["sh", "-c", "stat -c \"%F %a %u:%g %t:%T\" /dev/test1 /dev/test3"]'
	cd "$BUNDLE"
	run -0 rt run dev1
	[ "${lines[0]}" = "character special file 660 1:2 1:3" ]
	[ "${lines[1]}" = "fifo 660 0:0 0:0" ]
}

@test "resources and cgroupsPath: the limits are in the cgroup, update changes them, delete removes it" {
	local cg=/hull-rt-test-$$
	spec "c['linux']['cgroupsPath'] = '$cg/l1'" \
		'c["linux"]["resources"]["memory"] = {"limit": 67108864}' \
		'c["linux"]["resources"]["pids"] = {"limit": 50}' \
		'c["process"]["args"] = ["sleep", "1000"]'
	rt create --bundle "$BUNDLE" l1
	if [ -d /sys/fs/cgroup/memory ]; then
		[ "$(cat /sys/fs/cgroup/memory$cg/l1/memory.limit_in_bytes)" = 67108864 ]
		[ "$(cat /sys/fs/cgroup/pids$cg/l1/pids.max)" = 50 ]
	else
		[ "$(cat /sys/fs/cgroup$cg/l1/memory.max)" = 67108864 ]
		[ "$(cat /sys/fs/cgroup$cg/l1/pids.max)" = 50 ]
	fi
	# update --resources: from stdin, as containerd's shim passes them
	echo '{"memory": {"limit": 134217728}, "pids": {"limit": 60}}' | rt update --resources - l1
	if [ -d /sys/fs/cgroup/memory ]; then
		[ "$(cat /sys/fs/cgroup/memory$cg/l1/memory.limit_in_bytes)" = 134217728 ]
		[ "$(cat /sys/fs/cgroup/pids$cg/l1/pids.max)" = 60 ]
	else
		[ "$(cat /sys/fs/cgroup$cg/l1/memory.max)" = 134217728 ]
	fi
	run -1 rt update --resources - l1 <<<'{"memory": {"limit": "lots"}}'
	[ "$output" = "linux.resources.memory.limit: must be an integer" ]
	run -1 rt update l1
	[[ $output == *"--resources is required"* ]]
	rt delete l1
	[ -z "$(find /sys/fs/cgroup -maxdepth 3 -path "*$cg/l1" 2>/dev/null)" ]
	find /sys/fs/cgroup -maxdepth 2 -type d -name "${cg#/}" -exec rmdir {} +
}

@test "poststart hooks run once the program runs, after slow startContainer hooks (start waits for the exec)" {
	local h=$BATS_TEST_TMPDIR/hooks
	mkdir "$h"
	# the poststart hook records what the state's pid runs: the program, not hull before its exec
	cat >"$h/post" <<EOF
#!/bin/sh
pid=\$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
readlink /proc/\$pid/exe >$h/exe
EOF
	chmod +x "$h/post"
	spec "c['hooks'] = {'startContainer': [{'path': '/bin/sh', 'args': ['sh', '-c', 'sleep 0.5']}], 'poststart': [{'path': '$h/post'}]}" \
		'c["process"]["args"] = ["sleep", "1000"]'
	rt create --bundle "$BUNDLE" ps1
	rt start ps1
	run -0 cat "$h/exe"
	[[ $output == */busybox ]]
	rt delete --force ps1
}

@test "hooks get the state on stdin: createRuntime, prestart, startContainer, poststart, poststop" {
	local h=$BATS_TEST_TMPDIR/hooks
	mkdir "$h"
	spec "c['hooks'] = {k: [{'path': '/bin/sh', 'args': ['sh', '-c', 'cat > $h/' + k + '; echo ' + k + ' >> $h/order']}] for k in ['createRuntime', 'prestart', 'poststart', 'poststop']}" \
		'c["process"]["args"] = ["true"]'
	rt create --bundle "$BUNDLE" h1
	# runc's order: prestart, then createRuntime
	[ "$(cat "$h/order")" = "$(printf 'prestart\ncreateRuntime')" ]
	grep -q '"id": *"h1"' "$h/createRuntime"
	grep -q '"status": *"creating"' "$h/createRuntime"
	# prestart: "created", as crun (and runtime-tools' hooks_stdin) say
	grep -q '"status": *"created"' "$h/prestart"
	[ ! -e "$h/poststart" ]
	rt start h1
	grep -q '"status": *"running"' "$h/poststart"
	wait_for is_status h1 stopped
	rt delete h1
	grep -q '"status": *"stopped"' "$h/poststop"
	# startContainer: in the container (its path and its /tmp), before the program
	rm -f "$BUNDLE/rootfs/tmp/started"
	spec "c['hooks'] = {'startContainer': [{'path': '/bin/sh', 'args': ['sh', '-c', 'cat > /tmp/started']}]}" \
		'c["process"]["args"] = ["sh", "-c", "test -s /tmp/started && echo hook-ran-first"]'
	cd "$BUNDLE"
	run -0 rt run h3
	[ "$output" = hook-ran-first ]
	grep -q '"pid": *1[,}]' "$BUNDLE/rootfs/tmp/started"
	grep -q '"id": *"h3"' "$BUNDLE/rootfs/tmp/started"
	spec "c['hooks'] = {'startContainer': [{'path': '/bin/false'}]}"
	run -1 rt run h4
	[[ $output == *"startContainer hook #0 '/bin/false': exit status 1"* ]]
	spec "c['hooks'] = {'createContainer': [{'path': '/bin/true'}]}"
	run -1 rt run h5
	[ "$output" = "hooks.createContainer: not supported" ]
	# a failing poststart or poststop hook is a warning: the hooks after it run, start and
	# delete succeed
	rm -f "$h"/*
	spec "c['hooks'] = {k: [{'path': '/bin/false'}, {'path': '/bin/sh', 'args': ['sh', '-c', 'cat > $h/' + k]}] for k in ['poststart', 'poststop']}" \
		'c["process"]["args"] = ["true"]'
	rt create --bundle "$BUNDLE" h6
	run -0 rt --log "$BATS_TEST_TMPDIR/h6.log" start h6
	grep -q '"status": *"running"' "$h/poststart"
	wait_for is_status h6 stopped
	run -0 rt --log "$BATS_TEST_TMPDIR/h6.log" delete h6
	grep -q '"status": *"stopped"' "$h/poststop"
	grep -q "level=warning msg=\"poststart hook #0 '/bin/false': exit status 1\"" "$BATS_TEST_TMPDIR/h6.log"
	grep -q "level=warning msg=\"poststop hook #0 '/bin/false': exit status 1\"" "$BATS_TEST_TMPDIR/h6.log"
	# start, delete and exec use the config of create, not the bundle's config.json as it is
	# later (runc keeps its own copy)
	rm -f "$h"/*
	spec "c['hooks'] = {k: [{'path': '/bin/sh', 'args': ['sh', '-c', 'cat > $h/' + k]}] for k in ['poststart', 'poststop']}" \
		'c["process"]["env"].append("WHICH=created")' \
		'c["process"]["args"] = ["sleep", "1000"]'
	rt create --bundle "$BUNDLE" h7
	spec "c['hooks'] = {k: [{'path': '/bin/sh', 'args': ['sh', '-c', 'cat > $h/edited-' + k]}] for k in ['poststart', 'poststop']}" \
		'c["process"]["env"].append("WHICH=edited")'
	rt start h7
	run -0 rt exec h7 sh -c 'echo $WHICH'
	[ "$output" = created ]
	rt delete --force h7
	[ -s "$h/poststart" ] && [ -s "$h/poststop" ]
	[ ! -e "$h/edited-poststart" ] && [ ! -e "$h/edited-poststop" ]
	# a state larger than a pipe's buffer: a hook that never reads it still times out, and
	# one that exits without reading it does not end the runtime with SIGPIPE
	spec 'c["annotations"] = {"big": "x" * 300000}' \
		'c["hooks"] = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}' \
		'c["process"]["args"] = ["true"]'
	SECONDS=0
	run -1 timeout 20 "$HULL" runtime --root "$RTROOT" create --bundle "$BUNDLE" h8
	[[ $output == *"prestart hook #0 '/bin/sleep': timed out after 1 s"* ]]
	[ "$SECONDS" -lt 10 ]
	[ ! -e "$RTROOT/h8" ]
	spec 'c["annotations"] = {"big": "x" * 300000}' \
		'c["hooks"] = {"prestart": [{"path": "/bin/true"}], "poststop": [{"path": "/bin/true"}]}' \
		'c["process"]["args"] = ["true"]'
	# (not under `run`: the created process keeps the caller's stdout open)
	timeout 20 "$HULL" runtime --root "$RTROOT" create --bundle "$BUNDLE" h9 >/dev/null 2>&1
	is_status h9 created
	rt delete --force h9
	# a failing hook fails create, and nothing is left
	spec 'c["hooks"] = {"prestart": [{"path": "/bin/false"}]}'
	run -1 rt create --bundle "$BUNDLE" h2
	[[ $output == *"prestart hook #0 '/bin/false': exit status 1"* ]]
	[ ! -e "$RTROOT/h2" ]
}

@test "bad bundles: one line naming the field, in the JSON log too" {
	spec 'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]'
	run -1 rt --log "$BATS_TEST_TMPDIR/log.json" --log-format json create --bundle "$BUNDLE" x1
	[ "$output" = 'linux.uidMappings: id mappings need a user namespace (a "user" entry in linux.namespaces)' ]
	python3 -c 'import json,sys; l=json.loads(open(sys.argv[1]).readline()); assert l["level"]=="error" and l["msg"]==sys.argv[2] and l["time"].endswith("Z")' "$BATS_TEST_TMPDIR/log.json" "$output"
	spec 'c["process"]["args"] = []'
	run -1 rt create --bundle "$BUNDLE" x1
	[ "$output" = "process.args: at least the program is required" ]
	spec 'c["process"]["args"] = ["nosuchcmd"]'
	run -1 rt create --bundle "$BUNDLE" x1
	[[ $output == *'exec: "nosuchcmd": executable file not found in $PATH'* ]]
	run -1 rt create --bundle "$BATS_TEST_TMPDIR/nobundle" x1
	[[ $output == *"nobundle"* ]]
	run -1 rt create --bundle "$BUNDLE" 'bad/id'
	[[ $output == *"invalid container id 'bad/id'"* ]]
	[ ! -e "$RTROOT/x1" ]
}

@test "--preserve-fds passes the caller's fds on; --no-pivot still confines the root" {
	spec 'c["process"]["args"] = ["sh", "-c", "cat <&3; ls /"]'
	echo passed-on >"$BATS_TEST_TMPDIR/fd3"
	cd "$BUNDLE"
	run -0 rt run --preserve-fds 1 --no-pivot p1 3<"$BATS_TEST_TMPDIR/fd3"
	[ "${lines[0]}" = passed-on ]
	[[ $output == *bin* && $output != *work* ]]
	run -0 rt run p2 3<"$BATS_TEST_TMPDIR/fd3"
	[[ ${lines[0]} != passed-on ]]
}

@test "kill ends a created container (its process waits on the fifo as PID 1)" {
	spec 'c["process"]["args"] = ["sleep", "1000"]'
	rt create --bundle "$BUNDLE" w1
	is_status w1 created
	rt kill w1
	wait_for is_status w1 stopped
	rt delete w1
}

@test "run in the foreground passes signals on to the container" {
	spec 'c["process"]["args"] = ["sh", "-c", "trap \"exit 9\" TERM; touch /tmp/ready; while :; do sleep 0.1; done"]'
	rm -f "$BUNDLE/rootfs/tmp/ready"
	cd "$BUNDLE"
	"$HULL" runtime --root "$RTROOT" run s1 3>&- &
	local pid=$! rc=0
	wait_for test -e "$BUNDLE/rootfs/tmp/ready"
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" = 9 ]
	[ ! -e "$RTROOT/s1" ]
}

@test "a cgroup mount at /sys/fs/cgroup shows the container's own cgroups, read-only" {
	local ns
	for ns in with without; do
		spec 'c["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro", "nosuid", "noexec", "nodev"]})' \
			'c["linux"]["resources"]["pids"] = {"limit": 42}' \
			"c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if '$ns' == 'with' or n['type'] != 'cgroup']" \
			'c["process"]["args"] = ["sh", "-c", "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; touch /sys/fs/cgroup/x 2>&1"]'
		cd "$BUNDLE"
		run -1 rt run "cg-$ns"
		[ "${lines[0]}" = 42 ]
		[[ ${lines[1]} == *"Read-only file system"* ]]
	done
}

@test "namespaces joined by path: uts, ipc, pid, network and cgroup of another container" {
	spec 'c["hostname"] = "pod"' 'c["process"]["args"] = ["sleep", "1000"]'
	rt create --bundle "$BUNDLE" pod
	rt start pod
	local pid
	pid=$(rt state pod | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	spec "c['linux']['namespaces'] = [{'type': 'mount'}] + [{'type': t, 'path': '/proc/$pid/ns/' + f} for t, f in [('uts', 'uts'), ('ipc', 'ipc'), ('pid', 'pid'), ('network', 'net'), ('cgroup', 'cgroup')]]" \
		'c.pop("hostname")' \
		'c["process"]["args"] = ["sh", "-c", "hostname; for n in uts ipc net cgroup; do readlink /proc/self/ns/$n; done; ps -o comm | grep -c sleep"]'
	cd "$BUNDLE"
	run -0 rt run member
	[ "${lines[0]}" = pod ]
	[ "${lines[1]}" = "$(readlink /proc/$pid/ns/uts)" ]
	[ "${lines[2]}" = "$(readlink /proc/$pid/ns/ipc)" ]
	[ "${lines[3]}" = "$(readlink /proc/$pid/ns/net)" ]
	[ "${lines[4]}" = "$(readlink /proc/$pid/ns/cgroup)" ]
	# the pod's sleep is in the same PID namespace
	[ "${lines[5]}" = 1 ]
	rt delete --force pod
}

@test "cgroupsPath: another's cgroup (one with processes, a root, a climb) is refused, and left as it was" {
	[ -d /sys/fs/cgroup/pids ] || skip "no v1 pids hierarchy"
	local cg=/sys/fs/cgroup/pids/hull-rt-victim-$$ pid
	mkdir "$cg"
	sleep 1000 &
	pid=$!
	echo "$pid" >"$cg/cgroup.procs"
	spec "c['linux']['cgroupsPath'] = '/hull-rt-victim-$$'" 'c["linux"]["resources"]["pids"] = {"limit": 3}' \
		'c["process"]["args"] = ["true"]'
	run rt create --bundle "$BUNDLE" victim
	[ "$status" -ne 0 ]
	[[ $output == *"container's cgroup is not empty"* ]]
	[ "$(cat "$cg/pids.max")" = max ]
	kill -0 "$pid"
	for p in / . "/../x" "a/../../b"; do
		spec "c['linux']['cgroupsPath'] = '$p'" 'c["process"]["args"] = ["true"]'
		run rt create --bundle "$BUNDLE" victim2
		[ "$status" -ne 0 ]
		[[ $output == *"cgroupsPath"* ]]
	done
	kill "$pid"
	wait "$pid" || true
	rmdir "$cg"
}

@test "a corrupt state (pid 0 or -1) never signals a process group or every process" {
	local p
	for p in 0 -1; do
		mkdir -p "$RTROOT/bad$p"
		echo '{"ociVersion": "1.1.0", "id": "bad'$p'", "pid": '$p', "bundle": "/nonexistent", "hull": {"startTime": 0}}' >"$RTROOT/bad$p/state.json"
		run -1 rt kill "bad$p" KILL
		[[ $output == *"container not running"* || $output == *"corrupt"* ]]
		run -1 rt kill --all "bad$p" KILL
		run -0 rt delete --force "bad$p"
		[ ! -e "$RTROOT/bad$p" ]
	done
}

@test "hooks get no fd of the caller but 0-2, startContainer ones in the container either" {
	rm -f "$BUNDLE/rootfs/tmp/hk"
	spec "c['hooks'] = {'startContainer': [{'path': '/bin/sh', 'args': ['sh', '-c', 'if [ -e /proc/self/fd/3 ]; then echo leaked; else echo clean; fi > /tmp/hk']}]}" \
		'c["process"]["args"] = ["sh", "-c", "cat <&3"]'
	echo passed-on >"$BATS_TEST_TMPDIR/fd3"
	cd "$BUNDLE"
	run -0 rt run --preserve-fds 1 fd1 3<"$BATS_TEST_TMPDIR/fd3"
	[ "$output" = passed-on ]
	[ "$(cat "$BUNDLE/rootfs/tmp/hk")" = clean ]
}

@test "a relative cgroupsPath of several levels is made below hull/, used, and kept by update" {
	local top=hull-rt-rel-$$ pid own
	spec "c['linux']['cgroupsPath'] = '$top/b/c'" 'c["linux"]["resources"]["pids"] = {"limit": 42}' \
		'c["process"]["args"] = ["sleep", "1000"]'
	rt create --bundle "$BUNDLE" rel1
	pid=$(rt state rel1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	if [ -d /sys/fs/cgroup/pids ]; then
		own=$(sed -n 's/^[0-9]*:pids://p' /proc/self/cgroup)
		grep -qx "[0-9]*:pids:${own%/}/hull/$top/b/c" /proc/$pid/cgroup
		[ "$(cat /sys/fs/cgroup/pids${own%/}/hull/$top/b/c/pids.max)" = 42 ]
		# update makes the cpu cgroup it had not made yet at the same path
		echo '{"cpu": {"shares": 512}}' | rt update --resources - rel1
		own=$(sed -En 's/^[0-9]+:(cpu|cpu,cpuacct)://p' /proc/self/cgroup)
		[ "$(cat /sys/fs/cgroup/cpu${own%/}/hull/$top/b/c/cpu.shares)" = 512 ]
		grep -Eqx "[0-9]+:(cpu|cpu,cpuacct):${own%/}/hull/$top/b/c" /proc/$pid/cgroup
	else
		own=$(sed -n 's/^0:://p' /proc/self/cgroup)
		grep -qx "0::${own%/}/hull/$top/b/c" /proc/$pid/cgroup
		[ "$(cat /sys/fs/cgroup${own%/}/hull/$top/b/c/pids.max)" = 42 ]
	fi
	rt delete --force rel1
	# find's status is not asked: another file's containers come and go under hull/ meanwhile
	# (make check runs two at once), and a directory gone under find's walk is an error to it
	[ -z "$(find /sys/fs/cgroup -path "*/hull/$top/b/c" 2>/dev/null)" ]
	find /sys/fs/cgroup -depth -path "*/hull/$top*" -type d -exec rmdir {} \; 2>/dev/null || true
	[ -z "$(find /sys/fs/cgroup -path "*/hull/$top" 2>/dev/null)" ]
}

@test "memory kernelTCP and swappiness reach the v1 memory cgroup; a swappiness over 100 is refused" {
	[ -f /sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes ] || skip "no v1 memory cgroup with kmem.tcp"
	local top=hull-rt-mem-$$ own
	spec "c['linux']['cgroupsPath'] = '/$top'" \
		'c["linux"]["resources"]["memory"] = {"limit": 50593792, "kernelTCP": 50593792, "swappiness": 10}' \
		'c["process"]["args"] = ["sleep", "1000"]'
	rt create --bundle "$BUNDLE" mem1
	[ "$(cat /sys/fs/cgroup/memory/$top/memory.kmem.tcp.limit_in_bytes)" = 50593792 ]
	[ "$(cat /sys/fs/cgroup/memory/$top/memory.swappiness)" = 10 ]
	[ "$(cat /sys/fs/cgroup/memory/$top/memory.limit_in_bytes)" = 50593792 ]
	rt delete --force mem1
	spec 'c["linux"]["resources"]["memory"] = {"swappiness": 101}'
	run -1 rt create --bundle "$BUNDLE" mem2
	[[ $output == *"linux.resources.memory.swappiness: 101 is out of range"* ]]
	rmdir "/sys/fs/cgroup/memory/$top" 2>/dev/null || true
}

@test "SELinux labels are left out where SELinux is off, as crun does" {
	[ "$(stat -f -c %T /sys/fs/selinux 2>/dev/null)" != selinuxfs ] || skip "SELinux is on"
	spec 'c["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0:c1,c2"' \
		'c["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0:c1,c2"' \
		'c["process"]["args"] = ["sh", "-c", "echo labelled; sleep 1000"]'
	cd "$BUNDLE"
	rt create --bundle "$BUNDLE" lab1 >"$BATS_TEST_TMPDIR/out"
	rt start lab1
	wait_for grep -q labelled "$BATS_TEST_TMPDIR/out"
	echo '{"args": ["echo", "exec-ok"], "cwd": "/", "env": ["PATH=/bin:/usr/bin"], "selinuxLabel": "system_u:system_r:container_t:s0"}' >"$BATS_TEST_TMPDIR/p.json"
	run -0 rt exec --process "$BATS_TEST_TMPDIR/p.json" lab1
	[ "$output" = exec-ok ]
	rt delete --force lab1
	spec 'c["linux"]["mountLabel"] = 7'
	run -1 rt create --bundle "$BUNDLE" lab2
	[[ $output == *"linux.mountLabel: must be a string"* ]]
}

@test "mount and uts namespaces joined by path: the rootfs is built there, the hostname set there" {
	unshare --mount --uts --propagation private sleep 1000 3>&- &
	local holder=$!
	# read the link at each try: until unshare has run, it is still ours
	wait_for sh -c '[ "$(readlink "/proc/$1/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]' sh "$holder"
	spec "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] not in ('mount', 'uts')] + [{'type': t, 'path': '/proc/$holder/ns/' + f} for t, f in [('mount', 'mnt'), ('uts', 'uts')]]" \
		'c["hostname"] = "joined"' \
		'c["process"]["args"] = ["sh", "-c", "hostname; readlink /proc/self/ns/mnt; readlink /proc/self/ns/uts; ls /"]'
	cd "$BUNDLE"
	run -0 rt run nsp1
	[ "${lines[0]}" = joined ]
	[ "${lines[1]}" = "$(readlink /proc/$holder/ns/mnt)" ]
	[ "${lines[2]}" = "$(readlink /proc/$holder/ns/uts)" ]
	[[ $output == *bin* && $output != *work* ]]
	# the hostname went to the joined namespace; ours kept its own
	[ "$(nsenter --uts=/proc/$holder/ns/uts hostname)" = joined ]
	[ "$(hostname)" != joined ]
	kill "$holder"
	wait "$holder" || true
}

@test "rootfsPropagation: the container's / is shared, slave, private or unbindable, and nothing reaches the host" {
	local prop line
	for prop in shared slave private unbindable rshared; do
		spec "c['linux']['rootfsPropagation'] = '$prop'" \
			'c["process"]["args"] = ["sh", "-c", "while read -r id p d r m o rest; do [ \"$m\" = / ] && echo \"$rest\"; done </proc/self/mountinfo; true"]'
		cd "$BUNDLE"
		# in a namespace whose / is shared, where slave and shared show
		run -0 unshare --mount --propagation shared sh -c '
			before=$(wc -l </proc/self/mountinfo)
			"$1" runtime --root "$2" run "$3" || exit
			[ "$(wc -l </proc/self/mountinfo)" = "$before" ] || echo LEAKED' sh "$HULL" "$RTROOT" "prop-$prop"
		line=${lines[0]}
		case $prop in
		shared | rshared) [[ $line == *shared:* && $line != *master:* ]] ;;
		slave) [[ $line == *master:* && $line != *shared:* ]] ;;
		private) [[ $line != *master:* && $line != *shared:* && $line != *unbindable* ]] ;;
		unbindable) [[ $line == *unbindable* ]] ;;
		esac
		[[ $output != *LEAKED* ]]
	done
	spec 'c["linux"]["rootfsPropagation"] = "sideways"'
	run -1 rt create --bundle "$BUNDLE" prop-bad
	[[ $output == *"linux.rootfsPropagation: unknown propagation 'sideways'"* ]]
}

@test "run in the foreground with terminal: true and no console socket: a pty on our stdio, the exit code carried" {
	command -v script >/dev/null || skip "no script(1)"
	# docs/oci-runtime.md's first example: runc's default config.json (terminal, sh)
	cp "$BATS_FILE_TMPDIR/default.json" "$BUNDLE/config.json"
	cd "$BUNDLE"
	# script(1) gives the runtime a terminal; the shell's input comes through it
	run -4 script -qec "'$HULL' runtime --root '$RTROOT' run demo" /dev/null \
		<<<'tty; stty size; echo in-$((6 * 7)); exit 4'
	[[ $output == *"/dev/pts/0"* ]]
	[[ $output == *in-42* ]]
	run -0 rt list -q
	[ -z "$output" ] || { echo "left: $output"; false; }
	# the terminal's size is passed on, and the command's output comes back as it is
	spec 'c["process"]["terminal"] = True' 'c["process"]["args"] = ["sh", "-c", "stty size; exit 0"]'
	run -0 script -qec "stty rows 21 cols 73; '$HULL' runtime --root '$RTROOT' run demo2" /dev/null </dev/null
	[[ $output == *"21 73"* ]]
	# detached, the pty still needs a console socket (runc's rule)
	run -1 rt run --detach demo3
	[[ $output == *"cannot allocate tty if hull-runtime will detach without setting console socket"* ]]
}

@test "exec --tty in the foreground without a console socket: a pty on our stdio, the exit code carried; --cwd not made" {
	command -v script >/dev/null || skip "no script(1)"
	spec 'c["process"]["args"] = ["sleep", "1000"]'
	rt create --bundle "$BUNDLE" ext
	rt start ext
	run -5 script -qec "stty rows 22 cols 74; '$HULL' runtime --root '$RTROOT' exec -t ext sh -c 'tty; stty size; exit 5'" /dev/null </dev/null
	[[ $output == *"/dev/pts/"* ]]
	[[ $output == *"22 74"* ]]
	# without a terminal of our own: still a pty in the container
	run -0 rt exec --tty ext sh -c 'test -t 0 && test -t 1 && echo both-ttys'
	[[ $output == *both-ttys* ]]
	# exec's --cwd is not made, as runc's exec (create's process.cwd is)
	run -1 rt exec --cwd /nonexist ext pwd
	[[ $output == *'chdir to cwd ("/nonexist") set in config.json failed: No such file or directory'* ]]
	run -0 rt exec --cwd /tmp ext pwd
	[ "$output" = /tmp ]
	run -1 rt exec --tty --detach ext true
	[[ $output == *"cannot allocate tty if hull-runtime will detach without setting console socket"* ]]
	rt delete --force ext
}

@test "no namespaces at all: the runtime's own, a chroot, and not one mount in the runtime's namespace" {
	spec 'c["linux"]["namespaces"] = []' 'c.pop("hostname")' \
		'c["process"]["args"] = ["sh", "-c", "echo chrooted; ls /; sleep 1000"]'
	local pid ns
	rt --log "$BATS_TEST_TMPDIR/log" create --bundle "$BUNDLE" nons1 >"$BATS_TEST_TMPDIR/out"
	grep -q "level=warning.*no mount namespace.*not applied" "$BATS_TEST_TMPDIR/log"
	pid=$(rt state nons1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	for ns in mnt uts ipc net pid cgroup; do
		[ "$(readlink /proc/$pid/ns/$ns)" = "$(readlink /proc/self/ns/$ns)" ]
	done
	[ "$(readlink /proc/$pid/root)" = "$BUNDLE/rootfs" ]
	# (other mounts of this shared namespace may come and go meanwhile)
	run -1 grep -F "$BUNDLE/rootfs" /proc/self/mountinfo
	rt start nons1
	wait_for grep -q bin "$BATS_TEST_TMPDIR/out"
	run -0 cat "$BATS_TEST_TMPDIR/out"
	[ "${lines[0]}" = chrooted ]
	[[ $output != *work* ]]
	run -1 rt exec nons1 ls /
	[[ $output == *"exec into a container without its own mount namespace is not supported"* ]]
	rt delete --force nons1
	run -1 grep -F "$BUNDLE/rootfs" /proc/self/mountinfo
}

@test "exec --cap adds a capability to the bounding, effective and permitted sets, as runc" {
	spec 'c["process"]["args"] = ["sleep", "1000"]'
	rt create --bundle "$BUNDLE" excap
	rt start excap
	# runc spec's default: AUDIT_WRITE, KILL, NET_BIND_SERVICE (0x20000420)
	run -0 rt exec excap grep CapEff /proc/self/status
	[[ $output == *0000000020000420 ]]
	run -0 rt exec --cap CAP_SYS_ADMIN --cap cap_net_admin excap grep -E 'Cap(Eff|Prm|Bnd|Inh)' /proc/self/status
	[ "$output" = "$(printf 'CapInh:\t0000000000000000\nCapPrm:\t0000000020201420\nCapEff:\t0000000020201420\nCapBnd:\t0000000020201420')" ]
	run -1 rt exec --cap CAP_NOPE excap true
	[ "$output" = '--cap: unknown capability "CAP_NOPE"' ]
	echo '{}' >"$BATS_TEST_TMPDIR/p.json"
	run -1 rt exec --cap CAP_SYS_ADMIN --process "$BATS_TEST_TMPDIR/p.json" excap
	[ "$output" = "--cap cannot be used with --process" ]
	rt delete --force excap
}
