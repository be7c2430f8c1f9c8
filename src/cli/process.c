/* SPDX-License-Identifier: MIT */
/*
 * exec, attach, start, restart, wait, pause, unpause, rename, top, port and
 * stats (docker/cli cli/command/container).
 */
#include <dirent.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include "cli/cli.h"
#include "container/container.h"
#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

static int load_one(struct cli *cl, const char *name, struct store **ret_s, struct container **ret)
{
	struct hull_err *e = NULL;

	if (cli_store(cl, ret_s, &e) < 0 || container_load(*ret_s, name, ret, &e) < 0)
		return cli_fail(e);
	return -1;
}

enum { OPT_DETACH_KEYS = 256, OPT_NO_STDIN };

const struct cli_command cli_exec_command = {
	.name = "exec",
	.usage = "[OPTIONS] CONTAINER COMMAND [ARG...]",
	.description = "Execute a command in a running container",
	.aliases = "hull container exec, hull exec",
	.min_args = 2,
	.max_args = -1,
	.stop_at_arg = true,
};

int cmd_exec(struct cli *cl, int argc, char **argv)
{
	struct exec_opts eo = {0};
	_cleanup_strv_ char **env = NULL, **cmd = NULL;
	const struct cli_option options[] = {
		CLI_BOOL('d', "detach", &eo.detach, "Detached mode: run command in the background"),
		CLI_STRING(0, "detach-keys", &eo.detach_keys, NULL,
			   "Override the key sequence for detaching a container"),
		CLI_LIST('e', "env", &env, NULL, "Set environment variables"),
		CLI_BOOL('i', "interactive", &eo.interactive,
			 "Keep STDIN open even if not attached"),
		CLI_BOOL('t', "tty", &eo.tty, "Allocate a pseudo-TTY"),
		CLI_STRING('u', "user", &eo.user, NULL,
			   "Username or UID (format: \"<name|uid>[:<group|gid>]\")"),
		CLI_STRING('w', "workdir", &eo.workdir, NULL,
			   "Working directory inside the container"),
		CLI_OPT_END,
	};
	struct hull_err *e = NULL;
	struct store *s;
	struct container *c = NULL;
	int r, code = 0, ind;

	r = cli_parse(&cli_exec_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (eo.workdir && eo.workdir[0] != '/')
		return cli_usage_error("exec",
				       "the working directory '%s' is invalid, it needs to be an "
				       "absolute path",
				       eo.workdir);
	/* docker/cli opts.ValidateEnv, as run's -e: the name may not be empty */
	STRV_FOREACH (v, env)
		if (!**v || **v == '=') {
			fprintf(stderr, "hull: invalid environment variable: %s\n", *v);
			return 125;
		}
	for (int i = ind + 1; i < argc; i++)
		strv_push(&cmd, argv[i]);
	eo.env = env;
	eo.cmd = cmd;
	eo.runroot = cl->runroot;
	r = load_one(cl, argv[ind], &s, &c);
	if (r >= 0)
		return r;
	fflush(stdout);
	r = container_exec(s, c, &eo, &code, &e);
	container_free(c);
	if (r < 0) {
		/* docker: "Error response from daemon: ..." with 126/127 from the runtime */
		return cli_fail(e);
	}
	return code;
}

const struct cli_command cli_attach_command = {
	.name = "attach",
	.usage = "[OPTIONS] CONTAINER",
	.description = "Attach local standard input, output, and error streams to a running "
		       "container",
	.aliases = "hull container attach, hull attach",
	.min_args = 1,
	.max_args = 1,
};

int cmd_attach(struct cli *cl, int argc, char **argv)
{
	struct attach_opts ao = {.stdin = true, .sig_proxy = true, .out_fd = 1, .err_fd = 2};
	bool no_stdin = false;
	const struct cli_option options[] = {
		CLI_STRING(0, "detach-keys", &ao.detach_keys, NULL,
			   "Override the key sequence for detaching a container"),
		CLI_BOOL(0, "no-stdin", &no_stdin, "Do not attach STDIN"),
		CLI_BOOL(0, "sig-proxy", &ao.sig_proxy,
			 "Proxy all received signals to the process (default true)"),
		CLI_OPT_END,
	};
	struct hull_err *e = NULL;
	struct store *s;
	struct container *c = NULL;
	bool detached = false;
	int r, code = 0, ind;

	r = cli_parse(&cli_attach_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (ao.detach_keys) {
		_cleanup_free_ char *k = NULL;
		size_t n;
		if (detach_keys_parse(ao.detach_keys, &k, &n) < 0)
			return cli_usage_error("attach", "invalid detach keys (%s) provided",
					       ao.detach_keys);
	}
	ao.stdin = !no_stdin;
	r = load_one(cl, argv[ind], &s, &c);
	if (r >= 0)
		return r;
	{
		json_t *cfg = json_object_get(c->rec, "Config");
		ao.tty = json_is_true(json_object_get(cfg, "Tty"));
		ao.stdin = ao.stdin && json_is_true(json_object_get(cfg, "OpenStdin"));
		ao.pid = c->state.pid;
	}
	r = container_attach(c, &ao, &code, &detached, &e);
	container_free(c);
	if (r < 0) {
		fprintf(stderr, "hull: %s\n", e->msg);
		err_free(e);
		return 1;
	}
	return detached ? 0 : code;
}

/* start: -a attaches (and -i relays stdin), otherwise print the names. */
const struct cli_command cli_start_command = {
	.name = "start",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.description = "Start one or more stopped containers",
	.aliases = "hull container start, hull start",
	.min_args = 1,
	.max_args = -1,
};

int cmd_start(struct cli *cl, int argc, char **argv)
{
	bool attach = false, interactive = false;
	const char *keys = NULL;
	const struct cli_option options[] = {
		CLI_BOOL('a', "attach", &attach, "Attach STDOUT/STDERR and forward signals"),
		CLI_STRING(0, "detach-keys", &keys, NULL,
			   "Override the key sequence for detaching a container"),
		CLI_BOOL('i', "interactive", &interactive, "Attach container's STDIN"),
		CLI_OPT_END,
	};
	struct hull_err *e = NULL;
	struct store *s;
	int rc, ind;

	rc = cli_parse(&cli_start_command, options, argc, argv, &ind);
	if (rc >= 0)
		return rc;
	rc = 0;
	if ((attach || interactive) && argc - ind > 1) {
		fprintf(stderr, "hull: you cannot start and attach multiple containers at once\n");
		return 1;
	}
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	for (int i = ind; i < argc; i++) {
		struct container *c = NULL;
		struct run_opts ro;
		int code = 0, r;

		if (container_load(s, argv[i], &c, &e) < 0) {
			fprintf(stderr, "Error response from daemon: %s\n", e->msg);
			e = err_free(e);
			rc = 1;
			continue;
		}
		if (container_is_running(c)) {
			/* docker: starting a running container is a no-op */
			if (attach || interactive) {
				bool det = false;
				struct attach_opts ao = {.stdin = interactive,
							 .sig_proxy = true,
							 .out_fd = 1,
							 .err_fd = 2,
							 .detach_keys = keys};
				ao.tty = json_is_true(
					json_object_get(json_object_get(c->rec, "Config"), "Tty"));
				ao.pid = c->state.pid;
				if (container_attach(c, &ao, &code, &det, &e) < 0)
					rc = cli_fail(e), e = NULL;
				else
					rc = det ? 0 : code;
			} else {
				printf("%s\n", argv[i]);
			}
			container_free(c);
			continue;
		}
		container_run_opts(c, &ro);
		if (attach || interactive) {
			int sock = -1;
			struct winsize ws;
			if (isatty(STDIN_FILENO) && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
				ro.tty_rows = ws.ws_row;
				ro.tty_cols = ws.ws_col;
			}
			r = container_start_attach(s, cl->runroot, c, &ro, &sock, &e);
			if (r < 0) {
				rc = cli_fail(e);
				e = NULL;
			} else {
				/* docker's start -a: stdout and stderr whatever -a
				 * run or create named (cli/command/container/start.go) */
				rc = cli_attach_started(c, sock,
							(interactive ? RUN_ATTACH_STDIN : 0) |
								RUN_ATTACH_STDOUT |
								RUN_ATTACH_STDERR,
							keys, true, 1);
				close(sock);
			}
		} else {
			r = container_start(s, cl->runroot, c, &ro, &code, &e);
			if (r < 0) {
				fprintf(stderr, "Error response from daemon: %s\n", e->msg);
				fprintf(stderr, "Error: failed to start containers: %s\n", argv[i]);
				e = err_free(e);
				rc = 1;
			} else {
				printf("%s\n", argv[i]);
			}
		}
		container_free(c);
	}
	return rc;
}

static int do_restart(struct cli *cl, struct store *s, struct container *c, void *data,
		      struct hull_err **err)
{
	struct run_opts ro;
	int code, r;

	r = container_stop(s, c, *(int *) data, err);
	if (r < 0)
		return r;
	if (access(c->dir, F_OK) < 0) /* --rm removed it on stop */
		return err_setx(err, ENOENT, "No such container: %s", c->id);
	container_run_opts(c, &ro);
	return container_start(s, cl->runroot, c, &ro, &code, err);
}

const struct cli_command cli_restart_command = {
	.name = "restart",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.description = "Restart one or more containers",
	.aliases = "hull container restart, hull restart",
	.min_args = 1,
	.max_args = -1,
};

int cmd_restart(struct cli *cl, int argc, char **argv)
{
	int timeout = -1, r, ind;

	r = cli_parse_stop(&cli_restart_command, argc, argv, &timeout, &ind);
	if (r >= 0)
		return r;
	return for_each_container(cl, argc, argv, ind, do_restart, &timeout);
}

const struct cli_command cli_wait_command = {
	.name = "wait",
	.usage = "CONTAINER [CONTAINER...]",
	.description = "Block until one or more containers stop, then print their exit codes",
	.aliases = "hull container wait, hull wait",
	.min_args = 1,
	.max_args = -1,
};

int cmd_wait(struct cli *cl, int argc, char **argv)
{
	struct hull_err *e = NULL;
	struct store *s;
	int rc, ind;

	rc = cli_parse(&cli_wait_command, NULL, argc, argv, &ind);
	if (rc >= 0)
		return rc;
	rc = 0;
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	for (int i = ind; i < argc; i++) {
		struct container *c = NULL;
		if (container_load(s, argv[i], &c, &e) < 0) {
			fprintf(stderr, "Error response from daemon: %s\n", e->msg);
			e = err_free(e);
			rc = 1;
			continue;
		}
		/*
		 * docker's wait is the API's condition "not-running": a created,
		 * never started container is not running, so its exit code (0)
		 * comes at once (moby daemon/wait.go)
		 */
		(void) container_wait_exit(c, NULL);
		printf("%d\n", c->state.exit_code);
		fflush(stdout);
		container_free(c);
	}
	return rc;
}

static int do_pause(struct cli *cl, struct store *s, struct container *c, void *data,
		    struct hull_err **err)
{
	(void) cl;
	(void) s;
	return container_pause(c, *(bool *) data, err);
}

const struct cli_command cli_pause_command = {
	.name = "pause",
	.usage = "CONTAINER [CONTAINER...]",
	.description = "Pause all processes within one or more containers",
	.aliases = "hull container pause, hull pause",
	.min_args = 1,
	.max_args = -1,
};

const struct cli_command cli_unpause_command = {
	.name = "unpause",
	.usage = "CONTAINER [CONTAINER...]",
	.description = "Unpause all processes within one or more containers",
	.aliases = "hull container unpause, hull unpause",
	.min_args = 1,
	.max_args = -1,
};

static int pause_common(struct cli *cl, int argc, char **argv, bool pause)
{
	int r, ind;

	r = cli_parse(pause ? &cli_pause_command : &cli_unpause_command, NULL, argc, argv, &ind);
	if (r >= 0)
		return r;
	return for_each_container(cl, argc, argv, ind, do_pause, &pause);
}

int cmd_pause(struct cli *cl, int argc, char **argv)
{
	return pause_common(cl, argc, argv, true);
}

int cmd_unpause(struct cli *cl, int argc, char **argv)
{
	return pause_common(cl, argc, argv, false);
}

const struct cli_command cli_rename_command = {
	.name = "rename",
	.usage = "CONTAINER NEW_NAME",
	.description = "Rename a container",
	.aliases = "hull container rename, hull rename",
	.min_args = 2,
	.max_args = 2,
};

int cmd_rename(struct cli *cl, int argc, char **argv)
{
	struct hull_err *e = NULL;
	struct store *s;
	struct container *c = NULL;
	int r;

	int ind;

	r = cli_parse(&cli_rename_command, NULL, argc, argv, &ind);
	if (r >= 0)
		return r;
	r = load_one(cl, argv[ind], &s, &c);
	if (r >= 0)
		return r;
	r = container_rename(s, c, argv[ind + 1], &e);
	container_free(c);
	if (r < 0) {
		fprintf(stderr, "Error response from daemon: %s\n", e->msg);
		err_free(e);
		return 1;
	}
	return 0;
}

/* One /proc/PID/stat + cmdline as ps -ef prints it: UID PID PPID C STIME TTY TIME CMD. */
static void top_row(struct table *t, pid_t pid, double boot, long hz)
{
	_cleanup_free_ char *stat = NULL, *cmdline = NULL, *status = NULL, *p1 = NULL, *p2 = NULL,
			    *p3 = NULL, *uid = NULL, *ppid = NULL, *pids = NULL, *stime = NULL,
			    *tm = NULL, *c = NULL;
	size_t clen = 0;
	char *rp, *f[52];
	int n = 0;
	unsigned long utime, stime_t;
	unsigned long long start;
	const char *u = "?";

	p1 = xasprintf("/proc/%d/stat", (int) pid);
	p2 = xasprintf("/proc/%d/cmdline", (int) pid);
	p3 = xasprintf("/proc/%d/status", (int) pid);
	if (read_file(p1, 1 << 16, &stat, NULL, NULL) < 0)
		return;
	(void) read_file(p2, 1 << 20, &cmdline, &clen, NULL);
	(void) read_file(p3, 1 << 16, &status, NULL, NULL);
	rp = strrchr(stat, ')');
	if (!rp)
		return;
	for (char *save = NULL, *w = strtok_r(rp + 2, " ", &save); w && n < 52;
	     w = strtok_r(NULL, " ", &save))
		f[n++] = w;
	if (n < 20)
		return;
	if (status && (u = strstr(status, "\nUid:\t")))
		uid = xstrndup(u + 6, strcspn(u + 6, "\t\n"));
	utime = strtoul(f[11], NULL, 10);
	stime_t = strtoul(f[12], NULL, 10);
	start = strtoull(f[19], NULL, 10);
	ppid = xstrdup(f[1]);
	pids = xasprintf("%d", (int) pid);
	{
		time_t st = (time_t) (boot + (double) start / (double) hz);
		struct tm tmv;
		char b[16];
		localtime_r(&st, &tmv);
		strftime(b, sizeof(b), "%H:%M", &tmv);
		stime = xstrdup(b);
	}
	{
		unsigned long secs = (utime + stime_t) / (unsigned long) hz;
		tm = xasprintf("%02lu:%02lu:%02lu", secs / 3600, (secs / 60) % 60, secs % 60);
	}
	if (clen) {
		for (size_t i = 0; i + 1 < clen; i++)
			if (!cmdline[i])
				cmdline[i] = ' ';
		c = xstrdup(cmdline);
	} else {
		char *lp = strchr(stat, '(');
		c = lp ? xasprintf("[%.*s]", (int) (rp - lp - 1), lp + 1) : xstrdup("?");
	}
	table_add(t, uid ? uid : "?", pids, ppid, "0", stime, "?", tm, c);
}

const struct cli_command cli_top_command = {
	.name = "top",
	.usage = "CONTAINER [ps OPTIONS]",
	.description = "Display the running processes of a container",
	.aliases = "hull container top, hull top",
	.min_args = 1,
	.max_args = -1,
	.stop_at_arg = true,
};

int cmd_top(struct cli *cl, int argc, char **argv)
{
	struct hull_err *e = NULL;
	struct store *s;
	struct container *c = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	struct table *t;
	double boot = 0;
	int r;

	int ind;

	r = cli_parse(&cli_top_command, NULL, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (argc - ind > 1 && !(argc - ind == 2 && streq(argv[ind + 1], "-ef"))) {
		fprintf(stderr, "hull: top: only the default ps options (-ef) are supported\n");
		return 125;
	}
	r = load_one(cl, argv[ind], &s, &c);
	if (r >= 0)
		return r;
	r = container_pids(c, &pids, &n, &e);
	container_free(c);
	if (r < 0) {
		fprintf(stderr, "Error response from daemon: %s\n", e->msg);
		err_free(e);
		return 1;
	}
	{
		_cleanup_free_ char *st = NULL;
		char *b;
		if (read_file("/proc/stat", 1 << 20, &st, NULL, NULL) == 0 &&
		    (b = strstr(st, "\nbtime ")))
			boot = strtod(b + 7, NULL);
	}
	t = table_new(8);
	table_add(t, "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD");
	for (size_t i = 0; i < n; i++)
		top_row(t, pids[i], boot, sysconf(_SC_CLK_TCK));
	table_print(t, stdout);
	return 0;
}

const struct cli_command cli_port_command = {
	.name = "port",
	.usage = "CONTAINER [PRIVATE_PORT[/PROTO]]",
	.description = "List port mappings or a specific mapping for the container",
	.aliases = "hull container port, hull port",
	.min_args = 1,
	.max_args = 2,
};

int cmd_port(struct cli *cl, int argc, char **argv)
{
	struct store *s;
	struct container *c = NULL;
	json_t *ports;
	const char *k;
	json_t *arr;
	int r, rc = 0;
	bool found = false;

	int ind;

	r = cli_parse(&cli_port_command, NULL, argc, argv, &ind);
	if (r >= 0)
		return r;
	r = load_one(cl, argv[ind], &s, &c);
	if (r >= 0)
		return r;
	ports = container_is_running(c)
			? json_object_get(json_object_get(c->rec, "NetworkSettings"), "Ports")
			: NULL;
	json_object_foreach (ports, k, arr) {
		size_t i;
		json_t *b;
		if (argc - ind == 2) {
			_cleanup_free_ char *want = strchr(argv[ind + 1], '/')
							    ? xstrdup(argv[ind + 1])
							    : xasprintf("%s/tcp", argv[ind + 1]);
			if (!streq(k, want))
				continue;
		}
		json_array_foreach (arr, i, b) {
			found = true;
			if (argc - ind == 2)
				printf("%s:%s\n", json_get_str(b, "HostIp"),
				       json_get_str(b, "HostPort"));
			else
				printf("%s -> %s:%s\n", k, json_get_str(b, "HostIp"),
				       json_get_str(b, "HostPort"));
		}
	}
	if (argc - ind == 2 && !found) {
		fprintf(stderr, "Error: No public port '%s%s' published for %s\n", argv[ind + 1],
			strchr(argv[ind + 1], '/') ? "" : "/tcp", argv[ind]);
		rc = 1;
	}
	container_free(c);
	return rc;
}

/* NET I/O: bytes received and sent on every interface but lo, from the container's network
 * namespace (its PID 1's /proc/PID/net/dev, as docker reads the netns's counters). */
static void net_io(pid_t pid, uint64_t *rx, uint64_t *tx)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/net/dev", (int) pid), *s = NULL;
	char *save = NULL;

	*rx = *tx = 0;
	if (pid <= 0 || read_file(path, 1 << 20, &s, NULL, NULL) < 0)
		return;
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(l, ':');
		unsigned long long v[9];
		while (*l == ' ')
			l++;
		if (!colon || startswith(l, "lo:"))
			continue;
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) != 9)
			continue;
		*rx += v[0];
		*tx += v[8];
	}
}

/* "1.2kB / 3.4MB" */
static char *io_pair(uint64_t a, uint64_t b)
{
	_cleanup_free_ char *x = human_size((double) a), *y = human_size((double) b);

	return xasprintf("%s / %s", x, y);
}

static const struct cli_option stats_options[] = {
	CLI_BOOL_ID('a', "all", 'a', "Show all containers (default shows just running)"),
	CLI_BOOL_ID(0, "no-stream", 'n', "Disable streaming stats and only pull the first result"),
	CLI_OPT_END,
};
const struct cli_command cli_stats_command = {
	.name = "stats",
	.usage = "[OPTIONS] [CONTAINER...]",
	.description = "Display a live stream of container(s) resource usage statistics",
	.aliases = "hull container stats, hull stats",
	.max_args = -1,
	.options = stats_options,
};

int cmd_stats(struct cli *cl, int argc, char **argv)
{
	struct hull_err *e = NULL;
	struct container **l = NULL;
	struct store *s;
	bool no_stream = false, all = false;
	struct table *t;
	int o, rc = 0;
	struct cli_parse p;

	cli_parse_init(&p, &cli_stats_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		if (o == 'n')
			no_stream = true;
		else if (o == 'a')
			all = true;
		else if (o == 'H') {
			puts("Usage:  hull stats [OPTIONS] [CONTAINER...]\n\n"
			     "Display a live stream of container(s) resource usage statistics\n\n"
			     "Options:\n  -a, --all         Show all containers (default shows "
			     "just "
			     "running)\n      --no-stream   Disable streaming stats and only pull "
			     "the first result");
			return 0;
		}
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	if (!no_stream) {
		fprintf(stderr, "hull: stats: only --no-stream is supported\n");
		return 125;
	}
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	if (p.ind < argc) {
		l = xcalloc((size_t) (argc - p.ind) + 1, sizeof(*l));
		for (int i = p.ind, k = 0; i < argc; i++) {
			if (container_load(s, argv[i], &l[k], &e) < 0) {
				fprintf(stderr, "Error response from daemon: %s\n", e->msg);
				e = err_free(e);
				rc = 1;
				continue;
			}
			k++;
		}
	} else if (container_list(s, &l, &e) < 0) {
		return cli_fail(e);
	}
	t = table_new(8);
	table_add(t, "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O",
		  "BLOCK I/O", "PIDS");
	for (size_t i = 0; l[i]; i++) {
		struct container *c = l[i];
		struct rt_cgroup_stats st1, st2;
		_cleanup_free_ char *cpu = NULL, *mem = NULL, *memp = NULL, *pids = NULL,
				    *use = NULL, *lim = NULL, *net = NULL, *blk = NULL;
		uint64_t rx, tx;
		bool running = container_is_running(c);
		double used, limit, pct = 0;

		if (!running && !all && p.ind >= argc)
			continue;
		if (!running || container_stats(c, &st1, NULL) < 0) {
			table_add(t, short_id(c->id), json_get_str(c->rec, "Name") + 1, "0.00%",
				  "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0");
			continue;
		}
		/* CPU % over a short interval, as docker computes it from two samples */
		{
			struct timespec a, b;
			clock_gettime(CLOCK_MONOTONIC, &a);
			nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
			clock_gettime(CLOCK_MONOTONIC, &b);
			if (container_stats(c, &st2, NULL) == 0) {
				double dt = (double) (b.tv_sec - a.tv_sec) * 1e9 +
					    (double) (b.tv_nsec - a.tv_nsec);
				pct = dt > 0 ? (double) (st2.cpu_usage_ns - st1.cpu_usage_ns) / dt *
						       100.0
					     : 0;
				st1 = st2;
			}
		}
		used = (double) (st1.memory_usage > st1.memory_cache
					 ? st1.memory_usage - st1.memory_cache
					 : st1.memory_usage);
		limit = (double) st1.memory_limit;
		if (limit <= 0 || limit > 1e18) {
			long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
			limit = (double) pages * (double) psz;
		}
		cpu = xasprintf("%.2f%%", pct);
		use = human_size(used);
		lim = human_size(limit);
		mem = xasprintf("%s / %s", use, lim);
		memp = xasprintf("%.2f%%", limit > 0 ? used / limit * 100.0 : 0);
		pids = xasprintf("%llu", (unsigned long long) st1.pids);
		net_io(c->state.pid, &rx, &tx);
		net = io_pair(rx, tx);
		blk = io_pair(st1.blk_read, st1.blk_write);
		table_add(t, short_id(c->id), json_get_str(c->rec, "Name") + 1, cpu, mem, memp, net,
			  blk, pids);
	}
	table_print(t, stdout);
	container_list_free(l);
	return rc;
}
