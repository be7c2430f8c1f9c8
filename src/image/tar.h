/* SPDX-License-Identifier: MIT */
/*
 * Plain tar streams of file trees, for `hull cp`, `export` and volume
 * copies (docker's pkg/archive TarWithOptions / Untar as the daemon uses them
 * for the archive API). The format and the safety rules are the layer code's
 * (image/layer.c): PAX, entries sorted by name, xattrs kept except
 * trusted.overlay.*, sockets skipped; extraction resolves every path with
 * openat2(RESOLVE_IN_ROOT) below the destination, so no member (absolute,
 * "..", or through a symlink, even one the same tar created) lands outside it.
 * libarchive is dlopen()ed on first use (-EOPNOTSUPP if missing).
 * Errors follow util/err.h; fds are borrowed.
 */
#ifndef HULL_IMAGE_TAR_H
#define HULL_IMAGE_TAR_H

#include <stdbool.h>
#include "util/err.h"

/*
 * tar_write() - write to @out_fd a tar of the file or tree @name in directory
 * @dfd, its top entry named @as ("hostname", "etc"); with @name "" the
 * entries of @dfd itself, without a prefix (`docker export`). Symlinks are
 * archived as links, never followed.
 */
int tar_write(int dfd, const char *name, const char *as, int out_fd, struct hull_err **err);

/*
 * tar_extract() - extract the uncompressed tar read from @in_fd into the
 * directory @dir_fd, replacing existing entries (a directory merges into a
 * directory). Without @keep_owner every file belongs to 0:0 (docker cp
 * without -a). Bad archives fail with -EBADMSG naming the entry.
 */
int tar_extract(int dir_fd, int in_fd, bool keep_owner, struct hull_err **err);
/*
 * tar_extract_to_host() - tar_extract() for a tar that came from a container
 * or an image and lands on the host (cp CTR:SRC DEST, a volume filled from
 * the image): character and block devices are left out and setuid and setgid
 * bits dropped, so a container's "mknod b 7 0; chmod 666" or setuid-root
 * shell never becomes one on the host (docker's client makes them, as root).
 */
int tar_extract_to_host(int dir_fd, int in_fd, bool keep_owner, struct hull_err **err);

#endif
