/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <signal.h>
#include "cli/cli.h"
#include "runtime/runtime.h"
#include "util/strv.h"

static int cmd_version(struct cli *c, int argc, char **argv)
{
	(void) c;
	if (argc > 1 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
		puts("Usage:  hull version\n\nShow the hull version information");
		return 0;
	}
	printf("Client:\n Version:    %s\n API version: 1.41 (docker-compatible CLI)\n Go version: "
	       " none (C11)\n OS/Arch:     linux/amd64\n\nEngine:\n Version:    %s (daemonless)\n",
	       HULL_VERSION, HULL_VERSION);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct cli *, int, char **);
	const char *help;
} commands[] = {
	{"build", cmd_build, "Build an image from a Dockerfile"},
	{"images", cmd_images, "List images"},
	{"history", cmd_history, "Show the history of an image"},
	{"run", cmd_run, "Create and run a new container from an image"},
	{"ps", cmd_ps, "List containers"},
	{"logs", cmd_logs, "Fetch the logs of a container"},
	{"stop", cmd_stop, "Stop one or more running containers"},
	{"kill", cmd_kill, "Kill one or more running containers"},
	{"rm", cmd_rm, "Remove one or more containers"},
	{"rmi", cmd_rmi, "Remove one or more images"},
	{"tag", cmd_tag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"},
	{"inspect", cmd_inspect, "Return low-level information on containers and images"},
	{"import", cmd_import, "Import the contents from a tarball to create a filesystem image"},
	{"save", cmd_save,
	 "Save one or more images to a tar archive (streamed to STDOUT by default)"},
	{"load", cmd_load, "Load an image from a tar archive or STDIN"},
	{"pull", cmd_pull, "Download an image from a registry"},
	{"push", cmd_push, "Upload an image to a registry"},
	{"login", cmd_login, "Authenticate to a registry"},
	{"logout", cmd_logout, "Log out from a registry"},
	{"version", cmd_version, "Show the hull version information"},
	{"info", cmd_info, "Display system-wide information"},
	{"events", cmd_events, "Get real time events from the server"},
	{"volume", cmd_volume, "Manage volumes"},
	{"network", cmd_network, "Manage networks"},
	{"cp", cmd_cp, "Copy files/folders between a container and the local filesystem"},
	{"diff", cmd_diff, "Inspect changes to files or directories on a container's filesystem"},
	{"export", cmd_export, "Export a container's filesystem as a tar archive"},
	{"commit", cmd_commit, "Create a new image from a container's changes"},
	{"container-prune", cmd_container_prune, NULL}, /* "container prune" */
	{"image-prune", cmd_image_prune, NULL},		/* "image prune" */
	{"system-df", cmd_system_df, NULL},		/* "system df" */
	{"system-prune", cmd_system_prune, NULL},	/* "system prune" */
	{"system-check", cmd_system_check, NULL},	/* "system check" */
	{"builder-prune", cmd_builder_prune, NULL},	/* "builder prune" */
	{"debug", cmd_debug, "Debugging helpers (parse-dockerfile FILE, layer-tar DIGEST)"},
	{"create", cmd_create, "Create a new container"},
	{"exec", cmd_exec, "Execute a command in a running container"},
	{"attach", cmd_attach,
	 "Attach local standard input, output, and error streams to a running container"},
	{"start", cmd_start, "Start one or more stopped containers"},
	{"restart", cmd_restart, "Restart one or more containers"},
	{"wait", cmd_wait, "Block until one or more containers stop, then print their exit codes"},
	{"pause", cmd_pause, "Pause all processes within one or more containers"},
	{"unpause", cmd_unpause, "Unpause all processes within one or more containers"},
	{"rename", cmd_rename, "Rename a container"},
	{"top", cmd_top, "Display the running processes of a container"},
	{"port", cmd_port, "List port mappings or a specific mapping for the container"},
	{"stats", cmd_stats, "Display a live stream of container(s) resource usage statistics"},
	{"update", cmd_update, "Update configuration of one or more containers"},
	{"container-monitor", cmd_container_monitor, NULL},	      /* run by hull-monitor only */
	{"container-log-compress", cmd_container_log_compress, NULL}, /* run by monitors */
	{"container-health", cmd_container_health, NULL},	      /* run by the monitor only */
	{"runtime", cmd_runtime, "An OCI runtime with runc's command line (also as hull-runtime)"},
};

/* The commands that may start a process in a container: they run from a sealed copy of hull. */
static const char *const entering[] = {
	"build", "run", "exec", "start", "restart", "container-monitor", "container-health", NULL};

static void usage(FILE *f)
{
	fprintf(f, "Usage:  hull [OPTIONS] COMMAND\n\nA daemonless, Docker-compatible container "
		   "engine\n\n"
		   "Global Options:\n"
		   "      --root string      Store root (env HULL_ROOT, default /var/lib/hull)\n"
		   "      --runroot string   Runtime state (env HULL_RUNROOT, default /run/hull)\n"
		   "  -v, --version          Print version information and quit\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (commands[i].help) /* NULL: only reached through a management command */
			fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"\nAlso: 'hull image ls|rm|inspect|import|save|load|tag|build|history|prune',\n"
		"'hull container ls|rm|inspect|logs|stop|kill|run|cp|diff|export|commit|prune',\n"
		"'hull system df|prune|check|info|events', 'hull builder build|prune'.\n"
		"Run 'hull COMMAND --help' for more information on a command.\n");
}

/* "image ls" -> "images", "container ls" -> "ps", ... (docker's management commands) */
static const char *alias(const char *group, const char *sub)
{
	static const char *const map[][3] = {
		{"image", "ls", "images"},
		{"image", "list", "images"},
		{"image", "rm", "rmi"},
		{"image", "inspect", "inspect"},
		{"image", "import", "import"},
		{"image", "save", "save"},
		{"image", "load", "load"},
		{"image", "pull", "pull"},
		{"image", "push", "push"},
		{"image", "tag", "tag"},
		{"image", "build", "build"},
		{"container", "ls", "ps"},
		{"container", "list", "ps"},
		{"container", "rm", "rm"},
		{"container", "inspect", "inspect"},
		{"container", "logs", "logs"},
		{"container", "stop", "stop"},
		{"container", "kill", "kill"},
		{"container", "run", "run"},
		{"container", "create", "create"},
		{"container", "exec", "exec"},
		{"container", "attach", "attach"},
		{"container", "start", "start"},
		{"container", "restart", "restart"},
		{"container", "wait", "wait"},
		{"container", "pause", "pause"},
		{"container", "unpause", "unpause"},
		{"container", "rename", "rename"},
		{"container", "top", "top"},
		{"container", "update", "update"},
		{"container", "port", "port"},
		{"container", "stats", "stats"},
		{"container", "cp", "cp"},
		{"container", "diff", "diff"},
		{"container", "export", "export"},
		{"container", "commit", "commit"},
		{"container", "prune", "container-prune"},
		{"builder", "build", "build"},
		{"builder", "prune", "builder-prune"},
		{"image", "history", "history"},
		{"image", "prune", "image-prune"},
		{"system", "df", "system-df"},
		{"system", "prune", "system-prune"},
		{"system", "info", "info"},
		{"system", "events", "events"},
		{"system", "check", "system-check"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (streq(map[i][0], group) && streq(map[i][1], sub))
			return map[i][2];
	return NULL;
}

int main(int argc, char **argv)
{
	struct cli c = {0};
	int i = 1, r;

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
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (streq(a, "--root") || streq(a, "--runroot")) {
			if (i + 1 >= argc)
				return cli_usage_error("", "flag needs an argument: %s", a);
			if (streq(a, "--root"))
				c.root = argv[++i];
			else
				c.runroot = argv[++i];
		} else if (startswith(a, "--root=")) {
			c.root = a + 7;
		} else if (startswith(a, "--runroot=")) {
			c.runroot = a + 10;
		} else if (streq(a, "-v") || streq(a, "--version")) {
			printf("hull version %s\n", HULL_VERSION);
			return 0;
		} else if (streq(a, "-h") || streq(a, "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "unknown flag: %s\nSee 'hull --help'.\n", a);
			return 125;
		}
		/* an empty --root must not silently mean the default store */
		if ((startswith(a, "--root") && c.root && !*c.root) ||
		    (startswith(a, "--runroot") && c.runroot && !*c.runroot))
			return cli_usage_error("", "%s: the path may not be empty", a);
	}
	if (isempty(c.root))
		c.root = "/var/lib/hull";
	if (isempty(c.runroot))
		c.runroot = "/run/hull";
	if (i >= argc) {
		usage(stderr);
		return 125;
	}
	if ((streq(argv[i], "image") || streq(argv[i], "container") || streq(argv[i], "builder") ||
	     streq(argv[i], "system")) &&
	    i + 1 < argc) {
		const char *a = alias(argv[i], argv[i + 1]);
		if (!a) {
			fprintf(stderr, "hull: '%s %s' is not a hull command.\nSee 'hull --help'\n",
				argv[i], argv[i + 1]);
			return 125;
		}
		i++;
		argv[i] = (char *) a;
	}
	for (size_t k = 0; k < ARRAY_SIZE(commands); k++) {
		if (streq(commands[k].name, argv[i])) {
			if (strv_contains((char *const *) entering, argv[i])) {
				struct hull_err *e = NULL;
				r = rt_exe_seal(argv, &e);
				if (r < 0) {
					err_set_exit(&e, 125);
					return cli_fail(e);
				}
			}
			r = commands[k].fn(&c, argc - i, argv + i);
			c.store = store_free(c.store);
			fflush(stdout);
			return r;
		}
	}
	fprintf(stderr, "hull: '%s' is not a hull command.\nSee 'hull --help'\n", argv[i]);
	return 125;
}
