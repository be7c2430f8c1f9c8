/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <signal.h>
#include "cli/cli.h"
#include "runtime/runtime.h"
#include "util/strv.h"

static const struct cli_command version_command = {
	.name = "version",
	.description = "Show the hull version information",
};

static int cmd_version(struct cli *c, int argc, char **argv)
{
	int r, ind;

	(void) c;
	r = cli_parse(&version_command, NULL, argc, argv, &ind);
	if (r >= 0)
		return r;
	printf("Client:\n Version:    %s\n API version: 1.41 (docker-compatible CLI)\n Go version: "
	       " none (C11)\n OS/Arch:     linux/amd64\n\nEngine:\n Version:    %s (daemonless)\n",
	       HULL_VERSION, HULL_VERSION);
	return 0;
}

/* docker's management commands: each subcommand is one of the commands below */
static const struct cli_subcommand image_subcommands[] = {
	{"build", &cli_build_command, cmd_build, false},
	{"history", &cli_history_command, cmd_history, false},
	{"import", &cli_import_command, cmd_import, false},
	{"inspect", &cli_inspect_command, cmd_inspect, false},
	{"load", &cli_load_command, cmd_load, false},
	{"ls", &cli_images_command, cmd_images, false},
	{"list", &cli_images_command, cmd_images, true},
	{"prune", &cli_image_prune_command, cmd_image_prune, false},
	{"pull", &cli_pull_command, cmd_pull, false},
	{"push", &cli_push_command, cmd_push, false},
	{"rm", &cli_rmi_command, cmd_rmi, false},
	{"remove", &cli_rmi_command, cmd_rmi, true},
	{"save", &cli_save_command, cmd_save, false},
	{"tag", &cli_tag_command, cmd_tag, false},
	{NULL, NULL, NULL, false},
};

static const struct cli_subcommand container_subcommands[] = {
	{"attach", &cli_attach_command, cmd_attach, false},
	{"commit", &cli_commit_command, cmd_commit, false},
	{"cp", &cli_cp_command, cmd_cp, false},
	{"create", &cli_create_command, cmd_create, false},
	{"diff", &cli_diff_command, cmd_diff, false},
	{"exec", &cli_exec_command, cmd_exec, false},
	{"export", &cli_export_command, cmd_export, false},
	{"inspect", &cli_inspect_command, cmd_inspect, false},
	{"kill", &cli_kill_command, cmd_kill, false},
	{"logs", &cli_logs_command, cmd_logs, false},
	{"ls", &cli_ps_command, cmd_ps, false},
	{"list", &cli_ps_command, cmd_ps, true},
	{"ps", &cli_ps_command, cmd_ps, true},
	{"pause", &cli_pause_command, cmd_pause, false},
	{"port", &cli_port_command, cmd_port, false},
	{"prune", &cli_container_prune_command, cmd_container_prune, false},
	{"rename", &cli_rename_command, cmd_rename, false},
	{"restart", &cli_restart_command, cmd_restart, false},
	{"rm", &cli_rm_command, cmd_rm, false},
	{"remove", &cli_rm_command, cmd_rm, true},
	{"run", &cli_run_command, cmd_run, false},
	{"start", &cli_start_command, cmd_start, false},
	{"stats", &cli_stats_command, cmd_stats, false},
	{"stop", &cli_stop_command, cmd_stop, false},
	{"top", &cli_top_command, cmd_top, false},
	{"unpause", &cli_unpause_command, cmd_unpause, false},
	{"update", &cli_update_command, cmd_update, false},
	{"wait", &cli_wait_command, cmd_wait, false},
	{NULL, NULL, NULL, false},
};

static const struct cli_subcommand system_subcommands[] = {
	{"check", &cli_system_check_command, cmd_system_check, false},
	{"df", &cli_system_df_command, cmd_system_df, false},
	{"events", &cli_events_command, cmd_events, false},
	{"info", &cli_info_command, cmd_info, false},
	{"prune", &cli_system_prune_command, cmd_system_prune, false},
	{NULL, NULL, NULL, false},
};

static const struct cli_subcommand builder_subcommands[] = {
	{"build", &cli_build_command, cmd_build, false},
	{"prune", &cli_builder_prune_command, cmd_builder_prune, false},
	{NULL, NULL, NULL, false},
};

static const struct cli_command image_command = {
	.name = "image",
	.usage = "COMMAND",
	.description = "Manage images",
	.subcommands = image_subcommands,
};
static const struct cli_command container_command = {
	.name = "container",
	.usage = "COMMAND",
	.description = "Manage containers",
	.subcommands = container_subcommands,
};
static const struct cli_command system_command = {
	.name = "system",
	.usage = "COMMAND",
	.description = "Manage hull",
	.subcommands = system_subcommands,
};
static const struct cli_command builder_command = {
	.name = "builder",
	.usage = "COMMAND",
	.description = "Manage builds",
	.subcommands = builder_subcommands,
};

static int cmd_image(struct cli *c, int argc, char **argv)
{
	return cli_run_subcommand(&image_command, c, argc, argv);
}

static int cmd_container(struct cli *c, int argc, char **argv)
{
	return cli_run_subcommand(&container_command, c, argc, argv);
}

static int cmd_system(struct cli *c, int argc, char **argv)
{
	return cli_run_subcommand(&system_command, c, argc, argv);
}

static int cmd_builder(struct cli *c, int argc, char **argv)
{
	return cli_run_subcommand(&builder_command, c, argc, argv);
}

/*
 * runc's command line over OCI bundles (cli/runtime.c): urfave/cli's
 * conventions and runc's errors, which containerd and dockerd expect, not
 * docker's; it parses its own argv. NEEDSWORK: a table of its own.
 */
static const struct cli_command runtime_command = {
	.name = "runtime",
	.usage = "[GLOBAL OPTIONS] COMMAND [OPTIONS] ID",
	.description = "An OCI runtime with runc's command line (also as hull-runtime)",
};

/* hidden: run by hull-monitor and the monitors only, parsing their own argv */
static const struct cli_command monitor_command = {.name = "container-monitor"};
static const struct cli_command log_compress_command = {.name = "container-log-compress"};
static const struct cli_command health_command = {.name = "container-health"};

/* every command `hull NAME` runs, as `hull --help` lists them (the hidden ones aside) */
static const struct cli_subcommand commands[] = {
	{"attach", &cli_attach_command, cmd_attach, false},
	{"build", &cli_build_command, cmd_build, false},
	{"builder", &builder_command, cmd_builder, false},
	{"commit", &cli_commit_command, cmd_commit, false},
	{"container", &container_command, cmd_container, false},
	{"cp", &cli_cp_command, cmd_cp, false},
	{"create", &cli_create_command, cmd_create, false},
	{"debug", &cli_debug_command, cmd_debug, false},
	{"diff", &cli_diff_command, cmd_diff, false},
	{"events", &cli_events_command, cmd_events, false},
	{"exec", &cli_exec_command, cmd_exec, false},
	{"export", &cli_export_command, cmd_export, false},
	{"history", &cli_history_command, cmd_history, false},
	{"image", &image_command, cmd_image, false},
	{"images", &cli_images_command, cmd_images, false},
	{"import", &cli_import_command, cmd_import, false},
	{"info", &cli_info_command, cmd_info, false},
	{"inspect", &cli_inspect_command, cmd_inspect, false},
	{"kill", &cli_kill_command, cmd_kill, false},
	{"load", &cli_load_command, cmd_load, false},
	{"login", &cli_login_command, cmd_login, false},
	{"logout", &cli_logout_command, cmd_logout, false},
	{"logs", &cli_logs_command, cmd_logs, false},
	{"network", &cli_network_command, cmd_network, false},
	{"pause", &cli_pause_command, cmd_pause, false},
	{"port", &cli_port_command, cmd_port, false},
	{"ps", &cli_ps_command, cmd_ps, false},
	{"pull", &cli_pull_command, cmd_pull, false},
	{"push", &cli_push_command, cmd_push, false},
	{"rename", &cli_rename_command, cmd_rename, false},
	{"restart", &cli_restart_command, cmd_restart, false},
	{"rm", &cli_rm_command, cmd_rm, false},
	{"rmi", &cli_rmi_command, cmd_rmi, false},
	{"run", &cli_run_command, cmd_run, false},
	{"runtime", &runtime_command, cmd_runtime, false},
	{"save", &cli_save_command, cmd_save, false},
	{"start", &cli_start_command, cmd_start, false},
	{"stats", &cli_stats_command, cmd_stats, false},
	{"stop", &cli_stop_command, cmd_stop, false},
	{"system", &system_command, cmd_system, false},
	{"tag", &cli_tag_command, cmd_tag, false},
	{"top", &cli_top_command, cmd_top, false},
	{"unpause", &cli_unpause_command, cmd_unpause, false},
	{"update", &cli_update_command, cmd_update, false},
	{"version", &version_command, cmd_version, false},
	{"volume", &cli_volume_command, cmd_volume, false},
	{"wait", &cli_wait_command, cmd_wait, false},
	{"container-monitor", &monitor_command, cmd_container_monitor, true},
	{"container-log-compress", &log_compress_command, cmd_container_log_compress, true},
	{"container-health", &health_command, cmd_container_health, true},
	{NULL, NULL, NULL, false},
};

/* The commands that may start a process in a container: they run from a sealed copy of hull. */
static const char *const entering[] = {
	"build", "run", "exec", "start", "restart", "container-monitor", "container-health", NULL};

enum { OPT_ROOT = 1, OPT_RUNROOT, OPT_VERSION };
static const struct cli_option root_options[] = {
	CLI_STRING_ID(0, "root", OPT_ROOT, NULL,
		      "Store root (env HULL_ROOT, default /var/lib/hull)"),
	CLI_STRING_ID(0, "runroot", OPT_RUNROOT, NULL,
		      "Runtime state (env HULL_RUNROOT, default /run/hull)"),
	CLI_BOOL_ID('v', "version", OPT_VERSION, "Print version information and quit"),
	CLI_OPT_END,
};
static const struct cli_command root_command = {
	.name = "",
	.usage = "[OPTIONS] COMMAND",
	.description = "A daemonless, Docker-compatible container engine",
	.max_args = -1,
	.stop_at_arg = true,
	.options = root_options,
	.subcommands = commands,
};

/*
 * The entering commands, reached through a management command too: the name
 * they run as ("container run" runs run).
 */
static const char *entering_name(const char *group, const char *sub)
{
	if (!streq(group, "container") && !streq(group, "image") && !streq(group, "builder"))
		return group;
	return sub ? sub : group;
}

int main(int argc, char **argv)
{
	struct cli c = {0};
	struct cli_parse p;
	char **all = argv;
	int o, r;

	signal(SIGPIPE, SIG_IGN);
	c.argv = argv;
	{
		/* the OCI runtime under its own name, for containerd and dockerd (runtime.c) */
		const char *base = argv[0] ? strrchr(argv[0], '/') : NULL;
		base = base ? base + 1 : argv[0];
		if (base && streq(base, "hull-runtime")) {
			r = cmd_runtime(&c, argc, argv);
			fflush(stdout);
			return r;
		}
	}
	c.root = getenv("HULL_ROOT");
	c.runroot = getenv("HULL_RUNROOT");
	cli_parse_init(&p, &root_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		switch (o) {
		case OPT_ROOT:
		case OPT_RUNROOT:
			/* an empty --root must not silently mean the default store */
			if (!*p.arg)
				return cli_usage_error("", "--%s: the path may not be empty",
						       o == OPT_ROOT ? "root" : "runroot");
			if (o == OPT_ROOT)
				c.root = p.arg;
			else
				c.runroot = p.arg;
			break;
		case OPT_VERSION:
			printf("hull version %s\n", HULL_VERSION);
			return 0;
		}
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	if (isempty(c.root))
		c.root = "/var/lib/hull";
	if (isempty(c.runroot))
		c.runroot = "/run/hull";
	if (p.ind >= argc) {
		/* docker alone prints its help */
		cli_help(&root_command, stdout);
		return 0;
	}
	argc -= p.ind - 1;
	argv += p.ind - 1;
	for (const struct cli_subcommand *k = commands; k->name; k++) {
		if (!streq(k->name, argv[1]))
			continue;
		if (strv_contains((char *const *) entering,
				  entering_name(argv[1], argc > 2 ? argv[2] : NULL))) {
			struct hull_err *e = NULL;
			r = rt_exe_seal(all, &e);
			if (r < 0) {
				err_set_exit(&e, 125);
				return cli_fail(e);
			}
		}
		r = k->fn(&c, argc - 1, argv + 1);
		c.store = store_free(c.store);
		fflush(stdout);
		return r;
	}
	fprintf(stderr, "hull: '%s' is not a hull command.\nSee 'hull --help'\n", argv[1]);
	return 125;
}
