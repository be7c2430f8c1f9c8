#!/usr/bin/env bats
# hull build: git sources, as BuildKit's: ADD <git URL> in every form and a
# git URL as the build context, against bare repositories that the
# setup_file serves on 127.0.0.1 with git daemon (git://) and git
# http-backend (http://, once more behind basic auth); ssh goes through a
# GIT_SSH_COMMAND that runs git-upload-pack locally (no sshd).
load helpers

# The repository repo.git:
#   main     A (hello.txt "one", sub/inner.txt, bin/run.sh 0755, link -> hello.txt,
#            app/ a build context) then B (hello.txt "two")
#   v1       an annotated tag of A
#   dev      A then C (sub/inner.txt "inner dev")
#   withsub  A then a submodule lib at ../lib.git (lib.txt)
#   moving   a branch the cache test moves
setup_file() {
	hull_setup_file
	export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid
	export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid
	export GIT_AUTHOR_DATE=2001-02-03T04:05:06Z GIT_COMMITTER_DATE=2001-02-03T04:05:06Z
	export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
	export G=$BATS_FILE_TMPDIR/git GITROOT=$BATS_FILE_TMPDIR/git/repos
	export PW=s3cr3t-pw-77
	local w=$G/work
	mkdir -p "$GITROOT"
	git init -q -b main "$G/lib"
	echo lib > "$G/lib/lib.txt"
	git -C "$G/lib" add . && git -C "$G/lib" commit -qm lib
	git clone -q --bare "$G/lib" "$GITROOT/lib.git"

	git init -q -b main "$w"
	echo one > "$w/hello.txt"
	mkdir -p "$w/sub" "$w/bin" "$w/app"
	echo inner > "$w/sub/inner.txt"
	printf '#!/bin/sh\necho run\n' > "$w/bin/run.sh"
	chmod 755 "$w/bin/run.sh"
	ln -s hello.txt "$w/link"
	printf 'FROM busybox\nCOPY . /ctx\n' > "$w/app/Dockerfile"
	printf 'FROM busybox\nCOPY . /root-ctx\n' > "$w/app/Dockerfile.alt"
	printf 'secret.txt\n' > "$w/app/.dockerignore"
	echo s > "$w/app/secret.txt"
	echo k > "$w/app/keep.txt"
	git -C "$w" add . && git -C "$w" commit -qm A
	git -C "$w" tag -a v1 -m v1
	export COMMIT_A=$(git -C "$w" rev-parse HEAD)
	git -C "$w" checkout -q -b dev
	echo 'inner dev' > "$w/sub/inner.txt"
	git -C "$w" commit -qam C
	git -C "$w" checkout -q -b withsub main
	git -C "$w" -c protocol.file.allow=always submodule add -q "$GITROOT/lib.git" lib
	git -C "$w" config -f .gitmodules submodule.lib.url ../lib.git
	git -C "$w" add .gitmodules && git -C "$w" commit -qm sub
	git -C "$w" checkout -q -b moving main
	git -C "$w" checkout -q main
	echo two > "$w/hello.txt"
	git -C "$w" commit -qam B
	export COMMIT_B=$(git -C "$w" rev-parse HEAD)
	git clone -q --bare "$w" "$GITROOT/repo.git"

	# an ssh that runs the command git wants on the host here, in the
	# repositories' directory ($1): git-upload-pack 'repo.git' or '/repo.git'
	cat > "$G/fake-ssh" <<-'SH'
	#!/bin/sh
	root=$1
	for last; do :; done
	echo "$*" >> "$(dirname "$0")/ssh.log"
	cd "$root" && exec sh -c "$(printf %s "$last" | sed "s#'/#'#")"
	SH
	chmod 755 "$G/fake-ssh"

	start_server git "$G/git.port"
	start_server http "$G/http.port"
	# the one behind basic auth speaks protocol v0 only, as older servers
	GIT_SERVER_V0=1 start_server http "$G/auth.port" "hull:$PW"
	export GIT_PORT=$(cat "$G/git.port") HTTP_PORT=$(cat "$G/http.port") AUTH_PORT=$(cat "$G/auth.port")
}

# start_server MODE PORTFILE [USER:PASS]
start_server() {
	"$BATS_TEST_DIRNAME/git-server" "$1" "$GITROOT" "$2" ${3:+"$3"} 2>>"$G/server.log" 3>&- &
	echo $! >> "$G/pids"
	wait_for test -s "$2"
}

teardown_file() {
	[ -f "$G/pids" ] && kill $(cat "$G/pids") 2>/dev/null
	hull_teardown_file
}

# no_secret IMAGE: the password is nowhere in the image's saved form (config,
# history, uncompressed layers), where a file of the checkout is
no_secret() {
	hull save -o "$BATS_TEST_TMPDIR/img.tar" "$1"
	grep -qa 'inner' "$BATS_TEST_TMPDIR/img.tar"
	run grep -ca "$PW" "$BATS_TEST_TMPDIR/img.tar"
	[ "$output" = 0 ]
}

@test "build: ADD of git URLs: a branch over http, an annotated tag over git://, a subdir, --chown" {
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-DF
	FROM busybox
	ADD http://127.0.0.1:$HTTP_PORT/repo.git#main /main
	ADD git://127.0.0.1:$GIT_PORT/repo.git#v1 /tag/
	ADD --chown=1234:1234 git://127.0.0.1:$GIT_PORT/repo.git#dev:sub /sub
	DF
	run hull build -t git-add "$d"
	[ "$status" -eq 0 ]
	[[ $output == *"Fetching git://127.0.0.1:$GIT_PORT/repo.git at $COMMIT_A"* ]]
	run hull run --rm git-add sh -c 'cat /main/hello.txt /tag/hello.txt /sub/inner.txt; ls -A /main /sub | tr "\n" " "; echo; stat -c "%u:%g %a %n" /main/hello.txt /main/bin/run.sh /main/sub /sub /sub/inner.txt; readlink /main/link'
	[ "${lines[0]}" = two ]
	[ "${lines[1]}" = one ]
	[ "${lines[2]}" = "inner dev" ]
	# no .git: the checkout's files only
	[ "${lines[3]}" = "/main: app bin hello.txt link sub  /sub: inner.txt " ]
	[ "${lines[4]}" = "0:0 644 /main/hello.txt" ]
	[ "${lines[5]}" = "0:0 755 /main/bin/run.sh" ]
	[ "${lines[6]}" = "0:0 755 /main/sub" ]
	[ "${lines[7]}" = "1234:1234 755 /sub" ]
	[ "${lines[8]}" = "1234:1234 644 /sub/inner.txt" ]
	[ "${lines[9]}" = hello.txt ]
	run hull history --no-trunc --format '{{.CreatedBy}}' git-add
	[ "${lines[0]}" = "ADD --chown=1234:1234 git://127.0.0.1:$GIT_PORT/repo.git#dev:sub /sub # buildkit" ]
}

@test "build: ADD's query form and keep-git-dir: .git kept as BuildKit keeps it, credentials nowhere" {
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-DF
	FROM busybox
	ADD http://hull:$PW@127.0.0.1:$AUTH_PORT/repo.git?ref=dev&keep-git-dir=true /src
	ADD --keep-git-dir http://hull:$PW@127.0.0.1:$AUTH_PORT/repo.git?branch=dev&subdir=sub /s2
	ADD --keep-git-dir=false git://127.0.0.1:$GIT_PORT/repo.git?tag=v1 /s3
	DF
	hull build -q -t git-keep "$d"
	run hull run --rm git-keep sh -c 'cat /src/.git/HEAD; ls /src/.git/refs/heads; grep url /src/.git/config; ls /src/.git/FETCH_HEAD /s2/.git /s3/.git 2>&1 | wc -l; cat /src/sub/inner.txt; ls -A /s2; cat /src/.git/shallow'
	[ "${lines[0]}" = "$(git -C "$GITROOT/repo.git" rev-parse dev)" ]
	[ "${lines[1]}" = dev ]
	[ "${lines[2]}" = "	url = http://xxxxx:xxxxx@127.0.0.1:$AUTH_PORT/repo.git" ]
	[ "${lines[3]}" = 3 ]
	[ "${lines[4]}" = "inner dev" ]
	[ "${lines[5]}" = inner.txt ]
	[ "${lines[6]}" = "${lines[0]}" ]
	no_secret git-keep
	run hull history --no-trunc --format '{{.CreatedBy}}' git-keep
	[[ ${lines[1]} == "ADD --keep-git-dir http://xxxxx:xxxxx@127.0.0.1:$AUTH_PORT/"* ]]
	# the flag and the query disagree: BuildKit's error, before any fetch
	printf 'FROM busybox\nADD --keep-git-dir=false git://127.0.0.1:%s/repo.git?keep-git-dir=1 /x\n' "$GIT_PORT" > "$d/Dockerfile"
	run hull build -q "$d"
	[ "$status" -eq 1 ]
	[ "$output" = "hull: Dockerfile:2: inconsistent keep-git-dir configuration" ]
}

@test "build: ADD of a commit: shallow over git://, all fetched from a v0 server that refuses it; --checksum" {
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-DF
	FROM busybox
	ADD git://127.0.0.1:$GIT_PORT/repo.git#$COMMIT_A /a
	ADD http://hull:$PW@127.0.0.1:$AUTH_PORT/repo.git#$COMMIT_A /b
	ADD --checksum=${COMMIT_B:0:12} git://127.0.0.1:$GIT_PORT/repo.git /c
	ADD git://127.0.0.1:$GIT_PORT/repo.git?tag=v1&checksum=$COMMIT_A /d
	DF
	hull build -q -t git-sha "$d"
	run hull run --rm git-sha cat /a/hello.txt /b/hello.txt /c/hello.txt /d/hello.txt
	[ "$output" = "$(printf 'one\none\ntwo\none')" ]
	printf 'FROM busybox\nADD --checksum=deadbeef git://127.0.0.1:%s/repo.git#main /x\n' "$GIT_PORT" > "$d/Dockerfile"
	run hull build -q "$d"
	[ "$status" -eq 1 ]
	[ "$output" = "hull: Dockerfile:2: ADD: fetch 'git://127.0.0.1:$GIT_PORT/repo.git': expected checksum to match deadbeef, got $COMMIT_B" ]
}

@test "build: a git ADD is cached by the commit its ref resolves to" {
	d=$(ctx_dir)
	printf 'FROM busybox\nADD git://127.0.0.1:%s/repo.git#moving /m\n' "$GIT_PORT" > "$d/Dockerfile"
	hull build -q -t git-cache "$d"
	run hull build -t git-cache "$d"
	[ "$status" -eq 0 ]
	[[ $output == *"Using cache"* ]]
	[[ $output != *Fetching* ]]
	# the branch moves: a new commit, a new layer
	w=$BATS_TEST_TMPDIR/w
	git clone -q -b moving "$GITROOT/repo.git" "$w"
	echo moved > "$w/hello.txt"
	git -C "$w" commit -qam moved
	git -C "$w" push -q origin moving
	run hull build -t git-cache "$d"
	[ "$status" -eq 0 ]
	[[ $output == *"Fetching git://127.0.0.1:$GIT_PORT/repo.git at $(git -C "$w" rev-parse HEAD)"* ]]
	run hull run --rm git-cache cat /m/hello.txt
	[ "$output" = moved ]
}

@test "build: a bad ref, a missing or unreachable repository fail with one line naming URL and line" {
	d=$(ctx_dir)
	printf 'FROM busybox\nADD http://hull:%s@127.0.0.1:%s/repo.git#nope /x\n' "$PW" "$AUTH_PORT" > "$d/Dockerfile"
	run hull build -q "$d"
	[ "$status" -eq 1 ]
	[ "$output" = "hull: Dockerfile:2: ADD: fetch 'http://xxxxx:xxxxx@127.0.0.1:$AUTH_PORT/repo.git': repository does not contain ref 'nope'" ]
	printf 'FROM busybox\nADD git://127.0.0.1:%s/nope.git /x\n' "$GIT_PORT" > "$d/Dockerfile"
	run hull build -q "$d"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == "hull: Dockerfile:2: ADD: fetch 'git://127.0.0.1:$GIT_PORT/nope.git': "*"/nope.git"* ]]
	# a closed port
	printf 'FROM busybox\nRUN true\nADD http://hull:%s@127.0.0.1:1/repo.git /x\n' "$PW" > "$d/Dockerfile"
	run hull build -q "$d"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == "hull: Dockerfile:3: ADD: fetch 'http://xxxxx:xxxxx@127.0.0.1:1/repo.git': "*"127.0.0.1"* ]]
	[[ $output != *"$PW"* ]]
	# wrong credentials: git may not prompt for others
	printf 'FROM busybox\nADD http://hull:wrong@127.0.0.1:%s/repo.git /x\n' "$AUTH_PORT" > "$d/Dockerfile"
	run hull build -q "$d" </dev/null
	[ "$status" -eq 1 ]
	[[ $output == *"Authentication failed"* ]]
	# COPY takes no git URL (BuildKit's words)
	printf 'FROM busybox\nCOPY git://127.0.0.1:%s/repo.git /x\n' "$GIT_PORT" > "$d/Dockerfile"
	run hull build -q "$d"
	[ "$status" -eq 1 ]
	[ "$output" = "hull: Dockerfile:2: source can't be a git ref for COPY" ]
}

@test "build: a git URL as the build context: #ref:dir, the query form, -f inside it, .dockerignore" {
	hull build -q -t git-ctx "git://127.0.0.1:$GIT_PORT/repo.git#main:app"
	run hull run --rm git-ctx sh -c 'cd /ctx && find . | sort'
	[ "$output" = "$(printf '.\n./.dockerignore\n./Dockerfile\n./Dockerfile.alt\n./keep.txt')" ]
	hull build -q -t git-ctx2 -f app/Dockerfile.alt "http://hull:$PW@127.0.0.1:$AUTH_PORT/repo.git?branch=dev"
	run hull run --rm git-ctx2 sh -c 'ls -A /root-ctx | tr "\n" " "; cat /root-ctx/sub/inner.txt'
	[ "$output" = "app bin hello.txt link sub inner dev" ]
	no_secret git-ctx2
	# .git kept by the build-arg BuildKit's frontend reads, with no credentials
	run hull build -q -t git-ctx3 -f app/Dockerfile.alt --build-arg BUILDKIT_CONTEXT_KEEP_GIT_DIR=1 "http://hull:$PW@127.0.0.1:$AUTH_PORT/repo.git"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	run hull run --rm git-ctx3 sh -c 'cat /root-ctx/.git/HEAD; grep -c xxxxx /root-ctx/.git/config'
	[ "$output" = "$(printf '%s\n1' "$COMMIT_B")" ]
	no_secret git-ctx3
	# a missing subdir, a context URL that is not git
	run hull build -q "git://127.0.0.1:$GIT_PORT/repo.git#main:nope"
	[ "$status" -eq 1 ]
	[ "$output" = "hull: unable to prepare context: fetch 'git://127.0.0.1:$GIT_PORT/repo.git': invalid subdir 'nope': 'nope': No such file or directory" ]
	run hull build -q "http://127.0.0.1:$HTTP_PORT/context.tar"
	[ "$status" -eq 1 ]
	[[ $output == *"not supported yet"* ]]
}

@test "build: a git context's Dockerfile and .dockerignore links resolve inside the checkout" {
	# a host file the repository's links name; its text must never be read
	echo 'HOST-SECRET-077' > "$BATS_TEST_TMPDIR/host-file"
	local w=$G/linkdf
	rm -rf "$w" "$GITROOT/linkdf.git"
	git init -q -b main "$w"
	mkdir -p "$w/sub" "$w/etc"
	ln -s "$BATS_TEST_TMPDIR/host-file" "$w/Dockerfile"
	ln -s "../../../../../../../../../../..$BATS_TEST_TMPDIR/host-file" "$w/rel"
	ln -s "$BATS_TEST_TMPDIR" "$w/hostdir"
	printf 'FROM busybox\nCOPY . /c\n' > "$w/sub/Df"
	ln -s /sub/Df "$w/inside"
	echo sub > "$BATS_TEST_TMPDIR/host-ignore"
	ln -s "$BATS_TEST_TMPDIR/host-ignore" "$w/inside.dockerignore"
	git -C "$w" add . && git -C "$w" commit -qm links
	git clone -q --bare "$w" "$GITROOT/linkdf.git"
	url=git://127.0.0.1:$GIT_PORT/linkdf.git
	for f in "" "-f rel" "-f hostdir/host-file" "-f ../../../../..$BATS_TEST_TMPDIR/host-file"; do
		run hull build -q $f "$url"
		[ "$status" -eq 1 ]
		[[ $output == "hull: failed to read dockerfile: open '"*"': No such file or directory" ]]
		[[ $output != *HOST-SECRET* ]]
	done
	# a link inside the checkout is followed there; the Dockerfile's own
	# .dockerignore is read inside it too (the host's would leave out sub/)
	hull build -q -t git-linkdf -f inside "$url"
	run -0 hull run --rm git-linkdf ls /c/sub
	[ "$output" = Df ]
}

@test "build: git@host:repo and ssh:// go through the user's GIT_SSH_COMMAND" {
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-DF
	FROM busybox
	ADD git@git.example.invalid:repo.git#v1 /scp
	ADD ssh://git@git.example.invalid/repo.git#dev:sub /url
	DF
	GIT_SSH_COMMAND="$G/fake-ssh $GITROOT" hull build -q -t git-ssh "$d"
	run hull run --rm git-ssh cat /scp/hello.txt /url/inner.txt
	[ "$output" = "$(printf 'one\ninner dev')" ]
	grep -q "git@git.example.invalid git-upload-pack 'repo.git'" "$G/ssh.log"
	grep -q "git@git.example.invalid git-upload-pack '/repo.git'" "$G/ssh.log"
}

@test "build: submodules are fetched, ?submodules=false skips them, a kept .git masks their URLs" {
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-DF
	FROM busybox
	ADD --keep-git-dir http://hull:$PW@127.0.0.1:$AUTH_PORT/repo.git#withsub /k
	ADD git://127.0.0.1:$GIT_PORT/repo.git#withsub /n
	ADD git://127.0.0.1:$GIT_PORT/repo.git?branch=withsub&submodules=false /s
	DF
	hull build -q -t git-sub "$d"
	run hull run --rm git-sub sh -c 'cat /k/lib/lib.txt /n/lib/lib.txt; cat /k/lib/.git; ls -A /n/lib /s/lib | tr "\n" " "; echo; grep url /k/.git/config /k/.git/modules/lib/config'
	[ "${lines[0]}" = lib ]
	[ "${lines[1]}" = lib ]
	[ "${lines[2]}" = "gitdir: ../.git/modules/lib" ]
	[ "${lines[3]}" = "/n/lib: lib.txt  /s/lib: " ]
	[ "${lines[4]}" = "/k/.git/config:	url = http://xxxxx:xxxxx@127.0.0.1:$AUTH_PORT/repo.git" ]
	[ "${lines[5]}" = "/k/.git/config:	url = http://xxxxx:xxxxx@127.0.0.1:$AUTH_PORT/lib.git" ]
	[ "${lines[6]}" = "/k/.git/modules/lib/config:	url = http://xxxxx:xxxxx@127.0.0.1:$AUTH_PORT/lib.git" ]
	no_secret git-sub
}

@test "build: ?mtime=commit gives every file the commit's time; file:// is no git source" {
	d=$(ctx_dir)
	printf 'FROM busybox\nADD git://127.0.0.1:%s/repo.git?ref=v1&mtime=commit /m\n' "$GIT_PORT" > "$d/Dockerfile"
	hull build -q -t git-mtime "$d"
	# the files (the destination directory is the copy's, as for any directory source)
	run hull run --rm git-mtime sh -c 'stat -c %Y /m/hello.txt /m/sub /m/sub/inner.txt /m/bin/run.sh | sort -u; stat -c %Y /m/link'
	[ "$output" = "$(printf '981173106\n981173106')" ]
	# BuildKit takes file:// for a local path, which the context lacks
	printf 'FROM busybox\nADD file://%s/repo.git /x\n' "$GITROOT" > "$d/Dockerfile"
	run hull build -q "$d"
	[ "$status" -eq 1 ]
	[[ $output == *"file not found in build context"* ]]
}
