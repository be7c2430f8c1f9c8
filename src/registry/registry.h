/* SPDX-License-Identifier: MIT */
/*
 * The registry transport: OCI distribution spec v1.1 / Docker Registry HTTP
 * API v2 over libcurl (dlopen()ed on first use, DESIGN.md "Start-up cost").
 *
 * One struct reg_client talks to one endpoint (a registry or one of its
 * mirrors) about one repository. It answers the registry's authentication
 * challenges itself: `WWW-Authenticate: Bearer realm=,service=,scope=`
 * (an anonymous token, or one obtained with the stored credentials; a token
 * is reused for its lifetime and scope) and `Basic` (moby
 * registry/auth.go, distribution registry/client/auth). Credentials come
 * from docker's config.json (registry/creds.h). A password or token is
 * never printed, logged or put in an error message.
 *
 * TLS: the system CAs, plus docker's per-registry directory
 * /etc/docker/certs.d/HOST[:PORT]/ (*.crt CAs, client.cert + client.key)
 * (moby registry.ReadCertsDirectory; HULL_CERTS_DIR overrides the base
 * directory for tests). An endpoint marked insecure (registry/config.h)
 * is tried with HTTPS without verification, then plain HTTP, as docker does.
 *
 * Concurrency: one client may be used by several threads at once (a pull
 * downloads layers in parallel). The ping, the credentials and the token
 * cache are under the client's own mutex; libcurl's DNS cache is shared
 * through a CURLSH with lock callbacks; connections and TLS sessions live
 * in a small pool of easy handles, each used by one thread at a time,
 * because libcurl does not support sharing those between concurrent
 * threads (CURLSHOPT_SHARE(3)). Nothing else is global except libcurl's
 * one-time loading and initialisation (registry/curl-dl.h). Only
 * reg_client_free() must not race with other calls.
 *
 * Requests: the first one pings GET /v2/ to learn the challenge; the 401
 * of any later one is answered once more with fresh credentials (a new
 * token), as distribution's client does. Redirects of GET and HEAD are
 * followed (at most 10), and the Authorization header only goes to the
 * registry's own scheme://host:port, never to a CDN. No byte for
 * HULL_REGISTRY_STALL seconds (default 60) fails a transfer with
 * -ETIMEDOUT; connecting has 30 seconds. User-Agent: hull/VERSION.
 *
 * Errors: a negative errno with *err set to one line naming the registry,
 * the repository and, where there is one, the digest or tag:
 *   -ENOENT     404 / MANIFEST_UNKNOWN / BLOB_UNKNOWN / NAME_UNKNOWN
 *   -EACCES     401/403 after authenticating (docker: "unauthorized: ..."),
 *               including the registry's error message when it sent one
 *   -EBADMSG    a body whose digest or size does not match, a truncated
 *               body, a wrong or unsupported media type, a manifest over
 *               4 MiB (docker's limit), an unparsable answer
 *   -EPROTO     any other unexpected status (5xx...), with the status; a
 *               TLS failure (unknown CA...), with curl's message
 *   -EHOSTUNREACH / -ECONNREFUSED / -ETIMEDOUT / -ECONNRESET  transport
 *               failures, with curl's message
 *   -EINVAL     a tag or digest that is not one (it would change the URL)
 *   -EOPNOTSUPP libcurl cannot be loaded
 * A 404 of a HEAD, which has no body, is worded as the GET's error code
 * ("manifest unknown: manifest unknown", "blob unknown: ..."). Examples:
 *   get manifest 'localhost:5000/library/busybox:nope': manifest unknown: manifest unknown
 *   push blob 'ghcr.io/a/b@sha256:...': denied: requested access to the resource is denied
 */
#ifndef HULL_REGISTRY_REGISTRY_H
#define HULL_REGISTRY_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/digest.h"
#include "util/err.h"

/* docker's limit on a manifest or index body (moby distribution/manifest.go) */
#define REG_MANIFEST_MAX (4u << 20)

/* Media types (OCI image-spec, docker image-spec v2.2) */
#define MT_OCI_INDEX	     "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST	     "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG	     "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_LIST	     "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST   "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG     "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_SCHEMA1    "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_SCHEMA1_S  "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_DOCKER_LAYER_TAR  "application/vnd.docker.image.rootfs.diff.tar"
#define MT_OCI_LAYER	     "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP    "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_ZSTD    "application/vnd.oci.image.layer.v1.tar+zstd"

/*
 * One place to talk to. @url is "https://HOST[:PORT]" or "http://..." with
 * no trailing slash (a mirror may carry a path prefix: "http://h:5000/p").
 */
struct reg_endpoint {
	char *url;     /* base URL, owned */
	char *host;    /* HOST[:PORT] of @url: certs.d directory and credentials key */
	bool insecure; /* TLS unverified and plain HTTP allowed (config or loopback) */
	bool mirror;   /* a pull mirror: never pushed to; its failures fall through */
};

struct reg_client;

/*
 * reg_client_new() - a client for repository @repository ("library/busybox")
 * at @ep (copied). Credentials for @ep->host are looked up on first need
 * (registry/creds.h; for a mirror, the mirror's own host). No network
 * access happens here, but libcurl is loaded (-EOPNOTSUPP) and the TLS
 * files of /etc/docker/certs.d/@ep->host/ are read: a *.cert without its
 * *.key, or the other way round, fails with -EINVAL (moby's wording).
 * @push asks for "pull,push" scopes in tokens instead of "pull".
 * *@ret is freed with reg_client_free().
 */
int reg_client_new(const struct reg_endpoint *ep, const char *repository, bool push,
		   struct reg_client **ret, struct hull_err **err);
/* reg_client_free() - free; accepts NULL; returns NULL. */
struct reg_client *reg_client_free(struct reg_client *c);
/* reg_client_set_user_agent() - nothing to set: "hull/VERSION" is sent always. */

/*
 * reg_ping() - GET /v2/ and authenticate if challenged, with the credentials
 * @user/@password when given (login), else the stored ones. 0 when the
 * registry accepted us; -EACCES otherwise, in moby loginV2's words:
 * `Get "URL/v2/": unauthorized: incorrect username or password` when the
 * token server refused, `login attempt to URL/v2/ failed with status: 401
 * Unauthorized` when the registry did. With @user/@password, the token is
 * asked for as docker's login asks (no scope, offline_token=true,
 * client_id=docker, account=@user) and not kept; the credentials stay in
 * the client for its later requests. Used by `hull login`.
 */
int reg_ping(struct reg_client *c, const char *user, const char *password, struct hull_err **err);

/*
 * reg_manifest_get() - GET /v2/<repo>/manifests/<@ref> (a tag or digest)
 * with docker's Accept list (containerd's resolver, which docker uses:
 * docker schema2, docker manifest list, OCI manifest, OCI index, then
 * any; a schema 1 answer fails with -EBADMSG "schema 1 manifests are not
 * supported", any other media type with -EBADMSG naming it). The body (at most REG_MANIFEST_MAX) is
 * returned in
 * *@ret_data (caller frees, NUL-terminated, length *@ret_len), its
 * Content-Type in *@ret_media_type (caller frees; from the body's
 * mediaType when the header is missing or generic) and its digest in
 * @ret_digest. The digest is the hash of the body; when @ref is a digest
 * the body must hash to it, and a Docker-Content-Digest header, if sent,
 * must equal the hash (-EBADMSG otherwise).
 */
int reg_manifest_get(struct reg_client *c, const char *ref, char **ret_data, size_t *ret_len,
		     char **ret_media_type, char ret_digest[DIGEST_STR_LEN], struct hull_err **err);

/*
 * reg_manifest_head() - HEAD the manifest @ref: 0 and its digest (from
 * Docker-Content-Digest) when present, -ENOENT when not. Used by
 * `pull` of a tag already in the store to avoid re-reading it; a registry
 * that sends no digest header gives -ENODATA with *@err untouched (then
 * GET).
 */
int reg_manifest_head(struct reg_client *c, const char *ref, char ret_digest[DIGEST_STR_LEN],
		      struct hull_err **err);

/*
 * reg_manifest_put() - PUT the manifest @data (@len bytes, media type
 * @media_type) as @ref (a tag or its digest). The registry's
 * Docker-Content-Digest, if sent, must equal the body's digest.
 */
int reg_manifest_put(struct reg_client *c, const char *ref, const char *media_type,
		     const char *data, size_t len, struct hull_err **err);

/*
 * reg_blob_head() - HEAD /v2/<repo>/blobs/<digest>: 0 (and the size in
 * *@ret_size, may be NULL) when the registry has it, -ENOENT when not.
 */
int reg_blob_head(struct reg_client *c, const char *digest, int64_t *ret_size,
		  struct hull_err **err);

/*
 * A sink for blob bytes: called with each piece in order; return 0 to go
 * on, or a negative errno to abort the transfer (which then fails with that
 * errno and whatever the sink put in its own error).
 */
typedef int (*reg_sink_fn)(void *arg, const void *data, size_t len);

/*
 * reg_blob_get() - GET the blob @digest, @size bytes long (-1: unknown),
 * giving every byte to @sink as it arrives. Redirects are followed, also to
 * other hosts (a CDN), without sending them the Authorization header. The
 * bytes are hashed on the way: more than @size bytes, fewer, or a digest
 * other than @digest fail with -EBADMSG after the sink has seen them (the
 * caller must discard what it wrote); more than @size stops the transfer
 * at once. A stalled transfer (no byte for HULL_REGISTRY_STALL seconds,
 * default 60) fails with -ETIMEDOUT. When the sink aborts, *@err gets
 * "get blob 'H/R@D': <strerror>" unless it is already set: pass the sink
 * the same error pointer and its own message wins.
 */
int reg_blob_get(struct reg_client *c, const char *digest, int64_t size, reg_sink_fn sink,
		 void *sink_arg, struct hull_err **err);

/*
 * reg_blob_mount() - try a cross-repository mount of @digest from
 * repository @from (same registry): 0 when the registry mounted it (201),
 * -ENOENT with *@err untouched when it did not (it then opened an upload
 * session, which the next reg_blob_upload() of @digest on this client
 * reuses; another mount cancels it). The token also asks for
 * "repository:@from:pull", as distribution's client does.
 */
int reg_blob_mount(struct reg_client *c, const char *digest, const char *from,
		   struct hull_err **err);

/*
 * reg_blob_upload() - upload the blob @digest of @size bytes read from @fd
 * (borrowed; read sequentially from its current offset): POST an upload
 * session, then one PUT with the whole body when @size is at most 64 MiB
 * (monolithic), else PATCH chunks of 32 MiB (or the registry's
 * OCI-Chunk-Min-Length if larger) and a final PUT ?digest=. The bytes read
 * are hashed; a mismatch with @digest aborts the upload (-EBADMSG) before
 * the final PUT: the last bytes are held back until the digest is known,
 * so the registry never commits a wrong blob. A file shorter than @size
 * fails with -EBADMSG; a failed upload's session is cancelled (DELETE,
 * best effort). @progress (may be NULL) is called with the bytes read so
 * far, from the calling thread.
 */
int reg_blob_upload(struct reg_client *c, const char *digest, int fd, int64_t size,
		    void (*progress)(void *arg, int64_t done), void *progress_arg,
		    struct hull_err **err);

/*
 * reg_tags_list() - GET /v2/<repo>/tags/list, following the Link header's
 * next pages (distribution spec "Listing Tags"); the tags in the registry's
 * order as a strv in *@ret (caller frees). -ENOENT for an unknown repository.
 */
int reg_tags_list(struct reg_client *c, char ***ret, struct hull_err **err);

/*
 * www_auth_parse() - parse one WWW-Authenticate header value (RFC 7235
 * section 4.1: a scheme, then comma-separated auth-params, values token or
 * quoted-string with backslash escapes, white space around '=' and ','
 * allowed). When the value holds several challenges ("Bearer realm=a,
 * Basic realm=b") the first is returned. *@ret_scheme gets the scheme in
 * lower case ("bearer", "basic"); @ret_params a NULL-terminated array of
 * key, value pairs (keys lower-cased), caller frees both with free() and
 * strv_free(). -EINVAL, with nothing set, on a malformed header: an empty
 * or non-token scheme or key, a missing value, an unterminated quote, a
 * control character, a repeated key, a token68 value, more than 64
 * parameters. Pure, for fuzzing (tests/fuzz/fuzz-www-auth.c).
 */
int www_auth_parse(const char *header, char **ret_scheme, char ***ret_params);

#endif
