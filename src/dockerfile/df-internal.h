/* SPDX-License-Identifier: MIT */
/*
 * Internal helpers of the Dockerfile frontend: Go-compatible UTF-8 and
 * unicode.IsSpace, and the shell lexer with the option bits BuildKit's
 * parser uses internally (heredoc detection wants raw quotes and escapes).
 */
#ifndef HULL_DOCKERFILE_DF_INTERNAL_H
#define HULL_DOCKERFILE_DF_INTERNAL_H

#include <stdint.h>

#include "util/strbuf.h"
#include "dockerfile.h"

#define DF_RUNE_ERROR 0xFFFD

/* Decode one rune at @s (@n > 0 bytes) as Go's utf8.DecodeRune: invalid gives (0xFFFD, 1). */
int32_t df_utf8_decode(const char *s, size_t n, size_t *ret_width);
/* Append the UTF-8 encoding of @r (invalid runes as U+FFFD), as strings.Builder.WriteRune. */
void df_utf8_append(struct strbuf *sb, int32_t r);
/* Go's unicode.IsSpace. */
bool df_is_space(int32_t r);
/* Go's strings.TrimSpace: a new string without leading/trailing unicode spaces. */
char *df_trim_space(const char *s, size_t n);
/* Go's strconv.Quote of @n bytes, appended to @sb. */
void df_go_quote(struct strbuf *sb, const char *s, size_t n);

struct df_lex_opts {
	int32_t escape;
	bool raw_quotes;
	bool raw_escapes;
	bool skip_unset_env;
	bool skip_process_quotes; /* ' and " are plain characters (Lex.SkipProcessQuotes) */
};

/*
 * df_lex_process() - shell.Lex.process(): expand @word with @env. On success
 * *@ret_word (may be NULL) gets the single-word result and *@ret_words (may
 * be NULL) the split fields. On failure returns -EINVAL and *@ret_msg gets
 * the message without the "failed to process" prefix (caller frees).
 */
int df_lex_process(const struct df_lex_opts *o, const char *word, char *const *env, char **ret_word,
		   char ***ret_words, char **ret_msg);

#endif
