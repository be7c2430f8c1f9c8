/* SPDX-License-Identifier: MIT */
/*
 * Process life: clone into new namespaces, the sync protocol between the
 * parent and the waiting child, the command lookup and the final exec.
 *
 * Sync protocol (a SOCK_SEQPACKET socketpair, both ends CLOEXEC):
 *   child -> parent  READY, or ERROR with errno, exit code and message
 *   parent -> child  GO (one byte); EOF instead makes the child exit quietly
 *   child -> parent  ERROR if it fails before exec; EOF (the CLOEXEC end
 *                    closed by a successful execve) means "started"
 *
 * With a user namespace (rt_userns()) an intermediate process comes first, as
 * runc's nsexec stage 1: it opens hull's own files while it is still host
 * root, joins the namespaces given by path (the user one first), makes the
 * new user namespace with unshare() and asks for its maps
 *   intermediate -> parent  USERMAP; the parent writes uid_map and gid_map
 *   parent -> intermediate  one byte
 * becomes uid and gid 0 in it, clones the container's process with
 * CLONE_PARENT (so that it is the caller's child, in namespaces owned by the
 * user namespace), sends PID with its pid and exits. The process then goes
 * on as above on the same socket.
 */
#include <ctype.h>
#include <inttypes.h>
#include <fcntl.h>
#include <sched.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>

#include "runtime/rt-internal.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void rt_msg_send_err(int fd, const struct hull_err *e, int r)
{
	struct rt_msg m = {.type = RT_MSG_ERROR};

	m.errnum = e ? e->code : -r;
	m.exit_code = e ? e->exit_code : 0;
	(void) snprintf(m.text, sizeof(m.text), "%s", e && e->msg ? e->msg : strerror(-r));
	(void) send(fd, &m, sizeof(m), MSG_NOSIGNAL);
}

_noreturn_ static void child_fail(int fd, struct hull_err *e, int r)
{
	rt_msg_send_err(fd, e, r);
	_exit(125);
}

int rt_stdio_dup(const int stdio[3], struct hull_err **err)
{
	int tmp[3] = {-1, -1, -1};

	for (int i = 0; i < 3; i++) {
		if (stdio[i] >= 0) {
			tmp[i] = fcntl(stdio[i], F_DUPFD_CLOEXEC, 3);
		} else {
			/* above 2 too: it may be given a free number below 3 */
			int nfd = open("/dev/null", O_RDWR | O_CLOEXEC);
			tmp[i] = nfd < 0 ? -1 : fcntl(nfd, F_DUPFD_CLOEXEC, 3);
			if (nfd >= 0)
				(void) close(nfd);
		}
		if (tmp[i] < 0) {
			int e = errno;
			for (int k = 0; k < i; k++)
				(void) close(tmp[k]);
			return err_set(err, e, "set up stdio fd %d", i);
		}
	}
	for (int i = 0; i < 3; i++) {
		if (dup2(tmp[i], i) < 0)
			return err_set(err, errno, "dup2 stdio fd %d", i);
		(void) close(tmp[i]);
	}
	return 0;
}

int rt_setup_stdio(const struct rt_config *c, struct hull_err **err)
{
	int r = rt_stdio_dup(c->stdio, err);

	if (r < 0)
		return r;
	if (setsid() < 0)
		return err_set(err, errno, "setsid");
	if (c->terminal && !c->console_socket && c->console_sock_fd <= 2 &&
	    ioctl(0, TIOCSCTTY, 0) < 0)
		return err_set(err, errno, "set controlling terminal");
	return 0;
}

int rt_console_connect(const char *path, int *ret_fd, struct hull_err **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_setx(err, ENAMETOOLONG, "console socket path '%s' is too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
		return err_set(err, errno, "connect to console socket '%s'", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int rt_send_fd(int sock, int fd, const char *name, struct hull_err **err)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = (void *) name, .iov_len = strlen(name)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		return err_set(err, errno, "send '%s' over the console socket", name);
	return 0;
}

int rt_console_setup(const struct rt_config *c, int sock, bool bind_console, struct hull_err **err)
{
	_cleanup_close_ int master = -1, slave = -1, cons = -1;
	char name[64];
	int unlock = 0, n = -1, r;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return err_set(err, errno, "open '/dev/ptmx'");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		return err_set(err, errno, "unlock the pty");
	(void) snprintf(name, sizeof(name), "/dev/pts/%d", n);
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return err_set(err, errno, "open '%s'", name);
	if (c->console_rows && c->console_cols) {
		struct winsize ws = {.ws_row = c->console_rows, .ws_col = c->console_cols};
		(void) ioctl(master, TIOCSWINSZ, &ws);
	}
	if (bind_console) {
		cons = open("/dev/console", O_CREAT | O_WRONLY | O_NOCTTY | O_CLOEXEC, 0600);
		if (cons < 0 || mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0)
			return err_set(err, errno, "bind '%s' on '/dev/console'", name);
	}
	r = rt_send_fd(sock, master, name, err);
	(void) close(sock);
	if (r < 0)
		return r;
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return err_set(err, errno, "dup2 the pty to fd %d", i);
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		return err_set(err, errno, "set controlling terminal");
	return 0;
}

/* strerror() as Go prints it: lower case ("no such file or directory"). */
static const char *go_strerror(int e, char buf[static 128])
{
	(void) snprintf(buf, 128, "%s", strerror(e));
	buf[0] = (char) tolower((unsigned char) buf[0]);
	return buf;
}

/*
 * Resolve args[0] as runc does with Go's exec.LookPath, with docker's
 * wording and exit codes (spec/cmd-entrypoint.md section 5).
 */
int rt_lookup(const struct rt_config *c, char **ret, struct hull_err **err)
{
	const char *name = c->args && c->args[0] ? c->args[0] : "";
	char buf[128];
	struct stat st;
	int r;

	if (!strchr(name, '/')) {
		char *p = lookup_path(NULL, name, strv_env_get(c->env, "PATH"));
		if (!p) {
			r = err_setx(err, ENOENT,
				     "exec: \"%s\": executable file not found in $PATH", name);
			err_set_exit(err, 127);
			return r;
		}
		*ret = p;
		return 0;
	}
	if (stat(name, &st) < 0) {
		int e = errno;
		r = err_setx(err, e, "exec: \"%s\": stat %s: %s", name, name, go_strerror(e, buf));
		err_set_exit(err, (e == ENOENT || e == ENOTDIR) ? 127 : 126);
		return r;
	}
	if (S_ISDIR(st.st_mode) || access(name, X_OK) < 0) {
		/* Go >= 1.20 says "is a directory"; the daemon appends permission denied. */
		r = err_setx(err, EACCES, "exec: \"%s\": permission denied", name);
		err_set_exit(err, 126);
		return r;
	}
	*ret = xstrdup(name);
	return 0;
}

void rt_reset_signals(void)
{
	/* The kernel's struct sigaction: glibc refuses its own signals 32 and 33, which a
	 * caller may still have ignored, and an ignored signal survives execve. */
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} ksa = {0};
	sigset_t all;

	for (int s = 1; s < NSIG; s++)
		(void) syscall(SYS_rt_sigaction, s, &ksa, NULL,
			       sizeof(uint64_t)); /* KILL, STOP: EINVAL */
	sigemptyset(&all);
	(void) sigprocmask(SIG_SETMASK, &all, NULL);
}

_noreturn_ void rt_exec_final(int fd, const struct rt_config *c, const char *path)
{
	struct hull_err *e = NULL;
	int r;

	(void) umask(c->has_umask ? c->umask & 0777 : 0022);
	/* Leaked fds of the caller must not reach the container, but those it passes on. */
	(void) syscall(SYS_close_range, 3U + c->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
	for (unsigned i = 0; i < c->preserve_fds; i++)
		(void) fcntl(3 + (int) i, F_SETFD, 0);
	rt_reset_signals();

	execve(path, c->args, c->env ? c->env : (char *[]){NULL});

	r = errno;
	if (r == ENOEXEC || r == ENOENT) {
		/* runc reports these after "start" succeeded, on the container's stderr. */
		char buf[4096];
		int len;

		(void) close(fd);
		len = snprintf(buf, sizeof(buf), "exec %s: %s\n", path,
			       r == ENOEXEC ? "exec format error" : "no such file or directory");
		if (len > (int) sizeof(buf) - 1)
			len = (int) sizeof(buf) - 1;
		(void) !write(2, buf, (size_t) len);
		_exit(1);
	}
	{
		char buf[128];

		r = err_setx(&e, r, "exec: \"%s\": %s", c->args[0], go_strerror(r, buf));
	}
	err_set_exit(&e, (-r == EACCES || -r == EISDIR) ? 126 : 0);
	child_fail(fd, e, r);
}

static const char *last_component(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void fifo_wait_signal(int sig)
{
	_exit(128 + sig);
}

/* Namespaces the child joins, opened by the parent (-1: none). */
struct join_fds {
	int ipc, uts, cgroup, mnt;
	int user, net; /* user namespaces: joined by the intermediate process */
	bool joined;   /* the intermediate process joined them all (@c->netns_path too) */
};

/* setns() to @nsfd (if any) and close it; the error names @what. */
static int join_ns(int nsfd, int type, const char *what, struct hull_err **err)
{
	if (nsfd < 0)
		return 0;
	if (setns(nsfd, type) < 0)
		return err_set(err, errno, "join the %s", what);
	(void) close(nsfd);
	return 0;
}

_noreturn_ static void child_main(const struct rt_config *c, int fd, const struct join_fds *j,
				  const struct rt_binds *pre)
{
	struct hull_err *e = NULL;
	struct rt_binds b = pre ? *pre : (struct rt_binds) RT_BINDS_INIT;
	struct rt_msg m = {.type = RT_MSG_READY};
	char *path = NULL, *placed = NULL;
	char go;
	ssize_t n;
	int r;

	/*
	 * Until it execs the container's program, this process is hull: no
	 * process of the container may open its /proc/PID/exe or ptrace it
	 * (CVE-2019-5736; execve makes the new program dumpable again).
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		child_fail(fd, e, err_set(&e, errno, "prctl PR_SET_DUMPABLE"));
	/* The caller's handlers were copied with its memory; they must not run here. */
	rt_reset_signals();
	if (c->netns_path && !j->joined) {
		int nfd = open(c->netns_path, O_RDONLY | O_CLOEXEC);

		if (nfd < 0 || setns(nfd, CLONE_NEWNET) < 0)
			child_fail(fd, e,
				   err_set(&e, errno, "join the network namespace '%s'",
					   c->netns_path));
		(void) close(nfd);
	}
	/* --ipc container:NAME: its IPC namespace, before anything is made in ours */
	if ((r = join_ns(j->ipc, CLONE_NEWIPC, "IPC namespace", &e)) < 0 ||
	    (r = join_ns(j->uts, CLONE_NEWUTS, "UTS namespace", &e)) < 0 ||
	    (r = join_ns(j->mnt, CLONE_NEWNS, "mount namespace", &e)) < 0)
		child_fail(fd, e, r);
	r = rt_setup_stdio(c, &e);
	if (r < 0)
		child_fail(fd, e, r);
	if (c->host_mnt_ns) {
		r = rt_rootfs_chroot(c, &b, &e);
	} else {
		r = rt_rootfs_prepare(c, &b, &e);
		if (r == 0)
			r = rt_rootfs_finish(c, &b, &e);
	}
	if (r < 0)
		child_fail(fd, e, r);
	/* the host's /dev/null held the places of the fds < 0 so far: now the container's
	 * own (its /dev is mounted), as the process would open it itself */
	for (int i = 0; i < 3; i++) {
		int nfd;
		if (c->stdio[i] >= 0 || (nfd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
			continue;
		(void) dup2(nfd, i);
		(void) close(nfd);
	}
	if (b.console_sock >= 0) {
		r = rt_console_setup(c, b.console_sock, true, &e);
		if (r < 0)
			child_fail(fd, e, r);
	}
	if ((!c->host_uts || c->uts_ns_path) && !isempty(c->hostname) &&
	    sethostname(c->hostname, strlen(c->hostname)) < 0)
		child_fail(fd, e, err_set(&e, errno, "set hostname '%s'", c->hostname));
	/* runc joins an anonymous session keyring, so the host's is not shared */
	if (c->new_keyring && syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, NULL) < 0 &&
	    errno != ENOSYS)
		child_fail(fd, e, err_set(&e, errno, "join a new session keyring"));
	r = rt_lookup(c, &path, &e);
	if (r < 0)
		child_fail(fd, e, r);
	r = rt_rlimits_apply(c, &e);
	if (r < 0)
		child_fail(fd, e, r);

	if (send(fd, &m, sizeof(m), MSG_NOSIGNAL) < 0)
		_exit(125);
	do
		n = recv(fd, &go, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		_exit(125); /* the parent gave up: never run the command */
	/* the hierarchies the caller placed us in, as the host sees them (rt_cgroup_mount()) */
	if (c->cgroup_mount && !c->host_mnt_ns &&
	    (r = read_file("/proc/self/cgroup", 1 << 16, &placed, NULL, &e)) < 0)
		child_fail(fd, e, r);
	/* now that the caller moved us into our cgroups, they are our cgroup root */
	if (j->cgroup >= 0) {
		if ((r = join_ns(j->cgroup, CLONE_NEWCGROUP, "cgroup namespace", &e)) < 0)
			child_fail(fd, e, r);
	} else if (c->cgroup_ns && unshare(CLONE_NEWCGROUP) < 0) {
		child_fail(fd, e, err_set(&e, errno, "create a cgroup namespace"));
	}
	if (c->cgroup_mount && !c->host_mnt_ns && (r = rt_cgroup_mount(c, placed, &e)) < 0)
		child_fail(fd, e, r);
	if ((r = rt_root_propagation_apply(c, &e)) < 0)
		child_fail(fd, e, r);

	r = rt_seccomp_apply(c->seccomp, &e);
	if (r < 0)
		child_fail(fd, e, r);
	r = rt_identity_apply(c, &e);
	if (r < 0)
		child_fail(fd, e, r);
	if (b.fifo_fd >= 0 || b.fifo_dir >= 0) {
		/* runc's exec fifo: the caller leaves; `start` opens the other end */
		char fdpath[64];
		int ffd;

		struct sigaction sa = {.sa_handler = fifo_wait_signal};

		/* PID 1 of its namespace ignores signals it has no handler for: while it
		 * waits, a `kill` of the created container (TERM, INT, HUP) ends it, as it
		 * ends runc's init; the handlers go at exec (rt_exec_final) */
		(void) sigaction(SIGTERM, &sa, NULL);
		(void) sigaction(SIGINT, &sa, NULL);
		(void) sigaction(SIGHUP, &sa, NULL);
		m.type = RT_MSG_FIFO;
		(void) send(fd, &m, sizeof(m), MSG_NOSIGNAL);
		(void) snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", b.fifo_fd);
		do
			ffd = b.fifo_dir >= 0 ? openat(b.fifo_dir, last_component(c->exec_fifo),
						       O_WRONLY | O_CLOEXEC)
					      : open(fdpath, O_WRONLY | O_CLOEXEC);
		while (ffd < 0 && errno == EINTR);
		if (ffd < 0 || write(ffd, "0", 1) != 1)
			_exit(125);
		/* ffd stays open until the exec closes it (CLOEXEC): `start` reads to
		 * that EOF, so its poststart hooks run once the program runs */
		if (b.fifo_fd >= 0)
			(void) close(b.fifo_fd);
		if (b.fifo_dir >= 0)
			(void) close(b.fifo_dir);
	}
	if (c->n_start_hooks) {
		/* startContainer: in the container, as the process is now (runc's init) */
		_cleanup_json_ json_t *st =
			json_loads(c->hook_state ? c->hook_state : "{}", 0, NULL);
		_cleanup_free_ char *text = NULL;

		json_object_set_new(st, "pid", json_integer(getpid()));
		text = json_dumps(st, JSON_COMPACT);
		r = rt_hooks_run(c->start_hooks, c->n_start_hooks, "startContainer",
				 text ? text : "{}", &e);
		if (r < 0) {
			dprintf(2, "%s\n", e->msg);
			_exit(1);
		}
	}
	rt_exec_final(fd, c, path);
}

pid_t rt_clone(unsigned long flags)
{
	/* with CLONE_PARENT the child signals our parent with our own exit signal */
	struct clone_args ca = {.flags = flags,
				.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD};
	long pid;

	/* Raw clone without CLONE_VM: the child continues on a copy of this stack, like fork. */
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0 && (errno == ENOSYS || errno == EPERM))
		pid = syscall(SYS_clone, flags | ((flags & CLONE_PARENT) ? 0 : SIGCHLD), 0, NULL,
			      NULL, 0);
	return (pid_t) pid;
}

/* Whether the file of @fd is the one at @path. */
static bool same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/*
 * The intermediate process of a container with a user namespace (see the top
 * of this file); @flags are the namespaces to make for the container's
 * process, which it clones with them once it is root of the user namespace.
 */
_noreturn_ static void userns_intermediate(const struct rt_config *c, int fd,
					   const struct join_fds *j, unsigned long flags)
{
	struct join_fds none = {.ipc = -1,
				.uts = -1,
				.cgroup = -1,
				.mnt = -1,
				.user = -1,
				.net = -1,
				.joined = true};
	struct rt_binds pre = RT_BINDS_INIT;
	struct rt_msg m = {.type = RT_MSG_PID};
	struct hull_err *e = NULL;
	char ack;
	ssize_t n;
	pid_t pid;
	int r;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		child_fail(fd, e, err_set(&e, errno, "prctl PR_SET_DUMPABLE"));
	rt_reset_signals();
	/* below hull's own state directory (0700): the mapped root could not reach them */
	if (c->exec_fifo) {
		pre.fifo_fd = open(c->exec_fifo, O_PATH | O_CLOEXEC);
		if (pre.fifo_fd < 0)
			child_fail(fd, e, err_set(&e, errno, "open exec fifo '%s'", c->exec_fifo));
	}
	if (c->terminal && c->console_socket &&
	    (r = rt_console_connect(c->console_socket, &pre.console_sock, &e)) < 0)
		child_fail(fd, e, r);
	/* the user namespace first, as runc orders them: the others must be its own
	 * (ours, named by path, is not joined again: the kernel refuses that) */
	if (j->user >= 0 && !same_file(j->user, "/proc/self/ns/user") &&
	    setns(j->user, CLONE_NEWUSER) < 0)
		child_fail(fd, e,
			   err_set(&e, errno, "join the user namespace '%s'", c->user_ns_path));
	if ((r = join_ns(j->net, CLONE_NEWNET, "network namespace", &e)) < 0 ||
	    (r = join_ns(j->ipc, CLONE_NEWIPC, "IPC namespace", &e)) < 0 ||
	    (r = join_ns(j->uts, CLONE_NEWUTS, "UTS namespace", &e)) < 0 ||
	    (r = join_ns(j->cgroup, CLONE_NEWCGROUP, "cgroup namespace", &e)) < 0 ||
	    (r = join_ns(j->mnt, CLONE_NEWNS, "mount namespace", &e)) < 0)
		child_fail(fd, e, r);
	if (c->new_userns) {
		if (unshare(CLONE_NEWUSER) < 0)
			child_fail(fd, e, err_set(&e, errno, "create a user namespace"));
		m.type = RT_MSG_USERMAP;
		if (send(fd, &m, sizeof(m), MSG_NOSIGNAL) < 0)
			_exit(125);
		do
			n = recv(fd, &ack, 1, 0);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			_exit(125); /* the parent failed to write the maps and reports it */
		m.type = RT_MSG_PID;
	}
	/* root of the namespace, so that what the process makes belongs to the mapped root */
	if (setresgid(0, 0, 0) < 0)
		child_fail(
			fd, e,
			err_set(&e, errno, "become gid 0 of the user namespace (is it mapped?)"));
	if (setresuid(0, 0, 0) < 0)
		child_fail(
			fd, e,
			err_set(&e, errno, "become uid 0 of the user namespace (is it mapped?)"));
	/* EPERM where a joined namespace denies setgroups: the process's own fails later */
	(void) setgroups(0, NULL);
	pid = rt_clone(flags | CLONE_PARENT);
	if (pid < 0)
		child_fail(fd, e, err_set(&e, errno, "clone container process"));
	if (pid == 0)
		child_main(c, fd, &none, &pre);
	m.errnum = (int32_t) pid;
	(void) send(fd, &m, sizeof(m), MSG_NOSIGNAL);
	_exit(0);
}

/* Write @n ranges of @map to /proc/@pid/@name (uid_map, gid_map) in one write, as the kernel
 * wants them. */
static int write_id_map(pid_t pid, const char *name, const struct rt_id_map *map, size_t n,
			struct hull_err **err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int) pid, name);
	_cleanup_close_ int fd = -1;
	ssize_t k;

	for (size_t i = 0; i < n; i++)
		(void) strbuf_addf(&sb, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
				   map[i].container_id, map[i].host_id, map[i].size);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", path);
	k = write(fd, sb.buf ? sb.buf : "", sb.len);
	if (k < 0)
		return err_set(err, errno, "write the user namespace's %s '%s'", name, path);
	if ((size_t) k != sb.len)
		return err_setx(err, EIO, "write the user namespace's %s '%s': short write", name,
				path);
	return 0;
}

static void reap(pid_t pid, int *ret_status)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (ret_status)
		*ret_status = st;
}

/* Read one message; 0 on EOF, 1 on a message, negative errno. */
int rt_msg_recv(int fd, struct rt_msg *m)
{
	ssize_t n;

	memset(m, 0, sizeof(*m));
	do
		n = recv(fd, m, sizeof(*m), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if ((size_t) n < offsetof(struct rt_msg, text))
		return -EPROTO;
	m->text[sizeof(m->text) - 1] = '\0';
	return 1;
}

int rt_msg_to_err(const struct rt_msg *m, struct hull_err **err)
{
	int r = err_setx(err, m->errnum > 0 ? m->errnum : EIO, "%s", m->text);

	if (m->exit_code)
		err_set_exit(err, m->exit_code);
	return r;
}

/*
 * User namespaces: talk to the intermediate process @mid until the pid of the
 * container's process is known (*@ret_pid), writing the maps it asks for.
 * A READY of the process that overtakes the pid sets *@ret_ready. On failure
 * the process, if it was cloned, is killed and reaped.
 */
static int userns_sync(const struct rt_config *c, pid_t mid, int fd, pid_t *ret_pid,
		       bool *ret_ready, struct hull_err **err)
{
	_cleanup_err_ struct hull_err *fe = NULL;
	struct rt_msg m;
	pid_t pid = 0;
	int r = 0, k;

	for (;;) {
		k = rt_msg_recv(fd, &m);
		if (k <= 0)
			break;
		if (m.type == RT_MSG_USERMAP && r == 0) {
			char ack = 'm';

			r = write_id_map(mid, "uid_map", c->uid_map, c->n_uid_map, &fe);
			if (r == 0)
				r = write_id_map(mid, "gid_map", c->gid_map, c->n_gid_map, &fe);
			if (r < 0)
				break; /* the intermediate sees EOF once we close and kill it */
			(void) send(fd, &ack, 1, MSG_NOSIGNAL);
		} else if (m.type == RT_MSG_PID) {
			pid = (pid_t) m.errnum;
			if (r == 0)
				break;
		} else if (m.type == RT_MSG_ERROR && r == 0) {
			r = rt_msg_to_err(&m, &fe);
		} else if (m.type == RT_MSG_READY) {
			*ret_ready = true;
		}
	}
	if (r == 0 && pid > 0) {
		*ret_pid = pid;
		return 0;
	}
	if (pid > 0) {
		(void) kill(pid, SIGKILL);
		reap(pid, NULL);
	}
	if (r < 0) {
		if (err && !*err)
			*err = TAKE_PTR(fe);
		return r;
	}
	if (k < 0)
		return err_set(err, -k, "read from container process");
	return err_setx(err, EIO, "container process died during setup");
}

int rt_create(const struct rt_config *c, struct rt_process **ret, struct hull_err **err)
{
	/* a mount namespace joined by path replaces the new one at once: none is made */
	unsigned long flags = c->mnt_ns_path || c->host_mnt_ns ? 0 : CLONE_NEWNS;
	_cleanup_close_ int parent_fd = -1, own_pidns = -1, join_pidns = -1, join_ipcns = -1;
	_cleanup_close_ int join_uts = -1, join_cgroup = -1, join_mnt = -1, join_user = -1;
	_cleanup_close_ int join_net = -1;
	struct join_fds j;
	_cleanup_err_ struct hull_err *ce = NULL;
	struct rt_process *p;
	struct rt_msg m;
	bool userns = rt_userns(c), ready = false;
	int sv[2], st, r, cr = 0;
	pid_t pid, mid = 0;

	if (!c->rootfs || (c->lowerdirs && (!c->lowerdirs[0] || !c->upperdir || !c->workdir)))
		return err_setx(err, EINVAL,
				"runtime: rootfs, lower, upper and work directories are required");
	if (c->new_userns && (!c->n_uid_map || !c->n_gid_map))
		return err_setx(err, EINVAL,
				"runtime: a new user namespace needs uid and gid maps");
	if (c->new_netns)
		flags |= CLONE_NEWNET;
	if (c->pid_ns == 0 && !c->pid_ns_path)
		flags |= CLONE_NEWPID;
	if (c->ipc_ns == 0 && !c->ipc_ns_path)
		flags |= CLONE_NEWIPC;
	if (!c->host_uts && !c->uts_ns_path)
		flags |= CLONE_NEWUTS;
	{
		const struct {
			const char *path;
			int *fd;
		} by_path[] = {{c->pid_ns_path, &join_pidns},
			       {c->ipc_ns_path, &join_ipcns},
			       {c->uts_ns_path, &join_uts},
			       {c->cgroup_ns_path, &join_cgroup},
			       {c->mnt_ns_path, &join_mnt},
			       {c->user_ns_path, &join_user},
			       {userns ? c->netns_path : NULL, &join_net}};

		for (size_t i = 0; i < ARRAY_SIZE(by_path); i++) {
			if (!by_path[i].path)
				continue;
			*by_path[i].fd = open(by_path[i].path, O_RDONLY | O_CLOEXEC);
			if (*by_path[i].fd < 0)
				return err_set(err, errno, "open namespace '%s'", by_path[i].path);
		}
		if (c->pid_ns_path) {
			own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
			if (own_pidns < 0)
				return err_set(err, errno, "open our PID namespace");
		}
	}
	if (c->pid_ns > 0 && !c->pid_ns_path) {
		/* a PID namespace is only entered by children: ours is set for the clone */
		own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		join_pidns = (int) syscall(SYS_pidfd_open, c->pid_ns, 0);
		if (own_pidns < 0 || join_pidns < 0)
			return err_set(err, errno, "open the PID namespace of process %d",
				       (int) c->pid_ns);
	}
	if (c->ipc_ns > 0 && !c->ipc_ns_path) {
		/* opened here: the child's PID namespace may not see the process */
		join_ipcns = (int) syscall(SYS_pidfd_open, c->ipc_ns, 0);
		if (join_ipcns < 0)
			return err_set(err, errno, "open the IPC namespace of process %d",
				       (int) c->ipc_ns);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(err, errno, "create sync socket");
	parent_fd = sv[0];

	if (join_pidns >= 0 && setns(join_pidns, CLONE_NEWPID) < 0) {
		r = errno;
		(void) close(sv[1]);
		if (c->pid_ns_path)
			return err_set(err, r, "join the PID namespace '%s'", c->pid_ns_path);
		return err_set(err, r, "join the PID namespace of process %d", (int) c->pid_ns);
	}
	j = (struct join_fds){.ipc = join_ipcns,
			      .uts = join_uts,
			      .cgroup = join_cgroup,
			      .mnt = join_mnt,
			      .user = join_user,
			      .net = join_net};
	/* with a user namespace, the intermediate process clones the container's (CLONE_PARENT) */
	pid = rt_clone(userns ? 0 : flags);
	r = errno;
	/* back to our own for later children (the child is in the other one for good) */
	if (pid != 0 && own_pidns >= 0 && setns(own_pidns, CLONE_NEWPID) < 0)
		abort(); /* our own namespace cannot be gone */
	if (pid < 0) {
		(void) close(sv[1]);
		return err_set(err, r, "clone container process");
	}
	if (pid == 0) {
		(void) close(sv[0]);
		if (userns)
			userns_intermediate(c, sv[1], &j, flags);
		child_main(c, sv[1], &j, NULL);
	}
	(void) close(sv[1]);
	if (userns) {
		mid = pid;
		r = userns_sync(c, mid, parent_fd, &pid, &ready, err);
		if (r < 0)
			(void) kill(mid, SIGKILL);
		reap(mid, NULL);
		if (r < 0)
			return r;
	}

	/* the child waits for GO after READY: it cannot run anything before this is done */
	if (c->on_clone)
		cr = c->on_clone(pid, c->on_clone_arg, &ce);
	if (ready) {
		memset(&m, 0, sizeof(m));
		m.type = RT_MSG_READY;
		r = 1;
	} else {
		r = rt_msg_recv(parent_fd, &m);
	}
	if (r == 1 && m.type == RT_MSG_READY && cr == 0) {
		p = xcalloc(1, sizeof(*p));
		p->pid = pid;
		p->sync_fd = TAKE_FD(parent_fd);
		*ret = p;
		return 0;
	}
	(void) kill(pid, SIGKILL);
	reap(pid, &st);
	if (r == 1 && m.type == RT_MSG_READY) {
		/* the child got ready: the caller's failure is the cause */
		if (err && !*err)
			*err = TAKE_PTR(ce);
		return cr;
	}
	if (r == 1)
		return rt_msg_to_err(&m, err);
	if (r < 0)
		return err_set(err, -r, "read from container process");
	return err_setx(err, EIO, "container process died during setup (status 0x%x)", st);
}

/*
 * Send GO and read the child's answer into *@m (*@ret_recv: rt_msg_recv()'s result);
 * the sync socket is closed after. Negative with *@err set when GO could not be sent.
 */
static int send_go(struct rt_process *p, struct rt_msg *m, int *ret_recv, struct hull_err **err)
{
	char go = 'g';
	int r;

	if (p->sync_fd < 0)
		return err_setx(err, EINVAL, "container process already started");
	if (send(p->sync_fd, &go, 1, MSG_NOSIGNAL) < 0) {
		r = errno;
		(void) kill(p->pid, SIGKILL);
		reap(p->pid, NULL);
		return err_set(err, r, "start container process");
	}
	*ret_recv = rt_msg_recv(p->sync_fd, m);
	(void) close(p->sync_fd);
	p->sync_fd = -1;
	return 0;
}

int rt_start(struct rt_process *p, struct hull_err **err)
{
	struct rt_msg m;
	int r = 0, k = send_go(p, &m, &r, err);

	if (k < 0)
		return k;
	if (r == 0)
		return 0; /* execve closed the CLOEXEC end: running */
	reap(p->pid, NULL);
	if (r < 0)
		return err_set(err, -r, "read from container process");
	return rt_msg_to_err(&m, err);
}

int rt_start_fifo(struct rt_process *p, struct hull_err **err)
{
	struct rt_msg m;
	int r = 0, k = send_go(p, &m, &r, err);

	if (k < 0)
		return k;
	if (r == 1 && m.type == RT_MSG_FIFO)
		return 0;
	(void) kill(p->pid, SIGKILL);
	reap(p->pid, NULL);
	if (r == 1 && m.type == RT_MSG_ERROR)
		return rt_msg_to_err(&m, err);
	if (r < 0)
		return err_set(err, -r, "read from container process");
	return err_setx(err, EIO, "container process died before it waited on its exec fifo");
}

struct rt_process *rt_process_free(struct rt_process *p)
{
	if (!p)
		return NULL;
	if (p->sync_fd >= 0)
		(void) close(p->sync_fd);
	free(p);
	return NULL;
}
