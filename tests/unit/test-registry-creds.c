/* SPDX-License-Identifier: MIT */
/*
 * docker's client credentials (registry/creds.h) in a throwaway
 * DOCKER_CONFIG: the "auths" file store (other keys kept, mode 0600,
 * legacy keys), and credsStore / credHelpers through a fake
 * docker-credential-test on PATH that speaks the docker-credential-helpers
 * protocol and logs what it was asked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "registry/creds.h"
#include "util/fs.h"
#include "util/json.h"

static char tmpdir[] = "/tmp/hull-test-creds-XXXXXX";
static char *cfgdir, *cfgpath, *store_dir, *log_path;

/* the helper: one file per server URL under $HELPER_STORE, as a keychain would */
static const char helper_script[] =
	"#!/bin/sh\n"
	"in=$(cat)\n"
	"printf '%s %s\\n' \"$1\" \"$in\" >> \"$HELPER_LOG\"\n"
	"if [ -n \"$HELPER_FAIL\" ]; then echo 'boom: the keychain is locked'; exit 3; fi\n"
	"case $1 in\n"
	"get|erase) url=$in ;;\n"
	"store) url=$(printf '%s' \"$in\" | sed 's/.*\"ServerURL\":\"\\([^\"]*\\)\".*/\\1/') ;;\n"
	"*) exit 1 ;;\n"
	"esac\n"
	"f=\"$HELPER_STORE/$(printf '%s' \"$url\" | tr -c 'A-Za-z0-9' _)\"\n"
	"case $1 in\n"
	"get) if [ -f \"$f\" ]; then cat \"$f\"; else echo 'credentials not found in native "
	"keychain'; exit 1; fi ;;\n"
	"store) printf '%s' \"$in\" > \"$f\" ;;\n"
	"erase) if [ -f \"$f\" ]; then rm \"$f\"; else echo 'credentials not found in native "
	"keychain'; exit 1; fi ;;\n"
	"esac\n";

static void write_config(const char *json)
{
	(void) unlink(cfgpath);
	if (json)
		assert_int_equal(write_file_atomic(cfgpath, json, strlen(json), 0600, NULL), 0);
}

static json_t *read_config(void)
{
	json_t *j = NULL;
	assert_int_equal(json_load_path(cfgpath, 1 << 20, &j, NULL), 0);
	return j;
}

static const char *auth_of(json_t *cfg, const char *key)
{
	return json_get_str(json_object_get(json_object_get(cfg, "auths"), key), "auth");
}

static void expect_creds(const char *host, const char *user, const char *password)
{
	char *u = NULL, *p = NULL;
	struct hull_err *e = NULL;

	assert_int_equal(creds_get(host, &u, &p, &e), 0);
	assert_null(e);
	assert_string_equal(u, user);
	assert_string_equal(p, password);
	free(u);
	free(p);
}

static void expect_none(const char *host)
{
	char *u = NULL, *p = NULL;
	struct hull_err *e = NULL;

	assert_int_equal(creds_get(host, &u, &p, &e), -ENOENT);
	assert_null(u);
	assert_null(e);
}

/* a failure with -EINVAL whose one-line message (*@ep, read after the call) has @needle and not
 * @secret */
static void expect_error(int r, struct hull_err **ep, const char *needle, const char *secret)
{
	struct hull_err *e = *ep;

	*ep = NULL;
	assert_int_equal(r, -EINVAL);
	assert_non_null(e);
	if (!strstr(e->msg, needle))
		fail_msg("'%s' does not say '%s'", e->msg, needle);
	assert_null(strchr(e->msg, '\n'));
	if (secret)
		assert_null(strstr(e->msg, secret));
	err_free(e);
}

static char *helper_log(void)
{
	char *data = NULL;
	if (read_file(log_path, 1 << 20, &data, NULL, NULL) < 0)
		return xstrdup("");
	return data;
}

static void test_keys(void **state)
{
	static const char *const cases[][2] = {
		{"docker.io", "https://index.docker.io/v1/"},
		{"index.docker.io", "https://index.docker.io/v1/"},
		{"registry-1.docker.io", "https://index.docker.io/v1/"},
		{"https://index.docker.io/v1/", "https://index.docker.io/v1/"},
		{"localhost:5000", "localhost:5000"},
		{"https://localhost:5000/v2/", "localhost:5000"},
		{"http://ghcr.io", "ghcr.io"},
		{"[::1]:5000", "[::1]:5000"},
	};
	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *k = creds_key(cases[i][0]);
		assert_string_equal(k, cases[i][1]);
		free(k);
	}
}

static void test_config_path(void **state)
{
	char *p;

	(void) state;
	p = creds_config_path();
	assert_string_equal(p, cfgpath);
	free(p);
	unsetenv("DOCKER_CONFIG");
	setenv("HOME", "/home/someone", 1);
	p = creds_config_path();
	assert_string_equal(p, "/home/someone/.docker/config.json");
	free(p);
	setenv("DOCKER_CONFIG", cfgdir, 1);
}

static void test_file_store(void **state)
{
	struct hull_err *e = NULL;
	struct stat st;
	json_t *cfg;

	(void) state;
	write_config("{\"psFormat\": \"table {{.ID}}\", \"auths\": {\"other:5000\": {\"auth\": "
		     "\"bzpw\", \"email\": \"x@y\"}}, \"proxies\": {\"default\": {\"httpProxy\": "
		     "\"http://p:3128\"}}}");
	assert_int_equal(creds_store("localhost:5000", "user", "pa:ss", &e), 1);
	cfg = read_config();
	assert_string_equal(auth_of(cfg, "localhost:5000"), "dXNlcjpwYTpzcw==");
	assert_string_equal(auth_of(cfg, "other:5000"), "bzpw");
	assert_string_equal(json_get_str(cfg, "psFormat"), "table {{.ID}}");
	assert_non_null(json_object_get(cfg, "proxies"));
	json_decref(cfg);
	assert_int_equal(stat(cfgpath, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* a password may hold a colon; the user may not be empty */
	expect_creds("localhost:5000", "user", "pa:ss");
	expect_creds("https://localhost:5000/v2/", "user", "pa:ss");
	expect_creds("other:5000", "o", "p");
	/* the same again changes nothing (and docker does not warn again) */
	assert_int_equal(creds_store("localhost:5000", "user", "pa:ss", &e), 0);
	/* replaced, not merged */
	assert_int_equal(creds_store("localhost:5000", "user2", "", NULL), 1);
	expect_creds("localhost:5000", "user2", "");
	assert_int_equal(creds_erase("localhost:5000", &e), 0);
	expect_none("localhost:5000");
	assert_int_equal(creds_erase("localhost:5000", &e), -ENOENT);
	assert_null(e);
	cfg = read_config();
	assert_string_equal(auth_of(cfg, "other:5000"), "bzpw");
	assert_string_equal(
		json_get_str(json_object_get(json_object_get(cfg, "auths"), "other:5000"), "email"),
		"x@y");
	assert_string_equal(json_get_str(cfg, "psFormat"), "table {{.ID}}");
	json_decref(cfg);
}

static void test_no_config(void **state)
{
	struct hull_err *e = NULL;

	(void) state;
	write_config(NULL);
	/* nothing stored is -ENOENT without an error object, so that callers go on */
	expect_none("localhost:5000");
	assert_int_equal(creds_erase("localhost:5000", &e), -ENOENT);
	assert_null(e);
	write_config("  \n");
	expect_none("localhost:5000");
}

static void test_docker_hub_key(void **state)
{
	json_t *cfg;

	(void) state;
	write_config(NULL);
	assert_int_equal(creds_store("docker.io", "me", "secret", NULL), 1);
	cfg = read_config();
	assert_string_equal(auth_of(cfg, "https://index.docker.io/v1/"), "bWU6c2VjcmV0");
	json_decref(cfg);
	expect_creds("registry-1.docker.io", "me", "secret");
	expect_creds("index.docker.io", "me", "secret");
	assert_int_equal(creds_erase("docker.io", NULL), 0);
	expect_none("docker.io");
}

static void test_file_forms(void **state)
{
	struct hull_err *e = NULL;
	char *u = NULL, *p = NULL;

	(void) state;
	/* keys with a scheme and a path, fields instead of "auth", an identity token */
	write_config("{\"auths\": {\"https://legacy.example/v1/\": {\"auth\": \"bDpw\"},"
		     " \"fields.example\": {\"username\": \"f\", \"password\": \"g\"},"
		     " \"token.example\": {\"identitytoken\": \"refresh-me\"},"
		     " \"empty.example\": {},"
		     " \"bad.example\": {\"auth\": \"not base64 hunter2\"},"
		     " \"nouser.example\": {\"auth\": \"OnB3\"}}}");
	expect_creds("legacy.example", "l", "p");
	expect_creds("fields.example", "f", "g");
	expect_creds("token.example", "<token>", "refresh-me");
	expect_none("empty.example");
	expect_none("absent.example");
	expect_error(creds_get("bad.example", &u, &p, &e), &e, "config.json", "hunter2");
	expect_error(creds_get("nouser.example", &u, &p, &e), &e, "invalid auth configuration",
		     NULL);
	/* logout removes the older forms of a key as well */
	write_config("{\"auths\": {\"http://old.example\": {\"auth\": \"bDpw\"},"
		     " \"https://old.example\": {\"auth\": \"bDpw\"}}}");
	assert_int_equal(creds_erase("old.example", NULL), 0);
	expect_none("old.example");
	/* an unreadable file is named */
	write_config("{\"auths\": ");
	expect_error(creds_get("x", &u, &p, &e), &e, cfgpath, NULL);
}

static void test_new_dir_and_symlink(void **state)
{
	_cleanup_free_ char *dir = path_join(tmpdir, "fresh/sub"), *target = NULL, *data = NULL;
	_cleanup_free_ char *link = NULL;
	struct stat st;

	(void) state;
	setenv("DOCKER_CONFIG", dir, 1);
	assert_int_equal(creds_store("h", "u", "p", NULL), 1);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* a symlinked config.json (dotfiles) stays a symlink */
	target = path_join(tmpdir, "real-config.json");
	link = path_join(dir, "config.json");
	assert_int_equal(rename(link, target), 0);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(creds_store("h2", "u2", "p2", NULL), 1);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(read_file(target, 1 << 20, &data, NULL, NULL), 0);
	assert_non_null(strstr(data, "h2"));
	setenv("DOCKER_CONFIG", cfgdir, 1);
}

static void test_creds_store_helper(void **state)
{
	_cleanup_free_ char *log = NULL;
	json_t *cfg, *entry;

	(void) state;
	write_config("{\"credsStore\": \"test\", \"auths\": {\"keep\": {\"auth\": \"azpw\"}}}");
	expect_none("reg.example:5000");
	assert_int_equal(creds_store("reg.example:5000", "hu", "hsecret", NULL), 0);
	/* the file has an empty entry and no secret */
	cfg = read_config();
	entry = json_object_get(json_object_get(cfg, "auths"), "reg.example:5000");
	assert_non_null(entry);
	assert_int_equal(json_object_size(entry), 0);
	assert_string_equal(auth_of(cfg, "keep"), "azpw");
	json_decref(cfg);
	expect_creds("reg.example:5000", "hu", "hsecret");
	/* Docker Hub's key through the helper */
	assert_int_equal(creds_store("docker.io", "hub", "hubsecret", NULL), 0);
	expect_creds("docker.io", "hub", "hubsecret");
	assert_int_equal(creds_erase("reg.example:5000", NULL), 0);
	expect_none("reg.example:5000");
	assert_int_equal(creds_erase("reg.example:5000", NULL), -ENOENT);
	cfg = read_config();
	assert_null(json_object_get(json_object_get(cfg, "auths"), "reg.example:5000"));
	json_decref(cfg);
	/* exactly docker's protocol: the URL alone on stdin, or one JSON object */
	log = helper_log();
	assert_non_null(strstr(log, "get reg.example:5000\n"));
	assert_non_null(strstr(log, "store {\"ServerURL\":\"reg.example:5000\",\"Username\":"
				    "\"hu\",\"Secret\":\"hsecret\"}\n"));
	assert_non_null(strstr(log, "get https://index.docker.io/v1/\n"));
	assert_non_null(strstr(log, "erase reg.example:5000\n"));
}

static void test_cred_helpers(void **state)
{
	json_t *cfg;

	(void) state;
	write_config("{\"credHelpers\": {\"helped.example\": \"test\"}}");
	assert_int_equal(creds_store("helped.example", "a", "b", NULL), 0);
	assert_int_equal(creds_store("plain.example", "c", "d", NULL), 1);
	cfg = read_config();
	assert_null(auth_of(cfg, "helped.example"));
	assert_string_equal(auth_of(cfg, "plain.example"), "Yzpk");
	assert_non_null(json_object_get(cfg, "credHelpers"));
	json_decref(cfg);
	expect_creds("helped.example", "a", "b");
	expect_creds("plain.example", "c", "d");
	/* a helper's "<token>" user is an identity token */
	assert_int_equal(creds_store("helped.example", "<token>", "idtok", NULL), 0);
	expect_creds("helped.example", "<token>", "idtok");
}

static void test_helper_failures(void **state)
{
	struct hull_err *e = NULL;
	char *u = NULL, *p = NULL;

	(void) state;
	write_config("{\"credsStore\": \"missing\"}");
	expect_error(creds_get("x.example", &u, &p, &e), &e,
		     "docker-credential-missing\": executable file not found in $PATH", NULL);
	expect_error(creds_store("x.example", "u", "topsecret", &e), &e,
		     "error storing credentials", "topsecret");
	write_config("{\"credsStore\": \"test\"}");
	setenv("HELPER_FAIL", "1", 1);
	expect_error(creds_get("x.example", &u, &p, &e), &e,
		     "credential helper 'docker-credential-test': error getting credentials - err: "
		     "exit status 3, out: `boom: the keychain is locked`",
		     NULL);
	expect_error(creds_store("x.example", "u", "topsecret", &e), &e, "exit status 3",
		     "topsecret");
	expect_error(creds_erase("x.example", &e), &e, "error erasing credentials", NULL);
	unsetenv("HELPER_FAIL");
	/* a helper's name is never a path (it would run a program from the working directory) */
	write_config("{\"credHelpers\": {\"x.example\": \"../../bin/sh\"}}");
	expect_error(creds_get("x.example", &u, &p, &e), &e, "may not hold '/'", NULL);
	expect_error(creds_store("x.example", "u", "topsecret", &e), &e, "may not hold '/'",
		     "topsecret");
}

/* config.json a FIFO (or a device): refused at once, never a read that waits for ever */
static void test_config_not_regular(void **state)
{
	struct hull_err *e = NULL;
	char *u = NULL, *p = NULL;

	(void) state;
	write_config(NULL);
	assert_int_equal(mkfifo(cfgpath, 0600), 0);
	expect_error(creds_get("x.example", &u, &p, &e), &e, "is not a regular file", NULL);
	expect_error(creds_store("x.example", "u", "topsecret", &e), &e, "is not a regular file",
		     "topsecret");
	write_config(NULL);
}

static int setup(void **state)
{
	_cleanup_free_ char *bin = NULL, *helper = NULL, *path = NULL;

	(void) state;
	if (!mkdtemp(tmpdir))
		return -1;
	cfgdir = path_join(tmpdir, "docker");
	cfgpath = path_join(cfgdir, "config.json");
	store_dir = path_join(tmpdir, "keychain");
	log_path = path_join(tmpdir, "helper.log");
	bin = path_join(tmpdir, "bin");
	helper = path_join(bin, "docker-credential-test");
	if (mkdir_p(cfgdir, 0700, NULL) < 0 || mkdir_p(store_dir, 0700, NULL) < 0 ||
	    mkdir_p(bin, 0755, NULL) < 0 ||
	    write_file_atomic(helper, helper_script, strlen(helper_script), 0755, NULL) < 0)
		return -1;
	path = xasprintf("%s:%s", bin, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	setenv("DOCKER_CONFIG", cfgdir, 1);
	setenv("HELPER_STORE", store_dir, 1);
	setenv("HELPER_LOG", log_path, 1);
	return 0;
}

static int teardown(void **state)
{
	(void) state;
	free(cfgdir);
	free(cfgpath);
	free(store_dir);
	free(log_path);
	return rm_rf(tmpdir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_config_path),
		cmocka_unit_test(test_file_store),
		cmocka_unit_test(test_no_config),
		cmocka_unit_test(test_docker_hub_key),
		cmocka_unit_test(test_file_forms),
		cmocka_unit_test(test_new_dir_and_symlink),
		cmocka_unit_test(test_creds_store_helper),
		cmocka_unit_test(test_cred_helpers),
		cmocka_unit_test(test_helper_failures),
		cmocka_unit_test(test_config_not_regular),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
