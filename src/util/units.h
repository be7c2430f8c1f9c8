/* SPDX-License-Identifier: MIT */
/* Sizes as docker's flags take them (docker/go-units size.go RAMInBytes). */
#ifndef HULL_UTIL_UNITS_H
#define HULL_UTIL_UNITS_H

#include <stdint.h>

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

#endif
