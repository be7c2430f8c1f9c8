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

#endif
