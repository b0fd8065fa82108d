/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running one CNI plugin executable: configuration on stdin, result on stdout, messages on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cni.h"

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends what fd has to buf; 0 at end of file, 1 when more may come, -errno. */
static int drain(int fd, GString *buf)
{
        char chunk[8192];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 1 : -errno;
        if (n == 0)
                return 0;
        if (buf->len <
            CNI_MAX_OUTPUT) /* more is read and dropped: the plugin must not block on a full pipe */
                g_string_append_len(buf, chunk, MIN((gsize)n, CNI_MAX_OUTPUT - buf->len));
        return 1;
}

int cni_exec(const char *path, char *const env[], const char *input, unsigned timeout_sec,
             struct cni_exec_result *ret, const char **what)
{
        *ret = (struct cni_exec_result){.status = -1};
        int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
        int r = 0;
        pid_t pid = -1;
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        bool fa_init = false, attr_init = false;
        g_autoptr(GString) obuf = g_string_new(NULL);
        g_autoptr(GString) ebuf = g_string_new(NULL);

        *what = "pipe";
        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
                r = -errno;
                goto done;
        }
        *what = "spawn";
        if ((r = -posix_spawn_file_actions_init(&fa)) < 0)
                goto done;
        fa_init = true;
        if ((r = -posix_spawnattr_init(&attr)) < 0)
                goto done;
        attr_init = true;
        /* dup2 clears close-on-exec on the copies; everything else of berth's is O_CLOEXEC */
        if ((r = -posix_spawn_file_actions_adddup2(&fa, in[0], 0)) < 0 ||
            (r = -posix_spawn_file_actions_adddup2(&fa, out[1], 1)) < 0 ||
            (r = -posix_spawn_file_actions_adddup2(&fa, err[1], 2)) < 0 ||
            (r = -posix_spawn_file_actions_addchdir_np(&fa, "/")) < 0)
                goto done;
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        if ((r = -posix_spawnattr_setsigmask(&attr, &none)) < 0 ||
            (r = -posix_spawnattr_setsigdefault(&attr, &all)) < 0 ||
            (r = -posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) < 0)
                goto done;
        char *const argv[] = {(char *)path, NULL};
        if ((r = -posix_spawn(&pid, path, &fa, &attr, argv, env)) < 0) {
                pid = -1;
                goto done;
        }
        close_fd(&in[0]);
        close_fd(&out[1]);
        close_fd(&err[1]);

        *what = "talk to the plugin";
        /* a plugin that exits without reading its input must not kill berth with SIGPIPE: EPIPE will do */
        sigset_t pipe_set, old_mask, pending;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        sigpending(&pending);
        bool pipe_was_pending = sigismember(&pending, SIGPIPE);
        sigprocmask(SIG_BLOCK, &pipe_set, &old_mask);
        fcntl(in[1], F_SETFL, O_NONBLOCK);
        fcntl(out[0], F_SETFL, O_NONBLOCK);
        fcntl(err[0], F_SETFL, O_NONBLOCK);
        size_t in_len = strlen(input), in_done = 0;
        if (in_len == 0)
                close_fd(&in[1]);
        long long deadline = now_ms() + (long long)timeout_sec * 1000;
        while (out[0] >= 0 || err[0] >= 0) {
                struct pollfd p[3] = {{.fd = in[1], .events = POLLOUT},
                                      {.fd = out[0], .events = POLLIN},
                                      {.fd = err[0], .events = POLLIN}};
                long long left = deadline - now_ms();
                if (left <= 0) {
                        ret->timed_out = true;
                        kill(pid, SIGKILL);
                        break;
                }
                int n = poll(p, 3, (int)MIN(left, 1000LL));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        kill(pid, SIGKILL);
                        break;
                }
                if (p[0].revents & (POLLOUT | POLLERR | POLLHUP)) {
                        ssize_t k = write(in[1], input + in_done, in_len - in_done);
                        if (k > 0)
                                in_done += (size_t)k;
                        /* a plugin that stops reading early (EPIPE) gets the rest of its input cut off */
                        if (in_done == in_len || (k < 0 && errno != EAGAIN && errno != EINTR))
                                close_fd(&in[1]);
                }
                int *fds[2] = {&out[0], &err[0]};
                GString *bufs[2] = {obuf, ebuf};
                for (int i = 0; i < 2; i++) {
                        if (!(p[i + 1].revents & (POLLIN | POLLERR | POLLHUP)))
                                continue;
                        int d = drain(*fds[i], bufs[i]);
                        if (d <= 0)
                                close_fd(fds[i]);
                }
        }
        close_fd(&in[1]);
        sigpending(&pending);
        if (!pipe_was_pending && sigismember(&pending, SIGPIPE)) {
                const struct timespec zero = {0, 0};
                sigtimedwait(&pipe_set, NULL, &zero);
        }
        sigprocmask(SIG_SETMASK, &old_mask, NULL);
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        r = r < 0 ? r : -errno;
                        *what = "wait for the plugin";
                        goto done;
                }
        pid = -1;
        ret->status = status;
        ret->out = g_string_free(g_steal_pointer(&obuf), FALSE);
        ret->err = g_string_free(g_steal_pointer(&ebuf), FALSE);
done:
        if (pid > 0) { /* spawned, then something failed: it must not outlive us */
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
        }
        for (int i = 0; i < 2; i++) {
                close_fd(&in[i]);
                close_fd(&out[i]);
                close_fd(&err[i]);
        }
        if (fa_init)
                posix_spawn_file_actions_destroy(&fa);
        if (attr_init)
                posix_spawnattr_destroy(&attr);
        return r;
}

void cni_exec_result_clear(struct cni_exec_result *r)
{
        g_free(r->out);
        g_free(r->err);
        *r = (struct cni_exec_result){.status = -1};
}
