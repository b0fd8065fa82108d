/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/sched.h>

#include "clone.h"
#include "macro.h"

pid_t clone_init(int flags, int cgroup_fd, bool *ret_in_cgroup)
{
        *ret_in_cgroup = cgroup_fd >= 0;
        struct clone_args args = {
            .flags = (uint64_t)(unsigned)flags | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
            .exit_signal = SIGCHLD,
            .cgroup = cgroup_fd >= 0 ? (uint64_t)cgroup_fd : 0,
        };
        long pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid >= 0)
                return (pid_t)pid;
        if (errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EOPNOTSUPP)
                return -errno;
        *ret_in_cgroup = false;
        pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, 0);
        return pid < 0 ? -errno : (pid_t)pid;
}

#if defined(__SANITIZE_ADDRESS__)
#define BERTH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BERTH_ASAN 1
#endif
#endif

#if defined(__x86_64__) && !defined(BERTH_ASAN)
/* clone3(args, size), then in the child fn(arg) on the new stack and exit with its result. A C wrapper
 * cannot do this: the child must not return through a frame that lives on the parent's stack. fn and arg
 * wait in r8 and r9, which the syscall instruction preserves. */
long berth_clone3_run(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
/* clang-format off */
__asm__(".text\n"
        ".globl berth_clone3_run\n"
        ".hidden berth_clone3_run\n"
        ".type berth_clone3_run,@function\n"
        "berth_clone3_run:\n"
        "        .cfi_startproc\n"
        "        mov %rdx, %r8\n"
        "        mov %rcx, %r9\n"
        "        mov $" STRINGIFY(SYS_clone3) ", %eax\n"
        "        syscall\n"
        "        test %rax, %rax\n"
        "        jz 1f\n"
        "        ret\n"                /* the parent, once the child has exec'd or exited */
        "1:      .cfi_undefined %rip\n" /* the child: nothing to unwind to */
        "        xor %ebp, %ebp\n"
        "        mov %r9, %rdi\n"
        "        call *%r8\n"
        "        mov %eax, %edi\n"
        "        mov $" STRINGIFY(SYS_exit) ", %eax\n"
        "        syscall\n"
        "        hlt\n"
        "        .cfi_endproc\n"
        ".size berth_clone3_run, .-berth_clone3_run\n");
/* clang-format on */

/* As much as a main thread gets by default; only what the init touches is ever allocated. */
#define CHILD_STACK_SIZE (8UL << 20)

pid_t clone_init_vfork(int flags, int cgroup_fd, int (*fn)(void *arg), void *arg)
{
        if (cgroup_fd < 0 || (flags & CLONE_NEWUSER))
                return -EOPNOTSUPP;
        long page = sysconf(_SC_PAGESIZE);
        char *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (stack == MAP_FAILED)
                return -errno;
        /* a guard page: an overflow faults instead of writing over the parent's memory */
        if (mprotect(stack, (size_t)page, PROT_NONE) < 0) {
                int r = -errno;
                munmap(stack, CHILD_STACK_SIZE);
                return r;
        }
        struct clone_args args = {
            .flags = (uint64_t)(unsigned)flags | CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP,
            .exit_signal = SIGCHLD,
            .stack = (uint64_t)(uintptr_t)stack,
            .stack_size = CHILD_STACK_SIZE,
            .cgroup = (uint64_t)cgroup_fd,
        };
        long pid = berth_clone3_run(&args, sizeof(args), fn, arg);
        /* The child has exec'd or exited: its stack is free. */
        munmap(stack, CHILD_STACK_SIZE);
        if (pid >= 0)
                return (pid_t)pid;
        if (pid == -ENOSYS || pid == -E2BIG || pid == -EINVAL)
                return -EOPNOTSUPP;
        return (pid_t)pid;
}
#else
pid_t clone_init_vfork(int flags, int cgroup_fd, int (*fn)(void *arg), void *arg)
{
        (void)flags, (void)cgroup_fd, (void)fn, (void)arg;
        return -EOPNOTSUPP;
}
#endif
