# Helpers of the 08x-buildah-bud system tests: buildah's tests/bud build
# contexts (../shared/peer/buildah-bud, copied from containers/buildah) built
# with hull, checking what upstream tests/bud.bats asserts.  Load after helpers.
#
# Base images: there is no registry here, so setup_file stands in the base
# names the contexts use with images made from the busybox test image:
#   busybox   the test image itself;
#   alpine    busybox plus what the contexts use of alpine's userland: PATH as
#             alpine sets it, /usr/bin/env, and a small `adduser` (-D, -h);
#   ubuntu    alpine plus a /bin/bash that is busybox sh reporting $0=/bin/bash.
# Contexts that need more (apk, a registry, git, http) are skipped with a reason.

BUD=${BUD:-$TOP/../shared/peer/buildah-bud}
[ -d "$BUD" ] || BUD=/work/shared/peer/buildah-bud

bud_setup_file() {
	hull_setup_file || return 1
	local d
	d=$(mktemp -d "$BATS_FILE_TMPDIR/base.XXXXXX")
	cat > "$d/adduser" <<-'SH'
	#!/bin/sh
	# minimal busybox-style adduser: adduser [-D] [-h HOME] NAME [-h HOME]
	home= name=
	while [ $# -gt 0 ]; do
		case $1 in
		-D) ;;
		-h) home=$2; shift ;;
		*) name=$1 ;;
		esac
		shift
	done
	[ -n "$name" ] || { echo "usage: adduser [-D] [-h HOME] NAME" >&2; exit 1; }
	: "${home:=/home/$name}"
	id=1000
	while grep -q "^[^:]*:[^:]*:$id:" /etc/passwd /etc/group; do id=$((id + 1)); done
	echo "$name:x:$id:$id::$home:/bin/sh" >> /etc/passwd
	echo "$name:x:$id:" >> /etc/group
	mkdir -p "$home" && chown "$id:$id" "$home"
	SH
	cat > "$d/bash" <<-'SH'
	#!/bin/sh
	# stands in for bash: busybox sh, with $0=/bin/bash for `bash -c CMD`
	if [ "$1" = -c ] && [ $# -eq 2 ]; then exec /bin/sh -c "$2" /bin/bash; fi
	exec /bin/sh "$@"
	SH
	cat > "$d/Dockerfile.alpine" <<-'DF'
	FROM busybox
	ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	COPY --chmod=755 adduser /usr/sbin/adduser
	RUN ln -s /bin/env /usr/bin/env && mkdir -p /usr/local/bin /usr/lib /var/lib
	CMD ["/bin/sh"]
	DF
	cat > "$d/Dockerfile.ubuntu" <<-'DF'
	FROM alpine
	COPY --chmod=755 bash /bin/bash
	CMD ["/bin/bash"]
	DF
	"$HULL" build -q -t alpine -f "$d/Dockerfile.alpine" "$d" >/dev/null &&
		"$HULL" build -q -t ubuntu -f "$d/Dockerfile.ubuntu" "$d" >/dev/null ||
		{ echo "building the stand-in base images failed" >&2; return 1; }
}

# bud_ctx NAME: copy the context folder NAME into this test's temporary
# directory (the shared folder is read-only) and print the copy's path.
bud_ctx() {
	local dst=$BATS_TEST_TMPDIR/$1
	mkdir -p "$(dirname "$dst")"
	cp -a "$BUD/$1" "$dst"
	printf '%s\n' "$dst"
}

# in_image IMAGE CMD...: run CMD in a throwaway container of IMAGE.
in_image() { "$HULL" run --rm "$@"; }

# assert_has TEXT: $output contains TEXT (prints both on failure).
assert_has() {
	case $output in
	*"$1"*) return 0 ;;
	esac
	printf 'expected to find: %s\nin output:\n%s\n' "$1" "$output" >&2
	return 1
}

# assert_lacks TEXT: $output does not contain TEXT.
assert_lacks() {
	case $output in
	*"$1"*)
		printf 'did not expect: %s\nin output:\n%s\n' "$1" "$output" >&2
		return 1
		;;
	esac
	return 0
}
