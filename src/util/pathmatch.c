/* SPDX-License-Identifier: MIT */
/* Go's path.Match (pathmatch.h). Runes are UTF-8; an invalid byte is one rune, as in Go. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "util/pathmatch.h"

static uint32_t rune(const char **s)
{
	const unsigned char *p = (const unsigned char *) *s;
	uint32_t c;
	size_t n, i;

	if (p[0] < 0x80) {
		(*s)++;
		return p[0];
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07;
	else
		goto bad;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (p[i] & 0x3f);
	}
	*s += n;
	return c;
bad:
	(*s)++;
	return 0xfffd;
}

/* one character of a class at *@p: false if there is none (Go's getEsc) */
static bool class_char(const char **p, uint32_t *ret)
{
	if (!**p || **p == '-' || **p == ']')
		return false;
	if (**p == '\\') {
		(*p)++;
		if (!**p)
			return false;
	}
	*ret = rune(p);
	return true;
}

/*
 * The class at @p (after '['): whether @c is in it (@c < 0: only check it),
 * with *@end after its ']'. false if it is malformed.
 */
static bool class_match(const char *p, int64_t c, const char **end, bool *ret)
{
	bool negated = false, match = false;
	int n = 0;

	if (*p == '^') {
		negated = true;
		p++;
	}
	for (;; n++) {
		uint32_t lo, hi;

		if (*p == ']' && n > 0) {
			p++;
			break;
		}
		if (!class_char(&p, &lo))
			return false;
		hi = lo;
		if (*p == '-') {
			p++;
			if (!class_char(&p, &hi))
				return false;
		}
		if (c >= 0 && lo <= (uint32_t) c && (uint32_t) c <= hi)
			match = true;
	}
	*end = p;
	*ret = match != negated;
	return true;
}

static bool valid(const char *p)
{
	while (*p) {
		if (*p == '\\') {
			if (!*++p)
				return false;
			(void) rune(&p);
		} else if (*p == '[') {
			bool m;
			if (!class_match(p + 1, -1, &p, &m))
				return false;
		} else {
			p++;
		}
	}
	return true;
}

/*
 * Go's scanChunk(): skip the leading stars (*@ret_star says whether there
 * were any); the chunk after them, *@ret_len bytes, runs to the next '*'
 * outside a class.
 */
static const char *scan_chunk(const char *p, bool *ret_star, size_t *ret_len)
{
	bool star = false, inrange = false;
	size_t i;

	while (*p == '*') {
		p++;
		star = true;
	}
	for (i = 0; p[i]; i++) {
		if (p[i] == '\\') {
			if (p[i + 1])
				i++;
		} else if (p[i] == '[') {
			inrange = true;
		} else if (p[i] == ']') {
			inrange = false;
		} else if (p[i] == '*' && !inrange) {
			break;
		}
	}
	*ret_star = star;
	*ret_len = i;
	return p;
}

/* Go's matchChunk() for a valid chunk: does it match the start of @s? *@ret_rest is what is left.
 */
static bool match_chunk(const char *chunk, size_t n, const char *s, const char **ret_rest)
{
	const char *end = chunk + n;

	while (chunk < end) {
		uint32_t c;
		bool m;

		if (!*s)
			return false;
		switch (*chunk) {
		case '[':
			/* unlike '?', a class may match a '/' (as Go's) */
			c = rune(&s);
			if (!class_match(chunk + 1, c, &chunk, &m) || !m)
				return false;
			break;
		case '?':
			if (*s == '/')
				return false;
			(void) rune(&s);
			chunk++;
			break;
		case '\\':
			chunk++;
			/* fall through */
		default:
			/* bytes, as Go compares them */
			if (*chunk != *s)
				return false;
			chunk++;
			s++;
		}
	}
	*ret_rest = s;
	return true;
}

/*
 * Go's Match() loop: each chunk where it first fits after its star (a star
 * never skips a '/'). Linear in the pattern times the name: no backtracking
 * into earlier stars, so "*a*a*a...b" cannot take exponential time.
 */
static bool match(const char *p, const char *s)
{
	while (*p) {
		const char *chunk, *rest;
		bool star, found = false;
		size_t n;

		chunk = scan_chunk(p, &star, &n);
		p = chunk + n;
		if (star && n == 0)
			return !strchr(s, '/'); /* a trailing star takes the rest but a '/' */
		/* the last chunk must end the name */
		if (match_chunk(chunk, n, s, &rest) && (!*rest || *p)) {
			s = rest;
			continue;
		}
		for (size_t i = 0; star && s[i] && s[i] != '/'; i++) {
			if (match_chunk(chunk, n, s + i + 1, &rest) && (!*rest || *p)) {
				s = rest;
				found = true;
				break;
			}
		}
		if (!found)
			return false;
	}
	return !*s;
}

int path_match(const char *pattern, const char *name)
{
	if (!valid(pattern))
		return -EINVAL;
	return match(pattern, name) ? 1 : 0;
}
