/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <pthread.h>
#include "image/archive-dl.h"

#define ARCHIVE_DL_DEFINE(name) __typeof__(name) *sym_##name = NULL;
ARCHIVE_DL_SYMBOLS(ARCHIVE_DL_DEFINE)
#undef ARCHIVE_DL_DEFINE

static void *archive_dl_handle;
static pthread_mutex_t archive_dl_mutex = PTHREAD_MUTEX_INITIALIZER;

static int archive_dl_load_locked(struct hull_err **err)
{
	void *h;

	if (archive_dl_handle)
		return 0;
	h = dlopen("libarchive.so.13", RTLD_NOW | RTLD_NODELETE);
	if (!h)
		return err_setx(err, EOPNOTSUPP, "load libarchive: %s", dlerror());

	/* resolve everything before publishing anything */
	struct {
		const char *name;
		void **slot;
		void *value;
	} table[] = {
#define ARCHIVE_DL_ENTRY(name) {#name, (void **) &sym_##name, NULL},
		ARCHIVE_DL_SYMBOLS(ARCHIVE_DL_ENTRY)
#undef ARCHIVE_DL_ENTRY
	};
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		table[i].value = dlsym(h, table[i].name);
		if (!table[i].value) {
			int r = err_setx(err, EOPNOTSUPP, "load libarchive: missing symbol '%s'",
					 table[i].name);
			(void) dlclose(h);
			return r;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		*table[i].slot = table[i].value;
	archive_dl_handle = h;
	return 0;
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
