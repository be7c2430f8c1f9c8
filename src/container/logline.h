/* SPDX-License-Identifier: MIT */
/*
 * The lines of the json-file log driver (moby daemon/logger/jsonfilelog and
 * jsonlog.JSONLogs): {"log":"...","stream":"stdout","time":"RFC 3339 nano"}.
 * Written without jansson or stdio so that the small static hull-monitor can
 * link it (docs/internals/container.md "Monitor"). Internal to container/.
 */
#ifndef HULL_CONTAINER_LOGLINE_H
#define HULL_CONTAINER_LOGLINE_H

#include <stddef.h>
#include <time.h>
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
 * encoder writes them; escapes as jansson's JSON_COMPACT), @stream and @time.
 */
void log_line_json(struct strbuf *sb, const char *stream, const char *data, size_t len,
		   const char *time);

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
};

/*
 * log_stream_feed() - split @len bytes of @data into lines and append each
 * complete one (or each LOG_LINE_MAX piece) to the log @fd (-1: none);
 * the rest waits in @ls for more data or log_stream_flush().
 */
void log_stream_feed(int fd, struct log_stream *ls, const char *data, size_t len);
/* log_stream_flush() - write what is left of a line (at EOF) and release the buffer. */
void log_stream_flush(int fd, struct log_stream *ls);

#endif
