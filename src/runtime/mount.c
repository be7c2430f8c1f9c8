/* SPDX-License-Identifier: MIT */
/*
 * The container's root file system, built in the child's private mount
 * namespace (after runc's rootfs_linux.go and crun's linux.c):
 *
 * before pivot_root (host paths): make every mount private, mount the
 * overlay on the rootfs directory, clone detached bind mounts (open_tree) of
 * the /etc files and the pty;
 * after pivot_root (paths resolve inside the container, so symlinks in the
 * image cannot point a mount at the host): /proc, /sys, /dev and its nodes,
 * the /etc files (move_mount), the masked and read-only paths it is given, the
 * read-only remount of / and the working directory.
 *
 * NEEDSWORK: cgroups (/sys/fs/cgroup and the cgroup of the process) are not
 * set up yet; the process stays in the caller's cgroups.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "runtime/rt-internal.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* The kernel copies at most one page of mount data. */
#define MOUNT_DATA_MAX 4095

struct dev_node {
	const char *path;
	unsigned int major, minor;
};
static const struct dev_node dev_nodes[] = {
	{"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
	{"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

void rt_overlay_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == ',' || *s == ':' || *s == '\\')
			(void) strbuf_addch(sb, '\\');
		(void) strbuf_addch(sb, *s);
	}
}

int rt_overlay_set_upper(int fs, const char *upper, const char *work)
{
	struct strbuf u = STRBUF_INIT, w = STRBUF_INIT;
	int r = 0;

	rt_overlay_escape(&u, upper);
	rt_overlay_escape(&w, work);
	if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", u.buf, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "workdir", w.buf, 0) < 0)
		r = -errno;
	strbuf_release(&u);
	strbuf_release(&w);
	return r;
}

/* @base: a prefix of every path (ending before a '/'), stripped to make them relative. */
static char *overlay_options(const struct rt_config *c, const char *extra, size_t base)
{
	struct strbuf sb = STRBUF_INIT;

	(void) strbuf_adds(&sb, extra);
	(void) strbuf_adds(&sb, "lowerdir=");
	for (size_t i = 0; c->lowerdirs[i]; i++) {
		if (i)
			(void) strbuf_addch(&sb, ':');
		rt_overlay_escape(&sb, c->lowerdirs[i] + base);
	}
	if (c->upperdir) { /* NULL: a read-only overlay of the lower layers */
		(void) strbuf_adds(&sb, ",upperdir=");
		rt_overlay_escape(&sb, c->upperdir + base);
		(void) strbuf_adds(&sb, ",workdir=");
		rt_overlay_escape(&sb, c->workdir + base);
	}
	return strbuf_detach(&sb, NULL);
}

static size_t common_len(size_t len, const char *a, const char *b)
{
	size_t k = 0;

	while (k < len && a[k] == b[k])
		k++;
	return k;
}

/* Length of the longest directory prefix ("/a/b/") common to all overlay paths. */
static size_t overlay_common_dir(const struct rt_config *c)
{
	const char *ref = c->upperdir ? c->upperdir : c->lowerdirs[0];
	size_t len = c->upperdir ? common_len(strlen(ref), ref, c->workdir) : strlen(ref);

	for (size_t i = 0; c->lowerdirs[i]; i++)
		len = common_len(len, ref, c->lowerdirs[i]);
	while (len > 0 && ref[len - 1] != '/')
		len--;
	return len;
}

/*
 * The new mount API takes one lower layer per "lowerdir+" call (Linux >= 6.8),
 * so any number of layers fits. Returns 1 (try another way) on kernels without it.
 */
static int mount_overlay_fsconfig(const struct rt_config *c, struct hull_err **err)
{
	static const char *const flags_off[] = {"index", "redirect_dir", "metacopy"};
	_cleanup_close_ int fs = -1, mnt = -1;

	fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return 1;
	for (size_t i = 0; c->lowerdirs[i]; i++)
		if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", c->lowerdirs[i], 0) < 0)
			return 1;
	if (c->upperdir && rt_overlay_set_upper(fs, c->upperdir, c->workdir) < 0)
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(flags_off); i++)
		(void) fsconfig(fs, FSCONFIG_SET_STRING, flags_off[i], "off", 0);
	if (c->upperdir && c->overlay_volatile)
		(void) fsconfig(fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0);
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return err_set(err, errno, "create overlay for '%s'", c->rootfs);
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		return err_set(err, errno, "mount overlay for '%s'", c->rootfs);
	if (move_mount(mnt, "", AT_FDCWD, c->rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return err_set(err, errno, "mount overlay on '%s'", c->rootfs);
	return 0;
}

int rt_overlay_mount(const struct rt_config *c, struct hull_err **err)
{
	/* Layer diffs (upper -> tar) cannot express redirects or metacopy-only files;
	 * volatile: rt_config.overlay_volatile. Older kernels get the later ones. */
	static const char *const all_extras[] = {
		"volatile,index=off,redirect_dir=off,metacopy=off,",
		"index=off,redirect_dir=off,metacopy=off,", ""};
	bool vol = c->upperdir && c->overlay_volatile;
	const char *const *extras = vol ? all_extras : all_extras + 1;
	size_t n_extras = ARRAY_SIZE(all_extras) - (vol ? 0 : 1);
	_cleanup_free_ char *probe = overlay_options(c, extras[0], 0);
	size_t base = 0;

	if (vol) {
		/* the mark of this container's earlier volatile mount (a start that
		 * failed after it): the kernel refuses the work directory while it is
		 * there, and a crash since then does not matter for such a container */
		_cleanup_free_ char *mark = path_join(c->workdir, "work/incompat");

		(void) rm_rf(mark, NULL);
	}

	if (strlen(probe) > MOUNT_DATA_MAX) {
		/* Too long for one page: add layers one by one, or use relative paths. */
		_cleanup_free_ char *dir = NULL;
		int r = mount_overlay_fsconfig(c, err);

		if (r <= 0)
			return r;
		base = overlay_common_dir(c);
		if (base <= 1)
			return err_setx(err, E2BIG, "overlay options too long (%zu bytes)",
					strlen(probe));
		dir = xstrndup(c->upperdir ? c->upperdir : c->lowerdirs[0], base);
		if (chdir(dir) < 0)
			return err_set(err, errno, "chdir to '%s'", dir);
	}
	for (size_t i = 0; i < n_extras; i++) {
		_cleanup_free_ char *opts = overlay_options(c, extras[i], base);

		if (strlen(opts) > MOUNT_DATA_MAX)
			return err_setx(err, E2BIG, "overlay options too long (%zu bytes)",
					strlen(opts));
		if (mount("overlay", c->rootfs, "overlay", 0, opts) == 0)
			break;
		/* Older kernels reject the options they do not know. */
		if (errno != EINVAL || i + 1 == n_extras)
			return err_set(err, errno, "mount overlay on '%s'", c->rootfs);
	}
	if (base && chdir("/") < 0)
		return err_set(err, errno, "chdir to '/'");
	return 0;
}

int rt_overlay_mount_view(const struct rt_config *c, bool readonly, struct hull_err **err)
{
	struct rt_config ro = *c;
	_cleanup_free_ char **lower = NULL;
	size_t n = 0;
	int r;

	if (!readonly)
		return rt_overlay_mount(c, err);
	/*
	 * Read-only: the upper directory becomes the top lower layer and no work
	 * directory is touched, so this is safe while the container runs.
	 */
	while (c->lowerdirs[n])
		n++;
	lower = xcalloc(n + 2, sizeof(char *));
	lower[0] = c->upperdir;
	memcpy(lower + 1, c->lowerdirs, n * sizeof(char *));
	ro.lowerdirs = lower;
	ro.upperdir = ro.workdir = NULL;
	r = n ? rt_overlay_mount(&ro, err) : -1;
	if (!n) {
		/* one directory, no layers: a read-only bind mount of it */
		if (mount(c->upperdir, c->rootfs, NULL, MS_BIND, NULL) < 0)
			return err_set(err, errno, "bind '%s'", c->upperdir);
		r = 0;
	}
	if (r == 0 && mount(NULL, c->rootfs, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return err_set(err, errno, "remount '%s' read-only", c->rootfs);
	return r;
}

/* --console-socket, or run's socket pair: where the process sends its pty master */
static int console_prepare(const struct rt_config *c, struct rt_binds *b, struct hull_err **err)
{
	if (b->console_sock >= 0)
		return 0; /* connected before a user namespace was entered */
	if (c->terminal && c->console_socket)
		return rt_console_connect(c->console_socket, &b->console_sock, err);
	if (c->terminal && c->console_sock_fd > 2) {
		/* rt_console_setup() closes it: a copy, CLOEXEC like a connected one */
		b->console_sock = fcntl(c->console_sock_fd, F_DUPFD_CLOEXEC, 3);
		if (b->console_sock < 0)
			return err_set(err, errno, "duplicate the console socket");
	}
	return 0;
}

int rt_rootfs_chroot(const struct rt_config *c, struct rt_binds *b, struct hull_err **err)
{
	const char *cwd = isempty(c->cwd) ? "/" : c->cwd;
	int r;

	if (c->exec_fifo) {
		/* no /proc/self/fd to reopen an O_PATH fd of the fifo through, after chroot */
		_cleanup_free_ char *dir = xstrdup(c->exec_fifo);
		char *slash = strrchr(dir, '/');

		if (slash)
			*(slash == dir ? slash + 1 : slash) = '\0';
		b->fifo_dir = open(slash ? dir : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (b->fifo_dir < 0)
			return err_set(err, errno, "open the directory of exec fifo '%s'",
				       c->exec_fifo);
	}
	r = console_prepare(c, b, err);
	if (r < 0)
		return r;
	if (chdir(c->rootfs) < 0)
		return err_set(err, errno, "chdir to '%s'", c->rootfs);
	if (chroot(".") < 0)
		return err_set(err, errno, "chroot to '%s'", c->rootfs);
	if (chdir(cwd) < 0)
		return err_set(err, errno, "chdir to '%s'", cwd);
	return 0;
}

/*
 * A new mount of @fstype (proc or sysfs) as a detached mount with @attrs.
 * Made before pivot_root: the kernel lets a user namespace mount proc and
 * sysfs only while a full mount of each is visible in its mount namespace
 * (mount_too_revealing()), and the host's go with the old root.
 */
static int new_detached(const char *fstype, unsigned attrs, int *ret_fd)
{
	_cleanup_close_ int fs = -1;
	int mnt;

	fs = fsopen(fstype, FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "source", fstype, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (mnt < 0)
		return -errno;
	*ret_fd = mnt;
	return 0;
}

/*
 * In a user namespace, before pivot_root: /proc and /sys as detached mounts,
 * and clones of the host's device nodes, which the process may not mknod
 * (runc bind-mounts them likewise).
 */
static int userns_prepare(const struct rt_config *c, struct rt_binds *b, struct hull_err **err)
{
	unsigned sys_attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
			     (c->privileged_paths ? 0 : MOUNT_ATTR_RDONLY);
	int r;

	r = new_detached("proc", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
			 &b->proc_fd);
	if (r < 0)
		return err_set(err, -r, "mount proc%s",
			       r == -EPERM
				       ? " (its PID namespace must belong to the user namespace)"
				       : "");
	/* sysfs needs a network namespace owned by the user namespace; else the host's */
	r = new_detached("sysfs", sys_attrs, &b->sys_fd);
	if (r == -EPERM) {
		struct mount_attr attr = {.attr_set = sys_attrs};

		b->sys_fd = open_tree(AT_FDCWD, "/sys",
				      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (b->sys_fd < 0)
			return err_set(err, errno, "clone the host's '/sys'");
		if (mount_setattr(b->sys_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
				  sizeof(attr)) < 0)
			return err_set(err, errno, "set the flags of the host's '/sys'");
	} else if (r < 0) {
		return err_set(err, -r, "mount sysfs");
	}
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		b->dev_fds[i] =
			open_tree(AT_FDCWD, dev_nodes[i].path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (b->dev_fds[i] < 0)
			return err_set(err, errno, "clone the host's '%s'", dev_nodes[i].path);
	}
	if (c->n_devices) {
		b->device_fds = xcalloc(c->n_devices, sizeof(int));
		for (size_t i = 0; i < c->n_devices; i++) {
			b->device_fds[i] = open_tree(AT_FDCWD, c->devices[i].path,
						     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
			if (b->device_fds[i] < 0)
				return err_set(err, errno,
					       "clone the host's device '%s' (a user namespace "
					       "cannot mknod)",
					       c->devices[i].path);
		}
	}
	return 0;
}

int rt_rootfs_prepare(const struct rt_config *c, struct rt_binds *b, struct hull_err **err)
{
	int r;

	/* Before the next step, so that a shared bind source keeps its peer group. */
	r = rt_mounts_prepare(c, b, err);
	if (r < 0)
		return r;
	/* Nothing we mount may propagate back to the host; a slave root still
	 * receives the host's mounts under it. */
	if (mount(NULL, "/", NULL,
		  MS_REC | ((c->root_propagation & MS_SLAVE) ? MS_SLAVE : MS_PRIVATE), NULL) < 0)
		return err_set(err, errno, "make mounts private");
	/* the root's mount point, not mounted on yet, is the subpaths' scratch place */
	r = rt_mounts_subpaths(c, b, c->rootfs, err);
	if (r < 0)
		return r;
	if (c->lowerdirs)
		r = rt_overlay_mount(c, err);
	else if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		r = err_set(err, errno, "bind mount the root file system '%s'%s", c->rootfs,
			    errno == EACCES && rt_userns(c)
				    ? " (the user namespace's root must be able to reach it)"
				    : "");
	if (r < 0)
		return r;
	if (c->exec_fifo && b->fifo_fd < 0) {
		/* an O_PATH fd: opening the fifo itself would block until `start` */
		b->fifo_fd = open(c->exec_fifo, O_PATH | O_CLOEXEC);
		if (b->fifo_fd < 0)
			return err_set(err, errno, "open exec fifo '%s'", c->exec_fifo);
	}
	r = console_prepare(c, b, err);
	if (r < 0)
		return r;
	if (c->terminal && !c->console_socket && c->console_sock_fd <= 2) {
		/*
		 * Best effort: /dev/console is only cosmetic for most programs. The fd's
		 * own mount belongs to the caller's namespace and cannot be cloned here,
		 * so go through its path in our copy of the mount table.
		 */
		char tty[PATH_MAX];
		ssize_t n = readlink("/proc/self/fd/0", tty, sizeof(tty) - 1);

		if (n > 0 && tty[0] == '/') {
			tty[n] = '\0';
			b->console_fd =
				open_tree(AT_FDCWD, tty, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		}
	}
	if (rt_userns(c))
		return userns_prepare(c, b, err);
	return 0;
}

static int mkdir_in(const char *path, struct hull_err **err)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno == ENOENT)
		return mkdir_p(path, 0755, err);
	return err_set(err, errno, "create '%s'", path);
}

static int mount_at(const char *src, const char *target, const char *type, unsigned long flags,
		    const char *data, struct hull_err **err)
{
	int r = mkdir_in(target, err);

	if (r < 0)
		return r;
	if (mount(src, target, type, flags, data) < 0)
		return err_set(err, errno, "mount %s on '%s'", type ? type : src, target);
	return 0;
}

/* Attach the detached mount @fd (taken) at the directory @target, created if missing. */
static int attach_dir(int fd, const char *target, struct hull_err **err)
{
	_cleanup_close_ int mfd = fd;
	int r = mkdir_in(target, err);

	if (r < 0)
		return r;
	if (move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return err_set(err, errno, "mount on '%s'", target);
	return 0;
}

/* Bind the cloned host device node @fd (taken) on @path, an empty file made for it (runc's
 * bindMountDeviceNode). */
static int bind_device(int fd, const char *path, struct hull_err **err)
{
	_cleanup_close_ int mfd = fd, tfd = -1;

	tfd = open(path, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (tfd < 0)
		return err_set(err, errno, "create '%s'", path);
	if (move_mount(mfd, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return err_set(err, errno, "bind the host's device on '%s'", path);
	return 0;
}

static int setup_dev(const struct rt_config *c, struct rt_binds *b, struct hull_err **err)
{
	static const char *const links[][2] = {
		{"/proc/self/fd", "/dev/fd"},	    {"/proc/self/fd/0", "/dev/stdin"},
		{"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
		{"pts/ptmx", "/dev/ptmx"},	    {"/proc/kcore", "/dev/core"},
	};
	int r;

	r = mount_at("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k",
		     err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		const struct dev_node *d = &dev_nodes[i];

		if (b->dev_fds[i] >= 0) {
			r = bind_device(TAKE_FD(b->dev_fds[i]), d->path, err);
			if (r < 0)
				return r;
		} else if (mknod(d->path, S_IFCHR | 0666, makedev(d->major, d->minor)) < 0) {
			return err_set(err, errno, "create device '%s'", d->path);
		}
	}
	r = mkdir_in("/dev/pts", err);
	if (r < 0)
		return r;
	if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0) {
		/* in a user namespace that does not map gid 5 (tty), as runc spec --rootless
		 * drops the option */
		if (errno != EINVAL || !rt_userns(c) ||
		    mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
			  "newinstance,ptmxmode=0666,mode=0620") < 0)
			return err_set(err, errno, "mount devpts on '/dev/pts'");
	}
	if (!c->no_shm) {
		char opts[64] = "mode=1777";

		if (c->shm_size)
			(void) snprintf(opts, sizeof(opts), "mode=1777,size=%llu",
					(unsigned long long) c->shm_size);
		r = mount_at("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts,
			     err);
		if (r < 0)
			return r;
	}
	r = mount_at("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
		     err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			return err_set(err, errno, "create symlink '%s'", links[i][1]);
	if (b->console_fd >= 0) {
		_cleanup_close_ int fd = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		if (fd >= 0)
			(void) move_mount(b->console_fd, "", AT_FDCWD, "/dev/console",
					  MOVE_MOUNT_F_EMPTY_PATH);
	}
	return 0;
}

/* docker --sysctl: each "a.b.c=v" into /proc/sys/a/b/c, while /proc/sys is still writable. */
static int write_sysctls(char *const *sysctls, struct hull_err **err)
{
	for (size_t i = 0; sysctls && sysctls[i]; i++) {
		const char *eq = strchr(sysctls[i], '=');
		_cleanup_free_ char *path = NULL;
		_cleanup_close_ int fd = -1;

		if (!eq || eq == sysctls[i] || strstr(sysctls[i], ".."))
			return err_setx(err, EINVAL, "invalid sysctl '%s'", sysctls[i]);
		path = xasprintf("/proc/sys/%.*s", (int) (eq - sysctls[i]), sysctls[i]);
		for (char *p = path + strlen("/proc/sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || write_all(fd, eq + 1, strlen(eq + 1)) < 0)
			return err_set(err, errno, "write sysctl '%s'", sysctls[i]);
	}
	return 0;
}

static int mask_paths(const struct rt_config *c, struct hull_err **err)
{
	struct stat st;

	STRV_FOREACH (m, c->masked_paths) {
		const char *p = *m;

		if (stat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				  "size=0") < 0)
				return err_set(err, errno, "mask '%s'", p);
		} else if (mount("/dev/null", p, NULL, MS_BIND, NULL) < 0) {
			return err_set(err, errno, "mask '%s'", p);
		}
	}
	STRV_FOREACH (ro, c->readonly_paths) {
		const char *p = *ro;

		if (stat(p, &st) < 0)
			continue;
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, p, NULL,
			  MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			return err_set(err, errno, "make '%s' read-only", p);
	}
	return 0;
}

/*
 * One hierarchy: a new mount of the cgroup file system (v1 with @ctrls, the
 * controllers of a /proc/self/cgroup line, or cgroup2 when @ctrls is NULL),
 * cloned at @path (the process's own cgroup: "/" in a cgroup namespace) and
 * moved onto @target.
 */
static int cgroup_attach(const char *ctrls, const char *path, const char *target, bool rw,
			 struct hull_err **err)
{
	_cleanup_close_ int fs = -1, mnt = -1, sub = -1;
	_cleanup_free_ char *copy = xstrdup(ctrls ? ctrls : "");
	char *save = NULL;
	unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
			 (rw ? 0 : MOUNT_ATTR_RDONLY);

	fs = fsopen(ctrls ? "cgroup" : "cgroup2", FSOPEN_CLOEXEC);
	if (fs < 0)
		return err_set(err, errno, "open the cgroup file system for '%s'", target);
	for (char *w = strtok_r(copy, ",", &save); ctrls && w; w = strtok_r(NULL, ",", &save)) {
		int r = startswith(w, "name=") ? fsconfig(fs, FSCONFIG_SET_STRING, "name", w + 5, 0)
					       : fsconfig(fs, FSCONFIG_SET_FLAG, w, NULL, 0);
		if (r < 0)
			return err_set(err, errno, "cgroup option '%s' for '%s'", w, target);
		if (startswith(w, "name=") && fsconfig(fs, FSCONFIG_SET_FLAG, "none", NULL, 0) < 0)
			return err_set(err, errno, "cgroup option 'none' for '%s'", target);
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return err_set(err, errno, "create the cgroup mount of '%s'", target);
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (mnt < 0)
		return err_set(err, errno, "mount the cgroup file system for '%s'", target);
	if (move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return err_set(err, errno, "mount the cgroup file system on '%s'", target);
	if (!path[1])
		return 0;
	/*
	 * Only the process's own cgroup: cloned from the hierarchy once it is
	 * attached (before Linux 6.x open_tree() cannot clone from a detached
	 * mount: EINVAL), which then goes, leaving the clone (mount flags and
	 * all) in its place.
	 */
	{
		_cleanup_free_ char *own = path_join(target, path);

		sub = open_tree(AT_FDCWD, own, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (sub < 0)
			return err_set(err, errno, "clone cgroup '%s' for '%s'", path, target);
	}
	if (umount2(target, MNT_DETACH) < 0)
		return err_set(err, errno, "unmount the cgroup hierarchy on '%s'", target);
	if (move_mount(sub, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return err_set(err, errno, "mount cgroup '%s' on '%s'", path, target);
	return 0;
}

/* Whether @placed (a /proc/self/cgroup) puts the process at the root of hierarchy @id. */
static bool at_host_root(const char *placed, const char *id, size_t id_len)
{
	for (const char *l = placed; l && *l;) {
		const char *end = strchrnul(l, '\n'), *c2 = NULL;
		const char *c1 = memchr(l, ':', (size_t) (end - l));

		if (c1)
			c2 = memchr(c1 + 1, ':', (size_t) (end - c1 - 1));
		if (c1 && c2 && (size_t) (c1 - l) == id_len && !strncmp(l, id, id_len))
			return end - c2 == 2 && c2[1] == '/';
		l = *end ? end + 1 : end;
	}
	return false;
}

int rt_cgroup_mount(const struct rt_config *c, const char *placed, struct hull_err **err)
{
	static const char *const dir = "/sys/fs/cgroup";
	_cleanup_free_ char *self = NULL;
	char *save = NULL;
	bool v1 = false;
	int r;

	r = read_file("/proc/self/cgroup", 1 << 16, &self, NULL, err);
	if (r < 0)
		return r;
	/* "ID:CONTROLLERS:PATH" with controllers is a v1 hierarchy; cgroup2's is "0::PATH" */
	for (const char *l = self; *l && !v1;) {
		const char *end = strchrnul(l, '\n'), *c1 = memchr(l, ':', (size_t) (end - l));

		v1 = c1 && c1 + 1 < end && c1[1] != ':';
		l = *end ? end + 1 : end;
	}
	if (!v1) {
		/* cgroup2 only: its own cgroup directly at /sys/fs/cgroup */
		char *p = strstr(self, "0::");
		if (!p)
			return err_setx(err, ENOENT, "no cgroup in /proc/self/cgroup");
		p += 3;
		p[strcspn(p, "\n")] = '\0';
		if (at_host_root(placed, "0", 1))
			return 0; /* not placed in a cgroup: the host's root stays hidden */
		return cgroup_attach(NULL, p, dir, c->cgroup_mount_rw, err);
	}
	/* v1 (docker's layout): a tmpfs with one directory per hierarchy, symlinks for
	 * the controllers of a shared one (cpu -> cpu,cpuacct) */
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return err_set(err, errno, "mount tmpfs on '%s'", dir);
	for (char *l = strtok_r(self, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		_cleanup_free_ char *name = NULL, *target = NULL;
		char *ctrls;

		if (!c2 || c2 == c1 + 1)
			continue; /* the hybrid layout's cgroup2: left out, as runc does */
		if (at_host_root(placed, l, (size_t) (c1 - l)))
			continue; /* not placed there: the host's cgroups stay hidden */
		*c2 = '\0';
		ctrls = c1 + 1;
		name = xstrdup(startswith(ctrls, "name=") ? ctrls + 5 : ctrls);
		target = path_join(dir, name);
		if (mkdir(target, 0755) < 0)
			return err_set(err, errno, "create '%s'", target);
		r = cgroup_attach(ctrls, c2 + 1, target, c->cgroup_mount_rw, err);
		if (r < 0)
			return r;
		if (strchr(name, ',')) {
			_cleanup_free_ char *copy = xstrdup(name);
			char *s2 = NULL;

			for (char *w = strtok_r(copy, ",", &s2); w; w = strtok_r(NULL, ",", &s2)) {
				_cleanup_free_ char *link = path_join(dir, w);
				if (symlink(name, link) < 0 && errno != EEXIST)
					return err_set(err, errno, "create symlink '%s'", link);
			}
		}
	}
	if (!c->cgroup_mount_rw &&
	    mount(NULL, dir, NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return err_set(err, errno, "remount '%s' read-only", dir);
	return 0;
}

int rt_devices_mknod(const struct rt_config *c, struct rt_binds *b, struct hull_err **err)
{
	for (size_t i = 0; i < c->n_devices; i++) {
		const struct rt_device *d = &c->devices[i];
		mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
		_cleanup_free_ char *dir = NULL;
		struct stat st;
		int r;

		if (!d->path || d->path[0] != '/' ||
		    (d->type != 'b' && d->type != 'c' && d->type != 'p'))
			return err_setx(err, EINVAL, "bad device '%s'", d->path ? d->path : "");
		dir = xstrndup(d->path, (size_t) (strrchr(d->path, '/') - d->path));
		r = mkdir_in(*dir ? dir : "/", err);
		if (r < 0)
			return r;
		/* a device node there (ours, such as /dev/null) is replaced; anything else stays
		 * (runc createDeviceNode ignores EEXIST) */
		if (lstat(d->path, &st) == 0 &&
		    (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)))
			(void) unlink(d->path);
		if (b && b->device_fds) {
			/* a user namespace: the host's node, its mode and owner as they are */
			if (lstat(d->path, &st) == 0 && !S_ISREG(st.st_mode))
				continue;
			r = bind_device(TAKE_FD(b->device_fds[i]), d->path, err);
			if (r < 0)
				return r;
			continue;
		}
		if (mknod(d->path, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0) {
			if (errno == EEXIST)
				continue;
			return err_set(err, errno, "create device '%s'", d->path);
		}
		if (chown(d->path, d->uid, d->gid) < 0)
			return err_set(err, errno, "chown device '%s'", d->path);
	}
	return 0;
}

int rt_root_propagation_apply(const struct rt_config *c, struct hull_err **err)
{
	/* after the binds of the root's own paths: an unbindable root refuses them;
	 * never in the runtime's own mount namespace */
	if (c->root_propagation && !c->host_mnt_ns &&
	    mount(NULL, "/", NULL, c->root_propagation, NULL) < 0)
		return err_set(err, errno, "set the propagation of '/'");
	return 0;
}

int rt_rootfs_finish(const struct rt_config *c, struct rt_binds *b, struct hull_err **err)
{
	const char *cwd = isempty(c->cwd) ? "/" : c->cwd;
	int r;

	if (chdir(c->rootfs) < 0)
		return err_set(err, errno, "chdir to '%s'", c->rootfs);
	if (c->no_pivot) {
		/* runc's msMoveRoot without its unmounting of the host's mounts */
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return err_set(err, errno, "move '%s' to '/'", c->rootfs);
		if (chroot(".") < 0)
			return err_set(err, errno, "chroot to '%s'", c->rootfs);
	} else {
		/* pivot_root(".", ".") stacks the old root on the new one; detach it. */
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return err_set(err, errno, "pivot_root to '%s'", c->rootfs);
		if (umount2(".", MNT_DETACH) < 0)
			return err_set(err, errno, "detach the old root");
	}
	if (chdir("/") < 0)
		return err_set(err, errno, "chdir to '/'");

	(void) umask(0);
	if (b->proc_fd >= 0)
		r = attach_dir(TAKE_FD(b->proc_fd), "/proc", err);
	else
		r = mount_at("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err);
	if (r < 0)
		return r;
	r = setup_dev(c, b, err);
	if (r < 0)
		return r;
	/*
	 * /sys after /dev, the order of runc's and runtime-tools' default specs
	 * (a runtime mounts them in the spec's order: mountinfo shows it).
	 * --privileged: /sys is writable, as docker mounts it.
	 */
	if (b->sys_fd >= 0) {
		/*
		 * mountinfo lists mounts by the id each got when it was made, so
		 * the /sys made before pivot_root would come first: a copy made
		 * now is listed in the spec's order (kernels before 6.15 cannot
		 * copy a detached mount: the first one is attached then).
		 */
		int copy = open_tree(b->sys_fd, "",
				     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
					     AT_RECURSIVE);

		if (copy >= 0) {
			closep(&b->sys_fd);
			b->sys_fd = -1;
		}
		r = attach_dir(copy >= 0 ? copy : TAKE_FD(b->sys_fd), "/sys", err);
	} else
		r = mount_at("sysfs", "/sys", "sysfs",
			     (c->privileged_paths ? 0 : MS_RDONLY) | MS_NOSUID | MS_NODEV |
				     MS_NOEXEC,
			     NULL, err);
	if (r < 0)
		return r;
	r = rt_mounts_finish(c, b, err);
	if (r < 0)
		return r;
	r = rt_devices_mknod(c, b, err);
	if (r < 0)
		return r;
	r = write_sysctls(c->sysctls, err);
	if (r < 0)
		return r;
	r = mask_paths(c, err);
	if (r < 0)
		return r;
	r = mkdir_p(cwd, 0755, err);
	if (r < 0)
		return err_wrap(err, "create working directory");
	if (c->readonly_rootfs) {
		/* keep the flags the root's host mount has: a user namespace may not clear
		 * them (they are locked), as runc keeps them */
		struct statvfs sv;
		unsigned long keep = 0;

		if (statvfs("/", &sv) == 0)
			keep = (sv.f_flag & ST_NOSUID ? MS_NOSUID : 0) |
			       (sv.f_flag & ST_NODEV ? MS_NODEV : 0) |
			       (sv.f_flag & ST_NOEXEC ? MS_NOEXEC : 0);
		if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0)
			return err_set(err, errno, "remount the root file system read-only");
	}
	if (chdir(cwd) < 0)
		return err_set(err, errno, "chdir to '%s'", cwd);
	return 0;
}
