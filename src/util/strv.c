/* SPDX-License-Identifier: MIT */
#include "strv.h"

size_t strv_length(char *const *l)
{
	size_t n = 0;
	while (l && l[n])
		n++;
	return n;
}

char **strv_free(char **l)
{
	STRV_FOREACH (s, l)
		free(*s);
	free(l);
	return NULL;
}

char **strv_new(void)
{
	return xcalloc(1, sizeof(char *));
}

char **strv_copy(char *const *l)
{
	size_t n = strv_length(l);
	char **c;

	if (!l)
		return NULL;
	c = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(l[i]);
	return c;
}

void strv_consume(char ***l, char *s)
{
	size_t n = strv_length(*l);

	*l = xrealloc(*l, (n + 2) * sizeof(char *));
	(*l)[n] = s;
	(*l)[n + 1] = NULL;
}

void strv_push(char ***l, const char *s)
{
	strv_consume(l, xstrdup(s));
}

bool strv_equal(char *const *a, char *const *b)
{
	size_t n;

	if (!a || !b)
		return a == b;
	n = strv_length(a);
	if (n != strv_length(b))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!streq(a[i], b[i]))
			return false;
	return true;
}

const char *strv_env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

void strv_env_set(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t n = eq ? (size_t) (eq - kv) : strlen(kv);

	for (size_t i = 0; *env && (*env)[i]; i++) {
		if (strncmp((*env)[i], kv, n) == 0 &&
		    ((*env)[i][n] == '=' || (*env)[i][n] == '\0')) {
			free((*env)[i]);
			(*env)[i] = xstrdup(kv);
			return;
		}
	}
	strv_push(env, kv);
}

bool strv_contains(char *const *l, const char *s)
{
	for (size_t i = 0; l && l[i]; i++)
		if (streq(l[i], s))
			return true;
	return false;
}
