/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 with libcrypto's SHA256_Init/Update/Final, not EVP: the first EVP digest of a process
 * initialises OpenSSL 3's providers (loads openssl.cnf, fetches the default provider's
 * algorithms), 1.2 to 2 ms here, which every `hull run` paid for the three small digests of its
 * image (manifest, config, chainIDs: bench/README.md "OCI runtimes on one bundle"). These
 * functions are deprecated in OpenSSL 3.0 (the API, not the algorithm) and run the same
 * assembly (SHA-NI, AVX2) on the same data; the TLS of a pull still initialises its providers
 * through libcurl.
 */
#define OPENSSL_API_COMPAT 0x10100000L
#include <openssl/sha.h>
#include "digest.h"

struct sha256_ctx {
	SHA256_CTX sha;
};

struct sha256_ctx *sha256_new(void)
{
	struct sha256_ctx *c = xmalloc(sizeof(*c));

	if (SHA256_Init(&c->sha) != 1)
		abort();
	return c;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
	if (len && SHA256_Update(&c->sha, data, len) != 1)
		abort();
}

void sha256_final(struct sha256_ctx *c, char out[DIGEST_STR_LEN])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	static const char hex[] = "0123456789abcdef";

	if (SHA256_Final(md, &c->sha) != 1)
		abort();
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[7 + 2 * i + 1] = hex[md[i] & 15];
	}
	out[7 + 64] = '\0';
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
