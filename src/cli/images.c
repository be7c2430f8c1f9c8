/* SPDX-License-Identifier: MIT */
/* images, rmi, tag, import, save, inspect (docker/cli cli/command/image, container/inspect). */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include "build/commit.h"
#include "cli/cli.h"
#include "container/container.h"
#include "container/filter.h"
#include "container/network.h"
#include "image/load.h"
#include "image/reference.h"
#include "image/save.h"
#include "util/hostpath.h"
#include "util/pathmatch.h"
#include "util/json.h"
#include "util/strv.h"

static json_t *refs_of(json_t *refs, const char *manifest_digest)
{
	json_t *tags = json_array();
	const char *k;
	json_t *v;

	json_object_foreach (refs, k, v) {
		struct image_ref r;
		if (!streq(json_string_value(v), manifest_digest))
			continue;
		if (ref_parse(k, &r, NULL) < 0)
			continue;
		{
			_cleanup_free_ char *fam = ref_familiar(&r);
			json_array_append_new(tags, json_string(fam));
		}
		ref_release(&r);
	}
	return tags;
}

/* docker's RepoDigests: "busybox@sha256:...", sorted; [] when none. */
static json_t *repo_digests_json(struct store *s, const char *manifest_digest)
{
	_cleanup_strv_ char **l = store_repo_digests(s, manifest_digest);

	return json_from_strv(l);
}

json_t *image_inspect_json(struct store *s, const struct image *img)
{
	json_t *cfg = img->config, *refs = NULL, *o, *c, *layers = json_array();
	static const char *const bool_keys[] = {"AttachStdin", "AttachStdout", "AttachStderr",
						"Tty",	       "OpenStdin",    "StdinOnce"};

	if (store_refs(s, &refs, NULL) < 0)
		refs = json_object();
	for (size_t i = 0; img->diff_ids[i]; i++)
		json_array_append_new(layers, json_string(img->diff_ids[i]));
	c = json_deep_copy(json_object_get(cfg, "config"));
	if (!c)
		c = json_object();
	/* docker fills the container-config defaults around what the image sets */
	if (!json_object_get(c, "Hostname"))
		json_object_set_new(c, "Hostname", json_string(""));
	if (!json_object_get(c, "Domainname"))
		json_object_set_new(c, "Domainname", json_string(""));
	if (!json_object_get(c, "User"))
		json_object_set_new(c, "User", json_string(""));
	for (size_t i = 0; i < ARRAY_SIZE(bool_keys); i++)
		if (!json_object_get(c, bool_keys[i]))
			json_object_set_new(c, bool_keys[i], json_false());
	{
		static const char *const null_keys[] = {"Env",	      "Cmd",	 "Volumes",
							"Entrypoint", "OnBuild", "Labels"};
		for (size_t i = 0; i < ARRAY_SIZE(null_keys); i++)
			if (!json_object_get(c, null_keys[i]))
				json_object_set_new(c, null_keys[i], json_null());
	}
	if (!json_object_get(c, "Image"))
		json_object_set_new(c, "Image", json_string(""));
	if (!json_object_get(c, "WorkingDir"))
		json_object_set_new(c, "WorkingDir", json_string(""));
	o = json_pack("{s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:s,s:o,s:s}", "Id", img->id, "RepoTags",
		      refs_of(refs, img->manifest_digest), "RepoDigests",
		      repo_digests_json(s, img->manifest_digest), "Parent", "", "Comment",
		      json_get_str(cfg, "comment") ?: "", "Created",
		      json_get_str(cfg, "created") ?: "", "DockerVersion", "", "Author",
		      json_get_str(cfg, "author") ?: "", "Config", c, "Architecture",
		      json_get_str(cfg, "architecture") ?: "amd64");
	/* docker's ImageInspect: Variant (omitempty) between Architecture and Os */
	if (!isempty(json_get_str(cfg, "variant")))
		json_object_set_new(o, "Variant", json_string(json_get_str(cfg, "variant")));
	json_object_set_new(o, "Os", json_string(json_get_str(cfg, "os") ?: "linux"));
	json_object_set_new(o, "Size", json_integer((json_int_t) img->size));
	json_object_set_new(o, "GraphDriver", json_pack("{s:s}", "Name", "overlay2"));
	json_object_set_new(o, "RootFS",
			    json_pack("{s:s,s:o}", "Type", "layers", "Layers", layers));
	json_decref(refs);
	return o;
}

struct row {
	char *repo, *tag, *digest, *id;
	double created;
	int64_t size;
};

static void add_row(struct row **rows, size_t *n, const char *repo, const char *tag,
		    const char *digest, const struct image *img)
{
	*rows = xrealloc(*rows, (*n + 1) * sizeof(**rows));
	(*rows)[(*n)++] = (struct row){xstrdup(repo),
				       xstrdup(tag),
				       xstrdup(digest),
				       xstrdup(img->id),
				       time_parse_rfc3339(json_get_str(img->config, "created")),
				       img->size};
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	return x->created < y->created ? 1 : x->created > y->created ? -1 : 0;
}

/*
 * The rows of one image, as docker/cli's imageFormatTaggedAndDigest, from
 * its references @tags (names with a tag, or a digest) and its repository
 * digests @digests: per repository, each tag (times each digest of that
 * repository with --digests); a repository with digests only gets one
 * "<none>" tag row (one per digest with --digests).
 */
static void image_rows(struct row **rows, size_t *n, const struct image *img, char **tags,
		       char **digests, bool show_digests)
{
	_cleanup_strv_ char **done = strv_new();

	STRV_FOREACH (k, tags) {
		struct image_ref r;
		_cleanup_free_ char *repo = NULL;
		bool any = false;

		if (ref_parse(*k, &r, NULL) < 0)
			continue;
		repo = ref_familiar_name(&r);
		if (!strv_contains(done, repo))
			strv_push(&done, repo);
		if (show_digests)
			STRV_FOREACH (d, digests) {
				const char *at = strrchr(*d, '@');
				if (!at || strlen(repo) != (size_t) (at - *d) ||
				    strncmp(*d, repo, strlen(repo)) != 0)
					continue;
				any = true;
				add_row(rows, n, repo, r.tag ?: "<none>", at + 1, img);
			}
		if (!any)
			add_row(rows, n, repo, r.tag ?: "<none>", "<none>", img);
		ref_release(&r);
	}
	STRV_FOREACH (d, digests) {
		const char *at = strrchr(*d, '@');
		_cleanup_free_ char *repo = NULL;

		if (!at)
			continue;
		repo = xstrndup(*d, (size_t) (at - *d));
		if (strv_contains(done, repo))
			continue;
		if (!show_digests)
			strv_push(&done, repo);
		add_row(rows, n, repo, "<none>", show_digests ? at + 1 : "", img);
	}
}

/* images --filter, as moby's ImageService.Images() applies them */
struct image_filters {
	int dangling;  /* -1: no dangling filter, else dangling=true (1) or false (0) */
	char **labels; /* label=KEY[=VALUE]: each must match */
	char **refs;   /* reference=PATTERN and the REPOSITORY[:TAG] argument: any may match */
	double before, since; /* created strictly before, after the image named (0: none) */
};

/*
 * The reference @familiar ("busybox:latest", "busybox@sha256:...") against
 * the patterns of reference=: reference.FamiliarMatch, path.Match on the
 * familiar string or on its name (the patterns are already checked).
 */
static bool ref_selected(char **patterns, const char *familiar)
{
	_cleanup_free_ char *name = NULL;

	if (!patterns)
		return true;
	name = xstrndup(familiar, strcspn(familiar, "@"));
	{
		struct image_ref r;
		if (!strchr(familiar, '@') && ref_parse(familiar, &r, NULL) == 0) {
			free(name);
			name = ref_familiar_name(&r);
			ref_release(&r);
		}
	}
	STRV_FOREACH (p, patterns)
		if (path_match(*p, familiar) > 0 || path_match(*p, name) > 0)
			return true;
	return false;
}

/* The image a before= or since= names: its creation time, or docker's error. */
static int filter_image_time(struct store *s, const char *name, double *ret, struct hull_err **err)
{
	struct image *img = NULL;
	int r = store_image_get(s, name, &img, err); /* docker's "No such image: NAME:latest" */

	if (r < 0)
		return r;
	*ret = time_parse_rfc3339(json_get_str(img->config, "created"));
	image_free(img);
	return 0;
}

/* --filter KEY=VALUE...: moby's accepted keys and values, checked as the daemon does */
static int image_filters_parse(struct store *s, char **args, struct image_filters *f,
			       struct hull_err **err)
{
	static const char *const keys[] = {"dangling", "label",	    "before",
					   "since",    "reference", NULL};
	_cleanup_strv_ char **dangling = NULL;
	int r;

	f->dangling = -1;
	STRV_FOREACH (a, args) {
		_cleanup_free_ char *key = xstrndup(*a, strcspn(*a, "="));
		const char *val = *a + strlen(key) + 1;

		if (!strv_contains((char **) keys, key))
			return err_setx(err, EINVAL, "invalid filter '%s'", key);
		if (streq(key, "dangling")) {
			strv_push(&dangling, val);
		} else if (streq(key, "label")) {
			strv_push(&f->labels, val);
		} else if (streq(key, "reference")) {
			if (path_match(val, "") < 0)
				return err_setx(err, EINVAL, "syntax error in pattern");
			strv_push(&f->refs, val);
		} else {
			r = filter_image_time(s, val, streq(key, "before") ? &f->before : &f->since,
					      err);
			if (r < 0)
				return r;
		}
	}
	if (dangling) {
		if (strv_contains(dangling, "true")) {
			f->dangling = 1;
		} else if (strv_contains(dangling, "false")) {
			f->dangling = 0;
		} else {
			_cleanup_strbuf_ struct strbuf v = STRBUF_INIT;
			STRV_FOREACH (d, dangling)
				(void) strbuf_addf(&v, "%s%s", v.len ? " " : "", *d);
			return err_setx(err, EINVAL, "invalid filter 'dangling=[%s]'",
					strbuf_cstr(&v));
		}
	}
	return 0;
}

/*
 * The rows of the image @m that the filters select: the references they
 * keep, or one "<none> <none>" row for an image with none, if the filters
 * and -a let it through.
 */
static void image_select(struct store *s, const char *m, json_t *refs,
			 const struct image_filters *f, bool all, bool show_digests,
			 struct row **rows, size_t *n)
{
	_cleanup_strv_ char **dl = NULL, **digests = strv_new(), **tags = strv_new();
	struct image *img = NULL;
	bool tagged = false, intermediate;
	double created;
	const char *k;
	json_t *v;

	if (store_image_load(s, m, &img, NULL) < 0)
		return;
	created = time_parse_rfc3339(json_get_str(img->config, "created"));
	intermediate = store_image_is_intermediate(s, m);
	if ((f->before > 0 && created >= f->before) || (f->since > 0 && created <= f->since) ||
	    (f->labels &&
	     !labels_match(f->labels,
			   json_object_get(json_object_get(img->config, "config"), "Labels"))) ||
	    (f->dangling == 1 && intermediate))
		goto out;
	json_object_foreach (refs, k, v) {
		struct image_ref r;
		_cleanup_free_ char *fam = NULL;

		if (!streq(json_string_value(v) ?: "", m) || ref_parse(k, &r, NULL) < 0)
			continue;
		fam = ref_familiar(&r);
		if (ref_selected(f->refs, fam)) {
			tagged |= r.tag != NULL;
			strv_push(&tags, k);
		}
		ref_release(&r);
	}
	/* a dangling image has no tag (it may have digests) */
	if (f->dangling == 1 && tagged)
		goto out;
	dl = store_repo_digests(s, m);
	STRV_FOREACH (d, dl)
		if (ref_selected(f->refs, *d))
			strv_push(&digests, *d);
	if (tags[0] || digests[0])
		image_rows(rows, n, img, tags, digests, show_digests);
	else if ((all || intermediate == false) && f->dangling != 0 && !f->refs)
		add_row(rows, n, "<none>", "<none>", "<none>", img);
out:
	image_free(img);
}

/* docker's column titles of images --format "table ..." */
static const char *const image_headers[][2] = {
	{"ID", "IMAGE ID"},
	{"Repository", "REPOSITORY"},
	{"Tag", "TAG"},
	{"Digest", "DIGEST"},
	{"CreatedSince", "CREATED"},
	{"CreatedAt", "CREATED AT"},
	{"Size", "SIZE"},
	{"Containers", "CONTAINERS"},
	{"SharedSize", "SHARED SIZE"},
	{"UniqueSize", "UNIQUE SIZE"},
	{"VirtualSize", "VIRTUAL SIZE"},
	{NULL, NULL},
};

/* docker's default table of images (cli/command/formatter/image.go) */
#define IMAGES_TABLE "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
#define IMAGES_TABLE_DIGESTS \
	"table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"

/*
 * images --format TMPL: each row as docker's image formatter context gives
 * it (cli/command/formatter/image.go): ID, Repository, Tag, Digest,
 * CreatedSince, CreatedAt, Size (and "N/A" for what hull does not count).
 */
static int images_format(const struct row *rows, size_t n, const char *fmt, bool no_trunc,
			 bool digests, struct hull_err **err)
{
	struct format_list fl;
	struct timespec now;
	int r = 0;

	if (format_list_init(&fl, fmt, digests ? IMAGES_TABLE_DIGESTS : IMAGES_TABLE,
			     &fmt_image_row, false, err) < 0)
		return -EINVAL;
	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *size = human_size((double) rows[i].size), *ago = NULL,
				    *since = NULL;
		_cleanup_json_ json_t *o = NULL;
		char at[64] = "";
		if (rows[i].created > 0) {
			time_t t = (time_t) rows[i].created;
			struct tm tm;
			ago = human_duration((double) now.tv_sec - rows[i].created);
			since = xasprintf("%s ago", ago);
			gmtime_r(&t, &tm);
			strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
		}
		o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Containers", "N/A",
			      "CreatedAt", at, "CreatedSince", since ? since : "N/A", "Digest",
			      rows[i].digest, "ID", no_trunc ? rows[i].id : short_id(rows[i].id),
			      "Repository", rows[i].repo, "SharedSize", "N/A", "Size", size, "Tag",
			      rows[i].tag, "UniqueSize", "N/A", "VirtualSize", size);
		r = format_row(&fl, o, NULL, err);
	}
	if (r == 0)
		format_list_print(&fl, image_headers);
	format_list_release(&fl);
	return r;
}

/* "KEY=VALUE" as docker/cli's filter option keeps it: key trimmed and lower-cased, value trimmed */
static char *filter_kv(const char *arg, const char *eq)
{
	const char *k = arg, *ke = eq, *v = eq + 1, *ve = eq + strlen(eq);
	_cleanup_free_ char *key = NULL;

	while (k < ke && (*k == ' ' || *k == '\t'))
		k++;
	while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
		ke--;
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	key = xstrndup(k, (size_t) (ke - k));
	for (char *c = key; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char) (*c - 'A' + 'a');
	return xasprintf("%s=%.*s", key, (int) (ve - v), v);
}

static const struct cli_option images_options[] = {
	CLI_BOOL_ID('a', "all", 'a', "Show all images (default hides intermediate images)"),
	CLI_BOOL_ID(0, "digests", 'D', "Show digests"),
	CLI_LIST_ID('f', "filter", 'f', "filter",
		    "Filter output based on conditions provided (dangling, label, reference, "
		    "before, since)"),
	CLI_STRING_ID(0, "format", 'F', NULL, CLI_FORMAT_HELP),
	CLI_BOOL_ID(0, "no-trunc", 'N', "Don't truncate output"),
	CLI_BOOL_ID('q', "quiet", 'q', "Only show image IDs"),
	CLI_OPT_END,
};
const struct cli_command cli_images_command = {
	.name = "images",
	.usage = "[OPTIONS] [REPOSITORY[:TAG]]",
	.description = "List images",
	.aliases = "hull image ls, hull image list, hull images",
	.max_args = 1,
	.options = images_options,
};

int cmd_images(struct cli *cl, int argc, char **argv)
{
	const char *fmt = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	json_t *refs = NULL;
	struct image_filters f = {0};
	_cleanup_strv_ char **manifests = NULL, **filter_args = NULL;
	struct row *rows = NULL;
	size_t n = 0;
	bool quiet = false, no_trunc = false, all = false, digests = false;
	int o, r = 0;
	struct cli_parse p;

	cli_parse_init(&p, &cli_images_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		const char *optarg = p.arg;

		switch (o) {
		case 'q':
			quiet = true;
			break;
		case 'a':
			all = true;
			break;
		case 'N':
			no_trunc = true;
			break;
		case 'D':
			digests = true;
			break;
		case 'F':
			fmt = streq(optarg, "table") || !*optarg ? NULL : optarg;
			break;
		case 'f': {
			/* docker/cli's filter option: KEY=VALUE, the key lower-cased, both trimmed
			 */
			_cleanup_free_ char *kv = NULL;
			const char *eq = strchr(optarg, '=');
			if (!eq)
				return cli_flag_error("images", "-f, --filter", optarg,
						      "bad format of filter (expected name=value)");
			kv = filter_kv(optarg, eq);
			strv_push(&filter_args, kv);
			break;
		}
		}
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	/* docker/cli: the REPOSITORY[:TAG] argument is one more reference filter */
	if (p.ind < argc) {
		_cleanup_free_ char *arg = xasprintf("reference=%s", argv[p.ind]);
		strv_push(&filter_args, arg);
	}
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	if (image_filters_parse(s, filter_args, &f, &e) < 0) {
		/* the daemon refuses them: docker exits 1 */
		fprintf(stderr, "Error response from daemon: %s\n", e->msg);
		err_free(e);
		strv_free(f.labels);
		strv_free(f.refs);
		return 1;
	}
	if (store_refs(s, &refs, &e) < 0 || store_image_list(s, &manifests, &e) < 0) {
		json_decref(refs);
		strv_free(f.labels);
		strv_free(f.refs);
		return cli_fail(e);
	}
	STRV_FOREACH (m, manifests)
		image_select(s, *m, refs, &f, all, digests, &rows, &n);
	json_decref(refs);
	strv_free(f.labels);
	strv_free(f.refs);
	if (n)
		qsort(rows, n, sizeof(*rows), row_cmp);
	if (fmt) { /* docker: a custom --format wins over -q */
		r = images_format(rows, n, fmt, no_trunc, digests, &e);
	} else if (quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", no_trunc ? rows[i].id : short_id(rows[i].id));
	} else {
		struct table *t = table_new(digests ? 6 : 5);
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		if (digests)
			table_add(t, "REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE");
		else
			table_add(t, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *ago = NULL, *created = NULL,
					    *size = human_size((double) rows[i].size);
			const char *id = no_trunc ? rows[i].id : short_id(rows[i].id);
			if (rows[i].created > 0) {
				ago = human_duration((double) now.tv_sec - rows[i].created);
				created = xasprintf("%s ago", ago);
			} else {
				created = xstrdup("N/A");
			}
			if (digests)
				table_add(t, rows[i].repo, rows[i].tag, rows[i].digest, id, created,
					  size);
			else
				table_add(t, rows[i].repo, rows[i].tag, id, created, size);
		}
		table_print(t, stdout);
	}
	for (size_t i = 0; i < n; i++) {
		free(rows[i].repo);
		free(rows[i].tag);
		free(rows[i].digest);
		free(rows[i].id);
	}
	free(rows);
	return r < 0 ? cli_fail(e) : 0;
}

const struct cli_command cli_tag_command = {
	.name = "tag",
	.usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
	.description = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
	.aliases = "hull image tag, hull tag",
	.min_args = 2,
	.max_args = 2,
};

int cmd_tag(struct cli *cl, int argc, char **argv)
{
	struct hull_err *e = NULL;
	struct image *img = NULL;
	struct store *s;
	int r, ind;

	r = cli_parse(&cli_tag_command, NULL, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (cli_store(cl, &s, &e) < 0 || store_image_get(s, argv[ind], &img, &e) < 0)
		return cli_fail(e);
	/* store_tag() takes the lock itself; unlocking a lock never taken broke the depth count */
	r = store_tag(s, argv[ind + 1], img->manifest_digest, &e);
	image_free(img);
	return r < 0 ? cli_fail(e) : 0;
}

/* A container using the image @id: a running one if any (*@ret_running). NULL if none. */
static char *image_user(struct store *s, const char *id, bool *ret_running)
{
	struct container **l = NULL;
	char *found = NULL;

	*ret_running = false;
	if (container_list(s, &l, NULL) < 0)
		return NULL;
	for (size_t i = 0; l[i]; i++) {
		if (!streq(json_get_str(l[i]->rec, "Image") ?: "", id))
			continue;
		if (container_is_running(l[i])) {
			free(found);
			found = xstrdup(l[i]->id);
			*ret_running = true;
			break;
		}
		if (!found)
			found = xstrdup(l[i]->id);
	}
	container_list_free(l);
	return found;
}

/* One reference of an image, as docker's reference store has it. */
struct iref {
	char *fam;  /* "busybox:latest", "busybox@sha256:..." */
	char *name; /* familiar repository: "busybox" */
	bool digest;
};

static void irefs_free(struct iref *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].fam);
		free(l[i].name);
	}
	free(l);
}

static void iref_add(struct iref **l, size_t *n, const char *ref)
{
	struct image_ref r;

	if (ref_parse(ref, &r, NULL) < 0)
		return;
	*l = xrealloc(*l, (*n + 1) * sizeof(**l));
	(*l)[(*n)++] = (struct iref){ref_familiar(&r), ref_familiar_name(&r), r.digest != NULL};
	ref_release(&r);
}

/* Every reference of the image @md: its tags, then its repository digests. */
static size_t image_irefs(struct store *s, const char *md, struct iref **ret)
{
	_cleanup_strv_ char **digests = store_repo_digests(s, md);
	struct iref *l = NULL;
	json_t *refs = NULL, *v;
	const char *k;
	size_t n = 0;

	if (store_refs(s, &refs, NULL) == 0)
		json_object_foreach (refs, k, v)
			if (streq(json_string_value(v) ?: "", md))
				iref_add(&l, &n, k);
	json_decref(refs);
	STRV_FOREACH (d, digests)
		iref_add(&l, &n, *d);
	*ret = l;
	return n;
}

/* moby isSingleReference: all references in one repository, at most one of them a tag. */
static bool is_single_reference(const struct iref *l, size_t n)
{
	const struct iref *single = NULL;
	bool canonical_single_repo = true;
	const char *canonical = NULL;

	if (n <= 1)
		return n == 1;
	for (size_t i = 0; i < n; i++) {
		if (l[i].digest) {
			if (canonical && !streq(canonical, l[i].name))
				canonical_single_repo = false;
			canonical = l[i].name;
		} else if (!single) {
			single = &l[i];
		} else {
			return false;
		}
	}
	if (!single)
		single = &l[0];
	return canonical && canonical_single_repo && streq(canonical, single->name);
}

/* moby isImageIDPrefix: was the image named by (a prefix of) its id? */
static bool is_id_prefix(const char *id, const char *name)
{
	return startswith(id, name) || startswith(id + strlen("sha256:"), name);
}

static int untag_print(struct store *s, const char *fam, struct hull_err **err)
{
	int r = store_untag(s, fam, err);

	if (r == -ENOENT) { /* idempotent, as moby's removeImageRef */
		if (err)
			*err = err_free(*err);
		r = 0;
	}
	if (r == 0)
		printf("Untagged: %s\n", fam);
	return r;
}

/* Untag every reference of the image @md (moby removeAllReferencesToImageID). */
static int untag_all(struct store *s, const char *md, struct hull_err **err)
{
	struct iref *l = NULL;
	size_t n = image_irefs(s, md, &l);
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++)
		r = untag_print(s, l[i].fam, err);
	irefs_free(l, n);
	return r;
}

/*
 * moby imageDeleteHelper: conflicts (a running container: hard; other
 * references or a stopped container: soft, unless forced), then every
 * reference and the image. @quiet (after its last reference went): a
 * conflict leaves it silently unless it is dangling. Unlike docker, an
 * image a container uses is never deleted, even forced: the container's
 * overlay stands on its layers; forced, it is only untagged.
 */
static int delete_helper(struct store *s, const struct image *img, bool force, bool quiet,
			 struct hull_err **err)
{
	_cleanup_strv_ char **layers = NULL;
	_cleanup_free_ char *ctr = NULL, *msg = NULL;
	struct iref *l = NULL;
	size_t n = image_irefs(s, img->manifest_digest, &l);
	bool running, hard = false;
	int r;

	irefs_free(l, n);
	ctr = image_user(s, img->id, &running);
	if (ctr && running) {
		hard = true;
		msg = xasprintf("image is being used by running container %s", short_id(ctr));
	} else if (!force && n > 0) {
		msg = xstrdup("image is referenced in multiple repositories");
	} else if (!force && ctr) {
		msg = xasprintf("image is being used by stopped container %s", short_id(ctr));
	}
	if (msg) {
		/* quietly, a conflict matters only for an image left dangling and unused */
		if (quiet && (n > 0 || ctr))
			return 0;
		return err_setx(err, EBUSY, "conflict: unable to delete %s (%s) - %s",
				short_id(img->id), hard ? "cannot be forced" : "must be forced",
				msg);
	}
	r = untag_all(s, img->manifest_digest, err);
	if (r < 0 || ctr)
		return r;
	r = store_image_delete_report(s, img, &layers, NULL, err);
	if (r < 0)
		return r;
	printf("Deleted: %s\n", img->id);
	STRV_FOREACH (c, layers)
		printf("Deleted: %s\n", *c);
	return 0;
}

/* moby daemon/images/image_delete.go ImageDelete, with hull's containers rule (delete_helper). */
static int rmi_one(struct store *s, const char *name, bool force, struct hull_err **err)
{
	_cleanup_free_ char *ctr = NULL;
	struct image *img = NULL;
	struct iref *l = NULL;
	size_t n;
	bool running, quiet = false;
	int r;

	r = store_image_get(s, name, &img, err);
	if (r < 0)
		return r;
	n = image_irefs(s, img->manifest_digest, &l);
	ctr = image_user(s, img->id, &running);
	if (!is_id_prefix(img->id, name)) {
		struct image_ref ref;
		_cleanup_free_ char *fam = NULL, *repo = NULL;
		bool canonical;

		/* a repository reference: it goes first, unless it is the last one a container
		 * needs */
		if (!force && is_single_reference(l, n) && ctr) {
			_cleanup_free_ char *cid = xstrdup(short_id(ctr));
			r = err_setx(err, EBUSY,
				     "conflict: unable to remove repository reference \"%s\" (must "
				     "force) - container %s is using its referenced image %s",
				     name, cid, short_id(img->id));
			goto out;
		}
		r = ref_parse(name, &ref, err);
		if (r < 0)
			goto out;
		fam = ref_familiar(&ref);
		repo = ref_familiar_name(&ref);
		canonical = ref.digest != NULL;
		ref_release(&ref);
		r = untag_print(s, fam, err);
		if (r < 0)
			goto out;
		irefs_free(l, n);
		n = image_irefs(s, img->manifest_digest, &l);
		if (!canonical) {
			/* no tag of the repository left: its digests go too */
			bool tag_left = false;
			for (size_t i = 0; i < n; i++)
				tag_left |= !l[i].digest && streq(l[i].name, repo);
			for (size_t i = 0; i < n && !tag_left && r == 0; i++)
				if (l[i].digest && streq(l[i].name, repo))
					r = untag_print(s, l[i].fam, err);
			if (r < 0)
				goto out;
			irefs_free(l, n);
			n = image_irefs(s, img->manifest_digest, &l);
		}
		if (n > 0)
			goto out;
		quiet = true;
	} else if (is_single_reference(l, n)) {
		/* an id, and one repository's references only: they go with the image */
		if (ctr && (running || !force)) {
			_cleanup_free_ char *cid = xstrdup(short_id(ctr));
			r = err_setx(err, EBUSY,
				     "conflict: unable to delete %s (%s) - image is being used by "
				     "%s container %s",
				     short_id(img->id),
				     running ? "cannot be forced" : "must be forced",
				     running ? "running" : "stopped", cid);
			goto out;
		}
		r = untag_all(s, img->manifest_digest, err);
		if (r < 0)
			goto out;
	}
	r = delete_helper(s, img, force, quiet, err);
out:
	irefs_free(l, n);
	image_free(img);
	return r;
}

const struct cli_command cli_rmi_command = {
	.name = "rmi",
	.usage = "[OPTIONS] IMAGE [IMAGE...]",
	.description = "Remove one or more images",
	.aliases = "hull image rm, hull image remove, hull rmi",
	.min_args = 1,
	.max_args = -1,
};

int cmd_rmi(struct cli *cl, int argc, char **argv)
{
	bool force = false, no_prune = false; /* hull keeps no untagged parents */
	const struct cli_option options[] = {
		CLI_BOOL('f', "force", &force, "Force removal of the image"),
		CLI_BOOL(0, "no-prune", &no_prune, "Do not delete untagged parents"),
		CLI_OPT_END,
	};
	struct hull_err *e = NULL;
	struct store *s;
	int rc, ind;

	rc = cli_parse(&cli_rmi_command, options, argc, argv, &ind);
	if (rc >= 0)
		return rc;
	rc = 0;
	if (cli_store(cl, &s, &e) < 0 || store_lock(s, &e) < 0)
		return cli_fail(e);
	for (int i = ind; i < argc; i++) {
		int r = rmi_one(s, argv[i], force, &e);
		if (r < 0) {
			/* docker/cli image/remove.go: with --force, only "not found"s is no failure
			 */
			bool missing = r == -ENOENT && startswith(e->msg, "No such image");

			fprintf(stderr, "Error response from daemon: %s\n", e->msg);
			e = err_free(e);
			if (!force || !missing)
				rc = 1;
		}
	}
	store_unlock(s);
	return rc;
}

const struct cli_command cli_import_command = {
	.name = "import",
	.usage = "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
	.description = "Import the contents from a tarball to create a filesystem image",
	.aliases = "hull image import, hull import",
	.min_args = 1,
	.max_args = 2,
};

int cmd_import(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **changes = NULL;
	const char *msg = NULL, *platform = NULL, *src;
	const struct cli_option options[] = {
		CLI_LIST('c', "change", &changes, NULL,
			 "Apply Dockerfile instruction to the created image"),
		CLI_STRING('m', "message", &msg, NULL, "Set commit message for imported image"),
		CLI_STRING(0, "platform", &platform, NULL,
			   "Set platform if server is multi-platform capable"),
		CLI_OPT_END,
	};
	struct build_import_opts o = {0};
	struct hull_err *e = NULL;
	struct store *s;
	struct image *img = NULL;
	_cleanup_close_ int fd = -1;
	int r, ind;

	r = cli_parse(&cli_import_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	src = argv[ind];
	if (argc - ind == 2) {
		struct image_ref ref;
		if (ref_parse(argv[ind + 1], &ref, &e) < 0)
			return cli_fail(e);
		ref_release(&ref);
	}
	if (streq(src, "-"))
		fd = dup(STDIN_FILENO);
	else
		fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_set(&e, errno, "open '%s'", src);
		return cli_fail(e);
	}
	{
		/* docker's client reads the file and says so: "read DIR: is a directory" */
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			err_setx(&e, EISDIR, "read %s: is a directory", src);
			return cli_fail(e);
		}
	}
	o.source = src;
	o.message = msg;
	o.changes = changes;
	o.platform = platform;
	o.tag = argc - ind == 2 ? argv[ind + 1] : NULL;
	if (cli_store(cl, &s, &e) < 0 || build_import(s, fd, &o, &img, &e) < 0)
		return cli_fail(e);
	printf("%s\n", img->id);
	image_free(img);
	return 0;
}

/* docker/cli cli/command/image/save.go */
const struct cli_command cli_save_command = {
	.name = "save",
	.usage = "[OPTIONS] IMAGE [IMAGE...]",
	.description = "Save one or more images to a tar archive (streamed to STDOUT by default)",
	.aliases = "hull image save, hull save",
	.min_args = 1,
	.max_args = -1,
};

int cmd_save(struct cli *cl, int argc, char **argv)
{
	const char *out = NULL;
	const struct cli_option options[] = {
		CLI_STRING('o', "output", &out, NULL, "Write to a file, instead of STDOUT"),
		CLI_OPT_END,
	};
	struct hostpath_output ho = HOSTPATH_OUTPUT_INIT;
	struct hull_err *e = NULL;
	struct store *s;
	int r, ind;

	r = cli_parse(&cli_save_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (!out && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "hull: cowardly refusing to save to a terminal. Use the -o flag or "
				"redirect\n");
		return 1;
	}
	/* before the images, as docker opens its atomic writer first (save.go) */
	if (out && hostpath_output_open(out, 0600, &ho, &e) < 0) {
		err_wrap(&e, "failed to save image");
		return cli_fail(e);
	}
	r = cli_store(cl, &s, &e);
	if (r == 0) {
		fflush(stdout);
		r = image_save(s, argv + ind, out ? ho.fd : STDOUT_FILENO, &e);
		for (int i = ind; r == 0 && i < argc; i++)
			store_image_event(s, "save", argv[i], NULL);
	}
	if (r == 0 && out)
		r = hostpath_output_commit(&ho, &e);
	hostpath_output_release(&ho); /* after a failure the old file is still there */
	if (r == -ENOENT && e && startswith(e->msg, "No such image")) {
		/* the daemon's answer in docker */
		fprintf(stderr, "Error response from daemon: %s\n", e->msg);
		err_free(e);
		return 1;
	}
	return r < 0 ? cli_fail(e) : 0;
}

/* docker/cli cli/command/image/load.go */
const struct cli_command cli_load_command = {
	.name = "load",
	.usage = "[OPTIONS]",
	.description = "Load an image from a tar archive or STDIN",
	.aliases = "hull image load, hull load",
};

int cmd_load(struct cli *cl, int argc, char **argv)
{
	const char *in = NULL;
	bool quiet = false;
	const struct cli_option options[] = {
		CLI_STRING('i', "input", &in, NULL, "Read from tar archive file, instead of STDIN"),
		CLI_BOOL('q', "quiet", &quiet, "Suppress the load output"),
		CLI_OPT_END,
	};
	_cleanup_strv_ char **loaded = NULL;
	_cleanup_close_ int fd = -1;
	struct hull_err *e = NULL;
	struct store *s;
	int r, ind;

	r = cli_parse(&cli_load_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (!in && isatty(STDIN_FILENO)) {
		fprintf(stderr, "hull: requested load from stdin, but stdin is empty\n");
		return 1;
	}
	fd = in ? open(in, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	if (fd < 0) {
		err_set(&e, errno, "open %s", in ? in : "stdin");
		return cli_fail(e);
	}
	if (cli_store(cl, &s, &e) < 0 || image_load(s, fd, &loaded, &e) < 0)
		return cli_fail(e);
	/* -q hides docker's progress bars (hull draws none), not the "Loaded image" lines */
	(void) quiet;
	STRV_FOREACH (l, loaded) {
		const char *what = strchr(*l, ':') ? strchr(*l, ':') + 2 : *l;

		puts(*l);
		/* "Loaded image: REF" or "Loaded image ID: sha256:..." */
		store_image_event(s, "load", what, NULL);
	}
	return 0;
}

/*
 * Docker lists a container's bridge, host or none network in
 * NetworkSettings.Networks as it does a user network (moby
 * daemon/container_operations.go); hull's record keeps the default bridge's
 * address at the top level only, so the entry is made here, from those fields.
 */
static void inspect_predefined_network(struct store *s, struct container *c, json_t *o)
{
	struct container_net_mode m = container_net_mode(c->rec);
	const char *mode = m.name;
	json_t *ns = json_object_get(o, "NetworkSettings"), *eps, *ep;
	_cleanup_json_ json_t *net = NULL;
	bool bridge;

	if (!json_is_object(ns) || m.kind == CONTAINER_NET_USER ||
	    m.kind == CONTAINER_NET_CONTAINER)
		return;
	eps = json_object_get(ns, "Networks");
	if (!json_is_object(eps)) {
		eps = json_object();
		json_object_set_new(ns, "Networks", eps);
	}
	if (json_object_get(eps, mode))
		return;
	(void) network_find(s, mode, &net, NULL);
	/* a container never started has no endpoint yet: docker's NetworkID is "" */
	ep = network_endpoint_new(
		net && c->state.status != CONTAINER_CREATED ? json_get_str(net, "Id") : "", NULL,
		NULL);
	bridge = streq(mode, "bridge") && !isempty(json_get_str(ns, "IPAddress"));
	if (bridge) {
		static const char *const copy[] = {"EndpointID", "Gateway", "IPAddress",
						   "IPPrefixLen", "MacAddress"};

		for (size_t i = 0; i < ARRAY_SIZE(copy); i++)
			if (json_object_get(ns, copy[i]))
				json_object_set(ep, copy[i], json_object_get(ns, copy[i]));
	}
	json_object_set_new(ep, "DNSNames", json_null());
	json_object_set_new(eps, mode, ep);
}

/*
 * NetworkSettings.Ports of a running container with a network of its own:
 * docker lists every exposed port, null for one without a binding (moby
 * daemon/network.go getPortMapInfo); the record keeps the bindings only.
 */
static void inspect_exposed_ports(struct container *c, json_t *o)
{
	json_t *ports = json_object_get(json_object_get(o, "NetworkSettings"), "Ports");
	_cleanup_free_ struct container_port *p = NULL;
	size_t n;

	if (!json_is_object(ports))
		return;
	container_ports(c, NULL, &p, &n);
	for (size_t i = 0; i < n; i++)
		if (p[i].public_port == 0) {
			_cleanup_free_ char *k = xasprintf("%u/%s", p[i].private_port, p[i].type);
			if (!json_object_get(ports, k))
				json_object_set_new(ports, k, json_null());
		}
}

/*
 * The record's members in the order of docker's types.ContainerJSON (what
 * `docker inspect` prints); members docker does not have come after them,
 * in the record's order.
 */
static json_t *inspect_order(json_t *rec)
{
	static const char *const order[] = {
		"Id",		"Created",	   "Path",	   "Args",	 "State",
		"Image",	"ResolvConfPath",  "HostnamePath", "HostsPath",	 "LogPath",
		"Name",		"RestartCount",	   "Driver",	   "Platform",	 "MountLabel",
		"ProcessLabel", "AppArmorProfile", "ExecIDs",	   "HostConfig", "GraphDriver",
		"SizeRw",	"SizeRootFs",	   "Mounts",	   "Config",	 "NetworkSettings",
	};
	json_t *o = json_object(), *v;
	const char *k;

	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if ((v = json_object_get(rec, order[i])))
			json_object_set(o, order[i], v);
	json_object_foreach (rec, k, v)
		if (!json_object_get(o, k))
			json_object_set(o, k, v);
	return o;
}

static json_t *container_inspect_json(struct store *s, struct container *c, bool size)
{
	_cleanup_json_ json_t *copy = json_deep_copy(c->rec);
	json_t *o;

	if (size) {
		/* inspect --size: docker's two *int64 members, omitted without it */
		int64_t rw, rootfs;

		container_size(s, c, &rw, &rootfs);
		json_object_set_new(copy, "SizeRw", json_integer((json_int_t) rw));
		json_object_set_new(copy, "SizeRootFs", json_integer((json_int_t) rootfs));
	}
	o = inspect_order(copy);
	json_t *st = json_object(),
	       *health = json_object_get(json_object_get(c->rec, "State"), "Health");

	/* State from the typed state, in docker's order (types.ContainerState) */
	container_state_store(&c->state, st);
	if (health)
		json_object_set(st, "Health", health);
	json_object_set_new(o, "State", st);
	json_object_del(o, "Hull");
	inspect_predefined_network(s, c, o);
	inspect_exposed_ports(c, o);
	return o;
}

const struct cli_command cli_inspect_command = {
	.name = "inspect",
	.usage = "[OPTIONS] NAME|ID [NAME|ID...]",
	.description = "Return low-level information on containers and images",
	.min_args = 1,
	.max_args = -1,
};

int cmd_inspect(struct cli *cl, int argc, char **argv)
{
	const char *format = NULL, *type = NULL;
	bool size = false;
	const struct cli_option options[] = {
		CLI_STRING('f', "format", &format, NULL,
			   "Format output using a custom template: 'json', 'TEMPLATE'"),
		CLI_BOOL('s', "size", &size, "Display total file sizes if the type is container"),
		CLI_STRING(0, "type", &type, NULL, "Only inspect objects of the given type"),
		CLI_OPT_END,
	};
	struct hull_err *e = NULL;
	struct store *s;
	json_t *out;
	/* the Go type of each object of out, for the template */
	_cleanup_free_ const struct tmpl_type **types = xcalloc((size_t) argc + 1, sizeof(*types));
	int rc, ind;

	rc = cli_parse(&cli_inspect_command, options, argc, argv, &ind);
	if (rc >= 0)
		return rc;
	rc = 0;
	if (type && !streq(type, "container") && !streq(type, "image"))
		return cli_usage_error("inspect", "\"%s\" is not a valid value for --type", type);
	out = json_array();
	if (cli_store(cl, &s, &e) < 0) {
		json_decref(out);
		return cli_fail(e);
	}
	for (int i = ind; i < argc; i++) {
		struct container *c = NULL;
		struct image *img = NULL;
		if ((!type || streq(type, "container")) &&
		    container_load(s, argv[i], &c, NULL) == 0) {
			types[json_array_size(out)] = &fmt_container_inspect;
			json_array_append_new(out, container_inspect_json(s, c, size));
			container_free(c);
		} else if ((!type || streq(type, "image")) &&
			   store_image_get(s, argv[i], &img, NULL) == 0) {
			types[json_array_size(out)] = &fmt_image_inspect;
			json_array_append_new(out, image_inspect_json(s, img));
			image_free(img);
		} else {
			fprintf(stderr, "Error: No such %s: %s\n", type ? type : "object", argv[i]);
			rc = 1;
		}
	}
	if (format && !streq(format, "json")) { /* inspect --format json: the array, as docker */
		size_t i;
		json_t *v;
		json_array_foreach (out, i, v) {
			_cleanup_free_ char *s2 = NULL;

			/* docker's *int64 members are there for a template, nil without --size */
			if (types[i] == &fmt_container_inspect && !json_object_get(v, "SizeRw")) {
				json_object_set_new(v, "SizeRw", json_null());
				json_object_set_new(v, "SizeRootFs", json_null());
			}
			s2 = format_template(format, v, types[i], true, &e);
			if (!s2) {
				json_decref(out);
				return cli_fail(e);
			}
			printf("%s\n", s2);
		}
	} else {
		_cleanup_free_ char *s2 = json_dump_str(out, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
		printf("%s\n", s2);
	}
	json_decref(out);
	return rc;
}
