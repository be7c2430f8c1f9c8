/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <sys/utsname.h>
#include "registry/manifest.h"
#include "registry/registry.h"
#include "util/json.h"
#include "util/strv.h"

#define MAX_LAYERS	    500
#define MAX_INDEX_ENTRIES   1000
#define IMAGE_CONFIG_MAX    (8u << 20)
#define MT_DOCKER_FOREIGN   "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define MT_OCI_NONDIST_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"

static const char *const layer_types[] = {
	MT_DOCKER_LAYER_GZIP,
	/* docker's uncompressed layer (moby schema2.MediaTypeUncompressedLayer):
	 * skopeo --format v2s2 of an uncompressed image writes it */
	"application/vnd.docker.image.rootfs.diff.tar",
	MT_OCI_LAYER,
	MT_OCI_LAYER_GZIP,
	MT_OCI_LAYER_ZSTD,
	MT_DOCKER_FOREIGN,
	MT_OCI_NONDIST_GZIP,
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	NULL,
};

static void platform_free_strings(struct platform *p)
{
	free(p->os);
	free(p->arch);
	free(p->variant);
	*p = (struct platform){0};
}

void platform_release(struct platform *p)
{
	platform_free_strings(p);
}

struct manifest *manifest_free(struct manifest *m)
{
	if (!m)
		return NULL;
	free(m->media_type);
	free(m->config.media_type);
	for (size_t i = 0; i < m->n_entries; i++) {
		free(m->entries[i].media_type);
		platform_free_strings(&m->entries[i].platform);
	}
	free(m->entries);
	free(m);
	return NULL;
}

static void manifest_freep(struct manifest **m)
{
	manifest_free(*m);
}

static int parse_descriptor(const json_t *j, const char *what, const char *field,
			    struct descriptor *d, struct hull_err **err)
{
	const char *mt = json_get_str(j, "mediaType");
	const char *dg = json_get_str(j, "digest");
	json_t *size = json_object_get(j, "size");

	if (!json_is_object(j))
		return err_setx(err, EBADMSG, "%s: %s is not an object", what, field);
	if (!dg || !digest_valid(dg))
		return err_setx(err, EBADMSG, "%s: %s has an invalid digest", what, field);
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return err_setx(err, EBADMSG, "%s: %s has an invalid size", what, field);
	if (!mt || !*mt)
		return err_setx(err, EBADMSG, "%s: %s has no mediaType", what, field);
	d->media_type = xstrdup(mt);
	memcpy(d->digest, dg, DIGEST_STR_LEN);
	d->size = json_integer_value(size);
	return 0;
}

static bool generic_type(const char *mt)
{
	return !mt || !*mt || !strncmp(mt, "application/json", 16) ||
	       !strncmp(mt, "text/plain", 10) || !strncmp(mt, "application/octet-stream", 24);
}

static int media_type_of(const json_t *doc, const char *served, const char *what, char **ret,
			 struct hull_err **err)
{
	const char *body = json_get_str(doc, "mediaType");
	const char *mt;

	if (body && !generic_type(served) && strcmp(body, served) != 0)
		return err_setx(err, EBADMSG, "%s: served as '%s' but its mediaType is '%s'", what,
				served, body);
	mt = !generic_type(served) ? served : body;
	if (!mt)
		mt = json_object_get(doc, "manifests") ? MT_OCI_INDEX : MT_OCI_MANIFEST;
	if (!strcmp(mt, MT_DOCKER_SCHEMA1) || !strcmp(mt, MT_DOCKER_SCHEMA1_S) ||
	    json_integer_value(json_object_get(doc, "schemaVersion")) == 1)
		return err_setx(
			err, EBADMSG,
			"%s: schema 1 manifests are not supported; the image must be pushed "
			"again with a newer client",
			what);
	if (strcmp(mt, MT_OCI_INDEX) && strcmp(mt, MT_OCI_MANIFEST) && strcmp(mt, MT_DOCKER_LIST) &&
	    strcmp(mt, MT_DOCKER_MANIFEST))
		return err_setx(err, EBADMSG, "%s: unsupported media type '%s'", what, mt);
	*ret = xstrdup(mt);
	return 0;
}

static int parse_platform(const json_t *j, struct platform *p)
{
	const char *os = json_get_str(j, "os"), *arch = json_get_str(j, "architecture");
	const char *variant = json_get_str(j, "variant");

	if (!j)
		return 0;
	if (!json_is_object(j) || !os || !arch)
		return -EBADMSG;
	p->os = xstrdup(os);
	p->arch = xstrdup(arch);
	p->variant = variant && *variant ? xstrdup(variant) : NULL;
	return 0;
}

static int parse_entries(const json_t *arr, struct manifest *m, const char *what,
			 struct hull_err **err)
{
	const char *field = m->is_index ? "manifests" : "layers";
	size_t max = m->is_index ? MAX_INDEX_ENTRIES : MAX_LAYERS, i;
	json_t *e;

	if (!json_is_array(arr))
		return err_setx(err, EBADMSG, "%s: no %s array", what, field);
	if (json_array_size(arr) > max)
		return err_setx(err, EBADMSG, "%s: more than %zu %s", what, max, field);
	m->entries = xcalloc(json_array_size(arr) + 1, sizeof(*m->entries));
	json_array_foreach (arr, i, e) {
		struct descriptor *d = &m->entries[i];
		_cleanup_free_ char *name = xasprintf("%s[%zu]", field, i);
		int r = parse_descriptor(e, what, name, d, err);
		m->n_entries = i + 1;
		if (r < 0)
			return r;
		if (m->is_index) {
			if (parse_platform(json_object_get(e, "platform"), &d->platform) < 0)
				return err_setx(err, EBADMSG, "%s: %s has an invalid platform",
						what, name);
		} else if (!strv_contains((char **) layer_types, d->media_type)) {
			return err_setx(err, EBADMSG, "%s: %s has unsupported media type '%s'",
					what, name, d->media_type);
		}
	}
	return 0;
}

int manifest_parse(const char *data, size_t len, const char *media_type, const char *what,
		   struct manifest **ret, struct hull_err **err)
{
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_(manifest_freep) struct manifest *m = NULL;
	int r;

	if (len > REG_MANIFEST_MAX)
		return err_setx(err, EBADMSG, "%s: larger than %u bytes", what, REG_MANIFEST_MAX);
	r = json_load_buf(data, len, what, &doc, err);
	if (r < 0)
		return -EBADMSG;
	if (!json_is_object(doc))
		return err_setx(err, EBADMSG, "%s: not a JSON object", what);
	m = xcalloc(1, sizeof(*m));
	r = media_type_of(doc, media_type, what, &m->media_type, err);
	if (r < 0)
		return r;
	if (json_integer_value(json_object_get(doc, "schemaVersion")) != 2)
		return err_setx(err, EBADMSG, "%s: schemaVersion is not 2", what);
	m->is_index =
		!strcmp(m->media_type, MT_OCI_INDEX) || !strcmp(m->media_type, MT_DOCKER_LIST);
	if (!m->is_index) {
		r = parse_descriptor(json_object_get(doc, "config"), what, "config", &m->config,
				     err);
		if (r < 0)
			return r;
	}
	r = parse_entries(json_object_get(doc, m->is_index ? "manifests" : "layers"), m, what, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

/* ---- platforms ---- */

static void normalise(struct platform *p)
{
	static const struct {
		const char *from, *arch, *variant;
	} map[] = {
		{"x86_64", "amd64", NULL}, {"x86-64", "amd64", NULL}, {"aarch64", "arm64", NULL},
		{"armhf", "arm", "v7"},	   {"armel", "arm", "v6"},    {"i386", "386", NULL},
		{"i686", "386", NULL},
	};

	for (char *c = p->os; c && *c; c++)
		*c = (char) tolower((unsigned char) *c);
	for (char *c = p->arch; c && *c; c++)
		*c = (char) tolower((unsigned char) *c);
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (strcmp(p->arch, map[i].from) != 0)
			continue;
		free(p->arch);
		p->arch = xstrdup(map[i].arch);
		if (map[i].variant && !p->variant)
			p->variant = xstrdup(map[i].variant);
	}
	/* containerd: arm64's default variant is v8, arm's v7; "arm64/v8" == "arm64" */
	if (!strcmp(p->arch, "arm64") && p->variant && !strcmp(p->variant, "v8")) {
		free(p->variant);
		p->variant = NULL;
	}
	if (!strcmp(p->arch, "arm") && !p->variant)
		p->variant = xstrdup("v7");
}

/* containerd platforms' knownOS and knownArch (Go's GOOS and GOARCH lists) */
static const char *const known_os[] = {"aix",	 "android", "darwin",  "dragonfly", "freebsd",
				       "hurd",	 "illumos", "ios",     "js",	    "linux",
				       "nacl",	 "netbsd",  "openbsd", "plan9",	    "solaris",
				       "wasip1", "windows", "zos",     NULL};
static const char *const known_arch[] = {"386",	   "amd64",    "amd64p32",  "arm",	   "armbe",
					 "arm64",  "arm64be",  "loong64",   "mips",	   "mipsle",
					 "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc",
					 "ppc64",  "ppc64le",  "riscv",	    "riscv64",	   "s390",
					 "s390x",  "sparc",    "sparc64",   "wasm",	   NULL};

static bool known(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return true;
	return false;
}

int platform_parse(const char *s, struct platform *ret, struct hull_err **err)
{
	_cleanup_strv_ char **parts = strv_new();
	struct platform host = {0}, p = {0};
	const char *c = s;

	while (c) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t) (slash - c) : strlen(c);
		if (n == 0 || strv_length(parts) == 3)
			return err_setx(err, EINVAL,
					"invalid platform '%s': expected OS/ARCH[/VARIANT]", s);
		strv_consume(&parts, xstrndup(c, n));
		c = slash ? slash + 1 : NULL;
	}
	for (const char *q = s; *q; q++)
		if (!isalnum((unsigned char) *q) && !strchr("/_-.", *q))
			return err_setx(err, EINVAL, "invalid platform '%s'", s);
	if (strv_length(parts) == 1) {
		/* containerd platforms.Parse: a known OS takes the host's
		 * architecture; else a known architecture takes the host's OS
		 * ("--platform arm64" is linux/arm64) */
		platform_host(&host);
		p.os = xstrdup(parts[0]);
		p.arch = xstrdup(parts[0]);
		normalise(&p);
		if (known(known_os, p.os)) {
			free(p.arch);
			p.arch = TAKE_PTR(host.arch);
			free(p.variant);
			p.variant = TAKE_PTR(host.variant);
		} else if (known(known_arch, p.arch)) {
			free(p.os);
			p.os = TAKE_PTR(host.os);
		} else {
			platform_release(&host);
			platform_release(&p);
			return err_setx(err, EINVAL,
					"invalid platform '%s': unknown operating system or "
					"architecture",
					s);
		}
		platform_release(&host);
	} else {
		p.os = xstrdup(parts[0]);
		p.arch = xstrdup(parts[1]);
		p.variant = parts[2] ? xstrdup(parts[2]) : NULL;
	}
	normalise(&p);
	*ret = p;
	return 0;
}

void platform_host(struct platform *ret)
{
	struct utsname u;

	*ret = (struct platform){.os = xstrdup("linux")};
	if (uname(&u) < 0)
		snprintf(u.machine, sizeof(u.machine), "x86_64");
	if (!strncmp(u.machine, "armv7", 5) || !strncmp(u.machine, "armv6", 5)) {
		ret->arch = xstrdup("arm");
		ret->variant = xstrndup(u.machine + 3, 2);
	} else {
		ret->arch = xstrdup(u.machine);
	}
	normalise(ret);
}

char *platform_string(const struct platform *p)
{
	if (p->variant)
		return xasprintf("%s/%s/%s", p->os, p->arch, p->variant);
	return xasprintf("%s/%s", p->os, p->arch);
}

const struct descriptor *manifest_select(const struct manifest *idx, const struct platform *want)
{
	for (size_t i = 0; i < idx->n_entries; i++) {
		const struct descriptor *d = &idx->entries[i];
		struct platform p = {0};
		bool match;

		if (!d->platform.os || !strcmp(d->platform.os, "unknown"))
			continue;
		p.os = xstrdup(d->platform.os);
		p.arch = xstrdup(d->platform.arch);
		p.variant = d->platform.variant ? xstrdup(d->platform.variant) : NULL;
		normalise(&p);
		match = !strcmp(p.os, want->os) && !strcmp(p.arch, want->arch) &&
			(!want->variant || (p.variant && !strcmp(p.variant, want->variant)));
		platform_release(&p);
		if (match && (!strcmp(d->media_type, MT_OCI_MANIFEST) ||
			      !strcmp(d->media_type, MT_DOCKER_MANIFEST)))
			return d;
	}
	return NULL;
}

int image_config_check(const char *data, size_t len, size_t n_layers, const char *what,
		       char ***ret_diff_ids, struct hull_err **err)
{
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_strv_ char **ids = strv_new();
	json_t *rootfs, *arr, *e;
	size_t i;

	if (len > IMAGE_CONFIG_MAX)
		return err_setx(err, EBADMSG, "%s: larger than %u bytes", what, IMAGE_CONFIG_MAX);
	if (json_load_buf(data, len, what, &doc, err) < 0)
		return -EBADMSG;
	rootfs = json_object_get(doc, "rootfs");
	arr = json_object_get(rootfs, "diff_ids");
	if (!json_is_object(doc) || !json_is_object(rootfs))
		return err_setx(err, EBADMSG, "%s: no rootfs", what);
	if (strcmp(json_get_str(rootfs, "type") ?: "", "layers") != 0)
		return err_setx(err, EBADMSG, "%s: rootfs.type is not \"layers\"", what);
	if (!json_is_array(arr) || json_array_size(arr) != n_layers)
		return err_setx(err, EBADMSG, "%s: %zu diff_ids for %zu layers", what,
				json_is_array(arr) ? json_array_size(arr) : 0, n_layers);
	json_array_foreach (arr, i, e) {
		if (!json_is_string(e) || !digest_valid(json_string_value(e)))
			return err_setx(err, EBADMSG, "%s: rootfs.diff_ids[%zu] is not a digest",
					what, i);
		strv_push(&ids, json_string_value(e));
	}
	*ret_diff_ids = TAKE_PTR(ids);
	return 0;
}
