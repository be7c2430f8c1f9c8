/* SPDX-License-Identifier: MIT */
/*
 * The image store: directories, lock, blobs, the images index, image
 * configs and manifests. Layer contents are in layer.c.
 *
 * images/index.json:
 *   {"images":  {"<manifest digest>": {"id": "<config digest>"}},
 *    "refs":    {"<normalised reference>": "<manifest digest>"},
 *    "digests": {"<domain>/<path>@<digest>": "<manifest digest>"}}
 * "images" lists every image, tagged or not (docker's <none> images);
 * "refs" are the tags, "digests" the repository digests a pull or push
 * recorded (docker's RepoDigests; an index written before them has none).
 * It is rewritten atomically under the lock, so readers need no lock.
 * Blobs and layers are staged in tmp/ and renamed into place, so a killed
 * process leaves at most garbage in tmp/ (removed by the next store_open()
 * once its owner is dead) or unreferenced blobs.
 */
#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "image/store-internal.h"
#include "image/reference.h"
#include "util/events.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

static const char *const store_dirs[] = {
	"blobs",      "blobs/sha256", "blobs/lazy", "layers",  "images",
	"containers", "cache",	      "tmp",	    "writers",
};

int image_rm_rf_at(int dfd, const char *name)
{
	return rm_tree_at(dfd, name, false, NULL);
}

/* tmp/ entries are named "<prefix>-<pid>-XXXXXX"; the owner's pid says whether they are stale. */
bool store_tmp_entry_stale(const char *name)
{
	const char *last = strrchr(name, '-');
	const char *p;
	long pid = 0;

	if (!last || last == name)
		return true;
	p = last - 1;
	while (p > name && *p >= '0' && *p <= '9')
		p--;
	if (*p != '-' || p + 1 == last)
		return true;
	for (const char *q = p + 1; q < last; q++)
		pid = pid * 10 + (*q - '0');
	if (pid <= 0 || pid > 1 << 22)
		return true;
	if (pid == getpid())
		return false;
	return kill((pid_t) pid, 0) < 0 && errno == ESRCH;
}

/*
 * The writer marker is locked with a POSIX record lock (F_SETLK), not a
 * flock: such a lock is the process's own, so the children a writer forks
 * (a detached monitor, a build step's runtime) do not hold it, and it goes
 * at the writer's exec (the fd is O_CLOEXEC) or death.
 */
static int writer_lock(int fd, short type, int cmd)
{
	struct flock l = {.l_type = type, .l_whence = SEEK_SET};

	return fcntl(fd, cmd, &l) < 0 ? -errno : l.l_type;
}

bool store_writer_stale(int dfd, const char *name)
{
	_cleanup_close_ int fd = -1;
	char self[16];

	/* ours is not tested: closing a second fd of it would drop our lock */
	snprintf(self, sizeof(self), "%d-", (int) getpid());
	if (startswith(name, self))
		return false;
	fd = openat(dfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	return fd >= 0 && writer_lock(fd, F_WRLCK, F_GETLK) == F_UNLCK;
}

/*
 * Under the lock: if writers died (stale markers in writers/) and none is at
 * work, what they put into the store and did not record yet is unreferenced:
 * remove it, then their markers. With a writer at work, its unrecorded blobs
 * cannot be told from theirs: the markers stay for a later store_open().
 */
static void store_reclaim_writers(struct store *s)
{
	_cleanup_free_ char *dir = path_join(s->root, "writers");
	_cleanup_strv_ char **stale = strv_new();
	bool live = false;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (store_writer_stale(dirfd(d), de->d_name))
			strv_push(&stale, de->d_name);
		else
			live = true;
	}
	if (!live && stale[0]) {
		store_remove_orphans(s);
		STRV_FOREACH (n, stale)
			(void) unlinkat(dirfd(d), *n, 0);
	}
	closedir(d);
}

static void store_clean_tmp(struct store *s)
{
	_cleanup_free_ char *tmp = path_join(s->root, "tmp");
	struct dirent *de;
	DIR *d;

	d = opendir(tmp);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, "..") &&
		    store_tmp_entry_stale(de->d_name))
			(void) image_rm_rf_at(dirfd(d), de->d_name);
	closedir(d);
}

/* With the flock held: make this process's writer marker, once. */
static int store_writer_mark(struct store *s, struct hull_err **err)
{
	char *p;
	int fd;

	if (s->writer_fd >= 0)
		return 0;
	p = xasprintf("%s/writers/%d-XXXXXX", s->root, (int) getpid());
	fd = mkostemp(p, O_CLOEXEC);
	if (fd < 0) {
		int r = err_set(err, errno, "create '%s'", p);
		free(p);
		return r;
	}
	if (writer_lock(fd, F_WRLCK, F_SETLK) < 0) {
		int r = err_set(err, errno, "lock '%s'", p);
		(void) unlink(p);
		(void) close(fd);
		free(p);
		return r;
	}
	s->writer_fd = fd;
	s->writer_path = p;
	s->writer_pid = getpid();
	return 0;
}

int store_writer_begin(struct store *s, struct hull_err **err)
{
	int r;

	if (s->writer_fd >= 0)
		return 0;
	r = store_lock(s, err);
	if (r == 0)
		store_unlock(s);
	return r;
}

/* json_dump_path() stages "index.json.tmp.<pid>" beside the index: drop ones whose writer died. */
static void store_clean_index_tmp(struct store *s)
{
	_cleanup_free_ char *images = path_join(s->root, "images");
	struct dirent *de;
	DIR *d;

	d = opendir(images);
	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *pid = de->d_name + strlen("index.json.tmp.");
		if (!startswith(de->d_name, "index.json.tmp."))
			continue;
		_cleanup_free_ char *name = xasprintf("x-%s-", pid); /* the tmp/ naming */
		if (store_tmp_entry_stale(name))
			(void) unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

int store_open(const char *root, struct store **ret, struct hull_err **err)
{
	return store_open_flags(root, 0, ret, err);
}

int store_open_flags(const char *root, unsigned flags, struct store **ret, struct hull_err **err)
{
	_cleanup_free_ char *lock = NULL;
	char *abs;
	struct store *s;
	int r;

	r = mkdir_p(root, 0700, err);
	if (r < 0)
		return err_wrap(err, "open store");
	abs = realpath(root, NULL);
	if (!abs)
		return err_set(err, errno, "open store: resolve '%s'", root);
	s = xcalloc(1, sizeof(*s));
	s->root = abs;
	s->lock_fd = -1;
	s->writer_fd = -1;
	{
		pthread_mutexattr_t a;

		if (pthread_mutexattr_init(&a) != 0 ||
		    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE) != 0 ||
		    pthread_mutex_init(&s->lock_mutex, &a) != 0)
			abort();
		(void) pthread_mutexattr_destroy(&a);
	}
	for (size_t i = 0; i < ARRAY_SIZE(store_dirs); i++) {
		_cleanup_free_ char *p = path_join(abs, store_dirs[i]);
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			r = err_set(err, errno, "open store: mkdir '%s'", p);
			store_free(s);
			return r;
		}
	}
	lock = path_join(abs, "lock");
	s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0) {
		r = err_set(err, errno, "open store: open '%s'", lock);
		store_free(s);
		return r;
	}
	if (!(flags & STORE_OPEN_KEEP_LEFTOVERS) && flock(s->lock_fd, LOCK_EX | LOCK_NB) == 0) {
		/* held as store_lock() holds it, so that what the cleaning calls nests */
		if (pthread_mutex_lock(&s->lock_mutex) != 0)
			abort();
		s->lock_depth = 1;
		store_reclaim_writers(s);
		store_clean_tmp(s);
		store_clean_index_tmp(s);
		s->lock_depth = 0;
		(void) flock(s->lock_fd, LOCK_UN);
		(void) pthread_mutex_unlock(&s->lock_mutex);
	}
	*ret = s;
	return 0;
}

struct store *store_free(struct store *s)
{
	if (!s)
		return NULL;
	if (s->writer_fd >= 0) {
		/* a fork shares the marker's fd but not the marker: its maker removes it */
		if (s->writer_pid == getpid())
			(void) unlink(s->writer_path);
		(void) close(s->writer_fd);
	}
	free(s->writer_path);
	if (s->lock_fd >= 0)
		(void) close(s->lock_fd); /* drops the flock */
	(void) pthread_mutex_destroy(&s->lock_mutex);
	free(s->root);
	free(s);
	return NULL;
}

int store_lock(struct store *s, struct hull_err **err)
{
	int r;

	/* threads first (the mutex), then processes (the flock); depth is the holder's only */
	if (pthread_mutex_lock(&s->lock_mutex) != 0)
		abort();
	if (s->lock_depth++ > 0)
		return 0;
	while (flock(s->lock_fd, LOCK_EX) < 0) {
		int e = errno;
		if (e == EINTR)
			continue;
		s->lock_depth--;
		(void) pthread_mutex_unlock(&s->lock_mutex);
		return err_set(err, e, "lock store '%s'", s->root);
	}
	r = store_writer_mark(s, err);
	if (r < 0) {
		s->lock_depth--;
		(void) flock(s->lock_fd, LOCK_UN);
		(void) pthread_mutex_unlock(&s->lock_mutex);
	}
	return r;
}

void store_unlock(struct store *s)
{
	assert(s->lock_depth > 0);
	if (--s->lock_depth == 0)
		(void) flock(s->lock_fd, LOCK_UN);
	(void) pthread_mutex_unlock(&s->lock_mutex);
}

int store_tmpdir(struct store *s, const char *prefix, char **ret_path, struct hull_err **err)
{
	char *p;
	int r = store_writer_begin(s, err);

	if (r < 0)
		return r;
	p = xasprintf("%s/tmp/%s-%d-XXXXXX", s->root, prefix, (int) getpid());

	if (!mkdtemp(p)) {
		int r = err_set(err, errno, "create temporary directory '%s'", p);
		free(p);
		return r;
	}
	*ret_path = p;
	return 0;
}

char *store_blob_path(struct store *s, const char *digest)
{
	if (!digest_valid(digest))
		return xasprintf("%s/blobs/sha256/invalid", s->root);
	return xasprintf("%s/blobs/sha256/%s", s->root, digest_hex(digest));
}

int store_blob_adopt(struct store *s, const char *tmp_path, const char *digest,
		     struct hull_err **err)
{
	_cleanup_free_ char *p = store_blob_path(s, digest);

	if (rename(tmp_path, p) < 0) {
		int r = err_set(err, errno, "store blob '%s'", digest);
		(void) unlink(tmp_path);
		return r;
	}
	return 0;
}

int store_blob_write(struct store *s, const void *data, size_t len, char ret_digest[DIGEST_STR_LEN],
		     struct hull_err **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s/tmp/blob-%d-XXXXXX", s->root, (int) getpid());
	_cleanup_close_ int fd = -1;
	char d[DIGEST_STR_LEN];
	int r;

	r = store_writer_begin(s, err);
	if (r < 0)
		return r;
	sha256_digest(data, len, d);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "write blob: create '%s'", tmp);
	r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, 0644) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0) {
		(void) unlink(tmp);
		return err_set(err, -r, "write blob '%s'", tmp);
	}
	r = store_blob_adopt(s, tmp, d, err);
	if (r < 0)
		return r;
	memcpy(ret_digest, d, DIGEST_STR_LEN);
	return 0;
}

int store_blob_read(struct store *s, const char *digest, size_t max, char **ret_data,
		    size_t *ret_len, struct hull_err **err)
{
	_cleanup_free_ char *p = NULL, *data = NULL;
	char d[DIGEST_STR_LEN];
	size_t len;
	int r;

	if (!digest_valid(digest))
		return err_setx(err, EINVAL, "invalid digest '%s'", digest);
	p = store_blob_path(s, digest);
	r = read_file(p, max, &data, &len, err);
	if (r < 0)
		return err_wrap(err, "read blob '%s'", digest);
	sha256_digest(data, len, d);
	if (!streq(d, digest))
		return err_setx(err, EBADMSG, "blob '%s' is corrupt (content hashes to '%s')",
				digest, d);
	*ret_data = TAKE_PTR(data);
	if (ret_len)
		*ret_len = len;
	return 0;
}

void chain_id_next(const char *parent, const char *diff_id, char ret[DIGEST_STR_LEN])
{
	if (!parent) {
		memmove(ret, diff_id, DIGEST_STR_LEN);
		return;
	}
	_cleanup_free_ char *s = xasprintf("%s %s", parent, diff_id);
	sha256_digest(s, strlen(s), ret);
}

char *store_layer_dir(struct store *s, const char *chain_id)
{
	return xasprintf("%s/layers/%s/diff", s->root,
			 digest_valid(chain_id) ? digest_hex(chain_id) : "invalid");
}

char **store_image_lowerdirs(struct store *s, const struct image *img)
{
	size_t n = strv_length(img->chain_ids);
	char **l = strv_new();

	for (size_t i = n; i > 0; i--)
		strv_consume(&l, store_layer_dir(s, img->chain_ids[i - 1]));
	return l;
}

int store_layer_adopt(struct store *s, const char *stage, const char *chain_id,
		      struct hull_err **err)
{
	_cleanup_free_ char *dst = xasprintf("%s/layers/%s", s->root, digest_hex(chain_id));

	if (rename(stage, dst) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY) {
			/* the same content is already there */
			(void) rm_rf(stage, NULL);
			return 0;
		}
		return err_set(err, errno, "move layer into '%s'", dst);
	}
	return 0;
}

/* Move layers/<hex> out of sight first, so no half-removed layer is ever visible. */
int store_layer_remove(struct store *s, const char *chain_id, struct hull_err **err)
{
	_cleanup_free_ char *src = xasprintf("%s/layers/%s", s->root, digest_hex(chain_id));
	_cleanup_free_ char *dir = NULL, *dst = NULL;
	int r;

	r = store_tmpdir(s, "rm", &dir, err);
	if (r < 0)
		return r;
	dst = path_join(dir, "layer");
	if (rename(src, dst) < 0) {
		r = errno;
		(void) rmdir(dir);
		if (r == ENOENT)
			return 0;
		return err_set(err, r, "remove layer '%s'", chain_id);
	}
	return rm_rf(dir, err);
}

/* ---- index ---- */

static char *index_path(struct store *s)
{
	return path_join(s->root, "images/index.json");
}

int store_index_load(struct store *s, json_t **ret, struct hull_err **err)
{
	_cleanup_free_ char *p = index_path(s);
	_cleanup_json_ json_t *j = NULL;
	int r;

	if (access(p, F_OK) < 0 && errno == ENOENT) {
		j = json_pack("{s:{},s:{},s:{}}", "images", "refs", "digests");
	} else {
		r = json_load_path(p, STORE_INDEX_MAX, &j, err);
		if (r < 0)
			return err_wrap(err, "read image index");
	}
	if (json_is_object(j) && !json_object_get(j, "digests"))
		json_object_set_new(j, "digests", json_object());
	if (!json_is_object(j) || !json_is_object(json_object_get(j, "images")) ||
	    !json_is_object(json_object_get(j, "refs")) ||
	    !json_is_object(json_object_get(j, "digests")))
		return err_setx(err, EBADMSG, "image index '%s' is malformed", p);
	*ret = TAKE_PTR(j);
	return 0;
}

static int index_save(struct store *s, json_t *j, struct hull_err **err)
{
	_cleanup_free_ char *p = index_path(s);
	int r = json_dump_path(j, p, err);

	return r < 0 ? err_wrap(err, "write image index") : 0;
}

/* ---- images ---- */

bool image_is_ancestor(const struct image *a, const struct image *b)
{
	json_t *ha = json_object_get(a->config, "history");
	json_t *hb = json_object_get(b->config, "history");
	size_t na = json_array_size(ha), nd = strv_length(a->diff_ids);

	if (a == b || na == 0 || na >= json_array_size(hb) || nd > strv_length(b->diff_ids) ||
	    streq(a->manifest_digest, b->manifest_digest))
		return false;
	for (size_t i = 0; i < na; i++)
		if (!json_equal(json_array_get(ha, i), json_array_get(hb, i)))
			return false;
	for (size_t i = 0; i < nd; i++)
		if (!streq(a->diff_ids[i], b->diff_ids[i]))
			return false;
	return true;
}

struct image *image_free(struct image *img)
{
	if (!img)
		return NULL;
	free(img->id);
	free(img->manifest_digest);
	json_decref(img->config);
	strv_free(img->diff_ids);
	strv_free(img->chain_ids);
	strv_free(img->layer_digests);
	free(img);
	return NULL;
}

static int digest_array(const json_t *a, const char *what, char ***ret, struct hull_err **err)
{
	_cleanup_strv_ char **l = strv_new();
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) > MAX_LAYERS)
		return err_setx(err, EBADMSG, "%s: not an array of at most %d digests", what,
				MAX_LAYERS);
	json_array_foreach (a, i, v) {
		const char *d = json_string_value(v);
		if (!d && json_is_object(v))
			d = json_get_str(v, "digest");
		if (!d || !digest_valid(d))
			return err_setx(err, EBADMSG, "%s: invalid digest at index %zu", what, i);
		strv_push(&l, d);
	}
	*ret = TAKE_PTR(l);
	return 0;
}

/* store_image_load() - load the image whose manifest is @manifest_digest, verifying blobs. */
int store_image_load(struct store *s, const char *manifest_digest, struct image **ret,
		     struct hull_err **err)
{
	_cleanup_free_ char *mdata = NULL, *cdata = NULL;
	_cleanup_json_ json_t *manifest = NULL, *config = NULL;
	_cleanup_image_ struct image *img = NULL;
	const char *config_digest;
	char chain[DIGEST_STR_LEN];
	size_t mlen, clen, n;
	int r;

	r = store_blob_read(s, manifest_digest, STORE_JSON_MAX, &mdata, &mlen, err);
	if (r < 0)
		return err_wrap(err, "load image manifest");
	r = json_load_buf(mdata, mlen, manifest_digest, &manifest, err);
	if (r < 0)
		return err_wrap(err, "load image manifest");
	if (json_integer_value(json_object_get(manifest, "schemaVersion")) != 2)
		return err_setx(err, EBADMSG, "manifest '%s': schemaVersion is not 2",
				manifest_digest);
	config_digest = json_get_str(json_object_get(manifest, "config"), "digest");
	if (!config_digest || !digest_valid(config_digest))
		return err_setx(err, EBADMSG, "manifest '%s': invalid config digest",
				manifest_digest);
	r = store_blob_read(s, config_digest, STORE_JSON_MAX, &cdata, &clen, err);
	if (r < 0)
		return err_wrap(err, "load image config");
	r = json_load_buf(cdata, clen, config_digest, &config, err);
	if (r < 0)
		return err_wrap(err, "load image config");
	if (!json_is_object(config))
		return err_setx(err, EBADMSG, "image config '%s' is not an object", config_digest);

	img = xcalloc(1, sizeof(*img));
	r = digest_array(json_object_get(json_object_get(config, "rootfs"), "diff_ids"),
			 "image config rootfs.diff_ids", &img->diff_ids, err);
	if (r < 0)
		return r;
	r = digest_array(json_object_get(manifest, "layers"), "manifest layers",
			 &img->layer_digests, err);
	if (r < 0)
		return r;
	n = strv_length(img->diff_ids);
	if (strv_length(img->layer_digests) != n)
		return err_setx(err, EBADMSG, "manifest '%s' has %zu layers, its config %zu",
				manifest_digest, strv_length(img->layer_digests), n);
	img->chain_ids = strv_new();
	for (size_t i = 0; i < n; i++) {
		chain_id_next(i ? chain : NULL, img->diff_ids[i], chain);
		strv_push(&img->chain_ids, chain);
		/*
		 * Size: the uncompressed tar when we have it (the diffID blob),
		 * else the manifest's descriptor size.
		 */
		int64_t sz = store_blob_size(s, img->diff_ids[i]);
		if (sz < 0)
			sz = json_integer_value(json_object_get(
				json_array_get(json_object_get(manifest, "layers"), i), "size"));
		img->size += sz > 0 ? sz : 0;
	}
	img->id = xstrdup(config_digest);
	img->manifest_digest = xstrdup(manifest_digest);
	img->config = TAKE_PTR(config);
	*ret = TAKE_PTR(img);
	return 0;
}

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* store_image_list() - manifest digests of all images, tagged or not (sorted). */
int store_image_list(struct store *s, char ***ret, struct hull_err **err)
{
	_cleanup_json_ json_t *idx = NULL;
	_cleanup_strv_ char **l = strv_new();
	const char *k;
	json_t *v;
	int r;

	r = store_index_load(s, &idx, err);
	if (r < 0)
		return r;
	json_object_foreach (json_object_get(idx, "images"), k, v) {
		(void) v;
		strv_push(&l, k);
	}
	qsort(l, strv_length(l), sizeof(char *), strcmp_ptr);
	*ret = TAKE_PTR(l);
	return 0;
}

int store_image_set_intermediate(struct store *s, const char *manifest_digest, bool on,
				 struct hull_err **err)
{
	_cleanup_json_ json_t *idx = NULL;
	json_t *e;
	int r;

	r = store_index_load(s, &idx, err);
	if (r < 0)
		return r;
	e = json_object_get(json_object_get(idx, "images"), manifest_digest);
	if (!e)
		return err_setx(err, ENOENT, "No such image: %s", manifest_digest);
	if (on == json_is_true(json_object_get(e, "intermediate")))
		return 0;
	if (on)
		json_object_set_new(e, "intermediate", json_true());
	else
		json_object_del(e, "intermediate");
	return index_save(s, idx, err);
}

bool store_image_is_intermediate(struct store *s, const char *manifest_digest)
{
	_cleanup_json_ json_t *idx = NULL;

	if (store_index_load(s, &idx, NULL) < 0)
		return false;
	return json_is_true(json_object_get(
		json_object_get(json_object_get(idx, "images"), manifest_digest), "intermediate"));
}

static bool is_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/*
 * moby's ErrImageDoesNotExist: "No such image: " and the reference in its
 * familiar form with the tag made explicit ("busybox:latest"); an id or a
 * digest (ParseAnyReference's first cases) and what does not parse as given.
 * -ENOENT.
 */
static int no_such_image(struct hull_err **err, const char *name)
{
	struct image_ref ref = {0};
	_cleanup_free_ char *shown = NULL;
	bool id = digest_valid(name) || (strlen(name) == 64 && is_hex(name));

	if (!id && ref_parse(name, &ref, NULL) == 0) {
		shown = ref_familiar(&ref);
		ref_release(&ref);
	}
	return err_setx(err, ENOENT, "No such image: %s", shown ?: name);
}

int store_image_get(struct store *s, const char *name, struct image **ret, struct hull_err **err)
{
	_cleanup_json_ json_t *idx = NULL;
	_cleanup_err_ struct hull_err *bad_ref = NULL;
	struct image_ref ref = {0};
	const char *found = NULL, *hex, *k;
	json_t *images, *v;
	int r;

	r = store_index_load(s, &idx, err);
	if (r < 0)
		return r;
	images = json_object_get(idx, "images");

	/* a reference first, as docker does: a tag may look like an id prefix */
	if (ref_parse(name, &ref, &bad_ref) == 0) {
		_cleanup_free_ char *full = ref_string(&ref);
		found = json_string_value(json_object_get(json_object_get(idx, "refs"), full));
		if (!found && ref.digest) {
			/* a repository digest ("busybox@sha256:..."), the tag if any ignored */
			_cleanup_free_ char *canon =
				xasprintf("%s/%s@%s", ref.domain, ref.path, ref.digest);
			found = json_string_value(
				json_object_get(json_object_get(idx, "digests"), canon));
			if (found && !json_object_get(images, found))
				found = NULL;
		}
		if (!found && ref.digest && json_object_get(images, ref.digest))
			found = json_object_iter_key(
				json_object_iter_at(images, ref.digest)); /* name@digest */
		ref_release(&ref);
	}
	if (found)
		return store_image_load(s, found, ret, err);

	hex = startswith(name, "sha256:") ? name + strlen("sha256:") : name;
	if (strlen(hex) >= 4 && strlen(hex) <= DIGEST_HEX_LEN && is_hex(hex)) {
		json_object_foreach (images, k, v) {
			const char *id = json_get_str(v, "id");
			if (!id || !digest_valid(id) || !startswith(digest_hex(id), hex))
				continue;
			if (found && !streq(json_get_str(json_object_get(images, found), "id"), id))
				return err_setx(err, EINVAL, "image id prefix '%s' is ambiguous",
						name);
			found = k;
		}
		/* a full manifest digest names the image too */
		if (!found && digest_valid(name) && json_object_get(images, name))
			found = name;
	}
	if (!found && bad_ref && !digest_valid(name) && !(strlen(name) == 64 && is_hex(name))) {
		/* neither a reference nor an id: moby's InvalidParameter, not "No such image" */
		if (err)
			*err = TAKE_PTR(bad_ref);
		return -EINVAL;
	}
	if (!found)
		return no_such_image(err, name);
	return store_image_load(s, found, ret, err);
}

/* Record @manifest_digest (already a valid blob) in the index as an image. */
static int index_add_image(json_t *idx, const char *manifest_digest, const char *id)
{
	return json_object_set_new(json_object_get(idx, "images"), manifest_digest,
				   json_pack("{s:s}", "id", id)) < 0
		       ? -ENOMEM
		       : 0;
}

int store_image_commit(struct store *s, json_t *config, char *const *layer_digests,
		       const struct image *base, struct image **ret, struct hull_err **err)
{
	_cleanup_free_ char *cdata = json_dump_str(config, JSON_COMPACT);

	return store_image_commit_on(s, cdata, strlen(cdata), layer_digests, base, ret, err);
}

/*
 * The layer descriptors of @base's manifest (a JSON array), when they can
 * stand for the first layers of a new image: NULL if @base is NULL or its
 * manifest cannot be read.
 */
static json_t *base_layers(struct store *s, const struct image *base)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_json_ json_t *m = NULL;
	size_t len;

	if (!base ||
	    store_blob_read(s, base->manifest_digest, STORE_JSON_MAX, &data, &len, NULL) < 0 ||
	    json_load_buf(data, len, base->manifest_digest, &m, NULL) < 0)
		return NULL;
	return json_incref(json_object_get(m, "layers"));
}

/*
 * The manifest's descriptor of layer @i (diffID @diff_id): @base's own when
 * @base has that diffID at @i and its blob is in the store (a pulled
 * base's compressed blob, so that a push of an image built on it mounts
 * or reuses what the registry has, as docker's does), else the
 * uncompressed tar's.
 */
static json_t *layer_descriptor(struct store *s, const struct image *base, json_t *blayers,
				size_t i, const char *diff_id, struct hull_err **err)
{
	json_t *d = json_array_get(blayers, i);
	const char *dg = json_get_str(d, "digest");
	int64_t sz;

	if (base && i < strv_length(base->diff_ids) && streq(base->diff_ids[i], diff_id) && dg &&
	    digest_valid(dg) && !streq(dg, diff_id) && store_blob_size(s, dg) >= 0 &&
	    json_get_str(d, "mediaType"))
		return json_pack("{s:s,s:s,s:I}", "mediaType", json_get_str(d, "mediaType"),
				 "digest", dg, "size", (json_int_t) store_blob_size(s, dg));
	sz = store_blob_size(s, diff_id);
	if (sz < 0) {
		err_setx(err, ENOENT, "commit image: no layer blob '%s'", diff_id);
		return NULL;
	}
	return json_pack("{s:s,s:s,s:I}", "mediaType", "application/vnd.oci.image.layer.v1.tar",
			 "digest", diff_id, "size", (json_int_t) sz);
}

int store_image_commit_raw(struct store *s, const char *cdata, size_t clen,
			   char *const *layer_digests, struct image **ret, struct hull_err **err)
{
	return store_image_commit_on(s, cdata, clen, layer_digests, NULL, ret, err);
}

static int image_commit(struct store *s, const char *cdata, size_t clen, char *const *layer_digests,
			const struct image *base, bool intermediate, struct image **ret,
			struct hull_err **err)
{
	_cleanup_json_ json_t *blayers = base_layers(s, base);
	_cleanup_json_ json_t *manifest = NULL, *layers = NULL, *idx = NULL, *config = NULL;
	_cleanup_strv_ char **diff_ids = NULL;
	_cleanup_free_ char *mdata = NULL;
	char cdigest[DIGEST_STR_LEN], mdigest[DIGEST_STR_LEN];
	size_t n = strv_length(layer_digests);
	int r;

	if (clen > STORE_JSON_MAX)
		return err_setx(err, EBADMSG, "commit image: config larger than %u bytes",
				STORE_JSON_MAX);
	r = json_load_buf(cdata, clen, "image config", &config, err);
	if (r < 0)
		return err_wrap(err, "commit image");
	if (!json_is_object(config))
		return err_setx(err, EBADMSG, "commit image: the config is not an object");
	r = digest_array(json_object_get(json_object_get(config, "rootfs"), "diff_ids"),
			 "image config rootfs.diff_ids", &diff_ids, err);
	if (r < 0)
		return err_wrap(err, "commit image");
	if (strv_length(diff_ids) != n || (n > 0 && !strv_equal(diff_ids, (char **) layer_digests)))
		return err_setx(err, EINVAL, "commit image: rootfs.diff_ids do not match layers");

	layers = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *d = layer_descriptor(s, base, blayers, i, layer_digests[i], err);
		if (!d)
			return -ENOENT;
		json_array_append_new(layers, d);
	}

	r = store_blob_write(s, cdata, clen, cdigest, err);
	if (r < 0)
		return err_wrap(err, "commit image config");
	manifest = json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:O}", "schemaVersion", 2, "mediaType",
			     "application/vnd.oci.image.manifest.v1+json", "config", "mediaType",
			     "application/vnd.oci.image.config.v1+json", "digest", cdigest, "size",
			     (json_int_t) clen, "layers", layers);
	mdata = json_dump_str(manifest, JSON_COMPACT);
	r = store_blob_write(s, mdata, strlen(mdata), mdigest, err);
	if (r < 0)
		return err_wrap(err, "commit image manifest");

	r = store_lock(s, err);
	if (r < 0)
		return r;
	r = store_index_load(s, &idx, err);
	if (r == 0) {
		index_add_image(idx, mdigest, cdigest);
		if (intermediate)
			json_object_set_new(
				json_object_get(json_object_get(idx, "images"), mdigest),
				"intermediate", json_true());
		r = index_save(s, idx, err);
	}
	store_unlock(s);
	if (r < 0)
		return err_wrap(err, "commit image");
	if (!ret)
		return 0;
	return store_image_load(s, mdigest, ret, err);
}

int store_image_commit_on(struct store *s, const char *cdata, size_t clen,
			  char *const *layer_digests, const struct image *base, struct image **ret,
			  struct hull_err **err)
{
	return image_commit(s, cdata, clen, layer_digests, base, false, ret, err);
}

int store_image_commit_step(struct store *s, json_t *config, char *const *layer_digests,
			    const struct image *base, struct image **ret, struct hull_err **err)
{
	_cleanup_free_ char *cdata = json_dump_str(config, JSON_COMPACT);

	return image_commit(s, cdata, strlen(cdata), layer_digests, base, true, ret, err);
}

/* The index key of a reference: "domain/path:tag" in "refs", or "domain/path@digest" in "digests".
 */
static int index_key(const char *ref, char **ret, bool *ret_digest, struct hull_err **err)
{
	struct image_ref r = {0};
	int rc = ref_parse(ref, &r, err);

	if (rc < 0)
		return rc;
	*ret_digest = r.digest != NULL;
	*ret = r.digest ? xasprintf("%s/%s@%s", r.domain, r.path, r.digest) : ref_string(&r);
	ref_release(&r);
	return 0;
}

/*
 * Point @key of the index's @table ("refs": tags, "digests": repo digests;
 * NULL: none) at @manifest_digest, under the lock. A manifest not yet in
 * the index (a pull or a load wrote its blob) is validated and recorded as
 * an image first.
 */
static int index_set_ref(struct store *s, const char *table, const char *key,
			 const char *manifest_digest, bool unmark, struct hull_err **err)
{
	_cleanup_json_ json_t *idx = NULL;
	int r;

	r = store_lock(s, err);
	if (r < 0)
		return r;
	r = store_index_load(s, &idx, err);
	if (r < 0)
		goto out;
	if (!json_object_get(json_object_get(idx, "images"), manifest_digest)) {
		_cleanup_image_ struct image *img = NULL;
		r = store_image_load(s, manifest_digest, &img, err);
		if (r < 0)
			goto out;
		index_add_image(idx, manifest_digest, img->id);
	}
	if (table)
		json_object_set_new(json_object_get(idx, table), key, json_string(manifest_digest));
	if (unmark)
		json_object_del(json_object_get(json_object_get(idx, "images"), manifest_digest),
				"intermediate");
	r = index_save(s, idx, err);
out:
	store_unlock(s);
	return r;
}

void store_image_event(struct store *s, const char *action, const char *manifest_digest,
		       const char *ref)
{
	struct image *img = NULL;
	struct image_ref r = {0};
	json_t *attrs = json_object();
	const char *id = manifest_digest;

	if (manifest_digest && store_image_get(s, manifest_digest, &img, NULL) == 0)
		id = img->id;
	if (!ref) {
		json_object_set_new(attrs, "name", json_string(id ? id : ""));
	} else {
		/* moby names the image as the user knows it: "busybox:latest" */
		char *name = ref_parse(ref, &r, NULL) == 0 ? ref_familiar(&r) : xstrdup(ref);

		json_object_set_new(attrs, "name", json_string(name));
		free(name);
		ref_release(&r);
	}
	events_emit(s->root, "image", action, id ? id : (ref ? ref : ""), attrs);
	image_free(img);
}

static int tag(struct store *s, const char *ref, const char *manifest_digest, bool unmark,
	       struct hull_err **err)
{
	_cleanup_free_ char *full = NULL;
	bool digest;
	int r;

	r = index_key(ref, &full, &digest, err);
	if (r < 0)
		return err_wrap(err, "tag");
	if (digest) /* moby daemon/images/image_tag.go */
		return err_setx(err, EINVAL, "refusing to create a tag with a digest reference");
	r = index_set_ref(s, "refs", full, manifest_digest, unmark, err);
	if (r < 0)
		return err_wrap(err, "tag '%s'", full);
	store_image_event(s, "tag", manifest_digest, full);
	return 0;
}

int store_image_record(struct store *s, const char *manifest_digest, struct hull_err **err)
{
	return index_set_ref(s, NULL, NULL, manifest_digest, false, err);
}

int store_tag(struct store *s, const char *ref, const char *manifest_digest, struct hull_err **err)
{
	return tag(s, ref, manifest_digest, false, err);
}

int store_tag_result(struct store *s, const char *ref, const char *manifest_digest,
		     struct hull_err **err)
{
	return tag(s, ref, manifest_digest, true, err);
}

int store_untag(struct store *s, const char *ref, struct hull_err **err)
{
	_cleanup_json_ json_t *idx = NULL;
	_cleanup_free_ char *key = NULL;
	bool digest;
	int r;

	r = index_key(ref, &key, &digest, err);
	if (r < 0)
		return err_wrap(err, "untag");
	r = store_lock(s, err);
	if (r < 0)
		return r;
	r = store_index_load(s, &idx, err);
	if (r < 0)
		goto out;
	{
		_cleanup_free_ char *md = xstrdup(
			json_get_str(json_object_get(idx, digest ? "digests" : "refs"), key) ?: "");

		if (json_object_del(json_object_get(idx, digest ? "digests" : "refs"), key) < 0) {
			r = no_such_image(err, ref);
			goto out;
		}
		r = index_save(s, idx, err);
		if (r == 0)
			store_image_event(s, "untag", md, NULL);
	}
out:
	store_unlock(s);
	return r;
}

int store_repo_digest_add(struct store *s, const char *ref_with_digest, const char *manifest_digest,
			  struct hull_err **err)
{
	_cleanup_free_ char *key = NULL;
	bool digest;
	int r;

	r = index_key(ref_with_digest, &key, &digest, err);
	if (r == 0 && !digest)
		r = err_setx(err, EINVAL, "reference '%s' has no digest", ref_with_digest);
	if (r == 0 && !digest_valid(manifest_digest))
		r = err_setx(err, EINVAL, "invalid manifest digest '%s'", manifest_digest ?: "");
	if (r < 0)
		return err_wrap(err, "record repository digest");
	r = index_set_ref(s, "digests", key, manifest_digest, false, err);
	return r < 0 ? err_wrap(err, "record repository digest '%s'", key) : 0;
}

char **store_repo_digests(struct store *s, const char *manifest_digest)
{
	_cleanup_json_ json_t *idx = NULL;
	char **l = strv_new();
	const char *k;
	json_t *v;

	if (store_index_load(s, &idx, NULL) < 0)
		return l;
	json_object_foreach (json_object_get(idx, "digests"), k, v) {
		struct image_ref r;
		if (!streq(json_string_value(v) ?: "", manifest_digest) ||
		    ref_parse(k, &r, NULL) < 0)
			continue;
		strv_consume(&l, ref_familiar(&r));
		ref_release(&r);
	}
	qsort(l, strv_length(l), sizeof(char *), strcmp_ptr);
	return l;
}

int store_refs(struct store *s, json_t **ret, struct hull_err **err)
{
	_cleanup_json_ json_t *idx = NULL;
	int r = store_index_load(s, &idx, err);

	if (r < 0)
		return r;
	*ret = json_deep_copy(json_object_get(idx, "refs"));
	return 0;
}

/*
 * What the images of @idx use: blobs (manifests, configs, layer blobs,
 * diffIDs) and chainIDs, appended to the two vectors. False when an image
 * could not be read (then nothing can be said to be unused).
 */
bool store_collect_used(struct store *s, json_t *idx, char ***used_blobs, char ***used_chains)
{
	bool complete = true;
	const char *k;
	json_t *v;

	json_object_foreach (json_object_get(idx, "images"), k, v) {
		_cleanup_image_ struct image *other = NULL;
		struct hull_err *e = NULL;

		if (store_image_load(s, k, &other, &e) < 0) {
			/* cannot tell what it uses: keep every layer */
			err_free(e);
			complete = false;
			continue;
		}
		strv_push(used_blobs, other->manifest_digest);
		strv_push(used_blobs, other->id);
		STRV_FOREACH (p, other->layer_digests)
			strv_push(used_blobs, *p);
		STRV_FOREACH (p, other->diff_ids)
			strv_push(used_blobs, *p);
		STRV_FOREACH (p, other->chain_ids)
			strv_push(used_chains, *p);
	}
	json_object_foreach (json_object_get(idx, "digests"), k, v) {
		const char *at = strrchr(k, '@');
		if (at)
			strv_push(used_blobs, at + 1);
	}
	return complete;
}

int store_discard(struct store *s, char *const *digests, char *const *chain_ids,
		  struct hull_err **err)
{
	_cleanup_json_ json_t *idx = NULL;
	_cleanup_strv_ char **used_blobs = strv_new(), **used_chains = strv_new();
	int r;

	r = store_lock(s, err);
	if (r < 0)
		return r;
	r = store_index_load(s, &idx, err);
	if (r < 0 || !store_collect_used(s, idx, &used_blobs, &used_chains))
		goto out;
	STRV_FOREACH (d, (char **) digests)
		if (!strv_contains(used_blobs, *d))
			store_blob_remove(s, *d);
	STRV_FOREACH (c, (char **) chain_ids) {
		if (strv_contains(used_chains, *c))
			continue;
		r = store_layer_remove(s, *c, err);
		if (r < 0)
			break;
	}
out:
	store_unlock(s);
	return r;
}

/* Remove the stored blob @digest (and any lazy record); add the bytes freed to *@bytes. */
static void blob_remove_count(struct store *s, const char *digest, uint64_t *bytes)
{
	_cleanup_free_ char *p = store_blob_path(s, digest);
	struct stat st;

	if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
		*bytes += (uint64_t) st.st_size;
	store_blob_remove(s, digest);
}

int store_image_delete_report(struct store *s, const struct image *img, char ***ret_layers,
			      uint64_t *ret_bytes, struct hull_err **err)
{
	_cleanup_json_ json_t *idx = NULL;
	_cleanup_strv_ char **used_blobs = strv_new(), **used_chains = strv_new();
	_cleanup_strv_ char **removed = strv_new(), **digests_gone = strv_new();
	size_t n = strv_length(img->chain_ids);
	uint64_t bytes = 0;
	bool complete;
	const char *k;
	json_t *v;
	int r;

	r = store_lock(s, err);
	if (r < 0)
		return r;
	r = store_index_load(s, &idx, err);
	if (r < 0)
		goto out;
	json_object_foreach (json_object_get(idx, "refs"), k, v) {
		if (streq(json_string_value(v) ?: "", img->manifest_digest)) {
			r = err_setx(err, EBUSY, "image '%s' is still tagged as '%s'", img->id, k);
			goto out;
		}
	}
	/* its repository digests go with it (they are not tags) */
	{
		json_t *digests = json_object_get(idx, "digests");
		void *tmp;
		json_object_foreach_safe(digests, tmp, k, v)
		{
			const char *at = strrchr(k, '@');
			if (!streq(json_string_value(v) ?: "", img->manifest_digest))
				continue;
			if (at && digest_valid(at + 1) && !streq(at + 1, img->manifest_digest))
				strv_push(&digests_gone, at + 1); /* an index's digest */
			(void) json_object_del(digests, k);
		}
	}
	/* forget the image first: a crash later leaves only unreferenced blobs */
	(void) json_object_del(json_object_get(idx, "images"), img->manifest_digest);
	r = index_save(s, idx, err);
	if (r < 0)
		goto out;

	complete = store_collect_used(s, idx, &used_blobs, &used_chains);

	blob_remove_count(s, img->manifest_digest, &bytes);
	if (!strv_contains(used_blobs, img->id))
		blob_remove_count(s, img->id, &bytes);
	/* the index blob of a multi-platform pull, when no other repository digest names it */
	STRV_FOREACH (d, digests_gone)
		if (!strv_contains(used_blobs, *d))
			blob_remove_count(s, *d, &bytes);
	if (!complete)
		goto out;
	/* top layer first, as docker's layer store releases a chain */
	for (size_t i = n; i > 0; i--) {
		const char *blobs[] = {img->layer_digests[i - 1], img->diff_ids[i - 1]};
		const char *chain = img->chain_ids[i - 1];
		for (size_t j = 0; j < ARRAY_SIZE(blobs); j++) {
			if (!strv_contains(used_blobs, blobs[j]))
				blob_remove_count(s, blobs[j], &bytes);
		}
		if (!strv_contains(used_chains, chain) && !strv_contains(removed, chain)) {
			_cleanup_free_ char *dir = store_layer_dir(s, chain);
			int64_t sz = dir_size(dir);
			if (!store_layer_exists(s, chain))
				continue;
			r = store_layer_remove(s, chain, err);
			if (r < 0)
				goto out;
			bytes += sz > 0 ? (uint64_t) sz : 0;
			strv_push(&removed, chain);
		}
	}
out:
	store_unlock(s);
	if (r < 0)
		return err_wrap(err, "delete image '%s'", img->id);
	{
		json_t *attrs = json_object();

		json_object_set_new(attrs, "name", json_string(img->id));
		events_emit(s->root, "image", "delete", img->id, attrs);
	}
	if (ret_layers)
		*ret_layers = TAKE_PTR(removed);
	if (ret_bytes)
		*ret_bytes = bytes;
	return 0;
}

int store_image_delete(struct store *s, const struct image *img, struct hull_err **err)
{
	return store_image_delete_report(s, img, NULL, NULL, err);
}
