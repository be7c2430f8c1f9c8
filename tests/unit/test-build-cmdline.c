/* SPDX-License-Identifier: MIT */
/*
 * The build-time rows of /work/shared/spec/cmd-entrypoint.md section 8: each
 * row's Dockerfile is parsed with df_parse(), its flags checked with
 * df_check_flags(), and its FROM/CMD/ENTRYPOINT/SHELL/STOPSIGNAL lines
 * applied to the FROM base's config through build_cmd_apply() and
 * build_stopsignal_apply() (src/build/cmdline.h), the same calls build.c
 * makes. The resulting Config.Cmd, Config.Entrypoint, Shell and StopSignal,
 * or the build error, are checked exactly; where the row gives an argv, the
 * stored config is also run through cmd_resolve() (src/container/argv.h).
 *
 * Bases, as the spec defines them, are built by the same driver:
 *   base     = scratch (no Cmd, no Entrypoint)
 *   withcmd  = base + CMD ["/bin/argv","base-cmd"]
 *   withep   = base + ENTRYPOINT ["/bin/argv","base-ep"] + CMD ["base-cmd-arg"]
 *   withshell = base + SHELL ["/bin/argv","-x"]   (row 44's parent)
 *
 * hull follows BuildKit (dockerfile frontend >= 1.9) where builders differ:
 * rows 8/9 are shell form, CMD [] is stored as null (row 12, not row 11's
 * classic []), and a bare CMD/ENTRYPOINT wraps "" (rows 14, 15, 36). Rows
 * 21 and 23 name the unknown instruction as written ("a"], echo), as
 * BuildKit's parser keeps Node.Value; the spec's "A"] and ECHO are Docker
 * 20.10's classic builder, which upper-cased it.
 *
 * Row -> test. "U" = a case of this file named "rowN ..."; "A" = a case of
 * tests/unit/test-container-argv.c (cmd_resolve, the run-time merge);
 * "S060"/"S120" = tests/system/060-cmd-entrypoint.bats / 120-signals.bats
 * (busybox image, /bin/argv printer), which also cover every U and A row
 * end to end unless noted.
 *
 *   1-10   U (3, 10: the 127 from sh is S060)      | 11, 12  U + A (run 125: A, S060)
 *   13     U                                       | 14, 15  U (BuildKit: sh -c "", exit 0), S060
 *   16, 17 U (df_check_flags), S060                | 18-23   U (parser rows), S060
 *   24-29  U + A, S060                             | 30-33   U (cmd_set per stage), S060
 *   34-39  U + A, S060                             | 40      U + A (what sh prints: S060)
 *   41-46  U (SHELL), S060                         | 47-49   U + A (run-time expansion: S060)
 *   50-55  A, S060                                 | 56, 57  A (argv is one literal element); exit
 * 127: S060 58-60  A only: API create bodies (Entrypoint [], [""], Cmd []); hull is a CLI with no
 * API socket, and `run` cannot express a non-nil empty Entrypoint or Cmd 61, 62 A, S060 | 63      A
 * (no command specified, 125), S060 64-68  A (argv as typed); the 126/127 exec errors happen in the
 * runtime: S060 69, 70 A (argv); exit status mod 256: S060     | 71      S060 (CLI flag parsing,
 * not a merge) 72, 73 A (argv); ENOEXEC / missing interpreter after start, exit 1: S060 74, 75 A
 * (argv[0] kept as written); PATH lookup in the container: S060 76     A (Path/Args without init);
 * init as PID 1 and OCI args: S120 77-82  S120 (signals, stop timeouts, --init, --stop-signal:
 * process level, no pure decision) 83, 84 U (build_stopsignal_apply after ARG expansion); stop uses
 * it: S120, S060 85     U (stored sh -c) + A; which process is PID 1 is busybox sh's exec: S060,
 * S120
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "build/cmdline.h"
#include "container/argv.h"
#include "dockerfile/dockerfile.h"
#include "util/json.h"
#include "util/strv.h"

struct row {
	const char *name;
	const char *dockerfile; /* whole Dockerfile text */
	const char *error;	/* expected build error (whole message), or NULL */
	const char *cmd;	/* expected Config.Cmd as compact JSON ("null" = absent) */
	const char *ep;		/* expected Config.Entrypoint */
	const char *shell;	/* expected Shell, NULL to skip */
	const char *run_args;	/* JSON run arguments for cmd_resolve(), NULL = none */
	const char *argv;	/* expected argv, "125" for no command specified, NULL to skip */
	const char *stopsignal; /* expected StopSignal, NULL to skip */
};

/* A finished stage: its AS name and config. */
struct built {
	char *name;
	json_t *config;
};

static struct built bases[4];

static char *dump(const json_t *j)
{
	return j ? json_dump_str(j, JSON_COMPACT | JSON_ENCODE_ANY) : xstrdup("null");
}

static const json_t *find_base(const struct built *stages, size_t n, const char *name)
{
	for (size_t i = n; i-- > 0;)
		if (stages[i].name && strcasecmp(stages[i].name, name) == 0)
			return stages[i].config;
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++)
		if (bases[i].name && streq(bases[i].name, name))
			return bases[i].config;
	if (streq(name, "scratch"))
		return NULL;
	fail_msg("unknown FROM '%s'", name);
	return NULL;
}

/* Prefix @err with the line, as build.c's located() does. */
static int located(const struct df_instr *in, struct hull_err **err)
{
	return err_wrap(err, "Dockerfile:%u", in->start_line);
}

/*
 * Build @text as build.c does for config-only lines: every stage starts from
 * a copy of its FROM base with cmd_set false. Returns the final stage's
 * config (new reference) or NULL with *err set.
 */
static json_t *build(const char *text, struct hull_err **err)
{
	struct dockerfile *df = NULL;
	struct built stages[8] = {0};
	size_t n = 0;
	json_t *cfg = NULL, *ret = NULL;
	char **env = strv_new();
	bool cmd_set = false;
	int r;

	r = df_parse(text, strlen(text), "Dockerfile", &df, err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < df->n_instrs; i++) {
		const struct df_instr *in = &df->instrs[i];

		r = df_check_flags(in, err);
		if (r < 0) {
			located(in, err);
			goto out;
		}
		switch (in->kind) {
		case DF_CMD_FROM: {
			const json_t *b;
			if (cfg) {
				assert_true(n < ARRAY_SIZE(stages));
				stages[n++].config = cfg;
			}
			b = find_base(stages, n, in->args[0]);
			cfg = b ? json_deep_copy(b) : json_object();
			stages[n].name = in->n_args == 3 ? xstrdup(in->args[2]) : NULL;
			cmd_set = false;
			strv_free(env);
			env = strv_new();
			break;
		}
		case DF_CMD_CMD:
		case DF_CMD_ENTRYPOINT:
		case DF_CMD_SHELL:
			r = build_cmd_apply(cfg, in, &cmd_set, err);
			if (r < 0) {
				located(in, err);
				goto out;
			}
			break;
		case DF_CMD_ARG:
			for (size_t k = 0; k < in->n_args; k++)
				strv_env_set(&env, in->args[k]);
			break;
		case DF_CMD_ENV: {
			_cleanup_strv_ char **cenv = NULL;
			(void) json_to_strv(json_object_get(cfg, "Env"), &cenv);
			if (!cenv)
				cenv = strv_new();
			for (size_t k = 0; k + 1 < in->n_args; k += 3) {
				_cleanup_free_ char *kv =
					xasprintf("%s=%s", in->args[k], in->args[k + 1]);
				strv_env_set(&env, kv);
				strv_env_set(&cenv, kv);
			}
			json_object_set_new(cfg, "Env", json_from_strv(cenv));
			break;
		}
		case DF_CMD_STOPSIGNAL: {
			_cleanup_free_ char *v = NULL;
			r = df_expand_word(in->args[0], env, df->escape, &v, err);
			if (r == 0)
				r = build_stopsignal_apply(cfg, v, err);
			if (r < 0) {
				located(in, err);
				goto out;
			}
			break;
		}
		default:
			fail_msg("row uses %s, not a config line", in->cmd);
		}
	}
	ret = cfg, cfg = NULL;
out:
	json_decref(cfg);
	for (size_t i = 0; i <= n && i < ARRAY_SIZE(stages); i++) {
		free(stages[i].name);
		json_decref(stages[i].config);
	}
	strv_free(env);
	df_free(df);
	return ret;
}

static void check_json(const json_t *cfg, const char *key, const char *want)
{
	_cleanup_free_ char *got = dump(json_object_get(cfg, key));
	if (!streq(got, want))
		fail_msg("%s: got %s, want %s", key, got, want);
}

static void test_row(void **state)
{
	const struct row *r = *state;
	struct hull_err *e = NULL;
	json_t *cfg = build(r->dockerfile, &e);

	if (r->error) {
		assert_null(cfg);
		assert_non_null(e);
		assert_string_equal(e->msg, r->error);
		err_free(e);
		return;
	}
	if (!cfg)
		fail_msg("build failed: %s", e->msg);
	check_json(cfg, "Cmd", r->cmd);
	check_json(cfg, "Entrypoint", r->ep);
	if (r->shell)
		check_json(cfg, "Shell", r->shell);
	if (r->stopsignal)
		check_json(cfg, "StopSignal", r->stopsignal);
	if (r->argv) {
		_cleanup_strv_ char **ep = NULL, **cmd = NULL, **args = NULL;
		struct cmd_decision d = {0};
		int rc;

		(void) json_to_strv(json_object_get(cfg, "Entrypoint"), &ep);
		(void) json_to_strv(json_object_get(cfg, "Cmd"), &cmd);
		if (r->run_args) {
			json_t *a = json_loads(r->run_args, 0, NULL);
			assert_non_null(a);
			assert_int_equal(json_to_strv(a, &args), 0);
			json_decref(a);
		}
		rc = cmd_resolve(ep, cmd, NULL, args, &d, &e);
		if (streq(r->argv, "125")) {
			assert_int_equal(rc, -EINVAL);
			assert_string_equal(e->msg, "no command specified");
			assert_int_equal(e->exit_code, 125);
			err_free(e);
		} else {
			json_t *a;
			char *got;
			assert_int_equal(rc, 0);
			a = json_from_strv(d.argv);
			got = dump(a);
			json_decref(a);
			if (!streq(got, r->argv))
				fail_msg("argv: got %s, want %s", got, r->argv);
			free(got);
			cmd_decision_release(&d);
		}
	}
	json_decref(cfg);
}

#define SH_C(t) "[\"/bin/sh\",\"-c\"," t "]"
#define JSONERR \
	"Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct row rows[] = {
	{"row1 exec-form CMD", "FROM base\nCMD [\"/bin/argv\",\"a\"]\n", NULL,
	 "[\"/bin/argv\",\"a\"]", "null", "null", NULL, "[\"/bin/argv\",\"a\"]"},
	{"row2 shell-form CMD is wrapped whole, trimmed",
	 "FROM base\nCMD   /bin/argv a  b   \"c d\"  \n", NULL,
	 SH_C("\"/bin/argv a  b   \\\"c d\\\"\""), "null", "null", NULL,
	 SH_C("\"/bin/argv a  b   \\\"c d\\\"\"")},
	{"row3 single quotes are shell form", "FROM base\nCMD ['/bin/argv','a']\n", NULL,
	 SH_C("\"['/bin/argv','a']\""), "null"},
	{"row4 trailing comma is shell form", "FROM base\nCMD [\"/bin/argv\",\"a\",]\n", NULL,
	 SH_C("\"[\\\"/bin/argv\\\",\\\"a\\\",]\""), "null"},
	{"row5 numbers fail the build", "FROM base\nCMD [1, 2]\n", JSONERR},
	{"row6 null fails the build", "FROM base\nCMD [\"/bin/argv\", null]\n", JSONERR},
	{"row7 JSON escapes, empty element, literal $HOME",
	 "FROM base\nCMD [\"/bin/argv\",\"a\\tb\",\"c\\\"d\",\"\\u0041\\\\z\",\"\",\"$HOME\"]\n",
	 NULL, "[\"/bin/argv\",\"a\\tb\",\"c\\\"d\",\"A\\\\z\",\"\",\"$HOME\"]", "null"},
	{"row8 JSON then a comment is shell form (BuildKit)",
	 "FROM base\nCMD [\"/bin/argv\"] # trailing comment\n", NULL,
	 SH_C("\"[\\\"/bin/argv\\\"] # trailing comment\""), "null"},
	{"row9 JSON then text is shell form (BuildKit)", "FROM base\nCMD [\"/bin/argv\"]x\n", NULL,
	 SH_C("\"[\\\"/bin/argv\\\"]x\""), "null"},
	{"row10 a quoted string is shell form", "FROM base\nCMD \"/bin/argv a\"\n", NULL,
	 SH_C("\"\\\"/bin/argv a\\\"\""), "null"},
	{"row11/12 CMD [] is stored null (BuildKit); run: 125", "FROM withcmd\nCMD []\n", NULL,
	 "null", "null", NULL, NULL, "125"},
	{"row13 lower-case keyword, spaces inside JSON",
	 "FROM base\ncmd  [ \"/bin/argv\" ,  \"a b\" ]   \n", NULL, "[\"/bin/argv\",\"a b\"]",
	 "null"},
	{"row14/15 bare CMD wraps the empty text (BuildKit)", "FROM withcmd\nCMD\n", NULL,
	 SH_C("\"\""), "null", NULL, NULL, SH_C("\"\"")},
	{"row16 CMD --help is an unknown flag", "FROM base\nCMD --help me\n",
	 "Dockerfile:2: unknown flag: help"},
	{"row16 ENTRYPOINT and SHELL declare no flags either",
	 "FROM base\nENTRYPOINT --x=1 /bin/argv\n", "Dockerfile:2: unknown flag: x"},
	{"row16 SHELL declares no flags", "FROM base\nSHELL --y [\"/bin/sh\"]\n",
	 "Dockerfile:2: unknown flag: y"},
	{"row17 -- ends the flags", "FROM base\nCMD -- --help me\n", NULL, SH_C("\"--help me\""),
	 "null"},
	{"row17 a single dash is not a flag", "FROM base\nCMD -x\n", NULL, SH_C("\"-x\""), "null"},
	{"row18 continuation lines with a comment inside",
	 "FROM base\nCMD /bin/argv a\\\n    b \\\n  # comment\nc\n", NULL,
	 SH_C("\"/bin/argv a    b c\""), "null"},
	{"row19 escape=` leaves JSON escapes alone",
	 "# escape=`\nFROM base\nCMD [\"/bin/argv\", \"C:\\\\dir\\\\\", `\n     \"x\\ty\"]\n", NULL,
	 "[\"/bin/argv\",\"C:\\\\dir\\\\\",\"x\\ty\"]", "null"},
	{"row20 escape=` keeps backslashes literal",
	 "# escape=`\nFROM base\nCMD /bin/argv a\\b `\n  c\\\n", NULL,
	 SH_C("\"/bin/argv a\\\\b   c\\\\\""), "null"},
	{"row21 JSON over two lines without continuation",
	 "FROM base\nCMD [\"/bin/argv\",\n     \"a\"]\n",
	 "Dockerfile:3: unknown instruction: \"a\"]"},
	{"row22 JSON over two lines with continuation",
	 "FROM base\nCMD [\"/bin/argv\", \\\n     \"a\"]\n", NULL, "[\"/bin/argv\",\"a\"]", "null"},
	{"row23 no heredoc for CMD", "FROM base\nCMD <<EOT\necho hi\nEOT\n",
	 "Dockerfile:3: unknown instruction: echo"},
	{"row24 shell ENTRYPOINT + exec CMD",
	 "FROM base\nENTRYPOINT /bin/argv ep\nCMD [\"cmdarg\"]\n", NULL, "[\"cmdarg\"]",
	 SH_C("\"/bin/argv ep\""), NULL, NULL, SH_C("\"/bin/argv ep\",\"cmdarg\"")},
	{"row25 shell ENTRYPOINT + run args",
	 "FROM base\nENTRYPOINT /bin/argv ep\nCMD [\"cmdarg\"]\n", NULL, "[\"cmdarg\"]",
	 SH_C("\"/bin/argv ep\""), NULL, "[\"r1\",\"r2\"]", SH_C("\"/bin/argv ep\",\"r1\",\"r2\"")},
	{"row26 exec ENTRYPOINT + shell CMD",
	 "FROM base\nENTRYPOINT [\"/bin/argv\",\"ep\"]\nCMD echo hi\n", NULL, SH_C("\"echo hi\""),
	 "[\"/bin/argv\",\"ep\"]", NULL, NULL,
	 "[\"/bin/argv\",\"ep\",\"/bin/sh\",\"-c\",\"echo hi\"]"},
	{"row27 withep", "FROM withep\n", NULL, "[\"base-cmd-arg\"]", "[\"/bin/argv\",\"base-ep\"]",
	 NULL, NULL, "[\"/bin/argv\",\"base-ep\",\"base-cmd-arg\"]"},
	{"row28 withep + run args", "FROM withep\n", NULL, "[\"base-cmd-arg\"]",
	 "[\"/bin/argv\",\"base-ep\"]", NULL, "[\"x\",\"y\"]",
	 "[\"/bin/argv\",\"base-ep\",\"x\",\"y\"]"},
	{"row29 ENTRYPOINT drops the inherited CMD",
	 "FROM withcmd\nENTRYPOINT [\"/bin/argv\",\"ep\"]\n", NULL, "null",
	 "[\"/bin/argv\",\"ep\"]", NULL, NULL, "[\"/bin/argv\",\"ep\"]"},
	{"row30 a CMD of the same stage survives ENTRYPOINT",
	 "FROM withcmd\nCMD [\"keep\"]\nENTRYPOINT [\"/bin/argv\",\"ep\"]\n", NULL, "[\"keep\"]",
	 "[\"/bin/argv\",\"ep\"]", NULL, NULL, "[\"/bin/argv\",\"ep\",\"keep\"]"},
	{"row30 order is irrelevant",
	 "FROM withcmd\nENTRYPOINT [\"/bin/argv\",\"ep\"]\nCMD [\"keep\"]\n", NULL, "[\"keep\"]",
	 "[\"/bin/argv\",\"ep\"]", NULL, NULL, "[\"/bin/argv\",\"ep\",\"keep\"]"},
	{"row30 CMD [] counts as set (BuildKit)",
	 "FROM withcmd\nCMD []\nENTRYPOINT [\"/bin/argv\",\"ep\"]\n", NULL, "null",
	 "[\"/bin/argv\",\"ep\"]", NULL, NULL, "[\"/bin/argv\",\"ep\"]"},
	{"row31 the last CMD and the last ENTRYPOINT win",
	 "FROM base\nCMD [\"/bin/argv\",\"first\"]\nCMD [\"/bin/argv\",\"second\"]\n"
	 "ENTRYPOINT [\"/bin/argv\",\"ep1\"]\nENTRYPOINT [\"/bin/argv\",\"ep2\"]\n",
	 NULL, "[\"/bin/argv\",\"second\"]", "[\"/bin/argv\",\"ep2\"]", NULL, NULL,
	 "[\"/bin/argv\",\"ep2\",\"/bin/argv\",\"second\"]"},
	{"row32 a stage inherits from the stage it is built FROM", "FROM withcmd AS a\nFROM a\n",
	 NULL, "[\"/bin/argv\",\"base-cmd\"]", "null", NULL, NULL, "[\"/bin/argv\",\"base-cmd\"]"},
	{"row33 cmd_set is per stage",
	 "FROM withcmd AS a\nFROM a AS c\nENTRYPOINT [\"/bin/argv\",\"ep\"]\nFROM c\n", NULL,
	 "null", "[\"/bin/argv\",\"ep\"]", NULL, NULL, "[\"/bin/argv\",\"ep\"]"},
	{"row33 a CMD in an earlier stage does not count",
	 "FROM base AS a\nCMD [\"x\"]\nFROM withcmd\nENTRYPOINT [\"/bin/argv\",\"ep\"]\n", NULL,
	 "null", "[\"/bin/argv\",\"ep\"]"},
	{"row34 ENTRYPOINT [] stores null and drops CMD", "FROM withep\nENTRYPOINT []\n", NULL,
	 "null", "null", NULL, NULL, "125"},
	{"row35 ENTRYPOINT [] + run args", "FROM withep\nENTRYPOINT []\n", NULL, "null", "null",
	 NULL, "[\"/bin/argv\",\"x\"]", "[\"/bin/argv\",\"x\"]"},
	{"row36 bare ENTRYPOINT wraps the empty text (BuildKit)", "FROM withep\nENTRYPOINT\n", NULL,
	 "null", SH_C("\"\""), NULL, NULL, SH_C("\"\"")},
	{"row37 ENTRYPOINT [\"\"] is kept; run: 125", "FROM withcmd\nENTRYPOINT [\"\"]\n", NULL,
	 "null", "[\"\"]", NULL, NULL, "125"},
	{"row38 ENTRYPOINT [\"\"] + run args", "FROM withcmd\nENTRYPOINT [\"\"]\n", NULL, "null",
	 "[\"\"]", NULL, "[\"/bin/argv\",\"x\"]", "[\"/bin/argv\",\"x\"]"},
	{"row39 ENTRYPOINT + CMD []", "FROM base\nENTRYPOINT [\"/bin/argv\"]\nCMD []\n", NULL,
	 "null", "[\"/bin/argv\"]", NULL, NULL, "[\"/bin/argv\"]"},
	{"row40 sh -c ENTRYPOINT with $0 and CMD",
	 "FROM base\nENTRYPOINT [\"/bin/sh\",\"-c\",\"echo \\\"[$0] [$*]\\\"\",\"zero\"]\n"
	 "CMD [\"one\",\"two\"]\n",
	 NULL, "[\"one\",\"two\"]", SH_C("\"echo \\\"[$0] [$*]\\\"\",\"zero\""), NULL, NULL,
	 SH_C("\"echo \\\"[$0] [$*]\\\"\",\"zero\",\"one\",\"two\"")},
	{"row40 with run args",
	 "FROM base\nENTRYPOINT [\"/bin/sh\",\"-c\",\"echo \\\"[$0] [$*]\\\"\",\"zero\"]\n"
	 "CMD [\"one\",\"two\"]\n",
	 NULL, "[\"one\",\"two\"]", SH_C("\"echo \\\"[$0] [$*]\\\"\",\"zero\""), NULL,
	 "[\"x\",\"y\"]", SH_C("\"echo \\\"[$0] [$*]\\\"\",\"zero\",\"x\",\"y\"")},
	{"row41 SHELL applies to a later shell-form CMD",
	 "FROM base\nSHELL [\"/bin/argv\",\"-x\"]\nCMD echo   hi $HOME\n", NULL,
	 "[\"/bin/argv\",\"-x\",\"echo   hi $HOME\"]", "null", "[\"/bin/argv\",\"-x\"]"},
	{"row42 SHELL applies to a later shell-form ENTRYPOINT",
	 "FROM base\nSHELL [\"/bin/argv\",\"-x\"]\nENTRYPOINT echo ep\n", NULL, "null",
	 "[\"/bin/argv\",\"-x\",\"echo ep\"]", "[\"/bin/argv\",\"-x\"]"},
	{"row42 SHELL does not touch exec form",
	 "FROM base\nSHELL [\"/bin/argv\",\"-x\"]\nCMD [\"echo\",\"hi\"]\n", NULL,
	 "[\"echo\",\"hi\"]", "null", "[\"/bin/argv\",\"-x\"]"},
	{"row43 SHELL is not retroactive", "FROM base\nCMD echo hi\nSHELL [\"/bin/argv\",\"-x\"]\n",
	 NULL, SH_C("\"echo hi\""), "null", "[\"/bin/argv\",\"-x\"]"},
	{"row44 SHELL is inherited from the base image", "FROM withshell\nCMD inherited shell\n",
	 NULL, "[\"/bin/argv\",\"-x\",\"inherited shell\"]", "null", "[\"/bin/argv\",\"-x\"]"},
	{"row45 SHELL in shell form", "FROM base\nSHELL /bin/bash -c\n",
	 "Dockerfile:2: SHELL requires the arguments to be in JSON form"},
	{"row46 SHELL []", "FROM base\nSHELL []\n",
	 "Dockerfile:2: SHELL requires at least one argument"},
	{"row46 SHELL with a number", "FROM base\nSHELL [\"/bin/sh\", 1]\n", JSONERR},
	{"row47 exec-form CMD is not expanded",
	 "FROM base\nENV FOO=bar\nARG BAZ=qux\nCMD [\"/bin/argv\",\"$FOO\",\"${BAZ}\",\"$HOME\"]\n",
	 NULL, "[\"/bin/argv\",\"$FOO\",\"${BAZ}\",\"$HOME\"]", "null", NULL, NULL,
	 "[\"/bin/argv\",\"$FOO\",\"${BAZ}\",\"$HOME\"]"},
	{"row48 shell-form ENTRYPOINT is stored verbatim",
	 "FROM base\nENV FOO=bar\nARG BAZ=qux\nCMD [\"/bin/argv\",\"$FOO\",\"${BAZ}\",\"$HOME\"]\n"
	 "ENTRYPOINT /bin/argv $FOO ${BAZ} $HOME \"$0\"\n",
	 NULL, "[\"/bin/argv\",\"$FOO\",\"${BAZ}\",\"$HOME\"]",
	 SH_C("\"/bin/argv $FOO ${BAZ} $HOME \\\"$0\\\"\""), NULL, NULL,
	 SH_C("\"/bin/argv $FOO ${BAZ} $HOME "
	      "\\\"$0\\\"\",\"/bin/argv\",\"$FOO\",\"${BAZ}\",\"$HOME\"")},
	{"row49 the run arg becomes $0",
	 "FROM base\nENV FOO=bar\nARG BAZ=qux\nCMD [\"/bin/argv\",\"$FOO\",\"${BAZ}\",\"$HOME\"]\n"
	 "ENTRYPOINT /bin/argv $FOO ${BAZ} $HOME \"$0\"\n",
	 NULL, "[\"/bin/argv\",\"$FOO\",\"${BAZ}\",\"$HOME\"]",
	 SH_C("\"/bin/argv $FOO ${BAZ} $HOME \\\"$0\\\"\""), NULL, "[\"zero-arg\"]",
	 SH_C("\"/bin/argv $FOO ${BAZ} $HOME \\\"$0\\\"\",\"zero-arg\"")},
	{"row83 STOPSIGNAL expands an ARG", "FROM base\nARG SIG=SIGUSR1\nSTOPSIGNAL $SIG\n", NULL,
	 "null", "null", NULL, NULL, NULL, "\"SIGUSR1\""},
	{"row84 STOPSIGNAL SIGFOO", "FROM base\nSTOPSIGNAL SIGFOO\n",
	 "Dockerfile:2: Invalid signal: SIGFOO"},
	{"row85 two commands in one shell-form CMD",
	 "FROM base\nCMD /bin/argv single; /bin/argv second\n", NULL,
	 SH_C("\"/bin/argv single; /bin/argv second\""), "null", NULL, NULL,
	 SH_C("\"/bin/argv single; /bin/argv second\"")},
};

/* build_cmd_apply() refuses other instructions and leaves the config alone. */
static void test_not_a_cmdline(void **state)
{
	struct dockerfile *df = NULL;
	struct hull_err *e = NULL;
	json_t *cfg = json_pack("{s:[s]}", "Cmd", "x");
	bool set = false;

	(void) state;
	assert_int_equal(df_parse("RUN x\n", 6, "Dockerfile", &df, &e), 0);
	assert_int_equal(build_cmd_apply(cfg, &df->instrs[0], &set, &e), -EINVAL);
	assert_non_null(e);
	err_free(e);
	check_json(cfg, "Cmd", "[\"x\"]");
	assert_false(set);
	json_decref(cfg);
	df_free(df);
}

static int setup_bases(void **state)
{
	static const char *const defs[][2] = {
		{"base", "FROM scratch\n"},
		{"withcmd", "FROM base\nCMD [\"/bin/argv\",\"base-cmd\"]\n"},
		{"withep",
		 "FROM base\nENTRYPOINT [\"/bin/argv\",\"base-ep\"]\nCMD [\"base-cmd-arg\"]\n"},
		{"withshell", "FROM base\nSHELL [\"/bin/argv\",\"-x\"]\n"},
	};

	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(defs); i++) {
		struct hull_err *e = NULL;
		bases[i].config = build(defs[i][1], &e);
		if (!bases[i].config)
			return -1;
		bases[i].name = xstrdup(defs[i][0]);
	}
	return 0;
}

static int teardown_bases(void **state)
{
	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		free(bases[i].name);
		json_decref(bases[i].config);
	}
	return 0;
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(rows) + 1];

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		tests[i] =
			(struct CMUnitTest){rows[i].name, test_row, NULL, NULL, (void *) &rows[i]};
	tests[ARRAY_SIZE(rows)] = (struct CMUnitTest) cmocka_unit_test(test_not_a_cmdline);
	return _cmocka_run_group_tests("build_cmdline", tests, ARRAY_SIZE(tests), setup_bases,
				       teardown_bases);
}
