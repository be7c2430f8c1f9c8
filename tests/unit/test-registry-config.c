/* SPDX-License-Identifier: MIT */
/*
 * registries.json (registry/config.h): mirrors before the registry for a
 * pull and never for a push, docker.io's real endpoint, insecure hosts and
 * CIDRs and the loopback default of moby's isSecureIndex, and the refusal
 * of unknown keys and malformed entries. The names other than localhost
 * (which /etc/hosts answers) are public or unresolvable: with or without
 * DNS they are not loopback, so the results do not depend on the network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include "registry/config.h"
#include "util/fs.h"

static char tmpdir[] = "/tmp/hull-test-regconfig-XXXXXX";

/* load @json (NULL: no file) as the configuration */
static int load(const char *json, struct reg_config **ret, char **ret_msg)
{
	_cleanup_free_ char *p = path_join(tmpdir, "registries.json");
	struct hull_err *e = NULL;
	int r;

	(void) unlink(p);
	if (json)
		assert_int_equal(write_file_atomic(p, json, strlen(json), 0644, NULL), 0);
	setenv("HULL_REGISTRIES_CONFIG", p, 1);
	r = reg_config_load(ret, &e);
	if (r >= 0)
		assert_null(e); /* a missing file is no error, not even a recorded one */
	if (r < 0) {
		assert_non_null(e);
		assert_null(strchr(e->msg, '\n'));
		if (ret_msg)
			*ret_msg = xstrdup(e->msg);
	}
	err_free(e);
	return r;
}

static struct reg_config *load_ok(const char *json)
{
	struct reg_config *cfg = NULL;

	assert_int_equal(load(json, &cfg, NULL), 0);
	assert_non_null(cfg);
	return cfg;
}

/* the endpoints as "url host [insecure] [mirror]" lines joined with '|' */
static char *endpoints(const struct reg_config *cfg, const char *domain, bool push)
{
	struct reg_endpoint **eps = NULL;
	char *s = xstrdup(""), *t;

	assert_int_equal(reg_endpoints(cfg, domain, push, &eps, NULL), 0);
	for (size_t i = 0; eps[i]; i++) {
		t = xasprintf("%s%s%s %s%s%s", s, i ? "|" : "", eps[i]->url, eps[i]->host,
			      eps[i]->insecure ? " insecure" : "", eps[i]->mirror ? " mirror" : "");
		free(s);
		s = t;
	}
	reg_endpoints_free(eps);
	return s;
}

static void expect_eps(const struct reg_config *cfg, const char *domain, bool push,
		       const char *want)
{
	char *got = endpoints(cfg, domain, push);
	assert_string_equal(got, want);
	free(got);
}

static void test_no_file(void **state)
{
	struct reg_config *cfg = load_ok(NULL);

	(void) state;
	expect_eps(cfg, "docker.io", false, "https://registry-1.docker.io registry-1.docker.io");
	expect_eps(cfg, "index.docker.io", true,
		   "https://registry-1.docker.io registry-1.docker.io");
	expect_eps(cfg, "ghcr.io", false, "https://ghcr.io ghcr.io");
	expect_eps(cfg, "10.1.2.3:5000", false, "https://10.1.2.3:5000 10.1.2.3:5000");
	/* loopback is insecure without configuration, by address or by name */
	expect_eps(cfg, "127.0.0.1:5000", false, "https://127.0.0.1:5000 127.0.0.1:5000 insecure");
	expect_eps(cfg, "127.9.9.9", false, "https://127.9.9.9 127.9.9.9 insecure");
	expect_eps(cfg, "[::1]:5000", false, "https://[::1]:5000 [::1]:5000 insecure");
	expect_eps(cfg, "localhost:5000", true, "https://localhost:5000 localhost:5000 insecure");
	reg_config_free(cfg);
}

static void test_mirrors(void **state)
{
	struct reg_config *cfg = load_ok(
		"{\"registry-mirrors\": [\"https://mirror.example/\", \"http://127.0.0.1:5001\"],"
		" \"mirrors\": {\"ghcr.io\": [\"https://gh.example/prefix//\"],"
		" \"index.docker.io\": [\"https://mirror.example\", \"https://m2.example\"]}}");

	(void) state;
	expect_eps(cfg, "docker.io", false,
		   "https://mirror.example mirror.example mirror|"
		   "http://127.0.0.1:5001 127.0.0.1:5001 insecure mirror|"
		   "https://m2.example m2.example mirror|"
		   "https://registry-1.docker.io registry-1.docker.io");
	/* never pushed to */
	expect_eps(cfg, "docker.io", true, "https://registry-1.docker.io registry-1.docker.io");
	expect_eps(cfg, "ghcr.io", false,
		   "https://gh.example/prefix gh.example mirror|https://ghcr.io ghcr.io");
	expect_eps(cfg, "quay.io", false, "https://quay.io quay.io");
	reg_config_free(cfg);
}

static void test_insecure(void **state)
{
	struct reg_config *cfg =
		load_ok("{\"insecure-registries\": [\"myreg:5000\", \"10.0.0.0/8\", "
			"\"http://other.example\","
			" \"192.168.1.0/25\", \"fd00::/8\"],"
			" \"mirrors\": {\"myreg:5000\": [\"https://10.9.9.9:5000\"]}}");

	(void) state;
	expect_eps(cfg, "myreg:5000", false,
		   "https://10.9.9.9:5000 10.9.9.9:5000 insecure mirror|"
		   "https://myreg:5000 myreg:5000 insecure");
	/* an entry is HOST[:PORT] exactly: another port is another registry */
	expect_eps(cfg, "myreg:5001", true, "https://myreg:5001 myreg:5001");
	expect_eps(cfg, "other.example", true, "https://other.example other.example insecure");
	expect_eps(cfg, "10.200.0.1", true, "https://10.200.0.1 10.200.0.1 insecure");
	expect_eps(cfg, "11.0.0.1", true, "https://11.0.0.1 11.0.0.1");
	expect_eps(cfg, "192.168.1.127:80", true,
		   "https://192.168.1.127:80 192.168.1.127:80 insecure");
	expect_eps(cfg, "192.168.1.128:80", true, "https://192.168.1.128:80 192.168.1.128:80");
	expect_eps(cfg, "[fd12::1]:5000", true, "https://[fd12::1]:5000 [fd12::1]:5000 insecure");
	expect_eps(cfg, "[fe80::1]:5000", true, "https://[fe80::1]:5000 [fe80::1]:5000");
	/* docker.io stays secure whatever the CIDRs say */
	expect_eps(cfg, "docker.io", true, "https://registry-1.docker.io registry-1.docker.io");
	reg_config_free(cfg);
}

static void expect_refused(const char *json, const char *needle)
{
	struct reg_config *cfg = NULL;
	char *msg = NULL;

	assert_int_equal(load(json, &cfg, &msg), -EINVAL);
	assert_null(cfg);
	if (!strstr(msg, needle) || !strstr(msg, "registries.json"))
		fail_msg("'%s' does not name the file and '%s'", msg, needle);
	free(msg);
}

static void test_refused(void **state)
{
	(void) state;
	expect_refused("{\"registry-mirror\": []}", "unknown key \"registry-mirror\"");
	expect_refused("{\"insecure-registries\": [\"10.0.0.0/33\"]}", "10.0.0.0/33");
	expect_refused("{\"insecure-registries\": [\"bad host\"]}", "bad host");
	expect_refused("{\"insecure-registries\": [\"h:99999\"]}", "h:99999");
	expect_refused("{\"insecure-registries\": [\"-h\"]}", "hyphen");
	expect_refused("{\"insecure-registries\": [\"ftp://h\"]}", "ftp://h");
	expect_refused("{\"insecure-registries\": \"h\"}", "insecure-registries");
	expect_refused("{\"insecure-registries\": [1]}", "insecure-registries");
	expect_refused("{\"registry-mirrors\": [\"mirror.example\"]}", "no scheme specified");
	expect_refused("{\"registry-mirrors\": [\"ftp://m\"]}", "unsupported scheme");
	expect_refused("{\"registry-mirrors\": [\"https://m/?x=1\"]}", "query or fragment");
	expect_refused("{\"registry-mirrors\": [\"https://u:secret@m\"]}", "username/password");
	expect_refused("{\"mirrors\": {\"ghcr.io\": \"https://m\"}}", "mirrors.ghcr.io");
	expect_refused("{\"mirrors\": [\"https://m\"]}", "\"mirrors\" must be an object");
	expect_refused("[]", "not a JSON object");
	expect_refused("{", "registries.json");
}

static void test_password_not_echoed(void **state)
{
	struct reg_config *cfg = NULL;
	char *msg = NULL;

	(void) state;
	assert_int_equal(load("{\"registry-mirrors\": [\"https://u:hunter2@m\"]}", &cfg, &msg),
			 -EINVAL);
	assert_null(strstr(msg, "hunter2"));
	free(msg);
}

static void test_bad_domain(void **state)
{
	struct reg_config *cfg = load_ok(NULL);
	struct reg_endpoint **eps = NULL;
	struct hull_err *e = NULL;

	(void) state;
	assert_int_equal(reg_endpoints(cfg, "a b", false, &eps, &e), -EINVAL);
	assert_null(eps);
	err_free(e);
	reg_config_free(cfg);
}

static int setup(void **state)
{
	(void) state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void) state;
	return rm_rf(tmpdir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_file),
		cmocka_unit_test(test_mirrors),
		cmocka_unit_test(test_insecure),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_password_not_echoed),
		cmocka_unit_test(test_bad_domain),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
