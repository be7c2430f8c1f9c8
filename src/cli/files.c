/* SPDX-License-Identifier: MIT */
/* cp, diff, export, commit and container prune (docker/cli cli/command/container). */
#include <fcntl.h>
#include <sys/stat.h>
#include "cli/cli.h"
#include "container/container.h"
#include "container/files.h"
#include "container/volume.h"
#include "dockerfile/dockerfile.h"
#include "util/fs.h"
#include "util/hostpath.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* "NAME:PATH" -> container part; a local path with ':' must start with '/' or '.' (docker). */
static bool split_ctr(const char *arg, char **ret_ctr, const char **ret_path)
{
	const char *colon = strchr(arg, ':');

	if (!colon || arg[0] == '/' || arg[0] == '.' || colon == arg)
		return false;
	*ret_ctr = xstrndup(arg, (size_t) (colon - arg));
	*ret_path = colon + 1;
	return true;
}

const struct cli_command cli_cp_command = {
	.name = "cp",
	.usage = "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
		 "\thull cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
	.description = "Copy files/folders between a container and the local filesystem\n\n"
		       "Use '-' as the source to read a tar archive from stdin\n"
		       "and extract it to a directory destination in a container.\n"
		       "Use '-' as the destination to stream a tar archive of a\n"
		       "container source to stdout.",
	.aliases = "hull container cp, hull cp",
	.min_args = 2,
	.max_args = 2,
};

int cmd_cp(struct cli *cl, int argc, char **argv)
{
	bool archive = false, follow = false, quiet = false, from, to;
	const struct cli_option options[] = {
		CLI_BOOL('a', "archive", &archive, "Archive mode (copy all uid/gid information)"),
		CLI_BOOL('L', "follow-link", &follow, "Always follow symbol link in SRC_PATH"),
		/* no progress output anyway */
		CLI_BOOL('q', "quiet", &quiet,
			 "Suppress progress output during copy. Progress output is automatically "
			 "suppressed if no terminal is attached"),
		CLI_OPT_END,
	};
	_cleanup_free_ char *sname = NULL, *dname = NULL;
	const char *spath = NULL, *dpath = NULL;
	struct hull_err *e = NULL;
	struct container *c = NULL;
	struct store *s;
	unsigned flags;
	int r, ind;

	r = cli_parse(&cli_cp_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	from = split_ctr(argv[ind], &sname, &spath);
	to = split_ctr(argv[ind + 1], &dname, &dpath);
	if (from && to) {
		fprintf(stderr, "hull: copying between containers is not supported\n");
		return 125;
	}
	if (!from && !to) {
		fprintf(stderr, "hull: must specify at least one container source\n");
		return 125;
	}
	if (from && !streq(argv[ind + 1], "-")) {
		/* docker's client checks its side before asking for the files (ValidateOutputPath)
		 */
		struct hostpath_dest d = {0};
		if (hostpath_copy_dest(argv[ind + 1], NULL, &d, &e) < 0)
			return cli_fail(e);
		hostpath_dest_release(&d);
	}
	if (cli_store(cl, &s, &e) < 0 || container_load(s, from ? sname : dname, &c, &e) < 0)
		return cli_fail(e);
	fflush(stdout);
	flags = (archive ? CP_ARCHIVE : 0) | (follow ? CP_FOLLOW_LINK : 0);
	if (from)
		r = container_cp_from(s, c, *spath ? spath : "/", argv[ind + 1], flags,
				      STDOUT_FILENO, &e);
	else
		r = container_cp_to(s, c, argv[ind], *dpath ? dpath : "/", flags, STDIN_FILENO, &e);
	container_free(c);
	if (r < 0) {
		fprintf(stderr, "Error response from daemon: %s\n", e->msg);
		err_free(e);
		return 1;
	}
	return 0;
}

const struct cli_command cli_diff_command = {
	.name = "diff",
	.usage = "CONTAINER",
	.description = "Inspect changes to files or directories on a container's filesystem",
	.aliases = "hull container diff, hull diff",
	.min_args = 1,
	.max_args = 1,
};

int cmd_diff(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **lines = NULL;
	struct hull_err *e = NULL;
	struct container *c = NULL;
	struct store *s;
	int r, ind;

	r = cli_parse(&cli_diff_command, NULL, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (cli_store(cl, &s, &e) < 0 || container_load(s, argv[ind], &c, &e) < 0)
		return cli_fail(e);
	r = container_diff(s, c, &lines, &e);
	container_free(c);
	if (r < 0)
		return cli_fail(e);
	STRV_FOREACH (l, lines)
		puts(*l);
	return 0;
}

const struct cli_command cli_export_command = {
	.name = "export",
	.usage = "[OPTIONS] CONTAINER",
	.description = "Export a container's filesystem as a tar archive",
	.aliases = "hull container export, hull export",
	.min_args = 1,
	.max_args = 1,
};

int cmd_export(struct cli *cl, int argc, char **argv)
{
	const char *out = NULL;
	const struct cli_option options[] = {
		CLI_STRING('o', "output", &out, NULL, "Write to a file, instead of STDOUT"),
		CLI_OPT_END,
	};
	struct hostpath_output ho = HOSTPATH_OUTPUT_INIT;
	struct hull_err *e = NULL;
	struct container *c = NULL;
	struct store *s;
	int r, ind;

	r = cli_parse(&cli_export_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (!out && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "hull: cowardly refusing to save to a terminal. Use the -o flag or "
				"redirect\n");
		return 1;
	}
	/* before the container, as docker opens its atomic writer first (export.go) */
	if (out && hostpath_output_open(out, 0600, &ho, &e) < 0) {
		err_wrap(&e, "failed to export container");
		return cli_fail(e);
	}
	r = cli_store(cl, &s, &e);
	if (r == 0)
		r = container_load(s, argv[ind], &c, &e);
	if (r == 0) {
		fflush(stdout);
		r = container_export(s, c, out ? ho.fd : STDOUT_FILENO, &e);
	}
	if (r == 0 && out)
		r = hostpath_output_commit(&ho, &e);
	hostpath_output_release(&ho); /* after a failure the old file is still there */
	container_free(c);
	return r < 0 ? cli_fail(e) : 0;
}

/* ---- commit ---- */

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

/* One --change line, as docker commit applies it (a Dockerfile instruction on the config). */
static int apply_change(json_t *cfg, const char *line, struct hull_err **err)
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
			for (size_t i = 0; i + 2 < in->n_args + 1 && i + 1 < in->n_args; i += 3) {
				if (in->kind == DF_CMD_LABEL) {
					if (!json_is_object(o)) {
						o = json_object();
						json_object_set_new(cfg, key, o);
					}
					json_object_set_new(o, in->args[i],
							    json_string(in->args[i + 1]));
				} else {
					_cleanup_strv_ char **env = NULL;
					_cleanup_free_ char *kv =
						xasprintf("%s=%s", in->args[i], in->args[i + 1]);
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
				df_free(df);
				return err_setx(err, EINVAL, "%s requires exactly one argument",
						in->cmd);
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

const struct cli_command cli_commit_command = {
	.name = "commit",
	.usage = "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
	.description = "Create a new image from a container's changes",
	.aliases = "hull container commit, hull commit",
	.min_args = 1,
	.max_args = 2,
};

int cmd_commit(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **changes = NULL, **layers = NULL;
	const char *author = NULL, *msg = "";
	bool pause = true; /* NEEDSWORK: the container is not paused during a commit */
	const struct cli_option options[] = {
		CLI_STRING('a', "author", &author, NULL,
			   "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")"),
		CLI_LIST('c', "change", &changes, NULL,
			 "Apply Dockerfile instruction to the created image"),
		CLI_STRING('m', "message", &msg, NULL, "Commit message"),
		CLI_BOOL('p', "pause", &pause, "Pause container during commit (default true)"),
		CLI_OPT_END,
	};
	_cleanup_free_ char *tmpdir = NULL, *tarp = NULL, *now = NULL, *created_by = NULL;
	struct hull_err *e = NULL;
	struct container *c = NULL;
	struct image *img = NULL, *out = NULL;
	char diff_id[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
	json_t *config = NULL, *ccfg, *icfg;
	struct store *s;
	int r, fd = -1, ind;

	r = cli_parse(&cli_commit_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (cli_store(cl, &s, &e) < 0 || container_load(s, argv[ind], &c, &e) < 0)
		return cli_fail(e);
	r = store_image_get(s, json_get_str(c->rec, "Image"), &img, &e);
	if (r < 0)
		goto out;
	/* the image's config with the container's settings (moby daemon/commit.go merge) */
	config = json_deep_copy(img->config);
	icfg = json_object_get(config, "config");
	if (!json_is_object(icfg)) {
		icfg = json_object();
		json_object_set_new(config, "config", icfg);
	}
	ccfg = json_object_get(c->rec, "Config");
	{
		static const char *const keys[] = {"User",	 "Env",	       "Cmd",
						   "Entrypoint", "WorkingDir", "ExposedPorts",
						   "Labels",	 "StopSignal"};
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			json_t *v = json_object_get(ccfg, keys[i]);
			if (v && !json_is_null(v))
				json_object_set(icfg, keys[i], v);
		}
	}
	STRV_FOREACH (ch, changes) {
		r = apply_change(icfg, *ch, &e);
		if (r < 0)
			goto out;
	}
	r = store_tmpdir(s, "commit", &tmpdir, &e);
	if (r < 0)
		goto out;
	tarp = path_join(tmpdir, "layer.tar");
	fd = open(tarp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = err_set(&e, errno, "create '%s'", tarp);
		goto out;
	}
	r = container_upper_tar(s, c, fd, &e);
	if (r < 0)
		goto out;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		r = err_set(&e, errno, "rewind '%s'", tarp);
		goto out;
	}
	r = store_lock(s, &e);
	if (r < 0)
		goto out;
	r = store_layer_import_tar(
		s, fd, img->chain_ids[0] ? img->chain_ids[strv_length(img->chain_ids) - 1] : NULL,
		diff_id, chain, &e);
	if (r == 0) {
		json_t *rootfs = json_object_get(config, "rootfs"), *hist;
		_cleanup_strv_ char **args = NULL;
		now = now_rfc3339();
		if (!rootfs) {
			rootfs = json_pack("{s:s,s:[]}", "type", "layers", "diff_ids");
			json_object_set_new(config, "rootfs", rootfs);
		}
		json_array_append_new(json_object_get(rootfs, "diff_ids"), json_string(diff_id));
		(void) json_to_strv(json_object_get(c->rec, "Args"), &args);
		{
			_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
			(void) strbuf_adds(&sb, json_get_str(c->rec, "Path"));
			STRV_FOREACH (a, args)
				(void) strbuf_addf(&sb, " %s", *a);
			created_by = strbuf_detach(&sb, NULL);
		}
		hist = json_object_get(config, "history");
		if (!json_is_array(hist)) {
			hist = json_array();
			json_object_set_new(config, "history", hist);
		}
		json_array_append_new(hist, json_pack("{s:s,s:s,s:s}", "created", now, "created_by",
						      created_by, "comment", msg));
		if (author) {
			json_object_set_new(config, "author", json_string(author));
			json_object_set_new(json_array_get(hist, json_array_size(hist) - 1),
					    "author", json_string(author));
		}
		json_object_set_new(config, "created", json_string(now));
		json_object_set_new(config, "comment", json_string(msg));
		json_object_set_new(config, "container", json_string(c->id));
		if (json_to_strv(json_object_get(rootfs, "diff_ids"), &layers) < 0 || !layers)
			layers = strv_new();
		r = store_image_commit(s, config, layers, img, &out, &e);
		if (r == 0 && ind + 1 < argc)
			r = store_tag(s, argv[ind + 1], out->manifest_digest, &e);
	}
	store_unlock(s);
	if (r == 0) {
		container_event(c, "commit", "imageID", out->id, NULL);
		printf("%s\n", out->id);
	}
out:
	if (fd >= 0)
		close(fd);
	if (tmpdir)
		(void) rm_rf(tmpdir, NULL);
	if (config)
		json_decref(config);
	image_free(img);
	image_free(out);
	container_free(c);
	return r < 0 ? cli_fail(e) : 0;
}

/* ---- container prune ---- */

int cli_container_prune(struct cli *cl, struct store *s, const struct prune_filter *f,
			struct strbuf *out, int64_t *ret_bytes, struct hull_err **err)
{
	struct container **l = NULL;
	int64_t bytes = 0;

	if (container_list(s, &l, err) < 0)
		return -1;
	for (size_t i = 0; l[i]; i++) {
		struct container *c = l[i];
		const char *st = json_get_str(json_object_get(c->rec, "State"), "Status");
		_cleanup_free_ char *upper = path_join(c->dir, "upper");
		int64_t sz;
		if (container_is_running(c) || streq(st, "restarting") || streq(st, "paused"))
			continue;
		/* moby's ContainersPrune: until against Created, labels of Config */
		if (!prune_filter_match(
			    f, json_object_get(json_object_get(c->rec, "Config"), "Labels"),
			    time_parse_rfc3339(json_get_str(c->rec, "Created"))))
			continue;
		sz = dir_size(upper);
		if (container_remove(s, cl->runroot, c, false, NULL) < 0)
			continue;
		if (!out->len)
			(void) strbuf_addf(out, "Deleted Containers:\n");
		(void) strbuf_addf(out, "%s\n", c->id);
		bytes += sz > 0 ? sz : 0;
	}
	container_list_free(l);
	*ret_bytes = bytes;
	return 0;
}

const struct cli_command cli_container_prune_command = {
	.name = "container prune",
	.usage = "[OPTIONS]",
	.description = "Remove all stopped containers",
};

int cmd_container_prune(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **filter_args = NULL;
	bool force = false;
	const struct cli_option options[] = {
		CLI_LIST(0, "filter", &filter_args, "filter",
			 "Provide filter values (e.g. \"until=<timestamp>\")"),
		CLI_BOOL('f', "force", &force, "Do not prompt for confirmation"),
		CLI_OPT_END,
	};
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	_cleanup_free_ char *h = NULL;
	_cleanup_(prune_filter_release) struct prune_filter f = {0};
	struct hull_err *e = NULL;
	struct store *s;
	int64_t bytes = 0;
	int r, ind;

	r = cli_parse(&cli_container_prune_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (!force && !cli_confirm("WARNING! This will remove all stopped containers.\n"))
		return 0;
	if (cli_prune_filter_parse(filter_args, "label label! until", NULL, NULL, &f) != 0)
		return 1;
	if (cli_store(cl, &s, &e) < 0 || cli_container_prune(cl, s, &f, &out, &bytes, &e) < 0)
		return cli_fail(e);
	if (out.len)
		printf("%s\n", strbuf_cstr(&out));
	/* docker/cli container prune: units.HumanSize, 4 significant digits */
	h = human_size_prec((double) bytes, 4);
	printf("Total reclaimed space: %s\n", h);
	return 0;
}
