/* SPDX-License-Identifier: MIT */
/*
 * What container/ hands the runtime in the OCI runtime spec's own words (config.md
 * "Process"): the runtime parses it as it parses a bundle's (rt_bundle_from_process()).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/capability.h>
#include "container/internal.h"
#include "util/inroot.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* The OCI names ("CAP_CHOWN") of the capabilities in @mask, as a JSON array. */
static json_t *cap_names(uint64_t mask)
{
	json_t *a = json_array();

	for (int v = 0; v < 64; v++) {
		char *name;

		if (!(mask & (1ULL << v)))
			continue;
		name = cap_to_name((cap_value_t) v);
		if (!name)
			continue;
		for (char *p = name; *p; p++)
			*p = (char) toupper((unsigned char) *p);
		json_array_append_new(a, json_string(name));
		cap_free(name);
	}
	return a;
}

json_t *container_oci_process(const struct container_oci_process *p)
{
	json_t *gids = json_array(), *caps = cap_names(p->caps);
	json_t *o;

	for (size_t i = 0; i < p->n_groups; i++)
		json_array_append_new(gids, json_integer(p->groups[i]));
	/* docker's: bounding, effective and permitted alike; inheritable and ambient empty
	 * (CVE-2022-24769) */
	/* text that is not UTF-8 becomes U+FFFD, as docker's API carries it (never dropped) */
	o = json_pack("{s:b,s:{s:I,s:I,s:o},s:o,s:o,s:o,s:{s:O,s:O,s:o},s:b}", "terminal",
		      p->terminal, "user", "uid", (json_int_t) p->uid, "gid", (json_int_t) p->gid,
		      "additionalGids", gids, "args", json_from_strv(p->args), "env",
		      p->env ? json_from_strv(p->env) : json_array(), "cwd",
		      json_string_lossy(p->cwd), "capabilities", "bounding", caps, "effective",
		      caps, "permitted", caps, "noNewPrivileges", p->no_new_privs);
	if (!o)
		abort(); /* only out of memory: every value above has its type */
	if (json_array_size(p->rlimits))
		json_object_set(o, "rlimits", p->rlimits);
	return o;
}

/*
 * A path or option as it is: jansson keeps the bytes of a string made without its UTF-8 check,
 * and the spec never leaves this process as text, so a host path that is not UTF-8 still names
 * its file (json_string() would not).
 */
static json_t *str(const char *s)
{
	return json_string_nocheck(s ? s : "");
}

static json_t *strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *strf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	json_t *j;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	j = str(s);
	free(s);
	return j;
}

/* "a,b,c" appended to the JSON array @a, word by word. */
static void add_words(json_t *a, const char *s)
{
	_cleanup_free_ char *copy = xstrdup(s ? s : "");
	char *save = NULL;

	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		json_array_append_new(a, str(w));
}

static json_t *mount_new(const char *dest, const char *type, const char *source, json_t *opts)
{
	json_t *m = json_object();

	json_object_set_new(m, "destination", str(dest));
	json_object_set_new(m, "type", json_string(type));
	json_object_set_new(m, "source", str(source));
	json_object_set_new(m, "options", opts);
	return m;
}

/* An overlay's "lowerdir=" option: the layers top first, ':' and '\' escaped as overlayfs reads
 * them. */
static json_t *lowerdir_option(char *const *layers)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *o;

	(void) strbuf_adds(&sb, "lowerdir=");
	for (size_t i = 0; layers && layers[i]; i++) {
		if (i)
			(void) strbuf_addch(&sb, ':');
		for (const char *p = layers[i]; *p; p++) {
			if (*p == ':' || *p == '\\')
				(void) strbuf_addch(&sb, '\\');
			(void) strbuf_addch(&sb, *p);
		}
	}
	o = str(sb.buf);
	strbuf_release(&sb);
	return o;
}

static json_t *overlay_options(char *const *layers, const char *upper, const char *work)
{
	json_t *opts = json_array();

	json_array_append_new(opts, lowerdir_option(layers));
	if (upper) {
		json_array_append_new(opts, strf("upperdir=%s", upper));
		json_array_append_new(opts, strf("workdir=%s", work));
	}
	return opts;
}

/* A mount container/ decided (-v, --mount, a build step's) as a spec mount. */
static json_t *rt_mount_json(const struct rt_mount *m)
{
	bool overlay = streq(m->type, "overlay");
	json_t *opts =
		overlay ? overlay_options(m->lowerdirs, m->upperdir, m->workdir) : json_array();

	add_words(opts, m->options);
	/* relative to the source's root; a build's "source=/out" says the same as "out" */
	if (m->subpath) {
		const char *sub = m->subpath + strspn(m->subpath, "/");

		if (*sub)
			json_array_append_new(opts, strf("x-hull.subpath=%s", sub));
	}
	return mount_new(m->target, m->type,
			 overlay ? "overlay" : (m->source ? m->source : m->type), opts);
}

static json_t *words(const char *s)
{
	json_t *a = json_array();

	add_words(a, s);
	return a;
}

/* Whether the container path @top is @dest ("usr/lib", cleaned: no leading '/') or above it. */
static bool path_covers(const char *top, const char *dest)
{
	_cleanup_free_ char *clean = NULL;
	size_t n;

	(void) inroot_clean(top, false, &clean);
	n = strlen(clean);
	return strncmp(clean, dest, n) == 0 && (dest[n] == '\0' || dest[n] == '/');
}

/* Whether one of the user's mounts (-v, --mount, --tmpfs, a build's) is at @dest or above it. */
static bool user_mount_over(const struct container_oci_spec *s, const char *dest)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (path_covers(s->mounts[i].target, dest))
			return true;
	for (void *it = json_object_iter((json_t *) s->tmpfs); it;
	     it = json_object_iter_next((json_t *) s->tmpfs, it))
		if (path_covers(json_object_iter_key(it), dest))
			return true;
	return false;
}

static json_t *spec_mounts(const struct container_oci_spec *s)
{
	json_t *a = json_array(), *opts;
	const char *net_opts;
	const char *k;
	json_t *v;

	/* moby oci/defaults.go DefaultLinuxSpec, in its order */
	json_array_append_new(a, mount_new("/proc", "proc", "proc", words("nosuid,noexec,nodev")));
	json_array_append_new(a, mount_new("/dev", "tmpfs", "tmpfs",
					   words("nosuid,strictatime,mode=755,size=65536k")));
	json_array_append_new(
		a, mount_new("/dev/pts", "devpts", "devpts",
			     words("nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5")));
	json_array_append_new(a, mount_new("/sys", "sysfs", "sysfs",
					   words(s->privileged ? "nosuid,noexec,nodev"
							       : "nosuid,noexec,nodev,ro")));
	/* the container's own cgroups, read-only unless privileged (moby WithMounts); as
	 * there, a default the user mounts over is left out (made after every other
	 * mount, it would hide the user's) */
	if (!user_mount_over(s, "sys/fs/cgroup"))
		json_array_append_new(a,
				      mount_new("/sys/fs/cgroup", "cgroup", "cgroup",
						words(s->privileged ? "nosuid,noexec,nodev"
								    : "ro,nosuid,noexec,nodev")));
	json_array_append_new(
		a, mount_new("/dev/mqueue", "mqueue", "mqueue", words("nosuid,noexec,nodev")));
	if (user_mount_over(s, "dev/shm")) {
		/* the user's, with its own options */
	} else if (s->shm_path) {
		json_array_append_new(a, mount_new("/dev/shm", "bind", s->shm_path,
						   words("rbind,nosuid,noexec,nodev")));
	} else if (!s->no_shm) {
		opts = words("nosuid,noexec,nodev,mode=1777");
		if (s->shm_size)
			json_array_append_new(opts,
					      strf("size=%llu", (unsigned long long) s->shm_size));
		json_array_append_new(a, mount_new("/dev/shm", "tmpfs", "shm", opts));
	}
	opts = overlay_options(s->lowerdirs, s->upperdir, s->workdir);
	if (s->overlay_volatile && s->upperdir)
		json_array_append_new(opts, json_string("volatile"));
	json_array_append_new(a, mount_new("/", "overlay", "overlay", opts));
	/* moby container.NetworkMounts (read-only with the root), then the init (oci_linux.go
	 * WithMounts, WithInit) */
	net_opts = s->readonly_rootfs ? "rbind,rprivate,ro" : "rbind,rprivate";
	if (s->hosts_path)
		json_array_append_new(
			a, mount_new("/etc/hosts", "bind", s->hosts_path, words(net_opts)));
	if (s->hostname_path)
		json_array_append_new(
			a, mount_new("/etc/hostname", "bind", s->hostname_path, words(net_opts)));
	if (s->resolv_path)
		json_array_append_new(
			a, mount_new("/etc/resolv.conf", "bind", s->resolv_path, words(net_opts)));
	if (s->init_path)
		json_array_append_new(a, mount_new(CONTAINER_INIT_TARGET, "bind", s->init_path,
						   words("bind,ro")));
	/* --tmpfs: docker's noexec, nosuid and nodev unless its options say otherwise */
	json_object_foreach ((json_t *) s->tmpfs, k, v) {
		opts = words("noexec,nosuid,nodev");
		add_words(opts, json_string_value(v));
		json_array_append_new(a, mount_new(k, "tmpfs", "tmpfs", opts));
	}
	for (size_t i = 0; i < s->n_mounts; i++)
		json_array_append_new(a, rt_mount_json(&s->mounts[i]));
	return a;
}

static json_t *namespace(const char *type, pid_t join, const char *path)
{
	json_t *ns = json_pack("{s:s}", "type", type);

	if (path)
		json_object_set_new(ns, "path", str(path));
	else if (join > 0)
		json_object_set_new(
			ns, "path",
			strf("/proc/%d/ns/%s", (int) join, streq(type, "network") ? "net" : type));
	return ns;
}

static json_t *spec_namespaces(const struct container_oci_spec *s)
{
	json_t *a = json_array();

	json_array_append_new(a, namespace("mount", 0, NULL));
	if (s->pid_ns >= 0)
		json_array_append_new(a, namespace("pid", s->pid_ns, NULL));
	if (s->ipc_ns >= 0)
		json_array_append_new(a, namespace("ipc", s->ipc_ns, NULL));
	if (!s->host_uts)
		json_array_append_new(a, namespace("uts", 0, NULL));
	if (!s->host_net)
		json_array_append_new(a, namespace("network", 0, s->netns_path));
	if (s->cgroup_ns)
		json_array_append_new(a, namespace("cgroup", 0, NULL));
	return a;
}

static json_t *spec_devices(const struct container_oci_spec *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->n_devices; i++) {
		const struct rt_device *d = &s->devices[i];
		char type[2] = {d->type, '\0'};

		json_array_append_new(
			a, json_pack("{s:o,s:s,s:I,s:I,s:I,s:I,s:I}", "path", str(d->path), "type",
				     type, "major", (json_int_t) d->major, "minor",
				     (json_int_t) d->minor, "fileMode", (json_int_t) d->mode, "uid",
				     (json_int_t) d->uid, "gid", (json_int_t) d->gid));
	}
	return a;
}

static json_t *device_rule_json(const struct rt_device_rule *r)
{
	char type[2] = {r->type, '\0'}, access[4];
	json_t *o;

	rt_device_access_format(r->access, access);
	o = json_pack("{s:b,s:s,s:s}", "allow", r->allow, "type", type, "access", access);
	if (r->major >= 0)
		json_object_set_new(o, "major", json_integer(r->major));
	if (r->minor >= 0)
		json_object_set_new(o, "minor", json_integer(r->minor));
	return o;
}

/* @v under @key of @o when it is set (not 0: rt_resources' "not set"). */
static void set_int(json_t *o, const char *key, int64_t v)
{
	if (v)
		json_object_set_new(o, key, json_integer(v));
}

/* An object @o under @key of @parent, or nothing when @o is empty. */
static void set_nonempty(json_t *parent, const char *key, json_t *o)
{
	if (json_object_size(o) || json_array_size(o))
		json_object_set(parent, key, o);
	json_decref(o);
}

static json_t *spec_resources(const struct container_oci_spec *s)
{
	static const char *const kinds[_RT_THROTTLE_MAX] = {
		"throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
		"throttleWriteIOPSDevice"};
	const struct rt_resources *r = s->resources;
	json_t *o = json_object(), *rules = json_array(), *mem, *cpu, *bio;

	for (size_t i = 0; i < s->n_device_rules; i++)
		json_array_append_new(rules, device_rule_json(&s->device_rules[i]));
	json_object_set_new(o, "devices", rules);
	if (!r)
		return o;
	mem = json_object();
	set_int(mem, "limit", r->memory);
	set_int(mem, "swap", r->memory_swap);
	set_int(mem, "reservation", r->memory_reservation);
	set_int(mem, "kernel", r->kernel_memory);
	set_int(mem, "kernelTCP", r->kernel_tcp);
	if (r->swappiness_set)
		json_object_set_new(mem, "swappiness", json_integer(r->swappiness));
	if (r->oom_kill_disable)
		json_object_set_new(mem, "disableOOMKiller", json_true());
	set_nonempty(o, "memory", mem);
	cpu = json_object();
	set_int(cpu, "shares", (int64_t) r->cpu_shares);
	set_int(cpu, "quota", r->cpu_quota);
	set_int(cpu, "period", (int64_t) r->cpu_period);
	if (!isempty(r->cpuset_cpus))
		json_object_set_new(cpu, "cpus", json_string(r->cpuset_cpus));
	if (!isempty(r->cpuset_mems))
		json_object_set_new(cpu, "mems", json_string(r->cpuset_mems));
	set_nonempty(o, "cpu", cpu);
	if (r->pids_limit)
		json_object_set_new(o, "pids",
				    json_pack("{s:I}", "limit", (json_int_t) r->pids_limit));
	bio = json_object();
	set_int(bio, "weight", r->blkio_weight);
	for (size_t i = 0; i < r->n_throttle; i++) {
		const struct rt_throttle *t = &r->throttle[i];
		json_t *arr = json_object_get(bio, kinds[t->kind]);

		if (!arr) {
			arr = json_array();
			json_object_set_new(bio, kinds[t->kind], arr);
		}
		json_array_append_new(
			arr, json_pack("{s:I,s:I,s:I}", "major", (json_int_t) t->major, "minor",
				       (json_int_t) t->minor, "rate", (json_int_t) t->rate));
	}
	set_nonempty(o, "blockIO", bio);
	return o;
}

json_t *container_oci_spec(const struct container_oci_spec *s)
{
	json_t *spec = json_object(), *linux_ = json_object(), *sysctl = json_object();

	json_object_set_new(spec, "ociVersion", json_string("1.1.0"));
	json_object_set(spec, "process", s->process);
	json_object_set_new(
		spec, "root",
		json_pack("{s:o,s:b}", "path", str(s->rootfs), "readonly", s->readonly_rootfs));
	if (!s->host_uts && !isempty(s->hostname))
		json_object_set_new(spec, "hostname", str(s->hostname));
	json_object_set_new(spec, "mounts", spec_mounts(s));
	json_object_set_new(linux_, "namespaces", spec_namespaces(s));
	json_object_set_new(linux_, "devices", spec_devices(s));
	json_object_set_new(linux_, "resources", spec_resources(s));
	for (size_t i = 0; s->sysctls && s->sysctls[i]; i++) {
		const char *kv = s->sysctls[i], *eq = strchr(kv, '=');
		_cleanup_free_ char *k = eq ? xstrndup(kv, (size_t) (eq - kv)) : NULL;

		if (k)
			json_object_set_new(sysctl, k, str(eq + 1));
	}
	json_object_set_new(linux_, "sysctl", sysctl);
	json_object_set_new(linux_, "maskedPaths",
			    s->masked_paths ? json_from_strv(s->masked_paths) : json_array());
	json_object_set_new(linux_, "readonlyPaths",
			    s->readonly_paths ? json_from_strv(s->readonly_paths) : json_array());
	json_object_set_new(spec, "linux", linux_);
	return spec;
}
