/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/units.h"

int units_ram_in_bytes(const char *s, uint64_t *ret)
{
	static const char *const units[] = {"b", "k", "m", "g", "t", "p"};
	const char *p = s, *u;
	char *end;
	double v, mult = 1;
	size_t ul;

	if (!s || !isdigit((unsigned char) *p))
		return -EINVAL;
	while (isdigit((unsigned char) *p))
		p++;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char) *p))
			return -EINVAL;
		while (isdigit((unsigned char) *p))
			p++;
	}
	v = strtod(s, &end);
	if (end != p)
		return -EINVAL;
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
	char *end;
	double v, mult = 1;

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
	v = strtod(s, &end);
	if (end != p)
		return -EINVAL;
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
