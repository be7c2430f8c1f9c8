/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 digests in the OCI form "sha256:<64 hex>", over OpenSSL's EVP API.
 */
#ifndef HULL_UTIL_DIGEST_H
#define HULL_UTIL_DIGEST_H

#include "err.h"

#define DIGEST_HEX_LEN 64
/* "sha256:" + 64 hex + NUL */
#define DIGEST_STR_LEN (7 + DIGEST_HEX_LEN + 1)

struct sha256_ctx;

/* sha256_new() - a new streaming context; never NULL (aborts on OOM). */
struct sha256_ctx *sha256_new(void);
/* sha256_update() - hash @len more bytes. */
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
/* sha256_final() - write "sha256:<hex>" into @out and free the context. */
void sha256_final(struct sha256_ctx *c, char out[DIGEST_STR_LEN]);
/* sha256_digest() - one-shot digest of a buffer into @out ("sha256:<hex>"). */
void sha256_digest(const void *data, size_t len, char out[DIGEST_STR_LEN]);
/* digest_valid() - true if @s is "sha256:" followed by 64 lower-case hex digits. */
bool digest_valid(const char *s);
/* digest_hex() - the hex part of a valid digest (borrowed pointer into @s). */
const char *digest_hex(const char *s);

#endif
