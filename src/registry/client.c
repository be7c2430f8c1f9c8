/* SPDX-License-Identifier: MIT */
/*
 * The registry transport (registry/client-internal.h): one client per
 * endpoint and repository, libcurl underneath.
 *
 * Threads: libcurl's share interface shares the DNS cache between
 * threads, under our lock callbacks. Connections and TLS sessions are not
 * shared that way, because libcurl does not support sharing them between
 * concurrent threads (CURLSHOPT_SHARE(3): CURL_LOCK_DATA_CONNECT, and
 * CURL_LOCK_DATA_SSL_SESSION since 8.x). Instead, easy handles are pooled:
 * a request borrows an idle handle, whose own connection cache and TLS
 * session then serve it, and gives it back, so that a thread's successive
 * requests reuse one connection while parallel ones get their own.
 */
#include <ctype.h>
#include <dirent.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include "registry/client-internal.h"
#include "registry/creds.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

#define CERTS_DIR      "/etc/docker/certs.d"
#define CA_BUNDLE      "/etc/ssl/certs/ca-certificates.crt"
#define CA_MAX	       (16u << 20)
#define REDIRECTS_MAX  10
#define CONNECT_SECS   30L
#define TOKEN_MIN_SECS 60	/* distribution's minimumTokenLifetimeSeconds */
#define LOGIN_CLIENT   "docker" /* moby AuthClientID: docker's login and identity tokens */

static time_t now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* ---- TLS: system CAs plus /etc/docker/certs.d/HOST/ (moby registry.ReadCertsDirectory) ---- */

/* the CA bundle libcurl verifies with by default */
static char *default_ca_path(void)
{
	CURL *h = sym_curl_easy_init();
	char *p = NULL;

	if (h && sym_curl_easy_getinfo(h, CURLINFO_CAINFO, &p) == CURLE_OK && p)
		p = xstrdup(p);
	else
		p = xstrdup(CA_BUNDLE);
	if (h)
		sym_curl_easy_cleanup(h);
	return p;
}

static int add_ca_file(struct strbuf *sb, const char *path, struct hull_err **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r;

	r = read_file(path, CA_MAX, &data, &len, err);
	if (r < 0)
		return err_wrap(err, "read CA certificate");
	strbuf_add(sb, data, len);
	strbuf_addch(sb, '\n');
	return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && streq(s + n - m, suffix);
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* the sorted names in @dir; NULL (no error) when it does not exist */
static int list_dir(const char *dir, char ***ret, struct hull_err **err)
{
	_cleanup_strv_ char **names = NULL;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		*ret = NULL;
		return errno == ENOENT ? 0 : err_set(err, errno, "open '%s'", dir);
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strv_push(&names, de->d_name);
	closedir(d);
	if (names)
		qsort(names, strv_length(names), sizeof(char *), strcmp_p);
	*ret = TAKE_PTR(names);
	return 0;
}

/* a client certificate NAME.cert needs NAME.key, and the other way round */
static int add_client_pair(struct reg_client *c, const char *dir, const char *name,
			   char *const *names, struct hull_err **err)
{
	_cleanup_free_ char *base = xstrndup(name, strrchr(name, '.') - name);
	_cleanup_free_ char *cert = xasprintf("%s.cert", base), *key = xasprintf("%s.key", base);

	if (!strv_contains(names, key))
		return err_setx(err, EINVAL,
				"missing key %s for client certificate %s. Note that CA "
				"certificates should use the extension .crt",
				key, cert);
	if (!strv_contains(names, cert))
		return err_setx(err, EINVAL, "missing client certificate %s for key %s", cert, key);
	if (!c->client_cert) {
		c->client_cert = path_join(dir, cert);
		c->client_key = path_join(dir, key);
	}
	return 0;
}

static int tls_setup(struct reg_client *c, struct hull_err **err)
{
	const char *base = getenv("HULL_CERTS_DIR");
	_cleanup_free_ char *dir = path_join(isempty(base) ? CERTS_DIR : base, c->ep.host);
	_cleanup_strbuf_ struct strbuf cas = STRBUF_INIT;
	_cleanup_strv_ char **names = NULL;
	int r;

	r = list_dir(dir, &names, err);
	STRV_FOREACH (n, names) {
		_cleanup_free_ char *p = path_join(dir, *n);
		if (r < 0)
			break;
		if (has_suffix(*n, ".crt")) {
			if (!cas.len) {
				_cleanup_free_ char *sys = default_ca_path();
				(void) add_ca_file(&cas, sys, NULL); /* none: only ours */
			}
			r = add_ca_file(&cas, p, err);
		} else if (has_suffix(*n, ".cert") || has_suffix(*n, ".key")) {
			r = add_client_pair(c, dir, *n, names, err);
		}
	}
	if (r < 0)
		return err_wrap(err, "registry certificates of '%s'", c->ep.host);
	if (cas.len) {
		c->ca_blob.len = cas.len;
		c->ca_blob.data = strbuf_detach(&cas, NULL);
		c->ca_blob.flags = CURL_BLOB_NOCOPY;
	}
	return 0;
}

/* ---- the client ---- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *arg)
{
	struct reg_client *c = arg;

	(void) h;
	(void) access;
	pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	struct reg_client *c = arg;

	(void) h;
	pthread_mutex_unlock(&c->share_locks[data]);
}

static int share_setup(struct reg_client *c, struct hull_err **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(c->share_locks); i++)
		pthread_mutex_init(&c->share_locks[i], NULL);
	c->share = sym_curl_share_init();
	if (!c->share)
		return err_setx(err, ENOMEM, "initialise libcurl's share interface");
	if (sym_curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock) ||
	    sym_curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock) ||
	    sym_curl_share_setopt(c->share, CURLSHOPT_USERDATA, c) ||
	    sym_curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS))
		return err_setx(err, EIO, "set up libcurl's share interface");
	return 0;
}

static long stall_seconds(void)
{
	const char *s = getenv("HULL_REGISTRY_STALL");
	char *end;
	long v;

	if (isempty(s))
		return REG_STALL_DEFAULT;
	v = strtol(s, &end, 10);
	return *end || v <= 0 ? REG_STALL_DEFAULT : v;
}

int reg_client_new(const struct reg_endpoint *ep, const char *repository, bool push,
		   struct reg_client **ret, struct hull_err **err)
{
	struct reg_client *c;
	int r;

	r = curl_dl_load(err);
	if (r < 0)
		return r;
	c = xcalloc(1, sizeof(*c));
	c->ep.url = xstrdup(ep->url);
	c->ep.host = xstrdup(ep->host);
	c->ep.insecure = ep->insecure;
	c->ep.mirror = ep->mirror;
	c->repo = xstrdup(repository);
	c->push = push;
	c->stall = stall_seconds();
	c->base = xstrdup(ep->url);
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->pool_lock, NULL);
	r = share_setup(c, err);
	if (r >= 0)
		r = tls_setup(c, err);
	if (r < 0) {
		reg_client_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

struct reg_client *reg_client_free(struct reg_client *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n_pool; i++)
		sym_curl_easy_cleanup(c->pool[i]);
	if (c->share)
		sym_curl_share_cleanup(c->share);
	for (size_t i = 0; i < ARRAY_SIZE(c->share_locks); i++)
		pthread_mutex_destroy(&c->share_locks[i]);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->pool_lock);
	free(c->ep.url);
	free(c->ep.host);
	free(c->repo);
	free(c->ca_blob.data);
	free(c->client_cert);
	free(c->client_key);
	free(c->base);
	free(c->realm);
	free(c->service);
	free(c->user);
	free_secret(c->password);
	free_secret(c->token);
	free(c->mount_digest);
	free(c->mount_location);
	free(c);
	return NULL;
}

static CURL *pool_get(struct reg_client *c)
{
	CURL *h = NULL;

	pthread_mutex_lock(&c->pool_lock);
	if (c->n_pool > 0)
		h = c->pool[--c->n_pool];
	pthread_mutex_unlock(&c->pool_lock);
	if (h)
		sym_curl_easy_reset(h); /* keeps its connections and TLS sessions */
	else
		h = sym_curl_easy_init();
	return h;
}

static void pool_put(struct reg_client *c, CURL *h)
{
	pthread_mutex_lock(&c->pool_lock);
	if (c->n_pool < REG_POOL_MAX) {
		c->pool[c->n_pool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&c->pool_lock);
	if (h)
		sym_curl_easy_cleanup(h);
}

/* ---- one transfer ---- */

struct xfer {
	struct reg_req *req;
	struct reg_resp *resp;
	int body_err;	  /* why the body callback stopped: -errno */
	int read_err;	  /* why the upload reader stopped: -errno */
	long stall;	  /* seconds without a byte either way that end the transfer */
	curl_off_t moved; /* bytes down and up when last seen */
	double moved_at;  /* monotonic seconds when @moved last changed */
	bool stalled;	  /* the progress callback ended the transfer */
};

void reg_resp_release(struct reg_resp *resp)
{
	free(resp->reason);
	free(resp->content_type);
	free(resp->digest);
	free(resp->location);
	free(resp->range);
	strv_free(resp->challenges);
	free(resp->url);
	strbuf_release(&resp->errbody);
	*resp = (struct reg_resp){0};
}

/* a new status line: forget the headers of an interim (1xx) answer */
static void resp_status_line(struct reg_resp *resp, const char *line)
{
	const char *p = strchr(line, ' ');
	char *end;

	free(resp->reason);
	resp->reason = NULL;
	free(resp->content_type);
	free(resp->digest);
	free(resp->location);
	free(resp->range);
	resp->content_type = resp->digest = resp->location = resp->range = NULL;
	resp->challenges = strv_free(resp->challenges);
	resp->content_length = -1;
	resp->chunk_min = 0;
	resp->status = p ? strtol(p + 1, &end, 10) : 0;
	if (p && *end == ' ' && end[1])
		resp->reason = reg_one_line(end + 1, 64);
}

static bool header_is(const char *line, const char *name, const char **ret_value)
{
	size_t n = strlen(name);

	if (strncasecmp(line, name, n) != 0 || line[n] != ':')
		return false;
	*ret_value = line + n + 1 + strspn(line + n + 1, " \t");
	return true;
}

static void set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
}

/* a header value that error messages may quote: control characters (ESC...) as spaces */
static void set_printable(char **slot, const char *v)
{
	free(*slot);
	*slot = reg_one_line(v, 1024);
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct reg_resp *resp = ((struct xfer *) arg)->resp;
	size_t len = size * n;
	_cleanup_free_ char *line = xstrndup(data, len);
	const char *v;

	line[strcspn(line, "\r\n")] = '\0';
	if (startswith(line, "HTTP/"))
		resp_status_line(resp, line);
	else if (header_is(line, "Content-Type", &v))
		set_printable(&resp->content_type, v);
	else if (header_is(line, "Docker-Content-Digest", &v))
		set_printable(&resp->digest, v);
	else if (header_is(line, "Location", &v))
		set_str(&resp->location, v);
	else if (header_is(line, "Range", &v))
		set_str(&resp->range, v);
	else if (header_is(line, "WWW-Authenticate", &v))
		strv_push(&resp->challenges, v);
	else if (header_is(line, "Content-Length", &v))
		resp->content_length = strtoll(v, NULL, 10);
	else if (header_is(line, "OCI-Chunk-Min-Length", &v))
		resp->chunk_min = strtoll(v, NULL, 10);
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	int r;

	if (x->resp->status < 200 || x->resp->status > 299) {
		/* an error answer: keep its beginning for the message */
		size_t room = REG_ERRBODY_MAX - x->resp->errbody.len;
		strbuf_add(&x->resp->errbody, data, len < room ? len : room);
		return len;
	}
	if (x->req->sink) {
		r = x->req->sink(x->req->sink_arg, data, len);
		if (r < 0) {
			x->body_err = r;
			return 0;
		}
	} else if (x->req->out && strbuf_add(x->req->out, data, len) < 0) {
		x->body_err = -E2BIG;
		return 0;
	}
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	ssize_t r = x->req->read(x->req->read_arg, buf, size * n);

	if (r < 0) {
		x->read_err = (int) r;
		return CURL_READFUNC_ABORT;
	}
	return (size_t) r;
}

static int set_method(CURL *h, struct reg_req *req, struct xfer *x)
{
	if (streq(req->method, "HEAD"))
		return sym_curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	if (req->read) {
		sym_curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		sym_curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		sym_curl_easy_setopt(h, CURLOPT_READDATA, x);
		sym_curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t) req->upload_len);
	} else if (req->has_body || streq(req->method, "POST") || streq(req->method, "PUT") ||
		   streq(req->method, "PATCH")) {
		/* POST semantics for a body from memory, even empty, with our verb */
		sym_curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len);
		sym_curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
	}
	if (!streq(req->method, "GET") && !streq(req->method, "POST"))
		sym_curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	return 0;
}

static struct curl_slist *add_header(struct curl_slist *l, const char *name, const char *value)
{
	_cleanup_free_ char *h = NULL;
	struct curl_slist *n;

	if (!value)
		return l;
	h = xasprintf("%s: %s", name, value);
	n = sym_curl_slist_append(l, h);
	explicit_bzero(h, strlen(h)); /* it may be an Authorization header */
	if (!n)
		abort(); /* out of memory, as xmalloc */
	return n;
}

static struct curl_slist *request_headers(struct reg_req *req, const char *authorization)
{
	struct curl_slist *l = NULL;

	l = add_header(l, "Authorization", authorization);
	l = add_header(l, "Accept", req->accept);
	/* no Content-Type at all rather than curl's form-urlencoded default */
	l = add_header(l, "Content-Type", req->content_type ? req->content_type : "");
	l = add_header(l, "Content-Range", req->content_range);
	/* no "Expect: 100-continue" round trip: registries answer at the end */
	l = add_header(l, "Expect", "");
	return l;
}

static void set_tls(struct reg_client *c, CURL *h)
{
	if (c->ca_blob.data)
		sym_curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &c->ca_blob);
	if (c->client_cert) {
		sym_curl_easy_setopt(h, CURLOPT_SSLCERT, c->client_cert);
		sym_curl_easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
	}
	if (c->ep.insecure) {
		sym_curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		sym_curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/*
 * A stall is @x->stall seconds in which not one byte moved. libcurl's own
 * low-speed limit averages the speed over its last five seconds, so a transfer
 * that stops dead after some bytes failed only 5 to 6 s later than it said.
 * libcurl calls this at least once a second while a transfer runs.
 */
static int on_xferinfo(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct xfer *x = arg;
	double now = mono_now();

	(void) dltotal;
	(void) ultotal;
	if (dlnow + ulnow != x->moved || x->moved_at == 0) {
		x->moved = dlnow + ulnow;
		x->moved_at = now;
		return 0;
	}
	if (now - x->moved_at < (double) x->stall)
		return 0;
	x->stalled = true;
	return 1;
}

/* libcurl's sockets without FD_CLOEXEC would leak into a credential helper or a container */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	(void) arg;
	(void) purpose;
	return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

static void set_options(struct reg_client *c, CURL *h, const char *url, struct xfer *x,
			struct curl_slist *headers, char *errbuf)
{
	sym_curl_easy_setopt(h, CURLOPT_URL, url);
	sym_curl_easy_setopt(h, CURLOPT_SHARE, c->share);
	sym_curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	sym_curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	sym_curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	sym_curl_easy_setopt(h, CURLOPT_USERAGENT, "hull/" HULL_VERSION);
	sym_curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	sym_curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_SECS);
	x->stall = c->stall;
	sym_curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	sym_curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
	sym_curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
	sym_curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	sym_curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	sym_curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	sym_curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	sym_curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	/* large buffers: fewer callbacks and syscalls per blob (curl's defaults are 16/64 KiB) */
	sym_curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024);
	sym_curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 2L * 1024 * 1024);
	set_tls(c, h);
}

/* the errno of a failed transfer */
static int curl_errnum(CURL *h, CURLcode rc)
{
	long os = 0;

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return EHOSTUNREACH;
	case CURLE_COULDNT_CONNECT:
		sym_curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os);
		return os == EHOSTUNREACH || os == ENETUNREACH || os == ETIMEDOUT ? (int) os
										  : ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return ETIMEDOUT;
	case CURLE_PARTIAL_FILE:
		return EBADMSG;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return ECONNRESET;
	default:
		return EPROTO;
	}
}

static int transfer_error(struct reg_client *c, struct reg_req *req, struct xfer *x, CURL *h,
			  CURLcode rc, const char *errbuf, struct hull_err **err)
{
	_cleanup_free_ char *msg = NULL;

	if (x->body_err == -E2BIG)
		return err_setx(err, EBADMSG, "%s: answer larger than %zu bytes", req->what,
				req->out->max);
	if (x->body_err)
		return err_set(err, -x->body_err, "%s", req->what);
	if (x->read_err)
		return err_set(err, -x->read_err, "%s", req->what);
	if (x->stalled)
		return err_setx(err, ETIMEDOUT, "%s: no data for %ld seconds", req->what, c->stall);
	msg = reg_one_line(*errbuf ? errbuf : sym_curl_easy_strerror(rc), 512);
	return err_setx(err, curl_errnum(h, rc), "%s: %s", req->what, msg);
}

/* one HTTP exchange with @url: 0 with *@resp for any answer */
static int http_once(struct reg_client *c, struct reg_req *req, const char *url,
		     const char *authorization, struct reg_resp *resp, struct hull_err **err)
{
	struct xfer x = {.req = req, .resp = resp};
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers;
	CURLcode rc;
	CURL *h;
	int r = 0;

	h = pool_get(c);
	if (!h)
		return err_setx(err, ENOMEM, "%s: initialise libcurl", req->what);
	reg_resp_release(resp);
	resp->content_length = -1;
	strbuf_init_max(&resp->errbody, REG_ERRBODY_MAX);
	headers = request_headers(req, authorization);
	set_options(c, h, url, &x, headers, errbuf);
	set_method(h, req, &x);
	rc = sym_curl_easy_perform(h);
	if (rc != CURLE_OK)
		r = transfer_error(c, req, &x, h, rc, errbuf, err);
	else
		resp->url = xstrdup(url);
	sym_curl_slist_free_all(headers);
	pool_put(c, h);
	return r;
}

/* ---- URLs ---- */

char *reg_resolve(const char *base_url, const char *location)
{
	CURLU *u = sym_curl_url();
	char *s = NULL, *r;

	if (!u)
		abort();
	/* a URL set on a handle that has one is resolved against it (RFC 3986) */
	if (sym_curl_url_set(u, CURLUPART_URL, base_url, 0) != CURLUE_OK ||
	    sym_curl_url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK ||
	    sym_curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK) {
		sym_curl_url_cleanup(u);
		return xstrdup(location);
	}
	r = xstrdup(s);
	sym_curl_free(s);
	sym_curl_url_cleanup(u);
	return r;
}

/* "scheme://host:port" of @url, the port spelt out; NULL when unparsable */
static char *origin_of(const char *url)
{
	CURLU *u = sym_curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *r = NULL;

	if (!u)
		abort();
	if (sym_curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    sym_curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    sym_curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    sym_curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		r = xasprintf("%s://%s:%s", scheme, host, port);
	sym_curl_free(scheme);
	sym_curl_free(host);
	sym_curl_free(port);
	sym_curl_url_cleanup(u);
	if (r)
		for (char *p = r; *p; p++)
			*p = (char) tolower((unsigned char) *p);
	return r;
}

static bool same_origin(const char *a, const char *b)
{
	_cleanup_free_ char *oa = origin_of(a), *ob = origin_of(b);
	return oa && ob && streq(oa, ob);
}

char *reg_escape(const char *s)
{
	char *e = sym_curl_easy_escape(NULL, s, 0), *r;

	if (!e)
		abort();
	r = xstrdup(e);
	sym_curl_free(e);
	return r;
}

char *reg_url(struct reg_client *c, const char *fmt, ...)
{
	_cleanup_free_ char *tail = NULL;
	va_list ap;

	va_start(ap, fmt);
	tail = xvasprintf(fmt, ap);
	va_end(ap);
	return xasprintf("%s/v2/%s", c->base, tail);
}

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/*
 * http_once() following redirects when req->follow, by hand: @authorization
 * goes only to @auth_origin's origin, never to a CDN the registry sends us
 * to (moby's authorizer only signs requests to the registry's host).
 */
static int http_follow(struct reg_client *c, struct reg_req *req, const char *authorization,
		       const char *auth_origin, struct reg_resp *resp, struct hull_err **err)
{
	_cleanup_free_ char *url = xstrdup(req->url);
	int r;

	for (int i = 0; i <= REDIRECTS_MAX; i++) {
		bool mine = authorization && same_origin(url, auth_origin);
		char *next;

		r = http_once(c, req, url, mine ? authorization : NULL, resp, err);
		if (r < 0 || !req->follow || !is_redirect(resp->status) || !resp->location)
			return r;
		next = reg_resolve(url, resp->location);
		free(url);
		url = next;
	}
	return err_setx(err, EPROTO, "%s: stopped after %d redirects", req->what, REDIRECTS_MAX);
}

/* ---- the ping and the challenge ---- */

/* what a 401 asks for: Bearer (with a realm) before Basic, as docker's handlers are ordered */
static void learn_challenge(struct reg_client *c, const struct reg_resp *resp)
{
	enum reg_scheme best = REG_AUTH_NONE;

	free_secret(c->token);
	c->token = NULL;
	if (resp->status != 401)
		goto done;
	STRV_FOREACH (h, resp->challenges) {
		_cleanup_free_ char *scheme = NULL;
		_cleanup_strv_ char **params = NULL;
		const char *realm;

		if (www_auth_parse(*h, &scheme, &params) < 0)
			continue;
		realm = www_auth_param(params, "realm");
		if (streq(scheme, "bearer") && realm) {
			set_str(&c->realm, realm);
			free(c->service);
			c->service = www_auth_param(params, "service")
					     ? xstrdup(www_auth_param(params, "service"))
					     : NULL;
			best = REG_AUTH_BEARER;
			break;
		}
		if (streq(scheme, "basic"))
			best = REG_AUTH_BASIC;
	}
done:
	c->scheme = best;
}

/* GET /v2/ without credentials; moby falls back to plain HTTP for an insecure registry */
static int do_ping(struct reg_client *c, const char *what, long *ret_status, struct hull_err **err)
{
	struct reg_req req = {.method = "GET", .what = what};
	struct reg_resp resp = {0};
	struct hull_err *e = NULL;
	int r;

	req.url = xasprintf("%s/v2/", c->base);
	r = http_once(c, &req, req.url, NULL, &resp, &e);
	if (r < 0 && c->ep.insecure && !c->ep.mirror && startswith(c->base, "https://")) {
		free(c->base);
		c->base = xasprintf("http://%s", c->ep.url + strlen("https://"));
		free(req.url);
		req.url = xasprintf("%s/v2/", c->base);
		e = err_free(e);
		r = http_once(c, &req, req.url, NULL, &resp, &e);
		if (r < 0)
			set_str(&c->base, c->ep.url); /* the next attempt starts over */
	}
	free(req.url);
	if (r < 0) {
		if (err && !*err)
			*err = e;
		else
			err_free(e);
		reg_resp_release(&resp);
		return r;
	}
	learn_challenge(c, &resp);
	c->pinged = true;
	if (ret_status)
		*ret_status = resp.status;
	reg_resp_release(&resp);
	return 0;
}

int reg_ensure_ping(struct reg_client *c, const char *what, struct hull_err **err)
{
	int r = 0;

	pthread_mutex_lock(&c->lock);
	if (!c->pinged)
		r = do_ping(c, what, NULL, err);
	pthread_mutex_unlock(&c->lock);
	return r;
}

/* ---- credentials and tokens (under c->lock) ---- */

static int load_creds(struct reg_client *c, struct hull_err **err)
{
	char *user = NULL, *password = NULL;
	int r;

	if (c->creds_loaded)
		return 0;
	r = creds_get(c->ep.host, &user, &password, err);
	if (r < 0 && r != -ENOENT)
		return err_wrap(err, "credentials for '%s'", c->ep.host);
	c->user = user;
	c->password = password;
	c->creds_loaded = true;
	return 0;
}

static bool have_basic(const struct reg_client *c)
{
	return !isempty(c->user) && !isempty(c->password) && !streq(c->user, "<token>");
}

static char *basic_value(const char *user, const char *password)
{
	_cleanup_free_ char *up = xasprintf("%s:%s", user, password);
	char *b64 = reg_base64_encode(up, strlen(up)), *r = xasprintf("Basic %s", b64);

	explicit_bzero(up, strlen(up));
	free_secret(b64);
	return r;
}

/* the query of a token request (distribution fetchTokenWithBasicAuth) */
static char *token_query(struct reg_client *c, const char *extra_scope)
{
	_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;
	_cleanup_free_ char *scope = NULL;

	if (c->service) {
		_cleanup_free_ char *s = reg_escape(c->service);
		strbuf_addf(&q, "&service=%s", s);
	}
	if (!c->login) {
		_cleanup_free_ char *r =
			xasprintf("repository:%s:%s", c->repo, c->push ? "pull,push" : "pull");
		scope = reg_escape(r);
		strbuf_addf(&q, "&scope=%s", scope);
	}
	if (extra_scope) {
		_cleanup_free_ char *s = reg_escape(extra_scope);
		strbuf_addf(&q, "&scope=%s", s);
	}
	if (c->login)
		strbuf_addf(&q, "&offline_token=true&client_id=" LOGIN_CLIENT);
	if (have_basic(c)) {
		_cleanup_free_ char *a = reg_escape(c->user);
		strbuf_addf(&q, "&account=%s", a);
	}
	return q.len ? xstrdup(q.buf + 1) : xstrdup("");
}

/* an identity token's OAuth2 refresh-token grant (distribution fetchTokenWithOAuth) */
static char *refresh_form(struct reg_client *c, const char *extra_scope)
{
	_cleanup_free_ char *rt = reg_escape(c->password), *svc = reg_escape(c->service ?: "");
	_cleanup_free_ char *scope =
		xasprintf("repository:%s:%s%s%s", c->repo, c->push ? "pull,push" : "pull",
			  extra_scope ? " " : "", extra_scope ?: "");
	_cleanup_free_ char *sc = reg_escape(c->login ? "" : scope);

	return xasprintf("grant_type=refresh_token&refresh_token=%s&service=%s&scope=%s"
			 "&client_id=" LOGIN_CLIENT,
			 rt, svc, sc);
}

static int parse_token(const char *what, const struct strbuf *body, char **ret_token,
		       long *ret_secs, struct hull_err **err)
{
	_cleanup_json_ json_t *j = json_loadb(body->buf ?: "", body->len, 0, NULL);
	const char *t = json_get_str(j, "access_token");
	json_int_t secs = json_integer_value(json_object_get(j, "expires_in"));

	if (isempty(t))
		t = json_get_str(j, "token");
	if (!j)
		return err_setx(err, EPROTO, "%s: unable to decode token response", what);
	if (isempty(t))
		return err_setx(err, EPROTO,
				"%s: authorization server did not include a token in the "
				"response",
				what);
	/*
	 * it goes into an Authorization header: a CR or LF would add headers
	 * of the token server's choosing (Go's net/http refuses such a value)
	 */
	for (const char *q = t; *q; q++)
		if ((unsigned char) *q <= ' ' || (unsigned char) *q >= 0x7f)
			return err_setx(err, EPROTO,
					"%s: the authorization server's token is not printable "
					"ASCII",
					what);
	*ret_token = xstrdup(t);
	*ret_secs = secs < TOKEN_MIN_SECS ? TOKEN_MIN_SECS : (long) secs;
	return 0;
}

static int fetch_token(struct reg_client *c, const char *extra_scope, const char *what,
		       char **ret_token, long *ret_secs, struct hull_err **err)
{
	bool refresh = c->user && streq(c->user, "<token>") && !isempty(c->password);
	_cleanup_free_ char *query = NULL, *form = NULL;
	char *authz = NULL;
	_cleanup_strbuf_ struct strbuf body = STRBUF_INIT;
	struct reg_resp resp = {0};
	struct reg_req req = {.what = what, .follow = true, .out = &body};
	int r;

	if (!startswith(c->realm, "https://") && !startswith(c->realm, "http://"))
		return err_setx(err, EPROTO, "%s: invalid token auth challenge realm '%s'", what,
				c->realm);
	strbuf_init_max(&body, REG_TOKEN_MAX);
	if (refresh) {
		form = refresh_form(c, extra_scope);
		req.method = "POST";
		req.url = xstrdup(c->realm);
		req.content_type = "application/x-www-form-urlencoded";
		req.has_body = true;
		req.body = form;
		req.body_len = strlen(form);
	} else {
		query = token_query(c, extra_scope);
		req.method = "GET";
		req.url = xasprintf("%s%s%s", c->realm, strchr(c->realm, '?') ? "&" : "?", query);
		authz = have_basic(c) ? basic_value(c->user, c->password) : NULL;
	}
	r = http_follow(c, &req, authz, c->realm, &resp, err);
	if (r >= 0 && (resp.status < 200 || resp.status > 299))
		r = reg_fail(&req, &resp, err);
	if (r >= 0)
		r = parse_token(what, &body, ret_token, ret_secs, err);
	if (form)
		explicit_bzero(form, strlen(form));
	free_secret(authz);
	free(req.url);
	reg_resp_release(&resp);
	return r;
}

/* the Authorization value for the next request (caller frees), or NULL */
static int auth_value(struct reg_client *c, const char *extra_scope, const char *what, char **ret,
		      struct hull_err **err)
{
	char *token = NULL;
	long secs = 0;
	int r;

	*ret = NULL;
	r = load_creds(c, err);
	if (r < 0 || c->scheme == REG_AUTH_NONE)
		return r;
	if (c->scheme == REG_AUTH_BASIC) {
		if (have_basic(c))
			*ret = basic_value(c->user, c->password);
		return 0;
	}
	/* a token for an extra scope serves one request; the client's own is cached */
	if (!extra_scope && c->token && now_mono() < c->token_expiry) {
		*ret = xasprintf("Bearer %s", c->token);
		return 0;
	}
	r = fetch_token(c, extra_scope, what, &token, &secs, err);
	if (r < 0)
		return r;
	*ret = xasprintf("Bearer %s", token);
	if (extra_scope) {
		free_secret(token);
	} else {
		free_secret(c->token);
		c->token = token;
		c->token_expiry = now_mono() + secs;
	}
	return 0;
}

/* ---- requests ---- */

int reg_fail(struct reg_req *req, struct reg_resp *resp, struct hull_err **err)
{
	_cleanup_free_ char *msg = NULL;
	int errnum;

	msg = reg_error_message(resp->status, resp->reason, resp->errbody.buf, resp->errbody.len,
				resp->challenges, &errnum);
	return err_setx(err, errnum, "%s: %s", req->what, msg);
}

/* the 401 came with a new challenge (or the first): learn it; false when retrying is pointless */
static bool rechallenge(struct reg_client *c, const struct reg_resp *resp)
{
	bool retry;

	pthread_mutex_lock(&c->lock);
	learn_challenge(c, resp);
	retry = c->scheme == REG_AUTH_BEARER || (c->scheme == REG_AUTH_BASIC && have_basic(c));
	pthread_mutex_unlock(&c->lock);
	return retry;
}

int reg_do(struct reg_client *c, struct reg_req *req, struct reg_resp *resp, struct hull_err **err)
{
	int r;

	r = reg_ensure_ping(c, req->what, err);
	if (r < 0)
		return r;
	for (int attempt = 0;; attempt++) {
		char *authz = NULL;

		pthread_mutex_lock(&c->lock);
		r = auth_value(c, req->extra_scope, req->what, &authz, err);
		pthread_mutex_unlock(&c->lock);
		if (r < 0)
			return r;
		r = http_follow(c, req, authz, c->base, resp, err);
		free_secret(authz);
		/* an upload body cannot be read twice; its session's POST was authorised */
		if (r < 0 || resp->status != 401 || attempt > 0 || req->read || req->no_rechallenge)
			return r;
		/*
		 * only the registry's own challenge is learnt: a server a
		 * redirect led to must not choose the realm our credentials
		 * go to (moby's challenge manager is fed by the registry's ping)
		 */
		if (!resp->url || !same_origin(resp->url, c->base))
			return 0;
		if (!rechallenge(c, resp))
			return 0;
	}
}

/* ---- login ---- */

int reg_login(struct reg_client *c, struct hull_err **err)
{
	_cleanup_free_ char *url = NULL, *what = NULL;
	struct reg_resp resp = {0};
	struct reg_req req = {.method = "GET"};
	char *authz = NULL;
	long status = 0;
	int r;

	pthread_mutex_lock(&c->lock);
	c->pinged = false;
	/* moby loginV2's errors are Go's url.Error: Get "URL": ... */
	what = xasprintf("Get \"%s/v2/\"", c->ep.url);
	r = do_ping(c, what, &status, err);
	url = xasprintf("%s/v2/", c->base);
	free(what);
	what = xasprintf("Get \"%s\"", url);
	if (r >= 0 && c->scheme != REG_AUTH_NONE)
		r = auth_value(c, NULL, what, &authz, err);
	pthread_mutex_unlock(&c->lock);
	if (r < 0)
		return r;
	if (c->scheme == REG_AUTH_NONE && status == 200)
		return 0;
	req.url = url;
	req.what = what;
	r = http_once(c, &req, url, authz, &resp, err);
	free_secret(authz);
	if (r >= 0 && resp.status != 200)
		r = err_setx(err, resp.status == 401 || resp.status == 403 ? EACCES : EPROTO,
			     "login attempt to %s failed with status: %ld%s%s", url, resp.status,
			     resp.reason ? " " : "", resp.reason ?: "");
	reg_resp_release(&resp);
	return r;
}
