/* SPDX-License-Identifier: MIT */
/*
 * Work on mounted image roots without touching the host's mount table: the
 * builder's COPY/ADD run in a child process with a private mount namespace,
 * where overlays of the image layers are mounted (as docker's legacy builder
 * copies into the container's mounted rootfs). When the child exits, every
 * mount is gone, even if the builder is killed.
 */
#ifndef HULL_BUILD_MOUNTNS_H
#define HULL_BUILD_MOUNTNS_H

#include "util/err.h"

/*
 * build_mountns_run() - fork; the child enters a new mount namespace (all
 * mounts private), runs @fn(@arg, err) and exits. Returns what @fn returned
 * (0 or a negative errno); the child's error message is carried back in
 * *@err. A child killed by a signal gives -EIO.
 */
int build_mountns_run(int (*fn)(void *arg, struct hull_err **err), void *arg,
		      struct hull_err **err);

/*
 * build_mount_layers() - in such a child: mount an overlay of @lowerdirs
 * (top first; NULL or empty: an empty root) with @upper and @work (existing
 * empty directories on one file system) on @target.
 */
int build_mount_layers(char *const *lowerdirs, const char *upper, const char *work,
		       const char *target, const char *empty, struct hull_err **err);

#endif
