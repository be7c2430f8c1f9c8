/* SPDX-License-Identifier: MIT */
/* Table-driven option parsing, help and usage errors (parse-options.h, docs/internals/cli.md). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "cli/parse-options.h"
#include "util/strbuf.h"
#include "util/strv.h"

int cli_fail_as(struct hull_err *e, int code)
{
	_cleanup_free_ char *msg = xstrdup(e ? e->msg : "unknown error");

	if (e && e->exit_code)
		code = e->exit_code;
	/*
	 * a message may quote what a registry, an archive or a layer held:
	 * no control character of theirs (an ESC sequence) reaches the terminal
	 */
	for (char *p = msg; *p; p++)
		if (((unsigned char) *p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			*p = '?';
	fflush(stdout);
	fprintf(stderr, "hull: %s\n", msg);
	err_free(e);
	return code;
}

int cli_fail(struct hull_err *e)
{
	return cli_fail_as(e, 1);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "hull: ");
	if (cmd && *cmd)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd && *cmd)
		fprintf(stderr, "\nSee 'hull %s --help'.\n", cmd);
	else
		fprintf(stderr, "\nSee 'hull --help'.\n");
	return 125;
}

int cli_flag_error(const char *cmd, const char *flag, const char *arg, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return cli_usage_error(cmd, "invalid argument \"%s\" for \"%s\" flag: %s", arg, flag, why);
}

int cli_args_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "\"hull %s\" ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	/* the description's first line: cobra's Short */
	fprintf(stderr, ".\nSee 'hull %s --help'.\n\nUsage:  hull %s%s%s\n\n%.*s\n", cmd->name,
		cmd->name, cmd->usage ? " " : "", cmd->usage ?: "",
		(int) strcspn(cmd->description ?: "", "\n"), cmd->description ?: "");
	return 1;
}

int cli_parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (streq(s, yes[i]) || streq(s, no[i])) {
			*ret = streq(s, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

/* the flag as pflag names it in its errors: "-d, --detach" or "--rm" */
static char *flag_name(const struct cli_option *o)
{
	if (o->short_name)
		return xasprintf("-%c, --%s", o->short_name, o->long_name);
	return xasprintf("--%s", o->long_name);
}

static const char *kind_argh(const struct cli_option *o)
{
	if (o->argh)
		return o->argh;
	switch (o->kind) {
	case CLI_KIND_STRING:
		return "string";
	case CLI_KIND_INT:
		return "int";
	case CLI_KIND_LIST:
		return "list";
	default:
		return NULL;
	}
}

void cli_parse_init(struct cli_parse *p, const struct cli_command *cmd, int argc, char **argv)
{
	*p = (struct cli_parse){.cmd = cmd, .argc = argc, .argv = argv, .ind = 1, .scan = 1};
}

/* move argv[@from] to argv[p->ind], the arguments put aside shifting right */
static void take(struct cli_parse *p, int from)
{
	char *t = p->argv[from];

	memmove(p->argv + p->ind + 1, p->argv + p->ind, (size_t) (from - p->ind) * sizeof(char *));
	p->argv[p->ind++] = t;
	p->scan++;
}

static bool wants_help_short(const struct cli_parse *p)
{
	for (const struct cli_option *o = p->cmd->options; o && o->kind; o++)
		if (o->short_name == 'h')
			return false;
	return true;
}

static int help_exit(struct cli_parse *p)
{
	cli_help(p->cmd, stdout);
	p->exit_code = 0;
	return CLI_PARSE_EXIT;
}

static int error_exit(struct cli_parse *p, int code)
{
	p->exit_code = code;
	return CLI_PARSE_EXIT;
}

/*
 * Store or hand back option @o with @arg (NULL: none given; for a bool, "true"
 * unless "=VALUE" said otherwise). Returns the id to hand back, 0 to go on, or
 * CLI_PARSE_EXIT.
 */
static int apply(struct cli_parse *p, const struct cli_option *o, const char *arg)
{
	size_t idx = (size_t) (o - p->cmd->options);
	bool was_seen = p->seen[idx / 8] & (1u << (idx % 8));

	p->seen[idx / 8] |= (unsigned char) (1u << (idx % 8));
	p->arg = arg;
	if (o->flags & CLI_OPT_DEPRECATED)
		fprintf(stderr, "Flag --%s has been deprecated, %s\n", o->long_name, o->help ?: "");
	switch (o->kind) {
	case CLI_KIND_BOOL: {
		bool on = true;

		if (arg && cli_parse_bool(arg, &on) < 0) {
			_cleanup_free_ char *f = flag_name(o);
			return error_exit(
				p,
				cli_flag_error(p->cmd->name, f, arg,
					       "strconv.ParseBool: parsing \"%s\": invalid syntax",
					       arg));
		}
		p->arg = NULL;
		if (o->value) {
			*(bool *) o->value = on;
			return 0;
		}
		if (on)
			return o->id;
		/* the command acted on the flag already and cannot undo it */
		if (was_seen)
			return error_exit(p,
					  cli_usage_error(p->cmd->name,
							  "--%s=%s after --%s: give the flag once",
							  o->long_name, arg, o->long_name));
		return 0;
	}
	case CLI_KIND_INT: {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(arg, &end, 0);
		if (!*arg || *end || errno || v > INT_MAX || v < INT_MIN) {
			_cleanup_free_ char *f = flag_name(o);
			return error_exit(p, cli_flag_error(p->cmd->name, f, arg,
							    "strconv.ParseInt: parsing \"%s\": %s",
							    arg,
							    *arg && !*end ? "value out of range"
									  : "invalid syntax"));
		}
		if (o->value) {
			*(int *) o->value = (int) v;
			return 0;
		}
		return o->id;
	}
	case CLI_KIND_STRING:
		if (o->value) {
			*(const char **) o->value = arg;
			return 0;
		}
		return o->id;
	case CLI_KIND_LIST:
		if (o->value) {
			strv_push((char ***) o->value, arg);
			return 0;
		}
		return o->id;
	case CLI_KIND_END:
		break;
	}
	abort();
}

static int check_args(struct cli_parse *p)
{
	const struct cli_command *c = p->cmd;
	int n = p->argc - p->ind;

	if (n >= c->min_args && (c->max_args < 0 || n <= c->max_args))
		return CLI_PARSE_DONE;
	if (c->max_args == 0)
		return error_exit(p, cli_args_error(c, "accepts no arguments"));
	if (c->min_args == c->max_args)
		return error_exit(p, cli_args_error(c, "requires exactly %d argument%s",
						    c->min_args, c->min_args == 1 ? "" : "s"));
	if (c->max_args < 0)
		return error_exit(p, cli_args_error(c, "requires at least %d argument%s",
						    c->min_args, c->min_args == 1 ? "" : "s"));
	if (c->min_args == 0)
		return error_exit(p, cli_args_error(c, "requires at most %d argument%s",
						    c->max_args, c->max_args == 1 ? "" : "s"));
	return error_exit(p, cli_args_error(c, "requires at least %d and at most %d argument%s",
					    c->min_args, c->max_args, c->max_args == 1 ? "" : "s"));
}

/* one short flag from p->bundle (pflag's parseSingleShortArg) */
static int next_short(struct cli_parse *p)
{
	const char *b = p->bundle;
	char c = *b;
	const struct cli_option *o = NULL;

	for (const struct cli_option *q = p->cmd->options; q && q->kind; q++)
		if (q->short_name == c) {
			o = q;
			break;
		}
	if (!o) {
		p->bundle = NULL;
		if (c == 'h' && wants_help_short(p))
			return help_exit(p);
		return error_exit(p, cli_usage_error(p->cmd->name,
						     "unknown shorthand flag: '%c' in -%s", c, b));
	}
	if (b[1] == '=' && b[2]) { /* -d=false, -e=X=y */
		p->bundle = NULL;
		return apply(p, o, b + 2);
	}
	if (o->kind == CLI_KIND_BOOL) {
		p->bundle = b[1] ? b + 1 : NULL;
		return apply(p, o, NULL);
	}
	p->bundle = NULL;
	if (b[1]) /* -uroot */
		return apply(p, o, b + 1);
	if (p->scan >= p->argc)
		return error_exit(p, cli_usage_error(p->cmd->name,
						     "flag needs an argument: '%c' in -%c", c, c));
	take(p, p->scan);
	return apply(p, o, p->argv[p->ind - 1]);
}

static int next_long(struct cli_parse *p, const char *tok)
{
	const char *name = tok + 2, *eq = strchr(name, '=');
	size_t n = eq ? (size_t) (eq - name) : strlen(name);
	const struct cli_option *o = NULL;

	for (const struct cli_option *q = p->cmd->options; q && q->kind; q++)
		if (strlen(q->long_name) == n && strncmp(q->long_name, name, n) == 0) {
			o = q;
			break;
		}
	if (!o) {
		_cleanup_free_ char *f = xstrndup(name, n);

		if (streq(f, "help"))
			return help_exit(p);
		return error_exit(p, cli_usage_error(p->cmd->name, "unknown flag: --%s", f));
	}
	if (eq || o->kind == CLI_KIND_BOOL)
		return apply(p, o, eq ? eq + 1 : NULL);
	if (p->scan >= p->argc)
		return error_exit(
			p, cli_usage_error(p->cmd->name, "flag needs an argument: --%s", name));
	take(p, p->scan);
	return apply(p, o, p->argv[p->ind - 1]);
}

int cli_parse_next(struct cli_parse *p)
{
	for (;;) {
		const char *tok;
		int r;

		if (p->bundle)
			r = next_short(p);
		else {
			/* skip (put aside) the arguments up to the next option */
			while (p->scan < p->argc) {
				tok = p->argv[p->scan];
				if (tok[0] == '-' && tok[1])
					break;
				if (p->cmd->stop_at_arg)
					return check_args(p);
				p->scan++;
			}
			if (p->scan >= p->argc)
				return check_args(p);
			take(p, p->scan);
			tok = p->argv[p->ind - 1];
			if (streq(tok, "--")) {
				/* the arguments put aside come before those after "--" */
				return check_args(p);
			}
			if (tok[1] == '-')
				r = next_long(p, tok);
			else {
				p->bundle = tok + 1;
				r = next_short(p);
			}
		}
		if (r != 0)
			return r;
	}
}

int cli_parse(const struct cli_command *cmd, const struct cli_option *options, int argc,
	      char **argv, int *ret_ind)
{
	struct cli_command with = *cmd;
	struct cli_parse p;
	int r;

	if (options)
		with.options = options;
	cli_parse_init(&p, &with, argc, argv);
	r = cli_parse_next(&p);
	if (r == CLI_PARSE_EXIT)
		return p.exit_code;
	/* an option without a value pointer: a programmer error in the table */
	if (r != CLI_PARSE_DONE)
		abort();
	*ret_ind = p.ind;
	return -1;
}

/* pflag's wrapN: cut @s at the last blank before @i (+@slop if it all fits) */
static size_t wrap_n(const char *s, size_t i, size_t slop, size_t *ret_skip)
{
	size_t len = strlen(s), w = 0, nl = 0;

	*ret_skip = 0;
	if (i + slop > len)
		return len;
	for (size_t k = 0; k < i; k++) {
		if (s[k] == ' ' || s[k] == '\t' || s[k] == '\n')
			w = k;
		if (s[k] == '\n')
			nl = k;
	}
	if (w == 0)
		return len;
	*ret_skip = 1;
	return nl > 0 && nl < w ? nl : w;
}

/* pflag's wrap: @s in a column from @indent to @width, continuation lines indented */
static void wrap(struct strbuf *sb, size_t indent, size_t width, const char *s)
{
	const size_t slop = 5;
	size_t avail = width > indent ? width - indent : 0, n, skip;
	bool first = true;

	if (avail < 24) {
		indent = 16;
		avail = width > indent ? width - indent : 0;
		if (avail < 24) {
			(void) strbuf_adds(sb, s);
			return;
		}
		(void) strbuf_addf(sb, "\n%*s", (int) indent, "");
	}
	avail -= slop;
	while (*s) {
		n = wrap_n(s, avail, slop, &skip);
		if (!first)
			(void) strbuf_addf(sb, "\n%*s", (int) indent, "");
		for (size_t k = 0; k < n; k++) {
			if (s[k] == '\n')
				(void) strbuf_addf(sb, "\n%*s", (int) indent, "");
			else
				(void) strbuf_addch(sb, s[k]);
		}
		s += n + skip;
		first = false;
	}
}

static int option_cmp(const void *a, const void *b)
{
	const struct cli_option *const *x = a, *const *y = b;

	return strcmp((*x)->long_name, (*y)->long_name);
}

/* pflag's FlagUsagesWrapped(width): sorted by name, usage column after the widest flag + 3 */
static void print_options(const struct cli_option *opts, size_t width, FILE *f)
{
	_cleanup_free_ const struct cli_option **list = NULL;
	_cleanup_strv_ char **left = NULL;
	size_t n = 0, max = 0;

	for (const struct cli_option *o = opts; o && o->kind; o++)
		n++;
	list = xcalloc(n + 1, sizeof(*list));
	n = 0;
	for (const struct cli_option *o = opts; o && o->kind; o++)
		if (!(o->flags & (CLI_OPT_HIDDEN | CLI_OPT_DEPRECATED)))
			list[n++] = o;
	qsort(list, n, sizeof(*list), option_cmp);
	for (size_t i = 0; i < n; i++) {
		const char *argh = kind_argh(list[i]);
		char *l;

		if (list[i]->short_name)
			l = xasprintf("  -%c, --%s%s%s", list[i]->short_name, list[i]->long_name,
				      argh ? " " : "", argh ?: "");
		else
			l = xasprintf("      --%s%s%s", list[i]->long_name, argh ? " " : "",
				      argh ?: "");
		if (strlen(l) > max)
			max = strlen(l);
		strv_consume(&left, l);
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

		(void) strbuf_addf(&sb, "%-*s   ", (int) max, left[i]);
		wrap(&sb, max + 3, width, list[i]->help ?: "");
		fprintf(f, "%s\n", strbuf_cstr(&sb));
	}
}

/* docker's help width: the terminal's (stdin's, as docker/cli asks) less one, or 79 */
static size_t help_width(void)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return (size_t) ws.ws_col - 1;
	return 79;
}

/* "hull" and the command's name: "hull run", or "hull" for the root */
static void print_path(const struct cli_command *cmd, FILE *f)
{
	fprintf(f, "hull%s%s", *cmd->name ? " " : "", cmd->name);
}

/* the subcommands of @cmd that are (or are not, @groups) management commands */
static void print_subcommands(const struct cli_command *cmd, bool groups, FILE *f)
{
	size_t pad = 11; /* cobra's minNamePadding */
	bool any = false;

	for (const struct cli_subcommand *s = cmd->subcommands; s->name; s++)
		if (!s->hidden && strlen(s->name) > pad)
			pad = strlen(s->name);
	for (const struct cli_subcommand *s = cmd->subcommands; s->name; s++) {
		const char *d = s->cmd->description ?: "";

		if (s->hidden || !s->cmd->subcommands != !groups)
			continue;
		if (!any)
			fprintf(f, "\n%s:\n", groups ? "Management Commands" : "Commands");
		any = true;
		/* the description's first line: cobra's Short */
		fprintf(f, "  %-*s %.*s\n", (int) pad, s->name, (int) strcspn(d, "\n"), d);
	}
}

void cli_help(const struct cli_command *cmd, FILE *f)
{
	bool any = false;

	fprintf(f, "Usage:  ");
	print_path(cmd, f);
	fprintf(f, "%s%s\n\n%s\n", cmd->usage ? " " : "", cmd->usage ?: "", cmd->description ?: "");
	if (cmd->aliases)
		fprintf(f, "\nAliases:\n  %s\n", cmd->aliases);
	for (const struct cli_option *o = cmd->options; o && o->kind; o++)
		any |= !(o->flags & (CLI_OPT_HIDDEN | CLI_OPT_DEPRECATED));
	if (cmd->subcommands) {
		print_subcommands(cmd, true, f);
		print_subcommands(cmd, false, f);
	}
	if (any) {
		/* the root's options are docker's "Global Options" */
		fprintf(f, "\n%sOptions:\n", *cmd->name ? "" : "Global ");
		print_options(cmd->options, help_width(), f);
	}
	if (cmd->subcommands) {
		fprintf(f, "\nRun '");
		print_path(cmd, f);
		fprintf(f, " COMMAND --help' for more information on a command.\n");
	}
}

int cli_run_subcommand(const struct cli_command *group, struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		cli_help(group, stdout);
		return 0;
	}
	if (argv[1][0] == '-') {
		_cleanup_free_ char *f = xstrndup(argv[1], strcspn(argv[1], "="));

		if (f[1] == '-')
			return cli_usage_error(group->name, "unknown flag: %s", f);
		return cli_usage_error(group->name, "unknown shorthand flag: '%c' in %s", f[1], f);
	}
	for (const struct cli_subcommand *s = group->subcommands; s->name; s++)
		if (streq(s->name, argv[1]))
			return s->fn(cli, argc - 1, argv + 1);
	fflush(stdout);
	fprintf(stderr, "hull: '%s %s' is not a hull command.\nSee 'hull %s --help'\n", group->name,
		argv[1], group->name);
	return 125;
}
