/* SPDX-License-Identifier: MIT */
/*
 * OCI runtime-spec 1.1 config.json -> struct rt_bundle (bundle.h). Field by
 * field as opencontainers/runtime-spec config.md and config-linux.md define
 * them, with runc's libcontainer/specconv as the reference for the mapping
 * (mount options, device rules, capabilities).
 */
#include <ctype.h>
#include <inttypes.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "runtime/bundle.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

#define CONFIG_MAX (4U << 20)

static const char *const hook_names[_RT_HOOK_MAX] = {
	[RT_HOOK_CREATE_RUNTIME] = "createRuntime",
	[RT_HOOK_CREATE_CONTAINER] = "createContainer",
	[RT_HOOK_PRESTART] = "prestart",
	[RT_HOOK_START_CONTAINER] = "startContainer",
	[RT_HOOK_POSTSTART] = "poststart",
	[RT_HOOK_POSTSTOP] = "poststop",
};

const char *rt_hook_kind_name(enum rt_hook_kind k)
{
	return k >= 0 && k < _RT_HOOK_MAX ? hook_names[k] : NULL;
}

static const char *type_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "a number";
	}
}

/*
 * The member @key of @o, which must be of type @t (JSON_TRUE: any boolean);
 * *@ret NULL when absent or null. @field: the path for messages.
 */
static int member(const json_t *o, const char *key, json_type t, const char *field, json_t **ret,
		  struct hull_err **err)
{
	json_t *v = json_object_get(o, key);
	bool ok;

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	ok = t == JSON_TRUE ? json_is_boolean(v) : json_typeof(v) == t;
	if (!ok)
		return err_setx(err, EINVAL, "%s%s%s: must be %s", field, *field ? "." : "", key,
				type_name(t));
	*ret = v;
	return 0;
}

static int refuse(struct hull_err **err, const char *field, const char *why)
{
	return err_setx(err, EOPNOTSUPP, "%s: %s", field, why);
}

/* A non-empty value of @key (array, object or string) that hull cannot honour. */
static int refuse_nonempty(const json_t *o, const char *key, const char *field, const char *why,
			   struct hull_err **err)
{
	json_t *v = json_object_get(o, key);
	bool empty = !v || json_is_null(v) || json_is_false(v) ||
		     (json_is_array(v) && json_array_size(v) == 0) ||
		     (json_is_object(v) && json_object_size(v) == 0) ||
		     (json_is_string(v) && !*json_string_value(v));

	if (empty)
		return 0;
	return err_setx(err, EOPNOTSUPP, "%s%s%s: %s", field, *field ? "." : "", key, why);
}

/*
 * An SELinux label (process.selinuxLabel, linux.mountLabel): a string, kept
 * out of the config; its field is noted in @b->selinux_field, for
 * rt_bundle_check_host() to refuse on a host where SELinux is on.
 */
static int label_member(const json_t *o, const char *key, const char *field, struct rt_bundle *b,
			struct hull_err **err)
{
	json_t *v;
	int r = member(o, key, JSON_STRING, field, &v, err);

	if (r < 0)
		return r;
	if (v && *json_string_value(v) && !b->selinux_field)
		b->selinux_field =
			streq(key, "mountLabel") ? "linux.mountLabel" : "process.selinuxLabel";
	return 0;
}

static int strv_member(const json_t *o, const char *key, const char *field, char ***ret,
		       struct hull_err **err)
{
	json_t *v;
	int r = member(o, key, JSON_ARRAY, field, &v, err);

	if (r < 0)
		return r;
	*ret = NULL;
	if (v && json_to_strv(v, ret) < 0)
		return err_setx(err, EINVAL, "%s.%s: must be an array of strings", field, key);
	return 0;
}

static int int_member(const json_t *o, const char *key, const char *field, int64_t min, int64_t max,
		      bool *ret_set, int64_t *ret, struct hull_err **err)
{
	json_t *v;
	int r = member(o, key, JSON_INTEGER, field, &v, err);

	if (r < 0)
		return r;
	if (!v)
		return 0;
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return err_setx(err, EINVAL, "%s.%s: %" JSON_INTEGER_FORMAT " is out of range",
				field, key, json_integer_value(v));
	*ret = json_integer_value(v);
	if (ret_set)
		*ret_set = true;
	return 0;
}

static bool bool_member(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* process.capabilities: the five sets, each absent one empty (config.md). */
static int parse_caps(const json_t *caps, struct rt_capsets *ret, struct hull_err **err)
{
	static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable",
					   "ambient"};
	uint64_t masks[ARRAY_SIZE(sets)] = {0};
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
		_cleanup_strv_ char **names = NULL;
		_cleanup_free_ char *field = xasprintf("process.capabilities.%s", sets[i]);

		r = strv_member(caps, sets[i], "process.capabilities", &names, err);
		if (r < 0)
			return r;
		STRV_FOREACH (n, names) {
			_cleanup_free_ char *lower = xstrdup(*n);
			cap_value_t v;

			for (char *p = lower; *p; p++)
				*p = (char) tolower((unsigned char) *p);
			if (!startswith(lower, "cap_") || cap_from_name(lower, &v) < 0 || v < 0 ||
			    v > 63)
				return err_setx(err, EINVAL, "%s: unknown capability \"%s\"", field,
						*n);
			masks[i] |= 1ULL << v;
		}
	}
	*ret = (struct rt_capsets){.bounding = masks[0],
				   .effective = masks[1],
				   .permitted = masks[2],
				   .inheritable = masks[3],
				   .ambient = masks[4]};
	return 0;
}

/* OCI's rlimit types, and their short names (RLIMIT_ stripped, lower case: docker's --ulimit
 * names), which messages use */
static const struct {
	const char *name, *short_name;
	int resource;
} rlimit_names[] = {
	{"RLIMIT_AS", "as", RLIMIT_AS},
	{"RLIMIT_CORE", "core", RLIMIT_CORE},
	{"RLIMIT_CPU", "cpu", RLIMIT_CPU},
	{"RLIMIT_DATA", "data", RLIMIT_DATA},
	{"RLIMIT_FSIZE", "fsize", RLIMIT_FSIZE},
	{"RLIMIT_LOCKS", "locks", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", "memlock", RLIMIT_MEMLOCK},
	{"RLIMIT_MSGQUEUE", "msgqueue", RLIMIT_MSGQUEUE},
	{"RLIMIT_NICE", "nice", RLIMIT_NICE},
	{"RLIMIT_NOFILE", "nofile", RLIMIT_NOFILE},
	{"RLIMIT_NPROC", "nproc", RLIMIT_NPROC},
	{"RLIMIT_RSS", "rss", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", "rtprio", RLIMIT_RTPRIO},
	{"RLIMIT_RTTIME", "rttime", RLIMIT_RTTIME},
	{"RLIMIT_SIGPENDING", "sigpending", RLIMIT_SIGPENDING},
	{"RLIMIT_STACK", "stack", RLIMIT_STACK},
};

static int parse_rlimits(const json_t *arr, struct rt_bundle *b, struct hull_err **err)
{
	size_t i;
	json_t *rl;

	b->rlimits = xcalloc(json_array_size(arr) + 1, sizeof(*b->rlimits));
	json_array_foreach (arr, i, rl) {
		_cleanup_free_ char *field = xasprintf("process.rlimits[%zu]", i);
		const char *type = json_get_str(rl, "type");
		json_t *soft = json_object_get(rl, "soft"), *hard = json_object_get(rl, "hard");
		size_t k;

		if (!json_is_object(rl) || !type)
			return err_setx(err, EINVAL, "%s: must be an object with a type", field);
		for (k = 0; k < ARRAY_SIZE(rlimit_names); k++)
			if (streq(type, rlimit_names[k].name))
				break;
		if (k == ARRAY_SIZE(rlimit_names))
			return err_setx(err, EINVAL, "%s.type: unknown limit \"%s\"", field, type);
		if (!json_is_integer(soft) || !json_is_integer(hard) ||
		    json_integer_value(soft) < -1 || json_integer_value(hard) < -1)
			return err_setx(err, EINVAL, "%s: soft and hard must be unsigned integers",
					field);
		/* uint64 in the spec; 2^64-1 (RLIM_INFINITY) reads -1 (uint64_max_to_minus_one) */
		b->rlimits[i] = (struct rt_rlimit){
			.resource = rlimit_names[k].resource,
			.name = rlimit_names[k].short_name,
			.soft = (uint64_t) json_integer_value(soft),
			.hard = (uint64_t) json_integer_value(hard),
		};
		if (b->rlimits[i].soft > b->rlimits[i].hard)
			return err_setx(err, EINVAL, "%s: soft limit above the hard limit", field);
	}
	b->config.rlimits = b->rlimits;
	b->config.n_rlimits = json_array_size(arr);
	return 0;
}

static int parse_process(const json_t *p, struct rt_bundle *b, struct hull_err **err)
{
	struct rt_config *c = &b->config;
	json_t *user, *caps, *rl, *v;
	const char *cwd;
	int64_t n;
	int r;

	r = strv_member(p, "args", "process", &c->args, err);
	if (r < 0)
		return r;
	/* an empty program fails its lookup as runc's does ("exec: \"\": executable file not
	 * found in $PATH", 127), not here */
	if (!c->args || !c->args[0])
		return err_setx(err, EINVAL, "process.args: at least the program is required");
	r = strv_member(p, "env", "process", &c->env, err);
	if (r < 0)
		return r;
	STRV_FOREACH (e, c->env)
		if (!strchr(*e, '=') || **e == '=')
			return err_setx(err, EINVAL, "process.env: \"%s\" is not NAME=value", *e);
	cwd = json_get_str(p, "cwd");
	if (!cwd || cwd[0] != '/')
		return err_setx(err, EINVAL, "process.cwd: an absolute path is required");
	c->cwd = xstrdup(cwd);
	if ((r = member(p, "terminal", JSON_TRUE, "process", &v, err)) < 0)
		return r;
	c->terminal = bool_member(p, "terminal");
	if ((r = member(p, "noNewPrivileges", JSON_TRUE, "process", &v, err)) < 0)
		return r;
	c->no_new_privs = bool_member(p, "noNewPrivileges");
	if ((r = member(p, "consoleSize", JSON_OBJECT, "process", &v, err)) < 0)
		return r;
	if (v) {
		int64_t h = 0, w = 0;

		if ((r = int_member(v, "height", "process.consoleSize", 0, UINT16_MAX, NULL, &h,
				    err)) < 0 ||
		    (r = int_member(v, "width", "process.consoleSize", 0, UINT16_MAX, NULL, &w,
				    err)) < 0)
			return r;
		b->console_height = (unsigned short) h;
		b->console_width = (unsigned short) w;
	}

	r = member(p, "user", JSON_OBJECT, "process", &user, err);
	if (r < 0)
		return r;
	if (user) {
		json_t *gids;
		size_t i;

		n = 0;
		r = int_member(user, "uid", "process.user", 0, UINT32_MAX - 1, NULL, &n, err);
		if (r < 0)
			return r;
		c->uid = (uid_t) n;
		n = 0;
		r = int_member(user, "gid", "process.user", 0, UINT32_MAX - 1, NULL, &n, err);
		if (r < 0)
			return r;
		c->gid = (gid_t) n;
		n = 022;
		r = int_member(user, "umask", "process.user", 0, 0777, &c->has_umask, &n, err);
		if (r < 0)
			return r;
		c->umask = (mode_t) n;
		r = member(user, "additionalGids", JSON_ARRAY, "process.user", &gids, err);
		if (r < 0)
			return r;
		c->additional_gids = xcalloc(json_array_size(gids) + 1, sizeof(gid_t));
		json_array_foreach (gids, i, v) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) >= UINT32_MAX)
				return err_setx(err, EINVAL,
						"process.user.additionalGids[%zu]: not a gid", i);
			c->additional_gids[c->n_additional_gids++] = (gid_t) json_integer_value(v);
		}
	}

	b->caps = (struct rt_capsets){0};
	c->capsets = &b->caps;
	r = member(p, "capabilities", JSON_OBJECT, "process", &caps, err);
	if (r == 0 && caps)
		r = parse_caps(caps, &b->caps, err);
	if (r < 0)
		return r;
	r = member(p, "rlimits", JSON_ARRAY, "process", &rl, err);
	if (r == 0 && rl)
		r = parse_rlimits(rl, b, err);
	if (r < 0)
		return r;
	n = 0;
	r = int_member(p, "oomScoreAdj", "process", -1000, 1000, &b->has_oom_score_adj, &n, err);
	if (r < 0)
		return r;
	b->oom_score_adj = (int) n;
	if ((r = refuse_nonempty(p, "apparmorProfile", "process", "AppArmor is not supported",
				 err)) < 0 ||
	    (r = label_member(p, "selinuxLabel", "process", b, err)) < 0 ||
	    (r = refuse_nonempty(p, "ioPriority", "process", "I/O priorities are not supported",
				 err)) < 0 ||
	    (r = refuse_nonempty(p, "scheduler", "process", "scheduling policies are not supported",
				 err)) < 0 ||
	    (r = refuse_nonempty(p, "execCPUAffinity", "process", "CPU affinity is not supported",
				 err)) < 0)
		return r;
	return 0;
}

static bool has_word(char *const *opts, const char *w)
{
	return strv_contains(opts, w);
}

/* "size=NNN" of a tmpfs, in bytes (k, m, g suffixes as tmpfs takes them). */
static int tmpfs_size(char **opts, uint64_t *ret)
{
	STRV_FOREACH (o, opts) {
		char *end;
		unsigned long long v;

		if (!startswith(*o, "size="))
			continue;
		errno = 0;
		v = strtoull(*o + 5, &end, 10);
		if (errno || end == *o + 5)
			return -EINVAL;
		switch (tolower((unsigned char) *end)) {
		case 'k':
			v <<= 10, end++;
			break;
		case 'm':
			v <<= 20, end++;
			break;
		case 'g':
			v <<= 30, end++;
			break;
		}
		if (*end)
			return -EINVAL;
		*ret = v;
	}
	return 0;
}

/* The options of a /dev/shm tmpfs the runtime makes as the spec says (mount.c). */
static bool shm_plain(char **opts)
{
	static const char *const plain[] = {"nosuid", "noexec", "nodev", "rw", "mode=1777"};

	STRV_FOREACH (o, opts) {
		bool ok = startswith(*o, "size=");

		for (size_t i = 0; i < ARRAY_SIZE(plain) && !ok; i++)
			ok = streq(*o, plain[i]);
		if (!ok)
			return false;
	}
	return true;
}

/*
 * The mounts hull's runtime makes itself (runtime.md "Sequence" 5), as the
 * spec's usual entries for them describe: they are recognised and only their
 * options read.
 */
static int standard_mount(struct rt_bundle *b, const char *dest, const char *type, char **opts,
			  const char *field, bool *ret, struct hull_err **err)
{
	static const char *const std[][2] = {
		{"/proc", "proc"},	{"/sys", "sysfs"},	   {"/dev", "tmpfs"},
		{"/dev/pts", "devpts"}, {"/dev/mqueue", "mqueue"},
	};

	*ret = true;
	for (size_t i = 0; i < ARRAY_SIZE(std); i++)
		if (streq(dest, std[i][0])) {
			/* anything else there is an ordinary mount over the runtime's, made
			 * after it as runc makes it (-v /sys:/sys:ro); on /proc and /dev
			 * refused with runc's message then (rt_mount_target_check()) */
			if (!streq(type, std[i][1]))
				break;
			if (streq(dest, "/sys") && !has_word(opts, "ro"))
				b->config.privileged_paths = true;
			return 0;
		}
	if (streq(dest, "/dev/shm") && streq(type, "tmpfs") && b->config.no_shm &&
	    shm_plain(opts)) {
		/* the runtime's own: the first tmpfs there with only the options it applies
		 * itself; any other mount there (a bind, a tmpfs read-only or with a mode of
		 * its own) is made over it as given */
		b->config.no_shm = false;
		if (tmpfs_size(opts, &b->config.shm_size) < 0)
			return err_setx(err, EINVAL, "%s.options: bad tmpfs size", field);
		return 0;
	}
	*ret = false;
	return 0;
}

/* Take the option @prefix ("upperdir=") out of @opts: its value (new string), NULL if absent. */
static char *take_option(char **opts, const char *prefix)
{
	char *v = NULL;
	size_t n = strlen(prefix), k = 0;

	for (size_t i = 0; opts && opts[i]; i++) {
		if (!v && startswith(opts[i], prefix)) {
			v = xstrdup(opts[i] + n);
			free(opts[i]);
			continue;
		}
		opts[k++] = opts[i];
	}
	if (opts)
		opts[k] = NULL;
	return v;
}

/* A string the bundle owns (freed with it). */
static const char *bundle_keep(struct rt_bundle *b, char *s)
{
	if (s)
		strv_consume(&b->mount_strs, s);
	return s;
}

/*
 * hull's own mount option, which the kernel never sees (mount(8)'s "x-"
 * convention for options of userspace): "x-hull.subpath=PATH" mounts only
 * PATH below the source, resolved inside it (rt_mount.subpath; docker's
 * --mount volume-subpath and a build's RUN --mount source).
 */
static int take_hull_options(struct rt_bundle *b, struct rt_mount *rm, char ***opts,
			     const char *field, struct hull_err **err)
{
	char *sub = take_option(*opts, "x-hull.subpath=");

	if (sub && (sub[0] == '/' || !*sub)) {
		free(sub);
		return err_setx(err, EINVAL, "%s.options: x-hull.subpath must be a relative path",
				field);
	}
	rm->subpath = bundle_keep(b, sub);
	STRV_FOREACH (o, *opts)
		if (startswith(*o, "x-hull."))
			return err_setx(err, EINVAL, "%s.options: unknown option '%s'", field, *o);
	return 0;
}

/*
 * The layers of an overlay's "lowerdir=" option, top first: separated by ':',
 * where "\:" and "\\" stand for a colon and a backslash of a path, as
 * overlayfs itself reads the option (Documentation/filesystems/overlayfs.rst).
 */
static char **split_lowerdir(const char *s)
{
	char **v = NULL;
	struct strbuf sb = STRBUF_INIT;

	for (const char *p = s;; p++) {
		if (*p == '\\' && p[1]) {
			(void) strbuf_addch(&sb, *++p);
			continue;
		}
		if (*p == ':' || !*p) {
			if (sb.len)
				strv_consume(&v, strbuf_detach(&sb, NULL));
			if (!*p)
				break;
			continue;
		}
		(void) strbuf_addch(&sb, *p);
	}
	strbuf_release(&sb);
	return v;
}

/*
 * A mount of type "overlay": its "lowerdir=", "upperdir=" and "workdir="
 * options become @rm's layers (a runtime-spec mount's options are the file
 * system's, config.md "Mounts"). With @root, the mount at "/" that
 * describes the container's root file system (hull's own run:
 * docs/internals/runtime.md "OCI bundles"): mounted on root.path, with
 * "volatile" honoured (rt_config.overlay_volatile).
 */
static int parse_overlay(struct rt_bundle *b, struct rt_mount *rm, char ***opts, bool root,
			 const char *field, struct hull_err **err)
{
	_cleanup_free_ char *lower = take_option(*opts, "lowerdir=");
	char *upper = take_option(*opts, "upperdir="), *work = take_option(*opts, "workdir=");
	char **layers;

	bundle_keep(b, upper);
	bundle_keep(b, work);
	if (!lower || !(layers = split_lowerdir(lower)))
		return err_setx(err, EINVAL, "%s.options: an overlay needs lowerdir=", field);
	b->lowers = xrealloc(b->lowers, (b->n_lowers + 1) * sizeof(*b->lowers));
	b->lowers[b->n_lowers++] = layers;
	if (!upper != !work)
		return err_setx(err, EINVAL, "%s.options: upperdir= and workdir= go together",
				field);
	STRV_FOREACH (l, layers)
		if ((*l)[0] != '/')
			return err_setx(err, EINVAL, "%s.options: layer '%s' is not absolute",
					field, *l);
	if ((upper && upper[0] != '/') || (work && work[0] != '/'))
		return err_setx(err, EINVAL, "%s.options: upperdir and workdir must be absolute",
				field);
	if (root) {
		if (b->config.lowerdirs)
			return err_setx(err, EINVAL, "%s: a second overlay at '/'", field);
		b->config.lowerdirs = layers;
		b->config.upperdir = upper;
		b->config.workdir = work;
		b->config.overlay_volatile = has_word(*opts, "volatile");
		return 0;
	}
	rm->lowerdirs = layers;
	rm->upperdir = upper;
	rm->workdir = work;
	return 0;
}

static int parse_mounts(const json_t *arr, struct rt_bundle *b, struct hull_err **err)
{
	size_t i;
	json_t *m;

	b->mounts = xcalloc(json_array_size(arr) + 1, sizeof(*b->mounts));
	b->config.no_shm = true; /* unless the spec mounts one */
	json_array_foreach (arr, i, m) {
		_cleanup_free_ char *field = xasprintf("mounts[%zu]", i);
		_cleanup_strv_ char **opts = NULL;
		const char *dest = json_get_str(m, "destination");
		const char *type = json_get_str(m, "type");
		const char *source = json_get_str(m, "source");
		struct rt_mount *rm = &b->mounts[b->config.n_mounts];
		bool bind, std;
		int r;

		if (!json_is_object(m))
			return err_setx(err, EINVAL, "%s: must be an object", field);
		if (!dest || dest[0] != '/')
			return err_setx(err, EINVAL, "%s.destination: an absolute path is required",
					field);
		r = strv_member(m, "options", field, &opts, err);
		if (r < 0)
			return r;
		if ((r = refuse_nonempty(m, "uidMappings", field,
					 "id-mapped mounts are not supported", err)) < 0 ||
		    (r = refuse_nonempty(m, "gidMappings", field,
					 "id-mapped mounts are not supported", err)) < 0)
			return r;
		bind = (type && streq(type, "bind")) || has_word(opts, "bind") ||
		       has_word(opts, "rbind");
		if (!type)
			type = bind ? "bind" : "";
		r = standard_mount(b, dest, type, opts, field, &std, err);
		if (r < 0)
			return r;
		if (std)
			continue;
		if (streq(type, "cgroup") && streq(dest, "/sys/fs/cgroup")) {
			/* made by the process once it is in its cgroups (rt_config.cgroup_mount) */
			b->config.cgroup_mount = true;
			b->config.cgroup_mount_rw = !has_word(opts, "ro");
			continue;
		}
		if (bind) {
			/* runc 1.1's recursive attributes and id-mapping: the kernel would take
			 * them as file system data and a bind mount would silently drop them */
			static const char *const refused[] = {
				"rro",		"rrw",
				"rnosuid",	"rsuid",
				"rnodev",	"rdev",
				"rnoexec",	"rexec",
				"rnoatime",	"ratime",
				"rrelatime",	"rnorelatime",
				"rstrictatime", "rnostrictatime",
				"rnodiratime",	"rdiratime",
				"rnosymfollow", "rsymfollow",
				"nosymfollow",	"idmap",
				"ridmap",
			};
			for (size_t k = 0; k < ARRAY_SIZE(refused); k++)
				if (has_word(opts, refused[k]))
					return err_setx(err, EOPNOTSUPP,
							"%s.options: '%s' is not supported", field,
							refused[k]);
			if (!source || source[0] != '/')
				return err_setx(err, EINVAL,
						"%s.source: a bind mount needs an absolute path",
						field);
			rm->type = "bind";
		} else if (streq(type, "tmpfs")) {
			rm->type = "tmpfs";
		} else if (streq(type, "overlay")) {
			r = parse_overlay(b, rm, &opts, streq(dest, "/"), field, err);
			if (r < 0)
				return r;
			if (streq(dest, "/"))
				continue; /* the root itself (rt_config.lowerdirs) */
			rm->type = "overlay";
		} else {
			return err_setx(err, EOPNOTSUPP,
					"%s: a mount of type '%s' on '%s' is not supported", field,
					type, dest);
		}
		rm->source = source;
		rm->target = dest;
		r = take_hull_options(b, rm, &opts, field, err);
		if (r < 0)
			return r;
		if (opts && opts[0]) {
			struct strbuf sb = STRBUF_INIT;
			char *joined;

			STRV_FOREACH (o, opts) {
				if (sb.len)
					(void) strbuf_addch(&sb, ',');
				(void) strbuf_adds(&sb, *o);
			}
			joined = strbuf_detach(&sb, NULL);
			rm->options = joined;
			strv_consume(&b->mount_strs, joined);
		}
		b->config.n_mounts++;
	}
	b->config.mounts = b->mounts;
	return 0;
}

static int parse_hooks(const json_t *hooks, struct rt_bundle *b, struct hull_err **err)
{
	for (int k = 0; k < _RT_HOOK_MAX; k++) {
		_cleanup_free_ char *hfield = xasprintf("hooks.%s", hook_names[k]);
		json_t *arr, *h;
		size_t i;
		int r;

		r = member(hooks, hook_names[k], JSON_ARRAY, "hooks", &arr, err);
		if (r < 0)
			return r;
		if (!arr)
			continue;
		b->hooks[k] = xcalloc(json_array_size(arr) + 1, sizeof(struct rt_hook));
		json_array_foreach (arr, i, h) {
			_cleanup_free_ char *field = xasprintf("%s[%zu]", hfield, i);
			struct rt_hook *hk = &b->hooks[k][i];
			const char *path = json_get_str(h, "path");
			int64_t t = 0;

			if (!json_is_object(h) || !path || path[0] != '/')
				return err_setx(err, EINVAL,
						"%s.path: an absolute path is required", field);
			hk->path = xstrdup(path);
			b->n_hooks[k]++;
			if ((r = strv_member(h, "args", field, &hk->args, err)) < 0 ||
			    (r = strv_member(h, "env", field, &hk->env, err)) < 0 ||
			    (r = int_member(h, "timeout", field, 1, INT32_MAX, NULL, &t, err)) < 0)
				return r;
			hk->timeout = (int) t;
		}
	}
	return 0;
}

static int parse_namespaces(const json_t *arr, struct rt_bundle *b, struct hull_err **err)
{
	struct rt_config *c = &b->config;
	bool seen_mount = false;
	size_t i;
	json_t *ns;

	/* absent: the runtime's own namespace (config-linux.md "Namespaces") */
	c->new_netns = false;
	c->pid_ns = -1;
	c->ipc_ns = -1;
	c->host_uts = true;
	c->cgroup_ns = false;
	json_array_foreach (arr, i, ns) {
		_cleanup_free_ char *field = xasprintf("linux.namespaces[%zu]", i);
		const char *type = json_get_str(ns, "type");
		const char *path = json_get_str(ns, "path");

		if (!json_is_object(ns) || !type)
			return err_setx(err, EINVAL, "%s.type: is required", field);
		if (path && !*path)
			path = NULL;
		if (streq(type, "mount")) {
			c->mnt_ns_path = path;
			seen_mount = true;
		} else if (streq(type, "pid")) {
			c->pid_ns = path ? -1 : 0;
			c->pid_ns_path = path;
		} else if (streq(type, "ipc")) {
			c->ipc_ns = path ? -1 : 0;
			c->ipc_ns_path = path;
		} else if (streq(type, "network")) {
			c->new_netns = !path;
			c->netns_path = path;
		} else if (streq(type, "uts")) {
			/* joined or new, it is the container's: its hostname is set there */
			c->host_uts = false;
			c->uts_ns_path = path;
		} else if (streq(type, "cgroup")) {
			c->cgroup_ns = !path;
			c->cgroup_ns_path = path;
		} else if (streq(type, "user")) {
			c->new_userns = !path;
			c->user_ns_path = path;
		} else if (streq(type, "time")) {
			return refuse(err, field, "time namespaces are not supported");
		} else {
			return err_setx(err, EINVAL, "%s.type: unknown namespace \"%s\"", field,
					type);
		}
	}
	c->host_mnt_ns = !seen_mount;
	return 0;
}

static int parse_devices(const json_t *arr, struct rt_bundle *b, struct hull_err **err)
{
	size_t i;
	json_t *d;

	b->devices = xcalloc(json_array_size(arr) + 1, sizeof(*b->devices));
	json_array_foreach (arr, i, d) {
		_cleanup_free_ char *field = xasprintf("linux.devices[%zu]", i);
		const char *path = json_get_str(d, "path"), *type = json_get_str(d, "type");
		struct rt_device *rd = &b->devices[i];
		int64_t major = -1, minor = -1, mode = 0666, uid = 0, gid = 0;
		int r;

		if (!json_is_object(d) || !path || path[0] != '/')
			return err_setx(err, EINVAL, "%s.path: an absolute path is required",
					field);
		if (!type || (!streq(type, "c") && !streq(type, "b") && !streq(type, "u") &&
			      !streq(type, "p")))
			return err_setx(err, EOPNOTSUPP, "%s.type: must be c, u, b or p", field);
		if ((r = int_member(d, "major", field, 0, UINT32_MAX, NULL, &major, err)) < 0 ||
		    (r = int_member(d, "minor", field, 0, UINT32_MAX, NULL, &minor, err)) < 0 ||
		    (r = int_member(d, "fileMode", field, 0, 07777, NULL, &mode, err)) < 0 ||
		    (r = int_member(d, "uid", field, 0, UINT32_MAX - 1, NULL, &uid, err)) < 0 ||
		    (r = int_member(d, "gid", field, 0, UINT32_MAX - 1, NULL, &gid, err)) < 0)
			return r;
		/* a FIFO has no numbers (config-linux.md "Devices") */
		if (type[0] == 'p')
			major = minor = 0;
		if (major < 0 || minor < 0)
			return err_setx(err, EINVAL, "%s: major and minor are required", field);
		*rd = (struct rt_device){.path = path,
					 .type = type[0] == 'u' ? 'c' : type[0],
					 .major = (uint32_t) major,
					 .minor = (uint32_t) minor,
					 .mode = (mode_t) mode,
					 .uid = (uid_t) uid,
					 .gid = (gid_t) gid};
	}
	b->config.devices = b->devices;
	b->config.n_devices = json_array_size(arr);
	return 0;
}

static int parse_device_rules(const json_t *arr, struct rt_bundle *b, struct hull_err **err)
{
	size_t n_def, i;
	const struct rt_device_rule *def = rt_device_rules_default(&n_def);
	json_t *d;

	b->device_rules = xcalloc(json_array_size(arr) + n_def, sizeof(*b->device_rules));
	json_array_foreach (arr, i, d) {
		_cleanup_free_ char *field = xasprintf("linux.resources.devices[%zu]", i);
		const char *type = json_get_str(d, "type"), *access = json_get_str(d, "access");
		struct rt_device_rule *rule = &b->device_rules[b->n_device_rules];
		json_t *allow;
		int64_t major = -1, minor = -1;
		int r;

		if (!json_is_object(d))
			return err_setx(err, EINVAL, "%s: must be an object", field);
		r = member(d, "allow", JSON_TRUE, field, &allow, err);
		if (r < 0)
			return r;
		if (!allow)
			return err_setx(err, EINVAL, "%s.allow: is required", field);
		if ((r = int_member(d, "major", field, 0, 4095, NULL, &major, err)) < 0 ||
		    (r = int_member(d, "minor", field, 0, 1048575, NULL, &minor, err)) < 0)
			return r;
		rule->allow = json_is_true(allow);
		rule->type = !type || streq(type, "a") ? 'a' : type[0];
		if (type && !streq(type, "a") && !streq(type, "b") && !streq(type, "c"))
			return err_setx(err, EINVAL, "%s.type: must be a, b or c", field);
		rule->major = major;
		rule->minor = minor;
		for (const char *p = access ? access : "rwm"; *p; p++) {
			unsigned bit = *p == 'r'   ? RT_DEV_READ
				       : *p == 'w' ? RT_DEV_WRITE
				       : *p == 'm' ? RT_DEV_MKNOD
						   : 0;
			if (!bit)
				return err_setx(err, EINVAL, "%s.access: \"%s\" is not r, w, m",
						field, access);
			rule->access |= bit;
		}
		if (!rule->access)
			rule->access = RT_DEV_RWM;
		b->n_device_rules++;
	}
	/* runc appends its AllowedDevices to every container's rules (specconv) */
	memcpy(b->device_rules + b->n_device_rules, def, n_def * sizeof(*def));
	b->n_device_rules += n_def;
	return 0;
}

static int parse_resources(const json_t *res, struct rt_bundle *b, struct hull_err **err)
{
	struct rt_resources *rs = &b->resources;
	json_t *mem, *cpu, *pids, *bio, *devs;
	bool set = false;
	int64_t v;
	int r;

	static const char *const unsupported[][2] = {
		{"hugepageLimits", "hugepage limits are not supported"},
		{"network", "net_cls and net_prio are not supported"},
		{"rdma", "rdma limits are not supported"},
		{"unified", "cgroup v2 unified settings are not supported"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++) {
		r = refuse_nonempty(res, unsupported[i][0], "linux.resources", unsupported[i][1],
				    err);
		if (r < 0)
			return r;
	}
	r = member(res, "devices", JSON_ARRAY, "linux.resources", &devs, err);
	if (r == 0)
		r = parse_device_rules(devs, b, err);
	if (r < 0)
		return r;

	rs->memory = rs->memory_swap = rs->pids_limit = rs->cpu_quota = 0;
	if ((r = member(res, "memory", JSON_OBJECT, "linux.resources", &mem, err)) < 0)
		return r;
	if (mem) {
		const char *f = "linux.resources.memory";

		if ((r = int_member(mem, "limit", f, -1, INT64_MAX, &set, &rs->memory, err)) < 0 ||
		    (r = int_member(mem, "swap", f, -1, INT64_MAX, &set, &rs->memory_swap, err)) <
			    0 ||
		    (r = int_member(mem, "reservation", f, -1, INT64_MAX, &set,
				    &rs->memory_reservation, err)) < 0 ||
		    (r = int_member(mem, "kernel", f, -1, INT64_MAX, &set, &rs->kernel_memory,
				    err)) < 0 ||
		    (r = int_member(mem, "kernelTCP", f, -1, INT64_MAX, &set, &rs->kernel_tcp,
				    err)) < 0)
			return r;
		if ((r = refuse_nonempty(mem, "useHierarchy", f, "is not supported", err)) < 0 ||
		    (r = refuse_nonempty(mem, "checkBeforeUpdate", f, "is not supported", err)) < 0)
			return r;
		/* runc's fs/memory.go: 0..100 (an unsigned in the spec); null is none */
		v = -1;
		if ((r = int_member(mem, "swappiness", f, 0, 100, &rs->swappiness_set, &v, err)) <
		    0)
			return r;
		rs->swappiness = rs->swappiness_set ? (uint8_t) v : 0;
		set |= rs->swappiness_set;
		rs->oom_kill_disable = bool_member(mem, "disableOOMKiller");
		set |= rs->oom_kill_disable;
	}
	if ((r = member(res, "cpu", JSON_OBJECT, "linux.resources", &cpu, err)) < 0)
		return r;
	if (cpu) {
		const char *f = "linux.resources.cpu";
		const char *cpus = json_get_str(cpu, "cpus"), *mems = json_get_str(cpu, "mems");

		v = 0;
		if ((r = int_member(cpu, "shares", f, 0, 262144, &set, &v, err)) < 0)
			return r;
		rs->cpu_shares = (uint64_t) v;
		if ((r = int_member(cpu, "quota", f, -1, INT64_MAX, &set, &rs->cpu_quota, err)) < 0)
			return r;
		v = 0;
		if ((r = int_member(cpu, "period", f, 0, 1000000, &set, &v, err)) < 0)
			return r;
		rs->cpu_period = (uint64_t) v;
		if ((r = refuse_nonempty(cpu, "realtimeRuntime", f,
					 "realtime scheduling limits are not supported", err)) <
			    0 ||
		    (r = refuse_nonempty(cpu, "realtimePeriod", f,
					 "realtime scheduling limits are not supported", err)) <
			    0 ||
		    (r = refuse_nonempty(cpu, "idle", f, "is not supported", err)) < 0 ||
		    (r = refuse_nonempty(cpu, "burst", f, "is not supported", err)) < 0)
			return r;
		if (cpus && *cpus) {
			rs->cpuset_cpus = b->cpuset_cpus = xstrdup(cpus);
			set = true;
		}
		if (mems && *mems) {
			rs->cpuset_mems = b->cpuset_mems = xstrdup(mems);
			set = true;
		}
	}
	if ((r = member(res, "pids", JSON_OBJECT, "linux.resources", &pids, err)) < 0)
		return r;
	if (pids) {
		r = int_member(pids, "limit", "linux.resources.pids", INT64_MIN, INT64_MAX, &set,
			       &rs->pids_limit, err);
		if (r < 0)
			return r;
		if (rs->pids_limit < 0) /* any negative value: unlimited, as runc reads it */
			rs->pids_limit = -1;
	}
	if ((r = member(res, "blockIO", JSON_OBJECT, "linux.resources", &bio, err)) < 0)
		return r;
	if (bio) {
		static const char *const kinds[_RT_THROTTLE_MAX] = {
			"throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
			"throttleWriteIOPSDevice"};
		const char *f = "linux.resources.blockIO";
		size_t total = 0, n = 0;

		v = 0;
		/* 0 is "not set", as runc takes it: dockerd's specs carry "weight": 0 */
		if ((r = int_member(bio, "weight", f, 0, 1000, &set, &v, err)) < 0)
			return r;
		if (v > 0 && v < 10)
			return err_setx(err, EINVAL, "%s.weight: %" PRId64 " is out of range", f,
					v);
		rs->blkio_weight = (uint16_t) v;
		if ((r = refuse_nonempty(bio, "leafWeight", f, "is not supported", err)) < 0 ||
		    (r = refuse_nonempty(bio, "weightDevice", f,
					 "per-device weights are not supported", err)) < 0)
			return r;
		for (int k = 0; k < _RT_THROTTLE_MAX; k++)
			total += json_array_size(json_object_get(bio, kinds[k]));
		b->throttle = xcalloc(total + 1, sizeof(*b->throttle));
		for (int k = 0; k < _RT_THROTTLE_MAX; k++) {
			json_t *arr, *d;
			size_t i;

			if ((r = member(bio, kinds[k], JSON_ARRAY, f, &arr, err)) < 0)
				return r;
			json_array_foreach (arr, i, d) {
				int64_t maj = -1, min = -1, rate = -1;
				_cleanup_free_ char *df = xasprintf("%s.%s[%zu]", f, kinds[k], i);

				if ((r = int_member(d, "major", df, 0, UINT32_MAX, NULL, &maj,
						    err)) < 0 ||
				    (r = int_member(d, "minor", df, 0, UINT32_MAX, NULL, &min,
						    err)) < 0 ||
				    (r = int_member(d, "rate", df, 0, INT64_MAX, NULL, &rate,
						    err)) < 0)
					return r;
				if (maj < 0 || min < 0 || rate < 0)
					return err_setx(err, EINVAL,
							"%s: major, minor and rate are required",
							df);
				b->throttle[n++] =
					(struct rt_throttle){.kind = (enum rt_throttle_kind) k,
							     .major = (unsigned) maj,
							     .minor = (unsigned) min,
							     .rate = (uint64_t) rate};
			}
		}
		rs->throttle = b->throttle;
		rs->n_throttle = n;
		set |= n > 0;
	}
	b->has_resources = set;
	return 0;
}

/* The kernel's limit on the ranges of one id map (UID_GID_MAP_MAX_EXTENTS, Linux >= 4.15). */
#define ID_MAP_MAX 340

/*
 * linux.uidMappings or gidMappings (@key) into *@ret: each range checked as
 * the kernel's map_write() checks it (a size of at least 1, no id range past
 * 4294967294, no overlap inside or outside, at most 340 ranges, one page).
 */
static int parse_id_map(const json_t *l, const char *key, struct rt_id_map **ret, size_t *ret_n,
			struct hull_err **err)
{
	_cleanup_free_ char *field = xasprintf("linux.%s", key);
	json_t *arr, *o;
	size_t i, len = 0;
	int r;

	r = member(l, key, JSON_ARRAY, "linux", &arr, err);
	if (r < 0 || !arr || !json_array_size(arr))
		return r;
	if (json_array_size(arr) > ID_MAP_MAX)
		return err_setx(err, EINVAL, "%s: %zu ranges, more than the kernel's %d", field,
				json_array_size(arr), ID_MAP_MAX);
	*ret = xcalloc(json_array_size(arr), sizeof(**ret));
	json_array_foreach (arr, i, o) {
		_cleanup_free_ char *f = xasprintf("%s[%zu]", field, i);
		struct rt_id_map *m = &(*ret)[i];
		int64_t cid = -1, hid = -1, size = -1;

		if (!json_is_object(o))
			return err_setx(err, EINVAL, "%s: must be an object", f);
		if ((r = int_member(o, "containerID", f, 0, UINT32_MAX, NULL, &cid, err)) < 0 ||
		    (r = int_member(o, "hostID", f, 0, UINT32_MAX, NULL, &hid, err)) < 0 ||
		    (r = int_member(o, "size", f, 0, UINT32_MAX, NULL, &size, err)) < 0)
			return r;
		if (cid < 0 || hid < 0 || size < 0)
			return err_setx(err, EINVAL,
					"%s: containerID, hostID and size are required", f);
		if (size == 0)
			return err_setx(err, EINVAL, "%s.size: must be at least 1", f);
		/* (u32) -1 is no id: the kernel refuses a range that reaches it */
		if (cid + size > UINT32_MAX)
			return err_setx(err, EINVAL,
					"%s: containerID %" PRId64 " + size %" PRId64
					" goes past the last id, 4294967294",
					f, cid, size);
		if (hid + size > UINT32_MAX)
			return err_setx(err, EINVAL,
					"%s: hostID %" PRId64 " + size %" PRId64
					" goes past the last id, 4294967294",
					f, hid, size);
		m->container_id = (uint32_t) cid;
		m->host_id = (uint32_t) hid;
		m->size = (uint32_t) size;
		for (size_t k = 0; k < i; k++) {
			const struct rt_id_map *p = &(*ret)[k];

			if (m->container_id < (uint64_t) p->container_id + p->size &&
			    p->container_id < (uint64_t) m->container_id + m->size)
				return err_setx(err, EINVAL,
						"%s: its containerIDs overlap those of %s[%zu]", f,
						field, k);
			if (m->host_id < (uint64_t) p->host_id + p->size &&
			    p->host_id < (uint64_t) m->host_id + m->size)
				return err_setx(err, EINVAL,
						"%s: its hostIDs overlap those of %s[%zu]", f,
						field, k);
		}
		len += (size_t) snprintf(NULL, 0, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
					 m->container_id, m->host_id, m->size);
		*ret_n = i + 1;
	}
	/* the kernel takes the map in one write of less than a page */
	if (len >= 4096)
		return err_setx(err, EINVAL,
				"%s: the ranges take %zu bytes, more than the kernel reads (4095)",
				field, len);
	return 0;
}

/* Whether @id is in one of the @n ranges of @map (as seen inside the namespace). */
static bool id_mapped(const struct rt_id_map *map, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= map[i].container_id && id - map[i].container_id < map[i].size)
			return true;
	return false;
}

/* linux.uidMappings and gidMappings against linux.namespaces' user entry (runc's rules). */
static int parse_user_ns(const json_t *l, struct rt_bundle *b, struct hull_err **err)
{
	struct rt_config *c = &b->config;
	int r;

	if ((r = parse_id_map(l, "uidMappings", &b->uid_map, &c->n_uid_map, err)) < 0 ||
	    (r = parse_id_map(l, "gidMappings", &b->gid_map, &c->n_gid_map, err)) < 0)
		return r;
	c->uid_map = b->uid_map;
	c->gid_map = b->gid_map;
	if (!(c->new_userns || c->user_ns_path)) {
		if (c->n_uid_map || c->n_gid_map)
			return err_setx(err, EINVAL,
					"linux.%s: id mappings need a user namespace (a \"user\" "
					"entry in linux.namespaces)",
					c->n_uid_map ? "uidMappings" : "gidMappings");
		return 0;
	}
	if (c->user_ns_path) {
		if (c->n_uid_map || c->n_gid_map)
			return err_setx(err, EINVAL,
					"linux.%s: not allowed with a user namespace joined by "
					"path ('%s' has its own mappings)",
					c->n_uid_map ? "uidMappings" : "gidMappings",
					c->user_ns_path);
		return 0;
	}
	if (!c->n_uid_map)
		return err_setx(err, EINVAL,
				"linux.uidMappings: a new user namespace needs uid mappings");
	if (!c->n_gid_map)
		return err_setx(err, EINVAL,
				"linux.gidMappings: a new user namespace needs gid mappings");
	if (!id_mapped(c->uid_map, c->n_uid_map, 0) || !id_mapped(c->gid_map, c->n_gid_map, 0))
		return err_setx(err, EINVAL,
				"linux.%s: containerID 0 must be mapped (the runtime sets the "
				"container up as root of its user namespace)",
				id_mapped(c->uid_map, c->n_uid_map, 0) ? "gidMappings"
								       : "uidMappings");
	if (!id_mapped(c->uid_map, c->n_uid_map, c->uid))
		return err_setx(err, EINVAL,
				"process.user.uid: %u is not mapped by linux.uidMappings",
				(unsigned) c->uid);
	if (!id_mapped(c->gid_map, c->n_gid_map, c->gid))
		return err_setx(err, EINVAL,
				"process.user.gid: %u is not mapped by linux.gidMappings",
				(unsigned) c->gid);
	for (size_t i = 0; i < c->n_additional_gids; i++)
		if (!id_mapped(c->gid_map, c->n_gid_map, c->additional_gids[i]))
			return err_setx(err, EINVAL,
					"process.user.additionalGids[%zu]: %u is not mapped by "
					"linux.gidMappings",
					i, (unsigned) c->additional_gids[i]);
	return 0;
}

static int parse_sysctl(const json_t *o, struct rt_bundle *b, struct hull_err **err)
{
	const char *k;
	json_t *v;

	b->config.sysctls = strv_new();
	json_object_foreach ((json_t *) o, k, v) {
		if (!json_is_string(v))
			return err_setx(err, EINVAL, "linux.sysctl.%s: must be a string", k);
		if (!*k || strchr(k, '/') || strchr(k, '=') || strstr(k, ".."))
			return err_setx(err, EINVAL, "linux.sysctl: bad name \"%s\"", k);
		strv_consume(&b->config.sysctls, xasprintf("%s=%s", k, json_string_value(v)));
	}
	return 0;
}

/* linux.rootfsPropagation (runc's mountPropagationMapping; "rX" adds MS_REC) */
static const struct {
	const char *name;
	unsigned long flags;
} propagations[] = {
	{"private", MS_PRIVATE},
	{"slave", MS_SLAVE},
	{"shared", MS_SHARED},
	{"unbindable", MS_UNBINDABLE},
};

static int parse_linux(const json_t *l, struct rt_bundle *b, struct hull_err **err)
{
	struct rt_config *c = &b->config;
	json_t *ns, *devs, *res, *seccomp, *sysctl, *v;
	const char *prop;
	int r;

	static const char *const unsupported[][2] = {
		{"timeOffsets", "time namespaces are not supported"},
		{"intelRdt", "Intel RDT is not supported"},
		{"personality", "personalities are not supported"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++) {
		r = refuse_nonempty(l, unsupported[i][0], "linux", unsupported[i][1], err);
		if (r < 0)
			return r;
	}
	r = label_member(l, "mountLabel", "linux", b, err);
	if (r < 0)
		return r;
	r = member(l, "namespaces", JSON_ARRAY, "linux", &ns, err);
	if (r == 0)
		r = parse_namespaces(ns, b, err);
	if (r == 0)
		r = parse_user_ns(l, b, err);
	if (r < 0)
		return r;
	r = member(l, "devices", JSON_ARRAY, "linux", &devs, err);
	if (r == 0 && devs)
		r = parse_devices(devs, b, err);
	if (r < 0)
		return r;
	r = member(l, "resources", JSON_OBJECT, "linux", &res, err);
	if (r == 0 && res)
		r = parse_resources(res, b, err);
	if (r < 0)
		return r;
	if (!b->device_rules) /* no rules: runc's defaults alone */
		(void) parse_device_rules(NULL, b, NULL);
	if ((r = member(l, "cgroupsPath", JSON_STRING, "linux", &v, err)) < 0)
		return r;
	if (v && *json_string_value(v))
		b->cgroups_path = xstrdup(json_string_value(v));
	if (b->cgroups_path && (strstr(b->cgroups_path, "..") || strchr(b->cgroups_path, ':')))
		return err_setx(err, EINVAL,
				"linux.cgroupsPath: '%s' is not a cgroupfs path (systemd's "
				"slice:prefix:name form is not supported)",
				b->cgroups_path);
	r = member(l, "seccomp", JSON_OBJECT, "linux", &seccomp, err);
	if (r < 0)
		return r;
	if (seccomp) {
		if ((r = refuse_nonempty(seccomp, "listenerPath", "linux.seccomp",
					 "seccomp listeners are not supported", err)) < 0 ||
		    (r = refuse_nonempty(seccomp, "flags", "linux.seccomp",
					 "seccomp flags are not supported", err)) < 0)
			return r;
		b->seccomp = json_incref(seccomp);
	}
	r = member(l, "sysctl", JSON_OBJECT, "linux", &sysctl, err);
	if (r == 0 && sysctl)
		r = parse_sysctl(sysctl, b, err);
	if (r < 0)
		return r;
	if ((r = strv_member(l, "maskedPaths", "linux", &c->masked_paths, err)) < 0 ||
	    (r = strv_member(l, "readonlyPaths", "linux", &c->readonly_paths, err)) < 0)
		return r;
	STRV_FOREACH (p, c->masked_paths)
		if ((*p)[0] != '/')
			return err_setx(err, EINVAL, "linux.maskedPaths: '%s' is not absolute", *p);
	STRV_FOREACH (p, c->readonly_paths)
		if ((*p)[0] != '/')
			return err_setx(err, EINVAL, "linux.readonlyPaths: '%s' is not absolute",
					*p);
	if ((r = member(l, "rootfsPropagation", JSON_STRING, "linux", &v, err)) < 0)
		return r;
	prop = v ? json_string_value(v) : "";
	for (size_t i = 0; *prop && i < ARRAY_SIZE(propagations); i++) {
		if (streq(prop, propagations[i].name))
			c->root_propagation = propagations[i].flags;
		else if (prop[0] == 'r' && streq(prop + 1, propagations[i].name))
			c->root_propagation = propagations[i].flags | MS_REC;
	}
	if (*prop && !c->root_propagation)
		return err_setx(
			err, EINVAL,
			"linux.rootfsPropagation: unknown propagation '%s' (private, slave, "
			"shared, unbindable, or their r forms)",
			prop);
	return 0;
}

static struct rt_bundle *bundle_new(void)
{
	struct rt_bundle *b = xcalloc(1, sizeof(*b));

	b->config.stdio[0] = b->config.stdio[1] = b->config.stdio[2] = -1;
	b->config.pid_ns = -1;
	b->config.ipc_ns = -1;
	b->config.host_uts = true;
	return b;
}

/* @b->spec is the process object: parse it into @b, or free @b. */
static int process_parse(struct rt_bundle *b, struct rt_bundle **ret, struct hull_err **err)
{
	int r = json_is_object(b->spec) ? parse_process(b->spec, b, err)
					: err_setx(err, EINVAL, "process: must be an object");

	if (r < 0) {
		rt_bundle_free(b);
		return r;
	}
	*ret = b;
	return 0;
}

int rt_bundle_parse_process(const char *bytes, size_t len, struct rt_bundle **ret,
			    struct hull_err **err)
{
	struct rt_bundle *b = bundle_new();
	int r;

	r = json_load_buf(bytes, len, "process.json", &b->spec, err);
	if (r < 0) {
		rt_bundle_free(b);
		return r;
	}
	return process_parse(b, ret, err);
}

void rt_config_take_process(struct rt_config *c, const struct rt_config *process)
{
	c->args = process->args;
	c->env = process->env;
	c->cwd = process->cwd;
	c->uid = process->uid;
	c->gid = process->gid;
	c->additional_gids = process->additional_gids;
	c->n_additional_gids = process->n_additional_gids;
	c->has_umask = process->has_umask;
	c->umask = process->umask;
	c->terminal = process->terminal;
	c->capsets = process->capsets;
	c->no_new_privs = process->no_new_privs;
	c->rlimits = process->rlimits;
	c->n_rlimits = process->n_rlimits;
}

int rt_bundle_from_process(json_t *process, struct rt_bundle **ret, struct hull_err **err)
{
	struct rt_bundle *b = bundle_new();

	b->spec = json_incref(process);
	return process_parse(b, ret, err);
}

int rt_bundle_parse_resources(const char *bytes, size_t len, struct rt_bundle **ret,
			      struct hull_err **err)
{
	struct rt_bundle *b = bundle_new();
	int r;

	r = json_load_buf(bytes, len, "resources", &b->spec, err);
	if (r == 0 && !json_is_object(b->spec))
		r = err_setx(err, EINVAL, "linux.resources: must be an object");
	if (r == 0)
		r = parse_resources(b->spec, b, err);
	if (r < 0) {
		rt_bundle_free(b);
		return r;
	}
	*ret = b;
	return 0;
}

/*
 * jansson reads integers as int64: the spec's uint64 rlimits hold RLIM_INFINITY
 * as 18446744073709551615 (docker's unlimited ulimits), which becomes -1 here,
 * the same bits. Any other number above INT64_MAX is left to fail the parse.
 */
static char *uint64_max_to_minus_one(const char *bytes, size_t len)
{
	static const char max[] = "18446744073709551615";
	char *copy = xstrndup(bytes, len), *p = copy;

	while ((p = strstr(p, max))) {
		size_t n = sizeof(max) - 1;
		bool alone = (p == copy || !isdigit((unsigned char) p[-1])) &&
			     !isdigit((unsigned char) p[n]) && p[n] != '.';

		if (alone) {
			memcpy(p, "-1", 2);
			memset(p + 2, ' ', n - 2);
		}
		p += n;
	}
	return copy;
}

/* @b->spec is the whole config: parse it into @b and return it in *@ret, or free @b. */
static int spec_parse(struct rt_bundle *b, const char *dir, struct rt_bundle **ret,
		      struct hull_err **err)
{
	json_t *spec = b->spec, *process, *root, *mounts, *hooks, *linux_, *ann;
	const char *ver, *path, *hostname;
	int r;

	static const char *const other_os[] = {"windows", "solaris", "vm", "zos"};

	b->dir = xstrdup(dir ? dir : ".");
	if (!json_is_object(spec)) {
		r = err_setx(err, EINVAL, "config.json: must be an object");
		goto fail;
	}
	ver = json_get_str(spec, "ociVersion");
	if (!ver || !startswith(ver, "1.")) {
		r = err_setx(err, EINVAL, "ociVersion: a 1.x version is required, not '%s'",
			     ver ? ver : "");
		goto fail;
	}
	b->oci_version = xstrdup(ver);
	for (size_t i = 0; i < ARRAY_SIZE(other_os); i++)
		if ((r = refuse_nonempty(spec, other_os[i], "",
					 "only Linux containers are supported", err)) < 0)
			goto fail;
	if ((r = refuse_nonempty(spec, "domainname", "", "setting a domain name is not supported",
				 err)) < 0)
		goto fail;

	r = member(spec, "process", JSON_OBJECT, "", &process, err);
	if (r == 0 && !process)
		r = err_setx(err, EINVAL, "process: is required");
	if (r == 0)
		r = parse_process(process, b, err);
	if (r < 0)
		goto fail;

	r = member(spec, "root", JSON_OBJECT, "", &root, err);
	if (r < 0)
		goto fail;
	path = root ? json_get_str(root, "path") : NULL;
	if (!path || !*path) {
		r = err_setx(err, EINVAL, "root.path: is required");
		goto fail;
	}
	b->rootfs = path[0] == '/' ? xstrdup(path) : path_join(b->dir, path);
	b->config.rootfs = b->rootfs;
	b->config.readonly_rootfs = bool_member(root, "readonly");

	if ((r = member(spec, "hostname", JSON_STRING, "", &root, err)) < 0)
		goto fail;
	hostname = json_get_str(spec, "hostname");
	if (hostname && *hostname)
		b->config.hostname = xstrdup(hostname);

	r = member(spec, "linux", JSON_OBJECT, "", &linux_, err);
	if (r == 0)
		r = parse_linux(linux_, b, err);
	if (r < 0)
		goto fail;
	if (b->config.hostname && b->config.host_uts) {
		r = err_setx(err, EINVAL, "hostname: needs a uts namespace");
		goto fail;
	}
	/* after the namespaces: /dev/shm may be set by a mount */
	r = member(spec, "mounts", JSON_ARRAY, "", &mounts, err);
	if (r == 0)
		r = parse_mounts(mounts, b, err);
	if (r < 0)
		goto fail;
	r = member(spec, "hooks", JSON_OBJECT, "", &hooks, err);
	if (r == 0 && hooks)
		r = parse_hooks(hooks, b, err);
	if (r < 0)
		goto fail;
	r = member(spec, "annotations", JSON_OBJECT, "", &ann, err);
	if (r < 0)
		goto fail;
	b->annotations = ann ? json_incref(ann) : json_object();
	*ret = b;
	return 0;
fail:
	rt_bundle_free(b);
	return r;
}

int rt_bundle_parse(const char *bytes, size_t len, const char *dir, struct rt_bundle **ret,
		    struct hull_err **err)
{
	struct rt_bundle *b = bundle_new();
	_cleanup_free_ char *text = uint64_max_to_minus_one(bytes, len);
	int r;

	r = json_load_buf(text, len, "config.json", &b->spec, err);
	if (r < 0) {
		rt_bundle_free(b);
		return r;
	}
	return spec_parse(b, dir, ret, err);
}

int rt_bundle_from_spec(json_t *spec, const char *dir, struct rt_bundle **ret,
			struct hull_err **err)
{
	struct rt_bundle *b = bundle_new();

	b->spec = json_incref(spec);
	return spec_parse(b, dir, ret, err);
}

int rt_bundle_load(const char *dir, struct rt_bundle **ret, struct hull_err **err)
{
	_cleanup_free_ char *path = path_join(dir, "config.json");
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r;

	r = read_file(path, CONFIG_MAX, &data, &len, err);
	if (r < 0)
		return r;
	r = rt_bundle_parse(data, len, dir, ret, err);
	if (r == 0 && (r = rt_bundle_check_host(*ret, err)) < 0)
		*ret = rt_bundle_free(*ret);
	return r;
}

int rt_bundle_check_host(const struct rt_bundle *b, struct hull_err **err)
{
	struct statfs sf;

	/* libselinux's is_selinux_enabled(): selinuxfs mounted where it belongs */
	if (b->selinux_field && statfs("/sys/fs/selinux", &sf) == 0 && sf.f_type == SELINUX_MAGIC)
		return refuse(err, b->selinux_field, "SELinux labels are not supported");
	return 0;
}

struct rt_bundle *rt_bundle_free(struct rt_bundle *b)
{
	if (!b)
		return NULL;
	free(b->dir);
	free(b->oci_version);
	free(b->rootfs);
	strv_free(b->config.args);
	strv_free(b->config.env);
	free(b->config.cwd);
	free(b->config.additional_gids);
	free(b->config.hostname);
	strv_free(b->config.sysctls);
	strv_free(b->config.masked_paths);
	strv_free(b->config.readonly_paths);
	json_decref(b->seccomp);
	json_decref(b->annotations);
	free(b->cgroups_path);
	free(b->device_rules);
	free(b->uid_map);
	free(b->gid_map);
	for (int k = 0; k < _RT_HOOK_MAX; k++) {
		for (size_t i = 0; i < b->n_hooks[k]; i++) {
			free(b->hooks[k][i].path);
			strv_free(b->hooks[k][i].args);
			strv_free(b->hooks[k][i].env);
		}
		free(b->hooks[k]);
	}
	free(b->mounts);
	strv_free(b->mount_strs);
	for (size_t i = 0; i < b->n_lowers; i++)
		strv_free(b->lowers[i]);
	free(b->lowers);
	free(b->devices);
	free(b->rlimits);
	free(b->throttle);
	free(b->cpuset_cpus);
	free(b->cpuset_mems);
	json_decref(b->spec);
	free(b);
	return NULL;
}
