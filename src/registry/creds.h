/* SPDX-License-Identifier: MIT */
/*
 * Registry credentials in docker's client configuration, so that `hull
 * login` and `docker login` share them (docker/cli cli/config):
 * $DOCKER_CONFIG/config.json, else ~/.docker/config.json (HOME from the
 * environment, else the passwd entry).
 *
 *   "auths": { "HOST": { "auth": base64("user:password") } }
 *   "credsStore": "NAME"            all registries through docker-credential-NAME
 *   "credHelpers": { "HOST": "NAME" }   one registry through a helper
 *
 * A helper is the program docker-credential-NAME on PATH, called as docker
 * calls it (docker-credential-helpers client): `get` with the server URL
 * on stdin answering {"Username":..,"Secret":..}; `store` with
 * {"ServerURL":..,"Username":..,"Secret":..}; `erase` with the URL.
 * "credentials not found in native keychain" from `get` means none.
 *
 * Docker Hub's key is "https://index.docker.io/v1/" (moby
 * registry.IndexServer); every other registry's is HOST[:PORT].
 * Other keys of config.json are kept as they are when it is rewritten
 * (atomically, mode 0600). A password is never printed or logged.
 */
#ifndef HULL_REGISTRY_CREDS_H
#define HULL_REGISTRY_CREDS_H

#include "util/err.h"

/* creds_key() - the config.json key for registry host @host ("docker.io" or an endpoint host);
 * caller frees. */
char *creds_key(const char *host);

/*
 * creds_get() - the stored user and password (or identity token) for
 * @host. 0 with both set (caller frees), -ENOENT when none are stored, or
 * -EINVAL for an unreadable config.json / a failing helper (message names
 * the file or helper, never the secret).
 */
int creds_get(const char *host, char **ret_user, char **ret_password, struct hull_err **err);
/* creds_store() - store @user/@password for @host (in the helper if one is configured). */
int creds_store(const char *host, const char *user, const char *password, struct hull_err **err);
/* creds_erase() - remove @host's credentials; -ENOENT when there were none ("Not logged in to
 * HOST"). */
int creds_erase(const char *host, struct hull_err **err);

#endif
