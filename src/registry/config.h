/* SPDX-License-Identifier: MIT */
/*
 * Registry configuration: one JSON file, /etc/hull/registries.json (the
 * environment variable HULL_REGISTRIES_CONFIG names another; a missing
 * file is an empty configuration). Its keys are docker's daemon.json ones
 * plus "mirrors" for any registry, which docker cannot do:
 *
 *   {
 *     "registry-mirrors": ["https://mirror.example"],   (docker.io only, docker's key)
 *     "insecure-registries": ["myreg:5000", "10.0.0.0/8"],
 *     "mirrors": { "ghcr.io": ["http://127.0.0.1:5001"] }
 *   }
 *
 * Unknown keys are refused with a message naming the file and the key, so
 * that a typo does not silently mean "no mirror". docs/registry.md
 * documents the file.
 */
#ifndef HULL_REGISTRY_CONFIG_H
#define HULL_REGISTRY_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include "registry/registry.h"
#include "util/err.h"

struct reg_config;

/*
 * reg_config_load() - read the configuration (see above). A malformed file,
 * a mirror that is not an http(s) URL, or an insecure-registries entry that
 * is neither HOST[:PORT] nor a CIDR fails with -EINVAL naming the file and
 * entry. *@ret is freed with reg_config_free().
 */
int reg_config_load(struct reg_config **ret, struct hull_err **err);
/* reg_config_free() - free; accepts NULL; returns NULL. */
struct reg_config *reg_config_free(struct reg_config *cfg);
static inline void reg_config_freep(struct reg_config **p)
{
	reg_config_free(*p);
}

/*
 * reg_config_describe() - @cfg as docker's `info` shows its registry
 * configuration (moby api/types/registry ServiceConfig): InsecureRegistryCIDRs
 * (127.0.0.0/8 and ::1/128 always), IndexConfigs by domain (docker.io official
 * and secure, each configured insecure host and each registry with mirrors,
 * the latter hull's addition) and Mirrors (docker.io's). A new reference;
 * no I/O, no lock (the insecure state of a mirrored domain that is a name may
 * resolve it, as the pull's own rule does).
 */
json_t *reg_config_describe(const struct reg_config *cfg);

/*
 * reg_endpoints() - where to go for the registry @domain ("docker.io",
 * "localhost:5000", as image/reference.h gives it), in order: for a pull
 * (@push false), each configured mirror of @domain (marked mirror), then
 * the registry itself; for a push only the registry. docker.io means
 * https://registry-1.docker.io (moby registry.DefaultV2Registry).
 * Each endpoint is insecure when its host is listed in insecure-registries,
 * or its address is in a listed CIDR or in 127.0.0.0/8 or ::1 (moby
 * registry.isSecureIndex, which resolves the host name); then its URL is
 * https:// and the client falls back to http:// (an http:// mirror URL is
 * used as written). Returns a NULL-terminated array; free with
 * reg_endpoints_free().
 */
int reg_endpoints(const struct reg_config *cfg, const char *domain, bool push,
		  struct reg_endpoint ***ret, struct hull_err **err);
/* reg_endpoints_free() - free an array from reg_endpoints(); accepts NULL. */
void reg_endpoints_free(struct reg_endpoint **eps);

#endif
