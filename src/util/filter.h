/* SPDX-License-Identifier: MIT */
/*
 * The filters of docker's prune commands (moby daemon/prune.go,
 * volume/service/service.go): until, label and label! over an object's
 * labels and creation time. The CLI parses the --filter values
 * (cli_prune_filter_parse()); the engine's prune functions match with them.
 */
#ifndef HULL_UTIL_FILTER_H
#define HULL_UTIL_FILTER_H

#include <jansson.h>
#include <stdbool.h>

struct prune_filter {
	bool has_until;	   /* an until filter was given (its time may be 0 or before it) */
	double until;	   /* Unix seconds: only what was created before */
	char **labels;	   /* label=KEY or label=KEY=VALUE: every one must match */
	char **not_labels; /* label!=...: what matches all of them is kept (moby matchLabels) */
};

/*
 * labels_match() - every entry of @want ("KEY" or "KEY=VALUE") is a key of
 * @labels (an object of strings; NULL is empty) with that value if given
 * (moby's filters.Args MatchKVList). Pure.
 */
bool labels_match(char *const *want, json_t *labels);

/*
 * prune_filter_match() - whether an object with @labels and the creation time
 * @created (Unix seconds; 0 or less: unknown, which fails an until filter, as
 * moby's zero time does) passes @f; NULL passes everything. Pure.
 */
bool prune_filter_match(const struct prune_filter *f, json_t *labels, double created);

/* prune_filter_release() - free the lists of @f (not @f); accepts NULL. */
void prune_filter_release(struct prune_filter *f);

#endif
