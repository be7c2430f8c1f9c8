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

#include <stdbool.h>
#include <sys/types.h>
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

	/* Mounts made after /dev and the /etc files, in this order (parents first). */
	const struct rt_mount *mounts;
	size_t n_mounts;
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
 * NEEDSWORK: no cgroups and no rlimits yet (the process inherits the caller's).
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
 * rt_overlay_mount() - mount the overlay of @c (lowerdirs, upperdir, workdir)
 * on @c->rootfs in the caller's mount namespace, read-only with @readonly.
 * For tools that read or change a stopped container's files (cp, export):
 * call it in a child that has its own private mount namespace.
 */
int rt_overlay_mount(const struct rt_config *c, bool readonly, struct hull_err **err);

/*
 * rt_mounts_attach() - make the @n @mounts below the directory @root_fd
 * (borrowed), each target resolved inside it, in the caller's mount namespace
 * (same rules as the container's own mounts).
 */
int rt_mounts_attach(int root_fd, const struct rt_mount *mounts, size_t n, struct hull_err **err);

/* rt_exit_code() - docker's exit code for a wait status: the exit status, or 128+N after signal N.
 */
int rt_exit_code(int wstatus);

#endif
