/* SPDX-License-Identifier: MIT */
/*
 * `hull pull` and `hull push`: images between a registry and the store.
 *
 * Pull (moby distribution/pull_v2.go, as a docker user sees it): the
 * reference's manifest is fetched from the first endpoint that answers
 * (mirrors, then the registry; registry/config.h), an index is resolved to
 * the platform's manifest, the config is fetched and checked, and the
 * layers that are not in the store already (by chainID) are downloaded,
 * three at once, each one streamed in one pass through the digest check of
 * its blob, decompression, the diffID check and extraction
 * (store_layer_import_stream()). The compressed blobs are kept as they
 * came, so a push of a pulled image sends the same manifest. The image is
 * tagged only when everything matched; on failure what this pull added is
 * removed again, so the store is as it was.
 *
 * Push (moby distribution/push_v2.go): each layer blob is checked with
 * HEAD, mounted from another repository of the same registry when the
 * image was pulled from one, or uploaded; then the config and the stored
 * manifest bytes, so the manifest digest is the one the store has. A layer
 * built here (its blob is lazy) is pushed as the uncompressed tar its
 * manifest names.
 *
 * Progress is reported through a callback, called under the pull's own
 * mutex (never concurrently), which the CLI draws as docker does.
 */
#ifndef HULL_REGISTRY_PULL_H
#define HULL_REGISTRY_PULL_H

#include <stdbool.h>
#include <stdint.h>
#include "image/store.h"
#include "registry/config.h"
#include "registry/manifest.h"
#include "util/err.h"

enum xfer_state {
	XFER_MESSAGE,	 /* a line of its own: @text ("latest: Pulling from library/busybox") */
	XFER_WAITING,	 /* "Pulling fs layer" / "Preparing" */
	XFER_QUEUED,	 /* "Waiting" */
	XFER_EXISTS,	 /* "Already exists" / "Layer already exists" */
	XFER_MOUNTED,	 /* "Mounted from @text" */
	XFER_PROGRESS,	 /* "Downloading" / "Pushing", @done of @total bytes */
	XFER_VERIFYING,	 /* "Verifying Checksum" */
	XFER_DOWNLOADED, /* "Download complete" */
	XFER_EXTRACTING, /* "Extracting", @done of @total bytes (compressed bytes consumed) */
	XFER_COMPLETE,	 /* "Pull complete" / "Pushed" */
};

struct xfer_event {
	enum xfer_state state;
	const char *id;	  /* the layer's short id (12 hex), NULL for XFER_MESSAGE */
	const char *text; /* the message, or the repository mounted from */
	int64_t done, total;
};

typedef void (*xfer_progress_fn)(void *arg, const struct xfer_event *ev);

/*
 * xfer_state_text() - docker's words for @st in a pull (@push false) or a
 * push: "Pulling fs layer", "Pushed"... (moby distribution/xfer); "" for
 * XFER_MESSAGE.
 */
const char *xfer_state_text(enum xfer_state st, bool push);
/*
 * xfer_event_line() - the line docker prints for @ev off a terminal
 * ("ID: Pull complete", a message as it is), or NULL for the progress-bar
 * events it does not print there (jsonmessage without a terminal). Caller
 * frees.
 */
char *xfer_event_line(const struct xfer_event *ev, bool push);

struct pull_opts {
	const struct platform *platform; /* NULL: the host's */
	xfer_progress_fn progress;	 /* may be NULL */
	void *progress_arg;
	bool no_event; /* the caller writes the pull event (pull -a: one for the repository) */
};

struct pull_result {
	char *reference; /* normalised "docker.io/library/busybox:latest" (or @digest) */
	char *familiar;	 /* "busybox:latest" */
	char digest[DIGEST_STR_LEN]; /* what the reference resolved to: index or manifest */
	char manifest_digest[DIGEST_STR_LEN]; /* the image's manifest in the store */
	bool up_to_date; /* nothing was downloaded: the image was complete already */
};

/*
 * image_pull() - pull @ref (any docker form; "busybox" is
 * docker.io/library/busybox:latest) into @s, as described above, and tag
 * it (a pull by digest records only the repo digest, as docker). @cfg
 * gives mirrors and insecure registries. Fills *@ret (release with
 * pull_result_release()). Errors: those of registry/registry.h wrapped
 * with the reference (docker's exit status 1 is set on @err), -EINVAL for
 * a bad reference, -ENOENT "manifest unknown" / "no matching manifest for
 * PLATFORM in the manifest list entries". Takes the store lock only for
 * short renames and the index update.
 */
int image_pull(struct store *s, const struct reg_config *cfg, const char *ref,
	       const struct pull_opts *o, struct pull_result *ret, struct hull_err **err);
void pull_result_release(struct pull_result *r);

/*
 * image_pull_tags() - the tags of @ref's repository (GET tags/list, all
 * pages), for `pull -a`; strv, caller frees.
 */
int image_pull_tags(const struct reg_config *cfg, const char *ref, char ***ret,
		    struct hull_err **err);

/*
 * image_push() - push the image tagged @ref to its registry (never a
 * mirror), as described above. *@ret_digest gets the manifest digest and
 * *@ret_size its size in bytes (docker prints "TAG: digest: D size: N").
 * Records the repo digest. Errors as image_pull(); -ENOENT "An image does
 * not exist locally with the tag: NAME" (docker's words).
 */
int image_push(struct store *s, const struct reg_config *cfg, const char *ref,
	       xfer_progress_fn progress, void *progress_arg, char ret_digest[DIGEST_STR_LEN],
	       int64_t *ret_size, struct hull_err **err);

#endif
