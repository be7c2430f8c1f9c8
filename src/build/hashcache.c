/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "build/hashcache.h"
#include "util/fs.h"

#define MAGIC	    "hullhc1\n"
#define MAX_ENTRIES (256 * 1024)
#define RACY_SEC    2

/* One record, as stored (native byte order: the file never leaves the host). */
struct hc_rec {
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
	char hex[DIGEST_HEX_LEN];
};

struct hc_slot {
	struct hc_rec rec;
	bool full, used;
};

struct hash_cache {
	char *path, *tmp; /* the file; mkstemp pattern of its temp file under the store's tmp/ */
	struct hc_slot *slots;
	size_t cap, n; /* cap: a power of two */
	bool dirty;
};

static size_t slot_of(const struct hash_cache *hc, uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino * 0x9e3779b97f4a7c15ull) ^ (dev * 0xc2b2ae3d27d4eb4full);

	return (size_t) (h ^ (h >> 29)) & (hc->cap - 1);
}

static struct hc_slot *find(struct hash_cache *hc, uint64_t dev, uint64_t ino)
{
	for (size_t i = slot_of(hc, dev, ino);; i = (i + 1) & (hc->cap - 1)) {
		struct hc_slot *sl = &hc->slots[i];
		if (!sl->full || (sl->rec.dev == dev && sl->rec.ino == ino))
			return sl;
	}
}

static void grow(struct hash_cache *hc)
{
	struct hc_slot *old = hc->slots;
	size_t old_cap = hc->cap;

	hc->cap = old_cap ? old_cap * 2 : 1024;
	hc->slots = xcalloc(hc->cap, sizeof(*hc->slots));
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].full)
			*find(hc, old[i].rec.dev, old[i].rec.ino) = old[i];
	free(old);
}

static void put(struct hash_cache *hc, const struct hc_rec *rec, bool used)
{
	struct hc_slot *sl;

	if ((hc->n + 1) * 2 > hc->cap)
		grow(hc);
	sl = find(hc, rec->dev, rec->ino);
	if (!sl->full)
		hc->n++;
	sl->rec = *rec;
	sl->full = true;
	sl->used = used;
}

struct hash_cache *hash_cache_load(const char *root)
{
	struct hash_cache *hc = xcalloc(1, sizeof(*hc));
	_cleanup_free_ char *data = NULL;
	char sum[DIGEST_STR_LEN];
	size_t len, body, m = strlen(MAGIC);
	const char *path;

	hc->path = xasprintf("%s/cache/contenthash.bin", root);
	hc->tmp = xasprintf("%s/tmp/contenthash-%d-XXXXXX", root, (int) getpid());
	path = hc->path;
	grow(hc);
	if (read_file(path, m + (size_t) MAX_ENTRIES * sizeof(struct hc_rec) + DIGEST_HEX_LEN,
		      &data, &len, NULL) < 0)
		return hc;
	if (len < m + DIGEST_HEX_LEN || memcmp(data, MAGIC, m) != 0)
		return hc;
	body = len - m - DIGEST_HEX_LEN;
	if (body % sizeof(struct hc_rec) != 0)
		return hc;
	sha256_digest(data + m, body, sum);
	if (memcmp(digest_hex(sum), data + m + body, DIGEST_HEX_LEN) != 0)
		return hc; /* torn or damaged: start over */
	for (size_t off = 0; off < body; off += sizeof(struct hc_rec)) {
		struct hc_rec rec;
		memcpy(&rec, data + m + off, sizeof(rec));
		put(hc, &rec, false);
	}
	return hc;
}

static bool rec_matches(const struct hc_rec *r, const struct stat *st)
{
	return r->dev == (uint64_t) st->st_dev && r->ino == (uint64_t) st->st_ino &&
	       r->size == (uint64_t) st->st_size && r->mtime_s == st->st_mtim.tv_sec &&
	       r->mtime_ns == st->st_mtim.tv_nsec && r->ctime_s == st->st_ctim.tv_sec &&
	       r->ctime_ns == st->st_ctim.tv_nsec;
}

static int hash_path(const char *path, char ret[DIGEST_STR_LEN])
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct sha256_ctx *c;
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return -errno;
	c = sha256_new();
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		sha256_update(c, buf, (size_t) n);
	}
	sha256_final(c, ret);
	return n < 0 ? -errno : 0;
}

int hash_cache_file(struct hash_cache *hc, const char *path, const struct stat *st,
		    char ret[DIGEST_STR_LEN])
{
	struct hc_slot *sl;
	struct hc_rec rec;
	struct stat after;
	time_t now;
	int r;

	if (hc) {
		sl = find(hc, (uint64_t) st->st_dev, (uint64_t) st->st_ino);
		if (sl->full && rec_matches(&sl->rec, st)) {
			sl->used = true; /* kept first when the file is pruned */
			memcpy(ret, "sha256:", 7);
			memcpy(ret + 7, sl->rec.hex, DIGEST_HEX_LEN);
			ret[DIGEST_STR_LEN - 1] = '\0';
			return 0;
		}
	}
	r = hash_path(path, ret);
	if (r < 0 || !hc)
		return r;
	/* remember it only if it did not change while read, nor lately */
	now = time(NULL);
	if (lstat(path, &after) < 0 || !S_ISREG(after.st_mode) || after.st_ino != st->st_ino ||
	    after.st_dev != st->st_dev || after.st_size != st->st_size ||
	    after.st_mtim.tv_sec != st->st_mtim.tv_sec ||
	    after.st_mtim.tv_nsec != st->st_mtim.tv_nsec ||
	    after.st_ctim.tv_sec != st->st_ctim.tv_sec ||
	    after.st_ctim.tv_nsec != st->st_ctim.tv_nsec || st->st_mtim.tv_sec >= now - RACY_SEC ||
	    st->st_ctim.tv_sec >= now - RACY_SEC)
		return 0;
	rec = (struct hc_rec){
		.dev = (uint64_t) st->st_dev,
		.ino = (uint64_t) st->st_ino,
		.size = (uint64_t) st->st_size,
		.mtime_s = st->st_mtim.tv_sec,
		.mtime_ns = st->st_mtim.tv_nsec,
		.ctime_s = st->st_ctim.tv_sec,
		.ctime_ns = st->st_ctim.tv_nsec,
	};
	memcpy(rec.hex, digest_hex(ret), DIGEST_HEX_LEN);
	put(hc, &rec, true);
	hc->dirty = true;
	return 0;
}

int hash_cache_save(struct hash_cache *hc, struct hull_err **err)
{
	_cleanup_free_ char *data = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -1;
	size_t m = strlen(MAGIC), len = m, kept = 0;
	char sum[DIGEST_STR_LEN];
	int r;

	if (!hc || !hc->dirty)
		return 0;
	data = xmalloc(m + hc->n * sizeof(struct hc_rec) + DIGEST_HEX_LEN);
	memcpy(data, MAGIC, m);
	/* the entries this build used first, then older ones while there is room */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < hc->cap && kept < MAX_ENTRIES; i++) {
			const struct hc_slot *sl = &hc->slots[i];
			if (!sl->full || sl->used != (pass == 0))
				continue;
			memcpy(data + len, &sl->rec, sizeof(sl->rec));
			len += sizeof(sl->rec);
			kept++;
		}
	sha256_digest(data + m, len - m, sum);
	memcpy(data + len, digest_hex(sum), DIGEST_HEX_LEN);
	len += DIGEST_HEX_LEN;
	/* no fsync: a cache; a torn file fails its checksum and is an empty cache */
	tmp = xstrdup(hc->tmp);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "write '%s'", tmp);
	r = write_all(fd, data, len);
	if (r == 0 && rename(tmp, hc->path) < 0)
		r = -errno;
	if (r < 0) {
		(void) unlink(tmp);
		return err_set(err, -r, "write '%s'", hc->path);
	}
	hc->dirty = false;
	return 0;
}

struct hash_cache *hash_cache_free(struct hash_cache *hc)
{
	if (!hc)
		return NULL;
	free(hc->slots);
	free(hc->path);
	free(hc->tmp);
	free(hc);
	return NULL;
}
