/* SPDX-License-Identifier: MIT */
/*
 * Internals of the runtime, shared by its files. Everything here runs in the
 * cloned child unless said otherwise; functions return a negative errno and
 * set *err (util/err.h) so that the child can ship the message to the parent.
 */
#ifndef HULL_RUNTIME_RT_INTERNAL_H
#define HULL_RUNTIME_RT_INTERNAL_H

#include "runtime/runtime.h"

struct strbuf;

/* Where --init puts the init binary (moby daemon/oci_linux.go). */

/* Detached mounts prepared before pivot_root (open_tree fds, -1 if none). */
struct rt_binds {
	int console_fd;	  /* the pty slave, for /dev/console */
	int fifo_fd;	  /* @c->exec_fifo, O_PATH */
	int fifo_dir;	  /* without /proc (@c->host_mnt_ns): the fifo's directory, O_PATH */
	int console_sock; /* @c->console_socket, connected */
	int *mount_fds;	  /* per rt_config mount: the cloned bind source (-1: none) */
	/* in a user namespace (rt_userns()): /proc and /sys made before pivot_root, and
	 * clones of the host's device nodes (RT_N_DEV_NODES defaults, then @c->devices) */
	int proc_fd, sys_fd;
	int dev_fds[6];
	int *device_fds;
};

#define RT_N_DEV_NODES 6

#define RT_BINDS_INIT                                                                \
	{                                                                            \
		.console_fd = -1, .fifo_fd = -1, .fifo_dir = -1, .console_sock = -1, \
		.mount_fds = NULL, .proc_fd = -1, .sys_fd = -1,                      \
		.dev_fds = {-1, -1, -1, -1, -1, -1}, .device_fds = NULL              \
	}

/* Whether @c runs in a user namespace of its own or a joined one. */
static inline bool rt_userns(const struct rt_config *c)
{
	return c->new_userns || c->user_ns_path;
}

/*
 * mount.c: before pivot_root, mount the overlay and clone the bind sources.
 * @b->fifo_fd and @b->console_sock already set (opened before the user
 * namespace was entered) are kept.
 */
int rt_rootfs_prepare(const struct rt_config *c, struct rt_binds *b, struct hull_err **err);
/* mount.c: pivot into the rootfs and mount /proc, /sys, /dev..., masks, binds, cwd. */
int rt_rootfs_finish(const struct rt_config *c, struct rt_binds *b, struct hull_err **err);

/*
 * mount.c: @c->host_mnt_ns: no mount work at all (the mount namespace is the
 * runtime's): open the exec fifo's directory and the console socket, then
 * chroot() into @c->rootfs and chdir to @c->cwd.
 */
int rt_rootfs_chroot(const struct rt_config *c, struct rt_binds *b, struct hull_err **err);

/* mount.c: give "/" @c->root_propagation (if any), once every mount is made. */
int rt_root_propagation_apply(const struct rt_config *c, struct hull_err **err);

/* mounts.c: clone the bind sources of @c->mounts (before the mounts are made private). */
/* mount.c: append @s to @sb as overlay option values are written: ',' ':' and '\' escaped
 * with a backslash (the kernel's ovl_unescape()). */
void rt_overlay_escape(struct strbuf *sb, const char *s);
/* mount.c: set an overlay context's upperdir and workdir (escaped: the kernel unescapes them,
 * unlike "lowerdir+" layers). 0 or -errno of fsconfig(). */
int rt_overlay_set_upper(int fs, const char *upper, const char *work);
int rt_mounts_prepare(const struct rt_config *c, struct rt_binds *b, struct hull_err **err);
/*
 * mounts.c: after rt_mounts_prepare(), narrow each overlay of @c->mounts to its
 * subpath. @scratch (or NULL): an empty mount point, in a mount namespace whose
 * mounts are private, where a kernel that cannot clone a detached mount (before
 * Linux 6.x) gets the overlay attached for the clone. 0 or -errno.
 */
int rt_mounts_subpaths(const struct rt_config *c, struct rt_binds *b, const char *scratch,
		       struct hull_err **err);
/*
 * mounts.c: refuse a mount target (an absolute path in the container, symlinks
 * resolved) that runc refuses: inside /proc but for lxcfs's files (runc
 * checkProcMount), and /dev itself, whose device nodes hull makes. -EPERM.
 */
int rt_mount_target_check(const char *path, struct hull_err **err);
/* mounts.c: after pivot_root, make @c->mounts at their targets resolved inside "/". */
int rt_mounts_finish(const struct rt_config *c, struct rt_binds *b, struct hull_err **err);

/* security.c: switch to the user and groups of @c, drop to @c->capsets, set no_new_privs. */
int rt_identity_apply(const struct rt_config *c, struct hull_err **err);

/*
 * mount.c: @c->cgroup_mount, in the container after pivot_root and after the
 * caller moved the process into its cgroups (and after its cgroup namespace).
 * @placed: /proc/self/cgroup as read before that namespace; a hierarchy where
 * the process sits at the host's root (the caller did not place it there) is
 * left out, so the host's cgroups stay hidden, with or without a namespace.
 */
int rt_cgroup_mount(const struct rt_config *c, const char *placed, struct hull_err **err);

/*
 * mount.c: create @c->devices (after pivot_root, in the container's "/"); in a
 * user namespace bind @b->device_fds (the host's nodes) instead. @b may be NULL.
 */
int rt_devices_mknod(const struct rt_config *c, struct rt_binds *b, struct hull_err **err);

struct bpf_insn;
/*
 * devices.c (parent side, pure): the instructions of a
 * BPF_PROG_TYPE_CGROUP_DEVICE program for @rules (runc devicefilter.go's
 * layout): the context's type, access, major and minor are loaded into
 * r2..r5, then one block per rule, last rule first, each returning its
 * verdict when type, major, minor and access match (an allow rule must cover
 * all the requested access, a deny rule any of it), and at the end the
 * verdict of the last 'a' rule (allow when there is none), so the last rule
 * that matches decides. Rules before the last 'a' rule are dropped.
 * *@ret is a new array of *@ret_n instructions; -EINVAL for a rule of an
 * unknown type or without access.
 */
int rt_devices_bpf_build(const struct rt_device_rule *rules, size_t n, struct bpf_insn **ret,
			 size_t *ret_n);
/* devices.c: load @insns as a device program; *@ret_fd is the program's fd (CLOEXEC). */
int rt_devices_bpf_load(const struct bpf_insn *insns, size_t n, int *ret_fd, struct hull_err **err);
/* limits.c: setrlimit() each of @c->rlimits; the error names the limit (docker --ulimit). */
int rt_rlimits_apply(const struct rt_config *c, struct hull_err **err);

/* runtime.c: the sync messages between the parent and the child. */
enum {
	RT_MSG_READY = 1,
	RT_MSG_ERROR = 2,
	RT_MSG_PID = 3,	    /* errnum: the pid of the process cloned by an intermediate one */
	RT_MSG_FIFO = 4,    /* the process waits on its exec fifo */
	RT_MSG_USERMAP = 5, /* write the maps of the new user namespace, then answer one byte */
};

struct rt_msg {
	int32_t type;
	int32_t errnum;
	int32_t exit_code;
	char text[2048];
};

/* runtime.c: send an ERROR message for @e (or -@r). */
void rt_msg_send_err(int fd, const struct hull_err *e, int r);
/* runtime.c: read one message; 0 on EOF, 1 on a message, negative errno. */
int rt_msg_recv(int fd, struct rt_msg *m);
/* runtime.c: turn an ERROR message into *err; returns the negative errno. */
int rt_msg_to_err(const struct rt_msg *m, struct hull_err **err);
/*
 * runtime.c: make @stdio the fds 0-2 (without CLOEXEC, whatever their
 * numbers); an fd < 0 becomes /dev/null as the calling process sees it, so
 * that no fd of hull's own caller is ever inherited.
 */
int rt_stdio_dup(const int stdio[3], struct hull_err **err);
/* runtime.c: rt_stdio_dup() of @c->stdio, start a session, take the terminal. */
int rt_setup_stdio(const struct rt_config *c, struct hull_err **err);
/* runtime.c: resolve @c->args[0] with docker's 126/127 errors; *ret is a new path. */
int rt_lookup(const struct rt_config *c, char **ret, struct hull_err **err);
/*
 * runtime.c: --console-socket, a pty of the container's own devpts (runc's
 * setupConsole): the slave as stdio and controlling terminal (and with
 * @bind_console on /dev/console), the master sent to @sock (closed after).
 * Call it in the container's mount namespace, after /dev/pts is mounted.
 */
int rt_console_setup(const struct rt_config *c, int sock, bool bind_console, struct hull_err **err);
/* runtime.c: every signal to its default disposition, none blocked. */
void rt_reset_signals(void);
/* runtime.c: fork-like clone with @flags (SIGCHLD to the parent); returns the pid or -1. */
pid_t rt_clone(unsigned long flags);
/*
 * runtime.c: close leaked fds, reset signals and execve @path with @c's args
 * and env. On failure report to @fd as rt_start() documents and _exit().
 */
_noreturn_ void rt_exec_final(int fd, const struct rt_config *c, const char *path);

#endif
