/* SPDX-License-Identifier: MIT */
/*
 * Registry error answers in docker's words, and base64 for Basic auth and
 * docker's config.json. Pure functions (registry/reg-internal.h).
 */
#include <ctype.h>
#include <openssl/evp.h>
#include "registry/reg-internal.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

#define REG_MSG_MAX 512

char *reg_base64_encode(const void *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *) out, data, (int) len);
	return out;
}

static bool is_b64(unsigned char ch)
{
	return isalnum(ch) || ch == '+' || ch == '/';
}

int reg_base64_decode(const char *s, char **ret, size_t *ret_len)
{
	size_t n = strlen(s), pad = 0;
	_cleanup_free_ char *out = NULL;
	int r;

	if (n % 4 != 0 || n > (size_t) 1 << 30)
		return -EINVAL;
	while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < n - pad; i++)
		if (!is_b64((unsigned char) s[i]))
			return -EINVAL;
	out = xmalloc(n / 4 * 3 + 1);
	r = EVP_DecodeBlock((unsigned char *) out, (const unsigned char *) s, (int) n);
	if (r < 0 || (size_t) r < pad)
		return -EINVAL;
	/* EVP_DecodeBlock counts the bytes the padding stands for */
	r -= (int) pad;
	out[r] = '\0';
	if (ret_len)
		*ret_len = (size_t) r;
	*ret = TAKE_PTR(out);
	return 0;
}

char *reg_one_line(const char *s, size_t max)
{
	char *r = xstrndup(s ? s : "", max);

	for (char *p = r; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
			*p = ' ';
	return r;
}

/* distribution's errcode descriptors: the message when the registry sends none */
static const char *code_default_message(const char *code)
{
	static const char *const table[][2] = {
		{"BLOB_UNKNOWN", "blob unknown to registry"},
		{"BLOB_UPLOAD_INVALID", "blob upload invalid"},
		{"BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry"},
		{"DIGEST_INVALID", "provided digest did not match uploaded content"},
		{"MANIFEST_BLOB_UNKNOWN", "blob unknown to registry"},
		{"MANIFEST_INVALID", "manifest invalid"},
		{"MANIFEST_UNKNOWN", "manifest unknown"},
		{"NAME_INVALID", "invalid repository name"},
		{"NAME_UNKNOWN", "repository name not known to registry"},
		{"SIZE_INVALID", "provided length did not match content length"},
		{"TAG_INVALID", "manifest tag did not match URI"},
		{"UNAUTHORIZED", "authentication required"},
		{"DENIED", "requested access to the resource is denied"},
		{"UNSUPPORTED", "The operation is unsupported."},
		{"TOOMANYREQUESTS", "too many requests"},
		{"UNKNOWN", "unknown error"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (streq(table[i][0], code))
			return table[i][1];
	return NULL;
}

static int code_errnum(const char *code)
{
	if (streq(code, "MANIFEST_UNKNOWN") || streq(code, "BLOB_UNKNOWN") ||
	    streq(code, "NAME_UNKNOWN"))
		return ENOENT;
	if (streq(code, "UNAUTHORIZED") || streq(code, "DENIED"))
		return EACCES;
	return 0;
}

/* "MANIFEST_UNKNOWN" -> "manifest unknown" (errcode.ErrorCode.Error) */
static void add_code_words(struct strbuf *sb, const char *code)
{
	for (const char *p = code; *p; p++)
		strbuf_addch(sb, *p == '_' ? ' ' : (char) tolower((unsigned char) *p));
}

static void add_error(char ***msgs, const char *code, const char *message)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	if (isempty(message))
		message = code_default_message(code);
	add_code_words(&sb, code);
	if (!isempty(message))
		strbuf_addf(&sb, "%s%s", sb.len ? ": " : "", message);
	if (sb.len && !strv_contains(*msgs, sb.buf))
		strv_push(msgs, sb.buf);
}

/* a Bearer challenge's RFC 6750 error (HandleErrorResponse) */
static void add_challenge_errors(char ***msgs, char *const *challenges, int *errnum)
{
	STRV_FOREACH (h, (char **) challenges) {
		_cleanup_free_ char *scheme = NULL;
		_cleanup_strv_ char **params = NULL;
		const char *e, *desc, *code;

		if (www_auth_parse(*h, &scheme, &params) < 0 || !streq(scheme, "bearer"))
			continue;
		e = www_auth_param(params, "error");
		if (!e)
			continue;
		if (streq(e, "invalid_token"))
			code = "UNAUTHORIZED";
		else if (streq(e, "insufficient_scope"))
			code = "DENIED";
		else
			continue;
		desc = www_auth_param(params, "error_description");
		add_error(msgs, code, desc);
		if (!*errnum)
			*errnum = EACCES;
		return;
	}
}

/*
 * the body's errors; false when it holds none that we can read. After a
 * challenge's own error, the body's generic UNAUTHORIZED says nothing more
 * (distribution answers insufficient_scope with "authentication required").
 */
static bool add_body_errors(char ***msgs, long status, const char *body, size_t len, int *errnum)
{
	bool challenged = *msgs != NULL;

	_cleanup_json_ json_t *j = NULL;
	json_t *errs, *e;
	const char *details;
	size_t i;
	bool any = false;

	if (!body || !len || !(j = json_loadb(body, len, JSON_DECODE_ANY, NULL)) ||
	    !json_is_object(j))
		return false;
	details = json_get_str(j, "details");
	if (!isempty(details)) {
		add_error(msgs,
			  status == 401	  ? "UNAUTHORIZED"
			  : status == 429 ? "TOOMANYREQUESTS"
					  : "UNKNOWN",
			  details);
		return true;
	}
	errs = json_object_get(j, "errors");
	json_array_foreach (errs, i, e) {
		const char *code = json_get_str(e, "code");
		if (!code || (challenged && streq(code, "UNAUTHORIZED"))) {
			any = any || code;
			continue;
		}
		add_error(msgs, code, json_get_str(e, "message"));
		if (!*errnum)
			*errnum = code_errnum(code);
		any = true;
	}
	return any;
}

static int status_errnum(long status)
{
	if (status == 401 || status == 403)
		return EACCES;
	if (status == 404)
		return ENOENT;
	return 0;
}

char *reg_error_message(long status, const char *reason, const char *body, size_t len,
			char *const *challenges, int *ret_errnum)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_strv_ char **msgs = NULL;
	int errnum = status_errnum(status);

	if (status >= 400 && status < 500)
		add_challenge_errors(&msgs, challenges, &errnum);
	if (!add_body_errors(&msgs, status, body, len, &errnum) && !msgs) {
		if (status == 401)
			add_error(&msgs, "UNAUTHORIZED", NULL);
		else
			strv_consume(&msgs, xasprintf("received unexpected HTTP status: %ld%s%s",
						      status, isempty(reason) ? "" : " ",
						      isempty(reason) ? "" : reason));
	}
	STRV_FOREACH (m, msgs)
		strbuf_addf(&sb, "%s%s", sb.len ? "; " : "", *m);
	if (ret_errnum)
		*ret_errnum = errnum ? errnum : EPROTO;
	return reg_one_line(strbuf_cstr(&sb), REG_MSG_MAX);
}
