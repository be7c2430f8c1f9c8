/* SPDX-License-Identifier: MIT */
#include "util/filter.h"
#include "util/json.h"
#include "util/strv.h"

bool labels_match(char *const *want, json_t *labels)
{
	STRV_FOREACH (w, (char **) want) {
		_cleanup_free_ char *key = xstrdup(*w);
		char *eq = strchr(key, '=');
		const char *have;

		if (eq)
			*eq++ = '\0';
		have = json_get_str(labels, key);
		if (!have || (eq && !streq(have, eq)))
			return false;
	}
	return true;
}

bool prune_filter_match(const struct prune_filter *f, json_t *labels, double created)
{
	if (!f)
		return true;
	if (f->has_until && (created <= 0 || created > f->until))
		return false;
	if (f->labels && !labels_match(f->labels, labels))
		return false;
	/* label!: moby's matchLabels drops what matches all of them (MatchKVList) */
	if (f->not_labels && labels_match(f->not_labels, labels))
		return false;
	return true;
}

void prune_filter_release(struct prune_filter *f)
{
	if (!f)
		return;
	f->labels = strv_free(f->labels);
	f->not_labels = strv_free(f->not_labels);
}
