/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the WWW-Authenticate parser (registry/auth.c,
 * www_auth_parse), which reads what any registry or man in the middle of
 * a plain-HTTP registry sends, and for docker's wording of registry error
 * answers (reg_error_message), which reparses the same header.
 *
 * Input layout: the header value up to the first NUL or '\n' (curl gives
 * one header line, without its end); what follows the '\n' is an error
 * body. A parse must succeed with a lower-case scheme and an even number
 * of strings, or fail with -EINVAL and touch nothing.
 */
#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "registry/reg-internal.h"
#include "util/strv.h"

#define FUZZ_INPUT_MAX (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header, *nl, *scheme = NULL, **params = NULL, *msg;
	const char *body = NULL;
	size_t body_len = 0;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	header = xstrndup((const char *) data, size);
	nl = strchr(header, '\n');
	if (nl) {
		*nl = '\0';
		body = (const char *) data + (nl - header) + 1;
		body_len = size - (size_t) (nl - header) - 1;
	}
	r = www_auth_parse(header, &scheme, &params);
	if (r == 0) {
		assert(scheme && *scheme && params);
		assert(strv_length(params) % 2 == 0);
		for (char *p = scheme; *p; p++)
			assert(!isupper((unsigned char) *p));
		free(scheme);
		strv_free(params);
	} else {
		assert(r == -EINVAL && !scheme && !params);
	}
	msg = reg_error_message(401, "Unauthorized", body, body_len, (char *const[]){header, NULL},
				NULL);
	assert(msg && !strchr(msg, '\n'));
	free(msg);
	free(header);
	return 0;
}
