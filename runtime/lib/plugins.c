/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "berth/plugin.h"
#include "config.h"
#include "fs-util.h"
#include "log.h"
#include "plugins.h"

#define PLUGINS_ANNOTATION       "berth.plugins"
#define PLUGIN_OPTION_ANNOTATION "berth.plugin."
#define PLUGINS_SAVED            "plugins.selected"

struct loaded_plugin {
        char *name;
        char *path;
        int fd;
        void *handle;
        const struct berth_plugin *desc;
};

/* Every plugin this process loaded, for its whole life (plugins are never unloaded: a forked init may still
 * run their code). glibc knows a loaded object by the name it was opened with, here "/proc/self/fd/N": were N
 * closed and reused for another plugin, dlopen() would hand back the first one. So the fd stays open, and a
 * plugin selected again (`run` is create and start) is the object already loaded. */
static struct loaded_plugin **loaded;
static size_t n_loaded;

struct plugin_set {
        const struct loaded_plugin **v;
        size_t n;
};

/* The handle a plugin gets: the container plus the plugin it is called for. */
struct berth_container {
        const struct plugin_container *c;
        const struct loaded_plugin *p;
        enum plugin_stage stage;
        berth_error **err;
        char *state_dir;
        char *ns_paths[_NS_TYPE_MAX];
};

static const struct berth_host plugin_host;

static const char *config_path(void)
{
        const char *p = secure_getenv("BERTH_CONFIG");
        return p && *p ? p : BERTH_CONFIG_FILE;
}

/* "key = value" of berth's configuration file (comments with #); NULL when absent. */
static int config_value(const char *key, char **ret, berth_error **err)
{
        *ret = NULL;
        _cleanup_free_ char *text = NULL;
        int r = read_file(config_path(), 1 << 20, &text, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return berth_err(err, -r, "read %s", config_path());
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                line += strspn(line, " \t");
                if (*line == '#' || !startswith(line, key))
                        continue;
                char *p = line + strlen(key);
                p += strspn(p, " \t");
                if (*p != '=')
                        continue;
                p++;
                p += strspn(p, " \t");
                size_t n = strlen(p);
                while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
                        n--;
                free(*ret);
                *ret = xstrndup(p, n);
        }
        return 0;
}

static const char *annotation(const struct spec_kv *a, size_t n, const char *key)
{
        for (size_t i = 0; i < n; i++)
                if (STREQ(a[i].key, key))
                        return a[i].value;
        return NULL;
}

static bool valid_name(const char *s)
{
        if (!*s || strlen(s) > 64)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
                        return false;
        return true;
}

char **plugins_selected(const struct spec_kv *annotations, size_t n_annotations, berth_error **err)
{
        _cleanup_free_ char *conf = NULL;
        const char *list = annotation(annotations, n_annotations, PLUGINS_ANNOTATION);
        const char *where = "annotation " PLUGINS_ANNOTATION;
        if (!list) {
                if (config_value("plugins", &conf, err) < 0)
                        return NULL;
                list = conf;
                where = config_path();
        }
        char **names = xmalloc0(sizeof(char *));
        if (!list)
                return names;
        _cleanup_free_ char *copy = xstrdup(list);
        char *save = NULL;
        for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
                if (!valid_name(tok)) {
                        berth_err_plain(err, EINVAL, "%s: invalid plugin name \"%s\"", where, tok);
                        strv_free(names);
                        return NULL;
                }
                if (!strv_contains(names, tok))
                        names = strv_append(names, tok);
        }
        return names;
}

/* Owned by root and writable by no one else: a plugin runs as root in every container that selects it. */
static int check_trusted(int fd, const char *path, bool dir, berth_error **err)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return berth_err(err, errno, "stat %s", path);
        if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
                return berth_err_plain(err, EINVAL, "%s is not a %s", path,
                                       dir ? "directory" : "regular file");
        if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
                return berth_err_plain(
                    err, EPERM, "%s must be owned by root and writable by no one else (owner %u, mode %04o)",
                    path, st.st_uid, st.st_mode & 07777);
        return 0;
}

static int open_plugin(const char *dir, int dirfd, const char *name, const struct loaded_plugin **out,
                       berth_error **err)
{
        _cleanup_free_ char *file = xasprintf("%s.so", name);
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
        for (size_t i = 0; i < n_loaded; i++)
                if (STREQ(loaded[i]->path, path)) {
                        *out = loaded[i];
                        return 0;
                }
        _cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return berth_err(err, errno, "plugin %s: %s", name, path);
        int r = check_trusted(fd, path, false, err);
        if (r < 0)
                return berth_err_prefix(err, "plugin %s", name);
        /* Load exactly the file checked above, not whatever the path names by now. */
        char fdpath[64];
        snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
        void *h = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return berth_err_plain(err, ELIBBAD, "plugin %s: %s: %s", name, path, dlerror());
        typedef const struct berth_plugin *(*entry_fn)(const struct berth_host *);
        entry_fn entry = (entry_fn)dlsym(h, BERTH_PLUGIN_ENTRY);
        if (!entry) {
                dlclose(h);
                return berth_err_plain(err, ELIBBAD, "plugin %s: %s does not export %s", name, path,
                                       BERTH_PLUGIN_ENTRY);
        }
        const struct berth_plugin *d = entry(&plugin_host);
        if (!d) {
                dlclose(h);
                return berth_err_plain(err, ELIBBAD, "plugin %s: %s returned no descriptor", name,
                                       BERTH_PLUGIN_ENTRY);
        }
        /* (the messages are made before dlclose(): d points into the plugin) */
        if (d->abi_version != BERTH_PLUGIN_ABI_VERSION)
                r = berth_err_plain(err, ELIBBAD, "plugin %s: built for plugin ABI version %u, berth has %u",
                                    name, d->abi_version, BERTH_PLUGIN_ABI_VERSION);
        else if (d->struct_size < offsetof(struct berth_plugin, destroy) + sizeof(d->destroy))
                r = berth_err_plain(err, ELIBBAD, "plugin %s: descriptor too small (%u bytes)", name,
                                    d->struct_size);
        else if (!d->name || !STREQ(d->name, name))
                r = berth_err_plain(err, ELIBBAD, "plugin %s: %s calls itself \"%s\"", name, path,
                                    d->name ? d->name : "(null)");
        if (r < 0) {
                dlclose(h);
                return r;
        }
        struct loaded_plugin *p = xmalloc0(sizeof(*p));
        *p = (struct loaded_plugin){
            .name = xstrdup(name), .path = TAKE_PTR(path), .fd = TAKE_FD(fd), .handle = h, .desc = d};
        loaded = xrealloc(loaded, (n_loaded + 1) * sizeof(*loaded));
        loaded[n_loaded++] = p;
        *out = p;
        log_debug("plugin %s: loaded from %s", name, p->path);
        return 0;
}

static int open_names(char **names, struct plugin_set **ret, berth_error **err)
{
        *ret = NULL;
        if (!names[0])
                return 0;
        _cleanup_free_ char *dir = NULL;
        int r = config_value("plugin_dir", &dir, err);
        if (r < 0)
                return r;
        if (!dir)
                dir = xstrdup(BERTH_PLUGIN_DIR);
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return berth_err(err, errno, "plugin directory %s", dir);
        if ((r = check_trusted(dirfd, dir, true, err)) < 0)
                return berth_err_prefix(err, "plugin directory");
        struct plugin_set *ps = xmalloc0(sizeof(*ps));
        size_t n = strv_length(names);
        ps->v = xmalloc0(n * sizeof(*ps->v));
        for (size_t i = 0; i < n; i++) {
                if ((r = open_plugin(dir, dirfd, names[i], &ps->v[ps->n], err)) < 0) {
                        plugins_free(ps);
                        return r;
                }
                ps->n++;
        }
        *ret = ps;
        return 0;
}

int plugins_open(const struct spec_kv *annotations, size_t n_annotations, struct plugin_set **ret,
                 berth_error **err)
{
        *ret = NULL;
        _cleanup_strv_free_ char **names = plugins_selected(annotations, n_annotations, err);
        if (!names)
                return berth_error_rc(err ? *err : NULL);
        return open_names(names, ret, err);
}

int plugins_save(int dirfd, const struct plugin_set *ps, berth_error **err)
{
        _cleanup_free_ char *text = xstrdup("");
        for (size_t i = 0; ps && i < ps->n; i++) {
                char *t = xasprintf("%s%s\n", text, ps->v[i]->name);
                free(text);
                text = t;
        }
        int r = write_file_atomic_at(dirfd, PLUGINS_SAVED, text, strlen(text));
        if (r < 0)
                return berth_err(err, -r, "write %s in the state directory", PLUGINS_SAVED);
        return 0;
}

int plugins_open_saved(int dirfd, const struct spec_kv *annotations, size_t n_annotations,
                       struct plugin_set **ret, berth_error **err)
{
        *ret = NULL;
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(dirfd, PLUGINS_SAVED, 64 * 1024, &text, NULL);
        if (r == -ENOENT) /* a state directory from before the list was recorded */
                return plugins_open(annotations, n_annotations, ret, err);
        if (r < 0)
                return berth_err(err, -r, "read %s in the state directory", PLUGINS_SAVED);
        _cleanup_strv_free_ char **names = xmalloc0(sizeof(char *));
        char *save = NULL;
        for (char *tok = strtok_r(text, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
                if (!valid_name(tok))
                        return berth_err_plain(err, EINVAL,
                                               "%s in the state directory: invalid plugin name \"%s\"",
                                               PLUGINS_SAVED, tok);
                names = strv_append(names, tok);
        }
        return open_names(names, ret, err);
}

bool plugins_any(const struct plugin_set *ps)
{
        return ps && ps->n > 0;
}

void plugins_free(struct plugin_set *ps)
{
        if (!ps)
                return;
        /* the plugins themselves stay loaded (see "loaded") */
        free(ps->v);
        free(ps);
}

static const char *stage_name(enum plugin_stage s)
{
        static const char *const names[] = {"validate", "create", "setup_container", "started", "destroy"};
        return (unsigned)s < ELEMENTSOF(names) ? names[s] : "?";
}

static int (*stage_fn(const struct berth_plugin *d, enum plugin_stage s))(berth_container *)
{
        switch (s) {
        case PLUGIN_VALIDATE:
                return d->validate;
        case PLUGIN_CREATE:
                return d->create;
        case PLUGIN_SETUP_CONTAINER:
                return d->setup_container;
        case PLUGIN_STARTED:
                return d->started;
        case PLUGIN_DESTROY:
                return d->destroy;
        default:
                return NULL;
        }
}

static void handle_clear(berth_container *h)
{
        free(h->state_dir);
        for (int t = 0; t < _NS_TYPE_MAX; t++)
                free(h->ns_paths[t]);
        memset(h, 0, sizeof(*h));
}

int plugins_call(struct plugin_set *ps, enum plugin_stage stage, const struct plugin_container *c,
                 berth_error **err)
{
        if (!ps)
                return 0;
        int first = 0;
        for (size_t k = 0; k < ps->n; k++) {
                size_t i = stage == PLUGIN_DESTROY ? ps->n - 1 - k : k;
                int (*fn)(berth_container *) = stage_fn(ps->v[i]->desc, stage);
                if (!fn)
                        continue;
                _cleanup_error_ berth_error *e = NULL;
                berth_container h = {.c = c, .p = ps->v[i], .stage = stage, .err = &e};
                log_debug("plugin %s: %s", ps->v[i]->name, stage_name(stage));
                int r = fn(&h);
                handle_clear(&h);
                if (r >= 0)
                        continue;
                if (!e)
                        berth_err(&e, -r, "%s failed", stage_name(stage));
                berth_err_prefix(&e, "plugin %s", ps->v[i]->name);
                r = berth_error_rc(e);
                if (stage != PLUGIN_DESTROY) {
                        if (err && !*err)
                                *err = TAKE_PTR(e);
                        return r;
                }
                /* destroy: every plugin gets its turn; the first error is reported, the others logged */
                if (first == 0) {
                        first = r;
                        if (err && !*err) {
                                *err = TAKE_PTR(e);
                                continue;
                        }
                }
                log_warn("%s", e->msg);
        }
        return first;
}

/* ---- the host side of the ABI ---- */

static const char *host_id(const berth_container *h)
{
        return h->c->id;
}

static const char *host_bundle(const berth_container *h)
{
        return h->c->bundle;
}

/* In setup_container the caller is the container init itself, after pivot_root: host paths and pids mean
 * nothing there. */
static bool in_container(const berth_container *h)
{
        return h->stage == PLUGIN_SETUP_CONTAINER;
}

static const char *host_rootfs(const berth_container *h)
{
        return in_container(h) ? "/" : h->c->rootfs;
}

static pid_t host_pid(const berth_container *h)
{
        return in_container(h) || h->stage == PLUGIN_VALIDATE ? 0 : h->c->pid;
}

static const char *host_ns_path(const berth_container *h, const char *type)
{
        if (!type)
                return NULL;
        int t = ns_type_from_string(STREQ(type, "net") ? "network" : STREQ(type, "mnt") ? "mount" : type);
        if (t < 0 || host_pid(h) <= 0 || !h->c->has_ns[t])
                return NULL;
        berth_container *m = (berth_container *)h;
        if (!m->ns_paths[t])
                m->ns_paths[t] = xasprintf("/proc/%d/ns/%s", h->c->pid, ns_type_proc_name(t));
        return m->ns_paths[t];
}

static const char *host_annotation(const berth_container *h, const char *key)
{
        return key ? annotation(h->c->annotations, h->c->n_annotations, key) : NULL;
}

static const char *host_option(const berth_container *h, const char *key)
{
        if (!key)
                return NULL;
        _cleanup_free_ char *full = xasprintf(PLUGIN_OPTION_ANNOTATION "%s.%s", h->p->name, key);
        return annotation(h->c->annotations, h->c->n_annotations, full);
}

static const char *host_state_dir(const berth_container *h)
{
        berth_container *m = (berth_container *)h;
        if (!m->state_dir && h->c->state_dir && !in_container(h) && h->stage != PLUGIN_VALIDATE) {
                _cleanup_free_ char *base = xasprintf("%s/plugins", h->c->state_dir);
                char *dir = xasprintf("%s/%s", base, h->p->name);
                if ((mkdir(base, 0700) < 0 && errno != EEXIST) || (mkdir(dir, 0700) < 0 && errno != EEXIST)) {
                        free(dir);
                        return NULL;
                }
                m->state_dir = dir;
        }
        return m->state_dir;
}

static const char *host_option_at(const berth_container *h, size_t index, const char **value)
{
        _cleanup_free_ char *prefix = xasprintf(PLUGIN_OPTION_ANNOTATION "%s.", h->p->name);
        size_t k = 0;
        for (size_t i = 0; i < h->c->n_annotations; i++) {
                const char *full = h->c->annotations[i].key;
                if (!startswith(full, prefix) || !full[strlen(prefix)] || k++ != index)
                        continue;
                const char *key = full + strlen(prefix);
                if (value)
                        *value = h->c->annotations[i].value;
                return key;
        }
        if (value)
                *value = NULL;
        return NULL;
}

static const char *host_state_root(const berth_container *h)
{
        return h->c->state_root;
}

static const char *host_config_json(const berth_container *h)
{
        return h->c->config_json;
}

static int host_error(berth_container *h, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        errnum = errnum > 0 ? errnum : EINVAL;
        berth_err_plain(h->err, errnum, "%s", msg);
        return -errnum;
}

static void host_log(berth_container *h, enum berth_log_level level, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        enum log_level l = level <= BERTH_LOG_ERROR     ? LOG_LVL_ERROR
                           : level == BERTH_LOG_WARNING ? LOG_LVL_WARNING
                           : level == BERTH_LOG_INFO    ? LOG_LVL_INFO
                                                        : LOG_LVL_DEBUG;
        log_msg(l, "plugin %s: %s", h->p->name, msg);
}

static const struct berth_host plugin_host = {
    .abi_version = BERTH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(struct berth_host),
    .id = host_id,
    .bundle = host_bundle,
    .rootfs = host_rootfs,
    .pid = host_pid,
    .ns_path = host_ns_path,
    .annotation = host_annotation,
    .option = host_option,
    .state_dir = host_state_dir,
    .state_root = host_state_root,
    .config_json = host_config_json,
    .error = host_error,
    .log = host_log,
    .option_at = host_option_at,
};
