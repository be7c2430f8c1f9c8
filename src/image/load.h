/* SPDX-License-Identifier: MIT */
/*
 * `hull load`: images from an archive `hull save` or docker 25+ wrote
 * (image/save.h): blobs under blobs/sha256/, described by manifest.json
 * (docker's) or, without it, by an OCI index.json. Older docker archives
 * (<id>/layer.tar) are refused.
 *
 * Nothing in the archive is trusted: each blob is spooled under the store's
 * tmp/ by its hex name only (no entry path is ever used as one), hashed
 * while it is written and refused unless it hashes to its name; symlinks,
 * hard links, devices and any other entries are never created. Layers are
 * applied by store_layer_import_tar() (paths stay inside the layer), and
 * each one's uncompressed tar must hash to the diffID its config names.
 * Configs are stored byte for byte, so a loaded image keeps its id.
 */
#ifndef HULL_IMAGE_LOAD_H
#define HULL_IMAGE_LOAD_H

#include "image/store.h"
#include "util/err.h"

/*
 * image_load() - read the (optionally gzip, bzip2, xz or zstd compressed)
 * archive from @in_fd (borrowed; read sequentially, a pipe works) and add
 * its images and tags to the store. *@ret_loaded gets docker's report, one
 * line per tag ("Loaded image: busybox:latest") or per untagged image
 * ("Loaded image ID: sha256:..."), a strv the caller frees. Images already
 * complete before an error stay in the store (as docker's); the spool is
 * removed either way. Errors: -EBADMSG for a malformed archive, a blob
 * or layer that does not match its digest, a missing blob or an older
 * archive format; -EINVAL for a bad tag; -EOPNOTSUPP without libarchive;
 * else the errno of the failed step. Takes the store lock while it writes.
 */
int image_load(struct store *s, int in_fd, char ***ret_loaded, struct hull_err **err);

#endif
