#!/usr/bin/env bats
# CMD, ENTRYPOINT, SHELL and the container's argv: the rows of
# /work/shared/spec/cmd-entrypoint.md section 8 that can run against busybox.
# /bin/argv is a script that prints its argv as [a][b]...; its $0 is the path
# it was executed by. Where a row needs the exact argv (argv[0] as passed to
# execve, the PID), /bin/jargv is the spec's static C printer
# (tests/system/progs/argv.c): {"pid":N,"argv":[...]}.

load helpers

setup_file() {
	hull_setup_file
	local d=$BATS_FILE_TMPDIR/bases
	mkdir -p "$d"
	printf '#!/bin/sh\nfor a in "$0" "$@"; do printf "[%%s]" "$a"; done; echo\n' > "$d/argv"
	chmod 755 "$d/argv"
	gcc -static -O2 -o "$d/jargv" "$BATS_TEST_DIRNAME/progs/argv.c" || return 1
	printf 'FROM busybox\nCOPY argv jargv /bin/\n' > "$d/D.base"
	printf 'FROM base\nCMD ["/bin/argv","base-cmd"]\n' > "$d/D.withcmd"
	printf 'FROM base\nENTRYPOINT ["/bin/argv","base-ep"]\nCMD ["base-cmd-arg"]\n' > "$d/D.withep"
	printf 'FROM base\nSHELL ["/bin/argv","-x"]\n' > "$d/D.withshell"
	local b
	for b in base withcmd withep withshell; do
		"$HULL" build -q -t "$b" -f "$d/D.$b" "$d" >/dev/null || return 1
	done
}

# img TAG: build the Dockerfile read from stdin as TAG (output in $output)
img() {
	local d
	d=$(mktemp -d "$BATS_TEST_TMPDIR/ctx.XXXXXX")
	cat > "$d/Dockerfile"
	run hull build -q -t "$1" "$d"
}

cmd_of() { hull inspect --format '{{json .Config.Cmd}}' "$1"; }
ep_of() { hull inspect --format '{{json .Config.Entrypoint}}' "$1"; }

# argv_of NAME: Path and Args of a container, as JSON
argv_of() { hull inspect --format '{{json .Path}} {{json .Args}}' "$1"; }

@test "row 1: exec-form CMD" {
	img r1 <<'X'
FROM base
CMD ["/bin/argv","a"]
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r1)" = '["/bin/argv","a"]' ]
	run hull run --rm r1
	[ "$output" = "[/bin/argv][a]" ]
}

@test "row 2: shell-form CMD stored as /bin/sh -c, the shell splits it" {
	img r2 <<'X'
FROM base
CMD   /bin/argv a  b   "c d"  
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r2)" = '["/bin/sh","-c","/bin/argv a  b   \"c d\""]' ]
	run hull run --rm r2
	[ "$output" = "[/bin/argv][a][b][c d]" ]
}

@test "row 3: single quotes are not JSON: shell form, exit 127" {
	img r3 <<'X'
FROM base
CMD ['/bin/argv','a']
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r3)" = "[\"/bin/sh\",\"-c\",\"['/bin/argv','a']\"]" ]
	run -127 hull run --rm r3
	[[ $output == *"not found"* ]]
}

@test "row 4: a trailing comma is not JSON: shell form" {
	img r4 <<'X'
FROM base
CMD ["/bin/argv","a",]
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r4)" = '["/bin/sh","-c","[\"/bin/argv\",\"a\",]"]' ]
}

@test "row 5: non-string JSON elements fail the build" {
	img r5 <<'X'
FROM base
CMD [1, 2]
X
	[ "$status" -ne 0 ]
	[[ $output == *"arrays must be comprised of strings only"* ]]
	[[ $output == *"Dockerfile:2"* ]]
}

@test "row 6: null in the JSON array fails the build" {
	img r6 <<'X'
FROM base
CMD ["/bin/argv", null]
X
	[ "$status" -ne 0 ]
	[[ $output == *"arrays must be comprised of strings only"* ]]
}

@test "row 7: JSON escapes, empty elements and literal \$HOME" {
	img r7 <<'X'
FROM base
CMD ["/bin/argv","a\tb","c\"d","\u0041\\z","","$HOME"]
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r7)" = '["/bin/argv","a\tb","c\"d","A\\z","","$HOME"]' ]
	run hull run --rm r7
	[ "$output" = "[/bin/argv][a	b][c\"d][A\\z][][\$HOME]" ]
}

@test "row 8: JSON followed by a comment is shell form (BuildKit)" {
	img r8 <<'X'
FROM base
CMD ["/bin/argv"] # trailing comment
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r8)" = '["/bin/sh","-c","[\"/bin/argv\"] # trailing comment"]' ]
}

@test "row 9: JSON followed by text is shell form (BuildKit)" {
	img r9 <<'X'
FROM base
CMD ["/bin/argv"]x
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r9)" = '["/bin/sh","-c","[\"/bin/argv\"]x"]' ]
}

@test "row 10: a quoted shell-form CMD: exit 127" {
	img r10 <<'X'
FROM base
CMD "/bin/argv a"
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r10)" = '["/bin/sh","-c","\"/bin/argv a\""]' ]
	run -127 hull run --rm r10
}

@test "rows 11/12: CMD [] clears an inherited CMD; run exits 125" {
	img r11 <<'X'
FROM withcmd
CMD []
X
	[ "$status" -eq 0 ]
	# hull follows BuildKit: CMD [] is stored as null (row 12), not [] (row 11, classic)
	[ "$(cmd_of r11)" = null ]
	run hull run --rm r11
	[ "$status" -eq 125 ]
	[[ $output == *"no command specified"* ]]
}

@test "row 13: lower-case instruction and spaces inside JSON" {
	img r13 <<'X'
FROM base
cmd  [ "/bin/argv" ,  "a b" ]   
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r13)" = '["/bin/argv","a b"]' ]
	run hull run --rm r13
	[ "$output" = "[/bin/argv][a b]" ]
}

@test "rows 14/15: a bare CMD is sh -c \"\" (BuildKit): the container exits 0" {
	img r14 <<'X'
FROM withcmd
CMD
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r14)" = '["/bin/sh","-c",""]' ]
	[ "$(ep_of r14)" = null ]
	run hull run --rm r14
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "row 16: CMD --help me fails to build with unknown flag" {
	img r16 <<'X'
FROM base
CMD --help me
X
	[ "$status" -ne 0 ]
	[[ $output == *"unknown flag:"*help* ]]
	[[ $output == *"Dockerfile:2"* ]]
}

@test "row 16: the error text is docker's: unknown flag: help" {
	img r16b <<'X'
FROM base
CMD --help me
X
	[ "$status" -ne 0 ]
	[[ $output == *"unknown flag: help"* ]]
}

@test "row 17: CMD -- --help me is shell form" {
	img r17 <<'X'
FROM base
CMD -- --help me
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r17)" = '["/bin/sh","-c","--help me"]' ]
}

@test "row 18: continuation lines and a comment line inside" {
	img r18 <<'X'
FROM base
CMD /bin/argv a\
    b \
  # comment
c
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r18)" = '["/bin/sh","-c","/bin/argv a    b c"]' ]
	run hull run --rm r18
	[ "$output" = "[/bin/argv][a][b][c]" ]
}

@test "row 19: escape=\` leaves JSON escapes alone" {
	img r19 <<'X'
# escape=`
FROM base
CMD ["/bin/argv", "C:\\dir\\", `
     "x\ty"]
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r19)" = '["/bin/argv","C:\\dir\\","x\ty"]' ]
}

@test "row 20: escape=\` keeps backslashes literal in shell form" {
	img r20 <<'X'
# escape=`
FROM base
CMD /bin/argv a\b `
  c\
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r20)" = '["/bin/sh","-c","/bin/argv a\\b   c\\"]' ]
}

@test "row 21: JSON split over lines without continuation fails" {
	img r21 <<'X'
FROM base
CMD ["/bin/argv",
     "a"]
X
	[ "$status" -ne 0 ]
	[[ $output == *'unknown instruction: "A"]'* ]] || [[ $output == *'unknown instruction: "a"]'* ]]
	[[ $output == *"Dockerfile:3"* ]]
}

@test "row 22: JSON split over lines with continuation" {
	img r22 <<'X'
FROM base
CMD ["/bin/argv", \
     "a"]
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r22)" = '["/bin/argv","a"]' ]
}

@test "row 23: CMD with a heredoc fails to build" {
	img r23 <<'X'
FROM base
CMD <<EOT
echo hi
EOT
X
	[ "$status" -ne 0 ]
}

@test "rows 24/25: shell-form ENTRYPOINT ignores CMD and run args, but they are appended to Args" {
	img r24 <<'X'
FROM base
ENTRYPOINT /bin/argv ep
CMD ["cmdarg"]
X
	[ "$status" -eq 0 ]
	[ "$(ep_of r24)" = '["/bin/sh","-c","/bin/argv ep"]' ]
	run hull run --name c24 r24
	[ "$output" = "[/bin/argv][ep]" ]
	[ "$(argv_of c24)" = '"/bin/sh" ["-c","/bin/argv ep","cmdarg"]' ]
	run hull run --name c25 r24 r1 r2
	[ "$output" = "[/bin/argv][ep]" ]
	[ "$(argv_of c25)" = '"/bin/sh" ["-c","/bin/argv ep","r1","r2"]' ]
	hull rm c24 c25
}

@test "row 26: exec ENTRYPOINT takes a shell-form CMD as arguments" {
	img r26 <<'X'
FROM base
ENTRYPOINT ["/bin/argv","ep"]
CMD echo hi
X
	[ "$status" -eq 0 ]
	run hull run --rm r26
	[ "$output" = "[/bin/argv][ep][/bin/sh][-c][echo hi]" ]
}

@test "row 27: withep, no args" {
	run hull run --name c27 withep
	[ "$output" = "[/bin/argv][base-ep][base-cmd-arg]" ]
	[ "$(argv_of c27)" = '"/bin/argv" ["base-ep","base-cmd-arg"]' ]
	hull rm c27
}

@test "row 28: exec-form ENTRYPOINT keeps its command and takes the run args" {
	run hull run --name c28 withep x y
	[ "$output" = "[/bin/argv][base-ep][x][y]" ]
	[ "$(argv_of c28)" = '"/bin/argv" ["base-ep","x","y"]' ]
	run hull inspect --format '{{json .Config.Cmd}} {{json .Config.Entrypoint}}' c28
	[ "$output" = '["x","y"] ["/bin/argv","base-ep"]' ]
	hull rm c28
}

@test "row 29: ENTRYPOINT clears an inherited CMD" {
	img r29 <<'X'
FROM withcmd
ENTRYPOINT ["/bin/argv","ep"]
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r29)" = null ]
	run hull run --rm r29
	[ "$output" = "[/bin/argv][ep]" ]
}

@test "row 30: a CMD of the same stage survives ENTRYPOINT, order irrelevant" {
	img r30 <<'X'
FROM withcmd
CMD ["keep"]
ENTRYPOINT ["/bin/argv","ep"]
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r30)" = '["keep"]' ]
	run hull run --rm r30
	[ "$output" = "[/bin/argv][ep][keep]" ]
}

@test "row 31: the last CMD and the last ENTRYPOINT win" {
	img r31 <<'X'
FROM base
CMD ["/bin/argv","first"]
CMD ["/bin/argv","second"]
ENTRYPOINT ["/bin/argv","ep1"]
ENTRYPOINT ["/bin/argv","ep2"]
X
	[ "$status" -eq 0 ]
	run hull run --rm r31
	[ "$output" = "[/bin/argv][ep2][/bin/argv][second]" ]
}

@test "row 32: a stage inherits the CMD of the stage it is built FROM" {
	img r32 <<'X'
FROM withcmd AS a
FROM a
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r32)" = '["/bin/argv","base-cmd"]' ]
	run hull run --rm r32
	[ "$output" = "[/bin/argv][base-cmd]" ]
}

@test "row 33: ENTRYPOINT in a middle stage clears CMD for later stages" {
	img r33 <<'X'
FROM withcmd AS a
FROM a AS c
ENTRYPOINT ["/bin/argv","ep"]
FROM c
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r33)" = null ]
	[ "$(ep_of r33)" = '["/bin/argv","ep"]' ]
	run hull run --rm r33
	[ "$output" = "[/bin/argv][ep]" ]
}

@test "row 34/35: ENTRYPOINT [] clears both; run exits 125 or runs the args" {
	img r34 <<'X'
FROM withep
ENTRYPOINT []
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r34)" = null ]
	run ep_of r34
	[[ $output == null || $output == "[]" ]]
	run hull run --rm r34
	[ "$status" -eq 125 ]
	[[ $output == *"no command specified"* ]]
	run hull run --rm r34 /bin/argv x
	[ "$status" -eq 0 ]
	[ "$output" = "[/bin/argv][x]" ]
}

@test "row 36: a bare ENTRYPOINT is sh -c \"\" and clears CMD (BuildKit): exit 0" {
	img r36 <<'X'
FROM withep
ENTRYPOINT
X
	[ "$status" -eq 0 ]
	[ "$(ep_of r36)" = '["/bin/sh","-c",""]' ]
	[ "$(cmd_of r36)" = null ]
	run hull run --rm r36
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	# run args become sh's $0 and are ignored
	run hull run --rm r36 /bin/argv x
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "row 37/38: ENTRYPOINT [\"\"]: run exits 125; with args the empty entrypoint is dropped" {
	img r37 <<'X'
FROM withcmd
ENTRYPOINT [""]
X
	[ "$status" -eq 0 ]
	[ "$(ep_of r37)" = '[""]' ]
	[ "$(cmd_of r37)" = null ]
	run hull run --rm r37
	[ "$status" -eq 125 ]
	[[ $output == *"no command specified"* ]]
	run hull run --rm r37 /bin/argv x
	[ "$status" -eq 0 ]
	[ "$output" = "[/bin/argv][x]" ]
}

@test "row 39: ENTRYPOINT with CMD []" {
	img r39 <<'X'
FROM base
ENTRYPOINT ["/bin/argv"]
CMD []
X
	[ "$status" -eq 0 ]
	run hull run --rm r39
	[ "$output" = "[/bin/argv]" ]
}

@test "row 40: sh -c ENTRYPOINT with \$0 and CMD as positional args" {
	img r40 <<'X'
FROM base
ENTRYPOINT ["/bin/sh","-c","echo \"[$0] [$*]\"","zero"]
CMD ["one","two"]
X
	[ "$status" -eq 0 ]
	run hull run --rm r40
	[ "$output" = "[zero] [one two]" ]
	run hull run --rm r40 x y
	[ "$output" = "[zero] [x y]" ]
}

@test "row 41: SHELL applies to a later shell-form CMD" {
	img r41 <<'X'
FROM base
SHELL ["/bin/argv","-x"]
CMD echo   hi $HOME
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r41)" = '["/bin/argv","-x","echo   hi $HOME"]' ]
	run hull run --rm r41
	[ "$output" = '[/bin/argv][-x][echo   hi $HOME]' ]
}

@test "row 42: SHELL applies to a later shell-form ENTRYPOINT" {
	img r42 <<'X'
FROM base
SHELL ["/bin/argv","-x"]
ENTRYPOINT echo ep
X
	[ "$status" -eq 0 ]
	[ "$(ep_of r42)" = '["/bin/argv","-x","echo ep"]' ]
}

@test "row 43: SHELL is not retroactive" {
	img r43 <<'X'
FROM base
CMD echo hi
SHELL ["/bin/argv","-x"]
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r43)" = '["/bin/sh","-c","echo hi"]' ]
	run hull run --rm r43
	[ "$output" = hi ]
}

@test "row 44: SHELL is inherited from the base image" {
	img r44 <<'X'
FROM withshell
CMD inherited shell
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r44)" = '["/bin/argv","-x","inherited shell"]' ]
}

@test "SHELL also applies to RUN" {
	img rrun <<'X'
FROM base
SHELL ["/bin/sh","-c","echo \"$0\" > /shell-arg","x"]
RUN ignored words
CMD ["cat","/shell-arg"]
X
	[ "$status" -eq 0 ]
	run hull run --rm rrun
	[ "$output" = x ]
}

@test "row 45: SHELL in shell form fails to build" {
	img r45 <<'X'
FROM base
SHELL /bin/bash -c
X
	[ "$status" -ne 0 ]
	[[ $output == *"SHELL requires the arguments to be in JSON form"* ]]
}

@test "row 46: SHELL [] fails to build" {
	img r46 <<'X'
FROM base
SHELL []
X
	[ "$status" -ne 0 ]
	[[ $output == *"SHELL requires at least one argument"* ]]
}

@test "row 47: exec-form CMD is stored and passed literally" {
	img r47 <<'X'
FROM base
ENV FOO=bar
ARG BAZ=qux
CMD ["/bin/argv","$FOO","${BAZ}","$HOME"]
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r47)" = '["/bin/argv","$FOO","${BAZ}","$HOME"]' ]
	run hull run --rm r47
	[ "$output" = '[/bin/argv][$FOO][${BAZ}][$HOME]' ]
}

@test "rows 48/49: shell-form ENTRYPOINT expands at run time; the ARG is gone; \$0 is the first CMD element" {
	img r48 <<'X'
FROM base
ENV FOO=bar
ARG BAZ=qux
CMD ["/bin/argv","$FOO","${BAZ}","$HOME"]
ENTRYPOINT /bin/argv $FOO ${BAZ} $HOME "$0"
X
	[ "$status" -eq 0 ]
	[ "$(ep_of r48)" = '["/bin/sh","-c","/bin/argv $FOO ${BAZ} $HOME \"$0\""]' ]
	run hull run --rm r48
	[ "$output" = "[/bin/argv][bar][/root][/bin/argv]" ]
	run hull run --rm r48 zero-arg
	[ "$output" = "[/bin/argv][bar][/root][zero-arg]" ]
}

@test "row 50: run args replace an exec-form CMD" {
	run hull run --name c50 withcmd /bin/argv override
	[ "$output" = "[/bin/argv][override]" ]
	[ "$(argv_of c50)" = '"/bin/argv" ["override"]' ]
	hull rm c50
}

@test "row 51: --entrypoint drops the image CMD" {
	run hull run --name c51 --entrypoint /bin/argv withep
	[ "$output" = "[/bin/argv]" ]
	[ "$(argv_of c51)" = '"/bin/argv" []' ]
	run hull inspect --format '{{json .Config.Cmd}}' c51
	[ "$output" = null ]
	hull rm c51
}

@test "row 52: --entrypoint with run args" {
	run hull run --rm --entrypoint /bin/argv withep x y
	[ "$output" = "[/bin/argv][x][y]" ]
}

@test "--entrypoint echo IMAGE replaced prints replaced" {
	run hull run --rm --entrypoint echo withep replaced
	[ "$status" -eq 0 ]
	[ "$output" = replaced ]
}

@test "row 53: withep --entrypoint \"\": exit 125" {
	run hull run --rm --entrypoint "" withep
	[ "$status" -eq 125 ]
	[[ $output == *"no command specified"* ]]
}

@test "row 54: withcmd --entrypoint \"\": exit 125, the image CMD is not used" {
	run hull run --rm --entrypoint "" withcmd
	[ "$status" -eq 125 ]
	[[ $output == *"no command specified"* ]]
}

@test "row 55: --entrypoint= with args; container Entrypoint null" {
	run hull run --name c55 --entrypoint= withep /bin/argv x
	[ "$output" = "[/bin/argv][x]" ]
	run hull inspect --format '{{json .Config.Entrypoint}}' c55
	[ "$output" = null ]
	hull rm c55
}

@test "row 56: --entrypoint with a space is one path: exit 127" {
	run -127 hull run --rm --entrypoint "/bin/argv x" withep
	[[ $output == *'exec: "/bin/argv x": stat /bin/argv x: no such file or directory'* ]]
}

@test "row 57: --entrypoint JSON text is a literal path (Docker): exit 127" {
	run -127 hull run --rm --entrypoint '["/bin/argv","x"]' withep
}

@test "row 61: -- after the image is passed on" {
	run hull run --rm withep -- x
	[ "$output" = "[/bin/argv][base-ep][--][x]" ]
}

@test "row 62: flags after the image are the container's" {
	run hull run --rm withep --rm x
	[ "$output" = "[/bin/argv][base-ep][--rm][x]" ]
}

@test "row 63: base, no args: exit 125" {
	run hull run --rm base
	[ "$status" -eq 125 ]
	[[ $output == *"no command specified"* ]]
}

@test "row 64: base nonexist: exit 127" {
	run -127 hull run --rm base nonexist
	[[ $output == *'exec: "nonexist": executable file not found in $PATH'* ]]
}

@test "row 65: base /etc: exit 126" {
	run -126 hull run --rm base /etc
}

@test "row 66: a 644 file: exit 126, permission denied" {
	img r66 <<'X'
FROM base
RUN printf '#!/bin/sh\necho no\n' > /bin/noexec.sh && chmod 644 /bin/noexec.sh
X
	[ "$status" -eq 0 ]
	run -126 hull run --rm r66 /bin/noexec.sh
	[[ $output == *"permission denied"* ]]
}

@test "row 67: base /nonexistent/path: exit 127" {
	run -127 hull run --rm base /nonexistent/path
	[[ $output == *"no such file or directory"* ]]
}

@test "row 68: base \"\": exit 127" {
	run -127 hull run --rm base ""
	[[ $output == *'exec: ""'* ]]
}

@test "rows 69/70: exit 3 and exit 300" {
	run -3 hull run --rm base sh -c 'exit 3'
	run -44 hull run --rm base sh -c 'exit 300'
}

@test "row 71: an unknown flag exits 125" {
	run -125 hull run --foo base
}

@test "row 72: an executable without a shebang: the container starts, exit 1" {
	img r72 <<'X'
FROM base
RUN printf 'hello\n' > /noshebang && chmod 755 /noshebang
X
	[ "$status" -eq 0 ]
	run -1 hull run --rm r72 /noshebang
	[[ $output == *"exec /noshebang: exec format error"* ]]
}

@test "row 73: a missing interpreter: exit 1, no such file or directory" {
	img r73 <<'X'
FROM base
RUN printf '#!/bin/bash\necho hi\n' > /badinterp.sh && chmod 755 /badinterp.sh
X
	[ "$status" -eq 0 ]
	run -1 hull run --rm r73 /badinterp.sh
	[[ $output == *"exec /badinterp.sh: no such file or directory"* ]]
}

@test "row 74: -w /bin ./argv keeps argv[0] as written" {
	run hull run --name c74 -w /bin base ./argv rel
	[ "$output" = "[./argv][rel]" ]
	[ "$(argv_of c74)" = '"./argv" ["rel"]' ]
	hull rm c74
	# what execve really passed, seen by a C program
	run hull run --rm -w /bin base ./jargv rel
	[[ $output == *'"argv":["./jargv","rel"]}' ]]
}

@test "row 75: a bare name is looked up in the container's PATH, argv[0] kept" {
	run hull run --rm -e PATH=/usr/bin:/bin base jargv x
	[ "$status" -eq 0 ]
	[[ $output == *'"argv":["jargv","x"]}' ]]
}

@test "row 75: -e PATH=/nowhere argv: exit 127" {
	run -127 hull run --rm -e PATH=/nowhere base argv x
}

@test "row 78: sh -c 'kill -TERM \$\$' without init: exit 0" {
	run -0 hull run --rm base sh -c 'kill -TERM $$'
}

@test "row 81: stop of a TERM-trapping shell: exit 7" {
	hull run -d --name c81 base sh -c 'trap "exit 7" TERM; sleep 100 & wait'
	wait_for is_running c81
	sleep 0.2
	run hull stop c81
	[ "$status" -eq 0 ]
	[ "$(hull inspect --format '{{.State.ExitCode}}' c81)" = 7 ]
	hull rm c81
}

@test "row 84: STOPSIGNAL SIGFOO fails to build" {
	img r84 <<'X'
FROM base
STOPSIGNAL SIGFOO
X
	[ "$status" -ne 0 ]
	[[ $output == *"Invalid signal: SIGFOO"* ]]
}

@test "row 83: STOPSIGNAL expands an ARG" {
	img r83 <<'X'
FROM base
ARG SIG=SIGUSR1
STOPSIGNAL $SIG
X
	[ "$status" -eq 0 ]
	run hull inspect --format '{{.Config.StopSignal}}' r83
	[ "$output" = SIGUSR1 ]
}

@test "row 85: busybox sh execs the last command: it runs as PID 1" {
	img r85 <<'X'
FROM base
CMD /bin/jargv single; /bin/jargv second
X
	[ "$status" -eq 0 ]
	[ "$(cmd_of r85)" = '["/bin/sh","-c","/bin/jargv single; /bin/jargv second"]' ]
	run hull run --rm r85
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == '{"pid":'*',"argv":["/bin/jargv","single"]}' ]]
	[[ ${lines[0]} != '{"pid":1,'* ]]
	[ "${lines[1]}" = '{"pid":1,"argv":["/bin/jargv","second"]}' ]
}
