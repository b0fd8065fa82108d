/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The systemd cgroup manager's pure parts: cgroupsPath -> slice, unit and cgroup path; CPU quota rounding;
 * cpuset masks; linux.resources (devices included) -> unit properties and what is left to cgroup files;
 * GVariant text and org.systemd.property.* annotations. Properties are read back as "<signature> <value>".
 * Needs no systemd: the one manager call made goes to a D-Bus address that does not exist.
 */
#include <inttypes.h>

#include "cgroup-systemd.h"
#include "unit.h"

/* ---- helpers ---- */

#define CHECK_PROP(props, name, expected)                                                                    \
        do {                                                                                                 \
                char *_d = unit_props_describe((props), (name));                                             \
                CHECK_STREQ(_d, (expected));                                                                 \
                free(_d);                                                                                    \
        } while (0)

static size_t count_props(const struct unit_props *p, const char *name)
{
        size_t n = 0;
        for (size_t i = 0; i < p->n; i++)
                n += STREQ(p->v[i].name, name);
        return n;
}

struct resolved {
        int rc;
        char *slice, *unit, *path, *msg;
};

static struct resolved resolve(const char *cgroups_path, const char *id)
{
        struct resolved r = {};
        berth_error *err = NULL;
        r.rc = systemd_resolve_cgroups_path(cgroups_path, id, &r.slice, &r.unit, &r.path, &err);
        if (r.rc < 0) {
                r.msg = err ? xstrdup(err->msg) : NULL;
                berth_error_free(err);
        }
        return r;
}

static void resolved_free(struct resolved *r)
{
        free(r->slice);
        free(r->unit);
        free(r->path);
        free(r->msg);
}

static void check_resolves(const char *cgroups_path, const char *slice, const char *unit, const char *path)
{
        struct resolved r = resolve(cgroups_path, "c1");
        CHECK_INTEQ(r.rc, 0);
        if (r.rc < 0)
                fprintf(stderr, "# %s: %s\n", cgroups_path, r.msg ? r.msg : "?");
        CHECK_STREQ(r.slice, slice);
        CHECK_STREQ(r.unit, unit);
        CHECK_STREQ(r.path, path);
        resolved_free(&r);
}

static void check_rejects(const char *cgroups_path, const char *id, const char *needle)
{
        struct resolved r = resolve(cgroups_path, id);
        CHECK(r.rc < 0);
        CHECK_CONTAINS(r.msg, needle);
        resolved_free(&r);
}

/* A fake block device resolver: 8:0 is /dev/sda, 8:16 /dev/sdb, nothing else exists. */
static char *fake_devpath(int64_t major, int64_t minor)
{
        if (major == 8 && (minor == 0 || minor == 16))
                return xasprintf("/dev/sd%c", minor == 0 ? 'a' : 'b');
        return NULL;
}

static int map(const struct spec_resources *r, struct systemd_resources *out, char **msg)
{
        berth_error *err = NULL;
        int k = systemd_resources_to_props(r, fake_devpath, out, &err);
        if (k < 0) {
                if (msg)
                        *msg = err ? xstrdup(err->msg) : NULL;
                else
                        fprintf(stderr, "# unexpected error: %s\n", err ? err->msg : "?");
                berth_error_free(err);
        }
        return k;
}

static int devices(const struct spec_device_cgroup *rules, size_t n, struct unit_props *p, bool *inexact,
                   char **msg)
{
        berth_error *err = NULL;
        int k = systemd_devices_to_props(rules, n, p, inexact, &err);
        if (k < 0) {
                *msg = err ? xstrdup(err->msg) : NULL;
                berth_error_free(err);
        }
        return k;
}

/* The GVariant text parsed and printed back as "<signature> <value>", or "error: <message>". */
static char *gvariant(const char *text)
{
        struct unit_value v;
        berth_error *err = NULL;
        if (systemd_parse_gvariant(text, &v, &err) < 0) {
                char *msg = xasprintf("error: %s", err ? err->msg : "?");
                berth_error_free(err);
                return msg;
        }
        char *s = unit_value_to_string(&v), *out = xasprintf("%s %s", v.sig, s);
        free(s);
        unit_value_done(&v);
        return out;
}

#define CHECK_GV(text, expected)                                                                             \
        do {                                                                                                 \
                char *_g = gvariant(text);                                                                   \
                CHECK_STREQ(_g, (expected));                                                                 \
                free(_g);                                                                                    \
        } while (0)

#define CHECK_GV_ERROR(text, needle)                                                                         \
        do {                                                                                                 \
                char *_g = gvariant(text);                                                                   \
                CHECK(strncmp(_g, "error: ", 7) == 0);                                                       \
                CHECK_CONTAINS(_g, (needle));                                                                \
                free(_g);                                                                                    \
        } while (0)

static char *annotations_error(const struct spec_kv *kv, size_t n)
{
        struct unit_props p = {};
        berth_error *err = NULL;
        int k = systemd_annotations_to_props(kv, n, &p, &err);
        unit_props_done(&p);
        char *msg = k < 0 && err ? xstrdup(err->msg) : NULL;
        berth_error_free(err);
        return msg;
}

/* ---- cgroupsPath ---- */

TEST(test_cgroups_path_forms)
{
        check_resolves(NULL, "machine.slice", "berth-c1.scope", "/machine.slice/berth-c1.scope");
        check_resolves("", "machine.slice", "berth-c1.scope", "/machine.slice/berth-c1.scope");
        check_resolves("system.slice:docker:abc", "system.slice", "docker-abc.scope",
                       "/system.slice/docker-abc.scope");
        check_resolves("machine.slice:libpod:abc", "machine.slice", "libpod-abc.scope",
                       "/machine.slice/libpod-abc.scope");
        /* CRI-O: a pod slice nested by its dashes */
        check_resolves(
            "kubepods-besteffort-pod1234.slice:crio:abc", "kubepods-besteffort-pod1234.slice",
            "crio-abc.scope",
            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/crio-abc.scope");
        /* empty slice part: system.slice, as runc */
        check_resolves(":crio:abc", "system.slice", "crio-abc.scope", "/system.slice/crio-abc.scope");
        /* empty prefix; a name with .scope already */
        check_resolves("system.slice::abc", "system.slice", "abc.scope", "/system.slice/abc.scope");
        check_resolves("system.slice:p:abc.scope", "system.slice", "p-abc.scope",
                       "/system.slice/p-abc.scope");
        check_resolves("system.slice::abc.scope", "system.slice", "abc.scope", "/system.slice/abc.scope");
        /* the root slice */
        check_resolves("-.slice:p:n", "-.slice", "p-n.scope", "/p-n.scope");
        /* a name ending in .slice: the unit is that slice, placed by its own name */
        check_resolves("kubepods.slice:x:kubepods-burstable.slice", "kubepods.slice",
                       "kubepods-burstable.slice", "/kubepods.slice/kubepods-burstable.slice");
}

TEST(test_cgroups_path_errors)
{
        check_rejects("a:b", "c1", "linux.cgroupsPath: \"a:b\" is not of the form slice:prefix:name");
        check_rejects("system.slice:a:b:c", "c1", "slice:prefix:name");
        check_rejects("/berth/c1", "c1", "slice:prefix:name");
        check_rejects("system:docker:abc", "c1", "\"system\" is not a valid slice name");
        check_rejects("a--b.slice:p:n", "c1", "empty component");
        check_rejects("-a.slice:p:n", "c1", "empty component");
        check_rejects("a-.slice:p:n", "c1", "empty component");
        check_rejects(".slice:p:n", "c1", "not a valid slice name");
        check_rejects("system.slice:p:", "c1", "the name part is empty");
        check_rejects("system.slice:do/cker:abc", "c1",
                      "\"do/cker-abc.scope\" is not a valid systemd unit name");
        check_rejects("sys tem.slice:p:n", "c1", "not a valid slice name");
        check_rejects("system.slice:p:a@b", "c1", "not a valid systemd unit name");
        char longname[300];
        memset(longname, 'x', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = 0;
        char *path = xasprintf("system.slice:p:%s", longname);
        check_rejects(path, "c1", "at most 255 characters");
        free(path);
        /* the default form needs an id that makes a unit name */
        check_rejects("", "c 1", "container id \"c 1\"");
}

TEST(test_slice_path)
{
        char *p = NULL;
        CHECK_INTEQ(systemd_slice_path("a-b-c.slice", &p, NULL), 0);
        CHECK_STREQ(p, "/a.slice/a-b.slice/a-b-c.slice");
        free(p);
        CHECK_INTEQ(systemd_slice_path("machine.slice", &p, NULL), 0);
        CHECK_STREQ(p, "/machine.slice");
        free(p);
        CHECK_INTEQ(systemd_slice_path("-.slice", &p, NULL), 0);
        CHECK_STREQ(p, "");
        free(p);
        CHECK(systemd_slice_path("a.scope", &p, NULL) < 0);
        CHECK(systemd_slice_path("a/b.slice", &p, NULL) < 0);
        CHECK(systemd_unit_name_valid("berth-c1.scope", ".scope"));
        CHECK(systemd_unit_name_valid("a:b\\x2d.scope", ".scope"));
        CHECK(!systemd_unit_name_valid(".scope", ".scope"));
        CHECK(!systemd_unit_name_valid("a.scope", ".slice"));
        CHECK(!systemd_unit_name_valid(NULL, ".scope"));
}

/* ---- cpu ---- */

TEST(test_cpu_quota_rounding)
{
        bool inexact;
        CHECK(systemd_cpu_quota_per_sec(50000, 100000, &inexact) == 500000);
        CHECK(!inexact);
        /* 12.345% -> 13%: systemd keeps whole percents (runc rounds up the same way) */
        CHECK(systemd_cpu_quota_per_sec(12345, 100000, &inexact) == 130000);
        CHECK(inexact);
        CHECK(systemd_cpu_quota_per_sec(1, 100000, &inexact) == 10000);
        CHECK(inexact);
        CHECK(systemd_cpu_quota_per_sec(1000, 100000, &inexact) == 10000);
        CHECK(!inexact);
        /* period 0 is the kernel default 100 ms */
        CHECK(systemd_cpu_quota_per_sec(150000, 0, &inexact) == 1500000);
        CHECK(!inexact);
        /* 1/3 CPU: 333333 -> 340000, which systemd turns into cpu.max 10200 30000 */
        CHECK(systemd_cpu_quota_per_sec(10000, 30000, &inexact) == 340000);
        CHECK(inexact);
        CHECK(systemd_cpu_quota_per_sec(-1, 100000, &inexact) == UINT64_MAX);
        CHECK(systemd_cpu_quota_per_sec(0, 0, &inexact) == UINT64_MAX);
}

TEST(test_cpuset_mask)
{
        struct unit_value v;
        const struct {
                const char *list, *text;
        } ok[] = {
            {"0-3", "[15]"}, {"0,8", "[1, 1]"}, {"1-2,10", "[6, 4]"}, {" 7 ", "[128]"}, {"0-9", "[255, 3]"},
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                CHECK_INTEQ(systemd_cpuset_to_mask("x", ok[i].list, &v, NULL), 0);
                CHECK_STREQ(v.sig, "ay");
                char *s = unit_value_to_string(&v);
                CHECK_STREQ(s, ok[i].text);
                free(s);
                unit_value_done(&v);
        }
        const char *bad[] = {"", "a", "3-1", "1,,2", "1-", "99999", "1;2"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                berth_error *err = NULL;
                CHECK(systemd_cpuset_to_mask("linux.resources.cpu.cpus", bad[i], &v, &err) < 0);
                CHECK_CONTAINS(err ? err->msg : NULL, "linux.resources.cpu.cpus: invalid list");
                berth_error_free(err);
        }
}

/* ---- resources ---- */

TEST(test_resources_memory_pids)
{
        struct spec_resources r = {.present = true};
        r.memory.has_limit = r.memory.has_reservation = r.memory.has_swap = true;
        r.memory.limit = 1048576;
        r.memory.reservation = 524288;
        r.memory.swap = 2097152;
        r.pids.has_limit = true;
        r.pids.limit = 100;
        struct systemd_resources s;
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        CHECK_PROP(&s.props, "MemoryMax", "t 1048576");
        CHECK_PROP(&s.props, "MemoryLow", "t 524288");
        CHECK_PROP(&s.props, "MemorySwapMax", "t 1048576"); /* swap - limit */
        CHECK_PROP(&s.props, "TasksMax", "t 100");
        CHECK(!s.has_left);
        systemd_resources_done(&s);

        /* unlimited */
        r = (struct spec_resources){.present = true};
        r.memory.has_limit = true;
        r.memory.limit = -1;
        r.pids.has_limit = true;
        r.pids.limit = 0;
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        CHECK_PROP(&s.props, "MemoryMax", "t 18446744073709551615");
        CHECK_PROP(&s.props, "MemorySwapMax", "t 18446744073709551615");
        CHECK_PROP(&s.props, "TasksMax", "t 18446744073709551615");
        systemd_resources_done(&s);

        r.pids.limit = -1;
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        CHECK_PROP(&s.props, "TasksMax", "t 18446744073709551615");
        systemd_resources_done(&s);

        /* swap == limit: memory+swap is the memory alone, no swap at all */
        r = (struct spec_resources){.present = true};
        r.memory.has_limit = r.memory.has_swap = true;
        r.memory.limit = r.memory.swap = 33554432;
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        CHECK_PROP(&s.props, "MemorySwapMax", "t 0");
        systemd_resources_done(&s);
        /* swap not given: left alone */
        r.memory.has_swap = false;
        r.memory.swap = 0;
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        CHECK(unit_props_find(&s.props, "MemorySwapMax") == NULL);
        systemd_resources_done(&s);

        /* the cgroupfs manager's checks apply */
        r = (struct spec_resources){.present = true};
        r.memory.has_limit = r.memory.has_swap = true;
        r.memory.limit = 2000;
        r.memory.swap = 1000;
        char *msg = NULL;
        CHECK(map(&r, &s, &msg) < 0);
        CHECK_CONTAINS(msg, "linux.resources.memory.swap");
        free(msg);

        /* nothing asked, nothing set */
        r = (struct spec_resources){};
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        CHECK_INTEQ(s.props.n, 0);
        CHECK(!s.has_left);
        systemd_resources_done(&s);
        CHECK_INTEQ(map(NULL, &s, NULL), 0);
        CHECK_INTEQ(s.props.n, 0);
}

TEST(test_resources_cpu)
{
        struct spec_resources r = {.present = true};
        r.cpu.has_shares = r.cpu.has_quota = r.cpu.has_period = true;
        r.cpu.shares = 1024;
        r.cpu.quota = 50000;
        r.cpu.period = 100000;
        r.cpu.cpus = (char *)"0-1";
        r.cpu.mems = (char *)"0";
        struct systemd_resources s;
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        char *weight = xasprintf("t %" PRIu64, cgroup_cpu_shares_to_weight(1024));
        CHECK_PROP(&s.props, "CPUWeight", weight);
        free(weight);
        CHECK_PROP(&s.props, "CPUQuotaPeriodUSec", "t 100000");
        CHECK_PROP(&s.props, "CPUQuotaPerSecUSec", "t 500000");
        CHECK_PROP(&s.props, "AllowedCPUs", "ay [3]");
        CHECK_PROP(&s.props, "AllowedMemoryNodes", "ay [1]");
        CHECK(!s.has_left);
        systemd_resources_done(&s);

        /* a quota systemd would round: the exact cpu.max is left to the file */
        r.cpu.quota = 12345;
        r.cpu.has_burst = true;
        r.cpu.burst = 1000;
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        CHECK_PROP(&s.props, "CPUQuotaPerSecUSec", "t 130000");
        CHECK(s.has_left);
        struct cgroup_write *w = NULL;
        size_t n = 0;
        CHECK_INTEQ(cgroup_resources_to_writes(&s.left, &w, &n, NULL), 0);
        CHECK_INTEQ(n, 2);
        if (n == 2) {
                CHECK_STREQ(w[0].file, "cpu.max");
                CHECK_STREQ(w[0].value, "12345 100000");
                CHECK_STREQ(w[1].file, "cpu.max.burst");
        }
        cgroup_writes_free(w, n);
        systemd_resources_done(&s);

        /* a period alone: unlimited quota with that period (runc) */
        r = (struct spec_resources){.present = true};
        r.cpu.has_period = true;
        r.cpu.period = 50000;
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        CHECK_PROP(&s.props, "CPUQuotaPeriodUSec", "t 50000");
        CHECK_PROP(&s.props, "CPUQuotaPerSecUSec", "t 18446744073709551615");
        systemd_resources_done(&s);

        /* realtime: not in cgroup v2 */
        r.cpu.has_realtime_runtime = true;
        r.cpu.realtime_runtime = 1000;
        char *msg = NULL;
        CHECK(map(&r, &s, &msg) < 0);
        CHECK_CONTAINS(msg, "realtime");
        free(msg);

        r = (struct spec_resources){.present = true};
        r.cpu.cpus = (char *)"0-x";
        msg = NULL;
        CHECK(map(&r, &s, &msg) < 0);
        CHECK_CONTAINS(msg, "linux.resources.cpu.cpus: invalid list \"0-x\"");
        free(msg);
}

TEST(test_resources_io)
{
        struct spec_weight_device wd[] = {
            {.major = 8, .minor = 0, .has_weight = true, .weight = 300},
            {.major = 8, .minor = 16, .has_leaf_weight = true, .leaf_weight = 10}};
        struct spec_throttle_device rbps[] = {{8, 0, 1048576}, {8, 16, 0}}, wiops[] = {{8, 16, 100}};
        struct spec_resources r = {.present = true};
        r.block_io.has_weight = true;
        r.block_io.weight = 500;
        r.block_io.weight_device = wd;
        r.block_io.n_weight_device = ELEMENTSOF(wd);
        r.block_io.throttle_read_bps = rbps;
        r.block_io.n_throttle_read_bps = ELEMENTSOF(rbps);
        r.block_io.throttle_write_iops = wiops;
        r.block_io.n_throttle_write_iops = ELEMENTSOF(wiops);
        struct systemd_resources s;
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        char *want = xasprintf("t %" PRIu64, cgroup_blkio_weight_to_io_weight(500));
        CHECK_PROP(&s.props, "IOWeight", want);
        free(want);
        want = xasprintf("a(st) [('/dev/sda', %" PRIu64 ")]", cgroup_blkio_weight_to_io_weight(300));
        CHECK_PROP(&s.props, "IODeviceWeight", want);
        free(want);
        /* a rate of 0 ("no limit" in cgroup v1) is infinity */
        CHECK_PROP(&s.props, "IOReadBandwidthMax",
                   "a(st) [('/dev/sda', 1048576), ('/dev/sdb', 18446744073709551615)]");
        CHECK_PROP(&s.props, "IOWriteIOPSMax", "a(st) [('/dev/sdb', 100)]");
        CHECK(!unit_props_find(&s.props, "IOWriteBandwidthMax"));
        CHECK(!unit_props_find(&s.props, "IOReadIOPSMax"));
        systemd_resources_done(&s);

        /* a device that does not exist here */
        struct spec_throttle_device missing[] = {{9, 9, 10}};
        r = (struct spec_resources){.present = true};
        r.block_io.throttle_write_bps = missing;
        r.block_io.n_throttle_write_bps = 1;
        char *msg = NULL;
        CHECK(map(&r, &s, &msg) < 0);
        CHECK_CONTAINS(msg, "linux.resources.blockIO.throttleWriteBpsDevice: no block device 9:9");
        free(msg);

        /* the real resolver: /sys/dev/block names the node */
        char *node = systemd_block_device_node(0, 0);
        CHECK(node == NULL);
        free(node);
}

TEST(test_resources_unified_hugetlb)
{
        struct spec_kv unified[] = {
            {(char *)"memory.high", (char *)"max"},       {(char *)"memory.min", (char *)"4096"},
            {(char *)"memory.oom.group", (char *)"1"},    {(char *)"pids.max", (char *)" 50\n"},
            {(char *)"cpu.max", (char *)"max"},           {(char *)"cpuset.cpus", (char *)"2"},
            {(char *)"io.weight", (char *)"default 100"}, {(char *)"cpu.weight", (char *)"200"},
        };
        struct spec_hugepage_limit huge[] = {{(char *)"2MB", 1048576}};
        struct spec_resources r = {.present = true};
        r.memory.has_limit = true;
        r.memory.limit = 1000000;
        r.unified = unified;
        r.n_unified = ELEMENTSOF(unified);
        r.hugepage_limits = huge;
        r.n_hugepage_limits = 1;
        struct systemd_resources s;
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        CHECK_PROP(&s.props, "MemoryHigh", "t 18446744073709551615");
        CHECK_PROP(&s.props, "MemoryMin", "t 4096");
        CHECK_PROP(&s.props, "MemoryMax", "t 1000000");
        CHECK_PROP(&s.props, "TasksMax", "t 50");
        CHECK_PROP(&s.props, "CPUQuotaPerSecUSec", "t 18446744073709551615");
        CHECK_PROP(&s.props, "CPUQuotaPeriodUSec", "t 100000");
        CHECK_PROP(&s.props, "AllowedCPUs", "ay [4]");
        CHECK_PROP(&s.props, "CPUWeight", "t 200");
        /* memory.oom.group, io.weight and the hugepage limit go to the cgroup files */
        CHECK(s.has_left && s.left.present);
        CHECK_INTEQ(s.left.n_unified, 2);
        if (s.left.n_unified == 2) {
                CHECK_STREQ(s.left.unified[0].key, "memory.oom.group");
                CHECK_STREQ(s.left.unified[1].key, "io.weight");
        }
        CHECK_INTEQ(s.left.n_hugepage_limits, 1);
        CHECK(!s.left.memory.has_limit);
        struct cgroup_write *w = NULL;
        size_t n = 0;
        CHECK_INTEQ(cgroup_resources_to_writes(&s.left, &w, &n, NULL), 0);
        CHECK_INTEQ(n, 3);
        if (n == 3) {
                CHECK_STREQ(w[0].file, "hugetlb.2MB.max");
                CHECK_STREQ(w[1].file, "memory.oom.group");
                CHECK_STREQ(w[2].file, "io.weight");
        }
        cgroup_writes_free(w, n);
        systemd_resources_done(&s);

        /* an inexact cpu.max stays for the file too */
        struct spec_kv cpumax[] = {{(char *)"cpu.max", (char *)"12345 100000"}};
        r = (struct spec_resources){.present = true, .unified = cpumax, .n_unified = 1};
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        CHECK_PROP(&s.props, "CPUQuotaPerSecUSec", "t 130000");
        CHECK_INTEQ(s.left.n_unified, 1);
        systemd_resources_done(&s);

        const struct {
                const char *key, *value, *needle;
        } bad[] = {
            {"memory.high", "lots", "linux.resources.unified: memory.high: invalid value \"lots\""},
            {"cpu.max", "1 2 3", "linux.resources.unified: cpu.max: invalid value"},
            {"cpu.max", "-5 100000", "cpu.max: invalid value"},
            {"cpu.weight", "0", "cpu.weight: 0 is not in 1..10000"},
            {"cpuset.mems", "z", "linux.resources.unified: cpuset.mems: invalid list"},
            {"../memory.max", "1", "not a cgroup v2 interface file"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct spec_kv kv = {(char *)bad[i].key, (char *)bad[i].value};
                r = (struct spec_resources){.present = true, .unified = &kv, .n_unified = 1};
                char *msg = NULL;
                CHECK(map(&r, &s, &msg) < 0);
                CHECK_CONTAINS(msg, bad[i].needle);
                free(msg);
        }
}

/* ---- devices ---- */

#define DENY_ALL                                                                                             \
        {                                                                                                    \
                .allow = false                                                                               \
        }
#define RULE(a, t, ma, mi, acc)                                                                              \
        {                                                                                                    \
                .allow = (a), .type = (t), .has_major = true, .has_minor = true, .major = (ma),              \
                .minor = (mi), .access = (char *)(acc)                                                       \
        }

static void check_devices(const struct spec_device_cgroup *rules, size_t n, const char *policy,
                          const char *allow, bool want_inexact)
{
        struct unit_props p = {};
        bool inexact = !want_inexact;
        char *msg = NULL;
        CHECK_INTEQ(devices(rules, n, &p, &inexact, &msg), 0);
        CHECK_PROP(&p, "DevicePolicy", policy);
        CHECK_PROP(&p, "DeviceAllow", allow);
        CHECK_INTEQ(inexact, want_inexact);
        /* systemd appends to DeviceAllow: the list is emptied first */
        CHECK(p.n >= 2 && STREQ(p.v[1].name, "DeviceAllow") && p.v[1].value.n_items == 0);
        unit_props_done(&p);
        free(msg);
}

TEST(test_devices)
{
        /* the usual runtime spec: deny all, then allow what is needed */
        struct spec_device_cgroup usual[] = {
            DENY_ALL,
            RULE(true, 'c', 1, 3, "rwm"),
            RULE(true, 'c', 5, -1, "rw"),
            RULE(true, 'b', 8, 0, "r"),
            {.allow = true, .type = 'c', .access = (char *)"m"},
        };
        check_devices(
            usual, ELEMENTSOF(usual), "s 'strict'",
            "a(ss) [('/dev/char/1:3', 'rwm'), ('char-5', 'rw'), ('/dev/block/8:0', 'r'), ('char-*', 'm')]",
            false);

        struct spec_device_cgroup allow_all[] = {{.allow = true, .access = (char *)"rwm"}};
        check_devices(allow_all, 1, "s 'auto'", "a(ss) []", false);

        /* systemd has no deny list: everything stays allowed, and the exact eBPF filter is needed */
        struct spec_device_cgroup deny_one[] = {RULE(false, 'c', 1, 3, "rwm")};
        check_devices(deny_one, 1, "s 'auto'", "a(ss) []", true);

        /* "*:3" cannot be said: the whole type (wider), inexact */
        struct spec_device_cgroup star_minor[] = {DENY_ALL, RULE(true, 'c', -1, 3, "rw")};
        check_devices(star_minor, 2, "s 'strict'", "a(ss) [('char-*', 'rw')]", true);

        /* type a: both char and block */
        struct spec_device_cgroup type_a[] = {DENY_ALL, RULE(true, 'a', 1, 3, "r")};
        check_devices(type_a, 2, "s 'strict'", "a(ss) [('/dev/char/1:3', 'r'), ('/dev/block/1:3', 'r')]",
                      false);

        /* a deny inside an allowed range cannot be said: the range stays (wider), inexact */
        struct spec_device_cgroup hole[] = {DENY_ALL, RULE(true, 'c', 1, -1, "rwm"),
                                            RULE(false, 'c', 1, 3, "rwm")};
        check_devices(hole, 3, "s 'strict'", "a(ss) [('char-1', 'rwm')]", true);

        /* a deny covering an allowed device removes it exactly */
        struct spec_device_cgroup covered[] = {DENY_ALL, RULE(true, 'c', 1, 3, "rw"),
                                               RULE(true, 'c', 1, 5, "r"), RULE(false, 'c', 1, -1, "rwm")};
        struct unit_props p = {};
        bool inexact = true;
        char *msg = NULL;
        CHECK_INTEQ(devices(covered, 4, &p, &inexact, &msg), 0);
        CHECK_PROP(&p, "DevicePolicy", "s 'strict'");
        CHECK_INTEQ(count_props(&p, "DeviceAllow"), 1); /* the emptying only */
        CHECK(!inexact);
        unit_props_done(&p);

        /* a partial deny (w of rw) keeps the entry, inexact */
        struct spec_device_cgroup partial[] = {DENY_ALL, RULE(true, 'c', 1, 3, "rw"),
                                               RULE(false, 'c', 1, 3, "w")};
        check_devices(partial, 3, "s 'strict'", "a(ss) [('/dev/char/1:3', 'rw')]", true);

        /* one entry per path: r + w merge into rw, which is wider than the rules */
        struct spec_device_cgroup merge[] = {DENY_ALL, RULE(true, 'c', 1, 3, "r"),
                                             RULE(true, 'c', 1, 3, "w")};
        check_devices(merge, 3, "s 'strict'", "a(ss) [('/dev/char/1:3', 'rw')]", true);
        struct spec_device_cgroup nested[] = {DENY_ALL, RULE(true, 'c', 1, 3, "r"),
                                              RULE(true, 'c', 1, 3, "rw")};
        check_devices(nested, 3, "s 'strict'", "a(ss) [('/dev/char/1:3', 'rw')]", false);

        /* a rule matching everything resets what came before */
        struct spec_device_cgroup reset[] = {RULE(true, 'c', 1, 3, "rwm"), DENY_ALL};
        CHECK_INTEQ(devices(reset, 2, &p, &inexact, &msg), 0);
        CHECK_PROP(&p, "DevicePolicy", "s 'strict'");
        CHECK_INTEQ(count_props(&p, "DeviceAllow"), 1);
        CHECK(!inexact);
        unit_props_done(&p);
        struct spec_device_cgroup reopen[] = {
            DENY_ALL, RULE(false, 'c', 1, 3, "rwm"), {.allow = true, .type = 'a', .access = (char *)"rwm"}};
        check_devices(reopen, 3, "s 'auto'", "a(ss) []", false);

        /* an empty access grants nothing */
        struct spec_device_cgroup empty_access[] = {DENY_ALL, RULE(true, 'c', 1, 3, "")};
        CHECK_INTEQ(devices(empty_access, 2, &p, &inexact, &msg), 0);
        CHECK_INTEQ(count_props(&p, "DeviceAllow"), 1);
        unit_props_done(&p);

        struct spec_device_cgroup bad[] = {DENY_ALL, RULE(true, 'c', -5, 3, "rwm")};
        CHECK(devices(bad, 2, &p, &inexact, &msg) < 0);
        CHECK_CONTAINS(msg, "linux.resources.devices[1].major: invalid value -5");
        free(msg);
        unit_props_done(&p);

        /* through the resources mapping: inexact rules go to the cgroupfs code too */
        struct spec_resources r = {.present = true, .devices = deny_one, .n_devices = 1};
        struct systemd_resources s;
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        CHECK(s.has_left && s.left.n_devices == 1 && s.left.devices == deny_one);
        systemd_resources_done(&s);
        r = (struct spec_resources){.present = true, .devices = usual, .n_devices = ELEMENTSOF(usual)};
        CHECK_INTEQ(map(&r, &s, NULL), 0);
        CHECK(!s.has_left);
        CHECK_PROP(&s.props, "DevicePolicy", "s 'strict'");
        systemd_resources_done(&s);
}

/* ---- GVariant text, annotations ---- */

TEST(test_gvariant)
{
        CHECK_GV("uint64 30000000", "t 30000000");
        CHECK_GV("true", "b true");
        CHECK_GV(" false ", "b false");
        CHECK_GV("'string'", "s 'string'");
        CHECK_GV("\"double quoted\"", "s 'double quoted'");
        CHECK_GV("'it\\'s'", "s 'it\\'s'");
        CHECK_GV("['crio.service']", "as ['crio.service']");
        CHECK_GV("['a.service', \"b.service\"]", "as ['a.service', 'b.service']");
        CHECK_GV("int64 -5", "x -5");
        CHECK_GV("uint32 3", "u 3");
        CHECK_GV("int32 -7", "i -7");
        CHECK_GV("int16 -2", "n -2");
        CHECK_GV("uint16 2", "q 2");
        CHECK_GV("byte 0x10", "y 16");
        CHECK_GV("double 1.5", "d 1.5");
        CHECK_GV("@t 5", "t 5");
        CHECK_GV("5", "i 5");
        CHECK_GV("-5", "i -5");
        CHECK_GV("0x10", "i 16");
        CHECK_GV("1.5", "d 1.5");
        CHECK_GV("[uint64 1, 2]", "at [1, 2]");
        CHECK_GV("[1, 2.5]", "ad [1, 2.5]");
        CHECK_GV("@as []", "as []");
        CHECK_GV("@at [1, 2]", "at [1, 2]");
        CHECK_GV("[[1], [2, 3]]", "aai [[1], [2, 3]]");
        CHECK_GV("[[], [true]]", "aab [[], [true]]");

        CHECK_GV_ERROR("[]", "empty array");
        CHECK_GV_ERROR("'unterminated", "unterminated string");
        CHECK_GV_ERROR("uint64 -1", "not a valid");
        CHECK_GV_ERROR("5000000000", "int32");
        CHECK_GV_ERROR("byte 300", "not a valid");
        CHECK_GV_ERROR("foo", "unsupported word");
        CHECK_GV_ERROR("1 2", "unexpected text after the value");
        CHECK_GV_ERROR("['a', 1]", "a number where s is expected");
        CHECK_GV_ERROR("[true, 'x']", "a string where b is expected");
        CHECK_GV_ERROR("@t 'x'", "a string where t is expected");
        CHECK_GV_ERROR("@t int32 5", "conflicting types");
        CHECK_GV_ERROR("@(ss) ('a', 'b')", "unsupported type annotation");
        CHECK_GV_ERROR("[uint64 1, int32 2]", "a value of type i where t is expected");
        CHECK_GV_ERROR("", "missing value");
        CHECK_GV_ERROR("[1,", "missing value");
        CHECK_GV_ERROR("[1 2]", "expected ',' or ']'");
        CHECK_GV_ERROR("'\\q'", "unsupported escape");
        CHECK_GV_ERROR("int32 1.5", "not a valid");
        CHECK_GV_ERROR("[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]", "nested too deeply");
}

TEST(test_annotations)
{
        struct spec_kv a[] = {
            {(char *)"org.opencontainers.image.title", (char *)"not a property"},
            {(char *)"org.systemd.property.TimeoutStopSec", (char *)"uint64 5"},
            {(char *)"org.systemd.property.After", (char *)"['crio.service']"},
            {(char *)"org.systemd.property.CollectMode", (char *)"'inactive-or-failed'"},
            {(char *)"org.systemd.property.DefaultDependencies", (char *)"true"},
            {(char *)"org.systemd.property.RuntimeMaxUSec", (char *)"uint64 7"},
            {(char *)"org.systemd.property.JobTimeoutSec", (char *)"1.5"},
            {(char *)"org.systemd.property.MemoryMax", (char *)"uint64 30000000"},
        };
        struct unit_props p = {};
        CHECK_INTEQ(systemd_annotations_to_props(a, ELEMENTSOF(a), &p, NULL), 0);
        CHECK_INTEQ(p.n, 7);
        /* seconds -> microseconds, as runc */
        CHECK_PROP(&p, "TimeoutStopUSec", "t 5000000");
        CHECK(!unit_props_find(&p, "TimeoutStopSec"));
        CHECK_PROP(&p, "After", "as ['crio.service']");
        CHECK_PROP(&p, "CollectMode", "s 'inactive-or-failed'");
        CHECK_PROP(&p, "DefaultDependencies", "b true");
        /* already USec: as given */
        CHECK_PROP(&p, "RuntimeMaxUSec", "t 7");
        CHECK_PROP(&p, "JobTimeoutUSec", "t 1500000");
        CHECK_PROP(&p, "MemoryMax", "t 30000000");
        if (p.n == 7)
                CHECK_STREQ(p.v[0].name, "TimeoutStopUSec"); /* in order */
        unit_props_done(&p);

        const struct {
                const char *key, *value, *needle;
        } bad[] = {
            {"org.systemd.property.Bad-Name", "1",
             "annotations[\"org.systemd.property.Bad-Name\"]: \"Bad-Name\" is not a systemd property name"},
            {"org.systemd.property.Ab", "1", "letters only, at least three"},
            {"org.systemd.property.MemoryMax", "uint64 foo",
             "annotations[\"org.systemd.property.MemoryMax\"]: value \"uint64 foo\": "},
            {"org.systemd.property.TimeoutStopSec", "'x'", "TimeoutStopSec takes a number of seconds"},
            {"org.systemd.property.TimeoutStopSec", "int32 -1", "a negative number of seconds"},
            {"org.systemd.property.TimeoutStopSec", "uint64 18446744073709551615", "out of range"},
            {"org.systemd.property.After", "[crio.service]", "unsupported word"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct spec_kv kv = {(char *)bad[i].key, (char *)bad[i].value};
                char *msg = annotations_error(&kv, 1);
                CHECK_CONTAINS(msg, bad[i].needle);
                free(msg);
        }
}

/* ---- the manager object ---- */

TEST(test_manager_registered)
{
        CHECK_INTEQ(cgroup_manager_from_string("systemd"), CGROUP_MANAGER_SYSTEMD);
        CHECK_INTEQ(cgroup_default_manager(), access("/run/systemd/system", F_OK) == 0
                                                  ? CGROUP_MANAGER_SYSTEMD
                                                  : CGROUP_MANAGER_CGROUPFS);

        char *mp = NULL;
        if (cgroupfs_find_mountpoint(&mp, NULL, NULL) < 0) {
                printf("# skipped: no cgroup v2 mount here\n");
                return;
        }
        free(mp);
        struct spec_linux l = {.cgroups_path = (char *)"machine.slice:libpod:abc"};
        struct spec spec = {.linux = &l, .bundle = (char *)"/tmp/bundle"};
        struct cgroup *cg = NULL;
        berth_error *err = NULL;
        CHECK_INTEQ(cgroup_new(CGROUP_MANAGER_SYSTEMD, "abc", &spec, &cg, &err), 0);
        if (cg) {
                CHECK_STREQ(cg->unit, "libpod-abc.scope");
                CHECK_STREQ(cg->path, "/machine.slice/libpod-abc.scope");
                CHECK_STREQ(cg->ops->name, "systemd");

                CHECK(cg->ops->create_async != NULL && cg->ops->settle != NULL);

                /* creating fails cleanly where systemd cannot be reached, naming the unit */
                setenv("BERTH_SYSTEMD_ADDRESS", "unix:path=/nonexistent/berth-test.sock", 1);
                CHECK(cg->ops->create(cg, &spec, 0, &err) < 0);
                CHECK_CONTAINS(err ? err->msg : NULL, "/nonexistent/berth-test.sock (BERTH_SYSTEMD_ADDRESS)");
                CHECK_CONTAINS(err ? err->msg : NULL, "libpod-abc.scope");
                berth_error_free(err);
                err = NULL;
                CHECK(cg->ops->create_async(cg, &spec, 0, &err) < 0);
                CHECK_CONTAINS(err ? err->msg : NULL, "libpod-abc.scope");
                berth_error_free(err);
                err = NULL;
                /* a failed start leaves nothing pending */
                CHECK_INTEQ(cg->ops->settle(cg, &err), 0);
                /* a stopped unit (its cgroup is gone) needs no systemd to be deleted; nor does the freezer
                 * state */
                CHECK_INTEQ(cg->ops->destroy(cg, &err), 0);
                CHECK(err == NULL);
                CHECK_INTEQ(cg->ops->is_frozen(cg), -ENOENT);
                /* bundle errors come before any connection */
                struct spec_kv bad = {(char *)"org.systemd.property.X-Y", (char *)"1"};
                spec.annotations = &bad;
                spec.n_annotations = 1;
                CHECK(cg->ops->create(cg, &spec, 0, &err) < 0);
                CHECK_CONTAINS(err ? err->msg : NULL, "org.systemd.property.X-Y");
                berth_error_free(err);
                err = NULL;
                unsetenv("BERTH_SYSTEMD_ADDRESS");
        }
        cgroup_free(cg);
        cg = NULL;

        l.cgroups_path = (char *)"/not/systemd";
        CHECK(cgroup_new(CGROUP_MANAGER_SYSTEMD, "abc", &spec, &cg, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "linux.cgroupsPath");
        berth_error_free(err);
        err = NULL;

        CHECK_INTEQ(cgroup_open(CGROUP_MANAGER_SYSTEMD, "abc", "/machine.slice/berth-abc.scope",
                                "berth-abc.scope", &cg, &err),
                    0);
        if (cg) {
                CHECK_STREQ(cg->unit, "berth-abc.scope");
                CHECK_STREQ(cg->path, "/machine.slice/berth-abc.scope");
        }
        cgroup_free(cg);
        cg = NULL;
        CHECK(cgroup_open(CGROUP_MANAGER_SYSTEMD, "abc", "/machine.slice/x.scope", "x/y.scope", &cg, &err) <
              0);
        CHECK_CONTAINS(err ? err->msg : NULL, "no valid systemd unit");
        berth_error_free(err);
        err = NULL;
        CHECK(cgroup_open(CGROUP_MANAGER_SYSTEMD, "abc", "relative", "x.scope", &cg, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "no valid cgroup path");
        berth_error_free(err);
}

UNIT_MAIN(UNIT_CASE(test_cgroups_path_forms), UNIT_CASE(test_cgroups_path_errors), UNIT_CASE(test_slice_path),
          UNIT_CASE(test_cpu_quota_rounding), UNIT_CASE(test_cpuset_mask),
          UNIT_CASE(test_resources_memory_pids), UNIT_CASE(test_resources_cpu), UNIT_CASE(test_resources_io),
          UNIT_CASE(test_resources_unified_hugetlb), UNIT_CASE(test_devices), UNIT_CASE(test_gvariant),
          UNIT_CASE(test_annotations), UNIT_CASE(test_manager_registered))
