/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth update`: changes the resources of a live container through its cgroup manager (the systemd
 * manager sets unit properties, so `systemctl show` agrees, then writes what only cgroup files express).
 * Only what the update names changes. Values that cgroup v2 keeps in one file with another value (the
 * memory+swap limit needs the memory limit, cpu.max holds quota and period) are completed from the
 * container's current cgroup files, as runc completes them from its saved config.
 */
#include <inttypes.h>

#include "container.h"
#include "fs-util.h"
#include "log.h"
#include "update.h"

int update_parse_size(const char *s, int64_t *ret)
{
        if (!s)
                return -EINVAL;
        if (STREQ(s, "-1")) {
                *ret = -1;
                return 0;
        }
        const char *p = s;
        uint64_t whole = 0;
        if (*p < '0' || *p > '9')
                return -EINVAL;
        for (; *p >= '0' && *p <= '9'; p++) {
                if (whole > (UINT64_MAX - 9) / 10)
                        return -EINVAL;
                whole = whole * 10 + (uint64_t)(*p - '0');
        }
        /* A fraction: up to 9 digits kept (enough for any multiplier below). */
        uint64_t frac = 0, frac_div = 1;
        if (*p == '.') {
                p++;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                for (; *p >= '0' && *p <= '9'; p++)
                        if (frac_div < 1000000000) {
                                frac = frac * 10 + (uint64_t)(*p - '0');
                                frac_div *= 10;
                        }
        }
        if (*p == ' ')
                p++;
        uint64_t mult = 1;
        const char *units = "kmgtp";
        const char *u = *p ? strchr(units, *p | 0x20) : NULL;
        if (u) {
                for (const char *q = units; q <= u; q++)
                        mult *= 1024;
                p++;
                if (*p == 'i' || *p == 'I')
                        p++;
        }
        if (*p == 'b' || *p == 'B')
                p++;
        if (*p)
                return -EINVAL;
        if (whole > (uint64_t)INT64_MAX / mult)
                return -EINVAL;
        uint64_t v = whole * mult;
        /* The fraction of the unit, rounded down to a byte (long double keeps 64 bits of mantissa). */
        uint64_t extra = (uint64_t)((long double)frac * (long double)mult / (long double)frac_div);
        if (v > (uint64_t)INT64_MAX - extra)
                return -EINVAL;
        *ret = (int64_t)(v + extra);
        return 0;
}

static int parse_i64(const char *opt, const char *s, int64_t *ret, berth_error **err)
{
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || *end)
                return berth_err_plain(err, EINVAL, "%s: \"%s\" is not an integer", opt, s);
        *ret = v;
        return 0;
}

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *ret, berth_error **err)
{
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v > max)
                return berth_err_plain(err, EINVAL, "%s: \"%s\" is not a number between 0 and %" PRIu64, opt,
                                       s, max);
        *ret = v;
        return 0;
}

static int parse_size_opt(const char *opt, const char *s, int64_t *ret, berth_error **err)
{
        if (update_parse_size(s, ret) < 0)
                return berth_err_plain(err, EINVAL,
                                       "%s: \"%s\" is not a size (bytes, or a number with k, m, g, t or p; "
                                       "-1 for no limit)",
                                       opt, s);
        return 0;
}

int update_build_resources(const struct berth_update_opts *o, struct spec_resources *ret, berth_error **err)
{
        _cleanup_(spec_resources_done) struct spec_resources res = {};
        int r;
        if (o->resources_json) {
                if ((r = spec_parse_resources(o->resources_json, o->resources_len, &res, err)) < 0)
                        return berth_err_prefix(err, "--resources %s",
                                                o->resources_name ? o->resources_name : "");
        }
        bool any = o->resources_json != NULL;
        if (o->memory) {
                if ((r = parse_size_opt("--memory", o->memory, &res.memory.limit, err)) < 0)
                        return r;
                res.memory.has_limit = any = true;
        }
        if (o->memory_reservation) {
                if ((r = parse_size_opt("--memory-reservation", o->memory_reservation,
                                        &res.memory.reservation, err)) < 0)
                        return r;
                res.memory.has_reservation = any = true;
        }
        if (o->memory_swap) {
                if ((r = parse_size_opt("--memory-swap", o->memory_swap, &res.memory.swap, err)) < 0)
                        return r;
                res.memory.has_swap = any = true;
        }
        if (o->pids_limit) {
                if ((r = parse_i64("--pids-limit", o->pids_limit, &res.pids.limit, err)) < 0)
                        return r;
                res.pids.has_limit = any = true;
        }
        if (o->cpu_quota) {
                if ((r = parse_i64("--cpu-quota", o->cpu_quota, &res.cpu.quota, err)) < 0)
                        return r;
                res.cpu.has_quota = any = true;
        }
        if (o->cpu_period) {
                if ((r = parse_u64("--cpu-period", o->cpu_period, UINT64_MAX, &res.cpu.period, err)) < 0)
                        return r;
                res.cpu.has_period = any = true;
        }
        if (o->cpu_shares) {
                if ((r = parse_u64("--cpu-share", o->cpu_shares, UINT64_MAX, &res.cpu.shares, err)) < 0)
                        return r;
                res.cpu.has_shares = any = true;
        }
        if (o->cpu_rt_period) {
                if ((r = parse_u64("--cpu-rt-period", o->cpu_rt_period, UINT64_MAX, &res.cpu.realtime_period,
                                   err)) < 0)
                        return r;
                res.cpu.has_realtime_period = any = true;
        }
        if (o->cpu_rt_runtime) {
                if ((r = parse_i64("--cpu-rt-runtime", o->cpu_rt_runtime, &res.cpu.realtime_runtime, err)) <
                    0)
                        return r;
                res.cpu.has_realtime_runtime = any = true;
        }
        if (o->cpuset_cpus) {
                free(res.cpu.cpus);
                res.cpu.cpus = xstrdup(o->cpuset_cpus);
                any = true;
        }
        if (o->cpuset_mems) {
                free(res.cpu.mems);
                res.cpu.mems = xstrdup(o->cpuset_mems);
                any = true;
        }
        if (o->blkio_weight) {
                uint64_t w = 0;
                if ((r = parse_u64("--blkio-weight", o->blkio_weight, UINT16_MAX, &w, err)) < 0)
                        return r;
                res.block_io.weight = (uint16_t)w;
                res.block_io.has_weight = any = true;
        }
        if (!any)
                return berth_err_plain(
                    err, EINVAL,
                    "nothing to update: give --resources FILE or a limit option (--memory, "
                    "--pids-limit, --cpu-quota, --cpu-period, --cpu-share, --cpuset-cpus...)");
        res.present = true;
        *ret = res;
        res = (struct spec_resources){};
        return 0;
}

/* The first line of a file of the container's cgroup, or NULL. */
static char *cgroup_read(const struct cgroup *cg, const char *file)
{
        if (!cg->mountpoint || !cg->path)
                return NULL;
        _cleanup_free_ char *path = xasprintf("%s%s/%s", cg->mountpoint, cg->path, file);
        char *data = NULL;
        size_t len = 0;
        if (read_file(path, 4096, &data, &len) < 0)
                return NULL;
        strip_newline(data);
        return data;
}

/* "max" -> -1, a number -> itself; -EINVAL otherwise. */
static int parse_max(const char *s, int64_t *ret)
{
        if (STREQ(s, "max")) {
                *ret = -1;
                return 0;
        }
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || (*end && *end != ' '))
                return -EINVAL;
        *ret = v;
        return 0;
}

static void complete_from_cgroup(const struct cgroup *cg, struct spec_resources *r)
{
        if (r->memory.has_swap && !r->memory.has_limit) {
                _cleanup_free_ char *v = cgroup_read(cg, "memory.max");
                if (v && parse_max(v, &r->memory.limit) >= 0) {
                        r->memory.has_limit = true;
                        log_debug("update: memory+swap limit: memory limit %s from memory.max", v);
                }
        }
        if (r->cpu.has_quota != r->cpu.has_period) {
                _cleanup_free_ char *v = cgroup_read(cg, "cpu.max");
                char *space = v ? strchr(v, ' ') : NULL;
                int64_t quota = 0;
                uint64_t period = 0;
                if (space && parse_max(v, &quota) >= 0 && sscanf(space + 1, "%" SCNu64, &period) == 1) {
                        if (!r->cpu.has_quota) {
                                r->cpu.quota = quota;
                                r->cpu.has_quota = true;
                        } else {
                                r->cpu.period = period;
                                r->cpu.has_period = true;
                        }
                        log_debug("update: cpu quota/period: the other from cpu.max \"%s\"", v);
                }
        }
}

int berth_update(const struct berth_runtime *rt, const char *id, const struct berth_update_opts *o,
                 berth_error **err)
{
        _cleanup_(spec_resources_done) struct spec_resources res = {};
        int r = update_build_resources(o, &res, err);
        if (r < 0)
                return r;
        _cleanup_container_ struct container c = {.dirfd = -1};
        if ((r = container_load(rt, id, &c, err)) < 0)
                return r;
        if (c.status == STATUS_STOPPED)
                return berth_err_plain(err, ESRCH, "container is stopped: nothing to update");
        complete_from_cgroup(c.cgroup, &res);
        if ((r = c.cgroup->ops->update(c.cgroup, &res, err)) < 0)
                return r;
        log_debug("update %s: resources applied (%s manager)", id, c.cgroup->ops->name);
        return 0;
}
