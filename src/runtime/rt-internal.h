/* SPDX-License-Identifier: MIT */
/*
 * Internals of the runtime, shared by its files. Everything here runs in the
 * cloned child unless said otherwise; functions return a negative errno and
 * set *err (util/err.h) so that the child can ship the message to the parent.
 */
#ifndef HULL_RUNTIME_RT_INTERNAL_H
#define HULL_RUNTIME_RT_INTERNAL_H

#include "runtime/runtime.h"

/* Docker's default capability set (moby oci/caps/defaults.go) as a bit mask. */
#define RT_DEFAULT_CAPS 0x00000000a80425fbULL

/* Detached mounts prepared before pivot_root (open_tree fds, -1 if none). */
struct rt_binds {
	int hosts_fd;
	int hostname_fd;
	int resolv_fd;
	int console_fd; /* the pty slave, for /dev/console */
	int *mount_fds; /* per rt_config mount: the cloned bind source (-1: none) */
};

/* mount.c: before pivot_root, mount the overlay and clone the bind sources. */
int rt_rootfs_prepare(const struct rt_config *c, struct rt_binds *b, struct hull_err **err);
/* mount.c: pivot into the rootfs and mount /proc, /sys, /dev..., masks, binds, cwd. */
int rt_rootfs_finish(const struct rt_config *c, struct rt_binds *b, struct hull_err **err);

/* mounts.c: clone the bind sources of @c->mounts (before the mounts are made private). */
int rt_mounts_prepare(const struct rt_config *c, struct rt_binds *b, struct hull_err **err);
/* mounts.c: after pivot_root, make @c->mounts at their targets resolved inside "/". */
int rt_mounts_finish(const struct rt_config *c, struct rt_binds *b, struct hull_err **err);

/* security.c: load the seccomp filter equivalent to docker's default profile. */
int rt_seccomp_load(struct hull_err **err);
/* security.c: switch to the user and groups of @c and drop to docker's default capabilities. */
int rt_identity_apply(const struct rt_config *c, struct hull_err **err);

#endif
