/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * uml-noxstate: run a command with ptrace(PTRACE_GETREGSET/SETREGSET, pid, NT_X86_XSTATE, ...) failing with
 * EIO.
 *
 * Debian 12's User-Mode Linux (6.1) moves the guest's FPU state with a fixed-size XSAVE buffer (AVX only).
 * Hosts whose XSAVE area is larger (AVX-512, AMX) reject that buffer with EFAULT and the guest dies at its
 * first exec
 * ("userspace - ptrace set fp regs failed, errno = 14"). When the XSTATE regset probe fails, UML falls back
 * to PTRACE_GETFPREGS/SETFPREGS (the 512-byte FXSAVE area), which works on every x86-64 host. The filter only
 * touches the host ptrace calls made by the UML kernel: guest system calls are intercepted with PTRACE_SYSEMU
 * before seccomp runs.
 *
 * Usage: uml-noxstate CMD [ARGS...]
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

#define ARG_LO(n) (offsetof(struct seccomp_data, args[n]))

int main(int argc, char **argv)
{
        struct sock_filter filter[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ptrace, 1, 0),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PTRACE_GETREGSET, 1, 0),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PTRACE_SETREGSET, 0, 3),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NT_X86_XSTATE, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EIO),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};

        if (argc < 2) {
                fprintf(stderr, "usage: %s CMD [ARGS...]\n", argv[0]);
                return 2;
        }
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                fprintf(stderr, "uml-noxstate: prctl(PR_SET_NO_NEW_PRIVS): %s\n", strerror(errno));
                return 2;
        }
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
                fprintf(stderr, "uml-noxstate: seccomp: %s\n", strerror(errno));
                return 2;
        }
        execvp(argv[1], argv + 1);
        fprintf(stderr, "uml-noxstate: exec %s: %s\n", argv[1], strerror(errno));
        return 127;
}
