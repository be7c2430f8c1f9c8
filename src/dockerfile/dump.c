/* SPDX-License-Identifier: MIT */
/* The AST in BuildKit's Node.Dump() format (the parser test oracle). */
#include "util/strv.h"
#include "df-internal.h"

/* fmt's %q of a []string: ["a" "b"] */
static void quote_strv(struct strbuf *sb, char *const *v)
{
	(void) strbuf_addch(sb, '[');
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			(void) strbuf_addch(sb, ' ');
		df_go_quote(sb, v[i], strlen(v[i]));
	}
	(void) strbuf_addch(sb, ']');
}

char *df_quote_strv(char *const *v)
{
	struct strbuf sb = STRBUF_INIT;

	quote_strv(&sb, v);
	return strbuf_detach(&sb, NULL);
}

static void dump_instr(struct strbuf *sb, const struct df_instr *in)
{
	(void) strbuf_adds(sb, in->keyword ? in->keyword : "");
	if (in->flags && in->flags[0]) {
		(void) strbuf_addch(sb, ' ');
		quote_strv(sb, in->flags);
	}
	for (size_t i = 0; i < in->n_args; i++) {
		(void) strbuf_addch(sb, ' ');
		df_go_quote(sb, in->args[i], in->arg_lens[i]);
	}
	if (in->sub) {
		(void) strbuf_adds(sb, " (");
		dump_instr(sb, in->sub);
		(void) strbuf_addch(sb, ')');
	}
}

char *df_instr_dump(const struct df_instr *in)
{
	struct strbuf sb = STRBUF_INIT;

	dump_instr(&sb, in);
	return strbuf_detach(&sb, NULL);
}

char *df_dump(const struct dockerfile *df)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; df && i < df->n_instrs; i++) {
		(void) strbuf_addch(&sb, '(');
		dump_instr(&sb, &df->instrs[i]);
		(void) strbuf_adds(&sb, ")\n");
	}
	return strbuf_detach(&sb, NULL);
}
