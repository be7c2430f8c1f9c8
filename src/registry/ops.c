/* SPDX-License-Identifier: MIT */
/*
 * The /v2/ operations of registry/registry.h (OCI distribution spec v1.1:
 * pull, push, cross-repository mount) over the engine of client.c.
 */
#include "registry/client-internal.h"
#include "util/json.h"
#include "util/strv.h"

/* what docker (containerd's resolver) sends to resolve a manifest */
#define MANIFEST_ACCEPT \
	MT_DOCKER_MANIFEST ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_OCI_INDEX ", */*"

#define MONOLITHIC_MAX (64ll << 20)
#define CHUNK_DEFAULT  (32ll << 20)

/* put @e into *@err, unless an error is there already (the first cause wins, as err_set) */
static void err_move(struct hull_err **err, struct hull_err *e)
{
	if (err && !*err)
		*err = e;
	else
		err_free(e);
}

/* "OP 'HOST/REPO:tag'" or "OP 'HOST/REPO@sha256:...'" for messages; caller frees */
static char *what_ref(struct reg_client *c, const char *op, const char *ref)
{
	bool digest = strchr(ref, ':') != NULL;
	return xasprintf("%s '%s/%s%s%s'", op, c->ep.host, c->repo, digest ? "@" : ":", ref);
}

/*
 * a refused HEAD: it has no body to word it, so a 404 is said as the GET's
 * error code would (distribution's ErrBlobUnknown, "manifest unknown")
 */
static int head_fail(struct reg_req *req, struct reg_resp *resp, const char *unknown,
		     struct hull_err **err)
{
	if (resp->status == 404 && !resp->errbody.len)
		return err_setx(err, ENOENT, "%s: %s", req->what, unknown);
	return reg_fail(req, resp, err);
}

/* a tag or a sha256 digest: anything else would change the URL's meaning */
static int check_ref(struct reg_client *c, const char *op, const char *ref, struct hull_err **err)
{
	size_t n = strlen(ref);

	if (strchr(ref, ':')) {
		if (digest_valid(ref))
			return 0;
	} else if (n > 0 && n <= 128 &&
		   strspn(ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
			       "RSTUVWXYZ0123456789_.-") == n &&
		   ref[0] != '.' && ref[0] != '-') {
		return 0;
	}
	return err_setx(err, EINVAL, "%s '%s/%s': invalid tag or digest '%s'", op, c->ep.host,
			c->repo, ref);
}

/* the media type of a Content-Type value (no parameters); caller frees */
static char *media_type_of(const char *content_type)
{
	size_t n;

	if (!content_type)
		return NULL;
	n = strcspn(content_type, ";");
	while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
		n--;
	return n ? xstrndup(content_type, n) : NULL;
}

/* the body's own mediaType, or a guess from its shape for an older registry */
static char *media_type_from_body(const char *data, size_t len)
{
	_cleanup_json_ json_t *j = json_loadb(data, len, 0, NULL);
	const char *mt = json_get_str(j, "mediaType");

	if (!isempty(mt))
		return xstrdup(mt);
	if (json_integer_value(json_object_get(j, "schemaVersion")) == 1)
		return xstrdup(MT_DOCKER_SCHEMA1);
	if (json_is_array(json_object_get(j, "manifests")))
		return xstrdup(MT_OCI_INDEX);
	if (json_is_object(json_object_get(j, "config")))
		return xstrdup(MT_OCI_MANIFEST);
	return NULL;
}

static bool generic_type(const char *mt)
{
	return !mt || streq(mt, "application/json") || streq(mt, "text/plain") ||
	       streq(mt, "application/octet-stream");
}

static int check_media_type(const char *what, const char *mt, struct hull_err **err)
{
	if (mt && (streq(mt, MT_DOCKER_SCHEMA1) || streq(mt, MT_DOCKER_SCHEMA1_S) ||
		   streq(mt, "application/vnd.docker.distribution.manifest.v1+json")))
		return err_setx(err, EBADMSG,
				"%s: schema 1 manifests are not supported (Docker Image manifest "
				"version 2, schema 1 support has been removed from docker; see "
				"https://docs.docker.com/go/deprecated-image-specs/)",
				what);
	if (!mt || !(streq(mt, MT_OCI_INDEX) || streq(mt, MT_OCI_MANIFEST) ||
		     streq(mt, MT_DOCKER_LIST) || streq(mt, MT_DOCKER_MANIFEST)))
		return err_setx(err, EBADMSG, "%s: unsupported manifest media type '%s'", what,
				mt ? mt : "(none)");
	return 0;
}

/* the digest of @data must be @ref's when it is a digest, and the header's when sent */
static int check_manifest_digest(const char *what, const char *ref, const char *header,
				 const char *got, struct hull_err **err)
{
	if (strchr(ref, ':') && !streq(ref, got))
		return err_setx(err, EBADMSG, "%s: manifest digest mismatch: got %s", what, got);
	if (header && startswith(header, "sha256:") && !streq(header, got))
		return err_setx(err, EBADMSG,
				"%s: Docker-Content-Digest %s does not match the manifest's "
				"digest %s",
				what, header, got);
	return 0;
}

int reg_manifest_get(struct reg_client *c, const char *ref, char **ret_data, size_t *ret_len,
		     char **ret_media_type, char ret_digest[DIGEST_STR_LEN], struct hull_err **err)
{
	_cleanup_free_ char *what = what_ref(c, "get manifest", ref), *mt = NULL;
	_cleanup_strbuf_ struct strbuf body = STRBUF_INIT;
	struct reg_req req = {.method = "GET", .what = what, .accept = MANIFEST_ACCEPT};
	struct reg_resp resp = {0};
	char digest[DIGEST_STR_LEN];
	int r;

	r = check_ref(c, "get manifest", ref, err);
	if (r < 0)
		return r;
	strbuf_init_max(&body, REG_MANIFEST_MAX);
	req.out = &body;
	req.follow = true;
	r = reg_ensure_ping(c, what, err);
	if (r >= 0) {
		req.url = reg_url(c, "%s/manifests/%s", c->repo, ref);
		r = reg_do(c, &req, &resp, err);
	}
	if (r >= 0 && resp.status != 200)
		r = reg_fail(&req, &resp, err);
	if (r >= 0) {
		mt = media_type_of(resp.content_type);
		if (generic_type(mt)) {
			free(mt);
			mt = media_type_from_body(body.buf ?: "", body.len);
		}
		r = check_media_type(what, mt, err);
	}
	if (r >= 0) {
		sha256_digest(body.buf ?: "", body.len, digest);
		r = check_manifest_digest(what, ref, resp.digest, digest, err);
	}
	free(req.url);
	reg_resp_release(&resp);
	if (r < 0)
		return r;
	*ret_len = body.len;
	*ret_data = strbuf_detach(&body, NULL);
	*ret_media_type = TAKE_PTR(mt);
	memcpy(ret_digest, digest, DIGEST_STR_LEN);
	return 0;
}

int reg_manifest_head(struct reg_client *c, const char *ref, char ret_digest[DIGEST_STR_LEN],
		      struct hull_err **err)
{
	_cleanup_free_ char *what = what_ref(c, "head manifest", ref);
	struct reg_req req = {.method = "HEAD", .what = what, .accept = MANIFEST_ACCEPT};
	struct reg_resp resp = {0};
	int r;

	r = check_ref(c, "head manifest", ref, err);
	if (r < 0)
		return r;
	req.follow = true;
	r = reg_ensure_ping(c, what, err);
	if (r >= 0) {
		req.url = reg_url(c, "%s/manifests/%s", c->repo, ref);
		r = reg_do(c, &req, &resp, err);
	}
	if (r >= 0 && resp.status != 200)
		r = head_fail(&req, &resp, "manifest unknown: manifest unknown", err);
	if (r >= 0 && !resp.digest)
		r = -ENODATA; /* no error object: the caller GETs instead */
	else if (r >= 0 && !digest_valid(resp.digest))
		r = err_setx(err, EBADMSG, "%s: invalid Docker-Content-Digest '%s'", what,
			     resp.digest);
	else if (r >= 0 && strchr(ref, ':') && !streq(ref, resp.digest))
		r = err_setx(err, EBADMSG, "%s: manifest digest mismatch: got %s", what,
			     resp.digest);
	if (r >= 0)
		memcpy(ret_digest, resp.digest, DIGEST_STR_LEN);
	free(req.url);
	reg_resp_release(&resp);
	return r;
}

int reg_manifest_put(struct reg_client *c, const char *ref, const char *media_type,
		     const char *data, size_t len, struct hull_err **err)
{
	_cleanup_free_ char *what = what_ref(c, "put manifest", ref);
	struct reg_req req = {.method = "PUT", .what = what, .content_type = media_type};
	struct reg_resp resp = {0};
	char digest[DIGEST_STR_LEN];
	int r;

	r = check_ref(c, "put manifest", ref, err);
	if (r < 0)
		return r;
	if (len > REG_MANIFEST_MAX)
		return err_setx(err, EBADMSG, "%s: manifest larger than 4 MiB", what);
	sha256_digest(data, len, digest);
	if (strchr(ref, ':') && !streq(ref, digest))
		return err_setx(err, EINVAL, "%s: the manifest's digest is %s", what, digest);
	req.has_body = true;
	req.body = data;
	req.body_len = len;
	r = reg_ensure_ping(c, what, err);
	if (r >= 0) {
		req.url = reg_url(c, "%s/manifests/%s", c->repo, ref);
		r = reg_do(c, &req, &resp, err);
	}
	if (r >= 0 && (resp.status < 200 || resp.status > 299))
		r = reg_fail(&req, &resp, err);
	if (r >= 0 && resp.digest && startswith(resp.digest, "sha256:") &&
	    !streq(resp.digest, digest))
		r = err_setx(err, EBADMSG,
			     "%s: the registry stored digest %s, the manifest's is %s", what,
			     resp.digest, digest);
	free(req.url);
	reg_resp_release(&resp);
	return r;
}

int reg_blob_head(struct reg_client *c, const char *digest, int64_t *ret_size,
		  struct hull_err **err)
{
	_cleanup_free_ char *what = what_ref(c, "head blob", digest);
	struct reg_req req = {.method = "HEAD", .what = what, .follow = true};
	struct reg_resp resp = {0};
	int r;

	if (!digest_valid(digest))
		return err_setx(err, EINVAL, "%s: invalid digest", what);
	r = reg_ensure_ping(c, what, err);
	if (r >= 0) {
		req.url = reg_url(c, "%s/blobs/%s", c->repo, digest);
		r = reg_do(c, &req, &resp, err);
	}
	if (r >= 0 && resp.status != 200)
		r = head_fail(&req, &resp, "blob unknown: blob unknown to registry", err);
	if (r >= 0 && ret_size)
		*ret_size = resp.content_length;
	free(req.url);
	reg_resp_release(&resp);
	return r;
}

/* ---- blob download ---- */

struct verify {
	reg_sink_fn sink;
	void *arg;
	struct sha256_ctx *hash;
	int64_t got, size;
};

static int verify_sink(void *arg, const void *data, size_t len)
{
	struct verify *v = arg;

	v->got += (int64_t) len;
	if (v->size >= 0 && v->got > v->size)
		return -EBADMSG;
	sha256_update(v->hash, data, len);
	return v->sink(v->arg, data, len);
}

static int verify_end(struct verify *v, const char *what, const char *digest, struct hull_err **err)
{
	char got[DIGEST_STR_LEN];

	sha256_final(v->hash, got);
	v->hash = NULL;
	if (v->size >= 0 && v->got != v->size)
		return err_setx(err, EBADMSG, "%s: size mismatch: got %lld bytes, expected %lld",
				what, (long long) v->got, (long long) v->size);
	if (!streq(got, digest))
		return err_setx(err, EBADMSG, "%s: digest mismatch: got %s", what, got);
	return 0;
}

int reg_blob_get(struct reg_client *c, const char *digest, int64_t size, reg_sink_fn sink,
		 void *sink_arg, struct hull_err **err)
{
	_cleanup_free_ char *what = what_ref(c, "get blob", digest);
	struct verify v = {.sink = sink, .arg = sink_arg, .size = size};
	struct reg_req req = {.method = "GET", .what = what, .follow = true};
	struct reg_resp resp = {0};
	int r;

	if (!digest_valid(digest))
		return err_setx(err, EINVAL, "%s: invalid digest", what);
	v.hash = sha256_new();
	req.sink = verify_sink;
	req.sink_arg = &v;
	r = reg_ensure_ping(c, what, err);
	if (r >= 0) {
		struct hull_err *e = NULL;
		req.url = reg_url(c, "%s/blobs/%s", c->repo, digest);
		r = reg_do(c, &req, &resp, &e);
		if (r == -EBADMSG && v.size >= 0 && v.got > v.size) {
			e = err_free(e);
			r = err_setx(err, EBADMSG, "%s: size mismatch: more than %lld bytes", what,
				     (long long) v.size);
		}
		err_move(err, e);
	}
	if (r >= 0 && resp.status != 200)
		r = reg_fail(&req, &resp, err);
	if (r >= 0)
		r = verify_end(&v, what, digest, err);
	if (v.hash) {
		char ignored[DIGEST_STR_LEN];
		sha256_final(v.hash, ignored);
	}
	free(req.url);
	reg_resp_release(&resp);
	return r;
}

/* ---- blob upload ---- */

/* the bytes of a blob from the caller's fd, hashed and checked before the last one is sent */
struct upload_src {
	int fd;
	int64_t size, done;
	int64_t window; /* bytes the current request may still take */
	struct sha256_ctx *hash;
	const char *digest;
	int err; /* -EBADMSG: short file or digest mismatch */
	void (*progress)(void *arg, int64_t done);
	void *progress_arg;
};

static int upload_check_end(struct upload_src *s)
{
	char got[DIGEST_STR_LEN];

	sha256_final(s->hash, got);
	s->hash = NULL;
	if (!streq(got, s->digest)) {
		s->err = -EBADMSG;
		return -EBADMSG;
	}
	return 0;
}

static ssize_t upload_read(void *arg, char *buf, size_t len)
{
	struct upload_src *s = arg;
	ssize_t n;

	if (s->size == 0 && s->hash && upload_check_end(s) < 0)
		return -EBADMSG;
	if ((int64_t) len > s->window)
		len = (size_t) s->window;
	if (len == 0)
		return 0;
	do
		n = read(s->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return s->err = -errno;
	if (n == 0) /* the file is shorter than the blob */
		return s->err = -EBADMSG;
	sha256_update(s->hash, buf, (size_t) n);
	s->done += n;
	s->window -= n;
	/* the last bytes wait until the digest is known to match */
	if (s->done == s->size && upload_check_end(s) < 0)
		return -EBADMSG;
	if (s->progress)
		s->progress(s->progress_arg, s->done);
	return n;
}

static void upload_src_release(struct upload_src *s)
{
	if (s->hash) {
		char ignored[DIGEST_STR_LEN];
		sha256_final(s->hash, ignored);
		s->hash = NULL;
	}
}

static int upload_error(const char *what, const struct upload_src *s, struct hull_err **err)
{
	if (s->done < s->size && s->err == -EBADMSG)
		return err_setx(err, EBADMSG, "%s: the file ended after %lld of %lld bytes", what,
				(long long) s->done, (long long) s->size);
	return err_setx(err, EBADMSG, "%s: the bytes read do not hash to the blob's digest", what);
}

/* answer of a session request: its status must be @want; *@ret_location the next URL */
static int session_answer(struct reg_req *req, struct reg_resp *resp, long want,
			  char **ret_location, struct hull_err **err)
{
	if (resp->status != want)
		return reg_fail(req, resp, err);
	if (!ret_location)
		return 0;
	if (!resp->location)
		return err_setx(err, EPROTO, "%s: the registry sent no upload location", req->what);
	*ret_location = reg_resolve(resp->url, resp->location);
	return 0;
}

/* POST /v2/<repo>/blobs/uploads/: a new upload session */
static int upload_open(struct reg_client *c, const char *what, char **ret_location,
		       int64_t *ret_chunk_min, struct hull_err **err)
{
	struct reg_req req = {.method = "POST", .what = what};
	struct reg_resp resp = {0};
	int r;

	req.url = reg_url(c, "%s/blobs/uploads/", c->repo);
	r = reg_do(c, &req, &resp, err);
	if (r >= 0)
		r = session_answer(&req, &resp, 202, ret_location, err);
	if (r >= 0)
		*ret_chunk_min = resp.chunk_min;
	free(req.url);
	reg_resp_release(&resp);
	return r;
}

/* DELETE an upload session we give up, ignoring failures */
static void upload_cancel(struct reg_client *c, const char *location)
{
	struct reg_req req = {.method = "DELETE", .what = "cancel upload", .no_rechallenge = true};
	struct reg_resp resp = {0};
	struct hull_err *e = NULL;

	req.url = (char *) location;
	(void) reg_do(c, &req, &resp, &e);
	err_free(e);
	reg_resp_release(&resp);
}

static char *with_digest(const char *location, const char *digest)
{
	_cleanup_free_ char *d = reg_escape(digest);
	return xasprintf("%s%sdigest=%s", location, strchr(location, '?') ? "&" : "?", d);
}

/* the final PUT ?digest=, with the whole blob (@src) or with nothing after PATCHes */
static int upload_put(struct reg_client *c, const char *what, const char *location,
		      const char *digest, struct upload_src *src, struct hull_err **err)
{
	struct reg_req req = {.method = "PUT", .what = what};
	struct reg_resp resp = {0};
	int r;

	req.url = with_digest(location, digest);
	req.content_type = "application/octet-stream";
	if (src) {
		req.read = upload_read;
		req.read_arg = src;
		req.upload_len = src->size;
		src->window = src->size;
	} else {
		req.has_body = true;
	}
	r = reg_do(c, &req, &resp, err);
	if (r >= 0)
		r = session_answer(&req, &resp, 201, NULL, err);
	if (r >= 0 && resp.digest && !streq(resp.digest, digest))
		r = err_setx(err, EBADMSG, "%s: the registry stored digest %s", what, resp.digest);
	free(req.url);
	reg_resp_release(&resp);
	return r;
}

/* one PATCH of @len bytes at @src->done; *@location is replaced by the next one */
static int upload_patch(struct reg_client *c, const char *what, char **location,
			struct upload_src *src, int64_t len, struct hull_err **err)
{
	_cleanup_free_ char *range =
		xasprintf("%lld-%lld", (long long) src->done, (long long) (src->done + len - 1));
	struct reg_req req = {.method = "PATCH", .what = what, .content_range = range};
	struct reg_resp resp = {0};
	char *next = NULL;
	int r;

	req.url = *location;
	req.content_type = "application/octet-stream";
	req.read = upload_read;
	req.read_arg = src;
	req.upload_len = len;
	src->window = len;
	r = reg_do(c, &req, &resp, err);
	if (r >= 0)
		r = session_answer(&req, &resp, 202, &next, err);
	reg_resp_release(&resp);
	if (r < 0)
		return r;
	free(*location);
	*location = next;
	return 0;
}

static int upload_chunked(struct reg_client *c, const char *what, char **location,
			  struct upload_src *src, int64_t chunk_min, struct hull_err **err)
{
	int64_t chunk = chunk_min > CHUNK_DEFAULT ? chunk_min : CHUNK_DEFAULT;
	int r;

	while (src->done < src->size) {
		int64_t left = src->size - src->done;
		r = upload_patch(c, what, location, src, left < chunk ? left : chunk, err);
		if (r < 0)
			return r;
	}
	return upload_put(c, what, *location, src->digest, NULL, err);
}

/* the session a failed mount of @digest opened, if any (reg_blob_mount) */
static char *take_mount_session(struct reg_client *c, const char *digest)
{
	char *loc = NULL;

	pthread_mutex_lock(&c->lock);
	if (c->mount_digest && streq(c->mount_digest, digest)) {
		loc = TAKE_PTR(c->mount_location);
		free(c->mount_digest);
		c->mount_digest = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	return loc;
}

int reg_blob_upload(struct reg_client *c, const char *digest, int fd, int64_t size,
		    void (*progress)(void *arg, int64_t done), void *progress_arg,
		    struct hull_err **err)
{
	_cleanup_free_ char *what = what_ref(c, "push blob", digest), *location = NULL;
	struct upload_src src = {.fd = fd, .size = size, .digest = digest};
	struct hull_err *e = NULL;
	int64_t chunk_min = 0;
	int r;

	if (!digest_valid(digest) || size < 0)
		return err_setx(err, EINVAL, "%s: invalid digest or size", what);
	src.progress = progress;
	src.progress_arg = progress_arg;
	src.hash = sha256_new();
	r = reg_ensure_ping(c, what, err);
	location = r < 0 ? NULL : take_mount_session(c, digest);
	if (r >= 0 && !location)
		r = upload_open(c, what, &location, &chunk_min, err);
	if (r >= 0 && size <= MONOLITHIC_MAX)
		r = upload_put(c, what, location, digest, &src, &e);
	else if (r >= 0)
		r = upload_chunked(c, what, &location, &src, chunk_min, &e);
	if (r < 0 && src.err == -EBADMSG) {
		e = err_free(e);
		r = upload_error(what, &src, err);
	}
	err_move(err, e);
	if (r < 0 && location)
		upload_cancel(c, location);
	upload_src_release(&src);
	return r;
}

/* ---- cross-repository mount ---- */

/* keep the session a refused mount opened for the upload that follows; cancel an older one */
static void keep_mount_session(struct reg_client *c, const char *digest, char *location)
{
	char *old;

	pthread_mutex_lock(&c->lock);
	old = c->mount_location;
	free(c->mount_digest);
	c->mount_digest = xstrdup(digest);
	c->mount_location = location;
	pthread_mutex_unlock(&c->lock);
	if (old)
		upload_cancel(c, old);
	free(old);
}

int reg_blob_mount(struct reg_client *c, const char *digest, const char *from,
		   struct hull_err **err)
{
	_cleanup_free_ char *what = what_ref(c, "mount blob", digest), *scope = NULL;
	_cleanup_free_ char *d = NULL, *f = NULL;
	struct reg_req req = {.method = "POST", .what = what};
	struct reg_resp resp = {0};
	int r;

	if (!digest_valid(digest) || isempty(from))
		return err_setx(err, EINVAL, "%s: invalid digest or repository", what);
	/* the token must also allow pulling from @from (distribution AuthorizeRequest) */
	scope = xasprintf("repository:%s:pull", from);
	req.extra_scope = scope;
	d = reg_escape(digest);
	f = reg_escape(from);
	r = reg_ensure_ping(c, what, err);
	if (r >= 0) {
		req.url = reg_url(c, "%s/blobs/uploads/?mount=%s&from=%s", c->repo, d, f);
		r = reg_do(c, &req, &resp, err);
	}
	if (r >= 0 && resp.status == 201) {
		r = 0;
	} else if (r >= 0 && resp.status == 202) {
		if (resp.location)
			keep_mount_session(c, digest, reg_resolve(resp.url, resp.location));
		r = -ENOENT; /* no error object: the caller uploads next */
	} else if (r >= 0) {
		r = reg_fail(&req, &resp, err);
	}
	free(req.url);
	reg_resp_release(&resp);
	return r;
}

/* ---- ping and login ---- */

int reg_ping(struct reg_client *c, const char *user, const char *password, struct hull_err **err)
{
	bool given = user || password;
	int r;

	pthread_mutex_lock(&c->lock);
	if (given) {
		free(c->user);
		if (c->password)
			explicit_bzero(c->password, strlen(c->password));
		free(c->password);
		c->user = xstrdup(user ?: "");
		c->password = xstrdup(password ?: "");
		c->creds_loaded = true;
	}
	c->login = given;
	pthread_mutex_unlock(&c->lock);
	r = reg_login(c, err);
	/* a login token has no repository scope: the next request fetches its own */
	pthread_mutex_lock(&c->lock);
	if (c->login) {
		c->login = false;
		if (c->token)
			explicit_bzero(c->token, strlen(c->token));
		free(c->token);
		c->token = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

int reg_tags_list(struct reg_client *c, char ***ret, struct hull_err **err)
{
	_cleanup_free_ char *what = xasprintf("list tags of '%s/%s'", c->ep.host, c->repo);
	_cleanup_strbuf_ struct strbuf body = STRBUF_INIT;
	_cleanup_json_ json_t *doc = NULL;
	struct reg_req req = {.method = "GET", .what = what, .follow = true};
	struct reg_resp resp = {0};
	_cleanup_strv_ char **tags = strv_new();
	json_t *arr, *t;
	size_t i;
	int r;

	strbuf_init_max(&body, REG_MANIFEST_MAX);
	req.out = &body;
	r = reg_ensure_ping(c, what, err);
	if (r >= 0) {
		req.url = reg_url(c, "%s/tags/list", c->repo);
		r = reg_do(c, &req, &resp, err);
	}
	if (r >= 0 && resp.status != 200)
		r = reg_fail(&req, &resp, err);
	if (r >= 0)
		r = json_load_buf(body.buf ?: "", body.len, what, &doc, err);
	free(req.url);
	reg_resp_release(&resp);
	if (r < 0)
		return r;
	arr = json_object_get(doc, "tags");
	if (!json_is_array(arr) && !json_is_null(arr))
		return err_setx(err, EBADMSG, "%s: the answer has no tags array", what);
	json_array_foreach (arr, i, t) {
		if (!json_is_string(t))
			return err_setx(err, EBADMSG, "%s: a tag is not a string", what);
		strv_push(&tags, json_string_value(t));
	}
	*ret = TAKE_PTR(tags);
	return 0;
}
