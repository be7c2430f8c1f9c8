/* SPDX-License-Identifier: MIT */
/* Manifests, indexes, configs and platforms as a registry serves them (registry/manifest.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "registry/manifest.h"
#include "registry/registry.h"
#include "util/strv.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

#define OCI_MANIFEST                                                                           \
	"{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST                                \
	"\",\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"digest\":\"" D1                  \
	"\",\"size\":7},\"layers\":[{\"mediaType\":\"" MT_OCI_LAYER_GZIP "\",\"digest\":\"" D2 \
	"\",\"size\":100},{\"mediaType\":\"" MT_OCI_LAYER_ZSTD "\",\"digest\":\"" D3           \
	"\",\"size\":5}]}"

#define ENTRY(d, os, arch, variant)                                                             \
	"{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" d "\",\"size\":1,\"platform\":{" \
	"\"os\":\"" os "\",\"architecture\":\"" arch "\"" variant "}}"

#define INDEX                                                                         \
	"{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX                          \
	"\",\"manifests\":[" ENTRY(D3, "unknown", "unknown", "") "," ENTRY(           \
		D1, "linux", "arm64", "") "," ENTRY(D2, "linux", "amd64",             \
						    "") "," ENTRY(D3, "linux", "arm", \
								  ",\"variant\":\"v6\"") "]}"

static struct manifest *parse_ok(const char *body, const char *mt)
{
	struct manifest *m = NULL;
	struct hull_err *e = NULL;

	assert_int_equal(manifest_parse(body, strlen(body), mt, "manifest", &m, &e), 0);
	assert_null(e);
	return m;
}

static void parse_bad(const char *body, const char *mt, const char *want)
{
	struct manifest *m = NULL;
	struct hull_err *e = NULL;

	assert_int_equal(manifest_parse(body, strlen(body), mt, "manifest sha256:x", &m, &e),
			 -EBADMSG);
	assert_null(m);
	assert_non_null(e);
	if (!strstr(e->msg, want))
		fail_msg("'%s' does not say '%s'", e->msg, want);
	err_free(e);
}

static void test_oci_manifest(void **state)
{
	struct manifest *m = parse_ok(OCI_MANIFEST, MT_OCI_MANIFEST);

	(void) state;
	assert_false(m->is_index);
	assert_string_equal(m->config.digest, D1);
	assert_int_equal(m->config.size, 7);
	assert_int_equal(m->n_entries, 2);
	assert_string_equal(m->entries[0].digest, D2);
	assert_string_equal(m->entries[1].media_type, MT_OCI_LAYER_ZSTD);
	manifest_free(m);
	/* a generic Content-Type: the body says what it is */
	m = parse_ok(OCI_MANIFEST, "application/json");
	assert_string_equal(m->media_type, MT_OCI_MANIFEST);
	manifest_free(m);
	/* docker's uncompressed layer type (skopeo --format v2s2 writes it) */
	m = parse_ok("{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST
		     "\",\"config\":{\"mediaType\":\"" MT_DOCKER_CONFIG "\",\"digest\":\"" D1
		     "\",\"size\":1},\"layers\":[{\"mediaType\":\"application/"
		     "vnd.docker.image.rootfs.diff.tar\",\"digest\":\"" D2 "\",\"size\":1}]}",
		     MT_DOCKER_MANIFEST);
	assert_int_equal(m->n_entries, 1);
	manifest_free(m);
}

static void test_bad_manifests(void **state)
{
	(void) state;
	parse_bad(OCI_MANIFEST, MT_DOCKER_MANIFEST, "served as");
	parse_bad("{\"schemaVersion\":1,\"fsLayers\":[]}", NULL, "schema 1");
	parse_bad("{}", MT_DOCKER_SCHEMA1_S, "schema 1");
	parse_bad("{\"schemaVersion\":2}", "text/html", "unsupported media type");
	parse_bad("[1]", MT_OCI_MANIFEST, "not a JSON object");
	parse_bad("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:1\","
		  "\"size\":1},\"layers\":[]}",
		  MT_OCI_MANIFEST, "invalid digest");
	parse_bad("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
		  "\",\"size\":-1},\"layers\":[]}",
		  MT_OCI_MANIFEST, "invalid size");
	parse_bad(
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
		"\",\"size\":1},\"layers\":[{\"mediaType\":\"application/x-evil\",\"digest\":\"" D1
		"\",\"size\":1}]}",
		MT_OCI_MANIFEST, "unsupported media type 'application/x-evil'");
	parse_bad("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
		  "\",\"size\":1}}",
		  MT_OCI_MANIFEST, "no layers array");
}

static void test_oversized(void **state)
{
	size_t n = REG_MANIFEST_MAX + 1;
	char *big = malloc(n);
	struct manifest *m = NULL;
	struct hull_err *e = NULL;

	(void) state;
	memset(big, ' ', n);
	assert_int_equal(manifest_parse(big, n, MT_OCI_MANIFEST, "manifest", &m, &e), -EBADMSG);
	assert_non_null(strstr(e->msg, "larger than"));
	err_free(e);
	free(big);
}

static void select_one(const struct manifest *idx, const char *want, const char *digest)
{
	struct platform p = {0};
	const struct descriptor *d;

	assert_int_equal(platform_parse(want, &p, NULL), 0);
	d = manifest_select(idx, &p);
	if (!digest)
		assert_null(d);
	else {
		assert_non_null(d);
		assert_string_equal(d->digest, digest);
	}
	platform_release(&p);
}

static void test_index_select(void **state)
{
	struct manifest *m = parse_ok(INDEX, MT_OCI_INDEX);

	(void) state;
	assert_true(m->is_index);
	assert_int_equal(m->n_entries, 4);
	select_one(m, "linux/amd64", D2);
	select_one(m, "linux/x86_64", D2);
	select_one(m, "linux/arm64", D1);
	select_one(m, "linux/arm64/v8", D1); /* v8 is arm64's default */
	select_one(m, "linux/arm/v6", D3);
	select_one(m, "linux/arm/v7", NULL);
	select_one(m, "linux/s390x", NULL);
	select_one(m, "windows/amd64", NULL);
	manifest_free(m);
}

static void test_platform_parse(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{"linux/amd64", "linux/amd64"},	  {"Linux/X86_64", "linux/amd64"},
		{"linux/aarch64", "linux/arm64"}, {"linux/arm64/v8", "linux/arm64"},
		{"linux/arm", "linux/arm/v7"},	  {"linux/armhf", "linux/arm/v7"},
		{"linux/arm/v6", "linux/arm/v6"}, {"linux/386", "linux/386"},
	};
	struct platform p = {0};

	(void) state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *s;
		assert_int_equal(platform_parse(ok[i].in, &p, NULL), 0);
		s = platform_string(&p);
		assert_string_equal(s, ok[i].out);
		free(s);
		platform_release(&p);
	}
	assert_int_equal(platform_parse("linux", &p, NULL), 0);
	assert_string_equal(p.os, "linux");
	assert_non_null(p.arch);
	platform_release(&p);
	/* containerd: one known architecture alone takes the host's OS */
	for (const char *const *a =
		     (const char *const[]){"arm64", "aarch64", "arm", "s390x", "x86_64", NULL};
	     *a; a++) {
		assert_int_equal(platform_parse(*a, &p, NULL), 0);
		assert_string_equal(p.os, "linux");
		assert_true(!strcmp(*a, "aarch64")  ? !strcmp(p.arch, "arm64")
			    : !strcmp(*a, "x86_64") ? !strcmp(p.arch, "amd64")
						    : !strcmp(p.arch, *a));
		platform_release(&p);
	}
	assert_int_equal(platform_parse("arm", &p, NULL), 0);
	assert_string_equal(p.variant, "v7");
	platform_release(&p);
	for (const char *const *b = (const char *const[]){"", "/", "linux/", "a/b/c/d", "linux//x",
							  "linux/amd64 ", "bogus", NULL};
	     *b; b++) {
		struct hull_err *e = NULL;
		assert_int_equal(platform_parse(*b, &p, &e), -EINVAL);
		assert_non_null(e);
		err_free(e);
	}
}

static void test_config_check(void **state)
{
	const char *cfg = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]}}";
	char **ids = NULL;
	struct hull_err *e = NULL;

	(void) state;
	assert_int_equal(image_config_check(cfg, strlen(cfg), 2, "config", &ids, NULL), 0);
	assert_int_equal(strv_length(ids), 2);
	assert_string_equal(ids[1], D2);
	strv_free(ids);
	assert_int_equal(image_config_check(cfg, strlen(cfg), 3, "config", &ids, &e), -EBADMSG);
	assert_non_null(strstr(e->msg, "2 diff_ids for 3 layers"));
	e = err_free(e);
	cfg = "{\"rootfs\":{\"type\":\"other\",\"diff_ids\":[]}}";
	assert_int_equal(image_config_check(cfg, strlen(cfg), 0, "config", &ids, &e), -EBADMSG);
	err_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oci_manifest),   cmocka_unit_test(test_bad_manifests),
		cmocka_unit_test(test_oversized),      cmocka_unit_test(test_index_select),
		cmocka_unit_test(test_platform_parse), cmocka_unit_test(test_config_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
