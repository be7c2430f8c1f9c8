/* SPDX-License-Identifier: MIT */
/*
 * Manifests and indexes as a registry serves them: parsing, validation and
 * platform selection. Pure (bytes in, structures out, no I/O), so it is
 * fuzzed (tests/fuzz/fuzz-manifest.c).
 *
 * Accepted: OCI image index and manifest (image-spec 1.1), docker manifest
 * list and image manifest schema 2 (docker image-spec v2.2). Schema 1 is
 * refused with a clear message, as docker 28 refuses it.
 */
#ifndef HULL_REGISTRY_MANIFEST_H
#define HULL_REGISTRY_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>
#include "util/digest.h"
#include "util/err.h"

struct platform {
	char *os;      /* "linux" */
	char *arch;    /* "amd64" */
	char *variant; /* "v8", or NULL */
};

struct descriptor {
	char *media_type;
	char digest[DIGEST_STR_LEN];
	int64_t size;		  /* bytes, >= 0 */
	struct platform platform; /* index entries only; os NULL when absent */
};

struct manifest {
	bool is_index;
	char *media_type;	    /* of the document itself */
	struct descriptor config;   /* image manifests only */
	struct descriptor *entries; /* layers (manifest) or manifests (index) */
	size_t n_entries;
};

/*
 * manifest_parse() - parse @len bytes @data served with @media_type (the
 * Content-Type; NULL or generic: taken from the body's mediaType, and a
 * body with "manifests" is an index). Checks: a JSON object of at most
 * 4 MiB, schemaVersion 2, a mediaType in the body (if any) equal to the
 * served one, descriptors with valid sha256 digests and non-negative sizes,
 * at most 500 layers or 1000 index entries, layer media types that hull
 * can apply (tar, tar+gzip, tar+zstd, docker's gzip and foreign layers).
 * -EBADMSG with a message naming @what ("manifest sha256:...") otherwise.
 * *@ret is freed with manifest_free().
 */
int manifest_parse(const char *data, size_t len, const char *media_type, const char *what,
		   struct manifest **ret, struct hull_err **err);
/* manifest_free() - free; accepts NULL; returns NULL. */
struct manifest *manifest_free(struct manifest *m);

/*
 * platform_parse() - "OS/ARCH[/VARIANT]" (docker --platform; "linux" alone
 * is linux with the host's architecture) normalised as containerd's
 * platforms.Normalize (x86_64 = amd64, aarch64 = arm64, arm64/v8 = arm64,
 * armhf = arm/v7). -EINVAL naming @s otherwise. Release with platform_release().
 */
int platform_parse(const char *s, struct platform *ret, struct hull_err **err);
/* platform_host() - the platform of this machine (uname), normalised. */
void platform_host(struct platform *ret);
/* platform_release() - free the strings of @p. */
void platform_release(struct platform *p);
/* platform_string() - "os/arch[/variant]"; caller frees. */
char *platform_string(const struct platform *p);

/*
 * manifest_select() - the entry of index @idx for @want, as containerd's
 * default matcher picks it: the same os and architecture, and the same
 * variant when @want has one (an entry without variant matches the
 * architecture's default: v8 for arm64, v7 for arm); among several, the
 * first in the index order. Entries for "unknown/unknown" (attestations)
 * never match. NULL when none does (the caller reports docker's "no
 * matching manifest for linux/amd64 in the manifest list entries").
 */
const struct descriptor *manifest_select(const struct manifest *idx, const struct platform *want);

/*
 * image_config_check() - parse the image config @data (@len bytes, at most
 * 8 MiB) of a manifest with @n_layers layers: a JSON object whose
 * rootfs.type is "layers" and whose rootfs.diff_ids are @n_layers valid
 * digests, returned as a strv in *@ret_diff_ids (caller frees). -EBADMSG
 * naming @what otherwise.
 */
int image_config_check(const char *data, size_t len, size_t n_layers, const char *what,
		       char ***ret_diff_ids, struct hull_err **err);

#endif
