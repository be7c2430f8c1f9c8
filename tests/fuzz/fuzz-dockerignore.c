/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for .dockerignore (build/ignore.c): reading the file and
 * matching context paths against its patterns. The input is the file's
 * bytes up to the first NUL, then context paths, one a line (cleaned
 * relative to the context, as the walk of the context gives them).
 *
 * Checks, for every path:
 * - the walk's shortcut is sound: when a parent directory is excluded and
 *   ignore_may_include_below() says no '!' pattern can bring anything back
 *   below it, the path is excluded too (else `build` would leave out a file
 *   docker sends);
 * - without '!' patterns, a path is excluded exactly when a pattern matches
 *   it or one of its parents as Go's path.Match (util/pathmatch.c) does, for
 *   patterns of literal text, '*', '?', ']' and '\\' escapes over ASCII paths
 *   (patternmatcher's regexp and filepath.Match agree there).
 * A pattern is taken only when path.Match takes it, and refused when
 * path.Match finds it malformed (as patternmatcher.New() checks with
 * filepath.Match; a class is left out there); a file that does not parse
 * fails with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "build/ignore.h"
#include "util/inroot.h"
#include "util/pathmatch.h"
#include "util/strv.h"
#include "fuzz-check.h"

#define FUZZ_INPUT_MAX (16 * 1024)
#define MAX_PATHS      64

static bool ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s >= 0x80)
			return false;
	return true;
}

/* what the path.Match comparison covers: no "**", no class, no '!' */
static bool simple_patterns(char *const *pats)
{
	for (char *const *p = pats; p && *p; p++)
		if ((*p)[0] == '!' || strstr(*p, "**") || strchr(*p, '[') || !ascii(*p))
			return false;
	return true;
}

/* @path or one of its parents matches a pattern, as path.Match says */
static bool path_match_any(char *const *pats, const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);
	char *end = copy + strlen(copy);

	for (;;) {
		for (char *const *p = pats; *p; p++)
			if (path_match(*p, copy) == 1)
				return true;
		while (end > copy && *end != '/')
			end--;
		if (end == copy)
			return false;
		*end = '\0';
	}
}

static void check_path(const struct ignore *ig, bool simple, const char *path)
{
	bool excluded = ignore_match(ig, path);
	_cleanup_free_ char *dir = xstrdup(path);

	/* every parent the walk could have skipped */
	for (char *slash = strchr(dir, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (ignore_match(ig, dir) && !ignore_may_include_below(ig, dir)) {
			if (!excluded)
				fprintf(stderr, "'%s' is kept but its parent '%s' is skipped\n",
					path, dir);
			FUZZ_CHECK(excluded);
		}
		*slash = '/';
	}
	if (simple && ascii(path)) {
		bool want = path_match_any(ignore_patterns(ig), path);
		if (want != excluded)
			fprintf(stderr, "'%s': excluded %d, path.Match says %d\n", path, excluded,
				want);
		FUZZ_CHECK(want == excluded);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul = memchr(data, '\0', size);
	size_t flen = nul ? (size_t) (nul - (const char *) data) : size;
	struct hull_err *e = NULL;
	struct ignore *ig = NULL;
	bool simple;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	r = ignore_parse((const char *) data, flen, &ig, &e);
	if (r < 0) {
		const char *bad;
		FUZZ_CHECK(r == -EINVAL && e && e->msg && !ig);
		/*
		 * refused as patternmatcher.New() does: filepath.Match finds it
		 * malformed. Not checked with a class: one that filepath.Match
		 * takes and Go's regexp refuses ("[z-a]") fails docker's build
		 * later, at the first match.
		 */
		bad = startswith(e->msg, "syntax error in pattern: ")
			      ? e->msg + strlen("syntax error in pattern: ")
			      : NULL;
		if (bad && strchr(bad, '['))
			bad = NULL;
		if (bad && path_match(bad, ".") >= 0)
			fprintf(stderr, "'%s' refused, path.Match takes it\n", bad);
		FUZZ_CHECK(!bad || path_match(bad, ".") < 0);
		err_free(e);
		return 0;
	}
	FUZZ_CHECK(ig && !e);
	simple = simple_patterns(ignore_patterns(ig));
	/* the patterns themselves are paths worth asking about */
	for (char *const *p = ignore_patterns(ig); *p; p++) {
		_cleanup_free_ char *clean = NULL;
		FUZZ_CHECK(**p);
		/* and taken only when filepath.Match takes it */
		if (path_match(*p + (**p == '!'), ".") < 0)
			fprintf(stderr, "'%s' taken, path.Match refuses it\n", *p);
		FUZZ_CHECK(path_match(*p + (**p == '!'), ".") >= 0);
		(void) inroot_clean(*p + (**p == '!'), false, &clean);
		if (*clean)
			check_path(ig, simple, clean);
	}
	if (nul) {
		_cleanup_free_ char *rest = xstrndup(nul + 1, size - flen - 1);
		char *save = NULL;
		size_t n = 0;

		for (char *l = strtok_r(rest, "\n", &save); l && n < MAX_PATHS;
		     l = strtok_r(NULL, "\n", &save), n++) {
			_cleanup_free_ char *clean = NULL;
			(void) inroot_clean(l, false, &clean);
			if (*clean)
				check_path(ig, simple, clean);
		}
	}
	ignore_free(ig);
	return 0;
}
