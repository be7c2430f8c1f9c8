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
#include <unistd.h>
#include "cli/cli.h"
#include <linux/filter.h>
#include "container/security.h"
#include "util/strv.h"
#include "util/fs.h"

int cmd_debug_layer_tar(struct cli *cl, int argc, char **argv)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	ssize_t n;

	if (argc != 3 || !digest_valid(argv[2]))
		return cli_usage_error("debug layer-tar", "\"debug layer-tar\" requires a digest "
							  "(sha256:<64 hex digits>)");
	if (isatty(STDOUT_FILENO))
		return cli_usage_error("debug layer-tar",
				       "refusing to write a tar to a terminal; redirect stdout");
	if (cli_store(cl, &s, &e) < 0 || store_blob_open_layer(s, argv[2], &fd, &e) < 0)
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
int cmd_debug_seccomp(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **add = NULL, **drop = NULL;
	_cleanup_free_ char *profile = NULL;
	struct rt_bpf *b = NULL;
	struct hull_err *e = NULL;
	bool privileged = false;
	uint64_t caps;
	size_t len = 0;
	int r;

	(void) cl;
	for (int i = 2; i < argc; i++) {
		if (streq(argv[i], "--privileged"))
			privileged = true;
		else if (i + 1 < argc && streq(argv[i], "--cap-add"))
			strv_push(&add, argv[++i]);
		else if (i + 1 < argc && streq(argv[i], "--cap-drop"))
			strv_push(&drop, argv[++i]);
		else if (i + 1 < argc && streq(argv[i], "--profile")) {
			if (read_file(argv[++i], 1 << 20, &profile, &len, &e) < 0)
				return cli_fail(e);
		} else
			return cli_usage_error(
				"debug seccomp",
				"usage: hull debug seccomp [--cap-add CAP]... "
				"[--cap-drop CAP]... [--privileged] [--profile FILE]");
	}
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
