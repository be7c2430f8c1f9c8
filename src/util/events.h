/* SPDX-License-Identifier: MIT */
/*
 * The store's event journal: what `docker events` streams from the daemon,
 * kept daemonless as an append-only file that every hull command writes to
 * and `hull events` reads and follows (docs/internals/events.md).
 *
 * <root>/events.log holds one JSON object a line, moby's events.Message as
 * its JSON encoder writes it (api/types/events: status, id, from, Type,
 * Action, Actor {ID, Attributes}, scope, time, timeNano). A line is written
 * with one write(2) on an O_APPEND descriptor, so concurrent writers never
 * interleave their lines. Past EVENTS_MAX_BYTES the file is renamed to
 * events.log.1 (replacing the older one) under an flock of the journal, so
 * about two files' worth of history is kept, as docker keeps a bounded
 * number of events in memory.
 */
#ifndef HULL_UTIL_EVENTS_H
#define HULL_UTIL_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define EVENTS_MAX_BYTES (4u << 20)

/*
 * events_emit() - append the event @type ("container", "image", "volume",
 * "network"), @action ("create", "die", "tag"...), of the object @id to the
 * journal of the store at @root, stamped now. @attrs (stolen; NULL for none)
 * is the Actor's Attributes, an object of strings. For container and image
 * events, as moby does, the legacy fields are set too: status (@action), id
 * (@id) and, for containers, from (the "image" attribute).
 *
 * Best effort: an event that cannot be written (a read-only store, a full
 * disk) is dropped silently; it never fails the command that caused it.
 * No lock needed (O_APPEND); rotation takes the journal's flock briefly.
 */
void events_emit(const char *root, const char *type, const char *action, const char *id,
		 json_t *attrs);

/*
 * events_for_each() - call @fn for each event of the journal at @root whose
 * timeNano is in [@since_ns, @until_ns) (@until_ns 0: no bound), oldest
 * first, from events.log.1 then events.log. With @follow, keep reading what
 * is appended (across rotations) until @until_ns passes or @fn returns
 * non-zero; otherwise stop at the journal's end. Lines that are not JSON
 * objects (a torn last line after a crash) are skipped. @fn gets each event
 * (borrowed) and @userdata; a non-zero return stops the walk and is returned.
 * Returns 0, a negative errno of reading the journal, or @fn's value. A
 * journal that does not exist yet is empty.
 */
int events_for_each(const char *root, int64_t since_ns, int64_t until_ns, bool follow,
		    int (*fn)(json_t *ev, void *userdata), void *userdata);

/* events_now_ns() - the current time, nanoseconds since the epoch (CLOCK_REALTIME). */
int64_t events_now_ns(void);

#endif
