/* SPDX-License-Identifier: MIT */
/* Helpers shared by the files of src/image/; not part of the module's interface. */
#ifndef HULL_IMAGE_STORE_INTERNAL_H
#define HULL_IMAGE_STORE_INTERNAL_H

#include <sys/types.h>
#include <jansson.h>
#include "image/store.h"

/* Bounds on what we read back from the store (untrusted if the root is shared). */
#define STORE_JSON_MAX	(4u << 20)
#define STORE_INDEX_MAX (64u << 20)
/* Layers of one image (manifests, configs, archives we load) */
#define MAX_LAYERS 500

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

/*
 * layer_dir_tar() - the layer tar of the layer (or overlay upper) directory
 * @dir, written to @out_fd (-1: only hashed), its digest in @ret_digest and
 * its length in bytes in *@ret_size. Deterministic (store_layer_commit_dir()).
 */
int layer_dir_tar(const char *dir, int out_fd, char ret_digest[DIGEST_STR_LEN], uint64_t *ret_size,
		  struct hull_err **err);

/*
 * layer_record_stage() - write the records of a built layer into its stage
 * directory (tmp/, beside diff/): layer.json (diffID and tar size, stays with
 * the layer) and the lazy blob record moved out by layer_record_adopt().
 */
int layer_record_stage(struct store *s, const char *stage, const char *diff_id, uint64_t size,
		       const char *chain_id, struct hull_err **err);
/*
 * layer_record_adopt() - once layers/<chain> is in place, make @diff_id a
 * lazy blob of @size bytes unless the blob (stored or lazy) already exists.
 */
int layer_record_adopt(struct store *s, const char *chain_id, const char *diff_id, uint64_t size,
		       struct hull_err **err);
/* store_blob_remove() - remove the blob @digest, stored or lazy (missing is fine). */
void store_blob_remove(struct store *s, const char *digest);

/*
 * layer_read_fn - a source of tar bytes for layer_apply_reader(), with
 * libarchive's read-callback contract: point *@buf at the next bytes and
 * return their count (valid until the next call), 0 at the end, -1 on error.
 */
typedef ssize_t (*layer_read_fn)(void *arg, const void **buf);
/*
 * layer_apply_reader() - apply the uncompressed layer tar that @read gives
 * into the layer directory @root_fd (borrowed), with the rules of
 * store_layer_import_tar() (no path leaves the layer, OCI whiteouts become
 * overlay whiteouts). Reads up to the tar's end-of-archive blocks, not
 * necessarily to the end of the stream. -EBADMSG naming the entry for a bad
 * tar. Thread-safe (no shared state); libarchive is loaded on first use.
 */
int layer_apply_reader(int root_fd, layer_read_fn read, void *arg, struct hull_err **err);

/*
 * layer_import() - store_layer_import_stream() (@keep_tar false: the tar's
 * digest and size are recorded as a lazy blob) and store_layer_import_tar()
 * (@keep_tar true: the uncompressed tar is stored as the blob of its diffID,
 * and xz and bzip2 streams are accepted too) in one: see store.h. With
 * @expected (may be NULL) the tar must hash to it, and an existing layer
 * is only checked, not extracted again. Takes the store lock (nested if the
 * caller holds it) only for the final renames. Nothing stays on failure.
 */
int layer_import(struct store *s, int fd, const char *parent_chain_id, const char *expected,
		 bool keep_tar, char ret_diff_id[DIGEST_STR_LEN], char ret_chain_id[DIGEST_STR_LEN],
		 struct hull_err **err);

/*
 * Tar skeletons (image/tar-split.c): what a pulled layer's tar holds beside
 * its files, kept as layers/<chain hex>/tar-split so that the exact tar can
 * be made again from the layer directory.
 * tar_split_new() - a writer to @fd (borrowed); tar_split_feed() the tar's
 * bytes in order (any pieces); tar_split_finish() flushes and returns 0, or
 * -EBADMSG when the stream had what the format does not model (sparse
 * files...) or a write failed: the file must then be dropped. Not
 * thread-safe: one writer per stream, fed by one thread.
 */
struct tar_split;
struct tar_split *tar_split_new(int fd);
void tar_split_feed(struct tar_split *t, const void *buf, size_t len);
int tar_split_finish(struct tar_split *t);
struct tar_split *tar_split_free(struct tar_split *t);
/*
 * tar_split_replay() - write to @out_fd the tar that the skeleton read from
 * @split_fd and the files below @dir_fd (the layer's diff/, opened inside it
 * with openat2 RESOLVE_IN_ROOT) make; its digest and size in @ret_digest
 * and *@ret_size. The caller checks the digest: a file changed since (or a
 * tar whose entries overwrote each other) gives another. -EBADMSG for a bad
 * skeleton or a file shorter than its entry. fds borrowed.
 */
int tar_split_replay(int split_fd, int dir_fd, int out_fd, char ret_digest[DIGEST_STR_LEN],
		     uint64_t *ret_size, struct hull_err **err);

/*
 * store_index_load() - read images/index.json (an empty index when there is
 * none); -EBADMSG when it is malformed. No lock needed (replaced atomically).
 */
int store_index_load(struct store *s, json_t **ret, struct hull_err **err);
/*
 * store_collect_used() - what the images of the index @idx use: blobs
 * (manifests, configs, layer blobs, diffIDs, the index blobs of repository
 * digests) and chainIDs, appended to the two vectors. False when an image
 * could not be read (then nothing can be said to be unused).
 */
bool store_collect_used(struct store *s, json_t *idx, char ***used_blobs, char ***used_chains);
/*
 * store_tmp_entry_stale() - whether the tmp/ entry @name ("<prefix>-<pid>-XXXXXX")
 * was left by a process that is gone (or has no owner in its name).
 */
bool store_tmp_entry_stale(const char *name);
/*
 * store_writer_stale() - whether the writer marker @name (writers/<pid>-*,
 * see store_lock()) below @dfd was left by a writer that is gone: its lock
 * is not held (the pid in its name may live on, exec'd). False for this
 * process's own.
 */
bool store_writer_stale(int dfd, const char *name);
/* store_layer_remove() - remove layers/<chain hex>, moved out of sight first; missing is fine. */
int store_layer_remove(struct store *s, const char *chain_id, struct hull_err **err);
/*
 * store_blob_verify() - hash the stored blob file @digest (not a lazy
 * record): 0 when its bytes hash to @digest, -EBADMSG "content hashes to
 * ..." when not, -ENOENT when there is no such file.
 */
int store_blob_verify(struct store *s, const char *digest, struct hull_err **err);
/*
 * store_layer_verify() - archive layers/<@chain_id hex>/diff again (with its
 * tar skeleton when it has one, as store_blob_open_layer() does) and compare
 * the tar's digest with @diff_id and with its layer.json. 0 when they match,
 * 1 when the layer cannot be checked that way (an imported layer: it has no
 * layer.json, its tar is a stored blob that store_blob_verify() checks),
 * -ENOENT when the layer is missing, -EBADMSG when the contents differ.
 * Takes the store lock while it reads the layer.
 */
int store_layer_verify(struct store *s, const char *chain_id, const char *diff_id,
		       struct hull_err **err);

/*
 * store_writer_begin() - mark this process as a writer before it puts
 * anything into the store without the lock (see store_lock()).
 */
int store_writer_begin(struct store *s, struct hull_err **err);
/*
 * store_remove_orphans() - remove the blobs, lazy blob records and layers
 * that no image of the index uses (store_check()'s orphans, without the
 * verification); nothing when an image cannot be read. Caller holds the lock.
 */
void store_remove_orphans(struct store *s);

/* rm_rf_at() - remove @name below @dfd recursively, not following symlinks. */
int image_rm_rf_at(int dfd, const char *name);

#endif
