/* SPDX-License-Identifier: MIT */
/* RUN --mount, --secret and --ssh values (see build/runmount.h). */
#include <ctype.h>
#include "build/runmount.h"
#include "util/strbuf.h"
#include "util/strv.h"
#include "util/units.h"

static const char *const type_names[_BUILD_MOUNT_TYPE_MAX] = {
	[BUILD_MOUNT_BIND] = "bind",   [BUILD_MOUNT_CACHE] = "cache",
	[BUILD_MOUNT_TMPFS] = "tmpfs", [BUILD_MOUNT_SECRET] = "secret",
	[BUILD_MOUNT_SSH] = "ssh",
};

static const char *const sharing_names[_BUILD_SHARING_MAX] = {
	[BUILD_SHARING_SHARED] = "shared",
	[BUILD_SHARING_PRIVATE] = "private",
	[BUILD_SHARING_LOCKED] = "locked",
};

const char *build_mount_type_to_string(enum build_mount_type t)
{
	return t >= 0 && t < _BUILD_MOUNT_TYPE_MAX ? type_names[t] : NULL;
}

static int lookup(const char *const *names, int n, const char *v)
{
	for (int i = 0; i < n; i++)
		if (strcasecmp(names[i], v) == 0)
			return i;
	return -EINVAL;
}

/*
 * One line of CSV as Go's encoding/csv reads it (no lazy quotes, leading
 * spaces kept): a field that starts with '"' is quoted, '""' in it is a
 * quote; a quote anywhere else is an error.
 */
static int csv_fields(const char *s, char ***ret, struct hull_err **err)
{
	_cleanup_strv_ char **fields = strv_new();
	_cleanup_strbuf_ struct strbuf f = STRBUF_INIT;

	if (!*s)
		return err_setx(err, EINVAL, "empty mount: give at least a target");
	for (;;) {
		strbuf_reset(&f);
		if (*s == '"') {
			for (s++;; s++) {
				if (!*s)
					return err_setx(err, EINVAL,
							"unterminated quote in a mount value");
				if (*s == '"') {
					if (s[1] == '"') {
						(void) strbuf_addch(&f, '"');
						s++;
						continue;
					}
					s++;
					break;
				}
				(void) strbuf_addch(&f, *s);
			}
			if (*s && *s != ',')
				return err_setx(err, EINVAL,
						"text after a closing quote in a mount value");
		} else {
			for (; *s && *s != ','; s++) {
				if (*s == '"')
					return err_setx(err, EINVAL,
							"a quote inside an unquoted mount field: "
							"quote the whole field");
				(void) strbuf_addch(&f, *s);
			}
		}
		strv_push(&fields, strbuf_cstr(&f));
		if (!*s)
			break;
		s++; /* the comma */
	}
	*ret = TAKE_PTR(fields);
	return 0;
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *v, bool *ret)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (streq(v, yes[i])) {
			*ret = true;
			return 0;
		}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (streq(v, no[i])) {
			*ret = false;
			return 0;
		}
	return -EINVAL;
}

/* Go's strconv.ParseUint(v, base, 32). */
static int parse_u32(const char *v, int base, int64_t *ret)
{
	uint64_t n = 0;

	if (!*v)
		return -EINVAL;
	for (const char *p = v; *p; p++) {
		int d = *p - '0';
		if (d < 0 || d >= base)
			return -EINVAL;
		n = n * (uint64_t) base + (uint64_t) d;
		if (n > UINT32_MAX)
			return -ERANGE;
	}
	*ret = (int64_t) n;
	return 0;
}

static bool names_variable(const char *v)
{
	const char *d = strchr(v, '$');
	return d && d[1];
}

void build_mount_release(struct build_mount *m)
{
	if (!m)
		return;
	free(m->target);
	free(m->source);
	free(m->from);
	free(m->id);
	free(m->env);
	*m = (struct build_mount){0};
}

static void set_str(char **p, const char *v)
{
	free(*p);
	*p = xstrdup(v);
}

/* Checks across the fields, once all are read (BuildKit's, in its order). */
static int check_mount(struct build_mount *m, bool ro_given, bool type_known, struct hull_err **err)
{
	const char *t = type_names[m->type];

	if (type_known && m->type != BUILD_MOUNT_SECRET && m->type != BUILD_MOUNT_SSH &&
	    m->type != BUILD_MOUNT_CACHE) {
		const char *bad = m->mode >= 0	? "mode"
				  : m->uid >= 0 ? "uid"
				  : m->gid >= 0 ? "gid"
						: NULL;
		if (bad)
			return err_setx(err, EINVAL,
					"mount option %s is for cache, secret and ssh mounts, not "
					"%s",
					bad, t);
	}
	if (!ro_given)
		m->readonly = m->type != BUILD_MOUNT_CACHE && m->type != BUILD_MOUNT_TMPFS;
	if (!type_known)
		return 0;
	if (m->type == BUILD_MOUNT_SECRET) {
		if (m->from)
			return err_setx(err, EINVAL, "a secret mount takes no from");
		if (m->sharing_set)
			return err_setx(err, EINVAL, "a secret mount takes no sharing");
		if (!m->source && !m->target && !m->id && !m->deferred)
			return err_setx(err, EINVAL, "a secret mount needs an id or a target");
		if (m->source && m->id)
			return err_setx(err, EINVAL,
					"a secret mount takes an id or a source, not both");
	}
	if (m->sharing_set && m->type != BUILD_MOUNT_CACHE)
		return err_setx(err, EINVAL, "mount option sharing is for cache mounts, not %s", t);
	if (m->type == BUILD_MOUNT_SSH && m->source)
		return err_setx(err, EINVAL, "an ssh mount takes no source");
	/* BuildKit serves a proxy socket with these; hull binds the agent's own
	 * socket, whose owner and mode it cannot change: refused, not ignored */
	if (m->type == BUILD_MOUNT_SSH && (m->mode >= 0 || m->uid >= 0 || m->gid >= 0))
		return err_setx(err, EINVAL,
				"mount option %s of an ssh mount is not supported: the agent's "
				"socket is bound as it is",
				m->mode >= 0  ? "mode"
				: m->uid >= 0 ? "uid"
					      : "gid");
	return 0;
}

int build_mount_parse(const char *spec, build_expand_fn expand, void *arg, struct build_mount *ret,
		      struct hull_err **err)
{
	_cleanup_strv_ char **fields = NULL;
	struct build_mount m = {.type = BUILD_MOUNT_BIND, .mode = -1, .uid = -1, .gid = -1};
	bool ro_given = false, type_known = true;
	int r;

	r = csv_fields(spec, &fields, err);
	if (r < 0)
		return r;
	STRV_FOREACH (f, fields) {
		_cleanup_free_ char *key = NULL, *value = NULL;
		const char *eq = strchr(*f, '=');
		const char *t = type_names[m.type];

		key = eq ? xstrndup(*f, (size_t) (eq - *f)) : xstrdup(*f);
		for (char *p = key; *p; p++)
			*p = (char) tolower((unsigned char) *p);
		if (!eq) {
			if (streq(key, "ro") || streq(key, "readonly") || streq(key, "rw") ||
			    streq(key, "readwrite")) {
				m.readonly = streq(key, "ro") || streq(key, "readonly");
				ro_given = true;
				continue;
			}
			if (streq(key, "required")) {
				if (type_known && m.type != BUILD_MOUNT_SECRET &&
				    m.type != BUILD_MOUNT_SSH) {
					r = err_setx(err, EINVAL,
						     "mount option required is for secret and ssh "
						     "mounts, not %s",
						     t);
					goto fail;
				}
				m.required = true;
				continue;
			}
			r = err_setx(err, EINVAL, "mount option '%s' needs a value (%s=...)", *f,
				     *f);
			goto fail;
		}
		if (streq(key, "from") && names_variable(eq + 1)) {
			r = err_setx(err, EINVAL,
				     "mount option from=%s: a variable cannot name the source "
				     "(name it with a stage: FROM ... AS alias)",
				     eq + 1);
			goto fail;
		}
		if (expand) {
			r = expand(arg, eq + 1, &value, err);
			if (r < 0)
				goto fail;
		} else {
			value = xstrdup(eq + 1);
			if (names_variable(value)) {
				/* checked again once the step's variables are known */
				m.deferred = true;
				if (streq(key, "type"))
					type_known = false;
				continue;
			}
		}
		if (streq(key, "type")) {
			int v = lookup(type_names, _BUILD_MOUNT_TYPE_MAX, value);
			if (v < 0) {
				r = err_setx(err, EINVAL,
					     "unknown mount type \"%s\" (bind, cache, tmpfs, "
					     "secret, ssh)",
					     value);
				goto fail;
			}
			m.type = v;
			type_known = true;
		} else if (streq(key, "from")) {
			set_str(&m.from, value);
		} else if (streq(key, "source") || streq(key, "src")) {
			set_str(&m.source, value);
		} else if (streq(key, "target") || streq(key, "dst") || streq(key, "destination")) {
			set_str(&m.target, value);
		} else if (streq(key, "readonly") || streq(key, "ro") || streq(key, "readwrite") ||
			   streq(key, "rw")) {
			bool b;
			if (parse_bool(value, &b) < 0) {
				r = err_setx(err, EINVAL,
					     "mount option %s: \"%s\" is not a boolean", key,
					     value);
				goto fail;
			}
			m.readonly = (streq(key, "ro") || streq(key, "readonly")) ? b : !b;
			ro_given = true;
		} else if (streq(key, "required")) {
			if (type_known && m.type != BUILD_MOUNT_SECRET &&
			    m.type != BUILD_MOUNT_SSH) {
				r = err_setx(err, EINVAL,
					     "mount option required is for secret and ssh mounts, "
					     "not %s",
					     t);
				goto fail;
			}
			if (parse_bool(value, &m.required) < 0) {
				r = err_setx(err, EINVAL,
					     "mount option %s: \"%s\" is not a boolean", key,
					     value);
				goto fail;
			}
		} else if (streq(key, "size")) {
			uint64_t n;
			if (type_known && m.type != BUILD_MOUNT_TMPFS) {
				r = err_setx(err, EINVAL,
					     "mount option size is for tmpfs mounts, not %s", t);
				goto fail;
			}
			if (units_ram_in_bytes(value, &n) < 0 || n > INT64_MAX) {
				r = err_setx(err, EINVAL, "mount option size: \"%s\" is not a size",
					     value);
				goto fail;
			}
			m.size = (int64_t) n;
		} else if (streq(key, "id")) {
			set_str(&m.id, value);
		} else if (streq(key, "sharing")) {
			int v = lookup(sharing_names, _BUILD_SHARING_MAX, value);
			if (v < 0) {
				r = err_setx(
					err, EINVAL,
					"unknown cache sharing \"%s\" (shared, private, locked)",
					value);
				goto fail;
			}
			m.sharing = v;
			m.sharing_set = true;
		} else if (streq(key, "mode")) {
			if (parse_u32(value, 8, &m.mode) < 0) {
				r = err_setx(err, EINVAL,
					     "mount option mode: \"%s\" is not an octal mode",
					     value);
				goto fail;
			}
		} else if (streq(key, "uid") || streq(key, "gid")) {
			if (parse_u32(value, 10, key[0] == 'u' ? &m.uid : &m.gid) < 0) {
				r = err_setx(err, EINVAL,
					     "mount option %s: \"%s\" is not a number from 0 to "
					     "4294967295",
					     key, value);
				goto fail;
			}
		} else if (streq(key, "env")) {
			set_str(&m.env, value);
		} else {
			r = err_setx(err, EINVAL,
				     "unknown mount option \"%s\" in \"%s\" (type, target, source, "
				     "from, id, ro, rw, required, size, sharing, mode, uid, gid, "
				     "env)",
				     key, *f);
			goto fail;
		}
	}
	r = check_mount(&m, ro_given, type_known, err);
	if (r < 0)
		goto fail;
	*ret = m;
	return 0;
fail:
	build_mount_release(&m);
	return r;
}

char *build_mount_describe(const struct build_mount *m)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	const char *const str[][2] = {
		{"target", m->target}, {"source", m->source}, {"from", m->from},
		{"id", m->id},	       {"env", m->env},
	};

	(void) strbuf_addf(&sb, "type=%s", type_names[m->type]);
	for (size_t i = 0; i < ARRAY_SIZE(str); i++)
		if (str[i][1]) /* length first: no value can forge another field */
			(void) strbuf_addf(&sb, ",%s=%zu:%s", str[i][0], strlen(str[i][1]),
					   str[i][1]);
	(void) strbuf_addf(&sb,
			   ",ro=%d,required=%d,sharing=%s,size=%lld,mode=%lld,uid=%lld,gid=%lld",
			   m->readonly, m->required, sharing_names[m->sharing], (long long) m->size,
			   (long long) m->mode, (long long) m->uid, (long long) m->gid);
	return strbuf_detach(&sb, NULL);
}

/* ---- hull build --secret and --ssh ---- */

void build_secret_src_release(struct build_secret_src *s)
{
	if (!s)
		return;
	free(s->id);
	free(s->file);
	free(s->env);
	*s = (struct build_secret_src){0};
}

int build_secret_src_parse(const char *spec, struct build_secret_src *ret, struct hull_err **err)
{
	_cleanup_strv_ char **fields = NULL;
	struct build_secret_src s = {0};
	const char *type = NULL;
	int r;

	r = csv_fields(spec, &fields, NULL);
	if (r < 0)
		return err_setx(err, EINVAL, "invalid secret '%s': bad quoting", spec);
	STRV_FOREACH (f, fields) {
		const char *eq = strchr(*f, '=');
		_cleanup_free_ char *key = eq ? xstrndup(*f, (size_t) (eq - *f)) : NULL;

		if (!eq) {
			r = err_setx(err, EINVAL, "invalid secret field '%s': give key=value", *f);
			goto fail;
		}
		for (char *p = key; *p; p++)
			*p = (char) tolower((unsigned char) *p);
		if (streq(key, "type")) {
			if (!streq(eq + 1, "file") && !streq(eq + 1, "env")) {
				r = err_setx(err, EINVAL,
					     "invalid secret type \"%s\" (file or env)", eq + 1);
				goto fail;
			}
			type = eq + 1;
		} else if (streq(key, "id")) {
			set_str(&s.id, eq + 1);
		} else if (streq(key, "source") || streq(key, "src")) {
			set_str(&s.file, eq + 1);
		} else if (streq(key, "env")) {
			set_str(&s.env, eq + 1);
		} else {
			r = err_setx(err, EINVAL,
				     "unknown secret field \"%s\" in \"%s\" (id, src, env, type)",
				     key, *f);
			goto fail;
		}
	}
	if (type && streq(type, "env") && isempty(s.env)) {
		free(s.env);
		s.env = TAKE_PTR(s.file);
	}
	if (isempty(s.id) && !isempty(s.env))
		set_str(&s.id, s.env);
	if (isempty(s.id)) {
		r = err_setx(err, EINVAL, "invalid secret '%s': no id", spec);
		goto fail;
	}
	if (s.file && !*s.file)
		s.file = (free(s.file), NULL);
	if (s.env && !*s.env)
		s.env = (free(s.env), NULL);
	*ret = s;
	return 0;
fail:
	build_secret_src_release(&s);
	return r;
}

void build_ssh_src_release(struct build_ssh_src *s)
{
	if (!s)
		return;
	free(s->id);
	strv_free(s->paths);
	*s = (struct build_ssh_src){0};
}

int build_ssh_src_parse(const char *spec, struct build_ssh_src *ret, struct hull_err **err)
{
	const char *eq = strchr(spec, '=');
	struct build_ssh_src s = {0};

	s.id = eq ? xstrndup(spec, (size_t) (eq - spec)) : xstrdup(spec);
	if (!*s.id) {
		free(s.id);
		return err_setx(err, EINVAL, "invalid ssh '%s': no id", spec);
	}
	if (eq && eq[1]) {
		_cleanup_free_ char *copy = xstrdup(eq + 1);
		char *save = NULL;
		for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
			strv_push(&s.paths, p);
	}
	*ret = s;
	return 0;
}
