/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for what a registry answers with (registry/manifest.c):
 * a manifest or index body and its Content-Type, platform selection, and an
 * image config. Input: byte 0 picks the served media type (see below), the
 * rest is the body. Every call must succeed or fail with a message.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "registry/manifest.h"
#include "registry/registry.h"
#include "util/strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {
		NULL,
		MT_OCI_INDEX,
		MT_OCI_MANIFEST,
		MT_DOCKER_LIST,
		MT_DOCKER_MANIFEST,
		MT_DOCKER_SCHEMA1_S,
		"application/json",
		"text/html",
	};
	struct manifest *m = NULL;
	struct hull_err *e = NULL;
	char **ids = NULL;

	if (size < 1 || size > (1u << 20))
		return 0;
	if (manifest_parse((const char *) data + 1, size - 1, types[data[0] % 8], "manifest", &m,
			   &e) == 0) {
		if (m->is_index) {
			struct platform host = {0};
			platform_host(&host);
			(void) manifest_select(m, &host);
			platform_release(&host);
		}
		manifest_free(m);
	} else {
		assert(e && e->msg);
		e = err_free(e);
	}
	if (image_config_check((const char *) data + 1, size - 1, data[0] % 4, "config", &ids,
			       &e) == 0)
		strv_free(ids);
	else
		err_free(e);
	return 0;
}
