/* SPDX-License-Identifier: MIT */
/*
 * hull-init: the minimal init that `hull run --init` puts at /sbin/docker-init
 * as the container's PID 1, in the role of docker-init (tini):
 *
 *   /sbin/docker-init -- COMMAND [ARG...]
 *
 * It runs COMMAND as its child in a process group of its own (the terminal's
 * foreground group when there is one), forwards every signal it receives to
 * it, reaps every zombie of the PID namespace, and exits with the child's
 * status, or 128+N when the child was killed by signal N.
 *
 * It is linked statically and uses nothing but libc, because it runs inside
 * the container's root file system, whatever that holds.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "Usage: docker-init [--] COMMAND [ARG...]\n"
			"A minimal init for containers (hull): runs COMMAND, forwards signals\n"
			"to it, reaps zombies and exits with its status.\n");
}

int main(int argc, char **argv)
{
	sigset_t all, old;
	pid_t child;
	int i = 1;

	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	else if (i < argc && (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)) {
		usage();
		return 0;
	}
	if (i >= argc) {
		usage();
		return 1;
	}

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "[hull-init] fork failed: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0) {
		/* tini's isolate_child(): own group; take the terminal if we had it */
		if (setpgid(0, 0) == 0 && tcgetpgrp(STDIN_FILENO) == getppid())
			(void) tcsetpgrp(STDIN_FILENO, getpid());
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[i], argv + i);
		fprintf(stderr, "[hull-init] exec %s failed: %s\n", argv[i], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			/* not to ourselves: the child decides what the signal means */
			if (sig != SIGSTOP && sig != SIGKILL)
				(void) kill(child, sig);
			continue;
		}
		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG);

			if (p <= 0)
				break;
			if (p != child)
				continue; /* an orphan we adopted: reaped */
			if (WIFEXITED(st))
				return WEXITSTATUS(st);
			if (WIFSIGNALED(st))
				return 128 + WTERMSIG(st);
		}
	}
}
