/* SPDX-License-Identifier: MIT */
/* User-given output paths on the host (util/hostpath.h). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "util/fs.h"
#include "util/hostpath.h"
#include "util/inroot.h"
#include "util/strbuf.h"

/* docker's CopyInfoDestinationPath gives up after more than 10 links */
#define MAX_DEST_LINKS 10

/* The directory part of @p as a path that can be opened ("." or "/" at the top). */
static char *dir_of(const char *p)
{
	_cleanup_free_ char *c = xstrdup(p);
	char *slash;
	size_t n = strlen(c);

	while (n > 1 && c[n - 1] == '/')
		c[--n] = '\0';
	slash = strrchr(c, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == c)
		return xstrdup("/");
	return xstrndup(c, (size_t) (slash - c));
}

/* The last component of @p, without trailing slashes. */
static char *base_of(const char *p)
{
	_cleanup_free_ char *c = xstrdup(p);
	const char *slash;
	size_t n = strlen(c);

	while (n > 1 && c[n - 1] == '/')
		c[--n] = '\0';
	slash = strrchr(c, '/');
	return xstrdup(slash && slash[1] ? slash + 1 : c);
}

/* @p made absolute and lexically clean, for messages (docker prints filepath.Abs). */
static char *abs_of(const char *p)
{
	_cleanup_free_ char *joined = NULL, *clean = NULL;
	char cwd[4096];

	if (p[0] != '/' && getcwd(cwd, sizeof(cwd)))
		joined = xasprintf("%s/%s", cwd, p);
	else
		joined = xstrdup(p);
	(void) inroot_clean(joined, false, &clean);
	return xasprintf("/%s", clean);
}

int hostpath_check_node(mode_t mode, const char **ret_what)
{
	if (S_ISREG(mode) || S_ISDIR(mode))
		return 0;
	/* docker's ValidateOutputPathFileMode words; FIFOs and sockets are hull's addition */
	*ret_what = S_ISCHR(mode) || S_ISBLK(mode) ? "got a device" : "got an irregular file";
	return -EINVAL;
}

void hostpath_dest_release(struct hostpath_dest *d)
{
	free(d->path);
	d->path = NULL;
}

int hostpath_copy_dest(const char *path, const char *entry, struct hostpath_dest *ret,
		       struct hull_err **err)
{
	_cleanup_free_ char *p = xstrdup(path), *parent = dir_of(path);
	const char *what;
	struct stat st;
	bool exists = false;

	/* the directory the user named must exist (docker's ValidateOutputPath) */
	if (stat(parent, &st) < 0 && errno == ENOENT) {
		_cleanup_free_ char *abs = abs_of(parent);
		return err_setx(err, ENOENT, "invalid output path: directory \"%s\" does not exist",
				abs);
	}
	for (int n = 0;; n++) {
		char target[4096];
		ssize_t len;

		if (lstat(p, &st) < 0) {
			if (errno != ENOENT)
				return err_set(err, errno, "lstat %s", p);
			break;
		}
		if (!S_ISLNK(st.st_mode)) {
			exists = true;
			break;
		}
		if (n >= MAX_DEST_LINKS + 1)
			return err_setx(err, ELOOP, "too many symlinks in %s", path);
		len = readlink(p, target, sizeof(target) - 1);
		if (len < 0)
			return err_set(err, errno, "readlink %s", p);
		target[len] = '\0';
		if (target[0] == '/') {
			free(p);
			p = xstrdup(target);
		} else {
			/* relative to the link's directory; the kernel resolves ".." */
			_cleanup_free_ char *d = dir_of(p);
			free(p);
			p = path_join(d, target);
		}
	}
	if (exists && hostpath_check_node(st.st_mode, &what) < 0) {
		_cleanup_free_ char *abs = abs_of(path);
		return err_setx(
			err, EINVAL,
			"invalid output path: \"%s\" must be a directory or a regular file: %s",
			abs, what);
	}
	if (exists && S_ISDIR(st.st_mode) && entry && *entry) {
		_cleanup_free_ char *in = path_join(p, entry);
		struct stat est;
		if (lstat(in, &est) == 0 && hostpath_check_node(est.st_mode, &what) < 0) {
			_cleanup_free_ char *named = path_join(path, entry), *abs = abs_of(named);
			return err_setx(err, EINVAL,
					"invalid output path: \"%s\" must be a directory or a "
					"regular file: %s",
					abs, what);
		}
	}
	if (!exists) {
		/* a dangling link names the file to create: its directory must exist */
		_cleanup_free_ char *d = dir_of(p);
		if (stat(d, &st) < 0)
			return err_set(err, errno, "stat %s", d);
		if (!S_ISDIR(st.st_mode))
			return err_setx(err, ENOTDIR, "stat %s: not a directory", d);
	}
	ret->path = TAKE_PTR(p);
	ret->exists = exists;
	ret->is_dir = exists && S_ISDIR(st.st_mode);
	return 0;
}

/* docker's moby/sys atomicwriter validateDestination() words for what is at the destination. */
static const char *output_refusal(mode_t mode)
{
	if (S_ISREG(mode))
		return NULL;
	if (S_ISDIR(mode))
		return "cannot write to a directory";
	if (S_ISLNK(mode))
		return "cannot write to a symbolic link directly";
	if (S_ISFIFO(mode))
		return "cannot write to a named pipe (FIFO)";
	if (S_ISSOCK(mode))
		return "cannot write to a socket";
	if (S_ISCHR(mode))
		return "cannot write to a character device file";
	if (S_ISBLK(mode))
		return "cannot write to a block device file";
	return "unknown file mode";
}

/* The directory of a user-given output path, opened (it must exist), and the last name. */
static int output_parent(const char *path, char **ret_dir, char **ret_name, int *ret_dfd,
			 struct hull_err **err)
{
	_cleanup_free_ char *dir = NULL;
	int dfd;

	if (!*path)
		return err_setx(err, EINVAL, "file name is empty");
	dir = dir_of(path);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "invalid output path: stat %s", dir);
	*ret_name = base_of(path);
	*ret_dfd = dfd;
	if (ret_dir)
		*ret_dir = TAKE_PTR(dir);
	return 0;
}

int hostpath_output_open(const char *path, mode_t mode, struct hostpath_output *ret,
			 struct hull_err **err)
{
	_cleanup_free_ char *dir = NULL, *name = NULL, *tmp = NULL;
	_cleanup_close_ int dfd = -1, fd = -1;
	unsigned char rnd[4];
	const char *why;
	struct stat st;
	int r;

	r = output_parent(path, &dir, &name, &dfd, err);
	if (r < 0)
		return r;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		why = output_refusal(st.st_mode);
		if (why)
			return err_setx(err, EINVAL, "%s", why);
	} else if (errno != ENOENT) {
		return err_set(err, errno, "failed to stat output path");
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t) sizeof(rnd))
		return err_set(err, errno, "getrandom");
	tmp = xasprintf(".tmp-%s.%02x%02x%02x%02x", name, rnd[0], rnd[1], rnd[2], rnd[3]);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(err, errno, "create temporary file in %s", dir);
	ret->fd = TAKE_FD(fd);
	ret->dir_fd = TAKE_FD(dfd);
	ret->name = TAKE_PTR(name);
	ret->tmp_name = TAKE_PTR(tmp);
	ret->mode = mode;
	return 0;
}

int hostpath_output_create(const char *path, mode_t mode, struct hostpath_output *ret,
			   struct hull_err **err)
{
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int dfd = -1, fd = -1;
	int r;

	r = output_parent(path, NULL, &name, &dfd, err);
	if (r < 0)
		return r;
	/* O_EXCL: any existing entry fails, and a final symlink is never followed */
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno == EEXIST)
		return err_setx(err, EEXIST, "'%s' exists", path);
	if (fd < 0)
		return err_set(err, errno, "create '%s'", path);
	ret->fd = TAKE_FD(fd);
	ret->dir_fd = TAKE_FD(dfd);
	ret->name = TAKE_PTR(name);
	ret->tmp_name = NULL;
	ret->mode = mode;
	ret->created = true;
	ret->committed = false;
	return 0;
}

int hostpath_output_commit(struct hostpath_output *o, struct hull_err **err)
{
	const char *why;
	struct stat st;
	int r = 0;

	if (o->created) {
		if (fsync(o->fd) < 0)
			return err_set(err, errno, "sync %s", o->name);
		o->committed = true;
		return 0;
	}
	if (fsync(o->fd) < 0)
		r = err_set(err, errno, "sync %s", o->name);
	else if (fchmod(o->fd, o->mode) < 0)
		r = err_set(err, errno, "chmod %s", o->name);
	else if (fstatat(o->dir_fd, o->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		 (why = output_refusal(st.st_mode)))
		/* something other than a file appeared meanwhile: leave it alone */
		r = err_setx(err, EINVAL, "%s", why);
	else if (renameat(o->dir_fd, o->tmp_name, o->dir_fd, o->name) < 0)
		r = err_set(err, errno, "rename to %s", o->name);
	else {
		free(o->tmp_name);
		o->tmp_name = NULL;
	}
	return r;
}

void hostpath_output_release(struct hostpath_output *o)
{
	struct stat mine, there;

	if (o->tmp_name && o->dir_fd >= 0)
		(void) unlinkat(o->dir_fd, o->tmp_name, 0);
	/* remove a created file only while the name is still ours, never what replaced it */
	if (o->created && !o->committed && o->name && o->fd >= 0 && o->dir_fd >= 0 &&
	    fstat(o->fd, &mine) == 0 &&
	    fstatat(o->dir_fd, o->name, &there, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(there.st_mode) && mine.st_dev == there.st_dev && mine.st_ino == there.st_ino)
		(void) unlinkat(o->dir_fd, o->name, 0);
	o->created = o->committed = false;
	free(o->tmp_name);
	free(o->name);
	o->tmp_name = o->name = NULL;
	if (o->fd >= 0)
		close(o->fd);
	if (o->dir_fd >= 0)
		close(o->dir_fd);
	o->fd = o->dir_fd = -1;
}
