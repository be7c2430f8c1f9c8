/* SPDX-License-Identifier: MIT */
/*
 * Resource limits: from OCI linux.resources values to the files of cgroup v1
 * and v2 (runc libcontainer/cgroups/fs/{memory,cpu,cpuset,pids,blkio}.go and
 * fs2/{memory,cpu,cpuset,pids,io}.go; the v2 conversions are runc's
 * cgroups/utils.go ConvertCPUSharesToCgroupV2Value, ConvertMemorySwapToCgroupV2Value
 * and ConvertBlkIOToIOWeightValue). Only file I/O under the directories given,
 * so the unit tests run it against a temporary tree on any host.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "runtime/rt-internal.h"
#include "util/fs.h"
#include "util/strv.h"

#define CG_ROOT "/sys/fs/cgroup"

bool rt_resources_any(const struct rt_resources *r)
{
	return r && (r->memory || r->memory_swap || r->memory_reservation || r->kernel_memory ||
		     r->kernel_tcp || r->swappiness_set || r->oom_kill_disable || r->cpu_shares ||
		     r->cpu_quota || r->cpu_period || !isempty(r->cpuset_cpus) ||
		     !isempty(r->cpuset_mems) || r->pids_limit || r->blkio_weight || r->n_throttle);
}

/* Write @val to @dir/@file; the error names both. */
static int put(const char *dir, const char *file, const char *val, struct hull_err **err)
{
	_cleanup_free_ char *p = path_join(dir, file);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		return err_set(err, errno, "write '%s' to '%s'", val, p);
	return 0;
}

static int put_i64(const char *dir, const char *file, int64_t v, struct hull_err **err)
{
	char b[32];

	snprintf(b, sizeof(b), "%" PRId64, v);
	return put(dir, file, b, err);
}

static bool has_file(const char *dir, const char *file)
{
	_cleanup_free_ char *p = path_join(dir, file);

	return access(p, F_OK) == 0;
}

/* Hand an error collected on the side to the caller's @err (which may be NULL). */
static int pass_err(struct hull_err **err, struct hull_err *e, int r)
{
	if (err && !*err)
		*err = e;
	else
		err_free(e);
	return r;
}

static int no_controller(const char *ctrl, const char *what, struct hull_err **err)
{
	return err_setx(err, ENOTSUP, "%s: no '%s' cgroup controller is available", what, ctrl);
}

/* v1 memory.limit_in_bytes and memory.memsw.limit_in_bytes: the kernel wants
 * limit <= memsw at every moment, so the order depends on the values in place. */
static int v1_memory(const char *d, const struct rt_resources *r, struct hull_err **err)
{
	bool swap = r->memory_swap != 0 && has_file(d, "memory.memsw.limit_in_bytes");
	int k;

	if (r->memory_swap != 0 && !swap && r->memory_swap != -1)
		return err_setx(err, ENOTSUP,
				"--memory-swap: the kernel does not account swap "
				"(memory.memsw.limit_in_bytes is missing)");
	if (r->memory) {
		struct hull_err *first = NULL;
		k = put_i64(d, "memory.limit_in_bytes", r->memory, &first);
		if (k == -EINVAL && swap) {
			/* raising above the current memsw: memsw first */
			err_free(first);
			k = put_i64(d, "memory.memsw.limit_in_bytes", r->memory_swap, err);
			if (k == 0)
				k = put_i64(d, "memory.limit_in_bytes", r->memory, err);
			if (k < 0)
				return k;
			swap = false;
		} else if (k < 0) {
			return pass_err(err, first, k);
		}
	}
	if (swap) {
		k = put_i64(d, "memory.memsw.limit_in_bytes", r->memory_swap, err);
		if (k < 0)
			return k;
	}
	if (r->memory_reservation) {
		k = put_i64(d, "memory.soft_limit_in_bytes", r->memory_reservation, err);
		if (k < 0)
			return k;
	}
	if (r->kernel_memory) {
		k = put_i64(d, "memory.kmem.limit_in_bytes", r->kernel_memory, err);
		if (k < 0)
			return k;
	}
	if (r->kernel_tcp) {
		k = put_i64(d, "memory.kmem.tcp.limit_in_bytes", r->kernel_tcp, err);
		if (k < 0)
			return k;
	}
	if (r->swappiness_set) {
		k = put_i64(d, "memory.swappiness", r->swappiness, err);
		if (k < 0)
			return k;
	}
	if (r->oom_kill_disable) {
		k = put(d, "memory.oom_control", "1", err);
		if (k < 0)
			return k;
	}
	return 0;
}

static int v2_memory(const char *d, const struct rt_resources *r, struct hull_err **err)
{
	int k;

	if (r->kernel_memory)
		return err_setx(err, EOPNOTSUPP, "--kernel-memory: not supported on cgroup v2");
	if (r->kernel_tcp)
		return err_setx(err, EOPNOTSUPP,
				"linux.resources.memory.kernelTCP: not supported on cgroup v2");
	if (r->swappiness_set)
		return err_setx(err, EOPNOTSUPP,
				"linux.resources.memory.swappiness: not supported on cgroup v2");
	if (r->oom_kill_disable)
		return err_setx(err, EOPNOTSUPP, "--oom-kill-disable: not supported on cgroup v2");
	if (r->memory_swap > 0 && r->memory <= 0)
		return err_setx(err, EINVAL,
				"--memory-swap: cgroup v2 needs a memory limit to set swap");
	if (r->memory_swap > 0 && r->memory_swap < r->memory)
		return err_setx(err, EINVAL,
				"--memory-swap: memory+swap limit should be >= memory limit");
	if (r->memory) {
		k = r->memory < 0 ? put(d, "memory.max", "max", err)
				  : put_i64(d, "memory.max", r->memory, err);
		if (k < 0)
			return k;
	}
	if (r->memory_swap) {
		/* v2 limits swap alone: OCI's memory+swap minus memory */
		k = r->memory_swap < 0
			    ? put(d, "memory.swap.max", "max", err)
			    : put_i64(d, "memory.swap.max", r->memory_swap - r->memory, err);
		if (k < 0)
			return k;
	}
	if (r->memory_reservation) {
		k = put_i64(d, "memory.low", r->memory_reservation, err);
		if (k < 0)
			return k;
	}
	return 0;
}

static int v1_cpu(const char *d, const struct rt_resources *r, struct hull_err **err)
{
	int k;

	if (r->cpu_shares) {
		k = put_i64(d, "cpu.shares", (int64_t) r->cpu_shares, err);
		if (k < 0)
			return k;
	}
	if (r->cpu_period) {
		struct hull_err *first = NULL;
		k = put_i64(d, "cpu.cfs_period_us", (int64_t) r->cpu_period, &first);
		if (k == -EINVAL && r->cpu_quota) {
			/* the quota in place is invalid with the new period: quota first */
			err_free(first);
			k = put_i64(d, "cpu.cfs_quota_us", r->cpu_quota, err);
			if (k == 0)
				k = put_i64(d, "cpu.cfs_period_us", (int64_t) r->cpu_period, err);
			return k;
		}
		if (k < 0)
			return pass_err(err, first, k);
	}
	if (r->cpu_quota)
		return put_i64(d, "cpu.cfs_quota_us", r->cpu_quota, err);
	return 0;
}

static int v2_cpu(const char *d, const struct rt_resources *r, struct hull_err **err)
{
	char b[64];
	int k;

	if (r->cpu_shares) {
		uint64_t s = r->cpu_shares < 2	      ? 2
			     : r->cpu_shares > 262144 ? 262144
						      : r->cpu_shares;
		k = put_i64(d, "cpu.weight", (int64_t) (1 + ((s - 2) * 9999) / 262142), err);
		if (k < 0)
			return k;
	}
	if (r->cpu_quota || r->cpu_period) {
		uint64_t period = r->cpu_period ? r->cpu_period : 100000;
		if (r->cpu_quota > 0)
			snprintf(b, sizeof(b), "%" PRId64 " %" PRIu64, r->cpu_quota, period);
		else
			snprintf(b, sizeof(b), "max %" PRIu64, period);
		k = put(d, "cpu.max", b, err);
		if (k < 0)
			return k;
	}
	return 0;
}

static int cpuset(const char *d, const struct rt_resources *r, struct hull_err **err)
{
	int k = 0;

	if (!isempty(r->cpuset_cpus))
		k = put(d, "cpuset.cpus", r->cpuset_cpus, err);
	if (k == 0 && !isempty(r->cpuset_mems))
		k = put(d, "cpuset.mems", r->cpuset_mems, err);
	return k;
}

static int blkio(const char *d, bool v2, const struct rt_resources *r, struct hull_err **err)
{
	static const char *const v1_files[] = {
		"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
		"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
	static const char *const v2_keys[] = {"rbps", "wbps", "riops", "wiops"};
	char b[128];
	int k;

	if (r->blkio_weight) {
		if (!v2) {
			/* CFQ's blkio.weight is gone from recent kernels; BFQ has its own */
			const char *f =
				has_file(d, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
			if (!has_file(d, f))
				return err_setx(err, ENOTSUP,
						"--blkio-weight: the kernel has no block I/O "
						"weight (no CFQ or BFQ scheduler)");
			k = put_i64(d, f, r->blkio_weight, err);
		} else if (has_file(d, "io.bfq.weight")) {
			k = put_i64(d, "io.bfq.weight", r->blkio_weight, err);
		} else {
			snprintf(b, sizeof(b), "default %" PRIu64,
				 1 + ((uint64_t) r->blkio_weight - 10) * 9999 / 990);
			k = put(d, "io.weight", b, err);
		}
		if (k < 0)
			return k;
	}
	for (size_t i = 0; i < r->n_throttle; i++) {
		const struct rt_throttle *t = &r->throttle[i];
		if (t->kind < 0 || t->kind >= _RT_THROTTLE_MAX)
			return err_setx(err, EINVAL, "bad block I/O throttle kind %d", t->kind);
		if (v2) {
			snprintf(b, sizeof(b), "%u:%u %s=%" PRIu64, t->major, t->minor,
				 v2_keys[t->kind], t->rate);
			k = put(d, "io.max", b, err);
		} else {
			snprintf(b, sizeof(b), "%u:%u %" PRIu64, t->major, t->minor, t->rate);
			k = put(d, v1_files[t->kind], b, err);
		}
		if (k < 0)
			return k;
	}
	return 0;
}

int rt_resources_write(const struct rt_cgroup_dirs *d, const struct rt_resources *r,
		       struct hull_err **err)
{
	bool v2 = d->unified != NULL;
	const char *mem = v2 ? d->unified : d->memory, *cpu = v2 ? d->unified : d->cpu;
	const char *cs = v2 ? d->unified : d->cpuset, *pids = v2 ? d->unified : d->pids;
	const char *io = v2 ? d->unified : d->blkio;
	int k;

	if (!r)
		return 0;
	if (r->memory || r->memory_swap || r->memory_reservation || r->kernel_memory ||
	    r->kernel_tcp || r->swappiness_set || r->oom_kill_disable) {
		if (!mem)
			return no_controller("memory", "--memory", err);
		k = v2 ? v2_memory(mem, r, err) : v1_memory(mem, r, err);
		if (k < 0)
			return k;
	}
	if (r->cpu_shares || r->cpu_quota || r->cpu_period) {
		if (!cpu)
			return no_controller("cpu", "--cpus", err);
		k = v2 ? v2_cpu(cpu, r, err) : v1_cpu(cpu, r, err);
		if (k < 0)
			return k;
	}
	if (!isempty(r->cpuset_cpus) || !isempty(r->cpuset_mems)) {
		if (!cs)
			return no_controller("cpuset", "--cpuset-cpus", err);
		k = cpuset(cs, r, err);
		if (k < 0)
			return k;
	}
	if (r->pids_limit) {
		if (!pids)
			return no_controller("pids", "--pids-limit", err);
		k = r->pids_limit < 0 ? put(pids, "pids.max", "max", err)
				      : put_i64(pids, "pids.max", r->pids_limit, err);
		if (k < 0)
			return k;
	}
	if (r->blkio_weight || r->n_throttle) {
		if (!io)
			return no_controller(v2 ? "io" : "blkio", "--blkio-weight", err);
		k = blkio(io, v2, r, err);
		if (k < 0)
			return k;
	}
	return 0;
}

bool rt_cgroup_dirs_of(char *const *dirs, struct rt_cgroup_dirs *ret)
{
	static const char *const names[] = {"memory", "cpu", "cpuset", "pids", "blkio"};
	const char **slot[] = {&ret->memory, &ret->cpu, &ret->cpuset, &ret->pids, &ret->blkio};

	memset(ret, 0, sizeof(*ret));
	if (!dirs || !dirs[0])
		return false;
	if (!dirs[1] && rt_cgroup_is_v2()) {
		ret->unified = dirs[0];
		return true;
	}
	STRV_FOREACH (d, (char **) dirs)
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			_cleanup_free_ char *want = xasprintf(CG_ROOT "/%s/", names[i]);
			if (startswith(*d, want))
				*slot[i] = *d;
		}
	return true;
}

int rt_cgroup_update(char ***dirs, const struct rt_resources *res, struct hull_err **err)
{
	struct rt_cgroup_dirs d;
	int r;

	if (!rt_cgroup_dirs_of(*dirs, &d))
		return err_setx(err, ENOENT, "the container has no cgroup");
	r = rt_cgroup_ensure(dirs, res, err);
	if (r < 0)
		return r;
	(void) rt_cgroup_dirs_of(*dirs, &d);
	return rt_resources_write(&d, res, err);
}

/* "key value" lines of @dir/@file: the value of @key, or 0. */
static uint64_t keyed(const char *dir, const char *file, const char *key)
{
	_cleanup_free_ char *p = dir ? path_join(dir, file) : NULL, *s = NULL;
	size_t kl = strlen(key);

	if (!p || read_file(p, 1 << 16, &s, NULL, NULL) < 0)
		return 0;
	for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
			return strtoull(l + kl + 1, NULL, 10);
	return 0;
}

uint64_t rt_cgroup_oom_kills(char *const *dirs)
{
	struct rt_cgroup_dirs d;

	if (!rt_cgroup_dirs_of(dirs, &d))
		return 0;
	if (d.unified)
		return keyed(d.unified, "memory.events", "oom_kill");
	return keyed(d.memory, "memory.oom_control", "oom_kill");
}

static void rlim_str(uint64_t v, char b[32])
{
	if (v == (uint64_t) RLIM_INFINITY)
		snprintf(b, 32, "unlimited");
	else
		snprintf(b, 32, "%" PRIu64, v);
}

int rt_rlimits_apply(const struct rt_config *c, struct hull_err **err)
{
	for (size_t i = 0; i < c->n_rlimits; i++) {
		const struct rt_rlimit *l = &c->rlimits[i];
		struct rlimit cur = {0}, want = {.rlim_cur = l->soft, .rlim_max = l->hard};
		char s[32], h[32], ch[32];

		(void) getrlimit(l->resource, &cur);
		if (setrlimit(l->resource, &want) == 0)
			continue;
		rlim_str(l->soft, s);
		rlim_str(l->hard, h);
		rlim_str(cur.rlim_max, ch);
		if (errno == EPERM && l->hard > cur.rlim_max)
			return err_setx(err, EPERM,
					"ulimit %s=%s:%s: the hard limit is above hull's own hard "
					"limit of %s, and raising it needs CAP_SYS_RESOURCE",
					l->name, s, h, ch);
		return err_set(err, errno, "set ulimit %s=%s:%s", l->name, s, h);
	}
	return 0;
}
