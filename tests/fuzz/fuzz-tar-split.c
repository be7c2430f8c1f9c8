/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the tar skeleton writer and reader (image/tar-split.c):
 * a pulled layer's stream goes through tar_split_feed() untrusted. The input
 * is fed in pieces of varying size (byte 0 seeds them), the skeleton written
 * to a memfd and replayed against an empty directory. When the replay
 * succeeds (no file contents were needed) it must give back the input byte
 * for byte; when the writer gives up, nothing is replayed.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "image/store-internal.h"
#include "util/fs.h"

#define FUZZ_INPUT_MAX (1 << 20)

static char dir[] = "/tmp/hull-fuzz-split-XXXXXX";
static int dir_fd = -1;

static void cleanup(void)
{
	if (dir_fd >= 0)
		close(dir_fd);
	(void) rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char digest[DIGEST_STR_LEN], want[DIGEST_STR_LEN];
	struct hull_err *e = NULL;
	struct tar_split *t;
	uint64_t out_size = 0;
	unsigned step;
	int sfd, ofd, r;

	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	if (dir_fd < 0) {
		if (!mkdtemp(dir))
			abort();
		dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir_fd < 0)
			abort();
		atexit(cleanup);
	}
	step = data[0] ? data[0] * 7u : 512u;
	data++;
	size--;
	sfd = memfd_create("split", MFD_CLOEXEC);
	ofd = memfd_create("out", MFD_CLOEXEC);
	if (sfd < 0 || ofd < 0)
		abort();
	t = tar_split_new(sfd);
	for (size_t off = 0; off < size; off += step)
		tar_split_feed(t, data + off, size - off < step ? size - off : step);
	r = tar_split_finish(t);
	tar_split_free(t);
	if (r == 0) {
		if (lseek(sfd, 0, SEEK_SET) < 0)
			abort();
		r = tar_split_replay(sfd, dir_fd, ofd, digest, &out_size, &e);
		if (r == 0) {
			char *got = NULL;
			size_t len = 0;
			char path[64];
			snprintf(path, sizeof(path), "/proc/self/fd/%d", ofd);
			sha256_digest(data, size, want);
			if (read_file(path, FUZZ_INPUT_MAX, &got, &len, NULL) < 0 || len != size ||
			    (size && memcmp(got, data, size) != 0) || out_size != size ||
			    strcmp(digest, want) != 0)
				abort(); /* the skeleton lost or changed bytes */
			free(got);
		} else if (!e || !e->msg) {
			abort();
		}
	}
	err_free(e);
	close(sfd);
	close(ofd);
	return 0;
}
