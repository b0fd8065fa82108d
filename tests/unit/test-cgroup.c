/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup managers: the pure parts (cgroupsPath rules, conversions, resources -> file writes, the eBPF device
 * program, run by a small interpreter), then real checks on this host's cgroup v2 hierarchy, in cgroups this
 * test creates under the v2 mount ("berth-test-<pid>") and removes. The real checks are skipped, with a note,
 * where cgroup v2 is not writable (not root, read-only /sys/fs/cgroup).
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup-internal.h"
#include "fs-util.h"
#include "unit.h"

/* ---- helpers ---- */

static struct cgroup_write *writes_of(const struct spec_resources *r, size_t *n)
{
        struct cgroup_write *w = NULL;
        berth_error *err = NULL;
        int k = cgroup_resources_to_writes(r, &w, n, &err);
        if (k < 0) {
                fprintf(stderr, "# unexpected error: %s\n", err ? err->msg : "?");
                berth_error_free(err);
                *n = 0;
                return NULL;
        }
        return w;
}

/* The value written to file (the n-th such write), or NULL. */
static const char *value_of(const struct cgroup_write *w, size_t n, const char *file, size_t nth)
{
        for (size_t i = 0; i < n; i++)
                if (STREQ(w[i].file, file) && nth-- == 0)
                        return w[i].value;
        return NULL;
}

static const struct cgroup_write *find_write(const struct cgroup_write *w, size_t n, const char *file)
{
        for (size_t i = 0; i < n; i++)
                if (STREQ(w[i].file, file))
                        return &w[i];
        return NULL;
}

/* The error message of a resources mapping that must fail. */
static char *writes_error(const struct spec_resources *r)
{
        struct cgroup_write *w = NULL;
        size_t n = 0;
        berth_error *err = NULL;
        int k = cgroup_resources_to_writes(r, &w, &n, &err);
        if (k >= 0) {
                cgroup_writes_free(w, n);
                return NULL;
        }
        char *msg = err ? xstrdup(err->msg) : NULL;
        berth_error_free(err);
        return msg;
}

static char *resolve(const char *path, const char *id, int *rc)
{
        char *out = NULL;
        berth_error *err = NULL;
        *rc = cgroupfs_resolve_path(path, id, &out, &err);
        if (*rc < 0) {
                out = err ? xstrdup(err->msg) : NULL;
                berth_error_free(err);
        }
        return out;
}

/* ---- pure ---- */

TEST(test_manager_names)
{
        CHECK_INTEQ(cgroup_manager_from_string("systemd"), CGROUP_MANAGER_SYSTEMD);
        CHECK_INTEQ(cgroup_manager_from_string("cgroupfs"), CGROUP_MANAGER_CGROUPFS);
        CHECK_INTEQ(cgroup_manager_from_string("disabled"), CGROUP_MANAGER_DISABLED);
        CHECK_INTEQ(cgroup_manager_from_string("nope"), -1);
        CHECK_INTEQ(cgroup_manager_from_string(NULL), -1);
        CHECK_STREQ(cgroup_manager_to_string(CGROUP_MANAGER_CGROUPFS), "cgroupfs");
        CHECK(cgroup_manager_to_string(_CGROUP_MANAGER_MAX) == NULL);
        CHECK_INTEQ(cgroup_default_manager(), CGROUP_MANAGER_CGROUPFS);
}

TEST(test_resolve_path)
{
        int rc;
        char *s;
        s = resolve("", "c1", &rc);
        CHECK_INTEQ(rc, 0);
        CHECK_STREQ(s, "/berth/c1");
        free(s);
        s = resolve(NULL, "c1", &rc);
        CHECK_STREQ(s, "/berth/c1");
        free(s);
        s = resolve("/a/b", "c1", &rc);
        CHECK_STREQ(s, "/a/b");
        free(s);
        s = resolve("a/b", "c1", &rc);
        CHECK_STREQ(s, "/a/b");
        free(s);
        s = resolve("//a//./b/", "c1", &rc);
        CHECK_STREQ(s, "/a/b");
        free(s);
        s = resolve("/x:y/z", "c1", &rc); /* colons in a path are fine */
        CHECK_STREQ(s, "/x:y/z");
        free(s);

        s = resolve("/a/../b", "c1", &rc);
        CHECK(rc == -EINVAL);
        CHECK_CONTAINS(s, "linux.cgroupsPath");
        CHECK_CONTAINS(s, "\"..\" components are not allowed");
        free(s);
        s = resolve("system.slice:berth:c1", "c1", &rc);
        CHECK(rc == -EINVAL);
        CHECK_CONTAINS(s, "systemd form slice:prefix:name");
        free(s);
        s = resolve("/", "c1", &rc);
        CHECK(rc < 0);
        CHECK_CONTAINS(s, "root cgroup");
        free(s);
        s = resolve("", "a/b", &rc);
        CHECK(rc < 0);
        free(s);
}

TEST(test_conversions)
{
        CHECK_INTEQ(cgroup_cpu_shares_to_weight(0), 0);
        CHECK_INTEQ(cgroup_cpu_shares_to_weight(2), 1);
        CHECK_INTEQ(cgroup_cpu_shares_to_weight(1), 1);
        CHECK_INTEQ(cgroup_cpu_shares_to_weight(1024), 39);
        CHECK_INTEQ(cgroup_cpu_shares_to_weight(262144), 10000);
        CHECK_INTEQ(cgroup_cpu_shares_to_weight(1000000), 10000);
        CHECK_INTEQ(cgroup_blkio_weight_to_io_weight(0), 0);
        CHECK_INTEQ(cgroup_blkio_weight_to_io_weight(10), 1);
        CHECK_INTEQ(cgroup_blkio_weight_to_io_weight(100), 910);
        CHECK_INTEQ(cgroup_blkio_weight_to_io_weight(500), 4950);
        CHECK_INTEQ(cgroup_blkio_weight_to_io_weight(1000), 10000);

        int64_t v;
        CHECK_INTEQ(cgroup_memory_swap_to_v2(0, -1, &v, NULL), 0);
        CHECK_INTEQ(v, -1);
        CHECK_INTEQ(cgroup_memory_swap_to_v2(-1, 100, &v, NULL), 0);
        CHECK_INTEQ(v, -1);
        CHECK_INTEQ(cgroup_memory_swap_to_v2(300, 100, &v, NULL), 0);
        CHECK_INTEQ(v, 200);
        CHECK(cgroup_memory_swap_to_v2(50, 100, &v, NULL) < 0);
        CHECK(cgroup_memory_swap_to_v2(300, 0, &v, NULL) < 0);
}

TEST(test_requested)
{
        struct spec_resources r = {};
        CHECK(!cgroup_resources_requested(NULL));
        CHECK(!cgroup_resources_requested(&r));
        struct spec_device_cgroup dev = {.allow = false};
        r.devices = &dev;
        r.n_devices = 1;
        CHECK(!cgroup_resources_requested(&r)); /* devices do not count */

        struct spec_resources m = r;
        m.memory.has_limit = true;
        m.memory.limit = 1 << 20;
        CHECK(cgroup_resources_requested(&m));
        m = r;
        m.pids.has_limit = true;
        CHECK(cgroup_resources_requested(&m));
        m = r;
        m.cpu.cpus = "0";
        CHECK(cgroup_resources_requested(&m));
        m = r;
        m.cpu.has_idle = true;
        CHECK(cgroup_resources_requested(&m));
        m = r;
        m.cpu.has_realtime_runtime = true;
        m.cpu.realtime_runtime = 100;
        CHECK(cgroup_resources_requested(&m));
        m = r;
        m.block_io.has_weight = true;
        m.block_io.weight = 100;
        CHECK(cgroup_resources_requested(&m));
        m = r;
        struct spec_hugepage_limit h = {.page_size = "2MB", .limit = 1};
        m.hugepage_limits = &h;
        m.n_hugepage_limits = 1;
        CHECK(cgroup_resources_requested(&m));
        m = r;
        struct spec_kv kv = {.key = "memory.high", .value = "1G"};
        m.unified = &kv;
        m.n_unified = 1;
        CHECK(cgroup_resources_requested(&m));
        m = r;
        m.memory.has_swappiness = true; /* cgroup v1 only: nothing to enforce on v2 */
        CHECK(!cgroup_resources_requested(&m));
}

TEST(test_writes_memory_pids)
{
        struct spec_resources r = {};
        r.memory.has_limit = r.memory.has_reservation = r.memory.has_swap = true;
        r.memory.limit = 1048576;
        r.memory.reservation = 524288;
        r.memory.swap = 3145728;
        r.pids.has_limit = true;
        r.pids.limit = 100;
        size_t n;
        struct cgroup_write *w = writes_of(&r, &n);
        CHECK_INTEQ(n, 4);
        CHECK_STREQ(value_of(w, n, "memory.max", 0), "1048576");
        CHECK_STREQ(value_of(w, n, "memory.low", 0), "524288");
        CHECK_STREQ(value_of(w, n, "memory.swap.max", 0), "2097152");
        CHECK_STREQ(value_of(w, n, "pids.max", 0), "100");
        CHECK(value_of(w, n, "memory.oom.group", 0) == NULL);
        const struct cgroup_write *mw = find_write(w, n, "memory.max");
        CHECK(mw && STREQ(mw->controller, "memory") && STREQ(mw->what, "linux.resources.memory"));
        cgroup_writes_free(w, n);

        struct spec_resources u = {};
        u.memory.has_limit = true;
        u.memory.limit = -1;
        u.pids.has_limit = true;
        u.pids.limit = 0;
        w = writes_of(&u, &n);
        CHECK_STREQ(value_of(w, n, "memory.max", 0), "max");
        CHECK_STREQ(value_of(w, n, "memory.swap.max", 0), "max");
        CHECK_STREQ(value_of(w, n, "pids.max", 0), "max");
        cgroup_writes_free(w, n);

        /* swap == limit: no swap at all, written as 0 (not left unlimited) */
        struct spec_resources noswap = {};
        noswap.memory.has_limit = noswap.memory.has_swap = true;
        noswap.memory.limit = noswap.memory.swap = 1048576;
        w = writes_of(&noswap, &n);
        CHECK_STREQ(value_of(w, n, "memory.swap.max", 0), "0");
        cgroup_writes_free(w, n);

        struct spec_resources bad = {};
        bad.memory.has_limit = bad.memory.has_swap = true;
        bad.memory.limit = 200;
        bad.memory.swap = 100;
        char *msg = writes_error(&bad);
        CHECK_CONTAINS(msg, "linux.resources.memory.swap");
        free(msg);
}

TEST(test_writes_cpu)
{
        struct spec_resources r = {};
        r.cpu.has_shares = r.cpu.has_quota = r.cpu.has_period = r.cpu.has_burst = r.cpu.has_idle = true;
        r.cpu.shares = 1024;
        r.cpu.quota = 50000;
        r.cpu.period = 200000;
        r.cpu.burst = 1000;
        r.cpu.idle = 1;
        r.cpu.cpus = "0-1";
        r.cpu.mems = "0";
        size_t n;
        struct cgroup_write *w = writes_of(&r, &n);
        CHECK_INTEQ(n, 6);
        CHECK_STREQ(value_of(w, n, "cpu.weight", 0), "39");
        CHECK_STREQ(value_of(w, n, "cpu.max", 0), "50000 200000");
        CHECK_STREQ(value_of(w, n, "cpu.max.burst", 0), "1000");
        CHECK_STREQ(value_of(w, n, "cpu.idle", 0), "1");
        CHECK_STREQ(value_of(w, n, "cpuset.cpus", 0), "0-1");
        CHECK_STREQ(value_of(w, n, "cpuset.mems", 0), "0");
        const struct cgroup_write *cs = find_write(w, n, "cpuset.cpus");
        CHECK(cs && STREQ(cs->controller, "cpuset"));
        cgroup_writes_free(w, n);

        struct spec_resources q = {};
        q.cpu.has_quota = true;
        q.cpu.quota = -1;
        w = writes_of(&q, &n);
        CHECK_STREQ(value_of(w, n, "cpu.max", 0), "max 100000");
        cgroup_writes_free(w, n);
        q.cpu.quota = 20000;
        w = writes_of(&q, &n);
        CHECK_STREQ(value_of(w, n, "cpu.max", 0), "20000 100000");
        cgroup_writes_free(w, n);
        q = (struct spec_resources){};
        q.cpu.has_period = true;
        q.cpu.period = 50000;
        w = writes_of(&q, &n);
        CHECK_STREQ(value_of(w, n, "cpu.max", 0), "max 50000");
        cgroup_writes_free(w, n);

        struct spec_resources rt = {};
        rt.cpu.has_realtime_runtime = true;
        rt.cpu.realtime_runtime = 950000;
        char *msg = writes_error(&rt);
        CHECK_CONTAINS(msg, "realtime");
        free(msg);
}

TEST(test_writes_io_hugetlb)
{
        struct spec_weight_device wd = {.major = 8, .minor = 0, .has_weight = true, .weight = 100};
        struct spec_throttle_device rbps = {.major = 8, .minor = 0, .rate = 1048576},
                                    wiops = {.major = 8, .minor = 16, .rate = 0};
        struct spec_hugepage_limit h = {.page_size = "2MB", .limit = 1073741824};
        struct spec_resources r = {};
        r.block_io.has_weight = true;
        r.block_io.weight = 500;
        r.block_io.weight_device = &wd;
        r.block_io.n_weight_device = 1;
        r.block_io.throttle_read_bps = &rbps;
        r.block_io.n_throttle_read_bps = 1;
        r.block_io.throttle_write_iops = &wiops;
        r.block_io.n_throttle_write_iops = 1;
        r.hugepage_limits = &h;
        r.n_hugepage_limits = 1;
        size_t n;
        struct cgroup_write *w = writes_of(&r, &n);
        CHECK_INTEQ(n, 5);
        CHECK_STREQ(value_of(w, n, "io.weight", 0), "default 4950");
        CHECK_STREQ(value_of(w, n, "io.weight", 1), "8:0 910");
        CHECK_STREQ(value_of(w, n, "io.max", 0), "8:0 rbps=1048576");
        CHECK_STREQ(value_of(w, n, "io.max", 1), "8:16 wiops=max");
        CHECK_STREQ(value_of(w, n, "hugetlb.2MB.max", 0), "1073741824");
        const struct cgroup_write *iw = find_write(w, n, "io.weight");
        CHECK(iw && STREQ(iw->controller, "io"));
        CHECK(iw && iw->alt_file && STREQ(iw->alt_file, "io.bfq.weight") && STREQ(iw->alt_value, "500"));
        CHECK_STREQ(w[1].alt_value, "8:0 100");
        cgroup_writes_free(w, n);

        struct spec_hugepage_limit bad = {.page_size = "../2MB", .limit = 1};
        struct spec_resources b = {.hugepage_limits = &bad, .n_hugepage_limits = 1};
        char *msg = writes_error(&b);
        CHECK_CONTAINS(msg, "hugepageLimits[0].pageSize");
        free(msg);
}

TEST(test_writes_unified)
{
        struct spec_kv kv[] = {{.key = "memory.high", .value = "100M"},
                               {.key = "cgroup.max.depth", .value = "3"}};
        struct spec_resources r = {.unified = kv, .n_unified = 2};
        r.pids.has_limit = true;
        r.pids.limit = 5;
        size_t n;
        struct cgroup_write *w = writes_of(&r, &n);
        CHECK_INTEQ(n, 3);
        CHECK_STREQ(w[0].file, "pids.max"); /* unified comes last, so it overrides */
        CHECK_STREQ(w[1].file, "memory.high");
        CHECK_STREQ(w[1].value, "100M");
        CHECK_STREQ(w[1].controller, "memory");
        CHECK_STREQ(w[2].file, "cgroup.max.depth");
        CHECK(w[2].controller == NULL);
        cgroup_writes_free(w, n);

        const char *bad_keys[] = {"../memory.max", "a/b.c", "..", "nodot", ""};
        for (size_t i = 0; i < ELEMENTSOF(bad_keys); i++) {
                struct spec_kv b = {.key = (char *)bad_keys[i], .value = "1"};
                struct spec_resources br = {.unified = &b, .n_unified = 1};
                char *msg = writes_error(&br);
                CHECK_CONTAINS(msg, "linux.resources.unified");
                free(msg);
        }
}

TEST(test_disabled_and_systemd)
{
        struct spec s = {};
        struct cgroup *cg = NULL;
        berth_error *err = NULL;
        CHECK_INTEQ(cgroup_new(CGROUP_MANAGER_DISABLED, "c1", &s, &cg, &err), 0);
        CHECK(cg && cg->path == NULL && STREQ(cg->ops->name, "disabled"));
        if (cg) {
                CHECK_INTEQ(cg->ops->create(cg, &s, getpid(), &err), 0);
                CHECK_INTEQ(cg->ops->enter(cg, getpid(), &err), 0);
                CHECK_INTEQ(cg->ops->is_frozen(cg), -EOPNOTSUPP);
                CHECK_INTEQ(cg->ops->freeze(cg, true, &err), -EOPNOTSUPP);
                CHECK_CONTAINS(err ? err->msg : NULL, "cgroup manager \"disabled\"");
                berth_error_free(err);
                err = NULL;
                CHECK_INTEQ(cg->ops->kill_all(cg, SIGTERM, &err), -EOPNOTSUPP);
                berth_error_free(err);
                err = NULL;
                pid_t *p = NULL;
                size_t np = 0;
                CHECK_INTEQ(cg->ops->pids(cg, &p, &np, &err), -EOPNOTSUPP);
                berth_error_free(err);
                err = NULL;
                struct spec_resources r = {};
                CHECK_INTEQ(cg->ops->update(cg, &r, &err), -EOPNOTSUPP);
                berth_error_free(err);
                err = NULL;
                CHECK_INTEQ(cg->ops->destroy(cg, &err), 0);
        }
        cgroup_free(cg);
        cg = NULL;
        /* the systemd manager has its own tests (test-cgroup-systemd.c) */
}

/* ---- the device program, run by a tiny interpreter of the instructions it uses ---- */

static int run_prog(const struct bpf_insn *p, size_t n, int type, int access, uint32_t major, uint32_t minor)
{
        struct bpf_cgroup_dev_ctx ctx = {
            .access_type = ((uint32_t)access << 16) | (uint32_t)type, .major = major, .minor = minor};
        uint64_t reg[MAX_BPF_REG] = {};
        reg[1] = (uint64_t)(uintptr_t)&ctx;
        for (size_t pc = 0, steps = 0; pc < n && steps < 10000; pc++, steps++) {
                const struct bpf_insn *i = &p[pc];
                uint64_t src = BPF_SRC(i->code) == BPF_X ? reg[i->src_reg] : (uint64_t)(int64_t)i->imm;
                switch (i->code) {
                case BPF_LDX | BPF_MEM | BPF_W:
                        if (reg[i->src_reg] != (uint64_t)(uintptr_t)&ctx || i->off < 0 ||
                            (size_t)i->off + 4 > sizeof(ctx))
                                return -2;
                        reg[i->dst_reg] = *(const uint32_t *)((const char *)&ctx + i->off);
                        break;
                case BPF_ALU64 | BPF_AND | BPF_K:
                        reg[i->dst_reg] &= src;
                        break;
                case BPF_ALU64 | BPF_RSH | BPF_K:
                        reg[i->dst_reg] >>= src;
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_K:
                case BPF_ALU64 | BPF_MOV | BPF_X:
                        reg[i->dst_reg] = src;
                        break;
                case BPF_JMP32 | BPF_JNE | BPF_K:
                case BPF_JMP32 | BPF_JNE | BPF_X:
                        if ((uint32_t)reg[i->dst_reg] != (uint32_t)src) {
                                if (i->off < 0 || pc + 1 + (size_t)i->off > n)
                                        return -3;
                                pc += (size_t)i->off;
                        }
                        break;
                case BPF_JMP | BPF_EXIT:
                        return (int)reg[0];
                default:
                        return -4;
                }
        }
        return -5; /* fell off the end */
}

static struct bpf_insn *build(const struct spec_device_cgroup *rules, size_t n, size_t *ret_n)
{
        struct bpf_insn *insns = NULL;
        berth_error *err = NULL;
        if (cgroup_devices_build_program(rules, n, &insns, ret_n, &err) < 0) {
                fprintf(stderr, "# build: %s\n", err ? err->msg : "?");
                berth_error_free(err);
                *ret_n = 0;
        }
        return insns;
}

#define C BPF_DEVCG_DEV_CHAR
#define B BPF_DEVCG_DEV_BLOCK
#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD
/* A linux.resources.devices entry; ANY leaves major/minor out. */
#define ANY INT64_MIN
#define RULE(allow_, type_, major_, minor_, access_)                                                         \
        ((struct spec_device_cgroup){.allow = (allow_),                                                      \
                                     .type = (type_),                                                        \
                                     .has_major = (major_) != ANY,                                           \
                                     .major = (major_) != ANY ? (major_) : 0,                                \
                                     .has_minor = (minor_) != ANY,                                           \
                                     .minor = (minor_) != ANY ? (minor_) : 0,                                \
                                     .access = (access_)})
#define DENY_ALL RULE(false, 'a', ANY, ANY, "rwm")

TEST(test_bpf_program)
{
        size_t n;
        struct bpf_insn *p = build(NULL, 0, &n);
        CHECK_INTEQ(n, 8); /* 6 loads/shifts + "allow" */
        CHECK_INTEQ(run_prog(p, n, C, R, 1, 5), 1);
        free(p);

        /* deny all, then allow /dev/null (c 1:3) */
        struct spec_device_cgroup null_only[] = {
            DENY_ALL,
            RULE(true, 'c', 1, 3, "rwm"),
        };
        p = build(null_only, 2, &n);
        CHECK_INTEQ(n, 6 + 5 + 2);
        CHECK_INTEQ(p[n - 1].code, BPF_JMP | BPF_EXIT);
        CHECK_INTEQ(run_prog(p, n, C, R, 1, 3), 1);
        CHECK_INTEQ(run_prog(p, n, C, W, 1, 3), 1);
        CHECK_INTEQ(run_prog(p, n, C, R, 1, 5), 0);
        CHECK_INTEQ(run_prog(p, n, B, R, 1, 3), 0);
        free(p);

        /* deny all, mknod any char device, read block 8:* (major only; minor -1 means any) */
        struct spec_device_cgroup mixed[] = {
            DENY_ALL,
            RULE(true, 'c', ANY, ANY, "m"),
            RULE(true, 'b', 8, -1, "r"),
        };
        p = build(mixed, 3, &n);
        CHECK_INTEQ(run_prog(p, n, C, M, 5, 1), 1);
        CHECK_INTEQ(run_prog(p, n, C, R, 5, 1), 0);
        CHECK_INTEQ(run_prog(p, n, B, R, 8, 0), 1);
        CHECK_INTEQ(run_prog(p, n, B, R, 8, 17), 1);
        CHECK_INTEQ(run_prog(p, n, B, W, 8, 0), 0);
        CHECK_INTEQ(run_prog(p, n, B, R | W, 8, 0), 0); /* read+write is not a subset of "r" */
        CHECK_INTEQ(run_prog(p, n, B, R, 9, 0), 0);
        free(p);

        /* no deny-all: the default is allow; a later deny overrides an earlier allow */
        struct spec_device_cgroup later_wins[] = {
            RULE(true, 'c', 1, 3, NULL),
            RULE(false, 'c', 1, 3, "w"),
        };
        p = build(later_wins, 2, &n);
        CHECK_INTEQ(run_prog(p, n, C, W, 1, 3), 0);
        CHECK_INTEQ(run_prog(p, n, C, R, 1, 3), 1);
        CHECK_INTEQ(run_prog(p, n, B, W, 7, 0), 1);
        free(p);

        /* a trailing deny-all hides everything before it */
        struct spec_device_cgroup deny_last[] = {
            RULE(true, 'c', 1, 3, NULL),
            DENY_ALL,
        };
        p = build(deny_last, 2, &n);
        CHECK_INTEQ(n, 8);
        CHECK_INTEQ(run_prog(p, n, C, R, 1, 3), 0);
        free(p);

        struct spec_device_cgroup bad_access[] = {RULE(true, 'c', ANY, ANY, "rx")};
        struct bpf_insn *insns = NULL;
        berth_error *err = NULL;
        CHECK(cgroup_devices_build_program(bad_access, 1, &insns, &n, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "linux.resources.devices[0].access");
        berth_error_free(err);
        err = NULL;
        struct spec_device_cgroup bad_type[] = {RULE(true, 'z', ANY, ANY, NULL)};
        CHECK(cgroup_devices_build_program(bad_type, 1, &insns, &n, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "linux.resources.devices[0].type");
        berth_error_free(err);
}

/* ---- real checks on this host ---- */

static char *test_mountpoint(bool *hybrid)
{
        char *mp = NULL;
        berth_error *err = NULL;
        if (geteuid() != 0 || cgroupfs_find_mountpoint(&mp, hybrid, &err) < 0) {
                printf("# skipped: %s\n", err ? err->msg : "not root");
                berth_error_free(err);
                return NULL;
        }
        char *probe = xasprintf("%s/berth-test-%d-probe", mp, (int)getpid());
        if (mkdir(probe, 0755) < 0) {
                printf("# skipped: cannot create cgroups under %s: %s\n", mp, strerror(errno));
                free(probe);
                free(mp);
                return NULL;
        }
        rmdir(probe);
        free(probe);
        return mp;
}

/* Whether this process may load BPF programs (not in a user namespace, say). */
static bool bpf_permitted(void)
{
        struct bpf_insn *insns = NULL;
        size_t n = 0;
        berth_error *err = NULL;
        int fd = -1;
        if (cgroup_devices_build_program(NULL, 0, &insns, &n, &err) >= 0)
                fd = cgroup_devices_load_program(insns, n, &err);
        free(insns);
        if (fd == -EPERM)
                printf("# skipped: %s\n", err ? err->msg : "no BPF permission");
        berth_error_free(err);
        if (fd >= 0)
                close(fd);
        return fd != -EPERM;
}

/* A child that waits for a byte on go[0], then reports whether /dev/zero and /dev/null open (bit 0: zero
 * failed with EPERM, bit 1: null opened) on res[1], then sleeps until killed. */
static pid_t spawn_prober(int go[2], int res[2])
{
        if (pipe2(go, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0)
                return -1;
        pid_t pid = fork();
        if (pid != 0)
                return pid;
        char c;
        if (read(go[0], &c, 1) != 1)
                _exit(100);
        unsigned char out = 0;
        int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno == EPERM)
                out |= 1;
        if (fd >= 0)
                close(fd);
        fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
                out |= 2;
                close(fd);
        }
        if (write(res[1], &out, 1) != 1)
                _exit(101);
        for (;;)
                pause();
}

static int probe_result(int go[2], int res[2])
{
        unsigned char out = 0xff;
        if (write(go[1], "x", 1) != 1 || read(res[0], &out, 1) != 1)
                return -1;
        return out;
}

static void close_pipes(int go[2], int res[2])
{
        close(go[0]);
        close(go[1]);
        close(res[0]);
        close(res[1]);
}

TEST(test_bpf_real)
{
        bool hybrid;
        _cleanup_free_ char *mp = test_mountpoint(&hybrid);
        if (!mp || !bpf_permitted())
                return;
        /* The verifier accepts each program shape the generator makes. */
        struct spec_device_cgroup shapes[] = {
            DENY_ALL,
            RULE(true, 'c', ANY, ANY, "m"),
            RULE(true, 'b', 8, ANY, "r"),
            RULE(false, 'c', 1, 3, "w"),
            RULE(true, 'a', ANY, 7, "rw"),
        };
        for (size_t k = 0; k <= ELEMENTSOF(shapes); k++) {
                size_t ni;
                struct bpf_insn *insns = build(shapes + (k == ELEMENTSOF(shapes) ? 1 : 0),
                                               k == ELEMENTSOF(shapes) ? ELEMENTSOF(shapes) - 1 : k, &ni);
                berth_error *lerr = NULL;
                int fd = cgroup_devices_load_program(insns, ni, &lerr);
                CHECK(fd >= 0);
                if (fd < 0)
                        fprintf(stderr, "# load %zu: %s\n", k, lerr ? lerr->msg : "?");
                else
                        close(fd);
                berth_error_free(lerr);
                free(insns);
        }

        _cleanup_free_ char *dir = xasprintf("%s/berth-test-%d", mp, (int)getpid());
        CHECK(mkdir(dir, 0755) == 0);
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(dfd >= 0);
        struct spec_device_cgroup rules[] = {
            DENY_ALL,
            RULE(true, 'c', 1, 3, "rwm"),
        };
        berth_error *err = NULL;
        int r = cgroup_devices_apply(dfd, dir, rules, 2, &err);
        CHECK_INTEQ(r, 0);
        if (r < 0)
                fprintf(stderr, "# %s\n", err ? err->msg : "?");
        berth_error_free(err);
        err = NULL;
        /* Applying again replaces the program (update path): still exactly one attached. */
        r = cgroup_devices_apply(dfd, dir, rules, 2, &err);
        CHECK_INTEQ(r, 0);
        berth_error_free(err);
        union bpf_attr attr = {};
        uint32_t ids[8];
        attr.query.target_fd = (uint32_t)dfd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
        attr.query.prog_cnt = 8;
        CHECK(syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)) == 0);
        CHECK_INTEQ(attr.query.prog_cnt, 1);

        int go[2], res[2];
        pid_t pid = spawn_prober(go, res);
        CHECK(pid > 0);
        if (pid > 0) {
                char *procs = xasprintf("%s/cgroup.procs", dir), *val = xasprintf("%d", (int)pid);
                CHECK_INTEQ(write_file(procs, val), 0);
                free(procs);
                free(val);
                CHECK_INTEQ(probe_result(go, res), 3); /* /dev/zero: EPERM; /dev/null: opened */
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                close_pipes(go, res);
        }
        close(dfd);
        for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
                usleep(10000);
        CHECK(access(dir, F_OK) < 0);
}

/* create, pids, freeze, update, kill_all, destroy; with_resources adds a unified file and the device filter
 * (without them the prober opens /dev/zero: the control for the filter). */
static void fs_lifecycle(bool with_resources)
{
        bool hybrid;
        _cleanup_free_ char *mp = test_mountpoint(&hybrid);
        if (!mp || (with_resources && !bpf_permitted()))
                return;
        _cleanup_free_ char *top = xasprintf("/berth-test-%d", (int)getpid()),
                            *path = xasprintf("%s/c1", top), *topdir = xasprintf("%s%s", mp, top),
                            *dir = xasprintf("%s%s", mp, path);
        struct spec_kv kv = {.key = "cgroup.max.depth", .value = "3"}; /* a core file: works on hybrid too */
        struct spec_device_cgroup rules[] = {
            DENY_ALL,
            RULE(true, 'c', 1, 3, "rwm"),
        };
        struct spec_linux lx = {.cgroups_path = path};
        if (with_resources) {
                lx.resources.unified = &kv;
                lx.resources.n_unified = 1;
                lx.resources.devices = rules;
                lx.resources.n_devices = 2;
        }
        struct spec s = {.linux = &lx};
        CHECK(cgroup_resources_requested(&lx.resources) == with_resources);

        struct cgroup *cg = NULL;
        berth_error *err = NULL;
        CHECK_INTEQ(cgroup_new(CGROUP_MANAGER_CGROUPFS, "c1", &s, &cg, &err), 0);
        if (!cg) {
                fprintf(stderr, "# %s\n", err ? err->msg : "?");
                berth_error_free(err);
                return;
        }
        CHECK_STREQ(cg->path, path);
        CHECK_STREQ(cg->mountpoint, mp);

        int go[2], res[2];
        pid_t pid = spawn_prober(go, res);
        CHECK(pid > 0);
        int r = cg->ops->create(cg, &s, pid, &err);
        CHECK_INTEQ(r, 0);
        if (r < 0) {
                fprintf(stderr, "# create: %s\n", err ? err->msg : "?");
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                close_pipes(go, res);
                berth_error_free(err);
                cgroup_free(cg);
                return;
        }
        struct stat st;
        CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
        char *depth_file = xasprintf("%s/cgroup.max.depth", dir), *depth = NULL;
        CHECK_INTEQ(read_file(depth_file, 0, &depth, NULL), 0);
        CHECK_STREQ(depth, with_resources ? "3\n" : "max\n");
        free(depth);
        /* bit 0: /dev/zero refused with EPERM (the device filter from create()), bit 1: /dev/null opened */
        CHECK_INTEQ(probe_result(go, res), with_resources ? 3 : 2);

        pid_t *pids = NULL;
        size_t np = 0;
        CHECK_INTEQ(cg->ops->pids(cg, &pids, &np, &err), 0);
        CHECK(np == 1 && pids && pids[0] == pid);
        free(pids);

        CHECK_INTEQ(cg->ops->is_frozen(cg), 0);
        CHECK_INTEQ(cg->ops->freeze(cg, true, &err), 0);
        CHECK_INTEQ(cg->ops->is_frozen(cg), 1);
        CHECK_INTEQ(cg->ops->freeze(cg, false, &err), 0);
        CHECK_INTEQ(cg->ops->is_frozen(cg), 0);

        /* update: re-applies; a limit whose controller is missing fails with the clear message. */
        kv.value = "4";
        CHECK_INTEQ(cg->ops->update(cg, &lx.resources, &err), 0);
        CHECK_INTEQ(read_file(depth_file, 0, &depth, NULL), 0);
        CHECK_STREQ(depth, with_resources ? "4\n" : "max\n");
        free(depth);
        free(depth_file);
        if (hybrid) {
                struct spec_resources up = {};
                up.pids.has_limit = true;
                up.pids.limit = 10;
                CHECK(cg->ops->update(cg, &up, &err) < 0);
                CHECK_CONTAINS(err ? err->msg : NULL,
                               "linux.resources.pids: the pids controller is not available");
                berth_error_free(err);
                err = NULL;
        }

        CHECK_INTEQ(cg->ops->kill_all(cg, SIGKILL, &err), 0);
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        close_pipes(go, res);

        /* another process, signalled through the freeze/kill/thaw path */
        pid = fork();
        if (pid == 0) {
                for (;;)
                        pause();
        }
        CHECK_INTEQ(cg->ops->enter(cg, pid, &err), 0);
        CHECK_INTEQ(cg->ops->kill_all(cg, SIGTERM, &err), 0);
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
        CHECK_INTEQ(cg->ops->is_frozen(cg), 0);

        CHECK_INTEQ(cg->ops->destroy(cg, &err), 0);
        if (err)
                fprintf(stderr, "# %s\n", err->msg);
        CHECK(access(dir, F_OK) < 0);
        CHECK(access(topdir, F_OK) < 0); /* berth created it, so it went too */
        berth_error_free(err);
        cgroup_free(cg);
}

TEST(test_fs_real_lifecycle)
{
        fs_lifecycle(false);
}

TEST(test_fs_real_resources)
{
        fs_lifecycle(true);
}

TEST(test_fs_real_missing_controller)
{
        bool hybrid;
        _cleanup_free_ char *mp = test_mountpoint(&hybrid);
        if (!mp)
                return;
        if (!hybrid) {
                printf("# skipped: not a hybrid host (the memory controller may well be available)\n");
                return;
        }
        _cleanup_free_ char *top = xasprintf("/berth-test-%d", (int)getpid()),
                            *path = xasprintf("%s/mem", top), *topdir = xasprintf("%s%s", mp, top);
        struct spec_linux lx = {.cgroups_path = path};
        lx.resources.memory.has_limit = true;
        lx.resources.memory.limit = 64 << 20;
        struct spec s = {.linux = &lx};
        struct cgroup *cg = NULL;
        berth_error *err = NULL;
        CHECK_INTEQ(cgroup_new(CGROUP_MANAGER_CGROUPFS, "mem", &s, &cg, &err), 0);
        if (!cg)
                return;
        CHECK(cg->ops->create(cg, &s, 0, &err) == -EOPNOTSUPP);
        CHECK_STREQ(err ? err->msg : NULL,
                    "linux.resources.memory: the memory controller is not available in cgroup v2 here "
                    "(controllers bound to cgroup v1: hybrid host)");
        CHECK(access(topdir, F_OK) < 0); /* nothing left behind */
        berth_error_free(err);
        cgroup_free(cg);
}

UNIT_MAIN(UNIT_CASE(test_manager_names), UNIT_CASE(test_resolve_path), UNIT_CASE(test_conversions),
          UNIT_CASE(test_requested), UNIT_CASE(test_writes_memory_pids), UNIT_CASE(test_writes_cpu),
          UNIT_CASE(test_writes_io_hugetlb), UNIT_CASE(test_writes_unified),
          UNIT_CASE(test_disabled_and_systemd), UNIT_CASE(test_bpf_program), UNIT_CASE(test_bpf_real),
          UNIT_CASE(test_fs_real_lifecycle), UNIT_CASE(test_fs_real_resources),
          UNIT_CASE(test_fs_real_missing_controller))
