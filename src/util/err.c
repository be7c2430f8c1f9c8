/* SPDX-License-Identifier: MIT */
#include "err.h"

static int err_vset(struct hull_err **err, int errnum, bool with_strerror, const char *fmt,
		    va_list ap)
{
	struct hull_err *e;
	char *m;

	if (errnum <= 0)
		errnum = EIO;
	if (!err || *err)
		return -errnum;
	m = xvasprintf(fmt, ap);
	e = xcalloc(1, sizeof(*e));
	e->code = errnum;
	if (with_strerror) {
		e->msg = xasprintf("%s: %s", m, strerror(errnum));
		free(m);
	} else {
		e->msg = m;
	}
	*err = e;
	return -errnum;
}

int err_set(struct hull_err **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vset(err, errnum, true, fmt, ap);
	va_end(ap);
	return r;
}

int err_setx(struct hull_err **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vset(err, errnum, false, fmt, ap);
	va_end(ap);
	return r;
}

int err_wrap(struct hull_err **err, const char *fmt, ...)
{
	_cleanup_free_ char *prefix = NULL;
	va_list ap;
	char *m;

	if (!err || !*err)
		return -EIO;
	va_start(ap, fmt);
	prefix = xvasprintf(fmt, ap);
	va_end(ap);
	m = xasprintf("%s: %s", prefix, (*err)->msg);
	free((*err)->msg);
	(*err)->msg = m;
	return -(*err)->code;
}

void err_set_exit(struct hull_err **err, int exit_code)
{
	if (err && *err)
		(*err)->exit_code = exit_code;
}

struct hull_err *err_free(struct hull_err *e)
{
	if (e) {
		free(e->msg);
		free(e);
	}
	return NULL;
}
