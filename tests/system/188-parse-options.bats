#!/usr/bin/env bats
# The option tables (src/cli/parse-options.h): every command's --help is made
# from the table its parser reads, so each flag --help lists is one the parser
# takes; docker's help of the management commands; docker's (pflag's, cobra's)
# usage errors and exit codes (125 for a flag, 1 for an argument count); pflag's
# short forms (-e=X=y, -d=false).

load helpers

# the command names of a help's "Management Commands:" and "Commands:" sections
help_commands() {
	awk '/^(Management )?Commands:$/ { on = 1; next } /^$/ { on = 0 } on { print $1 }'
}

# the long flags of a help's "Options:" section, as FLAG or FLAG=x when it takes a value
help_flags() {
	awk '/^(Global )?Options:$/ { on = 1; next } /^$/ { on = 0 }
	     on && /^  (-[a-zA-Z], )?--/ {
		for (i = 1; i <= NF; i++) if ($i ~ /^--/) break
		# a placeholder follows the flag on its line, before the column of help
		if ($(i + 1) != "" && substr($0, index($0, $i) + length($i), 2) == " " substr($(i + 1), 1, 1))
			print $i "=x"
		else
			print $i
	     }'
}

# check_flags N WORDS... FLAGS...: the N words of a command, then flags from its
# --help: each is one the parser takes. All at once first (--help last, so the
# parser reads every flag before it prints the help); when a flag's own check
# refuses its "x" (125, or 1 as a daemon would), the halves are checked apart,
# down to single flags: one that is unknown always ends in a call of its own
# or in one whose "unknown flag" error names it.
check_flags() {
	local n=$1 half
	shift
	local words=("${@:1:n}") flags=("${@:n+1}")
	[ ${#flags[@]} -gt 0 ] || return 0
	run hull "${words[@]}" "${flags[@]}" --help
	[[ $output != *"unknown flag"* && $output != *"unknown shorthand"* ]] ||
		{ echo "${words[*]} ${flags[*]}: $output"; return 1; }
	case $status in
	0) return 0 ;;
	1 | 125) [ ${#flags[@]} -gt 1 ] || return 0 ;;
	*) echo "${words[*]} ${flags[*]}: $status: $output"; return 1 ;;
	esac
	half=$((${#flags[@]} / 2))
	check_flags "$n" "${words[@]}" "${flags[@]:0:half}" &&
		check_flags "$n" "${words[@]}" "${flags[@]:half}"
}

# @cmd (words) --help: exit 0, docker's Usage line; then each flag it lists is
# known. The help is left in $HELP.
check_help() {
	run -0 hull "$@" --help
	HELP=$output
	# "image ls" is "images": its usage names the command that runs
	[[ ${lines[0]} == "Usage:  hull $*"* || ${lines[0]} == "Usage:  hull ${*: -1}"* ||
		$output == *$'\nAliases:\n  '*"hull $*"* ]] || { echo "$*: ${lines[0]}"; return 1; }
	# shellcheck disable=SC2046 # one word a flag
	check_flags $# "$@" $(help_flags <<<"$output")
}

@test "every command's --help exits 0, and each flag it lists is one its parser takes" {
	local c s n=0
	run -0 hull --help
	local cmds
	cmds=$(help_commands <<<"$output")
	[ -n "$cmds" ]
	for c in $cmds; do
		# hull runtime keeps runc's command line, help and errors (299-runtime-cli.bats)
		[ "$c" != runtime ] || continue
		check_help "$c"
		n=$((n + 1))
		# a management command: the same for each of its subcommands
		for s in $(help_commands <<<"$HELP"); do
			check_help "$c" "$s"
		done
	done
	[ "$n" -gt 40 ]
}

@test "a flag --help lists is taken, one it does not list is unknown" {
	run -0 hull ps --help
	[[ $output == *"  -a, --all "* ]]
	run -0 hull ps --all=true -q
	run -125 hull ps --everything
	[ "${lines[0]}" = "hull: ps: unknown flag: --everything" ]
	[ "${lines[1]}" = "See 'hull ps --help'." ]
}

@test "management commands print docker's help, alone or with --help, and exit 0" {
	local g
	for g in image container system builder volume network; do
		run -0 hull "$g" --help
		[ "${lines[0]}" = "Usage:  hull $g COMMAND" ] || { echo "$g: ${lines[0]}"; return 1; }
		[[ $output == *$'\nCommands:\n'* ]]
		[[ $output == *"Run 'hull $g COMMAND --help' for more information on a command."* ]]
		run -0 hull "$g"
		[ "${lines[0]}" = "Usage:  hull $g COMMAND" ]
	done
	run -0 hull system --help
	[[ $output == *$'\n  prune       Remove unused data\n'* ]]
	run -0 hull image --help
	[[ $output == *$'\n  ls          List images\n'* ]]
	run -125 hull image bogus
	[[ $output == *"'image bogus' is not a hull command"* ]]
	run -125 hull volume --bogus
	[[ $output == *"unknown flag: --bogus"* ]]
}

@test "a subcommand's help names its aliases; the hidden names run it" {
	run -0 hull container ls --help
	[[ $output == *$'Aliases:\n  hull container ls, hull container list, hull container ps, hull ps'* ]]
	run -0 hull container list -q
	run -0 hull volume list -q
	run -0 hull image list -q
}

@test "unknown flags, missing values: docker's words, exit 125" {
	run -125 hull rm --forc x
	[ "${lines[0]}" = "hull: rm: unknown flag: --forc" ]
	run -125 hull ps -aZ
	[ "${lines[0]}" = "hull: ps: unknown shorthand flag: 'Z' in -Z" ]
	run -125 hull logs --tail
	[ "${lines[0]}" = "hull: logs: flag needs an argument: --tail" ]
	run -125 hull logs c -n
	[ "${lines[0]}" = "hull: logs: flag needs an argument: 'n' in -n" ]
	run -125 hull ps -n many
	[ "${lines[0]}" = "hull: ps: invalid argument \"many\" for \"-n, --last\" flag: strconv.ParseInt: parsing \"many\": invalid syntax" ]
	run -125 hull ps --quiet=maybe
	[ "${lines[0]}" = "hull: ps: invalid argument \"maybe\" for \"-q, --quiet\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax" ]
	run -125 hull volume create --label
	[[ $output == *"flag needs an argument: --label"* ]]
}

@test "argument counts: docker's words (cli/required.go), its usage, exit 1" {
	run -1 hull rm
	[ "${lines[0]}" = '"hull rm" requires at least 1 argument.' ]
	[ "${lines[1]}" = "See 'hull rm --help'." ]
	[ "${lines[2]}" = "Usage:  hull rm [OPTIONS] CONTAINER [CONTAINER...]" ]
	[ "${lines[3]}" = "Remove one or more containers" ]
	run -1 hull rename onlyone
	[ "${lines[0]}" = '"hull rename" requires exactly 2 arguments.' ]
	run -1 hull ps extra
	[ "${lines[0]}" = '"hull ps" accepts no arguments.' ]
	run -1 hull port a b c
	[ "${lines[0]}" = '"hull port" requires at least 1 and at most 2 arguments.' ]
	run -1 hull volume create a b
	[ "${lines[0]}" = '"hull volume create" requires at most 1 argument.' ]
	run -1 hull exec onlyone
	[ "${lines[0]}" = '"hull exec" requires at least 2 arguments.' ]
	run -1 hull network inspect
	[ "${lines[0]}" = '"hull network inspect" requires at least 1 argument.' ]
}

@test "pflag's short forms: -e=X=y is the value X=y, -d=false runs in the foreground" {
	run -0 hull run --rm -e=X=y -d=false busybox sh -c 'echo "[$X]"'
	# pflag's parseSingleShortArg: after "-e=", the value is all of "X=y"
	[ "$output" = "[y]" ]
	run -0 hull run --rm -eA=1 -e B=2 busybox sh -c 'echo "$A$B"'
	[ "$output" = "12" ]
	run -0 hull run --rm --env=C=3 busybox sh -c 'echo "$C"'
	[ "$output" = "3" ]
}

@test "options and arguments mix, except after run's image and after --" {
	run -0 hull run --name mixed busybox true
	run -0 hull inspect mixed --format '{{.Name}}'
	[ "$output" = "/mixed" ]
	run -0 hull rm mixed -f
	[ "$output" = "mixed" ]
	# after the image, --help is the container's own argument
	run -0 hull run --rm busybox echo --help -d
	[ "$output" = "--help -d" ]
	run -1 hull rm -- -f
	[[ $output == *"No such container: -f"* ]]
}

@test "a bool flag set false after being given is refused, never ignored" {
	run -125 hull run -d --detach=false --rm busybox true
	[[ $output == *"--detach=false after --detach: give the flag once"* ]]
	# where the flag sets a variable, false simply sets it: pflag's behaviour
	run -0 hull history -q --human=true -H=false busybox
}
