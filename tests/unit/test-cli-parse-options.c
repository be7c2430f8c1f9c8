/* SPDX-License-Identifier: MIT */
/*
 * cli_parse_next() and cli_help() (src/cli/parse-options.c) against pflag's
 * conventions as docker's cobra commands use them (spf13/pflag flag.go:
 * parseLongArg, parseSingleShortArg, FlagUsagesWrapped; docker/cli
 * cli/required.go for the argument counts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cli/parse-options.h"
#include "util/strv.h"

enum { ID_SIGNAL = 1, ID_FORCE };

static bool detach, interactive, tty, proxy;
static const char *name, *user;
static int timeout;
static char **env;

static const struct cli_option opts[] = {
	CLI_BOOL('d', "detach", &detach, "Run container in background"),
	CLI_BOOL('i', "interactive", &interactive, "Keep STDIN open"),
	CLI_BOOL('t', "tty", &tty, "Allocate a pseudo-TTY"),
	CLI_BOOL(0, "sig-proxy", &proxy, "Proxy received signals (default true)"),
	CLI_STRING(0, "name", &name, NULL, "Assign a name to the container"),
	CLI_STRING('u', "user", &user, NULL, "Username or UID"),
	CLI_INT(0, "time", &timeout, NULL, "Seconds to wait"),
	CLI_LIST('e', "env", &env, NULL, "Set environment variables"),
	CLI_STRING_ID('s', "signal", ID_SIGNAL, NULL, "Signal to send"),
	CLI_BOOL_ID('f', "force", ID_FORCE, "Force"),
	CLI_HIDDEN_ID("net", CLI_KIND_STRING, ID_SIGNAL),
	CLI_OPT_END,
};

static const struct cli_command any = {"t", "[OPTIONS] [ARG...]", "Test", NULL, 0, -1, false, opts,
				       NULL};
static const struct cli_command stop = {
	"t", "[OPTIONS] IMAGE [ARG...]", "Test", NULL, 1, -1, true, opts, NULL};
static const struct cli_command two = {"t", "A B", "Test", NULL, 2, 2, false, opts, NULL};

static void reset(void)
{
	detach = interactive = tty = false;
	proxy = true;
	name = user = NULL;
	timeout = -1;
	env = strv_free(env);
}

/* parse @args (NULL-ended, the command's name first): the exit code or -1, *@ind */
static int parse(const struct cli_command *cmd, char **args, int *ind)
{
	int argc = 0;

	while (args[argc])
		argc++;
	reset();
	return cli_parse(cmd, NULL, argc, args, ind);
}

static void test_mixed_arguments_come_last(void **state)
{
	char *a[] = {"t", "a", "-d", "--name", "x", "b", "--time=5", NULL};
	int ind;

	(void) state;
	assert_int_equal(parse(&any, a, &ind), -1);
	assert_true(detach);
	assert_string_equal(name, "x");
	assert_int_equal(timeout, 5);
	assert_int_equal(ind, 5);
	assert_string_equal(a[5], "a");
	assert_string_equal(a[6], "b");
}

static void test_stop_at_first_argument(void **state)
{
	char *a[] = {"t", "-d", "img", "-x", "--name", "y", NULL};
	int ind;

	(void) state;
	assert_int_equal(parse(&stop, a, &ind), -1);
	assert_true(detach);
	assert_null(name);
	assert_int_equal(ind, 2);
	assert_string_equal(a[3], "-x");
}

static void test_double_dash(void **state)
{
	char *a[] = {"t", "x", "--", "-d", NULL};
	int ind;

	(void) state;
	assert_int_equal(parse(&any, a, &ind), -1);
	assert_false(detach);
	assert_int_equal(ind, 2);
	assert_string_equal(a[2], "x");
	assert_string_equal(a[3], "-d");
}

static void test_short_forms(void **state)
{
	char *a[] = {"t", "-dit", "-uroot", "-e", "A=1", "-e=X=y", "-eB=2", "-d=false", NULL};
	int ind;

	(void) state;
	assert_int_equal(parse(&any, a, &ind), -1);
	assert_false(detach); /* -d=false after -d: pflag sets it again */
	assert_true(interactive && tty);
	assert_string_equal(user, "root");
	assert_int_equal(strv_length(env), 3);
	assert_string_equal(env[0], "A=1");
	assert_string_equal(env[1], "X=y");
	assert_string_equal(env[2], "B=2");
	assert_int_equal(ind, 8);
}

static void test_bool_values(void **state)
{
	char *a[] = {"t", "--sig-proxy=false", "--tty=true", "--detach=1", NULL};
	char *bad[] = {"t", "--tty=yes", NULL};
	int ind;

	(void) state;
	assert_int_equal(parse(&any, a, &ind), -1);
	assert_false(proxy);
	assert_true(tty && detach);
	assert_int_equal(parse(&any, bad, &ind), 125);
}

static void test_errors(void **state)
{
	char *unknown[] = {"t", "--bogus", NULL};
	char *prefix[] = {"t", "--nam", "x", NULL};
	char *shorthand[] = {"t", "-dZ", NULL};
	char *missing[] = {"t", "--name", NULL};
	char *missing_short[] = {"t", "-u", NULL};
	char *bad_int[] = {"t", "--time", "soon", NULL};
	char *big_int[] = {"t", "--time", "99999999999", NULL};
	int ind;

	(void) state;
	assert_int_equal(parse(&any, unknown, &ind), 125);
	assert_int_equal(parse(&any, prefix, &ind), 125);
	assert_int_equal(parse(&any, shorthand, &ind), 125);
	assert_int_equal(parse(&any, missing, &ind), 125);
	assert_int_equal(parse(&any, missing_short, &ind), 125);
	assert_int_equal(parse(&any, bad_int, &ind), 125);
	assert_int_equal(parse(&any, big_int, &ind), 125);
}

static void test_argument_counts(void **state)
{
	char *none[] = {"t", "-d", NULL};
	char *one[] = {"t", "a", NULL};
	char *three[] = {"t", "a", "b", "c", NULL};
	char *ok[] = {"t", "a", "b", NULL};
	int ind;

	(void) state;
	assert_int_equal(parse(&stop, none, &ind), 1);
	assert_int_equal(parse(&two, one, &ind), 1);
	assert_int_equal(parse(&two, three, &ind), 1);
	assert_int_equal(parse(&two, ok, &ind), -1);
}

static void test_help(void **state)
{
	char *l[] = {"t", "--name", "x", "--help", NULL};
	char *s[] = {"t", "-h", NULL};
	char *after[] = {"t", "img", "--help", NULL};
	int ind;

	(void) state;
	assert_int_equal(parse(&any, l, &ind), 0);
	assert_int_equal(parse(&any, s, &ind), 0);
	/* after the image, --help is the container's */
	assert_int_equal(parse(&stop, after, &ind), -1);
	assert_int_equal(ind, 1);
}

static void test_ids(void **state)
{
	char *a[] = {"t", "-s", "KILL", "--force=false", "--net=x", "-f", NULL};
	char *late_false[] = {"t", "-f", "--force=false", NULL};
	struct cli_parse p;

	(void) state;
	reset();
	cli_parse_init(&p, &any, 6, a);
	assert_int_equal(cli_parse_next(&p), ID_SIGNAL);
	assert_string_equal(p.arg, "KILL");
	/* --force=false before any --force: nothing to undo, skipped */
	assert_int_equal(cli_parse_next(&p), ID_SIGNAL);
	assert_string_equal(p.arg, "x");
	assert_int_equal(cli_parse_next(&p), ID_FORCE);
	assert_null(p.arg);
	assert_int_equal(cli_parse_next(&p), CLI_PARSE_DONE);

	cli_parse_init(&p, &any, 3, late_false);
	assert_int_equal(cli_parse_next(&p), ID_FORCE);
	assert_int_equal(cli_parse_next(&p), CLI_PARSE_EXIT);
	assert_int_equal(p.exit_code, 125);
}

/* the help's Options: sorted, hidden ones left out, aligned 3 after the widest flag */
static void test_help_layout(void **state)
{
	char buf[4096] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	(void) state;
	assert_non_null(f);
	cli_help(&stop, f);
	fclose(f);
	assert_non_null(strstr(buf, "Usage:  hull t [OPTIONS] IMAGE [ARG...]\n\nTest\n\nOptions:\n"
				    "  -d, --detach          Run container in background\n"
				    "  -e, --env list        Set environment variables\n"
				    "  -f, --force           Force\n"));
	/* the widest, "-s, --signal string", sets the column */
	assert_non_null(strstr(buf,
			       "      --name string     Assign a name to the container\n"
			       "      --sig-proxy       Proxy received signals (default true)\n"
			       "  -s, --signal string   Signal to send\n"
			       "      --time int        Seconds to wait\n"));
	assert_null(strstr(buf, "--net "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixed_arguments_come_last),
		cmocka_unit_test(test_stop_at_first_argument),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_short_forms),
		cmocka_unit_test(test_bool_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_argument_counts),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_help_layout),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	env = strv_free(env);
	return r;
}
