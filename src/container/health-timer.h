/* SPDX-License-Identifier: MIT */
/*
 * The clock of a container's health checks (docker's HEALTHCHECK), kept by
 * whatever process watches the container: hull-monitor for a detached one,
 * `hull run` itself in the foreground. When a probe is due it forks and
 * execs the probe command, `hull ... container-health ID`
 * (container_health_probe()), which runs the check in the container,
 * records the result and prints on its stdout the milliseconds to wait
 * before the next probe. One probe at a time, and the wait counts from the
 * end of the previous one, as docker's monitor does. Used by relay_run();
 * no jansson and no stdio, since hull-monitor links it
 * (docs/internals/container.md "Health checks"). Internal to container/.
 */
#ifndef HULL_CONTAINER_HEALTH_TIMER_H
#define HULL_CONTAINER_HEALTH_TIMER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* what a probe prints to end the health checks (the container has none, or is not ours) */
#define HEALTH_TIMER_STOP (-1)

struct health_timer {
	char **argv;	 /* the probe command, NULL-terminated (borrowed) */
	int delay_ms;	 /* the wait after a probe that printed nothing (it failed) */
	int64_t next_ms; /* CLOCK_MONOTONIC ms of the next probe; -1: none (one runs, or stopped) */
	pid_t pid;	 /* the probe process, 0: none */
	int out_fd;	 /* read end of its stdout, -1: none */
};

/*
 * health_timer_init() - a timer that starts @argv (borrowed, it must outlive
 * the timer) @first_ms from now, then as each probe says, or @delay_ms
 * after a probe that said nothing.
 */
void health_timer_init(struct health_timer *h, char **argv, int first_ms, int delay_ms);

/* health_now_ms() - CLOCK_MONOTONIC in milliseconds. */
int64_t health_now_ms(void);

/*
 * health_timer_wait_ms() - how long the caller may sleep in poll() before
 * the next probe is due: >= 0, or -1 when no probe is scheduled.
 */
int health_timer_wait_ms(const struct health_timer *h);

/*
 * health_timer_tick() - start the probe if it is due. Its stdin and stderr
 * are /dev/null, its stdout a pipe to us; it gets none of our other fds, an
 * empty signal mask and a session of its own (no terminal signals). A
 * failed fork or exec counts as a probe that said nothing.
 */
void health_timer_tick(struct health_timer *h);

/*
 * health_timer_reap() - after SIGCHLD: if the probe has exited, reap it,
 * read its answer and schedule the next one. Returns true if it was reaped.
 */
bool health_timer_reap(struct health_timer *h);

/*
 * health_timer_stop() - the container exited: schedule nothing more; end a
 * running probe (SIGTERM, then SIGKILL after 2 s) and wait for it, so that
 * no probe writes the record after the exit is recorded.
 */
void health_timer_stop(struct health_timer *h);

#endif
