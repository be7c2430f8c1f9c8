/* SPDX-License-Identifier: MIT */
/* The transfer pool's start order (registry/xfer.c): largest blob first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "registry/xfer.h"

static void test_order(void **state)
{
	/* bench/push's image listed top first: the 33 MB bottom layer is last */
	const int64_t sizes[] = {4650567, 9523020, 9505199, 14698364, 23886407, 32888011};
	const int64_t ties[] = {5, -1, 7, 5, 7};
	size_t order[6];

	(void) state;
	xfer_order(6, sizes, order);
	assert_int_equal(order[0], 5);
	assert_int_equal(order[1], 4);
	assert_int_equal(order[2], 3);
	assert_int_equal(order[3], 1);
	assert_int_equal(order[4], 2);
	assert_int_equal(order[5], 0);
	/* equal sizes keep their index order; -1 (nothing to do) goes last */
	xfer_order(5, ties, order);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 4);
	assert_int_equal(order[2], 0);
	assert_int_equal(order[3], 3);
	assert_int_equal(order[4], 1);
	/* no sizes: index order */
	xfer_order(3, NULL, order);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 2);
}

struct seen {
	size_t got[8];
	size_t n;
};

static int record(void *arg, size_t i, struct hull_err **err)
{
	struct seen *s = arg;

	(void) err;
	s->got[s->n++] = i;
	return 0;
}

static void test_pool_one_thread(void **state)
{
	const int64_t sizes[] = {1, 30, 20};
	struct seen s = {0};

	(void) state;
	assert_int_equal(xfer_pool_run(1, 3, sizes, record, &s, NULL), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.got[0], 1);
	assert_int_equal(s.got[1], 2);
	assert_int_equal(s.got[2], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_pool_one_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
