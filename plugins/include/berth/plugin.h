/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth plugin ABI, version 1.
 *
 * A plugin is a shared object in berth's plugin directory (root-owned, writable by no one else) that exports
 *
 *     const struct berth_plugin *berth_plugin_entry(const struct berth_host *host);
 *
 * berth calls it once after dlopen() with the host's function table and gets back the plugin's descriptor.
 * Both structures start with their ABI version and their size: berth refuses a plugin built for another ABI
 * version, and either side only touches the fields that the other side's struct_size covers, so fields can be
 * appended in later versions without breaking older plugins.
 *
 * Plugins are selected per container with the annotation "berth.plugins" ("loopback,bridge"), options with
 * "berth.plugin.<name>.<key>" annotations, and a default list in berth's configuration file. Only selected
 * plugins are opened. A plugin sees the container only through the opaque handle and the host's accessors.
 *
 * Lifecycle (every callback may be NULL; each returns 0 or a negative errno after host->error()):
 *   validate         before anything of the container exists (bad options fail here, nothing to undo);
 *                    pid() is 0, ns_path() and state_dir() are NULL
 *   create           the container's namespaces exist (host side, runtime namespace; before pivot_root):
 *                    networking goes here (host->ns_path(c, "net"))
 *   setup_container  inside the container init, after all other set-up (and after `berth start`), just before
 *                    the user process: for restrictions such as Landlock. Runs in the container's namespaces
 *                    with its root, its user and its capabilities: paths are container paths, rootfs() is
 *                    "/", pid() is 0 (the caller is the init itself), ns_path() and state_dir() are NULL. An
 *                    error here ends the container before its process runs, and `berth start` fails with it.
 *                    It runs the same way in every process `berth exec` starts, just before its program, so
 *                    that a confinement covers all processes of the container.
 *   started          after the user process started (`berth start`); an error kills the container
 *   destroy          on delete and after any failed create; must be idempotent (it may run after a crash, or
 *                    twice), and must release everything the plugin made for this container. pid() is 0 once
 *                    the init is gone.
 *
 * A plugin that builds against a newer header may check for a host field with BERTH_HOST_HAS(host, field)
 * before calling it: fields are only ever appended.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BERTH_PLUGIN_ABI_VERSION 1u
#define BERTH_PLUGIN_ENTRY       "berth_plugin_entry"

typedef struct berth_container berth_container;

enum berth_log_level {
        BERTH_LOG_ERROR = 0,
        BERTH_LOG_WARNING = 1,
        BERTH_LOG_INFO = 2,
        BERTH_LOG_DEBUG = 3,
};

/* What berth offers a plugin. All strings are owned by berth and valid during the callback. */
struct berth_host {
        uint32_t abi_version; /* BERTH_PLUGIN_ABI_VERSION of the running berth */
        uint32_t struct_size; /* sizeof(struct berth_host) of the running berth */

        const char *(*id)(const berth_container *c);
        const char *(*bundle)(const berth_container *c);
        const char *(*rootfs)(const berth_container *c); /* absolute host path ("/" in setup_container) */
        pid_t (*pid)(const berth_container *c);          /* host pid of the container init, or 0 (above) */
        /* "/proc/<pid>/ns/<type>" for type "net", "mnt", "pid", "uts", "ipc", "user", "cgroup", "time"; NULL
         * when the container does not have that namespace of its own or before create */
        const char *(*ns_path)(const berth_container *c, const char *type);
        const char *(*annotation)(const berth_container *c, const char *key);
        /* the value of "berth.plugin.<this plugin's name>.<key>", or NULL */
        const char *(*option)(const berth_container *c, const char *key);
        /* a directory of this plugin for this container, under the container's state directory (created on
         * first call, removed with the container); NULL in validate and setup_container, or when it cannot be
         * created */
        const char *(*state_dir)(const berth_container *c);
        /* berth's state root (--root): for data shared by containers, e.g. an address lease store */
        const char *(*state_root)(const berth_container *c);
        /* the container's config.json as text (read-only) */
        const char *(*config_json)(const berth_container *c);

        /* Records the error berth reports ("plugin <name>: " and the message as given, no strerror appended;
         * the first one of a callback counts) and returns -errnum (errnum > 0; EINVAL otherwise). */
        int (*error)(berth_container *c, int errnum, const char *fmt, ...)
            __attribute__((format(printf, 3, 4)));
        void (*log)(berth_container *c, enum berth_log_level level, const char *fmt, ...)
            __attribute__((format(printf, 3, 4)));

        /* The index-th option of this plugin ("berth.plugin.<name>.<key>" annotations, in config.json order):
         * returns its key (without the prefix) and sets *value, or returns NULL past the last one. For
         * rejecting unknown options in validate. */
        const char *(*option_at)(const berth_container *c, size_t index, const char **value);
};

/* Whether the running berth's host table has FIELD (a field appended after the plugin's header version). */
#define BERTH_HOST_HAS(host, field)                                                                          \
        ((host)->struct_size >= offsetof(struct berth_host, field) + sizeof((host)->field))

struct berth_plugin {
        uint32_t abi_version; /* BERTH_PLUGIN_ABI_VERSION the plugin was built for */
        uint32_t struct_size; /* sizeof(struct berth_plugin) the plugin was built with */
        const char *name;     /* must equal the file name without ".so" (<plugin dir>/<name>.so) */
        const char *description;

        int (*validate)(berth_container *c);
        int (*create)(berth_container *c);
        int (*setup_container)(berth_container *c);
        int (*started)(berth_container *c);
        int (*destroy)(berth_container *c);
};

/* The one symbol a plugin exports (visible even when the plugin is built with -fvisibility=hidden). */
__attribute__((visibility("default"))) const struct berth_plugin *
berth_plugin_entry(const struct berth_host *host);

#ifdef __cplusplus
}
#endif
