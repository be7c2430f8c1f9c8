#!/usr/bin/env bats
# hull build: stages, targets, ARG scoping, cache, output shape.
load helpers

@test "build: only the stages the target needs are built" {
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-'DF'
	ARG BASE=busybox
	FROM $BASE AS one
	RUN echo one > /one
	FROM busybox AS broken
	RUN exit 3
	FROM ${BASE} AS two
	COPY --from=one /one /copied
	RUN echo two > /two
	FROM two AS three
	RUN echo three > /three
	DF
	run hull build -t st-two --target two "$d"
	[ "$status" -eq 0 ]
	[[ $output != *"exit 3"* ]]
	[[ $output == *"Step 1/6 : ARG BASE=busybox"* ]]
	run hull run --rm st-two cat /copied /two
	[ "$output" = "$(printf 'one\ntwo')" ]
	run hull run --rm st-two ls /three
	[ "$status" -ne 0 ]
	run hull build -q "$d"
	[ "$status" -eq 0 ]
	run hull build --target nope "$d"
	[ "$status" -eq 1 ]
	[[ $output == *"failed to reach build target nope"* ]]
}

@test "build: COPY --from by index and image name, FROM an earlier stage" {
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-'DF'
	FROM busybox
	RUN echo zero > /z
	FROM scratch
	COPY --from=0 /z /z
	COPY --from=busybox /bin/busybox /bin/busybox
	CMD ["/bin/busybox", "cat", "/z"]
	DF
	hull build -q -t st-idx "$d"
	run hull run --rm st-idx
	[ "$output" = zero ]
}

@test "build: ARG scoping, build args, platform args, proxy args" {
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-'DF'
	ARG V=global
	ARG ONLY_GLOBAL=g
	FROM busybox
	ARG V
	ARG W=${V}-w
	ARG TARGETARCH
	RUN echo "$V $W $ONLY_GLOBAL $TARGETARCH ${http_proxy:-noproxy}" > /out
	DF
	hull build -q -t st-arg "$d"
	run hull run --rm st-arg cat /out
	[[ $output == "global global-w  "*" noproxy" ]]
	[[ $output != *"  noproxy" ]]
	run hull build -t st-arg2 --build-arg V=given --build-arg http_proxy=http://127.0.0.1:9 --build-arg UNUSED=1 "$d"
	[ "$status" -eq 0 ]
	[[ $output == *"[Warning] One or more build-args [UNUSED] were not consumed"* ]]
	run hull run --rm st-arg2 cat /out
	[[ $output == "given given-w  "*" http://127.0.0.1:9" ]]
	# the proxy value is not in the image's history or config
	run hull inspect st-arg2 --format '{{json .Config.Env}}'
	[[ $output != *"127.0.0.1:9"* ]]
}

@test "build: a bare global ARG keeps an automatic platform ARG's value, leaves others unset" {
	case $(uname -m) in
	aarch64) arch=arm64 ;;
	*) arch=amd64 ;;
	esac
	hull tag busybox "base-$arch"
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-'DF'
	ARG TARGETPLATFORM
	ARG TARGETARCH
	ARG G
	FROM --platform=${TARGETPLATFORM} base-${TARGETARCH}
	ARG TARGETARCH
	ARG TARGETPLATFORM
	ARG G
	RUN echo "$TARGETARCH $TARGETPLATFORM ${G-unset} ${BUILDOS-unset}" > /out
	DF
	run hull build -q -t st-plat "$d"
	[ "$status" -eq 0 ]
	run hull run --rm st-plat cat /out
	[ "$output" = "$arch linux/$arch unset unset" ]
	# a build arg still sets a bare one
	hull build -q -t st-plat2 --build-arg G=given "$d"
	run hull run --rm st-plat2 cat /out
	[ "$output" = "$arch linux/$arch given unset" ]
}

@test "build: cache reuse; changing one file rebuilds from the first COPY of it" {
	d=$(ctx_dir)
	echo a > "$d/a"
	echo b > "$d/b"
	cat > "$d/Dockerfile" <<-'DF'
	FROM busybox
	RUN echo first > /first
	COPY a /a
	RUN echo after-a > /x
	COPY b /b
	RUN echo after-b > /y
	DF
	hull build -q "$d"
	run hull build "$d"
	[ "$(grep -c 'Using cache' <<<"$output")" -eq 5 ]
	echo b2 > "$d/b"
	run hull build "$d"
	[ "$(grep -c 'Using cache' <<<"$output")" -eq 3 ]
	[[ $output == *"Step 5/6 : COPY b /b"$'\n'" ---> "[0-9a-f]* ]]
	touch -d '2001-01-01' "$d/a"
	run hull build "$d"
	[ "$(grep -c 'Using cache' <<<"$output")" -eq 5 ]
	chmod 600 "$d/a"
	run hull build "$d"
	[ "$(grep -c 'Using cache' <<<"$output")" -eq 1 ]
	run hull build --no-cache "$d"
	[ "$(grep -c 'Using cache' <<<"$output")" -eq 0 ]
	run hull build --build-arg X=1 "$d"
	[ "$(grep -c 'Using cache' <<<"$output")" -eq 5 ]
}

@test "build: --no-cache-filter rebuilds only the named stage" {
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-'DF'
	FROM busybox AS a
	RUN echo a > /a
	FROM busybox AS b
	COPY --from=a /a /a
	RUN echo b > /b
	DF
	hull build -q "$d"
	run hull build --no-cache-filter b "$d"
	[ "$(grep -c 'Using cache' <<<"$output")" -eq 1 ]
}

@test "build: -q prints only the image id; output has legacy step lines" {
	d=$(ctx_dir)
	printf 'FROM busybox\nRUN echo visible\nENV A=1\n' > "$d/Dockerfile"
	run hull build -q -t st-q "$d"
	[ "$status" -eq 0 ]
	[[ $output =~ ^sha256:[0-9a-f]{64}$ ]]
	[ "$output" = "$(hull inspect st-q --format '{{.Id}}')" ]
	run hull build --no-cache --progress=plain -t st-q "$d"
	[[ ${lines[0]} == "Step 1/3 : FROM busybox" ]]
	[[ $output == *" ---> Running in "* ]]
	[[ $output == *"visible"* ]]
	[[ ${lines[-2]} == "Successfully built "* ]]
	[ "${lines[-1]}" = "Successfully tagged st-q:latest" ]
}

@test "build: ONBUILD triggers run in the child build and are not inherited" {
	d=$(ctx_dir)
	printf 'FROM busybox\nONBUILD RUN touch /onbuild1\nONBUILD RUN touch /onbuild2\n' > "$d/Dockerfile"
	hull build -q -t st-onbuild "$d"
	run hull inspect st-onbuild --format '{{json .Config.OnBuild}}'
	[ "$output" = '["RUN touch /onbuild1","RUN touch /onbuild2"]' ]
	run hull run --rm st-onbuild ls /onbuild1
	[ "$status" -ne 0 ]
	printf 'FROM st-onbuild\nONBUILD RUN touch /onbuild3\n' > "$d/Dockerfile"
	hull build -q -t st-onbuild2 "$d"
	hull run --rm st-onbuild2 ls /onbuild1 /onbuild2
	run hull inspect st-onbuild2 --format '{{json .Config.OnBuild}}'
	[ "$output" = '["RUN touch /onbuild3"]' ]
}
