/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to the hooks module: the hook object parser and the spec_hooks helpers shared by hooks.json and
 * hooks.d. */
#pragma once

#include "spec-internal.h"

/* hooks.json in the state directory: the effective "hooks" object of the spec. */
#define HOOKS_FILE "hooks.json"

/* A hook entry ({"path", "args", "env", "timeout"}) as the spec defines it: path absolute, timeout > 0.
 * Messages name path, e.g. "hook.timeout: must be greater than 0". */
int hook_parse_object(JsonObject *o, const char *path, struct spec_hook *ret, berth_error **err);
/* "prestart" ... -> the stage, or -1. */
int hook_stage_from_string(const char *s);

void hook_copy(struct spec_hook *dst, const struct spec_hook *src);
void hook_clear(struct spec_hook *h);
/* Appends a copy of h to the stage's list. */
void hooks_append(struct spec_hooks *hooks, enum hook_stage stage, const struct spec_hook *h);
/* Frees every hook of every stage and empties the lists. */
void hooks_clear(struct spec_hooks *hooks);
