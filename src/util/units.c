/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/units.h"

/*
 * The number go-units' size patterns start with, `\d+(\.\d+)?`, as a double;
 * *@ret_end after it. -EINVAL if @s does not start with one.
 */
static int leading_number(const char *s, const char **ret_end, double *ret)
{
	const char *p = s;
	char *end;

	if (!s || !isdigit((unsigned char) *p))
		return -EINVAL;
	while (isdigit((unsigned char) *p))
		p++;
	/* the pattern takes "1.2.3", which Go's ParseFloat then refuses */
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char) *p))
			return -EINVAL;
		while (isdigit((unsigned char) *p))
			p++;
	}
	*ret = strtod(s, &end);
	if (end != p)
		return -EINVAL;
	*ret_end = p;
	return 0;
}

int units_ram_in_bytes(const char *s, uint64_t *ret)
{
	static const char *const units[] = {"b", "k", "m", "g", "t", "p"};
	const char *p = s, *u;
	double v, mult = 1;
	size_t ul;
	int r;

	r = leading_number(s, &p, &v);
	if (r < 0)
		return r;
	u = *p == ' ' ? p + 1 : p; /* go-units allows one space before the unit */
	ul = strlen(u);
	if (u != p && !ul)
		return -EINVAL;
	if (ul) {
		size_t i;
		/* one letter, then "b", "ib" or nothing */
		if (ul > 3 ||
		    (ul >= 2 && strcasecmp(u + 1, "b") != 0 && strcasecmp(u + 1, "ib") != 0))
			return -EINVAL;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (tolower((unsigned char) u[0]) == units[i][0])
				break;
		if (i == sizeof(units) / sizeof(units[0]) || (i == 0 && ul > 1))
			return -EINVAL;
		while (i--)
			mult *= 1024;
	}
	v *= mult;
	if (v >= 18446744073709551615.0)
		return -ERANGE;
	*ret = (uint64_t) v;
	return 0;
}

int units_from_human_size(const char *s, uint64_t *ret)
{
	static const char units[] = "kmgtp";
	const char *p = s, *u;
	double v, mult = 1;
	int r;

	r = leading_number(s, &p, &v);
	if (r < 0)
		return r;
	if (*p == ' ')
		p++;
	if (*p && (u = strchr(units, tolower((unsigned char) *p)))) {
		for (long i = 0; i <= u - units; i++)
			mult *= 1000;
		p++;
	}
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return -EINVAL;
	v *= mult;
	if (v >= 9223372036854775807.0)
		return -ERANGE;
	*ret = (uint64_t) v;
	return 0;
}

/* Go's time units, by name; "\xc2\xb5s" (micro sign) and "\xce\xbcs" (Greek mu) are microseconds.
 */
static const struct {
	const char *name;
	uint64_t ns;
} duration_units[] = {
	{"ns", 1},	 {"us", 1000},	    {"\xc2\xb5s", 1000},   {"\xce\xbcs", 1000},
	{"ms", 1000000}, {"s", 1000000000}, {"m", 60000000000ULL}, {"h", 3600000000000ULL},
};

#define DURATION_LIMIT (1ULL << 63) /* |int64| of the most negative duration */

int units_duration_parse(const char *s, int64_t *ret_ns, struct hull_err **err)
{
	const char *orig = s;
	uint64_t total = 0;
	bool neg = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (streq(s, "0")) {
		*ret_ns = 0;
		return 0;
	}
	if (!*s)
		return err_setx(err, EINVAL, "time: invalid duration \"%s\"", orig);
	while (*s) {
		uint64_t whole = 0, frac = 0, unit = 0;
		double scale = 1;
		bool digits = false, frac_overflow = false;
		size_t ulen;

		if (*s != '.' && !isdigit((unsigned char) *s))
			return err_setx(err, EINVAL, "time: invalid duration \"%s\"", orig);
		for (; isdigit((unsigned char) *s); s++, digits = true) {
			if (whole > DURATION_LIMIT / 10)
				return err_setx(err, EINVAL, "time: invalid duration \"%s\"", orig);
			whole = whole * 10 + (uint64_t) (*s - '0');
			if (whole > DURATION_LIMIT)
				return err_setx(err, EINVAL, "time: invalid duration \"%s\"", orig);
		}
		if (*s == '.') {
			/* digits past what 63 bits hold are dropped, as Go's leadingFraction */
			for (s++; isdigit((unsigned char) *s); s++, digits = true) {
				if (frac_overflow || frac > (DURATION_LIMIT - 1) / 10) {
					frac_overflow = true;
					continue;
				}
				frac = frac * 10 + (uint64_t) (*s - '0');
				scale *= 10;
			}
		}
		if (!digits)
			return err_setx(err, EINVAL, "time: invalid duration \"%s\"", orig);
		ulen = strcspn(s, ".0123456789");
		if (ulen == 0)
			return err_setx(err, EINVAL, "time: missing unit in duration \"%s\"", orig);
		for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++)
			if (strlen(duration_units[i].name) == ulen &&
			    strncmp(s, duration_units[i].name, ulen) == 0)
				unit = duration_units[i].ns;
		if (!unit)
			return err_setx(err, EINVAL,
					"time: unknown unit \"%.*s\" in duration \"%s\"",
					(int) ulen, s, orig);
		s += ulen;
		if (whole > DURATION_LIMIT / unit)
			return err_setx(err, EINVAL, "time: invalid duration \"%s\"", orig);
		whole *= unit;
		if (frac > 0) {
			whole += (uint64_t) ((double) frac * ((double) unit / scale));
			if (whole > DURATION_LIMIT)
				return err_setx(err, EINVAL, "time: invalid duration \"%s\"", orig);
		}
		total += whole;
		if (total > DURATION_LIMIT)
			return err_setx(err, EINVAL, "time: invalid duration \"%s\"", orig);
	}
	if (!neg && total > DURATION_LIMIT - 1)
		return err_setx(err, EINVAL, "time: invalid duration \"%s\"", orig);
	*ret_ns = neg ? (int64_t) (0 - total) : (int64_t) total;
	return 0;
}

/* "@v" followed by the @prec-digit fraction of @frac without its trailing zeros (and no dot
 * when it is 0), then @unit, appended at @p; returns the new end. */
static char *duration_piece(char *p, uint64_t v, uint64_t frac, int prec, const char *unit)
{
	char digits[16];
	int n = prec;

	p += snprintf(p, 21, "%" PRIu64, v);
	while (n > 0 && frac % 10 == 0) {
		frac /= 10;
		n--;
	}
	if (n > 0) {
		for (int i = n - 1; i >= 0; i--) {
			digits[i] = (char) ('0' + frac % 10);
			frac /= 10;
		}
		*p++ = '.';
		memcpy(p, digits, (size_t) n);
		p += n;
	}
	n = (int) strlen(unit);
	memcpy(p, unit, (size_t) n + 1);
	return p + n;
}

char *units_duration_format(int64_t ns, char buf[UNITS_DURATION_MAX])
{
	uint64_t u = ns < 0 ? 0 - (uint64_t) ns : (uint64_t) ns;
	char *p = buf;

	if (ns < 0)
		*p++ = '-';
	if (u == 0) {
		memcpy(p, "0s", 3);
	} else if (u < 1000) {
		duration_piece(p, u, 0, 0, "ns");
	} else if (u < 1000000) {
		duration_piece(p, u / 1000, u % 1000, 3, "\xc2\xb5s");
	} else if (u < 1000000000) {
		duration_piece(p, u / 1000000, u % 1000000, 6, "ms");
	} else {
		uint64_t secs = u / 1000000000, h = secs / 3600, m = secs / 60 % 60;
		if (h)
			p += snprintf(p, 24, "%" PRIu64 "h", h);
		if (h || m)
			p += snprintf(p, 4, "%" PRIu64 "m", m);
		duration_piece(p, secs % 60, u % 1000000000, 9, "s");
	}
	return buf;
}
