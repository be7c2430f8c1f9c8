/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "build/copy.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/strv.h"

int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

char *path_clean(char *p)
{
	_cleanup_strv_ char **parts = strv_new();
	_cleanup_free_ char *copy = xstrdup(p);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	char *save = NULL;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		size_t n = strv_length(parts);
		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			if (n > 0) {
				free(parts[n - 1]);
				parts[n - 1] = NULL;
			}
			continue;
		}
		strv_push(&parts, c);
	}
	STRV_FOREACH (c, parts)
		(void) strbuf_addf(&sb, "/%s", *c);
	if (sb.len == 0)
		(void) strbuf_addch(&sb, '/');
	/* the result is never longer than the input */
	memcpy(p, sb.buf, sb.len + 1);
	return p;
}

/* Does @rel climb above its root ("../x", "a/../../x")? */
static bool escapes(const char *rel)
{
	_cleanup_free_ char *copy = xstrdup(rel);
	char *save = NULL;
	int depth = 0;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (streq(c, ".."))
			depth--;
		else if (!streq(c, "."))
			depth++;
		if (depth < 0)
			return true;
	}
	return false;
}

struct source {
	char *path; /* absolute, in the context */
	bool dir;
};

static void sources_free(struct source *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i].path);
	free(l);
}

static int resolve_sources(const struct copy_req *q, struct source **ret, size_t *ret_n,
			   struct hull_err **err)
{
	const char *what = q->is_add ? "ADD" : "COPY";
	struct source *l = NULL;
	size_t n = 0;

	STRV_FOREACH (src, q->sources) {
		_cleanup_free_ char *rel = NULL, *abs = NULL;
		glob_t g = {0};
		bool is_glob = strpbrk(*src, "*?[") != NULL;

		if (escapes(*src)) {
			sources_free(l, n);
			return err_setx(err, EPERM,
					"%s failed: forbidden path outside the build context: %s",
					what, *src);
		}
		rel = xasprintf("/%s", *src);
		path_clean(rel);
		abs = streq(rel, "/") ? xstrdup(q->context) : xasprintf("%s%s", q->context, rel);
		if (is_glob) {
			if (glob(abs, GLOB_NOSORT, NULL, &g) != 0 || g.gl_pathc == 0) {
				globfree(&g);
				sources_free(l, n);
				return err_setx(err, ENOENT,
						"%s failed: no source files were specified", what);
			}
		} else {
			g.gl_pathc = 1;
		}
		for (size_t i = 0; i < g.gl_pathc; i++) {
			const char *p = is_glob ? g.gl_pathv[i] : abs;
			char real[PATH_MAX];
			struct stat st;

			if (lstat(p, &st) < 0 || !realpath(p, real)) {
				if (is_glob)
					globfree(&g);
				sources_free(l, n);
				return err_setx(
					err, ENOENT,
					"%s failed: file not found in build context: stat %s: "
					"file does not exist",
					what, *src);
			}
			if (!startswith(real, q->context) ||
			    (real[strlen(q->context)] != '/' && real[strlen(q->context)] != '\0')) {
				if (is_glob)
					globfree(&g);
				sources_free(l, n);
				return err_setx(err, EPERM,
						"%s failed: forbidden path outside the build "
						"context: %s (%s)",
						what, *src, real);
			}
			if (stat(real, &st) < 0) {
				if (is_glob)
					globfree(&g);
				sources_free(l, n);
				return err_set(err, errno, "%s failed: stat %s", what, *src);
			}
			l = xrealloc(l, (n + 1) * sizeof(*l));
			l[n].path = xstrdup(real);
			l[n].dir = S_ISDIR(st.st_mode);
			n++;
		}
		if (is_glob)
			globfree(&g);
	}
	if (n == 0)
		return err_setx(err, ENOENT, "%s failed: no source files were specified", what);
	*ret = l;
	*ret_n = n;
	return 0;
}

/* ---- checksum ---- */

static int hash_file(struct sha256_ctx *c, int dfd, const char *name)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(c, buf, (size_t) n);
	return n < 0 ? -errno : 0;
}

static int hash_tree(struct sha256_ctx *c, const char *path, const char *rel, struct hull_err **err)
{
	struct stat st;
	_cleanup_free_ char *hdr = NULL;

	if (lstat(path, &st) < 0)
		return err_set(err, errno, "stat '%s'", path);
	hdr = xasprintf("%s\n%o\n%lld\n", rel, (unsigned) st.st_mode,
			S_ISREG(st.st_mode) ? (long long) st.st_size : 0LL);
	sha256_update(c, hdr, strlen(hdr) + 1);
	if (S_ISREG(st.st_mode)) {
		int r = hash_file(c, AT_FDCWD, path);
		if (r < 0)
			return err_set(err, -r, "read '%s'", path);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n >= 0)
			sha256_update(c, target, (size_t) n);
	} else if (S_ISDIR(st.st_mode)) {
		struct dirent **names = NULL;
		int n = scandir(path, &names, NULL, alphasort);
		int r = 0;

		if (n < 0)
			return err_set(err, errno, "read directory '%s'", path);
		for (int i = 0; i < n; i++) {
			if (r == 0 && !streq(names[i]->d_name, ".") &&
			    !streq(names[i]->d_name, "..")) {
				_cleanup_free_ char *p = path_join(path, names[i]->d_name);
				_cleanup_free_ char *rr = xasprintf("%s/%s", rel, names[i]->d_name);
				r = hash_tree(c, p, rr, err);
			}
			free(names[i]);
		}
		free(names);
		return r;
	}
	return 0;
}

int copy_checksum(const struct copy_req *q, char **ret, struct hull_err **err)
{
	struct source *l = NULL;
	size_t n = 0;
	struct sha256_ctx *c;
	char d[DIGEST_STR_LEN];
	int r;

	r = resolve_sources(q, &l, &n, err);
	if (r < 0)
		return r;
	c = sha256_new();
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *rel = l[i].path + strlen(q->context);
		r = hash_tree(c, l[i].path, *rel ? rel : "/", err);
	}
	sha256_final(c, d);
	sources_free(l, n);
	if (r < 0)
		return r;
	*ret = xstrdup(d);
	return 0;
}

/* ---- copying ---- */

/* A directory's metadata in the image's layers (top first), if it exists there. */
static bool lower_dir_stat(char *const *lowerdirs, const char *path, struct stat *ret)
{
	STRV_FOREACH (d, (char **) lowerdirs) {
		_cleanup_free_ char *p = path_join(*d, path);
		if (lstat(p, ret) == 0)
			return S_ISDIR(ret->st_mode);
	}
	return false;
}

/* Create @rel (absolute image path) and its parents in @layer, keeping the image's metadata for
 * existing ones. */
static int ensure_dir(const struct copy_req *q, const char *layer, const char *rel,
		      struct hull_err **err)
{
	_cleanup_free_ char *path = xstrdup(rel);
	char *p = path;

	for (;;) {
		char *slash = strchr(p + 1, '/');
		_cleanup_free_ char *full = NULL;
		struct stat st;

		if (slash)
			*slash = '\0';
		full = path_join(layer, path);
		if (lstat(full, &st) < 0) {
			struct stat low;
			bool have = lower_dir_stat(q->lowerdirs, path, &low);
			if (mkdir(full, 0755) < 0 && errno != EEXIST)
				return err_set(err, errno, "create directory '%s'", path);
			if (have) {
				(void) lchown(full, low.st_uid, low.st_gid);
				(void) chmod(full, low.st_mode & 07777);
			}
		} else if (!S_ISDIR(st.st_mode)) {
			return err_setx(err, ENOTDIR, "copy: '%s' is not a directory", path);
		}
		if (!slash)
			break;
		*slash = '/';
		p = slash;
	}
	return 0;
}

static int copy_file(const char *src, const char *dst, const struct stat *st, struct hull_err **err)
{
	_cleanup_close_ int in = -1, out = -1;

	in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return err_set(err, errno, "open '%s'", src);
	(void) unlink(dst);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0)
		return err_set(err, errno, "create '%s'", dst);
	for (off_t left = st->st_size; left > 0;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t) left, 0);
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
			char buf[65536];
			n = read(in, buf, sizeof(buf));
			if (n > 0 && write(out, buf, (size_t) n) != n)
				return err_set(err, errno, "write '%s'", dst);
		}
		if (n < 0)
			return err_set(err, errno, "copy '%s'", src);
		if (n == 0)
			break;
		left -= n;
	}
	return 0;
}

static void set_meta(const struct copy_req *q, const char *dst, const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};

	(void) lchown(dst, q->uid, q->gid);
	if (!S_ISLNK(st->st_mode))
		(void) chmod(dst, q->chmod >= 0 ? (mode_t) q->chmod : (st->st_mode & 07777));
	(void) utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW);
}

static int copy_tree(const struct copy_req *q, const char *src, const char *dst, bool top,
		     struct hull_err **err)
{
	struct stat st;
	int r = 0;

	if ((top ? stat(src, &st) : lstat(src, &st)) < 0)
		return err_set(err, errno, "stat '%s'", src);
	if (S_ISDIR(st.st_mode)) {
		struct dirent **names = NULL;
		int n;

		if (mkdir(dst, 0755) < 0 && errno != EEXIST)
			return err_set(err, errno, "create directory '%s'", dst);
		n = scandir(src, &names, NULL, alphasort);
		if (n < 0)
			return err_set(err, errno, "read directory '%s'", src);
		for (int i = 0; i < n; i++) {
			if (r == 0 && !streq(names[i]->d_name, ".") &&
			    !streq(names[i]->d_name, "..")) {
				_cleanup_free_ char *s = path_join(src, names[i]->d_name);
				_cleanup_free_ char *d = path_join(dst, names[i]->d_name);
				r = copy_tree(q, s, d, false, err);
			}
			free(names[i]);
		}
		free(names);
		if (r < 0)
			return r;
		if (!top)
			set_meta(q, dst, &st);
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		r = copy_file(src, dst, &st, err);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(src, target, sizeof(target) - 1);
		if (n < 0)
			return err_set(err, errno, "readlink '%s'", src);
		target[n] = '\0';
		(void) unlink(dst);
		if (symlink(target, dst) < 0)
			return err_set(err, errno, "create symlink '%s'", dst);
	} else if (S_ISFIFO(st.st_mode)) {
		(void) unlink(dst);
		if (mkfifo(dst, 0600) < 0)
			return err_set(err, errno, "create fifo '%s'", dst);
	} else {
		return 0; /* sockets and devices are not copied from a context */
	}
	if (r == 0)
		set_meta(q, dst, &st);
	return r;
}

int copy_into(const struct copy_req *q, const char *layer, struct hull_err **err)
{
	const char *what = q->is_add ? "ADD" : "COPY";
	struct source *l = NULL;
	size_t n = 0;
	_cleanup_free_ char *dest = xstrdup(q->dest);
	bool dest_dir;
	struct stat low;
	int r;

	r = resolve_sources(q, &l, &n, err);
	if (r < 0)
		return r;
	dest_dir = q->dest[strlen(q->dest) - 1] == '/';
	path_clean(dest);
	if (n > 1 && !dest_dir) {
		sources_free(l, n);
		return err_setx(
			err, EINVAL,
			"When using %s with more than one source file, the destination must "
			"be a directory and end with a /",
			what);
	}
	if (!dest_dir && lower_dir_stat(q->lowerdirs, dest, &low))
		dest_dir = true;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (l[i].dir) {
			_cleanup_free_ char *d = NULL;
			r = ensure_dir(q, layer, dest, err);
			if (r < 0)
				break;
			d = path_join(layer, dest);
			r = copy_tree(q, l[i].path, d, true, err);
		} else {
			_cleanup_free_ char *target = NULL, *d = NULL, *parent = NULL;
			target = dest_dir ? path_join(dest, strrchr(l[i].path, '/') + 1)
					  : xstrdup(dest);
			parent = xstrdup(target);
			*strrchr(parent, '/') = '\0';
			if (*parent) {
				r = ensure_dir(q, layer, parent, err);
				if (r < 0)
					break;
			}
			d = path_join(layer, target);
			r = copy_tree(q, l[i].path, d, true, err);
		}
	}
	sources_free(l, n);
	return r;
}
