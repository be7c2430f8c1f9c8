/* SPDX-License-Identifier: MIT */
/*
 * The RUN --mount value parser and the --secret / --ssh option parsers
 * (src/build/runmount.h): every key and its aliases, the defaults (type
 * bind; read-only but cache and tmpfs), each refusal, CSV quoting, the
 * deferred check of values with variables, and the canonical text that
 * keys the step cache.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "build/runmount.h"
#include "util/strv.h"

static struct build_mount parse_ok(const char *spec)
{
	struct build_mount m;
	struct hull_err *e = NULL;
	int r = build_mount_parse(spec, NULL, NULL, &m, &e);

	if (r < 0)
		print_error("%s: %s\n", spec, e ? e->msg : "?");
	assert_int_equal(r, 0);
	assert_null(e);
	return m;
}

/* The spec fails; its message contains @want. */
static void parse_fails(const char *spec, const char *want)
{
	struct build_mount m = {0};
	struct hull_err *e = NULL;
	int r = build_mount_parse(spec, NULL, NULL, &m, &e);

	if (r >= 0)
		print_error("%s: parsed\n", spec);
	assert_int_equal(r, -EINVAL);
	assert_non_null(e);
	if (!strstr(e->msg, want))
		print_error("%s: '%s' lacks '%s'\n", spec, e->msg, want);
	assert_non_null(strstr(e->msg, want));
	assert_null(m.target); /* untouched on failure */
	err_free(e);
}

static void test_bind_defaults(void **state)
{
	struct build_mount m;

	(void) state;
	m = parse_ok("target=/src");
	assert_int_equal(m.type, BUILD_MOUNT_BIND);
	assert_string_equal(m.target, "/src");
	assert_true(m.readonly);
	assert_null(m.source);
	assert_null(m.from);
	assert_int_equal(m.mode, -1);
	assert_int_equal(m.uid, -1);
	assert_int_equal(m.gid, -1);
	assert_false(m.deferred);
	build_mount_release(&m);

	m = parse_ok("type=bind,from=builder,source=/out,dst=/in,rw");
	assert_string_equal(m.from, "builder");
	assert_string_equal(m.source, "/out");
	assert_string_equal(m.target, "/in");
	assert_false(m.readonly);
	build_mount_release(&m);

	m = parse_ok("src=a,destination=b,readwrite=true");
	assert_string_equal(m.source, "a");
	assert_string_equal(m.target, "b");
	assert_false(m.readonly);
	build_mount_release(&m);

	m = parse_ok("target=/x,readwrite,readonly");
	assert_true(m.readonly); /* the last one wins */
	build_mount_release(&m);

	m = parse_ok("TARGET=/x,RO=false,Type=BIND");
	assert_false(m.readonly);
	assert_int_equal(m.type, BUILD_MOUNT_BIND);
	build_mount_release(&m);
}

static void test_cache(void **state)
{
	struct build_mount m;

	(void) state;
	m = parse_ok("type=cache,target=/root/.cache");
	assert_int_equal(m.type, BUILD_MOUNT_CACHE);
	assert_false(m.readonly);
	assert_false(m.sharing_set);
	assert_int_equal(m.sharing, BUILD_SHARING_SHARED);
	build_mount_release(&m);

	m = parse_ok("type=cache,id=go,target=/go,sharing=LOCKED,mode=0700,uid=1000,gid=100,"
		     "from=base,source=/seed,ro");
	assert_string_equal(m.id, "go");
	assert_int_equal(m.sharing, BUILD_SHARING_LOCKED);
	assert_true(m.sharing_set);
	assert_int_equal(m.mode, 0700);
	assert_int_equal(m.uid, 1000);
	assert_int_equal(m.gid, 100);
	assert_string_equal(m.from, "base");
	assert_string_equal(m.source, "/seed");
	assert_true(m.readonly);
	build_mount_release(&m);

	m = parse_ok("type=cache,target=/c,sharing=private,uid=4294967295");
	assert_int_equal(m.sharing, BUILD_SHARING_PRIVATE);
	assert_int_equal(m.uid, 4294967295LL);
	build_mount_release(&m);

	parse_fails("type=cache,target=/c,sharing=exclusive", "unknown cache sharing");
	parse_fails("type=cache,target=/c,mode=0800", "not an octal mode");
	parse_fails("type=cache,target=/c,mode=0o755", "not an octal mode");
	parse_fails("type=cache,target=/c,uid=-1", "uid");
	parse_fails("type=cache,target=/c,gid=4294967296", "gid");
	parse_fails("type=cache,target=/c,size=1m", "size is for tmpfs");
}

static void test_tmpfs(void **state)
{
	struct build_mount m;

	(void) state;
	m = parse_ok("type=tmpfs,target=/t,size=64m");
	assert_int_equal(m.type, BUILD_MOUNT_TMPFS);
	assert_false(m.readonly);
	assert_int_equal(m.size, 64 << 20);
	build_mount_release(&m);

	parse_fails("type=tmpfs,target=/t,size=lots", "not a size");
	parse_fails("type=tmpfs,target=/t,mode=1777", "mode is for cache, secret and ssh");
	parse_fails("type=bind,target=/t,uid=0", "uid is for cache, secret and ssh");
	/* size is checked against the type known so far: BuildKit reads in order */
	parse_fails("size=1m,type=tmpfs,target=/t", "size is for tmpfs mounts, not bind");
	parse_fails("type=tmpfs,target=/t,sharing=locked", "sharing is for cache");
}

static void test_secret_ssh(void **state)
{
	struct build_mount m;

	(void) state;
	m = parse_ok("type=secret,id=aws");
	assert_int_equal(m.type, BUILD_MOUNT_SECRET);
	assert_true(m.readonly);
	assert_false(m.required);
	assert_string_equal(m.id, "aws");
	build_mount_release(&m);

	m = parse_ok("type=secret,id=tok,env=TOKEN,required,mode=0440,uid=1,gid=2");
	assert_string_equal(m.env, "TOKEN");
	assert_true(m.required);
	assert_int_equal(m.mode, 0440);
	build_mount_release(&m);

	m = parse_ok("type=secret,target=/root/.npmrc,required=false");
	assert_false(m.required);
	build_mount_release(&m);

	parse_fails("type=secret", "needs an id or a target");
	parse_fails("type=secret,id=a,source=b", "not both");
	parse_fails("type=secret,id=a,from=x", "takes no from");
	parse_fails("type=secret,id=a,sharing=shared", "takes no sharing");
	parse_fails("type=secret,id=a,required=maybe", "not a boolean");
	parse_fails("required,type=secret,id=a", "required is for secret and ssh");
	parse_fails("type=cache,target=/c,required=true", "required is for secret and ssh");

	m = parse_ok("type=ssh");
	assert_int_equal(m.type, BUILD_MOUNT_SSH);
	assert_null(m.id);
	assert_null(m.target);
	build_mount_release(&m);
	m = parse_ok("type=ssh,id=gh,target=/agent,required");
	assert_string_equal(m.id, "gh");
	assert_true(m.required);
	build_mount_release(&m);
	parse_fails("type=ssh,source=/x", "takes no source");
	/* the agent's own socket is bound: its owner and mode cannot be set */
	parse_fails("type=ssh,mode=0666", "mount option mode of an ssh mount is not supported");
	parse_fails("type=ssh,uid=5", "mount option uid of an ssh mount is not supported");
}

static void test_syntax(void **state)
{
	struct build_mount m;

	(void) state;
	parse_fails("", "empty mount");
	parse_fails("type=volume,target=/x", "unknown mount type \"volume\"");
	parse_fails("target=/x,bogus=1", "unknown mount option \"bogus\"");
	parse_fails("target=/x,nocopy", "needs a value");
	parse_fails("target=/x,", "needs a value");
	parse_fails("target=/x,ro=yes", "not a boolean");
	parse_fails("from=${STAGE},target=/x", "variable");
	parse_fails("target=/a\"b", "quote");
	parse_fails("\"target=/a", "unterminated quote");
	parse_fails("\"target=/a\"x", "after a closing quote");

	/* a quoted field keeps its comma; "" is a quote */
	m = parse_ok("\"target=/a,b\",\"source=x\"\"y\"");
	assert_string_equal(m.target, "/a,b");
	assert_string_equal(m.source, "x\"y");
	build_mount_release(&m);

	/* a "$" alone is no variable; from=$ is a name */
	m = parse_ok("target=/x$,from=a$");
	assert_string_equal(m.target, "/x$");
	assert_string_equal(m.from, "a$");
	build_mount_release(&m);
}

/* Without an expander a value with a variable waits for the step, the type too. */
static void test_deferred(void **state)
{
	struct build_mount m;

	(void) state;
	m = parse_ok("type=cache,target=$HOME/.cache,id=${ID}");
	assert_true(m.deferred);
	assert_null(m.target);
	assert_null(m.id);
	build_mount_release(&m);

	/* the type is unknown: no check that needs it */
	m = parse_ok("type=$T,size=1m,target=/t");
	assert_true(m.deferred);
	build_mount_release(&m);

	/* a secret whose id waits: not "needs an id" yet */
	m = parse_ok("type=secret,id=$SECRET");
	assert_true(m.deferred);
	build_mount_release(&m);

	/* a key is never expanded: an unknown one fails at once */
	parse_fails("type=cache,$K=1", "unknown mount option");
}

static int expand_upper(void *arg, const char *word, char **ret, struct hull_err **err)
{
	(void) err;
	assert_string_equal(arg, "ctx");
	if (streq(word, "$T")) {
		*ret = xstrdup("tmpfs");
		return 0;
	}
	if (streq(word, "$BAD"))
		return err_setx(err, EINVAL, "bad substitution");
	*ret = streq(word, "$HOME/.cache") ? xstrdup("/root/.cache") : xstrdup(word);
	return 0;
}

static void test_expanded(void **state)
{
	struct build_mount m;
	struct hull_err *e = NULL;

	(void) state;
	assert_int_equal(build_mount_parse("type=$T,target=$HOME/.cache,size=1k", expand_upper,
					   "ctx", &m, &e),
			 0);
	assert_int_equal(m.type, BUILD_MOUNT_TMPFS);
	assert_string_equal(m.target, "/root/.cache");
	assert_int_equal(m.size, 1024);
	assert_false(m.deferred);
	build_mount_release(&m);

	assert_int_equal(build_mount_parse("target=$BAD", expand_upper, "ctx", &m, &e), -EINVAL);
	assert_string_equal(e->msg, "bad substitution");
	err_free(e);
}

/* The cache key text: every setting, lengths before values so none can forge another. */
static void test_describe(void **state)
{
	struct build_mount a = parse_ok("type=cache,target=/c,id=x");
	struct build_mount b = parse_ok("type=cache,target=/c,id=x,sharing=locked");
	struct build_mount c = parse_ok("type=cache,target=/c,id=x,source=y");
	struct build_mount d = parse_ok("type=cache,target=/c,\"id=x,source=1:y\"");
	_cleanup_free_ char *da = build_mount_describe(&a), *db = build_mount_describe(&b),
			    *dc = build_mount_describe(&c), *dd = build_mount_describe(&d),
			    *da2 = build_mount_describe(&a);

	(void) state;
	assert_string_equal(da, da2);
	assert_string_not_equal(da, db);
	assert_string_not_equal(dc, dd);
	assert_non_null(strstr(da, "type=cache"));
	assert_non_null(strstr(da, "target=2:/c"));
	build_mount_release(&a);
	build_mount_release(&b);
	build_mount_release(&c);
	build_mount_release(&d);
	assert_string_equal(build_mount_type_to_string(BUILD_MOUNT_SSH), "ssh");
	assert_null(build_mount_type_to_string(_BUILD_MOUNT_TYPE_MAX));
}

static void test_secret_src(void **state)
{
	struct build_secret_src s;
	struct hull_err *e = NULL;

	(void) state;
	assert_int_equal(build_secret_src_parse("id=aws,src=/run/creds", &s, &e), 0);
	assert_string_equal(s.id, "aws");
	assert_string_equal(s.file, "/run/creds");
	assert_null(s.env);
	build_secret_src_release(&s);

	assert_int_equal(build_secret_src_parse("id=kube,env=KUBECONFIG", &s, &e), 0);
	assert_string_equal(s.env, "KUBECONFIG");
	assert_null(s.file);
	build_secret_src_release(&s);

	/* type=env: src names the variable */
	assert_int_equal(build_secret_src_parse("type=env,id=t,source=TOKEN", &s, &e), 0);
	assert_string_equal(s.env, "TOKEN");
	assert_null(s.file);
	build_secret_src_release(&s);

	assert_int_equal(build_secret_src_parse("type=file,id=t,src=f", &s, &e), 0);
	assert_string_equal(s.file, "f");
	build_secret_src_release(&s);

	/* an id alone: the caller looks for a variable, then a file */
	assert_int_equal(build_secret_src_parse("id=API_TOKEN", &s, &e), 0);
	assert_null(s.file);
	assert_null(s.env);
	build_secret_src_release(&s);

	/* env alone names the secret */
	assert_int_equal(build_secret_src_parse("env=KUBECONFIG", &s, &e), 0);
	assert_string_equal(s.id, "KUBECONFIG");
	build_secret_src_release(&s);

	assert_int_equal(build_secret_src_parse("src=/f", &s, &e), -EINVAL);
	assert_non_null(strstr(e->msg, "no id"));
	err_free(e);
	e = NULL;
	assert_int_equal(build_secret_src_parse("id=a,type=ssh", &s, &e), -EINVAL);
	err_free(e);
	e = NULL;
	assert_int_equal(build_secret_src_parse("id=a,mode=0400", &s, &e), -EINVAL);
	err_free(e);
	e = NULL;
	assert_int_equal(build_secret_src_parse("id", &s, &e), -EINVAL);
	err_free(e);
}

static void test_ssh_src(void **state)
{
	struct build_ssh_src s;
	struct hull_err *e = NULL;

	(void) state;
	assert_int_equal(build_ssh_src_parse("default", &s, &e), 0);
	assert_string_equal(s.id, "default");
	assert_null(s.paths);
	build_ssh_src_release(&s);

	assert_int_equal(build_ssh_src_parse("gh=/run/a.sock,/run/b.sock", &s, &e), 0);
	assert_string_equal(s.id, "gh");
	assert_int_equal(strv_length(s.paths), 2);
	assert_string_equal(s.paths[1], "/run/b.sock");
	build_ssh_src_release(&s);

	assert_int_equal(build_ssh_src_parse("=/x", &s, &e), -EINVAL);
	err_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_defaults), cmocka_unit_test(test_cache),
		cmocka_unit_test(test_tmpfs),	      cmocka_unit_test(test_secret_ssh),
		cmocka_unit_test(test_syntax),	      cmocka_unit_test(test_deferred),
		cmocka_unit_test(test_expanded),      cmocka_unit_test(test_describe),
		cmocka_unit_test(test_secret_src),    cmocka_unit_test(test_ssh_src),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
