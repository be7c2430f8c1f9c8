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

#include "runtime/rt-internal.h"
#include "util/fs.h"

static int hook_run(const struct rt_hook *h, size_t i, const char *kind, const char *state,
		    struct hull_err **err)
{
	_cleanup_close_ int pidfd = -1;
	struct pollfd pfd;
	int p[2], st = 0, n;
	pid_t pid;

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
		rt_reset_signals();
		execve(h->path, h->args && h->args[0] ? h->args : argv0,
		       h->env ? h->env : (char *[]){NULL});
		_exit(127);
	}
	(void) close(p[0]);
	(void) write_all(p[1], state, strlen(state));
	(void) close(p[1]);
	pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
	pfd = (struct pollfd){.fd = pidfd, .events = POLLIN};
	do
		n = pidfd < 0 ? 1 : poll(&pfd, 1, h->timeout ? h->timeout * 1000 : -1);
	while (n < 0 && errno == EINTR);
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
