/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include "build/build.h"
#include "build/copy.h"
#include "build/history.h"
#include "container/container.h"
#include "dockerfile/dockerfile.h"
#include "image/reference.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct stage {
	char *name;	   /* AS name, or NULL */
	json_t *config;	   /* image config being built (owned) */
	struct image *img; /* the last committed image, NULL for scratch before any step */
	char **args;	   /* "NAME=value" ARGs in effect in this stage */
	bool cmd_set;
};

struct builder {
	struct store *s;
	const char *runroot;
	const struct build_opts *o;
	const char *file; /* the Dockerfile's name for messages */
	char *context;	  /* absolute, resolved context path */
	struct dockerfile *df;
	char **global_args; /* ARGs before the first FROM */
	char **build_args;  /* --build-arg, "NAME=value" */
	struct stage *stages;
	size_t n_stages;
	FILE *out;
	unsigned step, n_steps;
};

static int fail(struct builder *b, const struct df_instr *in, struct hull_err **err, int errnum,
		const char *fmt, ...) _printf_(5, 6);
static int fail(struct builder *b, const struct df_instr *in, struct hull_err **err, int errnum,
		const char *fmt, ...)
{
	_cleanup_free_ char *m = NULL;
	va_list ap;

	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	err_setx(err, errnum, "%s:%u: %s", b->file, in->start_line, m);
	err_set_exit(err, 1);
	return -errnum;
}

/* Prefix an error from below with the instruction's location. */
static int wrap(struct builder *b, const struct df_instr *in, struct hull_err **err)
{
	int r = err_wrap(err, "%s:%u: %s", b->file, in->start_line, in->cmd);
	err_set_exit(err, 1);
	return r;
}

static const char *short_hex(const char *id)
{
	static char buf[13];
	snprintf(buf, sizeof(buf), "%s", startswith(id, "sha256:") ? id + 7 : id);
	return buf;
}

static json_t *cfg_config(struct stage *st)
{
	json_t *c = json_object_get(st->config, "config");
	if (!c) {
		c = json_object();
		json_object_set_new(st->config, "config", c);
	}
	return c;
}

/* The environment expansion sees: the stage's ENV, then its ARGs (ENV wins, as docker). */
static char **expand_env(struct stage *st)
{
	_cleanup_strv_ char **env = NULL;

	STRV_FOREACH (a, st->args)
		strv_push(&env, *a);
	{
		size_t i;
		json_t *v;
		json_array_foreach (json_object_get(cfg_config(st), "Env"), i, v)
			strv_push(&env, json_string_value(v));
	}
	if (!env)
		env = strv_new();
	return TAKE_PTR(env);
}

static int expand(struct builder *b, const struct df_instr *in, struct stage *st, const char *w,
		  char **ret, struct hull_err **err)
{
	_cleanup_strv_ char **env = st ? expand_env(st) : strv_copy(b->global_args);
	int r = df_expand_word(w, env, b->df->escape, ret, err);
	return r < 0 ? wrap(b, in, err) : 0;
}

static const char *arg_value(char *const *l, const char *name)
{
	const char *v = strv_env_get(l, name);
	return v;
}

static void args_set(char ***l, const char *name, const char *value)
{
	_cleanup_free_ char *kv = xasprintf("%s=%s", name, value);
	strv_env_set(l, kv);
}

/* ---- cache ---- */

static char *cache_key(struct builder *b, struct stage *st, const struct df_instr *in,
		       const char *extra)
{
	struct sha256_ctx *c = sha256_new();
	char d[DIGEST_STR_LEN];
	_cleanup_strv_ char **args = strv_copy(st->args);

	sha256_update(c, "hull-build-cache-v1\n", 20);
	sha256_update(c, st->img ? st->img->id : "scratch",
		      strlen(st->img ? st->img->id : "scratch"));
	sha256_update(c, "\n", 1);
	if (!st->img) {
		/* scratch: the config text stands for the parent */
		_cleanup_free_ char *cj = json_dump_str(st->config, JSON_COMPACT | JSON_SORT_KEYS);
		sha256_update(c, cj, strlen(cj));
	}
	sha256_update(c, in->original, strlen(in->original));
	sha256_update(c, "\n", 1);
	if (args)
		qsort(args, strv_length(args), sizeof(char *),
		      (int (*)(const void *, const void *)) strcmp_ptr);
	STRV_FOREACH (a, args) {
		sha256_update(c, *a, strlen(*a) + 1);
	}
	if (extra)
		sha256_update(c, extra, strlen(extra));
	sha256_final(c, d);
	(void) b;
	return xstrdup(digest_hex(d));
}

static void stage_adopt(struct stage *st, struct image *img)
{
	json_decref(st->config);
	st->config = json_deep_copy(img->config);
	image_free(st->img);
	st->img = img;
}

static struct image *cache_get(struct builder *b, const char *key)
{
	_cleanup_free_ char *p = xasprintf("%s/cache/%s", b->s->root, key), *id = NULL;
	struct image *img = NULL;

	if (b->o->no_cache)
		return NULL;
	if (read_file(p, 4096, &id, NULL, NULL) < 0)
		return NULL;
	if (!digest_valid(id) || store_image_get(b->s, id, &img, NULL) < 0)
		return NULL;
	return img;
}

static void cache_put(struct builder *b, const char *key, const struct image *img)
{
	_cleanup_free_ char *p = xasprintf("%s/cache/%s", b->s->root, key);
	_cleanup_free_ char *dir = xasprintf("%s/cache", b->s->root);

	(void) mkdir(dir, 0700);
	(void) write_file_atomic(p, img->id, strlen(img->id), 0644, NULL);
}

/* On a cache hit, continue from the cached image: true if it was one. */
static bool cache_reuse(struct builder *b, struct stage *st, const char *key)
{
	struct image *hit = cache_get(b, key);

	if (!hit)
		return false;
	if (!b->o->quiet)
		fprintf(b->out, " ---> Using cache\n");
	stage_adopt(st, hit);
	return true;
}

/*
 * An empty layer (an empty directory, so always the same diffID) for an
 * image that would have none: the OCI manifest schema wants at least one
 * layer ("layers" minItems 1; some registries, ECR, refuse layerless images).
 */
static int empty_layer(struct builder *b, char ret_diff_id[DIGEST_STR_LEN], struct hull_err **err)
{
	_cleanup_free_ char *dir = NULL;
	char chain_id[DIGEST_STR_LEN];
	int r;

	r = store_tmpdir(b->s, "empty", &dir, err);
	if (r < 0)
		return r;
	(void) chmod(dir, 0755);
	r = store_lock(b->s, err);
	if (r == 0) {
		r = store_layer_commit_dir(b->s, dir, NULL, ret_diff_id, chain_id, err);
		store_unlock(b->s);
	}
	if (r < 0)
		(void) rm_rf(dir, NULL);
	return r;
}

/* Commit the stage's config (with a new history entry and, optionally, a layer). */
static int commit_step(struct builder *b, struct stage *st, const struct df_instr *in,
		       const char *created_by, const char *diff_id, struct hull_err **err)
{
	_cleanup_free_ char *now = now_rfc3339();
	_cleanup_strv_ char **layers = NULL;
	json_t *hist, *rootfs, *ids;
	struct image *img = NULL;
	char empty_id[DIGEST_STR_LEN];
	int r;

	if (!diff_id && json_array_size(json_object_get(json_object_get(st->config, "rootfs"),
							"diff_ids")) == 0) {
		/* the first step of an empty scratch stage carries the empty layer */
		r = empty_layer(b, empty_id, err);
		if (r < 0)
			return wrap(b, in, err);
		diff_id = empty_id;
	}
	json_object_set_new(st->config, "created", json_string(now));
	hist = json_object_get(st->config, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(st->config, "history", hist);
	}
	{
		json_t *h = json_pack("{s:s,s:s,s:s}", "created", now, "created_by", created_by,
				      "comment", BUILD_HISTORY_COMMENT);
		if (!diff_id)
			json_object_set_new(h, "empty_layer", json_true());
		json_array_append_new(hist, h);
	}
	rootfs = json_object_get(st->config, "rootfs");
	if (!rootfs) {
		rootfs = json_pack("{s:s,s:[]}", "type", "layers", "diff_ids");
		json_object_set_new(st->config, "rootfs", rootfs);
	}
	ids = json_object_get(rootfs, "diff_ids");
	if (diff_id)
		json_array_append_new(ids, json_string(diff_id));
	if (json_to_strv(ids, &layers) < 0 || !layers)
		layers = strv_new();
	r = store_image_commit(b->s, st->config, layers, &img, err);
	if (r == 0 && (r = store_lock(b->s, err)) == 0) {
		/* a build step, hidden by `images` unless it ends up as the result */
		r = store_image_set_intermediate(b->s, img->manifest_digest, true, err);
		store_unlock(b->s);
	}
	if (r < 0) {
		image_free(img);
		return wrap(b, in, err);
	}
	image_free(st->img);
	st->img = img;
	return 0;
}

/* ---- instructions ---- */

static int do_from(struct builder *b, const struct df_instr *in, struct hull_err **err)
{
	_cleanup_free_ char *base = NULL;
	struct stage st = {0};
	int r;

	if (in->n_args != 1 && !(in->n_args == 3 && strcasecmp(in->args[1], "AS") == 0))
		return fail(b, in, err, EINVAL, "FROM requires either one or three arguments");
	STRV_FOREACH (f, in->flags) {
		if (startswith(*f, "--platform=") && !streq(*f + 11, "linux/amd64") &&
		    !streq(*f + 11, "$BUILDPLATFORM") && !streq(*f + 11, "$TARGETPLATFORM"))
			return fail(b, in, err, EINVAL, "FROM %s is not supported yet", *f);
	}
	r = expand(b, in, NULL, in->args[0], &base, err);
	if (r < 0)
		return r;
	if (in->n_args == 3) {
		st.name = xstrdup(in->args[2]);
		for (char *p = st.name; *p; p++)
			*p = (char) tolower((unsigned char) *p);
	}
	if (strcasecmp(base, "scratch") == 0) {
		st.config = json_pack("{s:s,s:s,s:{s:[s]},s:{s:s,s:[]},s:[]}", "architecture",
				      "amd64", "os", "linux", "config", "Env", "PATH=" DEFAULT_PATH,
				      "rootfs", "type", "layers", "diff_ids", "history");
	} else {
		struct image *img = NULL;
		for (size_t i = 0; i < b->n_stages; i++)
			if (b->stages[i].name && strcasecmp(b->stages[i].name, base) == 0 &&
			    b->stages[i].img) {
				r = store_image_get(b->s, b->stages[i].img->id, &img, err);
				if (r < 0)
					return wrap(b, in, err);
				break;
			}
		if (!img) {
			r = store_image_get(b->s, base, &img, NULL);
			if (r < 0) {
				return fail(
					b, in, err, ENOENT,
					"FROM: no such image: %s (pulling is not supported yet; "
					"make it with 'hull import' or 'hull build')",
					base);
			}
		}
		if (json_array_size(
			    json_object_get(json_object_get(img->config, "config"), "OnBuild"))) {
			image_free(img);
			return fail(
				b, in, err, ENOTSUP,
				"FROM: running the ONBUILD triggers of '%s' is not supported yet",
				base);
		}
		st.config = json_deep_copy(img->config);
		st.img = img;
	}
	b->stages = xrealloc(b->stages, (b->n_stages + 1) * sizeof(*b->stages));
	b->stages[b->n_stages++] = st;
	return 0;
}

static int do_arg(struct builder *b, const struct df_instr *in, struct stage *st,
		  struct hull_err **err)
{
	for (size_t i = 0; i < in->n_args; i++) {
		const char *a = in->args[i], *eq = strchr(a, '=');
		_cleanup_free_ char *name = eq ? xstrndup(a, (size_t) (eq - a)) : xstrdup(a);
		_cleanup_free_ char *def = NULL;
		const char *given = arg_value(b->build_args, name);
		const char *value = NULL;

		if (eq) {
			int r = expand(b, in, st, eq + 1, &def, err);
			if (r < 0)
				return r;
		}
		if (given)
			value = given;
		else if (def)
			value = def;
		else if (st && arg_value(b->global_args, name))
			value = arg_value(b->global_args, name);
		if (!st) {
			if (value)
				args_set(&b->global_args, name, value);
			else
				strv_push(&b->global_args, name);
		} else if (value) {
			args_set(&st->args, name, value);
		}
	}
	return 0;
}

static int do_env_label(struct builder *b, const struct df_instr *in, struct stage *st, bool label,
			struct hull_err **err)
{
	json_t *c = cfg_config(st);
	_cleanup_strv_ char **keys = strv_new(), **vals = strv_new();

	if (in->n_args == 0 || in->n_args % 3)
		return fail(b, in, err, EINVAL, "%s requires at least one argument", in->cmd);
	/* every word sees the environment from before the instruction: in
	 * "ENV abc=bye def=$abc" def gets the old abc (docker's ENV reference) */
	for (size_t i = 0; i + 1 < in->n_args; i += 3) {
		char *k = NULL, *v = NULL;
		int r = expand(b, in, st, in->args[i], &k, err);
		if (r == 0)
			r = expand(b, in, st, in->args[i + 1], &v, err);
		if (r < 0) {
			free(k);
			return r;
		}
		strv_consume(&keys, k);
		strv_consume(&vals, v);
	}
	for (size_t i = 0; keys[i]; i++) {
		const char *k = keys[i], *v = vals[i];

		if (label) {
			json_t *l = json_object_get(c, "Labels");
			if (!json_is_object(l)) {
				l = json_object();
				json_object_set_new(c, "Labels", l);
			}
			json_object_set_new(l, k, json_string(v));
		} else {
			_cleanup_strv_ char **env = NULL;
			_cleanup_free_ char *kv = xasprintf("%s=%s", k, v);
			if (!*k)
				return fail(b, in, err, EINVAL, "ENV names can not be blank");
			(void) json_to_strv(json_object_get(c, "Env"), &env);
			if (!env)
				env = strv_new();
			strv_env_set(&env, kv);
			json_object_set_new(c, "Env", json_from_strv(env));
		}
	}
	return 0;
}

static json_t *shell_of(struct stage *st)
{
	json_t *sh = json_object_get(cfg_config(st), "Shell");
	return json_array_size(sh) ? sh : NULL;
}

/* Exec form as is; shell form wrapped in the stage's SHELL (default /bin/sh -c), as stored by
 * docker. */
static json_t *command_json(struct stage *st, const struct df_instr *in)
{
	json_t *a = json_array(), *sh = shell_of(st);

	if (in->json) {
		for (size_t i = 0; i < in->n_args; i++)
			json_array_append_new(a,
					      json_stringn_nocheck(in->args[i], in->arg_lens[i]));
		return a;
	}
	if (sh) {
		json_array_extend(a, sh);
	} else {
		json_array_append_new(a, json_string("/bin/sh"));
		json_array_append_new(a, json_string("-c"));
	}
	json_array_append_new(a, json_string(in->n_args ? in->args[0] : ""));
	return a;
}

static int do_cmd_ep(struct builder *b, const struct df_instr *in, struct stage *st, bool ep,
		     struct hull_err **err)
{
	json_t *c = cfg_config(st);
	json_t *v = command_json(st, in);

	(void) b;
	(void) err;
	if (ep) {
		if (json_array_size(v) == 0)
			json_object_set_new(c, "Entrypoint", json_null());
		else
			json_object_set_new(c, "Entrypoint", v), v = NULL;
		/* ENTRYPOINT resets an inherited CMD unless this stage set one (spec 3.1) */
		if (!st->cmd_set)
			json_object_set_new(c, "Cmd", json_null());
	} else {
		/* CMD [] is stored as absent, as BuildKit's omitempty (spec 3.5) */
		if (json_array_size(v) == 0)
			json_object_set_new(c, "Cmd", json_null());
		else
			json_object_set_new(c, "Cmd", v), v = NULL;
		st->cmd_set = true;
	}
	if (v)
		json_decref(v);
	return 0;
}

static int do_shell(struct builder *b, const struct df_instr *in, struct stage *st,
		    struct hull_err **err)
{
	json_t *a;

	if (!in->json)
		return fail(b, in, err, EINVAL, "SHELL requires the arguments to be in JSON form");
	if (in->n_args == 0)
		return fail(b, in, err, EINVAL, "SHELL requires at least one argument");
	a = json_array();
	for (size_t i = 0; i < in->n_args; i++)
		json_array_append_new(a, json_string(in->args[i]));
	json_object_set_new(cfg_config(st), "Shell", a);
	return 0;
}

static int do_simple(struct builder *b, const struct df_instr *in, struct stage *st,
		     struct hull_err **err)
{
	json_t *c = cfg_config(st);
	_cleanup_free_ char *v = NULL;
	int r;

	if (in->n_args == 0 && in->kind != DF_CMD_EXPOSE && in->kind != DF_CMD_VOLUME)
		return fail(b, in, err, EINVAL, "%s requires exactly one argument", in->cmd);
	switch (in->kind) {
	case DF_CMD_WORKDIR: {
		const char *cur = json_get_str(c, "WorkingDir");
		_cleanup_free_ char *joined = NULL;
		r = expand(b, in, st, in->args[0], &v, err);
		if (r < 0)
			return r;
		joined = v[0] == '/' ? xstrdup(v) : path_join(isempty(cur) ? "/" : cur, v);
		json_object_set_new(c, "WorkingDir", json_string(path_clean(joined)));
		return 0;
	}
	case DF_CMD_USER:
		r = expand(b, in, st, in->args[0], &v, err);
		if (r < 0)
			return r;
		json_object_set_new(c, "User", json_string(v));
		return 0;
	case DF_CMD_STOPSIGNAL:
		r = expand(b, in, st, in->args[0], &v, err);
		if (r < 0)
			return r;
		if (signal_parse(v) < 0)
			return fail(b, in, err, EINVAL, "Invalid signal: %s", v);
		json_object_set_new(c, "StopSignal", json_string(v));
		return 0;
	case DF_CMD_MAINTAINER:
		json_object_set_new(st->config, "author", json_string(in->args[0]));
		return 0;
	case DF_CMD_EXPOSE:
	case DF_CMD_VOLUME: {
		const char *key = in->kind == DF_CMD_EXPOSE ? "ExposedPorts" : "Volumes";
		json_t *o = json_object_get(c, key);
		if (!json_is_object(o)) {
			o = json_object();
			json_object_set_new(c, key, o);
		}
		for (size_t i = 0; i < in->n_args; i++) {
			_cleanup_strv_ char **words = NULL;
			{
				_cleanup_strv_ char **env = expand_env(st);
				r = df_expand_words(in->args[i], env, b->df->escape, &words, err);
				if (r < 0)
					return wrap(b, in, err);
			}
			STRV_FOREACH (w, words) {
				if (in->kind == DF_CMD_VOLUME) {
					if (!**w)
						return fail(b, in, err, EINVAL,
							    "VOLUME specified can not be an empty "
							    "string");
					json_object_set_new(o, *w, json_object());
					continue;
				}
				{
					unsigned lo, hi;
					char proto[8] = "tcp";
					char *slash = strchr(*w, '/');
					int n = sscanf(*w, "%u-%u", &lo, &hi);
					if (slash)
						snprintf(proto, sizeof(proto), "%s", slash + 1);
					for (char *p = proto; *p; p++) /* BuildKit lower-cases */
						*p = (char) tolower((unsigned char) *p);
					if (n < 1 || lo == 0 || lo > 65535 ||
					    (!streq(proto, "tcp") && !streq(proto, "udp") &&
					     !streq(proto, "sctp")))
						return fail(b, in, err, EINVAL,
							    "invalid containerPort: %s", *w);
					if (n < 2 || (slash && strchr(*w, '-') > slash))
						hi = lo;
					if (hi < lo || hi > 65535)
						return fail(b, in, err, EINVAL,
							    "invalid containerPort: %s", *w);
					for (unsigned p = lo; p <= hi; p++) {
						_cleanup_free_ char *k =
							xasprintf("%u/%s", p, proto);
						json_object_set_new(o, k, json_object());
					}
				}
			}
		}
		return 0;
	}
	default:
		return fail(b, in, err, ENOTSUP, "%s is not supported yet", in->cmd);
	}
}

static bool is_archive(const char *path)
{
	unsigned char m[264] = {0};
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, m, sizeof(m));
	if (n < 4)
		return false;
	return (m[0] == 0x1f && m[1] == 0x8b) || (m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') ||
	       (m[0] == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X') ||
	       (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) ||
	       (n >= 262 && memcmp(m + 257, "ustar", 5) == 0);
}

static int do_copy(struct builder *b, const struct df_instr *in, struct stage *st,
		   struct hull_err **err)
{
	bool add = in->kind == DF_CMD_ADD;
	_cleanup_strv_ char **srcs = strv_new(), **lower = NULL;
	_cleanup_free_ char *dest = NULL, *sum = NULL, *key = NULL, *layer = NULL, *chown = NULL,
			    *by = NULL, *dest_arg = NULL;
	const char *chmod_arg = NULL;
	const char *wd = json_get_str(cfg_config(st), "WorkingDir");
	struct copy_req q = {.context = b->context, .chmod = -1, .is_add = add};
	char diff_id[DIGEST_STR_LEN], chain_id[DIGEST_STR_LEN];
	int r;

	if (in->n_heredocs)
		return fail(b, in, err, ENOTSUP, "%s with a heredoc is not supported yet", in->cmd);
	STRV_FOREACH (f, in->flags) {
		if (startswith(*f, "--chown=")) {
			r = expand(b, in, st, *f + 8, &chown, err);
			if (r < 0)
				return r;
		} else if (startswith(*f, "--chmod=")) {
			char *end;
			long m = strtol(*f + 8, &end, 8);
			if (*end || !f[0][8] || m < 0 || m > 07777)
				return fail(b, in, err, EINVAL, "invalid chmod parameter: %s",
					    *f + 8);
			q.chmod = (int) m;
			chmod_arg = *f + 8;
		} else if (startswith(*f, "--link")) {
			continue; /* same files and layer; only cache reuse across bases differs */
		} else {
			return fail(b, in, err, ENOTSUP, "%s %s is not supported yet", in->cmd, *f);
		}
	}
	if (in->n_args < 2)
		return fail(b, in, err, EINVAL,
			    "%s requires at least two arguments, but only one was provided. "
			    "Destination could not be determined",
			    in->cmd);
	for (size_t i = 0; i + 1 < in->n_args; i++) {
		char *w = NULL;
		r = expand(b, in, st, in->args[i], &w, err);
		if (r < 0)
			return r;
		if (add && (startswith(w, "http://") || startswith(w, "https://") ||
			    startswith(w, "git@"))) {
			free(w);
			return fail(b, in, err, ENOTSUP, "ADD from a URL is not supported yet");
		}
		strv_consume(&srcs, w);
	}
	r = expand(b, in, st, in->args[in->n_args - 1], &dest, err);
	if (r < 0)
		return r;
	dest_arg = xstrdup(dest);
	if (dest[0] != '/') {
		bool slash = dest[strlen(dest) - 1] == '/' || streq(dest, ".");
		char *joined = path_join(isempty(wd) ? "/" : wd, dest);
		free(dest);
		dest = slash ? xasprintf("%s/", joined) : xstrdup(joined);
		free(joined);
	}
	lower = st->img ? store_image_lowerdirs(b->s, st->img) : strv_new();
	q.sources = srcs;
	q.dest = dest;
	q.lowerdirs = lower;
	if (chown) {
		uid_t uid;
		gid_t gid;
		_cleanup_free_ gid_t *groups = NULL;
		size_t ng;
		r = image_user_resolve(lower, NULL, chown, &uid, &gid, &groups, &ng, NULL, err);
		if (r < 0)
			return wrap(b, in, err);
		q.uid = uid;
		q.gid = gid;
	}
	r = copy_checksum(&q, &sum, err);
	if (r < 0)
		return wrap(b, in, err);
	if (add) {
		STRV_FOREACH (s, srcs) {
			_cleanup_free_ char *p = path_join(b->context, *s);
			if (is_archive(p))
				return fail(
					b, in, err, ENOTSUP,
					"ADD of a local archive (auto-extraction) is not supported "
					"yet: %s",
					*s);
		}
	}
	key = cache_key(b, st, in, sum);
	if (cache_reuse(b, st, key))
		return 0;
	r = store_tmpdir(b->s, "copy", &layer, err);
	if (r < 0)
		return wrap(b, in, err);
	(void) chmod(layer, 0755); /* the layer's root is the image's "/" */
	r = copy_into(&q, layer, err);
	if (r < 0) {
		(void) rm_rf(layer, NULL);
		return wrap(b, in, err);
	}
	r = store_lock(b->s, err);
	if (r == 0) {
		const char *parent = NULL;
		size_t n = st->img ? strv_length(st->img->chain_ids) : 0;
		if (n)
			parent = st->img->chain_ids[n - 1];
		r = store_layer_commit_dir(b->s, layer, parent, diff_id, chain_id, err);
		store_unlock(b->s);
	}
	if (r < 0) {
		(void) rm_rf(layer, NULL);
		return wrap(b, in, err);
	}
	by = build_created_by_copy(add, chown, chmod_arg, srcs, dest_arg);
	r = commit_step(b, st, in, by, diff_id, err);
	if (r < 0)
		return r;
	cache_put(b, key, st->img);
	return 0;
}

static int do_run(struct builder *b, const struct df_instr *in, struct stage *st,
		  struct hull_err **err)
{
	_cleanup_free_ char *key = NULL, *by = NULL, *upper = NULL;
	_cleanup_strv_ char **argv = NULL, **env = strv_new(), **ep = NULL;
	json_t *cmd, *c = cfg_config(st);
	struct run_opts ro = {.network = "bridge", .out_fd = -1, .hidden = true};
	struct container *ctr = NULL;
	char diff_id[DIGEST_STR_LEN], chain_id[DIGEST_STR_LEN];
	int code = 0, r;

	if (in->n_heredocs)
		return fail(b, in, err, ENOTSUP, "RUN with a heredoc is not supported yet");
	if (in->flags && in->flags[0])
		return fail(b, in, err, ENOTSUP, "RUN %s is not supported yet", in->flags[0]);
	key = cache_key(b, st, in, NULL);
	if (cache_reuse(b, st, key))
		return 0;
	if (!st->img) {
		/* RUN on scratch with nothing yet: commit the empty image first (its
		 * history entry stays: it carries the empty layer) */
		r = commit_step(b, st, in, "", NULL, err);
		if (r < 0)
			return r;
	}
	cmd = command_json(st, in);
	(void) json_to_strv(cmd, &argv);
	json_decref(cmd);
	if (!argv || !argv[0]) {
		return fail(b, in, err, EINVAL, "RUN requires at least one argument");
	}
	/* build args are in RUN's environment unless ENV sets the name (moby dispatchRun) */
	STRV_FOREACH (a, st->args) {
		_cleanup_free_ char *name = xstrndup(*a, strcspn(*a, "="));
		_cleanup_strv_ char **ienv = NULL;
		(void) json_to_strv(json_object_get(c, "Env"), &ienv);
		if (!strv_env_get(ienv, name))
			strv_push(&env, *a);
	}
	strv_push(&ep, argv[0]);
	ro.entrypoint = ep;
	ro.cmd = argv[1] ? argv + 1 : NULL;
	ro.env = env;
	ro.out_fd = b->o->quiet ? -1 : fileno(b->out);
	if (b->o->quiet) {
		ro.out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	}
	fflush(b->out);
	r = container_create(b->s, b->runroot, st->img, st->img->id, &ro, &ctr, err);
	if (r == 0) {
		if (!b->o->quiet)
			fprintf(b->out, " ---> Running in %.12s\n", ctr->id), fflush(b->out);
		r = container_start(b->s, b->runroot, ctr, &ro, &code, err);
	}
	if (b->o->quiet && ro.out_fd >= 0)
		close(ro.out_fd);
	if (r < 0) {
		if (ctr)
			(void) container_remove(b->s, b->runroot, ctr, true, NULL);
		container_free(ctr);
		return wrap(b, in, err);
	}
	if (code != 0) {
		_cleanup_free_ char *shown = json_dump_str(json_from_strv(argv), JSON_COMPACT);
		(void) container_remove(b->s, b->runroot, ctr, true, NULL);
		container_free(ctr);
		return fail(b, in, err, EIO, "RUN: the command %s returned a non-zero code: %d",
			    in->json ? shown : in->args[0], code);
	}
	upper = path_join(ctr->dir, "upper");
	r = store_lock(b->s, err);
	if (r == 0) {
		size_t n = strv_length(st->img->chain_ids);
		r = store_layer_commit_dir(b->s, upper, n ? st->img->chain_ids[n - 1] : NULL,
					   diff_id, chain_id, err);
		store_unlock(b->s);
	}
	(void) container_remove(b->s, b->runroot, ctr, true, NULL);
	container_free(ctr);
	if (r < 0)
		return wrap(b, in, err);
	by = build_created_by_run(argv, st->args, c);
	r = commit_step(b, st, in, by, diff_id, err);
	if (r < 0)
		return r;
	cache_put(b, key, st->img);
	return 0;
}

/* Metadata instructions: change the config, commit an image without a layer. */
static int do_meta(struct builder *b, const struct df_instr *in, struct stage *st,
		   struct hull_err **err)
{
	_cleanup_free_ char *key = NULL, *by = NULL;
	_cleanup_strv_ char **env_before = expand_env(st); /* what the words of @in see */
	int r;

	switch (in->kind) {
	case DF_CMD_ARG:
		r = do_arg(b, in, st, err);
		break;
	case DF_CMD_ENV:
	case DF_CMD_LABEL:
		r = do_env_label(b, in, st, in->kind == DF_CMD_LABEL, err);
		break;
	case DF_CMD_CMD:
	case DF_CMD_ENTRYPOINT:
		r = do_cmd_ep(b, in, st, in->kind == DF_CMD_ENTRYPOINT, err);
		break;
	case DF_CMD_SHELL:
		r = do_shell(b, in, st, err);
		break;
	case DF_CMD_ONBUILD: {
		json_t *c = cfg_config(st), *ob = json_object_get(c, "OnBuild");
		const char *text = in->original + strlen(in->cmd);
		while (*text == ' ' || *text == '\t')
			text++;
		if (!json_is_array(ob)) {
			ob = json_array();
			json_object_set_new(c, "OnBuild", ob);
		}
		json_array_append_new(ob, json_string(text));
		r = 0;
		break;
	}
	default:
		r = do_simple(b, in, st, err);
		break;
	}
	if (r < 0)
		return r;
	/* the image after a metadata step is reused from the cache like any other */
	key = cache_key(b, st, in, NULL);
	{
		_cleanup_free_ char *cj =
			json_dump_str(cfg_config(st), JSON_COMPACT | JSON_SORT_KEYS);
		char *k2 = NULL;
		struct sha256_ctx *c = sha256_new();
		char d[DIGEST_STR_LEN];
		sha256_update(c, key, strlen(key));
		sha256_update(c, cj, strlen(cj));
		sha256_final(c, d);
		k2 = xstrdup(digest_hex(d));
		free(key);
		key = k2;
	}
	if (cache_reuse(b, st, key))
		return 0;
	by = build_created_by_meta(in, cfg_config(st), env_before, st->args, b->df->escape);
	if (!by)
		by = xstrdup(in->original);
	r = commit_step(b, st, in, by, NULL, err);
	if (r < 0)
		return r;
	cache_put(b, key, st->img);
	return 0;
}

static void stages_free(struct builder *b)
{
	for (size_t i = 0; i < b->n_stages; i++) {
		free(b->stages[i].name);
		json_decref(b->stages[i].config);
		image_free(b->stages[i].img);
		strv_free(b->stages[i].args);
	}
	free(b->stages);
}

int build_run(struct store *s, const char *runroot, const struct build_opts *o, char **ret_id,
	      struct hull_err **err)
{
	struct builder b = {.s = s, .runroot = runroot, .o = o, .out = o->out};
	_cleanup_free_ char *dfpath = NULL, *data = NULL, *fname = NULL;
	char real[PATH_MAX];
	size_t len;
	int r;

	if (!realpath(o->context, real)) {
		r = err_set(err, errno, "unable to prepare context: path \"%s\" not found",
			    o->context);
		err_set_exit(err, 1);
		return r;
	}
	b.context = xstrdup(real);
	/* -f - reads the Dockerfile from standard input, as docker build -f- */
	if (o->dockerfile && streq(o->dockerfile, "-"))
		dfpath = xstrdup("/dev/stdin");
	else
		dfpath =
			o->dockerfile ? xstrdup(o->dockerfile) : path_join(b.context, "Dockerfile");
	r = read_file(dfpath, 16 << 20, &data, &len, err);
	if (r < 0) {
		err_wrap(err, "failed to read dockerfile");
		err_set_exit(err, 1);
		free(b.context);
		return r;
	}
	if (streq(dfpath, "/dev/stdin"))
		fname = xstrdup("Dockerfile");
	else
		fname = xstrdup(strrchr(dfpath, '/') ? strrchr(dfpath, '/') + 1 : dfpath);
	b.file = fname;
	r = df_parse(data, len, fname, &b.df, err);
	if (r < 0) {
		err_set_exit(err, 1);
		free(b.context);
		return r;
	}
	STRV_FOREACH (a, o->build_args) {
		if (strchr(*a, '='))
			strv_env_set(&b.build_args, *a);
		else if (getenv(*a)) {
			_cleanup_free_ char *kv = xasprintf("%s=%s", *a, getenv(*a));
			strv_env_set(&b.build_args, kv);
		}
	}
	b.n_steps = (unsigned) b.df->n_instrs;
	for (size_t i = 0; i < b.df->n_instrs; i++) {
		const struct df_instr *in = &b.df->instrs[i];
		struct stage *st = b.n_stages ? &b.stages[b.n_stages - 1] : NULL;

		b.step++;
		r = df_check_flags(in, err);
		if (r < 0) {
			r = err_wrap(err, "%s:%u", b.file, in->start_line);
			err_set_exit(err, 1);
			goto out;
		}
		if (!o->quiet)
			fprintf(b.out, "Step %u/%u : %s\n", b.step, b.n_steps, in->original);
		if (!st && in->kind != DF_CMD_FROM && in->kind != DF_CMD_ARG) {
			r = fail(&b, in, err, EINVAL, "no build stage in current context");
			goto out;
		}
		switch (in->kind) {
		case DF_CMD_FROM:
			r = do_from(&b, in, err);
			if (r < 0)
				goto out;
			if (!o->quiet && b.stages[b.n_stages - 1].img)
				fprintf(b.out, " ---> %s\n",
					short_hex(b.stages[b.n_stages - 1].img->id));
			continue;
		case DF_CMD_ARG:
			if (!st) {
				/* global ARG: usable in FROM lines */
				r = do_arg(&b, in, NULL, err);
				if (r < 0)
					goto out;
				continue;
			}
			/* in a stage: a layer-less step, as the classic builder commits it */
			r = do_meta(&b, in, st, err);
			break;
		case DF_CMD_COPY:
		case DF_CMD_ADD:
			r = do_copy(&b, in, st, err);
			break;
		case DF_CMD_RUN:
			r = do_run(&b, in, st, err);
			break;
		case DF_CMD_HEALTHCHECK:
			r = fail(&b, in, err, ENOTSUP, "HEALTHCHECK is not supported yet");
			break;
		default:
			r = do_meta(&b, in, st, err);
			break;
		}
		if (r < 0)
			goto out;
		if (!o->quiet && st->img)
			fprintf(b.out, " ---> %s\n", short_hex(st->img->id));
	}
	{
		struct stage *st = &b.stages[b.n_stages - 1];
		if (!st->img) {
			/* FROM scratch with no other step: an empty image */
			r = commit_step(&b, st, &b.df->instrs[b.df->n_instrs - 1], "", NULL, err);
			if (r < 0)
				goto out;
		}
		r = store_lock(s, err);
		if (r < 0)
			goto out;
		r = store_image_set_intermediate(s, st->img->manifest_digest, false, err);
		STRV_FOREACH (t, o->tags) {
			if (r < 0)
				break;
			r = store_tag(s, *t, st->img->manifest_digest, err);
			if (r < 0)
				break;
		}
		store_unlock(s);
		if (r < 0) {
			err_set_exit(err, 1);
			goto out;
		}
		if (!o->quiet) {
			fprintf(b.out, "Successfully built %s\n", short_hex(st->img->id));
			STRV_FOREACH (t, o->tags) {
				struct image_ref ref;
				if (ref_parse(*t, &ref, NULL) == 0) {
					_cleanup_free_ char *fam = ref_familiar(&ref);
					fprintf(b.out, "Successfully tagged %s\n", fam);
					ref_release(&ref);
				}
			}
		}
		*ret_id = xstrdup(st->img->id);
	}
out:
	fflush(b.out);
	stages_free(&b);
	strv_free(b.global_args);
	strv_free(b.build_args);
	df_free(b.df);
	free(b.context);
	return r;
}
