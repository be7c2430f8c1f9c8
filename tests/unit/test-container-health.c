/* SPDX-License-Identifier: MIT */
/*
 * Health checks: Config.Healthcheck as docker's daemon checks and merges it
 * (moby validateHealthCheck, daemon/commit.go merge), State.Health at starts
 * and exits, and the monitor's timer with a probe process that prints the
 * wait until the next one (container/health-timer.h). The probes themselves
 * run in containers: tests/system/227-health.bats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include "container/container.h"
#include "container/health-timer.h"
#include "util/json.h"

static json_t *J(const char *text)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);

	assert_non_null(j);
	return j;
}

/* @got (may be NULL) is the JSON @want */
static void assert_json(json_t *got, const char *want)
{
	_cleanup_free_ char *s =
		got ? json_dump_str(got, JSON_COMPACT | JSON_SORT_KEYS) : xstrdup("null");
	assert_string_equal(s, want);
}

static void merge(const char *image, const char *user, const char *want)
{
	_cleanup_json_ json_t *im = image ? J(image) : NULL, *u = user ? J(user) : NULL;
	json_t *got = (json_t *) 1;
	struct hull_err *e = NULL;

	assert_int_equal(container_healthcheck_config(im, u, &got, &e), 0);
	assert_null(e);
	assert_json(got, want);
	if (got)
		json_decref(got);
}

static void test_merge(void **state)
{
	(void) state;
	merge(NULL, NULL, "null");
	merge("{\"Test\":[\"CMD\",\"true\"],\"Interval\":5000000000}", NULL,
	      "{\"Interval\":5000000000,\"Test\":[\"CMD\",\"true\"]}");
	merge(NULL, "{\"Test\":[\"CMD-SHELL\",\"x\"]}", "{\"Test\":[\"CMD-SHELL\",\"x\"]}");
	/* each field the user left empty comes from the image */
	merge("{\"Test\":[\"CMD\",\"true\"],\"Interval\":5000000000,\"Retries\":4,"
	      "\"StartPeriod\":1000000,\"StartInterval\":2000000,\"Timeout\":3000000}",
	      "{\"Interval\":2000000000}",
	      "{\"Interval\":2000000000,\"Retries\":4,\"StartInterval\":2000000,"
	      "\"StartPeriod\":1000000,\"Test\":[\"CMD\",\"true\"],\"Timeout\":3000000}");
	merge("{\"Test\":[\"CMD\",\"true\"],\"Interval\":5000000000}", "{\"Test\":[\"NONE\"]}",
	      "{\"Interval\":5000000000,\"Test\":[\"NONE\"]}");
	merge("{\"Test\":[\"CMD\",\"true\"]}", "{\"Test\":[],\"Retries\":2}",
	      "{\"Retries\":2,\"Test\":[\"CMD\",\"true\"]}");
}

static void test_validate(void **state)
{
	static const struct {
		const char *user, *msg;
	} bad[] = {
		{"{\"Interval\":999999}", "Interval in Healthcheck cannot be less than 1ms"},
		{"{\"Interval\":-1000000000}", "Interval in Healthcheck cannot be less than 1ms"},
		{"{\"Timeout\":1}", "Timeout in Healthcheck cannot be less than 1ms"},
		{"{\"Retries\":-1}", "Retries in Healthcheck cannot be negative"},
		{"{\"StartPeriod\":10}", "StartPeriod in Healthcheck cannot be less than 1ms"},
		{"{\"StartInterval\":10}", "StartInterval in Healthcheck cannot be less than 1ms"},
		/* in moby's order: the interval first */
		{"{\"StartInterval\":10,\"Interval\":10}",
		 "Interval in Healthcheck cannot be less than 1ms"},
	};
	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_json_ json_t *u = J(bad[i].user);
		json_t *got = (json_t *) 1;
		struct hull_err *e = NULL;
		assert_int_equal(container_healthcheck_config(NULL, u, &got, &e), -EINVAL);
		assert_string_equal(e->msg, bad[i].msg);
		assert_ptr_equal(got, (json_t *) 1);
		err_free(e);
	}
	/* exactly 1ms is allowed, and so is 0 (the default) */
	merge(NULL, "{\"Interval\":1000000,\"Timeout\":0}", "{\"Interval\":1000000,\"Timeout\":0}");
}

static void test_state(void **state)
{
	_cleanup_json_ json_t *rec =
		J("{\"Config\":{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}},\"State\":{}}");
	_cleanup_json_ json_t *none =
		J("{\"Config\":{\"Healthcheck\":{\"Test\":[\"NONE\"]}},\"State\":{}}");
	int first = 0, delay = 0;

	(void) state;
	assert_null(container_health_status(rec));
	container_health_started(rec);
	assert_json(json_object_get(json_object_get(rec, "State"), "Health"),
		    "{\"FailingStreak\":0,\"Log\":[],\"Status\":\"starting\"}");
	assert_string_equal(container_health_status(rec), "starting");
	container_health_stopped(rec);
	assert_string_equal(container_health_status(rec), "unhealthy");
	/* a new start: starting again, streak reset, the log kept */
	json_object_set_new(json_object_get(json_object_get(rec, "State"), "Health"),
			    "FailingStreak", json_integer(3));
	json_array_append_new(
		json_object_get(json_object_get(json_object_get(rec, "State"), "Health"), "Log"),
		json_integer(1));
	container_health_started(rec);
	assert_json(json_object_get(json_object_get(rec, "State"), "Health"),
		    "{\"FailingStreak\":0,\"Log\":[1],\"Status\":\"starting\"}");
	/* docker's defaults: the first probe after the interval, 30 s */
	assert_true(container_health_schedule(rec, container_time_now(), &first, &delay));
	assert_int_equal(first, 30000);
	assert_int_equal(delay, 30000);

	/* NONE: no probe, no State.Health */
	container_health_started(none);
	assert_null(json_object_get(json_object_get(none, "State"), "Health"));
	assert_null(container_health_status(none));
	assert_false(container_health_schedule(none, container_time_now(), &first, &delay));
}

static void test_schedule_start_period(void **state)
{
	_cleanup_json_ json_t *rec = NULL;
	int64_t now = container_time_now();
	int first = 0, delay = 0;

	(void) state;
	/* starting within a start period of 2 s: the start interval, cut at the period's end */
	rec = J("{\"Config\":{\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"x\"],"
		"\"Interval\":60000000000,\"StartPeriod\":2000000000,"
		"\"StartInterval\":500000000}},\"State\":{}}");
	assert_true(container_health_schedule(rec, now, &first, &delay));
	assert_int_equal(first, 500);
	assert_int_equal(delay, 60000);
	json_object_set_new(json_object_get(json_object_get(rec, "Config"), "Healthcheck"),
			    "StartInterval", json_integer(10000000000));
	assert_true(container_health_schedule(rec, now, &first, &delay));
	assert_in_range(first, 1500, 2000);
}

/* Run @script as the probe and return the wait it set (ms from now), -1 for none. */
static long timer_round(const char *script, int delay_ms)
{
	char *argv[] = {"/bin/sh", "-c", (char *) script, NULL};
	struct health_timer h;
	sigset_t mask, old;
	long left;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	health_timer_init(&h, argv, 0, delay_ms);
	assert_int_equal(health_timer_wait_ms(&h), 0);
	health_timer_tick(&h);
	assert_true(h.pid > 0);
	assert_int_equal(health_timer_wait_ms(&h), -1); /* one probe at a time */
	for (int i = 0; i < 500 && !health_timer_reap(&h); i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	assert_int_equal(h.pid, 0);
	assert_int_equal(h.out_fd, -1);
	left = h.next_ms < 0 ? -1 : (long) (h.next_ms - health_now_ms());
	health_timer_stop(&h);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return left;
}

static void test_timer(void **state)
{
	long left;

	(void) state;
	left = timer_round("echo 5000", 100);
	assert_in_range(left, 4000, 5000);
	/* a probe that prints nothing (it failed): the delay */
	left = timer_round("exit 3", 7000);
	assert_in_range(left, 6000, 7000);
	/* -1: no more probes */
	assert_int_equal(timer_round("echo -1", 100), -1);
	/* it gets no fd of ours but its stdout (ls sees 0-2 and its own), stdin is /dev/null */
	{
		int leak = dup(STDERR_FILENO); /* no FD_CLOEXEC, as the monitor's fds */
		assert_true(leak > 2);
		assert_in_range(timer_round("n=$(ls /proc/self/fd | wc -l); "
					    "if [ $n = 4 ] && ! read x; then echo 9000; fi",
					    100),
				8000, 9000);
		close(leak);
	}
}

static void test_timer_stop(void **state)
{
	_cleanup_free_ char *mark = xasprintf("/tmp/test-container-health.%d", (int) getpid());
	_cleanup_free_ char *script = xasprintf("trap '' TERM; : > %s; exec sleep 30", mark);
	char *argv[] = {"/bin/sh", "-c", script, NULL};
	struct health_timer h;
	struct timespec a, b;

	(void) state;
	health_timer_init(&h, argv, 0, 100);
	health_timer_tick(&h);
	assert_true(h.pid > 0);
	/* once it ignores SIGTERM */
	for (int i = 0; i < 500 && access(mark, F_OK) != 0; i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	(void) unlink(mark);
	/* SIGTERM ignored: SIGKILL after 2 s, and it is reaped */
	clock_gettime(CLOCK_MONOTONIC, &a);
	health_timer_stop(&h);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(h.pid, 0);
	assert_int_equal(health_timer_wait_ms(&h), -1);
	assert_true(b.tv_sec - a.tv_sec >= 1);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge), cmocka_unit_test(test_validate),
		cmocka_unit_test(test_state), cmocka_unit_test(test_schedule_start_period),
		cmocka_unit_test(test_timer), cmocka_unit_test(test_timer_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
