#!/usr/bin/env bats
# The content-hash cache (src/build/hashcache.h): the COPY checksum takes the
# digests of unchanged context files from <root>/cache/contenthash.bin, keyed
# by (device, inode, size, mtime, ctime). A file whose contents change must
# re-run its COPY even when its size and mtime are put back; a damaged cache
# file is an empty cache, never a wrong digest.

load helpers

# aged CTX: let the context's files become older than the cache's two-second
# "racy" window, so that their digests are remembered
aged() { sleep 3; }

@test "a file changed with its size and mtime put back re-runs its COPY" {
	ctx=$(ctx_dir)
	printf 'FROM busybox\nCOPY f.txt /f.txt\nCOPY g.txt /g.txt\n' > "$ctx/Dockerfile"
	echo aaaa > "$ctx/f.txt"
	echo gggg > "$ctx/g.txt"
	touch -d '2020-01-01 00:00:00' "$ctx/f.txt"
	aged
	hull build -q -t hc "$ctx"
	[ -s "$HULL_ROOT/cache/contenthash.bin" ]
	# nothing changed: both COPY steps from the cache
	run hull build -t hc "$ctx"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ ---> Using cache$' <<<"$output")" -eq 2 ]
	# same size, same mtime, other contents: only ctime tells
	echo bbbb > "$ctx/f.txt"
	touch -d '2020-01-01 00:00:00' "$ctx/f.txt"
	run hull build -t hc "$ctx"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ ---> Using cache$' <<<"$output")" -eq 0 ]
	run hull run --rm hc cat /f.txt
	[ "$output" = bbbb ]
}

@test "a damaged cache file is ignored" {
	ctx=$(ctx_dir)
	printf 'FROM busybox\nCOPY f.txt /f.txt\n' > "$ctx/Dockerfile"
	echo one > "$ctx/f.txt"
	aged
	hull build -q -t hd "$ctx"
	# flip bytes in the middle: the records' checksum no longer matches
	local f=$HULL_ROOT/cache/contenthash.bin size
	size=$(stat -c %s "$f")
	printf 'XXXXXXXX' | dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc status=none
	echo two > "$ctx/f.txt"
	run hull build -t hd "$ctx"
	[ "$status" -eq 0 ]
	[[ $output != *"Using cache"* ]]
	run hull run --rm hd cat /f.txt
	[ "$output" = two ]
	# and the file was written again, whole
	run hull build -t hd "$ctx"
	[ "$(grep -c '^ ---> Using cache$' <<<"$output")" -eq 1 ]
}
