/* SPDX-License-Identifier: MIT */
/*
 * `hull load`: images from an archive, as `docker load` reads them (moby
 * image/tarexport/load.go, and containerd's OCI importer for archives
 * without manifest.json). The formats:
 *   - docker 25+ and `hull save`: manifest.json naming blobs/sha256/<hex>;
 *   - docker before 25: manifest.json, Config "<hex>.json", Layers
 *     "<id>/layer.tar" (a symlink to the first copy when a layer repeats);
 *   - podman and skopeo docker-archive: "<hex>.json" and "<hex>.tar";
 *   - OCI image layouts (skopeo oci-archive, umoci): index.json only, its
 *     descriptors naming manifests or nested indexes (a multi-platform
 *     image loads the manifest of this host's platform); the tag is the
 *     descriptor's io.containerd.image.name, or an
 *     org.opencontainers.image.ref.name that is a whole reference
 *     ("busybox:latest", not "v1").
 * Layers may be uncompressed or gzip, zstd, xz or bzip2 compressed; the
 * archive itself too (gzip, bzip2, xz, zstd).
 *
 * Nothing in the archive is trusted: every regular file is spooled under
 * the store's tmp/ by a number, hashed while it is written (a
 * blobs/sha256/<hex> must hash to <hex>); names, symlinks and hard links
 * are only names to look up by (resolved by name inside the archive, as
 * moby's safePath does, never on disk); devices and other entries are
 * skipped. Layers are applied by layer_import() (paths stay inside the
 * layer), and each one's uncompressed tar must hash to the diffID its
 * config names, or nothing of it is kept. Configs are stored byte for
 * byte, so a loaded image keeps its id, and layer tars too, so that
 * `save` gives back the same bytes.
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
 * or layer that does not match its digest, a missing file; -ENOENT for an
 * index without an image for this platform; -EINVAL for a bad tag;
 * -EOPNOTSUPP without libarchive; else the errno of the failed step.
 * Takes the store lock while it writes an image (not while it reads the
 * archive). Bounds: 100000 entries, 1024 images, 500 layers an image,
 * 4 MiB per JSON document, 8 links followed, 4 nested indexes.
 */
int image_load(struct store *s, int in_fd, char ***ret_loaded, struct hull_err **err);

#endif
