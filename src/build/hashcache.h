/* SPDX-License-Identifier: MIT */
/*
 * The content-hash cache of build contexts (BuildKit's contenthash cache,
 * cache/contenthash/checksum.go, keeps per-file digests the same way): the
 * sha256 of a regular file's contents, remembered by (device, inode, size,
 * mtime, ctime) so that the COPY checksum that keys the build cache reads
 * only files that changed since the last build. Kept in
 * <root>/cache/contenthash.bin, a private binary file with a trailing
 * sha256 of its records; a missing, torn or foreign file is an empty cache.
 * Files changed less than two seconds before they are hashed are not
 * remembered: a later change within the same timestamp tick could
 * otherwise go unseen (git's "racy clean" problem).
 */
#ifndef HULL_BUILD_HASHCACHE_H
#define HULL_BUILD_HASHCACHE_H

#include <sys/stat.h>
#include "util/digest.h"
#include "util/err.h"

struct hash_cache;

/*
 * hash_cache_load() - the cache of the store at @root (never fails: a
 * missing or bad file is an empty cache).
 */
struct hash_cache *hash_cache_load(const char *root);

/*
 * hash_cache_file() - "sha256:<hex>" of the contents of the regular file
 * @path whose lstat is @st, from @hc when an entry matches @st exactly, else
 * read (and remembered unless it changed in the last two seconds). @hc may
 * be NULL (no caching). Returns 0 or -errno of open/read.
 */
int hash_cache_file(struct hash_cache *hc, const char *path, const struct stat *st,
		    char ret[DIGEST_STR_LEN]);

/*
 * hash_cache_save() - write the cache back if it changed (temp file and
 * rename, the temp file under <root>/tmp; entries not used by this build are kept up to a bound,
 * used ones first). Errors: errno of the write. Accepts NULL.
 */
int hash_cache_save(struct hash_cache *hc, struct hull_err **err);

/* hash_cache_free() - free; accepts NULL; returns NULL. */
struct hash_cache *hash_cache_free(struct hash_cache *hc);

#endif
