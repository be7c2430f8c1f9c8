/* SPDX-License-Identifier: MIT */
/* `hull load`: images from a docker 25+ / `hull save` archive (image/load.h). */
#include <fcntl.h>
#include <sys/stat.h>
#include "image/archive-dl.h"
#include "image/load.h"
#include "image/reference.h"
#include "image/store-internal.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

#define BLOB_PREFIX "blobs/sha256/"
#define MAX_IMAGES  1024
#define COPY_BUF    (128u << 10)

struct loader {
	struct store *s;
	int spool_fd;	/* the spool directory under tmp/ */
	char **blobs;	/* hex names spooled, each verified */
	char *manifest; /* manifest.json, if any */
	size_t manifest_len;
	char *index; /* index.json, if any */
	size_t index_len;
};

static bool is_hex64(const char *p)
{
	size_t n = 0;

	for (; *p; p++, n++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return n == DIGEST_HEX_LEN;
}

/* Spool the current entry's data as the blob @hex, refusing it unless it hashes to @hex. */
static int spool_blob(struct loader *ld, struct archive *a, const char *hex, struct hull_err **err)
{
	_cleanup_free_ char *buf = xmalloc(COPY_BUF);
	_cleanup_close_ int fd = -1;
	struct sha256_ctx *h;
	char got[DIGEST_STR_LEN];
	la_ssize_t n;
	int r = 0;

	if (strv_contains(ld->blobs, hex))
		return err_setx(err, EBADMSG, "blob sha256:%s appears twice in the archive", hex);
	fd = openat(ld->spool_fd, hex, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(err, errno, "spool blob sha256:%s", hex);
	h = sha256_new();
	while ((n = sym_archive_read_data(a, buf, COPY_BUF)) > 0) {
		sha256_update(h, buf, (size_t) n);
		r = write_all(fd, buf, (size_t) n);
		if (r < 0)
			break;
	}
	sha256_final(h, got);
	if (r < 0)
		return err_set(err, -r, "spool blob sha256:%s", hex);
	if (n < 0)
		return err_setx(err, EBADMSG, "read blob sha256:%s: %s", hex,
				sym_archive_error_string(a) ?: "archive error");
	if (!streq(digest_hex(got), hex)) {
		(void) unlinkat(ld->spool_fd, hex, 0);
		return err_setx(
			err, EBADMSG,
			"blob sha256:%s in the archive does not match its digest (hashes to %s)",
			hex, got);
	}
	strv_push(&ld->blobs, hex);
	return 0;
}

/* The current entry's data, at most STORE_JSON_MAX bytes. */
static int read_small(struct archive *a, const char *name, char **ret, size_t *ret_len,
		      struct hull_err **err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	la_ssize_t n;

	if (*ret)
		return err_setx(err, EBADMSG, "'%s' appears twice in the archive", name);
	strbuf_init_max(&sb, STORE_JSON_MAX);
	while ((n = sym_archive_read_data(a, buf, sizeof(buf))) > 0)
		if (strbuf_add(&sb, buf, (size_t) n) < 0)
			return err_setx(err, EBADMSG, "'%s' is larger than %u bytes", name,
					STORE_JSON_MAX);
	if (n < 0)
		return err_setx(err, EBADMSG, "read '%s': %s", name,
				sym_archive_error_string(a) ?: "archive error");
	*ret = strbuf_detach(&sb, ret_len);
	return 0;
}

/* Read the whole archive: blobs to the spool, the two indexes to memory, the rest skipped. */
static int read_archive(struct loader *ld, int in_fd, struct hull_err **err)
{
	struct archive *a = sym_archive_read_new();
	struct archive_entry *e;
	int h, r = 0;

	sym_archive_read_support_filter_gzip(a);
	sym_archive_read_support_filter_bzip2(a);
	sym_archive_read_support_filter_xz(a);
	sym_archive_read_support_filter_zstd(a);
	sym_archive_read_support_format_tar(a);
	if (sym_archive_read_open_fd(a, in_fd, 64 * 1024) != ARCHIVE_OK) {
		r = err_setx(err, EBADMSG, "read archive: %s",
			     sym_archive_error_string(a) ?: "archive error");
		goto out;
	}
	while ((h = sym_archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		const char *name;

		if (h < ARCHIVE_WARN) {
			r = err_setx(err, EBADMSG, "read archive: %s",
				     sym_archive_error_string(a) ?: "archive error");
			goto out;
		}
		name = sym_archive_entry_pathname(e) ?: "";
		if (startswith(name, "./"))
			name += 2;
		/* only regular files are looked at: nothing else is ever created */
		if (sym_archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (startswith(name, BLOB_PREFIX) && is_hex64(name + strlen(BLOB_PREFIX)))
			r = spool_blob(ld, a, name + strlen(BLOB_PREFIX), err);
		else if (streq(name, "manifest.json"))
			r = read_small(a, name, &ld->manifest, &ld->manifest_len, err);
		else if (streq(name, "index.json"))
			r = read_small(a, name, &ld->index, &ld->index_len, err);
		if (r < 0)
			goto out;
	}
out:
	sym_archive_read_free(a);
	return r;
}

/* A spooled blob's bytes (JSON documents only: at most STORE_JSON_MAX). */
static int blob_small(struct loader *ld, const char *digest, char **ret, size_t *ret_len,
		      struct hull_err **err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_close_ int fd = -1;
	char buf[8192];
	ssize_t n;

	if (!digest || !digest_valid(digest) || !strv_contains(ld->blobs, digest_hex(digest)))
		return err_setx(err, EBADMSG, "blob '%s' is not in the archive",
				digest ?: "(none)");
	fd = openat(ld->spool_fd, digest_hex(digest), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open blob '%s'", digest);
	strbuf_init_max(&sb, STORE_JSON_MAX);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, errno, "read blob '%s'", digest);
		if (strbuf_add(&sb, buf, (size_t) n) < 0)
			return err_setx(err, EBADMSG, "blob '%s' is larger than %u bytes", digest,
					STORE_JSON_MAX);
	}
	*ret = strbuf_detach(&sb, ret_len);
	return 0;
}

/* "blobs/sha256/<hex>" of manifest.json as "sha256:<hex>" (NULL if it is not one). */
static char *path_digest(const char *path)
{
	if (!path || !startswith(path, BLOB_PREFIX) || !is_hex64(path + strlen(BLOB_PREFIX)))
		return NULL;
	return xasprintf("sha256:%s", path + strlen(BLOB_PREFIX));
}

/*
 * Add one image: its config blob @config and layer blobs @layers (digests of
 * spooled blobs), tagged @tags (may be NULL). Appends docker's report lines.
 */
static int load_image(struct loader *ld, const char *config, char *const *layers, char *const *tags,
		      char ***loaded, struct hull_err **err)
{
	_cleanup_free_ char *cdata = NULL;
	_cleanup_json_ json_t *cfg = NULL;
	_cleanup_strv_ char **diff_ids = strv_new();
	struct image *img = NULL;
	char parent[DIGEST_STR_LEN] = "";
	size_t clen, n = strv_length(layers);
	json_t *ids;
	int r;

	r = blob_small(ld, config, &cdata, &clen, err);
	if (r == 0)
		r = json_load_buf(cdata, clen, config, &cfg, err);
	if (r < 0)
		return r;
	ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	if (!json_is_array(ids) || json_array_size(ids) != n || n > MAX_LAYERS)
		return err_setx(err, EBADMSG, "image '%s': %zu layers, its config lists %zu",
				config, n, json_array_size(ids));
	/* every tag is checked before anything is written */
	for (char *const *t = tags; t && *t; t++) {
		struct image_ref ref;
		r = ref_parse(*t, &ref, err);
		if (r < 0)
			return r;
		ref_release(&ref);
	}
	r = store_lock(ld->s, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const char *want = json_string_value(json_array_get(ids, i));
		_cleanup_close_ int fd = -1;
		char diff[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];

		if (!want || !digest_valid(want)) {
			r = err_setx(err, EBADMSG, "image '%s': invalid diff_id %zu", config, i);
			goto out;
		}
		if (!strv_contains(ld->blobs, digest_hex(layers[i]))) {
			r = err_setx(err, EBADMSG, "layer blob '%s' is not in the archive",
				     layers[i]);
			goto out;
		}
		fd = openat(ld->spool_fd, digest_hex(layers[i]), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = err_set(err, errno, "open layer blob '%s'", layers[i]);
			goto out;
		}
		r = store_layer_import_tar(ld->s, fd, *parent ? parent : NULL, diff, chain, err);
		if (r < 0)
			goto out;
		if (!streq(diff, want)) {
			r = err_setx(err, EBADMSG,
				     "layer '%s' does not match its diff_id '%s' (its tar hashes "
				     "to '%s')",
				     layers[i], want, diff);
			goto out;
		}
		strv_push(&diff_ids, diff);
		memcpy(parent, chain, DIGEST_STR_LEN);
	}
	r = store_image_commit_raw(ld->s, cdata, clen, diff_ids, &img, err);
	if (r < 0)
		goto out;
	if (!streq(img->id, config)) {
		r = err_setx(err, EBADMSG, "config '%s' stored as '%s'", config, img->id);
		goto out;
	}
	for (char *const *t = tags; t && *t; t++) {
		struct image_ref ref;
		r = store_tag(ld->s, *t, img->manifest_digest, err);
		if (r < 0)
			goto out;
		if (ref_parse(*t, &ref, NULL) == 0) {
			_cleanup_free_ char *fam = ref_familiar(&ref);
			strv_consume(loaded, xasprintf("Loaded image: %s", fam));
			ref_release(&ref);
		}
	}
	if (!tags || !tags[0])
		strv_consume(loaded, xasprintf("Loaded image ID: %s", img->id));
out:
	store_unlock(ld->s);
	image_free(img);
	return r;
}

/* docker's manifest.json: [{"Config": PATH, "RepoTags": [...], "Layers": [PATH...]}] */
static int load_manifest_json(struct loader *ld, char ***loaded, struct hull_err **err)
{
	_cleanup_json_ json_t *m = NULL;
	size_t i;
	json_t *it;
	int r;

	r = json_load_buf(ld->manifest, ld->manifest_len, "manifest.json", &m, err);
	if (r < 0)
		return r;
	if (!json_is_array(m) || json_array_size(m) > MAX_IMAGES)
		return err_setx(err, EBADMSG, "manifest.json: not an array of at most %d images",
				MAX_IMAGES);
	json_array_foreach (m, i, it) {
		_cleanup_free_ char *config = path_digest(json_get_str(it, "Config"));
		_cleanup_strv_ char **layers = strv_new(), **tags = NULL;
		json_t *ls = json_object_get(it, "Layers"), *v;
		size_t j;

		if (!config)
			return err_setx(
				err, EBADMSG,
				"manifest.json: image %zu: Config is not a blobs/sha256 path "
				"(archives of docker before 25 are not supported)",
				i);
		if (!json_is_array(ls) || json_array_size(ls) > MAX_LAYERS)
			return err_setx(err, EBADMSG, "manifest.json: image %zu: bad Layers", i);
		json_array_foreach (ls, j, v) {
			char *d = path_digest(json_string_value(v));
			if (!d)
				return err_setx(err, EBADMSG,
						"manifest.json: image %zu: layer %zu is not a "
						"blobs/sha256 path",
						i, j);
			strv_consume(&layers, d);
		}
		if (json_to_strv(json_object_get(it, "RepoTags"), &tags) < 0)
			return err_setx(err, EBADMSG, "manifest.json: image %zu: bad RepoTags", i);
		r = load_image(ld, config, layers, tags, loaded, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* An OCI layout's index.json: manifests, tagged by their io.containerd.image.name. */
static int load_index_json(struct loader *ld, char ***loaded, struct hull_err **err)
{
	_cleanup_json_ json_t *idx = NULL;
	json_t *ms, *d;
	size_t i;
	int r;

	r = json_load_buf(ld->index, ld->index_len, "index.json", &idx, err);
	if (r < 0)
		return r;
	ms = json_object_get(idx, "manifests");
	if (!json_is_array(ms) || json_array_size(ms) > MAX_IMAGES)
		return err_setx(err, EBADMSG, "index.json: no manifests");
	json_array_foreach (ms, i, d) {
		_cleanup_free_ char *mdata = NULL;
		_cleanup_json_ json_t *man = NULL;
		_cleanup_strv_ char **layers = strv_new(), **tags = strv_new();
		const char *name =
			json_get_str(json_object_get(d, "annotations"), "io.containerd.image.name");
		const char *mt;
		size_t mlen, j;
		json_t *l;

		r = blob_small(ld, json_get_str(d, "digest"), &mdata, &mlen, err);
		if (r == 0)
			r = json_load_buf(mdata, mlen, "manifest", &man, err);
		if (r < 0)
			return r;
		/* mediaType is optional in an OCI manifest; if given it must be an image's */
		mt = json_get_str(man, "mediaType");
		if (!json_is_object(man) ||
		    (mt && !streq(mt, "application/vnd.oci.image.manifest.v1+json") &&
		     !streq(mt, "application/vnd.docker.distribution.manifest.v2+json")))
			return err_setx(err, EBADMSG,
					"index.json: manifest %zu is not an image manifest", i);
		if (!json_is_array(json_object_get(man, "layers")) ||
		    json_array_size(json_object_get(man, "layers")) > MAX_LAYERS)
			return err_setx(err, EBADMSG, "index.json: manifest %zu: bad layers", i);
		json_array_foreach (json_object_get(man, "layers"), j, l) {
			const char *ld_digest = json_get_str(l, "digest");
			if (!ld_digest || !digest_valid(ld_digest))
				return err_setx(err, EBADMSG, "manifest %zu: bad layer %zu", i, j);
			strv_push(&layers, ld_digest);
		}
		if (name)
			strv_push(&tags, name);
		r = load_image(ld, json_get_str(json_object_get(man, "config"), "digest"), layers,
			       tags, loaded, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int image_load(struct store *s, int in_fd, char ***ret_loaded, struct hull_err **err)
{
	_cleanup_strv_ char **loaded = strv_new();
	_cleanup_free_ char *spool = NULL;
	struct loader ld = {.s = s, .spool_fd = -1, .blobs = strv_new()};
	int r;

	r = archive_dl_load(err);
	if (r < 0)
		return r;
	r = store_tmpdir(s, "load", &spool, err);
	if (r < 0)
		goto out;
	ld.spool_fd = open(spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ld.spool_fd < 0) {
		r = err_set(err, errno, "open '%s'", spool);
		goto out;
	}
	r = read_archive(&ld, in_fd, err);
	if (r < 0)
		goto out;
	if (ld.manifest)
		r = load_manifest_json(&ld, &loaded, err);
	else if (ld.index)
		r = load_index_json(&ld, &loaded, err);
	else
		r = err_setx(err, EBADMSG,
			     "no manifest.json or index.json in the archive (archives "
			     "of docker before 25 are not supported)");
	if (r == 0)
		*ret_loaded = TAKE_PTR(loaded);
out:
	if (ld.spool_fd >= 0)
		close(ld.spool_fd);
	if (spool)
		(void) rm_rf(spool, NULL);
	strv_free(ld.blobs);
	free(ld.manifest);
	free(ld.index);
	return r;
}
