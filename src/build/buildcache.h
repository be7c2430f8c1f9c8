/* SPDX-License-Identifier: MIT */
/*
 * The directories of RUN --mount=type=cache, kept across builds in the
 * store: <root>/cache/mounts/<key>/ per cache (the key hashes the mount's id
 * and what seeds it: the "from" source and the mode, uid and gid), holding
 * info.json ({"id": ..., "created": seconds}) and instances 0, 1... that
 * a step mounts. BuildKit keeps the same per-id directories
 * (solver/llbsolver/mounts getRefCacheDir); as there, a second concurrent
 * user of a "private" cache, or any user while a "private" or "locked" one
 * holds it, gets another instance, and "locked" waits for the instance 0.
 *
 * Who uses what is told by flock(2): a step holds a shared lock on the
 * cache's directory and a lock on its instance (shared for "shared",
 * exclusive otherwise) until it ends, so a killed build frees them, and
 * build_cache_remove() skips a cache in use.
 *
 * Functions return 0 or a negative errno with *err set (util/err.h).
 */
#ifndef HULL_BUILD_BUILDCACHE_H
#define HULL_BUILD_BUILDCACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "build/runmount.h"
#include "image/store.h"
#include "util/err.h"

/* A cache instance in use by this process. */
struct build_cache_lease {
	char *path;  /* the instance directory, to mount */
	int dir_fd;  /* the cache's directory, shared flock */
	int inst_fd; /* the instance, flock */
};
#define BUILD_CACHE_LEASE_INIT                            \
	{                                                 \
		.path = NULL, .dir_fd = -1, .inst_fd = -1 \
	}

/*
 * build_cache_acquire() - an instance of the cache @key (64 hex digits;
 * @id is what info.json records) for one step, as @sharing says, waiting
 * for "locked". A new instance is created with @mode, @uid and @gid, and
 * filled by @seed(@seed_arg, dir) when @seed is not NULL, before anyone
 * else can see it. The caller ends the use with build_cache_release().
 */
int build_cache_acquire(struct store *s, const char *key, const char *id,
			enum build_mount_sharing sharing, mode_t mode, uid_t uid, gid_t gid,
			int (*seed)(void *arg, const char *dir, struct hull_err **err),
			void *seed_arg, struct build_cache_lease *ret, struct hull_err **err);

/* build_cache_release() - drop the locks and free @l's path; @l may be initialized only. */
void build_cache_release(struct build_cache_lease *l);

/* One cache, as `builder prune` and `system df` show it. */
struct build_cache_record {
	char *key;	  /* the directory's name */
	char *id;	  /* the mount's id */
	int64_t size;	  /* bytes of every instance */
	bool in_use;	  /* a build holds it now */
	double created;	  /* seconds since the epoch (0: unknown) */
	double last_used; /* likewise */
};

/* build_cache_list() - every cache of the store, by key; *@ret is a new array. */
int build_cache_list(struct store *s, struct build_cache_record **ret, size_t *ret_n,
		     struct hull_err **err);
void build_cache_records_free(struct build_cache_record *r, size_t n);

/* build_cache_remove() - delete the cache @key with its instances; -EBUSY (no *err) in use. */
int build_cache_remove(struct store *s, const char *key, struct hull_err **err);

/*
 * build_cache_forget_steps() - drop the step cache: the keys in <root>/cache/
 * that name the image a step made and the content-hash cache, so that the
 * next build runs every step (the images stay, `image prune`'s).
 */
void build_cache_forget_steps(struct store *s);

#endif
