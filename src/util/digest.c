/* SPDX-License-Identifier: MIT */
#include <openssl/evp.h>
#include "digest.h"

struct sha256_ctx {
	EVP_MD_CTX *md;
};

struct sha256_ctx *sha256_new(void)
{
	struct sha256_ctx *c = xmalloc(sizeof(*c));

	c->md = EVP_MD_CTX_new();
	if (!c->md || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1)
		abort();
	return c;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
	if (len && EVP_DigestUpdate(c->md, data, len) != 1)
		abort();
}

void sha256_final(struct sha256_ctx *c, char out[DIGEST_STR_LEN])
{
	unsigned char md[32];
	unsigned int n = 0;
	static const char hex[] = "0123456789abcdef";

	if (EVP_DigestFinal_ex(c->md, md, &n) != 1 || n != 32)
		abort();
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[7 + 2 * i + 1] = hex[md[i] & 15];
	}
	out[7 + 64] = '\0';
	EVP_MD_CTX_free(c->md);
	free(c);
}

void sha256_digest(const void *data, size_t len, char out[DIGEST_STR_LEN])
{
	struct sha256_ctx *c = sha256_new();
	sha256_update(c, data, len);
	sha256_final(c, out);
}

bool digest_valid(const char *s)
{
	if (!s || !startswith(s, "sha256:") || strlen(s) != 7 + DIGEST_HEX_LEN)
		return false;
	for (const char *p = s + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

const char *digest_hex(const char *s)
{
	return s + 7;
}
