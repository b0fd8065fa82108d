/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "fs-util.h"
#include "log.h"
#include "proc-util.h"

int pidfd_open_pid(pid_t pid)
{
        int fd = (int)syscall(SYS_pidfd_open, pid, 0);
        return fd < 0 ? -errno : fd;
}

int pidfd_signal(int pidfd, int sig)
{
        return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

int pidfd_wait_exit(int pidfd, int timeout_ms)
{
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        for (;;) {
                int n = poll(&p, 1, timeout_ms);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                return n > 0 ? 1 : 0;
        }
}

int pid_file_write(const char *path, pid_t pid, berth_error **err)
{
        _cleanup_free_ char *d = xstrdup(path), *b = xstrdup(path);
        const char *dir = dirname(d), *base = basename(b);
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_err(err, errno, "--pid-file %s", path);
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d", pid);
        int r = write_file_atomic_at(dfd, base, buf, (size_t)n);
        if (r < 0)
                return berth_err(err, -r, "--pid-file %s", path);
        return 0;
}

int exit_status_from_wait(int wstatus)
{
        if (WIFEXITED(wstatus))
                return WEXITSTATUS(wstatus);
        if (WIFSIGNALED(wstatus))
                return 128 + WTERMSIG(wstatus);
        return 255;
}

uint64_t env_timeout_ms(const char *name, uint64_t def)
{
        const char *s = secure_getenv(name);
        if (!s || !*s)
                return def;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (!errno && !*end && v > 0)
                return v;
        log_warn("%s=\"%s\" is not a number of milliseconds: using %llu", name, s, (unsigned long long)def);
        return def;
}
