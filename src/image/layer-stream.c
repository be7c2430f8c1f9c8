/* SPDX-License-Identifier: MIT */
/*
 * Streams into the store (store.h "Streams from a registry"): blob writers,
 * and layers imported in one pass.
 *
 * A layer import runs two threads over one stream. The producer (a thread of
 * its own) reads the caller's fd, decompresses it (gzip, zstd; xz and bzip2
 * for store_layer_import_tar()) with libarchive's filters, hashes the tar
 * (the diffID) and hands it over in a ring of N_SLOTS buffers of SLOT_SIZE
 * bytes; the calling thread applies the tar from those buffers (libarchive's
 * tar reader gets pointers into them: no copy between the threads) into a
 * stage directory under tmp/. So a layer costs one decompression, one hash
 * and one write of each file, with ~1.3 MiB of buffers, whatever its size.
 * Only the final renames take the store lock. A failure anywhere cancels
 * the producer, joins it and removes the stage: nothing is left.
 *
 * The slot protocol: the producer fills slot produced % N_SLOTS once
 * produced - released < N_SLOTS; the consumer takes slot consumed % N_SLOTS
 * once consumed < produced, and releases it at its next read (libarchive
 * keeps using a returned buffer until it asks for the next one).
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include "image/archive-dl.h"
#include "image/isal-dl.h"
#include "image/store-internal.h"
#include "util/fs.h"

#define SLOT_SIZE   (256u << 10)
#define N_SLOTS	    4
#define IN_BUF_SIZE (256u << 10)
#define SNIFF_LEN   10
#define BW_BUF_SIZE (256u << 10)

/* ---- blob writers ---- */

struct blob_writer {
	struct store *s;
	char *path; /* tmp/blob-<pid>-XXXXXX */
	int fd;
	struct sha256_ctx *h;
	uint64_t size;
	int werr;  /* errno of a failed write: every later call fails */
	char *buf; /* BW_BUF_SIZE bytes: coalesces the small pieces an HTTP body comes in */
	size_t buf_len;
};

int store_blob_writer_open(struct store *s, struct blob_writer **ret, struct hull_err **err)
{
	struct blob_writer *w;
	int r = store_writer_begin(s, err);

	if (r < 0)
		return r;
	w = xcalloc(1, sizeof(*w));
	w->s = s;
	w->path = xasprintf("%s/tmp/blob-%d-XXXXXX", s->root, (int) getpid());
	w->fd = mkostemp(w->path, O_CLOEXEC);
	if (w->fd < 0 || fchmod(w->fd, 0644) < 0) {
		r = err_set(err, errno, "create blob file '%s'", w->path);
		if (w->fd >= 0) {
			(void) close(w->fd);
			(void) unlink(w->path);
		}
		free(w->path);
		free(w);
		return r;
	}
	w->h = sha256_new();
	w->buf = xmalloc(BW_BUF_SIZE);
	*ret = w;
	return 0;
}

int store_blob_writer_open_hashed(struct store *s, struct blob_writer **ret, struct hull_err **err)
{
	int r = store_blob_writer_open(s, ret, err);
	char unused[DIGEST_STR_LEN];

	if (r < 0)
		return r;
	sha256_final((*ret)->h, unused);
	(*ret)->h = NULL; /* the caller's hash is the check */
	return 0;
}

static int bw_flush(struct blob_writer *w)
{
	int r;

	if (w->buf_len == 0)
		return 0;
	r = write_all(w->fd, w->buf, w->buf_len);
	w->buf_len = 0;
	if (r < 0)
		w->werr = -r;
	return r;
}

int store_blob_writer_write(struct blob_writer *w, const void *data, size_t len,
			    struct hull_err **err)
{
	int r;

	if (w->werr)
		return err_set(err, w->werr, "write blob file '%s'", w->path);
	if (w->h)
		sha256_update(w->h, data, len);
	w->size += len;
	if (w->buf_len + len <= BW_BUF_SIZE) {
		memcpy(w->buf + w->buf_len, data, len);
		w->buf_len += len;
		return 0;
	}
	r = bw_flush(w);
	if (r == 0 && len >= BW_BUF_SIZE) {
		r = write_all(w->fd, data, len);
		if (r < 0)
			w->werr = -r;
	} else if (r == 0) {
		memcpy(w->buf, data, len);
		w->buf_len = len;
	}
	return r < 0 ? err_set(err, -r, "write blob file '%s'", w->path) : 0;
}

static void bw_free(struct blob_writer *w, bool remove)
{
	if (w->h) {
		char unused[DIGEST_STR_LEN];
		sha256_final(w->h, unused);
	}
	if (w->fd >= 0)
		(void) close(w->fd);
	if (remove)
		(void) unlink(w->path);
	free(w->buf);
	free(w->path);
	free(w);
}

void store_blob_writer_abort(struct blob_writer *w)
{
	if (w)
		bw_free(w, true);
}

int store_blob_writer_commit(struct blob_writer *w, const char *expected, struct hull_err **err)
{
	char got[DIGEST_STR_LEN];
	int r;

	if (!digest_valid(expected)) {
		r = err_setx(err, EINVAL, "store blob: invalid or unsupported digest '%s'",
			     expected ?: "");
		goto fail;
	}
	if (w->werr || bw_flush(w) < 0) {
		r = err_set(err, w->werr, "write blob '%s'", expected);
		goto fail;
	}
	if (w->h) {
		sha256_final(w->h, got);
		w->h = NULL;
	} else {
		memcpy(got, expected, DIGEST_STR_LEN); /* store_blob_writer_open_hashed() */
	}
	if (!streq(got, expected)) {
		r = err_setx(err, EBADMSG, "digest mismatch: expected '%s', got '%s' (%llu bytes)",
			     expected, got, (unsigned long long) w->size);
		goto fail;
	}
	if (fsync(w->fd) < 0) {
		r = err_set(err, errno, "write blob '%s'", expected);
		goto fail;
	}
	r = store_lock(w->s, err);
	if (r < 0)
		goto fail;
	r = store_blob_adopt(w->s, w->path, expected, err); /* removes the file on failure */
	store_unlock(w->s);
	bw_free(w, r < 0);
	return r;
fail:
	bw_free(w, true);
	return r;
}

/* ---- the decompressing producer ---- */

enum codec { CODEC_NONE, CODEC_GZIP, CODEC_ZSTD, CODEC_XZ, CODEC_BZIP2 };

struct layer_pipe {
	/* set before the thread starts */
	int in_fd;	/* borrowed */
	int tee_fd;	/* -1, or where the tar is written too (store_layer_import_tar keeps it) */
	bool any_codec; /* xz and bzip2 as well as gzip and zstd */
	struct tar_split *split; /* NULL, or the skeleton of the tar (tar-split.c) */
	char *inbuf;		 /* IN_BUF_SIZE: compressed input */
	size_t pre_len;		 /* sniffed bytes at the start of inbuf, not yet given out */
	char *slot[N_SLOTS];
	size_t len[N_SLOTS];

	/* the producer's, read by the consumer after the join */
	struct sha256_ctx *h;
	uint64_t size;
	int r;		       /* 0, or the producer's failure */
	struct hull_err *perr; /* its message */

	/* shared, under mu */
	pthread_mutex_t mu;
	pthread_cond_t data, space;
	uint64_t produced, consumed, released;
	bool eof, failed, cancel;
	pthread_t thread;
	bool started;
};

static bool cancelled(struct layer_pipe *p)
{
	return __atomic_load_n(&p->cancel, __ATOMIC_ACQUIRE);
}

/* read() retrying EINTR; stops early when the consumer gave up. */
static ssize_t in_read_raw(struct layer_pipe *p, void *buf, size_t len)
{
	for (;;) {
		ssize_t n;
		if (cancelled(p)) {
			errno = ECANCELED;
			return -1;
		}
		n = read(p->in_fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		return n;
	}
}

/* libarchive's source of compressed bytes: the sniffed prefix, then the fd. */
static la_ssize_t in_read(struct archive *a, void *data, const void **buf)
{
	struct layer_pipe *p = data;
	ssize_t n;

	(void) a;
	*buf = p->inbuf;
	if (p->pre_len) {
		n = (ssize_t) p->pre_len;
		p->pre_len = 0;
		return n;
	}
	n = in_read_raw(p, p->inbuf, IN_BUF_SIZE);
	if (n < 0 && !p->r)
		p->r = err_set(&p->perr, errno, "read layer stream");
	return n;
}

static enum codec sniff(const unsigned char *b, size_t n)
{
	if (n >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8)
		return CODEC_GZIP;
	if (n >= 4 && !memcmp(b, "\x28\xb5\x2f\xfd", 4))
		return CODEC_ZSTD;
	if (n >= 6 && !memcmp(b,
			      "\xfd"
			      "7zXZ\0",
			      6))
		return CODEC_XZ;
	if (n >= 10 && !memcmp(b, "BZh", 3) && b[3] >= '1' && b[3] <= '9' &&
	    !memcmp(b + 4, "\x31\x41\x59\x26\x53\x59", 6))
		return CODEC_BZIP2;
	return CODEC_NONE;
}

/* Wait for a free slot; its index, or -1 when cancelled. */
static int slot_acquire(struct layer_pipe *p)
{
	int i = -1;

	pthread_mutex_lock(&p->mu);
	while (p->produced - p->released >= N_SLOTS && !p->cancel)
		pthread_cond_wait(&p->space, &p->mu);
	if (!p->cancel)
		i = (int) (p->produced % N_SLOTS);
	pthread_mutex_unlock(&p->mu);
	return i;
}

/* Hash (and tee) the filled slot @i, then hand it to the consumer. */
static int slot_publish(struct layer_pipe *p, int i, size_t len)
{
	if (len == 0)
		return 0;
	sha256_update(p->h, p->slot[i], len);
	p->size += len;
	if (p->split)
		tar_split_feed(p->split, p->slot[i], len);
	if (p->tee_fd >= 0) {
		int r = write_all(p->tee_fd, p->slot[i], len);
		if (r < 0)
			return err_set(&p->perr, -r, "write layer tar");
	}
	pthread_mutex_lock(&p->mu);
	p->len[i] = len;
	p->produced++;
	pthread_cond_signal(&p->data);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

static int produce_plain(struct layer_pipe *p)
{
	for (bool eof = false; !eof;) {
		int i = slot_acquire(p);
		size_t fill = 0;

		if (i < 0)
			return -ECANCELED;
		if (p->pre_len) {
			memcpy(p->slot[i], p->inbuf, p->pre_len);
			fill = p->pre_len;
			p->pre_len = 0;
		}
		while (fill < SLOT_SIZE) {
			ssize_t n = in_read_raw(p, p->slot[i] + fill, SLOT_SIZE - fill);
			if (n < 0)
				return errno == ECANCELED
					       ? -ECANCELED
					       : err_set(&p->perr, errno, "read layer stream");
			if (n == 0) {
				eof = true;
				break;
			}
			fill += (size_t) n;
		}
		int r = slot_publish(p, i, fill);
		if (r < 0)
			return r;
	}
	return 0;
}

static int produce_compressed(struct layer_pipe *p, enum codec c)
{
	static const char *const names[] = {"none", "gzip", "zstd", "xz", "bzip2"};
	struct archive *a = sym_archive_read_new();
	struct archive_entry *e;
	bool eof = false;
	int h, r = 0;

	switch (c) {
	case CODEC_GZIP:
		sym_archive_read_support_filter_gzip(a);
		break;
	case CODEC_ZSTD:
		sym_archive_read_support_filter_zstd(a);
		break;
	case CODEC_XZ:
		sym_archive_read_support_filter_xz(a);
		break;
	default:
		sym_archive_read_support_filter_bzip2(a);
		break;
	}
	sym_archive_read_support_format_raw(a);
	if (sym_archive_read_open(a, p, NULL, in_read, NULL) != ARCHIVE_OK)
		goto bad;
	h = sym_archive_read_next_header(a, &e);
	if (h == ARCHIVE_EOF)
		eof = true;
	else if (h < ARCHIVE_WARN)
		goto bad;
	while (!eof) {
		int i = slot_acquire(p);
		size_t fill = 0;

		if (i < 0) {
			r = -ECANCELED;
			goto out;
		}
		while (fill < SLOT_SIZE) {
			la_ssize_t n =
				sym_archive_read_data(a, p->slot[i] + fill, SLOT_SIZE - fill);
			if (n < 0)
				goto bad;
			if (n == 0) {
				eof = true;
				break;
			}
			fill += (size_t) n;
		}
		r = slot_publish(p, i, fill);
		if (r < 0)
			goto out;
	}
	sym_archive_read_free(a);
	a = NULL;
	/* what follows the compressed data is read too, so the writer never blocks on us */
	for (;;) {
		ssize_t n = in_read_raw(p, p->inbuf, IN_BUF_SIZE);
		if (n == 0)
			break;
		if (n < 0)
			return errno == ECANCELED ? -ECANCELED
						  : err_set(&p->perr, errno, "read layer stream");
	}
	return 0;
bad:
	if (cancelled(p))
		r = -ECANCELED;
	else if (p->r < 0)
		r = p->r; /* a read error, already described */
	else
		r = err_setx(&p->perr, EBADMSG, "decompress layer (%s): %s", names[c],
			     sym_archive_error_string(a) ?: "corrupt data");
out:
	if (a)
		sym_archive_read_free(a);
	return r;
}

/*
 * gzip through ISA-L's igzip (image/isal-dl.h), member after member (a
 * layer may be several gzip members, as pigz and docker's own writer can
 * make). What follows the last member is read and dropped, as by
 * libarchive's gzip filter. Returns 1 when ISA-L is not there (the caller
 * uses libarchive), else 0 or a negative errno.
 */
static int produce_gzip_isal(struct layer_pipe *p)
{
	_cleanup_free_ struct inflate_state *st = NULL;
	bool in_eof = false, done = false;

	if (isal_dl_load(NULL) < 0)
		return 1;
	st = xmalloc(sizeof(*st));
	sym_isal_inflate_init(st);
	st->crc_flag = ISAL_GZIP;
	st->next_in = (uint8_t *) p->inbuf;
	st->avail_in = (uint32_t) p->pre_len;
	p->pre_len = 0;
	while (!done) {
		int i = slot_acquire(p), r;

		if (i < 0)
			return -ECANCELED;
		st->next_out = (uint8_t *) p->slot[i];
		st->avail_out = SLOT_SIZE;
		while (st->avail_out > 0 && !done) {
			if (st->avail_in == 0 && !in_eof) {
				ssize_t n = in_read_raw(p, p->inbuf, IN_BUF_SIZE);
				if (n < 0)
					return errno == ECANCELED ? -ECANCELED
								  : err_set(&p->perr, errno,
									    "read layer stream");
				in_eof = n == 0;
				st->next_in = (uint8_t *) p->inbuf;
				st->avail_in = (uint32_t) n;
			}
			if (st->block_state == ISAL_BLOCK_FINISH) {
				/* a member ended: another follows only if a gzip magic does */
				if (st->avail_in < 2 && !in_eof) {
					/* the magic may go on in the next read: keep its first byte
					 */
					size_t keep = st->avail_in;
					ssize_t n;

					memmove(p->inbuf, st->next_in, keep);
					n = in_read_raw(p, p->inbuf + keep, IN_BUF_SIZE - keep);
					if (n < 0)
						return errno == ECANCELED
							       ? -ECANCELED
							       : err_set(&p->perr, errno,
									 "read layer stream");
					in_eof = n == 0;
					st->next_in = (uint8_t *) p->inbuf;
					st->avail_in = (uint32_t) (keep + (size_t) n);
					continue;
				}
				if (st->avail_in == 0 && in_eof)
					done = true;
				else if (st->avail_in < 2 || st->next_in[0] != 0x1f ||
					 st->next_in[1] != 0x8b)
					done = true; /* trailing bytes: drained below */
				else {
					uint8_t *in = st->next_in;
					uint32_t avail = st->avail_in;
					sym_isal_inflate_reset(st);
					st->crc_flag = ISAL_GZIP;
					st->next_in = in;
					st->avail_in = avail;
				}
				continue;
			}
			r = sym_isal_inflate(st);
			if (r < 0)
				return err_setx(
					&p->perr, EBADMSG,
					"decompress layer (gzip): corrupt data (ISA-L error %d)",
					r);
			if (st->avail_in == 0 && in_eof && st->block_state != ISAL_BLOCK_FINISH &&
			    st->avail_out > 0)
				return err_setx(&p->perr, EBADMSG,
						"decompress layer (gzip): truncated stream");
		}
		r = slot_publish(p, i, SLOT_SIZE - st->avail_out);
		if (r < 0)
			return r;
	}
	/* what follows the compressed data is read too, so the writer never blocks on us */
	while (!in_eof) {
		ssize_t n = in_read_raw(p, p->inbuf, IN_BUF_SIZE);
		if (n < 0)
			return errno == ECANCELED ? -ECANCELED
						  : err_set(&p->perr, errno, "read layer stream");
		in_eof = n == 0;
	}
	return 0;
}

static void *produce_main(void *arg)
{
	struct layer_pipe *p = arg;
	enum codec c;
	int r = 0;

	/* sniff the magic: the first bytes stay in inbuf for whichever path reads on */
	while (p->pre_len < SNIFF_LEN) {
		ssize_t n = in_read_raw(p, p->inbuf + p->pre_len, SNIFF_LEN - p->pre_len);
		if (n < 0) {
			r = errno == ECANCELED ? -ECANCELED
					       : err_set(&p->perr, errno, "read layer stream");
			goto out;
		}
		if (n == 0)
			break;
		p->pre_len += (size_t) n;
	}
	c = sniff((const unsigned char *) p->inbuf, p->pre_len);
	if ((c == CODEC_XZ || c == CODEC_BZIP2) && !p->any_codec) {
		r = err_setx(&p->perr, EBADMSG, "layer stream: %s compression is not supported",
			     c == CODEC_XZ ? "xz" : "bzip2");
		goto out;
	}
	if (c == CODEC_GZIP) {
		r = produce_gzip_isal(p);
		if (r <= 0)
			goto out;
	}
	r = c == CODEC_NONE ? produce_plain(p) : produce_compressed(p, c);
out:
	pthread_mutex_lock(&p->mu);
	if (r < 0) {
		p->r = r;
		p->failed = true;
	} else {
		p->eof = true;
	}
	pthread_cond_broadcast(&p->data);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* ---- the consumer's side ---- */

static ssize_t pipe_read(void *arg, const void **buf)
{
	struct layer_pipe *p = arg;
	ssize_t n;
	int i;

	pthread_mutex_lock(&p->mu);
	if (p->released != p->consumed) {
		p->released = p->consumed; /* the buffer returned last time */
		pthread_cond_signal(&p->space);
	}
	while (p->consumed == p->produced && !p->eof && !p->failed)
		pthread_cond_wait(&p->data, &p->mu);
	if (p->failed) {
		pthread_mutex_unlock(&p->mu);
		return -1;
	}
	if (p->consumed == p->produced) {
		pthread_mutex_unlock(&p->mu);
		return 0;
	}
	i = (int) (p->consumed % N_SLOTS);
	p->consumed++;
	n = (ssize_t) p->len[i];
	pthread_mutex_unlock(&p->mu);
	*buf = p->slot[i];
	return n;
}

/* Read to the end of the stream (hashing all of it): 0, or -1 when the producer failed. */
static int pipe_drain(struct layer_pipe *p)
{
	const void *buf;
	ssize_t n;

	while ((n = pipe_read(p, &buf)) > 0)
		;
	return n < 0 ? -1 : 0;
}

static int pipe_start(struct layer_pipe *p, int in_fd, int tee_fd, bool any_codec,
		      struct tar_split *split, struct hull_err **err)
{
	sigset_t all, old;
	int r;

	*p = (struct layer_pipe){
		.in_fd = in_fd, .tee_fd = tee_fd, .any_codec = any_codec, .split = split};
	p->inbuf = xmalloc(IN_BUF_SIZE);
	for (size_t i = 0; i < N_SLOTS; i++)
		p->slot[i] = xmalloc(SLOT_SIZE);
	p->h = sha256_new();
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->data, NULL);
	pthread_cond_init(&p->space, NULL);
	/* signals are the calling thread's business */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&p->thread, NULL, produce_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return err_set(err, r, "start the layer decompressor");
	p->started = true;
	return 0;
}

static void pipe_cancel(struct layer_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	__atomic_store_n(&p->cancel, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&p->space);
	pthread_mutex_unlock(&p->mu);
}

/* Join the producer and free the buffers; ret_digest gets the tar's digest. */
static void pipe_finish(struct layer_pipe *p, char ret_digest[DIGEST_STR_LEN])
{
	char unused[DIGEST_STR_LEN];

	if (p->started)
		pthread_join(p->thread, NULL);
	p->started = false;
	if (p->h)
		sha256_final(p->h, ret_digest ? ret_digest : unused);
	p->h = NULL;
	free(p->inbuf);
	for (size_t i = 0; i < N_SLOTS; i++)
		free(p->slot[i]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->data);
	pthread_cond_destroy(&p->space);
}

/* ---- imports ---- */

bool store_layer_exists(struct store *s, const char *chain_id)
{
	_cleanup_free_ char *p = NULL;
	struct stat st;

	if (!digest_valid(chain_id))
		return false;
	p = store_layer_dir(s, chain_id);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int layer_import(struct store *s, int fd, const char *parent_chain_id, const char *expected,
		 bool keep_tar, char ret_diff_id[DIGEST_STR_LEN], char ret_chain_id[DIGEST_STR_LEN],
		 struct hull_err **err)
{
	_cleanup_free_ char *stage = NULL, *tar = NULL, *diff = NULL, *split_path = NULL;
	_cleanup_close_ int tar_fd = -1, root_fd = -1, split_fd = -1;
	char digest[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
	struct tar_split *split = NULL;
	struct layer_pipe p = {0};
	bool drain_only = false, locked = false;
	int r;

	if (expected && !digest_valid(expected))
		return err_setx(err, EINVAL, "import layer: invalid diffID '%s'", expected);
	if (parent_chain_id && !digest_valid(parent_chain_id))
		return err_setx(err, EINVAL, "import layer: invalid parent chainID '%s'",
				parent_chain_id);
	r = archive_dl_load(err);
	if (r < 0)
		return err_wrap(err, "import layer");
	if (expected) {
		/* the layer is there already: the stream is only checked */
		chain_id_next(parent_chain_id, expected, chain);
		drain_only = store_layer_exists(s, chain);
	}
	r = store_tmpdir(s, keep_tar ? "layer" : "pull", &stage, err);
	if (r < 0)
		return err_wrap(err, "import layer");
	if (keep_tar) {
		tar = path_join(stage, "layer.tar");
		tar_fd = open(tar, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (tar_fd < 0) {
			r = err_set(err, errno, "create '%s'", tar);
			goto fail;
		}
	}
	if (!drain_only) {
		diff = path_join(stage, "diff");
		if (mkdir(diff, 0755) < 0) {
			r = err_set(err, errno, "create '%s'", diff);
			goto fail;
		}
		root_fd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (root_fd < 0) {
			r = err_set(err, errno, "open '%s'", diff);
			goto fail;
		}
	}
	if (!keep_tar && !drain_only) {
		/* the tar is not kept: its skeleton is, to make it again (tar-split.c) */
		split_path = path_join(stage, "tar-split");
		split_fd = open(split_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (split_fd < 0) {
			r = err_set(err, errno, "create '%s'", split_path);
			goto fail;
		}
		split = tar_split_new(split_fd);
	}

	r = pipe_start(&p, fd, tar_fd, keep_tar, split, err);
	if (r == 0 && !drain_only)
		r = layer_apply_reader(root_fd, pipe_read, &p, err);
	if (r == 0 && pipe_drain(&p) < 0)
		r = -EIO; /* the producer's error, below */
	if (r < 0)
		pipe_cancel(&p);
	pipe_finish(&p, digest);
	if (p.r < 0 && p.r != -ECANCELED) {
		/* the stream failed: that is the cause, not what the tar reader saw of it */
		if (err) {
			err_free(*err);
			*err = TAKE_PTR(p.perr);
		}
		r = p.r;
	}
	p.perr = err_free(p.perr);
	if (r < 0)
		goto fail;
	if (split && tar_split_finish(split) < 0) {
		/* a tar the skeleton cannot describe: it just cannot be made again */
		(void) unlink(split_path);
	}
	if (expected && !streq(digest, expected)) {
		r = err_setx(err, EBADMSG, "layer diffID mismatch: expected '%s', got '%s'",
			     expected, digest);
		goto fail;
	}
	chain_id_next(parent_chain_id, digest, chain);

	/* everything on disk before anything is visible */
	if (tar_fd >= 0 && fsync(tar_fd) < 0) {
		r = err_set(err, errno, "sync '%s'", tar);
		goto fail;
	}
	if (root_fd >= 0 && syncfs(root_fd) < 0) {
		r = err_set(err, errno, "sync layer");
		goto fail;
	}
	if (!drain_only && !keep_tar) {
		r = layer_record_stage(s, stage, digest, p.size, chain, err);
		if (r < 0)
			goto fail;
	}

	r = store_lock(s, err);
	if (r < 0)
		goto fail;
	locked = true;
	if (drain_only && !store_layer_exists(s, chain)) {
		r = err_setx(err, EAGAIN, "layer '%s' was removed while it was imported", chain);
		goto fail;
	}
	if (keep_tar) {
		r = store_blob_adopt(s, tar, digest, err);
		if (r < 0)
			goto fail;
	}
	if (!drain_only) {
		r = store_layer_adopt(s, stage, chain, err);
		if (r < 0)
			goto fail;
	}
	if (!keep_tar) {
		/* the tar is not kept: its digest and size are recorded (layer-blob.c) */
		r = layer_record_adopt(s, chain, digest, p.size, err);
		if (r < 0)
			goto fail;
	}
	store_unlock(s);
	if (drain_only)
		(void) rm_rf(stage, NULL);
	tar_split_free(split);
	memcpy(ret_diff_id, digest, DIGEST_STR_LEN);
	memcpy(ret_chain_id, chain, DIGEST_STR_LEN);
	return 0;
fail:
	if (locked)
		store_unlock(s);
	tar_split_free(split);
	(void) rm_rf(stage, NULL);
	return err_wrap(err, "import layer");
}

int store_layer_import_stream(struct store *s, int fd, const char *parent_chain_id,
			      const char *expected_diff_id, char ret_diff_id[DIGEST_STR_LEN],
			      char ret_chain_id[DIGEST_STR_LEN], struct hull_err **err)
{
	return layer_import(s, fd, parent_chain_id, expected_diff_id, false, ret_diff_id,
			    ret_chain_id, err);
}

int store_layer_import_tar(struct store *s, int fd, const char *parent_chain_id,
			   char ret_diff_id[DIGEST_STR_LEN], char ret_chain_id[DIGEST_STR_LEN],
			   struct hull_err **err)
{
	return layer_import(s, fd, parent_chain_id, NULL, true, ret_diff_id, ret_chain_id, err);
}
