#!/usr/bin/env bats
# docker system prune [-a] [--volumes] [-f] (docker/cli cli/command/system/prune.go):
# stopped containers, anonymous volumes, dangling (or all unused) images and the
# build cache go, in that order, each reported as its own prune command reports
# it; what a running container uses stays; the store is left as a fresh one plus
# what is still referenced.

load helpers

# store_files: every file and directory of the store, but a container's own
# (its logs and record change while it runs)
store_files() {
	(cd "$HULL_ROOT" && find . -path ./containers -prune -o -print | sort)
}

@test "system prune asks first, refuses arguments and filters it does not take" {
	run hull system prune --help
	[ "$status" -eq 0 ]
	[[ $output == *"--volumes"* ]]
	hull run --name stopped busybox true
	run bash -c "echo n | $HULL system prune"
	[ "$status" -eq 0 ]
	[[ $output == *"WARNING! This will remove:"* ]]
	[[ $output == *"  - all stopped containers"* ]]
	[[ $output == *"  - all dangling images"* ]]
	[[ $output != *"anonymous volumes"* ]]
	[[ $output == *"Are you sure you want to continue? [y/N]"* ]]
	# cancelled: the container is still there
	[ "$(hull inspect --format '{{.Name}}' stopped)" = /stopped ]
	run bash -c "echo n | $HULL system prune -a --volumes"
	[[ $output == *"  - all anonymous volumes not used by at least one container"* ]]
	[[ $output == *"  - all images without at least one container associated to them"* ]]
	[[ $output == *"  - all build cache"* ]]
	run -1 hull system prune -f extra
	[[ $output == *'"hull system prune" accepts no arguments.'* ]]
	run -1 hull system prune -f --volumes --filter until=1h
	[ "$output" = 'ERROR: The "until" filter is not supported with "--volumes"' ]
	run -1 hull system prune -f --filter dangling=true
	[ "$output" = "Error response from daemon: invalid filter 'dangling'" ]
	run -125 hull system prune --bogus
	[[ $output == *"unknown flag: --bogus"* ]]
	hull rm stopped
}

@test "system prune: stopped containers, anonymous volumes, dangling images, build cache; the rest stays" {
	local ctx=$BATS_TEST_TMPDIR/ctx dangling stopped
	mkdir "$ctx"
	printf 'FROM busybox\nRUN --mount=type=cache,target=/c echo hi > /c/x; echo a > /a\n' >"$ctx/Dockerfile"
	dangling=$(hull build -q -t first "$ctx")
	printf 'FROM busybox\nRUN echo b > /b\n' >"$ctx/Dockerfile"
	hull build -q -t first "$ctx"
	hull run -d --name running busybox sleep 100
	stopped=$(hull run -d --name stopped -v /anon busybox true)
	hull wait stopped
	hull volume create named
	run hull system prune -f
	[ "$status" -eq 0 ]
	echo "$output"
	# docker's order and words; no volume without --volumes
	[ "${lines[0]}" = "Deleted Containers:" ]
	[ "${lines[1]}" = "$stopped" ]
	[ "${lines[2]}" = "Deleted Images:" ]
	[[ $output == *"deleted: $dangling"* ]]
	[[ $output == *"Deleted build cache objects:"* ]]
	[[ ${lines[-1]} == "Total reclaimed space: "* ]]
	[[ $output != *"Deleted Volumes:"* ]]
	run -1 hull inspect stopped
	run -1 hull image inspect "$dangling"
	[ "$(hull inspect --format '{{.State.Status}}' running)" = running ]
	hull image inspect first >/dev/null
	# the anonymous volume of the removed container goes with --volumes, the named one stays
	run hull volume ls -q
	[ "${#lines[@]}" -eq 2 ]
	run hull system prune -f --volumes
	[ "$status" -eq 0 ]
	[[ $output == *"Deleted Volumes:"* ]]
	[ "$(hull volume ls -q)" = named ]
	# nothing left to prune: only the total
	run hull system prune -f
	[ "$output" = "Total reclaimed space: 0B" ]
	hull rm -f running
	hull volume rm named
}

@test "system prune -a --volumes leaves the store as it was before, but for what a container uses" {
	local ctx=$BATS_TEST_TMPDIR/ctx before after
	hull run -d --name keep busybox sleep 100
	# the store's shape with one running container and its image, after a first
	# prune of whatever lazily made directories a store gets
	hull system prune -a -f --volumes >/dev/null
	before=$(store_files)
	mkdir "$ctx"
	printf 'FROM busybox\nRUN --mount=type=cache,target=/c echo hi > /c/x; echo a > /a\nVOLUME /v\n' \
		>"$ctx/Dockerfile"
	hull build -q -t built "$ctx"
	hull run --name used built true
	hull run --name anon -v /data busybox sh -c 'echo x > /data/f'
	hull tag busybox other:tag
	printf 'FROM busybox\nRUN echo b > /b\n' >"$ctx/Dockerfile"
	hull build -q "$ctx"
	run hull system prune -a -f --volumes
	[ "$status" -eq 0 ]
	echo "$output"
	[[ $output == *"untagged: built:latest"* ]]
	after=$(store_files)
	diff <(echo "$before") <(echo "$after")
	# busybox stays, with each of its tags, as docker's: the running container uses it
	hull image inspect busybox >/dev/null
	hull image inspect other:tag >/dev/null
	[ -z "$(hull ps -a -q -f status=exited)" ]
	hull rm -f keep
}

@test "prune filters: until, label and label! on containers, networks, volumes and system prune; bad ones" {
	# created 3 s ago and now: until=2s takes the old ones only
	local old2
	hull create --name pf-old -l keep=yes busybox true >/dev/null
	old2=$(hull create --name pf-old2 -l team=a busybox true)
	hull network create --label team=a pf-net-a >/dev/null
	hull network create pf-net-b >/dev/null
	sleep 3
	hull create --name pf-new busybox true >/dev/null
	run -0 hull container prune -f --filter until=2s --filter label!=keep
	[ "${lines[0]}" = "Deleted Containers:" ]
	[ "${lines[1]}" = "$old2" ]
	run -0 hull ps -a --format '{{.Names}}' --filter name=pf-
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "pf-new pf-old " ]
	run -0 hull container prune -f --filter label=keep=yes
	run -0 hull ps -a --format '{{.Names}}' --filter name=pf-
	[ "$output" = pf-new ]
	# networks: by label, and by until (the new one stays)
	run -0 hull network prune -f --filter label=team=a
	[ "$output" = "$(printf 'Deleted Networks:\npf-net-a\n')" ]
	hull network create pf-net-c >/dev/null
	run -0 hull network prune -f --filter until=2s
	[ "$output" = "$(printf 'Deleted Networks:\npf-net-b\n')" ]
	run -0 hull network inspect -f '{{.Name}}' pf-net-c
	hull network rm pf-net-c >/dev/null
	# volumes: all=true is -a; label and label!
	hull volume create --label v=1 pf-v1 >/dev/null
	hull volume create pf-v2 >/dev/null
	run -0 hull volume prune -f --filter all=true --filter label=v
	[ "${lines[1]}" = pf-v1 ]
	run -0 hull volume ls -q
	[[ $output == *pf-v2* ]]
	run -0 hull volume prune -f --filter all=1 --filter label!=v
	[ "${lines[1]}" = pf-v2 ]
	# system prune: the filters reach every step
	hull create --name pf-sys -l keep=yes busybox true >/dev/null
	run -0 hull system prune -f --filter label!=keep
	run -0 hull ps -a --format '{{.Names}}' --filter name=pf-
	[ "$output" = pf-sys ]
	run -0 hull system prune -f --filter label=keep
	run -0 hull ps -a -q --filter name=pf-
	[ -z "$output" ]
	# bad filters: the daemon's words, exit 1
	run -1 hull container prune -f --filter dangling=true
	[ "$output" = "Error response from daemon: invalid filter 'dangling'" ]
	run -1 hull network prune -f --filter until=soon
	[[ $output == "Error response from daemon: invalid value for 'until' filter"* ]]
	run -1 hull volume prune -f --filter until=1h
	[ "$output" = "Error response from daemon: invalid filter 'until'" ]
	run -1 hull volume prune -f --filter all=maybe
	[ "$output" = "Error response from daemon: invalid filter 'all=[maybe]'" ]
	run -1 hull container prune -f --filter nokey
	[ "$output" = "Error response from daemon: bad format of filter (expected name=value)" ]
	# an until that is no time is refused, and one before everything prunes nothing
	# (these pruned everything: "no until" was until <= 0)
	hull create --name pf-keep busybox true >/dev/null
	local v
	for v in -1 nan ''; do
		run -1 hull container prune -f --filter "until=$v"
		[[ $output == "Error response from daemon: invalid value for 'until' filter"* ]]
	done
	for v in 0 500000h; do
		run -0 hull system prune -f --filter "until=$v"
		run -0 hull inspect -f '{{.Name}}' pf-keep
	done
	# an empty key is refused at once (it looped for ever)
	run -1 timeout 10 "$HULL" container prune -f --filter =x
	[ "$output" = "Error response from daemon: invalid filter ''" ]
	hull rm pf-keep
}
