/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <stdlib.h>
#include "image/isal-dl.h"
#include "util/dlopen.h"

#define ISAL_DL_DEFINE(name) __typeof__(name) *sym_##name = NULL;
ISAL_DL_SYMBOLS(ISAL_DL_DEFINE)
#undef ISAL_DL_DEFINE

static pthread_once_t isal_dl_once = PTHREAD_ONCE_INIT;
static struct hull_err *isal_dl_err; /* why loading failed, for every later caller */

static void isal_dl_do_load(void)
{
	static const char *const sonames[] = {"libisal.so.2", NULL};
	static const struct dl_sym syms[] = {
#define ISAL_DL_ENTRY(name) {#name, (void **) &sym_##name},
		ISAL_DL_SYMBOLS(ISAL_DL_ENTRY)
#undef ISAL_DL_ENTRY
	};
	const char *off = getenv("HULL_NO_ISAL");

	if (off && *off && *off != '0') {
		err_setx(&isal_dl_err, EOPNOTSUPP, "load ISA-L: refused by HULL_NO_ISAL");
		return;
	}
	(void) dl_open_table(sonames, syms, ARRAY_SIZE(syms), "ISA-L", NULL, &isal_dl_err);
}

int isal_dl_load(struct hull_err **err)
{
	(void) pthread_once(&isal_dl_once, isal_dl_do_load);
	if (isal_dl_err)
		return err_setx(err, isal_dl_err->code, "%s", isal_dl_err->msg);
	return 0;
}
