/* SPDX-License-Identifier: MIT */
/*
 * libcurl, loaded with dlopen("libcurl.so.4", else "libcurl-gnutls.so.4")
 * on first use (DESIGN.md "Start-up cost": libcurl and its 33 shared
 * objects cost about 7 ms, which `run` and the other hot-path commands
 * must not pay). The registry client and build's ADD <url> share this one
 * table, in the pattern of image/archive-dl.h.
 *
 * Call curl_dl_load() before using any sym_* pointer. It is idempotent and
 * thread-safe (pthread_once), and also runs curl_global_init(), which
 * libcurl requires once per process before any thread uses it. It returns
 * -EOPNOTSUPP with a message when the library or a symbol is missing, -EIO
 * when libcurl's initialisation fails; the table is filled all at once, so
 * the pointers are either all valid or all NULL.
 */
#ifndef HULL_REGISTRY_CURL_DL_H
#define HULL_REGISTRY_CURL_DL_H

#include <curl/curl.h>
#include "util/err.h"

#define CURL_DL_SYMBOLS(X)     \
	X(curl_global_init)    \
	X(curl_easy_init)      \
	X(curl_easy_setopt)    \
	X(curl_easy_perform)   \
	X(curl_easy_getinfo)   \
	X(curl_easy_reset)     \
	X(curl_easy_cleanup)   \
	X(curl_easy_strerror)  \
	X(curl_easy_escape)    \
	X(curl_free)           \
	X(curl_slist_append)   \
	X(curl_slist_free_all) \
	X(curl_share_init)     \
	X(curl_share_setopt)   \
	X(curl_share_cleanup)  \
	X(curl_url)            \
	X(curl_url_set)        \
	X(curl_url_get)        \
	X(curl_url_cleanup)

#define CURL_DL_DECLARE(name) extern __typeof__(name) *sym_##name;
CURL_DL_SYMBOLS(CURL_DL_DECLARE)
#undef CURL_DL_DECLARE

int curl_dl_load(struct hull_err **err);

#endif
