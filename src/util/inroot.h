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
 * openat2(2) with RESOLVE_IN_ROOT; its EAGAIN (a rename or mount anywhere
 * raced a ".." of the path) is retried up to 1024 times, as openat2(2)
 * advises. Errors: the errno of the failed lookup (-ENOENT, -ENOTDIR,
 * -ELOOP..., -EAGAIN when every retry raced).
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
 * inroot_resolve() - the path that @path ("" = the root) names below @root_fd
 * (borrowed) once every symlink in it, the last component included, is
 * followed inside the root, as moby's FollowSymlinkInScope evaluates it for
 * `docker cp -L`: @path is cleaned lexically first; a link's target is
 * taken component by component, ".." in it popping what was resolved so far
 * (never above the root), an absolute target starting again at the root.
 * Components that do not exist are kept as they are. *@ret is the clean
 * result relative to the root ("" for the root itself), newly allocated.
 * Errors: -ELOOP after 40 links, -ENOTDIR when a component that must be a
 * directory is not, or the errno of a failed lookup or readlink.
 */
int inroot_resolve(int root_fd, const char *path, char **ret);

/*
 * inroot_clean() - lexically clean @name relative to a root: leading "/" and
 * "./" dropped, "." and empty components removed, ".." pops a component.
 * "" is the root itself. With @strict, a ".." above the root fails with
 * -EBADMSG (docker's breakout check for tar members); without it, it stays at
 * the root, as a path in a chroot does. *@ret is newly allocated.
 */
int inroot_clean(const char *name, bool strict, char **ret);

#endif
