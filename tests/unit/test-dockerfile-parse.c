/* SPDX-License-Identifier: MIT */
/*
 * Parser unit tests: the parsing rows of ../shared/spec/cmd-entrypoint.md
 * section 8 (rows 1-23 and 41-46), heredocs, directives, error messages and
 * robustness on malformed input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dockerfile/dockerfile.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* Parse @text; return the dump or "ERR <message>"; caller frees. */
static char *parse(const char *text)
{
	struct dockerfile *df = NULL;
	struct hull_err *err = NULL;
	char *out;

	if (df_parse(text, strlen(text), "Dockerfile", &df, &err) < 0) {
		assert_null(df);
		assert_non_null(err);
		out = xasprintf("ERR %s", err->msg);
		err_free(err);
		return out;
	}
	assert_null(err);
	out = df_dump(df);
	df_free(df);
	return out;
}

#define assert_parse(text, want)                 \
	do {                                     \
		char *_got = parse(text);        \
		assert_string_equal(_got, want); \
		free(_got);                      \
	} while (0)

static struct dockerfile *must_parse(const char *text)
{
	struct dockerfile *df = NULL;
	struct hull_err *err = NULL;

	if (df_parse(text, strlen(text), "Dockerfile", &df, &err) < 0)
		fail_msg("parse failed: %s", err->msg);
	return df;
}

static void test_exec_and_shell_form(void **state)
{
	(void) state;
	struct dockerfile *df;

	/* row 1 */
	df = must_parse("FROM base\nCMD [\"/bin/argv\",\"a\"]\n");
	assert_int_equal(df->n_instrs, 2);
	assert_int_equal(df->instrs[1].kind, DF_CMD_CMD);
	assert_string_equal(df->instrs[1].keyword, "cmd");
	assert_true(df->instrs[1].json);
	assert_int_equal(df->instrs[1].n_args, 2);
	assert_string_equal(df->instrs[1].args[0], "/bin/argv");
	assert_string_equal(df->instrs[1].args[1], "a");
	df_free(df);

	/* row 2: shell form, trimmed, inner whitespace and quotes verbatim */
	df = must_parse("CMD   /bin/argv a  b   \"c d\"  \n");
	assert_false(df->instrs[0].json);
	assert_int_equal(df->instrs[0].n_args, 1);
	assert_string_equal(df->instrs[0].args[0], "/bin/argv a  b   \"c d\"");
	assert_string_equal(df->instrs[0].original, "CMD   /bin/argv a  b   \"c d\"  ");
	df_free(df);

	/* rows 3, 4: invalid JSON falls back to shell form */
	assert_parse("CMD ['/bin/argv','a']", "(cmd \"['/bin/argv','a']\")\n");
	assert_parse("CMD [\"/bin/argv\",\"a\",]", "(cmd \"[\\\"/bin/argv\\\",\\\"a\\\",]\")\n");
	assert_parse("CMD [ \"node\", \"a.js\" \"/app\" ]",
		     "(cmd \"[ \\\"node\\\", \\\"a.js\\\" \\\"/app\\\" ]\")\n");
	/* rows 5, 6: valid JSON that is not an array of strings is an error */
	assert_parse("FROM x\nCMD [1, 2]", "ERR Dockerfile:2: when using JSON array syntax, arrays "
					   "must be comprised of strings only");
	assert_parse("CMD [\"/bin/argv\", null]", "ERR Dockerfile:1: when using JSON array syntax, "
						  "arrays must be comprised of strings only");
	assert_parse("CMD [\"a\", [\"b\"]]",
		     "ERR Dockerfile:1: when using JSON array syntax, arrays "
		     "must be comprised of strings only");
	/* row 7: JSON escapes, empty element kept, no expansion */
	df = must_parse("CMD [\"/bin/argv\",\"a\\tb\",\"c\\\"d\",\"\\u0041\\\\z\",\"\",\"$HOME\"]");
	assert_true(df->instrs[0].json);
	assert_int_equal(df->instrs[0].n_args, 6);
	assert_string_equal(df->instrs[0].args[1], "a\tb");
	assert_string_equal(df->instrs[0].args[2], "c\"d");
	assert_string_equal(df->instrs[0].args[3], "A\\z");
	assert_string_equal(df->instrs[0].args[4], "");
	assert_string_equal(df->instrs[0].args[5], "$HOME");
	df_free(df);
	/* rows 8, 9: BuildKit >= 1.9 whole-string decode: trailing text means shell form */
	assert_parse("CMD [\"/bin/argv\"] # trailing comment",
		     "(cmd \"[\\\"/bin/argv\\\"] # trailing comment\")\n");
	assert_parse("CMD [\"/bin/argv\"]x", "(cmd \"[\\\"/bin/argv\\\"]x\")\n");
	assert_parse("CMD []random string", "(cmd \"[]random string\")\n");
	/* row 10 */
	assert_parse("CMD \"/bin/argv a\"", "(cmd \"\\\"/bin/argv a\\\"\")\n");
	/* rows 11, 12: CMD [] is exec form with no arguments */
	df = must_parse("FROM withcmd\nCMD []\n");
	assert_true(df->instrs[1].json);
	assert_int_equal(df->instrs[1].n_args, 0);
	assert_non_null(df->instrs[1].args);
	df_free(df);
	assert_parse("CMD [ ]", "(cmd)\n");
	/* row 13: keyword case-insensitive, whitespace inside JSON insignificant */
	df = must_parse("cmd  [ \"/bin/argv\" ,  \"a b\" ]   ");
	assert_int_equal(df->instrs[0].kind, DF_CMD_CMD);
	assert_string_equal(df->instrs[0].cmd, "cmd");
	assert_true(df->instrs[0].json);
	assert_string_equal(df->instrs[0].args[1], "a b");
	df_free(df);
	/* rows 14, 15: bare CMD: shell form with no text */
	df = must_parse("FROM withcmd\nCMD\n");
	assert_false(df->instrs[1].json);
	assert_int_equal(df->instrs[1].n_args, 0);
	df_free(df);
}

static void test_flags(void **state)
{
	(void) state;
	struct dockerfile *df;
	struct hull_err *err = NULL;

	/* row 16: --help is a builder flag; CMD declares none */
	df = must_parse("CMD --help me");
	assert_int_equal(strv_length(df->instrs[0].flags), 1);
	assert_string_equal(df->instrs[0].flags[0], "--help");
	assert_string_equal(df->instrs[0].args[0], "me");
	assert_int_equal(df_check_flags(&df->instrs[0], &err), -EINVAL);
	assert_string_equal(err->msg, "unknown flag: help");
	err = err_free(err);
	df_free(df);

	/* row 17: "--" ends the flags and is dropped */
	df = must_parse("CMD -- --help me");
	assert_int_equal(strv_length(df->instrs[0].flags), 0);
	assert_string_equal(df->instrs[0].args[0], "--help me");
	assert_int_equal(df_check_flags(&df->instrs[0], &err), 0);
	df_free(df);

	/* a single dash is not a flag */
	assert_parse("CMD -x", "(cmd \"-x\")\n");

	/* declared flags pass, with BuildKit's checks on values */
	df = must_parse("COPY --from=build --chown=1:1 --link a b\nADD --link=maybe a b\n"
			"COPY --from a b\nCOPY --from=a --from=b x y\nRUN --mount=a --mount=b x\n"
			"FROM --platform=linux/amd64 busybox\n");
	assert_int_equal(df_check_flags(&df->instrs[0], &err), 0);
	assert_int_equal(df_check_flags(&df->instrs[1], &err), -EINVAL);
	assert_string_equal(err->msg, "expecting boolean value for flag link, not: maybe");
	err = err_free(err);
	assert_int_equal(df_check_flags(&df->instrs[2], &err), -EINVAL);
	assert_string_equal(err->msg, "missing a value on flag: from");
	err = err_free(err);
	assert_int_equal(df_check_flags(&df->instrs[3], &err), -EINVAL);
	assert_string_equal(err->msg, "duplicate flag specified: from");
	err = err_free(err);
	assert_int_equal(df_check_flags(&df->instrs[4], &err), 0);
	assert_int_equal(df_check_flags(&df->instrs[5], &err), 0);
	df_free(df);

	/* quoted flag values lose their quotes */
	assert_parse("RUN --mount=\"type=bind,target=/a b\" echo",
		     "(run [\"--mount=type=bind,target=/a b\"] \"echo\")\n");
	/* only flags: no arguments */
	assert_parse("RUN --network=none", "(run [\"--network=none\"])\n");
}

static void test_continuations(void **state)
{
	(void) state;
	struct dockerfile *df;

	/* row 18: continuation joined without separator, comment line dropped */
	df = must_parse("CMD /bin/argv a\\\n    b \\\n  # comment\nc\n");
	assert_string_equal(df->instrs[0].args[0], "/bin/argv a    b c");
	assert_int_equal(df->instrs[0].start_line, 1);
	assert_int_equal(df->instrs[0].end_line, 4);
	df_free(df);

	/* row 19: escape directive does not touch JSON escapes */
	df = must_parse("# escape=`\nCMD [\"/bin/argv\", \"C:\\\\dir\\\\\", `\n     \"x\\ty\"]\n");
	assert_int_equal(df->escape, '`');
	assert_true(df->instrs[0].json);
	assert_int_equal(df->instrs[0].n_args, 3);
	assert_string_equal(df->instrs[0].args[1], "C:\\dir\\");
	assert_string_equal(df->instrs[0].args[2], "x\ty");
	df_free(df);

	/* row 20: with a backtick escape, backslashes are literal */
	df = must_parse("# escape=`\nCMD /bin/argv a\\b `\n  c\\\n");
	assert_string_equal(df->instrs[0].args[0], "/bin/argv a\\b   c\\");
	df_free(df);

	/* row 21: a JSON array over two lines without continuation */
	assert_parse("CMD [\"/bin/argv\",\n     \"a\"]\n",
		     "ERR Dockerfile:2: unknown instruction: \"a\"]");
	/* row 22: with continuation */
	assert_parse("CMD [\"/bin/argv\", \\\n     \"a\"]\n", "(cmd \"/bin/argv\" \"a\")\n");

	/* continuation at end of file, blank lines inside continuations */
	assert_parse("RUN a \\\n\n   b \\", "(run \"a    b\")\n");
	/* an escaped escape at the end of a line is not a continuation */
	assert_parse("RUN echo \\\\\nRUN x", "(run \"echo \\\\\\\\\")\n(run \"x\")\n");
	/* CRLF line endings */
	assert_parse("FROM a\r\nRUN b \\\r\n c\r\n", "(from \"a\")\n(run \"b  c\")\n");
}

static void test_heredocs(void **state)
{
	(void) state;
	struct dockerfile *df;

	/* row 23: no heredoc for CMD; the body lines become instructions */
	assert_parse("CMD <<EOT\necho hi\nEOT\n", "ERR Dockerfile:2: unknown instruction: echo");

	df = must_parse("FROM x\nRUN <<EOF\necho $A\n  two\nEOF\nRUN b\n");
	assert_int_equal(df->n_instrs, 3);
	assert_int_equal(df->instrs[1].n_heredocs, 1);
	assert_string_equal(df->instrs[1].heredocs[0].name, "EOF");
	assert_string_equal(df->instrs[1].heredocs[0].content, "echo $A\n  two\n");
	assert_true(df->instrs[1].heredocs[0].expand);
	assert_false(df->instrs[1].heredocs[0].chomp);
	assert_string_equal(df->instrs[1].args[0], "<<EOF");
	assert_int_equal(df->instrs[1].start_line, 2);
	assert_int_equal(df->instrs[1].end_line, 5);
	assert_int_equal(df->instrs[2].start_line, 6);
	df_free(df);

	/* <<- strips tabs from the terminator; content keeps them for the builder */
	df = must_parse("RUN <<-EOT bash\n\techo a\n\t\tb\n\tEOT\n");
	assert_true(df->instrs[0].heredocs[0].chomp);
	assert_string_equal(df->instrs[0].heredocs[0].content, "\techo a\n\t\tb\n");
	{
		char *c = df_heredoc_chomp(df->instrs[0].heredocs[0].content);
		assert_string_equal(c, "echo a\nb\n");
		free(c);
	}
	df_free(df);

	/* quoted delimiters disable expansion */
	df = must_parse("RUN <<'EOF'\na\nEOF\nRUN <<\"E2\"\nb\nE2\nRUN <<E\"3\"\nc\nE3\n");
	assert_false(df->instrs[0].heredocs[0].expand);
	assert_string_equal(df->instrs[0].heredocs[0].name, "EOF");
	assert_false(df->instrs[1].heredocs[0].expand);
	assert_string_equal(df->instrs[1].heredocs[0].name, "E2");
	assert_false(df->instrs[2].heredocs[0].expand);
	assert_string_equal(df->instrs[2].heredocs[0].name, "E3");
	df_free(df);

	/* several heredocs on one COPY, fd prefix, ONBUILD */
	df = must_parse("COPY <<A <<B /dst/\naaa\nA\nbbb\nB\nRUN 3<<X cat /proc/self/fd/3\nx\nX\n"
			"ONBUILD RUN <<Y\ny\nY\n");
	assert_int_equal(df->instrs[0].n_heredocs, 2);
	assert_string_equal(df->instrs[0].heredocs[0].content, "aaa\n");
	assert_string_equal(df->instrs[0].heredocs[1].content, "bbb\n");
	assert_int_equal(df->instrs[1].heredocs[0].fd, 3);
	assert_int_equal(df->instrs[2].n_heredocs, 1);
	assert_non_null(df->instrs[2].sub);
	assert_string_equal(df->instrs[2].heredocs[0].content, "y\n");
	df_free(df);

	/* not a heredoc: JSON form, quoted, USER */
	df = must_parse("RUN [\"cat\", \"<<EOF\"]\nRUN echo '<<EOF'\nUSER <<EOF\n");
	assert_int_equal(df->instrs[0].n_heredocs, 0);
	assert_int_equal(df->instrs[1].n_heredocs, 0);
	assert_int_equal(df->instrs[2].n_heredocs, 0);
	df_free(df);

	assert_parse("FROM a\nRUN <<EOF\nnever ends\n", "ERR Dockerfile:2: unterminated heredoc");
}

static void test_shell_instruction(void **state)
{
	(void) state;
	struct dockerfile *df;

	/* rows 41-46: SHELL keeps its JSON args; the builder rejects shell form and [] */
	df = must_parse("SHELL [\"/bin/argv\",\"-x\"]\nCMD echo   hi $HOME\nENTRYPOINT echo ep\n"
			"SHELL /bin/bash -c\nSHELL []\n");
	assert_int_equal(df->instrs[0].kind, DF_CMD_SHELL);
	assert_true(df->instrs[0].json);
	assert_int_equal(df->instrs[0].n_args, 2);
	assert_false(df->instrs[1].json);
	assert_string_equal(df->instrs[1].args[0], "echo   hi $HOME");
	assert_string_equal(df->instrs[2].args[0], "echo ep");
	assert_false(df->instrs[3].json);
	assert_string_equal(df->instrs[3].args[0], "/bin/bash -c");
	assert_true(df->instrs[4].json);
	assert_int_equal(df->instrs[4].n_args, 0);
	df_free(df);
}

static void test_arguments(void **state)
{
	(void) state;

	assert_parse("ENV A=1 B=\"x y\" C\\ D=e",
		     "(env \"A\" \"1\" \"=\" \"B\" \"\\\"x y\\\"\" \"=\" "
		     "\"C\\\\ D\" \"e\" \"=\")\n");
	assert_parse("ENV PATH /a b  c", "(env \"PATH\" \"/a b  c\" \"\")\n");
	assert_parse("ENV PATH", "ERR Dockerfile:1: ENV must have two arguments");
	assert_parse("LABEL a=b c", "ERR Dockerfile:1: Syntax error - can't find = in \"c\". Must "
				    "be of the form: name=value");
	assert_parse("ARG a b=c d=\"e f\"", "(arg \"a\" \"b=c\" \"d=\\\"e f\\\"\")\n");
	assert_parse("FROM  a   AS b", "(from \"a\" \"AS\" \"b\")\n");
	assert_parse("EXPOSE 80/tcp\t443", "(expose \"80/tcp\" \"443\")\n");
	assert_parse("VOLUME [\"/a\", \"/b\"]\nVOLUME /c /d",
		     "(volume \"/a\" \"/b\")\n(volume \"/c\" \"/d\")\n");
	assert_parse("USER a b\nWORKDIR /x y\nSTOPSIGNAL  SIGKILL \nMAINTAINER Me <m@e>",
		     "(user \"a b\")\n(workdir \"/x y\")\n(stopsignal \"SIGKILL\")\n"
		     "(maintainer \"Me <m@e>\")\n");
	assert_parse(
		"HEALTHCHECK --interval=5s CMD [\"a\", \"b\"]\nHEALTHCHECK NONE\nHEALTHCHECK\n"
		"HEALTHCHECK CMD curl -f x",
		"(healthcheck [\"--interval=5s\"] \"CMD\" \"a\" \"b\")\n(healthcheck \"NONE\")\n"
		"(healthcheck)\n(healthcheck \"CMD\" \"curl -f x\")\n");
	assert_parse(
		"ONBUILD RUN echo test\nONBUILD ADD --chown=1 . /app",
		"(onbuild (run \"echo test\"))\n(onbuild (add [\"--chown=1\"] \".\" \"/app\"))\n");
	assert_parse("COPY [\"a b\", \"/c\"]", "(copy \"a b\" \"/c\")\n");
	assert_parse("CMD [\"a\\u0000b\"]", "(cmd \"a\\x00b\")\n");
}

static void test_directives_and_errors(void **state)
{
	(void) state;
	struct dockerfile *df;

	df = must_parse("\xef\xbb\xbf# syntax=docker/dockerfile:1\n#escape = `\nFROM x\n");
	assert_string_equal(df->syntax, "docker/dockerfile:1");
	assert_int_equal(df->escape, '`');
	df_free(df);
	/* after a comment, a directive is just a comment */
	df = must_parse("# hello\n# escape=`\nRUN a \\\nRUN b\n");
	assert_int_equal(df->escape, '\\');
	assert_int_equal(df->n_instrs, 1);
	df_free(df);
	assert_parse("# escape=x\nFROM a",
		     "ERR Dockerfile:1: invalid escape token 'x' does not match ` or \\");
	assert_parse("# escape=`\n# escape=`\nFROM a",
		     "ERR Dockerfile:2: only one escape parser directive can be used");

	assert_parse("FROM a\nFOO bar", "ERR Dockerfile:2: unknown instruction: FOO");
	assert_parse("FROM a\nONBUILD bogus x", "ERR Dockerfile:2: unknown instruction: bogus");
	assert_parse("", "ERR Dockerfile:1: file with no instructions");
	assert_parse("# only\n\n  # comments\n", "ERR Dockerfile:3: file with no instructions");
	{
		struct hull_err *err = NULL;
		assert_int_equal(df_parse("X", 1, "sub/Dockerfile.dev", &df, &err), -EINVAL);
		assert_string_equal(err->msg, "sub/Dockerfile.dev:1: unknown instruction: X");
		err_free(err);
	}
	assert_int_equal(df_cmd_from_string("HealthCheck"), DF_CMD_HEALTHCHECK);
	assert_int_equal(df_cmd_from_string("nope"), _DF_CMD_INVALID);
	assert_string_equal(df_cmd_to_string(DF_CMD_STOPSIGNAL), "stopsignal");
	assert_null(df_cmd_to_string(_DF_CMD_MAX));
	assert_null(df_free(NULL));
}

static void test_robustness(void **state)
{
	(void) state;
	struct dockerfile *df = NULL;
	struct hull_err *err = NULL;
	char *big;
	int r;

	/* a physical line over the limit */
	big = xmalloc(DF_LINE_MAX + 16);
	memcpy(big, "RUN ", 4);
	memset(big + 4, 'a', DF_LINE_MAX + 8);
	big[DF_LINE_MAX + 12] = '\0';
	r = df_parse(big, strlen(big), "Dockerfile", &df, &err);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err->msg, "dockerfile line greater than max allowed size"));
	err = err_free(err);
	free(big);

	/* ONBUILD nesting is bounded */
	{
		struct strbuf sb = STRBUF_INIT;
		for (int i = 0; i < 1000; i++)
			strbuf_adds(&sb, "ONBUILD ");
		strbuf_adds(&sb, "RUN x");
		r = df_parse(sb.buf, sb.len, "Dockerfile", &df, &err);
		assert_int_equal(r, -EINVAL);
		err = err_free(err);
		strbuf_release(&sb);
	}

	/* embedded NUL bytes and junk: no crash, no leak */
	{
		static const char junk[] = "RUN a\0b\nCOPY <<\"\n\xff\xfe [\"\\ud800\"]\n";
		r = df_parse(junk, sizeof(junk) - 1, "Dockerfile", &df, &err);
		df = df_free(df);
		err = err_free(err);
	}

	/* random mutations of a Dockerfile that uses every feature */
	{
		static const char seed[] =
			"# syntax=x\n# escape=\\\nFROM a AS b\nRUN <<-EOF bash\n\techo\n\tEOF\n"
			"CMD [\"a\", \"b\"]\nENV A=1 B \\\n  C\nONBUILD COPY <<X y\nx\nX\n"
			"HEALTHCHECK --a=b CMD [\"x\"]\nLABEL \"a\"='b' c=\"d\\\"\"\n";
		char buf[sizeof(seed)];
		const char alphabet[] = "\\`\"'[]<>-=#\n\t ${}:x\r";
		unsigned seedv = 12345;

		for (int iter = 0; iter < 20000; iter++) {
			memcpy(buf, seed, sizeof(seed));
			for (int k = 0; k < 4; k++) {
				seedv = seedv * 1103515245 + 12345;
				size_t pos = (seedv >> 8) % (sizeof(seed) - 1);
				seedv = seedv * 1103515245 + 12345;
				buf[pos] = alphabet[(seedv >> 8) % (sizeof(alphabet) - 1)];
			}
			r = df_parse(buf, sizeof(seed) - 1, "Dockerfile", &df, &err);
			if (r == 0) {
				char *d = df_dump(df);
				free(d);
				for (size_t i = 0; i < df->n_instrs; i++) {
					struct hull_err *e2 = NULL;
					(void) df_check_flags(&df->instrs[i], &e2);
					e2 = err_free(e2);
					for (size_t j = 0; j < df->instrs[i].n_args; j++) {
						char *w = NULL;
						if (df_expand_word(df->instrs[i].args[j], NULL,
								   '\\', &w, &e2) == 0)
							free(w);
						e2 = err_free(e2);
					}
				}
			} else {
				assert_non_null(err);
				assert_non_null(strstr(err->msg, "Dockerfile:"));
			}
			df = df_free(df);
			err = err_free(err);
		}
	}
}

/* Parse @n bytes that may hold NUL; return the dump or "ERR <message>"; caller frees. */
static char *parse_n(const char *text, size_t n)
{
	struct dockerfile *df = NULL;
	struct hull_err *err = NULL;
	char *out;

	if (df_parse(text, n, "Dockerfile", &df, &err) < 0) {
		assert_null(df);
		out = xasprintf("ERR %s", err->msg);
		err_free(err);
		return out;
	}
	out = df_dump(df);
	df_free(df);
	return out;
}

#define assert_parse_n(text, want)                            \
	do {                                                  \
		char *_got = parse_n(text, sizeof(text) - 1); \
		assert_string_equal(_got, want);              \
		free(_got);                                   \
	} while (0)

static void test_nul_byte(void **state)
{
	(void) state;

	/* never a line cut short at the NUL: the file is refused, naming the line */
	assert_parse_n("FROM a\nRUN echo a\0b; rm -rf /x\n",
		       "ERR Dockerfile:2: NUL byte in line: not supported");
	assert_parse_n("FROM a\nRUN echo a \\\n  b\0c\n",
		       "ERR Dockerfile:3: NUL byte in line: not supported");
	assert_parse_n("FROM a\nCOPY <<EOF /f\nx\ny\0z\nEOF\n",
		       "ERR Dockerfile:4: NUL byte in line: not supported");
	assert_parse_n("# syntax=x\0y\nFROM a\n",
		       "ERR Dockerfile:1: NUL byte in line: not supported");
	assert_parse_n("FROM a\0\n", "ERR Dockerfile:1: NUL byte in line: not supported");
	/* a comment line is dropped whole, NUL or not, as BuildKit drops it */
	assert_parse_n("# a\0b\nFROM a\n# c\0d\nRUN x \\\n# e\0f\n  y\n",
		       "(from \"a\")\n(run \"x   y\")\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_and_shell_form),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_continuations),
		cmocka_unit_test(test_heredocs),
		cmocka_unit_test(test_shell_instruction),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_directives_and_errors),
		cmocka_unit_test(test_robustness),
		cmocka_unit_test(test_nul_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
