/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>

#include "fs-util.h"

/* Reads until buf is full or at end of file; *len counts what is in buf. */
static int read_upto(int fd, char *buf, size_t size, size_t *len)
{
        while (*len < size) {
                ssize_t n = read(fd, buf + *len, size - *len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                *len += (size_t)n;
        }
        return 0;
}

int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (max == 0)
                max = 16 << 20;
        /* Most files berth reads (/proc, cgroup and state files) fit in a page: read them on the stack and
         * allocate what they hold. A page-sized heap buffer is a large request to malloc, which consolidates
         * its free lists first, writing heap pages that a forked init shares copy-on-write. */
        char small[4096];
        size_t len = 0;
        int r = read_upto(fd, small, sizeof(small), &len);
        if (r < 0)
                return r;
        bool eof = len < sizeof(small);
        size_t cap = len;
        _cleanup_free_ char *buf = xmalloc(cap + 1);
        memcpy(buf, small, len);
        while (!eof && len <= max) {
                cap = MIN(cap * 2, max + 1);
                buf = xrealloc(buf, cap + 1);
                if ((r = read_upto(fd, buf, cap, &len)) < 0)
                        return r;
                eof = len < cap;
        }
        if (len > max)
                return -EFBIG;
        buf[len] = 0;
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        return read_file_at(AT_FDCWD, path, max, ret, ret_len);
}

int write_file_at(int dirfd, const char *path, const char *s)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_TRUNC);
        if (fd < 0)
                return -errno;
        size_t len = strlen(s);
        ssize_t n = write(fd, s, len);
        if (n < 0)
                return -errno;
        if ((size_t)n != len)
                return -EIO;
        return 0;
}

int write_file(const char *path, const char *s)
{
        return write_file_at(AT_FDCWD, path, s);
}

int write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len)
{
        _cleanup_free_ char *tmp = xasprintf(".%s.tmp", name);
        _cleanup_close_ int fd =
            openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        size_t off = 0;
        while (off < len) {
                ssize_t n = write(fd, data + off, len - off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int r = -errno;
                        unlinkat(dirfd, tmp, 0);
                        return r;
                }
                off += (size_t)n;
        }
        if (renameat(dirfd, tmp, dirfd, name) < 0) {
                int r = -errno;
                unlinkat(dirfd, tmp, 0);
                return r;
        }
        return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = xstrdup(path);
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int rm_rf_at(int dirfd, const char *name)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                /* a file (the type comes with the entry): no stat needed */
                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) {
                        if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT && r == 0)
                                r = -errno;
                        continue;
                }
                struct stat cst;
                if (fstatat(fd, de->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISDIR(cst.st_mode) && cst.st_dev != st.st_dev)
                        continue; /* never cross into a mount */
                int q = rm_rf_at(fd, de->d_name);
                if (q < 0 && r == 0)
                        r = q;
        }
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
                r = -errno;
        return r;
}

void strip_newline(char *s)
{
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
                s[--n] = 0;
}
