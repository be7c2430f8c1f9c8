/* SPDX-License-Identifier: MIT */
/*
 * docker cp, diff and export, and volume population (container/files.h).
 * Work on the container's root happens in a forked child ("root job") that
 * sees the root through an fd; the parent streams a tar to or from it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include "container/files.h"
#include "container/internal.h"
#include "container/volume.h"
#include "image/tar.h"
#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/hostpath.h"
#include "util/inroot.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

enum view {
	VIEW_IMAGE, /* the overlay read-only, without volumes (export, volume copies) */
	VIEW_READ,  /* a running container's root, else the overlay read-only with volumes */
	VIEW_WRITE, /* a running container's root, else the overlay writable with volumes */
};

typedef int (*root_fn)(int root_fd, void *data, struct hull_err **err);

struct root_job {
	pid_t pid;
	int err_fd;
};

static _noreturn_ void job_exit(int fd, int r, struct hull_err *e)
{
	int code = r < 0 ? -r : 0;
	const char *msg = e ? e->msg : "";

	(void) write_all(fd, &code, sizeof(code));
	(void) write_all(fd, msg, strlen(msg));
	_exit(r < 0 ? 1 : 0);
}

static int job_root(struct store *s, struct container *c, enum view v, char **lower,
		    struct hull_err **err)
{
	_cleanup_free_ char *upper = path_join(c->dir, "upper");
	_cleanup_free_ char *work = path_join(c->dir, "work");
	_cleanup_free_ char *rootfs = path_join(c->dir, "rootfs");
	struct rt_config rc = {
		.rootfs = rootfs, .lowerdirs = lower, .upperdir = upper, .workdir = work};
	int fd, r;

	if (v != VIEW_IMAGE && container_is_running(c)) {
		_cleanup_free_ char *p = xasprintf("/proc/%d/root", (int) c->state.pid);
		fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return err_set(err, errno, "open the root of container %s", c->id);
		return fd;
	}
	if (unshare(CLONE_NEWNS) < 0)
		return err_set(err, errno, "unshare the mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_set(err, errno, "make mounts private");
	r = rt_overlay_mount_view(&rc, v != VIEW_WRITE, err);
	if (r < 0)
		return r;
	fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", rootfs);
	if (v != VIEW_IMAGE) {
		/* volumes and binds; tmpfs mounts do not outlive the container */
		json_t *harr = json_object_get(json_object_get(c->rec, "Hull"), "Mounts");
		struct rt_mount *l = xcalloc(json_array_size(harr) + 1, sizeof(*l));
		size_t i, n = 0;
		json_t *m;
		json_array_foreach (harr, i, m) {
			if (!streq(json_get_str(m, "type"), "bind"))
				continue;
			l[n].type = "bind";
			l[n].source = json_get_str(m, "source");
			l[n].target = json_get_str(m, "target");
			l[n].options = json_get_str(m, "options");
			n++;
		}
		r = rt_mounts_attach(fd, l, n, err);
		free(l);
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	(void) s;
	return fd;
}

static int job_start(struct store *s, struct container *c, enum view v, root_fn fn, void *data,
		     struct root_job *j, struct hull_err **err)
{
	_cleanup_(image_freep) struct image *img = NULL;
	_cleanup_strv_ char **lower = NULL;
	pid_t parent;
	int p[2], r;

	r = store_image_get(s, json_get_str(c->rec, "Image"), &img, err);
	if (r < 0)
		return r;
	lower = store_image_lowerdirs(s, img);
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(err, errno, "create pipe");
	parent = getpid();
	j->pid = fork();
	if (j->pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_set(err, errno, "fork");
	}
	if (j->pid == 0) {
		struct hull_err *e = NULL;
		int root_fd;

		close(p[0]);
		/*
		 * It dies with the command: it holds the ends of the command's data
		 * pipes too, so a killed cp would leave it waiting for their EOF
		 * forever (the kill harness, tests/system/265-kill-harness.bats).
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		signal(SIGPIPE, SIG_IGN);
		root_fd = job_root(s, c, v, lower, &e);
		if (root_fd < 0)
			job_exit(p[1], root_fd, e);
		r = fn(root_fd, data, &e);
		job_exit(p[1], r, e);
	}
	close(p[1]);
	j->err_fd = p[0];
	return 0;
}

static int job_wait(struct root_job *j, struct hull_err **err)
{
	char buf[4096 + sizeof(int)];
	size_t got = 0;
	int status = 0, code = 0;

	for (;;) {
		ssize_t n = read(j->err_fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t) n;
	}
	close(j->err_fd);
	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[got] = '\0';
	if (got >= sizeof(int))
		memcpy(&code, buf, sizeof(int));
	if (code)
		return err_setx(err, code, "%s", buf + sizeof(int));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_setx(err, EIO, "the helper process failed");
	return 0;
}

static const char *base_name(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

/* "DIR/." (or "."): the contents of the directory, without its name (docker's copy rules). */
static bool wants_contents(const char *p)
{
	size_t n = strlen(p);
	return (n >= 2 && streq(p + n - 2, "/.")) || streq(p, ".");
}

/* "DIR/": a path that must name a directory, through a final symlink (moby's assertsDirectory). */
static bool asserts_dir(const char *p)
{
	size_t n = strlen(p);
	return n > 1 && p[n - 1] == '/';
}

/* ---- reading from the container ---- */

struct out_job {
	const char *path; /* in the container */
	const char *ctr;  /* the container's name, for messages */
	int fd;		  /* where the tar goes */
	bool contents;	  /* the entries of the directory, without its name */
	bool missing_ok;
	bool follow; /* cp -L: a final symlink is followed inside the root */
	/*
	 * The copy of a followed link is named after the target, not the link:
	 * the tar of "cp -L CTR:LINK -", as docker's client renames the entries
	 * only when it extracts them.
	 */
	bool target_name;
	char type; /* written first on @fd when set: 'd' directory, 'f' anything else */
};

/* @path split at its last "/": *@ret_parent ("" at the top) and the name in it. */
static const char *split_last(const char *path, char **ret_parent)
{
	const char *slash = strrchr(path, '/');

	*ret_parent = slash ? xstrndup(path, (size_t) (slash - path)) : xstrdup("");
	return slash ? slash + 1 : path;
}

static int out_fn(int root_fd, void *data, struct hull_err **err)
{
	struct out_job *o = data;
	_cleanup_free_ char *clean = NULL, *parent = NULL, *as = NULL, *abs = NULL;
	_cleanup_close_ int pfd = -1, dfd = -1;
	const char *base, *shown = o->path;
	struct stat st;
	int r;

	(void) inroot_clean(o->path, false, &clean);
	if (o->contents || !*clean) {
		dfd = inroot_open(root_fd, clean, O_RDONLY | O_DIRECTORY, 0);
		if (dfd == -ENOENT && o->missing_ok) {
			static const char end[1024]; /* an empty tar: two zero blocks */
			return write_all(o->fd, end, sizeof(end)) < 0 ? err_set(err, errno, "write")
								      : 0;
		}
		if (dfd == -ELOOP)
			return err_set(err, ELOOP, "open %s in container %s", o->path, o->ctr);
		if (dfd < 0)
			goto missing;
		if (o->type && write_all(o->fd, "d", 1) < 0)
			return err_set(err, errno, "write");
		return tar_write(dfd, "", "", o->fd, err);
	}
	as = xstrdup(split_last(clean, &parent));
	if (o->follow || asserts_dir(o->path)) {
		/*
		 * Every link of the path, the last one included, is followed inside
		 * the root (moby's StatPath gives cp -L the fully evaluated target;
		 * "LINK/" names the directory the link leads to even without -L).
		 */
		_cleanup_free_ char *resolved = NULL;
		r = inroot_resolve(root_fd, clean, &resolved);
		if (r < 0)
			return err_set(err, -r, "open %s in container %s", o->path, o->ctr);
		free(clean);
		clean = TAKE_PTR(resolved);
		if (o->follow)
			shown = abs = xasprintf("/%s", clean); /* docker names the target */
	}
	free(parent);
	parent = NULL;
	base = *clean ? split_last(clean, &parent) : ".";
	if (!parent)
		parent = xstrdup("");
	if (o->target_name && *clean && !asserts_dir(o->path)) {
		free(as);
		as = xstrdup(base);
	}
	pfd = inroot_open(root_fd, parent, O_RDONLY | O_DIRECTORY, 0);
	if (pfd < 0 || fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		goto missing;
	if (asserts_dir(o->path) && !S_ISDIR(st.st_mode))
		return err_setx(err, ENOTDIR, "open %s in container %s: not a directory", o->path,
				o->ctr);
	if (o->type && write_all(o->fd, S_ISDIR(st.st_mode) ? "d" : "f", 1) < 0)
		return err_set(err, errno, "write");
	return tar_write(pfd, base, as, o->fd, err);
missing:
	return err_setx(err, ENOENT, "Could not find the file %s in container %s", shown, o->ctr);
}

int container_copy_out(struct store *s, struct container *c, const char *ctr_path,
		       const char *host_dir, struct hull_err **err)
{
	struct out_job o = {.path = ctr_path, .ctr = c->id, .contents = true, .missing_ok = true};
	struct root_job j;
	_cleanup_close_ int dfd = -1;
	int p[2], r, r2;

	dfd = open(host_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "open '%s'", host_dir);
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(err, errno, "create pipe");
	o.fd = p[1];
	r = job_start(s, c, VIEW_IMAGE, out_fn, &o, &j, err);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		return r;
	}
	r = tar_extract_to_host(dfd, p[0], true, err);
	close(p[0]);
	{
		/* the reading side's error is the cause: an unreadable stream follows it */
		_cleanup_(err_freep) struct hull_err *jerr = NULL;
		r2 = job_wait(&j, &jerr);
		if (r2 < 0 && r < 0) {
			*err = err_free(*err);
			*err = TAKE_PTR(jerr);
		} else if (r2 < 0) {
			*err = TAKE_PTR(jerr);
		}
	}
	if (r < 0 || r2 < 0)
		return err_wrap(err, "copy '%s' into volume", ctr_path);
	return 0;
}

/* Extract the tar on @in_fd into @dir_fd so that its top entry @name ends up as @final in @dir_fd.
 */
static int extract_as(int dir_fd, int in_fd, const char *name, const char *final, bool keep,
		      bool to_host, struct hull_err **err)
{
	char tmp[64] = ".hull-cp-";
	_cleanup_close_ int tfd = -1;
	const char *what;
	struct stat st;
	int r;

	/*
	 * Callers resolved @final (symlinks followed, specials refused); check
	 * again where it is replaced, so a device, FIFO, socket or symlink put
	 * there meanwhile is never replaced by a file (issue 14).
	 */
	if (fstatat(dir_fd, final, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (S_ISLNK(st.st_mode) || hostpath_check_node(st.st_mode, &what) < 0))
		return err_setx(err, EEXIST, "'%s' changed while copying: refusing to replace it",
				final);
	if (streq(name, final))
		return to_host ? tar_extract_to_host(dir_fd, in_fd, keep, err)
			       : tar_extract(dir_fd, in_fd, keep, err);
	random_hex(tmp + 9, 8);
	if (mkdirat(dir_fd, tmp, 0700) < 0)
		return err_set(err, errno, "create a temporary directory");
	tfd = openat(dir_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	r = tfd < 0   ? err_set(err, errno, "open a temporary directory")
	    : to_host ? tar_extract_to_host(tfd, in_fd, keep, err)
		      : tar_extract(tfd, in_fd, keep, err);
	/* rename replaces a file; a directory only replaces an empty directory */
	if (r == 0 && renameat(tfd, name, dir_fd, final) < 0) {
		int e = errno;
		if (e == EISDIR ||
		    e == ENOTDIR) /* docker cp's NoOverwriteDirNonDir, in its words */
			r = err_setx(err, e, "cannot overwrite %s \"%s\" with %s",
				     e == EISDIR ? "directory" : "non-directory", final,
				     e == EISDIR ? "non-directory" : "directory");
		else
			r = err_set(err, e, "rename to '%s'", final);
	}
	{
		_cleanup_free_ char *p = xasprintf("/proc/self/fd/%d/%s", dir_fd, tmp);
		(void) rm_rf(p, NULL);
	}
	return r;
}

int container_cp_from(struct store *s, struct container *c, const char *src, const char *dst,
		      unsigned flags, int out_fd, struct hull_err **err)
{
	const char *name = json_get_str(c->rec, "Name");
	struct out_job o = {.path = src,
			    .ctr = name ? name + 1 : c->id,
			    .contents = wants_contents(src),
			    .follow = flags & CP_FOLLOW_LINK,
			    .target_name = (flags & CP_FOLLOW_LINK) && streq(dst, "-")};
	bool archive = flags & CP_ARCHIVE;
	_cleanup_free_ char *parent = NULL, *srcbase = NULL;
	_cleanup_(hostpath_dest_release) struct hostpath_dest d = {0};
	_cleanup_close_ int dfd = -1;
	struct root_job j;
	char type = 0;
	int p[2], r, r2;

	if (streq(dst, "-")) {
		o.fd = out_fd;
		r = job_start(s, c, VIEW_READ, out_fn, &o, &j, err);
		return r < 0 ? r : job_wait(&j, err);
	}
	{
		_cleanup_free_ char *clean = NULL;
		(void) inroot_clean(src, false, &clean);
		srcbase = xstrdup(*clean ? base_name(clean) : "");
	}
	/* a symlink is followed, a device, FIFO or socket refused (moby CopyInfoDestinationPath) */
	r = hostpath_copy_dest(dst, o.contents ? NULL : srcbase, &d, err);
	if (r < 0)
		return r;
	dst = d.path;
	if (d.is_dir) {
		dfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		const char *b = strrchr(dst, '/');
		if (dst[strlen(dst) - 1] == '/')
			return err_setx(err, ENOENT, "destination directory %s does not exist",
					dst);
		parent = b ? (b == dst ? xstrdup("/") : xstrndup(dst, (size_t) (b - dst)))
			   : xstrdup(".");
		dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (dfd < 0)
		return err_set(err, errno, "open '%s'", parent ? parent : dst);
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(err, errno, "create pipe");
	o.fd = p[1];
	o.type = 1;
	r = job_start(s, c, VIEW_READ, out_fn, &o, &j, err);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		return r;
	}
	if (read(p[0], &type, 1) != 1) {
		close(p[0]);
		r = job_wait(&j, err);
		return r < 0 ? r : err_setx(err, EIO, "copy from container %s failed", c->id);
	}
	if (!parent) {
		r = tar_extract_to_host(dfd, p[0], archive, err);
	} else if (o.contents) {
		/* DIR/. to a new path: the path becomes the directory */
		const char *b = base_name(dst);
		_cleanup_close_ int nfd = -1;
		if (mkdirat(dfd, b, 0755) < 0 && errno != EEXIST)
			r = err_set(err, errno, "create '%s'", dst);
		else if ((nfd = openat(dfd, b, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
			 0)
			r = err_set(err, errno, "cannot copy a directory to the file '%s'", dst);
		else
			r = tar_extract_to_host(nfd, p[0], archive, err);
	} else if (type == 'd' && d.exists) {
		r = err_setx(err, EISDIR,
			     "cannot overwrite non-directory \"%s\" with directory \"%s\"", dst,
			     src);
	} else {
		r = extract_as(dfd, p[0], srcbase, base_name(dst), archive, true, err);
	}
	close(p[0]);
	r2 = job_wait(&j, r < 0 ? NULL : err);
	return r < 0 ? r : r2;
}

/* ---- writing into the container ---- */

struct in_job {
	const char *dst;
	const char *ctr;  /* the container's name, for messages */
	const char *name; /* top entry of the tar ("" for stdin tars and DIR/.) */
	bool src_dir, from_tar, contents, keep;
	int fd;
};

static int in_fn(int root_fd, void *data, struct hull_err **err)
{
	struct in_job q = *(struct in_job *) data;
	_cleanup_free_ char *clean = NULL, *parent = NULL;
	_cleanup_close_ int dfd = -1, pfd = -1;
	const char *base;
	struct stat st;

	(void) inroot_clean(q.dst, false, &clean);
	dfd = inroot_open(root_fd, clean, O_RDONLY | O_DIRECTORY, 0);
	if (dfd >= 0 && !q.contents && *q.name &&
	    fstatat(dfd, q.name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* the copy's own name in the directory: as on the host, a node is not replaced */
		const char *what;
		if (hostpath_check_node(st.st_mode, &what) < 0)
			return err_setx(
				err, EINVAL,
				"destination \"%s:/%s%s%s\" must be a directory or a regular "
				"file: %s",
				q.ctr, clean, *clean ? "/" : "", q.name, what);
	}
	if (dfd >= 0)
		return tar_extract(dfd, q.fd, q.keep, err);
	/*
	 * A final symlink is followed inside the root, as docker's client does
	 * (cp.go copyToContainer stats the link target, which moby's StatPath
	 * evaluates in the container's scope); a device, FIFO or socket is
	 * refused.
	 */
	{
		_cleanup_free_ char *resolved = NULL;
		int r = inroot_resolve(root_fd, clean, &resolved);
		if (r == -ELOOP)
			return err_setx(err, ELOOP, "too many symlinks in %s", q.dst);
		if (r < 0 || !*resolved)
			return err_setx(err, ENOENT, "Could not find the file %s in container",
					q.dst);
		free(clean);
		clean = TAKE_PTR(resolved);
	}
	base = split_last(clean, &parent);
	pfd = inroot_open(root_fd, parent, O_RDONLY | O_DIRECTORY, 0);
	if (pfd < 0)
		return err_setx(err, ENOENT, "Could not find the file %s in container", q.dst);
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		const char *what;
		if (hostpath_check_node(st.st_mode, &what) < 0)
			return err_setx(err, EINVAL,
					"destination \"%s:%s\" must be a directory or a regular "
					"file: %s",
					q.ctr, q.dst, what);
		if (S_ISDIR(st.st_mode)) {
			/* a link to a directory: the copy goes into it */
			dfd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (dfd < 0)
				return err_set(err, errno, "open '%s'", q.dst);
			return tar_extract(dfd, q.fd, q.keep, err);
		}
	}
	if (q.from_tar)
		return err_setx(err, ENOTDIR, "destination \"%s\" must be a directory", q.dst);
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (q.src_dir)
			return err_setx(err, EISDIR,
					"cannot overwrite non-directory \"%s\" with directory",
					q.dst);
	} else if (q.dst[strlen(q.dst) - 1] == '/') {
		return err_setx(err, ENOENT, "Could not find the file %s in container", q.dst);
	}
	if (q.contents) {
		_cleanup_close_ int nfd = -1;
		if (mkdirat(pfd, base, 0755) < 0 && errno != EEXIST)
			return err_set(err, errno, "create '%s'", q.dst);
		nfd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return err_set(err, errno, "open '%s'", q.dst);
		return tar_extract(nfd, q.fd, q.keep, err);
	}
	return extract_as(pfd, q.fd, q.name, base, q.keep, false, err);
}

int container_cp_to(struct store *s, struct container *c, const char *src, const char *dst,
		    unsigned flags, int in_fd, struct hull_err **err)
{
	const char *name = json_get_str(c->rec, "Name");
	struct in_job q = {.dst = dst, .ctr = name ? name + 1 : c->id, .keep = flags & CP_ARCHIVE};
	_cleanup_free_ char *clean = NULL, *parent = NULL, *resolved = NULL;
	_cleanup_close_ int pfd = -1;
	const char *from, *entry;
	struct root_job j;
	struct stat st;
	int p[2], r, r2;

	if (streq(src, "-")) {
		q.from_tar = true;
		q.name = "";
		q.fd = in_fd;
		r = job_start(s, c, VIEW_WRITE, in_fn, &q, &j, err);
		return r < 0 ? r : job_wait(&j, err);
	}
	q.contents = wants_contents(src);
	clean = xstrdup(src);
	while (strlen(clean) > 1 && clean[strlen(clean) - 1] == '/')
		clean[strlen(clean) - 1] = '\0';
	q.name = base_name(clean);
	if (q.contents || streq(q.name, "..") || !*q.name)
		q.contents = true;
	from = clean;
	if (!q.contents && ((flags & CP_FOLLOW_LINK) || asserts_dir(src))) {
		/*
		 * docker's ResolveHostSourcePath: with -L (or "LINK/") the target,
		 * every link resolved on the host, is copied under the link's name
		 */
		resolved = realpath(src, NULL);
		if (!resolved)
			return err_set(err, errno, "lstat %s", src);
		from = resolved;
	}
	if (lstat(from, &st) < 0)
		return err_set(err, errno, "lstat %s", src);
	q.src_dir = S_ISDIR(st.st_mode);
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(err, errno, "create pipe");
	q.fd = p[0];
	r = job_start(s, c, VIEW_WRITE, in_fn, &q, &j, err);
	close(p[0]);
	if (r < 0) {
		close(p[1]);
		return r;
	}
	if (q.contents) {
		pfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = pfd < 0 ? err_set(err, errno, "open '%s'", src)
			    : tar_write(pfd, "", "", p[1], err);
	} else {
		const char *b = strrchr(from, '/');
		parent = b ? (b == from ? xstrdup("/") : xstrndup(from, (size_t) (b - from)))
			   : xstrdup(".");
		entry = b ? (b[1] ? b + 1 : ".") : from;
		pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = pfd < 0 ? err_set(err, errno, "open '%s'", parent)
			    : tar_write(pfd, entry, q.name, p[1], err);
	}
	close(p[1]);
	{
		/* the extracting side's refusal is the cause: our write then fails with EPIPE */
		_cleanup_(err_freep) struct hull_err *jerr = NULL;
		r2 = job_wait(&j, &jerr);
		if (r2 < 0 && err) {
			*err = err_free(*err);
			*err = TAKE_PTR(jerr);
		}
		if (r2 < 0)
			return r2;
	}
	return r;
}

/* ---- export ---- */

struct export_job {
	int fd;
};

static int export_fn(int root_fd, void *data, struct hull_err **err)
{
	return tar_write(root_fd, "", "", ((struct export_job *) data)->fd, err);
}

int container_export(struct store *s, struct container *c, int out_fd, struct hull_err **err)
{
	struct export_job x = {out_fd};
	struct root_job j;
	int r = job_start(s, c, VIEW_IMAGE, export_fn, &x, &j, err);

	return r < 0 ? r : job_wait(&j, err);
}

/* ---- diff ---- */

/* Mount points hull creates in the upper directory (docker keeps them in its init layer). */
static bool own_mount_point(const char *path, json_t *mounts)
{
	static const char *const fixed[] = {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf",
					    "/proc",	  "/sys",	   "/dev",
					    "/etc/mtab"};
	size_t i;
	json_t *m;

	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (streq(path, fixed[i]))
			return true;
	if (startswith(path, "/dev/"))
		return true;
	json_array_foreach (mounts, i, m) {
		_cleanup_free_ char *t = NULL;
		(void) inroot_clean(json_get_str(m, "Destination") ?: "", false, &t);
		if (streq(path + 1, t))
			return true;
	}
	return false;
}

static bool in_lower(char **lower, const char *rel)
{
	STRV_FOREACH (l, lower) {
		_cleanup_close_ int root = open(*l, O_PATH | O_DIRECTORY | O_CLOEXEC);
		_cleanup_close_ int fd = -1;
		if (root < 0)
			continue;
		fd = inroot_open(root, rel, O_PATH | O_NOFOLLOW, INROOT_NO_XDEV);
		if (fd >= 0)
			return true;
	}
	return false;
}

/* Returns whether anything below (or @path itself) was reported. */
static bool diff_walk(int dfd, const char *path, char **lower, json_t *mounts, char ***out)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	bool any = false;

	if (!d) {
		close(dfd);
		return false;
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		struct stat st;
		bool lower_has;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		p = xasprintf("%s/%s", path, de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
			_cleanup_free_ char *line = xasprintf("D %s", p);
			strv_push(out, line);
			any = true;
			continue;
		}
		if (own_mount_point(p, mounts))
			continue;
		lower_has = in_lower(lower, p + 1);
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			size_t at = strv_length(*out);
			bool below = sub >= 0 && diff_walk(sub, p, lower, mounts, out);
			if (!lower_has || below) {
				_cleanup_free_ char *line =
					xasprintf("%c %s", lower_has ? 'C' : 'A', p);
				size_t n = strv_length(*out);
				char *last;
				strv_push(out, line);
				last = (*out)[n];
				memmove(*out + at + 1, *out + at, (n - at) * sizeof(char *));
				(*out)[at] = last;
				any = true;
			}
			continue;
		}
		{
			_cleanup_free_ char *line = xasprintf("%c %s", lower_has ? 'C' : 'A', p);
			strv_push(out, line);
		}
		any = true;
	}
	closedir(d);
	return any;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a + 2, *(char *const *) b + 2);
}

int container_diff(struct store *s, struct container *c, char ***ret, struct hull_err **err)
{
	_cleanup_(image_freep) struct image *img = NULL;
	_cleanup_strv_ char **lower = NULL;
	_cleanup_free_ char *upper = path_join(c->dir, "upper");
	char **out = strv_new();
	int fd, r;

	r = store_image_get(s, json_get_str(c->rec, "Image"), &img, err);
	if (r < 0) {
		strv_free(out);
		return r;
	}
	lower = store_image_lowerdirs(s, img);
	fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		strv_free(out);
		return err_set(err, errno, "open '%s'", upper);
	}
	(void) diff_walk(fd, "", lower, json_object_get(c->rec, "Mounts"), &out);
	qsort(out, strv_length(out), sizeof(char *), line_cmp);
	*ret = out;
	return 0;
}

int container_upper_tar(struct store *s, struct container *c, int out_fd, struct hull_err **err)
{
	_cleanup_free_ char *upper = path_join(c->dir, "upper");
	_cleanup_close_ int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	(void) s;
	if (fd < 0)
		return err_set(err, errno, "open '%s'", upper);
	return tar_write(fd, "", "", out_fd, err);
}
