/* SPDX-License-Identifier: MIT */
/*
 * How CMD, ENTRYPOINT, SHELL and STOPSIGNAL lines change a stage's image
 * config: the build-time rows of /work/shared/spec/cmd-entrypoint.md
 * (sections 1-3, rows 1-49 and 83-84 of the section 8 table).
 *
 * Pure code: no I/O, no global state. @config is always the image config's
 * "config" object (the one holding Cmd, Entrypoint, Shell, StopSignal),
 * borrowed. Errors are -EINVAL with one message in *err, without a location:
 * the caller prefixes "Dockerfile:N: " and sets the build's exit code 1. On
 * failure @config and *@cmd_set are left unchanged.
 */
#ifndef HULL_BUILD_CMDLINE_H
#define HULL_BUILD_CMDLINE_H

#include <stdbool.h>
#include <jansson.h>
#include "dockerfile/dockerfile.h"
#include "util/err.h"

/*
 * build_shell_wrap() - shell form as the image stores it: the stage's
 * Shell (@config's "Shell" when it is a non-empty array, else the Linux
 * default ["/bin/sh","-c"]) followed by @text as one final element.
 * BuildKit's dockerfile2llb withShell() / defaultShell(); moby's classic
 * builder resolveCmdLine(). Returns a new array (caller decrefs); never fails.
 */
json_t *build_shell_wrap(const json_t *config, const char *text);

/*
 * build_command_json() - the command of a CMD, ENTRYPOINT or RUN line @in:
 * exec form (in->json) as the decoded strings, "\u0000" kept through
 * arg_lens; shell form wrapped with build_shell_wrap() (a bare "CMD" wraps
 * the empty text, as BuildKit: ["/bin/sh","-c",""]). Returns a new array,
 * possibly empty for "CMD []" (caller decrefs); never fails.
 */
json_t *build_command_json(const json_t *config, const struct df_instr *in);

/*
 * build_cmd_apply() - apply one CMD, ENTRYPOINT or SHELL line @in to
 * @config, as BuildKit's dispatchCmd / dispatchEntrypoint / dispatchShell
 * (frontend/dockerfile/dockerfile2llb/convert.go).
 * @cmd_set: the stage's "a CMD was seen in this stage" flag; the caller sets
 * it to false at each FROM (the flag is per stage, spec 3.1). CMD sets it.
 *
 * - CMD: Cmd = build_command_json(); "CMD []" stores null (BuildKit writes
 *   the image-spec field with omitempty, spec 3.5).
 * - ENTRYPOINT: Entrypoint = build_command_json(), "ENTRYPOINT []" stores
 *   null, [""] is kept; then Cmd = null unless *@cmd_set (an inherited CMD is
 *   dropped, a CMD of the same stage survives whatever the order).
 * - SHELL: Shell = the JSON array; it applies to later shell-form lines only.
 *
 * Builder flags are not looked at: the caller runs df_check_flags() first
 * (CMD/ENTRYPOINT/SHELL declare none). Nothing is expanded (spec 4).
 * Errors (-EINVAL, BuildKit's words): "SHELL requires the arguments to be in
 * JSON form", "SHELL requires at least one argument", and "build_cmd_apply:
 * not a CMD, ENTRYPOINT or SHELL line" for any other instruction.
 */
int build_cmd_apply(json_t *config, const struct df_instr *in, bool *cmd_set,
		    struct hull_err **err);

/*
 * build_stopsignal_apply() - STOPSIGNAL with its argument already expanded
 * (@value): checked with signal_parse() and stored verbatim as StopSignal
 * ("SIGUSR1", "10", "usr1"...), as moby's dispatchStopSignal / BuildKit's
 * signal.ParseSignal check. Error (-EINVAL): "Invalid signal: <value>".
 */
int build_stopsignal_apply(json_t *config, const char *value, struct hull_err **err);

#endif
