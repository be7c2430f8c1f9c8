/* SPDX-License-Identifier: MIT */
/*
 * Paths inside a root that must never be left: a layer being applied, a
 * container's root file system, a volume. Every lookup goes through
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so "..", absolute names
 * and symlinks (absolute or relative) resolve as if @root_fd were "/", as
 * chroot would (moby pkg/symlink FollowSymlinkInScope, runc's
 * securejoin). On kernels without openat2 (< 5.6) the walk refuses symlinks
 * in any component instead.
 *
 * Functions return an fd (>= 0, O_CLOEXEC, owned by the caller) or a
 * negative errno; they set no error object.
 */
#ifndef HULL_UTIL_INROOT_H
#define HULL_UTIL_INROOT_H

#include <stdbool.h>

/* Extra resolve flag for inroot_open(): do not cross mount points (RESOLVE_NO_XDEV). */
#define INROOT_NO_XDEV 1

/*
 * inroot_open() - open @path ("" or "." = the root itself) below @root_fd
 * (borrowed) with open(2) @flags; @opts is 0 or INROOT_NO_XDEV. A final
 * symlink is followed (inside the root) unless @flags has O_NOFOLLOW.
 * Errors: the errno of the failed lookup (-ENOENT, -ENOTDIR, -ELOOP...).
 */
int inroot_open(int root_fd, const char *path, int flags, int opts);

/*
 * inroot_mkdir_p() - open the directory @path below @root_fd, creating the
 * missing components with mode 0755 (as mkdir -p, inside the root). Returns an
 * O_RDONLY|O_DIRECTORY fd or a negative errno (-ENOTDIR when a component is
 * a file).
 */
int inroot_mkdir_p(int root_fd, const char *path, int opts);

/*
 * inroot_clean() - lexically clean @name relative to a root: leading "/" and
 * "./" dropped, "." and empty components removed, ".." pops a component.
 * "" is the root itself. With @strict, a ".." above the root fails with
 * -EBADMSG (docker's breakout check for tar members); without it, it stays at
 * the root, as a path in a chroot does. *@ret is newly allocated.
 */
int inroot_clean(const char *name, bool strict, char **ret);

#endif
