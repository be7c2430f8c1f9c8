/* SPDX-License-Identifier: MIT */
/*
 * OCI hooks (runtime-spec config.md "POSIX-platform Hooks", runc's
 * libcontainer/configs Command.Run): a program run with the state on stdin.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "runtime/rt-internal.h"
#include "util/fs.h"

/* Milliseconds left until @deadline (CLOCK_MONOTONIC ns; 0: none): -1 for none, at least 0. */
static int ms_left(int64_t deadline)
{
	struct timespec ts;
	int64_t now, left;

	if (!deadline)
		return -1;
	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
	left = deadline - now;
	return left <= 0 ? 0 : (int) ((left + 999999) / 1000000);
}

/*
 * Write @state to @fd (non-blocking) until it is all written, the hook
 * @pidfd exits (or stops reading: EPIPE) or @deadline passes. Returns
 * false on the deadline. SIGPIPE is blocked meanwhile (the write gets
 * EPIPE) and a pending one consumed, so that a hook that exits without
 * reading cannot kill the runtime.
 */
static bool state_write(int fd, int pidfd, const char *state, int64_t deadline)
{
	size_t off = 0, len = strlen(state);
	sigset_t pipe_set, old;
	bool epipe = false, in_time = true;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	(void) sigprocmask(SIG_BLOCK, &pipe_set, &old);
	(void) fcntl(fd, F_SETFL, O_NONBLOCK);
	while (off < len) {
		struct pollfd pfd[2] = {{.fd = fd, .events = POLLOUT},
					{.fd = pidfd, .events = POLLIN}};
		ssize_t w;
		int n = poll(pfd, pidfd >= 0 ? 2 : 1, ms_left(deadline));

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			in_time = false;
			break;
		}
		if (n < 0 || (pidfd >= 0 && pfd[1].revents))
			break; /* the hook is gone: what it did not read does not matter */
		w = write(fd, state + off, len - off);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0) {
			epipe = errno == EPIPE;
			break;
		}
		off += (size_t) w;
	}
	if (epipe) {
		static const struct timespec zero = {0, 0};
		(void) sigtimedwait(&pipe_set, NULL, &zero);
	}
	(void) sigprocmask(SIG_SETMASK, &old, NULL);
	return in_time;
}

static int hook_run(const struct rt_hook *h, size_t i, const char *kind, const char *state,
		    struct hull_err **err)
{
	_cleanup_close_ int pidfd = -1;
	struct pollfd pfd;
	int64_t deadline = 0;
	int p[2], st = 0, n = 1;
	pid_t pid;

	if (h->timeout) {
		struct timespec ts;

		(void) clock_gettime(CLOCK_MONOTONIC, &ts);
		deadline = ((int64_t) ts.tv_sec + h->timeout) * 1000000000 + ts.tv_nsec;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(err, errno, "run %s hook '%s'", kind, h->path);
	pid = fork();
	if (pid < 0) {
		(void) close(p[0]);
		(void) close(p[1]);
		return err_set(err, errno, "run %s hook '%s'", kind, h->path);
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		char *argv0[] = {h->path, NULL};

		if (dup2(p[0], 0) < 0 || nul < 0 || dup2(nul, 1) < 0 || dup2(nul, 2) < 0)
			_exit(127);
		/* nothing of the caller's but 0-2 (a startContainer hook runs in the
		 * container, where a leaked fd would reach the host) */
		if (syscall(SYS_close_range, 3U, ~0U, 0) < 0)
			for (int fd = 3; fd < 1024; fd++)
				(void) close(fd);
		rt_reset_signals();
		execve(h->path, h->args && h->args[0] ? h->args : argv0,
		       h->env ? h->env : (char *[]){NULL});
		_exit(127);
	}
	(void) close(p[0]);
	pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
	/* the timeout covers the state's write too: a hook may never read it */
	if (!state_write(p[1], pidfd, state, deadline))
		n = 0;
	(void) close(p[1]);
	pfd = (struct pollfd){.fd = pidfd, .events = POLLIN};
	while (n != 0 && pidfd >= 0) {
		n = poll(&pfd, 1, ms_left(deadline));
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n == 0)
		(void) kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n == 0)
		return err_setx(err, ETIMEDOUT, "%s hook #%zu '%s': timed out after %d s", kind, i,
				h->path, h->timeout);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return err_setx(err, EIO, "%s hook #%zu '%s': exit status %d", kind, i, h->path,
				rt_exit_code(st));
	return 0;
}

int rt_hooks_run(const struct rt_hook *hooks, size_t n, const char *kind, const char *state,
		 struct hull_err **err)
{
	for (size_t i = 0; i < n; i++) {
		int r = hook_run(&hooks[i], i, kind, state, err);
		if (r < 0)
			return r;
	}
	return 0;
}

size_t rt_hooks_run_warn(const struct rt_hook *hooks, size_t n, const char *kind, const char *state,
			 void (*warn)(const char *msg, void *arg), void *arg)
{
	size_t failed = 0;

	for (size_t i = 0; i < n; i++) {
		struct hull_err *e = NULL;

		if (hook_run(&hooks[i], i, kind, state, &e) < 0) {
			failed++;
			if (warn)
				warn(e->msg, arg);
		}
		err_free(e);
	}
	return failed;
}
