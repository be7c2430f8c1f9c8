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

static bool flag_help(int argc, char **argv, const char *text)
{
	for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (streq(argv[i], "--"))
			break;
		if (streq(argv[i], "--help")) {
			puts(text);
			return true;
		}
	}
	return false;
}

int cmd_exec(struct cli *cl, int argc, char **argv)
{
	enum { OPT_DETACH_KEYS = 256, OPT_PRIVILEGED };
	static const struct option opts[] = {
		{"detach", no_argument, NULL, 'd'},
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{"user", required_argument, NULL, 'u'},
		{"workdir", required_argument, NULL, 'w'},
		{"env", required_argument, NULL, 'e'},
		{"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
		{"help", no_argument, NULL, 'H'},
		{0}};
	struct exec_opts eo = {0};
	_cleanup_strv_ char **env = NULL, **cmd = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	struct container *c = NULL;
	int o, r, code = 0;

	optind = 0;
	while ((o = cli_getopt("exec", argc, argv, "ditu:w:e:", opts, true)) != -1) {
		switch (o) {
		case 'd':
			eo.detach = true;
			break;
		case 'i':
			eo.interactive = true;
			break;
		case 't':
			eo.tty = true;
			break;
		case 'u':
			eo.user = optarg;
			break;
		case 'w':
			if (optarg[0] != '/')
				return cli_usage_error("exec",
						       "the working directory '%s' is invalid, it "
						       "needs to be an absolute path",
						       optarg);
			eo.workdir = optarg;
			break;
		case 'e':
			strv_push(&env, optarg);
			break;
		case OPT_DETACH_KEYS:
			eo.detach_keys = optarg;
			break;
		case 'H':
			puts("Usage:  hull exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\n"
			     "Execute a command in a running container\n\nOptions:\n"
			     "  -d, --detach               Detached mode: run command in the "
			     "background\n"
			     "      --detach-keys string   Override the key sequence for "
			     "detaching\n"
			     "  -e, --env list             Set environment variables\n"
			     "  -i, --interactive          Keep STDIN open even if not attached\n"
			     "  -t, --tty                  Allocate a pseudo-TTY\n"
			     "  -u, --user string          Username or UID (format: "
			     "\"<name|uid>[:<group|gid>]\")\n"
			     "  -w, --workdir string       Working directory inside the container");
			return 0;
		default:
			return 125;
		}
	}
	if (argc - optind < 2)
		return cli_usage_error("exec", "\"exec\" requires at least 2 arguments.");
	for (int i = optind + 1; i < argc; i++)
		strv_push(&cmd, argv[i]);
	eo.env = env;
	eo.cmd = cmd;
	eo.runroot = cl->runroot;
	r = load_one(cl, argv[optind], &s, &c);
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

int cmd_attach(struct cli *cl, int argc, char **argv)
{
	enum { OPT_DETACH_KEYS = 256, OPT_NO_STDIN, OPT_SIG_PROXY };
	static const struct option opts[] = {
		{"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
		{"no-stdin", no_argument, NULL, OPT_NO_STDIN},
		{"sig-proxy", optional_argument, NULL, OPT_SIG_PROXY},
		{"help", no_argument, NULL, 'H'},
		{0}};
	struct attach_opts ao = {.stdin = true, .sig_proxy = true, .out_fd = 1, .err_fd = 2};
	struct hull_err *e = NULL;
	struct store *s;
	struct container *c = NULL;
	bool detached = false;
	int o, r, code = 0;

	optind = 0;
	while ((o = cli_getopt("attach", argc, argv, "", opts, false)) != -1) {
		switch (o) {
		case OPT_DETACH_KEYS: {
			_cleanup_free_ char *k = NULL;
			size_t n;
			if (detach_keys_parse(optarg, &k, &n) < 0)
				return cli_usage_error("attach",
						       "invalid detach keys (%s) provided", optarg);
			ao.detach_keys = optarg;
			break;
		}
		case OPT_NO_STDIN:
			ao.stdin = false;
			break;
		case OPT_SIG_PROXY:
			ao.sig_proxy = true;
			if (optarg && cli_parse_bool(optarg, &ao.sig_proxy) < 0)
				return cli_flag_error(
					"attach", "--sig-proxy", optarg,
					"strconv.ParseBool: parsing \"%s\": invalid syntax",
					optarg);
			break;
		case 'H':
			puts("Usage:  hull attach [OPTIONS] CONTAINER\n\n"
			     "Attach local standard input, output, and error streams to a running "
			     "container\n\nOptions:\n"
			     "      --detach-keys string   Override the key sequence for "
			     "detaching\n"
			     "      --no-stdin             Do not attach STDIN\n"
			     "      --sig-proxy            Proxy all received signals to the "
			     "process "
			     "(default true)");
			return 0;
		default:
			return 125;
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("attach", "\"attach\" requires exactly 1 argument.");
	r = load_one(cl, argv[optind], &s, &c);
	if (r >= 0)
		return r;
	{
		json_t *cfg = json_object_get(c->rec, "Config");
		ao.tty = json_is_true(json_object_get(cfg, "Tty"));
		ao.stdin = ao.stdin && json_is_true(json_object_get(cfg, "OpenStdin"));
		ao.pid = (pid_t) json_integer_value(
			json_object_get(json_object_get(c->rec, "State"), "Pid"));
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
int cmd_start(struct cli *cl, int argc, char **argv)
{
	enum { OPT_DETACH_KEYS = 256 };
	static const struct option opts[] = {
		{"attach", no_argument, NULL, 'a'},
		{"interactive", no_argument, NULL, 'i'},
		{"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
		{"help", no_argument, NULL, 'H'},
		{0}};
	bool attach = false, interactive = false;
	const char *keys = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	int o, rc = 0;

	optind = 0;
	while ((o = cli_getopt("start", argc, argv, "ai", opts, false)) != -1) {
		if (o == 'a')
			attach = true;
		else if (o == 'i')
			interactive = true;
		else if (o == OPT_DETACH_KEYS)
			keys = optarg;
		else if (o == 'H') {
			puts("Usage:  hull start [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			     "Start one or more stopped containers\n\nOptions:\n"
			     "  -a, --attach               Attach STDOUT/STDERR and forward "
			     "signals\n"
			     "      --detach-keys string   Override the key sequence for "
			     "detaching\n"
			     "  -i, --interactive          Attach container's STDIN");
			return 0;
		} else
			return 125;
	}
	if (optind >= argc)
		return cli_usage_error("start", "\"start\" requires at least 1 argument.");
	if ((attach || interactive) && argc - optind > 1) {
		fprintf(stderr, "hull: you cannot start and attach multiple containers at once\n");
		return 1;
	}
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	for (int i = optind; i < argc; i++) {
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
				ao.pid = (pid_t) json_integer_value(
					json_object_get(json_object_get(c->rec, "State"), "Pid"));
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

static int parse_time(const char *cmd, const char *arg, int *ret)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end || !*arg || v < -1 || v > 1000000)
		return cli_flag_error(cmd, "-t, --time", arg, "invalid syntax");
	*ret = (int) v;
	return -1;
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

int cmd_restart(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"time", required_argument, NULL, 't'},
					     {"timeout", required_argument, NULL, 't'},
					     {"help", no_argument, NULL, 'H'},
					     {0}};
	int timeout = -1, o, r;

	optind = 0;
	while ((o = cli_getopt("restart", argc, argv, "t:", opts, false)) != -1) {
		if (o == 't') {
			r = parse_time("restart", optarg, &timeout);
			if (r >= 0)
				return r;
		} else if (o == 'H') {
			puts("Usage:  hull restart [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			     "Restart one or more containers\n\nOptions:\n"
			     "  -t, --time int   Seconds to wait before killing the container");
			return 0;
		} else
			return 125;
	}
	return for_each_container(cl, argc, argv, "restart", do_restart, &timeout);
}

int cmd_wait(struct cli *cl, int argc, char **argv)
{
	struct hull_err *e = NULL;
	struct store *s;
	int rc = 0;

	if (flag_help(argc, argv,
		      "Usage:  hull wait CONTAINER [CONTAINER...]\n\n"
		      "Block until one or more containers stop, then print their exit codes"))
		return 0;
	if (argc < 2)
		return cli_usage_error("wait", "\"wait\" requires at least 1 argument.");
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	for (int i = 1; i < argc; i++) {
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
		printf("%lld\n", (long long) json_integer_value(json_object_get(
					 json_object_get(c->rec, "State"), "ExitCode")));
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

static int pause_common(struct cli *cl, int argc, char **argv, bool pause)
{
	const char *name = pause ? "pause" : "unpause";

	if (argc > 1 && streq(argv[1], "--help")) {
		printf("Usage:  hull %s CONTAINER [CONTAINER...]\n\n%s all processes within one "
		       "or more containers\n",
		       name, pause ? "Pause" : "Unpause");
		return 0;
	}
	optind = 1;
	return for_each_container(cl, argc, argv, name, do_pause, &pause);
}

int cmd_pause(struct cli *cl, int argc, char **argv)
{
	return pause_common(cl, argc, argv, true);
}

int cmd_unpause(struct cli *cl, int argc, char **argv)
{
	return pause_common(cl, argc, argv, false);
}

int cmd_rename(struct cli *cl, int argc, char **argv)
{
	struct hull_err *e = NULL;
	struct store *s;
	struct container *c = NULL;
	int r;

	if (flag_help(argc, argv, "Usage:  hull rename CONTAINER NEW_NAME\n\nRename a container"))
		return 0;
	if (argc != 3)
		return cli_usage_error("rename", "\"rename\" requires exactly 2 arguments.");
	r = load_one(cl, argv[1], &s, &c);
	if (r >= 0)
		return r;
	r = container_rename(s, c, argv[2], &e);
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

	if (flag_help(argc, argv,
		      "Usage:  hull top CONTAINER [ps OPTIONS]\n\nDisplay the running processes "
		      "of a container"))
		return 0;
	if (argc < 2)
		return cli_usage_error("top", "\"top\" requires at least 1 argument.");
	if (argc > 2 && !(argc == 3 && streq(argv[2], "-ef"))) {
		fprintf(stderr, "hull: top: only the default ps options (-ef) are supported\n");
		return 125;
	}
	r = load_one(cl, argv[1], &s, &c);
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

int cmd_port(struct cli *cl, int argc, char **argv)
{
	struct store *s;
	struct container *c = NULL;
	json_t *ports;
	const char *k;
	json_t *arr;
	int r, rc = 0;
	bool found = false;

	if (flag_help(argc, argv,
		      "Usage:  hull port CONTAINER [PRIVATE_PORT[/PROTO]]\n\nList port mappings "
		      "or a specific mapping for the container"))
		return 0;
	if (argc < 2 || argc > 3)
		return cli_usage_error("port", "\"port\" requires at least 1 and at most 2 "
					       "arguments.");
	r = load_one(cl, argv[1], &s, &c);
	if (r >= 0)
		return r;
	ports = container_is_running(c)
			? json_object_get(json_object_get(c->rec, "NetworkSettings"), "Ports")
			: NULL;
	json_object_foreach (ports, k, arr) {
		size_t i;
		json_t *b;
		if (argc == 3) {
			_cleanup_free_ char *want = strchr(argv[2], '/')
							    ? xstrdup(argv[2])
							    : xasprintf("%s/tcp", argv[2]);
			if (!streq(k, want))
				continue;
		}
		json_array_foreach (arr, i, b) {
			found = true;
			if (argc == 3)
				printf("%s:%s\n", json_get_str(b, "HostIp"),
				       json_get_str(b, "HostPort"));
			else
				printf("%s -> %s:%s\n", k, json_get_str(b, "HostIp"),
				       json_get_str(b, "HostPort"));
		}
	}
	if (argc == 3 && !found) {
		fprintf(stderr, "Error: No public port '%s%s' published for %s\n", argv[2],
			strchr(argv[2], '/') ? "" : "/tcp", argv[1]);
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

int cmd_stats(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"no-stream", no_argument, NULL, 'n'},
					     {"all", no_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'H'},
					     {0}};
	struct hull_err *e = NULL;
	struct container **l = NULL;
	struct store *s;
	bool no_stream = false, all = false;
	struct table *t;
	int o, rc = 0;

	optind = 0;
	while ((o = cli_getopt("stats", argc, argv, "a", opts, false)) != -1) {
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
		} else
			return 125;
	}
	if (!no_stream) {
		fprintf(stderr, "hull: stats: only --no-stream is supported\n");
		return 125;
	}
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	if (optind < argc) {
		l = xcalloc((size_t) (argc - optind) + 1, sizeof(*l));
		for (int i = optind, k = 0; i < argc; i++) {
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

		if (!running && !all && optind >= argc)
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
		net_io((pid_t) json_integer_value(
			       json_object_get(json_object_get(c->rec, "State"), "Pid")),
		       &rx, &tx);
		net = io_pair(rx, tx);
		blk = io_pair(st1.blk_read, st1.blk_write);
		table_add(t, short_id(c->id), json_get_str(c->rec, "Name") + 1, cpu, mem, memp, net,
			  blk, pids);
	}
	table_print(t, stdout);
	container_list_free(l);
	return rc;
}
