/* SPDX-License-Identifier: MIT */
/*
 * The store's streaming side (store.h "Streams from a registry"): blob
 * writers (a digest mismatch leaves nothing), layers imported from a pipe in
 * one pass (plain, gzip, zstd; a diffID mismatch, a corrupt stream or a bad
 * entry leave nothing; an existing chain is only checked), three imports at
 * once in one process, and the store lock shared by threads.
 * Tars are made with python3's tarfile; skipped (77) without python3 or root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include "image/store.h"
#include "util/fs.h"
#include "util/json.h"

static char tmpdir[] = "/tmp/hull-test-stream-XXXXXX";

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

static char *tpath(const char *name)
{
	return path_join(tmpdir, name);
}

/*
 * A tar at @path with @n files "dir/fK" of @size bytes each (content from
 * @seed) and a symlink; @evil adds a "../escape" entry first.
 */
static void make_tar(const char *path, int n, int size, int seed, bool evil)
{
	char *code = xasprintf(
		"import tarfile, io, sys, random\n"
		"r = random.Random(%d)\n"
		"t = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)\n"
		"def add(name, data=None, type=tarfile.REGTYPE, **kw):\n"
		"    i = tarfile.TarInfo(name); i.type = type; i.mtime = 1000; i.mode = 0o644\n"
		"    for k, v in kw.items(): setattr(i, k, v)\n"
		"    if data is not None: i.size = len(data)\n"
		"    t.addfile(i, io.BytesIO(data) if data is not None else None)\n"
		"if %d: add('../escape', b'x')\n"
		"add('dir', type=tarfile.DIRTYPE, mode=0o755)\n"
		"for k in range(%d): add('dir/f%%d' %% k, r.randbytes(%d))\n"
		"add('link', type=tarfile.SYMTYPE, linkname='dir/f0')\n"
		"t.close()\n",
		seed, evil ? 1 : 0, n, size);
	char *argv[] = {"python3", "-c", code, (char *) path, NULL};

	assert_int_equal(run(argv), 0);
	free(code);
}

static void compress(const char *tool, const char *in, const char *out)
{
	char *cmd = xasprintf("%s -c < '%s' > '%s'", tool, in, out);
	char *argv[] = {"sh", "-c", cmd, NULL};

	assert_int_equal(run(argv), 0);
	free(cmd);
}

static void file_digest(const char *path, char ret[DIGEST_STR_LEN])
{
	char *data = NULL;
	size_t len;

	assert_int_equal(read_file(path, 1u << 30, &data, &len, NULL), 0);
	sha256_digest(data, len, ret);
	free(data);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static size_t count_in(struct store *s, const char *sub)
{
	char *p = path_join(s->root, sub);
	size_t n = count_entries(p);

	free(p);
	return n;
}

static struct store *open_store(const char *name)
{
	struct store *s = NULL;
	char *root = tpath(name);

	assert_int_equal(store_open(root, &s, NULL), 0);
	free(root);
	return s;
}

/* A thread writing a file into a pipe, as a registry download would. */
struct feeder {
	pthread_t t;
	int fd; /* the write end, closed by the thread */
	char *path;
	size_t chunk;
};

static void *feed_main(void *arg)
{
	struct feeder *f = arg;
	char *data = NULL;
	size_t len = 0;

	if (read_file(f->path, 1u << 30, &data, &len, NULL) == 0)
		for (size_t off = 0; off < len; off += f->chunk) {
			size_t n = len - off < f->chunk ? len - off : f->chunk;
			if (write_all(f->fd, data + off, n) < 0)
				break; /* the reader went away */
		}
	free(data);
	close(f->fd);
	return NULL;
}

/* Start feeding @path; returns the read end. */
static int feed(struct feeder *f, const char *path)
{
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	f->fd = p[1];
	f->path = xstrdup(path);
	f->chunk = 16384 + 7; /* odd pieces, as HTTP bodies come */
	assert_int_equal(pthread_create(&f->t, NULL, feed_main, f), 0);
	return p[0];
}

static void feed_end(struct feeder *f, int rfd)
{
	close(rfd); /* a writer still going gets EPIPE */
	pthread_join(f->t, NULL);
	free(f->path);
}

static int import_file(struct store *s, const char *path, const char *parent, const char *expected,
		       char diff[DIGEST_STR_LEN], char chain[DIGEST_STR_LEN], struct hull_err **err)
{
	struct feeder f;
	int fd = feed(&f, path);
	int r = store_layer_import_stream(s, fd, parent, expected, diff, chain, err);

	feed_end(&f, fd);
	return r;
}

/* ---- blob writers ---- */

static void test_blob_writer(void **state)
{
	struct store *s = open_store("bw");
	struct blob_writer *w = NULL;
	struct hull_err *err = NULL;
	char *big = xmalloc(1 << 20), d[DIGEST_STR_LEN], *p, *data = NULL;
	size_t len;

	(void) state;
	for (size_t i = 0; i < (1 << 20); i++)
		big[i] = (char) (i * 7 + i / 251);
	sha256_digest(big, 1 << 20, d);

	/* in pieces of every size, some larger than the writer's buffer */
	assert_int_equal(store_blob_writer_open(s, &w, NULL), 0);
	assert_int_equal(count_in(s, "tmp"), 1);
	for (size_t off = 0, step = 1; off < (1 << 20); off += step, step = step * 3 + 1) {
		if (off + step > (1 << 20))
			step = (1 << 20) - off;
		assert_int_equal(store_blob_writer_write(w, big + off, step, NULL), 0);
	}
	if (store_blob_writer_commit(w, d, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(store_blob_read(s, d, 2 << 20, &data, &len, NULL), 0);
	assert_int_equal(len, 1 << 20);
	assert_memory_equal(data, big, len);
	free(data);
	assert_int_equal(count_in(s, "tmp"), 0);
	assert_int_equal(store_blob_size(s, d), 1 << 20);

	/* a digest mismatch stores nothing and leaves nothing */
	p = store_blob_path(s, d);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(store_blob_writer_open(s, &w, NULL), 0);
	assert_int_equal(store_blob_writer_write(w, big, 1000, NULL), 0);
	assert_int_equal(store_blob_writer_commit(w, d, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "digest mismatch"));
	assert_non_null(strstr(err->msg, d));
	err = err_free(err);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(count_in(s, "tmp"), 0);
	assert_int_equal(count_in(s, "blobs/sha256"), 0);

	/* an invalid expected digest: nothing either */
	assert_int_equal(store_blob_writer_open(s, &w, NULL), 0);
	assert_int_equal(store_blob_writer_commit(w, "sha512:abc", &err), -EINVAL);
	err = err_free(err);
	assert_int_equal(count_in(s, "tmp"), 0);

	/* abort */
	assert_int_equal(store_blob_writer_open(s, &w, NULL), 0);
	assert_int_equal(store_blob_writer_write(w, "x", 1, NULL), 0);
	store_blob_writer_abort(w);
	store_blob_writer_abort(NULL);
	assert_int_equal(count_in(s, "tmp"), 0);

	/* an empty blob, and one already present */
	assert_int_equal(store_blob_writer_open(s, &w, NULL), 0);
	sha256_digest("", 0, d);
	assert_int_equal(store_blob_writer_commit(w, d, NULL), 0);
	assert_int_equal(store_blob_writer_open(s, &w, NULL), 0);
	assert_int_equal(store_blob_writer_commit(w, d, NULL), 0);
	assert_int_equal(store_blob_size(s, d), 0);
	assert_int_equal(count_in(s, "tmp"), 0);

	free(p);
	free(big);
	store_free(s);
}

/* ---- layer streams ---- */

static void check_layer(struct store *s, const char *chain, int n, int size)
{
	char *dir = store_layer_dir(s, chain), *p;
	struct stat st;

	p = xasprintf("%s/dir/f%d", dir, n - 1);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_size, size);
	assert_int_equal(st.st_mtime, 1000);
	free(p);
	p = path_join(dir, "link");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	free(p);
	free(dir);
}

static void test_stream_plain_gzip_zstd(void **state)
{
	struct store *s = open_store("st");
	char *tar = tpath("a.tar"), *gz = tpath("a.tar.gz"), *zst = tpath("a.tar.zst");
	char want[DIGEST_STR_LEN], diff[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
	char diff2[DIGEST_STR_LEN], chain2[DIGEST_STR_LEN], *p;
	struct hull_err *err = NULL;
	struct stat st, st2;

	(void) state;
	make_tar(tar, 40, 100000, 1, false);
	compress("gzip", tar, gz);
	file_digest(tar, want);
	assert_int_equal(stat(tar, &st), 0);

	/* plain, without an expected diffID */
	if (import_file(s, tar, NULL, NULL, diff, chain, &err) < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(diff, want);
	assert_string_equal(chain, want);
	assert_true(store_layer_exists(s, chain));
	check_layer(s, chain, 40, 100000);
	/* the tar is not kept: a lazy blob of its size */
	p = store_blob_path(s, diff);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	assert_int_equal(store_blob_size(s, diff), st.st_size);
	assert_int_equal(count_in(s, "tmp"), 0);

	/* gzip, expected, on a parent: a second layer */
	if (import_file(s, gz, chain, want, diff2, chain2, &err) < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(diff2, want);
	assert_string_not_equal(chain2, chain);
	check_layer(s, chain2, 40, 100000);
	assert_int_equal(count_in(s, "layers"), 2);
	assert_int_equal(count_in(s, "tmp"), 0);

	/* the chain exists: the stream is read and checked, the layer stays as it is */
	p = store_layer_dir(s, chain2);
	assert_int_equal(stat(p, &st), 0);
	if (import_file(s, gz, chain, want, diff2, chain2, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(stat(p, &st2), 0);
	assert_int_equal(st.st_ino, st2.st_ino);
	free(p);
	assert_int_equal(count_in(s, "tmp"), 0);
	/* ... and a stream that is not the layer fails, the layer stays */
	{
		char *other = tpath("other.tar");
		make_tar(other, 2, 10, 2, false);
		assert_int_equal(import_file(s, other, chain, want, diff2, chain2, &err), -EBADMSG);
		assert_non_null(strstr(err->msg, "layer diffID mismatch"));
		err = err_free(err);
		assert_true(store_layer_exists(s, chain2));
		assert_int_equal(count_in(s, "tmp"), 0);
		free(other);
	}

	/* zstd */
	if (access("/usr/bin/zstd", X_OK) == 0) {
		struct store *z = open_store("st-zstd");
		compress("zstd -q", tar, zst);
		if (import_file(z, zst, NULL, want, diff, chain, &err) < 0)
			fail_msg("%s", err->msg);
		assert_string_equal(diff, want);
		check_layer(z, chain, 40, 100000);
		store_free(z);
	}
	free(tar);
	free(gz);
	free(zst);
	store_free(s);
}

static void test_stream_failures(void **state)
{
	struct store *s = open_store("fail");
	char *tar = tpath("f.tar"), *gz = tpath("f.tar.gz"), *bad = tpath("bad.tar.gz");
	char *evil = tpath("evil.tar"), *xz = tpath("f.tar.xz");
	char want[DIGEST_STR_LEN], diff[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
	const char *wrong =
		"sha256:0000000000000000000000000000000000000000000000000000000000000000";
	struct hull_err *err = NULL;

	(void) state;
	make_tar(tar, 5, 300000, 3, false);
	compress("gzip", tar, gz);
	file_digest(tar, want);

	/* a diffID mismatch: nothing kept */
	assert_int_equal(import_file(s, gz, NULL, wrong, diff, chain, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "layer diffID mismatch"));
	assert_non_null(strstr(err->msg, wrong));
	assert_non_null(strstr(err->msg, want));
	err = err_free(err);
	assert_int_equal(count_in(s, "layers"), 0);
	assert_int_equal(count_in(s, "tmp"), 0);
	assert_int_equal(count_in(s, "blobs/lazy"), 0);
	assert_int_equal(count_in(s, "blobs/sha256"), 0);

	/* a corrupt gzip stream (bytes flipped in the middle) */
	{
		char *data = NULL;
		size_t len;
		assert_int_equal(read_file(gz, 1u << 30, &data, &len, NULL), 0);
		for (size_t i = len / 2; i < len / 2 + 64; i++)
			data[i] ^= 0x5a;
		assert_int_equal(write_file_atomic(bad, data, len, 0644, NULL), 0);
		free(data);
	}
	assert_true(import_file(s, bad, NULL, want, diff, chain, &err) < 0);
	assert_non_null(err);
	err = err_free(err);
	assert_int_equal(count_in(s, "layers"), 0);
	assert_int_equal(count_in(s, "tmp"), 0);

	/* a path escaping the layer, before a large body: the producer is stopped */
	make_tar(evil, 3, 8 << 20, 4, true);
	assert_int_equal(import_file(s, evil, NULL, NULL, diff, chain, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "../escape"));
	err = err_free(err);
	assert_int_equal(count_in(s, "layers"), 0);
	assert_int_equal(count_in(s, "tmp"), 0);

	/* xz is not a registry layer encoding; garbage is not a tar */
	compress("xz", tar, xz);
	assert_int_equal(import_file(s, xz, NULL, NULL, diff, chain, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "xz compression is not supported"));
	err = err_free(err);
	assert_true(import_file(s, "/etc/hostname", NULL, NULL, diff, chain, &err) < 0);
	err = err_free(err);
	assert_int_equal(count_in(s, "layers"), 0);
	assert_int_equal(count_in(s, "tmp"), 0);

	/* but store_layer_import_tar() takes xz, and keeps the tar */
	{
		int fd = open(xz, O_RDONLY | O_CLOEXEC);
		char *p;
		assert_int_equal(store_layer_import_tar(s, fd, NULL, diff, chain, NULL), 0);
		close(fd);
		assert_string_equal(diff, want);
		p = store_blob_path(s, diff);
		assert_int_equal(access(p, F_OK), 0);
		free(p);
	}
	free(tar);
	free(gz);
	free(bad);
	free(evil);
	free(xz);
	store_free(s);
}

/*
 * A pulled layer's tar is not kept but made again from its skeleton
 * (tar-split): the same bytes, whatever writer made them (PAX long names,
 * GNU long names, ustar prefixes, links, whiteouts, 10 KiB records of end
 * padding). A sparse file is not modelled: no skeleton, and the blob then
 * cannot be made again (-EBADMSG), as before.
 */
static void test_stream_tar_split(void **state)
{
	struct store *s = open_store("split");
	static const char *const formats[] = {"PAX_FORMAT", "GNU_FORMAT", "USTAR_FORMAT"};
	struct hull_err *err = NULL;

	(void) state;
	for (size_t f = 0; f < ARRAY_SIZE(formats); f++) {
		char *tar = xasprintf("%s/split-%zu.tar", tmpdir, f), *gz = xasprintf("%s.gz", tar);
		char *code = xasprintf(
			"import tarfile, io, sys\n"
			"t = tarfile.open(sys.argv[1], 'w', format=tarfile.%s)\n"
			"def add(name, data=None, type=tarfile.REGTYPE, **kw):\n"
			"    i = tarfile.TarInfo(name); i.type = type; i.mtime = 1234; i.mode = "
			"0o644\n"
			"    i.uname = 'someone'; i.uid = 1000\n"
			"    for k, v in kw.items(): setattr(i, k, v)\n"
			"    if data is not None: i.size = len(data)\n"
			"    t.addfile(i, io.BytesIO(data) if data is not None else None)\n"
			"long = 'd' * 60 + '/' + 'e' * 60 + '/' + 'f' * 20\n"
			"add(long, type=tarfile.DIRTYPE, mode=0o755) if %d else None\n"
			"add(long + '/file', b'in a long path' * 100) if %d else None\n"
			"add('top', type=tarfile.DIRTYPE, mode=0o755)\n"
			"add('top/a', b'a' * 513)\n"
			"add('top/empty', b'')\n"
			"add('top/zeros', bytes(70000))\n"
			"add('top/.wh.gone', b'')\n"
			"add('top/hard', type=tarfile.LNKTYPE, linkname='top/a')\n"
			"add('top/sym', type=tarfile.SYMTYPE, linkname='a')\n"
			"t.close()\n",
			formats[f], f != 2, f != 2);
		char *argv[] = {"python3", "-c", code, tar, NULL};
		char want[DIGEST_STR_LEN], diff[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
		char *data = NULL, *got = NULL, *sp;
		size_t len, glen;
		int fd = -1;

		assert_int_equal(run(argv), 0);
		compress("gzip", tar, gz);
		file_digest(tar, want);
		if (import_file(s, gz, NULL, want, diff, chain, &err) < 0)
			fail_msg("%s: %s", formats[f], err->msg);
		sp = xasprintf("%s/layers/%s/tar-split", s->root, digest_hex(chain));
		assert_int_equal(access(sp, F_OK), 0);
		if (store_blob_open_layer(s, diff, &fd, &err) < 0)
			fail_msg("%s: %s", formats[f], err->msg);
		assert_int_equal(read_file(tar, 1 << 24, &data, &len, NULL), 0);
		{
			char *pf = xasprintf("/proc/self/fd/%d", fd);
			assert_int_equal(read_file(pf, 1 << 24, &got, &glen, NULL), 0);
			free(pf);
		}
		assert_int_equal(glen, len);
		assert_memory_equal(got, data, len);
		close(fd);
		free(sp);
		free(data);
		free(got);
		free(code);
		free(tar);
		free(gz);
	}

	/* a file changed in the layer: the tar made again does not match, and says so */
	{
		char *tar = xasprintf("%s/split-0.tar", tmpdir), want[DIGEST_STR_LEN];
		char *dir, *p;
		int fd = -1;
		file_digest(tar, want);
		dir = store_layer_dir(s, want);
		p = path_join(dir, "top/a");
		assert_int_equal(write_file_atomic(p, "changed", 7, 0644, NULL), 0);
		assert_int_equal(store_blob_open_layer(s, want, &fd, &err), -EBADMSG);
		err = err_free(err);
		/*
		 * a device node where the tar had a file (a later entry of the
		 * same path): never opened, as it would be the host's device
		 */
		assert_int_equal(unlink(p), 0);
		assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
		assert_int_equal(store_blob_open_layer(s, want, &fd, &err), -EBADMSG);
		assert_non_null(strstr(err->msg, "'top/a' is not a regular file"));
		err = err_free(err);
		free(p);
		free(dir);
		free(tar);
	}

	/* GNU tar's sparse files: no skeleton */
	if (access("/usr/bin/tar", X_OK) == 0) {
		char *cmd = xasprintf("cd '%s' && mkdir -p sp && truncate -s 1M sp/holes && "
				      "echo x >> sp/holes && tar -S -cf sparse.tar sp",
				      tmpdir);
		char *argv[] = {"sh", "-c", cmd, NULL};
		char *tar = xasprintf("%s/sparse.tar", tmpdir), *sp;
		char want[DIGEST_STR_LEN], diff[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
		int fd = -1;

		assert_int_equal(run(argv), 0);
		file_digest(tar, want);
		if (import_file(s, tar, NULL, want, diff, chain, &err) < 0)
			fail_msg("sparse: %s", err->msg);
		sp = xasprintf("%s/layers/%s/tar-split", s->root, digest_hex(chain));
		assert_int_equal(access(sp, F_OK), -1);
		assert_int_equal(store_blob_open_layer(s, diff, &fd, &err), -EBADMSG);
		err = err_free(err);
		free(sp);
		free(tar);
		free(cmd);
	}
	assert_int_equal(count_in(s, "tmp"), 0);
	store_free(s);
}

/* ---- threads ---- */

struct job {
	pthread_t t;
	struct store *s;
	const char *path;
	char want[DIGEST_STR_LEN];
	char diff[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
	int r;
	char *msg;
};

static void *job_main(void *arg)
{
	struct job *j = arg;
	struct hull_err *err = NULL;

	j->r = import_file(j->s, j->path, NULL, j->want, j->diff, j->chain, &err);
	if (err)
		j->msg = xstrdup(err->msg);
	err_free(err);
	return NULL;
}

static void test_stream_concurrent(void **state)
{
	struct store *s = open_store("conc");
	struct job jobs[3];

	(void) state;
	for (int i = 0; i < 3; i++) {
		char *tar = xasprintf("%s/c%d.tar", tmpdir, i);
		char *gz = xasprintf("%s/c%d.tar.gz", tmpdir, i);
		make_tar(tar, 20 + i, 200000, 10 + i, false);
		compress("gzip", tar, gz);
		jobs[i] = (struct job){.s = s, .path = gz};
		file_digest(tar, jobs[i].want);
		free(tar);
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&jobs[i].t, NULL, job_main, &jobs[i]), 0);
	for (int i = 0; i < 3; i++) {
		pthread_join(jobs[i].t, NULL);
		if (jobs[i].r < 0)
			fail_msg("job %d: %s", i, jobs[i].msg);
		assert_string_equal(jobs[i].diff, jobs[i].want);
		check_layer(s, jobs[i].chain, 20 + i, 200000);
		free((char *) jobs[i].path);
	}
	assert_int_equal(count_in(s, "layers"), 3);
	assert_int_equal(count_in(s, "blobs/lazy"), 3);
	assert_int_equal(count_in(s, "tmp"), 0);
	store_free(s);
}

/* The lock excludes threads of one process too: a counter only its holder changes. */
struct locker {
	pthread_t t;
	struct store *s;
	int *counter;
	bool bad;
};

static void *lock_main(void *arg)
{
	struct locker *l = arg;

	for (int i = 0; i < 2000; i++) {
		int v;
		if (store_lock(l->s, NULL) < 0 || store_lock(l->s, NULL) < 0) {
			l->bad = true;
			return NULL;
		}
		v = *l->counter;
		if (i % 100 == 0)
			usleep(100);
		*l->counter = v + 1;
		store_unlock(l->s);
		store_unlock(l->s);
	}
	return NULL;
}

static void test_lock_threads(void **state)
{
	struct store *s = open_store("lock");
	struct locker l[3];
	int counter = 0;

	(void) state;
	for (int i = 0; i < 3; i++) {
		l[i] = (struct locker){.s = s, .counter = &counter};
		assert_int_equal(pthread_create(&l[i].t, NULL, lock_main, &l[i]), 0);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(l[i].t, NULL);
		assert_false(l[i].bad);
	}
	assert_int_equal(counter, 6000);
	assert_int_equal(s->lock_depth, 0);
	store_free(s);
}

static int setup(void **state)
{
	(void) state;
	signal(SIGPIPE, SIG_IGN);
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
		cmocka_unit_test(test_blob_writer),
		cmocka_unit_test(test_stream_plain_gzip_zstd),
		cmocka_unit_test(test_stream_failures),
		cmocka_unit_test(test_stream_tar_split),
		cmocka_unit_test(test_stream_concurrent),
		cmocka_unit_test(test_lock_threads),
	};
	char *argv[] = {"python3", "-c", "import tarfile, gzip", NULL};

	if (geteuid() != 0 || run(argv) != 0)
		return 77; /* needs root (file owners) and python3 */
	return cmocka_run_group_tests(tests, setup, teardown);
}
