/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * recvtty: the receiving end of --console-socket, for the integration tests.
 *
 * Usage: recvtty SOCKET OUTFILE [INPUT]
 *
 * Listens on the unix socket SOCKET, accepts one connection, receives the pseudo-terminal master the runtime
 * sends with SCM_RIGHTS, writes INPUT (if given) to it, then copies everything the container writes to the
 * terminal into OUTFILE until the last slave fd is closed. Gives up after 30 seconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
        fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
        return 1;
}

static int recv_fd(int sock)
{
        char data[64];
        union {
                struct cmsghdr hdr;
                char buf[CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
        struct msghdr msg = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = control.buf,
            .msg_controllen = sizeof(control.buf),
        };

        if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
                return -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int fd;
                        memcpy(&fd, CMSG_DATA(c), sizeof(fd));
                        return fd;
                }
        }
        errno = EBADMSG;
        return -1;
}

int main(int argc, char **argv)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        char buf[4096];
        int sock, conn, master, out;
        ssize_t n;

        if (argc < 3 || argc > 4) {
                fprintf(stderr, "usage: recvtty SOCKET OUTFILE [INPUT]\n");
                return 2;
        }
        if (strlen(argv[1]) >= sizeof(addr.sun_path)) {
                fprintf(stderr, "recvtty: socket path too long\n");
                return 2;
        }
        alarm(30);
        strcpy(addr.sun_path, argv[1]);
        sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return die("socket");
        if (bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return die("bind");
        if (listen(sock, 1) < 0)
                return die("listen");
        conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                return die("accept");
        master = recv_fd(conn);
        if (master < 0)
                return die("recvmsg");
        if (!isatty(master)) {
                fprintf(stderr, "recvtty: the received fd is not a terminal\n");
                return 1;
        }
        out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0)
                return die(argv[2]);
        if (argc == 4 && write(master, argv[3], strlen(argv[3])) < 0)
                return die("write");
        for (;;) {
                n = read(master, buf, sizeof(buf));
                if (n == 0 || (n < 0 && errno == EIO))
                        break; /* no slave fd open any more */
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return die("read");
                }
                if (write(out, buf, (size_t)n) != n)
                        return die("write");
        }
        close(out);
        return 0;
}
