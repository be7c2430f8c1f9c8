/* SPDX-License-Identifier: MIT */
/*
 * Go-compatible UTF-8 handling: the parser and lexer must treat bytes the way
 * BuildKit's Go code does (invalid bytes become U+FFFD runes, unicode.IsSpace
 * splits words, strconv.Quote prints them).
 */
#include "df-internal.h"

int32_t df_utf8_decode(const char *str, size_t n, size_t *ret_width)
{
	const unsigned char *s = (const unsigned char *) str;
	unsigned char c = s[0];
	int32_t r, min;
	size_t w;

	if (c < 0x80) {
		*ret_width = 1;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		w = 2;
		r = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		w = 3;
		r = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		w = 4;
		r = c & 0x07;
		min = 0x10000;
	} else {
		*ret_width = 1;
		return DF_RUNE_ERROR;
	}
	if (n < w) {
		*ret_width = 1;
		return DF_RUNE_ERROR;
	}
	for (size_t i = 1; i < w; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*ret_width = 1;
			return DF_RUNE_ERROR;
		}
		r = (r << 6) | (s[i] & 0x3f);
	}
	if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) {
		*ret_width = 1;
		return DF_RUNE_ERROR;
	}
	*ret_width = w;
	return r;
}

void df_utf8_append(struct strbuf *sb, int32_t r)
{
	char b[4];

	if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
		r = DF_RUNE_ERROR;
	if (r < 0x80) {
		(void) strbuf_addch(sb, (char) r);
	} else if (r < 0x800) {
		b[0] = (char) (0xc0 | (r >> 6));
		b[1] = (char) (0x80 | (r & 0x3f));
		(void) strbuf_add(sb, b, 2);
	} else if (r < 0x10000) {
		b[0] = (char) (0xe0 | (r >> 12));
		b[1] = (char) (0x80 | ((r >> 6) & 0x3f));
		b[2] = (char) (0x80 | (r & 0x3f));
		(void) strbuf_add(sb, b, 3);
	} else {
		b[0] = (char) (0xf0 | (r >> 18));
		b[1] = (char) (0x80 | ((r >> 12) & 0x3f));
		b[2] = (char) (0x80 | ((r >> 6) & 0x3f));
		b[3] = (char) (0x80 | (r & 0x3f));
		(void) strbuf_add(sb, b, 4);
	}
}

bool df_is_space(int32_t r)
{
	switch (r) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xa0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000:
		return true;
	}
	return r >= 0x2000 && r <= 0x200a;
}

char *df_trim_space(const char *s, size_t n)
{
	size_t start = 0, end = n, w;

	while (start < end) {
		int32_t r = df_utf8_decode(s + start, end - start, &w);
		if (!df_is_space(r))
			break;
		start += w;
	}
	/* Scan back to the last non-space rune: find rune starts from the front. */
	size_t last_end = start, pos = start;
	while (pos < end) {
		int32_t r = df_utf8_decode(s + pos, end - pos, &w);
		pos += w;
		if (!df_is_space(r))
			last_end = pos;
	}
	return xstrndup(s + start, last_end - start);
}

static bool is_printable(int32_t r)
{
	/*
	 * NEEDSWORK: Go's strconv.IsPrint uses the full Unicode tables; this
	 * treats every non-ASCII rune as printable except the C1 controls, the
	 * Unicode spaces other than U+0020, soft hyphen and the non-characters.
	 */
	if (r < 0x20 || r == 0x7f)
		return false;
	if (r < 0x7f)
		return true;
	if (r < 0xa0 || r == 0xad)
		return false;
	if (df_is_space(r) || (r >= 0x200b && r <= 0x200f) || (r >= 0x2028 && r <= 0x202e) ||
	    (r >= 0x2060 && r <= 0x206f) || r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb) ||
	    (r & 0xfffe) == 0xfffe || (r >= 0xe000 && r <= 0xf8ff) || r >= 0xf0000)
		return false;
	return true;
}

void df_go_quote(struct strbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, w;

	(void) strbuf_addch(sb, '"');
	while (i < n) {
		int32_t r = df_utf8_decode(s + i, n - i, &w);
		if (r == DF_RUNE_ERROR && w == 1) {
			(void) strbuf_addf(sb, "\\x%c%c", hex[(unsigned char) s[i] >> 4],
					   hex[(unsigned char) s[i] & 0xf]);
			i++;
			continue;
		}
		if (r == '"' || r == '\\') {
			(void) strbuf_addch(sb, '\\');
			(void) strbuf_addch(sb, (char) r);
		} else if (is_printable(r)) {
			(void) strbuf_add(sb, s + i, w);
		} else {
			switch (r) {
			case '\a':
				(void) strbuf_adds(sb, "\\a");
				break;
			case '\b':
				(void) strbuf_adds(sb, "\\b");
				break;
			case '\f':
				(void) strbuf_adds(sb, "\\f");
				break;
			case '\n':
				(void) strbuf_adds(sb, "\\n");
				break;
			case '\r':
				(void) strbuf_adds(sb, "\\r");
				break;
			case '\t':
				(void) strbuf_adds(sb, "\\t");
				break;
			case '\v':
				(void) strbuf_adds(sb, "\\v");
				break;
			default:
				if (r < ' ' || r == 0x7f)
					(void) strbuf_addf(sb, "\\x%c%c", hex[r >> 4],
							   hex[r & 0xf]);
				else if (r < 0x10000)
					(void) strbuf_addf(sb, "\\u%04x", (unsigned) r);
				else
					(void) strbuf_addf(sb, "\\U%08x", (unsigned) r);
			}
		}
		i += w;
	}
	(void) strbuf_addch(sb, '"');
}
