/* SPDX-License-Identifier: MIT */
/* run, ps, logs, stop, kill, rm (docker/cli cli/command/container). */
#include <signal.h>
#include <time.h>
#include "cli/cli.h"
#include "container/container.h"
#include "image/reference.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

static const char run_help[] =
	"Usage:  hull run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n"
	"Create and run a new container from an image\n\nOptions:\n"
	"  -d, --detach               Run container in background and print container ID\n"
	"      --entrypoint string    Overwrite the default ENTRYPOINT of the image\n"
	"      --mount mount          Attach a filesystem mount to the container\n"
	"      --restart string       Restart policy to apply when a container exits (default "
	"\"no\")\n"
	"  -v, --volume list          Bind mount a volume\n"
	"  -e, --env list             Set environment variables\n"
	"  -i, --interactive          Keep STDIN open even if not attached\n"
	"      --name string          Assign a name to the container\n"
	"      --network string       Connect a container to a network (bridge, host, none)\n"
	"  -p, --publish list         Publish a container's port(s) to the host\n"
	"      --rm                   Automatically remove the container when it exits\n"
	"  -t, --tty                  Allocate a pseudo-TTY\n"
	"  -u, --user string          Username or UID (format: <name|uid>[:<group|gid>])\n"
	"  -w, --workdir string       Working directory inside the container";

int cmd_run(struct cli *cl, int argc, char **argv)
{
	enum { OPT_RM = 256, OPT_NAME, OPT_ENTRYPOINT, OPT_NETWORK, OPT_MOUNT, OPT_RESTART };
	static const struct option opts[] = {
		{"detach", no_argument, NULL, 'd'},
		{"rm", no_argument, NULL, OPT_RM},
		{"name", required_argument, NULL, OPT_NAME},
		{"publish", required_argument, NULL, 'p'},
		{"env", required_argument, NULL, 'e'},
		{"workdir", required_argument, NULL, 'w'},
		{"user", required_argument, NULL, 'u'},
		{"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{"network", required_argument, NULL, OPT_NETWORK},
		{"net", required_argument, NULL, OPT_NETWORK},
		{"volume", required_argument, NULL, 'v'},
		{"mount", required_argument, NULL, OPT_MOUNT},
		{"restart", required_argument, NULL, OPT_RESTART},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct run_opts ro = {.network = "bridge", .out_fd = -1};
	_cleanup_strv_ char **env = NULL, **ep = NULL, **cmd = NULL, **vols = NULL, **mnts = NULL;
	_cleanup_free_ struct port_map *ports = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	struct image *img = NULL;
	struct container *c = NULL;
	int o, r, code = 0;

	optind = 0;
	while ((o = cli_getopt("run", argc, argv, "dp:e:w:u:ithv:", opts, true)) != -1) {
		switch (o) {
		case 'd':
			ro.detach = true;
			break;
		case OPT_RM:
			ro.auto_remove = true;
			break;
		case OPT_NAME:
			ro.name = optarg;
			break;
		case 'p':
			if (net_port_parse(optarg, &ports, &ro.n_ports, &e) < 0)
				return cli_fail(e);
			break;
		case 'e':
			strv_push(&env, optarg);
			break;
		case 'w':
			ro.workdir = optarg;
			break;
		case 'u':
			ro.user = optarg;
			break;
		case OPT_ENTRYPOINT:
			ep = strv_free(ep);
			strv_push(&ep, optarg);
			break;
		case 'i':
			ro.interactive = true;
			break;
		case 't':
			ro.tty = true;
			break;
		case OPT_NETWORK:
			if (streq(optarg, "default"))
				ro.network = "bridge";
			else if (streq(optarg, "bridge") || streq(optarg, "host") ||
				 streq(optarg, "none"))
				ro.network = optarg;
			else {
				fprintf(stderr, "hull: network %s not found\n", optarg);
				return 125;
			}
			break;
		case 'v':
			strv_push(&vols, optarg);
			break;
		case OPT_MOUNT:
			strv_push(&mnts, optarg);
			break;
		case OPT_RESTART:
			ro.restart = optarg;
			break;
		case 'h':
			puts(run_help);
			return 0;
		default:
			return 125;
		}
	}
	if (optind >= argc)
		return cli_usage_error("run", "\"run\" requires at least 1 argument.");
	if (ro.n_ports && !streq(ro.network, "bridge")) {
		fprintf(stderr,
			"WARNING: Published ports are discarded when using host network mode\n");
		ro.n_ports = 0;
	}
	for (int i = optind + 1; i < argc; i++)
		strv_push(&cmd, argv[i]);
	ro.env = env;
	ro.entrypoint = ep;
	ro.cmd = cmd;
	ro.ports = ports;
	ro.volumes = vols;
	ro.mounts = mnts;
	if (ro.restart && !streq(ro.restart, "no") && *ro.restart && !ro.detach &&
	    !ro.auto_remove) {
		fprintf(stderr,
			"hull: --restart %s needs -d (--detach): without a daemon, the "
			"container's monitor restarts it and a foreground run ends at the "
			"first exit\n",
			ro.restart);
		return 125;
	}

	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	r = store_image_get(s, argv[optind], &img, &e);
	if (r == -ENOENT) {
		struct image_ref ref;
		e = err_free(e);
		if (ref_parse(argv[optind], &ref, &e) < 0)
			return cli_fail(e);
		{
			_cleanup_free_ char *fam = ref_familiar(&ref);
			fprintf(stderr, "Unable to find image '%s' locally\n", fam);
			err_setx(
				&e, ENOENT,
				"pull access denied for %s: pulling is not supported yet; make the "
				"image with 'hull import' or 'hull build'",
				fam);
		}
		ref_release(&ref);
		return cli_fail(e);
	}
	if (r < 0)
		return cli_fail(e);
	r = container_create(s, cl->runroot, img, argv[optind], &ro, &c, &e);
	image_free(img);
	if (r < 0)
		return cli_fail(e);
	r = container_start(s, cl->runroot, c, &ro, &code, &e);
	if (r < 0) {
		container_free(c);
		return cli_fail(e);
	}
	if (ro.detach)
		printf("%s\n", c->id);
	container_free(c);
	return ro.detach ? 0 : code;
}

static int ctime_cmp(const void *a, const void *b)
{
	struct container *const *x = a, *const *y = b;
	double tx = time_parse_rfc3339(json_get_str((*x)->rec, "Created"));
	double ty = time_parse_rfc3339(json_get_str((*y)->rec, "Created"));
	return tx < ty ? 1 : tx > ty ? -1 : 0;
}

static char *ports_column(json_t *ports)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	const char *k;
	json_t *arr;

	json_object_foreach (ports, k, arr) {
		size_t i;
		json_t *b;
		json_array_foreach (arr, i, b) {
			if (sb.len)
				(void) strbuf_adds(&sb, ", ");
			(void) strbuf_addf(&sb, "%s:%s->%s", json_get_str(b, "HostIp"),
					   json_get_str(b, "HostPort"), k);
		}
	}
	return strbuf_detach(&sb, NULL);
}

int cmd_ps(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"no-trunc", no_argument, NULL, 'N'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	struct hull_err *e = NULL;
	struct container **l = NULL;
	struct store *s;
	bool all = false, quiet = false, no_trunc = false;
	struct table *t;
	struct timespec now;
	size_t n = 0;
	int o;

	optind = 0;
	while ((o = cli_getopt("ps", argc, argv, "aqh", opts, false)) != -1) {
		switch (o) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'N':
			no_trunc = true;
			break;
		case 'h':
			puts("Usage:  hull ps [OPTIONS]\n\nList containers\n\nOptions:\n"
			     "  -a, --all        Show all containers (default shows just running)\n"
			     "      --no-trunc   Don't truncate output\n"
			     "  -q, --quiet      Only display container IDs");
			return 0;
		default:
			return 125;
		}
	}
	if (optind < argc)
		return cli_usage_error("ps", "\"ps\" accepts no arguments.");
	if (cli_store(cl, &s, &e) < 0 || container_list(s, &l, &e) < 0)
		return cli_fail(e);
	while (l[n])
		n++;
	qsort(l, n, sizeof(*l), ctime_cmp);
	clock_gettime(CLOCK_REALTIME, &now);
	t = table_new(7);
	if (!quiet)
		table_add(t, "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS",
			  "NAMES");
	for (size_t i = 0; i < n; i++) {
		struct container *c = l[i];
		json_t *st = json_object_get(c->rec, "State");
		bool running = container_is_running(c);
		_cleanup_free_ char *cmdline = NULL, *quoted = NULL, *created = NULL, *ago = NULL,
				    *status = NULL, *ports = NULL;
		_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
		size_t k;
		json_t *a;

		if (!all && !running)
			continue;
		if (quiet) {
			printf("%s\n", no_trunc ? c->id : short_id(c->id));
			continue;
		}
		(void) strbuf_adds(&sb, json_get_str(c->rec, "Path"));
		json_array_foreach (json_object_get(c->rec, "Args"), k, a)
			(void) strbuf_addf(&sb, " %s", json_string_value(a));
		cmdline = strbuf_detach(&sb, NULL);
		if (!no_trunc && strlen(cmdline) > 20)
			quoted = xasprintf("\"%.19s…\"", cmdline);
		else
			quoted = xasprintf("\"%s\"", cmdline);
		ago = human_duration((double) now.tv_sec -
				     time_parse_rfc3339(json_get_str(c->rec, "Created")));
		created = xasprintf("%s ago", ago);
		if (running) {
			_cleanup_free_ char *up =
				human_duration((double) now.tv_sec -
					       time_parse_rfc3339(json_get_str(st, "StartedAt")));
			status = xasprintf("Up %s", up);
			ports = ports_column(json_object_get(
				json_object_get(c->rec, "NetworkSettings"), "Ports"));
		} else if (streq(json_get_str(st, "Status"), "exited") ||
			   streq(json_get_str(st, "Status"), "running")) {
			_cleanup_free_ char *fin =
				human_duration((double) now.tv_sec -
					       time_parse_rfc3339(json_get_str(st, "FinishedAt")));
			status = xasprintf(
				"Exited (%lld) %s ago",
				(long long) json_integer_value(json_object_get(st, "ExitCode")),
				fin);
		} else {
			status = xstrdup("Created");
		}
		table_add(t, no_trunc ? c->id : short_id(c->id),
			  json_get_str(json_object_get(c->rec, "Config"), "Image"), quoted, created,
			  status, ports ? ports : "", json_get_str(c->rec, "Name") + 1);
	}
	if (!quiet)
		table_print(t, stdout);
	else
		table_print(t, stdout); /* empty: frees */
	container_list_free(l);
	return 0;
}

int cmd_logs(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{"follow", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
	struct hull_err *e = NULL;
	struct container *c = NULL;
	struct store *s;
	bool follow = false;
	int o, r;

	optind = 0;
	while ((o = cli_getopt("logs", argc, argv, "fh", opts, false)) != -1) {
		if (o == 'f')
			follow = true;
		else if (o == 'h') {
			puts("Usage:  hull logs [OPTIONS] CONTAINER\n\nFetch the logs of a "
			     "container\n\n"
			     "Options:\n  -f, --follow   Follow log output");
			return 0;
		} else
			return 125;
	}
	if (argc - optind != 1)
		return cli_usage_error("logs", "\"logs\" requires exactly 1 argument.");
	if (cli_store(cl, &s, &e) < 0 || container_load(s, argv[optind], &c, &e) < 0)
		return cli_fail(e);
	fflush(stdout);
	r = container_logs(c, follow, STDOUT_FILENO, STDERR_FILENO, &e);
	container_free(c);
	return r < 0 ? cli_fail(e) : 0;
}

/* stop, kill and rm share their shape: flags, then one or more containers. */
static int for_each_container(struct cli *cl, int argc, char **argv, const char *name,
			      int (*fn)(struct cli *, struct store *, struct container *, void *,
					struct hull_err **),
			      void *data)
{
	struct hull_err *e = NULL;
	struct store *s;
	int rc = 0;

	if (optind >= argc)
		return cli_usage_error(name, "\"%s\" requires at least 1 argument.", name);
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	for (int i = optind; i < argc; i++) {
		struct container *c = NULL;
		if (container_load(s, argv[i], &c, &e) < 0 || fn(cl, s, c, data, &e) < 0) {
			fprintf(stderr, "Error response from daemon: %s\n", e->msg);
			e = err_free(e);
			rc = 1;
		} else {
			printf("%s\n", argv[i]);
		}
		container_free(c);
	}
	return rc;
}

static int do_stop(struct cli *cl, struct store *s, struct container *c, void *data,
		   struct hull_err **err)
{
	(void) cl;
	return container_stop(s, c, *(int *) data, err);
}

int cmd_stop(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"time", required_argument, NULL, 't'},
					     {"timeout", required_argument, NULL, 't'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	int timeout = -1, o;

	optind = 0;
	while ((o = cli_getopt("stop", argc, argv, "t:h", opts, false)) != -1) {
		if (o == 't') {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || !*optarg || v < -1 || v > 1000000)
				return cli_usage_error("stop",
						       "invalid argument \"%s\" for \"-t, --time\" "
						       "flag: invalid syntax",
						       optarg);
			timeout = (int) v;
		} else if (o == 'h') {
			puts("Usage:  hull stop [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			     "Stop one or more running containers\n\nOptions:\n"
			     "  -t, --time int   Seconds to wait before killing the container");
			return 0;
		} else
			return 125;
	}
	return for_each_container(cl, argc, argv, "stop", do_stop, &timeout);
}

static int do_kill(struct cli *cl, struct store *s, struct container *c, void *data,
		   struct hull_err **err)
{
	(void) cl;
	(void) s;
	return container_kill(c, *(int *) data, err);
}

int cmd_kill(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{"signal", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'}, {0}};
	int sig = SIGKILL, o;

	optind = 0;
	while ((o = cli_getopt("kill", argc, argv, "s:h", opts, false)) != -1) {
		if (o == 's') {
			sig = signal_parse(optarg);
			if (sig < 0) {
				fprintf(stderr, "hull: invalid signal: %s\n", optarg);
				return 125;
			}
		} else if (o == 'h') {
			puts("Usage:  hull kill [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			     "Kill one or more running containers\n\nOptions:\n"
			     "  -s, --signal string   Signal to send to the container (default "
			     "\"KILL\")");
			return 0;
		} else
			return 125;
	}
	return for_each_container(cl, argc, argv, "kill", do_kill, &sig);
}

static int do_rm(struct cli *cl, struct store *s, struct container *c, void *data,
		 struct hull_err **err)
{
	return container_remove(s, cl->runroot, c, *(bool *) data, err);
}

int cmd_rm(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
	bool force = false;
	int o;

	optind = 0;
	while ((o = cli_getopt("rm", argc, argv, "fh", opts, false)) != -1) {
		if (o == 'f')
			force = true;
		else if (o == 'h') {
			puts("Usage:  hull rm [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			     "Remove one or more containers\n\nOptions:\n"
			     "  -f, --force   Force the removal of a running container (uses "
			     "SIGKILL)");
			return 0;
		} else
			return 125;
	}
	return for_each_container(cl, argc, argv, "rm", do_rm, &force);
}
