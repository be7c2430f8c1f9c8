/* SPDX-License-Identifier: MIT */
/*
 * Volumes and a container's mounts (moby volume/local, volume/mounts
 * linux_parser.go, daemon/volumes.go). A named volume is
 * <root>/volumes/<name>/_data plus <root>/volumes/<name>/volume.json, the
 * record `volume inspect` shows (Name, Driver "local", Mountpoint, CreatedAt,
 * Labels, Scope "local", Options). Anonymous volumes have 64-hex names and
 * the label com.docker.volume.anonymous.
 *
 * Functions return 0 or a negative errno with *err set (util/err.h).
 */
#ifndef HULL_CONTAINER_VOLUME_H
#define HULL_CONTAINER_VOLUME_H

#include "util/filter.h"
#include <jansson.h>
#include <stdbool.h>
#include "container/container.h"
#include "image/store.h"
#include "runtime/runtime.h"

/*
 * volume_create() - create the local volume @name (NULL: an anonymous one)
 * with @labels and the local driver's options @opts (`volume create -o`,
 * `--mount volume-opt=`; borrowed objects of strings, may be NULL); an
 * existing volume of that name is returned as is, as docker does. The
 * options are kept in the record's "Options" (keys sorted, as docker shows
 * them) and decide how containers mount the volume (container_mounts_add()):
 * "type=tmpfs" (+ "device", "o=size=10m,uid=1000...") a new tmpfs at each
 * start, "o=bind" (+ "type", an absolute "device") the host directory
 * "device", whose files hull never deletes (when it is empty a container
 * still gets the image's content copied into it, as docker's do). *@ret is
 * the record (new reference).
 * Errors (-EINVAL unless said, "create NAME: " first): an invalid name;
 * docker's option checks: `invalid option: "KEY"` for a key other than
 * type, o, device, size; `missing required option: "device"` (or "type");
 * `quota size requested but no quota support` for a size; and hull's
 * refusals of what it does not mount: `volume type "nfs" is not supported:
 * ...` (-EOPNOTSUPP), `bind device "x" must be an absolute path`.
 */
int volume_create(struct store *s, const char *name, json_t *labels, json_t *opts, json_t **ret,
		  struct hull_err **err);
/* volume_get() - the record of @name; -ENOENT "get NAME: no such volume". */
int volume_get(struct store *s, const char *name, json_t **ret, struct hull_err **err);
/* volume_list() - every volume record, sorted by name (new array). */
int volume_list(struct store *s, json_t **ret, struct hull_err **err);
/* volume_in_use() - whether a container (any state) names the volume @name (docker's
 * "dangling=false"). */
bool volume_in_use(struct store *s, const char *name);
/*
 * volume_remove() - delete @name and its data. A volume that a container
 * uses fails (-EBUSY "remove NAME: volume is in use - [ID]") unless @force.
 * The host directory of an "o=bind" volume is never touched: nothing is
 * mounted on the volume's own directory.
 */
int volume_remove(struct store *s, const char *name, bool force, struct hull_err **err);
/*
 * volume_prune() - remove the volumes no container uses: anonymous ones only,
 * or all with @all (docker >= 23), and of those the ones whose Labels pass @f
 * (NULL: all; its until is not used, as moby's VolumesPrune refuses it).
 * *@ret_names lists them (strv), and *@ret_bytes the space freed.
 */
int volume_prune(struct store *s, bool all, const struct prune_filter *f, char ***ret_names,
		 int64_t *ret_bytes, struct hull_err **err);

/*
 * container_mounts_add() - the mounts of a new container: parse @volumes
 * (-v [SRC:]DST[:OPTS]) and @mounts (--mount type=...,...), take every mount
 * of each container of @volumes_from (--volumes-from CONTAINER[:MODE]) at a
 * target those two leave free, add an anonymous volume for each image VOLUME
 * not covered, create the volumes, and record docker's Mounts,
 * HostConfig.Binds and HostConfig.Mounts in @c (not saved). Errors name the
 * flag value, as docker's: "invalid mode: x", "invalid mount config for type
 * \"bind\": bind source path does not exist: /x", "Duplicate mount point:
 * /x", "No such container: x"...
 */
int container_mounts_add(struct store *s, struct container *c, const struct image *img,
			 char *const *volumes, char *const *mounts, char *const *volumes_from,
			 struct hull_err **err);

/*
 * container_rt_mounts() - the runtime mounts of @c, parents first, and copy
 * the image's content into empty volumes that ask for it (docker's
 * copyExistingContents). A bind volume whose host directory is missing
 * fails in docker's words: "error while mounting volume '.../_data': failed
 * to mount local volume: mount DEV:.../_data, flags: 0x1000: no such file or
 * directory". *@ret is freed with rt_mounts_free().
 */
int container_rt_mounts(struct store *s, struct container *c, struct rt_mount **ret, size_t *ret_n,
			struct hull_err **err);
void rt_mounts_free(struct rt_mount *m, size_t n);

/* container_volumes_remove() - remove the anonymous volumes of @c (rm -v). */
void container_volumes_remove(struct store *s, struct container *c);

#endif
