#!/usr/bin/env bats
# docker events, daemonless: every command appends to the store's journal
# (util/events.h) and `hull events` reads and follows it, with docker's
# actions, attributes, text and JSON shapes, filters, --since and --until
# (docker/cli cli/command/system/events.go, moby daemon/events/filter.go).

load helpers

# past ARGS...: the events of the last minute, then stop
past() { hull events --since 1m --until 0s "$@"; }

@test "events: a container's life in docker's actions and attributes" {
	run -3 hull run --name ev1 -l team=a busybox sh -c 'exit 3'
	hull run -d --name ev2 busybox sleep 100
	hull pause ev2
	hull unpause ev2
	hull kill ev2
	hull wait ev2
	hull rename ev2 ev3
	hull rm ev1 ev3
	hull run --rm --name ev4 busybox true
	run past --filter type=container --format '{{.Actor.Attributes.name}} {{.Action}}'
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$output" = "ev1 create
ev1 attach
ev1 start
ev1 die
ev2 create
ev2 start
ev2 pause
ev2 unpause
ev2 kill
ev2 die
ev3 rename
ev1 destroy
ev3 destroy
ev4 create
ev4 attach
ev4 start
ev4 die
ev4 destroy" ]
	# the text form: time, type, action, id, the attributes sorted
	local id
	run past --filter event=die --filter container=ev1
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} =~ ^20[0-9-]+T[0-9:]+\.[0-9]{9}(Z|[+-][0-9:]+)\ container\ die\ [0-9a-f]{64}\ \(exitCode=3,\ image=busybox,\ name=ev1,\ team=a\)$ ]]
	run past --filter event=kill --format '{{.Actor.Attributes.signal}}'
	[ "$output" = 9 ]
	run past --filter event=rename --format '{{.Actor.Attributes.oldName}}'
	[ "$output" = /ev2 ]
}

@test "events: images and volumes, and --format json as docker's events.Message" {
	hull tag busybox evimg:1
	hull rmi evimg:1
	hull volume create evvol
	hull volume rm evvol
	run past --filter image=evimg:1 --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'
	[ "$output" = "image tag evimg:1" ]
	run past --filter type=volume --format '{{json .}}'
	[ "${#lines[@]}" -eq 2 ]
	python3 - "${lines[0]}" <<'EOF'
import json, sys
m = json.loads(sys.argv[1])
# omitempty: a volume event has no status, id or from
assert list(m) == ["Type", "Action", "Actor", "scope", "time", "timeNano"], list(m)
assert m["Actor"] == {"ID": "evvol", "Attributes": {"driver": "local"}}, m
assert m["Action"] == "create" and m["scope"] == "local"
assert m["time"] == m["timeNano"] // 10**9
EOF
	run past --filter type=image --filter event=untag --format json
	python3 - "${lines[0]}" <<'EOF'
import json, sys
m = json.loads(sys.argv[1])
assert list(m) == ["status", "id", "Type", "Action", "Actor", "scope", "time", "timeNano"], list(m)
assert m["status"] == "untag" and m["id"] == m["Actor"]["ID"]
EOF
	# a container event's from is its image
	hull run --name evfrom busybox true
	run past --filter container=evfrom --filter event=create --format '{{.From}}'
	[ "$output" = busybox ]
	run past --filter container=evfrom --filter event=create --format json
	[[ $output == '{"status":"create","id":"'*'","from":"busybox","Type":"container",'* ]]
	hull rm evfrom
}

@test "events follows the journal until interrupted, and --until in the future ends the stream" {
	local out=$BATS_TEST_TMPDIR/out pid start
	start=$(date +%s.%N)
	# "$HULL", not the hull function: $! must be the process itself, or the kill
	# below would leave it running and bats waiting for its output
	"$HULL" events --since "$start" --filter type=container \
		--format '{{.Action}} {{.Actor.Attributes.name}}' >"$out" &
	pid=$!
	hull run --name evf busybox true
	wait_for grep -q "die evf" "$out"
	{ kill "$pid" && wait "$pid"; } 2>/dev/null || true
	grep -q "create evf" "$out"
	hull rm evf
	# --until 2 s from now (a duration is a time ago): the command returns by itself
	run timeout 20 bash -c "$HULL events --until $(($(date +%s) + 2)) --filter event=destroy --format '{{.Actor.Attributes.name}}'"
	[ "$status" -eq 0 ]
	[[ $output == *evf* ]]
}

@test "events: filters, bounds and bad input as docker's" {
	hull volume create evlabel --label tier=db
	run past --filter label=tier=db --format '{{.Actor.ID}}'
	[ "$output" = "" ] # docker's volume events carry the driver only
	run past --filter volume=evlab --format '{{.Actor.ID}} {{.Action}}'
	[ "$output" = "evlabel create" ]
	run -1 past --filter bogus=1
	[[ $output == *"invalid filter 'bogus'"* ]]
	run -125 hull events --filter nokey
	[[ $output == *"bad format of filter"* ]]
	run -1 hull events --since 10s --until 1h-ago
	run -1 hull events --since yesterdayish
	[ "$output" = 'failed to parse value as time or duration: "yesterdayish"' ]
	run -1 hull events --until 0s --format '{{.Nope}}' --since 1h
	[[ $output == *"can't evaluate field Nope in type events.Message"* ]]
	run -1 hull events extra
	[[ $output == *"accepts no arguments"* ]]
	hull volume rm evlabel
}

@test "the journal: concurrent writers keep whole lines; a torn line is skipped; a full journal rotates" {
	local i n
	for i in $(seq 20); do hull volume create "cv$i" >/dev/null & done
	wait
	n=$(past --filter type=volume --filter event=create --format '{{.Actor.ID}}' | grep -c '^cv')
	[ "$n" -eq 20 ]
	python3 - "$HULL_ROOT/events.log" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)
EOF
	# a crash mid-write leaves a torn last line: readers skip it, writers go on
	printf '{"Type":"container","Act' >>"$HULL_ROOT/events.log"
	printf '\n' >>"$HULL_ROOT/events.log"
	hull volume create after-torn >/dev/null
	run past --filter volume=after-torn --format '{{.Action}}'
	[ "$output" = create ]
	# past 4 MiB the journal becomes events.log.1 and the reader reads both
	python3 - "$HULL_ROOT/events.log" <<'EOF'
import json, sys, time
ns = time.time_ns() - 30 * 10**9
with open(sys.argv[1], "a") as f:
    line = {"Type": "volume", "Action": "create", "Actor": {"ID": "filler", "Attributes": {"driver": "local"}},
            "scope": "local", "time": ns // 10**9, "timeNano": ns}
    s = json.dumps(line, separators=(",", ":")) + "\n"
    f.write(s * (4 * 2**20 // len(s) + 1))
EOF
	hull volume create rotated >/dev/null
	[ -s "$HULL_ROOT/events.log.1" ]
	[ "$(wc -l <"$HULL_ROOT/events.log")" -eq 1 ]
	run past --filter type=volume --format '{{.Actor.ID}}'
	[[ $output == *filler* ]]
	[ "${lines[-1]}" = rotated ]
	for i in $(seq 20); do hull volume rm "cv$i" >/dev/null; done
	hull volume rm after-torn rotated >/dev/null
}

@test "the journal: hostile files and lines never hang, crash or grow it without bound" {
	local j=$HULL_ROOT/events.log
	# a line without an Actor.ID (a crafted journal) and an image filter: no crash
	echo '{"Type":"image","Action":"tag","scope":"local","time":1,"timeNano":1000000000}' >>"$j"
	run past --since 0 --filter image=busybox --format '{{.Action}}'
	[ "$status" -eq 0 ]
	# a far future --until is not "before --since" (it overflowed): the stream runs on
	run -124 timeout 2 "$HULL" events --since 0 --until 99999999999 --filter type=nothing
	# a FIFO in the journal's place: commands do not wait on it, readers neither
	mv "$j" "$BATS_TEST_TMPDIR/journal"
	mkfifo "$j"
	run timeout 20 "$HULL" tag busybox fifo-tag:1
	[ "$status" -eq 0 ]
	run timeout 20 "$HULL" events --since 1m --until 0s
	[ "$status" -eq 0 ]
	rm "$j"
	mv "$BATS_TEST_TMPDIR/journal" "$j"
	# a directory in events.log.1's place: a full journal starts again, never grows past its bound
	rm -f "$j.1"
	mkdir "$j.1"
	python3 -c 'import sys; open(sys.argv[1], "a").write("x" * (4 * 2**20) + "\n")' "$j"
	hull rmi fifo-tag:1
	[ "$(stat -c %s "$j")" -lt 4096 ]
	rmdir "$j.1"
}

@test "events: health_status changes, matched by prefix" {
	hull run -d --name evh --health-cmd true --health-interval 1s busybox sleep 100
	wait_for bash -c "[ \"\$($HULL inspect --format '{{.State.Health.Status}}' evh)\" = healthy ]"
	run past --filter event=health_status --format '{{.Action}} {{.Actor.Attributes.name}}'
	[ "$output" = "health_status: healthy evh" ]
	hull rm -f evh
}

@test "events: exec_create, exec_start and exec_die with moby's words and ids; attach; network create and destroy" {
	local id eid
	id=$(hull run -d --name evx busybox sleep 100)
	hull exec evx ls / >/dev/null
	run -3 hull exec evx sh -c 'exit 3'
	run past --filter container=evx --filter event=exec_create --filter event=exec_start \
		--filter event=exec_die --format '{{.Action}}|{{index .Actor.Attributes "exitCode"}}'
	[ "$output" = "exec_create: ls /|
exec_start: ls /|
exec_die|0
exec_create: sh -c exit 3|
exec_start: sh -c exit 3|
exec_die|3" ]
	# one exec's three events share its id, which is no other's
	run past --filter container=evx --format '{{.Actor.Attributes.execID}}'
	[ "${#lines[@]}" -ge 6 ]
	eid=$(past --filter container=evx --filter event=exec_die --format '{{.Actor.Attributes.execID}}' | head -1)
	[[ $eid =~ ^[0-9a-f]{64}$ ]]
	run past --filter container=evx --format '{{.Actor.Attributes.execID}}'
	[ "$(grep -c "$eid" <<<"$output")" = 3 ]
	# a bare command: moby's "ENTRYPOINT " with its trailing space
	hull exec evx true
	run past --filter container=evx --filter event=exec_create --format '{{.Action}}|'
	[ "${lines[-1]}" = "exec_create: true |" ]
	# the text output shows control characters as \xNN; a huge command is cut
	hull exec evx echo "$(printf 'a\033]0;T\007b')" >/dev/null
	hull exec evx echo "$(head -c 6000 /dev/zero | tr '\0' x)" >/dev/null
	run -0 past --filter container=evx --filter event=exec_create
	[[ ${lines[-2]} == *'exec_create: echo a\x1b]0;T\x07b '* ]]
	[[ $output != *$'\033'* ]]
	run -0 past --filter container=evx --filter event=exec_create --format '{{len .Action}}'
	[ "${lines[-1]}" = 4112 ]
	# attach to a running container
	hull run -d --name evy busybox sh -c 'sleep 1; echo out'
	run -0 hull attach evy
	run past --filter container=evy --format '{{.Action}}'
	[ "$output" = "$(printf 'create\nstart\nattach\ndie')" ]
	hull rm -f evx evy
	# networks
	hull network create evnet >/dev/null
	hull network rm evnet >/dev/null
	run past --filter type=network --filter event=create --filter event=destroy --format '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}'
	[ "$output" = "$(printf 'create evnet bridge\ndestroy evnet bridge')" ]
	run past --filter network=evnet --format '{{.Action}}'
	[ "$output" = "$(printf 'create\ndestroy')" ]
}

@test "events: network connect and disconnect as moby writes them, at start, stop and by hand" {
	local bid nid noneid c1 c2 c3 since until
	since=$(date +%s.%N)
	bid=$(hull network inspect --format '{{.Id}}' bridge)
	noneid=$(hull network inspect --format '{{.Id}}' none)
	nid=$(hull network create evnc)
	c1=$(hull run -d --name evn1 --network evnc busybox sleep 100)
	hull network connect bridge evn1
	hull network disconnect bridge evn1
	hull stop -t 0 evn1 >/dev/null
	# a stopped container: no event (it connects at its start)
	c2=$(hull create --name evn2 busybox true)
	hull network connect evnc evn2
	hull network disconnect evnc evn2
	hull run --name evn3 --network none busybox true
	c3=$(hull inspect --format '{{.Id}}' evn3)
	until=$(date +%s.%N)
	run hull events --since "$since" --until "$until" --format '{{.Type}} {{.Action}} {{.Actor.ID}} {{json .Actor.Attributes}}'
	[ "$status" -eq 0 ]
	run sed -E "/^container kill /d; s/$c1/C1/g; s/$c2/C2/g; s/$c3/C3/g; s/$nid/NC/g; s/$bid/BR/g; s/$noneid/NONE/g; s/^(container [a-z]+ C[0-9]) .*/\1/" <<<"$output"
	echo "$output"
	# moby's order: connect before start; die, then disconnect, then stop or destroy
	[ "$output" = 'network create NC {"name":"evnc","type":"bridge"}
container create C1
network connect NC {"container":"C1","name":"evnc","type":"bridge"}
container start C1
network connect BR {"container":"C1","name":"bridge","type":"bridge"}
network disconnect BR {"container":"C1","name":"bridge","type":"bridge"}
container die C1
network disconnect NC {"container":"C1","name":"evnc","type":"bridge"}
container stop C1
container create C2
container create C3
container attach C3
network connect NONE {"container":"C3","name":"none","type":"null"}
container start C3
container die C3
network disconnect NONE {"container":"C3","name":"none","type":"null"}' ]
	# the network filter finds them by the network's name or id
	run hull events --since "$since" --until "$until" --filter network=evnc --format '{{.Action}}'
	[ "$output" = "$(printf 'create\nconnect\ndisconnect')" ]
	hull rm -f evn1 evn2 evn3 >/dev/null
	hull network rm evnc >/dev/null
}

@test "events: exec -d writes exec_die when its process ends, and holds nothing of the command" {
	local since eid
	since=$(date +%s.%N)
	hull run -d --name evd busybox sleep 100 >/dev/null
	# run (bats reads the output to its end): the waiter keeps no stdout of the command
	run -0 timeout 10 "$HULL" exec -d evd sh -c 'sleep 1; exit 4'
	[ "$output" = "" ]
	wait_for bash -c "'$HULL' events --since $since --until 0s --filter container=evd --filter event=exec_die | grep -q ."
	run hull events --since "$since" --until 0s --filter container=evd --filter event=exec_create \
		--filter event=exec_start --filter event=exec_die --format '{{.Action}}|{{index .Actor.Attributes "exitCode"}}'
	[ "$output" = "exec_create: sh -c sleep 1; exit 4|
exec_start: sh -c sleep 1; exit 4|
exec_die|4" ]
	eid=$(hull events --since "$since" --until 0s --filter container=evd --filter event=exec_die --format '{{.Actor.Attributes.execID}}')
	run hull events --since "$since" --until 0s --filter container=evd --format '{{.Actor.Attributes.execID}}'
	[ "$(grep -c "$eid" <<<"$output")" = 3 ]
	# a failed start: docker's exit code, no exec_start, no waiter left
	run -127 hull exec -d evd nosuchcmd
	[[ $output == *'"nosuchcmd": executable file not found'* ]]
	# the process killed with its container: exec_die 137; the container's lock is free
	hull exec -d evd sleep 1000
	run -0 timeout 10 "$HULL" stop -t 0 evd
	wait_for bash -c "'$HULL' events --since $since --until 0s --filter container=evd --filter event=exec_die | grep -q '137'"
	run hull events --since "$since" --until 0s --filter container=evd --filter event=exec_die --format '{{index .Actor.Attributes "exitCode"}}'
	[ "$output" = "$(printf '4\n137')" ]
	hull rm evd >/dev/null
}
