/* SPDX-License-Identifier: MIT */
/*
 * The image store (DESIGN.md "Store layout"): content-addressed blobs,
 * image configs and manifests (OCI image-spec), references, and extracted
 * layers that serve as overlayfs lower directories.
 *
 * Conventions: functions return 0 (or >= 0) on success and a negative errno
 * with *err set on failure (util/err.h). Returned strings and structures are
 * owned by the caller unless said otherwise.
 */
#ifndef HULL_IMAGE_STORE_H
#define HULL_IMAGE_STORE_H

#include <pthread.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "util/digest.h"
#include "util/err.h"

struct store {
	char *root; /* absolute path of the store root */
	int lock_fd;
	int writer_fd;	   /* locked writers/<pid>-XXXXXX while this process writes, or -1 */
	char *writer_path; /* its path, removed by store_free() */
	pid_t writer_pid;  /* the process that made it (a fork shares the fd, not the file) */
	int lock_depth;	   /* nesting of store_lock() by the thread holding lock_mutex */
	pthread_mutex_t lock_mutex; /* recursive: the flock is per open file, not per thread */
};

/*
 * store_open() - open (creating if needed) the store at @root: blobs/sha256,
 * layers, images, containers, cache, tmp, writers. When the lock can be taken at
 * once, what dead processes left is reclaimed: stale entries under tmp/, and
 * when a writer died (its writers/ marker is no longer locked) and no
 * other writer is at work, the blobs, lazy records and layers that no image
 * uses (what a commit, import, build, rmi or pull killed between its writes
 * and its index update left). *@ret is freed with store_free().
 */
int store_open(const char *root, struct store **ret, struct hull_err **err);
/*
 * store_open_flags() - store_open() with @flags: STORE_OPEN_KEEP_LEFTOVERS
 * leaves what dead processes left under tmp/ and images/ in place, so that
 * store_check() can report it (`hull system check`).
 */
#define STORE_OPEN_KEEP_LEFTOVERS 1u
int store_open_flags(const char *root, unsigned flags, struct store **ret, struct hull_err **err);
/* store_free() - release the lock (if held) and free; accepts NULL; returns NULL. */
struct store *store_free(struct store *s);
/*
 * store_lock() / store_unlock() - take/release the exclusive store lock
 * (flock on <root>/lock). Nested calls by one thread are counted. Every
 * writer holds it. The first store_lock() of a process marks it as a writer
 * (writers/<pid>-XXXXXX, locked with a POSIX record lock through an
 * O_CLOEXEC fd until store_free(), an exec or the process's death; forked
 * children do not hold it), which stops store_open()
 * of others from reclaiming unreferenced blobs while it works; the functions
 * that write into the store without the lock (store_blob_write(),
 * store_tmpdir(), blob writers) take it once first for that. Thread-safe: a flock belongs to the
 * open file, which the threads of a process share, so a recursive mutex inside makes the lock
 * exclusive between threads too (a pull imports several layers at once).
 * store_unlock() must be called by the thread that locked.
 */
int store_lock(struct store *s, struct hull_err **err);
void store_unlock(struct store *s);
/* store_tmpdir() - create a fresh directory under <root>/tmp (same file system); caller frees the
 * path. */
int store_tmpdir(struct store *s, const char *prefix, char **ret_path, struct hull_err **err);

/*
 * Blobs: <root>/blobs/sha256/<hex>, written atomically and verified by name.
 * Built layers' tars are not stored but recorded in <root>/blobs/lazy/<hex>
 * (image/layer-blob.c); store_blob_size() and store_blob_open_layer() see both.
 */
int store_blob_write(struct store *s, const void *data, size_t len, char ret_digest[DIGEST_STR_LEN],
		     struct hull_err **err);
int store_blob_read(struct store *s, const char *digest, size_t max, char **ret_data,
		    size_t *ret_len, struct hull_err **err);
/*
 * store_blob_path() - path of a stored blob (may not exist: a built layer's
 * blob is lazy, see store_blob_open_layer()); caller frees.
 */
char *store_blob_path(struct store *s, const char *digest);
/*
 * store_blob_size() - size in bytes of the blob @digest: the stored file's,
 * or for a lazy layer blob (a layer built here, whose tar is not kept) the
 * recorded size of its tar. -1 if the store has neither.
 */
int64_t store_blob_size(struct store *s, const char *digest);
/*
 * store_blob_open_layer() - open the uncompressed layer tar @digest (a
 * diffID, which is also the manifest's layer digest here) for reading:
 * the stored blob, or for a layer built here the tar made again from its
 * layer directory (byte-identical: the tar writer is deterministic) into an
 * unlinked file under tmp/. Either way the bytes were hashed and checked
 * against @digest (and the recorded size) before return; *@ret_fd is at
 * offset 0, caller closes. What docker's layer store does for
 * TarStream/`docker save` (moby layer/layer_store.go, its overlay2 driver
 * Diff: the tar is produced from the layer directory on demand). Errors:
 * -ENOENT no such blob or no layer directory that makes it, -EBADMSG
 * content does not match, else the errno of the failed step. Takes the
 * store lock while it archives a layer directory.
 */
int store_blob_open_layer(struct store *s, const char *digest, int *ret_fd, struct hull_err **err);

struct image {
	char *id;	       /* config digest, "sha256:<hex>": docker's IMAGE ID */
	char *manifest_digest; /* digest of the OCI manifest blob */
	json_t *config;	       /* the image config (owned reference) */
	char **diff_ids;       /* bottom layer first, NULL-terminated (never NULL itself) */
	char **chain_ids;      /* chainIDs matching diff_ids */
	char **layer_digests;  /* manifest layer blob digests matching diff_ids */
	int64_t size;	       /* sum of the layers' uncompressed tar sizes, bytes: the
				* diffID blob's size (stored or lazy) when present, else the
				* manifest descriptor's size (docker shows content size; close
				* enough) */
};

/*
 * store_image_get() - find an image by reference ("busybox", "localhost/x:1"),
 * by repository digest ("busybox@sha256:...", as recorded by
 * store_repo_digest_add(); a tag beside the digest is ignored; a manifest
 * digest of the store answers too), by full id ("sha256:<hex>") or by an
 * unambiguous id prefix of at least 4 hex digits (with or without
 * "sha256:"), as docker does. Not found: -ENOENT, message "No such image:
 * NAME:latest" (moby's ErrImageDoesNotExist: familiar, tag explicit);
 * neither a reference nor an id: -EINVAL with the reference's parse error.
 * Ambiguous prefix: -EINVAL. No lock (the index is replaced atomically).
 */
int store_image_get(struct store *s, const char *name, struct image **ret, struct hull_err **err);
/*
 * store_image_load() - load the image whose OCI manifest blob is
 * @manifest_digest; the manifest and config blobs are verified against
 * their digests (-EBADMSG when corrupt).
 */
int store_image_load(struct store *s, const char *manifest_digest, struct image **ret,
		     struct hull_err **err);
/*
 * store_image_list() - the manifest digests of every image in the store,
 * tagged or not (docker's "<none>" images), sorted; a strv, caller frees.
 */
int store_image_list(struct store *s, char ***ret, struct hull_err **err);

/*
 * store_image_set_intermediate() - mark (or unmark) the image @manifest_digest
 * as a build step: `images` hides such untagged images unless -a, as docker
 * hides the legacy builder's intermediate images. Caller holds the lock.
 * -ENOENT if the image is unknown.
 */
int store_image_set_intermediate(struct store *s, const char *manifest_digest, bool on,
				 struct hull_err **err);
/* store_image_is_intermediate() - whether the image was marked so (false if unknown). */
bool store_image_is_intermediate(struct store *s, const char *manifest_digest);
/*
 * image_is_ancestor() - whether @a is an ancestor of @b, standing in for
 * the parent chain docker's classic builder records and hull does not:
 * @a's history is a strict prefix of @b's, @a's diffIDs a prefix of @b's,
 * and they are not the same image. That is exactly the relation of the
 * images of a build's steps, and of a FROM image to what is built on it.
 * Used by image prune (moby's parent walk) and ps --filter ancestor= (moby
 * daemon/list.go populateImageFilterByParents). Pure.
 */
bool image_is_ancestor(const struct image *a, const struct image *b);

/* image_free() - free; accepts NULL; returns NULL. */
struct image *image_free(struct image *img);
static inline void image_freep(struct image **img)
{
	image_free(*img);
}
#define _cleanup_image_ _cleanup_(image_freep)

/*
 * store_image_commit() - write @config (borrowed; its rootfs.diff_ids must
 * match @layer_digests) as a config blob and an OCI manifest, and record
 * the image. Each layer is listed as its uncompressed tar
 * (application/vnd.oci.image.layer.v1.tar, digest = diffID), except the
 * layers the image shares with @base (may be NULL; the image it was built
 * on, bottom layers first): those keep @base's descriptors when their blobs
 * are in the store, so that an image built on a pulled one names the
 * compressed blobs the registry has (docker's push finds them through its
 * v2 metadata). Returns the image in *@ret (may be NULL). Does not tag.
 * Caller holds the lock.
 */
int store_image_commit(struct store *s, json_t *config, char *const *layer_digests,
		       const struct image *base, struct image **ret, struct hull_err **err);
/*
 * store_image_commit_raw() - store_image_commit() with the config given as
 * its bytes @cdata (@clen bytes, at most 4 MiB), stored unchanged, so the
 * image id is the digest of exactly those bytes (`hull load` keeps a saved
 * image's id; re-dumping the JSON would change it). The bytes must parse as
 * a JSON object whose rootfs.diff_ids equal @layer_digests (-EBADMSG or
 * -EINVAL otherwise). Caller holds the lock.
 */
int store_image_commit_raw(struct store *s, const char *cdata, size_t clen,
			   char *const *layer_digests, struct image **ret, struct hull_err **err);
/* store_image_commit_on() - store_image_commit_raw() with store_image_commit()'s @base. */
int store_image_commit_on(struct store *s, const char *cdata, size_t clen,
			  char *const *layer_digests, const struct image *base, struct image **ret,
			  struct hull_err **err);
/*
 * store_image_commit_step() - store_image_commit() of a build step's image,
 * marked intermediate (store_image_set_intermediate()) in the same write of
 * the index, which a separate call would write (and fsync) a second time.
 * Caller holds the lock.
 */
int store_image_commit_step(struct store *s, json_t *config, char *const *layer_digests,
			    const struct image *base, struct image **ret, struct hull_err **err);

/*
 * store_image_event() - append the image event @action ("tag", "untag",
 * "import", "load", "save"...) to the store's journal (util/events.h):
 * Actor.ID is the image ID of @manifest_digest (or any name of an image the
 * store has) when it is in the store (else @manifest_digest, else @ref), and
 * the "name" attribute is
 * @ref in docker's familiar form, or the ID when @ref is NULL (as moby's
 * untag and delete name it). Best effort; takes the store lock only to read.
 */
void store_image_event(struct store *s, const char *action, const char *manifest_digest,
		       const char *ref);

/* References -> manifest digests, kept in <root>/images/index.json (atomic). */
/*
 * store_image_record() - record the image whose manifest blob (and its
 * config and layers) a load or a pull wrote with store_blob_write(), under
 * no reference (`docker load` of an untagged image); validated as
 * store_image_load() does (-EBADMSG when corrupt, -ENOENT when a part is
 * missing). Nothing changes if it is recorded already. Takes the lock itself.
 */
int store_image_record(struct store *s, const char *manifest_digest, struct hull_err **err);
/*
 * store_tag() - point reference @ref (any docker form; normalised) at
 * @manifest_digest. A manifest not yet in the index (written with
 * store_blob_write() by a pull) is validated and recorded as an image.
 * Takes the lock itself.
 */
int store_tag(struct store *s, const char *ref, const char *manifest_digest, struct hull_err **err);
/*
 * store_tag_result() - store_tag() of a build's result, whose intermediate
 * mark (store_image_set_intermediate()) goes in the same write of the index.
 * Takes the lock itself.
 */
int store_tag_result(struct store *s, const char *ref, const char *manifest_digest,
		     struct hull_err **err);
/*
 * store_untag() - remove the tag @ref, or with a digest ("busybox@sha256:...")
 * that repository digest; -ENOENT if absent. Takes the lock itself.
 */
int store_untag(struct store *s, const char *ref, struct hull_err **err);
/*
 * store_refs() - all references: a JSON object mapping the normalised
 * reference string to its manifest digest (new reference in *@ret).
 */
int store_refs(struct store *s, json_t **ret, struct hull_err **err);
/*
 * store_image_delete() - remove an untagged image's manifest and config
 * blobs and its repository digests; layers no other image uses are removed
 * too (blobs and layer directories). A still-tagged image fails with
 * -EBUSY: untag first. Checking containers that use it is the caller's
 * job. Caller holds the lock.
 */
int store_image_delete(struct store *s, const struct image *img, struct hull_err **err);
/*
 * store_image_delete_report() - store_image_delete(), telling what went:
 * *@ret_layers (may be NULL) the chainIDs of the layer directories removed,
 * top layer first (docker's "Deleted: sha256:<chainID>" lines of rmi and
 * prune), a strv the caller frees; *@ret_bytes (may be NULL) the bytes
 * freed: sizes of the blob files and of the files of the layer directories
 * removed (what `image prune` reports as reclaimed). Every blob the image
 * named that no remaining image names goes: manifest, config, layer blobs
 * (compressed ones of a pull and the uncompressed diffID blob or its lazy
 * record) and the index blob of a repository digest.
 */
int store_image_delete_report(struct store *s, const struct image *img, char ***ret_layers,
			      uint64_t *ret_bytes, struct hull_err **err);

/*
 * store_discard() - remove the blobs @digests and the layers @chain_ids
 * (either may be NULL) that no image of the index uses: what a failed
 * pull added, so that the store is as it was. Nothing is removed when an
 * image cannot be read (then what is used is unknown). Takes the lock.
 */
int store_discard(struct store *s, char *const *digests, char *const *chain_ids,
		  struct hull_err **err);

/* Layers: <root>/layers/<chainID hex>/diff, complete or absent. */
/* store_layer_dir() - the diff directory of a layer; caller frees. */
char *store_layer_dir(struct store *s, const char *chain_id);
/*
 * store_image_lowerdirs() - overlay lowerdir paths of @img, top layer first
 * (the order of overlayfs' lowerdir=); NULL-terminated, caller frees.
 */
char **store_image_lowerdirs(struct store *s, const struct image *img);
/* chain_id_next() - chainID of a layer @diff_id on top of @parent (NULL for the bottom layer). */
void chain_id_next(const char *parent, const char *diff_id, char ret[DIGEST_STR_LEN]);

/*
 * store_layer_import_tar() - apply the uncompressed or gzip/zstd/xz/bzip2
 * tar stream read from @fd (borrowed, read sequentially to its end; a pipe
 * works) as a new layer on top of @parent_chain_id (NULL: bottom).
 * Entries are written below the new layer's directory only (no path escapes
 * through "..", absolute names or symlinks); OCI whiteouts (".wh.NAME",
 * ".wh..wh..opq") become overlayfs whiteouts (0:0 character devices,
 * trusted.overlay.opaque=y). The layer blob stored is the uncompressed tar,
 * so its digest is also the diffID (kept byte for byte: `save` gives back
 * what `load` read). Bad archives fail with -EBADMSG naming the entry; a
 * path that would leave the layer ("../x", a hard link out) fails,
 * absolute names and symlinks are resolved inside the layer
 * (openat2 RESOLVE_IN_ROOT), creating through a dangling symlink fails.
 * trusted.overlay.* xattrs in the tar are ignored. One pass: decompressed
 * and hashed in a second thread while applied (image/layer-stream.c).
 * libarchive is dlopen()ed on the first call (-EOPNOTSUPP if missing). On
 * failure nothing is left in the store. Takes the store lock for the final
 * renames (callers may hold it already).
 */
int store_layer_import_tar(struct store *s, int fd, const char *parent_chain_id,
			   char ret_diff_id[DIGEST_STR_LEN], char ret_chain_id[DIGEST_STR_LEN],
			   struct hull_err **err);
/*
 * store_layer_commit_dir() - turn an overlayfs upper directory @dir into a
 * layer on top of @parent_chain_id: hash its tar (overlay whiteouts become
 * OCI whiteouts) for the diffID, then move @dir into the store as the
 * layer's diff directory (it is consumed; it must be on the store's file
 * system, e.g. under containers/ or tmp/, else -EXDEV). The tar itself is
 * not stored: the blob is lazy (its size recorded, its bytes made again by
 * store_blob_open_layer()), as docker's overlay2 driver keeps no layer tars.
 * The tar is PAX with entries in byte order of their names and no padding
 * past the end blocks, so equal trees (content, modes, owners, mtimes,
 * xattrs) give equal diffIDs; trusted.overlay.* xattrs are not archived and
 * sockets are skipped. Caller holds the lock.
 */
int store_layer_commit_dir(struct store *s, const char *dir, const char *parent_chain_id,
			   char ret_diff_id[DIGEST_STR_LEN], char ret_chain_id[DIGEST_STR_LEN],
			   struct hull_err **err);

/*
 * Streams from a registry (registry/pull.c). Neither function holds the
 * store lock while bytes flow; each takes it only for the final rename, so
 * several layers (and several pulls) proceed at once. Stage files live
 * under tmp/ and are removed on failure, or by the next store_open() after
 * a kill, so a killed pull leaves nothing visible.
 */
struct blob_writer;
/*
 * store_blob_writer_open() - start writing a blob of unknown digest into a
 * file tmp/blob-<pid>-XXXXXX (removed by the next store_open() if this
 * process dies). Free with store_blob_writer_commit() or _abort(). A writer
 * is used by one thread at a time; several writers may run at once.
 */
int store_blob_writer_open(struct store *s, struct blob_writer **ret, struct hull_err **err);
/*
 * store_blob_writer_open_hashed() - store_blob_writer_open() for a caller
 * that hashes exactly the bytes it writes and checks them against the
 * digest before it commits (the registry client's reg_blob_get() does):
 * the writer does not hash them a second time, and commit takes @expected
 * as the blob's digest. A pull saves one SHA-256 pass over every blob.
 */
int store_blob_writer_open_hashed(struct store *s, struct blob_writer **ret, struct hull_err **err);
/*
 * store_blob_writer_write() - append @len bytes (borrowed), hashed on the
 * way; small pieces are gathered into 256 KiB writes. After a failed write
 * every later call fails.
 */
int store_blob_writer_write(struct blob_writer *w, const void *data, size_t len,
			    struct hull_err **err);
/*
 * store_blob_writer_commit() - fsync, check that the bytes hash to
 * @expected ("sha256:<hex>"; -EBADMSG "digest mismatch" naming both
 * otherwise, -EINVAL for another algorithm; nothing stored either way) and
 * move the file to blobs/sha256/ under the store lock (an existing blob is
 * replaced by the same bytes). Frees @w either way.
 */
int store_blob_writer_commit(struct blob_writer *w, const char *expected, struct hull_err **err);
/* store_blob_writer_abort() - remove the partial file and free; accepts NULL. */
void store_blob_writer_abort(struct blob_writer *w);

/*
 * store_layer_import_stream() - like store_layer_import_tar(), for a pull:
 * the stream read from @fd (borrowed; a pipe; read to its end;
 * uncompressed, gzip or zstd, detected from its first bytes: xz and bzip2
 * fail with -EBADMSG) is decompressed, hashed and extracted in one pass
 * (decompression and hashing in a second thread, handing the tar over in
 * four 256 KiB buffers: about 1.3 MiB per import whatever the layer's size),
 * and the uncompressed tar is not kept: the diffID is recorded as a lazy
 * blob with the tar's size, as for a built layer (image/layer-blob.c), and
 * the tar's skeleton (headers, padding: image/tar-split.c) is kept beside
 * the layer, so that store_blob_open_layer() gives back the same bytes
 * (docker's tar-split; not for sparse files). When
 * @expected_diff_id is not NULL the tar must hash to it (-EBADMSG "layer
 * diffID mismatch" naming both, nothing kept). If the layer (its chainID)
 * already exists the stream is still read to its end and checked, not
 * extracted, and the existing layer stays. On a failure the stream may be
 * left unread: the caller closes @fd (a writer then gets EPIPE). What
 * docker's pull does with a layer (moby distribution/pull_v2.go: download,
 * verify, then layer.Register applying the uncompressed stream), in one
 * pass. Thread-safe: several imports may run at once on one struct store
 * (each in its own thread); takes the lock only to adopt. Errors: -EBADMSG
 * (mismatch, corrupt compression, bad tar entry), -EINVAL (an invalid
 * digest argument), -EAGAIN (the existing layer was removed meanwhile), else
 * the errno of the failed step.
 */
int store_layer_import_stream(struct store *s, int fd, const char *parent_chain_id,
			      const char *expected_diff_id, char ret_diff_id[DIGEST_STR_LEN],
			      char ret_chain_id[DIGEST_STR_LEN], struct hull_err **err);
/*
 * store_layer_exists() - whether layers/<@chain_id hex> is complete in the
 * store (a layer appears only when complete). false for an invalid digest.
 * No lock: the answer may be stale by the time it is used.
 */
bool store_layer_exists(struct store *s, const char *chain_id);

/*
 * Repository digests (docker's RepoDigests: "busybox@sha256:..."): what a
 * pull or push learned about where an image lives. Kept in the index beside
 * the tags as normalised "DOMAIN/PATH@DIGEST" references, so that
 * store_image_get("busybox@sha256:...") finds the image; they are not tags
 * (`images` shows them only with --digests, `inspect` as RepoDigests) and
 * go when the image is deleted. The digest may be an index's (a pull by tag
 * of a multi-platform image records the index digest, as docker does).
 */
/* store_repo_digest_add() - record @ref_with_digest -> @manifest_digest. Takes the lock itself. */
int store_repo_digest_add(struct store *s, const char *ref_with_digest, const char *manifest_digest,
			  struct hull_err **err);
/*
 * store_repo_digests() - the familiar repo digests of the image
 * @manifest_digest, sorted ("busybox@sha256:..."); strv, caller frees.
 */
char **store_repo_digests(struct store *s, const char *manifest_digest);

/*
 * store_check_fn - how store_check() and container_check() report one
 * problem: @object names it ("blob sha256:...", "layer sha256:...",
 * "reference busybox:latest", "tmp/blob-12-aB3dE"), @problem says what is
 * wrong, @repaired whether it was removed (--repair). Strings borrowed.
 */
typedef void (*store_check_fn)(void *arg, const char *object, const char *problem, bool repaired);
/*
 * store_check() - `hull system check` of the image store, as `git fsck`
 * checks a repository: every stored blob against its digest, every layer
 * an image uses against its diffID (archived again as store_blob_open_layer()
 * does; an imported layer through its stored tar blob), every image's
 * manifest, config and layers, every reference (tag or repository digest)
 * against the images, and the orphans: blobs, lazy blob records and layers
 * that no image uses, stale entries of tmp/ and images/ (what a killed
 * process left; see STORE_OPEN_KEEP_LEFTOVERS), and entries that have no
 * business in blobs/ or layers/. With @repair the orphans are removed, and
 * nothing any image uses; unreferenced blobs and layers only when every
 * image could be read (else what is used is unknown). Each problem goes to
 * @report. Holds the store lock throughout, so writers wait. Returns the
 * number of problems left (not repaired), or a negative errno when the
 * check itself failed (the index unreadable is a problem, not a failure).
 */
int store_check(struct store *s, bool repair, store_check_fn report, void *arg,
		struct hull_err **err);

/*
 * archive_extract_fd() - docker's ADD of a local archive (moby
 * pkg/archive.Untar, BuildKit's unpack): if @fd reads as a tar, plain or
 * compressed with gzip, bzip2, xz or zstd, extract it into the directory
 * @dir_fd (borrowed). Entries keep their mode, owner, mtime and xattrs;
 * ".wh." names are ordinary files; no entry can reach outside @dir_fd
 * (openat2 RESOLVE_IN_ROOT, "../" refused). Returns 1 when extracted, 0 when
 * @fd is not an archive (nothing was written; rewind @fd to copy it), or a
 * negative errno (a damaged archive: -EBADMSG naming the entry).
 * libarchive is dlopen()ed on first use.
 */
int archive_extract_fd(int fd, int dir_fd, struct hull_err **err);

#endif
