/* SPDX-License-Identifier: MIT */
/* run, ps, logs, stop, kill, rm (docker/cli cli/command/container). */
#include <arpa/inet.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include "cli/cli.h"
#include "container/container.h"
#include "image/reference.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

static const char run_help[] =
	"Usage:  hull %s [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n"
	"%s\n\nOptions:\n"
	"      --add-host list        Add a custom host-to-IP mapping (host:ip)\n"
	"  -d, --detach               Run container in background and print container ID\n"
	"      --detach-keys string   Override the key sequence for detaching a container\n"
	"      --entrypoint string    Overwrite the default ENTRYPOINT of the image\n"
	"  -e, --env list             Set environment variables\n"
	"      --env-file list        Read in a file of environment variables\n"
	"      --group-add list       Add additional groups to join\n"
	"  -h, --hostname string      Container host name\n"
	"      --init                 Run an init inside the container that forwards signals "
	"and reaps processes\n"
	"  -i, --interactive          Keep STDIN open even if not attached\n"
	"      --name string          Assign a name to the container\n"
	"      --network string       Connect a container to a network (bridge, host, none)\n"
	"  -p, --publish list         Publish a container's port(s) to the host\n"
	"      --read-only            Mount the container's root filesystem as read only\n"
	"      --rm                   Automatically remove the container when it exits\n"
	"      --sig-proxy            Proxy received signals to the process (default true)\n"
	"      --stop-signal string   Signal to stop the container\n"
	"      --stop-timeout int     Timeout (in seconds) to stop a container\n"
	"      --tmpfs list           Mount a tmpfs directory\n"
	"  -t, --tty                  Allocate a pseudo-TTY\n"
	"  -u, --user string          Username or UID (format: <name|uid>[:<group|gid>])\n"
	"  -w, --workdir string       Working directory inside the container";

/* docker's --env-file: NAME=value lines, NAME alone takes our value, # comments (opts/env.go). */
static int env_file_read(const char *path, char ***env, struct hull_err **err)
{
	_cleanup_free_ char *data = NULL;
	char *save = NULL;
	int r;

	r = read_file(path, 16 << 20, &data, NULL, err);
	if (r < 0)
		return err_wrap(err, "open %s", path);
	for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *eq;
		size_t n;

		while (*l == ' ' || *l == '\t')
			l++;
		n = strlen(l);
		if (n && l[n - 1] == '\r')
			l[--n] = '\0';
		if (!*l || *l == '#')
			continue;
		eq = strchr(l, '=');
		if ((eq ? (size_t) (eq - l) : n) == 0)
			return err_setx(err, EINVAL, "invalid environment variable: %s", l);
		if (!eq && strpbrk(l, " \t"))
			return err_setx(err, EINVAL, "variable '%s' contains whitespaces", l);
		strv_push(env, l);
	}
	return 0;
}

struct run_args {
	struct run_opts ro;
	char **env, **ep, **cmd, **groups, **hosts, **tmpfs;
	struct port_map *ports;
	const char *detach_keys;
	bool sig_proxy;
	const char *image;
};

static void run_args_release(struct run_args *a)
{
	strv_free(a->env);
	strv_free(a->ep);
	strv_free(a->cmd);
	strv_free(a->groups);
	strv_free(a->hosts);
	strv_free(a->tmpfs);
	free(a->ports);
}

/* The flags of run and create; returns -1 to go on, else the exit code. */
static int run_parse(const char *name, int argc, char **argv, struct run_args *a)
{
	enum {
		OPT_RM = 256,
		OPT_NAME,
		OPT_ENTRYPOINT,
		OPT_NETWORK,
		OPT_INIT,
		OPT_STOP_SIGNAL,
		OPT_STOP_TIMEOUT,
		OPT_GROUP_ADD,
		OPT_ENV_FILE,
		OPT_ADD_HOST,
		OPT_READ_ONLY,
		OPT_TMPFS,
		OPT_DETACH_KEYS,
		OPT_SIG_PROXY,
		OPT_HELP,
	};
	static const struct option opts[] = {
		{"detach", no_argument, NULL, 'd'},
		{"rm", no_argument, NULL, OPT_RM},
		{"name", required_argument, NULL, OPT_NAME},
		{"publish", required_argument, NULL, 'p'},
		{"env", required_argument, NULL, 'e'},
		{"env-file", required_argument, NULL, OPT_ENV_FILE},
		{"workdir", required_argument, NULL, 'w'},
		{"user", required_argument, NULL, 'u'},
		{"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{"network", required_argument, NULL, OPT_NETWORK},
		{"net", required_argument, NULL, OPT_NETWORK},
		{"init", no_argument, NULL, OPT_INIT},
		{"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
		{"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
		{"group-add", required_argument, NULL, OPT_GROUP_ADD},
		{"hostname", required_argument, NULL, 'h'},
		{"add-host", required_argument, NULL, OPT_ADD_HOST},
		{"read-only", no_argument, NULL, OPT_READ_ONLY},
		{"tmpfs", required_argument, NULL, OPT_TMPFS},
		{"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
		{"sig-proxy", optional_argument, NULL, OPT_SIG_PROXY},
		{"help", no_argument, NULL, OPT_HELP},
		{0}};
	struct run_opts *ro = &a->ro;
	struct hull_err *e = NULL;
	int o;

	*ro = (struct run_opts){.network = "bridge", .out_fd = -1, .stop_timeout = -1};
	a->sig_proxy = true;
	optind = 0;
	while ((o = cli_getopt(name, argc, argv, "dp:e:w:u:ith:", opts, true)) != -1) {
		switch (o) {
		case 'd':
			ro->detach = true;
			break;
		case OPT_RM:
			ro->auto_remove = true;
			break;
		case OPT_NAME:
			ro->name = *optarg ? optarg : NULL; /* --name "" means a generated one */
			break;
		case 'p':
			if (net_port_parse(optarg, &a->ports, &ro->n_ports, &e) < 0)
				return cli_fail(e);
			break;
		case 'e':
			/* docker/cli opts.ValidateEnv: the name may not be empty */
			if (!*optarg || *optarg == '=') {
				fprintf(stderr, "hull: invalid environment variable: %s\n", optarg);
				return 125;
			}
			strv_push(&a->env, optarg);
			break;
		case OPT_ENV_FILE:
			if (env_file_read(optarg, &a->env, &e) < 0)
				return cli_fail(e);
			break;
		case 'w':
			ro->workdir = optarg;
			break;
		case 'u':
			ro->user = optarg;
			break;
		case OPT_ENTRYPOINT:
			a->ep = strv_free(a->ep);
			strv_push(&a->ep, optarg);
			break;
		case 'i':
			ro->interactive = true;
			break;
		case 't':
			ro->tty = true;
			break;
		case OPT_NETWORK:
			if (streq(optarg, "default"))
				ro->network = "bridge";
			else if (streq(optarg, "bridge") || streq(optarg, "host") ||
				 streq(optarg, "none"))
				ro->network = optarg;
			else {
				fprintf(stderr, "hull: network %s not found\n", optarg);
				return 125;
			}
			break;
		case OPT_INIT:
			ro->init = true;
			break;
		case OPT_STOP_SIGNAL:
			if (signal_parse(optarg) < 0)
				return cli_usage_error(name, "invalid signal: %s", optarg);
			ro->stop_signal = optarg;
			break;
		case OPT_STOP_TIMEOUT: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || !*optarg || v < -1 || v > 1000000)
				return cli_usage_error(
					name,
					"invalid argument \"%s\" for \"--stop-timeout\" "
					"flag: invalid syntax",
					optarg);
			ro->stop_timeout = (int) v;
			break;
		}
		case OPT_GROUP_ADD:
			strv_push(&a->groups, optarg);
			break;
		case 'h':
			if (isempty(optarg) || strlen(optarg) > 63 || strchr(optarg, '/'))
				return cli_usage_error(name, "invalid hostname format: %s", optarg);
			ro->hostname = optarg;
			break;
		case OPT_ADD_HOST: {
			const char *sep = strchr(optarg, ':');
			struct in_addr ia;
			if (!sep || sep == optarg ||
			    (!streq(sep + 1, "host-gateway") &&
			     inet_pton(AF_INET, sep + 1, &ia) != 1))
				return cli_usage_error(name,
						       "invalid argument \"%s\" for \"--add-host\" "
						       "flag: invalid IP address in add-host",
						       optarg);
			strv_push(&a->hosts, optarg);
			break;
		}
		case OPT_READ_ONLY:
			ro->read_only = true;
			break;
		case OPT_TMPFS:
			if (optarg[0] != '/')
				return cli_usage_error(
					name, "invalid tmpfs '%s': mount path must be absolute",
					optarg);
			strv_push(&a->tmpfs, optarg);
			break;
		case OPT_DETACH_KEYS: {
			_cleanup_free_ char *k = NULL;
			size_t n;
			if (detach_keys_parse(optarg, &k, &n) < 0)
				return cli_usage_error(name, "invalid detach keys (%s) provided",
						       optarg);
			a->detach_keys = optarg;
			break;
		}
		case OPT_SIG_PROXY:
			a->sig_proxy = !optarg || streq(optarg, "true") || streq(optarg, "1");
			break;
		case OPT_HELP:
			printf(run_help, name,
			       streq(name, "run") ? "Create and run a new container from an image"
						  : "Create a new container");
			putchar('\n');
			return 0;
		default:
			return 125;
		}
	}
	if (optind >= argc)
		return cli_usage_error(name, "\"%s\" requires at least 1 argument.", name);
	if (streq(name, "run") && ro->tty && ro->interactive && !ro->detach &&
	    !isatty(STDIN_FILENO)) {
		/* docker/cli run.go: -it needs a terminal on stdin */
		fprintf(stderr, "hull: the input device is not a TTY\n");
		return 1;
	}
	if (ro->n_ports && !streq(ro->network, "bridge")) {
		fprintf(stderr,
			"WARNING: Published ports are discarded when using %s network mode\n",
			ro->network);
		ro->n_ports = 0;
	}
	a->image = argv[optind];
	for (int i = optind + 1; i < argc; i++)
		strv_push(&a->cmd, argv[i]);
	ro->env = a->env;
	ro->entrypoint = a->ep;
	ro->cmd = a->cmd;
	ro->ports = a->ports;
	ro->group_add = a->groups;
	ro->add_hosts = a->hosts;
	ro->tmpfs = a->tmpfs;
	return -1;
}

/* Find the image and create the container; returns -1 or an exit code. */
static int run_create(struct cli *cl, struct run_args *a, struct store **ret_s,
		      struct container **ret)
{
	struct hull_err *e = NULL;
	struct image *img = NULL;
	struct store *s;
	int r;

	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	r = store_image_get(s, a->image, &img, &e);
	if (r == -ENOENT) {
		struct image_ref ref;
		e = err_free(e);
		if (ref_parse(a->image, &ref, &e) < 0)
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
	r = container_create(s, cl->runroot, img, a->image, &a->ro, ret, &e);
	image_free(img);
	if (r < 0)
		return cli_fail(e);
	*ret_s = s;
	return -1;
}

/* Attach to a container whose monitor was started with container_start_attach(). */
int cli_attach_started(struct container *c, int sock, bool in, const char *detach_keys,
		       bool sig_proxy)
{
	struct attach_opts ao = {
		.stdin = in,
		.tty = json_is_true(json_object_get(json_object_get(c->rec, "Config"), "Tty")),
		.sig_proxy = sig_proxy,
		.pid = (pid_t) json_integer_value(
			json_object_get(json_object_get(c->rec, "State"), "Pid")),
		.detach_keys = detach_keys,
		.out_fd = STDOUT_FILENO,
		.err_fd = STDERR_FILENO,
	};
	struct hull_err *e = NULL;
	bool detached = false;
	int code = 0;

	fflush(stdout);
	if (container_attach_fd(c, sock, &ao, &code, &detached, &e) < 0)
		return cli_fail(e);
	return detached ? 0 : code;
}

int cmd_run(struct cli *cl, int argc, char **argv)
{
	struct run_args a = {0};
	struct hull_err *e = NULL;
	struct store *s = NULL;
	struct container *c = NULL;
	int r, code = 0;

	cli_fail_code = 125;

	r = run_parse("run", argc, argv, &a);
	if (r < 0)
		r = run_create(cl, &a, &s, &c);
	if (r >= 0) {
		run_args_release(&a);
		return r;
	}
	if (a.ro.tty && !a.ro.detach) {
		/* a pty lives in a detached monitor; we attach to it (so ctrl-p ctrl-q works) */
		struct winsize ws;
		int sock = -1;
		if (isatty(STDIN_FILENO) && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
			a.ro.tty_rows = ws.ws_row;
			a.ro.tty_cols = ws.ws_col;
		}
		r = container_start_attach(s, cl->runroot, c, &a.ro, &sock, &e);
		if (r < 0) {
			code = cli_fail(e);
		} else {
			code = cli_attach_started(c, sock, a.ro.interactive, a.detach_keys,
						  a.sig_proxy);
			close(sock);
		}
		container_free(c);
		run_args_release(&a);
		return code;
	}
	r = container_start(s, cl->runroot, c, &a.ro, &code, &e);
	if (r < 0) {
		container_free(c);
		run_args_release(&a);
		return cli_fail(e);
	}
	if (a.ro.detach)
		printf("%s\n", c->id);
	container_free(c);
	run_args_release(&a);
	return a.ro.detach ? 0 : code;
}

int cmd_create(struct cli *cl, int argc, char **argv)
{
	struct run_args a = {0};
	struct store *s = NULL;
	struct container *c = NULL;
	int r;

	cli_fail_code = 125;

	r = run_parse("create", argc, argv, &a);
	if (r < 0)
		r = run_create(cl, &a, &s, &c);
	if (r < 0) {
		printf("%s\n", c->id);
		container_free(c);
		r = 0;
	}
	run_args_release(&a);
	return r;
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
