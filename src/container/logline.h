/* SPDX-License-Identifier: MIT */
/*
 * The records of the json-file log driver (moby daemon/logger/jsonfilelog and
 * jsonlog.JSONLogs): {"log":"...","stream":"stdout","time":"RFC 3339 nano"},
 * and of the local driver (moby daemon/logger/local): a protobuf LogEntry
 * between two big-endian uint32 copies of its length. Written without
 * jansson or stdio so that the small static hull-monitor can link it
 * (docs/internals/container.md "Monitor"). Internal to container/.
 */
#ifndef HULL_CONTAINER_LOGLINE_H
#define HULL_CONTAINER_LOGLINE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "container/logfile.h"
#include "util/strbuf.h"

/* "2006-01-02T15:04:05.999999999Z" and its NUL */
#define LOG_TIME_SIZE 31
/* a line longer than this is written in pieces, as docker's 16 KiB log buffer does */
#define LOG_LINE_MAX 16384

/*
 * log_time_rfc3339() - @ts (CLOCK_REALTIME) in UTC as Go's time.RFC3339Nano
 * with all nine digits, docker's log timestamp, into @buf (years 0-9999).
 */
void log_time_rfc3339(const struct timespec *ts, char buf[LOG_TIME_SIZE]);

/*
 * log_line_json() - append one log line, newline included, to @sb: @len
 * bytes of @data as "log" (bytes that are not UTF-8 become U+FFFD, as Go's
 * encoder writes them; escapes as jansson's JSON_COMPACT), @stream, @attrs
 * (a JSON object's text, written as it is; NULL: none) and @time.
 */
void log_line_json(struct strbuf *sb, const char *stream, const char *data, size_t len,
		   const char *attrs, const char *time);

/* The size of a local record's length prefix and of its copy after the message. */
#define LOG_LOCAL_LEN_SIZE 4
/* A record larger than this is refused by the readers, as docker's local reader does (1e6). */
#define LOG_RECORD_MAX 1000000

/* A local record that is a piece of a line (docker's PartialLogEntryMetadata). */
struct log_partial {
	const char *id; /* the same random 64 hex digits for every piece of the line */
	int ordinal;	/* 1 for the first piece */
	bool last;	/* the piece that ended the line */
};

/*
 * log_entry_local() - append one local record to @sb: the length, a
 * LogEntry {source @stream, time_nano @time_ns, line @len bytes of @data,
 * partial, partial_log_metadata from @partial (NULL: a whole line)} encoded
 * as gogo/protobuf does (fields in order, zero values left out), the length
 * again. The line goes without its newline: docker strips it.
 */
void log_entry_local(struct strbuf *sb, const char *stream, const char *data, size_t len,
		     int64_t time_ns, const struct log_partial *partial);

/*
 * utf8_scrub() - append the @len bytes of @data to @sb with each byte that
 * does not start a valid UTF-8 sequence replaced by U+FFFD, as Go's JSON
 * encoder writes a string (a health check's output in the record).
 */
void utf8_scrub(struct strbuf *sb, const char *data, size_t len);

/* A stream of the container's output and its partial line. */
struct log_stream {
	const char *name;   /* "stdout" / "stderr" */
	struct strbuf line; /* not yet written */
	/* local: the line being written in LOG_LINE_MAX pieces (ordinal 0: none) */
	char partial_id[65];
	int ordinal;
};

/*
 * log_stream_feed() - split @len bytes of @data into lines and append each
 * complete one (or each LOG_LINE_MAX piece) to @lf in its format (nothing
 * when @lf->fd < 0); the rest waits in @ls for more data or
 * log_stream_flush(). A local line cut in pieces is written as docker's
 * copier writes one: partial records with one id, the last marked last.
 */
void log_stream_feed(struct log_file *lf, struct log_stream *ls, const char *data, size_t len);
/*
 * log_stream_flush() - write what is left of a line (at EOF) and release the
 * buffer. In local, such an unfinished line is a partial record not marked
 * last, so that readers add no newline (json-file writes it without one).
 */
void log_stream_flush(struct log_file *lf, struct log_stream *ls);

#endif
