/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Creating the container init: clone3() with its namespaces, straight into its cgroup.
 *
 * clone_init() is fork-like: the child gets a copy of the address space and returns 0.
 *
 * clone_init_vfork() is posix_spawn-like: the child borrows the parent's address space (CLONE_VM) on a
 * stack of its own and runs fn(arg), and the parent sleeps until the child has called execve() or exited
 * (CLONE_VFORK). Nothing is copied at the clone and nothing is torn down at the exec, which makes the
 * container's start cheaper, but fn must be able to finish on its own: it must never wait for the parent
 * (which is asleep), and everything it writes to memory is seen by the parent afterwards, so it may only
 * allocate, never free or change what the parent owns. What the kernel keeps per memory rather than per
 * process changes for both (a uid switch makes the memory non-dumpable; PR_SET_MDWE would bind the parent
 * too, which is why plugins, which may set it, never run in such a child). It does not combine with user
 * namespaces (a process whose memory is shared cannot enter one). Only where berth has the trampoline
 * (x86-64) and not under AddressSanitizer (which cannot follow a stack switch it was not told of); elsewhere
 * it returns -EOPNOTSUPP and the caller uses clone_init().
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* The child is born in the cgroup behind cgroup_fd when >= 0. Falls back to clone() without
 * CLONE_INTO_CGROUP, and then *ret_in_cgroup is false: the caller moves the child. Returns 0 in the child. */
pid_t clone_init(int flags, int cgroup_fd, bool *ret_in_cgroup);

/* See above. Needs cgroup_fd >= 0 (the child cannot wait to be moved); returns the child's pid once it
 * has exec'd or exited, or -errno (-EOPNOTSUPP: not available here, or not into that cgroup). */
pid_t clone_init_vfork(int flags, int cgroup_fd, int (*fn)(void *arg), void *arg);
