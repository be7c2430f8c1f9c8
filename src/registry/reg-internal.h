/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the files of registry/ and its unit tests; not for
 * other layers. All of them are pure: no I/O, no libcurl.
 */
#ifndef HULL_REGISTRY_REG_INTERNAL_H
#define HULL_REGISTRY_REG_INTERNAL_H

#include "registry/registry.h"

/* www_auth_param() - the value of @key (lower case) in a www_auth_parse() vector, or NULL
 * (borrowed). */
const char *www_auth_param(char *const *params, const char *key);

/* reg_base64_encode() - standard base64 (RFC 4648 section 4, padded) of @len bytes; caller frees.
 */
char *reg_base64_encode(const void *data, size_t len);
/*
 * reg_base64_decode() - decode standard padded base64 @s into *@ret (NUL
 * terminated, caller frees; may contain NULs, length in *@ret_len, which
 * may be NULL). -EINVAL when @s is not base64.
 */
int reg_base64_decode(const char *s, char **ret, size_t *ret_len);

/*
 * reg_error_message() - docker's one-line wording of a registry's error
 * answer (distribution registry/client/errors.go HandleErrorResponse and
 * errcode.Error): each {"errors":[{"code":"MANIFEST_UNKNOWN","message":..}]}
 * entry as "manifest unknown: MESSAGE", joined with "; "; a token server's
 * {"details":..} as "unauthorized: DETAILS"; a Bearer challenge's
 * error="insufficient_scope" / "invalid_token" as "denied: ..." /
 * "unauthorized: ..."; an unreadable body of a 401 as "unauthorized:
 * authentication required", of anything else as "received unexpected HTTP
 * status: STATUS REASON". @body (@len bytes, may be NULL) and
 * @challenges (the WWW-Authenticate values, may be NULL) come from the
 * answer; @reason may be NULL. Control characters become spaces and the
 * text is cut at 512 bytes, so the message stays one line. *@ret_errnum
 * (may be NULL) gets ENOENT for 404 and the *_UNKNOWN codes of a missing
 * blob, manifest or repository, EACCES for 401, 403, UNAUTHORIZED and
 * DENIED, else EPROTO. Returns a new string.
 */
char *reg_error_message(long status, const char *reason, const char *body, size_t len,
			char *const *challenges, int *ret_errnum);

/* reg_one_line() - @s (may be NULL: "") with control characters as spaces, cut at @max bytes;
 * caller frees. */
char *reg_one_line(const char *s, size_t max);

#endif
