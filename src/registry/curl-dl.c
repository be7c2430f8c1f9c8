/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include "registry/curl-dl.h"
#include "util/dlopen.h"

#define CURL_DL_DEFINE(name) __typeof__(name) *sym_##name = NULL;
CURL_DL_SYMBOLS(CURL_DL_DEFINE)
#undef CURL_DL_DEFINE

static pthread_once_t curl_dl_once = PTHREAD_ONCE_INIT;
static int curl_dl_errno;
static char *curl_dl_msg; /* why loading failed, kept for every later caller */

static void curl_dl_do_load(void)
{
	/* Debian's libcurl4 (OpenSSL) first: CURLOPT_CAINFO_BLOB needs it */
	static const char *const sonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4", NULL};
	static const struct dl_sym syms[] = {
#define CURL_DL_ENTRY(name) {#name, (void **) &sym_##name},
		CURL_DL_SYMBOLS(CURL_DL_ENTRY)
#undef CURL_DL_ENTRY
	};
	struct hull_err *e = NULL;
	void *h;

	if (dl_open_table(sonames, syms, ARRAY_SIZE(syms), "libcurl", &h, &e) < 0) {
		curl_dl_errno = e->code;
		curl_dl_msg = xstrdup(e->msg);
		err_free(e);
		return;
	}
	if (sym_curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		curl_dl_errno = EIO;
		curl_dl_msg = xstrdup("initialise libcurl");
	}
}

int curl_dl_load(struct hull_err **err)
{
	(void) pthread_once(&curl_dl_once, curl_dl_do_load);
	if (curl_dl_errno)
		return err_setx(err, curl_dl_errno, "%s", curl_dl_msg);
	return 0;
}
