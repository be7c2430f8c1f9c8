/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include "image/reference.h"
#include "registry/pull.h"
#include "registry/registry.h"
#include "registry/xfer.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

/* docker's max-concurrent-uploads default (moby daemon/config) */
#define PUSH_CONCURRENCY 5

struct push_job {
	const char *digest;  /* the blob the manifest names, or @diff_id once substituted */
	const char *diff_id; /* the layer's diffID */
	bool substituted;    /* the store lacks @digest: its diffID tar went instead */
	char *mount_from;    /* a repository of the same registry that has it, or NULL */
	char id[13];	     /* the diffID's short form, as docker shows a pushed layer */
	int64_t size;
};

struct push {
	struct store *store;
	struct reg_client *client;
	struct xfer_report rep;
	struct push_job *jobs;
	size_t n_jobs;
};

struct upload_progress {
	struct push *p;
	struct push_job *job;
};

static void upload_progress(void *arg, int64_t done)
{
	struct upload_progress *up = arg;

	xfer_progress(&up->p->rep, up->job->id, XFER_PROGRESS, done, up->job->size);
}

/* The blob as the manifest names it: stored, or the tar of a layer built here. */
static int open_blob(struct store *s, const char *digest, int *ret_fd, struct hull_err **err)
{
	_cleanup_free_ char *path = store_blob_path(s, digest);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		*ret_fd = fd;
		return 0;
	}
	if (errno != ENOENT)
		return err_set(err, errno, "open blob '%s'", digest);
	return store_blob_open_layer(s, digest, ret_fd, err);
}

/* 1 if the registry has @job's blob (said as docker says it), 0 if not, or -errno */
static int blob_exists(struct push *p, const struct push_job *job, bool quiet,
		       struct hull_err **err)
{
	int r = reg_blob_head(p->client, job->digest, NULL, err);

	if (r >= 0) {
		if (!quiet)
			xfer_progress(&p->rep, job->id, XFER_EXISTS, 0, 0);
		return 1;
	}
	if (r != -ENOENT)
		return r;
	*err = err_free(*err);
	return 0;
}

static int push_blob(struct push *p, struct push_job *job, bool quiet, struct hull_err **err)
{
	struct upload_progress up = {.p = p, .job = job};
	_cleanup_close_ int fd = -1;
	int r;

	r = blob_exists(p, job, quiet, err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (job->mount_from) {
		r = reg_blob_mount(p->client, job->digest, job->mount_from, err);
		if (r >= 0) {
			struct xfer_event ev = {
				.state = XFER_MOUNTED, .id = job->id, .text = job->mount_from};
			if (!quiet && p->rep.fn) {
				pthread_mutex_lock(&p->rep.lock);
				p->rep.fn(p->rep.arg, &ev);
				pthread_mutex_unlock(&p->rep.lock);
			}
			return 0;
		}
		if (r != -ENOENT)
			return r;
		err_free(*err);
		*err = NULL;
	}
	r = open_blob(p->store, job->digest, &fd, err);
	if (r == -ENOENT && job->diff_id && !streq(job->digest, job->diff_id)) {
		/*
		 * The layer came into the store with another image's blob (a pull
		 * skips a layer it has by chainID), so this compressed blob was
		 * never kept: send the layer's tar, as docker sends a blob of its
		 * own making, and name it in the manifest pushed (push_manifest()).
		 */
		struct stat st;

		err_free(*err);
		*err = NULL;
		job->digest = job->diff_id;
		job->substituted = true;
		r = store_blob_open_layer(p->store, job->digest, &fd, err);
		if (r < 0)
			return r;
		if (fstat(fd, &st) < 0)
			return err_set(err, errno, "stat layer blob '%s'", job->digest);
		job->size = (int64_t) st.st_size;
		r = blob_exists(p, job, quiet, err);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	if (r < 0)
		return r;
	r = reg_blob_upload(p->client, job->digest, fd, job->size, quiet ? NULL : upload_progress,
			    &up, err);
	if (r < 0)
		return r;
	if (!quiet)
		xfer_progress(&p->rep, job->id, XFER_COMPLETE, 0, 0);
	return 0;
}

static int push_job_run(void *arg, size_t i, struct hull_err **err)
{
	struct push *p = arg;

	return push_blob(p, &p->jobs[i], false, err);
}

static char *mount_source(struct store *s, const char *digest, const struct image_ref *to);

/* The layers, top first, as docker lists and pushes them. */
static int push_layers(struct push *p, const struct image *img, const struct image_ref *to,
		       struct hull_err **err)
{
	_cleanup_free_ int64_t *sizes = NULL;

	p->n_jobs = strv_length(img->layer_digests);
	p->jobs = xcalloc(p->n_jobs + 1, sizeof(*p->jobs));
	sizes = xcalloc(p->n_jobs + 1, sizeof(*sizes));
	for (size_t i = 0; i < p->n_jobs; i++) {
		struct push_job *job = &p->jobs[i];
		size_t l = p->n_jobs - 1 - i;
		job->digest = img->layer_digests[l];
		job->diff_id = img->diff_ids[l];
		job->size = store_blob_size(p->store, job->digest);
		sizes[i] = job->size;
		job->mount_from = mount_source(p->store, job->digest, to);
		snprintf(job->id, sizeof(job->id), "%.12s", digest_hex(img->diff_ids[l]));
		xfer_progress(&p->rep, job->id, XFER_WAITING, 0, 0);
	}
	/* listed top first as docker shows them, sent largest first */
	return xfer_pool_run(PUSH_CONCURRENCY, p->n_jobs, sizes, push_job_run, p, err);
}

/*
 * A repository of @to's registry, other than @to's, that holds the blob
 * @digest: one named by a repo digest of an image in the store whose
 * manifest lists the blob (what docker keeps as its v2 metadata), so that
 * a layer of a pulled base is mounted, not uploaded again. NULL if none.
 */
static char *mount_source(struct store *s, const char *digest, const struct image_ref *to)
{
	_cleanup_strv_ char **manifests = NULL;

	if (store_image_list(s, &manifests, NULL) < 0)
		return NULL;
	STRV_FOREACH (m, manifests) {
		_cleanup_image_ struct image *img = NULL;
		_cleanup_strv_ char **digests = NULL;

		if (store_image_load(s, *m, &img, NULL) < 0 ||
		    !strv_contains(img->layer_digests, digest))
			continue;
		digests = store_repo_digests(s, *m);
		STRV_FOREACH (d, digests) {
			struct image_ref r = {0};
			char *from = NULL;

			if (ref_parse(*d, &r, NULL) < 0)
				continue;
			if (streq(r.domain, to->domain) && !streq(r.path, to->path))
				from = xstrdup(r.path);
			ref_release(&r);
			if (from)
				return from;
		}
	}
	return NULL;
}

/*
 * Name each substituted layer's tar in @manifest (digest, size and the
 * uncompressed media type of the manifest's own schema). True if any.
 */
static bool substitute_layers(struct push *p, json_t *manifest, const char *mt)
{
	json_t *layers = json_object_get(manifest, "layers");
	size_t n = json_array_size(layers);
	bool any = false;

	for (size_t i = 0; i < p->n_jobs && i < n; i++) {
		const struct push_job *job = &p->jobs[i];
		json_t *desc = json_array_get(layers, n - 1 - i); /* jobs are top first */

		if (!job->substituted)
			continue;
		json_object_set_new(desc, "mediaType",
				    json_string(streq(mt, MT_DOCKER_MANIFEST) ? MT_DOCKER_LAYER_TAR
									      : MT_OCI_LAYER));
		json_object_set_new(desc, "digest", json_string(job->digest));
		json_object_set_new(desc, "size", json_integer(job->size));
		json_object_del(desc, "annotations");
		any = true;
	}
	return any;
}

static int push_manifest(struct push *p, const struct image_ref *ref, const struct image *img,
			 char ret_digest[DIGEST_STR_LEN], int64_t *ret_size, struct hull_err **err)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_json_ json_t *doc = NULL;
	struct push_job cfg = {.digest = img->id, .size = store_blob_size(p->store, img->id)};
	const char *mt;
	size_t len;
	int r;

	r = push_blob(p, &cfg, true, err);
	if (r < 0)
		return r;
	r = store_blob_read(p->store, img->manifest_digest, REG_MANIFEST_MAX, &data, &len, err);
	if (r < 0)
		return r;
	r = json_load_buf(data, len, img->manifest_digest, &doc, err);
	if (r < 0)
		return r;
	mt = json_get_str(doc, "mediaType") ?: MT_OCI_MANIFEST;
	if (substitute_layers(p, doc, mt)) {
		/* a layer went as its tar: the manifest names what was sent */
		free(data);
		data = json_dumps(doc, JSON_COMPACT);
		if (!data)
			return err_setx(err, ENOMEM, "write the manifest of '%s'", img->id);
		len = strlen(data);
		sha256_digest(data, len, ret_digest);
	} else {
		memcpy(ret_digest, img->manifest_digest, DIGEST_STR_LEN);
	}
	r = reg_manifest_put(p->client, ref->tag, mt, data, len, err);
	if (r < 0)
		return r;
	*ret_size = (int64_t) len;
	return 0;
}

static int push_to(struct push *p, const struct reg_endpoint *ep, const struct image_ref *ref,
		   const struct image *img, char ret_digest[DIGEST_STR_LEN], int64_t *ret_size,
		   struct hull_err **err)
{
	int r;

	r = reg_client_new(ep, ref->path, true, &p->client, err);
	if (r < 0)
		return r;
	r = push_layers(p, img, ref, err);
	if (r >= 0)
		r = push_manifest(p, ref, img, ret_digest, ret_size, err);
	p->client = reg_client_free(p->client);
	for (size_t i = 0; i < p->n_jobs; i++)
		free(p->jobs[i].mount_from);
	free(p->jobs);
	p->jobs = NULL;
	return r;
}

int image_push(struct store *s, const struct reg_config *cfg, const char *ref_str,
	       xfer_progress_fn progress, void *progress_arg, char ret_digest[DIGEST_STR_LEN],
	       int64_t *ret_size, struct hull_err **err)
{
	struct push p = {.store = s, .rep = {.fn = progress, .arg = progress_arg}};
	_cleanup_image_ struct image *img = NULL;
	_cleanup_free_ char *full = NULL, *name = NULL;
	struct reg_endpoint **eps = NULL;
	struct image_ref ref = {0};
	int r;

	r = ref_parse(ref_str, &ref, err);
	if (r < 0)
		return r;
	name = ref_familiar_name(&ref);
	if (ref.digest) {
		r = err_setx(err, EINVAL, "cannot push a digest reference: '%s'", ref_str);
		goto out;
	}
	full = ref_string(&ref);
	r = store_image_get(s, full, &img, err);
	if (r < 0) {
		err_free(*err);
		*err = NULL;
		r = err_setx(err, ENOENT, "An image does not exist locally with the tag: %s", name);
		goto out;
	}
	pthread_mutex_init(&p.rep.lock, NULL);
	xfer_message(&p.rep, "The push refers to repository [%s/%s]", ref.domain, ref.path);
	r = reg_endpoints(cfg, ref.domain, true, &eps, err);
	if (r >= 0)
		r = push_to(&p, eps[0], &ref, img, ret_digest, ret_size, err);
	if (r >= 0) {
		struct image_ref named = {
			.domain = ref.domain, .path = ref.path, .digest = ret_digest};
		_cleanup_free_ char *with_digest = ref_string(&named);
		r = store_repo_digest_add(s, with_digest, img->manifest_digest, err);
	}
	reg_endpoints_free(eps);
	pthread_mutex_destroy(&p.rep.lock);
out:
	ref_release(&ref);
	if (r < 0)
		err_set_exit(err, 1);
	return r;
}
