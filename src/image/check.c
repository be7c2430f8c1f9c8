/* SPDX-License-Identifier: MIT */
/*
 * `hull system check` of the image store (store_check(), store.h), as
 * `git fsck` checks a repository: what is referenced must be there and
 * whole, and what nothing references is an orphan that --repair removes.
 * The listing and hashing are the store's own (store_index_load(),
 * store_collect_used(), store_blob_verify(), store_layer_verify()).
 */
#include <dirent.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "image/reference.h"
#include "image/store-internal.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

struct check {
	struct store *s;
	bool repair;
	bool orphans_only; /* store_remove_orphans(): no verification, nothing else */
	store_check_fn report;
	void *arg;
	int left; /* problems not repaired */
};

static void problem(struct check *c, const char *object, bool repaired, const char *fmt, ...)
	_printf_(4, 5);
static void problem(struct check *c, const char *object, bool repaired, const char *fmt, ...)
{
	_cleanup_free_ char *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	c->report(c->arg, object, what, repaired);
	if (!repaired)
		c->left++;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The names in @dir (not "." and ".."), sorted; an empty list when it cannot be read. */
static char **dir_names(const char *dir)
{
	_cleanup_strv_ char **l = strv_new();
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return TAKE_PTR(l);
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			strv_push(&l, de->d_name);
	closedir(d);
	qsort(l, strv_length(l), sizeof(char *), cmp_name);
	return TAKE_PTR(l);
}

static bool is_hex64(const char *n)
{
	size_t i = 0;

	for (; n[i]; i++)
		if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
			return false;
	return i == DIGEST_HEX_LEN;
}

/*
 * Remove @name below @dir, a directory of the store at @root (a file or a tree);
 * true when it is gone. A store directory that resolves anywhere but its own
 * place (a link planted for it, or in its path) is not touched.
 */
static bool remove_entry(const char *root, const char *dir, const char *name)
{
	_cleanup_free_ char *real_root = realpath(root, NULL), *real_dir = realpath(dir, NULL);
	_cleanup_free_ char *want = NULL;
	_cleanup_close_ int dfd = -1;

	if (!real_root || !real_dir || !startswith(dir, root))
		return false;
	want = xasprintf("%s%s", real_root, dir + strlen(root));
	if (!streq(real_dir, want))
		return false;
	dfd = open(real_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return dfd >= 0 && image_rm_rf_at(dfd, name) == 0;
}

/* An entry of @sub ("blobs/sha256") that is no store object: an orphan. */
static void stray(struct check *c, const char *sub, const char *name)
{
	_cleanup_free_ char *dir = path_join(c->s->root, sub);
	_cleanup_free_ char *obj = xasprintf("%s/%s", sub, name);

	problem(c, obj, c->repair && remove_entry(c->s->root, dir, name), "not a store object");
}

/* Each image: its manifest and config (verified by store_image_load()), and its layers. */
static void check_images(struct check *c, json_t *idx, char ***verified)
{
	const char *k;
	json_t *v;

	json_object_foreach (json_object_get(idx, "images"), k, v) {
		_cleanup_image_ struct image *img = NULL;
		_cleanup_free_ char *obj = xasprintf("image %s", k);
		struct hull_err *e = NULL;

		if (store_image_load(c->s, k, &img, &e) < 0) {
			problem(c, obj, false, "%s", e->msg);
			err_free(e);
			continue;
		}
		if (!streq(json_get_str(v, "id") ?: "", img->id))
			problem(c, obj, false, "the index gives it id %s, its manifest config %s",
				json_get_str(v, "id") ?: "none", img->id);
		for (size_t i = 0; img->chain_ids[i]; i++) {
			const char *chain = img->chain_ids[i], *diff_id = img->diff_ids[i];
			_cleanup_free_ char *lobj = xasprintf("layer %s", chain);
			int r;

			if (strv_contains(*verified, chain))
				continue;
			strv_push(verified, chain);
			if (store_blob_size(c->s, diff_id) < 0)
				problem(c, lobj, false, "no blob or lazy record of its diffID %s",
					diff_id);
			r = store_layer_verify(c->s, chain, diff_id, &e);
			if (r == -ENOENT)
				problem(c, lobj, false, "missing (image %s uses it)", img->id);
			else if (r < 0)
				problem(c, lobj, false, "%s", e->msg);
			err_free(e);
			e = NULL;
		}
	}
}

/* Tags and repository digests must name an image of the index. */
static void check_references(struct check *c, json_t *idx)
{
	json_t *images = json_object_get(idx, "images");
	const char *tables[] = {"refs", "digests"};

	for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
		const char *k;
		json_t *v;

		json_object_foreach (json_object_get(idx, tables[t]), k, v) {
			struct image_ref ref;
			const char *m = json_string_value(v);
			_cleanup_free_ char *name = NULL, *obj = NULL;

			if (ref_parse(k, &ref, NULL) == 0) {
				name = ref_familiar(&ref);
				ref_release(&ref);
			}
			obj = xasprintf("reference %s", name ?: k);
			if (!m || !digest_valid(m))
				problem(c, obj, false, "does not name a manifest digest");
			else if (!json_object_get(images, m))
				problem(c, obj, false, "image %s is not in the store", m);
		}
	}
}

/* A stored blob against its name (blobs/sha256/). */
static void verify_blob(struct check *c, const char *dir, const char *digest, const char *obj)
{
	struct hull_err *e = NULL;

	(void) dir;
	if (store_blob_verify(c->s, digest, &e) < 0) {
		problem(c, obj, false, "%s", e->msg);
		err_free(e);
	}
}

/* A lazy record's shape (blobs/lazy/); the layers check what it names. */
static void verify_lazy(struct check *c, const char *dir, const char *digest, const char *obj)
{
	_cleanup_free_ char *p = path_join(dir, digest_hex(digest));
	_cleanup_json_ json_t *j = NULL;

	if (json_load_path(p, 4096, &j, NULL) < 0 || !json_is_integer(json_object_get(j, "size")) ||
	    !digest_valid(json_get_str(j, "chain_id") ?: ""))
		problem(c, obj, false, "malformed record");
}

/*
 * The objects of @sub ("blobs/sha256", "blobs/lazy", "layers"), named by
 * their hex digest and called "@what sha256:<hex>": those @used does not
 * name are orphans (when @complete: every image could be read), removed with
 * --repair (a layer moved out of sight first; a blob's lazy record is an
 * object of its own); the others go to @verify (may be NULL: checked
 * elsewhere). Other names are strays.
 */
static void check_objects(struct check *c, const char *sub, const char *what, char *const *used,
			  bool complete,
			  void (*verify)(struct check *, const char *, const char *, const char *))
{
	_cleanup_free_ char *dir = path_join(c->s->root, sub);
	_cleanup_strv_ char **names = dir_names(dir);
	bool layers = streq(sub, "layers");

	STRV_FOREACH (n, names) {
		_cleanup_free_ char *d = xasprintf("sha256:%s", *n);
		_cleanup_free_ char *obj = xasprintf("%s %s", what, d);
		bool removed = false;

		if (!is_hex64(*n)) {
			if (!c->orphans_only)
				stray(c, sub, *n);
			continue;
		}
		if (complete && !strv_contains(used, d)) {
			/* an orphan needs no verification: it goes, or stays unused */
			if (c->repair)
				removed = layers ? store_layer_remove(c->s, d, NULL) == 0
						 : remove_entry(c->s->root, dir, *n);
			problem(c, obj, removed, "no image uses it");
			continue;
		}
		if (!c->orphans_only && verify)
			verify(c, dir, d, obj);
	}
}

/*
 * What killed processes left: markers of dead writers, stale stages in
 * tmp/, stale index.json.tmp.<pid> in images/.
 */
static void check_leftovers(struct check *c)
{
	_cleanup_free_ char *tmp = path_join(c->s->root, "tmp");
	_cleanup_free_ char *images = path_join(c->s->root, "images");
	_cleanup_strv_ char **t = dir_names(tmp), **i = dir_names(images);
	_cleanup_free_ char *writers = path_join(c->s->root, "writers");
	_cleanup_strv_ char **w = dir_names(writers);
	_cleanup_close_ int wfd = open(writers, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* the marker of a writer that died: the next store_open() reclaims its orphans */
	STRV_FOREACH (n, w) {
		_cleanup_free_ char *obj = xasprintf("writers/%s", *n);
		if (wfd >= 0 && store_writer_stale(wfd, *n))
			problem(c, obj, c->repair && remove_entry(c->s->root, writers, *n),
				"a writer that died (what it left is reclaimed with it)");
	}
	STRV_FOREACH (n, t) {
		_cleanup_free_ char *obj = xasprintf("tmp/%s", *n);
		if (store_tmp_entry_stale(*n))
			problem(c, obj, c->repair && remove_entry(c->s->root, tmp, *n),
				"left by a process that is gone");
	}
	STRV_FOREACH (n, i) {
		_cleanup_free_ char *obj = xasprintf("images/%s", *n);
		const char *pid =
			startswith(*n, "index.json.tmp.") ? *n + strlen("index.json.tmp.") : NULL;
		_cleanup_free_ char *as_tmp = pid ? xasprintf("x-%s-", pid) : NULL;

		if (streq(*n, "index.json"))
			continue;
		if (!pid)
			problem(c, obj, c->repair && remove_entry(c->s->root, images, *n),
				"not a store object");
		else if (store_tmp_entry_stale(as_tmp))
			problem(c, obj, c->repair && remove_entry(c->s->root, images, *n),
				"left by a process that is gone");
	}
}

int store_check(struct store *s, bool repair, store_check_fn report, void *arg,
		struct hull_err **err)
{
	struct check c = {.s = s, .repair = repair, .report = report, .arg = arg};
	_cleanup_strv_ char **used_blobs = strv_new(), **used_chains = strv_new();
	_cleanup_strv_ char **verified = strv_new();
	_cleanup_json_ json_t *idx = NULL;
	struct hull_err *e = NULL;
	bool complete = false;
	int r;

	r = store_lock(s, err);
	if (r < 0)
		return r;
	if (store_index_load(s, &idx, &e) < 0) {
		/* nothing can be said to be unused: report, remove no blob or layer */
		problem(&c, "images/index.json", false, "%s", e->msg);
		err_free(e);
	} else {
		check_images(&c, idx, &verified);
		check_references(&c, idx);
		complete = store_collect_used(s, idx, &used_blobs, &used_chains);
	}
	check_objects(&c, "blobs/sha256", "blob", used_blobs, complete, verify_blob);
	check_objects(&c, "blobs/lazy", "lazy blob", used_blobs, complete, verify_lazy);
	check_objects(&c, "layers", "layer", used_chains, complete, NULL);
	check_leftovers(&c);
	store_unlock(s);
	return c.left;
}

static void ignore(void *arg, const char *object, const char *problem, bool repaired)
{
	(void) arg;
	(void) object;
	(void) problem;
	(void) repaired;
}

void store_remove_orphans(struct store *s)
{
	struct check c = {.s = s, .repair = true, .orphans_only = true, .report = ignore};
	_cleanup_strv_ char **used_blobs = strv_new(), **used_chains = strv_new();
	_cleanup_json_ json_t *idx = NULL;

	if (store_index_load(s, &idx, NULL) < 0 ||
	    !store_collect_used(s, idx, &used_blobs, &used_chains))
		return;
	check_objects(&c, "blobs/sha256", "blob", used_blobs, true, NULL);
	check_objects(&c, "blobs/lazy", "lazy blob", used_blobs, true, NULL);
	check_objects(&c, "layers", "layer", used_chains, true, NULL);
}
