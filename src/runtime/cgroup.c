/* SPDX-License-Identifier: MIT */
/*
 * A container's cgroup (runc libcontainer/cgroups/fs and fs2): one directory
 * per controller, "<caller's cgroup>/hull/<name>", under the v1 hierarchies
 * freezer, pids, memory, cpu and cpuacct where they are mounted, or one
 * directory of the unified v2 hierarchy; for the device rules, one in the v1
 * devices hierarchy and/or one in cgroup2 (also the hybrid layout's
 * /sys/fs/cgroup/unified) with a device program. The directories are made under the
 * caller's own cgroup so that a container never escapes the limits of the
 * engine that started it.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <linux/bpf.h>
#include <linux/magic.h>

#include "runtime/rt-internal.h"
#include "util/fs.h"
#include "util/strv.h"

#define CG_ROOT "/sys/fs/cgroup"

static const char *const v1_controllers[] = {"freezer", "pids",	  "memory", "cpu",
					     "cpuacct", "cpuset", "blkio"};

static bool is_v2(void)
{
	struct statfs sf;

	return statfs(CG_ROOT, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

bool rt_cgroup_is_v2(void)
{
	return is_v2();
}

/* The path of the calling process in hierarchy @ctrl ("" for v2) in @text, the contents of
 * /proc/self/cgroup (read once by the caller: every file read costs at each container start). */
static char *own_path_in(const char *text, const char *ctrl)
{
	_cleanup_free_ char *data = xstrdup(text ? text : "");
	char *save = NULL;

	for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if (!*ctrl ? streq(c1 + 1, "") : false)
			return xstrdup(c2 + 1);
		/* a v1 line lists its controllers separated by commas */
		for (char *s2 = NULL, *w = strtok_r(c1 + 1, ",", &s2); *ctrl && w;
		     w = strtok_r(NULL, ",", &s2))
			if (streq(w, ctrl))
				return xstrdup(c2 + 1);
	}
	return xstrdup("/");
}

static char *own_path(const char *ctrl)
{
	_cleanup_free_ char *data = NULL;

	(void) read_file("/proc/self/cgroup", 1 << 16, &data, NULL, NULL);
	return own_path_in(data, ctrl);
}

static int write_str(const char *dir, const char *file, const char *val)
{
	_cleanup_free_ char *p = path_join(dir, file);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		return -errno;
	return 0;
}

static char *read_str(const char *dir, const char *file)
{
	_cleanup_free_ char *p = path_join(dir, file);
	char *data = NULL;

	if (read_file(p, 1 << 20, &data, NULL, NULL) < 0)
		return NULL;
	return data;
}

/* A new v1 cpuset has no cpus and no mems, and takes no task until it has: copy the parent's. */
static int cpuset_inherit(const char *dir)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	_cleanup_free_ char *parent = xstrdup(dir);

	*strrchr(parent, '/') = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *mine = read_str(dir, files[i]), *theirs = NULL;
		int r;
		if (mine && *mine && *mine != '\n')
			continue;
		theirs = read_str(parent, files[i]);
		if (!theirs)
			return errno ? -errno : -EIO;
		if ((!*theirs || *theirs == '\n') && strchr(parent, '/') != strrchr(parent, '/')) {
			/* hull/ itself made empty (by an older hull): fill it first */
			r = cpuset_inherit(parent);
			if (r < 0)
				return r;
			free(theirs);
			theirs = read_str(parent, files[i]);
			if (!theirs)
				return errno ? -errno : -EIO;
		}
		r = write_str(dir, files[i], theirs);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Controllers whose cgroup costs a container start something (about 60 us
 * each, a cpuset more) and that only limits use: made when asked for, or
 * later by rt_cgroup_update(). cpuacct (stats), freezer (pause), memory and
 * pids (stats, OOM) and blkio (stats) are always made.
 */
static bool v1_lazy(const char *ctrl, const struct rt_resources *res)
{
	if (streq(ctrl, "cpuset"))
		return !res || (isempty(res->cpuset_cpus) && isempty(res->cpuset_mems));
	if (streq(ctrl, "cpu"))
		return !res || (!res->cpu_shares && !res->cpu_quota && !res->cpu_period);
	return false;
}

/*
 * The directory of container cgroup @name in the hierarchy mounted at @mnt, where
 * the caller is in @own: "<own>/hull/<name>", or with an absolute @name (an OCI
 * bundle's linux.cgroupsPath, which runc takes from the hierarchy's root) "<mnt><name>".
 */
static char *cg_dir(const char *mnt, const char *own, const char *name)
{
	if (name[0] == '/')
		return xasprintf("%s%s", mnt, name);
	return xasprintf("%s%s/hull/%s", mnt, streq(own, "/") ? "" : own, name);
}

/*
 * mkdir of a cgroup directory made by cg_dir(), with its parents: "hull/" the
 * first time, and the levels of a name of several ("a/b/c", as runc takes a
 * relative cgroupsPath). The leaf first: its parents are there but once.
 */
static int cg_mkdir(const char *dir)
{
	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	return mkdir_p(dir, 0755, NULL) < 0 ? -errno : 0;
}

/* Make <own cgroup>/hull/@name in v1 hierarchy @ctrl; *@ret_dir stays NULL when it is not
 * mounted. @self: /proc/self/cgroup. */
static int v1_make(const char *self, const char *ctrl, const char *name, char **ret_dir,
		   struct hull_err **err)
{
	_cleanup_free_ char *mnt = path_join(CG_ROOT, ctrl);
	_cleanup_free_ char *own = NULL, *dir = NULL;
	struct statfs sf;
	int r;

	if (statfs(mnt, &sf) < 0 || sf.f_type != CGROUP_SUPER_MAGIC)
		return 0;
	/* cpu and cpuacct may be one hierarchy mounted twice */
	own = own_path_in(self, ctrl);
	dir = cg_dir(mnt, own, name);
	if ((r = cg_mkdir(dir)) < 0)
		return err_set(err, -r, "create cgroup '%s'", dir);
	if (streq(ctrl, "cpuset") && (r = cpuset_inherit(dir)) < 0) {
		(void) rmdir(dir);
		return err_set(err, -r, "create cgroup '%s'", dir);
	}
	*ret_dir = TAKE_PTR(dir);
	return 0;
}

/*
 * The name that cg_dir() turned into @dir, a directory of a v1 hierarchy or of
 * the hybrid layout's unified one: relative ("a/b") when @dir is under the
 * caller's "hull/" there (@self: /proc/self/cgroup), else absolute ("/a/b").
 */
static char *cg_name_of(const char *self, const char *dir)
{
	const char *h = dir + strlen(CG_ROOT "/"), *rel = strchrnul(h, '/');
	_cleanup_free_ char *ctrl = xstrndup(h, (size_t) (rel - h));
	_cleanup_free_ char *own = own_path_in(self, streq(ctrl, "unified") ? "" : ctrl);
	_cleanup_free_ char *top = xasprintf("%s/hull/", streq(own, "/") ? "" : own);

	if (startswith(rel, top))
		return xstrdup(rel + strlen(top));
	return xstrdup(rel);
}

int rt_cgroup_ensure(char ***dirs, const struct rt_resources *res, struct hull_err **err)
{
	_cleanup_free_ char *self = NULL, *procs = NULL, *_name = NULL;
	const char *name, *any;
	struct rt_cgroup_dirs cd;
	int r;

	if (is_v2() || !rt_cgroup_dirs_of(*dirs, &cd))
		return 0;
	any = (*dirs)[0];
	(void) read_file("/proc/self/cgroup", 1 << 16, &self, NULL, NULL);
	name = _name = cg_name_of(self, any);
	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++) {
		_cleanup_free_ char *dir = NULL, *want = NULL;
		bool have = false;
		if (v1_lazy(v1_controllers[i], res))
			continue;
		want = xasprintf(CG_ROOT "/%s/", v1_controllers[i]);
		STRV_FOREACH (d, *dirs)
			have |= startswith(*d, want);
		if (have)
			continue;
		r = v1_make(self, v1_controllers[i], name, &dir, err);
		if (r < 0)
			return r;
		if (!dir)
			continue;
		/* every task of the container joins the new cgroup */
		if (!procs)
			procs = read_str(any, "cgroup.procs");
		for (char *save = NULL, *l = procs ? strtok_r(procs, "\n", &save) : NULL; l;
		     l = strtok_r(NULL, "\n", &save)) {
			r = write_str(dir, "cgroup.procs", l);
			if (r < 0 && r != -ESRCH) {
				(void) rmdir(dir);
				return err_set(err, -r, "move process %s into cgroup '%s'", l, dir);
			}
		}
		procs = (free(procs), NULL);
		strv_push(dirs, dir);
	}
	return 0;
}

/* Whether the space-separated @list (may be NULL) has the word @w. */
static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; p && (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

/* v2: enable pids, memory, cpu, cpuset and io for the children of @dir, one by one (a write
 * naming a controller the parent lacks fails whole); nothing to do when they are on already. */
static void v2_enable(const char *dir)
{
	static const char *const ctrls[] = {"pids", "memory", "cpu", "cpuset", "io"};
	_cleanup_free_ char *on = read_str(dir, "cgroup.subtree_control");

	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++) {
		_cleanup_free_ char *plus = NULL;
		if (has_word(on, ctrls[i]))
			continue;
		plus = xasprintf("+%s", ctrls[i]);
		(void) write_str(dir, "cgroup.subtree_control", plus);
	}
}

int rt_cgroup_create(const char *name, pid_t pid, const struct rt_resources *res, char ***ret_dirs,
		     struct hull_err **err)
{
	_cleanup_strv_ char **dirs = strv_new();
	_cleanup_free_ char *self = NULL;
	struct rt_cgroup_dirs cd;
	char pidbuf[32];
	int r;

	snprintf(pidbuf, sizeof(pidbuf), "%d", (int) pid);
	if (is_v2()) {
		_cleanup_free_ char *own = own_path("");
		/* spelt as dir_make() spells it (no "//" at the root), so that the device
		 * rules' directory is recognised as this one */
		_cleanup_free_ char *dir = cg_dir(CG_ROOT, own, name);
		_cleanup_free_ char *ownd = xasprintf(CG_ROOT "%s", own);
		/* below the root for an absolute name, below our own cgroup for a relative one */
		size_t top = name[0] == '/' ? strlen(CG_ROOT) : strlen(ownd);
		/* v2: enable the controllers for our children, then join */
		v2_enable(ownd);
		/* every level down to the container's directory ("hull/", and those of a
		 * name of several) delegates them */
		for (char *p = strchr(dir + top + 1, '/'); p; p = strchr(p + 1, '/')) {
			*p = '\0';
			(void) mkdir(dir, 0755);
			v2_enable(dir);
			*p = '/';
		}
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return err_set(err, errno, "create cgroup '%s'", dir);
		cd = (struct rt_cgroup_dirs){.unified = dir};
		r = rt_resources_write(&cd, res, err);
		if (r == 0) {
			r = write_str(dir, "cgroup.procs", pidbuf);
			if (r < 0)
				(void) err_set(err, -r, "move process %s into cgroup '%s'", pidbuf,
					       dir);
		}
		if (r < 0) {
			(void) rmdir(dir);
			return r;
		}
		strv_push(&dirs, dir);
		*ret_dirs = TAKE_PTR(dirs);
		return 0;
	}
	(void) read_file("/proc/self/cgroup", 1 << 16, &self, NULL, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++) {
		_cleanup_free_ char *dir = NULL;
		if (v1_lazy(v1_controllers[i], res))
			continue;
		r = v1_make(self, v1_controllers[i], name, &dir, err);
		if (r < 0) {
			rt_cgroup_remove(dirs);
			return r;
		}
		if (dir)
			strv_push(&dirs, dir);
	}
	if (!dirs[0])
		return err_setx(err, ENOENT, "no cgroup hierarchy mounted at " CG_ROOT);
	/* the limits are in place before the process joins */
	(void) rt_cgroup_dirs_of(dirs, &cd);
	r = rt_resources_write(&cd, res, err);
	STRV_FOREACH (d, dirs) {
		if (r < 0)
			break;
		r = write_str(*d, "cgroup.procs", pidbuf);
		if (r < 0)
			(void) err_set(err, -r, "move process %s into cgroup '%s'", pidbuf, *d);
	}
	if (r < 0) {
		rt_cgroup_remove(dirs);
		return r;
	}
	*ret_dirs = TAKE_PTR(dirs);
	return 0;
}

static bool is_mount_of(const char *path, long magic)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == magic;
}

/*
 * Make "<@mnt><caller's path in @ctrl>/hull/@name" (@ctrl "" for cgroup2) and
 * append it to *@dirs unless it is there already; *@ret_dir borrows it.
 */
static int dir_make(const char *mnt, const char *ctrl, const char *name, char ***dirs,
		    const char **ret_dir, struct hull_err **err)
{
	_cleanup_free_ char *own = own_path(ctrl);
	_cleanup_free_ char *dir = cg_dir(mnt, own, name);
	int r;

	if ((r = cg_mkdir(dir)) < 0)
		return err_set(err, -r, "create cgroup '%s'", dir);
	STRV_FOREACH (d, *dirs)
		if (streq(*d, dir)) {
			*ret_dir = *d;
			return 0;
		}
	strv_push(dirs, dir);
	*ret_dir = (*dirs)[strv_length(*dirs) - 1];
	return 0;
}

/* v1: the rules in order to devices.allow / devices.deny (runc fs/devices.go). */
static int v1_devices_apply(const char *dir, const struct rt_device_rule *rules, size_t n,
			    struct hull_err **err)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *text = rt_device_rule_format(&rules[i]);
		const char *file = rules[i].allow ? "devices.allow" : "devices.deny";
		int r = write_str(dir, file, text);
		if (r < 0)
			return err_set(err, -r, "write '%s' to '%s/%s'", text, dir, file);
	}
	return 0;
}

/* v2: a device program for the rules, attached to @dir with BPF_F_ALLOW_MULTI. */
static int bpf_devices_apply(const char *dir, const struct rt_device_rule *rules, size_t n,
			     struct hull_err **err)
{
	_cleanup_free_ struct bpf_insn *prog = NULL;
	_cleanup_close_ int pfd = -1, dfd = -1;
	union bpf_attr a;
	size_t np;
	int r;

	r = rt_devices_bpf_build(rules, n, &prog, &np);
	if (r < 0)
		return err_setx(err, -r, "bad device rule");
	r = rt_devices_bpf_load(prog, np, &pfd, err);
	if (r < 0)
		return r;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "open cgroup '%s'", dir);
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t) dfd;
	a.attach_bpf_fd = (uint32_t) pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	/* the cgroup keeps the program; it goes with the directory */
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof(a)) < 0)
		return err_set(err, errno, "attach the device program to '%s'", dir);
	return 0;
}

int rt_cgroup_devices_create(const char *name, pid_t pid, const struct rt_device_rule *rules,
			     size_t n_rules, char ***dirs, struct hull_err **err)
{
	const char *mode = getenv("HULL_TEST_CGROUP_DEVICES");
	bool v1 = is_mount_of(CG_ROOT "/devices", CGROUP_SUPER_MAGIC);
	const char *unified = NULL;
	const char *dir = NULL;
	char pidbuf[32];
	int r;

	if (is_v2())
		unified = CG_ROOT;
	else if (is_mount_of(CG_ROOT "/unified", CGROUP2_SUPER_MAGIC))
		unified = CG_ROOT "/unified";
	if (!*dirs)
		*dirs = strv_new();
	if (mode && *mode) {
		bool want_v1 = streq(mode, "v1") || streq(mode, "both");
		bool want_bpf = streq(mode, "bpf") || streq(mode, "both");
		if (!want_v1 && !want_bpf)
			return err_setx(err, EINVAL,
					"HULL_TEST_CGROUP_DEVICES='%s': not v1, bpf or both", mode);
		if ((want_v1 && !v1) || (want_bpf && !unified))
			return err_setx(err, ENOENT,
					"HULL_TEST_CGROUP_DEVICES=%s: the host has no %s", mode,
					want_v1 && !v1 ? "devices cgroup" : "cgroup2 hierarchy");
		v1 = want_v1;
		if (!want_bpf)
			unified = NULL;
	} else if (v1) {
		/* Hybrid: the v1 rules suffice. A program on the unified hierarchy as well
		 * would cost its load (verifier and JIT, ~0.3 ms a start here) for nothing
		 * the v1 rules miss. */
		unified = NULL;
	}
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int) pid);
	/* the rules first, then the process: it never runs in a half-made cgroup */
	for (int bpf = 0; bpf < 2; bpf++) {
		if (bpf ? !unified : !v1)
			continue;
		r = bpf ? dir_make(unified, "", name, dirs, &dir, err)
			: dir_make(CG_ROOT "/devices", "devices", name, dirs, &dir, err);
		if (r == 0)
			r = bpf ? bpf_devices_apply(dir, rules, n_rules, err)
				: v1_devices_apply(dir, rules, n_rules, err);
		if (r == 0 && (r = write_str(dir, "cgroup.procs", pidbuf)) < 0)
			r = err_set(err, -r, "move process %s into cgroup '%s'", pidbuf, dir);
		if (r < 0)
			return err_wrap(err, "apply device rules");
	}
	return 0;
}

int rt_cgroup_enter(char *const *dirs, pid_t pid, struct hull_err **err)
{
	char pidbuf[32];

	snprintf(pidbuf, sizeof(pidbuf), "%d", (int) pid);
	STRV_FOREACH (d, (char **) dirs) {
		int r = write_str(*d, "cgroup.procs", pidbuf);
		if (r < 0 && r != -ENOENT)
			return err_set(err, -r, "move process %s into cgroup '%s'", pidbuf, *d);
	}
	return 0;
}

static const char *find_dir(char *const *dirs, const char *ctrl)
{
	STRV_FOREACH (d, (char **) dirs) {
		_cleanup_free_ char *want = xasprintf(CG_ROOT "/%s/", ctrl);
		if (startswith(*d, want))
			return *d;
	}
	/* v2: the single directory */
	if (dirs && dirs[0] && !dirs[1] && is_v2())
		return dirs[0];
	return NULL;
}

int rt_cgroup_freeze(char *const *dirs, bool freeze, struct hull_err **err)
{
	const char *d = find_dir(dirs, "freezer");
	int r;

	if (!d)
		return err_setx(err, ENOTSUP, "no freezer cgroup for this container");
	if (is_v2()) {
		r = write_str(d, "cgroup.freeze", freeze ? "1" : "0");
		if (r < 0)
			return err_set(err, -r, "write '%s/cgroup.freeze'", d);
		/* cgroup.events says "frozen 1" once every task has stopped */
		for (int i = 0; i < 1000; i++) {
			_cleanup_free_ char *ev = read_str(d, "cgroup.events");
			if (!ev || strstr(ev, freeze ? "frozen 1" : "frozen 0"))
				return 0;
			nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
		}
		return err_setx(err, ETIMEDOUT, "cgroup '%s' did not %s", d,
				freeze ? "freeze" : "thaw");
	}
	r = write_str(d, "freezer.state", freeze ? "FROZEN" : "THAWED");
	if (r < 0)
		return err_set(err, -r, "write '%s/freezer.state'", d);
	/* v1 goes through FREEZING; wait until the state settles (runc fs/freezer.go) */
	for (int i = 0; i < 1000; i++) {
		_cleanup_free_ char *st = read_str(d, "freezer.state");
		if (!st || startswith(st, freeze ? "FROZEN" : "THAWED"))
			return 0;
		if (freeze && startswith(st, "FREEZING") && i % 10 == 9)
			(void) write_str(d, "freezer.state", "FROZEN");
		nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
	}
	return err_setx(err, ETIMEDOUT, "cgroup '%s' did not %s", d, freeze ? "freeze" : "thaw");
}

static uint64_t read_u64(const char *dir, const char *file)
{
	_cleanup_free_ char *s = dir ? read_str(dir, file) : NULL;

	return s ? strtoull(s, NULL, 10) : 0;
}

/* "key value" lines: the value of @key, or 0. */
static uint64_t read_keyed(const char *dir, const char *file, const char *key)
{
	_cleanup_free_ char *s = dir ? read_str(dir, file) : NULL;
	size_t kl = strlen(key);

	for (char *p = s; p && *p;) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
			return strtoull(p + kl + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* v1 blkio.throttle.io_service_bytes: "MAJ:MIN Read N" lines per device (docker's BLOCK I/O). */
static void blk_v1(const char *d, struct rt_cgroup_stats *st)
{
	_cleanup_free_ char *s = d ? read_str(d, "blkio.throttle.io_service_bytes") : NULL;
	char *save = NULL;

	for (char *l = s ? strtok_r(s, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		char dev[64], op[16];
		unsigned long long v;
		if (sscanf(l, "%63s %15s %llu", dev, op, &v) != 3)
			continue;
		if (streq(op, "Read"))
			st->blk_read += v;
		else if (streq(op, "Write"))
			st->blk_write += v;
	}
}

/* v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N ..." per device. */
static void blk_v2(const char *d, struct rt_cgroup_stats *st)
{
	_cleanup_free_ char *s = read_str(d, "io.stat");
	char *save = NULL;

	for (char *w = s ? strtok_r(s, " \n", &save) : NULL; w; w = strtok_r(NULL, " \n", &save)) {
		if (startswith(w, "rbytes="))
			st->blk_read += strtoull(w + 7, NULL, 10);
		else if (startswith(w, "wbytes="))
			st->blk_write += strtoull(w + 7, NULL, 10);
	}
}

int rt_cgroup_stats(char *const *dirs, struct rt_cgroup_stats *st, struct hull_err **err)
{
	memset(st, 0, sizeof(*st));
	if (!dirs || !dirs[0])
		return err_setx(err, ENOENT, "no cgroup for this container");
	if (is_v2()) {
		const char *d = dirs[0];
		st->memory_usage = read_u64(d, "memory.current");
		{
			_cleanup_free_ char *m = read_str(d, "memory.max");
			st->memory_limit = (m && !startswith(m, "max")) ? strtoull(m, NULL, 10) : 0;
		}
		st->memory_cache = read_keyed(d, "memory.stat", "inactive_file");
		st->cpu_usage_ns = read_keyed(d, "cpu.stat", "usage_usec") * 1000;
		st->pids = read_u64(d, "pids.current");
		blk_v2(d, st);
		return 0;
	}
	{
		const char *m = find_dir(dirs, "memory");
		st->memory_usage = read_u64(m, "memory.usage_in_bytes");
		st->memory_limit = read_u64(m, "memory.limit_in_bytes");
		/* docker's CLI subtracts total_inactive_file on v1 */
		st->memory_cache = read_keyed(m, "memory.stat", "total_inactive_file");
	}
	st->cpu_usage_ns = read_u64(find_dir(dirs, "cpuacct"), "cpuacct.usage");
	if (!st->cpu_usage_ns)
		st->cpu_usage_ns = read_u64(find_dir(dirs, "cpu"), "cpuacct.usage");
	st->pids = read_u64(find_dir(dirs, "pids"), "pids.current");
	blk_v1(find_dir(dirs, "blkio"), st);
	return 0;
}

int rt_cgroup_pids(char *const *dirs, pid_t **ret, size_t *ret_n, struct hull_err **err)
{
	const char *d = find_dir(dirs, "pids");
	_cleanup_free_ char *s = NULL;
	pid_t *l = NULL;
	size_t n = 0;

	if (!d)
		d = dirs && dirs[0] ? dirs[0] : NULL;
	if (!d || !(s = read_str(d, "cgroup.procs")))
		return err_setx(err, ENOENT, "no cgroup for this container");
	for (char *p = s; *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		l = xrealloc(l, (n + 1) * sizeof(*l));
		l[n++] = (pid_t) v;
		p = end;
		while (*p == '\n')
			p++;
	}
	*ret = l;
	*ret_n = n;
	return 0;
}

void rt_cgroup_remove(char *const *dirs)
{
	STRV_FOREACH (d, (char **) dirs) {
		/* the kernel may need a moment to drop the last exited task */
		for (int i = 0; i < 50 && rmdir(*d) < 0 && errno == EBUSY; i++)
			nanosleep(&(struct timespec){0, 2 * 1000 * 1000}, NULL);
	}
}
