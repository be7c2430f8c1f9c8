/* SPDX-License-Identifier: MIT */
/*
 * The pure parts of registry authentication: WWW-Authenticate parsing
 * (RFC 7235, the challenges real registries send: distribution, Docker
 * Hub, ghcr.io, quay.io, Harbor), base64 as docker's config.json and
 * Basic auth use it, and docker's wording of registry error answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "registry/reg-internal.h"
#include "util/strv.h"

/* parse @h, expecting @scheme and the key/value pairs of @want (NULL-terminated) */
static void expect_ok(const char *h, const char *scheme, const char *const *want)
{
	char *s = NULL, **p = NULL;
	size_t n = 0;

	assert_int_equal(www_auth_parse(h, &s, &p), 0);
	assert_string_equal(s, scheme);
	assert_non_null(p);
	while (want && want[n])
		n++;
	assert_int_equal(strv_length(p), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(p[i], want[i]);
	free(s);
	strv_free(p);
}

static void expect_bad(const char *h)
{
	char *s = (char *) "untouched", **p = (char **) &s;

	assert_int_equal(www_auth_parse(h, &s, &p), -EINVAL);
	assert_string_equal(s, "untouched");
}

static void test_registries(void **state)
{
	(void) state;
	expect_ok("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
		  "scope=\"repository:library/busybox:pull\"",
		  "bearer",
		  (const char *const[]){"realm", "https://auth.docker.io/token", "service",
					"registry.docker.io", "scope",
					"repository:library/busybox:pull", NULL});
	expect_ok("Basic realm=\"Registry Realm\"", "basic",
		  (const char *const[]){"realm", "Registry Realm", NULL});
	/* ghcr.io: several scopes in one quoted value */
	expect_ok("Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:a/"
		  "b:pull,push\"",
		  "bearer",
		  (const char *const[]){"realm", "https://ghcr.io/token", "service", "ghcr.io",
					"scope", "repository:a/b:pull,push", NULL});
	/* an insufficient_scope answer */
	expect_ok("Bearer realm=\"r\",error=\"insufficient_scope\",scope=\"x\"", "bearer",
		  (const char *const[]){"realm", "r", "error", "insufficient_scope", "scope", "x",
					NULL});
}

static void test_syntax(void **state)
{
	(void) state;
	/* case of scheme and keys, tokens, spaces around '=' and ',' (BWS, OWS) */
	expect_ok("  BEARER Realm=abc ,  SERVICE = \"s\"  ", "bearer",
		  (const char *const[]){"realm", "abc", "service", "s", NULL});
	/* a scheme alone */
	expect_ok("Basic", "basic", (const char *const[]){NULL});
	expect_ok("Negotiate   ", "negotiate", (const char *const[]){NULL});
	/* empty list elements (RFC 7230 section 7) */
	expect_ok("Bearer realm=a, ,,service=b,", "bearer",
		  (const char *const[]){"realm", "a", "service", "b", NULL});
	/* escapes in a quoted-string; the empty quoted-string; a tab */
	expect_ok("Basic realm=\"a\\\"b\\\\c\\d\",x=\"\",y=\"t\tu\"", "basic",
		  (const char *const[]){"realm", "a\"b\\cd", "x", "", "y", "t\tu", NULL});
	/* commas and '=' inside quotes */
	expect_ok("Bearer scope=\"a,b=c\"", "bearer",
		  (const char *const[]){"scope", "a,b=c", NULL});
	/* obs-text is kept as bytes */
	expect_ok("Basic realm=\"caf\xc3\xa9\"", "basic",
		  (const char *const[]){"realm", "caf\xc3\xa9", NULL});
	/* tchar punctuation in a token value */
	expect_ok("Bearer realm=a!#$%&'*+-.^_`|~9", "bearer",
		  (const char *const[]){"realm", "a!#$%&'*+-.^_`|~9", NULL});
}

static void test_several_challenges(void **state)
{
	(void) state;
	/* the first challenge of a list is returned */
	expect_ok("Bearer realm=\"x\", Basic realm=\"y\"", "bearer",
		  (const char *const[]){"realm", "x", NULL});
	expect_ok("Basic, Bearer realm=y", "basic", (const char *const[]){NULL});
	expect_ok("Basic realm=a, Negotiate, Bearer realm=b", "basic",
		  (const char *const[]){"realm", "a", NULL});
}

static void test_malformed(void **state)
{
	(void) state;
	expect_bad("");
	expect_bad("   ");
	expect_bad(NULL);
	expect_bad("\"Bearer\" realm=x");
	expect_bad("Bearer=x");
	expect_bad("Bearer realm");	       /* no '=' */
	expect_bad("Bearer realm=");	       /* empty token value */
	expect_bad("Bearer realm=,service=s"); /* empty token value */
	expect_bad("Bearer realm=\"unterminated");
	expect_bad("Bearer realm=\"ends with backslash\\");
	expect_bad("Bearer realm=\"a\"b");			/* garbage after a value */
	expect_bad("Bearer realm=a b");				/* two tokens */
	expect_bad("Bearer realm=a;service=b");			/* ';' is not a separator here */
	expect_bad("Bearer realm=a,realm=b");			/* duplicate parameter */
	expect_bad("Bearer realm=a,REALM=b");			/* duplicate, case-insensitively */
	expect_bad("Bearer realm=\"a\x01\"");			/* control character */
	expect_bad("Bearer realm=\"a\\\x01\"");			/* escaped control character */
	expect_bad("Bearer realm=\"a\nb\"");			/* a folded line */
	expect_bad("Bearer (realm)=x");				/* not a token */
	expect_bad("Bearer @");					/* not a token */
	expect_bad("Negotiate YIIBgwYGKwYBBQUCoIIBdzCCAXOg=="); /* token68: not an auth-param */
}

static void test_many_params(void **state)
{
	char *h = xstrdup("Bearer a0=x"), *s = NULL, **p = NULL, *t;

	(void) state;
	for (int i = 1; i < 64; i++) {
		t = xasprintf("%s,a%d=x", h, i);
		free(h);
		h = t;
	}
	assert_int_equal(www_auth_parse(h, &s, &p), 0);
	assert_int_equal(strv_length(p), 128);
	free(s);
	strv_free(p);
	t = xasprintf("%s,a64=x", h);
	free(h);
	expect_bad(t);
	free(t);
}

static void test_param_lookup(void **state)
{
	char *s = NULL, **p = NULL;

	(void) state;
	assert_int_equal(www_auth_parse("Bearer realm=r,service=\"\"", &s, &p), 0);
	assert_string_equal(www_auth_param(p, "realm"), "r");
	assert_string_equal(www_auth_param(p, "service"), "");
	assert_null(www_auth_param(p, "scope"));
	assert_null(www_auth_param(NULL, "scope"));
	free(s);
	strv_free(p);
}

static void test_base64(void **state)
{
	char *e, *d = NULL;
	size_t n = 0;

	(void) state;
	e = reg_base64_encode("user:pass", 9);
	assert_string_equal(e, "dXNlcjpwYXNz");
	assert_int_equal(reg_base64_decode(e, &d, &n), 0);
	assert_int_equal(n, 9);
	assert_string_equal(d, "user:pass");
	free(e);
	free(d);
	e = reg_base64_encode("a:", 2);
	assert_string_equal(e, "YTo=");
	assert_int_equal(reg_base64_decode(e, &d, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(d, "a:");
	free(e);
	free(d);
	assert_int_equal(reg_base64_decode("YQ==", &d, &n), 0);
	assert_int_equal(n, 1);
	free(d);
	assert_int_equal(reg_base64_decode("", &d, &n), 0);
	assert_int_equal(n, 0);
	free(d);
	assert_int_equal(reg_base64_decode("YQ=", &d, NULL), -EINVAL);
	assert_int_equal(reg_base64_decode("Y!==", &d, NULL), -EINVAL);
	assert_int_equal(reg_base64_decode("Y=Q=", &d, NULL), -EINVAL);
	assert_int_equal(reg_base64_decode("dXNl cjpw", &d, NULL), -EINVAL);
}

static void expect_msg(long status, const char *reason, const char *body, char *const *ch,
		       const char *want, int want_errnum)
{
	int errnum = 0;
	char *m = reg_error_message(status, reason, body, body ? strlen(body) : 0, ch, &errnum);

	assert_string_equal(m, want);
	assert_int_equal(errnum, want_errnum);
	free(m);
}

static void test_error_messages(void **state)
{
	(void) state;
	expect_msg(404, "Not Found",
		   "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
		   "unknown\",\"detail\":{\"Tag\":\"nope\"}}]}",
		   NULL, "manifest unknown: manifest unknown", ENOENT);
	expect_msg(401, "Unauthorized",
		   "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication "
		   "required\",\"detail\":null}]}\n",
		   NULL, "unauthorized: authentication required", EACCES);
	/* Docker Hub's token server */
	expect_msg(401, NULL, "{\"details\":\"incorrect username or password\"}", NULL,
		   "unauthorized: incorrect username or password", EACCES);
	expect_msg(429, NULL, "{\"details\":\"slow down\"}", NULL, "toomanyrequests: slow down",
		   EPROTO);
	/* no message: distribution's default for the code */
	expect_msg(404, NULL, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}", NULL,
		   "blob unknown: blob unknown to registry", ENOENT);
	/* several errors on one line, repeated ones once */
	expect_msg(
		400, NULL,
		"{\"errors\":[{\"code\":\"DIGEST_INVALID\",\"message\":\"a\\nb\"},{\"code\":"
		"\"SIZE_INVALID\",\"message\":\"s\"},{\"code\":\"SIZE_INVALID\",\"message\":\"s\"}"
		"]}",
		NULL, "digest invalid: a b; size invalid: s", EPROTO);
	/* a 404 page that is not JSON */
	expect_msg(404, "Not Found", "<html>404</html>", NULL,
		   "received unexpected HTTP status: 404 Not Found", ENOENT);
	expect_msg(500, NULL, NULL, NULL, "received unexpected HTTP status: 500", EPROTO);
	expect_msg(401, "Unauthorized", "", NULL, "unauthorized: authentication required", EACCES);
	/* a code as the key of the errno, not only the status */
	expect_msg(400, NULL, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"x\"}]}", NULL,
		   "name unknown: x", ENOENT);
	/* the challenge's RFC 6750 error first */
	expect_msg(403, NULL,
		   "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access to the "
		   "resource is denied\"}]}",
		   (char *const[]){"Bearer realm=\"r\",error=\"insufficient_scope\"", NULL},
		   "denied: requested access to the resource is denied", EACCES);
	expect_msg(401, NULL, NULL,
		   (char *const[]){"Basic realm=x",
				   "Bearer realm=\"r\",error=\"invalid_token\",error_description="
				   "\"expired\"",
				   NULL},
		   "unauthorized: expired", EACCES);
	/* distribution's answer to a pull-only token used for a push */
	expect_msg(
		401, NULL,
		"{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication "
		"required\"}]}",
		(char *const[]){"Bearer realm=\"r\",service=\"s\",scope=\"repository:a:pull,push\","
				"error=\"insufficient_scope\"",
				NULL},
		"denied: requested access to the resource is denied", EACCES);
}

static void test_one_line(void **state)
{
	char *big = xmalloc(2000), *m;

	(void) state;
	memset(big, 'x', 1999);
	big[1999] = '\0';
	m = xasprintf("{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"%s\"}]}", big);
	free(big);
	big = reg_error_message(500, NULL, m, strlen(m), NULL, NULL);
	assert_int_equal(strlen(big), 512);
	free(big);
	free(m);
	m = reg_one_line("a\r\nb\tc\x7f", 100);
	assert_string_equal(m, "a  b c ");
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registries),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_several_challenges),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_many_params),
		cmocka_unit_test(test_param_lookup),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
