/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <stdlib.h>
#include "util/dlopen.h"

int dl_open_table(const char *const *sonames, const struct dl_sym *syms, size_t n, const char *what,
		  void **ret_handle, struct hull_err **err)
{
	_cleanup_free_ void **values = NULL;
	void *h = NULL;

	for (const char *const *so = sonames; *so && !h; so++)
		h = dlopen(*so, RTLD_NOW | RTLD_NODELETE);
	if (!h)
		return err_setx(err, EOPNOTSUPP, "load %s: %s", what, dlerror());
	values = xcalloc(n + 1, sizeof(*values));
	for (size_t i = 0; i < n; i++) {
		values[i] = dlsym(h, syms[i].name);
		if (!values[i]) {
			(void) dlclose(h);
			return err_setx(err, EOPNOTSUPP, "load %s: missing symbol '%s'", what,
					syms[i].name);
		}
	}
	for (size_t i = 0; i < n; i++)
		*syms[i].slot = values[i];
	if (ret_handle)
		*ret_handle = h;
	return 0;
}
