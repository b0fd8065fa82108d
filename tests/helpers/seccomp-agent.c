/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-agent: the receiving end of linux.seccomp.listenerPath, for the integration tests.
 *
 * Usage: seccomp-agent SOCKET MSGFILE ERRNO
 *
 * Listens on the unix socket SOCKET, accepts one connection, receives the container process state the runtime
 * sends (written to MSGFILE) with the seccomp notification fd (SCM_RIGHTS), then answers every notification
 * with the error ERRNO until the container's processes are gone. Gives up after 30 seconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
        fprintf(stderr, "seccomp-agent: %s: %s\n", what, strerror(errno));
        return 1;
}

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr, "usage: seccomp-agent SOCKET MSGFILE ERRNO\n");
                return 2;
        }
        int answer = atoi(argv[3]);
        alarm(30);
        int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (ls < 0 || strlen(argv[1]) >= sizeof(sa.sun_path))
                return die("socket");
        strcpy(sa.sun_path, argv[1]);
        unlink(argv[1]);
        if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0)
                return die("bind");
        int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
                return die("accept");

        char data[16384];
        union {
                struct cmsghdr hdr;
                char buf[CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec iov = {.iov_base = data, .iov_len = sizeof(data) - 1};
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = control.buf,
                             .msg_controllen = sizeof(control.buf)};
        ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
        if (n <= 0)
                return die("recvmsg");
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
                fprintf(stderr, "seccomp-agent: no fd received\n");
                return 1;
        }
        int fd;
        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
        FILE *f = fopen(argv[2], "we");
        if (!f || fwrite(data, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0)
                return die("write MSGFILE");

        unsigned answered = 0;
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return die("poll");
                }
                if (p.revents & (POLLHUP | POLLERR))
                        break; /* no process left that uses the filter */
                struct seccomp_notif req;
                memset(&req, 0, sizeof(req));
                if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
                        if (errno == EINTR || errno == ENOENT)
                                continue;
                        return die("SECCOMP_IOCTL_NOTIF_RECV");
                }
                struct seccomp_notif_resp resp = {.id = req.id, .error = -answer};
                if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
                        return die("SECCOMP_IOCTL_NOTIF_SEND");
                answered++;
        }
        fprintf(stderr, "seccomp-agent: answered %u notifications\n", answered);
        return 0;
}
