#!/usr/bin/env bats
# hull login / logout against a real peer: Debian's docker-registry on
# 127.0.0.1 with htpasswd (Basic) authentication, credentials in a throwaway
# DOCKER_CONFIG as docker keeps them, a fake docker-credential-test helper
# for credsStore, and a person at a terminal (tmux) for the prompts.

load helpers

setup_file() {
	command -v docker-registry >/dev/null || skip "needs docker-registry"
	command -v htpasswd >/dev/null || skip "needs htpasswd (apache2-utils)"
	local d=$BATS_FILE_TMPDIR port
	htpasswd -Bbn alice 's3cret pass' >"$d/htpasswd"
	for port in $(shuf -i 20000-40000 -n 20); do
		ss -Hltn "sport = :$port" | grep -q . || break
	done
	export REG=127.0.0.1:$port
	cat >"$d/registry.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $d/data
http:
  addr: $REG
auth:
  htpasswd:
    realm: hull-test
    path: $d/htpasswd
EOF
	docker-registry serve "$d/registry.yml" >"$d/registry.log" 2>&1 &
	echo $! >"$d/registry.pid"
	wait_for curl -s -o /dev/null "http://$REG/v2/" || {
		cat "$d/registry.log" >&2
		return 1
	}
	export TMUX_SOCK=hull-login-$$
}

teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/registry.pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/registry.pid")" 2>/dev/null
	true
}

setup() {
	export DOCKER_CONFIG=$BATS_TEST_TMPDIR/docker
	mkdir -p "$DOCKER_CONFIG"
}

teardown() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
}

auth_of() { # KEY: the "auth" value stored for KEY
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["auths"][sys.argv[2]].get("auth",""))' \
		"$DOCKER_CONFIG/config.json" "$1"
}

@test "login -p: Login Succeeded, docker's warnings, base64 credentials in config.json (0600)" {
	echo '{"psFormat": "table {{.ID}}"}' >"$DOCKER_CONFIG/config.json"
	run -0 --separate-stderr hull login -u alice -p 's3cret pass' "$REG"
	[ "$output" = "Login Succeeded" ]
	[[ $stderr == "WARNING! Using --password via the CLI is insecure. Use --password-stdin."* ]]
	[[ $stderr == *"WARNING! Your credentials are stored unencrypted in '$DOCKER_CONFIG/config.json'."* ]]
	[ "$(auth_of "$REG")" = "$(printf 'alice:s3cret pass' | base64)" ]
	[ "$(stat -c %a "$DOCKER_CONFIG/config.json")" = 600 ]
	grep -q psFormat "$DOCKER_CONFIG/config.json"
	# the same again: no second warning, as docker's file store
	run -0 --separate-stderr hull login -u alice -p 's3cret pass' "$REG"
	[[ $stderr != *unencrypted* ]]
}

@test "login --password-stdin: a wrong password is refused and never shown" {
	run -1 --separate-stderr hull login -u alice --password-stdin "$REG" <<<'wrong-Pa55'
	[ "$output" = "" ]
	[ "$stderr" = "hull: login attempt to http://$REG/v2/ failed with status: 401 Unauthorized" ]
	[ ! -e "$DOCKER_CONFIG/config.json" ]
	# the trailing newline of stdin is not part of the password
	run -0 hull login -u alice --password-stdin "$REG" <<<'s3cret pass'
	[ "$(auth_of "$REG")" = "$(printf 'alice:s3cret pass' | base64)" ]
}

@test "login without a terminal: stored credentials, else docker's non-TTY error" {
	run -1 --separate-stderr hull login "$REG" </dev/null
	[ "$stderr" = "hull: error: cannot perform an interactive login from a non-TTY device" ]
	hull login -u alice -p 's3cret pass' "$REG" 2>/dev/null
	run -0 --separate-stderr hull login "$REG" </dev/null
	[ "$output" = "Login Succeeded" ]
	[[ $stderr == "Authenticating with existing credentials... [Username: alice]"* ]]
}

@test "login: docker's flag errors" {
	run -1 --separate-stderr hull login -u alice -p x --password-stdin "$REG"
	[ "$stderr" = "hull: conflicting options: cannot specify both --password and --password-stdin" ]
	run -1 --separate-stderr hull login --password-stdin "$REG"
	[ "$stderr" = "hull: the --password-stdin option requires --username to be set" ]
	run -1 --separate-stderr hull login -u '' "$REG"
	[ "$stderr" = "hull: username is empty" ]
	run -1 --separate-stderr hull login -u alice --password-stdin "$REG" <<<'   '
	[ "$stderr" = "hull: password is empty" ]
	run -1 hull login a b
	[[ $output == *'"hull login" requires at most 1 argument.'* ]]
}

@test "logout: removes the credentials and keeps the rest of config.json" {
	hull login -u alice -p 's3cret pass' "$REG" 2>/dev/null
	python3 - "$DOCKER_CONFIG/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["auths"]["other.example"] = {"auth": "bzpw"}
c["auths"]["https://old.example"] = {"auth": "bzpw"}
json.dump(c, open(sys.argv[1], "w"))
EOF
	run -0 hull logout "$REG"
	[ "$output" = "Removing login credentials for $REG" ]
	run -0 python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))["auths"]))' "$DOCKER_CONFIG/config.json"
	[ "$output" = "['https://old.example', 'other.example']" ]
	# logging out twice, or of a URL with a scheme (docker's older keys)
	run -0 hull logout "$REG"
	run -0 hull logout https://old.example/v1/
	[ "$output" = "Removing login credentials for old.example" ]
	run -0 hull logout
	[ "$output" = "Removing login credentials for https://index.docker.io/v1/" ]
}

@test "login with a credsStore: the secret goes to docker-credential-NAME, not the file" {
	mkdir -p "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/keychain"
	cat >"$BATS_TEST_TMPDIR/bin/docker-credential-test" <<'EOF'
#!/bin/sh
in=$(cat)
k=$BATS_TEST_TMPDIR/keychain
case $1 in
store) printf '%s' "$in" >"$k/entry" ;;
get) if [ -f "$k/entry" ]; then cat "$k/entry"; else echo 'credentials not found in native keychain'; exit 1; fi ;;
erase) rm -f "$k/entry" ;;
esac
EOF
	chmod +x "$BATS_TEST_TMPDIR/bin/docker-credential-test"
	export PATH=$BATS_TEST_TMPDIR/bin:$PATH BATS_TEST_TMPDIR
	echo '{"credsStore": "test"}' >"$DOCKER_CONFIG/config.json"
	run -0 --separate-stderr hull login -u alice --password-stdin "$REG" <<<'s3cret pass'
	[ "$output" = "Login Succeeded" ]
	[[ $stderr != *unencrypted* ]]
	run ! grep -q s3cret "$DOCKER_CONFIG/config.json"
	grep -q '"Secret":"s3cret pass"' "$BATS_TEST_TMPDIR/keychain/entry"
	run -0 hull login "$REG" </dev/null
	run -0 hull logout "$REG"
	[ ! -e "$BATS_TEST_TMPDIR/keychain/entry" ]
}

@test "login at a terminal: Username and Password prompts, the password not echoed" {
	command -v tmux >/dev/null || skip "needs tmux"
	tmux -L "$TMUX_SOCK" new-session -d -s t -x 100 -y 20 \
		"env DOCKER_CONFIG='$DOCKER_CONFIG' $HULL login $REG; echo EXIT=\$?; stty -a | grep -q -- ' -echo ' && echo ECHO=off || echo ECHO=on; sleep 60"
	screen() { tmux -L "$TMUX_SOCK" capture-pane -p -t t; }
	wait_for sh -c "tmux -L $TMUX_SOCK capture-pane -p -t t | grep -q 'Username:'"
	tmux -L "$TMUX_SOCK" send-keys -t t alice Enter
	wait_for sh -c "tmux -L $TMUX_SOCK capture-pane -p -t t | grep -q 'Password:'"
	tmux -L "$TMUX_SOCK" send-keys -t t 's3cret pass' Enter
	wait_for sh -c "tmux -L $TMUX_SOCK capture-pane -p -t t | grep -q EXIT="
	run screen
	[[ $output == *"Login Succeeded"* ]]
	[[ $output == *EXIT=0* ]]
	[[ $output != *s3cret* ]]
	[[ $output == *ECHO=on* ]]
}

@test "login and logout: listed in --help, their own --help, unknown flags exit 125" {
	run -0 hull --help
	[[ $output =~ $'\n'\ +login\ +Authenticate\ to\ a\ registry ]]
	[[ $output =~ $'\n'\ +logout\ +Log\ out\ from\ a\ registry ]]
	run -0 hull login --help
	[ "${lines[0]}" = "Usage:  hull login [OPTIONS] [SERVER]" ]
	[[ $output == *"--password-stdin"* ]]
	run -0 hull logout --help
	[ "${lines[0]}" = "Usage:  hull logout [SERVER]" ]
	for c in login logout; do
		run -125 hull "$c" --bogus
		[[ $output == *"unknown flag: --bogus"*"hull $c --help"* ]]
	done
}
