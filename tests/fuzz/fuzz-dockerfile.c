/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the Dockerfile parser and the shell-word expander
 * as the builder drives them: df_parse() on the input, then the AST dump,
 * the builder-flag check, and df_expand_word()/df_expand_words() on every
 * argument and flag with the ENV pairs of the file in the environment, as
 * build/build.c does. Heredoc bodies are chomped and expanded too.
 *
 * Any input must give either a tree or one error message: never a crash,
 * a leak, undefined behaviour or a hang (libFuzzer's -timeout).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dockerfile/dockerfile.h"
#include "util/strv.h"

/* Longer inputs only slow the search down; the parser bounds lines itself. */
#define FUZZ_INPUT_MAX (256 * 1024)

static void expand_one(const char *word, char ***env, char escape)
{
	struct hull_err *e = NULL;
	char *w = NULL;
	char **ws = NULL;

	if (df_expand_word(word, *env, escape, &w, &e) < 0) {
		assert(e && e->msg && !w);
		e = err_free(e);
	} else {
		assert(w);
		free(w);
	}
	if (df_expand_words(word, *env, escape, &ws, &e) < 0) {
		assert(e && e->msg && !ws);
		e = err_free(e);
	} else {
		assert(ws);
		strv_free(ws);
	}
}

static void walk(const struct df_instr *in, char ***env, char escape)
{
	struct hull_err *e = NULL;
	char *d = df_instr_dump(in);

	assert(d);
	free(d);
	if (df_check_flags(in, &e) < 0) {
		assert(e && e->msg);
		e = err_free(e);
	}
	assert(in->keyword && in->cmd && in->flags && in->args && in->original);
	assert(in->start_line <= in->end_line);
	for (char **f = in->flags; *f; f++)
		expand_one(*f, env, escape);
	for (size_t i = 0; i < in->n_args; i++) {
		assert(in->args[i] && in->arg_lens[i] >= strlen(in->args[i]));
		expand_one(in->args[i], env, escape);
	}
	for (size_t i = 0; i < in->n_heredocs; i++) {
		char *c = df_heredoc_chomp(in->heredocs[i].content);
		assert(c);
		if (in->heredocs[i].expand) {
			char *w = NULL;
			expand_one(c, env, escape);
			/* COPY's expansion of the body: quotes as plain characters */
			if (df_expand_heredoc(c, *env, &w, &e) < 0) {
				assert(e && e->msg && !w);
				e = err_free(e);
			} else {
				assert(w);
				free(w);
			}
		}
		free(c);
	}
	/* ENV k v / ENV k=v: (key, value, sep) triples; later words see them, as in a build */
	if (in->kind == DF_CMD_ENV && in->n_args % 3 == 0) {
		for (size_t i = 0; i + 1 < in->n_args; i += 3) {
			char *kv = xasprintf("%s=%s", in->args[i], in->args[i + 1]);
			strv_env_set(env, kv);
			free(kv);
		}
	}
	if (in->sub)
		walk(in->sub, env, escape);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dockerfile *df = NULL;
	struct hull_err *e = NULL;
	char **env = NULL;
	char *dump;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	if (df_parse((const char *) data, size, "Dockerfile", &df, &e) < 0) {
		assert(e && e->msg && !df);
		err_free(e);
		return 0;
	}
	assert(df->escape == '\\' || df->escape == '`');
	dump = df_dump(df);
	assert(dump);
	free(dump);
	strv_push(&env, "PATH=/usr/bin:/bin");
	strv_push(&env, "HOME=/root");
	strv_push(&env, "EMPTY=");
	strv_push(&env, "UNSET_STYLE");
	for (size_t i = 0; i < df->n_instrs; i++)
		walk(&df->instrs[i], &env, df->escape);
	strv_free(env);
	df_free(df);
	return 0;
}
