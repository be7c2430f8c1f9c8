/* SPDX-License-Identifier: MIT */
/*
 * jansson helpers: cleanup, bounded loading, atomic dumping, and string-array
 * conversion that keeps docker's null / [] distinction.
 */
#ifndef HULL_UTIL_JSON_H
#define HULL_UTIL_JSON_H

#include <jansson.h>
#include "err.h"

/* jansson >= 2.9 provides json_decrefp(); it accepts a NULL pointer. */
#define _cleanup_json_ _cleanup_(json_decrefp)

/* json_load_path() - parse the JSON file @path (at most @max bytes); *@ret owned by caller. */
int json_load_path(const char *path, size_t max, json_t **ret, struct hull_err **err);
/* json_load_buf() - parse @len bytes; @what names the input in errors. */
int json_load_buf(const char *data, size_t len, const char *what, json_t **ret,
		  struct hull_err **err);
/* json_dump_path() - write @j to @path atomically (sorted keys, compact). */
int json_dump_path(const json_t *j, const char *path, struct hull_err **err);
/* json_dump_str() - compact dump with keys in insertion order; caller frees. */
char *json_dump_str(const json_t *j, size_t flags);
/*
 * json_to_strv() - convert a JSON array of strings to a vector.
 * null or absent gives NULL with success; [] gives an empty vector.
 * Returns -EINVAL if @j is neither null nor an array of strings.
 */
int json_to_strv(const json_t *j, char ***ret);
/*
 * json_from_strv() - NULL gives json null, else an array of strings (new reference), each
 * made with json_string_lossy(): none is dropped.
 */
json_t *json_from_strv(char *const *l);
/*
 * utf8_lossy() - a copy of @s (a new string) in which each byte that does not begin a valid
 * UTF-8 sequence is replaced by U+FFFD, as Go's encoding/json writes a string (so docker's
 * client sends a command line's bytes to the daemon). Valid text comes back unchanged.
 */
char *utf8_lossy(const char *s);
/*
 * json_string_lossy() - json_string() of utf8_lossy(@s): jansson refuses text that is not
 * UTF-8 (json_string() returns NULL, and json_pack() or an append then drops or fails), so
 * every string from a command line or a file a container controls goes through this. A new
 * reference; never NULL but for a NULL @s (json null then).
 */
json_t *json_string_lossy(const char *s);
/* json_get_str() - the string at @key of object @o, or NULL (borrowed). */
const char *json_get_str(const json_t *o, const char *key);
/*
 * json_rebase() - a three-way merge of objects, done in @mine: @mine and
 * @theirs are two writers' changes of @base (NULL: an empty object). A
 * member that @mine left as in @base takes @theirs's value, or goes if
 * @theirs removed it; a member @mine changed (or removed) keeps @mine's.
 * Where both sides hold an object the merge goes on member by member, so
 * only a member both changed is decided, for @mine. Arrays and scalars are
 * whole values. Values taken from @theirs are shared (referenced), @base is
 * only read. An object member of @mine stays the same json_t, so borrowed
 * pointers to it stay valid, unless @theirs replaced it by a non-object.
 * Used by container_save() (container/container.h) to keep what another
 * process wrote to a record since it was read.
 */
void json_rebase(json_t *mine, const json_t *base, const json_t *theirs);

#endif
