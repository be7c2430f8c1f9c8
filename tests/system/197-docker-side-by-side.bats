#!/usr/bin/env bats
# hull beside a real docker daemon and its iptables chains (issue 10): in a
# network and mount namespace of the test's own, Debian's dockerd makes its
# chains (FORWARD policy DROP...); hull and docker each publish a port on
# 127.0.0.1 and both answer, and neither changes the other's firewall tables
# (tests/system/docker-side-by-side); and dockerd runs containers through
# hull-runtime (--add-runtime hull=..., docker run --runtime hull: issue 9).
# Skipped where docker.io is absent: no
# test depends on docker. docs/networking.md "Beside docker" says what a
# FORWARD DROP policy means for hull's forwarded traffic.

load helpers

setup_file() {
	hull_setup_file
}

@test "beside dockerd and its iptables chains: both publish on loopback, neither touches the other's tables" {
	command -v dockerd >/dev/null || skip "docker.io is not installed (dockerd absent)"
	command -v iptables-save >/dev/null || skip "iptables is not installed"
	local work
	work=$(mktemp -d /var/tmp/hull-dks.XXXXXX)
	# a PID namespace too: whatever happens, dockerd and its containerd end with the script
	run timeout 240 unshare -n -m -p -f --mount-proc --propagation private \
		"$BATS_TEST_DIRNAME/docker-side-by-side" "$work"
	rm -rf "$work"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok: docker run --runtime hull: output, exit code, exec, stop"* ]]
	[[ $output == *"ok: docker left hull's nftables table as it was"* ]]
}
