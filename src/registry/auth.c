/* SPDX-License-Identifier: MIT */
/*
 * WWW-Authenticate (RFC 7235 section 4.1, with RFC 7230's list and token
 * rules). A header may hold several challenges ("Basic realm=x, Bearer
 * realm=y"); we return the first, as a client that must pick one scheme
 * per header line would. distribution's parser (registry/client/auth/
 * challenge) is more lenient: it keeps whatever it read before a syntax
 * error; we refuse the header instead, so that a truncated realm is never
 * used.
 */
#include <ctype.h>
#include "registry/reg-internal.h"
#include "util/strv.h"

/* a sane bound on auth-params: real challenges have 2 to 5 */
#define WWW_AUTH_PARAMS_MAX 64

/* RFC 7230 tchar */
static bool is_tchar(unsigned char ch)
{
	return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool is_ws(unsigned char ch)
{
	return ch == ' ' || ch == '\t';
}

static const char *skip_ws(const char *p)
{
	while (is_ws((unsigned char) *p))
		p++;
	return p;
}

static const char *skip_token(const char *p)
{
	while (is_tchar((unsigned char) *p))
		p++;
	return p;
}

static char *lower_dup(const char *s, size_t n)
{
	char *r = xstrndup(s, n);

	for (char *q = r; *q; q++)
		*q = (char) tolower((unsigned char) *q);
	return r;
}

/* quoted-string at @p (on the opening quote): the unescaped value, or NULL if malformed */
static char *parse_quoted(const char *p, const char **ret_end)
{
	_cleanup_free_ char *out = xmalloc(strlen(p));
	size_t n = 0;

	for (p++; *p != '"'; p++) {
		unsigned char ch = (unsigned char) *p;

		if (ch == '\\') {
			ch = (unsigned char) *++p;
			/* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
			if (ch != '\t' && (ch < 0x20 || ch == 0x7f))
				return NULL;
		} else if (ch != '\t' && (ch < 0x20 || ch == 0x7f)) {
			return NULL; /* a CTL, or the end of the header: unterminated */
		}
		out[n++] = (char) ch;
	}
	out[n] = '\0';
	*ret_end = p + 1;
	return TAKE_PTR(out);
}

/* token or quoted-string; an empty token is malformed, an empty quoted-string is "" */
static char *parse_value(const char *p, const char **ret_end)
{
	const char *e;

	if (*p == '"')
		return parse_quoted(p, ret_end);
	e = skip_token(p);
	if (e == p)
		return NULL;
	*ret_end = e;
	return xstrndup(p, (size_t) (e - p));
}

static bool has_key(char **params, const char *key)
{
	for (size_t i = 0; params && params[i]; i += 2)
		if (streq(params[i], key))
			return true;
	return false;
}

/*
 * One auth-param at @p (after OWS): 1 parsed (*@ret_end after it), 0 when
 * @p starts the next challenge (a token and no '=', only possible after a
 * comma: @after_comma), -EINVAL when malformed.
 */
static int parse_param(const char *p, bool after_comma, char ***params, const char **ret_end)
{
	const char *key_end = skip_token(p), *q;
	_cleanup_free_ char *key = NULL, *value = NULL;

	if (key_end == p)
		return -EINVAL;
	q = skip_ws(key_end);
	if (*q != '=') {
		/* "Bearer realm=x, Basic realm=y", "Basic realm=x, Negotiate" */
		bool next = q != key_end || *q == ',' || !*q;
		return after_comma && next ? 0 : -EINVAL;
	}
	key = lower_dup(p, (size_t) (key_end - p));
	value = parse_value(skip_ws(q + 1), &q);
	if (!value || has_key(*params, key))
		return -EINVAL;
	if (strv_length(*params) >= 2 * WWW_AUTH_PARAMS_MAX)
		return -EINVAL;
	strv_consume(params, TAKE_PTR(key));
	strv_consume(params, TAKE_PTR(value));
	*ret_end = q;
	return 1;
}

/* #auth-param: a comma-separated list, empty elements allowed (RFC 7230 section 7) */
static int parse_params(const char *p, char ***params)
{
	bool after_comma = false;

	for (;;) {
		int r;

		p = skip_ws(p);
		if (*p == ',') {
			p++;
			after_comma = true;
			continue;
		}
		if (!*p)
			return 0;
		r = parse_param(p, after_comma, params, &p);
		if (r <= 0)
			return r;
		p = skip_ws(p);
		if (*p && *p != ',')
			return -EINVAL;
	}
}

int www_auth_parse(const char *header, char **ret_scheme, char ***ret_params)
{
	_cleanup_strv_ char **params = strv_new();
	_cleanup_free_ char *scheme = NULL;
	const char *p, *e;
	int r;

	if (!header)
		return -EINVAL;
	p = skip_ws(header);
	e = skip_token(p);
	if (e == p)
		return -EINVAL;
	scheme = lower_dup(p, (size_t) (e - p));
	p = skip_ws(e);
	if (*p && *p != ',') {
		if (p == e)
			return -EINVAL; /* "Bearer=x", "Basic\"": no space after the scheme */
		r = parse_params(p, &params);
		if (r < 0)
			return r;
	}
	/* else: a scheme alone, or followed by the next challenge */
	*ret_scheme = TAKE_PTR(scheme);
	*ret_params = TAKE_PTR(params);
	return 0;
}

const char *www_auth_param(char *const *params, const char *key)
{
	for (size_t i = 0; params && params[i] && params[i + 1]; i += 2)
		if (streq(params[i], key))
			return params[i + 1];
	return NULL;
}
