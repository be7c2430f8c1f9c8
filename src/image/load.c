/* SPDX-License-Identifier: MIT */
/* `hull load`: images from docker, podman, skopeo and OCI archives (image/load.h). */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "image/archive-dl.h"
#include "image/load.h"
#include "image/reference.h"
#include "image/store-internal.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

#define BLOB_PREFIX   "blobs/sha256/"
#define MAX_IMAGES    1024
#define MAX_ENTRIES   100000
#define MAX_PATH_LEN  4096
#define MAX_LINK_HOPS 8
#define MAX_NESTING   4
#define COPY_BUF      (128u << 10)

#define MT_OCI_INDEX	   "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST	   "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST	   "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

/*
 * One entry of the archive, by its normalised path: a file spooled as
 * <spool>/<index> (its digest and size computed while spooled), or a link
 * (symbolic or hard) to another path of the archive. The path is a name to
 * look up, never a path on disk.
 */
struct entry {
	char *path;
	char *link; /* the normalised target path; NULL for a file */
	char digest[DIGEST_STR_LEN];
	uint64_t size;
};

struct loader {
	struct store *s;
	int spool_fd; /* the spool directory under tmp/ */
	struct entry *e;
	size_t n, cap;
	json_t *by_path; /* path -> index in e: a lookup per entry must not scan them all */
	char *manifest;	 /* manifest.json, if any */
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

/*
 * @path relative to the directory @base ("" for the top; an absolute @path
 * starts from the top), with ".", ".." and repeated slashes resolved by
 * name, as a tar extracted into a directory of its own would have them
 * (moby's safePath). NULL if it would climb above the top or is too long.
 */
static char *norm_path(const char *base, const char *path)
{
	_cleanup_free_ char *joined = NULL;
	_cleanup_strv_ char **parts = strv_new();
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	char *save = NULL;

	if (strlen(path) > MAX_PATH_LEN || strlen(base) > MAX_PATH_LEN)
		return NULL;
	joined = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", base, path);
	for (char *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		size_t n = strv_length(parts);
		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			if (n == 0)
				return NULL;
			free(parts[n - 1]);
			parts[n - 1] = NULL;
			continue;
		}
		strv_push(&parts, c);
	}
	STRV_FOREACH (p, parts)
		(void) strbuf_addf(&sb, "%s%s", sb.len ? "/" : "", *p);
	return strbuf_detach(&sb, NULL);
}

static struct entry *entry_get(struct loader *ld, const char *path)
{
	json_t *i = json_object_get(ld->by_path, path);

	return i ? &ld->e[json_integer_value(i)] : NULL;
}

/* The file a path of the archive names, through links; NULL if none. */
static const struct entry *entry_by_path(struct loader *ld, const char *path)
{
	_cleanup_free_ char *p = path ? norm_path("", path) : NULL;
	struct entry *e = p ? entry_get(ld, p) : NULL;

	for (int hops = 0; e && e->link && hops < MAX_LINK_HOPS; hops++)
		e = entry_get(ld, e->link);
	return e && !e->link ? e : NULL;
}

/* A spooled file whose contents hash to @digest; NULL if none. */
static const struct entry *entry_by_digest(struct loader *ld, const char *digest)
{
	if (!digest || !digest_valid(digest))
		return NULL;
	for (size_t i = 0; i < ld->n; i++)
		if (!ld->e[i].link && streq(ld->e[i].digest, digest))
			return &ld->e[i];
	return NULL;
}

static struct entry *entry_new(struct loader *ld, char *path, struct hull_err **err)
{
	if (entry_get(ld, path)) {
		err_setx(err, EBADMSG, "'%s' appears twice in the archive", path);
		free(path);
		return NULL;
	}
	if (ld->n >= MAX_ENTRIES) {
		free(path);
		err_setx(err, EBADMSG, "more than %d entries in the archive", MAX_ENTRIES);
		return NULL;
	}
	if (ld->n == ld->cap) {
		/* doubling: growing by one copied the array at each entry */
		ld->cap = ld->cap ? 2 * ld->cap : 64;
		ld->e = xrealloc(ld->e, ld->cap * sizeof(*ld->e));
	}
	ld->e[ld->n] = (struct entry){.path = path};
	/* the names of a tar need not be UTF-8 */
	if (json_object_set_new_nocheck(ld->by_path, path, json_integer((json_int_t) ld->n)) < 0)
		abort(); /* out of memory */
	return &ld->e[ld->n++];
}

static int spool_open(struct loader *ld, const struct entry *e, int flags)
{
	char name[32];

	snprintf(name, sizeof(name), "%zu", (size_t) (e - ld->e));
	return openat(ld->spool_fd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/* Spool the current entry's data as @e, hashing it; a blobs/sha256/<hex> must hash to <hex>. */
static int spool(struct loader *ld, struct archive *a, struct entry *e, struct hull_err **err)
{
	_cleanup_free_ char *buf = xmalloc(COPY_BUF);
	_cleanup_close_ int fd = -1;
	struct sha256_ctx *h;
	la_ssize_t n;
	int r = 0;

	fd = spool_open(ld, e, O_WRONLY | O_CREAT | O_EXCL);
	if (fd < 0)
		return err_set(err, errno, "spool '%s'", e->path);
	h = sha256_new();
	while ((n = sym_archive_read_data(a, buf, COPY_BUF)) > 0) {
		sha256_update(h, buf, (size_t) n);
		e->size += (uint64_t) n;
		r = write_all(fd, buf, (size_t) n);
		if (r < 0)
			break;
	}
	sha256_final(h, e->digest);
	if (r < 0)
		return err_set(err, -r, "spool '%s'", e->path);
	if (n < 0)
		return err_setx(err, EBADMSG, "read '%s': %s", e->path,
				sym_archive_error_string(a) ?: "archive error");
	if (startswith(e->path, BLOB_PREFIX) && is_hex64(e->path + strlen(BLOB_PREFIX)) &&
	    !streq(digest_hex(e->digest), e->path + strlen(BLOB_PREFIX)))
		return err_setx(
			err, EBADMSG,
			"blob sha256:%s in the archive does not match its digest (hashes to %s)",
			e->path + strlen(BLOB_PREFIX), e->digest);
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

/* Files nothing reads: docker's v1 layer metadata and the layout marker. */
static bool ignored(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return streq(path, "repositories") || streq(path, "oci-layout") ||
	       (base != path && (streq(base, "json") || streq(base, "VERSION")));
}

/*
 * Read the whole archive: files to the spool, links recorded as names,
 * manifest.json and index.json to memory. Nothing else is created: no
 * path of the archive is ever used as one on disk.
 */
static int read_archive(struct loader *ld, int in_fd, struct hull_err **err)
{
	struct archive *a = sym_archive_read_new();
	struct archive_entry *ae;
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
	while ((h = sym_archive_read_next_header(a, &ae)) != ARCHIVE_EOF) {
		const char *hl, *sl;
		char *path;
		struct entry *e;

		if (h < ARCHIVE_WARN) {
			r = err_setx(err, EBADMSG, "read archive: %s",
				     sym_archive_error_string(a) ?: "archive error");
			goto out;
		}
		path = norm_path("", sym_archive_entry_pathname(ae) ?: "");
		if (!path || !*path || ignored(path)) {
			free(path);
			continue;
		}
		hl = sym_archive_entry_hardlink(ae);
		sl = sym_archive_entry_filetype(ae) == AE_IFLNK ? sym_archive_entry_symlink(ae)
								: NULL;
		if (hl || sl) {
			/* docker before 25 links a layer.tar seen before to the first one */
			_cleanup_free_ char *dir = NULL;
			char *target;
			const char *slash = strrchr(path, '/');

			dir = slash ? xstrndup(path, (size_t) (slash - path)) : xstrdup("");
			target = norm_path(hl ? "" : dir, hl ? hl : sl);
			if (!target) {
				free(path);
				continue;
			}
			e = entry_new(ld, path, err);
			if (!e) {
				free(target);
				r = -EBADMSG;
				goto out;
			}
			e->link = target;
			continue;
		}
		if (sym_archive_entry_filetype(ae) != AE_IFREG) {
			free(path);
			continue;
		}
		if (streq(path, "manifest.json")) {
			r = read_small(a, path, &ld->manifest, &ld->manifest_len, err);
			free(path);
		} else if (streq(path, "index.json")) {
			r = read_small(a, path, &ld->index, &ld->index_len, err);
			free(path);
		} else {
			e = entry_new(ld, path, err);
			r = e ? spool(ld, a, e, err) : -EBADMSG;
		}
		if (r < 0)
			goto out;
	}
out:
	sym_archive_read_free(a);
	return r;
}

/* A spooled file's bytes (JSON documents only: at most STORE_JSON_MAX). */
static int entry_read(struct loader *ld, const struct entry *e, char **ret, size_t *ret_len,
		      struct hull_err **err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_close_ int fd = -1;
	char buf[8192];
	ssize_t n;

	if (e->size > STORE_JSON_MAX)
		return err_setx(err, EBADMSG, "'%s' is larger than %u bytes", e->path,
				STORE_JSON_MAX);
	fd = spool_open(ld, e, O_RDONLY);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", e->path);
	strbuf_init_max(&sb, STORE_JSON_MAX);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, errno, "read '%s'", e->path);
		if (strbuf_add(&sb, buf, (size_t) n) < 0)
			return err_setx(err, EBADMSG, "'%s' is larger than %u bytes", e->path,
					STORE_JSON_MAX);
	}
	*ret = strbuf_detach(&sb, ret_len);
	return 0;
}

/* The config and @manifest as they are in the archive, and the image they make. */
static int record_manifest(struct loader *ld, const struct entry *config, const char *cdata,
			   size_t clen, const struct entry *manifest, struct image **ret,
			   struct hull_err **err)
{
	_cleanup_free_ char *mdata = NULL;
	char got[DIGEST_STR_LEN];
	size_t mlen;
	int r;

	r = store_blob_write(ld->s, cdata, clen, got, err);
	if (r < 0)
		return r;
	if (!streq(got, config->digest)) /* cannot happen: both were hashed */
		return err_setx(err, EBADMSG, "config '%s' stored as '%s'", config->digest, got);
	r = entry_read(ld, manifest, &mdata, &mlen, err);
	if (r < 0)
		return r;
	r = store_blob_write(ld->s, mdata, mlen, got, err);
	if (r < 0)
		return r;
	if (!streq(got, manifest->digest))
		return err_setx(err, EBADMSG, "manifest '%s' stored as '%s'", manifest->digest,
				got);
	r = store_image_record(ld->s, got, err);
	if (r < 0)
		return err_wrap(err, "manifest '%s'", manifest->digest);
	return store_image_load(ld->s, got, ret, err);
}

/*
 * A layer's compressed blob @e, spooled and verified, into the store as it
 * is (linked, not copied), so that the image keeps its manifest and a push
 * sends the blobs the archive had, as a pull keeps a registry's.
 */
static int keep_blob(struct loader *ld, const struct entry *e, struct hull_err **err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = spool_open(ld, e, O_RDONLY);
	char name[32];
	int r;

	if (fd < 0 || fsync(fd) < 0)
		return err_set(err, errno, "store blob '%s'", e->digest);
	r = store_writer_begin(ld->s, err);
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%zu", (size_t) (e - ld->e));
	tmp = xasprintf("%s/tmp/blob-%d-%s", ld->s->root, (int) getpid(), digest_hex(e->digest));
	(void) unlink(tmp);
	if (linkat(ld->spool_fd, name, AT_FDCWD, tmp, 0) < 0)
		return err_set(err, errno, "store blob '%s'", e->digest);
	return store_blob_adopt(ld->s, tmp, e->digest, err);
}

/*
 * Add one image: its config @config and layers @layers (@n spooled files, in
 * order), tagged @tags (may be NULL). Appends docker's report lines. Each
 * layer may be compressed (gzip, zstd, xz, bzip2); its tar must hash to the
 * diffID the config names (nothing is kept of a layer that does not).
 * @manifest: the image's OCI or docker manifest in the archive (an OCI
 * layout), or NULL (docker's manifest.json): the image is recorded under
 * that manifest with its compressed blobs kept, as a pull records one;
 * otherwise hull writes a manifest naming the layers' tars.
 */
static int load_image(struct loader *ld, const struct entry *config,
		      const struct entry *const *layers, size_t n, const struct entry *manifest,
		      char *const *tags, char ***loaded, struct hull_err **err)
{
	_cleanup_free_ char *cdata = NULL;
	_cleanup_json_ json_t *cfg = NULL;
	_cleanup_strv_ char **diff_ids = strv_new();
	/* what this image added, removed again if it fails (as a failed pull's) */
	_cleanup_strv_ char **added_blobs = strv_new(), **added_chains = strv_new();
	struct image *img = NULL;
	char parent[DIGEST_STR_LEN] = "";
	size_t clen;
	json_t *ids;
	int r;

	r = entry_read(ld, config, &cdata, &clen, err);
	if (r == 0)
		r = json_load_buf(cdata, clen, config->path, &cfg, err);
	if (r < 0)
		return r;
	ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	if (!json_is_array(ids) || json_array_size(ids) != n || n > MAX_LAYERS)
		return err_setx(err, EBADMSG, "image '%s': %zu layers, its config lists %zu",
				config->digest, n, json_array_size(ids));
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
		bool had_layer, had_blob, keep;

		if (!want || !digest_valid(want)) {
			r = err_setx(err, EBADMSG, "image '%s': invalid diff_id %zu",
				     config->digest, i);
			goto out;
		}
		fd = spool_open(ld, layers[i], O_RDONLY);
		if (fd < 0) {
			r = err_set(err, errno, "open layer '%s'", layers[i]->path);
			goto out;
		}
		chain_id_next(*parent ? parent : NULL, want, chain);
		had_layer = store_layer_exists(ld->s, chain);
		had_blob = store_blob_size(ld->s, want) >= 0;
		keep = manifest && !streq(layers[i]->digest, want);
		if (keep && store_blob_size(ld->s, layers[i]->digest) < 0) {
			r = keep_blob(ld, layers[i], err);
			if (r < 0)
				goto out;
			strv_push(&added_blobs, layers[i]->digest);
		}
		/* a compressed blob kept: the tar is made again from the layer when needed */
		r = layer_import(ld->s, fd, *parent ? parent : NULL, want, !keep, diff, chain, err);
		if (r < 0) {
			err_wrap(err, "layer '%s'", layers[i]->path);
			goto out;
		}
		if (!had_layer)
			strv_push(&added_chains, chain);
		if (!had_blob)
			strv_push(&added_blobs, diff);
		strv_push(&diff_ids, diff);
		memcpy(parent, chain, DIGEST_STR_LEN);
	}
	if (store_image_get(ld->s, config->digest, &img, NULL) == 0) {
		/*
		 * The image is in the store already, maybe under another
		 * manifest (a pull's, an earlier load's): that record is the
		 * image, as docker knows one image per id; what this load
		 * added for a second one goes again.
		 */
		r = store_discard(ld->s, added_blobs, added_chains, err);
		if (r < 0)
			goto out;
	} else if (manifest) {
		if (store_blob_size(ld->s, config->digest) < 0)
			strv_push(&added_blobs, config->digest);
		if (store_blob_size(ld->s, manifest->digest) < 0)
			strv_push(&added_blobs, manifest->digest);
		r = record_manifest(ld, config, cdata, clen, manifest, &img, err);
	} else {
		r = store_image_commit_raw(ld->s, cdata, clen, diff_ids, &img, err);
	}
	if (r < 0)
		goto out;
	/* the image uses them now: they stay whatever follows */
	added_blobs = strv_free(added_blobs);
	added_chains = strv_free(added_chains);
	if (!streq(img->id, config->digest)) {
		r = err_setx(err, EBADMSG, "config '%s' stored as '%s'", config->digest, img->id);
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
	if (r < 0 && (added_blobs || added_chains)) {
		struct hull_err *e = NULL;
		(void) store_discard(ld->s, added_blobs, added_chains, &e);
		err_free(e);
	}
	store_unlock(ld->s);
	image_free(img);
	return r;
}

/*
 * docker's manifest.json: [{"Config": PATH, "RepoTags": [...], "Layers": [PATH...]}],
 * the paths being docker 25's blobs/sha256/<hex>, older docker's <hex>.json
 * and <id>/layer.tar (a link when the layer was written before), or podman's
 * and skopeo's <hex>.tar.
 */
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
		_cleanup_free_ const struct entry **layers = NULL;
		_cleanup_strv_ char **tags = NULL;
		const char *cpath = json_get_str(it, "Config");
		const struct entry *config = entry_by_path(ld, cpath);
		json_t *ls = json_object_get(it, "Layers"), *v;
		size_t j;

		if (!config)
			return err_setx(
				err, EBADMSG,
				"manifest.json: image %zu: config '%s' is not in the archive", i,
				cpath ?: "(none)");
		if (!json_is_array(ls) || json_array_size(ls) > MAX_LAYERS)
			return err_setx(err, EBADMSG, "manifest.json: image %zu: bad Layers", i);
		layers = xcalloc(json_array_size(ls) + 1, sizeof(*layers));
		json_array_foreach (ls, j, v) {
			layers[j] = entry_by_path(ld, json_string_value(v));
			if (!layers[j])
				return err_setx(
					err, EBADMSG,
					"manifest.json: image %zu: layer '%s' is not in the "
					"archive",
					i, json_string_value(v) ?: "(none)");
		}
		if (json_to_strv(json_object_get(it, "RepoTags"), &tags) < 0)
			return err_setx(err, EBADMSG, "manifest.json: image %zu: bad RepoTags", i);
		r = load_image(ld, config, layers, json_array_size(ls), NULL, tags, loaded, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The platform we run images of, in OCI terms (GOARCH names). */
static const char *host_arch(void)
{
	static const char *const map[][2] = {
		{"x86_64", "amd64"},	{"aarch64", "arm64"}, {"armv7l", "arm"},
		{"armv6l", "arm"},	{"i686", "386"},      {"i386", "386"},
		{"ppc64le", "ppc64le"}, {"s390x", "s390x"},   {"riscv64", "riscv64"},
	};
	static char machine[65];
	struct utsname u;

	if (uname(&u) < 0)
		return "amd64";
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (streq(u.machine, map[i][0]))
			return map[i][1];
	snprintf(machine, sizeof(machine), "%s", u.machine);
	return machine;
}

static bool is_index(const json_t *doc)
{
	const char *mt = json_get_str(doc, "mediaType");

	if (mt)
		return streq(mt, MT_OCI_INDEX) || streq(mt, MT_DOCKER_LIST);
	return json_is_array(json_object_get(doc, "manifests")) && !json_object_get(doc, "layers");
}

/* The tag an index descriptor gives: containerd's name, or a ref.name that is a full reference. */
static const char *descriptor_name(const json_t *d)
{
	const json_t *ann = json_object_get(d, "annotations");
	const char *n = json_get_str(ann, "io.containerd.image.name");

	if (n)
		return n;
	n = json_get_str(ann, "org.opencontainers.image.ref.name");
	/* OCI's ref.name is often a tag alone ("v1"): only "name:tag" or "host/name" names an image
	 */
	if (n && (strchr(n, ':') || strchr(n, '/')))
		return n;
	return NULL;
}

/*
 * Load the image the descriptor @d of an OCI index names: an image
 * manifest, or a nested index (a multi-platform image: the manifest for
 * this host's platform).
 */
static int load_descriptor(struct loader *ld, const json_t *d, const char *name, int depth,
			   char ***loaded, struct hull_err **err)
{
	_cleanup_free_ char *mdata = NULL;
	_cleanup_free_ const struct entry **layers = NULL;
	_cleanup_json_ json_t *man = NULL;
	const char *digest = json_get_str(d, "digest"), *mt;
	const struct entry *me = entry_by_digest(ld, digest), *config;
	char *tags[] = {(char *) name, NULL};
	size_t mlen, j;
	json_t *l, *ldesc;
	int r;

	if (!me)
		return err_setx(err, EBADMSG, "blob '%s' is not in the archive",
				digest ?: "(none)");
	r = entry_read(ld, me, &mdata, &mlen, err);
	if (r == 0)
		r = json_load_buf(mdata, mlen, digest, &man, err);
	if (r < 0)
		return r;
	if (!json_is_object(man))
		return err_setx(err, EBADMSG, "manifest '%s' is not an object", digest);
	if (is_index(man)) {
		const char *arch = host_arch();
		json_t *ms = json_object_get(man, "manifests"), *c, *pick = NULL;
		size_t i;

		if (depth >= MAX_NESTING)
			return err_setx(err, EBADMSG, "index '%s': nested too deep", digest);
		json_array_foreach (ms, i, c) {
			json_t *p = json_object_get(c, "platform");
			if (!p && json_array_size(ms) == 1)
				pick = c;
			if (p && streq(json_get_str(p, "os") ?: "", "linux") &&
			    streq(json_get_str(p, "architecture") ?: "", arch)) {
				pick = c;
				break;
			}
		}
		if (!pick)
			return err_setx(err, ENOENT, "index '%s': no image for linux/%s", digest,
					arch);
		return load_descriptor(ld, pick, name, depth + 1, loaded, err);
	}
	/* mediaType is optional in an OCI manifest; if given it must be an image's */
	mt = json_get_str(man, "mediaType");
	if (mt && !streq(mt, MT_OCI_MANIFEST) && !streq(mt, MT_DOCKER_MANIFEST))
		return err_setx(err, EBADMSG, "'%s' is not an image manifest (%s)", digest, mt);
	l = json_object_get(man, "layers");
	if (!json_is_array(l) || json_array_size(l) > MAX_LAYERS)
		return err_setx(err, EBADMSG, "manifest '%s': bad layers", digest);
	config = entry_by_digest(ld, json_get_str(json_object_get(man, "config"), "digest"));
	if (!config)
		return err_setx(err, EBADMSG, "manifest '%s': its config is not in the archive",
				digest);
	layers = xcalloc(json_array_size(l) + 1, sizeof(*layers));
	json_array_foreach (l, j, ldesc) {
		layers[j] = entry_by_digest(ld, json_get_str(ldesc, "digest"));
		if (!layers[j])
			return err_setx(err, EBADMSG,
					"manifest '%s': layer blob '%s' is not in the archive",
					digest, json_get_str(ldesc, "digest") ?: "(none)");
	}
	return load_image(ld, config, layers, json_array_size(l), me, name ? tags : NULL, loaded,
			  err);
}

/* An OCI layout's index.json (skopeo's and umoci's archives have no manifest.json). */
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
		r = load_descriptor(ld, d, descriptor_name(d), 0, loaded, err);
		if (r < 0)
			return err_wrap(err, "index.json: manifest %zu", i);
	}
	return 0;
}

int image_load(struct store *s, int in_fd, char ***ret_loaded, struct hull_err **err)
{
	_cleanup_strv_ char **loaded = strv_new();
	_cleanup_free_ char *spool = NULL;
	struct loader ld = {.s = s, .spool_fd = -1, .by_path = json_object()};
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
		r = err_setx(err, EBADMSG, "no manifest.json or index.json in the archive");
	if (r == 0)
		*ret_loaded = TAKE_PTR(loaded);
out:
	if (ld.spool_fd >= 0)
		close(ld.spool_fd);
	if (spool)
		(void) rm_rf(spool, NULL);
	for (size_t i = 0; i < ld.n; i++) {
		free(ld.e[i].path);
		free(ld.e[i].link);
	}
	free(ld.e);
	json_decref(ld.by_path);
	free(ld.manifest);
	free(ld.index);
	return r;
}
