/* SPDX-License-Identifier: MIT */
/*
 * The Dockerfile frontend: parser (BuildKit's frontend/dockerfile/parser),
 * AST dump (Node.Dump()), builder-flag check (instructions/bflag.go) and
 * shell-word expansion (frontend/dockerfile/shell/lex.go).
 *
 * Pure code: no I/O, no global state. Every function works on the bytes the
 * caller passes in. Errors are negative errno values (-EINVAL for bad input)
 * with one message set in *err (see util/err.h); on failure no output
 * parameter is written. Everything returned is owned by the caller.
 */
#ifndef HULL_DOCKERFILE_DOCKERFILE_H
#define HULL_DOCKERFILE_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Longest physical line accepted, as BuildKit's bufio.Scanner (64 KiB - 1). */
#define DF_LINE_MAX 65535
/*
 * Longest result of a shell-word expansion, in bytes: ${v//p/r} multiplies
 * lengths, so nested replacements could otherwise exhaust memory (BuildKit
 * has no bound; a Dockerfile never needs this much).
 */
#define DF_EXPAND_MAX (1 << 20)
/* Deepest ONBUILD nesting accepted by the parser (BuildKit's builder allows 1). */
#define DF_NESTING_MAX 8

enum df_cmd {
	DF_CMD_ADD,
	DF_CMD_ARG,
	DF_CMD_CMD,
	DF_CMD_COPY,
	DF_CMD_ENTRYPOINT,
	DF_CMD_ENV,
	DF_CMD_EXPOSE,
	DF_CMD_FROM,
	DF_CMD_HEALTHCHECK,
	DF_CMD_LABEL,
	DF_CMD_MAINTAINER,
	DF_CMD_ONBUILD,
	DF_CMD_RUN,
	DF_CMD_SHELL,
	DF_CMD_STOPSIGNAL,
	DF_CMD_USER,
	DF_CMD_VOLUME,
	DF_CMD_WORKDIR,
	_DF_CMD_MAX,
	_DF_CMD_INVALID = -EINVAL,
};

struct df_heredoc {
	char *name;    /* the delimiter word, quotes removed ("EOF") */
	char *content; /* the body as written: every line with its "\n", tabs kept even with chomp
			*/
	unsigned fd;   /* the file descriptor prefix of "3<<EOF", else 0 */
	bool expand;   /* false when the delimiter was quoted (<<'EOF', <<"EOF", <<E"OF") */
	bool chomp;    /* <<-EOF: the builder strips leading tabs (df_heredoc_chomp()) */
};

struct df_instr {
	enum df_cmd kind;
	char *keyword;	     /* lower case: "run" */
	char *cmd;	     /* the keyword as written: "Run" */
	unsigned start_line; /* 1-based, first physical line */
	unsigned end_line;   /* last physical line, including continuations and heredoc bodies */
	char **flags;	     /* raw "--x=y" builder-flag words, quotes removed; never NULL */
	/*
	 * Arguments as BuildKit's per-instruction line parsers split them (see
	 * df_parse()); never NULL. arg_lens[i] is the byte length of args[i]:
	 * it is larger than strlen() only when a JSON element held "\u0000".
	 */
	char **args;
	size_t *arg_lens;
	size_t n_args;
	bool json; /* exec form: the arguments came from a JSON array of strings */
	struct df_heredoc *heredocs;
	size_t n_heredocs;
	char *original;	      /* the logical line, continuations joined (image history) */
	struct df_instr *sub; /* ONBUILD: the trigger instruction; else NULL */
};

struct dockerfile {
	struct df_instr *instrs;
	size_t n_instrs;
	char escape;	     /* '\\' or '`' (the escape= directive) */
	char *syntax;	     /* value of "# syntax=", or NULL */
	char *check;	     /* value of "# check=", or NULL */
	unsigned start_line; /* first line of the first instruction */
	unsigned end_line;   /* last line of the last instruction */
};

/*
 * df_parse() - parse @len bytes of Dockerfile text (as BuildKit's
 * parser.Parse() followed by the unknown-instruction check of
 * instructions.ParseInstruction()).
 * @filename: used only as the prefix of error messages.
 * *@ret: on success a new tree, free with df_free().
 *
 * Handles a UTF-8 BOM, the syntax/escape/check directives at the top,
 * comments, blank lines, continuation lines (comments and blank lines inside
 * are dropped, a continuation at end of file is accepted), builder flags,
 * JSON exec form (whole-string decode; invalid JSON falls back to shell
 * form), heredocs for RUN/COPY/ADD (also inside ONBUILD), ONBUILD.
 * Arguments: ENV/LABEL give (key, value, sep) triples, sep "=" or "" for
 * the old "ENV k v" form; ARG gives its words; FROM/EXPOSE whitespace words;
 * ADD/COPY/VOLUME a JSON array or whitespace words; CMD/ENTRYPOINT/RUN/SHELL
 * a JSON array or one shell-form string; HEALTHCHECK the type word then as
 * CMD; MAINTAINER/USER/WORKDIR/STOPSIGNAL one string. Nothing is expanded.
 *
 * Errors, -EINVAL with "<filename>:<line>: <message>": "unknown instruction:
 * FOO", "file with no instructions", "when using JSON array syntax, arrays
 * must be comprised of strings only", "ENV must have two arguments",
 * "unterminated heredoc", invalid escape token, repeated directives, lines
 * longer than DF_LINE_MAX, "NUL byte in line: not supported" (a NUL anywhere
 * but in a comment line: BuildKit keeps it in the word, our words are C
 * strings, and a line is never cut short).
 */
int df_parse(const char *data, size_t len, const char *filename, struct dockerfile **ret,
	     struct hull_err **err);

/* df_free() - free a tree from df_parse(); accepts NULL; returns NULL. */
struct dockerfile *df_free(struct dockerfile *df);

/*
 * df_dump() - the tree in BuildKit's Node.Dump() format, plus "\n" after
 * each instruction: `(run "echo hi")`, flags as `["--a=b"]`, strings quoted
 * as Go's strconv.Quote. Newly allocated; the caller frees. Never fails.
 */
char *df_dump(const struct dockerfile *df);

/* df_instr_dump() - one instruction without the final "\n"; caller frees. */
char *df_instr_dump(const struct df_instr *in);

/*
 * df_quote_strv() - Go's fmt "%q" of a []string: `["a" "b c"]`, each element
 * as strconv.Quote (BuildKit writes CMD/ENTRYPOINT history this way). @v may
 * be NULL (`[]`). Newly allocated; the caller frees. Never fails.
 */
char *df_quote_strv(char *const *v);

/* df_cmd_from_string() - the enum for a keyword in any case, or _DF_CMD_INVALID. */
enum df_cmd df_cmd_from_string(const char *s);
/* df_cmd_to_string() - the lower-case keyword, or NULL when out of range. */
const char *df_cmd_to_string(enum df_cmd c);

/*
 * df_check_flags() - validate the builder flags of @in against the flags
 * BuildKit declares for the instruction (instructions/bflag.go BFlags.Parse()):
 * FROM --platform; RUN --mount --network --security --device; COPY --from
 * --chown --chmod --link --parents --exclude; ADD --chown --chmod --link
 * --keep-git-dir --checksum --unpack --exclude; HEALTHCHECK --interval
 * --timeout --start-period --start-interval --retries; none elsewhere.
 * Returns 0, or -EINVAL with BuildKit's words: "unknown flag: help",
 * "duplicate flag specified: from", "missing a value on flag: from" (the name without dashes, as
 * bflag.go), "expecting boolean value for flag link, not: x". The message is not prefixed with a
 * location: the caller adds "Dockerfile:N: ".
 */
int df_check_flags(const struct df_instr *in, struct hull_err **err);

/* df_heredoc_chomp() - @src with the leading tabs of every line removed (ChompHeredocContent). */
char *df_heredoc_chomp(const char *src);

/*
 * df_expand_word() - expand @word as one word, as BuildKit's
 * shell.Lex.ProcessWord(): quote removal ('...' literal, "..." with $ and
 * escapes of " $ and the escape char), @escape ('\\' or '`') escapes the next
 * character, $NAME, ${NAME}, ${NAME:-w} ${NAME-w} ${NAME:+w} ${NAME+w}
 * ${NAME:?w} ${NAME?w}, ${NAME#p} ${NAME##p} ${NAME%p} ${NAME%%p} (shell
 * patterns with * and ?), ${NAME/p/r} ${NAME//p/r}. Positional and special
 * parameters ($1, $@, ...) and unset names expand to "".
 * @env: "NAME=value" strings (borrowed; NULL means empty). As BuildKit's
 * EnvsFromSlice(), the last entry for a name wins, and an entry without "="
 * sets the name to "".
 * *@ret: the result, caller frees.
 * Errors (-EINVAL, message as BuildKit: `failed to process "w": ...`):
 * "syntax error: bad substitution", "syntax error: missing '}'",
 * "expansion longer than 1048576 bytes" (DF_EXPAND_MAX),
 * "unsupported modifier (:=) in substitution", "NAME: is not allowed to be
 * unset" or the ? word, unterminated quotes.
 */
int df_expand_word(const char *word, char *const *env, char escape, char **ret,
		   struct hull_err **err);

/*
 * df_expand_words() - as df_expand_word(), then split the result into fields
 * at unquoted whitespace, as BuildKit's shell.Lex.ProcessWords() (whitespace
 * produced by an expansion splits too, quoted whitespace does not).
 * *@ret: a new vector (possibly empty), caller frees with strv_free().
 */
int df_expand_words(const char *word, char *const *env, char escape, char ***ret,
		    struct hull_err **err);

/*
 * df_expand_heredoc() - expand the body of an expanding COPY/ADD heredoc
 * (<<EOF, not <<'EOF'), as BuildKit's ExpandRaw of the file's contents:
 * df_expand_word() with '\\' as the escape character whatever the escape
 * directive says, and quotes left as plain characters (Lex.SkipProcessQuotes):
 * `"a\"b"` gives `"a"b"`, `\"e\"` gives `"e"`, `'$x'` expands $x.
 * Errors as df_expand_word().
 */
int df_expand_heredoc(const char *body, char *const *env, char **ret, struct hull_err **err);

#endif
