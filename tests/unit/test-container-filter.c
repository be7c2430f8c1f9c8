/* SPDX-License-Identifier: MIT */
/*
 * `ps --filter` (src/container/filter.h): the parse errors in the words ps
 * prints, and the matching of records built here: status values (the state
 * from container_ps_state(), with this process as a "live" pid), label=K
 * and label=K=V, ancestor by reference, image id and short id (an image in
 * a throwaway store), exited=N, health, id, name, before/since, and how
 * values of one key OR and different keys AND. tests/system/210-ps-logs.bats
 * runs them through `hull ps`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include "container/filter.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

static char tmpdir[] = "/tmp/hull-test-filter-XXXXXX";

/* A container record: @state "running" (this pid), "exited", "created", "restarting" or "stale"
 * (Status running, process gone); created at second @created of 2026-12-05 00:00. */
static struct container *ctr(const char *id, const char *name, const char *state, int exit_code,
			     int created, const char *image_ref, const char *image_id,
			     const char *labels_json)
{
	struct container *c = calloc(1, sizeof(*c));
	char ts[64];
	json_t *st;

	snprintf(ts, sizeof(ts), "2026-12-05T00:00:%02dZ", created);
	c->id = xstrdup(id);
	c->lock_fd = -1;
	c->rec = json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:o},s:{}}", "Id", id, "Name", name, "Created",
			   ts, "Image", image_id, "Config", "Image", image_ref, "Labels",
			   labels_json ? json_loads(labels_json, 0, NULL) : json_null(), "State");
	st = json_object_get(c->rec, "State");
	json_object_set_new(st, "ExitCode", json_integer(exit_code));
	if (streq(state, "running") || streq(state, "stale")) {
		json_object_set_new(st, "Status", json_string("running"));
		json_object_set_new(st, "Running", json_true());
		/* a pid that is not alive: beyond pid_max */
		json_object_set_new(st, "Pid",
				    json_integer(streq(state, "running") ? getpid() : 1 << 30));
	} else if (streq(state, "restarting")) {
		json_object_set_new(st, "Status", json_string("restarting"));
		json_object_set_new(st, "Restarting", json_true());
	} else {
		json_object_set_new(st, "Status", json_string(state));
	}
	assert_int_equal(container_state_parse(st, &c->state, NULL), 0);
	return c;
}

/* A filter of the NULL-terminated arguments; each must parse. */
static void filter_of(struct container_filter *f, ...)
{
	va_list ap;
	const char *a;

	va_start(ap, f);
	while ((a = va_arg(ap, const char *))) {
		struct hull_err *e = NULL;
		if (container_filter_add(f, a, &e) < 0)
			fail_msg("'%s': %s", a, e->msg);
	}
	va_end(ap);
}

static bool matches(struct store *s, struct container *c, ...)
{
	struct container_filter f = CONTAINER_FILTER_INIT;
	va_list ap;
	const char *a;
	bool r;

	va_start(ap, c);
	while ((a = va_arg(ap, const char *)))
		if (container_filter_add(&f, a, NULL) < 0)
			fail_msg("'%s' does not parse", a);
	va_end(ap);
	r = container_filter_match(&f, s, c, NULL);
	container_filter_release(&f);
	return r;
}

static void parse_fails(const char *arg, const char *msg)
{
	struct container_filter f = CONTAINER_FILTER_INIT;
	struct hull_err *e = NULL;

	assert_int_equal(container_filter_add(&f, arg, &e), -EINVAL);
	assert_non_null(e);
	assert_string_equal(e->msg, msg);
	for (size_t k = 0; k < _CONTAINER_FILTER_MAX; k++)
		assert_null(f.values[k]);
	err_free(e);
}

static void test_parse_errors(void **state)
{
	(void) state;
	parse_fails("foo=bar", "invalid filter 'foo'");
	parse_fails("status", "invalid filter 'status'");
	parse_fails("label", "invalid filter 'label'");
	parse_fails("=x", "invalid filter ''");
	parse_fails("names=x", "invalid filter 'names'");
	parse_fails("Status=running", "invalid filter 'Status'");
	parse_fails("networks=bridge", "invalid filter 'networks'");
	parse_fails("publish=127.0.0.1:80",
		    "filter for 'publish' should not contain ':': 127.0.0.1:80");
	parse_fails("expose=abc", "error while looking up for expose abc: strconv.ParseUint: "
				  "parsing \"abc\": invalid syntax");
	parse_fails("expose=/tcp", "error while looking up for expose /tcp: empty string specified "
				   "for ports");
	parse_fails("publish=70000", "error while looking up for publish 70000: strconv.ParseUint: "
				     "parsing \"70000\": value out of range");
	parse_fails(
		"publish=90-80/udp",
		"error while looking up for publish 90-80/udp: invalid range specified for port: "
		"90-80");
	parse_fails("publish=80-", "error while looking up for publish 80-: strconv.ParseUint: "
				   "parsing \"\": invalid syntax");
	parse_fails("is-task=yes", "invalid filter 'is-task=yes'");
	parse_fails("status=bad",
		    "invalid filter 'status=bad': must be one of created, restarting, "
		    "running, removing, paused, exited, dead");
	parse_fails("status=", "invalid filter 'status=': must be one of created, restarting, "
			       "running, removing, paused, exited, dead");
	parse_fails("health=sick", "Unrecognised filter value for health: sick");
}

static void test_parse_ok(void **state)
{
	struct container_filter f = CONTAINER_FILTER_INIT;

	(void) state;
	filter_of(&f, "status=running", "status=paused", "status=removing", "status=dead",
		  "health=none", "label=a=b=c", "label=", "exited=0", "name=", NULL);
	assert_int_equal(strv_length(f.values[CONTAINER_FILTER_STATUS]), 4);
	assert_string_equal(f.values[CONTAINER_FILTER_LABEL][0], "a=b=c");
	assert_string_equal(f.values[CONTAINER_FILTER_LABEL][1], "");
	assert_true(container_filter_all(&f));
	container_filter_release(&f);
	/* only status widens ps to every container (moby daemon/list.go) */
	filter_of(&f, "exited=1", "name=x", NULL);
	assert_false(container_filter_all(&f));
	container_filter_release(&f);
	container_filter_release(NULL);
}

static void test_states(void **state)
{
	struct container *run = ctr("aaa1", "/r", "running", 0, 1, "img", "sha256:1", NULL);
	struct container *ex = ctr("bbb2", "/e", "exited", 3, 2, "img", "sha256:1", NULL);
	struct container *cr = ctr("ccc3", "/c", "created", 0, 3, "img", "sha256:1", NULL);
	struct container *rs = ctr("ddd4", "/d", "restarting", 1, 4, "img", "sha256:1", NULL);
	struct container *stale = ctr("eee5", "/s", "stale", 0, 5, "img", "sha256:1", NULL);

	(void) state;
	assert_string_equal(container_ps_state(run), "running");
	assert_string_equal(container_ps_state(ex), "exited");
	assert_string_equal(container_ps_state(cr), "created");
	assert_string_equal(container_ps_state(rs), "restarting");
	assert_string_equal(container_ps_state(stale), "exited");
	assert_true(matches(NULL, run, "status=running", NULL));
	assert_false(matches(NULL, run, "status=exited", NULL));
	assert_true(matches(NULL, stale, "status=exited", NULL));
	assert_true(matches(NULL, rs, "status=restarting", NULL));
	assert_false(matches(NULL, rs, "status=running", NULL));
	assert_true(matches(NULL, cr, "status=created", NULL));
	/* one key's values OR */
	assert_true(matches(NULL, cr, "status=exited", "status=created", NULL));
	/* no container is paused, removing or dead in hull's records */
	assert_false(matches(NULL, run, "status=paused", NULL));
	/* the caller's state wins over the record's */
	{
		struct container_filter f = CONTAINER_FILTER_INIT;
		filter_of(&f, "status=exited", NULL);
		assert_true(container_filter_match(&f, NULL, run, "exited"));
		container_filter_release(&f);
	}
	/* exited=N: the exit code of an exited container only */
	assert_true(matches(NULL, ex, "exited=3", NULL));
	assert_false(matches(NULL, ex, "exited=0", NULL));
	assert_false(matches(NULL, ex, "exited=03", NULL));
	assert_false(matches(NULL, rs, "exited=1", NULL));
	assert_false(matches(NULL, run, "exited=0", NULL));
	assert_true(matches(NULL, stale, "exited=0", NULL));
	assert_true(matches(NULL, ex, "exited=0", "exited=3", NULL));
	/* different keys AND */
	assert_false(matches(NULL, ex, "exited=3", "status=created", NULL));
	assert_true(matches(NULL, ex, "exited=3", "status=exited", "id=bb", NULL));
	/* health: none without a check */
	assert_true(matches(NULL, run, "health=none", NULL));
	assert_false(matches(NULL, run, "health=healthy", NULL));
	container_free(run);
	container_free(ex);
	container_free(cr);
	container_free(rs);
	container_free(stale);
}

static void test_id_name_label(void **state)
{
	struct container *c = ctr("abcdef12", "/web-1", "exited", 0, 1, "img", "sha256:1",
				  "{\"tier\":\"front\",\"empty\":\"\"}");
	struct container *nolabels = ctr("99", "/db", "exited", 0, 1, "img", "sha256:1", NULL);

	(void) state;
	assert_true(matches(NULL, c, "id=abc", NULL));
	assert_true(matches(NULL, c, "id=abcdef12", NULL));
	assert_false(matches(NULL, c, "id=bcd", NULL));
	/* name: a substring of the name */
	assert_true(matches(NULL, c, "name=web", NULL));
	assert_true(matches(NULL, c, "name=b-1", NULL));
	assert_false(matches(NULL, c, "name=db", NULL));
	/* label=K and label=K=V */
	assert_true(matches(NULL, c, "label=tier", NULL));
	assert_true(matches(NULL, c, "label=tier=front", NULL));
	assert_false(matches(NULL, c, "label=tier=back", NULL));
	assert_false(matches(NULL, c, "label=tie", NULL));
	assert_true(matches(NULL, c, "label=empty=", NULL));
	assert_true(matches(NULL, c, "label=empty", NULL));
	assert_false(matches(NULL, nolabels, "label=tier", NULL));
	assert_true(matches(NULL, c, "label=tier=back", "label=tier=front", NULL));
	container_free(c);
	container_free(nolabels);
}

static void test_ancestor(void **state)
{
	struct store *s = NULL;
	struct image *img = NULL;
	struct hull_err *e = NULL;
	char **none = strv_new();
	json_t *cfg =
		json_pack("{s:s,s:s,s:{},s:{s:s,s:[]},s:[]}", "architecture", "amd64", "os",
			  "linux", "config", "rootfs", "type", "layers", "diff_ids", "history");
	struct container *c, *other;
	char *short_id;

	(void) state;
	assert_non_null(mkdtemp(tmpdir));
	assert_int_equal(store_open(tmpdir, &s, NULL), 0);
	assert_int_equal(store_lock(s, NULL), 0);
	if (store_image_commit(s, cfg, none, NULL, &img, &e) < 0 ||
	    store_tag(s, "fbox:1", img->manifest_digest, &e) < 0)
		fail_msg("%s", e->msg);
	store_unlock(s);
	c = ctr("c1", "/c1", "exited", 0, 1, "fbox:1", img->id, NULL);
	/* created from the image's id, as typed */
	other = ctr("c2", "/c2", "exited", 0, 1, img->id, "sha256:0000", NULL);
	short_id = xstrndup(img->id + 7, 12);
	/* as typed, then through the store: full name, id, short id */
	assert_true(matches(s, c, "ancestor=fbox:1", NULL));
	assert_true(matches(s, c, "ancestor=docker.io/library/fbox:1", NULL));
	assert_true(matches(s, c, "ancestor=fbox", "ancestor=fbox:1", NULL));
	{
		char *a = xasprintf("ancestor=%s", img->id),
		     *b = xasprintf("ancestor=%s", short_id);
		assert_true(matches(s, c, a, NULL));
		assert_true(matches(s, c, b, NULL));
		/* without a store only the typed reference matches */
		assert_false(matches(NULL, c, a, NULL));
		/* typed as the id: matches as typed; the record's image is another */
		assert_true(matches(s, other, a, NULL));
		free(a);
		free(b);
	}
	assert_false(matches(s, c, "ancestor=fbox:2", NULL));
	assert_false(matches(s, c, "ancestor=fbox", NULL)); /* fbox:latest does not exist */
	assert_false(matches(s, other, "ancestor=fbox:1", NULL));
	free(short_id);
	container_free(c);
	container_free(other);
	image_free(img);
	json_decref(cfg);
	strv_free(none);
	store_free(s);
	(void) rm_rf(tmpdir, NULL);
}

static void test_before_since(void **state)
{
	struct container *l[] = {
		ctr("d4aa", "/newest", "exited", 0, 40, "i", "sha256:1", NULL),
		ctr("c3bb", "/third", "exited", 0, 30, "i", "sha256:1", NULL),
		ctr("b2cc", "/second", "exited", 0, 20, "i", "sha256:1", NULL),
		ctr("a1dd", "/oldest", "exited", 0, 10, "i", "sha256:1", NULL),
		NULL,
	};
	struct container_filter f = CONTAINER_FILTER_INIT;
	struct hull_err *e = NULL;

	(void) state;
	/* before: strictly older; since: strictly newer; by name, /name, id or prefix */
	filter_of(&f, "before=third", NULL);
	assert_int_equal(container_filter_resolve(&f, l, NULL), 0);
	assert_false(container_filter_match(&f, NULL, l[0], NULL));
	assert_false(container_filter_match(&f, NULL, l[1], NULL));
	assert_true(container_filter_match(&f, NULL, l[2], NULL));
	assert_true(container_filter_match(&f, NULL, l[3], NULL));
	container_filter_release(&f);
	filter_of(&f, "since=/second", "before=d4", NULL);
	assert_int_equal(container_filter_resolve(&f, l, NULL), 0);
	assert_false(container_filter_match(&f, NULL, l[0], NULL));
	assert_true(container_filter_match(&f, NULL, l[1], NULL));
	assert_false(container_filter_match(&f, NULL, l[2], NULL));
	assert_false(container_filter_match(&f, NULL, l[3], NULL));
	container_filter_release(&f);
	f = (struct container_filter) CONTAINER_FILTER_INIT;
	filter_of(&f, "since=a1dd", "status=exited", NULL);
	assert_int_equal(container_filter_resolve(&f, l, NULL), 0);
	assert_true(container_filter_match(&f, NULL, l[0], NULL));
	assert_false(container_filter_match(&f, NULL, l[3], NULL));
	container_filter_release(&f);
	/* unknown and ambiguous references */
	filter_of(&f, "before=nope", NULL);
	assert_int_equal(container_filter_resolve(&f, l, &e), -ENOENT);
	assert_string_equal(e->msg, "No such container: nope");
	e = err_free(e);
	container_filter_release(&f);
	{
		struct container *two[] = {l[0], ctr("d4ab", "/x", "exited", 0, 1, "i", "s", NULL),
					   NULL};
		filter_of(&f, "since=d4a", NULL);
		assert_int_equal(container_filter_resolve(&f, two, &e), -EINVAL);
		assert_string_equal(e->msg, "multiple IDs found with provided prefix: d4a");
		e = err_free(e);
		container_filter_release(&f);
		container_free(two[1]);
	}
	/* a name that looks like another's id prefix: the name wins (container_load's order) */
	{
		struct container *named[] = {ctr("ffff", "/d4", "exited", 0, 35, "i", "s", NULL),
					     l[0], l[3], NULL};
		filter_of(&f, "before=d4", NULL);
		assert_int_equal(container_filter_resolve(&f, named, NULL), 0);
		assert_true(container_filter_match(&f, NULL, l[1], NULL));  /* 30 < 35 */
		assert_false(container_filter_match(&f, NULL, l[0], NULL)); /* 40 */
		container_filter_release(&f);
		container_free(named[0]);
	}
	for (size_t i = 0; l[i]; i++)
		container_free(l[i]);
}

/* a running container (this pid) with @ports_json as NetworkSettings.Ports, @exposed_json as
 * Config.ExposedPorts, network mode @mode, and @mounts_json as Mounts */
static struct container *netctr(const char *mode, const char *ports_json, const char *exposed_json,
				const char *mounts_json)
{
	struct container *c = ctr("e5e5", "/n", "running", 0, 1, "busybox", "sha256:b", NULL);

	json_object_set_new(c->rec, "HostConfig", json_pack("{s:s}", "NetworkMode", mode));
	json_object_set_new(
		c->rec, "NetworkSettings",
		json_pack("{s:o,s:o}", "Ports", json_loads(ports_json, 0, NULL), "Networks",
			  json_loads("{\"front\":{\"NetworkID\":\"abc123\"}}", 0, NULL)));
	json_object_set_new(json_object_get(c->rec, "Config"), "ExposedPorts",
			    json_loads(exposed_json, 0, NULL));
	json_object_set_new(c->rec, "Mounts", json_loads(mounts_json, 0, NULL));
	return c;
}

static void display_is(const char *ports_json, const char *exposed_json, const char *want)
{
	struct container *c = netctr("bridge", ports_json, exposed_json, "[]");
	struct container_port *p = NULL;
	char *got;
	size_t n;

	container_ports(c, NULL, &p, &n);
	got = container_ports_display(p, n);
	assert_string_equal(got, want);
	free(got);
	free(p);
	container_free(c);
}

/* docker/cli formatter DisplayablePorts, case by case */
static void test_ports_display(void **state)
{
	(void) state;
	display_is("{}", "{}", "");
	display_is("{}", "{\"80/tcp\":{}}", "80/tcp");
	/* consecutive exposed ports form a range; a gap starts another group */
	display_is("{}", "{\"80/tcp\":{},\"81/tcp\":{},\"82/tcp\":{},\"90/tcp\":{}}",
		   "80-82/tcp, 90/tcp");
	display_is("{}", "{\"53/udp\":{},\"53/tcp\":{}}", "53/tcp, 53/udp");
	/* same host and container port: grouped with the address; others one each, after */
	display_is("{\"8000/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8000\"}],"
		   "\"8001/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8001\"}],"
		   "\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"18080\"}]}",
		   "{\"80/tcp\":{},\"8000/tcp\":{},\"8001/tcp\":{},\"81/tcp\":{}}",
		   "81/tcp, 0.0.0.0:8000-8001->8000-8001/tcp, 127.0.0.1:18080->80/tcp");
	/* a port published on two addresses; IPv6 in brackets */
	display_is("{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"},"
		   "{\"HostIp\":\"::\",\"HostPort\":\"8080\"}]}",
		   "{\"80/tcp\":{}}", "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp");
	/* an exposed port given with a null binding list (as docker's inspect shows it) */
	display_is("{\"443/tcp\":null}", "{}", "443/tcp");
}

static void test_ports_network_volume_task(void **state)
{
	const char *mounts = "[{\"Type\":\"volume\",\"Name\":\"data\",\"Source\":\"/v/data/_data\","
			     "\"Destination\":\"/data\"},{\"Type\":\"bind\",\"Name\":\"\","
			     "\"Source\":\"/srv\",\"Destination\":\"/www\"}]";
	struct container *c =
		netctr("front", "{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"18080\"}]}",
		       "{\"80/tcp\":{},\"9000/udp\":{}}", mounts);
	struct container *h = netctr("host", "{}", "{\"80/tcp\":{}}", "[]");
	struct container_port *p = NULL;
	size_t n;

	(void) state;
	/* publish= is the host port, expose= the container's; tcp by default; ranges */
	assert_true(matches(NULL, c, "publish=18080", NULL));
	assert_true(matches(NULL, c, "publish=18000-18100/tcp", NULL));
	assert_false(matches(NULL, c, "publish=80", NULL));
	assert_false(matches(NULL, c, "publish=18080/udp", NULL));
	assert_true(matches(NULL, c, "expose=80", NULL));
	assert_true(matches(NULL, c, "expose=9000/udp", NULL));
	assert_false(matches(NULL, c, "expose=9000", NULL));
	assert_false(matches(NULL, c, "publish=0", NULL));
	/* values of one key OR */
	assert_true(matches(NULL, c, "expose=1", "expose=80", NULL));
	/* a host-network container shows no ports (docker's NetworkSettings.Ports is empty) */
	container_ports(h, NULL, &p, &n);
	assert_int_equal(n, 0);
	free(p);
	assert_false(matches(NULL, h, "expose=80", NULL));
	/* a stopped one neither */
	c->state.pid = 1 << 30;
	assert_false(matches(NULL, c, "publish=18080", NULL));
	c->state.pid = getpid();
	/* network=: a name of the record, an id prefix, or the predefined mode */
	assert_true(matches(NULL, c, "network=front", NULL));
	assert_true(matches(NULL, c, "network=abc", NULL));
	assert_false(matches(NULL, c, "network=fron", NULL));
	assert_false(matches(NULL, c, "network=bridge", NULL));
	assert_true(matches(NULL, h, "network=host", NULL));
	assert_false(matches(NULL, h, "network=none", NULL));
	/* volume=: destination, volume name, or a bind mount's source */
	assert_true(matches(NULL, c, "volume=data", NULL));
	assert_true(matches(NULL, c, "volume=/data", NULL));
	assert_true(matches(NULL, c, "volume=/srv", NULL));
	assert_true(matches(NULL, c, "volume=/www", NULL));
	assert_false(matches(NULL, c, "volume=/v/data/_data", NULL));
	assert_false(matches(NULL, h, "volume=data", NULL));
	/* no container of hull is a swarm task */
	assert_true(matches(NULL, c, "is-task=false", NULL));
	assert_false(matches(NULL, c, "is-task=true", NULL));
	/* isolation is Windows's: accepted, ignored (moby list_unix.go) */
	assert_true(matches(NULL, c, "isolation=hyperv", NULL));
	container_free(c);
	container_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_id_name_label),
		cmocka_unit_test(test_ancestor),
		cmocka_unit_test(test_before_since),
		cmocka_unit_test(test_ports_display),
		cmocka_unit_test(test_ports_network_volume_task),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
