/* SPDX-License-Identifier: MIT */
/*
 * cmd_resolve() against the run-time rows of ../shared/spec/cmd-entrypoint.md
 * section 8 (the row number is in each case's name). Build-time rows (how
 * the image's Cmd/Entrypoint were stored) are covered by
 * test-build-cmdline.c, whose header maps every row 1-85 to its tests; here
 * the image values are given as stored.
 *
 * Rows 64-76 and 85 are checked here for their merge only (the argv handed
 * to the runtime, as typed). What happens after is process level, covered
 * by the system tests against the busybox image:
 *   64, 67, 68, 75  exit 127, not found         tests/system/060-cmd-entrypoint.bats
 *   65, 66          exit 126, permission denied tests/system/060-cmd-entrypoint.bats
 *   69, 70          exit 3, exit 300 -> 44      tests/system/060-cmd-entrypoint.bats
 *   71              unknown run flag, 125 (CLI) tests/system/060-cmd-entrypoint.bats
 *   72, 73          ENOEXEC / no interpreter: 1 tests/system/060-cmd-entrypoint.bats
 *   74              argv[0] seen by the program tests/system/060-cmd-entrypoint.bats
 *   76, 77          --init PID 1, 143           tests/system/120-signals.bats
 *   78-82           stop, signals, timeouts     tests/system/120-signals.bats (78, 81 also 060)
 *   83, 84          STOPSIGNAL                  test-build-cmdline.c; 120-signals.bats, 060
 *   85              which command is PID 1      tests/system/060-cmd-entrypoint.bats, 120
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "container/argv.h"
#include "util/json.h"
#include "util/strv.h"

/* Vectors from JSON text: "null" gives NULL. */
static char **J(const char *text)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
	char **l = NULL;

	assert_non_null(j);
	assert_int_equal(json_to_strv(j, &l), 0);
	json_decref(j);
	return l;
}

static char *dump(char **l)
{
	json_t *j = json_from_strv(l);
	char *s = json_dump_str(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

struct row {
	const char *name;
	const char *img_ep, *img_cmd, *user_ep, *user_cmd;
	const char *argv;	/* expected argv, or NULL for "no command specified" */
	const char *entrypoint; /* expected container Config.Entrypoint, or NULL to skip */
	const char *cmd;	/* expected container Config.Cmd, or NULL to skip */
};

#define WITHCMD_EP  "null"
#define WITHCMD_CMD "[\"/bin/argv\",\"base-cmd\"]"
#define WITHEP_EP   "[\"/bin/argv\",\"base-ep\"]"
#define WITHEP_CMD  "[\"base-cmd-arg\"]"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct row rows[] = {
	{"row1 exec CMD", "null", "[\"/bin/argv\",\"a\"]", "null", "null", "[\"/bin/argv\",\"a\"]"},
	{"row2 shell CMD", "null", "[\"/bin/sh\",\"-c\",\"/bin/argv a  b\"]", "null", "null",
	 "[\"/bin/sh\",\"-c\",\"/bin/argv a  b\"]"},
	{"row11 CMD [] classic", "null", "[]", "null", "null", NULL},
	{"row12 CMD [] buildkit", "null", "null", "null", "null", NULL},
	{"row24 shell ENTRYPOINT + exec CMD", "[\"/bin/sh\",\"-c\",\"/bin/argv ep\"]",
	 "[\"cmdarg\"]", "null", "null", "[\"/bin/sh\",\"-c\",\"/bin/argv ep\",\"cmdarg\"]"},
	{"row25 shell ENTRYPOINT + run args", "[\"/bin/sh\",\"-c\",\"/bin/argv ep\"]",
	 "[\"cmdarg\"]", "null", "[\"r1\",\"r2\"]",
	 "[\"/bin/sh\",\"-c\",\"/bin/argv ep\",\"r1\",\"r2\"]"},
	{"row26 exec ENTRYPOINT + shell CMD", "[\"/bin/argv\",\"ep\"]",
	 "[\"/bin/sh\",\"-c\",\"echo hi\"]", "null", "null",
	 "[\"/bin/argv\",\"ep\",\"/bin/sh\",\"-c\",\"echo hi\"]"},
	{"row27 withep", WITHEP_EP, WITHEP_CMD, "null", "null",
	 "[\"/bin/argv\",\"base-ep\",\"base-cmd-arg\"]", WITHEP_EP, WITHEP_CMD},
	{"row28 withep + args", WITHEP_EP, WITHEP_CMD, "null", "[\"x\",\"y\"]",
	 "[\"/bin/argv\",\"base-ep\",\"x\",\"y\"]", WITHEP_EP, "[\"x\",\"y\"]"},
	{"row29 ENTRYPOINT cleared inherited CMD", "[\"/bin/argv\",\"ep\"]", "null", "null", "null",
	 "[\"/bin/argv\",\"ep\"]"},
	{"row34 ENTRYPOINT [] stored null", "null", "null", "null", "null", NULL},
	{"row35 ENTRYPOINT [] + args", "null", "null", "null", "[\"/bin/argv\",\"x\"]",
	 "[\"/bin/argv\",\"x\"]"},
	{"row37 ENTRYPOINT [\"\"]", "[\"\"]", "null", "null", "null", NULL},
	{"row38 ENTRYPOINT [\"\"] + args", "[\"\"]", "null", "null", "[\"/bin/argv\",\"x\"]",
	 "[\"/bin/argv\",\"x\"]"},
	{"row39 ENTRYPOINT + CMD []", "[\"/bin/argv\"]", "[]", "null", "null", "[\"/bin/argv\"]"},
	{"row50 withcmd + args", WITHCMD_EP, WITHCMD_CMD, "null", "[\"/bin/argv\",\"override\"]",
	 "[\"/bin/argv\",\"override\"]", "null", "[\"/bin/argv\",\"override\"]"},
	{"row51 --entrypoint drops image CMD", WITHEP_EP, WITHEP_CMD, "[\"/bin/argv\"]", "null",
	 "[\"/bin/argv\"]", "[\"/bin/argv\"]", "null"},
	{"row52 --entrypoint + args", WITHEP_EP, WITHEP_CMD, "[\"/bin/argv\"]", "[\"x\",\"y\"]",
	 "[\"/bin/argv\",\"x\",\"y\"]", "[\"/bin/argv\"]", "[\"x\",\"y\"]"},
	{"row53 --entrypoint \"\" withep", WITHEP_EP, WITHEP_CMD, "[\"\"]", "null", NULL},
	{"row54 --entrypoint \"\" withcmd", WITHCMD_EP, WITHCMD_CMD, "[\"\"]", "null", NULL},
	{"row55 --entrypoint= + args", WITHEP_EP, WITHEP_CMD, "[\"\"]", "[\"/bin/argv\",\"x\"]",
	 "[\"/bin/argv\",\"x\"]", "null", "[\"/bin/argv\",\"x\"]"},
	{"row56 --entrypoint with a space is one element", WITHEP_EP, WITHEP_CMD,
	 "[\"/bin/argv x\"]", "null", "[\"/bin/argv x\"]"},
	{"row57 --entrypoint JSON is literal", WITHEP_EP, WITHEP_CMD,
	 "[\"[\\\"/bin/argv\\\",\\\"x\\\"]\"]", "null", "[\"[\\\"/bin/argv\\\",\\\"x\\\"]\"]"},
	{"row58 API Entrypoint []", WITHEP_EP, WITHEP_CMD, "[]", "null", "[\"base-cmd-arg\"]"},
	{"row59 API Entrypoint [\"\"]", WITHEP_EP, WITHEP_CMD, "[\"\"]", "null", NULL},
	{"row60 API Cmd []", WITHEP_EP, WITHEP_CMD, "null", "[]",
	 "[\"/bin/argv\",\"base-ep\",\"base-cmd-arg\"]"},
	{"row61 -- after image", WITHEP_EP, WITHEP_CMD, "null", "[\"--\",\"x\"]",
	 "[\"/bin/argv\",\"base-ep\",\"--\",\"x\"]"},
	{"row62 --rm after image", WITHEP_EP, WITHEP_CMD, "null", "[\"--rm\",\"x\"]",
	 "[\"/bin/argv\",\"base-ep\",\"--rm\",\"x\"]"},
	{"row63 base no command", "null", "null", "null", "null", NULL},
	{"row64 nonexist is passed as typed", "null", "null", "null", "[\"nonexist\"]",
	 "[\"nonexist\"]"},
	{"row65 a directory is passed as typed", "null", "null", "null", "[\"/etc\"]",
	 "[\"/etc\"]"},
	{"row66 a 644 file is passed as typed", "null", "null", "null", "[\"/bin/noexec.sh\"]",
	 "[\"/bin/noexec.sh\"]"},
	{"row67 a missing path is passed as typed", "null", "null", "null",
	 "[\"/nonexistent/path\"]", "[\"/nonexistent/path\"]"},
	{"row68 empty command is kept", "null", "null", "null", "[\"\"]", "[\"\"]"},
	{"row69 sh -c exit 3", "null", "null", "null", "[\"sh\",\"-c\",\"exit 3\"]",
	 "[\"sh\",\"-c\",\"exit 3\"]"},
	{"row70 sh -c exit 300", "null", "null", "null", "[\"sh\",\"-c\",\"exit 300\"]",
	 "[\"sh\",\"-c\",\"exit 300\"]"},
	{"row72 no shebang: argv as typed", "null", "null", "null", "[\"/noshebang\"]",
	 "[\"/noshebang\"]"},
	{"row73 missing interpreter: argv as typed", "null", "null", "null", "[\"/badinterp.sh\"]",
	 "[\"/badinterp.sh\"]"},
	{"row74 relative argv[0] kept as written", "null", "null", "null", "[\"./argv\",\"rel\"]",
	 "[\"./argv\",\"rel\"]"},
	{"row75 bare name kept for the PATH lookup", "null", "null", "null", "[\"argv\",\"x\"]",
	 "[\"argv\",\"x\"]"},
	{"row76 --init does not change Path/Args", "null", "null", "null", "[\"/bin/argv\",\"a\"]",
	 "[\"/bin/argv\",\"a\"]", "null", "[\"/bin/argv\",\"a\"]"},
	{"row85 shell-form CMD with two commands", "null",
	 "[\"/bin/sh\",\"-c\",\"/bin/argv single; /bin/argv second\"]", "null", "null",
	 "[\"/bin/sh\",\"-c\",\"/bin/argv single; /bin/argv second\"]"},
};

static void test_row(void **state)
{
	const struct row *r = *state;
	_cleanup_strv_ char **ie = J(r->img_ep), **ic = J(r->img_cmd), **ue = J(r->user_ep),
			    **uc = J(r->user_cmd);
	struct cmd_decision d = {0};
	struct hull_err *e = NULL;
	int rc;

	rc = cmd_resolve(ie, ic, ue, uc, &d, &e);
	if (!r->argv) {
		assert_int_equal(rc, -EINVAL);
		assert_non_null(e);
		assert_string_equal(e->msg, "no command specified");
		assert_int_equal(e->exit_code, 125);
		err_free(e);
		return;
	}
	assert_int_equal(rc, 0);
	_cleanup_free_ char *got = dump(d.argv);
	assert_string_equal(got, r->argv);
	assert_non_null(d.why);
	if (r->entrypoint) {
		_cleanup_free_ char *ep = dump(d.entrypoint);
		assert_string_equal(ep, r->entrypoint);
	}
	if (r->cmd) {
		_cleanup_free_ char *cmd = dump(d.cmd);
		assert_string_equal(cmd, r->cmd);
	}
	cmd_decision_release(&d);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(rows)];

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		tests[i] =
			(struct CMUnitTest){rows[i].name, test_row, NULL, NULL, (void *) &rows[i]};
	return _cmocka_run_group_tests("cmd_resolve", tests, ARRAY_SIZE(tests), NULL, NULL);
}
