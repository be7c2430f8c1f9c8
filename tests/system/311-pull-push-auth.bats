#!/usr/bin/env bats
# pull and push with authentication and TLS, against Debian's
# docker-registry: htpasswd (Basic), token auth (a token server written for
# the tests, tests/system/registry-token-server), TLS with a CA the test
# makes (docker's certs.d layout), a redirect to another host that must
# not receive the credentials, and a TLS registry that is not on loopback
# (in a network namespace the test makes), which is refused without its CA
# unless configured as insecure.

load helpers
load registry

setup_file() {
	hull_setup_file
	printf '{}\n' >"$BATS_FILE_TMPDIR/empty.json"
	export HULL_REGISTRIES_CONFIG=$BATS_FILE_TMPDIR/empty.json
}

teardown() { registry_stop; }

@test "htpasswd: refused before login, push and pull after it, refused after logout" {
	registry_start htpasswd
	hull tag busybox "$REGISTRY/private/bb:1"
	run -1 hull push "$REGISTRY/private/bb:1"
	[[ $output == *"unauthorized"* ]]
	[[ $output != *"$REGISTRY_PASS"* ]]
	echo "$REGISTRY_PASS" | hull login -u "$REGISTRY_USER" --password-stdin "$REGISTRY" >/dev/null
	run -0 hull push "$REGISTRY/private/bb:1"
	[[ $output == *"1: digest: sha256:"* ]]
	hull rmi "$REGISTRY/private/bb:1" >/dev/null
	run -0 hull pull -q "$REGISTRY/private/bb:1"
	run -0 hull run --rm "$REGISTRY/private/bb:1" echo ok
	hull logout "$REGISTRY" >/dev/null
	hull rmi "$REGISTRY/private/bb:1" >/dev/null
	run -1 hull pull "$REGISTRY/private/bb:1"
	[[ $output == *"unauthorized"* ]]
}

@test "token auth: anonymous pull, push after login, one token per scope reused across requests" {
	registry_start token
	skopeo_push_multiarch library/multi:latest
	run -0 hull pull -q "$REGISTRY/library/multi:latest"
	# one anonymous pull token for the whole pull (manifest, config, layers)
	[ "$(registry_token_count 'auth=none')" -eq 1 ]
	[ "$(grep -c 'Authorization' "$REGISTRY_TOKEN_LOG")" -eq 0 ]
	hull tag busybox "$REGISTRY/mine/bb:1"
	run -1 hull push "$REGISTRY/mine/bb:1"
	[[ $output == *"denied"* || $output == *"unauthorized"* ]]
	echo "$REGISTRY_PASS" | hull login -u "$REGISTRY_USER" --password-stdin "$REGISTRY" >/dev/null
	n=$(registry_token_count)
	run -0 hull push "$REGISTRY/mine/bb:1"
	# the push's several requests share one credentialed token
	[ "$(registry_token_count)" -le $((n + 2)) ]
	[ "$(registry_token_count "user=$REGISTRY_USER")" -ge 1 ]
	run -1 grep -F "$REGISTRY_PASS" "$REGISTRY_TOKEN_LOG"
	run -0 hull push "$REGISTRY/mine/bb:1"
	[[ ${lines[-1]} =~ digest:\ (sha256:[0-9a-f]{64}) ]]
	[ "$(skopeo_inspect mine/bb:1 --format '{{.Digest}}')" = "${BASH_REMATCH[1]}" ]
}

@test "a token holding CR LF is refused: it would add headers to the registry requests" {
	REGISTRY_TOKEN_ARGS='--token-suffix=\r\nX-Injected:yes' registry_start token
	run -1 hull pull -q "$REGISTRY/library/none:latest"
	[[ $output == *"token is not printable ASCII"* ]]
	[ "${#lines[@]}" -eq 1 ]
}

@test "TLS with a CA in certs.d: pull and push over https" {
	registry_start tls
	skopeo_push_busybox library/busybox:latest
	run -0 hull pull -q "$REGISTRY/library/busybox"
	hull tag busybox "$REGISTRY/tls/bb:1"
	run -0 hull push -q "$REGISTRY/tls/bb:1"
	# the registry speaks only TLS: plain HTTP would have been refused
	grep -q '"PUT /v2/tls/bb/manifests/1 HTTP/2' "$REGISTRY_LOG" ||
		grep -q 'PUT /v2/tls/bb/manifests/1' "$REGISTRY_LOG"
}

@test "a redirect to another host never gets the credentials" {
	registry_start htpasswd
	skopeo_push_busybox library/busybox:latest
	fault_proxy_start redirect host=localhost
	echo "$REGISTRY_PASS" | hull login -u "$REGISTRY_USER" --password-stdin "$PROXY" >/dev/null
	export HULL_ROOT=$BATS_TEST_TMPDIR/root HULL_RUNROOT=$BATS_TEST_TMPDIR/run
	run -0 hull pull -q "$PROXY/library/busybox"
	[ "$(proxy_count '^CDN GET .* auth=yes')" -eq 0 ]
	[ "$(proxy_count '^CDN GET .* status=200')" -ge 2 ]
	[ "$(proxy_count '^PROXY GET /v2/library/busybox/manifests/.* auth=yes')" -ge 1 ]
}

@test "a redirect target's own 401 challenge is not learnt: its realm never gets the credentials" {
	registry_start htpasswd
	skopeo_push_busybox library/busybox:latest
	fault_proxy_start redirect challenge=yes
	echo "$REGISTRY_PASS" | hull login -u "$REGISTRY_USER" --password-stdin "$PROXY" >/dev/null
	export HULL_ROOT=$BATS_TEST_TMPDIR/root HULL_RUNROOT=$BATS_TEST_TMPDIR/run
	run -1 hull pull -q "$PROXY/library/busybox"
	[[ $output == *unauthorized* ]]
	[ "$(proxy_count '^CDN GET /cdn/.* status=401')" -ge 1 ]
	# the CDN's realm (/token on the CDN) was never asked for a token
	[ "$(proxy_count '^CDN GET /token')" -eq 0 ]
	[ "$(proxy_count '^CDN .* auth=yes')" -eq 0 ]
}

# The rest of this file runs inside a network namespace of its own, where
# a TLS registry listens on a non-loopback address (10.254.0.1 on a dummy
# interface), so that hull must verify its certificate.
netns_tls() {
	local d=$BATS_TEST_TMPDIR
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$d/ca.key" \
		-out "$d/ca.crt" -days 2 -subj "/CN=hull netns ca" -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$d/srv.key" \
		-out "$d/srv.csr" -subj "/CN=10.254.0.1" 2>/dev/null
	printf 'subjectAltName=IP:10.254.0.1\nextendedKeyUsage=serverAuth\n' >"$d/srv.ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
		-extfile "$d/srv.ext" -out "$d/srv.crt" 2>/dev/null
	printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp:\n  addr: 10.254.0.1:5443\n  tls: {certificate: %s, key: %s}\n' \
		"$d/data" "$d/srv.crt" "$d/srv.key" >"$d/reg.yml"
	mkdir -p "$d/certs/10.254.0.1:5443"
	cp "$d/ca.crt" "$d/certs/10.254.0.1:5443/ca.crt"
	printf '{"insecure-registries": ["10.254.0.0/24"]}\n' >"$d/insecure.json"
	cat >"$d/inside" <<'EOF'
set -e
d=$1
ip link set lo up
ip link add d0 type veth peer name d1
ip link set d1 up
ip addr add 10.254.0.1/32 dev d0
ip link set d0 up
env -i PATH=/usr/bin:/bin /usr/bin/docker-registry serve "$d/reg.yml" >"$d/reg.log" 2>&1 &
reg=$!
trap 'rc=$?; kill $reg 2>/dev/null; wait $reg 2>/dev/null || true; exit $rc' EXIT
for i in $(seq 100); do curl -s --cacert "$d/ca.crt" https://10.254.0.1:5443/v2/ >/dev/null && break; sleep 0.05; done
ref=10.254.0.1:5443/netns/bb:1
"$HULL" tag busybox $ref
# no CA and not configured insecure: refused, naming the registry
if HULL_CERTS_DIR=$d/nocerts "$HULL" push $ref >"$d/out1" 2>&1; then echo "pushed without the CA"; exit 1; fi
grep -q '10.254.0.1:5443' "$d/out1"
grep -qi 'certificate' "$d/out1"
# the CA in certs.d: verified
HULL_CERTS_DIR=$d/certs "$HULL" push -q $ref >/dev/null
# configured insecure: TLS without verification
"$HULL" rmi $ref >/dev/null
HULL_CERTS_DIR=$d/nocerts HULL_REGISTRIES_CONFIG=$d/insecure.json "$HULL" pull -q $ref >/dev/null
EOF
	unshare -n bash "$d/inside" "$d"
}

@test "TLS off loopback: refused without the CA, verified with it, unverified only when configured insecure" {
	run -0 netns_tls
}

@test "a client certificate from certs.d (client.cert, client.key) for a registry that requires one" {
	local d=$BATS_TEST_TMPDIR
	for n in ca client-ca; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$d/$n.key" \
			-out "$d/$n.crt" -days 2 -subj "/CN=hull $n" -addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	done
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$d/srv.key" \
		-out "$d/srv.csr" -subj "/CN=127.0.0.1" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$d/srv.ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
		-extfile "$d/srv.ext" -out "$d/srv.crt" 2>/dev/null
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$d/cli.key" \
		-out "$d/cli.csr" -subj "/CN=hull client" 2>/dev/null
	printf 'extendedKeyUsage=clientAuth\n' >"$d/cli.ext"
	openssl x509 -req -in "$d/cli.csr" -CA "$d/client-ca.crt" -CAkey "$d/client-ca.key" \
		-CAcreateserial -days 2 -extfile "$d/cli.ext" -out "$d/cli.crt" 2>/dev/null
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp:\n  addr: 127.0.0.1:%s\n  tls:\n    certificate: %s\n    key: %s\n    clientcas: [%s]\n' \
		"$d/data" "$port" "$d/srv.crt" "$d/srv.key" "$d/client-ca.crt" >"$d/reg.yml"
	env -i PATH=/usr/bin:/bin setpriv --pdeathsig KILL /usr/bin/docker-registry serve "$d/reg.yml" >"$d/reg.log" 2>&1 &
	echo $! >"$d/reg.pid"
	wait_for curl -s --cacert "$d/ca.crt" --cert "$d/cli.crt" --key "$d/cli.key" "https://127.0.0.1:$port/v2/"
	mkdir -p "$d/certs/127.0.0.1:$port" "$d/nocert/127.0.0.1:$port"
	cp "$d/ca.crt" "$d/certs/127.0.0.1:$port/ca.crt"
	cp "$d/ca.crt" "$d/nocert/127.0.0.1:$port/ca.crt"
	cp "$d/cli.crt" "$d/certs/127.0.0.1:$port/client.cert"
	cp "$d/cli.key" "$d/certs/127.0.0.1:$port/client.key"
	hull tag busybox "127.0.0.1:$port/mtls/bb:1"
	HULL_CERTS_DIR=$d/nocert run -1 hull push "127.0.0.1:$port/mtls/bb:1"
	HULL_CERTS_DIR=$d/certs run -0 hull push "127.0.0.1:$port/mtls/bb:1"
	hull rmi "127.0.0.1:$port/mtls/bb:1" >/dev/null
	HULL_CERTS_DIR=$d/certs run -0 hull pull -q "127.0.0.1:$port/mtls/bb:1"
	kill "$(cat "$d/reg.pid")"
	wait "$(cat "$d/reg.pid")" 2>/dev/null || true
}
