/* SPDX-License-Identifier: MIT */
#include "strbuf.h"

void strbuf_init(struct strbuf *sb)
{
	*sb = (struct strbuf) STRBUF_INIT;
}

void strbuf_init_max(struct strbuf *sb, size_t max)
{
	strbuf_init(sb);
	sb->max = max;
}

void strbuf_release(struct strbuf *sb)
{
	size_t max = sb->max;
	free(sb->buf);
	strbuf_init(sb);
	sb->max = max;
}

char *strbuf_detach(struct strbuf *sb, size_t *ret_len)
{
	char *p;

	if (!sb->buf)
		(void) strbuf_add(sb, "", 0);
	p = sb->buf;
	if (ret_len)
		*ret_len = sb->len;
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	return p;
}

static int strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need;

	if (sb->max && (extra > sb->max || sb->len > sb->max - extra))
		return -E2BIG;
	need = sb->len + extra + 1;
	if (need <= sb->alloc)
		return 0;
	if (need < sb->alloc * 2)
		need = sb->alloc * 2;
	if (need < 64)
		need = 64;
	sb->buf = xrealloc(sb->buf, need);
	sb->alloc = need;
	return 0;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (strbuf_grow(sb, len) < 0)
		return -E2BIG;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_adds(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, char c)
{
	return strbuf_add(sb, &c, 1);
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return strbuf_adds(sb, s);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

const char *strbuf_cstr(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}
