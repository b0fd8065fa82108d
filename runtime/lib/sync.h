/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The channel between `berth create` (the parent) and the container init it forked (the child): a
 * SOCK_SEQPACKET socketpair carrying one message per step, optionally with an fd (SCM_RIGHTS).
 *
 *   parent                                   child (container init)
 *   clone(new namespaces) ------------------>
 *   join cgroup, write uid/gid maps
 *   SYNC_PARENT_READY ----------------------> join namespaces by path
 *                      <--------------------- SYNC_USERNS_READY (only when the init unshared its user
 *   write uid/gid maps                          namespace itself, after joining others by path)
 *   SYNC_USERNS_MAPPED ---------------------> mounts, pivot_root, process attributes
 *                      <--------------------- SYNC_INIT_PID (only when the init had to fork once more)
 *                      <--------------------- SYNC_CONSOLE_FD (process.terminal: the pty master)
 *                      <--------------------- SYNC_RUNTIME_HOOKS (mounts done, before pivot_root; only
 *   prestart + createRuntime hooks                when there are such hooks)
 *   SYNC_RUNTIME_HOOKS_DONE (init pid) -----> createContainer hooks, pivot_root, ...
 *                      <--------------------- SYNC_SECCOMP_FD (seccomp listenerPath: the notify fd)
 *                      <--------------------- SYNC_CREATED, then blocks on the exec fifo until `start`
 *   write state, pid file, exit
 *   any failure on either side:  SYNC_ERROR with the message (and the other side gives up)
 *
 * `berth run` has no exec fifo: the parent answers SYNC_CREATED with SYNC_START and writes its state while
 * the init goes on to exec. The channel stays open (close-on-exec) until then: EOF says the user process
 * runs, a SYNC_ERROR says why it could not be started. Where the parent has nothing to do at a step, the init
 * does not wait for it: no SYNC_PARENT_READY for an init born in its cgroup without id maps to write, no
 * SYNC_START for a run without a scope to settle or a notify socket to bind (init_args.wait_parent,
 * wait_start).
 *
 * `berth exec` uses the same channel: SYNC_PARENT_READY after the process joined the cgroup, then
 * SYNC_INIT_PID with the exec'd process's host pid and SYNC_CONSOLE_FD for -t.
 */
#pragma once

#include <stdint.h>

#include "error.h"

enum sync_step {
        SYNC_PARENT_READY = 1,
        SYNC_USERNS_READY,
        SYNC_USERNS_MAPPED,
        SYNC_INIT_PID,
        SYNC_CONSOLE_FD,
        SYNC_SECCOMP_FD,
        SYNC_RUNTIME_HOOKS,
        SYNC_RUNTIME_HOOKS_DONE,
        SYNC_CREATED,
        SYNC_START,
        SYNC_ERROR,
};
const char *sync_step_to_string(enum sync_step s);

struct sync_msg {
        enum sync_step step;
        int32_t value; /* a pid, or an errno for SYNC_ERROR */
        char *text;    /* SYNC_ERROR: the message */
        int fd;        /* received fd or -1 */
};
void sync_msg_clear(struct sync_msg *m);

/* socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC) */
int sync_pair(int fds[2], berth_error **err);
int sync_send(int sock, enum sync_step step, int32_t value, const char *text, int fd);
/* Receives one message. -EPIPE when the other side closed without a word. */
int sync_recv(int sock, struct sync_msg *m);
/* Receives a message and checks it is `want`; a SYNC_ERROR becomes *err (with its text), an unexpected
 * step or EOF an error naming what was expected. */
int sync_expect(int sock, enum sync_step want, struct sync_msg *m, berth_error **err);
/* Child side: reports err (or a plain message) to the parent as SYNC_ERROR. */
void sync_send_error(int sock, const berth_error *err);
