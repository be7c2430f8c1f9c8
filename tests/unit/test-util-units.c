/* SPDX-License-Identifier: MIT */
/*
 * units_ram_in_bytes(): docker/go-units RAMInBytes, as --shm-size and --memory take sizes;
 * units_duration_parse() and units_duration_format(): Go's time.ParseDuration and
 * Duration.String, as the --health-* flags and the health check's messages use them.
 */
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

static void test_duration_parse(void **state)
{
	static const struct {
		const char *in;
		int64_t want;
	} cases[] = {
		{"0", 0},
		{"+0", 0},
		{"-0", 0},
		{"0s", 0},
		{"1ns", 1},
		{"1us", 1000},
		{"1\xc2\xb5s", 1000},
		{"1\xce\xbcs", 1000},
		{"1ms", 1000000},
		{"1s", 1000000000},
		{"4.5s", 4500000000},
		{"1.s", 1000000000},
		{".5s", 500000000},
		{"-1.5s", -1500000000},
		{"+2m", 120000000000},
		{"1h30m", 5400000000000},
		{"1h1m1s1ms1us1ns", 3661001001001},
		{"0.000000001s", 1},
		{"1.0000000001s", 1000000000}, /* digits below a nanosecond are dropped */
		{"2562047h47m16.854775807s", INT64_MAX},
		{"-2562047h47m16.854775808s", INT64_MIN},
		{"9223372036854775807ns", INT64_MAX},
	};
	static const struct {
		const char *in, *msg;
	} bad[] = {
		{"", "time: invalid duration \"\""},
		{"-", "time: invalid duration \"-\""},
		{"s", "time: invalid duration \"s\""},
		{".s", "time: invalid duration \".s\""},
		{"1", "time: missing unit in duration \"1\""},
		{"1s2", "time: missing unit in duration \"1s2\""},
		{"1x", "time: unknown unit \"x\" in duration \"1x\""},
		{"1sm", "time: unknown unit \"sm\" in duration \"1sm\""},
		{"1 s", "time: unknown unit \" s\" in duration \"1 s\""},
		{"abc", "time: invalid duration \"abc\""},
		{"9223372036854775808ns", "time: invalid duration \"9223372036854775808ns\""},
		{"2562048h", "time: invalid duration \"2562048h\""},
		{"99999999999999999999s", "time: invalid duration \"99999999999999999999s\""},
	};
	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = 7;
		struct hull_err *e = NULL;
		assert_int_equal(units_duration_parse(cases[i].in, &v, &e), 0);
		assert_null(e);
		if (v != cases[i].want)
			fail_msg("%s: %lld, want %lld", cases[i].in, (long long) v,
				 (long long) cases[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v = 7;
		struct hull_err *e = NULL;
		assert_int_equal(units_duration_parse(bad[i].in, &v, &e), -EINVAL);
		assert_int_equal(v, 7);
		assert_non_null(e);
		assert_string_equal(e->msg, bad[i].msg);
		err_free(e);
	}
}

static void test_duration_format(void **state)
{
	static const struct {
		int64_t in;
		const char *want;
	} cases[] = {
		{0, "0s"},
		{1, "1ns"},
		{999, "999ns"},
		{1000, "1\xc2\xb5s"},
		{1200, "1.2\xc2\xb5s"},
		{1000000, "1ms"},
		{1500000, "1.5ms"},
		{500000000, "500ms"},
		{1000000000, "1s"},
		{1500000000, "1.5s"},
		{30000000000, "30s"},
		{60000000000, "1m0s"},
		{90000000000, "1m30s"},
		{3600000000000, "1h0m0s"},
		{3661001000000, "1h1m1.001s"},
		{-1500000000, "-1.5s"},
		{INT64_MAX, "2562047h47m16.854775807s"},
		{INT64_MIN, "-2562047h47m16.854775808s"},
	};
	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[UNITS_DURATION_MAX];
		assert_string_equal(units_duration_format(cases[i].in, buf), cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok), cmocka_unit_test(test_bad), cmocka_unit_test(test_human),
		cmocka_unit_test(test_duration_parse), cmocka_unit_test(test_duration_format)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
