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
#include <sys/types.h>
#include "container/attach.h"
#include "container/logline.h"

struct relay_stream {
	int fd;		       /* read end from the container, -1 when closed */
	int out_fd;	       /* where to copy it as well (-1: nowhere) */
	struct log_stream log; /* its name and partial log line */
};

struct relay {
	pid_t pid;		   /* the container's process: a child of the caller */
	int log_fd;		   /* the json-file log (O_APPEND), -1: none */
	struct relay_stream st[2]; /* stdout, stderr (-t: the pty master in st[0]) */
	int in_src;		   /* foreground -i: our stdin, -1: none */
	int in_dst;		   /* the container's stdin (pipe or pty master), -1: none */
	int pty_master;		   /* -t: the terminal's master, -1: none */
	struct attach_server as;   /* attach clients */
};

/* relay_init() - an idle relay: every fd -1, the attach server on @listen_fd (-1: none). */
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
 */
int relay_run(struct relay *r, int sfd);

#endif
