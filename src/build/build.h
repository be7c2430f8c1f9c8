/* SPDX-License-Identifier: MIT */
/*
 * The builder: runs a parsed Dockerfile against the store, as docker's
 * builder does (moby daemon/builder/dockerfile dispatchers.go for the
 * semantics; buildkit dockerfile2llb convert.go where they differ, since
 * BuildKit is the default: only the stages the target needs are built,
 * WORKDIR creates its directory, ONBUILD triggers run after FROM). Output
 * lines follow the legacy builder ("Step N/M : ...", " ---> Using cache",
 * " ---> <id>"); --progress=plain prints the same lines.
 *
 * Every line is checked before the first step runs (flags, RUN --mount
 * values, entitlements, the stages and images --mount from= names, required
 * secrets), so a refused feature fails before any step has run.
 *
 * Errors follow util/err.h; their message starts with "FILE:LINE: " when an
 * instruction is at fault, and their exit code is 1 (docker build's). A
 * failed build leaves no temporary directory and no container behind; the
 * images of the steps that succeeded stay as cache, as docker's do.
 */
#ifndef HULL_BUILD_BUILD_H
#define HULL_BUILD_BUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "build/runmount.h"
#include "image/store.h"
#include "registry/config.h"
#include "util/err.h"

struct build_opts {
	const char *context; /* the build context directory */
	const char
		*dockerfile; /* -f, relative to the current directory; NULL: CONTEXT/Dockerfile */
	char **tags;	     /* -t values (may be NULL) */
	char **build_args;   /* --build-arg KEY=VALUE or KEY (value from the environment) */
	const char *target;  /* --target stage name, or NULL for the last stage */
	char **no_cache_filter; /* --no-cache-filter stage names: no cache for those stages */
	char **labels;		/* --label KEY=VALUE, set on the final image */
	bool no_cache;
	bool pull;	     /* --pull: pull every FROM image, even one in the store */
	const char *network; /* --network: RUN's default network, "bridge", "host", "none" */
	char **add_hosts;    /* --add-host HOST:IP for RUN's /etc/hosts */
	uint64_t shm_size;   /* --shm-size bytes for RUN (0: 64 MiB) */
	json_t *resources;   /* --ulimit (HostConfig fields, container/resources.c), or NULL */
	const struct reg_config *registry; /* mirrors and insecure registries for pulls */
	bool allow_network_host;	   /* --allow network.host: RUN --network=host may run */
	bool allow_security_insecure;	   /* --allow security.insecure: RUN --security=insecure */
	/* --secret: RUN --mount=type=secret sources (file or variable; checked at the start) */
	const struct build_secret_src *secrets;
	size_t n_secrets;
	/* --ssh: RUN --mount=type=ssh agent sockets (paths resolved by the caller) */
	const struct build_ssh_src *ssh;
	size_t n_ssh;
	/*
	 * A context that is not the user's directory (a git checkout, a tar from
	 * stdin): @dockerfile is relative to the context (NULL: "Dockerfile"), and
	 * it and its .dockerignore are read inside the context, links resolved in it.
	 */
	bool dockerfile_in_context;
	bool quiet; /* -q: no step output, RUN output discarded */
	FILE *out;  /* where steps and RUN output go */
};

/*
 * build_run() - build the image and tag it with every -t. On success the new
 * image id ("sha256:...") is returned in *@ret_id (caller frees).
 */
int build_run(struct store *s, const char *runroot, const struct build_opts *o, char **ret_id,
	      struct hull_err **err);

#endif
