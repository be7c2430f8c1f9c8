/* SPDX-License-Identifier: MIT */
/*
 * The "created_by" text of the image history entries the builder writes, as
 * BuildKit's Dockerfile frontend writes them (dockerfile2llb convert.go
 * commitToHistory() and the dispatch* functions), so that `hull history`
 * shows what `docker history` shows for a BuildKit build: words expanded,
 * `CMD ["a" "b"]` (Go's %q), `VOLUME [/a /b]` (Go's %v), "RUN ... # buildkit".
 *
 * Pure functions; everything returned is newly allocated, the caller frees.
 */
#ifndef HULL_BUILD_HISTORY_H
#define HULL_BUILD_HISTORY_H

#include <stdbool.h>
#include <jansson.h>
#include "dockerfile/dockerfile.h"

/* The history comment of every entry the builder writes (BuildKit's historyComment). */
#define BUILD_HISTORY_COMMENT "buildkit.dockerfile.v0"

/*
 * build_created_by_meta() - created_by of the metadata instruction @in
 * (ARG ENV LABEL CMD ENTRYPOINT USER EXPOSE VOLUME STOPSIGNAL SHELL
 * MAINTAINER; anything else gives its text as written), computed from
 * @config, the image config's "config" object *after* the instruction ran
 * (borrowed: the resolved USER, STOPSIGNAL, CMD, ENTRYPOINT), and @env/@escape, the expansion
 * environment the instruction saw (*before* it ran: the words of ENV, LABEL, EXPOSE and VOLUME).
 * Returns NULL when a word does not expand or a port does not parse: the instruction itself reports
 * that.
 * @args: the stage's ARGs after the instruction ("NAME=value"): ARG gives
 * "ARG NAME=value NAME2" with the value in effect, as BuildKit's dispatchArg().
 * ONBUILD, which BuildKit does not record, gives "ONBUILD <expression>".
 */
char *build_created_by_meta(const struct df_instr *in, const json_t *config, char *const *env,
			    char *const *args, char escape);

/*
 * build_created_by_run() - "RUN [|N K=V...] ARGV... # buildkit": the
 * stage's build args (@args, "NAME=value", declaration order; a value set
 * by ENV in @config wins, as BuildKit's runCommandString()) then the
 * command line, shell form already wrapped in the shell.
 */
char *build_created_by_run(char *const *argv, char *const *args, const json_t *config);

#endif
