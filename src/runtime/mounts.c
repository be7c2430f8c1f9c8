/* SPDX-License-Identifier: MIT */
/*
 * The container's own mounts (docker -v, --mount, --tmpfs; runc's
 * mountToRootfs): bind sources are cloned with open_tree() while host paths
 * still mean the host, before the mount table is made private so that a
 * shared source keeps its peer group; after pivot_root each target is
 * resolved with openat2(RESOLVE_IN_ROOT) from "/" (util/inroot.h) and the
 * mount is attached to that fd with move_mount(), so neither a symlink in
 * the image nor a /proc magic link can point a mount at the host.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "runtime/rt-internal.h"
#include "util/inroot.h"
#include "util/strbuf.h"
#include "util/strv.h"

struct mount_opts {
	bool readonly, recursive;
	uint64_t attr_set, attr_clr;
	uint64_t propagation; /* MS_PRIVATE, MS_SLAVE, MS_SHARED */
	bool propagation_rec;
	char **fs_opts; /* "key=value" or "key" for the file system */
};

static int opts_parse(const char *s, struct mount_opts *o)
{
	static const struct {
		const char *name;
		uint64_t set, clr;
	} attrs[] = {
		{"nosuid", MOUNT_ATTR_NOSUID, 0},
		{"suid", 0, MOUNT_ATTR_NOSUID},
		{"nodev", MOUNT_ATTR_NODEV, 0},
		{"dev", 0, MOUNT_ATTR_NODEV},
		{"noexec", MOUNT_ATTR_NOEXEC, 0},
		{"exec", 0, MOUNT_ATTR_NOEXEC},
		/* OCI bundles' atime options (runc specconv mountPropagationMapping's flags) */
		{"atime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
		{"noatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
		{"relatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
		{"strictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
		{"nodiratime", MOUNT_ATTR_NODIRATIME, 0},
		{"diratime", 0, MOUNT_ATTR_NODIRATIME},
	};
	static const struct {
		const char *name;
		uint64_t prop;
		bool rec;
	} props[] = {
		{"private", MS_PRIVATE, false}, {"rprivate", MS_PRIVATE, true},
		{"slave", MS_SLAVE, false},	{"rslave", MS_SLAVE, true},
		{"shared", MS_SHARED, false},	{"rshared", MS_SHARED, true},
	};
	_cleanup_free_ char *copy = xstrdup(s ? s : "");
	char *save = NULL;

	*o = (struct mount_opts){
		.recursive = true, .propagation = MS_PRIVATE, .propagation_rec = true};
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		bool known = false;

		if (streq(w, "ro") || streq(w, "rw")) {
			o->readonly = streq(w, "ro");
			continue;
		}
		if (streq(w, "bind") || streq(w, "rbind")) {
			o->recursive = streq(w, "rbind");
			continue;
		}
		for (size_t i = 0; i < ARRAY_SIZE(attrs) && !known; i++)
			if (streq(w, attrs[i].name)) {
				o->attr_set = (o->attr_set & ~attrs[i].clr) | attrs[i].set;
				o->attr_clr = (o->attr_clr & ~attrs[i].set) | attrs[i].clr;
				known = true;
			}
		for (size_t i = 0; i < ARRAY_SIZE(props) && !known; i++)
			if (streq(w, props[i].name)) {
				o->propagation = props[i].prop;
				o->propagation_rec = props[i].rec;
				known = true;
			}
		if (!known)
			strv_push(&o->fs_opts, w);
	}
	return 0;
}

/*
 * The overlay's file system context, its layers given one by one ("lowerdir+",
 * Linux 6.8) or, with @legacy, as one escaped "lowerdir=" list, as older kernels
 * take it. -errno of CMD_CREATE when the kernel refuses the options.
 */
static int overlay_context(const struct rt_mount *m, bool legacy, int *ret_fs,
			   struct hull_err **err)
{
	static const char *const flags_off[] = {"index", "redirect_dir", "metacopy"};
	_cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);

	if (fs < 0)
		return err_set(err, errno, "create overlay for '%s'", m->target);
	if (legacy) {
		struct strbuf sb = STRBUF_INIT;
		int r = 0;

		for (size_t i = 0; m->lowerdirs[i]; i++) {
			if (i)
				(void) strbuf_addch(&sb, ':');
			rt_overlay_escape(&sb, m->lowerdirs[i]);
		}
		if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", sb.buf, 0) < 0)
			r = err_set(err, errno, "overlay layers for '%s'", m->target);
		strbuf_release(&sb);
		if (r < 0)
			return r;
	} else {
		for (size_t i = 0; m->lowerdirs[i]; i++)
			if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", m->lowerdirs[i], 0) < 0)
				return err_set(err, errno, "overlay layer '%s' for '%s'",
					       m->lowerdirs[i], m->target);
	}
	if (m->upperdir) {
		int r = rt_overlay_set_upper(fs, m->upperdir, m->workdir);

		if (r < 0)
			return err_set(err, -r, "overlay upper directory '%s' for '%s'",
				       m->upperdir, m->target);
	}
	for (size_t i = 0; i < ARRAY_SIZE(flags_off); i++)
		(void) fsconfig(fs, FSCONFIG_SET_STRING, flags_off[i], "off", 0);
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return err_set(err, errno, "create overlay for '%s'", m->target);
	*ret_fs = TAKE_FD(fs);
	return 0;
}

/* A new, detached overlay of @m's directories (the lower layers, and upper and work if given). */
static int overlay_open(const struct rt_mount *m, int *ret_fd, struct hull_err **err)
{
	_cleanup_close_ int fs = -1;
	int mnt, r;

	if (!m->lowerdirs || !m->lowerdirs[0])
		return err_setx(err, EINVAL, "overlay for '%s' without a layer", m->target);
	r = overlay_context(m, false, &fs, err);
	if (r == -EINVAL) {
		/* a kernel before "lowerdir+" */
		if (err)
			*err = err_free(*err);
		r = overlay_context(m, true, &fs, err);
	}
	if (r < 0)
		return r;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		return err_set(err, errno, "mount overlay for '%s'", m->target);
	*ret_fd = mnt;
	return 0;
}

/*
 * Replace the detached mount *@fd by a clone of its @subpath (resolved inside
 * it). Before Linux 6.x open_tree() cannot clone from a detached mount
 * (EINVAL): with @scratch, an empty mount point in a private mount namespace,
 * the mount is attached there for the clone and detached again.
 */
static int mount_subpath(const struct rt_mount *m, bool recursive, const char *scratch, int *fd,
			 struct hull_err **err)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
			 (recursive ? AT_RECURSIVE : 0);
	_cleanup_close_ int dir = -1, top = -1;
	bool attached = false;
	int sub;

	if (isempty(m->subpath))
		return 0;
	dir = inroot_open(*fd, m->subpath, O_PATH, 0);
	if (dir < 0)
		return err_set(err, -dir, "mount source path '%s' for '%s'", m->subpath, m->target);
	sub = open_tree(dir, "", flags);
	if (sub < 0 && errno == EINVAL && scratch) {
		if (move_mount(*fd, "", AT_FDCWD, scratch, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return err_set(err, errno, "attach the mount for '%s'", m->target);
		attached = true;
		top = open(scratch, O_PATH | O_DIRECTORY | O_CLOEXEC);
		(void) close(dir);
		dir = top < 0 ? -errno : inroot_open(top, m->subpath, O_PATH, 0);
		sub = dir < 0 ? -1 : open_tree(dir, "", flags);
		if (dir < 0)
			errno = -dir;
	}
	if (sub < 0) {
		int e = errno;

		if (attached)
			(void) umount2(scratch, MNT_DETACH);
		return err_set(err, e, "clone mount source path '%s' for '%s'", m->subpath,
			       m->target);
	}
	if (attached && umount2(scratch, MNT_DETACH) < 0) {
		(void) close(sub);
		return err_set(err, errno, "detach the mount for '%s'", m->target);
	}
	(void) close(*fd);
	*fd = sub;
	return 0;
}

/*
 * A detached clone of a bind mount's source, or of its @subpath resolved
 * inside it on the host first: a clone of a clone fails before Linux 6.x
 * (open_tree() cannot clone from a detached mount there: EINVAL), and the
 * host's tree is as good a source.
 */
static int bind_open(const struct rt_mount *m, bool recursive, int *ret_fd, struct hull_err **err)
{
	_cleanup_close_ int src = -1, dir = -1;
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);

	if (isempty(m->subpath)) {
		*ret_fd = open_tree(AT_FDCWD, m->source, flags);
		if (*ret_fd < 0)
			return err_set(err, errno, "bind source path '%s'", m->source);
		return 0;
	}
	src = open(m->source, O_PATH | O_CLOEXEC);
	if (src < 0)
		return err_set(err, errno, "bind source path '%s'", m->source);
	dir = inroot_open(src, m->subpath, O_PATH, 0);
	if (dir < 0)
		return err_set(err, -dir, "mount source path '%s' for '%s'", m->subpath, m->target);
	*ret_fd = open_tree(dir, "", flags | AT_EMPTY_PATH);
	if (*ret_fd < 0)
		return err_set(err, errno, "clone mount source path '%s' for '%s'", m->subpath,
			       m->target);
	return 0;
}

int rt_mounts_prepare(const struct rt_config *c, struct rt_binds *b, struct hull_err **err)
{
	if (!c->n_mounts)
		return 0;
	b->mount_fds = xcalloc(c->n_mounts, sizeof(int));
	for (size_t i = 0; i < c->n_mounts; i++)
		b->mount_fds[i] = -1;
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct rt_mount *m = &c->mounts[i];
		struct mount_opts o;
		int r;

		if (streq(m->type, "overlay")) {
			/* its subpath: rt_mounts_subpaths() */
			r = overlay_open(m, &b->mount_fds[i], err);
			if (r < 0)
				return r;
			continue;
		}
		if (!streq(m->type, "bind"))
			continue;
		opts_parse(m->options, &o);
		strv_free(o.fs_opts);
		r = bind_open(m, o.recursive, &b->mount_fds[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

int rt_mounts_subpaths(const struct rt_config *c, struct rt_binds *b, const char *scratch,
		       struct hull_err **err)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (streq(c->mounts[i].type, "overlay")) {
			int r = mount_subpath(&c->mounts[i], false, scratch, &b->mount_fds[i], err);
			if (r < 0)
				return r;
		}
	return 0;
}

/*
 * Open (creating if missing) the mount point @target inside @root_fd, a
 * directory or a file. A dangling symlink on the way, last component or not,
 * is followed inside the root and its target created, as runc's securejoin +
 * MkdirAll does (VOLUME /test-log/test with /test-log -> /data/log makes
 * /data/log/test). @depth bounds the recursion over parents.
 */
static int open_target_depth(int root_fd, const char *target, bool dir, int depth,
			     struct hull_err **err)
{
	_cleanup_free_ char *clean = NULL;
	int fd;

	(void) inroot_clean(target, false, &clean);
	if (!*clean)
		return err_setx(err, EINVAL, "invalid mount target '%s': the root", target);
	for (int hops = 0; hops < 40; hops++) {
		_cleanup_free_ char *parent = NULL;
		_cleanup_close_ int pfd = -1;
		char link[4096];
		const char *base;
		ssize_t n;

		fd = inroot_open(root_fd, clean, O_PATH, 0);
		if (fd >= 0)
			return fd;
		if (fd != -ENOENT)
			return err_set(err, -fd, "open mount target '%s'", target);
		base = strrchr(clean, '/');
		parent = base ? xstrndup(clean, (size_t) (base - clean)) : xstrdup("");
		base = base ? base + 1 : clean;
		pfd = inroot_mkdir_p(root_fd, parent, 0);
		if (pfd == -ENOENT && *parent && depth < 40) {
			/* a dangling symlink among the parents: create through it */
			int t = open_target_depth(root_fd, parent, true, depth + 1, err);
			if (t < 0)
				return t;
			(void) close(t);
			pfd = inroot_mkdir_p(root_fd, parent, 0);
		}
		if (pfd < 0)
			return err_set(err, -pfd, "create mount target '%s'", target);
		n = readlinkat(pfd, base, link, sizeof(link) - 1);
		if (n > 0) {
			/* a dangling symlink: go on with its target, still inside the root */
			_cleanup_free_ char *next = NULL;
			link[n] = '\0';
			next = link[0] == '/' ? xstrdup(link) : xasprintf("%s/%s", parent, link);
			free(clean);
			(void) inroot_clean(next, false, &clean);
			if (!*clean)
				return err_setx(err, EINVAL, "invalid mount target '%s'", target);
			continue;
		}
		if (dir ? mkdirat(pfd, base, 0755) < 0
			: (fd = openat(pfd, base,
				       O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
				       0644)) < 0)
			return err_set(err, errno, "create mount target '%s'", target);
		if (!dir)
			(void) close(fd);
		fd = inroot_open(root_fd, clean, O_PATH, 0);
		if (fd < 0)
			return err_set(err, -fd, "open mount target '%s'", target);
		return fd;
	}
	return err_setx(err, ELOOP, "open mount target '%s': too many levels of symbolic links",
			target);
}

static int open_target(int root_fd, const char *target, bool dir, struct hull_err **err)
{
	return open_target_depth(root_fd, target, dir, 0, err);
}

static int make_tmpfs(const struct rt_mount *m, const struct mount_opts *o, int *ret_fd,
		      struct hull_err **err)
{
	_cleanup_close_ int fs = -1;
	int mnt;

	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return err_set(err, errno, "create tmpfs for '%s'", m->target);
	STRV_FOREACH (kv, o->fs_opts) {
		_cleanup_free_ char *k = xstrdup(*kv);
		char *v = strchr(k, '=');
		int r;

		if (v)
			*v++ = '\0';
		r = v ? fsconfig(fs, FSCONFIG_SET_STRING, k, v, 0)
		      : fsconfig(fs, FSCONFIG_SET_FLAG, k, NULL, 0);
		if (r < 0)
			return err_set(err, errno, "tmpfs option '%s' for '%s'", *kv, m->target);
	}
	/* mountinfo shows it ("tmpfs" when none is given, as mount(8) and docker say) */
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", isempty(m->source) ? "tmpfs" : m->source,
		     0) < 0)
		return err_set(err, errno, "tmpfs source for '%s'", m->target);
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return err_set(err, errno, "create tmpfs for '%s'", m->target);
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		return err_set(err, errno, "mount tmpfs for '%s'", m->target);
	*ret_fd = mnt;
	return 0;
}

int rt_mount_target_check(const char *path, struct hull_err **err)
{
	/* runc checkProcMount: what lxcfs emulates, nothing else */
	static const char *const proc_ok[] = {
		"/proc/cpuinfo", "/proc/diskstats",
		"/proc/meminfo", "/proc/stat",
		"/proc/swaps",	 "/proc/uptime",
		"/proc/loadavg", "/proc/slabinfo",
		"/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
	};

	if (streq(path, "/proc") || startswith(path, "/proc/")) {
		for (size_t i = 0; i < ARRAY_SIZE(proc_ok); i++)
			if (streq(path, proc_ok[i]))
				return 0;
		return err_setx(err, EPERM, "\"%s\" cannot be mounted because it is inside /proc",
				path);
	}
	if (streq(path, "/dev"))
		return err_setx(err, EPERM,
				"\"/dev\" cannot be mounted: it holds the container's device nodes "
				"(mount below it, or pass devices with --device)");
	return 0;
}

/*
 * Replace the attached mount *@src_fd (a clone made before the root file
 * system was mounted) by a fresh clone of itself at the mount point @tfd.
 * Since Linux 6.8 a namespace lists its mounts by creation, so the early
 * clone would come before "/" in mountinfo, out of the spec's order
 * (runtime-tools' runtimetest checks it). The clone keeps the mount flags,
 * submounts (@recursive) and peer group; the old one is detached through
 * its /proc/self/fd link, since it has no other path the child can trust.
 */
static int mount_renew(const struct rt_mount *m, bool recursive, int *src_fd, int tfd,
		       struct hull_err **err)
{
	char fdp[64];
	int fresh;

	fresh = open_tree(*src_fd, "",
			  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
				  (recursive ? AT_RECURSIVE : 0));
	if (fresh < 0)
		return err_set(err, errno, "clone the mount on '%s'", m->target);
	(void) snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", *src_fd);
	if (umount2(fdp, MNT_DETACH) < 0) {
		int e = errno;

		(void) close(fresh);
		return err_set(err, e, "replace the mount on '%s'", m->target);
	}
	(void) close(*src_fd);
	*src_fd = fresh;
	if (move_mount(fresh, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return err_set(err, errno, "mount on '%s'", m->target);
	return 0;
}

static int mount_one(int root_fd, const struct rt_mount *m, int *src_fd, bool in_container,
		     struct hull_err **err)
{
	struct mount_opts o;
	_cleanup_close_ int tfd = -1;
	struct stat st;
	struct mount_attr attr = {0};
	int r = 0;

	opts_parse(m->options, &o);
	if (streq(m->type, "tmpfs")) {
		r = make_tmpfs(m, &o, src_fd, err);
		if (r < 0)
			goto out;
	} else if (!streq(m->type, "bind") && !streq(m->type, "overlay")) {
		r = err_setx(err, EINVAL, "mount type '%s' for '%s' is not supported", m->type,
			     m->target);
		goto out;
	}
	if (fstat(*src_fd, &st) < 0) {
		r = err_set(err, errno, "stat mount source of '%s'", m->target);
		goto out;
	}
	attr.attr_set = o.attr_set | (o.readonly ? MOUNT_ATTR_RDONLY : 0);
	attr.attr_clr = o.attr_clr;
	if (attr.attr_set | attr.attr_clr) {
		if (mount_setattr(*src_fd, "", AT_EMPTY_PATH | (o.recursive ? AT_RECURSIVE : 0),
				  &attr, sizeof(attr)) < 0) {
			r = err_set(err, errno, "set options of the mount on '%s'", m->target);
			goto out;
		}
	}
	tfd = open_target(root_fd, m->target, S_ISDIR(st.st_mode), err);
	if (tfd < 0) {
		r = tfd;
		goto out;
	}
	if (in_container) {
		/* where the target really is, after the image's symlinks */
		char fdp[64], where[PATH_MAX];
		ssize_t n;

		(void) snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", tfd);
		n = readlink(fdp, where, sizeof(where) - 1);
		if (n <= 0) {
			r = err_set(err, n < 0 ? errno : EIO, "resolve mount target '%s'",
				    m->target);
			goto out;
		}
		where[n] = '\0';
		r = rt_mount_target_check(where, err);
		if (r < 0)
			goto out;
	}
	if (move_mount(*src_fd, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0) {
		r = err_set(err, errno, "mount on '%s'", m->target);
		goto out;
	}
	if (in_container && !streq(m->type, "tmpfs")) {
		r = mount_renew(m, o.recursive, src_fd, tfd, err);
		if (r < 0)
			goto out;
	}
	attr = (struct mount_attr){.propagation = o.propagation};
	if (mount_setattr(*src_fd, "", AT_EMPTY_PATH | (o.propagation_rec ? AT_RECURSIVE : 0),
			  &attr, sizeof(attr)) < 0)
		r = err_set(err, errno, "set the propagation of '%s'", m->target);
out:
	strv_free(o.fs_opts);
	return r;
}

int rt_mounts_finish(const struct rt_config *c, struct rt_binds *b, struct hull_err **err)
{
	_cleanup_close_ int root_fd = -1;

	if (!c->n_mounts)
		return 0;
	root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return err_set(err, errno, "open '/'");
	for (size_t i = 0; i < c->n_mounts; i++) {
		int r = mount_one(root_fd, &c->mounts[i], &b->mount_fds[i], true, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int rt_mounts_attach(int root_fd, const struct rt_mount *mounts, size_t n, struct hull_err **err)
{
	struct rt_config c = {.mounts = mounts, .n_mounts = n};
	struct rt_binds b = RT_BINDS_INIT;
	int r;

	r = rt_mounts_prepare(&c, &b, err);
	if (r == 0)
		r = rt_mounts_subpaths(&c, &b, NULL, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = mount_one(root_fd, &mounts[i], &b.mount_fds[i], false, err);
	for (size_t i = 0; b.mount_fds && i < n; i++)
		if (b.mount_fds[i] >= 0)
			(void) close(b.mount_fds[i]);
	free(b.mount_fds);
	return r;
}
