/* SPDX-License-Identifier: MIT */
/*
 * The resource-limit flags shared by run, create and update, and `hull update`
 * (docker/cli cli/command/container/update.go).
 */
#include "cli/cli.h"
#include "container/container.h"
#include "util/json.h"
#include "util/strv.h"

/* By index: the long names that container_resource_flag() takes. */
#define RES_NAME(i, s, name, kind, argh, help) [i] = name,
static const char *const res_flags[] = {CLI_RES_FLAGS(RES_NAME, RES_NAME)};
#undef RES_NAME

int cli_resource_opt(const char *cmd, json_t **res, int o, const char *arg)
{
	struct hull_err *e = NULL;
	const char *flag;
	int r;

	if (o >= CLI_RES_OPT && o < CLI_RES_OPT + (int) ARRAY_SIZE(res_flags))
		flag = res_flags[o - CLI_RES_OPT];
	else
		return 0;
	if (!*res)
		*res = json_object();
	r = container_resource_flag(*res, flag, arg, &e);
	if (r < 0) {
		r = cli_usage_error(cmd, "%s", e->msg);
		err_free(e);
		return r;
	}
	return -1;
}

enum { OPT_RESTART = 256 };
static const struct cli_option update_options[] = {
	/* the flags docker update takes (CLI_RES_FLAGS' LIVE ones), then its own */
	/* clang-format off */
	CLI_RES_FLAGS(CLI_RES_OPTION, CLI_RES_SKIP)
	/* clang-format on */
	CLI_STRING_ID(0, "restart", OPT_RESTART, NULL,
		      "Restart policy to apply when a container exits"),
	CLI_OPT_END,
};
const struct cli_command cli_update_command = {
	.name = "update",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.description = "Update configuration of one or more containers",
	.aliases = "hull container update, hull update",
	.min_args = 1,
	.max_args = -1,
	.options = update_options,
};

int cmd_update(struct cli *cl, int argc, char **argv)
{
	_cleanup_json_ json_t *res = NULL;
	const char *restart = NULL;
	struct hull_err *e = NULL;
	struct cli_parse p;
	struct store *s;
	int o, r, rc = 0;

	cli_parse_init(&p, &cli_update_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		if (o == OPT_RESTART) {
			restart = p.arg;
		} else {
			r = cli_resource_opt("update", &res, o, p.arg);
			if (r >= 0)
				return r ? r : 125;
		}
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	if (!res && !restart) {
		fprintf(stderr,
			"hull: you must provide one or more flags when using this command\n");
		return 1;
	}
	if (!res)
		res = json_object();
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	for (int i = p.ind; i < argc; i++) {
		_cleanup_strv_ char **warn = NULL;
		struct container *c = NULL;
		if (container_load(s, argv[i], &c, &e) < 0 ||
		    container_update(c, res, restart, &warn, &e) < 0) {
			fprintf(stderr, "Error response from daemon: %s\n", e->msg);
			e = err_free(e);
			rc = 1;
		} else {
			STRV_FOREACH (w, warn)
				fprintf(stderr, "WARNING: %s\n", *w);
			printf("%s\n", argv[i]);
		}
		container_free(c);
	}
	return rc;
}
