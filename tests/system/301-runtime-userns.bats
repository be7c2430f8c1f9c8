#!/usr/bin/env bats
# hull runtime with user namespaces (linux.namespaces "user", linux.uidMappings
# and gidMappings): src/runtime/runtime.c (the intermediate process and the
# maps), mount.c (/proc, /sys and device nodes in a user namespace), bundle.c
# (the mappings' checks). The rootfs is a copy of the busybox one chowned to
# the mapped root, as a bundle's author prepares it for runc.

load helpers

setup_file() {
	hull_setup_file
	export RTROOT=$BATS_FILE_TMPDIR/rt
	export BUNDLE=$BATS_FILE_TMPDIR/bundle
	mkdir -p "$BUNDLE/rootfs"
	tar -C "$BUNDLE/rootfs" --numeric-owner -xf "$BUSYBOX_TAR"
	# root inside is host uid and gid 100000
	chown -R -h 100000:100000 "$BUNDLE/rootfs"
	# the mapped root must reach the rootfs: bats makes its directories 0700
	local d=$BATS_FILE_TMPDIR
	while [ "$d" != "$(dirname "$BATS_RUN_TMPDIR")" ] && [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	(cd "$BUNDLE" && "$HULL" runtime spec)
	cp "$BUNDLE/config.json" "$BATS_FILE_TMPDIR/default.json"
}

teardown_file() { rt_teardown_file; }

# spec [--into DIR] EXPR...: DIR/config.json (default $BUNDLE) = runc spec's default
# with a new user namespace mapping 0-65535 to 100000-165535, then each python EXPR
# applied to `c`
spec() {
	local dir=$BUNDLE
	if [ "$1" = --into ]; then
		dir=$2
		shift 2
	fi
	python3 - "$BATS_FILE_TMPDIR/default.json" "$dir/config.json" "$BUNDLE/rootfs" "$@" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["root"] = {"path": sys.argv[3], "readonly": False}
c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
for e in sys.argv[4:]:
    exec(e)
json.dump(c, open(sys.argv[2], "w"))
EOF
}

# every capability the kernel has, for a root that would pass every check without a user namespace
all_caps='c["process"]["capabilities"] = {k: ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_MKNOD", "CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID"] for k in ("bounding", "effective", "permitted")}'

state_pid() { rt state "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'; }

@test "a new user namespace: the maps inside, root there, files of host uid 100000" {
	mkdir -m 0755 "$BATS_TEST_TMPDIR/vol"
	chown 100000:100000 "$BATS_TEST_TMPDIR/vol"
	spec 'c["mounts"].append({"destination": "/vol", "type": "bind", "source": "'"$BATS_TEST_TMPDIR/vol"'", "options": ["rbind", "rw"]})' \
		'c["process"]["args"] = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; touch /vol/made && mkdir /vol/dir && echo made; echo hi > /dev/null && head -c 3 /dev/zero | wc -c; grep -c . /proc/self/mounts >/dev/null && echo proc; ls /sys/class/net"]'
	run -0 rt run --bundle "$BUNDLE" u1
	[ "$(echo "${lines[0]}" | xargs)" = "0 100000 65536" ]
	[ "$(echo "${lines[1]}" | xargs)" = "0 100000 65536" ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = 0 ]
	[ "${lines[4]}" = made ]
	[ "${lines[5]}" = 3 ]
	[ "${lines[6]}" = proc ]
	# sysfs of its own network namespace: only its loopback
	[ "${lines[7]}" = lo ]
	# on the host side they belong to the mapped root
	[ "$(stat -c %u:%g "$BATS_TEST_TMPDIR/vol/made")" = 100000:100000 ]
	[ "$(stat -c %u:%g "$BATS_TEST_TMPDIR/vol/dir")" = 100000:100000 ]
	# several ranges: root and uid 1000 from different host ranges
	spec 'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 1000}, {"containerID": 1000, "hostID": 300000, "size": 1}]' \
		'c["process"]["user"] = {"uid": 1000, "gid": 0}' \
		'c["process"]["args"] = ["sh", "-c", "id -u; cat /proc/self/uid_map"]'
	run -0 rt run --bundle "$BUNDLE" u2
	[ "${lines[0]}" = 1000 ]
	[ "$(echo "${lines[1]}" | xargs)" = "0 100000 1000" ]
	[ "$(echo "${lines[2]}" | xargs)" = "1000 300000 1" ]
	run -0 rt list -q
	[ -z "$output" ]
}

@test "in a user namespace the mounts are listed in the spec's order: /proc, /dev..., /sys" {
	# mountinfo lists mounts by the id each got when made; /proc and /sys are made before
	# pivot_root there (runtime-tools linux_uid_mappings "mounts[5] (/sys) found in order")
	spec 'c["process"]["args"] = ["sh", "-c", "while read -r id p d r m rest; do echo $m; done </proc/self/mountinfo"]'
	run -0 rt run --bundle "$BUNDLE" order1
	local got
	got=$(printf '%s\n' "${lines[@]}" | grep -xE '/proc|/dev|/dev/pts|/dev/shm|/dev/mqueue|/sys' | tr '\n' ' ')
	[ "$got" = "/proc /dev /dev/pts /dev/shm /dev/mqueue /sys " ]
}

@test "the root of a user namespace cannot do what host root can, even with every capability" {
	printf 'host secret\n' >"$BATS_TEST_TMPDIR/secret"
	chmod 0600 "$BATS_TEST_TMPDIR/secret"
	mkdir -m 0700 "$BATS_TEST_TMPDIR/rootdir"
	# rw bind mounts of a host-root file (0600) and directory (0700)
	local mounts='c["mounts"] += [{"destination": "/secret", "type": "bind", "source": "'"$BATS_TEST_TMPDIR/secret"'", "options": ["rbind", "rw"]}, {"destination": "/rootdir", "type": "bind", "source": "'"$BATS_TEST_TMPDIR/rootdir"'", "options": ["rbind", "rw"]}]'
	local try='c["process"]["args"] = ["sh", "-c", "cat /secret 2>/dev/null && echo read; { echo owned >> /secret; } 2>/dev/null && echo wrote; chmod 666 /secret 2>/dev/null && echo chmod; chown 0 /secret 2>/dev/null && echo chown; touch /rootdir/f 2>/dev/null && echo created; mknod /tmp/sda b 8 0 2>/dev/null && echo mknod; echo done"]'
	# the control: the same bundle without the user namespace does all of it
	spec "$all_caps" "$mounts" "$try" \
		'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "user"]' \
		'del c["linux"]["uidMappings"], c["linux"]["gidMappings"]'
	run -0 rt run --bundle "$BUNDLE" ctl
	[[ $output == *"read"*"wrote"*"chmod"*"chown"*"created"*"mknod"*"done" ]]
	rm -f "$BATS_TEST_TMPDIR/rootdir/f"
	printf 'host secret\n' >"$BATS_TEST_TMPDIR/secret"
	chmod 0600 "$BATS_TEST_TMPDIR/secret"
	# in the user namespace: none of it
	spec "$all_caps" "$mounts" "$try"
	run -0 rt run --bundle "$BUNDLE" u3
	[ "$output" = done ]
	[ "$(cat "$BATS_TEST_TMPDIR/secret")" = "host secret" ]
	[ "$(stat -c %a:%u "$BATS_TEST_TMPDIR/secret")" = 600:0 ]
	[ ! -e "$BATS_TEST_TMPDIR/rootdir/f" ]
}

@test "invalid mappings are refused, one clear line each, and nothing is left" {
	spec 'del c["linux"]["gidMappings"]'
	run -1 rt create --bundle "$BUNDLE" bad
	[ "$output" = "linux.gidMappings: a new user namespace needs gid mappings" ]
	spec 'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 0}]'
	run -1 rt create --bundle "$BUNDLE" bad
	[ "$output" = "linux.uidMappings[0].size: must be at least 1" ]
	spec 'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 4294967000, "size": 65536}]'
	run -1 rt create --bundle "$BUNDLE" bad
	[ "$output" = "linux.uidMappings[0]: hostID 4294967000 + size 65536 goes past the last id, 4294967294" ]
	spec 'c["linux"]["gidMappings"].append({"containerID": 100, "hostID": 500000, "size": 10})'
	run -1 rt create --bundle "$BUNDLE" bad
	[ "$output" = "linux.gidMappings[1]: its containerIDs overlap those of linux.gidMappings[0]" ]
	spec 'c["linux"]["uidMappings"] = [{"containerID": i * 2, "hostID": 100000 + i * 2, "size": 1} for i in range(341)]'
	run -1 rt create --bundle "$BUNDLE" bad
	[ "$output" = "linux.uidMappings: 341 ranges, more than the kernel's 340" ]
	spec 'c["process"]["user"] = {"uid": 70000, "gid": 0}'
	run -1 rt create --bundle "$BUNDLE" bad
	[ "$output" = "process.user.uid: 70000 is not mapped by linux.uidMappings" ]
	spec 'c["linux"]["namespaces"][-1]["path"] = "/proc/1/ns/user"'
	run -1 rt create --bundle "$BUNDLE" bad
	[ "$output" = "linux.uidMappings: not allowed with a user namespace joined by path ('/proc/1/ns/user' has its own mappings)" ]
	[ ! -e "$RTROOT/bad" ]
	# 340 ranges is the kernel's limit, and works
	spec 'c["linux"]["uidMappings"] = [{"containerID": i * 2, "hostID": 2000 + i * 2, "size": 1} for i in range(340)]' \
		'c["process"]["args"] = ["sh", "-c", "wc -l < /proc/self/uid_map"]'
	run -0 rt run --bundle "$BUNDLE" many
	[ "$output" = 340 ]
}

@test "create, exec, cgroups and joining a user namespace by path" {
	mkdir -m 0755 "$BATS_TEST_TMPDIR/vol"
	chown 100000:100000 "$BATS_TEST_TMPDIR/vol"
	spec 'c["mounts"].append({"destination": "/vol", "type": "bind", "source": "'"$BATS_TEST_TMPDIR/vol"'", "options": ["rbind", "rw"]})' \
		'c["linux"]["resources"]["pids"] = {"limit": 50}' \
		'c["process"]["args"] = ["sh", "-c", "while :; do sleep 0.1; done"]'
	# the process keeps create's stdio: not run's pipe
	rt create --bundle "$BUNDLE" a1 >"$BATS_TEST_TMPDIR/out1" 2>&1
	rt start a1
	pid=$(state_pid a1)
	# the parent made its cgroups as host root and put the process in them
	grep -q "/a1$" "/proc/$pid/cgroup"
	# host side: the process is uid 100000
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 100000 ]
	# exec joins the user namespace too
	run -0 rt exec a1 sh -c 'id -u; cat /proc/self/uid_map; touch /vol/from-exec'
	[ "${lines[0]}" = 0 ]
	[ "$(echo "${lines[1]}" | xargs)" = "0 100000 65536" ]
	[ "$(stat -c %u "$BATS_TEST_TMPDIR/vol/from-exec")" = 100000 ]
	# a second container joins a1's user namespace by path, with namespaces of its own
	mkdir "$BATS_TEST_TMPDIR/b2"
	spec --into "$BATS_TEST_TMPDIR/b2" \
		'c["linux"]["namespaces"][-1]["path"] = "/proc/'"$pid"'/ns/user"' \
		'del c["linux"]["uidMappings"], c["linux"]["gidMappings"]' \
		'c["root"]["readonly"] = True' \
		'c["process"]["args"] = ["sh", "-c", "id -u; cat /proc/self/uid_map; ls /sys/class/net; sleep 1000"]'
	rt create --bundle "$BATS_TEST_TMPDIR/b2" a2 >"$BATS_TEST_TMPDIR/out2" 2>&1
	rt start a2
	pid2=$(state_pid a2)
	[ "$(readlink "/proc/$pid2/ns/user")" = "$(readlink "/proc/$pid/ns/user")" ]
	[ "$(readlink "/proc/$pid2/ns/mnt")" != "$(readlink "/proc/$pid/ns/mnt")" ]
	[ "$(readlink "/proc/$pid2/ns/user")" != "$(readlink /proc/self/ns/user)" ]
	wait_for grep -q '^lo$' "$BATS_TEST_TMPDIR/out2"
	run cat "$BATS_TEST_TMPDIR/out2"
	[ "${lines[0]}" = 0 ]
	[ "$(echo "${lines[1]}" | xargs)" = "0 100000 65536" ]
	run -0 rt delete --force a2
	run -0 rt delete --force a1
	[ ! -e "$RTROOT/a1" ]
}

@test "devices are the host's nodes, bound; /sys is the host's, read-only, without a network namespace" {
	spec 'c["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438}]' \
		'c["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rw"})' \
		'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]' \
		'c["process"]["args"] = ["sh", "-c", "stat -c %t:%T /dev/fuse /dev/null; grep -E \" /(sys|dev/fuse) \" /proc/self/mounts | cut -d\" \" -f1-4 | cut -d, -f1; touch /sys/x 2>/dev/null || echo ro; test -e /sys/class/net/lo && echo host-sys"]'
	[ -c /dev/fuse ] || skip "needs /dev/fuse"
	run -0 rt run --bundle "$BUNDLE" d1
	[ "${lines[0]}" = a:e5 ]
	[ "${lines[1]}" = 1:3 ]
	[[ $output == *"/sys sysfs ro"* ]]
	[[ $output == *"/dev/fuse devtmpfs"* ]]
	[[ $output == *"ro"$'\n'"host-sys" ]]
}

@test "a rootfs the mapped root cannot reach is an error that says so" {
	mkdir -m 0700 "$BATS_TEST_TMPDIR/closed"
	mkdir "$BATS_TEST_TMPDIR/closed/b"
	cp -a "$BUNDLE/rootfs" "$BATS_TEST_TMPDIR/closed/b/rootfs"
	spec --into "$BATS_TEST_TMPDIR/closed/b" 'c["root"]["path"] = "rootfs"'
	run -1 rt run --bundle "$BATS_TEST_TMPDIR/closed/b" closed
	[[ $output == *"bind mount the root file system '$BATS_TEST_TMPDIR/closed/b/rootfs' (the user namespace's root must be able to reach it): Permission denied"* ]]
	[ ! -e "$RTROOT/closed" ]
}

@test "a terminal over --console-socket, connected before the user namespace" {
	# the socket's directory is 0700 root, as hull-runtime's own: out of uid 100000's reach
	mkdir -m 0700 "$BATS_TEST_TMPDIR/sock"
	cat >"$BATS_TEST_TMPDIR/recv.py" <<'EOF'
import array, os, select, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(256, socket.CMSG_LEN(fds.itemsize))
fds.frombytes(anc[0][2][:fds.itemsize])
print("name", msg.decode(), flush=True)
out = b""
while b"done" not in out and select.select([fds[0]], [], [], 20)[0]:
    try:
        out += os.read(fds[0], 4096)
    except OSError:
        break
sys.stdout.write(out.decode().replace("\r", ""))
EOF
	python3 "$BATS_TEST_TMPDIR/recv.py" "$BATS_TEST_TMPDIR/sock/console.sock" >"$BATS_TEST_TMPDIR/tty-out" 2>&1 3>&- &
	wait_for test -S "$BATS_TEST_TMPDIR/sock/console.sock"
	spec 'c["process"]["terminal"] = True' \
		'c["process"]["args"] = ["sh", "-c", "tty; id -u; echo done; sleep 1"]'
	run -0 rt create --bundle "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/sock/console.sock" t1
	run -0 rt start t1
	wait_for grep -q done "$BATS_TEST_TMPDIR/tty-out"
	run cat "$BATS_TEST_TMPDIR/tty-out"
	[ "${lines[0]}" = "name /dev/pts/0" ]
	[ "${lines[1]}" = /dev/pts/0 ]
	[ "${lines[2]}" = 0 ]
	rt delete --force t1
}

@test "a user namespace path naming the runtime's own is not joined again" {
	spec 'c["linux"]["namespaces"][-1]["path"] = "/proc/'"$$"'/ns/user"' \
		'del c["linux"]["uidMappings"], c["linux"]["gidMappings"]' \
		'c["process"]["args"] = ["sh", "-c", "cat /proc/self/uid_map; id -u"]'
	run -0 rt run --bundle "$BUNDLE" own
	[ "$(echo "${lines[0]}" | xargs)" = "0 0 4294967295" ]
	[ "${lines[1]}" = 0 ]
}
