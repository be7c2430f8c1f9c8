/* SPDX-License-Identifier: MIT */
/*
 * The monitor's relay loop (conmon's main loop): the container's output to
 * the json-file log, the attach clients and, in the foreground, our own
 * stdout/stderr; stdin and window sizes from the clients to the container;
 * signals forwarded to it (docker run's sig-proxy); the exit reaped. Shared
 * by the foreground `hull run` and the detached hull-monitor, so it uses no
 * jansson and no stdio (docs/internals/container.md "Monitor").
 * Internal to container/.
 */
#ifndef HULL_CONTAINER_RELAY_H
#define HULL_CONTAINER_RELAY_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>
#include "container/attach.h"
#include "container/health-timer.h"
#include "container/logline.h"

struct relay_stream {
	int fd;		       /* read end from the container, -1 when closed */
	int out_fd;	       /* where to copy it as well (-1: nowhere; EPIPE closes @fd) */
	struct log_stream log; /* its name and partial log line */
};

struct relay {
	pid_t pid;		   /* the container's process: a child of the caller */
	struct log_file log;	   /* the log (fd -1: none) and its rotation */
	struct relay_stream st[2]; /* stdout, stderr (-t: the pty master in st[0]) */
	int in_src;		   /* foreground -i: our stdin, -1: none */
	int in_dst;		   /* the container's stdin (pipe or pty master), -1: none */
	int pty_master;		   /* -t: the terminal's master, -1: none */
	struct attach_server as;   /* attach clients */
	/* @in_src is a terminal: typing these bytes detaches (relay_run() returns, the
	 * process keeps running); NULL: none. Borrowed. */
	const char *detach_keys;
	size_t n_detach_keys, detach_matched;
	bool detached; /* set by relay_run() when it stopped at the detach keys */
	/* a health check's exec: both streams kept here too, up to @capture_max bytes (more
	 * sets @capture_truncated); NULL: not kept */
	struct strbuf *capture;
	size_t capture_max;
	bool capture_truncated;
	/* CLOCK_MONOTONIC ms at which the process gets SIGKILL (0: never), then @timed_out */
	int64_t kill_at;
	bool timed_out;
	/* the container's health checks, run while it runs (NULL: none); borrowed */
	struct health_timer *health;
	/* another child reaped as soon as it ends (the port proxy, which `network disconnect`
	 * ends while the container runs); 0: none */
	pid_t reap;
	/*
	 * The container's resolver (docs/networking.md "Name resolution"), started at the first
	 * query: its UDP and TCP sockets at 127.0.0.11:53 in the container (-1: none; the relay
	 * closes them), and the command it runs, hull-resolver's path and arguments (borrowed).
	 * @resolver: its pid once started, ended and reaped when relay_run() returns.
	 */
	int dns_fd[2];
	char **resolver_argv;
	pid_t resolver;
};

/*
 * relay_resolver_spawn() - start hull-resolver (@argv: its path, then its arguments) for the
 * container's process @pid with its sockets @udp and @tcp (the caller's), as fds 3 and 4,
 * and a pidfd of @pid as fd 5, stdio on /dev/null, in a session of its own, every signal
 * default and unblocked: posix_spawn, so no copy of the caller's memory. Returns its pid
 * (the caller's child) or -errno. No stdio, no jansson: hull-monitor links this.
 */
pid_t relay_resolver_spawn(char *const *argv, pid_t pid, int udp, int tcp);

/* relay_init() - an idle relay: every fd -1 (no log), the attach server on @listen_fd (-1: none).
 */
void relay_init(struct relay *r, int listen_fd);

/*
 * relay_sigmask() - the signals the monitor takes through a signalfd:
 * SIGCHLD, SIGWINCH and those it forwards to the container (SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, as docker run --sig-proxy).
 */
void relay_sigmask(sigset_t *mask);

/*
 * relay_run() - relay until the process @r->pid exits and its output is
 * drained (up to 200 ms after the exit when strays hold the pipes); reap it
 * and return its docker exit code (128+N after signal N). @sfd is a
 * non-blocking signalfd of relay_sigmask(). Closes the output pipes but not
 * the pty master, the log or the attach clients.
 * @r->in_src is read only when @r->in_dst can take a pipe buffer's worth
 * (PIPE_BUF), so a container that does not read its stdin never blocks the
 * relay of its output; EOF on @r->in_src closes a stdin pipe. When an
 * @out_fd's reader is gone (EPIPE) the stream is closed, so the container's
 * writer gets EPIPE/SIGPIPE as it would on the caller's own pipe.
 * With @r->detach_keys typed on @r->in_src it returns -1 at once with
 * @r->detached set; the process is then neither signalled nor reaped.
 * With @r->health, probes are started while the process runs and the one
 * running at its exit is ended before this returns.
 */
int relay_run(struct relay *r, int sfd);

/*
 * detach_keys_filter() - pass the @len bytes @in through the detach-key
 * matcher (moby/term escapeProxy): bytes that start the @nkeys-byte sequence
 * @keys are held back (*@matched counts them across calls) and flushed into
 * @out when the sequence breaks. @out must hold @len + @nkeys bytes;
 * *@ret_len gets how many were written there. Returns true once the whole
 * sequence was typed (what follows it is dropped).
 */
bool detach_keys_filter(const char *keys, size_t nkeys, size_t *matched, const char *in, size_t len,
			char *out, size_t *ret_len);

/*
 * relay_tty_raw() - put the terminal @fd in raw mode (cfmakeraw), as docker's
 * client does for -it; the old state goes to *@saved. Returns false (and
 * changes nothing) when @fd is not a terminal. Undo with relay_tty_restore().
 */
bool relay_tty_raw(int fd, struct termios *saved);
/* relay_tty_restore() - put back the state relay_tty_raw() saved. */
void relay_tty_restore(int fd, const struct termios *saved);

#endif
