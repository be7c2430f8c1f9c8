/* SPDX-License-Identifier: MIT */
/*
 * The one way optional libraries are loaded (DESIGN.md "Start-up cost"):
 * on first use, with dlopen, resolving a table of symbols all at once, as
 * systemd's dlopen_many_sym_or_warn() does. libarchive, libcurl,
 * libnftables and ISA-L go through it, each behind a small typed table of
 * its own (image/archive-dl.h, registry/curl-dl.h, ...).
 */
#ifndef HULL_UTIL_DLOPEN_H
#define HULL_UTIL_DLOPEN_H

#include "err.h"

struct dl_sym {
	const char *name; /* the symbol */
	void **slot;	  /* where its address goes */
};

/*
 * dl_open_table() - dlopen the first of @sonames (NULL-terminated) that
 * loads, resolve every symbol of @syms (@n of them) and only then store
 * them all in their slots, so that a caller sees either every pointer set
 * or none. The library stays loaded for the life of the process. Returns
 * 0, or -EOPNOTSUPP with "load @what: <dlerror or the missing symbol>" in
 * *@err. Not thread-safe by itself: callers serialise with pthread_once or
 * a mutex, and call it again only after a failure.
 */
int dl_open_table(const char *const *sonames, const struct dl_sym *syms, size_t n, const char *what,
		  void **ret_handle, struct hull_err **err);

#endif
