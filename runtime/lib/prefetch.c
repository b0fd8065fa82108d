/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "prefetch.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "log.h"

static pthread_t helper;
static bool running;
static int netns_fd = -1; /* written by the helper, read after the join */

static void *prefetch(void *arg)
{
        (void)arg;
        /* only this thread moves: its fs and files stay shared, so no CLONE_FS or CLONE_FILES is implied */
        if (unshare(CLONE_NEWNET) == 0)
                netns_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        return NULL;
}

void prefetch_start(void)
{
        if (running || geteuid() != 0)
                return;
        running = pthread_create(&helper, NULL, prefetch, NULL) == 0;
}

int prefetch_take_netns(void)
{
        if (running) {
                pthread_join(helper, NULL);
                running = false;
                log_debug("network namespace made ahead: %s", netns_fd >= 0 ? "yes" : "no");
        }
        int fd = netns_fd;
        netns_fd = -1;
        return fd;
}

void prefetch_join(void)
{
        int fd = prefetch_take_netns();
        if (fd >= 0)
                close(fd);
}
