/* SPDX-License-Identifier: MIT */
/*
 * Layers: applying a tar stream to a new layer directory, and turning an
 * overlayfs upper directory into a layer tar. libarchive only parses and
 * writes the tar format; every file-system change is made here, relative to
 * an fd of the layer root, with paths resolved by openat2(RESOLVE_IN_ROOT)
 * so that "..", absolute names and symlinks (even ones the same tar just
 * created) can never reach outside the layer. Without openat2 the walk
 * refuses symlinks in parent components altogether.
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <dirent.h>
#include "image/archive-dl.h"
#include "image/tar.h"
#include "image/store-internal.h"
#include "util/fs.h"
#include "util/inroot.h"
#include "util/strbuf.h"
#include "util/strv.h"

#define WH_PREFIX     ".wh."
#define WH_META	      ".wh..wh."
#define WH_OPAQUE     ".wh..wh..opq"
#define OVL_XATTR     "trusted.overlay."
#define OVL_OPAQUE    "trusted.overlay.opaque"
#define COPY_BUF_SIZE (128 * 1024)

/* ---- safe paths: util/inroot.h ---- */

static void split_path(const char *path, char **ret_dir, const char **ret_base)
{
	const char *slash = strrchr(path, '/');

	*ret_dir = slash ? xstrndup(path, (size_t) (slash - path)) : xstrdup("");
	*ret_base = slash ? slash + 1 : path;
}

/* ---- applying a tar ---- */

struct dir_time {
	char *path;
	struct timespec ts[2];
};

struct apply {
	struct archive *a;
	int root_fd;
	int opts;	 /* INROOT_NO_XDEV for layers */
	bool plain;	 /* ADD and tar_extract(): ".wh." names are ordinary files */
	bool owner_root; /* tar_extract(): files belong to 0:0 */
	bool keep_dirs;	 /* tar_extract(): never replace a directory by a non-directory or
			  * the reverse (docker cp's NoOverwriteDirNonDir) */
	bool host_safe;	 /* tar_extract_to_host(): no device node, no setuid or setgid bit */
	struct dir_time *dirs;
	size_t n_dirs;
};

static int set_xattrs(struct archive_entry *e, int fd, const char *path_for_l)
{
	const char *name;
	const void *value;
	size_t size;

	sym_archive_entry_xattr_reset(e);
	while (sym_archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		int r;
		/* overlay metadata in a tar would forge whiteouts/redirects */
		if (!name || startswith(name, OVL_XATTR))
			continue;
		if (fd >= 0)
			r = fsetxattr(fd, name, value, size, 0);
		else
			r = lsetxattr(path_for_l, name, value, size, 0);
		if (r < 0 && errno != EOPNOTSUPP && errno != EPERM)
			return -errno;
	}
	return 0;
}

/*
 * The data of the current entry into @fd, @size bytes. Blocks come straight
 * from libarchive's buffer (for a pull, the decompressor's), so no copy is
 * made here; a sparse entry's holes stay holes.
 */
static int copy_data(struct archive *a, int fd, int64_t size)
{
	int64_t end = 0;

	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int h = sym_archive_read_data_block(a, &buf, &len, &off);

		if (h == ARCHIVE_EOF)
			break;
		if (h < ARCHIVE_WARN || off < 0)
			return -EBADMSG;
		for (size_t done = 0; done < len;) {
			ssize_t n = pwrite(fd, (const char *) buf + done, len - done,
					   (off_t) (off + (la_int64_t) done));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			done += (size_t) n;
		}
		if (off + (la_int64_t) len > end)
			end = off + (la_int64_t) len;
	}
	if (size > end && ftruncate(fd, (off_t) size) < 0)
		return -errno;
	return 0;
}

static bool bad_name(const char *n)
{
	return !*n || streq(n, ".") || streq(n, "..") || strchr(n, '/');
}

static int apply_entry(struct apply *ap, struct archive_entry *e, const char **ret_what)
{
	_cleanup_free_ char *path = NULL, *dir = NULL;
	_cleanup_close_ int pfd = -1, fd = -1;
	const char *name = sym_archive_entry_pathname(e), *base, *hl;
	mode_t type = sym_archive_entry_filetype(e);
	mode_t perm = sym_archive_entry_perm(e) & 07777;
	uid_t uid = (uid_t) sym_archive_entry_uid(e);
	gid_t gid = (gid_t) sym_archive_entry_gid(e);
	struct timespec ts[2];
	struct stat st;
	int r;

	if (ap->owner_root)
		uid = gid = 0;
	if (ap->host_safe) {
		/* a container's devices and set-id files never reach the host */
		if (type == AE_IFCHR || type == AE_IFBLK)
			return 0;
		perm &= ~(mode_t) (S_ISUID | S_ISGID);
	}
	*ret_what = "path";
	if (!name)
		return -EBADMSG;
	if (inroot_clean(name, true, &path) < 0) {
		*ret_what = "path escapes the layer";
		return -EBADMSG;
	}
	if (!*path)
		return 0; /* the root itself: keep the layer dir as created */
	ts[0].tv_sec = ts[1].tv_sec = sym_archive_entry_mtime(e);
	ts[0].tv_nsec = ts[1].tv_nsec = sym_archive_entry_mtime_nsec(e);
	if (!sym_archive_entry_mtime_is_set(e))
		ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;

	split_path(path, &dir, &base);
	*ret_what = "parent directory";
	pfd = inroot_mkdir_p(ap->root_fd, dir, ap->opts);
	if (pfd < 0)
		return pfd;

	if (!ap->plain && startswith(base, WH_PREFIX)) {
		if (streq(base, WH_OPAQUE)) {
			*ret_what = "opaque whiteout";
			return fsetxattr(pfd, OVL_OPAQUE, "y", 1, 0) < 0 ? -errno : 0;
		}
		if (startswith(base, WH_META))
			return 0; /* aufs bookkeeping (.wh..wh.plnk...) */
		base += strlen(WH_PREFIX);
		*ret_what = "whiteout";
		if (bad_name(base))
			return -EBADMSG;
		r = image_rm_rf_at(pfd, base);
		if (r < 0)
			return r;
		if (mknodat(pfd, base, S_IFCHR | 0, makedev(0, 0)) < 0)
			return -errno;
		if (fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
			return -errno;
		return 0;
	}

	/* replace whatever is there, except a directory by a directory */
	*ret_what = "replace existing entry";
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && ap->keep_dirs &&
	    S_ISDIR(st.st_mode) != (type == AE_IFDIR && !sym_archive_entry_hardlink(e))) {
		*ret_what = S_ISDIR(st.st_mode) ? "directory" : "non-directory";
		return S_ISDIR(st.st_mode) ? -EISDIR : -ENOTDIR;
	}
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !(S_ISDIR(st.st_mode) && type == AE_IFDIR && !sym_archive_entry_hardlink(e))) {
		r = image_rm_rf_at(pfd, base);
		if (r < 0)
			return r;
	}

	hl = sym_archive_entry_hardlink(e);
	if (hl) {
		_cleanup_free_ char *target = NULL, *tdir = NULL;
		_cleanup_close_ int tfd = -1;
		const char *tbase;

		*ret_what = "hard link target";
		if (inroot_clean(hl, true, &target) < 0 || !*target)
			return -EBADMSG;
		split_path(target, &tdir, &tbase);
		tfd = inroot_open(ap->root_fd, tdir, O_PATH | O_DIRECTORY, ap->opts);
		if (tfd < 0)
			return tfd;
		/* flags 0: a symlink target is linked itself, never followed */
		if (linkat(tfd, tbase, pfd, base, 0) < 0)
			return -errno;
		return 0;
	}

	switch (type) {
	case AE_IFDIR:
		*ret_what = "directory";
		if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
			return -errno;
		fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		break;
	case AE_IFREG:
		*ret_what = "file";
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		r = copy_data(ap->a, fd, sym_archive_entry_size(e));
		if (r < 0)
			return r;
		break;
	case AE_IFLNK: {
		const char *target = sym_archive_entry_symlink(e);
		*ret_what = "symlink";
		if (!target)
			return -EBADMSG;
		/* the target is stored as is: it is resolved in the container's root */
		if (symlinkat(target, pfd, base) < 0)
			return -errno;
		if (fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
			return -errno;
		_cleanup_free_ char *lp = xasprintf("/proc/self/fd/%d/%s", pfd, base);
		r = set_xattrs(e, -1, lp);
		if (r < 0)
			return r;
		if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		return 0;
	}
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		*ret_what = "special file";
		if (mknodat(pfd, base, type | 0600,
			    makedev(sym_archive_entry_rdevmajor(e),
				    sym_archive_entry_rdevminor(e))) < 0)
			return -errno;
		fd = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		{
			_cleanup_free_ char *lp = xasprintf("/proc/self/fd/%d", fd);
			if (chown(lp, uid, gid) < 0 && errno != EPERM)
				return -errno;
			if (chmod(lp, perm) < 0)
				return -errno;
			r = set_xattrs(e, -1, lp);
			if (r < 0)
				return r;
			if (utimensat(AT_FDCWD, lp, ts, 0) < 0)
				return -errno;
		}
		return 0;
	case AE_IFSOCK:
		return 0; /* as docker: sockets are not carried in layers */
	default:
		*ret_what = "unknown entry type";
		return -EBADMSG;
	}

	/* regular files and directories: metadata through the fd; chown before chmod keeps set-id
	 * bits */
	*ret_what = "metadata";
	if (fchown(fd, uid, gid) < 0 && errno != EPERM)
		return -errno;
	if (fchmod(fd, perm) < 0)
		return -errno;
	r = set_xattrs(e, fd, NULL);
	if (r < 0)
		return r;
	if (type == AE_IFDIR) {
		/* later entries change the directory's mtime: set it at the end */
		ap->dirs = xrealloc(ap->dirs, (ap->n_dirs + 1) * sizeof(*ap->dirs));
		ap->dirs[ap->n_dirs].path = TAKE_PTR(path);
		memcpy(ap->dirs[ap->n_dirs].ts, ts, sizeof(ts));
		ap->n_dirs++;
		return 0;
	}
	if (futimens(fd, ts) < 0)
		return -errno;
	return 0;
}

/* Apply every entry of the opened archive ap->a; frees it. */
static int apply_archive(struct apply *ap, struct hull_err **err)
{
	struct archive_entry *e;
	int r = 0;

	for (;;) {
		const char *what = NULL;
		int h = sym_archive_read_next_header(ap->a, &e);
		if (h == ARCHIVE_EOF)
			break;
		if (h < ARCHIVE_WARN) {
			r = err_setx(err, EBADMSG, "read layer tar: %s",
				     sym_archive_error_string(ap->a) ?: "unknown error");
			goto out;
		}
		r = apply_entry(ap, e, &what);
		if (r < 0) {
			const char *n = sym_archive_entry_pathname(e) ?: "?";
			if (ap->keep_dirs && (r == -EISDIR || r == -ENOTDIR))
				r = err_setx(err, -r, "cannot overwrite %s \"%.*s\" with %s", what,
					     (int) (strlen(n) - (n[0] && n[strlen(n) - 1] == '/')),
					     n, r == -EISDIR ? "non-directory" : "directory");
			else if (r == -EBADMSG)
				r = err_setx(err, EBADMSG, "layer entry '%s': %s", n, what);
			else
				r = err_set(err, -r, "layer entry '%s': %s", n, what);
			goto out;
		}
	}
	for (size_t i = 0; i < ap->n_dirs; i++) {
		_cleanup_close_ int fd = inroot_open(ap->root_fd, ap->dirs[i].path,
						     O_RDONLY | O_DIRECTORY | O_NOFOLLOW, ap->opts);
		if (fd >= 0)
			(void) futimens(fd, ap->dirs[i].ts);
	}
out:
	for (size_t i = 0; i < ap->n_dirs; i++)
		free(ap->dirs[i].path);
	free(ap->dirs);
	ap->dirs = NULL;
	ap->n_dirs = 0;
	sym_archive_read_free(ap->a);
	ap->a = NULL;
	return r;
}

static int apply_tar(struct apply *ap, int tar_fd, struct hull_err **err)
{
	ap->a = sym_archive_read_new();
	sym_archive_read_support_format_tar(ap->a);
	if (ap->keep_dirs) {
		/* docker cp - reads a tar compressed with gzip, bzip2 or xz too */
		sym_archive_read_support_filter_gzip(ap->a);
		sym_archive_read_support_filter_bzip2(ap->a);
		sym_archive_read_support_filter_xz(ap->a);
	}
	if (sym_archive_read_open_fd(ap->a, tar_fd, 64 * 1024) != ARCHIVE_OK) {
		int r = err_setx(err, EBADMSG, "read layer tar: %s",
				 sym_archive_error_string(ap->a) ?: "unknown error");
		sym_archive_read_free(ap->a);
		ap->a = NULL;
		return r;
	}
	return apply_archive(ap, err);
}

struct reader_cb {
	layer_read_fn read;
	void *arg;
};

static la_ssize_t reader_read(struct archive *a, void *data, const void **buf)
{
	struct reader_cb *rc = data;

	(void) a;
	return (la_ssize_t) rc->read(rc->arg, buf);
}

int layer_apply_reader(int root_fd, layer_read_fn read, void *arg, struct hull_err **err)
{
	struct apply ap = {.root_fd = root_fd, .opts = INROOT_NO_XDEV};
	struct reader_cb rc = {read, arg};
	int r = archive_dl_load(err);

	if (r < 0)
		return r;
	ap.a = sym_archive_read_new();
	sym_archive_read_support_format_tar(ap.a);
	if (sym_archive_read_open(ap.a, &rc, NULL, reader_read, NULL) != ARCHIVE_OK) {
		r = err_setx(err, EBADMSG, "read layer tar: %s",
			     sym_archive_error_string(ap.a) ?: "unknown error");
		sym_archive_read_free(ap.a);
		return r;
	}
	return apply_archive(&ap, err);
}

/* ---- ADD: extracting an archive ---- */

int archive_extract_fd(int fd, int dir_fd, struct hull_err **err)
{
	struct apply ap = {.root_fd = dir_fd, .plain = true};
	struct archive_entry *e;
	int h, r;

	r = archive_dl_load(err);
	if (r < 0)
		return r;
	ap.a = sym_archive_read_new();
	sym_archive_read_support_filter_gzip(ap.a);
	sym_archive_read_support_filter_bzip2(ap.a);
	sym_archive_read_support_filter_xz(ap.a);
	sym_archive_read_support_filter_zstd(ap.a);
	sym_archive_read_support_format_tar(ap.a);
	if (sym_archive_read_open_fd(ap.a, fd, 64 * 1024) != ARCHIVE_OK) {
		sym_archive_read_free(ap.a);
		return 0;
	}
	h = sym_archive_read_next_header(ap.a, &e);
	if (h < ARCHIVE_WARN) {
		/* not a (compressed) tar: the caller copies the file as it is */
		sym_archive_read_free(ap.a);
		return 0;
	}
	r = 1;
	while (h != ARCHIVE_EOF) {
		const char *what = NULL;
		int q;

		if (h < ARCHIVE_WARN) {
			r = err_setx(err, EBADMSG, "read archive: %s",
				     sym_archive_error_string(ap.a) ?: "unknown error");
			break;
		}
		q = apply_entry(&ap, e, &what);
		if (q < 0) {
			const char *n = sym_archive_entry_pathname(e) ?: "?";
			r = q == -EBADMSG
				    ? err_setx(err, EBADMSG, "archive entry '%s': %s", n, what)
				    : err_set(err, -q, "archive entry '%s': %s", n, what);
			break;
		}
		h = sym_archive_read_next_header(ap.a, &e);
	}
	for (size_t i = 0; i < ap.n_dirs; i++) {
		if (r > 0) {
			_cleanup_close_ int dfd =
				inroot_open(ap.root_fd, ap.dirs[i].path,
					    O_RDONLY | O_DIRECTORY | O_NOFOLLOW, ap.opts);
			if (dfd >= 0)
				(void) futimens(dfd, ap.dirs[i].ts);
		}
		free(ap.dirs[i].path);
	}
	free(ap.dirs);
	sym_archive_read_free(ap.a);
	return r;
}

/* ---- committing a directory ---- */

struct tar_out {
	struct archive *a;
	struct archive_entry *e;
	int fd; /* -1: only hash and count */
	struct sha256_ctx *h;
	uint64_t size;
	int werr;
	/* hard links: (dev, ino) -> first path */
	struct {
		dev_t dev;
		ino_t ino;
		char *path;
	} * links;
	size_t n_links;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static la_ssize_t tar_write_cb(struct archive *a, void *data, const void *buf, size_t len)
{
	struct tar_out *t = data;
	int r;

	(void) a;
	sha256_update(t->h, buf, len);
	t->size += len;
	r = t->fd >= 0 ? write_all(t->fd, buf, len) : 0;
	if (r < 0) {
		t->werr = -r;
		return -1;
	}
	return (la_ssize_t) len;
}

static int add_xattrs(struct tar_out *t, int dfd, const char *name, bool *ret_opaque)
{
	_cleanup_free_ char *lp = xasprintf("/proc/self/fd/%d/%s", dfd, name);
	_cleanup_free_ char *list = NULL;
	_cleanup_strv_ char **names = strv_new();
	ssize_t n;

	*ret_opaque = false;
	n = llistxattr(lp, NULL, 0);
	if (n < 0)
		return errno == EOPNOTSUPP ? 0 : -errno;
	if (n == 0)
		return 0;
	list = xmalloc((size_t) n);
	n = llistxattr(lp, list, (size_t) n);
	if (n < 0)
		return -errno;
	for (char *p = list; p < list + n; p += strlen(p) + 1)
		strv_push(&names, p);
	/* sorted, for a deterministic tar */
	qsort(names, strv_length(names), sizeof(char *), cmp_str);
	STRV_FOREACH (x, names) {
		char val[64 * 1024];
		ssize_t vl = lgetxattr(lp, *x, val, sizeof(val));
		if (vl < 0)
			return -errno;
		if (streq(*x, OVL_OPAQUE)) {
			*ret_opaque = vl == 1 && val[0] == 'y';
			continue;
		}
		if (startswith(*x, OVL_XATTR))
			continue;
		sym_archive_entry_xattr_add_entry(t->e, *x, val, (size_t) vl);
	}
	return 0;
}

static int tar_error(struct tar_out *t, const char *path, struct hull_err **err)
{
	if (t->werr)
		return err_set(err, t->werr, "write layer tar");
	return err_setx(err, EIO, "write layer tar entry '%s': %s", path,
			sym_archive_error_string(t->a) ?: "unknown error");
}

static int write_header(struct tar_out *t, const char *path, struct hull_err **err)
{
	if (sym_archive_write_header(t->a, t->e) < ARCHIVE_WARN)
		return tar_error(t, path, err);
	return 0;
}

static int add_tree(struct tar_out *t, int dfd, const char *prefix, struct hull_err **err);

/* @as: the entry's name when not @name (tar_write() of one path). */
static int add_one(struct tar_out *t, int dfd, const char *name, const char *prefix, const char *as,
		   struct hull_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s%s", prefix, as ? as : name);
	struct stat st;
	bool opaque = false;
	int r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "stat '%s'", path);
	if (S_ISSOCK(st.st_mode))
		return 0;

	sym_archive_entry_clear(t->e);
	sym_archive_entry_set_uid(t->e, st.st_uid);
	sym_archive_entry_set_gid(t->e, st.st_gid);
	sym_archive_entry_set_mtime(t->e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);

	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
		/* overlay whiteout -> OCI ".wh.NAME" */
		_cleanup_free_ char *wh = xasprintf("%s" WH_PREFIX "%s", prefix, name);
		sym_archive_entry_set_pathname(t->e, wh);
		sym_archive_entry_set_filetype(t->e, AE_IFREG);
		sym_archive_entry_set_perm(t->e, 0);
		sym_archive_entry_set_size(t->e, 0);
		return write_header(t, wh, err);
	}

	r = add_xattrs(t, dfd, name, &opaque);
	if (r < 0)
		return err_set(err, -r, "read xattrs of '%s'", path);
	sym_archive_entry_set_pathname(t->e, path);
	sym_archive_entry_set_perm(t->e, st.st_mode & 07777);

	if (S_ISDIR(st.st_mode)) {
		_cleanup_free_ char *sub = xasprintf("%s/", path);
		_cleanup_close_ int fd = -1;

		sym_archive_entry_set_filetype(t->e, AE_IFDIR);
		r = write_header(t, path, err);
		if (r < 0)
			return r;
		if (opaque) {
			_cleanup_free_ char *opq = xasprintf("%s" WH_OPAQUE, sub);
			sym_archive_entry_clear(t->e);
			sym_archive_entry_set_pathname(t->e, opq);
			sym_archive_entry_set_filetype(t->e, AE_IFREG);
			sym_archive_entry_set_perm(t->e, 0);
			sym_archive_entry_set_size(t->e, 0);
			sym_archive_entry_set_uid(t->e, st.st_uid);
			sym_archive_entry_set_gid(t->e, st.st_gid);
			sym_archive_entry_set_mtime(t->e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
			r = write_header(t, opq, err);
			if (r < 0)
				return r;
		}
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_set(err, errno, "open '%s'", path);
		return add_tree(t, fd, sub, err);
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(dfd, name, target, PATH_MAX);
		if (n < 0)
			return err_set(err, errno, "readlink '%s'", path);
		target[n] = '\0';
		sym_archive_entry_set_filetype(t->e, AE_IFLNK);
		sym_archive_entry_set_symlink(t->e, target);
		return write_header(t, path, err);
	}
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
		sym_archive_entry_set_filetype(t->e, st.st_mode & S_IFMT);
		sym_archive_entry_set_rdevmajor(t->e, major(st.st_rdev));
		sym_archive_entry_set_rdevminor(t->e, minor(st.st_rdev));
		return write_header(t, path, err);
	}
	if (!S_ISREG(st.st_mode))
		return err_setx(err, EINVAL, "'%s': unsupported file type", path);

	sym_archive_entry_set_filetype(t->e, AE_IFREG);
	if (st.st_nlink > 1) {
		for (size_t i = 0; i < t->n_links; i++) {
			if (t->links[i].dev == st.st_dev && t->links[i].ino == st.st_ino) {
				sym_archive_entry_set_hardlink(t->e, t->links[i].path);
				sym_archive_entry_set_size(t->e, 0);
				return write_header(t, path, err);
			}
		}
		t->links = xrealloc(t->links, (t->n_links + 1) * sizeof(*t->links));
		t->links[t->n_links].dev = st.st_dev;
		t->links[t->n_links].ino = st.st_ino;
		t->links[t->n_links].path = xstrdup(path);
		t->n_links++;
	}
	sym_archive_entry_set_size(t->e, st.st_size);
	r = write_header(t, path, err);
	if (r < 0)
		return r;
	{
		/*
		 * O_NONBLOCK and the check after open: a file swapped for a FIFO or a
		 * device since fstatat() (a running container can) must neither block
		 * the copy nor be read (issue 14).
		 */
		_cleanup_close_ int fd =
			openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		_cleanup_free_ char *buf = xmalloc(COPY_BUF_SIZE);
		off_t left = st.st_size;
		struct stat now;

		if (fd < 0)
			return err_set(err, errno, "open '%s'", path);
		if (fstat(fd, &now) < 0)
			return err_set(err, errno, "stat '%s'", path);
		if (!S_ISREG(now.st_mode) || now.st_ino != st.st_ino || now.st_dev != st.st_dev)
			return err_setx(err, EAGAIN, "'%s' changed while archiving", path);
		while (left > 0) {
			ssize_t n = read(fd, buf, COPY_BUF_SIZE);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return err_set(err, errno, "read '%s'", path);
			if (n == 0)
				return err_setx(err, EIO, "'%s' shrank while archiving", path);
			if (n > left)
				n = (ssize_t) left;
			if (sym_archive_write_data(t->a, buf, (size_t) n) != n)
				return tar_error(t, path, err);
			left -= n;
		}
	}
	return 0;
}

/* Add the entries of @dfd (taken) in byte order of their names, depth first. */
static int add_tree(struct tar_out *t, int dfd, const char *prefix, struct hull_err **err)
{
	_cleanup_strv_ char **names = strv_new();
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = fdopendir(dfd);
	if (!d) {
		r = err_set(err, errno, "open directory '%s'", prefix);
		(void) close(dfd);
		return r;
	}
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			strv_push(&names, de->d_name);
	qsort(names, strv_length(names), sizeof(char *), cmp_str);
	STRV_FOREACH (n, names) {
		r = add_one(t, dirfd(d), *n, prefix, NULL, err);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

/*
 * Write the PAX tar of @name in @dfd (borrowed; "" = the entries of @dfd
 * itself) to @out_fd (-1: nowhere), named @as, and hash it into @ret_digest
 * (may be NULL) and count its bytes into @ret_size (may be NULL).
 * @sync: fsync @out_fd at the end.
 */
static int write_tar(int dfd, const char *name, const char *as, int out_fd, bool sync,
		     char ret_digest[DIGEST_STR_LEN], uint64_t *ret_size, struct hull_err **err)
{
	struct tar_out t = {.fd = out_fd, .h = sha256_new()};
	char digest[DIGEST_STR_LEN];
	int r;

	t.a = sym_archive_write_new();
	t.e = sym_archive_entry_new();
	sym_archive_write_set_format_pax_restricted(t.a);
	/* no padding to 10 KiB records: the tar ends after its two zero blocks, like docker's */
	sym_archive_write_set_bytes_in_last_block(t.a, 1);
	if (sym_archive_write_open(t.a, &t, NULL, tar_write_cb, NULL) != ARCHIVE_OK) {
		r = tar_error(&t, as, err);
		goto out;
	}
	if (*name) {
		r = add_one(&t, dfd, name, "", as, err);
	} else {
		int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			r = err_set(err, errno, "open '%s'", as);
			goto out;
		}
		/* add_tree() closes through fdopendir: rewind a shared offset first */
		(void) lseek(fd, 0, SEEK_SET);
		r = add_tree(&t, fd, "", err);
	}
	if (r < 0)
		goto out;
	if (sym_archive_write_close(t.a) != ARCHIVE_OK) {
		r = tar_error(&t, as, err);
		goto out;
	}
	if (sync && out_fd >= 0 && fsync(out_fd) < 0)
		r = err_set(err, errno, "write tar");
	if (ret_size)
		*ret_size = t.size;
out:
	sym_archive_entry_free(t.e);
	sym_archive_write_free(t.a);
	for (size_t i = 0; i < t.n_links; i++)
		free(t.links[i].path);
	free(t.links);
	sha256_final(t.h, ret_digest ? ret_digest : digest);
	return r;
}

int layer_dir_tar(const char *dir, int out_fd, char ret_digest[DIGEST_STR_LEN], uint64_t *ret_size,
		  struct hull_err **err)
{
	_cleanup_close_ int dfd = -1;
	int r = archive_dl_load(err);

	if (r < 0)
		return r;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "open '%s'", dir);
	return write_tar(dfd, "", dir, out_fd, false, ret_digest, ret_size, err);
}

int tar_write(int dfd, const char *name, const char *as, int out_fd, struct hull_err **err)
{
	int r = archive_dl_load(err);

	if (r < 0)
		return r;
	return write_tar(dfd, name, as, out_fd, false, NULL, NULL, err);
}

int tar_extract(int dir_fd, int in_fd, bool keep_owner, struct hull_err **err)
{
	struct apply ap = {
		.root_fd = dir_fd, .plain = true, .owner_root = !keep_owner, .keep_dirs = true};
	int r = archive_dl_load(err);

	if (r < 0)
		return r;
	return apply_tar(&ap, in_fd, err);
}

int tar_extract_to_host(int dir_fd, int in_fd, bool keep_owner, struct hull_err **err)
{
	struct apply ap = {.root_fd = dir_fd,
			   .plain = true,
			   .owner_root = !keep_owner,
			   .keep_dirs = true,
			   .host_safe = true};
	int r = archive_dl_load(err);

	if (r < 0)
		return r;
	return apply_tar(&ap, in_fd, err);
}

int store_layer_commit_dir(struct store *s, const char *dir, const char *parent_chain_id,
			   char ret_diff_id[DIGEST_STR_LEN], char ret_chain_id[DIGEST_STR_LEN],
			   struct hull_err **err)
{
	_cleanup_free_ char *stage = NULL, *diff = NULL;
	char diff_id[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
	uint64_t size;
	int r;

	r = store_tmpdir(s, "commit", &stage, err);
	if (r < 0)
		return err_wrap(err, "commit layer");
	diff = path_join(stage, "diff");
	/*
	 * No tar is stored: it is only hashed (the diffID) and counted, and
	 * made again from the layer directory when its bytes are wanted
	 * (store_blob_open_layer()), as docker's overlay2 driver does.
	 */
	r = layer_dir_tar(dir, -1, diff_id, &size, err);
	if (r < 0)
		goto fail;
	chain_id_next(parent_chain_id, diff_id, chain);
	r = layer_record_stage(s, stage, diff_id, size, chain, err);
	if (r < 0)
		goto fail;
	{
		/* the contents and the records must be on disk before the layer becomes visible */
		_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || syncfs(dfd) < 0) {
			r = err_set(err, errno, "sync '%s'", dir);
			goto fail;
		}
	}
	if (rename(dir, diff) < 0) {
		r = err_set(err, errno, "move '%s' into the store", dir);
		goto fail;
	}
	r = store_layer_adopt(s, stage, chain, err);
	if (r < 0)
		goto fail;
	/* the layer is in place: now its blob may be announced */
	r = layer_record_adopt(s, chain, diff_id, size, err);
	if (r < 0)
		return err_wrap(err, "commit layer '%s'", dir);
	memcpy(ret_diff_id, diff_id, DIGEST_STR_LEN);
	memcpy(ret_chain_id, chain, DIGEST_STR_LEN);
	return 0;
fail:
	(void) rm_rf(stage, NULL);
	return err_wrap(err, "commit layer '%s'", dir);
}
