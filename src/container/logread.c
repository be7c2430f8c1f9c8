/* SPDX-License-Identifier: MIT */
/* Reading logs backwards and forwards, plain or gzipped (logread.h). */
#include <fcntl.h>
#include <sys/stat.h>
#include "container/logread.h"
#include "image/archive-dl.h"
#include "util/fs.h"
#include "util/macros.h"

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

/* pread all of @len bytes at @off; 0 or -errno (-EIO when the file is shorter) */
static int pread_all(int fd, void *buf, size_t len, int64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t) off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t) n;
		off += n;
	}
	return 0;
}

/* A window on the file that moves backwards: one block, reloaded so that it ends where asked. */
struct rev {
	int fd;
	unsigned char *buf;
	size_t block;
	int64_t start, len; /* the window holds [start, start + len) */
};

/* the 4 bytes at @off, big-endian; 0 or -errno */
static int rev_be32(struct rev *rv, int64_t off, uint32_t *ret)
{
	int r;

	if (off < 0)
		return -EBADMSG;
	if (off < rv->start || off + 4 > rv->start + rv->len) {
		int64_t end = off + 4;
		rv->start = end > (int64_t) rv->block ? end - (int64_t) rv->block : 0;
		rv->len = end - rv->start;
		r = pread_all(rv->fd, rv->buf, (size_t) rv->len, rv->start);
		if (r < 0) {
			rv->len = 0;
			return r;
		}
	}
	*ret = get_be32(rv->buf + (off - rv->start));
	return 0;
}

static int64_t tail_json(int fd, int64_t end, uint64_t n, unsigned char *buf, size_t block,
			 int64_t *ret_start, int64_t *ret_end)
{
	int64_t pos = end, complete = -1;
	uint64_t count = 0;

	while (pos > 0) {
		size_t len = pos > (int64_t) block ? block : (size_t) pos;
		int64_t off = pos - (int64_t) len;
		int r = pread_all(fd, buf, len, off);

		if (r < 0)
			return r;
		for (size_t i = len; i-- > 0;) {
			if (buf[i] != '\n')
				continue;
			if (complete < 0) {
				/* the last newline ends the last complete record */
				complete = off + (int64_t) i + 1;
				if (n == 0) {
					*ret_start = *ret_end = complete;
					return 0;
				}
				continue;
			}
			/* each newline before it ends a record: the one after it starts here */
			if (++count == n) {
				*ret_start = off + (int64_t) i + 1;
				*ret_end = complete;
				return (int64_t) count;
			}
		}
		pos = off;
	}
	/* the start of the file: the first record, if any line is complete */
	*ret_start = 0;
	*ret_end = complete < 0 ? 0 : complete;
	return (int64_t) (complete > 0 ? count + 1 : 0);
}

static int64_t tail_local(int fd, int64_t end, uint64_t n, unsigned char *buf, size_t block,
			  int64_t *ret_start, int64_t *ret_end)
{
	struct rev rv = {fd, buf, block, 0, 0};
	int64_t pos = end;
	uint64_t count = 0;

	while (pos > 0 && count < n) {
		uint32_t len, head;
		int r;

		if (pos < 2 * LOG_LOCAL_LEN_SIZE)
			return -EBADMSG;
		r = rev_be32(&rv, pos - LOG_LOCAL_LEN_SIZE, &len);
		if (r < 0)
			return r;
		if (len > LOG_RECORD_MAX || pos - 2 * LOG_LOCAL_LEN_SIZE - (int64_t) len < 0)
			return -EBADMSG;
		r = rev_be32(&rv, pos - 2 * LOG_LOCAL_LEN_SIZE - (int64_t) len, &head);
		if (r < 0)
			return r;
		if (head != len)
			return -EBADMSG; /* or a record being written: counted forwards instead */
		pos -= 2 * LOG_LOCAL_LEN_SIZE + (int64_t) len;
		count++;
	}
	*ret_start = pos;
	*ret_end = end;
	return (int64_t) count;
}

int64_t log_tail_scan(int fd, enum log_format format, int64_t end, uint64_t n, size_t block,
		      int64_t *ret_start, int64_t *ret_end)
{
	_cleanup_free_ unsigned char *buf = NULL;

	if (block == 0)
		block = LOG_TAIL_BLOCK;
	if (format == LOG_FORMAT_LOCAL && block < LOG_LOCAL_LEN_SIZE)
		block = LOG_LOCAL_LEN_SIZE; /* the window holds a length whole */
	buf = xmalloc(block);
	if (format == LOG_FORMAT_LOCAL)
		return tail_local(fd, end, n, buf, block, ret_start, ret_end);
	return tail_json(fd, end, n, buf, block, ret_start, ret_end);
}

int log_reader_open(struct log_reader *lr, enum log_format format, int fd, bool gz, int64_t start,
		    int64_t limit, struct hull_err **err)
{
	struct archive_entry *ent;
	int r;

	*lr = (struct log_reader){.format = format, .fd = fd, .pos = start, .limit = limit};
	strbuf_init(&lr->text);
	strbuf_init(&lr->attrs);
	lr->cap = 65536;
	lr->buf = xmalloc(lr->cap);
	if (!gz)
		return 0;
	lr->pos = 0;
	lr->limit = -1;
	/* libarchive reads on from the fd's offset: from the start, also a second time */
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_set(err, errno, "read a compressed log");
	r = archive_dl_load(err);
	if (r < 0)
		return r;
	lr->gz = sym_archive_read_new();
	if (!lr->gz)
		return err_setx(err, ENOMEM, "read a compressed log");
	if (sym_archive_read_support_filter_gzip(lr->gz) != ARCHIVE_OK ||
	    sym_archive_read_support_format_raw(lr->gz) != ARCHIVE_OK ||
	    sym_archive_read_open_fd(lr->gz, fd, 65536) != ARCHIVE_OK ||
	    sym_archive_read_next_header(lr->gz, &ent) != ARCHIVE_OK)
		return err_setx(err, EBADMSG, "read a compressed log: %s",
				sym_archive_error_string(lr->gz) ?: "not gzip");
	return 0;
}

void log_reader_restart(struct log_reader *lr)
{
	lr->off = lr->len = 0;
	lr->pos = 0;
	lr->skip = false;
}

void log_reader_release(struct log_reader *lr)
{
	if (lr->gz)
		sym_archive_read_free(lr->gz);
	lr->gz = NULL;
	free(lr->buf);
	lr->buf = NULL;
	json_decref(lr->j);
	lr->j = NULL;
	strbuf_release(&lr->text);
	strbuf_release(&lr->attrs);
}

/* drop @n bytes from the front of the buffer */
static void consume(struct log_reader *lr, size_t n)
{
	lr->off += n;
	lr->len -= n;
	lr->pos += (int64_t) n;
	if (!lr->len)
		lr->off = 0;
}

/* Read more bytes after the buffered ones: how many (0: none now), or -errno. */
static ssize_t fill(struct log_reader *lr, struct hull_err **err)
{
	size_t room;
	ssize_t n;

	if (lr->off && (lr->off + lr->len == lr->cap || lr->off > lr->cap / 2)) {
		memmove(lr->buf, lr->buf + lr->off, lr->len);
		lr->off = 0;
	}
	if (lr->off + lr->len == lr->cap) {
		/* a record longer than the buffer: up to LOG_RECORD_MAX and its framing */
		if (lr->cap >= LOG_RECORD_MAX + 64)
			return 0;
		lr->cap = lr->cap * 2 > LOG_RECORD_MAX + 64 ? LOG_RECORD_MAX + 64 : lr->cap * 2;
		lr->buf = xrealloc(lr->buf, lr->cap);
	}
	room = lr->cap - lr->off - lr->len;
	if (lr->gz) {
		if (lr->eof)
			return 0;
		n = sym_archive_read_data(lr->gz, lr->buf + lr->off + lr->len, room);
		if (n < 0)
			return err_setx(err, EBADMSG, "read a compressed log: %s",
					sym_archive_error_string(lr->gz) ?: "bad data");
		if (n == 0)
			lr->eof = true;
	} else {
		int64_t at = lr->pos + (int64_t) lr->len;
		if (lr->limit >= 0 && (int64_t) room > lr->limit - at)
			room = lr->limit > at ? (size_t) (lr->limit - at) : 0;
		if (!room)
			return 0;
		do
			n = pread(lr->fd, lr->buf + lr->off + lr->len, room, (off_t) at);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return err_set(err, errno, "read log");
	}
	lr->len += (size_t) n;
	return n;
}

/* days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil) */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int64_t *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* RFC 3339 with up to nine fraction digits and Z or ±hh:mm, to ns since the epoch; 0 if bad */
static int64_t time_parse_ns(const char *s)
{
	int64_t y, mo, d, h, mi, sec, ns = 0, oh, om;
	int k = 0;

	if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return 0;
	s += 19;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, k++)
			if (k < 9)
				ns = ns * 10 + (*s - '0');
		for (; k < 9; k++)
			ns *= 10;
	}
	sec += ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60;
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if ((*s == '+' || *s == '-') && digits(s + 1, 2, &oh) && s[3] == ':' &&
		   digits(s + 4, 2, &om)) {
		sec -= (*s == '+' ? 1 : -1) * (oh * 3600 + om * 60);
		s += 6;
	} else {
		return 0;
	}
	/* int64 nanoseconds end in 2262, as Go's UnixNano: later is no time of a log of ours */
	if (*s || sec < 0 || sec >= INT64_MAX / 1000000000)
		return 0;
	return sec * 1000000000 + ns;
}

/* url.QueryEscape, as docker's attrsByteSlice escapes the --details attributes */
static void add_query_escaped(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char) s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			(void) strbuf_addch(sb, (char) c);
		} else if (c == ' ') {
			(void) strbuf_addch(sb, '+');
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			(void) strbuf_add(sb, e, sizeof(e));
		}
	}
}

struct attr {
	const char *k, *v;
	size_t kl, vl;
};

static int attr_cmp(const void *a, const void *b)
{
	const struct attr *x = a, *y = b;
	int c = memcmp(x->k, y->k, x->kl < y->kl ? x->kl : y->kl);

	return c ? c : (x->kl > y->kl) - (x->kl < y->kl);
}

/* "k=v,k=v", sorted by key, as `docker logs --details` prints them */
static void attrs_format(struct strbuf *sb, struct attr *a, size_t n)
{
	strbuf_reset(sb);
	if (n)
		qsort(a, n, sizeof(*a), attr_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			(void) strbuf_addch(sb, ',');
		add_query_escaped(sb, a[i].k, a[i].kl);
		(void) strbuf_addch(sb, '=');
		add_query_escaped(sb, a[i].v, a[i].vl);
	}
	(void) strbuf_adds(sb, ""); /* a NUL even when empty */
}

/* the 4 hex digits at @p as a number, or -1 */
static long hex4(const char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int h = unhexchar((unsigned char) p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

static void add_utf8(struct strbuf *sb, unsigned long cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char) cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (char) (0xc0 | cp >> 6), b[1] = (char) (0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char) (0xe0 | cp >> 12), b[1] = (char) (0x80 | (cp >> 6 & 0x3f));
		b[2] = (char) (0x80 | (cp & 0x3f)), n = 3;
	} else {
		b[0] = (char) (0xf0 | cp >> 18), b[1] = (char) (0x80 | (cp >> 12 & 0x3f));
		b[2] = (char) (0x80 | (cp >> 6 & 0x3f)), b[3] = (char) (0x80 | (cp & 0x3f)), n = 4;
	}
	(void) strbuf_add(sb, b, n);
}

/*
 * The JSON string whose opening quote is just before *@pp (< @end), its
 * escapes decoded, appended to @out; *@pp then follows the closing quote.
 * false for anything unusual (a control character, a lone surrogate): the
 * caller leaves the record to jansson.
 */
static bool json_string_fast(const char **pp, const char *end, struct strbuf *out)
{
	static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";
	const char *p = *pp;

	while (p < end) {
		const char *q = p, *e;
		long cp, lo;

		while (q < end && *q != '"' && *q != '\\' && (unsigned char) *q >= 0x20)
			q++;
		(void) strbuf_add(out, p, (size_t) (q - p));
		if (q >= end || (unsigned char) *q < 0x20 || end - q < 2)
			return false;
		if (*q == '"') {
			*pp = q + 1;
			return true;
		}
		if (q[1] != 'u') {
			e = memchr(esc_in, q[1], sizeof(esc_in) - 1);
			if (!e)
				return false;
			(void) strbuf_addch(out, esc_out[e - esc_in]);
			p = q + 2;
			continue;
		}
		if (end - q < 6 || (cp = hex4(q + 2)) < 0)
			return false;
		p = q + 6;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
			    (lo = hex4(p + 2)) < 0xdc00 || lo > 0xdfff)
				return false;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			p += 6;
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			return false;
		}
		add_utf8(out, (unsigned long) cp);
	}
	return false;
}

/* @s at *@pp, which then follows it */
static bool expect(const char **pp, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t) (end - *pp) < n || memcmp(*pp, s, n) != 0)
		return false;
	*pp += n;
	return true;
}

/*
 * A json-file record as docker's and hull's writers make it, without
 * attributes ({"log":...,"stream":...,"time":...}), decoded without jansson,
 * which is most of the time `logs` spends on a large log; false for any
 * other shape, for jansson to decode.
 */
static bool json_record_fast(struct log_reader *lr, const char *p, size_t len, struct log_entry *e)
{
	const char *end = p + len;
	char t[64];
	size_t stream_at;

	strbuf_reset(&lr->text);
	if (!expect(&p, end, "{\"log\":\"") || !json_string_fast(&p, end, &lr->text))
		return false;
	stream_at = lr->text.len;
	if (!expect(&p, end, ",\"stream\":\"") || !json_string_fast(&p, end, &lr->text))
		return false;
	(void) strbuf_addch(&lr->text, '\0');
	if (!expect(&p, end, ",\"time\":\"") || end - p < 2 || end - p > (ptrdiff_t) sizeof(t) ||
	    end[-2] != '"' || end[-1] != '}' || memchr(p, '\\', (size_t) (end - p - 2)) ||
	    memchr(p, '"', (size_t) (end - p - 2)))
		return false;
	memcpy(t, p, (size_t) (end - p - 2));
	t[end - p - 2] = '\0';
	e->line = lr->text.buf;
	e->len = stream_at;
	e->stream = lr->text.buf + stream_at;
	e->time_ns = time_parse_ns(t);
	log_time_rfc3339(&(struct timespec){e->time_ns / 1000000000, e->time_ns % 1000000000},
			 lr->time);
	e->time = lr->time;
	attrs_format(&lr->attrs, NULL, 0);
	e->attrs = lr->attrs.buf;
	return true;
}

static int next_json(struct log_reader *lr, struct log_entry *e, struct hull_err **err)
{
	for (;;) {
		const char *p = lr->buf + lr->off, *nl = memchr(p, '\n', lr->len);
		json_t *attrs;
		ssize_t k;

		if (lr->skip) {
			consume(lr, nl ? (size_t) (nl - p) + 1 : lr->len);
			lr->skip = !nl;
			if (nl)
				continue;
		} else if (nl) {
			size_t ll = (size_t) (nl - p);
			const char *log, *stream, *t;
			json_t *j;
			if (json_record_fast(lr, p, ll, e)) {
				consume(lr, ll + 1);
				return 1;
			}
			j = json_loadb(p, ll, JSON_ALLOW_NUL, NULL);
			consume(lr, ll + 1);
			if (!j)
				continue;
			log = json_string_value(json_object_get(j, "log"));
			stream = json_string_value(json_object_get(j, "stream"));
			t = json_string_value(json_object_get(j, "time"));
			if (!log) {
				json_decref(j);
				continue;
			}
			json_decref(lr->j);
			lr->j = j;
			e->stream = stream ? stream : "";
			e->line = log;
			e->len = json_string_length(json_object_get(j, "log"));
			e->time_ns = time_parse_ns(t);
			log_time_rfc3339(&(struct timespec){e->time_ns / 1000000000,
							    e->time_ns % 1000000000},
					 lr->time);
			e->time = lr->time;
			attrs = json_object_get(j, "attrs");
			if (json_object_size(attrs)) {
				_cleanup_free_ struct attr *a =
					xmalloc(json_object_size(attrs) * sizeof(*a));
				const char *key;
				json_t *v;
				size_t n = 0;
				json_object_foreach (attrs, key, v) {
					if (!json_is_string(v))
						continue;
					a[n++] = (struct attr){key, json_string_value(v),
							       strlen(key), json_string_length(v)};
				}
				attrs_format(&lr->attrs, a, n);
			} else {
				attrs_format(&lr->attrs, NULL, 0);
			}
			e->attrs = lr->attrs.buf;
			return 1;
		} else if (lr->len >= LOG_RECORD_MAX) {
			lr->skip = true; /* too long to be a record of ours: drop it */
			continue;
		}
		k = fill(lr, err);
		if (k <= 0)
			return (int) k;
	}
}

/* a protobuf varint at *@p (< @end); false when malformed */
static bool get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char b = *(*p)++;
		*v |= (uint64_t) (b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* the next field of a protobuf message: number, wire type, and its varint or its bytes */
static bool get_field(const unsigned char **p, const unsigned char *end, uint64_t *field,
		      uint64_t *v, const unsigned char **bytes)
{
	uint64_t key;

	if (!get_varint(p, end, &key))
		return false;
	*field = key >> 3;
	*v = 0;
	switch (key & 7) {
	case 0:
		return get_varint(p, end, v);
	case 1:
		if (end - *p < 8)
			return false;
		*p += 8;
		return true;
	case 5:
		if (end - *p < 4)
			return false;
		*p += 4;
		return true;
	case 2:
		if (!get_varint(p, end, v) || *v > (uint64_t) (end - *p))
			return false;
		*bytes = *p;
		*p += *v;
		return true;
	default:
		return false;
	}
}

int log_local_decode(const unsigned char *msg, size_t len, struct log_local_entry *ret,
		     struct strbuf *attrs)
{
	const unsigned char *p = msg, *end = msg + len, *b = NULL;
	struct log_local_entry e = {.source = "", .line = ""};
	_cleanup_free_ struct attr *a = NULL;
	size_t na = 0;
	uint64_t f, v;

	while (p < end) {
		if (!get_field(&p, end, &f, &v, &b))
			return -EBADMSG;
		if (f == 1 && b) {
			e.source = (const char *) b;
			e.source_len = (size_t) v;
		} else if (f == 2 && !b) {
			e.time_ns = (int64_t) v;
		} else if (f == 3 && b) {
			e.line = (const char *) b;
			e.line_len = (size_t) v;
		} else if (f == 4 && !b) {
			e.partial = v != 0;
		} else if ((f == 5 || f == 6) && b) {
			/* 5 PartialLogEntryMetadata {1 last, 2 id, 3 ordinal}; 6 LogAttr {1 key, 2
			 * value} */
			const unsigned char *q = b, *qe = b + v, *qb = NULL;
			struct attr at = {"", "", 0, 0};
			uint64_t g, w;
			while (q < qe) {
				if (!get_field(&q, qe, &g, &w, &qb))
					return -EBADMSG;
				if (f == 5 && g == 1 && !qb)
					e.last = w != 0;
				else if (f == 6 && g == 1 && qb)
					at.k = (const char *) qb, at.kl = (size_t) w;
				else if (f == 6 && g == 2 && qb)
					at.v = (const char *) qb, at.vl = (size_t) w;
				qb = NULL;
			}
			if (f == 6) {
				a = xrealloc(a, (na + 1) * sizeof(*a));
				a[na++] = at;
			}
		}
		b = NULL;
	}
	if (attrs)
		attrs_format(attrs, a, na);
	*ret = e;
	return 0;
}

static int next_local(struct log_reader *lr, struct log_entry *e, struct hull_err **err)
{
	for (;;) {
		const unsigned char *p = (const unsigned char *) lr->buf + lr->off;
		uint32_t len = lr->len >= LOG_LOCAL_LEN_SIZE ? get_be32(p) : 0;
		size_t need = 2 * LOG_LOCAL_LEN_SIZE + len;
		struct log_local_entry le;
		ssize_t k;

		if (len > LOG_RECORD_MAX)
			return err_setx(err, EBADMSG, "log message is too large (%u > %d)", len,
					LOG_RECORD_MAX);
		if (lr->len >= LOG_LOCAL_LEN_SIZE && lr->len >= need) {
			if (get_be32(p + LOG_LOCAL_LEN_SIZE + len) != len ||
			    log_local_decode(p + LOG_LOCAL_LEN_SIZE, len, &le, &lr->attrs) < 0)
				return err_setx(err, EBADMSG,
						"error unmarshalling log entry (size=%u)", len);
			strbuf_reset(&lr->text);
			(void) strbuf_add(&lr->text, le.source, le.source_len);
			(void) strbuf_addch(&lr->text, '\0');
			(void) strbuf_add(&lr->text, le.line, le.line_len);
			/* docker's reader: the newline the writer stripped, except inside a line */
			if (!le.partial || le.last)
				(void) strbuf_addch(&lr->text, '\n');
			e->stream = lr->text.buf;
			e->line = lr->text.buf + le.source_len + 1;
			e->len = lr->text.len - le.source_len - 1;
			e->time_ns = le.time_ns > 0 ? le.time_ns : 0;
			log_time_rfc3339(&(struct timespec){e->time_ns / 1000000000,
							    e->time_ns % 1000000000},
					 lr->time);
			e->time = lr->time;
			e->attrs = lr->attrs.buf;
			consume(lr, need);
			return 1;
		}
		k = fill(lr, err);
		if (k <= 0)
			return (int) k;
	}
}

int log_reader_next(struct log_reader *lr, struct log_entry *e, struct hull_err **err)
{
	return lr->format == LOG_FORMAT_LOCAL ? next_local(lr, e, err) : next_json(lr, e, err);
}

int log_compress_file(const char *path, struct hull_err **err)
{
	_cleanup_free_ char *gz = xasprintf("%s.gz", path), *tmp = xasprintf("%s.gz.tmp", path);
	_cleanup_close_ int in = -1, out = -1;
	struct archive *a = NULL;
	struct archive_entry *ent = NULL;
	char buf[65536];
	struct stat st;
	ssize_t n;
	int r;

	r = archive_dl_load(err);
	if (r < 0)
		return r;
	in = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0 || fstat(in, &st) < 0)
		return err_set(err, errno, "open '%s'", path);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (out < 0)
		return err_set(err, errno, "create '%s'", tmp);
	a = sym_archive_write_new();
	ent = sym_archive_entry_new();
	if (!a || !ent) {
		r = err_setx(err, ENOMEM, "compress '%s'", path);
		goto out;
	}
	sym_archive_entry_set_pathname(ent, path);
	sym_archive_entry_set_filetype(ent, AE_IFREG);
	sym_archive_entry_set_perm(ent, 0640);
	sym_archive_entry_set_size(ent, st.st_size);
	if (sym_archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    sym_archive_write_set_format_raw(a) != ARCHIVE_OK ||
	    sym_archive_write_open_fd(a, out) != ARCHIVE_OK ||
	    sym_archive_write_header(a, ent) != ARCHIVE_OK) {
		r = err_setx(err, EIO, "compress '%s': %s", path, sym_archive_error_string(a));
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_set(err, errno, "read '%s'", path);
			goto out;
		}
		if (sym_archive_write_data(a, buf, (size_t) n) != n) {
			r = err_setx(err, EIO, "compress '%s': %s", path,
				     sym_archive_error_string(a));
			goto out;
		}
	}
	if (sym_archive_write_close(a) != ARCHIVE_OK) {
		r = err_setx(err, EIO, "compress '%s': %s", path, sym_archive_error_string(a));
		goto out;
	}
	/* readers take PATH while it exists, so PATH.gz appears whole, then PATH goes */
	if (rename(tmp, gz) < 0) {
		r = err_set(err, errno, "rename '%s'", tmp);
		goto out;
	}
	(void) unlink(path);
	r = 0;
out:
	if (r < 0)
		(void) unlink(tmp);
	if (ent)
		sym_archive_entry_free(ent);
	if (a)
		sym_archive_write_free(a);
	return r;
}
