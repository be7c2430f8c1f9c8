/* SPDX-License-Identifier: MIT */
/*
 * hull-monitor: the long-lived part of a detached container's monitor
 * (conmon's role; docker's containerd-shim). `hull run -d` and `hull start`
 * set the container up in a forked hull process, which then execs this
 * program in its place: the pid stays, so the container remains its child,
 * and the fds it needs stay open. It relays and logs until the container
 * exits (container/relay.h), then execs hull again to restart or clean up
 * (container_monitor_resume()). Static, with nothing but libc, so that an
 * idle container costs well under 1 MiB of memory
 * (docs/internals/container.md "Monitor").
 *
 *   hull-monitor --pid PID [--log FD [LOG FLAGS]] [--stdout FD] [--stderr FD]
 *                [--stdin FD] [--pty FD] [--listen FD] [--client FD]... [--reap PID]
 *                [--dns-udp FD --dns-tcp FD --resolver-arg ARG...]
 *                -- HULL [ARG...]
 *
 *   --pid      the container's process, a child of this process
 *   --log      the log file, opened O_APPEND; its LOG FLAGS (container/logfile.h):
 *              --log-format local (else json-file), --log-path PATH (the
 *              file's name, needed to rotate), --log-max-size BYTES,
 *              --log-max-file N, --log-compress (gzip rotated files by
 *              running `HULL container-log-compress FILE`), --log-attrs
 *              JSON (json-file: the "attrs" object of every record)
 *   --stdout, --stderr   read ends of the container's output pipes
 *   --stdin    write end of the container's stdin pipe (-i)
 *   --pty      the master of the container's terminal (-t): output and input
 *   --listen   the listening attach socket; --client: connected clients
 *   --reap     another child, reaped when it ends (the port proxy, ended by
 *              `network disconnect` while the container runs)
 *   --dns-udp FD --dns-tcp FD --resolver-arg ARG...
 *              the sockets of the container's resolver at 127.0.0.11:53 and its
 *              command (hull-resolver's path, then its arguments), run at the
 *              first query on them (container/relay.h)
 *   --health-first MS --health-delay MS --health-arg ARG...
 *              health checks: the command of the --health-arg values (`hull
 *              ... container-health ID`) is run MS after the start, then as
 *              each run prints on its stdout (or --health-delay MS after
 *              one that printed nothing), while the container runs
 *              (container/health-timer.h)
 *
 * Once PID has exited and its output is drained, it execs
 *
 *   HULL [ARG...] --exit-code N [--stdin FD] [--client FD]...
 *
 * with the exit code (128+N after signal N), the stdin fd if still open and
 * every attach client; the other fds it was given stay open across that
 * exec (the pty, log and listen fds, and any the caller put in ARG). The
 * signal mask (SIGCHLD and the forwarded signals, blocked) is kept across
 * both execs, so no exit or signal is lost in between.
 *
 *   hull-monitor --sleep MS --stop-marker PATH -- HULL [ARG...]
 *
 * sleeps the restart back-off (container/restart.c) in this small process
 * rather than in hull: MS milliseconds in steps of at most 20 ms, cut short
 * once PATH (the container's "stopped" marker, left by stop/kill/rm) exists,
 * then execs HULL ARG... as given (`container-monitor ID ... --restart-now`,
 * which checks the marker again and relaunches or finishes). Every fd the
 * caller left open stays open across both execs.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include "container/relay.h"
#include "util/fs.h"

#define RESOLVER_ARGS_MAX 16 /* hull-resolver PATH --ctr ID and three --up IP */

static void fail(const char *msg)
{
	(void) write_all(STDERR_FILENO, "hull-monitor: ", 14);
	(void) write_all(STDERR_FILENO, msg, strlen(msg));
	(void) write_all(STDERR_FILENO, "\n", 1);
	_exit(125);
}

static int64_t num64(const char *s)
{
	int64_t v = 0;

	if (!s || !*s)
		fail("missing number");
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000000000000LL)
			fail("bad number");
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int num(const char *s)
{
	long v = 0;

	if (!s || !*s)
		fail("missing number");
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 1000000000L)
			fail("bad number");
		v = v * 10 + (*s - '0');
	}
	return (int) v;
}

/* decimal of @v (may be negative) in static storage of @slot (one per argument) */
static char *itoa_slot(char slot[16], int v)
{
	char *p = slot + 15;
	unsigned u = v < 0 ? (unsigned) -v : (unsigned) v;

	*p = '\0';
	do
		*--p = (char) ('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	return p;
}

static void sleep_then_exec(int argc, char **argv)
{
	const char *marker = NULL;
	struct timespec now, end;
	long ms = -1;
	int i;

	for (i = 1; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
		if (strcmp(argv[i], "--sleep") == 0)
			ms = num(argv[i + 1]);
		else if (strcmp(argv[i], "--stop-marker") == 0)
			marker = argv[i + 1];
		else
			fail("unknown flag (usage: hull-monitor --sleep MS --stop-marker PATH -- "
			     "HULL [ARG...])");
	}
	if (ms < 0 || !marker || i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc)
		fail("usage: hull-monitor --sleep MS --stop-marker PATH -- HULL [ARG...]");
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	while (access(marker, F_OK) != 0) {
		long left;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (end.tv_sec - now.tv_sec) * 1000000000L + (end.tv_nsec - now.tv_nsec);
		if (left <= 0)
			break;
		nanosleep(&(struct timespec){0, left < 20000000L ? left : 20000000L}, NULL);
	}
	execv(argv[i + 1], argv + i + 1);
	/* the container stays "restarting" with nobody to restart it: `hull ps`
	 * finds the monitor dead and records it as exited (container_reconcile()) */
	fail("cannot run hull to restart the container");
}

int main(int argc, char **argv)
{
	static char nums[2 + ATTACH_CLIENTS][16];
	struct health_timer health;
	char **health_argv;
	int n_health = 0, health_first = -1, health_delay = 30000, n_resolver = 0;
	char *resolver_argv[RESOLVER_ARGS_MAX + 1] = {NULL};
	struct relay r;
	sigset_t mask;
	char **tail = NULL, **next;
	int tail_n = 0, sfd, code, k = 0;

	if (argc > 1 && strcmp(argv[1], "--sleep") == 0)
		sleep_then_exec(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	relay_init(&r, -1);
	health_argv = calloc((size_t) argc + 1, sizeof(char *));
	if (!health_argv)
		fail("out of memory");
	for (int i = 1; i < argc; i++) {
		const char *f = argv[i];
		if (strcmp(f, "--") == 0) {
			tail = argv + i + 1;
			tail_n = argc - i - 1;
			break;
		}
		if (strcmp(f, "--log-compress") == 0) {
			r.log.compress = true;
			continue;
		}
		if (i + 1 >= argc)
			fail("flag needs an argument");
		if (strcmp(f, "--pid") == 0)
			r.pid = num(argv[++i]);
		else if (strcmp(f, "--log") == 0)
			log_file_adopt(&r.log, num(argv[++i]));
		else if (strcmp(f, "--log-format") == 0)
			r.log.format = strcmp(argv[++i], "local") == 0 ? LOG_FORMAT_LOCAL
								       : LOG_FORMAT_JSON;
		else if (strcmp(f, "--log-path") == 0)
			r.log.path = strdup(argv[++i]);
		else if (strcmp(f, "--log-max-size") == 0)
			r.log.max_size = num64(argv[++i]);
		else if (strcmp(f, "--log-max-file") == 0)
			r.log.max_file = num(argv[++i]);
		else if (strcmp(f, "--log-attrs") == 0)
			r.log.attrs = strdup(argv[++i]);
		else if (strcmp(f, "--stdout") == 0)
			r.st[0].fd = num(argv[++i]);
		else if (strcmp(f, "--stderr") == 0)
			r.st[1].fd = num(argv[++i]);
		else if (strcmp(f, "--stdin") == 0)
			r.in_dst = num(argv[++i]);
		else if (strcmp(f, "--pty") == 0)
			r.pty_master = num(argv[++i]);
		else if (strcmp(f, "--listen") == 0)
			r.as.listen_fd = num(argv[++i]);
		else if (strcmp(f, "--client") == 0)
			(void) attach_server_adopt(&r.as, num(argv[++i]));
		else if (strcmp(f, "--reap") == 0)
			r.reap = num(argv[++i]);
		else if (strcmp(f, "--dns-udp") == 0)
			r.dns_fd[0] = num(argv[++i]);
		else if (strcmp(f, "--dns-tcp") == 0)
			r.dns_fd[1] = num(argv[++i]);
		else if (strcmp(f, "--resolver-arg") == 0 && n_resolver < RESOLVER_ARGS_MAX)
			resolver_argv[n_resolver++] = argv[++i];
		else if (strcmp(f, "--health-first") == 0)
			health_first = num(argv[++i]);
		else if (strcmp(f, "--health-delay") == 0)
			health_delay = num(argv[++i]);
		else if (strcmp(f, "--health-arg") == 0)
			health_argv[n_health++] = argv[++i];
		else
			fail("unknown flag (usage: hull-monitor --pid PID [FD flags] -- HULL "
			     "[ARG...])");
	}
	if (r.pid <= 0 || !tail || tail_n < 1)
		fail("usage: hull-monitor --pid PID [FD flags] -- HULL [ARG...]");
	if (r.log.compress)
		r.log.compressor = strdup(tail[0]); /* HULL container-log-compress FILE */
	if (r.pty_master >= 0) {
		r.st[0].fd = r.pty_master;
		if (r.in_dst < 0)
			r.in_dst = r.pty_master;
	}
	if (n_resolver > 0 && r.dns_fd[0] >= 0 && r.dns_fd[1] >= 0) {
		r.resolver_argv = resolver_argv;
		(void) fcntl(r.dns_fd[0], F_SETFD, FD_CLOEXEC);
		(void) fcntl(r.dns_fd[1], F_SETFD, FD_CLOEXEC);
	}
	if (n_health > 0 && health_first >= 0) {
		health_timer_init(&health, health_argv, health_first, health_delay);
		r.health = &health;
	}

	relay_sigmask(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		fail("signalfd failed");
	code = relay_run(&r, sfd);
	close(sfd);
	/* hull takes the log over (same fd): the last rotated file is complete by then */
	log_file_wait(&r.log);

	/* hand back to hull: HULL ARG... --exit-code N [--stdin FD] [--client FD]... */
	next = malloc(sizeof(char *) * (size_t) (tail_n + 5 + 2 * ATTACH_CLIENTS));
	if (!next)
		fail("out of memory");
	memcpy(next, tail, sizeof(char *) * (size_t) tail_n);
	next[tail_n++] = "--exit-code";
	next[tail_n++] = itoa_slot(nums[k++], code);
	if (r.in_dst >= 0 && r.in_dst != r.pty_master) {
		(void) fcntl(r.in_dst, F_SETFD, 0);
		next[tail_n++] = "--stdin";
		next[tail_n++] = itoa_slot(nums[k++], r.in_dst);
	}
	for (size_t i = 0; i < ATTACH_CLIENTS; i++)
		if (r.as.cl[i].fd >= 0) {
			(void) fcntl(r.as.cl[i].fd, F_SETFD, 0);
			next[tail_n++] = "--client";
			next[tail_n++] = itoa_slot(nums[k++], r.as.cl[i].fd);
		}
	next[tail_n] = NULL;
	execv(next[0], next);

	/* hull is gone: the clients at least learn the exit; `hull ps` then finds the
	 * monitor dead and records the container as exited (container_reconcile()) */
	{
		int32_t ec = code;
		attach_server_broadcast(&r.as, ATTACH_EXIT, &ec, sizeof(ec));
	}
	fail("cannot run hull to record the exit");
	return 125;
}
