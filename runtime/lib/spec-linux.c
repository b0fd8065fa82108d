/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "linux" object of config.json, and the name tables of spec.h (namespaces, seccomp). */
#include <inttypes.h>
#include <sched.h>
#include <sys/personality.h>

#include "mount-opts.h"
#include "spec-internal.h"
#include "spec.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* ---- name tables ------------------------------------------------------------------------------------- */

static const struct {
        const char *oci, *proc;
        int flag;
} ns_table[_NS_TYPE_MAX] = {
    [NS_USER] = {"user", "user", CLONE_NEWUSER},
    [NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [NS_NET] = {"network", "net", CLONE_NEWNET},
    [NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
    [NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

int ns_type_from_string(const char *s)
{
        for (int t = 0; s && t < _NS_TYPE_MAX; t++)
                if (STREQ(ns_table[t].oci, s))
                        return t;
        return -1;
}

const char *ns_type_to_string(enum ns_type t)
{
        return (unsigned)t < _NS_TYPE_MAX ? ns_table[t].oci : NULL;
}

int ns_type_clone_flag(enum ns_type t)
{
        return (unsigned)t < _NS_TYPE_MAX ? ns_table[t].flag : 0;
}

const char *ns_type_proc_name(enum ns_type t)
{
        return (unsigned)t < _NS_TYPE_MAX ? ns_table[t].proc : NULL;
}

static const char *const seccomp_action_names[_SECCOMP_ACT_MAX] = {
    [SECCOMP_ACT_KILL] = "SCMP_ACT_KILL",
    [SECCOMP_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [SECCOMP_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [SECCOMP_ACT_TRAP] = "SCMP_ACT_TRAP",
    [SECCOMP_ACT_ERRNO] = "SCMP_ACT_ERRNO",
    [SECCOMP_ACT_TRACE] = "SCMP_ACT_TRACE",
    [SECCOMP_ACT_ALLOW] = "SCMP_ACT_ALLOW",
    [SECCOMP_ACT_LOG] = "SCMP_ACT_LOG",
    [SECCOMP_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
};

int seccomp_action_from_string(const char *s)
{
        for (int a = 0; s && a < _SECCOMP_ACT_MAX; a++)
                if (STREQ(seccomp_action_names[a], s))
                        return a;
        return -1;
}

const char *seccomp_action_to_string(enum seccomp_action a)
{
        return (unsigned)a < _SECCOMP_ACT_MAX ? seccomp_action_names[a] : NULL;
}

static const char *const seccomp_op_names[_SECCOMP_OP_MAX] = {
    [SECCOMP_OP_NE] = "SCMP_CMP_NE",
    [SECCOMP_OP_LT] = "SCMP_CMP_LT",
    [SECCOMP_OP_LE] = "SCMP_CMP_LE",
    [SECCOMP_OP_EQ] = "SCMP_CMP_EQ",
    [SECCOMP_OP_GE] = "SCMP_CMP_GE",
    [SECCOMP_OP_GT] = "SCMP_CMP_GT",
    [SECCOMP_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

int seccomp_op_from_string(const char *s)
{
        for (int o = 0; s && o < _SECCOMP_OP_MAX; o++)
                if (STREQ(seccomp_op_names[o], s))
                        return o;
        return -1;
}

const char *seccomp_op_to_string(enum seccomp_op o)
{
        return (unsigned)o < _SECCOMP_OP_MAX ? seccomp_op_names[o] : NULL;
}

/* ---- helpers ----------------------------------------------------------------------------------------- */

/* Iterates over the objects of an optional array member: sets *ret_array, *ret_n and *ret_base (the
 * array's path); returns 0 when absent. */
static int object_array(JsonObject *o, const char *parent, const char *key, JsonArray **ret_array,
                        size_t *ret_n, char **ret_base, berth_error **err)
{
        int r = sj_array(o, parent, key, ret_array, err);
        if (r <= 0)
                return r;
        *ret_n = json_array_get_length(*ret_array);
        *ret_base = sj_path(parent, key);
        return 1;
}

static int element_object(JsonArray *a, const char *base, size_t i, char **ret_path, JsonObject **ret,
                          berth_error **err)
{
        *ret_path = sj_path_index(base, i);
        return sj_node_object(json_array_get_element(a, i), *ret_path, ret, err);
}

static int required_string(JsonObject *o, const char *path, const char *key, char **ret, berth_error **err)
{
        int r = sj_string(o, path, key, ret, err);
        if (r == 0)
                return sj_missing(err, path, key);
        return r < 0 ? r : 0;
}

static int required_int64(JsonObject *o, const char *path, const char *key, int64_t *ret, berth_error **err)
{
        int r = sj_int64(o, path, key, INT64_MIN, INT64_MAX, ret, err);
        if (r == 0)
                return sj_missing(err, path, key);
        return r < 0 ? r : 0;
}

/* ---- namespaces, mappings, time offsets, devices ----------------------------------------------------- */

static int parse_namespaces(JsonObject *lo, struct spec_linux *l, berth_error **err)
{
        JsonArray *a = NULL;
        size_t n = 0;
        _cleanup_free_ char *base = NULL;
        int r = object_array(lo, "linux", "namespaces", &a, &n, &base, err);
        if (r <= 0)
                return r;
        l->namespaces = xmalloc0(n * sizeof(struct spec_namespace));
        for (size_t i = 0; i < n; i++) {
                struct spec_namespace *ns = &l->namespaces[i];
                _cleanup_free_ char *path = NULL, *type = NULL;
                JsonObject *o = NULL;
                if ((r = element_object(a, base, i, &path, &o, err)) < 0 ||
                    (r = required_string(o, path, "type", &type, err)) < 0)
                        return r;
                int t = ns_type_from_string(type);
                if (t < 0)
                        return berth_err(err, 0, "%s.type: unknown namespace \"%s\"", path, type);
                ns->type = (enum ns_type)t;
                l->n_namespaces = i + 1;
                if ((r = sj_string(o, path, "path", &ns->path, err)) < 0)
                        return r;
        }
        return 0;
}

static int parse_time_offsets(JsonObject *lo, struct spec_linux *l, berth_error **err)
{
        JsonObject *o = NULL;
        int r = sj_object(lo, "linux", "timeOffsets", &o, err);
        if (r <= 0)
                return r;
        l->has_time_offsets = true;
        GList *members = json_object_get_members(o);
        for (GList *m = members; m && r >= 0; m = m->next) {
                const char *clock = m->data;
                _cleanup_free_ char *path = xasprintf("linux.timeOffsets.%s", clock);
                struct spec_time_offset *off = STREQ(clock, "monotonic")  ? &l->time_monotonic
                                               : STREQ(clock, "boottime") ? &l->time_boottime
                                                                          : NULL;
                if (!off) {
                        r = berth_err(err, 0, "%s: unknown clock (only monotonic and boottime can be offset)",
                                      path);
                        break;
                }
                JsonObject *co = NULL;
                if ((r = sj_node_object(json_object_get_member(o, clock), path, &co, err)) < 0 ||
                    (r = sj_int64(co, path, "secs", INT64_MIN, INT64_MAX, &off->secs, err)) < 0)
                        break;
                int64_t ns = 0;
                r = sj_int64(co, path, "nanosecs", 0, 999999999, &ns, err);
                off->nanosecs = (uint32_t)ns;
        }
        g_list_free(members);
        return r < 0 ? r : 0;
}

static int parse_devices(JsonObject *lo, struct spec_linux *l, berth_error **err)
{
        JsonArray *a = NULL;
        size_t n = 0;
        _cleanup_free_ char *base = NULL;
        int r = object_array(lo, "linux", "devices", &a, &n, &base, err);
        if (r <= 0)
                return r;
        l->devices = xmalloc0(n * sizeof(struct spec_device));
        for (size_t i = 0; i < n; i++) {
                struct spec_device *d = &l->devices[i];
                _cleanup_free_ char *path = NULL, *type = NULL;
                JsonObject *o = NULL;
                if ((r = element_object(a, base, i, &path, &o, err)) < 0)
                        return r;
                l->n_devices = i + 1;
                if ((r = required_string(o, path, "path", &d->path, err)) < 0 ||
                    (r = required_string(o, path, "type", &type, err)) < 0)
                        return r;
                if (strlen(type) != 1 || !strchr("cbup", type[0]))
                        return berth_err(err, 0, "%s.type: unknown device type \"%s\" (must be c, b, u or p)",
                                         path, type);
                d->type = type[0];
                if (d->type != 'p') {
                        if ((r = required_int64(o, path, "major", &d->major, err)) < 0 ||
                            (r = required_int64(o, path, "minor", &d->minor, err)) < 0)
                                return r;
                } else if ((r = sj_int64(o, path, "major", INT64_MIN, INT64_MAX, &d->major, err)) < 0 ||
                           (r = sj_int64(o, path, "minor", INT64_MIN, INT64_MAX, &d->minor, err)) < 0)
                        return r;
                if ((r = sj_uint32(o, path, "fileMode", &d->file_mode, err)) < 0)
                        return r;
                d->has_file_mode = r > 0;
                if ((r = sj_uint32(o, path, "uid", &d->uid, err)) < 0)
                        return r;
                d->has_uid = r > 0;
                if ((r = sj_uint32(o, path, "gid", &d->gid, err)) < 0)
                        return r;
                d->has_gid = r > 0;
        }
        return 0;
}

/* ---- resources --------------------------------------------------------------------------------------- */

static int parse_device_cgroup(JsonObject *ro, const char *rpath, struct spec_resources *res,
                               berth_error **err)
{
        JsonArray *a = NULL;
        size_t n = 0;
        _cleanup_free_ char *base = NULL;
        int r = object_array(ro, rpath, "devices", &a, &n, &base, err);
        if (r <= 0)
                return r;
        res->devices = xmalloc0(n * sizeof(struct spec_device_cgroup));
        for (size_t i = 0; i < n; i++) {
                struct spec_device_cgroup *d = &res->devices[i];
                _cleanup_free_ char *path = NULL, *type = NULL;
                JsonObject *o = NULL;
                if ((r = element_object(a, base, i, &path, &o, err)) < 0)
                        return r;
                res->n_devices = i + 1;
                r = sj_bool(o, path, "allow", &d->allow, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        return sj_missing(err, path, "allow");
                if ((r = sj_string(o, path, "type", &type, err)) < 0)
                        return r;
                if (type && (strlen(type) != 1 || !strchr("acb", type[0])))
                        return berth_err(err, 0, "%s.type: unknown device type \"%s\" (must be a, c or b)",
                                         path, type);
                d->type = type ? type[0] : 0;
                if ((r = sj_int64(o, path, "major", INT64_MIN, INT64_MAX, &d->major, err)) < 0)
                        return r;
                d->has_major = r > 0;
                if ((r = sj_int64(o, path, "minor", INT64_MIN, INT64_MAX, &d->minor, err)) < 0)
                        return r;
                d->has_minor = r > 0;
                if ((r = sj_string(o, path, "access", &d->access, err)) < 0)
                        return r;
                if (d->access && strspn(d->access, "rwm") != strlen(d->access))
                        return berth_err(err, 0, "%s.access: \"%s\" must be made of r, w and m", path,
                                         d->access);
        }
        return 0;
}

#define OPT_I64(o, p, key, field, hasfield)                                                                  \
        do {                                                                                                 \
                int _r = sj_int64((o), (p), (key), INT64_MIN, INT64_MAX, &(field), err);                     \
                if (_r < 0)                                                                                  \
                        return _r;                                                                           \
                (hasfield) = _r > 0;                                                                         \
        } while (0)
#define OPT_U64(o, p, key, field, hasfield)                                                                  \
        do {                                                                                                 \
                int _r = sj_uint64((o), (p), (key), &(field), err);                                          \
                if (_r < 0)                                                                                  \
                        return _r;                                                                           \
                (hasfield) = _r > 0;                                                                         \
        } while (0)
#define OPT_BOOL(o, p, key, field, hasfield)                                                                 \
        do {                                                                                                 \
                int _r = sj_bool((o), (p), (key), &(field), err);                                            \
                if (_r < 0)                                                                                  \
                        return _r;                                                                           \
                (hasfield) = _r > 0;                                                                         \
        } while (0)
#define OPT_U16(o, p, key, field, hasfield)                                                                  \
        do {                                                                                                 \
                int _r = sj_uint16((o), (p), (key), &(field), err);                                          \
                if (_r < 0)                                                                                  \
                        return _r;                                                                           \
                (hasfield) = _r > 0;                                                                         \
        } while (0)

static int parse_memory(JsonObject *ro, const char *rpath, struct spec_resources *res, berth_error **err)
{
        JsonObject *o = NULL;
        int r = sj_object(ro, rpath, "memory", &o, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *p = sj_path(rpath, "memory");
        __typeof__(res->memory) *m = &res->memory;
        OPT_I64(o, p, "limit", m->limit, m->has_limit);
        OPT_I64(o, p, "reservation", m->reservation, m->has_reservation);
        OPT_I64(o, p, "swap", m->swap, m->has_swap);
        OPT_I64(o, p, "kernel", m->kernel, m->has_kernel);
        OPT_I64(o, p, "kernelTCP", m->kernel_tcp, m->has_kernel_tcp);
        OPT_U64(o, p, "swappiness", m->swappiness, m->has_swappiness);
        OPT_BOOL(o, p, "disableOOMKiller", m->disable_oom_killer, m->has_disable_oom_killer);
        OPT_BOOL(o, p, "useHierarchy", m->use_hierarchy, m->has_use_hierarchy);
        OPT_BOOL(o, p, "checkBeforeUpdate", m->check_before_update, m->has_check_before_update);
        return 0;
}

static int parse_cpu(JsonObject *ro, const char *rpath, struct spec_resources *res, berth_error **err)
{
        JsonObject *o = NULL;
        int r = sj_object(ro, rpath, "cpu", &o, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *p = sj_path(rpath, "cpu");
        __typeof__(res->cpu) *c = &res->cpu;
        OPT_U64(o, p, "shares", c->shares, c->has_shares);
        OPT_I64(o, p, "quota", c->quota, c->has_quota);
        OPT_U64(o, p, "burst", c->burst, c->has_burst);
        OPT_U64(o, p, "period", c->period, c->has_period);
        OPT_I64(o, p, "realtimeRuntime", c->realtime_runtime, c->has_realtime_runtime);
        OPT_U64(o, p, "realtimePeriod", c->realtime_period, c->has_realtime_period);
        OPT_I64(o, p, "idle", c->idle, c->has_idle);
        if ((r = sj_string(o, p, "cpus", &c->cpus, err)) < 0 ||
            (r = sj_string(o, p, "mems", &c->mems, err)) < 0)
                return r;
        return 0;
}

static int parse_throttle(JsonObject *bo, const char *bpath, const char *key,
                          struct spec_throttle_device **ret, size_t *ret_n, berth_error **err)
{
        JsonArray *a = NULL;
        size_t n = 0;
        _cleanup_free_ char *base = NULL;
        int r = object_array(bo, bpath, key, &a, &n, &base, err);
        if (r <= 0)
                return r;
        *ret = xmalloc0(n * sizeof(struct spec_throttle_device));
        *ret_n = n;
        for (size_t i = 0; i < n; i++) {
                struct spec_throttle_device *t = &(*ret)[i];
                _cleanup_free_ char *path = NULL;
                JsonObject *o = NULL;
                if ((r = element_object(a, base, i, &path, &o, err)) < 0 ||
                    (r = required_int64(o, path, "major", &t->major, err)) < 0 ||
                    (r = required_int64(o, path, "minor", &t->minor, err)) < 0)
                        return r;
                r = sj_uint64(o, path, "rate", &t->rate, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        return sj_missing(err, path, "rate");
        }
        return 0;
}

static int parse_block_io(JsonObject *ro, const char *rpath, struct spec_resources *res, berth_error **err)
{
        JsonObject *o = NULL;
        int r = sj_object(ro, rpath, "blockIO", &o, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *p = sj_path(rpath, "blockIO");
        __typeof__(res->block_io) *b = &res->block_io;
        OPT_U16(o, p, "weight", b->weight, b->has_weight);
        OPT_U16(o, p, "leafWeight", b->leaf_weight, b->has_leaf_weight);

        JsonArray *a = NULL;
        size_t n = 0;
        _cleanup_free_ char *base = NULL;
        if ((r = object_array(o, p, "weightDevice", &a, &n, &base, err)) < 0)
                return r;
        if (r > 0) {
                b->weight_device = xmalloc0(n * sizeof(struct spec_weight_device));
                b->n_weight_device = n;
        }
        for (size_t i = 0; i < n; i++) {
                struct spec_weight_device *w = &b->weight_device[i];
                _cleanup_free_ char *path = NULL;
                JsonObject *wo = NULL;
                if ((r = element_object(a, base, i, &path, &wo, err)) < 0 ||
                    (r = required_int64(wo, path, "major", &w->major, err)) < 0 ||
                    (r = required_int64(wo, path, "minor", &w->minor, err)) < 0)
                        return r;
                OPT_U16(wo, path, "weight", w->weight, w->has_weight);
                OPT_U16(wo, path, "leafWeight", w->leaf_weight, w->has_leaf_weight);
        }

        if ((r = parse_throttle(o, p, "throttleReadBpsDevice", &b->throttle_read_bps, &b->n_throttle_read_bps,
                                err)) < 0 ||
            (r = parse_throttle(o, p, "throttleWriteBpsDevice", &b->throttle_write_bps,
                                &b->n_throttle_write_bps, err)) < 0 ||
            (r = parse_throttle(o, p, "throttleReadIOPSDevice", &b->throttle_read_iops,
                                &b->n_throttle_read_iops, err)) < 0 ||
            (r = parse_throttle(o, p, "throttleWriteIOPSDevice", &b->throttle_write_iops,
                                &b->n_throttle_write_iops, err)) < 0)
                return r;
        return 0;
}

static int parse_hugepages(JsonObject *ro, const char *rpath, struct spec_resources *res, berth_error **err)
{
        JsonArray *a = NULL;
        size_t n = 0;
        _cleanup_free_ char *base = NULL;
        int r = object_array(ro, rpath, "hugepageLimits", &a, &n, &base, err);
        if (r <= 0)
                return r;
        res->hugepage_limits = xmalloc0(n * sizeof(struct spec_hugepage_limit));
        for (size_t i = 0; i < n; i++) {
                struct spec_hugepage_limit *h = &res->hugepage_limits[i];
                _cleanup_free_ char *path = NULL;
                JsonObject *o = NULL;
                if ((r = element_object(a, base, i, &path, &o, err)) < 0)
                        return r;
                res->n_hugepage_limits = i + 1;
                if ((r = required_string(o, path, "pageSize", &h->page_size, err)) < 0)
                        return r;
                r = sj_uint64(o, path, "limit", &h->limit, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        return sj_missing(err, path, "limit");
        }
        return 0;
}

static int parse_network(JsonObject *ro, const char *rpath, struct spec_resources *res, berth_error **err)
{
        JsonObject *o = NULL;
        int r = sj_object(ro, rpath, "network", &o, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *p = sj_path(rpath, "network");
        if ((r = sj_uint32(o, p, "classID", &res->network.class_id, err)) < 0)
                return r;
        res->network.has_class_id = r > 0;

        JsonArray *a = NULL;
        size_t n = 0;
        _cleanup_free_ char *base = NULL;
        if ((r = object_array(o, p, "priorities", &a, &n, &base, err)) < 0)
                return r;
        res->network.has_priorities = r > 0 && n > 0;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL, *name = NULL;
                JsonObject *po = NULL;
                uint32_t prio = 0;
                if ((r = element_object(a, base, i, &path, &po, err)) < 0 ||
                    (r = required_string(po, path, "name", &name, err)) < 0 ||
                    (r = sj_uint32(po, path, "priority", &prio, err)) < 0)
                        return r;
        }
        return 0;
}

/* The members of a linux.resources object; p names it in messages ("linux.resources", or "" alone). */
static int parse_resources_object(JsonObject *o, const char *p, struct spec_resources *res, berth_error **err)
{
        int r;
        res->present = true;
        if ((r = parse_device_cgroup(o, p, res, err)) < 0 || (r = parse_memory(o, p, res, err)) < 0 ||
            (r = parse_cpu(o, p, res, err)) < 0)
                return r;

        JsonObject *po = NULL;
        if ((r = sj_object(o, p, "pids", &po, err)) < 0)
                return r;
        if (r > 0) {
                _cleanup_free_ char *pp = sj_path(p, "pids");
                int64_t limit = 0;
                if ((r = sj_int64(po, pp, "limit", INT64_MIN, INT64_MAX, &limit, err)) < 0)
                        return r;
                res->pids.has_limit = r > 0;
                res->pids.limit = limit;
        }

        if ((r = parse_block_io(o, p, res, err)) < 0 || (r = parse_hugepages(o, p, res, err)) < 0 ||
            (r = parse_network(o, p, res, err)) < 0 ||
            (r = sj_string_map(o, p, "unified", &res->unified, &res->n_unified, err)) < 0)
                return r;
        /* "rdma" is accepted and ignored: the features document says rdma: false. */
        return 0;
}

static int parse_resources(JsonObject *lo, struct spec_linux *l, berth_error **err)
{
        JsonObject *o = NULL;
        int r = sj_object(lo, "linux", "resources", &o, err);
        if (r <= 0)
                return r;
        return parse_resources_object(o, "linux.resources", &l->resources, err);
}

int spec_parse_resources(const char *json, size_t len, struct spec_resources *ret, berth_error **err)
{
        *ret = (struct spec_resources){};
        _cleanup_json_parser_ JsonParser *parser = NULL;
        JsonObject *root = NULL;
        int r = spec_json_object(json, len, "a linux.resources object", &parser, &root, err);
        if (r < 0)
                return r;
        r = parse_resources_object(root, "", ret, err);
        if (r < 0)
                spec_resources_done(ret);
        return r;
}

/* ---- seccomp ----------------------------------------------------------------------------------------- */

static int parse_action(JsonObject *o, const char *path, const char *key, enum seccomp_action *ret,
                        berth_error **err)
{
        _cleanup_free_ char *name = NULL;
        int r = required_string(o, path, key, &name, err);
        if (r < 0)
                return r;
        int a = seccomp_action_from_string(name);
        if (a < 0)
                return berth_err(err, 0, "%s.%s: unknown action \"%s\"", path, key, name);
        *ret = (enum seccomp_action)a;
        return 0;
}

static int parse_syscall_args(JsonObject *so, const char *spath, struct spec_seccomp_syscall *sc,
                              berth_error **err)
{
        JsonArray *a = NULL;
        size_t n = 0;
        _cleanup_free_ char *base = NULL;
        int r = object_array(so, spath, "args", &a, &n, &base, err);
        if (r <= 0)
                return r;
        sc->args = xmalloc0(n * sizeof(struct spec_seccomp_arg));
        sc->n_args = n;
        for (size_t i = 0; i < n; i++) {
                struct spec_seccomp_arg *arg = &sc->args[i];
                _cleanup_free_ char *path = NULL, *op = NULL;
                JsonObject *o = NULL;
                int64_t index = 0;
                if ((r = element_object(a, base, i, &path, &o, err)) < 0)
                        return r;
                r = sj_int64(o, path, "index", 0, 5, &index, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        return sj_missing(err, path, "index");
                arg->index = (unsigned)index;
                r = sj_uint64(o, path, "value", &arg->value, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        return sj_missing(err, path, "value");
                if ((r = sj_uint64(o, path, "valueTwo", &arg->value_two, err)) < 0 ||
                    (r = required_string(o, path, "op", &op, err)) < 0)
                        return r;
                int v = seccomp_op_from_string(op);
                if (v < 0)
                        return berth_err(err, 0, "%s.op: unknown operator \"%s\"", path, op);
                arg->op = (enum seccomp_op)v;
        }
        return 0;
}

static int parse_seccomp(JsonObject *lo, struct spec_linux *l, berth_error **err)
{
        JsonObject *o = NULL;
        int r = sj_object(lo, "linux", "seccomp", &o, err);
        if (r <= 0)
                return r;
        const char *p = "linux.seccomp";
        struct spec_seccomp *sc = l->seccomp = xmalloc0(sizeof(*sc));
        if ((r = parse_action(o, p, "defaultAction", &sc->default_action, err)) < 0 ||
            (r = sj_uint32(o, p, "defaultErrnoRet", &sc->default_errno_ret, err)) < 0)
                return r;
        sc->has_default_errno_ret = r > 0;
        if ((r = sj_strv(o, p, "architectures", &sc->architectures, err)) < 0 ||
            (r = sj_strv(o, p, "flags", &sc->flags, err)) < 0 ||
            (r = sj_string(o, p, "listenerPath", &sc->listener_path, err)) < 0 ||
            (r = sj_string(o, p, "listenerMetadata", &sc->listener_metadata, err)) < 0)
                return r;

        JsonArray *a = NULL;
        size_t n = 0;
        _cleanup_free_ char *base = NULL;
        if ((r = object_array(o, p, "syscalls", &a, &n, &base, err)) <= 0)
                return r;
        sc->syscalls = xmalloc0(n * sizeof(struct spec_seccomp_syscall));
        for (size_t i = 0; i < n; i++) {
                struct spec_seccomp_syscall *s = &sc->syscalls[i];
                _cleanup_free_ char *path = NULL;
                JsonObject *so = NULL;
                if ((r = element_object(a, base, i, &path, &so, err)) < 0)
                        return r;
                sc->n_syscalls = i + 1;
                if ((r = sj_strv(so, path, "names", &s->names, err)) < 0 ||
                    (r = parse_action(so, path, "action", &s->action, err)) < 0 ||
                    (r = sj_uint32(so, path, "errnoRet", &s->errno_ret, err)) < 0)
                        return r;
                s->has_errno_ret = r > 0;
                if ((r = parse_syscall_args(so, path, s, err)) < 0)
                        return r;
        }
        return 0;
}

/* ---- linux ------------------------------------------------------------------------------------------- */

static int parse_personality(JsonObject *lo, struct spec_linux *l, berth_error **err)
{
        JsonObject *o = NULL;
        int r = sj_object(lo, "linux", "personality", &o, err);
        if (r <= 0)
                return r;
        const char *p = "linux.personality";
        struct spec_personality *pe = &l->personality;
        l->has_personality = true;
        if ((r = required_string(o, p, "domain", &pe->domain, err)) < 0)
                return r;
        if (STREQ(pe->domain, "LINUX"))
                pe->value = PER_LINUX;
        else if (STREQ(pe->domain, "LINUX32"))
                pe->value = PER_LINUX32;
        else
                return berth_err(err, 0, "%s.domain: unknown domain \"%s\" (must be LINUX or LINUX32)", p,
                                 pe->domain);
        /* The spec defines no flag values: they are kept and ignored, as runc does. */
        if ((r = sj_strv(o, p, "flags", &pe->flags, err)) < 0)
                return r;
        return 0;
}

int spec_parse_linux(JsonObject *lo, struct spec *s, berth_error **err)
{
        struct spec_linux *l = s->linux = xmalloc0(sizeof(*l));
        int r;

        if ((r = parse_namespaces(lo, l, err)) < 0 ||
            (r = sj_id_mappings(lo, "linux", "uidMappings", &l->uid_mappings, &l->n_uid_mappings, err)) < 0 ||
            (r = sj_id_mappings(lo, "linux", "gidMappings", &l->gid_mappings, &l->n_gid_mappings, err)) < 0 ||
            (r = parse_time_offsets(lo, l, err)) < 0 || (r = parse_devices(lo, l, err)) < 0 ||
            (r = sj_string(lo, "linux", "cgroupsPath", &l->cgroups_path, err)) < 0 ||
            (r = parse_resources(lo, l, err)) < 0 ||
            (r = sj_string(lo, "linux", "rootfsPropagation", &l->rootfs_propagation, err)) < 0)
                return r;
        if (l->rootfs_propagation &&
            mount_propagation_from_string(l->rootfs_propagation, &l->rootfs_propagation_flags) < 0)
                return berth_err(err, 0, "linux.rootfsPropagation: unknown propagation \"%s\"",
                                 l->rootfs_propagation);

        if ((r = sj_string_map(lo, "linux", "sysctl", &l->sysctl, &l->n_sysctl, err)) < 0 ||
            (r = parse_seccomp(lo, l, err)) < 0 ||
            (r = sj_strv(lo, "linux", "maskedPaths", &l->masked_paths, err)) < 0 ||
            (r = sj_strv(lo, "linux", "readonlyPaths", &l->readonly_paths, err)) < 0 ||
            (r = sj_string(lo, "linux", "mountLabel", &l->mount_label, err)) < 0 ||
            (r = parse_personality(lo, l, err)) < 0)
                return r;

        l->has_intel_rdt = sj_member(lo, "intelRdt") != NULL;
        /* Runtime-spec 1.3 additions that berth does not implement: refusing them beats ignoring a MUST. */
        if (sj_member(lo, "netDevices"))
                return berth_err(err, 0, "linux.netDevices: not supported by berth");
        if (sj_member(lo, "memoryPolicy"))
                return berth_err(err, 0, "linux.memoryPolicy: not supported by berth");
        return 0;
}

void spec_resources_done(struct spec_resources *res)
{
        for (size_t i = 0; i < res->n_devices; i++)
                free(res->devices[i].access);
        free(res->devices);
        free(res->cpu.cpus);
        free(res->cpu.mems);
        free(res->block_io.weight_device);
        free(res->block_io.throttle_read_bps);
        free(res->block_io.throttle_write_bps);
        free(res->block_io.throttle_read_iops);
        free(res->block_io.throttle_write_iops);
        for (size_t i = 0; i < res->n_hugepage_limits; i++)
                free(res->hugepage_limits[i].page_size);
        free(res->hugepage_limits);
        spec_kv_free(res->unified, res->n_unified);
        *res = (struct spec_resources){};
}

void spec_linux_free(struct spec_linux *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n_namespaces; i++)
                free(l->namespaces[i].path);
        free(l->namespaces);
        free(l->uid_mappings);
        free(l->gid_mappings);
        for (size_t i = 0; i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        free(l->cgroups_path);

        spec_resources_done(&l->resources);

        free(l->rootfs_propagation);
        spec_kv_free(l->sysctl, l->n_sysctl);
        if (l->seccomp) {
                struct spec_seccomp *sc = l->seccomp;
                strv_free(sc->architectures);
                strv_free(sc->flags);
                free(sc->listener_path);
                free(sc->listener_metadata);
                for (size_t i = 0; i < sc->n_syscalls; i++) {
                        strv_free(sc->syscalls[i].names);
                        free(sc->syscalls[i].args);
                }
                free(sc->syscalls);
                free(sc);
        }
        strv_free(l->masked_paths);
        strv_free(l->readonly_paths);
        free(l->mount_label);
        free(l->personality.domain);
        strv_free(l->personality.flags);
        free(l);
}
