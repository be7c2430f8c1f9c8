/* SPDX-License-Identifier: MIT */
/*
 * docker exec: a new process in the namespaces of a running container (runc
 * libcontainer/nsenter and setnsProcess). The caller forks an intermediate
 * child that joins the container's cgroup and namespaces; since a new PID
 * namespace only applies to children, the intermediate clones the final
 * process with CLONE_PARENT, so that it is the caller's own child, reports
 * its pid and exits. The final process goes through the same lookup,
 * seccomp, identity and exec steps as a container's first process, and
 * reports on the same sync socket (runtime.c).
 *
 * The final process is visible in the container's PID namespace before it
 * execs, so nothing of the caller may be in it even briefly: the
 * intermediate makes itself non-dumpable (runc's nsexec does, after
 * CVE-2016-9962: the container's root, which lacks CAP_SYS_PTRACE, cannot
 * open /proc/PID/fd/N of it), puts @c->stdio (or the container's /dev/null)
 * on 0-2 and closes every other fd but the sync socket before it clones.
 */
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime/rt-internal.h"
#include "util/fs.h"

_noreturn_ static void fail(int fd, struct hull_err *e, int r)
{
	rt_msg_send_err(fd, e, r);
	_exit(125);
}

_noreturn_ static void exec_final(const struct rt_config *ic, int fd, int csock)
{
	struct hull_err *e = NULL;
	struct rt_config fc = *ic;
	const struct rt_config *c = &fc;
	const char *cwd = isempty(c->cwd) ? "/" : c->cwd;
	char *path = NULL;
	int r;

	/* the intermediate put them on 0-2 already; here: the session and the terminal */
	fc.stdio[0] = 0;
	fc.stdio[1] = 1;
	fc.stdio[2] = 2;
	r = rt_setup_stdio(c, &e);
	if (r == 0 && csock >= 0)
		r = rt_console_setup(c, csock, false, &e);
	if (r < 0)
		fail(fd, e, r);
	if (chdir(cwd) < 0) {
		/* unlike create's, exec's directory is not made: runc's setns init
		 * fails (init_linux.go finalizeNamespace), so docker exec -w fails */
		r = err_set(&e, errno, "chdir to cwd (\"%s\") set in config.json failed", cwd);
		err_set_exit(&e, 126);
		fail(fd, e, r);
	}
	r = rt_lookup(c, &path, &e);
	if (r < 0)
		fail(fd, e, r);
	r = rt_seccomp_apply(c->seccomp, &e);
	if (r < 0)
		fail(fd, e, r);
	r = rt_identity_apply(c, &e);
	if (r < 0)
		fail(fd, e, r);
	rt_exec_final(fd, c, path);
}

/* Close every fd above 2 but @a and @b (> 2; @b may be -1). */
static int close_fds_except(int a, int b)
{
	int lo = b < 0 || a < b ? a : b, hi = b < 0 ? a : (a < b ? b : a);

	if (lo > 3 && syscall(SYS_close_range, 3U, (unsigned) lo - 1, 0U) < 0)
		return -1;
	if (hi > lo + 1 && syscall(SYS_close_range, (unsigned) lo + 1, (unsigned) hi - 1, 0U) < 0)
		return -1;
	return (int) syscall(SYS_close_range, (unsigned) hi + 1, ~0U, 0U);
}

_noreturn_ static void exec_intermediate(int pidfd, char *const *cgroup_dirs,
					 const struct rt_config *c, int fd, int csock, bool userns)
{
	struct hull_err *e = NULL;
	struct rt_msg m = {.type = RT_MSG_PID};
	int r;
	pid_t pid;

	/* reset by the final execve (the container's binary is not setuid to it) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(fd, e, err_set(&e, errno, "make the exec process non-dumpable"));
	rt_reset_signals();
	r = rt_cgroup_enter(cgroup_dirs, getpid(), &e);
	if (r < 0)
		fail(fd, e, r);
	/* the user namespace too when the container has one (the kernel enters it first);
	 * joining our own again would fail */
	if (setns(pidfd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID |
				 CLONE_NEWCGROUP | (userns ? CLONE_NEWUSER : 0)) < 0)
		fail(fd, e, err_set(&e, errno, "join the container's namespaces"));
	(void) close(pidfd);
	/* our host ids are not mapped there: its root until the process's own user */
	if (userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		fail(fd, e, err_set(&e, errno, "become root of the container's user namespace"));
	if (userns)
		(void) setgroups(0, NULL);
	/* in the container's mount namespace now: its /dev/null for an fd < 0 */
	r = rt_stdio_dup(c->stdio, &e);
	if (r < 0)
		fail(fd, e, r);
	if (fd < 3 || (csock >= 0 && csock < 3) || close_fds_except(fd, csock) < 0)
		fail(fd, e, err_set(&e, errno, "close the caller's fds"));
	pid = rt_clone(CLONE_PARENT);
	if (pid < 0)
		fail(fd, e, err_set(&e, errno, "clone the exec process"));
	if (pid == 0)
		exec_final(c, fd, csock);
	m.errnum = (int32_t) pid;
	(void) send(fd, &m, sizeof(m), MSG_NOSIGNAL);
	_exit(0);
}

int rt_exec(pid_t target, char *const *cgroup_dirs, const struct rt_config *c, pid_t *ret_pid,
	    struct hull_err **err)
{
	_cleanup_close_ int pidfd = -1, parent_fd = -1, csock = -1;
	struct hull_err *child_err = NULL;
	struct rt_msg m;
	pid_t mid, pid = 0;
	bool userns;
	int sv[2], r;

	pidfd = (int) syscall(SYS_pidfd_open, target, 0);
	if (pidfd < 0) {
		if (errno == ESRCH)
			return err_setx(err, ESRCH, "container process %d is not running",
					(int) target);
		return err_set(err, errno, "open the container process %d", (int) target);
	}
	/* a user namespace other than ours (hull runtime's containers with one) */
	{
		_cleanup_free_ char *path = xasprintf("/proc/%d/ns/user", (int) target);
		struct stat a, b;

		userns = stat(path, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 &&
			 (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
	}
	/* --console-socket: connected here, on the caller's side of the namespaces */
	if (c->terminal && c->console_socket &&
	    (r = rt_console_connect(c->console_socket, &csock, err)) < 0)
		return r;
	/* or the caller's socket pair (a foreground exec -t) */
	if (c->terminal && !c->console_socket && c->console_sock_fd > 2) {
		csock = fcntl(c->console_sock_fd, F_DUPFD_CLOEXEC, 3);
		if (csock < 0)
			return err_set(err, errno, "duplicate the console socket");
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(err, errno, "create sync socket");
	parent_fd = sv[0];
	mid = rt_clone(0);
	if (mid < 0) {
		r = errno;
		(void) close(sv[1]);
		return err_set(err, r, "clone exec process");
	}
	if (mid == 0) {
		(void) close(sv[0]);
		exec_intermediate(pidfd, cgroup_dirs, c, sv[1], csock, userns);
	}
	(void) close(sv[1]);

	/* Until EOF: the pid from the intermediate and maybe an error from either. */
	for (;;) {
		r = rt_msg_recv(parent_fd, &m);
		if (r <= 0)
			break;
		if (m.type == RT_MSG_PID)
			pid = (pid_t) m.errnum;
		else if (m.type == RT_MSG_ERROR && !child_err)
			(void) rt_msg_to_err(&m, &child_err);
	}
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	if (child_err || r < 0 || pid <= 0) {
		if (pid > 0) {
			(void) kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		if (child_err) {
			int code = child_err->exit_code;
			r = err_setx(err, child_err->code, "%s", child_err->msg);
			if (code)
				err_set_exit(err, code);
			err_free(child_err);
			return r;
		}
		if (r < 0)
			return err_set(err, -r, "read from exec process");
		return err_setx(err, EIO, "exec process died during setup");
	}
	*ret_pid = pid;
	return 0;
}
