/* SPDX-License-Identifier: MIT */
/*
 * Sizes and durations as docker's flags take them: docker/go-units
 * RAMInBytes, and Go's time.ParseDuration and Duration.String (the
 * --health-* flags, HEALTHCHECK options, the health check's messages).
 */
#ifndef HULL_UTIL_UNITS_H
#define HULL_UTIL_UNITS_H

#include <stdint.h>
#include "util/err.h"

/*
 * units_ram_in_bytes() - parse "64m", "1.5g", "512" (bytes), "2KiB"...: a
 * decimal number, optional fraction, then an optional unit b, k, m, g, t, p
 * (also kb/kib...), any case, in powers of 1024, as go-units RAMInBytes.
 * Pure. Returns 0 and *@ret, or -EINVAL (malformed, negative) / -ERANGE.
 */
int units_ram_in_bytes(const char *s, uint64_t *ret);

/*
 * units_from_human_size() - parse a size as go-units FromHumanSize (the
 * version docker 20.10 vendors: the pattern `^(\d+(\.\d+)*) ?([kmgtp])?i?b?$`,
 * any case) in powers of 1000: "10m" is 10000000, "1.5k" 1500, "1KiB" 1000,
 * as the json-file and local log drivers take max-size. Pure. Returns 0 and
 * *@ret, or -EINVAL (malformed, negative) / -ERANGE.
 */
int units_from_human_size(const char *s, uint64_t *ret);

/*
 * units_duration_parse() - Go's time.ParseDuration: an optional sign, then
 * one or more decimal numbers, each with an optional fraction and a unit
 * ("ns", "us", "\u00b5s", "\u03bcs", "ms", "s", "m", "h"): "1.5s", "1h30m",
 * "-2ms"; "0" alone needs no unit. Pure. Returns 0 and *@ret_ns, or -EINVAL
 * with Go's message in *@err ("time: invalid duration \"x\"", "time:
 * missing unit in duration \"1\"", "time: unknown unit \"x\" in duration
 * \"1x\""), overflow of int64 nanoseconds included.
 */
int units_duration_parse(const char *s, int64_t *ret_ns, struct hull_err **err);

/* The longest units_duration_format() string ("-2562047h47m16.854775808s") and its NUL. */
#define UNITS_DURATION_MAX 32

/*
 * units_duration_format() - Go's Duration.String of @ns into @buf: "1h2m3.5s",
 * "1m0s", "1.5s", "500ms", "1.2\u00b5s", "7ns", "0s". Returns @buf.
 */
char *units_duration_format(int64_t ns, char buf[UNITS_DURATION_MAX]);

#endif
