/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the git URL parser of git sources (build/gitsrc.c,
 * BuildKit's dfgitutil.ParseGitRef): any Dockerfile word reaches it. A word is
 * a git URL (1, with a remote), not one (0, no error) or a bad one (-EINVAL,
 * with a message); a subdirectory is always relative and clean; masking the
 * credentials of a URL twice changes nothing more.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "build/gitsrc.h"

#define FUZZ_INPUT_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gitsrc g = {0};
	struct hull_err *e = NULL;
	char *s, *red, *again;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	s = xstrndup((const char *) data, size);
	r = gitsrc_parse(s, &g, &e);
	assert(r == 1 || r == 0 || r == -EINVAL);
	assert((r < 0) == (e != NULL));
	if (r == 1) {
		assert(g.remote && *g.remote);
		if (g.subdir) {
			char *p = xstrdup(g.subdir), *save = NULL;
			assert(g.subdir[0] != '/' && !strstr(g.subdir, "//"));
			for (char *c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save))
				assert(strcmp(c, ".") && strcmp(c, ".."));
			free(p);
		}
		assert(!g.ref || *g.ref);
		red = gitsrc_redact(g.remote);
		again = gitsrc_redact(red);
		assert(!strcmp(red, again));
		free(again);
		free(red);
		red = gitsrc_mask(&g, s);
		free(red);
		gitsrc_release(&g);
	}
	err_free(e);
	red = gitsrc_redact(s);
	free(red);
	free(s);
	return 0;
}
