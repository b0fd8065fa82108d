/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hook object parser shared by hooks.json and hooks.d, and hooks.json itself: the effective hooks
 * (config.json's plus those hooks.d added) saved at create time, read back by start and delete.
 */
#include <fcntl.h>
#include <limits.h>

#include "fs-util.h"
#include "hooks-internal.h"
#include "hooks.h"
#include "json-util.h"

int hook_stage_from_string(const char *s)
{
        for (enum hook_stage st = 0; st < _HOOK_STAGE_MAX; st++)
                if (s && STREQ(s, hook_stage_to_string(st)))
                        return (int)st;
        return -1;
}

void hook_clear(struct spec_hook *h)
{
        free(h->path);
        strv_free(h->args);
        strv_free(h->env);
        *h = (struct spec_hook){0};
}

void hook_copy(struct spec_hook *dst, const struct spec_hook *src)
{
        dst->path = xstrdup(src->path);
        dst->args = src->args ? strv_copy(src->args) : NULL;
        dst->env = src->env ? strv_copy(src->env) : NULL;
        dst->has_timeout = src->has_timeout;
        dst->timeout = src->timeout;
}

void hooks_append(struct spec_hooks *hooks, enum hook_stage stage, const struct spec_hook *h)
{
        size_t n = hooks->n_hooks[stage];
        hooks->hooks[stage] = xrealloc(hooks->hooks[stage], (n + 1) * sizeof(struct spec_hook));
        hook_copy(&hooks->hooks[stage][n], h);
        hooks->n_hooks[stage] = n + 1;
}

void hooks_clear(struct spec_hooks *hooks)
{
        for (enum hook_stage st = 0; st < _HOOK_STAGE_MAX; st++) {
                for (size_t i = 0; i < hooks->n_hooks[st]; i++)
                        hook_clear(&hooks->hooks[st][i]);
                free(hooks->hooks[st]);
                hooks->hooks[st] = NULL;
                hooks->n_hooks[st] = 0;
        }
}

int hook_parse_object(JsonObject *o, const char *path, struct spec_hook *ret, berth_error **err)
{
        struct spec_hook h = {0};
        int r = sj_string(o, path, "path", &h.path, err);
        if (r == 0)
                r = sj_missing(err, path, "path");
        if (r < 0)
                goto fail;
        if (h.path[0] != '/') {
                r = berth_err(err, 0, "%s.path: must be an absolute path (got \"%s\")", path, h.path);
                goto fail;
        }
        if ((r = sj_strv(o, path, "args", &h.args, err)) < 0 ||
            (r = sj_strv(o, path, "env", &h.env, err)) < 0)
                goto fail;
        int64_t t = 0;
        if ((r = sj_int64(o, path, "timeout", INT_MIN, INT_MAX, &t, err)) < 0)
                goto fail;
        h.has_timeout = r > 0;
        h.timeout = (int)t;
        if (h.has_timeout && h.timeout <= 0) {
                r = berth_err(err, 0, "%s.timeout: must be greater than 0", path);
                goto fail;
        }
        *ret = h;
        return 0;
fail:
        hook_clear(&h);
        return r;
}

/* ---- hooks.json ------------------------------------------------------------------------------------- */

static void build_hook(JsonBuilder *b, const struct spec_hook *h)
{
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "path");
        json_builder_add_string_value(b, h->path);
        const char *keys[] = {"args", "env"};
        char *const *lists[] = {h->args, h->env};
        for (size_t k = 0; k < 2; k++) {
                if (!lists[k])
                        continue;
                json_builder_set_member_name(b, keys[k]);
                json_builder_begin_array(b);
                for (size_t i = 0; lists[k][i]; i++)
                        json_builder_add_string_value(b, lists[k][i]);
                json_builder_end_array(b);
        }
        if (h->has_timeout) {
                json_builder_set_member_name(b, "timeout");
                json_builder_add_int_value(b, h->timeout);
        }
        json_builder_end_object(b);
}

int hooks_save(int state_dirfd, const struct spec *spec, berth_error **err)
{
        bool any = false;
        for (enum hook_stage st = 0; st < _HOOK_STAGE_MAX; st++)
                any |= hooks_present(spec, st);
        if (!any)
                return 0;
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        for (enum hook_stage st = 0; st < _HOOK_STAGE_MAX; st++) {
                if (!hooks_present(spec, st))
                        continue;
                json_builder_set_member_name(b, hook_stage_to_string(st));
                json_builder_begin_array(b);
                for (size_t i = 0; i < spec->hooks.n_hooks[st]; i++)
                        build_hook(b, &spec->hooks.hooks[st][i]);
                json_builder_end_array(b);
        }
        json_builder_end_object(b);
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        _cleanup_free_ char *txt = json_node_to_text(root, false);
        int r = write_file_atomic_at(state_dirfd, HOOKS_FILE, txt, strlen(txt));
        if (r < 0)
                return berth_err(err, -r, "write %s", HOOKS_FILE);
        return 0;
}

int hooks_load(int state_dirfd, struct spec *spec, berth_error **err)
{
        _cleanup_free_ char *txt = NULL;
        size_t len = 0;
        int r = read_file_at(state_dirfd, HOOKS_FILE, 0, &txt, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return berth_err(err, -r, "read %s", HOOKS_FILE);
        _cleanup_json_parser_ JsonParser *parser = json_parser_new();
        GError *gerr = NULL;
        if (!json_parser_load_from_data(parser, txt, (gssize)len, &gerr)) {
                r = berth_err(err, 0, "%s: invalid JSON: %s", HOOKS_FILE, gerr->message);
                g_error_free(gerr);
                return r;
        }
        JsonNode *root = json_parser_get_root(parser);
        JsonObject *o = NULL;
        if (!root || (r = sj_node_object(root, "hooks", &o, err)) < 0)
                return root ? berth_err_prefix(err, "%s", HOOKS_FILE)
                            : berth_err(err, 0, "%s: empty document", HOOKS_FILE);

        struct spec_hooks loaded = {0};
        for (enum hook_stage st = 0; st < _HOOK_STAGE_MAX && r >= 0; st++) {
                const char *name = hook_stage_to_string(st);
                JsonArray *a = NULL;
                if ((r = sj_array(o, "hooks", name, &a, err)) <= 0)
                        continue;
                for (guint i = 0; i < json_array_get_length(a) && r >= 0; i++) {
                        _cleanup_free_ char *path = xasprintf("hooks.%s[%u]", name, i);
                        JsonObject *ho = NULL;
                        struct spec_hook h = {0};
                        if ((r = sj_node_object(json_array_get_element(a, i), path, &ho, err)) < 0 ||
                            (r = hook_parse_object(ho, path, &h, err)) < 0)
                                break;
                        hooks_append(&loaded, st, &h);
                        hook_clear(&h);
                }
        }
        if (r < 0) {
                hooks_clear(&loaded);
                return berth_err_prefix(err, "%s", HOOKS_FILE);
        }
        hooks_clear(&spec->hooks);
        spec->hooks = loaded;
        return 0;
}
