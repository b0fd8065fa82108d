/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci-hooks(5) 1.0.0 directories (--hooks-dir), matched as containers/common's hooks package does:
 *
 *   {"version": "1.0.0",
 *    "hook": {"path": "/abs", "args": [...], "env": [...], "timeout": N},
 *    "when": {"always": bool, "annotations": {"key-ERE": "value-ERE"}, "commands": ["ERE"],
 *             "hasBindMounts": bool},
 *    "stages": ["prestart", ...]}
 *
 * Files are the "*.json" entries of the directories; a later directory's file replaces an earlier one of
 * the same name; they are applied in the order of their names compared case-insensitively. The "when"
 * conditions are AND-ed: "always" must be true when set, "hasBindMounts" must be true (and the config must
 * have a bind mount) when set, each annotations pair must match the key and the value of one annotation,
 * and one of "commands" must match process.args[0]. Regular expressions are POSIX EREs, unanchored.
 * Every file is validated (even one that does not match); a bad one fails the create with a message naming
 * the file and the field.
 */
#include <dirent.h>
#include <fcntl.h>
#include <regex.h>
#include <strings.h>
#include <sys/stat.h>

#include "fs-util.h"
#include "hooks-internal.h"
#include "hooks.h"
#include "log.h"

struct regex_entry {
        regex_t re;
        bool compiled;
};

struct hookd {
        char *name; /* file name */
        char *path; /* full path, for messages */
        struct spec_hook hook;
        bool has_always, always;
        bool has_bind_mounts, bind_mounts;
        struct regex_entry *ann_keys, *ann_values;
        size_t n_annotations;
        struct regex_entry *commands;
        size_t n_commands;
        bool stages[_HOOK_STAGE_MAX];
};

static void regex_entries_free(struct regex_entry *e, size_t n)
{
        for (size_t i = 0; e && i < n; i++)
                if (e[i].compiled)
                        regfree(&e[i].re);
        free(e);
}

static void hookd_clear(struct hookd *h)
{
        free(h->name);
        free(h->path);
        hook_clear(&h->hook);
        regex_entries_free(h->ann_keys, h->n_annotations);
        regex_entries_free(h->ann_values, h->n_annotations);
        regex_entries_free(h->commands, h->n_commands);
        *h = (struct hookd){0};
}

static int regex_compile(struct regex_entry *e, const char *pattern, const char *path, berth_error **err)
{
        int rc = regcomp(&e->re, pattern, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
                char msg[256];
                regerror(rc, &e->re, msg, sizeof(msg));
                return berth_err(err, 0, "%s: invalid regular expression \"%s\": %s", path, pattern, msg);
        }
        e->compiled = true;
        return 0;
}

static bool regex_match(const struct regex_entry *e, const char *s)
{
        return regexec(&e->re, s ? s : "", 0, NULL, 0) == 0;
}

static int parse_when(JsonObject *root, struct hookd *h, berth_error **err)
{
        JsonObject *w = NULL;
        int r = sj_object(root, "", "when", &w, err);
        if (r == 0)
                return sj_missing(err, "", "when");
        if (r < 0)
                return r;
        if ((r = sj_bool(w, "when", "always", &h->always, err)) < 0)
                return r;
        h->has_always = r > 0;
        if ((r = sj_bool(w, "when", "hasBindMounts", &h->bind_mounts, err)) < 0)
                return r;
        h->has_bind_mounts = r > 0;

        struct spec_kv *ann = NULL;
        size_t n_ann = 0;
        int has_ann = sj_string_map(w, "when", "annotations", &ann, &n_ann, err);
        if (has_ann < 0)
                return has_ann;
        h->ann_keys = xmalloc0(n_ann * sizeof(struct regex_entry));
        h->ann_values = xmalloc0(n_ann * sizeof(struct regex_entry));
        h->n_annotations = n_ann;
        for (size_t i = 0; i < n_ann && r >= 0; i++) {
                _cleanup_free_ char *p = xasprintf("when.annotations[\"%s\"]", ann[i].key);
                _cleanup_free_ char *pk = xasprintf("%s (key)", p), *pv = xasprintf("%s (value)", p);
                if ((r = regex_compile(&h->ann_keys[i], ann[i].key, pk, err)) >= 0)
                        r = regex_compile(&h->ann_values[i], ann[i].value, pv, err);
        }
        spec_kv_free(ann, n_ann);
        if (r < 0)
                return r;

        _cleanup_strv_free_ char **cmds = NULL;
        int has_cmds = sj_strv(w, "when", "commands", &cmds, err);
        if (has_cmds < 0)
                return has_cmds;
        h->n_commands = strv_length(cmds);
        h->commands = xmalloc0(h->n_commands * sizeof(struct regex_entry));
        for (size_t i = 0; i < h->n_commands; i++) {
                _cleanup_free_ char *p = xasprintf("when.commands[%zu]", i);
                if ((r = regex_compile(&h->commands[i], cmds[i], p, err)) < 0)
                        return r;
        }
        if (!h->has_always && !h->has_bind_mounts && !has_ann && !has_cmds)
                return berth_err(
                    err, 0, "when: must set at least one of always, annotations, commands, hasBindMounts");
        return 0;
}

static int parse_stages(JsonObject *root, struct hookd *h, berth_error **err)
{
        _cleanup_strv_free_ char **stages = NULL;
        int r = sj_strv(root, "", "stages", &stages, err);
        if (r == 0)
                return sj_missing(err, "", "stages");
        if (r < 0)
                return r;
        for (size_t i = 0; stages[i]; i++) {
                int st = hook_stage_from_string(stages[i]);
                if (st < 0)
                        return berth_err(err, 0, "stages[%zu]: unknown stage \"%s\"", i, stages[i]);
                h->stages[st] = true;
        }
        return 0;
}

/* Parses and validates one file into h (name and path already set). Messages name the field only. */
static int hookd_parse(const char *text, size_t len, struct hookd *h, berth_error **err)
{
        _cleanup_json_parser_ JsonParser *parser = json_parser_new();
        GError *gerr = NULL;
        if (!json_parser_load_from_data(parser, text, (gssize)len, &gerr)) {
                const char *m = gerr->message;
                if (startswith(m, "<data>:"))
                        m += strlen("<data>:");
                int r = berth_err(err, 0, "invalid JSON: %s", m);
                g_error_free(gerr);
                return r;
        }
        JsonNode *rootn = json_parser_get_root(parser);
        if (!rootn || !JSON_NODE_HOLDS_OBJECT(rootn))
                return berth_err(err, 0, "invalid JSON: the document must be an object");
        JsonObject *root = json_node_get_object(rootn);

        _cleanup_free_ char *version = NULL;
        int r = sj_string(root, "", "version", &version, err);
        if (r == 0)
                return sj_missing(err, "", "version");
        if (r < 0)
                return r;
        if (!STREQ(version, "1.0.0"))
                return berth_err(err, 0, "version: unsupported hook version \"%s\" (berth reads 1.0.0)",
                                 version);

        JsonObject *ho = NULL;
        r = sj_object(root, "", "hook", &ho, err);
        if (r == 0)
                return sj_missing(err, "", "hook");
        if (r < 0 || (r = hook_parse_object(ho, "hook", &h->hook, err)) < 0)
                return r;
        /* as containers/common: the hook must exist when the file is loaded */
        struct stat st;
        if (stat(h->hook.path, &st) < 0)
                return berth_err(err, errno, "hook.path: %s", h->hook.path);
        if ((r = parse_when(root, h, err)) < 0)
                return r;
        return parse_stages(root, h, err);
}

static int hookd_name_cmp(const void *a, const void *b)
{
        const struct hookd *x = a, *y = b;
        int c = strcasecmp(x->name, y->name);
        return c ? c : strcmp(x->name, y->name);
}

struct hookd_set {
        struct hookd *items;
        size_t n;
};

static void hookd_set_clear(struct hookd_set *s)
{
        for (size_t i = 0; i < s->n; i++)
                hookd_clear(&s->items[i]);
        free(s->items);
        *s = (struct hookd_set){0};
}

/* Lists the *.json files of dir into the set; a same-named entry of an earlier directory is replaced. A
 * missing directory is skipped (as containers/common does). */
static int hookd_scan_dir(const char *dir, struct hookd_set *set, berth_error **err)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d) {
                if (errno == ENOENT) {
                        log_debug("--hooks-dir %s: does not exist, skipped", dir);
                        return 0;
                }
                return berth_err(err, errno, "--hooks-dir %s", dir);
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (l < 5 || !STREQ(de->d_name + l - 5, ".json"))
                        continue;
                struct hookd *h = NULL;
                for (size_t i = 0; i < set->n && !h; i++)
                        if (STREQ(set->items[i].name, de->d_name))
                                h = &set->items[i];
                if (!h) {
                        set->items = xrealloc(set->items, (set->n + 1) * sizeof(struct hookd));
                        h = &set->items[set->n++];
                        *h = (struct hookd){.name = xstrdup(de->d_name)};
                }
                free(h->path);
                h->path = xasprintf("%s/%s", dir, de->d_name);
        }
        if (errno != 0)
                return berth_err(err, errno, "--hooks-dir %s: read directory", dir);
        return 0;
}

static bool spec_has_bind_mounts(const struct spec *spec)
{
        for (size_t i = 0; i < spec->n_mounts; i++)
                if (spec->mounts[i].bind || (spec->mounts[i].type && STREQ(spec->mounts[i].type, "bind")))
                        return true;
        return false;
}

/* containers/common's When.Match with the 1.0.0 (all-of) semantics. */
static bool hookd_match(const struct hookd *h, const struct spec *spec, bool has_bind_mounts)
{
        int matches = 0;
        if (h->has_always) {
                if (!h->always)
                        return false;
                matches++;
        }
        if (h->has_bind_mounts) {
                if (!(h->bind_mounts && has_bind_mounts))
                        return false;
                matches++;
        }
        for (size_t i = 0; i < h->n_annotations; i++) {
                bool found = false;
                for (size_t j = 0; j < spec->n_annotations && !found; j++)
                        found = regex_match(&h->ann_keys[i], spec->annotations[j].key) &&
                                regex_match(&h->ann_values[i], spec->annotations[j].value);
                if (!found)
                        return false;
                matches++;
        }
        if (h->n_commands > 0) {
                const char *arg0 = spec->process && spec->process->args ? spec->process->args[0] : NULL;
                if (!arg0)
                        return false;
                for (size_t i = 0; i < h->n_commands; i++)
                        if (regex_match(&h->commands[i], arg0))
                                return true;
                return false;
        }
        return matches > 0;
}

int hooks_dirs_apply(struct spec *spec, char *const *dirs, berth_error **err)
{
        _cleanup_(hookd_set_clear) struct hookd_set set = {0};
        int r;
        for (size_t i = 0; dirs && dirs[i]; i++)
                if ((r = hookd_scan_dir(dirs[i], &set, err)) < 0)
                        return r;
        if (set.n == 0)
                return 0;
        qsort(set.items, set.n, sizeof(struct hookd), hookd_name_cmp);

        for (size_t i = 0; i < set.n; i++) {
                struct hookd *h = &set.items[i];
                _cleanup_free_ char *text = NULL;
                size_t len = 0;
                if ((r = read_file(h->path, 0, &text, &len)) < 0)
                        return berth_err(err, -r, "hooks.d file %s", h->path);
                if ((r = hookd_parse(text, len, h, err)) < 0)
                        return berth_err_prefix(err, "hooks.d file %s", h->path);
        }

        bool bind_mounts = spec_has_bind_mounts(spec);
        for (size_t i = 0; i < set.n; i++) {
                const struct hookd *h = &set.items[i];
                if (!hookd_match(h, spec, bind_mounts)) {
                        log_debug("hooks.d file %s: does not match", h->path);
                        continue;
                }
                log_debug("hooks.d file %s: matches, hook %s added", h->path, h->hook.path);
                for (enum hook_stage st = 0; st < _HOOK_STAGE_MAX; st++)
                        if (h->stages[st])
                                hooks_append(&spec->hooks, st, &h->hook);
        }
        return 0;
}
