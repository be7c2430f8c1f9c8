/* SPDX-License-Identifier: MIT */
/*
 * mount_spec_parse_volume() and mount_spec_parse_mount(): -v and --mount
 * values as docker parses them, and the contract container_mounts_add()
 * relies on: *ret is set even when the value is refused, so it can always
 * be released (a -v value with too many fields, "a:b:c:d", used to leave it
 * unset and `hull create -v a:b:c:d IMAGE` freed stack garbage).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include "container/container.h"
#include "container/internal.h"

typedef int (*parse_fn)(const char *spec, struct mount_spec *ret, struct hull_err **err);

/* Parse @spec into a struct full of garbage; return the error message ("" on success). */
static char *parse(parse_fn fn, const char *spec, struct mount_spec *m)
{
	struct hull_err *e = NULL;
	char *msg;
	int r;

	memset(m, 0xa5, sizeof(*m));
	r = fn(spec, m, &e);
	if (r < 0) {
		assert_non_null(e);
		msg = xstrdup(e->msg);
		err_free(e);
	} else {
		assert_int_equal(r, 0);
		assert_null(e);
		msg = xstrdup("");
	}
	return msg;
}

static void test_volume_refused_is_released(void **state)
{
	static const char *const bad[] = {"a:b:c:d", "/a:/b:ro:x", "", "a::b", "/tmp:", ":/x"};

	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct mount_spec m;
		_cleanup_free_ char *msg = parse(mount_spec_parse_volume, bad[i], &m);
		_cleanup_free_ char *want = xasprintf("invalid volume specification: '%s'", bad[i]);

		assert_string_equal(msg, want);
		mount_spec_release(&m); /* crashed on garbage before */
	}
}

static void test_volume_ok(void **state)
{
	struct mount_spec m;
	_cleanup_free_ char *msg = NULL;

	(void) state;
	msg = parse(mount_spec_parse_volume, "/tmp:/x:ro,rshared", &m);
	assert_string_equal(msg, "");
	assert_string_equal(m.type, "bind");
	assert_string_equal(m.source, "/tmp");
	assert_string_equal(m.target, "/x");
	assert_true(m.readonly);
	assert_string_equal(m.propagation, "rshared");
	mount_spec_release(&m);
	free(msg);
	msg = parse(mount_spec_parse_volume, "vol:/data:nocopy", &m);
	assert_string_equal(msg, "");
	assert_string_equal(m.type, "volume");
	assert_string_equal(m.source, "vol");
	assert_true(m.nocopy);
	mount_spec_release(&m);
	free(msg);
	msg = parse(mount_spec_parse_volume, "/tmp:/x:ro,rw", &m);
	assert_string_equal(msg, "invalid mode: ro,rw");
	mount_spec_release(&m);
}

static void test_mount(void **state)
{
	struct mount_spec m;
	_cleanup_free_ char *msg = NULL;

	(void) state;
	msg = parse(mount_spec_parse_mount, "type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1777", &m);
	assert_string_equal(msg, "");
	assert_string_equal(m.type, "tmpfs");
	assert_null(m.source);
	assert_string_equal(m.tmpfs_opts, "size=1m,mode=1777");
	mount_spec_release(&m);
	free(msg);
	msg = parse(mount_spec_parse_mount, "type=tmpfs,src=x,dst=/t", &m);
	assert_string_equal(
		msg, "invalid mount config for type \"tmpfs\": field Source must not be specified");
	mount_spec_release(&m);
	free(msg);
	msg = parse(mount_spec_parse_mount, "type=volume,target=/", &m);
	assert_string_equal(msg, "invalid specification: destination can't be '/'");
	mount_spec_release(&m);
}

/* docker/cli opts/mount.go: a type's options with another type are refused, not ignored */
static void test_mount_mixed_options(void **state)
{
	static const struct {
		const char *spec, *mixed, *type;
	} cases[] = {
		{",dst=/x,bind-propagation=rshared", "bind", "volume"},
		{"type=tmpfs,dst=/x,bind-propagation=private", "bind", "tmpfs"},
		{"type=bind,src=/,dst=/x,volume-nocopy", "volume", "bind"},
		{"type=tmpfs,dst=/x,volume-label=a=b", "volume", "tmpfs"},
		{"type=bind,src=/,dst=/x,volume-opt=o=bind", "volume", "bind"},
		{"dst=/x,tmpfs-size=1m", "tmpfs", "volume"},
		{"type=bind,src=/,dst=/x,tmpfs-mode=700,volume-driver=local", "volume", "bind"},
	};

	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mount_spec m;
		_cleanup_free_ char *msg = parse(mount_spec_parse_mount, cases[i].spec, &m);
		_cleanup_free_ char *want = xasprintf(
			"invalid argument \"%s\" for \"--mount\" flag: cannot mix '%s-*' options "
			"with mount type '%s'",
			cases[i].spec, cases[i].mixed, cases[i].type);

		assert_string_equal(msg, want);
		mount_spec_release(&m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volume_refused_is_released),
		cmocka_unit_test(test_volume_ok),
		cmocka_unit_test(test_mount),
		cmocka_unit_test(test_mount_mixed_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
