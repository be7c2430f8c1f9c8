#!/usr/bin/env bats
# Issue 7, escape 2: host block and character devices. A root container keeps
# docker's CAP_MKNOD, so it can make a node for a host disk; docker's device
# rules (moby's deny-all + runc's AllowedDevices, through the v1 devices
# cgroup and a cgroup2 BPF device program) must stop it from opening it, in
# containers, exec and build steps. --device and --device-cgroup-rule add to
# the rules. The attacks are real: a loop device over a file holding a secret.
#
# Layouts: on a hybrid host (v1 devices + an empty cgroup2 at
# /sys/fs/cgroup/unified) a default start uses the v1 devices cgroup; the
# HULL_TEST_CGROUP_DEVICES=bpf and =both runs attack the BPF device program on
# the unified hierarchy, alone and with the v1 rules. Each test prints the
# layout it ran on to the TAP stream (# layout: ...).

load helpers

SECRET=TOPSECRET-7f3a9c

setup_file() {
	hull_setup_file
	export IMG=$BATS_FILE_TMPDIR/disk.img
	{ printf '%s\n' "$SECRET"; head -c 65536 /dev/zero; } > "$IMG"
	export SUM=$(sha256sum < "$IMG")
	if [ -e /dev/loop-control ] && LOOP=$(losetup -f --show "$IMG" 2>/dev/null); then
		export LOOP LOOPN=${LOOP#/dev/loop}
	else
		export LOOP=
	fi
	local l=none
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		l="cgroup2 (BPF device program)"
	elif [ -d /sys/fs/cgroup/devices ]; then
		l="v1 devices cgroup"
		[ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] &&
			l="$l (hybrid host: the cgroup2 at /sys/fs/cgroup/unified unused by default)"
	fi
	export LAYOUT=$l
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] ||
		[ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] &&
		export HAVE_CG2=1
}

teardown_file() {
	hull_teardown_file
	[ -z "${LOOP:-}" ] || losetup -d "$LOOP"
}

setup() {
	[ -n "$LOOP" ] || skip "needs a loop device (losetup -f failed)"
	[ "$LAYOUT" != none ] || skip "needs a devices cgroup or cgroup2"
}

teardown() {
	# the cgroup made by the "cannot be applied" test, should it fail half-way
	local cg
	for cg in /sys/fs/cgroup/devices/hull-test-160-*; do
		[ -d "$cg" ] || continue
		find "$cg" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$cg" 2>/dev/null || true
	done
}

layout() { echo "# layout: ${1:-$LAYOUT}" >&3; }

# the attack in a shell: make the loop device's node, read it, write it
attack="mknod /tmp/l b 7 \$N && echo made; head -c 20 /tmp/l; echo PWNED | dd of=/tmp/l conv=notrunc"

# assert the attack's output shows it made the node but could neither read nor write
assert_denied() {
	[[ $output == *made* ]]
	[[ $output == *"head: /tmp/l: Operation not permitted"* ]]
	[[ $output == *"dd: can't open '/tmp/l': Operation not permitted"* ]]
	[[ $output != *"$SECRET"* ]]
	[ "$(sha256sum < "$IMG")" = "$SUM" ]
}

@test "a default container can make but not read or write a host block device" {
	layout
	run hull run --rm -e N="$LOOPN" busybox sh -c "$attack"
	assert_denied
}

@test "the same with the v1 devices cgroup alone" {
	[ -d /sys/fs/cgroup/devices ] || skip "no v1 devices cgroup"
	layout "v1 devices cgroup only (HULL_TEST_CGROUP_DEVICES=v1)"
	HULL_TEST_CGROUP_DEVICES=v1 run hull run --rm -e N="$LOOPN" busybox \
		sh -c "$attack; grep -E '^[0-9]+:devices:|^0::' /proc/self/cgroup"
	assert_denied
	[ -n "$(grep '^[0-9]*:devices:.*/hull/' <<<"$output")" ]
	[ -z "$(grep '^0::.*/hull/' <<<"$output")" ]
}

@test "the same with the cgroup2 BPF device program alone" {
	[ -n "${HAVE_CG2:-}" ] || skip "no cgroup2 hierarchy"
	layout "cgroup2 BPF program only (HULL_TEST_CGROUP_DEVICES=bpf)"
	HULL_TEST_CGROUP_DEVICES=bpf run hull run --rm -e N="$LOOPN" busybox \
		sh -c "$attack; grep -E '^[0-9]+:devices:|^0::' /proc/self/cgroup"
	assert_denied
	[ -n "$(grep '^0::.*/hull/' <<<"$output")" ]
	[ -z "$(grep '^[0-9]*:devices:.*/hull/' <<<"$output")" ]
}

@test "the same with both, the v1 rules and the BPF program" {
	[ -n "${HAVE_CG2:-}" ] && [ -d /sys/fs/cgroup/devices ] || skip "needs a hybrid host"
	layout "v1 devices cgroup + BPF program on /sys/fs/cgroup/unified (HULL_TEST_CGROUP_DEVICES=both)"
	HULL_TEST_CGROUP_DEVICES=both run hull run --rm -e N="$LOOPN" busybox \
		sh -c "$attack; grep -E '^[0-9]+:devices:|^0::' /proc/self/cgroup"
	assert_denied
	[ -n "$(grep '^0::.*/hull/' <<<"$output")" ]
	[ -n "$(grep '^[0-9]*:devices:.*/hull/' <<<"$output")" ]
	# and the defaults still open through both
	HULL_TEST_CGROUP_DEVICES=both run hull run --rm busybox sh -c \
		'echo x > /dev/null && head -c 1 /dev/zero | wc -c'
	[ "$output" = 1 ]
}

@test "character devices: /dev/mem and /dev/kmsg nodes cannot be opened" {
	layout
	run hull run --rm busybox sh -c \
		'mknod /tmp/mem c 1 1 && mknod /tmp/kmsg c 1 11 && echo made
		 head -c 1 /tmp/mem; head -n 1 /tmp/kmsg; echo x > /tmp/kmsg'
	[[ $output == *made* ]]
	[[ $output == *"head: /tmp/mem: Operation not permitted"* ]]
	[[ $output == *"head: /tmp/kmsg: Operation not permitted"* ]]
	[[ $output == *"can't create /tmp/kmsg: Operation not permitted"* ]]
}

@test "a device node that an image layer carries cannot be opened either" {
	layout
	local lower t=$BATS_TEST_TMPDIR
	lower=$(ls -d "$HULL_ROOT"/layers/*/diff | head -n1)
	mkdir "$t/nd"
	mknod -m 0666 "$t/nd/disk" b 7 "$LOOPN"
	tar -C "$lower" -cf "$t/img.tar" .
	tar -rf "$t/img.tar" -C "$t/nd" disk
	hull import "$t/img.tar" dev-layer >/dev/null
	# no CAP_MKNOD needed: as any user, through the image's own node
	run hull run --rm -u nobody dev-layer sh -c \
		'ls -l /disk; head -c 20 /disk; echo PWNED | dd of=/disk conv=notrunc'
	[[ $output == *"brw-rw-rw-"*"7,"* ]]
	[[ $output == *"head: /disk: Operation not permitted"* ]]
	[[ $output == *"dd: can't open '/disk': Operation not permitted"* ]]
	[[ $output != *"$SECRET"* ]]
	[ "$(sha256sum < "$IMG")" = "$SUM" ]
}

@test "exec: the same attack fails from a process that joins the container" {
	layout
	hull run -d --name dev-ex busybox sleep 1000 >/dev/null
	run hull exec -e N="$LOOPN" dev-ex sh -c "$attack"
	assert_denied
	hull rm -f dev-ex >/dev/null
	[ -n "${HAVE_CG2:-}" ] || return 0
	layout "cgroup2 BPF program only (HULL_TEST_CGROUP_DEVICES=bpf)"
	HULL_TEST_CGROUP_DEVICES=bpf hull run -d --name dev-ex-bpf busybox sleep 1000 >/dev/null
	run hull exec -e N="$LOOPN" dev-ex-bpf sh -c "$attack"
	assert_denied
	hull rm -f dev-ex-bpf >/dev/null
}

@test "build: a RUN step cannot read or write a host block device" {
	layout
	local d
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-EOF
		FROM busybox
		RUN mknod /x b 7 $LOOPN && echo made && (head -c 20 /x; echo PWNED | dd of=/x conv=notrunc; rm /x; true)
		RUN mknod /y b 7 $LOOPN && dd if=/y bs=20 count=1
	EOF
	run hull build --no-cache -t dev-build "$d"
	[ "$status" -ne 0 ]
	[[ $output == *made* ]]
	[[ $output == *"head: /x: Operation not permitted"* ]]
	[[ $output == *"dd: can't open '/x': Operation not permitted"* ]]
	[[ $output == *"dd: can't open '/y': Operation not permitted"* ]]
	[[ $output == *"RUN: the command 'mknod /y b 7 $LOOPN && dd if=/y bs=20 count=1' returned a non-zero code: 1"* ]]
	[[ $output != *"$SECRET"* ]]
	[ "$(sha256sum < "$IMG")" = "$SUM" ]
}

@test "docker's default devices still work: null, zero, full, random, urandom, tty, ptmx, pts" {
	run hull run --rm busybox sh -c \
		'echo x > /dev/null && echo null-ok
		 [ "$(head -c 3 /dev/zero | od -An -tx1)" = " 00 00 00" ] && echo zero-ok
		 echo x > /dev/full || echo full-enospc
		 [ "$(head -c 8 /dev/urandom | wc -c)" = 8 ] && echo urandom-ok
		 [ "$(head -c 8 /dev/random | wc -c)" = 8 ] && echo random-ok
		 exec 3<>/dev/ptmx && echo ptmx-ok'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = null-ok ]
	[ "${lines[1]}" = zero-ok ]
	[[ $output == *"No space left on device"* ]]
	[[ $output == *full-enospc* ]]
	[[ $output == *urandom-ok* ]]
	[[ $output == *random-ok* ]]
	[[ $output == *ptmx-ok* ]]
	# with a terminal: /dev/tty and /dev/console (a pts) are allowed
	run hull run --rm -t busybox sh -c 'echo hi > /dev/tty && echo > /dev/console && echo tty-ok'
	[ "$status" -eq 0 ]
	[[ $output == *tty-ok* ]]
}

@test "--device HOST:CONTAINER gives the node with rwm; :r refuses writes" {
	layout
	run hull run --rm --device "$LOOP:/dev/xdisk" busybox sh -c \
		'stat -c "%F %t:%T %a" /dev/xdisk; head -c 16 /dev/xdisk'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "block special file 7:$(printf %x "$LOOPN") $(stat -c %a "$LOOP")" ]
	[[ $output == *"$SECRET"* ]]

	run hull run --rm --device "$LOOP:/dev/xdisk:r" busybox sh -c \
		'head -c 16 /dev/xdisk; echo; echo PWNED | dd of=/dev/xdisk conv=notrunc'
	[ "$status" -eq 1 ]
	[[ $output == *"$SECRET"* ]]
	[[ $output == *"dd: can't open '/dev/xdisk': Operation not permitted"* ]]
	[ "$(sha256sum < "$IMG")" = "$SUM" ]

	# rw: the write reaches the backing file (past the secret), then is undone
	run hull run --rm --device "$LOOP:/dev/xdisk:rw" busybox sh -c \
		'echo WRITTEN | dd of=/dev/xdisk bs=1 seek=4096 conv=notrunc,fsync 2>/dev/null && echo ok'
	[ "$output" = ok ]
	[ "$(dd if="$IMG" bs=1 skip=4096 count=7 2>/dev/null)" = WRITTEN ]
	head -c 8 /dev/zero | dd of="$LOOP" bs=1 seek=4096 conv=notrunc,fsync 2>/dev/null
	[ "$(sha256sum < "$IMG")" = "$SUM" ]
}

@test "--device of a directory adds every device below it" {
	local d=$BATS_TEST_TMPDIR/devdir
	mkdir -p "$d/sub"
	mknod "$d/sub/disk" b 7 "$LOOPN"
	echo not-a-device > "$d/file"
	run hull run --rm --device "$d:/dev/mine" busybox sh -c \
		'ls /dev/mine /dev/mine/sub; head -c 16 /dev/mine/sub/disk'
	[ "$status" -eq 0 ]
	[[ $output == *"$SECRET"* ]]
	[[ $output != *file* ]]
}

@test "--device-cgroup-rule adds a rule: b 7:* rwm lets mknod'd loop devices open" {
	local mode
	for mode in "" ${HAVE_CG2:+bpf}; do
		layout "${mode:+cgroup2 BPF program only (HULL_TEST_CGROUP_DEVICES=$mode)}"
		HULL_TEST_CGROUP_DEVICES=$mode run hull run --rm --device-cgroup-rule 'b 7:* rwm' \
			-e N="$LOOPN" busybox sh -c 'mknod /tmp/l b 7 $N && head -c 16 /tmp/l'
		[ "$status" -eq 0 ]
		[[ $output == *"$SECRET"* ]]
		# read only: the write is refused
		HULL_TEST_CGROUP_DEVICES=$mode run hull run --rm --device-cgroup-rule "b 7:$LOOPN r" \
			-e N="$LOOPN" busybox sh -c \
			'mknod /tmp/l b 7 $N && head -c 16 /tmp/l; echo PWNED | dd of=/tmp/l conv=notrunc'
		[[ $output == *"$SECRET"* ]]
		[[ $output == *"dd: can't open '/tmp/l': Operation not permitted"* ]]
		[ "$(sha256sum < "$IMG")" = "$SUM" ]
		# --device with :r through the same mechanism
		HULL_TEST_CGROUP_DEVICES=$mode run hull run --rm --device "$LOOP:/dev/xdisk:r" busybox \
			sh -c 'head -c 16 /dev/xdisk; echo PWNED | dd of=/dev/xdisk conv=notrunc'
		[[ $output == *"$SECRET"* ]]
		[[ $output == *"dd: can't open '/dev/xdisk': Operation not permitted"* ]]
		[ "$(sha256sum < "$IMG")" = "$SUM" ]
	done
}

@test "bad --device and --device-cgroup-rule values: docker's errors, 125" {
	run -125 hull run --rm --device-cgroup-rule 'x 1:2 rwm' busybox true
	[[ $output == *'invalid argument "x 1:2 rwm" for "--device-cgroup-rule" flag: invalid device cgroup format '"'x 1:2 rwm'"* ]]
	run -125 hull run --rm --device-cgroup-rule 'c 1:2' busybox true
	[[ $output == *"invalid device cgroup format 'c 1:2'"* ]]
	run -125 hull create --device-cgroup-rule 'c 1:2 rwx' busybox true
	[[ $output == *"invalid device cgroup format 'c 1:2 rwx'"* ]]
	run -125 hull run --rm --device a:b:c:d busybox true
	[[ $output == *'invalid argument "a:b:c:d" for "--device" flag: bad format for path: a:b:c:d'* ]]
	run -125 hull run --rm --device /dev/null:/x:rwq busybox true
	[[ $output == *"bad mode specified: rwq"* ]]
	run -125 hull run --rm --device /dev/null:x busybox true
	[[ $output == *"x is not an absolute path"* ]]
	run -125 hull run --rm --device /etc/passwd busybox true
	[[ $output == *'error gathering device information while adding custom device "/etc/passwd": not a device node'* ]]
	run -125 hull run --rm --device /nonexistent busybox true
	[[ $output == *'error gathering device information while adding custom device "/nonexistent": no such file or directory'* ]]
}

@test "inspect shows HostConfig.Devices and DeviceCgroupRules as docker does" {
	hull create --name dev-none busybox true >/dev/null
	run hull inspect --format '{{json .HostConfig.Devices}} {{json .HostConfig.DeviceCgroupRules}} {{json .HostConfig.DeviceRequests}}' dev-none
	[ "$output" = "[] null null" ]
	hull create --name dev-some --device "$LOOP" --device "$LOOP:/dev/x:r" --device "$LOOP:rw" \
		--device-cgroup-rule 'c 1:3 mr' --device-cgroup-rule 'b *:* m' busybox true >/dev/null
	run hull inspect --format '{{json .HostConfig.Devices}} {{json .HostConfig.DeviceCgroupRules}}' dev-some
	[ "$output" = "[{\"CgroupPermissions\":\"rwm\",\"PathInContainer\":\"$LOOP\",\"PathOnHost\":\"$LOOP\"},{\"CgroupPermissions\":\"r\",\"PathInContainer\":\"/dev/x\",\"PathOnHost\":\"$LOOP\"},{\"CgroupPermissions\":\"rw\",\"PathInContainer\":\"$LOOP\",\"PathOnHost\":\"$LOOP\"}] [\"c 1:3 mr\",\"b *:* m\"]" ]
	hull rm dev-none dev-some >/dev/null
}

@test "a start whose device rules cannot be applied fails with 125 and runs nothing" {
	[ -d /sys/fs/cgroup/devices ] || skip "needs the v1 devices cgroup"
	layout "v1 devices cgroup whose parent denies 10:200 (tun)"
	local cg=/sys/fs/cgroup/devices/hull-test-160-$$ r m=$BATS_TEST_TMPDIR/m
	mkdir -p "$m"
	# our own parent cgroup that allows all hull needs but not docker's tun rule
	mkdir "$cg"
	echo a > "$cg/devices.deny"
	for r in 'c *:* m' 'b *:* m' 'c 1:3 rwm' 'c 1:5 rwm' 'c 1:7 rwm' 'c 1:8 rwm' \
		'c 1:9 rwm' 'c 5:0 rwm' 'c 5:2 rwm' 'c 136:* rwm'; do
		echo "$r" > "$cg/devices.allow"
	done
	run -125 sh -c "echo \$\$ > $cg/cgroup.procs && exec $HULL run --rm -v $m:/m busybox touch /m/ran"
	[[ $output == *"apply device rules: write 'c 10:200 rwm' to '$cg/hull/"*"/devices.allow': Operation not permitted"* ]]
	[ ! -e "$m/ran" ]
	# nothing left behind in the container's hierarchy
	[ -z "$(find "$cg/hull" -mindepth 1 -type d)" ]
	rmdir "$cg/hull" "$cg"

	run -125 env HULL_TEST_CGROUP_DEVICES=nonsense "$HULL" run --rm -v "$m:/m" busybox touch /m/ran
	[[ $output == *"HULL_TEST_CGROUP_DEVICES='nonsense': not v1, bpf or both"* ]]
	[ ! -e "$m/ran" ]
}

@test "the device cgroups go with the container" {
	# both mechanisms where the host has them, so that both directories are checked
	local mode= cg dev uni id
	[ -n "${HAVE_CG2:-}" ] && [ -d /sys/fs/cgroup/devices ] && mode=both
	export HULL_TEST_CGROUP_DEVICES=$mode
	cg=$(hull run --rm busybox cat /proc/self/cgroup)
	dev=$(printf '%s\n' "$cg" | sed -n 's/^[0-9]*:devices://p')
	uni=$(printf '%s\n' "$cg" | sed -n 's/^0:://p')
	if [ -d /sys/fs/cgroup/devices ]; then
		[[ $dev == */hull/* ]]
		[ ! -e "/sys/fs/cgroup/devices$dev" ]
	fi
	if [ -n "${HAVE_CG2:-}" ] && [ "$mode" = both ]; then
		[[ $uni == */hull/* ]]
		[ ! -e "/sys/fs/cgroup/unified$uni" ]
	fi
	# detached, removed with rm -f
	id=$(hull run -d busybox sleep 1000)
	if [ -d /sys/fs/cgroup/devices ]; then
		[ -d "/sys/fs/cgroup/devices$(dirname "$dev")/$id" ]
	fi
	hull rm -f "$id" >/dev/null
	wait_for test ! -e "/sys/fs/cgroup/devices$(dirname "$dev")/$id"
	wait_for test ! -e "/sys/fs/cgroup/unified$(dirname "$uni")/$id"
	unset HULL_TEST_CGROUP_DEVICES
}
