/* SPDX-License-Identifier: MIT */
/*
 * Reading logs (logread.c): the backward scan that finds the last N records
 * of a json-file or local log whatever the block size (records across block
 * boundaries, longer than a block, a partial last line), the local records
 * as docker writes them (a record made by docker 20.10 decodes, and encodes
 * back to the same bytes), lines cut in pieces, the forward reader over a
 * plain and a gzipped file, and rotation (names, count, truncation).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "container/logread.h"
#include "util/fs.h"

static char tmpdir[] = "/tmp/test-logread.XXXXXX";

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

static int tmpfd(void)
{
	char p[64];
	int fd;

	snprintf(p, sizeof(p), "%s/f.XXXXXX", tmpdir);
	fd = mkstemp(p);
	assert_true(fd >= 0);
	unlink(p);
	return fd;
}

/* json-file lines of varied lengths (some longer than the small blocks), offsets kept */
static void test_tail_json(void **state)
{
	static const size_t blocks[] = {1, 2, 7, 64, 1000, 0};
	int64_t off[41];
	struct strbuf sb = STRBUF_INIT;
	int fd = tmpfd();
	(void) state;

	for (int i = 0; i < 40; i++) {
		char text[3000];
		size_t len = (size_t) (i * 37 % 300) + (i == 17 ? 2500 : 0);
		memset(text, 'a' + i % 26, len);
		text[len] = '\n';
		off[i] = (int64_t) sb.len;
		log_line_json(&sb, i % 3 ? "stdout" : "stderr", text, len + 1, NULL,
			      "2024-01-02T03:04:05.000000006Z");
	}
	off[40] = (int64_t) sb.len;
	assert_int_equal(write_all(fd, sb.buf, sb.len), 0);
	/* a record the writer has not finished: never counted */
	assert_int_equal(write_all(fd, "{\"log\":\"par", 11), 0);

	for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		for (uint64_t n = 0; n <= 45; n++) {
			int64_t start = -1, end = -1;
			int64_t got = log_tail_scan(fd, LOG_FORMAT_JSON, off[40] + 11, n, blocks[b],
						    &start, &end);
			assert_int_equal(got, n > 40 ? 40 : n);
			assert_int_equal(end, off[40]);
			assert_int_equal(start, off[n > 40 ? 0 : 40 - n]);
		}
	}
	strbuf_release(&sb);
	close(fd);
}

static void test_tail_json_edges(void **state)
{
	int fd = tmpfd();
	int64_t start = -1, end = -1;
	(void) state;

	/* empty */
	assert_int_equal(log_tail_scan(fd, LOG_FORMAT_JSON, 0, 5, 0, &start, &end), 0);
	assert_int_equal(start, 0);
	assert_int_equal(end, 0);
	/* one partial line only */
	assert_int_equal(write_all(fd, "{\"log\":", 7), 0);
	assert_int_equal(log_tail_scan(fd, LOG_FORMAT_JSON, 7, 5, 3, &start, &end), 0);
	assert_int_equal(end, 0);
	/* one line, then the partial one: --tail 0 starts after the complete one */
	assert_int_equal(pwrite(fd, "{}\n{\"log\":", 10, 0), 10);
	assert_int_equal(log_tail_scan(fd, LOG_FORMAT_JSON, 10, 0, 4, &start, &end), 0);
	assert_int_equal(start, 3);
	assert_int_equal(end, 3);
	assert_int_equal(log_tail_scan(fd, LOG_FORMAT_JSON, 10, 1, 4, &start, &end), 1);
	assert_int_equal(start, 0);
	close(fd);
}

/* A record docker 20.10's local driver wrote for `echo hi` (od of its container.log). */
static const unsigned char docker_hi[] = {
	0x00, 0x00, 0x00, 0x16, 0x0a, 0x06, 0x73, 0x74, 0x64, 0x6f, 0x75, 0x74, 0x10, 0xd9, 0xbf,
	0xf2, 0xc0, 0x94, 0xed, 0xf4, 0xf6, 0x18, 0x1a, 0x02, 0x68, 0x69, 0x00, 0x00, 0x00, 0x16};

static void test_local_docker_bytes(void **state)
{
	struct log_local_entry e;
	struct strbuf sb = STRBUF_INIT, attrs = STRBUF_INIT;
	(void) state;

	assert_int_equal(log_local_decode(docker_hi + 4, sizeof(docker_hi) - 8, &e, &attrs), 0);
	assert_int_equal(e.source_len, 6);
	assert_memory_equal(e.source, "stdout", 6);
	assert_int_equal(e.line_len, 2);
	assert_memory_equal(e.line, "hi", 2);
	assert_false(e.partial);
	assert_string_equal(attrs.buf, "");
	log_entry_local(&sb, "stdout", "hi", 2, e.time_ns, NULL);
	assert_int_equal(sb.len, sizeof(docker_hi));
	assert_memory_equal(sb.buf, docker_hi, sizeof(docker_hi));
	/* not protobuf */
	assert_int_equal(log_local_decode((const unsigned char *) "\x0a\x7f", 2, &e, NULL),
			 -EBADMSG);
	strbuf_release(&sb);
	strbuf_release(&attrs);
}

/* Write through log_stream_feed() in @format; returns the fd, rewound. */
static int feed(enum log_format format, const char *const *chunks, size_t n)
{
	struct log_stream ls = {"stdout", STRBUF_INIT, "", 0};
	struct log_file lf;

	log_file_init(&lf);
	lf.fd = tmpfd();
	lf.format = format;
	for (size_t i = 0; i < n; i++)
		log_stream_feed(&lf, &ls, chunks[i], strlen(chunks[i]));
	log_stream_flush(&lf, &ls);
	return lf.fd;
}

static void test_local_tail_and_pieces(void **state)
{
	char *big = malloc(20001);
	const char *chunks[] = {"one\ntwo\n", big, "\nthree\n", "part"};
	struct log_reader lr;
	struct log_entry e;
	struct hull_err *err = NULL;
	struct stat st;
	int64_t start, end;
	int fd, i = 0;
	(void) state;

	memset(big, 'a', 20000);
	big[20000] = '\0';
	fd = feed(LOG_FORMAT_LOCAL, chunks, 4);
	assert_int_equal(fstat(fd, &st), 0);
	/* one, two, a 16 KiB piece, the rest of the long line, three, part */
	for (uint64_t n = 0; n <= 7; n++) {
		int64_t got = log_tail_scan(fd, LOG_FORMAT_LOCAL, st.st_size, n, 5, &start, &end);
		assert_int_equal(got, n > 6 ? 6 : n);
		assert_int_equal(end, st.st_size);
	}
	assert_int_equal(log_tail_scan(fd, LOG_FORMAT_LOCAL, st.st_size, 6, 0, &start, &end), 6);
	assert_int_equal(start, 0);
	/* a torn last record cannot be walked back */
	assert_int_equal(log_tail_scan(fd, LOG_FORMAT_LOCAL, st.st_size - 1, 1, 0, &start, &end),
			 -EBADMSG);

	assert_int_equal(log_reader_open(&lr, LOG_FORMAT_LOCAL, fd, false, 0, -1, &err), 0);
	while (log_reader_next(&lr, &e, &err) > 0) {
		assert_string_equal(e.stream, "stdout");
		assert_int_equal(strlen(e.time), LOG_TIME_SIZE - 1);
		switch (i++) {
		case 0:
			assert_int_equal(e.len, 4);
			assert_memory_equal(e.line, "one\n", 4);
			break;
		case 2:
			assert_int_equal(e.len, LOG_LINE_MAX); /* a piece: no newline */
			break;
		case 3:
			assert_int_equal(e.len, 20000 - LOG_LINE_MAX + 1); /* the last: newline */
			assert_int_equal(e.line[e.len - 1], '\n');
			break;
		case 5:
			assert_int_equal(e.len, 4); /* unfinished at the end: as json-file, none */
			assert_memory_equal(e.line, "part", 4);
			break;
		}
	}
	assert_null(err);
	assert_int_equal(i, 6);
	log_reader_release(&lr);
	free(big);
	close(fd);
}

static void test_json_reader(void **state)
{
	const char *chunks[] = {"a\n", "b\n"};
	struct log_reader lr;
	struct log_entry e;
	struct hull_err *err = NULL;
	int fd = feed(LOG_FORMAT_JSON, chunks, 2);
	char *junk = malloc(LOG_RECORD_MAX + 10);
	off_t end = lseek(fd, 0, SEEK_END);
	(void) state;

	/* a line too long to be ours and one that is no json are passed over */
	memset(junk, 'x', LOG_RECORD_MAX + 9);
	junk[LOG_RECORD_MAX + 9] = '\n';
	assert_int_equal(pwrite(fd, junk, LOG_RECORD_MAX + 10, end), LOG_RECORD_MAX + 10);
	end += LOG_RECORD_MAX + 10;
	{
		static const char more[] =
			"nope\n{\"log\":\"c\\n\",\"stream\":\"stderr\",\"attrs\":{\"b\":\"2 "
			"x\",\"a\":\"1\"},\"time\":\"2024-01-02T04:04:05.5+01:00\"}\n{\"log\"";
		assert_int_equal(pwrite(fd, more, sizeof(more) - 1, end), sizeof(more) - 1);
	}
	assert_int_equal(log_reader_open(&lr, LOG_FORMAT_JSON, fd, false, 0, -1, &err), 0);
	assert_int_equal(log_reader_next(&lr, &e, &err), 1);
	assert_memory_equal(e.line, "a\n", 2);
	assert_int_equal(log_reader_next(&lr, &e, &err), 1);
	assert_memory_equal(e.line, "b\n", 2);
	assert_int_equal(log_reader_next(&lr, &e, &err), 1);
	assert_memory_equal(e.line, "c\n", 2);
	assert_string_equal(e.stream, "stderr");
	assert_string_equal(e.time, "2024-01-02T03:04:05.500000000Z");
	assert_string_equal(e.attrs, "a=1,b=2+x");
	/* the unfinished record waits */
	assert_int_equal(log_reader_next(&lr, &e, &err), 0);
	assert_null(err);
	log_reader_release(&lr);
	free(junk);
	close(fd);
}

/* The reader's own json decoding gives what jansson gives, for what our writer and Go's write. */
static void test_json_fast_path(void **state)
{
	static const char *const foreign[] = {
		/* Go's encoder: <, > and & as \u escapes, a surrogate pair, \/ */
		"{\"log\":\"\\u003cb\\u003e \\u0026 \\ud83d\\ude00 \\/ "
		"\\u00e9\\n\",\"stream\":\"stdout\","
		"\"time\":\"2024-01-02T03:04:05.1Z\"}",
		/* a lone surrogate: jansson refuses the record, and so does the reader */
		"{\"log\":\"\\udc00\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05Z\"}",
		/* other shapes go through jansson */
		"{\"stream\":\"stderr\",\"log\":\"x\\n\",\"time\":\"2024-01-02T03:04:05Z\"}",
		"{\"log\":\"y\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05Z\",\"x\":"
		"\"1\"}",
		"{\"log\": \"z\\n\", \"stream\": \"stdout\", \"time\": \"2024-01-02T03:04:05Z\"}",
	};
	struct strbuf sb = STRBUF_INIT;
	struct log_reader lr;
	struct log_entry e;
	struct hull_err *err = NULL;
	unsigned seed = 11;
	int fd = tmpfd(), n = 0;
	(void) state;

	for (int i = 0; i < 500; i++) {
		char data[64];
		size_t len = (size_t) (rand_r(&seed) % 63) + 1;
		for (size_t k = 0; k < len; k++)
			data[k] = (char) (rand_r(&seed) % 4 ? rand_r(&seed) % 128
							    : rand_r(&seed) % 256);
		log_line_json(&sb, i % 2 ? "stdout" : "stderr", data, len, NULL,
			      "2024-01-02T03:04:05.000000006Z");
	}
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		(void) strbuf_adds(&sb, foreign[i]);
		(void) strbuf_addch(&sb, '\n');
	}
	assert_int_equal(write_all(fd, sb.buf, sb.len), 0);
	assert_int_equal(log_reader_open(&lr, LOG_FORMAT_JSON, fd, false, 0, -1, &err), 0);
	for (char *l = sb.buf, *nl; (nl = strchr(l, '\n')); l = nl + 1) {
		json_t *j = json_loadb(l, (size_t) (nl - l), JSON_ALLOW_NUL, NULL);
		if (!j)
			continue;
		assert_int_equal(log_reader_next(&lr, &e, &err), 1);
		n++;
		assert_int_equal(e.len, json_string_length(json_object_get(j, "log")));
		assert_memory_equal(e.line, json_string_value(json_object_get(j, "log")), e.len);
		assert_string_equal(e.stream, json_string_value(json_object_get(j, "stream")));
		json_decref(j);
	}
	assert_int_equal(log_reader_next(&lr, &e, &err), 0);
	assert_null(err);
	assert_int_equal(n, 500 + 4);
	log_reader_release(&lr);
	strbuf_release(&sb);
	close(fd);
}

static void test_rotate_and_compress(void **state)
{
	char path[128], name[160];
	struct log_file lf;
	struct stat st;
	struct log_reader lr;
	struct log_entry e;
	struct hull_err *err = NULL;
	int fd, n = 0;
	(void) state;

	snprintf(path, sizeof(path), "%s/c-json.log", tmpdir);
	log_file_init(&lf);
	lf.path = strdup(path);
	lf.max_size = 100;
	lf.max_file = 3;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	log_file_adopt(&lf, fd);
	/* 40-byte records: 3 to a file (the 4th write finds 120 >= 100), the oldest dropped */
	for (int i = 0; i < 10; i++) {
		char rec[41];
		snprintf(rec, sizeof(rec), "%039d\n", i);
		log_file_write(&lf, rec, 40);
	}
	assert_int_equal(lf.fd, fd); /* the same number, for hull-monitor's command line */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 40); /* 9 */
	assert_true(log_file_rotated_name(name, sizeof(name), path, 1, false));
	assert_int_equal(stat(name, &st), 0);
	assert_int_equal(st.st_size, 120); /* 6 7 8 */
	assert_true(log_file_rotated_name(name, sizeof(name), path, 2, false));
	assert_int_equal(stat(name, &st), 0);
	assert_true(log_file_rotated_name(name, sizeof(name), path, 3, false));
	assert_int_equal(stat(name, &st), -1);

	/* compressed as the monitor's child does it, then read back */
	assert_true(log_file_rotated_name(name, sizeof(name), path, 1, false));
	assert_int_equal(log_compress_file(name, &err), 0);
	assert_int_equal(stat(name, &st), -1);
	assert_true(log_file_rotated_name(name, sizeof(name), path, 1, true));
	fd = open(name, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	/* these records are no json: the reader decompresses them and finds none */
	assert_int_equal(log_reader_open(&lr, LOG_FORMAT_JSON, fd, true, 0, -1, &err), 0);
	assert_int_equal(log_reader_next(&lr, &e, &err), 0);
	assert_null(err);
	log_reader_release(&lr);
	close(fd);

	/* max-file 1: the file is emptied instead (40 80 120, emptied, 40 80) */
	lf.max_file = 1;
	for (int i = 0; i < 4; i++)
		log_file_write(&lf, "0123456789012345678901234567890123456789", 40);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 80);
	assert_true(log_file_rotated_name(name, sizeof(name), path, 2, false));
	assert_int_equal(stat(name, &st), 0); /* untouched */
	log_file_release(&lf);

	/* json records through rotation and gzip: all come back, in order */
	snprintf(path, sizeof(path), "%s/z-json.log", tmpdir);
	log_file_init(&lf);
	lf.path = strdup(path);
	lf.max_size = 300;
	lf.max_file = 2;
	log_file_adopt(&lf, open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
	{
		struct log_stream ls = {"stdout", STRBUF_INIT, "", 0};
		for (int i = 0; i < 6; i++) {
			char l[32];
			snprintf(l, sizeof(l), "line%d\n", i);
			log_stream_feed(&lf, &ls, l, strlen(l));
		}
		log_stream_flush(&lf, &ls);
	}
	log_file_release(&lf);
	assert_true(log_file_rotated_name(name, sizeof(name), path, 1, false));
	assert_int_equal(log_compress_file(name, &err), 0);
	assert_true(log_file_rotated_name(name, sizeof(name), path, 1, true));
	fd = open(name, O_RDONLY | O_CLOEXEC);
	assert_int_equal(log_reader_open(&lr, LOG_FORMAT_JSON, fd, true, 0, -1, &err), 0);
	while (log_reader_next(&lr, &e, &err) > 0) {
		char want[32];
		snprintf(want, sizeof(want), "line%d\n", n++);
		assert_int_equal(e.len, strlen(want));
		assert_memory_equal(e.line, want, e.len);
	}
	assert_null(err);
	assert_int_equal(n, 4); /* 4 records of about 75 bytes reach 300 */
	log_reader_release(&lr);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_json),
		cmocka_unit_test(test_tail_json_edges),
		cmocka_unit_test(test_local_docker_bytes),
		cmocka_unit_test(test_local_tail_and_pieces),
		cmocka_unit_test(test_json_reader),
		cmocka_unit_test(test_json_fast_path),
		cmocka_unit_test(test_rotate_and_compress),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
