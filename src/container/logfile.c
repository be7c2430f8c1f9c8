/* SPDX-License-Identifier: MIT */
/* The log file and its rotation (logfile.h); no jansson, no stdio: hull-monitor links it. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "container/logfile.h"
#include "util/fs.h"
#include "util/macros.h"

void log_file_init(struct log_file *lf)
{
	*lf = (struct log_file){.fd = -1, .format = LOG_FORMAT_JSON, .max_size = -1, .max_file = 1};
}

void log_file_adopt(struct log_file *lf, int fd)
{
	struct stat st;

	lf->fd = fd;
	lf->size = fd >= 0 && fstat(fd, &st) == 0 ? st.st_size : 0;
}

bool log_file_rotated_name(char *buf, size_t size, const char *path, int n, bool gz)
{
	int k = snprintf(buf, size, "%s.%d%s", path, n, gz ? ".gz" : "");

	return k > 0 && (size_t) k < size;
}

void log_file_wait(struct log_file *lf)
{
	while (lf->compress_pid > 0 && waitpid(lf->compress_pid, NULL, 0) < 0 && errno == EINTR)
		;
	lf->compress_pid = 0;
}

/* `COMPRESSOR container-log-compress FILE` in a child that holds none of our fds. */
static pid_t compress_spawn(const char *compressor, const char *file)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t all;
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		char *argv[] = {(char *) compressor, (char *) "container-log-compress",
				(char *) file, NULL};

		/* the monitor's mask (SIGCHLD and the forwarded signals) would survive exec */
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		/* not the caller's terminal, nor the container's pipes, sockets and ports */
		for (int i = 0; i < 3 && null >= 0; i++)
			(void) dup2(null, i);
		(void) close_range(3, ~0U, 0);
		execv(compressor, argv);
		_exit(127);
	}
	return pid > 0 ? pid : 0;
}

static void rotate(struct log_file *lf)
{
	char from[4096], to[4096];
	int fd, fdflags;

	log_file_wait(lf); /* docker's rotateMu: one compression at a time */
	if (lf->max_file < 2) {
		if (ftruncate(lf->fd, 0) == 0)
			lf->size = 0;
		return;
	}
	if (!log_file_rotated_name(to, sizeof(to), lf->path, lf->max_file - 1, lf->compress))
		return;
	(void) unlink(to);
	for (int i = lf->max_file - 1; i > 1; i--) {
		if (!log_file_rotated_name(from, sizeof(from), lf->path, i - 1, lf->compress) ||
		    !log_file_rotated_name(to, sizeof(to), lf->path, i, lf->compress))
			return;
		(void) rename(from, to);
	}
	if (!log_file_rotated_name(to, sizeof(to), lf->path, 1, false) || rename(lf->path, to) < 0)
		return;
	fd = open(lf->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return; /* the records go on into PATH.1 */
	fdflags = fcntl(lf->fd, F_GETFD);
	if (dup3(fd, lf->fd, fdflags >= 0 && !(fdflags & FD_CLOEXEC) ? 0 : O_CLOEXEC) < 0) {
		close(fd);
		return;
	}
	close(fd);
	lf->size = 0;
	if (lf->compress && lf->compressor)
		lf->compress_pid = compress_spawn(lf->compressor, to);
}

void log_file_write(struct log_file *lf, const void *rec, size_t len)
{
	if (lf->fd < 0)
		return;
	if (lf->path && lf->max_size >= 0 && lf->size >= lf->max_size)
		rotate(lf);
	if (write_all(lf->fd, rec, len) == 0)
		lf->size += (int64_t) len;
}

void log_file_release(struct log_file *lf)
{
	log_file_wait(lf);
	if (lf->fd >= 0)
		close(lf->fd);
	free(lf->path);
	free(lf->compressor);
	free(lf->attrs);
	log_file_init(lf);
}
