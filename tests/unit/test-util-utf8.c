/* SPDX-License-Identifier: MIT */
/*
 * utf8_lossy() and json_string_lossy(): text that is not UTF-8 becomes U+FFFD byte by byte,
 * as Go's encoding/json writes it (docker's client), and is never dropped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/json.h"

#define FFFD "\xef\xbf\xbd"

static void test_lossy(void **state)
{
	static const char *const cases[][2] = {
		{"", ""},
		{"plain ascii", "plain ascii"},
		{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3",
		 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"},
		{"\xff", FFFD},
		{"1 \xff 2", "1 " FFFD " 2"},
		/* a truncated sequence: each byte alone */
		{"\xe2\x82", FFFD FFFD},
		{"\xe2\x82x", FFFD FFFD "x"},
		/* overlong forms, surrogates and beyond U+10FFFF are not UTF-8 */
		{"\xc0\xaf", FFFD FFFD},
		{"\xe0\x80\xaf", FFFD FFFD FFFD},
		{"\xed\xa0\x80", FFFD FFFD FFFD},
		{"\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD},
		{"\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD},
		/* a lone continuation byte */
		{"a\x80", "a" FFFD},
	};

	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = utf8_lossy(cases[i][0]);
		json_t *j = json_string_lossy(cases[i][0]);

		assert_string_equal(out, cases[i][1]);
		assert_non_null(j);
		assert_string_equal(json_string_value(j), cases[i][1]);
		json_decref(j);
		free(out);
	}
	assert_true(json_is_null(json_string_lossy(NULL)));
}

/* json_from_strv() keeps every entry: a command's arguments are never dropped */
static void test_strv(void **state)
{
	char *argv[] = {"echo", "1", "\xff", "2", NULL};
	json_t *a = json_from_strv(argv);

	(void) state;
	assert_int_equal(json_array_size(a), 4);
	assert_string_equal(json_string_value(json_array_get(a, 2)), FFFD);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lossy),
		cmocka_unit_test(test_strv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
