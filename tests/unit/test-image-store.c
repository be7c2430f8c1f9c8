/* SPDX-License-Identifier: MIT */
/*
 * Store round trip: blobs (verified on read), import a tar, commit an image,
 * tag, get by reference / id / prefix, untag, delete with layer sharing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include "image/store.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

static char tmpdir[] = "/tmp/hull-test-store-XXXXXX";

static bool exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

static off_t st_size_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static int make_tar(const char *path, const char *content)
{
	char *code = xasprintf("import tarfile, io, sys\n"
			       "t = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)\n"
			       "i = tarfile.TarInfo('etc/file'); i.size = %zu; i.mtime = 1\n"
			       "t.addfile(i, io.BytesIO(b'%s'))\n"
			       "t.close()\n",
			       strlen(content), content);
	char *argv[] = {"python3", "-c", code, (char *) path, NULL};
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	free(code);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void import(struct store *s, const char *content, const char *parent,
		   char diff[DIGEST_STR_LEN], char chain[DIGEST_STR_LEN])
{
	char *tar = path_join(tmpdir, "layer.tar");
	struct hull_err *err = NULL;
	int fd;

	assert_int_equal(make_tar(tar, content), 0);
	fd = open(tar, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	if (store_layer_import_tar(s, fd, parent, diff, chain, &err) < 0)
		fail_msg("%s", err->msg);
	close(fd);
	free(tar);
}

static json_t *config_for(char **diff_ids, const char *cmd)
{
	json_t *c = json_pack("{s:s,s:s,s:{s:[s],s:[s]},s:{s:s,s:O},s:[]}", "architecture", "amd64",
			      "os", "linux", "config", "Env", "PATH=/bin", "Cmd", cmd, "rootfs",
			      "type", "layers", "diff_ids", json_from_strv(diff_ids), "history");
	/* json_from_strv's reference was taken by O: drop ours */
	json_decref(json_object_get(json_object_get(c, "rootfs"), "diff_ids"));
	return c;
}

static void test_blobs(void **state)
{
	struct store *s = NULL;
	char d[DIGEST_STR_LEN];
	char *data = NULL, *p;
	size_t len;
	struct hull_err *err = NULL;

	(void) state;
	assert_int_equal(store_open(tmpdir, &s, NULL), 0);
	/* libarchive stays out of processes that touch no tar (DESIGN.md "Start-up cost") */
	assert_int_equal(read_file("/proc/self/maps", 1 << 24, &data, NULL, NULL), 0);
	assert_null(strstr(data, "libarchive"));
	data = (free(data), NULL);
	assert_int_equal(store_blob_write(s, "hello", 5, d, NULL), 0);
	assert_string_equal(
		d, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	assert_int_equal(store_blob_read(s, d, 100, &data, &len, NULL), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "hello", 5);
	free(data);
	/* too big for the bound */
	assert_int_equal(store_blob_read(s, d, 4, &data, &len, &err), -EFBIG);
	err = err_free(err);
	/* corruption is detected */
	p = store_blob_path(s, d);
	assert_int_equal(write_file_atomic(p, "hellO", 5, 0644, NULL), 0);
	assert_int_equal(store_blob_read(s, d, 100, &data, &len, &err), -EBADMSG);
	err = err_free(err);
	(void) unlink(p);
	free(p);
	/* nested lock */
	assert_int_equal(store_lock(s, NULL), 0);
	assert_int_equal(store_lock(s, NULL), 0);
	store_unlock(s);
	store_unlock(s);
	store_free(s);
}

static void test_round_trip(void **state)
{
	struct store *s = NULL;
	struct hull_err *err = NULL;
	struct image *img = NULL, *img2 = NULL, *got = NULL;
	char d1[DIGEST_STR_LEN], c1[DIGEST_STR_LEN], d2[DIGEST_STR_LEN], c2[DIGEST_STR_LEN];
	char **diffs = strv_new(), **lower, **list = NULL;
	json_t *cfg, *refs;
	char *prefix;

	(void) state;
	assert_int_equal(store_open(tmpdir, &s, NULL), 0);
	assert_int_equal(store_lock(s, NULL), 0);
	import(s, "base", NULL, d1, c1);
	strv_push(&diffs, d1);
	cfg = config_for(diffs, "sh");
	if (store_image_commit(s, cfg, diffs, NULL, &img, &err) < 0)
		fail_msg("%s", err->msg);
	json_decref(cfg);
	assert_int_equal(strv_length(img->chain_ids), 1);
	assert_string_equal(img->chain_ids[0], c1);
	assert_string_equal(img->layer_digests[0], d1);
	assert_true(img->size >= 1024); /* a tar of one small file */
	assert_string_equal(
		json_string_value(json_array_get(
			json_object_get(json_object_get(img->config, "config"), "Cmd"), 0)),
		"sh");

	/* untagged, still found by id */
	assert_int_equal(store_image_get(s, img->id, &got, NULL), 0);
	assert_string_equal(got->manifest_digest, img->manifest_digest);
	got = image_free(got);
	assert_int_equal(store_image_get(s, "busybox", &got, &err), -ENOENT);
	assert_non_null(strstr(err->msg, "No such image: busybox:latest"));
	err = err_free(err);

	/* tag, get by every form */
	assert_int_equal(store_tag(s, "busybox", img->manifest_digest, NULL), 0);
	assert_int_equal(store_tag(s, "localhost/python:3.11-bookworm", img->manifest_digest, NULL),
			 0);
	const char *names[] = {"busybox",
			       "busybox:latest",
			       "docker.io/library/busybox:latest",
			       "index.docker.io/library/busybox",
			       "localhost/python:3.11-bookworm",
			       img->id,
			       img->id + 7,
			       NULL,
			       NULL};
	names[7] = prefix = xstrndup(img->id + 7, 12);
	names[8] = NULL;
	for (size_t i = 0; names[i]; i++) {
		if (store_image_get(s, names[i], &got, &err) < 0)
			fail_msg("'%s': %s", names[i], err->msg);
		assert_string_equal(got->id, img->id);
		got = image_free(got);
	}
	free(prefix);
	prefix = xasprintf("sha256:%.6s", img->id + 7);
	assert_int_equal(store_image_get(s, prefix, &got, NULL), 0);
	got = image_free(got);
	free(prefix);
	assert_int_equal(store_image_get(s, "localhost/python", &got, &err), -ENOENT);
	err = err_free(err);
	assert_int_equal(store_image_get(s, "abc", &got, &err), -ENOENT); /* too short a prefix */
	err = err_free(err);

	assert_int_equal(store_refs(s, &refs, NULL), 0);
	assert_int_equal(json_object_size(refs), 2);
	assert_string_equal(
		json_string_value(json_object_get(refs, "docker.io/library/busybox:latest")),
		img->manifest_digest);
	json_decref(refs);

	lower = store_image_lowerdirs(s, img);
	assert_int_equal(strv_length(lower), 1);
	assert_true(exists(lower[0]));
	strv_free(lower);

	/* a second image on top of the first */
	import(s, "top", c1, d2, c2);
	strv_push(&diffs, d2);
	cfg = config_for(diffs, "top");
	assert_int_equal(store_image_commit(s, cfg, diffs, NULL, &img2, NULL), 0);
	json_decref(cfg);
	lower = store_image_lowerdirs(s, img2);
	assert_int_equal(strv_length(lower), 2);
	char *top = store_layer_dir(s, c2), *bottom = store_layer_dir(s, c1);
	assert_string_equal(lower[0], top); /* top first, as overlayfs wants */
	assert_string_equal(lower[1], bottom);
	strv_free(lower);
	assert_int_equal(store_image_list(s, &list, NULL), 0);
	assert_int_equal(strv_length(list), 2);
	list = strv_free(list);
	char *maps = NULL;
	assert_int_equal(read_file("/proc/self/maps", 1 << 24, &maps, NULL, NULL), 0);
	assert_non_null(strstr(maps, "libarchive")); /* loaded on first use */
	free(maps);

	/* tagged images are not deleted */
	assert_int_equal(store_image_delete(s, img, &err), -EBUSY);
	err = err_free(err);
	assert_int_equal(store_untag(s, "busybox", NULL), 0);
	assert_int_equal(store_untag(s, "busybox", &err), -ENOENT);
	err = err_free(err);
	assert_int_equal(store_untag(s, "localhost/python:3.11-bookworm", NULL), 0);
	assert_int_equal(store_image_delete(s, img, NULL), 0);
	/* its layer is still used by img2 */
	assert_true(exists(bottom));
	char *cblob = store_blob_path(s, img->id),
	     *mblob = store_blob_path(s, img->manifest_digest);
	assert_false(exists(cblob));
	assert_false(exists(mblob));
	assert_int_equal(store_image_get(s, img->id, &got, &err), -ENOENT);
	err = err_free(err);

	assert_int_equal(store_image_delete(s, img2, NULL), 0);
	assert_false(exists(bottom));
	assert_false(exists(top));
	char *l1 = store_blob_path(s, d1);
	assert_false(exists(l1));
	assert_int_equal(store_image_list(s, &list, NULL), 0);
	assert_int_equal(strv_length(list), 0);
	list = strv_free(list);

	free(l1);
	free(cblob);
	free(mblob);
	free(top);
	free(bottom);
	strv_free(diffs);
	image_free(img);
	image_free(img2);
	store_unlock(s);
	store_free(s);
}

/* A built directory: one file of @content, fixed mtimes (same content, same diffID). */
static char *make_dir(const char *name, const char *content)
{
	char *dir = path_join(tmpdir, name), *f = path_join(dir, "file");
	struct timespec ts[2] = {{1, 0}, {1, 0}};

	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(write_file_atomic(f, content, strlen(content), 0644, NULL), 0);
	assert_int_equal(utimensat(AT_FDCWD, f, ts, 0), 0);
	free(f);
	return dir;
}

static json_t *one_layer_image(struct store *s, const char *diff, struct image **ret)
{
	char *diffs[] = {(char *) diff, NULL};
	json_t *cfg = config_for(diffs, "x");

	assert_int_equal(store_image_commit(s, cfg, diffs, NULL, ret, NULL), 0);
	return cfg;
}

/*
 * Built layers keep no tar: their blob is a lazy record (size, layer) that
 * sizes the image and the manifest descriptor, survives while any image
 * with that diffID lives (even on another parent) and goes with the last.
 */
static void test_lazy_layer_blobs(void **state)
{
	struct store *s;
	struct image *a = NULL, *b = NULL;
	char da[DIGEST_STR_LEN], ca[DIGEST_STR_LEN], db[DIGEST_STR_LEN], cb[DIGEST_STR_LEN];
	char dp[DIGEST_STR_LEN], cp[DIGEST_STR_LEN];
	char *root = path_join(tmpdir, "lazy"), *lazy, *blob, *dir;
	struct hull_err *err = NULL;
	int64_t size;
	int fd = -1;

	(void) state;
	assert_int_equal(store_open(root, &s, NULL), 0);
	assert_int_equal(store_lock(s, NULL), 0);
	dir = make_dir("lazy-a", "same");
	if (store_layer_commit_dir(s, dir, NULL, da, ca, &err) < 0)
		fail_msg("%s", err->msg);
	free(dir);
	blob = store_blob_path(s, da);
	lazy = xasprintf("%s/blobs/lazy/%s", root, digest_hex(da));
	assert_false(exists(blob));
	assert_true(exists(lazy));
	size = store_blob_size(s, da);
	assert_true(size >= 1536); /* one header, one data block, two end blocks */
	json_decref(one_layer_image(s, da, &a));
	assert_int_equal(a->size, size);

	/* the same content on another parent: same diffID, another chain */
	import(s, "parent", NULL, dp, cp);
	dir = make_dir("lazy-b", "same");
	assert_int_equal(store_layer_commit_dir(s, dir, cp, db, cb, NULL), 0);
	free(dir);
	assert_string_equal(db, da);
	assert_string_not_equal(cb, ca);
	char *diffs[] = {dp, db, NULL};
	json_t *cfg = config_for(diffs, "b");
	assert_int_equal(store_image_commit(s, cfg, diffs, NULL, &b, NULL), 0);
	json_decref(cfg);

	/* the first image goes, with the chain the record names: the blob is made from the other */
	assert_int_equal(store_image_delete(s, a, NULL), 0);
	char *la = store_layer_dir(s, ca);
	assert_false(exists(la));
	free(la);
	assert_true(exists(lazy));
	if (store_blob_open_layer(s, da, &fd, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(lseek(fd, 0, SEEK_END), size);
	close(fd);

	/* the last user goes: so does the record */
	assert_int_equal(store_image_delete(s, b, NULL), 0);
	assert_false(exists(lazy));
	assert_int_equal(store_blob_size(s, da), -1);
	assert_int_equal(store_blob_open_layer(s, da, &fd, &err), -ENOENT);
	err = err_free(err);

	/* a store written before lazy blobs: the stored tar is used as it is */
	import(s, "old", NULL, dp, cp);
	assert_true(store_blob_size(s, dp) > 0);
	assert_int_equal(store_blob_open_layer(s, dp, &fd, NULL), 0);
	close(fd);
	char *pb = store_blob_path(s, dp);
	assert_int_equal(write_file_atomic(pb, "junk", 4, 0644, NULL), 0);
	assert_int_equal(store_blob_open_layer(s, dp, &fd, &err), -EBADMSG);
	err = err_free(err);
	free(pb);

	image_free(a);
	image_free(b);
	free(blob);
	free(lazy);
	free(root);
	store_unlock(s);
	store_free(s);
}

/* A pull writes the blobs itself and tags: the tag records the image. */
static void test_tag_pulled_manifest(void **state)
{
	struct store *s = NULL;
	struct image *got = NULL;
	struct hull_err *err = NULL;
	char cd[DIGEST_STR_LEN], md[DIGEST_STR_LEN];
	const char *config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			     "\"layers\",\"diff_ids\":[]}}";

	(void) state;
	assert_int_equal(store_open(tmpdir, &s, NULL), 0);
	assert_int_equal(store_blob_write(s, config, strlen(config), cd, NULL), 0);
	char *manifest = xasprintf(
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		"\"digest\":\"%s\",\"size\":%zu},\"layers\":[]}",
		cd, strlen(config));
	assert_int_equal(store_blob_write(s, manifest, strlen(manifest), md, NULL), 0);
	if (store_tag(s, "registry:5000/empty:v1", md, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(store_image_get(s, "registry:5000/empty:v1", &got, NULL), 0);
	assert_string_equal(got->id, cd);
	assert_int_equal(strv_length(got->diff_ids), 0);
	got = image_free(got);
	char *byd = xasprintf("registry:5000/empty@%s", md);
	assert_int_equal(store_image_get(s, byd, &got, NULL), 0);
	got = image_free(got);
	free(byd);
	/* tagging a missing manifest fails */
	assert_int_equal(
		store_tag(s, "x",
			  "sha256:"
			  "0000000000000000000000000000000000000000000000000000000000000000",
			  &err),
		-ENOENT);
	err = err_free(err);
	free(manifest);
	store_free(s);
}

static size_t count_dir(const char *root, const char *sub)
{
	char *p = path_join(root, sub);
	DIR *d = opendir(p);
	struct dirent *de;
	size_t n = 0;

	free(p);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * What a pull leaves: a gzip layer blob, the layer imported from the stream
 * (its tar a lazy blob), config, manifest and an index, tagged, with
 * repository digests. They find the image, are not tags, and go with it,
 * as does every blob.
 */
static void test_repo_digests(void **state)
{
	char *root = path_join(tmpdir, "digests"), *tar = path_join(tmpdir, "rd.tar");
	char *gz = path_join(tmpdir, "rd.tar.gz"), *cmd, *data = NULL, *manifest, *index;
	char gd[DIGEST_STR_LEN], diff[DIGEST_STR_LEN], chain[DIGEST_STR_LEN];
	char cd[DIGEST_STR_LEN], md[DIGEST_STR_LEN], xd[DIGEST_STR_LEN], want[DIGEST_STR_LEN];
	struct blob_writer *w = NULL;
	struct hull_err *err = NULL;
	struct image *img = NULL, *got = NULL;
	struct store *s = NULL;
	char **l, **layers = NULL, *name;
	uint64_t bytes = 0;
	json_t *refs;
	size_t len;
	int fd;

	(void) state;
	assert_int_equal(store_open(root, &s, NULL), 0);
	assert_int_equal(make_tar(tar, "pulled"), 0);
	cmd = xasprintf("gzip -c < '%s' > '%s'", tar, gz);
	{
		char *argv[] = {"sh", "-c", cmd, NULL};
		int status;
		pid_t pid = fork();
		if (pid == 0) {
			execvp(argv[0], argv);
			_exit(127);
		}
		waitpid(pid, &status, 0);
		assert_int_equal(status, 0);
	}
	free(cmd);
	assert_int_equal(read_file(tar, 1 << 20, &data, &len, NULL), 0);
	sha256_digest(data, len, want);
	free(data);
	assert_int_equal(read_file(gz, 1 << 20, &data, &len, NULL), 0);
	sha256_digest(data, len, gd);
	assert_int_equal(store_blob_writer_open(s, &w, NULL), 0);
	assert_int_equal(store_blob_writer_write(w, data, len, NULL), 0);
	assert_int_equal(store_blob_writer_commit(w, gd, NULL), 0);
	free(data);
	fd = open(gz, O_RDONLY | O_CLOEXEC);
	if (store_layer_import_stream(s, fd, NULL, want, diff, chain, &err) < 0)
		fail_msg("%s", err->msg);
	close(fd);
	char *cfgdata = xasprintf("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":"
				  "{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
				  diff);
	assert_int_equal(store_blob_write(s, cfgdata, strlen(cfgdata), cd, NULL), 0);
	manifest = xasprintf(
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		"\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
		"\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\",\"size\":%zu}]}",
		cd, strlen(cfgdata), gd, len);
	assert_int_equal(store_blob_write(s, manifest, strlen(manifest), md, NULL), 0);
	index = xasprintf("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"%s\"}]}", md);
	assert_int_equal(store_blob_write(s, index, strlen(index), xd, NULL), 0);

	/* a repository digest before any tag records the image too */
	name = xasprintf("registry:5000/x@%s", md);
	if (store_repo_digest_add(s, name, md, &err) < 0)
		fail_msg("%s", err->msg);
	free(name);
	name = xasprintf("busybox@%s", xd);
	assert_int_equal(store_repo_digest_add(s, name, md, NULL), 0);
	assert_int_equal(store_tag(s, "busybox:latest", md, NULL), 0);
	assert_int_equal(store_repo_digest_add(s, "busybox:latest", md, &err), -EINVAL);
	err = err_free(err);

	l = store_repo_digests(s, md);
	assert_int_equal(strv_length(l), 2);
	assert_string_equal(l[0], name);
	assert_true(startswith(l[1], "registry:5000/x@sha256:"));
	strv_free(l);
	l = store_repo_digests(s, cd); /* no image has that manifest */
	assert_int_equal(strv_length(l), 0);
	strv_free(l);
	/* not tags */
	assert_int_equal(store_refs(s, &refs, NULL), 0);
	assert_int_equal(json_object_size(refs), 1);
	json_decref(refs);

	/* found by either, also with a tag beside the digest */
	assert_int_equal(store_image_get(s, name, &img, NULL), 0);
	assert_string_equal(img->manifest_digest, md);
	assert_int_equal(img->size, (int64_t) st_size_of(tar));
	char *tagged = xasprintf("docker.io/library/busybox:latest@%s", xd);
	assert_int_equal(store_image_get(s, tagged, &got, NULL), 0);
	got = image_free(got);
	free(tagged);
	char *other = xasprintf("alpine@%s", xd); /* another repository: not recorded */
	assert_int_equal(store_image_get(s, other, &got, &err), -ENOENT);
	err = err_free(err);
	free(other);

	/* untag a digest */
	char *rd = xasprintf("registry:5000/x@%s", md);
	assert_int_equal(store_untag(s, rd, NULL), 0);
	assert_int_equal(store_untag(s, rd, &err), -ENOENT);
	err = err_free(err);
	free(rd);
	l = store_repo_digests(s, md);
	assert_int_equal(strv_length(l), 1);
	strv_free(l);

	/* delete: digests, every blob (index, manifest, config, gzip, the lazy tar) and the layer
	 */
	assert_int_equal(store_untag(s, "busybox:latest", NULL), 0);
	if (store_image_delete_report(s, img, &layers, &bytes, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(strv_length(layers), 1);
	assert_string_equal(layers[0], chain);
	assert_true(bytes > len);
	assert_int_equal(store_image_get(s, name, &got, &err), -ENOENT);
	err = err_free(err);
	assert_int_equal(count_dir(root, "blobs/sha256"), 0);
	assert_int_equal(count_dir(root, "blobs/lazy"), 0);
	assert_int_equal(count_dir(root, "layers"), 0);
	assert_int_equal(count_dir(root, "tmp"), 0);
	{
		char *ip = path_join(root, "images/index.json"), *idx = NULL;
		assert_int_equal(read_file(ip, 1 << 20, &idx, NULL, NULL), 0);
		assert_null(strstr(idx, "busybox"));
		free(idx);
		free(ip);
	}

	strv_free(layers);
	image_free(img);
	free(name);
	free(cfgdata);
	free(manifest);
	free(index);
	free(tar);
	free(gz);
	free(root);
	store_free(s);
}

static void test_stale_tmp(void **state)
{
	struct store *s = NULL;
	char *stale = xasprintf("%s/tmp/layer-999999999-abcdef", tmpdir);
	char *mine = NULL;

	(void) state;
	assert_int_equal(store_open(tmpdir, &s, NULL), 0);
	assert_int_equal(store_tmpdir(s, "build", &mine, NULL), 0);
	assert_int_equal(mkdir(stale, 0700), 0);
	char *stale_index = xasprintf("%s/images/index.json.tmp.999999999", tmpdir);
	assert_int_equal(write_file_atomic(stale_index, "{", 1, 0600, NULL), 0);
	store_free(s);
	assert_int_equal(store_open(tmpdir, &s, NULL), 0);
	assert_false(exists(stale)); /* its owner is dead */
	assert_true(exists(mine));   /* ours */
	assert_false(exists(stale_index));
	free(stale_index);
	free(stale);
	free(mine);
	store_free(s);
}

static void count_problem(void *arg, const char *object, const char *problem, bool repaired)
{
	(void) object;
	(void) problem;
	(void) repaired;
	(*(int *) arg)++;
}

static int problems(void)
{
	struct store *s = NULL;
	int n = 0, r;

	assert_int_equal(store_open_flags(tmpdir, STORE_OPEN_KEEP_LEFTOVERS, &s, NULL), 0);
	r = store_check(s, false, count_problem, &n, NULL);
	assert_int_equal(r, n); /* every problem reported is left */
	store_free(s);
	return n;
}

/*
 * A writer killed between its writes and the index update (a child that
 * imports a layer and writes a blob, then _exit()s without store_free())
 * leaves orphans: store_check() reports them (the layer, its tar blob, the
 * blob and the writer's marker), and the next store_open() removes them,
 * and nothing an image uses.
 */
static void test_killed_writer(void **state)
{
	struct store *s = NULL;
	char diff[DIGEST_STR_LEN], chain[DIGEST_STR_LEN], d[DIGEST_STR_LEN];
	char *blob = NULL;
	int status, before;
	pid_t pid;

	(void) state;
	before = problems();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (store_open(tmpdir, &s, NULL) < 0)
			_exit(1);
		import(s, "orphan content", NULL, diff, chain);
		if (store_blob_write(s, "orphan blob", 11, d, NULL) < 0)
			_exit(1);
		_exit(0); /* as if killed: no store_free() */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	sha256_digest("orphan blob", 11, d);
	blob = xasprintf("%s/blobs/sha256/%s", tmpdir, digest_hex(d));
	assert_true(exists(blob));
	assert_int_equal(problems(), before + 4);
	/* the next open reclaims them */
	assert_int_equal(store_open(tmpdir, &s, NULL), 0);
	store_free(s);
	assert_false(exists(blob));
	assert_int_equal(problems(), before);
	free(blob);
}

/* a chain of @depth directories "d" below @dir, a file at each level; opened one at a time */
static void make_deep(const char *dir, int depth)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	for (int i = 0; i < depth; i++) {
		int next, f;

		f = openat(fd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true(f >= 0);
		close(f);
		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(next >= 0);
		close(fd);
		fd = next;
	}
	close(fd);
}

/*
 * A tree deeper than the fd limit (a layer's nested directories) is removed
 * all the same: by rm_rf(), and by the clean-up of a stale tmp/ entry.
 */
static void test_deep_tree(void **state)
{
	char *deep = xasprintf("%s/deep", tmpdir);
	char *stale = xasprintf("%s/tmp/pull-999999999-deepxx", tmpdir);
	struct rlimit old, low;
	struct store *s = NULL;

	(void) state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 128; /* the old removal needed an fd per level: 1000 */
	assert_int_equal(mkdir(deep, 0755), 0);
	make_deep(deep, 1000);
	assert_int_equal(store_open(tmpdir, &s, NULL), 0);
	store_free(s);
	assert_int_equal(mkdir(stale, 0700), 0);
	make_deep(stale, 1000);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(rm_rf(deep, NULL), 0);
	assert_int_equal(store_open(tmpdir, &s, NULL), 0); /* removes the stale entry */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_false(exists(deep));
	assert_false(exists(stale));
	store_free(s);
	free(stale);
	free(deep);
}

static int setup(void **state)
{
	(void) state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void) state;
	return rm_rf(tmpdir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blobs),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tag_pulled_manifest),
		cmocka_unit_test(test_lazy_layer_blobs),
		cmocka_unit_test(test_repo_digests),
		cmocka_unit_test(test_stale_tmp),
		cmocka_unit_test(test_killed_writer),
		cmocka_unit_test(test_deep_tree),
	};
	char *argv[] = {"python3", "-c", "import tarfile", NULL};
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 77; /* tars are made with python3 */
	return cmocka_run_group_tests(tests, setup, teardown);
}
