/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include "build/build.h"
#include "build/buildcache.h"
#include "build/cmdline.h"
#include "build/copy.h"
#include "build/fetch.h"
#include "build/gitsrc.h"
#include "build/history.h"
#include "build/ignore.h"
#include "build/mountns.h"
#include "container/container.h"
#include "runtime/runtime.h"
#include "dockerfile/dockerfile.h"
#include "image/reference.h"
#include "registry/pull.h"
#include "util/fs.h"
#include "util/inroot.h"
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
	/* no fsync: after a crash a torn entry is not a digest of an image, so a miss */
	(void) write_file_replace(p, img->id, strlen(img->id), 0644, NULL);
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
		/* a build step, hidden by `images` unless it ends up as the result */
		r = store_image_commit_step(b->s, st->config, layers, st->img, &img, err);
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

/* FROM --platform: this machine's platform only (hull runs no emulator). */
static int from_platform_check(struct builder *b, const struct df_instr *in, struct hull_err **err)
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
	return 0;
}

static int do_from(struct builder *b, struct stage *st, const struct df_instr *in,
		   struct hull_err **err)
{
	int r0 = from_platform_check(b, in, err);

	if (r0 < 0)
		return r0;
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

/* A git repository among an ADD's sources: resolved first (the cache key), fetched on a miss. */
struct git_item {
	struct gitsrc g;
	size_t src; /* its index in the sources */
	char *dir;  /* the empty directory it is fetched into */
	char *root; /* the tree copied: dir or its subdirectory */
};

/*
 * ADD <git URL>: the flags and the URL's query agree (BuildKit's checks),
 * and the ref is resolved to a commit with `git ls-remote` now, before the
 * cache is looked up, since the commit keys the cache.
 */
static int add_git(struct builder *b, const struct df_instr *in, struct gitsrc *g, int keep_flag,
		   const char *checksum, const char *gitdir, struct git_item **items, size_t *n,
		   size_t src, struct hull_err **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/%zu", gitdir, *n);
	int r;

	if (keep_flag >= 0 && g->keep_git_dir >= 0 && keep_flag != g->keep_git_dir)
		return fail(b, in, err, EINVAL, "inconsistent keep-git-dir configuration");
	if (g->keep_git_dir < 0)
		g->keep_git_dir = keep_flag > 0;
	if (checksum && g->checksum && !streq(checksum, g->checksum))
		return fail(b, in, err, EINVAL, "checksum mismatch \"%s\" != \"%s\"", checksum,
			    g->checksum);
	if (checksum && !g->checksum)
		g->checksum = xstrdup(checksum);
	if (mkdir(dir, 0755) < 0) {
		err_set(err, errno, "create '%s'", dir);
		return wrap(b, in, err);
	}
	r = gitsrc_resolve(g, dir, err);
	if (r < 0)
		return wrap(b, in, err);
	*items = xrealloc(*items, (*n + 1) * sizeof(**items));
	(*items)[(*n)++] = (struct git_item){.g = *g, .src = src, .dir = TAKE_PTR(dir)};
	*g = (struct gitsrc){0};
	return 0;
}

/*
 * The COPY/ADD flags do_copy() knows (keep the two in step): any other is
 * refused before the build starts.
 */
static int copy_flags_check(struct builder *b, const struct df_instr *in, struct hull_err **err)
{
	static const char *const known[] = {
		"--chown=",  "--chmod=",   "--from=",	  "--link",
		"--parents", "--exclude=", "--checksum=", "--keep-git-dir"};

	STRV_FOREACH (f, in->flags) {
		bool ok = false;
		for (size_t i = 0; i < ARRAY_SIZE(known) && !ok; i++)
			ok = startswith(*f, known[i]);
		if (!ok)
			return fail(b, in, err, ENOTSUP, "%s %s is not supported yet", in->cmd, *f);
	}
	return 0;
}

static int do_copy(struct builder *b, const struct df_instr *in, struct stage *st,
		   struct hull_err **err)
{
	bool add = in->kind == DF_CMD_ADD;
	const char *wd = json_get_str(cfg_config(st), "WorkingDir");
	_cleanup_free_ char *dest = NULL, *sum = NULL, *key = NULL, *chown = NULL, *by = NULL,
			    *from = NULL, *tmp = NULL, *side = NULL, *checksum = NULL,
			    *gitdir = NULL;
	_cleanup_strv_ char **words = NULL, **excludes = NULL;
	struct git_item *gits = NULL;
	size_t n_gits = 0;
	int keep_git_dir = -1;
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
		} else if (streq(*f, "--keep-git-dir") || startswith(*f, "--keep-git-dir=")) {
			/* df_check_flags() let only true and false through */
			keep_git_dir = strcasecmp(*f + strlen("--keep-git-dir"), "=false") != 0;
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
		{
			/* a git repository, as BuildKit tells one (not "github.com/...": a path) */
			_cleanup_(gitsrc_release) struct gitsrc g = {0};
			r = gitsrc_parse(w, &g, err);
			if (r > 0 && !g.bare_host) {
				free(w);
				if (!add) {
					r = fail(b, in, err, EINVAL,
						 "source can't be a git ref for COPY");
					goto out;
				}
				if (!gitdir)
					r = store_tmpdir(b->s, "build-git", &gitdir, err);
				if (r < 0) {
					r = wrap(b, in, err);
					goto out;
				}
				r = add_git(b, in, &g, keep_git_dir, checksum, gitdir, &gits,
					    &n_gits, q.n_srcs, err);
				if (r < 0)
					goto out;
				strv_push(&words, "/");
				srcs[q.n_srcs++] = (struct copy_src){.root = NULL};
				continue;
			}
			if (r < 0) {
				free(w);
				r = wrap(b, in, err);
				goto out;
			}
			r = 0;
		}
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
	if (from_stage || n_gits) {
		/* image and git sources are keyed by their image id and commit */
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
			_cleanup_strbuf_ struct strbuf k = STRBUF_INIT;
			(void) strbuf_adds(&k, sum ? sum : "");
			if (from_stage)
				(void) strbuf_addf(&k, " from %s",
						   src_img ? src_img->id : "scratch");
			for (size_t i = 0; i < n_gits; i++) {
				_cleanup_free_ char *gk = gitsrc_cache_key(&gits[i].g);
				(void) strbuf_addf(&k, " git %zu %s", gits[i].src, gk);
			}
			free(sum);
			sum = strbuf_detach(&k, NULL);
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
	for (size_t i = 0; i < n_gits; i++) {
		_cleanup_free_ char *red = gitsrc_redact(gits[i].g.remote);
		say(b, "Fetching %s at %s\n", red,
		    gits[i].g.peeled ? gits[i].g.peeled : gits[i].g.commit);
		r = gitsrc_checkout(&gits[i].g, gits[i].dir, &gits[i].root, err);
		if (r < 0) {
			r = wrap(b, in, err);
			goto out;
		}
		srcs[gits[i].src].root = gits[i].root;
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
		_cleanup_free_ char *text = xstrdup(in->original);
		for (size_t i = 0; i < n_gits; i++) {
			/* but not a git URL's credentials: the image never holds them */
			char *m = gitsrc_mask(&gits[i].g, text);
			free(text);
			text = m;
		}
		free(by);
		by = xasprintf("%s # buildkit", text);
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
	if (gitdir)
		(void) rm_rf(gitdir, NULL);
	for (size_t i = 0; i < n_gits; i++) {
		gitsrc_release(&gits[i].g);
		free(gits[i].dir);
		free(gits[i].root);
	}
	free(gits);
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

/* ---- RUN's flags: --network, --security, --mount ---- */

struct run_flags {
	const char *network; /* "bridge", "host", "none" */
	bool insecure;	     /* --security=insecure */
	struct build_mount *mounts;
	size_t n_mounts;
};

static void run_flags_release(struct run_flags *f)
{
	for (size_t i = 0; i < f->n_mounts; i++)
		build_mount_release(&f->mounts[i]);
	free(f->mounts);
	*f = (struct run_flags){0};
}

struct expand_arg {
	struct builder *b;
	struct stage *st;
};

static int expand_value(void *arg, const char *word, char **ret, struct hull_err **err)
{
	struct expand_arg *x = arg;
	_cleanup_strv_ char **env = expand_env(x->b, x->st);

	return df_expand_word(word, env, x->b->df->escape, ret, err);
}

/*
 * RUN's flags. With @st, the --mount values are expanded with its variables
 * (the step); without, the line is checked before the build starts: values
 * that name variables wait for the step, and @needed says whether the
 * stage will run (entitlements are asked of those only, as BuildKit asks
 * them of the graph it solves).
 */
static int run_flags_parse(struct builder *b, const struct df_instr *in, struct stage *st,
			   bool needed, struct run_flags *ret, struct hull_err **err)
{
	struct run_flags f = {.network = b->o->network ?: "bridge"};
	struct expand_arg x = {.b = b, .st = st};
	int r = 0;

	STRV_FOREACH (a, in->flags) {
		if (startswith(*a, "--network=")) {
			const char *v = *a + 10;
			if (!streq(v, "default") && !streq(v, "none") && !streq(v, "host")) {
				r = fail(b, in, err, EINVAL,
					 "RUN --network=%s: unknown network mode (default, none, "
					 "host)",
					 v);
				break;
			}
			/* BuildKit's network.host entitlement: a Dockerfile (or an ONBUILD
			 * trigger of its base image) must not take the host's network
			 * without the user's say */
			if (needed && streq(v, "host") && !b->o->allow_network_host) {
				r = fail(
					b, in, err, EPERM,
					"RUN --network=host: network.host is not allowed (grant it "
					"with hull build --allow network.host)");
				break;
			}
			f.network = streq(v, "default") ? "bridge" : v;
		} else if (startswith(*a, "--security=")) {
			const char *v = *a + 11;
			if (!streq(v, "sandbox") && !streq(v, "insecure")) {
				r = fail(b, in, err, EINVAL,
					 "RUN --security=%s: unknown security mode (sandbox, "
					 "insecure)",
					 v);
				break;
			}
			if (needed && streq(v, "insecure") && !b->o->allow_security_insecure) {
				r = fail(
					b, in, err, EPERM,
					"RUN --security=insecure: security.insecure is not allowed "
					"(grant it with hull build --allow security.insecure)");
				break;
			}
			f.insecure = streq(v, "insecure");
		} else if (startswith(*a, "--mount=")) {
			struct build_mount m;
			r = build_mount_parse(*a + 8, st ? expand_value : NULL, &x, &m, err);
			if (r < 0) {
				err_wrap(err, "%s:%u: RUN %s", b->file, in->start_line, *a);
				err_set_exit(err, 1);
				break;
			}
			f.mounts = xrealloc(f.mounts, (f.n_mounts + 1) * sizeof(*f.mounts));
			f.mounts[f.n_mounts++] = m;
		} else if (startswith(*a, "--device")) {
			r = fail(b, in, err, ENOTSUP,
				 "RUN --device is not supported (a BuildKit labs feature)");
			break;
		} else {
			r = fail(b, in, err, ENOTSUP, "RUN %s is not supported", *a);
			break;
		}
	}
	if (r < 0) {
		run_flags_release(&f);
		return r;
	}
	*ret = f;
	return 0;
}

/*
 * The stage a --mount from= names: an earlier stage by name or index
 * (*@ret_stage), or else an image (*@ret_stage -1). A later stage, or this
 * one, cannot be mounted.
 */
static int mount_from_stage(struct builder *b, size_t cur, const struct df_instr *in,
			    const char *from, int *ret_stage, struct hull_err **err)
{
	char *end;
	unsigned long idx = strtoul(from, &end, 10);

	if (*from && !*end && isdigit((unsigned char) *from)) {
		if (idx >= cur)
			return fail(b, in, err, EINVAL,
				    "RUN --mount from=%s: stage %s is not before this one", from,
				    from);
		*ret_stage = (int) idx;
		return 0;
	}
	for (size_t i = 0; i < b->n_stages; i++)
		if (b->stages[i].name && strcasecmp(b->stages[i].name, from) == 0) {
			if (i >= cur)
				return fail(b, in, err, EINVAL,
					    "RUN --mount from=%s: stage %s is not before this one",
					    from, from);
			*ret_stage = (int) i;
			return 0;
		}
	*ret_stage = -1;
	return 0;
}

/* The resolved source of a secret: whose id, and its bytes' origin. */
static const struct build_secret_src *secret_find(struct builder *b, const char *id)
{
	for (size_t i = 0; i < b->o->n_secrets; i++)
		if (streq(b->o->secrets[i].id, id))
			return &b->o->secrets[i];
	return NULL;
}

static const struct build_ssh_src *ssh_find(struct builder *b, const char *id)
{
	for (size_t i = 0; i < b->o->n_ssh; i++)
		if (streq(b->o->ssh[i].id, id))
			return &b->o->ssh[i];
	return NULL;
}

/* A secret's id (BuildKit dispatchSecret): id, else source, else the target's base name. */
static char *secret_id(const struct build_mount *m)
{
	const char *base;

	if (m->source)
		return xstrdup(m->source);
	if (m->id)
		return xstrdup(m->id);
	base = m->target ? strrchr(m->target, '/') : NULL;
	return xstrdup(base ? base + 1 : m->target ? m->target : "");
}

/* A secret's bytes, at most 500 KiB as BuildKit's file store. */
#define SECRET_MAX (500 * 1024)

static int secret_read(const struct build_secret_src *s, char **ret, size_t *ret_len,
		       struct hull_err **err)
{
	if (s->env) {
		const char *v = getenv(s->env);
		*ret = xstrdup(v ? v : "");
		*ret_len = strlen(*ret);
		return 0;
	}
	return read_file(s->file, SECRET_MAX, ret, ret_len, err);
}

/* The secret files of builds that were killed: <runroot>/build-secrets/<pid>.XXXXXX. */
static void remove_dead_secrets(struct builder *b)
{
	_cleanup_free_ char *top = path_join(b->runroot, "build-secrets");
	struct dirent *de;
	DIR *d = opendir(top);

	while (d && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end != '.' || pid <= 0)
			continue;
		if (kill((pid_t) pid, 0) == 0 || errno != ESRCH)
			continue; /* its build still runs */
		(void) rm_tree_at(dirfd(d), de->d_name, true, NULL);
	}
	if (d)
		closedir(d);
}

/* A mount point made for the step: where the runtime created it, to remove after. */
struct run_mounts {
	struct rt_mount *rt;
	size_t n;
	char **targets;			  /* absolute, clean */
	char **env;			  /* secret variables: never recorded */
	char *tmp;			  /* store tmp dir: overlays, copies (removed) */
	char *secrets;			  /* runroot dir of the secret files (removed) */
	struct build_cache_lease *leases; /* cache mounts in use */
	char **lease_keys;		  /* their keys: one step mounts a cache once */
	size_t n_leases;
	char **owned; /* strings and arrays the rt mounts point to */
	char ***owned_v;
	size_t n_owned_v;
};

static void run_mounts_release(struct run_mounts *rm)
{
	free(rm->rt);
	strv_free(rm->targets);
	strv_free(rm->env);
	if (rm->tmp)
		(void) rm_rf(rm->tmp, NULL);
	free(rm->tmp);
	if (rm->secrets)
		(void) rm_rf(rm->secrets, NULL);
	free(rm->secrets);
	for (size_t i = 0; i < rm->n_leases; i++)
		build_cache_release(&rm->leases[i]);
	free(rm->leases);
	strv_free(rm->lease_keys);
	strv_free(rm->owned);
	for (size_t i = 0; i < rm->n_owned_v; i++)
		strv_free(rm->owned_v[i]);
	free(rm->owned_v);
	*rm = (struct run_mounts){0};
}

/* Keep @s alive as long as @rm; returns it. */
static const char *rm_keep(struct run_mounts *rm, char *s)
{
	strv_consume(&rm->owned, s);
	return s;
}

static char *const *rm_keep_v(struct run_mounts *rm, char **v)
{
	rm->owned_v = xrealloc(rm->owned_v, (rm->n_owned_v + 1) * sizeof(*rm->owned_v));
	rm->owned_v[rm->n_owned_v++] = v;
	return v;
}

static struct rt_mount *rm_add(struct run_mounts *rm, const char *type, const char *target)
{
	struct rt_mount *m;

	rm->rt = xrealloc(rm->rt, (rm->n + 1) * sizeof(*rm->rt));
	m = &rm->rt[rm->n++];
	*m = (struct rt_mount){.type = type, .target = rm_keep(rm, xstrdup(target))};
	strv_push(&rm->targets, target);
	return m;
}

/* A fresh directory under the step's tmp dir. */
static int rm_tmpdir(struct builder *b, struct run_mounts *rm, const char *name, char **ret,
		     struct hull_err **err)
{
	_cleanup_free_ char *p = NULL;
	int r;

	if (!rm->tmp) {
		r = store_tmpdir(b->s, "run-mount", &rm->tmp, err);
		if (r < 0)
			return r;
	}
	p = xasprintf("%s/%s-%zu", rm->tmp, name, rm->n);
	if (mkdir(p, 0755) < 0)
		return err_set(err, errno, "create '%s'", p);
	*ret = TAKE_PTR(p);
	return 0;
}

/* The layers of a --mount from= source (stage or image); NULL for an empty root. */
static int mount_from_image(struct builder *b, struct stage *st, const struct df_instr *in,
			    const char *from, struct image **ret, struct hull_err **err)
{
	int si, r;

	r = mount_from_stage(b, (size_t) (st - b->stages), in, from, &si, err);
	if (r < 0)
		return r;
	if (si >= 0) {
		struct stage *src = &b->stages[si];
		*ret = NULL;
		if (!src->img)
			return 0;
		r = store_image_get(b->s, src->img->id, ret, err);
		return r < 0 ? wrap(b, in, err) : 0;
	}
	r = image_get_or_pull(b, from, false, ret, err);
	return r < 0 ? wrap(b, in, err) : 0;
}

/* An overlay of @img's layers (read-only, or with a throwaway upper directory). */
static int add_image_overlay(struct builder *b, struct run_mounts *rm, const char *target,
			     const struct image *img, const char *source, bool readonly,
			     struct hull_err **err)
{
	_cleanup_strv_ char **lower = img ? store_image_lowerdirs(b->s, img) : strv_new();
	_cleanup_free_ char *empty = NULL, *upper = NULL, *work = NULL;
	struct rt_mount *m;
	int r;

	while (!lower[0] || (readonly && !lower[1])) {
		/* an overlay without an upper directory wants two layers */
		r = rm_tmpdir(b, rm, lower[0] ? "empty" : "empty0", &empty, err);
		if (r < 0)
			return r;
		strv_push(&lower, empty);
		empty = (free(empty), NULL);
	}
	if (!readonly) {
		r = rm_tmpdir(b, rm, "upper", &upper, err);
		if (r == 0)
			r = rm_tmpdir(b, rm, "work", &work, err);
		if (r < 0)
			return r;
	}
	m = rm_add(rm, "overlay", target);
	m->lowerdirs = rm_keep_v(rm, TAKE_PTR(lower));
	if (upper) {
		m->upperdir = rm_keep(rm, TAKE_PTR(upper));
		m->workdir = rm_keep(rm, TAKE_PTR(work));
	}
	m->subpath = source ? rm_keep(rm, xstrdup(source)) : NULL;
	m->options = readonly ? "ro,nosuid,nodev" : "rw,nosuid,nodev";
	return 0;
}

/* A bind mount of the context's @source: the directory itself, or a copy without what
 * .dockerignore leaves out (BuildKit never sends that). */
static int add_context_bind(struct builder *b, struct run_mounts *rm, const char *target,
			    const char *source, bool readonly, struct hull_err **err)
{
	_cleanup_free_ char *path = root_resolve(b->context, source ? source : "/");
	struct stat sst;
	struct rt_mount *m;
	int r;

	if (!path || lstat(path, &sst) < 0)
		return err_setx(err, ENOENT, "mount source '%s' not found in the build context",
				source ? source : "/");
	if (b->ignore || (!readonly && !S_ISDIR(sst.st_mode))) {
		/* a private copy: what is ignored is left out, and writes go nowhere */
		_cleanup_free_ char *dir = NULL;
		struct copy_src src = {
			.path = source ? source : ".", .root = b->context, .context = true};
		struct copy_req q = {
			.srcs = &src, .n_srcs = 1, .dest = "/", .ignore = b->ignore, .chmod = -1};
		r = rm_tmpdir(b, rm, "context", &dir, err);
		if (r == 0)
			r = copy_into(&q, dir, err);
		if (r < 0)
			return r;
		m = rm_add(rm, "bind", target);
		if (S_ISDIR(sst.st_mode)) {
			m->source = rm_keep(rm, TAKE_PTR(dir));
		} else {
			const char *base = strrchr(path, '/');
			m->source = rm_keep(rm, path_join(dir, base ? base + 1 : path));
		}
		m->options = readonly ? "rbind,ro,nosuid,nodev" : "rbind,rw,nosuid,nodev";
		return 0;
	}
	if (readonly) {
		m = rm_add(rm, "bind", target);
		m->source = rm_keep(rm, TAKE_PTR(path));
		m->options = "rbind,ro,nosuid,nodev";
		return 0;
	}
	/* a writable directory: an overlay on it, thrown away after the step */
	{
		_cleanup_free_ char *upper = NULL, *work = NULL;
		char **lower = NULL;
		r = rm_tmpdir(b, rm, "upper", &upper, err);
		if (r == 0)
			r = rm_tmpdir(b, rm, "work", &work, err);
		if (r < 0)
			return r;
		strv_push(&lower, path);
		m = rm_add(rm, "overlay", target);
		m->lowerdirs = rm_keep_v(rm, lower);
		m->upperdir = rm_keep(rm, TAKE_PTR(upper));
		m->workdir = rm_keep(rm, TAKE_PTR(work));
		m->options = "rw,nosuid,nodev";
	}
	return 0;
}

/* Fill a new cache instance from a --mount from= source (in a private mount namespace). */
struct cache_seed {
	char **lower;
	char *upper, *work, *merged, *empty;
	const char *source;
	uid_t uid;
	gid_t gid;
	const char *dest;
};

static int cache_seed_run(void *arg, struct hull_err **err)
{
	struct cache_seed *c = arg;
	struct copy_src src = {.path = c->source ? c->source : ".", .root = c->merged};
	struct copy_req q = {
		.srcs = &src, .n_srcs = 1, .dest = "/", .chmod = -1, .uid = c->uid, .gid = c->gid};
	int r;

	r = build_mount_layers(c->lower, c->upper, c->work, c->merged, c->empty, err);
	return r < 0 ? r : copy_into(&q, c->dest, err);
}

struct cache_seed_arg {
	struct builder *b;
	struct run_mounts *rm;
	const struct image *img;
	const struct build_mount *m;
};

static int cache_seed(void *arg, const char *dir, struct hull_err **err)
{
	struct cache_seed_arg *a = arg;
	struct cache_seed c = {.source = a->m->source,
			       .uid = a->m->uid >= 0 ? (uid_t) a->m->uid : 0,
			       .gid = a->m->gid >= 0 ? (gid_t) a->m->gid : 0,
			       .dest = dir};
	int r;

	c.lower = a->img ? store_image_lowerdirs(a->b->s, a->img) : strv_new();
	r = rm_tmpdir(a->b, a->rm, "seed-upper", &c.upper, err);
	if (r == 0)
		r = rm_tmpdir(a->b, a->rm, "seed-work", &c.work, err);
	if (r == 0)
		r = rm_tmpdir(a->b, a->rm, "seed-root", &c.merged, err);
	if (r == 0)
		r = rm_tmpdir(a->b, a->rm, "seed-empty", &c.empty, err);
	if (r == 0)
		r = build_mountns_run(cache_seed_run, &c, err);
	strv_free(c.lower);
	free(c.upper);
	free(c.work);
	free(c.merged);
	free(c.empty);
	return r;
}

/* The store's key of a cache mount: its id and what seeds a new instance (BuildKit's id:ref). */
static char *cache_mount_key(struct builder *b, const struct build_mount *m, const char *id,
			     const struct image *from)
{
	const char *ns = strv_env_get(b->build_args, "BUILDKIT_CACHE_MOUNT_NS");
	_cleanup_free_ char *text = NULL;
	char d[DIGEST_STR_LEN];

	text = xasprintf("hull-cache-mount-v1\n%s/%s\n", ns ? ns : "", id);
	if (m->from) {
		char *t = xasprintf("%sfrom=%s\nsource=%s\n", text, from ? from->id : "scratch",
				    m->source ? m->source : "/");
		free(text);
		text = t;
	}
	if (m->mode >= 0 || m->uid >= 0 || m->gid >= 0) {
		char *t = xasprintf("%sperm=%lld:%lld:%lld\n", text, (long long) m->mode,
				    (long long) m->uid, (long long) m->gid);
		free(text);
		text = t;
	}
	sha256_digest(text, strlen(text), d);
	return xstrdup(digest_hex(d));
}

/* A mount's absolute target: relative ones are below the working directory (BuildKit). */
static char *mount_target(struct stage *st, const char *target)
{
	const char *wd = json_get_str(cfg_config(st), "WorkingDir");
	char *t = target && target[0] == '/'
			  ? xstrdup(target)
			  : path_join(isempty(wd) ? "/" : wd, target ? target : "");

	if (t[0] != '/') {
		char *a = xasprintf("/%s", t);
		free(t);
		t = a;
	}
	return path_clean(t);
}

/*
 * Set up the mounts of one RUN step in @rm: the sources exist, the cache
 * instances are held and the secret files written when this returns.
 */
static int run_mounts_setup(struct builder *b, struct stage *st, const struct df_instr *in,
			    const struct run_flags *f, bool have_agent_env, struct run_mounts *rm,
			    struct hull_err **err)
{
	size_t n_ssh = 0;
	int r = 0;

	for (size_t i = 0; i < f->n_mounts && r == 0; i++) {
		const struct build_mount *m = &f->mounts[i];
		_cleanup_free_ char *target = NULL;
		_cleanup_(image_freep) struct image *img = NULL;

		if (m->type == BUILD_MOUNT_SECRET) {
			_cleanup_free_ char *id = secret_id(m), *data = NULL, *file = NULL;
			const struct build_secret_src *src = secret_find(b, id);
			size_t len;
			mode_t mode = m->mode >= 0 ? (mode_t) m->mode : 0400;
			_cleanup_close_ int fd = -1;

			if (!src) {
				if (m->required)
					return fail(b, in, err, ENOENT,
						    "secret %s is required but was not given "
						    "(hull build --secret id=%s,src=FILE)",
						    id, id);
				continue; /* an optional secret that is not there: no mount */
			}
			r = secret_read(src, &data, &len, err);
			if (r < 0)
				return wrap(b, in, err);
			if (m->env) {
				_cleanup_free_ char *kv = xasprintf("%s=%s", m->env, data);
				strv_env_set(&rm->env, kv);
				explicit_bzero(kv, strlen(kv));
				if (!m->target)
					continue;
			}
			if (m->target) {
				target = mount_target(st, m->target);
			} else {
				const char *base = strrchr(id, '/');
				_cleanup_free_ char *t =
					xasprintf("/run/secrets/%s", base ? base + 1 : id);
				target = mount_target(st, t);
			}
			if (!rm->secrets) {
				/* named by our pid: a later build removes it if we were killed */
				_cleanup_free_ char *top = path_join(b->runroot, "build-secrets");
				_cleanup_free_ char *tmpl =
					xasprintf("%s/%d.XXXXXX", top, (int) getpid());
				(void) mkdir_p(top, 0700, NULL);
				if (!mkdtemp(tmpl))
					return err_set(err, errno, "create '%s'", tmpl);
				rm->secrets = TAKE_PTR(tmpl);
			}
			file = xasprintf("%s/%zu", rm->secrets, i);
			fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd < 0 || write_all(fd, data, len) < 0 ||
			    fchown(fd, m->uid >= 0 ? (uid_t) m->uid : 0,
				   m->gid >= 0 ? (gid_t) m->gid : 0) < 0 ||
			    fchmod(fd, mode) < 0) {
				explicit_bzero(data, len);
				return err_set(err, errno, "write secret file '%s'", file);
			}
			explicit_bzero(data, len);
			{
				struct rt_mount *rt = rm_add(rm, "bind", target);
				rt->source = rm_keep(rm, TAKE_PTR(file));
				rt->options = mode & 0111 ? "bind,ro,nosuid,nodev"
							  : "bind,ro,nosuid,nodev,noexec";
			}
			continue;
		}
		if (m->type == BUILD_MOUNT_SSH) {
			const char *id = m->id ? m->id : "default";
			const struct build_ssh_src *src = ssh_find(b, id);
			struct rt_mount *rt;

			target = m->target ? mount_target(st, m->target)
					   : xasprintf("/run/buildkit/ssh_agent.%zu", n_ssh);
			n_ssh++;
			if (!src || !src->paths || !src->paths[0]) {
				if (m->required)
					return fail(b, in, err, ENOENT,
						    "ssh agent %s is required but was not given "
						    "(hull build --ssh %s=SOCKET)",
						    id, id);
				continue;
			}
			/* the first agent socket of the step is SSH_AUTH_SOCK, unless set */
			if (!have_agent_env && !strv_env_get(rm->env, "SSH_AUTH_SOCK")) {
				_cleanup_free_ char *kv = xasprintf("SSH_AUTH_SOCK=%s", target);
				strv_env_set(&rm->env, kv);
			}
			/* BuildKit serves a proxy socket with the mount's uid, gid and mode;
			 * the host socket bound here keeps its own (those options are
			 * refused by build_mount_parse()) */
			rt = rm_add(rm, "bind", target);
			rt->source = src->paths[0];
			rt->options = "bind,rw,nosuid,nodev,noexec";
			continue;
		}
		target = mount_target(st, m->target);
		if (streq(target, "/"))
			return fail(b, in, err, EINVAL,
				    "RUN --mount: the target '/' is the root; mount below it");
		if (m->type == BUILD_MOUNT_TMPFS) {
			struct rt_mount *rt = rm_add(rm, "tmpfs", target);
			char *o = xasprintf("nosuid,nodev%s", m->readonly ? ",ro" : "");
			if (m->size > 0) {
				char *s2 = xasprintf("%s,size=%lld", o, (long long) m->size);
				free(o);
				o = s2;
			}
			rt->options = rm_keep(rm, o);
			continue;
		}
		if (m->from) {
			r = mount_from_image(b, st, in, m->from, &img, err);
			if (r < 0)
				return r;
		}
		if (m->type == BUILD_MOUNT_BIND) {
			if (m->from)
				r = add_image_overlay(b, rm, target, img, m->source, m->readonly,
						      err);
			else
				r = add_context_bind(b, rm, target, m->source, m->readonly, err);
			if (r < 0)
				return wrap(b, in, err);
			continue;
		}
		/* a cache */
		{
			_cleanup_free_ char *id = NULL, *key = NULL;
			struct cache_seed_arg sa = {.b = b, .rm = rm, .img = img, .m = m};
			struct build_cache_lease l = BUILD_CACHE_LEASE_INIT;
			struct rt_mount *rt;
			size_t li;

			if (m->id && *m->id) {
				id = xstrdup(m->id);
			} else {
				id = xstrdup(m->target ? m->target : "");
				if (*id)
					path_clean(id);
			}
			key = cache_mount_key(b, m, id, img);
			/* a cache mounted twice by one step is one instance (BuildKit's
			 * per-exec ref), and a second lock of ours would wait for the first */
			for (li = 0; li < rm->n_leases; li++)
				if (streq(rm->lease_keys[li], key))
					break;
			if (li == rm->n_leases) {
				r = build_cache_acquire(b->s, key, id, m->sharing,
							m->mode >= 0 ? (mode_t) m->mode : 0755,
							m->uid >= 0 ? (uid_t) m->uid : 0,
							m->gid >= 0 ? (gid_t) m->gid : 0,
							m->from ? cache_seed : NULL, &sa, &l, err);
				if (r < 0)
					return wrap(b, in, err);
				rm->leases = xrealloc(rm->leases,
						      (rm->n_leases + 1) * sizeof(*rm->leases));
				rm->leases[rm->n_leases++] = l;
				strv_push(&rm->lease_keys, key);
			}
			rt = rm_add(rm, "bind", target);
			rt->source = rm->leases[li].path;
			if (m->source && !m->from) {
				/* a directory of the cache */
				_cleanup_close_ int dfd =
					open(rt->source, O_PATH | O_DIRECTORY | O_CLOEXEC);
				_cleanup_close_ int sfd =
					dfd < 0 ? -1 : inroot_mkdir_p(dfd, m->source, 0);
				/* a link a build planted in the cache resolves inside it */
				if (sfd < 0)
					return fail(b, in, err, -sfd,
						    "RUN --mount: source '%s' of cache '%s': %s",
						    m->source, id, strerror(-sfd));
				rt->subpath = m->source;
			}
			rt->options =
				m->readonly ? "rbind,ro,nosuid,nodev" : "rbind,rw,nosuid,nodev";
		}
	}
	return r;
}

/* BuildKit mounts in target order: a parent before what is mounted in it. */
static int rt_mount_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rt_mount *) a)->target, ((const struct rt_mount *) b)->target);
}

/* Does @rel exist in the image whose layers are @lower (top first), whiteouts seen? */
static bool lower_has(char *const *lower, const char *rel)
{
	STRV_FOREACH (l, (char **) lower) {
		_cleanup_free_ char *p = xstrdup(*l);
		bool opaque = false;
		const char *c = rel;

		for (;;) {
			size_t n = strcspn(c, "/");
			_cleanup_free_ char *q = xasprintf("%s/%.*s", p, (int) n, c);
			struct stat st;
			char v[4];

			free(p);
			p = TAKE_PTR(q);
			if (lstat(p, &st) < 0)
				break; /* not in this layer: maybe below, unless opaque */
			if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
				return false; /* a whiteout hides it */
			if (!c[n])
				return true;
			if (!S_ISDIR(st.st_mode))
				return true; /* behind a link or file: leave it alone */
			if (lgetxattr(p, "trusted.overlay.opaque", v, sizeof(v)) > 0 && v[0] == 'y')
				opaque = true;
			c += n + 1;
		}
		if (opaque)
			return false;
	}
	return false;
}

/*
 * The runtime made the mount points of RUN --mount targets in the upper
 * directory, and their missing parents; as BuildKit's MountStubsCleaner,
 * remove those that the image did not have and that are still empty, and
 * parents that overlayfs only copied up for them. Through fds that follow no
 * symlink, as drop_mount_stubs().
 */
static void drop_run_mount_stubs(const char *upper, char *const *lower, char **targets)
{
	_cleanup_close_ int ufd = -1;

	if (!targets)
		return;
	ufd = open(upper, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ufd < 0)
		return;
	/* deepest first: a parent is looked at after its children */
	qsort(targets, strv_length(targets), sizeof(char *), strcmp_ptr);
	for (size_t i = strv_length(targets); i-- > 0;) {
		_cleanup_free_ char *rel = xstrdup(targets[i] + 1);

		while (*rel) {
			char *slash = strrchr(rel, '/');
			const char *name = slash ? slash + 1 : rel;
			_cleanup_close_ int pfd = -1;
			struct stat st;

			if (slash) {
				*slash = '\0';
				pfd = inroot_open(ufd, rel, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
				*slash = '/';
			} else {
				pfd = fcntl(ufd, F_DUPFD_CLOEXEC, 0);
			}
			if (pfd < 0 || fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				goto up;
			if (!lower_has(lower, rel)) {
				if (S_ISDIR(st.st_mode))
					(void) unlinkat(pfd, name, AT_REMOVEDIR); /* if empty */
				else if (S_ISREG(st.st_mode) && st.st_size == 0)
					(void) unlinkat(pfd, name, 0);
			} else if (S_ISDIR(st.st_mode)) {
				/* copied up only to hold a mount point: same as below, empty */
				_cleanup_close_ int dfd = openat(
					pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				bool same = false;
				char v[4];
				STRV_FOREACH (l, (char **) lower) {
					_cleanup_free_ char *lp = path_join(*l, rel);
					struct stat low;
					if (lstat(lp, &low) == 0) {
						same = S_ISDIR(low.st_mode) &&
						       low.st_mode == st.st_mode &&
						       low.st_uid == st.st_uid &&
						       low.st_gid == st.st_gid;
						break;
					}
				}
				if (same && dfd >= 0 &&
				    fgetxattr(dfd, "trusted.overlay.opaque", v, sizeof(v)) <= 0)
					(void) unlinkat(pfd, name, AT_REMOVEDIR); /* if empty */
			}
		up:
			if (!slash)
				break;
			*slash = '\0';
		}
	}
}

/*
 * What the mounts add to the step's cache key: their settings, the content
 * of a context source (BuildKit keys a mounted input by its content), the
 * image of a from= source. Never a secret's bytes.
 */
static int run_mounts_key(struct builder *b, struct stage *st, const struct df_instr *in,
			  const struct run_flags *f, struct strbuf *sb, struct hull_err **err)
{
	for (size_t i = 0; i < f->n_mounts; i++) {
		const struct build_mount *m = &f->mounts[i];
		_cleanup_free_ char *d = build_mount_describe(m);

		(void) strbuf_addf(sb, "\nmount %s", d);
		if (m->type != BUILD_MOUNT_BIND && m->type != BUILD_MOUNT_CACHE)
			continue;
		if (m->from) {
			_cleanup_(image_freep) struct image *img = NULL;
			int r = mount_from_image(b, st, in, m->from, &img, err);
			if (r < 0)
				return r;
			(void) strbuf_addf(sb, " image=%s", img ? img->id : "scratch");
		} else if (m->type == BUILD_MOUNT_BIND) {
			_cleanup_free_ char *sum = NULL;
			struct copy_src src = {.path = m->source ? m->source : ".",
					       .root = b->context,
					       .context = true};
			struct copy_req q = {.srcs = &src, .n_srcs = 1, .ignore = b->ignore};
			int r;
			if (!b->hc)
				b->hc = hash_cache_load(b->s->root);
			q.hc = b->hc;
			r = copy_checksum(&q, &sum, err);
			if (r < 0)
				return wrap(b, in, err);
			(void) strbuf_addf(sb, " content=%s", sum);
		}
	}
	return 0;
}

static int do_run(struct builder *b, const struct df_instr *in, struct stage *st,
		  struct hull_err **err)
{
	_cleanup_free_ char *key = NULL, *by = NULL, *upper = NULL, *script_dir = NULL;
	_cleanup_strv_ char **argv = NULL, **env = strv_new(), **ep = NULL, **lower = NULL;
	_cleanup_strbuf_ struct strbuf extra = STRBUF_INIT;
	json_t *cmd = NULL, *c = cfg_config(st);
	struct run_opts ro = {.out_fd = -1,
			      .hidden = true,
			      .add_hosts = b->o->add_hosts,
			      .shm_size = b->o->shm_size,
			      .resources = b->o->resources};
	struct run_flags f = {0};
	struct run_mounts rm = {0};
	struct container *ctr = NULL;
	const struct df_heredoc *script = NULL;
	char diff_id[DIGEST_STR_LEN];
	int code = 0, r;

	r = run_flags_parse(b, in, st, true, &f, err);
	if (r < 0)
		return r;
	ro.network = f.network;
	ro.privileged = f.insecure;
	(void) strbuf_adds(&extra, f.network);
	if (f.insecure)
		(void) strbuf_adds(&extra, "\nsecurity=insecure");
	r = run_mounts_key(b, st, in, &f, &extra, err);
	if (r < 0)
		goto out;
	key = cache_key(b, st, in, extra.buf);
	if (cache_reuse(b, st, key)) {
		r = 0;
		goto out;
	}
	if (!st->img) {
		/* RUN on scratch with nothing yet: commit the empty image first (its
		 * history entry stays: it carries the empty layer) */
		r = commit_step(b, st, in, "", NULL, err);
		if (r < 0)
			goto out;
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
	if (!argv || !argv[0]) {
		r = fail(b, in, err, EINVAL, "RUN requires at least one argument");
		goto out;
	}
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
		/* SSH_AUTH_SOCK stays what the step's environment says, if anything */
		r = run_mounts_setup(b, st, in, &f,
				     strv_env_get(env, "SSH_AUTH_SOCK") ||
					     strv_env_get(ienv, "SSH_AUTH_SOCK"),
				     &rm, err);
		if (r < 0)
			goto out;
	}
	if (rm.n) {
		qsort(rm.rt, rm.n, sizeof(*rm.rt), rt_mount_cmp);
		ro.extra_mounts = rm.rt;
		ro.n_extra_mounts = rm.n;
	}
	ro.extra_env = rm.env;
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
			_cleanup_free_ char *sf = path_join(d, script->name);
			_cleanup_free_ char *data = script->chomp
							    ? df_heredoc_chomp(script->content)
							    : xstrdup(script->content);
			if (mkdir(d, 0755) < 0)
				r = err_set(err, errno, "create '%s'", d);
			else
				r = write_file_atomic(sf, data, strlen(data), 0755, err);
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
		r = wrap(b, in, err);
		goto out;
	}
	if (code != 0) {
		_cleanup_free_ char *shown = NULL;
		json_t *a = json_from_strv(argv);
		shown = json_dump_str(a, JSON_COMPACT);
		json_decref(a);
		(void) container_remove(b->s, b->runroot, ctr, true, NULL);
		container_free(ctr);
		r = fail(b, in, err, EIO, "RUN: the command '%s' returned a non-zero code: %d",
			 in->json || in->n_heredocs ? shown : in->args[0], code);
		goto out;
	}
	if (script_dir) {
		_cleanup_free_ char *d = path_join(upper, script_dir);
		(void) rm_rf(d, NULL);
	}
	lower = store_image_lowerdirs(b->s, st->img);
	drop_mount_stubs(upper, lower);
	drop_run_mount_stubs(upper, lower, rm.targets);
	r = commit_upper(b, st, in, upper, diff_id, err);
	(void) container_remove(b->s, b->runroot, ctr, true, NULL);
	container_free(ctr);
	if (r < 0)
		goto out;
	by = build_created_by_run(argv, st->args, cfg_config(st));
	r = commit_step(b, st, in, by, diff_id, err);
	if (r < 0)
		goto out;
	cache_put(b, key, st->img);
out:
	run_mounts_release(&rm);
	run_flags_release(&f);
	return r;
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
		if (in->kind == DF_CMD_RUN) {
			/* a --mount from= names a stage literally (no variables, as BuildKit) */
			STRV_FOREACH (f, in->flags) {
				struct build_mount m;
				int s = -1;
				if (!startswith(*f, "--mount=") ||
				    build_mount_parse(*f + 8, NULL, NULL, &m, NULL) < 0)
					continue;
				if (m.from) {
					char *end;
					unsigned long idx = strtoul(m.from, &end, 10);
					if (*m.from && !*end && isdigit((unsigned char) *m.from))
						s = idx < i ? (int) idx : -1;
					else
						s = stage_by_name(b, m.from, i);
				}
				build_mount_release(&m);
				if (s >= 0)
					mark_needed(b, (size_t) s);
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

/* RUN's flags before the build starts (see validate()). */
static int run_check(struct builder *b, size_t si, const struct df_instr *in, bool needed,
		     struct hull_err **err)
{
	struct run_flags f;
	int r;

	r = run_flags_parse(b, in, NULL, needed, &f, err);
	if (r < 0)
		return r;
	for (size_t k = 0; needed && k < f.n_mounts && r == 0; k++) {
		const struct build_mount *m = &f.mounts[k];
		int s;

		if (m->target && m->target[0] == '/' && !m->deferred) {
			_cleanup_free_ char *t = path_clean(xstrdup(m->target));
			if (streq(t, "/") && m->type != BUILD_MOUNT_SECRET &&
			    m->type != BUILD_MOUNT_SSH) {
				r = fail(b, in, err, EINVAL,
					 "RUN --mount: the target '/' is the root; mount below it");
				break;
			}
		}
		if (m->from && (m->type == BUILD_MOUNT_BIND || m->type == BUILD_MOUNT_CACHE)) {
			r = mount_from_stage(b, si, in, m->from, &s, err);
			if (r == 0 && s < 0) {
				/* an image: had now, as BuildKit resolves them before it runs */
				struct image *img = NULL;
				r = image_get_or_pull(b, m->from, false, &img, err);
				image_free(img);
				if (r < 0) {
					err_wrap(err, "RUN --mount from=%s", m->from);
					r = located(b, in, err);
				}
			}
		}
		if (r == 0 && m->type == BUILD_MOUNT_SECRET && m->required && !m->deferred) {
			_cleanup_free_ char *id = secret_id(m);
			if (!secret_find(b, id))
				r = fail(b, in, err, ENOENT,
					 "secret %s is required but was not given (hull build "
					 "--secret id=%s,src=FILE)",
					 id, id);
		}
		if (r == 0 && m->type == BUILD_MOUNT_SSH && m->required && !m->deferred) {
			const char *id = m->id ? m->id : "default";
			if (!ssh_find(b, id))
				r = fail(b, in, err, ENOENT,
					 "ssh agent %s is required but was not given (hull build "
					 "--ssh %s=SOCKET)",
					 id, id);
		}
	}
	run_flags_release(&f);
	return r;
}

/*
 * Check every line before the first step runs, as BuildKit turns the whole
 * file into its build graph first: so a feature hull refuses, a flag or
 * --mount value it cannot read, an entitlement not granted, a --mount
 * from= of a later stage or of an image that cannot be had, or a required
 * secret or ssh agent that was not given fails the build before any step
 * has run, naming the file and line. Flags are read in every stage
 * (BuildKit parses them all); the rest is checked in the stages the target
 * needs. Values with variables wait for their step.
 */
static int validate(struct builder *b, struct hull_err **err)
{
	int r = 0;

	for (size_t i = 0; i < b->df->n_instrs; i++) {
		const struct df_instr *in = &b->df->instrs[i];
		r = df_check_flags(in, err);
		if (r < 0)
			return located(b, in, err);
		/* instructions.Parse refuses a blank name as it reads the file */
		if (in->kind == DF_CMD_ENV || in->kind == DF_CMD_LABEL)
			for (size_t k = 0; k + 1 < in->n_args; k += 3)
				if (!*in->args[k])
					return fail(b, in, err, EINVAL, "%s names can not be blank",
						    in->kind == DF_CMD_ENV ? "ENV" : "LABEL");
	}
	for (size_t si = 0; si < b->n_stages; si++) {
		struct stage *st = &b->stages[si];

		for (size_t i = st->first; i < st->end && r == 0; i++) {
			const struct df_instr *in = &b->df->instrs[i];

			if (in->kind == DF_CMD_RUN) {
				r = run_check(b, si, in, st->needed, err);
			} else if (!st->needed) {
				continue;
			} else if (in->kind == DF_CMD_FROM) {
				r = from_platform_check(b, in, err);
			} else if (in->kind == DF_CMD_COPY || in->kind == DF_CMD_ADD) {
				r = copy_flags_check(b, in, err);
			} else if (in->kind == DF_CMD_HEALTHCHECK) {
				/* its flags are not expanded: checked on a scratch config */
				struct stage tmp = {.config = json_object()};
				r = do_healthcheck(b, in, &tmp, err);
				json_decref(tmp.config);
			}
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Read @rel below the context, its symlinks resolved inside it, a regular
 * file only (a FIFO would block): a git or stdin context is not the user's
 * directory, and BuildKit reads the Dockerfile from the context's snapshot,
 * so a Dockerfile linked to /etc/shadow is the context's /etc/shadow, never
 * the host's. @shown names the file in errors.
 */
static int read_in_context(struct builder *b, const char *rel, const char *shown, char **ret_data,
			   size_t *ret_len, struct hull_err **err)
{
	_cleanup_close_ int cfd = -1, fd = -1;
	struct stat st;

	cfd = open(b->context, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cfd < 0)
		return err_set(err, errno, "open '%s'", b->context);
	fd = inroot_open(cfd, rel, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return err_set(err, -fd, "open '%s'", shown);
	if (fstat(fd, &st) < 0)
		return err_set(err, errno, "stat '%s'", shown);
	if (!S_ISREG(st.st_mode))
		return err_setx(err, EINVAL, "'%s' is not a regular file", shown);
	return read_file_fd(fd, shown, 16 << 20, ret_data, ret_len, err);
}

/* @dfpath: the Dockerfile's path ("" for stdin), @dfrel: the same below the context, or NULL */
static int read_ignore(struct builder *b, const char *dfpath, const char *dfrel,
		       struct hull_err **err)
{
	_cleanup_free_ char *own = xasprintf("%s.dockerignore", dfpath);
	_cleanup_free_ char *ctx = path_join(b->context, ".dockerignore");
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r;

	/* <Dockerfile>.dockerignore next to the Dockerfile wins over the context's */
	if (dfrel) {
		_cleanup_free_ char *rel = xasprintf("%s.dockerignore", dfrel);
		r = read_in_context(b, rel, own, &data, &len, NULL);
	} else {
		r = *dfpath ? read_file(own, 16 << 20, &data, &len, NULL) : -ENOENT;
	}
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
	_cleanup_free_ char *dfpath = NULL, *dfrel = NULL, *data = NULL, *fname = NULL;
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
	/* RUN containers and secret files of a build that was killed */
	container_remove_dead_hidden(s, b.runroot);
	remove_dead_secrets(&b);
	/* -f - reads the Dockerfile from standard input, as docker build -f- */
	if (o->dockerfile && streq(o->dockerfile, "-")) {
		dfpath = xstrdup("/dev/stdin");
	} else if (o->dockerfile_in_context) {
		if (inroot_clean(o->dockerfile ? o->dockerfile : "Dockerfile", false, &dfrel) < 0)
			dfrel = xstrdup("Dockerfile");
		dfpath = path_join(b.context, dfrel);
	} else {
		dfpath =
			o->dockerfile ? xstrdup(o->dockerfile) : path_join(b.context, "Dockerfile");
	}
	r = dfrel ? read_in_context(&b, dfrel, dfpath, &data, &len, err)
		  : read_file(dfpath, 16 << 20, &data, &len, err);
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
	r = read_ignore(&b, streq(dfpath, "/dev/stdin") ? "" : dfpath, dfrel, err);
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
	r = validate(&b, err);
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
			    strv_env_get(b.global_args, name) ||
			    streq(name, "BUILDKIT_CONTEXT_KEEP_GIT_DIR") /* the CLI's */)
				continue;
			(void) strbuf_addf(&unused, "%s%s", unused.len ? " " : "", name);
		}
		if (unused.len)
			say(&b, "[Warning] One or more build-args [%s] were not consumed\n",
			    unused.buf);
	}
	/* the result is no intermediate step: the first tag clears the mark in its own write */
	if (!o->tags || !o->tags[0]) {
		r = store_lock(s, err);
		if (r == 0) {
			r = store_image_set_intermediate(s, final->img->manifest_digest, false,
							 err);
			store_unlock(s);
		}
	}
	STRV_FOREACH (t, o->tags) {
		r = (t == o->tags ? store_tag_result : store_tag)(s, *t,
								  final->img->manifest_digest, err);
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
