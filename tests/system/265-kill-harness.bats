#!/usr/bin/env bats
# Kill harness (issue 11, "When processes die"): build (with a RUN step),
# commit, rmi, rm, run -d, import and cp are killed with SIGKILL at random
# points, 100 kills in all. After each kill one normal command runs (the
# same command again: the store reclaims what a dead process left when it
# is next opened, a build the step containers of a killed build), then
# `hull system check` must find nothing and exit 0, and `images` and `ps`
# must work. The delays are random (bash's $RANDOM, seeded per run and
# printed on failure), each below the command's usual run time here, so the
# kills land before, during and after the command's writes.

load helpers

setup_file() {
	hull_setup_file
	local C=$BATS_FILE_TMPDIR/ctx
	mkdir -p "$C"
	printf 'FROM busybox\nRUN echo step > /f && sleep 0.02\n' >"$C/Dockerfile"
	hull run --name base busybox sh -c 'echo changed > /changed' >/dev/null
	hull export base >"$BATS_FILE_TMPDIR/rootfs.tar"
	echo payload >"$BATS_FILE_TMPDIR/payload"
}

# 100 kills: build, commit, rmi and rm 15 times each, run -d 14, import and cp 13

# killed MAX_MS CMD...: start CMD, SIGKILL it after a random 0..MAX_MS ms, reap it
killed() {
	local max=$1 ms
	shift
	ms=$((RANDOM % max))
	"$HULL" "$@" >/dev/null 2>&1 &
	local pid=$!
	sleep "$(printf '0.%03d' "$ms")"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	echo "kill $KILLS: $* after ${ms} ms" >>"$BATS_FILE_TMPDIR/log"
	KILLS=$((KILLS + 1))
}

# no_cp_left: no process of a killed cp of the payload is left
no_cp_left() { ! pgrep -f -- "cp $BATS_FILE_TMPDIR/payload" >/dev/null; }

# clean: system check finds nothing, and the store answers
clean() {
	run hull system check
	if [ "$status" -ne 0 ] || [ -n "$output" ]; then
		tail -n 3 "$BATS_FILE_TMPDIR/log"
		echo "system check (exit $status):"
		echo "$output"
		return 1
	fi
	hull images -q >/dev/null
	hull ps -a -q >/dev/null
}

@test "kill -9 at random points leaves a store that system check finds clean" {
	local seed=${HULL_KILL_SEED:-$((RANDOM * 32768 + RANDOM))} i id
	RANDOM=$seed
	echo "seed $seed (HULL_KILL_SEED reruns it)" >"$BATS_FILE_TMPDIR/log"
	KILLS=0
	local C=$BATS_FILE_TMPDIR/ctx tar=$BATS_FILE_TMPDIR/rootfs.tar
	for i in $(seq 15); do
		# build: the next build (it removes a killed build's step containers)
		killed 120 build -q --no-cache -t kb "$C"
		hull build -q --no-cache -t kb "$C" >/dev/null
		clean

		killed 30 commit base kc
		hull commit base kc >/dev/null
		clean

		# rmi of an image with a layer of its own; again if the kill left it
		hull commit base "kr$i" >/dev/null
		killed 30 rmi "kr$i"
		run hull rmi "kr$i"
		[ "$status" -eq 0 ] || [[ $output == *"o such image"* ]]
		clean

		id=$(hull create busybox true)
		killed 30 rm "$id"
		run hull rm "$id"
		[ "$status" -eq 0 ] || [[ $output == *"No such container"* ]]
		clean

		[ "$i" -le 14 ] || continue
		# run -d: ps records what the kill left; the container then goes
		killed 60 run -d --name "kd$i" busybox sleep 60
		hull ps -a -q >/dev/null
		clean
		hull rm -f "kd$i" >/dev/null 2>&1 || true

		[ "$i" -le 13 ] || continue
		killed 40 import "$tar" ki
		hull import "$tar" ki >/dev/null
		clean

		killed 30 cp "$BATS_FILE_TMPDIR/payload" base:/payload
		# its helper went with it (it used to wait for its pipe forever)
		wait_for no_cp_left
		hull cp "$BATS_FILE_TMPDIR/payload" base:/payload
		clean
	done
	[ "$KILLS" -eq 100 ]
	# and the store still does its work
	run hull run --rm kb cat /f
	[ "$status" -eq 0 ]
	[ "$output" = step ]
	run hull run --rm kc cat /changed /payload
	[ "$status" -eq 0 ]
	[ "$output" = "changed
payload" ]
}
