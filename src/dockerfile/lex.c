/* SPDX-License-Identifier: MIT */
/*
 * Shell-word expansion, a transcription of BuildKit's
 * frontend/dockerfile/shell/lex.go (shellWord). The structure follows the Go
 * code function by function, quirks included (for example the words buffer
 * shared between nested processStopOn() calls), because Dockerfiles depend
 * on exactly what BuildKit produces.
 */
#include <stdint.h>

#include "util/strv.h"
#include "df-internal.h"

#define EOF_RUNE (-1)
/* Bounds on untrusted patterns: ${v#p} with many stars backtracks. */
#define PATTERN_STARS_MAX 64
#define DOLLAR_DEPTH_MAX  64

struct lexer {
	const struct df_lex_opts *o;
	bool raw_escapes;
	char *const *env;
	int32_t *runes;
	size_t n, pos;
	struct strbuf wbuf; /* shellWord.wordsBuffer: shared by nested calls, as upstream */
	unsigned depth;
	char *err;
};

struct words {
	char **v;      /* NULL-terminated once a word was added */
	size_t n, cap; /* amortised growth: an expansion can make very many words */
	bool in_word;
};

static void words_push(struct words *w, const char *s)
{
	if (w->n + 2 > w->cap) {
		w->cap = w->cap ? 2 * w->cap : 8;
		w->v = xrealloc(w->v, w->cap * sizeof(char *));
	}
	w->v[w->n++] = xstrdup(s);
	w->v[w->n] = NULL;
}

static int lex_fail(struct lexer *lx, const char *fmt, ...) _printf_(2, 3);
static int lex_fail(struct lexer *lx, const char *fmt, ...)
{
	va_list ap;

	if (!lx->err) {
		va_start(ap, fmt);
		lx->err = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int32_t peek(struct lexer *lx)
{
	return lx->pos < lx->n ? lx->runes[lx->pos] : EOF_RUNE;
}

static int32_t next(struct lexer *lx)
{
	return lx->pos < lx->n ? lx->runes[lx->pos++] : EOF_RUNE;
}

/* Decode @s into runes; invalid bytes become U+FFFD, as Go's []rune(s). */
static int32_t *decode_runes(const char *s, size_t len, size_t *ret_n)
{
	int32_t *r = xmalloc((len + 1) * sizeof(*r));
	size_t n = 0, i = 0, w;

	while (i < len) {
		r[n++] = df_utf8_decode(s + i, len - i, &w);
		i += w;
	}
	*ret_n = n;
	return r;
}

static void words_add_raw_char(struct lexer *lx, struct words *w, int32_t ch)
{
	df_utf8_append(&lx->wbuf, ch);
	w->in_word = true;
}

static void words_add_char(struct lexer *lx, struct words *w, int32_t ch)
{
	if (df_is_space(ch) && w->in_word) {
		if (lx->wbuf.len != 0) {
			words_push(w, strbuf_cstr(&lx->wbuf));
			strbuf_reset(&lx->wbuf);
			w->in_word = false;
		}
	} else if (!df_is_space(ch)) {
		words_add_raw_char(lx, w, ch);
	}
}

static void words_add_string(struct lexer *lx, struct words *w, const char *s)
{
	size_t len = strlen(s), i = 0, width;

	while (i < len) {
		words_add_char(lx, w, df_utf8_decode(s + i, len - i, &width));
		i += width;
	}
}

static void words_add_raw_string(struct lexer *lx, struct words *w, const char *s)
{
	(void) strbuf_adds(&lx->wbuf, s);
	w->in_word = true;
}

static char **words_get(struct lexer *lx, struct words *w)
{
	if (lx->wbuf.len > 0) {
		words_push(w, strbuf_cstr(&lx->wbuf));
		strbuf_reset(&lx->wbuf);
		w->in_word = false;
	}
	return TAKE_PTR(w->v);
}

/* EnvsFromSlice(): the last entry for a name wins; "NAME" alone is set to "". */
static const char *get_env(struct lexer *lx, const char *name)
{
	size_t n = strlen(name), len = 0;

	while (lx->env && lx->env[len])
		len++;
	for (size_t i = len; i > 0; i--) {
		const char *e = lx->env[i - 1];
		if (strncmp(e, name, n) != 0)
			continue;
		if (e[n] == '=')
			return e + n + 1;
		if (e[n] == '\0')
			return "";
	}
	return NULL;
}

static bool is_digit(int32_t ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_letter(int32_t ch)
{
	if (ch < 0x80)
		return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
	/*
	 * NEEDSWORK: Go's unicode.IsLetter uses the Unicode tables; this takes
	 * every non-ASCII rune outside the common punctuation, symbol and space
	 * blocks as a letter.
	 */
	if (df_is_space(ch) || ch == DF_RUNE_ERROR)
		return false;
	if (ch < 0xc0)
		return ch == 0xaa || ch == 0xb5 || ch == 0xba;
	if (ch == 0xd7 || ch == 0xf7)
		return false;
	if ((ch >= 0x2000 && ch <= 0x2bff) || (ch >= 0x3000 && ch <= 0x303f) ||
	    (ch >= 0xfe00 && ch <= 0xfe6f) || (ch >= 0xff00 && ch <= 0xff20) ||
	    (ch >= 0xe000 && ch <= 0xf8ff) || ch >= 0x1f000)
		return false;
	return true;
}

static bool is_special_param(int32_t ch)
{
	switch (ch) {
	case '@':
	case '*':
	case '#':
	case '?':
	case '-':
	case '$':
	case '!':
	case '0':
		return true;
	}
	return false;
}

static int process_stop_on(struct lexer *lx, int32_t stop, bool raw_escapes, char **ret_word,
			   char ***ret_words);

static char *process_name(struct lexer *lx)
{
	struct strbuf name = STRBUF_INIT;

	while (peek(lx) != EOF_RUNE) {
		int32_t ch = peek(lx);
		if (name.len == 0 && is_digit(ch)) {
			while (peek(lx) != EOF_RUNE && is_digit(peek(lx)))
				df_utf8_append(&name, next(lx));
			return strbuf_detach(&name, NULL);
		}
		if (name.len == 0 && is_special_param(ch)) {
			df_utf8_append(&name, next(lx));
			return strbuf_detach(&name, NULL);
		}
		if (!is_letter(ch) && !is_digit(ch) && ch != '_')
			break;
		df_utf8_append(&name, next(lx));
	}
	return strbuf_detach(&name, NULL);
}

/* Pattern tokens (convertShellPatternToRegex, without building a regexp). */
enum { TOK_LIT, TOK_ANY, TOK_STAR };
struct ptok {
	int kind;
	int32_t r;
};

struct pattern {
	struct ptok *t;
	size_t n;
	bool greedy;
	/*
	 * Failed (token, position) pairs: a sub-match that failed once fails
	 * again, so this keeps backtracking polynomial. NULL when too large.
	 */
	uint8_t *memo;
	size_t memo_n;
};

#define MEMO_MAX (1u << 24)

static void pattern_memo_init(struct pattern *p, size_t n)
{
	free(p->memo);
	p->memo = NULL;
	p->memo_n = n + 1;
	if ((p->n + 1) * p->memo_n / 8 < MEMO_MAX / 8 && (p->n + 1) * p->memo_n < MEMO_MAX)
		p->memo = xcalloc(((p->n + 1) * p->memo_n + 7) / 8, 1);
}

static void pattern_release(struct pattern *p)
{
	free(p->t);
	free(p->memo);
}

static int compile_pattern(struct lexer *lx, const char *pat, bool greedy, struct pattern *ret)
{
	_cleanup_free_ int32_t *r = NULL;
	size_t n, i = 0, stars = 0;
	struct pattern p = {.greedy = greedy};

	r = decode_runes(pat, strlen(pat), &n);
	p.t = xmalloc((n + 1) * sizeof(*p.t));
	while (i < n) {
		int32_t tok = r[i++];
		switch (tok) {
		case '*':
			if (++stars > PATTERN_STARS_MAX) {
				free(p.t);
				return lex_fail(
					lx, "invalid pattern (%s) in substitution: too many '*'",
					pat);
			}
			p.t[p.n++] = (struct ptok){TOK_STAR, 0};
			continue;
		case '?':
			p.t[p.n++] = (struct ptok){TOK_ANY, 0};
			continue;
		case '\\':
			/* "}" and "/" are escaped only for ${}, the escape is not part of the
			 * pattern */
			if (i < n && (r[i] == '}' || r[i] == '/'))
				continue;
			tok = i < n ? r[i++] : EOF_RUNE;
			if (tok != '*' && tok != '?' && tok != '\\') {
				struct strbuf c = STRBUF_INIT;
				df_utf8_append(&c, tok);
				lex_fail(lx,
					 "invalid pattern (%s) in substitution: invalid escape "
					 "'\\%s'",
					 pat, strbuf_cstr(&c));
				strbuf_release(&c);
				free(p.t);
				return -EINVAL;
			}
			break;
		}
		p.t[p.n++] = (struct ptok){TOK_LIT, tok};
	}
	*ret = p;
	return 0;
}

/*
 * Backtracking match in the order of Go's leftmost-first regexp semantics:
 * greedy stars try the longest span first, lazy ones the shortest. "." in Go
 * does not match "\n", so neither do "*" and "?". Returns the end index or -1.
 */
static ssize_t match_run(const struct pattern *p, size_t ti, const int32_t *s, size_t n, size_t si);

static ssize_t match_at(const struct pattern *p, size_t ti, const int32_t *s, size_t n, size_t si)
{
	size_t bit = ti * p->memo_n + si;
	if (p->memo && (p->memo[bit / 8] & (1u << (bit % 8))))
		return -1;
	ssize_t e = match_run(p, ti, s, n, si);
	if (e < 0 && p->memo)
		p->memo[bit / 8] |= (uint8_t) (1u << (bit % 8));
	return e;
}

static ssize_t match_run(const struct pattern *p, size_t ti, const int32_t *s, size_t n, size_t si)
{
	while (ti < p->n) {
		const struct ptok *t = &p->t[ti];
		if (t->kind == TOK_STAR) {
			size_t max = 0;
			while (si + max < n && s[si + max] != '\n')
				max++;
			if (p->greedy) {
				for (size_t k = max + 1; k-- > 0;) {
					ssize_t e = match_at(p, ti + 1, s, n, si + k);
					if (e >= 0)
						return e;
				}
			} else {
				for (size_t k = 0; k <= max; k++) {
					ssize_t e = match_at(p, ti + 1, s, n, si + k);
					if (e >= 0)
						return e;
				}
			}
			return -1;
		}
		if (si >= n)
			return -1;
		if (t->kind == TOK_ANY ? s[si] == '\n' : s[si] != t->r)
			return -1;
		si++;
		ti++;
	}
	return (ssize_t) si;
}

static void append_runes(struct strbuf *sb, const int32_t *r, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		df_utf8_append(sb, r[i]);
}

/* trimPrefix(): remove the anchored match of @pat from @value. */
static int trim_prefix(struct lexer *lx, const char *pat, const char *value, bool greedy,
		       char **ret)
{
	_cleanup_free_ int32_t *v = NULL;
	struct pattern p;
	size_t n, vlen = strlen(value), off = 0, w;
	ssize_t e;
	int r;

	r = compile_pattern(lx, pat, greedy, &p);
	if (r < 0)
		return r;
	v = decode_runes(value, vlen, &n);
	pattern_memo_init(&p, n);
	e = match_at(&p, 0, v, n, 0);
	pattern_release(&p);
	if (e < 0) {
		*ret = xstrdup(value);
		return 0;
	}
	/* Go slices the original bytes: skip @e runes of @value. */
	for (ssize_t i = 0; i < e; i++) {
		(void) df_utf8_decode(value + off, vlen - off, &w);
		off += w;
	}
	*ret = xstrdup(value + off);
	return 0;
}

/* reversePattern(): reverse runes but keep "\x" escape pairs in order. */
static char *reverse_pattern(const char *pat)
{
	_cleanup_free_ int32_t *r = NULL;
	_cleanup_free_ int32_t *out = NULL;
	struct strbuf sb = STRBUF_INIT;
	size_t n;

	r = decode_runes(pat, strlen(pat), &n);
	out = xmalloc((n + 1) * sizeof(*out));
	for (size_t i = 0; i < n;) {
		size_t oi = n - 1 - i;
		if (r[i] == '\\' && i != n - 1) {
			out[oi - 1] = r[i];
			out[oi] = r[i + 1];
			i += 2;
		} else {
			out[oi] = r[i];
			i++;
		}
	}
	append_runes(&sb, out, 0, n);
	return strbuf_detach(&sb, NULL);
}

static char *reverse_string(const char *s)
{
	_cleanup_free_ int32_t *r = NULL;
	struct strbuf sb = STRBUF_INIT;
	size_t n;

	r = decode_runes(s, strlen(s), &n);
	for (size_t i = n; i > 0; i--)
		df_utf8_append(&sb, r[i - 1]);
	return strbuf_detach(&sb, NULL);
}

static int trim_suffix(struct lexer *lx, const char *pat, const char *value, bool greedy,
		       char **ret)
{
	_cleanup_free_ char *rp = reverse_pattern(pat);
	_cleanup_free_ char *rv = reverse_string(value);
	_cleanup_free_ char *t = NULL;
	int r;

	r = trim_prefix(lx, rp, rv, greedy, &t);
	if (r < 0)
		return r;
	*ret = reverse_string(t);
	return 0;
}

static bool go_name_rune(int32_t ch)
{
	return is_letter(ch) || is_digit(ch) || ch == '_';
}

/* regexp.Regexp.Expand() for a pattern with no groups but group 0. */
static void expand_template(struct strbuf *dst, const char *tmpl, const char *match, size_t mlen)
{
	const char *t = tmpl;

	for (;;) {
		const char *d = strchr(t, '$');
		if (!d)
			break;
		(void) strbuf_add(dst, t, (size_t) (d - t));
		t = d + 1;
		if (*t == '$') {
			(void) strbuf_addch(dst, '$');
			t++;
			continue;
		}
		const char *s = t;
		bool brace = false;
		if (*s == '{') {
			brace = true;
			s++;
		}
		size_t i = 0, w;
		while (s[i]) {
			int32_t r = df_utf8_decode(s + i, strlen(s + i), &w);
			if (!go_name_rune(r))
				break;
			i += w;
		}
		if (i == 0 || (brace && s[i] != '}')) {
			(void) strbuf_addch(dst, '$');
			continue;
		}
		bool is_num = true;
		for (size_t j = 0; j < i; j++)
			if (s[j] < '0' || s[j] > '9' || j >= 9)
				is_num = false;
		if (s[0] == '0' && i > 1)
			is_num = false;
		if (is_num && i == 1 && s[0] == '0')
			(void) strbuf_add(dst, match, mlen);
		t = s + i + (brace ? 1 : 0);
	}
	(void) strbuf_adds(dst, t);
}

/* ${v/p/r} and ${v//p/r}: regexp FindStringIndex / ReplaceAllString. */
static int replace(struct lexer *lx, const char *value, const char *pat, const char *repl, bool all,
		   char **ret)
{
	_cleanup_free_ int32_t *v = NULL;
	_cleanup_free_ size_t *off = NULL;
	struct strbuf out = STRBUF_INIT;
	struct pattern p;
	size_t n, vlen = strlen(value), w;
	int r;

	r = compile_pattern(lx, pat, true, &p);
	if (r < 0)
		return r;
	v = decode_runes(value, vlen, &n);
	pattern_memo_init(&p, n);
	/* byte offset of each rune, to copy the original bytes as Go does */
	off = xmalloc((n + 1) * sizeof(*off));
	for (size_t i = 0, b = 0; i <= n; i++) {
		off[i] = b;
		if (i < n) {
			(void) df_utf8_decode(value + b, vlen - b, &w);
			b += w;
		}
	}

	if (!all) {
		for (size_t s = 0; s <= n; s++) {
			ssize_t e = match_at(&p, 0, v, n, s);
			if (e >= 0) {
				(void) strbuf_add(&out, value, off[s]);
				(void) strbuf_adds(&out, repl);
				(void) strbuf_adds(&out, value + off[e]);
				pattern_release(&p);
				*ret = strbuf_detach(&out, NULL);
				return 0;
			}
		}
		pattern_release(&p);
		*ret = xstrdup(value);
		return 0;
	}

	size_t last_end = 0, search = 0;
	while (search <= n) {
		ssize_t ms = -1, me = -1;
		for (size_t s = search; s <= n; s++) {
			ssize_t e = match_at(&p, 0, v, n, s);
			if (e >= 0) {
				ms = (ssize_t) s;
				me = e;
				break;
			}
		}
		if (ms < 0)
			break;
		(void) strbuf_add(&out, value + off[last_end], off[ms] - off[last_end]);
		if ((size_t) me > last_end || ms == 0)
			expand_template(&out, repl, value + off[ms], off[me] - off[ms]);
		if (out.len > DF_EXPAND_MAX) {
			/* ${v//p/r} multiplies lengths: nested, it would fill the memory */
			pattern_release(&p);
			strbuf_release(&out);
			return lex_fail(lx, "expansion longer than %d bytes", DF_EXPAND_MAX);
		}
		last_end = (size_t) me;
		if (search + 1 > (size_t) me)
			search++;
		else
			search = (size_t) me;
	}
	(void) strbuf_adds(&out, value + off[last_end]);
	pattern_release(&p);
	*ret = strbuf_detach(&out, NULL);
	return 0;
}

static int process_dollar(struct lexer *lx, char **ret)
{
	_cleanup_free_ char *name = NULL;
	_cleanup_free_ char *word = NULL;
	struct strbuf chs = STRBUF_INIT;
	bool null_is_unset = false;
	const char *value;
	int32_t ch;
	int r;

	(void) next(lx);
	if (peek(lx) != '{') {
		name = process_name(lx);
		if (!*name) {
			*ret = xstrdup("$");
			return 0;
		}
		value = get_env(lx, name);
		if (!value && lx->o->skip_unset_env)
			*ret = xasprintf("$%s", name);
		else
			*ret = xstrdup(value ? value : "");
		return 0;
	}

	(void) next(lx);
	switch (peek(lx)) {
	case EOF_RUNE:
		return lex_fail(lx, "syntax error: missing '}'");
	case '{':
	case '}':
	case ':':
		return lex_fail(lx, "syntax error: bad substitution");
	}
	if (++lx->depth > DOLLAR_DEPTH_MAX)
		return lex_fail(lx, "syntax error: substitutions nested too deeply");
	name = process_name(lx);
	ch = next(lx);
	df_utf8_append(&chs, ch);

	switch (ch) {
	case '}':
		lx->depth--;
		strbuf_release(&chs);
		value = get_env(lx, name);
		if (!value && lx->o->skip_unset_env)
			*ret = xasprintf("${%s}", name);
		else
			*ret = xstrdup(value ? value : "");
		return 0;
	case ':':
		null_is_unset = true;
		ch = next(lx);
		df_utf8_append(&chs, ch);
		/* fallthrough */
	case '+':
	case '-':
	case '?':
	case '#':
	case '%': {
		bool raw = ch == '#' || ch == '%';
		if (null_is_unset && raw) {
			r = lex_fail(lx, "unsupported modifier (%s) in substitution",
				     strbuf_cstr(&chs));
			strbuf_release(&chs);
			return r;
		}
		r = process_stop_on(lx, '}', raw, &word, NULL);
		if (r < 0) {
			strbuf_release(&chs);
			if (peek(lx) == EOF_RUNE) {
				free(lx->err);
				lx->err = NULL;
				return lex_fail(lx, "syntax error: missing '}'");
			}
			return r;
		}
		lx->depth--;
		value = get_env(lx, name);
		if (lx->o->skip_unset_env && !value) {
			*ret = xasprintf("${%s%s%s}", name, strbuf_cstr(&chs), word);
			strbuf_release(&chs);
			return 0;
		}
		strbuf_release(&chs);
		switch (ch) {
		case '-':
			if (!value || (null_is_unset && !*value))
				*ret = TAKE_PTR(word);
			else
				*ret = xstrdup(value);
			return 0;
		case '+':
			if (!value || (null_is_unset && !*value))
				*ret = xstrdup("");
			else
				*ret = TAKE_PTR(word);
			return 0;
		case '?':
			if (!value)
				return lex_fail(lx, "%s: %s", name,
						*word ? word : "is not allowed to be unset");
			if (null_is_unset && !*value)
				return lex_fail(lx, "%s: %s", name,
						*word ? word : "is not allowed to be empty");
			*ret = xstrdup(value);
			return 0;
		case '%':
		case '#': {
			bool greedy = false;
			const char *pat = word;
			if (*pat == (char) ch) {
				greedy = true;
				pat++;
			}
			if (ch == '%')
				return trim_suffix(lx, pat, value ? value : "", greedy, ret);
			return trim_prefix(lx, pat, value ? value : "", greedy, ret);
		}
		default: {
			struct strbuf m = STRBUF_INIT;
			df_utf8_append(&m, ':');
			df_utf8_append(&m, ch);
			r = lex_fail(lx, "unsupported modifier (%s) in substitution",
				     strbuf_cstr(&m));
			strbuf_release(&m);
			return r;
		}
		}
	}
	case '/': {
		_cleanup_free_ char *pattern = NULL;
		_cleanup_free_ char *repl = NULL;
		bool all = peek(lx) == '/';

		strbuf_release(&chs);
		if (all)
			(void) next(lx);
		r = process_stop_on(lx, '/', true, &pattern, NULL);
		if (r < 0) {
			if (peek(lx) == EOF_RUNE) {
				free(lx->err);
				lx->err = NULL;
				return lex_fail(lx, "syntax error: missing '/' in ${}");
			}
			return r;
		}
		r = process_stop_on(lx, '}', true, &repl, NULL);
		if (r < 0) {
			if (peek(lx) == EOF_RUNE) {
				free(lx->err);
				lx->err = NULL;
				return lex_fail(lx, "syntax error: missing '}'");
			}
			return r;
		}
		lx->depth--;
		value = get_env(lx, name);
		if (lx->o->skip_unset_env && !value) {
			*ret = xasprintf("${%s/%s/%s}", name, pattern, repl);
			return 0;
		}
		return replace(lx, value ? value : "", pattern, repl, all, ret);
	}
	default:
		r = lex_fail(lx, "unsupported modifier (%s) in substitution", strbuf_cstr(&chs));
		strbuf_release(&chs);
		return r;
	}
}

static int process_single_quote(struct lexer *lx, char **ret)
{
	struct strbuf sb = STRBUF_INIT;
	int32_t ch = next(lx);

	if (lx->o->raw_quotes)
		df_utf8_append(&sb, ch);
	for (;;) {
		ch = next(lx);
		if (ch == EOF_RUNE) {
			strbuf_release(&sb);
			return lex_fail(lx, "unexpected end of statement while looking for "
					    "matching single-quote");
		}
		if (ch == '\'') {
			if (lx->o->raw_quotes)
				df_utf8_append(&sb, ch);
			*ret = strbuf_detach(&sb, NULL);
			return 0;
		}
		df_utf8_append(&sb, ch);
	}
}

static int process_double_quote(struct lexer *lx, char **ret)
{
	struct strbuf sb = STRBUF_INIT;
	int32_t ch = next(lx);
	int r;

	if (lx->o->raw_quotes)
		df_utf8_append(&sb, ch);
	for (;;) {
		int32_t p = peek(lx);
		if (p == EOF_RUNE) {
			strbuf_release(&sb);
			return lex_fail(lx, "unexpected end of statement while looking for "
					    "matching double-quote");
		}
		if (p == '"') {
			ch = next(lx);
			if (lx->o->raw_quotes)
				df_utf8_append(&sb, ch);
			*ret = strbuf_detach(&sb, NULL);
			return 0;
		}
		if (p == '$') {
			_cleanup_free_ char *v = NULL;
			r = process_dollar(lx, &v);
			if (r < 0) {
				strbuf_release(&sb);
				return r;
			}
			(void) strbuf_adds(&sb, v);
			continue;
		}
		ch = next(lx);
		if (ch == lx->o->escape) {
			if (lx->raw_escapes)
				df_utf8_append(&sb, ch);
			p = peek(lx);
			if (p == EOF_RUNE)
				continue;
			if (p == '"' || p == '$' || p == lx->o->escape)
				ch = next(lx);
		}
		df_utf8_append(&sb, ch);
	}
}

static int process_possible_heredoc(struct lexer *lx, char **ret)
{
	struct strbuf sb = STRBUF_INIT;

	(void) next(lx);
	if (peek(lx) != '<') {
		*ret = xstrdup("<");
		return 0;
	}
	(void) next(lx);
	(void) strbuf_adds(&sb, "<<");
	while (peek(lx) == '\t' || peek(lx) == '\r' || peek(lx) == ' ')
		df_utf8_append(&sb, next(lx));
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

static int process_stop_on(struct lexer *lx, int32_t stop, bool raw_escapes, char **ret_word,
			   char ***ret_words)
{
	struct strbuf result = STRBUF_INIT;
	struct words words = {0};
	bool saved = lx->raw_escapes;
	int r = 0;

	strbuf_reset(&lx->wbuf);
	lx->raw_escapes = raw_escapes;

	while (peek(lx) != EOF_RUNE) {
		int32_t ch = peek(lx);

		if (stop != EOF_RUNE && ch == stop) {
			(void) next(lx);
			goto done;
		}
		if (ch == '$' || ch == '<' ||
		    ((ch == '\'' || ch == '"') && !lx->o->skip_process_quotes)) {
			_cleanup_free_ char *tmp = NULL;
			if (ch == '$')
				r = process_dollar(lx, &tmp);
			else if (ch == '<')
				r = process_possible_heredoc(lx, &tmp);
			else if (ch == '\'')
				r = process_single_quote(lx, &tmp);
			else
				r = process_double_quote(lx, &tmp);
			if (r < 0)
				goto fail;
			if (result.len + strlen(tmp) > DF_EXPAND_MAX) {
				r = lex_fail(lx, "expansion longer than %d bytes", DF_EXPAND_MAX);
				goto fail;
			}
			(void) strbuf_adds(&result, tmp);
			if (ch == '$')
				words_add_string(lx, &words, tmp);
			else
				words_add_raw_string(lx, &words, tmp);
			continue;
		}
		ch = next(lx);
		if (ch == lx->o->escape) {
			if (lx->raw_escapes) {
				words_add_raw_char(lx, &words, ch);
				df_utf8_append(&result, ch);
			}
			ch = next(lx);
			if (ch == EOF_RUNE)
				break;
			words_add_raw_char(lx, &words, ch);
		} else {
			words_add_char(lx, &words, ch);
		}
		df_utf8_append(&result, ch);
	}
	if (stop != EOF_RUNE) {
		struct strbuf c = STRBUF_INIT;
		df_utf8_append(&c, stop);
		r = lex_fail(lx, "unexpected end of statement while looking for matching %s",
			     strbuf_cstr(&c));
		strbuf_release(&c);
		goto fail;
	}
done:
	lx->raw_escapes = saved;
	{
		char **w = words_get(lx, &words);
		if (ret_words)
			*ret_words = w ? w : strv_new();
		else
			strv_free(w);
	}
	*ret_word = strbuf_detach(&result, NULL);
	return 0;
fail:
	lx->raw_escapes = saved;
	strv_free(words.v);
	strbuf_release(&result);
	return r;
}

int df_lex_process(const struct df_lex_opts *o, const char *word, char *const *env, char **ret_word,
		   char ***ret_words, char **ret_msg)
{
	struct lexer lx = {.o = o, .raw_escapes = o->raw_escapes, .env = env};
	_cleanup_free_ char *w = NULL;
	_cleanup_strv_ char **ws = NULL;
	size_t start = 0;
	int r;

	strbuf_init(&lx.wbuf);
	lx.runes = decode_runes(word, strlen(word), &lx.n);
	/* text/scanner skips a byte order mark at the start */
	if (lx.n > 0 && lx.runes[0] == 0xfeff)
		start = 1;
	lx.pos = start;
	r = process_stop_on(&lx, EOF_RUNE, o->raw_escapes, &w, &ws);
	free(lx.runes);
	strbuf_release(&lx.wbuf);
	if (r < 0) {
		*ret_msg = lx.err ? lx.err : xstrdup("expansion failed");
		return r;
	}
	free(lx.err);
	if (ret_word)
		*ret_word = TAKE_PTR(w);
	if (ret_words)
		*ret_words = TAKE_PTR(ws);
	return 0;
}

static int expand_opts(const struct df_lex_opts *o, const char *word, char *const *env,
		       char **ret_word, char ***ret_words, struct hull_err **err)
{
	_cleanup_free_ char *msg = NULL;
	int r;

	r = df_lex_process(o, word, env, ret_word, ret_words, &msg);
	if (r < 0) {
		struct strbuf q = STRBUF_INIT;
		df_go_quote(&q, word, strlen(word));
		r = err_setx(err, EINVAL, "failed to process %s: %s", strbuf_cstr(&q), msg);
		strbuf_release(&q);
		return r;
	}
	return 0;
}

static int expand(const char *word, char *const *env, char escape, char **ret_word,
		  char ***ret_words, struct hull_err **err)
{
	struct df_lex_opts o = {.escape = (unsigned char) escape};

	if (escape != '\\' && escape != '`')
		return err_setx(err, EINVAL, "invalid escape token '%c' does not match ` or \\",
				escape);
	return expand_opts(&o, word, env, ret_word, ret_words, err);
}

int df_expand_heredoc(const char *body, char *const *env, char **ret, struct hull_err **err)
{
	/* dispatch()'s ExpandRaw: a lexer of its own, '\\' whatever the escape directive */
	struct df_lex_opts o = {.escape = '\\', .skip_process_quotes = true};

	return expand_opts(&o, body, env, ret, NULL, err);
}

int df_expand_word(const char *word, char *const *env, char escape, char **ret,
		   struct hull_err **err)
{
	return expand(word, env, escape, ret, NULL, err);
}

int df_expand_words(const char *word, char *const *env, char escape, char ***ret,
		    struct hull_err **err)
{
	return expand(word, env, escape, NULL, ret, err);
}
