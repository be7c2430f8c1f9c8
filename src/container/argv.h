/* SPDX-License-Identifier: MIT */
/*
 * The container's command: the one pure function that merges the image's
 * ENTRYPOINT/CMD with `run --entrypoint` and the run arguments, following
 * ../shared/spec/cmd-entrypoint.md section 3.2 (moby daemon/commit.go merge,
 * daemon/create.go mergeAndVerifyConfig, daemon/container.go
 * getEntrypointAndArgs; docker/cli opts.go).
 */
#ifndef HULL_CONTAINER_ARGV_H
#define HULL_CONTAINER_ARGV_H

#include "util/err.h"

struct cmd_decision {
	char **entrypoint; /* the container's Config.Entrypoint: NULL is json null */
	char **cmd;	   /* the container's Config.Cmd: NULL is json null */
	char **argv;	   /* entrypoint ++ cmd: Path is argv[0], Args the rest */
	const char *why;   /* one sentence explaining the decision (static string) */
};

/*
 * cmd_resolve() - decide the container's command.
 * @img_entrypoint, @img_cmd: the image config's values (NULL = null, an empty
 *   vector = []).
 * @user_entrypoint: NULL when --entrypoint was not given; {""} for
 *   `--entrypoint ""`; otherwise one literal element (never split or parsed).
 * @user_cmd: the run arguments after IMAGE, NULL or empty when none.
 * All inputs are borrowed; @ret's vectors are new (release with
 * cmd_decision_release()).
 * Returns 0, or -EINVAL with "no command specified" (docker exit 125) when
 * the merged entrypoint and cmd are both empty.
 */
int cmd_resolve(char *const *img_entrypoint, char *const *img_cmd, char *const *user_entrypoint,
		char *const *user_cmd, struct cmd_decision *ret, struct hull_err **err);

/* cmd_decision_release() - free the vectors of @d. */
void cmd_decision_release(struct cmd_decision *d);

#endif
