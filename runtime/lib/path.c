/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Path resolution inside a container rootfs. Every lookup is a single openat2(RESOLVE_IN_ROOT) relative
 * to the rootfs fd, so "..", absolute symlinks and relative symlinks that climb out all stay inside the
 * root. Creation walks the path one component at a time: each parent is resolved inside the root, the
 * missing name is created with mkdirat()/openat(O_EXCL|O_NOFOLLOW) relative to that parent's fd, and a
 * dangling symlink is followed by rewriting the path with its target (still interpreted inside the root),
 * the way mkdir -p would create the target of a dangling link if it followed it.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "path.h"

/* Symlink rewrites allowed while creating one path (the kernel's own limit is 40). */
#define PATH_MAX_SYMLINK_HOPS 40
/* openat2(RESOLVE_IN_ROOT) returns EAGAIN when a rename or mount raced with a ".." step. */
#define PATH_MAX_EAGAIN_RETRIES 64

int path_open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
        if (!path || !*path)
                path = ".";
        flags |= O_CLOEXEC;
        /* openat2 refuses flags that open() would silently ignore with O_PATH. */
        if (flags & O_PATH)
                flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
        struct open_how how = {
            .flags = (uint64_t)flags,
            .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        for (unsigned i = 0; i < PATH_MAX_EAGAIN_RETRIES; i++) {
                long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
                if (fd >= 0)
                        return (int)fd;
                if (errno != EAGAIN && errno != EINTR)
                        return -errno;
        }
        return -EAGAIN;
}

const char *path_fd_path(int fd, char *buf, size_t size)
{
        snprintf(buf, size, "/proc/self/fd/%d", fd);
        return buf;
}

/* The components of path, without empty ones and ".". */
static char **path_split(const char *path)
{
        char **v = xmalloc0(sizeof(char *));
        const char *p = path;
        while (*p) {
                size_t n = strcspn(p, "/");
                if (n > 0 && !(n == 1 && p[0] == '.')) {
                        _cleanup_free_ char *c = xstrndup(p, n);
                        v = strv_append(v, c);
                }
                p += n;
                p += strspn(p, "/");
        }
        return v;
}

/* "/" + parts[from..] joined with "/" ("" when nothing is left). */
static char *path_join_rest(char *const *parts, size_t from)
{
        size_t len = 1;
        for (size_t i = from; parts[i]; i++)
                len += strlen(parts[i]) + 1;
        char *s = xmalloc0(len);
        char *q = s;
        for (size_t i = from; parts[i]; i++) {
                *q++ = '/';
                size_t n = strlen(parts[i]);
                memcpy(q, parts[i], n);
                q += n;
        }
        *q = 0;
        return s;
}

enum walk_result {
        WALK_DONE,    /* *ret_fd is the target */
        WALK_REWRITE, /* *ret_path is a new path to create (a dangling symlink was found) */
};

/* Creates the missing name "comp" in parentfd: a directory, or an empty file for the last component of a
 * file target. A name that appears meanwhile is fine (the caller resolves it again). */
static int create_component(int parentfd, const char *comp, bool as_dir)
{
        if (as_dir) {
                if (mkdirat(parentfd, comp, 0755) < 0 && errno != EEXIST)
                        return -errno;
                return 0;
        }
        int fd =
            openat(parentfd, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
        if (fd < 0)
                return errno == EEXIST ? 0 : -errno;
        close(fd);
        return 0;
}

/* One pass over the components of path. */
static int walk_and_create(int rootfd, const char *path, bool dir, int *ret_fd, char **ret_path)
{
        _cleanup_strv_free_ char **parts = path_split(path);
        size_t n = strv_length(parts);
        _cleanup_free_ char *prefix = xstrdup("");
        _cleanup_close_ int parentfd = path_open_in_root(rootfd, "/", O_PATH | O_DIRECTORY, 0);
        if (parentfd < 0)
                return parentfd;

        for (size_t i = 0; i < n; i++) {
                const char *comp = parts[i];
                bool last = i + 1 == n;
                bool as_dir = !last || dir;
                _cleanup_free_ char *next = xasprintf("%s/%s", prefix, comp);

                for (unsigned attempt = 0;; attempt++) {
                        int fd = path_open_in_root(rootfd, next, O_PATH | (as_dir ? O_DIRECTORY : 0), 0);
                        if (fd >= 0) {
                                closep(&parentfd);
                                parentfd = fd;
                                break;
                        }
                        if (fd != -ENOENT || STREQ(comp, "..") || attempt >= PATH_MAX_SYMLINK_HOPS)
                                return fd;

                        /* Missing: either really absent, or a dangling symlink (whose target is then
                         * created instead, resolved inside the root like any other lookup). */
                        char target[PATH_MAX];
                        ssize_t len = readlinkat(parentfd, comp, target, sizeof(target) - 1);
                        if (len >= 0) {
                                target[len] = 0;
                                _cleanup_free_ char *rest = path_join_rest(parts, i + 1);
                                if (target[0] == '/')
                                        *ret_path = xasprintf("%s%s", target, rest);
                                else
                                        *ret_path = xasprintf("%s/%s%s", prefix, target, rest);
                                return WALK_REWRITE;
                        }
                        if (errno != ENOENT && errno != EINVAL)
                                return -errno;

                        int r = create_component(parentfd, comp, as_dir);
                        if (r < 0)
                                return r;
                }
                free(prefix);
                prefix = TAKE_PTR(next);
        }
        *ret_fd = TAKE_FD(parentfd);
        return WALK_DONE;
}

int path_mkdir_in_root(int rootfd, const char *path, bool dir, berth_error **err)
{
        _cleanup_free_ char *cur = xstrdup(path);

        for (unsigned hops = 0;; hops++) {
                /* The common case: everything exists already. */
                int fd = path_open_in_root(rootfd, cur, O_PATH | (dir ? O_DIRECTORY : 0), 0);
                if (fd >= 0)
                        return fd;
                if (fd != -ENOENT)
                        return berth_err(err, -fd, "%s %s", dir ? "mkdir" : "create", path);
                if (hops >= PATH_MAX_SYMLINK_HOPS)
                        return berth_err(err, ELOOP, "%s %s", dir ? "mkdir" : "create", path);

                char *rewritten = NULL;
                int r = walk_and_create(rootfd, cur, dir, &fd, &rewritten);
                if (r < 0)
                        return berth_err(err, -r, "%s %s", dir ? "mkdir" : "create", path);
                if (r == WALK_DONE)
                        return fd;
                free(cur);
                cur = rewritten;
        }
}
