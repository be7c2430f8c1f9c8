/* SPDX-License-Identifier: MIT */
/* Capabilities and seccomp profiles as docker decides them (security.h). */
#include <ctype.h>
#include <linux/filter.h>
#include <fcntl.h>
#include <seccomp.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <linux/magic.h>

#include "container/container.h"
#include "container/internal.h"
#include "container/security.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* moby's profiles/seccomp/default.json, embedded at build time (seccomp-default.c). */
extern const char hull_seccomp_default_json[];

const char *container_seccomp_default(void)
{
	return hull_seccomp_default_json;
}

/* The number of capabilities the running kernel knows. */
static int caps_last(void)
{
	_cleanup_free_ char *s = NULL;
	unsigned long long v = 0;

	if (read_file("/proc/sys/kernel/cap_last_cap", 16, &s, NULL, NULL) == 0 &&
	    sscanf(s, "%llu", &v) == 1 && v < 64)
		return (int) v;
	return (int) cap_max_bits() - 1;
}

char *container_caps_normalize(const char *name)
{
	_cleanup_free_ char *up = xstrdup(name), *lower = NULL;
	cap_value_t v;

	for (char *p = up; *p; p++)
		*p = (char) toupper((unsigned char) *p);
	if (streq(up, "ALL"))
		return TAKE_PTR(up);
	lower = startswith(up, "CAP_") ? xstrdup(up) : xasprintf("CAP_%s", up);
	for (char *p = lower; *p; p++)
		*p = (char) tolower((unsigned char) *p);
	if (cap_from_name(lower, &v) < 0 || v > caps_last())
		return NULL;
	return startswith(up, "CAP_") ? TAKE_PTR(up) : xasprintf("CAP_%s", up);
}

/* Turn a list of names into a mask; *@all when "ALL" is among them. */
static int caps_mask(char *const *names, uint64_t *ret, bool *all, struct hull_err **err)
{
	uint64_t m = 0;

	*all = false;
	for (size_t i = 0; names && names[i]; i++) {
		_cleanup_free_ char *n = container_caps_normalize(names[i]);
		cap_value_t v;

		if (!n) {
			_cleanup_free_ char *shown = NULL;
			shown = startswith(names[i], "CAP_") || startswith(names[i], "cap_")
					? xstrdup(names[i])
					: xasprintf("CAP_%s", names[i]);
			for (char *p = shown; *p; p++)
				*p = (char) toupper((unsigned char) *p);
			return err_setx(err, EINVAL, "unknown capability: \"%s\"", shown);
		}
		if (streq(n, "ALL")) {
			*all = true;
			continue;
		}
		for (char *p = n; *p; p++)
			*p = (char) tolower((unsigned char) *p);
		if (cap_from_name(n, &v) == 0)
			m |= 1ULL << v;
	}
	*ret = m;
	return 0;
}

/* The capabilities hull itself holds (its permitted set): "all" can be no more. */
static uint64_t caps_own(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {{0}};

	if (syscall(SYS_capget, &h, d) < 0)
		return ~0ULL;
	return (uint64_t) d[0].permitted | ((uint64_t) d[1].permitted << 32);
}

int container_caps_resolve(char *const *add, char *const *drop, bool privileged, uint64_t *ret,
			   struct hull_err **err)
{
	/* every capability the kernel knows and hull holds (a sandbox may lack some) */
	uint64_t all = (caps_last() >= 63 ? ~0ULL : (1ULL << (caps_last() + 1)) - 1) & caps_own();
	uint64_t a, d;
	bool add_all, drop_all;
	int r;

	r = caps_mask(add, &a, &add_all, err);
	if (r < 0)
		return r;
	r = caps_mask(drop, &d, &drop_all, err);
	if (r < 0)
		return r;
	if (privileged)
		*ret = all;
	else if (add_all)
		*ret = all & ~d;
	else if (drop_all)
		*ret = a;
	else
		*ret = ((CONTAINER_DEFAULT_CAPS & ~d) | a) & all;
	return 0;
}

/* Go's runtime.GOARCH as docker's profiles name it, for this machine. */
static const char *native_arch(void)
{
	static const char *const map[][2] = {
		{"x86_64", "amd64"}, {"aarch64", "arm64"},   {"i686", "x86"},
		{"armv7l", "arm"},   {"ppc64le", "ppc64le"}, {"s390x", "s390x"},
	};
	struct utsname u;

	if (uname(&u) == 0)
		for (size_t i = 0; i < ARRAY_SIZE(map); i++)
			if (streq(u.machine, map[i][0]))
				return map[i][1];
	return "";
}

/* The OCI name of the native architecture (SCMP_ARCH_X86_64...). */
static const char *native_scmp_arch(void)
{
	static const char *const map[][2] = {
		{"amd64", "SCMP_ARCH_X86_64"},	  {"arm64", "SCMP_ARCH_AARCH64"},
		{"x86", "SCMP_ARCH_X86"},	  {"arm", "SCMP_ARCH_ARM"},
		{"ppc64le", "SCMP_ARCH_PPC64LE"}, {"s390x", "SCMP_ARCH_S390X"},
	};
	const char *a = native_arch();

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (streq(a, map[i][0]))
			return map[i][1];
	return "";
}

/* Whether the running kernel is at least "MAJOR.MINOR" (docker's minKernel). */
static bool kernel_at_least(const char *want)
{
	struct utsname u;
	unsigned a = 0, b = 0, x = 0, y = 0;

	if (!want || sscanf(want, "%u.%u", &a, &b) < 1 || uname(&u) < 0 ||
	    sscanf(u.release, "%u.%u", &x, &y) < 1)
		return false;
	return x > a || (x == a && y >= b);
}

static bool in_list(const json_t *l, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach ((json_t *) l, i, v)
		if (json_is_string(v) && streq(json_string_value(v), s))
			return true;
	return false;
}

/* Whether a capability named in a profile ("CAP_SYS_ADMIN") is in @caps. */
static bool cap_in(uint64_t caps, const char *name)
{
	_cleanup_free_ char *n = xstrdup(name);
	cap_value_t v;

	for (char *p = n; *p; p++)
		*p = (char) tolower((unsigned char) *p);
	return cap_from_name(n, &v) == 0 && v < 64 && (caps & (1ULL << v));
}

/* docker's filter of one block: true when it applies to this container. */
static bool block_applies(json_t *blk, uint64_t caps, const char *arch)
{
	json_t *inc = json_object_get(blk, "includes"), *exc = json_object_get(blk, "excludes"), *v;
	size_t i;

	if (in_list(json_object_get(exc, "arches"), arch))
		return false;
	json_array_foreach (json_object_get(exc, "caps"), i, v)
		if (json_is_string(v) && cap_in(caps, json_string_value(v)))
			return false;
	if (json_get_str(exc, "minKernel") && kernel_at_least(json_get_str(exc, "minKernel")))
		return false;
	if (json_array_size(json_object_get(inc, "arches")) &&
	    !in_list(json_object_get(inc, "arches"), arch))
		return false;
	json_array_foreach (json_object_get(inc, "caps"), i, v)
		if (!json_is_string(v) || !cap_in(caps, json_string_value(v)))
			return false;
	if (json_get_str(inc, "minKernel") && !kernel_at_least(json_get_str(inc, "minKernel")))
		return false;
	return true;
}

int container_seccomp_resolve(const char *profile, size_t len, uint64_t caps, json_t **ret,
			      struct hull_err **err)
{
	_cleanup_json_ json_t *p = NULL, *oci = NULL;
	const char *arch = native_arch(), *sarch = native_scmp_arch();
	json_t *arches = json_array(), *calls = json_array(), *v;
	size_t i;
	int r;

	r = json_load_buf(profile, len, "seccomp profile", &p, err);
	if (r < 0)
		goto fail;
	if (!json_is_object(p)) {
		r = err_setx(err, EINVAL, "decoding seccomp profile failed: not a JSON object");
		goto fail;
	}
	if (json_array_size(json_object_get(p, "architectures")) &&
	    json_array_size(json_object_get(p, "archMap"))) {
		r = err_setx(err, EINVAL,
			     "'architectures' and 'archMap' were specified in the seccomp profile, "
			     "use either 'architectures' or 'archMap'");
		goto fail;
	}
	json_array_foreach (json_object_get(p, "architectures"), i, v)
		json_array_append(arches, v);
	json_array_foreach (json_object_get(p, "archMap"), i, v) {
		size_t k;
		json_t *sub;
		if (!streq(json_get_str(v, "architecture") ? json_get_str(v, "architecture") : "",
			   sarch))
			continue;
		json_array_append(arches, json_object_get(v, "architecture"));
		json_array_foreach (json_object_get(v, "subArchitectures"), k, sub)
			json_array_append(arches, sub);
		break;
	}
	json_array_foreach (json_object_get(p, "syscalls"), i, v) {
		json_t *call;
		if (!json_is_object(v)) {
			r = err_setx(err, EINVAL, "seccomp profile: syscalls[%zu] is not an object",
				     i);
			goto fail;
		}
		if (!block_applies(v, caps, arch))
			continue;
		if (json_is_string(json_object_get(v, "name")) &&
		    json_array_size(json_object_get(v, "names"))) {
			r = err_setx(
				err, EINVAL,
				"'name' and 'names' were specified in the seccomp profile, use "
				"either 'name' or 'names'");
			goto fail;
		}
		call = json_object();
		{
			/*
			 * moby removed io_uring from its profile in 2023 (moby#46762, as
			 * containerd did): its bugs were a way out of containers. The data
			 * we embed is older (20.10), so the three calls are never allowed.
			 */
			static const char *const io_uring[] = {"io_uring_setup", "io_uring_enter",
							       "io_uring_register", NULL};
			json_t *names = json_array(), *n1;
			size_t k;
			bool allow = streq(json_get_str(v, "action") ?: "", "SCMP_ACT_ALLOW");

			if (json_is_string(json_object_get(v, "name")))
				json_array_append(names, json_object_get(v, "name"));
			json_array_foreach (json_object_get(v, "names"), k, n1)
				if (!allow || !json_is_string(n1) ||
				    !strv_contains((char *const *) io_uring, json_string_value(n1)))
					json_array_append(names, n1);
			json_object_set_new(call, "names", names);
		}
		json_object_set(call, "action", json_object_get(v, "action"));
		if (json_object_get(v, "errnoRet"))
			json_object_set(call, "errnoRet", json_object_get(v, "errnoRet"));
		if (json_array_size(json_object_get(v, "args")))
			json_object_set(call, "args", json_object_get(v, "args"));
		json_array_append_new(calls, call);
	}
	oci = json_pack("{s:s,s:o,s:o}", "defaultAction",
			json_get_str(p, "defaultAction") ? json_get_str(p, "defaultAction") : "",
			"architectures", arches, "syscalls", calls);
	arches = calls = NULL;
	if (json_object_get(p, "defaultErrnoRet"))
		json_object_set(oci, "defaultErrnoRet", json_object_get(p, "defaultErrnoRet"));
	*ret = TAKE_PTR(oci);
	return 0;
fail:
	json_decref(arches);
	json_decref(calls);
	return r;
}

#define CACHE_MAGIC "HULLBPF1"

/* RUNROOT/seccomp/<key>.bpf: "HULLBPF1 <program sha256>\n" then the program. */
static struct rt_bpf *cache_read(const char *path)
{
	_cleanup_free_ char *data = NULL;
	char want[DIGEST_STR_LEN], got[DIGEST_STR_LEN];
	size_t len = 0, hdr = sizeof(CACHE_MAGIC) + DIGEST_STR_LEN; /* "MAGIC " digest "\n" */
	struct rt_bpf *b;

	if (read_file(path, 1 << 20, &data, &len, NULL) < 0 || len <= hdr ||
	    memcmp(data, CACHE_MAGIC " ", sizeof(CACHE_MAGIC)) != 0 || data[hdr - 1] != '\n' ||
	    (len - hdr) % sizeof(struct sock_filter) != 0)
		return NULL;
	memcpy(want, data + sizeof(CACHE_MAGIC), DIGEST_STR_LEN - 1);
	want[DIGEST_STR_LEN - 1] = '\0';
	sha256_digest(data + hdr, len - hdr, got);
	if (!streq(want, got))
		return NULL;
	b = xcalloc(1, sizeof(*b));
	b->len = (len - hdr) / sizeof(struct sock_filter);
	b->insns = xmalloc(len - hdr);
	memcpy(b->insns, data + hdr, len - hdr);
	return b;
}

static void cache_write(const char *dir, const char *path, const struct rt_bpf *b)
{
	size_t n = b->len * sizeof(struct sock_filter);
	char digest[DIGEST_STR_LEN];
	_cleanup_free_ char *buf = NULL;

	if (mkdir_p(dir, 0700, NULL) < 0)
		return;
	sha256_digest(b->insns, n, digest);
	buf = xmalloc(sizeof(CACHE_MAGIC) + DIGEST_STR_LEN + n);
	memcpy(buf, CACHE_MAGIC " ", sizeof(CACHE_MAGIC));
	memcpy(buf + sizeof(CACHE_MAGIC), digest, DIGEST_STR_LEN - 1);
	buf[sizeof(CACHE_MAGIC) + DIGEST_STR_LEN - 1] = '\n';
	memcpy(buf + sizeof(CACHE_MAGIC) + DIGEST_STR_LEN, b->insns, n);
	(void) write_file_atomic(path, buf, sizeof(CACHE_MAGIC) + DIGEST_STR_LEN + n, 0600, NULL);
}

int container_seccomp_filter(const char *runroot, const char *profile, size_t len, uint64_t caps,
			     struct rt_bpf **ret, struct hull_err **err)
{
	const struct scmp_version *lv = seccomp_version();
	_cleanup_free_ char *dir = runroot ? path_join(runroot, "seccomp") : NULL, *path = NULL;
	_cleanup_json_ json_t *oci = NULL;
	struct sha256_ctx *h = sha256_new();
	char key[DIGEST_STR_LEN], extra[256];
	struct utsname u;
	struct rt_bpf *b;
	int r;

	if (!profile) {
		profile = hull_seccomp_default_json;
		len = strlen(profile);
	}
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	sha256_update(h, profile, len);
	/* the last item: how hull builds the program (3: ENOSYS stub, no io_uring) */
	(void) snprintf(extra, sizeof(extra), "\n%llx %s %s %u.%u.%u 3", (unsigned long long) caps,
			u.machine, u.release, lv ? lv->major : 0, lv ? lv->minor : 0,
			lv ? lv->micro : 0);
	sha256_update(h, extra, strlen(extra));
	sha256_final(h, key);
	if (dir)
		path = xasprintf("%s/%s.bpf", dir, digest_hex(key));
	b = runroot ? cache_read(path) : NULL;
	if (b) {
		*ret = b;
		return 0;
	}
	r = container_seccomp_resolve(profile, len, caps, &oci, err);
	if (r < 0)
		return r;
	r = rt_seccomp_compile(oci, &b, err);
	if (r < 0)
		return r;
	if (runroot)
		cache_write(dir, path, b);
	*ret = b;
	return 0;
}

int container_security_opt(const char *opt, char **ret, const char **ret_note,
			   struct hull_err **err)
{
	/* docker cuts at the first '=', else at the first ':' (deprecated) */
	const char *sep = strchr(opt, '=') ? strchr(opt, '=') : strchr(opt, ':');
	_cleanup_free_ char *key = sep ? xstrndup(opt, (size_t) (sep - opt)) : xstrdup(opt);
	const char *val = sep ? sep + 1 : NULL;

	*ret_note = NULL;
	if (streq(key, "no-new-privileges")) {
		static const char *const bools[] = {"1", "t", "T", "TRUE",  "true",  "True",
						    "0", "f", "F", "FALSE", "false", "False"};
		bool ok = !val;
		for (size_t i = 0; val && i < ARRAY_SIZE(bools); i++)
			ok = ok || streq(val, bools[i]);
		if (!ok)
			return err_setx(err, EINVAL, "invalid --security-opt 2: \"%s\"", opt);
		*ret = xstrdup(opt);
		return 0;
	}
	if (isempty(val))
		return err_setx(err, EINVAL, "invalid --security-opt: \"%s\"", opt);
	if (streq(key, "seccomp")) {
		_cleanup_free_ char *data = NULL, *compact = NULL;
		_cleanup_json_ json_t *j = NULL;
		size_t len = 0;
		int r;

		if (streq(val, "unconfined")) {
			*ret = xstrdup("seccomp=unconfined");
			return 0;
		}
		r = read_file(val, 1 << 20, &data, &len, err);
		if (r < 0)
			return err_wrap(err, "opening seccomp profile (%s) failed", val);
		r = json_load_buf(data, len, "seccomp profile", &j, err);
		if (r < 0)
			return err_wrap(err, "compacting json for seccomp profile (%s) failed",
					val);
		compact = json_dump_str(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		*ret = xasprintf("seccomp=%s", compact);
		return 0;
	}
	if (streq(key, "apparmor") || streq(key, "label")) {
		*ret = xasprintf("%s=%s", key, val);
		*ret_note =
			streq(key, "apparmor")
				? "AppArmor is not used by hull: the apparmor option has no effect"
				: "SELinux is not used by hull: the label option has no effect";
		return 0;
	}
	if (streq(key, "systempaths") && streq(val, "unconfined")) {
		*ret = xstrdup("systempaths=unconfined");
		return 0;
	}
	return err_setx(err, EINVAL, "invalid --security-opt 2: \"%s\"", opt);
}

/* Whether a stored no-new-privileges option turns it on. */
static bool nnp_on(const char *o)
{
	const char *v;

	if (streq(o, "no-new-privileges"))
		return true;
	if (!startswith(o, "no-new-privileges"))
		return false;
	v = o + strlen("no-new-privileges");
	if (*v != '=' && *v != ':')
		return false;
	v++;
	return streq(v, "1") || streq(v, "t") || streq(v, "T") || streq(v, "TRUE") ||
	       streq(v, "true") || streq(v, "True");
}

int container_security_load(const char *runroot, const json_t *hc, struct container_security *ret,
			    struct hull_err **err)
{
	_cleanup_strv_ char **add = NULL, **drop = NULL;
	const char *profile = NULL;
	bool unconfined = false;
	struct container_security s = {0};
	size_t i;
	json_t *v;
	int r;

	s.privileged = json_is_true(json_object_get(hc, "Privileged"));
	(void) json_to_strv(json_object_get(hc, "CapAdd"), &add);
	(void) json_to_strv(json_object_get(hc, "CapDrop"), &drop);
	r = container_caps_resolve(add, drop, s.privileged, &s.caps, err);
	if (r < 0)
		return r;
	json_array_foreach (json_object_get(hc, "SecurityOpt"), i, v) {
		const char *o = json_string_value(v);
		if (!o)
			continue;
		if (streq(o, "seccomp=unconfined"))
			unconfined = true;
		else if (startswith(o, "seccomp="))
			profile = o + strlen("seccomp=");
		else if (nnp_on(o))
			s.no_new_privs = true;
		else if (streq(o, "systempaths=unconfined"))
			s.unmasked_paths = true;
	}
	if (s.privileged)
		s.unmasked_paths = true;
	/* docker (moby daemon/seccomp_linux.go): a privileged container has no filter */
	if (!unconfined && !s.privileged) {
		r = container_seccomp_filter(runroot, profile, profile ? strlen(profile) : 0,
					     s.caps, &s.seccomp, err);
		if (r < 0)
			return err_wrap(err, "seccomp profile");
	}
	*ret = s;
	return 0;
}

void container_security_release(struct container_security *s)
{
	if (s)
		s->seccomp = rt_bpf_free(s->seccomp);
}

/* docker's masked and read-only paths (moby oci/defaults.go DefaultLinuxSpec) */
static char *docker_masked_paths[] = {
	"/proc/asound",
	"/proc/acpi",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
	NULL,
};
static char *docker_readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

void container_security_apply(const struct container_security *s, struct container_oci_spec *spec)
{
	/* --privileged and systempaths=unconfined: none (moby WithMaskedPaths) */
	spec->masked_paths = s->unmasked_paths ? NULL : docker_masked_paths;
	spec->readonly_paths = s->unmasked_paths ? NULL : docker_readonly_paths;
	spec->privileged = s->privileged;
}

bool container_sysctl_valid(const char *kv)
{
	static const char *const names[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
	};
	const char *eq = strchr(kv, '=');
	_cleanup_free_ char *name = NULL;

	if (!eq || eq == kv)
		return false;
	name = xstrndup(kv, (size_t) (eq - kv));
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (streq(name, names[i]))
			return true;
	return (startswith(name, "fs.mqueue.") && name[10]) ||
	       (startswith(name, "net.") && name[4]);
}

char *container_shm_path(const char *container_dir)
{
	return path_join(container_dir, "shm");
}

int container_shm_mount(const char *path, uint64_t bytes, struct hull_err **err)
{
	_cleanup_free_ char *opts = xasprintf("mode=1777,size=%llu",
					      (unsigned long long) (bytes ? bytes : 64ULL << 20));
	struct statfs sf;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_set(err, errno, "create '%s'", path);
	if (statfs(path, &sf) == 0 && sf.f_type == TMPFS_MAGIC)
		return 0; /* still mounted from an earlier run */
	if (mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
		return err_set(err, errno, "mount the shareable /dev/shm at '%s'", path);
	return 0;
}

void container_shm_unmount(const char *container_dir)
{
	_cleanup_free_ char *p = container_shm_path(container_dir);

	(void) umount2(p, MNT_DETACH);
}

int container_namespaces_apply(struct store *s, const json_t *hc, const char *container_dir,
			       struct container_oci_spec *rc, char ***ret_sysctls,
			       char **ret_shm_path, struct hull_err **err)
{
	_cleanup_free_ char *shm = NULL;
	const char *pid = json_get_str(hc, "PidMode"), *ipc = json_get_str(hc, "IpcMode");
	const char *uts = json_get_str(hc, "UTSMode"), *cg = json_get_str(hc, "CgroupnsMode");
	_cleanup_strv_ char **sysctls = NULL;
	const char *k;
	json_t *v;

	if (pid && streq(pid, "host")) {
		rc->pid_ns = -1;
	} else if (pid && startswith(pid, "container:")) {
		struct container *other = NULL;
		int r = container_load(s, pid + 10, &other, err);
		if (r < 0)
			return r;
		if (!container_is_running(other)) {
			container_free(other);
			return err_setx(err, EINVAL,
					"cannot join PID of a non running container: %s", pid + 10);
		}
		rc->pid_ns = other->state.pid;
		container_free(other);
	}
	rc->ipc_ns = ipc && streq(ipc, "host") ? -1 : 0;
	if (ipc && streq(ipc, "shareable") && container_dir) {
		shm = container_shm_path(container_dir);
	} else if (ipc && startswith(ipc, "container:")) {
		struct container *other = NULL;
		const char *mode;
		int r = container_load(s, ipc + 10, &other, err);
		if (r < 0)
			return r;
		mode = json_get_str(json_object_get(other->rec, "HostConfig"), "IpcMode");
		if (!container_is_running(other)) {
			container_free(other);
			return err_setx(err, EINVAL,
					"cannot join IPC of a non running container: %s", ipc + 10);
		}
		if (!mode || !streq(mode, "shareable")) {
			container_free(other);
			return err_setx(
				err, EINVAL,
				"non-shareable IPC (hint: use IpcMode:shareable for the donor "
				"container)");
		}
		rc->ipc_ns = other->state.pid;
		shm = container_shm_path(other->dir);
		container_free(other);
	}
	rc->no_shm = ipc && streq(ipc, "none");
	rc->host_uts = uts && streq(uts, "host");
	rc->cgroup_ns = cg && streq(cg, "private");
	/* docker's daemon takes 0 for its default, 64 MiB (moby config.DefaultShmSize) */
	rc->shm_size = json_integer_value(json_object_get(hc, "ShmSize")) > 0
			       ? (uint64_t) json_integer_value(json_object_get(hc, "ShmSize"))
			       : 64ULL << 20;
	json_object_foreach ((json_t *) json_object_get(hc, "Sysctls"), k, v) {
		_cleanup_free_ char *kv = xasprintf("%s=%s", k, json_string_value(v) ?: "");
		/* runc validateSysctl: no sysctl may reach the host's namespaces */
		if (startswith(k, "net.") && rc->host_net)
			return err_setx(err, EINVAL,
					"sysctl \"%s\" not allowed in host network namespace", k);
		if ((startswith(k, "kernel.") || startswith(k, "fs.mqueue.")) && rc->ipc_ns != 0)
			return err_setx(err, EINVAL,
					"sysctl \"%s\" is not allowed in the hosts ipc namespace",
					k);
		strv_push(&sysctls, kv);
	}
	rc->sysctls = sysctls;
	rc->shm_path = shm;
	*ret_sysctls = TAKE_PTR(sysctls);
	*ret_shm_path = TAKE_PTR(shm);
	return 0;
}
