/* SPDX-License-Identifier: MIT */
#include "container/argv.h"
#include "util/strv.h"

static bool strv_is_single_empty(char *const *l)
{
	return strv_length(l) == 1 && l[0][0] == '\0';
}

int cmd_resolve(char *const *img_entrypoint, char *const *img_cmd, char *const *user_entrypoint,
		char *const *user_cmd, struct cmd_decision *ret, struct hull_err **err)
{
	_cleanup_strv_ char **ep = NULL, **cmd = NULL, **argv = NULL;
	const char *why;

	if (strv_length(user_entrypoint) == 0) {
		/* moby merge(): an empty user Cmd takes the image Cmd; a nil user
		 * Entrypoint takes the image Entrypoint. */
		if (strv_length(user_cmd) == 0) {
			cmd = strv_copy(img_cmd);
			why = "no run arguments: the image's CMD is used";
		} else {
			cmd = strv_copy(user_cmd);
			why = "the run arguments replace the image's CMD";
		}
		ep = user_entrypoint ? strv_new() : strv_copy(img_entrypoint);
		if (strv_length(ep) > 0)
			why = strv_length(user_cmd) == 0 ? "the image's ENTRYPOINT runs with the "
							   "image's CMD as its arguments"
							 : "the image's ENTRYPOINT runs with the "
							   "run arguments appended "
							   "(they replace CMD)";
	} else {
		/* --entrypoint given: the user's entrypoint and args as they are;
		 * the image CMD is dropped. */
		ep = strv_copy(user_entrypoint);
		cmd = strv_length(user_cmd) > 0 ? strv_copy(user_cmd) : NULL;
		why = "--entrypoint replaces the image's ENTRYPOINT and drops its CMD";
	}
	/* An entrypoint of exactly [""] means none (--entrypoint "" or ENTRYPOINT [""]). */
	if (strv_is_single_empty(ep))
		ep = strv_free(ep);
	if (ep && !ep[0])
		ep = strv_free(ep);
	if (cmd && !cmd[0])
		cmd = strv_free(cmd);
	if (!ep && !cmd) {
		err_setx(err, EINVAL, "no command specified");
		err_set_exit(err, 125);
		return -EINVAL;
	}
	argv = strv_new();
	STRV_FOREACH (s, ep)
		strv_push(&argv, *s);
	STRV_FOREACH (s, cmd)
		strv_push(&argv, *s);
	ret->entrypoint = TAKE_PTR(ep);
	ret->cmd = TAKE_PTR(cmd);
	ret->argv = TAKE_PTR(argv);
	ret->why = why;
	return 0;
}

void cmd_decision_release(struct cmd_decision *d)
{
	d->entrypoint = strv_free(d->entrypoint);
	d->cmd = strv_free(d->cmd);
	d->argv = strv_free(d->argv);
}
