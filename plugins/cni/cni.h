/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cni plugin: runs CNI plugins (spec 1.0; configurations of versions 0.3.0 to 1.1.0) for a container.
 *
 * Options ("berth.plugin.cni.<key>"): conflist (a file), network (pick by name in the configuration
 * directory), confdir, bindir (':'-separated), ifname (default eth0), args (CNI_ARGS). The configuration
 * directory and the binary directories default to "cni_conf_dir =" and "cni_bin_dir =" of berth's
 * configuration file, then to /etc/cni/net.d and /usr/lib/cni:/opt/cni/bin. Configuration files and plugin
 * binaries run as root: they must be owned by root and writable by no one else, as must their directories.
 *
 * Saved in the plugin's state directory: network.json (the network as it was added: configuration, interface,
 * arguments, binary directories; written before ADD so that DEL works after any failure) and result.json (the
 * result of the last plugin's ADD, which `berth state` shows; the prevResult of every DEL).
 */
#pragma once

#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "berth/plugin.h"

#define _cleanup_(f) __attribute__((cleanup(f)))

#define CNI_DEFAULT_CONF_DIR "/etc/cni/net.d"
#define CNI_DEFAULT_BIN_DIRS "/usr/lib/cni:/opt/cni/bin"
#define CNI_DEFAULT_IFNAME   "eth0"
#define CNI_TIMEOUT_SEC      60
#define CNI_MAX_OUTPUT       (4u << 20)

extern const struct berth_host *cni_host;

/* Errors: the functions below return a negative errno and set *msg (g_free it) to what failed and where;
 * the callbacks hand it to host->error(). cni_fail sets *msg unless it is set already. */
int cni_fail(char **msg, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

struct cni_opts {
        char *conflist; /* a file named by the annotation, or NULL */
        char *network;  /* a network name to look for in confdir, or NULL */
        char *confdir;
        char *bindirs; /* ':'-separated */
        char *ifname;
        char *args; /* CNI_ARGS, or NULL */
};

/* A network configuration list, normalized (a single-plugin ".conf" becomes a list of one). */
struct cni_net {
        char *path;     /* where it was read from (for messages) */
        JsonNode *root; /* the list: an object with "cniVersion", "name", "plugins" */
        const char *name;
        const char *version;
        JsonArray *plugins; /* each an object with a "type" */
};

int cni_opts_load(berth_container *c, struct cni_opts *ret, char **msg);
void cni_opts_clear(struct cni_opts *o);

/* The network the options select. */
int cni_net_load(char **msg, const struct cni_opts *o, struct cni_net *ret);
/* A network from JSON text (what was saved in network.json: "what" names it in messages). */
int cni_net_from_node(char **msg, const char *what, JsonNode *node, struct cni_net *ret);
void cni_net_clear(struct cni_net *n);

/* The executable of plugin type in bindirs: owned by root, writable by no one else. */
int cni_find_plugin(char **msg, const char *bindirs, const char *type, char **ret_path);
/* Parses JSON text: the root node (what: for the message). */
int cni_parse_json(char **msg, const char *what, const char *text, gssize len, JsonNode **ret);
char *cni_json_to_string(JsonNode *node, bool pretty);

/* What a plugin run produced. */
struct cni_exec_result {
        int status; /* wait status */
        bool timed_out;
        char *out; /* stdout, NUL-terminated */
        char *err; /* stderr, NUL-terminated */
};
/* Runs the executable with env (argv[0] = path) and input on its stdin, for at most timeout_sec seconds.
 * 0 when it ran (whatever its status), or a negative errno (*what names the step that failed). */
int cni_exec(const char *path, char *const env[], const char *input, unsigned timeout_sec,
             struct cni_exec_result *ret, const char **what);
void cni_exec_result_clear(struct cni_exec_result *r);

/* Writes text to dir/name through a temporary file: 0 or -errno. */
int cni_write_file(const char *dir, const char *name, const char *text);
