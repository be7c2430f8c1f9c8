#!/usr/bin/env bats
# hull history / hull image history: docker's columns (IMAGE, CREATED,
# CREATED BY, SIZE, COMMENT), -q, --no-trunc, -H=false, --format, and the
# created_by texts BuildKit writes.

load helpers

setup_file() {
	hull_setup_file
	local d=$BATS_FILE_TMPDIR/ctx
	mkdir -p "$d"
	printf 'hello\n' > "$d/six.txt"
	cat > "$d/Dockerfile" <<'EOF2'
FROM busybox
ARG V=1
ENV A=b C="d e" D=$A
LABEL k=v
WORKDIR app
COPY --chmod=644 six.txt ./
RUN printf 'twelve bytes' > /app/g
USER 1000:1000
EXPOSE 80 53/UDP 8000-8001
VOLUME /data /logs
STOPSIGNAL SIGTERM
SHELL ["/bin/sh", "-ec"]
ENTRYPOINT ["/bin/sh", "-c"]
CMD python server_one.py
EOF2
	"$HULL" build -q -t hist "$d" >/dev/null
}

@test "history: header, one row per history entry, newest first" {
	run hull history hist
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
	# busybox's import entry + 13 build steps (FROM makes no entry)
	[ "${#lines[@]}" -eq 15 ]
	[[ ${lines[1]} == *'CMD ["/bin/sh" "-ec" "python server_one.py"]'* ]]
	[[ ${lines[14]} == *"Imported from"* ]]
	# the newest row is the image itself
	local id
	id=$(hull inspect --format '{{.Id}}' hist)
	[[ ${lines[1]} == "${id:7:12} "* ]]
}

@test "history: created_by as BuildKit writes it" {
	run hull history --no-trunc --format '{{.CreatedBy}}|{{.Size}}|{{.Comment}}' hist
	[ "$status" -eq 0 ]
	printf '%s\n' "$output"
	[ "${lines[0]}" = 'CMD ["/bin/sh" "-ec" "python server_one.py"]|0B|buildkit.dockerfile.v0' ]
	[ "${lines[1]}" = 'ENTRYPOINT ["/bin/sh" "-c"]|0B|buildkit.dockerfile.v0' ]
	[ "${lines[2]}" = 'SHELL [/bin/sh -ec]|0B|buildkit.dockerfile.v0' ]
	[ "${lines[3]}" = 'STOPSIGNAL SIGTERM|0B|buildkit.dockerfile.v0' ]
	[ "${lines[4]}" = 'VOLUME [/data /logs]|0B|buildkit.dockerfile.v0' ]
	[ "${lines[5]}" = 'EXPOSE [80/tcp 53/udp 8000/tcp 8001/tcp]|0B|buildkit.dockerfile.v0' ]
	[ "${lines[6]}" = 'USER 1000:1000|0B|buildkit.dockerfile.v0' ]
	[ "${lines[7]}" = "RUN |1 V=1 /bin/sh -c printf 'twelve bytes' > /app/g # buildkit|12B|buildkit.dockerfile.v0" ]
	[ "${lines[8]}" = 'COPY --chmod=644 six.txt ./ # buildkit|6B|buildkit.dockerfile.v0' ]
	[ "${lines[9]}" = 'WORKDIR /app|0B|buildkit.dockerfile.v0' ]
	[ "${lines[10]}" = 'LABEL k=v|0B|buildkit.dockerfile.v0' ]
	# every word of one ENV sees the environment from before it: D gets the old (unset) A
	[ "${lines[11]}" = 'ENV A=b C=d e D=|0B|buildkit.dockerfile.v0' ]
	[ "${lines[12]}" = 'ARG V=1|0B|buildkit.dockerfile.v0' ]
}

@test "ARG entries name the value in effect, or none" {
	build_image argrows 'FROM busybox
ARG A=1 B
ARG C=$A-x'
	run hull history --format '{{.CreatedBy}}' argrows
	[ "${lines[0]}" = 'ARG C=1-x' ]
	[ "${lines[1]}" = 'ARG A=1 B' ]
}

@test "ENV words see the environment from before the instruction" {
	run hull inspect --format '{{json .Config.Env}}' hist
	[[ $output == *'"A=b","C=d e","D="'* ]]
	build_image envorder 'FROM busybox
ENV abc=hello
ENV abc=bye def=$abc
ENV ghi=$abc'
	run hull run --rm envorder sh -c 'echo $abc $def $ghi'
	[ "$output" = "bye hello bye" ]
}

@test "history: CREATED BY is cut at 45 characters unless --no-trunc" {
	run hull history hist
	[[ $output == *"RUN |1 V=1 /bin/sh -c printf 'twelve bytes' …   12B "* ]]
	run hull history --no-trunc hist
	[[ $output == *"> /app/g # buildkit"* ]]
	[[ $output == *"sha256:"* ]]
}

@test "history -q prints the ids; the intermediate images of a build are named" {
	run hull history -q hist
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 14 ]
	for l in "${lines[@]}"; do [[ $l =~ ^[0-9a-f]{12}$ ]]; done
	run hull history -q --no-trunc hist
	[[ ${lines[13]} == "$(hull inspect --format '{{.Id}}' busybox)" ]]
}

@test "history: <missing> below the first intermediate image that is not in the store" {
	build_image base1 'FROM busybox
ENV STEP=1'
	build_image child1 'FROM base1
ENV STEP=2
LABEL x=y'
	run hull history -q child1
	[ "${#lines[@]}" -eq 4 ]
	[[ ! $output == *"<missing>"* ]]
	# remove the base image: the rows below it lose their ids
	hull rmi base1
	run hull history -q child1
	printf '%s\n' "$output"
	[[ ${lines[0]} =~ ^[0-9a-f]{12}$ ]]
	[[ ${lines[1]} =~ ^[0-9a-f]{12}$ ]]
	[ "${lines[2]}" = "<missing>" ]
	[ "${lines[3]}" = "<missing>" ]
}

@test "history -H=false: RFC 3339 dates and sizes in bytes" {
	run hull history -H=false hist
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^IMAGE\ +CREATED\ AT\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
	[[ ${lines[1]} =~ \ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})\  ]]
	run hull history -H=false --format '{{.Size}}' hist
	[ "${lines[7]}" = 12 ]
	[ "${lines[8]}" = 6 ]
}

@test "history --format: table, json, and a bad template" {
	run hull image history --format 'table {{.ID}}\t{{.Size}}' hist
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^IMAGE\ +SIZE$ ]]
	[[ ${lines[8]} =~ ^[0-9a-f]{12}\ +12B$ ]]
	run hull history --format json hist
	[[ ${lines[0]} == '{"Comment":"buildkit.dockerfile.v0","CreatedAt":"'* ]]
	[[ ${lines[0]} == *'"ID":"'* ]]
	run hull history --format '{{.ID' hist
	[ "$status" -ne 0 ]
	[[ $output == *"template parsing error"* ]]
}

@test "history: errors as docker" {
	# docker/cli cli/required.go: an argument count is no flag error, exit 1
	run hull history
	[ "$status" -eq 1 ]
	[[ $output == *'"hull history" requires exactly 1 argument.'* ]]
	run hull history nosuchimage
	[ "$status" -eq 1 ]
	[[ $output == *"Error response from daemon: No such image: nosuchimage:latest"* ]]
	run hull history --bogus hist
	[ "$status" -eq 125 ]
}
