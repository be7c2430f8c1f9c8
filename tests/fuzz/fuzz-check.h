/* SPDX-License-Identifier: MIT */
/*
 * The fuzz targets' oracle: FUZZ_CHECK(cond) aborts with the condition and
 * its line when @cond is false, so libFuzzer keeps the input as a crash and
 * the replay of the corpus fails. Unlike assert(), it is never compiled out.
 */
#ifndef HULL_TESTS_FUZZ_CHECK_H
#define HULL_TESTS_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                         \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

#endif
