/* SPDX-License-Identifier: MIT */
/* Lookups confined to a root directory (util/inroot.h). */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "util/inroot.h"
#include "util/macros.h"
#include "util/strbuf.h"
#include "util/strv.h"

int inroot_clean(const char *name, bool strict, char **ret)
{
	_cleanup_strv_ char **parts = strv_new();
	_cleanup_free_ char *copy = xstrdup(name);
	struct strbuf sb = STRBUF_INIT;
	char *save = NULL;
	size_t n = 0;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			if (n == 0) {
				if (strict)
					return -EBADMSG;
				continue;
			}
			free(parts[--n]);
			parts[n] = NULL;
			continue;
		}
		strv_push(&parts, c);
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(&sb, '/');
		strbuf_adds(&sb, parts[i]);
	}
	*ret = xstrdup(strbuf_cstr(&sb));
	strbuf_release(&sb);
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
		fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
		if (fd >= 0)
			return fd;
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
