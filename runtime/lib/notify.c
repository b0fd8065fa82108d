/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sd_notify proxy (see notify.h). Two sockets are involved:
 *   <state>/notify/notify.sock   ours, bound by start/run, seen as /run/notify/notify.sock in the container
 *   $NOTIFY_SOCKET               systemd's: an absolute path, or "@name" for an abstract socket
 *
 * systemd attributes each message to a unit by the sender's credentials. Until it has been told MAINPID,
 * berth sends as itself (it is the unit's main process, or NotifyAccess=all lets it in). From then on it
 * sends on behalf of the container init (SCM_CREDENTIALS with the init's pid, which root may do), so a unit
 * with NotifyAccess=main keeps accepting the container's messages once its main PID is the init. When the
 * init of a foreground run exits, berth takes the main PID back before reaping it: systemd sees berth's exit
 * status.
 *
 * The barrier is sd_notify_barrier()'s protocol, done here so libsystemd need not be loaded: the write end of
 * a pipe goes to systemd with "BARRIER=1", and systemd closes it once it has processed every earlier message.
 */
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>

#include "log.h"
#include "mount-opts.h"
#include "notify.h"
#include "path.h"

#define NOTIFY_SOCK_NAME      "notify.sock"
#define NOTIFY_CONTAINER_DIR  "/run/notify"
#define NOTIFY_CONTAINER_SOCK NOTIFY_CONTAINER_DIR "/" NOTIFY_SOCK_NAME
/* systemd ignores longer messages (its NOTIFY_BUFFER_MAX) */
#define NOTIFY_MSG_MAX 4096
/* fds received with one message (all of them are closed); the kernel discards any beyond */
#define NOTIFY_FDS_MAX 16
/* datagrams per notify_forward() call: a chatty container cannot keep berth from its other work */
#define NOTIFY_BATCH              64
#define NOTIFY_BARRIER_TIMEOUT_MS 5000

/* The init systemd was told about with MAINPID=: later messages are sent on its behalf. */
static pid_t notify_told_mainpid;

/* The assignments a service may send that berth passes on unchanged. */
static const char *const notify_keys[] = {
    "READY", "STATUS",   "RELOADING",      "STOPPING", "WATCHDOG", "WATCHDOG_USEC", "EXTEND_TIMEOUT_USEC",
    "ERRNO", "BUSERROR", "MONOTONIC_USEC",
};

static bool notify_key_allowed(const char *key, size_t n)
{
        for (size_t i = 0; i < ELEMENTSOF(notify_keys); i++)
                if (strlen(notify_keys[i]) == n && memcmp(notify_keys[i], key, n) == 0)
                        return true;
        return false;
}

int notify_rewrite(const char *msg, size_t len, pid_t mainpid, char **ret)
{
        *ret = NULL;
        if (memchr(msg, 0, len))
                return -EBADMSG;
        int flags = 0;
        /* the kept lines are never longer than the message; MAINPID=<pid> and a newline fit in 32 more */
        char *out = xmalloc0(len + 32);
        size_t o = 0;
        const char *end = msg + len;
        for (const char *p = msg; p < end;) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
                const char *eq = memchr(p, '=', n);
                if (eq && notify_key_allowed(p, (size_t)(eq - p))) {
                        if (o > 0)
                                out[o++] = '\n';
                        memcpy(out + o, p, n);
                        o += n;
                        if (n == 7 && memcmp(p, "READY=1", 7) == 0)
                                flags |= NOTIFY_READY;
                } else if (n == 9 && memcmp(p, "BARRIER=1", 9) == 0)
                        flags |= NOTIFY_BARRIER;
                p += n + (nl ? 1 : 0);
        }
        if (o == 0) {
                free(out);
                return flags;
        }
        if ((flags & NOTIFY_READY) && mainpid > 0)
                o += (size_t)snprintf(out + o, 32, "\nMAINPID=%d", (int)mainpid);
        out[o] = 0;
        *ret = out;
        return flags;
}

/* $NOTIFY_SOCKET as a socket address. -EINVAL for anything but an absolute path or "@name". */
static int notify_address(const char *s, struct sockaddr_un *ret, socklen_t *ret_len)
{
        size_t n = s ? strlen(s) : 0;
        if (n < 2 || (s[0] != '/' && s[0] != '@') || n >= sizeof(ret->sun_path))
                return -EINVAL;
        memset(ret, 0, sizeof(*ret));
        ret->sun_family = AF_UNIX;
        memcpy(ret->sun_path, s, n);
        if (s[0] == '@')
                ret->sun_path[0] = 0; /* abstract: exactly n bytes, no terminator */
        *ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (s[0] == '/' ? 1 : 0));
        return 0;
}

/* $NOTIFY_SOCKET when the proxy can use it, else NULL (warning about a form berth cannot use). */
static const char *notify_socket_env(void)
{
        const char *s = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa;
        socklen_t len;
        if (!s || !*s)
                return NULL;
        if (notify_address(s, &sa, &len) < 0) {
                log_warn("NOTIFY_SOCKET=%s: not an absolute socket path or @abstract name: the container "
                         "cannot notify systemd",
                         s);
                return NULL;
        }
        return s;
}

/* Sends text to $NOTIFY_SOCKET, as berth (as_pid 0) or on behalf of as_pid, with fd (>= 0) attached. */
static int notify_send(const char *text, pid_t as_pid, int fd, berth_error **err)
{
        const char *addr = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa;
        socklen_t salen;
        if (notify_address(addr, &sa, &salen) < 0)
                return berth_err_plain(err, EINVAL, "NOTIFY_SOCKET=%s: not an absolute socket path or @name",
                                       addr ? addr : "");
        _cleanup_close_ int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return berth_err(err, errno, "notify: socket");
        bool creds = as_pid > 0 && as_pid != getpid();
        for (;;) {
                union {
                        struct cmsghdr h;
                        char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
                } ctl;
                memset(&ctl, 0, sizeof(ctl));
                struct iovec iov = {.iov_base = (char *)text, .iov_len = strlen(text)};
                size_t need =
                    (creds ? CMSG_SPACE(sizeof(struct ucred)) : 0) + (fd >= 0 ? CMSG_SPACE(sizeof(int)) : 0);
                struct msghdr mh = {
                    .msg_name = &sa,
                    .msg_namelen = salen,
                    .msg_iov = &iov,
                    .msg_iovlen = 1,
                    .msg_control = need ? ctl.buf : NULL,
                    .msg_controllen = need,
                };
                struct cmsghdr *c = need ? CMSG_FIRSTHDR(&mh) : NULL;
                if (creds) {
                        struct ucred u = {.pid = as_pid, .uid = getuid(), .gid = getgid()};
                        c->cmsg_level = SOL_SOCKET;
                        c->cmsg_type = SCM_CREDENTIALS;
                        c->cmsg_len = CMSG_LEN(sizeof(u));
                        memcpy(CMSG_DATA(c), &u, sizeof(u));
                        c = CMSG_NXTHDR(&mh, c);
                }
                if (fd >= 0) {
                        c->cmsg_level = SOL_SOCKET;
                        c->cmsg_type = SCM_RIGHTS;
                        c->cmsg_len = CMSG_LEN(sizeof(int));
                        memcpy(CMSG_DATA(c), &fd, sizeof(int));
                }
                if (sendmsg(s, &mh, MSG_NOSIGNAL) >= 0)
                        return 0;
                if (errno == EINTR)
                        continue;
                if (creds && (errno == EPERM || errno == ESRCH)) {
                        /* not root, or the init is gone: as ourselves, for NotifyAccess=all */
                        log_debug("notify: cannot send on behalf of %d (%s), sending as berth", (int)as_pid,
                                  strerror(errno));
                        creds = false;
                        continue;
                }
                return berth_err(err, errno, "notify: send to NOTIFY_SOCKET=%s", addr);
        }
}

int notify_barrier(berth_error **err)
{
        const char *addr = getenv("NOTIFY_SOCKET");
        if (!addr || !*addr)
                return 0;
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return berth_err(err, errno, "notify barrier: pipe");
        _cleanup_close_ int rd = p[0];
        int r = notify_send("BARRIER=1", 0, p[1], err);
        close(p[1]);
        if (r < 0)
                return r;
        /* POLLHUP once systemd closed its copy of the write end */
        struct pollfd pf = {.fd = rd, .events = POLLIN};
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
                struct timespec t;
                clock_gettime(CLOCK_MONOTONIC, &t);
                long spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
                int n = poll(&pf, 1, (int)MAX(NOTIFY_BARRIER_TIMEOUT_MS - spent, 0));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(err, errno, "notify barrier: poll");
                if (n == 0)
                        return berth_err_plain(err, ETIMEDOUT,
                                               "notify barrier: NOTIFY_SOCKET=%s did not confirm within %d s",
                                               addr, NOTIFY_BARRIER_TIMEOUT_MS / 1000);
                return 0;
        }
}

int notify_init_exited(pid_t mainpid, berth_error **err)
{
        if (mainpid <= 0 || notify_told_mainpid != mainpid || !notify_socket_env())
                return 0;
        char text[32];
        snprintf(text, sizeof(text), "MAINPID=%d", (int)getpid());
        /* still a zombie: its credentials are valid, and NotifyAccess=main accepts them */
        int r = notify_send(text, mainpid, -1, err);
        if (r < 0)
                return r;
        notify_told_mainpid = 0;
        log_debug("notify: main PID back to berth (%d)", (int)getpid());
        return notify_barrier(err);
}

/* One datagram of the container: rewritten and sent on; a barrier of its own is answered after ours. */
static int notify_handle(const char *buf, size_t n, pid_t mainpid, bool *ready, berth_error **err)
{
        _cleanup_free_ char *text = NULL;
        int flags = notify_rewrite(buf, n, mainpid, &text);
        if (flags < 0) {
                log_warn("notify: dropped a message with a NUL byte from the container");
                return 0;
        }
        if (text) {
                pid_t as = mainpid > 0 && notify_told_mainpid == mainpid ? mainpid : 0;
                int r = notify_send(text, as, -1, err);
                if (r < 0)
                        return r;
                log_debug("notify: forwarded %zu bytes%s", strlen(text), as ? " on behalf of the init" : "");
                if (flags & NOTIFY_READY) {
                        *ready = true;
                        if (mainpid > 0)
                                notify_told_mainpid = mainpid;
                }
        }
        /* the container's barrier fd is closed by the caller once systemd has seen everything before it */
        if (flags & NOTIFY_BARRIER)
                return notify_barrier(err);
        return 0;
}

int notify_forward(int fd, pid_t mainpid, bool *ready, berth_error **err)
{
        for (unsigned i = 0; i < NOTIFY_BATCH; i++) {
                char buf[NOTIFY_MSG_MAX + 1];
                union {
                        struct cmsghdr h;
                        char buf[CMSG_SPACE(sizeof(int) * NOTIFY_FDS_MAX)];
                } ctl;
                struct iovec iov = {.iov_base = buf, .iov_len = NOTIFY_MSG_MAX};
                struct msghdr mh = {
                    .msg_iov = &iov,
                    .msg_iovlen = 1,
                    .msg_control = ctl.buf,
                    .msg_controllen = sizeof(ctl.buf),
                };
                ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                return 0;
                        return berth_err(err, errno, "notify: receive from the container");
                }
                int fds[NOTIFY_FDS_MAX];
                size_t n_fds = 0;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                                continue;
                        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        for (size_t j = 0; j < k && n_fds < NOTIFY_FDS_MAX; j++)
                                memcpy(&fds[n_fds++], CMSG_DATA(c) + j * sizeof(int), sizeof(int));
                }
                int r = 0;
                if ((size_t)n > NOTIFY_MSG_MAX)
                        log_warn("notify: dropped a message of %zd bytes from the container (at most %d)", n,
                                 NOTIFY_MSG_MAX);
                else
                        r = notify_handle(buf, (size_t)n, mainpid, ready, err);
                /* fds (FDSTORE=1, barriers) are not passed on */
                for (size_t j = 0; j < n_fds; j++)
                        close(fds[j]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static long notify_now_ms(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int notify_wait_ready(int fd, int pidfd, pid_t mainpid, int timeout_ms, berth_error **err)
{
        bool ready = false, exited = pidfd < 0;
        long deadline = timeout_ms >= 0 ? notify_now_ms() + timeout_ms : -1;
        for (;;) {
                /* drained after the init exited too: what it sent before is still queued */
                int r = notify_forward(fd, mainpid, &ready, err);
                if (r < 0)
                        return r;
                if (ready)
                        return notify_barrier(err);
                if (exited)
                        return berth_err_plain(err, ESRCH, "container exited before it sent READY=1");
                int wait = deadline < 0 ? -1 : (int)MAX(deadline - notify_now_ms(), 0);
                struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
                int n = poll(p, 2, wait);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(err, errno, "notify: wait for READY=1");
                if (n == 0)
                        return berth_err_plain(err, ETIMEDOUT, "container did not send READY=1 within %d ms",
                                               timeout_ms);
                if (p[1].revents)
                        exited = true;
        }
}

int notify_listen(const char *state_dir, berth_error **err)
{
        if (!notify_socket_env())
                return -1;
        _cleanup_free_ char *dir = xasprintf("%s/" NOTIFY_DIR, state_dir);
        _cleanup_free_ char *path = xasprintf("%s/" NOTIFY_SOCK_NAME, dir);
        _cleanup_close_ int dirfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dirfd < 0) {
                if (errno == ENOENT) /* created without the proxy */
                        return -1;
                return berth_err(err, errno, "notify: open %s", dir);
        }
        if (unlinkat(dirfd, NOTIFY_SOCK_NAME, 0) < 0 && errno != ENOENT)
                return berth_err(err, errno, "notify: remove the stale %s", path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return berth_err(err, errno, "notify: socket");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        char via_fd[64];
        const char *p = path;
        if (strlen(path) >= sizeof(sa.sun_path)) { /* a long --root or ID: through the directory's fd */
                snprintf(via_fd, sizeof(via_fd), "/proc/self/fd/%d/" NOTIFY_SOCK_NAME, dirfd);
                p = via_fd;
        }
        memcpy(sa.sun_path, p, strlen(p) + 1);
        if (bind(fd, (struct sockaddr *)&sa,
                 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(p) + 1)) < 0)
                return berth_err(err, errno, "notify: bind %s", path);
        /* any container user may send */
        if (fchmodat(dirfd, NOTIFY_SOCK_NAME, 0777, 0) < 0)
                return berth_err(err, errno, "notify: chmod %s", path);
        log_debug("notify: listening on %s", path);
        return TAKE_FD(fd);
}

/* "/run//notify/" -> "/run/notify" */
static char *notify_path_normalize(const char *p)
{
        char *s = xmalloc0(strlen(p) + 1);
        size_t o = 0;
        for (; *p; p++)
                if (*p != '/' || o == 0 || s[o - 1] != '/')
                        s[o++] = *p;
        if (o > 1 && s[o - 1] == '/')
                o--;
        s[o] = 0;
        return s;
}

/* A mount point for /run/notify exists or can be made: the config mounts something at /run or
 * /run/notify, the rootfs has the directory, or the rootfs is writable (it is made there, like any other
 * mount point). Not so on a read-only filesystem without /run/notify. */
static bool notify_mount_point_ok(const struct spec *spec)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                if (!spec->mounts[i].destination)
                        continue;
                _cleanup_free_ char *d = notify_path_normalize(spec->mounts[i].destination);
                if (STREQ(d, "/run") || STREQ(d, NOTIFY_CONTAINER_DIR))
                        return true;
        }
        if (!spec->rootfs)
                return true;
        _cleanup_close_ int rootfd = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return true; /* create reports it */
        static const char *const steps[] = {NOTIFY_CONTAINER_DIR, "/run", "/"};
        for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                _cleanup_close_ int fd = path_open_in_root(rootfd, steps[i], O_PATH, 0);
                if (fd < 0)
                        continue;
                struct stat st;
                struct statvfs sv;
                if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
                        return false;
                if (i == 0)
                        return true;
                return fstatvfs(fd, &sv) < 0 || !(sv.f_flag & ST_RDONLY);
        }
        return true;
}

/* The host id that id 0 of a user namespace's mapping stands for, or -1 when unmapped. */
static long notify_host_id_of_root(const struct spec_id_mapping *m, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (m[i].container_id == 0 && m[i].size > 0)
                        return (long)m[i].host_id;
        return -1;
}

/* The init mounts the notify directory as the container's root. In a user namespace created with a
 * mapping, that is a host uid that may not traverse the state directories (0700, host root's): then the
 * mount would fail. Returns the first directory it cannot search, NULL when all is well (or unknown). */
static char *notify_source_unreachable(const struct spec *spec, const char *dir, uid_t *ret_uid)
{
        const struct spec_namespace *ns = spec_namespace(spec, NS_USER);
        if (!ns || ns->path || !spec->linux) /* joined: the mapping is not in the config */
                return NULL;
        long uid = notify_host_id_of_root(spec->linux->uid_mappings, spec->linux->n_uid_mappings);
        long gid = notify_host_id_of_root(spec->linux->gid_mappings, spec->linux->n_gid_mappings);
        if (uid < 0)
                return NULL;
        *ret_uid = (uid_t)uid;
        /* every directory from / down to dir needs search permission */
        for (const char *p = dir;; p++) {
                if (*p != '/' && *p != 0)
                        continue;
                _cleanup_free_ char *prefix = p == dir ? xstrdup("/") : xstrndup(dir, (size_t)(p - dir));
                struct stat st;
                if (stat(prefix, &st) < 0)
                        return NULL;
                bool ok = (st.st_mode & S_IXOTH) || (st.st_uid == (uid_t)uid && (st.st_mode & S_IXUSR)) ||
                          (gid >= 0 && st.st_gid == (gid_t)gid && (st.st_mode & S_IXGRP));
                if (!ok)
                        return TAKE_PTR(prefix);
                if (*p == 0)
                        return NULL;
        }
}

static void notify_mount_clear(struct spec_mount *m)
{
        free(m->destination);
        free(m->type);
        free(m->source);
        strv_free(m->options);
        free(m->data);
}

/* process.env's NOTIFY_SOCKET (if any) is replaced by the container's. */
static void notify_env_set(char ***env)
{
        char **v = *env;
        size_t j = 0;
        for (size_t i = 0; v && v[i]; i++) {
                if (startswith(v[i], "NOTIFY_SOCKET="))
                        free(v[i]);
                else
                        v[j++] = v[i];
        }
        if (v)
                v[j] = NULL;
        *env = strv_append(v, "NOTIFY_SOCKET=" NOTIFY_CONTAINER_SOCK);
}

int notify_prepare(struct spec *spec, const char *state_dir, char ***env, berth_error **err)
{
        if (!notify_socket_env())
                return 0;
        if (!notify_mount_point_ok(spec)) {
                log_warn(
                    "NOTIFY_SOCKET is set, but the read-only rootfs %s has no " NOTIFY_CONTAINER_DIR
                    " to mount the notify socket on (mount a tmpfs at /run): the container cannot notify "
                    "systemd",
                    spec->rootfs);
                return 0;
        }
        _cleanup_free_ char *dir = xasprintf("%s/" NOTIFY_DIR, state_dir);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return berth_err(err, errno, "notify: create %s", dir);
        if (chmod(dir, 0755) < 0) /* not subject to the umask: a container user must reach the socket */
                return berth_err(err, errno, "notify: chmod %s", dir);
        /* a relative --root: mount sources must be absolute (relative ones are the bundle's) */
        _cleanup_free_ char *source = realpath(dir, NULL);
        if (!source)
                return berth_err(err, errno, "notify: resolve %s", dir);
        uid_t uid = 0;
        _cleanup_free_ char *denied = notify_source_unreachable(spec, source, &uid);
        if (denied) {
                log_warn("NOTIFY_SOCKET is set, but the container's root (host uid %u in its user namespace) "
                         "may not search %s to mount %s: the container cannot notify systemd",
                         (unsigned)uid, denied, source);
                rmdir(dir);
                return 0;
        }

        static const char *const opts[] = {"bind", "nosuid", "nodev", "noexec", NULL};
        struct spec_mount m = {
            .destination = xstrdup(NOTIFY_CONTAINER_DIR),
            .type = xstrdup("bind"),
            .source = TAKE_PTR(source),
            .options = strv_copy((char *const *)opts),
        };
        int r = mount_opts_parse(&m, err);
        if (r < 0) {
                notify_mount_clear(&m);
                return berth_err_prefix(err, "notify: mount " NOTIFY_CONTAINER_DIR);
        }
        spec->mounts = xrealloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*spec->mounts));
        spec->mounts[spec->n_mounts++] = m;
        notify_env_set(env);
        log_debug("notify: %s is " NOTIFY_CONTAINER_DIR " in the container", dir);
        return 1;
}
