/* SPDX-License-Identifier: MIT */
/*
 * Image references: parsing and normalisation as docker's
 * distribution/reference package (ParseNormalizedNamed, TagNameOnly,
 * FamiliarString): "busybox" is "docker.io/library/busybox:latest".
 */
#ifndef HULL_IMAGE_REFERENCE_H
#define HULL_IMAGE_REFERENCE_H

#include "util/err.h"

struct image_ref {
	char *domain; /* "docker.io", "localhost", "registry:5000" */
	char *path;   /* "library/busybox", "python" */
	char *tag;    /* "latest" when neither tag nor digest was given; NULL with digest only */
	char *digest; /* "sha256:..." or NULL */
};

/*
 * ref_parse() - parse and normalise @s into @ret (owned strings; release with
 * ref_release()). A first component with '.' or ':' or equal to "localhost"
 * is a domain; otherwise the domain is docker.io and a single-component path
 * gets "library/". Upper-case repository names, empty components, bad tags
 * (more than 128 chars, not [A-Za-z0-9_][A-Za-z0-9_.-]*) and bad digests fail
 * with -EINVAL and a message naming @s ("invalid reference format").
 */
int ref_parse(const char *s, struct image_ref *ret, struct hull_err **err);
/* ref_release() - free the strings of @r. */
void ref_release(struct image_ref *r);
/* ref_string() - full form "domain/path:tag" or "domain/path@digest" (both if both); caller frees.
 */
char *ref_string(const struct image_ref *r);
/* ref_familiar_name() - repository as docker shows it: "busybox", "localhost/python"; caller frees.
 */
char *ref_familiar_name(const struct image_ref *r);
/* ref_familiar() - familiar name plus ":tag" (or "@digest"); caller frees. */
char *ref_familiar(const struct image_ref *r);

#endif
