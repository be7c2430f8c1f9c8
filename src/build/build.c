/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include "build/build.h"
#include "build/cmdline.h"
#include "build/copy.h"
#include "build/fetch.h"
#include "build/history.h"
#include "build/ignore.h"
#include "build/mountns.h"
#include "container/container.h"
#include "dockerfile/dockerfile.h"
#include "image/reference.h"
#include "registry/pull.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"
#include "util/units.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Docker's predefined ARGs: usable with --build-arg without an ARG line, kept out of history. */
static const char *const proxy_args[] = {
	"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
	"ftp_proxy",  "NO_PROXY",   "no_proxy",	   "ALL_PROXY",	  "all_proxy",
};

struct stage {
	char *name;	   /* AS name (lower case), or NULL */
	size_t first, end; /* instructions [first, end): first is the FROM */
	char *base;	   /* the FROM argument after expansion */
	int base_stage;	   /* the earlier stage it starts from, or -1 */
	bool needed;
	bool no_cache;	   /* --no-cache or --no-cache-filter names it */
	json_t *config;	   /* image config being built (owned) */
	struct image *img; /* the last committed image, NULL for scratch before any step */
	char **args;	   /* "NAME=value" ARGs in effect in this stage */
	bool cmd_set;
	bool dirty; /* config changed since img was committed (the default PATH) */
};

struct builder {
	struct store *s;
	const char *runroot;
	const struct build_opts *o;
	const char *file; /* the Dockerfile's name for messages */
	char *context;	  /* absolute, resolved context path */
	struct dockerfile *df;
	char **global_args; /* "NAME=value" of the ARGs before the first FROM (and the platform) */
	char **build_args;  /* --build-arg, "NAME=value" */
	char **consumed;    /* build-arg names some ARG declared */
	struct ignore *ignore;
	struct hash_cache *hc; /* context file digests, loaded on the first COPY/ADD */
	struct stage *stages;
	size_t n_stages;
	FILE *out;
	unsigned step, n_steps;
};

static bool endswith(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && streq(s + a - b, suffix);
}

/* sha256 of what @fd holds, from its start. */
static int digest_fd(int fd, char ret[DIGEST_STR_LEN])
{
	struct sha256_ctx *c = sha256_new();
	char buf[65536];
	ssize_t n;
	off_t off = 0;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		sha256_update(c, buf, (size_t) n);
		off += n;
	}
	sha256_final(c, ret);
	return n < 0 ? -errno : 0;
}

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

/* Prefix an error from a pure helper with the instruction's location only. */
static int located(struct builder *b, const struct df_instr *in, struct hull_err **err)
{
	int r = err_wrap(err, "%s:%u", b->file, in->start_line);
	err_set_exit(err, 1);
	return r;
}

static const char *short_hex(const char *id)
{
	static char buf[13];
	snprintf(buf, sizeof(buf), "%s", startswith(id, "sha256:") ? id + 7 : id);
	return buf;
}

static void say(struct builder *b, const char *fmt, ...) _printf_(2, 3);
static void say(struct builder *b, const char *fmt, ...)
{
	va_list ap;

	if (b->o->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(b->out, fmt, ap);
	va_end(ap);
	fflush(b->out);
}

/* The legacy builder prints a pull's progress as plain lines (docker build's stream). */
static void pull_say(void *arg, const struct xfer_event *ev)
{
	_cleanup_free_ char *line = xfer_event_line(ev, false);

	if (line)
		say(arg, "%s\n", line);
}

/*
 * An image that FROM or COPY --from names: the store's, or pulled when it
 * is not there; FROM pulls it again with --pull (@from_line), as docker
 * build does.
 */
static int image_get_or_pull(struct builder *b, const char *name, bool from_line,
			     struct image **ret, struct hull_err **err)
{
	struct pull_opts po = {.progress = pull_say, .progress_arg = b};
	struct pull_result res = {0};
	int r;

	if (!(from_line && b->o->pull) && store_image_get(b->s, name, ret, NULL) >= 0)
		return 0;
	r = image_pull(b->s, b->o->registry, name, &po, &res, err);
	if (r < 0)
		return r;
	say(b, "Digest: %s\nStatus: %s for %s\n", res.digest,
	    res.up_to_date ? "Image is up to date" : "Downloaded newer image", res.familiar);
	r = store_image_load(b->s, res.manifest_digest, ret, err);
	pull_result_release(&res);
	return r;
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

static const char *host_arch(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return "amd64";
	if (streq(u.machine, "x86_64"))
		return "amd64";
	if (streq(u.machine, "aarch64"))
		return "arm64";
	if (startswith(u.machine, "arm"))
		return "arm";
	if (streq(u.machine, "i686") || streq(u.machine, "i386"))
		return "386";
	return "amd64";
}

/* The environment expansion sees: the stage's ARGs, then its ENV (ENV wins, as docker). */
static char **expand_env(struct builder *b, struct stage *st)
{
	_cleanup_strv_ char **env = NULL;
	size_t i;
	json_t *v;

	if (!st)
		return strv_copy(b->global_args) ?: strv_new();
	STRV_FOREACH (a, st->args)
		strv_push(&env, *a);
	json_array_foreach (json_object_get(cfg_config(st), "Env"), i, v)
		strv_push(&env, json_string_value(v));
	if (!env)
		env = strv_new();
	return TAKE_PTR(env);
}

static int expand(struct builder *b, const struct df_instr *in, struct stage *st, const char *w,
		  char **ret, struct hull_err **err)
{
	_cleanup_strv_ char **env = expand_env(b, st);
	int r = df_expand_word(w, env, b->df->escape, ret, err);
	return r < 0 ? wrap(b, in, err) : 0;
}

static void args_set(char ***l, const char *name, const char *value)
{
	_cleanup_free_ char *kv = xasprintf("%s=%s", name, value);
	strv_env_set(l, kv);
}

static bool is_proxy_arg(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(proxy_args); i++)
		if (streq(proxy_args[i], name))
			return true;
	return false;
}

/* ---- cache ---- */

static char *cache_key(struct builder *b, struct stage *st, const struct df_instr *in,
		       const char *extra)
{
	struct sha256_ctx *c = sha256_new();
	char d[DIGEST_STR_LEN];
	_cleanup_strv_ char **args = strv_copy(st->args);
	const char *parent = st->img ? st->img->id : "scratch";

	(void) b;
	sha256_update(c, "hull-build-cache-v2\n", 20);
	sha256_update(c, parent, strlen(parent));
	sha256_update(c, "\n", 1);
	{
		/* the config stands for what the parent image does not show (scratch, ONBUILD) */
		_cleanup_free_ char *cj =
			json_dump_str(cfg_config(st), JSON_COMPACT | JSON_SORT_KEYS);
		sha256_update(c, cj, strlen(cj));
	}
	sha256_update(c, in->original, strlen(in->original));
	sha256_update(c, "\n", 1);
	for (size_t i = 0; i < in->n_heredocs; i++)
		sha256_update(c, in->heredocs[i].content, strlen(in->heredocs[i].content) + 1);
	if (args)
		qsort(args, strv_length(args), sizeof(char *), strcmp_ptr);
	STRV_FOREACH (a, args)
		sha256_update(c, *a, strlen(*a) + 1);
	if (extra)
		sha256_update(c, extra, strlen(extra));
	sha256_final(c, d);
	return xstrdup(digest_hex(d));
}

static void stage_adopt(struct stage *st, struct image *img)
{
	json_decref(st->config);
	st->config = json_deep_copy(img->config);
	image_free(st->img);
	st->img = img;
	st->dirty = false;
}

static struct image *cache_get(struct builder *b, struct stage *st, const char *key)
{
	_cleanup_free_ char *p = xasprintf("%s/cache/%s", b->s->root, key), *id = NULL;
	struct image *img = NULL;

	if (b->o->no_cache || st->no_cache)
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
	struct image *hit = cache_get(b, st, key);

	if (!hit)
		return false;
	say(b, " ---> Using cache\n");
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

/*
 * Commit the stage's config (with a new history entry and, optionally, a
 * layer). @created_by NULL commits the config alone: no history entry, and
 * "created" kept (a stage with no step of its own, as BuildKit exports it).
 */
static int commit_step(struct builder *b, struct stage *st, const struct df_instr *in,
		       const char *created_by, const char *diff_id, struct hull_err **err)
{
	_cleanup_free_ char *now = now_rfc3339();
	_cleanup_strv_ char **layers = NULL;
	json_t *hist, *rootfs, *ids, *h;
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
	hist = json_object_get(st->config, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(st->config, "history", hist);
	}
	if (created_by) {
		json_object_set_new(st->config, "created", json_string(now));
		h = json_pack("{s:s,s:s,s:s}", "created", now, "created_by", created_by, "comment",
			      BUILD_HISTORY_COMMENT);
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
	r = store_lock(b->s, err);
	if (r == 0) {
		r = store_image_commit(b->s, st->config, layers, st->img, &img, err);
		/* a build step, hidden by `images` unless it ends up as the result */
		if (r == 0)
			r = store_image_set_intermediate(b->s, img->manifest_digest, true, err);
		store_unlock(b->s);
	}
	if (r < 0) {
		image_free(img);
		return wrap(b, in, err);
	}
	image_free(st->img);
	st->img = img;
	st->dirty = false;
	return 0;
}

/* Move an overlay upper directory into the store as a layer on top of the stage's image. */
static int commit_upper(struct builder *b, struct stage *st, const struct df_instr *in,
			const char *upper, char diff_id[DIGEST_STR_LEN], struct hull_err **err)
{
	char chain_id[DIGEST_STR_LEN];
	size_t n = st->img ? strv_length(st->img->chain_ids) : 0;
	int r;

	r = store_lock(b->s, err);
	if (r == 0) {
		r = store_layer_commit_dir(b->s, upper, n ? st->img->chain_ids[n - 1] : NULL,
					   diff_id, chain_id, err);
		store_unlock(b->s);
	}
	return r < 0 ? wrap(b, in, err) : 0;
}

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return true;
	while ((e = readdir(d)))
		if (!streq(e->d_name, ".") && !streq(e->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

/* ---- mounted work: COPY/ADD and WORKDIR run in a child with the image mounted ---- */

struct mount_job {
	char **lower; /* the stage's layers, top first */
	char *upper, *work, *merged, *empty;
	char **src_lower; /* COPY --from=<image or stage>: its layers */
	char *src_upper, *src_work, *src_merged;
	struct copy_req *q;	/* COPY/ADD */
	const char *mkdir_path; /* WORKDIR */
	uid_t uid;
	gid_t gid;
};

static int mount_job_run(void *arg, struct hull_err **err)
{
	struct mount_job *j = arg;
	int r;

	r = build_mount_layers(j->lower, j->upper, j->work, j->merged, j->empty, err);
	if (r < 0)
		return r;
	if (j->src_merged) {
		r = build_mount_layers(j->src_lower, j->src_upper, j->src_work, j->src_merged,
				       j->empty, err);
		if (r < 0)
			return r;
	}
	if (j->mkdir_path)
		return copy_mkdir(j->merged, j->mkdir_path, j->uid, j->gid, err);
	return copy_into(j->q, j->merged, err);
}

/* Set up the staging directories of @j under a fresh tmp dir (*@ret_stage, caller removes). */
static int mount_job_prepare(struct builder *b, struct stage *st, struct mount_job *j,
			     const struct image *src_img, char **ret_stage, struct hull_err **err)
{
	_cleanup_free_ char *stage = NULL;
	int r;

	r = store_tmpdir(b->s, "build", &stage, err);
	if (r < 0)
		return r;
	j->lower = st->img ? store_image_lowerdirs(b->s, st->img) : strv_new();
	j->upper = path_join(stage, "upper");
	j->work = path_join(stage, "work");
	j->merged = path_join(stage, "merged");
	j->empty = path_join(stage, "empty");
	if (mkdir(j->upper, 0755) < 0 || mkdir(j->work, 0700) < 0 || mkdir(j->merged, 0755) < 0 ||
	    mkdir(j->empty, 0755) < 0) {
		r = err_set(err, errno, "create build directories");
		(void) rm_rf(stage, NULL);
		return r;
	}
	if (src_img) {
		j->src_lower = store_image_lowerdirs(b->s, src_img);
		j->src_upper = path_join(stage, "src-upper");
		j->src_work = path_join(stage, "src-work");
		j->src_merged = path_join(stage, "src");
		if (mkdir(j->src_upper, 0755) < 0 || mkdir(j->src_work, 0700) < 0 ||
		    mkdir(j->src_merged, 0755) < 0) {
			r = err_set(err, errno, "create build directories");
			(void) rm_rf(stage, NULL);
			return r;
		}
	}
	*ret_stage = TAKE_PTR(stage);
	return 0;
}

static void mount_job_release(struct mount_job *j)
{
	strv_free(j->lower);
	strv_free(j->src_lower);
	free(j->upper);
	free(j->work);
	free(j->merged);
	free(j->empty);
	free(j->src_upper);
	free(j->src_work);
	free(j->src_merged);
}

/* ---- instructions ---- */

static int dispatch(struct builder *b, struct stage *st, const struct df_instr *in,
		    struct hull_err **err);

static json_t *scratch_config(void)
{
	return json_pack("{s:s,s:s,s:{s:[s]},s:{s:s,s:[]},s:[]}", "architecture", host_arch(), "os",
			 "linux", "config", "Env", "PATH=" DEFAULT_PATH, "rootfs", "type", "layers",
			 "diff_ids", "history");
}

/* ONBUILD triggers of the base image run right after FROM (BuildKit dispatchOnBuildTriggers). */
static int run_triggers(struct builder *b, struct stage *st, const struct df_instr *from,
			struct hull_err **err)
{
	_cleanup_strv_ char **triggers = NULL;
	json_t *c = cfg_config(st);
	int r = 0;

	(void) json_to_strv(json_object_get(c, "OnBuild"), &triggers);
	if (!triggers || !triggers[0])
		return 0;
	/* the new image does not inherit them */
	json_object_del(c, "OnBuild");
	say(b, "# Executing %zu build trigger%s\n", strv_length(triggers),
	    strv_length(triggers) == 1 ? "" : "s");
	STRV_FOREACH (t, triggers) {
		struct dockerfile *df = NULL;
		struct hull_err *e = NULL;

		if (df_parse(*t, strlen(*t), "ONBUILD", &df, &e) < 0 || df->n_instrs != 1) {
			r = fail(b, from, err, EINVAL, "invalid ONBUILD trigger '%s': %s", *t,
				 e ? e->msg : "not one instruction");
			err_free(e);
			df_free(df);
			return r;
		}
		{
			struct df_instr *in = &df->instrs[0];
			unsigned line = in->start_line;
			if (in->kind == DF_CMD_ONBUILD || in->kind == DF_CMD_FROM ||
			    in->kind == DF_CMD_MAINTAINER) {
				r = fail(b, from, err, EINVAL,
					 "%s isn't allowed as an ONBUILD trigger", in->cmd);
			} else {
				/* errors point at the FROM line that ran the trigger */
				in->start_line = from->start_line;
				r = df_check_flags(in, err);
				if (r < 0)
					r = wrap(b, in, err);
				else
					r = dispatch(b, st, in, err);
				in->start_line = line;
			}
		}
		df_free(df);
		if (r < 0)
			return r;
	}
	return 0;
}

static int do_from(struct builder *b, struct stage *st, const struct df_instr *in,
		   struct hull_err **err)
{
	STRV_FOREACH (f, in->flags) {
		_cleanup_free_ char *plat = NULL, *want = NULL;
		int r;
		if (!startswith(*f, "--platform="))
			continue;
		r = expand(b, in, NULL, *f + 11, &plat, err);
		if (r < 0)
			return r;
		want = xasprintf("linux/%s", host_arch());
		if (!streq(plat, want))
			return fail(b, in, err, ENOTSUP,
				    "FROM --platform=%s: only %s can be built on this machine",
				    plat, want);
	}
	if (st->base_stage >= 0) {
		struct stage *bs = &b->stages[st->base_stage];
		struct image *img = NULL;
		int r;

		if (!bs->img) {
			st->config = json_deep_copy(bs->config);
		} else {
			r = store_image_get(b->s, bs->img->id, &img, err);
			if (r < 0)
				return wrap(b, in, err);
			st->config = json_deep_copy(bs->config);
			st->img = img;
			st->dirty = bs->dirty;
		}
	} else if (strcasecmp(st->base, "scratch") == 0) {
		st->config = scratch_config();
	} else {
		struct image *img = NULL;
		if (!*st->base)
			return fail(b, in, err, EINVAL, "base name (%s) should not be blank",
				    in->args[0]);
		if (image_get_or_pull(b, st->base, true, &img, err) < 0)
			return wrap(b, in, err);
		st->config = json_deep_copy(img->config);
		st->img = img;
	}
	/* a config without PATH gets the default one, for the steps and in the image
	 * (BuildKit's dispatchStages appends it to the stage's image config) */
	{
		json_t *c = cfg_config(st), *env = json_object_get(c, "Env");
		_cleanup_strv_ char **l = NULL;

		(void) json_to_strv(env, &l);
		if (!strv_env_get(l, "PATH")) {
			if (!json_is_array(env)) {
				env = json_array();
				json_object_set_new(c, "Env", env);
			}
			json_array_append_new(env, json_string("PATH=" DEFAULT_PATH));
			if (st->img)
				st->dirty = true;
		}
	}
	/* a new stage has no history of its own in the cache key but its base */
	say(b, " ---> %s\n", st->img ? short_hex(st->img->id) : "scratch");
	return run_triggers(b, st, in, err);
}

static int do_arg(struct builder *b, const struct df_instr *in, struct stage *st,
		  struct hull_err **err)
{
	for (size_t i = 0; i < in->n_args; i++) {
		const char *a = in->args[i], *eq = strchr(a, '=');
		_cleanup_free_ char *name = eq ? xstrndup(a, (size_t) (eq - a)) : xstrdup(a);
		_cleanup_free_ char *def = NULL;
		const char *given = strv_env_get(b->build_args, name);
		const char *value = NULL;

		if (!*name)
			return fail(b, in, err, EINVAL, "ARG requires a name");
		if (eq) {
			int r = expand(b, in, st, eq + 1, &def, err);
			if (r < 0)
				return r;
		}
		if (given) {
			value = given;
			if (!strv_env_get(b->consumed, name))
				args_set(&b->consumed, name, "");
		} else if (def) {
			value = def;
		} else if (st) {
			/* "ARG NAME" in a stage takes the value of a global ARG NAME */
			value = strv_env_get(b->global_args, name);
		}
		/* without a value the name keeps what it had: an automatic platform ARG
		 * its value, anything else stays unset (BuildKit's buildMetaArgs) */
		if (value)
			args_set(st ? &st->args : &b->global_args, name, value);
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

/* CMD, ENTRYPOINT, SHELL: the pure rules of build/cmdline.c on this stage's config. */
static int do_cmdline(struct builder *b, const struct df_instr *in, struct stage *st,
		      struct hull_err **err)
{
	int r = build_cmd_apply(cfg_config(st), in, &st->cmd_set, err);
	return r < 0 ? located(b, in, err) : 0;
}

static int do_healthcheck(struct builder *b, const struct df_instr *in, struct stage *st,
			  struct hull_err **err)
{
	json_t *c = cfg_config(st), *hc;
	const char *type = in->n_args ? in->args[0] : "";

	if (strcasecmp(type, "NONE") == 0) {
		if (in->n_args > 1 || (in->flags && in->flags[0]))
			return fail(b, in, err, EINVAL, "HEALTHCHECK NONE takes no arguments");
		json_object_set_new(c, "Healthcheck", json_pack("{s:[s]}", "Test", "NONE"));
		return 0;
	}
	if (strcasecmp(type, "CMD") != 0)
		return fail(b, in, err, EINVAL, "Unknown type \"%s\" in HEALTHCHECK (try CMD)",
			    type);
	hc = json_object();
	{
		json_t *test = json_array();
		if (in->json) {
			json_array_append_new(test, json_string("CMD"));
			for (size_t i = 1; i < in->n_args; i++)
				json_array_append_new(
					test, json_stringn_nocheck(in->args[i], in->arg_lens[i]));
		} else {
			json_array_append_new(test, json_string("CMD-SHELL"));
			json_array_append_new(test, json_string(in->n_args > 1 ? in->args[1] : ""));
		}
		if (json_array_size(test) < 2) {
			json_decref(test);
			json_decref(hc);
			return fail(b, in, err, EINVAL, "Missing command after HEALTHCHECK CMD");
		}
		json_object_set_new(hc, "Test", test);
	}
	STRV_FOREACH (f, in->flags) {
		static const char *const durations[][2] = {
			{"--interval=", "Interval"},
			{"--timeout=", "Timeout"},
			{"--start-period=", "StartPeriod"},
			{"--start-interval=", "StartInterval"},
		};
		bool done = false;
		for (size_t i = 0; i < ARRAY_SIZE(durations); i++) {
			struct hull_err *de = NULL;
			int64_t ns;
			const char *v;
			if (!startswith(*f, durations[i][0]))
				continue;
			v = *f + strlen(durations[i][0]);
			done = true;
			if (!*v)
				break;
			if (units_duration_parse(v, &ns, &de) < 0) {
				int r = fail(b, in, err, EINVAL, "%s", de->msg);
				err_free(de);
				json_decref(hc);
				return r;
			}
			if (ns != 0 && ns < 1000000) {
				/* BuildKit's parseOptInterval names the flag: "start-period" */
				json_decref(hc);
				return fail(b, in, err, EINVAL,
					    "Interval \"%.*s\" cannot be less than 1ms",
					    (int) strlen(durations[i][0]) - 3, durations[i][0] + 2);
			}
			if (ns)
				json_object_set_new(hc, durations[i][1], json_integer(ns));
		}
		if (!done && startswith(*f, "--retries=")) {
			char *end;
			long v = strtol(*f + 10, &end, 10);
			if (*end || !f[0][10]) {
				json_decref(hc);
				return fail(b, in, err, EINVAL,
					    "strconv.ParseInt: parsing \"%s\": invalid syntax",
					    *f + 10);
			}
			if (v < 0) {
				json_decref(hc);
				return fail(b, in, err, EINVAL,
					    "--retries cannot be negative (%ld)", v);
			}
			if (v)
				json_object_set_new(hc, "Retries", json_integer(v));
		}
	}
	json_object_set_new(c, "Healthcheck", hc);
	return 0;
}

static int do_expose_volume(struct builder *b, const struct df_instr *in, struct stage *st,
			    struct hull_err **err)
{
	json_t *c = cfg_config(st);
	const char *key = in->kind == DF_CMD_EXPOSE ? "ExposedPorts" : "Volumes";
	json_t *o = json_object_get(c, key);
	int r;

	if (in->n_args == 0)
		return fail(b, in, err, EINVAL, "%s requires at least one argument", in->cmd);
	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(c, key, o);
	}
	for (size_t i = 0; i < in->n_args; i++) {
		_cleanup_strv_ char **words = NULL;
		if (in->json) {
			words = strv_new();
			strv_push(&words, in->args[i]);
		} else {
			_cleanup_strv_ char **env = expand_env(b, st);
			r = df_expand_words(in->args[i], env, b->df->escape, &words, err);
			if (r < 0)
				return wrap(b, in, err);
		}
		STRV_FOREACH (w, words) {
			unsigned lo, hi;
			char proto[8] = "tcp";
			char *slash;
			int n;

			if (in->kind == DF_CMD_VOLUME) {
				if (!**w)
					return fail(b, in, err, EINVAL,
						    "VOLUME specified can not be an empty string");
				json_object_set_new(o, *w, json_object());
				continue;
			}
			slash = strchr(*w, '/');
			n = sscanf(*w, "%u-%u", &lo, &hi);
			if (slash)
				snprintf(proto, sizeof(proto), "%s", slash + 1);
			for (char *p = proto; *p; p++)
				*p = (char) tolower((unsigned char) *p);
			if (n < 1 || lo == 0 || lo > 65535 ||
			    (!streq(proto, "tcp") && !streq(proto, "udp") && !streq(proto, "sctp")))
				return fail(b, in, err, EINVAL, "invalid containerPort: %s", *w);
			if (n < 2 || (slash && strchr(*w, '-') > slash))
				hi = lo;
			if (hi < lo || hi > 65535)
				return fail(b, in, err, EINVAL, "invalid containerPort: %s", *w);
			for (unsigned p = lo; p <= hi; p++) {
				_cleanup_free_ char *k = xasprintf("%u/%s", p, proto);
				json_object_set_new(o, k, json_object());
			}
		}
	}
	return 0;
}

static int do_simple(struct builder *b, const struct df_instr *in, struct stage *st,
		     struct hull_err **err)
{
	json_t *c = cfg_config(st);
	_cleanup_free_ char *v = NULL;
	int r;

	if (in->n_args == 0)
		return fail(b, in, err, EINVAL, "%s requires exactly one argument", in->cmd);
	switch (in->kind) {
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
		r = build_stopsignal_apply(c, v, err);
		return r < 0 ? located(b, in, err) : 0;
	case DF_CMD_MAINTAINER:
		json_object_set_new(st->config, "author", json_string(in->args[0]));
		return 0;
	default:
		return fail(b, in, err, ENOTSUP, "%s is not supported", in->cmd);
	}
}

static int do_onbuild(struct builder *b, const struct df_instr *in, struct stage *st,
		      struct hull_err **err)
{
	json_t *c = cfg_config(st), *ob = json_object_get(c, "OnBuild");
	const char *text = in->original + strlen(in->cmd);

	if (!in->sub)
		return fail(b, in, err, EINVAL, "ONBUILD requires at least one argument");
	if (in->sub->kind == DF_CMD_ONBUILD)
		return fail(b, in, err, EINVAL,
			    "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
	if (in->sub->kind == DF_CMD_FROM || in->sub->kind == DF_CMD_MAINTAINER)
		return fail(b, in, err, EINVAL, "%s isn't allowed as an ONBUILD trigger",
			    in->sub->cmd);
	while (*text == ' ' || *text == '\t')
		text++;
	if (!json_is_array(ob)) {
		ob = json_array();
		json_object_set_new(c, "OnBuild", ob);
	}
	json_array_append_new(ob, json_string(text));
	return 0;
}

/* Metadata instructions: change the config, commit an image without a layer. */
static int do_meta(struct builder *b, const struct df_instr *in, struct stage *st,
		   struct hull_err **err)
{
	_cleanup_free_ char *key = NULL, *cj = NULL, *by = NULL;
	_cleanup_strv_ char **env_before = expand_env(b, st); /* what the words of @in see */
	json_t *before = json_deep_copy(st->config);
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
	case DF_CMD_SHELL:
		r = do_cmdline(b, in, st, err);
		break;
	case DF_CMD_ONBUILD:
		r = do_onbuild(b, in, st, err);
		break;
	case DF_CMD_HEALTHCHECK:
		r = do_healthcheck(b, in, st, err);
		break;
	case DF_CMD_EXPOSE:
	case DF_CMD_VOLUME:
		r = do_expose_volume(b, in, st, err);
		break;
	default:
		r = do_simple(b, in, st, err);
		break;
	}
	if (r < 0) {
		json_decref(before);
		return r;
	}
	/* the image after a metadata step is reused from the cache like any other */
	{
		json_t *now = st->config;
		st->config = before;
		cj = json_dump_str(cfg_config(st), JSON_COMPACT | JSON_SORT_KEYS);
		st->config = now;
		json_decref(before);
	}
	{
		_cleanup_free_ char *after =
			json_dump_str(st->config, JSON_COMPACT | JSON_SORT_KEYS);
		_cleanup_free_ char *extra = xasprintf("%s\n%s", cj, after);
		key = cache_key(b, st, in, extra);
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

static int resolve_user(struct builder *b, struct stage *st, const struct df_instr *in,
			const char *spec, uid_t *uid, gid_t *gid, struct hull_err **err)
{
	_cleanup_strv_ char **lower = st->img ? store_image_lowerdirs(b->s, st->img) : strv_new();
	_cleanup_free_ gid_t *groups = NULL;
	size_t ng;
	int r;

	*uid = 0;
	*gid = 0;
	if (isempty(spec))
		return 0;
	r = image_user_resolve(lower, NULL, spec, uid, gid, &groups, &ng, NULL, err);
	return r < 0 ? wrap(b, in, err) : 0;
}

/* WORKDIR: a path relative to the previous one; the directory is created (BuildKit's mkdir). */
static int do_workdir(struct builder *b, const struct df_instr *in, struct stage *st,
		      struct hull_err **err)
{
	json_t *c = cfg_config(st);
	const char *cur = json_get_str(c, "WorkingDir");
	_cleanup_free_ char *v = NULL, *joined = NULL, *key = NULL, *tmp = NULL, *by = NULL;
	struct mount_job j = {0};
	char diff_id[DIGEST_STR_LEN];
	bool layer = false;
	int r;

	if (in->n_args == 0)
		return fail(b, in, err, EINVAL, "WORKDIR requires exactly one argument");
	r = expand(b, in, st, in->args[0], &v, err);
	if (r < 0)
		return r;
	if (!*v)
		return fail(b, in, err, EINVAL, "WORKDIR requires exactly one argument");
	joined = v[0] == '/' ? xstrdup(v) : path_join(isempty(cur) ? "/" : cur, v);
	path_clean(joined);
	json_object_set_new(c, "WorkingDir", json_string(joined));
	key = cache_key(b, st, in, joined);
	if (cache_reuse(b, st, key))
		return 0;
	r = resolve_user(b, st, in, json_get_str(c, "User"), &j.uid, &j.gid, err);
	if (r < 0)
		return r;
	r = mount_job_prepare(b, st, &j, NULL, &tmp, err);
	if (r < 0) {
		mount_job_release(&j);
		return wrap(b, in, err);
	}
	j.mkdir_path = joined;
	r = build_mountns_run(mount_job_run, &j, err);
	if (r < 0) {
		r = wrap(b, in, err);
		goto out;
	}
	if (!dir_is_empty(j.upper)) {
		r = commit_upper(b, st, in, j.upper, diff_id, err);
		if (r < 0)
			goto out;
		layer = true;
	}
	by = xasprintf("WORKDIR %s", joined);
	r = commit_step(b, st, in, by, layer ? diff_id : NULL, err);
	if (r == 0)
		cache_put(b, key, st->img);
out:
	mount_job_release(&j);
	(void) rm_rf(tmp, NULL);
	return r;
}

/* BuildKit's MustParseHeredoc: is @w exactly one heredoc word ("<<EOF", "<<-'EOF'")? */
static bool is_heredoc_word(const char *w)
{
	while (isdigit((unsigned char) *w))
		w++;
	if (!startswith(w, "<<"))
		return false;
	w += 2;
	if (*w == '-')
		w++;
	return *w && !strpbrk(w, " \t\n<");
}

/* Expand a COPY heredoc as BuildKit (quotes are plain characters: SkipProcessQuotes). */
static int expand_heredoc(struct builder *b, const struct df_instr *in, struct stage *st,
			  const char *data, char **ret, struct hull_err **err)
{
	_cleanup_strv_ char **env = expand_env(b, st);
	int r = df_expand_heredoc(data, env, ret, err);
	return r < 0 ? wrap(b, in, err) : 0;
}

static bool is_url(const char *s)
{
	return startswith(s, "http://") || startswith(s, "https://");
}

/* Find the stage or image a COPY --from names: a stage (name or index) or an image. */
static int copy_from(struct builder *b, struct stage *st, const struct df_instr *in,
		     const char *from, struct image **ret, struct hull_err **err)
{
	size_t cur = (size_t) (st - b->stages);
	char *end;
	unsigned long idx = strtoul(from, &end, 10);
	struct stage *src = NULL;
	int r;

	if (*from && !*end && isdigit((unsigned char) *from)) {
		if (idx >= cur)
			return fail(b, in, err, EINVAL,
				    "invalid from flag value %s: refers to current or later build "
				    "stage",
				    from);
		src = &b->stages[idx];
	} else {
		for (size_t i = 0; i < cur; i++)
			if (b->stages[i].name && strcasecmp(b->stages[i].name, from) == 0)
				src = &b->stages[i];
	}
	if (src) {
		if (!src->img) {
			/* a stage that is scratch with only metadata: an empty root */
			*ret = NULL;
			return 0;
		}
		r = store_image_get(b->s, src->img->id, ret, err);
		return r < 0 ? wrap(b, in, err) : 0;
	}
	r = image_get_or_pull(b, from, false, ret, err);
	if (r < 0) /* the legacy builder's words for a --from that is neither */
		err_wrap(err, "invalid from flag value %s", from);
	return r < 0 ? wrap(b, in, err) : 0;
}

static int do_copy(struct builder *b, const struct df_instr *in, struct stage *st,
		   struct hull_err **err)
{
	bool add = in->kind == DF_CMD_ADD;
	const char *wd = json_get_str(cfg_config(st), "WorkingDir");
	_cleanup_free_ char *dest = NULL, *sum = NULL, *key = NULL, *chown = NULL, *by = NULL,
			    *from = NULL, *tmp = NULL, *side = NULL, *checksum = NULL;
	_cleanup_strv_ char **words = NULL, **excludes = NULL;
	_cleanup_(image_freep) struct image *src_img = NULL;
	struct ignore *exclude = NULL;
	struct copy_req q = {.chmod = -1, .is_add = add, .ignore = b->ignore};
	struct copy_src *srcs = NULL;
	struct mount_job j = {0};
	bool from_stage = false;
	char diff_id[DIGEST_STR_LEN];
	int r;

	STRV_FOREACH (f, in->flags) {
		if (startswith(*f, "--chown=")) {
			r = expand(b, in, st, *f + 8, &chown, err);
			if (r < 0)
				return r;
		} else if (startswith(*f, "--chmod=")) {
			_cleanup_free_ char *m = NULL;
			char *end;
			long v;
			r = expand(b, in, st, *f + 8, &m, err);
			if (r < 0)
				return r;
			v = strtol(m, &end, 8);
			if (*end || !*m || v < 0 || v > 07777)
				return fail(b, in, err, EINVAL, "invalid chmod parameter: %s", m);
			q.chmod = (int) v;
		} else if (startswith(*f, "--from=")) {
			r = expand(b, in, st, *f + 7, &from, err);
			if (r < 0)
				return r;
		} else if (startswith(*f, "--link")) {
			continue; /* same files and layer; only cache reuse across bases differs */
		} else if (startswith(*f, "--parents")) {
			q.parents = !streq(*f, "--parents=false");
		} else if (startswith(*f, "--exclude=")) {
			_cleanup_free_ char *e = NULL;
			r = expand(b, in, st, *f + 10, &e, err);
			if (r < 0)
				return r;
			strv_push(&excludes, e);
		} else if (startswith(*f, "--checksum=")) {
			r = expand(b, in, st, *f + 11, &checksum, err);
			if (r < 0)
				return r;
		} else {
			return fail(b, in, err, ENOTSUP, "%s %s is not supported yet", in->cmd, *f);
		}
	}
	if (in->n_args < 2)
		return fail(b, in, err, EINVAL,
			    "%s requires at least two arguments, but only one was provided. "
			    "Destination could not be determined",
			    in->cmd);
	if (excludes) {
		_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
		STRV_FOREACH (e, excludes)
			(void) strbuf_addf(&sb, "%s\n", *e);
		r = ignore_parse(sb.buf, sb.len, &exclude, err);
		if (r < 0)
			return wrap(b, in, err);
		q.exclude = exclude;
	}
	if (from) {
		r = copy_from(b, st, in, from, &src_img, err);
		if (r < 0)
			goto out;
		from_stage = true;
	}
	r = store_tmpdir(b->s, "build-src", &side, err);
	if (r < 0) {
		r = wrap(b, in, err);
		goto out;
	}
	/* sources: expanded words (with heredocs and URLs staged in @side) */
	for (size_t i = 0; i + 1 < in->n_args; i++) {
		char *w = NULL;
		const struct df_heredoc *hd = NULL;

		for (size_t k = 0; k < in->n_heredocs && is_heredoc_word(in->args[i]); k++) {
			const char *name = in->args[i] + strspn(in->args[i], "0123456789<-");
			_cleanup_free_ char *bare = xstrdup(name);
			size_t l = strlen(bare);
			if (l >= 2 && (bare[0] == '\'' || bare[0] == '"') && bare[l - 1] == bare[0])
				bare[l - 1] = '\0', memmove(bare, bare + 1, l - 1);
			if (streq(in->heredocs[k].name, bare))
				hd = &in->heredocs[k];
		}
		srcs = xrealloc(srcs, (q.n_srcs + 1) * sizeof(*srcs));
		if (hd) {
			_cleanup_free_ char *data = NULL, *chomped = NULL, *p = NULL;
			chomped = hd->chomp ? df_heredoc_chomp(hd->content) : xstrdup(hd->content);
			if (hd->expand) {
				r = expand_heredoc(b, in, st, chomped, &data, err);
				if (r < 0)
					goto out;
			} else {
				data = TAKE_PTR(chomped);
			}
			p = path_join(side, hd->name);
			r = write_file_atomic(p, data, strlen(data), 0644, err);
			if (r < 0) {
				r = wrap(b, in, err);
				goto out;
			}
			strv_push(&words, hd->name);
			srcs[q.n_srcs++] = (struct copy_src){.root = side};
			continue;
		}
		r = expand(b, in, st, in->args[i], &w, err);
		if (r < 0)
			goto out;
		if (is_url(w) && !from) {
			_cleanup_free_ char *name = NULL, *part = NULL, *final = NULL;
			_cleanup_close_ int fd = -1;
			time_t mtime = 0;
			if (!add) {
				free(w);
				r = fail(b, in, err, EINVAL, "source can't be a URL for COPY");
				goto out;
			}
			part = path_join(side, ".download");
			fd = open(part, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
			if (fd < 0) {
				free(w);
				r = err_set(err, errno, "create '%s'", part);
				r = wrap(b, in, err);
				goto out;
			}
			say(b, "Downloading %s\n", w);
			r = build_fetch(w, fd, &name, &mtime, err);
			free(w);
			if (r < 0) {
				r = wrap(b, in, err);
				goto out;
			}
			if (checksum) {
				char d[DIGEST_STR_LEN];
				r = digest_fd(fd, d);
				if (r < 0 || !streq(d, checksum)) {
					r = fail(b, in, err, EINVAL,
						 "digest mismatch for %s: expected %s, got %s",
						 name, checksum, r < 0 ? "?" : d);
					goto out;
				}
			}
			final = path_join(side, name);
			if (rename(part, final) < 0) {
				r = err_set(err, errno, "rename '%s'", part);
				r = wrap(b, in, err);
				goto out;
			}
			if (mtime) {
				struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
				(void) utimensat(AT_FDCWD, final, ts, 0);
			}
			strv_push(&words, name);
			srcs[q.n_srcs++] = (struct copy_src){.root = side};
			continue;
		}
		if (add && (startswith(w, "git@") || endswith(w, ".git"))) {
			free(w);
			r = fail(b, in, err, ENOTSUP,
				 "ADD of a git repository is not supported yet");
			goto out;
		}
		if (checksum && !from) {
			free(w);
			r = fail(b, in, err, EINVAL,
				 "checksum can't be specified for non-HTTP(S) sources");
			goto out;
		}
		strv_consume(&words, w);
		srcs[q.n_srcs++] = (struct copy_src){.root = from ? NULL : b->context,
						     .context = !from,
						     .archive = add && !from};
	}
	for (size_t i = 0; i < q.n_srcs; i++)
		srcs[i].path = words[i];
	q.srcs = srcs;
	r = expand(b, in, st, in->args[in->n_args - 1], &dest, err);
	if (r < 0)
		goto out;
	if (!*dest) {
		r = fail(b, in, err, EINVAL, "%s requires a destination", in->cmd);
		goto out;
	}
	if (dest[0] != '/') {
		bool slash =
			dest[strlen(dest) - 1] == '/' || streq(dest, ".") || endswith(dest, "/.");
		_cleanup_free_ char *joined = path_join(isempty(wd) ? "/" : wd, dest);
		free(dest);
		dest = slash ? xasprintf("%s/", joined) : xstrdup(joined);
	}
	q.dest = dest;
	if (chown) {
		r = resolve_user(b, st, in, chown, &q.uid, &q.gid, err);
		if (r < 0)
			goto out;
	}
	/* the cache key: context and heredoc sources by content, image sources by image id */
	if (!b->hc)
		b->hc = hash_cache_load(b->s->root);
	q.hc = b->hc;
	if (from_stage) {
		struct copy_req hq = q;
		size_t n = 0;
		_cleanup_free_ struct copy_src *h = xcalloc(q.n_srcs + 1, sizeof(*h));
		for (size_t i = 0; i < q.n_srcs; i++)
			if (srcs[i].root)
				h[n++] = srcs[i];
		hq.srcs = h;
		hq.n_srcs = n;
		if (n) {
			r = copy_checksum(&hq, &sum, err);
			if (r < 0) {
				r = wrap(b, in, err);
				goto out;
			}
		}
		{
			char *s2 = xasprintf("%s from %s", sum ? sum : "",
					     src_img ? src_img->id : "scratch");
			free(sum);
			sum = s2;
		}
	} else {
		r = copy_checksum(&q, &sum, err);
		if (r < 0) {
			r = wrap(b, in, err);
			goto out;
		}
	}
	{
		_cleanup_free_ char *extra = xasprintf("%s\n%s\n%d:%u:%u:%d", sum, dest, q.chmod,
						       q.uid, q.gid, q.parents);
		key = cache_key(b, st, in, extra);
	}
	if (cache_reuse(b, st, key)) {
		r = 0;
		goto out;
	}
	r = mount_job_prepare(b, st, &j, src_img, &tmp, err);
	if (r < 0) {
		r = wrap(b, in, err);
		goto out;
	}
	if (from_stage) {
		/* image sources are resolved in the mounted source root */
		for (size_t i = 0; i < q.n_srcs; i++)
			if (!srcs[i].root)
				srcs[i].root = j.src_merged ? j.src_merged : j.empty;
	}
	j.q = &q;
	r = build_mountns_run(mount_job_run, &j, err);
	if (r < 0) {
		r = wrap(b, in, err);
		goto out;
	}
	r = commit_upper(b, st, in, j.upper, diff_id, err);
	if (r < 0)
		goto out;
	by = xasprintf("%s %s%s %s # buildkit", add ? "ADD" : "COPY", from ? "--from=" : "",
		       from ? from : "", dest);
	{
		/* docker shows the sources as written; keep the instruction text */
		free(by);
		by = xasprintf("%s # buildkit", in->original);
	}
	r = commit_step(b, st, in, by, diff_id, err);
	if (r == 0)
		cache_put(b, key, st->img);
out:
	mount_job_release(&j);
	if (tmp)
		(void) rm_rf(tmp, NULL);
	if (side)
		(void) rm_rf(side, NULL);
	free(srcs);
	ignore_free(exclude);
	return r;
}

/*
 * The runtime creates mount points (/proc, /sys, /dev, /etc/hosts...) in the
 * RUN container's upper directory when the image lacks them, and copies up
 * the /etc files it mounts over; docker keeps such stubs in an init layer
 * that is never committed. Remove them from the upper directory unless the
 * command changed them.
 */
static void drop_mount_stubs(const char *upper, char *const *lower)
{
	static const char *const files[] = {"etc/hosts", "etc/hostname", "etc/resolv.conf"};
	static const char *const dirs[] = {"proc", "sys", "dev", "etc"};
	struct stat st, low;

	{
		/*
		 * Only through fds that follow no symlink: the step may have made its
		 * etc a symlink to a host path (RUN ln -s /var/tmp/x /etc), and a path
		 * string would then unlink host files.
		 */
		_cleanup_close_ int ufd =
			open(upper, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int efd =
			ufd < 0 ? -1
				: openat(ufd, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		for (size_t i = 0; efd >= 0 && i < ARRAY_SIZE(files); i++) {
			const char *name = files[i] + strlen("etc/");
			/* a bind-mount target: writes went to the mounted file, never here */
			if (fstatat(efd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(st.st_mode))
				(void) unlinkat(efd, name, 0);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *p = path_join(upper, dirs[i]);
		bool in_lower = false, same = false;
		char v[4];

		if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode) || !dir_is_empty(p))
			continue;
		if (lgetxattr(p, "trusted.overlay.opaque", v, sizeof(v)) > 0)
			continue; /* the command emptied it: keep the whiteout */
		STRV_FOREACH (l, (char **) lower) {
			_cleanup_free_ char *lp = path_join(*l, dirs[i]);
			if (lstat(lp, &low) == 0) {
				in_lower = true;
				same = S_ISDIR(low.st_mode) && low.st_mode == st.st_mode &&
				       low.st_uid == st.st_uid && low.st_gid == st.st_gid;
				break;
			}
		}
		if (!in_lower || same)
			(void) rmdir(p);
	}
}

static int do_run(struct builder *b, const struct df_instr *in, struct stage *st,
		  struct hull_err **err)
{
	_cleanup_free_ char *key = NULL, *by = NULL, *upper = NULL, *script_dir = NULL;
	_cleanup_strv_ char **argv = NULL, **env = strv_new(), **ep = NULL, **lower = NULL;
	json_t *cmd = NULL, *c = cfg_config(st);
	struct run_opts ro = {.network = b->o->network ?: "bridge",
			      .out_fd = -1,
			      .hidden = true,
			      .add_hosts = b->o->add_hosts,
			      .shm_size = b->o->shm_size,
			      .resources = b->o->resources};
	struct container *ctr = NULL;
	const struct df_heredoc *script = NULL;
	char diff_id[DIGEST_STR_LEN];
	int code = 0, r;

	STRV_FOREACH (f, in->flags) {
		/* BuildKit's network.host entitlement: a Dockerfile (or an ONBUILD trigger of
		 * its base image) must not take the host's network without the user's say */
		if (streq(*f, "--network=host") && !b->o->allow_network_host)
			return fail(
				b, in, err, EPERM,
				"RUN --network=host: network.host is not allowed (grant it with "
				"hull build --allow network.host)");
		if (streq(*f, "--network=host") || streq(*f, "--network=none") ||
		    streq(*f, "--network=default")) {
			ro.network = streq(*f, "--network=default") ? "bridge" : *f + 10;
			continue;
		}
		return fail(b, in, err, ENOTSUP, "RUN %s is not supported yet", *f);
	}
	key = cache_key(b, st, in, ro.network);
	if (cache_reuse(b, st, key))
		return 0;
	if (!st->img) {
		/* RUN on scratch with nothing yet: commit the empty image first (its
		 * history entry stays: it carries the empty layer) */
		r = commit_step(b, st, in, "", NULL, err);
		if (r < 0)
			return r;
	}
	if (in->n_heredocs && !in->json && in->n_args == 1 && is_heredoc_word(in->args[0])) {
		/* RUN <<EOF: the body is the command (a script file when it has "#!") */
		const struct df_heredoc *h = &in->heredocs[0];
		_cleanup_free_ char *data =
			h->chomp ? df_heredoc_chomp(h->content) : xstrdup(h->content);
		if (startswith(data, "#!")) {
			script = h;
			script_dir = xasprintf(".hull-heredoc-%s", short_hex(key));
			argv = strv_new();
			{
				_cleanup_free_ char *p = xasprintf("/%s/%s", script_dir, h->name);
				strv_push(&argv, p);
			}
		} else {
			cmd = build_shell_wrap(cfg_config(st), data);
		}
	} else if (in->n_heredocs && !in->json) {
		/* the shell reads the heredocs itself */
		_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
		(void) strbuf_adds(&sb, in->args[0]);
		for (size_t i = 0; i < in->n_heredocs; i++)
			(void) strbuf_addf(&sb, "\n%s%s", in->heredocs[i].content,
					   in->heredocs[i].name);
		cmd = build_shell_wrap(cfg_config(st), sb.buf);
	} else {
		cmd = build_command_json(cfg_config(st), in);
	}
	if (cmd) {
		(void) json_to_strv(cmd, &argv);
		json_decref(cmd);
	}
	if (!argv || !argv[0])
		return fail(b, in, err, EINVAL, "RUN requires at least one argument");
	/* build args are in RUN's environment unless ENV sets the name (moby dispatchRun) */
	{
		_cleanup_strv_ char **ienv = NULL;
		(void) json_to_strv(json_object_get(c, "Env"), &ienv);
		/* the stage's environment, which st->img may not have yet (the default PATH) */
		STRV_FOREACH (e, ienv)
			if (strchr(*e, '=')) /* a bare name would take the host's value */
				strv_push(&env, *e);
		STRV_FOREACH (a, st->args) {
			_cleanup_free_ char *name = xstrndup(*a, strcspn(*a, "="));
			if (!strv_env_get(ienv, name))
				strv_push(&env, *a);
		}
		for (size_t i = 0; i < ARRAY_SIZE(proxy_args); i++) {
			const char *v = strv_env_get(b->build_args, proxy_args[i]);
			if (v && !strv_env_get(ienv, proxy_args[i]) &&
			    !strv_env_get(st->args, proxy_args[i]))
				args_set(&env, proxy_args[i], v);
		}
	}
	strv_push(&ep, argv[0]);
	ro.entrypoint = ep;
	ro.cmd = argv[1] ? argv + 1 : NULL;
	ro.env = env;
	ro.out_fd = b->o->quiet ? open("/dev/null", O_WRONLY | O_CLOEXEC) : fileno(b->out);
	fflush(b->out);
	r = container_create(b->s, b->runroot, st->img, st->img->id, &ro, &ctr, err);
	if (r == 0) {
		upper = path_join(ctr->dir, "upper");
		if (script) {
			_cleanup_free_ char *d = path_join(upper, script_dir);
			_cleanup_free_ char *f = path_join(d, script->name);
			_cleanup_free_ char *data = script->chomp
							    ? df_heredoc_chomp(script->content)
							    : xstrdup(script->content);
			if (mkdir(d, 0755) < 0)
				r = err_set(err, errno, "create '%s'", d);
			else
				r = write_file_atomic(f, data, strlen(data), 0755, err);
		}
	}
	if (r == 0) {
		say(b, " ---> Running in %.12s\n", ctr->id);
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
		_cleanup_free_ char *shown = NULL;
		json_t *a = json_from_strv(argv);
		shown = json_dump_str(a, JSON_COMPACT);
		json_decref(a);
		(void) container_remove(b->s, b->runroot, ctr, true, NULL);
		container_free(ctr);
		return fail(b, in, err, EIO, "RUN: the command '%s' returned a non-zero code: %d",
			    in->json || in->n_heredocs ? shown : in->args[0], code);
	}
	if (script_dir) {
		_cleanup_free_ char *d = path_join(upper, script_dir);
		(void) rm_rf(d, NULL);
	}
	lower = store_image_lowerdirs(b->s, st->img);
	drop_mount_stubs(upper, lower);
	r = commit_upper(b, st, in, upper, diff_id, err);
	(void) container_remove(b->s, b->runroot, ctr, true, NULL);
	container_free(ctr);
	if (r < 0)
		return r;
	by = build_created_by_run(argv, st->args, cfg_config(st));
	r = commit_step(b, st, in, by, diff_id, err);
	if (r < 0)
		return r;
	cache_put(b, key, st->img);
	return 0;
}

static int dispatch(struct builder *b, struct stage *st, const struct df_instr *in,
		    struct hull_err **err)
{
	switch (in->kind) {
	case DF_CMD_COPY:
	case DF_CMD_ADD:
		return do_copy(b, in, st, err);
	case DF_CMD_RUN:
		return do_run(b, in, st, err);
	case DF_CMD_WORKDIR:
		return do_workdir(b, in, st, err);
	case DF_CMD_FROM:
		return fail(b, in, err, EINVAL, "FROM is not allowed here");
	default:
		return do_meta(b, in, st, err);
	}
}

/* ---- planning: stages, targets, dependencies ---- */

static void stages_free(struct builder *b)
{
	for (size_t i = 0; i < b->n_stages; i++) {
		free(b->stages[i].name);
		free(b->stages[i].base);
		json_decref(b->stages[i].config);
		image_free(b->stages[i].img);
		strv_free(b->stages[i].args);
	}
	free(b->stages);
}

/* The stage a name refers to, among the stages before @before; -1 if none. */
static int stage_by_name(struct builder *b, const char *name, size_t before)
{
	for (size_t i = 0; i < before && i < b->n_stages; i++)
		if (b->stages[i].name && strcasecmp(b->stages[i].name, name) == 0)
			return (int) i;
	return -1;
}

/*
 * The stages a stage's COPY --from lines name. --from is expanded with the
 * ARGs the stage declared up to that line (defaults, build args, globals).
 */
static void mark_needed(struct builder *b, size_t i)
{
	struct stage *st = &b->stages[i];
	_cleanup_strv_ char **args = NULL;

	if (st->needed)
		return;
	st->needed = true;
	if (st->base_stage >= 0)
		mark_needed(b, (size_t) st->base_stage);
	for (size_t k = st->first + 1; k < st->end; k++) {
		const struct df_instr *in = &b->df->instrs[k];

		if (in->kind == DF_CMD_ARG) {
			for (size_t a = 0; a < in->n_args; a++) {
				const char *eq = strchr(in->args[a], '=');
				_cleanup_free_ char *name =
					eq ? xstrndup(in->args[a], (size_t) (eq - in->args[a]))
					   : xstrdup(in->args[a]);
				_cleanup_free_ char *def = NULL;
				const char *v = strv_env_get(b->build_args, name);
				if (!v && eq &&
				    df_expand_word(eq + 1, args, b->df->escape, &def, NULL) == 0)
					v = def;
				if (!v)
					v = strv_env_get(b->global_args, name);
				if (v)
					args_set(&args, name, v);
			}
			continue;
		}
		if (in->kind != DF_CMD_COPY && in->kind != DF_CMD_ADD)
			continue;
		STRV_FOREACH (f, in->flags) {
			_cleanup_free_ char *from = NULL;
			char *end;
			unsigned long idx;
			int s;

			if (!startswith(*f, "--from="))
				continue;
			if (df_expand_word(*f + 7, args, b->df->escape, &from, NULL) < 0)
				continue;
			idx = strtoul(from, &end, 10);
			if (*from && !*end && isdigit((unsigned char) *from))
				s = idx < i ? (int) idx : -1;
			else
				s = stage_by_name(b, from, i);
			if (s >= 0)
				mark_needed(b, (size_t) s);
		}
	}
}

static int plan(struct builder *b, struct hull_err **err)
{
	const struct dockerfile *df = b->df;
	size_t i = 0;
	int target = -1;
	int r;

	/* the platform ARGs are defined in the global scope (BuildKit) */
	{
		const char *arch = host_arch();
		_cleanup_free_ char *plat = xasprintf("linux/%s", arch);
		const char *const pl[][2] = {
			{"BUILDPLATFORM", plat}, {"BUILDOS", "linux"},	   {"BUILDARCH", arch},
			{"BUILDVARIANT", ""},	 {"TARGETPLATFORM", plat}, {"TARGETOS", "linux"},
			{"TARGETARCH", arch},	 {"TARGETVARIANT", ""},
		};
		for (size_t k = 0; k < ARRAY_SIZE(pl); k++) {
			const char *given = strv_env_get(b->build_args, pl[k][0]);
			args_set(&b->global_args, pl[k][0], given ? given : pl[k][1]);
		}
	}
	for (; i < df->n_instrs && df->instrs[i].kind != DF_CMD_FROM; i++) {
		const struct df_instr *in = &df->instrs[i];
		r = df_check_flags(in, err);
		if (r < 0)
			return located(b, in, err);
		if (in->kind != DF_CMD_ARG)
			return fail(b, in, err, EINVAL, "no build stage in current context");
		r = do_arg(b, in, NULL, err);
		if (r < 0)
			return r;
	}
	if (i == df->n_instrs)
		return fail(b, &df->instrs[df->n_instrs - 1], err, EINVAL,
			    "no build stage in current context");
	for (; i < df->n_instrs; i++) {
		const struct df_instr *in = &df->instrs[i];
		struct stage st = {.base_stage = -1, .first = i};

		if (in->kind != DF_CMD_FROM) {
			b->stages[b->n_stages - 1].end = i + 1;
			continue;
		}
		r = df_check_flags(in, err);
		if (r < 0)
			return located(b, in, err);
		if (in->n_args != 1 && !(in->n_args == 3 && strcasecmp(in->args[1], "AS") == 0))
			return fail(b, in, err, EINVAL,
				    "FROM requires either one or three arguments");
		r = expand(b, in, NULL, in->args[0], &st.base, err);
		if (r < 0)
			return r;
		if (in->n_args == 3) {
			const char *n = in->args[2];
			if (!isalpha((unsigned char) n[0]) ||
			    strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567"
				      "89_.-") != strlen(n)) {
				free(st.base);
				return fail(
					b, in, err, EINVAL,
					"invalid name for build stage: \"%s\", name can't start "
					"with a number or contain symbols",
					n);
			}
			if (stage_by_name(b, n, b->n_stages) >= 0) {
				free(st.base);
				return fail(b, in, err, EINVAL, "duplicate stage name \"%s\"", n);
			}
			st.name = xstrdup(n);
			for (char *p = st.name; *p; p++)
				*p = (char) tolower((unsigned char) *p);
		}
		st.base_stage = stage_by_name(b, st.base, b->n_stages);
		st.end = i + 1;
		st.no_cache = false;
		STRV_FOREACH (f, b->o->no_cache_filter)
			if (st.name && strcasecmp(*f, st.name) == 0)
				st.no_cache = true;
		b->stages = xrealloc(b->stages, (b->n_stages + 1) * sizeof(*b->stages));
		b->stages[b->n_stages++] = st;
	}
	if (b->o->target) {
		target = stage_by_name(b, b->o->target, b->n_stages);
		if (target < 0) {
			r = err_setx(err, EINVAL, "failed to reach build target %s in Dockerfile",
				     b->o->target);
			err_set_exit(err, 1);
			return r;
		}
		/* a --target stage keeps every later stage out of the build */
	} else {
		target = (int) b->n_stages - 1;
	}
	mark_needed(b, (size_t) target);
	b->n_steps = 0;
	for (size_t k = 0; k < b->stages[0].first; k++)
		b->n_steps++;
	for (size_t k = 0; k < b->n_stages; k++)
		if (b->stages[k].needed)
			b->n_steps += (unsigned) (b->stages[k].end - b->stages[k].first);
	return target;
}

static int read_ignore(struct builder *b, const char *dfpath, struct hull_err **err)
{
	_cleanup_free_ char *own = xasprintf("%s.dockerignore", dfpath);
	_cleanup_free_ char *ctx = path_join(b->context, ".dockerignore");
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r;

	/* <Dockerfile>.dockerignore next to the Dockerfile wins over the context's */
	r = *dfpath ? read_file(own, 16 << 20, &data, &len, NULL) : -ENOENT;
	if (r < 0) {
		/* the context's file is read from the context: a symlink out of it
		 * counts as no file (buildkit reads it inside the context's snapshot) */
		char real[PATH_MAX], top[PATH_MAX];
		if (realpath(ctx, real) && realpath(b->context, top) && startswith(real, top) &&
		    real[strlen(top)] == '/')
			r = read_file(real, 16 << 20, &data, &len, NULL);
	}
	if (r < 0)
		return 0;
	r = ignore_parse(data, len, &b->ignore, err);
	if (r < 0) {
		err_wrap(err, "read .dockerignore");
		err_set_exit(err, 1);
	}
	return r;
}

int build_run(struct store *s, const char *runroot, const struct build_opts *o, char **ret_id,
	      struct hull_err **err)
{
	struct builder b = {.s = s, .runroot = runroot, .o = o, .out = o->out};
	_cleanup_free_ char *dfpath = NULL, *data = NULL, *fname = NULL;
	struct stage *final = NULL;
	char real[PATH_MAX];
	size_t len;
	int target, r;

	if (!realpath(o->context, real)) {
		r = err_set(err, errno, "unable to prepare context: path \"%s\" not found",
			    o->context);
		err_set_exit(err, 1);
		return r;
	}
	{
		struct stat cst;
		if (stat(real, &cst) == 0 && !S_ISDIR(cst.st_mode)) {
			r = err_setx(err, ENOTDIR,
				     "unable to prepare context: context must be a directory: %s",
				     real);
			err_set_exit(err, 1);
			return r;
		}
	}
	b.context = xstrdup(real);
	/* RUN containers of a build that was killed */
	container_remove_dead_hidden(s);
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
		goto out;
	}
	if (streq(dfpath, "/dev/stdin"))
		fname = xstrdup("Dockerfile");
	else
		fname = xstrdup(strrchr(dfpath, '/') ? strrchr(dfpath, '/') + 1 : dfpath);
	b.file = fname;
	r = df_parse(data, len, fname, &b.df, err);
	if (r < 0) {
		err_set_exit(err, 1);
		goto out;
	}
	r = read_ignore(&b, streq(dfpath, "/dev/stdin") ? "" : dfpath, err);
	if (r < 0)
		goto out;
	STRV_FOREACH (a, o->build_args) {
		if (strchr(*a, '='))
			strv_env_set(&b.build_args, *a);
		else if (getenv(*a)) {
			_cleanup_free_ char *kv = xasprintf("%s=%s", *a, getenv(*a));
			strv_env_set(&b.build_args, kv);
		}
	}
	r = target = plan(&b, err);
	if (r < 0)
		goto out;
	for (size_t k = 0; k < b.stages[0].first; k++) {
		const struct df_instr *in = &b.df->instrs[k];
		b.step++;
		say(&b, "Step %u/%u : %s\n", b.step, b.n_steps, in->original);
	}
	for (size_t si = 0; si <= (size_t) target; si++) {
		struct stage *st = &b.stages[si];

		if (!st->needed)
			continue;
		for (size_t i = st->first; i < st->end; i++) {
			const struct df_instr *in = &b.df->instrs[i];

			b.step++;
			say(&b, "Step %u/%u : %s\n", b.step, b.n_steps, in->original);
			r = df_check_flags(in, err);
			if (r < 0) {
				r = located(&b, in, err);
				goto out;
			}
			if (in->kind == DF_CMD_FROM) {
				r = do_from(&b, st, in, err);
				if (r < 0)
					goto out;
				continue;
			}
			r = dispatch(&b, st, in, err);
			if (r < 0)
				goto out;
			if (st->img)
				say(&b, " ---> %s\n", short_hex(st->img->id));
		}
	}
	final = &b.stages[target];
	if (o->labels) {
		json_t *l = json_object_get(cfg_config(final), "Labels");
		if (!json_is_object(l)) {
			l = json_object();
			json_object_set_new(cfg_config(final), "Labels", l);
		}
		STRV_FOREACH (kv, o->labels) {
			_cleanup_free_ char *k = xstrndup(*kv, strcspn(*kv, "="));
			const char *v = strchr(*kv, '=');
			json_object_set_new(l, k, json_string(v ? v + 1 : ""));
		}
		r = commit_step(&b, final, &b.df->instrs[final->end - 1], "LABEL (--label)", NULL,
				err);
		if (r < 0)
			goto out;
	}
	if (!final->img) {
		/* FROM scratch and nothing else: the empty layer (commit_step) */
		r = commit_step(&b, final, &b.df->instrs[final->end - 1], "", NULL, err);
		if (r < 0)
			goto out;
	} else if (final->dirty) {
		/* FROM alone on an image without PATH: its config with PATH, no new history */
		r = commit_step(&b, final, &b.df->instrs[final->end - 1], NULL, NULL, err);
		if (r < 0)
			goto out;
	}
	{
		_cleanup_strbuf_ struct strbuf unused = STRBUF_INIT;
		STRV_FOREACH (a, b.build_args) {
			_cleanup_free_ char *name = xstrndup(*a, strcspn(*a, "="));
			if (strv_env_get(b.consumed, name) || is_proxy_arg(name) ||
			    strv_env_get(b.global_args, name))
				continue;
			(void) strbuf_addf(&unused, "%s%s", unused.len ? " " : "", name);
		}
		if (unused.len)
			say(&b, "[Warning] One or more build-args [%s] were not consumed\n",
			    unused.buf);
	}
	r = store_lock(s, err);
	if (r == 0) {
		r = store_image_set_intermediate(s, final->img->manifest_digest, false, err);
		store_unlock(s);
	}
	STRV_FOREACH (t, o->tags) {
		if (r < 0)
			break;
		r = store_tag(s, *t, final->img->manifest_digest, err);
		if (r < 0)
			break;
	}
	if (r < 0) {
		err_set_exit(err, 1);
		goto out;
	}
	say(&b, "Successfully built %s\n", short_hex(final->img->id));
	STRV_FOREACH (t, o->tags) {
		struct image_ref ref;
		if (ref_parse(*t, &ref, NULL) == 0) {
			_cleanup_free_ char *fam = ref_familiar(&ref);
			say(&b, "Successfully tagged %s\n", fam);
			ref_release(&ref);
		}
	}
	*ret_id = xstrdup(final->img->id);
out:
	if (b.hc) {
		struct hull_err *e = NULL;
		if (hash_cache_save(b.hc, &e) < 0) /* a cache: the build stands */
			say(&b, "[Warning] content hash cache: %s\n", e->msg);
		err_free(e);
		b.hc = hash_cache_free(b.hc);
	}
	fflush(b.out);
	stages_free(&b);
	strv_free(b.global_args);
	strv_free(b.build_args);
	strv_free(b.consumed);
	ignore_free(b.ignore);
	df_free(b.df);
	free(b.context);
	return r;
}
