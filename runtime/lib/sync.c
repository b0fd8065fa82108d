/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/socket.h>
#include <sys/uio.h>

#include "sync.h"

struct wire_msg {
        uint32_t step;
        int32_t value;
        char text[4000];
};

const char *sync_step_to_string(enum sync_step s)
{
        switch (s) {
        case SYNC_PARENT_READY:
                return "parent-ready";
        case SYNC_USERNS_READY:
                return "userns-ready";
        case SYNC_USERNS_MAPPED:
                return "userns-mapped";
        case SYNC_INIT_PID:
                return "init-pid";
        case SYNC_CONSOLE_FD:
                return "console-fd";
        case SYNC_SECCOMP_FD:
                return "seccomp-fd";
        case SYNC_RUNTIME_HOOKS:
                return "runtime-hooks";
        case SYNC_RUNTIME_HOOKS_DONE:
                return "runtime-hooks-done";
        case SYNC_CREATED:
                return "created";
        case SYNC_START:
                return "start";
        case SYNC_ERROR:
                return "error";
        }
        return "unknown";
}

void sync_msg_clear(struct sync_msg *m)
{
        free(m->text);
        m->text = NULL;
        if (m->fd >= 0)
                close(m->fd);
        m->fd = -1;
}

int sync_pair(int fds[2], berth_error **err)
{
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
                return berth_err(err, errno, "socketpair");
        return 0;
}

int sync_send(int sock, enum sync_step step, int32_t value, const char *text, int fd)
{
        struct wire_msg w = {.step = step, .value = value};
        size_t tlen = text ? MIN(strlen(text), sizeof(w.text) - 1) : 0;
        if (tlen)
                memcpy(w.text, text, tlen);
        struct iovec iov = {.iov_base = &w, .iov_len = offsetof(struct wire_msg, text) + tlen + 1};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        if (fd >= 0) {
                memset(&u, 0, sizeof(u));
                mh.msg_control = u.buf;
                mh.msg_controllen = sizeof(u.buf);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        for (;;) {
                ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
                if (n >= 0)
                        return 0;
                if (errno != EINTR)
                        return -errno;
        }
}

int sync_recv(int sock, struct sync_msg *m)
{
        struct wire_msg w;
        memset(&w, 0, sizeof(w));
        struct iovec iov = {.iov_base = &w, .iov_len = sizeof(w)};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
        m->fd = -1;
        m->text = NULL;
        ssize_t n;
        do
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if (n == 0)
                return -EPIPE;
        if ((size_t)n < offsetof(struct wire_msg, text))
                return -EBADMSG;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        memcpy(&m->fd, CMSG_DATA(c), sizeof(int));
        w.text[sizeof(w.text) - 1] = 0;
        m->step = (enum sync_step)w.step;
        m->value = w.value;
        if (w.text[0])
                m->text = xstrdup(w.text);
        return 0;
}

int sync_expect(int sock, enum sync_step want, struct sync_msg *m, berth_error **err)
{
        int r = sync_recv(sock, m);
        if (r == -EPIPE)
                return berth_err_plain(err, EPIPE, "container init exited before it was %s",
                                       want == SYNC_CREATED ? "set up" : "ready");
        if (r < 0)
                return berth_err(err, -r, "receive %s from container init", sync_step_to_string(want));
        if (m->step == SYNC_ERROR) {
                r = berth_err_plain(err, m->value > 0 ? m->value : EINVAL, "%s",
                                    m->text ? m->text : "container init failed");
                sync_msg_clear(m);
                return r;
        }
        if (m->step != want) {
                sync_msg_clear(m);
                return berth_err_plain(err, EPROTO, "container init sent %s, expected %s",
                                       sync_step_to_string(m->step), sync_step_to_string(want));
        }
        return 0;
}

void sync_send_error(int sock, const berth_error *err)
{
        sync_send(sock, SYNC_ERROR, err ? err->code : EINVAL, err && err->msg ? err->msg : "unknown error",
                  -1);
}
