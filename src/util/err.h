/* SPDX-License-Identifier: MIT */
/*
 * Error objects: library code returns a negative errno and fills one
 * struct hull_err with a message; callers add context with err_wrap(); only
 * cli/ prints it (STYLE.md "Errors").
 */
#ifndef HULL_UTIL_ERR_H
#define HULL_UTIL_ERR_H

#include "macros.h"

struct hull_err {
	int code;      /* positive errno value */
	int exit_code; /* the docker exit code the CLI should use; 0 means 125 */
	char *msg;     /* full message chain, owned */
};

/*
 * err_set() - record a system error. The message is formatted from @fmt and
 * followed by ": <strerror(errnum)>". @errnum is a positive errno value.
 * If *@err is already set the new error is dropped (the first cause wins).
 * @err may be NULL (the error is then only returned).
 * Returns -@errnum, so callers write `return err_set(err, errno, ...)`.
 */
int err_set(struct hull_err **err, int errnum, const char *fmt, ...) _printf_(3, 4);

/*
 * err_setx() - like err_set() but without the strerror suffix: for bad input,
 * where the message itself says what is wrong (EINVAL, EPROTO, EBADMSG...).
 */
int err_setx(struct hull_err **err, int errnum, const char *fmt, ...) _printf_(3, 4);

/*
 * err_wrap() - prefix the recorded message with context ("build: ...").
 * Returns the recorded error as a negative errno (-EIO if none was recorded).
 */
int err_wrap(struct hull_err **err, const char *fmt, ...) _printf_(2, 3);

/* err_set_exit() - attach the docker exit code (126, 127...) to a recorded error. */
void err_set_exit(struct hull_err **err, int exit_code);

/* err_free() - free an error; accepts NULL; returns NULL. */
struct hull_err *err_free(struct hull_err *e);

static inline void err_freep(struct hull_err **e)
{
	err_free(*e);
}
#define _cleanup_err_ _cleanup_(err_freep)

#endif
