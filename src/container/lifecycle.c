/* SPDX-License-Identifier: MIT */
/* stop, kill, rm, wait and logs on a container record (moby daemon/stop.go, kill.go, delete.go,
 * logs.go). */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include "container/container.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"

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

int container_kill(struct container *c, int sig, struct hull_err **err)
{
	if (!container_is_running(c))
		return err_setx(err, EINVAL,
				"cannot kill container: %s: container %s is not running", c->id,
				c->id);
	container_mark_stopped(c, true); /* no restart policy after a kill (moby) */
	if (kill(state_pid(c, "Pid"), sig) < 0)
		return err_set(err, errno, "cannot kill container: %s", c->id);
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
		(void) wait_pid_exit(state_pid(c, "Pid"), -1);
		(void) container_wait_exit(c, NULL);
	}
	return rm_rf(c->dir, err);
}

static int logs_copy(FILE *f, int out_fd, int err_fd, struct strbuf *pending)
{
	char buf[65536];

	while (fgets(buf, sizeof(buf), f)) {
		json_t *j;
		const char *stream, *log;
		size_t len;

		(void) strbuf_adds(pending, buf);
		if (pending->len == 0 || pending->buf[pending->len - 1] != '\n')
			continue; /* partial line: the writer is mid-way */
		j = json_loadb(pending->buf, pending->len, 0, NULL);
		strbuf_reset(pending);
		if (!j)
			continue;
		stream = json_get_str(j, "stream");
		log = json_get_str(j, "log");
		len = json_string_length(json_object_get(j, "log"));
		if (log) {
			int fd = stream && streq(stream, "stderr") ? err_fd : out_fd;
			const char *p = log;
			while (len > 0) {
				ssize_t w = write(fd, p, len);
				if (w < 0) {
					if (errno == EINTR)
						continue;
					json_decref(j);
					return -errno;
				}
				p += w;
				len -= (size_t) w;
			}
		}
		json_decref(j);
	}
	clearerr(f);
	return 0;
}

int container_logs(struct container *c, bool follow, int out_fd, int err_fd, struct hull_err **err)
{
	const char *path = json_get_str(c->rec, "LogPath");
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_strbuf_ struct strbuf pending = STRBUF_INIT;
	int r;

	f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT)
			return err_set(err, errno, "open log '%s'", path);
		if (!follow)
			return 0;
	}
	for (;;) {
		bool running;

		if (!f)
			f = fopen(path, "re");
		if (f) {
			r = logs_copy(f, out_fd, err_fd, &pending);
			if (r < 0)
				return r == -EPIPE ? 0 : err_set(err, -r, "write logs");
		}
		if (!follow)
			return 0;
		if (reload(c, NULL) < 0)
			return 0;
		running = container_is_running(c);
		if (!running) {
			if (f)
				(void) logs_copy(f, out_fd, err_fd, &pending);
			return 0;
		}
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	}
}
