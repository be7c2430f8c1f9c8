/* SPDX-License-Identifier: MIT */
/* stop, kill, rm and wait on a container record (moby daemon/stop.go, kill.go, delete.go);
 * logs are in logs.c. */
#include <fcntl.h>
#include <sys/file.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include "container/container.h"
#include "container/internal.h"
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

static pid_t state_pid(struct container *c, const char *key)
{
	if (streq(key, "Pid"))
		return c->state.pid;
	return (pid_t) json_integer_value(json_object_get(json_object_get(c->rec, "Hull"), key));
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

/*
 * The process ended but its monitor has not recorded it yet: the record still
 * says running (not restarting), the process is gone, the monitor is alive.
 * Until the monitor records the exit it still holds the address, the ports and
 * the cgroups, which it frees from the record it reads when it resumes.
 */
bool container_exit_pending(struct container *c)
{
	return container_state_running(&c->state) && c->state.status != CONTAINER_RESTARTING &&
	       !container_pid_alive(state_pid(c, "Pid")) &&
	       container_pid_alive(state_pid(c, "MonitorPid"));
}

/*
 * Wait up to @ms for the monitor to record an exit that is pending (moby's
 * daemon handles the exit event under the container's lock before a kill
 * returns or a delete looks). 0, or -ENOENT when the record went meanwhile
 * (the container's --rm).
 */
static int settle_exit(struct container *c, int ms)
{
	for (int t = 0; t < ms && container_exit_pending(c); t += 5) {
		(void) nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
		if (container_reload(c, NULL) < 0)
			return -ENOENT;
	}
	return 0;
}

int container_wait_exit(struct container *c, struct hull_err **err)
{
	(void) wait_pid_exit(state_pid(c, "MonitorPid"), -1);
	if (container_reload(c, NULL) < 0) {
		/* removed by --rm: that is an exit too */
		(void) err;
		return 0;
	}
	return 0;
}

/* A frozen container takes no signal: thaw it once the signal is queued (moby daemon/kill.go). */
static void thaw_if_paused(struct container *c)
{
	if (c->state.status == CONTAINER_PAUSED)
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
	{
		_cleanup_free_ char *signal = xasprintf("%d", sig);
		container_event(c, "kill", "signal", signal, NULL);
	}
	if (sig == SIGKILL) {
		thaw_if_paused(c);
		/*
		 * moby daemon/kill.go: a SIGKILL returns once the container is
		 * down (10 s at most), so `kill x; rm x` finds it stopped.
		 */
		(void) wait_pid_exit(state_pid(c, "Pid"), 10000);
		(void) settle_exit(c, 10000);
	}
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
	if (c->state.status == CONTAINER_RESTARTING ||
	    (container_state_running(&c->state) && !container_is_running(c))) {
		/* between two runs: the monitor sees the marker and exits */
		(void) wait_pid_exit(state_pid(c, "MonitorPid"), -1);
		return container_reload(c, NULL) < 0 ? 0 : 0;
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
	{
		/* moby's stop: kill (the stop signal), [kill 9], die, stop */
		_cleanup_free_ char *signal = xasprintf("%d", sig);
		container_event(c, "kill", "signal", signal, NULL);
	}
	thaw_if_paused(c);
	if (!wait_pid_exit(pid, timeout * 1000)) {
		(void) kill(pid, SIGKILL);
		container_event(c, "kill", "signal", "9", NULL);
	}
	(void) wait_pid_exit(pid, -1);
	if (container_wait_exit(c, err) < 0)
		return -1;
	container_event(c, "stop", NULL);
	return 0;
}

/*
 * The start lock (start.c start_claim()), blocking: a start under way has
 * recorded "running" (or failed) when it returns, so a removal never takes a
 * record from under a container that is starting. -ENOENT: no container.
 */
static int start_lock_wait(struct container *c)
{
	_cleanup_free_ char *p = path_join(c->dir, "start.lock");
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			int r = -errno;
			close(fd);
			return r;
		}
	return fd;
}

int container_remove(struct store *s, const char *runroot, struct container *c, bool force,
		     struct hull_err **err)
{
	_cleanup_close_ int start_fd = -1;
	bool killed = false;
	int tries = 0, r;

	/* a concurrent start first: then this removal sees the container as it runs */
	start_fd = start_lock_wait(c);
	if (start_fd == -ENOENT || (start_fd >= 0 && container_reload(c, NULL) < 0))
		return err_setx(err, ENOENT, "No such container: %s", c->id);
again:
	/* an exit the monitor is recording: removing now would strand its address and ports */
	if (settle_exit(c, 10000) < 0)
		return err_setx(err, ENOENT, "No such container: %s", c->id);
	if (c->state.status == CONTAINER_RESTARTING) {
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
		killed = true;
		(void) kill(state_pid(c, "Pid"), SIGKILL);
		thaw_if_paused(c);
		(void) wait_pid_exit(state_pid(c, "Pid"), -1);
		(void) container_wait_exit(c, NULL);
	}
	/*
	 * Under the lock, on the record as it is now: a start since the checks
	 * above (a restart policy, `hull start`) is seen, and no writer changes
	 * the record while it goes.
	 */
	r = container_lock(c, NULL);
	if (r == -ENOENT && killed)
		return 0; /* its --rm removed it at the exit */
	if (r == -ENOENT)
		return err_setx(err, ENOENT, "No such container: %s", c->id);
	if (r < 0)
		return err_setx(err, -r, "lock container %s", c->id);
	if (c->state.status == CONTAINER_RESTARTING || container_is_running(c)) {
		container_unlock(c);
		if (force && ++tries < 5)
			goto again;
		return err_setx(err, EBUSY,
				"cannot remove container \"%s\": container is running: stop the "
				"container before removing or force remove",
				json_get_str(c->rec, "Name"));
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
	container_event(c, "destroy", NULL);
	r = container_dir_remove(s, runroot, c, err);
	container_unlock(c);
	return r;
}
