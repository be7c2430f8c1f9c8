#!/usr/bin/env bats
# The command line: version, help, unknown flags and commands, --root/--runroot.

load helpers

@test "version prints client and engine versions" {
	run hull version
	[ "$status" -eq 0 ]
	[[ $output == *"Client:"* ]]
	[[ $output == *"Engine:"* ]]
	[[ $output =~ Version:\ +[0-9]+\.[0-9]+\.[0-9]+ ]]
}

@test "--version and -v print one line with the version" {
	run hull --version
	[ "$status" -eq 0 ]
	[[ $output =~ [0-9]+\.[0-9]+\.[0-9]+ ]]
	[ "${#lines[@]}" -eq 1 ]
	run hull -v
	[ "$status" -eq 0 ]
	[[ $output =~ [0-9]+\.[0-9]+\.[0-9]+ ]]
}

@test "--help lists the commands" {
	run hull --help
	[ "$status" -eq 0 ]
	[[ $output == *"Usage:"* ]]
	local c
	for c in build images run ps logs stop kill rm rmi tag inspect import version; do
		[[ $output =~ $'\n'\ +$c\ + ]] || { echo "missing command $c"; return 1; }
	done
}

@test "every command has --help with a Usage line, exit 0" {
	local c
	for c in build images run ps logs stop kill rm rmi tag inspect import version; do
		run hull "$c" --help
		[ "$status" -eq 0 ] || { echo "$c --help: status $status"; return 1; }
		[[ ${lines[0]} == "Usage:  hull $c"* ]] || { echo "$c: ${lines[0]}"; return 1; }
	done
}

@test "command help shows its flags" {
	run hull run --help
	[ "$status" -eq 0 ]
	for f in --detach --entrypoint --env --interactive --name --network --publish --rm --user --workdir; do
		[[ $output == *"$f"* ]] || { echo "run --help lacks $f"; return 1; }
	done
	run hull ps --help
	[[ $output == *"--all"* && $output == *"--quiet"* ]]
	run hull build --help
	[[ $output == *"--tag"* && $output == *"--file"* && $output == *"--no-cache"* && $output == *"--build-arg"* ]]
}

@test "unknown global flag exits 125" {
	run hull --bogus
	[ "$status" -eq 125 ]
	[[ $output == *"unknown flag: --bogus"* ]]
}

@test "unknown command exits 125" {
	run hull bogus
	[ "$status" -eq 125 ]
	[[ $output == *"'bogus' is not a hull command"* ]]
}

@test "unknown flag of a command exits 125 and points to its help" {
	local c
	for c in run ps images build logs stop kill rm rmi inspect; do
		run hull "$c" --bogus
		[ "$status" -eq 125 ] || { echo "$c: status $status"; return 1; }
		[[ $output == *"unknown flag: --bogus"* ]] || { echo "$c: $output"; return 1; }
		[[ $output == *"hull $c --help"* ]] || { echo "$c: $output"; return 1; }
	done
}

@test "unknown short flag of run exits 125" {
	run hull run -Z busybox true
	[ "$status" -eq 125 ]
}

@test "management commands: image ls and container ls" {
	run hull image ls
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == REPOSITORY* ]]
	[[ $output == *busybox* ]]
	run hull container ls -a
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "CONTAINER ID"* ]]
}

@test "HULL_ROOT selects the store" {
	local other=$BATS_TEST_TMPDIR/other
	mkdir -p "$other/root" "$other/run"
	run env HULL_ROOT="$other/root" HULL_RUNROOT="$other/run" "$HULL" images -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run hull images -q
	[ "$status" -eq 0 ]
	[ -n "$output" ]
}

@test "--root or --runroot without a value: docker's words for a global flag, 125" {
	run -125 hull --root
	[ "${lines[0]}" = "hull: flag needs an argument: --root" ]
	[ "${lines[1]}" = "See 'hull --help'." ]
	run -125 hull --runroot
	[ "${lines[0]}" = "hull: flag needs an argument: --runroot" ]
}

@test "--root and --runroot override the environment" {
	local other=$BATS_TEST_TMPDIR/other
	mkdir -p "$other/root" "$other/run"
	run hull --root "$other/root" --runroot "$other/run" images -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# an image imported with --root lands in that root only
	tar -C "$BATS_TEST_TMPDIR" -cf "$BATS_TEST_TMPDIR/empty.tar" --files-from /dev/null
	run hull --root "$other/root" --runroot "$other/run" import "$BATS_TEST_TMPDIR/empty.tar" onlyother
	[ "$status" -eq 0 ]
	run hull --root "$other/root" --runroot "$other/run" images
	[[ $output == *onlyother* ]]
	run hull images
	[[ $output != *onlyother* ]]
	[ -d "$other/root" ] && [ -n "$(ls -A "$other/root")" ]
}

@test "--runroot holds the runtime state of a running container" {
	local other=$BATS_TEST_TMPDIR/rr
	mkdir -p "$other"
	run hull --runroot "$other" run -d --name rrtest busybox sleep 30
	[ "$status" -eq 0 ]
	[ -n "$(ls -A "$other")" ]
	run hull --runroot "$other" rm -f rrtest
	[ "$status" -eq 0 ]
}

@test "the default store is not touched when HULL_ROOT is set" {
	local before after
	before=$( (test -e /var/lib/hull && echo y; ls -A /var/lib/hull 2>/dev/null) | md5sum)
	run hull images
	[ "$status" -eq 0 ]
	run hull run --rm busybox true
	[ "$status" -eq 0 ]
	after=$( (test -e /var/lib/hull && echo y; ls -A /var/lib/hull 2>/dev/null) | md5sum)
	[ "$before" = "$after" ]
}

@test "an empty --root or --runroot is refused, never the default store" {
	run hull --root '' images
	[ "$status" -eq 125 ]
	[[ $output == *"may not be empty"* ]]
	run hull --runroot= ps
	[ "$status" -eq 125 ]
}

@test "errors of commands other than run exit 1, as docker's daemon errors" {
	run hull logs nosuch
	[ "$status" -eq 1 ]
	[[ $output == *"No such container: nosuch"* ]]
	run hull tag nosuch x
	[ "$status" -eq 1 ]
	run hull run --rm nosuchimage
	[ "$status" -eq 125 ]
}
