/* SPDX-License-Identifier: MIT */
/*
 * Git sources: `ADD <git URL> <dest>` and a git URL as the build context, as
 * BuildKit's Dockerfile frontend takes them (frontend/dockerfile/dfgitutil
 * ParseGitRef and util/gitutil for what is a git URL, source/git for how it
 * is fetched). The repository is fetched with the `git` command, which must
 * be in PATH; see docs/internals/build.md "Git sources" for the rules.
 *
 * gitsrc_parse() and gitsrc_redact() are pure. gitsrc_resolve() and
 * gitsrc_checkout() run git with a clean environment (no system or user git
 * configuration, no terminal prompts, no hooks) and report its error as one
 * line that names the URL with its credentials masked. Errors follow
 * util/err.h.
 */
#ifndef HULL_BUILD_GITSRC_H
#define HULL_BUILD_GITSRC_H

#include <stdbool.h>
#include "image/store.h"
#include "util/err.h"

struct gitsrc {
	/* from the URL (gitsrc_parse) */
	char *remote;	      /* what git fetches from: the URL without query and fragment */
	char *ref;	      /* branch, tag, full ref name or commit; NULL: the default branch */
	char *subdir;	      /* directory of the repository to take, NULL: its root */
	char *checksum;	      /* the commit (or a prefix) the ref must resolve to, or NULL */
	int keep_git_dir;     /* -1: not said, 0: no, 1: keep .git */
	int submodules;	      /* -1: not said (fetched), 0: skipped, 1: fetched */
	bool mtime_commit;    /* ?mtime=commit: every file gets the commit's time */
	bool fetch_by_commit; /* ?fetch-by-commit: fetch the checksum, trust it without a lookup */
	bool bare_host;	      /* "github.com/..." without scheme: only a build context takes it */
	/* from gitsrc_resolve() */
	char *full_ref; /* "refs/heads/x", "refs/tags/v"... or a commit */
	char *commit;	/* what the ref names: a commit, or an annotated tag's object */
	char *peeled;	/* the commit of an annotated tag, else NULL */
};

/*
 * gitsrc_parse() - is @s a git source, as BuildKit's ParseGitRef decides?
 * Returns 1 and fills *@ret (release with gitsrc_release()) when it is: a
 * URL with scheme git:// or ssh://, an http(s):// URL whose path ends in
 * ".git", an scp-like "user@host:path", or "github.com/..." (bare_host set).
 * The fragment "#ref:subdir" and the query (ref, tag, branch, subdir,
 * checksum/commit, keep-git-dir, submodules, mtime, fetch-by-commit) are
 * taken apart. Returns 0 (*@ret untouched, @err untouched) when @s is not a
 * git source: a local path, "./x", file://, any other scheme, an http URL
 * without ".git". Returns -EINVAL when @s is a git URL with a bad query
 * ("unexpected query \"x\"", "ref conflicts: ...").
 */
int gitsrc_parse(const char *s, struct gitsrc *ret, struct hull_err **err);

/* gitsrc_release() - free the contents of @g (which may be zeroed); @g is zeroed. */
void gitsrc_release(struct gitsrc *g);

/*
 * gitsrc_redact() - @url with the user name and password of a
 * "scheme://user:pass@host/..." URL masked ("xxxxx", as BuildKit's
 * urlutil.RedactCredentials); anything else is returned as is. Caller frees.
 */
char *gitsrc_redact(const char *url);

/*
 * gitsrc_mask() - @text with the credentials of @g's URL ("user:pass@") masked
 * as gitsrc_redact() masks them, wherever they occur (the instruction text
 * kept in the image's history). Caller frees.
 */
char *gitsrc_mask(const struct gitsrc *g, const char *text);

/*
 * gitsrc_resolve() - the commit @g->ref names now (full_ref, commit, peeled):
 * a commit ref needs no lookup; else `git ls-remote` on the remote (for the
 * default branch first), branches before tags as BuildKit. @g->checksum, when
 * set, must be a prefix of the result. @workdir: an empty directory git runs
 * in. Errors: -ENOENT "repository does not contain ref 'x'", -EIO with git's
 * message for an unreachable repository, -EINVAL for a bad checksum.
 */
int gitsrc_resolve(struct gitsrc *g, const char *workdir, struct hull_err **err);

/*
 * gitsrc_cache_key() - what identifies the files gitsrc_checkout() gives for
 * a resolved @g (BuildKit's git cache key: the commit, with the ref name when
 * .git is kept, the subdirectory, skipped submodules, the mtime mode). Caller
 * frees.
 */
char *gitsrc_cache_key(const struct gitsrc *g);

/*
 * gitsrc_checkout() - fetch the resolved commit of @g (shallow when the
 * remote allows it) into the empty directory @dir and check it out, with its
 * submodules unless @g->submodules is 0. *@ret_root (caller frees) is the
 * tree to take: @dir, or the subdirectory. .git is kept only when
 * @g->keep_git_dir is 1 and there is no subdirectory, with the remote URLs in
 * its configuration masked by gitsrc_redact() and no reflog or FETCH_HEAD;
 * otherwise no .git is left in the tree, the submodules' neither. Files are
 * written with umask 022 and the time of the checkout (the commit's time with
 * mtime_commit), owned by the caller.
 */
int gitsrc_checkout(struct gitsrc *g, const char *dir, char **ret_root, struct hull_err **err);

/*
 * gitsrc_context() - a git URL given as the build context (`hull build URL`):
 * resolve and check it out under the store's tmp/. @keep_git_dir keeps .git
 * as ?keep-git-dir=true does (--build-arg BUILDKIT_CONTEXT_KEEP_GIT_DIR=1).
 * *@ret_tmp is the directory the caller removes with rm_rf(); *@ret_root the
 * context directory inside it. Both are freed by the caller.
 */
int gitsrc_context(struct store *s, struct gitsrc *g, bool keep_git_dir, char **ret_tmp,
		   char **ret_root, struct hull_err **err);

#endif
