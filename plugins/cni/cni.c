/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cni plugin's callbacks: ADD at create, DEL at destroy (see cni.h). */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni.h"

#define NETWORK_FILE "network.json"
#define RESULT_FILE  "result.json"

const struct berth_host *cni_host;

/* What one attachment of the container to the network is run with, for ADD and DEL alike. */
struct attachment {
        berth_container *c;
        const struct cni_net *net;
        const char *bindirs;
        const char *ifname;
        const char *args;  /* or NULL */
        const char *netns; /* "" when the namespace is gone (DEL) */
};

static void opts_clearp(struct cni_opts *o)
{
        cni_opts_clear(o);
}

static void net_clearp(struct cni_net *n)
{
        cni_net_clear(n);
}

static void exec_result_clearp(struct cni_exec_result *r)
{
        cni_exec_result_clear(r);
}

static char **plugin_env(const struct attachment *a, const char *command)
{
        const char *path = getenv("PATH");
        GPtrArray *b = g_ptr_array_new();
        g_ptr_array_add(b, g_strdup_printf("CNI_COMMAND=%s", command));
        g_ptr_array_add(b, g_strdup_printf("CNI_CONTAINERID=%s", cni_host->id(a->c)));
        g_ptr_array_add(b, g_strdup_printf("CNI_NETNS=%s", a->netns));
        g_ptr_array_add(b, g_strdup_printf("CNI_IFNAME=%s", a->ifname));
        g_ptr_array_add(b, g_strdup_printf("CNI_PATH=%s", a->bindirs));
        if (a->args)
                g_ptr_array_add(b, g_strdup_printf("CNI_ARGS=%s", a->args));
        /* plugins run helpers of their own (iptables for ipMasq, portmap) */
        g_ptr_array_add(b,
                        g_strdup_printf("PATH=%s", path && *path ? path
                                                                 : "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                                                                   "/usr/bin:/sbin:/bin"));
        g_ptr_array_add(b, NULL);
        return (char **)g_ptr_array_free(b, FALSE);
}

/* The last line of a plugin's stderr, for a message. */
static char *last_line(const char *text)
{
        g_autofree char *t = g_strstrip(g_strdup(text ? text : ""));
        const char *nl = strrchr(t, '\n');
        return g_strdup(nl ? nl + 1 : t);
}

/* A failed plugin: its CNI error ({"code", "msg", "details"} on stdout), else its stderr or status. */
static int plugin_failed(const char *label, const struct cni_exec_result *res, char **msg)
{
        if (res->timed_out)
                return cni_fail(msg, ETIMEDOUT, "%s: no answer in %u s (killed)", label, CNI_TIMEOUT_SEC);
        if (WIFSIGNALED(res->status))
                return cni_fail(msg, EIO, "%s: killed by signal %d", label, WTERMSIG(res->status));
        g_autoptr(JsonParser) p = json_parser_new_immutable();
        JsonNode *root;
        if (res->out && *res->out && json_parser_load_from_data(p, res->out, -1, NULL) &&
            (root = json_parser_get_root(p)) && JSON_NODE_HOLDS_OBJECT(root)) {
                JsonObject *o = json_node_get_object(root);
                const char *text = json_object_get_string_member_with_default(o, "msg", "");
                const char *details = json_object_get_string_member_with_default(o, "details", "");
                gint64 code = json_object_get_int_member_with_default(o, "code", 0);
                return cni_fail(msg, EIO, "%s: %s%s%s (CNI error %" G_GINT64_FORMAT ")", label,
                                *text ? text : "failed", *details ? ": " : "", details, code);
        }
        g_autofree char *line = last_line(res->err);
        return cni_fail(msg, EIO, "%s: exit status %d%s%s", label, WEXITSTATUS(res->status),
                        *line ? ": " : "", line);
}

/* Runs plugin i of the list for command; for ADD, *ret_result is its result. */
static int run_plugin(const struct attachment *a, const char *command, guint i, JsonNode *prev,
                      JsonNode **ret_result, char **msg)
{
        berth_container *c = a->c;
        JsonNode *element = json_array_get_element(a->net->plugins, i);
        const char *type = json_object_get_string_member(json_node_get_object(element), "type");
        g_autofree char *label =
            g_strdup_printf("CNI plugin %s %s (network %s)", type, command, a->net->name);
        g_autofree char *bin = NULL;
        int r = cni_find_plugin(msg, a->bindirs, type, &bin);
        if (r < 0)
                return r;

        /* its configuration: the list's name and version, and the result so far (prevResult) */
        g_autoptr(JsonNode) conf = json_node_copy(element);
        JsonObject *o = json_node_get_object(conf);
        json_object_set_string_member(o, "cniVersion", a->net->version);
        json_object_set_string_member(o, "name", a->net->name);
        if (json_object_has_member(o, "prevResult"))
                json_object_remove_member(o, "prevResult");
        if (prev)
                json_object_set_member(o, "prevResult", json_node_copy(prev));
        g_autofree char *input = cni_json_to_string(conf, false);
        g_auto(GStrv) env = plugin_env(a, command);

        struct cni_exec_result res _cleanup_(exec_result_clearp) = {.status = -1};
        const char *what = "";
        cni_host->log(c, BERTH_LOG_DEBUG, "%s: %s", label, bin);
        if ((r = cni_exec(bin, env, input, CNI_TIMEOUT_SEC, &res, &what)) < 0)
                return cni_fail(msg, -r, "%s: %s: %s", label, what, strerror(-r));
        if (res.timed_out || !WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0)
                return plugin_failed(label, &res, msg);
        if (res.err && *res.err)
                cni_host->log(c, BERTH_LOG_DEBUG, "%s said: %s", label, g_strstrip(res.err));
        if (!ret_result)
                return 0;
        g_autoptr(JsonNode) result = NULL;
        if ((r = cni_parse_json(msg, label, res.out, -1, &result)) < 0)
                return r;
        if (!JSON_NODE_HOLDS_OBJECT(result))
                return cni_fail(msg, EPROTO, "%s: the result is not a JSON object", label);
        *ret_result = g_steal_pointer(&result);
        return 0;
}

/* "a.b.c.d/n, ..." of a result, for the log. */
static char *result_addresses(JsonNode *result)
{
        GString *s = g_string_new(NULL);
        JsonObject *o = json_node_get_object(result);
        JsonNode *ips = json_object_get_member(o, "ips");
        if (ips && JSON_NODE_HOLDS_ARRAY(ips))
                for (guint i = 0; i < json_array_get_length(json_node_get_array(ips)); i++) {
                        JsonNode *e = json_array_get_element(json_node_get_array(ips), i);
                        if (JSON_NODE_HOLDS_OBJECT(e))
                                g_string_append_printf(s, "%s%s", s->len ? ", " : "",
                                                       json_object_get_string_member_with_default(
                                                           json_node_get_object(e), "address", "?"));
                }
        return g_string_free(s, FALSE);
}

/* The container's options and the network list they name; the error goes to the host. */
static int cni_load(berth_container *c, struct cni_opts *o, struct cni_net *net)
{
        g_autofree char *msg = NULL;
        int r = cni_opts_load(c, o, &msg);
        if (r < 0 || (r = cni_net_load(&msg, o, net)) < 0)
                return cni_host->error(c, -r, "%s", msg);
        return 0;
}

static int cni_validate(berth_container *c)
{
        static const char *const known[] = {"conflist", "network", "confdir", "bindir", "ifname", "args"};
        const char *key, *value;
        for (size_t i = 0; BERTH_HOST_HAS(cni_host, option_at) && (key = cni_host->option_at(c, i, &value));
             i++) {
                bool ok = false;
                for (size_t k = 0; k < G_N_ELEMENTS(known); k++)
                        ok |= !strcmp(key, known[k]);
                if (!ok)
                        return cni_host->error(
                            c, EINVAL,
                            "berth.plugin.cni.%s: unknown option (known: conflist, network, "
                            "confdir, bindir, ifname, args)",
                            key);
        }
        struct cni_opts o _cleanup_(opts_clearp) = {.conflist = NULL};
        struct cni_net net _cleanup_(net_clearp) = {.path = NULL};
        g_autofree char *msg = NULL;
        int r = cni_load(c, &o, &net);
        if (r < 0)
                return r;
        /* every plugin of the list is there (and trusted) before anything exists */
        for (guint i = 0; i < json_array_get_length(net.plugins); i++) {
                g_autofree char *bin = NULL;
                const char *type =
                    json_object_get_string_member(json_array_get_object_element(net.plugins, i), "type");
                if ((r = cni_find_plugin(&msg, o.bindirs, type, &bin)) < 0)
                        return cni_host->error(c, -r, "%s", msg);
        }
        return 0;
}

static int cni_create(berth_container *c)
{
        struct cni_opts o _cleanup_(opts_clearp) = {.conflist = NULL};
        struct cni_net net _cleanup_(net_clearp) = {.path = NULL};
        g_autofree char *msg = NULL;
        int r = cni_load(c, &o, &net);
        if (r < 0)
                return r;
        const char *ns = cni_host->ns_path(c, "net");
        if (!ns)
                return cni_host->error(
                    c, EINVAL,
                    "the container has no network namespace of its own (linux.namespaces needs "
                    "{\"type\": \"network\"})");
        const char *dir = cni_host->state_dir(c);
        if (!dir)
                return cni_host->error(c, EIO, "no plugin state directory");

        /* what DEL needs, saved before the first ADD: destroy runs after any failure from here on */
        g_autoptr(JsonObject) saved = json_object_new();
        json_object_set_string_member(saved, "source", net.path);
        json_object_set_string_member(saved, "ifname", o.ifname);
        json_object_set_string_member(saved, "binDirs", o.bindirs);
        if (o.args)
                json_object_set_string_member(saved, "args", o.args);
        json_object_set_member(saved, "config", json_node_copy(net.root));
        g_autoptr(JsonNode) saved_node = json_node_init_object(json_node_alloc(), saved);
        g_autofree char *saved_text = cni_json_to_string(saved_node, true);
        if ((r = cni_write_file(dir, NETWORK_FILE, saved_text)) < 0)
                return cni_host->error(c, -r, "write %s/" NETWORK_FILE ": %s", dir, strerror(-r));

        struct attachment a = {
            .c = c, .net = &net, .bindirs = o.bindirs, .ifname = o.ifname, .args = o.args, .netns = ns};
        g_autoptr(JsonNode) result = NULL;
        for (guint i = 0; i < json_array_get_length(net.plugins); i++) {
                JsonNode *next = NULL;
                if ((r = run_plugin(&a, "ADD", i, result, &next, &msg)) < 0)
                        return cni_host->error(c, -r, "%s", msg);
                if (result)
                        json_node_unref(result);
                result = next;
        }
        g_autofree char *text = cni_json_to_string(result, true);
        if ((r = cni_write_file(dir, RESULT_FILE, text)) < 0)
                return cni_host->error(c, -r, "write %s/" RESULT_FILE ": %s", dir, strerror(-r));
        g_autofree char *addrs = result_addresses(result);
        cni_host->log(c, BERTH_LOG_INFO, "network %s (%s): %s %s", net.name, net.path, o.ifname,
                      *addrs ? addrs : "(no address)");
        return 0;
}

static int cni_destroy(berth_container *c)
{
        const char *dir = cni_host->state_dir(c);
        if (!dir)
                return 0; /* no state directory: ADD never ran */
        g_autofree char *path = g_build_filename(dir, NETWORK_FILE, NULL);
        g_autofree char *text = NULL;
        g_autoptr(GError) e = NULL;
        if (!g_file_get_contents(path, &text, NULL, &e)) {
                if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return 0; /* nothing was added, or DEL already ran */
                return cni_host->error(c, EIO, "%s", e->message);
        }
        g_autoptr(JsonNode) saved = NULL;
        g_autofree char *msg = NULL;
        int r = cni_parse_json(&msg, path, text, -1, &saved);
        if (r < 0)
                return cni_host->error(c, -r, "%s", msg);
        JsonObject *so = JSON_NODE_HOLDS_OBJECT(saved) ? json_node_get_object(saved) : NULL;
        JsonNode *config = so ? json_object_get_member(so, "config") : NULL;
        const char *ifname = so ? json_object_get_string_member_with_default(so, "ifname", NULL) : NULL;
        const char *bindirs = so ? json_object_get_string_member_with_default(so, "binDirs", NULL) : NULL;
        if (!config || !ifname || !bindirs)
                return cni_host->error(c, EBADMSG, "%s: config, ifname or binDirs missing", path);
        struct cni_net net _cleanup_(net_clearp) = {.path = NULL};
        if ((r = cni_net_from_node(&msg, path, config, &net)) < 0)
                return cni_host->error(c, -r, "%s", msg);

        /* prevResult on DEL: the result of the ADD (from CNI 0.4.0 on) */
        g_autofree char *result_path = g_build_filename(dir, RESULT_FILE, NULL);
        g_autofree char *result_text = NULL;
        g_autoptr(JsonNode) result = NULL;
        bool with_prev = strcmp(net.version, "0.3.0") && strcmp(net.version, "0.3.1");
        if (with_prev && g_file_get_contents(result_path, &result_text, NULL, NULL)) {
                g_autoptr(JsonParser) p = json_parser_new_immutable();
                JsonNode *root;
                if (json_parser_load_from_data(p, result_text, -1, NULL) &&
                    (root = json_parser_get_root(p)) && JSON_NODE_HOLDS_OBJECT(root))
                        result = json_node_copy(root);
                else
                        cni_host->log(c, BERTH_LOG_WARNING, "%s is corrupt: DEL without prevResult",
                                      result_path);
        }
        /* normally gone by now (berth kills the container first): then DEL runs without CNI_NETNS */
        const char *ns = cni_host->ns_path(c, "net");
        if (ns && access(ns, F_OK) < 0)
                ns = NULL;
        struct attachment a = {.c = c,
                               .net = &net,
                               .bindirs = bindirs,
                               .ifname = ifname,
                               .args = json_object_get_string_member_with_default(so, "args", NULL),
                               .netns = ns ? ns : ""};
        /* In reverse order, every plugin even after a failure (each releases what it can). A failure with the
         * namespace given is the error, and the files stay for the next try; without it (the usual case: the
         * container is gone), the spec wants success, and what a failing plugin made inside went with the
         * namespace: a warning. */
        int first = 0;
        for (guint i = json_array_get_length(net.plugins); i-- > 0;) {
                g_autofree char *del_msg = NULL;
                if ((r = run_plugin(&a, "DEL", i, result, NULL, &del_msg)) >= 0)
                        continue;
                if (ns && first == 0)
                        first = cni_host->error(c, -r, "%s", del_msg);
                else
                        cni_host->log(c, BERTH_LOG_WARNING, "%s", del_msg);
        }
        if (first < 0)
                return first;
        if (unlink(result_path) < 0 && errno != ENOENT)
                return cni_host->error(c, errno, "remove %s: %s", result_path, strerror(errno));
        if (unlink(path) < 0 && errno != ENOENT)
                return cni_host->error(c, errno, "remove %s: %s", path, strerror(errno));
        return 0;
}

static const struct berth_plugin plugin = {
    .abi_version = BERTH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(struct berth_plugin),
    .name = "cni",
    .description = "runs CNI plugins (ADD at create, DEL at delete) with a network configuration list",
    .validate = cni_validate,
    .create = cni_create,
    .destroy = cni_destroy,
};

__attribute__((visibility("default"))) const struct berth_plugin *
berth_plugin_entry(const struct berth_host *h)
{
        if (!h || h->abi_version != BERTH_PLUGIN_ABI_VERSION ||
            h->struct_size < offsetof(struct berth_host, log) + sizeof(h->log))
                return NULL;
        cni_host = h;
        return &plugin;
}
