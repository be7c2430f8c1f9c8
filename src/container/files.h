/* SPDX-License-Identifier: MIT */
/*
 * A container's files from the outside: docker cp, diff, export, and the
 * copy of an image's content into a new volume. Every path inside the
 * container is resolved with openat2(RESOLVE_IN_ROOT) from its root, so
 * symlinks in the container never lead outside it. The root is seen in a
 * forked child: a running container's /proc/PID/root, else its overlay
 * mounted (read-only: upper as the top lower layer) in a private mount
 * namespace, with its volumes when the operation includes them.
 *
 * Functions return 0 or a negative errno with *err set (util/err.h).
 */
#ifndef HULL_CONTAINER_FILES_H
#define HULL_CONTAINER_FILES_H

#include <stdbool.h>
#include "container/container.h"

/*
 * container_copy_out() - copy the contents of directory @ctr_path of @c's
 * image view (no volumes) into the host directory @host_dir, owners kept
 * (moby container.CopyImagePathContent). A missing @ctr_path copies nothing.
 */
int container_copy_out(struct store *s, struct container *c, const char *ctr_path,
		       const char *host_dir, struct hull_err **err);

/* Flags of container_cp_from() and container_cp_to(). */
enum {
	CP_ARCHIVE = 1 << 0,	 /* -a: keep the owners (else the caller's, or 0:0 inside) */
	CP_FOLLOW_LINK = 1 << 1, /* -L: copy what a source symlink points to, not the link */
};

/*
 * container_cp_from() - docker cp CONTAINER:@src @dst. @dst "-" writes a tar
 * of @src to @out_fd; otherwise docker's rules: into an existing directory
 * @dst under @src's name ("@src/." copies the contents), else as @dst itself
 * (its parent must exist). Files get the caller's owner unless CP_ARCHIVE.
 * A symlink @src is copied as a link; with CP_FOLLOW_LINK, or when @src
 * ends in "/", what it points to (resolved inside the container's root,
 * inroot_resolve()) is copied under the link's name (in the tar on
 * @out_fd, -L names the target, as docker's). Links inside a copied
 * directory stay links. @dst is resolved by hostpath_copy_dest()
 * (util/hostpath.h): a symlink is followed, a device, FIFO or socket (or
 * one of the copy's name in the directory @dst) is refused and left
 * untouched.
 * Errors: "Could not find the file X in container Y" (-ENOENT), the
 * hostpath_copy_dest() refusals (-EINVAL)...
 */
int container_cp_from(struct store *s, struct container *c, const char *src, const char *dst,
		      unsigned flags, int out_fd, struct hull_err **err);

/*
 * container_cp_to() - docker cp @src CONTAINER:@dst. @src "-" reads a tar
 * from @in_fd and extracts it into the directory @dst. Without CP_ARCHIVE
 * the files belong to 0:0 in the container. A symlink @src is copied as a
 * link; with CP_FOLLOW_LINK, or when @src ends in "/", what it points to on
 * the host is copied under the link's name. A symlink @dst is followed
 * inside the container's root; a device, FIFO or socket at @dst (or of the
 * copy's name in the directory @dst) is refused: `destination "CTR:PATH"
 * must be a directory or a regular file: got a device` (-EINVAL). A FIFO
 * or device @src is copied as a node, never opened.
 */
int container_cp_to(struct store *s, struct container *c, const char *src, const char *dst,
		    unsigned flags, int in_fd, struct hull_err **err);

/* container_export() - docker export: the tar of @c's root file system (no volumes) to @out_fd. */
int container_export(struct store *s, struct container *c, int out_fd, struct hull_err **err);

/*
 * container_diff() - docker diff: the changes of @c's upper directory against
 * its image, as "A /path", "C /path", "D /path" lines sorted by path
 * (whiteouts are deletions). Mount points hull itself creates (/etc/hosts,
 * /proc...) are left out, as docker keeps them in its init layer. *@ret is
 * a strv.
 */
int container_diff(struct store *s, struct container *c, char ***ret, struct hull_err **err);

/*
 * container_upper_tar() - the layer tar (OCI whiteouts) of @c's changes to
 * the file @out_fd, for docker commit, without hull's own mount points.
 */
int container_upper_tar(struct store *s, struct container *c, int out_fd, struct hull_err **err);

#endif
