/* SPDX-License-Identifier: MIT */
/* Helpers shared by the files of src/image/; not part of the module's interface. */
#ifndef HULL_IMAGE_STORE_INTERNAL_H
#define HULL_IMAGE_STORE_INTERNAL_H

#include "image/store.h"

/* Bounds on what we read back from the store (untrusted if the root is shared). */
#define STORE_JSON_MAX	(4u << 20)
#define STORE_INDEX_MAX (64u << 20)

/*
 * store_blob_adopt() - move the complete file @tmp_path (on the store's file
 * system, already fsynced) whose contents hash to @digest into blobs/. If the
 * blob exists the file is removed instead.
 */
int store_blob_adopt(struct store *s, const char *tmp_path, const char *digest,
		     struct hull_err **err);

/* store_layer_adopt() - move @stage (a tmp/ dir holding diff/) to layers/<chain hex>, or drop it if
 * present. */
int store_layer_adopt(struct store *s, const char *stage, const char *chain_id,
		      struct hull_err **err);

/* rm_rf_at() - remove @name below @dfd recursively, not following symlinks. */
int image_rm_rf_at(int dfd, const char *name);

#endif
