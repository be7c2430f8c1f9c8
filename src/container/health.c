/* SPDX-License-Identifier: MIT */
/*
 * Health checks as docker's daemon runs them (moby daemon/health.go): the
 * container's Config.Healthcheck from the image and the run flags, its
 * State.Health, and one probe: an exec in the container whose result is
 * recorded. The timer that starts the probes lives in the monitor
 * (health-timer.h); docs/internals/container.md "Health checks" says why.
 */
#include <signal.h>
#include <time.h>
#include "container/container.h"
#include "container/logline.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/units.h"

#define NS_PER_MS 1000000LL
#define NS_PER_S  1000000000LL

/* docker's defaults and limits (moby daemon/health.go, api MinimumDuration) */
#define DEFAULT_INTERVAL       (30 * NS_PER_S)
#define DEFAULT_TIMEOUT	       (30 * NS_PER_S)
#define DEFAULT_START_PERIOD   0
#define DEFAULT_START_INTERVAL (5 * NS_PER_S)
#define DEFAULT_RETRIES	       3
#define MAX_OUTPUT	       4096
#define MAX_LOG_ENTRIES	       5
#define MINIMUM_DURATION       NS_PER_MS

/* A HealthConfig duration or count, @def when unset or 0 (timeoutWithDefault). */
static int64_t hc_get(json_t *hc, const char *key, int64_t def)
{
	json_int_t v = json_integer_value(json_object_get(hc, key));
	return v ? (int64_t) v : def;
}

static int ms_of(int64_t ns)
{
	int64_t ms = (ns + NS_PER_MS - 1) / NS_PER_MS;
	return ms < 0 ? 0 : ms > INT32_MAX ? INT32_MAX : (int) ms;
}

/* The probe's shell form (true), exec form (false), or none (-1): moby getProbe(). */
static int probe_kind(json_t *rec)
{
	json_t *hc = json_object_get(json_object_get(rec, "Config"), "Healthcheck");
	const char *t = json_string_value(json_array_get(json_object_get(hc, "Test"), 0));

	if (!t)
		return -1;
	if (streq(t, "CMD"))
		return 0;
	if (streq(t, "CMD-SHELL"))
		return 1;
	return -1; /* "NONE", or a type docker ignores with a warning */
}

static json_t *healthcheck(json_t *rec)
{
	return json_object_get(json_object_get(rec, "Config"), "Healthcheck");
}

int container_healthcheck_config(json_t *image_hc, json_t *user_hc, json_t **ret,
				 struct hull_err **err)
{
	static const char *const durations[] = {"Interval", "Timeout", "StartPeriod",
						"StartInterval"};
	json_t *hc;

	/* moby validateHealthCheck(), on what the user sent (the image's was checked at build) */
	for (size_t i = 0; user_hc && i < ARRAY_SIZE(durations); i++) {
		json_int_t v = json_integer_value(json_object_get(user_hc, durations[i]));
		if (v != 0 && v < MINIMUM_DURATION)
			return err_setx(err, EINVAL, "%s in Healthcheck cannot be less than 1ms",
					durations[i]);
		if (i == 1 && json_integer_value(json_object_get(user_hc, "Retries")) < 0)
			return err_setx(err, EINVAL, "Retries in Healthcheck cannot be negative");
	}
	if (!json_is_object(image_hc)) {
		*ret = user_hc ? json_deep_copy(user_hc) : NULL;
		return 0;
	}
	if (!user_hc) {
		*ret = json_deep_copy(image_hc);
		return 0;
	}
	/* moby daemon/commit.go merge(): each field the user left empty is the image's */
	hc = json_deep_copy(user_hc);
	{
		static const char *const keys[] = {"Test",	  "Interval",	   "Timeout",
						   "StartPeriod", "StartInterval", "Retries"};
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			json_t *u = json_object_get(hc, keys[i]),
			       *im = json_object_get(image_hc, keys[i]);
			bool empty = i == 0 ? json_array_size(u) == 0 : json_integer_value(u) == 0;
			if (empty && im)
				json_object_set(hc, keys[i], im);
		}
	}
	*ret = hc;
	return 0;
}

void container_health_started(json_t *rec)
{
	json_t *st = json_object_get(rec, "State");
	json_t *h = json_object_get(st, "Health");

	/* moby initHealthMonitor(): starting again at each start, the log kept */
	if (probe_kind(rec) < 0)
		return;
	if (!json_is_object(h)) {
		h = json_object();
		json_object_set_new(st, "Health", h);
	}
	json_object_set_new(h, "Status", json_string("starting"));
	json_object_set_new(h, "FailingStreak", json_integer(0));
	if (!json_is_array(json_object_get(h, "Log")))
		json_object_set_new(h, "Log", json_array());
}

void container_health_stopped(json_t *rec)
{
	json_t *h = json_object_get(json_object_get(rec, "State"), "Health");

	/* moby CloseMonitorChannel(): "unhealthy when the monitor has stopped" */
	if (json_is_object(h) && probe_kind(rec) >= 0)
		json_object_set_new(h, "Status", json_string("unhealthy"));
}

const char *container_health_status(json_t *rec)
{
	json_t *h = json_object_get(json_object_get(rec, "State"), "Health");
	const char *s = json_get_str(h, "Status");

	if (!json_is_object(h))
		return NULL;
	return isempty(s) ? "unhealthy" : s; /* moby Health.Status() */
}

/*
 * Until the next probe after one that ended at @now (seconds since the epoch) with @status:
 * docker's getInterval(), the start interval while starting within the start period, cut at
 * the period's end (moby PR 52317) so that the regular interval takes over on time.
 */
static int64_t next_probe_ns(json_t *rec, int64_t started_at, const char *status, double now)
{
	json_t *hc = healthcheck(rec);
	int64_t interval = hc_get(hc, "Interval", DEFAULT_INTERVAL);
	int64_t start_period = hc_get(hc, "StartPeriod", DEFAULT_START_PERIOD);
	int64_t start_interval = hc_get(hc, "StartInterval", DEFAULT_START_INTERVAL);
	double started = (double) started_at / 1e9;
	int64_t elapsed = (int64_t) ((now - started) * 1e9), left;

	if (elapsed >= start_period || !streq(status ?: "", "starting"))
		return interval;
	left = start_period - elapsed;
	return start_interval < left ? start_interval : left;
}

bool container_health_schedule(json_t *rec, int64_t started_at, int *ret_first_ms,
			       int *ret_delay_ms)
{
	struct timespec now;

	if (probe_kind(rec) < 0)
		return false;
	clock_gettime(CLOCK_REALTIME, &now);
	*ret_first_ms = ms_of(next_probe_ns(rec, started_at, "starting",
					    (double) now.tv_sec + (double) now.tv_nsec / 1e9));
	*ret_delay_ms = ms_of(hc_get(healthcheck(rec), "Interval", DEFAULT_INTERVAL));
	return true;
}

/* The probe's command: Test[1:], after the container's shell for CMD-SHELL (moby getShell()). */
static char **probe_argv(json_t *rec, bool shell)
{
	json_t *cfg = json_object_get(rec, "Config");
	json_t *test = json_object_get(json_object_get(cfg, "Healthcheck"), "Test");
	char **argv = NULL;
	size_t i;
	json_t *v;

	if (shell) {
		(void) json_to_strv(json_object_get(cfg, "Shell"), &argv);
		if (!argv || !argv[0]) {
			argv = strv_free(argv);
			argv = strv_new();
			strv_push(&argv, "/bin/sh");
			strv_push(&argv, "-c");
		}
	} else {
		argv = strv_new();
	}
	json_array_foreach (test, i, v)
		if (i > 0)
			strv_push(&argv, json_string_value(v) ?: "");
	return argv;
}

/* Run the check once; a new HealthcheckResult {Start, End, ExitCode, Output}. */
static json_t *probe_run(struct store *s, const char *runroot, struct container *c,
			 double *ret_start)
{
	struct exec_capture cap = {.max = MAX_OUTPUT};
	_cleanup_strv_ char **argv = probe_argv(c->rec, probe_kind(c->rec) == 1);
	_cleanup_free_ char *start = now_rfc3339(), *end = NULL;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT, msg = STRBUF_INIT;
	struct exec_opts eo = {.cmd = argv, .runroot = runroot, .capture = &cap};
	struct hull_err *e = NULL;
	int64_t timeout = hc_get(healthcheck(c->rec), "Timeout", DEFAULT_TIMEOUT);
	int code = -1;

	*ret_start = time_parse_rfc3339(start);
	strbuf_init(&cap.out);
	cap.timeout_ms = ms_of(timeout);
	if (container_exec(s, c, &eo, &code, &e) < 0) {
		/* docker records the error of a probe that could not run, with -1 */
		(void) strbuf_adds(&msg, e->msg);
		code = -1;
	} else {
		/* docker's limitedBuffer.String() */
		(void) strbuf_add(&out, cap.out.buf ?: "", cap.out.len);
		if (cap.truncated)
			(void) strbuf_adds(&out, "...");
		if (cap.timed_out) {
			char d[UNITS_DURATION_MAX];
			(void) strbuf_addf(&msg, "Health check exceeded timeout (%s)",
					   units_duration_format(timeout, d));
			if (out.len)
				(void) strbuf_addf(&msg, ": %s", strbuf_cstr(&out));
			code = -1;
		} else {
			(void) strbuf_add(&msg, out.buf ?: "", out.len);
		}
	}
	err_free(e);
	strbuf_release(&cap.out);
	end = now_rfc3339();
	{
		/* Go's encoder writes each byte that is not UTF-8 as U+FFFD */
		_cleanup_strbuf_ struct strbuf clean = STRBUF_INIT;
		utf8_scrub(&clean, msg.buf ?: "", msg.len);
		return json_pack("{s:s,s:s,s:i,s:s%}", "Start", start, "End", end, "ExitCode", code,
				 "Output", clean.buf ?: "", clean.len);
	}
}

/*
 * moby handleProbeResult() on a fresh copy of the record: the result joins the
 * last five, a success makes the container healthy, a failure counts towards
 * Retries unless it started within the start period while still starting.
 */
static void probe_record(json_t *rec, int64_t started_at, json_t *result, double start)
{
	json_t *st = json_object_get(rec, "State");
	json_t *hc = healthcheck(rec);
	json_t *h = json_object_get(st, "Health"), *log;
	int64_t retries = hc_get(hc, "Retries", DEFAULT_RETRIES);
	json_int_t streak;

	if (!json_is_object(h)) {
		container_health_started(rec);
		h = json_object_get(st, "Health");
	}
	log = json_object_get(h, "Log");
	if (!json_is_array(log)) {
		log = json_array();
		json_object_set_new(h, "Log", log);
	}
	json_array_append(log, result);
	while (json_array_size(log) > MAX_LOG_ENTRIES)
		json_array_remove(log, 0);
	streak = json_integer_value(json_object_get(h, "FailingStreak"));
	if (json_integer_value(json_object_get(result, "ExitCode")) == 0) {
		json_object_set_new(h, "FailingStreak", json_integer(0));
		json_object_set_new(h, "Status", json_string("healthy"));
		return;
	}
	if (streq(container_health_status(rec), "starting")) {
		double started = (double) started_at / 1e9;
		if ((int64_t) ((start - started) * 1e9) <
		    hc_get(hc, "StartPeriod", DEFAULT_START_PERIOD))
			return; /* within the start period: not counted */
	}
	json_object_set_new(h, "FailingStreak", json_integer(++streak));
	if (streak >= retries)
		json_object_set_new(h, "Status", json_string("unhealthy"));
}

/*
 * Whether @pid (the container's first process) is on its way out: PF_EXITING is set as
 * exit begins, before the kernel kills the rest of its PID namespace, the probe included,
 * and well before the monitor sees the exit; such a probe's result is the exit's, not the
 * check's.
 */
static bool pid_exiting(pid_t pid)
{
	char path[64], buf[512], *p;
	unsigned long flags = 0;
	_cleanup_fclose_ FILE *f = NULL;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f) || !(p = strrchr(buf, ')')))
		return true;
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return true;
	return flags & 0x4; /* PF_EXITING */
}

int container_health_probe(struct store *s, const char *runroot, const char *name, int *ret_next_ms,
			   struct hull_err **err)
{
	_cleanup_json_ json_t *result = NULL;
	struct container *c = NULL;
	int64_t started_at;
	sigset_t block, old;
	struct timespec now;
	double start;
	int r;

	*ret_next_ms = -1;
	r = container_load(s, name, &c, err);
	if (r < 0)
		return r;
	/* one writer of State.Health at a time: the monitor's own probe */
	if (json_integer_value(json_object_get(json_object_get(c->rec, "Hull"), "MonitorPid")) !=
	    getppid()) {
		container_free(c);
		return err_setx(err, EPERM,
				"container-health: only the monitor of %s runs this (hull-monitor)",
				name);
	}
	if (probe_kind(c->rec) < 0 || !container_state_running(&c->state) ||
	    c->state.status == CONTAINER_RESTARTING) {
		container_free(c);
		return 0; /* nothing to check, ever again in this run */
	}
	if (c->state.status == CONTAINER_PAUSED) {
		/* docker stops probing while paused; the next try comes an interval later */
		*ret_next_ms = ms_of(hc_get(healthcheck(c->rec), "Interval", DEFAULT_INTERVAL));
		container_free(c);
		return 0;
	}
	started_at = c->state.started_at;
	result = probe_run(s, runroot, c, &start);

	/*
	 * Under the record's lock (container_lock() reads it again): decide on
	 * the record as it is now and change State.Health only, so that what
	 * others wrote during the probe (pause, rename, update) is kept. A stop
	 * signal from the monitor waits until the record is whole.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &old);
	r = container_lock(c, err);
	if (r == 0) {
		/* the run it checked is still the one recorded, and still running: at the exit
		 * the monitor ends the probe, whose result docker drops then */
		if (container_is_running(c) && c->state.status != CONTAINER_RESTARTING &&
		    !pid_exiting(c->state.pid) && c->state.started_at == started_at) {
			_cleanup_free_ char *before =
				xstrdup(container_health_status(c->rec) ?: "");

			probe_record(c->rec, started_at, result, start);
			r = container_save(c, err);
			/* moby emits health_status when the status changes */
			if (r == 0 && !streq(before, container_health_status(c->rec) ?: "")) {
				_cleanup_free_ char *action = xasprintf(
					"health_status: %s", container_health_status(c->rec));
				container_event(c, action, NULL);
			}
			clock_gettime(CLOCK_REALTIME, &now);
			*ret_next_ms = ms_of(
				next_probe_ns(c->rec, started_at, container_health_status(c->rec),
					      (double) now.tv_sec + (double) now.tv_nsec / 1e9));
		}
		container_unlock(c);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	container_free(c);
	return r;
}
