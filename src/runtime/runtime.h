/* SPDX-License-Identifier: MIT */
/*
 * The runtime: starts one process in new namespaces on an overlayfs root, as
 * an OCI runtime does (runc's libcontainer/nsenter + rootfs_linux.go, crun's
 * libcrun/linux.c). It knows nothing of images or Dockerfiles.
 *
 * The life of a process is two calls: rt_create() clones the child, which
 * builds its root file system and resolves the command, then waits;
 * the caller sets up what needs the child's pid (its network) and calls
 * rt_start(), which lets the child exec and reports whether exec succeeded.
 * The caller reaps the child with waitpid().
 *
 * Errors follow util/err.h. Errors that docker reports with exit 126/127
 * carry that code in (*err)->exit_code (docker/cli run.go toStatusError).
 */
#ifndef HULL_RUNTIME_RUNTIME_H
#define HULL_RUNTIME_RUNTIME_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <jansson.h>
#include "util/err.h"

struct sock_filter;

/*
 * A mount made inside the container after its root (OCI config "mounts"):
 * a bind mount of a host path, a new tmpfs, or a new overlay of host
 * directories (OCI's "overlay" type, as a build's RUN --mount of a stage
 * uses). The target is resolved inside the container's root (a symlink on
 * the way cannot lead outside it), and created when missing (a directory,
 * or an empty file for a file source).
 */
struct rt_mount {
	const char *type; /* "bind", "tmpfs" or "overlay" */
	/* bind: host path (directory or file); tmpfs: the source mountinfo shows (NULL:
	 * "tmpfs"); overlay: ignored */
	const char *source;
	const char *target; /* absolute path inside the container */
	/*
	 * overlay: the layers, top first (NULL-terminated, at least one), and
	 * the upper and work directories of a writable overlay (NULL: read-only).
	 */
	char *const *lowerdirs;
	const char *upperdir, *workdir;
	/*
	 * bind or overlay: mount only this path below the source's root,
	 * resolved inside it (symlinks stay in it, as in a chroot); NULL or "":
	 * the whole source. A bind's is resolved in the host's tree; an
	 * overlay's in the detached overlay, attached on the root's mount point
	 * for the clone where the kernel cannot clone a detached mount (before
	 * Linux 6.x: EINVAL).
	 */
	const char *subpath;
	/*
	 * Comma-separated, as OCI mount options: ro/rw, nosuid/suid, nodev/dev,
	 * noexec/exec, bind/rbind (default rbind), the propagation
	 * private/rprivate (default)/slave/rslave/shared/rshared, and for tmpfs
	 * any key=value the file system takes (size=64m, mode=1777...). Shared
	 * propagation reaches the host only if the source's host mount is shared.
	 * NULL: defaults.
	 */
	const char *options;
};

/*
 * Device access in a device cgroup rule: the kernel's "r", "w" and "m"
 * (Documentation/admin-guide/cgroup-v1/devices.rst).
 */
enum {
	RT_DEV_READ = 1 << 0,
	RT_DEV_WRITE = 1 << 1,
	RT_DEV_MKNOD = 1 << 2,
	RT_DEV_RWM = RT_DEV_READ | RT_DEV_WRITE | RT_DEV_MKNOD,
};

/*
 * One device cgroup rule (OCI linux.resources.devices, runc's devices.Rule):
 * allow or deny @access to the devices of @type with @major:@minor. A rule
 * of type 'a' stands for every device and every access ("a *:* rwm").
 */
struct rt_device_rule {
	char type;	 /* 'a' (all), 'b' (block) or 'c' (character) */
	int64_t major;	 /* 0..4095, or -1 for any ('*') */
	int64_t minor;	 /* 0..1048575, or -1 for any ('*') */
	unsigned access; /* RT_DEV_* bits, not 0 */
	bool allow;
};

/*
 * A device node made in the container (OCI linux.devices, docker run
 * --device): created with mknod after the container's mounts, parents
 * created as needed; an existing device node or FIFO at @path is replaced, an
 * existing file of another kind is left alone (runc createDeviceNode).
 * Access to it is still subject to the device rules.
 */
struct rt_device {
	const char *path; /* absolute path inside the container */
	char type;	  /* 'b', 'c' or 'p' (a FIFO: OCI bundles; @major and @minor unused) */
	uint32_t major;
	uint32_t minor;
	mode_t mode; /* permission bits (07777 at most) */
	uid_t uid;
	gid_t gid;
};

/* An OCI hook (config.md "POSIX-platform Hooks"). */
struct rt_hook {
	char *path;  /* absolute path of the program */
	char **args; /* argv, may be NULL: then { path } */
	char **env;  /* NULL: empty environment */
	int timeout; /* seconds; 0: none */
};

/*
 * rt_hooks_run() - run @n hooks in order, each with @state (the OCI state
 * JSON) on its stdin, stdout and stderr on /dev/null (as runc's exec.Cmd
 * leaves them); a non-zero exit, a signal or the hook's timeout (which
 * covers the write of @state too: a hook may never read it; it is then killed) fails with a message
 * naming @kind, the index and the path.
 */
int rt_hooks_run(const struct rt_hook *hooks, size_t n, const char *kind, const char *state,
		 struct hull_err **err);

/*
 * rt_hooks_run_warn() - rt_hooks_run() for the hooks whose failure is only a
 * warning (poststart, poststop: runtime-spec runtime.md "Lifecycle" 8 and 12):
 * every hook runs, whatever those before it did, and each failure's message
 * (as rt_hooks_run() words it) is passed to @warn with @arg (NULL: none).
 * Returns the number of hooks that failed.
 */
size_t rt_hooks_run_warn(const struct rt_hook *hooks, size_t n, const char *kind, const char *state,
			 void (*warn)(const char *msg, void *arg), void *arg);

/*
 * The five capability sets of an OCI process (runtime-spec config.md
 * process.capabilities), each a mask of CAP_* bits.
 */
struct rt_capsets {
	uint64_t bounding, effective, permitted, inheritable, ambient;
};

/*
 * One range of a user namespace's id map (OCI linux.uidMappings and
 * gidMappings, a line of /proc/PID/uid_map): @size ids from @container_id
 * inside are the ids from @host_id in the parent namespace.
 */
struct rt_id_map {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct rt_config {
	/*
	 * Root file system: @rootfs is the overlay's mount point, or, without
	 * @lowerdirs, a prepared directory (an OCI bundle's root.path) that is
	 * bind-mounted onto itself, as runc does.
	 */
	char *rootfs;
	char **lowerdirs; /* overlay lower directories, top first (NULL-terminated), or NULL */
	char *upperdir;	  /* overlay upper and work directories (same file system) */
	char *workdir;
	/*
	 * The upper directory need not survive a crash of the machine (a --rm
	 * container's): the overlay is mounted "volatile" where the kernel knows
	 * it (Linux >= 5.10), so that its unmount at the process's exit does not
	 * sync the whole host file system under it (podman does the same for
	 * --rm). The kernel marks such a work directory ("work/incompat/volatile")
	 * and refuses to mount it again; the mark of an earlier volatile mount is
	 * removed first.
	 */
	bool overlay_volatile;
	bool readonly_rootfs;

	/* Process. */
	char **args; /* argv; args[0] is looked up with the PATH of @env */
	char **env;  /* "NAME=value" */
	char *cwd;   /* absolute; rt_create() makes a missing one, rt_exec() fails */
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	/* with @has_umask, the process's umask (OCI process.user.umask); else 0022, as docker */
	bool has_umask;
	mode_t umask;
	bool terminal; /* stdio[0..2] are a pty slave: make it the controlling terminal */
	/*
	 * Borrowed fds that become the process's 0, 1 and 2; < 0: /dev/null. Never
	 * the caller's own stdio or files: pipes or a pty the caller relays
	 * (docs/internals/container.md "Stdio"), since the container can reopen an fd
	 * through /proc/self/fd (O_TRUNC on an O_APPEND file) or keep it after the
	 * command returned (a background reader of the caller's terminal).
	 */
	int stdio[3];

	/* Namespaces and identity. */
	char *hostname;
	bool new_netns; /* false: share the caller's network namespace (--network host) */

	/*
	 * OCI "mounts" other than the ones the runtime makes itself (/proc, /dev,
	 * /dev/pts, /dev/shm, /dev/mqueue, /sys): made after those, in this order
	 * (the spec's order: parents first), and the cgroup mount, which has its
	 * own fields (@cgroup_mount).
	 */
	const struct rt_mount *mounts;
	size_t n_mounts;

	/*
	 * Confinement (OCI process.capabilities, process.noNewPrivileges,
	 * linux.seccomp). @capsets: the five sets, as the OCI process object gives
	 * them (hull's own run and exec too: container_oci_process()); the bounding
	 * set dropped, effective, permitted and inheritable set with capset() after
	 * the user switch, then each ambient one raised (runc's
	 * libcontainer/capabilities; one the kernel refuses to raise, not both
	 * permitted and inheritable, is left out, as runc 1.1 does). NULL: none at
	 * all. @seccomp is a filter from rt_seccomp_compile() (borrowed; NULL: none).
	 */
	const struct rt_capsets *capsets;
	bool no_new_privs;
	const struct rt_bpf *seccomp;
	/* /sys mounted read-write (--privileged) */
	bool privileged_paths;

	/*
	 * Namespaces other than new ones (OCI linux.namespaces with a path;
	 * docker --pid, --ipc, --uts, --cgroupns). @pid_ns and @ipc_ns: 0 a new
	 * namespace, -1 the caller's (host), else a process whose namespace is
	 * joined (container:NAME). @host_uts: the caller's UTS namespace (no
	 * hostname is set). @cgroup_ns: a new cgroup namespace, made by the
	 * process itself once the caller has moved it into its cgroups.
	 */
	pid_t pid_ns;
	pid_t ipc_ns;
	bool host_uts;
	bool cgroup_ns;
	/* docker --sysctl: "name=value", written to /proc/sys before it is made read-only */
	char **sysctls;
	/* /dev/shm: its size in bytes (0: no size option, the kernel's default, as runc mounts
	 * a spec's tmpfs without one; hull's run gives docker's 64 MiB), or none made by the
	 * runtime (--ipc none; a bind there, such as docker's --ipc shareable and
	 * container:NAME give, is one of @mounts) */
	uint64_t shm_size;
	bool no_shm;
	/* Device nodes to create, after the mounts (docker run --device). */
	const struct rt_device *devices;
	size_t n_devices;
	/* docker run --ulimit (OCI process.rlimits): set in the child before it waits for
	 * rt_start(), so a hard limit above the caller's fails rt_create(). */
	const struct rt_rlimit *rlimits;
	size_t n_rlimits;

	/*
	 * OCI linux.maskedPaths and linux.readonlyPaths (NULL: none): each existing path
	 * is masked (a directory by an empty read-only tmpfs, a file by /dev/null) or made
	 * read-only, after the mounts. The runtime has no default list: hull's own run
	 * gives docker's (container/security.c), a bundle its own.
	 */
	char **masked_paths;
	char **readonly_paths;
	/* a network namespace to join (OCI linux.namespaces "network" with a path); NULL: none */
	const char *netns_path;
	/*
	 * Namespaces joined by the path of a namespace file (OCI linux.namespaces
	 * with a path: /proc/PID/ns/TYPE or a bind mount of one, as CRI joins a
	 * pod's); each overrides @pid_ns, @ipc_ns, @host_uts and @cgroup_ns.
	 * @mnt_ns_path: the root file system is then built in that mount
	 * namespace (as runc builds it), which must see @rootfs.
	 */
	const char *pid_ns_path, *ipc_ns_path, *uts_ns_path, *cgroup_ns_path, *mnt_ns_path;
	/*
	 * User namespace (OCI linux.namespaces "user"; hull's own run never
	 * asks for one): @new_userns makes a new one whose maps the caller
	 * writes from @uid_map and @gid_map (both required, at most 340 ranges
	 * each, as the kernel takes them; /proc/PID/setgroups stays "allow",
	 * as runc leaves it for root), or @user_ns_path names one to join
	 * first, before the other namespaces (runc's order), without maps.
	 * Either way the process becomes uid and gid 0 of that namespace
	 * before it makes its root, so the root file system, the bind sources
	 * and the bundle's path must be reachable by the mapped root (the
	 * bundle's author chowns them, as for runc). /proc and /sys are made
	 * before pivot_root (the kernel only lets a user namespace mount them
	 * while a full mount of each is visible); /sys is a read-only recursive
	 * bind of the host's when the network namespace is not owned by the
	 * user namespace (sysfs cannot be mounted then); device nodes are bind
	 * mounts of the host's (mknod is not allowed in a user namespace).
	 */
	bool new_userns;
	const char *user_ns_path;
	const struct rt_id_map *uid_map, *gid_map;
	size_t n_uid_map, n_gid_map;
	/*
	 * runc's exec fifo (NULL: none): after rt_start_fifo() the process blocks
	 * opening this fifo for writing, after its identity switch and just
	 * before execve, until a reader opens it (`hull runtime start`); it then
	 * writes one byte and execs.
	 */
	const char *exec_fifo;
	/*
	 * OCI linux.rootfsPropagation, as mount(2) flags: MS_PRIVATE, MS_SLAVE,
	 * MS_SHARED or MS_UNBINDABLE, with MS_REC for its "r" form (0: hull's
	 * own, private). The host's mounts are made recursively slave (for slave)
	 * or private (for the others) before the root is built, so nothing
	 * propagates back to the host; the container's "/" gets these flags last,
	 * once every mount of the container is made (runc prepareRoot, and its
	 * remount of "/" after pivot_root).
	 */
	unsigned long root_propagation;
	/*
	 * OCI linux.namespaces without a "mount" entry: the runtime's own mount
	 * namespace, where hull mounts nothing: the root is entered with
	 * chroot() and none of the mounts, masked and read-only paths, devices,
	 * sysctls, read-only root, cgroup mount or /dev/console is made (runc
	 * makes them in its own namespace).
	 */
	bool host_mnt_ns;
	/* runc create --no-pivot: move the root onto "/" and chroot instead of pivot_root
	 * (for a root on ramfs, where pivot_root fails) */
	bool no_pivot;
	/* a new anonymous session keyring for the process (runc's default; --no-new-keyring) */
	bool new_keyring;
	/* runc --preserve-fds N: the caller's fds 3..3+N-1 stay open in the process */
	unsigned preserve_fds;
	/*
	 * runc --console-socket: with @terminal, the process makes its pty in the
	 * container's own /dev/pts once it is mounted, binds the slave on
	 * /dev/console, sends the master to this unix socket (connected before
	 * pivot_root; rt_send_fd()) and takes the slave as its stdio and
	 * controlling terminal; @stdio is then unused. @console_rows and
	 * @console_cols (OCI process.consoleSize), when not 0, size it.
	 */
	const char *console_socket;
	unsigned short console_rows, console_cols;
	/*
	 * runc run or exec in the foreground with @terminal and no
	 * @console_socket: a connected unix socket (borrowed; > 2, 0 when
	 * unused) that takes the place of @console_socket, so that the caller
	 * gets the master and proxies it to its own stdio (rt_create() and
	 * rt_exec() read it).
	 */
	int console_sock_fd;
	/*
	 * OCI mount of type "cgroup" at /sys/fs/cgroup (docker's and CRI's specs):
	 * once the process is in its cgroups, each hierarchy it is in is mounted
	 * there showing only its own cgroup (runc's mountCgroupV1/V2), read-only
	 * unless @cgroup_mount_rw.
	 */
	bool cgroup_mount;
	bool cgroup_mount_rw;
	/*
	 * OCI startContainer hooks: run by the process, in the container, after
	 * the exec fifo opened and before it execs, with @hook_state (the state
	 * JSON; its "pid" is set to the process's own) on stdin. A failure is
	 * written to the process's stderr and it exits 1 (there is no caller to
	 * report to any more).
	 */
	const struct rt_hook *start_hooks;
	size_t n_start_hooks;
	const char *hook_state;
	/*
	 * Called by rt_create() in the caller right after the clone, while the child
	 * sets its root up (NULL: not called), with the child's pid: the caller puts
	 * the child in its cgroups here (runc applies them at the same point, before
	 * it sends the child its configuration). The first move into a cgroup v1
	 * hierarchy waits for an RCU grace period (cgroup_threadgroup_rwsem, 5-10
	 * ms), which so overlaps the child's mounts instead of following them. A
	 * failure (< 0 with *err set) fails rt_create() unless the child failed
	 * first: the child's error is then the one returned.
	 */
	int (*on_clone)(pid_t pid, void *arg, struct hull_err **err);
	void *on_clone_arg;
};

/*
 * rt_send_fd() - send @fd over the connected unix socket @sock with SCM_RIGHTS
 * and @name as the payload, as runc's utils.SendFd sends a pty master to a
 * --console-socket. Both fds are borrowed.
 */
int rt_send_fd(int sock, int fd, const char *name, struct hull_err **err);

/* rt_console_connect() - connect to the unix socket @path (SOCK_STREAM, CLOEXEC) into *@ret_fd. */
int rt_console_connect(const char *path, int *ret_fd, struct hull_err **err);

/* A compiled seccomp filter: @len classic BPF instructions (struct sock_filter). */
struct rt_bpf {
	struct sock_filter *insns;
	size_t len;
};

/*
 * rt_seccomp_compile() - compile an OCI runtime-spec linux.seccomp object
 * (@oci, borrowed: defaultAction, defaultErrnoRet, architectures, syscalls[]
 * with names, action, errnoRet and args {index, value, valueTwo, op}) into a
 * BPF program with libseccomp, as runc's libcontainer/seccomp does: names
 * this libseccomp does not know are skipped, a block whose action is the
 * default adds nothing, and conditions that test one argument twice become
 * one rule each (libseccomp cannot AND them). Actions: ALLOW, ERRNO, KILL,
 * KILL_THREAD, KILL_PROCESS, TRAP, TRACE, LOG (NOTIFY is refused, -EINVAL).
 * On success *@ret is a new program (free with rt_bpf_free()). Pure apart from
 * a memfd for libseccomp's export; takes about a millisecond for docker's
 * profile, so callers cache the result (container/seccomp.c).
 */
int rt_seccomp_compile(const json_t *oci, struct rt_bpf **ret, struct hull_err **err);

/* rt_bpf_free() - free a program; accepts NULL; returns NULL. */
struct rt_bpf *rt_bpf_free(struct rt_bpf *b);

/*
 * rt_seccomp_apply() - install @b (NULL: nothing) on the calling thread with
 * seccomp(SECCOMP_SET_MODE_FILTER), without no_new_privs (the caller holds
 * CAP_SYS_ADMIN, as runc loads the filter). Used in the container's process
 * just before it switches user and execs.
 */
int rt_seccomp_apply(const struct rt_bpf *b, struct hull_err **err);

struct rt_process {
	pid_t pid;   /* the child in the caller's pid namespace */
	int sync_fd; /* private */
};

/*
 * rt_create() - clone a child in new mount, PID, UTS, IPC (and, with
 * @c->new_netns, network) namespaces. The child mounts the overlay rootfs,
 * /proc, /sys (read-only), /dev (tmpfs with null, zero, full, random,
 * urandom, tty, ptmx, pts, shm, mqueue), the /etc files, masks docker's
 * masked paths, pivots into the root, sets the hostname, looks up args[0] and
 * waits. @c is borrowed (only read until rt_create() returns).
 * On success *@ret is the waiting child (free with rt_process_free()).
 * Failures: setup errors (exit 125), "exec: \"NAME\": executable file not
 * found in $PATH" (-ENOENT, exit 127), "... no such file or directory"
 * (-ENOENT, 127), "... permission denied" (-EACCES, 126); the child is
 * reaped before returning.
 * The caller's signal mask and dispositions are not touched; the child resets
 * its own to the defaults just before exec. fds of the caller that lack
 * CLOEXEC are closed at exec, except @c->stdio.
 * With a user namespace (@c->new_userns or @c->user_ns_path) an intermediate
 * child joins the namespaces given by path, makes the user namespace (whose
 * maps rt_create() writes as the caller, before anything runs in it) and
 * clones the process with CLONE_PARENT, so *@ret is still the caller's child;
 * the intermediate is reaped before rt_create() returns, and @c->on_clone gets
 * the process's pid. Map write failures are errors of rt_create().
 * @c->rlimits are set before the child reports ready: a failure is an error of
 * rt_create() that names the limit (-EPERM when a hard limit above the caller's
 * needs CAP_SYS_RESOURCE). The caller puts the child in its cgroups
 * (rt_cgroup_create(), rt_cgroup_devices_create()) before rt_start(), best in
 * @c->on_clone, which runs while the child sets itself up.
 */
int rt_create(const struct rt_config *c, struct rt_process **ret, struct hull_err **err);

/*
 * rt_start() - let the waiting child install @c->seccomp, drop to @c->capsets
 * (with no_new_privs if asked), switch user and exec. Returns 0
 * once exec succeeded. If the exec itself fails with ENOEXEC or a missing
 * interpreter the child writes "exec PATH: exec format error" (or "no such
 * file or directory") to its stderr and exits 1, as runc does; rt_start()
 * still returns 0 then. Other exec failures are returned as in rt_create(),
 * and the child has then been reaped already (@p->pid is stale).
 * Call it once; @p is still to be freed with rt_process_free().
 */
int rt_start(struct rt_process *p, struct hull_err **err);

/*
 * rt_start_fifo() - for a process created with @c->exec_fifo: let it install
 * its seccomp filter, drop its capabilities and switch user, as rt_start()
 * does, and return once it waits on the fifo (its own errors until then are
 * returned as rt_start() returns them). The sync socket is closed, so the
 * caller may exit and leave the process to whoever reaps it (runc create).
 */
int rt_start_fifo(struct rt_process *p, struct hull_err **err);

/* rt_process_free() - close the private fds (does not kill or reap); accepts NULL; returns NULL. */
struct rt_process *rt_process_free(struct rt_process *p);

/*
 * rt_overlay_mount() - mount an overlay of @c->lowerdirs (top first),
 * @c->upperdir and @c->workdir on @c->rootfs, in the caller's mount
 * namespace, with index, redirect_dir and metacopy off where the kernel knows
 * them (so the upper directory stays a plain layer diff); any number of
 * layers (the new mount API, else relative paths). Only those four fields of
 * @c and @c->overlay_volatile are read. The builder uses it in a private mount
 * namespace of its own.
 */
int rt_overlay_mount(const struct rt_config *c, struct hull_err **err);

/*
 * rt_overlay_mount_view() - rt_overlay_mount(), or with @readonly a read-only
 * overlay whose top lower layer is @c->upperdir (no work directory is
 * touched, so it is safe while a container uses the same upper directory).
 * For tools that read or change a container's files (cp, export, volume
 * copies): call it in a child that has its own private mount namespace.
 */
int rt_overlay_mount_view(const struct rt_config *c, bool readonly, struct hull_err **err);

/*
 * rt_mounts_attach() - make the @n @mounts below the directory @root_fd
 * (borrowed), each target resolved inside it, in the caller's mount namespace
 * (same rules as the container's own mounts).
 */
int rt_mounts_attach(int root_fd, const struct rt_mount *mounts, size_t n, struct hull_err **err);

/*
 * rt_exe_seal() - make sure this process runs from a sealed, read-only copy of
 * the hull binary before it enters any container (the CVE-2019-5736 guard of
 * runc's libcontainer/nsenter/cloned_binary.c and crun's cloned_binary.c):
 * unless /proc/self/exe already is a memfd with F_SEAL_SEAL, SHRINK, GROW and
 * WRITE, copy the binary into such a memfd and execveat() it with @argv
 * (borrowed) and the current environment, plus HULL_EXE_PATH naming the
 * original file for rt_exe_path(). Returns 0 when already sealed (and removes
 * HULL_EXE_PATH from the environment); does not return when the re-exec
 * succeeds; otherwise a negative errno with *@err set (no memfd, no sealing):
 * the caller must not enter a container then. Call it first thing in main(),
 * before any other state exists; not thread-safe (setenv).
 */
int rt_exe_seal(char **argv, struct hull_err **err);

/* rt_exe_is_sealed() - whether /proc/self/exe is a memfd with every seal rt_exe_seal() sets. */
bool rt_exe_is_sealed(void);

/*
 * rt_exe_path() - the absolute path of the hull binary on disk, for finding
 * the helpers installed next to it and for re-executing hull: the file before
 * rt_exe_seal() copied it, else /proc/self/exe (without a " (deleted)"
 * suffix: an upgraded binary at the same path takes over). NULL when unknown.
 * The string is owned by the runtime and lives as long as the process.
 */
const char *rt_exe_path(void);

/* rt_exit_code() - docker's exit code for a wait status: the exit status, or 128+N after signal N.
 * Inline so that the static hull-monitor needs nothing else of the runtime. */
static inline int rt_exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 125;
}

/*
 * rt_exec() - docker exec (runc exec, libcontainer/process_linux.go setnsProcess):
 * start @c->args as a new process inside the running container whose PID 1 is
 * @target (a pid in the caller's namespace). The process joins @cgroup_dirs
 * (may be NULL), then the target's mount, UTS, IPC, network, PID and cgroup
 * namespaces, changes to @c->cwd (a missing one fails, exit 126, as runc's exec),
 * installs @c->seccomp, drops to @c->capsets (no_new_privs if asked), switches to
 * @c->uid/gid/additional_gids and execs. Only args, env, cwd, uid, gid,
 * additional_gids, umask, terminal, stdio, capsets, no_new_privs, seccomp,
 * console_socket and console_sock_fd (a pty of the container's devpts, not
 * bound on /dev/console) of @c are used.
 * The new process is a child of the caller (reap it with waitpid()); its pid
 * is *@ret_pid. Errors as rt_create(): 127 not found, 126 cannot invoke, else
 * 125 ("container ... is not running" when @target is gone).
 */
int rt_exec(pid_t target, char *const *cgroup_dirs, const struct rt_config *c, pid_t *ret_pid,
	    struct hull_err **err);

/* Resource usage of a container's cgroup (docker stats). */
struct rt_cgroup_stats {
	uint64_t memory_usage; /* bytes, including the page cache */
	uint64_t memory_cache; /* bytes of inactive file cache, which docker subtracts */
	uint64_t memory_limit; /* bytes; 0 or a huge number: no limit */
	uint64_t cpu_usage_ns; /* total CPU time of every task */
	uint64_t pids;	       /* tasks now */
	uint64_t blk_read;     /* bytes read from block devices (v1 blkio.throttle, v2 io.stat) */
	uint64_t blk_write;    /* bytes written */
};

/*
 * rt_device_rule_parse() - parse @s in the kernel's devices.allow syntax,
 * "TYPE MAJOR:MINOR ACCESS" (TYPE a, b or c; MAJOR and MINOR decimal or '*';
 * ACCESS one to three of r, w, m, each at most once) or the lone "a", into
 * an allow rule in *@ret (docker run --device-cgroup-rule; moby
 * oci.AppendDevicePermissionsFromCgroupRules). Pure; -EINVAL for bad
 * syntax, -ERANGE for a major above 4095 or a minor above 1048575 (the
 * kernel's 12 and 20 bits); *@ret is written only on success.
 */
int rt_device_rule_parse(const char *s, struct rt_device_rule *ret);

/*
 * rt_device_rule_format() - @r in the kernel's syntax ("c 1:3 rwm", "b 7:* r",
 * "a"); a new string the caller frees.
 */
char *rt_device_rule_format(const struct rt_device_rule *r);

/*
 * rt_device_access_format() - the RT_DEV_* bits @access as the kernel's and the
 * OCI spec's letters ("rwm", "r", "" for none) in @buf (NUL-terminated). Pure.
 */
void rt_device_access_format(unsigned access, char buf[static 4]);

/*
 * rt_device_rules_default() - the rules that runc appends to every
 * container's device rules (runc libcontainer/specconv AllowedDevices, as of
 * runc 1.1 and again since 1.2.0): mknod of any character and block device
 * ("c *:* m", "b *:* m"), and rwm of /dev/null 1:3, /dev/random 1:8,
 * /dev/full 1:7, /dev/tty 5:0, /dev/zero 1:5, /dev/urandom 1:9, the ptys
 * 136:*, /dev/ptmx 5:2 and /dev/net/tun 10:200. Docker's spec puts "deny
 * all" (moby oci/defaults.go, {Allow: false, Access: "rwm"}) and the
 * --device and --device-cgroup-rule rules before them. Static storage;
 * *@ret_n gets the count.
 */
const struct rt_device_rule *rt_device_rules_default(size_t *ret_n);

/*
 * rt_cgroup_devices_create() - confine the devices that @pid (and every
 * process that later joins its cgroups) may create, read or write to
 * @rules, applied in order to a new cgroup, which starts allowing everything:
 * each rule adds to (allow) or takes from (deny) what the rules before it
 * allow, and a rule of type 'a' replaces them all, so docker's lists start
 * with a deny-all (the v1 kernel's semantics; the BPF program decides by the
 * last rule that matches, which is the same for a deny-all followed by
 * allows). Makes the container's cgroup "<caller's cgroup>/hull/@name" and
 * moves @pid into it, after the rules are in place,
 *  - in the v1 devices hierarchy when it is mounted: each rule written to
 *    devices.allow or devices.deny (runc libcontainer/cgroups/fs/devices.go);
 *  - in the cgroup2 hierarchy (at /sys/fs/cgroup, or /sys/fs/cgroup/unified
 *    on a hybrid host, which needs no controller for this): a
 *    BPF_PROG_TYPE_CGROUP_DEVICE program generated from @rules (runc
 *    libcontainer/cgroups/devices/devicefilter.go, crun ebpf.c), attached
 *    with BPF_F_ALLOW_MULTI, so that programs of the parents still apply.
 * On a hybrid host (v1 controllers plus cgroup2 at /sys/fs/cgroup/unified)
 * only the v1 rules: they are enforced alike and cost less. Test hook:
 * HULL_TEST_CGROUP_DEVICES=v1, =bpf or =both chooses the mechanisms (an
 * error if the host lacks one), so that the BPF program can be tried on a
 * hybrid host too (the kernel checks it, for the task's cgroup2 directory,
 * before the v1 rules: devcgroup_check_permission()).
 * The directories made are appended to *@dirs (a strv, allocated if NULL;
 * one already there is not added twice) for rt_cgroup_enter() and
 * rt_cgroup_remove(). Returns 0 without doing anything when the host has
 * neither hierarchy: then nothing can confine devices. Any other failure is
 * an error ("apply device rules: ..."): the caller must not run the process
 * then, but kill it and rt_cgroup_remove() *@dirs, which holds what was made
 * so far. Call it before the process execs (while it waits in rt_create()).
 * Not thread-safe (no threads here).
 */
int rt_cgroup_devices_create(const char *name, pid_t pid, const struct rt_device_rule *rules,
			     size_t n_rules, char ***dirs, struct hull_err **err);
/*
 * Resource limits, in the form of OCI linux.resources (runtime-spec
 * config-linux.md) so that an OCI bundle maps onto it one to one. Zero means
 * "not set" everywhere (the kernel's default stays).
 */
enum rt_throttle_kind {
	RT_THROTTLE_READ_BPS, /* blockIO.throttleReadBpsDevice */
	RT_THROTTLE_WRITE_BPS,
	RT_THROTTLE_READ_IOPS,
	RT_THROTTLE_WRITE_IOPS,
	_RT_THROTTLE_MAX,
	_RT_THROTTLE_INVALID = -EINVAL,
};

struct rt_throttle {
	enum rt_throttle_kind kind;
	unsigned major, minor; /* the block device */
	uint64_t rate;	       /* bytes or operations per second */
};

struct rt_resources {
	/* memory */
	int64_t memory;		    /* limit in bytes; -1: unlimited */
	int64_t memory_swap;	    /* memory + swap in bytes (OCI "swap"); -1: unlimited swap */
	int64_t memory_reservation; /* soft limit in bytes (v2 memory.low) */
	int64_t kernel_memory;	    /* v1 only, and only where the kernel still takes it */
	int64_t kernel_tcp;	    /* v1 only: kernel TCP buffer memory in bytes; -1: unlimited */
	bool oom_kill_disable;	    /* v1 only */
	bool swappiness_set;	    /* v1 only: @swappiness is written */
	uint8_t swappiness;	    /* 0..100 */
	/* cpu */
	uint64_t cpu_shares;	 /* 2..262144 (v2: converted to cpu.weight) */
	int64_t cpu_quota;	 /* microseconds per period; -1: unlimited */
	uint64_t cpu_period;	 /* microseconds */
	const char *cpuset_cpus; /* "0-1,3"; NULL: inherit */
	const char *cpuset_mems;
	/* pids */
	int64_t pids_limit; /* -1: unlimited */
	/* blockIO */
	uint16_t blkio_weight; /* 10..1000 */
	const struct rt_throttle *throttle;
	size_t n_throttle;
};

/* A process rlimit (OCI process.rlimits; docker --ulimit). */
struct rt_rlimit {
	int resource;	     /* RLIMIT_* */
	const char *name;    /* its short name for messages ("nofile": docker's --ulimit name) */
	uint64_t soft, hard; /* RLIM_INFINITY: unlimited */
};

/* rt_resources_any() - whether @res (may be NULL) sets any limit at all. */
bool rt_resources_any(const struct rt_resources *res);

/*
 * The directories of one container cgroup, by controller. With @unified set
 * the layout is cgroup v2 and only it is used; otherwise each v1 controller's
 * directory, NULL where that hierarchy is not mounted.
 */
struct rt_cgroup_dirs {
	const char *unified;
	const char *memory, *cpu, *cpuset, *pids, *blkio;
};

/*
 * rt_resources_write() - write @res into the cgroup files of @d, the mapping
 * of runc's libcontainer/cgroups/fs (v1) and fs2 (v2):
 *   memory      v1 memory.limit_in_bytes          v2 memory.max
 *   swap        v1 memory.memsw.limit_in_bytes    v2 memory.swap.max = swap - memory
 *   reservation v1 memory.soft_limit_in_bytes     v2 memory.low
 *   kernel      v1 memory.kmem.limit_in_bytes     v2 -EOPNOTSUPP
 *   kernelTCP   v1 memory.kmem.tcp.limit_in_bytes v2 -EOPNOTSUPP
 *   swappiness  v1 memory.swappiness              v2 -EOPNOTSUPP
 *   oom killer  v1 memory.oom_control             v2 -EOPNOTSUPP
 *   shares      v1 cpu.shares                     v2 cpu.weight = 1 + (shares-2)*9999/262142
 *   quota       v1 cpu.cfs_period_us, _quota_us   v2 cpu.max "QUOTA|max PERIOD"
 *   cpuset      cpuset.cpus, cpuset.mems (both)
 *   pids        pids.max (both)
 *   weight      v1 blkio.weight|blkio.bfq.weight  v2 io.bfq.weight, else io.weight (10..1000
 *               mapped to 1..10000)
 *   throttle    v1 blkio.throttle.*_device        v2 io.max "MAJ:MIN rbps=N" ...
 * A limit whose controller has no directory fails with -ENOTSUP naming the
 * flag. Memory and swap are written in the order the kernel accepts when
 * lowering or raising both (update). Errors are the kernel's, with the file
 * and value in the message; files written before the failure keep their value.
 * Pure file I/O below @d: unit tests point @d at a temporary tree.
 */
int rt_resources_write(const struct rt_cgroup_dirs *d, const struct rt_resources *res,
		       struct hull_err **err);

/* rt_cgroup_dirs_of() - sort the directories of rt_cgroup_create() by controller (borrowed
 * strings); false when @dirs is empty. */
bool rt_cgroup_dirs_of(char *const *dirs, struct rt_cgroup_dirs *ret);

/*
 * rt_cgroup_update() - docker update: rt_resources_write() on a running
 * container's cgroup *@dirs (from rt_cgroup_create()), first making the v1
 * cgroups of controllers it was started without (cpu, cpuset: see
 * rt_cgroup_create()) and moving every task in; those are appended to *@dirs.
 */
int rt_cgroup_update(char ***dirs, const struct rt_resources *res, struct hull_err **err);
/* rt_cgroup_ensure() - only the first half of rt_cgroup_update(). */
int rt_cgroup_ensure(char ***dirs, const struct rt_resources *res, struct hull_err **err);

/*
 * rt_cgroup_oom_kills() - how many processes of the cgroup the OOM killer has
 * killed (v1 memory.oom_control, v2 memory.events "oom_kill"); 0 when unknown.
 */
uint64_t rt_cgroup_oom_kills(char *const *dirs);

/* rt_cgroup_is_v2() - whether /sys/fs/cgroup is the unified hierarchy (v2 only). */
bool rt_cgroup_is_v2(void);

/*
 * rt_cgroup_create() - make the container cgroup "<caller's cgroup>/hull/@name"
 * in each v1 hierarchy of freezer, pids, memory, cpuacct and blkio that is
 * mounted, and of cpu and cpuset when @res limits them (each costs the start
 * of every container), or in the v2 hierarchy, write @res (may be NULL;
 * rt_resources_write()) and then move @pid into it (runc
 * libcontainer/cgroups/fs Apply + Set). A new v1 cpuset gets its parent's cpus
 * and mems first, as runc does. *@ret_dirs gets the absolute directories (a
 * strv, caller frees). -ENOENT when no hierarchy is mounted; other errors are
 * the kernel's (then nothing is left behind).
 */
int rt_cgroup_create(const char *name, pid_t pid, const struct rt_resources *res, char ***ret_dirs,
		     struct hull_err **err);
/* rt_cgroup_enter() - move @pid into every directory of @dirs (docker exec). */
int rt_cgroup_enter(char *const *dirs, pid_t pid, struct hull_err **err);
/*
 * rt_cgroup_freeze() - docker pause/unpause: freeze or thaw every task (v1
 * freezer.state, v2 cgroup.freeze) and wait until the state is reached.
 * -ENOTSUP when the container has no freezer cgroup.
 */
int rt_cgroup_freeze(char *const *dirs, bool freeze, struct hull_err **err);
/* rt_cgroup_stats() - read memory, CPU and task counts (docker stats); missing files read 0. */
int rt_cgroup_stats(char *const *dirs, struct rt_cgroup_stats *ret, struct hull_err **err);
/* rt_cgroup_pids() - the pids (caller's namespace) of every task; *@ret is a new array. */
int rt_cgroup_pids(char *const *dirs, pid_t **ret, size_t *ret_n, struct hull_err **err);
/* rt_cgroup_remove() - remove the directories (best effort; retries briefly while busy). */
void rt_cgroup_remove(char *const *dirs);

#endif
