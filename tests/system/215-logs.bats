#!/usr/bin/env bats
# Logs at scale (issue 11): --tail read from the end of the log in bounded
# memory, --log-driver json-file|local|none and --log-opt rotation with
# docker's file names, compression and checks, logs across rotated files.

load helpers

# log_dir NAME: the container's directory
log_dir() {
	echo "$HULL_ROOT/containers/$(hull inspect --format '{{.Id}}' "$1")"
}

# rec TIME TEXT: one json-file record of TEXT and a newline on stdout
rec() {
	printf '{"log":"%s\\n","stream":"stdout","time":"%s"}\n' "$2" "$1"
}

@test "logs --tail: the last N records, a partial last line, --since/--until, -t --details" {
	hull create --name tl busybox true >/dev/null
	log=$(hull inspect --format '{{.LogPath}}' tl)
	big=$(head -c 100000 /dev/zero | tr '\0' b)
	{
		rec 2024-01-01T00:00:01.000000000Z one
		rec 2024-01-01T00:00:02.000000000Z two
		rec 2024-01-01T00:00:03.000000000Z "$big"
		# a record of its own across 64 KiB blocks, with escapes
		rec 2024-01-01T00:00:04.000000000Z 'four\nstill four'
		printf '{"log":"err\\n","stream":"stderr","time":"2024-01-01T00:00:05.000000000Z"}\n'
		# the writer is mid-way through this one
		printf '{"log":"half'
	} >"$log"
	run -0 hull logs --tail 2 tl
	[ "$output" = $'four\nstill four\nerr' ]
	run -0 hull logs --tail 3 tl
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[0]}" = "$big" ]
	run -0 hull logs --tail 0 tl
	[ -z "$output" ]
	# as docker's daemon: "all", what Atoi refuses and negatives are everything
	for t in all x -1; do
		run -0 hull logs --tail "$t" tl
		[ "${#lines[@]}" -eq 6 ]
	done
	run -0 hull logs -n 1 tl
	[ "$output" = err ]
	# docker takes the tail first, then applies --since/--until to it
	run -0 hull logs --tail 3 --since 2024-01-01T00:00:04Z tl
	[ "$output" = $'four\nstill four\nerr' ]
	run -0 hull logs --tail 2 --until 2024-01-01T00:00:02Z tl
	[ -z "$output" ]
	run -0 hull logs --until 2024-01-01T00:00:02Z tl
	[ "$output" = $'one\ntwo' ]
	# -t, and --details with no attributes: docker's two spaces
	run -0 hull logs -t --details --tail 1 tl
	[ "$output" = "2024-01-01T00:00:05.000000000Z  err" ]
	# -f on a stopped container prints the tail and returns
	run -0 hull logs -f --tail 1 tl
	[ "$output" = err ]
	# the writer finishes the record: it is the last one now
	printf '","stream":"stdout","time":"2024-01-01T00:00:06Z"}\n' >>"$log"
	run -0 hull logs --tail 1 tl
	[ "$output" = half ]
}

@test "logs --tail on a 128 MB log reads from the end in bounded memory" {
	if hull_is_sanitized; then
		skip "ASan's shadow memory is not the engine's"
	fi
	hull create --name big busybox true >/dev/null
	log=$(hull inspect --format '{{.LogPath}}' big)
	# 128 MiB of records, the last one cut short, written at disk speed
	rec 2024-01-01T00:00:01.000000000Z first >"$log"
	yes "$(rec 2024-01-01T00:00:02.000000000Z 'a line of container output, about eighty bytes')" |
		head -c 134217728 >>"$log"
	/usr/bin/time -f %M -o "$BATS_TEST_TMPDIR/rss" "$HULL" logs --tail 3 big >"$BATS_TEST_TMPDIR/out"
	[ "$(sort -u "$BATS_TEST_TMPDIR/out")" = 'a line of container output, about eighty bytes' ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 3 ]
	rss=$(tail -1 "$BATS_TEST_TMPDIR/rss")
	echo "peak RSS ${rss} KB"
	# reading it all into memory took 1.6 GB for 338 MB
	[ "$rss" -lt 20000 ]
}

@test "json-file rotation: max-size and max-file as docker, logs reads across the files" {
	hull run --name rot --log-opt max-size=1k --log-opt max-file=3 busybox \
		sh -c 'i=0; while [ $i -lt 100 ]; do echo line$i; i=$((i+1)); done' >/dev/null
	d=$(log_dir rot)
	id=$(hull inspect --format '{{.Id}}' rot)
	[ -f "$d/$id-json.log" ] && [ -f "$d/$id-json.log.1" ] && [ -f "$d/$id-json.log.2" ]
	[ ! -e "$d/$id-json.log.3" ]
	# 1k is 1000 bytes (go-units FromHumanSize): a rotated file holds 1000 or more
	[ "$(stat -c %s "$d/$id-json.log.1")" -ge 1000 ]
	[ "$(stat -c %s "$d/$id-json.log.1")" -lt 1100 ]
	first=$(head -1 "$d/$id-json.log.2" | sed 's/.*"log":"line\([0-9]*\).*/\1/')
	run -0 hull logs rot
	[ "$output" = "$(seq "$first" 99 | sed 's/^/line/')" ]
	# the tail crosses from the current file into the rotated ones
	n=$(($(wc -l <"$d/$id-json.log") + 3))
	run -0 hull logs --tail "$n" rot
	[ "$output" = "$(seq $((100 - n)) 99 | sed 's/^/line/')" ]
	run -0 hull inspect --format '{{json .HostConfig.LogConfig}}' rot
	python3 -c 'import json,sys; assert json.loads(sys.argv[1]) == {"Type": "json-file", "Config": {"max-size": "1k", "max-file": "3"}}, sys.argv[1]' "$output"

	# max-file 1 (the default): the file is emptied at max-size instead
	hull run --name trunc --log-opt max-size=1k busybox \
		sh -c 'i=0; while [ $i -lt 30 ]; do echo line$i; i=$((i+1)); done' >/dev/null
	d=$(log_dir trunc)
	[ "$(ls "$d" | grep -c json.log)" -eq 1 ]
	run -0 hull logs trunc
	[ "${lines[-1]}" = line29 ]
	[ "${#lines[@]}" -lt 30 ]
	# max-file without max-size is accepted, as docker's: nothing rotates
	hull create --name nomax --log-opt max-file=3 busybox true >/dev/null
}

@test "compress=true gzips the rotated files, logs and --tail read them" {
	hull run --name gz --log-opt max-size=1k --log-opt max-file=4 --log-opt compress=true \
		busybox sh -c 'i=0; while [ $i -lt 100 ]; do echo line$i; i=$((i+1)); done' >/dev/null
	d=$(log_dir gz)
	id=$(hull inspect --format '{{.Id}}' gz)
	for i in 1 2 3; do
		gzip -t "$d/$id-json.log.$i.gz"
		[ ! -e "$d/$id-json.log.$i" ]
	done
	[ ! -e "$d/$id-json.log.4.gz" ]
	first=$(zcat "$d/$id-json.log.3.gz" | head -1 | sed 's/.*"log":"line\([0-9]*\).*/\1/')
	run -0 hull logs gz
	[ "$output" = "$(seq "$first" 99 | sed 's/^/line/')" ]
	run -0 hull logs --tail 30 gz
	[ "$output" = "$(seq 70 99 | sed 's/^/line/')" ]
}

@test "json-file attributes: labels, env, their regexps and tag, shown by --details" {
	hull run --name att --label foo=bar --label fab=x --label other=y --log-opt labels-regex='^f' \
		--log-opt env=E,NOPE -e E=1 -e EE='a b<' --log-opt tag='{{.Name}}/{{.ID}}/{{.ImageName}}' \
		busybox echo hi >/dev/null
	id=$(hull inspect --format '{{.Id}}' att)
	# docker's words: sorted, query-escaped
	run -0 hull logs --details att
	[ "$output" = "E=1,fab=x,foo=bar,tag=att%2F${id:0:12}%2Fbusybox hi" ]
	run -0 hull logs att
	[ "$output" = hi ]
	python3 -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
assert list(r) == ["log", "stream", "attrs", "time"], r
assert r["attrs"] == {"E": "1", "fab": "x", "foo": "bar", "tag": "att/" + sys.argv[2][:12] + "/busybox"}, r' \
		"$(hull inspect --format '{{.LogPath}}' att)" "$id"
	# a detached container's monitor writes them too
	hull run -d --name attd --label foo=bar --log-opt labels=foo --log-opt env-regex='^E$' -e E=2 \
		busybox echo hi >/dev/null
	hull wait attd >/dev/null
	run -0 hull logs --details attd
	[ "$output" = "E=2,foo=bar hi" ]
	run -125 hull create --log-opt labels-regex='(' busybox true
	[[ $output == "hull: failed to initialize logging driver: error parsing regexp: "* ]]
	run -125 hull create --log-opt tag='{{' busybox true
	[ "$output" = "hull: failed to initialize logging driver: template: log-tag:1: unclosed action" ]
}

@test "logs -f follows the log across rotations" {
	# about 330 rotations in a burst: the follower falls behind by many files at once
	hull run -d --name fol --log-opt max-size=200 --log-opt max-file=400 busybox \
		sh -c 'sleep 0.2; i=0; while [ $i -lt 1000 ]; do echo line$i; i=$((i+1)); done' >/dev/null
	run -0 hull logs -f fol
	[ "$output" = "$(seq 0 999 | sed 's/^/line/')" ]
	[ "$(ls "$(log_dir fol)" | grep -c 'json.log\.')" -gt 300 ]
	# compressed, at most one rotation between two pauses: a rotated file is gzipped at
	# once, so the follower cannot find it by its inode, as docker's
	hull run -d --name folz --log-opt max-size=1k --log-opt max-file=3 --log-opt compress=true \
		busybox sh -c 'sleep 0.2; i=0; while [ $i -lt 150 ]; do echo line$i; i=$((i+1)); [ $((i % 10)) = 0 ] && sleep 0.05; done' >/dev/null
	run -0 hull logs -f folz
	[ "$output" = "$(seq 0 149 | sed 's/^/line/')" ]
}

@test "--log-driver none keeps no log and logs refuses it as docker" {
	run -0 hull run --name nolog --log-driver none busybox echo hi
	[ "$output" = hi ]
	[ "$(hull inspect --format '{{.HostConfig.LogConfig.Type}}[{{.LogPath}}]' nolog)" = "none[]" ]
	[ -z "$(ls "$(log_dir nolog)" | grep log)" ]
	run -1 hull logs nolog
	[ "$output" = "hull: configured logging driver does not support reading" ]
}

@test "--log-driver local: docker's protobuf records, its defaults and rotation" {
	hull run --name loc --log-driver local busybox \
		sh -c 'echo one; echo two >&2; sleep 0.1; head -c 20000 /dev/zero | tr "\0" a; echo; printf part' >/dev/null 2>&1
	d=$(log_dir loc)
	[ "$(hull inspect --format '{{.HostConfig.LogConfig.Type}}[{{.LogPath}}]' loc)" = "local[]" ]
	# length, LogEntry {1: "stdout", 2: time, 3: "one"}, length
	[ "$(od -An -tx1 -N13 "$d/local-logs/container.log" | tr -d ' \n')" = 000000170a067374646f757410 ]
	run -0 hull logs loc
	[ "${lines[0]}" = one ]
	[ "${lines[1]}" = two ]
	[ "${#lines[2]}" -eq 20000 ]
	[ "${lines[3]}" = part ]
	# the 16 KiB pieces of a long line are records of their own, as docker counts them
	run -0 hull logs --tail 3 loc
	[ "$output" = "$(head -c 20000 /dev/zero | tr '\0' a)"$'\npart' ]
	run -0 hull logs --tail 2 loc
	[ "$output" = "$(head -c $((20000 - 16384)) /dev/zero | tr '\0' a)"$'\npart' ]
	run -0 hull logs -t --tail 1 loc
	[[ $output =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z\ part$ ]]
	# local compresses rotated files by default
	hull run --name locrot --log-driver local --log-opt max-size=1k --log-opt max-file=3 busybox \
		sh -c 'i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); done' >/dev/null
	d=$(log_dir locrot)
	gzip -t "$d/local-logs/container.log.1.gz"
	gzip -t "$d/local-logs/container.log.2.gz"
	[ ! -e "$d/local-logs/container.log.3.gz" ]
	run -0 hull logs locrot
	[ "${lines[-1]}" = line199 ]
	run -0 hull logs --tail 50 locrot
	[ "$output" = "$(seq 150 199 | sed 's/^/line/')" ]
}

@test "bad --log-driver and --log-opt are refused with docker's messages" {
	check() {
		local want=$1
		shift
		run -125 hull create "$@" busybox true
		[ "$output" = "hull: $want" ]
	}
	check 'error looking up logging plugin foo: plugin "foo" not found' --log-driver foo
	check "unknown log opt 'bogus' for json-file log driver" --log-opt bogus=1
	check "unknown log opt 'labels' for log driver local" --log-driver local --log-opt labels=x
	check 'invalid logging opts for driver none' --log-driver none --log-opt max-size=1k
	check 'failed to initialize logging driver: max-size must be a positive number' --log-opt max-size=0
	check "failed to initialize logging driver: invalid size: 'abc'" --log-opt max-size=abc
	check 'failed to initialize logging driver: max-file cannot be less than 1' \
		--log-opt max-size=1k --log-opt max-file=0
	check 'failed to initialize logging driver: strconv.Atoi: parsing "x": invalid syntax' \
		--log-opt max-file=x
	check 'failed to initialize logging driver: compress cannot be true when max-file is less than 2 or max-size is not set' \
		--log-opt max-size=1k --log-opt compress=true
	check 'failed to initialize logging driver: strconv.ParseBool: parsing "maybe": invalid syntax' \
		--log-opt max-size=1k --log-opt max-file=2 --log-opt compress=maybe
	check 'failed to initialize logging driver: compression cannot be enabled when max file count is 1' \
		--log-driver local --log-opt max-file=1
	check 'failed to initialize logging driver: max file count cannot be less than 0' \
		--log-driver local --log-opt max-file=-1
	run -125 hull run --rm --log-driver foo busybox true
}
