/* SPDX-License-Identifier: MIT */
/*
 * Go's path.Match: shell patterns over slash-separated names, as docker's
 * reference.FamiliarMatch uses them for `images --filter reference=`.
 */
#ifndef HULL_UTIL_PATHMATCH_H
#define HULL_UTIL_PATHMATCH_H

#include <stdbool.h>

/*
 * path_match() - whether all of @name matches @pattern: '*' any run of
 * characters but '/', '?' any one character but '/', '[...]' and '[^...]'
 * classes of characters and lo-hi ranges, '\\' quoting the next character.
 * Returns 1 or 0, or -EINVAL for a malformed pattern (Go's ErrBadPattern,
 * "syntax error in pattern"), whatever @name is.
 */
int path_match(const char *pattern, const char *name);

#endif
