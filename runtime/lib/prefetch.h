/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Work that `create` and `run` will need and that does not depend on the config, done on a helper thread
 * while the main thread loads json-glib and the config:
 *   - a network namespace: the dearest part of the container init's clone() (about 0.3 ms here: the kernel
 *     registers the namespace's sysctls and its loopback device). When the config asks for a new network
 *     namespace and no user namespace (which would have to own it), the init joins this one instead of
 *     having clone() make it (prefetch_take_netns); otherwise it is dropped.
 *   - with the systemd cgroup manager: libsystemd loaded and the command's connection opened
 *     (systemd_bus_prepare), so that its authentication is done by the time the scope is started.
 * prefetch_take_netns() and prefetch_join() join the thread: the process is single-threaded again before it
 * forks anything, and the connection is the main thread's from then on.
 */
#pragma once

#include <stdbool.h>

/* Starts the helper thread (root only: without the privilege there is no network namespace to make). */
void prefetch_start(void);
/* Joins the helper; returns the network namespace (an O_RDONLY|O_CLOEXEC fd) or -1 when none was made. */
int prefetch_take_netns(void);
/* Joins the helper and drops a network namespace nobody took. Idempotent. */
void prefetch_join(void);
static inline void prefetch_joinp(int *unused)
{
        (void)unused;
        prefetch_join();
}
