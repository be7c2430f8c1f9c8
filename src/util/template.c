/* SPDX-License-Identifier: MIT */
/*
 * Go's text/template for --format: a lexer and a recursive-descent parser
 * into a tree of nodes, and an evaluator over jansson values (template.h,
 * docs/internals/template.md). The names, the order of the checks and the
 * wording of the errors follow Go's text/template/parse and exec, so that
 * the same template fails the same way.
 */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include "util/template.h"

/* nesting of parentheses and control structures the parser accepts, and of {{template}} calls */
#define DEPTH_MAX 200

/* ------------------------------------------------------------------ */
/* UTF-8 and Go's quoting                                              */
/* ------------------------------------------------------------------ */

/* decode one rune at @s (@n bytes left); invalid input is U+FFFD of size 1, as Go's utf8 */
static uint32_t utf8_decode(const unsigned char *s, size_t n, size_t *ret_size)
{
	uint32_t c;
	size_t len, i;

	if (n == 0) {
		*ret_size = 0;
		return 0xfffd;
	}
	if (s[0] < 0x80) {
		*ret_size = 1;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		goto bad;
	if (n < len)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		goto bad;
	*ret_size = len;
	return c;
bad:
	*ret_size = 1;
	return 0xfffd;
}

static void utf8_put(struct strbuf *sb, uint32_t c)
{
	char b[4];

	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	if (c < 0x80) {
		(void) strbuf_addch(sb, (char) c);
		return;
	}
	if (c < 0x800) {
		b[0] = (char) (0xc0 | (c >> 6));
		b[1] = (char) (0x80 | (c & 0x3f));
		(void) strbuf_add(sb, b, 2);
	} else if (c < 0x10000) {
		b[0] = (char) (0xe0 | (c >> 12));
		b[1] = (char) (0x80 | ((c >> 6) & 0x3f));
		b[2] = (char) (0x80 | (c & 0x3f));
		(void) strbuf_add(sb, b, 3);
	} else {
		b[0] = (char) (0xf0 | (c >> 18));
		b[1] = (char) (0x80 | ((c >> 12) & 0x3f));
		b[2] = (char) (0x80 | ((c >> 6) & 0x3f));
		b[3] = (char) (0x80 | (c & 0x3f));
		(void) strbuf_add(sb, b, 4);
	}
}

/* runes in @n bytes (Go's utf8.RuneCount: an invalid byte is one rune) */
static size_t rune_count(const char *s, size_t n)
{
	size_t count = 0, sz;

	for (size_t i = 0; i < n; i += sz, count++)
		(void) utf8_decode((const unsigned char *) s + i, n - i, &sz);
	return count;
}

/*
 * Go's unicode.IsPrint, approximated: ASCII graphic and space, and every
 * rune past Latin-1's controls except the format and separator characters
 * that Go does not print as they are.
 */
static bool rune_isprint(uint32_t c)
{
	if (c < 0x80)
		return c >= 0x20 && c < 0x7f;
	if (c < 0xa0 || c == 0xad)
		return false;
	if ((c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
	    (c >= 0x205f && c <= 0x206f) || c == 0x3000 || c == 0xfeff ||
	    (c >= 0xfff9 && c <= 0xfffb) || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff ||
	    (c & 0xfffe) == 0xfffe || (c >= 0xe000 && c <= 0xf8ff) || c >= 0xf0000)
		return false;
	return true;
}

static void quote_rune(struct strbuf *sb, uint32_t c, char q, bool ascii)
{
	static const char hex[] = "0123456789abcdef";

	if (c == (uint32_t) q || c == '\\') {
		(void) strbuf_addch(sb, '\\');
		(void) strbuf_addch(sb, (char) c);
		return;
	}
	if (ascii ? (c < 0x80 && rune_isprint(c)) : rune_isprint(c)) {
		utf8_put(sb, c);
		return;
	}
	switch (c) {
	case '\a':
		(void) strbuf_adds(sb, "\\a");
		return;
	case '\b':
		(void) strbuf_adds(sb, "\\b");
		return;
	case '\f':
		(void) strbuf_adds(sb, "\\f");
		return;
	case '\n':
		(void) strbuf_adds(sb, "\\n");
		return;
	case '\r':
		(void) strbuf_adds(sb, "\\r");
		return;
	case '\t':
		(void) strbuf_adds(sb, "\\t");
		return;
	case '\v':
		(void) strbuf_adds(sb, "\\v");
		return;
	}
	if (c < 0x20 || c == 0x7f) {
		(void) strbuf_adds(sb, "\\x");
		(void) strbuf_addch(sb, hex[c >> 4]);
		(void) strbuf_addch(sb, hex[c & 15]);
	} else if (c < 0x10000) {
		(void) strbuf_addf(sb, "\\u%04" PRIx32, c);
	} else {
		(void) strbuf_addf(sb, "\\U%08" PRIx32, c);
	}
}

/* Go's strconv.Quote (QuoteToASCII with @ascii) */
static void go_quote(struct strbuf *sb, const char *s, size_t n, bool ascii)
{
	size_t sz;

	(void) strbuf_addch(sb, '"');
	for (size_t i = 0; i < n; i += sz) {
		uint32_t c = utf8_decode((const unsigned char *) s + i, n - i, &sz);
		if (c == 0xfffd && sz == 1) {
			(void) strbuf_addf(sb, "\\x%02x", (unsigned char) s[i]);
			continue;
		}
		quote_rune(sb, c, '"', ascii);
	}
	(void) strbuf_addch(sb, '"');
}

/* Go's "%.10q..." of an item longer than 10 runes, else %q */
static void go_quote_item(struct strbuf *sb, const char *s, size_t n)
{
	size_t sz, i = 0, runes = 0;

	while (i < n && runes < 10) {
		(void) utf8_decode((const unsigned char *) s + i, n - i, &sz);
		i += sz;
		runes++;
	}
	go_quote(sb, s, i, false);
	if (i < n)
		(void) strbuf_adds(sb, "...");
}

/* ------------------------------------------------------------------ */
/* Numbers as Go formats them                                          */
/* ------------------------------------------------------------------ */

/* the shortest digits that read back as @f (finite, > 0), their count and decimal point */
static void float_shortest(double f, char *digits, int *ret_nd, int *ret_dp)
{
	char buf[40];

	for (int prec = 1; prec <= 17; prec++) {
		size_t nd = 0;
		char *p;

		snprintf(buf, sizeof(buf), "%.*e", prec - 1, f);
		if (prec < 17 && strtod(buf, NULL) != f)
			continue;
		for (p = buf; *p && *p != 'e'; p++)
			if (*p >= '0' && *p <= '9')
				digits[nd++] = *p;
		while (nd > 1 && digits[nd - 1] == '0')
			nd--;
		digits[nd] = '\0';
		*ret_nd = (int) nd;
		*ret_dp = (int) strtol(*p ? p + 1 : p, NULL, 10) + 1;
		return;
	}
}

/*
 * Go's strconv.FormatFloat(f, @fmt, -1, 64): the shortest digits in %e
 * ('e'), %f ('f') or %g ('g': %e when the exponent is < -4 or >= 6) form.
 */
static void go_float(struct strbuf *sb, double f, char fmt)
{
	char d[24];
	int nd, dp, exp;

	if (isnan(f)) {
		(void) strbuf_adds(sb, "NaN");
		return;
	}
	if (isinf(f)) {
		(void) strbuf_adds(sb, f > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (signbit(f))
		(void) strbuf_addch(sb, '-');
	f = fabs(f);
	if (f == 0) {
		d[0] = '0', d[1] = '\0', nd = 1, dp = 1;
	} else {
		float_shortest(f, d, &nd, &dp);
	}
	exp = dp - 1;
	if (fmt == 'g')
		fmt = (exp < -4 || exp >= 6) ? 'e' : 'f';
	if (fmt == 'e') {
		(void) strbuf_addch(sb, d[0]);
		if (nd > 1) {
			(void) strbuf_addch(sb, '.');
			(void) strbuf_adds(sb, d + 1);
		}
		if (f == 0)
			exp = 0;
		(void) strbuf_addf(sb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
		return;
	}
	if (dp <= 0) {
		(void) strbuf_adds(sb, "0.");
		for (int i = 0; i < -dp; i++)
			(void) strbuf_addch(sb, '0');
		(void) strbuf_adds(sb, d);
	} else if (dp >= nd) {
		(void) strbuf_adds(sb, d);
		for (int i = nd; i < dp; i++)
			(void) strbuf_addch(sb, '0');
	} else {
		(void) strbuf_add(sb, d, (size_t) dp);
		(void) strbuf_addch(sb, '.');
		(void) strbuf_adds(sb, d + dp);
	}
}

/* encoding/json's float: %f, or %e out of [1e-6, 1e21) with "e-09" written "e-9" */
static void json_float(struct strbuf *sb, double f)
{
	double a = fabs(f);

	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		size_t start = sb->len, n;
		go_float(sb, f, 'e');
		n = sb->len - start;
		if (n >= 4 && sb->buf[sb->len - 4] == 'e' && sb->buf[sb->len - 3] == '-' &&
		    sb->buf[sb->len - 2] == '0') {
			sb->buf[sb->len - 2] = sb->buf[sb->len - 1];
			sb->buf[--sb->len] = '\0';
		}
		return;
	}
	go_float(sb, f, 'f');
}

/* encoding/json's string, without HTML escaping (docker's json function) */
static void json_quote(struct strbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t sz;

	(void) strbuf_addch(sb, '"');
	for (size_t i = 0; i < n; i += sz) {
		unsigned char c = (unsigned char) s[i];
		uint32_t r;

		if (c < 0x80) {
			sz = 1;
			if (c == '"' || c == '\\') {
				(void) strbuf_addch(sb, '\\');
				(void) strbuf_addch(sb, (char) c);
			} else if (c >= 0x20) {
				(void) strbuf_addch(sb, (char) c);
			} else if (c == '\n') {
				(void) strbuf_adds(sb, "\\n");
			} else if (c == '\r') {
				(void) strbuf_adds(sb, "\\r");
			} else if (c == '\t') {
				(void) strbuf_adds(sb, "\\t");
			} else if (c == '\b') {
				(void) strbuf_adds(sb, "\\b");
			} else if (c == '\f') {
				(void) strbuf_adds(sb, "\\f");
			} else {
				(void) strbuf_adds(sb, "\\u00");
				(void) strbuf_addch(sb, hex[c >> 4]);
				(void) strbuf_addch(sb, hex[c & 15]);
			}
			continue;
		}
		r = utf8_decode((const unsigned char *) s + i, n - i, &sz);
		if (r == 0xfffd && sz == 1)
			(void) strbuf_adds(sb, "\\ufffd");
		else if (r == 0x2028 || r == 0x2029)
			(void) strbuf_addf(sb, "\\u%04" PRIx32, r);
		else
			(void) strbuf_add(sb, s + i, sz);
	}
	(void) strbuf_addch(sb, '"');
}

/* ------------------------------------------------------------------ */
/* Lexer (text/template/parse/lex.go)                                  */
/* ------------------------------------------------------------------ */

enum ttype {
	T_ERROR,
	T_BOOL,
	T_CHAR,
	T_CHARCONST,
	T_ASSIGN,
	T_DECLARE,
	T_EOF,
	T_FIELD,
	T_IDENT,
	T_LDELIM,
	T_LPAREN,
	T_NUMBER,
	T_PIPE,
	T_RAWSTRING,
	T_RDELIM,
	T_RPAREN,
	T_SPACE,
	T_STRING,
	T_TEXT,
	T_VARIABLE,
	T_KEYWORD, /* the keywords follow; Go prints them as <word> */
	T_BLOCK,
	T_BREAK,
	T_CONTINUE,
	T_DOT,
	T_DEFINE,
	T_ELSE,
	T_END,
	T_IF,
	T_NIL,
	T_RANGE,
	T_TEMPLATE,
	T_WITH,
};

struct tok {
	enum ttype type;
	size_t pos, len; /* bytes of the template; T_ERROR: the message is in msg */
	const char *msg;
};

struct lexer {
	const char *in;
	size_t n, pos, start;
	int paren;
	struct tok *toks;
	size_t ntoks, atoks;
	char *msg; /* the error message of the last token, if any (owned) */
};

static bool lx_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool lx_alnum(const char *s, size_t n, size_t *ret_size)
{
	uint32_t c = utf8_decode((const unsigned char *) s, n, ret_size);

	if (n == 0)
		return false;
	if (c < 0x80)
		return c == '_' || (c >= '0' && c <= '9') ||
		       ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
	/* Go's unicode.IsLetter/IsDigit: every rune past ASCII that prints and is no space */
	return !(c == 0xfffd && *ret_size == 1) && rune_isprint(c) && c != 0xa0 && c != 0x1680 &&
	       c != 0x3000 && !(c >= 0x2000 && c <= 0x200a) && !(c >= 0x2010 && c <= 0x2027) &&
	       !(c >= 0x2030 && c <= 0x205e) &&
	       !(c >= 0xa1 && c <= 0xbf && c != 0xaa && c != 0xb2 && c != 0xb3 && c != 0xb5 &&
		 c != 0xb9 && c != 0xba && c != 0xbc && c != 0xbd && c != 0xbe) &&
	       c != 0xd7 && c != 0xf7;
}

static void lx_emit(struct lexer *l, enum ttype type)
{
	if (l->ntoks == l->atoks) {
		l->atoks = l->atoks ? 2 * l->atoks : 64;
		l->toks = xrealloc(l->toks, l->atoks * sizeof(*l->toks));
	}
	l->toks[l->ntoks++] = (struct tok){type, l->start, l->pos - l->start, NULL};
	l->start = l->pos;
}

static bool lx_errorf(struct lexer *l, const char *fmt, ...) _printf_(2, 3);
static bool lx_errorf(struct lexer *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	l->msg = xvasprintf(fmt, ap);
	va_end(ap);
	lx_emit(l, T_ERROR);
	l->toks[l->ntoks - 1].msg = l->msg;
	return false;
}

/* at "}}" or " -}}": 1, or 2 with the trim marker */
static int lx_at_rdelim(struct lexer *l, size_t pos)
{
	if (pos + 4 <= l->n && lx_space(l->in[pos]) && l->in[pos + 1] == '-' &&
	    l->in[pos + 2] == '}' && l->in[pos + 3] == '}')
		return 2;
	if (pos + 2 <= l->n && l->in[pos] == '}' && l->in[pos + 1] == '}')
		return 1;
	return 0;
}

static size_t lx_skip_space(struct lexer *l, size_t pos)
{
	while (pos < l->n && lx_space(l->in[pos]))
		pos++;
	return pos;
}

/* after an identifier, a field or a variable: what may follow without a space */
static bool lx_at_terminator(struct lexer *l)
{
	char c;

	if (l->pos >= l->n)
		return true;
	c = l->in[l->pos];
	return lx_space(c) || c == '.' || c == ',' || c == '|' || c == ':' || c == ')' ||
	       c == '(' || c == '}';
}

static void lx_bad_char(struct lexer *l)
{
	size_t sz;
	uint32_t c = utf8_decode((const unsigned char *) l->in + l->pos, l->n - l->pos, &sz);
	_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;

	quote_rune(&q, c, '\'', false);
	if (rune_isprint(c))
		(void) lx_errorf(l, "bad character U+%04" PRIX32 " '%s'", c, strbuf_cstr(&q));
	else
		(void) lx_errorf(l, "bad character U+%04" PRIX32, c);
}

static bool lx_accept(struct lexer *l, const char *set)
{
	if (l->pos < l->n && l->in[l->pos] && strchr(set, l->in[l->pos])) {
		l->pos++;
		return true;
	}
	return false;
}

static void lx_accept_run(struct lexer *l, const char *set)
{
	while (lx_accept(l, set))
		;
}

static bool lx_number(struct lexer *l)
{
	const char *digits = "0123456789_";
	size_t sz;

	lx_accept(l, "+-");
	if (lx_accept(l, "0")) {
		if (lx_accept(l, "xX"))
			digits = "0123456789abcdefABCDEF_";
		else if (lx_accept(l, "oO"))
			digits = "01234567_";
		else if (lx_accept(l, "bB"))
			digits = "01_";
	}
	lx_accept_run(l, digits);
	if (lx_accept(l, "."))
		lx_accept_run(l, digits);
	if (strlen(digits) == 11 && lx_accept(l, "eE")) {
		lx_accept(l, "+-");
		lx_accept_run(l, "0123456789_");
	}
	if (strlen(digits) == 23 && lx_accept(l, "pP")) {
		lx_accept(l, "+-");
		lx_accept_run(l, "0123456789_");
	}
	lx_accept(l, "i");
	if (lx_alnum(l->in + l->pos, l->n - l->pos, &sz)) {
		_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;

		l->pos += sz;
		go_quote(&q, l->in + l->start, l->pos - l->start, false);
		return lx_errorf(l, "bad number syntax: %s", strbuf_cstr(&q));
	}
	return true;
}

static const struct {
	const char *word;
	enum ttype type;
} keywords[] = {
	{"block", T_BLOCK},
	{"break", T_BREAK},
	{"continue", T_CONTINUE},
	{"define", T_DEFINE},
	{"else", T_ELSE},
	{"end", T_END},
	{"if", T_IF},
	{"nil", T_NIL},
	{"range", T_RANGE},
	{"template", T_TEMPLATE},
	{"with", T_WITH},
};

/* an alphanumeric run at l->pos; false (and an error token) if a bad character ends it */
static bool lx_word(struct lexer *l)
{
	size_t sz;

	while (lx_alnum(l->in + l->pos, l->n - l->pos, &sz))
		l->pos += sz;
	if (!lx_at_terminator(l)) {
		lx_bad_char(l);
		return false;
	}
	return true;
}

/* one token inside an action; false once an error token is out */
static bool lx_action(struct lexer *l)
{
	size_t sz, p;
	char c = l->in[l->pos];

	if (lx_space(c)) {
		p = l->pos;
		while (p < l->n && lx_space(l->in[p]))
			p++;
		/* the last space may belong to a " -}}" */
		if (p + 3 <= l->n && l->in[p] == '-' && l->in[p + 1] == '}' &&
		    l->in[p + 2] == '}') {
			p--;
			if (p == l->pos)
				return true;
		}
		l->pos = p;
		lx_emit(l, T_SPACE);
		return true;
	}
	l->pos++;
	switch (c) {
	case '=':
		lx_emit(l, T_ASSIGN);
		return true;
	case ':':
		if (l->pos >= l->n || l->in[l->pos] != '=')
			return lx_errorf(l, "expected :=");
		l->pos++;
		lx_emit(l, T_DECLARE);
		return true;
	case '|':
		lx_emit(l, T_PIPE);
		return true;
	case '"':
		for (;;) {
			if (l->pos >= l->n || l->in[l->pos] == '\n')
				return lx_errorf(l, "unterminated quoted string");
			c = l->in[l->pos++];
			if (c == '\\') {
				if (l->pos >= l->n || l->in[l->pos] == '\n')
					return lx_errorf(l, "unterminated quoted string");
				l->pos++;
			} else if (c == '"') {
				break;
			}
		}
		lx_emit(l, T_STRING);
		return true;
	case '`':
		p = l->pos;
		while (p < l->n && l->in[p] != '`')
			p++;
		if (p >= l->n) {
			l->pos = p;
			return lx_errorf(l, "unterminated raw quoted string");
		}
		l->pos = p + 1;
		lx_emit(l, T_RAWSTRING);
		return true;
	case '$':
		if (lx_at_terminator(l)) {
			lx_emit(l, T_VARIABLE);
			return true;
		}
		if (!lx_word(l))
			return false;
		lx_emit(l, T_VARIABLE);
		return true;
	case '\'':
		for (;;) {
			if (l->pos >= l->n || l->in[l->pos] == '\n')
				return lx_errorf(l, "unterminated character constant");
			c = l->in[l->pos++];
			if (c == '\\') {
				if (l->pos >= l->n || l->in[l->pos] == '\n')
					return lx_errorf(l, "unterminated character constant");
				l->pos++;
			} else if (c == '\'') {
				break;
			}
		}
		lx_emit(l, T_CHARCONST);
		return true;
	case '(':
		lx_emit(l, T_LPAREN);
		l->paren++;
		return true;
	case ')':
		if (--l->paren < 0)
			return lx_errorf(l, "unexpected right paren");
		lx_emit(l, T_RPAREN);
		return true;
	}
	if (c == '.' && l->pos < l->n && !(l->in[l->pos] >= '0' && l->in[l->pos] <= '9')) {
		if (lx_at_terminator(l)) {
			lx_emit(l, T_DOT);
			return true;
		}
		if (!lx_word(l))
			return false;
		lx_emit(l, T_FIELD);
		return true;
	}
	if (c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9')) {
		l->pos--;
		if (!lx_number(l))
			return false;
		if (l->pos < l->n && (l->in[l->pos] == '+' || l->in[l->pos] == '-')) {
			/* a complex constant, 1+2i: no space, ends in i */
			if (!lx_number(l))
				return false;
			if (l->in[l->pos - 1] != 'i') {
				_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;
				go_quote(&q, l->in + l->start, l->pos - l->start, false);
				return lx_errorf(l, "bad number syntax: %s", strbuf_cstr(&q));
			}
		}
		lx_emit(l, T_NUMBER);
		return true;
	}
	l->pos--;
	if (lx_alnum(l->in + l->pos, l->n - l->pos, &sz)) {
		size_t len;

		if (!lx_word(l))
			return false;
		len = l->pos - l->start;
		for (size_t i = 0; i < ARRAY_SIZE(keywords); i++)
			if (strlen(keywords[i].word) == len &&
			    !memcmp(keywords[i].word, l->in + l->start, len)) {
				lx_emit(l, keywords[i].type);
				return true;
			}
		if ((len == 4 && !memcmp(l->in + l->start, "true", 4)) ||
		    (len == 5 && !memcmp(l->in + l->start, "false", 5)))
			lx_emit(l, T_BOOL);
		else
			lx_emit(l, T_IDENT);
		return true;
	}
	if ((unsigned char) c < 0x80 && c > 0x20 && c < 0x7f) {
		l->pos++;
		lx_emit(l, T_CHAR);
		return true;
	}
	{
		uint32_t r =
			utf8_decode((const unsigned char *) l->in + l->pos, l->n - l->pos, &sz);
		_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;

		l->pos += sz;
		quote_rune(&q, r, '\'', false);
		if (rune_isprint(r))
			return lx_errorf(l,
					 "unrecognized character in action: U+%04" PRIX32 " '%s'",
					 r, strbuf_cstr(&q));
		return lx_errorf(l, "unrecognized character in action: U+%04" PRIX32, r);
	}
}

/* the whole template as tokens, ending with T_EOF or T_ERROR */
static void lex_all(struct lexer *l)
{
	for (;;) {
		const char *d = strstr(l->in + l->pos, "{{");
		size_t dpos, tend, after;
		int rd;

		if (!d) {
			l->pos = l->n;
			if (l->pos > l->start)
				lx_emit(l, T_TEXT);
			lx_emit(l, T_EOF);
			return;
		}
		dpos = (size_t) (d - l->in);
		/* "{{- ": the text before loses its trailing spaces */
		after = (dpos + 3 < l->n && l->in[dpos + 2] == '-' && lx_space(l->in[dpos + 3]))
				? 2
				: 0;
		tend = dpos;
		if (after)
			while (tend > l->start && lx_space(l->in[tend - 1]))
				tend--;
		if (tend > l->start) {
			l->pos = tend;
			lx_emit(l, T_TEXT);
		}
		l->start = dpos;
		l->pos = dpos + 2;
		if (!strncmp(l->in + l->pos + after, "/*", 2)) {
			const char *x;

			l->pos += after + 2;
			x = strstr(l->in + l->pos, "*/");
			if (!x) {
				(void) lx_errorf(l, "unclosed comment");
				return;
			}
			l->pos = (size_t) (x - l->in) + 2;
			rd = lx_at_rdelim(l, l->pos);
			if (!rd) {
				(void) lx_errorf(l, "comment ends before closing delimiter");
				return;
			}
			l->pos += rd == 2 ? 4 : 2;
			if (rd == 2)
				l->pos = lx_skip_space(l, l->pos);
			l->start = l->pos;
			continue;
		}
		lx_emit(l, T_LDELIM);
		l->pos += after;
		l->start = l->pos;
		l->paren = 0;
		for (;;) {
			rd = lx_at_rdelim(l, l->pos);
			if (rd) {
				if (l->paren) {
					(void) lx_errorf(l, "unclosed left paren");
					return;
				}
				if (rd == 2)
					l->start = l->pos += 2;
				l->pos += 2;
				lx_emit(l, T_RDELIM);
				if (rd == 2)
					l->pos = lx_skip_space(l, l->pos);
				l->start = l->pos;
				break;
			}
			if (l->pos >= l->n) {
				(void) lx_errorf(l, "unclosed action");
				return;
			}
			if (!lx_action(l))
				return;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Parse tree (text/template/parse/node.go, parse.go)                  */
/* ------------------------------------------------------------------ */

enum ntype {
	N_LIST,
	N_TEXT,
	N_ACTION,
	N_IF,
	N_RANGE,
	N_WITH,
	N_TEMPLATE,
	N_BREAK,
	N_CONTINUE,
	N_PIPE,
	N_COMMAND,
	N_FIELD,
	N_VARIABLE,
	N_CHAIN,
	N_IDENT,
	N_DOT,
	N_NIL,
	N_BOOL,
	N_NUMBER,
	N_STRING,
	N_END,
	N_ELSE,
};

struct node {
	enum ntype type;
	size_t pos;
	struct node **kids; /* LIST: nodes, PIPE: commands, COMMAND: arguments */
	size_t nkids;
	struct node **decl; /* PIPE: the variables it declares or assigns */
	size_t ndecl;
	bool assign;
	struct node *pipe;	   /* ACTION, IF, RANGE, WITH, TEMPLATE; CHAIN: the term */
	struct node *list, *elist; /* IF, RANGE, WITH */
	bool else_chain;	   /* ELSE: "else if" / "else with" follows */
	char **ident;		   /* FIELD: names; VARIABLE: "$x" then fields; CHAIN: fields */
	size_t nident;
	char *s; /* TEXT: bytes, STRING: value, IDENT and TEMPLATE: name */
	size_t slen;
	const char *src; /* NUMBER, STRING: as written (points into the template) */
	size_t srclen;
	bool is_int, is_uint, is_float, b;
	int64_t i;
	uint64_t u;
	double f;
};

struct tdef {
	char *name;
	struct node *root;
};

struct tmpl {
	char *text;
	size_t max_output, max_steps; /* tmpl_set_limits() */
	struct node *root;
	struct tdef *defs;
	size_t ndefs;
	struct node **nodes; /* every node, for tmpl_free() */
	size_t nnodes, anodes;
};

struct parser {
	struct tmpl *t;
	const struct tok *toks;
	size_t ntoks, i, last;
	char **vars;
	size_t nvars, avars;
	int range_depth, depth, action_line;
	struct hull_err **err;
	bool failed;
};

static struct node *node_new(struct parser *p, enum ntype type, size_t pos)
{
	struct tmpl *t = p->t;
	struct node *n = xcalloc(1, sizeof(*n));

	if (t->nnodes == t->anodes) {
		t->anodes = t->anodes ? 2 * t->anodes : 64;
		t->nodes = xrealloc(t->nodes, t->anodes * sizeof(*t->nodes));
	}
	t->nodes[t->nnodes++] = n;
	n->type = type;
	n->pos = pos;
	return n;
}

static void node_add(struct node ***v, size_t *n, struct node *x)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = x;
}

static void node_free(struct node *n)
{
	free(n->kids);
	free(n->decl);
	for (size_t i = 0; i < n->nident; i++)
		free(n->ident[i]);
	free(n->ident);
	free(n->s);
	free(n);
}

void tmpl_set_limits(struct tmpl *t, size_t max_output, size_t max_steps)
{
	t->max_output = max_output;
	t->max_steps = max_steps;
}

struct tmpl *tmpl_free(struct tmpl *t)
{
	if (!t)
		return NULL;
	for (size_t i = 0; i < t->nnodes; i++)
		node_free(t->nodes[i]);
	free(t->nodes);
	for (size_t i = 0; i < t->ndefs; i++)
		free(t->defs[i].name);
	free(t->defs);
	free(t->text);
	free(t);
	return NULL;
}

/* Go's Node.String(): the node as it would be written, for the context of errors */
static void node_str(struct strbuf *sb, const struct node *n)
{
	switch (n->type) {
	case N_LIST:
		for (size_t i = 0; i < n->nkids; i++)
			node_str(sb, n->kids[i]);
		return;
	case N_TEXT:
		go_quote(sb, n->s, n->slen, false);
		return;
	case N_ACTION:
		(void) strbuf_adds(sb, "{{");
		node_str(sb, n->pipe);
		(void) strbuf_adds(sb, "}}");
		return;
	case N_IF:
	case N_RANGE:
	case N_WITH:
		(void) strbuf_addf(sb, "{{%s ",
				   n->type == N_IF	? "if"
				   : n->type == N_RANGE ? "range"
							: "with");
		node_str(sb, n->pipe);
		(void) strbuf_adds(sb, "}}");
		node_str(sb, n->list);
		if (n->elist) {
			(void) strbuf_adds(sb, "{{else}}");
			node_str(sb, n->elist);
		}
		(void) strbuf_adds(sb, "{{end}}");
		return;
	case N_TEMPLATE:
		(void) strbuf_adds(sb, "{{template ");
		go_quote(sb, n->s, n->slen, false);
		if (n->pipe) {
			(void) strbuf_addch(sb, ' ');
			node_str(sb, n->pipe);
		}
		(void) strbuf_adds(sb, "}}");
		return;
	case N_BREAK:
		(void) strbuf_adds(sb, "{{break}}");
		return;
	case N_CONTINUE:
		(void) strbuf_adds(sb, "{{continue}}");
		return;
	case N_PIPE:
		for (size_t i = 0; i < n->ndecl; i++) {
			if (i)
				(void) strbuf_adds(sb, ", ");
			node_str(sb, n->decl[i]);
		}
		if (n->ndecl)
			(void) strbuf_adds(sb, n->assign ? " = " : " := ");
		for (size_t i = 0; i < n->nkids; i++) {
			if (i)
				(void) strbuf_adds(sb, " | ");
			node_str(sb, n->kids[i]);
		}
		return;
	case N_COMMAND:
		for (size_t i = 0; i < n->nkids; i++) {
			if (i)
				(void) strbuf_addch(sb, ' ');
			if (n->kids[i]->type == N_PIPE) {
				(void) strbuf_addch(sb, '(');
				node_str(sb, n->kids[i]);
				(void) strbuf_addch(sb, ')');
			} else {
				node_str(sb, n->kids[i]);
			}
		}
		return;
	case N_FIELD:
		for (size_t i = 0; i < n->nident; i++)
			(void) strbuf_addf(sb, ".%s", n->ident[i]);
		return;
	case N_VARIABLE:
		for (size_t i = 0; i < n->nident; i++)
			(void) strbuf_addf(sb, "%s%s", i ? "." : "", n->ident[i]);
		return;
	case N_CHAIN:
		if (n->pipe->type == N_PIPE) {
			(void) strbuf_addch(sb, '(');
			node_str(sb, n->pipe);
			(void) strbuf_addch(sb, ')');
		} else {
			node_str(sb, n->pipe);
		}
		for (size_t i = 0; i < n->nident; i++)
			(void) strbuf_addf(sb, ".%s", n->ident[i]);
		return;
	case N_IDENT:
		(void) strbuf_adds(sb, n->s);
		return;
	case N_DOT:
		(void) strbuf_addch(sb, '.');
		return;
	case N_NIL:
		(void) strbuf_adds(sb, "nil");
		return;
	case N_BOOL:
		(void) strbuf_adds(sb, n->b ? "true" : "false");
		return;
	case N_NUMBER:
	case N_STRING:
		(void) strbuf_add(sb, n->src, n->srclen);
		return;
	case N_END:
		(void) strbuf_adds(sb, "{{end}}");
		return;
	case N_ELSE:
		(void) strbuf_adds(sb, "{{else}}");
		return;
	}
}

/* 1-based line of byte @pos */
static int line_of(const char *text, size_t pos)
{
	int line = 1;

	for (size_t i = 0; i < pos && text[i]; i++)
		line += text[i] == '\n';
	return line;
}

static void *perrorf(struct parser *p, const char *fmt, ...) _printf_(2, 3);
static void *perrorf(struct parser *p, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	if (p->failed)
		return NULL;
	p->failed = true;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	err_setx(p->err, EINVAL, "template: :%d: %s", line_of(p->t->text, p->toks[p->last].pos),
		 msg);
	return NULL;
}

static const struct tok *p_next(struct parser *p)
{
	const struct tok *t = &p->toks[p->i];

	p->last = p->i;
	if (p->i + 1 < p->ntoks)
		p->i++;
	return t;
}

/* the next token, not consumed */
static const struct tok *p_peek(struct parser *p)
{
	return &p->toks[p->i];
}

static void p_backup(struct parser *p, const struct tok *t)
{
	p->i = (size_t) (t - p->toks);
}

static const struct tok *p_next_nonspace(struct parser *p)
{
	const struct tok *t;

	do
		t = p_next(p);
	while (t->type == T_SPACE);
	return t;
}

/* the next token but spaces, which it consumes (as Go's peekNonSpace) */
static const struct tok *p_peek_nonspace(struct parser *p)
{
	while (p->toks[p->i].type == T_SPACE && p->i + 1 < p->ntoks)
		p->i++;
	return &p->toks[p->i];
}

/* Go's item.String() */
static char *tok_str(struct parser *p, const struct tok *t)
{
	struct strbuf sb = STRBUF_INIT;

	if (t->type == T_EOF)
		(void) strbuf_adds(&sb, "EOF");
	else if (t->type == T_ERROR)
		(void) strbuf_adds(&sb, t->msg);
	else if (t->type > T_KEYWORD)
		(void) strbuf_addf(&sb, "<%.*s>", (int) t->len, p->t->text + t->pos);
	else
		go_quote_item(&sb, p->t->text + t->pos, t->len);
	return strbuf_detach(&sb, NULL);
}

/* the lexer's error; in an action that began on an earlier line, it says where it began */
static void *p_token_error(struct parser *p, const struct tok *t)
{
	int line = line_of(p->t->text, t->pos);

	if (p->action_line && p->action_line != line) {
		size_t n = strlen(t->msg);
		bool action = n >= 7 && streq(t->msg + n - 7, " action");
		return perrorf(p, "%s%s started at :%d", t->msg, action ? "" : " in action",
			       p->action_line);
	}
	return perrorf(p, "%s", t->msg);
}

static void *p_unexpected(struct parser *p, const struct tok *t, const char *context)
{
	_cleanup_free_ char *s = NULL;

	if (t->type == T_ERROR)
		return p_token_error(p, t);
	s = tok_str(p, t);
	return perrorf(p, "unexpected %s in %s", s, context);
}

static char *node_string(const struct node *n)
{
	struct strbuf sb = STRBUF_INIT;

	node_str(&sb, n);
	return strbuf_detach(&sb, NULL);
}

/* ------------------------------------------------------------------ */
/* Literals (strconv's rules for Go syntax)                            */
/* ------------------------------------------------------------------ */

/*
 * strconv.UnquoteChar: one (possibly escaped) character of a literal quoted
 * by @q at *@s. A \x or octal escape is a byte (*@ret_byte), anything else
 * a rune. Returns false on bad syntax.
 */
static bool unquote_char(const char **s, const char *end, char q, uint32_t *ret, bool *ret_byte)
{
	const char *p = *s;
	uint32_t v = 0;
	int n = 0;
	size_t sz;

	*ret_byte = false;
	if (p >= end)
		return false;
	if (*p == q && (q == '\'' || q == '"'))
		return false;
	if (*p != '\\') {
		*ret = utf8_decode((const unsigned char *) p, (size_t) (end - p), &sz);
		*s = p + sz;
		return true;
	}
	if (++p >= end)
		return false;
	switch (*p++) {
	case 'a':
		*ret = '\a';
		break;
	case 'b':
		*ret = '\b';
		break;
	case 'f':
		*ret = '\f';
		break;
	case 'n':
		*ret = '\n';
		break;
	case 'r':
		*ret = '\r';
		break;
	case 't':
		*ret = '\t';
		break;
	case 'v':
		*ret = '\v';
		break;
	case '\\':
		*ret = '\\';
		break;
	case '\'':
	case '"':
		if (p[-1] != q)
			return false;
		*ret = (uint32_t) p[-1];
		break;
	case 'x':
		n = 2;
		goto hex;
	case 'u':
		n = 4;
		goto hex;
	case 'U':
		n = 8;
	hex:
		for (int i = 0; i < n; i++) {
			int h = p < end ? unhexchar((unsigned char) *p) : -1;
			if (h < 0)
				return false;
			v = (v << 4) | (uint32_t) h;
			p++;
		}
		if (n == 2) {
			*ret_byte = true;
		} else if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
			return false;
		}
		*ret = v;
		break;
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
		v = (uint32_t) (p[-1] - '0');
		for (int i = 0; i < 2; i++) {
			if (p >= end || *p < '0' || *p > '7')
				return false;
			v = v * 8 + (uint32_t) (*p++ - '0');
		}
		if (v > 255)
			return false;
		*ret = v;
		*ret_byte = true;
		break;
	default:
		return false;
	}
	*s = p;
	return true;
}

/* strconv.Unquote of a "..." or `...` literal into @sb; false: invalid syntax */
static bool unquote(const char *s, size_t n, struct strbuf *sb)
{
	const char *p = s + 1, *end = s + n - 1;

	if (n < 2)
		return false;
	if (s[0] == '`') {
		for (; p < end; p++)
			if (*p != '\r')
				(void) strbuf_addch(sb, *p);
		return true;
	}
	while (p < end) {
		uint32_t c;
		bool byte;

		if (!unquote_char(&p, end, '"', &c, &byte))
			return false;
		if (byte)
			(void) strbuf_addch(sb, (char) c);
		else
			utf8_put(sb, c);
	}
	return true;
}

/* strconv's underscoreOK: "_" only between digits, or after a base prefix */
static bool underscore_ok(const char *s)
{
	char saw = '^';
	bool hex = false;
	size_t i = 0;

	if (*s == '+' || *s == '-')
		s++;
	if (s[0] == '0' && s[1] && strchr("bBoOxX", s[1])) {
		i = 2;
		saw = '0';
		hex = (s[1] | 0x20) == 'x';
	}
	for (; s[i]; i++) {
		if ((s[i] >= '0' && s[i] <= '9') || (hex && unhexchar((unsigned char) s[i]) >= 0)) {
			saw = '0';
			continue;
		}
		if (s[i] == '_') {
			if (saw != '0')
				return false;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return false;
		saw = '!';
	}
	return saw != '_';
}

/* strconv.ParseUint(s, 0, 64) of @s, underscores already checked and removed */
static bool parse_uint(const char *s, uint64_t *ret)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (!*s)
		return false;
	if (s[0] == '0' && s[1]) {
		switch (s[1]) {
		case 'x':
		case 'X':
			base = 16, s += 2;
			break;
		case 'o':
		case 'O':
			base = 8, s += 2;
			break;
		case 'b':
		case 'B':
			base = 2, s += 2;
			break;
		default:
			base = 8, s += 1;
		}
		if (!*s)
			return false;
	}
	for (; *s; s++) {
		int d = unhexchar((unsigned char) *s);
		if (d < 0 || (unsigned) d >= base || v > (UINT64_MAX - (unsigned) d) / base)
			return false;
		v = v * base + (unsigned) d;
	}
	*ret = v;
	return true;
}

/* parse.newNumber: a number or character constant token into @n; NULL or the error */
static char *number_parse(struct node *n, const char *text, size_t len, bool charconst)
{
	_cleanup_free_ char *s = xstrndup(text, len), *clean = NULL;
	_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;
	uint64_t u;
	size_t j = 0;

	if (charconst) {
		const char *p = s + 1, *end = s + len;
		uint32_t c;
		bool byte;

		if (!unquote_char(&p, end, '\'', &c, &byte))
			return xstrdup("invalid syntax");
		if (end - p != 1 || *p != '\'')
			return xasprintf("malformed character constant: %s", s);
		n->is_int = n->is_uint = n->is_float = true;
		n->i = (int64_t) c;
		n->u = c;
		n->f = c;
		return NULL;
	}
	go_quote(&q, s, len, false);
	if (len && s[len - 1] == 'i') /* Go's complex constants: not here */
		return xasprintf("illegal number syntax: %s", strbuf_cstr(&q));
	if (!underscore_ok(s))
		return xasprintf("illegal number syntax: %s", strbuf_cstr(&q));
	clean = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		if (s[i] != '_')
			clean[j++] = s[i];
	clean[j] = '\0';
	if (parse_uint(clean, &u)) {
		n->is_uint = true;
		n->u = u;
	}
	if (clean[0] == '-' || clean[0] == '+') {
		if (parse_uint(clean + 1, &u) &&
		    (clean[0] == '-' ? u <= (uint64_t) INT64_MAX + 1 : u <= INT64_MAX)) {
			n->is_int = true;
			n->i = clean[0] == '-' ? (int64_t) (0 - u) : (int64_t) u;
			if (n->i == 0)
				n->is_uint = true, n->u = 0;
		}
	} else if (n->is_uint && n->u <= INT64_MAX) {
		n->is_int = true;
		n->i = (int64_t) n->u;
	}
	if (n->is_int) {
		n->is_float = true;
		n->f = (double) n->i;
	} else if (n->is_uint) {
		n->is_float = true;
		n->f = (double) n->u;
	} else {
		const char *b = clean + (clean[0] == '-' || clean[0] == '+');
		bool hexf = b[0] == '0' && (b[1] == 'x' || b[1] == 'X');
		char *end;
		double f;

		errno = 0;
		f = strtod(clean, &end);
		if (*end || end == clean || errno == ERANGE || isinf(f) || isnan(f) ||
		    (hexf && !strpbrk(b, "pP")) || (!hexf && strpbrk(b, "xXnNiI")))
			return xasprintf("illegal number syntax: %s", strbuf_cstr(&q));
		if (!strpbrk(s, ".eEpP"))
			return xasprintf("integer overflow: %s", strbuf_cstr(&q));
		n->is_float = true;
		n->f = f;
		if (f >= -9223372036854775808.0 && f < 9223372036854775808.0 &&
		    (double) (int64_t) f == f)
			n->is_int = true, n->i = (int64_t) f;
		if (f >= 0 && f < 18446744073709551616.0 && (double) (uint64_t) f == f)
			n->is_uint = true, n->u = (uint64_t) f;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */
/* ------------------------------------------------------------------ */

static bool func_exists(const char *name);

static struct node *p_pipeline(struct parser *p, const char *context, enum ttype end);
static struct node *p_item_list(struct parser *p, struct node **ret_end);
static struct node *p_if(struct parser *p);
static struct node *p_with(struct parser *p);

static void p_push_var(struct parser *p, const char *name)
{
	if (p->nvars == p->avars) {
		p->avars = p->avars ? 2 * p->avars : 16;
		p->vars = xrealloc(p->vars, p->avars * sizeof(*p->vars));
	}
	p->vars[p->nvars++] = (char *) name;
}

/* split ".A.B" (or "$x.A.B") into names */
static void ident_split(struct node *n, const char *s, size_t len, bool field)
{
	size_t i = 0;

	if (field && i < len && s[i] == '.')
		i++;
	while (i <= len) {
		size_t j = i;
		while (j < len && s[j] != '.')
			j++;
		n->ident = xrealloc(n->ident, (n->nident + 1) * sizeof(char *));
		n->ident[n->nident++] = xstrndup(s + i, j - i);
		i = j + 1;
	}
}

static struct node *p_var_node(struct parser *p, const struct tok *t)
{
	struct node *n = node_new(p, N_VARIABLE, t->pos);

	ident_split(n, p->t->text + t->pos, t->len, false);
	return n;
}

static struct node *p_term(struct parser *p)
{
	const struct tok *t = p_next_nonspace(p);
	const char *text = p->t->text + t->pos;
	struct node *n;

	switch (t->type) {
	case T_ERROR:
		return p_token_error(p, t);
	case T_IDENT: {
		_cleanup_free_ char *name = xstrndup(text, t->len);
		if (!func_exists(name)) {
			_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;
			go_quote(&q, name, t->len, false);
			return perrorf(p, "function %s not defined", strbuf_cstr(&q));
		}
		n = node_new(p, N_IDENT, t->pos);
		n->s = TAKE_PTR(name);
		return n;
	}
	case T_DOT:
		return node_new(p, N_DOT, t->pos);
	case T_NIL:
		return node_new(p, N_NIL, t->pos);
	case T_VARIABLE: {
		n = p_var_node(p, t);
		for (size_t i = p->nvars; i > 0; i--)
			if (streq(p->vars[i - 1], n->ident[0]))
				return n;
		{
			_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;
			go_quote(&q, n->ident[0], strlen(n->ident[0]), false);
			return perrorf(p, "undefined variable %s", strbuf_cstr(&q));
		}
	}
	case T_FIELD:
		n = node_new(p, N_FIELD, t->pos);
		ident_split(n, text, t->len, true);
		return n;
	case T_BOOL:
		n = node_new(p, N_BOOL, t->pos);
		n->b = text[0] == 't';
		return n;
	case T_CHARCONST:
	case T_NUMBER: {
		_cleanup_free_ char *e = NULL;
		n = node_new(p, N_NUMBER, t->pos);
		n->src = text;
		n->srclen = t->len;
		e = number_parse(n, text, t->len, t->type == T_CHARCONST);
		if (e)
			return perrorf(p, "%s", e);
		return n;
	}
	case T_LPAREN:
		if (p->depth >= DEPTH_MAX)
			return perrorf(p, "max expression depth exceeded");
		p->depth++;
		n = p_pipeline(p, "parenthesized pipeline", T_RPAREN);
		p->depth--;
		return n;
	case T_STRING:
	case T_RAWSTRING: {
		struct strbuf sb = STRBUF_INIT;
		if (!unquote(text, t->len, &sb)) {
			strbuf_release(&sb);
			return perrorf(p, "invalid syntax");
		}
		n = node_new(p, N_STRING, t->pos);
		n->src = text;
		n->srclen = t->len;
		n->s = strbuf_detach(&sb, &n->slen);
		return n;
	}
	default:
		p_backup(p, t);
		return NULL;
	}
}

/* operand: a term, then .Field accesses written right after it */
static struct node *p_operand(struct parser *p)
{
	struct node *n = p_term(p), *c;
	size_t pos;

	if (!n || p_peek(p)->type != T_FIELD)
		return n;
	pos = p_peek(p)->pos;
	switch (n->type) {
	case N_BOOL:
	case N_STRING:
	case N_NUMBER:
	case N_NIL:
	case N_DOT: {
		_cleanup_free_ char *s = node_string(n);
		_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;
		go_quote(&q, s, strlen(s), false);
		return perrorf(p, "unexpected . after term %s", strbuf_cstr(&q));
	}
	case N_FIELD:
	case N_VARIABLE:
		c = node_new(p, n->type, pos);
		for (size_t i = 0; i < n->nident; i++) {
			c->ident = xrealloc(c->ident, (c->nident + 1) * sizeof(char *));
			c->ident[c->nident++] = xstrdup(n->ident[i]);
		}
		break;
	default:
		c = node_new(p, N_CHAIN, pos);
		c->pipe = n;
		break;
	}
	while (p_peek(p)->type == T_FIELD) {
		const struct tok *t = p_next(p);
		ident_split(c, p->t->text + t->pos, t->len, true);
	}
	return c;
}

static struct node *p_command(struct parser *p)
{
	struct node *cmd = node_new(p, N_COMMAND, p_peek_nonspace(p)->pos);

	for (;;) {
		const struct tok *t;
		struct node *op;

		(void) p_peek_nonspace(p);
		op = p_operand(p);
		if (p->failed)
			return NULL;
		if (op)
			node_add(&cmd->kids, &cmd->nkids, op);
		t = p_next(p);
		switch (t->type) {
		case T_SPACE:
			continue;
		case T_ERROR:
			return p_token_error(p, t);
		case T_RDELIM:
		case T_RPAREN:
			p_backup(p, t);
			break;
		case T_PIPE:
			break;
		default: {
			_cleanup_free_ char *s = tok_str(p, t);
			return perrorf(p, "unexpected %s in operand", s);
		}
		}
		break;
	}
	if (!cmd->nkids)
		return perrorf(p, "empty command");
	return cmd;
}

static struct node *p_pipeline(struct parser *p, const char *context, enum ttype end)
{
	struct node *pipe = node_new(p, N_PIPE, p_peek_nonspace(p)->pos);

decls:
	if (p_peek_nonspace(p)->type == T_VARIABLE) {
		const struct tok *v = p_next_nonspace(p), *after = p_peek(p),
				 *next = p_peek_nonspace(p);

		if (next->type == T_ASSIGN || next->type == T_DECLARE) {
			pipe->assign = next->type == T_ASSIGN;
			(void) p_next_nonspace(p);
			node_add(&pipe->decl, &pipe->ndecl, p_var_node(p, v));
			p_push_var(p, pipe->decl[pipe->ndecl - 1]->ident[0]);
		} else if (next->type == T_CHAR && p->t->text[next->pos] == ',') {
			(void) p_next_nonspace(p);
			node_add(&pipe->decl, &pipe->ndecl, p_var_node(p, v));
			p_push_var(p, pipe->decl[pipe->ndecl - 1]->ident[0]);
			if (streq(context, "range") && pipe->ndecl < 2) {
				enum ttype nt = p_peek_nonspace(p)->type;
				if (nt == T_VARIABLE || nt == T_RDELIM || nt == T_RPAREN)
					goto decls;
				return perrorf(p, "range can only initialize variables");
			}
			return perrorf(p, "too many declarations in %s", context);
		} else {
			(void) after;
			p_backup(p, v);
		}
	}
	for (;;) {
		const struct tok *t = p_next_nonspace(p);

		if (t->type == end) {
			if (!pipe->nkids)
				return perrorf(p, "missing value for %s", context);
			for (size_t i = 1; i < pipe->nkids; i++)
				switch (pipe->kids[i]->kids[0]->type) {
				case N_BOOL:
				case N_DOT:
				case N_NIL:
				case N_NUMBER:
				case N_STRING:
					return perrorf(
						p, "non executable command in pipeline stage %zu",
						i + 1);
				default:
					break;
				}
			return pipe;
		}
		switch (t->type) {
		case T_BOOL:
		case T_CHARCONST:
		case T_DOT:
		case T_FIELD:
		case T_IDENT:
		case T_NUMBER:
		case T_NIL:
		case T_RAWSTRING:
		case T_STRING:
		case T_VARIABLE:
		case T_LPAREN: {
			struct node *c;
			p_backup(p, t);
			c = p_command(p);
			if (!c)
				return NULL;
			node_add(&pipe->kids, &pipe->nkids, c);
			break;
		}
		default:
			return p_unexpected(p, t, context);
		}
	}
}

static bool empty_tree(const struct node *n)
{
	if (!n)
		return true;
	if (n->type == N_TEXT) {
		for (size_t i = 0; i < n->slen; i++)
			if (!lx_space(n->s[i]) && n->s[i] != '\v' && n->s[i] != '\f')
				return false;
		return true;
	}
	if (n->type == N_LIST) {
		for (size_t i = 0; i < n->nkids; i++)
			if (!empty_tree(n->kids[i]))
				return false;
		return true;
	}
	return false;
}

static bool p_add_def(struct parser *p, const char *name, struct node *root)
{
	struct tmpl *t = p->t;

	for (size_t i = 0; i < t->ndefs; i++) {
		if (!streq(t->defs[i].name, name))
			continue;
		if (!empty_tree(t->defs[i].root) && !empty_tree(root)) {
			_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;
			go_quote(&q, name, strlen(name), false);
			perrorf(p, "template: multiple definition of template %s", strbuf_cstr(&q));
			return false;
		}
		if (!empty_tree(root))
			t->defs[i].root = root;
		return true;
	}
	t->defs = xrealloc(t->defs, (t->ndefs + 1) * sizeof(*t->defs));
	t->defs[t->ndefs++] = (struct tdef){xstrdup(name), root};
	return true;
}

/* the name of {{define}}, {{template}} or {{block}}: a string literal */
static char *p_template_name(struct parser *p, const struct tok *t, const char *context)
{
	struct strbuf sb = STRBUF_INIT;

	if (t->type != T_STRING && t->type != T_RAWSTRING) {
		p_unexpected(p, t, context);
		return NULL;
	}
	if (!unquote(p->t->text + t->pos, t->len, &sb)) {
		strbuf_release(&sb);
		perrorf(p, "invalid syntax");
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

/* a body parsed as its own template ({{define}}, {{block}}): no variables but $, no range */
static struct node *p_body(struct parser *p, const char *context)
{
	size_t nvars = p->nvars;
	int range_depth = p->range_depth;
	struct node *end = NULL, *list;

	p_push_var(p, "$");
	p->range_depth = 0;
	list = p_item_list(p, &end);
	p->nvars = nvars;
	p->range_depth = range_depth;
	if (!list)
		return NULL;
	if (end->type != N_END) {
		_cleanup_free_ char *s = node_string(end);
		return perrorf(p, "unexpected %s in %s", s, context);
	}
	return list;
}

static bool p_define(struct parser *p)
{
	_cleanup_free_ char *name = p_template_name(p, p_next_nonspace(p), "define clause");
	const struct tok *t;
	struct node *body;

	if (!name)
		return false;
	t = p_next_nonspace(p);
	if (t->type != T_RDELIM) {
		p_unexpected(p, t, "define clause");
		return false;
	}
	if (p->depth >= DEPTH_MAX) {
		perrorf(p, "max expression depth exceeded");
		return false;
	}
	p->depth++;
	body = p_body(p, "define clause");
	p->depth--;
	return body && p_add_def(p, name, body);
}

static struct node *p_control(struct parser *p, enum ntype type, const char *context)
{
	size_t nvars = p->nvars;
	struct node *n, *end = NULL;

	if (p->depth >= DEPTH_MAX)
		return perrorf(p, "max expression depth exceeded");
	p->depth++;
	n = node_new(p, type, 0);
	n->pipe = p_pipeline(p, context, T_RDELIM);
	if (!n->pipe)
		goto fail;
	n->pos = n->pipe->pos;
	if (type == N_RANGE)
		p->range_depth++;
	n->list = p_item_list(p, &end);
	if (type == N_RANGE)
		p->range_depth--;
	if (!n->list)
		goto fail;
	if (end->type == N_ELSE) {
		const struct tok *t = p_peek(p);
		if ((type == N_IF && t->type == T_IF) || (type == N_WITH && t->type == T_WITH)) {
			struct node *inner;
			(void) p_next(p);
			n->elist = node_new(p, N_LIST, end->pos);
			inner = type == N_IF ? p_if(p) : p_with(p);
			if (!inner)
				goto fail;
			node_add(&n->elist->kids, &n->elist->nkids, inner);
		} else {
			n->elist = p_item_list(p, &end);
			if (!n->elist)
				goto fail;
			if (end->type != N_END) {
				_cleanup_free_ char *s = node_string(end);
				perrorf(p, "expected end; found %s", s);
				goto fail;
			}
		}
	}
	p->depth--;
	p->nvars = nvars;
	return n;
fail:
	p->depth--;
	p->nvars = nvars;
	return NULL;
}

static struct node *p_if(struct parser *p)
{
	return p_control(p, N_IF, "if");
}

static struct node *p_with(struct parser *p)
{
	return p_control(p, N_WITH, "with");
}

static struct node *p_action(struct parser *p)
{
	const struct tok *t = p_next_nonspace(p);
	struct node *n;

	switch (t->type) {
	case T_BLOCK: {
		const struct tok *nt = p_next_nonspace(p);
		_cleanup_free_ char *name = p_template_name(p, nt, "block clause");
		struct node *body;

		if (!name)
			return NULL;
		n = node_new(p, N_TEMPLATE, nt->pos);
		n->pipe = p_pipeline(p, "block clause", T_RDELIM);
		if (!n->pipe)
			return NULL;
		if (p->depth >= DEPTH_MAX)
			return perrorf(p, "max expression depth exceeded");
		p->depth++;
		body = p_body(p, "block clause");
		p->depth--;
		if (!body || !p_add_def(p, name, body))
			return NULL;
		n->slen = strlen(name);
		n->s = TAKE_PTR(name);
		return n;
	}
	case T_BREAK:
	case T_CONTINUE: {
		const struct tok *nt = p_next_nonspace(p);
		const char *what = t->type == T_BREAK ? "{{break}}" : "{{continue}}";

		if (nt->type != T_RDELIM)
			return p_unexpected(p, nt, what);
		if (!p->range_depth)
			return perrorf(p, "%s outside {{range}}", what);
		return node_new(p, t->type == T_BREAK ? N_BREAK : N_CONTINUE, t->pos);
	}
	case T_ELSE: {
		const struct tok *nt = p_peek_nonspace(p);
		if (nt->type == T_IF || nt->type == T_WITH)
			return node_new(p, N_ELSE, nt->pos);
		nt = p_next_nonspace(p);
		if (nt->type != T_RDELIM)
			return p_unexpected(p, nt, "else");
		return node_new(p, N_ELSE, nt->pos);
	}
	case T_END: {
		const struct tok *nt = p_next_nonspace(p);
		if (nt->type != T_RDELIM)
			return p_unexpected(p, nt, "end");
		return node_new(p, N_END, nt->pos);
	}
	case T_IF:
		return p_if(p);
	case T_RANGE:
		return p_control(p, N_RANGE, "range");
	case T_WITH:
		return p_with(p);
	case T_TEMPLATE: {
		const struct tok *nt = p_next_nonspace(p);
		_cleanup_free_ char *name = p_template_name(p, nt, "template clause");

		if (!name)
			return NULL;
		n = node_new(p, N_TEMPLATE, nt->pos);
		n->slen = strlen(name);
		n->s = TAKE_PTR(name);
		nt = p_next_nonspace(p);
		if (nt->type != T_RDELIM) {
			p_backup(p, nt);
			n->pipe = p_pipeline(p, "template clause", T_RDELIM);
			if (!n->pipe)
				return NULL;
		}
		return n;
	}
	default:
		p_backup(p, t);
		t = p_peek(p);
		n = node_new(p, N_ACTION, t->pos);
		n->pipe = p_pipeline(p, "command", T_RDELIM);
		return n->pipe ? n : NULL;
	}
}

static struct node *p_text_or_action(struct parser *p)
{
	const struct tok *t = p_next_nonspace(p);
	struct node *n;

	switch (t->type) {
	case T_TEXT:
		n = node_new(p, N_TEXT, t->pos);
		n->s = xstrndup(p->t->text + t->pos, t->len);
		n->slen = t->len;
		return n;
	case T_LDELIM: {
		int saved = p->action_line;
		p->action_line = line_of(p->t->text, t->pos);
		n = p_action(p);
		p->action_line = saved;
		return n;
	}
	default:
		return p_unexpected(p, t, "input");
	}
}

/* textOrAction* up to {{end}} or {{else}}, returned in *@ret_end */
static struct node *p_item_list(struct parser *p, struct node **ret_end)
{
	struct node *list = node_new(p, N_LIST, p_peek_nonspace(p)->pos);

	while (p_peek_nonspace(p)->type != T_EOF) {
		struct node *n = p_text_or_action(p);
		if (!n)
			return NULL;
		if (n->type == N_END || n->type == N_ELSE) {
			*ret_end = n;
			return list;
		}
		node_add(&list->kids, &list->nkids, n);
	}
	(void) p_next(p);
	return perrorf(p, "unexpected EOF");
}

int tmpl_parse(const char *text, struct tmpl **ret, struct hull_err **err)
{
	_cleanup_(tmpl_freep) struct tmpl *t = xcalloc(1, sizeof(*t));
	struct lexer l = {0};
	struct parser p = {0};
	struct node *root;

	t->text = xstrdup(text);
	t->max_output = TMPL_OUTPUT_MAX;
	t->max_steps = TMPL_STEPS_MAX;
	l.in = t->text;
	l.n = strlen(text);
	lex_all(&l);
	p.t = t;
	p.toks = l.toks;
	p.ntoks = l.ntoks;
	p.err = err;
	p_push_var(&p, "$");
	root = node_new(&p, N_LIST, 0);
	while (!p.failed && p_peek(&p)->type != T_EOF) {
		const struct tok *tk = p_peek(&p);
		struct node *n;

		if (tk->type == T_LDELIM) {
			const struct tok *d = p_next(&p);
			if (p_next_nonspace(&p)->type == T_DEFINE) {
				if (!p_define(&p))
					break;
				continue;
			}
			p_backup(&p, d);
		}
		n = p_text_or_action(&p);
		if (!n)
			break;
		if (n->type == N_END || n->type == N_ELSE) {
			_cleanup_free_ char *s = node_string(n);
			perrorf(&p, "unexpected %s", s);
			break;
		}
		node_add(&root->kids, &root->nkids, n);
	}
	if (!p.failed)
		(void) p_add_def(&p, "", root);
	free(p.vars);
	free(l.toks);
	free(l.msg);
	if (p.failed)
		return -EINVAL;
	t->root = root;
	*ret = TAKE_PTR(t);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

/* a raw json.Number: j is a string holding the number as written */
#define VF_NUM 1u
/* a []string a function made (split), whatever the mode */
#define VF_STRV 2u
/* in TMPL_RAW, a value of the data: Go holds it in an interface {} */
#define VF_IFACE 4u

struct val {
	json_t *j; /* owned; NULL is Go's invalid value ("<no value>") */
	const struct tmpl_type *t;
	unsigned f;
};

enum vkind { K_INVALID, K_NIL, K_BOOL, K_INT, K_FLOAT, K_STRING, K_SLICE, K_MAP, K_STRUCT };

struct var {
	const char *name;
	struct val v;
};

struct exec {
	const struct tmpl *t;
	const char *name; /* of the template executing */
	unsigned flags;
	void *udata;
	struct strbuf *out;
	const struct node *at; /* the node errors are about */
	struct var *vars;
	size_t nvars, avars;
	size_t steps;
	int depth;
	struct hull_err **err;
	int r; /* the first error */
};

#define WALK_BREAK    1
#define WALK_CONTINUE 2

static bool raw(const struct exec *ex)
{
	return ex->flags & TMPL_RAW;
}

static struct val v_take(json_t *j)
{
	return (struct val){j, NULL, 0};
}

static struct val v_str(const char *s, size_t n)
{
	return v_take(json_stringn_nocheck(s, n));
}

static struct val v_int(json_int_t i)
{
	return v_take(json_integer(i));
}

static struct val v_ref(const struct val *v)
{
	return (struct val){json_incref(v->j), v->t, v->f};
}

static void v_release(struct val *v)
{
	json_decref(v->j);
	*v = (struct val){0};
}

/* a value found in the data (borrowed @c): raw numbers become json.Number */
static struct val v_child(const struct exec *ex, json_t *c, const struct tmpl_type *t)
{
	if (raw(ex)) {
		if (json_is_integer(c)) {
			char buf[32];
			snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(c));
			return (struct val){json_string(buf), NULL, VF_NUM | VF_IFACE};
		}
		if (json_is_real(c)) {
			_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
			json_float(&sb, json_real_value(c));
			return (struct val){json_string(strbuf_cstr(&sb)), NULL, VF_NUM | VF_IFACE};
		}
		return (struct val){json_incref(c), NULL, VF_IFACE};
	}
	return (struct val){json_incref(c), t, 0};
}

static enum vkind vkind(const struct exec *ex, const struct val *v)
{
	if (!v->j)
		return K_INVALID;
	switch (json_typeof(v->j)) {
	case JSON_NULL:
		if (!raw(ex) && v->t && v->t->kind == TMPL_MAP)
			return K_MAP;
		if (!raw(ex) && v->t && v->t->kind == TMPL_SLICE)
			return K_SLICE;
		return K_NIL;
	case JSON_TRUE:
	case JSON_FALSE:
		return K_BOOL;
	case JSON_INTEGER:
		return K_INT;
	case JSON_REAL:
		return K_FLOAT;
	case JSON_STRING:
		return K_STRING;
	case JSON_ARRAY:
		return K_SLICE;
	case JSON_OBJECT:
		if (raw(ex) || (v->t && v->t->kind == TMPL_MAP))
			return K_MAP;
		return K_STRUCT;
	}
	return K_INVALID;
}

static const struct tmpl_type *field_type(const struct tmpl_type *t, const char *name)
{
	if (!t || t->kind != TMPL_STRUCT || !t->fields)
		return NULL;
	for (const struct tmpl_field *f = t->fields; f->name; f++)
		if (streq(f->name, name))
			return f->type;
	return NULL;
}

static const char *json_tag(const struct tmpl_type *t, const char *name)
{
	if (!t || t->kind != TMPL_STRUCT || !t->json_tags)
		return NULL;
	for (const struct tmpl_json_tag *f = t->json_tags; f->field; f++)
		if (streq(f->field, name))
			return f->tag;
	return NULL;
}

/* Go's isEmptyValue, for omitempty */
static bool json_empty(json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_NULL:
	case JSON_FALSE:
		return true;
	case JSON_INTEGER:
		return json_integer_value(j) == 0;
	case JSON_REAL:
		return json_real_value(j) == 0;
	case JSON_STRING:
		return json_string_length(j) == 0;
	case JSON_ARRAY:
		return json_array_size(j) == 0;
	case JSON_OBJECT:
		return json_object_size(j) == 0;
	default:
		return false;
	}
}

static const struct tmpl_type *elem_type(const struct tmpl_type *t)
{
	return t && (t->kind == TMPL_MAP || t->kind == TMPL_SLICE) ? t->elem : NULL;
}

static size_t v_len(const struct val *v)
{
	if (json_is_array(v->j))
		return json_array_size(v->j);
	if (json_is_object(v->j))
		return json_object_size(v->j);
	if (json_is_string(v->j))
		return json_string_length(v->j);
	return 0;
}

static bool all_strings(json_t *j)
{
	size_t i;
	const char *k;
	json_t *x;

	if (json_is_array(j)) {
		json_array_foreach (j, i, x)
			if (!json_is_string(x))
				return false;
	} else if (json_is_object(j)) {
		json_object_foreach (j, k, x)
			if (!json_is_string(x))
				return false;
	}
	return true;
}

/* Go's name of the value's type, for errors and %T */
static void type_name(const struct exec *ex, struct strbuf *sb, const struct val *v)
{
	enum vkind k = vkind(ex, v);

	if (k == K_INVALID || k == K_NIL) {
		(void) strbuf_adds(sb, k == K_NIL && v->t && v->t->name ? v->t->name : "<nil>");
		return;
	}
	if (!raw(ex) && v->t && v->t->name) {
		(void) strbuf_adds(sb, v->t->name);
		return;
	}
	switch (k) {
	case K_BOOL:
		(void) strbuf_adds(sb, "bool");
		break;
	case K_INT:
		(void) strbuf_adds(sb, "int");
		break;
	case K_FLOAT:
		(void) strbuf_adds(sb, "float64");
		break;
	case K_STRING:
		(void) strbuf_adds(sb, v->f & VF_NUM ? "json.Number" : "string");
		break;
	case K_SLICE:
		(void) strbuf_adds(sb, (v->f & VF_STRV) || (!raw(ex) && all_strings(v->j))
					       ? "[]string"
					       : "[]interface {}");
		break;
	case K_MAP:
		(void) strbuf_adds(sb, !raw(ex) && all_strings(v->j) ? "map[string]string"
								     : "map[string]interface {}");
		break;
	default:
		(void) strbuf_adds(sb, "struct");
		break;
	}
}

static char *type_str(const struct exec *ex, const struct val *v)
{
	struct strbuf sb = STRBUF_INIT;

	type_name(ex, &sb, v);
	return strbuf_detach(&sb, NULL);
}

/* Go's truth: not the zero value; structs are always true */
static bool is_true(const struct exec *ex, const struct val *v)
{
	switch (vkind(ex, v)) {
	case K_INVALID:
	case K_NIL:
		return false;
	case K_BOOL:
		return json_is_true(v->j);
	case K_INT:
		return json_integer_value(v->j) != 0;
	case K_FLOAT:
		return json_real_value(v->j) != 0;
	case K_STRING:
	case K_SLICE:
	case K_MAP:
		return v_len(v) > 0;
	case K_STRUCT:
		return true;
	}
	return false;
}

/* the keys of an object, sorted (Go sorts map keys when it prints or ranges) */
static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static const char **sorted_keys(json_t *o, size_t *ret_n)
{
	size_t n = json_object_size(o), i = 0;
	const char **keys = xmalloc((n ? n : 1) * sizeof(char *));
	const char *k;
	json_t *x;

	json_object_foreach (o, k, x)
		keys[i++] = k;
	qsort(keys, n, sizeof(char *), key_cmp);
	*ret_n = n;
	return keys;
}

/* ------------------------------------------------------------------ */
/* JSON as Go's encoding/json writes it                                */
/* ------------------------------------------------------------------ */

static void json_enc(struct strbuf *sb, json_t *j, const struct tmpl_type *t, bool rawmode,
		     int depth)
{
	size_t i;
	const char *k;
	json_t *x;

	if (depth > 1000) { /* jansson's own parser bounds depth; a built value might not */
		(void) strbuf_adds(sb, "null");
		return;
	}
	switch (json_typeof(j)) {
	case JSON_NULL:
		(void) strbuf_adds(sb, "null");
		return;
	case JSON_TRUE:
		(void) strbuf_adds(sb, "true");
		return;
	case JSON_FALSE:
		(void) strbuf_adds(sb, "false");
		return;
	case JSON_INTEGER:
		(void) strbuf_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		return;
	case JSON_REAL:
		json_float(sb, json_real_value(j));
		return;
	case JSON_STRING:
		json_quote(sb, json_string_value(j), json_string_length(j));
		return;
	case JSON_ARRAY:
		(void) strbuf_addch(sb, '[');
		json_array_foreach (j, i, x) {
			if (i)
				(void) strbuf_addch(sb, ',');
			json_enc(sb, x, rawmode ? NULL : elem_type(t), rawmode, depth + 1);
		}
		(void) strbuf_addch(sb, ']');
		return;
	case JSON_OBJECT:
		(void) strbuf_addch(sb, '{');
		if (rawmode || (t && (t->kind == TMPL_MAP || t->json_sorted))) {
			size_t n;
			_cleanup_free_ const char **keys = sorted_keys(j, &n);
			for (i = 0; i < n; i++) {
				if (i)
					(void) strbuf_addch(sb, ',');
				json_quote(sb, keys[i], strlen(keys[i]));
				(void) strbuf_addch(sb, ':');
				json_enc(sb, json_object_get(j, keys[i]),
					 rawmode ? NULL
						 : (t && t->kind == TMPL_MAP
							    ? t->elem
							    : field_type(t, keys[i])),
					 rawmode, depth + 1);
			}
		} else {
			i = 0;
			json_object_foreach (j, k, x) {
				const char *name = k, *tag = json_tag(t, k);
				size_t len = strlen(k);

				if (tag) {
					name = tag;
					len = strcspn(name, ",");
					if (strstr(name + len, ",omitempty") && json_empty(x))
						continue;
				}
				if (i++)
					(void) strbuf_addch(sb, ',');
				json_quote(sb, name, len);
				(void) strbuf_addch(sb, ':');
				json_enc(sb, x, field_type(t, k), rawmode, depth + 1);
			}
		}
		(void) strbuf_addch(sb, '}');
		return;
	}
}

void tmpl_json(struct strbuf *out, json_t *v, const struct tmpl_type *type)
{
	if (!v) {
		(void) strbuf_adds(out, "null");
		return;
	}
	json_enc(out, v, type, false, 0);
}

static void v_json(const struct exec *ex, struct strbuf *sb, const struct val *v)
{
	if (!v->j)
		(void) strbuf_adds(sb, "null");
	else if (v->f & VF_NUM)
		(void) strbuf_adds(sb, json_string_value(v->j));
	else
		json_enc(sb, v->j, raw(ex) ? NULL : v->t, raw(ex), 0);
}

/* ------------------------------------------------------------------ */
/* fmt: Go's %v and Printf                                             */
/* ------------------------------------------------------------------ */

struct fspec {
	size_t max; /* the template's output limit: nothing grows much past it */
	bool plus, minus, sharp, space, zero, plusv, sharpv, deref;
	bool has_wid, has_prec;
	int wid, prec;
};

static void f_padding(struct strbuf *sb, const struct fspec *fs, int n)
{
	char block[256];

	if (n <= 0 || sb->len > fs->max)
		return;
	if ((size_t) n > fs->max - sb->len + 1)
		n = (int) (fs->max - sb->len + 1);
	memset(block, fs->zero && !fs->minus ? '0' : ' ', sizeof(block));
	for (int i = 0; i < n; i += (int) sizeof(block))
		(void) strbuf_add(sb, block,
				  (size_t) n - (size_t) i < sizeof(block) ? (size_t) (n - i)
									  : sizeof(block));
}

/* fmt.pad: @s padded to the width, by runes */
static void f_pad(struct strbuf *sb, const struct fspec *fs, const char *s, size_t n)
{
	int w;

	if (!fs->has_wid || fs->wid == 0) {
		(void) strbuf_add(sb, s, n);
		return;
	}
	w = fs->wid - (int) rune_count(s, n);
	if (!fs->minus) {
		f_padding(sb, fs, w);
		(void) strbuf_add(sb, s, n);
	} else {
		(void) strbuf_add(sb, s, n);
		f_padding(sb, fs, w);
	}
}

static void f_pad_str(struct strbuf *sb, const struct fspec *fs, const char *s)
{
	f_pad(sb, fs, s, strlen(s));
}

/* fmt.truncate: the precision as a number of runes */
static size_t f_truncate(const struct fspec *fs, const char *s, size_t n)
{
	size_t i = 0, sz;
	int runes = 0;

	if (!fs->has_prec)
		return n;
	while (i < n && runes < fs->prec) {
		(void) utf8_decode((const unsigned char *) s + i, n - i, &sz);
		i += sz;
		runes++;
	}
	return i;
}

static void f_integer(struct strbuf *sb, const struct fspec *in, uint64_t u, bool is_signed,
		      int base, char verb, bool upper)
{
	struct fspec fs = *in;
	const char *digits = upper ? "0123456789ABCDEFX" : "0123456789abcdefx";
	bool negative = is_signed && (int64_t) u < 0;
	char buf[200], *p = buf + sizeof(buf);
	int prec = 0;

	if (negative)
		u = 0 - u;
	if (fs.has_prec) {
		prec = fs.prec;
		if (prec == 0 && u == 0) {
			fs.zero = false;
			f_padding(sb, &fs, fs.wid);
			return;
		}
	} else if (fs.zero && !fs.minus && fs.has_wid) {
		prec = fs.wid;
		if (negative || fs.plus || fs.space)
			prec--;
	}
	if (prec > 150)
		prec = 150;
	do {
		*--p = digits[u % (unsigned) base];
		u /= (unsigned) base;
	} while (u);
	while (buf + sizeof(buf) - p < prec)
		*--p = '0';
	if (fs.sharp) {
		if (base == 2) {
			*--p = 'b';
			*--p = '0';
		} else if (base == 8 && *p != '0') {
			*--p = '0';
		} else if (base == 16) {
			*--p = digits[16];
			*--p = '0';
		}
	}
	if (verb == 'O') {
		*--p = 'o';
		*--p = '0';
	}
	if (negative)
		*--p = '-';
	else if (fs.plus)
		*--p = '+';
	else if (fs.space)
		*--p = ' ';
	fs.zero = false;
	f_pad(sb, &fs, p, (size_t) (buf + sizeof(buf) - p));
}

/* fmt's %e %f %g %x of a float64 (@prec < 0: the shortest) */
static void f_float(struct strbuf *sb, const struct fspec *in, double v, char verb, int prec)
{
	struct fspec fs = *in;
	_cleanup_strbuf_ struct strbuf num = STRBUF_INIT;
	char lower = (char) (verb | 0x20);

	if (fs.has_prec)
		prec = fs.prec;
	if (isnan(v) || isinf(v)) {
		const char *s = isnan(v) ? "NaN" : "Inf";
		(void) strbuf_addch(&num, isnan(v) ? '+' : (v < 0 ? '-' : '+'));
		(void) strbuf_adds(&num, s);
		fs.zero = false;
		if (isnan(v) && !fs.space && !fs.plus)
			f_pad(sb, &fs, num.buf + 1, num.len - 1);
		else {
			if (fs.space && num.buf[0] == '+' && !fs.plus)
				num.buf[0] = ' ';
			f_pad(sb, &fs, num.buf, num.len);
		}
		return;
	}
	(void) strbuf_addch(&num, signbit(v) ? '-' : '+');
	if (lower == 'x') {
		char b[64], *e;
		if (prec < 0)
			snprintf(b, sizeof(b), "%a", fabs(v));
		else
			snprintf(b, sizeof(b), "%.*a", prec, fabs(v));
		/* C writes p+1, Go p+01 */
		e = strchr(b, 'p');
		if (e && (e[1] == '+' || e[1] == '-') && e[2] && !e[3]) {
			(void) strbuf_add(&num, b, (size_t) (e - b + 2));
			(void) strbuf_addch(&num, '0');
			(void) strbuf_adds(&num, e + 2);
		} else {
			(void) strbuf_adds(&num, b);
		}
	} else if (lower == 'b') {
		int e;
		double m = frexp(fabs(v), &e);
		(void) strbuf_addf(&num, "%" PRIu64 "p%+d", (uint64_t) ldexp(m, 53), e - 53);
	} else if (prec < 0) {
		go_float(&num, fabs(v), lower);
	} else {
		char f[8];
		size_t start = num.len;
		snprintf(f, sizeof(f), "%%.*%c", lower);
		(void) strbuf_addf(&num, f, prec > 500 ? 500 : prec, fabs(v));
		(void) start;
	}
	if (verb >= 'A' && verb <= 'Z')
		for (size_t i = 0; i < num.len; i++)
			if (num.buf[i] >= 'a' && num.buf[i] <= 'z')
				num.buf[i] = (char) (num.buf[i] - 32);
	if (fs.space && num.buf[0] == '+' && !fs.plus)
		num.buf[0] = ' ';
	if (fs.plus || num.buf[0] != '+') {
		if (fs.zero && !fs.minus && fs.has_wid && fs.wid > (int) num.len) {
			(void) strbuf_addch(sb, num.buf[0]);
			f_padding(sb, &fs, fs.wid - (int) num.len);
			(void) strbuf_add(sb, num.buf + 1, num.len - 1);
			return;
		}
		f_pad(sb, &fs, num.buf, num.len);
		return;
	}
	f_pad(sb, &fs, num.buf + 1, num.len - 1);
}

static void f_string(struct strbuf *sb, const struct fspec *fs, const char *s, size_t n, char verb)
{
	_cleanup_strbuf_ struct strbuf t = STRBUF_INIT;

	switch (verb) {
	case 'v':
	case 's':
		f_pad(sb, fs, s, f_truncate(fs, s, n));
		return;
	case 'x':
	case 'X': {
		const char *digits = verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
		size_t len = fs->has_prec && (size_t) fs->prec < n ? (size_t) fs->prec : n;
		for (size_t i = 0; i < len; i++) {
			if (i && fs->space)
				(void) strbuf_addch(&t, ' ');
			if (fs->sharp && (fs->space || i == 0))
				(void) strbuf_adds(&t, verb == 'x' ? "0x" : "0X");
			(void) strbuf_addch(&t, digits[(unsigned char) s[i] >> 4]);
			(void) strbuf_addch(&t, digits[(unsigned char) s[i] & 15]);
		}
		f_pad(sb, fs, t.buf ? t.buf : "", t.len);
		return;
	}
	case 'q': {
		size_t len = f_truncate(fs, s, n);
		bool back = fs->sharp;
		for (size_t i = 0; back && i < len; i++)
			if (s[i] == '`' || s[i] == 0x7f ||
			    ((unsigned char) s[i] < ' ' && s[i] != '\t'))
				back = false;
		if (back) {
			size_t sz;
			for (size_t i = 0; back && i < len; i += sz)
				if (utf8_decode((const unsigned char *) s + i, len - i, &sz) ==
					    0xfffd &&
				    sz == 1)
					back = false;
		}
		if (back) {
			(void) strbuf_addch(&t, '`');
			(void) strbuf_add(&t, s, len);
			(void) strbuf_addch(&t, '`');
		} else {
			go_quote(&t, s, len, fs->plus);
		}
		f_pad(sb, fs, t.buf, t.len);
		return;
	}
	}
}

static void f_value(const struct exec *ex, struct strbuf *sb, const struct fspec *fs,
		    const struct val *v, char verb, int depth);

/* fmt's %!verb(type=value) */
static void f_bad_verb(const struct exec *ex, struct strbuf *sb, const struct fspec *fs,
		       const struct val *v, char verb)
{
	(void) strbuf_addf(sb, "%%!%c(", verb);
	if (vkind(ex, v) == K_INVALID || vkind(ex, v) == K_NIL) {
		(void) strbuf_adds(sb, "<nil>");
	} else {
		type_name(ex, sb, v);
		(void) strbuf_addch(sb, '=');
		f_value(ex, sb, fs, v, 'v', 1);
	}
	(void) strbuf_addch(sb, ')');
}

static void f_rune(struct strbuf *sb, const struct fspec *fs, uint64_t u, char verb)
{
	_cleanup_strbuf_ struct strbuf t = STRBUF_INIT;
	uint32_t r = u > 0x10ffff ? 0xfffd : (uint32_t) u;

	if (verb == 'c') {
		utf8_put(&t, r);
	} else if (verb == 'q') {
		(void) strbuf_addch(&t, '\'');
		if (r == 0xfffd && u != 0xfffd)
			(void) strbuf_adds(&t, "\\ufffd");
		else
			quote_rune(&t, r, '\'', fs->plus);
		(void) strbuf_addch(&t, '\'');
	} else { /* U */
		(void) strbuf_addf(
			&t, "U+%0*" PRIX64,
			fs->has_prec && fs->prec > 4 ? (fs->prec > 100 ? 100 : fs->prec) : 4, u);
		if (fs->sharp && u <= 0x10ffff && rune_isprint(r)) {
			(void) strbuf_adds(&t, " '");
			utf8_put(&t, r);
			(void) strbuf_addch(&t, '\'');
		}
	}
	{
		struct fspec f2 = *fs;
		f2.zero = false;
		f_pad(sb, &f2, t.buf, t.len);
	}
}

/* fmt's printValue/printArg of @v with @verb; depth > 0 inside a slice, map or struct */
static void f_value(const struct exec *ex, struct strbuf *sb, const struct fspec *fs,
		    const struct val *v, char verb, int depth)
{
	enum vkind k = vkind(ex, v);
	size_t i;
	json_t *x;

	if (verb == 'T') {
		_cleanup_free_ char *s = type_str(ex, v);
		f_pad_str(sb, fs, s);
		return;
	}
	if (depth > 100) {
		(void) strbuf_adds(sb, "...");
		return;
	}
	switch (k) {
	case K_INVALID:
	case K_NIL:
		if (verb == 'v' || depth > 0)
			f_pad_str(sb, fs, "<nil>");
		else
			f_bad_verb(ex, sb, fs, v, verb);
		return;
	case K_BOOL:
		if (verb == 'v' || verb == 't')
			f_pad_str(sb, fs, json_is_true(v->j) ? "true" : "false");
		else
			f_bad_verb(ex, sb, fs, v, verb);
		return;
	case K_INT: {
		uint64_t u = (uint64_t) json_integer_value(v->j);
		switch (verb) {
		case 'v':
		case 'd':
			f_integer(sb, fs, u, true, 10, verb, false);
			return;
		case 'b':
			f_integer(sb, fs, u, true, 2, verb, false);
			return;
		case 'o':
		case 'O':
			f_integer(sb, fs, u, true, 8, verb, false);
			return;
		case 'x':
		case 'X':
			f_integer(sb, fs, u, true, 16, verb, verb == 'X');
			return;
		case 'c':
		case 'q':
		case 'U':
			f_rune(sb, fs, u, verb);
			return;
		}
		f_bad_verb(ex, sb, fs, v, verb);
		return;
	}
	case K_FLOAT: {
		double d = json_real_value(v->j);
		switch (verb) {
		case 'v':
			f_float(sb, fs, d, 'g', -1);
			return;
		case 'b':
		case 'g':
		case 'G':
		case 'x':
		case 'X':
			f_float(sb, fs, d, verb, -1);
			return;
		case 'f':
		case 'e':
		case 'E':
		case 'F':
			f_float(sb, fs, d, verb == 'F' ? 'f' : verb, 6);
			return;
		}
		f_bad_verb(ex, sb, fs, v, verb);
		return;
	}
	case K_STRING:
		if (verb == 'v' && fs->sharpv) {
			struct fspec f2 = *fs;
			f2.sharp = false;
			f_string(sb, &f2, json_string_value(v->j), json_string_length(v->j), 'q');
		} else if (verb == 'v' || verb == 's' || verb == 'x' || verb == 'X' ||
			   verb == 'q') {
			f_string(sb, fs, json_string_value(v->j), json_string_length(v->j), verb);
		} else {
			f_bad_verb(ex, sb, fs, v, verb);
		}
		return;
	case K_SLICE:
		(void) strbuf_addch(sb, '[');
		json_array_foreach (v->j, i, x) {
			struct val e = v_child(ex, x, elem_type(v->t));
			if (sb->len > fs->max)
				break;
			if (i)
				(void) strbuf_addch(sb, ' ');
			f_value(ex, sb, fs, &e, verb, depth + 1);
			v_release(&e);
		}
		(void) strbuf_addch(sb, ']');
		return;
	case K_MAP: {
		size_t n = 0;
		_cleanup_free_ const char **keys =
			json_is_object(v->j) ? sorted_keys(v->j, &n) : NULL;
		(void) strbuf_adds(sb, "map[");
		for (i = 0; i < n && sb->len <= fs->max; i++) {
			struct val key = v_str(keys[i], strlen(keys[i]));
			struct val e = v_child(ex, json_object_get(v->j, keys[i]), elem_type(v->t));
			if (i)
				(void) strbuf_addch(sb, ' ');
			f_value(ex, sb, fs, &key, verb, depth + 1);
			(void) strbuf_addch(sb, ':');
			f_value(ex, sb, fs, &e, verb, depth + 1);
			v_release(&key);
			v_release(&e);
		}
		(void) strbuf_addch(sb, ']');
		return;
	}
	case K_STRUCT: {
		const char *key;
		i = 0;
		/* fmt writes a pointer to a struct &{...}; an action prints what it points to */
		if (depth == 0 && !fs->deref && !raw(ex) && v->t && v->t->pointer)
			(void) strbuf_addch(sb, '&');
		(void) strbuf_addch(sb, '{');
		json_object_foreach (v->j, key, x) {
			struct val e;
			if (sb->len > fs->max)
				break;
			e = v_child(ex, x, field_type(v->t, key));
			if (i++)
				(void) strbuf_addch(sb, ' ');
			if (fs->plusv || fs->sharpv)
				(void) strbuf_addf(sb, "%s:", key);
			f_value(ex, sb, fs, &e, verb, depth + 1);
			v_release(&e);
		}
		(void) strbuf_addch(sb, '}');
		return;
	}
	}
}

/* fmt.Sprint (@ln: Sprintln) of @argc values */
static void f_sprint(const struct exec *ex, struct strbuf *sb, const struct val *argv, size_t argc,
		     bool ln)
{
	struct fspec fs = {.max = ex->t->max_output};
	bool prev_string = false;

	for (size_t i = 0; i < argc && sb->len <= fs.max; i++) {
		bool is_string = vkind(ex, &argv[i]) == K_STRING;
		if (i > 0 && (ln || (!is_string && !prev_string)))
			(void) strbuf_addch(sb, ' ');
		f_value(ex, sb, &fs, &argv[i], 'v', 0);
		prev_string = is_string;
	}
	if (ln)
		(void) strbuf_addch(sb, '\n');
}

/* fmt's parsenum: digits at *@i; false if none, or too large (then *@i is the end) */
static bool f_num(const char *s, size_t *i, size_t end, int *ret)
{
	int num = 0;
	bool isnum = false;

	for (; *i < end && s[*i] >= '0' && s[*i] <= '9'; (*i)++) {
		if (num > 1000000) {
			*i = end;
			return false;
		}
		num = num * 10 + (s[*i] - '0');
		isnum = true;
	}
	*ret = num;
	return isnum;
}

struct fargs {
	const struct val *argv;
	size_t argc, argnum;
	bool reordered, good;
};

/* fmt's argNumber: an explicit [n] index at *@i */
static bool f_argnum(struct fargs *a, const char *s, size_t *i, size_t end)
{
	size_t j;
	int n;

	if (*i >= end || s[*i] != '[')
		return false;
	a->reordered = true;
	if (end - *i < 3) {
		(*i)++;
		a->good = false;
		return false;
	}
	for (j = *i + 1; j < end; j++) {
		if (s[j] == ']') {
			size_t k = *i + 1;
			bool ok = f_num(s, &k, j, &n);
			if (!ok || k != j) {
				*i = j + 1;
				a->good = false;
				return false;
			}
			*i = j + 1;
			if (n - 1 >= 0 && (size_t) (n - 1) < a->argc) {
				a->argnum = (size_t) (n - 1);
				return true;
			}
			a->good = false;
			return true;
		}
	}
	(*i)++;
	a->good = false;
	return false;
}

/* fmt's intFromArg: a * width or precision */
static bool f_int_arg(const struct exec *ex, struct fargs *a, int *ret)
{
	bool ok = false;

	*ret = 0;
	if (a->argnum < a->argc) {
		const struct val *v = &a->argv[a->argnum];
		if (vkind(ex, v) == K_INT) {
			json_int_t n = json_integer_value(v->j);
			if (n >= -1000000 && n <= 1000000) {
				*ret = (int) n;
				ok = true;
			}
		}
		a->argnum++;
	}
	return ok;
}

/* fmt.Sprintf */
static void f_sprintf(const struct exec *ex, struct strbuf *sb, const char *s, size_t end,
		      const struct val *argv, size_t argc)
{
	struct fargs a = {argv, argc, 0, false, true};
	size_t i = 0;

	while (i < end && sb->len <= ex->t->max_output) {
		struct fspec fs = {.max = ex->t->max_output};
		bool after_index;
		size_t last = i, sz;
		uint32_t verb;

		a.good = true;
		while (i < end && s[i] != '%')
			i++;
		if (i > last)
			(void) strbuf_add(sb, s + last, i - last);
		if (i >= end)
			break;
		i++;
		for (; i < end; i++) {
			char c = s[i];
			if (c == '#')
				fs.sharp = true;
			else if (c == '0')
				fs.zero = true;
			else if (c == '+')
				fs.plus = true;
			else if (c == '-')
				fs.minus = true;
			else if (c == ' ')
				fs.space = true;
			else
				break;
		}
		after_index = f_argnum(&a, s, &i, end);
		if (i < end && s[i] == '*') {
			i++;
			fs.has_wid = f_int_arg(ex, &a, &fs.wid);
			if (!fs.has_wid)
				(void) strbuf_adds(sb, "%!(BADWIDTH)");
			if (fs.wid < 0) {
				fs.wid = -fs.wid;
				fs.minus = true;
			}
			after_index = false;
		} else {
			fs.has_wid = f_num(s, &i, end, &fs.wid);
			if (after_index && fs.has_wid)
				a.good = false;
		}
		if (i + 1 < end && s[i] == '.') {
			i++;
			if (after_index)
				a.good = false;
			after_index = f_argnum(&a, s, &i, end);
			if (i < end && s[i] == '*') {
				i++;
				fs.has_prec = f_int_arg(ex, &a, &fs.prec);
				if (fs.prec < 0) {
					fs.prec = 0;
					fs.has_prec = false;
				}
				if (!fs.has_prec)
					(void) strbuf_adds(sb, "%!(BADPREC)");
				after_index = false;
			} else {
				fs.has_prec = f_num(s, &i, end, &fs.prec);
				if (!fs.has_prec) {
					fs.prec = 0;
					fs.has_prec = true;
				}
			}
		}
		if (!after_index)
			after_index = f_argnum(&a, s, &i, end);
		if (i >= end) {
			(void) strbuf_adds(sb, "%!(NOVERB)");
			break;
		}
		if (fs.minus)
			fs.zero = false;
		verb = utf8_decode((const unsigned char *) s + i, end - i, &sz);
		i += sz;
		if (verb == '%') {
			(void) strbuf_addch(sb, '%');
		} else if (!a.good) {
			(void) strbuf_adds(sb, "%!");
			utf8_put(sb, verb);
			(void) strbuf_adds(sb, "(BADINDEX)");
		} else if (a.argnum >= argc) {
			(void) strbuf_adds(sb, "%!");
			utf8_put(sb, verb);
			(void) strbuf_adds(sb, "(MISSING)");
		} else {
			if (verb == 'v') {
				fs.sharpv = fs.sharp;
				fs.sharp = false;
				fs.plusv = fs.plus;
				fs.plus = false;
			}
			if (verb >= 0x80 || !strchr("vTtbcdoOqxXUeEfFgGs", (int) verb)) {
				if (verb < 0x80) {
					f_bad_verb(ex, sb, &fs, &argv[a.argnum], (char) verb);
				} else {
					(void) strbuf_adds(sb, "%!");
					utf8_put(sb, verb);
					(void) strbuf_addch(sb, '(');
					if (vkind(ex, &argv[a.argnum]) == K_INVALID) {
						(void) strbuf_adds(sb, "<nil>");
					} else {
						struct fspec f0 = {.max = ex->t->max_output};
						type_name(ex, sb, &argv[a.argnum]);
						(void) strbuf_addch(sb, '=');
						f_value(ex, sb, &f0, &argv[a.argnum], 'v', 1);
					}
					(void) strbuf_addch(sb, ')');
				}
			} else {
				f_value(ex, sb, &fs, &argv[a.argnum], (char) verb, 0);
			}
			a.argnum++;
		}
	}
	if (!a.reordered && a.argnum < argc) {
		struct fspec f0 = {.max = ex->t->max_output};
		(void) strbuf_adds(sb, "%!(EXTRA ");
		for (size_t j = a.argnum; j < argc; j++) {
			if (j > a.argnum)
				(void) strbuf_adds(sb, ", ");
			if (vkind(ex, &argv[j]) == K_INVALID) {
				(void) strbuf_adds(sb, "<nil>");
				continue;
			}
			type_name(ex, sb, &argv[j]);
			(void) strbuf_addch(sb, '=');
			f_value(ex, sb, &f0, &argv[j], 'v', 0);
		}
		(void) strbuf_addch(sb, ')');
	}
}

/* ------------------------------------------------------------------ */
/* Execution (text/template/exec.go)                                   */
/* ------------------------------------------------------------------ */

static int ex_errorf(struct exec *ex, const char *fmt, ...) _printf_(2, 3);
static int ex_errorf(struct exec *ex, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	_cleanup_strbuf_ struct strbuf name = STRBUF_INIT;
	va_list ap;

	if (ex->r)
		return ex->r;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	go_quote(&name, ex->name, strlen(ex->name), false);
	if (!ex->at) {
		err_setx(ex->err, EINVAL, "template: %s: %s", ex->name, msg);
	} else {
		_cleanup_free_ char *ctx = node_string(ex->at);
		const char *text = ex->t->text;
		size_t pos = ex->at->pos, col = pos;

		for (size_t i = pos; i > 0; i--)
			if (text[i - 1] == '\n') {
				col = pos - i;
				break;
			}
		err_setx(ex->err, EINVAL, "template: :%d:%zu: executing %s at <%s>: %s",
			 line_of(text, pos), col, strbuf_cstr(&name), ctx, msg);
	}
	ex->r = -EINVAL;
	return -EINVAL;
}

static int ex_write(struct exec *ex, const char *s, size_t n)
{
	if (ex->out->len + n > ex->t->max_output) {
		if (!ex->r)
			err_setx(ex->err, E2BIG, "template: output exceeds %zu bytes",
				 ex->t->max_output);
		ex->r = -E2BIG;
		return -E2BIG;
	}
	(void) strbuf_add(ex->out, s, n);
	return 0;
}

static int ex_step(struct exec *ex)
{
	if (++ex->steps > ex->t->max_steps) {
		if (!ex->r)
			err_setx(ex->err, E2BIG, "template: execution exceeds %zu steps",
				 ex->t->max_steps);
		ex->r = -E2BIG;
	}
	return ex->r;
}

static void var_push(struct exec *ex, const char *name, struct val v)
{
	if (ex->nvars == ex->avars) {
		ex->avars = ex->avars ? 2 * ex->avars : 16;
		ex->vars = xrealloc(ex->vars, ex->avars * sizeof(*ex->vars));
	}
	ex->vars[ex->nvars++] = (struct var){name, v};
}

static void var_pop(struct exec *ex, size_t mark)
{
	while (ex->nvars > mark)
		v_release(&ex->vars[--ex->nvars].v);
}

static int var_set(struct exec *ex, const char *name, const struct val *v)
{
	for (size_t i = ex->nvars; i > 0; i--)
		if (streq(ex->vars[i - 1].name, name)) {
			v_release(&ex->vars[i - 1].v);
			ex->vars[i - 1].v = v_ref(v);
			return 0;
		}
	return ex_errorf(ex, "undefined variable: %s", name);
}

/* the value of @v as Go prints it with %v, into a new string */
static char *v_string(const struct exec *ex, const struct val *v)
{
	struct strbuf sb = STRBUF_INIT;
	struct fspec fs = {.max = ex->t->max_output};

	f_value(ex, &sb, &fs, v, 'v', 0);
	return strbuf_detach(&sb, NULL);
}

enum ptype { P_ANY, P_STR, P_INT, P_STRV };

static const char *const ptype_names[] = {"interface {}", "string", "int", "[]string"};

struct fn;
static int eval_pipeline(struct exec *ex, const struct val *dot, const struct node *pipe,
			 struct val *ret);
static int eval_call(struct exec *ex, const struct val *dot, const struct fn *fn,
		     const struct tmpl_method *m, const struct val *recv, const struct node *node,
		     const char *name, struct node *const *args, size_t nargs,
		     const struct val *final, struct val *ret);
static const struct fn *fn_find(const struct exec *ex, const char *name);
static int walk(struct exec *ex, const struct val *dot, const struct node *n);

/* validateType: a value given where Go wants @pt */
static int validate(struct exec *ex, struct val *v, enum ptype pt)
{
	enum vkind k = vkind(ex, v);
	_cleanup_free_ char *tn = NULL;

	if (pt == P_ANY)
		return 0;
	if (k == K_INVALID) {
		if (pt == P_STRV)
			return 0;
		return ex_errorf(ex, "invalid value; expected %s", ptype_names[pt]);
	}
	if (pt == P_STR && k == K_STRING && !(v->f & VF_NUM))
		return 0;
	if (pt == P_INT && k == K_INT)
		return 0;
	if (pt == P_STRV && k == K_SLICE && ((v->f & VF_STRV) || (!raw(ex) && all_strings(v->j))))
		return 0;
	tn = type_str(ex, v);
	v_release(v);
	return ex_errorf(ex, "wrong type for value; expected %s; got %s", ptype_names[pt], tn);
}

/* idealConstant: a number literal used where any type goes */
static int ideal_constant(struct exec *ex, const struct node *n, struct val *ret)
{
	bool hexint = n->srclen > 2 && n->src[0] == '0' && (n->src[1] | 0x20) == 'x' &&
		      !memchr(n->src, 'p', n->srclen) && !memchr(n->src, 'P', n->srclen);
	bool runeint = n->srclen && n->src[0] == '\'';
	bool floaty = false;

	ex->at = n;
	for (size_t i = 0; i < n->srclen; i++)
		floaty |= strchr(".eEpP", n->src[i]) != NULL && n->src[i];
	if (n->is_float && !hexint && !runeint && floaty) {
		*ret = v_take(json_real(n->f));
		return 0;
	}
	if (n->is_int) {
		*ret = v_int(n->i);
		return 0;
	}
	if (n->is_uint)
		return ex_errorf(ex, "%.*s overflows int", (int) n->srclen, n->src);
	*ret = (struct val){0};
	return 0;
}

static int not_a_function(struct exec *ex, struct node *const *args, size_t nargs,
			  const struct val *final)
{
	if (nargs > 1 || final) {
		_cleanup_free_ char *s = node_string(args[0]);
		return ex_errorf(ex, "can't give argument to non-function %s", s);
	}
	return 0;
}

/* evalField: .@name of @recv (consumed), a method call when it is one */
static int eval_field(struct exec *ex, const struct val *dot, const char *name,
		      const struct node *node, struct node *const *args, size_t nargs,
		      const struct val *final, struct val *recv, struct val *ret)
{
	bool has_args = nargs > 1 || final;
	enum vkind k = vkind(ex, recv);
	_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;
	json_t *c;
	int r = 0;

	*ret = (struct val){0};
	go_quote(&q, name, strlen(name), false);
	switch (k) {
	case K_INVALID:
		if (raw(ex))
			r = ex_errorf(ex, "nil data; no entry for key %s", strbuf_cstr(&q));
		break;
	case K_NIL:
		r = ex_errorf(ex, "nil pointer evaluating %s.%s",
			      !raw(ex) && recv->t && recv->t->name ? recv->t->name : "interface {}",
			      name);
		break;
	case K_STRUCT:
		if (recv->t && recv->t->fns)
			for (const struct tmpl_method *m = recv->t->fns; m->name; m++)
				if (streq(m->name, name)) {
					r = eval_call(ex, dot, NULL, m, recv, node, name, args,
						      nargs, final, ret);
					v_release(recv);
					return r;
				}
		c = json_object_get(recv->j, name);
		if (c) {
			if (has_args && recv->t && recv->t->methods)
				r = ex_errorf(ex, "wrong number of args for %s: want 0 got %zu",
					      name, nargs - 1 + (final ? 1 : 0));
			else if (has_args)
				r = ex_errorf(ex,
					      "%s has arguments but cannot be invoked as function",
					      name);
			else
				*ret = v_child(ex, c, field_type(recv->t, name));
		} else if (!has_args && field_type(recv->t, name)) {
			/* a declared field the JSON leaves out (omitempty): its zero value,
			 * nil for docker's pointers (State.Health, Config.Healthcheck) */
			*ret = v_child(ex, json_null(), field_type(recv->t, name));
		} else if (recv->t && recv->t->name) {
			r = ex_errorf(ex, "can't evaluate field %s in type %s", name,
				      recv->t->name);
		} else {
			r = ex_errorf(ex, "map has no entry for key %s", strbuf_cstr(&q));
		}
		break;
	case K_MAP:
		if (has_args) {
			r = ex_errorf(ex, "%s is not a method but has arguments", name);
			break;
		}
		c = json_is_object(recv->j) ? json_object_get(recv->j, name) : NULL;
		if (c)
			*ret = v_child(ex, c, elem_type(recv->t));
		else if (raw(ex))
			r = ex_errorf(ex, "map has no entry for key %s", strbuf_cstr(&q));
		break;
	default: {
		/* Go names the receiver's type before it looks inside an interface */
		_cleanup_free_ char *tn =
			recv->f & VF_IFACE ? xstrdup("interface {}") : type_str(ex, recv);
		r = ex_errorf(ex, "can't evaluate field %s in type %s", name, tn);
	}
	}
	v_release(recv);
	return r;
}

static int eval_field_chain(struct exec *ex, const struct val *dot, const struct val *receiver,
			    const struct node *node, char *const *ident, size_t n,
			    struct node *const *args, size_t nargs, const struct val *final,
			    struct val *ret)
{
	struct val recv = v_ref(receiver);

	for (size_t i = 0; i + 1 < n; i++) {
		struct val next;
		if (eval_field(ex, dot, ident[i], node, NULL, 0, NULL, &recv, &next) < 0)
			return ex->r;
		recv = next;
	}
	return eval_field(ex, dot, ident[n - 1], node, args, nargs, final, &recv, ret);
}

static int eval_field_node(struct exec *ex, const struct val *dot, const struct node *field,
			   struct node *const *args, size_t nargs, const struct val *final,
			   struct val *ret)
{
	ex->at = field;
	return eval_field_chain(ex, dot, dot, field, field->ident, field->nident, args, nargs,
				final, ret);
}

static int var_value(struct exec *ex, const char *name, struct val *ret)
{
	for (size_t i = ex->nvars; i > 0; i--)
		if (streq(ex->vars[i - 1].name, name)) {
			*ret = v_ref(&ex->vars[i - 1].v);
			return 0;
		}
	return ex_errorf(ex, "undefined variable: %s", name);
}

static int eval_variable(struct exec *ex, const struct val *dot, const struct node *var,
			 struct node *const *args, size_t nargs, const struct val *final,
			 struct val *ret)
{
	struct val v;
	int r;

	ex->at = var;
	if (var_value(ex, var->ident[0], &v) < 0)
		return ex->r;
	if (var->nident == 1) {
		if (not_a_function(ex, args, nargs, final) < 0) {
			v_release(&v);
			return ex->r;
		}
		*ret = v;
		return 0;
	}
	r = eval_field_chain(ex, dot, &v, var, var->ident + 1, var->nident - 1, args, nargs, final,
			     ret);
	v_release(&v);
	return r;
}

static int eval_arg(struct exec *ex, const struct val *dot, enum ptype pt, const struct node *n,
		    struct val *ret);

static int eval_chain(struct exec *ex, const struct val *dot, const struct node *chain,
		      struct node *const *args, size_t nargs, const struct val *final,
		      struct val *ret)
{
	struct val v;
	int r;

	ex->at = chain;
	if (chain->pipe->type == N_NIL) {
		_cleanup_free_ char *s = node_string(chain);
		return ex_errorf(ex, "indirection through explicit nil in %s", s);
	}
	if (eval_arg(ex, dot, P_ANY, chain->pipe, &v) < 0)
		return ex->r;
	r = eval_field_chain(ex, dot, &v, chain, chain->ident, chain->nident, args, nargs, final,
			     ret);
	v_release(&v);
	return r;
}

static int eval_function(struct exec *ex, const struct val *dot, const struct node *ident,
			 const struct node *cmd, struct node *const *args, size_t nargs,
			 const struct val *final, struct val *ret)
{
	const struct fn *fn;
	_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;

	ex->at = ident;
	fn = fn_find(ex, ident->s);
	if (!fn) {
		go_quote(&q, ident->s, strlen(ident->s), false);
		return ex_errorf(ex, "%s is not a defined function", strbuf_cstr(&q));
	}
	return eval_call(ex, dot, fn, NULL, NULL, cmd, ident->s, args, nargs, final, ret);
}

static int eval_arg(struct exec *ex, const struct val *dot, enum ptype pt, const struct node *n,
		    struct val *ret)
{
	struct node *self[1] = {(struct node *) n};
	_cleanup_free_ char *s = NULL;
	int r;

	ex->at = n;
	*ret = (struct val){0};
	switch (n->type) {
	case N_DOT:
		*ret = v_ref(dot);
		return validate(ex, ret, pt);
	case N_NIL:
		if (pt == P_ANY || pt == P_STRV)
			return 0;
		return ex_errorf(ex, "cannot assign nil to %s", ptype_names[pt]);
	case N_FIELD:
		r = eval_field_node(ex, dot, n, self, 1, NULL, ret);
		return r < 0 ? r : validate(ex, ret, pt);
	case N_VARIABLE:
		r = eval_variable(ex, dot, n, NULL, 0, NULL, ret);
		return r < 0 ? r : validate(ex, ret, pt);
	case N_PIPE:
		r = eval_pipeline(ex, dot, n, ret);
		return r < 0 ? r : validate(ex, ret, pt);
	case N_IDENT:
		r = eval_function(ex, dot, n, n, NULL, 0, NULL, ret);
		return r < 0 ? r : validate(ex, ret, pt);
	case N_CHAIN:
		r = eval_chain(ex, dot, n, NULL, 0, NULL, ret);
		return r < 0 ? r : validate(ex, ret, pt);
	default:
		break;
	}
	s = node_string(n);
	switch (pt) {
	case P_STR:
		if (n->type == N_STRING) {
			*ret = v_str(n->s, n->slen);
			return 0;
		}
		return ex_errorf(ex, "expected string; found %s", s);
	case P_INT:
		if (n->type == N_NUMBER && n->is_int) {
			*ret = v_int(n->i);
			return 0;
		}
		return ex_errorf(ex, "expected integer; found %s", s);
	case P_ANY:
		if (n->type == N_BOOL) {
			*ret = v_take(json_boolean(n->b));
			return 0;
		}
		if (n->type == N_NUMBER)
			return ideal_constant(ex, n, ret);
		if (n->type == N_STRING) {
			*ret = v_str(n->s, n->slen);
			return 0;
		}
		return ex_errorf(ex, "can't handle assignment of %s to empty interface argument",
				 s);
	case P_STRV:
		break;
	}
	return ex_errorf(ex, "can't handle %s for arg of type %s", s, ptype_names[pt]);
}

static int eval_command(struct exec *ex, const struct val *dot, const struct node *cmd,
			const struct val *final, struct val *ret)
{
	const struct node *first = cmd->kids[0];

	*ret = (struct val){0};
	if (ex_step(ex) < 0)
		return ex->r;
	switch (first->type) {
	case N_FIELD:
		return eval_field_node(ex, dot, first, cmd->kids, cmd->nkids, final, ret);
	case N_CHAIN:
		return eval_chain(ex, dot, first, cmd->kids, cmd->nkids, final, ret);
	case N_IDENT:
		return eval_function(ex, dot, first, cmd, cmd->kids, cmd->nkids, final, ret);
	case N_PIPE:
		if (not_a_function(ex, cmd->kids, cmd->nkids, final) < 0)
			return ex->r;
		return eval_pipeline(ex, dot, first, ret);
	case N_VARIABLE:
		return eval_variable(ex, dot, first, cmd->kids, cmd->nkids, final, ret);
	default:
		break;
	}
	ex->at = first;
	if (not_a_function(ex, cmd->kids, cmd->nkids, final) < 0)
		return ex->r;
	switch (first->type) {
	case N_BOOL:
		*ret = v_take(json_boolean(first->b));
		return 0;
	case N_DOT:
		*ret = v_ref(dot);
		return 0;
	case N_NIL:
		return ex_errorf(ex, "nil is not a command");
	case N_NUMBER:
		return ideal_constant(ex, first, ret);
	case N_STRING:
		*ret = v_str(first->s, first->slen);
		return 0;
	default: {
		_cleanup_free_ char *s = node_string(first);
		return ex_errorf(ex, "can't evaluate command %s", s);
	}
	}
}

static int eval_pipeline(struct exec *ex, const struct val *dot, const struct node *pipe,
			 struct val *ret)
{
	struct val v = {0};
	bool has = false;

	*ret = (struct val){0};
	if (!pipe)
		return 0;
	ex->at = pipe;
	for (size_t i = 0; i < pipe->nkids; i++) {
		struct val next;
		int r = eval_command(ex, dot, pipe->kids[i], has ? &v : NULL, &next);
		v_release(&v);
		if (r < 0)
			return r;
		v = next;
		/* Go digs the value out of an interface {} between commands */
		v.f &= ~VF_IFACE;
		has = true;
	}
	for (size_t i = 0; i < pipe->ndecl; i++) {
		if (pipe->assign) {
			if (var_set(ex, pipe->decl[i]->ident[0], &v) < 0) {
				v_release(&v);
				return ex->r;
			}
		} else {
			var_push(ex, pipe->decl[i]->ident[0], v_ref(&v));
		}
	}
	*ret = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Functions: Go's builtins and docker's templates.basicFunctions       */
/* ------------------------------------------------------------------ */

/* Go's unicode.ToUpper/ToLower for Latin, Greek and Cyrillic letters */
static uint32_t rune_upper(uint32_t c)
{
	if (c < 0x80)
		return c >= 'a' && c <= 'z' ? c - 32 : c;
	if (c == 0xb5)
		return 0x39c;
	if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
		return c - 32;
	if (c == 0xff)
		return 0x178;
	if (c == 0x131)
		return 'I';
	if (c == 0x17f)
		return 'S';
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
		return c & ~1u;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
		return c & 1 ? c : c - 1;
	if (c == 0x3c2)
		return 0x3a3;
	if ((c >= 0x3b1 && c <= 0x3c1) || (c >= 0x3c3 && c <= 0x3cb))
		return c - 32;
	if (c == 0x3ac)
		return 0x386;
	if (c >= 0x3ad && c <= 0x3af)
		return c - 37;
	if (c == 0x3cc)
		return 0x38c;
	if (c == 0x3cd || c == 0x3ce)
		return c - 63;
	if (c >= 0x430 && c <= 0x44f)
		return c - 32;
	if (c >= 0x450 && c <= 0x45f)
		return c - 80;
	if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) || (c >= 0x4d0 && c <= 0x52f))
		return c & ~1u;
	return c;
}

static uint32_t rune_lower(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 32;
	if (c == 0x178)
		return 0xff;
	if (c == 0x130)
		return 'i';
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
		return c | 1u;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
		return c & 1 ? c + 1 : c;
	if ((c >= 0x391 && c <= 0x3a1) || (c >= 0x3a3 && c <= 0x3ab))
		return c + 32;
	if (c == 0x386)
		return 0x3ac;
	if (c >= 0x388 && c <= 0x38a)
		return c + 37;
	if (c == 0x38c)
		return 0x3cc;
	if (c == 0x38e || c == 0x38f)
		return c + 63;
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) || (c >= 0x4d0 && c <= 0x52f))
		return c | 1u;
	return c;
}

/* strings.Title's word boundaries */
static bool title_separator(uint32_t c)
{
	if (c < 0x80)
		return !((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
			 c == '_');
	return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	       c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* 0: upper, 1: lower, 2: title */
static struct val case_map(const struct val *v, int how)
{
	const char *s = json_string_value(v->j);
	size_t n = json_string_length(v->j), sz;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	uint32_t prev = ' ';

	for (size_t i = 0; i < n; i += sz) {
		uint32_t c = utf8_decode((const unsigned char *) s + i, n - i, &sz);
		if (c == 0xfffd && sz == 1) {
			/* strings.Map writes an invalid byte as U+FFFD */
			utf8_put(&sb, c);
			prev = c;
			continue;
		}
		if (how == 0)
			utf8_put(&sb, rune_upper(c));
		else if (how == 1)
			utf8_put(&sb, rune_lower(c));
		else
			utf8_put(&sb, title_separator(prev) ? rune_upper(c) : c);
		prev = c;
	}
	return v_str(sb.buf ? sb.buf : "", sb.len);
}

typedef int (*fn_call)(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		       struct val *ret, char **ret_err);

#define FN_HEADER 1u /* docker's HeaderFunctions version */
#define FN_DOCKER 2u /* replaced by its FN_HEADER version in a table's header */
#define FN_AND_OR 4u /* evaluated here, short-circuit */

struct fn {
	const char *name;
	unsigned nin;
	enum ptype in[3];
	bool variadic;
	enum ptype vin;
	unsigned flags;
	fn_call call;
};

static const char *sval(const struct val *v)
{
	return json_string_value(v->j) ?: "";
}

static size_t slen(const struct val *v)
{
	return json_is_string(v->j) ? json_string_length(v->j) : 0;
}

static int fn_not(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		  struct val *ret, char **ret_err)
{
	(void) callee, (void) argc, (void) ret_err;
	*ret = v_take(json_boolean(!is_true(ex, &argv[0])));
	return 0;
}

static int fn_len(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		  struct val *ret, char **ret_err)
{
	(void) callee, (void) argc;
	switch (vkind(ex, &argv[0])) {
	case K_INVALID:
		*ret_err = xstrdup("reflect: call of reflect.Value.Type on zero Value");
		return -1;
	case K_NIL:
		*ret_err = xstrdup("len of nil pointer");
		return -1;
	case K_STRING:
	case K_SLICE:
	case K_MAP:
		*ret = v_int((json_int_t) v_len(&argv[0]));
		return 0;
	default: {
		_cleanup_free_ char *tn = type_str(ex, &argv[0]);
		*ret_err = xasprintf("len of type %s", tn);
		return -1;
	}
	}
}

/* indexArg: an index into something @cap long */
static int index_arg(struct exec *ex, const struct val *i, size_t cap, int64_t *ret, char **ret_err)
{
	enum vkind k = vkind(ex, i);

	if (k == K_INVALID || k == K_NIL) {
		*ret_err = xstrdup("cannot index slice/array with nil");
		return -1;
	}
	if (k != K_INT) {
		_cleanup_free_ char *tn = type_str(ex, i);
		*ret_err = xasprintf("cannot index slice/array with type %s", tn);
		return -1;
	}
	*ret = json_integer_value(i->j);
	if (*ret < 0 || (uint64_t) *ret > cap) {
		*ret_err = xasprintf("index out of range: %" PRId64, *ret);
		return -1;
	}
	return 0;
}

static int fn_index(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		    struct val *ret, char **ret_err)
{
	struct val item;
	enum vkind k = vkind(ex, &argv[0]);

	(void) callee;
	if (k == K_INVALID || k == K_NIL) {
		*ret_err = xstrdup("index of untyped nil");
		return -1;
	}
	item = v_ref(&argv[0]);
	for (size_t a = 1; a < argc; a++) {
		struct val next = {0};
		int64_t x;

		k = vkind(ex, &item);
		if (k == K_SLICE || k == K_STRING) {
			size_t len = v_len(&item);
			if (index_arg(ex, &argv[a], len, &x, ret_err) < 0)
				goto fail;
			if ((size_t) x == len) {
				*ret_err = xasprintf("reflect: %s index out of range",
						     k == K_STRING ? "string" : "slice");
				goto fail;
			}
			if (k == K_STRING)
				next = v_int((unsigned char) json_string_value(item.j)[x]);
			else
				next = v_child(ex, json_array_get(item.j, (size_t) x),
					       elem_type(item.t));
		} else if (k == K_MAP) {
			enum vkind ik = vkind(ex, &argv[a]);
			json_t *c;

			if (ik == K_INVALID || ik == K_NIL) {
				*ret_err = xstrdup("value is nil; should be of type string");
				goto fail;
			}
			if (ik != K_STRING || (argv[a].f & VF_NUM)) {
				_cleanup_free_ char *tn = type_str(ex, &argv[a]);
				*ret_err = xasprintf("value has type %s; should be string", tn);
				goto fail;
			}
			c = json_is_object(item.j) ? json_object_get(item.j, sval(&argv[a])) : NULL;
			if (c)
				next = v_child(ex, c, elem_type(item.t));
			else if (!raw(ex) && all_strings(item.j))
				next = v_str("", 0); /* the zero value of map[string]string */
			else
				next = v_take(json_null());
		} else if (k == K_NIL) {
			*ret_err = xstrdup("index of nil pointer");
			goto fail;
		} else {
			_cleanup_free_ char *tn = type_str(ex, &item);
			*ret_err = xasprintf("can't index item of type %s", tn);
			goto fail;
		}
		v_release(&item);
		item = next;
	}
	*ret = item;
	return 0;
fail:
	v_release(&item);
	return -1;
}

static int fn_slice(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		    struct val *ret, char **ret_err)
{
	enum vkind k = vkind(ex, &argv[0]);
	int64_t idx[3] = {0, 0, 0};
	size_t len;

	(void) callee;
	if (k == K_INVALID || k == K_NIL) {
		*ret_err = xstrdup("slice of untyped nil");
		return -1;
	}
	if (argc - 1 > 3) {
		*ret_err = xasprintf("too many slice indexes: %zu", argc - 1);
		return -1;
	}
	if (k == K_STRING) {
		if (argc - 1 == 3) {
			*ret_err = xstrdup("cannot 3-index slice a string");
			return -1;
		}
	} else if (k != K_SLICE) {
		_cleanup_free_ char *tn = type_str(ex, &argv[0]);
		*ret_err = xasprintf("can't slice item of type %s", tn);
		return -1;
	}
	len = v_len(&argv[0]);
	idx[1] = (int64_t) len;
	for (size_t i = 1; i < argc; i++)
		if (index_arg(ex, &argv[i], len, &idx[i - 1], ret_err) < 0)
			return -1;
	if (idx[0] > idx[1]) {
		*ret_err = xasprintf("invalid slice index: %" PRId64 " > %" PRId64, idx[0], idx[1]);
		return -1;
	}
	if (argc - 1 == 3 && idx[1] > idx[2]) {
		*ret_err = xasprintf("invalid slice index: %" PRId64 " > %" PRId64, idx[1], idx[2]);
		return -1;
	}
	if (k == K_STRING) {
		*ret = v_str(sval(&argv[0]) + idx[0], (size_t) (idx[1] - idx[0]));
		ret->f = argv[0].f;
		return 0;
	}
	{
		json_t *a = json_array();
		for (int64_t i = idx[0]; i < idx[1]; i++)
			json_array_append(a, json_array_get(argv[0].j, (size_t) i));
		*ret = (struct val){a, argv[0].t, argv[0].f & VF_STRV};
	}
	return 0;
}

static int fn_print(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		    struct val *ret, char **ret_err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	(void) ret_err;
	f_sprint(ex, &sb, argv, argc, streq(callee, "println"));
	*ret = v_str(sb.buf ? sb.buf : "", sb.len);
	return 0;
}

static int fn_printf(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		     struct val *ret, char **ret_err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	(void) callee, (void) ret_err;
	f_sprintf(ex, &sb, sval(&argv[0]), slen(&argv[0]), argv + 1, argc - 1);
	*ret = v_str(sb.buf ? sb.buf : "", sb.len);
	return 0;
}

/* evalArgs of html, js and urlquery: the one string, or fmt.Sprint of all */
static void eval_args(struct exec *ex, struct strbuf *sb, struct val *argv, size_t argc)
{
	if (argc == 1 && vkind(ex, &argv[0]) == K_STRING)
		(void) strbuf_add(sb, sval(&argv[0]), slen(&argv[0]));
	else
		f_sprint(ex, sb, argv, argc, false);
}

static int fn_escape(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		     struct val *ret, char **ret_err)
{
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT, sb = STRBUF_INIT;
	size_t sz;

	(void) ret_err;
	eval_args(ex, &in, argv, argc);
	for (size_t i = 0; i < in.len; i += sz) {
		unsigned char c = (unsigned char) in.buf[i];
		sz = 1;
		if (streq(callee, "html")) {
			switch (c) {
			case '\0':
				(void) strbuf_adds(&sb, "\xef\xbf\xbd");
				break;
			case '"':
				(void) strbuf_adds(&sb, "&#34;");
				break;
			case '\'':
				(void) strbuf_adds(&sb, "&#39;");
				break;
			case '&':
				(void) strbuf_adds(&sb, "&amp;");
				break;
			case '<':
				(void) strbuf_adds(&sb, "&lt;");
				break;
			case '>':
				(void) strbuf_adds(&sb, "&gt;");
				break;
			default:
				(void) strbuf_addch(&sb, (char) c);
			}
		} else if (streq(callee, "urlquery")) {
			if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'
				    ? true
				    : (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
					      c == '~')
				(void) strbuf_addch(&sb, (char) c);
			else if (c == ' ')
				(void) strbuf_addch(&sb, '+');
			else
				(void) strbuf_addf(&sb, "%%%02X", c);
		} else if (c >= 0x80) { /* js */
			uint32_t r =
				utf8_decode((const unsigned char *) in.buf + i, in.len - i, &sz);
			if (rune_isprint(r) && !(r == 0xfffd && sz == 1))
				(void) strbuf_add(&sb, in.buf + i, sz);
			else
				(void) strbuf_addf(&sb, "\\u%04" PRIX32, r);
		} else {
			switch (c) {
			case '\\':
				(void) strbuf_adds(&sb, "\\\\");
				break;
			case '\'':
				(void) strbuf_adds(&sb, "\\'");
				break;
			case '"':
				(void) strbuf_adds(&sb, "\\\"");
				break;
			case '<':
			case '>':
			case '&':
			case '=':
				(void) strbuf_addf(&sb, "\\u%04X", c);
				break;
			default:
				if (c < ' ')
					(void) strbuf_addf(&sb, "\\u%04X", c);
				else
					(void) strbuf_addch(&sb, (char) c);
			}
		}
	}
	*ret = v_str(sb.buf ? sb.buf : "", sb.len);
	return 0;
}

enum bkind { B_INVALID, B_BOOL, B_INT, B_FLOAT, B_STRING };

static enum bkind basic_kind(const struct exec *ex, const struct val *v)
{
	switch (vkind(ex, v)) {
	case K_BOOL:
		return B_BOOL;
	case K_INT:
		return B_INT;
	case K_FLOAT:
		return B_FLOAT;
	case K_STRING:
		return B_STRING;
	default:
		return B_INVALID;
	}
}

static bool v_isnil(const struct exec *ex, const struct val *v)
{
	enum vkind k = vkind(ex, v);
	return k == K_INVALID || k == K_NIL || json_is_null(v->j);
}

static int str_cmp(const struct val *a, const struct val *b)
{
	size_t la = slen(a), lb = slen(b);
	int c = memcmp(sval(a), sval(b), la < lb ? la : lb);
	return c ? c : (la > lb) - (la < lb);
}

static int cmp_eq(struct exec *ex, const struct val *a, const struct val *b, bool *ret,
		  char **ret_err)
{
	enum bkind k1 = basic_kind(ex, a), k2 = basic_kind(ex, b);

	*ret = false;
	if (k1 != k2) {
		if (!v_isnil(ex, a) && !v_isnil(ex, b)) {
			*ret_err = xstrdup("incompatible types for comparison");
			return -1;
		}
		return 0;
	}
	switch (k1) {
	case B_BOOL:
		*ret = json_is_true(a->j) == json_is_true(b->j);
		return 0;
	case B_INT:
		*ret = json_integer_value(a->j) == json_integer_value(b->j);
		return 0;
	case B_FLOAT:
		*ret = json_real_value(a->j) == json_real_value(b->j);
		return 0;
	case B_STRING:
		*ret = str_cmp(a, b) == 0;
		return 0;
	case B_INVALID:
		break;
	}
	{
		enum vkind ka = vkind(ex, a), kb = vkind(ex, b);
		bool na = v_isnil(ex, a), nb = v_isnil(ex, b);
		bool invalid_a = ka == K_INVALID || ka == K_NIL,
		     invalid_b = kb == K_INVALID || kb == K_NIL;

		if (ka != kb && !invalid_a && !invalid_b) {
			_cleanup_free_ char *s1 = v_string(ex, a), *t1 = type_str(ex, a),
					    *s2 = v_string(ex, b), *t2 = type_str(ex, b);
			*ret_err = xasprintf("non-comparable types %s: %s, %s: %s", s1, t1, t2, s2);
			return -1;
		}
		if (na || nb) {
			*ret = na == nb;
			return 0;
		}
		if (kb == K_SLICE || kb == K_MAP) {
			_cleanup_free_ char *s2 = v_string(ex, b), *t2 = type_str(ex, b);
			*ret_err = xasprintf("non-comparable type %s: %s", s2, t2);
			return -1;
		}
		*ret = json_equal(a->j, b->j);
	}
	return 0;
}

static int cmp_lt(struct exec *ex, const struct val *a, const struct val *b, bool *ret,
		  char **ret_err)
{
	enum bkind k1 = basic_kind(ex, a), k2 = basic_kind(ex, b);

	if (k1 == B_INVALID || k2 == B_INVALID) {
		*ret_err = xstrdup("invalid type for comparison");
		return -1;
	}
	if (k1 != k2) {
		*ret_err = xstrdup("incompatible types for comparison");
		return -1;
	}
	switch (k1) {
	case B_INT:
		*ret = json_integer_value(a->j) < json_integer_value(b->j);
		return 0;
	case B_FLOAT:
		*ret = json_real_value(a->j) < json_real_value(b->j);
		return 0;
	case B_STRING:
		*ret = str_cmp(a, b) < 0;
		return 0;
	default:
		*ret_err = xstrdup("invalid type for comparison");
		return -1;
	}
}

static int fn_compare(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		      struct val *ret, char **ret_err)
{
	bool t = false, lt;

	if (streq(callee, "eq") || streq(callee, "ne")) {
		if (argc < 2) {
			*ret_err = xstrdup("missing argument for comparison");
			return -1;
		}
		for (size_t i = 1; i < argc && !t; i++)
			if (cmp_eq(ex, &argv[0], &argv[i], &t, ret_err) < 0)
				return -1;
		*ret = v_take(json_boolean(streq(callee, "eq") ? t : !t));
		return 0;
	}
	if (cmp_lt(ex, &argv[0], &argv[1], &lt, ret_err) < 0)
		return -1;
	if (streq(callee, "lt") || streq(callee, "ge")) {
		t = streq(callee, "lt") ? lt : !lt;
	} else { /* le, gt: <= is < or == */
		bool eq = false;
		if (!lt && cmp_eq(ex, &argv[0], &argv[1], &eq, ret_err) < 0)
			return -1;
		t = streq(callee, "le") ? (lt || eq) : !(lt || eq);
	}
	*ret = v_take(json_boolean(t));
	return 0;
}

static int fn_json(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		   struct val *ret, char **ret_err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	(void) callee, (void) argc, (void) ret_err;
	v_json(ex, &sb, &argv[0]);
	*ret = v_str(sb.buf, sb.len);
	return 0;
}

static int fn_split(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		    struct val *ret, char **ret_err)
{
	const char *s = sval(&argv[0]), *sep = sval(&argv[1]);
	size_t n = slen(&argv[0]), seplen = slen(&argv[1]), sz;
	size_t max = ex->t->max_output / 64 > 1024 ? ex->t->max_output / 64 : 1024;
	json_t *a = json_array();

	(void) callee, (void) argc;
	/* each element costs a jansson string: bound their number by the output's size */
	if (!seplen && n > max) {
		json_decref(a);
		*ret_err = xasprintf("more than %zu elements", max);
		return -1;
	}
	if (!seplen) {
		for (size_t i = 0; i < n; i += sz) {
			(void) utf8_decode((const unsigned char *) s + i, n - i, &sz);
			json_array_append_new(a, json_stringn_nocheck(s + i, sz));
		}
	} else {
		size_t start = 0;
		for (size_t i = 0; i + seplen <= n;) {
			if (json_array_size(a) > max) {
				json_decref(a);
				*ret_err = xasprintf("more than %zu elements", max);
				return -1;
			}
			if (!memcmp(s + i, sep, seplen)) {
				json_array_append_new(a,
						      json_stringn_nocheck(s + start, i - start));
				i += seplen;
				start = i;
			} else {
				i++;
			}
		}
		json_array_append_new(a, json_stringn_nocheck(s + start, n - start));
	}
	*ret = v_take(a);
	ret->f = VF_STRV;
	return 0;
}

static int fn_join(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		   struct val *ret, char **ret_err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	size_t i;
	json_t *x;

	(void) callee, (void) argc, (void) ret_err;
	json_array_foreach (argv[0].j, i, x) {
		if (sb.len > ex->t->max_output)
			break; /* eval_call() refuses the result */
		if (i)
			(void) strbuf_add(&sb, sval(&argv[1]), slen(&argv[1]));
		(void) strbuf_add(&sb, json_string_value(x), json_string_length(x));
	}
	*ret = v_str(sb.buf ? sb.buf : "", sb.len);
	return 0;
}

static int fn_case(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		   struct val *ret, char **ret_err)
{
	(void) ex, (void) argc, (void) ret_err;
	*ret = case_map(&argv[0], streq(callee, "upper") ? 0 : streq(callee, "lower") ? 1 : 2);
	return 0;
}

static int fn_pad(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		  struct val *ret, char **ret_err)
{
	json_int_t pre = json_integer_value(argv[1].j), post = json_integer_value(argv[2].j);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	(void) callee, (void) argc;
	if (!slen(&argv[0])) {
		*ret = v_ref(&argv[0]);
		return 0;
	}
	if (pre < 0 || post < 0) {
		*ret_err = xstrdup("strings: negative Repeat count");
		return -1;
	}
	if ((uint64_t) pre + (uint64_t) post + slen(&argv[0]) > ex->t->max_output) {
		*ret_err = xasprintf("padding exceeds %zu bytes", ex->t->max_output);
		return -1;
	}
	for (json_int_t i = 0; i < pre; i++)
		(void) strbuf_addch(&sb, ' ');
	(void) strbuf_add(&sb, sval(&argv[0]), slen(&argv[0]));
	for (json_int_t i = 0; i < post; i++)
		(void) strbuf_addch(&sb, ' ');
	*ret = v_str(sb.buf, sb.len);
	return 0;
}

static int fn_truncate(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		       struct val *ret, char **ret_err)
{
	json_int_t n = json_integer_value(argv[1].j);

	(void) ex, (void) callee, (void) argc;
	if ((json_int_t) slen(&argv[0]) < n) {
		*ret = v_ref(&argv[0]);
		return 0;
	}
	if (n < 0) {
		*ret_err = xasprintf(
			"runtime error: slice bounds out of range [:%" JSON_INTEGER_FORMAT "]", n);
		return -1;
	}
	*ret = v_str(sval(&argv[0]), (size_t) n);
	return 0;
}

/* HeaderFunctions: the column title as it is */
static int fn_header(struct exec *ex, const char *callee, struct val *argv, size_t argc,
		     struct val *ret, char **ret_err)
{
	(void) ex, (void) callee, (void) argc, (void) ret_err;
	*ret = v_ref(&argv[0]);
	return 0;
}

static const struct fn fns[] = {
	{"and", 1, {P_ANY}, true, P_ANY, FN_AND_OR, NULL},
	{"or", 1, {P_ANY}, true, P_ANY, FN_AND_OR, NULL},
	{"not", 1, {P_ANY}, false, P_ANY, 0, fn_not},
	{"len", 1, {P_ANY}, false, P_ANY, 0, fn_len},
	{"index", 1, {P_ANY}, true, P_ANY, 0, fn_index},
	{"slice", 1, {P_ANY}, true, P_ANY, 0, fn_slice},
	{"call", 1, {P_ANY}, true, P_ANY, 0, NULL},
	{"print", 0, {P_ANY}, true, P_ANY, 0, fn_print},
	{"println", 0, {P_ANY}, true, P_ANY, 0, fn_print},
	{"printf", 1, {P_STR}, true, P_ANY, 0, fn_printf},
	{"html", 0, {P_ANY}, true, P_ANY, 0, fn_escape},
	{"js", 0, {P_ANY}, true, P_ANY, 0, fn_escape},
	{"urlquery", 0, {P_ANY}, true, P_ANY, 0, fn_escape},
	{"eq", 1, {P_ANY}, true, P_ANY, 0, fn_compare},
	{"ne", 2, {P_ANY, P_ANY}, false, P_ANY, 0, fn_compare},
	{"lt", 2, {P_ANY, P_ANY}, false, P_ANY, 0, fn_compare},
	{"le", 2, {P_ANY, P_ANY}, false, P_ANY, 0, fn_compare},
	{"gt", 2, {P_ANY, P_ANY}, false, P_ANY, 0, fn_compare},
	{"ge", 2, {P_ANY, P_ANY}, false, P_ANY, 0, fn_compare},
	{"json", 1, {P_ANY}, false, P_ANY, FN_DOCKER, fn_json},
	{"split", 2, {P_STR, P_STR}, false, P_ANY, FN_DOCKER, fn_split},
	{"join", 2, {P_STRV, P_STR}, false, P_ANY, FN_DOCKER, fn_join},
	{"title", 1, {P_STR}, false, P_ANY, FN_DOCKER, fn_case},
	{"lower", 1, {P_STR}, false, P_ANY, FN_DOCKER, fn_case},
	{"upper", 1, {P_STR}, false, P_ANY, FN_DOCKER, fn_case},
	{"pad", 3, {P_STR, P_INT, P_INT}, false, P_ANY, 0, fn_pad},
	{"truncate", 2, {P_STR, P_INT}, false, P_ANY, FN_DOCKER, fn_truncate},
	{"json", 1, {P_STR}, false, P_ANY, FN_HEADER, fn_header},
	{"split", 2, {P_STR, P_STR}, false, P_ANY, FN_HEADER, fn_header},
	{"join", 2, {P_STR, P_STR}, false, P_ANY, FN_HEADER, fn_header},
	{"title", 1, {P_STR}, false, P_ANY, FN_HEADER, fn_header},
	{"lower", 1, {P_STR}, false, P_ANY, FN_HEADER, fn_header},
	{"upper", 1, {P_STR}, false, P_ANY, FN_HEADER, fn_header},
	{"truncate", 2, {P_STR, P_INT}, false, P_ANY, FN_HEADER, fn_header},
};

static bool func_exists(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fns); i++)
		if (streq(fns[i].name, name))
			return true;
	return false;
}

static const struct fn *fn_find(const struct exec *ex, const char *name)
{
	bool header = ex->flags & TMPL_HEADER;

	for (size_t i = 0; i < ARRAY_SIZE(fns); i++)
		if (streq(fns[i].name, name) && !(fns[i].flags & (header ? FN_DOCKER : FN_HEADER)))
			return &fns[i];
	return NULL;
}

/* evalCall: @fn, or method @m of @recv, on the arguments after args[0] and the piped @final */
static int eval_call(struct exec *ex, const struct val *dot, const struct fn *fn,
		     const struct tmpl_method *m, const struct val *recv, const struct node *node,
		     const char *name, struct node *const *args, size_t nargs,
		     const struct val *final, struct val *ret)
{
	size_t argc = args ? nargs - 1 : 0, numin = argc + (final ? 1 : 0), nin, i;
	struct node *const *a = args ? args + 1 : NULL;
	bool variadic = fn ? fn->variadic : false;
	struct val *argv = NULL;
	_cleanup_free_ char *fnerr = NULL;
	int r = 0;

	*ret = (struct val){0};
	nin = fn ? fn->nin : m->nargs;
	if (variadic && numin < nin)
		return ex_errorf(ex, "wrong number of args for %s: want at least %u got %zu", name,
				 (unsigned) nin, argc);
	if (!variadic && numin != nin)
		return ex_errorf(ex, "wrong number of args for %s: want %u got %zu", name,
				 (unsigned) nin, numin);
	if (fn && (fn->flags & FN_AND_OR)) {
		bool want = streq(name, "or");
		struct val v = {0};
		for (i = 0; i < argc; i++) {
			v_release(&v);
			if (eval_arg(ex, dot, P_ANY, a[i], &v) < 0)
				return ex->r;
			if (is_true(ex, &v) == want) {
				*ret = v;
				return 0;
			}
		}
		if (final) {
			v_release(&v);
			v = v_ref(final);
		}
		*ret = v;
		return 0;
	}
	argv = xcalloc(numin ? numin : 1, sizeof(*argv));
	for (i = 0; i < argc; i++) {
		enum ptype pt = m ? P_STR : (i < nin ? fn->in[i] : fn->vin);
		if (eval_arg(ex, dot, pt, a[i], &argv[i]) < 0) {
			r = ex->r;
			goto out;
		}
	}
	if (final) {
		enum ptype pt;
		if (m)
			pt = P_STR;
		else if (variadic)
			pt = numin - 1 < nin ? fn->in[numin - 1] : fn->vin;
		else
			pt = fn->in[nin - 1];
		argv[i] = v_ref(final);
		if (validate(ex, &argv[i], pt) < 0) {
			r = ex->r;
			goto out;
		}
	}
	if (m) {
		_cleanup_free_ const char **sargs = xcalloc(numin + 1, sizeof(char *));
		char *s;
		for (i = 0; i < numin; i++)
			sargs[i] = sval(&argv[i]);
		s = m->fn(ex->udata, recv->j, sargs);
		*ret = v_str(s ? s : "", s ? strlen(s) : 0);
		free(s);
		goto out;
	}
	if (!fn->call) { /* call: there is no function value in JSON data */
		_cleanup_free_ char *callee = argc ? node_string(a[0]) : xstrdup("");
		_cleanup_free_ char *tn = numin ? type_str(ex, &argv[0]) : NULL;
		if (!numin || vkind(ex, &argv[0]) == K_INVALID)
			fnerr = xstrdup("call of nil");
		else
			fnerr = xasprintf("non-function %s of type %s", callee, tn);
	} else if (fn->call(ex, name, argv, numin, ret, &fnerr) == 0) {
		/* what a function makes is bounded as the output is (printf, join, pad...) */
		if (json_is_string(ret->j) && json_string_length(ret->j) > ex->t->max_output) {
			v_release(ret);
			if (!ex->r)
				err_setx(ex->err, E2BIG, "template: output exceeds %zu bytes",
					 ex->t->max_output);
			ex->r = r = -E2BIG;
		}
		goto out;
	}
	ex->at = node;
	r = ex_errorf(ex, "error calling %s: %s", name, fnerr ? fnerr : "failed");
out:
	for (i = 0; i < numin; i++)
		v_release(&argv[i]);
	free(argv);
	return r;
}

/* ------------------------------------------------------------------ */
/* Walking the tree                                                    */
/* ------------------------------------------------------------------ */

static int print_value(struct exec *ex, const struct node *n, const struct val *v)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	struct fspec fs = {.max = ex->t->max_output, .deref = true};

	ex->at = n;
	if (vkind(ex, v) == K_INVALID)
		return ex_write(ex, "<no value>", 10);
	f_value(ex, &sb, &fs, v, 'v', 0);
	return ex_write(ex, sb.buf ? sb.buf : "", sb.len);
}

static void var_set_top(struct exec *ex, size_t n, struct val v)
{
	v_release(&ex->vars[ex->nvars - n].v);
	ex->vars[ex->nvars - n].v = v;
}

/* one iteration of a range: 0, WALK_BREAK, or an error */
static int range_once(struct exec *ex, const struct node *r, size_t mark, struct val index,
		      struct val elem)
{
	int rc;

	if (r->pipe->ndecl > 0)
		var_set_top(ex, 1, v_ref(&elem));
	if (r->pipe->ndecl > 1)
		var_set_top(ex, 2, v_ref(&index));
	rc = walk(ex, &elem, r->list);
	var_pop(ex, mark);
	v_release(&index);
	v_release(&elem);
	if (rc < 0)
		return rc;
	return rc == WALK_BREAK ? WALK_BREAK : 0;
}

static int walk_range(struct exec *ex, const struct val *dot, const struct node *r)
{
	size_t mark0 = ex->nvars, mark, i;
	struct val v;
	int rc = 0;
	bool ran = false;

	ex->at = r;
	if (eval_pipeline(ex, dot, r->pipe, &v) < 0)
		return ex->r;
	mark = ex->nvars;
	switch (vkind(ex, &v)) {
	case K_SLICE:
		for (i = 0; i < v_len(&v) && rc == 0; i++) {
			ran = true;
			rc = range_once(ex, r, mark, v_int((json_int_t) i),
					v_child(ex, json_array_get(v.j, i), elem_type(v.t)));
		}
		break;
	case K_MAP: {
		size_t n = 0;
		_cleanup_free_ const char **keys =
			json_is_object(v.j) ? sorted_keys(v.j, &n) : NULL;
		for (i = 0; i < n && rc == 0; i++) {
			ran = true;
			rc = range_once(ex, r, mark, v_str(keys[i], strlen(keys[i])),
					v_child(ex, json_object_get(v.j, keys[i]), elem_type(v.t)));
		}
		break;
	}
	case K_INT:
		if (r->pipe->ndecl > 1) {
			_cleanup_free_ char *s = v_string(ex, &v);
			rc = ex_errorf(ex, "can't use %s to iterate over more than one variable",
				       s);
			break;
		}
		for (json_int_t k = 0; k < json_integer_value(v.j) && rc == 0; k++) {
			ran = true;
			if ((rc = ex_step(ex)) < 0)
				break;
			rc = range_once(ex, r, mark, (struct val){0}, v_int(k));
		}
		break;
	case K_INVALID:
	case K_NIL:
		break;
	default: {
		_cleanup_free_ char *s = v_string(ex, &v);
		rc = ex_errorf(ex, "range can't iterate over %s", s);
	}
	}
	v_release(&v);
	if (rc == WALK_BREAK)
		rc = 0;
	if (rc == 0 && !ran && r->elist)
		rc = walk(ex, dot, r->elist);
	var_pop(ex, mark0);
	return rc;
}

static int walk_template(struct exec *ex, const struct val *dot, const struct node *n)
{
	const struct tdef *def = NULL;
	struct var *saved_vars;
	size_t saved_n, saved_a;
	const char *saved_name;
	struct val v;
	int rc;

	ex->at = n;
	for (size_t i = 0; i < ex->t->ndefs; i++)
		if (strlen(ex->t->defs[i].name) == n->slen &&
		    !memcmp(ex->t->defs[i].name, n->s, n->slen))
			def = &ex->t->defs[i];
	if (!def) {
		_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;
		go_quote(&q, n->s, n->slen, false);
		return ex_errorf(ex, "template %s not defined", strbuf_cstr(&q));
	}
	if (ex->depth >= DEPTH_MAX)
		return ex_errorf(ex, "exceeded maximum template depth (%d)", DEPTH_MAX);
	if (eval_pipeline(ex, dot, n->pipe, &v) < 0)
		return ex->r;
	/* no dynamic scoping: the template sees $ and nothing else */
	saved_vars = ex->vars, saved_n = ex->nvars, saved_a = ex->avars, saved_name = ex->name;
	ex->vars = NULL, ex->nvars = ex->avars = 0, ex->name = def->name;
	ex->depth++;
	var_push(ex, "$", v_ref(&v));
	rc = walk(ex, &v, def->root);
	var_pop(ex, 0);
	free(ex->vars);
	ex->depth--;
	ex->vars = saved_vars, ex->nvars = saved_n, ex->avars = saved_a, ex->name = saved_name;
	v_release(&v);
	return rc;
}

static int walk(struct exec *ex, const struct val *dot, const struct node *n)
{
	struct val v;
	size_t mark;
	int rc = 0;

	ex->at = n;
	if (ex_step(ex) < 0)
		return ex->r;
	switch (n->type) {
	case N_ACTION:
		if (eval_pipeline(ex, dot, n->pipe, &v) < 0)
			return ex->r;
		if (!n->pipe->ndecl)
			rc = print_value(ex, n, &v);
		v_release(&v);
		return rc;
	case N_IF:
	case N_WITH:
		mark = ex->nvars;
		if (eval_pipeline(ex, dot, n->pipe, &v) < 0) {
			var_pop(ex, mark);
			return ex->r;
		}
		if (is_true(ex, &v))
			rc = walk(ex, n->type == N_WITH ? &v : dot, n->list);
		else if (n->elist)
			rc = walk(ex, dot, n->elist);
		v_release(&v);
		var_pop(ex, mark);
		return rc;
	case N_LIST:
		for (size_t i = 0; i < n->nkids; i++)
			if ((rc = walk(ex, dot, n->kids[i])) != 0)
				return rc;
		return 0;
	case N_RANGE:
		return walk_range(ex, dot, n);
	case N_TEMPLATE:
		return walk_template(ex, dot, n);
	case N_TEXT:
		return ex_write(ex, n->s, n->slen);
	case N_BREAK:
		return WALK_BREAK;
	case N_CONTINUE:
		return WALK_CONTINUE;
	default: {
		_cleanup_free_ char *s = node_string(n);
		return ex_errorf(ex, "unknown node: %s", s);
	}
	}
}

int tmpl_execute(const struct tmpl *t, json_t *data, const struct tmpl_type *type, unsigned flags,
		 void *udata, struct strbuf *out, struct hull_err **err)
{
	struct exec ex = {
		.t = t, .name = "", .flags = flags, .udata = udata, .out = out, .err = err};
	struct val root = data ? v_child(&ex, data, type) : (struct val){0};
	int rc;

	var_push(&ex, "$", v_ref(&root));
	rc = walk(&ex, &root, t->root);
	var_pop(&ex, 0);
	free(ex.vars);
	v_release(&root);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------------ */
/* Go's text/tabwriter as docker's formatter configures it             */
/* ------------------------------------------------------------------ */

struct tw_cell {
	size_t off, len, width;
};

struct tw_line {
	struct tw_cell *cells;
	size_t n;
	size_t *widths; /* column widths for the tab-terminated cells */
};

/* display width: runes, East Asian wide ones 2, combining marks 0 (as go-runewidth) */
static size_t tw_width(const char *s, size_t n)
{
	size_t w = 0, sz;

	for (size_t i = 0; i < n; i += sz) {
		uint32_t c = utf8_decode((const unsigned char *) s + i, n - i, &sz);
		if ((c >= 0x300 && c <= 0x36f) || c == 0x200b)
			continue;
		if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c != 0x303f) ||
		    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
		    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
		    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
		    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
			w += 2;
		else
			w += 1;
	}
	return w;
}

void tmpl_tabwrite(struct strbuf *out, const char *text, size_t len)
{
	struct tw_line *lines = NULL;
	size_t nlines = 0, start = 0, *active = NULL, nactive = 0;

	/* cells: runs of text ended by a tab (in a column) or a newline (not in one) */
	lines = xcalloc(1, sizeof(*lines));
	nlines = 1;
	for (size_t i = 0;; i++) {
		struct tw_line *l = &lines[nlines - 1];

		if (i < len && text[i] != '\t' && text[i] != '\n')
			continue;
		l->cells = xrealloc(l->cells, (l->n + 1) * sizeof(*l->cells));
		l->cells[l->n++] =
			(struct tw_cell){start, i - start, tw_width(text + start, i - start)};
		start = i + 1;
		if (i == len)
			break;
		if (text[i] == '\n') {
			lines = xrealloc(lines, (nlines + 1) * sizeof(*lines));
			lines[nlines++] = (struct tw_line){0};
		}
	}
	/* after a final newline, the empty line that follows is not written */
	if (len && text[len - 1] == '\n') {
		free(lines[nlines - 1].cells);
		nlines--;
	}
	/*
	 * A column block is a run of adjacent lines that all have a
	 * tab-terminated cell in that column; its width is its widest cell plus
	 * the padding, at least the minimum. Lines with fewer cells end the
	 * blocks of the columns they lack, so one pass per column over the lines
	 * still having cells there finds them all.
	 */
	active = xmalloc((nlines ? nlines : 1) * sizeof(size_t));
	for (size_t i = 0; i < nlines; i++) {
		lines[i].widths = lines[i].n > 1 ? xcalloc(lines[i].n - 1, sizeof(size_t)) : NULL;
		if (lines[i].n > 1)
			active[nactive++] = i;
	}
	for (size_t col = 0; nactive; col++) {
		size_t keep = 0;

		for (size_t a = 0; a < nactive; a++)
			if (lines[active[a]].n - 1 > col)
				active[keep++] = active[a];
		nactive = keep;
		for (size_t a = 0; a < nactive;) {
			size_t b = a, w = 10;
			while (b < nactive && (b == a || active[b] == active[b - 1] + 1)) {
				size_t cw = lines[active[b]].cells[col].width + 3;
				if (cw > w)
					w = cw;
				b++;
			}
			for (size_t k = a; k < b; k++)
				lines[active[k]].widths[col] = w;
			a = b;
		}
	}
	for (size_t i = 0; i < nlines; i++) {
		struct tw_line *l = &lines[i];
		for (size_t c = 0; c < l->n; c++) {
			(void) strbuf_add(out, text + l->cells[c].off, l->cells[c].len);
			if (c + 1 < l->n)
				for (size_t p = l->cells[c].width; p < l->widths[c]; p++)
					(void) strbuf_addch(out, ' ');
		}
		if (i + 1 < nlines || (len && text[len - 1] == '\n'))
			(void) strbuf_addch(out, '\n');
		free(l->cells);
		free(l->widths);
	}
	free(lines);
	free(active);
}
