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
#define RES_NAME(i, name, has_arg) [i] = name,
static const char *const res_flags[] = {CLI_RES_FLAGS(RES_NAME, RES_NAME)};
#undef RES_NAME

int cli_resource_opt(const char *cmd, json_t **res, int o, const char *arg)
{
	struct hull_err *e = NULL;
	const char *flag;
	int r;

	if (o == CLI_RES_VAL(0))
		flag = res_flags[0];
	else if (o == CLI_RES_VAL(7))
		flag = res_flags[7];
	else if (o >= CLI_RES_OPT && o < CLI_RES_OPT + (int) ARRAY_SIZE(res_flags))
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

int cmd_update(struct cli *cl, int argc, char **argv)
{
	enum { OPT_RESTART = 256, OPT_HELP };
	static const struct option opts[] = {
		/* the flags docker update takes (CLI_RES_FLAGS' LIVE ones), then its own */
		/* clang-format off */
		CLI_RES_FLAGS(CLI_RES_LONGOPT, CLI_RES_SKIP)
		/* clang-format on */
		{"restart", required_argument, NULL, OPT_RESTART},
		{"help", no_argument, NULL, OPT_HELP},
		{0}};
	_cleanup_json_ json_t *res = NULL;
	const char *restart = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	int o, r, rc = 0;

	optind = 0;
	while ((o = cli_getopt("update", argc, argv, "m:c:", opts, false)) != -1) {
		if (o == OPT_RESTART) {
			restart = optarg;
		} else if (o == OPT_HELP) {
			puts("Usage:  hull update [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			     "Update configuration of one or more containers\n\nOptions:\n"
			     "      --blkio-weight uint16        Block IO (relative weight), "
			     "between "
			     "10 and 1000, or 0 to disable (default 0)\n"
			     "      --cpu-period int             Limit CPU CFS (Completely Fair "
			     "Scheduler) period\n"
			     "      --cpu-quota int              Limit CPU CFS (Completely Fair "
			     "Scheduler) quota\n"
			     "  -c, --cpu-shares int             CPU shares (relative weight)\n"
			     "      --cpus decimal               Number of CPUs\n"
			     "      --cpuset-cpus string         CPUs in which to allow execution "
			     "(0-3, 0,1)\n"
			     "      --cpuset-mems string         MEMs in which to allow execution "
			     "(0-3, 0,1)\n"
			     "      --kernel-memory bytes        Kernel memory limit\n"
			     "  -m, --memory bytes               Memory limit\n"
			     "      --memory-reservation bytes   Memory soft limit\n"
			     "      --memory-swap bytes          Swap limit equal to memory plus "
			     "swap: -1 to enable unlimited swap\n"
			     "      --pids-limit int             Tune container pids limit (set -1 "
			     "for unlimited)\n"
			     "      --restart string             Restart policy to apply when a "
			     "container exits");
			return 0;
		} else {
			r = cli_resource_opt("update", &res, o, optarg);
			if (r >= 0)
				return r ? r : 125;
		}
	}
	if (optind >= argc)
		return cli_usage_error("update", "\"update\" requires at least 1 argument.");
	if (!res && !restart) {
		fprintf(stderr,
			"hull: you must provide one or more flags when using this command\n");
		return 1;
	}
	if (!res)
		res = json_object();
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	for (int i = optind; i < argc; i++) {
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
