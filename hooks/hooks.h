/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OCI hooks (runtime spec v1.3, config.md "POSIX-platform Hooks") and oci-hooks(5) hooks.d directories.
 *
 * Where each stage runs (the callers in runtime/lib/ follow the spec's table):
 *   prestart, createRuntime  parent (`berth create`), runtime namespace, after the container's namespaces
 *                            and mounts exist, before pivot_root; state "creating"
 *   createContainer          container init, container namespaces, before pivot_root (path resolved in the
 *                            runtime's mount view); state "creating"
 *   startContainer           container init, after `start` released it, just before the user process (path
 *                            resolved in the container); state "created"
 *   poststart                `berth start`/`run`, runtime namespace, after the user process started, before
 *                            start returns; state "running"
 *   poststop                 `berth delete`, runtime namespace, after the container is gone; state "stopped"
 */
#pragma once

#include <stdbool.h>

#include "error.h"
#include "spec.h"

/* Runs every hook of a stage in order, each with state_json on stdin, its args and env exactly as
 * configured, in a process group of its own (killed whole on timeout). Hook output goes to berth's log,
 * tagged "<stage> hook #<i>", bounded. Stops at the first failure (poststop: runs every hook, returns the
 * first failure and logs the later ones as warnings):
 *   "createRuntime hook #1 (/usr/libexec/x): exit status 3"
 *   "poststart hook #0 (/bin/slow): timed out after 2 s (process group killed)"
 * Safe to call in the container init (no GLib). */
int hooks_run(const struct spec *spec, enum hook_stage stage, const char *state_json, berth_error **err);
/* True when the stage has hooks (callers skip the work of building a state document otherwise). */
bool hooks_present(const struct spec *spec, enum hook_stage stage);

/* oci-hooks(5) 1.0.0: applies the JSON files of the --hooks-dir directories (sorted by name, a later
 * directory overriding a same-named file of an earlier one) whose "when" matches (always, annotations and
 * commands regexps, hasBindMounts), appending their hook to each listed stage of spec->hooks. Invalid
 * files are errors naming the file and the field. */
int hooks_dirs_apply(struct spec *spec, char *const *dirs, berth_error **err);

/* The effective hooks (config.json's plus hooks.d's) are saved at create time in the state directory as
 * hooks.json (the spec's "hooks" object), and read back by start (poststart) and delete (poststop). */
int hooks_save(int state_dirfd, const struct spec *spec, berth_error **err);
/* Replaces spec->hooks with the saved ones; a missing hooks.json leaves spec->hooks as it is. */
int hooks_load(int state_dirfd, struct spec *spec, berth_error **err);
