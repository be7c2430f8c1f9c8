/* SPDX-License-Identifier: MIT */
/*
 * Restart policies, carried out by the container's monitor since there is
 * no daemon (moby restartmanager/restartmanager.go): after an exit the
 * monitor waits 100 ms, doubling on each restart, back to 100 ms when the
 * container ran for 10 s or more, and starts the process again. A `hull
 * stop` or `hull kill` leaves a "stopped" marker in the container's directory
 * so that always/unless-stopped do not restart it; `start` clears it. A
 * container does not come back after a reboot: nothing runs hull at boot.
 */
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include "container/container.h"
#include "container/internal.h"
#include "util/fs.h"
#include "util/json.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS (60 * 1000)
#define RESET_AFTER_S  10

int container_restart_policy_set(struct container *c, const char *spec, struct hull_err **err)
{
	_cleanup_free_ char *name = xstrdup(spec ? spec : "no");
	char *colon = strchr(name, ':');
	long max = 0;
	json_t *hc = json_object_get(c->rec, "HostConfig");

	if (colon) {
		char *end;
		*colon++ = '\0';
		max = strtol(colon, &end, 10);
		if (!*colon || *end || max < 0)
			return err_setx(
				err, EINVAL,
				"invalid restart policy format: maximum retry count must be "
				"an integer");
	}
	if (!streq(name, "no") && !streq(name, "always") && !streq(name, "unless-stopped") &&
	    !streq(name, "on-failure") && *name)
		return err_setx(err, EINVAL,
				"invalid restart policy: unknown policy '%s'; use one of 'no', "
				"'always', 'on-failure', or 'unless-stopped'",
				name);
	if (colon && !streq(name, "on-failure"))
		return err_setx(err, EINVAL,
				"invalid restart policy: maximum retry count can only be used with "
				"'on-failure'");
	if (!streq(name, "no") && *name && json_is_true(json_object_get(hc, "AutoRemove")))
		return err_setx(err, EINVAL,
				"conflicting options: cannot specify both --restart and --rm");
	json_object_set_new(hc, "RestartPolicy",
			    json_pack("{s:s,s:i}", "Name", *name ? name : "no", "MaximumRetryCount",
				      (json_int_t) max));
	return 0;
}

static char *marker(struct container *c)
{
	return path_join(c->dir, "stopped");
}

void container_mark_stopped(struct container *c, bool stopped)
{
	_cleanup_free_ char *p = marker(c);

	if (stopped) {
		int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	} else {
		(void) unlink(p);
	}
}

static bool marked(struct container *c)
{
	_cleanup_free_ char *p = marker(c);
	return access(p, F_OK) == 0;
}

char *container_stop_marker(struct container *c)
{
	return marker(c);
}

bool container_restart_decide(struct container *c, int exit_code, int *delay_ms)
{
	json_t *pol = json_object_get(json_object_get(c->rec, "HostConfig"), "RestartPolicy");
	const char *name = json_get_str(pol, "Name");
	json_int_t count = json_integer_value(json_object_get(c->rec, "RestartCount"));
	json_int_t max = json_integer_value(json_object_get(pol, "MaximumRetryCount"));
	double ran;
	struct timespec now;

	if (!name || streq(name, "no") || marked(c))
		return false;
	if (streq(name, "on-failure") && (exit_code == 0 || (max > 0 && count >= max)))
		return false;
	clock_gettime(CLOCK_REALTIME, &now);
	ran = (double) now.tv_sec - (double) c->state.started_at / 1e9;
	if (*delay_ms <= 0 || ran >= RESET_AFTER_S)
		*delay_ms = BACKOFF_MIN_MS;
	else if (*delay_ms < BACKOFF_MAX_MS)
		*delay_ms *= 2;

	{
		/* moby SetRestarting: Running stays true, the exit is recorded */
		c->state.status = CONTAINER_RESTARTING;
		c->state.pid = 0;
		c->state.exit_code = exit_code;
		c->state.finished_at = container_time_now();
		container_health_stopped(c->rec); /* docker stops the probes at every exit */
		(void) container_save(c, NULL);
	}
	{
		_cleanup_free_ char *code = xasprintf("%d", exit_code);
		container_event(c, "die", "exitCode", code, NULL);
	}
	return true;
}

bool container_restart_resume(struct container *c, int sleep_ms)
{
	json_int_t count = json_integer_value(json_object_get(c->rec, "RestartCount"));
	int waited = 0;

	/* sleep, but give up as soon as stop or kill asks */
	while (waited < sleep_ms && !marked(c)) {
		int step = sleep_ms - waited < 20 ? sleep_ms - waited : 20;
		nanosleep(&(struct timespec){0, step * 1000L * 1000L}, NULL);
		waited += step;
	}
	/* still "restarting" until the start records "running" (moby: until SetRunning) */
	if (marked(c))
		return false;
	json_object_set_new(c->rec, "RestartCount", json_integer(count + 1));
	return true;
}
