/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.seccomp: profile checks with field paths, and filters loaded into forked children. */
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "seccomp.h"
#include "unit.h"

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
                alarm(20); /* a notify test gone wrong must not hang the suite */
                fn();
                fflush(stderr);
                _exit(unit_failed_checks ? 1 : 0);
        }
        int status;
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool strv_has(const char *const *v, const char *s)
{
        for (; v && *v; v++)
                if (STREQ(*v, s))
                        return true;
        return false;
}

/* A Docker-like profile: allow list, ERRNO default, conditions on personality/clone/socket. */
static char *allowed_names[] = {
    "accept",
    "accept4",
    "access",
    "arch_prctl",
    "brk",
    "clock_gettime",
    "close",
    "dup",
    "dup2",
    "dup3",
    "epoll_wait",
    "execve",
    "exit",
    "exit_group",
    "fcntl",
    "fstat",
    "futex",
    "getpid",
    "getdents64",
    "mmap",
    "mprotect",
    "munmap",
    "openat",
    "read",
    "write",
    "rt_sigaction",
    "rt_sigreturn",
    "set_tid_address",
    "no_such_syscall_at_all",
    "socketcall",
    "ipc",
    NULL,
};
static char *personality_names[] = {"personality", NULL};
static char *clone_names[] = {"clone", NULL};
static char *socket_names[] = {"socket", NULL};
static char *kill_names[] = {"kexec_load", "reboot", NULL};
static char *trace_names[] = {"ptrace", NULL};
static char *log_names[] = {"syslog", NULL};

static struct spec_seccomp_arg personality_args[] = {{.index = 0, .op = SECCOMP_OP_EQ, .value = 0xffffffff}};
static struct spec_seccomp_arg clone_args[] = {
    {.index = 0, .op = SECCOMP_OP_MASKED_EQ, .value = 0x7E020000, .value_two = 0}};
static struct spec_seccomp_arg socket_args[] = {{.index = 0, .op = SECCOMP_OP_NE, .value = 40},
                                                {.index = 0, .op = SECCOMP_OP_NE, .value = 16}};

static struct spec_seccomp_syscall realistic_syscalls[] = {
    {.names = allowed_names, .action = SECCOMP_ACT_ALLOW},
    {.names = personality_names, .action = SECCOMP_ACT_ALLOW, .args = personality_args, .n_args = 1},
    {.names = clone_names, .action = SECCOMP_ACT_ALLOW, .args = clone_args, .n_args = 1},
    {.names = socket_names, .action = SECCOMP_ACT_ALLOW, .args = socket_args, .n_args = 2},
    {.names = kill_names, .action = SECCOMP_ACT_KILL_PROCESS},
    {.names = trace_names, .action = SECCOMP_ACT_TRACE, .has_errno_ret = true, .errno_ret = 1},
    {.names = log_names, .action = SECCOMP_ACT_LOG},
    /* Same as the default action: skipped rather than refused. */
    {.names = log_names, .action = SECCOMP_ACT_ERRNO},
};

static char *realistic_archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};

static struct spec_seccomp realistic_profile(void)
{
        return (struct spec_seccomp){
            .default_action = SECCOMP_ACT_ERRNO,
            .architectures = realistic_archs,
            .syscalls = realistic_syscalls,
            .n_syscalls = ELEMENTSOF(realistic_syscalls),
        };
}

/* Runs first, before anything loaded libseccomp: applying a filter never loads it (inside the container a
 * library path would resolve in the container's root), it names what went wrong instead. */
TEST(test_apply_needs_loaded_library)
{
        struct spec_seccomp sc = {.default_action = SECCOMP_ACT_ALLOW};
        _cleanup_error_ berth_error *err = NULL;
        int fd = -2;
        CHECK_INTEQ(seccomp_apply(&sc, &fd, &err), -ELIBACC);
        CHECK_CONTAINS(err ? err->msg : NULL,
                       "linux.seccomp: libseccomp was not loaded before entering the container");
        CHECK_INTEQ(fd, -1);
        berth_error_free(err);
        err = NULL;
        CHECK_INTEQ(seccomp_check(&sc, &err), 0);
}

TEST(test_check_realistic)
{
        _cleanup_error_ berth_error *err = NULL;
        struct spec_seccomp sc = realistic_profile();
        CHECK_INTEQ(seccomp_check(&sc, &err), 0);
        if (err)
                fprintf(stderr, "# %s\n", err->msg);

        /* Other architectures, a flag, defaultErrnoRet. */
        char *archs[] = {"SCMP_ARCH_AARCH64",
                         "SCMP_ARCH_ARM",
                         "SCMP_ARCH_PPC64LE",
                         "SCMP_ARCH_RISCV64",
                         "SCMP_ARCH_MIPSEL64",
                         "SCMP_ARCH_X86_64",
                         NULL};
        char *flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", NULL};
        sc.architectures = archs;
        sc.flags = flags;
        sc.has_default_errno_ret = true;
        sc.default_errno_ret = 38;
        CHECK_INTEQ(seccomp_check(&sc, &err), 0);
        if (err)
                fprintf(stderr, "# %s\n", err->msg);

        CHECK_INTEQ(seccomp_check(NULL, &err), 0);
        struct spec_seccomp empty = {.default_action = SECCOMP_ACT_ALLOW};
        CHECK_INTEQ(seccomp_check(&empty, &err), 0);
}

TEST(test_check_rejects)
{
        _cleanup_error_ berth_error *err = NULL;
        struct spec_seccomp sc = realistic_profile();

        char *bad_archs[] = {"SCMP_ARCH_FOO", NULL};
        sc.architectures = bad_archs;
        CHECK_INTEQ(seccomp_check(&sc, &err), -EINVAL);
        CHECK_STREQ(err ? err->msg : NULL,
                    "linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_FOO\"");
        berth_error_freep(&err);
        char *bad_archs2[] = {"SCMP_ARCH_X86_64", "x86_64", NULL};
        sc.architectures = bad_archs2;
        CHECK_INTEQ(seccomp_check(&sc, &err), -EINVAL);
        CHECK_CONTAINS(err ? err->msg : NULL,
                       "linux.seccomp.architectures[1]: unknown architecture \"x86_64\"");
        berth_error_freep(&err);
        sc.architectures = realistic_archs;

        /* Little- and big-endian architectures cannot share a filter. */
        char *mixed[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_S390X", NULL};
        sc.architectures = mixed;
        CHECK_INTEQ(seccomp_check(&sc, &err), -EINVAL);
        CHECK_CONTAINS(err ? err->msg : NULL,
                       "linux.seccomp.architectures[1]: SCMP_ARCH_S390X cannot be combined");
        berth_error_freep(&err);
        sc.architectures = realistic_archs;

        char *bad_flags[] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BOGUS", NULL};
        sc.flags = bad_flags;
        CHECK_INTEQ(seccomp_check(&sc, &err), -EINVAL);
        CHECK_STREQ(err ? err->msg : NULL,
                    "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"");
        berth_error_freep(&err);

        char *waitkill[] = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL};
        sc.flags = waitkill;
        int r = seccomp_check(&sc, &err);
        if (!strv_has(seccomp_supported_flags(), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")) {
                CHECK(r < 0);
                CHECK_CONTAINS(err ? err->msg : NULL,
                               "linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
        }
        berth_error_freep(&err);
        sc.flags = NULL;

        struct spec_seccomp_syscall calls[4];
        memcpy(calls, realistic_syscalls, sizeof(calls));
        sc.syscalls = calls;
        sc.n_syscalls = ELEMENTSOF(calls);

        calls[3].action = (enum seccomp_action)99;
        CHECK_INTEQ(seccomp_check(&sc, &err), -EINVAL);
        CHECK_CONTAINS(err ? err->msg : NULL, "linux.seccomp.syscalls[3].action: unknown action 99");
        berth_error_freep(&err);
        calls[3] = realistic_syscalls[3];

        calls[2].action = SECCOMP_ACT_ERRNO;
        calls[2].has_errno_ret = true;
        calls[2].errno_ret = 70000;
        CHECK_INTEQ(seccomp_check(&sc, &err), -EINVAL);
        CHECK_CONTAINS(err ? err->msg : NULL,
                       "linux.seccomp.syscalls[2].action: errnoRet 70000 is out of range");
        berth_error_freep(&err);
        calls[2] = realistic_syscalls[2];

        struct spec_seccomp_arg bad_index[] = {{.index = 6, .op = SECCOMP_OP_EQ, .value = 1}};
        calls[1].args = bad_index;
        CHECK_INTEQ(seccomp_check(&sc, &err), -EINVAL);
        CHECK_STREQ(err ? err->msg : NULL,
                    "linux.seccomp.syscalls[1].args[0].index: 6 is out of range (0-5)");
        berth_error_freep(&err);
        struct spec_seccomp_arg bad_op[] = {{.index = 0, .op = (enum seccomp_op)42, .value = 1}};
        calls[1].args = bad_op;
        CHECK_INTEQ(seccomp_check(&sc, &err), -EINVAL);
        CHECK_CONTAINS(err ? err->msg : NULL, "linux.seccomp.syscalls[1].args[0].op: unknown operator 42");
        berth_error_freep(&err);
        calls[1] = realistic_syscalls[1];

        sc.default_action = SECCOMP_ACT_NOTIFY;
        CHECK_INTEQ(seccomp_check(&sc, &err), -EINVAL);
        CHECK_CONTAINS(err ? err->msg : NULL,
                       "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default");
        berth_error_freep(&err);
        sc.default_action = (enum seccomp_action) - 1;
        CHECK_INTEQ(seccomp_check(&sc, &err), -EINVAL);
        CHECK_CONTAINS(err ? err->msg : NULL, "linux.seccomp.defaultAction: unknown action");
}

TEST(test_supported_lists)
{
        const char *const *actions = seccomp_supported_actions();
        CHECK(strv_has(actions, "SCMP_ACT_ERRNO"));
        CHECK(strv_has(actions, "SCMP_ACT_NOTIFY"));
        CHECK(strv_has(actions, "SCMP_ACT_KILL_PROCESS"));
        CHECK_INTEQ(strv_length((char *const *)actions), _SECCOMP_ACT_MAX);
        const char *const *ops = seccomp_supported_operators();
        CHECK(strv_has(ops, "SCMP_CMP_MASKED_EQ"));
        CHECK_INTEQ(strv_length((char *const *)ops), _SECCOMP_OP_MAX);
        const char *const *archs = seccomp_supported_archs();
        CHECK(strv_has(archs, "SCMP_ARCH_X86_64"));
        CHECK(strv_has(archs, "SCMP_ARCH_AARCH64"));
        CHECK(strv_has(archs, "SCMP_ARCH_RISCV64"));
        const char *const *flags = seccomp_supported_flags();
        CHECK(strv_has(flags, "SECCOMP_FILTER_FLAG_TSYNC"));
        CHECK(strv_has(flags, "SECCOMP_FILTER_FLAG_LOG"));
        CHECK(strv_has(flags, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
        CHECK(seccomp_supported_flags() == flags);
}

static char *uname_names[] = {"uname", NULL};
static char *mkdirat_names[] = {"mkdirat", "mkdir", NULL};
static char *getpgid_names[] = {"getpgid", NULL};
static char *getpriority_names[] = {"getpriority", NULL};
static char *lseek_names[] = {"lseek", NULL};
static char *unknown_names[] = {"not_a_syscall", NULL};

static void child_load(void)
{
        /* Without CAP_SYS_ADMIN semantics in the way: the filter is loaded under no_new_privs. */
        CHECK_INTEQ(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);

        /* personality: allowed only as a query (arg0 == 0xffffffff), EACCES otherwise. */
        struct spec_seccomp_arg per_args[] = {{.index = 0, .op = SECCOMP_OP_NE, .value = 0xffffffff}};
        /* getpgid: the same argument twice -> either value matches (one rule per condition). */
        struct spec_seccomp_arg pgid_args[] = {{.index = 0, .op = SECCOMP_OP_EQ, .value = 1111},
                                               {.index = 0, .op = SECCOMP_OP_EQ, .value = 2222}};
        /* getpriority: distinct arguments -> AND-ed. */
        struct spec_seccomp_arg prio_args[] = {{.index = 0, .op = SECCOMP_OP_EQ, .value = PRIO_PROCESS},
                                               {.index = 1, .op = SECCOMP_OP_EQ, .value = 4242}};
        /* lseek: (whence & 0xf0) == 0x40. */
        struct spec_seccomp_arg lseek_args[] = {
            {.index = 2, .op = SECCOMP_OP_MASKED_EQ, .value = 0xf0, .value_two = 0x40}};
        struct spec_seccomp_syscall calls[] = {
            {.names = uname_names, .action = SECCOMP_ACT_ERRNO, .has_errno_ret = true, .errno_ret = ENOSYS},
            {.names = mkdirat_names, .action = SECCOMP_ACT_ERRNO},
            {.names = personality_names,
             .action = SECCOMP_ACT_ERRNO,
             .has_errno_ret = true,
             .errno_ret = EACCES,
             .args = per_args,
             .n_args = 1},
            {.names = getpgid_names,
             .action = SECCOMP_ACT_ERRNO,
             .has_errno_ret = true,
             .errno_ret = EL2HLT,
             .args = pgid_args,
             .n_args = 2},
            {.names = getpriority_names,
             .action = SECCOMP_ACT_ERRNO,
             .has_errno_ret = true,
             .errno_ret = EBADE,
             .args = prio_args,
             .n_args = 2},
            {.names = lseek_names,
             .action = SECCOMP_ACT_ERRNO,
             .has_errno_ret = true,
             .errno_ret = EBADR,
             .args = lseek_args,
             .n_args = 1},
            {.names = unknown_names, .action = SECCOMP_ACT_KILL},
        };
        struct spec_seccomp sc = {
            .default_action = SECCOMP_ACT_ALLOW,
            .architectures = realistic_archs,
            .syscalls = calls,
            .n_syscalls = ELEMENTSOF(calls),
        };
        _cleanup_error_ berth_error *err = NULL;
        int fd = -2;
        CHECK_INTEQ(seccomp_check(&sc, &err), 0); /* loads libseccomp, as create does before the init */
        CHECK_INTEQ(seccomp_apply(&sc, &fd, &err), 0);
        if (err)
                fprintf(stderr, "# %s\n", err->msg);
        CHECK_INTEQ(fd, -1);

        struct utsname u;
        errno = 0;
        CHECK_INTEQ(syscall(SYS_uname, &u), -1);
        CHECK_INTEQ(errno, ENOSYS);

        errno = 0;
        CHECK_INTEQ(mkdirat(AT_FDCWD, "/tmp/berth-seccomp-test-never", 0700), -1);
        CHECK_INTEQ(errno, EPERM);

        CHECK(syscall(SYS_personality, 0xffffffffUL) >= 0);
        errno = 0;
        CHECK_INTEQ(syscall(SYS_personality, (unsigned long)PER_LINUX), -1);
        CHECK_INTEQ(errno, EACCES);

        errno = 0;
        CHECK_INTEQ(syscall(SYS_getpgid, 1111), -1);
        CHECK_INTEQ(errno, EL2HLT);
        errno = 0;
        CHECK_INTEQ(syscall(SYS_getpgid, 2222), -1);
        CHECK_INTEQ(errno, EL2HLT);
        CHECK(syscall(SYS_getpgid, 0) >= 0);

        errno = 0;
        CHECK_INTEQ(syscall(SYS_getpriority, PRIO_PROCESS, 4242), -1);
        CHECK_INTEQ(errno, EBADE);
        CHECK(syscall(SYS_getpriority, PRIO_PROCESS, 0) >= 0);
        errno = 0;
        syscall(SYS_getpriority, PRIO_PGRP, 4242); /* only one condition holds: not matched */
        CHECK(errno != EBADE);

        int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        CHECK(nullfd >= 0);
        errno = 0;
        CHECK_INTEQ(syscall(SYS_lseek, nullfd, 0, 0x41), -1);
        CHECK_INTEQ(errno, EBADR);
        CHECK_INTEQ(syscall(SYS_lseek, nullfd, 0, SEEK_SET), 0);
        close(nullfd);
}

TEST(test_load)
{
        CHECK_INTEQ(run_child(child_load), 0);
}

static char *acct_names[] = {"acct", NULL};

static void child_notify(void)
{
        CHECK_INTEQ(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
        struct spec_seccomp_syscall calls[] = {{.names = acct_names, .action = SECCOMP_ACT_NOTIFY}};
        struct spec_seccomp sc = {
            .default_action = SECCOMP_ACT_ALLOW,
            .listener_path = "/run/berth-test-agent.sock",
            .syscalls = calls,
            .n_syscalls = 1,
        };
        _cleanup_error_ berth_error *err = NULL;
        int fd = -1;
        CHECK_INTEQ(seccomp_check(&sc, &err), 0);
        CHECK_INTEQ(seccomp_apply(&sc, &fd, &err), 0);
        if (err)
                fprintf(stderr, "# %s\n", err->msg);
        CHECK(fd >= 0);
        if (fd < 0)
                return;
        CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);

        /* Round trip: a child's acct() is answered by us through the notification fd. */
        fflush(stderr);
        pid_t pid = fork();
        if (pid == 0) {
                errno = 0;
                long r = syscall(SYS_acct, NULL);
                _exit(r == -1 && errno == EXFULL ? 0 : 1);
        }
        CHECK(pid > 0);
        struct seccomp_notif *req = NULL;
        struct seccomp_notif_resp *resp = NULL;
        CHECK_INTEQ(seccomp_notify_alloc(&req, &resp), 0);
        if (req && resp) {
                CHECK_INTEQ(seccomp_notify_receive(fd, req), 0);
                CHECK_INTEQ(req->data.nr, SYS_acct);
                CHECK_INTEQ(req->pid, pid);
                resp->id = req->id;
                resp->error = -EXFULL;
                resp->val = 0;
                resp->flags = 0;
                CHECK_INTEQ(seccomp_notify_respond(fd, resp), 0);
        }
        seccomp_notify_free(req, resp);
        int status = 0;
        CHECK_INTEQ(waitpid(pid, &status, 0), pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(fd);
}

TEST(test_notify)
{
        CHECK_INTEQ(run_child(child_notify), 0);
}

static void child_load_fails_without_nnp(void)
{
        /* Without no_new_privs and without CAP_SYS_ADMIN the kernel refuses the filter. */
        struct spec_seccomp sc = {
            .default_action = SECCOMP_ACT_ALLOW, .syscalls = realistic_syscalls + 6, .n_syscalls = 1};
        if (geteuid() == 0) {
                CHECK_INTEQ(prctl(PR_CAPBSET_DROP, 21 /* CAP_SYS_ADMIN */, 0, 0, 0), 0);
                CHECK_INTEQ(setresuid(65534, 65534, 65534), 0);
        }
        _cleanup_error_ berth_error *err = NULL;
        int fd = -2;
        CHECK_INTEQ(seccomp_check(&sc, &err), 0);
        CHECK_INTEQ(seccomp_apply(&sc, &fd, &err), -EACCES);
        CHECK_CONTAINS(err ? err->msg : NULL, "linux.seccomp: loading the filter: Permission denied");
        CHECK_INTEQ(fd, -1);
}

TEST(test_load_error)
{
        CHECK_INTEQ(run_child(child_load_fails_without_nnp), 0);
}

UNIT_MAIN(UNIT_CASE(test_apply_needs_loaded_library), UNIT_CASE(test_check_realistic),
          UNIT_CASE(test_check_rejects), UNIT_CASE(test_supported_lists), UNIT_CASE(test_load),
          UNIT_CASE(test_notify), UNIT_CASE(test_load_error))
