/* SPDX-License-Identifier: MIT */
/* units_ram_in_bytes(): docker/go-units RAMInBytes, as --shm-size and --memory take sizes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "util/units.h"

static void test_ok(void **state)
{
	static const struct {
		const char *in;
		uint64_t want;
	} cases[] = {
		{"0", 0},
		{"512", 512},
		{"1b", 1},
		{"1k", 1024},
		{"1K", 1024},
		{"1kb", 1024},
		{"1KiB", 1024},
		{"64m", 64ULL << 20},
		{"64M", 64ULL << 20},
		{"1 m", 1ULL << 20},
		{"1.5g", 3ULL << 29},
		{"2t", 2ULL << 40},
		{"1p", 1ULL << 50},
	};
	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 7;
		assert_int_equal(units_ram_in_bytes(cases[i].in, &v), 0);
		assert_int_equal(v, cases[i].want);
	}
}

static void test_bad(void **state)
{
	static const char *const bad[] = {"",	"m",	"-1",  "1x",   "1mm", "1.m",   ".5m",
					  "1 ", "1  m", "1bb", "1kbb", "1e3", "64mib2"};
	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 7;
		assert_int_equal(units_ram_in_bytes(bad[i], &v), -EINVAL);
		assert_int_equal(v, 7);
	}
	{
		uint64_t v;
		assert_int_equal(units_ram_in_bytes("99999999p", &v), -ERANGE);
	}
}

/* FromHumanSize: powers of 1000, as the log drivers' max-size (docker 20.10's go-units) */
static void test_human(void **state)
{
	static const struct {
		const char *in;
		uint64_t want;
	} cases[] = {
		{"0", 0},
		{"1", 1},
		{"1b", 1},
		{"1k", 1000},
		{"1K", 1000},
		{"1kb", 1000},
		{"1KiB", 1000},
		{"1.5k", 1500},
		{"10m", 10000000},
		{"10 MB", 10000000},
		{"20m", 20000000},
		{"1g", 1000000000},
		{"2t", 2000000000000ULL},
		{"1p", 1000000000000000ULL},
		{"7i", 7},
	};
	static const char *const bad[] = {"",	 "m",	"-1",	 "1x",	"1mm",	"1.m",
					  ".5m", "1e3", "1.2.3", "abc", "1  m", "1bb"};
	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 7;
		assert_int_equal(units_from_human_size(cases[i].in, &v), 0);
		assert_int_equal(v, cases[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 7;
		assert_int_equal(units_from_human_size(bad[i], &v), -EINVAL);
		assert_int_equal(v, 7);
	}
	{
		uint64_t v;
		assert_int_equal(units_from_human_size("99999999p", &v), -ERANGE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_ok), cmocka_unit_test(test_bad),
					   cmocka_unit_test(test_human)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
