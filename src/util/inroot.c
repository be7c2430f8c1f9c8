/* SPDX-License-Identifier: MIT */
/* Lookups confined to a root directory (util/inroot.h). */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "util/inroot.h"
#include "util/macros.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* Linux's MAXSYMLINKS: what a path lookup follows before ELOOP */
#define MAX_LINKS 40

/* The components @parts joined with "/" ("" for none). */
static char *join_parts(char **parts)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	STRV_FOREACH (p, parts) {
		if (p != parts)
			strbuf_addch(&sb, '/');
		strbuf_adds(&sb, *p);
	}
	s = xstrdup(strbuf_cstr(&sb));
	strbuf_release(&sb);
	return s;
}

/* Drop the last of the @n resolved components in @parts. */
static void pop_part(char **parts, size_t *n)
{
	if (*n == 0)
		return;
	free(parts[--*n]);
	parts[*n] = NULL;
}

int inroot_clean(const char *name, bool strict, char **ret)
{
	_cleanup_strv_ char **parts = strv_new();
	_cleanup_free_ char *copy = xstrdup(name);
	char *save = NULL;
	size_t n = 0;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			if (n == 0 && strict)
				return -EBADMSG;
			pop_part(parts, &n);
			continue;
		}
		strv_push(&parts, c);
		n++;
	}
	*ret = join_parts(parts);
	return 0;
}

int inroot_resolve(int root_fd, const char *path, char **ret)
{
	_cleanup_strv_ char **done = strv_new();
	_cleanup_free_ char *todo = NULL;
	size_t n = 0;
	int links = 0;

	(void) inroot_clean(path, false, &todo);
	while (*todo) {
		size_t len = strcspn(todo, "/");
		_cleanup_free_ char *c = xstrndup(todo, len), *joined = NULL;
		_cleanup_close_ int fd = -1;
		char target[PATH_MAX];
		struct stat st;
		char *rest = xstrdup(todo + len + (todo[len] == '/'));
		ssize_t tl;

		free(todo);
		todo = rest;
		if (!*c || streq(c, "."))
			continue;
		if (streq(c, "..")) {
			pop_part(done, &n);
			continue;
		}
		strv_push(&done, c);
		n++;
		/* every component before this one is resolved: no link on the way */
		joined = join_parts(done);
		fd = inroot_open(root_fd, joined, O_PATH | O_NOFOLLOW, 0);
		if (fd == -ENOENT)
			continue; /* kept as it is, as moby's evaluation does */
		if (fd < 0)
			return fd;
		if (fstat(fd, &st) < 0)
			return -errno;
		if (!S_ISLNK(st.st_mode))
			continue;
		if (++links > MAX_LINKS)
			return -ELOOP;
		tl = readlinkat(fd, "", target, sizeof(target) - 1);
		if (tl < 0)
			return -errno;
		target[tl] = '\0';
		pop_part(done, &n);
		while (target[0] == '/' && n)
			pop_part(done, &n);
		rest = xasprintf("%s/%s", target, todo);
		free(todo);
		todo = rest;
	}
	*ret = join_parts(done);
	return 0;
}

static bool have_openat2 = true;

/* Without openat2: component by component, refusing every symlink. */
static int open_fallback(int root_fd, const char *path, int flags)
{
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL, *last = NULL;
	int fd, r;

	fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next;
		if (streq(c, ".") || streq(c, ".."))
			continue; /* ".." stays at the root: callers pass cleaned paths */
		if (last) {
			next = openat(fd, last, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = -errno;
			(void) close(fd);
			if (next < 0)
				return r;
			fd = next;
		}
		last = c;
	}
	r = openat(fd, last ? last : ".", flags | O_NOFOLLOW | O_CLOEXEC, 0);
	if (r < 0)
		r = -errno;
	(void) close(fd);
	return r;
}

int inroot_open(int root_fd, const char *path, int flags, int opts)
{
	struct open_how how = {
		.flags = (uint64_t) (flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
			   ((opts & INROOT_NO_XDEV) ? RESOLVE_NO_XDEV : 0),
	};
	int fd;

	if (!*path)
		path = ".";
	if (have_openat2) {
		/*
		 * EAGAIN: a rename or mount anywhere on the system raced a ".." of
		 * the path, and the kernel could not tell that it stayed inside
		 * (openat2(2) asks the caller to retry). Bounded, for a system that
		 * renames without pause.
		 */
		for (int tries = 0; tries < 1024; tries++) {
			fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
			if (fd >= 0)
				return fd;
			if (errno != EAGAIN)
				break;
		}
		if (errno != ENOSYS)
			return -errno;
		have_openat2 = false;
	}
	return open_fallback(root_fd, path, flags);
}

int inroot_mkdir_p(int root_fd, const char *path, int opts)
{
	_cleanup_free_ char *prefix = NULL;
	int fd, cur;
	const char *p;

	fd = inroot_open(root_fd, path, O_RDONLY | O_DIRECTORY, opts);
	if (fd != -ENOENT)
		return fd;
	cur = inroot_open(root_fd, "", O_RDONLY | O_DIRECTORY, opts);
	if (cur < 0)
		return cur;
	for (p = path; *p;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t) (slash - path) : strlen(path);
		_cleanup_free_ char *name = xstrndup(p, slash ? (size_t) (slash - p) : strlen(p));
		free(prefix);
		prefix = xstrndup(path, n);
		if (!*name || streq(name, ".")) {
			p = slash ? slash + 1 : p + strlen(p);
			continue;
		}
		fd = inroot_open(root_fd, prefix, O_RDONLY | O_DIRECTORY, opts);
		if (fd == -ENOENT) {
			/* a dangling symlink here fails with EEXIST below: never create through it
			 */
			if (mkdirat(cur, name, 0755) < 0 && errno != EEXIST) {
				fd = -errno;
				(void) close(cur);
				return fd;
			}
			fd = inroot_open(root_fd, prefix, O_RDONLY | O_DIRECTORY, opts);
		}
		(void) close(cur);
		if (fd < 0)
			return fd;
		cur = fd;
		p = slash ? slash + 1 : p + strlen(p);
	}
	return cur;
}
