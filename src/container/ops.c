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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "container/container.h"
#include "container/internal.h"
#include "container/network.h"
#include "container/security.h"
#include "container/relay.h"
#include "runtime/bundle.h"
#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
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
	return c->state.status == CONTAINER_PAUSED;
}

static pid_t main_pid(struct container *c)
{
	return c->state.pid;
}

static int not_running(struct container *c, struct hull_err **err)
{
	return err_setx(err, EINVAL, "Container %s is not running", c->id);
}

int container_pause(struct container *c, bool pause, struct hull_err **err)
{
	_cleanup_strv_ char **dirs = NULL;
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
		c->state.status = CONTAINER_RUNNING;
		r = container_save(c, err);
		if (r < 0)
			return r;
	}
	r = rt_cgroup_freeze(dirs, pause, err);
	if (r < 0)
		return err_wrap(err, "cannot %s container %s", pause ? "pause" : "unpause", c->id);
	if (!pause) {
		container_event(c, "unpause", NULL);
		return 0;
	}
	c->state.status = CONTAINER_PAUSED;
	container_health_stopped(c->rec); /* docker stops the probes of a paused container */
	r = container_save(c, err);
	if (r == 0)
		container_event(c, "pause", NULL);
	return r;
}

int container_rename(struct store *s, struct container *c, const char *name, struct hull_err **err)
{
	_cleanup_close_ int names_fd = -1;
	_cleanup_free_ char *slash = NULL, *other = NULL, *old = NULL;
	struct container *o = NULL;
	const char *n = name[0] == '/' ? name + 1 : name;
	int r;

	if (!name_valid(n))
		return err_setx(err, EINVAL,
				"Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
				"allowed",
				name);
	/* no name changes hands while this one is checked and taken */
	names_fd = container_names_lock(s, err);
	if (names_fd < 0)
		return names_fd;
	r = container_reload(c, err);
	if (r < 0)
		return r;
	if (streq(json_get_str(c->rec, "Name") + 1, n))
		return err_setx(err, EINVAL,
				"Renaming a container with the same name as its "
				"current name");
	if (container_load(s, n, &o, NULL) == 0) {
		if (streq(json_get_str(o->rec, "Name") + 1, n))
			other = xstrdup(o->id);
		container_free(o);
	}
	if (other)
		return err_setx(err, EEXIST, "Error when allocating new name: " NAME_CONFLICT_FMT,
				n, other);
	/* the new name's index entry before the record has it; the old one's after */
	r = container_name_index_add(s, n, c->id);
	if (r < 0)
		return err_set(err, -r, "index the name '%s'", n);
	/* after the other containers: their loads may take their locks (container_lock()) */
	r = container_lock(c, err);
	if (r < 0) {
		container_name_index_remove(s, n, c->id);
		return r;
	}
	old = xstrdup(json_get_str(c->rec, "Name"));
	slash = xasprintf("/%s", n);
	json_object_set_new(c->rec, "Name", json_string(slash));
	{
		const char *k;
		json_t *ep;
		json_object_foreach (
			json_object_get(json_object_get(c->rec, "NetworkSettings"), "Networks"), k,
			ep)
			if (json_is_array(json_object_get(ep, "DNSNames"))) {
				_cleanup_strv_ char **names = network_hosts_names(
					n, c->id, json_object_get(ep, "Aliases"));
				json_object_set_new(ep, "DNSNames", json_from_strv(names));
			}
	}
	r = container_save(c, err);
	container_name_index_remove(s, r == 0 ? old : n, c->id);
	if (r == 0) {
		/* docker's DNS answers the new name at once: so do the others' /etc/hosts */
		const char *k;
		json_t *ep;
		json_object_foreach (
			json_object_get(json_object_get(c->rec, "NetworkSettings"), "Networks"), k,
			ep) {
			_cleanup_strv_ char **names =
				network_hosts_names(n, c->id, json_object_get(ep, "Aliases"));
			network_hosts_rename(json_get_str(ep, "NetworkID"), c->id, names);
		}
	}
	container_unlock(c);
	if (r == 0)
		container_event(c, "rename", "oldName", old, NULL);
	return r;
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

/* Our stdout and stderr are one file (a terminal, `2>&1`): one pipe keeps the order of the
 * container's writes to both. */
static bool same_out_file(void)
{
	struct stat a, b;

	return fstat(STDOUT_FILENO, &a) == 0 && fstat(STDERR_FILENO, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void close_pair(int p[2])
{
	for (int k = 0; k < 2; k++)
		if (p[k] >= 0)
			(void) close(p[k]);
	p[0] = p[1] = -1;
}

/* The exec events' command words beyond this many bytes are cut, with "...". */
#define EXEC_EVENT_WORDS_MAX 4096

/* moby's ": " + Entrypoint + " " + strings.Join(Args, " "): "ls " for a bare "ls". */
static char *exec_action_words(char **cmd)
{
	_cleanup_strbuf_ struct strbuf b = STRBUF_INIT;

	strbuf_addf(&b, "%s ", cmd[0]);
	for (size_t i = 1; cmd[i]; i++)
		strbuf_addf(&b, "%s%s", i > 1 ? " " : "", cmd[i]);
	/* a journal line, not the command: a huge one would rotate the history away */
	if (b.len > EXEC_EVENT_WORDS_MAX) {
		b.len = EXEC_EVENT_WORDS_MAX;
		while (b.len > 0 && ((unsigned char) b.buf[b.len] & 0xc0) == 0x80)
			b.len--; /* not inside a UTF-8 sequence: the journal's JSON needs it whole
				  */
		b.buf[b.len] = '\0';
		(void) strbuf_adds(&b, "...");
	}
	return strbuf_detach(&b, NULL);
}

/* An exec_* event of @c: "ACTION: WORDS" (exec_die has none), execID, exitCode if @code. */
static void exec_event(struct container *c, const char *action, const char *words,
		       const char *exec_id, const char *code)
{
	_cleanup_free_ char *a = words ? xasprintf("%s: %s", action, words) : xstrdup(action);

	if (code)
		container_event(c, a, "execID", exec_id, "exitCode", code, NULL);
	else
		container_event(c, a, "execID", exec_id, NULL);
}

/*
 * exec -d: the process is started by a waiter forked here, which outlives the command,
 * waits for it and writes its exec_die, as containerd's shim waits for docker's execs.
 * The waiter is a session of its own with /dev/null for stdio and no fd of ours but the
 * pty master of -t (held until the process has started, as the command held it), so no
 * lock or pipe of the caller stays open; it writes exec_start, reports rt_exec()'s result
 * (errno, message) through a pipe and the caller returns it. Signals stay blocked in it
 * (the caller blocked them): only SIGKILL ends it before the process does.
 */
static int exec_detached(struct container *c, pid_t target, char *const *dirs,
			 const struct rt_config *rc, int master, const char *words,
			 const char *exec_id, struct hull_err **err)
{
	_cleanup_close_ int rd = -1;
	char buf[1024], *end;
	size_t len;
	int p[2], r;
	ssize_t n;
	long v, code;
	pid_t w;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(err, errno, "create pipe");
	w = fork();
	if (w < 0) {
		r = err_set(err, errno, "fork");
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (w == 0) {
		struct hull_err *e = NULL;
		int status, nul, wfd = p[1];
		pid_t pid;

		(void) setsid();
		nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int i = 0; i < 3 && nul >= 0; i++)
			(void) dup2(nul, i);
		/* the report pipe to fd 3, the pty master to 4 (through fds above both, so
		 * neither overwrites the other), and nothing else is kept */
		wfd = fcntl(wfd, F_DUPFD_CLOEXEC, 5);
		if (master >= 0)
			master = fcntl(master, F_DUPFD_CLOEXEC, 5);
		if (wfd < 0 || dup2(wfd, 3) < 0)
			_exit(125);
		wfd = 3;
		if (master >= 0 && dup2(master, 4) >= 0)
			master = 4;
		else
			master = -1;
		(void) syscall(SYS_close_range, master >= 0 ? 5U : 4U, ~0U, 0U);
		r = rt_exec(target, dirs, rc, &pid, &e);
		if (r == 0)
			exec_event(c, "exec_start", words, exec_id, NULL);
		snprintf(buf, sizeof(buf), "%d %d %s", r, r < 0 && e ? e->exit_code : 0,
			 r < 0 && e ? e->msg : "");
		(void) write_all(wfd, buf, strlen(buf));
		close(wfd);
		if (master >= 0)
			close(master);
		if (r < 0)
			_exit(0);
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				_exit(0);
		snprintf(buf, sizeof(buf), "%d", rt_exit_code(status));
		exec_event(c, "exec_die", NULL, exec_id, buf);
		_exit(0);
	}
	close(p[1]);
	rd = p[0];
	len = 0;
	while (len < sizeof(buf) - 1) {
		n = read(rd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t) n;
	}
	buf[len] = '\0';
	/* "ERRNO EXITCODE MESSAGE" */
	errno = 0;
	v = strtol(buf, &end, 10);
	if (!len || end == buf || errno || v > 0 || v < -4095)
		return err_setx(err, EIO, "exec -d: the waiter of the process died");
	if (v == 0)
		return 0;
	code = strtol(end, &end, 10);
	r = err_setx(err, (int) -v, "%s", *end == ' ' ? end + 1 : "exec failed");
	if (code > 0 && code < 256)
		err_set_exit(err, (int) code);
	return r;
}

int container_exec(struct store *s, struct container *c, const struct exec_opts *o,
		   int *ret_exit_code, struct hull_err **err)
{
	json_t *cfg = json_object_get(c->rec, "Config");
	_cleanup_strv_ char **env = NULL, **dirs = NULL;
	_cleanup_free_ char *root = NULL, *home = NULL;
	_cleanup_free_ gid_t *groups = NULL;
	_cleanup_free_ char *keys = NULL;
	_cleanup_close_ int master = -1, slave = -1;
	_cleanup_(container_security_release) struct container_security sec = {0};
	_cleanup_(rt_bundle_freep) struct rt_bundle *proc = NULL;
	struct rt_config rc = {0};
	struct relay rl;
	struct termios saved;
	sigset_t mask, old;
	size_t n_groups = 0;
	bool raw = false;
	pid_t target = main_pid(c);
	int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
	int sfd, code, r;
	_cleanup_free_ char *exec_words = NULL;
	char exec_id[65];
	uid_t uid;
	gid_t gid;

	(void) s;
	relay_init(&rl, -1);
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
	{
		/* the process as an OCI process object, parsed by the runtime (runc exec
		 * --process's parser); the container's seccomp filter is the runtime's own */
		struct container_oci_process op = {
			.args = o->cmd,
			.env = env,
			.cwd = o->workdir ? o->workdir
					  : (isempty(json_get_str(cfg, "WorkingDir"))
						     ? "/"
						     : json_get_str(cfg, "WorkingDir")),
			.uid = uid,
			.gid = gid,
			.groups = groups,
			.n_groups = n_groups,
			.terminal = o->tty,
			.caps = sec.caps,
			.no_new_privs = sec.no_new_privs,
		};
		_cleanup_json_ json_t *process = container_oci_process(&op);

		r = rt_bundle_from_process(process, &proc, err);
		if (r < 0)
			return err_wrap(err, "exec");
		rt_config_take_process(&rc, &proc->config);
		rc.seccomp = sec.seccomp;
	}
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
		/* docker exec -d: nothing attached, the container's /dev/null (runtime.h) */
		rc.stdio[0] = rc.stdio[1] = rc.stdio[2] = -1;
	} else {
		/* pipes we relay, never our own fds (docs/internals/container.md "Stdio") */
		for (int i = 0; i < 3; i++) {
			if ((i == 0 && !o->interactive) ||
			    (i == 2 && (o->capture || same_out_file())))
				continue;
			if (pipe2(pipes[i], O_CLOEXEC) < 0) {
				r = err_set(err, errno, "create pipe");
				goto out;
			}
		}
		rc.stdio[0] = pipes[0][0]; /* -1 without -i: /dev/null, as docker */
		rc.stdio[1] = pipes[1][1];
		rc.stdio[2] = pipes[2][1] >= 0 ? pipes[2][1] : pipes[1][1];
	}

	/*
	 * moby daemon/exec.go (and health.go, whose probes are execs too):
	 * "exec_create: ENTRYPOINT ARGS" with the exec's id, then exec_start
	 * with the same words, and exec_die with the exit code.
	 */
	random_hex(exec_id, 32);
	exec_words = exec_action_words(o->cmd);
	exec_event(c, "exec_create", exec_words, exec_id, NULL);
	relay_sigmask(&mask);
	sigprocmask(SIG_BLOCK, &mask, &old);
	if (o->detach) {
		r = exec_detached(c, target, dirs, &rc, master, exec_words, exec_id, err);
	} else {
		r = rt_exec(target, dirs, &rc, &rl.pid, err);
		if (r == 0)
			exec_event(c, "exec_start", exec_words, exec_id, NULL);
	}
	/* the process holds its ends now */
	slave = (slave >= 0 ? close(slave) : 0, -1);
	for (int i = 0; i < 3; i++) {
		int *child_end = &pipes[i][i == 0 ? 0 : 1];
		if (*child_end >= 0)
			close(*child_end);
		*child_end = -1;
	}
	if (r < 0 || o->detach) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (r == 0)
			*ret_exit_code = 0;
		goto out;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		r = err_set(err, errno, "signalfd");
		(void) kill(rl.pid, SIGKILL);
		(void) waitpid(rl.pid, NULL, 0);
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto out;
	}
	if (o->tty) {
		rl.pty_master = rl.st[0].fd = master;
		rl.in_dst = master;
		if (o->interactive) {
			rl.in_src = STDIN_FILENO;
			raw = relay_tty_raw(STDIN_FILENO, &saved);
			if (detach_keys_parse(o->detach_keys, &keys, &rl.n_detach_keys) == 0)
				rl.detach_keys = keys;
		}
	} else {
		rl.st[0].fd = TAKE_FD(pipes[1][0]);
		rl.st[1].fd = TAKE_FD(pipes[2][0]);
		if (o->interactive) {
			rl.in_src = STDIN_FILENO;
			rl.in_dst = TAKE_FD(pipes[0][1]);
		}
	}
	if (o->capture) {
		/* docker's limitedBuffer; the timeout counts from the process's start */
		rl.capture = &o->capture->out;
		rl.capture_max = o->capture->max;
		if (o->capture->timeout_ms > 0)
			rl.kill_at = health_now_ms() + o->capture->timeout_ms;
	} else {
		rl.st[0].out_fd = STDOUT_FILENO;
		rl.st[1].out_fd = STDERR_FILENO;
	}
	code = relay_run(&rl, sfd);
	if (o->capture) {
		o->capture->truncated = rl.capture_truncated;
		o->capture->timed_out = rl.timed_out;
	}
	if (raw)
		relay_tty_restore(STDIN_FILENO, &saved);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	/* detached (the keys): the process runs on, as docker exec -it leaves it */
	*ret_exit_code = rl.detached ? 0 : code;
	if (!rl.detached) {
		_cleanup_free_ char *ec = xasprintf("%d", code);
		exec_event(c, "exec_die", NULL, exec_id, ec);
	}
	r = 0;
out:
	for (int i = 0; i < 2; i++)
		if (rl.st[i].fd >= 0 && rl.st[i].fd != master)
			close(rl.st[i].fd);
	if (rl.in_dst >= 0 && rl.in_dst != master)
		close(rl.in_dst);
	for (int i = 0; i < 3; i++)
		close_pair(pipes[i]);
	return r;
}
