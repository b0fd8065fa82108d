/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notify-send ASSIGNMENT... - sd_notify() for the busybox test containers (busybox has no systemd-notify):
 * sends the assignments, one per line, as one datagram to $NOTIFY_SOCKET (a path or "@abstract").
 * tests/integration/92-notify.sh builds it with -static so it runs inside the container.
 * Exit status: 0 sent, 1 failed (message on stderr), 2 usage.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        const char *addr = getenv("NOTIFY_SOCKET");
        if (argc < 2) {
                fprintf(stderr, "usage: notify-send ASSIGNMENT...\n");
                return 2;
        }
        if (!addr || (addr[0] != '/' && addr[0] != '@') ||
            strlen(addr) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
                fprintf(stderr, "notify-send: NOTIFY_SOCKET=%s: unusable\n", addr ? addr : "(unset)");
                return 1;
        }
        char msg[4096];
        size_t n = 0;
        for (int i = 1; i < argc; i++) {
                size_t l = strlen(argv[i]);
                if (n + l + 2 > sizeof(msg)) {
                        fprintf(stderr, "notify-send: message too long\n");
                        return 1;
                }
                if (i > 1)
                        msg[n++] = '\n';
                memcpy(msg + n, argv[i], l);
                n += l;
        }
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        size_t al = strlen(addr);
        memcpy(sa.sun_path, addr, al);
        if (addr[0] == '@')
                sa.sun_path[0] = 0;
        else
                al++;
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || sendto(fd, msg, n, MSG_NOSIGNAL, (struct sockaddr *)&sa,
                             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + al)) < 0) {
                fprintf(stderr, "notify-send: %s: %s\n", addr, strerror(errno));
                return 1;
        }
        close(fd);
        return 0;
}
