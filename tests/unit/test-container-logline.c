/* SPDX-License-Identifier: MIT */
/*
 * The json-file log lines of logline.c, which hull-monitor writes without
 * jansson: the same bytes as jansson's JSON_COMPACT dump for UTF-8 input,
 * U+FFFD for each byte that is not UTF-8, RFC 3339 times as strftime
 * gives them, and docker's line splitting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>
#include <jansson.h>
#include "container/logline.h"

static char *line(const char *data, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	log_line_json(&sb, "stdout", data, len, NULL, "2024-01-02T03:04:05.000000006Z");
	return strbuf_detach(&sb, NULL);
}

static char *jansson_line(const char *data, size_t len)
{
	json_t *j = json_pack("{s:s%,s:s,s:s}", "log", data, len, "stream", "stdout", "time",
			      "2024-01-02T03:04:05.000000006Z");
	char *s;
	struct strbuf sb = STRBUF_INIT;

	assert_non_null(j);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	(void) strbuf_adds(&sb, s);
	(void) strbuf_addch(&sb, '\n');
	free(s);
	return strbuf_detach(&sb, NULL);
}

static void same_as_jansson(const char *data, size_t len)
{
	char *a = line(data, len), *b = jansson_line(data, len);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void test_valid_utf8(void **state)
{
	static const char *const cases[] = {
		"",
		"hello\n",
		"tab\there \"quoted\" back\\slash /slash\r\n",
		"\x01\x02\x1f\x7f control",
		"\b\f",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3 \xf4\x8f\xbf\xbf",
		"\xef\xbf\xbd already a replacement",
		"<html>&amp;</html>",
	};
	unsigned seed = 12345;
	(void) state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		same_as_jansson(cases[i], strlen(cases[i]));
	/* embedded NUL */
	same_as_jansson("a\0b", 3);
	/* random strings of ASCII and valid multi-byte characters */
	for (int round = 0; round < 2000; round++) {
		char buf[256];
		size_t n = 0;
		while (n < sizeof(buf) - 4) {
			unsigned r = (seed = seed * 1103515245u + 12345u) >> 16;
			if (r % 5 == 0 && n + 2 < sizeof(buf)) {
				unsigned cp = 0x80 + r % 0x780;
				buf[n++] = (char) (0xc0 | cp >> 6);
				buf[n++] = (char) (0x80 | (cp & 0x3f));
			} else if (r % 7 == 0) {
				unsigned cp = 0x800 + r % 0xd000; /* below the surrogates */
				buf[n++] = (char) (0xe0 | cp >> 12);
				buf[n++] = (char) (0x80 | ((cp >> 6) & 0x3f));
				buf[n++] = (char) (0x80 | (cp & 0x3f));
			} else {
				buf[n++] = (char) (r % 128);
			}
			if (r % 31 == 0)
				break;
		}
		same_as_jansson(buf, n);
	}
}

/* Bytes that are not UTF-8 become U+FFFD one by one, as Go's encoder writes them. */
static void test_invalid_utf8(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *log; /* the decoded value */
	} cases[] = {
		{"a\xff"
		 "b",
		 3,
		 "a\xef\xbf\xbd"
		 "b"},
		{"\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd"},		     /* overlong '/' */
		{"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
		{"x\xe2\x82", 3, "x\xef\xbf\xbd\xef\xbf\xbd"},		     /* cut short */
		{"\xf4\x90\x80\x80", 4,
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* above U+10FFFF */
		{"\x80\"\n", 3, "\xef\xbf\xbd\"\n"},
	};
	(void) state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = line(cases[i].in, cases[i].len);
		json_error_t e;
		json_t *j = json_loads(s, 0, &e);
		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "log")), cases[i].log);
		json_decref(j);
		free(s);
	}
}

static void test_time(void **state)
{
	static const time_t secs[] = {0, 951782400 /* 2000-02-29 */, 4107542400 /* 2100-03-01 */,
				      1700000000, 253402300799 /* 9999-12-31T23:59:59 */};
	(void) state;

	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		struct timespec ts = {secs[i], 123456789};
		struct tm tm;
		char want[64], got[LOG_TIME_SIZE];
		gmtime_r(&ts.tv_sec, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S.123456789Z", &tm);
		log_time_rfc3339(&ts, got);
		assert_string_equal(got, want);
	}
	for (time_t t = 0; t < 4102444800; t += 86399 * 37) {
		struct timespec ts = {t, 5};
		struct tm tm;
		char want[64], got[LOG_TIME_SIZE];
		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S.000000005Z", &tm);
		log_time_rfc3339(&ts, got);
		assert_string_equal(got, want);
	}
}

/* Lines are written one by one; a line without an end waits; a long one goes in 16 KiB pieces. */
static void test_stream(void **state)
{
	FILE *f = tmpfile();
	struct log_stream ls = {"stderr", STRBUF_INIT, "", 0};
	struct log_file lf;
	char *big = malloc(LOG_LINE_MAX + 10), buf[65536];
	size_t n, lines = 0;
	json_t *j;
	(void) state;

	assert_non_null(f);
	log_file_init(&lf);
	lf.fd = fileno(f);
	log_stream_feed(&lf, &ls, "one\ntw", 6);
	log_stream_feed(&lf, &ls, "o\nthr", 5);
	memset(big, 'x', LOG_LINE_MAX + 10);
	log_stream_feed(&lf, &ls, big, LOG_LINE_MAX + 10);
	log_stream_flush(&lf, &ls);
	assert_null(ls.line.buf);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save), lines++) {
		const char *want[] = {"one\n", "two\n", NULL, NULL};
		const char *v;
		j = json_loads(l, 0, NULL);
		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "stream")), "stderr");
		v = json_string_value(json_object_get(j, "log"));
		if (lines < 2)
			assert_string_equal(v, want[lines]);
		else if (lines == 2)
			assert_int_equal(strlen(v), LOG_LINE_MAX); /* "thr" + 16381 x */
		else
			assert_int_equal(strlen(v), 3 + LOG_LINE_MAX + 10 - LOG_LINE_MAX);
		json_decref(j);
	}
	assert_int_equal(lines, 4);
	free(big);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_utf8),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
