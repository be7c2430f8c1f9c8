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
