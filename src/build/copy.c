/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include "image/store.h"
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

char *root_resolve(const char *root, const char *path)
{
	_cleanup_strv_ char **todo = NULL; /* components still to walk, last first */
	_cleanup_strbuf_ struct strbuf cur = STRBUF_INIT;
	unsigned links = 0;

	/* push the components of @p in front of what is left */
#define PUSH_PATH(p)                                                                             \
	do {                                                                                     \
		_cleanup_strv_ char **parts_ = NULL;                                             \
		_cleanup_free_ char *c_ = xstrdup(p);                                            \
		char *save_ = NULL;                                                              \
		for (char *t_ = strtok_r(c_, "/", &save_); t_; t_ = strtok_r(NULL, "/", &save_)) \
			strv_push(&parts_, t_);                                                  \
		for (size_t i_ = strv_length(parts_); i_ > 0; i_--)                              \
			strv_push(&todo, parts_[i_ - 1]);                                        \
	} while (0)

	PUSH_PATH(path);
	while (strv_length(todo)) {
		size_t n = strv_length(todo);
		_cleanup_free_ char *c = todo[n - 1];
		_cleanup_free_ char *full = NULL;
		char target[PATH_MAX];
		struct stat st;
		ssize_t l;

		todo[n - 1] = NULL;
		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			char *slash = cur.buf ? strrchr(cur.buf, '/') : NULL;
			if (slash) {
				cur.len = (size_t) (slash - cur.buf);
				cur.buf[cur.len] = '\0';
			}
			continue;
		}
		full = xasprintf("%s%s/%s", root, cur.buf ? cur.buf : "", c);
		if (lstat(full, &st) < 0 || !S_ISLNK(st.st_mode)) {
			(void) strbuf_addf(&cur, "/%s", c);
			continue;
		}
		if (++links > 255) {
			errno = ELOOP;
			return NULL;
		}
		l = readlink(full, target, sizeof(target) - 1);
		if (l < 0) {
			(void) strbuf_addf(&cur, "/%s", c);
			continue;
		}
		target[l] = '\0';
		if (target[0] == '/') {
			strbuf_release(&cur);
		}
		PUSH_PATH(target);
	}
#undef PUSH_PATH
	return xasprintf("%s%s", root, cur.buf ? cur.buf : "");
}

struct source {
	char *path; /* absolute host path, symlinks resolved */
	char *rel;  /* relative to the source's root, no leading '/' ("" for the root) */
	char *keep; /* --parents: the part of @rel kept below the destination */
	const struct copy_src *src;
	bool dir;
};

static void sources_free(struct source *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].path);
		free(l[i].rel);
		free(l[i].keep);
	}
	free(l);
}

static bool ignored(const struct copy_req *q, const struct copy_src *src, const char *rel)
{
	return src->context && *rel && ignore_match(q->ignore, rel);
}

static int add_source(const struct copy_req *q, const struct copy_src *src, const char *match,
		      struct source **l, size_t *n, struct hull_err **err)
{
	const char *what = q->is_add ? "ADD" : "COPY";
	size_t rl = strlen(src->root);
	_cleanup_free_ char *real = NULL;
	const char *rel = match + rl;
	struct stat st;

	while (*rel == '/')
		rel++;
	if (src->context) {
		char buf[PATH_MAX];
		if (lstat(match, &st) < 0 || !realpath(match, buf))
			return err_setx(err, ENOENT,
					"%s failed: file not found in build context or excluded by "
					".dockerignore: stat %s: file does not exist",
					what, src->path);
		if (!startswith(buf, src->root) || (buf[rl] != '/' && buf[rl] != '\0'))
			return err_setx(
				err, EPERM,
				"%s failed: forbidden path outside the build context: %s (%s)",
				what, src->path, buf);
		real = xstrdup(buf);
	} else {
		real = root_resolve(src->root, rel);
		if (!real || lstat(real, &st) < 0)
			return err_setx(err, ENOENT,
					"%s failed: stat %s: no such file or directory", what,
					src->path);
	}
	if (stat(real, &st) < 0)
		return err_set(err, errno, "%s failed: stat %s", what, src->path);
	*l = xrealloc(*l, (*n + 1) * sizeof(**l));
	(*l)[*n] = (struct source){.path = TAKE_PTR(real),
				   .rel = xstrdup(rel),
				   .src = src,
				   .dir = S_ISDIR(st.st_mode)};
	{
		/* --parents: below a "/./" pivot when there is one, else the whole path */
		const char *pivot = strstr(src->path, "/./");
		_cleanup_free_ char *head =
			pivot ? xstrndup(src->path, (size_t) (pivot - src->path)) : NULL;
		const char *keep = rel;
		if (head) {
			_cleanup_free_ char *h = xasprintf("/%s", head);
			path_clean(h);
			if (startswith(rel, h + 1) && (rel[strlen(h + 1)] == '/'))
				keep = rel + strlen(h + 1) + 1;
		}
		(*l)[*n].keep = xstrdup(keep);
	}
	(*n)++;
	return 0;
}

static int resolve_sources(const struct copy_req *q, struct source **ret, size_t *ret_n,
			   struct hull_err **err)
{
	const char *what = q->is_add ? "ADD" : "COPY";
	struct source *l = NULL;
	const char *unmatched = NULL;
	size_t n = 0;
	int r = 0;

	for (size_t k = 0; k < q->n_srcs && r == 0; k++) {
		const struct copy_src *src = &q->srcs[k];
		_cleanup_free_ char *rel = NULL, *abs = NULL;
		bool is_glob = strpbrk(src->path, "*?[") != NULL;

		if (src->context && escapes(src->path)) {
			r = err_setx(err, EPERM,
				     "%s failed: forbidden path outside the build context: %s",
				     what, src->path);
			break;
		}
		rel = xasprintf("/%s", src->path);
		path_clean(rel);
		abs = streq(rel, "/") ? xstrdup(src->root) : xasprintf("%s%s", src->root, rel);
		if (!is_glob) {
			if (ignored(q, src, rel + 1)) {
				r = err_setx(
					err, ENOENT,
					"%s failed: file not found in build context or excluded "
					"by .dockerignore: stat %s: file does not exist",
					what, src->path);
				break;
			}
			r = add_source(q, src, abs, &l, &n, err);
		} else {
			glob_t g = {0};
			size_t before = n;
			if (glob(abs, 0, NULL, &g) == 0) {
				for (size_t i = 0; i < g.gl_pathc && r == 0; i++) {
					const char *m = g.gl_pathv[i] + strlen(src->root);
					while (*m == '/')
						m++;
					if (ignored(q, src, m))
						continue;
					r = add_source(q, src, g.gl_pathv[i], &l, &n, err);
				}
			}
			globfree(&g);
			/* like docker's builder: a pattern that matches nothing is
			 * only an error when no source at all is left */
			if (r == 0 && n == before && !unmatched)
				unmatched = src->path;
		}
	}
	if (r == 0 && n == 0 && unmatched)
		r = err_setx(err, ENOENT,
			     "%s failed: no source files were specified: the pattern '%s' "
			     "matched nothing",
			     what, unmatched);
	else if (r == 0 && n == 0)
		r = err_setx(err, ENOENT, "%s failed: no source files were specified", what);
	if (r < 0) {
		sources_free(l, n);
		return r;
	}
	*ret = l;
	*ret_n = n;
	return 0;
}

/*
 * Hard links among the files of one COPY/ADD: a source inode -> the first of
 * its names met (BuildKit's fsutil copier keeps the same map), so that later
 * names become links to that one's copy, as docker/BuildKit keep them. Only
 * names copied by the same instruction are linked: a file whose other names
 * stay behind is copied as a plain file.
 */
struct link {
	dev_t dev; /* the source's inode */
	ino_t ino;
	char *first;   /* checksum: its name in the source; copy: its copy's path */
	dev_t dst_dev; /* copy: the copy's inode (links_forget() when it is replaced) */
	ino_t dst_ino;
};

struct links {
	struct link *v;
	size_t n;
	size_t source; /* checksum: the index of the source walked */
};

static struct link *links_find(const struct links *l, const struct stat *st)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].dev == st->st_dev && l->v[i].ino == st->st_ino)
			return &l->v[i];
	return NULL;
}

static struct link *links_add(struct links *l, const struct stat *st, const char *first)
{
	struct link *k;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	k = &l->v[l->n++];
	*k = (struct link){.dev = st->st_dev, .ino = st->st_ino, .first = xstrdup(first)};
	return k;
}

/*
 * Copy: the copy @path (and with @below everything under it) is being
 * replaced, so it is no file to link to any more, unless it is the one of the
 * source inode @keep (the same name copied again). A path, not the inode: a
 * number freed by the unlink is given at once to the new file.
 */
static void links_forget(struct links *l, const char *path, bool below, const struct stat *keep)
{
	size_t len = strlen(path);

	for (size_t i = 0; i < l->n;) {
		struct link *k = &l->v[i];
		bool hit = below ? startswith(k->first, path) && k->first[len] == '/'
				 : streq(k->first, path);
		if (hit && !(keep && k->dev == keep->st_dev && k->ino == keep->st_ino)) {
			free(k->first);
			l->v[i] = l->v[--l->n];
			continue;
		}
		i++;
	}
}

static void links_release(struct links *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].first);
	free(l->v);
	*l = (struct links){0};
}

/* ---- checksum ---- */

static void hash_xattrs(struct sha256_ctx *c, const char *path)
{
	char names[4096], val[4096];
	ssize_t n = llistxattr(path, names, sizeof(names));

	for (ssize_t i = 0; i < n; i += (ssize_t) strlen(names + i) + 1) {
		ssize_t v;
		if (startswith(names + i, "trusted.overlay."))
			continue;
		v = lgetxattr(path, names + i, val, sizeof(val));
		if (v < 0)
			continue;
		sha256_update(c, names + i, strlen(names + i) + 1);
		sha256_update(c, val, (size_t) v);
	}
}

/* @rel: relative to the source's root (.dockerignore); @sub: relative to the source (--exclude) */
static int hash_tree(const struct copy_req *q, const struct source *s, struct links *links,
		     struct sha256_ctx *c, const char *path, const char *rel, const char *sub,
		     bool top, struct hull_err **err)
{
	struct stat st;
	_cleanup_free_ char *hdr = NULL;

	if ((top ? stat(path, &st) : lstat(path, &st)) < 0)
		return err_set(err, errno, "stat '%s'", path);
	hdr = xasprintf("%s\n%o\n%lld\n", rel, (unsigned) st.st_mode,
			S_ISREG(st.st_mode) ? (long long) st.st_size : 0LL);
	sha256_update(c, hdr, strlen(hdr) + 1);
	hash_xattrs(c, path);
	if (S_ISREG(st.st_mode)) {
		char fd_digest[DIGEST_STR_LEN];
		int r = hash_cache_file(q->hc, path, &st, fd_digest);
		if (r < 0)
			return err_set(err, -r, "read '%s'", path);
		sha256_update(c, fd_digest, DIGEST_STR_LEN - 1);
		/* which copied names are one file is part of the result (a tar's link entries) */
		if (st.st_nlink > 1) {
			const struct link *k = links_find(links, &st);
			if (k) {
				sha256_update(c, k->first, strlen(k->first) + 1);
			} else {
				_cleanup_free_ char *name = xasprintf("%zu:%s", links->source, rel);
				links_add(links, &st, name);
			}
		}
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
			const char *d = names[i]->d_name;
			if (r == 0 && !streq(d, ".") && !streq(d, "..")) {
				_cleanup_free_ char *p = path_join(path, d);
				_cleanup_free_ char *rr =
					*rel ? xasprintf("%s/%s", rel, d) : xstrdup(d);
				_cleanup_free_ char *ss =
					*sub ? xasprintf("%s/%s", sub, d) : xstrdup(d);
				bool skip = ignored(q, s->src, rr) &&
					    !ignore_may_include_below(q->ignore, rr);
				if (!skip && !ignore_match(q->exclude, ss))
					r = hash_tree(q, s, links, c, p, rr, ss, false, err);
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
	struct links links = {0};
	size_t n = 0;
	struct sha256_ctx *c;
	char d[DIGEST_STR_LEN];
	int r;

	r = resolve_sources(q, &l, &n, err);
	if (r < 0)
		return r;
	c = sha256_new();
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *h = xasprintf("%zu:%s\n", i, l[i].keep);
		sha256_update(c, h, strlen(h));
		links.source = i;
		r = hash_tree(q, &l[i], &links, c, l[i].path, l[i].rel, "", true, err);
	}
	sha256_final(c, d);
	sources_free(l, n);
	links_release(&links);
	if (r < 0)
		return r;
	*ret = xstrdup(d);
	return 0;
}

/* ---- copying ---- */

/* Create @path (resolved, below @root) and its missing parents, owned by the copy's owner. */
static int ensure_dir(const struct copy_req *q, const char *root, const char *path,
		      struct hull_err **err)
{
	_cleanup_free_ char *p = xstrdup(path);
	size_t rl = strlen(root);
	struct stat st;

	if (strlen(p) <= rl + 1)
		return 0; /* the root itself */
	for (char *c = p + rl + 1;; c++) {
		if (*c == '/' || !*c) {
			char save = *c;
			*c = '\0';
			if (lstat(p, &st) < 0) {
				if (mkdir(p, 0755) < 0 && errno != EEXIST)
					return err_set(err, errno, "create directory '%s'", p + rl);
				(void) lchown(p, q->uid, q->gid);
			} else if (!S_ISDIR(st.st_mode)) {
				return err_setx(err, ENOTDIR, "mkdir %s: not a directory", p + rl);
			}
			*c = save;
			if (!save)
				break;
		}
	}
	return 0;
}

int copy_mkdir(const char *root, const char *path, uid_t uid, gid_t gid, struct hull_err **err)
{
	struct copy_req q = {.uid = uid, .gid = gid, .chmod = -1};
	_cleanup_free_ char *clean = xstrdup(path), *p = NULL;

	path_clean(clean);
	if (streq(clean, "/"))
		return 0;
	p = root_resolve(root, clean);
	if (!p)
		return err_set(err, errno, "resolve '%s'", path);
	return ensure_dir(&q, root, p, err);
}

static void copy_xattrs(const char *src, const char *dst)
{
	char names[4096], val[65536];
	ssize_t n = llistxattr(src, names, sizeof(names));

	for (ssize_t i = 0; i < n; i += (ssize_t) strlen(names + i) + 1) {
		ssize_t v;
		if (startswith(names + i, "trusted.overlay.") ||
		    startswith(names + i, "security.selinux"))
			continue;
		v = lgetxattr(src, names + i, val, sizeof(val));
		if (v >= 0)
			(void) lsetxattr(dst, names + i, val, (size_t) v, 0);
	}
}

/* set once copy_file_range() (sendfile()) said it cannot copy between these file systems */
static bool no_copy_range, no_sendfile;

/*
 * Copy the regular file @src to @dst with its metadata, all through the
 * open descriptors (one path walk each through the overlay). @fresh: @dst's
 * directory was just made by this copy, so nothing is in the way.
 */
static int copy_file(const struct copy_req *q, const char *src, const char *dst,
		     const struct stat *st, bool fresh, struct hull_err **err)
{
	_cleanup_close_ int in = -1, out = -1;
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	char names[4096];
	ssize_t nl;

	in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return err_set(err, errno, "open '%s'", src);
	if (!fresh)
		(void) unlink(dst);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0)
		return err_set(err, errno, "create '%s'", dst);
	for (off_t left = st->st_size; left > 0;) {
		ssize_t n = -1;
		if (!no_copy_range) {
			n = copy_file_range(in, NULL, out, NULL, (size_t) left, 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
				      errno == EOPNOTSUPP))
				no_copy_range = true;
		}
		if (no_copy_range && !no_sendfile) {
			/* in-kernel, as copy_file_range() would: no copy through a buffer here */
			n = sendfile(out, in, NULL, (size_t) left);
			if (n < 0 && (errno == EINVAL || errno == ENOSYS))
				no_sendfile = true;
		}
		if (no_copy_range && no_sendfile) {
			char buf[65536];
			n = read(in, buf, sizeof(buf));
			if (n > 0 && write_all(out, buf, (size_t) n) < 0)
				return err_set(err, errno, "write '%s'", dst);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, errno, "copy '%s'", src);
		if (n == 0)
			break;
		left -= n;
	}
	/* as set_meta(): owner first, so that chmod keeps set-id bits */
	(void) fchown(out, q->uid, q->gid);
	nl = flistxattr(in, names, sizeof(names));
	for (ssize_t i = 0; i < nl; i += (ssize_t) strlen(names + i) + 1) {
		char val[65536];
		ssize_t v;
		if (startswith(names + i, "trusted.overlay.") ||
		    startswith(names + i, "security.selinux"))
			continue;
		v = fgetxattr(in, names + i, val, sizeof(val));
		if (v >= 0)
			(void) fsetxattr(out, names + i, val, (size_t) v, 0);
	}
	(void) fchmod(out, q->chmod >= 0 ? (mode_t) q->chmod : (st->st_mode & 07777));
	(void) futimens(out, ts);
	return 0;
}

/*
 * The regular file @src (@st) with more names: make @dst a hard link to the
 * copy of an earlier name, or copy it and remember where.
 */
static int copy_linked(const struct copy_req *q, struct links *links, const char *src,
		       const char *dst, const struct stat *st, bool fresh, struct hull_err **err)
{
	struct link *k = links_find(links, st);
	struct stat d;
	int r;

	if (k && lstat(k->first, &d) == 0 && d.st_dev == k->dst_dev && d.st_ino == k->dst_ino) {
		struct stat there;
		if (!fresh && lstat(dst, &there) == 0) {
			if (there.st_dev == d.st_dev && there.st_ino == d.st_ino)
				return 0; /* the same name again, or one that resolves to it */
			if (unlink(dst) < 0)
				return err_set(err, errno, "replace '%s'", dst);
		}
		if (link(k->first, dst) == 0)
			return 0;
		/* too many links, say: a copy of its own keeps the contents */
		if (errno != EMLINK && errno != EXDEV && errno != EPERM)
			return err_set(err, errno, "link '%s' to '%s'", dst, k->first);
	}
	r = copy_file(q, src, dst, st, fresh, err);
	if (r < 0)
		return r;
	if (lstat(dst, &d) < 0)
		return err_set(err, errno, "stat '%s'", dst);
	if (k) {
		free(k->first);
		k->first = xstrdup(dst);
	} else {
		k = links_add(links, st, dst);
	}
	k->dst_dev = d.st_dev;
	k->dst_ino = d.st_ino;
	return 0;
}

static void set_meta(const struct copy_req *q, const char *src, const char *dst,
		     const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};

	(void) lchown(dst, q->uid, q->gid);
	copy_xattrs(src, dst);
	if (!S_ISLNK(st->st_mode))
		(void) chmod(dst, q->chmod >= 0 ? (mode_t) q->chmod : (st->st_mode & 07777));
	(void) utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW);
}

/*
 * Does the ignored directory @path (@rel in the context) hold anything a '!'
 * pattern re-includes? BuildKit's walker sends an excluded directory only as
 * the parent of an included entry, never empty.
 */
static bool any_included(const struct copy_req *q, const struct source *s, const char *path,
			 const char *rel)
{
	struct dirent **names = NULL;
	bool found = false;
	int n = scandir(path, &names, NULL, alphasort);

	if (n < 0)
		return false;
	for (int i = 0; i < n; i++) {
		const char *d = names[i]->d_name;
		if (!found && !streq(d, ".") && !streq(d, "..")) {
			_cleanup_free_ char *p = path_join(path, d);
			_cleanup_free_ char *rr = xasprintf("%s/%s", rel, d);
			struct stat st;
			if (!ignored(q, s->src, rr))
				found = true;
			else if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
				 ignore_may_include_below(q->ignore, rr))
				found = any_included(q, s, p, rr);
		}
		free(names[i]);
	}
	free(names);
	return found;
}

/*
 * Copy @src to @dst, a path below the mounted image root @root. A source
 * directory met by a symlink in the image (/bin -> usr/bin) is copied into
 * the directory the link names, resolved inside @root as every destination
 * is, so the link stays; a link to anything else, or to nothing, stops the
 * copy with BuildKit's words rather than be replaced by a directory.
 */
static int copy_tree(const struct copy_req *q, const struct source *s, struct links *links,
		     const char *root, const char *src, const char *dst, const char *rel,
		     const char *sub, bool top, bool fresh, struct hull_err **err)
{
	struct stat st, dst_st;
	int r = 0;

	if ((top ? stat(src, &st) : lstat(src, &st)) < 0)
		return err_set(err, errno, "stat '%s'", src);
	if (S_ISDIR(st.st_mode)) {
		struct dirent **names = NULL;
		bool existed = !fresh && lstat(dst, &dst_st) == 0;
		int n;

		if (existed && S_ISLNK(dst_st.st_mode)) {
			const char *in_root = dst + strlen(root);
			_cleanup_free_ char *to = root_resolve(root, in_root);
			struct stat to_st;

			/* lstat: a resolved path has no link left, unless it looped */
			if (!to || lstat(to, &to_st) < 0 || !S_ISDIR(to_st.st_mode))
				return err_setx(err, ENOTDIR, "cannot copy to non-directory: %s",
						in_root);
			return copy_tree(q, s, links, root, src, to, rel, sub, top, false, err);
		}
		if (existed && !S_ISDIR(dst_st.st_mode)) {
			if (unlink(dst) < 0)
				return err_set(err, errno, "replace '%s'", dst);
			links_forget(links, dst, false, NULL);
			existed = false;
		}
		if (!existed && mkdir(dst, 0755) < 0)
			return err_set(err, errno, "create directory '%s'", dst);
		n = scandir(src, &names, NULL, alphasort);
		if (n < 0)
			return err_set(err, errno, "read directory '%s'", src);
		for (int i = 0; i < n; i++) {
			const char *d = names[i]->d_name;
			if (r == 0 && !streq(d, ".") && !streq(d, "..")) {
				_cleanup_free_ char *sp = path_join(src, d);
				_cleanup_free_ char *dp = path_join(dst, d);
				_cleanup_free_ char *rr =
					*rel ? xasprintf("%s/%s", rel, d) : xstrdup(d);
				_cleanup_free_ char *ss =
					*sub ? xasprintf("%s/%s", sub, d) : xstrdup(d);
				bool ign = ignored(q, s->src, rr);
				if ((!ign || (ignore_may_include_below(q->ignore, rr) &&
					      any_included(q, s, sp, rr))) &&
				    !ignore_match(q->exclude, ss))
					r = copy_tree(q, s, links, root, sp, dp, rr, ss, false,
						      !existed, err);
			}
			free(names[i]);
		}
		free(names);
		if (r < 0)
			return r;
		if (!top || !existed)
			set_meta(q, src, dst, &st);
		return 0;
	}
	if (!top && ignored(q, s->src, rel))
		return 0;
	if (!fresh && lstat(dst, &dst_st) == 0 && S_ISDIR(dst_st.st_mode)) {
		/* a file replaces a directory only when it is empty (docker: "cannot overwrite") */
		if (rmdir(dst) < 0)
			return err_set(err, errno, "cannot overwrite directory '%s' with a file",
				       dst);
	}
	if (!fresh)
		links_forget(links, dst, false,
			     S_ISREG(st.st_mode) && st.st_nlink > 1 ? &st : NULL);
	if (S_ISREG(st.st_mode) && st.st_nlink > 1)
		return copy_linked(q, links, src, dst, &st, fresh, err);
	if (S_ISREG(st.st_mode))
		return copy_file(q, src, dst, &st, fresh, err);
	if (S_ISLNK(st.st_mode)) {
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
		return 0; /* sockets and devices are not copied */
	}
	if (r == 0)
		set_meta(q, src, dst, &st);
	return r;
}

/* ADD of a local archive: extract it into @dir; 1 if it was one, 0 if not. */
static int extract(const struct copy_req *q, const char *root, const struct source *s,
		   const char *dir, struct hull_err **err)
{
	_cleanup_close_ int fd = -1, dfd = -1;
	int r;

	fd = open(s->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", s->path);
	{
		/* only a stream libarchive recognises as a tar is extracted; peek cheaply first */
		unsigned char m[6] = {0};
		if (pread(fd, m, sizeof(m), 0) < 4)
			return 0;
	}
	r = ensure_dir(q, root, dir, err);
	if (r < 0)
		return r;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "open '%s'", dir + strlen(root));
	r = archive_extract_fd(fd, dfd, err);
	if (r < 0)
		return err_wrap(err, "extract '%s'", s->rel);
	return r;
}

int copy_into(const struct copy_req *q, const char *root, struct hull_err **err)
{
	const char *what = q->is_add ? "ADD" : "COPY";
	struct source *l = NULL;
	struct links links = {0};
	size_t n = 0;
	_cleanup_free_ char *clean = xstrdup(q->dest), *dest = NULL;
	bool dest_dir;
	struct stat st;
	int r;

	r = resolve_sources(q, &l, &n, err);
	if (r < 0)
		return r;
	dest_dir = q->dest[strlen(q->dest) - 1] == '/' || q->parents;
	path_clean(clean);
	dest = root_resolve(root, clean);
	if (!dest) {
		sources_free(l, n);
		return err_set(err, errno, "resolve '%s'", q->dest);
	}
	if (n > 1 && !dest_dir) {
		sources_free(l, n);
		return err_setx(
			err, EINVAL,
			"When using %s with more than one source file, the destination must "
			"be a directory and end with a /",
			what);
	}
	if (!dest_dir && stat(dest, &st) == 0 && S_ISDIR(st.st_mode))
		dest_dir = true;
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *target = NULL, *parent = NULL;
		const struct source *s = &l[i];

		if (q->parents && *s->keep) {
			_cleanup_free_ char *t = path_join(dest, s->keep);
			_cleanup_free_ char *up = xstrdup(t);
			*strrchr(up, '/') = '\0';
			r = ensure_dir(q, root, up, err);
			if (r < 0)
				break;
			target = root_resolve(root, t + strlen(root));
			if (s->dir) {
				r = ensure_dir(q, root, target, err);
				if (r == 0)
					r = copy_tree(q, s, &links, root, s->path, target, s->rel,
						      "", true, false, err);
			} else {
				r = copy_tree(q, s, &links, root, s->path, target, s->rel, "", true,
					      false, err);
			}
			continue;
		}
		if (s->dir) {
			r = ensure_dir(q, root, dest, err);
			if (r == 0)
				r = copy_tree(q, s, &links, root, s->path, dest, s->rel, "", true,
					      false, err);
			continue;
		}
		if (s->src->archive) {
			r = extract(q, root, s, dest, err);
			if (r != 0) /* it may have replaced anything below */
				links_forget(&links, dest, true, NULL);
			if (r != 0) {
				if (r > 0)
					r = 0;
				continue;
			}
		}
		if (dest_dir) {
			/* the source's own name, not its symlink target's (buildkit
			 * FollowSymlinks: `COPY /bin/sh /bin/` gives /bin/sh) */
			const char *base = strrchr(s->rel, '/') ? strrchr(s->rel, '/') + 1 : s->rel;
			r = ensure_dir(q, root, dest, err);
			if (r < 0)
				break;
			target = path_join(dest, base);
		} else {
			target = xstrdup(dest);
			parent = xstrdup(target);
			*strrchr(parent, '/') = '\0';
			if (strlen(parent) > strlen(root)) {
				r = ensure_dir(q, root, parent, err);
				if (r < 0)
					break;
			}
		}
		r = copy_tree(q, s, &links, root, s->path, target, s->rel, "", true, false, err);
	}
	sources_free(l, n);
	links_release(&links);
	return r;
}
