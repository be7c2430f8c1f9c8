#!/usr/bin/env bats
# Health checks (HEALTHCHECK, --health-*) run by the container's monitor as
# docker's daemon runs them (moby daemon/health.go; docs/internals/container.md
# "Health checks"). Intervals are short; every wait polls (wait_for).

load helpers

# health NAME PYEXPR: PYEXPR of State.Health (h), as python prints it
health() {
	hull inspect --format '{{json .State.Health}}' "$1" |
		python3 -c 'import json,sys; h=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"
}

# health_is NAME STATUS
health_is() {
	[ "$(hull inspect --format '{{.State.Health.Status}}' "$1" 2>/dev/null)" = "$2" ]
}

# logged NAME N: at least N probe results are in State.Health.Log
logged() {
	local n
	n=$(health "$1" 'len(h["Log"])' 2>/dev/null) && [ "$n" -ge "$2" ]
}

# config NAME: Config.Healthcheck as python's repr of the JSON
config() {
	hull inspect --format '{{json .Config.Healthcheck}}' "$1" |
		python3 -c 'import json,sys; print(sorted(json.load(sys.stdin).items()))'
}

# Each test's containers go with it: left running, a dozen containers probing every 100 ms
# took the CPU that the file beside this one in make check needed (299's ASan pass ran 3.7
# times slower beside this file than alone).
teardown() {
	local ids
	ids=$(hull ps -a -q) || return 0
	[ -z "$ids" ] || hull rm -f $ids >/dev/null
}

@test "the image's HEALTHCHECK runs: starting, then healthy, in Config and State.Health" {
	build_image hc-ok 'FROM busybox
HEALTHCHECK --interval=200ms --timeout=5s --retries=2 CMD echo fine'
	hull run -d --name h-img hc-ok sleep 1000
	[ "$(config h-img)" = "[('Interval', 200000000), ('Retries', 2), ('Test', ['CMD-SHELL', 'echo fine']), ('Timeout', 5000000000)]" ]
	wait_for health_is h-img healthy
	[ "$(health h-img 'h["FailingStreak"]')" = 0 ]
	[ "$(health h-img 'h["Log"][0]["ExitCode"]')" = 0 ]
	[ "$(health h-img 'repr(h["Log"][0]["Output"])')" = "'fine\\n'" ]
	# Start and End are RFC 3339 times, End after Start
	health h-img 'h["Log"][0]["Start"] <= h["Log"][0]["End"] and h["Log"][0]["Start"][:2]' | grep -q '^20'
	run hull ps --filter name=h-img --format '{{.Status}}'
	[[ $output =~ ^Up\ .*\ \(healthy\)$ ]]
}

@test "before the first probe the status is starting, in ps too" {
	hull run -d --name h-start --health-cmd true --health-interval 1h busybox sleep 1000
	[ "$(health h-start 'h["Status"], h["FailingStreak"], h["Log"]')" = "('starting', 0, [])" ]
	run hull ps --filter name=h-start --format '{{.Status}}'
	[[ $output =~ ^Up\ .*\ \(health:\ starting\)$ ]]
	run hull ps -q --filter health=starting --filter name=h-start
	[ -n "$output" ]
}

@test "each run flag lands in Config.Healthcheck as docker's HealthConfig" {
	hull create --name h-flags --health-cmd 'exit 0' --health-interval 1m30s \
		--health-timeout 2.5s --health-start-period 10s --health-start-interval 500ms \
		--health-retries 7 busybox true
	[ "$(config h-flags)" = "[('Interval', 90000000000), ('Retries', 7), ('StartInterval', 500000000), ('StartPeriod', 10000000000), ('Test', ['CMD-SHELL', 'exit 0']), ('Timeout', 2500000000)]" ]
	# not started: no State.Health yet
	[ "$(hull inspect --format '{{json .State.Health}}' h-flags)" = null ]
	# a flag alone keeps the image's test (moby's merge)
	build_image hc-merge 'FROM busybox
HEALTHCHECK --interval=5s --retries=4 CMD ["true"]'
	hull create --name h-merge --health-interval 2s busybox true >/dev/null
	hull create --name h-merge2 --health-interval 2s hc-merge true >/dev/null
	[ "$(config h-merge)" = "[('Interval', 2000000000)]" ]
	[ "$(config h-merge2)" = "[('Interval', 2000000000), ('Retries', 4), ('Test', ['CMD', 'true'])]" ]
}

@test "CMD runs without a shell, CMD-SHELL through the image's SHELL" {
	build_image hc-exec 'FROM busybox
HEALTHCHECK --interval=100ms CMD ["echo", "$HOME", "two words"]'
	hull run -d --name h-exec hc-exec sleep 1000
	wait_for logged h-exec 1
	[ "$(health h-exec 'repr(h["Log"][0]["Output"])')" = "'\$HOME two words\\n'" ]
	build_image hc-shell 'FROM busybox
SHELL ["/bin/echo", "via-shell"]
HEALTHCHECK --interval=100ms CMD probe text'
	hull run -d --name h-shell hc-shell sleep 1000
	wait_for logged h-shell 1
	[ "$(health h-shell 'repr(h["Log"][0]["Output"])')" = "'via-shell probe text\\n'" ]
	# a command that does not exist is a failed probe with exit code -1
	build_image hc-nope 'FROM busybox
HEALTHCHECK --interval=100ms --retries=1 CMD ["/no/such/probe"]'
	hull run -d --name h-nope2 hc-nope sleep 1000
	wait_for health_is h-nope2 unhealthy
	[ "$(health h-nope2 'h["Log"][0]["ExitCode"]')" = -1 ]
	[[ $(health h-nope2 'h["Log"][0]["Output"]') == *"/no/such/probe"* ]]
}

@test "the probe runs as the container's user, in its working directory, with its env" {
	hull run -d --name h-user -u 1234:5 -w /tmp -e PROBE_VAR=from-run \
		--health-cmd 'echo $(id -u):$(id -g) $(pwd) $PROBE_VAR' --health-interval 100ms \
		busybox sleep 1000
	wait_for logged h-user 1
	[ "$(health h-user 'h["Log"][0]["Output"]')" = "1234:5 /tmp from-run" ]
}

@test "HEALTHCHECK NONE and --no-healthcheck: no probe, no State.Health" {
	build_image hc-on 'FROM busybox
HEALTHCHECK --interval=100ms CMD true'
	build_image hc-none 'FROM hc-on
HEALTHCHECK NONE'
	hull run -d --name h-none hc-none sleep 1000
	hull run -d --name h-off --no-healthcheck hc-on sleep 1000
	[ "$(config h-none)" = "[('Test', ['NONE'])]" ]
	# docker merges the flags' config with the image's field by field: the interval stays
	[ "$(config h-off)" = "[('Interval', 100000000), ('Test', ['NONE'])]" ]
	sleep 0.5
	for c in h-none h-off; do
		[ "$(hull inspect --format '{{json .State.Health}}' $c)" = null ]
		run hull ps --filter name=$c --format '{{.Status}}'
		[[ $output =~ ^Up\ [^\(]*$ ]]
	done
	run hull ps -q --filter health=none --filter name=h-off
	[ -n "$output" ]
	run hull ps -q --filter health=healthy --filter name=h-off
	[ -z "$output" ]
}

@test "a failing check makes the container unhealthy after --health-retries failures in a row" {
	hull run -d --name h-fail --health-cmd 'echo bad >&2; exit 3' --health-interval 100ms \
		--health-retries 3 busybox sleep 1000
	wait_for health_is h-fail unhealthy
	# never before the third failure
	[ "$(health h-fail 'h["FailingStreak"] >= 3 and len(h["Log"]) >= 3')" = True ]
	[ "$(health h-fail 'h["Log"][-1]["ExitCode"], h["Log"][-1]["Output"]')" = "(3, 'bad\\n')" ]
	run hull ps --filter name=h-fail --format '{{.Status}}'
	[[ $output =~ \(unhealthy\)$ ]]
	run hull ps -q --filter health=unhealthy --filter name=h-fail
	[ -n "$output" ]
	# a success resets the streak
	hull run -d --name h-flip --health-cmd 'test -e /tmp/ok' --health-interval 100ms \
		--health-retries 2 busybox sleep 1000
	wait_for health_is h-flip unhealthy
	hull exec h-flip touch /tmp/ok
	wait_for health_is h-flip healthy
	[ "$(health h-flip 'h["FailingStreak"]')" = 0 ]
}

@test "failures within the start period do not count; the start interval applies there" {
	hull run -d --name h-period --health-cmd 'test -e /tmp/ok' --health-retries 1 \
		--health-interval 1h --health-start-period 1h --health-start-interval 100ms \
		busybox sleep 1000
	# probes every 100 ms although the interval is an hour, and none counts
	wait_for logged h-period 3
	[ "$(health h-period 'h["Status"], h["FailingStreak"]')" = "('starting', 0)" ]
	hull exec h-period touch /tmp/ok
	wait_for health_is h-period healthy
	# once healthy, the interval (an hour) applies: no more probes
	n=$(health h-period 'len(h["Log"])')
	sleep 0.5
	[ "$(health h-period 'len(h["Log"])')" = "$n" ]
}

@test "a probe that outlives --health-timeout is killed and fails" {
	hull run -d --name h-slow --health-cmd 'echo partial; sleep 10' --health-timeout 300ms \
		--health-interval 100ms --health-retries 1 busybox sleep 1000
	wait_for health_is h-slow unhealthy
	[ "$(health h-slow 'h["Log"][0]["ExitCode"]')" = -1 ]
	[ "$(health h-slow 'repr(h["Log"][0]["Output"])')" = "'Health check exceeded timeout (300ms): partial\\n'" ]
	hull run -d --name h-slow2 --health-cmd 'sleep 10' --health-timeout 1.5s \
		--health-interval 100ms --health-retries 1 busybox sleep 1000
	wait_for health_is h-slow2 unhealthy
	[ "$(health h-slow2 'h["Log"][0]["Output"]')" = "Health check exceeded timeout (1.5s)" ]
}

@test "State.Health.Log keeps the last 5 results; output is cut at 4096 bytes" {
	hull run -d --name h-log --health-interval 100ms --health-cmd \
		'n=$(cat /tmp/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/n; echo $n' \
		busybox sleep 1000
	wait_for bash -c "[ \$($HULL exec h-log cat /tmp/n) -ge 8 ]"
	out=$(health h-log '[int(e["Output"]) for e in h["Log"]]')
	python3 -c 'import sys; l=eval(sys.argv[1]); assert len(l) == 5 and l == list(range(l[0], l[0]+5)) and l[0] >= 3, l' "$out"
	hull run -d --name h-big --health-interval 100ms \
		--health-cmd 'head -c 5000 /dev/zero | tr "\0" a' busybox sleep 1000
	wait_for logged h-big 1
	[ "$(health h-big 'h["Log"][0]["Output"] == "a" * 4096 + "..."')" = True ]
}

@test "the foreground run gets health checks too, and a stopped container is unhealthy" {
	hull run --name h-fg --health-cmd 'echo fg' --health-interval 100ms busybox \
		sh -c 'i=0; while [ ! -e /tmp/done ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
			rm -f /tmp/done' \
		>/dev/null 2>&1 3>&- &
	wait_for logged h-fg 2
	[ "$(health h-fg 'h["Status"]')" = healthy ]
	hull exec h-fg touch /tmp/done
	wait
	[ "$(hull inspect --format '{{.State.Status}} {{.State.Health.Status}}' h-fg)" = "exited unhealthy" ]
	run hull ps -a -q --filter health=unhealthy --filter name=h-fg
	[ -n "$output" ]
	# a new start is "starting" again, the log kept
	n=$(health h-fg 'len(h["Log"])')
	hull start h-fg >/dev/null
	ok='h["Status"] in ("starting", "healthy") and h["FailingStreak"] == 0'
	[ "$(health h-fg "$ok and len(h['Log']) >= $n")" = True ]
	hull stop -t 0 h-fg >/dev/null
}

@test "pause stops the probes (unhealthy, ps says Paused), unpause resumes them" {
	hull run -d --name h-pause --health-cmd true --health-interval 100ms busybox sleep 1000
	wait_for health_is h-pause healthy
	run hull pause h-pause
	[ "$status" -eq 0 ] || skip "pause needs the freezer cgroup: $output"
	[ "$(hull inspect --format '{{.State.Status}} {{.State.Health.Status}}' h-pause)" = "paused unhealthy" ]
	run hull ps --filter name=h-pause --format '{{.Status}}'
	[[ $output =~ ^Up\ .*\ \(Paused\)$ ]]
	hull unpause h-pause
	wait_for health_is h-pause healthy
}

@test "a build's RUN step runs no health check of its base image" {
	build_image hc-base 'FROM busybox
HEALTHCHECK --interval=100ms CMD echo probe >> /probes'
	build_image hc-built 'FROM hc-base
RUN sleep 1; cat /probes 2>/dev/null | wc -l > /count'
	run hull run --rm hc-built cat /count
	[ "$output" = 0 ]
}

@test "an unhealthy container is not restarted by its restart policy" {
	hull run -d --name h-restart --restart always --health-cmd false --health-interval 100ms \
		--health-retries 1 busybox sleep 1000
	wait_for health_is h-restart unhealthy
	sleep 0.5
	[ "$(hull inspect --format '{{.State.Status}} {{.RestartCount}}' h-restart)" = "running 0" ]
}

@test "the monitor stays hull-monitor under 1 MiB with probes, and leaks no fds" {
	if hull_is_sanitized; then skip "hull-monitor is never a sanitized binary: run with the release build"; fi
	hull run -d --name h-mon --health-interval 100ms --health-cmd \
		'n=$(cat /tmp/n 2>/dev/null || echo 0); echo $((n+1)) > /tmp/n' busybox sleep 1000
	wait_for bash -c "[ \"\$($HULL exec h-mon cat /tmp/n 2>/dev/null)\" -ge 2 ]"
	mon=$(monitor_pid h-mon)
	[ "$(cat /proc/$mon/comm)" = hull-monitor ]
	fds=$(ls /proc/$mon/fd | wc -l)
	wait_for bash -c "[ \"\$($HULL exec h-mon cat /tmp/n)\" -ge 8 ]"
	rss=$(awk '/^VmRSS:/ {print $2}' /proc/$mon/status)
	echo "monitor VmRSS with health checks: $rss kB"
	[ "$rss" -le 1024 ]
	# no fd left behind by six probes (one may be a running probe's pipe, then or now)
	[ "$(ls /proc/$mon/fd | wc -l)" -le $((fds + 1)) ]
	[ "$(monitor_pid h-mon)" = "$mon" ]
}

@test "container-health is refused unless run by the container's monitor" {
	hull run -d --name h-refuse --health-cmd true --health-interval 1h busybox sleep 1000
	run hull container-health h-refuse
	[ "$status" -ne 0 ]
	[[ $output == *"only the monitor"* ]]
	[ "${lines[0]}" = -1 ]
	[ "$(health h-refuse 'h["Log"]')" = "[]" ]
}

@test "flag errors as docker's: bad durations, negative values, conflicts, 1ms minimum" {
	run hull run --health-interval 5 busybox true
	[ "$status" -eq 125 ]
	[[ $output == *'invalid argument "5" for "--health-interval" flag: time: missing unit in duration "5"'* ]]
	run hull run --health-timeout soon busybox true
	[ "$status" -eq 125 ]
	[[ $output == *'invalid argument "soon" for "--health-timeout" flag: time: invalid duration "soon"'* ]]
	run hull run --health-retries x busybox true
	[ "$status" -eq 125 ]
	[[ $output == *'invalid argument "x" for "--health-retries" flag: strconv.ParseInt: parsing "x": invalid syntax'* ]]
	run hull create --health-start-period=-1s busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"--health-start-period cannot be negative"* ]]
	run hull run --health-retries -2 busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"--health-retries cannot be negative"* ]]
	run hull run --no-healthcheck --health-cmd true busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"--no-healthcheck conflicts with --health-* options"* ]]
	run hull run --health-interval 500us --health-cmd true busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"Interval in Healthcheck cannot be less than 1ms"* ]]
	run hull create --health-start-interval 10ns busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"StartInterval in Healthcheck cannot be less than 1ms"* ]]
	run hull ps --filter health=sick
	[ "$status" -eq 125 ]
	[[ $output == *"Unrecognised filter value for health: sick"* ]]
	# nothing was created by the refused runs
	[ -z "$(hull ps -a -q --filter status=created --filter name=h-never)" ]
}
