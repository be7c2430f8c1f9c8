/* SPDX-License-Identifier: MIT */
/*
 * One option table per command drives the parsing of its argv, its --help and
 * its usage errors (git's parse-options habit), so that the help can never
 * drift from the flags. Design notes: docs/internals/cli.md.
 *
 * A command is a `struct cli_command`: its name as typed after "hull "
 * ("run", "volume create"), its usage line, a one-line description, the
 * other names docker lists under "Aliases:", the bounds of its positional
 * arguments and its `struct cli_option` table. Each option has a long name,
 * an optional short one, a kind (bool, string, int, list) and either a
 * pointer to the variable it sets or an id that cli_parse_next() hands back
 * to the command, which then checks and stores the argument itself (git's
 * OPTION_CALLBACK, written as a switch).
 *
 * The parser keeps docker's (spf13/pflag's, as cobra drives it) conventions:
 *  - "--name value" and "--name=value"; a long flag is never taken by a
 *    prefix of its name ("unknown flag: --priv");
 *  - a bool takes no argument but "--name=true|false" (Go's
 *    strconv.ParseBool), and "-d=false";
 *  - "-abc" bundles of short bools, "-uroot" and "-u root", "-e=X=y" (the
 *    value is "X=y", pflag's parseSingleShortArg);
 *  - "--" ends the options; with @stop_at_arg (cobra's
 *    Flags().SetInterspersed(false): run, create, exec) the first positional
 *    argument ends them too, otherwise options and arguments may mix and
 *    argv is permuted so that the arguments come last, at argv[ind];
 *  - "--help", and "-h" unless the table gives -h a meaning of its own (run's
 *    --hostname), print the help generated from the table and exit 0.
 *
 * Errors are printed one way, by cli_usage_error() (parse errors, exit 125)
 * and cli_fail() (an error object, exit 1 or the code the error carries),
 * and exit codes are returned, never kept in a global.
 *
 * Sources: docker/cli cli/cobra.go (usage template, FlagErrorFunc: 125),
 * cli/required.go (argument counts: exit 1), spf13/pflag flag.go
 * (parseLongArg, parseSingleShortArg, FlagUsagesWrapped).
 */
#ifndef HULL_CLI_PARSE_OPTIONS_H
#define HULL_CLI_PARSE_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include "util/err.h"

enum cli_opt_kind {
	CLI_KIND_END = 0, /* the table's last entry */
	CLI_KIND_BOOL,	  /* bool *value; no argument, or "=true|false" */
	CLI_KIND_STRING,  /* const char **value: the argument, borrowed from argv */
	CLI_KIND_INT,	  /* int *value: pflag's int (strconv.ParseInt, base 0) */
	CLI_KIND_LIST,	  /* char ***value: each argument appended (strv_push), caller frees */
};

enum {
	CLI_OPT_HIDDEN = 1 << 0, /* accepted, not listed by --help (docker's hidden aliases) */
	CLI_OPT_DEPRECATED =
		1 << 1, /* not listed; a use warns "Flag --x has been deprecated, HELP" */
};

struct cli_option {
	char short_name;       /* 0: none */
	const char *long_name; /* without "--" */
	enum cli_opt_kind kind;
	void *value;	  /* as the kind says; NULL: cli_parse_next() returns @id */
	int id;		  /* > 0, for an option without @value */
	const char *argh; /* --help's placeholder; NULL: the kind's ("string", "int", "list") */
	const char *help; /* --help's text, pflag's usage string */
	unsigned flags;	  /* CLI_OPT_* */
};

/* Table entries. _ID forms hand the option to the command (cli_parse_next()). */
/* clang-format off */
#define CLI_BOOL(s, l, v, h)		{(s), (l), CLI_KIND_BOOL, (v), 0, NULL, (h), 0}
#define CLI_BOOL_ID(s, l, i, h)		{(s), (l), CLI_KIND_BOOL, NULL, (i), NULL, (h), 0}
#define CLI_STRING(s, l, v, a, h)	{(s), (l), CLI_KIND_STRING, (v), 0, (a), (h), 0}
#define CLI_STRING_ID(s, l, i, a, h)	{(s), (l), CLI_KIND_STRING, NULL, (i), (a), (h), 0}
#define CLI_INT(s, l, v, a, h)		{(s), (l), CLI_KIND_INT, (v), 0, (a), (h), 0}
#define CLI_INT_ID(s, l, i, a, h)	{(s), (l), CLI_KIND_INT, NULL, (i), (a), (h), 0}
#define CLI_LIST(s, l, v, a, h)		{(s), (l), CLI_KIND_LIST, (v), 0, (a), (h), 0}
#define CLI_LIST_ID(s, l, i, a, h)	{(s), (l), CLI_KIND_LIST, NULL, (i), (a), (h), 0}
/* another name docker accepts but does not list (run's --net for --network) */
#define CLI_HIDDEN_ID(l, k, i)		{0, (l), (k), NULL, (i), NULL, NULL, CLI_OPT_HIDDEN}
#define CLI_OPT_END			{0}
/* clang-format on */

struct cli;
struct cli_subcommand;

struct cli_command {
	const char *name;	 /* as typed after "hull ": "run", "volume create" */
	const char *usage;	 /* what follows the name in "Usage:": "[OPTIONS] IMAGE..." */
	const char *description; /* one line, docker's Short */
	const char *aliases;	 /* docker's "Aliases:" line, or NULL */
	int min_args, max_args;	 /* positional arguments; max_args -1: no bound */
	bool stop_at_arg;	 /* the first argument ends the options (run, exec) */
	const struct cli_option *options; /* CLI_OPT_END-ended; NULL: only --help */
	/* a management command (volume, network...): its subcommands, NULL-name ended */
	const struct cli_subcommand *subcommands;
};

/* a subcommand of a management command, as `hull volume --help` lists it */
struct cli_subcommand {
	const char *name; /* "ls" */
	const struct cli_command *cmd;
	int (*fn)(struct cli *cli, int argc, char **argv); /* argv starts at the name */
	bool hidden; /* another name of one listed ("list" for "ls") */
};

/* cli_parse_next()'s results besides an option's id */
#define CLI_PARSE_DONE (-1) /* the options ended; the arguments are argv[p->ind..argc) */
#define CLI_PARSE_EXIT (-2) /* --help printed or an error reported: return p->exit_code */

struct cli_parse {
	const struct cli_command *cmd;
	int argc;
	char **argv;
	int ind;	 /* next option token; at DONE, the first positional argument */
	const char *arg; /* the argument of the option returned (NULL for a bool) */
	int exit_code;	 /* with CLI_PARSE_EXIT: 0 after --help, else docker's code */
	/* private */
	int scan;		/* next unread token; argv[ind, scan) are arguments put aside */
	const char *bundle;	/* rest of a "-abc" bundle */
	unsigned char seen[32]; /* bitmap of the table's entries given (refusing a late false) */
};

/*
 * cli_parse_init() - begin parsing @argv (argv[0] is the command's name) against @cmd's
 * table. Nothing is allocated; @argv's pointers may be reordered (never its strings).
 */
void cli_parse_init(struct cli_parse *p, const struct cli_command *cmd, int argc, char **argv);
/*
 * cli_parse_next() - parse the next option. Options with a value pointer are
 * stored and skipped; an option without returns its id, with p->arg its
 * argument (a bool's id is returned for true only; "=false" leaves it unset,
 * and is refused after the flag was given, since the command cannot undo it).
 * CLI_PARSE_DONE at the end, after checking the argument count (docker's
 * words, exit 1). CLI_PARSE_EXIT after --help (exit 0) or an error it printed
 * (unknown flag, missing or bad argument: 125; argument count: 1).
 */
int cli_parse_next(struct cli_parse *p);
/*
 * cli_parse() - parse every option of a table whose options all have a value
 * pointer: @options, or @cmd's own when NULL (a command's table of pointers
 * to its locals lives in the function, its cli_command at file scope, where
 * the management command's help finds its description). -1 to go on with
 * the arguments at argv[*@ret_ind..argc), else the exit code to return (0
 * after --help).
 */
int cli_parse(const struct cli_command *cmd, const struct cli_option *options, int argc,
	      char **argv, int *ret_ind);

/*
 * cli_help() - print @cmd's help in docker's layout (cli/cobra.go's usage
 * template): "Usage:", the description, "Aliases:", "Options:" aligned as
 * pflag's FlagUsagesWrapped, sorted by name, and for a management command
 * "Commands:" and its pointer to 'hull CMD COMMAND --help'.
 */
void cli_help(const struct cli_command *cmd, FILE *f);
/*
 * cli_run_subcommand() - dispatch a management command: `hull volume` alone
 * or with --help prints its help (exit 0, as docker), an unknown subcommand
 * docker's "'volume x' is not a hull command" (125), else the subcommand's
 * fn with argv starting at its name.
 */
int cli_run_subcommand(const struct cli_command *group, struct cli *cli, int argc, char **argv);

/*
 * cli_fail_as() - print "hull: MSG" from @e (freed; control characters it
 * quotes are replaced by '?') and return the error's own exit code (126,
 * 127...) or @code. docker/cli exits 1 when the daemon refuses a request
 * (images, tag, inspect, logs, rm...) and 125 for run and create, which wrap
 * every error that is not the container's (cli/command/container/run.go
 * toStatusError). cli_fail() is cli_fail_as(e, 1).
 */
int cli_fail_as(struct hull_err *e, int code);
int cli_fail(struct hull_err *e);
/*
 * cli_usage_error() - print "hull: CMD: MSG" and "See 'hull CMD --help'."
 * (docker's FlagErrorFunc) and return 125. @cmd "" for the global flags.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...) _printf_(2, 3);
/*
 * cli_flag_error() - docker's (pflag's) message for a flag value it refuses,
 * `invalid argument "ARG" for "FLAG" flag: WHY` (FLAG as docker prints it:
 * "--shm-size", "-t, --tag"), through cli_usage_error(); returns 125.
 */
int cli_flag_error(const char *cmd, const char *flag, const char *arg, const char *fmt, ...)
	_printf_(4, 5);
/*
 * cli_args_error() - docker's error for a wrong argument count (cli/required.go):
 * "\"hull CMD\" MSG.", its help pointer, "Usage:" and the description; returns 1.
 */
int cli_args_error(const struct cli_command *cmd, const char *fmt, ...) _printf_(2, 3);
/* cli_parse_bool() - Go's strconv.ParseBool, as pflag reads a boolean flag's value: 1 t T
 * TRUE true True, 0 f F FALSE false False. 0 with *@ret set, or -EINVAL. */
int cli_parse_bool(const char *s, bool *ret);

#endif
