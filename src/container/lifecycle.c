/* SPDX-License-Identifier: MIT */
/* stop, kill, rm, wait and logs on a container record (moby daemon/stop.go, kill.go, delete.go,
 * logs.go). */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include "container/container.h"
#include "container/security.h"
#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

static int pidfd_open_(pid_t pid)
{
	return (int) syscall(SYS_pidfd_open, pid, 0);
}

static int reload(struct container *c, struct hull_err **err)
{
	_cleanup_free_ char *p = path_join(c->dir, "config.json");
	json_t *rec;
	int r;

	r = json_load_path(p, 16 << 20, &rec, err);
	if (r < 0)
		return r;
	json_decref(c->rec);
	c->rec = rec;
	return 0;
}

static pid_t state_pid(struct container *c, const char *key)
{
	json_t *o = streq(key, "Pid") ? json_object_get(c->rec, "State")
				      : json_object_get(c->rec, "Hull");
	return (pid_t) json_integer_value(json_object_get(o, key));
}

/* Wait up to @ms (-1: forever) for @pid to exit; true if it has. */
static bool wait_pid_exit(pid_t pid, int ms)
{
	_cleanup_close_ int fd = -1;
	struct pollfd p;

	if (pid <= 0)
		return true;
	fd = pidfd_open_(pid);
	if (fd < 0)
		return errno == ESRCH;
	p = (struct pollfd){fd, POLLIN, 0};
	for (;;) {
		int r = poll(&p, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		return r > 0;
	}
}

int container_wait_exit(struct container *c, struct hull_err **err)
{
	(void) wait_pid_exit(state_pid(c, "MonitorPid"), -1);
	if (reload(c, NULL) < 0) {
		/* removed by --rm: that is an exit too */
		(void) err;
		return 0;
	}
	return 0;
}

/* A frozen container takes no signal: thaw it once the signal is queued (moby daemon/kill.go). */
static void thaw_if_paused(struct container *c)
{
	if (json_is_true(json_object_get(json_object_get(c->rec, "State"), "Paused")))
		(void) container_pause(c, false, NULL);
}

int container_kill(struct container *c, int sig, struct hull_err **err)
{
	if (!container_is_running(c))
		return err_setx(err, EINVAL,
				"cannot kill container: %s: container %s is not running", c->id,
				c->id);
	container_mark_stopped(c, true); /* no restart policy after a kill (moby) */
	if (kill(state_pid(c, "Pid"), sig) < 0)
		return err_set(err, errno, "cannot kill container: %s", c->id);
	if (sig == SIGKILL)
		thaw_if_paused(c);
	return 0;
}

int container_stop(struct store *s, struct container *c, int timeout, struct hull_err **err)
{
	json_t *cfg = json_object_get(c->rec, "Config");
	const char *ss = json_get_str(cfg, "StopSignal");
	pid_t pid = state_pid(c, "Pid");
	int sig = SIGTERM;

	(void) s;
	container_mark_stopped(c, true); /* the restart policy must not bring it back */
	if (json_is_true(json_object_get(json_object_get(c->rec, "State"), "Restarting")) ||
	    (json_is_true(json_object_get(json_object_get(c->rec, "State"), "Running")) &&
	     !container_is_running(c))) {
		/* between two runs: the monitor sees the marker and exits */
		(void) wait_pid_exit(state_pid(c, "MonitorPid"), -1);
		return reload(c, NULL) < 0 ? 0 : 0;
	}
	if (!container_is_running(c))
		return 0; /* docker stop on a stopped container succeeds */
	if (ss && signal_parse(ss) > 0)
		sig = signal_parse(ss);
	if (timeout < 0) {
		json_t *st = json_object_get(cfg, "StopTimeout");
		timeout = json_is_integer(st) ? (int) json_integer_value(st) : 10;
	}
	if (kill(pid, sig) < 0 && errno != ESRCH)
		return err_set(err, errno, "cannot stop container: %s", c->id);
	thaw_if_paused(c);
	if (!wait_pid_exit(pid, timeout * 1000))
		(void) kill(pid, SIGKILL);
	(void) wait_pid_exit(pid, -1);
	return container_wait_exit(c, err);
}

int container_remove(struct store *s, const char *runroot, struct container *c, bool force,
		     struct hull_err **err)
{
	(void) s;
	(void) runroot;
	if (json_is_true(json_object_get(json_object_get(c->rec, "State"), "Restarting"))) {
		if (!force)
			return err_setx(err, EBUSY,
					"cannot remove container \"%s\": container is restarting: "
					"stop the container before removing or force remove",
					json_get_str(c->rec, "Name"));
		container_mark_stopped(c, true);
		(void) wait_pid_exit(state_pid(c, "MonitorPid"), -1);
	}
	if (container_is_running(c)) {
		if (!force)
			return err_setx(
				err, EBUSY,
				"cannot remove container \"%s\": container is running: stop "
				"the container before removing or force remove",
				json_get_str(c->rec, "Name"));
		container_mark_stopped(c, true);
		(void) kill(state_pid(c, "Pid"), SIGKILL);
		thaw_if_paused(c);
		(void) wait_pid_exit(state_pid(c, "Pid"), -1);
		(void) container_wait_exit(c, NULL);
	}
	if (json_get_str(json_object_get(c->rec, "Hull"), "RunDir"))
		(void) rm_rf(json_get_str(json_object_get(c->rec, "Hull"), "RunDir"), NULL);
	{
		/* the monitor removes them at the exit, unless it was killed first */
		_cleanup_strv_ char **dirs = NULL;
		(void) json_to_strv(json_object_get(json_object_get(c->rec, "Hull"), "Cgroups"),
				    &dirs);
		rt_cgroup_remove(dirs);
	}
	/* a shareable /dev/shm still mounted when the monitor was killed */
	container_shm_unmount(c->dir);
	return rm_rf(c->dir, err);
}

/* Write one json-file record per the options; 0, 1 when filtered out, or -errno. */
static int log_emit(json_t *j, const struct logs_opts *o, int out_fd, int err_fd)
{
	const char *stream = json_get_str(j, "stream"), *log = json_get_str(j, "log");
	const char *t = json_get_str(j, "time");
	size_t len = json_string_length(json_object_get(j, "log"));
	int fd = stream && streq(stream, "stderr") ? err_fd : out_fd;
	double when = time_parse_rfc3339(t);
	int r;

	if (!log)
		return 1;
	if ((o->since > 0 && when < o->since) || (o->until > 0 && when > o->until))
		return 1;
	if (o->timestamps && t) {
		_cleanup_free_ char *pre = xasprintf("%s ", t);
		r = write_all(fd, pre, strlen(pre));
		if (r < 0)
			return r;
	}
	return write_all(fd, log, len);
}

/* Read complete records from @f; with @keep (tail) collect them instead of writing. */
static int logs_copy(FILE *f, const struct logs_opts *o, int out_fd, int err_fd,
		     struct strbuf *pending, json_t *keep)
{
	char buf[65536];

	while (fgets(buf, sizeof(buf), f)) {
		json_t *j;
		int r;

		(void) strbuf_adds(pending, buf);
		if (pending->len == 0 || pending->buf[pending->len - 1] != '\n')
			continue; /* partial line: the writer is mid-way */
		j = json_loadb(pending->buf, pending->len, 0, NULL);
		strbuf_reset(pending);
		if (!j)
			continue;
		if (keep) {
			json_array_append_new(keep, j);
			continue;
		}
		r = log_emit(j, o, out_fd, err_fd);
		json_decref(j);
		if (r < 0)
			return r;
	}
	clearerr(f);
	return 0;
}

int container_logs(struct container *c, bool follow, int out_fd, int err_fd, struct hull_err **err)
{
	struct logs_opts o = {.follow = follow, .tail = -1};
	return container_logs_ex(c, &o, out_fd, err_fd, err);
}

int container_logs_ex(struct container *c, const struct logs_opts *o, int out_fd, int err_fd,
		      struct hull_err **err)
{
	const char *path = json_get_str(c->rec, "LogPath");
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_strbuf_ struct strbuf pending = STRBUF_INIT;
	bool follow = o->follow;
	int r;

	f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT)
			return err_set(err, errno, "open log '%s'", path);
		if (!follow)
			return 0;
	}
	if (f && o->tail >= 0) {
		/* --tail: the last N records that pass the time filters */
		json_t *all = json_array(), *j;
		size_t i, n = 0, skip;
		r = logs_copy(f, o, out_fd, err_fd, &pending, all);
		json_array_foreach (all, i, j) {
			double w = time_parse_rfc3339(json_get_str(j, "time"));
			n += !((o->since > 0 && w < o->since) || (o->until > 0 && w > o->until));
		}
		skip = n > (size_t) o->tail ? n - (size_t) o->tail : 0;
		json_array_foreach (all, i, j) {
			double w = time_parse_rfc3339(json_get_str(j, "time"));
			if ((o->since > 0 && w < o->since) || (o->until > 0 && w > o->until))
				continue;
			if (skip) {
				skip--;
				continue;
			}
			r = log_emit(j, o, out_fd, err_fd);
			if (r < 0)
				break;
		}
		json_decref(all);
		if (r < 0)
			return r == -EPIPE ? 0 : err_set(err, -r, "write logs");
	}
	for (;;) {
		bool running;
		struct timespec now;

		if (!f)
			f = fopen(path, "re");
		if (f) {
			r = logs_copy(f, o, out_fd, err_fd, &pending, NULL);
			if (r < 0)
				return r == -EPIPE ? 0 : err_set(err, -r, "write logs");
		}
		if (!follow)
			return 0;
		clock_gettime(CLOCK_REALTIME, &now);
		if (o->until > 0 && (double) now.tv_sec > o->until)
			return 0;
		if (reload(c, NULL) < 0)
			return 0;
		running = container_is_running(c) ||
			  json_is_true(
				  json_object_get(json_object_get(c->rec, "State"), "Restarting"));
		if (!running) {
			if (f)
				(void) logs_copy(f, o, out_fd, err_fd, &pending, NULL);
			return 0;
		}
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	}
}
