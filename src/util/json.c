/* SPDX-License-Identifier: MIT */
#include "json.h"
#include "fs.h"
#include "strv.h"

int json_load_buf(const char *data, size_t len, const char *what, json_t **ret,
		  struct hull_err **err)
{
	json_error_t je;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);

	if (!j)
		return err_setx(err, EBADMSG, "parse %s: line %d: %s", what, je.line, je.text);
	*ret = j;
	return 0;
}

int json_load_path(const char *path, size_t max, json_t **ret, struct hull_err **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r;

	r = read_file(path, max, &data, &len, err);
	if (r < 0)
		return r;
	return json_load_buf(data, len, path, ret, err);
}

char *json_dump_str(const json_t *j, size_t flags)
{
	char *s = json_dumps(j, flags | JSON_ENCODE_ANY);
	if (!s)
		abort();
	return s;
}

int json_dump_path(const json_t *j, const char *path, struct hull_err **err)
{
	_cleanup_free_ char *s = json_dump_str(j, JSON_COMPACT | JSON_SORT_KEYS);
	return write_file_atomic(path, s, strlen(s), 0644, err);
}

int json_to_strv(const json_t *j, char ***ret)
{
	char **l;
	size_t i;
	json_t *v;

	if (!j || json_is_null(j)) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_array(j))
		return -EINVAL;
	l = strv_new();
	json_array_foreach (j, i, v) {
		if (!json_is_string(v)) {
			strv_free(l);
			return -EINVAL;
		}
		strv_push(&l, json_string_value(v));
	}
	*ret = l;
	return 0;
}

json_t *json_from_strv(char *const *l)
{
	json_t *a;

	if (!l)
		return json_null();
	a = json_array();
	STRV_FOREACH (s, (char **) l)
		json_array_append_new(a, json_string_lossy(*s));
	return a;
}

/* The length of the valid UTF-8 sequence at @p (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), 0 if it is not one. */
static size_t utf8_seq(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		unsigned lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		unsigned lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80
			       ? 4
			       : 0;
	}
	return 0;
}

char *utf8_lossy(const char *s)
{
	size_t len = strlen(s);
	char *out = xmalloc(3 * len + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *) s; *p;) {
		size_t n = utf8_seq(p);

		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		}
	}
	*o = '\0';
	return out;
}

json_t *json_string_lossy(const char *s)
{
	json_t *j;
	char *fixed;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	fixed = utf8_lossy(s);
	j = json_string(fixed);
	free(fixed);
	return j ? j : json_string("");
}

const char *json_get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

void json_rebase(json_t *mine, const json_t *base, const json_t *theirs)
{
	_cleanup_strv_ char **keys = strv_new();
	const char *k;
	json_t *v;

	/* the members either side has: one only @base had is gone from both */
	json_object_foreach (mine, k, v)
		strv_push(&keys, k);
	json_object_foreach ((json_t *) theirs, k, v)
		if (!json_object_get(mine, k))
			strv_push(&keys, k);
	STRV_FOREACH (key, keys) {
		json_t *m = json_object_get(mine, *key);
		json_t *b = json_object_get(base, *key);
		json_t *t = json_object_get(theirs, *key);

		if (json_is_object(m) && json_is_object(t)) {
			json_rebase(m, json_is_object(b) ? b : NULL, t);
			continue;
		}
		if (m ? !b || !json_equal(m, b) : !!b)
			continue; /* ours changed it: ours stands */
		if (!t)
			(void) json_object_del(mine, *key);
		else if (!m || !json_equal(m, t))
			(void) json_object_set(mine, *key, t);
	}
}
