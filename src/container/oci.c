/* SPDX-License-Identifier: MIT */
/*
 * What container/ hands the runtime in the OCI runtime spec's own words (config.md
 * "Process"): the runtime parses it as it parses a bundle's (rt_bundle_from_process()).
 */
#include <ctype.h>
#include <sys/capability.h>
#include "container/internal.h"
#include "util/json.h"

/* The OCI names ("CAP_CHOWN") of the capabilities in @mask, as a JSON array. */
static json_t *cap_names(uint64_t mask)
{
	json_t *a = json_array();

	for (int v = 0; v < 64; v++) {
		char *name;

		if (!(mask & (1ULL << v)))
			continue;
		name = cap_to_name((cap_value_t) v);
		if (!name)
			continue;
		for (char *p = name; *p; p++)
			*p = (char) toupper((unsigned char) *p);
		json_array_append_new(a, json_string(name));
		cap_free(name);
	}
	return a;
}

json_t *container_oci_process(const struct container_oci_process *p)
{
	json_t *gids = json_array(), *caps = cap_names(p->caps);
	json_t *o;

	for (size_t i = 0; i < p->n_groups; i++)
		json_array_append_new(gids, json_integer(p->groups[i]));
	/* docker's: bounding, effective and permitted alike; inheritable and ambient empty
	 * (CVE-2022-24769) */
	/* text that is not UTF-8 becomes U+FFFD, as docker's API carries it (never dropped) */
	o = json_pack("{s:b,s:{s:I,s:I,s:o},s:o,s:o,s:o,s:{s:O,s:O,s:o},s:b}", "terminal",
		      p->terminal, "user", "uid", (json_int_t) p->uid, "gid", (json_int_t) p->gid,
		      "additionalGids", gids, "args", json_from_strv(p->args), "env",
		      p->env ? json_from_strv(p->env) : json_array(), "cwd",
		      json_string_lossy(p->cwd), "capabilities", "bounding", caps, "effective",
		      caps, "permitted", caps, "noNewPrivileges", p->no_new_privs);
	if (!o)
		abort(); /* only out of memory: every value above has its type */
	if (json_array_size(p->rlimits))
		json_object_set(o, "rlimits", p->rlimits);
	return o;
}
