#!/usr/bin/env bats
# Issue 7, escape 3: no fd of the caller (its terminal, files, sockets) may
# reach a container process. Every way hull starts one is listed from inside
# (/proc/$$/fd: pipes, /dev/null or a pty hull made, on fds 0-2 only), then
# the two attacks are performed for real: truncating the caller's O_APPEND
# output (or input) file through /proc/self/fd/N, and a process left in the
# background reading the caller's stdin (a FIFO, a terminal) after exec
# returned.

load helpers

setup_file() {
	hull_setup_file
	mkdir -p "$BATS_FILE_TMPDIR/rep"
	hull run -d --name fds -v "$BATS_FILE_TMPDIR/rep:/rep" busybox sleep 100000 >/dev/null
	export TMUX_SOCK=hull-fds-$$
}

teardown() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
}

# What the container runs: for each open fd of its shell, "FD n", "TG target"
# and "DI dev:inode" (only builtins and NOFORK applets between the test of an
# fd and its report, so the shell opens nothing of its own meanwhile).
LIST='n=0; while [ $n -lt 64 ]; do if [ -h /proc/$$/fd/$n ]; then echo "FD $n"; echo "TG $(readlink /proc/$$/fd/$n)"; echo "DI $(stat -L -c %d:%i /proc/$$/fd/$n)"; fi; n=$((n+1)); done'

# The same, into /rep/report, so that the shell's own stdout can stay the terminal.
LIST_REP='n=0; while [ $n -lt 64 ]; do if [ -h /proc/$$/fd/$n ]; then echo "FD $n" >>/rep/report; echo "TG $(readlink /proc/$$/fd/$n)" >>/rep/report; echo "DI $(stat -L -c %d:%i /proc/$$/fd/$n)" >>/rep/report; fi; n=$((n+1)); done'

# devino FILE...: "dev:inode" of each host file (the caller's side)
devino() { stat -L -c %d:%i "$@"; }

# check_fds TEXT [FORBIDDEN_DEVINO...]: TEXT holds LIST's report (other lines are
# ignored); fds 0, 1 and 2 only, each a pipe, /dev/null or /dev/pts/N, and none
# of them one of the caller's files given by dev:inode.
check_fds() {
	local text=$1 line fd="" seen=""
	shift
	while IFS= read -r line; do
		case $line in
		"FD "*)
			fd=${line#FD }
			seen="$seen$fd "
			case $fd in 0 | 1 | 2) ;; *)
				echo "fd $fd leaked into the container"
				return 1
				;;
			esac
			;;
		"TG "*)
			case ${line#TG } in
			pipe:\[*\] | /dev/null | /dev/pts/[0-9]*) ;;
			*)
				echo "fd $fd is '${line#TG }': not a pipe, /dev/null or a pty"
				return 1
				;;
			esac
			;;
		"DI "*)
			local f
			for f in "$@"; do
				if [ "${line#DI }" = "$f" ]; then
					echo "fd $fd is the caller's own file ($f)"
					return 1
				fi
			done
			;;
		esac
	done <<<"$text"
	if [ "$seen" != "0 1 2 " ]; then
		echo "fds seen: '$seen' (report: $text)"
		return 1
	fi
}

@test "run, run -i, run --init, start -a, run -d: pipes or /dev/null, never the caller's files" {
	local out=$BATS_TEST_TMPDIR/out in=$BATS_TEST_TMPDIR/in
	echo input >"$in"
	hull run --rm busybox sh -c "$LIST" >"$out" 2>>"$out" <"$in"
	check_fds "$(cat "$out")" "$(devino "$out" "$in")"
	hull run --rm -i busybox sh -c "$LIST" >"$out" <"$in"
	check_fds "$(cat "$out")" "$(devino "$out" "$in")"
	hull run --rm --init busybox sh -c "$LIST" >"$out" <"$in"
	check_fds "$(cat "$out")" "$(devino "$out" "$in")"
	hull create --name fds-s busybox sh -c "$LIST" >/dev/null
	hull start -a fds-s >"$out" 2>&1 <"$in"
	check_fds "$(cat "$out")" "$(devino "$out" "$in")"
	hull rm fds-s >/dev/null
	hull run -d --name fds-d busybox sh -c "$LIST" >/dev/null <"$in"
	wait_for is_exited fds-d
	check_fds "$(hull logs fds-d)" "$(devino "$in")"
	hull rm fds-d >/dev/null
}

@test "exec, exec -i, exec -d: pipes or /dev/null, with stdout and stdin on host files" {
	local out=$BATS_TEST_TMPDIR/out in=$BATS_TEST_TMPDIR/in
	echo input >"$in"
	hull exec fds sh -c "$LIST" >"$out" 2>"$BATS_TEST_TMPDIR/err" <"$in"
	check_fds "$(cat "$out")" "$(devino "$out" "$in" "$BATS_TEST_TMPDIR/err")"
	# stdout and stderr one file: one pipe for both
	hull exec fds sh -c "$LIST" >"$out" 2>&1 <"$in"
	check_fds "$(cat "$out")" "$(devino "$out" "$in")"
	hull exec -i fds sh -c "$LIST" >"$out" <"$in"
	check_fds "$(cat "$out")" "$(devino "$out" "$in")"
	hull exec -d fds sh -c "$LIST >/tmp/exec-d.list 2>&1; mv /tmp/exec-d.list /tmp/exec-d.done" \
		>"$out" <"$in"
	wait_for hull exec fds test -e /tmp/exec-d.done
	# the report went to a file, so its fd 1 is that file: check 0 and 2 only
	run hull exec fds cat /tmp/exec-d.done
	[ "$status" -eq 0 ]
	[[ $output == *"FD 0"*"TG /dev/null"*"FD 2"*"TG /dev/null"* ]]
}

@test "build RUN step: pipes or /dev/null, output still in the build's output" {
	local d out=$BATS_TEST_TMPDIR/build.out
	d=$(ctx_dir)
	printf 'FROM busybox\nRUN %s\n' "$LIST" >"$d/Dockerfile"
	hull build -t fds-img "$d" >"$out" 2>&1 </dev/null
	grep -q '^FD 1$' "$out"
	check_fds "$(cat "$out")" "$(devino "$out")"
}

# in_term CMD: run CMD in a fresh 100x30 tmux session, its stdio the terminal;
# the terminal's dev:inode in $BATS_TEST_TMPDIR/tty, CMD's status in .../done.
in_term() {
	rm -f "$BATS_TEST_TMPDIR/done"
	tmux -L "$TMUX_SOCK" new-session -d -s t -x 100 -y 30 \
		"env HULL_ROOT='$HULL_ROOT' HULL_RUNROOT='$HULL_RUNROOT' sh -c 'stat -L -c %d:%i /proc/self/fd/0 >$BATS_TEST_TMPDIR/tty; $1; echo \$? >$BATS_TEST_TMPDIR/done'; sleep 60"
	wait_for test -s "$BATS_TEST_TMPDIR/done"
}

@test "from a terminal: run, run -t, exec, exec -i, exec -t, exec -it hold no fd of it" {
	command -v tmux >/dev/null || skip "needs tmux"
	local rep=$BATS_FILE_TMPDIR/rep c
	for c in "run --rm" "run --rm -t" "run --rm -it" "exec" "exec -i" "exec -t" "exec -it"; do
		rm -f "$rep/report"
		case $c in
		run*) in_term "$HULL $c -v $rep:/rep busybox sh -c '\\''$LIST_REP'\\''" ;;
		*) in_term "$HULL $c fds sh -c '\\''$LIST_REP'\\''" ;;
		esac
		[ "$(cat "$BATS_TEST_TMPDIR/done")" = 0 ] || {
			echo "hull $c failed: $(tmux -L "$TMUX_SOCK" capture-pane -p -t t)"
			return 1
		}
		check_fds "$(cat "$rep/report")" "$(cat "$BATS_TEST_TMPDIR/tty")" || {
			echo "in: hull $c"
			return 1
		}
		tmux -L "$TMUX_SOCK" kill-server
	done
}

@test "attack: truncating the caller's O_APPEND stdout or its stdin file through /proc/self/fd" {
	local f=$BATS_TEST_TMPDIR/appendonly c
	# the reopen of /proc/self/fd/N (an O_APPEND fd reopened with O_TRUNC) and truncate(2)
	local attack=': >/proc/self/fd/1; : >/proc/self/fd/2; truncate -s 0 /proc/self/fd/1; : >/proc/self/fd/0; truncate -s 0 /proc/self/fd/0; echo appended'
	for c in "exec fds" "exec -i fds" "run --rm busybox" "run --rm -i busybox"; do
		echo precious >"$f"
		# shellcheck disable=SC2086
		hull $c sh -c "$attack" >>"$f" 2>>"$f" <"$f" || true
		run cat "$f"
		if [ "${lines[0]}" != precious ]; then
			echo "hull $c: the caller's file was truncated: '$output'"
			return 1
		fi
	done
	# a file the kernel keeps append-only (chattr +a), where the file system has it
	echo precious >"$f"
	if chattr +a "$f" 2>/dev/null; then
		hull exec -i fds sh -c "$attack" >>"$f" 2>&1 <"$f" || true
		chattr -a "$f"
		[ "$(head -1 "$f")" = precious ]
	fi
}

@test "attack: a process left in the background writes to the caller's file after exec" {
	local f=$BATS_TEST_TMPDIR/late
	: >"$f"
	hull exec fds sh -c '(sleep 0.5; echo late-write) &' >>"$f" 2>&1
	sleep 1.5
	run -1 grep -q late-write "$f"
}

@test "attack: a background process reads the caller's stdin (a FIFO) after exec returned" {
	local fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	hull exec fds rm -f /tmp/stolen
	# the test holds the FIFO open both ways, so neither side ever blocks or sees EOF
	exec 7<>"$fifo"
	# (fd 3: a background job's stdin is /dev/null in a non-interactive shell)
	hull exec -i fds sh -c 'exec 3<&0; cat <&3 >/tmp/stolen 3<&- &' <"$fifo"
	# exec has returned: what is written now is not for the container
	echo secret-after-exec >&7
	sleep 1
	exec 7>&-
	run hull exec fds cat /tmp/stolen
	[[ $output != *secret-after-exec* ]]
}

@test "attack: a background process reads what is typed on the caller's terminal later" {
	command -v tmux >/dev/null || skip "needs tmux"
	hull exec fds rm -f /tmp/typed
	tmux -L "$TMUX_SOCK" new-session -d -s t -x 100 -y 30 \
		"env HULL_ROOT='$HULL_ROOT' HULL_RUNROOT='$HULL_RUNROOT' $HULL exec -i fds sh -c \"exec 3<&0; cat <&3 >/tmp/typed 3<&- &\"; echo EXIT=\$?; sleep 60"
	local i
	for i in $(seq 50); do
		tmux -L "$TMUX_SOCK" capture-pane -p -t t | grep -q EXIT= && break
		sleep 0.1
	done
	tmux -L "$TMUX_SOCK" capture-pane -p -t t | grep -q EXIT=0
	# typed into the host terminal after exec returned (read by `sleep 60`'s terminal only)
	tmux -L "$TMUX_SOCK" send-keys -t t 'typed-password' Enter
	sleep 1
	run hull exec fds cat /tmp/typed
	[[ $output != *typed-password* ]]
}

@test "exec relays: stdin to EOF, stdout and stderr apart, 2>&1 in order, exit code" {
	run bash -c "echo hi | '$HULL' exec -i fds cat"
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	run bash -c "'$HULL' exec fds sh -c 'echo a; echo b >&2; echo c; exit 3' 2>&1"
	[ "$status" -eq 3 ]
	[ "$output" = "$(printf 'a\nb\nc')" ]
	hull exec fds sh -c 'echo out; echo err >&2' >"$BATS_TEST_TMPDIR/o" 2>"$BATS_TEST_TMPDIR/e"
	[ "$(cat "$BATS_TEST_TMPDIR/o")" = out ]
	[ "$(cat "$BATS_TEST_TMPDIR/e")" = err ]
}

@test "relay: a reader gone (EPIPE) stops the writer; a full stdin pipe does not stop output" {
	# the writer gets SIGPIPE (a pty: SIGHUP) instead of the relay spinning forever
	run timeout -s KILL 20 bash -c "'$HULL' exec fds yes | head -1"
	[ "$status" -eq 0 ]
	[ "$output" = y ]
	# (PID 1 gets no SIGPIPE: busybox yes says "Broken pipe" on its stderr)
	run timeout -s KILL 20 bash -c "'$HULL' run --rm busybox yes 2>/dev/null | head -1"
	[ "$status" -eq 0 ]
	[ "$output" = y ]
	# the container writes 300 kB before it reads its 300 kB of stdin
	run timeout -s KILL 30 bash -c "head -c 300000 /dev/zero | '$HULL' exec -i fds sh -c 'head -c 300000 /dev/zero; cat' | wc -c"
	[ "$status" -eq 0 ]
	[ "$output" -eq 600000 ]
	run timeout -s KILL 30 bash -c "head -c 300000 /dev/zero | '$HULL' run --rm -i busybox sh -c 'head -c 300000 /dev/zero; cat' | wc -c"
	[ "$status" -eq 0 ]
	[ "$output" -eq 600000 ]
}

@test "exec -it: ctrl-p ctrl-q detaches, the exit code otherwise" {
	command -v tmux >/dev/null || skip "needs tmux"
	tmux -L "$TMUX_SOCK" new-session -d -s t -x 100 -y 30 \
		"env HULL_ROOT='$HULL_ROOT' HULL_RUNROOT='$HULL_RUNROOT' $HULL exec -it fds sh; echo EXIT=\$?; sleep 60"
	local i
	for i in $(seq 50); do
		tmux -L "$TMUX_SOCK" capture-pane -p -t t | grep -q '/ #' && break
		sleep 0.1
	done
	tmux -L "$TMUX_SOCK" send-keys -t t C-p C-q
	for i in $(seq 50); do
		tmux -L "$TMUX_SOCK" capture-pane -p -t t | grep -q 'EXIT=' && break
		sleep 0.1
	done
	tmux -L "$TMUX_SOCK" capture-pane -p -t t | grep -q 'EXIT=0'
}
