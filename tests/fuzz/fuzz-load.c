/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the archive reader of `hull load` (image/load.c):
 * the input is an archive (tar, possibly compressed) given to image_load()
 * through a memfd, as `hull load -i FILE` reads one. Every call must load
 * or fail with a message, never crash, leak or write outside the store.
 *
 * The store is a throwaway one under /tmp, opened on the first input and
 * removed at exit; images that load stay in it between inputs, so a layer
 * already there takes the "only checked" path too. The seed corpus
 * (corpus/fuzz-load/seed-*) holds small archives of a one-file image:
 * `hull save`'s (OCI layout + manifest.json), skopeo's docker-archive
 * (<hex>.json, <hex>.tar, a v1 layer.tar symlink) and oci-archive (gzip
 * layers, ref.name), docker 24's <id>/layer.tar layout with a repeated
 * layer as a symlink, an OCI index nesting an index, a gzip-compressed
 * archive, hostile names and links, and an empty tar.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "image/load.h"
#include "util/fs.h"
#include "util/strv.h"

#define FUZZ_INPUT_MAX (1 << 20)

static struct store *store;
static char root[] = "/tmp/hull-fuzz-load-XXXXXX";

static void cleanup(void)
{
	store = store_free(store);
	(void) rm_rf(root, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hull_err *e = NULL;
	char **loaded = NULL;
	int fd, r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	if (!store) {
		if (!mkdtemp(root) || store_open(root, &store, NULL) < 0)
			abort();
		atexit(cleanup);
	}
	fd = memfd_create("archive", MFD_CLOEXEC);
	if (fd < 0 || write_all(fd, data, size) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		abort();
	r = image_load(store, fd, &loaded, &e);
	/* success lists what was loaded; failure says why */
	if (r == 0 && !loaded)
		abort();
	if (r < 0 && (!e || !e->msg))
		abort();
	strv_free(loaded);
	err_free(e);
	close(fd);
	return 0;
}
