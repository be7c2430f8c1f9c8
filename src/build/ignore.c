/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <regex.h>
#include "build/ignore.h"
#include "util/strbuf.h"
#include "util/strv.h"

enum match_type { MATCH_EXACT, MATCH_PREFIX, MATCH_SUFFIX, MATCH_REGEXP };

struct pattern {
	char *text; /* cleaned, without '!' */
	bool exclusion;
	enum match_type type;
	regex_t re;
};

struct ignore {
	struct pattern *p;
	size_t n;
	char **texts;
};

/* Go's path.Clean. */
static char *go_clean(const char *path)
{
	bool rooted = path[0] == '/';
	_cleanup_strv_ char **parts = strv_new();
	_cleanup_free_ char *copy = xstrdup(path);
	struct strbuf sb = STRBUF_INIT;
	size_t n = 0;
	char *save = NULL;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			if (n > 0 && !streq(parts[n - 1], "..")) {
				free(parts[--n]);
				parts[n] = NULL;
				continue;
			}
			if (rooted)
				continue;
		}
		strv_push(&parts, c);
		n++;
	}
	if (rooted)
		(void) strbuf_addch(&sb, '/');
	for (size_t i = 0; i < n; i++)
		(void) strbuf_addf(&sb, "%s%s", i ? "/" : "", parts[i]);
	if (sb.len == 0)
		(void) strbuf_addch(&sb, '.');
	return strbuf_detach(&sb, NULL);
}

/* Characters that are literal in filepath.Match but special in a regexp. */
static bool should_escape(char c)
{
	return strchr(".+()|{}$^", c) != NULL;
}

/* One character of a class, '\\' escaping (Go's getEsc); -1 when the class is malformed. */
static int class_char(const char **s)
{
	unsigned char c = (unsigned char) **s;

	if (!c || c == '-' || c == ']')
		return -1;
	if (c == '\\') {
		(*s)++;
		c = (unsigned char) **s;
		if (!c)
			return -1;
	}
	(*s)++;
	return c;
}

/*
 * Translate the class after '[' at *@s (filepath.Match syntax: '^' negates,
 * '\\' escapes, ranges "a-z") into a POSIX bracket expression, where ']' must
 * come first, '-' last and '\\' is literal.
 */
static int add_class(struct strbuf *re, const char **s)
{
	_cleanup_strbuf_ struct strbuf body = STRBUF_INIT;
	bool neg = false, close_br = false, dash = false, caret = false;
	size_t n = 0;

	if (**s == '^') {
		neg = true;
		(*s)++;
	}
	for (;;) {
		int lo, hi;

		if (**s == ']' && n > 0) {
			(*s)++;
			break;
		}
		lo = class_char(s);
		if (lo < 0)
			return -EINVAL;
		hi = lo;
		if (**s == '-') {
			(*s)++;
			hi = class_char(s);
			if (hi < 0)
				return -EINVAL;
		}
		n++;
		if (lo == hi) {
			if (lo == ']')
				close_br = true;
			else if (lo == '-')
				dash = true;
			else if (lo == '^')
				caret = true;
			else
				(void) strbuf_addch(&body, (char) lo);
		} else {
			(void) strbuf_addf(&body, "%c-%c", lo, hi);
		}
	}
	if (!neg && !close_br && !body.len && !dash && caret) {
		(void) strbuf_adds(re, "\\^"); /* "[^]" would read as a negation */
		return 0;
	}
	(void) strbuf_addch(re, '[');
	if (neg)
		(void) strbuf_addch(re, '^');
	if (close_br)
		(void) strbuf_addch(re, ']');
	(void) strbuf_adds(re, body.len ? body.buf : "");
	if (caret)
		(void) strbuf_addch(re, '^');
	if (dash)
		(void) strbuf_addch(re, '-');
	(void) strbuf_addch(re, ']');
	return 0;
}

static int compile(struct pattern *p)
{
	struct strbuf re = STRBUF_INIT;
	const char *s = p->text;
	int r;

	(void) strbuf_addch(&re, '^');
	p->type = MATCH_EXACT;
	for (size_t i = 0; *s; i++) {
		char ch = *s++;
		if (ch == '*') {
			if (*s == '*') {
				s++;
				if (*s == '/')
					s++;
				if (!*s) {
					if (p->type == MATCH_EXACT) {
						p->type = MATCH_PREFIX;
					} else {
						(void) strbuf_adds(&re, ".*");
						p->type = MATCH_REGEXP;
					}
				} else {
					(void) strbuf_adds(&re, "(.*/)?");
					p->type = MATCH_REGEXP;
				}
				if (i == 0)
					p->type = MATCH_SUFFIX;
			} else {
				(void) strbuf_adds(&re, "[^/]*");
				p->type = MATCH_REGEXP;
			}
		} else if (ch == '?') {
			(void) strbuf_adds(&re, "[^/]");
			p->type = MATCH_REGEXP;
		} else if (should_escape(ch)) {
			(void) strbuf_addch(&re, '\\');
			(void) strbuf_addch(&re, ch);
		} else if (ch == '\\') {
			if (!*s) {
				/* a trailing '\\' is a bad pattern for filepath.Match */
				strbuf_release(&re);
				return -EINVAL;
			}
			/*
			 * The escaped character, literally: only ERE's own
			 * specials keep a backslash (glibc reads backslash
			 * before '<', '>', '`' or '\'' as an anchor).
			 */
			if (strchr(".[]\\()*+?{}|^$", *s))
				(void) strbuf_addch(&re, '\\');
			(void) strbuf_addch(&re, *s++);
			p->type = MATCH_REGEXP;
		} else if (ch == '[') {
			if (add_class(&re, &s) < 0) {
				strbuf_release(&re);
				return -EINVAL;
			}
			p->type = MATCH_REGEXP;
		} else if (ch == ']') {
			/* outside a class, itself (filepath.Match; patternmatcher hands it to
			 * Go's regexp, where a lone ']' is literal too) */
			(void) strbuf_adds(&re, "\\]");
			p->type = MATCH_REGEXP;
		} else {
			(void) strbuf_addch(&re, ch);
		}
	}
	if (p->type != MATCH_REGEXP) {
		strbuf_release(&re);
		return 0;
	}
	(void) strbuf_addch(&re, '$');
	r = regcomp(&p->re, re.buf, REG_EXTENDED | REG_NOSUB);
	strbuf_release(&re);
	if (r != 0) {
		p->type = MATCH_EXACT; /* nothing to regfree */
		return -EINVAL;
	}
	return 0;
}

static bool pattern_match(const struct pattern *p, const char *path)
{
	size_t lp = strlen(p->text), l = strlen(path);

	switch (p->type) {
	case MATCH_EXACT:
		return streq(path, p->text);
	case MATCH_PREFIX:
		return strncmp(path, p->text, lp - 2) == 0;
	case MATCH_SUFFIX: {
		const char *suffix = p->text + 2;
		size_t ls = lp - 2;
		if (l >= ls && streq(path + l - ls, suffix))
			return true;
		return suffix[0] == '/' && streq(path, suffix + 1);
	}
	case MATCH_REGEXP:
		return regexec(&p->re, path, 0, NULL, 0) == 0;
	}
	return false;
}

struct ignore *ignore_free(struct ignore *ig)
{
	if (!ig)
		return NULL;
	for (size_t i = 0; i < ig->n; i++) {
		if (ig->p[i].type == MATCH_REGEXP)
			regfree(&ig->p[i].re);
		free(ig->p[i].text);
	}
	free(ig->p);
	strv_free(ig->texts);
	free(ig);
	return NULL;
}

int ignore_parse(const char *data, size_t len, struct ignore **ret, struct hull_err **err)
{
	struct ignore *ig = xcalloc(1, sizeof(*ig));
	size_t off = 0;
	bool first = true;

	ig->texts = strv_new();
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	while (off < len) {
		const char *nl = memchr(data + off, '\n', len - off);
		size_t n = nl ? (size_t) (nl - (data + off)) : len - off;
		_cleanup_free_ char *line = xstrndup(data + off, n);
		char *p = line, *end;
		bool invert;

		off += n + (nl ? 1 : 0);
		first = false;
		if (p[0] == '#')
			continue;
		while (*p && strchr(" \t\r\n\v\f", *p))
			p++;
		end = p + strlen(p);
		while (end > p && strchr(" \t\r\n\v\f", end[-1]))
			*--end = '\0';
		if (!*p)
			continue;
		invert = p[0] == '!';
		if (invert) {
			p++;
			while (*p && strchr(" \t\r\n\v\f", *p))
				p++;
		}
		{
			_cleanup_free_ char *clean = *p ? go_clean(p) : xstrdup("");
			const char *c = clean;
			struct pattern pat = {0};

			if (strlen(c) > 1 && c[0] == '/')
				c++;
			/* patternmatcher.New() cleans again and rejects a lone "!" */
			if (!*c && invert) {
				ignore_free(ig);
				return err_setx(err, EINVAL, "illegal exclusion pattern: \"!\"");
			}
			pat.text = go_clean(*c ? c : ".");
			pat.exclusion = invert;
			if (compile(&pat) < 0) {
				int r = err_setx(err, EINVAL, "syntax error in pattern: %s",
						 pat.text);
				free(pat.text);
				ignore_free(ig);
				return r;
			}
			ig->p = xrealloc(ig->p, (ig->n + 1) * sizeof(*ig->p));
			ig->p[ig->n++] = pat;
			{
				_cleanup_free_ char *t =
					xasprintf("%s%s", invert ? "!" : "", pat.text);
				strv_push(&ig->texts, t);
			}
		}
	}
	(void) first;
	*ret = ig;
	return 0;
}

bool ignore_match(const struct ignore *ig, const char *path)
{
	_cleanup_free_ char *parent = NULL;
	bool matched = false;
	const char *slash;

	if (!ig || !ig->n || streq(path, "."))
		return false;
	slash = strrchr(path, '/');
	parent = slash ? xstrndup(path, (size_t) (slash - path)) : NULL;
	for (size_t i = 0; i < ig->n; i++) {
		const struct pattern *p = &ig->p[i];
		bool m;

		if (p->exclusion != matched)
			continue;
		m = pattern_match(p, path);
		if (!m && parent) {
			/* does the pattern match one of the parent directories? */
			for (char *c = parent;; c++) {
				if (*c == '/' || !*c) {
					char save = *c;
					*c = '\0';
					m = pattern_match(p, parent);
					*c = save;
					if (m || !save)
						break;
				}
			}
		}
		if (m)
			matched = !p->exclusion;
	}
	return matched;
}

bool ignore_may_include_below(const struct ignore *ig, const char *dir)
{
	size_t ld = strlen(dir);

	if (!ig)
		return false;
	for (size_t i = 0; i < ig->n; i++) {
		const char *t = ig->p[i].text;
		size_t lit;

		if (!ig->p[i].exclusion)
			continue;
		lit = strcspn(t, "*?[\\");
		/* the literal head of the pattern and "dir/" must agree as far as both go */
		if (lit > ld) {
			if (strncmp(t, dir, ld) == 0 && t[ld] == '/')
				return true;
		} else if (strncmp(t, dir, lit) == 0) {
			return true;
		}
	}
	return false;
}

char *const *ignore_patterns(const struct ignore *ig)
{
	return ig->texts;
}
