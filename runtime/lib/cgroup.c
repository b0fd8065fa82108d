/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup manager front end: manager names, the object's life cycle, the cgroupfs path rules, the pure
 * OCI -> cgroup v2 conversions and the "disabled" manager.
 */
#include <inttypes.h>
#include <limits.h>

#include "cgroup-internal.h"
#include "log.h"

static const char *const manager_names[_CGROUP_MANAGER_MAX] = {
    [CGROUP_MANAGER_DISABLED] = "disabled",
    [CGROUP_MANAGER_CGROUPFS] = "cgroupfs",
    [CGROUP_MANAGER_SYSTEMD] = "systemd",
    [CGROUP_MANAGER_UNIT] = "unit",
};

/* A manager that is not part of this build has no entry; cgroup-systemd.c adds its own later. */
static const struct cgroup_manager_impl *const managers[_CGROUP_MANAGER_MAX] = {
    [CGROUP_MANAGER_DISABLED] = &cgroup_manager_disabled,
    [CGROUP_MANAGER_CGROUPFS] = &cgroup_manager_cgroupfs,
    [CGROUP_MANAGER_SYSTEMD] = &cgroup_manager_systemd,
    [CGROUP_MANAGER_UNIT] = &cgroup_manager_unit,
};

int cgroup_manager_from_string(const char *s)
{
        if (!s)
                return -1;
        for (int i = 0; i < _CGROUP_MANAGER_MAX; i++)
                if (STREQ(s, manager_names[i]))
                        return i;
        return -1;
}

const char *cgroup_manager_to_string(enum cgroup_manager_type t)
{
        if ((int)t < 0 || t >= _CGROUP_MANAGER_MAX)
                return NULL;
        return manager_names[t];
}

enum cgroup_manager_type cgroup_default_manager(void)
{
        /* systemd where PID 1 is systemd (/run/systemd/system exists), else cgroupfs. */
        /* sd_booted()'s test, without loading libsystemd for it */
        return access("/run/systemd/system/", F_OK) == 0 ? CGROUP_MANAGER_SYSTEMD : CGROUP_MANAGER_CGROUPFS;
}

static int manager_impl(enum cgroup_manager_type type, const struct cgroup_manager_impl **ret,
                        berth_error **err)
{
        if ((int)type < 0 || type >= _CGROUP_MANAGER_MAX)
                return berth_err_plain(err, EINVAL, "cgroup manager: unknown manager type %d", (int)type);
        if (!managers[type])
                return berth_err_plain(err, EOPNOTSUPP, "%s cgroup manager: not available in this build",
                                       manager_names[type]);
        *ret = managers[type];
        return 0;
}

static struct cgroup *cgroup_alloc(enum cgroup_manager_type type, const struct cgroup_manager_impl *impl,
                                   const char *id)
{
        struct cgroup *cg = xmalloc0(sizeof(*cg));
        cg->type = type;
        cg->ops = impl->ops;
        cg->id = id ? xstrdup(id) : NULL;
        return cg;
}

int cgroup_new(enum cgroup_manager_type type, const char *id, const struct spec *spec, struct cgroup **ret,
               berth_error **err)
{
        const struct cgroup_manager_impl *impl;
        int r = manager_impl(type, &impl, err);
        if (r < 0)
                return r;
        if (!id || !*id)
                return berth_err_plain(err, EINVAL, "cgroup: the container id is empty");
        _cleanup_cgroup_ struct cgroup *cg = cgroup_alloc(type, impl, id);
        r = impl->init_new(cg, spec, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(cg);
        return 0;
}

int cgroup_open(enum cgroup_manager_type type, const char *id, const char *path, const char *unit,
                struct cgroup **ret, berth_error **err)
{
        const struct cgroup_manager_impl *impl;
        int r = manager_impl(type, &impl, err);
        if (r < 0)
                return r;
        _cleanup_cgroup_ struct cgroup *cg = cgroup_alloc(type, impl, id);
        r = impl->init_open(cg, path, unit, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(cg);
        return 0;
}

void cgroup_free(struct cgroup *cg)
{
        if (!cg)
                return;
        free(cg->path);
        free(cg->mountpoint);
        free(cg->unit);
        free(cg->id);
        free(cg);
}

bool cgroup_resources_requested(const struct spec_resources *r)
{
        if (!r)
                return false;
        if ((r->memory.has_limit && r->memory.limit != 0) ||
            (r->memory.has_reservation && r->memory.reservation != 0) ||
            (r->memory.has_swap && r->memory.swap != 0))
                return true;
        if (r->pids.has_limit)
                return true;
        if ((r->cpu.has_shares && r->cpu.shares != 0) || (r->cpu.has_quota && r->cpu.quota != 0) ||
            (r->cpu.has_period && r->cpu.period != 0) ||
            (r->cpu.has_realtime_runtime && r->cpu.realtime_runtime != 0) ||
            (r->cpu.has_realtime_period && r->cpu.realtime_period != 0) || r->cpu.has_idle ||
            r->cpu.has_burst || (r->cpu.cpus && *r->cpu.cpus) || (r->cpu.mems && *r->cpu.mems))
                return true;
        if ((r->block_io.has_weight && r->block_io.weight != 0) || r->block_io.n_throttle_read_bps > 0 ||
            r->block_io.n_throttle_write_bps > 0 || r->block_io.n_throttle_read_iops > 0 ||
            r->block_io.n_throttle_write_iops > 0)
                return true;
        for (size_t i = 0; i < r->block_io.n_weight_device; i++)
                if (r->block_io.weight_device[i].has_weight)
                        return true;
        return r->n_hugepage_limits > 0 || r->n_unified > 0;
}

int cgroupfs_resolve_path(const char *cgroups_path, const char *id, char **ret, berth_error **err)
{
        if (!cgroups_path || !*cgroups_path) {
                if (!id || !*id || strchr(id, '/') || STREQ(id, ".") || STREQ(id, ".."))
                        return berth_err_plain(err, EINVAL, "cgroup: invalid container id \"%s\"",
                                               id ? id : "");
                *ret = xasprintf("/berth/%s", id);
                return 0;
        }

        /* "slice:prefix:name" is the systemd manager's form: two colons and no slash. */
        const char *c1 = strchr(cgroups_path, ':');
        if (c1 && !strchr(cgroups_path, '/')) {
                const char *c2 = strchr(c1 + 1, ':');
                if (c2 && !strchr(c2 + 1, ':'))
                        return berth_err_plain(
                            err, EINVAL,
                            "linux.cgroupsPath: \"%s\" is the systemd form slice:prefix:name, "
                            "which the cgroupfs manager does not take (use --systemd-cgroup "
                            "or a path such as \"/berth/%s\")",
                            cgroups_path, id ? id : "NAME");
        }

        size_t len = strlen(cgroups_path);
        _cleanup_free_ char *out = xmalloc0(len + 2);
        size_t o = 0;
        for (const char *p = cgroups_path; *p;) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                size_t n = strcspn(p, "/");
                if (n == 1 && p[0] == '.') {
                        p += n;
                        continue;
                }
                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return berth_err_plain(err, EINVAL,
                                               "linux.cgroupsPath: \"%s\": \"..\" components are not allowed",
                                               cgroups_path);
                if (n > NAME_MAX)
                        return berth_err_plain(
                            err, ENAMETOOLONG,
                            "linux.cgroupsPath: \"%s\": a component is longer than %d bytes", cgroups_path,
                            NAME_MAX);
                out[o++] = '/';
                memcpy(out + o, p, n);
                o += n;
                p += n;
        }
        if (o == 0)
                return berth_err_plain(err, EINVAL,
                                       "linux.cgroupsPath: \"%s\" names the root cgroup; a container needs a "
                                       "cgroup of its own",
                                       cgroups_path);
        out[o] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

uint64_t cgroup_cpu_shares_to_weight(uint64_t shares)
{
        if (shares == 0)
                return 0;
        shares = MAX(shares, (uint64_t)2);
        shares = MIN(shares, (uint64_t)262144);
        return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cgroup_blkio_weight_to_io_weight(uint64_t weight)
{
        if (weight == 0)
                return 0;
        weight = MAX(weight, (uint64_t)10);
        weight = MIN(weight, (uint64_t)1000);
        return 1 + (weight - 10) * 9999 / 990;
}

/* ---- resources -> cgroup v2 file writes (pure) ---- */

struct write_list {
        struct cgroup_write *w;
        size_t n;
};

void cgroup_writes_free(struct cgroup_write *w, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(w[i].file);
                free(w[i].value);
                free(w[i].alt_file);
                free(w[i].alt_value);
        }
        free(w);
}

static void write_list_done(struct write_list *l)
{
        cgroup_writes_free(l->w, l->n);
        l->w = NULL;
        l->n = 0;
}

/* Takes ownership of file, value, alt_file and alt_value. */
static void add_write_alt(struct write_list *l, const char *what, const char *controller, char *file,
                          char *value, char *alt_file, char *alt_value)
{
        l->w = xrealloc(l->w, (l->n + 1) * sizeof(*l->w));
        l->w[l->n++] = (struct cgroup_write){
            .what = what,
            .controller = controller,
            .file = file,
            .value = value,
            .alt_file = alt_file,
            .alt_value = alt_value,
        };
}

static void add_write(struct write_list *l, const char *what, const char *controller, const char *file,
                      char *value)
{
        add_write_alt(l, what, controller, xstrdup(file), value, NULL, NULL);
}

static char *limit_string(int64_t v)
{
        return v < 0 ? xstrdup("max") : xasprintf("%" PRId64, v);
}

int cgroup_memory_swap_to_v2(int64_t swap, int64_t limit, int64_t *ret, berth_error **err)
{
        /* Memory unlimited and swap not given: both unlimited, as with cgroup v1. */
        if (limit == -1 && swap == 0) {
                *ret = -1;
                return 0;
        }
        if (swap == -1 || swap == 0) {
                *ret = swap;
                return 0;
        }
        if (swap < 0)
                return berth_err_plain(err, EINVAL, "linux.resources.memory.swap: invalid value %" PRId64,
                                       swap);
        if (limit == 0 || limit == -1)
                return berth_err_plain(err, EINVAL,
                                       "linux.resources.memory.swap: a swap limit needs a memory limit "
                                       "(cgroup v2 limits swap separately: memory.swap.max = swap - limit)");
        if (limit < 0)
                return berth_err_plain(err, EINVAL, "linux.resources.memory.limit: invalid value %" PRId64,
                                       limit);
        if (swap < limit)
                return berth_err_plain(err, EINVAL,
                                       "linux.resources.memory.swap: %" PRId64
                                       " is below memory.limit %" PRId64 " (swap is the memory+swap limit)",
                                       swap, limit);
        *ret = swap - limit;
        return 0;
}

static int add_memory(struct write_list *l, const struct spec_resources *r, berth_error **err)
{
        static const char what[] = "linux.resources.memory";
        int64_t limit = r->memory.has_limit ? r->memory.limit : 0;
        if (limit < -1)
                return berth_err_plain(err, EINVAL, "%s.limit: invalid value %" PRId64, what, limit);
        if (limit != 0)
                add_write(l, what, "memory", "memory.max", limit_string(limit));
        if (r->memory.has_reservation && r->memory.reservation != 0) {
                if (r->memory.reservation < -1)
                        return berth_err_plain(err, EINVAL, "%s.reservation: invalid value %" PRId64, what,
                                               r->memory.reservation);
                add_write(l, what, "memory", "memory.low", limit_string(r->memory.reservation));
        }
        if (r->memory.has_swap || limit == -1) {
                int64_t swap;
                int k = cgroup_memory_swap_to_v2(r->memory.has_swap ? r->memory.swap : 0, limit, &swap, err);
                if (k < 0)
                        return k;
                /* swap == limit given explicitly means "no swap": memory.swap.max = 0, as runc writes it */
                if (swap != 0 || (r->memory.has_swap && r->memory.swap > 0))
                        add_write(l, what, "memory", "memory.swap.max", limit_string(swap));
        }
        return 0;
}

static int add_pids(struct write_list *l, const struct spec_resources *r, berth_error **err)
{
        if (r->pids.has_limit)
                add_write(l, "linux.resources.pids", "pids", "pids.max",
                          limit_string(r->pids.limit <= 0 ? -1 : r->pids.limit));
        return 0;
}

static int add_cpu(struct write_list *l, const struct spec_resources *r, berth_error **err)
{
        static const char what[] = "linux.resources.cpu";
        if ((r->cpu.has_realtime_runtime && r->cpu.realtime_runtime != 0) ||
            (r->cpu.has_realtime_period && r->cpu.realtime_period != 0))
                return berth_err_plain(err, EOPNOTSUPP,
                                       "%s.realtimeRuntime/realtimePeriod: realtime CPU limits do not exist "
                                       "in cgroup v2",
                                       what);
        if (r->cpu.has_shares && r->cpu.shares != 0)
                add_write(l, what, "cpu", "cpu.weight",
                          xasprintf("%" PRIu64, cgroup_cpu_shares_to_weight(r->cpu.shares)));
        bool quota = r->cpu.has_quota && r->cpu.quota != 0, period = r->cpu.has_period && r->cpu.period != 0;
        if (quota || period) {
                if (quota && r->cpu.quota < -1)
                        return berth_err_plain(err, EINVAL, "%s.quota: invalid value %" PRId64, what,
                                               r->cpu.quota);
                uint64_t p = period ? r->cpu.period : 100000;
                add_write(l, what, "cpu", "cpu.max",
                          quota && r->cpu.quota > 0 ? xasprintf("%" PRId64 " %" PRIu64, r->cpu.quota, p)
                                                    : xasprintf("max %" PRIu64, p));
        }
        if (r->cpu.has_burst)
                add_write(l, what, "cpu", "cpu.max.burst", xasprintf("%" PRIu64, r->cpu.burst));
        if (r->cpu.has_idle)
                add_write(l, what, "cpu", "cpu.idle", xasprintf("%" PRId64, r->cpu.idle));
        if (r->cpu.cpus && *r->cpu.cpus)
                add_write(l, "linux.resources.cpu.cpus", "cpuset", "cpuset.cpus", xstrdup(r->cpu.cpus));
        if (r->cpu.mems && *r->cpu.mems)
                add_write(l, "linux.resources.cpu.mems", "cpuset", "cpuset.mems", xstrdup(r->cpu.mems));
        return 0;
}

static int check_devno(const char *what, int64_t major, int64_t minor, berth_error **err)
{
        if (major < 0 || minor < 0 || major > UINT32_MAX || minor > UINT32_MAX)
                return berth_err_plain(err, EINVAL, "%s: invalid device %" PRId64 ":%" PRId64, what, major,
                                       minor);
        return 0;
}

static int add_throttle(struct write_list *l, const char *what, const char *key,
                        const struct spec_throttle_device *t, size_t n, berth_error **err)
{
        for (size_t i = 0; i < n; i++) {
                int k = check_devno(what, t[i].major, t[i].minor, err);
                if (k < 0)
                        return k;
                /* 0 meant "no limit" in cgroup v1; io.max spells that "max". */
                char *v = t[i].rate == 0
                              ? xasprintf("%" PRId64 ":%" PRId64 " %s=max", t[i].major, t[i].minor, key)
                              : xasprintf("%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major, t[i].minor, key,
                                          t[i].rate);
                add_write(l, what, "io", "io.max", v);
        }
        return 0;
}

static int add_io(struct write_list *l, const struct spec_resources *r, berth_error **err)
{
        static const char what[] = "linux.resources.blockIO";
        if (r->block_io.has_weight && r->block_io.weight != 0) {
                uint16_t w = r->block_io.weight;
                add_write_alt(l, what, "io", xstrdup("io.weight"),
                              xasprintf("default %" PRIu64, cgroup_blkio_weight_to_io_weight(w)),
                              xstrdup("io.bfq.weight"), xasprintf("%u", (unsigned)w));
        }
        for (size_t i = 0; i < r->block_io.n_weight_device; i++) {
                const struct spec_weight_device *d = &r->block_io.weight_device[i];
                if (!d->has_weight)
                        continue;
                int k = check_devno("linux.resources.blockIO.weightDevice", d->major, d->minor, err);
                if (k < 0)
                        return k;
                add_write_alt(
                    l, what, "io", xstrdup("io.weight"),
                    xasprintf("%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                              cgroup_blkio_weight_to_io_weight(d->weight)),
                    xstrdup("io.bfq.weight"),
                    xasprintf("%" PRId64 ":%" PRId64 " %u", d->major, d->minor, (unsigned)d->weight));
        }
        const struct {
                const char *what, *key;
                const struct spec_throttle_device *t;
                size_t n;
        } th[] = {
            {"linux.resources.blockIO.throttleReadBpsDevice", "rbps", r->block_io.throttle_read_bps,
             r->block_io.n_throttle_read_bps},
            {"linux.resources.blockIO.throttleWriteBpsDevice", "wbps", r->block_io.throttle_write_bps,
             r->block_io.n_throttle_write_bps},
            {"linux.resources.blockIO.throttleReadIOPSDevice", "riops", r->block_io.throttle_read_iops,
             r->block_io.n_throttle_read_iops},
            {"linux.resources.blockIO.throttleWriteIOPSDevice", "wiops", r->block_io.throttle_write_iops,
             r->block_io.n_throttle_write_iops},
        };
        for (size_t i = 0; i < ELEMENTSOF(th); i++) {
                int k = add_throttle(l, th[i].what, th[i].key, th[i].t, th[i].n, err);
                if (k < 0)
                        return k;
        }
        return 0;
}

static bool plain_file_name(const char *s)
{
        return s && *s && !strchr(s, '/') && !strstr(s, "..") && !STREQ(s, ".");
}

static int add_hugetlb(struct write_list *l, const struct spec_resources *r, berth_error **err)
{
        for (size_t i = 0; i < r->n_hugepage_limits; i++) {
                const struct spec_hugepage_limit *h = &r->hugepage_limits[i];
                if (!plain_file_name(h->page_size))
                        return berth_err_plain(err, EINVAL,
                                               "linux.resources.hugepageLimits[%zu].pageSize: "
                                               "invalid page size \"%s\"",
                                               i, h->page_size ? h->page_size : "");
                add_write_alt(l, "linux.resources.hugepageLimits", "hugetlb",
                              xasprintf("hugetlb.%s.max", h->page_size), xasprintf("%" PRIu64, h->limit),
                              NULL, NULL);
        }
        return 0;
}

/* "memory.high" -> "memory"; core "cgroup.*" files need no controller. */
static const char *unified_controller(const char *key)
{
        static const char *const known[] = {"cpu",  "cpuset",  "io",   "memory",
                                            "pids", "hugetlb", "rdma", "misc"};
        if (startswith(key, "cgroup."))
                return NULL;
        size_t n = strcspn(key, ".");
        for (size_t i = 0; i < ELEMENTSOF(known); i++)
                if (strlen(known[i]) == n && strncmp(key, known[i], n) == 0) {
                        /* PSI files (cpu.pressure...) exist in every cgroup, whatever is enabled. */
                        const char *dot = key + n;
                        if (STREQ(dot, ".pressure"))
                                return NULL;
                        return known[i];
                }
        return NULL;
}

static int add_unified(struct write_list *l, const struct spec_resources *r, berth_error **err)
{
        for (size_t i = 0; i < r->n_unified; i++) {
                const struct spec_kv *kv = &r->unified[i];
                if (!plain_file_name(kv->key) || !strchr(kv->key, '.'))
                        return berth_err_plain(
                            err, EINVAL,
                            "linux.resources.unified: \"%s\" is not a cgroup v2 interface file "
                            "name (a plain name such as \"memory.high\")",
                            kv->key ? kv->key : "");
                add_write(l, "linux.resources.unified", unified_controller(kv->key), kv->key,
                          xstrdup(kv->value ? kv->value : ""));
        }
        return 0;
}

int cgroup_resources_to_writes(const struct spec_resources *r, struct cgroup_write **ret, size_t *ret_n,
                               berth_error **err)
{
        _cleanup_(write_list_done) struct write_list l = {};
        if (r) {
                int (*const steps[])(struct write_list *, const struct spec_resources *, berth_error **) = {
                    add_memory, add_pids, add_cpu, add_io, add_hugetlb, add_unified,
                };
                for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                        int k = steps[i](&l, r, err);
                        if (k < 0)
                                return k;
                }
        }
        *ret = TAKE_PTR(l.w);
        *ret_n = l.n;
        l.n = 0;
        return 0;
}

/* ---- the "disabled" manager ---- */

static int disabled_init_new(struct cgroup *cg, const struct spec *spec, berth_error **err)
{
        return 0;
}

static int disabled_init_open(struct cgroup *cg, const char *path, const char *unit, berth_error **err)
{
        return 0;
}

static int disabled_create(struct cgroup *cg, const struct spec *spec, pid_t pid, berth_error **err)
{
        if (spec && spec->linux && cgroup_resources_requested(&spec->linux->resources))
                log_warn("cgroup manager \"disabled\": linux.resources are not enforced");
        return 0;
}

static int disabled_enter(struct cgroup *cg, pid_t pid, berth_error **err)
{
        return 0;
}

static int disabled_destroy(struct cgroup *cg, berth_error **err)
{
        return 0;
}

static int disabled_unsupported(berth_error **err, const char *what)
{
        return berth_err_plain(err, EOPNOTSUPP,
                               "cgroup manager \"disabled\": cannot %s: the container has no cgroup", what);
}

static int disabled_freeze(struct cgroup *cg, bool frozen, berth_error **err)
{
        return disabled_unsupported(err, frozen ? "freeze (pause)" : "thaw (resume)");
}

static int disabled_is_frozen(struct cgroup *cg)
{
        return -EOPNOTSUPP;
}

static int disabled_kill_all(struct cgroup *cg, int sig, berth_error **err)
{
        return disabled_unsupported(err, "signal all processes");
}

static int disabled_pids(struct cgroup *cg, pid_t **ret, size_t *n, berth_error **err)
{
        return disabled_unsupported(err, "list the processes");
}

static int disabled_update(struct cgroup *cg, const struct spec_resources *r, berth_error **err)
{
        return disabled_unsupported(err, "update resources");
}

static const struct cgroup_ops disabled_ops = {
    .name = "disabled",
    .create = disabled_create,
    .enter = disabled_enter,
    .destroy = disabled_destroy,
    .freeze = disabled_freeze,
    .is_frozen = disabled_is_frozen,
    .kill_all = disabled_kill_all,
    .pids = disabled_pids,
    .update = disabled_update,
};

const struct cgroup_manager_impl cgroup_manager_disabled = {
    .ops = &disabled_ops,
    .init_new = disabled_init_new,
    .init_open = disabled_init_open,
};
