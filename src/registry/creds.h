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

/*
 * creds_key() - the config.json key for the registry @host: a domain
 * ("docker.io", "localhost:5000"), an endpoint host
 * ("registry-1.docker.io") or a URL ("https://h:5000/v2/", reduced to
 * "h:5000" as docker/cli credentials.ConvertToHostname does). docker.io,
 * index.docker.io and registry-1.docker.io give Docker Hub's key. Caller
 * frees.
 */
char *creds_key(const char *host);

/*
 * creds_config_path() - the config.json in use: $DOCKER_CONFIG/config.json,
 * else $HOME/.docker/config.json, else the passwd entry's home (docker/cli
 * cli/config.Dir). Caller frees.
 */
char *creds_config_path(void);

/*
 * creds_get() - the stored user and password for @host (creds_key()). 0
 * with both set (caller frees), -ENOENT when none are stored, or -EINVAL
 * for an unreadable config.json / a failing helper (the message names the
 * file or helper, never the secret). An identity token (a helper's
 * "<token>" user, or the file's "identitytoken") comes back as the user
 * "<token>" and the token as the password; registry/client.c then uses the
 * OAuth2 refresh-token grant. Without a helper, a key missing from "auths"
 * matches an entry whose key has the same host name ("https://h/v1/" for
 * "h"), as docker/cli's file store does. Runs a helper process; safe from
 * several threads (no shared state).
 */
int creds_get(const char *host, char **ret_user, char **ret_password, struct hull_err **err);

/*
 * creds_store() - store @user/@password for @host: through the helper if
 * one is configured (and an empty "auths" entry in config.json, as docker
 * leaves), else as base64 in "auths". The file is rewritten atomically,
 * mode 0600, other keys kept; unchanged credentials leave it untouched.
 * Returns 1 when the password was just written into config.json (docker
 * then warns that it is stored unencrypted), 0 when a helper took it or
 * nothing changed; -EINVAL/-errno with the file or helper named.
 */
int creds_store(const char *host, const char *user, const char *password, struct hull_err **err);

/*
 * creds_erase() - remove @host's credentials: from the helper if one is
 * configured, and from "auths" under the key and its older "http://KEY"
 * and "https://KEY" forms (docker/cli logout.go). -ENOENT when nothing was
 * stored anywhere; other errors name the file or helper.
 */
int creds_erase(const char *host, struct hull_err **err);

#endif
