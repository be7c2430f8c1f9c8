/* SPDX-License-Identifier: MIT */
/*
 * Tar skeletons of pulled layers: what of a layer tar is not in the files
 * it makes (headers, PAX and GNU long-name records, padding, the end
 * blocks, whatever trails them), so that the exact tar, and so its diffID,
 * can be made again from the layer directory. docker keeps the same
 * (vbatts/tar-split, layers/<chain>/tar-split.json.gz) for `docker save`
 * and push of pulled layers, whose tars came from other writers than its
 * own.
 *
 * The file, layers/<chain hex>/tar-split:
 *   "hull-tar-split 1\n", then records:
 *     'R' varint N, N bytes      bytes of the tar as they were
 *     'Z' varint N               N zero bytes
 *     'F' varint L, L bytes of path, varint N
 *                                N bytes: the contents of the file at path
 *                                (as the tar named it) in the layer directory
 *     'E'                        the end
 * (varint: 7 bits a byte, low first, high bit = more.) Headers are mostly
 * zeros, so a skeleton takes about 150 bytes a file.
 *
 * The writer parses the stream the way a tar reader does: 512-byte blocks,
 * sizes in octal or base-256, PAX 'x' records (path, size) and GNU 'L'
 * names for the next entry, ustar's prefix field. It gives up (no skeleton:
 * the layer's tar cannot be made again, as before) on what it does not
 * model: sparse files, a header that fails its checksum before the end
 * blocks, metadata records over 1 MiB.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include "image/store-internal.h"
#include "util/fs.h"
#include "util/inroot.h"
#include "util/strbuf.h"

#define MAGIC	   "hull-tar-split 1\n"
#define OUT_BUF	   (64u << 10)
#define META_MAX   (1u << 20)
#define ZERO_RUN   16
#define BLOCK	   512
#define MAX_RECORD ((uint64_t) 1 << 62)

enum data_kind { DATA_NONE, DATA_FILE, DATA_RAW, DATA_META };

struct tar_split {
	int fd; /* borrowed */
	bool bad, trailer;
	char *out;
	size_t out_len;
	/* the current entry's data */
	enum data_kind kind;
	uint64_t data_left, pad_left;
	/* metadata for the next entry */
	char meta_type;
	struct strbuf meta;
	char *pax_path, *gnu_name;
	uint64_t pax_size;
	bool has_pax_size;
	/* a header split across two feeds (only the stream's last, short piece does that) */
	char partial[BLOCK];
	size_t partial_len;
};

struct tar_split *tar_split_new(int fd)
{
	struct tar_split *t = xcalloc(1, sizeof(*t));

	t->fd = fd;
	t->out = xmalloc(OUT_BUF);
	memcpy(t->out, MAGIC, strlen(MAGIC));
	t->out_len = strlen(MAGIC);
	return t;
}

struct tar_split *tar_split_free(struct tar_split *t)
{
	if (!t)
		return NULL;
	free(t->out);
	strbuf_release(&t->meta);
	free(t->pax_path);
	free(t->gnu_name);
	free(t);
	return NULL;
}

static void out_flush(struct tar_split *t)
{
	if (t->bad || !t->out_len)
		return;
	if (write_all(t->fd, t->out, t->out_len) < 0)
		t->bad = true;
	t->out_len = 0;
}

static void out_put(struct tar_split *t, const void *p, size_t n)
{
	if (t->bad)
		return;
	if (t->out_len + n > OUT_BUF)
		out_flush(t);
	if (n > OUT_BUF) {
		if (write_all(t->fd, p, n) < 0)
			t->bad = true;
		return;
	}
	memcpy(t->out + t->out_len, p, n);
	t->out_len += n;
}

static void out_varint(struct tar_split *t, uint64_t v)
{
	unsigned char b[10];
	size_t n = 0;

	do {
		b[n] = v & 0x7f;
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	out_put(t, b, n);
}

/* Bytes as they are: runs of at least ZERO_RUN zeros as 'Z', the rest as 'R'. */
static void emit_raw(struct tar_split *t, const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i, z = 0;

		/* j: the start of the next long run of zeros (or n) */
		while (j < n) {
			if (p[j]) {
				j++;
				continue;
			}
			for (z = 0; j + z < n && p[j + z] == 0; z++)
				;
			if (z >= ZERO_RUN)
				break;
			j += z;
			z = 0;
		}
		if (j > i) {
			out_put(t, "R", 1);
			out_varint(t, j - i);
			out_put(t, p + i, j - i);
		}
		if (z) {
			out_put(t, "Z", 1);
			out_varint(t, z);
		}
		i = j + z;
	}
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* A numeric header field: octal (spaces and NULs around it), or base-256 with the high bit. */
static bool parse_num(const unsigned char *f, size_t n, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] & 0x40)
			return false; /* negative */
		v = f[0] & 0x3f;
		for (i = 1; i < n; i++) {
			if (v >> 55)
				return false;
			v = v << 8 | f[i];
		}
		*ret = v;
		return true;
	}
	while (i < n && (f[i] == ' ' || f[i] == 0))
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return false;
		v = v * 8 + (uint64_t) (f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != 0)
			return false;
	*ret = v;
	return true;
}

static bool checksum_ok(const unsigned char *h)
{
	uint64_t want;
	unsigned long sum = 0;

	if (!parse_num(h + 148, 8, &want))
		return false;
	for (size_t i = 0; i < BLOCK; i++)
		sum += i >= 148 && i < 156 ? ' ' : h[i];
	return sum == want;
}

/* PAX records "LEN key=value\n": path and size apply to the next entry; sparse files are not
 * modelled. */
static void parse_pax(struct tar_split *t)
{
	const char *p = t->meta.buf ?: "", *end = p + t->meta.len;

	while (p < end) {
		const char *sp, *eq, *rec_end;
		uint64_t len = 0;

		for (sp = p; sp < end && *sp >= '0' && *sp <= '9'; sp++)
			len = len * 10 + (uint64_t) (*sp - '0');
		if (sp == p || sp >= end || *sp != ' ' || len > (uint64_t) (end - p) || len == 0) {
			t->bad = true;
			return;
		}
		rec_end = p + len;
		eq = memchr(sp + 1, '=', (size_t) (rec_end - sp - 1));
		if (!eq || rec_end[-1] != '\n') {
			t->bad = true;
			return;
		}
		{
			_cleanup_free_ char *key = xstrndup(sp + 1, (size_t) (eq - sp - 1));
			_cleanup_free_ char *val = xstrndup(eq + 1, (size_t) (rec_end - eq - 2));
			if (streq(key, "path")) {
				free(t->pax_path);
				t->pax_path = TAKE_PTR(val);
			} else if (streq(key, "size")) {
				char *e;
				errno = 0;
				t->pax_size = strtoull(val, &e, 10);
				t->has_pax_size = !*e && !errno;
				if (!t->has_pax_size)
					t->bad = true;
			} else if (startswith(key, "GNU.sparse.")) {
				t->bad = true;
			}
		}
		p = rec_end;
	}
}

static void meta_done(struct tar_split *t)
{
	if (t->meta_type == 'x') {
		parse_pax(t);
	} else if (t->meta_type == 'L') {
		free(t->gnu_name);
		t->gnu_name = xstrndup(t->meta.buf ?: "", t->meta.len);
	}
	strbuf_release(&t->meta);
	t->meta_type = 0;
}

static void header(struct tar_split *t, const unsigned char *h)
{
	char type = (char) h[156];
	uint64_t size;
	bool ustar = !memcmp(h + 257, "ustar\0", 6);

	if (all_zero(h, BLOCK) || !checksum_ok(h)) {
		/* the end blocks, and what may follow them: bytes as they are */
		t->trailer = true;
		emit_raw(t, h, BLOCK);
		return;
	}
	emit_raw(t, h, BLOCK);
	if (!parse_num(h + 124, 12, &size)) {
		t->bad = true;
		return;
	}
	if (type == 'x' || type == 'L') {
		if (size > META_MAX) {
			t->bad = true;
			return;
		}
		t->kind = DATA_META;
		t->meta_type = type;
		strbuf_init_max(&t->meta, META_MAX);
	} else if (type == 'S' || type == 'g' || type == 'K' ||
		   !(type == '0' || type == '\0' || type == '7')) {
		if (type == 'S')
			t->bad = true;
		t->kind = DATA_RAW;
		if (type != 'g' && type != 'K') {
			/* the metadata applied to this entry */
			t->pax_path = (free(t->pax_path), NULL);
			t->gnu_name = (free(t->gnu_name), NULL);
			if (t->has_pax_size)
				size = t->pax_size;
			t->has_pax_size = false;
		}
	} else {
		_cleanup_free_ char *path = NULL;
		if (t->has_pax_size)
			size = t->pax_size;
		if (t->pax_path)
			path = TAKE_PTR(t->pax_path);
		else if (t->gnu_name)
			path = TAKE_PTR(t->gnu_name);
		else if (ustar && h[345])
			path = xasprintf("%.155s/%.100s", (const char *) h + 345, (const char *) h);
		else
			path = xstrndup((const char *) h, strnlen((const char *) h, 100));
		t->pax_path = (free(t->pax_path), NULL);
		t->gnu_name = (free(t->gnu_name), NULL);
		t->has_pax_size = false;
		t->kind = DATA_FILE;
		if (size > 0) {
			out_put(t, "F", 1);
			out_varint(t, strlen(path));
			out_put(t, path, strlen(path));
			out_varint(t, size);
		}
	}
	if (size > MAX_RECORD) {
		t->bad = true;
		return;
	}
	t->data_left = size;
	t->pad_left = (BLOCK - size % BLOCK) % BLOCK;
	if (t->kind == DATA_META && size == 0)
		meta_done(t);
}

void tar_split_feed(struct tar_split *t, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0 && !t->bad) {
		size_t n;

		if (t->trailer) {
			emit_raw(t, p, len);
			return;
		}
		if (t->data_left > 0) {
			n = t->data_left < len ? (size_t) t->data_left : len;
			if (t->kind == DATA_RAW || t->kind == DATA_META)
				emit_raw(t, p, n);
			if (t->kind == DATA_META && strbuf_add(&t->meta, p, n) < 0)
				t->bad = true;
			t->data_left -= n;
			if (t->data_left == 0 && t->kind == DATA_META)
				meta_done(t);
		} else if (t->pad_left > 0) {
			n = t->pad_left < len ? (size_t) t->pad_left : len;
			emit_raw(t, p, n);
			t->pad_left -= n;
		} else if (t->partial_len || len < BLOCK) {
			n = BLOCK - t->partial_len < len ? BLOCK - t->partial_len : len;
			memcpy(t->partial + t->partial_len, p, n);
			t->partial_len += n;
			if (t->partial_len == BLOCK) {
				t->partial_len = 0;
				header(t, (const unsigned char *) t->partial);
			}
		} else {
			n = BLOCK;
			header(t, p);
		}
		p += n;
		len -= n;
	}
}

int tar_split_finish(struct tar_split *t)
{
	if (t->partial_len)
		emit_raw(t, (const unsigned char *) t->partial, t->partial_len);
	/* a stream cut inside an entry is not a tar the layer came from */
	if (t->data_left || t->pad_left || t->meta_type)
		t->bad = true;
	out_put(t, "E", 1);
	out_flush(t);
	return t->bad ? -EBADMSG : 0;
}

/* ---- making the tar again ---- */

struct reader {
	int fd;
	char *buf;
	size_t len, off;
	bool eof;
};

static int rd_byte(struct reader *r)
{
	if (r->off == r->len) {
		ssize_t n;
		if (r->eof)
			return -1;
		do
			n = read(r->fd, r->buf, OUT_BUF);
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			r->eof = true;
			return -1;
		}
		r->len = (size_t) n;
		r->off = 0;
	}
	return (unsigned char) r->buf[r->off++];
}

/* Up to @n bytes from the buffer (refilled if empty): a pointer into it, their count in *@ret_n. */
static const char *rd_some(struct reader *r, uint64_t n, size_t *ret_n)
{
	int c;

	if (r->off == r->len) {
		c = rd_byte(r);
		if (c < 0)
			return NULL;
		r->off--; /* put it back */
	}
	*ret_n = r->len - r->off < n ? r->len - r->off : (size_t) n;
	r->off += *ret_n;
	return r->buf + r->off - *ret_n;
}

static bool rd_varint(struct reader *r, uint64_t *ret)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 63; shift += 7) {
		int c = rd_byte(r);
		if (c < 0)
			return false;
		v |= (uint64_t) (c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*ret = v;
			return true;
		}
	}
	return false;
}

struct sink {
	int fd;
	struct sha256_ctx *h;
	uint64_t size;
};

static int sink_put(struct sink *s, const void *p, size_t n)
{
	sha256_update(s->h, p, n);
	s->size += n;
	return write_all(s->fd, p, n);
}

/*
 * The regular file @path of the layer directory, opened for reading; -EBADMSG
 * when it is anything else. A later entry of the tar may have put a device
 * node or a FIFO where a file was: it is never opened (opening a host device
 * can have effects of its own, reading it would take the host's data).
 */
static int open_regular(int dir_fd, const char *path, int *ret_fd)
{
	_cleanup_close_ int pfd = -1;
	char proc[64];
	struct stat st;
	int fd;

	pfd = inroot_open(dir_fd, path, O_PATH | O_NOFOLLOW, INROOT_NO_XDEV);
	if (pfd < 0)
		return pfd;
	if (fstat(pfd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADMSG;
	/* the same inode, now opened for reading */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int tar_split_replay(int split_fd, int dir_fd, int out_fd, char ret_digest[DIGEST_STR_LEN],
		     uint64_t *ret_size, struct hull_err **err)
{
	_cleanup_free_ char *rbuf = xmalloc(OUT_BUF), *copy = xmalloc(OUT_BUF);
	struct reader rd = {.fd = split_fd, .buf = rbuf};
	struct sink out = {.fd = out_fd, .h = sha256_new()};
	char magic[sizeof(MAGIC) - 1];
	int r = 0;

	for (size_t i = 0; i < sizeof(magic); i++) {
		int c = rd_byte(&rd);
		if (c < 0) {
			r = err_setx(err, EBADMSG, "tar skeleton: truncated");
			goto out;
		}
		magic[i] = (char) c;
	}
	if (memcmp(magic, MAGIC, sizeof(magic)) != 0) {
		r = err_setx(err, EBADMSG, "tar skeleton: not one");
		goto out;
	}
	for (;;) {
		int type = rd_byte(&rd);
		uint64_t n, plen;

		if (type == 'E')
			break;
		if (type < 0 || !rd_varint(&rd, &n) || n > MAX_RECORD) {
			r = err_setx(err, EBADMSG, "tar skeleton: truncated or malformed");
			goto out;
		}
		if (type == 'R') {
			while (n > 0 && r == 0) {
				size_t k;
				const char *b = rd_some(&rd, n, &k);
				if (!b) {
					r = err_setx(err, EBADMSG, "tar skeleton: truncated");
					goto out;
				}
				r = sink_put(&out, b, k);
				n -= k;
			}
		} else if (type == 'Z') {
			memset(copy, 0, OUT_BUF);
			while (n > 0 && r == 0) {
				size_t k = n < OUT_BUF ? (size_t) n : OUT_BUF;
				r = sink_put(&out, copy, k);
				n -= k;
			}
		} else if (type == 'F') {
			_cleanup_free_ char *path = NULL, *clean = NULL;
			_cleanup_close_ int fd = -1;

			plen = n;
			if (plen > 65536) {
				r = err_setx(err, EBADMSG, "tar skeleton: path too long");
				goto out;
			}
			path = xmalloc(plen + 1);
			for (uint64_t i = 0; i < plen; i++) {
				int c = rd_byte(&rd);
				if (c < 0) {
					r = err_setx(err, EBADMSG, "tar skeleton: truncated");
					goto out;
				}
				path[i] = (char) c;
			}
			path[plen] = '\0';
			if (!rd_varint(&rd, &n) || inroot_clean(path, true, &clean) < 0) {
				r = err_setx(err, EBADMSG, "tar skeleton: bad file record '%s'",
					     path);
				goto out;
			}
			r = open_regular(dir_fd, clean, &fd);
			if (r < 0) {
				r = r == -EBADMSG
					    ? err_setx(err, EBADMSG,
						       "make layer tar: '%s' is not a "
						       "regular file",
						       clean)
					    : err_set(err, -r, "make layer tar: open '%s'", clean);
				goto out;
			}
			while (n > 0 && r == 0) {
				ssize_t k = read(fd, copy, n < OUT_BUF ? (size_t) n : OUT_BUF);
				if (k < 0 && errno == EINTR)
					continue;
				if (k <= 0) {
					r = k < 0 ? err_set(err, errno, "make layer tar: read '%s'",
							    clean)
						  : err_setx(err, EBADMSG,
							     "make layer tar: '%s' is shorter than "
							     "its tar entry",
							     clean);
					goto out;
				}
				r = sink_put(&out, copy, (size_t) k);
				n -= (uint64_t) k;
			}
		} else {
			r = err_setx(err, EBADMSG, "tar skeleton: unknown record");
			goto out;
		}
		if (r < 0) {
			r = err_set(err, -r, "make layer tar: write");
			goto out;
		}
	}
out:
	sha256_final(out.h, ret_digest);
	if (r == 0)
		*ret_size = out.size;
	return r;
}
