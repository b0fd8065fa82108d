/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-process attributes: rlimits, OOM score, scheduler, I/O priority, personality, user, LSM labels. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "fs-util.h"
#include "log.h"
#include "procattr.h"

struct name_value {
        const char *name;
        int value;
};

static const struct name_value rlimit_table[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

/* Values of the kernel's uapi (linux/sched.h); SCHED_ISO is reserved and refused by the kernel. */
static const struct name_value sched_policy_table[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6},
};

enum {
        BERTH_IOPRIO_CLASS_RT = 1,
        BERTH_IOPRIO_CLASS_BE = 2,
        BERTH_IOPRIO_CLASS_IDLE = 3,
        BERTH_IOPRIO_CLASS_SHIFT = 13,
        BERTH_IOPRIO_WHO_PROCESS = 1,
};

static const struct name_value ioprio_class_table[] = {
    {"IOPRIO_CLASS_RT", BERTH_IOPRIO_CLASS_RT},
    {"IOPRIO_CLASS_BE", BERTH_IOPRIO_CLASS_BE},
    {"IOPRIO_CLASS_IDLE", BERTH_IOPRIO_CLASS_IDLE},
};

static int table_lookup(const struct name_value *t, size_t n, const char *s)
{
        if (!s)
                return -1;
        for (size_t i = 0; i < n; i++)
                if (STREQ(t[i].name, s))
                        return t[i].value;
        return -1;
}

static const char *table_name(const struct name_value *t, size_t n, int value)
{
        for (size_t i = 0; i < n; i++)
                if (t[i].value == value)
                        return t[i].name;
        return "?";
}

int rlimit_from_string(const char *s)
{
        return table_lookup(rlimit_table, ELEMENTSOF(rlimit_table), s);
}

int sched_policy_from_string(const char *s)
{
        return table_lookup(sched_policy_table, ELEMENTSOF(sched_policy_table), s);
}

int ioprio_class_from_string(const char *s)
{
        return table_lookup(ioprio_class_table, ELEMENTSOF(ioprio_class_table), s);
}

int proc_apply_rlimits(const struct spec_process *p, berth_error **err)
{
        for (size_t i = 0; p && i < p->n_rlimits; i++) {
                const struct spec_rlimit *r = &p->rlimits[i];
                int resource = r->type ? rlimit_from_string(r->type) : r->resource;
                const char *name =
                    r->type ? r->type : table_name(rlimit_table, ELEMENTSOF(rlimit_table), resource);
                if (resource < 0)
                        return berth_err(err, 0, "process.rlimits[%zu]: unknown rlimit type \"%s\"", i, name);
                struct rlimit rl = {.rlim_cur = (rlim_t)r->soft, .rlim_max = (rlim_t)r->hard};
                if (setrlimit((__rlimit_resource_t)resource, &rl) < 0)
                        return berth_err(err, errno, "process.rlimits[%zu] (%s): setrlimit", i, name);
        }
        return 0;
}

int proc_apply_oom_score_adj(const struct spec_process *p, berth_error **err)
{
        if (!p || !p->has_oom_score_adj)
                return 0;
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
        int r = write_file("/proc/self/oom_score_adj", buf);
        if (r < 0)
                return berth_err(err, r, "process.oomScoreAdj: write %s to /proc/self/oom_score_adj", buf);
        return 0;
}

/* The kernel's struct sched_attr, SCHED_ATTR_SIZE_VER1 (glibc 2.36 does not declare it). */
struct berth_sched_attr {
        uint32_t size;
        uint32_t sched_policy;
        uint64_t sched_flags;
        int32_t sched_nice;
        uint32_t sched_priority;
        uint64_t sched_runtime;
        uint64_t sched_deadline;
        uint64_t sched_period;
        uint32_t sched_util_min;
        uint32_t sched_util_max;
};

int proc_apply_scheduler(const struct spec_process *p, berth_error **err)
{
        if (!p || !p->has_scheduler)
                return 0;
        const struct spec_scheduler *s = &p->scheduler;
        int policy = s->policy ? sched_policy_from_string(s->policy) : s->policy_value;
        if (policy < 0)
                return berth_err(err, 0, "process.scheduler.policy: unknown policy \"%s\"", s->policy);
        struct berth_sched_attr attr = {
            .size = sizeof(attr),
            .sched_policy = (uint32_t)policy,
            .sched_flags = s->flags,
            .sched_nice = s->nice,
            .sched_priority = (uint32_t)s->priority,
            .sched_runtime = s->runtime,
            .sched_deadline = s->deadline,
            .sched_period = s->period,
        };
        if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
                return berth_err(err, errno,
                                 "process.scheduler: sched_setattr (policy %s, nice %" PRIi32
                                 ", priority %" PRIi32 ", flags 0x%" PRIx64 ")",
                                 table_name(sched_policy_table, ELEMENTSOF(sched_policy_table), policy),
                                 s->nice, s->priority, s->flags);
        return 0;
}

int proc_apply_io_priority(const struct spec_process *p, berth_error **err)
{
        if (!p || !p->has_io_priority)
                return 0;
        const struct spec_io_priority *io = &p->io_priority;
        int class = io->class_name ? ioprio_class_from_string(io->class_name) : io->class_value;
        if (class < 0)
                return berth_err(err, 0, "process.ioPriority.class: unknown class \"%s\"", io->class_name);
        if (io->priority < 0 || io->priority > 7)
                return berth_err(err, 0, "process.ioPriority.priority: %d is out of range (0-7)",
                                 io->priority);
        int value = (class << BERTH_IOPRIO_CLASS_SHIFT) | io->priority;
        if (syscall(SYS_ioprio_set, BERTH_IOPRIO_WHO_PROCESS, 0, value) < 0)
                return berth_err(err, errno, "process.ioPriority: ioprio_set (%s, priority %d)",
                                 table_name(ioprio_class_table, ELEMENTSOF(ioprio_class_table), class),
                                 io->priority);
        return 0;
}

int proc_apply_personality(const struct spec_personality *p, berth_error **err)
{
        if (!p)
                return 0;
        unsigned long value;
        if (!p->domain)
                value = p->value;
        else if (STREQ(p->domain, "LINUX"))
                value = PER_LINUX;
        else if (STREQ(p->domain, "LINUX32"))
                value = PER_LINUX32;
        else
                return berth_err(err, 0, "linux.personality.domain: unknown domain \"%s\"", p->domain);
        /* The spec defines no flag values yet: they are accepted and ignored, as runc does. */
        for (char **f = p->flags; f && *f; f++)
                log_debug("linux.personality.flags: ignoring \"%s\"", *f);
        if (personality(value) < 0)
                return berth_err(err, errno, "linux.personality: personality(%s)",
                                 p->domain ? p->domain : "custom");
        return 0;
}

int proc_set_user(const struct spec_user *u, berth_error **err)
{
        if (!u)
                return 0;
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return berth_err(err, errno, "prctl(PR_SET_KEEPCAPS, 1)");

        _cleanup_free_ gid_t *gids = xmalloc0(sizeof(gid_t) * (u->n_additional_gids + 1));
        for (size_t i = 0; i < u->n_additional_gids; i++)
                gids[i] = (gid_t)u->additional_gids[i];
        if (setgroups(u->n_additional_gids, gids) < 0) {
                /* In a user namespace with setgroups "deny" this fails; dropping to no groups there
                 * is not needed anyway. A requested list must be applied, though. */
                if (errno != EPERM || u->n_additional_gids > 0)
                        return berth_err(err, errno, "process.user.additionalGids: setgroups (%zu groups)",
                                         u->n_additional_gids);
                log_debug("setgroups(0) denied (user namespace?), keeping the inherited groups");
        }
        if (setresgid(u->gid, u->gid, u->gid) < 0)
                return berth_err(err, errno, "process.user.gid: setresgid(%" PRIu32 ")", u->gid);
        if (setresuid(u->uid, u->uid, u->uid) < 0)
                return berth_err(err, errno, "process.user.uid: setresuid(%" PRIu32 ")", u->uid);
        if (u->has_umask)
                umask((mode_t)(u->umask & 0777));
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return berth_err(err, errno, "prctl(PR_SET_KEEPCAPS, 0)");
        return 0;
}

bool lsm_apparmor_enabled(void)
{
        _cleanup_free_ char *s = NULL;
        if (read_file("/sys/module/apparmor/parameters/enabled", 64, &s, NULL) < 0)
                return false;
        return s[0] == 'Y';
}

bool lsm_selinux_enabled(void)
{
        return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

static int apply_apparmor(const char *profile, berth_error **err)
{
        if (!lsm_apparmor_enabled()) {
                log_debug("AppArmor is not enabled: ignoring process.apparmorProfile \"%s\"", profile);
                return 0;
        }
        _cleanup_free_ char *cmd = xasprintf("exec %s", profile);
        const char *path = "/proc/self/attr/apparmor/exec";
        int r = write_file(path, cmd);
        if (r == -ENOENT) {
                /* Kernels before 5.8 have no per-LSM directory. */
                path = "/proc/self/attr/exec";
                r = write_file(path, cmd);
        }
        if (r < 0)
                return berth_err(err, r, "process.apparmorProfile: write \"%s\" to %s", cmd, path);
        return 0;
}

static int apply_selinux(const char *label, berth_error **err)
{
        if (!lsm_selinux_enabled()) {
                log_debug("SELinux is not enabled: ignoring process.selinuxLabel \"%s\"", label);
                return 0;
        }
        int r = write_file("/proc/self/attr/exec", label);
        if (r < 0)
                return berth_err(err, r, "process.selinuxLabel: write \"%s\" to /proc/self/attr/exec", label);
        return 0;
}

int proc_apply_lsm(const struct spec_process *p, berth_error **err)
{
        if (!p)
                return 0;
        if (p->apparmor_profile && p->apparmor_profile[0]) {
                int r = apply_apparmor(p->apparmor_profile, err);
                if (r < 0)
                        return r;
        }
        if (p->selinux_label && p->selinux_label[0]) {
                int r = apply_selinux(p->selinux_label, err);
                if (r < 0)
                        return r;
        }
        return 0;
}
