/* SPDX-License-Identifier: MIT */
/*
 * hull events [--since T] [--until T] [--filter K=V]... [--format TEMPLATE]:
 * docker events (docker/cli cli/command/system/events.go; moby
 * daemon/events/filter.go for the filters) over the store's journal
 * (util/events.h) instead of a daemon's stream. Without --since and --until
 * only new events are shown, until interrupted; with --until it stops there.
 */
#include <signal.h>
#include <time.h>
#include "cli/cli.h"
#include "util/events.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* ---- the type docker's template sees: events.Message ---- */

static const struct tmpl_type t_attrs = {.kind = TMPL_MAP};
static const struct tmpl_field actor_fields[] = {{"Attributes", &t_attrs}, {NULL, NULL}};
static const struct tmpl_type t_actor = {
	.kind = TMPL_STRUCT, .name = "events.Actor", .fields = actor_fields};
static const struct tmpl_field message_fields[] = {{"Actor", &t_actor}, {NULL, NULL}};
static const struct tmpl_json_tag message_tags[] = {
	{"Status", "status,omitempty"},
	{"ID", "id,omitempty"},
	{"From", "from,omitempty"},
	{"Scope", "scope"},
	{"Time", "time,omitempty"},
	{"TimeNano", "timeNano,omitempty"},
	{NULL, NULL},
};
static const struct tmpl_type t_message = {.kind = TMPL_STRUCT,
					   .name = "events.Message",
					   .fields = message_fields,
					   .json_tags = message_tags};

/* the journal's line (JSON names) as the Go struct's fields */
static json_t *message_of(json_t *ev)
{
	json_t *actor = json_object_get(ev, "Actor"), *m = json_object(), *a = json_object();
	json_t *attrs = json_object_get(actor, "Attributes");
	static const char *const names[][2] = {{"Status", "status"},
					       {"ID", "id"},
					       {"From", "from"},
					       {"Type", "Type"},
					       {"Action", "Action"}};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		json_object_set_new(m, names[i][0],
				    json_string(json_get_str(ev, names[i][1]) ?: ""));
	json_object_set_new(a, "ID", json_string(json_get_str(actor, "ID") ?: ""));
	json_object_set_new(a, "Attributes",
			    json_is_object(attrs) ? json_deep_copy(attrs) : json_object());
	json_object_set_new(m, "Actor", a);
	json_object_set_new(m, "Scope", json_string(json_get_str(ev, "scope") ?: "local"));
	json_object_set_new(m, "Time",
			    json_integer(json_integer_value(json_object_get(ev, "time"))));
	json_object_set_new(m, "TimeNano",
			    json_integer(json_integer_value(json_object_get(ev, "timeNano"))));
	return m;
}

/* ---- filters (moby daemon/events/filter.go) ---- */

struct filters {
	char **type, **event, **container, **image, **volume, **network, **label, **scope;
};

static const char *attr(json_t *ev, const char *k)
{
	return json_get_str(json_object_get(json_object_get(ev, "Actor"), "Attributes"), k);
}

/* filters.ExactMatch: no values, or @s is one of them */
static bool exact(char **want, const char *s)
{
	return !want || (s && strv_contains(want, s));
}

/* filters.FuzzyMatch: no values, or @s starts with one of them */
static bool fuzzy(char **want, const char *s)
{
	if (!want)
		return true;
	STRV_FOREACH (w, want)
		if (s && startswith(s, *w))
			return true;
	return false;
}

/* a reference without its tag, as moby's stripTag */
static char *strip_tag(const char *s)
{
	const char *slash, *colon;

	if (!s)
		return xstrdup(""); /* a journal line without an Actor.ID */
	slash = strrchr(s, '/');
	colon = strrchr(s, ':');
	if (startswith(s, "sha256:") || !colon || (slash && colon < slash))
		return xstrdup(s);
	return xstrndup(s, (size_t) (colon - s));
}

static bool name_match(char **want, json_t *ev)
{
	return fuzzy(want, json_get_str(json_object_get(ev, "Actor"), "ID")) ||
	       fuzzy(want, attr(ev, "name"));
}

static bool include(const struct filters *f, json_t *ev)
{
	const char *type = json_get_str(ev, "Type"), *action = json_get_str(ev, "Action");
	const char *id = json_get_str(json_object_get(ev, "Actor"), "ID");
	const char *image = attr(ev, streq(type ?: "", "image") ? "name" : "image");
	bool event_ok;

	/* health_status and exec_* without their ": ..." part match by prefix */
	if (strv_contains(f->event, "health_status") || strv_contains(f->event, "exec_create") ||
	    strv_contains(f->event, "exec_start"))
		event_ok = fuzzy(f->event, action);
	else
		event_ok = exact(f->event, action);
	if (!event_ok || !exact(f->type, type) || !exact(f->scope, json_get_str(ev, "scope")))
		return false;
	if ((f->container && (!streq(type ?: "", "container") || !name_match(f->container, ev))) ||
	    (f->volume && (!streq(type ?: "", "volume") || !name_match(f->volume, ev))) ||
	    (f->network && (!streq(type ?: "", "network") || !name_match(f->network, ev))))
		return false;
	if (f->image) {
		_cleanup_free_ char *a = strip_tag(id), *b = strip_tag(image ?: "");
		if (!exact(f->image, id) && !exact(f->image, image) && !exact(f->image, a) &&
		    !exact(f->image, b))
			return false;
	}
	return !f->label || cli_labels_match(f->label, json_object_get(json_object_get(ev, "Actor"),
								       "Attributes"));
}

static int filter_add(struct filters *f, const char *arg)
{
	_cleanup_free_ char *k = xstrdup(arg);
	char *v = strchr(k, '=');
	static const char *const ignored[] = {"daemon", "node",	  "plugin", "service",
					      "config", "secret", NULL};

	if (!v)
		return cli_usage_error("events",
				       "invalid argument \"%s\" for \"-f, --filter\" flag: "
				       "bad format of filter (expected name=value)",
				       arg);
	*v++ = '\0';
	if (streq(k, "type"))
		strv_push(&f->type, v);
	else if (streq(k, "event"))
		strv_push(&f->event, v);
	else if (streq(k, "container"))
		strv_push(&f->container, v);
	else if (streq(k, "image"))
		strv_push(&f->image, v);
	else if (streq(k, "volume"))
		strv_push(&f->volume, v);
	else if (streq(k, "network"))
		strv_push(&f->network, v);
	else if (streq(k, "label"))
		strv_push(&f->label, v);
	else if (streq(k, "scope"))
		strv_push(&f->scope, v);
	else {
		for (size_t i = 0; ignored[i]; i++)
			if (streq(k, ignored[i]))
				/* swarm's and the daemon's objects: hull emits none of them */
				return cli_usage_error(
					"events", "--filter %s: hull has no %s events to match", k,
					k);
		fprintf(stderr, "Error response from daemon: invalid filter '%s'\n", k);
		return 1;
	}
	return 0;
}

static void filters_release(struct filters *f)
{
	strv_free(f->type);
	strv_free(f->event);
	strv_free(f->container);
	strv_free(f->image);
	strv_free(f->volume);
	strv_free(f->network);
	strv_free(f->label);
	strv_free(f->scope);
}

/* ---- output ---- */

struct printer {
	const struct filters *f;
	struct tmpl *t;
	int rc;
};

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* jsonmessage.RFC3339NanoFixed in local time */
static void put_time(struct strbuf *o, int64_t ns)
{
	time_t sec = (time_t) (ns / 1000000000);
	struct tm tm;
	char buf[64];

	localtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	(void) strbuf_addf(o, "%s.%09lld", buf, (long long) (ns % 1000000000));
	if (tm.tm_gmtoff == 0)
		(void) strbuf_addch(o, 'Z');
	else
		(void) strbuf_addf(o, "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+',
				   labs(tm.tm_gmtoff) / 3600, labs(tm.tm_gmtoff) % 3600 / 60);
}

/*
 * @s into @o with control characters as \xNN: an image's labels and health
 * check and a container's exec arguments are in the text, and must not drive
 * the operator's terminal (docker prints them raw; --format and JSON are as
 * docker's).
 */
static void put_text(struct strbuf *o, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char) *s;
		if (c < 0x20 || c == 0x7f)
			(void) strbuf_addf(o, "\\x%02x", c);
		else
			(void) strbuf_addch(o, (char) c);
	}
}

static int print_event(json_t *ev, void *userdata)
{
	struct printer *p = userdata;
	_cleanup_strbuf_ struct strbuf o = STRBUF_INIT;

	if (!include(p->f, ev))
		return 0;
	if (p->t) {
		_cleanup_json_ json_t *m = message_of(ev);
		struct hull_err *e = NULL;

		if (tmpl_execute(p->t, m, &t_message, 0, NULL, &o, &e) < 0) {
			fprintf(stderr, "%s\n", e->msg);
			err_free(e);
			p->rc = 1;
			return 1;
		}
		(void) strbuf_addch(&o, '\n');
	} else {
		json_t *attrs = json_object_get(json_object_get(ev, "Actor"), "Attributes");
		size_t n = 0;
		_cleanup_free_ const char **keys = NULL;
		const char *k;
		json_t *v;

		put_time(&o, (int64_t) json_integer_value(json_object_get(ev, "timeNano")));
		(void) strbuf_addch(&o, ' ');
		put_text(&o, json_get_str(ev, "Type"));
		(void) strbuf_addch(&o, ' ');
		put_text(&o, json_get_str(ev, "Action"));
		(void) strbuf_addch(&o, ' ');
		put_text(&o, json_get_str(json_object_get(ev, "Actor"), "ID"));
		keys = xcalloc(json_object_size(attrs) + 1, sizeof(*keys));
		json_object_foreach (attrs, k, v)
			keys[n++] = k;
		qsort(keys, n, sizeof(*keys), cmp_strp);
		for (size_t i = 0; i < n; i++) {
			(void) strbuf_adds(&o, i ? ", " : " (");
			put_text(&o, keys[i]);
			(void) strbuf_addch(&o, '=');
			put_text(&o, json_get_str(attrs, keys[i]));
		}
		(void) strbuf_adds(&o, n ? ")\n" : "\n");
	}
	fputs(strbuf_cstr(&o), stdout);
	fflush(stdout);
	return 0;
}

/* seconds since the epoch as nanoseconds, clamped to what int64 holds (year 2262) */
static int64_t ts_ns(double ts)
{
	if (ts <= 0)
		return 0;
	if (ts >= (double) (INT64_MAX / 1000000000))
		return INT64_MAX;
	return (int64_t) (ts * 1e9);
}

const struct cli_command cli_events_command = {
	.name = "events",
	.usage = "[OPTIONS]",
	.description = "Get real time events from the server",
	.aliases = "hull system events, hull events",
};

int cmd_events(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **filter_args = NULL;
	const char *since = NULL, *until = NULL, *format = NULL;
	const struct cli_option options[] = {
		CLI_LIST('f', "filter", &filter_args, "filter",
			 "Filter output based on conditions provided"),
		CLI_STRING(0, "format", &format, NULL,
			   "Format output using a custom template: 'json', 'TEMPLATE'"),
		CLI_STRING(0, "since", &since, NULL, "Show all events created since timestamp"),
		CLI_STRING(0, "until", &until, NULL, "Stream events until this timestamp"),
		CLI_OPT_END,
	};
	_cleanup_tmpl_ struct tmpl *t = NULL;
	struct filters f = {0};
	struct printer p = {.f = &f};
	struct hull_err *e = NULL;
	double ts;
	int64_t since_ns, until_ns = 0;
	int r, ind;

	r = cli_parse(&cli_events_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	STRV_FOREACH (a, filter_args) {
		r = filter_add(&f, *a);
		if (r) {
			filters_release(&f);
			return r;
		}
	}
	/* without either bound, only what happens from now on (moby's SubscribeTopic) */
	since_ns = since || until ? 0 : events_now_ns();
	if (since) {
		if (cli_parse_time(since, &ts) < 0) {
			filters_release(&f);
			fprintf(stderr, "failed to parse value as time or duration: \"%s\"\n",
				since);
			return 1;
		}
		since_ns = ts_ns(ts);
	}
	if (until) {
		if (cli_parse_time(until, &ts) < 0) {
			filters_release(&f);
			fprintf(stderr, "failed to parse value as time or duration: \"%s\"\n",
				until);
			return 1;
		}
		until_ns = ts_ns(ts);
		if (until_ns < since_ns) {
			filters_release(&f);
			fprintf(stderr,
				"Error response from daemon: `since` time (%s) cannot be "
				"after `until` time (%s)\n",
				since, until);
			return 1;
		}
	}
	if (format && streq(format, "json"))
		format = "{{json .}}"; /* docker >= 23's shorthand */
	if (format && tmpl_parse(format, &t, &e) < 0) {
		filters_release(&f);
		fprintf(stderr, "%s\n", e->msg);
		err_free(e);
		return 1;
	}
	p.t = t;
	/* a reader gone away (| head) ends the stream quietly, as docker's */
	signal(SIGPIPE, SIG_DFL);
	r = events_for_each(cl->root, since_ns, until_ns, !until || until_ns > events_now_ns(),
			    print_event, &p);
	filters_release(&f);
	if (r < 0) {
		err_set(&e, -r, "read the event journal of %s", cl->root);
		return cli_fail(e);
	}
	return p.rc;
}
