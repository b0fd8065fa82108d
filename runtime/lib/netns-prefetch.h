/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A network namespace made ahead of time. A new network namespace is the dearest part of the container init's
 * clone() (about half a millisecond: the kernel registers the namespace's sysctls and its loopback device).
 * `create` and `run` start making one on a helper thread as soon as they begin, while config.json is loaded
 * and validated; when the config asks for a new network namespace and no user namespace (which would have to
 * own it), the init joins that one instead of having clone() make it (netns_prefetch_take). Otherwise it is
 * dropped (netns_prefetch_drop). Either call joins the thread: the process is single-threaded again before it
 * forks anything.
 */
#pragma once

#include <stdbool.h>

/* Starts the helper thread (root only; without the privilege nothing is prefetched). */
void netns_prefetch_start(void);
/* Joins the helper; returns the namespace (an O_RDONLY|O_CLOEXEC fd) or -1 when none was made. */
int netns_prefetch_take(void);
/* Joins the helper and closes what it made, if anything. Idempotent. */
void netns_prefetch_drop(void);
static inline void netns_prefetch_dropp(int *unused)
{
        (void)unused;
        netns_prefetch_drop();
}
