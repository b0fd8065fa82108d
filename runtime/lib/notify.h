/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sd_notify proxy. When berth runs with NOTIFY_SOCKET set (a Type=notify unit), the container gets a
 * notify socket of its own and berth forwards what the container says to systemd:
 *   create   notify_prepare(): <state>/notify/ is bind-mounted at /run/notify in the container and
 *            NOTIFY_SOCKET=/run/notify/notify.sock goes into the process environment
 *   start    notify_listen() binds the socket before the init is released; notify_wait_ready() forwards
 *            messages until READY=1 (or the init exits), then a barrier, so systemd has read everything
 *            before `start` exits
 *   run      the same, and in the foreground every later message (STATUS, RELOADING, STOPPING, WATCHDOG,
 *            EXTEND_TIMEOUT_USEC, ERRNO...) is forwarded while the container lives: notify_forward()
 * Forwarded messages carry MAINPID=<host pid of the container init>.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

#define NOTIFY_DIR "notify"

/* No-op (0) without NOTIFY_SOCKET in berth's environment. Else creates <state_dir>/notify, appends the bind
 * mount to spec->mounts and NOTIFY_SOCKET=... to *env (replacing one from process.env); returns 1. */
int notify_prepare(struct spec *spec, const char *state_dir, char ***env, berth_error **err);
/* When the container was prepared (<state_dir>/notify exists) and NOTIFY_SOCKET is set: binds the socket
 * and returns its fd (O_CLOEXEC|O_NONBLOCK). Returns -1 (no error) when the proxy is not in use. */
int notify_listen(const char *state_dir, berth_error **err);
/* Forwards every pending datagram; *ready is set once READY=1 was forwarded. */
int notify_forward(int fd, pid_t mainpid, bool *ready, berth_error **err);
/* Forwards until READY=1 or the process behind pidfd exits (or timeout_ms, -1 = none), then
 * notify_barrier(). */
int notify_wait_ready(int fd, int pidfd, pid_t mainpid, int timeout_ms, berth_error **err);
/* sd_notify_barrier(): returns once systemd has processed every message sent before it. */
int notify_barrier(berth_error **err);
/* Foreground run: the init exited and is not reaped yet. Makes berth the main PID again (on behalf of the
 * init, then a barrier), so systemd sees berth's exit status, which is the container's. A no-op unless
 * systemd was told MAINPID=<mainpid>. */
int notify_init_exited(pid_t mainpid, berth_error **err);

/* What notify_rewrite() saw in a message. */
#define NOTIFY_READY   (1 << 0) /* READY=1 */
#define NOTIFY_BARRIER (1 << 1) /* BARRIER=1 (the container's sd_notify_barrier()) */
/* Rewrites one datagram of the container for systemd (pure; exposed for tests). The assignments a service
 * may send (READY, STATUS, RELOADING, STOPPING, WATCHDOG, WATCHDOG_USEC, EXTEND_TIMEOUT_USEC, ERRNO,
 * BUSERROR, MONOTONIC_USEC) are kept in their order, everything else (MAINPID= above all) is dropped, and
 * when the message says READY=1 and mainpid > 0, MAINPID=<mainpid> is appended. *ret: the text to send, NULL
 * when nothing is left. Returns NOTIFY_* flags, or -EBADMSG for a message with a NUL byte. */
int notify_rewrite(const char *msg, size_t len, pid_t mainpid, char **ret);
