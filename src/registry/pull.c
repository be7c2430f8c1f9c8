/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include "image/reference.h"
#include "registry/pull.h"
#include "registry/registry.h"
#include "registry/xfer.h"
#include "util/events.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/strv.h"

/* docker's max-concurrent-downloads default (moby daemon/config) */
#define PULL_CONCURRENCY 3
/* pulls of an image whose layers another command removed meanwhile (pull_record) */
#define PULL_ATTEMPTS 3

struct layer_job {
	const struct descriptor *desc;
	char id[13];
	char diff_id[DIGEST_STR_LEN];
	char chain_id[DIGEST_STR_LEN];
	char parent[DIGEST_STR_LEN]; /* empty for the bottom layer */
	bool have_layer;	     /* chainID in the store before we started */
	bool have_blob;		     /* compressed blob in the store before we started */
};

struct pull {
	struct store *store;
	struct reg_client *client;
	struct xfer_report rep;
	struct layer_job *jobs;
	size_t n_jobs, next;
	int failed;	      /* first failure, negative errno */
	struct hull_err *err; /* its message */
	pthread_mutex_t lock; /* next, failed, err, added */
	char **added_blobs;   /* what this pull put into the store, for a rollback */
	char **added_chains;
	bool announced; /* "Pulling from" printed */
};

static void close_fd(int fd)
{
	if (fd >= 0)
		(void) close(fd);
}

static void pull_added(struct pull *p, const char *blob, const char *chain)
{
	pthread_mutex_lock(&p->lock);
	if (blob)
		strv_push(&p->added_blobs, blob);
	if (chain)
		strv_push(&p->added_chains, chain);
	pthread_mutex_unlock(&p->lock);
}

/* ---- one layer: registry -> blob file + (pipe -> decompress -> extract) ---- */

struct layer_sink {
	struct pull *p;
	struct layer_job *job;
	struct blob_writer *w;
	int pipe_fd;
	int64_t done;
	struct hull_err *err;
};

static int layer_sink(void *arg, const void *data, size_t len)
{
	struct layer_sink *ls = arg;
	int r;

	r = store_blob_writer_write(ls->w, data, len, &ls->err);
	if (r < 0)
		return r;
	if (ls->pipe_fd >= 0) {
		r = write_all(ls->pipe_fd, data, len);
		if (r < 0) /* the extraction stopped: its error is the one to report */
			return r;
	}
	ls->done += (int64_t) len;
	xfer_progress(&ls->p->rep, ls->job->id, XFER_PROGRESS, ls->done, ls->job->desc->size);
	return 0;
}

struct import_arg {
	struct pull *p;
	struct layer_job *job;
	int fd;
	int r;
	struct hull_err *err;
};

static void *import_thread(void *arg)
{
	struct import_arg *ia = arg;
	char diff_id[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];

	ia->r = store_layer_import_stream(ia->p->store, ia->fd,
					  *ia->job->parent ? ia->job->parent : NULL,
					  ia->job->diff_id, diff_id, chain, &ia->err);
	/* read to the end so that the writer never blocks on a full pipe */
	if (ia->r < 0) {
		char buf[65536];
		while (read(ia->fd, buf, sizeof(buf)) > 0)
			;
	}
	return NULL;
}

/* A layer whose compressed blob is in the store already: extract it from there. */
static int layer_from_blob(struct pull *p, struct layer_job *job, struct hull_err **err)
{
	_cleanup_free_ char *path = store_blob_path(p->store, job->desc->digest);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char diff_id[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
	int r;

	if (fd < 0)
		return err_set(err, errno, "open blob '%s'", job->desc->digest);
	xfer_progress(&p->rep, job->id, XFER_EXTRACTING, 0, job->desc->size);
	r = store_layer_import_stream(p->store, fd, *job->parent ? job->parent : NULL, job->diff_id,
				      diff_id, chain, err);
	if (r < 0)
		return r;
	pull_added(p, job->diff_id, job->chain_id);
	return 0;
}

static int layer_download(struct pull *p, struct layer_job *job, struct hull_err **err)
{
	struct layer_sink ls = {.p = p, .job = job, .pipe_fd = -1};
	struct import_arg ia = {.p = p, .job = job, .fd = -1};
	pthread_t th;
	int fds[2], r;

	if (job->have_blob)
		return layer_from_blob(p, job, err);
	/* reg_blob_get() hashes the bytes and fails before the commit unless they match */
	r = store_blob_writer_open_hashed(p->store, &ls.w, err);
	if (r < 0)
		return r;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		store_blob_writer_abort(ls.w);
		return err_set(err, errno, "pipe");
	}
	(void) fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
	ls.pipe_fd = fds[1];
	ia.fd = fds[0];
	r = -pthread_create(&th, NULL, import_thread, &ia);
	if (r < 0) {
		close_fd(fds[0]);
		close_fd(fds[1]);
		store_blob_writer_abort(ls.w);
		return err_set(err, -r, "start a thread");
	}
	xfer_progress(&p->rep, job->id, XFER_PROGRESS, 0, job->desc->size);
	r = reg_blob_get(p->client, job->desc->digest, job->desc->size, layer_sink, &ls, err);
	if (r >= 0) {
		/*
		 * the blob goes into the store before its layer can (the import
		 * adopts the layer once the pipe is closed): a pull killed in
		 * between leaves a blob the next pull extracts again, not a
		 * layer whose blob no later pull would fetch (and push needs)
		 */
		xfer_progress(&p->rep, job->id, XFER_VERIFYING, 0, 0);
		r = store_blob_writer_commit(ls.w, job->desc->digest, err);
		ls.w = NULL;
		if (r >= 0) {
			pull_added(p, job->desc->digest, NULL);
			xfer_progress(&p->rep, job->id, XFER_DOWNLOADED, 0, 0);
		}
	}
	close_fd(ls.pipe_fd);
	(void) pthread_join(th, NULL);
	close_fd(ia.fd);
	if (r < 0 && ls.err) {
		/* the store could not take the bytes */
		err_free(*err);
		*err = TAKE_PTR(ls.err);
	} else if (r >= 0 && ia.r < 0) {
		r = ia.r;
		*err = TAKE_PTR(ia.err);
	} else if (r < 0 && ia.r < 0 && r == -EPIPE) {
		/* the extraction failed first and closed its end */
		err_free(*err);
		*err = TAKE_PTR(ia.err);
		r = ia.r;
	}
	err_free(ls.err);
	err_free(ia.err);
	if (ia.r >= 0) /* the layer and its diffID's lazy blob record */
		pull_added(p, job->diff_id, job->chain_id);
	if (r < 0) {
		store_blob_writer_abort(ls.w);
		return r;
	}
	return 0;
}

static int layer_job_run(void *arg, size_t i, struct hull_err **err)
{
	struct pull *p = arg;
	struct layer_job *job = &p->jobs[i];
	int r;

	if (job->have_layer)
		return 0;
	r = layer_download(p, job, err);
	if (r >= 0)
		xfer_progress(&p->rep, job->id, XFER_COMPLETE, 0, 0);
	return r;
}

static int download_layers(struct pull *p, struct hull_err **err)
{
	_cleanup_free_ int64_t *sizes = xcalloc(p->n_jobs + 1, sizeof(*sizes));
	_cleanup_free_ size_t *order = xcalloc(p->n_jobs + 1, sizeof(*order));

	for (size_t i = 0; i < p->n_jobs; i++) {
		struct layer_job *job = &p->jobs[i];
		xfer_progress(&p->rep, job->id, job->have_layer ? XFER_EXISTS : XFER_WAITING, 0, 0);
		/* a layer in the store is no work: it goes last */
		sizes[i] = job->have_layer ? -1 : job->desc->size;
	}
	/* listed bottom first as docker shows them, fetched largest first */
	xfer_order(p->n_jobs, sizes, order);
	for (size_t i = 0, todo = 0; i < p->n_jobs; i++) {
		if (p->jobs[order[i]].have_layer)
			continue;
		if (todo++ >= PULL_CONCURRENCY)
			xfer_progress(&p->rep, p->jobs[order[i]].id, XFER_QUEUED, 0, 0);
	}
	return xfer_pool_run(PULL_CONCURRENCY, p->n_jobs, sizes, layer_job_run, p, err);
}

/* ---- manifest, config and the whole image from one endpoint ---- */

static int fetch_small_blob(struct reg_client *c, const struct descriptor *d, char **ret,
			    size_t *ret_len, struct hull_err **err)
{
	struct strbuf sb;
	int r;

	strbuf_init_max(&sb, 8u << 20);
	r = reg_blob_get(c, d->digest, d->size, xfer_strbuf_sink, &sb, err);
	if (r < 0) {
		strbuf_release(&sb);
		return r;
	}
	*ret = strbuf_detach(&sb, ret_len);
	return 0;
}

/*
 * moby's pullTag: "TAG: Pulling from REPO" (or "NAME@DIGEST: ...") once the
 * registry gave the manifest, so a tag that does not exist prints none.
 */
static void announce(struct pull *p, const struct image_ref *ref)
{
	if (p->announced)
		return;
	p->announced = true;
	if (ref->digest) {
		struct image_ref named = {
			.domain = ref->domain, .path = ref->path, .digest = ref->digest};
		_cleanup_free_ char *full = ref_string(&named);
		xfer_message(&p->rep, "%s: Pulling from %s", full, ref->path);
	} else {
		xfer_message(&p->rep, "%s: Pulling from %s", ref->tag, ref->path);
	}
}

static int resolve_manifest(struct pull *p, const struct image_ref *ref,
			    const struct platform *want, struct pull_result *res, char **ret_data,
			    size_t *ret_len, struct manifest **ret_m, struct hull_err **err)
{
	struct reg_client *c = p->client;
	_cleanup_free_ char *data = NULL, *mt = NULL, *what = NULL;
	char digest[DIGEST_STR_LEN];
	struct manifest *m = NULL;
	const struct descriptor *d;
	size_t len;
	int r;

	r = reg_manifest_get(c, ref->digest ?: ref->tag, &data, &len, &mt, digest, err);
	if (r < 0)
		return r;
	memcpy(res->digest, digest, DIGEST_STR_LEN);
	what = xasprintf("manifest %s", digest);
	r = manifest_parse(data, len, mt, what, &m, err);
	if (r < 0)
		return r;
	announce(p, ref);
	if (m->is_index) {
		d = manifest_select(m, want);
		if (!d) {
			_cleanup_free_ char *ps = platform_string(want);
			manifest_free(m);
			return err_setx(err, ENOENT,
					"no matching manifest for %s in the manifest list entries",
					ps);
		}
		free(data);
		free(mt);
		data = mt = NULL;
		r = reg_manifest_get(c, d->digest, &data, &len, &mt, digest, err);
		manifest_free(m);
		m = NULL;
		if (r < 0)
			return r;
		free(what);
		what = xasprintf("manifest %s", digest);
		r = manifest_parse(data, len, mt, what, &m, err);
		if (r < 0)
			return r;
		if (m->is_index) {
			manifest_free(m);
			return err_setx(err, EBADMSG, "%s: an index inside an index", what);
		}
	}
	memcpy(res->manifest_digest, digest, DIGEST_STR_LEN);
	*ret_data = TAKE_PTR(data);
	*ret_len = len;
	*ret_m = m;
	return 0;
}

static bool image_complete(struct store *s, const char *manifest_digest)
{
	_cleanup_image_ struct image *img = NULL;
	struct hull_err *e = NULL;

	if (store_image_load(s, manifest_digest, &img, &e) < 0) {
		err_free(e);
		return false;
	}
	STRV_FOREACH (c, img->chain_ids)
		if (!store_layer_exists(s, *c))
			return false;
	return true;
}

/* Whether the pulled reference named this image before the pull. */
static bool already_named(struct store *s, const struct pull_result *res)
{
	_cleanup_image_ struct image *img = NULL;
	struct hull_err *e = NULL;

	if (store_image_get(s, res->reference, &img, &e) < 0) {
		err_free(e);
		return false;
	}
	return streq(img->manifest_digest, res->manifest_digest);
}

/* Every layer of a complete image: "Already exists", as docker reports it. */
static void report_present(struct pull *p, const struct manifest *m)
{
	for (size_t i = 0; i < m->n_entries; i++) {
		char id[13];
		snprintf(id, sizeof(id), "%.12s", digest_hex(m->entries[i].digest));
		xfer_progress(&p->rep, id, XFER_EXISTS, 0, 0);
	}
}

static int store_json_blob(struct pull *p, const char *data, size_t len, const char *digest,
			   struct hull_err **err)
{
	char got[DIGEST_STR_LEN];
	bool had = store_blob_size(p->store, digest) >= 0;
	int r;

	r = store_blob_write(p->store, data, len, got, err);
	if (r < 0)
		return r;
	if (strcmp(got, digest) != 0) /* cannot happen: both were hashed */
		return err_setx(err, EBADMSG, "blob %s stored as %s", digest, got);
	if (!had)
		pull_added(p, digest, NULL);
	return 0;
}

static int pull_image(struct pull *p, const struct image_ref *ref, const struct platform *want,
		      struct pull_result *res, struct hull_err **err)
{
	_cleanup_free_ char *mdata = NULL, *cdata = NULL, *what = NULL;
	_cleanup_strv_ char **diff_ids = NULL;
	struct manifest *m = NULL;
	size_t mlen = 0, clen = 0;
	int r;

	r = resolve_manifest(p, ref, want, res, &mdata, &mlen, &m, err);
	if (r < 0)
		return r;
	if (image_complete(p->store, res->manifest_digest)) {
		/* docker: up to date when the reference already named it */
		res->up_to_date = already_named(p->store, res);
		if (!res->up_to_date)
			report_present(p, m);
		manifest_free(m);
		return 0;
	}
	r = fetch_small_blob(p->client, &m->config, &cdata, &clen, err);
	if (r < 0)
		goto out;
	what = xasprintf("image config %s", m->config.digest);
	r = image_config_check(cdata, clen, m->n_entries, what, &diff_ids, err);
	if (r < 0)
		goto out;

	p->n_jobs = m->n_entries;
	p->jobs = xcalloc(p->n_jobs + 1, sizeof(*p->jobs));
	for (size_t i = 0; i < p->n_jobs; i++) {
		struct layer_job *job = &p->jobs[i];
		job->desc = &m->entries[i];
		snprintf(job->id, sizeof(job->id), "%.12s", digest_hex(job->desc->digest));
		memcpy(job->diff_id, diff_ids[i], DIGEST_STR_LEN);
		if (i)
			memcpy(job->parent, p->jobs[i - 1].chain_id, DIGEST_STR_LEN);
		chain_id_next(i ? job->parent : NULL, job->diff_id, job->chain_id);
		job->have_layer = store_layer_exists(p->store, job->chain_id);
		job->have_blob = store_blob_size(p->store, job->desc->digest) >= 0 &&
				 strcmp(job->desc->digest, job->diff_id) != 0;
	}
	r = download_layers(p, err);
	if (r < 0)
		goto out;
	r = store_json_blob(p, cdata, clen, m->config.digest, err);
	if (r < 0)
		goto out;
	r = store_json_blob(p, mdata, mlen, res->manifest_digest, err);
out:
	free(p->jobs);
	p->jobs = NULL;
	p->n_jobs = 0;
	manifest_free(m);
	return r;
}

static int pull_from(struct pull *p, const struct reg_endpoint *ep, const struct image_ref *ref,
		     const struct platform *want, struct pull_result *res, struct hull_err **err)
{
	int r;

	r = reg_client_new(ep, ref->path, false, &p->client, err);
	if (r < 0)
		return r;
	r = pull_image(p, ref, want, res, err);
	p->client = reg_client_free(p->client);
	return r;
}

/* -EAGAIN when a layer or a blob of the pulled image is missing; another error is its own */
static int image_gone_meanwhile(struct store *s, const struct pull_result *res,
				struct hull_err **err)
{
	_cleanup_image_ struct image *img = NULL;
	struct hull_err *e = NULL;
	int r;

	r = store_image_load(s, res->manifest_digest, &img, &e);
	if (r < 0 && r != -ENOENT) {
		if (err && !*err)
			*err = e;
		else
			err_free(e);
		return r;
	}
	err_free(e);
	if (r == 0)
		STRV_FOREACH (c, img->chain_ids)
			if (!store_layer_exists(s, *c))
				r = -ENOENT;
	if (r < 0)
		return err_setx(
			err, EAGAIN,
			"%s: parts of the image were removed while it was pulled, try again",
			res->reference);
	return 0;
}

/*
 * Name the pulled image, under the store lock and only if all of it is
 * still there: a layer this pull found in the store (and so did not
 * download) may have gone since, with the rmi of another image or the
 * rollback of a concurrent pull that had added it. -EAGAIN then: the
 * caller pulls again, which fetches what is missing.
 */
static int pull_record(struct store *s, const struct image_ref *ref, struct pull_result *res,
		       struct hull_err **err)
{
	struct image_ref named = {.domain = ref->domain, .path = ref->path, .digest = res->digest};
	_cleanup_free_ char *with_digest = ref_string(&named);
	int r;

	r = store_lock(s, err);
	if (r < 0)
		return r;
	r = image_gone_meanwhile(s, res, err);
	if (r < 0)
		goto out;
	if (ref->tag && !ref->digest) {
		r = store_tag(s, res->reference, res->manifest_digest, err);
		if (r < 0)
			goto out;
	}
	r = store_repo_digest_add(s, with_digest, res->manifest_digest, err);
out:
	store_unlock(s);
	return r;
}

int image_pull(struct store *s, const struct reg_config *cfg, const char *ref_str,
	       const struct pull_opts *o, struct pull_result *ret, struct hull_err **err)
{
	struct image_ref ref = {0};
	struct platform host = {0};
	const struct platform *want = o->platform;
	struct reg_endpoint **eps = NULL;
	struct pull p = {.store = s, .rep = {.fn = o->progress, .arg = o->progress_arg}};
	struct pull_result res = {0};
	int r;

	r = ref_parse(ref_str, &ref, err);
	if (r < 0)
		return r;
	if (!want) {
		platform_host(&host);
		want = &host;
	}
	pthread_mutex_init(&p.lock, NULL);
	pthread_mutex_init(&p.rep.lock, NULL);
	p.added_blobs = strv_new();
	p.added_chains = strv_new();
	res.reference = ref_string(&ref);
	res.familiar = ref_familiar(&ref);
	r = reg_endpoints(cfg, ref.domain, false, &eps, err);
	if (r < 0)
		goto out;
	for (int attempt = 0;; attempt++) {
		for (size_t i = 0; eps[i]; i++) {
			struct hull_err *e = NULL;
			r = pull_from(&p, eps[i], &ref, want, &res, &e);
			if (r >= 0 || !eps[i]->mirror || !eps[i + 1]) {
				if (r < 0)
					*err = e;
				break;
			}
			err_free(e); /* a mirror failed: the next one, then the registry */
		}
		if (r >= 0)
			r = pull_record(s, &ref, &res, err);
		if (r != -EAGAIN || attempt >= PULL_ATTEMPTS - 1)
			break;
		if (err) /* a layer went while we pulled: fetch it again */
			*err = err_free(*err);
	}
	if (r < 0) {
		struct hull_err *e = NULL;
		(void) store_discard(s, p.added_blobs, p.added_chains, &e);
		err_free(e);
		err_set_exit(err, 1);
		goto out;
	}
	if (!o->no_event) {
		/* moby's LogImageEvent(FamiliarString(ref), FamiliarName(ref), "pull"), for every
		 * pull: `pull`, FROM, run --pull */
		_cleanup_free_ char *name = ref_familiar_name(&ref);
		events_emit(s->root, "image", "pull", res.familiar,
			    json_pack("{s:s}", "name", name));
	}
	*ret = res;
	res = (struct pull_result){0};
out:
	pull_result_release(&res);
	reg_endpoints_free(eps);
	strv_free(p.added_blobs);
	strv_free(p.added_chains);
	platform_release(&host);
	ref_release(&ref);
	pthread_mutex_destroy(&p.lock);
	pthread_mutex_destroy(&p.rep.lock);
	return r;
}

void pull_result_release(struct pull_result *r)
{
	free(r->reference);
	free(r->familiar);
	*r = (struct pull_result){0};
}

int image_pull_tags(const struct reg_config *cfg, const char *ref_str, char ***ret,
		    struct hull_err **err)
{
	struct image_ref ref = {0};
	struct reg_endpoint **eps = NULL;
	int r;

	r = ref_parse(ref_str, &ref, err);
	if (r < 0)
		return r;
	r = reg_endpoints(cfg, ref.domain, false, &eps, err);
	for (size_t i = 0; r >= 0 && eps[i]; i++) {
		struct reg_client *c = NULL;
		struct hull_err *e = NULL;

		r = reg_client_new(eps[i], ref.path, false, &c, &e);
		if (r >= 0)
			r = reg_tags_list(c, ret, &e);
		reg_client_free(c);
		if (r >= 0 || !eps[i]->mirror || !eps[i + 1]) {
			if (r < 0)
				*err = e;
			break;
		}
		err_free(e);
		r = 0;
	}
	reg_endpoints_free(eps);
	ref_release(&ref);
	if (r < 0)
		err_set_exit(err, 1);
	return r;
}
