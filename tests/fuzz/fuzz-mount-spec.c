/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the `run --mount` and `run -v` value parsers
 * (container/volume.c, mount_spec_parse_mount() and
 * mount_spec_parse_volume(); docker/cli opts/mount.go, moby
 * volume/mounts/linux_parser.go). Byte 0 picks the parser (bit 0 set: -v,
 * clear: --mount); the rest is the value, a C string as argv gives it.
 *
 * Every call must fail with a message, or give a mount docker would accept:
 * a known type, an absolute target that is not "/", an absolute source for
 * a bind (with its propagation), none for a tmpfs. The result is released
 * either way, as container_mounts_add() does. A parsed --mount written back
 * as "type=T,source=S,target=D[,readonly][,bind-propagation=P]" parses to
 * the same mount. Parsing stats a bind's source and reads the current
 * directory; it writes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "container/container.h"
#include "container/internal.h"
#include "util/inroot.h"
#include "fuzz-check.h"

#define FUZZ_INPUT_MAX 4096

static bool valid_propagation(const char *p)
{
	static const char *const ok[] = {"private", "rprivate", "slave",
					 "rslave",  "shared",	"rshared"};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (streq(p, ok[i]))
			return true;
	return false;
}

static void check_mount(const struct mount_spec *m)
{
	_cleanup_free_ char *clean = NULL;

	FUZZ_CHECK(m->type && m->target && m->mode && m->propagation);
	FUZZ_CHECK(streq(m->type, "bind") || streq(m->type, "volume") || streq(m->type, "tmpfs"));
	FUZZ_CHECK(m->target[0] == '/');
	FUZZ_CHECK(inroot_clean(m->target, false, &clean) == 0 && *clean);
	if (streq(m->type, "bind")) {
		FUZZ_CHECK(m->source && m->source[0] == '/');
		FUZZ_CHECK(valid_propagation(m->propagation));
	} else {
		FUZZ_CHECK(!*m->propagation);
	}
	if (streq(m->type, "tmpfs"))
		FUZZ_CHECK(!m->source);
}

/* A parsed --mount written back with the keys that carry it parses the same. */
static void check_round_trip(const struct mount_spec *m)
{
	_cleanup_free_ char *spec = NULL;
	struct hull_err *e = NULL;
	struct mount_spec again;
	int r;

	/* a ',' in a value cannot be written back in this simple form */
	if ((m->source && strchr(m->source, ',')) || strchr(m->target, ','))
		return;
	spec = xasprintf("type=%s%s%s,target=%s%s%s%s", m->type, m->source ? ",source=" : "",
			 m->source ?: "", m->target, m->readonly ? ",readonly" : "",
			 streq(m->type, "bind") ? ",bind-propagation=" : "",
			 streq(m->type, "bind") ? m->propagation : "");
	r = mount_spec_parse_mount(spec, &again, &e);
	if (r < 0)
		fprintf(stderr, "'%s': %s\n", spec, e->msg);
	FUZZ_CHECK(r == 0);
	FUZZ_CHECK(streq(again.type, m->type));
	FUZZ_CHECK(streq(again.target, m->target));
	FUZZ_CHECK(!again.source == !m->source);
	FUZZ_CHECK(!m->source || streq(again.source, m->source));
	FUZZ_CHECK(again.readonly == m->readonly);
	FUZZ_CHECK(streq(again.propagation, m->propagation));
	mount_spec_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *spec = NULL;
	struct hull_err *e = NULL;
	struct mount_spec m;
	bool volume_flag;
	int r;

	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	volume_flag = data[0] & 1;
	spec = xstrndup((const char *) data + 1, size - 1);
	/* garbage first: the parser must set every field, even when it fails */
	memset(&m, 0xa5, sizeof(m));
	if (volume_flag)
		r = mount_spec_parse_volume(spec, &m, &e);
	else
		r = mount_spec_parse_mount(spec, &m, &e);
	if (r < 0) {
		FUZZ_CHECK(e && e->msg && *e->msg);
		e = err_free(e);
	} else {
		FUZZ_CHECK(r == 0 && !e);
		check_mount(&m);
		if (!volume_flag)
			check_round_trip(&m);
	}
	mount_spec_release(&m);
	return 0;
}
