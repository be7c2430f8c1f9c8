#!/usr/bin/env bats
# -v and --mount (bind, volume, tmpfs), named and anonymous volumes, volume commands.

load helpers

@test "-v binds a host directory read-write and read-only" {
	d=$BATS_TEST_TMPDIR/host
	mkdir -p "$d"
	echo hi > "$d/f"
	run hull run --rm -v "$d:/mnt" busybox sh -c 'cat /mnt/f; echo new > /mnt/g'
	[ "$output" = hi ]
	[ "$(cat "$d/g")" = new ]
	run hull run --rm -v "$d:/mnt:ro" busybox sh -c 'echo x > /mnt/h'
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	[ ! -e "$d/h" ]
	run hull run --rm -v "$d:/mnt:rw,z" busybox cat /mnt/f
	[ "$output" = hi ]
}

@test "-v binds a single file and creates a missing host directory" {
	f=$BATS_TEST_TMPDIR/one
	echo content > "$f"
	run hull run --rm -v "$f:/etc/one:ro" busybox cat /etc/one
	[ "$output" = content ]
	hull run --rm -v "$BATS_TEST_TMPDIR/made/here:/x" busybox true
	[ -d "$BATS_TEST_TMPDIR/made/here" ]
}

@test "a mount target through a symlink stays inside the container" {
	build_image symimg 'FROM busybox
RUN ln -s /../../../../../tmp/escape-target /link'
	d=$BATS_TEST_TMPDIR/src
	mkdir -p "$d"
	echo inside > "$d/f"
	run hull run --rm -v "$d:/link" busybox cat /link/f
	[ "$output" = inside ]
	run hull run --rm -v "$d:/link" symimg cat /tmp/escape-target/f
	[ "$output" = inside ]
	[ ! -e /tmp/escape-target ]
}

@test "--mount type=bind, tmpfs and volume" {
	d=$BATS_TEST_TMPDIR/m
	mkdir -p "$d"
	echo m > "$d/f"
	run hull run --rm --mount "type=bind,source=$d,target=/b,readonly" busybox sh -c 'cat /b/f; touch /b/x'
	[[ $output == m* ]]
	[ "$status" -ne 0 ]
	run hull run --rm --mount type=tmpfs,destination=/t,tmpfs-size=1m busybox sh -c 'grep " /t " /proc/mounts'
	[[ $output == *"tmpfs"* && $output == *"size=1024k"* ]]
	hull run --rm --mount type=volume,src=mvol,dst=/v busybox sh -c 'echo kept > /v/k'
	run hull run --rm --mount src=mvol,dst=/v busybox cat /v/k
	[ "$output" = kept ]
}

@test "bad -v and --mount values are refused" {
	run hull run --rm -v /tmp:/x:bogus busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"invalid mode: bogus"* ]]
	run hull run --rm -v /tmp:relative busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"must be absolute"* ]]
	run hull run --rm --mount type=bind,src=/does/not/exist,dst=/x busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"bind source path does not exist: /does/not/exist"* ]]
	run hull run --rm --mount type=nfs,dst=/x busybox true
	[ "$status" -eq 125 ]
	run hull run --rm --mount type=volume,dst=/x,foo=bar busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"unexpected key 'foo'"* ]]
	# too many fields, an empty first one: refused, not a crash (found by fuzz-mount-spec)
	for v in a:b:c:d :/x; do
		run hull create -v "$v" busybox true
		[ "$status" -eq 125 ]
		[[ $output == *"invalid volume specification: '$v'"* ]]
	done
	run hull run --rm --mount dst=/x,bind-propagation=rshared busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"cannot mix 'bind-*' options with mount type 'volume'"* ]]
	run hull run --rm -v aa:/x -v bb:/x busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"Duplicate mount point: /x"* ]]
	run hull run --rm -v 'bad name!:/x' busybox true
	[ "$status" -eq 125 ]
}

@test "named volumes persist and have docker's inspect shape" {
	run hull volume create --label k=v data1
	[ "$output" = data1 ]
	hull run --rm -v data1:/data busybox sh -c 'echo persist > /data/p'
	run hull run --rm -v data1:/data busybox cat /data/p
	[ "$output" = persist ]
	run hull volume inspect data1
	[[ $output == *'"Name": "data1"'* ]]
	[[ $output == *'"Driver": "local"'* ]]
	[[ $output == *'"Scope": "local"'* ]]
	[[ $output == *'"k": "v"'* ]]
	[[ $output == *"\"Mountpoint\": \"$HULL_ROOT/volumes/data1/_data\""* ]]
	run hull volume inspect --format '{{.Name}} {{.Driver}}' data1
	[ "$output" = "data1 local" ]
	run hull volume ls
	[[ ${lines[0]} =~ ^DRIVER\ +VOLUME\ NAME$ ]]
	[[ $output =~ local\ +data1 ]]
	run hull volume ls -q
	[[ $output == *data1* ]]
	run hull volume inspect nosuchvol
	[ "$status" -eq 1 ]
	[[ $output == *"no such volume"* ]]
}

@test "the image's VOLUME becomes an anonymous volume with the image's content" {
	build_image seeded 'FROM busybox
RUN mkdir /vol && echo seeded > /vol/seed && chown 7:8 /vol/seed
VOLUME /vol'
	run hull run --name av seeded sh -c 'cat /vol/seed; stat -c %u:%g /vol/seed'
	[ "$output" = $'seeded\n7:8' ]
	name=$(hull inspect --format '{{json .Mounts}}' av | sed 's/.*"Name":"\([0-9a-f]*\)".*/\1/')
	[ ${#name} -eq 64 ]
	run hull volume inspect --format '{{json .Labels}}' "$name"
	[[ $output == *com.docker.volume.anonymous* ]]
	# a named volume that is empty also gets the content; nocopy does not
	run hull run --rm -v fresh:/vol seeded cat /vol/seed
	[ "$output" = seeded ]
	run hull run --rm -v fresh2:/vol:nocopy seeded ls /vol
	[ -z "$output" ]
}

@test "volume rm refuses a volume in use; prune removes unused anonymous volumes" {
	hull volume create busy
	hull run --name user -v busy:/b busybox true
	run hull volume rm busy
	[ "$status" -eq 1 ]
	[[ $output == *"volume is in use"* ]]
	hull rm user
	run hull volume rm busy
	[ "$status" -eq 0 ]
	build_image anonimg 'FROM busybox
VOLUME /a'
	hull run --name anonuser anonimg true
	name=$(hull inspect --format '{{json .Mounts}}' anonuser | sed 's/.*"Name":"\([0-9a-f]*\)".*/\1/')
	hull volume create namedkeep
	hull rm anonuser
	run hull volume prune -f
	[ "$status" -eq 0 ]
	[[ $output == *"$name"* ]]
	[[ $output == *"Total reclaimed space"* ]]
	hull volume inspect namedkeep
	run hull volume prune -f -a
	[[ $output == *namedkeep* ]]
}

@test "--volumes-from takes every mount of a container, read-write as there unless :ro; -v wins a target" {
	d=$BATS_TEST_TMPDIR/vf
	mkdir -p "$d"
	echo bound > "$d/f"
	build_image vfimg 'FROM busybox
RUN mkdir /anon && echo seeded > /anon/s
VOLUME /anon' >/dev/null
	# never started: its anonymous volume has the image's content all the same, as docker's
	hull create --name vfsrc -v vfnamed:/named -v "$d:/bind:ro" --mount type=tmpfs,dst=/t vfimg true >/dev/null
	run hull run --rm --volumes-from vfsrc busybox sh -c 'cat /anon/s /bind/f; echo w > /named/w && echo named-rw; touch /bind/x 2>/dev/null || echo bind-ro; grep -c " /t tmpfs " /proc/mounts'
	[ "$output" = $'seeded\nbound\nnamed-rw\nbind-ro\n1' ]
	run hull run --name vfuser --volumes-from vfsrc:ro busybox sh -c 'cat /named/w; touch /named/x /anon/x 2>/dev/null || echo all-ro'
	[ "$output" = $'w\nall-ro' ]
	run hull inspect --format '{{json .HostConfig.VolumesFrom}}' vfuser
	[ "$output" = '["vfsrc:ro"]' ]
	run hull inspect --format '{{json .HostConfig.VolumesFrom}}' vfsrc
	[ "$output" = null ]
	run hull inspect --format '{{json .Mounts}}' vfuser
	[[ $output == *'"Name":"vfnamed"'* && $output == *'"Destination":"/anon"'* && $output == *'"Destination":"/t"'* ]]
	[[ $output != *'"RW":true'* ]]
	# the container's own -v wins over the same target of --volumes-from, and :rw does
	# not make a read-only mount writable (moby: RW of the source and of the mode)
	run hull run --rm --volumes-from vfsrc:rw -v vfother:/named busybox sh -c 'ls /named; touch /bind/y 2>/dev/null || echo bind-ro'
	[ "$output" = bind-ro ]
	hull rm vfsrc vfuser >/dev/null
}

@test "--volumes-from: an unknown container, a bad mode; its volumes stay in use" {
	run hull run --rm --volumes-from nosuchctr busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"No such container: nosuchctr"* ]]
	hull create --name vfs2 -v /v busybox true >/dev/null
	for mode in bogus ro,rw nocopy rshared; do
		run hull create --volumes-from "vfs2:$mode" busybox true
		[ "$status" -eq 125 ]
		[[ $output == *"invalid mode: $mode"* ]]
	done
	anon=$(hull inspect --format '{{json .Mounts}}' vfs2 | sed 's/.*"Name":"\([0-9a-f]*\)".*/\1/')
	[ ${#anon} -eq 64 ]
	hull run --name vfu2 --volumes-from vfs2:z busybox sh -c 'echo kept > /v/k'
	# rm -v of the source leaves a volume another container uses
	hull rm -v vfs2 >/dev/null
	run hull volume rm "$anon"
	[ "$status" -eq 1 ]
	[[ $output == *"volume is in use"* ]]
	run hull run --rm --volumes-from vfu2 busybox cat /v/k
	[ "$output" = kept ]
	hull rm -v vfu2 >/dev/null
	run hull volume inspect "$anon"
	[ "$status" -eq 1 ]
}

@test "volume ls --filter name=, label=, dangling=, driver=" {
	hull volume create --label env=prod --label tier=db vf-prod >/dev/null
	hull volume create --label env=dev vf-dev >/dev/null
	hull create --name vfuser -v vf-dev:/data busybox true >/dev/null
	run -0 hull volume ls -q --filter name=vf-
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "vf-dev vf-prod " ]
	run -0 hull volume ls -q --filter name=prod
	[ "$output" = vf-prod ]
	run -0 hull volume ls -q --filter label=env=dev
	[ "$output" = vf-dev ]
	run -0 hull volume ls -q --filter label=env --filter label=tier
	[ "$output" = vf-prod ]
	run -0 hull volume ls -q --filter dangling=true --filter name=vf-
	[ "$output" = vf-prod ]
	run -0 hull volume ls -q --filter dangling=false --filter name=vf-
	[ "$output" = vf-dev ]
	run -0 hull volume ls -q --filter driver=local --filter name=vf-prod
	[ "$output" = vf-prod ]
	run -0 hull volume ls -q --filter driver=nfs --filter name=vf-prod
	[ -z "$output" ]
	run -125 hull volume ls --filter bogus=1
	run -125 hull volume ls --filter dangling=maybe
	hull rm -f vfuser >/dev/null
	hull volume rm vf-prod vf-dev >/dev/null
}

@test "volume create -o: the local driver's options checked as docker's, the unsupported refused" {
	run -1 hull volume create -o foo=bar vo-bad
	[ "$output" = 'hull: create vo-bad: invalid option: "foo"' ]
	run -1 hull volume create -o o=bind vo-bad
	[[ $output == *'missing required option: "device"' ]]
	run -1 hull volume create -o device=/tmp vo-bad
	[[ $output == *'missing required option: "type"' ]]
	run -1 hull volume create -o size=10m vo-bad
	[[ $output == *'quota size requested but no quota support' ]]
	run -1 hull volume create -o type=nfs -o device=:/srv -o o=addr=127.0.0.1 vo-bad
	[ "$output" = 'hull: create vo-bad: volume type "nfs" is not supported: hull mounts type=tmpfs, or o=bind of a host directory' ]
	run -1 hull volume create -o type=ext4 -o device=/dev/nonexistent vo-bad
	[[ $output == *'volume type "ext4" is not supported'* ]]
	run -1 hull volume create -o type=none -o o=bind -o device=rel/dir vo-bad
	[[ $output == *'bind device "rel/dir" must be an absolute path' ]]
	run -125 hull run --rm --mount type=volume,src=vo-bad,dst=/x,volume-opt=bogus=1 busybox true
	[[ $output == *'invalid option: "bogus"'* ]]
	run -1 hull volume inspect vo-bad
}

@test "a tmpfs volume (-o type=tmpfs) is a new tmpfs at each start, with its o= options" {
	hull volume create -o type=tmpfs -o device=tmpfs -o o=size=10m,uid=1000 vt
	run -0 hull volume inspect --format '{{json .Options}}' vt
	[ "$output" = '{"device":"tmpfs","o":"size=10m,uid=1000","type":"tmpfs"}' ]
	run -0 hull run --rm -v vt:/t busybox sh -c 'grep " /t " /proc/mounts; stat -c %u /t; echo x > /t/f'
	[[ ${lines[0]} == *" /t tmpfs "*"size=10240k"*"uid=1000"* ]]
	[ "${lines[1]}" = 1000 ]
	run -0 hull run --rm -v vt:/t busybox ls -A /t
	[ -z "$output" ]
	[ -z "$(ls -A "$HULL_ROOT/volumes/vt/_data")" ]
	run -1 hull run --rm -v vt:/t:ro busybox touch /t/x
	[[ $output == *"Read-only file system"* ]]
	# --mount volume-opt= gives a new volume the same options
	run -0 hull run --rm --mount type=volume,src=vt2,dst=/t,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=1m busybox grep " /t " /proc/mounts
	[[ $output == *"tmpfs"*"size=1024k"* ]]
	hull volume rm vt vt2 >/dev/null
}

@test "a bind volume (-o type=none -o o=bind -o device=DIR) is the host directory; rm never empties it" {
	d=$BATS_TEST_TMPDIR/bindvol
	mkdir -p "$d"
	echo host > "$d/keep"
	hull volume create -o type=none -o o=bind -o device="$d" vb
	run -0 hull run --rm -v vb:/b busybox sh -c 'cat /b/keep; echo ctr > /b/new'
	[ "$output" = host ]
	[ "$(cat "$d/new")" = ctr ]
	hull volume create -o type=none -o o=bind,ro -o device="$d" vbro
	run -1 hull run --rm -v vbro:/b busybox touch /b/x
	[[ $output == *"Read-only file system"* ]]
	# an anonymous one (--mount volume-opt=) goes with run --rm, the directory stays
	run -0 hull run --rm --mount "type=volume,dst=/b,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=$d" busybox cat /b/keep
	[ "$output" = host ]
	hull volume rm vb vbro
	run -0 hull volume prune -f
	[ "$(cat "$d/keep")" = host ]
	[ "$(cat "$d/new")" = ctr ]
	# a missing directory fails when a container starts, as docker's mount does
	hull volume create -o type=none -o o=bind -o device="$BATS_TEST_TMPDIR/missing" vbm
	run -125 hull run --rm -v vbm:/b busybox true
	[[ $output == *"error while mounting volume '$HULL_ROOT/volumes/vbm/_data': failed to mount local volume: mount $BATS_TEST_TMPDIR/missing:$HULL_ROOT/volumes/vbm/_data, flags: 0x1000: no such file or directory" ]]
	[ ! -e "$BATS_TEST_TMPDIR/missing" ]
	hull volume rm vbm >/dev/null
}
