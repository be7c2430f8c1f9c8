/* SPDX-License-Identifier: MIT */
/* Log records (logline.h); no jansson, no stdio: hull-monitor links this statically. */
#include <sys/random.h>
#include "container/logline.h"
#include "util/fs.h"

static void put_num(char *p, unsigned long v, int digits)
{
	for (int i = digits - 1; i >= 0; i--, v /= 10)
		p[i] = (char) ('0' + v % 10);
}

void log_time_rfc3339(const struct timespec *ts, char buf[LOG_TIME_SIZE])
{
	/* days to civil date: Howard Hinnant's algorithm, proleptic Gregorian */
	long long days = ts->tv_sec / 86400, secs = ts->tv_sec % 86400;
	long long z, era, doe, yoe, y, doy, mp, d, m;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999)
		y = 0;
	memcpy(buf, "0000-00-00T00:00:00.000000000Z", LOG_TIME_SIZE);
	put_num(buf, (unsigned long) y, 4);
	put_num(buf + 5, (unsigned long) m, 2);
	put_num(buf + 8, (unsigned long) d, 2);
	put_num(buf + 11, (unsigned long) (secs / 3600), 2);
	put_num(buf + 14, (unsigned long) (secs / 60 % 60), 2);
	put_num(buf + 17, (unsigned long) (secs % 60), 2);
	put_num(buf + 20, (unsigned long) ts->tv_nsec, 9);
}

/* Length of the valid UTF-8 sequence at @p (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	size_t n;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void add_json_string(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	/* jansson's escapes (and so the bytes a json-file reader gets back) */
	static const char esc_in[] = "\"\\\b\f\n\r\t", esc_out[] = "\"\\bfnrt";
	const unsigned char *p = (const unsigned char *) s;
	size_t i = 0;

	(void) strbuf_addch(sb, '"');
	while (i < len) {
		size_t start = i, n;
		const char *e;
		/* the run of bytes that go out as they are */
		while (i < len && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\' &&
		       (n = utf8_len(p + i, len - i)) > 0)
			i += n;
		(void) strbuf_add(sb, p + start, i - start);
		if (i == len)
			break;
		e = memchr(esc_in, p[i], sizeof(esc_in) - 1);
		if (e) {
			char two[2] = {'\\', esc_out[e - esc_in]};
			(void) strbuf_add(sb, two, sizeof(two));
		} else if (p[i] < 0x20) {
			char u[6] = {'\\', 'u', '0', '0', hex[p[i] >> 4], hex[p[i] & 15]};
			(void) strbuf_add(sb, u, sizeof(u));
		} else {
			(void) strbuf_add(sb, "\xef\xbf\xbd", 3); /* not UTF-8: U+FFFD */
		}
		i++;
	}
	(void) strbuf_addch(sb, '"');
}

void utf8_scrub(struct strbuf *sb, const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *) data;
	size_t i = 0, n;

	while (i < len) {
		size_t start = i;
		while (i < len && (n = utf8_len(p + i, len - i)) > 0)
			i += n;
		(void) strbuf_add(sb, p + start, i - start);
		if (i < len) {
			(void) strbuf_add(sb, "\xef\xbf\xbd", 3);
			i++;
		}
	}
}

void log_line_json(struct strbuf *sb, const char *stream, const char *data, size_t len,
		   const char *attrs, const char *time)
{
	(void) strbuf_adds(sb, "{\"log\":");
	add_json_string(sb, data, len);
	(void) strbuf_adds(sb, ",\"stream\":");
	add_json_string(sb, stream, strlen(stream));
	if (attrs) {
		(void) strbuf_adds(sb, ",\"attrs\":");
		(void) strbuf_adds(sb, attrs);
	}
	(void) strbuf_adds(sb, ",\"time\":");
	add_json_string(sb, time, strlen(time));
	(void) strbuf_adds(sb, "}\n");
}

static void put_varint(struct strbuf *sb, uint64_t v)
{
	char b[10];
	size_t n = 0;

	do {
		b[n++] = (char) ((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	(void) strbuf_add(sb, b, n);
}

/* protobuf field @field, wire type 2 (length-delimited) */
static void put_bytes(struct strbuf *sb, unsigned field, const void *data, size_t len)
{
	put_varint(sb, field << 3 | 2);
	put_varint(sb, len);
	(void) strbuf_add(sb, data, len);
}

static void put_be32(char *p, uint32_t v)
{
	p[0] = (char) (v >> 24);
	p[1] = (char) (v >> 16);
	p[2] = (char) (v >> 8);
	p[3] = (char) v;
}

void log_entry_local(struct strbuf *sb, const char *stream, const char *data, size_t len,
		     int64_t time_ns, const struct log_partial *partial)
{
	size_t at = sb->len, body;
	char n[LOG_LOCAL_LEN_SIZE] = {0};

	(void) strbuf_add(sb, n, sizeof(n)); /* the length, known at the end */
	body = sb->len;
	/* LogEntry: 1 source, 2 time_nano, 3 line, 4 partial, 5 partial_log_metadata */
	if (*stream)
		put_bytes(sb, 1, stream, strlen(stream));
	if (time_ns) {
		put_varint(sb, 2 << 3);
		put_varint(sb, (uint64_t) time_ns);
	}
	if (len)
		put_bytes(sb, 3, data, len);
	if (partial) {
		/* PartialLogEntryMetadata: 1 last, 2 id, 3 ordinal */
		struct strbuf md = STRBUF_INIT;
		(void) strbuf_add(sb, "\x20\x01", 2);
		if (partial->last)
			(void) strbuf_add(&md, "\x08\x01", 2);
		put_bytes(&md, 2, partial->id, strlen(partial->id));
		if (partial->ordinal) {
			put_varint(&md, 3 << 3);
			put_varint(&md, (uint64_t) (uint32_t) partial->ordinal);
		}
		put_bytes(sb, 5, md.buf, md.len);
		strbuf_release(&md);
	}
	put_be32(n, (uint32_t) (sb->len - body));
	memcpy(sb->buf + at, n, sizeof(n));
	(void) strbuf_add(sb, n, sizeof(n));
}

/* docker's stringid.GenerateRandomID(): 64 hex digits */
static void random_id(char id[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[32] = {0};

	if (getrandom(r, sizeof(r), 0) != (ssize_t) sizeof(r)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(r, &ts, sizeof(ts) < sizeof(r) ? sizeof(ts) : sizeof(r));
	}
	for (size_t i = 0; i < sizeof(r); i++) {
		id[2 * i] = hex[r[i] >> 4];
		id[2 * i + 1] = hex[r[i] & 15];
	}
	id[64] = '\0';
}

/* One piece of a line: @eof, the unfinished rest at the end of the stream. */
static void log_write(struct log_file *lf, struct log_stream *ls, const char *data, size_t len,
		      bool eof)
{
	struct strbuf sb = STRBUF_INIT;
	struct timespec ts;

	if (lf->fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (lf->format == LOG_FORMAT_LOCAL) {
		bool complete = len && data[len - 1] == '\n';
		struct log_partial p = {ls->partial_id, 0, false};
		if (!complete && ls->ordinal == 0)
			random_id(ls->partial_id);
		if (!complete || ls->ordinal) {
			p.ordinal = ++ls->ordinal;
			p.last = complete;
		}
		log_entry_local(&sb, ls->name, data, complete ? len - 1 : len,
				(int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec,
				p.ordinal ? &p : NULL);
		if (complete || eof)
			ls->ordinal = 0;
	} else {
		char t[LOG_TIME_SIZE];
		log_time_rfc3339(&ts, t);
		log_line_json(&sb, ls->name, data, len, lf->attrs, t);
	}
	log_file_write(lf, sb.buf, sb.len);
	strbuf_release(&sb);
}

void log_stream_feed(struct log_file *lf, struct log_stream *ls, const char *data, size_t len)
{
	if (lf->fd < 0)
		return;
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t) (nl - data) + 1 : len;

		if (take > LOG_LINE_MAX - ls->line.len)
			take = LOG_LINE_MAX - ls->line.len;
		(void) strbuf_add(&ls->line, data, take);
		data += take;
		len -= take;
		if (ls->line.buf[ls->line.len - 1] == '\n' || ls->line.len >= LOG_LINE_MAX) {
			log_write(lf, ls, ls->line.buf, ls->line.len, false);
			strbuf_reset(&ls->line);
		}
	}
}

void log_stream_flush(struct log_file *lf, struct log_stream *ls)
{
	if (ls->line.len)
		log_write(lf, ls, ls->line.buf, ls->line.len, true);
	ls->ordinal = 0;
	strbuf_release(&ls->line);
}
