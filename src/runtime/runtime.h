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
#include "util/err.h"

/*
 * A mount made inside the container after its root (OCI config "mounts"):
 * a bind mount of a host path, or a new tmpfs. The target is resolved inside
 * the container's root (a symlink on the way cannot lead outside it), and
 * created when missing (a directory, or an empty file for a file source).
 */
struct rt_mount {
	const char *type;   /* "bind" or "tmpfs" */
	const char *source; /* bind: host path (directory or file); tmpfs: ignored */
	const char *target; /* absolute path inside the container */
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

struct rt_config {
	/* Root file system. */
	char *rootfs;	  /* an existing empty directory: the mount point */
	char **lowerdirs; /* overlay lower directories, top first (NULL-terminated) */
	char *upperdir;	  /* overlay upper and work directories (same file system) */
	char *workdir;
	bool readonly_rootfs;

	/* Process. */
	char **args; /* argv; args[0] is looked up with the PATH of @env */
	char **env;  /* "NAME=value" */
	char *cwd;   /* absolute; created if missing (docker does) */
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool terminal; /* stdio[0..2] are a pty slave: make it the controlling terminal */
	int stdio[3];  /* borrowed fds that become the process's 0, 1 and 2 (< 0: inherited) */

	/* Namespaces and identity. */
	char *hostname;
	bool new_netns; /* false: share the caller's network namespace (--network host) */

	/* Files bind-mounted over /etc/hosts, /etc/hostname, /etc/resolv.conf (NULL: none). */
	char *hosts_path;
	char *hostname_path;
	char *resolv_path;

	/* docker run --init: a static init bind-mounted read-only at /sbin/docker-init (NULL:
	 * none). */
	char *init_path;
	/* docker run --tmpfs: "DEST" or "DEST:OPTIONS" (mount(8) options; docker's default
	 * "rw,noexec,nosuid,nodev,size=65536k" when none are given). NULL-terminated or NULL. */
	char **tmpfs;
	/* -v and --mount: made after the above, in this order (parents first). */
	const struct rt_mount *mounts;
	size_t n_mounts;

	/* docker run --ulimit (OCI process.rlimits): set in the child before it waits for
	 * rt_start(), so a hard limit above the caller's fails rt_create(). */
	const struct rt_rlimit *rlimits;
	size_t n_rlimits;
};

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
 * @c->rlimits are set before the child reports ready: a failure is an error of
 * rt_create() that names the limit (-EPERM when a hard limit above the caller's
 * needs CAP_SYS_RESOURCE). Cgroups are the caller's: rt_cgroup_create().
 */
int rt_create(const struct rt_config *c, struct rt_process **ret, struct hull_err **err);

/*
 * rt_start() - let the waiting child drop to docker's default capabilities,
 * apply docker's default seccomp profile, switch user and exec. Returns 0
 * once exec succeeded. If the exec itself fails with ENOEXEC or a missing
 * interpreter the child writes "exec PATH: exec format error" (or "no such
 * file or directory") to its stderr and exits 1, as runc does; rt_start()
 * still returns 0 then. Other exec failures are returned as in rt_create(),
 * and the child has then been reaped already (@p->pid is stale).
 * Call it once; @p is still to be freed with rt_process_free().
 */
int rt_start(struct rt_process *p, struct hull_err **err);

/* rt_process_free() - close the private fds (does not kill or reap); accepts NULL; returns NULL. */
struct rt_process *rt_process_free(struct rt_process *p);

/*
 * rt_overlay_mount() - mount an overlay of @c->lowerdirs (top first),
 * @c->upperdir and @c->workdir on @c->rootfs, in the caller's mount
 * namespace, with index, redirect_dir and metacopy off where the kernel knows
 * them (so the upper directory stays a plain layer diff); any number of
 * layers (the new mount API, else relative paths). Only those four fields of
 * @c are read. The builder uses it in a private mount namespace of its own.
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
 * namespaces, changes to @c->cwd (created if missing, as docker does), drops
 * to docker's default capabilities and seccomp profile, switches to
 * @c->uid/gid/additional_gids and execs. Only args, env, cwd, uid, gid,
 * additional_gids, terminal and stdio of @c are used.
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
	bool oom_kill_disable;	    /* v1 only */
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
	const char *name;    /* docker's name ("nofile"), for messages */
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
