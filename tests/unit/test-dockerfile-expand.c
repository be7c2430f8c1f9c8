/* SPDX-License-Identifier: MIT */
/*
 * Shell-word expansion (df_expand_word / df_expand_words) beyond BuildKit's
 * tables: environment lookup order, the backtick escape, error messages,
 * pattern operators and bounds on hostile input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dockerfile/dockerfile.h"
#include "util/strbuf.h"
#include "util/strv.h"

static char *expand(const char *w, char *const *env, char esc)
{
	struct hull_err *err = NULL;
	char *out = NULL;

	if (df_expand_word(w, env, esc, &out, &err) < 0) {
		out = xasprintf("ERR %s", err->msg);
		err_free(err);
	}
	return out;
}

#define assert_expand(w, env, esc, want)        \
	do {                                    \
		char *_g = expand(w, env, esc); \
		assert_string_equal(_g, want);  \
		free(_g);                       \
	} while (0)

static void test_env_lookup(void **state)
{
	(void) state;
	char *env[] = {"A=first", "B=x", "A=second", "EMPTY", NULL};

	/* EnvsFromSlice: the last entry wins, a bare name is set and empty */
	assert_expand("$A", env, '\\', "second");
	assert_expand("${EMPTY-unset}", env, '\\', "");
	assert_expand("${EMPTY:-empty}", env, '\\', "empty");
	assert_expand("${NOPE-unset}", env, '\\', "unset");
	assert_expand("$A", NULL, '\\', "");
	/* names are case-sensitive and stop at non-name characters */
	assert_expand("$a.$B-", env, '\\', ".x-");
	assert_expand("$1$@$#x", env, '\\', "x");
}

static void test_escape_token(void **state)
{
	(void) state;
	char *env[] = {"V=v", NULL};

	assert_expand("a`$V\\b", env, '`', "a$V\\b");
	assert_expand("\"`\"$V`\"\"", env, '`', "\"v\"");
	assert_expand("a\\$V", env, '\\', "a$V");
	{
		struct hull_err *err = NULL;
		char *out = NULL;
		assert_int_equal(df_expand_word("x", env, 'x', &out, &err), -EINVAL);
		assert_null(out);
		err_free(err);
	}
}

static void test_errors(void **state)
{
	(void) state;
	char *env[] = {"E=", NULL};

	assert_expand("${}", env, '\\',
		      "ERR failed to process \"${}\": syntax error: bad substitution");
	assert_expand("${X", env, '\\',
		      "ERR failed to process \"${X\": unsupported modifier (\xef\xbf\xbd) in "
		      "substitution");
	assert_expand("${X:-a", env, '\\',
		      "ERR failed to process \"${X:-a\": syntax error: missing '}'");
	assert_expand(
		"${X:=a}", env, '\\',
		"ERR failed to process \"${X:=a}\": unsupported modifier (:=) in substitution");
	assert_expand("${X?}", env, '\\',
		      "ERR failed to process \"${X?}\": X: is not allowed to be unset");
	assert_expand("${E:?must be set}", env, '\\',
		      "ERR failed to process \"${E:?must be set}\": E: must be set");
	assert_expand("${E?}", env, '\\', "");
	assert_expand(
		"'abc", env, '\\',
		"ERR failed to process \"'abc\": unexpected end of statement while looking for "
		"matching single-quote");
	assert_expand("${X/a", env, '\\',
		      "ERR failed to process \"${X/a\": syntax error: missing '/' in ${}");
}

static void test_patterns(void **state)
{
	(void) state;
	char *env[] = {"P=/usr/local/bin/tool.tar.gz", "S=aXbXc", "V=v8-arm", NULL};

	assert_expand("${P#*/}", env, '\\', "usr/local/bin/tool.tar.gz");
	assert_expand("${P##*/}", env, '\\', "tool.tar.gz");
	assert_expand("${P%.*}", env, '\\', "/usr/local/bin/tool.tar");
	assert_expand("${P%%.*}", env, '\\', "/usr/local/bin/tool");
	assert_expand("${S/X/-}", env, '\\', "a-bXc");
	assert_expand("${S//X/-}", env, '\\', "a-b-c");
	assert_expand("${S//?/.}", env, '\\', ".....");
	assert_expand("${S/\\*/-}", env, '\\', "aXbXc");
	assert_expand("${V:+-${V}}", env, '\\', "-v8-arm");
	assert_expand("${NOPE:+-${NOPE}}", env, '\\', "");
	assert_expand(
		"${S:#x}", env, '\\',
		"ERR failed to process \"${S:#x}\": unsupported modifier (:#) in substitution");
}

static void test_words(void **state)
{
	(void) state;
	char *env[] = {"L=a  b", NULL};
	struct hull_err *err = NULL;
	char **w = NULL;

	assert_int_equal(df_expand_words("x $L \"$L\" '' y\\ z", env, '\\', &w, &err), 0);
	assert_int_equal(strv_length(w), 5);
	assert_string_equal(w[0], "x");
	assert_string_equal(w[1], "a");
	assert_string_equal(w[2], "b");
	assert_string_equal(w[3], "a  b");
	assert_string_equal(w[4], "y z");
	w = strv_free(w);

	assert_int_equal(df_expand_words("   ", env, '\\', &w, &err), 0);
	assert_non_null(w);
	assert_int_equal(strv_length(w), 0);
	w = strv_free(w);

	assert_int_equal(df_expand_words("\"open", env, '\\', &w, &err), -EINVAL);
	assert_null(w);
	err_free(err);
}

static void test_hostile(void **state)
{
	(void) state;
	struct strbuf sb = STRBUF_INIT;
	char *env[2] = {NULL, NULL};
	struct hull_err *err = NULL;
	char *out = NULL;

	/* deep ${...} nesting is refused, not recursed without bound */
	for (int i = 0; i < 10000; i++)
		strbuf_adds(&sb, "${A:-");
	assert_int_equal(df_expand_word(sb.buf, NULL, '\\', &out, &err), -EINVAL);
	err = err_free(err);
	strbuf_release(&sb);

	/* a backtracking-heavy pattern on a long value finishes */
	strbuf_adds(&sb, "V=");
	for (int i = 0; i < 3000; i++)
		strbuf_addch(&sb, 'a');
	env[0] = sb.buf;
	assert_int_equal(df_expand_word("${V#*a*a*a*a*a*a*a*a*b}", env, '\\', &out, &err), 0);
	assert_int_equal(strlen(out), 3000);
	free(out);
	assert_int_equal(df_expand_word("${V//*a*a*a*b/x}", env, '\\', &out, &err), 0);
	free(out);
	strbuf_release(&sb);

	/* invalid UTF-8 becomes U+FFFD, as Go's text/scanner */
	assert_expand("a\xff", NULL, '\\', "a\xef\xbf\xbd");
}

static void test_expansion_bound(void **state)
{
	(void) state;
	struct strbuf sb = STRBUF_INIT;
	char *env[2] = {NULL, NULL};
	struct hull_err *err = NULL;
	char **words = NULL;
	char *out = NULL;

	/* nested ${v//p/r} multiplies lengths: 1000 x 2001 bytes is refused... */
	strbuf_adds(&sb, "FOO=");
	for (int i = 0; i < 1000; i++)
		strbuf_addch(&sb, 'a');
	env[0] = sb.buf;
	assert_int_equal(df_expand_word("${FOO//$NONE/${FOO//$NONE/ }}", env, '\\', &out, &err),
			 -EINVAL);
	assert_non_null(strstr(err->msg, "expansion longer than 1048576 bytes"));
	err = err_free(err);
	/* ... as is a word made long by many substitutions */
	{
		struct strbuf w = STRBUF_INIT;
		for (int i = 0; i < 1100; i++)
			strbuf_adds(&w, "${FOO}");
		assert_int_equal(df_expand_word(w.buf, env, '\\', &out, &err), -EINVAL);
		err = err_free(err);
		strbuf_release(&w);
	}
	/* while 700 x 1401 bytes, half a million words, is split in linear time */
	sb.len = 4 + 700;
	sb.buf[sb.len] = '\0';
	assert_int_equal(df_expand_words("${FOO//$NONE/${FOO//$NONE/ }}", env, '\\', &words, &err),
			 0);
	assert_int_equal(strv_length(words), 700 * 702);
	strv_free(words);
	strbuf_release(&sb);
}

static char *expand_heredoc(const char *body, char *const *env)
{
	struct hull_err *err = NULL;
	char *out = NULL;

	if (df_expand_heredoc(body, env, &out, &err) < 0) {
		out = xasprintf("ERR %s", err->msg);
		err_free(err);
	}
	return out;
}

#define assert_heredoc(body, env, want)               \
	do {                                          \
		char *_g = expand_heredoc(body, env); \
		assert_string_equal(_g, want);        \
		free(_g);                             \
	} while (0)

static void test_heredoc(void **state)
{
	(void) state;
	char *env[] = {"V=v", NULL};

	/* quotes are plain characters; the backslash still escapes the next one */
	assert_heredoc("\"a\\\"b\"\n", env, "\"a\"b\"\n");
	assert_heredoc("\\\"e\\\"\n", env, "\"e\"\n");
	assert_heredoc("'$V' \"$V\" \"${V:-'x'}\"\n", env, "'v' \"v\" \"v\"\n");
	assert_heredoc("'${NOPE:-\"d e\"}'", env, "'\"d e\"'");
	assert_heredoc("it's \"unbalanced\n", env, "it's \"unbalanced\n");
	/* BuildKit's testCopyHeredocSpecialSymbols: \<newline>, \\ and \$ */
	assert_heredoc("\\\n", env, "\n");
	assert_heredoc("\\\\\n", env, "\\\n");
	assert_heredoc("\\$V\n", env, "$V\n");
	/* a trailing backslash is dropped */
	assert_heredoc("a\\", env, "a");
	/* '\\' is the escape character whatever the escape directive */
	assert_heredoc("`$V", env, "`v");
	assert_heredoc("${V:-a", env,
		       "ERR failed to process \"${V:-a\": syntax error: missing '}'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_lookup),	cmocka_unit_test(test_escape_token),
		cmocka_unit_test(test_errors),		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_words),		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_expansion_bound), cmocka_unit_test(test_heredoc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
