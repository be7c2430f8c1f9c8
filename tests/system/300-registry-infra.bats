#!/usr/bin/env bats
# The registry peers of the pull/push/login tests (tests/system/registry.bash),
# checked with skopeo and curl only, so that a failing hull test can be
# blamed on hull: docker-registry in each auth and TLS set-up, the token
# server's grants, every mode of the fault proxy, the test images, and that
# nothing outlives registry_stop.

load helpers
load registry

setup_file() {
	command -v skopeo >/dev/null || skip "needs skopeo"
	[ -x /usr/bin/docker-registry ] || skip "needs docker-registry"
	hull_setup_file
}

teardown() { registry_stop; }

teardown_file() {
	registry_stop
	hull_teardown_file
}

# sha FILE: the sha256:... of FILE
sha() { echo "sha256:$(sha256sum < "$1" | cut -d' ' -f1)"; }

# jwt_claims TOKEN: the JWT's payload, as JSON
jwt_claims() {
	"$REGISTRY_PY" -c '
import base64, json, sys
p = sys.argv[1].split(".")[1]
print(json.dumps(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))))' "$1"
}

# token_for [CURL-ARGS...] QUERY: the token the token server gives for QUERY
token_for() {
	local q=${*: -1}
	curl -sf "${@:1:$#-1}" "$REGISTRY_TOKEN_URL?service=hull-test-registry&$q" |
		"$REGISTRY_PY" -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# a blob of busybox in the registry: BLOB (digest) and BLOB_SIZE
busybox_blob() {
	local m
	m=$(skopeo_inspect library/busybox:latest --raw)
	BLOB=$(echo "$m" | "$REGISTRY_PY" -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
	BLOB_SIZE=$(echo "$m" | "$REGISTRY_PY" -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["size"])')
}

@test "registry plain: skopeo pushes busybox, inspects it, deletes it; storage under the test" {
	registry_start plain
	[[ $REGISTRY =~ ^127\.0\.0\.1:[0-9]+$ ]]
	[ "$REGISTRY_URL" = "http://$REGISTRY" ]
	[ -z "${REGISTRY_USER:-}" ]
	# it listens on loopback only
	run -0 ss -Hltnp "sport = :${REGISTRY#*:}"
	[[ $output == *"127.0.0.1:${REGISTRY#*:} "* ]]
	[[ $output == *"pid=$REGISTRY_PID,"* ]]
	skopeo_push_busybox
	run -0 skopeo_inspect library/busybox:latest
	[[ $output == *'"Architecture": "amd64"'* ]]
	[ -d "$REGISTRY_DIR/data/docker/registry/v2/repositories/library/busybox" ]
	[[ $REGISTRY_DIR == "$BATS_TEST_TMPDIR"/* ]]
	# storage.delete.enabled
	d=$(curl -sfI -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"$REGISTRY_URL/v2/library/busybox/manifests/latest" | tr -d '\r' |
		sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
	[[ $d == sha256:* ]]
	run -0 curl -s -o /dev/null -w '%{http_code}' -X DELETE "$REGISTRY_URL/v2/library/busybox/manifests/$d"
	[ "$output" = 202 ]
	run -1 skopeo_inspect library/busybox:latest
}

@test "registry htpasswd: anonymous and a wrong password are refused; the credentials work" {
	registry_start htpasswd
	[ "$REGISTRY_USER" = hulltest ]
	[[ $REGISTRY_PASS == pw-* ]]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$REGISTRY_URL/v2/")" = 401 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u "$REGISTRY_USER:nope" "$REGISTRY_URL/v2/")" = 401 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u "$REGISTRY_USER:$REGISTRY_PASS" "$REGISTRY_URL/v2/")" = 200 ]
	skopeo_push_busybox library/bb:1
	skopeo_inspect library/bb:1 >/dev/null
	REG_ANON=1 run -1 skopeo_inspect library/bb:1
	[[ $output == *unauthorized* || $output == *authentication* ]]
	# skopeo read no credentials of the host's
	[[ $DOCKER_CONFIG == "$BATS_TEST_TMPDIR"/* ]]
	[ "$REGISTRY_AUTH_FILE" = "$DOCKER_CONFIG/config.json" ]
}

@test "registry tls: the CA in the certs.d layout verifies it, for 127.0.0.1 and localhost; without it, refused" {
	registry_start tls
	port=${REGISTRY#*:}
	[ "$REGISTRY_URL" = "https://$REGISTRY" ]
	[ -f "$HULL_CERTS_DIR/127.0.0.1:$port/ca.crt" ]
	[ -f "$HULL_CERTS_DIR/localhost:$port/ca.crt" ]
	cmp "$REGISTRY_CA" "$HULL_CERTS_DIR/$REGISTRY/ca.crt"
	run -0 curl -sf --cacert "$REGISTRY_CA" "https://127.0.0.1:$port/v2/"
	run -0 curl -sf --cacert "$REGISTRY_CA" "https://localhost:$port/v2/"
	# curl exit 60: the peer's certificate cannot be verified
	run -60 curl -s "https://127.0.0.1:$port/v2/"
	# the registry speaks only TLS there
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/")" = 400 ]
	# skopeo with the cert dir (verified), and without it (refused)
	skopeo_push_busybox
	run -0 skopeo_inspect library/busybox:latest
	run -1 skopeo inspect --retry-times 0 --tls-verify=true "docker://$REGISTRY/library/busybox:latest"
	[[ $output == *"certificate signed by unknown authority"* ]]
	run -0 skopeo inspect --retry-times 0 --cert-dir "$HULL_CERTS_DIR/localhost:$port" "docker://localhost:$port/library/busybox:latest"
	# the fault proxy talks TLS to it, verified with the CA
	fault_proxy_start
	run -0 skopeo_inspect "$PROXY/library/busybox:latest"
	[ "$(proxy_count '^PROXY GET /v2/library/busybox/manifests/latest auth=no status=200')" = 1 ]
	# the server certificate names both, and its CA is not a server
	run -0 openssl x509 -noout -ext subjectAltName -in "$REGISTRY_DIR/tls/server.crt"
	[[ $output == *"IP Address:127.0.0.1"* && $output == *"DNS:localhost"* ]]
	openssl verify -CAfile "$REGISTRY_CA" "$REGISTRY_DIR/tls/server.crt"
}

@test "registry tls-htpasswd: credentials over verified TLS" {
	registry_start tls-htpasswd
	[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$REGISTRY_CA" "$REGISTRY_URL/v2/")" = 401 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$REGISTRY_CA" -u "$REGISTRY_USER:$REGISTRY_PASS" "$REGISTRY_URL/v2/")" = 200 ]
	skopeo_push_busybox
	skopeo_inspect library/busybox:latest >/dev/null
	REG_ANON=1 run -1 skopeo_inspect library/busybox:latest
}

@test "token server: the user gets what it asks, anonymous pull only, a wrong password nothing; the registry agrees" {
	registry_start token
	run -0 curl -s -i "$REGISTRY_URL/v2/"
	[[ $output == *"Bearer realm=\"$REGISTRY_TOKEN_URL\",service=\"hull-test-registry\""* ]]
	skopeo_push_busybox
	scope='scope=repository:library/busybox:pull,push'

	t=$(token_for -u "$REGISTRY_USER:$REGISTRY_PASS" "$scope")
	run -0 jwt_claims "$t"
	[[ $output == *'"access": [{"type": "repository", "name": "library/busybox", "actions": ["pull", "push"]}]'* ]]
	[[ $output == *'"iss": "hull-test-token-server"'* && $output == *'"aud": "hull-test-registry"'* ]]
	[[ $output == *"\"sub\": \"$REGISTRY_USER\""* ]]
	# the registry takes it for a pull and opens an upload with it
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t" \
		-H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"$REGISTRY_URL/v2/library/busybox/manifests/latest")" = 200 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $t" \
		"$REGISTRY_URL/v2/library/busybox/blobs/uploads/")" = 202 ]
	# not for another repository
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t" \
		"$REGISTRY_URL/v2/library/other/tags/list")" = 401 ]

	a=$(token_for "$scope")
	run -0 jwt_claims "$a"
	[[ $output == *'"actions": ["pull"]'* && $output == *'"sub": ""'* ]]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $a" \
		-H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"$REGISTRY_URL/v2/library/busybox/manifests/latest")" = 200 ]
	run -0 curl -s -w '\n%{http_code}' -X POST -H "Authorization: Bearer $a" "$REGISTRY_URL/v2/library/busybox/blobs/uploads/"
	[ "${lines[-1]}" = 401 ]
	[[ $output == *insufficient_scope* || $output == *UNAUTHORIZED* ]]
	REG_ANON=1 skopeo_inspect library/busybox:latest >/dev/null

	[ "$(curl -s -o /dev/null -w '%{http_code}' -u "$REGISTRY_USER:wrong" \
		"$REGISTRY_TOKEN_URL?service=hull-test-registry&$scope")" = 401 ]
	# a forged token (signed by another key) is refused by the registry
	openssl ecparam -name prime256v1 -genkey -noout -out "$BATS_TEST_TMPDIR/other.key"
	f=$("$REGISTRY_PY" -c '
import jwt, sys, time
claims = {"iss": "hull-test-token-server", "aud": "hull-test-registry", "sub": "x",
          "exp": int(time.time()) + 300, "nbf": int(time.time()) - 1, "iat": int(time.time()),
          "jti": "j", "access": [{"type": "repository", "name": "library/busybox", "actions": ["pull"]}]}
print(jwt.encode(claims, open(sys.argv[1]).read(), algorithm="ES256", headers={"kid": "ABCD:EFGH"}))' "$BATS_TEST_TMPDIR/other.key")
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $f" \
		"$REGISTRY_URL/v2/library/busybox/tags/list")" = 401 ]

	# the log: one line per request, whether credentials came, never the secret
	run -0 cat "$REGISTRY_TOKEN_LOG"
	[[ $output == *"auth=basic user=$REGISTRY_USER status=200 granted=repository:library/busybox:pull,push"* ]]
	[[ $output == *"auth=none user=- status=200 granted=repository:library/busybox:pull"* ]]
	[[ $output == *"auth=basic user=$REGISTRY_USER status=401 granted=-"* ]]
	[[ $output != *"$REGISTRY_PASS"* ]]
	[ "$(registry_token_count 'auth=none')" -ge 2 ]
}

@test "token server: anonymous none and deny, a pull-only user, expires_in, refresh tokens" {
	REGISTRY_TOKEN_ANON=none REGISTRY_TOKEN_EXPIRES=90 \
		REGISTRY_TOKEN_ARGS="--user reader:rpw:pull --refresh-tokens" registry_start token
	skopeo_push_busybox
	scope='scope=repository:library/busybox:pull,push'
	run -0 curl -sf "$REGISTRY_TOKEN_URL?service=hull-test-registry&$scope"
	[[ $output == *'"expires_in": 90'* ]]
	run -0 jwt_claims "$(token_for "$scope")"
	[[ $output == *'"access": []'* ]]
	REG_ANON=1 run -1 skopeo_inspect library/busybox:latest
	run -0 jwt_claims "$(token_for -u reader:rpw "$scope")"
	[[ $output == *'"actions": ["pull"]'* ]]
	# a refresh token for offline_token=true, and a token for it by POST
	run -0 curl -sf -u "$REGISTRY_USER:$REGISTRY_PASS" "$REGISTRY_TOKEN_URL?service=hull-test-registry&$scope&offline_token=true"
	rt=$(echo "$output" | "$REGISTRY_PY" -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
	run -0 curl -sf -d grant_type=refresh_token -d "refresh_token=$rt" -d service=hull-test-registry \
		-d "scope=repository:library/busybox:pull" "$REGISTRY_TOKEN_URL"
	run -0 jwt_claims "$(echo "$output" | "$REGISTRY_PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
	[[ $output == *'"actions": ["pull"]'* ]]
	run -0 curl -sf -d grant_type=password -d "username=$REGISTRY_USER" -d "password=$REGISTRY_PASS" \
		-d service=hull-test-registry -d "scope=repository:library/busybox:push" "$REGISTRY_TOKEN_URL"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -d grant_type=refresh_token -d refresh_token=bogus "$REGISTRY_TOKEN_URL")" = 401 ]
	run ! grep -q -e "$rt" -e "$REGISTRY_PASS" "$REGISTRY_TOKEN_LOG"
	grep -q '^TOKEN POST /token auth=form-refresh_token user=hulltest status=200' "$REGISTRY_TOKEN_LOG"
	registry_stop

	REGISTRY_TOKEN_ANON=deny registry_start token
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$REGISTRY_TOKEN_URL?service=hull-test-registry&$scope")" = 401 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u "$REGISTRY_USER:$REGISTRY_PASS" "$REGISTRY_TOKEN_URL?service=hull-test-registry&$scope")" = 200 ]
}

@test "fault proxy passthrough: skopeo pushes and pulls through it, uploads and Location included" {
	registry_start token
	fault_proxy_start
	[[ $PROXY =~ ^127\.0\.0\.1:[0-9]+$ && $PROXY_CDN =~ ^127\.0\.0\.1:[0-9]+$ ]]
	skopeo_push_busybox "$PROXY/library/busybox:latest"
	skopeo_fetch "$PROXY/library/busybox:latest" "oci:$BATS_TEST_TMPDIR/o:x"
	# the same image as straight from the registry
	[ "$(skopeo_inspect "$PROXY/library/busybox:latest" --raw)" = "$(skopeo_inspect library/busybox:latest --raw)" ]
	[ "$(proxy_count '^PROXY POST /v2/library/busybox/blobs/uploads/ auth=yes status=202 fault=-')" -ge 1 ]
	[ "$(proxy_count '^PROXY (PATCH|PUT) /v2/library/busybox/blobs/uploads/.* status=20[12] ')" -ge 2 ]
	[ "$(proxy_count '^PROXY PUT /v2/library/busybox/manifests/latest auth=yes status=201')" = 1 ]
	[ "$(proxy_count '^PROXY GET /v2/library/busybox/blobs/sha256:[0-9a-f]{64} auth=yes status=200 fault=-')" -ge 2 ]
	[ "$(proxy_count 'fault=[^-]')" = 0 ]
	# an upload's Location names the proxy, not the registry; libcurl's
	# monolithic PUT (Expect: 100-continue over 1 MiB) and a chunked PATCH pass
	t=$(token_for -u "$REGISTRY_USER:$REGISTRY_PASS" scope=repository:x/y:pull,push)
	head -c 3000000 /dev/urandom > "$BATS_TEST_TMPDIR/blob"
	d=$(sha "$BATS_TEST_TMPDIR/blob")
	loc=$(curl -sf -o /dev/null -w '%header{location}' -X POST -H "Authorization: Bearer $t" "$PROXY_URL/v2/x/y/blobs/uploads/")
	[[ $loc == "http://$PROXY/v2/x/y/blobs/uploads/"* ]]
	run -0 curl -sf -v -X PUT -H "Authorization: Bearer $t" -H 'Content-Type: application/octet-stream' \
		--data-binary "@$BATS_TEST_TMPDIR/blob" "$loc&digest=$d"
	[[ $output == *"Expect: 100-continue"* && $output == *"HTTP/1.1 201 Created"* ]]
	[[ $output == *"Location: http://$PROXY/v2/x/y/blobs/$d"* ]]
	loc=$(curl -sf -o /dev/null -w '%header{location}' -X POST -H "Authorization: Bearer $t" "$PROXY_URL/v2/x/y/blobs/uploads/")
	loc=$(curl -sf -o /dev/null -w '%header{location}' -X PATCH -H "Authorization: Bearer $t" -H 'Transfer-Encoding: chunked' \
		-H 'Content-Type: application/octet-stream' --data-binary "@$BATS_TEST_TMPDIR/blob" "$loc")
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $t" "$loc&digest=$d")" = 201 ]
	[ "$(curl -sf -H "Authorization: Bearer $t" "$PROXY_URL/v2/x/y/blobs/$d" | sha256sum | cut -d' ' -f1)" = "${d#sha256:}" ]
	# upload faults (on=upload) fail skopeo's push; a failed cross-repository
	# mount (POST ?mount=) is one of them, after which skopeo uploads
	fault_proxy_mode error500 on=upload
	run -1 skopeo_push_busybox "$PROXY/library/other:1"
	[ "$(proxy_count '^PROXY POST /v2/library/other/blobs/uploads/\?from=library%2Fbusybox&mount=sha256%3A[0-9a-f]{64} auth=yes status=500 fault=error500')" = 1 ]
	[ "$(proxy_count '^PROXY POST /v2/library/other/blobs/uploads/ auth=yes status=500 fault=error500')" = 1 ]
	fault_proxy_mode passthrough
	skopeo_push_busybox "$PROXY/library/other:1"
}

@test "fault proxy corrupt and truncate: one byte flipped, or the connection cut, on the blob chosen" {
	registry_start plain
	skopeo_push_busybox
	busybox_blob
	fault_proxy_start corrupt
	u=$PROXY_URL/v2/library/busybox/blobs/$BLOB
	curl -sf -o "$BATS_TEST_TMPDIR/b" "$u"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/b")" = "$BLOB_SIZE" ]
	[ "$(sha "$BATS_TEST_TMPDIR/b")" != "$BLOB" ]
	curl -sf -o "$BATS_TEST_TMPDIR/good" "$REGISTRY_URL/v2/library/busybox/blobs/$BLOB"
	[ "$(sha "$BATS_TEST_TMPDIR/good")" = "$BLOB" ]
	[ "$(cmp -l "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/good" | wc -l)" = 1 ]
	# skopeo notices
	run -1 skopeo_fetch "$PROXY/library/busybox:latest" "oci:$BATS_TEST_TMPDIR/o:x"
	[[ ${output,,} == *"digest"* ]]
	# HEAD is left alone, and nth= picks one request
	[ "$(curl -s -o /dev/null -w '%{http_code}' -I "$u")" = 200 ]
	fault_proxy_mode corrupt nth=2 at=0
	curl -sf -o "$BATS_TEST_TMPDIR/1" "$u"
	curl -sf -o "$BATS_TEST_TMPDIR/2" "$u"
	curl -sf -o "$BATS_TEST_TMPDIR/3" "$u"
	[ "$(sha "$BATS_TEST_TMPDIR/1")" = "$BLOB" ] && [ "$(sha "$BATS_TEST_TMPDIR/3")" = "$BLOB" ]
	[ "$(cmp "$BATS_TEST_TMPDIR/2" "$BATS_TEST_TMPDIR/good" 2>&1)" = "$BATS_TEST_TMPDIR/2 $BATS_TEST_TMPDIR/good differ: byte 1, line 1" ]

	fault_proxy_mode truncate after=1000
	# curl 18: transfer closed with outstanding read data remaining
	run -18 curl -s -o "$BATS_TEST_TMPDIR/t" "$u"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/t")" = 1000 ]
	fault_proxy_mode truncate match=sha256:0000
	curl -sf -o "$BATS_TEST_TMPDIR/t" "$u"
	[ "$(sha "$BATS_TEST_TMPDIR/t")" = "$BLOB" ]
	[ "$(proxy_count "^PROXY GET .* status=200 fault=truncate")" = 1 ]
}

@test "fault proxy error500, stall and slow" {
	registry_start plain
	skopeo_push_busybox
	busybox_blob
	fault_proxy_start error500 count=1
	u=$PROXY_URL/v2/library/busybox/blobs/$BLOB
	run -0 curl -s -w '\n%{http_code}' "$u"
	[ "${lines[-1]}" = 500 ]
	[[ ${lines[0]} == '{"errors": [{"code": "UNKNOWN", "message": "injected fault"'* ]]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$u")" = 200 ]
	fault_proxy_mode error500 on=manifest status=503
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$PROXY_URL/v2/library/busybox/manifests/latest")" = 503 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -I "$PROXY_URL/v2/library/busybox/manifests/latest")" = 503 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$u")" = 200 ]
	# several lines: the first that selects a request takes it
	fault_proxy_modes "truncate count=1" "error500 count=1"
	run -18 curl -s -o /dev/null "$u"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$u")" = 500 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$u")" = 200 ]

	fault_proxy_mode stall after=100
	# curl 28: timed out, with the 100 bytes sent before the stall
	run -28 curl -s -m 0.5 -o "$BATS_TEST_TMPDIR/s" "$u"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/s")" = 100 ]
	[ "$(proxy_count 'status=200 fault=stall')" = 1 ]
	fault_proxy_mode stall after=100 for=0.3
	t0=$(date +%s%N)
	curl -sf -m 5 -o "$BATS_TEST_TMPDIR/s" "$u"
	[ $((($(date +%s%N) - t0) / 1000000)) -ge 300 ]
	[ "$(sha "$BATS_TEST_TMPDIR/s")" = "$BLOB" ]

	# slow: about size / rate seconds
	fault_proxy_mode slow rate=$((BLOB_SIZE * 2))
	t0=$(date +%s%N)
	curl -sf -o "$BATS_TEST_TMPDIR/w" "$u"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -ge 400 ] && [ "$ms" -lt 20000 ]
	[ "$(sha "$BATS_TEST_TMPDIR/w")" = "$BLOB" ]
}

@test "fault proxy wrong-manifest: another body, with the real, a matching or no Docker-Content-Digest" {
	registry_start plain
	skopeo_push_busybox
	skopeo_push_busybox library/busybox:v2 --format v2s2
	acc='Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
	curl -sf -H "$acc" -o "$BATS_TEST_TMPDIR/real" "$REGISTRY_URL/v2/library/busybox/manifests/latest"
	real=$(sha "$BATS_TEST_TMPDIR/real")
	fault_proxy_start wrong-manifest

	# dig HEADERS-FILE: its Docker-Content-Digest
	dig() { tr -d '\r' < "$1" | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p'; }
	m=$BATS_TEST_TMPDIR/m h=$BATS_TEST_TMPDIR/h
	curl -sf -H "$acc" -D "$h" -o "$m" "$PROXY_URL/v2/library/busybox/manifests/$real"
	[ "$(sha "$m")" != "$real" ]
	[ "$(dig "$h")" = "$real" ]
	[ "$(head -c "$(stat -c %s "$BATS_TEST_TMPDIR/real")" "$m" | sha /dev/stdin)" = "$real" ]

	fault_proxy_mode wrong-manifest digest=fake
	curl -sf -H "$acc" -D "$h" -o "$m" "$PROXY_URL/v2/library/busybox/manifests/latest"
	[ "$(dig "$h")" = "$(sha "$m")" ] && [ "$(sha "$m")" != "$real" ]
	curl -sf -I -H "$acc" -D "$h" -o /dev/null "$PROXY_URL/v2/library/busybox/manifests/latest"
	[ "$(dig "$h")" = "$(sha "$m")" ]

	fault_proxy_mode wrong-manifest digest=none with=v2
	curl -sf -H "$acc" -D "$h" -o "$m" "$PROXY_URL/v2/library/busybox/manifests/latest"
	[ -z "$(dig "$h")" ]
	grep -q '"mediaType":"application/vnd.docker.distribution.manifest.v2+json"' "$m"
	grep -qi '^content-type: application/vnd.docker.distribution.manifest.v2+json' "$h"
	# skopeo, asked for the digest, notices (not with --raw, which does not check)
	run -1 skopeo_inspect "$PROXY/library/busybox@$real"
	[[ $output == *"does not match"* ]]
}

@test "fault proxy redirect: blobs come from the CDN, which logs whether Authorization came" {
	registry_start token
	skopeo_push_busybox
	busybox_blob
	fault_proxy_start redirect
	t=$(token_for -u "$REGISTRY_USER:$REGISTRY_PASS" scope=repository:library/busybox:pull)
	u=$PROXY_URL/v2/library/busybox/blobs/$BLOB
	run -0 curl -s -i -H "Authorization: Bearer $t" "$u"
	[[ ${lines[0]} == "HTTP/1.1 307 "* ]]
	[[ $output == *"Location: http://$PROXY_CDN/cdn/"*"/$BLOB?sig="* ]]
	# unauthenticated: the registry's 401 and challenge, not a redirect
	run -0 curl -s -i "$u"
	[[ ${lines[0]} == "HTTP/1.1 401 "* && $output == *"Www-Authenticate: Bearer realm="* ]]
	# libcurl (hull's transport) does not send a custom Authorization to another port
	curl -sfL -H "Authorization: Bearer $t" -o "$BATS_TEST_TMPDIR/b" "$u"
	[ "$(sha "$BATS_TEST_TMPDIR/b")" = "$BLOB" ]
	[ "$(proxy_count '^CDN GET /cdn/.* auth=no status=200')" = 1 ]
	# the CDN does record one when it comes
	loc=$(curl -s -o /dev/null -w '%{redirect_url}' -H "Authorization: Bearer $t" "$u")
	curl -sf -H "Authorization: Bearer $t" -o /dev/null "$loc"
	[ "$(proxy_count '^CDN GET /cdn/.* auth=yes status=200')" = 1 ]
	[ "$(proxy_count '^PROXY GET .* status=307 fault=redirect')" -ge 2 ]
	# HEAD too, when asked
	[ "$(curl -s -o /dev/null -w '%{http_code}' -I -H "Authorization: Bearer $t" "$u")" = 200 ]
	fault_proxy_mode redirect head=yes
	run -0 curl -sIL -H "Authorization: Bearer $t" "$u"
	[[ ${lines[0]} == "HTTP/1.1 307 "* && $output == *"Content-Length: $BLOB_SIZE"* ]]
	# another host name for the CDN, and skopeo follows
	fault_proxy_mode redirect host=localhost code=302
	skopeo_fetch "$PROXY/library/busybox:latest" "oci:$BATS_TEST_TMPDIR/o:x"
	[ "$(proxy_count '^PROXY GET .* status=302 fault=redirect')" -ge 1 ]
	[ "$(proxy_count '^CDN GET .* auth=no status=200')" -ge 2 ]
	run ! grep -q "$REGISTRY_PASS" "$PROXY_LOG"
}

@test "skopeo_push_multiarch: an OCI index of amd64 and arm64 with shared layers and a whiteout layer" {
	registry_start plain
	skopeo_push_multiarch
	[[ $MULTI_INDEX == sha256:* && $MULTI_AMD64 == sha256:* && $MULTI_ARM64 == sha256:* ]]
	run -0 skopeo_inspect library/multi:latest --raw
	[ "$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)" = "${MULTI_INDEX#sha256:}" ]
	run -0 "$REGISTRY_PY" -c '
import json, sys
i = json.loads(sys.argv[1])
assert i["mediaType"] == "application/vnd.oci.image.index.v1+json"
print(" ".join("%s/%s=%s" % (m["platform"]["os"], m["platform"]["architecture"], m["digest"]) for m in i["manifests"]))' "$output"
	[ "$output" = "linux/amd64=$MULTI_AMD64 linux/arm64=$MULTI_ARM64" ]
	run -0 skopeo_inspect library/multi:latest --override-arch arm64 --config
	[[ $output == *'"architecture": "arm64"'* ]]
	# the two share every layer but the last, which holds /etc/platform
	a=$(skopeo_inspect "library/multi@$MULTI_AMD64" --raw)
	b=$(skopeo_inspect "library/multi@$MULTI_ARM64" --raw)
	run -0 "$REGISTRY_PY" -c '
import json, sys
a, b = (json.loads(x)["layers"] for x in sys.argv[1:3])
assert len(a) == len(b) == 4 and a[:3] == b[:3] and a[3] != b[3], (a, b)' "$a" "$b"
	skopeo_fetch library/multi:latest "oci:$BATS_TEST_TMPDIR/l:arm" --override-arch arm64
	umoci unpack --image "$BATS_TEST_TMPDIR/l:arm" "$BATS_TEST_TMPDIR/bundle" >/dev/null
	r=$BATS_TEST_TMPDIR/bundle/rootfs
	[ "$(cat "$r/etc/platform")" = linux/arm64 ]
	[ -x "$r/bin/busybox" ] && [ -f "$r/wh/keep" ] && [ -f "$r/wh/dir/new" ]
	[ ! -e "$r/wh/gone" ] && [ ! -e "$r/wh/dir/old" ]
	# the same arguments, the same digests
	g() { "$REGISTRY_PY" "$REGISTRY_TOOLS/mkimage-layout" --layers 2 --size 300K --whiteouts \
		--platform linux/amd64 --platform linux/arm/v7 "$@"; }
	run -0 g "$BATS_TEST_TMPDIR/g1"
	[[ ${lines[-1]} == "index sha256:"* ]]
	[ "$(g "$BATS_TEST_TMPDIR/g2")" = "$output" ]
	[ "$(g --seed other "$BATS_TEST_TMPDIR/g3" | tail -n1)" != "${lines[-1]}" ]
}

@test "store_snapshot: relative paths and sizes, sorted, without lock files" {
	d=$BATS_TEST_TMPDIR/s
	mkdir -p "$d/b/c" "$d/a"
	printf 12345 > "$d/b/c/f"
	: > "$d/a/e"
	: > "$d/lock"
	: > "$d/b/x.lock"
	ln -s c/f "$d/b/l"
	run -0 store_snapshot "$d"
	[ "$output" = $'a/e 0\nb/c/f 5\nb/l 3' ]
	before=$(store_snapshot "$HULL_ROOT")
	[[ $before == *"images/index.json "* ]]
	[[ $before != *" lock "* && $before != lock* ]]
}

@test "registry_stop kills and reaps every server; a server dies with the shell that started it" {
	registry_start token
	fault_proxy_start
	pids="$REGISTRY_PID $REGISTRY_TOKEN_PID $PROXY_PID"
	ports="${REGISTRY#*:} ${REGISTRY_TOKEN_URL##*:} ${PROXY#*:} ${PROXY_CDN#*:}"
	ports=${ports//\/token/}
	registry_stop
	for p in $pids; do [ ! -e "/proc/$p" ]; done
	for p in $ports; do [ -z "$(ss -Hltn "sport = :$p")" ]; done
	[ ! -e "$BATS_TEST_TMPDIR/.registry-pids" ]
	# the safety net for a bats killed before its teardown: servers die with
	# the shell that started them (here a bash under a subreaper that reaps
	# them, so that no zombie is left to this machine's init)
	mkdir "$BATS_TEST_TMPDIR/sub"
	timeout 20 "$REGISTRY_PY" -c '
import ctypes, os, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
subprocess.run(sys.argv[1:], check=True)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break' bash -c 'REGISTRY_BASE=$2; . "$1" && registry_start token &&
		echo "$REGISTRY_PID $REGISTRY_TOKEN_PID" > "$2/pids"' _ "$REGISTRY_TOOLS/registry.bash" "$BATS_TEST_TMPDIR/sub"
	read -r a b < "$BATS_TEST_TMPDIR/sub/pids"
	[ -n "$a" ] && [ -n "$b" ]
	[ ! -e "/proc/$a" ] && [ ! -e "/proc/$b" ]
}
