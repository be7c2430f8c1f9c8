/* SPDX-License-Identifier: MIT */
/*
 * Named and anonymous volumes, and the parsing of -v and --mount into a
 * container's Mounts (moby volume/mounts/linux_parser.go, docker/cli
 * opts/mount.go, daemon/volumes.go). See container/volume.h.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "container/files.h"
#include "container/internal.h"
#include "container/volume.h"
#include "util/events.h"
#include "util/fs.h"
#include "util/inroot.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"
#include "util/units.h"

#define ANON_LABEL "com.docker.volume.anonymous"

/* moby volume/local: ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$, the container-name grammar without a "/" */
static bool volume_name_valid(const char *n)
{
	return n[0] != '/' && name_valid(n);
}

static int volume_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *volume_dir(struct store *s, const char *name)
{
	return xasprintf("%s/volumes/%s", s->root, name);
}

int volume_get(struct store *s, const char *name, json_t **ret, struct hull_err **err)
{
	_cleanup_free_ char *dir = NULL, *p = NULL;

	if (!volume_name_valid(name))
		return err_setx(err, ENOENT, "get %s: no such volume", name);
	dir = volume_dir(s, name);
	p = path_join(dir, "volume.json");
	if (json_load_path(p, 1 << 20, ret, NULL) < 0)
		return err_setx(err, ENOENT, "get %s: no such volume", name);
	return 0;
}

/* Whether the comma-separated mount options @o hold the word @w. */
static bool opts_have(const char *o, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = o; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strncmp(p, w, n) == 0 && (p[n] == ',' || !p[n]))
			return true;
	}
	return false;
}

/* "o=bind" or "o=rbind": a bind of "device" (moby's mount(2) gets MS_BIND). */
static bool opts_bind(const char *o)
{
	return opts_have(o, "bind") || opts_have(o, "rbind");
}

/*
 * Check @opts (volume create -o KEY=VALUE) as docker's local driver does
 * (moby volume/local local_unix.go validateOpts), then refuse what hull does
 * not mount: docker hands any "type" to mount(2) when a container starts;
 * hull mounts a tmpfs (type=tmpfs) or binds a host directory (o=bind with
 * an absolute device), and says so at once for anything else.
 */
static int local_opts_check(const char *name, json_t *opts, struct hull_err **err)
{
	static const char *const keys[] = {"type", "o", "device", "size"};
	const char *type = json_get_str(opts, "type"), *dev = json_get_str(opts, "device");
	const char *o = json_get_str(opts, "o"), *size = json_get_str(opts, "size"), *k;
	json_t *v;

	json_object_foreach (opts, k, v) {
		bool known = false;
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			known |= streq(k, keys[i]);
		if (!known)
			return err_setx(err, EINVAL, "create %s: invalid option: \"%s\"", name, k);
	}
	if (size) {
		uint64_t bytes;
		if (units_ram_in_bytes(size, &bytes) < 0)
			return err_setx(err, EINVAL, "create %s: invalid size: '%s'", name, size);
		/* docker's quotas need XFS project quotas under its root; hull has none */
		if (bytes > 0)
			return err_setx(err, EINVAL,
					"create %s: quota size requested but no quota support",
					name);
	}
	/* "o" needs "device" and "type", each of those the other */
	if ((o || type) && !dev)
		return err_setx(err, EINVAL, "create %s: missing required option: \"device\"",
				name);
	if (dev && !type)
		return err_setx(err, EINVAL, "create %s: missing required option: \"type\"", name);
	if (!type)
		return 0;
	if (opts_bind(o)) {
		if (dev[0] != '/')
			return err_setx(err, EINVAL,
					"create %s: bind device \"%s\" must be an absolute path",
					name, dev);
		return 0;
	}
	if (streq(type, "tmpfs"))
		return 0;
	return err_setx(err, EOPNOTSUPP,
			"create %s: volume type \"%s\" is not supported: hull mounts type=tmpfs, "
			"or o=bind of a host directory",
			name, type);
}

/* @o with its keys sorted, as docker's JSON shows a Go map. */
static json_t *sorted_object(json_t *o)
{
	_cleanup_strv_ char **keys = strv_new();
	json_t *out = json_object(), *v;
	const char *k;

	json_object_foreach (o, k, v)
		strv_push(&keys, k);
	qsort(keys, strv_length(keys), sizeof(char *), volume_name_cmp);
	STRV_FOREACH (key, keys)
		json_object_set(out, *key, json_object_get(o, *key));
	return out;
}

int volume_create(struct store *s, const char *name, json_t *labels, json_t *opts, json_t **ret,
		  struct hull_err **err)
{
	_cleanup_free_ char *dir = NULL, *data = NULL, *p = NULL, *now = NULL;
	char id[65];
	json_t *rec;
	int r;

	if (!name) {
		random_hex(id, 32);
		name = id;
	} else if (!volume_name_valid(name)) {
		return err_setx(err, EINVAL,
				"create %s: \"%s\" includes invalid characters for a local volume "
				"name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you "
				"intended to pass a host directory, use absolute path",
				name, name);
	}
	r = local_opts_check(name, opts, err);
	if (r < 0)
		return r;
	if (volume_get(s, name, ret, NULL) == 0)
		return 0;
	dir = volume_dir(s, name);
	data = path_join(dir, "_data");
	r = mkdir_p(data, 0755, err);
	if (r < 0)
		return err_wrap(err, "create volume %s", name);
	(void) chmod(data, 0755);
	now = now_rfc3339();
	rec = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:o}", "CreatedAt", now, "Driver", "local",
			"Mountpoint", data, "Name", name, "Labels",
			labels ? json_deep_copy(labels) : json_object(), "Scope", "local",
			"Options", opts ? sorted_object(opts) : json_object());
	if (name == id)
		json_object_set_new(json_object_get(rec, "Labels"), ANON_LABEL, json_string(""));
	p = path_join(dir, "volume.json");
	r = json_dump_path(rec, p, err);
	if (r < 0) {
		json_decref(rec);
		(void) rm_rf(dir, NULL);
		return err_wrap(err, "create volume %s", name);
	}
	events_emit(s->root, "volume", "create", name, json_pack("{s:s}", "driver", "local"));
	*ret = rec;
	return 0;
}

int volume_list(struct store *s, json_t **ret, struct hull_err **err)
{
	_cleanup_free_ char *p = path_join(s->root, "volumes");
	_cleanup_strv_ char **names = strv_new();
	json_t *arr = json_array();
	struct dirent *de;
	DIR *d = opendir(p);

	if (!d && errno != ENOENT) {
		json_decref(arr);
		return err_set(err, errno, "open '%s'", p);
	}
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			strv_push(&names, de->d_name);
	if (d)
		closedir(d);
	qsort(names, strv_length(names), sizeof(char *), volume_name_cmp);
	STRV_FOREACH (n, names) {
		json_t *v;
		if (volume_get(s, *n, &v, NULL) == 0)
			json_array_append_new(arr, v);
	}
	*ret = arr;
	return 0;
}

/* The containers whose Mounts use volume @name (strv of ids). */
static char **volume_users(struct store *s, const char *name)
{
	struct container **l = NULL;
	char **ids = strv_new();

	if (container_list(s, &l, NULL) < 0)
		return ids;
	for (size_t i = 0; l[i]; i++) {
		size_t k;
		json_t *m;
		json_array_foreach (json_object_get(l[i]->rec, "Mounts"), k, m)
			if (streq(json_get_str(m, "Type"), "volume") &&
			    streq(json_get_str(m, "Name"), name))
				strv_push(&ids, l[i]->id);
	}
	container_list_free(l);
	return ids;
}

int volume_remove(struct store *s, const char *name, bool force, struct hull_err **err)
{
	_cleanup_strv_ char **users = NULL;
	_cleanup_free_ char *dir = NULL;
	json_t *v = NULL;
	int r;

	r = volume_get(s, name, &v, err);
	if (r < 0)
		return force ? (err_free(*err), *err = NULL, 0) : r;
	json_decref(v);
	users = volume_users(s, name);
	if (users[0] && !force)
		return err_setx(err, EBUSY, "remove %s: volume is in use - [%s]", name, users[0]);
	dir = volume_dir(s, name);
	r = rm_rf(dir, err);
	if (r == 0)
		events_emit(s->root, "volume", "destroy", name,
			    json_pack("{s:s}", "driver", "local"));
	return r;
}

int volume_prune(struct store *s, bool all, const struct prune_filter *f, char ***ret_names,
		 int64_t *ret_bytes, struct hull_err **err)
{
	json_t *arr = NULL, *v;
	size_t i;
	int r;

	*ret_names = strv_new();
	*ret_bytes = 0;
	r = volume_list(s, &arr, err);
	if (r < 0)
		return r;
	json_array_foreach (arr, i, v) {
		const char *name = json_get_str(v, "Name");
		_cleanup_strv_ char **users = NULL;
		if (!all && !json_object_get(json_object_get(v, "Labels"), ANON_LABEL))
			continue;
		if (!prune_filter_match(f, json_object_get(v, "Labels"), 0))
			continue;
		users = volume_users(s, name);
		if (users[0])
			continue;
		{
			int64_t sz = dir_size(json_get_str(v, "Mountpoint"));
			if (volume_remove(s, name, false, NULL) == 0) {
				*ret_bytes += sz > 0 ? sz : 0;
				strv_push(ret_names, name);
			}
		}
	}
	json_decref(arr);
	return 0;
}

/* ---- -v and --mount ---- */

void mount_spec_release(struct mount_spec *m)
{
	free(m->type);
	free(m->source);
	free(m->target);
	free(m->propagation);
	free(m->mode);
	free(m->tmpfs_opts);
	if (m->labels)
		json_decref(m->labels);
	if (m->volume_opts)
		json_decref(m->volume_opts);
}

static bool is_propagation(const char *w)
{
	static const char *const p[] = {"private", "rprivate", "slave",
					"rslave",  "shared",   "rshared"};
	for (size_t i = 0; i < ARRAY_SIZE(p); i++)
		if (streq(w, p[i]))
			return true;
	return false;
}

static int check_target(const char *type, const char *t, struct hull_err **err)
{
	if (isempty(t))
		return err_setx(
			err, EINVAL,
			"invalid mount config for type \"%s\": field Target must not be empty",
			type);
	if (t[0] != '/')
		return err_setx(
			err, EINVAL,
			"invalid mount config for type \"%s\": invalid mount path: '%s' mount "
			"path must be absolute",
			type, t);
	{
		_cleanup_free_ char *c = NULL;
		(void) inroot_clean(t, false, &c);
		if (!*c)
			return err_setx(err, EINVAL,
					"invalid specification: destination can't be '/'");
	}
	return 0;
}

/* -v [SRC:]DST[:MODE] (moby linux_parser ParseMountRaw) */
int mount_spec_parse_volume(const char *spec, struct mount_spec *m, struct hull_err **err)
{
	_cleanup_strv_ char **parts = strv_new();
	_cleanup_free_ char *copy = xstrdup(spec);
	char *save = NULL;
	size_t n;

	/* first: the caller releases *m whether or not the value parses */
	*m = (struct mount_spec){0};
	for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save))
		strv_push(&parts, p);
	n = strv_length(parts);
	/* an empty field anywhere, the first included (linuxSplitRawSpec: arr[0] == "") */
	if (n == 0 || n > 3 || spec[0] == ':' || spec[strlen(spec) - 1] == ':' ||
	    strstr(spec, "::"))
		return err_setx(err, EINVAL, "invalid volume specification: '%s'", spec);
	m->propagation = xstrdup("");
	m->mode = xstrdup(n == 3 ? parts[2] : "");
	if (n == 1) {
		m->type = xstrdup("volume");
		m->target = xstrdup(parts[0]);
	} else {
		m->target = xstrdup(parts[1]);
		if (parts[0][0] == '/' || parts[0][0] == '.') {
			char abs[PATH_MAX];
			m->type = xstrdup("bind");
			if (parts[0][0] == '.') {
				if (!getcwd(abs, sizeof(abs)))
					return err_set(err, errno, "getcwd");
				m->source = xasprintf("%s/%s", abs, parts[0]);
			} else {
				m->source = xstrdup(parts[0]);
			}
			m->from_bind_flag = true;
		} else {
			m->type = xstrdup("volume");
			m->source = xstrdup(parts[0]);
		}
	}
	if (n == 3) {
		_cleanup_free_ char *modes = xstrdup(parts[2]);
		char *s2 = NULL;
		int rw = 0;
		for (char *w = strtok_r(modes, ",", &s2); w; w = strtok_r(NULL, ",", &s2)) {
			if (streq(w, "ro") || streq(w, "rw")) {
				if (rw++)
					return err_setx(err, EINVAL, "invalid mode: %s", parts[2]);
				m->readonly = streq(w, "ro");
			} else if (streq(w, "z") || streq(w, "Z")) {
				/* SELinux relabelling: nothing to do without SELinux */
			} else if (is_propagation(w) && streq(m->type, "bind")) {
				free(m->propagation);
				m->propagation = xstrdup(w);
			} else if (streq(w, "nocopy") && streq(m->type, "volume")) {
				m->nocopy = true;
			} else {
				return err_setx(err, EINVAL, "invalid mode: %s", parts[2]);
			}
		}
	}
	if (streq(m->type, "bind") && !*m->propagation) {
		free(m->propagation);
		m->propagation = xstrdup("rprivate");
	}
	return check_target(m->type, m->target, err);
}

static int parse_bool(const char *v, bool *ret)
{
	if (!v || streq(v, "1") || strcasecmp(v, "true") == 0) {
		*ret = true;
		return 0;
	}
	if (streq(v, "0") || strcasecmp(v, "false") == 0) {
		*ret = false;
		return 0;
	}
	return -EINVAL;
}

/* --mount type=...,src=...,dst=...,readonly,... (docker/cli opts/mount.go) */
int mount_spec_parse_mount(const char *spec, struct mount_spec *m, struct hull_err **err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	bool bind_opts = false, volume_opts = false, tmpfs_opts = false;
	char *save = NULL;

	*m = (struct mount_spec){0};
	m->type = xstrdup("volume");
	m->propagation = xstrdup("");
	m->mode = xstrdup("");
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		const char *k = kv;
		if (v)
			*v++ = '\0';
		if (!v && !streq(k, "readonly") && !streq(k, "ro") && !streq(k, "volume-nocopy"))
			return err_setx(
				err, EINVAL,
				"invalid argument \"%s\" for \"--mount\" flag: invalid field "
				"'%s' must be a key=value pair",
				spec, k);
		if (streq(k, "type")) {
			if (!streq(v, "bind") && !streq(v, "volume") && !streq(v, "tmpfs"))
				return err_setx(err, EINVAL,
						"invalid argument \"%s\" for \"--mount\" flag: "
						"mount type '%s' is not supported",
						spec, v);
			free(m->type);
			m->type = xstrdup(v);
		} else if (streq(k, "source") || streq(k, "src")) {
			free(m->source);
			m->source = xstrdup(v);
		} else if (streq(k, "target") || streq(k, "destination") || streq(k, "dst")) {
			free(m->target);
			m->target = xstrdup(v);
		} else if (streq(k, "readonly") || streq(k, "ro")) {
			if (parse_bool(v, &m->readonly) < 0)
				goto bad_value;
		} else if (streq(k, "volume-nocopy")) {
			volume_opts = true;
			if (parse_bool(v, &m->nocopy) < 0)
				goto bad_value;
		} else if (streq(k, "bind-propagation")) {
			bind_opts = true;
			if (!is_propagation(v))
				goto bad_value;
			free(m->propagation);
			m->propagation = xstrdup(v);
		} else if (streq(k, "volume-label")) {
			char *eq = strchr(v, '=');
			volume_opts = true;
			if (!m->labels)
				m->labels = json_object();
			if (eq)
				*eq++ = '\0';
			json_object_set_new(m->labels, v, json_string(eq ? eq : ""));
		} else if (streq(k, "volume-opt")) {
			char *eq = strchr(v, '=');
			volume_opts = true;
			if (!m->volume_opts)
				m->volume_opts = json_object();
			if (eq)
				*eq++ = '\0';
			json_object_set_new(m->volume_opts, v, json_string(eq ? eq : ""));
		} else if (streq(k, "volume-driver")) {
			volume_opts = true;
			if (!streq(v, "local"))
				return err_setx(err, EINVAL, "plugin \"%s\" not found", v);
		} else if (streq(k, "tmpfs-size") || streq(k, "tmpfs-mode")) {
			_cleanup_free_ char *o = xasprintf("%s%s%s=%s", m->tmpfs_opts ?: "",
							   m->tmpfs_opts ? "," : "", k + 6, v);
			tmpfs_opts = true;
			if (!*v || strchr(v, ','))
				goto bad_value;
			free(m->tmpfs_opts);
			m->tmpfs_opts = TAKE_PTR(o);
		} else if (streq(k, "consistency")) {
			/* macOS only */
		} else {
			return err_setx(
				err, EINVAL,
				"invalid argument \"%s\" for \"--mount\" flag: unexpected key "
				"'%s' in '%s=%s'",
				spec, k, k, v ? v : "");
		}
		continue;
	bad_value:
		return err_setx(
			err, EINVAL,
			"invalid argument \"%s\" for \"--mount\" flag: invalid value for %s: %s",
			spec, k, v ? v : "");
	}
	/* the options of one type with another, in docker/cli opts/mount.go's order */
	{
		const char *mixed = volume_opts && !streq(m->type, "volume") ? "volume"
				    : bind_opts && !streq(m->type, "bind")   ? "bind"
				    : tmpfs_opts && !streq(m->type, "tmpfs") ? "tmpfs"
									     : NULL;
		if (mixed)
			return err_setx(err, EINVAL,
					"invalid argument \"%s\" for \"--mount\" flag: cannot mix "
					"'%s-*' options with mount type '%s'",
					spec, mixed, m->type);
	}
	if (streq(m->type, "bind")) {
		struct stat st;
		if (isempty(m->source))
			return err_setx(
				err, EINVAL,
				"invalid mount config for type \"bind\": field Source must not "
				"be empty");
		if (m->source[0] != '/')
			return err_setx(
				err, EINVAL,
				"invalid mount config for type \"bind\": invalid mount path: "
				"'%s' mount path must be absolute",
				m->source);
		if (stat(m->source, &st) < 0)
			return err_setx(
				err, ENOENT,
				"invalid mount config for type \"bind\": bind source path does "
				"not exist: %s",
				m->source);
		if (!*m->propagation) {
			free(m->propagation);
			m->propagation = xstrdup("rprivate");
		}
	} else if (streq(m->type, "tmpfs") && m->source) {
		return err_setx(err, EINVAL,
				"invalid mount config for type \"tmpfs\": field Source must not be "
				"specified");
	}
	return check_target(m->type, m->target, err);
}

static json_t *hull_mount(const char *type, const char *source, const char *target,
			  const char *options, bool copy)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:b}", "type", type, "source", source ? source : "",
			 "target", target, "options", options, "copy", copy);
}

static bool have_target(json_t *mounts, const char *target)
{
	_cleanup_free_ char *want = NULL;
	size_t i;
	json_t *m;

	(void) inroot_clean(target, false, &want);
	json_array_foreach (mounts, i, m) {
		_cleanup_free_ char *t = NULL;
		(void) inroot_clean(json_get_str(m, "Destination"), false, &t);
		if (streq(t, want))
			return true;
	}
	return false;
}

/*
 * The runtime mount of volume @v for @m. A plain volume is its _data
 * directory bound; one made with -o is what docker's local driver would
 * mount on _data when a container uses it (moby volume/local mount()), put
 * straight at the target instead: a new tmpfs with the "o" options (empty
 * at each start: docker's copy of the image's content into it happens at
 * create time, into a tmpfs unmounted again), or a bind of the host
 * directory "device" ("bind": not recursive, "rbind": recursive). Nothing is
 * ever mounted on _data, so `volume rm` has only hull's own files to delete.
 */
static json_t *volume_hull_mount(json_t *v, const struct mount_spec *m)
{
	json_t *opts = json_object_get(v, "Options"), *hm;
	const char *type = json_get_str(opts, "type"), *o = json_get_str(opts, "o");
	bool ro = m->readonly || opts_have(o, "ro");
	_cleanup_free_ char *ropts = NULL;

	if (!type) {
		ropts = xasprintf("rbind,%s,rprivate", ro ? "ro" : "rw");
		hm = hull_mount("bind", json_get_str(v, "Mountpoint"), m->target, ropts,
				!m->nocopy);
	} else if (opts_bind(o)) {
		/* the flags mount(2) takes with MS_BIND; the rest is data it ignores */
		static const char *const keep[] = {"nosuid", "suid",   "nodev",	  "dev",
						   "noexec", "exec",   "private", "rprivate",
						   "slave",  "rslave", "shared",  "rshared"};
		_cleanup_free_ char *flags = xstrdup(opts_have(o, "rbind") ? "rbind" : "bind");
		for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
			if (opts_have(o, keep[i])) {
				char *f = xasprintf("%s,%s", flags, keep[i]);
				free(flags);
				flags = f;
			}
		ropts = xasprintf("%s,%s", flags, ro ? "ro" : "rw");
		hm = hull_mount("bind", json_get_str(opts, "device"), m->target, ropts, !m->nocopy);
	} else {
		ropts = xasprintf("%s%s%s", o ? o : "", isempty(o) ? "" : ",", ro ? "ro" : "rw");
		hm = hull_mount("tmpfs", NULL, m->target, ropts, false);
	}
	json_object_set_new(hm, "volume", json_string(json_get_str(v, "Name")));
	return hm;
}

/* Record one parsed mount; creates its volume. */
static int add_one(struct store *s, struct container *c, struct mount_spec *m, json_t *mounts,
		   json_t *hmounts, struct hull_err **err)
{
	_cleanup_free_ char *opts = NULL;
	json_t *v = NULL;
	int r;

	if (have_target(mounts, m->target))
		return err_setx(err, EINVAL, "Duplicate mount point: %s", m->target);
	if (streq(m->type, "bind")) {
		struct stat st;
		if (stat(m->source, &st) < 0) {
			/* -v creates a missing host directory (docker's legacy behaviour) */
			if (!m->from_bind_flag || errno != ENOENT)
				return err_set(err, errno, "bind source path '%s'", m->source);
			r = mkdir_p(m->source, 0755, err);
			if (r < 0)
				return r;
		}
		opts = xasprintf("rbind,%s,%s", m->readonly ? "ro" : "rw", m->propagation);
		json_array_append_new(
			mounts, json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "bind", "Source",
					  m->source, "Destination", m->target, "Mode", m->mode,
					  "RW", !m->readonly, "Propagation", m->propagation));
		json_array_append_new(hmounts,
				      hull_mount("bind", m->source, m->target, opts, false));
		return 0;
	}
	if (streq(m->type, "tmpfs")) {
		opts = xasprintf("nosuid,nodev,noexec,%s%s%s", m->readonly ? "ro" : "rw",
				 m->tmpfs_opts ? "," : "", m->tmpfs_opts ?: "");
		json_array_append_new(mounts,
				      json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "tmpfs",
						"Source", "", "Destination", m->target, "Mode", "",
						"RW", !m->readonly, "Propagation", ""));
		json_array_append_new(hmounts, hull_mount("tmpfs", NULL, m->target, opts, false));
		return 0;
	}
	r = volume_create(s, m->source, m->labels, m->volume_opts, &v, err);
	if (r < 0)
		return r;
	json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "Type",
						"volume", "Name", json_get_str(v, "Name"), "Source",
						json_get_str(v, "Mountpoint"), "Destination",
						m->target, "Driver", "local", "Mode", m->mode, "RW",
						!m->readonly, "Propagation", ""));
	json_array_append_new(hmounts, volume_hull_mount(v, m));
	json_decref(v);
	(void) c;
	return 0;
}

static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	if (!d)
		return false;
	while (empty && (de = readdir(d)))
		empty = streq(de->d_name, ".") || streq(de->d_name, "..");
	closedir(d);
	return empty;
}

/*
 * --volumes-from CONTAINER[:MODE] (moby linux_parser ParseVolumesFrom): MODE
 * is "rw" or "ro", with at most one of "z" and "Z"; propagation and "nocopy"
 * are refused. New *@ret_name; *@ret_ro: "ro" was given.
 */
static int parse_volumes_from(const char *spec, char **ret_name, bool *ret_ro,
			      struct hull_err **err)
{
	const char *colon = strchr(spec, ':');
	const char *mode = colon ? colon + 1 : "";
	int rw = 0, label = 0;
	bool ro = false;

	if (!*spec)
		return err_setx(err, EINVAL,
				"volumes-from specification cannot be an empty string");
	for (const char *w = mode; *mode;) {
		size_t n = strcspn(w, ",");
		if ((n == 2 && (startswith(w, "rw") || startswith(w, "ro"))) && !rw++)
			ro = startswith(w, "ro");
		else if (!(n == 1 && (*w == 'z' || *w == 'Z') && !label++))
			return err_setx(err, EINVAL, "invalid mode: %s", mode);
		if (!w[n])
			break;
		w += n + 1;
	}
	*ret_name = colon ? xstrndup(spec, (size_t) (colon - spec)) : xstrdup(spec);
	*ret_ro = ro;
	return 0;
}

/* The runtime options @opts (a Hull.Mounts "options") with its "rw" or "ro" made @ro's. */
static char *options_rw(const char *opts, bool ro)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ char *copy = xstrdup(opts);
	char *save = NULL;

	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		(void) strbuf_addf(&sb, "%s%s", sb.len ? "," : "",
				   streq(w, "rw") || streq(w, "ro") ? (ro ? "ro" : "rw") : w);
	return strbuf_detach(&sb, NULL);
}

/*
 * Every mount of the container @spec names, at the same target, unless
 * @mounts has that target already (moby registerMountPoints: volumes-from
 * first, then -v and --mount replace theirs). Read-write only where the
 * source's is and MODE is not "ro"; this container's image never fills them
 * (CopyData false). The volumes stay the source's: this container is one
 * more user of them (volume_users()).
 */
static int add_volumes_from(struct store *s, const char *spec, json_t *mounts, json_t *hmounts,
			    struct hull_err **err)
{
	_cleanup_free_ char *name = NULL;
	struct container *src = NULL;
	json_t *hsrc, *m;
	bool ro = false, never_started;
	size_t i;
	int r;

	r = parse_volumes_from(spec, &name, &ro, err);
	if (r == 0)
		r = container_load(s, name, &src, err);
	if (r < 0)
		return r;
	hsrc = json_object_get(json_object_get(src->rec, "Hull"), "Mounts");
	never_started = src->state.started_at == 0;
	json_array_foreach (json_object_get(src->rec, "Mounts"), i, m) {
		const char *dst = json_get_str(m, "Destination");
		bool rw = json_is_true(json_object_get(m, "RW")) && !ro;
		_cleanup_free_ char *opts = NULL;
		json_t *hm = NULL, *h, *cp;
		size_t k;

		json_array_foreach (hsrc, k, h)
			if (dst && streq(json_get_str(h, "target") ?: "", dst))
				hm = h;
		if (!hm || have_target(mounts, dst))
			continue;
		/* docker fills a new volume from the image at create, hull at the first start:
		 * a source never started gets what docker's create would have given it */
		if (never_started && json_is_true(json_object_get(hm, "copy")) &&
		    dir_empty(json_get_str(hm, "source"))) {
			r = container_copy_out(s, src, dst, json_get_str(hm, "source"), err);
			if (r < 0)
				break;
		}
		cp = json_deep_copy(m);
		json_object_set_new(cp, "Mode", json_string(""));
		json_object_set_new(cp, "RW", json_boolean(rw));
		json_array_append_new(mounts, cp);
		cp = json_deep_copy(hm);
		opts = options_rw(json_get_str(hm, "options") ?: "", !rw);
		json_object_set_new(cp, "options", json_string(opts));
		json_object_set_new(cp, "copy", json_false());
		json_array_append_new(hmounts, cp);
	}
	container_free(src);
	return r;
}

int container_mounts_add(struct store *s, struct container *c, const struct image *img,
			 char *const *volumes, char *const *mounts, char *const *volumes_from,
			 struct hull_err **err)
{
	json_t *arr = json_array(), *harr = json_array(), *binds = json_array(),
	       *hcm = json_array();
	json_t *ivol = json_object_get(json_object_get(img->config, "config"), "Volumes");
	const char *k;
	json_t *unused;
	int r = 0;

	for (size_t i = 0; r == 0 && volumes && volumes[i]; i++) {
		struct mount_spec m;
		r = mount_spec_parse_volume(volumes[i], &m, err);
		if (r == 0)
			r = add_one(s, c, &m, arr, harr, err);
		mount_spec_release(&m);
		if (r == 0 && strchr(volumes[i], ':'))
			json_array_append_new(binds, json_string(volumes[i]));
	}
	for (size_t i = 0; r == 0 && mounts && mounts[i]; i++) {
		struct mount_spec m;
		r = mount_spec_parse_mount(mounts[i], &m, err);
		if (r == 0) {
			json_t *hm = json_pack("{s:s,s:s,s:s}", "Type", m.type, "Source",
					       m.source ? m.source : "", "Target", m.target);
			if (m.readonly)
				json_object_set_new(hm, "ReadOnly", json_true());
			json_array_append_new(hcm, hm);
			r = add_one(s, c, &m, arr, harr, err);
		}
		mount_spec_release(&m);
	}
	/* the last --volumes-from naming a target wins it */
	for (size_t i = strv_length(volumes_from); r == 0 && i > 0; i--)
		r = add_volumes_from(s, volumes_from[i - 1], arr, harr, err);
	/* the image's VOLUMEs not mounted otherwise become anonymous volumes */
	json_object_foreach (ivol, k, unused) {
		struct mount_spec m = {0};
		if (r < 0 || have_target(arr, k))
			continue;
		m.type = xstrdup("volume");
		m.target = xstrdup(k);
		m.propagation = xstrdup("");
		m.mode = xstrdup("");
		r = add_one(s, c, &m, arr, harr, err);
		mount_spec_release(&m);
	}
	if (r < 0) {
		json_decref(arr);
		json_decref(harr);
		json_decref(binds);
		json_decref(hcm);
		return r;
	}
	json_object_set_new(c->rec, "Mounts", arr);
	json_object_set_new(json_object_get(c->rec, "HostConfig"), "Binds",
			    json_array_size(binds) ? binds : json_null());
	if (!json_array_size(binds))
		json_decref(binds);
	if (json_array_size(hcm))
		json_object_set_new(json_object_get(c->rec, "HostConfig"), "Mounts", hcm);
	else
		json_decref(hcm);
	json_object_set_new(json_object_get(c->rec, "Hull"), "Mounts", harr);
	return 0;
}

static size_t depth(const char *p)
{
	size_t n = 0;
	for (; *p; p++)
		n += *p == '/' && p[1] && p[1] != '/';
	return n;
}

static int mount_cmp(const void *a, const void *b)
{
	const struct rt_mount *x = a, *y = b;
	size_t dx = depth(x->target), dy = depth(y->target);
	return dx < dy ? -1 : dx > dy ? 1 : 0;
}

void rt_mounts_free(struct rt_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *) m[i].type);
		free((char *) m[i].source);
		free((char *) m[i].target);
		free((char *) m[i].options);
	}
	free(m);
}

/*
 * A bind volume's host directory must exist when a container starts: docker
 * fails there too, in its words (its mount(2) on _data gets ENOENT).
 */
static int volume_device_check(struct store *s, json_t *hm, struct hull_err **err)
{
	const char *name = json_get_str(hm, "volume"), *dev = json_get_str(hm, "source");
	_cleanup_free_ char *dir = NULL, *data = NULL;
	struct stat st;
	int e;

	if (!name || !streq(json_get_str(hm, "type"), "bind") || stat(dev, &st) == 0)
		return 0;
	e = errno;
	dir = volume_dir(s, name);
	data = path_join(dir, "_data");
	if (streq(dev, data))
		return 0; /* a plain volume: its directory is checked where it is bound */
	return err_setx(err, e,
			"error while mounting volume '%s': failed to mount local volume: mount "
			"%s:%s, flags: %#x: %s",
			data, dev, data,
			opts_have(json_get_str(hm, "options"), "rbind") ? MS_BIND | MS_REC
									: MS_BIND,
			e == ENOENT ? "no such file or directory" : strerror(e));
}

int container_rt_mounts(struct store *s, struct container *c, struct rt_mount **ret, size_t *ret_n,
			struct hull_err **err)
{
	json_t *harr = json_object_get(json_object_get(c->rec, "Hull"), "Mounts");
	struct rt_mount *l;
	size_t n = json_array_size(harr), i;
	json_t *m;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!n)
		return 0;
	l = xcalloc(n, sizeof(*l));
	json_array_foreach (harr, i, m) {
		const char *src = json_get_str(m, "source");
		l[i].type = xstrdup(json_get_str(m, "type"));
		l[i].source = xstrdup(src ? src : "");
		l[i].target = xstrdup(json_get_str(m, "target"));
		l[i].options = xstrdup(json_get_str(m, "options"));
		r = volume_device_check(s, m, err);
		if (r < 0) {
			rt_mounts_free(l, n);
			return r;
		}
		/* a new, empty volume gets what the image has at its mount point */
		if (json_is_true(json_object_get(m, "copy")) && dir_empty(src)) {
			r = container_copy_out(s, c, l[i].target, src, err);
			if (r < 0) {
				rt_mounts_free(l, n);
				return r;
			}
		}
	}
	qsort(l, n, sizeof(*l), mount_cmp);
	*ret = l;
	*ret_n = n;
	return 0;
}

void container_volumes_remove(struct store *s, struct container *c)
{
	size_t i;
	json_t *m;

	json_array_foreach (json_object_get(c->rec, "Mounts"), i, m) {
		json_t *v = NULL;
		const char *name = json_get_str(m, "Name");
		if (!streq(json_get_str(m, "Type"), "volume") || !name)
			continue;
		if (volume_get(s, name, &v, NULL) < 0)
			continue;
		if (json_object_get(json_object_get(v, "Labels"), ANON_LABEL))
			(void) volume_remove(s, name, false, NULL);
		json_decref(v);
	}
}

bool volume_in_use(struct store *s, const char *name)
{
	_cleanup_strv_ char **users = volume_users(s, name);

	return users && users[0];
}
