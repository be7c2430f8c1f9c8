/* SPDX-License-Identifier: MIT */
/*
 * COPY/ADD from the build context into a new layer directory (moby
 * daemon/builder/dockerfile copy.go semantics: sources relative to the
 * context and never outside it, destination rules for '/' and multiple
 * sources, parent directories created, owner root or --chown, mode kept or
 * --chmod), and the content checksum that keys the build cache.
 */
#ifndef HULL_BUILD_COPY_H
#define HULL_BUILD_COPY_H

#include <stdbool.h>
#include <sys/types.h>
#include "util/err.h"

struct copy_req {
	const char *context; /* absolute context directory */
	char **sources;	     /* after expansion, relative to the context; globs allowed */
	const char *dest;    /* absolute destination inside the image */
	char **lowerdirs;    /* the image's layers, top first (for existing directories) */
	uid_t uid;	     /* owner of what is copied */
	gid_t gid;
	int chmod; /* -1: keep the source modes */
	bool is_add;
};

/*
 * copy_checksum() - sha256 over the sources' paths, types, modes, sizes,
 * link targets and contents (no times), as "sha256:..." (caller frees).
 * Errors: a source outside the context, no match ("no source files were
 * specified"), a missing file ("... no such file or directory").
 */
int copy_checksum(const struct copy_req *q, char **ret, struct hull_err **err);

/* copy_into() - copy the sources into @layer_dir (an empty staging directory) at q->dest. */
int copy_into(const struct copy_req *q, const char *layer_dir, struct hull_err **err);

/* path_clean() - lexically clean an absolute path in place ("/a/./b/../c" -> "/a/c"); returns @p.
 */
char *path_clean(char *p);

/* strcmp_ptr() - qsort comparator for char * arrays. */
int strcmp_ptr(const void *a, const void *b);

#endif
