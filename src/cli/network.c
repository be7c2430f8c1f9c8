/* SPDX-License-Identifier: MIT */
/* network create|ls|inspect|rm|prune|connect|disconnect (docker/cli cli/command/network). */
#include <regex.h>
#include "cli/cli.h"
#include "container/network.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

static const char network_help[] =
	"Usage:  hull network COMMAND\n\nManage networks\n\nCommands:\n"
	"  connect     Connect a container to a network\n"
	"  create      Create a network\n"
	"  disconnect  Disconnect a container from a network\n"
	"  inspect     Display detailed information on one or more networks\n"
	"  ls          List networks\n"
	"  prune       Remove all unused networks\n"
	"  rm          Remove one or more networks";

/* Errors of the "daemon" side, as docker prints them (exit 1). */
static int daemon_error(struct hull_err *e)
{
	fflush(stdout);
	fprintf(stderr, "Error response from daemon: %s\n", e->msg);
	err_free(e);
	return 1;
}

static int network_create_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"driver", required_argument, NULL, 'd'},
					     {"subnet", required_argument, NULL, 's'},
					     {"gateway", required_argument, NULL, 'g'},
					     {"internal", optional_argument, NULL, 'I'},
					     {"label", required_argument, NULL, 'l'},
					     {"opt", required_argument, NULL, 'o'},
					     {"ipv6", optional_argument, NULL, '6'},
					     {"ip-range", required_argument, NULL, 'r'},
					     {"attachable", optional_argument, NULL, 'A'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	_cleanup_strv_ char **labels = NULL, **options = NULL;
	struct network_opts no = {0};
	struct hull_err *e = NULL;
	struct store *s;
	json_t *rec = NULL;
	int o;

	optind = 0;
	while ((o = cli_getopt("network create", argc, argv, "d:o:h", opts, false)) != -1) {
		bool b = true;
		switch (o) {
		case 'd':
			no.driver = optarg;
			break;
		case 's':
			if (no.subnet)
				return cli_usage_error("network create",
						       "hull takes one --subnet per network");
			no.subnet = optarg;
			break;
		case 'g':
			if (no.gateway)
				return cli_usage_error("network create",
						       "hull takes one --gateway per network");
			no.gateway = optarg;
			break;
		case 'I':
			if (optarg && cli_parse_bool(optarg, &b) < 0)
				return cli_flag_error("network create", "internal", optarg,
						      "invalid syntax");
			no.internal = b;
			break;
		case 'l':
			strv_push(&labels, optarg);
			break;
		case 'o':
			strv_push(&options, optarg);
			break;
		case 'A':
			/* docker records it on a bridge network; only swarm acts on it */
			if (optarg && cli_parse_bool(optarg, &b) < 0)
				return cli_flag_error("network create", "attachable", optarg,
						      "invalid syntax");
			no.attachable = b;
			break;
		case '6':
		case 'r':
			/* NEEDSWORK: IPv6 and --ip-range (issue 10) */
			if (o == '6' && optarg && cli_parse_bool(optarg, &b) == 0 && !b)
				break;
			fprintf(stderr, "hull: network create: --%s is not supported yet\n",
				o == '6' ? "ipv6" : "ip-range");
			return 125;
		case 'h':
			puts("Usage:  hull network create [OPTIONS] NETWORK\n\nCreate a network\n\n"
			     "Options:\n"
			     "  -d, --driver string        Driver to manage the Network (default "
			     "\"bridge\")\n"
			     "      --gateway strings      IPv4 Gateway for the master subnet\n"
			     "      --internal             Restrict external access to the "
			     "network\n"
			     "      --label list           Set metadata on a network\n"
			     "  -o, --opt map              Set driver specific options "
			     "(com.docker.network.bridge.name)\n"
			     "      --subnet strings       Subnet in CIDR format that represents a "
			     "network segment");
			return 0;
		default:
			return 125;
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("network create",
				       "\"network create\" requires exactly 1 argument.");
	no.name = argv[optind];
	no.labels = labels;
	no.options = options;
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	if (network_create(s, &no, &rec, &e) < 0)
		return daemon_error(e);
	printf("%s\n", json_get_str(rec, "Id"));
	json_decref(rec);
	return 0;
}

/* Go's regexp.MatchString as docker's filters.Args.Match uses it (POSIX ERE here). */
static bool regex_match(const char *re, const char *s)
{
	regex_t rx;
	bool hit;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		return strstr(s, re) != NULL;
	hit = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return hit;
}

/*
 * docker's network ls filters (moby daemon/network/filter.go): values of one
 * key ORed (label= ones ANDed), keys ANDed. name= and id= match as regular
 * expressions, driver= exactly, label=KEY or KEY=VALUE, type=custom|builtin.
 */
static bool network_match(json_t *v, char **filters)
{
	static const char *const keys[] = {"name", "id", "label", "driver", "type"};

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		size_t kl = strlen(keys[k]);
		bool any = false, hit = false;
		STRV_FOREACH (f, filters) {
			const char *val = *f + kl + 1;
			if (strncmp(*f, keys[k], kl) != 0 || (*f)[kl] != '=')
				continue;
			any = true;
			if (k == 0)
				hit |= regex_match(val, json_get_str(v, "Name"));
			else if (k == 1)
				hit |= regex_match(val, json_get_str(v, "Id"));
			else if (k == 2) {
				const char *eq = strchr(val, '=');
				_cleanup_free_ char *lk =
					eq ? xstrndup(val, (size_t) (eq - val)) : xstrdup(val);
				json_t *lv = json_object_get(json_object_get(v, "Labels"), lk);
				if (!lv || (eq && !streq(json_string_value(lv) ?: "", eq + 1)))
					return false; /* every label= must hold */
				hit = true;
			} else if (k == 3)
				hit |= streq(json_get_str(v, "Driver") ?: "", val);
			else
				hit |= network_is_predefined(json_get_str(v, "Name")) ==
				       streq(val, "builtin");
		}
		if (any && !hit)
			return false;
	}
	return true;
}

static const char *const network_headers[][2] = {
	{"ID", "NETWORK ID"}, {"Name", "NAME"},
	{"Driver", "DRIVER"}, {"Scope", "SCOPE"},
	{"IPv6", "IPV6"},     {"Internal", "INTERNAL"},
	{"Labels", "LABELS"}, {"CreatedAt", "CREATED AT"},
	{NULL, NULL},
};

/* docker's network ls formatter fields (cli/command/formatter/network.go) */
static json_t *network_row(json_t *v, bool no_trunc)
{
	_cleanup_strbuf_ struct strbuf lab = STRBUF_INIT;
	const char *created = json_get_str(v, "Created") ?: "";
	_cleanup_free_ char *at = NULL;
	const char *k;
	json_t *a;

	json_object_foreach (json_object_get(v, "Labels"), k, a)
		(void) strbuf_addf(&lab, "%s%s=%s", lab.len ? "," : "", k, json_string_value(a));
	/* Go's time.Time.String() of the RFC 3339 "Created" */
	at = xasprintf("%.10s %.*s +0000 UTC", created,
		       (int) (strlen(created) > 12 ? strcspn(created + 11, "Z") : 0),
		       strlen(created) > 11 ? created + 11 : "");
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "ID",
			 no_trunc ? json_get_str(v, "Id") : short_id(json_get_str(v, "Id")), "Name",
			 json_get_str(v, "Name"), "Driver", json_get_str(v, "Driver") ?: "",
			 "Scope", "local", "IPv6", "false", "Internal",
			 json_is_true(json_object_get(v, "Internal")) ? "true" : "false", "Labels",
			 strbuf_cstr(&lab), "CreatedAt", at);
}

static int network_ls_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{"quiet", no_argument, NULL, 'q'},	  {"format", required_argument, NULL, 'F'},
		{"filter", required_argument, NULL, 'f'}, {"no-trunc", no_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},	  {0}};
	_cleanup_strv_ char **filters = NULL;
	struct hull_err *e = NULL;
	struct format_list fl;
	struct store *s;
	json_t *arr = NULL, *v;
	const char *fmt = NULL;
	bool quiet = false, no_trunc = false;
	struct table *t;
	size_t i;
	int o;

	optind = 0;
	while ((o = cli_getopt("network ls", argc, argv, "qf:h", opts, false)) != -1) {
		if (o == 'q')
			quiet = true;
		else if (o == 'F')
			fmt = optarg;
		else if (o == 'T')
			no_trunc = true;
		else if (o == 'f') {
			static const char *const keys[] = {"name",   "id",   "label",
							   "driver", "type", NULL};
			_cleanup_free_ char *k = xstrndup(optarg, strcspn(optarg, "="));
			const char *val = optarg + strlen(k);
			if (!*val || !strv_contains((char **) keys, k)) {
				fprintf(stderr, "Error response from daemon: invalid filter '%s'\n",
					k);
				return 1;
			}
			if (streq(k, "type") && !streq(val + 1, "custom") &&
			    !streq(val + 1, "builtin")) {
				fprintf(stderr,
					"Error response from daemon: invalid filter: 'type'='%s'\n",
					val + 1);
				return 1;
			}
			strv_push(&filters, optarg);
		} else if (o == 'h') {
			puts("Usage:  hull network ls [OPTIONS]\n\nList networks\n\nOptions:\n"
			     "  -f, --filter filter   Provide filter values (e.g. "
			     "\"driver=bridge\")\n"
			     "      --format string   Format output using a Go template\n"
			     "      --no-trunc        Do not truncate the output\n"
			     "  -q, --quiet           Only display network IDs");
			return 0;
		} else
			return 125;
	}
	if (fmt && (!*fmt || streq(fmt, "table")))
		fmt = NULL;
	if (fmt && format_list_init(&fl, fmt, NULL, &fmt_network_row, false, &e) < 0)
		return cli_fail(e);
	if (cli_store(cl, &s, &e) < 0 || network_list(s, &arr, &e) < 0) {
		if (fmt)
			format_list_release(&fl);
		return cli_fail(e);
	}
	t = table_new(4);
	if (!quiet && !fmt)
		table_add(t, "NETWORK ID", "NAME", "DRIVER", "SCOPE");
	json_array_foreach (arr, i, v) {
		const char *id = json_get_str(v, "Id");
		if (!network_match(v, filters))
			continue;
		if (fmt) {
			_cleanup_json_ json_t *row = network_row(v, no_trunc);
			if (format_row(&fl, row, v, &e) < 0) {
				format_list_release(&fl);
				table_print(t, stdout);
				json_decref(arr);
				return cli_fail(e);
			}
		} else if (quiet) {
			printf("%s\n", no_trunc ? id : short_id(id));
		} else {
			table_add(t, no_trunc ? id : short_id(id), json_get_str(v, "Name"),
				  json_get_str(v, "Driver"), "local");
		}
	}
	table_print(t, stdout);
	if (fmt) {
		format_list_print(&fl, network_headers);
		format_list_release(&fl);
	}
	json_decref(arr);
	return 0;
}

static int network_inspect_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	_cleanup_json_ json_t *out = json_array();
	_cleanup_strv_ char **missing = NULL;
	struct hull_err *e = NULL;
	const char *fmt = NULL;
	struct store *s;
	int o, rc = 0;

	optind = 0;
	while ((o = cli_getopt("network inspect", argc, argv, "f:vh", opts, false)) != -1) {
		if (o == 'f')
			fmt = optarg;
		else if (o == 'v')
			; /* docker's verbose adds swarm service details: none here */
		else if (o == 'h') {
			puts("Usage:  hull network inspect [OPTIONS] NETWORK [NETWORK...]\n\n"
			     "Display detailed information on one or more networks\n\nOptions:\n"
			     "  -f, --format string   Format output using a Go template\n"
			     "  -v, --verbose         Verbose output for diagnostics");
			return 0;
		} else
			return 125;
	}
	if (fmt && streq(fmt, "json"))
		fmt = NULL;
	if (optind >= argc)
		return cli_usage_error("network inspect",
				       "\"network inspect\" requires at least 1 argument.");
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	for (int i = optind; i < argc; i++) {
		_cleanup_json_ json_t *rec = NULL;
		json_t *v;
		if (network_find(s, argv[i], &rec, &e) < 0) {
			/* docker/cli inspect.Inspect: the errors after the output */
			strv_push(&missing, argv[i]);
			e = err_free(e);
			rc = 1;
			continue;
		}
		v = network_inspect(s, rec);
		if (fmt) {
			char *line = format_template(fmt, v, &fmt_network_inspect, false, &e);
			json_decref(v);
			if (!line)
				return cli_fail(e);
			printf("%s\n", line);
			free(line);
		} else {
			json_array_append_new(out, v);
		}
	}
	if (!fmt) {
		char *d = json_dumps(out, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
		printf("%s\n", d);
		free(d);
	}
	fflush(stdout);
	STRV_FOREACH (m, missing)
		fprintf(stderr, "Error: No such network: %s\n", *m);
	return rc;
}

static int network_rm_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
	struct hull_err *e = NULL;
	bool force = false;
	struct store *s;
	int o, rc = 0;

	optind = 0;
	while ((o = cli_getopt("network rm", argc, argv, "fh", opts, false)) != -1) {
		if (o == 'f')
			force = true;
		else if (o == 'h') {
			puts("Usage:  hull network rm NETWORK [NETWORK...]\n\n"
			     "Remove one or more networks\n\nOptions:\n"
			     "  -f, --force   Do not error if the network does not exist");
			return 0;
		} else
			return 125;
	}
	if (optind >= argc)
		return cli_usage_error("network rm",
				       "\"network rm\" requires at least 1 argument.");
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	for (int i = optind; i < argc; i++) {
		_cleanup_free_ char *name = NULL;
		int r = network_remove(s, argv[i], &name, &e);
		if (r == -ENOENT && force) {
			e = err_free(e);
		} else if (r < 0) {
			fprintf(stderr, "Error response from daemon: %s\n", e->msg);
			e = err_free(e);
			rc = 1;
		} else {
			printf("%s\n", argv[i]);
		}
	}
	return rc;
}

static int network_prune_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
					     {"filter", required_argument, NULL, 'F'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	_cleanup_strv_ char **names = NULL, **filter_args = NULL;
	_cleanup_(prune_filter_release) struct prune_filter f = {0};
	struct hull_err *e = NULL;
	bool force = false;
	struct store *s;
	int o;

	optind = 0;
	while ((o = cli_getopt("network prune", argc, argv, "fh", opts, false)) != -1) {
		if (o == 'f')
			force = true;
		else if (o == 'F') {
			strv_push(&filter_args, optarg);
		} else if (o == 'h') {
			puts("Usage:  hull network prune [OPTIONS]\n\nRemove all unused "
			     "networks\n\n"
			     "Options:\n"
			     "      --filter filter   Provide filter values (e.g. "
			     "\"until=<timestamp>\")\n"
			     "  -f, --force           Do not prompt for confirmation");
			return 0;
		} else
			return 125;
	}
	if (optind < argc)
		return cli_usage_error("network prune", "\"network prune\" accepts no arguments.");
	if (!force && !cli_confirm("WARNING! This will remove all custom networks not used by at "
				   "least one container.\n"))
		return 0;
	if (cli_prune_filter_parse(filter_args, "label label! until", NULL, NULL, &f, &e) < 0) {
		fprintf(stderr, "Error response from daemon: %s\n", e->msg);
		err_free(e);
		return 1;
	}
	if (cli_store(cl, &s, &e) < 0 || network_prune(s, &f, &names, &e) < 0)
		return cli_fail(e);
	if (names[0]) {
		puts("Deleted Networks:");
		STRV_FOREACH (n, names)
			puts(*n);
		puts(""); /* docker's Fprintln of a text ending in a newline */
	}
	return 0;
}

static int network_connect_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"ip", required_argument, NULL, 'i'},
					     {"alias", required_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	_cleanup_strv_ char **aliases = NULL;
	struct container *c = NULL;
	struct hull_err *e = NULL;
	const char *ip = NULL;
	struct store *s;
	int o, r;

	optind = 0;
	while ((o = cli_getopt("network connect", argc, argv, "h", opts, false)) != -1) {
		if (o == 'i') {
			ip = optarg;
		} else if (o == 'a') {
			strv_push(&aliases, optarg);
		} else if (o == 'h') {
			puts("Usage:  hull network connect [OPTIONS] NETWORK CONTAINER\n\n"
			     "Connect a container to a network\n\nOptions:\n"
			     "      --alias strings   Add network-scoped alias for the container\n"
			     "      --ip string       IPv4 address (e.g., \"172.30.100.104\")");
			return 0;
		} else
			return 125;
	}
	if (argc - optind != 2)
		return cli_usage_error("network connect",
				       "\"network connect\" requires exactly 2 arguments.");
	if (cli_store(cl, &s, &e) < 0 || container_load(s, argv[optind + 1], &c, &e) < 0)
		return daemon_error(e);
	r = network_connect(s, c, argv[optind], ip, aliases, &e);
	container_free(c);
	return r < 0 ? daemon_error(e) : 0;
}

static int network_disconnect_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
	struct container *c = NULL;
	struct hull_err *e = NULL;
	bool force = false;
	struct store *s;
	int o, r;

	optind = 0;
	while ((o = cli_getopt("network disconnect", argc, argv, "fh", opts, false)) != -1) {
		if (o == 'f') {
			force = true;
		} else if (o == 'h') {
			puts("Usage:  hull network disconnect [OPTIONS] NETWORK CONTAINER\n\n"
			     "Disconnect a container from a network\n\nOptions:\n"
			     "  -f, --force   Do not error if the container is not connected");
			return 0;
		} else
			return 125;
	}
	if (argc - optind != 2)
		return cli_usage_error("network disconnect",
				       "\"network disconnect\" requires exactly 2 arguments.");
	if (cli_store(cl, &s, &e) < 0 || container_load(s, argv[optind + 1], &c, &e) < 0)
		return daemon_error(e);
	r = network_disconnect(s, c, argv[optind], force, &e);
	container_free(c);
	return r < 0 ? daemon_error(e) : 0;
}

int cmd_network(struct cli *cl, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli *, int, char **);
	} subs[] = {
		{"create", network_create_cmd},
		{"ls", network_ls_cmd},
		{"list", network_ls_cmd},
		{"inspect", network_inspect_cmd},
		{"rm", network_rm_cmd},
		{"remove", network_rm_cmd},
		{"prune", network_prune_cmd},
		{"connect", network_connect_cmd},
		{"disconnect", network_disconnect_cmd},
	};

	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		puts(network_help);
		return argc < 2 ? 125 : 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (streq(subs[i].name, argv[1]))
			return subs[i].fn(cl, argc - 1, argv + 1);
	fprintf(stderr, "hull: 'network %s' is not a hull command.\nSee 'hull network --help'\n",
		argv[1]);
	return 125;
}
