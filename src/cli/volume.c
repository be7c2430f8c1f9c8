/* SPDX-License-Identifier: MIT */
/* volume create|ls|inspect|rm|prune (docker/cli cli/command/volume). */
#include "cli/cli.h"
#include "container/volume.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

static const char volume_help[] =
	"Usage:  hull volume COMMAND\n\nManage volumes\n\nCommands:\n"
	"  create      Create a volume\n  inspect     Display detailed information on one or "
	"more volumes\n  ls          List volumes\n  prune       Remove unused local volumes\n"
	"  rm          Remove one or more volumes";

static int volume_create_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{"driver", required_argument, NULL, 'd'}, {"label", required_argument, NULL, 'l'},
		{"opt", required_argument, NULL, 'o'},	  {"name", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},	  {0}};
	_cleanup_json_ json_t *labels = json_object(), *dopts = json_object();
	const char *name = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	json_t *v = NULL;
	int o;

	optind = 0;
	while ((o = cli_getopt("volume create", argc, argv, "d:l:o:h", opts, false)) != -1) {
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
		} else if (o == 'h') {
			puts("Usage:  hull volume create [OPTIONS] [VOLUME]\n\nCreate a volume\n\n"
			     "Options:\n  -d, --driver string   Specify volume driver name (only "
			     "\"local\")\n      --label list      Set metadata for a volume\n"
			     "  -o, --opt map         Set driver specific options (type, device, "
			     "o)");
			return 0;
		} else
			return 125;
	}
	if (argc - optind > 1)
		return cli_usage_error("volume create",
				       "\"volume create\" requires at most 1 argument.");
	if (optind < argc)
		name = argv[optind];
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

static int volume_ls_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
					     {"format", required_argument, NULL, 'F'},
					     {"filter", required_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	_cleanup_strv_ char **filters = NULL;
	struct hull_err *e = NULL;
	struct format_list fl;
	struct store *s;
	json_t *arr = NULL, *v;
	const char *fmt = NULL;
	bool quiet = false;
	struct table *t;
	size_t i;
	int o;

	optind = 0;
	while ((o = cli_getopt("volume ls", argc, argv, "qf:h", opts, false)) != -1) {
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
		} else if (o == 'h') {
			puts("Usage:  hull volume ls [OPTIONS]\n\nList volumes\n\nOptions:\n"
			     "  -f, --filter filter   Provide filter values (e.g. "
			     "\"dangling=true\")\n"
			     "      --format string   Format output using a Go template\n"
			     "  -q, --quiet           Only display volume names");
			return 0;
		} else
			return 125;
	}
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

static int volume_inspect_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
	struct hull_err *e = NULL;
	const char *fmt = NULL;
	struct store *s;
	json_t *out = json_array();
	int o, rc = 0;

	optind = 0;
	while ((o = cli_getopt("volume inspect", argc, argv, "f:h", opts, false)) != -1) {
		if (o == 'f')
			fmt = optarg;
		else if (o == 'h') {
			puts("Usage:  hull volume inspect [OPTIONS] VOLUME [VOLUME...]\n\n"
			     "Display detailed information on one or more volumes\n\nOptions:\n"
			     "  -f, --format string   Format output using a Go template");
			json_decref(out);
			return 0;
		} else {
			json_decref(out);
			return 125;
		}
	}
	if (fmt && streq(fmt, "json"))
		fmt = NULL; /* inspect --format json: the array, as docker */
	if (optind >= argc) {
		json_decref(out);
		return cli_usage_error("volume inspect",
				       "\"volume inspect\" requires at least 1 argument.");
	}
	if (cli_store(cl, &s, &e) < 0) {
		json_decref(out);
		return cli_fail(e);
	}
	for (int i = optind; i < argc; i++) {
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

static int volume_rm_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
	struct hull_err *e = NULL;
	bool force = false;
	struct store *s;
	int o, rc = 0;

	optind = 0;
	while ((o = cli_getopt("volume rm", argc, argv, "fh", opts, false)) != -1) {
		if (o == 'f')
			force = true;
		else if (o == 'h') {
			puts("Usage:  hull volume rm [OPTIONS] VOLUME [VOLUME...]\n\n"
			     "Remove one or more volumes\n\nOptions:\n"
			     "  -f, --force   Force the removal of one or more volumes");
			return 0;
		} else
			return 125;
	}
	if (optind >= argc)
		return cli_usage_error("volume rm", "\"volume rm\" requires at least 1 argument.");
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	for (int i = optind; i < argc; i++) {
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

static int volume_prune_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
					     {"force", no_argument, NULL, 'f'},
					     {"filter", required_argument, NULL, 'F'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	_cleanup_strv_ char **names = NULL, **filter_args = NULL;
	_cleanup_(prune_filter_release) struct prune_filter f = {0};
	int all_filter;
	_cleanup_free_ char *size = NULL;
	struct hull_err *e = NULL;
	bool all = false, force = false;
	struct store *s;
	int64_t bytes = 0;
	int o;

	optind = 0;
	while ((o = cli_getopt("volume prune", argc, argv, "afh", opts, false)) != -1) {
		if (o == 'a')
			all = true;
		else if (o == 'f')
			force = true;
		else if (o == 'F')
			strv_push(&filter_args, optarg);
		else if (o == 'h') {
			puts("Usage:  hull volume prune [OPTIONS]\n\nRemove unused local "
			     "volumes\n\n"
			     "Options:\n  -a, --all             Remove all unused volumes, not "
			     "just "
			     "anonymous ones\n"
			     "      --filter filter   Provide filter values (e.g. "
			     "\"label=<label>\")\n"
			     "  -f, --force           Do not prompt for confirmation");
			return 0;
		} else
			return 125;
	}
	if (!force && !cli_confirm(all ? "WARNING! This will remove all local volumes not used "
					 "by at least one container.\n"
				       : "WARNING! This will remove anonymous local volumes not "
					 "used by at least one container.\n"))
		return 0;
	/* moby volume/service: label, label!, and all (what -a sends) */
	if (cli_prune_filter_parse(filter_args, "label label! all", "all", &all_filter, &f, &e) <
	    0) {
		fprintf(stderr, "Error response from daemon: %s\n", e->msg);
		err_free(e);
		return 1;
	}
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

int cmd_volume(struct cli *cl, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli *, int, char **);
	} subs[] = {
		{"create", volume_create_cmd},	 {"ls", volume_ls_cmd}, {"list", volume_ls_cmd},
		{"inspect", volume_inspect_cmd}, {"rm", volume_rm_cmd}, {"remove", volume_rm_cmd},
		{"prune", volume_prune_cmd},
	};

	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		puts(volume_help);
		return argc < 2 ? 125 : 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (streq(subs[i].name, argv[1]))
			return subs[i].fn(cl, argc - 1, argv + 1);
	fprintf(stderr, "hull: 'volume %s' is not a hull command.\nSee 'hull volume --help'\n",
		argv[1]);
	return 125;
}

bool cli_confirm(const char *warning)
{
	char buf[16] = "";

	fprintf(stderr, "%sAre you sure you want to continue? [y/N] ", warning);
	if (!fgets(buf, sizeof(buf), stdin))
		return false;
	return buf[0] == 'y' || buf[0] == 'Y';
}
