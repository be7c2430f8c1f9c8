/* SPDX-License-Identifier: MIT */
/*
 * Reading container logs (json-file and local records, logline.h) in
 * bounded memory: a backward scan that finds where the last N records of a
 * file begin, reading blocks from the end (so `logs --tail N` costs the
 * same on a 300 MB log as on a small one), and a forward reader of records
 * from a plain file or a gzipped rotated one. Functions return 0 (or a
 * count) or a negative errno, with *err set when they take one. fds are
 * borrowed unless said otherwise. Internal to container/ (and its tests).
 */
#ifndef HULL_CONTAINER_LOGREAD_H
#define HULL_CONTAINER_LOGREAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "container/logfile.h"
#include "container/logline.h"
#include "util/err.h"
#include "util/strbuf.h"

/* the block log_tail_scan() reads at a time */
#define LOG_TAIL_BLOCK 65536

/*
 * log_tail_scan() - in the first @end bytes of @fd, a log in @format: set
 * *@ret_end to the end of the last complete record (a json-file line that
 * has its newline, a local record whose two lengths agree) and *@ret_start
 * to where the last @n records before it begin, and return how many
 * records that is (fewer than @n when the file holds fewer; then
 * *@ret_start is 0). Reads backwards, @block bytes at a time (0:
 * LOG_TAIL_BLOCK), with one buffer of that size whatever the file's size.
 * A local file whose records cannot be walked back (lengths that disagree,
 * a record over LOG_RECORD_MAX) gives -EBADMSG: the caller counts forwards
 * instead. Errors: pread's, -EBADMSG.
 */
int64_t log_tail_scan(int fd, enum log_format format, int64_t end, uint64_t n, size_t block,
		      int64_t *ret_start, int64_t *ret_end);

/* One record, as log_reader_next() gives it; valid until the next call. */
struct log_entry {
	const char *stream; /* "stdout", "stderr" (or what the record says) */
	const char *line;   /* the text, with its newline (local: added back as docker does) */
	size_t len;
	int64_t time_ns;   /* when it was logged, ns since the epoch */
	const char *time;  /* the same as RFC 3339 with nine digits, as `logs -t` prints it */
	const char *attrs; /* "k=v,k=v" of its attributes, as `logs --details` prints */
};

struct log_reader {
	enum log_format format;
	int fd;		    /* borrowed */
	struct archive *gz; /* a gzipped file's decompressor (owned), NULL: read @fd */
	char *buf;	    /* bytes read and not yet consumed: buf[off, off + len) */
	size_t cap, off, len;
	int64_t pos;   /* the file offset of buf[off] (plain files) */
	int64_t limit; /* read no further than this offset (-1: to EOF) */
	bool skip;     /* json: dropping a line over LOG_RECORD_MAX up to its newline */
	bool eof;      /* a gzipped file is all read */
	json_t *j;     /* the last json-file record */
	struct strbuf text, attrs;
	char time[LOG_TIME_SIZE];
};

/*
 * log_reader_open() - read records of @format from @fd (borrowed), starting
 * at offset @start and stopping at @limit (-1: go on as the file grows,
 * for `logs -f`). With @gz the file is a rotated, gzipped one, decompressed
 * as it is read (@start and @limit are then ignored). Release with
 * log_reader_release(). Errors: libarchive's.
 */
int log_reader_open(struct log_reader *lr, enum log_format format, int fd, bool gz, int64_t start,
		    int64_t limit, struct hull_err **err);

/*
 * log_reader_next() - the next complete record into *@e: 1, or 0 when
 * there is none yet (the end, or a record being written: the bytes wait
 * for the next call), or a negative errno. Lines that are not json are
 * skipped, as are json-file lines over LOG_RECORD_MAX; a local record
 * over it, or one that does not decode, is an error (-EBADMSG), as in
 * docker's reader.
 */
int log_reader_next(struct log_reader *lr, struct log_entry *e, struct hull_err **err);

/* log_reader_restart() - read @lr's file again from offset 0 (it was truncated). */
void log_reader_restart(struct log_reader *lr);

/* log_reader_release() - free what @lr holds (not its fd). */
void log_reader_release(struct log_reader *lr);

/* A decoded local record: its fields point into the message. */
struct log_local_entry {
	const char *source; /* "stdout"... (not NUL-terminated) */
	size_t source_len;
	const char *line; /* without the newline */
	size_t line_len;
	int64_t time_ns;
	bool partial; /* a piece of a line */
	bool last;    /* the piece that ended it */
};

/*
 * log_local_decode() - decode the LogEntry @msg of @len bytes (without its
 * lengths) into *@ret and its attributes, formatted for --details, into
 * @attrs (NULL: ignored). Unknown fields are skipped. Pure. -EBADMSG when
 * it is not a protobuf message.
 */
int log_local_decode(const unsigned char *msg, size_t len, struct log_local_entry *ret,
		     struct strbuf *attrs);

/*
 * log_compress_file() - gzip @path into "@path.gz" (through a temporary
 * name, then rename) and remove @path, as docker compresses a rotated log.
 * Errors: the failing step's.
 */
int log_compress_file(const char *path, struct hull_err **err);

#endif
