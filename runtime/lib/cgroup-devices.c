/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.resources.devices on cgroup v2: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE, generated from
 * the rules, loaded with bpf(2) and attached to the container's cgroup.
 *
 * The program reads struct bpf_cgroup_dev_ctx into registers once:
 *   r2 = device type (BPF_DEVCG_DEV_BLOCK/CHAR), r3 = requested access (BPF_DEVCG_ACC_*), r4 = major,
 *   r5 = minor
 * then tests the rules from the last to the first; the first one that matches returns its verdict (1 allow,
 * 0 deny). A rule matches when each of its set fields equals the request's and the requested access is a
 * subset of the rule's. A rule that matches everything hides the rules before it, so generation stops there;
 * without one, the fall-through verdict is "allow" (what a new cgroup inherits).
 */
#include <inttypes.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "cgroup-internal.h"
#include "log.h"

#define DEV_ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

struct prog {
        struct bpf_insn *insns;
        size_t n;
};

static void emit(struct prog *p, struct bpf_insn insn)
{
        p->insns = xrealloc(p->insns, (p->n + 1) * sizeof(*p->insns));
        p->insns[p->n++] = insn;
}

static struct bpf_insn insn_ldx_w(int dst, int src, int16_t off)
{
        return (struct bpf_insn){
            .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = dst, .src_reg = src, .off = off};
}

static struct bpf_insn insn_alu_imm(int op, int dst, int32_t imm)
{
        return (struct bpf_insn){.code = BPF_ALU64 | op | BPF_K, .dst_reg = dst, .imm = imm};
}

static struct bpf_insn insn_mov_reg(int dst, int src)
{
        return (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = dst, .src_reg = src};
}

/* 32-bit compares: the context fields are u32, so the whole range fits in the immediate. */
static struct bpf_insn insn_jne_imm(int dst, uint32_t imm, int16_t off)
{
        return (struct bpf_insn){
            .code = BPF_JMP32 | BPF_JNE | BPF_K, .dst_reg = dst, .off = off, .imm = (int32_t)imm};
}

static struct bpf_insn insn_jne_reg(int dst, int src, int16_t off)
{
        return (struct bpf_insn){
            .code = BPF_JMP32 | BPF_JNE | BPF_X, .dst_reg = dst, .src_reg = src, .off = off};
}

static struct bpf_insn insn_exit(void)
{
        return (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
}

struct dev_rule {
        bool allow;
        int type;        /* BPF_DEVCG_DEV_*, 0 any */
        uint32_t access; /* BPF_DEVCG_ACC_* mask */
        bool has_major, has_minor;
        uint32_t major, minor;
};

static int parse_rule(const struct spec_device_cgroup *d, size_t i, struct dev_rule *ret, berth_error **err)
{
        struct dev_rule r = {.allow = d->allow};
        switch (d->type) {
        case 0:
        case 'a':
                break;
        case 'c':
                r.type = BPF_DEVCG_DEV_CHAR;
                break;
        case 'b':
                r.type = BPF_DEVCG_DEV_BLOCK;
                break;
        default:
                return berth_err_plain(err, EINVAL,
                                       "linux.resources.devices[%zu].type: \"%c\" is not one of a, b, c", i,
                                       d->type);
        }
        if (!d->access)
                r.access = DEV_ACC_ALL;
        for (const char *c = d->access; c && *c; c++) {
                if (*c == 'r')
                        r.access |= BPF_DEVCG_ACC_READ;
                else if (*c == 'w')
                        r.access |= BPF_DEVCG_ACC_WRITE;
                else if (*c == 'm')
                        r.access |= BPF_DEVCG_ACC_MKNOD;
                else
                        return berth_err_plain(err, EINVAL,
                                               "linux.resources.devices[%zu].access: \"%s\" may only contain "
                                               "r, w and m",
                                               i, d->access);
        }
        const struct {
                const char *name;
                bool has;
                int64_t v;
                bool *has_out;
                uint32_t *out;
        } nums[] = {
            {"major", d->has_major, d->major, &r.has_major, &r.major},
            {"minor", d->has_minor, d->minor, &r.has_minor, &r.minor},
        };
        for (size_t k = 0; k < ELEMENTSOF(nums); k++) {
                if (!nums[k].has || nums[k].v == -1) /* absent or -1: any */
                        continue;
                if (nums[k].v < 0 || nums[k].v > UINT32_MAX)
                        return berth_err_plain(err, EINVAL,
                                               "linux.resources.devices[%zu].%s: invalid value %" PRId64, i,
                                               nums[k].name, nums[k].v);
                *nums[k].has_out = true;
                *nums[k].out = (uint32_t)nums[k].v;
        }
        *ret = r;
        return 0;
}

/* Emits one rule's test; returns true when the rule matches every request (nothing after it is reachable). */
static bool emit_rule(struct prog *p, const struct dev_rule *r)
{
        bool access_all = r->access == DEV_ACC_ALL;
        int len =
            2 + (r->type ? 1 : 0) + (access_all ? 0 : 3) + (r->has_major ? 1 : 0) + (r->has_minor ? 1 : 0);
        int at = 0;
        /* Each failed test jumps past the end of this rule's block: off counts from the next instruction. */
#define SKIP() ((int16_t)(len - (at + 1)))
        if (r->type) {
                emit(p, insn_jne_imm(BPF_REG_2, (uint32_t)r->type, SKIP()));
                at++;
        }
        if (!access_all) {
                /* (requested & allowed) == requested */
                emit(p, insn_mov_reg(BPF_REG_1, BPF_REG_3));
                at++;
                emit(p, insn_alu_imm(BPF_AND, BPF_REG_1, (int32_t)r->access));
                at++;
                emit(p, insn_jne_reg(BPF_REG_1, BPF_REG_3, SKIP()));
                at++;
        }
        if (r->has_major) {
                emit(p, insn_jne_imm(BPF_REG_4, r->major, SKIP()));
                at++;
        }
        if (r->has_minor) {
                emit(p, insn_jne_imm(BPF_REG_5, r->minor, SKIP()));
                at++;
        }
#undef SKIP
        emit(p, insn_alu_imm(BPF_MOV, BPF_REG_0, r->allow ? 1 : 0));
        emit(p, insn_exit());
        return at == 0;
}

int cgroup_devices_build_program(const struct spec_device_cgroup *rules, size_t n, struct bpf_insn **ret,
                                 size_t *ret_n, berth_error **err)
{
        _cleanup_free_ struct dev_rule *parsed = n ? xmalloc0(n * sizeof(*parsed)) : NULL;
        for (size_t i = 0; i < n; i++) {
                int r = parse_rule(&rules[i], i, &parsed[i], err);
                if (r < 0)
                        return r;
        }

        struct prog p = {};
        const int16_t ctx_type = offsetof(struct bpf_cgroup_dev_ctx, access_type),
                      ctx_major = offsetof(struct bpf_cgroup_dev_ctx, major),
                      ctx_minor = offsetof(struct bpf_cgroup_dev_ctx, minor);
        emit(&p, insn_ldx_w(BPF_REG_2, BPF_REG_1, ctx_type));
        emit(&p, insn_alu_imm(BPF_AND, BPF_REG_2, 0xffff));
        emit(&p, insn_ldx_w(BPF_REG_3, BPF_REG_1, ctx_type));
        emit(&p, insn_alu_imm(BPF_RSH, BPF_REG_3, 16));
        emit(&p, insn_ldx_w(BPF_REG_4, BPF_REG_1, ctx_major));
        emit(&p, insn_ldx_w(BPF_REG_5, BPF_REG_1, ctx_minor));

        bool terminated = false;
        for (size_t i = n; i > 0 && !terminated; i--) {
                if (parsed[i - 1].access == 0) /* "" grants or denies nothing */
                        continue;
                terminated = emit_rule(&p, &parsed[i - 1]);
        }
        if (!terminated) {
                emit(&p, insn_alu_imm(BPF_MOV, BPF_REG_0, 1));
                emit(&p, insn_exit());
        }
        *ret = p.insns;
        *ret_n = p.n;
        return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
        long r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));
        return r < 0 ? -errno : (int)r;
}

static uint64_t ptr_to_u64(const void *p)
{
        return (uint64_t)(uintptr_t)p;
}

static int prog_load(const struct bpf_insn *insns, size_t n, char *log, size_t log_size)
{
        static const char license[] = "LGPL";
        union bpf_attr attr = {};
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = ptr_to_u64(insns);
        attr.insn_cnt = (uint32_t)n;
        attr.license = ptr_to_u64(license);
        if (log && log_size) {
                log[0] = 0;
                attr.log_buf = ptr_to_u64(log);
                attr.log_size = (uint32_t)log_size;
                attr.log_level = 1;
        }
        memcpy(attr.prog_name, "berth_devices", sizeof("berth_devices"));
        return sys_bpf(BPF_PROG_LOAD, &attr); /* bpf(2) fds are always O_CLOEXEC */
}

/* The verifier's reason: its last line that is not a statistic. */
static const char *verifier_reason(char *log)
{
        const char *reason = NULL;
        for (char *save = NULL, *line = strtok_r(log, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                if (line[strspn(line, " ")] == 0 || startswith(line, "processed ") ||
                    startswith(line, "verification time") || startswith(line, "stack depth"))
                        continue;
                reason = line;
        }
        return reason ? reason : "no reason given";
}

int cgroup_devices_load_program(const struct bpf_insn *insns, size_t n, berth_error **err)
{
        int fd = prog_load(insns, n, NULL, 0);
        if (fd == -EPERM) {
                /* Before Linux 5.11 BPF memory was charged to RLIMIT_MEMLOCK. Raise it when we may; without
                 * the privilege the second attempt fails the same way and reports it. */
                struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
                if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0)
                        fd = prog_load(insns, n, NULL, 0);
                else
                        log_debug("setrlimit(RLIMIT_MEMLOCK): %s (ignored)", strerror(errno));
        }
        if (fd >= 0)
                return fd;
        if (fd == -EPERM)
                return berth_err(
                    err, -fd,
                    "linux.resources.devices: load the eBPF device filter (bpf(BPF_PROG_LOAD) needs "
                    "CAP_BPF or CAP_SYS_ADMIN)");
        if (fd == -EINVAL || fd == -EACCES) {
                size_t log_size = 64 * 1024;
                _cleanup_free_ char *log = xmalloc0(log_size);
                int r = prog_load(insns, n, log, log_size);
                if (r >= 0)
                        return r;
                if (log[0])
                        return berth_err(
                            err, -fd,
                            "linux.resources.devices: the kernel rejected the eBPF device filter "
                            "(%zu instructions; verifier: %s)",
                            n, verifier_reason(log));
        }
        return berth_err(err, -fd, "linux.resources.devices: load the eBPF device filter (%zu instructions)",
                         n);
}

/* IDs of the device programs attached directly to the cgroup. */
static int query_attached(int cgroup_fd, uint32_t **ret, uint32_t *ret_n)
{
        uint32_t cap = 16;
        for (;;) {
                _cleanup_free_ uint32_t *ids = xmalloc0(cap * sizeof(*ids));
                union bpf_attr attr = {};
                attr.query.target_fd = (uint32_t)cgroup_fd;
                attr.query.attach_type = BPF_CGROUP_DEVICE;
                attr.query.prog_ids = ptr_to_u64(ids);
                attr.query.prog_cnt = cap;
                int r = sys_bpf(BPF_PROG_QUERY, &attr);
                if (r == -ENOSPC && attr.query.prog_cnt > cap) {
                        cap = attr.query.prog_cnt;
                        continue;
                }
                if (r < 0)
                        return r;
                *ret_n = attr.query.prog_cnt;
                *ret = TAKE_PTR(ids);
                return 0;
        }
}

static int detach_by_id(int cgroup_fd, uint32_t id)
{
        union bpf_attr attr = {};
        attr.prog_id = id;
        int fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
        if (fd == -ENOENT)
                return 0; /* already gone */
        if (fd < 0)
                return fd;
        _cleanup_close_ int prog_fd = fd;
        attr = (union bpf_attr){};
        attr.target_fd = (uint32_t)cgroup_fd;
        attr.attach_bpf_fd = (uint32_t)prog_fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        int r = sys_bpf(BPF_PROG_DETACH, &attr);
        return r == -ENOENT ? 0 : r;
}

bool cgroup_devices_allow_all(const struct spec_device_cgroup *rules, size_t n)
{
        if (n == 0)
                return false;
        const struct spec_device_cgroup *last = &rules[n - 1];
        bool all_types = last->type == 0 || last->type == 'a';
        bool all_access = !last->access || (strchr(last->access, 'r') && strchr(last->access, 'w') &&
                                            strchr(last->access, 'm'));
        return last->allow && all_types && !last->has_major && !last->has_minor && all_access;
}

int cgroup_devices_apply(int cgroup_fd, const char *cgroup_dir, const struct spec_device_cgroup *rules,
                         size_t n, berth_error **err)
{
        _cleanup_free_ uint32_t *old = NULL;
        uint32_t n_old = 0;
        int r = query_attached(cgroup_fd, &old, &n_old);
        if (r < 0)
                return berth_err(err, -r, "linux.resources.devices: list the device filters attached to %s",
                                 cgroup_dir);
        /* Rules ending in "allow everything" need no filter at all (and no BPF program load on the hot path).
         */
        if (cgroup_devices_allow_all(rules, n)) {
                for (uint32_t i = 0; i < n_old; i++)
                        if ((r = detach_by_id(cgroup_fd, old[i])) < 0)
                                return berth_err(err, -r,
                                                 "linux.resources.devices: detach device filter from %s",
                                                 cgroup_dir);
                return 0;
        }

        _cleanup_free_ struct bpf_insn *insns = NULL;
        size_t n_insns = 0;
        r = cgroup_devices_build_program(rules, n, &insns, &n_insns, err);
        if (r < 0)
                return r;

        _cleanup_close_ int prog_fd = cgroup_devices_load_program(insns, n_insns, err);
        if (prog_fd < 0)
                return prog_fd;

        union bpf_attr attr = {};
        attr.target_fd = (uint32_t)cgroup_fd;
        attr.attach_bpf_fd = (uint32_t)prog_fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        r = sys_bpf(BPF_PROG_ATTACH, &attr);
        if (r < 0)
                return berth_err(err, -r, "linux.resources.devices: attach the eBPF device filter to %s",
                                 cgroup_dir);

        /* The new filter is in force: the ones it replaces can go. */
        for (uint32_t i = 0; i < n_old; i++) {
                r = detach_by_id(cgroup_fd, old[i]);
                if (r < 0)
                        return berth_err(
                            err, -r,
                            "linux.resources.devices: detach the previous device filter (id %" PRIu32
                            ") from %s",
                            old[i], cgroup_dir);
        }
        return 0;
}
