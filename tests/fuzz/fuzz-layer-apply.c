/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for applying a tar into a directory (image/layer.c):
 * byte 0 picks the entry point, the rest is the tar.
 *   0 layer_apply_reader(): a pulled or loaded layer (OCI whiteouts become
 *     overlay whiteouts, owners and devices kept)
 *   1 tar_extract(), owners dropped (`cp` into a container): every entry
 *     must belong to 0:0 afterwards
 *   2 tar_extract_to_host(), owners kept (`cp` out of a container): no
 *     device node and no setuid or setgid bit may be left
 *   3 archive_extract_fd() (ADD of a local, maybe compressed, archive)
 * Each input is applied into a fresh scratch root, T/root, that holds bait
 * symlinks to its sibling T/sentinel ("../sentinel", its absolute path, and
 * "/"). Afterwards T must hold only root/ and sentinel/, and sentinel/ must
 * be as it was (entries, inodes, modes, owners, sizes, link counts, times):
 * nothing landed outside the root, no link outside was followed, no hard
 * link reached a file outside.
 *
 * Safety: as root (device nodes, chown, xattrs are real then), the target
 * first moves into a mount namespace of its own where "/" is read-only
 * except a new tmpfs (nodev, nosuid, noexec, 64 MiB) that is T itself,
 * mounted on fuzz-layer-apply.scratch in the working directory (an empty
 * directory there is all it leaves; not on /tmp, which would hide a
 * checkout under /tmp, corpus included); under libFuzzer the corpus and
 * artifact directories stay writable. A device node made by a tar cannot be opened as a device
 * there, and a write that escaped T would fail with EROFS, which is a failed check too. The tmpfs
 * goes away with the process. Without root, T is a directory under /tmp (removed at exit) and the
 * kernel keeps devices and chown out.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "image/store-internal.h"
#include "image/store.h"
#include "image/tar.h"
#include "util/fs.h"
#include "util/strv.h"
#include "fuzz-check.h"

#define FUZZ_INPUT_MAX (1 << 20)

static char host_tmp[] = "/tmp/hull-fuzz-apply-XXXXXX";
static char scratch[PATH_MAX + 32]; /* T when sandboxed */
static const char *top;		    /* T */
static int top_fd = -1;
static bool sandboxed;

/* the sentinel tree and what it must stay */
static const char *const sentinel_paths[] = {".", "sentinel", "sentinel/keep", "sentinel/dir",
					     "sentinel/dir/file"};
static struct stat sentinel_st[ARRAY_SIZE(sentinel_paths)];

static void die(const char *what)
{
	fprintf(stderr, "fuzz-layer-apply: %s: %s\n", what, strerror(errno));
	abort();
}

/* @dir is @top or below it */
static bool below(const char *dir, const char *top)
{
	size_t n = strlen(top);
	return strncmp(dir, top, n) == 0 && (dir[n] == '/' || !dir[n]);
}

/* the directories of @keep that no other one contains (each once) */
static char **outermost(char **keep)
{
	char **out = strv_new();

	STRV_FOREACH (k, keep) {
		bool inside = false;
		STRV_FOREACH (o, keep)
			if (o != k && below(*k, *o) && (!streq(*k, *o) || o < k))
				inside = true;
		if (!inside)
			strv_push(&out, *k);
	}
	return out;
}

static void writable(const char *dir)
{
	if (mount(dir, dir, NULL, MS_BIND, NULL) < 0)
		die(dir);
}

/*
 * The mount namespace described above. @keep: directories libFuzzer writes
 * (corpus, artifacts), bound on themselves so they stay writable.
 */
static void sandbox(char **wanted)
{
	_cleanup_strv_ char **keep = outermost(wanted);
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
	struct mount_attr rw = {.attr_clr = MOUNT_ATTR_RDONLY};
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		die("getcwd");
	snprintf(scratch, sizeof(scratch), "%s/fuzz-layer-apply.scratch", cwd);
	if (mkdir(scratch, 0700) < 0 && errno != EEXIST)
		die(scratch);
	if (unshare(CLONE_NEWNS) < 0)
		die("unshare a mount namespace (run as root with CAP_SYS_ADMIN)");
	/* nothing below may propagate back to the host's namespace */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make / private");
	STRV_FOREACH (k, keep) {
		if (streq(*k, "/") || below(*k, scratch)) {
			errno = EINVAL;
			die("/, or a corpus or artifact directory inside the scratch tmpfs, "
			    "cannot stay writable");
		}
		writable(*k);
	}
	if (mount("hull-fuzz", scratch, "tmpfs", MS_NODEV | MS_NOSUID | MS_NOEXEC,
		  "size=64m,mode=0700") < 0)
		die("mount the scratch tmpfs");
	if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof(ro)) < 0)
		die("make / read-only");
	if (mount_setattr(AT_FDCWD, scratch, 0, &rw, sizeof(rw)) < 0)
		die("make the scratch tmpfs writable");
	STRV_FOREACH (k, keep)
		if (mount_setattr(AT_FDCWD, *k, 0, &rw, sizeof(rw)) < 0)
			die(*k);
	/* the old working directory is on the read-only mount below a bind */
	if (chdir(cwd) < 0)
		die(cwd);
	sandboxed = true;
}

static void cleanup(void)
{
	if (!sandboxed && top)
		(void) rm_rf(top, NULL);
}

static void put_file(const char *path, const char *text)
{
	int fd = openat(top_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
		die(path);
	close(fd);
}

static void setup(char **keep)
{
	if (geteuid() == 0) {
		sandbox(keep);
		top = scratch;
	} else {
		if (!mkdtemp(host_tmp))
			die("mkdtemp");
		top = host_tmp;
		atexit(cleanup);
	}
	top_fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top_fd < 0)
		die(top);
	if (mkdirat(top_fd, "sentinel", 0755) < 0 || mkdirat(top_fd, "sentinel/dir", 0755) < 0)
		die("sentinel");
	put_file("sentinel/keep", "outside the root\n");
	put_file("sentinel/dir/file", "outside the root too\n");
	for (size_t i = 0; i < ARRAY_SIZE(sentinel_paths); i++)
		if (fstatat(top_fd, sentinel_paths[i], &sentinel_st[i], AT_SYMLINK_NOFOLLOW) < 0)
			die(sentinel_paths[i]);
}

/* libFuzzer calls it before the first input, replay.c too */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	_cleanup_strv_ char **keep = strv_new();

#ifdef HULL_LIBFUZZER
	/* where libFuzzer writes: corpus directories, artifacts, the current directory */
	{
		char cwd[PATH_MAX];
		for (int i = 1; i < *argc; i++) {
			const char *a = (*argv)[i];
			struct stat st;
			if (startswith(a, "-artifact_prefix=")) {
				const char *p = a + strlen("-artifact_prefix=");
				const char *slash = strrchr(p, '/');
				_cleanup_free_ char *d =
					slash ? xstrndup(p, (size_t) (slash - p)) : xstrdup(".");
				char *abs = realpath(*d ? d : "/", NULL);
				if (abs)
					strv_push(&keep, abs);
				free(abs);
			} else if (a[0] != '-' && stat(a, &st) == 0 && S_ISDIR(st.st_mode)) {
				char *abs = realpath(a, NULL);
				if (abs)
					strv_push(&keep, abs);
				free(abs);
			}
		}
		if (getcwd(cwd, sizeof(cwd)))
			strv_push(&keep, cwd);
	}
#else
	(void) argc;
	(void) argv;
#endif
	setup(keep);
	return 0;
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_mode == b->st_mode &&
	       a->st_uid == b->st_uid && a->st_gid == b->st_gid && a->st_size == b->st_size &&
	       a->st_nlink == b->st_nlink && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static size_t count_entries(const char *dir, const char *only_a, const char *only_b)
{
	int fd = openat(top_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	size_t n = 0;
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (!d)
		die(dir);
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (only_a && !streq(de->d_name, only_a) && !streq(de->d_name, only_b)) {
			fprintf(stderr, "'%s' appeared outside the root, in '%s'\n", de->d_name,
				top);
			abort();
		}
		n++;
	}
	closedir(d);
	return n;
}

/* nothing outside T/root changed (@root: whether T/root is there) */
static void check_outside(bool root)
{
	FUZZ_CHECK(count_entries(".", "root", "sentinel") == (root ? 2u : 1u));
	FUZZ_CHECK(count_entries("sentinel", NULL, NULL) == 2);
	FUZZ_CHECK(count_entries("sentinel/dir", NULL, NULL) == 1);
	for (size_t i = 0; i < ARRAY_SIZE(sentinel_paths); i++) {
		struct stat st;
		if (fstatat(top_fd, sentinel_paths[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			die(sentinel_paths[i]);
		/* T's own times, size and links change as root/ comes and goes */
		if (i == 0) {
			st.st_size = sentinel_st[0].st_size;
			st.st_mtim = sentinel_st[0].st_mtim;
			st.st_ctim = sentinel_st[0].st_ctim;
			st.st_nlink = sentinel_st[0].st_nlink;
		}
		if (!same_stat(&st, &sentinel_st[i]))
			fprintf(stderr, "'%s/%s' changed\n", top, sentinel_paths[i]);
		FUZZ_CHECK(same_stat(&st, &sentinel_st[i]));
	}
}

/*
 * Walk the scratch root without following anything: check what the mode
 * promises, and open up directory modes so that the root can be removed.
 */
static void walk_root(int dfd, int mode)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;

	if (!d)
		die("fdopendir");
	while ((de = readdir(d))) {
		struct stat st;
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die(de->d_name);
		if (mode == 1 && geteuid() == 0)
			FUZZ_CHECK(st.st_uid == 0 && st.st_gid == 0);
		if (mode == 2) {
			FUZZ_CHECK(!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode));
			FUZZ_CHECK(S_ISLNK(st.st_mode) || !(st.st_mode & (S_ISUID | S_ISGID)));
		}
		if (S_ISDIR(st.st_mode)) {
			int fd;
			if (fchmodat(dirfd(d), de->d_name, 0700, 0) < 0)
				die("chmod");
			fd = openat(dirfd(d), de->d_name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				die(de->d_name);
			walk_root(fd, mode);
		}
	}
	closedir(d);
}

struct chunk {
	const uint8_t *data;
	size_t size;
};

static ssize_t read_once(void *arg, const void **buf)
{
	struct chunk *c = arg;
	ssize_t n = (ssize_t) c->size;

	*buf = c->data;
	c->size = 0;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *abs_sentinel = NULL;
	struct hull_err *e = NULL;
	int root_fd, fd = -1, mode, r;

	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	if (top_fd < 0)
		abort(); /* LLVMFuzzerInitialize() did not run */
	mode = data[0] & 3;
	data++;
	size--;
	if (mkdirat(top_fd, "root", 0755) < 0)
		die("mkdir root");
	root_fd = openat(top_fd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		die("open root");
	abs_sentinel = xasprintf("%s/sentinel", top);
	if (symlinkat("../sentinel", root_fd, "bait-rel") < 0 ||
	    symlinkat(abs_sentinel, root_fd, "bait-abs") < 0 ||
	    symlinkat("/", root_fd, "bait-root") < 0)
		die("bait symlinks");
	if (mode != 0) {
		fd = memfd_create("tar", MFD_CLOEXEC);
		if (fd < 0 || write_all(fd, data, size) < 0 || lseek(fd, 0, SEEK_SET) < 0)
			die("memfd");
	}
	switch (mode) {
	case 0: {
		struct chunk c = {data, size};
		r = layer_apply_reader(root_fd, read_once, &c, &e);
		break;
	}
	case 1:
		r = tar_extract(root_fd, fd, false, &e);
		break;
	case 2:
		r = tar_extract_to_host(root_fd, fd, true, &e);
		break;
	default:
		r = archive_extract_fd(fd, root_fd, &e);
		break;
	}
	if (fd >= 0)
		close(fd);
	/* only a write outside the tmpfs meets a read-only file system */
	if (r == -EROFS)
		fprintf(stderr, "a write left the scratch root: %s\n", e->msg);
	FUZZ_CHECK(r != -EROFS);
	if (r < 0)
		FUZZ_CHECK(e && e->msg && *e->msg);
	else
		FUZZ_CHECK(!e);
	err_free(e);
	check_outside(true);
	/* the root is still the directory it was, not replaced by a link */
	{
		struct stat a, b;
		if (fstat(root_fd, &a) < 0 || fstatat(top_fd, "root", &b, AT_SYMLINK_NOFOLLOW) < 0)
			die("stat root");
		FUZZ_CHECK(S_ISDIR(b.st_mode) && a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	}
	walk_root(root_fd, mode);
	r = rm_tree_at(top_fd, "root", false, NULL);
	if (r < 0) {
		errno = -r;
		die("remove the scratch root");
	}
	check_outside(false);
	return 0;
}
