/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Options, berth's configuration file, network configuration lists and plugin binaries. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni.h"

#ifndef BERTH_CONFIG_FILE
#define BERTH_CONFIG_FILE "/etc/berth/berth.conf"
#endif

static const char *const supported_versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};

/* "key = value" in berth's configuration file ($BERTH_CONFIG overrides its path, as for berth itself). */
static char *config_value(const char *key)
{
        const char *path = secure_getenv("BERTH_CONFIG");
        if (!path || !*path)
                path = BERTH_CONFIG_FILE;
        g_autofree char *text = NULL;
        if (!g_file_get_contents(path, &text, NULL, NULL))
                return NULL;
        char *value = NULL;
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        for (char **l = lines; *l; l++) {
                char *p = g_strstrip(*l);
                if (*p == '#' || strncmp(p, key, strlen(key)))
                        continue;
                p = g_strchug(p + strlen(key));
                if (*p != '=')
                        continue;
                g_free(value);
                value = g_strdup(g_strstrip(p + 1)); /* the last one counts */
        }
        return value;
}

/* CNI's rule for names: [A-Za-z0-9][A-Za-z0-9_.-]* (container ids, network names, plugin types). */
static bool cni_name_ok(const char *s)
{
        if (!s || !g_ascii_isalnum(*s))
                return false;
        for (; *s; s++)
                if (!g_ascii_isalnum(*s) && *s != '_' && *s != '.' && *s != '-')
                        return false;
        return true;
}

static bool ifname_ok(const char *s)
{
        if (!s || !*s || strlen(s) > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
                return false;
        for (; *s; s++)
                if (*s == '/' || *s == ':' || g_ascii_isspace(*s) || (unsigned char)*s < 0x20)
                        return false;
        return true;
}

int cni_opts_load(berth_container *c, struct cni_opts *o, char **msg)
{
        const struct berth_host *h = cni_host;
        *o = (struct cni_opts){.conflist = NULL};
        o->conflist = g_strdup(h->option(c, "conflist"));
        o->network = g_strdup(h->option(c, "network"));
        o->confdir = g_strdup(h->option(c, "confdir"));
        if (!o->confdir && !(o->confdir = config_value("cni_conf_dir")))
                o->confdir = g_strdup(CNI_DEFAULT_CONF_DIR);
        o->bindirs = g_strdup(h->option(c, "bindir"));
        if (!o->bindirs && !(o->bindirs = config_value("cni_bin_dir")))
                o->bindirs = g_strdup(CNI_DEFAULT_BIN_DIRS);
        o->ifname = g_strdup(h->option(c, "ifname") ? h->option(c, "ifname") : CNI_DEFAULT_IFNAME);
        o->args = g_strdup(h->option(c, "args"));

        if (!cni_name_ok(h->id(c)))
                return cni_fail(msg, EINVAL,
                                "container id \"%s\": CNI allows only [A-Za-z0-9][A-Za-z0-9_.-]*", h->id(c));
        if (!ifname_ok(o->ifname))
                return cni_fail(msg, EINVAL, "berth.plugin.cni.ifname: \"%s\" is not an interface name",
                                o->ifname);
        if (o->network && !cni_name_ok(o->network))
                return cni_fail(msg, EINVAL, "berth.plugin.cni.network: \"%s\" is not a CNI network name",
                                o->network);
        if (o->confdir[0] != '/')
                return cni_fail(msg, EINVAL, "CNI configuration directory \"%s\" is not an absolute path",
                                o->confdir);
        if (o->conflist && o->conflist[0] != '/')
                return cni_fail(msg, EINVAL, "berth.plugin.cni.conflist: \"%s\" is not an absolute path",
                                o->conflist);
        if (o->args) {
                g_auto(GStrv) pairs = g_strsplit(o->args, ";", -1);
                for (char **p = pairs; *p; p++)
                        if (!strchr(*p, '=') || **p == '=' || strpbrk(*p, "\n\r"))
                                return cni_fail(msg, EINVAL,
                                                "berth.plugin.cni.args: \"%s\" is not KEY=VALUE;KEY=VALUE...",
                                                o->args);
        }
        return 0;
}

void cni_opts_clear(struct cni_opts *o)
{
        g_free(o->conflist);
        g_free(o->network);
        g_free(o->confdir);
        g_free(o->bindirs);
        g_free(o->ifname);
        g_free(o->args);
        *o = (struct cni_opts){.conflist = NULL};
}

/* Root runs what these name: owned by root and writable by no one else. */
static int check_trusted(char **msg, const char *path, bool dir)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return cni_fail(msg, errno, "%s: %s", path, strerror(errno));
        if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
                return cni_fail(msg, EINVAL, "%s is not a %s", path, dir ? "directory" : "regular file");
        if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
                return cni_fail(msg, EPERM,
                                "%s must be owned by root and writable by no one else (owner %u, mode %04o)",
                                path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
        return 0;
}

static int check_trusted_file(char **msg, const char *path)
{
        g_autofree char *dir = g_path_get_dirname(path);
        int r = check_trusted(msg, dir, true);
        return r < 0 ? r : check_trusted(msg, path, false);
}

int cni_parse_json(char **msg, const char *what, const char *text, gssize len, JsonNode **ret)
{
        *ret = NULL;
        g_autoptr(JsonParser) p = json_parser_new_immutable();
        g_autoptr(GError) e = NULL;
        if (!json_parser_load_from_data(p, text, len, &e))
                return cni_fail(msg, EINVAL, "%s: %s", what, e->message);
        JsonNode *root = json_parser_get_root(p);
        if (!root)
                return cni_fail(msg, EINVAL, "%s: empty", what);
        *ret = json_node_copy(root);
        return 0;
}

char *cni_json_to_string(JsonNode *node, bool pretty)
{
        g_autoptr(JsonGenerator) g = json_generator_new();
        json_generator_set_root(g, node);
        json_generator_set_pretty(g, pretty);
        return json_generator_to_data(g, NULL);
}

static const char *string_member(JsonObject *o, const char *key)
{
        JsonNode *n = json_object_get_member(o, key);
        return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
                   ? json_node_get_string(n)
                   : NULL;
}

int cni_net_from_node(char **msg, const char *what, JsonNode *node, struct cni_net *ret)
{
        *ret = (struct cni_net){.path = g_strdup(what)};
        if (!JSON_NODE_HOLDS_OBJECT(node))
                return cni_fail(msg, EINVAL, "%s: not a JSON object", what);
        JsonObject *o = json_node_get_object(node);
        if (json_object_has_member(o, "plugins"))
                ret->root = json_node_copy(node);
        else if (json_object_has_member(o, "type")) {
                /* a single plugin's configuration (".conf"): a list of one */
                JsonObject *list = json_object_new();
                JsonArray *plugins = json_array_new();
                json_array_add_element(plugins, json_node_copy(node));
                if (json_object_has_member(o, "cniVersion"))
                        json_object_set_member(list, "cniVersion",
                                               json_node_copy(json_object_get_member(o, "cniVersion")));
                if (json_object_has_member(o, "name"))
                        json_object_set_member(list, "name",
                                               json_node_copy(json_object_get_member(o, "name")));
                json_object_set_array_member(list, "plugins", plugins);
                ret->root = json_node_init_object(json_node_alloc(), list);
                json_object_unref(list);
        } else
                return cni_fail(msg, EINVAL, "%s: neither \"plugins\" (a list) nor \"type\" (one plugin)",
                                what);

        JsonObject *l = json_node_get_object(ret->root);
        if (!(ret->version = string_member(l, "cniVersion")))
                return cni_fail(msg, EINVAL, "%s: cniVersion: missing (a string)", what);
        bool known = false;
        for (size_t i = 0; i < G_N_ELEMENTS(supported_versions); i++)
                known |= !strcmp(ret->version, supported_versions[i]);
        if (!known)
                return cni_fail(msg, ENOTSUP, "%s: cniVersion: \"%s\" is not supported (0.3.0 to 1.1.0)",
                                what, ret->version);
        if (!(ret->name = string_member(l, "name")))
                return cni_fail(msg, EINVAL, "%s: name: missing (a string)", what);
        if (!cni_name_ok(ret->name))
                return cni_fail(msg, EINVAL,
                                "%s: name: \"%s\" is not a CNI network name ([A-Za-z0-9][A-Za-z0-9_.-]*)",
                                what, ret->name);
        JsonNode *pn = json_object_get_member(l, "plugins");
        if (!JSON_NODE_HOLDS_ARRAY(pn) || json_array_get_length(json_node_get_array(pn)) == 0)
                return cni_fail(msg, EINVAL, "%s: plugins: must be a non-empty list", what);
        ret->plugins = json_node_get_array(pn);
        for (guint i = 0; i < json_array_get_length(ret->plugins); i++) {
                JsonNode *e = json_array_get_element(ret->plugins, i);
                if (!JSON_NODE_HOLDS_OBJECT(e))
                        return cni_fail(msg, EINVAL, "%s: plugins[%u]: not an object", what, i);
                const char *type = string_member(json_node_get_object(e), "type");
                if (!type)
                        return cni_fail(msg, EINVAL, "%s: plugins[%u].type: missing (a string)", what, i);
                if (!cni_name_ok(type))
                        return cni_fail(msg, EINVAL, "%s: plugins[%u].type: \"%s\" is not a plugin name",
                                        what, i, type);
        }
        return 0;
}

void cni_net_clear(struct cni_net *n)
{
        g_free(n->path);
        if (n->root)
                json_node_unref(n->root);
        *n = (struct cni_net){.path = NULL};
}

static int load_file(char **msg, const char *path, struct cni_net *ret)
{
        *ret = (struct cni_net){.path = NULL};
        int r = check_trusted_file(msg, path);
        if (r < 0)
                return r;
        g_autofree char *text = NULL;
        gsize len = 0;
        g_autoptr(GError) e = NULL;
        if (!g_file_get_contents(path, &text, &len, &e))
                return cni_fail(msg, EIO, "%s", e->message);
        g_autoptr(JsonNode) node = NULL;
        if ((r = cni_parse_json(msg, path, text, (gssize)len, &node)) < 0)
                return r;
        return cni_net_from_node(msg, path, node, ret);
}

static int compare_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int cni_net_load(char **msg, const struct cni_opts *o, struct cni_net *ret)
{
        int r;
        *ret = (struct cni_net){.path = NULL};
        if (o->conflist) {
                if ((r = load_file(msg, o->conflist, ret)) < 0)
                        return r;
                if (o->network && strcmp(o->network, ret->name))
                        return cni_fail(msg, EINVAL,
                                        "berth.plugin.cni.network: \"%s\", but %s is network \"%s\"",
                                        o->network, o->conflist, ret->name);
                return 0;
        }
        if ((r = check_trusted(msg, o->confdir, true)) < 0)
                return r;
        g_autoptr(GDir) d = NULL;
        g_autoptr(GError) e = NULL;
        if (!(d = g_dir_open(o->confdir, 0, &e)))
                return cni_fail(msg, EIO, "%s", e->message);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        for (const char *n; (n = g_dir_read_name(d));)
                if (g_str_has_suffix(n, ".conflist") || g_str_has_suffix(n, ".conf") ||
                    g_str_has_suffix(n, ".json"))
                        g_ptr_array_add(names, g_strdup(n));
        if (names->len > 1)
                qsort(names->pdata, names->len, sizeof(char *), compare_names);
        /* the first file in lexical order, or the first with the name asked for (libcni's rule) */
        for (guint i = 0; i < names->len; i++) {
                g_autofree char *path = g_build_filename(o->confdir, names->pdata[i], NULL);
                if ((r = load_file(msg, path, ret)) < 0)
                        return r;
                if (!o->network || !strcmp(o->network, ret->name))
                        return 0;
                cni_net_clear(ret);
        }
        if (o->network)
                return cni_fail(msg, ENOENT, "no network named \"%s\" in %s", o->network, o->confdir);
        return cni_fail(msg, ENOENT, "no network configuration (*.conflist, *.conf, *.json) in %s",
                        o->confdir);
}

int cni_find_plugin(char **msg, const char *bindirs, const char *type, char **ret_path)
{
        *ret_path = NULL;
        g_auto(GStrv) dirs = g_strsplit(bindirs, ":", -1);
        for (char **d = dirs; *d; d++) {
                if (**d != '/')
                        continue; /* relative entries would depend on berth's working directory */
                g_autofree char *path = g_build_filename(*d, type, NULL);
                if (access(path, F_OK) < 0)
                        continue;
                int r = check_trusted_file(msg, path);
                if (r < 0)
                        return r;
                if (access(path, X_OK) < 0)
                        return cni_fail(msg, errno, "CNI plugin %s: %s", path, strerror(errno));
                *ret_path = g_steal_pointer(&path);
                return 0;
        }
        return cni_fail(msg, ENOENT, "CNI plugin \"%s\" not found in %s", type, bindirs);
}

int cni_fail(char **msg, int errnum, const char *fmt, ...)
{
        if (!*msg) {
                va_list ap;
                va_start(ap, fmt);
                *msg = g_strdup_vprintf(fmt, ap);
                va_end(ap);
        }
        return -(errnum > 0 ? errnum : EINVAL);
}

int cni_write_file(const char *dir, const char *name, const char *text)
{
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *tmp = g_strdup_printf("%s/.%s.tmp", dir, name);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        size_t len = strlen(text), done = 0;
        int r = 0;
        while (done < len) {
                ssize_t k = write(fd, text + done, len - done);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = -errno;
                        break;
                }
                done += (size_t)k;
        }
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}
