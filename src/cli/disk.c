/* SPDX-License-Identifier: MIT */
/*
 * image prune and system df: docker/cli cli/command/image/prune.go,
 * system/df.go and formatter/disk_usage.go for the output; moby
 * daemon/images/image_prune.go, image_delete.go and daemon/disk_usage.go
 * for what is pruned and counted.
 *
 * docker links a built image to its parent (the previous step's image);
 * hull records no parents, so image A is taken as an ancestor of image B
 * when A's history is a strict prefix of B's and A's layers are a prefix of
 * B's: exactly the relation of the images of a build's steps (and of a
 * FROM image to what was built on it).
 */
#include <dirent.h>
#include <fcntl.h>
#include <time.h>
#include "build/buildcache.h"
#include "cli/cli.h"
#include "container/network.h"
#include "container/volume.h"
#include "image/reference.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* ---- the images of the store, with what uses them ---- */

struct dimg {
	struct image *img;
	char **tags;	/* familiar: "busybox:latest" */
	char **digests; /* familiar: "busybox@sha256:..." */
	int containers; /* containers created from it */
	bool gone;	/* deleted by this prune */
	int64_t *lsize; /* size of each layer, bytes */
	int64_t size;	/* their sum */
	int64_t shared; /* the part in layers other images use too */
};

struct dstore {
	struct dimg *v;
	size_t n;
};

static void dstore_release(struct dstore *d)
{
	for (size_t i = 0; i < d->n; i++) {
		image_free(d->v[i].img);
		strv_free(d->v[i].tags);
		strv_free(d->v[i].digests);
		free(d->v[i].lsize);
	}
	free(d->v);
	*d = (struct dstore){0};
}

/*
 * A layer's size on disk: its tar's (as `images` counts), else what its
 * directory holds, plus the compressed blob a pull keeps beside it (docker
 * keeps none, but hull's disk holds it: `image prune` reclaims it too).
 */
static int64_t layer_size(struct store *s, const char *diff_id, const char *chain_id,
			  const char *blob)
{
	int64_t sz = store_blob_size(s, diff_id), bsz;

	if (sz < 0) {
		_cleanup_free_ char *dir = store_layer_dir(s, chain_id);
		sz = dir_size(dir);
	}
	bsz = streq(blob, diff_id) ? -1 : store_blob_size(s, blob);
	return (sz > 0 ? sz : 0) + (bsz > 0 ? bsz : 0);
}

static int dstore_load(struct store *s, struct dstore *d, struct hull_err **err)
{
	_cleanup_strv_ char **manifests = NULL;
	struct container **cl = NULL;
	json_t *refs = NULL, *v;
	const char *k;
	int r;

	r = store_refs(s, &refs, err);
	if (r == 0)
		r = store_image_list(s, &manifests, err);
	if (r == 0)
		r = container_list(s, &cl, err);
	if (r < 0) {
		json_decref(refs);
		return r;
	}
	STRV_FOREACH (m, manifests) {
		struct dimg x = {0};
		size_t nl;

		if (store_image_load(s, *m, &x.img, NULL) < 0)
			continue;
		x.tags = strv_new();
		json_object_foreach (refs, k, v) {
			struct image_ref ref;
			if (!streq(json_string_value(v) ?: "", *m) || ref_parse(k, &ref, NULL) < 0)
				continue;
			strv_consume(&x.tags, ref_familiar(&ref));
			ref_release(&ref);
		}
		x.digests = store_repo_digests(s, *m);
		for (size_t i = 0; cl[i]; i++)
			x.containers += streq(json_get_str(cl[i]->rec, "Image") ?: "", x.img->id);
		nl = strv_length(x.img->chain_ids);
		x.lsize = xcalloc(nl + 1, sizeof(int64_t));
		for (size_t i = 0; i < nl; i++) {
			x.lsize[i] = layer_size(s, x.img->diff_ids[i], x.img->chain_ids[i],
						x.img->layer_digests[i]);
			x.size += x.lsize[i];
		}
		d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
		d->v[d->n++] = x;
	}
	/* shared: layers (chains) another image has too */
	for (size_t i = 0; i < d->n; i++)
		for (size_t l = 0; d->v[i].img->chain_ids[l]; l++)
			for (size_t j = 0; j < d->n; j++)
				if (j != i && strv_contains(d->v[j].img->chain_ids,
							    d->v[i].img->chain_ids[l])) {
					d->v[i].shared += d->v[i].lsize[l];
					break;
				}
	json_decref(refs);
	container_list_free(cl);
	return 0;
}

static bool referenced(const struct dimg *x)
{
	return x->tags[0] || x->digests[0];
}

/* Is @a an ancestor of @b (see the top of the file)? */
static bool ancestor(const struct dimg *a, const struct dimg *b)
{
	return image_is_ancestor(a->img, b->img);
}

static bool has_children(const struct dstore *d, const struct dimg *a)
{
	for (size_t j = 0; j < d->n; j++)
		if (!d->v[j].gone && ancestor(a, &d->v[j]))
			return true;
	return false;
}

/* The nearest ancestor of @b still there (docker's parent), or NULL. */
static struct dimg *parent_of(struct dstore *d, const struct dimg *b)
{
	struct dimg *best = NULL;

	for (size_t j = 0; j < d->n; j++) {
		struct dimg *a = &d->v[j];
		if (a->gone || !ancestor(a, b))
			continue;
		if (!best || json_array_size(json_object_get(a->img->config, "history")) >
				     json_array_size(json_object_get(best->img->config, "history")))
			best = a;
	}
	return best;
}

/* ---- image prune ---- */

static bool filters_match(const struct prune_filter *f, const struct dimg *x)
{
	return prune_filter_match(
		f, json_object_get(json_object_get(x->img->config, "config"), "Labels"),
		time_parse_rfc3339(json_get_str(x->img->config, "created")));
}

/* Delete @x (no references left, no container): docker's "deleted:" lines. */
static int prune_delete(struct store *s, struct dimg *x, struct strbuf *out, uint64_t *bytes,
			struct hull_err **err)
{
	_cleanup_strv_ char **layers = NULL;
	uint64_t b = 0;
	int r;

	r = store_image_delete_report(s, x->img, &layers, &b, err);
	if (r < 0)
		return r;
	x->gone = true;
	*bytes += b;
	(void) strbuf_addf(out, "deleted: %s\n", x->img->id);
	STRV_FOREACH (l, layers)
		(void) strbuf_addf(out, "deleted: %s\n", *l);
	return 0;
}

/*
 * The build cache's keys (cache/<64 hex>, build/build.c cache_put()) name
 * images by id: drop the keys of images that are gone, which would only
 * miss. Other files there (the content-hash cache) stay.
 */
static void prune_build_cache(struct store *s)
{
	_cleanup_free_ char *dir = path_join(s->root, "cache");
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL, *id = NULL, *full = NULL;
		struct image *img = NULL;

		full = xasprintf("sha256:%s", de->d_name);
		if (!digest_valid(full))
			continue;
		p = path_join(dir, de->d_name);
		if (read_file(p, 4096, &id, NULL, NULL) < 0 || !digest_valid(id))
			continue;
		if (store_image_get(s, id, &img, NULL) == -ENOENT)
			(void) unlinkat(dirfd(d), de->d_name, 0);
		image_free(img);
	}
	closedir(d);
}

static int cmp_dimg(const void *a, const void *b)
{
	const struct dimg *x = *(struct dimg *const *) a, *y = *(struct dimg *const *) b;
	size_t hx = json_array_size(json_object_get(x->img->config, "history"));
	size_t hy = json_array_size(json_object_get(y->img->config, "history"));

	/* children before their parents */
	if (hx != hy)
		return hx > hy ? -1 : 1;
	return strcmp(x->img->manifest_digest, y->img->manifest_digest);
}

/*
 * moby ImagePrune: without @all the dangling images (no tag; repository
 * digests do not count) that are no image's parent; with @all every image.
 * An image a container uses is kept (and so are its ancestors), as docker's
 * delete conflicts keep it. Each deleted image's untagged parents follow it
 * (docker's PruneChildren). The report goes to @out.
 */
static int image_prune(struct store *s, bool all, const struct prune_filter *f, struct strbuf *out,
		       uint64_t *ret_bytes, struct hull_err **err)
{
	struct dstore d = {0};
	_cleanup_free_ struct dimg **top = NULL;
	size_t n_top = 0;
	uint64_t bytes = 0;
	int r;

	r = dstore_load(s, &d, err);
	if (r < 0)
		return r;
	top = xcalloc(d.n + 1, sizeof(*top));
	for (size_t i = 0; i < d.n; i++) {
		struct dimg *x = &d.v[i];
		bool children = has_children(&d, x);

		if (!referenced(x) && children)
			continue; /* an intermediate image: it goes with its child */
		if (!all && (x->tags[0] || children))
			continue;
		if (filters_match(f, x))
			top[n_top++] = x;
	}
	qsort(top, n_top, sizeof(*top), cmp_dimg);
	for (size_t i = 0; i < n_top && r == 0; i++) {
		struct dimg *x = top[i], *p;

		if (x->gone || x->containers > 0 || has_children(&d, x))
			continue;
		STRV_FOREACH (t, x->tags) {
			r = store_untag(s, *t, err);
			if (r < 0)
				break;
			(void) strbuf_addf(out, "untagged: %s\n", *t);
		}
		STRV_FOREACH (t, x->digests) {
			if (r < 0)
				break;
			r = store_untag(s, *t, err);
			if (r == 0)
				(void) strbuf_addf(out, "untagged: %s\n", *t);
		}
		if (r == 0)
			r = prune_delete(s, x, out, &bytes, err);
		/* its parents, while nothing else holds them */
		for (p = r == 0 ? parent_of(&d, x) : NULL;
		     p && r == 0 && !referenced(p) && p->containers == 0 && !has_children(&d, p);
		     p = parent_of(&d, p))
			r = prune_delete(s, p, out, &bytes, err);
	}
	dstore_release(&d);
	if (bytes)
		prune_build_cache(s);
	*ret_bytes = bytes;
	return r;
}

static const struct cli_option image_prune_options[] = {
	CLI_BOOL_ID('a', "all", 'a', "Remove all unused images, not just dangling ones"),
	CLI_LIST_ID(0, "filter", 'F', "filter",
		    "Provide filter values (e.g. \"until=<timestamp>\")"),
	CLI_BOOL_ID('f', "force", 'f', "Do not prompt for confirmation"),
	CLI_OPT_END,
};
const struct cli_command cli_image_prune_command = {
	.name = "image prune",
	.usage = "[OPTIONS]",
	.description = "Remove unused images",
	.options = image_prune_options,
};

int cmd_image_prune(struct cli *cl, int argc, char **argv)
{
	_cleanup_strv_ char **filter_args = NULL;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	_cleanup_free_ char *h = NULL;
	struct prune_filter f = {0};
	struct hull_err *e = NULL;
	bool all = false, force = false;
	int dangling;
	uint64_t bytes = 0;
	struct store *s;
	int o, r;
	struct cli_parse p;

	cli_parse_init(&p, &cli_image_prune_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		const char *optarg = p.arg;

		if (o == 'a')
			all = true;
		else if (o == 'f')
			force = true;
		else if (o == 'F')
			strv_push(&filter_args, optarg);
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	if (!force && !cli_confirm(all ? "WARNING! This will remove all images without at least "
					 "one container associated to them.\n"
				       : "WARNING! This will remove all dangling images.\n"))
		return 0; /* docker: cancelled, exit 0 */
	r = cli_prune_filter_parse(filter_args, "dangling label label! until", "dangling",
				   &dangling, &f);
	if (r != 0)
		goto out;
	if (dangling == 0)
		all = true; /* moby's ImagesPrune: dangling=false is every unused image */
	r = cli_store(cl, &s, &e);
	if (r == 0) {
		r = store_lock(s, &e);
		if (r == 0) {
			r = image_prune(s, all, &f, &out, &bytes, &e);
			store_unlock(s);
		}
	}
	if (out.len) {
		/* what was done before a failure is reported too */
		printf("Deleted Images:\n%s\n", strbuf_cstr(&out));
	}
	if (r < 0) {
		r = cli_fail(e);
		goto out;
	}
	h = human_size_prec((double) bytes, 4);
	printf("Total reclaimed space: %s\n", h);
out:
	prune_filter_release(&f);
	return r;
}

/* ---- system df ---- */

/* newest first, as `images` */
static int cmp_created(const void *a, const void *b)
{
	const struct dimg *x = *(struct dimg *const *) a, *y = *(struct dimg *const *) b;
	double tx = time_parse_rfc3339(json_get_str(x->img->config, "created"));
	double ty = time_parse_rfc3339(json_get_str(y->img->config, "created"));

	return tx < ty ? 1 : tx > ty ? -1 : strcmp(x->img->id, y->img->id);
}

/* "4.26MB (50%)", as the df formatter's Reclaimable(). */
static char *reclaimable(int64_t reclaim, int64_t total)
{
	_cleanup_free_ char *h = human_size_prec((double) reclaim, 4);

	if (total > 0)
		return xasprintf("%s (%lld%%)", h, (long long) (reclaim * 100 / total));
	return TAKE_PTR(h);
}

static bool container_active(struct container *c)
{
	return container_is_running(c) || c->state.status == CONTAINER_PAUSED ||
	       c->state.status == CONTAINER_RESTARTING;
}

/* How many containers mount the volume @name. */
static int volume_links(struct container **cl, const char *name)
{
	int n = 0;

	for (size_t i = 0; cl[i]; i++) {
		size_t j;
		json_t *m;
		json_array_foreach (json_object_get(cl[i]->rec, "Mounts"), j, m)
			if (streq(json_get_str(m, "Name") ?: "", name)) {
				n++;
				break;
			}
	}
	return n;
}

#define DF_TABLE "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"

/* docker's column titles of system df (cli/command/formatter/disk_usage.go) */
static const char *const df_headers[][2] = {
	{"Type", "TYPE"}, {"TotalCount", "TOTAL"},	  {"Active", "ACTIVE"},
	{"Size", "SIZE"}, {"Reclaimable", "RECLAIMABLE"}, {NULL, NULL},
};

/* system df --format: docker's four rows, each its own formatter context */
static int df_format(struct format_list *fl, int ni, int ai, int64_t si, int64_t ri, int nc, int ac,
		     int64_t sc, int64_t rc, int nv, int av, int64_t sv, int64_t rv,
		     struct hull_err **err)
{
	const struct {
		const char *type;
		const struct tmpl_type *t;
		int n, active;
		int64_t size, reclaim;
	} rows[] = {
		{"Images", &fmt_df_images_row, ni, ai, si, ri},
		{"Containers", &fmt_df_containers_row, nc, ac, sc, rc},
		{"Local Volumes", &fmt_df_volumes_row, nv, av, sv, rv},
		{"Build Cache", &fmt_df_cache_row, 0, 0, 0, 0},
	};
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(rows) && r == 0; i++) {
		_cleanup_free_ char *size = human_size_prec((double) rows[i].size, 4),
				    *rec = reclaimable(rows[i].reclaim, rows[i].size);
		_cleanup_json_ json_t *o = NULL;
		char n[16], a[16];

		snprintf(n, sizeof(n), "%d", rows[i].n);
		snprintf(a, sizeof(a), "%d", rows[i].active);
		o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "Active", a, "Reclaimable", rec, "Size",
			      size, "TotalCount", n, "Type", rows[i].type);
		fl->type = rows[i].t;
		r = format_row(fl, o, NULL, err);
	}
	if (r == 0)
		format_list_print(fl, df_headers);
	format_list_release(fl);
	return r;
}

static const struct cli_option system_df_options[] = {
	CLI_STRING_ID(0, "format", 'F', NULL, CLI_FORMAT_HELP),
	CLI_BOOL_ID('v', "verbose", 'v', "Show detailed information on space usage"),
	CLI_OPT_END,
};
const struct cli_command cli_system_df_command = {
	.name = "system df",
	.usage = "[OPTIONS]",
	.description = "Show hull disk usage",
	.options = system_df_options,
};

int cmd_system_df(struct cli *cl, int argc, char **argv)
{
	struct hull_err *e = NULL;
	struct format_list fl;
	const char *fmt = NULL;
	struct container **cs = NULL;
	struct dstore d = {0};
	_cleanup_strv_ char **chains = strv_new();
	json_t *vols = NULL;
	bool verbose = false;
	struct store *s;
	struct timespec now;
	int64_t layers = 0, used = 0, ctr_total = 0, ctr_reclaim = 0, vol_total = 0,
		vol_reclaim = 0;
	int img_count = 0, img_active = 0, ctr_count = 0, ctr_active = 0, vol_count = 0,
	    vol_active = 0;
	int64_t *vol_size = NULL;
	int *vol_links = NULL;
	int64_t *ctr_size = NULL;
	struct build_cache_record *bc = NULL;
	size_t n_bc = 0;
	int64_t bc_total = 0, bc_reclaim = 0;
	int bc_active = 0;
	size_t nv;
	int o, r = 0;
	struct cli_parse p;

	cli_parse_init(&p, &cli_system_df_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		const char *optarg = p.arg;

		if (o == 'v')
			verbose = true;
		else if (o == 'F')
			fmt = streq(optarg, "table") || !*optarg ? NULL : optarg;
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	if (fmt && verbose) {
		/* docker runs it on its whole verbose context; hull has no such context */
		fprintf(stderr, "hull: system df: --format with --verbose is not supported yet\n");
		return 125;
	}
	if (cli_store(cl, &s, &e) < 0 || dstore_load(s, &d, &e) < 0 ||
	    container_list(s, &cs, &e) < 0 || volume_list(s, &vols, &e) < 0) {
		dstore_release(&d);
		if (cs)
			container_list_free(cs);
		return cli_fail(e);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	/* the build cache: RUN --mount=type=cache directories (the step cache is images) */
	if (build_cache_list(s, &bc, &n_bc, NULL) < 0)
		n_bc = 0;
	for (size_t i = 0; i < n_bc; i++) {
		bc_total += bc[i].size;
		if (bc[i].in_use)
			bc_active++;
		else
			bc_reclaim += bc[i].size;
	}

	/* images: the ones `images` lists (not a build's intermediate steps); layers once each */
	for (size_t i = 0; i < d.n; i++) {
		struct dimg *x = &d.v[i];
		for (size_t l = 0; x->img->chain_ids[l]; l++)
			if (!strv_contains(chains, x->img->chain_ids[l])) {
				strv_push(&chains, x->img->chain_ids[l]);
				layers += x->lsize[l];
			}
		if (!referenced(x) && has_children(&d, x)) {
			x->gone = true; /* not listed: marks it for the loops below */
			continue;
		}
		img_count++;
		if (x->containers > 0) {
			img_active++;
			used += x->size - x->shared;
		}
	}
	for (size_t i = 0; cs[i]; i++) {
		_cleanup_free_ char *upper = path_join(cs[i]->dir, "upper");
		int64_t sz = dir_size(upper);
		sz = sz > 0 ? sz : 0;
		ctr_size = xrealloc(ctr_size, (i + 1) * sizeof(*ctr_size));
		ctr_size[i] = sz;
		ctr_count++;
		ctr_total += sz;
		if (container_active(cs[i]))
			ctr_active++;
		else
			ctr_reclaim += sz;
	}
	nv = json_array_size(vols);
	vol_size = xcalloc(nv + 1, sizeof(*vol_size));
	vol_links = xcalloc(nv + 1, sizeof(*vol_links));
	for (size_t i = 0; i < nv; i++) {
		json_t *v = json_array_get(vols, i);
		const char *mp = json_get_str(v, "Mountpoint");
		int64_t sz = mp ? dir_size(mp) : 0;
		vol_size[i] = sz > 0 ? sz : 0;
		vol_links[i] = volume_links(cs, json_get_str(v, "Name") ?: "");
		vol_count++;
		vol_total += vol_size[i];
		if (vol_links[i] > 0)
			vol_active++;
		else
			vol_reclaim += vol_size[i];
	}

	if (fmt) {
		r = format_list_init(&fl, fmt, DF_TABLE, NULL, false, &e);
		if (r == 0)
			r = df_format(&fl, img_count, img_active, layers, layers - used, ctr_count,
				      ctr_active, ctr_total, ctr_reclaim, vol_count, vol_active,
				      vol_total, vol_reclaim, &e);
	} else if (!verbose) {
		struct table *t = table_new(5);
		_cleanup_free_ char *is = human_size_prec((double) layers, 4),
				    *ir = reclaimable(layers - used, layers),
				    *cs_ = human_size_prec((double) ctr_total, 4),
				    *cr = reclaimable(ctr_reclaim, ctr_total),
				    *vs = human_size_prec((double) vol_total, 4),
				    *vr = reclaimable(vol_reclaim, vol_total);
		char n1[16], a1[16], n2[16], a2[16], n3[16], a3[16];

		snprintf(n1, sizeof(n1), "%d", img_count);
		snprintf(a1, sizeof(a1), "%d", img_active);
		snprintf(n2, sizeof(n2), "%d", ctr_count);
		snprintf(a2, sizeof(a2), "%d", ctr_active);
		snprintf(n3, sizeof(n3), "%d", vol_count);
		snprintf(a3, sizeof(a3), "%d", vol_active);
		table_add(t, "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
		table_add(t, "Images", n1, a1, is, ir);
		table_add(t, "Containers", n2, a2, cs_, cr);
		table_add(t, "Local Volumes", n3, a3, vs, vr);
		/* the legacy builder's step cache is its intermediate images; the cache
		 * mounts are what BuildKit counts here too */
		{
			_cleanup_free_ char *bs = human_size_prec((double) bc_total, 4),
					    *br = human_size_prec((double) bc_reclaim, 4);
			char n4[16], a4[16];
			snprintf(n4, sizeof(n4), "%zu", n_bc);
			snprintf(a4, sizeof(a4), "%d", bc_active);
			table_add(t, "Build Cache", n4, a4, bs, br);
		}
		table_print(t, stdout);
	} else {
		struct table *t = table_new(8);

		puts("Images space usage:\n");
		table_add(t, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE",
			  "UNIQUE SIZE", "CONTAINERS");
		_cleanup_free_ struct dimg **order = xcalloc(d.n + 1, sizeof(*order));
		for (size_t i = 0; i < d.n; i++)
			order[i] = &d.v[i];
		qsort(order, d.n, sizeof(*order), cmp_created);
		for (size_t i = 0; i < d.n; i++) {
			struct dimg *x = order[i];
			_cleanup_free_ char *repo = xstrdup("<none>"), *tag = xstrdup("<none>");
			_cleanup_free_ char *created = NULL, *size = human_size((double) x->size),
					    *shared = human_size_prec((double) x->shared, 4),
					    *uniq = human_size_prec((double) (x->size - x->shared),
								    4);
			double ct = time_parse_rfc3339(json_get_str(x->img->config, "created"));
			char id[16], nc[16];
			struct image_ref ref;

			if (x->gone)
				continue;
			/* only the first tag, as docker */
			if (x->tags[0] && ref_parse(x->tags[0], &ref, NULL) == 0) {
				free(repo);
				free(tag);
				repo = ref_familiar_name(&ref);
				tag = xstrdup(ref.tag ?: "<none>");
				ref_release(&ref);
			}
			if (ct > 0) {
				_cleanup_free_ char *ago = human_duration((double) now.tv_sec - ct);
				created = xasprintf("%s ago", ago);
			} else {
				created = xstrdup("");
			}
			snprintf(id, sizeof(id), "%s", short_id(x->img->id));
			snprintf(nc, sizeof(nc), "%d", x->containers);
			table_add(t, repo, tag, id, created, size, shared, uniq, nc);
		}
		table_print(t, stdout);

		puts("\nContainers space usage:\n");
		t = table_new(8);
		table_add(t, "CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED",
			  "STATUS", "NAMES");
		for (size_t i = 0; cs[i]; i++) {
			json_t *row = ps_row(cs[i], false, NULL, &now), *m;
			_cleanup_free_ char *sz = human_size((double) ctr_size[i]);
			char nvol[16];
			int local = 0;
			size_t j;

			json_array_foreach (json_object_get(cs[i]->rec, "Mounts"), j, m)
				local += streq(json_get_str(m, "Driver") ?: "", "local");
			snprintf(nvol, sizeof(nvol), "%d", local);
			table_add(t, json_get_str(row, "ID"), json_get_str(row, "Image"),
				  json_get_str(row, "Command"), nvol, sz,
				  json_get_str(row, "RunningFor"), json_get_str(row, "Status"),
				  json_get_str(row, "Names"));
			json_decref(row);
		}
		table_print(t, stdout);

		puts("\nLocal Volumes space usage:\n");
		t = table_new(3);
		table_add(t, "VOLUME NAME", "LINKS", "SIZE");
		for (size_t i = 0; i < nv; i++) {
			_cleanup_free_ char *sz = human_size_prec((double) vol_size[i], 4);
			char links[16];
			snprintf(links, sizeof(links), "%d", vol_links[i]);
			table_add(t, json_get_str(json_array_get(vols, i), "Name"), links, sz);
		}
		table_print(t, stdout);

		{
			_cleanup_free_ char *bs = human_size_prec((double) bc_total, 4);
			printf("\nBuild cache usage: %s\n\n", bs);
		}
		t = table_new(7);
		table_add(t, "CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE",
			  "SHARED");
		for (size_t i = 0; i < n_bc; i++) {
			_cleanup_free_ char *id = NULL, *sz = NULL, *cr = NULL, *lu = NULL,
					    *a = NULL, *b = NULL;
			id = xasprintf("%.12s%s", bc[i].key, bc[i].in_use ? "*" : "");
			sz = human_size_prec((double) bc[i].size, 4);
			a = human_duration((double) now.tv_sec - bc[i].created);
			b = human_duration((double) now.tv_sec - bc[i].last_used);
			cr = xasprintf("%s ago", a);
			lu = xasprintf("%s ago", b);
			/* the use count is not kept */
			table_add(t, id, "exec.cachemount", sz, cr, lu, "", "false");
		}
		table_print(t, stdout);
	}
	build_cache_records_free(bc, n_bc);
	free(vol_size);
	free(vol_links);
	free(ctr_size);
	json_decref(vols);
	container_list_free(cs);
	dstore_release(&d);
	return r < 0 ? cli_fail(e) : 0;
}

/* ---- builder prune ---- */

/*
 * Lines of cells aligned as Go's text/tabwriter with a tab as the padding
 * character (buildx's NewWriter(out, 1, 8, 1, '\t', 0)): each column as wide
 * as its widest cell plus one, rounded up to a tab stop, filled with tabs.
 * The last cell of a line is not a column.
 */
static void print_tab_padded(FILE *f, char ***rows, size_t n_rows, size_t n_cols)
{
	size_t *w = xcalloc(n_cols + 1, sizeof(*w));

	for (size_t r = 0; r < n_rows; r++)
		for (size_t c = 0; c + 1 < n_cols; c++)
			if (strlen(rows[r][c]) + 1 > w[c])
				w[c] = strlen(rows[r][c]) + 1;
	for (size_t c = 0; c + 1 < n_cols; c++)
		w[c] = (w[c] + 7) / 8 * 8;
	for (size_t r = 0; r < n_rows; r++) {
		for (size_t c = 0; c + 1 < n_cols; c++) {
			size_t pad = w[c] - strlen(rows[r][c]);
			fputs(rows[r][c], f);
			for (size_t t = 0; t < (pad + 7) / 8; t++)
				fputc('\t', f);
		}
		fprintf(f, "%s\n", rows[r][n_cols - 1]);
	}
	free(w);
}

/* buildx prune's rows: the header with the first, then each row, aligned with tabs. */
static void print_pruned_cache(void *userdata, const struct build_cache_record *c)
{
	size_t *shown = userdata;
	_cleanup_free_ char *id = NULL, *size = NULL, *last = NULL;
	char ***rows;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	/* a cache directory is mutable: buildx marks its id with '*' */
	{
		_cleanup_free_ char *short_id = xasprintf("%.25s*", c->key);
		_cleanup_free_ char *h = human_size_prec((double) c->size, 4);
		id = xasprintf("%-40s", short_id);
		size = xasprintf("%-10s", h);
	}
	if (c->last_used > 0) {
		_cleanup_free_ char *ago = human_duration((double) now.tv_sec - c->last_used);
		last = xasprintf("%s ago", ago);
	}
	rows = xcalloc(2, sizeof(*rows));
	{
		char *hdr[] = {"ID", "RECLAIMABLE", "SIZE", "LAST ACCESSED"};
		char *row[] = {id, "true ", size, last ? last : ""};
		if ((*shown)++ == 0) {
			rows[0] = hdr;
			rows[1] = row;
			print_tab_padded(stdout, rows, 2, 4);
		} else {
			rows[0] = row;
			print_tab_padded(stdout, rows, 1, 4);
		}
	}
	free(rows);
}

/*
 * Remove the caches no build holds (with @filtered, those last used before
 * @until), calling @each for each removed; then, without a filter, the step
 * cache. *@ret_total: the bytes freed. A cache a build takes meanwhile stays.
 */
static int builder_prune(struct store *s, bool filtered, double until,
			 void (*each)(void *, const struct build_cache_record *), void *userdata,
			 int64_t *ret_total, struct hull_err **err)
{
	struct build_cache_record *v = NULL;
	size_t n = 0;
	int64_t total = 0;
	int r;

	r = build_cache_list(s, &v, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct build_cache_record *c = &v[i];

		if (c->in_use || (filtered && c->last_used >= until))
			continue;
		r = build_cache_remove(s, c->key, err);
		if (r == -EBUSY)
			continue; /* taken by a build meanwhile */
		if (r < 0) {
			build_cache_records_free(v, n);
			return r;
		}
		total += c->size;
		each(userdata, c);
	}
	build_cache_records_free(v, n);
	if (!filtered)
		build_cache_forget_steps(s);
	*ret_total = total;
	return 0;
}

/*
 * docker builder prune (buildx commands/prune.go): remove the RUN
 * --mount=type=cache directories no build uses, and, without a filter, the
 * step cache (the next build runs every step). hull keeps no frontend
 * images, so --all removes the same. The removed caches are listed as
 * buildx lists them (the header and first row, then each row, aligned with
 * tabs), then "Total:" and the space freed.
 */
static const struct cli_option builder_prune_options[] = {
	CLI_BOOL_ID('a', "all", 'a',
		    "Include internal/frontend images (hull has none: same as without)"),
	CLI_LIST_ID(0, "filter", 'F', "filter",
		    "Provide filter values (until=DURATION: caches unused for that long)"),
	CLI_BOOL_ID('f', "force", 'f', "Do not prompt for confirmation"),
	CLI_OPT_END,
};
const struct cli_command cli_builder_prune_command = {
	.name = "builder prune",
	.usage = "[OPTIONS]",
	.description = "Remove build cache",
	.options = builder_prune_options,
};

int cmd_builder_prune(struct cli *cl, int argc, char **argv)
{
	size_t shown = 0;
	struct hull_err *e = NULL;
	bool all = false, force = false, filtered = false;
	double until = 0;
	int64_t total = 0;
	struct store *s;
	int o, r;
	struct cli_parse p;

	cli_parse_init(&p, &cli_builder_prune_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		const char *optarg = p.arg;

		if (o == 'a') {
			all = true;
		} else if (o == 'f') {
			force = true;
		} else if (o == 'F') {
			_cleanup_free_ char *key = xstrdup(optarg);
			char *val = strchr(key, '=');
			if (val)
				*val++ = '\0';
			if (!val || (!streq(key, "until") && !streq(key, "unused-for")))
				return cli_usage_error(
					"builder prune",
					"invalid filter '%s': hull takes until=DURATION "
					"(or unused-for=DURATION) only",
					optarg);
			if (filtered)
				return cli_usage_error("builder prune",
						       "the until filter takes one value");
			if (cli_parse_time(val, &until) < 0)
				return cli_usage_error("builder prune",
						       "\"until\" filter expects a duration (e.g., "
						       "'24h'): %s",
						       val);
			filtered = true;
		}
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	if (!force && !cli_confirm(all ? "WARNING! This will remove all build cache. "
				       : "WARNING! This will remove all dangling build cache. "))
		return 0;
	r = cli_store(cl, &s, &e);
	if (r == 0)
		r = builder_prune(s, filtered, until, print_pruned_cache, &shown, &total, &e);
	if (r < 0)
		return cli_fail(e);
	{
		_cleanup_free_ char *h = human_size_prec((double) total, 4);
		char *row[] = {"Total:", h};
		char **rows[] = {row};
		print_tab_padded(stdout, rows, 1, 2);
	}
	return 0;
}

/* ---- system prune ---- */

static void collect_pruned_cache(void *userdata, const struct build_cache_record *c)
{
	struct strbuf *out = userdata;

	(void) strbuf_addf(out, "%s\n", c->key);
}

/*
 * docker system prune (docker/cli cli/command/system/prune.go): stopped
 * containers, then the user networks no container uses, then (with
 * --volumes) the anonymous volumes no container uses, then dangling images
 * (every image no container uses, with -a), then the build cache; each
 * part's report as its own prune command prints it, and one total.
 */
static const struct cli_option system_prune_options[] = {
	CLI_BOOL_ID('a', "all", 'a', "Remove all unused images not just dangling ones"),
	CLI_LIST_ID(0, "filter", 'F', "filter",
		    "Provide filter values (e.g. \"label=<key>=<value>\")"),
	CLI_BOOL_ID('f', "force", 'f', "Do not prompt for confirmation"),
	CLI_BOOL_ID(0, "volumes", 'V', "Prune anonymous volumes"),
	CLI_OPT_END,
};
const struct cli_command cli_system_prune_command = {
	.name = "system prune",
	.usage = "[OPTIONS]",
	.description = "Remove unused data",
	.options = system_prune_options,
};

int cmd_system_prune(struct cli *cl, int argc, char **argv)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT, warn = STRBUF_INIT, img = STRBUF_INIT,
				       cache = STRBUF_INIT;
	_cleanup_strv_ char **vols = NULL, **nets = NULL, **filter_args = NULL;
	_cleanup_free_ char *h = NULL;
	_cleanup_(prune_filter_release) struct prune_filter f = {0};
	struct hull_err *e = NULL;
	bool all = false, force = false, volumes = false;
	int64_t bytes = 0, b = 0;
	uint64_t ib = 0;
	struct store *s;
	int o, r;
	struct cli_parse p;

	cli_parse_init(&p, &cli_system_prune_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		if (o == 'a')
			all = true;
		else if (o == 'f')
			force = true;
		else if (o == 'V')
			volumes = true;
		else if (o == 'F')
			strv_push(&filter_args, p.arg);
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	STRV_FOREACH (a, filter_args)
		if (volumes && startswith(*a, "until=")) {
			/* docker/cli system/prune.go, before anything is asked or done */
			fprintf(stderr, "ERROR: The \"until\" filter is not supported with "
					"\"--volumes\"\n");
			return 1;
		}
	(void) strbuf_addf(&warn, "WARNING! This will remove:\n"
				  "  - all stopped containers\n"
				  "  - all networks not used by at least one container\n");
	if (volumes)
		(void) strbuf_addf(
			&warn, "  - all anonymous volumes not used by at least one container\n");
	(void) strbuf_addf(
		&warn, "%s",
		all ? "  - all images without at least one container associated to them\n"
		      "  - all build cache\n"
		    : "  - all dangling images\n"
		      "  - unused build cache\n");
	(void) strbuf_addf(&warn, "\n");
	if (!force && !cli_confirm(strbuf_cstr(&warn)))
		return 0;
	/* one set of filters for every step, as docker/cli passes them (until, label, label!) */
	if (cli_prune_filter_parse(filter_args, "label label! until", NULL, NULL, &f) != 0)
		return 1;
	r = cli_store(cl, &s, &e);
	if (r == 0)
		r = cli_container_prune(cl, s, &f, &out, &b, &e);
	if (r < 0)
		return cli_fail(e);
	bytes += b;
	if (out.len)
		(void) strbuf_addf(&out, "\n");
	r = network_prune(s, &f, &nets, &e);
	if (r < 0)
		goto fail;
	if (nets[0]) {
		(void) strbuf_addf(&out, "Deleted Networks:\n");
		STRV_FOREACH (n, nets)
			(void) strbuf_addf(&out, "%s\n", *n);
		(void) strbuf_addf(&out, "\n");
	}
	if (volumes) {
		r = volume_prune(s, false, &f, &vols, &b, &e);
		if (r < 0)
			goto fail;
		bytes += b;
		if (vols[0]) {
			(void) strbuf_addf(&out, "Deleted Volumes:\n");
			STRV_FOREACH (v, vols)
				(void) strbuf_addf(&out, "%s\n", *v);
			(void) strbuf_addf(&out, "\n");
		}
	}
	r = store_lock(s, &e);
	if (r < 0)
		goto fail;
	r = image_prune(s, all, &f, &img, &ib, &e);
	store_unlock(s);
	if (img.len)
		(void) strbuf_addf(&out, "Deleted Images:\n%s\n", strbuf_cstr(&img));
	if (r < 0)
		goto fail;
	bytes += (int64_t) ib;
	/* the build cache has no labels: a label filter leaves it, until applies */
	if (!f.labels && !f.not_labels)
		r = builder_prune(s, f.has_until, f.until, collect_pruned_cache, &cache, &b, &e);
	if (cache.len)
		(void) strbuf_addf(&out, "Deleted build cache objects:\n%s\n", strbuf_cstr(&cache));
	if (r < 0)
		goto fail;
	bytes += b;
	fputs(strbuf_cstr(&out), stdout);
	h = human_size_prec((double) bytes, 4);
	printf("Total reclaimed space: %s\n", h);
	return 0;
fail:
	/* what was done before the failure is reported too */
	fputs(strbuf_cstr(&out), stdout);
	return cli_fail(e);
}

/* ---- system check ---- */

/* One line per problem: "OBJECT: PROBLEM", and " (removed)" when --repair removed it. */
static void check_report(void *arg, const char *object, const char *problem, bool repaired)
{
	(void) arg;
	printf("%s: %s%s\n", object, problem, repaired ? " (removed)" : "");
}

static const struct cli_option system_check_options[] = {
	CLI_BOOL_ID(0, "repair", 'r', "Remove the orphans; nothing referenced is touched"),
	CLI_OPT_END,
};
const struct cli_command cli_system_check_command = {
	.name = "system check",
	.usage = "[OPTIONS]",
	.description = "Verify the store as 'git fsck' does: blobs against their digests, layers\n"
		       "against their diffIDs, references, containers and runtime state, and\n"
		       "report the orphans that killed commands left (temporary files, blobs and\n"
		       "layers nothing uses, runroot entries of containers that no longer exist).\n"
		       "One line per problem: the object, then what is wrong.\n\n"
		       "Exit status: 0 when the store is clean (or --repair removed all that was\n"
		       "found), 1 when damage is left, 125 when the check could not run.",
	.options = system_check_options,
};

int cmd_system_check(struct cli *cl, int argc, char **argv)
{
	struct hull_err *e = NULL;
	bool repair = false;
	int o, left, r;
	struct cli_parse p;

	cli_parse_init(&p, &cli_system_check_command, argc, argv);
	while ((o = cli_parse_next(&p)) > 0) {
		if (o == 'r')
			repair = true;
	}
	if (o == CLI_PARSE_EXIT)
		return p.exit_code;
	/* keep what dead processes left in tmp/: it is for the check to report */
	if (!cl->store) {
		r = store_open_flags(cl->root, STORE_OPEN_KEEP_LEFTOVERS, &cl->store, &e);
		if (r < 0) {
			err_set_exit(&e, 125);
			return cli_fail(e);
		}
	}
	left = store_check(cl->store, repair, check_report, NULL, &e);
	if (left >= 0) {
		r = container_check(cl->store, cl->runroot, repair, check_report, NULL, &e);
		left = r < 0 ? r : left + r;
	}
	fflush(stdout);
	if (left < 0) {
		err_set_exit(&e, 125);
		return cli_fail(e);
	}
	return left > 0 ? 1 : 0;
}
