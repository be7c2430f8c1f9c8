/* SPDX-License-Identifier: MIT */
/*
 * Images made outside a Dockerfile build: `hull commit` (a container's
 * changes on its image, moby daemon/commit.go) and `hull import` (a rootfs
 * tarball, moby daemon/images/image_import.go), both with docker's --change
 * lines: Dockerfile instructions applied to the image config (moby
 * builder/dockerfile BuildFromConfig). They live in build/ because --change
 * needs the Dockerfile parser, which container/ and image/ may not use.
 *
 * No function prints or exits; errors are set once in *err (STYLE.md). Not
 * thread-safe: each call uses its own objects, and the store ones lock the
 * store as store_lock() says.
 */
#ifndef HULL_BUILD_COMMIT_H
#define HULL_BUILD_COMMIT_H

#include <jansson.h>
#include "container/container.h"
#include "image/store.h"
#include "util/err.h"

/*
 * build_change_apply() - apply the --change text @line (one or more
 * Dockerfile instructions, parsed by df_parse() with the name "change") to
 * @config, the "config" object of an image config (borrowed, changed in
 * place), as docker commit/import do:
 *   CMD, ENTRYPOINT     replace Cmd/Entrypoint; shell form becomes
 *                       ["/bin/sh", "-c", TEXT]
 *   ENV, LABEL          set each key in Env (by key: an existing "K=..." is
 *                       replaced in place, a new one appended) or Labels;
 *                       keys and values go through df_expand_word() with
 *                       the Env from before the instruction (quotes removed,
 *                       $VARs expanded, as a build's ENV and LABEL)
 *   EXPOSE, VOLUME      add to ExposedPorts ("80" is "80/tcp") or Volumes
 *   USER, WORKDIR,      replace User/WorkingDir/StopSignal; exactly one
 *   STOPSIGNAL          argument, else -EINVAL "USER requires exactly one argument"
 *   ONBUILD             append the instruction's text to OnBuild
 * Any other instruction: -EINVAL "FROM is not a valid change command" (the
 * instruction as written); a parse error is df_parse()'s. Instructions
 * before a failing one stay applied; an expansion error is
 * df_expand_word()'s. Pure (no I/O).
 */
int build_change_apply(json_t *config, const char *line, struct hull_err **err);

/*
 * build_commit_merge() - the container's settings over its image's: each of
 * User, Env, Cmd, Entrypoint, WorkingDir, ExposedPorts, Labels and StopSignal
 * of @ccfg (the container record's "Config", borrowed; NULL is empty) that is
 * present and not null replaces the same key of @icfg (an image config's
 * "config" object, changed in place; the values are shared, not copied);
 * Cmd and Entrypoint replace it even when null, since a container's are the
 * merged argv it ran and a null one was cleared (`run --entrypoint ""`).
 * Every other key of @icfg (Volumes, OnBuild, Healthcheck...) is kept. A
 * replaced value is the container's whole value: the container's Env,
 * ExposedPorts and Labels already hold its image's (container_create()
 * copies them), so this is moby's merge() (daemon/commit.go) of a container
 * created from the image. Pure.
 */
void build_commit_merge(json_t *icfg, json_t *ccfg);

struct build_commit_opts {
	const char *author;   /* "author" of the config and its history entry; NULL: none */
	const char *message;  /* the history entry's and config's comment; NULL is "" */
	char *const *changes; /* --change lines, applied in order after the merge; NULL: none */
	const char *tag;      /* reference to point at the new image; NULL: none */
	bool pause; /* docker commit --pause (its default): freeze a running container meanwhile */
};

/*
 * build_commit() - docker commit: a new image of @c's filesystem changes
 * (container_upper_tar(), imported as one layer on top of the layers of the
 * container's image) with the image's config, build_commit_merge() with the
 * container's Config, and @o's changes; its history gets an entry "created_by"
 * the container's command line (Path and Args joined by spaces). Tags it as
 * @o->tag (under the store lock, with the layer and image) and records a
 * "commit" event of @c. With @o->pause a running container that is not paused
 * is paused (container_pause(): its freezer, "pause" and "unpause" events)
 * from before its files are read until the image is made, as moby's
 * daemon/commit.go does; one without a freezer fails the commit with
 * container_pause()'s error.
 * On success *@ret is the new image (caller frees with image_free()).
 * Errors: the image's lookup, a change (before anything is written), the
 * layer import or store_tag() (the image stays, untagged); the temporary tar
 * under <root>/tmp is removed in every case.
 */
int build_commit(struct store *s, struct container *c, const struct build_commit_opts *o,
		 struct image **ret, struct hull_err **err);

struct build_import_opts {
	const char *source;   /* what was imported (file name or "-"): the default comment */
	const char *message;  /* the history comment; NULL: "Imported from SOURCE" */
	char *const *changes; /* --change lines, applied in order to an empty config; NULL: none */
	const char *platform; /* "OS/ARCH[/VARIANT]" (platform_parse()); NULL: linux/amd64 */
	const char *tag;      /* reference to point at the new image; NULL: none */
};

/*
 * build_import_config() - the image config of `hull import`, without its
 * layer (rootfs.diff_ids is empty): "architecture", "os" (and "variant") of
 * @o->platform, "created" @now (RFC 3339, borrowed), "config" the empty
 * object with @o's changes applied (build_change_apply()), "comment" the
 * message, and one history entry (created @now, created_by "", the same
 * comment). As docker import makes it
 * (moby daemon/images/image_import.go), with docker's own amd64 default kept
 * rather than the host's. On success *@ret is a new reference (caller
 * decrefs); errors: platform_parse()'s (-EINVAL naming the platform) or a
 * change's. Pure.
 */
int build_import_config(const struct build_import_opts *o, const char *now, json_t **ret,
			struct hull_err **err);

/*
 * build_import() - docker import: the tar stream @fd (borrowed, read to its
 * end; uncompressed or compressed as store_layer_import_tar() takes) becomes
 * the one layer of a new image with build_import_config(), tagged as
 * @o->tag, all under the store lock, and an "import" image event is
 * recorded. The config is checked (platform, changes) before the layer is
 * read. On success *@ret is the new image (caller frees with image_free()).
 * Errors: the config's, store_lock()'s, the layer's, store_tag()'s (the image
 * stays, untagged).
 */
int build_import(struct store *s, int fd, const struct build_import_opts *o, struct image **ret,
		 struct hull_err **err);

#endif
