/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include "image/archive-dl.h"
#include "util/dlopen.h"

#define ARCHIVE_DL_DEFINE(name) __typeof__(name) *sym_##name = NULL;
ARCHIVE_DL_SYMBOLS(ARCHIVE_DL_DEFINE)
#undef ARCHIVE_DL_DEFINE

static void *archive_dl_handle;
static pthread_mutex_t archive_dl_mutex = PTHREAD_MUTEX_INITIALIZER;

static int archive_dl_load_locked(struct hull_err **err)
{
	static const char *const sonames[] = {"libarchive.so.13", NULL};
	static const struct dl_sym syms[] = {
#define ARCHIVE_DL_ENTRY(name) {#name, (void **) &sym_##name},
		ARCHIVE_DL_SYMBOLS(ARCHIVE_DL_ENTRY)
#undef ARCHIVE_DL_ENTRY
	};

	if (archive_dl_handle)
		return 0;
	return dl_open_table(sonames, syms, ARRAY_SIZE(syms), "libarchive", &archive_dl_handle,
			     err);
}

int archive_dl_load(struct hull_err **err)
{
	int r;

	/* the layers of a pull are imported by several threads at once */
	(void) pthread_mutex_lock(&archive_dl_mutex);
	r = archive_dl_load_locked(err);
	(void) pthread_mutex_unlock(&archive_dl_mutex);
	return r;
}
