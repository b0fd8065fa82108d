/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "netns-prefetch.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "log.h"

static pthread_t helper;
static bool running;
static int made_fd = -1; /* written by the helper, read after the join */

static void *make_netns(void *arg)
{
        (void)arg;
        /* only this thread moves: its fs and files stay shared, so no CLONE_FS or CLONE_FILES is implied */
        if (unshare(CLONE_NEWNET) < 0)
                return NULL;
        made_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        return NULL;
}

void netns_prefetch_start(void)
{
        if (running || geteuid() != 0)
                return;
        running = pthread_create(&helper, NULL, make_netns, NULL) == 0;
}

int netns_prefetch_take(void)
{
        if (!running)
                return -1;
        pthread_join(helper, NULL);
        running = false;
        int fd = made_fd;
        made_fd = -1;
        log_debug("network namespace made ahead: %s", fd >= 0 ? "yes" : "no");
        return fd;
}

void netns_prefetch_drop(void)
{
        int fd = netns_prefetch_take();
        if (fd >= 0)
                close(fd);
}
