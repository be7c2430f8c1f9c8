#!/usr/bin/env bats
# A person's terminal session, driven through tmux: run -it, window size at
# start and on resize, raw mode restored, ctrl-p ctrl-q, attach, exec -it.

load helpers

setup_file() {
	command -v tmux >/dev/null || skip "needs tmux"
	hull_setup_file
	export TMUX_SOCK=hull-tty-$$
}

teardown() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
}

# term CMD: run CMD in a fresh 100x30 tmux session "t" with our environment
term() {
	tmux -L "$TMUX_SOCK" new-session -d -s t -x 100 -y 30 \
		"env HULL_ROOT='$HULL_ROOT' HULL_RUNROOT='$HULL_RUNROOT' $1; echo EXIT=\$?; stty -a | grep -o -- '-\?icanon' | head -1; sleep 60"
}
keys() { tmux -L "$TMUX_SOCK" send-keys -t t "$@"; }
screen() { tmux -L "$TMUX_SOCK" capture-pane -p -t t; }
# shows TEXT: wait until the screen holds TEXT
shows() {
	local i
	for i in $(seq 50); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	echo "screen lacks '$1':"; screen
	return 1
}

@test "run -it: a shell with the terminal's size, resize, exit code, raw mode restored" {
	term "$HULL run -it --rm busybox sh"
	shows '/ #'
	keys 'stty size; tty' Enter
	shows '30 100'
	tmux -L "$TMUX_SOCK" resize-window -t t -x 80 -y 20
	sleep 0.2
	keys 'stty size' Enter
	shows '20 80'
	keys 'exit 4' Enter
	shows 'EXIT=4'
	# the terminal is back in canonical mode
	shows 'icanon'
	run ! grep -q -- '-icanon' <<<"$(screen)"
}

@test "ctrl-p ctrl-q detaches; attach reconnects; exit ends attach with the code" {
	term "$HULL run -it --name det busybox sh"
	shows '/ #'
	keys 'echo one' Enter
	shows 'one'
	keys C-p C-q
	shows 'EXIT=0'
	is_running det
	tmux -L "$TMUX_SOCK" kill-server
	# a new tmux server: reusing the socket races with the old one's exit
	TMUX_SOCK=$TMUX_SOCK-2
	term "$HULL attach det"
	sleep 0.3
	keys 'echo again-$((1+1))' Enter
	shows 'again-2'
	keys 'exit 6' Enter
	shows 'EXIT=6'
	is_exited det
}

@test "--detach-keys changes the sequence; ctrl-p alone reaches the container" {
	term "$HULL run -it --detach-keys ctrl-x,x --name det2 busybox sh"
	shows '/ #'
	keys C-x x
	shows 'EXIT=0'
	is_running det2
	hull rm -f det2
}

@test "run -dit then attach sees the shell and its output" {
	hull run -dit --name bg busybox sh
	term "$HULL attach bg"
	sleep 0.3
	keys 'echo from-attach' Enter
	shows 'from-attach'
	keys C-p C-q
	shows 'EXIT=0'
	is_running bg
	hull rm -f bg
}

@test "exec -it gives a pty with the terminal's size" {
	hull run -d --name ex busybox sleep 1000
	term "$HULL exec -it ex sh"
	shows '/ #'
	keys 'stty size; tty' Enter
	shows '30 100'
	shows '/dev/pts/'
	keys 'exit 3' Enter
	shows 'EXIT=3'
	hull rm -f ex
}

@test "start -ai attaches a created -it container" {
	hull create -it --name cr busybox sh
	term "$HULL start -ai cr"
	shows '/ #'
	keys 'echo started' Enter
	shows 'started'
	keys 'exit 2' Enter
	shows 'EXIT=2'
}

@test "attach to a stopped container fails" {
	hull run --name stopped busybox true
	run hull attach stopped
	[ "$status" -ne 0 ]
	[[ $output == *"You cannot attach to a stopped container"* ]]
}
