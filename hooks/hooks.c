/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running the hooks of a stage (see hooks.h). Plain fork/exec/poll and no GLib: this also runs in the
 * container init, before pivot_root (createContainer) and just before the user process (startContainer).
 *
 * For each hook: stdin, stdout and stderr are pipes whose berth ends are non-blocking and polled together
 * with a pidfd of the hook, so
 *   - a hook that never reads its stdin cannot block berth (the state is written as the pipe takes it),
 *   - berth waits for the hook's exit, not for EOF: a daemon the hook leaves behind holding stdout/stderr
 *     open cannot hang it (what is already in the pipes is drained, then berth's ends are closed),
 *   - the timeout kills the hook's whole process group (the hook is the leader of a new one).
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/close_range.h>

#include "hooks.h"
#include "log.h"

/* What is kept of each output stream for the log; the rest is counted and dropped. */
#define HOOK_OUTPUT_MAX (16 * 1024)

bool hooks_present(const struct spec *spec, enum hook_stage stage)
{
        return spec && (unsigned)stage < _HOOK_STAGE_MAX && spec->hooks.n_hooks[stage] > 0;
}

struct hook_stream {
        int fd;
        const char *name; /* "stdout", "stderr" */
        char *buf;
        size_t len;
        size_t dropped;
};

struct hook_proc {
        const char *tag;  /* "createRuntime hook #1" */
        const char *path; /* the hook's path, for messages */
        pid_t pid;
        int pidfd; /* -1 when pidfd_open is unavailable: waitpid(WNOHANG) polling */
        int in_fd; /* write end of the hook's stdin, -1 once everything is written or the hook closed it */
        int report_fd; /* read end of the exec error pipe */
        const char *input;
        size_t input_len, input_off;
        struct hook_stream out[2];
};

static void close_fdp(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static void close_pipe(int p[2])
{
        close_fdp(&p[0]);
        close_fdp(&p[1]);
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the forked child: only async-signal-safe calls from here to execve. */
static _noreturn_ void hook_child(const struct spec_hook *h, char *const argv[], char *const envp[],
                                  int in_fd, int out_fd, int err_fd, int report_fd)
{
        /* A clean start: nothing blocked, default dispositions (berth may block or ignore signals; blocked
         * masks and ignored signals survive execve). */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        sigaction(sig, &dfl, NULL);
        /* The leader of a process group of its own: the timeout kills the group. */
        setpgid(0, 0);
        /* Move the pipe ends above 2 first: one of them may be 0, 1 or 2 when berth runs with closed stdio.
         */
        int fds[4] = {in_fd, out_fd, err_fd, report_fd};
        for (int i = 0; i < 4; i++)
                if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)) < 0)
                        goto fail;
        report_fd = fds[3];
        for (int i = 0; i < 3; i++)
                if (dup2(fds[i], i) < 0)
                        goto fail;
        /* Nothing else of berth's reaches the hook (--preserve-fds, LISTEN_FDS, a library's fd...). */
        syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
        execve(h->path, argv, envp);
fail:;
        int e = errno;
        ssize_t n = write(report_fd, &e, sizeof(e));
        (void)n;
        _exit(127);
}

/* Reads what the stream has now; EOF or an error closes it. */
static void stream_read(struct hook_stream *s)
{
        char scratch[4096];
        while (s->fd >= 0) {
                char *dst = scratch;
                size_t room = sizeof(scratch);
                if (s->len < HOOK_OUTPUT_MAX) {
                        dst = s->buf + s->len;
                        room = HOOK_OUTPUT_MAX - s->len;
                }
                ssize_t n = read(s->fd, dst, room);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0) {
                        close_fdp(&s->fd);
                        return;
                }
                if (dst == scratch)
                        s->dropped += (size_t)n;
                else
                        s->len += (size_t)n;
        }
}

/* Writes as much of the state as the pipe takes now; done (or the hook closed its stdin) closes it. */
static void input_write(struct hook_proc *p)
{
        while (p->in_fd >= 0 && p->input_off < p->input_len) {
                ssize_t n = write(p->in_fd, p->input + p->input_off, p->input_len - p->input_off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n < 0) {
                        /* EPIPE: the hook does not want its stdin */
                        close_fdp(&p->in_fd);
                        return;
                }
                p->input_off += (size_t)n;
        }
        close_fdp(&p->in_fd);
}

static void stream_log(const char *tag, const struct hook_stream *s, enum log_level level)
{
        const char *b = s->buf, *end = s->buf + s->len;
        while (b < end) {
                const char *nl = memchr(b, '\n', (size_t)(end - b));
                size_t n = nl ? (size_t)(nl - b) : (size_t)(end - b);
                log_msg(level, "%s %s: %.*s", tag, s->name, (int)n, b);
                b += n + (nl ? 1 : 0);
        }
        if (s->dropped > 0)
                log_msg(level, "%s %s: (%zu more bytes not logged)", tag, s->name, s->dropped);
}

/* SIGKILL to the hook's process group, then reap the leader and whatever of the group was reparented to
 * us (we are a subreaper during create, and pid 1 in a container's pid namespace). */
static void kill_group(struct hook_proc *p, int *ret_wstatus)
{
        kill(-p->pid, SIGKILL);
        kill(p->pid, SIGKILL); /* in case the child died before setpgid */
        while (waitpid(p->pid, ret_wstatus, 0) < 0 && errno == EINTR)
                ;
        p->pid = -1;
}

static void reap_group(pid_t pgid)
{
        /* Members die asynchronously: give them a moment, reaping the ones that are ours. */
        for (int i = 0; i < 200; i++) {
                while (waitpid(-pgid, NULL, WNOHANG) > 0)
                        ;
                if (kill(-pgid, 0) < 0 && errno == ESRCH)
                        return;
                struct timespec ts = {.tv_nsec = 5 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
}

/* Runs until the hook exited (or timed out and was killed). Returns 0 with *ret_wstatus, 1 on timeout,
 * -errno when polling failed (the hook is killed then). */
static int hook_wait(struct hook_proc *p, const struct spec_hook *h, int *ret_wstatus)
{
        int64_t deadline = h->has_timeout ? now_ms() + (int64_t)h->timeout * 1000 : -1;
        for (;;) {
                struct pollfd fds[4];
                int n = 0, i_child = -1, i_in = -1, i_out[2] = {-1, -1};
                if (p->pidfd >= 0) {
                        i_child = n;
                        fds[n++] = (struct pollfd){.fd = p->pidfd, .events = POLLIN};
                }
                if (p->in_fd >= 0) {
                        i_in = n;
                        fds[n++] = (struct pollfd){.fd = p->in_fd, .events = POLLOUT};
                }
                for (int k = 0; k < 2; k++)
                        if (p->out[k].fd >= 0) {
                                i_out[k] = n;
                                fds[n++] = (struct pollfd){.fd = p->out[k].fd, .events = POLLIN};
                        }
                int timeout = -1;
                if (deadline >= 0) {
                        int64_t left = deadline - now_ms();
                        timeout = left > 0 ? (int)MIN(left, (int64_t)INT32_MAX) : 0;
                }
                if (p->pidfd < 0)
                        timeout = timeout < 0 ? 10 : MIN(timeout, 10);
                int r = poll(fds, (nfds_t)n, timeout);
                if (r < 0 && errno != EINTR) {
                        int e = errno;
                        kill_group(p, ret_wstatus);
                        return -e;
                }
                if (r > 0) {
                        if (i_in >= 0 && fds[i_in].revents)
                                input_write(p);
                        for (int k = 0; k < 2; k++)
                                if (i_out[k] >= 0 && fds[i_out[k]].revents)
                                        stream_read(&p->out[k]);
                }
                if (p->pidfd < 0 || (i_child >= 0 && r > 0 && fds[i_child].revents)) {
                        pid_t w;
                        while ((w = waitpid(p->pid, ret_wstatus, p->pidfd < 0 ? WNOHANG : 0)) < 0 &&
                               errno == EINTR)
                                ;
                        if (w == p->pid) {
                                p->pid = -1;
                                return 0;
                        }
                        if (w < 0) {
                                int e = errno;
                                kill_group(p, ret_wstatus);
                                return -e;
                        }
                }
                if (deadline >= 0 && now_ms() >= deadline) {
                        pid_t pgid = p->pid;
                        kill_group(p, ret_wstatus);
                        reap_group(pgid);
                        return 1;
                }
        }
}

static int hook_result(const char *tag, const struct spec_hook *h, int r, int wstatus, int exec_errno,
                       berth_error **err)
{
        if (r < 0)
                return berth_err(err, -r, "%s (%s): wait for the hook", tag, h->path);
        if (r == 1)
                return berth_err_plain(err, ETIMEDOUT, "%s (%s): timed out after %d s (process group killed)",
                                       tag, h->path, h->timeout);
        if (exec_errno > 0)
                return berth_err(err, exec_errno, "%s (%s): exec", tag, h->path);
        if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0)
                return berth_err_plain(err, EIO, "%s (%s): exit status %d", tag, h->path,
                                       WEXITSTATUS(wstatus));
        if (WIFSIGNALED(wstatus))
                return berth_err_plain(err, EIO, "%s (%s): killed by signal %d", tag, h->path,
                                       WTERMSIG(wstatus));
        return 0;
}

static int hook_run_one(const struct spec_hook *h, const char *tag, const char *state_json, berth_error **err)
{
        /* args: argv as configured (args[0] is argv[0]); none: just the path. env: exactly as configured,
         * empty when none. */
        char *default_argv[] = {h->path, NULL}, *empty_env[] = {NULL};
        char *const *argv = h->args && h->args[0] ? h->args : default_argv;
        char *const *envp = h->env ? h->env : empty_env;
        int in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1}, rep[2] = {-1, -1};
        struct hook_proc p = {
            .tag = tag,
            .path = h->path,
            .pid = -1,
            .pidfd = -1,
            .in_fd = -1,
            .report_fd = -1,
            .input = state_json ? state_json : "",
            .input_len = state_json ? strlen(state_json) : 0,
            .out = {{.fd = -1, .name = "stdout"}, {.fd = -1, .name = "stderr"}},
        };
        int r;
        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0 ||
            pipe2(rep, O_CLOEXEC) < 0) {
                r = berth_err(err, errno, "%s (%s): pipe", tag, h->path);
                goto out;
        }
        pid_t pid = fork();
        if (pid < 0) {
                r = berth_err(err, errno, "%s (%s): fork", tag, h->path);
                goto out;
        }
        if (pid == 0)
                hook_child(h, argv, envp, in[0], out[1], er[1], rep[1]);
        p.pid = pid;
        (void)setpgid(pid, pid); /* also here, so that the group exists before any kill(-pid) */
        close_fdp(&in[0]);
        close_fdp(&out[1]);
        close_fdp(&er[1]);
        close_fdp(&rep[1]);
        p.in_fd = in[1];
        p.out[0].fd = out[0];
        p.out[1].fd = er[0];
        p.report_fd = rep[0];
        in[1] = out[0] = er[0] = rep[0] = -1;
        p.out[0].buf = xmalloc0(HOOK_OUTPUT_MAX);
        p.out[1].buf = xmalloc0(HOOK_OUTPUT_MAX);
        fcntl(p.in_fd, F_SETFL, O_NONBLOCK);
        fcntl(p.out[0].fd, F_SETFL, O_NONBLOCK);
        fcntl(p.out[1].fd, F_SETFL, O_NONBLOCK);
        fcntl(p.report_fd, F_SETFL, O_NONBLOCK);
        p.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (p.pidfd < 0)
                p.pidfd = -1;
        if (p.input_len == 0)
                close_fdp(&p.in_fd);

        log_debug("%s (%s): started, pid %d", tag, h->path, pid);
        int wstatus = 0;
        int w = hook_wait(&p, h, &wstatus);
        /* What the hook wrote before it exited is in the pipes: take it, but do not wait for EOF. */
        stream_read(&p.out[0]);
        stream_read(&p.out[1]);
        int exec_errno = 0;
        if (read(p.report_fd, &exec_errno, sizeof(exec_errno)) != (ssize_t)sizeof(exec_errno))
                exec_errno = 0;
        r = hook_result(tag, h, w, wstatus, exec_errno, err);
        for (int k = 0; k < 2; k++)
                stream_log(tag, &p.out[k], r < 0 ? LOG_LVL_WARNING : LOG_LVL_INFO);
        if (r >= 0)
                log_debug("%s (%s): done", tag, h->path);

out:
        close_pipe(in);
        close_pipe(out);
        close_pipe(er);
        close_pipe(rep);
        close_fdp(&p.in_fd);
        close_fdp(&p.pidfd);
        close_fdp(&p.report_fd);
        for (int k = 0; k < 2; k++) {
                close_fdp(&p.out[k].fd);
                free(p.out[k].buf);
        }
        return r;
}

int hooks_run(const struct spec *spec, enum hook_stage stage, const char *state_json, berth_error **err)
{
        if (!hooks_present(spec, stage))
                return 0;
        const char *name = hook_stage_to_string(stage);
        /* Writing to a hook that closed its stdin must give EPIPE, not kill berth: SIGPIPE stays blocked
         * while the hooks run, and one raised meanwhile is consumed. */
        sigset_t pipe_set, old;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        sigprocmask(SIG_BLOCK, &pipe_set, &old);
        sigset_t pending;
        bool was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
        /* A SIGCHLD ignored (inherited through execve from whoever ran berth) would reap the hook behind our
         * back: its exit status is needed. */
        struct sigaction old_chld, dfl = {.sa_handler = SIG_DFL};
        bool chld_restore = sigaction(SIGCHLD, NULL, &old_chld) == 0 &&
                            (old_chld.sa_handler == SIG_IGN || (old_chld.sa_flags & SA_NOCLDWAIT)) &&
                            sigaction(SIGCHLD, &dfl, NULL) == 0;

        /* A stage stops at its first failure, except poststop: "the remaining hooks and lifecycle continue as
         * if the hook had succeeded". There the first failure is returned, later ones are logged. */
        int r = 0;
        for (size_t i = 0; i < spec->hooks.n_hooks[stage]; i++) {
                char tag[64];
                snprintf(tag, sizeof(tag), "%s hook #%zu", name, i);
                _cleanup_error_ berth_error *e = NULL;
                int k = hook_run_one(&spec->hooks.hooks[stage][i], tag, state_json, r < 0 ? &e : err);
                if (k < 0 && r < 0)
                        log_warn("%s", e->msg);
                if (k < 0 && r >= 0)
                        r = k;
                if (r < 0 && stage != HOOK_POSTSTOP)
                        break;
        }

        if (!was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
                struct timespec zero = {0};
                (void)sigtimedwait(&pipe_set, NULL, &zero);
        }
        if (chld_restore)
                sigaction(SIGCHLD, &old_chld, NULL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}
