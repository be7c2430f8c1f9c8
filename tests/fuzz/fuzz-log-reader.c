/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the log readers (container/logread.c): a container's
 * log file is written by the monitor, but `logs` also reads files docker
 * wrote, a torn or a foreign one. Byte 0 picks the format (json-file or
 * local) and the block size of the backward scan, byte 1 the number of
 * records wanted; the rest is the file. The backward scan must find no more
 * records than asked and fit in the file; a json-file tail holds exactly as
 * many lines as it counted; the forward reader, from the start and from the
 * tail, must end (a record or not, never a loop) and find no more local
 * records after the tail than the scan counted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "container/logread.h"
#include "util/fs.h"

#define FUZZ_INPUT_MAX (1 << 20)

/* records from @start to the end; -1 on a read error */
static int64_t read_all(int fd, enum log_format format, int64_t start)
{
	struct log_reader lr;
	struct log_entry e;
	struct hull_err *err = NULL;
	int64_t n = 0;
	int r;

	if (log_reader_open(&lr, format, fd, false, start, -1, &err) < 0)
		abort();
	while ((r = log_reader_next(&lr, &e, &err)) > 0) {
		if (!e.stream || !e.line || !e.time || !e.attrs)
			abort();
		n++;
	}
	log_reader_release(&lr);
	if (r < 0) {
		if (!err)
			abort(); /* an error is always explained */
		err_free(err);
		return -1;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t blocks[] = {1, 3, 16, 0};
	enum log_format format;
	int64_t start = -1, end = -1, found, fwd;
	uint64_t n;
	int fd;

	if (size < 2 || size > FUZZ_INPUT_MAX)
		return 0;
	format = data[0] & 1 ? LOG_FORMAT_LOCAL : LOG_FORMAT_JSON;
	n = data[1];
	fd = memfd_create("log", MFD_CLOEXEC);
	if (fd < 0 || write_all(fd, data + 2, size - 2) < 0)
		abort();
	size -= 2;
	found = log_tail_scan(fd, format, (int64_t) size, n, blocks[data[0] >> 1 & 3], &start,
			      &end);
	if (found >= 0) {
		if ((uint64_t) found > n || start < 0 || start > end || end > (int64_t) size)
			abort();
		if (found < (int64_t) n && start != 0)
			abort();
		if (format == LOG_FORMAT_JSON) {
			/* the records are the lines of [start, end) */
			int64_t lines = 0;
			for (int64_t i = start; i < end; i++)
				lines += data[2 + i] == '\n';
			if (lines != found || (end > 0 && data[2 + end - 1] != '\n'))
				abort();
		}
		fwd = read_all(fd, format, start);
		if (format == LOG_FORMAT_LOCAL && fwd > found)
			abort();
	} else if (found != -EBADMSG || format != LOG_FORMAT_LOCAL) {
		abort();
	}
	(void) read_all(fd, format, 0);
	close(fd);
	return 0;
}
