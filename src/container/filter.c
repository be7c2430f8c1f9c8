/* SPDX-License-Identifier: MIT */
/* ps --filter: parse once, match each container (container/filter.h). */
#include <stdio.h>
#include "container/filter.h"
#include "util/filter.h"
#include "util/json.h"
#include "util/strv.h"

/* the keys as typed, in enum container_filter_key's order */
static const char *const filter_keys[_CONTAINER_FILTER_MAX] = {
	[CONTAINER_FILTER_STATUS] = "status",
	[CONTAINER_FILTER_NAME] = "name",
	[CONTAINER_FILTER_ANCESTOR] = "ancestor",
	[CONTAINER_FILTER_LABEL] = "label",
	[CONTAINER_FILTER_ID] = "id",
	[CONTAINER_FILTER_EXITED] = "exited",
	[CONTAINER_FILTER_HEALTH] = "health",
	[CONTAINER_FILTER_BEFORE] = "before",
	[CONTAINER_FILTER_SINCE] = "since",
};

static bool one_of(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v, set[i]))
			return true;
	return false;
}

int container_filter_add(struct container_filter *f, const char *arg, struct hull_err **err)
{
	static const char *const statuses[] = {"created", "restarting", "running", "removing",
					       "paused",  "exited",	"dead"};
	static const char *const healths[] = {"starting", "healthy", "unhealthy", "none"};
	size_t klen = strcspn(arg, "=");
	const char *v = arg + klen + 1;
	int k;

	for (k = 0; k < _CONTAINER_FILTER_MAX; k++)
		if (arg[klen] == '=' && strlen(filter_keys[k]) == klen &&
		    strncmp(arg, filter_keys[k], klen) == 0)
			break;
	if (k == _CONTAINER_FILTER_MAX)
		return err_setx(err, EINVAL, "invalid filter '%.*s'", (int) klen, arg);
	if (k == CONTAINER_FILTER_STATUS && !one_of(v, statuses, ARRAY_SIZE(statuses)))
		return err_setx(err, EINVAL,
				"invalid filter 'status=%s': must be one of created, restarting, "
				"running, removing, paused, exited, dead",
				v);
	/* moby daemon/list.go */
	if (k == CONTAINER_FILTER_HEALTH && !one_of(v, healths, ARRAY_SIZE(healths)))
		return err_setx(err, EINVAL, "Unrecognised filter value for health: %s", v);
	strv_push(&f->values[k], v);
	return 0;
}

bool container_filter_all(const struct container_filter *f)
{
	return f->values[CONTAINER_FILTER_STATUS] != NULL;
}

/* @name_or_id among @list, as container_load() finds it in the store */
static int find_in(struct container *const *list, const char *name_or_id, struct container **ret,
		   struct hull_err **err)
{
	const char *want = name_or_id[0] == '/' ? name_or_id + 1 : name_or_id;
	struct container *match = NULL;

	for (size_t i = 0; list[i]; i++)
		if (streq(list[i]->id, want)) {
			*ret = list[i];
			return 0;
		}
	for (size_t i = 0; list[i]; i++) {
		const char *name = json_get_str(list[i]->rec, "Name");
		if (name && streq(name + (name[0] == '/'), want)) {
			*ret = list[i];
			return 0;
		}
	}
	if (*want)
		for (size_t i = 0; list[i]; i++) {
			if (!startswith(list[i]->id, want))
				continue;
			if (match)
				return err_setx(err, EINVAL,
						"multiple IDs found with provided prefix: %s",
						want);
			match = list[i];
		}
	if (!match)
		return err_setx(err, ENOENT, "No such container: %s", name_or_id);
	*ret = match;
	return 0;
}

int container_filter_resolve(struct container_filter *f, struct container *const *list,
			     struct hull_err **err)
{
	static const enum container_filter_key keys[] = {CONTAINER_FILTER_BEFORE,
							 CONTAINER_FILTER_SINCE};
	double t[2] = {0, 0};

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		STRV_FOREACH (v, f->values[keys[k]]) {
			struct container *c = NULL;
			int r = find_in(list, *v, &c, err);
			if (r < 0)
				return r;
			t[k] = time_parse_rfc3339(json_get_str(c->rec, "Created"));
		}
	f->has_before = f->values[CONTAINER_FILTER_BEFORE] != NULL;
	f->before = t[0];
	f->has_since = f->values[CONTAINER_FILTER_SINCE] != NULL;
	f->since = t[1];
	return 0;
}

const char *container_ps_state(struct container *c)
{
	json_t *st = json_object_get(c->rec, "State");
	const char *status = json_get_str(st, "Status");

	if (json_is_true(json_object_get(st, "Restarting")))
		return "restarting";
	/* an exit its monitor has not recorded yet: still up, as in docker's daemon */
	if (container_is_running(c) || container_exit_pending(c))
		return "running";
	if (streq(status, "exited") || streq(status, "running"))
		return "exited";
	return "created";
}

static bool match_value(enum container_filter_key k, const char *v, struct store *s,
			struct container *c, const char *state)
{
	json_t *cfg = json_object_get(c->rec, "Config");

	switch (k) {
	case CONTAINER_FILTER_STATUS:
		return streq(state, v);
	case CONTAINER_FILTER_NAME:
		return strstr(json_get_str(c->rec, "Name") ?: "", v) != NULL;
	case CONTAINER_FILTER_ANCESTOR: {
		_cleanup_image_ struct image *img = NULL;
		if (streq(json_get_str(cfg, "Image"), v))
			return true;
		return s && store_image_get(s, v, &img, NULL) == 0 &&
		       streq(img->id, json_get_str(c->rec, "Image"));
	}
	case CONTAINER_FILTER_LABEL: {
		char *const want[] = {(char *) v, NULL};
		return labels_match(want, json_object_get(cfg, "Labels"));
	}
	case CONTAINER_FILTER_ID:
		return startswith(c->id, v);
	case CONTAINER_FILTER_EXITED: {
		char buf[32];
		snprintf(buf, sizeof(buf), "%lld",
			 (long long) json_integer_value(
				 json_object_get(json_object_get(c->rec, "State"), "ExitCode")));
		return streq(buf, v) && streq(state, "exited");
	}
	case CONTAINER_FILTER_HEALTH:
		/* moby's snapshot: the health status, "none" without a check */
		return streq(container_health_status(c->rec) ?: "none", v);
	default:
		return false;
	}
}

bool container_filter_match(const struct container_filter *f, struct store *s, struct container *c,
			    const char *state)
{
	double created;

	if (!state)
		state = container_ps_state(c);
	for (int k = 0; k < CONTAINER_FILTER_BEFORE; k++) {
		bool ok = false;
		STRV_FOREACH (v, f->values[k])
			if (match_value(k, *v, s, c, state)) {
				ok = true;
				break;
			}
		if (f->values[k] && !ok)
			return false;
	}
	if (!f->has_before && !f->has_since)
		return true;
	created = time_parse_rfc3339(json_get_str(c->rec, "Created"));
	if (created <= 0)
		return false;
	if (f->has_before && !(created < f->before))
		return false;
	if (f->has_since && !(created > f->since))
		return false;
	return true;
}

void container_filter_release(struct container_filter *f)
{
	if (!f)
		return;
	for (size_t k = 0; k < _CONTAINER_FILTER_MAX; k++)
		f->values[k] = strv_free(f->values[k]);
}
