/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include "fs.h"
#include "strbuf.h"

int read_file_fd(int fd, const char *name, size_t max, char **ret_data, size_t *ret_len,
		 struct hull_err **err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	ssize_t n;

	sb.max = max;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(err, errno, "read '%s'", name);
		}
		if (n == 0)
			break;
		if (strbuf_add(&sb, buf, (size_t) n) < 0)
			return err_setx(err, EFBIG, "read '%s': larger than %zu bytes", name, max);
	}
	*ret_data = strbuf_detach(&sb, ret_len);
	return 0;
}

int read_file(const char *path, size_t max, char **ret_data, size_t *ret_len, struct hull_err **err)
{
	_cleanup_close_ int fd = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", path);
	return read_file_fd(fd, path, max, ret_data, ret_len, err);
}

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t) n;
	}
	return 0;
}

static int write_file_rename(const char *path, const void *data, size_t len, mode_t mode,
			     bool durable, struct hull_err **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int) getpid());
	_cleanup_close_ int fd = -1;
	int r;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return err_set(err, errno, "create '%s'", tmp);
	r = write_all(fd, data, len);
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (r < 0) {
		(void) unlink(tmp);
		return err_set(err, -r, "write '%s'", tmp);
	}
	if (rename(tmp, path) < 0) {
		r = errno;
		(void) unlink(tmp);
		return err_set(err, r, "rename '%s' to '%s'", tmp, path);
	}
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
		      struct hull_err **err)
{
	return write_file_rename(path, data, len, mode, true, err);
}

int write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
		       struct hull_err **err)
{
	return write_file_rename(path, data, len, mode, false, err);
}

int mkdir_p(const char *path, mode_t mode, struct hull_err **err)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return err_set(err, errno, "mkdir '%s'", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return err_set(err, errno, "mkdir '%s'", p);
	return 0;
}

/*
 * Recursive removal with a bounded number of open fds. A tree may be deeper
 * than the fd limit (a layer's 2000 nested directories, a container's
 * deeper ones): holding one fd per level made such a tree impossible to
 * remove, so it stayed for ever. Below RM_DEPTH_MAX levels, a directory is
 * moved up into the top directory of the removal instead, which passes
 * over its entries again until none is moved.
 */
#define RM_DEPTH_MAX 64

struct rm_ctx {
	int top_fd; /* the directory being removed */
	dev_t dev;  /* its device, when mount points are refused */
	bool one_fs;
	unsigned long moved;
};

static int rm_contents(struct rm_ctx *c, int fd, int depth, struct hull_err **err);

/* move the directory @name of @dfd into the top directory under a new name */
static int rm_move_up(struct rm_ctx *c, int dfd, const char *name, struct hull_err **err)
{
	for (;;) {
		char n[64];

		snprintf(n, sizeof(n), ".hull-rm-%lu", c->moved++);
		if (renameat2(dfd, name, c->top_fd, n, RENAME_NOREPLACE) == 0)
			return 0;
		/* a file system without RENAME_NOREPLACE: a name nothing has */
		if (errno == EINVAL && faccessat(c->top_fd, n, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT && renameat(dfd, name, c->top_fd, n) == 0)
			return 0;
		if (errno != EEXIST)
			return err_set(err, errno, "move '%s' up", name);
	}
}

/*
 * Remove @name below @dfd unless it is a directory: 0 when it is gone (or
 * was never there), 1 with *@st filled when it is a directory, or a
 * negative errno.
 */
static int unlink_unless_dir(int dfd, const char *name, struct stat *st, struct hull_err **err)
{
	if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "stat '%s'", name);
	if (S_ISDIR(st->st_mode))
		return 1;
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		return err_set(err, errno, "remove '%s'", name);
	return 0;
}

static int rm_entry(struct rm_ctx *c, int dfd, const char *name, int depth, struct hull_err **err)
{
	struct stat st;
	int fd, r;

	r = unlink_unless_dir(dfd, name, &st, err);
	if (r <= 0)
		return r;
	if (c->one_fs && st.st_dev != c->dev)
		return err_setx(err, EBUSY, "remove '%s': is a mount point", name);
	if (depth >= RM_DEPTH_MAX)
		return rm_move_up(c, dfd, name, err);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", name);
	r = rm_contents(c, fd, depth + 1, err); /* closes fd */
	if (r < 0)
		return r;
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return err_set(err, errno, "remove '%s'", name);
	return 0;
}

/* remove what the directory @fd holds; closes @fd */
static int rm_contents(struct rm_ctx *c, int fd, int depth, struct hull_err **err)
{
	struct dirent *de;
	DIR *d = fdopendir(fd);
	int r = 0;

	if (!d) {
		r = err_set(err, errno, "opendir");
		(void) close(fd);
		return r;
	}
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		r = rm_entry(c, dirfd(d), de->d_name, depth, err);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

int rm_tree_at(int dfd, const char *name, bool one_fs, struct hull_err **err)
{
	struct rm_ctx c = {.top_fd = -1, .one_fs = one_fs};
	struct stat st;
	int r = 0;

	r = unlink_unless_dir(dfd, name, &st, err);
	if (r <= 0)
		return r;
	c.dev = st.st_dev;
	c.top_fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.top_fd < 0)
		return err_set(err, errno, "open '%s'", name);
	/* again while a pass moved directories up: the next one sees them all */
	for (;;) {
		unsigned long before = c.moved;
		int fd = fcntl(c.top_fd, F_DUPFD_CLOEXEC, 3);

		if (fd < 0) {
			r = err_set(err, errno, "open '%s'", name);
			break;
		}
		(void) lseek(fd, 0, SEEK_SET);
		r = rm_contents(&c, fd, 1, err);
		if (r < 0 || c.moved == before)
			break;
	}
	(void) close(c.top_fd);
	if (r < 0)
		return r;
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return err_set(err, errno, "remove '%s'", name);
	return 0;
}

int rm_rf(const char *path, struct hull_err **err)
{
	return rm_tree_at(AT_FDCWD, path, true, err);
}

char *path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (la == 1 && a[0] == '/')
		return xasprintf("/%s", b);
	return xasprintf("%.*s/%s", (int) la, a, b);
}

static int64_t dir_size_at(int dfd)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int64_t total = 0;

	if (!d) {
		(void) close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int fd = openat(dirfd(d), de->d_name,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				total += dir_size_at(fd);
		} else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
			total += st.st_size;
		}
	}
	closedir(d);
	return total;
}

int64_t dir_size(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? 0 : dir_size_at(fd);
}

char *lookup_path(const char *root, const char *name, const char *path_env)
{
	const char *p = path_env;
	int saved = ENOENT;

	if (!*name) {
		errno = ENOENT;
		return NULL;
	}
	if (strchr(name, '/'))
		return xstrdup(name);
	if (!path_env) {
		errno = ENOENT;
		return NULL;
	}
	while (*p) {
		const char *end = strchrnul(p, ':');
		_cleanup_free_ char *dir = xstrndup(p, (size_t) (end - p));
		_cleanup_free_ char *cand = path_join(*dir ? dir : ".", name);
		_cleanup_free_ char *full = NULL;
		struct stat st;

		full = (root && !streq(root, "/")) ? path_join(root, cand) : xstrdup(cand);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(full, X_OK) == 0)
				return TAKE_PTR(cand);
			saved = EACCES;
		}
		p = *end ? end + 1 : end;
	}
	errno = saved;
	return NULL;
}

unsigned long long proc_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	char state;
	ssize_t n;
	int fd;

	/* open and read, not stdio: one syscall fewer, for each member of a network */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* after the command, which may hold spaces and parentheses */
	if (!(p = strrchr(buf, ')')) || !p[1])
		return 0;
	if (sscanf(p + 2,
		   "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
		   "%*d %llu",
		   &state, &t) != 2)
		return 0;
	/* a zombie has ended: only its parent's wait keeps the entry */
	return state == 'Z' || state == 'X' ? 0 : t;
}
