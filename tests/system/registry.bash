# Registry peers of the pull/push/login tests: Debian's docker-registry
# (distribution 2.8) in every auth and TLS set-up, a token server, a fault
# proxy, and skopeo helpers to put images into them.  `load registry` after
# `load helpers`; bench scripts may source it too (then set REGISTRY_BASE).
#
# Everything listens on 127.0.0.1 on a port the kernel picks (no race for a
# "free" port), starts in well under a second and is killed by registry_stop,
# which a teardown must call (servers are also bound to die with the shell
# that started them, through setpriv --pdeathsig, so a killed bats leaves
# nothing).  Never start them inside `run` or $(...): they would die at once
# with that subshell.
#
#   registry_start [MODE]   MODE: plain (default), htpasswd, tls, token,
#                           tls-htpasswd, tls-token (any of tls, htpasswd,
#                           token joined by '-').  Exports:
#       REGISTRY            127.0.0.1:PORT
#       REGISTRY_URL        http://127.0.0.1:PORT or https://...
#       REGISTRY_PID        the docker-registry process
#       REGISTRY_MODE       the MODE
#       REGISTRY_DIR        its state: config.yml, registry.log, data/ (storage root)
#       REGISTRY_LOG        its log (access log included)
#       REGISTRY_USER REGISTRY_PASS   htpasswd and token modes (unset otherwise)
#       REGISTRY_CA         tls: the CA that signed the server certificate
#                           (for 127.0.0.1 and localhost)
#       HULL_CERTS_DIR      tls: a docker certs.d tree holding
#                           127.0.0.1:PORT/ca.crt and localhost:PORT/ca.crt
#                           (hull reads it instead of /etc/docker/certs.d;
#                           skopeo takes $HULL_CERTS_DIR/$REGISTRY as --*-cert-dir)
#       REGISTRY_TOKEN_URL  token: the realm, http://127.0.0.1:PORT/token
#       REGISTRY_TOKEN_PID REGISTRY_TOKEN_LOG   token: the server and its request log
#       DOCKER_CONFIG REGISTRY_AUTH_FILE   when unset: an empty per-test
#                           docker config dir (hull login and skopeo share it,
#                           the host's ~/.docker is never read or written)
#     Knobs read by registry_start (token mode):
#       REGISTRY_TOKEN_ANON    pull (default) | none | deny: what anonymous gets
#       REGISTRY_TOKEN_EXPIRES expires_in seconds (default 300; the registry
#                              accepts a token up to 60 s past its expiry;
#                              -90 gives tokens the registry refuses at once)
#       REGISTRY_TOKEN_ARGS    more registry-token-server arguments, e.g.
#                              "--user reader:pw:pull --refresh-tokens"
#   registry_stop           kill and reap every server this test (or, from
#                           teardown_file, this file's setup_file) started
#   registry_token_count [REGEX]   token requests logged (matching REGEX)
#
#   fault_proxy_start [MODE [key=value...]]   a registry-fault-proxy in front of
#                           $REGISTRY (see that script for the modes). Exports
#       PROXY PROXY_URL     127.0.0.1:PORT, http://127.0.0.1:PORT
#       PROXY_CDN           127.0.0.1:PORT of its redirect target
#       PROXY_PID PROXY_LOG PROXY_CONTROL
#   fault_proxy_mode MODE [key=value...]   change the mode (atomically)
#   fault_proxy_modes LINE...   several modes, tried in order per request
#   proxy_count REGEX       lines of PROXY_LOG matching REGEX
#
#   store_snapshot DIR      "PATH SIZE" of every file and symlink under DIR,
#                           sorted, lock files left out: compare before and
#                           after a failed pull
#   skopeo_push SRC REF [ARGS...]   skopeo copy SRC docker://REF; REF without
#                           a host goes to $REGISTRY; TLS, cert dir and
#                           credentials follow REGISTRY_MODE (REG_ANON=1:
#                           no credentials)
#   skopeo_fetch REF DST [ARGS...]  skopeo copy docker://REF DST
#   skopeo_inspect REF [ARGS...]    skopeo inspect docker://REF
#   skopeo_push_busybox [REF [ARGS...]]   `hull save busybox` pushed as REF
#                           (default library/busybox:latest), e.g. ARGS
#                           --format v2s2 for a docker schema 2 manifest
#   skopeo_push_multiarch [REF]     an OCI index of linux/amd64 and linux/arm64
#                           (busybox's layer, a layer with a whiteout, and one
#                           layer per platform holding /etc/platform), pushed
#                           with --all as REF (default library/multi:latest).
#                           Sets MULTI_INDEX, MULTI_AMD64, MULTI_ARM64 (digests)
#                           and MULTI_LAYOUT (the OCI layout it came from)

REGISTRY_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REGISTRY_PY=/usr/bin/python3

# The directory this test's (or this file's) servers and files live in.
_reg_base() {
	printf '%s\n' "${REGISTRY_BASE:-${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:?no BATS_FILE_TMPDIR or REGISTRY_BASE}}}"
}

# _reg_spawn LOG CMD...: start CMD in the background, bound to die with this
# shell, without bats' fd 3 (bats waits for it); record its pid.
_reg_spawn() {
	local log=$1
	shift
	setpriv --pdeathsig TERM "$@" > "$log" 2>&1 3>&- < /dev/null &
	_REG_LAST_PID=$!
	echo "$_REG_LAST_PID" >> "$(_reg_base)/.registry-pids"
}

# _reg_dead PID: gone or a zombie
_reg_dead() {
	local st
	[ -e "/proc/$1" ] || return 0
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$st" = Z ]
}

# _reg_kill PID: TERM, up to 2 s, then KILL; reap it if it is our child
_reg_kill() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 40); do
		_reg_dead "$pid" && break
		sleep 0.05
	done
	_reg_dead "$pid" || kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

registry_stop() {
	local f pid
	f=$(_reg_base)/.registry-pids
	[ -f "$f" ] || return 0
	while read -r pid; do
		[ -n "$pid" ] && _reg_kill "$pid"
	done < "$f"
	rm -f "$f"
}

# _reg_wait_file FILE PID WHAT: wait (10 s) for FILE, failing early if PID died
_reg_wait_file() {
	for _ in $(seq 200); do
		[ -s "$1" ] && return 0
		if _reg_dead "$2"; then
			echo "$3 died at start:" >&2
			cat "${4:-/dev/null}" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "$3 did not start in 10 s" >&2
	return 1
}

# _reg_cert DIR NAME CA: an EC key and certificate NAME.crt for 127.0.0.1 and
# localhost, signed by CA (DIR/CA.crt, DIR/CA.key), or a self-signed CA when
# CA is empty
_reg_cert() {
	local d=$1 n=$2 ca=$3
	if [ -z "$ca" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$d/$n.key" -out "$d/$n.crt" -days 2 -subj "/CN=hull test $n" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature \
			2>/dev/null
	else
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$d/$n.key" -out "$d/$n.csr" -subj "/CN=127.0.0.1" 2>/dev/null &&
			printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
				'basicConstraints=critical,CA:FALSE' \
				'keyUsage=critical,digitalSignature,keyEncipherment' \
				'extendedKeyUsage=serverAuth' > "$d/$n.ext" &&
			openssl x509 -req -in "$d/$n.csr" -CA "$d/$ca.crt" -CAkey "$d/$ca.key" \
				-CAcreateserial -days 2 -extfile "$d/$n.ext" -out "$d/$n.crt" 2>/dev/null
	fi
}

registry_start() {
	local mode=${1:-plain} tls=0 htpasswd=0 token=0 w dir base port scheme=http
	local realm="" tport
	for w in ${mode//-/ }; do
		case $w in
		plain) ;;
		tls) tls=1 ;;
		htpasswd) htpasswd=1 ;;
		token) token=1 ;;
		*) echo "registry_start: unknown mode '$mode'" >&2; return 1 ;;
		esac
	done
	if [ $htpasswd = 1 ] && [ $token = 1 ]; then
		echo "registry_start: htpasswd and token exclude each other" >&2
		return 1
	fi
	base=$(_reg_base)
	dir=$(mktemp -d "$base/registry.XXXXXX")
	mkdir -p "$dir/data"
	if [ -z "${DOCKER_CONFIG:-}" ]; then
		export DOCKER_CONFIG=$base/docker-config
		mkdir -p "$DOCKER_CONFIG"
	fi
	[ -n "${REGISTRY_AUTH_FILE:-}" ] || export REGISTRY_AUTH_FILE=$DOCKER_CONFIG/config.json
	unset REGISTRY_USER REGISTRY_PASS REGISTRY_CA REGISTRY_TOKEN_URL REGISTRY_TOKEN_PID REGISTRY_TOKEN_LOG

	if [ $htpasswd = 1 ] || [ $token = 1 ]; then
		REGISTRY_PASS=pw-$(openssl rand -hex 8) || return 1
		export REGISTRY_USER=hulltest REGISTRY_PASS
	fi
	if [ $htpasswd = 1 ]; then
		htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASS" > "$dir/htpasswd" 2>/dev/null || return 1
	fi
	if [ $token = 1 ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$dir/token.key" -out "$dir/token.crt" -days 2 \
			-subj "/CN=hull test token signer" 2>/dev/null || return 1
		# shellcheck disable=SC2086
		_reg_spawn "$dir/token-server.out" "$REGISTRY_PY" "$REGISTRY_TOOLS/registry-token-server" \
			--key "$dir/token.key" --port-file "$dir/token.port" --log "$dir/token.log" \
			--user "$REGISTRY_USER:$REGISTRY_PASS" --anonymous "${REGISTRY_TOKEN_ANON:-pull}" \
			--expires-in "${REGISTRY_TOKEN_EXPIRES:-300}" ${REGISTRY_TOKEN_ARGS:-}
		export REGISTRY_TOKEN_PID=$_REG_LAST_PID
		_reg_wait_file "$dir/token.port" "$REGISTRY_TOKEN_PID" "registry-token-server" \
			"$dir/token-server.out" || return 1
		tport=$(cat "$dir/token.port")
		export REGISTRY_TOKEN_URL=http://127.0.0.1:$tport/token
		export REGISTRY_TOKEN_LOG=$dir/token.log
		touch "$REGISTRY_TOKEN_LOG"
		realm=$REGISTRY_TOKEN_URL
	fi
	if [ $tls = 1 ]; then
		mkdir -p "$dir/tls"
		_reg_cert "$dir/tls" ca "" && _reg_cert "$dir/tls" server ca || return 1
		export REGISTRY_CA=$dir/tls/ca.crt
		scheme=https
	fi

	{
		echo "version: 0.1"
		echo "log:"
		echo "  level: info"
		echo "  accesslog:"
		echo "    disabled: false"
		echo "storage:"
		echo "  filesystem:"
		echo "    rootdirectory: $dir/data"
		echo "  delete:"
		echo "    enabled: true"
		echo "  maintenance:"
		echo "    uploadpurging:"
		echo "      enabled: false"
		echo "http:"
		echo "  addr: 127.0.0.1:0"
		echo "  secret: hull-test-$(openssl rand -hex 8)"
		if [ $tls = 1 ]; then
			echo "  tls:"
			echo "    certificate: $dir/tls/server.crt"
			echo "    key: $dir/tls/server.key"
		fi
		if [ $htpasswd = 1 ]; then
			echo "auth:"
			echo "  htpasswd:"
			echo "    realm: hull-test-registry"
			echo "    path: $dir/htpasswd"
		elif [ $token = 1 ]; then
			echo "auth:"
			echo "  token:"
			echo "    realm: $realm"
			echo "    service: hull-test-registry"
			echo "    issuer: hull-test-token-server"
			echo "    rootcertbundle: $dir/token.crt"
		fi
	} > "$dir/config.yml"

	# a clean environment: distribution reads REGISTRY_* variables as
	# configuration, and this file exports several
	_reg_spawn "$dir/registry.log" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		/usr/bin/docker-registry serve "$dir/config.yml"
	export REGISTRY_PID=$_REG_LAST_PID
	port=""
	for _ in $(seq 200); do
		port=$(sed -n 's/.*msg="listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/registry.log" | head -n1)
		[ -n "$port" ] && break
		if _reg_dead "$REGISTRY_PID"; then
			echo "docker-registry died at start:" >&2
			cat "$dir/registry.log" >&2
			return 1
		fi
		sleep 0.02
	done
	if [ -z "$port" ]; then
		echo "docker-registry did not start in 4 s" >&2
		return 1
	fi
	export REGISTRY=127.0.0.1:$port
	export REGISTRY_URL=$scheme://$REGISTRY
	export REGISTRY_MODE=$mode REGISTRY_DIR=$dir REGISTRY_LOG=$dir/registry.log
	if [ $tls = 1 ]; then
		[ -n "${HULL_CERTS_DIR:-}" ] || export HULL_CERTS_DIR=$base/certs.d
		mkdir -p "$HULL_CERTS_DIR/$REGISTRY" "$HULL_CERTS_DIR/localhost:$port"
		cp "$REGISTRY_CA" "$HULL_CERTS_DIR/$REGISTRY/ca.crt"
		cp "$REGISTRY_CA" "$HULL_CERTS_DIR/localhost:$port/ca.crt"
	fi
	# it listens; wait until it answers /v2/ (200, or 401 when it wants auth)
	for _ in $(seq 100); do
		case $(curl -s -o /dev/null -w '%{http_code}' -m 2 ${REGISTRY_CA:+--cacert "$REGISTRY_CA"} "$REGISTRY_URL/v2/") in
		200 | 401) return 0 ;;
		esac
		sleep 0.02
	done
	echo "docker-registry at $REGISTRY_URL does not answer /v2/" >&2
	return 1
}

# registry_token_count [REGEX]: how many token requests were logged
registry_token_count() {
	grep -cE "^TOKEN .*${1:-}" "$REGISTRY_TOKEN_LOG" || true
}

fault_proxy_start() {
	local dir ports
	dir=$(mktemp -d "$(_reg_base)/proxy.XXXXXX")
	export PROXY_CONTROL=$dir/control PROXY_LOG=$dir/proxy.log
	touch "$PROXY_LOG"
	fault_proxy_mode "${@:-passthrough}"
	_reg_spawn "$dir/proxy.out" "$REGISTRY_PY" "$REGISTRY_TOOLS/registry-fault-proxy" \
		--upstream "$REGISTRY" ${REGISTRY_CA:+--upstream-ca "$REGISTRY_CA"} \
		--control "$PROXY_CONTROL" --port-file "$dir/ports" --log "$PROXY_LOG"
	export PROXY_PID=$_REG_LAST_PID
	_reg_wait_file "$dir/ports" "$PROXY_PID" registry-fault-proxy "$dir/proxy.out" || return 1
	ports=$(cat "$dir/ports")
	export PROXY=127.0.0.1:${ports% *} PROXY_CDN=127.0.0.1:${ports#* }
	export PROXY_URL=http://$PROXY
}

# fault_proxy_mode MODE [key=value...]: the mode of every following request
fault_proxy_mode() {
	echo "$*" > "$PROXY_CONTROL.tmp" && mv -f "$PROXY_CONTROL.tmp" "$PROXY_CONTROL"
}

# fault_proxy_modes LINE...: several mode lines; a request gets the first
# that selects it ("truncate count=1" "error500 count=1": cut, then 500)
fault_proxy_modes() {
	printf '%s\n' "$@" > "$PROXY_CONTROL.tmp" && mv -f "$PROXY_CONTROL.tmp" "$PROXY_CONTROL"
}

# proxy_count REGEX: lines of the proxy's log matching REGEX
proxy_count() {
	grep -cE "$1" "$PROXY_LOG" || true
}

# store_snapshot DIR: every file and symlink under DIR with its size, sorted
store_snapshot() {
	(cd "$1" && find . \( -type f -o -type l \) ! -name lock ! -name '*.lock' -printf '%P %s\n') |
		LC_ALL=C sort
}

# _reg_ref REF: REF with $REGISTRY in front when it names no host
_reg_ref() {
	case ${1%%/*} in
	*:* | *.* | localhost) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$REGISTRY/$1" ;;
	esac
}

# _reg_skopeo_flags src|dest REF: skopeo's TLS and credential flags for REF
# into the array REG_SKOPEO_FLAGS
_reg_skopeo_flags() {
	local side=$1 host=${2%%/*}
	REG_SKOPEO_FLAGS=()
	if [ -n "${REGISTRY_CA:-}" ] && [ -d "${HULL_CERTS_DIR:-}/$host" ]; then
		REG_SKOPEO_FLAGS+=("--$side-tls-verify=true" "--$side-cert-dir=$HULL_CERTS_DIR/$host")
	else
		REG_SKOPEO_FLAGS+=("--$side-tls-verify=false")
	fi
	if [ -n "${REGISTRY_USER:-}" ] && [ -z "${REG_ANON:-}" ]; then
		REG_SKOPEO_FLAGS+=("--$side-creds=$REGISTRY_USER:$REGISTRY_PASS")
	else
		REG_SKOPEO_FLAGS+=("--$side-no-creds")
	fi
}

skopeo_push() {
	local src=$1 ref
	ref=$(_reg_ref "$2")
	shift 2
	_reg_skopeo_flags dest "$ref"
	skopeo copy -q --retry-times 0 "${REG_SKOPEO_FLAGS[@]}" "$@" "$src" "docker://$ref"
}

skopeo_fetch() {
	local ref dst=$2
	ref=$(_reg_ref "$1")
	shift 2
	_reg_skopeo_flags src "$ref"
	skopeo copy -q --retry-times 0 "${REG_SKOPEO_FLAGS[@]}" "$@" "docker://$ref" "$dst"
}

skopeo_inspect() {
	local ref
	ref=$(_reg_ref "$1")
	shift
	_reg_skopeo_flags "" "$ref"
	# inspect takes --tls-verify, --cert-dir, --creds, --no-creds
	skopeo inspect --retry-times 0 "${REG_SKOPEO_FLAGS[@]/#---/--}" "$@" "docker://$ref"
}

# _reg_busybox_archive: `hull save busybox` once per file (or test)
_reg_busybox_archive() {
	local a
	a=${BATS_FILE_TMPDIR:-$(_reg_base)}/busybox-save.tar
	[ -s "$a" ] || "$HULL" save -o "$a" busybox || return 1
	printf '%s\n' "$a"
}

skopeo_push_busybox() {
	local a
	a=$(_reg_busybox_archive) || return 1
	skopeo_push "oci-archive:$a" "${1:-library/busybox:latest}" "${@:2}"
}

skopeo_push_multiarch() {
	local ref=${1:-library/multi:latest} a d out
	a=$(_reg_busybox_archive) || return 1
	d=$(mktemp -d "$(_reg_base)/multi.XXXXXX")
	mkdir "$d/save"
	tar -xf "$a" -C "$d/save" || return 1
	out=$("$REGISTRY_PY" "$REGISTRY_TOOLS/mkimage-layout" --tag multi \
		--base-tar "$d/save/$("$REGISTRY_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' "$d/save/manifest.json")" \
		--whiteouts --platform-layer --platform linux/amd64 --platform linux/arm64 "$d/layout") || return 1
	MULTI_LAYOUT=$d/layout
	MULTI_INDEX=$(echo "$out" | awk '$1 == "index" {print $2}')
	MULTI_AMD64=$(echo "$out" | awk '$1 == "linux/amd64" {print $2}')
	MULTI_ARM64=$(echo "$out" | awk '$1 == "linux/arm64" {print $2}')
	export MULTI_LAYOUT MULTI_INDEX MULTI_AMD64 MULTI_ARM64
	skopeo_push "oci:$d/layout:multi" "$ref" --all --preserve-digests
}
