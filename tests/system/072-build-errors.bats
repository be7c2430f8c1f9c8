#!/usr/bin/env bats
# hull build: every rejected Dockerfile gives one "Dockerfile:LINE:" error, exit 1,
# and leaves no container or temporary directory behind.
load helpers

# build_fails LINE TEXT-PATTERN DOCKERFILE-TEXT
build_fails() {
	local d
	d=$(ctx_dir)
	printf '%s\n' "$3" > "$d/Dockerfile"
	echo hi > "$d/file"
	run hull build -q "$d"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"Dockerfile:$1"*$2* ]]
	[ "$(ls -A "$HULL_ROOT/tmp" 2>/dev/null | wc -l)" -eq 0 ]
	# no container (names.lock is the store's names lock, .names its index), nor a name
	[ -z "$(ls -A "$HULL_ROOT/containers" 2>/dev/null | grep -vx -e names.lock -e .names)" ]
	[ -z "$(ls -A "$HULL_ROOT/containers/.names" 2>/dev/null)" ]
}

@test "build errors: unknown instruction" {
	build_fails 2 "unknown instruction: BOGUS" $'FROM busybox\nBOGUS x'
}

@test "build errors: a blank LABEL or ENV name, before any step runs (BuildKit's words)" {
	build_fails 3 "LABEL names can not be blank" $'FROM busybox\nRUN echo STEP-RAN\nLABEL =x'
	[[ $output != *STEP-RAN* ]]
	build_fails 2 "ENV names can not be blank" $'FROM busybox\nENV =x'
}

@test "build errors: bad flag on an instruction" {
	build_fails 2 "unknown flag: nope" $'FROM busybox\nCOPY --nope=1 file /x'
}

@test "build errors: missing stage or image" {
	# neither a stage nor in the store: pulled, which fails here (tests reach no registry)
	build_fails 2 "invalid from flag value nostage: " $'FROM busybox\nCOPY --from=nostage /x /y'
	build_fails 1 "FROM: get manifest '*/library/nothere:latest'" 'FROM nothere'
}

@test "build errors: source outside the context, no such file" {
	build_fails 2 "outside the build context" $'FROM busybox\nCOPY ../x /x'
	build_fails 2 "file not found" $'FROM busybox\nCOPY missing /x'
	build_fails 2 "matched nothing" $'FROM busybox\nCOPY *.none /x/'
}

@test "build errors: unterminated heredoc" {
	build_fails 2 "unterminated heredoc" $'FROM busybox\nRUN <<EOF\necho x'
}

@test "build errors: a NUL byte in a line refuses the file, never cuts the line short" {
	d=$(ctx_dir)
	printf 'FROM busybox\nRUN echo a\0b; exit 3\n' > "$d/Dockerfile"
	run hull build -q "$d"
	[ "$status" -eq 1 ]
	[[ $output == *"Dockerfile:2: NUL byte in line: not supported"* ]]
	# a comment is dropped whole
	printf 'FROM busybox\n# a\0b\nRUN true\n' > "$d/Dockerfile"
	run hull build -q "$d"
	[ "$status" -eq 0 ]
}

@test "build errors: a failing RUN shows the command and its code" {
	build_fails 3 "'exit 7' returned a non-zero code: 7" $'FROM busybox\nENV A=1\nRUN exit 7'
}

@test "build errors: bad JSON in exec form falls back to shell form" {
	d=$(ctx_dir)
	printf 'FROM busybox\nCMD ["echo", hi]\n' > "$d/Dockerfile"
	hull build -q -t er-json "$d"
	run hull inspect er-json --format '{{json .Config.Cmd}}'
	[ "$output" = '["/bin/sh","-c","[\"echo\", hi]"]' ]
}

@test "build errors: instruction argument checks" {
	build_fails 1 "no build stage in current context" 'RUN true'
	build_fails 2 "Invalid signal" $'FROM busybox\nSTOPSIGNAL NOPE'
	build_fails 2 "invalid containerPort" $'FROM busybox\nEXPOSE 99999'
	build_fails 2 "ONBUILD ONBUILD" $'FROM busybox\nONBUILD ONBUILD RUN true'
	build_fails 2 "FROM isn't allowed as an ONBUILD trigger" $'FROM busybox\nONBUILD FROM busybox'
	build_fails 2 "HEALTHCHECK NONE takes no arguments" $'FROM busybox\nHEALTHCHECK --retries=1 NONE'
	build_fails 2 "more than one source file" $'FROM busybox\nCOPY file Dockerfile /x'
	build_fails 2 "invalid chmod parameter" $'FROM busybox\nCOPY --chmod=999 file /x'
	build_fails 2 "unable to find user nobody2" $'FROM busybox\nCOPY --chown=nobody2 file /x'
	build_fails 2 "duplicate stage name" $'FROM busybox AS a\nFROM busybox AS a'
}
