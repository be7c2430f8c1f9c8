/* SPDX-License-Identifier: MIT */
/*
 * `hull runtime` (also run as `hull-runtime`): runc's command line over the
 * runtime and OCI bundles (runtime/bundle.h), so that containerd's runc shim,
 * dockerd --add-runtime and Kubernetes can use hull as their OCI runtime.
 * Commands, flags, state JSON, exit codes (1 on any error) and log format
 * follow runc 1.1 (main.go, create.go, start.go, state.go, list.go, kill.go,
 * delete.go, ps.go, pause.go, exec.go, run.go, spec.go, features.go).
 *
 * A container is ROOT/ID/state.json (written atomically) plus, while it is
 * "created", the exec fifo ROOT/ID/exec.fifo on which its process waits
 * before it execs; `start` opens the other end. No hull process stays behind:
 * the caller of `create` (containerd's shim) is the parent or subreaper of
 * the container's process and reaps it.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "cli/cli.h"
#include "runtime/bundle.h"
#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

#define RT_ROOT_DEFAULT "/run/hull-runtime"
#define OCI_VERSION	"1.1.0"
#define CONFIG_MAX	(4U << 20) /* as rt_bundle_load() */

static struct {
	const char *root;
	FILE *log;
	bool log_json;
	bool debug;
} g;

static char *rtc_now(bool nanos)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	(void) clock_gettime(CLOCK_REALTIME, &ts);
	(void) gmtime_r(&ts.tv_sec, &tm);
	(void) strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	if (nanos)
		return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
	return xasprintf("%sZ", buf);
}

/* One line of runc's logrus output: JSON {"level","msg","time"} or text. */
static void log_line(const char *level, const char *msg)
{
	_cleanup_free_ char *t = rtc_now(false);

	if (!g.log)
		return;
	if (g.log_json) {
		_cleanup_json_ json_t *o =
			json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", t);
		_cleanup_free_ char *s = json_dump_str(o, 0);
		fprintf(g.log, "%s\n", s);
	} else {
		_cleanup_json_ json_t *q = json_string(msg);
		_cleanup_free_ char *s = json_dump_str(q, JSON_ENCODE_ANY);
		fprintf(g.log, "time=\"%s\" level=%s msg=%s\n", t, level, s);
	}
	fflush(g.log);
}

static void debugf(const char *fmt, ...) _printf_(1, 2);
static void debugf(const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	if (!g.debug)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg)
		log_line("debug", msg);
}

/* runc's fatal(): the message to the log and to stderr, exit status 1. */
static int fail(struct hull_err *e)
{
	const char *msg = e && e->msg ? e->msg : "unknown error";

	log_line("error", msg);
	fflush(stdout);
	fprintf(stderr, "%s\n", msg);
	err_free(e);
	return 1;
}

static int failf(const char *fmt, ...) _printf_(1, 2);
static int failf(const char *fmt, ...)
{
	struct hull_err *e = NULL;
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	(void) err_setx(&e, EINVAL, "%s", msg ? msg : fmt);
	return fail(e);
}

/* runc's container id rule: [A-Za-z0-9_+.-]+, not "." or "..". */
static bool id_valid(const char *id)
{
	if (isempty(id) || streq(id, ".") || streq(id, ".."))
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char) *p) && !strchr("_+-.", *p))
			return false;
	return true;
}

static char *cpath(const char *id, const char *file)
{
	return file ? xasprintf("%s/%s/%s", g.root, id, file) : xasprintf("%s/%s", g.root, id);
}

/* Field 3 (state) and 22 (start time) of /proc/PID/stat; 0 when the process is gone. */
static unsigned long long proc_start(pid_t pid, char *ret_state)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/stat", (int) pid);
	_cleanup_free_ char *data = NULL;
	unsigned long long v = 0;
	char *p;

	if (pid <= 0 || read_file(path, 4096, &data, NULL, NULL) < 0)
		return 0;
	p = strrchr(data, ')');
	if (!p || sscanf(p + 2, "%c", ret_state) != 1)
		return 0;
	/* after ") " the fields from 3 on; the start time is the 20th of them */
	for (int i = 0; p && i < 20; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &v) != 1)
		return 0;
	return v;
}

static int state_load(const char *id, json_t **ret, struct hull_err **err)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (!id_valid(id))
		return err_setx(err, EINVAL, "invalid container id '%s'", id ? id : "");
	path = cpath(id, "state.json");
	r = json_load_path(path, 1 << 20, ret, NULL);
	if (r == -ENOENT)
		return err_setx(err, ENOENT, "container does not exist");
	if (r < 0)
		return err_set(err, -r, "read the state of container '%s'", id);
	return 0;
}

static pid_t st_pid(const json_t *st)
{
	return (pid_t) json_integer_value(json_object_get(st, "pid"));
}

static char **st_cgroups(const json_t *st)
{
	char **l = NULL;

	(void) json_to_strv(json_object_get(json_object_get(st, "hull"), "cgroups"), &l);
	return l;
}

/* created | running | paused | stopped, as runc's libcontainer/container_linux.go decides. */
static const char *st_status(const json_t *st, const char *id)
{
	json_t *h = json_object_get(st, "hull");
	unsigned long long want =
		(unsigned long long) json_integer_value(json_object_get(h, "startTime"));
	_cleanup_free_ char *fifo = cpath(id, "exec.fifo");
	_cleanup_strv_ char **cg = st_cgroups(st);
	char state = 0;

	/* a corrupt state: nothing to signal (kill(0) or kill(-1) would reach others) */
	if (st_pid(st) <= 0)
		return "stopped";
	if (proc_start(st_pid(st), &state) != want || state == 'Z' || state == 'X')
		return "stopped";
	if (access(fifo, F_OK) == 0)
		return "created";
	STRV_FOREACH (d, cg) {
		_cleanup_free_ char *v1 = path_join(*d, "freezer.state");
		_cleanup_free_ char *v2 = path_join(*d, "cgroup.freeze");
		_cleanup_free_ char *s = NULL;

		if ((read_file(v1, 64, &s, NULL, NULL) == 0 && startswith(s, "FROZEN")) ||
		    (read_file(v2, 64, &s, NULL, NULL) == 0 && startswith(s, "1")))
			return "paused";
		free(s);
		s = NULL;
	}
	return "running";
}

/* The state as runc's `state` prints it (runtime-spec runtime.md "State"). */
static json_t *state_public(const json_t *st, const char *status)
{
	json_t *o = json_object();
	json_t *ann = json_object_get(st, "annotations");

	json_object_set_new(o, "ociVersion", json_string(json_get_str(st, "ociVersion")));
	json_object_set_new(o, "id", json_string(json_get_str(st, "id")));
	json_object_set_new(o, "pid", json_integer(streq(status, "stopped") ? 0 : st_pid(st)));
	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "bundle", json_string(json_get_str(st, "bundle")));
	json_object_set_new(o, "rootfs", json_string(json_get_str(st, "rootfs")));
	json_object_set_new(o, "created", json_string(json_get_str(st, "created")));
	json_object_set_new(o, "owner", json_string(""));
	if (json_object_size(ann))
		json_object_set(o, "annotations", ann);
	return o;
}

/*
 * The config a container was created with: the copy of config.json that
 * create saved as ROOT/ID/config.json (runc keeps its config in its state
 * directory: an edited bundle changes neither the hooks of start and delete
 * nor exec), parsed with the bundle directory for a relative root.path. A
 * container created before hull saved the copy falls back to the bundle's.
 */
static int container_bundle(const char *id, const json_t *st, struct rt_bundle **ret,
			    struct hull_err **err)
{
	_cleanup_free_ char *path = cpath(id, "config.json");
	_cleanup_free_ char *data = NULL;
	const char *bundle = json_get_str(st, "bundle");
	size_t len = 0;
	int r;

	if (!bundle)
		return err_setx(err, EBADMSG, "state of container '%s': no bundle", id);
	r = read_file(path, CONFIG_MAX, &data, &len, NULL);
	if (r == -ENOENT)
		return rt_bundle_load(bundle, ret, err);
	if (r < 0)
		return err_set(err, -r, "read the config of container '%s'", id);
	return rt_bundle_parse(data, len, bundle, ret, err);
}

/* Run the hooks of @kind of @b with @state (rt_hooks_run()). */
static int hooks_run(const struct rt_bundle *b, enum rt_hook_kind kind, const json_t *state,
		     struct hull_err **err)
{
	_cleanup_free_ char *text = json_dump_str(state, 0);

	return rt_hooks_run(b->hooks[kind], b->n_hooks[kind], rt_hook_kind_name(kind), text, err);
}

static void hook_warn(const char *msg, void *arg)
{
	(void) arg;
	log_line("warning", msg);
}

/* The hooks of @kind of @b whose failures are only logged (poststart, poststop): all run. */
static void hooks_run_warn(const struct rt_bundle *b, enum rt_hook_kind kind, const json_t *state)
{
	_cleanup_free_ char *text = json_dump_str(state, 0);

	(void) rt_hooks_run_warn(b->hooks[kind], b->n_hooks[kind], rt_hook_kind_name(kind), text,
				 hook_warn, NULL);
}

/* The capabilities this kernel knows: bits above cap_last_cap are dropped, as runc ignores
 * capabilities the kernel does not have. */
static void caps_known(struct rt_capsets *caps)
{
	_cleanup_free_ char *s = NULL;
	unsigned last = 40;
	uint64_t known;

	if (read_file("/proc/sys/kernel/cap_last_cap", 16, &s, NULL, NULL) == 0)
		last = (unsigned) strtoul(s, NULL, 10);
	known = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
	caps->bounding &= known;
	caps->effective &= known;
	caps->permitted &= known;
	caps->inheritable &= known;
	caps->ambient &= known;
}

/*
 * The state of a container (its config.json copy, state.json) and the pid file
 * name processes that do not outlive the machine: replaced atomically, as
 * readers want, but not fsynced (runc does not either); the state root is a
 * tmpfs (/run) on most hosts anyway.
 */
static int state_write(const char *path, const char *data, size_t len, mode_t mode,
		       struct hull_err **err)
{
	return write_file_replace(path, data, len, mode, err);
}

static int state_write_json(const json_t *st, const char *path, struct hull_err **err)
{
	_cleanup_free_ char *s = json_dump_str(st, JSON_COMPACT | JSON_SORT_KEYS);

	return state_write(path, s, strlen(s), 0644, err);
}

static int write_pid_file(const char *path, pid_t pid, struct hull_err **err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int) pid);

	return state_write(path, buf, (size_t) n, 0644, err);
}

struct rtc_create_opts {
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool no_new_keyring;
	unsigned preserve_fds;
	bool detach; /* run only */
	/* run in the foreground: a terminal process's pty master goes here (-1: none) */
	int *ret_console;
};

/* Receive one fd sent with SCM_RIGHTS over @sock (rt_send_fd()'s other end). */
static int recv_fd(int sock, int *ret_fd, struct hull_err **err)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0}, name[256];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(err, errno, "receive the console");
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return err_setx(err, EPROTO, "receive the console: no fd sent");
	memcpy(ret_fd, CMSG_DATA(cm), sizeof(int));
	return 0;
}

/*
 * A process with a terminal in the foreground (runc run or exec with --tty
 * and no --console-socket): a socket pair over which the process sends its
 * pty master to us, as runc's does; *@ret_child (above 2, since 0 means none
 * in rt_config.console_sock_fd) goes to the process, *@ret_ours stays here.
 */
static int console_pair(int *ret_ours, int *ret_child, struct hull_err **err)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(err, errno, "create the console socket");
	*ret_ours = sv[0];
	*ret_child = fcntl(sv[1], F_DUPFD_CLOEXEC, 3);
	(void) close(sv[1]);
	if (*ret_child < 0)
		return err_set(err, errno, "create the console socket");
	return 0;
}

/* In the foreground a pty starts with our terminal's size (stdin's), unless
 * the process gives one: set once the process runs, a size could come after
 * the process's first look. */
static void console_size_ours(struct rt_config *c)
{
	struct winsize ws;

	if (c->console_rows && c->console_cols)
		return;
	if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		c->console_rows = ws.ws_row;
		c->console_cols = ws.ws_col;
	}
}

/*
 * runc create: the container's process is made, set up, put in its cgroups
 * and left waiting on the exec fifo. *@ret_pid gets its pid.
 */
/*
 * linux.cgroupsPath must name a cgroup of this container alone, as runc's
 * create checks ("container's cgroup is not empty"): a path that climbs out
 * ("..") or is a hierarchy's root, or a cgroup that already holds processes
 * in any hierarchy, is refused, so that create never writes limits into, and
 * delete never kills or removes, another's cgroup.
 */
static int cgroup_unused(const char *path, struct hull_err **err)
{
	const char *p = path;
	DIR *d;
	struct dirent *de;
	int r = 0;

	while (*p == '/')
		p++;
	if (!*p || streq(p, ".") || strstr(path, "..") || strstr(path, "/./"))
		return err_setx(err, EINVAL, "linux.cgroupsPath: '%s' is not a cgroup of its own",
				path);
	d = opendir("/sys/fs/cgroup");
	if (!d)
		return 0;
	/* v2 at the root, or each v1 hierarchy (and the hybrid unified one) below it */
	for (int pass = 0; pass < 2 && r == 0; pass++) {
		rewinddir(d);
		while (r == 0 && (de = readdir(d))) {
			_cleanup_free_ char *procs = NULL, *text = NULL;

			if (pass == 0 && de->d_name[0] != '.')
				continue;
			if (pass == 0)
				procs = xasprintf("/sys/fs/cgroup/%s/cgroup.procs", p);
			else if (de->d_name[0] == '.')
				continue;
			else
				procs = xasprintf("/sys/fs/cgroup/%s/%s/cgroup.procs", de->d_name,
						  p);
			if (read_file(procs, 1 << 20, &text, NULL, NULL) == 0 && !isempty(text))
				r = err_setx(err, EBUSY,
					     "linux.cgroupsPath: container's cgroup is not empty: "
					     "'%s' holds processes",
					     path);
			if (pass == 0)
				break;
		}
	}
	closedir(d);
	return r;
}

static int rtc_create(const char *id, const struct rtc_create_opts *o, pid_t *ret_pid,
		      struct hull_err **err)
{
	_cleanup_free_ char *dir = NULL, *fifo = NULL, *bundle_dir = NULL, *created = NULL;
	_cleanup_free_ char *state_path = NULL, *hook_state = NULL, *config = NULL;
	_cleanup_free_ char *config_copy = NULL;
	_cleanup_json_ json_t *st = NULL, *pub = NULL;
	_cleanup_strv_ char **cg = NULL;
	struct rt_bundle *b = NULL;
	struct rt_bpf *filter = NULL;
	struct rt_process *p = NULL;
	struct rt_config c;
	const char *cg_name;
	_cleanup_close_ int csock = -1, csock_child = -1, master = -1;
	char pstate;
	size_t config_len = 0;
	int r;

	if (!id_valid(id))
		return err_setx(err, EINVAL, "invalid container id '%s'", id ? id : "");
	bundle_dir = realpath(o->bundle ? o->bundle : ".", NULL);
	if (!bundle_dir)
		return err_set(err, errno, "bundle '%s'", o->bundle ? o->bundle : ".");
	/* read once: these bytes are parsed and saved for start, delete and exec */
	config = path_join(bundle_dir, "config.json");
	r = read_file(config, CONFIG_MAX, &config_copy, &config_len, err);
	if (r < 0)
		return r;
	r = rt_bundle_parse(config_copy, config_len, bundle_dir, &b, err);
	if (r < 0)
		return r;
	if (b->n_hooks[RT_HOOK_CREATE_CONTAINER]) {
		/* runc runs them before pivot_root with the container's mounts made; hull
		 * makes its mounts after pivot_root */
		r = err_setx(err, EOPNOTSUPP, "hooks.createContainer: not supported");
		goto out_bundle;
	}
	c = b->config;
	c.stdio[0] = 0;
	c.stdio[1] = 1;
	c.stdio[2] = 2;
	if (c.terminal) {
		if (!o->console_socket && !o->ret_console) {
			r = err_setx(err, EINVAL,
				     "cannot allocate tty if hull-runtime will detach without "
				     "setting console socket");
			goto out_bundle;
		}
		if (!o->console_socket) {
			/* run in the foreground: the master comes to us */
			r = console_pair(&csock, &csock_child, err);
			if (r < 0)
				goto out_bundle;
			c.console_sock_fd = csock_child;
		}
		/* the process makes its pty in its own /dev/pts, as runc's does */
		c.console_socket = o->console_socket;
		c.console_rows = b->console_height;
		c.console_cols = b->console_width;
		if (!o->console_socket)
			console_size_ours(&c);
		c.stdio[0] = c.stdio[1] = c.stdio[2] = -1;
	} else if (o->console_socket) {
		r = err_setx(err, EINVAL, "cannot use console socket if the process has no tty");
		goto out_bundle;
	}
	caps_known(&b->caps);
	if (b->seccomp) {
		r = rt_seccomp_compile(b->seccomp, &filter, err);
		if (r < 0) {
			r = err_wrap(err, "linux.seccomp");
			goto out_bundle;
		}
		c.seccomp = filter;
	}
	if (c.host_mnt_ns && (c.n_mounts || c.masked_paths || c.readonly_paths ||
			      c.readonly_rootfs || c.n_devices || c.sysctls))
		/* they would be made in our own mount namespace (runc makes them there) */
		log_line("warning", "linux.namespaces: no mount namespace: the root is entered "
				    "with chroot, and mounts, masked and read-only paths, devices, "
				    "sysctls and a read-only root are not applied");
	c.no_pivot = o->no_pivot;
	c.new_keyring = !o->no_new_keyring;
	c.preserve_fds = o->preserve_fds;

	r = mkdir_p(g.root, 0700, err);
	if (r < 0)
		goto out_bundle;
	dir = cpath(id, NULL);
	if (mkdir(dir, 0700) < 0) {
		r = errno == EEXIST ? err_setx(err, EEXIST, "container with id exists: %s", id)
				    : err_set(err, errno, "create '%s'", dir);
		goto out_bundle;
	}
	free(config);
	config = cpath(id, "config.json");
	r = state_write(config, config_copy, config_len, 0600, err);
	if (r < 0)
		goto out_dir;
	fifo = cpath(id, "exec.fifo");
	if (mkfifo(fifo, 0622) < 0 || chmod(fifo, 0622) < 0) {
		r = err_set(err, errno, "create exec fifo '%s'", fifo);
		goto out_dir;
	}
	c.exec_fifo = fifo;
	created = rtc_now(true);
	st = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:O}", "ociVersion", b->oci_version,
		       "id", id, "pid", 0, "bundle", bundle_dir, "rootfs", b->rootfs, "created",
		       created, "owner", "", "annotations", b->annotations);

	if (b->n_hooks[RT_HOOK_START_CONTAINER]) {
		_cleanup_json_ json_t *pub0 = state_public(st, "created");

		hook_state = json_dump_str(pub0, 0);
		c.start_hooks = b->hooks[RT_HOOK_START_CONTAINER];
		c.n_start_hooks = b->n_hooks[RT_HOOK_START_CONTAINER];
		c.hook_state = hook_state;
	}
	debugf("create %s: bundle '%s'", id, bundle_dir);
	if (b->cgroups_path) {
		r = cgroup_unused(b->cgroups_path, err);
		if (r < 0)
			goto out_dir;
	}
	r = rt_create(&c, &p, err);
	if (r < 0)
		goto out_dir;
	if (csock >= 0) {
		/* sent during the setup, before rt_create() returned */
		(void) close(csock_child);
		csock_child = -1;
		r = recv_fd(csock, &master, err);
		if (r < 0) {
			(void) kill(p->pid, SIGKILL);
			(void) waitpid(p->pid, NULL, 0);
			goto out_dir;
		}
	}
	json_object_set_new(st, "pid", json_integer(p->pid));
	cg_name = b->cgroups_path ? b->cgroups_path : id;
	{
		struct hull_err *ce = NULL;
		int k = rt_cgroup_create(cg_name, p->pid, b->has_resources ? &b->resources : NULL,
					 &cg, &ce);
		if (k < 0 && b->has_resources)
			r = err_setx(err, -k, "set resource limits: %s", ce->msg);
		else if (k < 0)
			debugf("no cgroups for %s: %s", id, ce->msg);
		err_free(ce);
	}
	if (r == 0)
		r = rt_cgroup_devices_create(cg_name, p->pid, b->device_rules, b->n_device_rules,
					     &cg, err);
	if (r == 0 && b->has_oom_score_adj) {
		_cleanup_free_ char *path = xasprintf("/proc/%d/oom_score_adj", (int) p->pid);
		_cleanup_free_ char *v = xasprintf("%d", b->oom_score_adj);
		_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write_all(fd, v, strlen(v)) < 0)
			r = err_set(err, errno, "set oom_score_adj %s", v);
	}
	if (r == 0) {
		/* prestart first, then createRuntime, as runc runs them
		 * (process_linux.go, procHooks); prestart is told "created", as
		 * crun says and runtime-tools' hooks_stdin wants (the environment is
		 * made; runc 1.1 still says "creating") */
		pub = state_public(st, "created");
		json_object_set_new(pub, "pid", json_integer(p->pid));
		r = hooks_run(b, RT_HOOK_PRESTART, pub, err);
	}
	if (r == 0) {
		json_object_set_new(pub, "status", json_string("creating"));
		r = hooks_run(b, RT_HOOK_CREATE_RUNTIME, pub, err);
	}
	if (r == 0 && (r = rt_start_fifo(p, err)) < 0)
		p->pid = 0; /* killed and reaped already */
	if (r == 0) {
		json_object_set_new(st, "hull",
				    json_pack("{s:I, s:o}", "startTime",
					      (json_int_t) proc_start(p->pid, &pstate), "cgroups",
					      cg ? json_from_strv(cg) : json_array()));
		state_path = cpath(id, "state.json");
		r = state_write_json(st, state_path, err);
	}
	if (r == 0 && o->pid_file)
		r = write_pid_file(o->pid_file, p->pid, err);
	if (r < 0) {
		if (p->pid > 0) {
			(void) kill(p->pid, SIGKILL);
			(void) waitpid(p->pid, NULL, 0);
		}
		if (cg)
			rt_cgroup_remove(cg);
		goto out_dir;
	}
	*ret_pid = p->pid;
	if (o->ret_console)
		*o->ret_console = TAKE_FD(master);
	goto out_bundle;
out_dir:
	(void) rm_rf(dir, NULL);
out_bundle:
	rt_process_free(p);
	rt_bpf_free(filter);
	rt_bundle_free(b);
	return r;
}

/* runc start: open the exec fifo's reading end, which lets the process exec. */
static int rtc_start(const char *id, struct hull_err **err)
{
	_cleanup_json_ json_t *st = NULL;
	_cleanup_free_ char *fifo = NULL;
	_cleanup_close_ int fd = -1, pidfd = -1;
	const char *status;
	struct pollfd pfd[2];
	char c;
	int r, n;

	r = state_load(id, &st, err);
	if (r < 0)
		return r;
	status = st_status(st, id);
	if (streq(status, "stopped"))
		return err_setx(err, EINVAL, "cannot start a container that has stopped");
	if (!streq(status, "created"))
		return err_setx(err, EINVAL, "cannot start an already running container");
	/* before the fifo: once that is open the process may exec, exit and be reaped */
	pidfd = (int) syscall(SYS_pidfd_open, st_pid(st), 0);
	if (pidfd < 0 && errno == ESRCH)
		return err_setx(err, ESRCH, "cannot start a container that has stopped");
	if (pidfd < 0)
		return err_set(err, errno, "open the container's process");
	fifo = cpath(id, "exec.fifo");
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open exec fifo '%s'", fifo);
	/* the process writes one byte, then execs; or it dies */
	pfd[0] = (struct pollfd){.fd = fd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = pidfd, .events = POLLIN};
	do
		n = poll(pfd, 2, -1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(err, errno, "wait for the container's process");
	if (!(pfd[0].revents & POLLIN) || read(fd, &c, 1) != 1)
		return err_setx(err, EIO, "cannot start a container that has stopped");
	(void) unlink(fifo);
	/*
	 * The process keeps its end open until its exec (or its death) closes it:
	 * poststart hooks run after the program started (runtime.md "Lifecycle"
	 * 7-8), not while startContainer hooks or the exec are still under way.
	 */
	for (;;) {
		ssize_t k;

		pfd[0].revents = 0;
		n = poll(pfd, 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, errno, "wait for the container's process");
		k = read(fd, &c, 1);
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
			break;
	}
	{
		struct rt_bundle *b = NULL;
		struct hull_err *he = NULL;

		/* poststart failures are only logged, and the hooks after one still run
		 * (runtime.md "Lifecycle" 8) */
		if (container_bundle(id, st, &b, &he) == 0) {
			_cleanup_json_ json_t *pub = state_public(st, "running");
			hooks_run_warn(b, RT_HOOK_POSTSTART, pub);
		}
		err_free(he);
		rt_bundle_free(b);
	}
	return 0;
}

static int sig_parse(const char *s)
{
	char *end;
	long v;

	if (!s)
		return SIGTERM;
	errno = 0;
	v = strtol(s, &end, 10);
	if (!errno && end != s && !*end)
		return v >= 0 && v < NSIG ? (int) v : -EINVAL;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *n = sigabbrev_np(i);
		if (n && strcasecmp(n, s) == 0)
			return i;
	}
	return -EINVAL;
}

/* Signal every process of the container's cgroups, or its first process alone. */
static int signal_all(const json_t *st, int sig, bool all, struct hull_err **err)
{
	_cleanup_strv_ char **cg = st_cgroups(st);
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	/* never kill(0) or kill(-1), a process group or every process, for a corrupt state */
	if (st_pid(st) <= 0)
		return err_setx(err, EBADMSG, "state of container '%s' is corrupt: pid %d",
				json_get_str(st, "id") ? json_get_str(st, "id") : "",
				(int) st_pid(st));
	if (all && cg && cg[0] && rt_cgroup_pids(cg, &pids, &n, NULL) == 0) {
		for (size_t i = 0; i < n; i++)
			(void) kill(pids[i], sig);
		return 0;
	}
	if (kill(st_pid(st), sig) < 0)
		return err_set(err, errno, "kill the container's process");
	return 0;
}

/*
 * The foreground of run and exec (runc's signal forwarding, signals.go): wait
 * for @pid, our child, passing on the signals a terminal or a supervisor sends;
 * its docker-style exit code.
 */
static void forward_set(sigset_t *set)
{
	static const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

	sigemptyset(set);
	for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
		sigaddset(set, fwd[i]);
}

/* Block the signals wait_forwarding() passes on, before the process may run. */
static void forward_block(void)
{
	sigset_t set;

	forward_set(&set);
	(void) sigprocmask(SIG_BLOCK, &set, NULL);
}

/* (the signals are blocked already: forward_block()) */
static int wait_forwarding(pid_t pid)
{
	_cleanup_close_ int sfd = -1, pidfd = -1;
	sigset_t set;
	int st = 0;

	forward_set(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
	while (sfd >= 0 && pidfd >= 0) {
		struct pollfd pfd[2] = {{.fd = pidfd, .events = POLLIN},
					{.fd = sfd, .events = POLLIN}};
		struct signalfd_siginfo si;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		if ((pfd[1].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si))
			(void) kill(pid, (int) si.ssi_signo);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	(void) sigprocmask(SIG_UNBLOCK, &set, NULL);
	return rt_exit_code(st);
}

/* Give @master the size of our terminal (stdin's), if we have one. */
static void console_resize(int master)
{
	struct winsize ws;

	if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		(void) ioctl(master, TIOCSWINSZ, &ws);
}

/*
 * wait_forwarding() for a process on a pty whose master we hold (runc run
 * with a terminal and no --console-socket): our stdin goes to the master,
 * the master's output to our stdout, our terminal (if stdin is one) is raw
 * meanwhile and its size follows ours (SIGWINCH); the other signals are
 * passed on. The process's docker-style exit code.
 */
static int wait_console(pid_t pid, int master)
{
	_cleanup_close_ int sfd = -1, pidfd = -1;
	struct termios saved, raw;
	bool is_raw = false, in_open = true, out_open = true;
	char buf[8192];
	sigset_t set;
	ssize_t n;
	int st = 0;

	forward_set(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
	if (isatty(0) && tcgetattr(0, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		is_raw = tcsetattr(0, TCSADRAIN, &raw) == 0;
	}
	console_resize(master);
	while (sfd >= 0 && pidfd >= 0) {
		struct pollfd pfd[4] = {{.fd = pidfd, .events = POLLIN},
					{.fd = sfd, .events = POLLIN},
					{.fd = out_open ? master : -1, .events = POLLIN},
					{.fd = in_open ? 0 : -1, .events = POLLIN}};
		struct signalfd_siginfo si;

		if (poll(pfd, 4, -1) < 0 && errno != EINTR)
			break;
		if (pfd[2].revents) {
			n = read(master, buf, sizeof(buf));
			if (n > 0)
				(void) write_all(1, buf, (size_t) n);
			else if (n == 0 || (errno != EINTR && errno != EAGAIN))
				out_open = false; /* EIO: no slave open any more */
		}
		if (pfd[3].revents) {
			n = read(0, buf, sizeof(buf));
			if (n > 0)
				(void) write_all(master, buf, (size_t) n);
			else if (n == 0 || (errno != EINTR && errno != EAGAIN))
				in_open = false;
		}
		if ((pfd[1].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGWINCH)
				console_resize(master); /* the kernel tells the process */
			else
				(void) kill(pid, (int) si.ssi_signo);
		}
		if (pfd[0].revents)
			break;
	}
	/* what the process wrote last is still in the pty */
	(void) fcntl(master, F_SETFL, O_NONBLOCK);
	while (out_open && (n = read(master, buf, sizeof(buf))) > 0)
		(void) write_all(1, buf, (size_t) n);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (is_raw)
		(void) tcsetattr(0, TCSADRAIN, &saved);
	(void) sigprocmask(SIG_UNBLOCK, &set, NULL);
	return rt_exit_code(st);
}

/* Wait (boundedly) until the container's first process has exited; the caller reaps it. */
static void wait_gone(const json_t *st)
{
	_cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, st_pid(st), 0);
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};

	if (pidfd >= 0)
		(void) poll(&pfd, 1, 10000);
}

/* runc delete: kill what is left, remove the cgroups, run poststop hooks, drop the state. */
static int rtc_destroy(const char *id, json_t *st, struct hull_err **err)
{
	_cleanup_strv_ char **cg = st_cgroups(st);
	_cleanup_free_ char *dir = cpath(id, NULL);
	const char *status = st_status(st, id);
	struct rt_bundle *b = NULL;
	struct hull_err *he = NULL;

	if (!streq(status, "stopped")) {
		if (streq(status, "paused") && cg)
			(void) rt_cgroup_freeze(cg, false, NULL);
		(void) signal_all(st, SIGKILL, true, NULL);
		wait_gone(st);
	}
	if (cg && cg[0]) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		/* processes the first one left (no PID namespace of its own) */
		if (rt_cgroup_pids(cg, &pids, &n, NULL) == 0)
			for (size_t i = 0; i < n; i++)
				(void) kill(pids[i], SIGKILL);
		rt_cgroup_remove(cg);
	}
	if (container_bundle(id, st, &b, &he) == 0) {
		_cleanup_json_ json_t *pub = state_public(st, "stopped");
		hooks_run_warn(b, RT_HOOK_POSTSTOP, pub);
	}
	err_free(he);
	rt_bundle_free(b);
	return rm_rf(dir, err);
}

static int parse_args(const char *cmd, int argc, char **argv, const struct option *opts,
		      const char *shortopts, int min_args, int max_args, const char *usage,
		      int (*on_opt)(int o, const char *arg, void *ud), void *ud)
{
	_cleanup_free_ char *full =
		xasprintf("runtime %s", cmd); /* "See 'hull runtime create --help'" */
	int o, n;

	optind = 0;
	while ((o = cli_getopt(full, argc, argv, shortopts, opts, true)) != -1) {
		if (o == '?')
			return -1;
		if (o == 'h') {
			printf("Usage: hull-runtime %s %s\n", cmd, usage);
			return 0;
		}
		if (on_opt(o, optarg, ud) < 0)
			return -1;
	}
	n = argc - optind;
	if (n < min_args || (max_args >= 0 && n > max_args)) {
		failf("%s: %s %d argument%s", cmd,
		      n < min_args ? "requires at least" : "requires at most",
		      n < min_args ? min_args : max_args,
		      (n < min_args ? min_args : max_args) == 1 ? "" : "s");
		return -1;
	}
	return 1;
}

static int create_opt(int o, const char *arg, void *ud)
{
	struct rtc_create_opts *co = ud;
	char *end;
	unsigned long v;

	switch (o) {
	case 'b':
		co->bundle = arg;
		break;
	case 'p':
		co->pid_file = arg;
		break;
	case 'c':
		co->console_socket = arg;
		break;
	case 'P':
		co->no_pivot = true;
		break;
	case 'K':
		co->no_new_keyring = true;
		break;
	case 'F':
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || v > 1000) {
			failf("--preserve-fds: invalid value \"%s\"", arg);
			return -1;
		}
		co->preserve_fds = (unsigned) v;
		break;
	case 'd':
		co->detach = true;
		break;
	}
	return 0;
}

static const struct option create_opts[] = {
	{"bundle", required_argument, NULL, 'b'},
	{"pid-file", required_argument, NULL, 'p'},
	{"console-socket", required_argument, NULL, 'c'},
	{"no-pivot", no_argument, NULL, 'P'},
	{"no-new-keyring", no_argument, NULL, 'K'},
	{"preserve-fds", required_argument, NULL, 'F'},
	{"help", no_argument, NULL, 'h'},
	{"detach", no_argument, NULL, 'd'},
	{0},
};

static int do_create(int argc, char **argv, bool run)
{
	struct rtc_create_opts co = {0};
	struct hull_err *e = NULL;
	_cleanup_close_ int console = -1;
	pid_t pid = 0;
	int r, st = 0;

	r = parse_args(run ? "run" : "create", argc, argv, create_opts, run ? "b:dh" : "b:h", 1, 1,
		       "[--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--no-pivot] "
		       "[--no-new-keyring] [--preserve-fds N]"
		       " ID",
		       create_opt, &co);
	if (r <= 0)
		return r < 0 ? 1 : 0;
	if (!run && co.detach)
		return failf("create: unknown flag --detach");
	if (run && !co.detach)
		co.ret_console = &console;
	r = rtc_create(argv[optind], &co, &pid, &e);
	if (r < 0)
		return fail(e);
	if (!run)
		return 0;
	if (!co.detach)
		forward_block();
	r = rtc_start(argv[optind], &e);
	if (r < 0)
		return fail(e);
	if (co.detach)
		return 0;
	/* runc run in the foreground: the process is our child; its status is ours */
	st = console >= 0 ? wait_console(pid, console) : wait_forwarding(pid);
	{
		_cleanup_json_ json_t *sj = NULL;
		if (state_load(argv[optind], &sj, &e) == 0 && rtc_destroy(argv[optind], sj, &e) < 0)
			return fail(e);
		err_free(e);
	}
	return st;
}

static int no_opt(int o, const char *arg, void *ud)
{
	(void) o, (void) arg, (void) ud;
	return 0;
}

static const struct option help_only[] = {{"help", no_argument, NULL, 'h'}, {0}};

static int do_start(int argc, char **argv)
{
	struct hull_err *e = NULL;
	int r = parse_args("start", argc, argv, help_only, "h", 1, 1, "ID", no_opt, NULL);

	if (r <= 0)
		return r < 0 ? 1 : 0;
	if (rtc_start(argv[optind], &e) < 0)
		return fail(e);
	return 0;
}

static int do_state(int argc, char **argv)
{
	_cleanup_json_ json_t *st = NULL, *pub = NULL;
	struct hull_err *e = NULL;
	_cleanup_free_ char *s = NULL;
	int r = parse_args("state", argc, argv, help_only, "h", 1, 1, "ID", no_opt, NULL);

	if (r <= 0)
		return r < 0 ? 1 : 0;
	if (state_load(argv[optind], &st, &e) < 0)
		return fail(e);
	pub = state_public(st, st_status(st, argv[optind]));
	s = json_dumps(pub, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", s);
	return 0;
}

struct list_opts {
	const char *format;
	bool quiet;
};

static int list_opt(int o, const char *arg, void *ud)
{
	struct list_opts *lo = ud;

	if (o == 'f')
		lo->format = arg;
	else if (o == 'q')
		lo->quiet = true;
	return 0;
}

static int do_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct list_opts lo = {.format = "table"};
	_cleanup_json_ json_t *all = json_array();
	_cleanup_strv_ char **ids = strv_new();
	DIR *d;
	struct dirent *de;
	int r = parse_args("list", argc, argv, opts, "f:qh", 0, 0, "[--format table|json] [-q]",
			   list_opt, &lo);

	if (r <= 0)
		return r < 0 ? 1 : 0;
	if (!streq(lo.format, "table") && !streq(lo.format, "json"))
		return failf("invalid format option");
	d = opendir(g.root);
	while (d && (de = readdir(d))) {
		_cleanup_json_ json_t *st = NULL;

		if (de->d_name[0] == '.' || state_load(de->d_name, &st, NULL) < 0)
			continue;
		json_array_append_new(all, state_public(st, st_status(st, de->d_name)));
		strv_push(&ids, de->d_name);
	}
	if (d)
		closedir(d);
	if (lo.quiet) {
		STRV_FOREACH (id, ids)
			printf("%s\n", *id);
	} else if (streq(lo.format, "json")) {
		_cleanup_free_ char *s = json_dump_str(all, 0);
		printf("%s\n", s);
	} else {
		struct table *t = table_new(6);
		size_t i;
		json_t *o;

		table_add(t, "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
		json_array_foreach (all, i, o) {
			_cleanup_free_ char *pid = xasprintf(
				"%lld", (long long) json_integer_value(json_object_get(o, "pid")));
			struct passwd *pw = getpwuid(getuid());

			table_add(t, json_get_str(o, "id"), pid, json_get_str(o, "status"),
				  json_get_str(o, "bundle"), json_get_str(o, "created"),
				  pw ? pw->pw_name : "");
		}
		table_print(t, stdout);
	}
	return 0;
}

static int kill_opt(int o, const char *arg, void *ud)
{
	(void) arg;
	if (o == 'a')
		*(bool *) ud = true;
	return 0;
}

static int do_kill(int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	_cleanup_json_ json_t *st = NULL;
	struct hull_err *e = NULL;
	const char *status;
	bool all = false;
	int sig, r;

	r = parse_args("kill", argc, argv, opts, "ah", 1, 2, "[--all] ID [SIGNAL]", kill_opt, &all);
	if (r <= 0)
		return r < 0 ? 1 : 0;
	sig = sig_parse(argv[optind + 1]);
	if (sig < 0)
		return failf("unknown signal \"%s\"", argv[optind + 1]);
	if (state_load(argv[optind], &st, &e) < 0)
		return fail(e);
	status = st_status(st, argv[optind]);
	if (streq(status, "stopped"))
		return failf("container not running");
	debugf("kill %s: signal %d%s", argv[optind], sig, all ? " to all" : "");
	if (signal_all(st, sig, all, &e) < 0)
		return fail(e);
	return 0;
}

static int delete_opt(int o, const char *arg, void *ud)
{
	(void) arg;
	if (o == 'f')
		*(bool *) ud = true;
	return 0;
}

static int do_delete(int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	_cleanup_json_ json_t *st = NULL;
	struct hull_err *e = NULL;
	const char *id, *status;
	bool force = false;
	int r;

	r = parse_args("delete", argc, argv, opts, "fh", 1, 1, "[--force] ID", delete_opt, &force);
	if (r <= 0)
		return r < 0 ? 1 : 0;
	id = argv[optind];
	r = state_load(id, &st, &e);
	if (r == -ENOENT && force) {
		/* an aborted create may have left the directory alone (runc delete.go) */
		_cleanup_free_ char *dir = cpath(id, NULL);
		err_free(e);
		(void) rm_rf(dir, NULL);
		return 0;
	}
	if (r < 0)
		return fail(e);
	status = st_status(st, id);
	if (!force && !streq(status, "stopped") && !streq(status, "created")) {
		return failf("cannot delete container %s that is not stopped: %s", id, status);
	}
	if (rtc_destroy(id, st, &e) < 0)
		return fail(e);
	return 0;
}

static int ps_opt(int o, const char *arg, void *ud)
{
	if (o == 'f')
		*(const char **) ud = arg;
	return 0;
}

/* runc ps: the table of ps(1) (args: after the ID, default -ef) limited to the container's. */
static int ps_table(pid_t *pids, size_t n, char **args)
{
	_cleanup_strv_ char **argv = strv_new();
	_cleanup_free_ char *out = NULL;
	int p[2], st = 0, pidcol = -1, line = 0;
	pid_t child;
	FILE *f;
	char *l = NULL;
	size_t cap = 0;

	strv_push(&argv, "ps");
	if (!args || !args[0])
		strv_push(&argv, "-ef");
	STRV_FOREACH (a, args)
		strv_push(&argv, *a);
	if (pipe2(p, O_CLOEXEC) < 0)
		return failf("ps: pipe: %s", strerror(errno));
	child = fork();
	if (child == 0) {
		char *path = lookup_path(NULL, "ps", getenv("PATH"));
		if (dup2(p[1], 1) < 0 || !path)
			_exit(127);
		execv(path, argv);
		_exit(127);
	}
	(void) close(p[1]);
	f = fdopen(p[0], "r");
	while (f && getline(&l, &cap, f) > 0) {
		char *save = NULL, *w, *copy = xstrdup(l);
		int col = 0;
		bool keep = line == 0;

		for (w = strtok_r(copy, " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save), col++) {
			if (line == 0 && streq(w, "PID"))
				pidcol = col;
			if (line > 0 && col == pidcol) {
				long v = strtol(w, NULL, 10);
				for (size_t i = 0; i < n; i++)
					keep |= pids[i] == (pid_t) v;
			}
		}
		free(copy);
		if (line == 0 && pidcol < 0) {
			free(l);
			fclose(f);
			(void) waitpid(child, NULL, 0);
			return failf("couldn't find PID field in ps output");
		}
		if (keep)
			fputs(l, stdout);
		line++;
	}
	free(l);
	if (f)
		fclose(f);
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return failf("ps: exit status %d", rt_exit_code(st));
	return 0;
}

static int do_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	_cleanup_json_ json_t *st = NULL;
	_cleanup_strv_ char **cg = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	struct hull_err *e = NULL;
	const char *format = "table";
	size_t n = 0;
	int r;

	r = parse_args("ps", argc, argv, opts, "f:h", 1, -1, "[--format table|json] ID [PS_ARGS]",
		       ps_opt, &format);
	if (r <= 0)
		return r < 0 ? 1 : 0;
	if (!streq(format, "table") && !streq(format, "json"))
		return failf("invalid format option");
	if (state_load(argv[optind], &st, &e) < 0)
		return fail(e);
	cg = st_cgroups(st);
	if (!cg || !cg[0])
		return failf("container %s has no cgroup", argv[optind]);
	if (rt_cgroup_pids(cg, &pids, &n, &e) < 0)
		return fail(e);
	if (streq(format, "json")) {
		_cleanup_json_ json_t *a = json_array();
		_cleanup_free_ char *s = NULL;

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_integer(pids[i]));
		s = json_dump_str(a, 0);
		printf("%s\n", s);
		return 0;
	}
	return ps_table(pids, n, argv + optind + 1);
}

static int do_freeze(int argc, char **argv, bool freeze)
{
	_cleanup_json_ json_t *st = NULL;
	_cleanup_strv_ char **cg = NULL;
	struct hull_err *e = NULL;
	const char *cmd = freeze ? "pause" : "resume", *status;
	int r = parse_args(cmd, argc, argv, help_only, "h", 1, 1, "ID", no_opt, NULL);

	if (r <= 0)
		return r < 0 ? 1 : 0;
	if (state_load(argv[optind], &st, &e) < 0)
		return fail(e);
	status = st_status(st, argv[optind]);
	if (freeze ? !streq(status, "running") : !streq(status, "paused"))
		return failf("container not %s", freeze ? "running" : "paused");
	cg = st_cgroups(st);
	if (rt_cgroup_freeze(cg, freeze, &e) < 0)
		return fail(e);
	return 0;
}

struct rtc_exec_opts {
	const char *process, *pid_file, *console_socket, *cwd, *user;
	char **env;
	uint64_t caps; /* --cap: added to every set but the inheritable one */
	bool detach, tty, no_new_privs;
};

static int exec_opt(int o, const char *arg, void *ud)
{
	struct rtc_exec_opts *eo = ud;

	switch (o) {
	case 'p':
		eo->process = arg;
		break;
	case 'd':
		eo->detach = true;
		break;
	case 'P':
		eo->pid_file = arg;
		break;
	case 't':
		eo->tty = true;
		break;
	case 'c':
		eo->console_socket = arg;
		break;
	case 'w':
		eo->cwd = arg;
		break;
	case 'e':
		if (!strchr(arg, '=')) {
			failf("--env: \"%s\" is not NAME=value", arg);
			return -1;
		}
		strv_push(&eo->env, arg);
		break;
	case 'u':
		eo->user = arg;
		break;
	case 'N':
		eo->no_new_privs = true;
		break;
	case 'C': {
		_cleanup_free_ char *lower = xstrdup(arg);
		cap_value_t v;

		for (char *p = lower; *p; p++)
			*p = (char) tolower((unsigned char) *p);
		if (!startswith(lower, "cap_") || cap_from_name(lower, &v) < 0 || v < 0 || v > 63) {
			failf("--cap: unknown capability \"%s\"", arg);
			return -1;
		}
		eo->caps |= 1ULL << v;
		break;
	}
	}
	return 0;
}

/* runc exec: a new process in the container's namespaces and cgroups. */
static int do_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"process", required_argument, NULL, 'p'},
		{"detach", no_argument, NULL, 'd'},
		{"pid-file", required_argument, NULL, 'P'},
		{"tty", no_argument, NULL, 't'},
		{"console-socket", required_argument, NULL, 'c'},
		{"cwd", required_argument, NULL, 'w'},
		{"env", required_argument, NULL, 'e'},
		{"user", required_argument, NULL, 'u'},
		{"no-new-privs", no_argument, NULL, 'N'},
		{"cap", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct rtc_exec_opts eo = {0};
	_cleanup_close_ int csock = -1, csock_child = -1, master = -1;
	_cleanup_json_ json_t *st = NULL;
	_cleanup_strv_ char **cg = NULL;
	struct rt_bundle *b = NULL, *pb = NULL;
	struct rt_bpf *filter = NULL;
	struct hull_err *e = NULL;
	struct rt_config c;
	const char *id, *status;
	pid_t pid = 0;
	int r;

	r = parse_args(
		"exec", argc, argv, opts, "p:dtw:e:u:h", 1, -1,
		"[--process FILE | ID COMMAND [ARGS]] [--cap CAP] [--detach] [--pid-file FILE] "
		"[--tty] [--console-socket SOCKET] ID",
		exec_opt, &eo);
	if (r <= 0) {
		strv_free(eo.env);
		return r < 0 ? 1 : 0;
	}
	id = argv[optind];
	if (!eo.process && optind + 1 >= argc) {
		strv_free(eo.env);
		return failf("exec: a command or --process is required");
	}
	r = state_load(id, &st, &e);
	if (r == 0) {
		status = st_status(st, id);
		if (streq(status, "stopped") || streq(status, "paused"))
			r = err_setx(&e, EINVAL, "cannot exec in a %s container", status);
	}
	if (r == 0)
		r = container_bundle(id, st, &b, &e);
	/* joining the runtime's own mount namespace would reset the root to the host's */
	if (r == 0 && b->config.host_mnt_ns)
		r = err_setx(&e, EOPNOTSUPP,
			     "linux.namespaces: exec into a container without its own mount "
			     "namespace is not supported");
	if (r == 0 && eo.process && eo.caps)
		/* runc would ignore them: the process file says what it has */
		r = err_setx(&e, EINVAL, "--cap cannot be used with --process");
	if (r == 0 && eo.process) {
		_cleanup_free_ char *data = NULL;
		size_t len = 0;

		r = read_file(eo.process, 1 << 20, &data, &len, &e);
		if (r == 0)
			r = rt_bundle_parse_process(data, len, &pb, &e);
		if (r == 0)
			r = rt_bundle_check_host(pb, &e);
	}
	if (r < 0)
		goto out;
	c = pb ? pb->config : b->config;
	if (!pb) {
		/* runc exec ARGS: the container's process with these args and changes */
		c.args = argv + optind + 1;
		c.terminal = eo.tty;
		if (eo.cwd)
			c.cwd = (char *) eo.cwd;
		STRV_FOREACH (kv, eo.env)
			strv_env_set(&b->config.env, *kv);
		c.env = b->config.env;
		if (eo.no_new_privs)
			c.no_new_privs = true;
		/* runc exec --cap: bounding, effective, permitted and ambient, not
		 * inheritable (runc 1.1.2, CVE-2022-29162) */
		b->caps.bounding |= eo.caps;
		b->caps.effective |= eo.caps;
		b->caps.permitted |= eo.caps;
		b->caps.ambient |= eo.caps;
		if (eo.user) {
			unsigned u = 0, gr = 0;
			int k = sscanf(eo.user, "%u:%u", &u, &gr);
			if (k < 1) {
				r = err_setx(&e, EINVAL, "--user: '%s' is not UID[:GID]", eo.user);
				goto out;
			}
			c.uid = u;
			c.gid = k == 2 ? gr : 0;
			c.n_additional_gids = 0;
		}
	}
	c.stdio[0] = 0;
	c.stdio[1] = 1;
	c.stdio[2] = 2;
	if (c.terminal) {
		if (!eo.console_socket && eo.detach) {
			r = err_setx(&e, EINVAL,
				     "cannot allocate tty if hull-runtime will detach without "
				     "setting console socket");
			goto out;
		}
		/* the process makes its pty in the container's devpts (rt_exec()) */
		c.console_socket = eo.console_socket;
		c.console_rows = pb ? pb->console_height : 0;
		c.console_cols = pb ? pb->console_width : 0;
		c.stdio[0] = c.stdio[1] = c.stdio[2] = -1;
		if (!eo.console_socket) {
			/* in the foreground: the master comes to us, as runc exec -t */
			r = console_pair(&csock, &csock_child, &e);
			if (r < 0)
				goto out;
			c.console_sock_fd = csock_child;
			console_size_ours(&c);
		}
	}
	caps_known(pb ? &pb->caps : &b->caps);
	if (b->seccomp) {
		r = rt_seccomp_compile(b->seccomp, &filter, &e);
		if (r < 0)
			goto out;
		c.seccomp = filter;
	}
	cg = st_cgroups(st);
	if (!eo.detach)
		forward_block(); /* the exec'd process resets its own mask */
	r = rt_exec(st_pid(st), cg, &c, &pid, &e);
	if (csock >= 0) {
		/* sent during the setup, before rt_exec() returned */
		(void) close(csock_child);
		csock_child = -1;
		if (r == 0 && (r = recv_fd(csock, &master, &e)) < 0) {
			(void) kill(pid, SIGKILL);
			(void) waitpid(pid, NULL, 0);
		}
	}
	if (r == 0 && eo.pid_file)
		r = write_pid_file(eo.pid_file, pid, &e);
	if (r == 0 && !eo.detach)
		r = master >= 0 ? wait_console(pid, master) : wait_forwarding(pid);
out:
	rt_bpf_free(filter);
	rt_bundle_free(pb);
	rt_bundle_free(b);
	strv_free(eo.env);
	if (r < 0)
		return fail(e);
	return r;
}

static int update_opt(int o, const char *arg, void *ud)
{
	if (o == 'r')
		*(const char **) ud = arg;
	return 0;
}

/* runc update --resources FILE|- ID: new limits for a container's cgroups. */
static int do_update(int argc, char **argv)
{
	static const struct option opts[] = {
		{"resources", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	_cleanup_json_ json_t *st = NULL;
	_cleanup_strv_ char **cg = NULL;
	_cleanup_free_ char *data = NULL, *path = NULL;
	struct rt_bundle *b = NULL;
	struct hull_err *e = NULL;
	const char *res = NULL, *id;
	size_t len = 0;
	int r;

	r = parse_args("update", argc, argv, opts, "r:h", 1, 1, "--resources FILE|- ID", update_opt,
		       &res);
	if (r <= 0)
		return r < 0 ? 1 : 0;
	if (!res)
		return failf("update: --resources is required (the other flags of runc update are "
			     "not supported)");
	id = argv[optind];
	r = state_load(id, &st, &e);
	if (r == 0 && streq(st_status(st, id), "stopped"))
		r = err_setx(&e, EINVAL, "container not running");
	if (r == 0)
		r = streq(res, "-") ? read_file_fd(0, "stdin", 1 << 20, &data, &len, &e)
				    : read_file(res, 1 << 20, &data, &len, &e);
	if (r == 0)
		r = rt_bundle_parse_resources(data, len, &b, &e);
	if (r < 0)
		return fail(e);
	cg = st_cgroups(st);
	r = rt_cgroup_update(&cg, &b->resources, &e);
	rt_bundle_free(b);
	if (r < 0)
		return fail(e);
	/* a v1 cpu or cpuset cgroup may have been made for the new limits */
	json_object_set_new(json_object_get(st, "hull"), "cgroups",
			    cg ? json_from_strv(cg) : json_array());
	path = cpath(id, "state.json");
	if (state_write_json(st, path, &e) < 0)
		return fail(e);
	return 0;
}

static int do_features(int argc, char **argv)
{
	static const char features[] =
		"{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"" OCI_VERSION "\","
		"\"hooks\":[\"prestart\",\"createRuntime\",\"startContainer\",\"poststart\","
		"\"poststop\"],"
		"\"mountOptions\":[\"ro\",\"rw\",\"bind\",\"rbind\",\"nosuid\",\"suid\",\"nodev\","
		"\"dev\",\"noexec\",\"exec\",\"noatime\",\"relatime\",\"strictatime\","
		"\"nodiratime\",\"diratime\",\"private\",\"rprivate\",\"slave\",\"rslave\","
		"\"shared\",\"rshared\"],"
		"\"linux\":{\"namespaces\":[\"cgroup\",\"ipc\",\"mount\",\"network\",\"pid\","
		"\"user\",\"uts\"],"
		"\"cgroup\":{\"v1\":true,\"v2\":true,\"systemd\":false,\"systemdUser\":false},"
		"\"seccomp\":{\"enabled\":true,\"actions\":[\"SCMP_ACT_ALLOW\",\"SCMP_ACT_ERRNO\","
		"\"SCMP_ACT_KILL\",\"SCMP_ACT_KILL_PROCESS\",\"SCMP_ACT_KILL_THREAD\","
		"\"SCMP_ACT_LOG\",\"SCMP_ACT_TRACE\",\"SCMP_ACT_TRAP\"],"
		"\"operators\":[\"SCMP_CMP_EQ\",\"SCMP_CMP_GE\",\"SCMP_CMP_GT\",\"SCMP_CMP_LE\","
		"\"SCMP_CMP_LT\",\"SCMP_CMP_MASKED_EQ\",\"SCMP_CMP_NE\"]},"
		"\"apparmor\":{\"enabled\":false},\"selinux\":{\"enabled\":false}},"
		"\"annotations\":{\"io.github.hull.version\":\"" HULL_VERSION "\"}}";
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *s = NULL;
	int r = parse_args("features", argc, argv, help_only, "h", 0, 0, "", no_opt, NULL);

	if (r <= 0)
		return r < 0 ? 1 : 0;
	j = json_loads(features, 0, NULL);
	s = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	printf("%s\n", s);
	return 0;
}

/* runc spec's default config.json, without ambient capabilities (hull has none). */
static const char default_spec[] =
	"{\"ociVersion\":\"" OCI_VERSION "\","
	"\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
	"\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
	"\"TERM=xterm\"],\"cwd\":\"/\","
	"\"capabilities\":{\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\","
	"\"CAP_NET_BIND_SERVICE\"],\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\","
	"\"CAP_NET_BIND_SERVICE\"],\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\","
	"\"CAP_NET_BIND_SERVICE\"]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
	"\"noNewPrivileges\":true},"
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	"\"hostname\":\"hull\","
	"\"mounts\":["
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
	"\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
	"\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\","
	"\"gid=5\"]},"
	"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}],"
	"\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
	"\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
	"{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"cgroup\"}],"
	"\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\","
	"\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\","
	"\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\"],"
	"\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\","
	"\"/proc/sysrq-trigger\"]}}";

static int spec_opt(int o, const char *arg, void *ud)
{
	if (o == 'b')
		*(const char **) ud = arg;
	return 0;
}

static int do_spec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"bundle", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *s = NULL, *path = NULL;
	const char *dir = ".";
	struct hull_err *e = NULL;
	int r = parse_args("spec", argc, argv, opts, "b:h", 0, 0, "[--bundle DIR]", spec_opt, &dir);

	if (r <= 0)
		return r < 0 ? 1 : 0;
	path = path_join(dir, "config.json");
	if (access(path, F_OK) == 0)
		return failf("File %s exists. Remove it first", path);
	j = json_loads(default_spec, 0, NULL);
	s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (write_file_atomic(path, s, strlen(s), 0666 & ~022, &e) < 0)
		return fail(e);
	return 0;
}

static void usage(FILE *f)
{
	fputs("Usage: hull-runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] ID\n\n"
	      "An OCI runtime with runc's command line (for containerd, dockerd and Kubernetes)\n\n"
	      "Commands:\n"
	      "  create    create a container from an OCI bundle; its process waits for start\n"
	      "  start     run the user process of a created container\n"
	      "  run       create and start a container, and wait for it (unless --detach)\n"
	      "  state     print the state of a container as JSON\n"
	      "  list      list containers (--format table|json, -q)\n"
	      "  kill      send a signal (default SIGTERM) to the container's process (--all)\n"
	      "  delete    delete a stopped container (--force: any)\n"
	      "  exec      run a new process in a container\n"
	      "  ps        list the processes of a container (--format table|json)\n"
	      "  pause     freeze every process of a container\n"
	      "  resume    thaw a paused container\n"
	      "  update    change the resource limits of a container (--resources FILE|-)\n"
	      "  features  print the features this runtime supports as JSON\n"
	      "  spec      write a default config.json\n\n"
	      "Global options:\n"
	      "  --root DIR          state directory (default " RT_ROOT_DEFAULT ")\n"
	      "  --log FILE          log to FILE (default: stderr)\n"
	      "  --log-format FMT    text or json\n"
	      "  --debug             debug logging\n"
	      "  --systemd-cgroup    (refused: systemd cgroups are not supported)\n"
	      "  -v, --version       print the version\n",
	      f);
}

int cmd_runtime(struct cli *cl, int argc, char **argv)
{
	enum {
		OPT_ROOT = 256,
		OPT_LOG,
		OPT_LOG_FORMAT,
		OPT_DEBUG,
		OPT_SYSTEMD,
		OPT_CRIU,
		OPT_ROOTLESS
	};
	static const struct option opts[] = {
		{"root", required_argument, NULL, OPT_ROOT},
		{"log", required_argument, NULL, OPT_LOG},
		{"log-format", required_argument, NULL, OPT_LOG_FORMAT},
		{"debug", no_argument, NULL, OPT_DEBUG},
		{"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
		{"rootless", required_argument, NULL, OPT_ROOTLESS},
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const char *const entering[] = {"create", "run", "exec", NULL};
	const char *log_path = NULL, *log_format = "text", *cmd;
	int o, r;

	g.root = RT_ROOT_DEFAULT;
	optind = 0;
	while ((o = cli_getopt("runtime", argc, argv, "vh", opts, true)) != -1) {
		switch (o) {
		case OPT_ROOT:
			g.root = optarg;
			break;
		case OPT_LOG:
			log_path = optarg;
			break;
		case OPT_LOG_FORMAT:
			log_format = optarg;
			break;
		case OPT_DEBUG:
			g.debug = true;
			break;
		case OPT_SYSTEMD:
			return failf("--systemd-cgroup: systemd cgroups are not supported; use "
				     "cgroupfs paths (SystemdCgroup = false in containerd)");
		case OPT_ROOTLESS:
			if (!streq(optarg, "false") && !streq(optarg, "auto"))
				return failf("--rootless %s: rootless containers are not supported",
					     optarg);
			break;
		case 'v':
			printf("hull-runtime version %s\nspec: %s\n", HULL_VERSION, OCI_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return 1;
		}
	}
	if (!streq(log_format, "text") && !streq(log_format, "json"))
		return failf("invalid log-format: %s", log_format);
	g.log_json = streq(log_format, "json");
	if (isempty(g.root))
		return failf("--root: the path may not be empty");
	if (log_path) {
		int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0 || !(g.log = fdopen(fd, "a")))
			return failf("open log file '%s': %s", log_path, strerror(errno));
	} else if (g.debug) {
		g.log = stderr;
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	cmd = argv[optind];
	if (strv_contains((char *const *) entering, cmd) && cl->argv) {
		/* the process it starts is hull until it execs: a sealed copy (runtime.h) */
		struct hull_err *e = NULL;
		if (rt_exe_seal(cl->argv, &e) < 0)
			return fail(e);
	}
	argc -= optind;
	argv += optind;
	if (streq(cmd, "create") || streq(cmd, "run"))
		r = do_create(argc, argv, streq(cmd, "run"));
	else if (streq(cmd, "start"))
		r = do_start(argc, argv);
	else if (streq(cmd, "state"))
		r = do_state(argc, argv);
	else if (streq(cmd, "list"))
		r = do_list(argc, argv);
	else if (streq(cmd, "kill"))
		r = do_kill(argc, argv);
	else if (streq(cmd, "delete"))
		r = do_delete(argc, argv);
	else if (streq(cmd, "ps"))
		r = do_ps(argc, argv);
	else if (streq(cmd, "pause") || streq(cmd, "resume"))
		r = do_freeze(argc, argv, streq(cmd, "pause"));
	else if (streq(cmd, "exec"))
		r = do_exec(argc, argv);
	else if (streq(cmd, "update"))
		r = do_update(argc, argv);
	else if (streq(cmd, "features"))
		r = do_features(argc, argv);
	else if (streq(cmd, "spec"))
		r = do_spec(argc, argv);
	else
		r = failf("No help topic for '%s'", cmd);
	fflush(stdout);
	if (g.log && g.log != stderr)
		fclose(g.log);
	return r;
}
