/* SPDX-License-Identifier: MIT */
/*
 * `hull pull` and `hull push` (docker/cli cli/command/image/pull.go,
 * push.go), with their progress drawn as docker's jsonmessage draws it:
 * on a terminal a line per layer, redrawn in place, with a progress bar;
 * otherwise one line per change of state and no bars.
 */
#include <inttypes.h>
#include <unistd.h>
#include "cli/cli.h"
#include "image/reference.h"
#include "registry/config.h"
#include "registry/pull.h"
#include "util/events.h"
#include "util/json.h"
#include "util/strv.h"

struct progress {
	FILE *out;
	bool tty;
	bool push;
	bool again; /* push -a after the first tag: the repository line is said once */
	char **ids; /* the layer lines drawn since the last message, in order */
};

/* docker's JSONProgress.String(): a 50-column bar and "current/total" */
static char *progress_bar(int64_t done, int64_t total)
{
	_cleanup_free_ char *cur = human_size((double) done), *tot = NULL;
	char bar[51];
	int n;

	if (total <= 0)
		return xasprintf("%8s", cur);
	tot = human_size((double) total);
	n = (int) (done * 50 / total);
	if (n > 50)
		n = 50;
	for (int i = 0; i < 50; i++)
		bar[i] = i < n ? '=' : ' ';
	if (n < 50)
		bar[n] = '>';
	bar[50] = '\0';
	return xasprintf("[%s] %8s/%s", bar, cur, tot);
}

static void draw(void *arg, const struct xfer_event *ev)
{
	struct progress *pr = arg;
	_cleanup_free_ char *bar = NULL;
	bool bar_state = ev->state == XFER_PROGRESS || ev->state == XFER_EXTRACTING;
	size_t line = 0, n;

	if (ev->state == XFER_MESSAGE) {
		if (pr->again && startswith(ev->text, "The push refers to repository "))
			return;
		fprintf(pr->out, "%s\n", ev->text);
		pr->ids = strv_free(pr->ids);
		fflush(pr->out);
		return;
	}
	if (!pr->tty && bar_state)
		return; /* docker draws no bars off a terminal */
	if (bar_state)
		bar = progress_bar(ev->done, ev->total);
	if (!pr->tty) {
		_cleanup_free_ char *text = xfer_event_line(ev, pr->push);
		fprintf(pr->out, "%s\n", text);
		fflush(pr->out);
		return;
	}
	n = strv_length(pr->ids);
	while (line < n && strcmp(pr->ids[line], ev->id) != 0)
		line++;
	if (line == n) {
		strv_push(&pr->ids, ev->id);
		fputc('\n', pr->out);
		n++;
	}
	/* up to the layer's line, redraw it, and back down */
	fprintf(pr->out, "\033[%zuA\r\033[2K%s: %s%s%s%s%s\r\033[%zuB", n - line, ev->id,
		xfer_state_text(ev->state, pr->push), ev->text ? " " : "", ev->text ?: "",
		bar ? " " : "", bar ?: "", n - line);
	fflush(pr->out);
}

/* "busybox" without ":tag" or "@digest": docker says which tag it uses */
static bool has_tag_or_digest(const char *ref)
{
	const char *last = strrchr(ref, '/');

	last = last ? last + 1 : ref;
	return strchr(last, ':') || strchr(ref, '@');
}

/* --disable-content-trust[=true] is docker's default; =false asks for Notary's
 * content trust, which hull does not have: refused, not ignored (1, reported). */
/* --disable-content-trust=false asks for Notary, which hull has not: refused */
static bool content_trust_refused(const char *cmd, bool disable_content_trust)
{
	if (!disable_content_trust)
		cli_usage_error(cmd, "--disable-content-trust=false: content trust (Notary) is "
				     "not supported by hull");
	return !disable_content_trust;
}

/* moby's pull and push events: Actor.ID "busybox:latest", name "busybox" */
static void ref_event(struct store *s, const char *action, const char *ref)
{
	struct image_ref r = {0};
	_cleanup_free_ char *id = NULL, *name = NULL;

	if (ref_parse(ref, &r, NULL) < 0)
		return;
	id = ref_familiar(&r);
	name = ref_familiar_name(&r);
	events_emit(s->root, "image", action, id, json_pack("{s:s}", "name", name));
	ref_release(&r);
}

/*
 * moby's PullImage: a single-platform image pulled with --platform that
 * is another platform's is kept, with a warning.
 */
static void warn_platform(struct store *s, const struct pull_result *res,
			  const struct platform *want)
{
	_cleanup_image_ struct image *img = NULL;
	_cleanup_free_ char *spec = NULL, *ws = NULL, *gs = NULL;
	struct hull_err *e = NULL;
	struct platform got = {0};
	const char *v;

	if (store_image_load(s, res->manifest_digest, &img, &e) < 0) {
		err_free(e);
		return;
	}
	v = json_get_str(img->config, "variant");
	spec = xasprintf("%s/%s%s%s", json_get_str(img->config, "os") ?: "linux",
			 json_get_str(img->config, "architecture") ?: "amd64",
			 isempty(v) ? "" : "/", isempty(v) ? "" : v);
	if (platform_parse(spec, &got, &e) < 0) {
		err_free(e);
		return;
	}
	ws = platform_string(want);
	gs = platform_string(&got);
	if (!streq(ws, gs))
		printf("WARNING: image with reference %s was found but does not match the "
		       "specified platform: wanted %s, actual: %s\n",
		       res->reference, ws, gs);
	platform_release(&got);
}

static int pull_one(struct cli *cl, const struct reg_config *cfg, const char *ref,
		    const struct platform *platform, bool quiet, struct hull_err **err)
{
	struct progress pr = {.out = stdout, .tty = isatty(STDOUT_FILENO)};
	struct pull_opts o = {
		.platform = platform, .progress = quiet ? NULL : draw, .progress_arg = &pr};
	struct pull_result res = {0};
	struct store *s;
	int r;

	r = cli_store(cl, &s, err);
	if (r < 0)
		return r;
	r = image_pull(s, cfg, ref, &o, &res, err);
	strv_free(pr.ids);
	if (r < 0)
		return r;
	if (!quiet) {
		printf("Digest: %s\n", res.digest);
		if (res.up_to_date)
			printf("Status: Image is up to date for %s\n", res.familiar);
		else
			printf("Status: Downloaded newer image for %s\n", res.familiar);
		if (platform)
			warn_platform(s, &res, platform);
	}
	puts(res.reference); /* image_pull() wrote the pull event */
	pull_result_release(&res);
	return 0;
}

/* pull -a: every tag of the repository, one after the other */
static int pull_all_tags(struct cli *cl, const struct reg_config *cfg, const char *ref,
			 const struct platform *platform, bool quiet, struct hull_err **err)
{
	struct progress pr = {.out = stdout, .tty = isatty(STDOUT_FILENO)};
	struct pull_opts o = {.platform = platform,
			      .progress = quiet ? NULL : draw,
			      .progress_arg = &pr,
			      .no_event = true};
	_cleanup_strv_ char **tags = NULL;
	struct image_ref r0 = {0};
	_cleanup_free_ char *name = NULL, *full = NULL;
	bool newer = false;
	struct store *s;
	int r;

	r = cli_store(cl, &s, err);
	if (r < 0)
		return r;
	r = ref_parse(ref, &r0, err);
	if (r < 0)
		return r;
	name = ref_familiar_name(&r0);
	full = xasprintf("%s/%s", r0.domain, r0.path);
	ref_release(&r0);
	r = image_pull_tags(cfg, ref, &tags, err);
	STRV_FOREACH (t, tags) {
		_cleanup_free_ char *one = xasprintf("%s:%s", full, *t);
		struct pull_result res = {0};

		if (r < 0)
			break;
		r = image_pull(s, cfg, one, &o, &res, err);
		if (r < 0)
			break;
		if (!quiet)
			printf("Digest: %s\n", res.digest);
		newer |= !res.up_to_date;
		pull_result_release(&res);
	}
	strv_free(pr.ids);
	if (r < 0)
		return r;
	if (!quiet)
		printf("Status: %s for %s\n",
		       newer ? "Downloaded newer image" : "Image is up to date", name);
	puts(full);
	/* moby: one event for the repository, its familiar name as the id */
	events_emit(s->root, "image", "pull", name, json_pack("{s:s}", "name", name));
	return 0;
}

/* hull pull: docker/cli cli/command/image/pull.go */
const struct cli_command cli_pull_command = {
	.name = "pull",
	.usage = "[OPTIONS] NAME[:TAG|@DIGEST]",
	.description = "Download an image from a registry",
	.aliases = "hull image pull, hull pull",
	.min_args = 1,
	.max_args = 1,
};

int cmd_pull(struct cli *cl, int argc, char **argv)
{
	const char *platform = getenv("DOCKER_DEFAULT_PLATFORM");
	bool all = false, quiet = false, have_plat = false, dct = true;
	const struct cli_option options[] = {
		CLI_BOOL('a', "all-tags", &all, "Download all tagged images in the repository"),
		CLI_BOOL(0, "disable-content-trust", &dct,
			 "Skip image verification (default true)"),
		CLI_STRING(0, "platform", &platform, NULL,
			   "Set platform if server is multi-platform capable"),
		CLI_BOOL('q', "quiet", &quiet, "Suppress verbose output"),
		CLI_OPT_END,
	};
	_cleanup_(reg_config_freep) struct reg_config *cfg = NULL;
	struct platform plat = {0};
	struct hull_err *e = NULL;
	int r, ind;

	r = cli_parse(&cli_pull_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (content_trust_refused("pull", dct))
		return 125;
	if (platform && *platform) {
		if (platform_parse(platform, &plat, &e) < 0)
			return cli_fail(e);
		have_plat = true;
	}
	if (all && has_tag_or_digest(argv[ind])) {
		platform_release(&plat);
		return cli_usage_error("pull", "tag can't be used with --all-tags/-a");
	}
	r = reg_config_load(&cfg, &e);
	if (r >= 0 && all)
		r = pull_all_tags(cl, cfg, argv[ind], have_plat ? &plat : NULL, quiet, &e);
	else if (r >= 0) {
		if (!has_tag_or_digest(argv[ind]) && !quiet)
			puts("Using default tag: latest");
		r = pull_one(cl, cfg, argv[ind], have_plat ? &plat : NULL, quiet, &e);
	}
	platform_release(&plat);
	return r < 0 ? cli_fail(e) : 0;
}

static int push_one(struct store *s, const struct reg_config *cfg, const char *ref, bool quiet,
		    bool again, struct hull_err **err)
{
	struct progress pr = {
		.out = stdout, .tty = isatty(STDOUT_FILENO), .push = true, .again = again};
	struct image_ref r0 = {0};
	char digest[DIGEST_STR_LEN];
	int64_t size = 0;
	int r;

	r = image_push(s, cfg, ref, quiet ? NULL : draw, &pr, digest, &size, err);
	strv_free(pr.ids);
	if (r < 0)
		return r;
	if (quiet) {
		r = ref_parse(ref, &r0, err);
		if (r < 0)
			return r;
		_cleanup_free_ char *full = ref_string(&r0);
		puts(full);
		ref_release(&r0);
	} else {
		r = ref_parse(ref, &r0, err);
		if (r < 0)
			return r;
		printf("%s: digest: %s size: %" PRId64 "\n", r0.tag, digest, size);
		ref_release(&r0);
	}
	ref_event(s, "push", ref);
	return 0;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The tags of @ref's repository in the store, sorted: push -a. */
static int repo_tags(struct store *s, const char *ref, char ***ret, struct hull_err **err)
{
	_cleanup_json_ json_t *refs = NULL;
	struct image_ref r0 = {0};
	_cleanup_free_ char *prefix = NULL, *name = NULL;
	const char *k;
	json_t *v;
	int r;

	r = ref_parse(ref, &r0, err);
	if (r < 0)
		return r;
	prefix = xasprintf("%s/%s:", r0.domain, r0.path);
	name = ref_familiar_name(&r0);
	ref_release(&r0);
	r = store_refs(s, &refs, err);
	if (r < 0)
		return r;
	*ret = strv_new();
	json_object_foreach (refs, k, v)
		if (startswith(k, prefix) && !strchr(k + strlen(prefix), '@'))
			strv_push(ret, k);
	qsort(*ret, strv_length(*ret), sizeof(char *), cmp_strp);
	if (!**ret) {
		*ret = strv_free(*ret);
		/* docker names the repository as it is spelt ("busybox"), without a tag */
		return err_setx(err, ENOENT, "An image does not exist locally with the tag: %s",
				name);
	}
	return 0;
}

/* hull push: docker/cli cli/command/image/push.go */
const struct cli_command cli_push_command = {
	.name = "push",
	.usage = "[OPTIONS] NAME[:TAG]",
	.description = "Upload an image to a registry",
	.aliases = "hull image push, hull push",
	.min_args = 1,
	.max_args = 1,
};

int cmd_push(struct cli *cl, int argc, char **argv)
{
	bool all = false, quiet = false, dct = true;
	const struct cli_option options[] = {
		CLI_BOOL('a', "all-tags", &all, "Push all tags of an image to the repository"),
		CLI_BOOL(0, "disable-content-trust", &dct, "Skip image signing (default true)"),
		CLI_BOOL('q', "quiet", &quiet, "Suppress verbose output"),
		CLI_OPT_END,
	};
	_cleanup_(reg_config_freep) struct reg_config *cfg = NULL;
	_cleanup_strv_ char **tags = NULL;
	struct hull_err *e = NULL;
	struct store *s;
	int r, ind;

	r = cli_parse(&cli_push_command, options, argc, argv, &ind);
	if (r >= 0)
		return r;
	if (content_trust_refused("push", dct))
		return 125;
	if (all && has_tag_or_digest(argv[ind]))
		return cli_usage_error("push", "tag can't be used with --all-tags/-a");
	r = reg_config_load(&cfg, &e);
	if (r >= 0)
		r = cli_store(cl, &s, &e);
	if (r >= 0 && all)
		r = repo_tags(s, argv[ind], &tags, &e);
	else if (r >= 0) {
		if (!has_tag_or_digest(argv[ind]) && !quiet)
			puts("Using default tag: latest");
		tags = strv_new();
		strv_push(&tags, argv[ind]);
	}
	STRV_FOREACH (t, tags) {
		if (r < 0)
			break;
		r = push_one(s, cfg, *t, quiet, t != tags, &e);
	}
	return r < 0 ? cli_fail(e) : 0;
}
