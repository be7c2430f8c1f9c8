/* SPDX-License-Identifier: MIT */
/*
 * `hull save`: images of the store as one tar that is both an OCI image
 * layout and a docker archive, the format docker 25+ writes (moby
 * image/tarexport/save.go): "oci-layout", "index.json", "blobs/sha256/<hex>"
 * for every manifest, config and layer, "manifest.json" and "repositories".
 * skopeo (oci-archive:), umoci and `docker load` read it.
 *
 * Every blob in the archive hashes to its name, and every descriptor gives
 * the exact digest and size of the blob written: a layer blob is the one
 * the stored manifest names (read back and checked while it is copied);
 * where the store keeps no such blob, the uncompressed tar
 * store_blob_open_layer() makes of the layer, whose digest is its diffID,
 * and the manifest written is then a new one naming those blobs (so the
 * image keeps its id, the config, and gets another manifest digest).
 * Layers stream from their files to the output: nothing bigger than the
 * JSON documents is held in memory. libarchive is dlopen()ed on first use.
 */
#ifndef HULL_IMAGE_SAVE_H
#define HULL_IMAGE_SAVE_H

#include "image/store.h"
#include "util/err.h"

/*
 * image_save() - write the images @names (NULL-terminated, at least one) to
 * @out_fd (borrowed; written sequentially, never seeked, so a pipe works)
 * as docker's `docker save NAME...` does. Each name is resolved as docker
 * resolves it (moby tarexport parseNames): "repo:tag" is that tag; a
 * repository without a tag ("busybox") is every tag of that repository
 * in the store, or else an image id; an id, "sha256:<id>" or an unambiguous
 * id prefix is the image without tags ("RepoTags": null, and an index.json
 * descriptor without annotations). An image named several times is saved
 * once with all of its references, in the order first named. Images and
 * tags are resolved before anything is written.
 *
 * Errors: -ENOENT "No such image: NAME" (docker's words; a reference
 * shows its tag, "nosuch:latest"), -EINVAL for an ambiguous id prefix or
 * an invalid reference, -EBADMSG when a blob does not match its digest
 * (detected before or while it is written: the output is then incomplete
 * and must be discarded), -EOPNOTSUPP without libarchive, or the errno of a
 * failed read or write (-EPIPE when the reader went away). Takes the store
 * lock only while a built layer's tar is made again.
 */
int image_save(struct store *s, char *const *names, int out_fd, struct hull_err **err);

#endif
