/* SPDX-License-Identifier: MIT */
/* path_match(): Go's path.Match, as `images --filter reference=` uses it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "util/macros.h"
#include "util/pathmatch.h"

static void test_match(void **state)
{
	static const struct {
		const char *pattern, *name;
		int want;
	} cases[] = {
		{"busybox", "busybox", 1},
		{"busybox", "busybox:latest", 0},
		{"busy*", "busybox", 1},
		{"busy*", "busybox:latest", 1},
		{"*:two", "busybox:two", 1},
		{"*", "library/busybox", 0},
		{"*/*", "library/busybox", 1},
		{"localhost:5000/*", "localhost:5000/app", 1},
		{"b?sybox", "busybox", 1},
		{"?", "/", 0},
		{"*b*", "abc", 1},
		{"a*b*c*d", "aXbYcZd", 1},
		{"a*b*c*d", "aXbYcZ", 0},
		{"[a-c]x", "bx", 1},
		{"[a-c]x", "dx", 0},
		{"[^a]x", "ax", 0},
		{"[^a]x", "/x", 1},
		{"[\\]]", "]", 1},
		{"\\*", "*", 1},
		{"\\*", "x", 0},
		{"a\\b", "ab", 1},
		{"[\xc3\xa9]", "\xc3\xa9", 1},
		{"", "", 1},
		{"", "x", 0},
		{"x", "", 0},
		/* Go's ErrBadPattern, whatever the name */
		{"[", "x", -EINVAL},
		{"a[", "b", -EINVAL},
		{"[]a]", "a", -EINVAL},
		{"[a-]", "a", -EINVAL},
		{"[x", "[x", -EINVAL},
		{"x\\", "x", -EINVAL},
	};
	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (path_match(cases[i].pattern, cases[i].name) != cases[i].want)
			fail_msg("%s %s: want %d got %d", cases[i].pattern, cases[i].name,
				 cases[i].want, path_match(cases[i].pattern, cases[i].name));
}

/*
 * Many stars against a name that almost matches: Go's chunk by chunk loop
 * answers at once; the backtracking matcher before it took exponential time
 * (found by fuzz-dockerignore, whose oracle calls path_match(); `images
 * --filter reference=` takes a user's pattern). The name is a reference's
 * 255-byte maximum of 'a'.
 */
static void test_many_stars(void **state)
{
	char name[256], pattern[64];

	(void) state;
	memset(name, 'a', 255);
	name[255] = '\0';
	for (int i = 0; i < 25; i++)
		memcpy(pattern + 2 * i, "*a", 2);
	pattern[50] = '\0';
	assert_int_equal(path_match(pattern, name), 1);
	memcpy(pattern + 50, "*b", 3);
	assert_int_equal(path_match(pattern, name), 0);
	name[254] = 'b';
	assert_int_equal(path_match(pattern, name), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_match),
					   cmocka_unit_test(test_many_stars)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
