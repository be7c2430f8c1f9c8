/* SPDX-License-Identifier: MIT */
/*
 * The spec's /bin/argv (../shared/spec/cmd-entrypoint.md section 0): prints
 * {"pid":N,"argv":[...]} on one line, argv exactly as execve() gave it
 * (argv[0] included), JSON-escaped. Built with gcc -static by the system
 * tests and copied into their busybox images.
 */
#include <stdio.h>
#include <unistd.h>

static void put_json_string(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p == '\t')
			fputs("\\t", stdout);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

int main(int argc, char **argv)
{
	printf("{\"pid\":%ld,\"argv\":[", (long) getpid());
	for (int i = 0; i < argc; i++) {
		if (i)
			putchar(',');
		put_json_string(argv[i]);
	}
	puts("]}");
	return 0;
}
