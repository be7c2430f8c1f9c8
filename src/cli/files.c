/* SPDX-License-Identifier: MIT */
/* cp, diff, export, commit and container prune (docker/cli cli/command/container). */
#include <fcntl.h>
#include <sys/stat.h>
#include "build/commit.h"
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
	_cleanup_strv_ char **changes = NULL;
	const char *author = NULL, *msg = "";
	bool pause = true;
	const struct cli_option options[] = {
		CLI_STRING('a', "author", &author, NULL,
			   "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")"),
		CLI_LIST('c', "change", &changes, NULL,
			 "Apply Dockerfile instruction to the created image"),
		CLI_STRING('m', "message", &msg, NULL, "Commit message"),
		CLI_BOOL('p', "pause", &pause, "Pause container during commit (default true)"),
		CLI_OPT_END,
	};
	struct build_commit_opts o = {0};
	struct hull_err *e = NULL;
	struct container *c = NULL;
	struct image *out = NULL;
	struct store *s;
	int r, ind;

	r = cli_parse(&cli_commit_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (cli_store(cl, &s, &e) < 0 || container_load(s, argv[ind], &c, &e) < 0)
		return cli_fail(e);
	o.author = author;
	o.message = msg;
	o.changes = changes;
	o.tag = ind + 1 < argc ? argv[ind + 1] : NULL;
	o.pause = pause;
	r = build_commit(s, c, &o, &out, &e);
	container_free(c);
	if (r < 0)
		return cli_fail(e);
	printf("%s\n", out->id);
	image_free(out);
	return 0;
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
		enum container_status st = c->state.status;
		_cleanup_free_ char *upper = path_join(c->dir, "upper");
		int64_t sz;
		if (container_is_running(c) || st == CONTAINER_RESTARTING || st == CONTAINER_PAUSED)
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
