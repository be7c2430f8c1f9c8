/* SPDX-License-Identifier: MIT */
/*
 * The values of RUN --mount and of the --secret and --ssh options of
 * `hull build`, as BuildKit's Dockerfile frontend reads them
 * (frontend/dockerfile/instructions/commands_runmount.go parseMount, buildx's
 * --secret and --ssh flags). What the mounts do is build.c's.
 *
 * Pure code: no I/O, no global state. Errors are -EINVAL with one message in
 * *err, without a location: the caller prefixes "Dockerfile:N: " and sets
 * the build's exit code. On failure *@ret is left unchanged.
 */
#ifndef HULL_BUILD_RUNMOUNT_H
#define HULL_BUILD_RUNMOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include "util/err.h"

enum build_mount_type {
	BUILD_MOUNT_BIND, /* the default */
	BUILD_MOUNT_CACHE,
	BUILD_MOUNT_TMPFS,
	BUILD_MOUNT_SECRET,
	BUILD_MOUNT_SSH,
	_BUILD_MOUNT_TYPE_MAX,
	_BUILD_MOUNT_TYPE_INVALID = -EINVAL,
};

enum build_mount_sharing {
	BUILD_SHARING_SHARED, /* the default */
	BUILD_SHARING_PRIVATE,
	BUILD_SHARING_LOCKED,
	_BUILD_SHARING_MAX,
	_BUILD_SHARING_INVALID = -EINVAL,
};

/* One RUN --mount. Strings are owned (NULL: not given); numbers are -1 when not given. */
struct build_mount {
	enum build_mount_type type;
	char *target; /* as written: relative to the working directory when not absolute */
	char *source;
	char *from; /* a stage name or index, or an image */
	char *id;
	char *env; /* secret: also (or only) as this environment variable */
	bool readonly;
	bool required; /* secret, ssh: a missing one fails the step */
	enum build_mount_sharing sharing;
	bool sharing_set;
	int64_t size; /* tmpfs: bytes, 0: no limit */
	int64_t mode, uid, gid;
	/*
	 * Without an expander: a value that names a variable was not checked
	 * (the type too, when "type" was one); the step checks it again.
	 */
	bool deferred;
};

/*
 * build_expand_fn - expand the shell words of one value (the stage's ARGs
 * and ENV); new string in *@ret, or a negative errno with *@err set.
 */
typedef int (*build_expand_fn)(void *arg, const char *word, char **ret, struct hull_err **err);

/*
 * build_mount_parse() - parse the value of one RUN --mount flag: fields
 * separated by commas, CSV quoting as Go's encoding/csv ("a,b" is one
 * field), each "key=value" (keys in any case) or one of the bare keys ro,
 * readonly, rw, readwrite, required. Keys: type (bind, cache, tmpfs, secret,
 * ssh; default bind), target/dst/destination, source/src, from, id, ro/
 * readonly, rw/readwrite, required (secret, ssh), size (tmpfs), sharing
 * (cache: shared, private, locked), mode (octal), uid, gid (cache, secret,
 * ssh), env (secret). Read-only by default but cache and tmpfs. A secret
 * needs an id, a source or a target and not both an id and a source; the
 * "from" value may not name a variable. Each value is expanded with
 * @expand(@arg, ...) first; with @expand NULL the values that name a
 * variable are left as written and unchecked (m->deferred), which is how
 * the build checks every RUN line before running one.
 */
int build_mount_parse(const char *spec, build_expand_fn expand, void *arg, struct build_mount *ret,
		      struct hull_err **err);

/* build_mount_release() - free the strings of @m (not @m itself). */
void build_mount_release(struct build_mount *m);

/*
 * build_mount_describe() - a canonical text of @m's settings for the step's
 * cache key (every field, in a fixed order; never a secret's value, which
 * @m does not hold). Newly allocated.
 */
char *build_mount_describe(const struct build_mount *m);

/* build_mount_type_to_string() - "bind", "cache"...; NULL out of range. */
const char *build_mount_type_to_string(enum build_mount_type t);

/* A `hull build --secret` value: where the secret's bytes come from. */
struct build_secret_src {
	char *id;
	char *file; /* src=/source=: a file (NULL: none) */
	char *env;  /* env=: an environment variable (NULL: none) */
};

/*
 * build_secret_src_parse() - `--secret id=ID[,src=FILE|,env=VAR][,type=file|env]`
 * as buildx reads it: with type=env a src names the variable. Given neither
 * a file nor a variable, the secret is the variable named ID if it is set,
 * else the file named ID: the caller decides with the environment (pure
 * here). An id is required, except that "env=VAR" alone is secret VAR.
 */
int build_secret_src_parse(const char *spec, struct build_secret_src *ret, struct hull_err **err);
void build_secret_src_release(struct build_secret_src *s);

/* A `hull build --ssh` value. */
struct build_ssh_src {
	char *id;     /* "default" unless given */
	char **paths; /* agent sockets (NULL: $SSH_AUTH_SOCK, the caller's) */
};

/* build_ssh_src_parse() - `--ssh default|ID[=PATH[,PATH...]]`. */
int build_ssh_src_parse(const char *spec, struct build_ssh_src *ret, struct hull_err **err);
void build_ssh_src_release(struct build_ssh_src *s);

#endif
