/* SPDX-License-Identifier: MIT */
/*
 * build_change_apply() (docker commit/import --change) and
 * build_commit_merge() (the container's Config over its image's) of
 * src/build/commit.h: configs in, configs or error messages out, compared
 * exactly, and build_import_config() (`hull import`'s image config).
 * tests/system/240-files.bats and 020-images.bats run the same through
 * `hull commit` and `hull import`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "build/commit.h"
#include "util/json.h"

static json_t *load(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	if (!j)
		fail_msg("bad test JSON '%s': %s", text, je.text);
	return j;
}

static void assert_json(json_t *got, const char *want_text)
{
	json_t *want = load(want_text);

	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
		fail_msg("got %s\nwant %s", g, want_text);
	}
	json_decref(want);
}

/* Apply @line to the config @before; expect the config @after. */
static void change_ok(const char *before, const char *line, const char *after)
{
	json_t *cfg = load(before);
	struct hull_err *e = NULL;
	int r = build_change_apply(cfg, line, &e);

	if (r < 0)
		fail_msg("'%s': %s", line, e->msg);
	assert_null(e);
	assert_json(cfg, after);
	json_decref(cfg);
}

/* Apply @line to {}; expect -@code and the message @msg. */
static void change_fails(const char *line, int code, const char *msg)
{
	json_t *cfg = json_object();
	struct hull_err *e = NULL;
	int r = build_change_apply(cfg, line, &e);

	assert_int_equal(r, -code);
	assert_non_null(e);
	assert_string_equal(e->msg, msg);
	err_free(e);
	json_decref(cfg);
}

static void test_change_cmd_entrypoint(void **state)
{
	(void) state;
	change_ok("{\"Cmd\":[\"old\"]}", "CMD [\"a\", \"b c\"]", "{\"Cmd\":[\"a\",\"b c\"]}");
	/* shell form is wrapped in /bin/sh -c, as docker stores it */
	change_ok("{}", "CMD echo hi", "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"]}");
	change_ok("{\"Entrypoint\":[\"x\"],\"Cmd\":[\"y\"]}", "ENTRYPOINT [\"/bin/e\"]",
		  "{\"Entrypoint\":[\"/bin/e\"],\"Cmd\":[\"y\"]}");
	change_ok("{}", "entrypoint top -b", "{\"Entrypoint\":[\"/bin/sh\",\"-c\",\"top -b\"]}");
}

static void test_change_env_by_key(void **state)
{
	(void) state;
	/* an existing key is replaced where it is, a new one appended */
	change_ok("{\"Env\":[\"PATH=/bin\",\"A=1\"]}", "ENV A=2 B=3",
		  "{\"Env\":[\"PATH=/bin\",\"A=2\",\"B=3\"]}");
	change_ok("{}", "ENV K v w", "{\"Env\":[\"K=v w\"]}");
	/* a key that is a prefix of another is another key */
	change_ok("{\"Env\":[\"AB=1\"]}", "ENV A=x", "{\"Env\":[\"AB=1\",\"A=x\"]}");
	/* quotes removed and $VARs of the Env from before the instruction expanded, as a build's */
	change_ok("{\"Env\":[\"P=/bin\"]}", "ENV Q=\"a b\" R=$P:/x P=new",
		  "{\"Env\":[\"P=new\",\"Q=a b\",\"R=/bin:/x\"]}");
}

static void test_change_labels(void **state)
{
	(void) state;
	change_ok("{\"Labels\":{\"a\":\"1\",\"b\":\"2\"}}", "LABEL a=9 c=x",
		  "{\"Labels\":{\"a\":\"9\",\"b\":\"2\",\"c\":\"x\"}}");
	change_ok("{\"Labels\":null}", "LABEL k=v", "{\"Labels\":{\"k\":\"v\"}}");
	/* docker keeps no quotes: LABEL c="x y" is the value x y */
	change_ok("{}", "LABEL c=\"x y\" 'd e'=f", "{\"Labels\":{\"c\":\"x y\",\"d e\":\"f\"}}");
}

static void test_change_expose_volume_union(void **state)
{
	(void) state;
	change_ok("{\"ExposedPorts\":{\"80/tcp\":{}}}", "EXPOSE 443 53/udp 80",
		  "{\"ExposedPorts\":{\"80/tcp\":{},\"443/tcp\":{},\"53/udp\":{}}}");
	change_ok("{\"Volumes\":{\"/a\":{}}}", "VOLUME [\"/b\", \"/a\"]",
		  "{\"Volumes\":{\"/a\":{},\"/b\":{}}}");
}

static void test_change_single_values(void **state)
{
	(void) state;
	change_ok("{\"User\":\"root\"}", "USER nobody", "{\"User\":\"nobody\"}");
	change_ok("{}", "WORKDIR /srv", "{\"WorkingDir\":\"/srv\"}");
	change_ok("{}", "STOPSIGNAL SIGINT", "{\"StopSignal\":\"SIGINT\"}");
	change_ok("{\"OnBuild\":[\"RUN a\"]}", "ONBUILD RUN make",
		  "{\"OnBuild\":[\"RUN a\",\"RUN make\"]}");
	/* several instructions in one --change, applied in order */
	change_ok("{}", "USER a\nUSER b\nWORKDIR /w", "{\"User\":\"b\",\"WorkingDir\":\"/w\"}");
}

static void test_change_errors(void **state)
{
	(void) state;
	change_fails("FROM busybox", EINVAL, "FROM is not a valid change command");
	change_fails("RUN true", EINVAL, "RUN is not a valid change command");
	change_fails("copy a b", EINVAL, "copy is not a valid change command");
	change_fails("USER", EINVAL, "USER requires exactly one argument");
	change_fails("WORKDIR", EINVAL, "WORKDIR requires exactly one argument");
	change_fails("STOPSIGNAL", EINVAL, "STOPSIGNAL requires exactly one argument");
}

static void test_change_parse_error(void **state)
{
	json_t *cfg = json_object();
	struct hull_err *e = NULL;

	(void) state;
	/* the parser's error, with the name "change" */
	assert_true(build_change_apply(cfg, "NOTANINSTRUCTION x", &e) < 0);
	assert_non_null(e);
	assert_string_equal(e->msg, "change:1: unknown instruction: NOTANINSTRUCTION");
	err_free(e);
	/* what came before a failing instruction stays applied */
	e = NULL;
	assert_true(build_change_apply(cfg, "USER u\nRUN x", &e) < 0);
	assert_json(cfg, "{\"User\":\"u\"}");
	err_free(e);
	json_decref(cfg);
}

/* build_commit_merge(@image, @container) must give @want. */
static void merge(const char *image, const char *container, const char *want)
{
	json_t *i = load(image), *c = container ? load(container) : NULL;

	build_commit_merge(i, c);
	assert_json(i, want);
	json_decref(i);
	json_decref(c);
}

static void test_merge(void **state)
{
	(void) state;
	/* every listed key of the container wins, as a whole value */
	merge("{\"Env\":[\"A=1\",\"P=/bin\"],\"User\":\"root\",\"WorkingDir\":\"/\"}",
	      "{\"Env\":[\"A=2\",\"P=/bin\",\"X=3\"],\"User\":\"u\",\"WorkingDir\":\"/w\"}",
	      "{\"Env\":[\"A=2\",\"P=/bin\",\"X=3\"],\"User\":\"u\",\"WorkingDir\":\"/w\"}");
	merge("{\"ExposedPorts\":{\"80/tcp\":{}},\"Labels\":{\"a\":\"1\"}}",
	      "{\"ExposedPorts\":{\"80/tcp\":{},\"8080/"
	      "tcp\":{}},\"Labels\":{\"a\":\"1\",\"b\":\"2\"}}",
	      "{\"ExposedPorts\":{\"80/tcp\":{},\"8080/"
	      "tcp\":{}},\"Labels\":{\"a\":\"1\",\"b\":\"2\"}}");
	/* Cmd and Entrypoint are the container's, a null one too: it was cleared (run
	 * --entrypoint "" ARGS; --entrypoint X without args), as docker's commit keeps it */
	merge("{\"Entrypoint\":[\"/e\"],\"Cmd\":[\"c\"]}",
	      "{\"Cmd\":[\"run\",\"args\"],\"Entrypoint\":null}",
	      "{\"Entrypoint\":null,\"Cmd\":[\"run\",\"args\"]}");
	merge("{\"Entrypoint\":[\"/e\"],\"Cmd\":[\"c\"]}", "{\"Entrypoint\":[\"/f\"],\"Cmd\":null}",
	      "{\"Entrypoint\":[\"/f\"],\"Cmd\":null}");
	/* absent (a record without them): the image's stay */
	merge("{\"Entrypoint\":[\"/e\"],\"Cmd\":[\"c\"]}", "{\"User\":\"u\"}",
	      "{\"Entrypoint\":[\"/e\"],\"Cmd\":[\"c\"],\"User\":\"u\"}");
	merge("{\"StopSignal\":\"SIGTERM\"}", "{\"StopSignal\":\"SIGUSR1\"}",
	      "{\"StopSignal\":\"SIGUSR1\"}");
	/* keys a container does not carry over: the image's stay, the container's are ignored */
	merge("{\"Volumes\":{\"/v\":{}},\"OnBuild\":[\"RUN x\"]}",
	      "{\"Volumes\":{\"/w\":{}},\"Hostname\":\"h\",\"Image\":\"busybox\"}",
	      "{\"Volumes\":{\"/v\":{}},\"OnBuild\":[\"RUN x\"]}");
	/* no container config at all */
	merge("{\"User\":\"root\"}", NULL, "{\"User\":\"root\"}");
}

/* build_import_config() of @o at a fixed time must give @want. */
static void import_ok(const struct build_import_opts *o, const char *want)
{
	struct hull_err *e = NULL;
	json_t *cfg = NULL;

	if (build_import_config(o, "2026-12-05T00:00:00Z", &cfg, &e) < 0)
		fail_msg("%s", e->msg);
	assert_json(cfg, want);
	json_decref(cfg);
}

#define IMPORT_REST                                                                              \
	"\"created\":\"2026-12-05T00:00:00Z\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}," \
	"\"history\":[{\"created\":\"2026-12-05T00:00:00Z\",\"created_by\":\"\",\"comment\":"

static void test_import_config(void **state)
{
	char *const changes[] = {"ENV A=1", "CMD [\"/bin/sh\"]", "EXPOSE 80", NULL};
	struct build_import_opts o = {.source = "rootfs.tar"};

	(void) state;
	import_ok(&o, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"comment\":\"Imported from "
		      "rootfs.tar\",\"config\":{}," IMPORT_REST "\"Imported from rootfs.tar\"}]}");
	o.message = "my message";
	o.source = "-";
	import_ok(&o, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"comment\":\"my message\","
		      "\"config\":{}," IMPORT_REST "\"my message\"}]}");
	/* --platform, normalised as containerd does; a variant when there is one */
	o.message = NULL;
	o.platform = "linux/aarch64";
	import_ok(&o,
		  "{\"architecture\":\"arm64\",\"os\":\"linux\",\"comment\":\"Imported from -\","
		  "\"config\":{}," IMPORT_REST "\"Imported from -\"}]}");
	o.platform = "linux/arm/v6";
	import_ok(&o, "{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\","
		      "\"comment\":\"Imported from -\",\"config\":{}," IMPORT_REST
		      "\"Imported from -\"}]}");
	/* --change lines on the empty config */
	o.platform = NULL;
	o.changes = changes;
	import_ok(&o,
		  "{\"architecture\":\"amd64\",\"os\":\"linux\",\"comment\":\"Imported from -\","
		  "\"config\":{\"Env\":[\"A=1\"],"
		  "\"Cmd\":[\"/bin/sh\"],\"ExposedPorts\":{\"80/tcp\":{}}}," IMPORT_REST
		  "\"Imported from -\"}]}");
}

static void test_import_config_errors(void **state)
{
	char *const bad[] = {"ENV A=1", "RUN make", NULL};
	struct build_import_opts o = {.source = "x.tar", .platform = "linux/amd64/v9/x"};
	struct hull_err *e = NULL;
	json_t *cfg = NULL;

	(void) state;
	assert_int_equal(build_import_config(&o, "t", &cfg, &e), -EINVAL);
	assert_null(cfg);
	assert_non_null(e);
	assert_non_null(strstr(e->msg, "linux/amd64/v9/x"));
	e = err_free(e);
	o.platform = NULL;
	o.changes = bad;
	assert_int_equal(build_import_config(&o, "t", &cfg, &e), -EINVAL);
	assert_null(cfg);
	assert_string_equal(e->msg, "RUN is not a valid change command");
	err_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_change_cmd_entrypoint),
		cmocka_unit_test(test_change_env_by_key),
		cmocka_unit_test(test_change_labels),
		cmocka_unit_test(test_change_expose_volume_union),
		cmocka_unit_test(test_change_single_values),
		cmocka_unit_test(test_change_errors),
		cmocka_unit_test(test_change_parse_error),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_import_config),
		cmocka_unit_test(test_import_config_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
