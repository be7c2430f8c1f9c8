/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the shell-word lexer (dockerfile/lex.c, BuildKit's
 * shell.Lex) with every option combination the parser and the builder use.
 *
 * Input layout: byte 0 holds option bits (1: escape '`' instead of '\\',
 * 2: raw quotes, 4: raw escapes, 8: skip unset names, 16: quotes are plain
 * characters, as for a COPY heredoc body); then the word up to
 * the first '\n'; then one "NAME=value" (or bare "NAME") environment entry
 * per line. Every call must succeed with a result or fail with a message.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dockerfile/df-internal.h"
#include "util/strv.h"

#define FUZZ_INPUT_MAX (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct df_lex_opts o = {0};
	struct hull_err *e = NULL;
	char *text, *word, *nl, *w = NULL, *msg = NULL;
	char **env = NULL, **ws = NULL;

	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	o.escape = data[0] & 1 ? '`' : '\\';
	o.raw_quotes = data[0] & 2;
	o.raw_escapes = data[0] & 4;
	o.skip_unset_env = data[0] & 8;
	o.skip_process_quotes = data[0] & 16;
	/* a C string: the lexer's callers never pass NUL bytes inside a word */
	text = xstrndup((const char *) data + 1, size - 1);
	word = text;
	nl = strchr(text, '\n');
	if (nl) {
		char *line = nl + 1;
		*nl = '\0';
		while (line && *line) {
			char *end = strchr(line, '\n');
			if (end)
				*end = '\0';
			strv_push(&env, line);
			line = end ? end + 1 : NULL;
		}
	}
	if (df_lex_process(&o, word, env, &w, &ws, &msg) < 0) {
		assert(msg);
		free(msg);
	} else {
		assert(w && ws);
		free(w);
		strv_free(ws);
	}
	w = NULL;
	ws = NULL;
	/* the public entry points, which add the quoted word to the message */
	if (df_expand_word(word, env, (char) o.escape, &w, &e) < 0)
		e = err_free(e);
	free(w);
	if (df_expand_words(word, env, (char) o.escape, &ws, &e) < 0)
		e = err_free(e);
	strv_free(ws);
	w = NULL;
	if (df_expand_heredoc(word, env, &w, &e) < 0)
		e = err_free(e);
	free(w);
	strv_free(env);
	free(text);
	return 0;
}
