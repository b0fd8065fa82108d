/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The systemd cgroup manager's pure mappings: OCI linux.resources (devices included) -> unit properties, and
 * org.systemd.property.* annotations (GVariant text) -> unit properties. Nothing here talks to D-Bus; the
 * only file system access is the default block device resolver (/sys/dev/block).
 */
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>

#include "cgroup-systemd.h"

#define USEC_PER_SEC      UINT64_C(1000000)
#define DEFAULT_PERIOD    UINT64_C(100000)
#define QUOTA_STEP_USEC   UINT64_C(10000) /* systemd keeps CPU quota in whole percents: 10 ms per second */
#define CPUSET_MAX        65536
#define GVARIANT_DEPTH    16
#define ANNOTATION_PREFIX "org.systemd.property."

/* ---- cpu ---- */

uint64_t systemd_cpu_quota_per_sec(int64_t quota, uint64_t period, bool *ret_inexact)
{
        *ret_inexact = false;
        if (quota <= 0)
                return UINT64_MAX;
        if (period == 0)
                period = DEFAULT_PERIOD;
        if ((uint64_t)quota > UINT64_MAX / USEC_PER_SEC)
                return UINT64_MAX - 1; /* more than half a million years per second: unlimited in practice */
        uint64_t per_sec = (uint64_t)quota * USEC_PER_SEC / period;
        if (per_sec % QUOTA_STEP_USEC != 0)
                per_sec = (per_sec / QUOTA_STEP_USEC + 1) * QUOTA_STEP_USEC;
        /* systemd writes cpu.max = per_sec * period / 1s: tell when that is not the quota asked for. */
        unsigned __int128 back = (unsigned __int128)per_sec * period / USEC_PER_SEC;
        *ret_inexact = back != (uint64_t)quota;
        return per_sec;
}

int systemd_cpuset_to_mask(const char *what, const char *list, struct unit_value *ret, berth_error **err)
{
        _cleanup_free_ uint8_t *bits = NULL;
        size_t n_bytes = 0;
        const char *p = list;
        while (*p) {
                while (isspace((unsigned char)*p))
                        p++;
                if (!*p)
                        break;
                char *end;
                errno = 0;
                unsigned long a = isdigit((unsigned char)*p) ? strtoul(p, &end, 10) : ULONG_MAX, b = a;
                if (a == ULONG_MAX || errno)
                        goto invalid;
                p = end;
                if (*p == '-') {
                        p++;
                        if (!isdigit((unsigned char)*p))
                                goto invalid;
                        b = strtoul(p, &end, 10);
                        if (errno)
                                goto invalid;
                        p = end;
                }
                if (a > b || b >= CPUSET_MAX)
                        goto invalid;
                if (b / 8 + 1 > n_bytes) {
                        bits = xrealloc(bits, b / 8 + 1);
                        memset(bits + n_bytes, 0, b / 8 + 1 - n_bytes);
                        n_bytes = b / 8 + 1;
                }
                for (unsigned long i = a; i <= b; i++)
                        bits[i / 8] |= (uint8_t)(1u << (i % 8));
                while (isspace((unsigned char)*p))
                        p++;
                if (*p == ',')
                        p++;
                else if (*p)
                        goto invalid;
        }
        if (n_bytes == 0)
                goto invalid;
        struct unit_value v = unit_value_array("y");
        for (size_t i = 0; i < n_bytes; i++) {
                struct unit_value byte = {.sig = xstrdup("y"), .u = bits[i]};
                unit_value_push(&v, &byte);
        }
        *ret = v;
        return 0;
invalid:
        return berth_err_plain(
            err, EINVAL,
            "%s: invalid list \"%s\" (comma-separated numbers and ranges below %d, such as "
            "\"0-3,8\")",
            what, list, CPUSET_MAX);
}

/* ---- block devices ---- */

char *systemd_block_device_node(int64_t major, int64_t minor)
{
        _cleanup_free_ char *link = xasprintf("/sys/dev/block/%" PRId64 ":%" PRId64, major, minor);
        char target[PATH_MAX];
        ssize_t len = readlink(link, target, sizeof(target) - 1);
        if (len <= 0)
                return NULL;
        target[len] = 0;
        const char *name = strrchr(target, '/');
        name = name ? name + 1 : target;
        if (!*name)
                return NULL;
        char *node = xasprintf("/dev/%s", name);
        /* sysfs spells "/" in device names as "!" (cciss!c0d0 is /dev/cciss/c0d0). */
        for (char *c = node; *c; c++)
                if (*c == '!')
                        *c = '/';
        return node;
}

/* Adds (node, value) to the a(st) array v. */
static int add_device_entry(struct unit_value *v, systemd_block_dev_fn devpath, const char *what,
                            int64_t major, int64_t minor, uint64_t value, berth_error **err)
{
        if (major < 0 || minor < 0 || major > UINT32_MAX || minor > UINT32_MAX)
                return berth_err_plain(err, EINVAL, "%s: invalid device %" PRId64 ":%" PRId64, what, major,
                                       minor);
        _cleanup_free_ char *node = devpath(major, minor);
        if (!node)
                return berth_err_plain(err, ENODEV,
                                       "%s: no block device %" PRId64 ":%" PRId64 " on this host (nothing at "
                                       "/sys/dev/block/%" PRId64 ":%" PRId64 ")",
                                       what, major, minor, major, minor);
        struct unit_value num = unit_value_u64(value), pair = unit_value_pair(node, &num);
        unit_value_done(&num);
        unit_value_push(v, &pair);
        return 0;
}

/* ---- devices ---- */

enum { ACC_R = 1, ACC_W = 2, ACC_M = 4, ACC_ALL = 7 };

struct dev_entry {
        char type;            /* 'c' or 'b' */
        int64_t major, minor; /* -1: any */
        unsigned acc;
};

static bool dev_num_overlaps(int64_t a, int64_t b)
{
        return a == -1 || b == -1 || a == b;
}

static bool dev_num_covers(int64_t outer, int64_t inner)
{
        return outer == -1 || outer == inner;
}

static int dev_num(const char *field, size_t i, bool has, int64_t v, int64_t *ret, berth_error **err)
{
        if (!has || v == -1) {
                *ret = -1;
                return 0;
        }
        if (v < 0 || v > UINT32_MAX)
                return berth_err_plain(err, EINVAL, "linux.resources.devices[%zu].%s: invalid value %" PRId64,
                                       i, field, v);
        *ret = v;
        return 0;
}

static char *dev_entry_path(const struct dev_entry *e, bool *inexact)
{
        const char *group = e->type == 'c' ? "char" : "block";
        if (e->major == -1) {
                /* "*:n" cannot be said to systemd: allow the whole type there. */
                if (e->minor != -1)
                        *inexact = true;
                return xasprintf("%s-*", group);
        }
        if (e->minor == -1)
                return xasprintf("%s-%" PRId64, group, e->major);
        return xasprintf("/dev/%s/%" PRId64 ":%" PRId64, group, e->major, e->minor);
}

static char *acc_string(unsigned acc)
{
        return xasprintf("%s%s%s", acc & ACC_R ? "r" : "", acc & ACC_W ? "w" : "", acc & ACC_M ? "m" : "");
}

/* A deny rule inside a deny-all default: drop what it surely denies; keep (wider) what it only partly does.
 */
static void dev_deny(struct dev_entry *e, size_t *n, char type, int64_t major, int64_t minor, unsigned acc,
                     bool *inexact)
{
        for (size_t k = 0; k < *n;) {
                if (e[k].type != type || !dev_num_overlaps(e[k].major, major) ||
                    !dev_num_overlaps(e[k].minor, minor) || !(e[k].acc & acc)) {
                        k++;
                        continue;
                }
                if (dev_num_covers(major, e[k].major) && dev_num_covers(minor, e[k].minor) &&
                    (acc & e[k].acc) == e[k].acc) {
                        memmove(&e[k], &e[k + 1], (*n - k - 1) * sizeof(*e));
                        (*n)--;
                        continue;
                }
                *inexact = true;
                k++;
        }
}

int systemd_devices_to_props(const struct spec_device_cgroup *rules, size_t n, struct unit_props *props,
                             bool *ret_inexact, berth_error **err)
{
        _cleanup_free_ struct dev_entry *e = NULL;
        size_t n_e = 0;
        bool deny_default = false, inexact = false;

        for (size_t i = 0; i < n; i++) {
                const struct spec_device_cgroup *d = &rules[i];
                int64_t major = -1, minor = -1;
                int r = dev_num("major", i, d->has_major, d->major, &major, err);
                if (r >= 0)
                        r = dev_num("minor", i, d->has_minor, d->minor, &minor, err);
                if (r < 0)
                        return r;
                unsigned acc = 0;
                for (const char *c = d->access ? d->access : "rwm"; *c; c++) {
                        if (!strchr("rwm", *c))
                                return berth_err_plain(err, EINVAL,
                                                       "linux.resources.devices[%zu].access: \"%s\" may only "
                                                       "contain r, w and m",
                                                       i, d->access);
                        acc |= *c == 'r' ? ACC_R : *c == 'w' ? ACC_W : ACC_M;
                }
                if (acc == 0)
                        continue; /* grants or denies nothing */
                const char *types = d->type == 'c' ? "c" : d->type == 'b' ? "b" : "cb";
                if (strlen(types) == 2 && major == -1 && minor == -1 && acc == ACC_ALL) {
                        /* Matches everything: a new default, and the rules before it no longer count. */
                        deny_default = !d->allow;
                        n_e = 0;
                        inexact = false;
                        continue;
                }
                if (!deny_default) {
                        /* Everything is allowed already; systemd has no deny list. */
                        if (!d->allow)
                                inexact = true;
                        continue;
                }
                for (const char *t = types; *t; t++) {
                        if (d->allow) {
                                e = xrealloc(e, (n_e + 1) * sizeof(*e));
                                e[n_e++] = (struct dev_entry){*t, major, minor, acc};
                        } else
                                dev_deny(e, &n_e, *t, major, minor, acc, &inexact);
                }
        }

        if (!deny_default) {
                unit_props_add_string(props, "DevicePolicy", "auto");
                struct unit_value empty = unit_value_array("(ss)");
                unit_props_add_value(props, "DeviceAllow", &empty);
                *ret_inexact = inexact;
                return 0;
        }

        /* One entry per systemd path (systemd keeps one per path): merge, noting when that widens. */
        _cleanup_strv_free_ char **paths = xmalloc0(sizeof(char *));
        _cleanup_free_ unsigned *accs = n_e ? xmalloc0(n_e * sizeof(unsigned)) : NULL;
        size_t n_paths = 0;
        for (size_t k = 0; k < n_e; k++) {
                _cleanup_free_ char *path = dev_entry_path(&e[k], &inexact);
                size_t j = 0;
                while (j < n_paths && !STREQ(paths[j], path))
                        j++;
                if (j == n_paths) {
                        paths = strv_append(paths, path);
                        accs[n_paths++] = e[k].acc;
                        continue;
                }
                unsigned merged = accs[j] | e[k].acc;
                if (merged != accs[j] && merged != e[k].acc)
                        inexact = true;
                accs[j] = merged;
        }
        unit_props_add_string(props, "DevicePolicy", "strict");
        struct unit_value reset = unit_value_array("(ss)"), list = unit_value_array("(ss)");
        unit_props_add_value(props, "DeviceAllow", &reset);
        for (size_t j = 0; j < n_paths; j++) {
                _cleanup_free_ char *perm = acc_string(accs[j]);
                struct unit_value pv = unit_value_string(perm), pair = unit_value_pair(paths[j], &pv);
                unit_value_done(&pv);
                unit_value_push(&list, &pair);
        }
        if (list.n_items > 0)
                unit_props_add_value(props, "DeviceAllow", &list);
        unit_value_done(&list);
        *ret_inexact = inexact;
        return 0;
}

/* ---- resources ---- */

void systemd_resources_done(struct systemd_resources *s)
{
        if (!s)
                return;
        unit_props_done(&s->props);
        free(s->left.unified); /* the entries point into the spec */
        *s = (struct systemd_resources){};
}

static uint64_t limit_value(int64_t v)
{
        return v < 0 ? UINT64_MAX : (uint64_t)v;
}

/* runc's rules: a period alone sets CPUQuotaPeriodUSec and an unlimited quota. */
static void add_cpu_quota(struct unit_props *p, int64_t quota, uint64_t period, bool *ret_inexact)
{
        *ret_inexact = false;
        if (period != 0)
                unit_props_add_u64(p, "CPUQuotaPeriodUSec", period);
        if (quota != 0 || period != 0)
                unit_props_add_u64(p, "CPUQuotaPerSecUSec",
                                   systemd_cpu_quota_per_sec(quota, period, ret_inexact));
}

static void left_add_unified(struct systemd_resources *s, const struct spec_kv *kv)
{
        s->left.unified = xrealloc(s->left.unified, (s->left.n_unified + 1) * sizeof(*s->left.unified));
        s->left.unified[s->left.n_unified++] = *kv;
        s->has_left = true;
}

static int parse_u64_or_max(const char *what, const char *key, const char *value, uint64_t *ret,
                            berth_error **err)
{
        _cleanup_free_ char *v = xstrdup(value ? value : "");
        char *start = v;
        while (isspace((unsigned char)*start))
                start++;
        for (size_t len = strlen(start); len > 0 && isspace((unsigned char)start[len - 1]); len--)
                start[len - 1] = 0;
        if (STREQ(start, "max")) {
                *ret = UINT64_MAX;
                return 0;
        }
        char *end;
        errno = 0;
        unsigned long long u = isdigit((unsigned char)*start) ? strtoull(start, &end, 10) : 0;
        if (!isdigit((unsigned char)*start) || errno || *end)
                return berth_err_plain(err, EINVAL, "%s: %s: invalid value \"%s\" (a number or \"max\")",
                                       what, key, value ? value : "");
        *ret = u;
        return 0;
}

/* unified keys that have a unit property; the rest is left to the cgroup files. */
static int map_unified(struct systemd_resources *s, const struct spec_kv *kv, berth_error **err)
{
        static const char what[] = "linux.resources.unified";
        static const struct {
                const char *key, *prop;
        } simple[] = {
            {"memory.min", "MemoryMin"}, {"memory.low", "MemoryLow"},          {"memory.high", "MemoryHigh"},
            {"memory.max", "MemoryMax"}, {"memory.swap.max", "MemorySwapMax"}, {"pids.max", "TasksMax"},
            {"cpu.weight", "CPUWeight"},
        };
        for (size_t i = 0; i < ELEMENTSOF(simple); i++) {
                if (!STREQ(kv->key, simple[i].key))
                        continue;
                uint64_t v = 0;
                int r = parse_u64_or_max(what, kv->key, kv->value, &v, err);
                if (r < 0)
                        return r;
                if (STREQ(kv->key, "cpu.weight") && (v < 1 || v > 10000))
                        return berth_err_plain(err, EINVAL, "%s: cpu.weight: %s is not in 1..10000", what,
                                               kv->value);
                unit_props_add_u64(&s->props, simple[i].prop, v);
                return 0;
        }
        if (STREQ(kv->key, "cpu.max")) {
                char quota_s[32], extra[2];
                unsigned long long period = DEFAULT_PERIOD;
                int got = sscanf(kv->value ? kv->value : "", "%31s %llu %1s", quota_s, &period, extra);
                char *end;
                errno = 0;
                long long quota = STREQ(quota_s, "max") ? 0 : strtoll(quota_s, &end, 10);
                if (got < 1 || got > 2 || errno || (!STREQ(quota_s, "max") && (*end || quota <= 0)) ||
                    period == 0)
                        return berth_err_plain(err, EINVAL,
                                               "%s: cpu.max: invalid value \"%s\" (\"QUOTA PERIOD\" or \"max "
                                               "PERIOD\")",
                                               what, kv->value ? kv->value : "");
                bool inexact;
                add_cpu_quota(&s->props, quota, period, &inexact);
                if (inexact)
                        left_add_unified(s, kv);
                return 0;
        }
        if (STREQ(kv->key, "cpuset.cpus") || STREQ(kv->key, "cpuset.mems")) {
                struct unit_value mask;
                _cleanup_free_ char *w = xasprintf("%s: %s", what, kv->key);
                int r = systemd_cpuset_to_mask(w, kv->value ? kv->value : "", &mask, err);
                if (r < 0)
                        return r;
                unit_props_add_value(
                    &s->props, STREQ(kv->key, "cpuset.cpus") ? "AllowedCPUs" : "AllowedMemoryNodes", &mask);
                return 0;
        }
        left_add_unified(s, kv);
        return 0;
}

static void map_memory_pids(struct systemd_resources *s, const struct spec_resources *r)
{
        int64_t limit = r->memory.has_limit ? r->memory.limit : 0;
        if (limit != 0)
                unit_props_add_u64(&s->props, "MemoryMax", limit_value(limit));
        if (r->memory.has_reservation && r->memory.reservation != 0)
                unit_props_add_u64(&s->props, "MemoryLow", limit_value(r->memory.reservation));
        if (r->memory.has_swap || limit == -1) {
                int64_t swap = 0;
                /* validated by cgroup_resources_to_writes() already */
                (void)cgroup_memory_swap_to_v2(r->memory.has_swap ? r->memory.swap : 0, limit, &swap, NULL);
                /* swap == limit: memory+swap is memory alone, no swap (swap - limit = 0) */
                if (swap != 0 || (r->memory.has_swap && r->memory.swap > 0 && r->memory.swap == limit))
                        unit_props_add_u64(&s->props, "MemorySwapMax", limit_value(swap));
        }
        if (r->pids.has_limit)
                unit_props_add_u64(&s->props, "TasksMax",
                                   r->pids.limit > 0 ? (uint64_t)r->pids.limit : UINT64_MAX);
}

static int map_cpu(struct systemd_resources *s, const struct spec_resources *r, berth_error **err)
{
        if (r->cpu.has_shares && r->cpu.shares != 0)
                unit_props_add_u64(&s->props, "CPUWeight", cgroup_cpu_shares_to_weight(r->cpu.shares));
        int64_t quota = r->cpu.has_quota ? r->cpu.quota : 0;
        uint64_t period = r->cpu.has_period ? r->cpu.period : 0;
        bool inexact;
        add_cpu_quota(&s->props, quota, period, &inexact);
        if (inexact) {
                /* The exact cpu.max goes to the file after systemd wrote its rounded one. */
                s->left.cpu.has_quota = r->cpu.has_quota;
                s->left.cpu.quota = r->cpu.quota;
                s->left.cpu.has_period = r->cpu.has_period;
                s->left.cpu.period = r->cpu.period;
                s->has_left = true;
        }
        if (r->cpu.has_burst || r->cpu.has_idle) {
                s->left.cpu.has_burst = r->cpu.has_burst;
                s->left.cpu.burst = r->cpu.burst;
                s->left.cpu.has_idle = r->cpu.has_idle;
                s->left.cpu.idle = r->cpu.idle;
                s->has_left = true;
        }
        const struct {
                const char *list, *what, *prop;
        } sets[] = {
            {r->cpu.cpus, "linux.resources.cpu.cpus", "AllowedCPUs"},
            {r->cpu.mems, "linux.resources.cpu.mems", "AllowedMemoryNodes"},
        };
        for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
                if (!sets[i].list || !*sets[i].list)
                        continue;
                struct unit_value mask;
                int k = systemd_cpuset_to_mask(sets[i].what, sets[i].list, &mask, err);
                if (k < 0)
                        return k;
                unit_props_add_value(&s->props, sets[i].prop, &mask);
        }
        return 0;
}

static int map_io(struct systemd_resources *s, const struct spec_resources *r, systemd_block_dev_fn devpath,
                  berth_error **err)
{
        if (r->block_io.has_weight && r->block_io.weight != 0)
                unit_props_add_u64(&s->props, "IOWeight",
                                   cgroup_blkio_weight_to_io_weight(r->block_io.weight));
        struct unit_value weights = unit_value_array("(st)");
        for (size_t i = 0; i < r->block_io.n_weight_device; i++) {
                const struct spec_weight_device *d = &r->block_io.weight_device[i];
                if (!d->has_weight)
                        continue;
                int k = add_device_entry(&weights, devpath, "linux.resources.blockIO.weightDevice", d->major,
                                         d->minor, cgroup_blkio_weight_to_io_weight(d->weight), err);
                if (k < 0) {
                        unit_value_done(&weights);
                        return k;
                }
        }
        if (weights.n_items > 0)
                unit_props_add_value(&s->props, "IODeviceWeight", &weights);
        unit_value_done(&weights);

        const struct {
                const char *what, *prop;
                const struct spec_throttle_device *t;
                size_t n;
        } th[] = {
            {"linux.resources.blockIO.throttleReadBpsDevice", "IOReadBandwidthMax",
             r->block_io.throttle_read_bps, r->block_io.n_throttle_read_bps},
            {"linux.resources.blockIO.throttleWriteBpsDevice", "IOWriteBandwidthMax",
             r->block_io.throttle_write_bps, r->block_io.n_throttle_write_bps},
            {"linux.resources.blockIO.throttleReadIOPSDevice", "IOReadIOPSMax",
             r->block_io.throttle_read_iops, r->block_io.n_throttle_read_iops},
            {"linux.resources.blockIO.throttleWriteIOPSDevice", "IOWriteIOPSMax",
             r->block_io.throttle_write_iops, r->block_io.n_throttle_write_iops},
        };
        for (size_t i = 0; i < ELEMENTSOF(th); i++) {
                if (th[i].n == 0)
                        continue;
                struct unit_value v = unit_value_array("(st)");
                for (size_t j = 0; j < th[i].n; j++) {
                        /* 0 meant "no limit" in cgroup v1: infinity for systemd */
                        int k = add_device_entry(&v, devpath, th[i].what, th[i].t[j].major, th[i].t[j].minor,
                                                 th[i].t[j].rate == 0 ? UINT64_MAX : th[i].t[j].rate, err);
                        if (k < 0) {
                                unit_value_done(&v);
                                return k;
                        }
                }
                unit_props_add_value(&s->props, th[i].prop, &v);
        }
        return 0;
}

int systemd_resources_to_props(const struct spec_resources *r, systemd_block_dev_fn devpath,
                               struct systemd_resources *ret, berth_error **err)
{
        *ret = (struct systemd_resources){};
        if (!r)
                return 0;
        if (!devpath)
                devpath = systemd_block_device_node;

        /* The values are checked exactly as the cgroupfs manager checks them. */
        struct cgroup_write *w = NULL;
        size_t n = 0;
        int k = cgroup_resources_to_writes(r, &w, &n, err);
        if (k < 0)
                return k;
        cgroup_writes_free(w, n);

        _cleanup_(systemd_resources_done) struct systemd_resources s = {};
        map_memory_pids(&s, r);
        if ((k = map_cpu(&s, r, err)) < 0 || (k = map_io(&s, r, devpath, err)) < 0)
                return k;
        if (r->n_devices > 0) {
                bool inexact;
                if ((k = systemd_devices_to_props(r->devices, r->n_devices, &s.props, &inexact, err)) < 0)
                        return k;
                if (inexact) {
                        s.left.devices = r->devices;
                        s.left.n_devices = r->n_devices;
                        s.has_left = true;
                }
        }
        if (r->n_hugepage_limits > 0) {
                s.left.hugepage_limits = r->hugepage_limits;
                s.left.n_hugepage_limits = r->n_hugepage_limits;
                s.has_left = true;
        }
        for (size_t i = 0; i < r->n_unified; i++)
                if ((k = map_unified(&s, &r->unified[i], err)) < 0)
                        return k;
        s.left.present = s.has_left;
        *ret = s;
        s = (struct systemd_resources){};
        return 0;
}

/* ---- GVariant text (annotations) ---- */

enum gv_kind { GV_STRING, GV_BOOL, GV_NUMBER, GV_ARRAY };

/* Parsed before typing: a bare number's type depends on where it is ([uint64 1, 2] makes 2 a uint64). */
struct gv_node {
        enum gv_kind kind;
        char *type; /* from a keyword ("uint64 5") or an annotation ("@t 5"); NULL: inferred */
        char *text; /* string contents, or the number literal */
        bool b, is_float;
        struct gv_node *items;
        size_t n_items;
};

static void gv_node_done(struct gv_node *n)
{
        free(n->type);
        free(n->text);
        for (size_t i = 0; i < n->n_items; i++)
                gv_node_done(&n->items[i]);
        free(n->items);
        *n = (struct gv_node){};
}

struct gv_parser {
        const char *start, *p;
};

static int gv_error(const struct gv_parser *ps, berth_error **err, const char *what)
{
        return berth_err_plain(err, EINVAL, "%s at offset %zu", what, (size_t)(ps->p - ps->start));
}

static void gv_skip_ws(struct gv_parser *ps)
{
        while (isspace((unsigned char)*ps->p))
                ps->p++;
}

static const struct {
        const char *word;
        char type;
} gv_keywords[] = {
    {"byte", 'y'},   {"int16", 'n'}, {"uint16", 'q'}, {"int32", 'i'},
    {"uint32", 'u'}, {"int64", 'x'}, {"uint64", 't'}, {"double", 'd'},
};

static bool gv_numeric_type(const char *sig)
{
        return sig && sig[0] && !sig[1] && strchr("ynqiuxtd", sig[0]);
}

/* A signature this parser can produce: basic types and arrays of them. */
static bool gv_signature_valid(const char *sig)
{
        while (*sig == 'a')
                sig++;
        return sig[0] && !sig[1] && strchr("bynqiuxtds", sig[0]);
}

static int gv_parse(struct gv_parser *ps, struct gv_node *out, unsigned depth, berth_error **err);

static int gv_parse_string(struct gv_parser *ps, struct gv_node *out, berth_error **err)
{
        char quote = *ps->p++;
        _cleanup_free_ char *buf = xmalloc0(strlen(ps->p) + 1);
        size_t n = 0;
        for (;;) {
                char c = *ps->p;
                if (!c)
                        return gv_error(ps, err, "unterminated string");
                ps->p++;
                if (c == quote)
                        break;
                if (c == '\\') {
                        static const char from[] = "\\'\"abfnrtv", to[] = "\\'\"\a\b\f\n\r\t\v";
                        const char *e = *ps->p ? strchr(from, *ps->p) : NULL;
                        if (!e)
                                return gv_error(ps, err, "unsupported escape in string");
                        c = to[e - from];
                        ps->p++;
                }
                buf[n++] = c;
        }
        *out = (struct gv_node){.kind = GV_STRING, .text = TAKE_PTR(buf)};
        return 0;
}

static int gv_parse_number(struct gv_parser *ps, struct gv_node *out, berth_error **err)
{
        const char *s = ps->p;
        size_t len = strspn(s, "0123456789abcdefABCDEFxX.+-");
        if (len == 0)
                return gv_error(ps, err, "expected a number");
        ps->p += len;
        char *text = xstrndup(s, len);
        bool hex = strstr(text, "0x") || strstr(text, "0X");
        *out = (struct gv_node){.kind = GV_NUMBER,
                                .text = text,
                                .is_float =
                                    strchr(text, '.') || (!hex && (strchr(text, 'e') || strchr(text, 'E')))};
        return 0;
}

static int gv_parse_array(struct gv_parser *ps, struct gv_node *out, unsigned depth, berth_error **err)
{
        ps->p++; /* '[' */
        struct gv_node a = {.kind = GV_ARRAY};
        gv_skip_ws(ps);
        if (*ps->p == ']') {
                ps->p++;
                *out = a;
                return 0;
        }
        for (;;) {
                a.items = xrealloc(a.items, (a.n_items + 1) * sizeof(*a.items));
                int r = gv_parse(ps, &a.items[a.n_items], depth + 1, err);
                if (r < 0) {
                        gv_node_done(&a);
                        return r;
                }
                a.n_items++;
                gv_skip_ws(ps);
                if (*ps->p == ',') {
                        ps->p++;
                        continue;
                }
                if (*ps->p == ']') {
                        ps->p++;
                        break;
                }
                gv_node_done(&a);
                return gv_error(ps, err, "expected ',' or ']' in array");
        }
        *out = a;
        return 0;
}

static int gv_parse(struct gv_parser *ps, struct gv_node *out, unsigned depth, berth_error **err)
{
        if (depth > GVARIANT_DEPTH)
                return gv_error(ps, err, "nested too deeply");
        gv_skip_ws(ps);
        char c = *ps->p;
        if (c == '@') {
                ps->p++;
                size_t len = strspn(ps->p, "abynqiuxtds");
                _cleanup_free_ char *sig = xstrndup(ps->p, len);
                if (!gv_signature_valid(sig))
                        return gv_error(ps, err, "unsupported type annotation");
                ps->p += len;
                int r = gv_parse(ps, out, depth + 1, err);
                if (r < 0)
                        return r;
                if (out->type && !STREQ(out->type, sig)) {
                        gv_node_done(out);
                        return gv_error(ps, err, "conflicting types");
                }
                free(out->type);
                out->type = TAKE_PTR(sig);
                return 0;
        }
        if (c == '[')
                return gv_parse_array(ps, out, depth, err);
        if (c == '\'' || c == '"')
                return gv_parse_string(ps, out, err);
        if (isalpha((unsigned char)c)) {
                size_t len = strspn(ps->p, "abcdefghijklmnopqrstuvwxyz0123456789");
                for (size_t i = 0; i < ELEMENTSOF(gv_keywords); i++) {
                        if (strlen(gv_keywords[i].word) != len ||
                            strncmp(ps->p, gv_keywords[i].word, len) != 0)
                                continue;
                        ps->p += len;
                        gv_skip_ws(ps);
                        int r = gv_parse_number(ps, out, err);
                        if (r < 0)
                                return r;
                        out->type = xasprintf("%c", gv_keywords[i].type);
                        return 0;
                }
                if ((len == 4 && strncmp(ps->p, "true", 4) == 0) ||
                    (len == 5 && strncmp(ps->p, "false", 5) == 0)) {
                        *out = (struct gv_node){.kind = GV_BOOL, .b = len == 4};
                        ps->p += len;
                        return 0;
                }
                return gv_error(ps, err,
                                "unsupported word (true, false, a quoted string, a number, a typed "
                                "number such as \"uint64 5\", or an array)");
        }
        if (isdigit((unsigned char)c) || c == '-' || c == '+' || c == '.')
                return gv_parse_number(ps, out, err);
        return gv_error(ps, err, c ? "unexpected character" : "missing value");
}

/* The element type of an array written without one, from its elements; NULL when nothing tells. */
static char *gv_infer(const struct gv_node *n);
static char *gv_infer_elem(const struct gv_node *a)
{
        for (size_t i = 0; i < a->n_items; i++)
                if (a->items[i].type)
                        return xstrdup(a->items[i].type);
        if (a->n_items == 0)
                return NULL;
        if (a->items[0].kind == GV_NUMBER) {
                for (size_t i = 0; i < a->n_items; i++)
                        if (a->items[i].kind == GV_NUMBER && a->items[i].is_float)
                                return xstrdup("d");
                return xstrdup("i");
        }
        for (size_t i = 0; i < a->n_items; i++) {
                char *t = gv_infer(&a->items[i]);
                if (t)
                        return t;
        }
        return NULL;
}

static char *gv_infer(const struct gv_node *n)
{
        if (n->type)
                return xstrdup(n->type);
        switch (n->kind) {
        case GV_STRING:
                return xstrdup("s");
        case GV_BOOL:
                return xstrdup("b");
        case GV_NUMBER:
                return xstrdup(n->is_float ? "d" : "i");
        case GV_ARRAY: {
                _cleanup_free_ char *e = gv_infer_elem(n);
                return e ? xasprintf("a%s", e) : NULL;
        }
        }
        return NULL;
}

static int gv_number(const struct gv_node *n, char type, struct unit_value *out, berth_error **err)
{
        const char *t = n->text;
        char *end;
        errno = 0;
        *out = (struct unit_value){.sig = xasprintf("%c", type)};
        if (type == 'd') {
                out->d = strtod(t, &end);
                if (errno || *end || end == t)
                        goto invalid;
                return 0;
        }
        if (n->is_float)
                goto invalid;
        static const struct {
                char type;
                int64_t min;
                uint64_t max;
        } ranges[] = {
            {'y', 0, UINT8_MAX},         {'n', INT16_MIN, INT16_MAX}, {'q', 0, UINT16_MAX},
            {'i', INT32_MIN, INT32_MAX}, {'u', 0, UINT32_MAX},        {'x', INT64_MIN, INT64_MAX},
            {'t', 0, UINT64_MAX},
        };
        for (size_t i = 0; i < ELEMENTSOF(ranges); i++) {
                if (ranges[i].type != type)
                        continue;
                if (ranges[i].min == 0) {
                        if (strchr(t, '-'))
                                goto invalid;
                        unsigned long long u = strtoull(t, &end, 0);
                        if (errno || *end || end == t || u > ranges[i].max)
                                goto invalid;
                        out->u = u;
                } else {
                        long long v = strtoll(t, &end, 0);
                        if (errno || *end || end == t || v < ranges[i].min ||
                            (v > 0 && (uint64_t)v > ranges[i].max))
                                goto invalid;
                        out->i = v;
                }
                return 0;
        }
invalid:
        unit_value_done(out);
        return berth_err_plain(err, EINVAL, "\"%s\" is not a valid %s", t,
                               type == 'd' ? "double"
                               : type == 'i' && !n->type
                                   ? "int32 (a bare integer is an int32 in GVariant text; write \"uint64 N\" "
                                     "for larger numbers)"
                                   : "number of that type");
}

/* Types the node as want (NULL: its own or inferred type). */
static int gv_convert(const struct gv_node *n, const char *want, struct unit_value *out, berth_error **err)
{
        if (n->type && want && !STREQ(n->type, want))
                return berth_err_plain(err, EINVAL, "a value of type %s where %s is expected", n->type, want);
        _cleanup_free_ char *sig = want ? xstrdup(want) : gv_infer(n);
        if (!sig)
                return berth_err_plain(
                    err, EINVAL,
                    "cannot tell the type of an empty array (write it with a type, such as "
                    "\"@as []\")");
        switch (n->kind) {
        case GV_BOOL:
        case GV_STRING:
                if (!STREQ(sig, n->kind == GV_BOOL ? "b" : "s"))
                        return berth_err_plain(err, EINVAL, "a %s where %s is expected",
                                               n->kind == GV_BOOL ? "boolean" : "string", sig);
                *out = (struct unit_value){.sig = TAKE_PTR(sig), .b = n->b};
                if (n->kind == GV_STRING)
                        out->s = xstrdup(n->text);
                return 0;
        case GV_NUMBER:
                if (!gv_numeric_type(sig))
                        return berth_err_plain(err, EINVAL, "a number where %s is expected", sig);
                return gv_number(n, sig[0], out, err);
        case GV_ARRAY:
                if (sig[0] != 'a')
                        return berth_err_plain(err, EINVAL, "an array where %s is expected", sig);
                break;
        }
        struct unit_value a = {.sig = xstrdup(sig)};
        for (size_t i = 0; i < n->n_items; i++) {
                struct unit_value item;
                int r = gv_convert(&n->items[i], sig + 1, &item, err);
                if (r < 0) {
                        unit_value_done(&a);
                        return r;
                }
                unit_value_push(&a, &item);
        }
        *out = a;
        return 0;
}

int systemd_parse_gvariant(const char *text, struct unit_value *ret, berth_error **err)
{
        struct gv_parser ps = {.start = text ? text : "", .p = text ? text : ""};
        struct gv_node n = {};
        int r = gv_parse(&ps, &n, 0, err);
        if (r < 0)
                return r;
        gv_skip_ws(&ps);
        if (*ps.p)
                r = gv_error(&ps, err, "unexpected text after the value");
        else
                r = gv_convert(&n, NULL, ret, err);
        gv_node_done(&n);
        return r;
}

/* "TimeoutStopSec" (a lowercase letter before "Sec") -> "TimeoutStopUSec", seconds -> microseconds. */
static int sec_to_usec(const char *name, char **ret_name, struct unit_value *v, berth_error **err)
{
        size_t len = strlen(name);
        if (len < 4 || !endswith(name, "Sec") || !islower((unsigned char)name[len - 4])) {
                *ret_name = xstrdup(name);
                return 0;
        }
        uint64_t usec;
        char t = v->sig[0];
        if (v->sig[1] || !strchr("ynqiuxtd", t))
                return berth_err_plain(err, EINVAL, "%s takes a number of seconds", name);
        if (t == 'd') {
                if (!(v->d >= 0) || v->d * 1e6 >= 18446744073709551615.0)
                        return berth_err_plain(err, ERANGE, "%s: %g seconds is out of range", name, v->d);
                usec = (uint64_t)(v->d * 1e6);
        } else if (strchr("nix", t) && v->i < 0)
                return berth_err_plain(err, ERANGE, "%s: a negative number of seconds", name);
        else {
                uint64_t sec = strchr("nix", t) ? (uint64_t)v->i : v->u;
                if (sec > UINT64_MAX / USEC_PER_SEC)
                        return berth_err_plain(err, ERANGE, "%s: %" PRIu64 " seconds is out of range", name,
                                               sec);
                usec = sec * USEC_PER_SEC;
        }
        unit_value_done(v);
        *v = unit_value_u64(usec);
        *ret_name = xasprintf("%.*sUSec", (int)(len - 3), name);
        return 0;
}

int systemd_annotations_to_props(const struct spec_kv *annotations, size_t n, struct unit_props *props,
                                 berth_error **err)
{
        for (size_t i = 0; i < n; i++) {
                const char *key = annotations[i].key,
                           *text = annotations[i].value ? annotations[i].value : "";
                if (!key || !startswith(key, ANNOTATION_PREFIX))
                        continue;
                const char *name = key + strlen(ANNOTATION_PREFIX);
                bool ok = strlen(name) >= 3;
                for (const char *c = name; *c; c++)
                        ok &= isascii((unsigned char)*c) && isalpha((unsigned char)*c);
                if (!ok)
                        return berth_err_plain(err, EINVAL,
                                               "annotations[\"%s\"]: \"%s\" is not a systemd property name "
                                               "(letters only, at least three)",
                                               key, name);
                struct unit_value v;
                int r = systemd_parse_gvariant(text, &v, err);
                _cleanup_free_ char *final = NULL;
                if (r >= 0) {
                        r = sec_to_usec(name, &final, &v, err);
                        if (r < 0)
                                unit_value_done(&v);
                }
                if (r < 0)
                        return berth_err_prefix(err, "annotations[\"%s\"]: value \"%s\"", key, text);
                unit_props_add_value(props, final, &v);
        }
        return 0;
}
