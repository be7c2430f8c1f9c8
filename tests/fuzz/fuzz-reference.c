/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the image reference parser (image/reference.c,
 * docker's distribution/reference ParseNormalizedNamed) and the platform
 * parser (registry/manifest.c). A reference that parses must print as a
 * string that parses to the same reference again.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "image/reference.h"
#include "registry/manifest.h"

#define FUZZ_INPUT_MAX 4096

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_ref r = {0}, again = {0};
	struct platform p = {0};
	struct hull_err *e = NULL;
	char *s, *full;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	s = xstrndup((const char *) data, size);
	if (ref_parse(s, &r, &e) == 0) {
		full = ref_string(&r);
		assert(ref_parse(full, &again, NULL) == 0);
		assert(same(r.domain, again.domain) && same(r.path, again.path) &&
		       same(r.tag, again.tag) && same(r.digest, again.digest));
		free(ref_familiar(&r));
		free(ref_familiar_name(&r));
		free(full);
		ref_release(&again);
		ref_release(&r);
	} else {
		assert(e && e->msg);
		e = err_free(e);
	}
	if (platform_parse(s, &p, &e) == 0) {
		free(platform_string(&p));
		platform_release(&p);
	} else {
		assert(e && e->msg);
		err_free(e);
	}
	free(s);
	return 0;
}
