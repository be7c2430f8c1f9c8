/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <pthread.h>
#include "registry/curl-dl.h"

#define CURL_DL_DEFINE(name) __typeof__(name) *sym_##name = NULL;
CURL_DL_SYMBOLS(CURL_DL_DEFINE)
#undef CURL_DL_DEFINE

static pthread_once_t curl_dl_once = PTHREAD_ONCE_INIT;
static int curl_dl_errno;
static char *curl_dl_msg; /* why loading failed, kept for every later caller */

static void *curl_dl_open(void)
{
	/* Debian's libcurl4 (OpenSSL) first: CURLOPT_CAINFO_BLOB needs it */
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_NODELETE);

	if (!h)
		h = dlopen("libcurl-gnutls.so.4", RTLD_NOW | RTLD_NODELETE);
	return h;
}

static void curl_dl_fail(void *h, int errnum, char *msg)
{
	if (h)
		(void) dlclose(h);
	curl_dl_errno = errnum;
	curl_dl_msg = msg;
}

static void curl_dl_do_load(void)
{
	void *h = curl_dl_open();

	if (!h)
		return curl_dl_fail(NULL, EOPNOTSUPP, xasprintf("load libcurl: %s", dlerror()));

	/* resolve everything before publishing anything */
	struct {
		const char *name;
		void **slot;
		void *value;
	} table[] = {
#define CURL_DL_ENTRY(name) {#name, (void **) &sym_##name, NULL},
		CURL_DL_SYMBOLS(CURL_DL_ENTRY)
#undef CURL_DL_ENTRY
	};
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		table[i].value = dlsym(h, table[i].name);
		if (!table[i].value)
			return curl_dl_fail(
				h, EOPNOTSUPP,
				xasprintf("load libcurl: missing symbol '%s'", table[i].name));
	}
	__typeof__(curl_global_init) *global_init =
		(__typeof__(curl_global_init) *) dlsym(h, "curl_global_init");
	if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return curl_dl_fail(h, EIO, xstrdup("initialise libcurl"));
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		*table[i].slot = table[i].value;
}

int curl_dl_load(struct hull_err **err)
{
	(void) pthread_once(&curl_dl_once, curl_dl_do_load);
	if (curl_dl_errno)
		return err_setx(err, curl_dl_errno, "%s", curl_dl_msg);
	return 0;
}
