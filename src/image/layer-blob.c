/* SPDX-License-Identifier: MIT */
/*
 * Layer blobs that are not stored ("lazy" blobs). A layer built here
 * (store_layer_commit_dir()) keeps no copy of its uncompressed tar: the tar
 * writer is deterministic, so the tar is hashed once for the diffID and
 * made again from the layer directory when a consumer wants its bytes. What
 * is recorded instead:
 *
 *   layers/<chain hex>/layer.json  {"diff_id": D, "size": N}
 *       the layer's diff/ directory archives to the tar D of N bytes;
 *   blobs/lazy/<hex of D>          {"size": N, "chain_id": C}
 *       the blob D exists lazily: N bytes, made from layers/<hex of C>.
 *
 * A pulled layer (store_layer_import_stream()) is lazy too, but its tar
 * came from another writer: layers/<chain hex>/tar-split keeps what the tar
 * held beside the files (image/tar-split.c), so the same bytes are made
 * again, as docker's tar-split does.
 *
 * A stored blob (imports, configs, manifests) always wins over a lazy
 * record, so a store holding real layer blobs reads as before. If the
 * recorded chain is gone (another image with the same diffID on another
 * parent keeps D alive), any layer whose layer.json names D serves.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "image/store-internal.h"
#include "util/fs.h"
#include "util/json.h"

#define LAYER_META "layer.json"
#define LAZY_STAGE "lazy.json"

static char *lazy_path(struct store *s, const char *digest)
{
	return xasprintf("%s/blobs/lazy/%s", s->root,
			 digest_valid(digest) ? digest_hex(digest) : "invalid");
}

static int write_small(const char *path, json_t *j, struct hull_err **err)
{
	_cleanup_free_ char *data = json_dump_str(j, JSON_COMPACT | JSON_SORT_KEYS);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	int r;

	if (fd < 0)
		return err_set(err, errno, "create '%s'", path);
	r = write_all(fd, data, strlen(data));
	return r < 0 ? err_set(err, -r, "write '%s'", path) : 0;
}

int layer_record_stage(struct store *s, const char *stage, const char *diff_id, uint64_t size,
		       const char *chain_id, struct hull_err **err)
{
	_cleanup_free_ char *meta = path_join(stage, LAYER_META);
	_cleanup_free_ char *lazy = path_join(stage, LAZY_STAGE);
	_cleanup_json_ json_t *m =
		json_pack("{s:s,s:I}", "diff_id", diff_id, "size", (json_int_t) size);
	_cleanup_json_ json_t *l =
		json_pack("{s:I,s:s}", "size", (json_int_t) size, "chain_id", chain_id);
	int r;

	(void) s;
	r = write_small(meta, m, err);
	if (r == 0)
		r = write_small(lazy, l, err);
	return r;
}

/* A stored blob or a lazy record of @digest? */
static bool blob_known(struct store *s, const char *digest)
{
	_cleanup_free_ char *p = store_blob_path(s, digest), *l = lazy_path(s, digest);

	return access(p, F_OK) == 0 || access(l, F_OK) == 0;
}

int layer_record_adopt(struct store *s, const char *chain_id, const char *diff_id, uint64_t size,
		       struct hull_err **err)
{
	_cleanup_free_ char *staged =
		xasprintf("%s/layers/%s/" LAZY_STAGE, s->root, digest_hex(chain_id));
	_cleanup_free_ char *dst = lazy_path(s, diff_id);
	_cleanup_free_ char *data = NULL;
	_cleanup_json_ json_t *l = NULL;

	if (blob_known(s, diff_id)) {
		(void) unlink(staged);
		return 0;
	}
	if (rename(staged, dst) == 0)
		return 0;
	if (errno != ENOENT)
		return err_set(err, errno, "record layer blob '%s'", diff_id);
	/* the layer was there already (its stage was dropped) and its record is not */
	l = json_pack("{s:I,s:s}", "size", (json_int_t) size, "chain_id", chain_id);
	data = json_dump_str(l, JSON_COMPACT | JSON_SORT_KEYS);
	return write_file_atomic(dst, data, strlen(data), 0644, err);
}

void store_blob_remove(struct store *s, const char *digest)
{
	_cleanup_free_ char *p = store_blob_path(s, digest), *l = lazy_path(s, digest);

	(void) unlink(p);
	(void) unlink(l);
}

/* The lazy record of @digest: its size (and the chain it names, may be NULL). */
static int lazy_read(struct store *s, const char *digest, int64_t *ret_size, char **ret_chain)
{
	_cleanup_free_ char *p = lazy_path(s, digest);
	_cleanup_json_ json_t *j = NULL;
	json_t *sz;
	const char *c;

	if (json_load_path(p, 4096, &j, NULL) < 0)
		return -ENOENT;
	sz = json_object_get(j, "size");
	c = json_get_str(j, "chain_id");
	if (!json_is_integer(sz) || json_integer_value(sz) < 0 || !c || !digest_valid(c))
		return -EBADMSG;
	*ret_size = json_integer_value(sz);
	if (ret_chain)
		*ret_chain = xstrdup(c);
	return 0;
}

int64_t store_blob_size(struct store *s, const char *digest)
{
	_cleanup_free_ char *p = store_blob_path(s, digest);
	struct stat st;
	int64_t size;

	if (stat(p, &st) == 0)
		return (int64_t) st.st_size;
	if (lazy_read(s, digest, &size, NULL) < 0)
		return -1;
	return size;
}

/* Does layers/@hex/layer.json say its diff/ archives to @digest? */
static bool layer_makes(struct store *s, const char *hex, const char *digest)
{
	_cleanup_free_ char *p = xasprintf("%s/layers/%s/" LAYER_META, s->root, hex);
	_cleanup_json_ json_t *j = NULL;

	if (json_load_path(p, 4096, &j, NULL) < 0)
		return false;
	return streq(json_get_str(j, "diff_id") ?: "", digest);
}

/* The diff/ directory of a layer that archives to @digest, preferring @chain; caller frees. */
static char *find_layer_dir(struct store *s, const char *digest, const char *chain)
{
	_cleanup_free_ char *layers = path_join(s->root, "layers");
	struct dirent *de;
	char *found = NULL;
	DIR *d;

	if (chain && layer_makes(s, digest_hex(chain), digest))
		return store_layer_dir(s, chain);
	d = opendir(layers);
	if (!d)
		return NULL;
	while (!found && (de = readdir(d)))
		if (de->d_name[0] != '.' && layer_makes(s, de->d_name, digest))
			found = xasprintf("%s/%s/diff", layers, de->d_name);
	closedir(d);
	return found;
}

/* An unlinked file under tmp/ (same file system as the layers). */
static int open_tmpfile(struct store *s, struct hull_err **err)
{
	_cleanup_free_ char *tmp = path_join(s->root, "tmp");
	_cleanup_free_ char *named = NULL;
	int fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd >= 0 ? fd : err_set(err, errno, "create a file in '%s'", tmp);
	named = xasprintf("%s/layer-tar-%d-XXXXXX", tmp, (int) getpid());
	fd = mkostemp(named, O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "create '%s'", named);
	(void) unlink(named);
	return fd;
}

/*
 * The tar of the layer directory @dir (".../layers/<hex>/diff") into @fd: a
 * pulled layer's own tar from its skeleton (layers/<hex>/tar-split), else
 * the tar hull's writer makes of it (a layer built here).
 */
static int layer_make_tar(const char *dir, int fd, char ret_digest[DIGEST_STR_LEN],
			  uint64_t *ret_size, struct hull_err **err)
{
	_cleanup_free_ char *split = NULL;
	_cleanup_close_ int sfd = -1, dfd = -1;
	const char *slash = strrchr(dir, '/');

	split = xasprintf("%.*s/tar-split", (int) (slash ? slash - dir : 0), dir);
	sfd = open(split, O_RDONLY | O_CLOEXEC);
	if (sfd < 0)
		return layer_dir_tar(dir, fd, ret_digest, ret_size, err);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "open '%s'", dir);
	return tar_split_replay(sfd, dfd, fd, ret_digest, ret_size, err);
}

/* Hash what @fd holds from its start; leave it at offset 0. */
static int hash_fd(int fd, char ret_digest[DIGEST_STR_LEN], uint64_t *ret_size)
{
	struct sha256_ctx *h = sha256_new();
	_cleanup_free_ char *buf = xmalloc(1 << 17);
	uint64_t size = 0;
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0) {
		sha256_final(h, ret_digest);
		return -errno;
	}
	while ((n = read(fd, buf, 1 << 17)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		sha256_update(h, buf, (size_t) n);
		size += (uint64_t) n;
	}
	sha256_final(h, ret_digest);
	*ret_size = size;
	if (n < 0)
		return -errno;
	return lseek(fd, 0, SEEK_SET) < 0 ? -errno : 0;
}

int store_blob_open_layer(struct store *s, const char *digest, int *ret_fd, struct hull_err **err)
{
	_cleanup_free_ char *p = NULL, *chain = NULL, *dir = NULL;
	_cleanup_close_ int fd = -1;
	char got[DIGEST_STR_LEN];
	uint64_t size = 0;
	int64_t want = -1;
	int r;

	if (!digest_valid(digest))
		return err_setx(err, EINVAL, "invalid digest '%s'", digest);
	p = store_blob_path(s, digest);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return err_set(err, errno, "open blob '%s'", digest);
	if (fd >= 0) {
		r = hash_fd(fd, got, &size);
		if (r < 0)
			return err_set(err, -r, "read blob '%s'", digest);
	} else {
		r = lazy_read(s, digest, &want, &chain);
		if (r == -EBADMSG)
			return err_setx(err, EBADMSG, "layer blob record '%s' is malformed",
					digest);
		if (r < 0)
			return err_setx(err, ENOENT, "no such blob: %s", digest);
		/* the layer must not go away while it is archived */
		r = store_lock(s, err);
		if (r < 0)
			return r;
		dir = find_layer_dir(s, digest, chain);
		if (!dir) {
			store_unlock(s);
			return err_setx(err, ENOENT, "layer blob '%s': no layer directory makes it",
					digest);
		}
		fd = open_tmpfile(s, err);
		r = fd < 0 ? fd : layer_make_tar(dir, fd, got, &size, err);
		store_unlock(s);
		if (r < 0)
			return err_wrap(err, "make layer blob '%s'", digest);
		if (lseek(fd, 0, SEEK_SET) < 0)
			return err_set(err, errno, "make layer blob '%s'", digest);
	}
	if (!streq(got, digest) || (want >= 0 && (uint64_t) want != size))
		return err_setx(err, EBADMSG,
				"layer blob '%s' is corrupt (content hashes to '%s', %llu bytes)",
				digest, got, (unsigned long long) size);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int store_blob_verify(struct store *s, const char *digest, struct hull_err **err)
{
	_cleanup_free_ char *p = store_blob_path(s, digest);
	_cleanup_close_ int fd = -1;
	char got[DIGEST_STR_LEN];
	uint64_t size;
	int r;

	if (!digest_valid(digest))
		return err_setx(err, EINVAL, "invalid digest '%s'", digest);
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set(err, errno, "open blob '%s'", digest);
	r = hash_fd(fd, got, &size);
	if (r < 0)
		return err_set(err, -r, "read blob '%s'", digest);
	if (!streq(got, digest))
		return err_setx(err, EBADMSG, "content hashes to %s", got);
	return 0;
}

int store_layer_verify(struct store *s, const char *chain_id, const char *diff_id,
		       struct hull_err **err)
{
	_cleanup_free_ char *dir = store_layer_dir(s, chain_id), *meta = NULL;
	_cleanup_json_ json_t *j = NULL;
	_cleanup_close_ int null_fd = -1;
	char got[DIGEST_STR_LEN];
	uint64_t size = 0;
	const char *recorded;
	int r;

	if (!digest_valid(chain_id) || !digest_valid(diff_id))
		return err_setx(err, EINVAL, "invalid digest");
	meta = xasprintf("%s/layers/%s/" LAYER_META, s->root, digest_hex(chain_id));
	r = store_lock(s, err);
	if (r < 0)
		return r;
	if (!store_layer_exists(s, chain_id)) {
		r = err_setx(err, ENOENT, "missing");
		goto out;
	}
	if (access(meta, F_OK) < 0) {
		r = 1; /* imported: its tar is a stored blob */
		goto out;
	}
	r = json_load_path(meta, 4096, &j, err);
	if (r < 0)
		goto out;
	recorded = json_get_str(j, "diff_id");
	if (!recorded || !streq(recorded, diff_id)) {
		r = err_setx(err, EBADMSG, "its " LAYER_META " names diffID %s, not %s",
			     recorded ?: "none", diff_id);
		goto out;
	}
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_fd < 0) {
		r = err_set(err, errno, "open /dev/null");
		goto out;
	}
	r = layer_make_tar(dir, null_fd, got, &size, err);
	if (r < 0)
		goto out;
	if (!streq(got, diff_id))
		r = err_setx(err, EBADMSG, "contents archive to %s, not its diffID %s", got,
			     diff_id);
out:
	store_unlock(s);
	return r;
}
