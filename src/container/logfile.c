/* SPDX-License-Identifier: MIT */
/* The log file and its rotation (logfile.h); no jansson, no stdio: hull-monitor links it. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

int log_file_lock_dir(const char *path, bool exclusive)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int dfd;

	if (!slash || (size_t) (slash - path) >= sizeof(dir))
		return -1;
	memcpy(dir, path, (size_t) (slash - path));
	dir[slash - path] = '\0';
	dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	/* readers wait for a rotation to end, however long; the writer waits for a reader at
	 * most 100 ms: one that hangs must not stop the container's log */
	if (!exclusive) {
		while (flock(dfd, LOCK_SH) < 0 && errno == EINTR)
			;
		return dfd;
	}
	for (int i = 0; i < 100; i++) {
		if (flock(dfd, LOCK_EX | LOCK_NB) == 0)
			return dfd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
	}
	return dfd; /* unlocked: go on without */
}

void log_file_unlock_dir(int dfd)
{
	if (dfd >= 0)
		close(dfd); /* the lock goes with the last fd of its open file */
}

/* The renames and the new file, which readers must see all or nothing of (the directory's lock). */
static bool rotate_locked(struct log_file *lf)
{
	char from[4096], to[4096];
	int fd, fdflags;

	if (!log_file_rotated_name(to, sizeof(to), lf->path, lf->max_file - 1, lf->compress))
		return false;
	(void) unlink(to);
	for (int i = lf->max_file - 1; i > 1; i--) {
		if (!log_file_rotated_name(from, sizeof(from), lf->path, i - 1, lf->compress) ||
		    !log_file_rotated_name(to, sizeof(to), lf->path, i, lf->compress))
			return false;
		(void) rename(from, to);
	}
	if (!log_file_rotated_name(to, sizeof(to), lf->path, 1, false) || rename(lf->path, to) < 0)
		return false;
	fd = open(lf->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return false; /* the records go on into PATH.1 */
	fdflags = fcntl(lf->fd, F_GETFD);
	if (dup3(fd, lf->fd, fdflags >= 0 && !(fdflags & FD_CLOEXEC) ? 0 : O_CLOEXEC) < 0) {
		close(fd);
		return false;
	}
	close(fd);
	lf->size = 0;
	return true;
}

static void rotate(struct log_file *lf)
{
	char name[4096];
	int dfd;
	bool done;

	log_file_wait(lf); /* docker's rotateMu: one compression at a time */
	if (lf->max_file < 2) {
		if (ftruncate(lf->fd, 0) == 0)
			lf->size = 0;
		return;
	}
	dfd = log_file_lock_dir(lf->path, true);
	done = rotate_locked(lf);
	log_file_unlock_dir(dfd);
	if (done && lf->compress && lf->compressor &&
	    log_file_rotated_name(name, sizeof(name), lf->path, 1, false))
		lf->compress_pid = compress_spawn(lf->compressor, name);
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
