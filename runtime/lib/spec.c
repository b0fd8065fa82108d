/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.json -> struct spec: the typed JSON accessors, the top level, process, mounts and hooks. The
 * "linux" object is parsed in spec-linux.c, the cross-field checks live in spec-validate.c.
 */
#include <inttypes.h>
#include <limits.h>
#include <sys/stat.h>

#include "fs-util.h"
#include "mount-opts.h"
#include "caps.h"
#include "procattr.h"
#include "spec-internal.h"
#include "spec.h"

/* ---- JSON accessors ---------------------------------------------------------------------------------- */

char *sj_path(const char *parent, const char *key)
{
        if (!parent || !*parent)
                return xstrdup(key);
        return xasprintf("%s.%s", parent, key);
}

char *sj_path_index(const char *parent, size_t i)
{
        return xasprintf("%s[%zu]", parent ? parent : "", i);
}

JsonNode *sj_member(JsonObject *o, const char *key)
{
        JsonNode *n = o ? json_object_get_member(o, key) : NULL;
        if (!n || JSON_NODE_HOLDS_NULL(n))
                return NULL;
        return n;
}

int sj_missing(berth_error **err, const char *parent, const char *key)
{
        _cleanup_free_ char *p = sj_path(parent, key);
        return berth_err(err, 0, "%s: missing required field", p);
}

static GType node_value_type(JsonNode *n)
{
        return JSON_NODE_HOLDS_VALUE(n) ? json_node_get_value_type(n) : G_TYPE_INVALID;
}

int sj_node_object(JsonNode *n, const char *path, JsonObject **ret, berth_error **err)
{
        if (!JSON_NODE_HOLDS_OBJECT(n))
                return berth_err(err, 0, "%s: must be an object", path);
        *ret = json_node_get_object(n);
        return 0;
}

int sj_node_string(JsonNode *n, const char *path, char **ret, berth_error **err)
{
        if (node_value_type(n) != G_TYPE_STRING)
                return berth_err(err, 0, "%s: must be a string", path);
        *ret = xstrdup(json_node_get_string(n));
        return 0;
}

int sj_node_int64(JsonNode *n, const char *path, int64_t min, int64_t max, int64_t *ret, berth_error **err)
{
        if (node_value_type(n) != G_TYPE_INT64)
                return berth_err(err, 0, "%s: must be an integer", path);
        int64_t v = json_node_get_int(n);
        if (v < min || v > max)
                return berth_err(err, 0, "%s: %" PRIi64 " is out of range (%" PRIi64 " to %" PRIi64 ")", path,
                                 v, min, max);
        *ret = v;
        return 0;
}

int sj_node_uint64(JsonNode *n, const char *path, uint64_t *ret, berth_error **err)
{
        if (node_value_type(n) != G_TYPE_INT64)
                return berth_err(err, 0, "%s: must be an integer", path);
        *ret = (uint64_t)json_node_get_int(n);
        return 0;
}

int sj_node_uint32(JsonNode *n, const char *path, uint32_t *ret, berth_error **err)
{
        int64_t v = 0;
        int r = sj_node_int64(n, path, 0, UINT32_MAX, &v, err);
        if (r < 0)
                return r;
        *ret = (uint32_t)v;
        return 0;
}

/* The member's node, and its path for messages when it is present. */
static JsonNode *member_path(JsonObject *o, const char *parent, const char *key, char **ret_path)
{
        JsonNode *n = sj_member(o, key);
        *ret_path = n ? sj_path(parent, key) : NULL;
        return n;
}

/* 0 absent, 1 read, -errno from the node conversion. */
static int member_result(JsonNode *n, int r)
{
        return !n ? 0 : r < 0 ? r : 1;
}

int sj_object(JsonObject *o, const char *parent, const char *key, JsonObject **ret, berth_error **err)
{
        _cleanup_free_ char *path = NULL;
        JsonNode *n = member_path(o, parent, key, &path);
        return member_result(n, n ? sj_node_object(n, path, ret, err) : 0);
}

int sj_array(JsonObject *o, const char *parent, const char *key, JsonArray **ret, berth_error **err)
{
        JsonNode *n = sj_member(o, key);
        if (!n)
                return 0;
        if (!JSON_NODE_HOLDS_ARRAY(n)) {
                _cleanup_free_ char *p = sj_path(parent, key);
                return berth_err(err, 0, "%s: must be an array", p);
        }
        *ret = json_node_get_array(n);
        return 1;
}

int sj_string(JsonObject *o, const char *parent, const char *key, char **ret, berth_error **err)
{
        _cleanup_free_ char *path = NULL;
        char *s = NULL;
        JsonNode *n = member_path(o, parent, key, &path);
        int r = member_result(n, n ? sj_node_string(n, path, &s, err) : 0);
        if (r > 0) {
                free(*ret);
                *ret = s;
        }
        return r;
}

int sj_bool(JsonObject *o, const char *parent, const char *key, bool *ret, berth_error **err)
{
        JsonNode *n = sj_member(o, key);
        if (!n)
                return 0;
        if (node_value_type(n) != G_TYPE_BOOLEAN) {
                _cleanup_free_ char *p = sj_path(parent, key);
                return berth_err(err, 0, "%s: must be a boolean", p);
        }
        *ret = json_node_get_boolean(n);
        return 1;
}

int sj_int64(JsonObject *o, const char *parent, const char *key, int64_t min, int64_t max, int64_t *ret,
             berth_error **err)
{
        _cleanup_free_ char *path = NULL;
        JsonNode *n = member_path(o, parent, key, &path);
        return member_result(n, n ? sj_node_int64(n, path, min, max, ret, err) : 0);
}

int sj_int32(JsonObject *o, const char *parent, const char *key, int32_t *ret, berth_error **err)
{
        int64_t v = 0;
        int r = sj_int64(o, parent, key, INT32_MIN, INT32_MAX, &v, err);
        if (r > 0)
                *ret = (int32_t)v;
        return r;
}

int sj_uint64(JsonObject *o, const char *parent, const char *key, uint64_t *ret, berth_error **err)
{
        _cleanup_free_ char *path = NULL;
        JsonNode *n = member_path(o, parent, key, &path);
        return member_result(n, n ? sj_node_uint64(n, path, ret, err) : 0);
}

int sj_uint32(JsonObject *o, const char *parent, const char *key, uint32_t *ret, berth_error **err)
{
        _cleanup_free_ char *path = NULL;
        JsonNode *n = member_path(o, parent, key, &path);
        return member_result(n, n ? sj_node_uint32(n, path, ret, err) : 0);
}

int sj_uint16(JsonObject *o, const char *parent, const char *key, uint16_t *ret, berth_error **err)
{
        int64_t v = 0;
        int r = sj_int64(o, parent, key, 0, UINT16_MAX, &v, err);
        if (r > 0)
                *ret = (uint16_t)v;
        return r;
}

int sj_strv(JsonObject *o, const char *parent, const char *key, char ***ret, berth_error **err)
{
        JsonNode *n = sj_member(o, key);
        if (!n)
                return 0;
        _cleanup_free_ char *p = sj_path(parent, key);
        if (!JSON_NODE_HOLDS_ARRAY(n))
                return berth_err(err, 0, "%s: must be an array of strings", p);
        JsonArray *a = json_node_get_array(n);
        guint len = json_array_get_length(a);
        _cleanup_strv_free_ char **v = xmalloc0((len + 1) * sizeof(char *));
        for (guint i = 0; i < len; i++) {
                JsonNode *e = json_array_get_element(a, i);
                if (node_value_type(e) != G_TYPE_STRING)
                        return berth_err(err, 0, "%s[%u]: must be a string", p, i);
                v[i] = xstrdup(json_node_get_string(e));
        }
        strv_free(*ret);
        *ret = TAKE_PTR(v);
        return 1;
}

void spec_kv_free(struct spec_kv *kv, size_t n)
{
        for (size_t i = 0; kv && i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

int sj_string_map(JsonObject *o, const char *parent, const char *key, struct spec_kv **ret, size_t *ret_n,
                  berth_error **err)
{
        JsonObject *m = NULL;
        int r = sj_object(o, parent, key, &m, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *p = sj_path(parent, key);
        GList *members = json_object_get_members(m);
        size_t n = g_list_length(members), i = 0;
        struct spec_kv *kv = xmalloc0(n * sizeof(*kv));
        for (GList *l = members; l && r > 0; l = l->next, i++) {
                const char *name = l->data;
                JsonNode *v = json_object_get_member(m, name);
                kv[i].key = xstrdup(name);
                if (node_value_type(v) != G_TYPE_STRING)
                        r = berth_err(err, 0, "%s[\"%s\"]: must be a string", p, name);
                else
                        kv[i].value = xstrdup(json_node_get_string(v));
        }
        g_list_free(members);
        if (r < 0) {
                spec_kv_free(kv, n);
                return r;
        }
        spec_kv_free(*ret, *ret_n);
        *ret = kv;
        *ret_n = n;
        return 1;
}

int sj_id_mappings(JsonObject *o, const char *parent, const char *key, struct spec_id_mapping **ret,
                   size_t *ret_n, berth_error **err)
{
        JsonArray *a = NULL;
        int r = sj_array(o, parent, key, &a, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *base = sj_path(parent, key);
        size_t n = json_array_get_length(a);
        _cleanup_free_ struct spec_id_mapping *maps = xmalloc0(n * sizeof(*maps));
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = sj_path_index(base, i);
                JsonObject *e = NULL;
                r = sj_node_object(json_array_get_element(a, i), p, &e, err);
                if (r < 0)
                        return r;
                static const char *const fields[] = {"containerID", "hostID", "size"};
                uint32_t *dst[] = {&maps[i].container_id, &maps[i].host_id, &maps[i].size};
                for (size_t f = 0; f < ELEMENTSOF(fields); f++) {
                        r = sj_uint32(e, p, fields[f], dst[f], err);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                return sj_missing(err, p, fields[f]);
                }
        }
        free(*ret);
        *ret = TAKE_PTR(maps);
        *ret_n = n;
        return 1;
}

/* ---- process ----------------------------------------------------------------------------------------- */

static const struct {
        const char *name;
        uint64_t flag;
} sched_flag_table[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static int parse_user(JsonObject *po, const char *ppath, struct spec_user *u, berth_error **err)
{
        JsonObject *o = NULL;
        int r = sj_object(po, ppath, "user", &o, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *path = sj_path(ppath, "user");
        if ((r = sj_uint32(o, path, "uid", &u->uid, err)) < 0 ||
            (r = sj_uint32(o, path, "gid", &u->gid, err)) < 0)
                return r;
        r = sj_uint32(o, path, "umask", &u->umask, err);
        if (r < 0)
                return r;
        u->has_umask = r > 0;

        JsonArray *a = NULL;
        r = sj_array(o, path, "additionalGids", &a, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *gpath = sj_path(path, "additionalGids");
        size_t n = json_array_get_length(a);
        u->additional_gids = xmalloc0(n * sizeof(uint32_t));
        u->n_additional_gids = n;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = sj_path_index(gpath, i);
                r = sj_node_uint32(json_array_get_element(a, i), p, &u->additional_gids[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_cap_set(JsonObject *o, const char *path, const char *key, uint64_t *ret, berth_error **err)
{
        _cleanup_strv_free_ char **names = NULL;
        int r = sj_strv(o, path, key, &names, err);
        if (r <= 0)
                return r;
        uint64_t mask = 0;
        for (size_t i = 0; names[i]; i++) {
                int c = cap_from_name(names[i]);
                if (c < 0 || c > 63) {
                        _cleanup_free_ char *p = sj_path(path, key);
                        return berth_err(err, 0, "%s[%zu]: unknown capability \"%s\"", p, i, names[i]);
                }
                mask |= UINT64_C(1) << c;
        }
        *ret = mask;
        return 1;
}

static int parse_capabilities(JsonObject *po, const char *ppath, struct spec_process *p, berth_error **err)
{
        JsonObject *o = NULL;
        int r = sj_object(po, ppath, "capabilities", &o, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *path = sj_path(ppath, "capabilities");
        struct spec_capabilities *c = &p->capabilities;
        p->has_capabilities = true;
        if ((r = parse_cap_set(o, path, "bounding", &c->bounding, err)) < 0 ||
            (r = parse_cap_set(o, path, "effective", &c->effective, err)) < 0 ||
            (r = parse_cap_set(o, path, "inheritable", &c->inheritable, err)) < 0 ||
            (r = parse_cap_set(o, path, "permitted", &c->permitted, err)) < 0 ||
            (r = parse_cap_set(o, path, "ambient", &c->ambient, err)) < 0)
                return r;
        return 0;
}

static int parse_rlimits(JsonObject *po, const char *ppath, struct spec_process *p, berth_error **err)
{
        JsonArray *a = NULL;
        int r = sj_array(po, ppath, "rlimits", &a, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *base = sj_path(ppath, "rlimits");
        size_t n = json_array_get_length(a);
        p->rlimits = xmalloc0(n * sizeof(struct spec_rlimit));
        for (size_t i = 0; i < n; i++) {
                struct spec_rlimit *rl = &p->rlimits[i];
                _cleanup_free_ char *path = sj_path_index(base, i);
                JsonObject *o = NULL;
                if ((r = sj_node_object(json_array_get_element(a, i), path, &o, err)) < 0)
                        return r;
                p->n_rlimits = i + 1;
                r = sj_string(o, path, "type", &rl->type, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        return sj_missing(err, path, "type");
                rl->resource = rlimit_from_string(rl->type);
                if (rl->resource < 0)
                        return berth_err(err, 0, "%s.type: unknown rlimit \"%s\"", path, rl->type);
                if ((r = sj_uint64(o, path, "hard", &rl->hard, err)) < 0 ||
                    (r = sj_uint64(o, path, "soft", &rl->soft, err)) < 0)
                        return r;
        }
        return 0;
}

static int parse_scheduler(JsonObject *po, const char *ppath, struct spec_process *p, berth_error **err)
{
        JsonObject *o = NULL;
        int r = sj_object(po, ppath, "scheduler", &o, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *path = sj_path(ppath, "scheduler");
        struct spec_scheduler *s = &p->scheduler;
        p->has_scheduler = true;
        r = sj_string(o, path, "policy", &s->policy, err);
        if (r < 0)
                return r;
        if (r == 0)
                return sj_missing(err, path, "policy");
        s->policy_value = sched_policy_from_string(s->policy);
        if (s->policy_value < 0)
                return berth_err(err, 0, "%s.policy: unknown policy \"%s\"", path, s->policy);
        if ((r = sj_int32(o, path, "nice", &s->nice, err)) < 0 ||
            (r = sj_int32(o, path, "priority", &s->priority, err)) < 0 ||
            (r = sj_uint64(o, path, "runtime", &s->runtime, err)) < 0 ||
            (r = sj_uint64(o, path, "deadline", &s->deadline, err)) < 0 ||
            (r = sj_uint64(o, path, "period", &s->period, err)) < 0)
                return r;

        _cleanup_strv_free_ char **flags = NULL;
        if ((r = sj_strv(o, path, "flags", &flags, err)) < 0)
                return r;
        for (size_t i = 0; flags && flags[i]; i++) {
                size_t j;
                for (j = 0; j < ELEMENTSOF(sched_flag_table); j++)
                        if (STREQ(flags[i], sched_flag_table[j].name))
                                break;
                if (j == ELEMENTSOF(sched_flag_table))
                        return berth_err(err, 0, "%s.flags[%zu]: unknown flag \"%s\"", path, i, flags[i]);
                s->flags |= sched_flag_table[j].flag;
        }
        return 0;
}

static int parse_io_priority(JsonObject *po, const char *ppath, struct spec_process *p, berth_error **err)
{
        JsonObject *o = NULL;
        int r = sj_object(po, ppath, "ioPriority", &o, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *path = sj_path(ppath, "ioPriority");
        struct spec_io_priority *io = &p->io_priority;
        p->has_io_priority = true;
        r = sj_string(o, path, "class", &io->class_name, err);
        if (r < 0)
                return r;
        if (r == 0)
                return sj_missing(err, path, "class");
        io->class_value = ioprio_class_from_string(io->class_name);
        if (io->class_value < 0)
                return berth_err(err, 0, "%s.class: unknown class \"%s\"", path, io->class_name);
        int64_t prio = 0;
        if ((r = sj_int64(o, path, "priority", INT_MIN, INT_MAX, &prio, err)) < 0)
                return r;
        io->priority = (int)prio;
        return 0;
}

/* process.args keeps one message for every malformed shape (see spec_validate_process for empty). */
static int parse_args(JsonObject *o, const char *path, char ***ret, berth_error **err)
{
        JsonNode *n = sj_member(o, "args");
        if (n && !JSON_NODE_HOLDS_ARRAY(n)) {
                _cleanup_free_ char *p = sj_path(path, "args");
                return berth_err(err, 0, "%s: must be a non-empty array of strings", p);
        }
        return sj_strv(o, path, "args", ret, err);
}

int spec_parse_process_object(JsonObject *o, const char *path, struct spec_process **ret, berth_error **err)
{
        struct spec_process *p = xmalloc0(sizeof(*p));
        int r;

        if ((r = sj_bool(o, path, "terminal", &p->terminal, err)) < 0)
                goto fail;

        JsonObject *cs = NULL;
        if ((r = sj_object(o, path, "consoleSize", &cs, err)) < 0)
                goto fail;
        if (r > 0) {
                _cleanup_free_ char *cpath = sj_path(path, "consoleSize");
                uint32_t h = 0, w = 0;
                if ((r = sj_uint32(cs, cpath, "height", &h, err)) < 0 ||
                    (r = sj_uint32(cs, cpath, "width", &w, err)) < 0)
                        goto fail;
                p->has_console_size = true;
                p->console_size.height = h;
                p->console_size.width = w;
        }

        if ((r = parse_user(o, path, &p->user, err)) < 0 || (r = parse_args(o, path, &p->args, err)) < 0 ||
            (r = sj_string(o, path, "commandLine", &p->command_line, err)) < 0 ||
            (r = sj_strv(o, path, "env", &p->env, err)) < 0 ||
            (r = sj_string(o, path, "cwd", &p->cwd, err)) < 0 ||
            (r = parse_capabilities(o, path, p, err)) < 0 || (r = parse_rlimits(o, path, p, err)) < 0 ||
            (r = sj_bool(o, path, "noNewPrivileges", &p->no_new_privileges, err)) < 0 ||
            (r = sj_string(o, path, "apparmorProfile", &p->apparmor_profile, err)) < 0 ||
            (r = sj_string(o, path, "selinuxLabel", &p->selinux_label, err)) < 0 ||
            (r = parse_scheduler(o, path, p, err)) < 0 || (r = parse_io_priority(o, path, p, err)) < 0)
                goto fail;

        int64_t oom = 0;
        if ((r = sj_int64(o, path, "oomScoreAdj", -1000, 1000, &oom, err)) < 0)
                goto fail;
        p->has_oom_score_adj = r > 0;
        p->oom_score_adj = (int)oom;

        *ret = p;
        return 0;
fail:
        spec_process_free(p);
        return r;
}

void spec_process_free(struct spec_process *p)
{
        if (!p)
                return;
        free(p->user.additional_gids);
        strv_free(p->args);
        free(p->command_line);
        strv_free(p->env);
        free(p->cwd);
        for (size_t i = 0; i < p->n_rlimits; i++)
                free(p->rlimits[i].type);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
        free(p->scheduler.policy);
        free(p->io_priority.class_name);
        free(p);
}

/* ---- mounts and hooks -------------------------------------------------------------------------------- */

static int parse_mounts(JsonObject *root, struct spec *s, berth_error **err)
{
        JsonArray *a = NULL;
        int r = sj_array(root, "", "mounts", &a, err);
        if (r <= 0)
                return r;
        size_t n = json_array_get_length(a);
        s->mounts = xmalloc0(n * sizeof(struct spec_mount));
        for (size_t i = 0; i < n; i++) {
                struct spec_mount *m = &s->mounts[i];
                _cleanup_free_ char *path = sj_path_index("mounts", i);
                JsonObject *o = NULL;
                if ((r = sj_node_object(json_array_get_element(a, i), path, &o, err)) < 0)
                        return r;
                s->n_mounts = i + 1;
                r = sj_string(o, path, "destination", &m->destination, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        return sj_missing(err, path, "destination");
                if ((r = sj_string(o, path, "type", &m->type, err)) < 0 ||
                    (r = sj_string(o, path, "source", &m->source, err)) < 0 ||
                    (r = sj_strv(o, path, "options", &m->options, err)) < 0 ||
                    (r = sj_id_mappings(o, path, "uidMappings", &m->uid_mappings, &m->n_uid_mappings, err)) <
                        0 ||
                    (r = sj_id_mappings(o, path, "gidMappings", &m->gid_mappings, &m->n_gid_mappings, err)) <
                        0)
                        return r;
                if ((r = mount_opts_parse_path(m, path, err)) < 0)
                        return r;
        }
        return 0;
}

const char *hook_stage_to_string(enum hook_stage st)
{
        static const char *const names[_HOOK_STAGE_MAX] = {
            [HOOK_PRESTART] = "prestart",
            [HOOK_CREATE_RUNTIME] = "createRuntime",
            [HOOK_CREATE_CONTAINER] = "createContainer",
            [HOOK_START_CONTAINER] = "startContainer",
            [HOOK_POSTSTART] = "poststart",
            [HOOK_POSTSTOP] = "poststop",
        };
        return (unsigned)st < _HOOK_STAGE_MAX ? names[st] : NULL;
}

static int parse_hook_list(JsonObject *ho, enum hook_stage st, struct spec_hooks *h, berth_error **err)
{
        const char *name = hook_stage_to_string(st);
        JsonArray *a = NULL;
        int r = sj_array(ho, "hooks", name, &a, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *base = sj_path("hooks", name);
        size_t n = json_array_get_length(a);
        h->hooks[st] = xmalloc0(n * sizeof(struct spec_hook));
        for (size_t i = 0; i < n; i++) {
                struct spec_hook *hk = &h->hooks[st][i];
                _cleanup_free_ char *path = sj_path_index(base, i);
                JsonObject *o = NULL;
                if ((r = sj_node_object(json_array_get_element(a, i), path, &o, err)) < 0)
                        return r;
                h->n_hooks[st] = i + 1;
                r = sj_string(o, path, "path", &hk->path, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        return sj_missing(err, path, "path");
                if ((r = sj_strv(o, path, "args", &hk->args, err)) < 0 ||
                    (r = sj_strv(o, path, "env", &hk->env, err)) < 0)
                        return r;
                int64_t t = 0;
                if ((r = sj_int64(o, path, "timeout", INT_MIN, INT_MAX, &t, err)) < 0)
                        return r;
                hk->has_timeout = r > 0;
                hk->timeout = (int)t;
        }
        return 0;
}

static int parse_hooks(JsonObject *root, struct spec *s, berth_error **err)
{
        JsonObject *ho = NULL;
        int r = sj_object(root, "", "hooks", &ho, err);
        if (r <= 0)
                return r;
        for (enum hook_stage st = 0; st < _HOOK_STAGE_MAX; st++)
                if ((r = parse_hook_list(ho, st, &s->hooks, err)) < 0)
                        return r;
        return 0;
}

/* ---- document ---------------------------------------------------------------------------------------- */

int spec_json_object(const char *json, size_t len, const char *what, JsonParser **ret_parser,
                     JsonObject **ret, berth_error **err)
{
        _cleanup_json_parser_ JsonParser *parser = json_parser_new();
        GError *gerr = NULL;
        if (len > G_MAXSSIZE)
                return berth_err(err, EFBIG, "invalid JSON");
        if (!json_parser_load_from_data(parser, json, (gssize)len, &gerr)) {
                /* json-glib writes "<data>:LINE:COLUMN: Parse error: ..." */
                const char *m = gerr->message;
                if (startswith(m, "<data>:"))
                        m += strlen("<data>:");
                int rc = berth_err(err, 0, "invalid JSON: %s", m);
                g_error_free(gerr);
                return rc;
        }
        JsonNode *root = json_parser_get_root(parser);
        if (!root)
                return berth_err(err, 0, "invalid JSON: empty document");
        if (!JSON_NODE_HOLDS_OBJECT(root))
                return berth_err(err, 0, "invalid JSON: the document must be %s", what);
        *ret = json_node_get_object(root);
        *ret_parser = TAKE_PTR(parser);
        return 0;
}

static int parse_spec_object(JsonObject *root, struct spec *s, berth_error **err)
{
        int r;
        if ((r = sj_string(root, "", "ociVersion", &s->oci_version, err)) < 0)
                return r;

        JsonObject *ro = NULL;
        if ((r = sj_object(root, "", "root", &ro, err)) < 0)
                return r;
        if (r > 0 && ((r = sj_string(ro, "root", "path", &s->root_path, err)) < 0 ||
                      (r = sj_bool(ro, "root", "readonly", &s->root_readonly, err)) < 0))
                return r;

        JsonObject *po = NULL;
        if ((r = sj_object(root, "", "process", &po, err)) < 0)
                return r;
        if (r > 0 && (r = spec_parse_process_object(po, "process", &s->process, err)) < 0)
                return r;

        if ((r = sj_string(root, "", "hostname", &s->hostname, err)) < 0 ||
            (r = sj_string(root, "", "domainname", &s->domainname, err)) < 0 ||
            (r = parse_mounts(root, s, err)) < 0 || (r = parse_hooks(root, s, err)) < 0 ||
            (r = sj_string_map(root, "", "annotations", &s->annotations, &s->n_annotations, err)) < 0)
                return r;

        JsonObject *lo = NULL;
        if ((r = sj_object(root, "", "linux", &lo, err)) < 0)
                return r;
        if (r > 0 && (r = spec_parse_linux(lo, s, err)) < 0)
                return r;
        return 0;
}

int spec_parse(const char *json, size_t len, struct spec **ret, berth_error **err)
{
        _cleanup_json_parser_ JsonParser *parser = NULL;
        JsonObject *root = NULL;
        int r = spec_json_object(json, len, "an object", &parser, &root, err);
        if (r < 0)
                return r;
        _cleanup_spec_ struct spec *s = xmalloc0(sizeof(*s));
        if ((r = parse_spec_object(root, s, err)) < 0 || (r = spec_validate(s, err)) < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

int spec_parse_process(const char *json, size_t len, struct spec_process **ret, berth_error **err)
{
        _cleanup_json_parser_ JsonParser *parser = NULL;
        JsonObject *root = NULL;
        struct spec_process *p = NULL;
        int r = spec_json_object(json, len, "an object", &parser, &root, err);
        if (r < 0)
                return r;
        if ((r = spec_parse_process_object(root, "", &p, err)) < 0)
                return r;
        if ((r = spec_validate_process(p, "", err)) < 0) {
                spec_process_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

/* ---- bundle ------------------------------------------------------------------------------------------ */

/* Joins base and path (path may be absolute) and cleans the result lexically: no "//", "." or ".."
 * components, no trailing slash. */
static char *path_join_clean(const char *base, const char *path)
{
        _cleanup_free_ char *joined = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", base, path);
        size_t len = strlen(joined);
        char *out = xmalloc0(len + 2);
        size_t o = 0;
        for (const char *p = joined; *p;) {
                while (*p == '/')
                        p++;
                const char *end = strchrnul(p, '/');
                size_t n = (size_t)(end - p);
                if (n == 0 || (n == 1 && p[0] == '.')) {
                        /* skip */
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        while (o > 0 && out[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--;
                } else {
                        out[o++] = '/';
                        memcpy(out + o, p, n);
                        o += n;
                }
                p = end;
        }
        if (o == 0)
                out[o++] = '/';
        out[o] = 0;
        return out;
}

int spec_load(const char *bundle, struct spec **ret, berth_error **err)
{
        _cleanup_free_ char *cwd = NULL;
        if (!bundle || !*bundle)
                bundle = ".";
        if (bundle[0] != '/') {
                cwd = getcwd(NULL, 0);
                if (!cwd)
                        return berth_err(err, errno, "config.json: cannot resolve the bundle path %s",
                                         bundle);
        }
        _cleanup_free_ char *abs_bundle = path_join_clean(cwd ? cwd : "/", bundle);
        _cleanup_free_ char *config = path_join_clean(abs_bundle, "config.json");

        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = read_file(config, 0, &data, &len);
        if (r < 0)
                return berth_err(err, -r, "config.json: cannot read %s", config);

        _cleanup_spec_ struct spec *s = NULL;
        if ((r = spec_parse(data, len, &s, err)) < 0)
                return berth_err_prefix(err, "config.json");

        s->bundle = TAKE_PTR(abs_bundle);
        s->config_text = TAKE_PTR(data);
        s->config_len = len;
        s->rootfs = path_join_clean(s->bundle, s->root_path);
        struct stat st;
        if (stat(s->rootfs, &st) < 0)
                return berth_err(err, errno, "config.json: root.path: %s", s->rootfs);
        if (!S_ISDIR(st.st_mode))
                return berth_err(err, ENOTDIR, "config.json: root.path: %s", s->rootfs);

        *ret = TAKE_PTR(s);
        return 0;
}

void spec_free(struct spec *s)
{
        if (!s)
                return;
        free(s->oci_version);
        free(s->config_text);
        free(s->root_path);
        spec_process_free(s->process);
        free(s->hostname);
        free(s->domainname);
        for (size_t i = 0; i < s->n_mounts; i++) {
                struct spec_mount *m = &s->mounts[i];
                free(m->destination);
                free(m->type);
                free(m->source);
                strv_free(m->options);
                free(m->data);
                free(m->uid_mappings);
                free(m->gid_mappings);
        }
        free(s->mounts);
        for (enum hook_stage st = 0; st < _HOOK_STAGE_MAX; st++) {
                for (size_t i = 0; i < s->hooks.n_hooks[st]; i++) {
                        free(s->hooks.hooks[st][i].path);
                        strv_free(s->hooks.hooks[st][i].args);
                        strv_free(s->hooks.hooks[st][i].env);
                }
                free(s->hooks.hooks[st]);
        }
        spec_kv_free(s->annotations, s->n_annotations);
        spec_linux_free(s->linux);
        free(s->bundle);
        free(s->rootfs);
        free(s);
}

const char *spec_annotation(const struct spec *s, const char *key)
{
        for (size_t i = 0; s && i < s->n_annotations; i++)
                if (STREQ(s->annotations[i].key, key))
                        return s->annotations[i].value;
        return NULL;
}

const struct spec_namespace *spec_namespace(const struct spec *s, enum ns_type t)
{
        if (!s || !s->linux)
                return NULL;
        for (size_t i = 0; i < s->linux->n_namespaces; i++)
                if (s->linux->namespaces[i].type == t)
                        return &s->linux->namespaces[i];
        return NULL;
}
