/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sd_notify proxy: message rewriting (pure), and the sockets against a fake systemd: a datagram socket
 * with SO_PASSCRED that NOTIFY_SOCKET names, so the credentials each message carries are checked too.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "fs-util.h"
#include "notify.h"
#include "unit.h"

/* ---- notify_rewrite ---- */

static char *rw(const char *msg, pid_t mainpid, int *flags)
{
        char *out = NULL;
        *flags = notify_rewrite(msg, strlen(msg), mainpid, &out);
        return out;
}

TEST(test_rewrite_ready_adds_mainpid)
{
        int f;
        char *s = rw("READY=1\nSTATUS=serving", 4242, &f);
        CHECK_STREQ(s, "READY=1\nSTATUS=serving\nMAINPID=4242");
        CHECK_INTEQ(f, NOTIFY_READY);
        free(s);
}

TEST(test_rewrite_drops_container_mainpid)
{
        int f;
        char *s = rw("MAINPID=1\nREADY=1\nMAINPID=77", 4242, &f);
        CHECK_STREQ(s, "READY=1\nMAINPID=4242");
        CHECK_INTEQ(f, NOTIFY_READY);
        free(s);
        /* without READY=1 no MAINPID at all: the container's is dropped, ours is not added */
        s = rw("STATUS=starting\nMAINPID=1", 4242, &f);
        CHECK_STREQ(s, "STATUS=starting");
        CHECK_INTEQ(f, 0);
        free(s);
        s = rw("MAINPID=1", 4242, &f);
        CHECK(s == NULL);
        CHECK_INTEQ(f, 0);
}

TEST(test_rewrite_no_mainpid_when_zero)
{
        int f;
        char *s = rw("READY=1", 0, &f);
        CHECK_STREQ(s, "READY=1");
        CHECK_INTEQ(f, NOTIFY_READY);
        free(s);
}

TEST(test_rewrite_passes_known_keys_unchanged)
{
        const char *msg = "READY=1\nSTATUS=a = b\nRELOADING=1\nSTOPPING=1\nWATCHDOG=1\nWATCHDOG=trigger\n"
                          "WATCHDOG_USEC=5000000\nEXTEND_TIMEOUT_USEC=1000\nERRNO=2\n"
                          "BUSERROR=org.freedesktop.DBus.Error.Failed\nMONOTONIC_USEC=123";
        int f;
        char *s = rw(msg, 0, &f);
        CHECK_STREQ(s, msg);
        CHECK_INTEQ(f, NOTIFY_READY);
        free(s);
}

TEST(test_rewrite_drops_unknown_and_fd_keys)
{
        int f;
        char *s = rw(
            "FDSTORE=1\nFDNAME=x\nNOTIFYACCESS=all\nWATCHDOG=1\nREADYNESS=1\nSTATUSX=1\nnoequals\n=1", 9, &f);
        CHECK_STREQ(s, "WATCHDOG=1");
        CHECK_INTEQ(f, 0);
        free(s);
}

TEST(test_rewrite_ready_detection_is_exact)
{
        int f;
        char *s = rw("READY=0", 9, &f);
        CHECK_STREQ(s, "READY=0");
        CHECK_INTEQ(f, 0);
        free(s);
        s = rw("READY=10", 9, &f);
        CHECK_STREQ(s, "READY=10");
        CHECK_INTEQ(f, 0);
        free(s);
}

TEST(test_rewrite_empty_lines_and_trailing_newline)
{
        int f;
        char *s = rw("\nREADY=1\n\n\nSTATUS=x\n", 5, &f);
        CHECK_STREQ(s, "READY=1\nSTATUS=x\nMAINPID=5");
        free(s);
        s = rw("", 5, &f);
        CHECK(s == NULL);
        CHECK_INTEQ(f, 0);
}

TEST(test_rewrite_barrier_and_nul)
{
        int f;
        char *s = rw("BARRIER=1", 5, &f);
        CHECK(s == NULL);
        CHECK_INTEQ(f, NOTIFY_BARRIER);
        char *out = (char *)"x";
        CHECK_INTEQ(notify_rewrite("READY=1\0X", 9, 5, &out), -EBADMSG);
        CHECK(out == NULL);
}

/* ---- the sockets ---- */

static char tmpdir[] = "/tmp/test-notify.XXXXXX";

/* A fake systemd: a datagram socket at path (or "@name"), credentials passed. */
static int fake_systemd(const char *name)
{
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        size_t n = strlen(name);
        memcpy(sa.sun_path, name, n);
        if (name[0] == '@')
                sa.sun_path[0] = 0;
        else
                n++;
        int one = 1;
        CHECK(fd >= 0);
        CHECK(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == 0);
        CHECK(bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) == 0);
        CHECK(setenv("NOTIFY_SOCKET", name, 1) == 0);
        return fd;
}

/* Receives one message (1 s at most): its text, sender pid, and first fd (or -1). */
static char *fake_recv(int fd, pid_t *ret_pid, int *ret_fd)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 1000) != 1)
                return NULL;
        char buf[4097];
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 4)];
        } ctl;
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl)};
        ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        if (n < 0)
                return NULL;
        buf[n] = 0;
        *ret_pid = 0;
        if (ret_fd)
                *ret_fd = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_type == SCM_CREDENTIALS) {
                        struct ucred u;
                        memcpy(&u, CMSG_DATA(c), sizeof(u));
                        *ret_pid = u.pid;
                } else if (c->cmsg_type == SCM_RIGHTS) {
                        int x;
                        memcpy(&x, CMSG_DATA(c), sizeof(int));
                        if (ret_fd && *ret_fd < 0)
                                *ret_fd = x;
                        else
                                close(x);
                }
        }
        return xstrdup(buf);
}

/* A fake systemd in a child process that answers barriers (closes the fd) and exits after the first;
 * everything it received is written to report as "pid text\n" lines ('\n' in text as '|'). */
static pid_t fake_barrier_child(int sock, int report)
{
        pid_t pid = fork();
        if (pid != 0)
                return pid;
        for (;;) {
                pid_t from;
                int bfd;
                char *s = fake_recv(sock, &from, &bfd);
                if (!s)
                        _exit(1);
                for (char *q = s; *q; q++)
                        if (*q == '\n')
                                *q = '|';
                dprintf(report, "%d %s\n", (int)from, s);
                if (bfd >= 0)
                        close(bfd);
                if (strcmp(s, "BARRIER=1") == 0)
                        _exit(0);
                free(s);
        }
}

static char *read_all(int fd)
{
        char *s = NULL;
        size_t n = 0;
        char buf[512];
        ssize_t k;
        while ((k = read(fd, buf, sizeof(buf))) > 0) {
                s = xrealloc(s, n + (size_t)k + 1);
                memcpy(s + n, buf, (size_t)k);
                n += (size_t)k;
                s[n] = 0;
        }
        return s ? s : xstrdup("");
}

/* A datagram to the container side of the proxy, with fd attached when >= 0. */
static void container_send(const char *state_dir, const char *text, int fd)
{
        int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify/notify.sock", state_dir);
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int))];
        } ctl;
        memset(&ctl, 0, sizeof(ctl));
        struct iovec iov = {.iov_base = (char *)text, .iov_len = strlen(text)};
        struct msghdr mh = {.msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1};
        if (fd >= 0) {
                mh.msg_control = ctl.b;
                mh.msg_controllen = sizeof(ctl.b);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        CHECK(sendmsg(s, &mh, 0) == (ssize_t)strlen(text));
        close(s);
}

/* A state directory prepared for the proxy, and a spec whose rootfs has /run. */
static char *make_state(const char *name, struct spec **ret_spec, char ***ret_env)
{
        char *state = xasprintf("%s/%s", tmpdir, name);
        char *rootfs = xasprintf("%s/rootfs-%s", tmpdir, name);
        char *run = xasprintf("%s/run", rootfs);
        CHECK(mkdir(state, 0700) == 0);
        CHECK(mkdir(rootfs, 0755) == 0);
        CHECK(mkdir(run, 0755) == 0);
        free(run);
        struct spec *spec = xmalloc0(sizeof(*spec));
        spec->rootfs = rootfs;
        char **env = strv_append(NULL, "PATH=/bin");
        env = strv_append(env, "NOTIFY_SOCKET=/from/process.env");
        env = strv_append(env, "HOME=/root");
        *ret_spec = spec;
        *ret_env = env;
        return state;
}

TEST(test_prepare_without_notify_socket)
{
        unsetenv("NOTIFY_SOCKET");
        struct spec *spec;
        char **env;
        char *state = make_state("none", &spec, &env);
        berth_error *e = NULL;
        CHECK_INTEQ(notify_prepare(spec, state, &env, &e), 0);
        CHECK(e == NULL);
        CHECK_INTEQ(spec->n_mounts, 0);
        CHECK_INTEQ(strv_length(env), 3);
        _cleanup_free_ char *dir = xasprintf("%s/notify", state);
        CHECK(access(dir, F_OK) < 0 && errno == ENOENT);
        CHECK_INTEQ(notify_listen(state, &e), -1);
        CHECK(e == NULL);
        /* a form berth cannot use: no proxy either */
        setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
        CHECK_INTEQ(notify_prepare(spec, state, &env, &e), 0);
        CHECK(e == NULL);
        CHECK_INTEQ(spec->n_mounts, 0);
        unsetenv("NOTIFY_SOCKET");
        spec_free(spec);
        strv_free(env);
        free(state);
}

TEST(test_prepare_mount_and_env)
{
        struct spec *spec;
        char **env;
        char *state = make_state("prep", &spec, &env);
        setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
        berth_error *e = NULL;
        CHECK_INTEQ(notify_prepare(spec, state, &env, &e), 1);
        CHECK(e == NULL);
        CHECK_INTEQ(spec->n_mounts, 1);
        if (spec->n_mounts == 1) {
                struct spec_mount *m = &spec->mounts[0];
                _cleanup_free_ char *src = xasprintf("%s/notify", state);
                CHECK_STREQ(m->destination, "/run/notify");
                CHECK_STREQ(m->source, src);
                CHECK(m->bind);
                CHECK(m->flags & MS_NOSUID);
                CHECK(m->flags & MS_NODEV);
                CHECK(m->flags & MS_NOEXEC);
                CHECK(!(m->flags & MS_RDONLY));
        }
        CHECK_INTEQ(strv_length(env), 3);
        CHECK_STREQ(env[0], "PATH=/bin");
        CHECK_STREQ(env[1], "HOME=/root");
        CHECK_STREQ(env[2], "NOTIFY_SOCKET=/run/notify/notify.sock");
        _cleanup_free_ char *dir = xasprintf("%s/notify", state);
        struct stat st;
        CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755);

        /* listen: the socket, writable by anyone; a stale one is replaced */
        int fd = notify_listen(state, &e);
        CHECK(fd >= 0);
        CHECK(e == NULL);
        _cleanup_free_ char *sock = xasprintf("%s/notify/notify.sock", state);
        CHECK(stat(sock, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0777);
        close(fd);
        fd = notify_listen(state, &e);
        CHECK(fd >= 0);
        CHECK(e == NULL);
        CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
        close(fd);
        unsetenv("NOTIFY_SOCKET");
        spec_free(spec);
        strv_free(env);
        free(state);
}

TEST(test_prepare_with_run_mount_or_notify_dir)
{
        struct spec *spec;
        char **env;
        char *state = make_state("runmount", &spec, &env);
        setenv("NOTIFY_SOCKET", "@berth-test", 1);
        /* a config mount at /run (any spelling) is where the mount point goes: appended after it */
        spec->mounts = xmalloc0(sizeof(*spec->mounts));
        spec->mounts[0].destination = xstrdup("//run/");
        spec->mounts[0].type = xstrdup("tmpfs");
        spec->n_mounts = 1;
        berth_error *e = NULL;
        CHECK_INTEQ(notify_prepare(spec, state, &env, &e), 1);
        CHECK_INTEQ(spec->n_mounts, 2);
        CHECK_STREQ(spec->mounts[1].destination, "/run/notify");
        CHECK(e == NULL);
        unsetenv("NOTIFY_SOCKET");
        spec_free(spec);
        strv_free(env);
        free(state);
}

TEST(test_prepare_user_namespace_reach)
{
        struct spec *spec;
        char **env;
        char *state = make_state("userns", &spec, &env);
        setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
        spec->linux = xmalloc0(sizeof(*spec->linux));
        spec->linux->namespaces = xmalloc0(sizeof(struct spec_namespace));
        spec->linux->namespaces[0].type = NS_USER;
        spec->linux->n_namespaces = 1;
        spec->linux->uid_mappings = xmalloc0(sizeof(struct spec_id_mapping));
        spec->linux->uid_mappings[0] =
            (struct spec_id_mapping){.container_id = 0, .host_id = 100000, .size = 65536};
        spec->linux->n_uid_mappings = 1;
        /* the state directory is 0700: host uid 100000 cannot reach it (a warning, no proxy) */
        berth_error *e = NULL;
        CHECK_INTEQ(notify_prepare(spec, state, &env, &e), 0);
        CHECK(e == NULL);
        CHECK_INTEQ(spec->n_mounts, 0);
        CHECK_STREQ(env[1], "NOTIFY_SOCKET=/from/process.env");
        _cleanup_free_ char *dir = xasprintf("%s/notify", state);
        CHECK(access(dir, F_OK) < 0);
        /* root mapped to host root: reachable */
        spec->linux->uid_mappings[0].host_id = 0;
        CHECK_INTEQ(notify_prepare(spec, state, &env, &e), 1);
        CHECK_INTEQ(spec->n_mounts, 1);
        /* searchable by others: reachable */
        spec->linux->uid_mappings[0].host_id = 100000;
        CHECK(chmod(tmpdir, 0711) == 0 && chmod(state, 0711) == 0);
        CHECK_INTEQ(notify_prepare(spec, state, &env, &e), 1);
        CHECK_INTEQ(spec->n_mounts, 2);
        CHECK(e == NULL);
        unsetenv("NOTIFY_SOCKET");
        spec_free(spec);
        strv_free(env);
        free(state);
}

TEST(test_forward_credentials_and_mainpid)
{
        struct spec *spec;
        char **env;
        char *state = make_state("fwd", &spec, &env);
        _cleanup_free_ char *sysd = xasprintf("%s/systemd.sock", tmpdir);
        int sys = fake_systemd(sysd);
        berth_error *e = NULL;
        CHECK_INTEQ(notify_prepare(spec, state, &env, &e), 1);
        int fd = notify_listen(state, &e);
        CHECK(fd >= 0);
        /* the "container init": a child that waits */
        pid_t init = fork();
        if (init == 0) {
                pause();
                _exit(0);
        }
        bool ready = false;
        pid_t from;
        /* before READY=1: as berth itself, without MAINPID (the container's is dropped) */
        container_send(state, "STATUS=starting\nMAINPID=1", -1);
        CHECK_INTEQ(notify_forward(fd, init, &ready, &e), 0);
        CHECK(!ready);
        char *s = fake_recv(sys, &from, NULL);
        CHECK_STREQ(s, "STATUS=starting");
        CHECK_INTEQ(from, getpid());
        free(s);
        /* READY=1: MAINPID added, still sent as berth (systemd accepts MAINPID from the main process) */
        container_send(state, "READY=1\nSTATUS=up", -1);
        container_send(state, "FDSTORE=1", -1); /* nothing left: not forwarded */
        CHECK_INTEQ(notify_forward(fd, init, &ready, &e), 0);
        CHECK(ready);
        s = fake_recv(sys, &from, NULL);
        _cleanup_free_ char *want = xasprintf("READY=1\nSTATUS=up\nMAINPID=%d", (int)init);
        CHECK_STREQ(s, want);
        CHECK_INTEQ(from, getpid());
        free(s);
        /* afterwards: on behalf of the init (root may), so NotifyAccess=main accepts it */
        container_send(state, "STATUS=reloading\nRELOADING=1", -1);
        CHECK_INTEQ(notify_forward(fd, init, &ready, &e), 0);
        s = fake_recv(sys, &from, NULL);
        CHECK_STREQ(s, "STATUS=reloading\nRELOADING=1");
        CHECK_INTEQ(from, geteuid() == 0 ? init : getpid());
        free(s);
        /* nothing pending: nothing sent */
        CHECK_INTEQ(notify_forward(fd, init, &ready, &e), 0);
        struct pollfd p = {.fd = sys, .events = POLLIN};
        CHECK_INTEQ(poll(&p, 1, 50), 0);
        /* the init gone: on behalf of it fails (ESRCH), sent as berth */
        kill(init, SIGKILL);
        waitpid(init, NULL, 0);
        container_send(state, "STOPPING=1", -1);
        CHECK_INTEQ(notify_forward(fd, init, &ready, &e), 0);
        s = fake_recv(sys, &from, NULL);
        CHECK_STREQ(s, "STOPPING=1");
        CHECK_INTEQ(from, getpid());
        free(s);
        CHECK(e == NULL);
        close(fd);
        close(sys);
        unsetenv("NOTIFY_SOCKET");
        spec_free(spec);
        strv_free(env);
        free(state);
}

TEST(test_forward_abstract_and_send_error)
{
        struct spec *spec;
        char **env;
        char *state = make_state("abs", &spec, &env);
        _cleanup_free_ char *name = xasprintf("@berth-test-notify-%d", (int)getpid());
        int sys = fake_systemd(name);
        berth_error *e = NULL;
        CHECK_INTEQ(notify_prepare(spec, state, &env, &e), 1);
        int fd = notify_listen(state, &e);
        bool ready = false;
        pid_t from;
        container_send(state, "WATCHDOG=1", -1);
        CHECK_INTEQ(notify_forward(fd, 0, &ready, &e), 0);
        char *s = fake_recv(sys, &from, NULL);
        CHECK_STREQ(s, "WATCHDOG=1");
        free(s);
        /* systemd's socket gone: an error that names it */
        close(sys);
        container_send(state, "WATCHDOG=1", -1);
        CHECK(notify_forward(fd, 0, &ready, &e) < 0);
        CHECK(e != NULL);
        if (e)
                CHECK_CONTAINS(e->msg, "notify: send to NOTIFY_SOCKET=@berth-test-notify-");
        berth_error_free(e);
        close(fd);
        unsetenv("NOTIFY_SOCKET");
        spec_free(spec);
        strv_free(env);
        free(state);
}

TEST(test_barrier)
{
        _cleanup_free_ char *sysd = xasprintf("%s/barrier.sock", tmpdir);
        int sys = fake_systemd(sysd);
        int rep[2];
        CHECK(pipe2(rep, O_CLOEXEC) == 0);
        pid_t child = fake_barrier_child(sys, rep[1]);
        close(rep[1]);
        berth_error *e = NULL;
        CHECK_INTEQ(notify_barrier(&e), 0);
        CHECK(e == NULL);
        _cleanup_free_ char *got = read_all(rep[0]);
        _cleanup_free_ char *want = xasprintf("%d BARRIER=1\n", (int)getpid());
        CHECK_STREQ(got, want);
        int ws;
        CHECK(waitpid(child, &ws, 0) == child && WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
        close(rep[0]);
        close(sys);
        unlink(sysd);
        /* no NOTIFY_SOCKET: nothing to wait for */
        unsetenv("NOTIFY_SOCKET");
        CHECK_INTEQ(notify_barrier(&e), 0);
}

TEST(test_container_barrier_answered_after_ours)
{
        struct spec *spec;
        char **env;
        char *state = make_state("cbar", &spec, &env);
        _cleanup_free_ char *sysd = xasprintf("%s/cbar.sock", tmpdir);
        int sys = fake_systemd(sysd);
        berth_error *e = NULL;
        CHECK_INTEQ(notify_prepare(spec, state, &env, &e), 1);
        int fd = notify_listen(state, &e);
        int rep[2], bar[2];
        CHECK(pipe2(rep, O_CLOEXEC) == 0);
        CHECK(pipe2(bar, O_CLOEXEC) == 0);
        pid_t child = fake_barrier_child(sys, rep[1]);
        close(rep[1]);
        /* the container: a status, then its own sd_notify_barrier() */
        container_send(state, "STATUS=x", -1);
        container_send(state, "BARRIER=1", bar[1]);
        close(bar[1]);
        bool ready = false;
        CHECK_INTEQ(notify_forward(fd, 0, &ready, &e), 0);
        CHECK(e == NULL);
        _cleanup_free_ char *got = read_all(rep[0]);
        _cleanup_free_ char *want = xasprintf("%d STATUS=x\n%d BARRIER=1\n", (int)getpid(), (int)getpid());
        CHECK_STREQ(got, want);
        /* the container's barrier fd was closed: its wait ends */
        struct pollfd p = {.fd = bar[0], .events = POLLIN};
        CHECK_INTEQ(poll(&p, 1, 0), 1);
        CHECK(p.revents & POLLHUP);
        waitpid(child, NULL, 0);
        close(bar[0]);
        close(rep[0]);
        close(fd);
        close(sys);
        unsetenv("NOTIFY_SOCKET");
        spec_free(spec);
        strv_free(env);
        free(state);
}

static int pidfd_of(pid_t pid)
{
        return (int)syscall(SYS_pidfd_open, pid, 0);
}

TEST(test_wait_ready)
{
        struct spec *spec;
        char **env;
        char *state = make_state("wait", &spec, &env);
        _cleanup_free_ char *sysd = xasprintf("%s/wait.sock", tmpdir);
        int sys = fake_systemd(sysd);
        berth_error *e = NULL;
        CHECK_INTEQ(notify_prepare(spec, state, &env, &e), 1);
        int fd = notify_listen(state, &e);
        int rep[2];
        CHECK(pipe2(rep, O_CLOEXEC) == 0);
        pid_t sd = fake_barrier_child(sys, rep[1]);
        close(rep[1]);
        /* the "container": says something, waits, then READY=1, then lives on */
        pid_t init = fork();
        if (init == 0) {
                container_send(state, "STATUS=loading", -1);
                usleep(100 * 1000);
                container_send(state, "READY=1", -1);
                pause();
                _exit(0);
        }
        int pidfd = pidfd_of(init);
        CHECK_INTEQ(notify_wait_ready(fd, pidfd, init, 5000, &e), 0);
        CHECK(e == NULL);
        _cleanup_free_ char *got = read_all(rep[0]);
        /* the first READY=1 of this init (this process told systemd about another one before) */
        _cleanup_free_ char *want = xasprintf("%d STATUS=loading\n%d READY=1|MAINPID=%d\n%d BARRIER=1\n",
                                              (int)getpid(), (int)getpid(), (int)init, (int)getpid());
        CHECK_STREQ(got, want);
        kill(init, SIGKILL);
        waitpid(init, NULL, 0);
        waitpid(sd, NULL, 0);
        close(pidfd);
        close(rep[0]);

        /* the init exits without READY=1: what it said is still forwarded, then the error */
        init = fork();
        if (init == 0) {
                container_send(state, "STATUS=failing\nERRNO=2", -1);
                _exit(1);
        }
        pidfd = pidfd_of(init);
        CHECK(notify_wait_ready(fd, pidfd, init, 5000, &e) < 0);
        CHECK(e && strcmp(e->msg, "container exited before it sent READY=1") == 0);
        berth_error_free(e);
        e = NULL;
        pid_t from;
        char *s = fake_recv(sys, &from, NULL);
        CHECK_STREQ(s, "STATUS=failing\nERRNO=2");
        free(s);
        waitpid(init, NULL, 0);
        /* already gone (no pidfd) */
        CHECK(notify_wait_ready(fd, -1, init, 5000, &e) < 0);
        CHECK(e && strstr(e->msg, "READY=1"));
        berth_error_free(e);
        e = NULL;
        close(pidfd);

        /* silence: the timeout */
        init = fork();
        if (init == 0) {
                pause();
                _exit(0);
        }
        pidfd = pidfd_of(init);
        CHECK(notify_wait_ready(fd, pidfd, init, 100, &e) < 0);
        CHECK(e && strcmp(e->msg, "container did not send READY=1 within 100 ms") == 0);
        berth_error_free(e);
        kill(init, SIGKILL);
        waitpid(init, NULL, 0);
        close(pidfd);
        close(fd);
        close(sys);
        unsetenv("NOTIFY_SOCKET");
        spec_free(spec);
        strv_free(env);
        free(state);
}

TEST(test_init_exited_gives_main_pid_back)
{
        struct spec *spec;
        char **env;
        char *state = make_state("exited", &spec, &env);
        _cleanup_free_ char *sysd = xasprintf("%s/exited.sock", tmpdir);
        int sys = fake_systemd(sysd);
        berth_error *e = NULL;
        CHECK_INTEQ(notify_prepare(spec, state, &env, &e), 1);
        int fd = notify_listen(state, &e);
        pid_t init = fork();
        if (init == 0) {
                pause();
                _exit(0);
        }
        /* systemd was not told about this init yet: nothing to give back */
        CHECK_INTEQ(notify_init_exited(init, &e), 0);
        struct pollfd p = {.fd = sys, .events = POLLIN};
        CHECK_INTEQ(poll(&p, 1, 50), 0);
        bool ready = false;
        pid_t from;
        container_send(state, "READY=1", -1);
        CHECK_INTEQ(notify_forward(fd, init, &ready, &e), 0);
        free(fake_recv(sys, &from, NULL));
        /* the init exits; a zombie until reaped: MAINPID=<berth> on its behalf, then a barrier */
        kill(init, SIGKILL);
        siginfo_t si;
        CHECK(waitid(P_PID, (id_t)init, &si, WEXITED | WNOWAIT) == 0);
        int rep[2];
        CHECK(pipe2(rep, O_CLOEXEC) == 0);
        pid_t sd = fake_barrier_child(sys, rep[1]);
        close(rep[1]);
        CHECK_INTEQ(notify_init_exited(init, &e), 0);
        CHECK(e == NULL);
        _cleanup_free_ char *got = read_all(rep[0]);
        _cleanup_free_ char *want =
            xasprintf("%d MAINPID=%d\n%d BARRIER=1\n", geteuid() == 0 ? (int)init : (int)getpid(),
                      (int)getpid(), (int)getpid());
        CHECK_STREQ(got, want);
        waitpid(sd, NULL, 0);
        /* once only */
        CHECK_INTEQ(notify_init_exited(init, &e), 0);
        CHECK_INTEQ(poll(&p, 1, 50), 0);
        waitpid(init, NULL, 0);
        close(rep[0]);
        close(fd);
        close(sys);
        unsetenv("NOTIFY_SOCKET");
        spec_free(spec);
        strv_free(env);
        free(state);
}

static void setup(void)
{
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                exit(1);
        }
        unsetenv("NOTIFY_SOCKET");
}

static void teardown(void)
{
        rm_rf_at(AT_FDCWD, tmpdir);
}

TEST(test_setup)
{
        setup();
}

TEST(test_teardown)
{
        teardown();
}

UNIT_MAIN(UNIT_CASE(test_rewrite_ready_adds_mainpid), UNIT_CASE(test_rewrite_drops_container_mainpid),
          UNIT_CASE(test_rewrite_no_mainpid_when_zero), UNIT_CASE(test_rewrite_passes_known_keys_unchanged),
          UNIT_CASE(test_rewrite_drops_unknown_and_fd_keys), UNIT_CASE(test_rewrite_ready_detection_is_exact),
          UNIT_CASE(test_rewrite_empty_lines_and_trailing_newline), UNIT_CASE(test_rewrite_barrier_and_nul),
          UNIT_CASE(test_setup), UNIT_CASE(test_prepare_without_notify_socket),
          UNIT_CASE(test_prepare_mount_and_env), UNIT_CASE(test_prepare_with_run_mount_or_notify_dir),
          UNIT_CASE(test_prepare_user_namespace_reach), UNIT_CASE(test_forward_credentials_and_mainpid),
          UNIT_CASE(test_forward_abstract_and_send_error), UNIT_CASE(test_barrier),
          UNIT_CASE(test_container_barrier_answered_after_ours), UNIT_CASE(test_wait_ready),
          UNIT_CASE(test_init_exited_gives_main_pid_back), UNIT_CASE(test_teardown))
