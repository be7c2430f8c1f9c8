/* SPDX-License-Identifier: MIT */
/*
 * Resource limits of a container as docker has them: the flags of run,
 * create and update (docker/cli cli/command/container/opts.go, update.go,
 * docker/go-units size.go and ulimit.go), the checks and defaults of the
 * daemon (moby daemon/daemon_unix.go adaptContainerSettings and
 * verifyPlatformContainerResources) on HostConfig, and HostConfig turned into
 * the runtime's struct rt_resources and rlimits (moby daemon/oci_linux.go).
 */
#include <ctype.h>
#include <inttypes.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include "container/container.h"
#include "runtime/runtime.h"
#include "util/units.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

#define MIN_MEMORY (6LL * 1024 * 1024) /* moby linuxMinMemory */

/* docker/go-units ulimitNameMapping */
static const struct {
	const char *name;
	int resource;
} ulimit_names[] = {
	{"core", RLIMIT_CORE},	       {"cpu", RLIMIT_CPU},
	{"data", RLIMIT_DATA},	       {"fsize", RLIMIT_FSIZE},
	{"locks", RLIMIT_LOCKS},       {"memlock", RLIMIT_MEMLOCK},
	{"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
	{"nofile", RLIMIT_NOFILE},     {"nproc", RLIMIT_NPROC},
	{"rss", RLIMIT_RSS},	       {"rtprio", RLIMIT_RTPRIO},
	{"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
	{"stack", RLIMIT_STACK},
};

/* The throttle flags, their HostConfig keys and runtime kinds (in enum rt_throttle_kind order). */
static const char *const throttle_keys[] = {"BlkioDeviceReadBps", "BlkioDeviceWriteBps",
					    "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps"};

/* docker/go-units RAMInBytes (util/units.h), as a signed HostConfig value. */
int container_ram_parse(const char *s, int64_t *ret)
{
	uint64_t v;

	if (units_ram_in_bytes(s, &v) < 0 || v > INT64_MAX)
		return -EINVAL;
	*ret = (int64_t) v;
	return 0;
}

/* docker/cli opts.NanoCPUs: a decimal with at most 9 places. */
static int nano_cpus_parse(const char *s, int64_t *ret, const char **why)
{
	const char *p = s, *dot;
	int64_t whole = 0, frac = 0;
	int places = 0;

	*why = "failed to parse %s as a rational number";
	if (!*p)
		return -EINVAL;
	for (; isdigit((unsigned char) *p); p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > 1000000000)
			return -EINVAL;
	}
	dot = p;
	if (*p == '.')
		for (p++; isdigit((unsigned char) *p); p++, places++) {
			if (places >= 9) {
				*why = "value is too precise";
				return -EINVAL;
			}
			frac = frac * 10 + (*p - '0');
		}
	if (*p || (p == s) || (dot == s && places == 0))
		return -EINVAL;
	for (int i = places; i < 9; i++)
		frac *= 10;
	*ret = whole * 1000000000LL + frac;
	return 0;
}

static int int_parse(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* docker/go-units ParseUlimit: NAME=SOFT[:HARD] into {"Name","Hard","Soft"}. */
static int ulimit_parse(const char *v, json_t **ret, struct hull_err **err)
{
	const char *eq = strchr(v, '='), *colon;
	_cleanup_free_ char *name = NULL;
	int64_t soft, hard;
	bool known = false;

	if (!eq)
		return err_setx(err, EINVAL, "invalid ulimit argument: %s", v);
	name = xstrndup(v, (size_t) (eq - v));
	for (size_t i = 0; i < ARRAY_SIZE(ulimit_names); i++)
		known |= streq(name, ulimit_names[i].name);
	if (!known)
		return err_setx(err, EINVAL, "invalid ulimit type: %s", name);
	colon = strchr(eq + 1, ':');
	if (colon && strchr(colon + 1, ':'))
		return err_setx(err, EINVAL,
				"too many limit value arguments - %s, can only have up to two, "
				"`soft[:hard]`",
				eq + 1);
	{
		_cleanup_free_ char *s =
			colon ? xstrndup(eq + 1, (size_t) (colon - eq - 1)) : xstrdup(eq + 1);
		if (int_parse(s, &soft) < 0)
			return err_setx(err, EINVAL,
					"strconv.ParseInt: parsing \"%s\": invalid syntax", s);
	}
	hard = soft;
	if (colon && int_parse(colon + 1, &hard) < 0)
		return err_setx(err, EINVAL, "strconv.ParseInt: parsing \"%s\": invalid syntax",
				colon + 1);
	if (hard != -1 && soft > hard)
		return err_setx(
			err, EINVAL,
			"ulimit soft limit must be less than or equal to hard limit: %" PRId64
			" > %" PRId64,
			soft, hard);
	*ret = json_pack("{s:s,s:I,s:I}", "Name", name, "Hard", (json_int_t) hard, "Soft",
			 (json_int_t) soft);
	return 0;
}

/* docker/cli opts.ValidateThrottle{Bps,IOps}Device: PATH:RATE into {"Path","Rate"}. */
static int throttle_parse(const char *v, bool bps, json_t **ret, struct hull_err **err)
{
	const char *colon = strrchr(v, ':');
	_cleanup_free_ char *path = NULL;
	int64_t rate;

	if (!colon || colon == v)
		return err_setx(err, EINVAL, "bad format: %s", v);
	path = xstrndup(v, (size_t) (colon - v));
	if (path[0] != '/')
		return err_setx(err, EINVAL, "%s is not an absolute path", path);
	if ((bps ? container_ram_parse(colon + 1, &rate) : int_parse(colon + 1, &rate)) < 0 ||
	    rate < 0)
		return err_setx(err, EINVAL,
				bps ? "invalid rate for device: %s. The correct format is "
				      "<device-path>:<number>[<unit>]. Number must be a positive "
				      "integer. Unit is optional and can be kb, mb, or gb"
				    : "invalid rate for device: %s. The correct format is "
				      "<device-path>:<number>. Number must be a positive integer",
				v);
	*ret = json_pack("{s:s,s:I}", "Path", path, "Rate", (json_int_t) rate);
	return 0;
}

int container_resource_flag(json_t *res, const char *flag, const char *v, struct hull_err **err)
{
	static const struct {
		const char *flag, *key, *shown;
		char kind; /* r RAM, s swap, n nano, i int, w weight, b bool, c string */
	} tab[] = {
		{"memory", "Memory", "-m, --memory", 'r'},
		{"memory-swap", "MemorySwap", "--memory-swap", 's'},
		{"memory-reservation", "MemoryReservation", "--memory-reservation", 'r'},
		{"kernel-memory", "KernelMemory", "--kernel-memory", 'r'},
		{"oom-kill-disable", "OomKillDisable", "--oom-kill-disable", 'b'},
		{"oom-score-adj", "OomScoreAdj", "--oom-score-adj", 'i'},
		{"cpus", "NanoCpus", "--cpus", 'n'},
		{"cpu-shares", "CpuShares", "-c, --cpu-shares", 'i'},
		{"cpu-period", "CpuPeriod", "--cpu-period", 'i'},
		{"cpu-quota", "CpuQuota", "--cpu-quota", 'i'},
		{"cpuset-cpus", "CpusetCpus", "--cpuset-cpus", 'c'},
		{"cpuset-mems", "CpusetMems", "--cpuset-mems", 'c'},
		{"pids-limit", "PidsLimit", "--pids-limit", 'i'},
		{"blkio-weight", "BlkioWeight", "--blkio-weight", 'w'},
	};
	const char *why = NULL;
	int64_t n = 0;

	for (int k = 0; k < 4; k++) {
		static const char *const flags[] = {"device-read-bps", "device-write-bps",
						    "device-read-iops", "device-write-iops"};
		json_t *t = NULL, *arr;
		if (!streq(flag, flags[k]))
			continue;
		if (throttle_parse(v, k < 2, &t, err) < 0)
			return err_wrap(err, "invalid argument \"%s\" for \"--%s\" flag", v, flag);
		arr = json_object_get(res, throttle_keys[k]);
		if (!json_is_array(arr))
			json_object_set_new(res, throttle_keys[k], arr = json_array());
		json_array_append_new(arr, t);
		return 0;
	}
	if (streq(flag, "ulimit")) {
		json_t *u = NULL, *arr = json_object_get(res, "Ulimits"), *x;
		size_t i;
		if (ulimit_parse(v, &u, err) < 0)
			return err_wrap(err, "invalid argument \"%s\" for \"--ulimit\" flag", v);
		if (!json_is_array(arr))
			json_object_set_new(res, "Ulimits", arr = json_array());
		/* the last one given for a name wins (docker/cli opts.UlimitOpt) */
		json_array_foreach (arr, i, x)
			if (streq(json_get_str(x, "Name"), json_get_str(u, "Name"))) {
				json_array_set_new(arr, i, u);
				return 0;
			}
		json_array_append_new(arr, u);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(tab); i++) {
		int r = 0;
		if (!streq(flag, tab[i].flag))
			continue;
		switch (tab[i].kind) {
		case 'b':
			json_object_set_new(res, tab[i].key, json_boolean(!v || streq(v, "true")));
			return 0;
		case 'c':
			json_object_set_new(res, tab[i].key, json_string(v));
			return 0;
		case 'r':
			r = container_ram_parse(v, &n);
			why = "invalid size: '%s'";
			break;
		case 's':
			r = streq(v, "-1") ? (n = -1, 0) : container_ram_parse(v, &n);
			why = "invalid size: '%s'";
			break;
		case 'n':
			r = nano_cpus_parse(v, &n, &why);
			break;
		case 'i':
			r = int_parse(v, &n);
			why = "strconv.ParseInt: parsing \"%s\": invalid syntax";
			break;
		case 'w':
			r = int_parse(v, &n);
			if (r == 0 && (n < 0 || n > 65535))
				r = -ERANGE;
			why = r == -ERANGE ? "strconv.ParseUint: parsing \"%s\": value out of range"
					   : "strconv.ParseUint: parsing \"%s\": invalid syntax";
			break;
		}
		if (r < 0) {
			_cleanup_free_ char *m = NULL;
			_Pragma("GCC diagnostic push");
			_Pragma("GCC diagnostic ignored \"-Wformat-nonliteral\"");
			m = xasprintf(why, v);
			_Pragma("GCC diagnostic pop");
			return err_setx(err, EINVAL, "invalid argument \"%s\" for \"%s\" flag: %s",
					v, tab[i].shown, m);
		}
		json_object_set_new(res, tab[i].key, json_integer(n));
		return 0;
	}
	return err_setx(err, EINVAL, "unknown resource flag '%s'", flag);
}

static int64_t geti(json_t *o, const char *k)
{
	return (int64_t) json_integer_value(json_object_get(o, k));
}

void container_resources_defaults(json_t *hc)
{
	static const char *const zero[] = {
		"Memory",	   "MemorySwap",	"MemoryReservation",  "KernelMemory",
		"KernelMemoryTCP", "NanoCpus",		"CpuShares",	      "CpuPeriod",
		"CpuQuota",	   "CpuRealtimePeriod", "CpuRealtimeRuntime", "CpuCount",
		"CpuPercent",	   "BlkioWeight",	"IOMaximumIOps",      "IOMaximumBandwidth",
		"OomScoreAdj"};
	static const char *const empty_arr[] = {"BlkioWeightDevice", "BlkioDeviceReadBps",
						"BlkioDeviceWriteBps", "BlkioDeviceReadIOps",
						"BlkioDeviceWriteIOps"};

	for (size_t i = 0; i < ARRAY_SIZE(zero); i++)
		if (!json_object_get(hc, zero[i]))
			json_object_set_new(hc, zero[i], json_integer(0));
	for (size_t i = 0; i < ARRAY_SIZE(empty_arr); i++)
		if (!json_object_get(hc, empty_arr[i]))
			json_object_set_new(hc, empty_arr[i], json_array());
	if (!json_object_get(hc, "CpusetCpus"))
		json_object_set_new(hc, "CpusetCpus", json_string(""));
	if (!json_object_get(hc, "CpusetMems"))
		json_object_set_new(hc, "CpusetMems", json_string(""));
	if (!json_object_get(hc, "CgroupParent"))
		json_object_set_new(hc, "CgroupParent", json_string(""));
	if (!json_object_get(hc, "OomKillDisable"))
		json_object_set_new(hc, "OomKillDisable", json_false());
	if (!json_object_get(hc, "PidsLimit"))
		json_object_set_new(hc, "PidsLimit", json_null());
	if (!json_object_get(hc, "MemorySwappiness"))
		json_object_set_new(hc, "MemorySwappiness", json_null());
	if (!json_object_get(hc, "Ulimits"))
		json_object_set_new(hc, "Ulimits", json_null());
}

/* "0-2,4" within the set @avail (same syntax); -EINVAL on bad syntax, 1 when not all available. */
static int cpu_list_check(const char *want, const char *avail)
{
	bool have[1024] = {false};
	int pass = 0;

	for (const char *list = avail; pass < 2; list = want, pass++) {
		const char *p = list;
		while (*p && *p != '\n') {
			char *end;
			long a = strtol(p, &end, 10), b;
			if (end == p || a < 0 || a >= 1024)
				return -EINVAL;
			b = a;
			p = end;
			if (*p == '-') {
				b = strtol(p + 1, &end, 10);
				if (end == p + 1 || b < a || b >= 1024)
					return -EINVAL;
				p = end;
			}
			for (long i = a; i <= b; i++) {
				if (pass == 0)
					have[i] = true;
				else if (!have[i])
					return 1;
			}
			if (*p == ',')
				p++;
			else if (*p && *p != '\n')
				return -EINVAL;
		}
	}
	return 0;
}

/* Whether this kernel still honours v1 memory.kmem.limit_in_bytes (writes are ignored from
 * Linux 6.1 on, "memcg: kmem.limit_in_bytes is deprecated"). */
static bool kmem_supported(void)
{
	struct utsname u;
	unsigned maj = 0, min = 0;

	if (rt_cgroup_is_v2() || uname(&u) < 0 || sscanf(u.release, "%u.%u", &maj, &min) != 2)
		return false;
	return maj < 6 || (maj == 6 && min < 1);
}

int container_resources_verify(json_t *hc, bool update, char ***warnings, struct hull_err **err)
{
	bool v2 = rt_cgroup_is_v2();
	int64_t mem = geti(hc, "Memory"), swap = geti(hc, "MemorySwap");
	int64_t resv = geti(hc, "MemoryReservation"), nano = geti(hc, "NanoCpus");
	int64_t period = geti(hc, "CpuPeriod"), quota = geti(hc, "CpuQuota");
	int64_t shares = geti(hc, "CpuShares"), adj = geti(hc, "OomScoreAdj");
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	json_t *pl = json_object_get(hc, "PidsLimit");

	/* adaptContainerSettings */
	if (shares > 0 && shares < 2)
		json_object_set_new(hc, "CpuShares", json_integer(shares = 2));
	else if (shares > 262144)
		json_object_set_new(hc, "CpuShares", json_integer(shares = 262144));
	if (!update && mem > 0 && swap == 0)
		json_object_set_new(hc, "MemorySwap", json_integer(swap = mem * 2));
	if (json_is_integer(pl) && json_integer_value(pl) <= 0 && !update)
		json_object_set_new(hc, "PidsLimit", json_null()); /* unlimited */

	/* verifyPlatformContainerResources */
	if (mem != 0 && mem < MIN_MEMORY)
		return err_setx(err, EINVAL, "Minimum memory limit allowed is 6MB");
	if (mem > 0 && swap != -1 && !v2 &&
	    access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) < 0 &&
	    access("/sys/fs/cgroup/memory", F_OK) == 0) {
		/* a v1 kernel without swap accounting (swapaccount=0) */
		strv_push(warnings, "Your kernel does not support swap limit capabilities or the "
				    "cgroup is not mounted. Memory limited without swap.");
		json_object_set_new(hc, "MemorySwap", json_integer(swap = -1));
	}
	if (mem > 0 && swap > 0 && swap < mem)
		return err_setx(err, EINVAL,
				"Minimum memoryswap limit should be larger than memory limit, see "
				"usage");
	if (mem == 0 && swap > 0 && !update)
		return err_setx(err, EINVAL,
				"You should always set the Memory limit when using Memoryswap "
				"limit, see usage");
	if (resv > 0 && resv < MIN_MEMORY)
		return err_setx(err, EINVAL, "Minimum memory reservation allowed is 6MB");
	if (mem > 0 && resv > 0 && mem < resv)
		return err_setx(err, EINVAL,
				"Minimum memory limit can not be less than memory reservation "
				"limit, see usage");
	if (geti(hc, "KernelMemory") > 0) {
		if (!kmem_supported()) {
			strv_push(warnings, "Your kernel does not support kernel memory limit "
					    "capabilities or the cgroup is not mounted. Limitation "
					    "discarded.");
			json_object_set_new(hc, "KernelMemory", json_integer(0));
		} else if (geti(hc, "KernelMemory") < MIN_MEMORY) {
			return err_setx(err, EINVAL, "Minimum kernel memory limit allowed is 6MB");
		}
	}
	if (json_is_true(json_object_get(hc, "OomKillDisable"))) {
		if (v2) {
			strv_push(warnings, "Your kernel does not support OomKillDisable. "
					    "OomKillDisable discarded.");
			json_object_set_new(hc, "OomKillDisable", json_false());
		} else if (mem == 0) {
			strv_push(
				warnings,
				"OOM killer is disabled for the container, but no memory limit is "
				"set, this can result in the system running out of resources.");
		}
	}
	if (nano > 0 && period > 0)
		return err_setx(err, EINVAL,
				"Conflicting options: Nano CPUs and CPU Period cannot both be set");
	if (nano > 0 && quota > 0)
		return err_setx(err, EINVAL,
				"Conflicting options: Nano CPUs and CPU Quota cannot both be set");
	if (nano < 0 || nano > (int64_t) ncpu * 1000000000LL)
		return err_setx(err, EINVAL,
				"Range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs "
				"available",
				ncpu, ncpu);
	if (period != 0 && (period < 1000 || period > 1000000))
		return err_setx(
			err, EINVAL,
			"CPU cfs period can not be less than 1ms (i.e. 1000) or larger than "
			"1s (i.e. 1000000)");
	if (quota > 0 && quota < 1000)
		return err_setx(err, EINVAL, "CPU cfs quota can not be less than 1ms (i.e. 1000)");
	for (int k = 0; k < 2; k++) {
		const char *key = k ? "CpusetMems" : "CpusetCpus";
		const char *v = json_get_str(hc, key);
		_cleanup_free_ char *avail = NULL;
		int r;
		if (isempty(v))
			continue;
		if (read_file(k ? "/sys/devices/system/node/online"
				: "/sys/devices/system/cpu/online",
			      4096, &avail, NULL, NULL) < 0)
			avail = xstrdup("0");
		avail[strcspn(avail, "\n")] = '\0';
		r = cpu_list_check(v, avail);
		if (r < 0)
			return err_setx(err, EINVAL,
					"Invalid value %s for cpuset %s: invalid format: %s", v,
					k ? "mems" : "cpus", v);
		if (r > 0)
			return err_setx(err, EINVAL,
					k ? "Requested memory nodes are not available - requested "
					    "%s, available: %s"
					  : "Requested CPUs are not available - requested %s, "
					    "available: %s",
					v, avail);
	}
	if (geti(hc, "BlkioWeight") > 0 &&
	    (geti(hc, "BlkioWeight") < 10 || geti(hc, "BlkioWeight") > 1000))
		return err_setx(err, EINVAL, "Range of blkio weight is from 10 to 1000");
	if (adj < -1000 || adj > 1000)
		return err_setx(
			err, EINVAL,
			"Invalid value %" PRId64 ", range for oom score adj is [-1000, 1000]", adj);
	for (int k = 0; k < 4; k++) {
		size_t i;
		json_t *t;
		json_array_foreach (json_object_get(hc, throttle_keys[k]), i, t) {
			struct stat st;
			if (stat(json_get_str(t, "Path"), &st) < 0)
				return err_set(err, errno, "stat %s", json_get_str(t, "Path"));
			if (!S_ISBLK(st.st_mode))
				return err_setx(err, EINVAL, "%s is not a block device",
						json_get_str(t, "Path"));
		}
	}
	return 0;
}

int container_rt_resources(json_t *hc, struct rt_resources *ret, struct rt_throttle **ret_throttle,
			   struct hull_err **err)
{
	struct rt_resources r = {0};
	struct rt_throttle *t = NULL;
	size_t n = 0;
	int64_t nano = geti(hc, "NanoCpus");
	json_t *pl = json_object_get(hc, "PidsLimit");

	r.memory = geti(hc, "Memory");
	r.memory_swap = geti(hc, "MemorySwap");
	r.memory_reservation = geti(hc, "MemoryReservation");
	r.kernel_memory = geti(hc, "KernelMemory");
	r.oom_kill_disable = json_is_true(json_object_get(hc, "OomKillDisable"));
	r.cpu_shares = (uint64_t) geti(hc, "CpuShares");
	r.cpu_period = (uint64_t) geti(hc, "CpuPeriod");
	r.cpu_quota = geti(hc, "CpuQuota");
	if (nano > 0) {
		/* moby daemon/oci_linux.go: a 100 ms period and the matching quota */
		r.cpu_period = 100000;
		r.cpu_quota = nano * 100000 / 1000000000;
	}
	r.cpuset_cpus = json_get_str(hc, "CpusetCpus");
	r.cpuset_mems = json_get_str(hc, "CpusetMems");
	r.pids_limit = json_is_integer(pl)
			       ? (json_integer_value(pl) <= 0 ? -1 : geti(hc, "PidsLimit"))
			       : 0;
	r.blkio_weight = (uint16_t) geti(hc, "BlkioWeight");
	for (int k = 0; k < 4; k++) {
		size_t i;
		json_t *x;
		json_array_foreach (json_object_get(hc, throttle_keys[k]), i, x) {
			struct stat st;
			if (stat(json_get_str(x, "Path"), &st) < 0) {
				free(t);
				return err_set(err, errno, "stat %s", json_get_str(x, "Path"));
			}
			t = xrealloc(t, (n + 1) * sizeof(*t));
			t[n++] = (struct rt_throttle){.kind = (enum rt_throttle_kind) k,
						      .major = major(st.st_rdev),
						      .minor = minor(st.st_rdev),
						      .rate = (uint64_t) geti(x, "Rate")};
		}
	}
	r.throttle = t;
	r.n_throttle = n;
	*ret = r;
	*ret_throttle = t;
	return 0;
}

json_t *container_oci_rlimits(json_t *hc)
{
	json_t *arr = json_object_get(hc, "Ulimits"), *u, *out = json_array();
	size_t i;

	json_array_foreach (arr, i, u) {
		const char *name = json_get_str(u, "Name");
		for (size_t k = 0; name && k < ARRAY_SIZE(ulimit_names); k++) {
			int64_t s = geti(u, "Soft"), h = geti(u, "Hard");
			_cleanup_free_ char *type = NULL;

			if (!streq(name, ulimit_names[k].name))
				continue;
			type = xasprintf("RLIMIT_%s", name);
			for (char *p = type; *p; p++)
				*p = (char) toupper((unsigned char) *p);
			/* -1: unlimited (the spec's 2^64-1, which JSON's integers cannot hold) */
			json_array_append_new(out, json_pack("{s:s,s:I,s:I}", "type", type, "soft",
							     (json_int_t) (s < 0 ? -1 : s), "hard",
							     (json_int_t) (h < 0 ? -1 : h)));
		}
	}
	return out;
}

int container_update(struct container *c, json_t *upd, const char *restart, char ***warnings,
		     struct hull_err **err)
{
	json_t *hc = json_object_get(c->rec, "HostConfig");
	_cleanup_json_ json_t *old = json_deep_copy(hc);
	int64_t mem = geti(upd, "Memory"), swap = geti(upd, "MemorySwap");
	const char *k;
	json_t *v;
	int r;

	/* moby daemon/update.go and container.UpdateContainer */
	if (restart && json_is_true(json_object_get(hc, "AutoRemove")) && !streq(restart, "no"))
		return err_setx(
			err, EINVAL,
			"Restart policy cannot be updated because AutoRemove is enabled for "
			"the container");
	if (geti(upd, "NanoCpus") > 0 && geti(hc, "CpuPeriod") > 0 && !geti(upd, "CpuPeriod"))
		return err_setx(
			err, EINVAL,
			"Conflicting options: Nano CPUs cannot be updated as CPU Period has "
			"already been set");
	if (geti(upd, "NanoCpus") > 0 && geti(hc, "CpuQuota") > 0 && !geti(upd, "CpuQuota"))
		return err_setx(err, EINVAL,
				"Conflicting options: Nano CPUs cannot be updated as CPU Quota has "
				"already been set");
	if ((geti(upd, "CpuPeriod") > 0 || geti(upd, "CpuQuota") > 0) && geti(hc, "NanoCpus") > 0 &&
	    !geti(upd, "NanoCpus"))
		return err_setx(err, EINVAL,
				"Conflicting options: CPU %s cannot be updated as NanoCPUs has "
				"already been set",
				geti(upd, "CpuPeriod") > 0 ? "Period" : "Quota");
	if (mem > 0 && swap == 0 && geti(hc, "MemorySwap") > 0 && mem > geti(hc, "MemorySwap"))
		return err_setx(err, EINVAL,
				"Memory limit should be smaller than already set memoryswap limit, "
				"update the memoryswap at the same time");
	json_object_foreach (upd, k, v)
		json_object_set(hc, k, v);
	r = container_resources_verify(hc, true, warnings, err);
	if (r == 0 && restart)
		r = container_restart_policy_set(c, restart, err);
	if (r == 0 && container_is_running(c) && json_object_size(upd)) {
		/* only what changed goes to the kernel */
		_cleanup_free_ struct rt_throttle *t = NULL;
		_cleanup_strv_ char **dirs = NULL;
		_cleanup_json_ json_t *only = json_object();
		struct rt_resources res;
		json_object_foreach (upd, k, v)
			json_object_set(only, k, json_object_get(hc, k));
		if (json_object_get(upd, "Memory") && !json_object_get(upd, "MemorySwap") &&
		    geti(hc, "MemorySwap"))
			json_object_set(only, "MemorySwap", json_object_get(hc, "MemorySwap"));
		(void) json_to_strv(json_object_get(json_object_get(c->rec, "Hull"), "Cgroups"),
				    &dirs);
		r = container_rt_resources(only, &res, &t, err);
		if (r == 0)
			r = rt_cgroup_update(&dirs, &res, err);
		if (r == 0)
			json_object_set_new(json_object_get(c->rec, "Hull"), "Cgroups",
					    json_from_strv(dirs));
	}
	if (r < 0) {
		json_object_set(c->rec, "HostConfig", old);
		return err_wrap(err, "Cannot update container %s", c->id);
	}
	return container_save(c, err);
}
