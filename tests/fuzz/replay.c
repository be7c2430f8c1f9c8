/* SPDX-License-Identifier: MIT */
/*
 * A main() for the fuzz targets when they are not linked with libFuzzer
 * (gcc, or clang without -fsanitize=fuzzer): run LLVMFuzzerTestOneInput()
 * once on every file named on the command line or found (recursively, in
 * name order) under a directory named there. This is the fuzz-regress
 * suite: the corpus, crash reproducers included, replayed in every build.
 * A crash or a sanitizer report fails the test; a missing or empty corpus
 * fails it too, so the suite cannot pass by finding nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "util/fs.h"
#include "util/strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* optional, as with libFuzzer: called once with the arguments before the first input */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static int replay(const char *path, size_t *count)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: stat '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		char **names = NULL;
		struct dirent *de;
		DIR *d = opendir(path);
		int r = 0;

		if (!d) {
			fprintf(stderr, "replay: open '%s': %s\n", path, strerror(errno));
			return -1;
		}
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				strv_push(&names, de->d_name);
		closedir(d);
		if (names)
			qsort(names, strv_length(names), sizeof(char *), strcmp_p);
		for (char **n = names; n && *n && r == 0; n++) {
			char *p = xasprintf("%s/%s", path, *n);
			r = replay(p, count);
			free(p);
		}
		strv_free(names);
		return r;
	}
	{
		char *data = NULL;
		size_t len = 0;
		if (read_file(path, 16 << 20, &data, &len, NULL) < 0) {
			fprintf(stderr, "replay: read '%s' failed\n", path);
			return -1;
		}
		LLVMFuzzerTestOneInput((const uint8_t *) data, len);
		free(data);
		(*count)++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t count = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR|FILE...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (replay(argv[i], &count) < 0)
			return 1;
	if (count == 0) {
		fprintf(stderr, "replay: no inputs found\n");
		return 1;
	}
	printf("%s: %zu inputs replayed\n", argv[0], count);
	return 0;
}
