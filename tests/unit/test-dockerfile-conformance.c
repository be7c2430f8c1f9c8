/* SPDX-License-Identifier: MIT */
/*
 * Conformance against BuildKit's own parser and shell-lexer test data
 * ($PEER_DIR/buildkit, see its README.md): every positive parser case
 * byte for byte through df_dump(), the negative cases, the line-number
 * case, envVarTest, wordsTest and derived/shell-processword-cases.json.
 * Cases we cannot pass are listed in known_failures[] with the reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>

#include "dockerfile/dockerfile.h"
#include "util/strbuf.h"
#include "util/strv.h"

static const char *peer;

/* Cases that do not pass, with the reason. Empty: everything passes. */
static const struct {
	const char *id;
	const char *reason;
} known_failures[] = {
	{NULL, NULL},
};

static bool is_known_failure(const char *id)
{
	for (size_t i = 0; known_failures[i].id; i++)
		if (strcmp(known_failures[i].id, id) == 0)
			return true;
	return false;
}

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		assert_int_equal(strbuf_add(&sb, buf, n), 0);
	fclose(f);
	if (ret_len)
		*ret_len = sb.len;
	if (!sb.buf)
		return xstrdup("");
	return strbuf_detach(&sb, NULL);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static char **list_dir(const char *path)
{
	DIR *d = opendir(path);
	char **l = strv_new();
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			strv_push(&l, e->d_name);
	closedir(d);
	qsort(l, strv_length(l), sizeof(char *), cmpstr);
	return l;
}

struct tally {
	unsigned pass, fail, known;
};

static void record(struct tally *t, const char *id, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		t->pass++;
		return;
	}
	if (is_known_failure(id)) {
		t->known++;
		return;
	}
	t->fail++;
	fprintf(stderr, "FAIL %s: ", id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void report(const char *what, const struct tally *t)
{
	fprintf(stderr, "%s: %u passed, %u failed, %u known failures\n", what, t->pass, t->fail,
		t->known);
	assert_int_equal(t->fail, 0);
}

static void test_positive(void **state)
{
	(void) state;
	_cleanup_free_ char *dir =
		xasprintf("%s/buildkit/frontend/dockerfile/parser/testfiles", peer);
	_cleanup_strv_ char **cases = list_dir(dir);
	struct tally t = {0};

	STRV_FOREACH (c, cases) {
		_cleanup_free_ char *dpath = xasprintf("%s/%s/Dockerfile", dir, *c);
		_cleanup_free_ char *rpath = xasprintf("%s/%s/result", dir, *c);
		_cleanup_free_ char *id = xasprintf("testfiles/%s", *c);
		_cleanup_free_ char *data = NULL, *want = NULL, *got = NULL;
		struct dockerfile *df = NULL;
		struct hull_err *err = NULL;
		size_t len;

		data = slurp(dpath, &len);
		want = slurp(rpath, NULL);
		assert_non_null(data);
		assert_non_null(want);
		if (df_parse(data, len, "Dockerfile", &df, &err) < 0) {
			record(&t, id, false, "parse error: %s", err->msg);
			err_free(err);
			continue;
		}
		got = df_dump(df);
		record(&t, id, strcmp(got, want) == 0, "dump differs:\n--- got\n%s--- want\n%s",
		       got, want);
		df_free(df);
	}
	assert_int_equal(t.pass + t.fail + t.known, 33);
	report("parser testfiles", &t);
}

static void test_negative(void **state)
{
	(void) state;
	_cleanup_free_ char *dir =
		xasprintf("%s/buildkit/frontend/dockerfile/parser/testfiles-negative", peer);
	_cleanup_strv_ char **cases = list_dir(dir);
	struct tally t = {0};

	STRV_FOREACH (c, cases) {
		_cleanup_free_ char *dpath = xasprintf("%s/%s/Dockerfile", dir, *c);
		_cleanup_free_ char *id = xasprintf("testfiles-negative/%s", *c);
		_cleanup_free_ char *data = NULL;
		struct dockerfile *df = NULL;
		struct hull_err *err = NULL;
		size_t len;
		int r;

		data = slurp(dpath, &len);
		assert_non_null(data);
		r = df_parse(data, len, "Dockerfile", &df, &err);
		record(&t, id, r < 0, "parsed but must fail");
		if (r < 0) {
			assert_int_equal(r, -EINVAL);
			assert_non_null(strstr(err->msg, "Dockerfile:"));
		}
		err_free(err);
		df_free(df);
	}
	assert_int_equal(t.pass + t.fail + t.known, 4);
	report("parser testfiles-negative", &t);
}

static void test_lines(void **state)
{
	(void) state;
	_cleanup_free_ char *path =
		xasprintf("%s/buildkit/frontend/dockerfile/parser/testfile-line/Dockerfile", peer);
	_cleanup_free_ char *data = NULL;
	struct dockerfile *df = NULL;
	struct hull_err *err = NULL;
	size_t len;

	data = slurp(path, &len);
	assert_non_null(data);
	assert_int_equal(df_parse(data, len, "Dockerfile", &df, &err), 0);
	assert_int_equal(df->start_line, 5);
	assert_int_equal(df->end_line, 31);
	assert_int_equal(df->n_instrs, 3);
	assert_int_equal(df->instrs[0].start_line, 5);
	assert_int_equal(df->instrs[0].end_line, 5);
	assert_int_equal(df->instrs[1].start_line, 11);
	assert_int_equal(df->instrs[1].end_line, 12);
	assert_int_equal(df->instrs[2].start_line, 17);
	assert_int_equal(df->instrs[2].end_line, 31);
	df_free(df);
	fprintf(stderr, "parser testfile-line: 1 passed\n");
}

/* Trim ASCII whitespace in place (Go's strings.TrimSpace on these ASCII tables). */
static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

static void test_env_var(void **state)
{
	(void) state;
	_cleanup_free_ char *path =
		xasprintf("%s/buildkit/frontend/dockerfile/shell/envVarTest", peer);
	_cleanup_free_ char *data = slurp(path, NULL);
	char *env[] = {"PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL=", NULL};
	struct tally t = {0};
	unsigned lineno = 0, skipped = 0;
	char *save = NULL;

	assert_non_null(data);
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f1, *f2, *f3, *id;
		struct hull_err *err = NULL;
		char *got = NULL;
		int r;

		lineno++;
		if (line[0] == '#' || !*trim(line))
			continue;
		f1 = line;
		f2 = strchr(f1, '|');
		assert_non_null(f2);
		*f2++ = '\0';
		f3 = strchr(f2, '|');
		assert_non_null(f3);
		*f3++ = '\0';
		f1 = trim(f1);
		f2 = trim(f2);
		f3 = trim(f3);
		if (strcmp(f1, "W") == 0) {
			skipped++;
			continue;
		}
		id = xasprintf("envVarTest:%s", f2);
		r = df_expand_word(f2, env, '\\', &got, &err);
		if (strcmp(f3, "error") == 0)
			record(&t, id, r < 0, "expected an error, got '%s'", got ? got : "");
		else
			record(&t, id, r == 0 && strcmp(trim(got), f3) == 0,
			       "got '%s' (%s), want '%s'", got ? got : "", err ? err->msg : "ok",
			       f3);
		free(got);
		free(id);
		err_free(err);
	}
	fprintf(stderr, "envVarTest: %u Windows-only lines skipped\n", skipped);
	report("envVarTest", &t);
}

static void test_words(void **state)
{
	(void) state;
	_cleanup_free_ char *path =
		xasprintf("%s/buildkit/frontend/dockerfile/shell/wordsTest", peer);
	_cleanup_free_ char *data = slurp(path, NULL);
	_cleanup_strv_ char **env = strv_new();
	struct tally t = {0};
	char *save = NULL;

	assert_non_null(data);
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		_cleanup_strv_ char **want = NULL;
		_cleanup_strv_ char **got = NULL;
		_cleanup_free_ char *id = NULL;
		struct hull_err *err = NULL;
		char *in, *exp;
		int r;

		if (line[0] == '#')
			continue;
		if (strncmp(line, "ENV ", 4) == 0) {
			char *kv = line + 4;
			while (*kv == ' ')
				kv++;
			strv_push(&env, kv);
			continue;
		}
		exp = strchr(line, '|');
		if (!exp)
			continue;
		*exp++ = '\0';
		in = trim(line);
		while (*exp == ' ' || *exp == '\t')
			exp++;
		id = xasprintf("wordsTest:%s", in);
		r = df_expand_words(in, env, '\\', &got, &err);
		if (strcmp(exp, "error") == 0) {
			record(&t, id, r < 0, "expected an error");
		} else {
			char *s = NULL, *tok;
			want = strv_new();
			for (tok = strtok_r(exp, ",", &s); tok; tok = strtok_r(NULL, ",", &s))
				strv_push(&want, tok);
			bool ok = r == 0 && strv_equal(got, want);
			_cleanup_free_ char *g = NULL;
			if (!ok && r == 0) {
				struct strbuf sb = STRBUF_INIT;
				STRV_FOREACH (w, got)
					strbuf_addf(&sb, "[%s]", *w);
				g = strbuf_detach(&sb, NULL);
			}
			record(&t, id, ok, "got %s (%s)", g ? g : "", err ? err->msg : "ok");
		}
		err_free(err);
	}
	report("wordsTest", &t);
}

static void test_processword_json(void **state)
{
	(void) state;
	_cleanup_free_ char *path =
		xasprintf("%s/buildkit/derived/shell-processword-cases.json", peer);
	json_error_t jerr;
	json_t *cases = json_load_file(path, 0, &jerr), *c;
	struct tally t = {0};
	size_t i;

	assert_non_null(cases);
	json_array_foreach (cases, i, c) {
		_cleanup_strv_ char **env = strv_new();
		_cleanup_free_ char *id = NULL;
		const char *input = json_string_value(json_object_get(c, "input"));
		const char *expected = json_string_value(json_object_get(c, "expected"));
		const char *contains = json_string_value(json_object_get(c, "error_contains"));
		bool want_err = json_is_true(json_object_get(c, "error"));
		struct hull_err *err = NULL;
		char *got = NULL;
		const char *k;
		json_t *v;
		int r;

		json_object_foreach (json_object_get(c, "envs"), k, v) {
			char *kv = xasprintf("%s=%s", k, json_string_value(v));
			strv_consume(&env, kv);
		}
		id = xasprintf("processword[%zu]:%s", i, input);
		r = df_expand_word(input, env, '\\', &got, &err);
		if (want_err)
			record(&t, id, r < 0 && (!contains || strstr(err->msg, contains)),
			       "expected error containing '%s', got '%s' / %s",
			       contains ? contains : "", got ? got : "", err ? err->msg : "ok");
		else
			record(&t, id, r == 0 && expected && strcmp(got, expected) == 0,
			       "got '%s' (%s), want '%s'", got ? got : "", err ? err->msg : "ok",
			       expected ? expected : "");
		free(got);
		err_free(err);
	}
	json_decref(cases);
	assert_int_equal(t.pass + t.fail + t.known, 56);
	report("shell-processword-cases.json", &t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positive), cmocka_unit_test(test_negative),
		cmocka_unit_test(test_lines),	 cmocka_unit_test(test_env_var),
		cmocka_unit_test(test_words),	 cmocka_unit_test(test_processword_json),
	};

	peer = getenv("PEER_DIR");
	if (!peer) {
		fprintf(stderr, "PEER_DIR is not set\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
