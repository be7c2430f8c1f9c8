/* SPDX-License-Identifier: MIT */
/* Reference parsing and normalisation, after distribution/reference's tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "image/reference.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct {
	const char *in;
	const char *full;     /* ref_string() */
	const char *familiar; /* ref_familiar() */
} valid[] = {
	{"busybox", "docker.io/library/busybox:latest", "busybox:latest"},
	{"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
	{"library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
	{"docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
	{"docker.io/library/busybox:latest", "docker.io/library/busybox:latest", "busybox:latest"},
	{"index.docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
	{"library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest"},
	{"user/repo", "docker.io/user/repo:latest", "user/repo:latest"},
	{"user/repo:tag", "docker.io/user/repo:tag", "user/repo:tag"},
	{"localhost/python:3.11-bookworm", "localhost/python:3.11-bookworm",
	 "localhost/python:3.11-bookworm"},
	{"localhost:5000/foo/bar", "localhost:5000/foo/bar:latest",
	 "localhost:5000/foo/bar:latest"},
	{"localhost:5000", "docker.io/library/localhost:5000", "localhost:5000"},
	{"127.0.0.1:5000/x:y", "127.0.0.1:5000/x:y", "127.0.0.1:5000/x:y"},
	{"registry.example.com/a/b/c:v1", "registry.example.com/a/b/c:v1",
	 "registry.example.com/a/b/c:v1"},
	{"Foo/bar", "Foo/bar:latest", "Foo/bar:latest"},
	{"[::1]:5000/x", "[::1]:5000/x:latest", "[::1]:5000/x:latest"},
	{"a-b/c__d/e.f/g---h/i_j", "docker.io/a-b/c__d/e.f/g---h/i_j:latest",
	 "a-b/c__d/e.f/g---h/i_j:latest"},
	{"busybox@sha256:" H64, "docker.io/library/busybox@sha256:" H64, "busybox@sha256:" H64},
	{"busybox:1@sha256:" H64, "docker.io/library/busybox:1@sha256:" H64,
	 "busybox:1@sha256:" H64},
	{"x:Tag_1.2-3", "docker.io/library/x:Tag_1.2-3", "x:Tag_1.2-3"},
};

static const char *invalid[] = {
	"",
	"Busybox",
	"busybox:",
	":tag",
	"busybox:-tag",
	"busybox:.tag",
	"busy box",
	"a//b",
	"/busybox",
	"busybox/",
	"a/B",
	"docker.io/Busybox",
	"localhost/Python",
	"a__-b",
	"a___b",
	"a..b",
	"-a",
	"a-",
	"a_",
	"busybox@sha256:abc",
	"busybox@sha256:" H64 "0",
	"busybox@md5:" H64,
	"busybox@SHA256:" H64,
	"busybox@",
	"@sha256:" H64,
	H64,
	"-registry.com/x",
	"registry-.com/x",
	"registry.com:/x",
	"registry.com:abc/x",
	"a:b/c",
	"[]/x",
	"x:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"_x:_",
};

static void test_valid(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		struct image_ref r = {0};
		struct hull_err *err = NULL;
		int rc = ref_parse(valid[i].in, &r, &err);

		if (!valid[i].full) {
			assert_int_equal(rc, -EINVAL);
			err_free(err);
			continue;
		}
		if (rc < 0)
			print_error("'%s': %s\n", valid[i].in, err->msg);
		assert_int_equal(rc, 0);
		char *full = ref_string(&r), *fam = ref_familiar(&r);
		if (!streq(full, valid[i].full) || !streq(fam, valid[i].familiar))
			print_error("'%s' -> '%s' '%s'\n", valid[i].in, full, fam);
		assert_string_equal(full, valid[i].full);
		assert_string_equal(fam, valid[i].familiar);
		free(full);
		free(fam);
		ref_release(&r);
	}
}

static void test_invalid(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		struct image_ref r = {0};
		struct hull_err *err = NULL;
		int rc = ref_parse(invalid[i], &r, &err);
		if (rc == 0)
			print_error("'%s' accepted as '%s/%s'\n", invalid[i], r.domain, r.path);
		assert_int_equal(rc, -EINVAL);
		assert_non_null(err);
		assert_non_null(strstr(err->msg, "invalid"));
		err_free(err);
	}
}

static void test_fields(void **state)
{
	struct image_ref r = {0};
	char *s;

	(void) state;
	assert_int_equal(ref_parse("localhost/python:3.11-bookworm", &r, NULL), 0);
	assert_string_equal(r.domain, "localhost");
	assert_string_equal(r.path, "python");
	assert_string_equal(r.tag, "3.11-bookworm");
	assert_null(r.digest);
	s = ref_familiar_name(&r);
	assert_string_equal(s, "localhost/python");
	free(s);
	ref_release(&r);

	assert_int_equal(ref_parse("busybox@sha256:" H64, &r, NULL), 0);
	assert_null(r.tag);
	assert_string_equal(r.digest, "sha256:" H64);
	s = ref_familiar_name(&r);
	assert_string_equal(s, "busybox");
	free(s);
	ref_release(&r);

	/* 255 characters of name is the limit */
	char name[300];
	memset(name, 'a', sizeof(name));
	name[255 - strlen("docker.io/library/")] = '\0';
	assert_int_equal(ref_parse(name, &r, NULL), 0);
	ref_release(&r);
	name[255 - strlen("docker.io/library/")] = 'a';
	name[256 - strlen("docker.io/library/")] = '\0';
	assert_int_equal(ref_parse(name, &r, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
