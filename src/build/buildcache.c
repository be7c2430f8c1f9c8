/* SPDX-License-Identifier: MIT */
/* The directories of RUN --mount=type=cache (see build/buildcache.h). */
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include "build/buildcache.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

/* How often to start over when a prune or another build changed the cache meanwhile. */
#define ACQUIRE_TRIES 64

static char *mounts_dir(struct store *s)
{
	return xasprintf("%s/cache/mounts", s->root);
}

static bool key_valid(const char *key)
{
	_cleanup_free_ char *d = xasprintf("sha256:%s", key);
	return digest_valid(d);
}

/* Is the directory open as @fd still the one at @path (not moved away by a prune)? */
static bool still_at(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

void build_cache_release(struct build_cache_lease *l)
{
	if (!l)
		return;
	if (l->inst_fd >= 0)
		(void) close(l->inst_fd);
	if (l->dir_fd >= 0)
		(void) close(l->dir_fd);
	free(l->path);
	*l = (struct build_cache_lease) BUILD_CACHE_LEASE_INIT;
}

/* Open and share-lock the cache's directory, creating it with its info.json. */
static int open_cache_dir(struct store *s, const char *dir, const char *id, int *ret_fd,
			  struct hull_err **err)
{
	_cleanup_free_ char *top = mounts_dir(s), *info = path_join(dir, "info.json");
	int fd, r;

	r = mkdir_p(top, 0700, err);
	if (r < 0)
		return r;
	if (mkdir(dir, 0700) == 0) {
		json_t *j = json_pack("{s:s,s:I}", "id", id, "created", (json_int_t) time(NULL));
		_cleanup_free_ char *text = json_dump_str(j, JSON_COMPACT);
		json_decref(j);
		r = write_file_atomic(info, text, strlen(text), 0600, err);
		if (r < 0)
			return r;
	} else if (errno != EEXIST) {
		return err_set(err, errno, "create cache directory '%s'", dir);
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open cache directory '%s'", dir);
	if (flock(fd, LOCK_SH) < 0) {
		r = err_set(err, errno, "lock cache directory '%s'", dir);
		(void) close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/*
 * A new instance, made in tmp/ (filled, owned, locked) and renamed to
 * @path: 0 with *@ret_fd, 1 when another build took the name first or the
 * cache went away (start over).
 */
static int create_instance(struct store *s, const char *path, mode_t mode, uid_t uid, gid_t gid,
			   int lock, int (*seed)(void *, const char *, struct hull_err **),
			   void *seed_arg, int *ret_fd, struct hull_err **err)
{
	_cleanup_free_ char *tmp = NULL;
	int fd, r;

	r = store_tmpdir(s, "cache-mount", &tmp, err);
	if (r < 0)
		return r;
	if (seed) {
		r = seed(seed_arg, tmp, err);
		if (r < 0)
			goto fail;
	}
	if (chown(tmp, uid, gid) < 0 || chmod(tmp, mode) < 0) {
		r = err_set(err, errno, "set the owner and mode of cache directory '%s'", tmp);
		goto fail;
	}
	fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, lock) < 0) {
		r = err_set(err, errno, "open cache directory '%s'", tmp);
		if (fd >= 0)
			(void) close(fd);
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = errno;
		(void) close(fd);
		if (r == EEXIST || r == ENOTEMPTY || r == ENOENT) {
			(void) rm_rf(tmp, NULL);
			return 1;
		}
		r = err_set(err, r, "create cache directory '%s'", path);
		goto fail;
	}
	*ret_fd = fd;
	return 0;
fail:
	(void) rm_rf(tmp, NULL);
	return r;
}

int build_cache_acquire(struct store *s, const char *key, const char *id,
			enum build_mount_sharing sharing, mode_t mode, uid_t uid, gid_t gid,
			int (*seed)(void *arg, const char *dir, struct hull_err **err),
			void *seed_arg, struct build_cache_lease *ret, struct hull_err **err)
{
	_cleanup_free_ char *top = mounts_dir(s), *dir = NULL;
	int lock = sharing == BUILD_SHARING_SHARED ? LOCK_SH : LOCK_EX;
	int r;

	if (!key_valid(key))
		return err_setx(err, EINVAL, "invalid cache key '%s'", key);
	dir = path_join(top, key);
	for (int tries = 0; tries < ACQUIRE_TRIES; tries++) {
		_cleanup_close_ int dfd = -1;
		bool retry = false;

		r = open_cache_dir(s, dir, id, &dfd, err);
		if (r < 0)
			return r;
		if (!still_at(dfd, dir))
			continue; /* pruned meanwhile */
		for (unsigned n = 0; !retry; n++) {
			_cleanup_free_ char *inst = xasprintf("%s/%u", dir, n);
			int fd = open(inst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (fd < 0 && errno != ENOENT)
				return err_set(err, errno, "open cache directory '%s'", inst);
			if (fd < 0) {
				r = create_instance(s, inst, mode, uid, gid, lock, seed, seed_arg,
						    &fd, err);
				if (r < 0)
					return r;
				if (r > 0) {
					retry = true;
					break;
				}
			} else if (flock(fd,
					 lock | (sharing == BUILD_SHARING_LOCKED ? 0 : LOCK_NB)) <
				   0) {
				r = errno;
				(void) close(fd);
				if (r == EWOULDBLOCK)
					continue; /* in use: the next instance */
				return err_set(err, r, "lock cache directory '%s'", inst);
			}
			if (!still_at(fd, inst)) {
				(void) close(fd);
				retry = true;
				break;
			}
			(void) futimens(dfd, NULL); /* the last use, for prune */
			*ret = (struct build_cache_lease){
				.path = TAKE_PTR(inst), .dir_fd = TAKE_FD(dfd), .inst_fd = fd};
			return 0;
		}
	}
	return err_setx(err, EAGAIN, "cache mount '%s' keeps changing, giving up", id);
}

void build_cache_records_free(struct build_cache_record *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].key);
		free(r[i].id);
	}
	free(r);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

int build_cache_list(struct store *s, struct build_cache_record **ret, size_t *ret_n,
		     struct hull_err **err)
{
	_cleanup_free_ char *top = mounts_dir(s);
	_cleanup_strv_ char **names = strv_new();
	struct build_cache_record *v = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(top);

	if (!d && errno != ENOENT)
		return err_set(err, errno, "open '%s'", top);
	while (d && (de = readdir(d)))
		if (key_valid(de->d_name))
			strv_push(&names, de->d_name);
	if (d)
		closedir(d);
	qsort(names, strv_length(names), sizeof(char *), name_cmp);
	v = xcalloc(strv_length(names) + 1, sizeof(*v));
	STRV_FOREACH (k, names) {
		_cleanup_free_ char *dir = path_join(top, *k), *info = path_join(dir, "info.json");
		_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct build_cache_record *c = &v[n];
		json_t *j = NULL;
		struct stat st;

		if (fd < 0)
			continue;
		c->key = xstrdup(*k);
		if (json_load_path(info, 1 << 16, &j, NULL) == 0) {
			c->id = json_get_str(j, "id") ? xstrdup(json_get_str(j, "id")) : NULL;
			c->created = (double) json_integer_value(json_object_get(j, "created"));
			json_decref(j);
		}
		if (!c->id)
			c->id = xstrdup("");
		if (fstat(fd, &st) == 0)
			c->last_used = (double) st.st_mtim.tv_sec;
		c->size = dir_size(dir);
		if (c->size < 0)
			c->size = 0;
		c->in_use = flock(fd, LOCK_EX | LOCK_NB) < 0;
		n++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int build_cache_remove(struct store *s, const char *key, struct hull_err **err)
{
	_cleanup_free_ char *top = mounts_dir(s), *dir = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (!key_valid(key))
		return err_setx(err, EINVAL, "invalid cache key '%s'", key);
	dir = path_join(top, key);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "open '%s'", dir);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : err_set(err, errno, "lock '%s'", dir);
	/* out of sight first: a build that waits for the lock then sees it gone */
	r = store_tmpdir(s, "cache-prune", &tmp, err);
	if (r < 0)
		return r;
	if (rename(dir, tmp) < 0) {
		r = err_set(err, errno, "remove cache '%s'", dir);
		(void) rm_rf(tmp, NULL);
		return r;
	}
	return rm_rf(tmp, err);
}

void build_cache_forget_steps(struct store *s)
{
	_cleanup_free_ char *dir = path_join(s->root, "cache");
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (key_valid(de->d_name) || streq(de->d_name, "contenthash.bin"))
			(void) unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}
