/* SPDX-License-Identifier: MIT */
/*
 * A container's typed state and its "State" object in the record (moby
 * container/state.go: the flags inspect shows are derived from one status).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "container/container.h"
#include "container/logline.h"
#include "util/json.h"
#include "util/macros.h"

static const char *const status_names[] = {
	[CONTAINER_CREATED] = "created",   [CONTAINER_RUNNING] = "running",
	[CONTAINER_PAUSED] = "paused",	   [CONTAINER_RESTARTING] = "restarting",
	[CONTAINER_REMOVING] = "removing", [CONTAINER_EXITED] = "exited",
	[CONTAINER_DEAD] = "dead",
};

/* Go's zero time.Time, which docker prints for a time never reached */
#define ZERO_TIME "0001-01-01T00:00:00Z"

const char *container_status_name(enum container_status s)
{
	return (size_t) s < ARRAY_SIZE(status_names) ? status_names[s] : "unknown";
}

int container_status_parse(const char *name, enum container_status *ret)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(status_names); i++)
		if (streq(name, status_names[i])) {
			*ret = (enum container_status) i;
			return 0;
		}
	return -EINVAL;
}

bool container_state_running(const struct container_state *st)
{
	return st->status == CONTAINER_RUNNING || st->status == CONTAINER_PAUSED ||
	       st->status == CONTAINER_RESTARTING;
}

int64_t container_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)" into ns since the epoch; the zero time is 0. */
static int time_parse_ns(const char *s, int64_t *ret)
{
	struct tm tm = {0};
	const char *p;
	int64_t frac = 0, scale = 100000000, secs;

	if (streq(s, "") || streq(s, ZERO_TIME)) {
		*ret = 0;
		return 0;
	}
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') {
		if (!(p[1] >= '0' && p[1] <= '9'))
			return -EINVAL;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	secs = (int64_t) timegm(&tm);
	if (*p == '+' || *p == '-') {
		int hh, mm, n = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 || n != 5 || p[6])
			return -EINVAL;
		secs -= (*p == '+' ? 1 : -1) * (int64_t) (hh * 3600 + mm * 60);
	} else if (!streq(p, "Z")) {
		return -EINVAL;
	}
	if (tm.tm_year + 1900 <= 1) {
		*ret = 0; /* the zero time in another spelling */
		return 0;
	}
	*ret = secs * 1000000000 + frac;
	return 0;
}

static json_t *time_json(int64_t ns)
{
	char buf[LOG_TIME_SIZE];
	struct timespec ts;

	if (ns == 0)
		return json_string(ZERO_TIME);
	ts.tv_sec = (time_t) (ns / 1000000000);
	ts.tv_nsec = (long) (ns % 1000000000);
	if (ts.tv_nsec < 0) {
		ts.tv_nsec += 1000000000;
		ts.tv_sec--;
	}
	log_time_rfc3339(&ts, buf);
	return json_string(buf);
}

int container_state_parse(const json_t *obj, struct container_state *ret, struct hull_err **err)
{
	static const char *const times[] = {"StartedAt", "FinishedAt"};
	struct container_state st = {0};
	const char *status = json_get_str(obj, "Status");
	int64_t t[2];

	if (!json_is_object(obj))
		return err_setx(err, EINVAL, "container record: State is not an object");
	/* a record without a status is one being made: created */
	if (status && container_status_parse(status, &st.status) < 0)
		return err_setx(err, EINVAL, "container record: bad State.Status '%s'", status);
	for (size_t i = 0; i < ARRAY_SIZE(times); i++) {
		const char *v = json_get_str(obj, times[i]);
		if (time_parse_ns(v ?: "", &t[i]) < 0)
			return err_setx(err, EINVAL, "container record: bad State.%s '%s'",
					times[i], v);
	}
	st.started_at = t[0];
	st.finished_at = t[1];
	st.pid = (pid_t) json_integer_value(json_object_get(obj, "Pid"));
	st.exit_code = (int) json_integer_value(json_object_get(obj, "ExitCode"));
	st.oom_killed = json_is_true(json_object_get(obj, "OOMKilled"));
	container_state_set_error(&st, json_get_str(obj, "Error"));
	*ret = st;
	return 0;
}

void container_state_store(const struct container_state *st, json_t *obj)
{
	bool running = container_state_running(st);

	json_object_set_new(obj, "Status", json_string(container_status_name(st->status)));
	json_object_set_new(obj, "Running", json_boolean(running));
	json_object_set_new(obj, "Paused", json_boolean(st->status == CONTAINER_PAUSED));
	json_object_set_new(obj, "Restarting", json_boolean(st->status == CONTAINER_RESTARTING));
	json_object_set_new(obj, "OOMKilled", json_boolean(st->oom_killed));
	json_object_set_new(obj, "Dead", json_boolean(st->status == CONTAINER_DEAD));
	json_object_set_new(obj, "Pid", json_integer(st->pid));
	json_object_set_new(obj, "ExitCode", json_integer(st->exit_code));
	json_object_set_new(obj, "Error", json_string(st->error ?: ""));
	json_object_set_new(obj, "StartedAt", time_json(st->started_at));
	json_object_set_new(obj, "FinishedAt", time_json(st->finished_at));
	(void) json_object_del(obj, "Removing");
}

void container_state_release(struct container_state *st)
{
	free(st->error);
	st->error = NULL;
}

void container_state_set_error(struct container_state *st, const char *msg)
{
	free(st->error);
	st->error = isempty(msg) ? NULL : xstrdup(msg);
}

struct container_net_mode container_net_mode_parse(const char *s)
{
	if (isempty(s) || streq(s, "default") || streq(s, "bridge"))
		return (struct container_net_mode){CONTAINER_NET_BRIDGE, "bridge", NULL};
	if (streq(s, "host"))
		return (struct container_net_mode){CONTAINER_NET_HOST, s, NULL};
	if (streq(s, "none"))
		return (struct container_net_mode){CONTAINER_NET_NONE, s, NULL};
	if (startswith(s, "container:"))
		return (struct container_net_mode){CONTAINER_NET_CONTAINER, s,
						   s + strlen("container:")};
	return (struct container_net_mode){CONTAINER_NET_USER, s, NULL};
}

struct container_net_mode container_net_mode(const json_t *rec)
{
	return container_net_mode_parse(
		json_get_str(json_object_get(rec, "HostConfig"), "NetworkMode"));
}
