#!/usr/bin/env bats
# hull build: COPY/ADD, .dockerignore, heredocs, WORKDIR, metadata instructions.
load helpers

@test "build: COPY rules: globs, dirs, trailing slash, --chown, --chmod, mtime, symlinked dest" {
	d=$(ctx_dir)
	mkdir -p "$d/dir/sub"
	echo 1 > "$d/f1.txt"
	echo 2 > "$d/f2.txt"
	echo s > "$d/dir/sub/s"
	touch -d '2001-02-03 04:05:06' "$d/f1.txt"
	cat > "$d/Dockerfile" <<-'DF'
	FROM busybox
	RUN mkdir -p /real && ln -s /real /link && echo 'app:x:2367:3267::/:/bin/sh' >> /etc/passwd && echo 'grp:x:3267:' >> /etc/group
	COPY f*.txt /glob/
	COPY dir /d
	COPY f1.txt /named
	COPY --chown=app:grp --chmod=741 f2.txt /link/
	WORKDIR /w
	COPY f1.txt rel/
	DF
	hull build -q -t fl-copy "$d"
	run hull run --rm fl-copy sh -c 'ls /glob; cat /d/sub/s /named; stat -c "%u:%g %a" /real/f2.txt; ls -ld /link | cut -c1; cat /w/rel/f1.txt; date -u -r /named +%Y'
	[ "$output" = "$(printf 'f1.txt\nf2.txt\ns\n1\n2367:3267 741\nl\n1\n2001')" ]
}

@test "build: COPY of a directory onto the image's symlinked directories follows them inside the root" {
	d=$(ctx_dir)
	# a merged-/usr image: /bin -> usr/bin, and links that point out of the root
	mkdir -p "$d/layout/usr/bin" "$d/layout/usr/lib"
	ln -s usr/bin "$d/layout/bin"
	ln -s /usr/lib "$d/layout/lib"
	ln -s ../../../../../usr/lib "$d/layout/up"
	ln -s usr/bin/busybox "$d/layout/file"
	ln -s nowhere "$d/layout/dangling"
	u=hull-copy-$$-$BATS_TEST_NUMBER
	mkdir -p "$d/ctx/bin" "$d/ctx/lib" "$d/ctx/up"
	echo f > "$d/ctx/bin/f"
	echo g > "$d/ctx/lib/$u"
	echo h > "$d/ctx/up/$u-up"
	cat > "$d/Dockerfile" <<-'DF'
	FROM scratch
	COPY --from=busybox /bin/busybox /usr/bin/busybox
	COPY layout/ /
	COPY ctx/ /
	DF
	run hull build -q -t fl-merged "$d"
	[ "$status" -eq 0 ]
	run hull run --rm fl-merged busybox sh -c "for l in /bin /lib /up; do readlink \$l; done; cat /usr/bin/f /usr/lib/$u /usr/lib/$u-up"
	[ "$output" = "$(printf 'usr/bin\n/usr/lib\n../../../../../usr/lib\nf\ng\nh')" ]
	# nothing was written through the links onto the host
	[ ! -e "/usr/lib/$u" ]
	[ ! -e "/usr/lib/$u-up" ]
	# a link to a file or to nothing stops the copy, as BuildKit's copier
	for l in file dangling; do
		rm -rf "$d/ctx" && mkdir -p "$d/ctx/$l" && echo x > "$d/ctx/$l/x"
		run hull build -q "$d"
		[ "$status" -eq 1 ]
		[[ $output == *"Dockerfile:4: COPY"*"cannot copy to non-directory: /$l"* ]]
	done
}

@test "build: .dockerignore: patterns, exceptions, ignored sources fail" {
	d=$(ctx_dir)
	mkdir -p "$d/big/deep" "$d/keep"
	echo x > "$d/big/deep/f"
	echo k > "$d/keep/k.txt"
	echo l > "$d/keep/n.log"
	echo i > "$d/keep/important.log"
	printf '# comment\n/big\n**/*.log\n!keep/important.log\n' > "$d/.dockerignore"
	printf 'FROM busybox\nCOPY . /ctx/\n' > "$d/Dockerfile"
	hull build -q -t fl-ign "$d"
	run hull run --rm fl-ign sh -c 'cd /ctx && find . -type f | sort'
	[ "$output" = "$(printf './.dockerignore\n./Dockerfile\n./keep/important.log\n./keep/k.txt')" ]
	printf 'FROM busybox\nCOPY big/deep/f /f\n' > "$d/Dockerfile"
	run hull build "$d"
	[ "$status" -eq 1 ]
	[[ $output == *"Dockerfile:2: COPY"*"big/deep/f"* ]]
	# <Dockerfile>.dockerignore wins over the context's
	printf 'FROM busybox\nCOPY . /ctx/\n' > "$d/other.Dockerfile"
	printf 'keep\n' > "$d/other.Dockerfile.dockerignore"
	hull build -q -t fl-ign2 -f "$d/other.Dockerfile" "$d"
	run hull run --rm fl-ign2 sh -c 'ls /ctx/big/deep; ls /ctx/keep'
	[ "${lines[0]}" = f ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "build: ADD extracts local tar archives (gzip, bzip2, xz, zstd) and copies other files" {
	d=$(ctx_dir)
	mkdir "$d/t"
	echo inner > "$d/t/in.txt"
	tar czf "$d/a.tgz" -C "$d/t" in.txt
	tar cjf "$d/a.tbz" -C "$d/t" in.txt
	tar cJf "$d/a.txz" -C "$d/t" in.txt
	tar --zstd -cf "$d/a.tzst" -C "$d/t" in.txt
	echo plain > "$d/notar.gz"
	printf 'FROM busybox\nADD a.tgz /gz\nADD a.tbz /bz/\nADD a.txz /xz/\nADD a.tzst /zs/\nADD notar.gz /n/\nCOPY a.tgz /copied/\n' > "$d/Dockerfile"
	hull build -q -t fl-add "$d"
	run hull run --rm fl-add sh -c 'cat /gz/in.txt /bz/in.txt /xz/in.txt /zs/in.txt /n/notar.gz; ls /copied'
	[ "$output" = "$(printf 'inner\ninner\ninner\ninner\nplain\na.tgz')" ]
}

@test "build: COPY and ADD keep hard links among the names they copy, in the layer too" {
	d=$(ctx_dir)
	mkdir "$d/d"
	echo data > "$d/d/a"
	ln "$d/d/a" "$d/d/b"
	echo c > "$d/c"
	ln "$d/c" "$d/c2"
	tar -cf "$d/arc.tar" -C "$d" d
	# o1/x and o2/y are one file, but o2/x replaces the copy of o1/x
	mkdir "$d/o1" "$d/o2"
	echo one > "$d/o1/x"
	ln "$d/o1/x" "$d/o2/y"
	echo other > "$d/o2/x"
	cat > "$d/Dockerfile" <<-'DF'
	FROM busybox AS src
	RUN mkdir /s && echo s > /s/one && ln /s/one /s/two
	FROM busybox
	COPY d /d/
	COPY c c2 /e/
	COPY --chown=12:34 --chmod=640 d /f/
	COPY c /g/
	COPY --from=src /s /s/
	ADD arc.tar /h/
	COPY o1 o2 /o/
	DF
	hull build -q -t fl-hardlink "$d"
	# each pair one inode (with --chown/--chmod's owner and mode); one name alone a plain file
	run -0 hull run --rm fl-hardlink sh -c '
		for p in "d/a d/b" "e/c e/c2" "f/a f/b" "s/one s/two" "h/d/a h/d/b"; do
			set -- $p
			[ "$(stat -c %i "/$1")" = "$(stat -c %i "/$2")" ] && s=same || s=apart
			echo "$p $s $(stat -c "%h %u:%g %a" "/$2")"
		done
		stat -c "%n %h" /g/c /o/x /o/y
		cat /o/x /o/y'
	[ "$output" = "$(printf '%s\n' 'd/a d/b same 2 0:0 644' 'e/c e/c2 same 2 0:0 644' \
		'f/a f/b same 2 12:34 640' 's/one s/two same 2 0:0 644' 'h/d/a h/d/b same 2 0:0 644' \
		'/g/c 1' '/o/x 1' '/o/y 1' other one)" ]
	# the layers store the second name as a hard link entry (tar type '1'), as docker's
	hull save -o "$BATS_TEST_TMPDIR/hl.tar" fl-hardlink
	mkdir "$BATS_TEST_TMPDIR/hl"
	tar -xf "$BATS_TEST_TMPDIR/hl.tar" -C "$BATS_TEST_TMPDIR/hl"
	run -0 python3 -c '
import json, sys, tarfile
m = json.load(open(sys.argv[1] + "/manifest.json"))
for l in m[0]["Layers"]:
    for e in tarfile.open(sys.argv[1] + "/" + l):
        if e.islnk():
            print(e.name, e.linkname, e.size)
' "$BATS_TEST_TMPDIR/hl"
	[ "$output" = "$(printf '%s\n' 'd/b d/a 0' 'e/c2 e/c 0' 'f/b f/a 0' 's/two s/one 0' 'h/d/b h/d/a 0')" ]
	# two files with the same contents instead of one: not the cached layer
	rm "$d/c2"
	cp "$d/c" "$d/c2"
	hull build -q -t fl-hardlink "$d"
	run -0 hull run --rm fl-hardlink stat -c %h /e/c /e/c2
	[ "$output" = "$(printf '1\n1')" ]
}

@test "build: ADD <url> over HTTP with --checksum" {
	command -v python3 || skip "needs python3"
	d=$(ctx_dir)
	mkdir "$d/srv"
	echo served > "$d/srv/file.txt"
	port=$((20000 + RANDOM % 20000))
	python3 -m http.server --bind 127.0.0.1 --directory "$d/srv" "$port" >/dev/null 2>&1 &
	pid=$!
	fetch "http://127.0.0.1:$port/file.txt" >/dev/null
	sum=$(sha256sum "$d/srv/file.txt" | cut -d' ' -f1)
	printf 'FROM busybox\nADD http://127.0.0.1:%s/file.txt /dl/\nADD --checksum=sha256:%s http://127.0.0.1:%s/file.txt /dl2\n' "$port" "$sum" "$port" > "$d/Dockerfile"
	run hull build -q -t fl-url "$d"
	st=$status
	printf 'FROM busybox\nADD --checksum=sha256:%064d http://127.0.0.1:%s/file.txt /dl2\n' 0 "$port" > "$d/Dockerfile"
	run2=$(hull build -q "$d" 2>&1) && bad=0 || bad=$?
	printf 'FROM busybox\nADD http://127.0.0.1:%s/missing /x\n' "$port" > "$d/Dockerfile"
	missing=$(hull build -q "$d" 2>&1) && miss=0 || miss=$?
	kill "$pid"
	[ "$st" -eq 0 ]
	run hull run --rm fl-url sh -c 'cat /dl/file.txt /dl2; stat -c %a /dl/file.txt'
	[ "$output" = "$(printf 'served\nserved\n600')" ]
	[ "$bad" -eq 1 ]
	[[ $run2 == *"Dockerfile:2"*"digest mismatch"* ]]
	[ "$miss" -eq 1 ]
	[[ $missing == *"Dockerfile:2"*"404"* ]]
}

@test "build: heredocs in RUN and COPY" {
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-'DF'
	FROM busybox
	ARG NAME=world
	RUN <<EOF
	echo "first $NAME" > /one
	echo second >> /one
	EOF
	RUN cat <<A > /two && cat <<-B >> /two
	from A
	A
		from B
		B
	RUN <<EOF
	#!/bin/sh
	echo "shebang $0" > /three
	EOF
	COPY <<EOF /four
	hello $NAME
	EOF
	COPY <<'EOF' /five
	hello $NAME
	EOF
	COPY <<EOF /six
	"a\"b" \"e\" '$NAME' "$NAME" it's
	EOF
	DF
	hull build -q -t fl-here "$d"
	run hull run --rm fl-here cat /one /two /three /four /five /six
	[ "${lines[0]}" = "first world" ]
	[ "${lines[1]}" = "second" ]
	[ "${lines[2]}" = "from A" ]
	[ "${lines[3]}" = "from B" ]
	[[ ${lines[4]} == "shebang /"*"/EOF" ]]
	[ "${lines[5]}" = 'hello world' ]
	[ "${lines[6]}" = 'hello $NAME' ]
	# an expanded COPY heredoc keeps quotes as they are; a backslash escapes
	[ "${lines[7]}" = "\"a\"b\" \"e\" 'world' \"world\" it's" ]
	# the script file does not stay in the image
	run hull run --rm fl-here sh -c 'ls -a / | grep -c heredoc'
	[ "$output" = 0 ]
}

@test "build: WORKDIR creates the directory owned by USER, relative to the previous one" {
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-'DF'
	FROM busybox
	RUN echo 'http:x:1000:1000::/home/http:/bin/sh' >> /etc/passwd && echo 'http:x:1000:' >> /etc/group
	USER http
	WORKDIR /home/http
	WORKDIR public
	USER root
	RUN pwd > /pwd
	DF
	hull build -q -t fl-wd "$d"
	run hull run --rm fl-wd sh -c 'stat -c "%u:%g %n" /home/http/public; cat /pwd'
	[ "$output" = "$(printf '1000:1000 /home/http/public\n/home/http/public')" ]
	run hull inspect fl-wd --format '{{.Config.WorkingDir}}'
	[ "$output" = /home/http/public ]
}

@test "build: RUN layers carry no runtime mount stubs" {
	d=$(ctx_dir)
	printf 'FROM scratch\nCOPY --from=busybox /bin/busybox /bin/busybox\nRUN ["/bin/busybox", "touch", "/made"]\n' > "$d/Dockerfile"
	hull build -q -t fl-stub "$d"
	run hull run --rm fl-stub /bin/busybox sh -c 'true'
	run hull inspect fl-stub --format '{{json .RootFS.Layers}}'
	[ "$(tr -cd , <<<"$output")" = , ]
	top=$(ls -t "$HULL_ROOT/layers" | head -1)
	run ls -A "$HULL_ROOT/layers/$top/diff"
	[ "$output" = made ]
}

@test "build: metadata instructions land in the config" {
	d=$(ctx_dir)
	cat > "$d/Dockerfile" <<-'DF'
	FROM busybox
	ARG P=8080
	ENV A=1 B="two words"
	LABEL one=1 "two"="2 2"
	MAINTAINER someone
	EXPOSE $P 53/udp 7000-7001
	VOLUME ["/data", "/other"]
	VOLUME /plain
	STOPSIGNAL SIGUSR1
	SHELL ["/bin/sh", "-ec"]
	HEALTHCHECK --interval=5m --timeout=3s --start-period=10m --start-interval=30s --retries=4 CMD wget -q localhost || exit 1
	USER nobody
	ENTRYPOINT ["/bin/echo"]
	CMD hi
	DF
	hull build -q -t fl-meta "$d"
	run hull inspect fl-meta --format '{{json .Config.Env}} {{json .Config.Labels}} {{.Author}} {{.Config.StopSignal}} {{.Config.User}}'
	[[ $output == *'"A=1","B=two words"] {"one":"1","two":"2 2"} someone SIGUSR1 nobody' ]]
	# Go maps: docker's json function writes their keys sorted
	run hull inspect fl-meta --format '{{json .Config.ExposedPorts}} {{json .Config.Volumes}}'
	[ "$output" = '{"53/udp":{},"7000/tcp":{},"7001/tcp":{},"8080/tcp":{}} {"/data":{},"/other":{},"/plain":{}}' ]
	run hull inspect fl-meta --format '{{json .Config.Healthcheck}}'
	[ "$output" = '{"Test":["CMD-SHELL","wget -q localhost || exit 1"],"Interval":300000000000,"Timeout":3000000000,"StartPeriod":600000000000,"StartInterval":30000000000,"Retries":4}' ]
	run hull inspect fl-meta --format '{{json .Config.Shell}} {{json .Config.Entrypoint}} {{json .Config.Cmd}}'
	[ "$output" = '["/bin/sh","-ec"] ["/bin/echo"] ["/bin/sh","-ec","hi"]' ]
	printf 'FROM fl-meta\nHEALTHCHECK NONE\n' > "$d/Dockerfile"
	hull build -q -t fl-meta2 "$d"
	run hull inspect fl-meta2 --format '{{json .Config.Healthcheck}}'
	[ "$output" = '{"Test":["NONE"]}' ]
}
