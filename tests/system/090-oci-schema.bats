#!/usr/bin/env bats
# Conformance: every OCI document hull writes into its store (image
# manifests and configs; an OCI image index once one is written) validates
# against the OCI image-spec JSON schemas of ../shared/peer/image-spec, with
# python3-jsonschema, plus the rules upstream's Go validator adds (digest
# encoding, Env "NAME=value") and the store invariants checked by
# tests/system/oci-validate (sizes, diff_ids, one history entry per layer).
#
# The store writes no OCI image index: images/index.json is hull's private
# reference table (DESIGN.md "Store layout"), not an image-index document,
# so it is not checked here. The OCI image layout `hull save` writes
# (oci-layout + index.json + blobs/) is validated with the validator's
# OCI-LAYOUT-DIR arguments in 250-save.bats.

load helpers

SPEC=$TOP/../shared/peer/image-spec

setup() {
	[ -d "$SPEC/schema" ] || skip "needs the OCI schemas in $SPEC"
	python3 -c 'import jsonschema' 2>/dev/null || skip "needs python3-jsonschema"
}

validate() { "$TOP/tests/system/oci-validate" "$SPEC" "$@"; }

# build_ctx TAG: build the context in $ctx with the Dockerfile given on stdin
build_ctx() {
	cat > "$ctx/Dockerfile"
	hull build -q -t "$1" "$ctx"
}

@test "the validator rejects broken documents (it can fail)" {
	local bad=$BATS_TEST_TMPDIR/bad
	mkdir -p "$bad/blobs/sha256"
	put() { local h; h=$(printf '%s' "$1" | sha256sum | cut -d' ' -f1); printf '%s' "$1" > "$bad/blobs/sha256/$h"; echo "sha256:$h"; }
	local cfg cfgsize man
	cfg='{"architecture":"amd64","os":"linux","config":{"Env":["NOEQUALS"],"Cmd":"not-an-array"},"rootfs":{"type":"layers","diff_ids":[]},"history":[{"created":"yesterday"}]}'
	cfgsize=$(printf '%s' "$cfg" | wc -c)
	cfg=$(put "$cfg")
	man=$(put "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$cfg\",\"size\":$((cfgsize + 1))},\"layers\":[]}")
	run validate "$bad"
	[ "$status" -eq 1 ]
	[[ $output == *"config schema"*"Cmd"* ]]
	[[ $output == *"Env entry 'NOEQUALS'"* ]]
	[[ $output == *"is not a 'date-time'"* ]]
	[[ $output == *"has size $((cfgsize + 1))"* ]]
	# a JSON blob nobody references is reported, not skipped
	put '{"hello":"world"}' >/dev/null
	run validate "$bad"
	[[ $output == *"neither a manifest, an index nor a referenced config"* ]]
}

@test "an imported image validates" {
	run validate "$HULL_ROOT"
	[ "$status" -eq 0 ]
	[[ $output == *"manifests 1 configs 1 indexes 0 layers 1"* ]]
}

@test "every config field the builder writes validates" {
	ctx=$(ctx_dir)
	echo one > "$ctx/f1"
	mkdir "$ctx/dir" && echo two > "$ctx/dir/f2"
	build_ctx full <<'EOF2'
FROM busybox
MAINTAINER someone@example.com
ARG VERSION=1.2
ENV A=b C="d e" PATH=/usr/local/bin:$PATH
LABEL org.opencontainers.image.version=$VERSION "with space"=v empty=
WORKDIR /app
COPY f1 ./
COPY --chmod=600 dir /app/dir
RUN echo built > /app/g && mkdir -p /var/lib/x
USER 1000:1000
EXPOSE 80 53/udp 8000-8001
VOLUME /data ["/logs"]
STOPSIGNAL SIGTERM
SHELL ["/bin/sh", "-ec"]
ONBUILD RUN echo child
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["python", "server_one.py"]
EOF2
	# the fields are really there, so the schemas checked them
	run hull inspect --format '{{json .Config}}' full
	[ "$status" -eq 0 ]
	for k in '"Cmd":["python","server_one.py"]' '"Entrypoint":["/bin/sh","-c"]' '"User":"1000:1000"' \
		'"WorkingDir":"/app"' '"StopSignal":"SIGTERM"' '"Shell":["/bin/sh","-ec"]' '"OnBuild":["RUN echo child"]' \
		'"8001/tcp":{}' '"53/udp":{}' '"/data":{}' '"org.opencontainers.image.version":"1.2"'; do
		[[ $output == *"$k"* ]] || { echo "missing $k in $output"; false; }
	done
	run validate "$HULL_ROOT"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output =~ manifests\ ([0-9]+)\ configs\ ([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -ge 16 ]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
}

@test "shell forms, an emptied CMD and ENTRYPOINT, and a rebuild from the cache validate" {
	ctx=$(ctx_dir)
	df='FROM busybox
ENTRYPOINT echo hi
CMD []
ENTRYPOINT []
CMD echo $HOME'
	printf '%s\n' "$df" | build_ctx shells
	printf '%s\n' "$df" | build_ctx shells-again
	run hull inspect --format '{{.Id}}' shells
	local id=$output
	run hull inspect --format '{{.Id}}' shells-again
	[ "$output" = "$id" ]
	run hull inspect --format '{{json .Config.Cmd}} {{json .Config.Entrypoint}}' shells
	[ "$output" = '["/bin/sh","-c","echo $HOME"] null' ]
	run validate "$HULL_ROOT"
	[ "$status" -eq 0 ]
}

@test "scratch images validate: empty, metadata only, and with files" {
	# the manifest schema wants at least one layer: an image that would have
	# none gets the empty layer (an empty tar, docker's well-known digest)
	local empty='["sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"]'
	ctx=$(ctx_dir)
	echo data > "$ctx/file"
	printf 'FROM scratch\n' | build_ctx scratch-empty
	printf 'FROM scratch\nENV X=1\nCMD ["/x"]\n' | build_ctx scratch-meta
	printf 'FROM scratch\nCOPY file /file\nLABEL a=b\n' | build_ctx scratch-files
	printf 'FROM scratch\nLABEL a=b\nCOPY file /file\n' | build_ctx scratch-late
	run hull inspect --format '{{json .RootFS.Layers}}' scratch-empty
	[ "$output" = "$empty" ]
	run hull inspect --format '{{json .RootFS.Layers}}' scratch-meta
	[ "$output" = "$empty" ]
	run hull inspect --format '{{json .RootFS.Layers}}' scratch-files
	[ "$(grep -o sha256 <<<"$output" | wc -l)" -eq 1 ]
	[ "$output" != "$empty" ]
	run hull inspect --format '{{json .RootFS.Layers}}' scratch-late
	[ "$(grep -o sha256 <<<"$output" | wc -l)" -eq 2 ]
	run validate "$HULL_ROOT"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "multi-layer images: history entries with and without layers match the layers" {
	ctx=$(ctx_dir)
	build_ctx layers <<'EOF2'
FROM busybox
RUN echo 1 > /one
ENV X=1
RUN echo 2 > /two && rm /one
LABEL done=yes
RUN true
EOF2
	run hull inspect --format '{{json .RootFS.Layers}}' layers
	[ "$(grep -o sha256 <<<"$output" | wc -l)" -eq 4 ]
	run validate "$HULL_ROOT"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *INVALID* ]]
}

@test "a built layer keeps no tar: the validator makes it again and checks it" {
	ctx=$(ctx_dir)
	echo lazy > "$ctx/lazy.txt"
	printf 'FROM busybox\nCOPY lazy.txt /lazy.txt\n' | build_ctx lazy
	run hull inspect --format '{{json .RootFS.Layers}}' lazy
	local d=${output##*,\"sha256:} layer
	d=${d%%\"]}
	[ ! -e "$HULL_ROOT/blobs/sha256/$d" ]
	[ -f "$HULL_ROOT/blobs/lazy/$d" ]
	hull debug layer-tar "sha256:$d" > "$BATS_TEST_TMPDIR/l.tar"
	[ "$(sha256sum < "$BATS_TEST_TMPDIR/l.tar" | cut -d' ' -f1)" = "$d" ]
	[ "$(tar -xOf "$BATS_TEST_TMPDIR/l.tar" lazy.txt)" = lazy ]
	run hull images --format '{{.Size}}' lazy
	[ "$status" -eq 0 ] && [ -n "$output" ]
	# a layer directory changed behind the store's back is caught
	layer=$(grep -l "sha256:$d" "$HULL_ROOT"/layers/*/layer.json)
	layer=${layer%/layer.json}/diff
	cp -a "$layer/lazy.txt" "$BATS_TEST_TMPDIR/keep"
	echo tampered > "$layer/lazy.txt"
	run validate "$HULL_ROOT"
	[ "$status" -eq 1 ]
	[[ $output == *"lazy blob $d: cannot make the tar"*"corrupt"* ]]
	run hull debug layer-tar "sha256:$d"
	[ "$status" -ne 0 ]
	cp -a "$BATS_TEST_TMPDIR/keep" "$layer/lazy.txt"
	run validate "$HULL_ROOT"
	[ "$status" -eq 0 ]
}

@test "the store stays valid after rmi" {
	local before after
	before=$(ls "$HULL_ROOT/blobs/lazy" | wc -l)
	hull rmi layers lazy
	after=$(ls "$HULL_ROOT/blobs/lazy" | wc -l)
	[ "$after" -lt "$before" ]
	run validate "$HULL_ROOT"
	echo "$output"
	[ "$status" -eq 0 ]
}
