/* SPDX-License-Identifier: MIT */
/*
 * history (docker/cli cli/command/image/history.go and formatter_history.go;
 * the rows as moby's ImageService.ImageHistory() computes them).
 *
 * One row per entry of the config's "history", newest first. SIZE is the
 * layer's content size for an entry that made a layer (docker's DiffSize:
 * the bytes of its regular files), else 0. IMAGE is the image's id on the
 * newest row; the rows below it name the intermediate images of the build
 * as long as they are in the store (docker follows the legacy builder's
 * Parent chain; hull has no Parent field, so the parent of an image is the
 * image whose history and layers are exactly the first entries of its
 * own), and "<missing>" from the first one that is not.
 */
#include <ftw.h>
#include <time.h>
#include "cli/cli.h"
#include "container/container.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strv.h"

#define HISTORY_TABLE	  "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
#define HISTORY_TABLE_RAW "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
/* formatter.Ellipsis(createdBy, 45) */
#define CREATED_BY_WIDTH 45
/* created-at dates before 2000-01-01 show as "N/A" (formatter_history.go's epoch) */
#define HISTORY_EPOCH 946684800

struct hrow {
	char *id; /* image id or "<missing>" */
	double created;
	const char *created_by, *comment; /* borrowed from the config */
	int64_t size;
};

/* ---- layer sizes ---- */

static int64_t walk_total;
static struct {
	dev_t dev;
	ino_t ino;
} * walk_seen;
static size_t walk_n_seen;

static int walk_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) path;
	(void) flag;
	(void) ftw;
	if (!S_ISREG(st->st_mode))
		return 0;
	if (st->st_nlink > 1) {
		/* a hard link is archived once with its data: count each inode once */
		for (size_t i = 0; i < walk_n_seen; i++)
			if (walk_seen[i].dev == st->st_dev && walk_seen[i].ino == st->st_ino)
				return 0;
		walk_seen = xrealloc(walk_seen, (walk_n_seen + 1) * sizeof(*walk_seen));
		walk_seen[walk_n_seen].dev = st->st_dev;
		walk_seen[walk_n_seen].ino = st->st_ino;
		walk_n_seen++;
	}
	walk_total += st->st_size;
	return 0;
}

/* The bytes of the regular files of a layer, as moby's layer DiffSize(); 0 if it is absent. */
static int64_t layer_content_size(struct store *s, const char *chain_id)
{
	_cleanup_free_ char *dir = store_layer_dir(s, chain_id);

	walk_total = 0;
	walk_n_seen = 0;
	if (nftw(dir, walk_one, 32, FTW_PHYS) < 0)
		walk_total = 0;
	free(walk_seen);
	walk_seen = NULL;
	return walk_total;
}

/* ---- the intermediate images ---- */

/* Does @cand's history and layer list equal the first @n entries of @img's? */
static bool is_prefix_image(const struct image *cand, const struct image *img, size_t n,
			    size_t n_layers)
{
	json_t *ch = json_object_get(cand->config, "history");
	json_t *h = json_object_get(img->config, "history");

	if (json_array_size(ch) != n || strv_length(cand->diff_ids) != n_layers)
		return false;
	for (size_t i = 0; i < n_layers; i++)
		if (!streq(cand->diff_ids[i], img->diff_ids[i]))
			return false;
	for (size_t i = 0; i < n; i++)
		if (!json_equal(json_array_get(ch, i), json_array_get(h, i)))
			return false;
	return true;
}

/*
 * Fill rows[k].id for k = n-1 down to 0: the image itself, then each
 * intermediate image while one is found (moby's walk of img.Parent).
 */
static void fill_ids(struct store *s, const struct image *img, struct hrow *rows, size_t n)
{
	_cleanup_strv_ char **all = NULL;
	struct image **cands = NULL;
	size_t n_cands = 0;

	for (size_t k = 0; k < n; k++)
		rows[k].id = xstrdup("<missing>");
	if (n == 0)
		return;
	free(rows[n - 1].id);
	rows[n - 1].id = xstrdup(img->id);
	if (store_image_list(s, &all, NULL) < 0)
		return;
	STRV_FOREACH (m, all) {
		struct image *c = NULL;
		size_t hl;
		if (streq(*m, img->manifest_digest) || store_image_load(s, *m, &c, NULL) < 0)
			continue;
		hl = json_array_size(json_object_get(c->config, "history"));
		if (hl == 0 || hl >= n) {
			image_free(c);
			continue;
		}
		cands = xrealloc(cands, (n_cands + 1) * sizeof(*cands));
		cands[n_cands++] = c;
	}
	for (size_t k = n - 1; k > 0; k--) {
		/* the image made by history entry k-1: entries 0..k-1 and their layers */
		size_t layers = 0;
		bool found = false;
		json_t *h = json_object_get(img->config, "history");
		for (size_t i = 0; i < k; i++)
			if (!json_is_true(json_object_get(json_array_get(h, i), "empty_layer")))
				layers++;
		for (size_t c = 0; c < n_cands && !found; c++) {
			if (is_prefix_image(cands[c], img, k, layers)) {
				free(rows[k - 1].id);
				rows[k - 1].id = xstrdup(cands[c]->id);
				found = true;
			}
		}
		if (!found)
			break;
	}
	for (size_t c = 0; c < n_cands; c++)
		image_free(cands[c]);
	free(cands);
}

/* ---- output ---- */

/* formatter.Ellipsis(): at most @max characters, the last one "…" when cut. */
static char *ellipsis(const char *s, size_t max)
{
	size_t runes = 0, i = 0;

	for (const char *p = s; *p; p++)
		if (((unsigned char) *p & 0xc0) != 0x80)
			runes++;
	if (runes <= max)
		return xstrdup(s);
	for (runes = 0; s[i]; i++) {
		if (((unsigned char) s[i] & 0xc0) != 0x80 && runes++ == max - 1)
			break;
	}
	return xasprintf("%.*s…", (int) i, s);
}

/* time.Unix(t, 0).Format(time.RFC3339), in local time as docker prints it */
static char *rfc3339_local(double t)
{
	time_t tt = (time_t) t;
	struct tm tm;
	char buf[64], zone[8];

	localtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	if (tm.tm_gmtoff == 0)
		return xasprintf("%sZ", buf);
	strftime(zone, sizeof(zone), "%z", &tm); /* +hhmm -> +hh:mm */
	return xasprintf("%s%.3s:%s", buf, zone, zone + 3);
}

/* The fields of a row as formatter_history.go's historyContext: keys in Go's JSON order. */
static json_t *row_json(const struct hrow *r, bool trunc, bool human)
{
	_cleanup_free_ char *at = rfc3339_local(r->created), *since = NULL, *size = NULL,
			    *by = NULL;
	_cleanup_free_ char *flat = xstrdup(r->created_by);
	struct timespec now;

	for (char *p = flat; *p; p++)
		if (*p == '\t')
			*p = ' ';
	by = trunc ? ellipsis(flat, CREATED_BY_WIDTH) : xstrdup(flat);
	clock_gettime(CLOCK_REALTIME, &now);
	if (!human) {
		since = xstrdup(at);
		size = xasprintf("%lld", (long long) r->size);
	} else {
		_cleanup_free_ char *ago = human_duration((double) now.tv_sec - r->created);
		since = r->created <= HISTORY_EPOCH ? xstrdup("N/A") : xasprintf("%s ago", ago);
		size = human_size((double) r->size);
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "Comment", r->comment, "CreatedAt", at,
			 "CreatedBy", by, "CreatedSince", since, "ID",
			 trunc && !streq(r->id, "<missing>") ? short_id(r->id) : r->id, "Size",
			 size);
}

/* docker's column titles of history (formatter_history.go) */
static const char *const history_headers[][2] = {
	{"ID", "IMAGE"},
	{"CreatedSince", "CREATED"},
	{"CreatedAt", "CREATED AT"},
	{"CreatedBy", "CREATED BY"},
	{"Size", "SIZE"},
	{"Comment", "COMMENT"},
	{NULL, NULL},
};

/*
 * Render every row, newest first, with @format: "table [TEMPLATE]" gives a
 * header row and tab-separated cells aligned as docker's tabwriter, "json"
 * one JSON object per row, anything else the template once per row.
 * Returns 0 or the exit code of a bad template.
 */
static int print_rows(const char *format, const struct hrow *rows, size_t n, bool trunc, bool human)
{
	struct hull_err *e = NULL;
	struct format_list fl;

	if (format_list_init(&fl, format, human ? HISTORY_TABLE : HISTORY_TABLE_RAW,
			     &fmt_history_row, false, &e) < 0)
		return cli_fail(e);
	for (size_t i = n; i > 0; i--) {
		_cleanup_json_ json_t *v = row_json(&rows[i - 1], trunc, human);
		if (format_row(&fl, v, NULL, &e) < 0) {
			format_list_release(&fl);
			return cli_fail(e);
		}
	}
	format_list_print(&fl, history_headers);
	format_list_release(&fl);
	return 0;
}

const struct cli_command cli_history_command = {
	.name = "history",
	.usage = "[OPTIONS] IMAGE",
	.description = "Show the history of an image",
	.aliases = "hull image history, hull history",
	.min_args = 1,
	.max_args = 1,
};

int cmd_history(struct cli *cl, int argc, char **argv)
{
	const char *format = NULL, *platform = NULL;
	bool quiet = false, no_trunc = false, human = true;
	const struct cli_option options[] = {
		CLI_STRING(0, "format", &format, NULL, CLI_FORMAT_HELP),
		CLI_BOOL('H', "human", &human,
			 "Print sizes and dates in human readable format (default true)"),
		CLI_BOOL(0, "no-trunc", &no_trunc, "Don't truncate output"),
		CLI_STRING(0, "platform", &platform, NULL,
			   "Show history for the given platform (linux/amd64 only)"),
		CLI_BOOL('q', "quiet", &quiet, "Only show image IDs"),
		CLI_OPT_END,
	};
	struct hull_err *e = NULL;
	struct image *img = NULL;
	struct hrow *rows = NULL;
	bool trunc;
	json_t *hist, *h;
	struct store *s;
	size_t n, i, layer = 0;
	int rc, ind;

	rc = cli_parse(&cli_history_command, options, argc, argv, &ind);
	if (rc >= 0)
		return rc;
	trunc = !no_trunc;
	if (platform && !streq(platform, "linux/amd64") && !streq(platform, "linux"))
		return cli_usage_error("history",
				       "--platform %s: only linux/amd64 images are supported",
				       platform);
	if (cli_store(cl, &s, &e) < 0)
		return cli_fail(e);
	if (store_image_get(s, argv[ind], &img, &e) < 0) {
		/* docker prints the daemon's error and exits 1 */
		fprintf(stderr, "Error response from daemon: %s\n", e->msg);
		err_free(e);
		return 1;
	}
	hist = json_object_get(img->config, "history");
	n = json_array_size(hist);
	rows = xcalloc(n ? n : 1, sizeof(*rows));
	json_array_foreach (hist, i, h) {
		rows[i].created = time_parse_rfc3339(json_get_str(h, "created"));
		rows[i].created_by = json_get_str(h, "created_by") ?: "";
		rows[i].comment = json_get_str(h, "comment") ?: "";
		if (json_is_true(json_object_get(h, "empty_layer")))
			continue;
		if (layer >= strv_length(img->chain_ids)) {
			fprintf(stderr, "Error response from daemon: too many non-empty layers in "
					"History section\n");
			free(rows);
			image_free(img);
			return 1;
		}
		rows[i].size = layer_content_size(s, img->chain_ids[layer++]);
	}
	fill_ids(s, img, rows, n);
	if (!format)
		format = quiet ? "{{.ID}}" : human ? HISTORY_TABLE : HISTORY_TABLE_RAW;
	rc = print_rows(format, rows, n, trunc, human);
	for (i = 0; i < n; i++)
		free(rows[i].id);
	free(rows);
	image_free(img);
	return rc;
}
