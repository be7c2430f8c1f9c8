#!/usr/bin/env bats
# hull run in the foreground: exit codes, options, identity, network modes.

load helpers

@test "exit 0" {
	run hull run --rm busybox true
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "stdout of the container reaches hull's stdout" {
	run hull run --rm busybox echo hello world
	[ "$status" -eq 0 ]
	[ "$output" = "hello world" ]
}

@test "stderr of the container reaches hull's stderr, not stdout" {
	run bash -c '"$HULL" run --rm busybox sh -c "echo out; echo err >&2" 2>/dev/null'
	[ "$status" -eq 0 ]
	[ "$output" = out ]
	run bash -c '"$HULL" run --rm busybox sh -c "echo out; echo err >&2" 2>&1 >/dev/null'
	[ "$output" = err ]
}

@test "row 69: sh -c 'exit 3' exits 3" {
	run hull run --rm busybox sh -c 'exit 3'
	[ "$status" -eq 3 ]
}

@test "row 70: sh -c 'exit 300' exits 44" {
	run hull run --rm busybox sh -c 'exit 300'
	[ "$status" -eq 44 ]
}

@test "row 64: a command not in PATH exits 127, executable file not found" {
	run -127 hull run --rm busybox nonexist
	[ "$status" -eq 127 ]
	[[ $output == *'exec: "nonexist": executable file not found in $PATH'* ]]
}

@test "row 67: a missing absolute path exits 127" {
	run -127 hull run --rm busybox /nonexistent/path
	[ "$status" -eq 127 ]
	[[ $output == *"no such file or directory"* ]]
}

@test "row 68: an empty command exits 127" {
	run -127 hull run --rm busybox ""
	[ "$status" -eq 127 ]
	[[ $output == *"executable file not found"* ]]
}

@test "row 65: a directory as command exits 126" {
	run hull run --rm busybox /etc
	[ "$status" -eq 126 ]
	[[ $output == *"permission denied"* || $output == *"is a directory"* ]]
}

@test "row 66: a 644 file as command exits 126, permission denied" {
	run hull run --rm busybox /etc/passwd
	[ "$status" -eq 126 ]
	[[ $output == *"permission denied"* ]]
}

@test "row 75: lookup uses the container's PATH" {
	run -127 hull run --rm -e PATH=/nowhere busybox echo x
	[ "$status" -eq 127 ]
	[[ $output == *"executable file not found"* ]]
}

@test "row 54: --entrypoint \"\" without args exits 125, no command specified" {
	run hull run --rm --entrypoint "" busybox
	[ "$status" -eq 125 ]
	[[ $output == *"no command specified"* ]]
}

@test "--entrypoint \"\" with args runs the args" {
	run hull run --rm --entrypoint "" busybox echo x
	[ "$status" -eq 0 ]
	[ "$output" = x ]
}

@test "row 63: image without CMD and no args exits 125, no command specified" {
	run hull run --rm busybox
	[ "$status" -eq 125 ]
	[[ $output == *"no command specified"* ]]
	# and leaves no container behind
	run hull ps -a -q
	[ -z "$output" ]
}

@test "a missing image exits 125" {
	run hull run --rm nosuchimage:1 true
	[ "$status" -eq 125 ]
	[[ $output == *nosuchimage* ]]
}

@test "row 78: PID 1 is immune to its own unhandled SIGTERM and SIGKILL (exit 0)" {
	run hull run --rm busybox sh -c 'kill -TERM $$; echo alive'
	[ "$status" -eq 0 ]
	[ "$output" = alive ]
	run hull run --rm busybox sh -c 'kill -9 $$; echo alive'
	[ "$status" -eq 0 ]
	[ "$output" = alive ]
}

@test "a non-init process killed by SIGKILL: the shell sees 137" {
	run hull run --rm busybox sh -c 'sh -c "kill -9 \$\$"; echo "rc=$?"'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *rc=137* ]]
}

@test "a foreground container killed with SIGKILL exits 137" {
	hull run --name fgkill busybox sleep 100 &
	local pid=$!
	wait_for is_running fgkill
	run hull kill fgkill
	[ "$status" -eq 0 ]
	local rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 137 ]
	run hull inspect --format '{{.State.Status}} {{.State.ExitCode}}' fgkill
	[ "$output" = "exited 137" ]
	hull rm fgkill
}

@test "the command runs as PID 1" {
	run hull run --rm busybox sh -c 'echo $$'
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	run hull run --rm busybox sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo'
	[[ $output == "sh -c cat /proc/1/cmdline"* ]]
}

@test "the container has its own PID namespace" {
	run hull run --rm busybox sh -c 'ls /proc | grep -c "^[0-9]"'
	[ "$status" -eq 0 ]
	[ "$output" -le 3 ]
}

@test "-e sets variables, -e NAME takes the host value" {
	run hull run --rm -e FOO=bar -e BAZ='a b' busybox sh -c 'echo "$FOO|$BAZ"'
	[ "$status" -eq 0 ]
	[ "$output" = "bar|a b" ]
	FROMHOST=hv run hull run --rm -e FROMHOST busybox sh -c 'echo "[$FROMHOST]"'
	[ "$output" = "[hv]" ]
	run hull run --rm --env=X=1 busybox sh -c 'echo $X'
	[ "$output" = 1 ]
}

@test "-e NAME of an unset host variable does not set it" {
	unset HULL_TEST_UNSET_VAR
	run hull run --rm -e HULL_TEST_UNSET_VAR busybox sh -c 'env | grep -c HULL_TEST_UNSET_VAR'
	[ "$output" = 0 ]
}

@test "default environment: PATH, HOME, HOSTNAME" {
	run hull run --rm busybox env
	[ "$status" -eq 0 ]
	[[ $output == *"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"* ]]
	[[ $output == *"HOME=/root"* ]]
	[[ $output =~ HOSTNAME=[0-9a-f]{12} ]]
}

@test "-w sets the working directory" {
	run hull run --rm -w /etc busybox pwd
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = /etc ]
}

@test "-w creates a missing directory" {
	run hull run --rm -w /new/deep/dir busybox sh -c 'pwd; test -d /new/deep/dir && echo exists'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /new/deep/dir ]
	[ "${lines[1]}" = exists ]
}

@test "row 74: -w /bin ./busybox keeps argv[0] as written" {
	run hull run --rm -w /bin busybox ./sh -c 'echo $0'
	[ "$status" -eq 0 ]
	[ "$output" = ./sh ]
}

@test "default user is root" {
	run hull run --rm busybox id
	[ "$status" -eq 0 ]
	[[ $output == "uid=0(root) gid=0(root)"* ]]
}

@test "-u NAME takes uid, gid and home from the image" {
	run hull run --rm -u nobody busybox sh -c 'id -u; id -g; echo $HOME'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 65534 ]
	[ "${lines[1]}" = 65534 ]
	[ "${lines[2]}" = /nonexistent ]
}

@test "-u NAME gets the supplementary groups of /etc/group" {
	run hull run --rm -u nobody busybox id -G
	[ "$status" -eq 0 ]
	[[ " $output " == *" 50 "* ]]
}

@test "-u UID not in passwd runs with gid 0" {
	run hull run --rm -u 1000 busybox sh -c 'id -u; id -g'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 0 ]
}

@test "-u UID:GID" {
	run hull run --rm -u 1000:50 busybox sh -c 'id -u; id -g'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 50 ]
}

@test "-u user:group by names" {
	run hull run --rm -u daemon:staff busybox sh -c 'id -u; id -g'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 50 ]
}

@test "-u of an unknown user exits 125" {
	run hull run --rm -u nosuchuser busybox id
	[ "$status" -eq 125 ]
	[[ $output == *"unable to find user nosuchuser"* ]]
}

@test "-u of an unknown group exits 125" {
	run hull run --rm -u root:nosuchgroup busybox id
	[ "$status" -eq 125 ]
	[[ $output == *nosuchgroup* ]]
}

@test "hostname is the 12-character short id" {
	run hull run --name hn busybox hostname
	[ "$status" -eq 0 ]
	local id
	id=$(hull inspect --format '{{.Id}}' hn)
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	[ "$output" = "${id:0:12}" ]
	run hull inspect --format '{{.Config.Hostname}}' hn
	[ "$output" = "${id:0:12}" ]
	hull rm hn
}

@test "/etc/hosts has localhost and the container's own name" {
	run hull run --rm busybox sh -c 'cat /etc/hosts; echo ---; hostname'
	[ "$status" -eq 0 ]
	[[ $output =~ 127\.0\.0\.1[[:space:]]+localhost ]]
	local h=${lines[-1]}
	grep -q "[[:space:]]$h\$" <<<"$output"
}

@test "--network none has only lo" {
	run hull run --rm --network none busybox sh -c 'ls /sys/class/net'
	[ "$status" -eq 0 ]
	[ "$output" = lo ]
	run hull run --rm --network none busybox ip -o -4 addr
	[[ $output == *"127.0.0.1/8"* ]]
	[ "$(grep -c inet <<<"$output")" -eq 1 ]
}

@test "default bridge network: lo and eth0 with an address" {
	run hull run --rm busybox sh -c 'ls /sys/class/net'
	[ "$status" -eq 0 ]
	[[ $output == *eth0* && $output == *lo* ]]
	run hull run --rm busybox ip -o -4 addr show eth0
	[[ $output =~ inet\ [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/ ]]
}

@test "--network host sees the host's interfaces" {
	# interfaces come and go on the host (other containers' veths), so compare
	# one stable interface: its MAC address, seen from inside
	local ifc=""
	for ifc in $(ls /sys/class/net); do
		case $ifc in lo | veth* | hull*) continue ;; esac
		break
	done
	[ -n "$ifc" ] || skip "no host interface besides lo"
	local mac
	mac=$(cat "/sys/class/net/$ifc/address")
	run hull run --rm --network host busybox cat "/sys/class/net/$ifc/address"
	[ "$status" -eq 0 ]
	[ "$output" = "$mac" ]
}

@test "--network host: the hostname is the host's" {
	run hull run --rm --network host busybox hostname
	[ "$status" -eq 0 ]
	[ "$output" = "$(hostname)" ]
}

@test "--network with an unknown network exits 125" {
	run hull run --rm --network nosuchnet busybox true
	[ "$status" -eq 125 ]
}

@test "--rm removes the container after exit" {
	run hull run --rm --name gone busybox true
	[ "$status" -eq 0 ]
	run hull inspect gone
	[ "$status" -ne 0 ]
	run hull ps -a --format '{{.Names}}' 2>/dev/null
	run hull ps -a
	[[ $output != *gone* ]]
}

@test "--rm also removes a container that failed" {
	run hull run --rm --name gone2 busybox sh -c 'exit 9'
	[ "$status" -eq 9 ]
	run hull inspect gone2
	[ "$status" -ne 0 ]
}

@test "without --rm the exited container stays, with its exit code" {
	run hull run --name stays busybox sh -c 'exit 5'
	[ "$status" -eq 5 ]
	run hull inspect --format '{{.State.Status}} {{.State.ExitCode}}' stays
	[ "$output" = "exited 5" ]
	run hull ps -a
	[[ $output =~ Exited\ \(5\) ]]
	hull rm stays
}

@test "--name conflicts exit 125 and name the holder" {
	run hull run --name dup busybox true
	[ "$status" -eq 0 ]
	local id
	id=$(hull inspect --format '{{.Id}}' dup)
	run hull run --name dup busybox true
	[ "$status" -eq 125 ]
	[[ $output == *'The container name "/dup" is already in use by container "'"$id"'"'* ]]
	hull rm dup
	run hull run --rm --name dup busybox true
	[ "$status" -eq 0 ]
}

@test "inspect of a container: Name, Path, Args, Image" {
	hull run --name insp busybox echo a b
	run hull inspect --format '{{.Name}}|{{json .Path}}|{{json .Args}}' insp
	[ "$status" -eq 0 ]
	[ "$output" = '/insp|"echo"|["a","b"]' ]
	local img
	img=$(hull inspect --format '{{.Id}}' busybox)
	run hull inspect --format '{{.Image}}' insp
	[ "$output" = "$img" ]
	hull rm insp
}

@test "stdin with -i reaches the container" {
	run bash -c 'echo hi | "$HULL" run -i --rm busybox cat'
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	run bash -c 'printf "a\nb\nc\n" | "$HULL" run -i --rm busybox wc -l'
	[ "$output" = 3 ]
}

@test "stdin without -i is not connected" {
	run bash -c 'echo hi | "$HULL" run --rm busybox cat'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "-i: EOF on stdin ends cat with exit 0" {
	run bash -c '"$HULL" run -i --rm busybox cat < /dev/null'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "the container's root filesystem changes do not leak into the image" {
	run hull run --rm busybox sh -c 'echo x > /etc/leak'
	[ "$status" -eq 0 ]
	run hull run --rm busybox cat /etc/leak
	[ "$status" -ne 0 ]
}

@test "proc, sys, dev and tmp are usable" {
	run hull run --rm busybox sh -c 'test -r /proc/self/status && test -d /sys/class && test -c /dev/null && echo ok > /tmp/t && cat /tmp/t'
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "run prints nothing of its own on success" {
	run hull run --rm busybox true
	[ -z "$output" ]
}

@test "-e with an empty name is refused; --name '' generates a name" {
	run hull run --rm -e =x busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"invalid environment variable: =x"* ]]
	run hull run --rm -e '' busybox true
	[ "$status" -eq 125 ]
	run hull run --rm --name '' busybox true
	[ "$status" -eq 0 ]
}

@test "-it without a terminal on stdin fails as docker: the input device is not a TTY" {
	run hull run --rm -it busybox true </dev/null
	[ "$status" -eq 1 ]
	[[ $output == *"the input device is not a TTY"* ]]
}

@test "-p with --network none warns that ports are discarded in none mode" {
	run hull run --rm --network none -p 18531:80 busybox true
	[ "$status" -eq 0 ]
	[[ $output == *"discarded when using none network mode"* ]]
}

@test "-a stdout relays only stdout, -a stderr only stderr; both are logged; -a is case-insensitive" {
	run --separate-stderr hull run --name att-out -a stdout busybox sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = out ]
	[ -z "$stderr" ]
	run hull logs att-out
	[[ $output == *out* && $output == *err* ]]
	run hull inspect --format '{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}}' att-out
	[ "$output" = "false true false" ]
	run --separate-stderr hull run --rm -a STDERR busybox sh -c 'echo out; echo err >&2'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = err ]
	run --separate-stderr hull run --rm -a stdout --attach Stderr busybox sh -c 'echo out; echo err >&2'
	[ "$output" = out ]
	[ "$stderr" = err ]
	# with -t the one stream is stdout's
	run hull run --rm -t -a stderr busybox echo hidden
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run hull run --rm -t -a stdout busybox echo shown
	[ "$output" = $'shown\r' ]
	hull rm att-out
}

@test "-a refuses other streams (125) and -d (1), as docker" {
	run hull run --rm -a stdio busybox true
	[ "$status" -eq 125 ]
	[[ $output == *'invalid argument "stdio" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR'* ]]
	run hull create -a '' busybox true
	[ "$status" -eq 125 ]
	n=$(hull ps -a -q | wc -l)
	run hull run -d -a stdout busybox true
	[ "$status" -eq 1 ]
	[[ $output == *"Conflicting options: -a and -d"* ]]
	[ "$(hull ps -a -q | wc -l)" -eq "$n" ]
	run hull run --help
	[[ $output == *"-a, --attach list"*"Attach to STDIN, STDOUT or STDERR"* ]]
	# docker's client wants a terminal whenever stdin is attached to a tty container
	run hull run --rm -t -a stdin busybox true </dev/null
	[ "$status" -eq 1 ]
	[[ $output == *"the input device is not a TTY"* ]]
}

@test "-a stdin alone prints the id, sends stdin with -i and leaves the container running" {
	run bash -c 'printf "fed\n" | "$HULL" run -i -a stdin --name att-in busybox sh -c "cat; sleep 0.3; echo done"'
	[ "$status" -eq 0 ]
	id=$(hull inspect --format '{{.Id}}' att-in)
	[ "$output" = "$id" ]
	run hull wait att-in
	[ "$output" = 0 ]
	run hull logs att-in
	[ "$output" = $'fed\ndone' ]
	run hull inspect --format '{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}} {{.Config.OpenStdin}} {{.Config.StdinOnce}}' att-in
	[ "$output" = "true false false true true" ]
	# without -i our stdin is read and dropped: the container's is /dev/null
	run bash -c 'echo dropped | "$HULL" run -a stdin --name att-in2 busybox cat'
	[ "$status" -eq 0 ]
	[ ${#output} -eq 64 ]
	hull wait att-in2
	[ -z "$(hull logs att-in2)" ]
	hull rm att-in att-in2
}

@test "--rm: a volatile root and no fsync of the container's files; without --rm both durable" {
	# nothing of a --rm container must survive a crash: no sync of the host file
	# system when its overlay goes, no fsync of its record and /etc files
	run hull run --rm busybox grep ' / ' /proc/mounts
	[ "$status" -eq 0 ]
	[[ $output == *volatile* ]]
	run hull run --name durable busybox grep ' / ' /proc/mounts
	[ "$status" -eq 0 ]
	[[ $output != *volatile* ]]
	hull rm durable
	command -v strace >/dev/null || skip "needs strace to count fsyncs"
	# (LeakSanitizer cannot run under ptrace: the ASan build's leak check is off here)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -o "$BATS_TEST_TMPDIR/rm.st" -e trace=fsync "$HULL" run --rm busybox true
	run grep -c 'fsync(' "$BATS_TEST_TMPDIR/rm.st"
	[ "$output" = 0 ]
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -o "$BATS_TEST_TMPDIR/keep.st" -e trace=fsync "$HULL" run --name durable busybox true
	run grep -c 'fsync(' "$BATS_TEST_TMPDIR/keep.st"
	[ "$output" -ge 5 ]
	hull rm durable
}

@test "--rm: a work directory an earlier volatile mount marked is mounted again" {
	# the kernel refuses a work directory with the mark of a volatile mount;
	# a --rm container's own earlier mount left it (a start that failed after it)
	id=$(hull create --rm busybox echo again)
	mkdir -p "$HULL_ROOT/containers/$id/work/work/incompat/volatile"
	run hull start -a "$id"
	[ "$status" -eq 0 ]
	[ "$output" = again ]
	run hull inspect "$id"
	[ "$status" -ne 0 ]
}
