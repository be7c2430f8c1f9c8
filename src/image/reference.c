/* SPDX-License-Identifier: MIT */
/*
 * Docker image references, after github.com/distribution/reference
 * (ParseNormalizedNamed + TagNameOnly). The grammar is checked by hand
 * rather than with regex(3) so the accepted language is easy to audit:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path-component ( "/" path-component )*
 *   domain     := host [ ":" port ]
 *   host       := domain-component ( "." domain-component )* | "[" ipv6 "]"
 *   domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 *   path-component   := [a-z0-9]+ ( separator [a-z0-9]+ )*
 *   separator  := [_.] | "__" | "-"+
 *   tag        := [\w][\w.-]{0,127}
 *   digest     := algorithm ":" hex   (sha256: 64, sha384: 96, sha512: 128 lower hex)
 */
#include <ctype.h>
#include "image/reference.h"
#include "util/macros.h"

#define NAME_MAX_LEN 255

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
	return is_alnum(c) || c == '_';
}

/* One path component, @s[0..n). */
static bool path_component_valid(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		/* a separator: "_", ".", "__" or one or more "-", between alnums */
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i >= n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

static bool path_valid(const char *s)
{
	for (;;) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t) (slash - s) : strlen(s);

		if (!path_component_valid(s, n))
			return false;
		if (!slash)
			return true;
		s = slash + 1;
	}
}

static bool domain_component_valid(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool domain_valid(const char *s)
{
	const char *port = NULL;
	const char *end;

	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || close == s + 1)
			return false;
		for (const char *p = s + 1; p < close; p++)
			if (!isxdigit((unsigned char) *p) && *p != ':')
				return false;
		end = close + 1;
		if (*end == ':')
			port = end + 1;
		else if (*end)
			return false;
	} else {
		const char *colon = strchr(s, ':');
		end = colon ? colon : s + strlen(s);
		if (colon)
			port = colon + 1;
		for (const char *c = s;;) {
			const char *dot = memchr(c, '.', (size_t) (end - c));
			size_t n = dot ? (size_t) (dot - c) : (size_t) (end - c);
			if (!domain_component_valid(c, n))
				return false;
			if (!dot)
				break;
			c = dot + 1;
		}
	}
	if (port) {
		if (!*port)
			return false;
		for (const char *p = port; *p; p++)
			if (*p < '0' || *p > '9')
				return false;
	}
	return true;
}

static bool tag_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || !is_word(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

/* As go-digest: a known algorithm with its exact lower-case hex length. */
static bool ref_digest_valid(const char *s)
{
	static const struct {
		const char *alg;
		size_t hexlen;
	} algs[] = {{"sha256:", 64}, {"sha384:", 96}, {"sha512:", 128}};

	for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
		size_t l = strlen(algs[i].alg);
		if (strncmp(s, algs[i].alg, l) != 0)
			continue;
		if (strlen(s + l) != algs[i].hexlen)
			return false;
		for (const char *p = s + l; *p; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
				return false;
		return true;
	}
	return false;
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

int ref_parse(const char *s, struct image_ref *ret, struct hull_err **err)
{
	_cleanup_free_ char *copy = NULL, *domain = NULL, *path = NULL, *tag = NULL, *digest = NULL;
	const char *first_slash, *rest;
	char *at, *colon, *last_slash;

	if (!s || !*s)
		return err_setx(err, EINVAL, "invalid reference format: empty reference");
	if (is_hex64(s))
		return err_setx(err, EINVAL,
				"invalid repository name (%s), cannot specify 64-byte hexadecimal "
				"strings",
				s);

	/* splitDockerDomain() on the whole string, tag and digest included */
	first_slash = strchr(s, '/');
	if (first_slash) {
		size_t n = (size_t) (first_slash - s);
		bool lower = true;
		for (size_t i = 0; i < n; i++)
			if (s[i] >= 'A' && s[i] <= 'Z')
				lower = false;
		if (memchr(s, '.', n) || memchr(s, ':', n) ||
		    (n == strlen("localhost") && strncmp(s, "localhost", n) == 0) || !lower) {
			domain = xstrndup(s, n);
			rest = first_slash + 1;
		} else {
			rest = s;
		}
	} else {
		rest = s;
	}
	if (!domain || streq(domain, "index.docker.io")) {
		free(domain);
		domain = xstrdup("docker.io");
	}

	copy = xstrdup(rest);
	at = strchr(copy, '@');
	if (at) {
		*at = '\0';
		if (!ref_digest_valid(at + 1))
			return err_setx(err, EINVAL, "invalid reference format: '%s'", s);
		digest = xstrdup(at + 1);
	}
	last_slash = strrchr(copy, '/');
	colon = strrchr(last_slash ? last_slash : copy, ':');
	if (colon) {
		*colon = '\0';
		if (!tag_valid(colon + 1))
			return err_setx(err, EINVAL, "invalid reference format: '%s'", s);
		tag = xstrdup(colon + 1);
	}
	for (const char *p = copy; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return err_setx(err, EINVAL,
					"invalid reference format: repository name (%s) must be "
					"lowercase",
					copy);
	if (streq(domain, "docker.io") && !strchr(copy, '/'))
		path = xasprintf("library/%s", copy);
	else
		path = xstrdup(copy);

	if (!domain_valid(domain) || !path_valid(path))
		return err_setx(err, EINVAL, "invalid reference format: '%s'", s);
	if (strlen(domain) + 1 + strlen(path) > NAME_MAX_LEN)
		return err_setx(err, EINVAL,
				"invalid reference format: repository name must not be more than "
				"%d characters",
				NAME_MAX_LEN);
	if (!tag && !digest)
		tag = xstrdup("latest");

	ret->domain = TAKE_PTR(domain);
	ret->path = TAKE_PTR(path);
	ret->tag = TAKE_PTR(tag);
	ret->digest = TAKE_PTR(digest);
	return 0;
}

void ref_release(struct image_ref *r)
{
	if (!r)
		return;
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	r->domain = r->path = r->tag = r->digest = NULL;
}

static char *with_suffix(const struct image_ref *r, char *name)
{
	char *s = xasprintf("%s%s%s%s%s", name, r->tag ? ":" : "", r->tag ? r->tag : "",
			    r->digest ? "@" : "", r->digest ? r->digest : "");
	free(name);
	return s;
}

char *ref_string(const struct image_ref *r)
{
	return with_suffix(r, xasprintf("%s/%s", r->domain, r->path));
}

char *ref_familiar_name(const struct image_ref *r)
{
	if (streq(r->domain, "docker.io")) {
		const char *p = r->path;
		if (startswith(p, "library/") && !strchr(p + strlen("library/"), '/'))
			p += strlen("library/");
		return xstrdup(p);
	}
	return xasprintf("%s/%s", r->domain, r->path);
}

char *ref_familiar(const struct image_ref *r)
{
	return with_suffix(r, ref_familiar_name(r));
}
