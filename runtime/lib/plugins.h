/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading and calling plugins (the ABI is plugins/include/berth/plugin.h).
 *
 * Selection: the annotation "berth.plugins" (comma-separated names) of the container, else the "plugins ="
 * line of berth's configuration file (BERTH_CONFIG_FILE, overridable with $BERTH_CONFIG for tests). Only the
 * selected plugins are opened, from the plugin directory ("plugin_dir =" in the configuration file, default
 * <libdir>/berth/plugins), which must be owned by root and writable by no one else, like each plugin file.
 * A missing, broken or wrong-version plugin fails only the containers that select it, with an error naming
 * it.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

enum plugin_stage {
        PLUGIN_VALIDATE = 0,
        PLUGIN_CREATE,
        PLUGIN_SETUP_CONTAINER,
        PLUGIN_STARTED,
        PLUGIN_DESTROY,
        _PLUGIN_STAGE_MAX,
};

/* What the plugins see of a container (see struct berth_host's accessors). */
struct plugin_container {
        const char *id;
        const char *bundle;
        const char *rootfs;
        pid_t pid;
        const char *state_dir;  /* <root>/<id> */
        const char *state_root; /* <root> */
        const char *config_json;
        const struct spec_kv *annotations;
        size_t n_annotations;
        bool has_ns[_NS_TYPE_MAX]; /* namespaces of its own (ns_path answers only for these) */
};

struct plugin_set;

/* Opens the selected plugins (none selected: *ret = NULL, nothing opened). */
int plugins_open(const struct spec_kv *annotations, size_t n_annotations, struct plugin_set **ret,
                 berth_error **err);
/* Calls the stage's callback of every plugin in order (destroy: in reverse order, all of them even after a
 * failure; the first error is returned). Errors are "plugin <name>: <what the plugin said>". */
int plugins_call(struct plugin_set *ps, enum plugin_stage stage, const struct plugin_container *c,
                 berth_error **err);
/* Records the names of the opened plugins (an empty list for ps NULL) in the container's state directory, so
 * that `start` and `delete` call the plugins the container was created with, whatever the configuration file
 * says by then. */
int plugins_save(int dirfd, const struct plugin_set *ps, berth_error **err);
/* Opens the plugins plugins_save() recorded in the state directory dirfd; for a state directory without that
 * record, the ones selected by these annotations and the configuration file. */
int plugins_open_saved(int dirfd, const struct spec_kv *annotations, size_t n_annotations,
                       struct plugin_set **ret, berth_error **err);
bool plugins_any(const struct plugin_set *ps);
void plugins_free(struct plugin_set *ps);
static inline void plugins_freep(struct plugin_set **ps)
{
        plugins_free(*ps);
}
#define _cleanup_plugins_ _cleanup_(plugins_freep)

/* The names selected for these annotations and configuration (for tests and messages). */
char **plugins_selected(const struct spec_kv *annotations, size_t n_annotations, berth_error **err);
