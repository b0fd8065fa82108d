/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's mounts, done by the container init in its own mount namespace. Every destination is
 * resolved inside the rootfs (path.h) right before its mount, and the mount goes onto /proc/self/fd/N of
 * the resolved O_PATH fd, so a symlink planted in the rootfs can never redirect a mount onto the host.
 * Follow-up operations (remount with flags, propagation, recursive attributes, tmpcopyup) re-resolve the
 * destination, which then lands on the root of the new mount.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "devices.h"
#include "fs-util.h"
#include "log.h"
#include "mount-opts.h"
#include "path.h"
#include "rootfs.h"

/* Per-mount flags a bind remount can change. */
#define MNT_SETTABLE_FLAGS                                                                                   \
        (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME |           \
         MS_STRICTATIME | MS_NOSYMFOLLOW)
#define MNT_ATIME_FLAGS (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)
/* Flags that a user namespace cannot clear on a mount it inherited (statfs f_flags use the same bits). */
#define MNT_LOCKABLE_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* ---- /proc/self/mountinfo ---- */

struct mnt_entry {
        char *mountpoint;
        char *fstype;
        bool shared;
};

static void mnt_entries_free(struct mnt_entry *e, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(e[i].mountpoint);
                free(e[i].fstype);
        }
        free(e);
}

/* Decodes the octal escapes (\040 for space...) of a mountinfo path in place. */
static void mountinfo_unescape(char *s)
{
        char *w = s;
        for (char *r = s; *r;) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
                    r[3] <= '7') {
                        *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 4;
                } else
                        *w++ = *r++;
        }
        *w = 0;
}

static int mountinfo_read(struct mnt_entry **ret, size_t *ret_n)
{
        _cleanup_free_ char *text = NULL;
        int r = read_file("/proc/self/mountinfo", 0, &text, NULL);
        if (r < 0)
                return r;
        struct mnt_entry *v = NULL;
        size_t n = 0;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                /* id parent maj:min root mountpoint options [optional...] - fstype source superopts */
                char *fields[64];
                size_t nf = 0;
                char *fsave = NULL;
                for (char *f = strtok_r(line, " ", &fsave); f && nf < ELEMENTSOF(fields);
                     f = strtok_r(NULL, " ", &fsave))
                        fields[nf++] = f;
                if (nf < 8)
                        continue;
                bool shared = false;
                size_t i = 6;
                for (; i < nf && !STREQ(fields[i], "-"); i++)
                        if (startswith(fields[i], "shared:"))
                                shared = true;
                if (i + 1 >= nf)
                        continue;
                v = xrealloc(v, (n + 1) * sizeof(*v));
                mountinfo_unescape(fields[4]);
                v[n++] = (struct mnt_entry){
                    .mountpoint = xstrdup(fields[4]),
                    .fstype = xstrdup(fields[i + 1]),
                    .shared = shared,
                };
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* path is dir itself or below it. */
static bool path_is_below(const char *path, const char *dir)
{
        if (STREQ(dir, "/"))
                return true;
        size_t n = strlen(dir);
        return strncmp(path, dir, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* Compares a container path with an absolute one, ignoring repeated and trailing slashes. */
static bool dest_is(const char *dest, const char *want)
{
        if (!dest)
                return false;
        for (;;) {
                while (*dest == '/' && dest[1] == '/')
                        dest++;
                if (*dest == '/' && dest[1] == 0)
                        dest++;
                if (*dest != *want)
                        return false;
                if (!*dest)
                        return true;
                dest++;
                want++;
        }
}

/* ---- helpers on resolved fds ---- */

static int remount_fd(int fd, unsigned long flags)
{
        char buf[64];
        if (mount(NULL, path_fd_path(fd, buf, sizeof(buf)), NULL, flags, NULL) < 0)
                return -errno;
        return 0;
}

static int statfs_flags(int fd, unsigned long *ret)
{
        struct statfs s;
        if (fstatfs(fd, &s) < 0)
                return -errno;
        *ret = (unsigned long)s.f_flags;
        return 0;
}

/* Makes the mount whose root fd is read-only, keeping its nosuid/nodev/noexec (and atime) settings. */
static int remount_readonly_fd(int fd)
{
        unsigned long cur = 0;
        int r = statfs_flags(fd, &cur);
        if (r < 0)
                return r;
        return remount_fd(fd, MS_BIND | MS_REMOUNT | MS_RDONLY | (cur & (MS_NOSUID | MS_NODEV | MS_NOEXEC)));
}

static unsigned long root_propagation(const struct spec *spec)
{
        const struct spec_linux *l = spec->linux;
        if (l && l->rootfs_propagation_flags)
                return l->rootfs_propagation_flags;
        unsigned long flags = 0;
        if (l && l->rootfs_propagation && mount_propagation_from_string(l->rootfs_propagation, &flags) >= 0)
                return flags;
        return 0;
}

/* ---- one spec mount ---- */

struct mount_ctx {
        int rootfd;
        const struct spec *spec;
        const struct rootfs_opts *o;
};

/* Remount flags, propagation and the recursive attributes, applied to the freshly mounted destination. */
static int mount_post(const struct mount_ctx *c, const struct spec_mount *m, bool bind, berth_error **err)
{
        unsigned long want = m->flags & MNT_SETTABLE_FLAGS;
        bool remount = bind && ((want | (m->clear & MNT_SETTABLE_FLAGS)) != 0);
        bool setattr = (m->recursive_attr_set | m->recursive_attr_clr) != 0;
        if (!remount && !m->propagation && !setattr)
                return 0;

        _cleanup_close_ int fd = path_open_in_root(c->rootfd, m->destination, O_PATH, 0);
        if (fd < 0)
                return berth_err(err, -fd, "open %s after mount", m->destination);

        if (remount) {
                unsigned long flags = MS_BIND | MS_REMOUNT | want;
                int r = remount_fd(fd, flags);
                if (r == -EPERM && c->o->in_userns) {
                        /* Flags of the source locked by the user namespace (runc keeps them too). */
                        unsigned long cur = 0;
                        int q = statfs_flags(fd, &cur);
                        if (q < 0)
                                return berth_err(err, -q, "statfs");
                        flags |= cur & MNT_LOCKABLE_FLAGS;
                        r = remount_fd(fd, flags);
                        if (r == -EPERM && (want & MNT_ATIME_FLAGS)) {
                                /* The atime setting is locked as well: keep the source's. */
                                unsigned long atime = cur & (MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
                                flags = (flags & ~MNT_ATIME_FLAGS) | (atime ? atime : MS_STRICTATIME);
                                r = remount_fd(fd, flags);
                        }
                }
                if (r < 0)
                        return berth_err(err, -r, "remount");
        }
        if (m->propagation && remount_fd(fd, m->propagation) < 0)
                return berth_err(err, errno, "set propagation");
        if (setattr) {
                struct mount_attr attr = {
                    .attr_set = m->recursive_attr_set,
                    .attr_clr = m->recursive_attr_clr,
                };
                if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
                        int e = errno;
                        bool locked = e == EPERM && c->o->in_userns;
                        return berth_err(err, e, "mount_setattr: apply the recursive options%s",
                                         locked ? " (the source's flags are locked for this user namespace)"
                                                : "");
                }
        }
        return 0;
}

/* Bind mount of a host path (relative ones are relative to the bundle). */
static int mount_bind(const struct mount_ctx *c, const struct spec_mount *m, berth_error **err)
{
        if (!m->source || !*m->source)
                return berth_err(err, 0, "a bind mount needs a source");
        _cleanup_free_ char *src = m->source[0] == '/' || !c->spec->bundle
                                       ? xstrdup(m->source)
                                       : xasprintf("%s/%s", c->spec->bundle, m->source);
        _cleanup_close_ int srcfd = open(src, O_PATH | O_CLOEXEC);
        if (srcfd < 0)
                return berth_err(err, errno, "source %s", src);
        struct stat st;
        if (fstat(srcfd, &st) < 0)
                return berth_err(err, errno, "stat %s", src);

        _cleanup_close_ int target = path_mkdir_in_root(c->rootfd, m->destination, S_ISDIR(st.st_mode), err);
        if (target < 0)
                return target;
        char sbuf[64], tbuf[64];
        if (mount(path_fd_path(srcfd, sbuf, sizeof(sbuf)), path_fd_path(target, tbuf, sizeof(tbuf)), NULL,
                  MS_BIND | (m->flags & MS_REC), NULL) < 0)
                return berth_err(err, errno, "mount");
        return mount_post(c, m, true, err);
}

/* A bind mount of a host path standing in for a filesystem the user namespace may not mount. */
static int mount_bind_fallback(const struct mount_ctx *c, const struct spec_mount *m, const char *host_path,
                               bool recursive, berth_error **err)
{
        struct spec_mount b = *m;
        b.source = (char *)host_path;
        b.bind = true;
        b.flags = m->flags | MS_BIND | (recursive ? MS_REC : 0);
        /* A read-only /sys must not leave the host's submounts (cgroup v1 controllers...) writable. */
        if (recursive && (m->flags & MS_RDONLY)) {
                b.recursive_attr_set |= MOUNT_ATTR_RDONLY;
                b.recursive_attr_clr &= ~(uint64_t)MOUNT_ATTR_RDONLY;
                b.recursive_ro = true;
        }
        log_debug("%s: falling back to a bind mount of %s", m->destination, host_path);
        return mount_bind(c, &b, err);
}

/* ---- tmpcopyup: the directory a tmpfs covers, copied into it ---- */

/* Directory levels the copy descends (each level keeps two fds open). */
#define COPYUP_MAX_DEPTH 128

static int copyup_tree(int srcdir, int dstdir, const char *path, unsigned depth, berth_error **err);

/* Owner, mode and times of a copied entry: through fd, or dirfd/name (never followed) when fd < 0. The
 * owner (unmapped in a user namespace) and the times are best effort; the mode is not. */
static int copyup_metadata(int fd, int dirfd, const char *name, const struct stat *st, const char *path,
                           berth_error **err)
{
        const struct timespec times[2] = {st->st_atim, st->st_mtim};
        int r = fd >= 0 ? fchown(fd, st->st_uid, st->st_gid)
                        : fchownat(dirfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);
        if (r < 0 && errno != EPERM && errno != EINVAL)
                return berth_err(err, errno, "tmpcopyup: chown %s", path);
        /* After chown, which drops the set-id bits. A symlink has no mode of its own. */
        if (!S_ISLNK(st->st_mode)) {
                r = fd >= 0 ? fchmod(fd, st->st_mode & 07777) : fchmodat(dirfd, name, st->st_mode & 07777, 0);
                if (r < 0)
                        return berth_err(err, errno, "tmpcopyup: chmod %s", path);
        }
        r = fd >= 0 ? futimens(fd, times) : utimensat(dirfd, name, times, AT_SYMLINK_NOFOLLOW);
        if (r < 0)
                log_debug("tmpcopyup: %s: cannot copy the timestamps: %s", path, strerror(errno));
        return 0;
}

static int copyup_bytes(int in, int out)
{
        for (;;) {
                ssize_t n = sendfile(out, in, NULL, 1 << 30);
                if (n == 0)
                        return 0;
                if (n > 0)
                        continue;
                if (errno == EINTR)
                        continue;
                if (errno != EINVAL && errno != ENOSYS)
                        return -errno;
                break; /* a file sendfile() cannot read: copy by hand from where it stopped */
        }
        _cleanup_free_ char *buf = xmalloc0(64 * 1024);
        for (;;) {
                ssize_t n = read(in, buf, 64 * 1024);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                for (ssize_t done = 0; done < n;) {
                        ssize_t w = write(out, buf + done, (size_t)(n - done));
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return -errno;
                        done += w;
                }
        }
}

static int copyup_regular(int srcdir, int dstdir, const char *name, const char *path, berth_error **err)
{
        /* O_NONBLOCK: should the name have become a fifo meanwhile, the open must not hang. */
        _cleanup_close_ int in =
            openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (in < 0)
                return berth_err(err, errno, "tmpcopyup: open %s", path);
        struct stat st;
        if (fstat(in, &st) < 0)
                return berth_err(err, errno, "tmpcopyup: stat %s", path);
        if (!S_ISREG(st.st_mode))
                return berth_err_plain(err, EAGAIN, "tmpcopyup: %s changed while it was copied", path);
        _cleanup_close_ int out =
            openat(dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return berth_err(err, errno, "tmpcopyup: create %s", path);
        int r = copyup_bytes(in, out);
        if (r < 0)
                return berth_err(err, -r, "tmpcopyup: copy %s", path);
        return copyup_metadata(out, -1, NULL, &st, path, err);
}

static int copyup_dir(int srcdir, int dstdir, const char *name, const char *path, unsigned depth,
                      berth_error **err)
{
        _cleanup_close_ int in = openat(srcdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (in < 0)
                return berth_err(err, errno, "tmpcopyup: open %s", path);
        struct stat st;
        if (fstat(in, &st) < 0)
                return berth_err(err, errno, "tmpcopyup: stat %s", path);
        if (mkdirat(dstdir, name, 0700) < 0)
                return berth_err(err, errno, "tmpcopyup: mkdir %s", path);
        _cleanup_close_ int out = openat(dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (out < 0)
                return berth_err(err, errno, "tmpcopyup: open the copy of %s", path);
        int r = copyup_tree(in, out, path, depth + 1, err);
        if (r < 0)
                return r;
        /* Last, so that creating the entries does not change the copied mtime. */
        return copyup_metadata(out, -1, NULL, &st, path, err);
}

static int copyup_symlink(int srcdir, int dstdir, const char *name, const struct stat *st, const char *path,
                          berth_error **err)
{
        char target[PATH_MAX];
        ssize_t n = readlinkat(srcdir, name, target, sizeof(target) - 1);
        if (n < 0)
                return berth_err(err, errno, "tmpcopyup: readlink %s", path);
        target[n] = 0;
        if (symlinkat(target, dstdir, name) < 0)
                return berth_err(err, errno, "tmpcopyup: symlink %s", path);
        return copyup_metadata(-1, dstdir, name, st, path, err);
}

/* Device nodes, fifos and sockets; a node the kernel does not let us create (user namespace) is skipped. */
static int copyup_node(int dstdir, const char *name, const struct stat *st, const char *path,
                       berth_error **err)
{
        if (mknodat(dstdir, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0) {
                if (errno == EPERM) {
                        log_debug("tmpcopyup: %s: skipped: %s", path, strerror(errno));
                        return 0;
                }
                return berth_err(err, errno, "tmpcopyup: mknod %s", path);
        }
        return copyup_metadata(-1, dstdir, name, st, path, err);
}

/* Copies the entries of srcdir into dstdir; path names srcdir in messages. */
static int copyup_tree(int srcdir, int dstdir, const char *path, unsigned depth, berth_error **err)
{
        if (depth > COPYUP_MAX_DEPTH)
                return berth_err_plain(err, ELOOP, "tmpcopyup: %s: more than %d directory levels", path,
                                       COPYUP_MAX_DEPTH);
        int fd = fcntl(srcdir, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return berth_err(err, errno, "tmpcopyup: dup");
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                int e = errno;
                close(fd);
                return berth_err(err, e, "tmpcopyup: read %s", path);
        }
        rewinddir(d);
        for (;;) {
                errno = 0;
                const struct dirent *de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return berth_err(err, errno, "tmpcopyup: read %s", path);
                        return 0;
                }
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *sub = xasprintf("%s/%s", STREQ(path, "/") ? "" : path, de->d_name);
                struct stat st;
                if (fstatat(srcdir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return berth_err(err, errno, "tmpcopyup: stat %s", sub);
                int r;
                if (S_ISDIR(st.st_mode))
                        r = copyup_dir(srcdir, dstdir, de->d_name, sub, depth, err);
                else if (S_ISREG(st.st_mode))
                        r = copyup_regular(srcdir, dstdir, de->d_name, sub, err);
                else if (S_ISLNK(st.st_mode))
                        r = copyup_symlink(srcdir, dstdir, de->d_name, &st, sub, err);
                else
                        r = copyup_node(dstdir, de->d_name, &st, sub, err);
                if (r < 0)
                        return r;
        }
}

/* Fills the tmpfs just mounted on m->destination with the content of srcfd, the directory it covers. */
static int tmpfs_copy_up(const struct mount_ctx *c, const struct spec_mount *m, int srcfd, berth_error **err)
{
        _cleanup_close_ int dst = path_open_in_root(c->rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0);
        if (dst < 0)
                return berth_err(err, -dst, "tmpcopyup: open %s after mount", m->destination);
        struct statfs sfs;
        struct stat sst, dst_st;
        if (fstatfs(dst, &sfs) < 0 || fstat(dst, &dst_st) < 0 || fstat(srcfd, &sst) < 0)
                return berth_err(err, errno, "tmpcopyup: stat %s", m->destination);
        if (sfs.f_type != TMPFS_MAGIC || dst_st.st_dev == sst.st_dev)
                return berth_err_plain(err, EIO, "tmpcopyup: %s does not lead to the new tmpfs",
                                       m->destination);
        return copyup_tree(srcfd, dst, m->destination, 0, err);
}

/* A new filesystem instance on the destination. When mount(2) itself fails, *mount_failed is set and the
 * error is left to the caller (which may fall back to a bind mount); other failures fill err. */
static int mount_fs(const struct mount_ctx *c, const struct spec_mount *m, const char *type, const char *data,
                    unsigned long drop_flags, bool *mount_failed, berth_error **err)
{
        *mount_failed = false;
        _cleanup_close_ int target = path_mkdir_in_root(c->rootfd, m->destination, true, err);
        if (target < 0)
                return target;

        /* tmpcopyup: the directory as it is before the mount, reopened through the resolved target so
         * that it is the very directory the tmpfs covers. The tmpfs is mounted writable for the copy. */
        _cleanup_close_ int copyfd = -1;
        bool readonly_after_copy = false;
        if (m->tmpcopyup && STREQ(type, "tmpfs")) {
                copyfd = openat(target, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (copyfd < 0)
                        return berth_err(err, errno, "tmpcopyup: open %s", m->destination);
                readonly_after_copy = (m->flags & MS_RDONLY) && !(drop_flags & MS_RDONLY);
                drop_flags |= MS_RDONLY;
        } else if (m->tmpcopyup)
                log_debug("%s: tmpcopyup ignored for a %s mount", m->destination, type);

        const char *source = m->source && *m->source ? m->source : type;
        unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | drop_flags);
        char tbuf[64];
        if (mount(source, path_fd_path(target, tbuf, sizeof(tbuf)), type, flags, data) < 0) {
                *mount_failed = true;
                return -errno;
        }
        if (copyfd >= 0) {
                int r = tmpfs_copy_up(c, m, copyfd, err);
                if (r < 0)
                        return r;
                if (readonly_after_copy) {
                        _cleanup_close_ int fd = path_open_in_root(c->rootfd, m->destination, O_PATH, 0);
                        if (fd < 0)
                                return berth_err(err, -fd, "open %s after mount", m->destination);
                        r = remount_fd(fd, MS_BIND | MS_REMOUNT | (m->flags & MNT_SETTABLE_FLAGS));
                        if (r < 0)
                                return berth_err(err, -r, "tmpcopyup: remount read-only after the copy");
                }
        }
        return mount_post(c, m, false, err);
}

static const char *cgroup2_host_mountpoint(void)
{
        struct statfs s;
        if (statfs("/sys/fs/cgroup", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
                return "/sys/fs/cgroup";
        if (statfs("/sys/fs/cgroup/unified", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
                return "/sys/fs/cgroup/unified";
        return NULL;
}

static bool has_namespace(const struct spec *spec, enum ns_type t)
{
        if (!spec->linux)
                return false;
        for (size_t i = 0; i < spec->linux->n_namespaces; i++)
                if (spec->linux->namespaces[i].type == t)
                        return true;
        return false;
}

/* /dev mounted read-only by the config: it is mounted rw so the devices can be created, and made read-only
 * in rootfs_finalize(). */
static bool dev_deferred_readonly(const struct spec_mount *m)
{
        bool bind = m->bind || (m->flags & MS_BIND) || (m->type && STREQ(m->type, "bind"));
        return !bind && (m->flags & MS_RDONLY) && dest_is(m->destination, "/dev");
}

static int mount_one(const struct mount_ctx *c, const struct spec_mount *m, berth_error **err)
{
        const char *type = m->type;
        bool bind = m->bind || (m->flags & MS_BIND) || (type && STREQ(type, "bind"));
        bool failed = false;
        int r;

        if (!m->destination || !*m->destination)
                return berth_err(err, 0, "no destination");
        if (dest_is(m->destination, "/"))
                return berth_err(err, 0, "mounting over the container's / is not supported");
        if (m->n_uid_mappings || m->n_gid_mappings)
                return berth_err(err, EOPNOTSUPP, "idmapped mounts");
        if (bind)
                return mount_bind(c, m, err);
        if (!type || !*type)
                return berth_err(err, 0, "no filesystem type");

        if (STREQ(type, "sysfs")) {
                /* A user namespace may only mount sysfs for a network namespace it owns. */
                if (c->o->in_userns && !has_namespace(c->spec, NS_NET))
                        return mount_bind_fallback(c, m, "/sys", true, err);
                r = mount_fs(c, m, "sysfs", m->data, 0, &failed, err);
                if (failed && (r == -EPERM || r == -EBUSY) && c->o->in_userns)
                        return mount_bind_fallback(c, m, "/sys", true, err);
        } else if (STREQ(type, "mqueue")) {
                r = mount_fs(c, m, "mqueue", m->data, 0, &failed, err);
                if (failed && (r == -EPERM || r == -EBUSY) && c->o->in_userns)
                        return mount_bind_fallback(c, m, "/dev/mqueue", false, err);
        } else if (STREQ(type, "cgroup") || STREQ(type, "cgroup2")) {
                /* Always the unified hierarchy, also on hybrid hosts. v1 controller names given as
                 * options of a "cgroup" mount mean nothing to cgroup2 and are dropped. */
                r = mount_fs(c, m, "cgroup2", STREQ(type, "cgroup2") ? m->data : NULL, 0, &failed, err);
                if (failed && (r == -EPERM || r == -EBUSY) && !c->o->new_cgroupns) {
                        /* Without a cgroup namespace of its own (typically a user namespace that
                         * shares the host's cgroup namespace) the container's /proc/self/cgroup shows
                         * host paths: bind the host's unified hierarchy, as runc does. */
                        const char *host = cgroup2_host_mountpoint();
                        if (!host)
                                return berth_err(err, -r, "mount (and the host has no cgroup2 hierarchy)");
                        return mount_bind_fallback(c, m, host, false, err);
                }
        } else {
                r = mount_fs(c, m, type, m->data, dev_deferred_readonly(m) ? MS_RDONLY : 0, &failed, err);
        }
        if (failed)
                return berth_err(err, -r, "mount");
        return r;
}

/* ---- rootfs_setup_mounts ---- */

/* pivot_root and MS_MOVE refuse shared parents: make the mount that holds the rootfs private. */
static int make_rootfs_parent_private(const char *rootfs, berth_error **err)
{
        struct mnt_entry *e = NULL;
        size_t n = 0;
        int r = mountinfo_read(&e, &n);
        if (r < 0)
                return berth_err(err, -r, "read /proc/self/mountinfo");
        const struct mnt_entry *best = NULL;
        for (size_t i = 0; i < n; i++)
                if (path_is_below(rootfs, e[i].mountpoint) &&
                    (!best || strlen(e[i].mountpoint) >= strlen(best->mountpoint)))
                        best = &e[i];
        r = 0;
        if (best && best->shared && mount(NULL, best->mountpoint, NULL, MS_PRIVATE, NULL) < 0)
                r = berth_err(err, errno, "make %s private", best->mountpoint);
        mnt_entries_free(e, n);
        return r;
}

static bool dev_is_bind_mounted(const struct spec *spec)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const struct spec_mount *m = &spec->mounts[i];
                bool bind = m->bind || (m->flags & MS_BIND) || (m->type && STREQ(m->type, "bind"));
                if (bind && dest_is(m->destination, "/dev"))
                        return true;
        }
        return false;
}

int rootfs_setup_mounts(const struct spec *spec, struct rootfs_opts *o, berth_error **err)
{
        if (!spec->rootfs)
                return berth_err(err, 0, "root.path: no rootfs");
        if (!realpath(spec->rootfs, o->rootfs))
                return berth_err(err, errno, "root.path: %s", spec->rootfs);
        const char *rootfs = o->rootfs;

        unsigned long prop = root_propagation(spec);
        if (!prop)
                prop = MS_SLAVE | MS_REC;
        if (mount(NULL, "/", NULL, prop, NULL) < 0)
                return berth_err(err, errno, "rootfs: set the propagation of /");
        /* A recursive change to anything but shared left no shared mount: nothing to look up. */
        int r = 0;
        if ((!(prop & MS_REC) || (prop & MS_SHARED)) && (r = make_rootfs_parent_private(rootfs, err)) < 0)
                return berth_err_prefix(err, "rootfs");
        if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                return berth_err(err, errno, "rootfs: bind mount %s onto itself", rootfs);

        _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berth_err(err, errno, "rootfs: open %s", rootfs);
        struct mount_ctx c = {.rootfd = rootfd, .spec = spec, .o = o};

        for (size_t i = 0; i < spec->n_mounts; i++) {
                const struct spec_mount *m = &spec->mounts[i];
                r = mount_one(&c, m, err);
                if (r < 0)
                        return berth_err_prefix(err, "mounts[%zu] (%s on %s)", i, m->type ? m->type : "bind",
                                                m->destination ? m->destination : "");
        }

        if (!dev_is_bind_mounted(spec)) {
                r = devices_create(rootfd, spec, o, err);
                if (r < 0)
                        return r;
                r = devices_symlinks(rootfd, err);
                if (r < 0)
                        return r;
        }
        if (o->console_slave_fd >= 0) {
                r = devices_console(rootfd, o->console_slave_fd, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- rootfs_pivot ---- */

/* With --no-pivot the host's mounts stay below the container's root: detach the host's proc and sysfs
 * instances (or cover them when a user namespace may not unmount them), as runc does. */
static int hide_host_kernel_mounts(const char *rootfs, berth_error **err)
{
        struct mnt_entry *e = NULL;
        size_t n = 0;
        int r = mountinfo_read(&e, &n);
        if (r < 0)
                return berth_err(err, -r, "read /proc/self/mountinfo");
        r = 0;
        for (size_t i = 0; i < n && r >= 0; i++) {
                const char *p = e[i].mountpoint;
                if (!STREQ(e[i].fstype, "proc") && !STREQ(e[i].fstype, "sysfs"))
                        continue;
                if (path_is_below(p, rootfs) || STREQ(p, "/"))
                        continue;
                if (mount(NULL, p, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
                        if (errno == ENOENT || errno == EINVAL)
                                continue; /* gone with an earlier parent */
                        r = berth_err(err, errno, "make %s rslave", p);
                        break;
                }
                if (umount2(p, MNT_DETACH) == 0)
                        continue;
                if (errno != EINVAL && errno != EPERM) {
                        r = berth_err(err, errno, "unmount %s", p);
                        break;
                }
                if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0)
                        r = berth_err(err, errno, "cover %s", p);
        }
        mnt_entries_free(e, n);
        return r;
}

int rootfs_pivot(const struct spec *spec, const struct rootfs_opts *o, berth_error **err)
{
        if (!spec->rootfs || !o->rootfs[0])
                return berth_err(err, 0, "root.path: no rootfs (rootfs_setup_mounts first)");
        const char *rootfs = o->rootfs;

        if (o->no_pivot) {
                if (chdir(rootfs) < 0)
                        return berth_err(err, errno, "chdir %s", rootfs);
                int r = hide_host_kernel_mounts(rootfs, err);
                if (r < 0)
                        return berth_err_prefix(err, "--no-pivot");
                if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
                        return berth_err(err, errno, "--no-pivot: move %s to /", rootfs);
                if (chroot(".") < 0)
                        return berth_err(err, errno, "--no-pivot: chroot %s", rootfs);
                if (chdir("/") < 0)
                        return berth_err(err, errno, "chdir /");
                return 0;
        }

        _cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (oldroot < 0)
                return berth_err(err, errno, "pivot_root: open /");
        _cleanup_close_ int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (newroot < 0)
                return berth_err(err, errno, "pivot_root: open %s", rootfs);
        if (fchdir(newroot) < 0)
                return berth_err(err, errno, "pivot_root: chdir %s", rootfs);
        /* The old root ends up stacked on the new one, at the same place: no directory needed for it. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return berth_err(err, errno, "pivot_root %s", rootfs);
        if (fchdir(oldroot) < 0)
                return berth_err(err, errno, "pivot_root: chdir to the old root");
        /* Unmounting it must not propagate anywhere. */
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return berth_err(err, errno, "pivot_root: make the old root rslave");
        if (umount2(".", MNT_DETACH) < 0)
                return berth_err(err, errno, "pivot_root: detach the old root");
        if (chdir("/") < 0)
                return berth_err(err, errno, "chdir /");
        return 0;
}

/* ---- rootfs_finalize ---- */

/* The container's /dev/null (created by us), opened once for all masked files: it must really be the null
 * device. */
static int open_dev_null(int rootfd, berth_error **err)
{
        _cleanup_close_ int null = path_open_in_root(rootfd, "/dev/null", O_PATH, 0);
        if (null < 0)
                return berth_err(err, -null, "open /dev/null");
        struct stat st;
        if (fstat(null, &st) < 0)
                return berth_err(err, errno, "stat /dev/null");
        if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
                return berth_err(err, 0, "/dev/null of the container is not the null device");
        return TAKE_FD(null);
}

/* *null: the container's /dev/null, opened on first need (-1 before). */
static int mask_path(int rootfd, const char *path, int *null, berth_error **err)
{
        _cleanup_close_ int fd = path_open_in_root(rootfd, path, O_PATH, 0);
        if (fd == -ENOENT || fd == -ENOTDIR)
                return 0;
        if (fd < 0)
                return berth_err(err, -fd, "open");
        struct stat st;
        if (fstat(fd, &st) < 0)
                return berth_err(err, errno, "stat");
        char tbuf[64];
        path_fd_path(fd, tbuf, sizeof(tbuf));
        if (S_ISDIR(st.st_mode)) {
                if (mount("tmpfs", tbuf, "tmpfs", MS_RDONLY, "size=0") < 0)
                        return berth_err(err, errno, "mount an empty read-only tmpfs");
                return 0;
        }
        if (*null < 0 && (*null = open_dev_null(rootfd, err)) < 0)
                return *null;
        char nbuf[64];
        if (mount(path_fd_path(*null, nbuf, sizeof(nbuf)), tbuf, NULL, MS_BIND, NULL) < 0)
                return berth_err(err, errno, "bind mount /dev/null");
        return 0;
}

static int readonly_path(int rootfd, const char *path, berth_error **err)
{
        _cleanup_close_ int fd = path_open_in_root(rootfd, path, O_PATH, 0);
        if (fd == -ENOENT || fd == -ENOTDIR)
                return 0;
        if (fd < 0)
                return berth_err(err, -fd, "open");
        char buf[64];
        path_fd_path(fd, buf, sizeof(buf));
        if (mount(buf, buf, NULL, MS_BIND | MS_REC, NULL) < 0)
                return berth_err(err, errno, "bind mount onto itself");
        _cleanup_close_ int top = path_open_in_root(rootfd, path, O_PATH, 0);
        if (top < 0)
                return berth_err(err, -top, "open after mount");
        int r = remount_readonly_fd(top);
        if (r < 0)
                return berth_err(err, -r, "remount read-only");
        return 0;
}

int rootfs_finalize(const struct spec *spec, const struct rootfs_opts *o, berth_error **err)
{
        _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berth_err(err, errno, "open /");
        int r;

        /* Applied to the new root now that it is "/" (before, it would have changed the host's mounts). */
        unsigned long prop = root_propagation(spec);
        if (prop && mount(NULL, "/", NULL, prop, NULL) < 0)
                return berth_err(err, errno, "linux.rootfsPropagation: %s",
                                 spec->linux->rootfs_propagation ? spec->linux->rootfs_propagation : "");

        for (size_t i = spec->n_mounts; i > 0; i--)
                if (dest_is(spec->mounts[i - 1].destination, "/dev")) {
                        if (!dev_deferred_readonly(&spec->mounts[i - 1]))
                                break;
                        _cleanup_close_ int dev = path_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, 0);
                        if (dev < 0)
                                return berth_err(err, -dev, "mounts[%zu] (/dev): open", i - 1);
                        r = remount_readonly_fd(dev);
                        if (r < 0)
                                return berth_err(err, -r, "mounts[%zu] (/dev): remount read-only", i - 1);
                        break;
                }

        char **ro = spec->linux ? spec->linux->readonly_paths : NULL;
        for (size_t i = 0; ro && ro[i]; i++) {
                r = readonly_path(rootfd, ro[i], err);
                if (r < 0)
                        return berth_err_prefix(err, "linux.readonlyPaths[%zu] (%s)", i, ro[i]);
        }
        char **masked = spec->linux ? spec->linux->masked_paths : NULL;
        _cleanup_close_ int null = -1;
        for (size_t i = 0; masked && masked[i]; i++) {
                r = mask_path(rootfd, masked[i], &null, err);
                if (r < 0)
                        return berth_err_prefix(err, "linux.maskedPaths[%zu] (%s)", i, masked[i]);
        }

        if (spec->root_readonly) {
                r = remount_readonly_fd(rootfd);
                if (r < 0)
                        return berth_err(err, -r, "root.readonly: remount / read-only");
        }
        return 0;
}
