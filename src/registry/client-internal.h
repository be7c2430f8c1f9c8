/* SPDX-License-Identifier: MIT */
/*
 * The HTTP engine under registry/registry.h (client.c), shared with the
 * /v2/ operations (ops.c). Not for other layers.
 *
 * A request goes through reg_do(): ping /v2/ once per client (learning the
 * challenge, and falling back from https:// to http:// for an insecure
 * registry), an Authorization header for the scheme the registry asked
 * for (a cached Bearer token, or Basic), redirects followed by hand so
 * that credentials only go to the registry's own origin, and one
 * re-challenge after a 401. The answer's status is the caller's to judge;
 * reg_fail() words a refusal.
 */
#ifndef HULL_REGISTRY_CLIENT_INTERNAL_H
#define HULL_REGISTRY_CLIENT_INTERNAL_H

#include <pthread.h>
#include "registry/curl-dl.h"
#include "registry/reg-internal.h"
#include "util/strbuf.h"

#define REG_POOL_MAX	  8	      /* idle easy handles kept, each with its connections */
#define REG_ERRBODY_MAX	  (64u << 10) /* of an error answer, for its message */
#define REG_TOKEN_MAX	  (1u << 20)  /* a token server's answer */
#define REG_STALL_DEFAULT 60	      /* seconds without a byte before a transfer fails */

enum reg_scheme {
	REG_AUTH_NONE,
	REG_AUTH_BASIC,
	REG_AUTH_BEARER,
};

struct reg_client {
	struct reg_endpoint ep; /* copied */
	char *repo;
	bool push;
	long stall; /* seconds */

	/* TLS, fixed at creation */
	struct curl_blob ca_blob; /* system CAs + certs.d *.crt; data NULL: curl's default */
	char *client_cert, *client_key;

	CURLSH *share; /* the DNS cache, shared by every handle of the client */
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

	pthread_mutex_t pool_lock;
	CURL *pool[REG_POOL_MAX];
	size_t n_pool;

	/* under @lock: what the ping learnt, credentials and the token cache */
	pthread_mutex_t lock;
	bool pinged;
	char *base; /* ep.url, or its http:// form after the insecure fallback */
	enum reg_scheme scheme;
	char *realm, *service;
	bool creds_loaded;
	char *user, *password;
	bool login; /* reg_ping with given credentials: docker's login token request */
	char *token;
	time_t token_expiry;		     /* CLOCK_MONOTONIC seconds */
	char *mount_digest, *mount_location; /* an upload session a failed mount opened */
};

/* reads up to @len bytes of a request body: the count, 0 at the end, -errno to abort */
typedef ssize_t (*reg_read_fn)(void *arg, char *buf, size_t len);

struct reg_req {
	const char *method; /* GET, HEAD, POST, PUT, PATCH, DELETE */
	char *url;	    /* absolute; owned by the caller */
	const char *what;   /* the action for messages: "get manifest 'h/r:tag'" */
	const char *accept;
	const char *content_type;
	const char *content_range;
	const char *extra_scope; /* an extra token scope for this request only (mount) */
	/* a body from memory (@has_body), or @upload_len bytes from @read */
	bool has_body;
	const void *body;
	size_t body_len;
	reg_read_fn read;
	void *read_arg;
	int64_t upload_len;
	/* the body of a 2xx answer: to @sink, into @out (bounded by its max), or dropped */
	reg_sink_fn sink;
	void *sink_arg;
	struct strbuf *out;
	bool follow; /* follow redirects (GET and HEAD of blobs and manifests) */
	/*
	 * a 401 is final: a best-effort request whose refusal must not cost
	 * the cached token (distribution wants "*" to cancel an upload)
	 */
	bool no_rechallenge;
};

struct reg_resp {
	long status;
	char *reason;
	char *content_type, *digest, *location, *range;
	char **challenges; /* WWW-Authenticate values */
	int64_t content_length;
	int64_t chunk_min; /* OCI-Chunk-Min-Length, 0 when absent */
	char *url;	   /* where the answer came from, after redirects */
	struct strbuf errbody;
};

void reg_resp_release(struct reg_resp *resp);

/*
 * reg_do() - perform @req as described above; 0 with *@resp filled (any
 * HTTP status), or a negative errno for a transport failure, an aborted
 * body or an authentication that could not be made (with *err set, naming
 * req->what). @resp must be zeroed; release it with reg_resp_release().
 */
int reg_do(struct reg_client *c, struct reg_req *req, struct reg_resp *resp, struct hull_err **err);

/* reg_fail() - *err for an answer the caller did not expect: "WHAT: manifest unknown: ..." */
int reg_fail(struct reg_req *req, struct reg_resp *resp, struct hull_err **err);

/* reg_url() - the client's base + "/v2/" + @fmt...; caller frees. Valid after the ping. */
char *reg_url(struct reg_client *c, const char *fmt, ...) _printf_(2, 3);

/* reg_ensure_ping() - the ping, once (reg_do() calls it); a failure is worded "@what: ...". */
int reg_ensure_ping(struct reg_client *c, const char *what, struct hull_err **err);

/* reg_resolve() - @location resolved against @base_url (a registry's Location header); caller
 * frees. */
char *reg_resolve(const char *base_url, const char *location);

/* reg_escape() - @s percent-encoded for a query value; caller frees. */
char *reg_escape(const char *s);

/*
 * reg_login() - the body of reg_ping(): ping again, then GET /v2/ with the
 * credentials set in @c (a token fetched for no scope, as docker's login).
 */
int reg_login(struct reg_client *c, struct hull_err **err);

#endif
