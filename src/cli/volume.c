/* SPDX-License-Identifier: MIT */
/* volume create|ls|inspect|rm|prune (docker/cli cli/command/volume). */
#include "cli/cli.h"
#include "container/volume.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

static const struct cli_option volume_create_options[] = {
	CLI_STRING_ID('d', "driver", 'd', NULL, "Specify volume driver name (default \"local\")"),
	CLI_LIST_ID(0, "label", 'l', NULL, "Set metadata for a volume"),
	CLI_LIST_ID('o', "opt", 'o', "map", "Set driver specific options (default map[])"),
	{0, "name", CLI_KIND_STRING, NULL, 'n', NULL, "Specify volume name", CLI_OPT_HIDDEN},
	CLI_OPT_END,
};
static const struct cli_command volume_create_command = {
	.name = "volume create",
	.usage = "[OPTIONS] [VOLUME]",
	.description = "Create a volume",
	.max_args = 1,
	.options = volume_create_options,
};

static int volume_create_cmd(struct cli *cl, int argc, char **argv)
{
	_cleanup_json_ json_t *labels = json_object(), *dopts = json_object();
	const char *name = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	json_t *v = NULL;
	struct cli_parse p;
	const char *optarg;
	int o;

	cli_parse_init(&p, &volume_create_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		optarg = p.arg;
		if (o == 'd') {
			if (!streq(optarg, "local")) {
				fprintf(stderr, "hull: plugin \"%s\" not found\n", optarg);
				return 125;
			}
		} else if (o == 'l') {
			_cleanup_free_ char *k = xstrdup(optarg);
			char *eq = strchr(k, '=');
			if (eq)
				*eq++ = '\0';
			json_object_set_new(labels, k, json_string(eq ? eq : ""));
		} else if (o == 'o') {
			/* docker's map option: KEY=VALUE, a KEY alone is "" */
			_cleanup_free_ char *k = xstrdup(optarg);
			char *eq = strchr(k, '=');
			if (eq)
				*eq++ = '\0';
			json_object_set_new(dopts, k, json_string(eq ? eq : ""));
		} else if (o == 'n') {
			name = optarg;
		}
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	if (p.ind < argc)
		name = argv[p.ind];
	if (cli_store(cl, &s, &e) < 0 || volume_create(s, name, labels, dopts, &v, &e) < 0)
		return cli_fail(e);
	printf("%s\n", json_get_str(v, "Name"));
	json_decref(v);
	return 0;
}

/*
 * docker's volume ls filters (moby volume/service/by.go): filters of one
 * key are ORed (label= ones ANDed), different keys ANDed. name= is a substring of the name,
 * label=KEY or KEY=VALUE, dangling= whether no container names it, driver=.
 */
static bool volume_match(struct store *s, json_t *v, char **filters)
{
	static const char *const keys[] = {"name", "label", "dangling", "driver"};

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		size_t kl = strlen(keys[k]);
		bool any = false, hit = false;
		STRV_FOREACH (f, filters) {
			const char *val = *f + kl + 1;
			if (strncmp(*f, keys[k], kl) != 0 || (*f)[kl] != '=')
				continue;
			any = true;
			if (k == 0)
				hit |= strstr(json_get_str(v, "Name") ?: "", val) != NULL;
			else if (k == 1) {
				const char *eq = strchr(val, '=');
				_cleanup_free_ char *lk =
					eq ? xstrndup(val, (size_t) (eq - val)) : xstrdup(val);
				json_t *lv = json_object_get(json_object_get(v, "Labels"), lk);
				if (!lv || (eq && !streq(json_string_value(lv) ?: "", eq + 1)))
					return false; /* every label= must hold */
				hit = true;
			} else if (k == 2) {
				bool want = streq(val, "true") || streq(val, "1");
				hit |= volume_in_use(s, json_get_str(v, "Name") ?: "") != want;
			} else
				hit |= streq(json_get_str(v, "Driver") ?: "local", val);
		}
		if (any && !hit)
			return false;
	}
	return true;
}

/* docker's column titles of volume ls --format "table ..." */
static const char *const volume_headers[][2] = {
	{"Name", "VOLUME NAME"},
	{"Driver", "DRIVER"},
	{"Scope", "SCOPE"},
	{"Mountpoint", "MOUNTPOINT"},
	{"Labels", "LABELS"},
	{"Links", "LINKS"},
	{"Size", "SIZE"},
	{"Group", "GROUP"},
	{"Availability", "AVAILABILITY"},
	{"Status", "STATUS"},
	{NULL, NULL},
};

/* docker's volume ls formatter fields (cli/command/formatter/volume.go) */
static json_t *volume_row(json_t *v)
{
	_cleanup_strbuf_ struct strbuf lab = STRBUF_INIT;
	const char *k;
	json_t *a;

	json_object_foreach (json_object_get(v, "Labels"), k, a)
		(void) strbuf_addf(&lab, "%s%s=%s", lab.len ? "," : "", k, json_string_value(a));
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Availability", "N/A",
			 "Driver", json_get_str(v, "Driver") ?: "local", "Group", "N/A", "Labels",
			 strbuf_cstr(&lab), "Links", "N/A", "Mountpoint",
			 json_get_str(v, "Mountpoint") ?: "", "Name", json_get_str(v, "Name") ?: "",
			 "Scope", json_get_str(v, "Scope") ?: "local", "Size", "N/A", "Status",
			 "N/A");
}

static const struct cli_option volume_ls_options[] = {
	CLI_LIST_ID('f', "filter", 'f', "filter", "Provide filter values (e.g. \"dangling=true\")"),
	CLI_STRING_ID(0, "format", 'F', NULL, "Format output using a custom template"),
	CLI_BOOL_ID('q', "quiet", 'q', "Only display volume names"),
	CLI_OPT_END,
};
static const struct cli_command volume_ls_command = {
	.name = "volume ls",
	.usage = "[OPTIONS]",
	.description = "List volumes",
	.aliases = "hull volume ls, hull volume list",
	.options = volume_ls_options,
};

static int volume_ls_cmd(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **filters = NULL;
	struct hull_err *e = NULL;
	struct format_list fl;
	struct store *s;
	json_t *arr = NULL, *v;
	const char *fmt = NULL;
	bool quiet = false;
	struct table *t;
	size_t i;
	struct cli_parse p;
	const char *optarg;
	int o;

	cli_parse_init(&p, &volume_ls_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		optarg = p.arg;
		if (o == 'q')
			quiet = true;
		else if (o == 'F')
			fmt = optarg;
		else if (o == 'f') {
			static const char *const keys[] = {"name", "label", "dangling", "driver",
							   NULL};
			_cleanup_free_ char *k = xstrndup(optarg, strcspn(optarg, "="));
			const char *val = optarg + strlen(k);
			if (!*val || !strv_contains((char **) keys, k))
				return cli_usage_error("volume ls", "invalid filter '%s'", optarg);
			if (streq(k, "dangling") && !streq(val + 1, "true") &&
			    !streq(val + 1, "false") && !streq(val + 1, "1") &&
			    !streq(val + 1, "0"))
				return cli_usage_error("volume ls", "invalid filter 'dangling=%s'",
						       val + 1);
			strv_push(&filters, optarg);
		}
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	/* docker's volume ls: a custom --format wins over -q */
	if (fmt && (!*fmt || streq(fmt, "table")))
		fmt = NULL;
	if (fmt && format_list_init(&fl, fmt, NULL, &fmt_volume_row, false, &e) < 0)
		return cli_fail(e);
	if (cli_store(cl, &s, &e) < 0 || volume_list(s, &arr, &e) < 0) {
		if (fmt)
			format_list_release(&fl);
		return cli_fail(e);
	}
	t = table_new(2);
	if (!quiet && !fmt)
		table_add(t, "DRIVER", "VOLUME NAME");
	json_array_foreach (arr, i, v) {
		if (!volume_match(s, v, filters))
			continue;
		if (fmt) {
			_cleanup_json_ json_t *row = volume_row(v);
			if (format_row(&fl, row, v, &e) < 0) {
				format_list_release(&fl);
				table_print(t, stdout);
				json_decref(arr);
				return cli_fail(e);
			}
		} else if (quiet) {
			printf("%s\n", json_get_str(v, "Name"));
		} else {
			table_add(t, "local", json_get_str(v, "Name"));
		}
	}
	table_print(t, stdout);
	if (fmt) {
		format_list_print(&fl, volume_headers);
		format_list_release(&fl);
	}
	json_decref(arr);
	return 0;
}

static const struct cli_command volume_inspect_command = {
	.name = "volume inspect",
	.usage = "[OPTIONS] VOLUME [VOLUME...]",
	.description = "Display detailed information on one or more volumes",
	.min_args = 1,
	.max_args = -1,
};

static int volume_inspect_cmd(struct cli *cl, int argc, char **argv)
{
	const char *fmt = NULL;
	const struct cli_option options[] = {
		CLI_STRING('f', "format", &fmt, NULL, "Format output using a custom template"),
		CLI_OPT_END,
	};
	struct hull_err *e = NULL;
	struct store *s;
	json_t *out;
	int rc = 0, ind;

	rc = cli_parse(&volume_inspect_command, options, argc, argv, &ind);
	if (rc >= 0)
		return rc;
	rc = 0;
	if (fmt && streq(fmt, "json"))
		fmt = NULL; /* inspect --format json: the array, as docker */
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	out = json_array();
	for (int i = ind; i < argc; i++) {
		json_t *v = NULL;
		if (volume_get(s, argv[i], &v, &e) < 0) {
			fprintf(stderr, "Error response from daemon: %s\n", e->msg);
			e = err_free(e);
			rc = 1;
			continue;
		}
		if (fmt) {
			char *line = format_template(fmt, v, &fmt_volume_inspect, false, &e);
			json_decref(v);
			if (!line) {
				json_decref(out);
				return cli_fail(e);
			}
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
	json_decref(out);
	return rc;
}

static const struct cli_command volume_rm_command = {
	.name = "volume rm",
	.usage = "[OPTIONS] VOLUME [VOLUME...]",
	.description = "Remove one or more volumes",
	.aliases = "hull volume rm, hull volume remove",
	.min_args = 1,
	.max_args = -1,
};

static int volume_rm_cmd(struct cli *cl, int argc, char **argv)
{
	bool force = false;
	const struct cli_option options[] = {
		CLI_BOOL('f', "force", &force, "Force the removal of one or more volumes"),
		CLI_OPT_END,
	};
	struct hull_err *e = NULL;
	struct store *s;
	int rc, ind;

	rc = cli_parse(&volume_rm_command, options, argc, argv, &ind);
	if (rc >= 0)
		return rc;
	rc = 0;
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	for (int i = ind; i < argc; i++) {
		if (volume_remove(s, argv[i], force, &e) < 0) {
			fprintf(stderr, "Error response from daemon: %s\n", e->msg);
			e = err_free(e);
			rc = 1;
		} else {
			printf("%s\n", argv[i]);
		}
	}
	return rc;
}

static const struct cli_command volume_prune_command = {
	.name = "volume prune",
	.usage = "[OPTIONS]",
	.description = "Remove unused local volumes",
};

static int volume_prune_cmd(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **names = NULL, **filter_args = NULL;
	bool all = false, force = false;
	const struct cli_option options[] = {
		CLI_BOOL('a', "all", &all, "Remove all unused volumes, not just anonymous ones"),
		CLI_LIST(0, "filter", &filter_args, "filter",
			 "Provide filter values (e.g. \"label=<label>\")"),
		CLI_BOOL('f', "force", &force, "Do not prompt for confirmation"),
		CLI_OPT_END,
	};
	_cleanup_(prune_filter_release) struct prune_filter f = {0};
	int all_filter;
	_cleanup_free_ char *size = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	int64_t bytes = 0;
	int r, ind;

	r = cli_parse(&volume_prune_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (!force && !cli_confirm(all ? "WARNING! This will remove all local volumes not used "
					 "by at least one container.\n"
				       : "WARNING! This will remove anonymous local volumes not "
					 "used by at least one container.\n"))
		return 0;
	/* moby volume/service: label, label!, and all (what -a sends) */
	if (cli_prune_filter_parse(filter_args, "label label! all", "all", &all_filter, &f) != 0)
		return 1;
	if (all_filter == 1)
		all = true;
	if (cli_store(cl, &s, &e) < 0 || volume_prune(s, all, &f, &names, &bytes, &e) < 0)
		return cli_fail(e);
	if (names[0]) {
		puts("Deleted Volumes:");
		STRV_FOREACH (n, names)
			puts(*n);
		puts("");
	}
	size = human_size_prec((double) bytes, 4); /* units.HumanSize */
	printf("Total reclaimed space: %s\n", size);
	return 0;
}

static const struct cli_subcommand volume_subcommands[] = {
	{"create", &volume_create_command, volume_create_cmd, false},
	{"inspect", &volume_inspect_command, volume_inspect_cmd, false},
	{"ls", &volume_ls_command, volume_ls_cmd, false},
	{"list", &volume_ls_command, volume_ls_cmd, true},
	{"prune", &volume_prune_command, volume_prune_cmd, false},
	{"rm", &volume_rm_command, volume_rm_cmd, false},
	{"remove", &volume_rm_command, volume_rm_cmd, true},
	{NULL, NULL, NULL, false},
};

const struct cli_command cli_volume_command = {
	.name = "volume",
	.usage = "COMMAND",
	.description = "Manage volumes",
	.subcommands = volume_subcommands,
};

int cmd_volume(struct cli *cl, int argc, char **argv)
{
	return cli_run_subcommand(&cli_volume_command, cl, argc, argv);
}

bool cli_confirm(const char *warning)
{
	char buf[16] = "";

	fprintf(stderr, "%sAre you sure you want to continue? [y/N] ", warning);
	if (!fgets(buf, sizeof(buf), stdin))
		return false;
	return buf[0] == 'y' || buf[0] == 'Y';
}
