/* SPDX-License-Identifier: MIT */
/* json-file log lines (logline.h); no jansson, no stdio: hull-monitor links this statically. */
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
		   const char *time)
{
	(void) strbuf_adds(sb, "{\"log\":");
	add_json_string(sb, data, len);
	(void) strbuf_adds(sb, ",\"stream\":");
	add_json_string(sb, stream, strlen(stream));
	(void) strbuf_adds(sb, ",\"time\":");
	add_json_string(sb, time, strlen(time));
	(void) strbuf_adds(sb, "}\n");
}

static void log_write(int fd, const char *stream, const char *data, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	struct timespec ts;
	char t[LOG_TIME_SIZE];

	if (fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	log_time_rfc3339(&ts, t);
	log_line_json(&sb, stream, data, len, t);
	(void) write_all(fd, sb.buf, sb.len);
	strbuf_release(&sb);
}

void log_stream_feed(int fd, struct log_stream *ls, const char *data, size_t len)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t) (nl - data) + 1 : len;

		if (take > LOG_LINE_MAX - ls->line.len)
			take = LOG_LINE_MAX - ls->line.len;
		(void) strbuf_add(&ls->line, data, take);
		data += take;
		len -= take;
		if (ls->line.buf[ls->line.len - 1] == '\n' || ls->line.len >= LOG_LINE_MAX) {
			log_write(fd, ls->name, ls->line.buf, ls->line.len);
			strbuf_reset(&ls->line);
		}
	}
}

void log_stream_flush(int fd, struct log_stream *ls)
{
	if (ls->line.len)
		log_write(fd, ls->name, ls->line.buf, ls->line.len);
	strbuf_release(&ls->line);
}
