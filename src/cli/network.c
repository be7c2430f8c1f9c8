/* SPDX-License-Identifier: MIT */
/* network create|ls|inspect|rm|prune|connect|disconnect (docker/cli cli/command/network). */
#include <regex.h>
#include "cli/cli.h"
#include "container/network.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* Errors of the "daemon" side, as docker prints them (exit 1). */
static int daemon_error(struct hull_err *e)
{
	fflush(stdout);
	fprintf(stderr, "Error response from daemon: %s\n", e->msg);
	err_free(e);
	return 1;
}

static const struct cli_option network_create_options[] = {
	CLI_BOOL_ID(0, "attachable", 'A', "Enable manual container attachment"),
	CLI_STRING_ID('d', "driver", 'd', NULL,
		      "Driver to manage the Network (default \"bridge\")"),
	CLI_STRING_ID(0, "gateway", 'g', "strings", "IPv4 or IPv6 Gateway for the master subnet"),
	CLI_BOOL_ID(0, "internal", 'I', "Restrict external access to the network"),
	CLI_LIST_ID(0, "label", 'l', NULL, "Set metadata on a network"),
	CLI_LIST_ID('o', "opt", 'o', "map", "Set driver specific options (default map[])"),
	CLI_STRING_ID(0, "subnet", 's', "strings",
		      "Subnet in CIDR format that represents a network segment"),
	CLI_STRING_ID(0, "ip-range", 'r', "strings", "Allocate container ip from a sub-range"),
	CLI_BOOL_ID(0, "ipv6", '6', "Enable IPv6 networking"),
	CLI_OPT_END,
};
static const struct cli_command network_create_command = {
	.name = "network create",
	.usage = "[OPTIONS] NETWORK",
	.description = "Create a network",
	.min_args = 1,
	.max_args = 1,
	.options = network_create_options,
};

static int network_create_cmd(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **labels = NULL, **options = NULL;
	struct network_opts no = {0};
	struct hull_err *e = NULL;
	struct cli_parse p;
	struct store *s;
	json_t *rec = NULL;
	int o;

	cli_parse_init(&p, &network_create_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		const char *optarg = p.arg;

		switch (o) {
		case 'd':
			no.driver = optarg;
			break;
		/* one of each per family: an IPv6 one has a ':' (docker matches them to the
		 * subnets the same way, by address family and containment) */
		case 's':
			if (strchr(optarg, ':') ? no.subnet6 != NULL : no.subnet != NULL)
				return cli_usage_error(
					"network create",
					"hull takes one --subnet per address family");
			*(strchr(optarg, ':') ? &no.subnet6 : &no.subnet) = optarg;
			break;
		case 'g':
			if (strchr(optarg, ':') ? no.gateway6 != NULL : no.gateway != NULL)
				return cli_usage_error(
					"network create",
					"hull takes one --gateway per address family");
			*(strchr(optarg, ':') ? &no.gateway6 : &no.gateway) = optarg;
			break;
		case 'I':
			no.internal = true;
			break;
		case 'l':
			strv_push(&labels, optarg);
			break;
		case 'o':
			strv_push(&options, optarg);
			break;
		case 'A':
			/* docker records it on a bridge network; only swarm acts on it */
			no.attachable = true;
			break;
		case 'r':
			if (strchr(optarg, ':') ? no.ip_range6 != NULL : no.ip_range != NULL)
				return cli_usage_error(
					"network create",
					"hull takes one --ip-range per address family");
			*(strchr(optarg, ':') ? &no.ip_range6 : &no.ip_range) = optarg;
			break;
		case '6':
			no.ipv6 = true;
			break;
		}
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	no.name = argv[p.ind];
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
	return json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "ID",
		no_trunc ? json_get_str(v, "Id") : short_id(json_get_str(v, "Id")), "Name",
		json_get_str(v, "Name"), "Driver", json_get_str(v, "Driver") ?: "", "Scope",
		"local", "IPv6", json_is_true(json_object_get(v, "EnableIPv6")) ? "true" : "false",
		"Internal", json_is_true(json_object_get(v, "Internal")) ? "true" : "false",
		"Labels", strbuf_cstr(&lab), "CreatedAt", at);
}

static const struct cli_option network_ls_options[] = {
	CLI_LIST_ID('f', "filter", 'f', "filter", "Provide filter values (e.g. \"driver=bridge\")"),
	CLI_STRING_ID(0, "format", 'F', NULL, "Format output using a custom template"),
	CLI_BOOL_ID(0, "no-trunc", 'T', "Do not truncate the output"),
	CLI_BOOL_ID('q', "quiet", 'q', "Only display network IDs"),
	CLI_OPT_END,
};
static const struct cli_command network_ls_command = {
	.name = "network ls",
	.usage = "[OPTIONS]",
	.description = "List networks",
	.aliases = "hull network ls, hull network list",
	.options = network_ls_options,
};

static int network_ls_cmd(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **filters = NULL;
	struct hull_err *e = NULL;
	struct format_list fl;
	struct store *s;
	json_t *arr = NULL, *v;
	const char *fmt = NULL;
	bool quiet = false, no_trunc = false;
	struct table *t;
	size_t i;
	struct cli_parse p;
	int o;

	cli_parse_init(&p, &network_ls_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		const char *optarg = p.arg;

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
		}
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
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

static const struct cli_command network_inspect_command = {
	.name = "network inspect",
	.usage = "[OPTIONS] NETWORK [NETWORK...]",
	.description = "Display detailed information on one or more networks",
	.min_args = 1,
	.max_args = -1,
};

static int network_inspect_cmd(struct cli *cl, int argc, char **argv)
{
	const char *fmt = NULL;
	bool verbose = false; /* docker's adds swarm service details: none here */
	const struct cli_option options[] = {
		CLI_STRING('f', "format", &fmt, NULL, "Format output using a custom template"),
		CLI_BOOL('v', "verbose", &verbose, "Verbose output for diagnostics"),
		CLI_OPT_END,
	};
	_cleanup_json_ json_t *out = NULL;
	_cleanup_strv_ char **missing = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	int rc, ind;

	rc = cli_parse(&network_inspect_command, options, argc, argv, &ind);
	if (rc >= 0)
		return rc;
	rc = 0;
	if (fmt && streq(fmt, "json"))
		fmt = NULL;
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	out = json_array();
	for (int i = ind; i < argc; i++) {
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

static const struct cli_command network_rm_command = {
	.name = "network rm",
	.usage = "NETWORK [NETWORK...]",
	.description = "Remove one or more networks",
	.aliases = "hull network rm, hull network remove",
	.min_args = 1,
	.max_args = -1,
};

static int network_rm_cmd(struct cli *cl, int argc, char **argv)
{
	bool force = false;
	const struct cli_option options[] = {
		CLI_BOOL('f', "force", &force, "Do not error if the network does not exist"),
		CLI_OPT_END,
	};
	struct hull_err *e = NULL;
	struct store *s;
	int rc, ind;

	rc = cli_parse(&network_rm_command, options, argc, argv, &ind);
	if (rc >= 0)
		return rc;
	rc = 0;
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	for (int i = ind; i < argc; i++) {
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

static const struct cli_command network_prune_command = {
	.name = "network prune",
	.usage = "[OPTIONS]",
	.description = "Remove all unused networks",
};

static int network_prune_cmd(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **names = NULL, **filter_args = NULL;
	bool force = false;
	const struct cli_option options[] = {
		CLI_LIST(0, "filter", &filter_args, "filter",
			 "Provide filter values (e.g. \"until=<timestamp>\")"),
		CLI_BOOL('f', "force", &force, "Do not prompt for confirmation"),
		CLI_OPT_END,
	};
	_cleanup_(prune_filter_release) struct prune_filter f = {0};
	struct hull_err *e = NULL;
	struct store *s;
	int r, ind;

	r = cli_parse(&network_prune_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (!force && !cli_confirm("WARNING! This will remove all custom networks not used by at "
				   "least one container.\n"))
		return 0;
	if (cli_prune_filter_parse(filter_args, "label label! until", NULL, NULL, &f) != 0)
		return 1;
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

static const struct cli_command network_connect_command = {
	.name = "network connect",
	.usage = "[OPTIONS] NETWORK CONTAINER",
	.description = "Connect a container to a network",
	.min_args = 2,
	.max_args = 2,
};

static int network_connect_cmd(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **aliases = NULL;
	const char *ip = NULL, *ip6 = NULL;
	const struct cli_option options[] = {
		CLI_LIST(0, "alias", &aliases, "strings",
			 "Add network-scoped alias for the container"),
		CLI_STRING(0, "ip", &ip, NULL, "IPv4 address (e.g., \"172.30.100.104\")"),
		CLI_STRING(0, "ip6", &ip6, NULL, "IPv6 address (e.g., \"2001:db8::33\")"),
		CLI_OPT_END,
	};
	struct container *c = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	int r, ind;

	r = cli_parse(&network_connect_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (cli_store(cl, &s, &e) < 0 || container_load(s, argv[ind + 1], &c, &e) < 0)
		return daemon_error(e);
	r = network_connect(s, c, argv[ind], ip, ip6, aliases, &e);
	container_free(c);
	return r < 0 ? daemon_error(e) : 0;
}

static const struct cli_command network_disconnect_command = {
	.name = "network disconnect",
	.usage = "[OPTIONS] NETWORK CONTAINER",
	.description = "Disconnect a container from a network",
	.min_args = 2,
	.max_args = 2,
};

static int network_disconnect_cmd(struct cli *cl, int argc, char **argv)
{
	bool force = false;
	const struct cli_option options[] = {
		CLI_BOOL('f', "force", &force, "Do not error if the container is not connected"),
		CLI_OPT_END,
	};
	struct container *c = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	int r, ind;

	r = cli_parse(&network_disconnect_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (cli_store(cl, &s, &e) < 0 || container_load(s, argv[ind + 1], &c, &e) < 0)
		return daemon_error(e);
	r = network_disconnect(s, c, argv[ind], force, &e);
	container_free(c);
	return r < 0 ? daemon_error(e) : 0;
}

static const struct cli_subcommand network_subcommands[] = {
	{"connect", &network_connect_command, network_connect_cmd, false},
	{"create", &network_create_command, network_create_cmd, false},
	{"disconnect", &network_disconnect_command, network_disconnect_cmd, false},
	{"inspect", &network_inspect_command, network_inspect_cmd, false},
	{"ls", &network_ls_command, network_ls_cmd, false},
	{"list", &network_ls_command, network_ls_cmd, true},
	{"prune", &network_prune_command, network_prune_cmd, false},
	{"rm", &network_rm_command, network_rm_cmd, false},
	{"remove", &network_rm_command, network_rm_cmd, true},
	{NULL, NULL, NULL, false},
};

const struct cli_command cli_network_command = {
	.name = "network",
	.usage = "COMMAND",
	.description = "Manage networks",
	.subcommands = network_subcommands,
};

int cmd_network(struct cli *cl, int argc, char **argv)
{
	return cli_run_subcommand(&cli_network_command, cl, argc, argv);
}
