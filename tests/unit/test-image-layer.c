/* SPDX-License-Identifier: MIT */
/*
 * Layers: tar apply with OCI whiteouts, hostile tars (path escapes), commit
 * of an overlay upper dir back to a tar, deterministic diffIDs, chainIDs.
 * Tars are built with python3's tarfile; skipped (77) without python3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include "image/store.h"
#include <dirent.h>
#include "util/fs.h"

static char tmpdir[] = "/tmp/hull-test-layer-XXXXXX";

static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Run python3 @code with sys.argv[1] = @arg. */
static void py(const char *code, const char *arg)
{
	char *argv[] = {"python3", "-c", (char *) code, (char *) arg, NULL};
	assert_int_equal(run(argv), 0);
}

static char *tpath(const char *name)
{
	return path_join(tmpdir, name);
}

static struct store *open_store(const char *name)
{
	struct store *s = NULL;
	char *root = tpath(name);

	assert_int_equal(store_open(root, &s, NULL), 0);
	free(root);
	return s;
}

static int import(struct store *s, const char *tar, const char *parent, char diff[DIGEST_STR_LEN],
		  char chain[DIGEST_STR_LEN], struct hull_err **err)
{
	int fd = open(tar, O_RDONLY | O_CLOEXEC);
	int r;

	assert_true(fd >= 0);
	r = store_layer_import_tar(s, fd, parent, diff, chain, err);
	close(fd);
	return r;
}

static const char *py_whiteouts =
	"import tarfile, io, sys\n"
	"t = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)\n"
	"def add(name, data=None, type=tarfile.REGTYPE, mode=0o644, **kw):\n"
	"    i = tarfile.TarInfo(name); i.type = type; i.mode = mode; i.mtime = 1000000\n"
	"    for k, v in kw.items(): setattr(i, k, v)\n"
	"    if data is not None: i.size = len(data)\n"
	"    t.addfile(i, io.BytesIO(data) if data is not None else None)\n"
	"add('a', type=tarfile.DIRTYPE, mode=0o750)\n"
	"add('a/f', b'hello', mode=0o4755, uid=1000, gid=1001)\n"
	"add('a/.wh.gone', b'')\n"
	"add('b', type=tarfile.DIRTYPE)\n"
	"add('b/.wh..wh..opq', b'')\n"
	"add('b/x', b'x')\n"
	"add('a/.wh..wh.plnk', b'')\n"
	"add('c/deep/file', b'implicit parents')\n"
	"add('l', type=tarfile.SYMTYPE, linkname='a/f')\n"
	"add('h', type=tarfile.LNKTYPE, linkname='a/f')\n"
	"add('fifo', type=tarfile.FIFOTYPE)\n"
	"t.close()\n";

static void test_import_whiteouts(void **state)
{
	struct store *s = open_store("s1");
	char diff[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
	struct hull_err *err = NULL;
	char *tar = tpath("wh.tar"), *dir, *p, buf[8];
	struct stat st;

	(void) state;
	py(py_whiteouts, tar);
	if (import(s, tar, NULL, diff, chain, &err) < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(diff, chain); /* bottom layer */
	dir = store_layer_dir(s, chain);

	p = path_join(dir, "a/gone");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	free(p);

	p = path_join(dir, "b");
	assert_int_equal(lgetxattr(p, "trusted.overlay.opaque", buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'y');
	free(p);

	p = path_join(dir, "a/f");
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 04755);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 1001);
	assert_int_equal(st.st_mtime, 1000000);
	assert_int_equal(st.st_nlink, 2); /* and h */
	free(p);

	p = path_join(dir, "a");
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mtime, 1000000); /* set after its contents */
	assert_int_equal(st.st_mode & 07777, 0750);
	free(p);

	p = path_join(dir, "a/.wh..wh.plnk");
	assert_int_equal(lstat(p, &st), -1);
	free(p);
	p = path_join(dir, "a/.wh.gone");
	assert_int_equal(lstat(p, &st), -1);
	free(p);
	p = path_join(dir, "c/deep/file");
	assert_int_equal(lstat(p, &st), 0);
	free(p);
	p = path_join(dir, "l");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_mtime, 1000000);
	free(p);
	p = path_join(dir, "fifo");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	free(p);

	/* the layer blob is the uncompressed tar itself */
	p = store_blob_path(s, diff);
	assert_int_equal(lstat(p, &st), 0);
	free(p);

	free(dir);
	free(tar);
	store_free(s);
}

static void test_import_gzip(void **state)
{
	struct store *s = open_store("s-gz");
	char d1[DIGEST_STR_LEN], c1[DIGEST_STR_LEN], d2[DIGEST_STR_LEN], c2[DIGEST_STR_LEN];
	char *tar = tpath("gz.tar"), *gz = tpath("gz.tar.gz");
	struct hull_err *err = NULL;

	(void) state;
	py(py_whiteouts, tar);
	py("import gzip, sys, shutil\n"
	   "shutil.copyfileobj(open(sys.argv[1][:-3], 'rb'), gzip.open(sys.argv[1], 'wb'))\n",
	   gz);
	if (import(s, tar, NULL, d1, c1, &err) < 0)
		fail_msg("%s", err->msg);
	if (import(s, gz, NULL, d2, c2, &err) < 0)
		fail_msg("%s", err->msg);
	/* the diffID is the digest of the uncompressed tar */
	assert_string_equal(d1, d2);
	free(tar);
	free(gz);
	store_free(s);
}

/*
 * Import a hostile tar: it must fail (@must_fail) or apply inside the layer;
 * either way <tmp>/outside/victim keeps its contents and link count.
 */
enum { INSIDE, MUST_FAIL, EITHER };

static void hostile(const char *name, const char *code, int expect)
{
	struct store *s = open_store("s-hostile");
	char diff[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
	struct hull_err *err = NULL;
	char *tar = tpath(name), *outside = tpath("outside");
	char *victim = path_join(outside, "victim");
	struct stat st;
	int r;

	(void) mkdir(outside, 0755);
	assert_int_equal(write_file_atomic(victim, "safe", 4, 0644, NULL), 0);
	char *full = xasprintf("import tarfile, io, sys, os\n"
			       "outside = %s\n"
			       "t = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)\n"
			       "def add(name, data=None, type=tarfile.REGTYPE, **kw):\n"
			       "    i = tarfile.TarInfo(name); i.type = type; i.mode = 0o644\n"
			       "    for k, v in kw.items(): setattr(i, k, v)\n"
			       "    if data is not None: i.size = len(data)\n"
			       "    t.addfile(i, io.BytesIO(data) if data is not None else None)\n"
			       "%s"
			       "t.close()\n",
			       "'"
			       "OUTSIDE"
			       "'",
			       code);
	/* substitute the outside path */
	char *q = strstr(full, "OUTSIDE");
	char *code2 = xasprintf("%.*s%s%s", (int) (q - full), full, outside, q + 7);
	py(code2, tar);

	r = import(s, tar, NULL, diff, chain, &err);
	if (expect == MUST_FAIL) {
		if (r == 0)
			fail_msg("hostile tar '%s' was accepted", name);
		assert_non_null(err);
	} else if (r < 0 && expect == INSIDE) {
		fail_msg("'%s' should apply inside the layer: %s", name, err->msg);
	} else if (r == 0) {
		/* what went through a symlink landed inside the layer */
		char *dir = store_layer_dir(s, chain);
		char *inside = xasprintf("%s%s/victim", dir, outside);
		char *other = xasprintf("%s/victim", dir);
		assert_true(lstat(inside, &st) == 0 || lstat(other, &st) == 0 ||
			    strstr(name, "hl4") || strstr(name, "sym4"));
		free(inside);
		free(other);
		free(dir);
	}
	err_free(err);

	/* whatever happened, nothing outside changed */
	char *data = NULL;
	assert_int_equal(read_file(victim, 100, &data, NULL, NULL), 0);
	assert_string_equal(data, "safe");
	free(data);
	assert_int_equal(lstat(victim, &st), 0);
	assert_int_equal(st.st_nlink, 1);
	char *pwn = path_join(outside, "pwn");
	assert_int_equal(lstat(pwn, &st), -1);
	char *pwn2 = tpath("pwn");
	assert_int_equal(lstat(pwn2, &st), -1);
	free(pwn);
	free(pwn2);
	/* and the store has no half-made layer */
	char *tmp = xasprintf("%s/tmp", s->root);
	DIR *d = opendir(tmp);
	struct dirent *de;
	while ((de = readdir(d)))
		assert_true(streq(de->d_name, ".") || streq(de->d_name, ".."));
	closedir(d);
	free(tmp);

	free(code2);
	free(full);
	free(victim);
	free(outside);
	free(tar);
	store_free(s);
}

static void test_hostile_dotdot(void **state)
{
	(void) state;
	hostile("dotdot.tar", "add('../pwn', b'x')\n", MUST_FAIL);
	hostile("dotdot2.tar", "add('a/../../pwn', b'x')\n", MUST_FAIL);
}

static void test_hostile_absolute(void **state)
{
	struct store *s;
	struct stat st;
	char *p;

	(void) state;
	/* absolute names land inside the layer, as docker does */
	hostile("abs.tar", "add(outside + '/pwn', b'x')\nadd(outside + '/victim', b'owned')\n",
		INSIDE);
	s = open_store("s-hostile");
	p = xasprintf("%s/layers", s->root);
	assert_int_equal(lstat(p, &st), 0);
	free(p);
	store_free(s);
}

static void test_hostile_symlink(void **state)
{
	(void) state;
	/* a symlink to outside, then a file through it */
	hostile("sym.tar",
		"add('evil', type=tarfile.SYMTYPE, linkname=outside)\n"
		"add('evil/pwn', b'x')\nadd('evil/victim', b'owned')\n",
		EITHER);
	hostile("sym2.tar",
		"add('up', type=tarfile.SYMTYPE, linkname='../../../../../../../../..' + outside)\n"
		"add('up/victim', b'owned')\n",
		EITHER);
	/* a symlink to a directory, then a directory entry through it */
	hostile("sym3.tar",
		"add('d', type=tarfile.SYMTYPE, linkname=outside)\n"
		"add('d/sub/pwn', b'x')\n",
		EITHER);
	/* a symlink in place of a file we then write: replaced, not followed */
	hostile("sym4.tar",
		"add('v', type=tarfile.SYMTYPE, linkname=outside + '/victim')\n"
		"add('v', b'owned')\n",
		INSIDE);
}

static void test_hostile_hardlink(void **state)
{
	(void) state;
	hostile("hl.tar", "add('h', type=tarfile.LNKTYPE, linkname='../outside/victim')\n",
		MUST_FAIL);
	hostile("hl2.tar", "add('h', type=tarfile.LNKTYPE, linkname=outside + '/victim')\n",
		MUST_FAIL);
	hostile("hl3.tar",
		"add('l', type=tarfile.SYMTYPE, linkname=outside)\n"
		"add('h', type=tarfile.LNKTYPE, linkname='l/victim')\n",
		MUST_FAIL);
	/* a hard link to a symlink links the symlink itself */
	hostile("hl4.tar",
		"add('l', type=tarfile.SYMTYPE, linkname=outside + '/victim')\n"
		"add('h', type=tarfile.LNKTYPE, linkname='l')\n"
		"add('h', b'owned')\n",
		INSIDE);
}

static void test_hostile_whiteout(void **state)
{
	(void) state;
	hostile("wh.tar", "add('.wh...', b'')\n", MUST_FAIL);
	hostile("wh2.tar",
		"add('l', type=tarfile.SYMTYPE, linkname=outside)\n"
		"add('l/.wh.victim', b'')\n",
		EITHER);
}

/* Build an upper dir with every kind of entry; mtimes fixed for determinism. */
static void make_upper(const char *dir)
{
	char *p;
	struct timespec ts[2] = {{1700000000, 0}, {1700000000, 0}};

	assert_int_equal(mkdir(dir, 0755), 0);
#define P(x) (free(p), p = path_join(dir, x))
	p = NULL;
	P("etc");
	assert_int_equal(mkdir(p, 0755), 0);
	P("etc/hosts");
	assert_int_equal(write_file_atomic(p, "127.0.0.1 x\n", 12, 0644, NULL), 0);
	P("etc/hosts.link");
	char *t = path_join(dir, "etc/hosts");
	assert_int_equal(link(t, p), 0);
	free(t);
	P("gone");
	assert_int_equal(mknod(p, S_IFCHR | 0, makedev(0, 0)), 0);
	P("opq");
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(setxattr(p, "trusted.overlay.opaque", "y", 1, 0), 0);
	P("opq/new");
	assert_int_equal(write_file_atomic(p, "n", 1, 0600, NULL), 0);
	P("etc/user-attr");
	assert_int_equal(write_file_atomic(p, "", 0, 0644, NULL), 0);
	assert_int_equal(setxattr(p, "user.test", "v", 1, 0), 0);
	P("sym");
	assert_int_equal(symlink("etc/hosts", p), 0);
	/* fixed times, children first */
	const char *all[] = {"etc/hosts", "etc/user-attr", "gone", "opq/new", "opq", "etc"};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		P(all[i]);
		assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
	}
	P("sym");
	assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
	free(p);
#undef P
}

/* sha256 and length of the file @path */
static void hash_path(const char *path, char out[DIGEST_STR_LEN], int64_t *ret_size)
{
	struct sha256_ctx *h = sha256_new();
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[4096];
	int64_t size = 0;
	ssize_t n;

	assert_true(fd >= 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		sha256_update(h, buf, (size_t) n);
		size += n;
	}
	close(fd);
	sha256_final(h, out);
	*ret_size = size;
}

static void test_commit_dir(void **state)
{
	struct store *s = open_store("s-commit"), *s2 = open_store("s-commit2");
	char d1[DIGEST_STR_LEN], c1[DIGEST_STR_LEN], d2[DIGEST_STR_LEN], c2[DIGEST_STR_LEN];
	char d3[DIGEST_STR_LEN], c3[DIGEST_STR_LEN];
	struct hull_err *err = NULL;
	char *up1 = tpath("upper1"), *up2 = tpath("upper2"), *list = tpath("list.txt");
	char *blob, *data = NULL, *dir, *p, buf[8];
	struct stat st;

	(void) state;
	make_upper(up1);
	make_upper(up2);
	if (store_layer_commit_dir(s, up1, NULL, d1, c1, &err) < 0)
		fail_msg("%s", err->msg);
	/* the directory was consumed into the store */
	assert_int_equal(lstat(up1, &st), -1);
	dir = store_layer_dir(s, c1);
	p = path_join(dir, "gone");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	free(p);
	free(dir);

	/* identical content, another store: identical diffID */
	if (store_layer_commit_dir(s2, up2, NULL, d2, c2, &err) < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(d1, d2);

	/* no tar is kept: the blob is lazy, its bytes made again on demand */
	blob = store_blob_path(s, d1);
	assert_int_equal(lstat(blob, &st), -1);
	free(blob);
	blob = tpath("commit.tar");
	{
		int tfd = -1, out = open(blob, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		char buf2[4096], again[DIGEST_STR_LEN];
		int64_t len;
		ssize_t n;
		if (store_blob_open_layer(s, d1, &tfd, &err) < 0)
			fail_msg("%s", err->msg);
		while ((n = read(tfd, buf2, sizeof(buf2))) > 0)
			assert_int_equal(write(out, buf2, (size_t) n), n);
		close(tfd);
		close(out);
		hash_path(blob, again, &len);
		assert_string_equal(again, d1);
		assert_int_equal(store_blob_size(s, d1), len);
	}
	/* a changed layer directory is caught, not served */
	dir = store_layer_dir(s, c1);
	p = path_join(dir, "etc/hosts");
	{
		int tfd = -1, hf = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
		struct stat orig;
		assert_true(hf >= 0);
		assert_int_equal(fstat(hf, &orig), 0);
		assert_int_equal(write(hf, "x", 1), 1);
		close(hf);
		assert_int_equal(store_blob_open_layer(s, d1, &tfd, &err), -EBADMSG);
		assert_non_null(strstr(err->msg, "corrupt"));
		err = err_free(err);
		/* put it back as it was, mtime included: the same tar again */
		assert_int_equal(truncate(p, orig.st_size), 0);
		struct timespec ts[2] = {orig.st_atim, orig.st_mtim};
		assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
		assert_int_equal(store_blob_open_layer(s, d1, &tfd, NULL), 0);
		close(tfd);
	}
	free(p);
	free(dir);

	/* the tar's entries, as python reads them */
	char *code = xasprintf("import tarfile, sys\n"
			       "t = tarfile.open('%s')\n"
			       "out = open(sys.argv[1], 'w')\n"
			       "for m in t.getmembers():\n"
			       "    x = sorted(k for k in m.pax_headers if 'xattr' in k)\n"
			       "    out.write('%%s %%s %%o %%s %%s\\n' %% (m.name, "
			       "m.type.decode(), m.mode, m.linkname or '-', ','.join(x) or '-'))\n",
			       blob);
	py(code, list);
	assert_int_equal(read_file(list, 1 << 20, &data, NULL, NULL), 0);
	assert_string_equal(data, "etc 5 755 - -\n"
				  "etc/hosts 0 644 - -\n"
				  "etc/hosts.link 1 644 etc/hosts -\n"
				  "etc/user-attr 0 644 - "
				  "LIBARCHIVE.xattr.user.test,SCHILY.xattr.user.test\n"
				  ".wh.gone 0 0 - -\n"
				  "opq 5 700 - -\n"
				  "opq/.wh..wh..opq 0 0 - -\n"
				  "opq/new 0 600 - -\n"
				  "sym 2 777 etc/hosts -\n");
	free(data);

	/* and back: importing that tar gives the overlay form again */
	int fd = open(blob, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(store_layer_import_tar(s2, fd, c2, d3, c3, NULL), 0);
	close(fd);
	assert_string_equal(d3, d1);
	assert_string_not_equal(c3, c2);
	dir = store_layer_dir(s2, c3);
	p = path_join(dir, "gone");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	free(p);
	p = path_join(dir, "opq");
	assert_int_equal(lgetxattr(p, "trusted.overlay.opaque", buf, sizeof(buf)), 1);
	free(p);
	p = path_join(dir, "etc/user-attr");
	assert_int_equal(lgetxattr(p, "user.test", buf, sizeof(buf)), 1);
	free(p);
	free(dir);

	free(code);
	free(blob);
	free(list);
	free(up1);
	free(up2);
	store_free(s);
	store_free(s2);
}

static void test_chain_id(void **state)
{
	char c[DIGEST_STR_LEN];
	const char *a = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";
	const char *b = "sha256:2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6";

	(void) state;
	chain_id_next(NULL, a, c);
	assert_string_equal(c, a);
	/* sha256("<a> <b>"), computed with sha256sum */
	chain_id_next(a, b, c);
	assert_string_equal(
		c, "sha256:46f604dc098db54131f1ea8e2e6b3cd6f7c57930e02b657c0514d9c44bfbeb6b");
}

static int setup(void **state)
{
	(void) state;
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void) state;
	return rm_rf(tmpdir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_id),	 cmocka_unit_test(test_import_whiteouts),
		cmocka_unit_test(test_import_gzip),	 cmocka_unit_test(test_hostile_dotdot),
		cmocka_unit_test(test_hostile_absolute), cmocka_unit_test(test_hostile_symlink),
		cmocka_unit_test(test_hostile_hardlink), cmocka_unit_test(test_hostile_whiteout),
		cmocka_unit_test(test_commit_dir),
	};
	char *argv[] = {"python3", "-c", "import tarfile", NULL};

	if (geteuid() != 0 || run(argv) != 0)
		return 77; /* needs root (devices, trusted.* xattrs) and python3 */
	return cmocka_run_group_tests(tests, setup, teardown);
}
