/* SPDX-License-Identifier: MIT */
/* run, ps, logs, stop, kill, rm (docker/cli cli/command/container). */
#include <arpa/inet.h>
#include <ctype.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include "cli/cli.h"
#include "container/container.h"
#include "container/filter.h"
#include "container/security.h"
#include "container/volume.h"
#include "net/net.h"
#include "image/reference.h"
#include "registry/pull.h"
#include "util/fs.h"
#include "util/hostpath.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"
#include "util/units.h"

const struct cli_command cli_run_command = {
	.name = "run",
	.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
	.description = "Create and run a new container from an image",
	.aliases = "hull container run, hull run",
	.min_args = 1,
	.max_args = -1,
	.stop_at_arg = true,
};

const struct cli_command cli_create_command = {
	.name = "create",
	.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
	.description = "Create a new container",
	.aliases = "hull container create, hull create",
	.min_args = 1,
	.max_args = -1,
	.stop_at_arg = true,
};

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
	char **labels, **label_files; /* -l/--label, --label-file */
	char **expose;		      /* --expose, as "PORT/PROTO" keys */
	char **env, **ep, **cmd, **groups, **hosts, **tmpfs, **volumes, **mounts, **devices,
		**dev_rules, **volumes_from;
	char **aliases;	 /* --network-alias */
	char **networks; /* --network after the first */
	char **cap_add, **cap_drop, **security_opt, **sysctls;
	char **log_opts; /* --log-opt */
	char **dns, **dns_search, **dns_options;
	struct port_map *ports;
	json_t *resources; /* HostConfig fields of the resource-limit flags */
	char **warnings;
	const char *detach_keys;
	bool sig_proxy;
	const char *image;
	const char *cidfile;	    /* --cidfile */
	const char *pull;	    /* --pull missing|always|never */
	const char *platform;	    /* --platform OS/ARCH[/VARIANT], or NULL */
	bool quiet_pull;	    /* -q: no pull output */
	struct hostpath_output cid; /* ... created before the container */
	/* --health-cmd, --health-{interval,timeout,start-period,start-interval} (ns),
	 * --health-retries, --no-healthcheck; @health: the HealthConfig they make */
	const char *health_cmd;
	int64_t health_ns[4];
	long health_retries;
	bool no_healthcheck;
	json_t *health;
};

static void run_args_release(struct run_args *a)
{
	strv_free(a->env);
	strv_free(a->labels);
	strv_free(a->expose);
	strv_free(a->label_files);
	strv_free(a->ep);
	strv_free(a->cmd);
	strv_free(a->groups);
	strv_free(a->hosts);
	strv_free(a->dns);
	strv_free(a->dns_search);
	strv_free(a->dns_options);
	strv_free(a->tmpfs);
	strv_free(a->volumes);
	strv_free(a->mounts);
	strv_free(a->volumes_from);
	strv_free(a->aliases);
	strv_free(a->networks);
	strv_free(a->cap_add);
	strv_free(a->cap_drop);
	strv_free(a->security_opt);
	strv_free(a->sysctls);
	strv_free(a->devices);
	strv_free(a->dev_rules);
	strv_free(a->log_opts);
	free(a->ports);
	hostpath_output_release(&a->cid); /* removes a cidfile not written */
	json_decref(a->resources);
	strv_free(a->warnings);
	json_decref(a->health);
}

/* The --health-* duration flags, in the order of run_args.health_ns, and their HealthConfig
 * fields. */
static const char *const health_flags[4][2] = {{"--health-interval", "Interval"},
					       {"--health-timeout", "Timeout"},
					       {"--health-start-period", "StartPeriod"},
					       {"--health-start-interval", "StartInterval"}};

/*
 * docker/cli opts.go parse(): the HealthConfig of the --health-* flags (only
 * the fields given, as Go's encoder omits empty ones), or {"Test":["NONE"]}
 * for --no-healthcheck, which conflicts with them; -1 to go on, else the exit
 * code of the usage error printed.
 */
static int health_config(const char *name, struct run_args *a)
{
	bool any = !isempty(a->health_cmd) || a->health_retries != 0;

	for (size_t i = 0; i < ARRAY_SIZE(health_flags); i++)
		any |= a->health_ns[i] != 0;
	if (a->no_healthcheck) {
		if (any)
			return cli_usage_error(
				name, "--no-healthcheck conflicts with --health-* options");
		a->health = json_pack("{s:[s]}", "Test", "NONE");
		return -1;
	}
	if (!any)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(health_flags); i++)
		if (a->health_ns[i] < 0 && i < 2)
			return cli_usage_error(name, "%s cannot be negative", health_flags[i][0]);
	if (a->health_retries < 0)
		return cli_usage_error(name, "--health-retries cannot be negative");
	for (size_t i = 2; i < ARRAY_SIZE(health_flags); i++)
		if (a->health_ns[i] < 0)
			return cli_usage_error(name, "%s cannot be negative", health_flags[i][0]);
	a->health = json_object();
	if (!isempty(a->health_cmd))
		json_object_set_new(a->health, "Test",
				    json_pack("[s,s]", "CMD-SHELL", a->health_cmd));
	for (size_t i = 0; i < ARRAY_SIZE(health_flags); i++)
		if (a->health_ns[i])
			json_object_set_new(a->health, health_flags[i][1],
					    json_integer(a->health_ns[i]));
	if (a->health_retries)
		json_object_set_new(a->health, "Retries", json_integer(a->health_retries));
	return -1;
}

/*
 * docker's --expose PORT[-END][/PROTO] (nat.ParsePortRange): every port of
 * the range as a "PORT/PROTO" key of Config.ExposedPorts; -1 when invalid.
 */
static int expose_parse(const char *arg, char ***out)
{
	const char *slash = strchr(arg, '/'), *proto = slash ? slash + 1 : "tcp";
	_cleanup_free_ char *range = slash ? xstrndup(arg, (size_t) (slash - arg)) : xstrdup(arg);
	char *dash = strchr(range, '-'), *end;
	unsigned long lo, hi;

	if (!streq(proto, "tcp") && !streq(proto, "udp") && !streq(proto, "sctp"))
		return -1;
	if (dash)
		*dash = '\0';
	errno = 0;
	lo = strtoul(range, &end, 10);
	if (!*range || *end || errno || lo == 0 || lo > 65535)
		return -1;
	hi = lo;
	if (dash) {
		hi = strtoul(dash + 1, &end, 10);
		if (!dash[1] || *end || errno || hi < lo || hi > 65535)
			return -1;
	}
	for (unsigned long p = lo; p <= hi; p++)
		strv_consume(out, xasprintf("%lu/%s", p, proto));
	return 0;
}

/* A pull's progress on stderr, plain, as docker run shows it off a terminal. */
static void run_pull_say(void *arg, const struct xfer_event *ev)
{
	_cleanup_free_ char *line = xfer_event_line(ev, false);

	(void) arg;
	if (line)
		fprintf(stderr, "%s\n", line);
}

/* "os/arch[/variant]" of @img's config */
static char *image_platform(const struct image *img)
{
	const char *v = json_get_str(img->config, "variant");

	return xasprintf("%s/%s%s%s", json_get_str(img->config, "os") ?: "linux",
			 json_get_str(img->config, "architecture") ?: "amd64", v ? "/" : "",
			 v ?: "");
}

/* @img's config is for @want (a variant only where @want names one) */
static bool image_is_platform(const struct image *img, const struct platform *want)
{
	_cleanup_free_ char *have = image_platform(img);
	struct platform p = {0};
	bool same;

	if (platform_parse(have, &p, NULL) < 0)
		return false;
	same = streq(p.os, want->os) && streq(p.arch, want->arch) &&
	       (!want->variant || (p.variant && streq(p.variant, want->variant)));
	platform_release(&p);
	return same;
}

/* docker's error for an image of another platform; frees *@img */
static int platform_mismatch(const char *name, const struct platform *want, struct image **img,
			     struct hull_err **err)
{
	_cleanup_free_ char *w = platform_string(want), *have = image_platform(*img);

	*img = image_free(*img);
	return err_setx(err, ENOENT,
			"image with reference %s was found but does not match the specified "
			"platform: wanted %s, actual: %s",
			name, w, have);
}

/*
 * The image of run/create, as --pull says (docker/cli create.go
 * createContainer): "missing" pulls it when it is not in the store,
 * "always" every time, "never" never.
 */
static int run_image(struct store *s, struct run_args *a, struct image **ret, struct hull_err **err)
{
	_cleanup_(reg_config_freep) struct reg_config *cfg = NULL;
	struct pull_opts po = {.progress = a->quiet_pull ? NULL : run_pull_say};
	struct pull_result res = {0};
	struct platform want = {0};
	struct image_ref ref;
	int r;

	if (a->platform) {
		r = platform_parse(a->platform, &want, err);
		if (r < 0)
			return r;
		po.platform = &want;
	}
	if (!streq(a->pull, "always")) {
		r = store_image_get(s, a->image, ret, err);
		/* docker's daemon answers "no such image" for another platform's */
		if (r >= 0 && a->platform && !image_is_platform(*ret, &want))
			r = platform_mismatch(a->image, &want, ret, err);
		if (r != -ENOENT || streq(a->pull, "never")) {
			platform_release(&want);
			return r;
		}
		*err = err_free(*err);
	}
	r = ref_parse(a->image, &ref, err);
	if (r < 0) {
		platform_release(&want);
		return r;
	}
	if (!streq(a->pull, "always")) {
		_cleanup_free_ char *fam = ref_familiar(&ref);
		fprintf(stderr, "Unable to find image '%s' locally\n", fam);
	}
	ref_release(&ref);
	r = reg_config_load(&cfg, err);
	if (r >= 0)
		r = image_pull(s, cfg, a->image, &po, &res, err);
	if (r < 0) {
		err_set_exit(err,
			     125); /* docker run's status for every error not the container's */
		platform_release(&want);
		return r;
	}
	if (!a->quiet_pull)
		fprintf(stderr, "Digest: %s\nStatus: %s for %s\n", res.digest,
			res.up_to_date ? "Image is up to date" : "Downloaded newer image",
			res.familiar);
	r = store_image_load(s, res.manifest_digest, ret, err);
	/* the registry had another platform's image only (pulled, with a warning) */
	if (r >= 0 && a->platform && !image_is_platform(*ret, &want)) {
		r = platform_mismatch(a->image, &want, ret, err);
		err_set_exit(err, 125);
	}
	pull_result_release(&res);
	platform_release(&want);
	return r;
}

/* The flags of run and create; returns -1 to go on, else the exit code. */
static int run_parse(const struct cli_command *base, int argc, char **argv, struct run_args *a)
{
	const char *name = base->name;
	enum {
		OPT_RM = 256,
		OPT_NAME,
		OPT_ENTRYPOINT,
		OPT_NETWORK,
		OPT_IP,
		OPT_IP6,
		OPT_MAC_ADDRESS,
		OPT_NETWORK_ALIAS,
		OPT_INIT,
		OPT_STOP_SIGNAL,
		OPT_STOP_TIMEOUT,
		OPT_GROUP_ADD,
		OPT_ENV_FILE,
		OPT_ADD_HOST,
		OPT_DNS,
		OPT_DNS_SEARCH,
		OPT_DNS_OPTION,
		OPT_READ_ONLY,
		OPT_TMPFS,
		OPT_DETACH_KEYS,
		OPT_SIG_PROXY,
		OPT_MOUNT,
		OPT_RESTART,
		OPT_LOG_DRIVER,
		OPT_LOG_OPT,
		/* security (issue 7) */
		OPT_CAP_ADD,
		OPT_CAP_DROP,
		OPT_PRIVILEGED,
		OPT_SECURITY_OPT,
		OPT_USERNS,
		OPT_PID,
		OPT_IPC,
		OPT_UTS,
		OPT_CGROUPNS,
		OPT_SYSCTL,
		OPT_SHM_SIZE,
		OPT_CIDFILE,
		OPT_DEVICE,
		OPT_DEVICE_CGROUP_RULE,
		OPT_PULL,
		OPT_PLATFORM,
		OPT_LABEL_FILE,
		OPT_EXPOSE,
		OPT_VOLUMES_FROM,
		OPT_HEALTH_INTERVAL, /* the four durations, in health_flags' order */
		OPT_HEALTH_TIMEOUT,
		OPT_HEALTH_START_PERIOD,
		OPT_HEALTH_START_INTERVAL,
		OPT_HEALTH_CMD,
		OPT_HEALTH_RETRIES,
		OPT_NO_HEALTHCHECK,
	};
	const struct cli_option options[] = {
		CLI_LIST_ID(0, "add-host", OPT_ADD_HOST, NULL,
			    "Add a custom host-to-IP mapping (host:ip)"),
		CLI_LIST_ID('a', "attach", 'a', NULL, "Attach to STDIN, STDOUT or STDERR"),
		CLI_LIST_ID(0, "cap-add", OPT_CAP_ADD, NULL, "Add Linux capabilities"),
		CLI_LIST_ID(0, "cap-drop", OPT_CAP_DROP, NULL, "Drop Linux capabilities"),
		CLI_STRING_ID(0, "cgroupns", OPT_CGROUPNS, NULL,
			      "Cgroup namespace to use (host|private)"),
		CLI_STRING_ID(0, "cidfile", OPT_CIDFILE, NULL,
			      "Write the container ID to the file"),
		CLI_BOOL_ID('d', "detach", 'd',
			    "Run container in background and print container ID"),
		CLI_LIST_ID(0, "dns", OPT_DNS, NULL, "Set custom DNS servers"),
		CLI_LIST_ID(0, "dns-option", OPT_DNS_OPTION, NULL, "Set DNS options"),
		CLI_HIDDEN_ID("dns-opt", CLI_KIND_LIST, OPT_DNS_OPTION),
		CLI_LIST_ID(0, "dns-search", OPT_DNS_SEARCH, NULL, "Set custom DNS search domains"),
		CLI_STRING_ID(0, "detach-keys", OPT_DETACH_KEYS, NULL,
			      "Override the key sequence for detaching a container"),
		CLI_LIST_ID(0, "device", OPT_DEVICE, NULL, "Add a host device to the container"),
		CLI_LIST_ID(0, "device-cgroup-rule", OPT_DEVICE_CGROUP_RULE, NULL,
			    "Add a rule to the cgroup allowed devices list"),
		CLI_STRING_ID(0, "entrypoint", OPT_ENTRYPOINT, NULL,
			      "Overwrite the default ENTRYPOINT of the image"),
		CLI_LIST_ID('e', "env", 'e', NULL, "Set environment variables"),
		CLI_LIST_ID(0, "env-file", OPT_ENV_FILE, NULL,
			    "Read in a file of environment variables"),
		CLI_LIST_ID(0, "expose", OPT_EXPOSE, NULL, "Expose a port or a range of ports"),
		CLI_LIST_ID(0, "group-add", OPT_GROUP_ADD, NULL, "Add additional groups to join"),
		CLI_STRING_ID(0, "health-cmd", OPT_HEALTH_CMD, NULL,
			      "Command to run to check health"),
		CLI_STRING_ID(0, "health-interval", OPT_HEALTH_INTERVAL, "duration",
			      "Time between running the check (ms|s|m|h) (default 0s)"),
		CLI_INT_ID(0, "health-retries", OPT_HEALTH_RETRIES, NULL,
			   "Consecutive failures needed to report unhealthy"),
		CLI_STRING_ID(0, "health-start-interval", OPT_HEALTH_START_INTERVAL, "duration",
			      "Time between running the check during the start period (ms|s|m|h) "
			      "(default 0s)"),
		CLI_STRING_ID(0, "health-start-period", OPT_HEALTH_START_PERIOD, "duration",
			      "Start period for the container to initialize before starting "
			      "health-retries countdown (ms|s|m|h) (default 0s)"),
		CLI_STRING_ID(0, "health-timeout", OPT_HEALTH_TIMEOUT, "duration",
			      "Maximum time to allow one check to run (ms|s|m|h) (default 0s)"),
		CLI_STRING_ID('h', "hostname", 'h', NULL, "Container host name"),
		CLI_BOOL_ID(0, "init", OPT_INIT,
			    "Run an init inside the container that forwards signals and reaps "
			    "processes"),
		CLI_BOOL_ID('i', "interactive", 'i', "Keep STDIN open even if not attached"),
		CLI_STRING_ID(0, "ip", OPT_IP, NULL, "IPv4 address (e.g., 172.30.100.104)"),
		CLI_STRING_ID(0, "ip6", OPT_IP6, NULL, "IPv6 address (e.g., 2001:db8::33)"),
		CLI_STRING_ID(0, "ipc", OPT_IPC, NULL, "IPC mode to use"),
		CLI_LIST_ID('l', "label", 'l', NULL, "Set meta data on a container"),
		CLI_LIST_ID(0, "label-file", OPT_LABEL_FILE, NULL,
			    "Read in a line delimited file of labels"),
		CLI_STRING_ID(0, "log-driver", OPT_LOG_DRIVER, NULL,
			      "Logging driver for the container (json-file, local, none)"),
		CLI_LIST_ID(0, "log-opt", OPT_LOG_OPT, NULL,
			    "Log driver options (max-size, max-file, compress)"),
		CLI_STRING_ID(0, "mac-address", OPT_MAC_ADDRESS, NULL,
			      "Container MAC address (e.g., 92:d0:c6:0a:29:33)"),
		CLI_LIST_ID(0, "mount", OPT_MOUNT, "mount",
			    "Attach a filesystem mount to the container"),
		CLI_STRING_ID(0, "name", OPT_NAME, NULL, "Assign a name to the container"),
		CLI_STRING_ID(0, "network", OPT_NETWORK, "network",
			      "Connect a container to a network (bridge, host, none, "
			      "container:NAME, or a network of `hull network create`)"),
		CLI_HIDDEN_ID("net", CLI_KIND_STRING, OPT_NETWORK),
		CLI_LIST_ID(0, "network-alias", OPT_NETWORK_ALIAS, NULL,
			    "Add network-scoped alias for the container"),
		CLI_HIDDEN_ID("net-alias", CLI_KIND_LIST, OPT_NETWORK_ALIAS),
		CLI_BOOL_ID(0, "no-healthcheck", OPT_NO_HEALTHCHECK,
			    "Disable any container-specified HEALTHCHECK"),
		CLI_STRING_ID(0, "pid", OPT_PID, NULL,
			      "PID namespace to use (host, container:NAME)"),
		CLI_STRING_ID(0, "platform", OPT_PLATFORM, NULL,
			      "Set platform if server is multi-platform capable"),
		CLI_BOOL_ID(0, "privileged", OPT_PRIVILEGED,
			    "Give extended privileges to this container"),
		CLI_LIST_ID('p', "publish", 'p', NULL, "Publish a container's port(s) to the host"),
		CLI_BOOL_ID('P', "publish-all", 'P', "Publish all exposed ports to random ports"),
		CLI_STRING_ID(0, "pull", OPT_PULL, NULL,
			      "Pull image before running (\"always\", \"missing\", \"never\") "
			      "(default \"missing\")"),
		CLI_BOOL_ID('q', "quiet", 'q', "Suppress the pull output"),
		CLI_BOOL_ID(0, "read-only", OPT_READ_ONLY,
			    "Mount the container's root filesystem as read only"),
		CLI_STRING_ID(0, "restart", OPT_RESTART, NULL,
			      "Restart policy to apply when a container exits (default \"no\")"),
		CLI_BOOL_ID(0, "rm", OPT_RM,
			    "Automatically remove the container and its associated anonymous "
			    "volumes when it exits"),
		CLI_LIST_ID(0, "security-opt", OPT_SECURITY_OPT, NULL, "Security Options"),
		CLI_STRING_ID(0, "shm-size", OPT_SHM_SIZE, "bytes", "Size of /dev/shm"),
		CLI_BOOL(0, "sig-proxy", &a->sig_proxy,
			 "Proxy received signals to the process (default true)"),
		CLI_STRING_ID(0, "stop-signal", OPT_STOP_SIGNAL, NULL,
			      "Signal to stop the container"),
		CLI_INT_ID(0, "stop-timeout", OPT_STOP_TIMEOUT, NULL,
			   "Timeout (in seconds) to stop a container"),
		CLI_LIST_ID(0, "sysctl", OPT_SYSCTL, "map", "Sysctl options (default map[])"),
		CLI_LIST_ID(0, "tmpfs", OPT_TMPFS, NULL, "Mount a tmpfs directory"),
		CLI_BOOL_ID('t', "tty", 't', "Allocate a pseudo-TTY"),
		CLI_STRING_ID('u', "user", 'u', NULL,
			      "Username or UID (format: <name|uid>[:<group|gid>])"),
		CLI_STRING_ID(0, "userns", OPT_USERNS, NULL,
			      "User namespace to use (only \"host\")"),
		CLI_STRING_ID(0, "uts", OPT_UTS, NULL, "UTS namespace to use (host)"),
		CLI_LIST_ID('v', "volume", 'v', NULL, "Bind mount a volume"),
		CLI_LIST_ID(0, "volumes-from", OPT_VOLUMES_FROM, NULL,
			    "Mount volumes from the specified container(s)"),
		CLI_STRING_ID('w', "workdir", 'w', NULL, "Working directory inside the container"),
		/* resource limits (cli/update.c) */
		/* clang-format off */
		CLI_RES_FLAGS(CLI_RES_OPTION, CLI_RES_OPTION)
		/* clang-format on */
		CLI_OPT_END,
	};
	struct cli_command cmd = *base;
	struct cli_parse p;
	struct run_opts *ro = &a->ro;
	struct hull_err *e = NULL;
	unsigned n_network = 0;
	int o;

	a->cid = (struct hostpath_output) HOSTPATH_OUTPUT_INIT;
	*ro = (struct run_opts){.network = "bridge", .out_fd = -1, .stop_timeout = -1};
	a->sig_proxy = true;
	a->pull = "missing";
	cmd.options = options;
	cli_parse_init(&p, &cmd, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		const char *optarg = p.arg;

		switch (o) {
		case 'd':
			ro->detach = true;
			break;
		case 'a': {
			int bit = run_attach_parse(optarg);
			if (bit < 0)
				return cli_flag_error(name, "-a, --attach", optarg,
						      "valid streams are STDIN, STDOUT and STDERR");
			ro->attach |= (unsigned) bit;
			break;
		}
		case OPT_RM:
			ro->auto_remove = true;
			break;
		case OPT_NAME:
			ro->name = *optarg ? optarg : NULL; /* --name "" means a generated one */
			break;
		case OPT_CIDFILE:
			a->cidfile = *optarg ? optarg : NULL; /* docker: "" means none */
			break;
		case OPT_PULL:
			if (!streq(optarg, "missing") && !streq(optarg, "always") &&
			    !streq(optarg, "never"))
				return cli_usage_error(name,
						       "invalid pull option: '%s': must be one of "
						       "\"always\", \"missing\" or \"never\"",
						       optarg);
			a->pull = optarg;
			break;
		case OPT_PLATFORM: {
			struct platform p = {0};
			struct hull_err *e = NULL;
			if (platform_parse(optarg, &p, &e) < 0) {
				fprintf(stderr, "hull: %s\n", e->msg);
				err_free(e);
				return 125;
			}
			platform_release(&p);
			a->platform = *optarg ? optarg : NULL;
			break;
		}
		case 'q':
			a->quiet_pull = true;
			break;
		case 'l':
			strv_push(&a->labels, optarg);
			break;
		case OPT_EXPOSE:
			if (expose_parse(optarg, &a->expose) < 0)
				return cli_usage_error(
					name, "invalid range format for --expose: %s", optarg);
			break;
		case OPT_LABEL_FILE:
			if (env_file_read(optarg, &a->label_files, &e) < 0)
				return cli_fail_as(e, 125);
			break;
		case 'p':
			if (net_port_parse(optarg, &a->ports, &ro->n_ports, &e) < 0)
				return cli_fail_as(e, 125);
			break;
		case 'P':
			ro->publish_all = true;
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
				return cli_fail_as(e, 125);
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
			if (n_network++) {
				strv_push(&a->networks, optarg); /* joined as by network connect */
				break;
			}
			if (streq(optarg, "default"))
				ro->network = "bridge";
			else if (isempty(optarg)) {
				fprintf(stderr, "hull: network %s not found\n", optarg);
				return 125;
			} else
				/* a user network or container:NAME: container_create() checks */
				ro->network = optarg;
			break;
		case OPT_IP:
			ro->ip = optarg;
			break;
		case OPT_IP6:
			ro->ip6 = optarg;
			break;
		case OPT_MAC_ADDRESS: {
			char canon[18];

			/* docker/cli opts.go parse: net.ParseMAC */
			if (net_mac_parse(optarg, canon) < 0)
				return cli_usage_error(name, "%s is not a valid mac address",
						       optarg);
			ro->mac_address = optarg;
			break;
		}
		case OPT_NETWORK_ALIAS:
			strv_push(&a->aliases, optarg);
			break;
		case OPT_INIT:
			ro->init = true;
			break;
		case 'v':
			strv_push(&a->volumes, optarg);
			break;
		case OPT_MOUNT:
			strv_push(&a->mounts, optarg);
			break;
		case OPT_VOLUMES_FROM:
			strv_push(&a->volumes_from, optarg);
			break;
		case OPT_RESTART:
			ro->restart = optarg;
			break;
		case OPT_LOG_DRIVER:
			ro->log_driver = optarg; /* checked with the options at create */
			break;
		case OPT_LOG_OPT:
			strv_push(&a->log_opts, optarg);
			break;
		case OPT_DEVICE: {
			_cleanup_free_ char *h = NULL, *c = NULL, *p = NULL;
			if (container_device_parse(optarg, &h, &c, &p, &e) < 0) {
				int code = cli_flag_error(name, "--device", optarg, "%s", e->msg);
				err_free(e);
				return code;
			}
			strv_push(&a->devices, optarg);
			break;
		}
		case OPT_DEVICE_CGROUP_RULE:
			if (container_device_cgroup_rule_check(optarg, &e) < 0) {
				int code = cli_flag_error(name, "--device-cgroup-rule", optarg,
							  "%s", e->msg);
				err_free(e);
				return code;
			}
			strv_push(&a->dev_rules, optarg);
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
				return cli_flag_error(name, "--stop-timeout", optarg,
						      "invalid syntax");
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
		case OPT_DNS:
			/* docker/cli opts.ValidateIPAddress */
			if (!cli_ip_valid(optarg))
				return cli_flag_error(name, "--dns", optarg,
						      "IP address is not correctly formatted: %s",
						      optarg);
			strv_push(&a->dns, optarg);
			break;
		case OPT_DNS_SEARCH:
			if (!cli_dns_search_valid(optarg))
				return cli_flag_error(name, "--dns-search", optarg,
						      "%s is not a valid domain", optarg);
			{
				/* stored as docker/cli keeps it: without a trailing dot */
				size_t l = strlen(optarg);
				if (l > 1 && optarg[l - 1] == '.')
					l--;
				strv_consume(&a->dns_search, xstrndup(optarg, l));
			}
			break;
		case OPT_DNS_OPTION:
			/* one word of resolv.conf's options line: nothing that would start another
			 */
			for (const char *c = optarg; *c; c++)
				if (isspace((unsigned char) *c) || iscntrl((unsigned char) *c))
					return cli_flag_error(name, "--dns-option", optarg,
							      "a DNS option is one word");
			if (!*optarg)
				return cli_flag_error(name, "--dns-option", optarg,
						      "a DNS option is one word");
			strv_push(&a->dns_options, optarg);
			break;
		case OPT_ADD_HOST:
			if (cli_add_host_check(name, optarg))
				return 125;
			strv_push(&a->hosts, optarg);
			break;
		case OPT_READ_ONLY:
			ro->read_only = true;
			break;
		case OPT_TMPFS:
			if (optarg[0] != '/')
				return cli_usage_error(
					name, "invalid tmpfs '%s': mount path must be absolute",
					optarg);
			if (strchr(optarg, ':')) {
				/* a file system's options: not a bind's, nor hull's own "x-hull."
				 * ones, which the spec's parser would take as such */
				_cleanup_free_ char *opts = xstrdup(strchr(optarg, ':') + 1);
				char *save = NULL;

				for (char *o = strtok_r(opts, ",", &save); o;
				     o = strtok_r(NULL, ",", &save))
					if (streq(o, "bind") || streq(o, "rbind") ||
					    startswith(o, "x-"))
						return cli_usage_error(
							name, "invalid tmpfs option '%s' in '%s'",
							o, optarg);
			}
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
			a->sig_proxy = true;
			if (optarg && cli_parse_bool(optarg, &a->sig_proxy) < 0)
				return cli_flag_error(
					name, "--sig-proxy", optarg,
					"strconv.ParseBool: parsing \"%s\": invalid syntax",
					optarg);
			break;
		case OPT_CAP_ADD:
		case OPT_CAP_DROP: {
			/* moby NormalizeLegacyCapabilities, at create as the daemon does */
			char *n = container_caps_normalize(optarg);
			if (!n) {
				_cleanup_free_ char *up = xstrdup(optarg);
				for (char *q = up; *q; q++)
					*q = (char) toupper((unsigned char) *q);
				fprintf(stderr, "hull: invalid %s: unknown capability: \"%s%s\"\n",
					o == OPT_CAP_ADD ? "CapAdd" : "CapDrop",
					startswith(up, "CAP_") ? "" : "CAP_", up);
				return 125;
			}
			strv_consume(o == OPT_CAP_ADD ? &a->cap_add : &a->cap_drop, n);
			break;
		}
		case OPT_PRIVILEGED:
			ro->privileged = true;
			break;
		case OPT_SECURITY_OPT: {
			const char *note = NULL;
			char *stored = NULL;
			if (container_security_opt(optarg, &stored, &note, &e) < 0)
				return cli_fail_as(e, 125);
			if (note)
				fprintf(stderr, "WARNING: %s\n", note);
			strv_consume(&a->security_opt, stored);
			break;
		}
		case OPT_PID:
			if (*optarg && !streq(optarg, "host") &&
			    !(startswith(optarg, "container:") && optarg[10])) {
				fprintf(stderr, "hull: --pid: invalid PID mode\n");
				return 125;
			}
			ro->pid_mode = optarg;
			break;
		case OPT_IPC:
			if (*optarg && !streq(optarg, "host") && !streq(optarg, "private") &&
			    !streq(optarg, "none") && !streq(optarg, "shareable") &&
			    !(startswith(optarg, "container:") && optarg[10])) {
				fprintf(stderr, "hull: --ipc: invalid IPC mode\n");
				return 125;
			}
			ro->ipc_mode = optarg;
			break;
		case OPT_UTS:
			if (*optarg && !streq(optarg, "host")) {
				fprintf(stderr, "hull: --uts: invalid UTS mode\n");
				return 125;
			}
			ro->uts_mode = optarg;
			break;
		case OPT_CGROUPNS:
			if (!streq(optarg, "host") && !streq(optarg, "private")) {
				fprintf(stderr, "hull: --cgroupns: invalid CGROUP mode\n");
				return 125;
			}
			ro->cgroupns_mode = optarg;
			break;
		case OPT_SYSCTL:
			if (!container_sysctl_valid(optarg))
				return cli_flag_error(name, "--sysctl", optarg,
						      "sysctl '%s' is not whitelisted", optarg);
			strv_push(&a->sysctls, optarg);
			break;
		case OPT_SHM_SIZE:
			if (units_ram_in_bytes(optarg, &ro->shm_size) < 0 || ro->shm_size == 0)
				return cli_flag_error(name, "--shm-size", optarg,
						      "invalid size: '%s'", optarg);
			break;
		case OPT_USERNS:
			/* docker's only value besides the daemon's default; hull has no remapping
			 */
			if (!streq(optarg, "host") && *optarg) {
				fprintf(stderr,
					"hull: --userns=%s: user namespaces are not supported yet "
					"(only --userns=host, the default)\n",
					optarg);
				return 125;
			}
			break;
		case OPT_HEALTH_CMD:
			a->health_cmd = optarg;
			break;
		case OPT_HEALTH_INTERVAL:
		case OPT_HEALTH_TIMEOUT:
		case OPT_HEALTH_START_PERIOD:
		case OPT_HEALTH_START_INTERVAL: {
			int k = o - OPT_HEALTH_INTERVAL;
			if (units_duration_parse(optarg, &a->health_ns[k], &e) < 0) {
				int code = cli_flag_error(name, health_flags[k][0], optarg, "%s",
							  e->msg);
				err_free(e);
				return code;
			}
			break;
		}
		case OPT_HEALTH_RETRIES: {
			/* pflag's int: strconv.ParseInt */
			char *end;
			errno = 0;
			a->health_retries = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || a->health_retries > INT32_MAX ||
			    a->health_retries < INT32_MIN)
				return cli_flag_error(name, "--health-retries", optarg,
						      "strconv.ParseInt: parsing \"%s\": %s",
						      optarg,
						      (*optarg && !*end) ? "value out of range"
									 : "invalid syntax");
			break;
		}
		case OPT_NO_HEALTHCHECK:
			a->no_healthcheck = true;
			break;
		default: {
			int r = cli_resource_opt(name, &a->resources, o, optarg);
			if (r >= 0)
				return r ? r : 125;
			break;
		}
		}
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	{
		int r = health_config(name, a);
		if (r >= 0)
			return r;
		ro->healthcheck = a->health;
	}
	if (streq(name, "run") && ro->detach && ro->attach) {
		/* docker/cli run.go: an error of the client's own, so exit 1 */
		fprintf(stderr, "hull: Conflicting options: -a and -d\n");
		return 1;
	}
	if (streq(name, "run") && ro->tty && (run_attached(ro) & RUN_ATTACH_STDIN) &&
	    !isatty(STDIN_FILENO)) {
		/* docker/cli run.go: -it (or -t -a stdin) needs a terminal on stdin */
		fprintf(stderr, "hull: the input device is not a TTY\n");
		return 1;
	}
	if (ro->n_ports && (streq(ro->network, "host") || streq(ro->network, "none"))) {
		fprintf(stderr,
			"WARNING: Published ports are discarded when using %s network mode\n",
			ro->network);
		ro->n_ports = 0;
	}
	if (streq(ro->network, "host") || streq(ro->network, "none"))
		ro->publish_all = false; /* nothing to publish from (moby: no port mapping there) */
	a->image = argv[p.ind];
	for (int i = p.ind + 1; i < argc; i++)
		strv_push(&a->cmd, argv[i]);
	ro->env = a->env;
	/* docker: the files' labels first, then -l's, which win (ConvertKVStringsToMap) */
	STRV_FOREACH (l, a->labels)
		strv_push(&a->label_files, *l);
	ro->labels = a->label_files;
	ro->expose = a->expose;
	ro->entrypoint = a->ep;
	ro->cmd = a->cmd;
	ro->ports = a->ports;
	ro->group_add = a->groups;
	ro->add_hosts = a->hosts;
	ro->dns = a->dns;
	ro->dns_search = a->dns_search;
	ro->dns_options = a->dns_options;
	ro->tmpfs = a->tmpfs;
	ro->volumes = a->volumes;
	ro->mounts = a->mounts;
	ro->volumes_from = a->volumes_from;
	ro->aliases = a->aliases;
	ro->networks = a->networks;
	ro->cap_add = a->cap_add;
	ro->cap_drop = a->cap_drop;
	ro->security_opt = a->security_opt;
	ro->sysctls = a->sysctls;
	ro->log_opts = a->log_opts;
	if (ro->hostname && ro->uts_mode && streq(ro->uts_mode, "host")) {
		fprintf(stderr, "hull: Conflicting options: hostname and the UTS mode\n");
		return 125;
	}
	ro->devices = a->devices;
	ro->device_cgroup_rules = a->dev_rules;
	ro->resources = a->resources;
	ro->warnings = &a->warnings;
	if (streq(name, "run") && ro->restart && *ro->restart && !streq(ro->restart, "no") &&
	    !ro->detach && !ro->auto_remove) {
		fprintf(stderr,
			"hull: --restart %s needs -d (--detach): without a daemon, the "
			"container's monitor restarts it and a foreground run ends at the "
			"first exit\n",
			ro->restart);
		return 125;
	}
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

	/*
	 * docker/cli create.go newCIDFile: the file is made before the container,
	 * so a second run with the same file fails instead of taking it over;
	 * run_args_release() removes it if no id was written.
	 */
	if (a->cidfile) {
		r = hostpath_output_create(a->cidfile, 0666, &a->cid, &e);
		if (r == -EEXIST) {
			e = err_free(e);
			err_setx(&e, EEXIST,
				 "container ID file found, make sure the other container isn't "
				 "running or delete %s",
				 a->cidfile);
		} else if (r < 0) {
			err_wrap(&e, "failed to create the container ID file");
		}
		if (r < 0)
			return cli_fail_as(e, 125);
	}
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail_as(e, 125);
	r = run_image(s, a, &img, &e);
	if (r < 0)
		return cli_fail_as(e, 125);
	r = container_create(s, cl->runroot, img, a->image, &a->ro, ret, &e);
	image_free(img);
	STRV_FOREACH (w, a->warnings)
		fprintf(stderr, "WARNING: %s\n", *w);
	if (r < 0)
		return cli_fail_as(e, 125);
	if (a->cidfile) {
		/* the full id, no newline (cidFile.Write) */
		r = write_all(a->cid.fd, (*ret)->id, strlen((*ret)->id));
		if (r < 0)
			err_set(&e, -r, "failed to write the container ID to the file");
		else
			r = hostpath_output_commit(&a->cid, &e);
		if (r < 0) {
			*ret = container_free(*ret);
			return cli_fail_as(e, 125);
		}
	}
	*ret_s = s;
	return -1;
}

/*
 * Attach to a container whose monitor was started with container_start_attach():
 * the RUN_ATTACH_* streams of @attached; stdin reaches only a container with
 * -i (Config.OpenStdin). With stdin alone, return at the end of our stdin.
 */
int cli_attach_started(struct container *c, int sock, unsigned attached, const char *detach_keys,
		       bool sig_proxy, int fail_code)
{
	json_t *cfg = json_object_get(c->rec, "Config");
	bool out = attached & (RUN_ATTACH_STDOUT | RUN_ATTACH_STDERR);
	struct attach_opts ao = {
		.stdin = (attached & RUN_ATTACH_STDIN) &&
			 json_is_true(json_object_get(cfg, "OpenStdin")),
		.tty = json_is_true(json_object_get(cfg, "Tty")),
		.sig_proxy = sig_proxy,
		.pid = c->state.pid,
		.detach_keys = detach_keys,
		.out_fd = attached & RUN_ATTACH_STDOUT ? STDOUT_FILENO : -1,
		.err_fd = attached & RUN_ATTACH_STDERR ? STDERR_FILENO : -1,
		.until_stdin_eof = !out,
	};
	struct hull_err *e = NULL;
	bool detached = false;
	int code = 0;

	fflush(stdout);
	if (container_attach_fd(c, sock, &ao, &code, &detached, &e) < 0)
		return cli_fail_as(e, fail_code);
	return detached ? 0 : code;
}

int cmd_run(struct cli *cl, int argc, char **argv)
{
	struct run_args a = {0};
	struct hull_err *e = NULL;
	struct store *s = NULL;
	struct container *c = NULL;
	unsigned attached;
	int r, code = 0;

	r = run_parse(&cli_run_command, argc, argv, &a);
	if (r < 0)
		r = run_create(cl, &a, &s, &c);
	if (r >= 0) {
		run_args_release(&a);
		return r;
	}
	attached = run_attached(&a.ro);
	if (!a.ro.detach && (a.ro.tty || !(attached & (RUN_ATTACH_STDOUT | RUN_ATTACH_STDERR)))) {
		/*
		 * a pty lives in a detached monitor; we attach to it (so ctrl-p ctrl-q
		 * works). So does a container with only stdin attached (-a stdin): as
		 * docker's client, we print its id, send our stdin and leave it running.
		 */
		struct winsize ws;
		int sock = -1;
		if (isatty(STDIN_FILENO) && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
			a.ro.tty_rows = ws.ws_row;
			a.ro.tty_cols = ws.ws_col;
		}
		r = container_start_attach(s, cl->runroot, c, &a.ro, &sock, &e);
		if (r < 0) {
			code = cli_fail_as(e, 125);
		} else {
			bool out = attached & (RUN_ATTACH_STDOUT | RUN_ATTACH_STDERR);
			if (!out) {
				printf("%s\n", c->id);
				fflush(stdout);
			}
			code = cli_attach_started(c, sock, attached, a.detach_keys, a.sig_proxy,
						  125);
			if (!out)
				code = 0;
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
		return cli_fail_as(e, 125);
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

	r = run_parse(&cli_create_command, argc, argv, &a);
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

/* bytes of @s's first @chars UTF-8 characters (all of @s if it has fewer) */
static size_t utf8_prefix(const char *s, size_t chars)
{
	size_t i = 0;

	for (; s[i] && chars; chars--)
		do
			i++;
		while ((s[i] & 0xC0) == 0x80);
	return i;
}

/* The row of one container: docker's ps formatter fields. */
/*
 * The IMAGE column of a container whose reference has since moved to another
 * image, or is gone: the image id, short unless --no-trunc (moby's
 * daemon/list.go refreshImage() with docker/cli's ContainerContext.Image()).
 */
static void ps_refresh_image(struct store *s, struct container *c, bool no_trunc, json_t *row)
{
	const char *ref = json_get_str(json_object_get(c->rec, "Config"), "Image");
	const char *id = json_get_str(c->rec, "Image");
	_cleanup_image_ struct image *img = NULL;

	if (!ref || !id || streq(ref, id))
		return;
	if (store_image_get(s, ref, &img, NULL) == 0 && streq(img->id, id))
		return;
	(void) json_object_set_new(row, "Image", json_string(no_trunc ? id : short_id(id)));
}

json_t *ps_row(struct container *c, bool no_trunc, struct store *size, const struct timespec *now)
{
	const struct container_state *st = &c->state;
	const char *state = container_ps_state(c);
	_cleanup_free_ char *cmdline = NULL, *quoted = NULL, *ago = NULL, *created = NULL,
			    *status = NULL, *ports = NULL, *created_at = NULL;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT, lab = STRBUF_INIT, mnt = STRBUF_INIT;
	double ct = time_parse_rfc3339(json_get_str(c->rec, "Created"));
	json_t *row, *a;
	const char *k;
	size_t i, local_volumes = 0;

	/* moby's daemon (list.go) puts an argument with a space in single quotes */
	(void) strbuf_adds(&sb, json_get_str(c->rec, "Path"));
	json_array_foreach (json_object_get(c->rec, "Args"), i, a) {
		const char *arg = json_string_value(a) ?: "";
		(void) strbuf_addf(&sb, strchr(arg, ' ') ? " '%s'" : " %s", arg);
	}
	cmdline = strbuf_detach(&sb, NULL);
	/* and docker's client cuts it to 20 characters, then Go-quotes it */
	{
		_cleanup_strbuf_ struct strbuf q = STRBUF_INIT;
		size_t n = strlen(cmdline);
		if (!no_trunc && utf8_prefix(cmdline, 20) < n)
			n = utf8_prefix(cmdline, 19);
		(void) strbuf_addch(&q, '"');
		for (size_t j = 0; j < n; j++) {
			if (cmdline[j] == '"' || cmdline[j] == '\\')
				(void) strbuf_addch(&q, '\\');
			(void) strbuf_addch(&q, cmdline[j]);
		}
		if (n < strlen(cmdline))
			(void) strbuf_adds(&q, "…");
		(void) strbuf_addch(&q, '"');
		quoted = strbuf_detach(&q, NULL);
	}
	ago = human_duration((double) now->tv_sec - ct);
	created = xasprintf("%s ago", ago);
	{
		char buf[64];
		time_t t = (time_t) ct;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
		created_at = xstrdup(buf);
	}
	if (streq(state, "restarting")) {
		_cleanup_free_ char *fin =
			human_duration((double) now->tv_sec - (double) st->finished_at / 1e9);
		status = xasprintf("Restarting (%d) %s ago", st->exit_code, fin);
	} else if (streq(state, "running")) {
		_cleanup_free_ char *up =
			human_duration((double) now->tv_sec - (double) st->started_at / 1e9);
		const char *health = container_health_status(c->rec);
		/* moby State.String(): paused, or the health in brackets ("health: starting") */
		if (st->status == CONTAINER_PAUSED)
			status = xasprintf("Up %s (Paused)", up);
		else if (health)
			status = xasprintf("Up %s (%s%s)", up,
					   streq(health, "starting") ? "health: " : "", health);
		else
			status = xasprintf("Up %s", up);
		_cleanup_free_ struct container_port *p = NULL;
		size_t n;
		container_ports(c, state, &p, &n);
		ports = container_ports_display(p, n);
	} else if (streq(state, "exited")) {
		_cleanup_free_ char *fin =
			human_duration((double) now->tv_sec - (double) st->finished_at / 1e9);
		status = xasprintf("Exited (%d) %s ago", st->exit_code, fin);
	} else {
		status = xstrdup("Created");
	}
	json_object_foreach (json_object_get(json_object_get(c->rec, "Config"), "Labels"), k, a)
		(void) strbuf_addf(&lab, "%s%s=%s", lab.len ? "," : "", k, json_string_value(a));
	json_array_foreach (json_object_get(c->rec, "Mounts"), i, a) {
		const char *n = json_get_str(a, "Name");
		if (streq(json_get_str(a, "Type") ?: "", "volume"))
			local_volumes++;
		(void) strbuf_addf(&mnt, "%s%s", mnt.len ? "," : "",
				   n ? (no_trunc || strlen(n) < 16 ? n : short_id(n))
				     : json_get_str(a, "Source"));
	}
	row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "ID",
			no_trunc ? c->id : short_id(c->id), "Image",
			json_get_str(json_object_get(c->rec, "Config"), "Image"), "Command", quoted,
			"CreatedAt", created_at, "RunningFor", created, "Ports", ports ? ports : "",
			"Status", status, "Names", json_get_str(c->rec, "Name") + 1, "Labels",
			strbuf_cstr(&lab), "Mounts", strbuf_cstr(&mnt), "Networks",
			json_get_str(json_object_get(c->rec, "HostConfig"), "NetworkMode"), "State",
			state);
	if (size) {
		/* docker/cli's ContainerContext.Size(): "RW (virtual ROOTFS)", 3 digits */
		int64_t rw, rootfs;
		_cleanup_free_ char *hrw = NULL, *hroot = NULL;

		container_size(size, c, &rw, &rootfs);
		hrw = human_size_prec((double) rw, 3);
		hroot = human_size_prec((double) rootfs, 3);
		json_object_set_new(row, "Size", json_sprintf("%s (virtual %s)", hrw, hroot));
	} else {
		json_object_set_new(row, "Size", json_string("0B")); /* docker's SizeRw of 0 */
	}
	json_object_set_new(row, "LocalVolumes", json_sprintf("%zu", local_volumes));
	return row;
}

/* docker's column titles of ps --format "table ..." */
static const char *const ps_headers[][2] = {
	{"ID", "CONTAINER ID"},	   {"Image", "IMAGE"},
	{"Command", "COMMAND"},	   {"CreatedAt", "CREATED AT"},
	{"RunningFor", "CREATED"}, {"Ports", "PORTS"},
	{"Status", "STATUS"},	   {"Size", "SIZE"},
	{"Names", "NAMES"},	   {"Labels", "LABELS"},
	{"Mounts", "MOUNTS"},	   {"Networks", "NETWORKS"},
	{"State", "STATE"},	   {NULL, NULL},
};

static const struct cli_option ps_options[] = {
	CLI_BOOL_ID('a', "all", 'a', "Show all containers (default shows just running)"),
	CLI_LIST_ID('f', "filter", 'f', "filter",
		    "Filter output based on conditions provided (status, name, ancestor, label, "
		    "id, exited, health, before, since)"),
	CLI_STRING_ID(0, "format", 'F', NULL, CLI_FORMAT_HELP),
	CLI_INT_ID('n', "last", 'n', NULL, "Show n last created containers (includes all states)"),
	CLI_BOOL_ID('l', "latest", 'l', "Show the latest created container (includes all states)"),
	CLI_BOOL_ID(0, "no-trunc", 'N', "Don't truncate output"),
	CLI_BOOL_ID('q', "quiet", 'q', "Only display container IDs"),
	CLI_BOOL_ID('s', "size", 's', "Display total file sizes"),
	CLI_OPT_END,
};
const struct cli_command cli_ps_command = {
	.name = "ps",
	.usage = "[OPTIONS]",
	.description = "List containers",
	.aliases = "hull container ls, hull container list, hull container ps, hull ps",
	.options = ps_options,
};

int cmd_ps(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **lines = NULL;
	_cleanup_(container_filter_release) struct container_filter filter = CONTAINER_FILTER_INIT;
	struct format_list fl;
	struct hull_err *e = NULL;
	struct container **l = NULL;
	struct store *s;
	bool all = false, quiet = false, no_trunc = false, size = false;
	const char *fmt = NULL;
	long last = -1;
	struct timespec now;
	size_t n = 0, shown = 0;
	int o, rc = 0;
	struct cli_parse p;

	cli_parse_init(&p, &cli_ps_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		const char *optarg = p.arg;

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
		case 'n':
			last = strtol(optarg, NULL, 10); /* checked by the parser */
			break;
		case 'l':
			last = 1;
			break;
		case 's':
			size = true;
			break;
		case 'f':
			if (container_filter_add(&filter, optarg, &e) < 0) {
				/* printed as ever, not through cli_fail()'s control-character
				 * filter */
				fprintf(stderr, "hull: %s\n", e->msg);
				err_free(e);
				return 125;
			}
			break;
		case 'F':
			fmt = optarg;
			break;
		}
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	/*
	 * -n, -l and a status filter look at every state; other filters apply
	 * to the running set unless -a (moby daemon/list.go: only "status"
	 * sets All)
	 */
	if (last >= 0)
		all = true;
	if (container_filter_all(&filter))
		all = true;
	if (fmt && quiet) {
		/* docker's ps: -q wins */
		fflush(stdout);
		fprintf(stderr,
			"WARNING: Ignoring custom format, because both --format and --quiet "
			"are set.\n");
		fmt = NULL;
	}
	if (fmt && (!*fmt || streq(fmt, "table")))
		fmt = NULL;
	if (fmt && format_list_init(&fl, fmt, NULL, &fmt_ps_row, true, &e) < 0)
		return cli_fail(e);
	if (cli_store(cl, &s, &e) < 0 || container_list(s, &l, &e) < 0 ||
	    container_filter_resolve(&filter, l, &e) < 0) {
		container_list_free(l);
		if (fmt)
			format_list_release(&fl);
		return cli_fail(e);
	}
	while (l[n])
		n++;
	qsort(l, n, sizeof(*l), ctime_cmp);
	clock_gettime(CLOCK_REALTIME, &now);
	lines = strv_new();
	if (!quiet) {
		if (!fmt) {
			_cleanup_free_ char *h = xstrdup(
				"CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES");
			if (size) {
				char *h2 = xasprintf("%s\tSIZE", h);
				free(h);
				h = h2;
			}
			strv_push(&lines, h);
		}
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct container *c = l[i];
		json_t *row = ps_row(c, no_trunc, size ? s : NULL, &now);
		const char *state;

		ps_refresh_image(s, c, no_trunc, row);
		state = json_get_str(row, "State");

		if ((!all && !streq(state, "running") && !streq(state, "restarting")) ||
		    !container_filter_match(&filter, s, c, state) ||
		    (last >= 0 && shown >= (size_t) last)) {
			json_decref(row);
			continue;
		}
		shown++;
		if (quiet) {
			strv_push(&lines, no_trunc ? c->id : short_id(c->id));
		} else if (fmt) {
			if (format_row(&fl, row, c->rec, &e) < 0)
				rc = cli_fail(e);
		} else {
			_cleanup_free_ char *line = xasprintf(
				"%s\t%s\t%s\t%s\t%s\t%s\t%s%s%s", json_get_str(row, "ID"),
				json_get_str(row, "Image"), json_get_str(row, "Command"),
				json_get_str(row, "RunningFor"), json_get_str(row, "Status"),
				json_get_str(row, "Ports"), json_get_str(row, "Names"),
				size ? "\t" : "", size ? json_get_str(row, "Size") : "");
			strv_push(&lines, line);
		}
		json_decref(row);
	}
	container_list_free(l);
	if (fmt) {
		if (!rc)
			format_list_print(&fl, ps_headers);
		format_list_release(&fl);
		return rc;
	}
	if (rc)
		return rc;
	print_tabbed(lines);
	return 0;
}

const struct cli_command cli_logs_command = {
	.name = "logs",
	.usage = "[OPTIONS] CONTAINER",
	.description = "Fetch the logs of a container",
	.aliases = "hull container logs, hull logs",
	.min_args = 1,
	.max_args = 1,
};

int cmd_logs(struct cli *cl, int argc, char **argv)
{
	const char *tail = NULL, *since = NULL, *until = NULL;
	struct logs_opts lo = {.tail = -1};
	const struct cli_option options[] = {
		CLI_BOOL(0, "details", &lo.details, "Show extra details provided to logs"),
		CLI_BOOL('f', "follow", &lo.follow, "Follow log output"),
		CLI_STRING(0, "since", &since, NULL,
			   "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or "
			   "relative (e.g. \"42m\" for 42 minutes)"),
		CLI_STRING('n', "tail", &tail, NULL,
			   "Number of lines to show from the end of the logs (default \"all\")"),
		CLI_BOOL('t', "timestamps", &lo.timestamps, "Show timestamps"),
		CLI_STRING(0, "until", &until, NULL,
			   "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or "
			   "relative (e.g. \"42m\" for 42 minutes)"),
		CLI_OPT_END,
	};
	struct hull_err *e = NULL;
	struct container *c = NULL;
	struct store *s;
	int r, ind;

	r = cli_parse(&cli_logs_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (tail) {
		/* docker's daemon: what strconv.Atoi refuses ("all", "x") and a
		 * negative number mean every line */
		char *end;
		errno = 0;
		lo.tail = strtol(tail, &end, 10);
		if (!*tail || isspace((unsigned char) *tail) || *end || errno || lo.tail < 0)
			lo.tail = -1;
	}
	for (int k = 0; k < 2; k++) {
		const char *v = k == 0 ? since : until;

		if (v && cli_parse_time(v, k == 0 ? &lo.since : &lo.until) < 0) {
			fprintf(stderr,
				"hull: invalid value for \"%s\": failed to parse value as "
				"time or duration: \"%s\"\n",
				k == 0 ? "since" : "until", v);
			return 125;
		}
	}
	if (cli_store(cl, &s, &e) < 0 || container_load(s, argv[ind], &c, &e) < 0)
		return cli_fail(e);
	fflush(stdout);
	r = container_logs_ex(c, &lo, STDOUT_FILENO, STDERR_FILENO, &e);
	container_free(c);
	return r < 0 ? cli_fail(e) : 0;
}

/* stop, kill and rm share their shape: flags, then one or more containers. */
struct rm_flags {
	bool force, volumes;
};
static int do_rm(struct cli *cl, struct store *s, struct container *c, void *data,
		 struct hull_err **err);

int for_each_container(struct cli *cl, int argc, char **argv, int first,
		       int (*fn)(struct cli *, struct store *, struct container *, void *,
				 struct hull_err **),
		       void *data)
{
	struct hull_err *e = NULL;
	struct store *s;
	int rc = 0;

	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	for (int i = first; i < argc; i++) {
		struct container *c = NULL;
		int r = container_load(s, argv[i], &c, &e);

		if (r == 0)
			r = fn(cl, s, c, data, &e);
		if (r < 0) {
			/* docker/cli container/rm.go: `rm -f` of a missing container only says so
			 */
			bool missing = r == -ENOENT && startswith(e->msg, "No such container");

			fprintf(stderr, "Error response from daemon: %s\n", e->msg);
			e = err_free(e);
			if (!(missing && fn == do_rm && ((struct rm_flags *) data)->force))
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

const struct cli_command cli_stop_command = {
	.name = "stop",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.description = "Stop one or more running containers",
	.aliases = "hull container stop, hull stop",
	.min_args = 1,
	.max_args = -1,
};

int cli_parse_stop(const struct cli_command *cmd, int argc, char **argv, int *ret_timeout,
		   int *ret_ind)
{
	int timeout = -1, r;
	const struct cli_option options[] = {
		CLI_INT('t', "time", &timeout, NULL,
			"Seconds to wait before killing the container"),
		{0, "timeout", CLI_KIND_INT, &timeout, 0, NULL, NULL, CLI_OPT_HIDDEN},
		CLI_OPT_END,
	};

	r = cli_parse(cmd, options, argc, argv, ret_ind);
	if (r >= 0)
		return r;
	if (timeout < -1 || timeout > 1000000) {
		_cleanup_free_ char *t = xasprintf("%d", timeout);
		return cli_flag_error(cmd->name, "-t, --time", t, "value out of range");
	}
	*ret_timeout = timeout;
	return -1;
}

int cmd_stop(struct cli *cl, int argc, char **argv)
{
	int timeout = -1, r, ind;

	r = cli_parse_stop(&cli_stop_command, argc, argv, &timeout, &ind);
	if (r >= 0)
		return r;
	return for_each_container(cl, argc, argv, ind, do_stop, &timeout);
}

static int do_kill(struct cli *cl, struct store *s, struct container *c, void *data,
		   struct hull_err **err)
{
	(void) cl;
	(void) s;
	return container_kill(c, *(int *) data, err);
}

const struct cli_command cli_kill_command = {
	.name = "kill",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.description = "Kill one or more running containers",
	.aliases = "hull container kill, hull kill",
	.min_args = 1,
	.max_args = -1,
};

int cmd_kill(struct cli *cl, int argc, char **argv)
{
	const char *sig_name = "KILL";
	const struct cli_option options[] = {
		CLI_STRING('s', "signal", &sig_name, NULL,
			   "Signal to send to the container (default \"KILL\")"),
		CLI_OPT_END,
	};
	int sig, r, ind;

	r = cli_parse(&cli_kill_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	sig = signal_parse(sig_name);
	if (sig < 0) {
		fprintf(stderr, "hull: invalid signal: %s\n", sig_name);
		return 125;
	}
	return for_each_container(cl, argc, argv, ind, do_kill, &sig);
}

static int do_rm(struct cli *cl, struct store *s, struct container *c, void *data,
		 struct hull_err **err)
{
	struct rm_flags *f = data;
	int r = container_remove(s, cl->runroot, c, f->force, err);

	if (r == 0 && f->volumes)
		container_volumes_remove(s, c); /* anonymous ones only, as docker */
	return r;
}

const struct cli_command cli_rm_command = {
	.name = "rm",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.description = "Remove one or more containers",
	.aliases = "hull container rm, hull container remove, hull rm",
	.min_args = 1,
	.max_args = -1,
};

int cmd_rm(struct cli *cl, int argc, char **argv)
{
	struct rm_flags fl = {0};
	const struct cli_option options[] = {
		CLI_BOOL('f', "force", &fl.force,
			 "Force the removal of a running container (uses SIGKILL)"),
		CLI_BOOL('v', "volumes", &fl.volumes,
			 "Remove anonymous volumes associated with the container"),
		CLI_OPT_END,
	};
	int r, ind;

	r = cli_parse(&cli_rm_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	return for_each_container(cl, argc, argv, ind, do_rm, &fl);
}
