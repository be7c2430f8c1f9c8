/* SPDX-License-Identifier: MIT */
/* `hull save`: an OCI image layout that is also a docker archive (image/save.h). */
#include <fcntl.h>
#include <sys/stat.h>
#include "image/archive-dl.h"
#include "image/reference.h"
#include "image/save.h"
#include "image/store-internal.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

#define MEDIA_MANIFEST	"application/vnd.oci.image.manifest.v1+json"
#define MEDIA_INDEX	"application/vnd.oci.image.index.v1+json"
#define MEDIA_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"
#define MEDIA_CONFIG	"application/vnd.oci.image.config.v1+json"
#define DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define COPY_BUF	(128u << 10)

/* One image to save: the store's image and the references it is saved under. */
struct save_item {
	struct image *img;
	char **refs; /* normalised "docker.io/library/busybox:latest", in order named */
};

/* A blob already in the archive (each is written once). */
struct save_blob {
	char digest[DIGEST_STR_LEN];
	int64_t size;
};

struct saver {
	struct store *s;
	int fd;
	int werr; /* errno of a failed write, reported after libarchive gives up */
	struct archive *a;
	struct archive_entry *e;
	struct save_blob *blobs;
	size_t n_blobs;
	char *buf; /* COPY_BUF bytes */
};

static la_ssize_t save_write_cb(struct archive *a, void *data, const void *buf, size_t len)
{
	struct saver *sv = data;
	int r;

	(void) a;
	r = write_all(sv->fd, buf, len);
	if (r < 0) {
		sv->werr = -r;
		return -1;
	}
	return (la_ssize_t) len;
}

static int save_error(struct saver *sv, const char *what, struct hull_err **err)
{
	if (sv->werr)
		return err_set(err, sv->werr, "write '%s'", what);
	return err_setx(err, EIO, "write '%s': %s", what,
			sym_archive_error_string(sv->a) ?: "archive error");
}

/* The header of a regular file or directory entry; epoch mtimes keep the output reproducible. */
static int save_header(struct saver *sv, const char *name, bool dir, int64_t size,
		       struct hull_err **err)
{
	sym_archive_entry_clear(sv->e);
	sym_archive_entry_set_pathname(sv->e, name);
	sym_archive_entry_set_filetype(sv->e, dir ? AE_IFDIR : AE_IFREG);
	sym_archive_entry_set_perm(sv->e, dir ? 0755 : 0644);
	sym_archive_entry_set_uid(sv->e, 0);
	sym_archive_entry_set_gid(sv->e, 0);
	sym_archive_entry_set_mtime(sv->e, 0, 0);
	sym_archive_entry_set_size(sv->e, dir ? 0 : size);
	if (sym_archive_write_header(sv->a, sv->e) != ARCHIVE_OK)
		return save_error(sv, name, err);
	return 0;
}

static int save_data(struct saver *sv, const char *name, const void *data, size_t len,
		     struct hull_err **err)
{
	la_ssize_t n = sym_archive_write_data(sv->a, data, len);

	if (n < 0 || (size_t) n != len)
		return save_error(sv, name, err);
	return 0;
}

static int save_file(struct saver *sv, const char *name, const void *data, size_t len,
		     struct hull_err **err)
{
	int r = save_header(sv, name, false, (int64_t) len, err);

	return r < 0 ? r : save_data(sv, name, data, len, err);
}

static struct save_blob *blob_find(struct saver *sv, const char *digest)
{
	for (size_t i = 0; i < sv->n_blobs; i++)
		if (streq(sv->blobs[i].digest, digest))
			return &sv->blobs[i];
	return NULL;
}

static void blob_add(struct saver *sv, const char *digest, int64_t size)
{
	sv->blobs = xrealloc(sv->blobs, (sv->n_blobs + 1) * sizeof(*sv->blobs));
	memcpy(sv->blobs[sv->n_blobs].digest, digest, DIGEST_STR_LEN);
	sv->blobs[sv->n_blobs++].size = size;
}

static char *blob_name(const char *digest)
{
	return xasprintf("blobs/sha256/%s", digest_hex(digest));
}

/* A JSON document as the blob @digest (its hash is checked here too), once per archive. */
static int save_json_blob(struct saver *sv, const char *data, size_t len, const char *digest,
			  struct hull_err **err)
{
	_cleanup_free_ char *name = NULL;
	char got[DIGEST_STR_LEN];
	int r;

	if (blob_find(sv, digest))
		return 0;
	sha256_digest(data, len, got);
	if (!streq(got, digest))
		return err_setx(err, EBADMSG, "blob '%s' is corrupt (content hashes to '%s')",
				digest, got);
	name = blob_name(digest);
	r = save_file(sv, name, data, len, err);
	if (r < 0)
		return r;
	blob_add(sv, digest, (int64_t) len);
	return 0;
}

/*
 * Copy the blob @digest from @fd (at offset 0, @size bytes) into the archive,
 * hashing what is copied: the header promised @size bytes of @digest, so a
 * file that changed since store_blob_open_layer() checked it fails the save.
 */
static int save_fd_blob(struct saver *sv, int fd, const char *digest, int64_t size,
			struct hull_err **err)
{
	_cleanup_free_ char *name = blob_name(digest);
	struct sha256_ctx *h;
	char got[DIGEST_STR_LEN];
	int64_t done = 0;
	int r;

	r = save_header(sv, name, false, size, err);
	if (r < 0)
		return r;
	h = sha256_new();
	while (done < size) {
		size_t want =
			(size - done) < (int64_t) COPY_BUF ? (size_t) (size - done) : COPY_BUF;
		ssize_t n = read(fd, sv->buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sha256_final(h, got);
			if (n < 0)
				return err_set(err, errno, "read blob '%s'", digest);
			return err_setx(err, EBADMSG, "blob '%s' shrank while it was saved",
					digest);
		}
		sha256_update(h, sv->buf, (size_t) n);
		r = save_data(sv, name, sv->buf, (size_t) n, err);
		if (r < 0) {
			sha256_final(h, got);
			return r;
		}
		done += n;
	}
	sha256_final(h, got);
	if (!streq(got, digest))
		return err_setx(err, EBADMSG,
				"blob '%s' changed while it was saved (hashes to '%s')", digest,
				got);
	blob_add(sv, digest, size);
	return 0;
}

/*
 * Layer @i of @img, whose manifest descriptor is @desc: write its blob (once)
 * and set *@ret_digest and *@ret_size to what was written. *@ret_changed when
 * the descriptor must change: the store has no blob @desc names (only the
 * layer, whose uncompressed tar is the diffID), or its size was wrong.
 */
static int save_layer(struct saver *sv, const struct image *img, size_t i, const json_t *desc,
		      char ret_digest[DIGEST_STR_LEN], int64_t *ret_size, bool *ret_changed,
		      struct hull_err **err)
{
	const char *want = img->layer_digests[i];
	json_int_t want_size = json_integer_value(json_object_get(desc, "size"));
	_cleanup_close_ int fd = -1;
	const struct save_blob *b;
	const char *used = want;
	struct stat st;
	int r;

	b = blob_find(sv, want);
	if (!b && !streq(want, img->diff_ids[i]) && store_blob_size(sv->s, want) < 0) {
		/* a blob we do not keep (a compressed one): its diffID tar then */
		used = img->diff_ids[i];
		b = blob_find(sv, used);
	}
	if (!b) {
		r = store_blob_open_layer(sv->s, used, &fd, err);
		if (r < 0)
			return err_wrap(err, "layer %zu of image '%s'", i + 1, img->id);
		if (fstat(fd, &st) < 0)
			return err_set(err, errno, "stat layer blob '%s'", used);
		r = save_fd_blob(sv, fd, used, (int64_t) st.st_size, err);
		if (r < 0)
			return r;
		b = blob_find(sv, used);
	}
	memcpy(ret_digest, b->digest, DIGEST_STR_LEN);
	*ret_size = b->size;
	*ret_changed = used != want || b->size != (int64_t) want_size;
	return 0;
}

/* The platform of an index descriptor, from the config (docker: Image.Platform()). */
static json_t *platform_of(const json_t *config)
{
	json_t *p = json_object();
	const char *v;

	json_object_set_new(p, "architecture",
			    json_string(json_get_str(config, "architecture") ?: "amd64"));
	json_object_set_new(p, "os", json_string(json_get_str(config, "os") ?: "linux"));
	v = json_get_str(config, "variant");
	if (v && *v)
		json_object_set_new(p, "variant", json_string(v));
	return p;
}

/*
 * A docker schema 2 manifest (a pulled image's, kept as it came) as the OCI
 * manifest it maps to, as docker 25 writes every image of its archive: an
 * index.json descriptor must name its manifest's own type, and skopeo
 * (which looks ref.name up among OCI manifests only) and umoci read OCI
 * manifests and configs only. The blobs are the same; the digest is not.
 * A layer whose blob is its diffID is an uncompressed tar whatever its
 * docker type says (skopeo labels such layers tar.gzip in schema 2).
 */
static void docker_to_oci(json_t *manifest, const struct image *img)
{
	static const char *const layer_map[][2] = {
		{"application/vnd.docker.image.rootfs.diff.tar.gzip",
		 "application/vnd.oci.image.layer.v1.tar+gzip"},
		{"application/vnd.docker.image.rootfs.diff.tar", MEDIA_LAYER_TAR},
		{"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
		 "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"},
	};
	json_t *l;
	size_t i;

	json_object_set_new(manifest, "mediaType", json_string(MEDIA_MANIFEST));
	json_object_set_new(json_object_get(manifest, "config"), "mediaType",
			    json_string(MEDIA_CONFIG));
	json_array_foreach (json_object_get(manifest, "layers"), i, l) {
		const char *mt = json_get_str(l, "mediaType") ?: "";
		if (i < strv_length(img->diff_ids) &&
		    streq(json_get_str(l, "digest") ?: "", img->diff_ids[i])) {
			json_object_set_new(l, "mediaType", json_string(MEDIA_LAYER_TAR));
			continue;
		}
		for (size_t k = 0; k < ARRAY_SIZE(layer_map); k++)
			if (streq(mt, layer_map[k][0])) {
				json_object_set_new(l, "mediaType", json_string(layer_map[k][1]));
				break;
			}
	}
}

/*
 * Write @it's layers, config and manifest, and add its entries to the
 * index.json @descs, the manifest.json @items and the repositories @repos.
 */
static int save_image(struct saver *sv, const struct save_item *it, json_t *descs, json_t *items,
		      json_t *repos, struct hull_err **err)
{
	const struct image *img = it->img;
	_cleanup_free_ char *mdata = NULL, *cdata = NULL, *newdata = NULL, *cname = NULL;
	_cleanup_json_ json_t *manifest = NULL, *layer_paths = json_array(), *tags = NULL;
	char mdigest[DIGEST_STR_LEN], last[DIGEST_STR_LEN] = "";
	size_t mlen, clen, n = strv_length(img->layer_digests);
	const char *data;
	bool rewrite = false;
	json_t *layers;
	size_t len;
	int r;

	r = store_blob_read(sv->s, img->manifest_digest, STORE_JSON_MAX, &mdata, &mlen, err);
	if (r == 0)
		r = json_load_buf(mdata, mlen, img->manifest_digest, &manifest, err);
	if (r < 0)
		return err_wrap(err, "image '%s'", img->id);
	if (streq(json_get_str(manifest, "mediaType") ?: "", DOCKER_MANIFEST)) {
		docker_to_oci(manifest, img);
		rewrite = true;
	}
	layers = json_object_get(manifest, "layers");
	if (!json_is_array(layers) || json_array_size(layers) != n)
		return err_setx(err, EBADMSG, "image '%s': manifest layers do not match", img->id);

	for (size_t i = 0; i < n; i++) {
		json_t *desc = json_array_get(layers, i);
		char digest[DIGEST_STR_LEN];
		bool changed = false;
		int64_t size;

		r = save_layer(sv, img, i, desc, digest, &size, &changed, err);
		if (r < 0)
			return r;
		if (changed) {
			/* name exactly the blob written */
			if (!streq(digest, json_get_str(desc, "digest") ?: ""))
				json_object_set_new(desc, "mediaType",
						    json_string(MEDIA_LAYER_TAR));
			json_object_set_new(desc, "digest", json_string(digest));
			json_object_set_new(desc, "size", json_integer(size));
			rewrite = true;
		}
		{
			_cleanup_free_ char *path = blob_name(digest);
			json_array_append_new(layer_paths, json_string(path));
		}
		memcpy(last, digest, DIGEST_STR_LEN);
	}

	r = store_blob_read(sv->s, img->id, STORE_JSON_MAX, &cdata, &clen, err);
	if (r == 0)
		r = save_json_blob(sv, cdata, clen, img->id, err);
	if (r < 0)
		return err_wrap(err, "image '%s'", img->id);

	if (rewrite) {
		newdata = json_dump_str(manifest, JSON_COMPACT);
		data = newdata;
		len = strlen(newdata);
		sha256_digest(data, len, mdigest);
	} else {
		/* the stored bytes, so an OCI manifest's digest stays the store's */
		data = mdata;
		len = mlen;
		memcpy(mdigest, img->manifest_digest, DIGEST_STR_LEN);
	}
	r = save_json_blob(sv, data, len, mdigest, err);
	if (r < 0)
		return err_wrap(err, "image '%s'", img->id);

	/* index.json: one descriptor per reference (none: one without annotations) */
	STRV_FOREACH (ref, it->refs) {
		struct image_ref pr;
		if (ref_parse(*ref, &pr, err) < 0)
			return err_wrap(err, "image '%s'", img->id);
		json_array_append_new(descs, json_pack("{s:s,s:s,s:I,s:{s:s,s:s},s:o}", "mediaType",
						       MEDIA_MANIFEST, "digest", mdigest, "size",
						       (json_int_t) len, "annotations",
						       "io.containerd.image.name", *ref,
						       "org.opencontainers.image.ref.name", pr.tag,
						       "platform", platform_of(img->config)));
		{
			_cleanup_free_ char *fam = ref_familiar(&pr),
					    *name = ref_familiar_name(&pr);
			json_t *repo = json_object_get(repos, name);
			if (!tags)
				tags = json_array();
			json_array_append_new(tags, json_string(fam));
			/* the top layer's blob (docker: its diffID, the same for a tar layer) */
			if (!repo && *last) {
				repo = json_object();
				json_object_set_new(repos, name, repo);
			}
			if (*last)
				json_object_set_new(repo, pr.tag, json_string(digest_hex(last)));
		}
		ref_release(&pr);
	}
	if (!it->refs || !it->refs[0])
		json_array_append_new(descs,
				      json_pack("{s:s,s:s,s:I,s:o}", "mediaType", MEDIA_MANIFEST,
						"digest", mdigest, "size", (json_int_t) len,
						"platform", platform_of(img->config)));

	cname = blob_name(img->id);
	json_array_append_new(items, json_pack("{s:s,s:O,s:O}", "Config", cname, "RepoTags",
					       tags ?: json_null(), "Layers", layer_paths));
	return 0;
}

/* ---- resolving names as docker's parseNames ---- */

static void item_add(struct save_item **items, size_t *n, struct image **img, const char *ref)
{
	struct save_item *it = NULL;

	for (size_t i = 0; i < *n; i++)
		if (streq((*items)[i].img->manifest_digest, (*img)->manifest_digest))
			it = &(*items)[i];
	if (!it) {
		*items = xrealloc(*items, (*n + 1) * sizeof(**items));
		it = &(*items)[(*n)++];
		*it = (struct save_item){.img = TAKE_PTR(*img), .refs = strv_new()};
	} else {
		*img = image_free(*img);
	}
	if (ref && !strv_contains(it->refs, ref))
		strv_push(&it->refs, ref);
}

/* Did the user write a tag (a ':' after the last '/')? ref_parse() adds "latest" otherwise. */
static bool has_tag(const char *name)
{
	const char *slash = strrchr(name, '/');

	return strchr(slash ? slash : name, ':') != NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool is_full_id(const char *name)
{
	if (strlen(name) != DIGEST_HEX_LEN)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static int resolve_one(struct store *s, json_t *refs, const char *name, struct save_item **items,
		       size_t *n, struct hull_err **err)
{
	_cleanup_free_ char *full = NULL, *shown = NULL;
	struct image *img = NULL;
	struct image_ref r = {0};
	bool parsed;
	int rc;

	/* docker's ParseAnyReference: "sha256:<hex>" and 64 hex digits are ids, not names */
	parsed = !digest_valid(name) && !is_full_id(name) && ref_parse(name, &r, NULL) == 0;

	if (parsed && !r.digest) {
		full = ref_string(&r);
		shown = ref_familiar(&r);
	}
	if (parsed && !r.digest && has_tag(name)) {
		/* repo:tag is that tag only */
		const char *md = json_string_value(json_object_get(refs, full));
		ref_release(&r);
		if (!md)
			return err_setx(err, ENOENT, "No such image: %s", shown);
		rc = store_image_load(s, md, &img, err);
		if (rc < 0)
			return rc;
		item_add(items, n, &img, full);
		return 0;
	}
	if (parsed && !r.digest) {
		/* a repository alone: every tag of it (ReferencesByName), sorted */
		_cleanup_free_ char *repo = NULL;
		_cleanup_strv_ char **found = strv_new();
		const char *k;
		json_t *v;

		repo = xasprintf("%s/%s:", r.domain, r.path);
		json_object_foreach (refs, k, v)
			if (startswith(k, repo) && !strchr(k + strlen(repo), '@'))
				strv_push(&found, k);
		qsort(found, strv_length(found), sizeof(char *), cmp_str);
		STRV_FOREACH (f, found) {
			rc = store_image_load(s, json_string_value(json_object_get(refs, *f)), &img,
					      err);
			if (rc < 0) {
				ref_release(&r);
				return rc;
			}
			item_add(items, n, &img, *f);
		}
		if (found[0]) {
			ref_release(&r);
			return 0;
		}
	}
	ref_release(&r);
	/* an image id, "sha256:<id>" or an id prefix: saved without tags */
	rc = store_image_get(s, name, &img, err); /* "No such image: ..." as docker */
	if (rc < 0)
		return rc;
	item_add(items, n, &img, NULL);
	return 0;
}

int image_save(struct store *s, char *const *names, int out_fd, struct hull_err **err)
{
	_cleanup_json_ json_t *refs = NULL, *descs = json_array(), *items_json = json_array(),
			      *repos = json_object(), *index = NULL;
	_cleanup_free_ char *index_data = NULL, *manifest_data = NULL, *repos_data = NULL;
	struct saver sv = {.s = s, .fd = out_fd};
	struct save_item *items = NULL;
	size_t n_items = 0;
	int r;

	if (!names || !names[0])
		return err_setx(err, EINVAL, "no image to save");
	r = archive_dl_load(err);
	if (r < 0)
		return r;
	r = store_refs(s, &refs, err);
	if (r < 0)
		return r;
	/* every name first: an unknown one fails before anything is written */
	for (size_t i = 0; names[i] && r == 0; i++)
		r = resolve_one(s, refs, names[i], &items, &n_items, err);
	if (r < 0)
		goto out;

	sv.buf = xmalloc(COPY_BUF);
	sv.a = sym_archive_write_new();
	sv.e = sym_archive_entry_new();
	sym_archive_write_set_format_pax_restricted(sv.a);
	/* the tar ends after its two zero blocks, as docker's archive.Tar */
	sym_archive_write_set_bytes_in_last_block(sv.a, 1);
	if (sym_archive_write_open(sv.a, &sv, NULL, save_write_cb, NULL) != ARCHIVE_OK) {
		r = save_error(&sv, "archive", err);
		goto out;
	}
	r = save_header(&sv, "blobs/", true, 0, err);
	if (r == 0)
		r = save_header(&sv, "blobs/sha256/", true, 0, err);
	for (size_t i = 0; i < n_items && r == 0; i++)
		r = save_image(&sv, &items[i], descs, items_json, repos, err);
	if (r < 0)
		goto out;

	index = json_pack("{s:i,s:s,s:O}", "schemaVersion", 2, "mediaType", MEDIA_INDEX,
			  "manifests", descs);
	index_data = json_dump_str(index, JSON_COMPACT);
	/* docker's json.Encoder ends manifest.json and repositories with a newline */
	{
		_cleanup_free_ char *m = json_dump_str(items_json, JSON_COMPACT);
		manifest_data = xasprintf("%s\n", m);
	}
	r = save_file(&sv, "index.json", index_data, strlen(index_data), err);
	if (r == 0)
		r = save_file(&sv, "manifest.json", manifest_data, strlen(manifest_data), err);
	if (r == 0)
		r = save_file(&sv, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}",
			      strlen("{\"imageLayoutVersion\":\"1.0.0\"}"), err);
	if (r == 0 && json_object_size(repos) > 0) {
		_cleanup_free_ char *m = json_dump_str(repos, JSON_COMPACT);
		repos_data = xasprintf("%s\n", m);
		r = save_file(&sv, "repositories", repos_data, strlen(repos_data), err);
	}
	if (r == 0 && sym_archive_write_close(sv.a) != ARCHIVE_OK)
		r = save_error(&sv, "archive", err);
out:
	if (sv.e)
		sym_archive_entry_free(sv.e);
	if (sv.a)
		sym_archive_write_free(sv.a);
	for (size_t i = 0; i < n_items; i++) {
		image_free(items[i].img);
		strv_free(items[i].refs);
	}
	free(items);
	free(sv.blobs);
	free(sv.buf);
	return r;
}
