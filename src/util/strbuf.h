/* SPDX-License-Identifier: MIT */
/*
 * Growable byte buffers (after git's strbuf). The buffer is always
 * NUL-terminated. A non-zero max bounds untrusted input: appends past it fail
 * with -E2BIG and leave the buffer unchanged.
 */
#ifndef HULL_UTIL_STRBUF_H
#define HULL_UTIL_STRBUF_H

#include "macros.h"

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t max; /* 0: unbounded */
};

#define STRBUF_INIT           \
	{                     \
		NULL, 0, 0, 0 \
	}

/* strbuf_init() - empty buffer (no allocation). */
void strbuf_init(struct strbuf *sb);
/* strbuf_init_max() - empty buffer whose length may not exceed @max bytes. */
void strbuf_init_max(struct strbuf *sb, size_t max);
/* strbuf_release() - free the contents; the buffer is empty afterwards. */
void strbuf_release(struct strbuf *sb);
/* strbuf_detach() - return the NUL-terminated contents (caller frees) and empty the buffer. */
char *strbuf_detach(struct strbuf *sb, size_t *ret_len);
/* Appends; return 0 or -E2BIG when max would be exceeded. */
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_adds(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, char c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
/* strbuf_reset() - set the length to 0, keeping the allocation. */
void strbuf_reset(struct strbuf *sb);
/* strbuf_cstr() - the contents, "" when nothing was ever added (borrowed). */
const char *strbuf_cstr(const struct strbuf *sb);

static inline void strbuf_releasep(struct strbuf *sb)
{
	strbuf_release(sb);
}
#define _cleanup_strbuf_ _cleanup_(strbuf_releasep)

#endif
