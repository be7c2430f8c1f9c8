/* SPDX-License-Identifier: MIT */
/* The clock of a container's health checks (health-timer.h); no jansson, no stdio. */
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include "container/health-timer.h"
#include "util/macros.h"

int64_t health_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void health_timer_init(struct health_timer *h, char **argv, int first_ms, int delay_ms)
{
	*h = (struct health_timer){.argv = argv, .delay_ms = delay_ms, .out_fd = -1};
	h->next_ms = argv && argv[0] ? health_now_ms() + (first_ms > 0 ? first_ms : 0) : -1;
}

int health_timer_wait_ms(const struct health_timer *h)
{
	int64_t left;

	if (h->next_ms < 0)
		return -1;
	left = h->next_ms - health_now_ms();
	return left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int) left;
}

/* In the child, before the exec: /dev/null, the pipe, nothing else of ours. */
static void probe_child(struct health_timer *h, int out)
{
	sigset_t none;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(null, STDERR_FILENO) < 0)
		_exit(127);
	/* the monitor's fds (the container's pipes, log, attach sockets, port reservations)
	 * lack FD_CLOEXEC on purpose: they must not stay open in the probe */
	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
		for (int fd = 3; fd < 1024; fd++)
			(void) close(fd);
	/* out of the caller's session: a ctrl-c on the terminal of `hull run` is not for it */
	(void) setsid();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execv(h->argv[0], h->argv);
	_exit(127);
}

void health_timer_tick(struct health_timer *h)
{
	int p[2];
	pid_t pid;

	if (h->next_ms < 0 || h->pid > 0 || health_now_ms() < h->next_ms)
		return;
	h->next_ms = -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		h->next_ms = health_now_ms() + h->delay_ms;
		return;
	}
	pid = fork();
	if (pid == 0)
		probe_child(h, p[1]);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		h->next_ms = health_now_ms() + h->delay_ms;
		return;
	}
	h->pid = pid;
	h->out_fd = p[0];
}

/* The probe's answer: milliseconds until the next one, HEALTH_TIMER_STOP, or @fallback. */
static int probe_answer(int fd, int fallback)
{
	char buf[32];
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	long v = 0;
	int i = 0, sign = 1;

	if (n <= 0)
		return fallback;
	buf[n] = '\0';
	if (buf[0] == '-') {
		sign = -1;
		i++;
	}
	if (buf[i] < '0' || buf[i] > '9')
		return fallback;
	for (; buf[i] >= '0' && buf[i] <= '9'; i++)
		if (v < 1000000000L)
			v = v * 10 + (buf[i] - '0');
	if (sign < 0)
		return HEALTH_TIMER_STOP;
	return (int) v;
}

bool health_timer_reap(struct health_timer *h)
{
	int status, next;

	if (h->pid <= 0 || waitpid(h->pid, &status, WNOHANG) != h->pid)
		return false;
	next = probe_answer(h->out_fd, h->delay_ms);
	h->pid = 0;
	if (h->out_fd >= 0)
		close(h->out_fd);
	h->out_fd = -1;
	h->next_ms = next == HEALTH_TIMER_STOP ? -1 : health_now_ms() + next;
	return true;
}

void health_timer_stop(struct health_timer *h)
{
	h->next_ms = -1;
	if (h->pid > 0) {
		pid_t w = 0;
		(void) kill(h->pid, SIGTERM);
		for (int i = 0; i < 200 && (w = waitpid(h->pid, NULL, WNOHANG)) == 0; i++)
			nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
		if (w == 0) {
			(void) kill(h->pid, SIGKILL);
			(void) waitpid(h->pid, NULL, 0);
		}
	}
	h->pid = 0;
	if (h->out_fd >= 0)
		close(h->out_fd);
	h->out_fd = -1;
}
