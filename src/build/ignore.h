/* SPDX-License-Identifier: MIT */
/*
 * .dockerignore: reading the file (moby/patternmatcher ignorefile.ReadAll)
 * and matching context paths against its patterns (patternmatcher
 * PatternMatcher.MatchesOrParentMatches). Pure code: no I/O.
 *
 * Pattern rules, as docker: one pattern per line; a line starting with '#'
 * is a comment; surrounding white space is trimmed; '!' negates (a later
 * pattern overrides an earlier one); patterns are cleaned like Go's
 * filepath.Clean and a leading '/' is dropped; '*' matches any run of
 * characters but '/', '?' one character but '/', "[...]" a class, '\\'
 * escapes, "**" any number of directories (also none). A path matches when
 * it or one of its parent directories matches.
 */
#ifndef HULL_BUILD_IGNORE_H
#define HULL_BUILD_IGNORE_H

#include <stdbool.h>
#include <stddef.h>
#include "util/err.h"

struct ignore;

/*
 * ignore_parse() - the patterns of a .dockerignore file of @len bytes
 * (ignorefile.ReadAll, then patternmatcher.New). *@ret is freed with
 * ignore_free(); a file with no pattern gives a matcher that matches nothing.
 * Errors: -EINVAL "illegal exclusion pattern: \"!\"", or a pattern that
 * does not compile ("syntax error in pattern").
 */
int ignore_parse(const char *data, size_t len, struct ignore **ret, struct hull_err **err);

/* ignore_free() - accepts NULL; returns NULL. */
struct ignore *ignore_free(struct ignore *ig);

/*
 * ignore_match() - is @path (relative to the context, '/' separated, no
 * leading "/" or "./") excluded from the context? NULL @ig matches nothing.
 */
bool ignore_match(const struct ignore *ig, const char *path);

/*
 * ignore_may_include_below() - could a '!' pattern re-include something
 * under the excluded directory @dir? When false, a walk of the context can
 * skip the whole directory without reading it (BuildKit's fsutil walker does
 * the same), so an ignored huge directory costs nothing.
 */
bool ignore_may_include_below(const struct ignore *ig, const char *dir);

/* ignore_patterns() - the cleaned patterns, '!' kept (NULL-terminated, borrowed); for tests. */
char *const *ignore_patterns(const struct ignore *ig);

#endif
