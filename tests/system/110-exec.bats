#!/usr/bin/env bats
# hull exec: namespaces, cgroup, user, workdir, env, exit codes, -i, -d.

load helpers

setup_file() {
	hull_setup_file
	hull run -d --name ex busybox sleep 1000 >/dev/null
}

@test "exec runs in the container's namespaces and returns the exit code" {
	run hull exec ex sh -c 'hostname; readlink /proc/1/exe; exit 5'
	[ "$status" -eq 5 ]
	[ "${lines[0]}" = "$(hull inspect --format '{{.Config.Hostname}}' ex)" ]
	[ "${lines[1]}" = /bin/busybox ]
}

@test "exec joins the container's cgroup" {
	local mine theirs
	mine=$(hull exec ex grep pids /proc/self/cgroup)
	theirs=$(hull exec ex grep pids /proc/1/cgroup)
	[ -n "$mine" ]
	[ "$mine" = "$theirs" ]
}

@test "exec: 127 not found, 126 not executable, with the reason" {
	run -127 hull exec ex nonexist
	[[ $output == *'"nonexist": executable file not found in $PATH'* ]]
	run hull exec ex /etc
	[ "$status" -eq 126 ]
	[[ $output == *"permission denied"* ]]
	# an empty program is looked up like any other (runc, docker)
	run -127 hull exec ex ""
	[[ $output == *'exec: "": executable file not found in $PATH'* ]]
}

@test "bytes that are not UTF-8 become U+FFFD, as docker's API carries them; nothing is dropped" {
	local fffd=$'\xef\xbf\xbd'
	hull exec ex sh -c 'mkdir -p /work && touch /work/keep'
	run -0 hull exec ex echo 1 $'\xff' 2
	[ "$output" = "1 $fffd 2" ]
	# the first argument stays the program: were it dropped, "rm" would run
	run -127 hull exec ex $'\xff' rm -rf /work
	[[ $output == *"exec: \"$fffd\": executable file not found"* ]]
	run -1 hull exec -w /work ex find $'/data/\xff' -mindepth 1 -exec rm -rf {} +
	run -0 hull exec ex test -e /work/keep
	run -126 hull exec -w $'/tmp/\xff' ex pwd
	[[ $output == *"chdir to cwd (\"/tmp/$fffd\")"* ]]
	run -0 hull exec -e $'A=\xff' ex sh -c 'echo "[$A]"'
	[ "$output" = "[$fffd]" ]
	run -0 hull run --rm busybox echo 1 $'\xff' 2
	[ "$output" = "1 $fffd 2" ]
	run -0 hull run --rm -w $'/\xff' busybox pwd
	[ "$output" = "/$fffd" ]
	run -125 hull run --rm -u $'\xff' busybox true
	[[ $output == *"unable to find user $fffd"* ]]
}

@test "exec -e with an empty name is refused as run's is (docker/cli ValidateEnv)" {
	run -125 hull exec -e =x ex true
	[ "$output" = "hull: invalid environment variable: =x" ]
	run -0 hull exec -e FOO -e A==b ex sh -c 'echo "${FOO-unset} $A"'
	[ "$output" = "unset =b" ]
}

@test "exec -u -w -e" {
	hull exec ex mkdir -p /made/here
	run hull exec -u nobody -w /made/here -e FOO=bar ex sh -c 'id -u; pwd; echo $FOO'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 65534 ]
	[ "${lines[1]}" = /made/here ]
	[ "${lines[2]}" = bar ]
	# a missing directory is not made (run -w makes it): runc's exec fails, so docker's does
	run -126 hull exec -w /not/made ex pwd
	[ "$output" = 'hull: chdir to cwd ("/not/made") set in config.json failed: No such file or directory' ]
	run -1 hull exec ex test -e /not/made
}

@test "exec -i passes stdin, without -i stdin is empty" {
	run bash -c "echo piped | '$HULL' exec -i ex cat"
	[ "$output" = piped ]
	run bash -c "echo piped | '$HULL' exec ex cat"
	[ "$output" = "" ]
}

@test "exec -d leaves the process running" {
	hull exec -d ex sh -c 'sleep 1000'
	run hull top ex
	[[ $output == *"sleep 1000"* ]]
	[ "$(echo "$output" | grep -c 'sleep 1000')" -eq 2 ]
}

@test "exec on a stopped container fails with 1, as docker exec for a daemon error" {
	hull run --name exstopped busybox true
	run hull exec exstopped true
	[ "$status" -eq 1 ]
	[[ $output == *"is not running"* ]]
}
