/* SPDX-License-Identifier: MIT */
/*
 * Operations on a running container: exec, pause/unpause, rename, the
 * process list and cgroup figures (moby daemon/exec.go, pause.go,
 * rename.go, top_unix.go, stats).
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include "container/container.h"
#include "container/internal.h"
#include "container/security.h"
#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

char *container_helper_path(const char *name)
{
	static char path[PATH_MAX];
	static const char *const fixed[] = {"/usr/local/libexec/hull", "/usr/libexec/hull"};
	const char *exe = rt_exe_path(); /* the file on disk, not the sealed copy */
	const char *slash = exe ? strrchr(exe, '/') : NULL;

	if (slash &&
	    (size_t) snprintf(path, sizeof(path), "%.*s/%s", (int) (slash - exe), exe, name) <
		    sizeof(path) &&
	    access(path, X_OK) == 0)
		return path;
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		if ((size_t) snprintf(path, sizeof(path), "%s/%s", fixed[i], name) < sizeof(path) &&
		    access(path, X_OK) == 0)
			return path;
	return NULL;
}

char *container_init_path(void)
{
	return container_helper_path("hull-init");
}

void container_run_opts(struct container *c, struct run_opts *ro)
{
	json_t *cfg = json_object_get(c->rec, "Config");
	json_t *hc = json_object_get(c->rec, "HostConfig");

	memset(ro, 0, sizeof(*ro));
	ro->out_fd = -1;
	ro->stop_timeout = -1;
	ro->tty = json_is_true(json_object_get(cfg, "Tty"));
	ro->interactive = json_is_true(json_object_get(cfg, "OpenStdin"));
	ro->auto_remove = json_is_true(json_object_get(hc, "AutoRemove"));
	ro->network = json_get_str(hc, "NetworkMode");
	ro->detach = true;
}

static bool is_paused(struct container *c)
{
	return json_is_true(json_object_get(json_object_get(c->rec, "State"), "Paused"));
}

static pid_t main_pid(struct container *c)
{
	return (pid_t) json_integer_value(json_object_get(json_object_get(c->rec, "State"), "Pid"));
}

static int not_running(struct container *c, struct hull_err **err)
{
	return err_setx(err, EINVAL, "Container %s is not running", c->id);
}

int container_pause(struct container *c, bool pause, struct hull_err **err)
{
	_cleanup_strv_ char **dirs = NULL;
	json_t *st = json_object_get(c->rec, "State");
	const char *cgerr = json_get_str(json_object_get(c->rec, "Hull"), "CgroupError");
	int r;

	if (!container_is_running(c))
		return not_running(c, err);
	if (pause && is_paused(c))
		return err_setx(err, EINVAL, "Container %s is already paused", c->id);
	if (!pause && !is_paused(c))
		return err_setx(err, EINVAL, "Container %s is not paused", c->id);
	(void) json_to_strv(json_object_get(json_object_get(c->rec, "Hull"), "Cgroups"), &dirs);
	if (!dirs || !dirs[0])
		return err_setx(err, ENOTSUP, "cannot %s container %s: it has no cgroup%s%s",
				pause ? "pause" : "unpause", c->id, cgerr ? ": " : "",
				cgerr ? cgerr : "");
	if (!pause) {
		/* record first: once thawed the process may exit and the monitor write "exited" */
		json_object_set_new(st, "Paused", json_false());
		json_object_set_new(st, "Status", json_string("running"));
		r = container_save(c, err);
		if (r < 0)
			return r;
	}
	r = rt_cgroup_freeze(dirs, pause, err);
	if (r < 0)
		return err_wrap(err, "cannot %s container %s", pause ? "pause" : "unpause", c->id);
	if (!pause)
		return 0;
	json_object_set_new(st, "Paused", json_true());
	json_object_set_new(st, "Status", json_string("paused"));
	return container_save(c, err);
}

int container_rename(struct store *s, struct container *c, const char *name, struct hull_err **err)
{
	struct container *o = NULL;
	const char *n = name[0] == '/' ? name + 1 : name;

	if (!name_valid(n))
		return err_setx(err, EINVAL,
				"Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
				"allowed",
				name);
	if (streq(json_get_str(c->rec, "Name") + 1, n))
		return err_setx(err, EINVAL,
				"Renaming a container with the same name as its "
				"current name");
	if (container_load(s, n, &o, NULL) == 0) {
		bool taken = streq(json_get_str(o->rec, "Name") + 1, n);
		_cleanup_free_ char *oid = xstrdup(o->id);
		container_free(o);
		if (taken)
			return err_setx(err, EEXIST,
					"Conflict. The container name \"/%s\" is already in use "
					"by container \"%s\". You have to remove (or rename) that "
					"container to be able to reuse that name.",
					n, oid);
	}
	{
		_cleanup_free_ char *slash = xasprintf("/%s", n);
		json_object_set_new(c->rec, "Name", json_string(slash));
	}
	return container_save(c, err);
}

int container_pids(struct container *c, pid_t **ret, size_t *ret_n, struct hull_err **err)
{
	_cleanup_strv_ char **dirs = NULL;

	if (!container_is_running(c))
		return not_running(c, err);
	(void) json_to_strv(json_object_get(json_object_get(c->rec, "Hull"), "Cgroups"), &dirs);
	if (dirs && dirs[0] && rt_cgroup_pids(dirs, ret, ret_n, NULL) == 0 && *ret_n)
		return 0;
	*ret = xmalloc(sizeof(pid_t));
	(*ret)[0] = main_pid(c);
	*ret_n = 1;
	return 0;
}

int container_stats(struct container *c, struct rt_cgroup_stats *ret, struct hull_err **err)
{
	_cleanup_strv_ char **dirs = NULL;

	if (!container_is_running(c))
		return not_running(c, err);
	(void) json_to_strv(json_object_get(json_object_get(c->rec, "Hull"), "Cgroups"), &dirs);
	return rt_cgroup_stats(dirs, ret, err);
}

/* ---- exec ---- */

static const int exec_forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/* Relay our terminal and the pty until the process exits or the detach keys are typed. */
static int exec_relay_tty(pid_t pid, int master, const struct exec_opts *o, int sfd,
			  int *ret_status, bool *ret_detached)
{
	_cleanup_free_ char *keys = NULL;
	size_t nkeys = 0, matched = 0;
	bool in_open = o->interactive, out_open = true;
	int status = 0;

	if (detach_keys_parse(o->detach_keys, &keys, &nkeys) < 0)
		nkeys = 0;
	*ret_detached = false;
	for (;;) {
		struct pollfd pfd[3] = {{sfd, POLLIN, 0},
					{out_open ? master : -1, POLLIN, 0},
					{in_open ? STDIN_FILENO : -1, POLLIN, 0}};
		char buf[8192];
		ssize_t n;

		if (poll(pfd, 3, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
				struct winsize ws;
				if (si.ssi_signo == SIGWINCH) {
					if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
						(void) ioctl(master, TIOCSWINSZ, &ws);
				} else if (si.ssi_signo != SIGCHLD) {
					(void) kill(pid, (int) si.ssi_signo);
				} else if (waitpid(pid, &status, WNOHANG) == pid) {
					/* drain what the pty still holds */
					while ((n = read(master, buf, sizeof(buf))) > 0)
						(void) write_all(STDOUT_FILENO, buf, (size_t) n);
					*ret_status = status;
					return 0;
				}
			}
		}
		if (pfd[1].revents) {
			n = read(master, buf, sizeof(buf));
			if (n > 0)
				(void) write_all(STDOUT_FILENO, buf, (size_t) n);
			else if (n == 0 || errno != EINTR)
				out_open = false; /* EIO: every slave closed; SIGCHLD follows */
		}
		if (pfd[2].revents) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) {
				in_open = false;
				continue;
			}
			for (ssize_t i = 0; i < n; i++) {
				if (nkeys && buf[i] == keys[matched]) {
					if (++matched == nkeys) {
						*ret_detached = true;
						return 0;
					}
					continue;
				}
				if (matched)
					(void) write_all(master, keys, matched);
				matched = 0;
				(void) write_all(master, buf + i, 1);
			}
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*ret_status = status;
	return 0;
}

int container_exec(struct store *s, struct container *c, const struct exec_opts *o,
		   int *ret_exit_code, struct hull_err **err)
{
	json_t *cfg = json_object_get(c->rec, "Config");
	_cleanup_strv_ char **env = NULL, **dirs = NULL;
	_cleanup_free_ char *root = NULL, *home = NULL;
	_cleanup_free_ gid_t *groups = NULL;
	_cleanup_close_ int devnull = -1, master = -1, slave = -1;
	_cleanup_(container_security_release) struct container_security sec = {0};
	struct rt_config rc = {0};
	struct termios saved;
	sigset_t mask, old;
	size_t n_groups = 0;
	bool raw = false, detached = false;
	pid_t target = main_pid(c), pid;
	int status = 0, sfd, r;
	uid_t uid;
	gid_t gid;

	(void) s;
	if (!container_is_running(c))
		return not_running(c, err);
	if (is_paused(c))
		return err_setx(err, EINVAL,
				"Container %s is paused, unpause the container before exec", c->id);
	if (!o->cmd || !o->cmd[0])
		return err_setx(err, EINVAL, "exec: no command specified");

	/* the user as the container sees its own /etc/passwd now */
	root = xasprintf("/proc/%d/root", (int) target);
	{
		char *lower[] = {root, NULL};
		const char *user = o->user ? o->user : json_get_str(cfg, "User");
		r = image_user_resolve(lower, NULL, user, &uid, &gid, &groups, &n_groups, &home,
				       err);
		if (r < 0)
			return r;
		if (!o->user) {
			r = group_add_resolve(
				lower, NULL,
				json_object_get(json_object_get(c->rec, "HostConfig"), "GroupAdd"),
				&groups, &n_groups, err);
			if (r < 0)
				return r;
		}
	}
	(void) json_to_strv(json_object_get(cfg, "Env"), &env);
	if (!env)
		env = strv_new();
	STRV_FOREACH (e, o->env) {
		if (strchr(*e, '=')) {
			strv_env_set(&env, *e);
		} else if (getenv(*e)) {
			_cleanup_free_ char *kv = xasprintf("%s=%s", *e, getenv(*e));
			strv_env_set(&env, kv);
		}
	}
	if (!strv_env_get(env, "HOME")) {
		_cleanup_free_ char *h = xasprintf("HOME=%s", home);
		strv_env_set(&env, h);
	}
	if (o->tty && !strv_env_get(env, "TERM"))
		strv_env_set(&env, "TERM=xterm");
	(void) json_to_strv(json_object_get(json_object_get(c->rec, "Hull"), "Cgroups"), &dirs);

	/* docker exec: the container's capabilities and seccomp profile */
	r = container_security_load(o->runroot, json_object_get(c->rec, "HostConfig"), &sec, err);
	if (r < 0)
		return r;
	container_security_apply(&sec, &rc);
	rc.args = o->cmd;
	rc.env = env;
	rc.cwd = (char *) (o->workdir ? o->workdir
				      : (isempty(json_get_str(cfg, "WorkingDir"))
						 ? "/"
						 : json_get_str(cfg, "WorkingDir")));
	rc.uid = uid;
	rc.gid = gid;
	rc.additional_gids = groups;
	rc.n_additional_gids = n_groups;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (o->tty) {
		/* from the container's own devpts, so that the process sees /dev/pts/N as runc's
		 * console socket gives it */
		_cleanup_free_ char *ptmx = xasprintf("%s/dev/pts/ptmx", root), *pts = NULL;
		int n = 0;

		master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master >= 0 && ioctl(master, TIOCGPTN, &n) == 0 &&
		    ioctl(master, TIOCSPTLCK, &(int){0}) == 0)
			pts = xasprintf("%s/dev/pts/%d", root, n);
		if (!pts) {
			if (master >= 0)
				close(master);
			master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
			if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
				return err_set(err, errno, "allocate a pseudo-terminal");
			pts = xstrdup(ptsname(master));
		}
		slave = open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (slave < 0)
			return err_set(err, errno, "open the pseudo-terminal");
		if (!o->detach) {
			struct winsize ws;
			if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
				(void) ioctl(master, TIOCSWINSZ, &ws);
		}
		rc.terminal = true;
		rc.stdio[0] = rc.stdio[1] = rc.stdio[2] = slave;
	} else if (o->detach) {
		rc.stdio[0] = rc.stdio[1] = rc.stdio[2] = devnull;
	} else {
		rc.stdio[0] = o->interactive ? STDIN_FILENO : devnull;
		rc.stdio[1] = STDOUT_FILENO;
		rc.stdio[2] = STDERR_FILENO;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGWINCH);
	for (size_t i = 0; i < ARRAY_SIZE(exec_forwarded); i++)
		sigaddset(&mask, exec_forwarded[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	r = rt_exec(target, dirs, &rc, &pid, err);
	if (r < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return r;
	}
	slave = (close(slave), -1);
	if (o->detach) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		*ret_exit_code = 0;
		return 0;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | (o->tty ? SFD_NONBLOCK : 0));
	if (o->tty) {
		if (o->interactive && isatty(STDIN_FILENO) &&
		    tcgetattr(STDIN_FILENO, &saved) == 0) {
			struct termios t = saved;
			cfmakeraw(&t);
			raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
		}
		(void) exec_relay_tty(pid, master, o, sfd, &status, &detached);
		if (raw)
			(void) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	} else {
		for (;;) {
			struct signalfd_siginfo si;
			if (sfd < 0 || read(sfd, &si, sizeof(si)) != (ssize_t) sizeof(si)) {
				if (sfd >= 0 && errno == EINTR)
					continue;
				(void) waitpid(pid, &status, 0);
				break;
			}
			if (si.ssi_signo == SIGCHLD) {
				if (waitpid(pid, &status, WNOHANG) == pid)
					break;
			} else if (si.ssi_signo != SIGWINCH) {
				(void) kill(pid, (int) si.ssi_signo);
			}
		}
	}
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	*ret_exit_code = detached ? 0 : rt_exit_code(status);
	return 0;
}
