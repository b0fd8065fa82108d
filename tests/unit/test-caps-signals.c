/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capability, signal, rlimit, scheduler and I/O priority names; applying process attributes in children. */
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "caps.h"
#include "fs-util.h"
#include "procattr.h"
#include "signals.h"
#include "unit.h"

#define CAPBIT(c) (UINT64_C(1) << (c))

/* Runs fn in a forked child (checks there count in the child); returns its exit status. */
static int run_child(void (*fn)(void))
{
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                unit_failed_checks = 0;
                fn();
                fflush(stderr);
                _exit(unit_failed_checks ? 1 : 0);
        }
        int status;
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool need_root(const char *what)
{
        if (geteuid() == 0)
                return true;
        printf("# skipping %s: needs root\n", what);
        return false;
}

static uint64_t status_mask(const char *field)
{
        _cleanup_free_ char *s = NULL;
        if (read_file("/proc/self/status", 0, &s, NULL) < 0)
                return UINT64_MAX;
        _cleanup_free_ char *key = xasprintf("\n%s:", field);
        const char *p = strstr(s, key);
        if (!p)
                return UINT64_MAX;
        return strtoull(p + strlen(key), NULL, 16);
}

TEST(test_cap_names)
{
        CHECK_INTEQ(cap_last_known(), 40);
        for (int c = 0; c <= cap_last_known(); c++) {
                const char *name = cap_to_name(c);
                CHECK(name != NULL);
                if (!name)
                        continue;
                CHECK(startswith(name, "CAP_"));
                CHECK_INTEQ(cap_from_name(name), c);
        }
        CHECK_INTEQ(cap_from_name("CAP_CHOWN"), 0);
        CHECK_INTEQ(cap_from_name("CAP_SETPCAP"), 8);
        CHECK_INTEQ(cap_from_name("CAP_SYS_ADMIN"), 21);
        CHECK_INTEQ(cap_from_name("CAP_AUDIT_READ"), 37);
        CHECK_INTEQ(cap_from_name("CAP_PERFMON"), 38);
        CHECK_INTEQ(cap_from_name("CAP_BPF"), 39);
        CHECK_INTEQ(cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
        CHECK_STREQ(cap_to_name(CAP_NET_BIND_SERVICE), "CAP_NET_BIND_SERVICE");

        CHECK_INTEQ(cap_from_name("CAP_FOO"), -1);
        CHECK_INTEQ(cap_from_name("SYS_ADMIN"), -1);
        CHECK_INTEQ(cap_from_name("cap_sys_admin"), -1);
        CHECK_INTEQ(cap_from_name("CAP_"), -1);
        CHECK_INTEQ(cap_from_name(""), -1);
        CHECK_INTEQ(cap_from_name(NULL), -1);
        CHECK(cap_to_name(-1) == NULL);
        CHECK(cap_to_name(41) == NULL);
        CHECK(cap_to_name(64) == NULL);

        int last = cap_last_supported();
        CHECK(last >= CAP_AUDIT_READ && last < 64);
        _cleanup_free_ char *s = NULL;
        if (read_file("/proc/sys/kernel/cap_last_cap", 0, &s, NULL) >= 0)
                CHECK_INTEQ(last, atoi(s));
}

TEST(test_signal_parse)
{
        CHECK_INTEQ(signal_from_string("TERM"), SIGTERM);
        CHECK_INTEQ(signal_from_string("SIGTERM"), SIGTERM);
        CHECK_INTEQ(signal_from_string("sigterm"), SIGTERM);
        CHECK_INTEQ(signal_from_string("SigKill"), SIGKILL);
        CHECK_INTEQ(signal_from_string("15"), 15);
        CHECK_INTEQ(signal_from_string("9"), 9);
        CHECK_INTEQ(signal_from_string("64"), SIGRTMAX);
        CHECK_INTEQ(signal_from_string("HUP"), SIGHUP);
        CHECK_INTEQ(signal_from_string("SIGWINCH"), SIGWINCH);
        CHECK_INTEQ(signal_from_string("IOT"), SIGABRT);
        CHECK_INTEQ(signal_from_string("SIGPOLL"), SIGIO);
        CHECK_INTEQ(signal_from_string("CLD"), SIGCHLD);
        CHECK_INTEQ(signal_from_string("RTMIN"), SIGRTMIN);
        CHECK_INTEQ(signal_from_string("SIGRTMIN"), SIGRTMIN);
        CHECK_INTEQ(signal_from_string("RTMIN+3"), SIGRTMIN + 3);
        CHECK_INTEQ(signal_from_string("sigrtmin+0"), SIGRTMIN);
        CHECK_INTEQ(signal_from_string("SIGRTMAX-1"), SIGRTMAX - 1);
        CHECK_INTEQ(signal_from_string("rtmax"), SIGRTMAX);
        CHECK_INTEQ(signal_from_string("RTMAX-0"), SIGRTMAX);
        CHECK_INTEQ(signal_from_string("RTMIN+30"), SIGRTMAX);

        static const char *const bad[] = {
            "SIGFOO", "99",       "",        "RTMIN+99", "0",      "SIG",      "-1",       "15x",
            " 15",    "+15",      "RTMIN-1", "RTMAX+1",  "RTMIN+", "RTMIN+-2", "RTMAX-31", "SIGSIGTERM",
            "TERM ",  "RTMIN+3x", "65",      "100000",   "RT",     "SIGRTMID", "0x0f",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = signal_from_string(bad[i]);
                if (r != -EINVAL)
                        fprintf(stderr, "# \"%s\" -> %d\n", bad[i], r);
                CHECK_INTEQ(r, -EINVAL);
        }
        CHECK_INTEQ(signal_from_string(NULL), -EINVAL);
}

TEST(test_signal_names)
{
        CHECK_STREQ(signal_to_name(SIGTERM), "SIGTERM");
        CHECK_STREQ(signal_to_name(SIGKILL), "SIGKILL");
        CHECK_STREQ(signal_to_name(SIGABRT), "SIGABRT");
        CHECK_STREQ(signal_to_name(SIGRTMIN), "SIGRTMIN");
        CHECK_STREQ(signal_to_name(SIGRTMIN + 1), "SIGRTMIN+1");
        CHECK_STREQ(signal_to_name(SIGRTMAX - 1), "SIGRTMAX-1");
        CHECK_STREQ(signal_to_name(SIGRTMAX), "SIGRTMAX");
        CHECK(signal_to_name(0) == NULL);
        CHECK(signal_to_name(-1) == NULL);
        CHECK(signal_to_name(SIGRTMAX + 1) == NULL);
        CHECK(signal_to_name(99) == NULL);
        /* Every named signal parses back to itself. */
        for (int sig = 1; sig <= SIGRTMAX; sig++) {
                const char *name = signal_to_name(sig);
                if (!name)
                        continue;
                CHECK_INTEQ(signal_from_string(name), sig);
                CHECK_INTEQ(signal_from_string(name + 3), sig);
        }
}

TEST(test_rlimit_sched_ioprio_names)
{
        static const struct {
                const char *name;
                int value;
        } rlimits[] = {
            {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
            {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
            {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
            {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
            {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
            {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
            {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
            {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
        };
        for (size_t i = 0; i < ELEMENTSOF(rlimits); i++)
                CHECK_INTEQ(rlimit_from_string(rlimits[i].name), rlimits[i].value);
        CHECK_INTEQ(rlimit_from_string("RLIMIT_FOO"), -1);
        CHECK_INTEQ(rlimit_from_string("NOFILE"), -1);
        CHECK_INTEQ(rlimit_from_string("rlimit_nofile"), -1);
        CHECK_INTEQ(rlimit_from_string(""), -1);
        CHECK_INTEQ(rlimit_from_string(NULL), -1);

        CHECK_INTEQ(sched_policy_from_string("SCHED_OTHER"), SCHED_OTHER);
        CHECK_INTEQ(sched_policy_from_string("SCHED_FIFO"), SCHED_FIFO);
        CHECK_INTEQ(sched_policy_from_string("SCHED_RR"), SCHED_RR);
        CHECK_INTEQ(sched_policy_from_string("SCHED_BATCH"), SCHED_BATCH);
        CHECK_INTEQ(sched_policy_from_string("SCHED_ISO"), 4);
        CHECK_INTEQ(sched_policy_from_string("SCHED_IDLE"), SCHED_IDLE);
        CHECK_INTEQ(sched_policy_from_string("SCHED_DEADLINE"), 6);
        CHECK_INTEQ(sched_policy_from_string("SCHED_FOO"), -1);
        CHECK_INTEQ(sched_policy_from_string("OTHER"), -1);
        CHECK_INTEQ(sched_policy_from_string(NULL), -1);

        CHECK_INTEQ(ioprio_class_from_string("IOPRIO_CLASS_RT"), 1);
        CHECK_INTEQ(ioprio_class_from_string("IOPRIO_CLASS_BE"), 2);
        CHECK_INTEQ(ioprio_class_from_string("IOPRIO_CLASS_IDLE"), 3);
        CHECK_INTEQ(ioprio_class_from_string("IOPRIO_CLASS_NONE"), -1);
        CHECK_INTEQ(ioprio_class_from_string("BE"), -1);
        CHECK_INTEQ(ioprio_class_from_string(NULL), -1);
}

static void child_rlimits(void)
{
        struct spec_rlimit rl[] = {
            {.resource = RLIMIT_NOFILE, .type = "RLIMIT_NOFILE", .hard = 512, .soft = 256},
            {.resource = RLIMIT_CORE, .type = "RLIMIT_CORE", .hard = 0, .soft = 0},
        };
        struct spec_process p = {.rlimits = rl, .n_rlimits = ELEMENTSOF(rl)};
        _cleanup_error_ berth_error *err = NULL;
        CHECK_INTEQ(proc_apply_rlimits(&p, &err), 0);
        struct rlimit cur;
        CHECK_INTEQ(getrlimit(RLIMIT_NOFILE, &cur), 0);
        CHECK_INTEQ(cur.rlim_cur, 256);
        CHECK_INTEQ(cur.rlim_max, 512);

        /* Raising a hard limit that was lowered is denied once CAP_SYS_RESOURCE is gone. */
        CHECK_INTEQ(prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0), 0);
        struct spec_capabilities caps = {.bounding = UINT64_MAX & ~CAPBIT(CAP_SYS_RESOURCE)};
        caps.effective = caps.permitted = caps.bounding;
        CHECK_INTEQ(caps_apply(&caps, &err), 0);
        struct spec_rlimit raise[] = {
            {.resource = RLIMIT_NOFILE, .type = "RLIMIT_NOFILE", .hard = 4096, .soft = 4096}};
        struct spec_process p2 = {.rlimits = raise, .n_rlimits = 1};
        CHECK_INTEQ(proc_apply_rlimits(&p2, &err), -EPERM);
        CHECK_STREQ(err ? err->msg : NULL,
                    "process.rlimits[0] (RLIMIT_NOFILE): setrlimit: Operation not permitted");
}

TEST(test_rlimits)
{
        if (need_root("rlimits"))
                CHECK_INTEQ(run_child(child_rlimits), 0);
}

static void child_misc_attrs(void)
{
        _cleanup_error_ berth_error *err = NULL;
        struct spec_process p = {
            .has_oom_score_adj = true,
            .oom_score_adj = 500,
            .has_scheduler = true,
            .scheduler = {.policy = "SCHED_BATCH", .policy_value = SCHED_BATCH, .nice = 5},
            .has_io_priority = true,
            .io_priority = {.class_name = "IOPRIO_CLASS_BE", .class_value = 2, .priority = 3},
        };
        CHECK_INTEQ(proc_apply_oom_score_adj(&p, &err), 0);
        _cleanup_free_ char *s = NULL;
        CHECK_INTEQ(read_file("/proc/self/oom_score_adj", 0, &s, NULL), 0);
        CHECK_INTEQ(s ? atoi(s) : -1, 500);

        CHECK_INTEQ(proc_apply_scheduler(&p, &err), 0);
        CHECK_INTEQ(sched_getscheduler(0), SCHED_BATCH);
        CHECK_INTEQ(getpriority(PRIO_PROCESS, 0), 5);

        CHECK_INTEQ(proc_apply_io_priority(&p, &err), 0);
        CHECK_INTEQ(syscall(SYS_ioprio_get, 1, 0), (2 << 13) | 3);

        struct spec_personality per = {.domain = "LINUX32"};
        CHECK_INTEQ(proc_apply_personality(&per, &err), 0);
        CHECK_INTEQ(personality(0xffffffff), PER_LINUX32);
        per.domain = "LINUX";
        CHECK_INTEQ(proc_apply_personality(&per, &err), 0);
        CHECK_INTEQ(personality(0xffffffff), PER_LINUX);
        CHECK(err == NULL);

        /* A deadline task without runtime/deadline/period is refused: the message names the policy. */
        struct spec_process bad = {.has_scheduler = true,
                                   .scheduler = {.policy = "SCHED_DEADLINE", .policy_value = 6}};
        CHECK(proc_apply_scheduler(&bad, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "process.scheduler: sched_setattr (policy SCHED_DEADLINE");
        berth_error_freep(&err);

        struct spec_process badio = {.has_io_priority = true,
                                     .io_priority = {.class_value = 2, .priority = 9}};
        CHECK_INTEQ(proc_apply_io_priority(&badio, &err), -EINVAL);
        CHECK_CONTAINS(err ? err->msg : NULL, "process.ioPriority.priority");
        berth_error_freep(&err);

        struct spec_personality badper = {.domain = "WINDOWS"};
        CHECK_INTEQ(proc_apply_personality(&badper, &err), -EINVAL);
        CHECK_CONTAINS(err ? err->msg : NULL, "linux.personality.domain: unknown domain \"WINDOWS\"");
}

TEST(test_misc_attrs)
{
        if (need_root("process attributes"))
                CHECK_INTEQ(run_child(child_misc_attrs), 0);
}

static void child_caps_root(void)
{
        _cleanup_error_ berth_error *err = NULL;
        uint64_t keep =
            CAPBIT(CAP_CHOWN) | CAPBIT(CAP_NET_BIND_SERVICE) | CAPBIT(CAP_KILL) | CAPBIT(CAP_SETPCAP);
        struct spec_capabilities caps = {
            .bounding = keep,
            .effective = keep,
            .permitted = keep,
            .inheritable = CAPBIT(CAP_NET_BIND_SERVICE),
            .ambient = CAPBIT(CAP_NET_BIND_SERVICE),
        };
        CHECK_INTEQ(caps_apply(&caps, &err), 0);
        CHECK(err == NULL);
        CHECK_INTEQ(status_mask("CapBnd"), keep);
        CHECK_INTEQ(status_mask("CapEff"), keep);
        CHECK_INTEQ(status_mask("CapPrm"), keep);
        CHECK_INTEQ(status_mask("CapInh"), CAPBIT(CAP_NET_BIND_SERVICE));
        CHECK_INTEQ(status_mask("CapAmb"), CAPBIT(CAP_NET_BIND_SERVICE));

        /* Gaining a capability that is no longer permitted fails, naming the set and the capability. */
        struct spec_capabilities more = caps;
        more.permitted |= CAPBIT(CAP_SYS_ADMIN);
        CHECK_INTEQ(caps_apply(&more, &err), -EPERM);
        CHECK_STREQ(err ? err->msg : NULL, "capabilities.permitted: CAP_SYS_ADMIN: not in the current "
                                           "permitted set: Operation not permitted");
        berth_error_freep(&err);

        /* An ambient capability that is not inheritable cannot be raised. */
        struct spec_capabilities amb = caps;
        amb.ambient |= CAPBIT(CAP_KILL);
        CHECK_INTEQ(caps_apply(&amb, &err), -EPERM);
        CHECK_CONTAINS(err ? err->msg : NULL, "capabilities.ambient: raise CAP_KILL");
        berth_error_freep(&err);

        /* Capabilities above the kernel's last one are ignored. */
        struct spec_capabilities high = caps;
        high.permitted |= CAPBIT(63);
        high.bounding |= CAPBIT(63);
        CHECK_INTEQ(caps_apply(&high, &err), 0);
        CHECK(err == NULL);
}

TEST(test_caps_apply_root)
{
        if (need_root("caps_apply"))
                CHECK_INTEQ(run_child(child_caps_root), 0);
}

static void child_set_user(void)
{
        _cleanup_error_ berth_error *err = NULL;
        uint32_t gids[] = {1, 2};
        struct spec_user u = {
            .uid = 65534,
            .gid = 65534,
            .has_umask = true,
            .umask = 027,
            .additional_gids = gids,
            .n_additional_gids = ELEMENTSOF(gids),
        };
        CHECK_INTEQ(proc_set_user(&u, &err), 0);
        CHECK(err == NULL);
        uid_t ru, eu, su;
        gid_t rg, eg, sg;
        CHECK_INTEQ(getresuid(&ru, &eu, &su), 0);
        CHECK_INTEQ(getresgid(&rg, &eg, &sg), 0);
        CHECK(ru == 65534 && eu == 65534 && su == 65534);
        CHECK(rg == 65534 && eg == 65534 && sg == 65534);
        gid_t groups[8];
        int n = getgroups(ELEMENTSOF(groups), groups);
        CHECK_INTEQ(n, 2);
        CHECK(n == 2 && groups[0] == 1 && groups[1] == 2);
        mode_t old = umask(0);
        CHECK_INTEQ(old, 027);
        CHECK_INTEQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
        /* The permitted set survived the uid change; the effective set is empty until caps_apply. */
        CHECK(status_mask("CapPrm") != 0);
        CHECK_INTEQ(status_mask("CapEff"), 0);

        uint64_t keep = CAPBIT(CAP_NET_BIND_SERVICE) | CAPBIT(CAP_NET_RAW);
        struct spec_capabilities caps = {
            .bounding = keep, .effective = keep, .permitted = keep, .inheritable = keep, .ambient = keep};
        CHECK_INTEQ(caps_apply(&caps, &err), 0);
        CHECK(err == NULL);
        if (err)
                fprintf(stderr, "# %s\n", err->msg);
        CHECK_INTEQ(status_mask("CapBnd"), keep);
        CHECK_INTEQ(status_mask("CapEff"), keep);
        CHECK_INTEQ(status_mask("CapAmb"), keep);
        CHECK_INTEQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0), 1);
}

TEST(test_set_user_then_caps)
{
        if (need_root("proc_set_user"))
                CHECK_INTEQ(run_child(child_set_user), 0);
}

TEST(test_lsm)
{
        /* Neither LSM requested: nothing to do. If an LSM is disabled, the request is ignored. */
        _cleanup_error_ berth_error *err = NULL;
        struct spec_process p = {0};
        CHECK_INTEQ(proc_apply_lsm(&p, &err), 0);
        if (!lsm_apparmor_enabled()) {
                p.apparmor_profile = "berth-test-profile";
                CHECK_INTEQ(proc_apply_lsm(&p, &err), 0);
                p.apparmor_profile = NULL;
        }
        if (!lsm_selinux_enabled()) {
                p.selinux_label = "system_u:system_r:container_t:s0";
                CHECK_INTEQ(proc_apply_lsm(&p, &err), 0);
        }
        CHECK(err == NULL);
}

UNIT_MAIN(UNIT_CASE(test_cap_names), UNIT_CASE(test_signal_parse), UNIT_CASE(test_signal_names),
          UNIT_CASE(test_rlimit_sched_ioprio_names), UNIT_CASE(test_rlimits), UNIT_CASE(test_misc_attrs),
          UNIT_CASE(test_caps_apply_root), UNIT_CASE(test_set_user_then_caps), UNIT_CASE(test_lsm))
