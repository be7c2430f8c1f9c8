/* SPDX-License-Identifier: MIT */
/*
 * NULL-terminated string vectors (char **), as argv and envp. Every vector
 * and every string in it is owned by the vector.
 */
#ifndef HULL_UTIL_STRV_H
#define HULL_UTIL_STRV_H

#include "macros.h"

#define STRV_FOREACH(s, l) for (char **s = (l); s && *s; s++)

/* strv_length() - number of strings; 0 for NULL. */
size_t strv_length(char *const *l);
/* strv_free() - free a vector and its strings; accepts NULL; returns NULL. */
char **strv_free(char **l);
/* strv_copy() - deep copy; NULL gives NULL. */
char **strv_copy(char *const *l);
/* strv_push() - append a copy of @s to *@l (which may be NULL). */
void strv_push(char ***l, const char *s);
/* strv_consume() - append @s itself, taking ownership. */
void strv_consume(char ***l, char *s);
/* strv_new() - an empty (non-NULL) vector. */
char **strv_new(void);
/* strv_equal() - same length and strings; NULL equals NULL only. */
bool strv_equal(char *const *a, char *const *b);
/* strv_contains() - whether @s is one of the strings of @l (NULL: none). */
bool strv_contains(char *const *l, const char *s);
/* strv_env_get() - value of NAME in an environment vector ("NAME=value"), or NULL (borrowed). */
const char *strv_env_get(char *const *env, const char *name);
/* strv_env_set() - set "NAME=value" (@kv), replacing an existing NAME. */
void strv_env_set(char ***env, const char *kv);

static inline void strv_freep(char ***l)
{
	strv_free(*l);
}
#define _cleanup_strv_ _cleanup_(strv_freep)

#endif
