/* SPDX-License-Identifier: MIT */
/*
 * ADD <url>: download over HTTP(S) with libcurl, loaded with dlopen() on
 * first use through registry/curl-dl.h (DESIGN.md "Start-up cost": only a
 * build that fetches pays for it). Proxies come from the usual environment
 * variables, as curl reads them.
 */
#ifndef HULL_BUILD_FETCH_H
#define HULL_BUILD_FETCH_H

#include <time.h>
#include "util/err.h"

/*
 * build_fetch() - GET @url (redirects followed, HTTP errors fail) into the
 * file descriptor @fd (borrowed). *@ret_name: the file name docker gives the
 * download (moby getFilenameForDownload: the last element of the URL path;
 * caller frees). *@ret_mtime: the Last-Modified time, or 0 when the server
 * sent none. Errors: -EOPNOTSUPP when libcurl cannot be loaded, -EIO with
 * curl's message or the HTTP status ("... 404 Not Found").
 */
int build_fetch(const char *url, int fd, char **ret_name, time_t *ret_mtime, struct hull_err **err);

#endif
