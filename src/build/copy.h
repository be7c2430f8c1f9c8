/* SPDX-License-Identifier: MIT */
/*
 * COPY/ADD into a mounted image root (moby daemon/builder/dockerfile
 * copy.go and BuildKit's file op semantics: sources relative to their root
 * and never outside it, destination rules for '/' and multiple sources,
 * parent directories created, owner root or --chown, mode kept or --chmod,
 * mtime and xattrs kept, hard links among the copied names kept, ADD
 * extracting local archives), and the content checksum that keys the build
 * cache.
 */
#ifndef HULL_BUILD_COPY_H
#define HULL_BUILD_COPY_H

#include <stdbool.h>
#include <sys/types.h>
#include "build/hashcache.h"
#include "build/ignore.h"
#include "util/err.h"

struct copy_src {
	const char *path; /* after expansion, relative to @root; globs allowed */
	const char *root; /* absolute: the context, a mounted image root or a heredoc directory */
	bool context;	  /* the build context: .dockerignore applies, symlinks may not leave it */
	bool archive;	  /* ADD: extract it if it is a tar (local files and nothing else) */
};

struct copy_req {
	struct copy_src *srcs;
	size_t n_srcs;
	const char *dest;	      /* absolute destination inside the image, final '/' kept */
	const struct ignore *ignore;  /* .dockerignore of the context (may be NULL) */
	const struct ignore *exclude; /* --exclude patterns (may be NULL) */
	uid_t uid;		      /* owner of what is copied (0:0 without --chown) */
	gid_t gid;
	int chmod;    /* -1: keep the source modes */
	bool is_add;  /* for messages */
	bool parents; /* --parents: keep the source's path below its root (or below "/./") */
	struct hash_cache *hc; /* file digests of earlier builds (may be NULL): copy_checksum() */
};

/*
 * copy_checksum() - sha256 over the sources' paths, types, modes, sizes,
 * link targets, hard links among them, xattrs and the sha256 of each file's
 * contents (no times, as BuildKit's content hash), those file digests from
 * @q->hc when the file did not change since they were taken
 * (build/hashcache.h), as "sha256:..." (caller frees). Sources from images
 * are skipped (their image id keys the cache). Errors: a source outside the context, no match
 * ("no source files were specified"), a missing or ignored file
 * ("... file not found in build context").
 */
int copy_checksum(const struct copy_req *q, char **ret, struct hull_err **err);

/*
 * copy_into() - copy the sources into the mounted image root @root (an
 * overlay whose upper directory becomes the layer). The destination is
 * resolved inside @root, following symlinks as the image would, and so is
 * an image symlink met where a source directory's subdirectory goes: it is
 * kept and the copy goes into the directory it names; a link to anything
 * else fails with -ENOTDIR, "cannot copy to non-directory: /path".
 */
int copy_into(const struct copy_req *q, const char *root, struct hull_err **err);

/*
 * root_resolve() - @path (absolute or relative, inside the image @root)
 * with every symlink of an existing component resolved inside @root, as
 * BuildKit's fs.RootPath: ".." and absolute link targets stop at @root.
 * Returns a new absolute path below @root (caller frees), or NULL with
 * errno ELOOP after 255 links.
 */
char *root_resolve(const char *root, const char *path);

/*
 * copy_mkdir() - create @path (absolute in the image) and its missing parents
 * inside the mounted image root @root, symlinks followed inside the root,
 * new directories 0755 owned by @uid:@gid (BuildKit's WORKDIR mkdir).
 */
int copy_mkdir(const char *root, const char *path, uid_t uid, gid_t gid, struct hull_err **err);

/* path_clean() - lexically clean an absolute path in place ("/a/./b/../c" -> "/a/c"); returns @p.
 */
char *path_clean(char *p);

/* strcmp_ptr() - qsort comparator for char * arrays. */
int strcmp_ptr(const void *a, const void *b);

#endif
