/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * loopback: brings "lo" up in the container's network namespace, so that 127.0.0.1 and ::1 work inside a
 * container that has a network namespace of its own (a new one has lo down). No options. A container without
 * a network namespace of its own is left alone.
 *
 * The work happens in a forked child that joins the namespace: berth itself never changes namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/plugin.h"

static const struct berth_host *host;

/* In the child: join the namespace and set IFF_UP on lo. Returns 0 or a positive errno. */
static int lo_up_in(int nsfd)
{
        if (setns(nsfd, CLONE_NEWNET) < 0)
                return errno;
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return errno;
        struct ifreq ifr = {0};
        strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
        int r = 0;
        if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                r = errno;
        else if (!(ifr.ifr_flags & IFF_UP)) {
                ifr.ifr_flags |= IFF_UP;
                if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                        r = errno;
        }
        close(s);
        return r;
}

static int loopback_create(berth_container *c)
{
        const char *ns = host->ns_path(c, "net");
        if (!ns) {
                host->log(c, BERTH_LOG_DEBUG, "no network namespace of its own: nothing to do");
                return 0;
        }
        int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0)
                return host->error(c, errno, "open %s: %s", ns, strerror(errno));
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) {
                int e = errno;
                close(nsfd);
                return host->error(c, e, "pipe: %s", strerror(e));
        }
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(nsfd);
                close(p[0]);
                close(p[1]);
                return host->error(c, e, "fork: %s", strerror(e));
        }
        if (pid == 0) {
                close(p[0]);
                int e = lo_up_in(nsfd);
                ssize_t n = write(p[1], &e, sizeof(e));
                _exit(n == (ssize_t)sizeof(e) ? 0 : 1);
        }
        close(nsfd);
        close(p[1]);
        int e = 0;
        ssize_t n;
        do
                n = read(p[0], &e, sizeof(e));
        while (n < 0 && errno == EINTR);
        close(p[0]);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (n != (ssize_t)sizeof(e))
                return host->error(c, EIO, "bring lo up in %s: the helper process died", ns);
        if (e != 0)
                return host->error(c, e, "bring lo up in %s: %s", ns, strerror(e));
        host->log(c, BERTH_LOG_DEBUG, "lo is up in %s", ns);
        return 0;
}

static int loopback_validate(berth_container *c)
{
        const char *value;
        const char *key = host->option_at(c, 0, &value);
        if (key)
                return host->error(c, EINVAL, "unknown option berth.plugin.loopback.%s (it takes none)", key);
        return 0;
}

static const struct berth_plugin loopback = {
    .abi_version = BERTH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(struct berth_plugin),
    .name = "loopback",
    .description = "brings lo up in the container's network namespace",
    .validate = loopback_validate,
    .create = loopback_create,
};

const struct berth_plugin *berth_plugin_entry(const struct berth_host *h)
{
        host = h;
        return &loopback;
}
