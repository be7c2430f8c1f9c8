/* SPDX-License-Identifier: MIT */
/* commit and import: images made from a container's changes or a tarball (build/commit.h). */
#include <fcntl.h>
#include <unistd.h>
#include "build/commit.h"
#include "container/files.h"
#include "dockerfile/dockerfile.h"
#include "registry/manifest.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

static json_t *words_json(const struct df_instr *in)
{
	json_t *a = json_array();

	if (!in->json) {
		json_array_append_new(a, json_string("/bin/sh"));
		json_array_append_new(a, json_string("-c"));
	}
	for (size_t i = 0; i < in->n_args; i++)
		json_array_append_new(a, json_string(in->args[i]));
	return a;
}

int build_change_apply(json_t *cfg, const char *line, struct hull_err **err)
{
	struct dockerfile *df = NULL;
	const struct df_instr *in;
	int r;

	r = df_parse(line, strlen(line), "change", &df, err);
	if (r < 0)
		return r;
	for (size_t k = 0; k < df->n_instrs; k++) {
		in = &df->instrs[k];
		switch (in->kind) {
		case DF_CMD_CMD:
		case DF_CMD_ENTRYPOINT:
			json_object_set_new(cfg, in->kind == DF_CMD_CMD ? "Cmd" : "Entrypoint",
					    words_json(in));
			break;
		case DF_CMD_ENV:
		case DF_CMD_LABEL: {
			const char *key = in->kind == DF_CMD_ENV ? "Env" : "Labels";
			json_t *o = json_object_get(cfg, key);
			/* every word sees the Env from before the instruction, quotes removed,
			 * as a build's ENV and LABEL (moby's commit dispatches them alike) */
			_cleanup_strv_ char **before = NULL;

			(void) json_to_strv(json_object_get(cfg, "Env"), &before);
			for (size_t i = 0; i + 2 < in->n_args + 1 && i + 1 < in->n_args; i += 3) {
				_cleanup_free_ char *k = NULL, *v = NULL;

				r = df_expand_word(in->args[i], before, df->escape, &k, err);
				if (r == 0)
					r = df_expand_word(in->args[i + 1], before, df->escape, &v,
							   err);
				if (r < 0) {
					df_free(df);
					return r;
				}
				if (in->kind == DF_CMD_LABEL) {
					if (!json_is_object(o)) {
						o = json_object();
						json_object_set_new(cfg, key, o);
					}
					json_object_set_new(o, k, json_string(v));
				} else {
					_cleanup_strv_ char **env = NULL;
					_cleanup_free_ char *kv = xasprintf("%s=%s", k, v);
					(void) json_to_strv(o, &env);
					strv_env_set(&env, kv);
					json_object_set_new(cfg, key, json_from_strv(env));
					o = json_object_get(cfg, key);
				}
			}
			break;
		}
		case DF_CMD_EXPOSE:
		case DF_CMD_VOLUME: {
			const char *key = in->kind == DF_CMD_EXPOSE ? "ExposedPorts" : "Volumes";
			json_t *o = json_object_get(cfg, key);
			if (!json_is_object(o)) {
				o = json_object();
				json_object_set_new(cfg, key, o);
			}
			for (size_t i = 0; i < in->n_args; i++) {
				_cleanup_free_ char *p =
					in->kind == DF_CMD_EXPOSE && !strchr(in->args[i], '/')
						? xasprintf("%s/tcp", in->args[i])
						: xstrdup(in->args[i]);
				json_object_set_new(o, p, json_object());
			}
			break;
		}
		case DF_CMD_USER:
		case DF_CMD_WORKDIR:
		case DF_CMD_STOPSIGNAL:
			if (in->n_args != 1) {
				r = err_setx(err, EINVAL, "%s requires exactly one argument",
					     in->cmd);
				df_free(df);
				return r;
			}
			json_object_set_new(cfg,
					    in->kind == DF_CMD_USER	 ? "User"
					    : in->kind == DF_CMD_WORKDIR ? "WorkingDir"
									 : "StopSignal",
					    json_string(in->args[0]));
			break;
		case DF_CMD_ONBUILD: {
			json_t *o = json_object_get(cfg, "OnBuild");
			if (!json_is_array(o)) {
				o = json_array();
				json_object_set_new(cfg, "OnBuild", o);
			}
			json_array_append_new(o, json_string(in->original + 8));
			break;
		}
		default:
			r = err_setx(err, EINVAL, "%s is not a valid change command", in->cmd);
			df_free(df);
			return r;
		}
	}
	df_free(df);
	return 0;
}

void build_commit_merge(json_t *icfg, json_t *ccfg)
{
	static const char *const keys[] = {"User",	 "Env",		 "Cmd",	   "Entrypoint",
					   "WorkingDir", "ExposedPorts", "Labels", "StopSignal"};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(ccfg, keys[i]);
		/*
		 * A container's Cmd and Entrypoint are the merged ones it ran: a null
		 * one was cleared (--entrypoint "", or --entrypoint X without args for
		 * Cmd), and stays null in the image, as in docker's commit, which takes
		 * the container's config whole.
		 */
		bool argv = streq(keys[i], "Cmd") || streq(keys[i], "Entrypoint");
		if (v && (!json_is_null(v) || argv))
			json_object_set(icfg, keys[i], v);
	}
}

/* The history's created_by of a commit: the container's command line. */
static char *commit_created_by(struct container *c)
{
	_cleanup_strv_ char **args = NULL;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	(void) json_to_strv(json_object_get(c->rec, "Args"), &args);
	(void) strbuf_adds(&sb, json_get_str(c->rec, "Path"));
	STRV_FOREACH (a, args)
		(void) strbuf_addf(&sb, " %s", *a);
	return strbuf_detach(&sb, NULL);
}

/* Add the layer @diff_id, the history entry and the metadata of a commit to @config. */
static void commit_config_finish(json_t *config, struct container *c, const char *diff_id,
				 const struct build_commit_opts *o)
{
	_cleanup_free_ char *now = now_rfc3339(), *created_by = commit_created_by(c);
	json_t *rootfs = json_object_get(config, "rootfs"), *hist;
	const char *msg = o->message ? o->message : "";

	if (!rootfs) {
		rootfs = json_pack("{s:s,s:[]}", "type", "layers", "diff_ids");
		json_object_set_new(config, "rootfs", rootfs);
	}
	json_array_append_new(json_object_get(rootfs, "diff_ids"), json_string(diff_id));
	hist = json_object_get(config, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(config, "history", hist);
	}
	json_array_append_new(hist, json_pack("{s:s,s:s,s:s}", "created", now, "created_by",
					      created_by, "comment", msg));
	if (o->author) {
		json_object_set_new(config, "author", json_string(o->author));
		json_object_set_new(json_array_get(hist, json_array_size(hist) - 1), "author",
				    json_string(o->author));
	}
	json_object_set_new(config, "created", json_string(now));
	json_object_set_new(config, "comment", json_string(msg));
	json_object_set_new(config, "container", json_string(c->id));
}

int build_commit(struct store *s, struct container *c, const struct build_commit_opts *o,
		 struct image **ret, struct hull_err **err)
{
	_cleanup_strv_ char **layers = NULL;
	_cleanup_free_ char *tmpdir = NULL, *tarp = NULL;
	_cleanup_json_ json_t *config = NULL;
	struct image *img = NULL, *out = NULL;
	char diff_id[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
	json_t *icfg;
	bool paused = false;
	int r, fd = -1;

	r = store_image_get(s, json_get_str(c->rec, "Image"), &img, err);
	if (r < 0)
		return r;
	config = json_deep_copy(img->config);
	icfg = json_object_get(config, "config");
	if (!json_is_object(icfg)) {
		icfg = json_object();
		json_object_set_new(config, "config", icfg);
	}
	build_commit_merge(icfg, json_object_get(c->rec, "Config"));
	STRV_FOREACH (ch, (char **) o->changes) {
		r = build_change_apply(icfg, *ch, err);
		if (r < 0)
			goto out;
	}
	if (o->pause && container_is_running(c) && c->state.status != CONTAINER_PAUSED) {
		r = container_pause(c, true, err);
		if (r < 0)
			goto out;
		paused = true;
	}
	r = store_tmpdir(s, "commit", &tmpdir, err);
	if (r < 0)
		goto out;
	tarp = path_join(tmpdir, "layer.tar");
	fd = open(tarp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = err_set(err, errno, "create '%s'", tarp);
		goto out;
	}
	r = container_upper_tar(s, c, fd, err);
	if (r < 0)
		goto out;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		r = err_set(err, errno, "rewind '%s'", tarp);
		goto out;
	}
	r = store_lock(s, err);
	if (r < 0)
		goto out;
	r = store_layer_import_tar(
		s, fd, img->chain_ids[0] ? img->chain_ids[strv_length(img->chain_ids) - 1] : NULL,
		diff_id, chain, err);
	if (r == 0) {
		commit_config_finish(config, c, diff_id, o);
		if (json_to_strv(json_object_get(json_object_get(config, "rootfs"), "diff_ids"),
				 &layers) < 0 ||
		    !layers)
			layers = strv_new();
		r = store_image_commit(s, config, layers, img, &out, err);
		if (r == 0 && o->tag)
			r = store_tag(s, o->tag, out->manifest_digest, err);
	}
	store_unlock(s);
	if (r == 0) {
		container_event(c, "commit", "imageID", out->id, NULL);
		*ret = TAKE_PTR(out);
	}
out:
	if (paused) {
		/* as moby's deferred unpause: its failure is logged there, not the commit's */
		struct hull_err *e = NULL;

		if (container_is_running(c) && container_pause(c, false, &e) < 0)
			fprintf(stderr, "hull: unpause container %s: %s\n", c->id, e->msg);
		err_free(e);
	}
	if (fd >= 0)
		close(fd);
	if (tmpdir)
		(void) rm_rf(tmpdir, NULL);
	image_free(img);
	image_free(out);
	return r;
}

int build_import_config(const struct build_import_opts *o, const char *now, json_t **ret,
			struct hull_err **err)
{
	_cleanup_free_ char *comment = NULL;
	_cleanup_json_ json_t *cfg = NULL;
	struct platform p = {0};
	int r;

	if (o->platform) {
		r = platform_parse(o->platform, &p, err);
		if (r < 0)
			return r;
	}
	/* moby's import: the message (or "Imported from SRC") is the image's comment and
	 * its history entry's (daemon/images/image_import.go) */
	comment = o->message ? xstrdup(o->message) : xasprintf("Imported from %s", o->source);
	cfg = json_pack("{s:s,s:s,s:s,s:s,s:{},s:{s:s,s:[]},s:[{s:s,s:s,s:s}]}", "architecture",
			p.arch ? p.arch : "amd64", "os", p.os ? p.os : "linux", "created", now,
			"comment", comment, "config", "rootfs", "type", "layers", "diff_ids",
			"history", "created", now, "created_by", "", "comment", comment);
	if (p.variant)
		json_object_set_new(cfg, "variant", json_string(p.variant));
	platform_release(&p);
	STRV_FOREACH (ch, (char **) o->changes) {
		r = build_change_apply(json_object_get(cfg, "config"), *ch, err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(cfg);
	return 0;
}

int build_import(struct store *s, int fd, const struct build_import_opts *o, struct image **ret,
		 struct hull_err **err)
{
	_cleanup_free_ char *now = now_rfc3339();
	_cleanup_json_ json_t *cfg = NULL;
	char diff_id[DIGEST_STR_LEN], chain_id[DIGEST_STR_LEN];
	struct image *img = NULL;
	int r;

	r = build_import_config(o, now, &cfg, err);
	if (r < 0)
		return r;
	r = store_lock(s, err);
	if (r < 0)
		return r;
	r = store_layer_import_tar(s, fd, NULL, diff_id, chain_id, err);
	if (r == 0) {
		char *layers[] = {diff_id, NULL};
		json_array_append_new(json_object_get(json_object_get(cfg, "rootfs"), "diff_ids"),
				      json_string(diff_id));
		r = store_image_commit(s, cfg, layers, NULL, &img, err);
	}
	if (r == 0 && o->tag)
		r = store_tag(s, o->tag, img->manifest_digest, err);
	store_unlock(s);
	if (r < 0) {
		image_free(img);
		return r;
	}
	store_image_event(s, "import", img->manifest_digest, NULL);
	*ret = img;
	return 0;
}
