/* SPDX-License-Identifier: MIT */
/*
 * Git sources: which strings are git URLs and what their fragment and query
 * say (the rules of BuildKit's dfgitutil.ParseGitRef and gitutil.ParseURL,
 * over the same kinds of input as its git_ref_test.go: http(s) with and
 * without ".git", git://, ssh://, scp-like, "github.com/...", fragments,
 * every query key and the conflicts between them), the masking of
 * credentials, and the cache key of a resolved source.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "build/gitsrc.h"

/* keep and submodules: 0 when the URL does not say, else YES or NO */
enum { YES = 1, NO = 2 };

struct want {
	const char *remote, *ref, *subdir, *checksum;
	int keep, submodules;
	bool mtime_commit, fetch_by_commit, bare_host;
};

/* @s parses as a git source with the fields of @w (NULL strings: unset). */
static void check_git(const char *s, struct want w)
{
	struct gitsrc g = {0};
	struct hull_err *err = NULL;
	int r = gitsrc_parse(s, &g, &err);

	if (r != 1)
		fail_msg("%s: gitsrc_parse() = %d (%s)", s, r, err ? err->msg : "");
	assert_string_equal(g.remote, w.remote);
#define STR_EQ(f)                                                            \
	do {                                                                 \
		if (w.f)                                                     \
			assert_non_null(g.f), assert_string_equal(g.f, w.f); \
		else if (g.f)                                                \
			fail_msg("%s: " #f " is '%s', want none", s, g.f);   \
	} while (0)
	STR_EQ(ref);
	STR_EQ(subdir);
	STR_EQ(checksum);
#undef STR_EQ
	assert_int_equal(g.keep_git_dir, w.keep == YES ? 1 : w.keep == NO ? 0 : -1);
	assert_int_equal(g.submodules, w.submodules == YES ? 1 : w.submodules == NO ? 0 : -1);
	assert_int_equal(g.mtime_commit, w.mtime_commit);
	assert_int_equal(g.fetch_by_commit, w.fetch_by_commit);
	assert_int_equal(g.bare_host, w.bare_host);
	assert_null(err);
	gitsrc_release(&g);
}

static void check_not_git(const char *s)
{
	struct gitsrc g = {0};
	struct hull_err *err = NULL;
	int r = gitsrc_parse(s, &g, &err);

	if (r != 0)
		fail_msg("%s: gitsrc_parse() = %d, want 0 (not git)", s, r);
	assert_null(err);
	assert_null(g.remote);
}

static void check_bad(const char *s, const char *msg)
{
	struct gitsrc g = {0};
	struct hull_err *err = NULL;
	int r = gitsrc_parse(s, &g, &err);

	assert_int_equal(r, -EINVAL);
	assert_non_null(err);
	if (!strstr(err->msg, msg))
		fail_msg("%s: error '%s' does not say '%s'", s, err->msg, msg);
	err_free(err);
}

static void test_http(void **state)
{
	(void) state;
	/* an http(s) URL is a repository only when its path ends in ".git" */
	check_not_git("https://example.com/");
	check_not_git("https://example.com/foo");
	check_not_git("https://example.com/foo.git/");
	check_not_git("https://example.com/foo.git.bar");
	check_not_git("http://example.com/docker/docker.git:#branch");
	check_not_git("https://github.com/moby/buildkit");
	check_git("https://example.com/foo.git",
		  (struct want){.remote = "https://example.com/foo.git"});
	check_git("http://127.0.0.1:8080/r.git",
		  (struct want){.remote = "http://127.0.0.1:8080/r.git"});
	check_git("https://example.com/foo.git#deadbeef",
		  (struct want){.remote = "https://example.com/foo.git", .ref = "deadbeef"});
	check_git("https://example.com/foo.git#release/1.2",
		  (struct want){.remote = "https://example.com/foo.git", .ref = "release/1.2"});
	check_git("https://example.com/foo.git#baz/qux:quux/quuz",
		  (struct want){.remote = "https://example.com/foo.git",
				.ref = "baz/qux",
				.subdir = "quux/quuz"});
	check_git("https://example.com/foo.git#:myfolder",
		  (struct want){.remote = "https://example.com/foo.git", .subdir = "myfolder"});
	/* the subdirectory of a fragment is cleaned and relative */
	check_git("https://example.com/foo.git#main:/a/../b/./c/",
		  (struct want){
			  .remote = "https://example.com/foo.git", .ref = "main", .subdir = "b/c"});
	check_git("https://example.com/foo.git#main:/",
		  (struct want){.remote = "https://example.com/foo.git", .ref = "main"});
	/* credentials stay in what git is given */
	check_git("https://foo:bar@example.com/moby/buildkit.git",
		  (struct want){.remote = "https://foo:bar@example.com/moby/buildkit.git"});
	/* the path and the fragment are unescaped, the scheme is lower case */
	check_git("https://example.com/a%2Egit",
		  (struct want){.remote = "https://example.com/a%2Egit"});
	check_git("https://example.com/a.git#v%31",
		  (struct want){.remote = "https://example.com/a.git", .ref = "v1"});
	check_git("HTTPS://example.com/a.git",
		  (struct want){.remote = "https://example.com/a.git"});
	check_git("https://[::1]:8080/a.git", (struct want){.remote = "https://[::1]:8080/a.git"});
	/* what Go's url.Parse refuses is no git URL (the caller takes it as something else) */
	check_not_git("https://example.com/a%zz.git");
	check_not_git("https://example.com:port/a.git");
	check_not_git("https://exa mple.com/a.git\n");
	check_not_git("https://us^er@example.com/a.git");
}

static void test_other_schemes(void **state)
{
	(void) state;
	check_git("git://example.com/foo", (struct want){.remote = "git://example.com/foo"});
	check_git("git://127.0.0.1:9418/r.git#v1:sub",
		  (struct want){
			  .remote = "git://127.0.0.1:9418/r.git", .ref = "v1", .subdir = "sub"});
	check_git(
		"ssh://git@example.com:2222/org/repo.git#main",
		(struct want){.remote = "ssh://git@example.com:2222/org/repo.git", .ref = "main"});
	check_not_git("ssh://git@example.com:org/repo.git");
	/* only http, https, git and ssh: file:// and the rest are local paths to ADD */
	check_not_git("file:///srv/repo.git");
	check_not_git("ftp://example.com/repo.git");
	check_not_git("ext::sh -c touch% /tmp/pwned");
}

static void test_scp(void **state)
{
	(void) state;
	check_git("git@github.com:moby/buildkit",
		  (struct want){.remote = "git@github.com:moby/buildkit"});
	check_git("git@github.com:moby/buildkit.git",
		  (struct want){.remote = "git@github.com:moby/buildkit.git"});
	check_git("git@bitbucket.org:atlassianlabs/atlassian-docker.git",
		  (struct want){.remote = "git@bitbucket.org:atlassianlabs/atlassian-docker.git"});
	check_git("git@github.com:moby/buildkit.git#v1.0.0:docs",
		  (struct want){.remote = "git@github.com:moby/buildkit.git",
				.ref = "v1.0.0",
				.subdir = "docs"});
	check_git("git@github.com:moby/buildkit.git?subdir=/subdir#v1.0.0",
		  (struct want){.remote = "git@github.com:moby/buildkit.git",
				.ref = "v1.0.0",
				.subdir = "subdir"});
	check_git("deploy-bot_1@git.example-host.org:r.git",
		  (struct want){.remote = "deploy-bot_1@git.example-host.org:r.git"});
	/* no user, or characters the pattern does not take: a local path */
	check_not_git("github.com:moby/buildkit.git");
	check_not_git("a.b@github.com:moby/buildkit.git");
	check_not_git("git@git_hub.com:moby/buildkit.git");
	/* a bad query makes the scp-like form no URL at all */
	check_not_git("git@github.com:moby/buildkit.git?ref=%zz");
}

static void test_local(void **state)
{
	(void) state;
	check_not_git("./.git");
	check_not_git(".git");
	check_not_git("../repo.git");
	check_not_git("./git@github.com:moby/buildkit.git");
	check_not_git("repo.git");
	check_not_git("/srv/repo.git");
	check_not_git("custom.xyz/moby/buildkit.git");
	check_not_git("src/");
	/* "github.com/..." is a git URL that only a build context takes (bare_host) */
	check_git("github.com/moby/buildkit",
		  (struct want){.remote = "https://github.com/moby/buildkit", .bare_host = true});
	check_git("github.com/moby/buildkit#master",
		  (struct want){.remote = "https://github.com/moby/buildkit",
				.ref = "master",
				.bare_host = true});
	check_git("github.com/moby/buildkit?tag=v1.0.0",
		  (struct want){.remote = "https://github.com/moby/buildkit",
				.ref = "refs/tags/v1.0.0",
				.bare_host = true});
}

static void test_query(void **state)
{
	static const char *const base = "https://github.com/moby/buildkit.git";
	(void) state;
	check_git("https://github.com/docker/docker.git?ref=v1.0.0&subdir=/subdir",
		  (struct want){.remote = "https://github.com/docker/docker.git",
				.ref = "v1.0.0",
				.subdir = "subdir"});
	check_git("https://github.com/moby/buildkit.git?subdir=/subdir#v1.0.0",
		  (struct want){.remote = base, .ref = "v1.0.0", .subdir = "subdir"});
	check_git("https://github.com/moby/buildkit.git?tag=v1.0.0",
		  (struct want){.remote = base, .ref = "refs/tags/v1.0.0"});
	check_git("https://github.com/moby/buildkit.git?tag=refs/tags/v1.0.0",
		  (struct want){.remote = base, .ref = "refs/tags/v1.0.0"});
	check_git("https://github.com/moby/buildkit.git?branch=v1.0",
		  (struct want){.remote = base, .ref = "refs/heads/v1.0"});
	check_git("https://github.com/moby/buildkit.git?ref=pull/42/head",
		  (struct want){.remote = base, .ref = "pull/42/head"});
	check_git("https://github.com/moby/buildkit.git?ref=v1#v1",
		  (struct want){.remote = base, .ref = "v1"});
}

static void test_query_flags(void **state)
{
	static const char *const base = "https://github.com/moby/buildkit.git";
	(void) state;
	check_git("https://github.com/moby/buildkit.git?keep-git-dir",
		  (struct want){.remote = base, .keep = YES});
	check_git("https://github.com/moby/buildkit.git?keep-git-dir=true",
		  (struct want){.remote = base, .keep = YES});
	check_git("https://github.com/moby/buildkit.git?keep-git-dir=0",
		  (struct want){.remote = base, .keep = NO});
	check_git("https://github.com/moby/buildkit.git?submodules=false",
		  (struct want){.remote = base, .submodules = NO});
	check_git("https://github.com/moby/buildkit.git?submodules",
		  (struct want){.remote = base, .submodules = YES});
	check_git("https://github.com/moby/buildkit.git?mtime=commit",
		  (struct want){.remote = base, .mtime_commit = true});
	check_git("https://github.com/moby/buildkit.git?mtime=checkout",
		  (struct want){.remote = base});
	check_git("https://github.com/moby/buildkit.git?checksum=deadbeef",
		  (struct want){.remote = base, .checksum = "deadbeef"});
	check_git("https://github.com/moby/buildkit.git?commit=deadbeef",
		  (struct want){.remote = base, .checksum = "deadbeef"});
	check_git(
		"https://github.com/moby/buildkit.git?fetch-by-commit=true&checksum=deadbeef#refs/"
		"heads/branch",
		(struct want){.remote = base,
			      .ref = "refs/heads/branch",
			      .checksum = "deadbeef",
			      .fetch_by_commit = true});
	check_git("https://github.com/moby/buildkit.git?fetch-by-commit=false",
		  (struct want){.remote = base});
	/* a pair Go's ParseQuery drops (';' in the key, a bad escape) is ignored */
	check_git("https://github.com/moby/buildkit.git?a;b=1&tag=%zz",
		  (struct want){.remote = base});
}

static void test_query_errors(void **state)
{
	(void) state;
	check_bad("https://github.com/moby/buildkit.git?ref=v1.0.0#v1.2.3", "ref conflicts");
	check_bad("https://github.com/moby/buildkit.git?ref=v1.0.0&tag=v1.2.3", "ref conflicts");
	check_bad("https://github.com/moby/buildkit.git?branch=main#dev", "ref conflicts");
	check_bad("https://github.com/moby/buildkit.git?tag=v1.0.0&branch=v1.0",
		  "branch conflicts with tag");
	check_bad("https://github.com/moby/buildkit.git?subdir=a#:b", "subdir conflicts");
	check_bad("https://github.com/moby/buildkit.git?mtime=invalid", "invalid mtime value");
	check_bad("https://github.com/moby/buildkit.git?fetch-by-commit=invalid",
		  "invalid fetch-by-commit value");
	check_bad("https://github.com/moby/buildkit.git?keep-git-dir=maybe",
		  "invalid keep-git-dir value");
	check_bad("https://github.com/moby/buildkit.git?invalid=123",
		  "unexpected query \"invalid\"");
	check_bad("https://github.com/moby/buildkit.git?ref=", "query \"ref\" has no value");
	check_bad("https://github.com/moby/buildkit.git?ref=a&ref=b", "has multiple values");
	check_bad("git@github.com:moby/buildkit.git?nope=1", "unexpected query");
}

static void test_redact(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{"https://user:password@host.tld/path.git",
		 "https://xxxxx:xxxxx@host.tld/path.git"},
		{"https://token@host.tld/path.git", "https://xxxxx@host.tld/path.git"},
		{"https://:password@host.tld/path.git", "https://:xxxxx@host.tld/path.git"},
		{"ssh://git@host.tld/path.git", "ssh://xxxxx@host.tld/path.git"},
		{"https://host.tld/path.git", "https://host.tld/path.git"},
		{"https://host.tld/a@b.git", "https://host.tld/a@b.git"},
		{"git@host.tld:path.git", "git@host.tld:path.git"},
		{"https://u:p@a@host.tld/x.git#ref", "https://xxxxx:xxxxx@host.tld/x.git#ref"},
	};
	(void) state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *r = gitsrc_redact(t[i].in);
		assert_string_equal(r, t[i].out);
		free(r);
	}
}

static void test_cache_key(void **state)
{
	struct gitsrc g = {.keep_git_dir = -1, .submodules = -1};
	char *k;
	(void) state;

	g.commit = "1111111111111111111111111111111111111111";
	g.full_ref = "refs/tags/v1";
	g.peeled = "2222222222222222222222222222222222222222";
	/* an annotated tag without .git: its commit */
	k = gitsrc_cache_key(&g);
	assert_string_equal(k, "2222222222222222222222222222222222222222");
	free(k);
	g.keep_git_dir = 1;
	g.subdir = "docs";
	g.submodules = 0;
	g.mtime_commit = true;
	k = gitsrc_cache_key(&g);
	assert_string_equal(k, "1111111111111111111111111111111111111111.git#refs/tags/v1:docs"
			       "(skip-submodules)(mtime=commit)");
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http),	     cmocka_unit_test(test_other_schemes),
		cmocka_unit_test(test_scp),	     cmocka_unit_test(test_local),
		cmocka_unit_test(test_query),	     cmocka_unit_test(test_query_flags),
		cmocka_unit_test(test_query_errors), cmocka_unit_test(test_redact),
		cmocka_unit_test(test_cache_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
