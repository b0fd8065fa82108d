/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

#include "path.h"
#include "terminal.h"

int terminal_open(int rootfd, const struct spec_process *p, int *ret_master, int *ret_slave,
                  berth_error **err)
{
        _cleanup_close_ int master = path_open_in_root(rootfd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY, 0);
        if (master < 0)
                return berth_err(err, -master, "process.terminal: open /dev/pts/ptmx in the container");
        int unlock = 0;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return berth_err(err, errno, "process.terminal: unlock pty");
        int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return berth_err(err, errno, "process.terminal: open pty peer");
        if (p->has_console_size) {
                struct winsize ws = {.ws_row = (unsigned short)p->console_size.height,
                                     .ws_col = (unsigned short)p->console_size.width};
                if (ioctl(slave, TIOCSWINSZ, &ws) < 0) {
                        int r = berth_err(err, errno, "process.consoleSize: set window size");
                        close(slave);
                        return r;
                }
        }
        *ret_master = TAKE_FD(master);
        *ret_slave = slave;
        return 0;
}

int terminal_bind_console(int rootfd, int slave, berth_error **err)
{
        _cleanup_close_ int target = path_mkdir_in_root(rootfd, "/dev/console", false, err);
        if (target < 0)
                return target;
        char src[64], dst[64];
        if (mount(path_fd_path(slave, src, sizeof(src)), path_fd_path(target, dst, sizeof(dst)), NULL,
                  MS_BIND, NULL) < 0)
                return berth_err(err, errno, "bind pty onto /dev/console");
        return 0;
}

int terminal_make_stdio(int slave, berth_error **err)
{
        if (setsid() < 0)
                return berth_err(err, errno, "setsid");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return berth_err(err, errno, "set controlling terminal");
        for (int fd = 0; fd < 3; fd++)
                if (dup2(slave, fd) < 0)
                        return berth_err(err, errno, "dup2 pty onto fd %d", fd);
        return 0;
}

int console_socket_connect(const char *path, berth_error **err)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(sa.sun_path))
                return berth_err_plain(err, ENAMETOOLONG, "--console-socket %s: path too long", path);
        strcpy(sa.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return berth_err(err, errno, "--console-socket: socket");
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return berth_err(err, errno, "--console-socket %s: connect", path);
        return TAKE_FD(fd);
}

int console_socket_send(int sock, int master, berth_error **err)
{
        char name[] = "/dev/ptmx";
        struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        memset(&u, 0, sizeof(u));
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &master, sizeof(int));
        if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
                return berth_err(err, errno, "--console-socket: send pty master");
        return 0;
}
