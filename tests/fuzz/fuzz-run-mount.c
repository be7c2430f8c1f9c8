/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the RUN --mount value parser and the --secret and
 * --ssh option parsers (build/runmount.c).
 *
 * Input layout: byte 0 picks the parser (0: a --mount value checked before
 * the build, without an expander; 1: the same at its step, with an expander
 * that replaces "$X" by "x" and fails on "$!"; 2: --secret; 3: --ssh), the
 * rest is the value. Every call must succeed with a result (whose cache key
 * text can be made) or fail with a message.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "build/runmount.h"

#define FUZZ_INPUT_MAX (64 * 1024)

static int expand(void *arg, const char *word, char **ret, struct hull_err **err)
{
	(void) arg;
	if (strstr(word, "$!"))
		return err_setx(err, EINVAL, "bad substitution");
	*ret = xstrdup(strstr(word, "$X") ? "x" : word);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hull_err *e = NULL;
	char *text;

	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	/* a C string: the values come from argv or a Dockerfile word */
	text = xstrndup((const char *) data + 1, size - 1);
	switch (data[0] & 3) {
	case 0:
	case 1: {
		struct build_mount m;
		if (build_mount_parse(text, data[0] & 1 ? expand : NULL, NULL, &m, &e) < 0) {
			assert(e && e->msg);
			e = err_free(e);
		} else {
			char *d = build_mount_describe(&m);
			assert(d && build_mount_type_to_string(m.type));
			free(d);
			build_mount_release(&m);
		}
		break;
	}
	case 2: {
		struct build_secret_src s;
		if (build_secret_src_parse(text, &s, &e) < 0) {
			assert(e && e->msg);
			e = err_free(e);
		} else {
			assert(s.id && *s.id);
			build_secret_src_release(&s);
		}
		break;
	}
	default: {
		struct build_ssh_src s;
		if (build_ssh_src_parse(text, &s, &e) < 0) {
			assert(e && e->msg);
			e = err_free(e);
		} else {
			assert(s.id && *s.id);
			build_ssh_src_release(&s);
		}
		break;
	}
	}
	free(text);
	return 0;
}
