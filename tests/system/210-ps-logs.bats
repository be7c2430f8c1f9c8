#!/usr/bin/env bats
# ps flags and filters, logs options, rm -f -v, container prune, --rm with -d.

load helpers

@test "ps -a -q -n -l and --no-trunc" {
	hull run --name psa busybox true
	hull run --name psb busybox true
	run hull ps -q
	[ "$status" -eq 0 ]
	[[ $output != *"$(hull inspect --format '{{.Id}}' psa | cut -c1-12)"* ]]
	run hull ps -a -q
	[ "${#lines[@]}" -ge 2 ]
	run hull ps -l -q --no-trunc
	[ "$output" = "$(hull inspect --format '{{.Id}}' psb)" ]
	run hull ps -n 2 --format '{{.Names}}'
	[ "${lines[0]}" = psb ]
	[ "${lines[1]}" = psa ]
	run hull ps -n x
	[ "$status" -eq 125 ]
}

@test "ps --filter status, name, ancestor, label" {
	build_image labelled 'FROM busybox
LABEL team=blue'
	hull run --name flt1 labelled true
	hull run -d --name flt2 busybox sleep 30
	run hull ps --filter status=exited --format '{{.Names}}'
	[[ $output == *flt1* && $output != *flt2* ]]
	run hull ps --filter status=running --format '{{.Names}}'
	[[ $output == *flt2* && $output != *flt1* ]]
	run hull ps --filter name=flt2 --format '{{.Names}}'
	[ "$output" = flt2 ]
	# without -a, filters other than status apply to the running set (docker)
	run -0 hull ps --filter name=flt1 --format '{{.Names}}'
	[ -z "$output" ]
	run -0 hull ps -a --filter name=flt1 --format '{{.Names}}'
	[ "$output" = flt1 ]
	run -0 hull ps --filter ancestor=labelled --format '{{.Names}}'
	[ -z "$output" ]
	run hull ps -a --filter ancestor=labelled --format '{{.Names}}'
	[ "$output" = flt1 ]
	# an image built on another is its descendant, as docker's classic builder's parents
	run -0 hull ps -a --filter ancestor=busybox --filter name=flt --format '{{.Names}}'
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "flt1 flt2 " ]
	run -0 hull ps -a --filter ancestor=labelled --filter ancestor=nosuchimage --format '{{.Names}}'
	[ "$output" = flt1 ]
	run hull ps -a --filter label=team=blue --format '{{.Names}}'
	[ "$output" = flt1 ]
	run hull ps -a --filter label=team=red --format '{{.Names}}'
	[ -z "$output" ]
	run hull ps --filter status=bogus
	[ "$status" -eq 125 ]
	run hull ps --filter nope=1
	[ "$status" -eq 125 ]
	hull rm -f flt2
}

@test "ps --filter before, since and exited" {
	hull create --name bs1 busybox true >/dev/null
	run -3 hull run --name bs2 busybox sh -c 'exit 3'
	hull create --name bs3 busybox true >/dev/null
	run -0 hull ps -a --filter before=bs3 --filter since=bs1 --format '{{.Names}}'
	[ "$output" = bs2 ]
	run -0 hull ps -a --filter since=bs2 --filter name=bs --format '{{.Names}}'
	[ "$output" = bs3 ]
	run -0 hull ps -a --filter before=bs2 --filter name=bs --format '{{.Names}}'
	[ "$output" = bs1 ]
	# by id prefix too
	run -0 hull ps -a --filter before="$(hull inspect --format '{{.Id}}' bs2 | cut -c1-12)" \
		--filter name=bs --format '{{.Names}}'
	[ "$output" = bs1 ]
	run -0 hull ps -a --filter exited=3 --format '{{.Names}}'
	[ "$output" = bs2 ]
	run -0 hull ps -a --filter exited=0 --filter name=bs --format '{{.Names}}'
	[ -z "$output" ]
	run -1 hull ps --filter before=nosuchctr
	[ "$output" = "hull: No such container: nosuchctr" ]
	run -125 hull ps --filter health=sick
	[ "$output" = "hull: Unrecognised filter value for health: sick" ]
	run -125 hull ps --filter networks=x
	[ "$output" = "hull: invalid filter 'networks'" ]
	hull rm bs1 bs2 bs3
}

@test "ps --filter volume, network, publish, expose, is-task; PORTS as docker groups them" {
	hull volume create pfv >/dev/null
	hull network create pfnet >/dev/null
	hull run -d --name pf1 --expose 80 --expose 81 --expose 90 -p 127.0.0.1:18210:8080 \
		-p 127.0.0.1:18211-18212:18211-18212/udp -v pfv:/data busybox sleep 60 >/dev/null
	hull run -d --name pf2 --network pfnet -v "$BATS_TEST_TMPDIR:/www" busybox sleep 60 >/dev/null
	hull run -d --name pf3 --network none --expose 80 busybox sleep 60 >/dev/null
	f() { hull ps --filter name=pf "$@" --format '{{.Names}}' | sort | tr '\n' ' '; }
	run -0 hull ps --filter name=pf1 --format '{{.Ports}}'
	[ "$output" = "80-81/tcp, 90/tcp, 127.0.0.1:18211-18212->18211-18212/udp, 127.0.0.1:18210->8080/tcp" ]
	run -0 hull inspect --format '{{json .NetworkSettings.Ports}}' pf1
	[[ $output == *'"80/tcp":null,'* && $output == *'"90/tcp":null'* ]]
	# --network none: no ports shown, as docker
	run -0 hull ps --filter name=pf3 --format '[{{.Ports}}]'
	[ "$output" = "[]" ]
	[ "$(f --filter volume=pfv)" = "pf1 " ]
	[ "$(f --filter volume=/data)" = "pf1 " ]
	[ "$(f --filter volume="$BATS_TEST_TMPDIR")" = "pf2 " ]
	[ "$(f --filter volume=/www --filter volume=pfv)" = "pf1 pf2 " ]
	[ "$(f --filter network=pfnet)" = "pf2 " ]
	[ "$(f --filter network="$(hull network inspect --format '{{.Id}}' pfnet | cut -c1-6)")" = "pf2 " ]
	[ "$(f --filter network=bridge)" = "pf1 " ]
	[ "$(f --filter network=none)" = "pf3 " ]
	[ "$(f --filter publish=18210)" = "pf1 " ]
	[ "$(f --filter publish=18200-18220/udp)" = "pf1 " ]
	[ "$(f --filter publish=8080)" = "" ]
	[ "$(f --filter expose=8080)" = "pf1 " ]
	[ "$(f --filter expose=80)" = "pf1 " ]
	[ "$(f --filter is-task=false)" = "pf1 pf2 pf3 " ]
	[ "$(f --filter is-task=true)" = "" ]
	run -125 hull ps --filter publish=127.0.0.1:80
	[ "$output" = "hull: filter for 'publish' should not contain ':': 127.0.0.1:80" ]
	run -125 hull ps --filter expose=80-70
	[ "$output" = "hull: error while looking up for expose 80-70: invalid range specified for port: 80-70" ]
	run -125 hull ps --filter is-task=1
	[ "$output" = "hull: invalid filter 'is-task=1'" ]
	hull rm -f pf1 pf2 pf3 >/dev/null
	hull network rm pfnet >/dev/null
}

@test "ps --format table and -s" {
	hull run --name fmt1 busybox sh -c 'echo abc > /f'
	run hull ps -a --filter name=fmt1 --format 'table {{.Names}}\t{{.Status}}'
	[[ ${lines[0]} =~ ^NAMES\ +STATUS$ ]]
	[[ ${lines[1]} =~ ^fmt1\ +Exited\ \(0\) ]]
	run hull ps -a -s --filter name=fmt1
	[[ ${lines[0]} == *SIZE ]]
	[[ ${lines[1]} =~ [0-9]+B\ \(virtual\ [0-9.]+[kM]B\)$ ]]
}

@test "ps -s and inspect -s: SizeRw of the writable layer, SizeRootFs with the image's layers" {
	local img
	hull run --name sz1 busybox sh -c 'head -c 5000 /dev/zero > /z'
	img=$(hull image inspect -f '{{.Size}}' busybox)
	run -0 hull inspect -s -f '{{.SizeRw}} {{.SizeRootFs}}' sz1
	[ "$output" = "5000 $((img + 5000))" ]
	run -0 hull ps -a -s --filter name=sz1 --format '{{.Size}}'
	[[ $output =~ ^5kB\ \(virtual\ [0-9.]+MB\)$ ]]
	# docker's *int64 members: absent from the JSON without -s, nil for a template
	run -0 hull inspect sz1
	[[ $output != *SizeRw* ]]
	run -0 hull inspect -f '{{json .SizeRw}} {{.SizeRootFs}}' sz1
	[ "$output" = 'null <nil>' ]
	run -0 hull inspect -s sz1
	[[ $output == *'"SizeRw": 5000,'* ]]
	hull rm sz1
}

@test "ps and volume ls --format: template functions, methods, table headers, errors" {
	hull run -d --name tpl1 -l team=blue busybox sleep 30 >/dev/null
	id=$(hull inspect --format '{{.Id}}' tpl1)
	run -0 hull ps --filter name=tpl1 --format '{{upper .Names}}|{{len .ID}}|{{.Label "team"}}|{{index (split .Command " ") 0}}|{{printf "%-8s|" .State}}{{lower "X"}}'
	[ "$output" = 'TPL1|12|blue|"sleep|running |x' ]
	run -0 hull ps --filter name=tpl1 --format '{{range $i, $n := split .Names ","}}{{$i}}:{{$n}}{{end}} {{if eq .State "running"}}up{{else}}down{{end}}{{println}}{{join (split .ID "") ""}}'
	[ "$output" = $'0:tpl1 up\n'"${id:0:12}" ]
	run -0 hull ps --filter name=tpl1 --format 'table {{.Names}}\t{{title .State}}\t{{json .Labels}}'
	[[ ${lines[0]} =~ ^NAMES\ +STATE\ +LABELS$ ]]
	[[ ${lines[1]} =~ ^tpl1\ +Running\ +\"team=blue\"$ ]]
	run -1 hull ps --filter name=tpl1 --format '{{.Nope}}'
	[ "$output" = 'hull: failed to execute template: template: :1:2: executing "" at <.Nope>: can'"'"'t evaluate field Nope in type *formatter.ContainerContext' ]
	run -1 hull ps --format '{{.Names'
	[ "$output" = 'hull: failed to parse template: template: :1: unclosed action' ]
	# -q wins over a custom format, with docker's warning
	run -0 hull ps -q --filter name=tpl1 --format '{{.Names}}'
	[ "${lines[0]}" = 'WARNING: Ignoring custom format, because both --format and --quiet are set.' ]
	[ "${lines[1]}" = "${id:0:12}" ]

	hull volume create --label k=v tplv >/dev/null
	run -0 hull volume ls --filter name=tplv --format '{{.Name}}|{{.Label "k"}}|{{.Labels}}|{{len .Name}}|{{upper .Driver}}'
	[ "$output" = 'tplv|v|k=v|4|LOCAL' ]
	run -0 hull volume ls --filter name=tplv --format 'table {{.Name}}\t{{upper .Driver}}'
	[[ ${lines[0]} =~ ^VOLUME\ NAME\ +DRIVER$ ]]
	[[ ${lines[1]} =~ ^tplv\ +LOCAL$ ]]
	run -0 hull volume inspect --format '{{.Name}} {{.Labels}} {{index .Labels "k"}} {{len .Options}}' tplv
	[ "$output" = 'tplv map[k:v] v 0' ]
	run -1 hull volume inspect --format '{{.Nope}}' tplv
	[ "$output" = 'hull: template parsing error: template: :1:2: executing "" at <.Nope>: can'"'"'t evaluate field Nope in type volume.Volume' ]
	hull rm -f tpl1 >/dev/null
	hull volume rm tplv >/dev/null
}

@test "logs --tail, -t, --since and --until" {
	hull run --name lg busybox sh -c 'for i in 1 2 3 4 5; do echo line$i; done; echo err >&2'
	run hull logs --tail 2 lg
	[ "$output" = $'line5\nerr' ]
	run hull logs --tail 0 lg
	[ -z "$output" ]
	run hull logs -t --tail 1 lg
	[[ $output =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ err$ ]]
	run hull logs --since 1h lg
	[ "${#lines[@]}" -eq 6 ]
	run hull logs --until 1h lg
	[ -z "$output" ]
	run hull logs --since 2099-01-01T00:00:00Z lg
	[ -z "$output" ]
	run hull logs --since bogus lg
	[ "$status" -eq 125 ]
}

@test "logs -f follows a detached container until it exits" {
	hull run -d --name lgf busybox sh -c 'echo one; sleep 1; echo two'
	run hull logs -f lgf
	[ "$status" -eq 0 ]
	[ "$output" = $'one\ntwo' ]
}

@test "rm -f removes a running container, rm -v its anonymous volumes" {
	build_image withvol 'FROM busybox
VOLUME /data'
	hull run -d --name rmv withvol sleep 30
	vol=$(hull inspect --format '{{json .Mounts}}' rmv | sed 's/.*"Name":"\([0-9a-f]*\)".*/\1/')
	[ ${#vol} -eq 64 ]
	run hull rm rmv
	[ "$status" -ne 0 ]
	hull volume create keepme
	run hull rm -f -v rmv
	[ "$status" -eq 0 ]
	run hull volume inspect "$vol"
	[ "$status" -ne 0 ]
	hull volume inspect keepme
}

@test "container prune removes stopped containers only" {
	hull run --name pr1 busybox true
	hull run -d --name pr2 busybox sleep 30
	run hull container prune -f
	[ "$status" -eq 0 ]
	[[ $output == *"Deleted Containers:"* ]]
	[[ $output == *"Total reclaimed space:"* ]]
	run hull inspect pr1
	[ "$status" -ne 0 ]
	hull inspect pr2
	hull rm -f pr2
}

@test "--rm with -d removes the container when it exits" {
	id=$(hull run -d --rm busybox sh -c 'sleep 0.3')
	[ ${#id} -eq 64 ]
	wait_for bash -c "! $HULL inspect $id >/dev/null 2>&1"
}

@test "--format json: one JSON object per line for ps, volume ls and history; inspect's array" {
	hull volume create --label k=v fjv >/dev/null
	hull run -d --name fj1 -v fjv:/data busybox sh -c 'sleep 30' >/dev/null
	# docker's rows: the formatter's fields as strings, keys sorted as Go marshals a map,
	# an argument with a space in single quotes (moby's list.go)
	run -0 hull ps --format json
	echo "$output" | python3 -c '
import json, sys
r = [json.loads(l) for l in sys.stdin][0]
assert list(r) == sorted(r), list(r)
assert set(r) == {"Command", "CreatedAt", "ID", "Image", "Labels", "LocalVolumes", "Mounts",
    "Names", "Networks", "Ports", "RunningFor", "Size", "State", "Status"}, r
assert r["Names"] == "fj1" and r["LocalVolumes"] == "1" and r["Size"] == "0B", r
assert r["Command"] == "\"sh -c '"'"'sleep 30'"'"'\"", r["Command"]'
	run -0 hull volume ls --format json
	echo "$output" | python3 -c '
import json, sys
v = [json.loads(l) for l in sys.stdin]
assert {"Availability": "N/A", "Driver": "local", "Group": "N/A", "Labels": "k=v", "Links": "N/A",
    "Name": "fjv", "Scope": "local", "Size": "N/A", "Status": "N/A"}.items() <= v[0].items(), v
assert list(v[0]) == sorted(v[0])'
	run -0 hull history --format json busybox
	echo "$output" | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'
	run -0 hull inspect --format json fj1
	echo "$output" | python3 -c 'import json,sys; a=json.load(sys.stdin); assert isinstance(a, list) and a[0]["Name"] == "/fj1"'
	run -0 hull volume inspect --format json fjv
	echo "$output" | python3 -c 'import json,sys; a=json.load(sys.stdin); assert a[0]["Name"] == "fjv"'
	hull rm -f fj1 >/dev/null
	hull volume rm fjv >/dev/null
}

@test "run --label and --label-file: Config.Labels over the image's, ps --filter label=" {
	build_image lbimg 'FROM busybox
LABEL team=blue tier=web' >/dev/null
	printf '# labels\nfile=yes\nteam=green\nbare\n' >"$BATS_TEST_TMPDIR/labels"
	hull run -d --name lb1 --label-file "$BATS_TEST_TMPDIR/labels" -l team=red --label extra=1 lbimg sleep 30 >/dev/null
	run -0 hull inspect --format '{{json .Config.Labels}}' lb1
	echo "$output" | python3 -c '
import json, sys
l = json.load(sys.stdin)
assert l == {"team": "red", "tier": "web", "file": "yes", "bare": "", "extra": "1"}, l'
	run -0 hull ps --filter label=team=red --format '{{.Names}}'
	[ "$output" = lb1 ]
	run -0 hull ps --filter label=extra --format '{{.Names}}'
	[ "$output" = lb1 ]
	run -0 hull ps --filter label=team=blue --format '{{.Names}}'
	[ -z "$output" ]
	run -0 hull inspect --format '{{json .Config.Labels}}' lbimg
	[[ $output == *'"team":"blue"'* ]]
	run ! hull run --rm --label-file "$BATS_TEST_TMPDIR/nosuch" busybox true
	hull rm -f lb1 >/dev/null
}

@test "ps shows the image id once the container's tag has moved or gone" {
	id=$(hull inspect --format '{{.Id}}' busybox)
	hull tag busybox psmove:1
	hull create --name psmoved psmove:1 true
	run hull ps -a --filter name=psmoved --format '{{.Image}}'
	[ "$output" = psmove:1 ]
	# the tag now names another image: docker shows the container's image id
	hull commit --change 'LABEL moved=1' psmoved psmove:1
	run hull ps -a --filter name=psmoved --format '{{.Image}}'
	[ "$output" = "$(echo "${id#sha256:}" | cut -c1-12)" ]
	run hull ps -a --no-trunc --filter name=psmoved --format '{{.Image}}'
	[ "$output" = "$id" ]
	hull rm psmoved
	hull rmi psmove:1
}
