/* SPDX-License-Identifier: MIT */
/*
 * The file a container's output is logged to, with docker's rotation
 * (moby daemon/logger/loggerutils LogFile): before a record is written, a
 * file that holds max-size bytes or more is renamed to PATH.1 (PATH.1 to
 * PATH.2... the oldest beyond max-file dropped) and a new PATH begins; with
 * max-file 1 the file is truncated instead. With compress, PATH.1 is
 * gzipped to PATH.1.gz by a separate process (`hull container-log-compress
 * PATH.1`, docker's goroutine), so the relay never waits on zlib; the next
 * rotation waits for it, as docker's does. Written without jansson or stdio:
 * hull-monitor links it (docs/internals/container.md "Logs"). The writer is
 * the only one: the monitor in use (hull or hull-monitor) owns the fd.
 * Internal to container/.
 */
#ifndef HULL_CONTAINER_LOGFILE_H
#define HULL_CONTAINER_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How records are framed in the file: docker's json-file lines or its local driver's protobuf. */
enum log_format {
	LOG_FORMAT_JSON,
	LOG_FORMAT_LOCAL,
};

struct log_file {
	int fd;			/* the current file, O_APPEND; -1: nothing is logged */
	enum log_format format; /* what log_stream_feed() writes (logline.h) */
	char *path;		/* the file's name, for rotation (owned); NULL: never rotate */
	int64_t max_size;	/* rotate before a write once the file holds this much; -1: never */
	int max_file;		/* files kept, the current one included; < 2: truncate instead */
	bool compress;		/* gzip the rotated files (PATH.1.gz...) */
	char *compressor;	/* the hull executable that compresses (owned); NULL: keep PATH.1 */
	int64_t size;		/* bytes in the current file */
	pid_t compress_pid;	/* the compressor still running, 0: none */
	char *attrs;		/* json-file: the "attrs" of every record, a JSON object (owned) */
};

/* log_file_init() - no log: fd -1, json-file, no rotation. */
void log_file_init(struct log_file *lf);

/*
 * log_file_adopt() - log to @fd (taken; opened O_APPEND by the caller),
 * whose current size is where rotation counts from (docker seeks to the end
 * at open). The rotation settings are the caller's to set beforehand.
 */
void log_file_adopt(struct log_file *lf, int fd);

/*
 * log_file_write() - append the record @rec of @len bytes, rotating first
 * when the file is full. A rotation keeps the fd's number (the new file is
 * dup'ed onto it, CLOEXEC as before), since hull-monitor's command line
 * names it. Errors (a full disk) are not reported: the container runs on,
 * as with docker's driver, and the record is lost.
 */
void log_file_write(struct log_file *lf, const void *rec, size_t len);

/*
 * log_file_wait() - wait for the compressor of the last rotation, so that
 * PATH.1.gz is complete (before an exec, or at the end).
 */
void log_file_wait(struct log_file *lf);

/* log_file_release() - wait for the compressor, close the fd, free the names; back to no log. */
void log_file_release(struct log_file *lf);

/*
 * log_file_lock_dir() - flock the directory of the log @path: exclusive
 * while the writer renames the files of a rotation, shared while a reader
 * opens a set of them, so that it sees a rotation whole or not at all.
 * A reader waits as long as it takes; the writer at most about 100 ms, then
 * goes on unlocked (a reader that hangs must not stop a container's log).
 * Returns the fd to give to log_file_unlock_dir(), or -1.
 */
int log_file_lock_dir(const char *path, bool exclusive);
/* log_file_unlock_dir() - release (and close) what log_file_lock_dir() returned; -1 is fine. */
void log_file_unlock_dir(int dfd);

/*
 * log_file_rotated_name() - "PATH.N" or "PATH.N.gz" into @buf of @size
 * bytes; false when it does not fit.
 */
bool log_file_rotated_name(char *buf, size_t size, const char *path, int n, bool gz);

#endif
