/* SPDX-License-Identifier: MIT */
/*
 * `hull debug layer-tar DIGEST`: write the uncompressed layer tar DIGEST to
 * stdout, the way a push or save would read it (store_blob_open_layer():
 * the stored blob, or the tar of a built layer made again from its layer
 * directory, checked against DIGEST before a byte is written). It lets
 * tests/system/oci-validate check built layers whose tars the store does
 * not keep. No docker counterpart (docker's is `docker save`).
 */
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include "cli/cli.h"
#include <linux/filter.h>
#include "container/security.h"
#include "util/strv.h"
#include "util/fs.h"

const struct cli_command cli_debug_layer_tar_command = {
	.name = "debug layer-tar",
	.usage = "DIGEST > FILE",
	.description = "Write the uncompressed layer tar DIGEST, checked against it",
	.min_args = 1,
	.max_args = 1,
};

int cmd_debug_layer_tar(struct cli *cl, int argc, char **argv)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	ssize_t n;
	int r, ind;

	r = cli_parse(&cli_debug_layer_tar_command, NULL, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (!digest_valid(argv[ind]))
		return cli_usage_error("debug layer-tar", "\"debug layer-tar\" requires a digest "
							  "(sha256:<64 hex digits>)");
	if (isatty(STDOUT_FILENO))
		return cli_usage_error("debug layer-tar",
				       "refusing to write a tar to a terminal; redirect stdout");
	if (cli_store(cl, &s, &e) < 0 || store_blob_open_layer(s, argv[ind], &fd, &e) < 0)
		return cli_fail(e);
	buf = xmalloc(1 << 17);
	while ((n = read(fd, buf, 1 << 17)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(STDOUT_FILENO, buf, (size_t) n) < 0) {
			err_set(&e, errno, "debug layer-tar: %s", n < 0 ? "read" : "write");
			return cli_fail(e);
		}
	}
	return 0;
}

/*
 * hull debug seccomp [--cap-add CAP]... [--cap-drop CAP]... [--privileged]
 * [--profile FILE] > FILE: the seccomp filter a container with those options
 * gets, as raw classic BPF (struct sock_filter[]), compiled afresh (not from
 * the cache). tests/system/185-security checks it against docker's profile.
 */
const struct cli_command cli_debug_seccomp_command = {
	.name = "debug seccomp",
	.usage = "[OPTIONS] > FILE",
	.description = "Write the seccomp filter (raw BPF) a container with those options gets",
};

int cmd_debug_seccomp(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **add = NULL, **drop = NULL;
	const char *profile_path = NULL;
	bool privileged = false;
	const struct cli_option options[] = {
		CLI_LIST(0, "cap-add", &add, NULL, "Add Linux capabilities"),
		CLI_LIST(0, "cap-drop", &drop, NULL, "Drop Linux capabilities"),
		CLI_BOOL(0, "privileged", &privileged, "Give extended privileges"),
		CLI_STRING(0, "profile", &profile_path, "file", "A seccomp profile (JSON)"),
		CLI_OPT_END,
	};
	_cleanup_free_ char *profile = NULL;
	struct rt_bpf *b = NULL;
	struct hull_err *e = NULL;
	uint64_t caps;
	size_t len = 0;
	int r, ind;

	(void) cl;
	r = cli_parse(&cli_debug_seccomp_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (profile_path && read_file(profile_path, 1 << 20, &profile, &len, &e) < 0)
		return cli_fail(e);
	if (isatty(STDOUT_FILENO))
		return cli_usage_error(
			"debug seccomp",
			"refusing to write a BPF program to a terminal; redirect stdout");
	if (container_caps_resolve(add, drop, privileged, &caps, &e) < 0 ||
	    container_seccomp_filter(NULL, profile, len, caps, &b, &e) < 0)
		return cli_fail(e);
	r = write_all(STDOUT_FILENO, b->insns, b->len * sizeof(*b->insns));
	b = rt_bpf_free(b);
	if (r < 0) {
		err_set(&e, -r, "debug seccomp: write");
		return cli_fail(e);
	}
	return 0;
}

/*
 * hull debug import-layers [--parent CHAIN] FILE[=DIFFID]...: import each
 * FILE (a layer stream, uncompressed, gzip or zstd; "-" is stdin; a pipe
 * such as <(curl URL) works) with store_layer_import_stream(), all at once,
 * one thread each, as a pull does; print "DIFFID CHAINID" per FILE, in
 * order. bench/pull-import times it against skopeo. No docker counterpart.
 */
struct import_job {
	pthread_t t;
	struct store *s;
	const char *parent;
	char *path, *want;
	char diff[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
	struct hull_err *err;
	int r;
};

static void *import_main(void *arg)
{
	struct import_job *j = arg;
	int fd = streq(j->path, "-") ? dup(STDIN_FILENO) : open(j->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		j->r = err_set(&j->err, errno, "open '%s'", j->path);
		return NULL;
	}
	j->r = store_layer_import_stream(j->s, fd, j->parent, j->want, j->diff, j->chain, &j->err);
	close(fd);
	return NULL;
}

const struct cli_command cli_debug_import_layers_command = {
	.name = "debug import-layers",
	.usage = "[OPTIONS] FILE[=DIFFID]...",
	.description = "Import layer streams at once, as a pull does (bench/pull-import)",
	.min_args = 1,
	.max_args = -1,
};

int cmd_debug_import_layers(struct cli *cl, int argc, char **argv)
{
	const char *parent = NULL;
	const struct cli_option options[] = {
		CLI_STRING(0, "parent", &parent, "chainid", "The chain ID the layers go on"),
		CLI_OPT_END,
	};
	struct import_job *jobs = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	size_t n = 0;
	int i, rc;

	rc = cli_parse(&cli_debug_import_layers_command, options, argc, argv, &i);
	if (rc >= 0)
		return rc;
	rc = 0;
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	jobs = xcalloc((size_t) (argc - i), sizeof(*jobs));
	for (; i < argc; i++, n++) {
		char *eq = strrchr(argv[i], '=');
		jobs[n].s = s;
		jobs[n].parent = parent;
		jobs[n].path = eq ? xstrndup(argv[i], (size_t) (eq - argv[i])) : xstrdup(argv[i]);
		jobs[n].want = eq ? xstrdup(eq + 1) : NULL;
		if (pthread_create(&jobs[n].t, NULL, import_main, &jobs[n]) != 0)
			abort();
	}
	for (size_t k = 0; k < n; k++) {
		pthread_join(jobs[k].t, NULL);
		if (jobs[k].r < 0) {
			fprintf(stderr, "hull: %s: %s\n", jobs[k].path, jobs[k].err->msg);
			rc = 1;
		} else {
			printf("%s %s\n", jobs[k].diff, jobs[k].chain);
		}
		err_free(jobs[k].err);
		free(jobs[k].path);
		free(jobs[k].want);
	}
	free(jobs);
	return rc;
}
