/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device nodes of the container. Outside a user namespace they are created with mknod (an existing entry
 * at the path is replaced); inside one mknod is not allowed, so an empty file is created and the host's
 * node of the same path is bind-mounted onto it (runc's approach). Ownership and mode come from
 * linux.devices (fileMode, uid, gid), or 0666 root:root for the defaults.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "devices.h"
#include "log.h"
#include "path.h"

struct dev_node {
        const char *path;
        char type; /* 'c', 'u', 'b', 'p' */
        int64_t major, minor;
        mode_t mode;
        uid_t uid;
        gid_t gid;
};

static const struct {
        const char *path;
        unsigned major, minor;
} default_devices[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

static const struct {
        const char *target, *name;
} dev_symlinks[] = {
    {"/proc/self/fd", "fd"},
    {"/proc/self/fd/0", "stdin"},
    {"/proc/self/fd/1", "stdout"},
    {"/proc/self/fd/2", "stderr"},
};

static void umask_restore(mode_t *m)
{
        umask(*m);
}

/* Splits an absolute container path into its parent (opened, created if missing) and its last name. */
static int open_parent(int rootfd, const char *path, int *ret_fd, const char **ret_name, berth_error **err)
{
        const char *slash = strrchr(path, '/');
        if (!slash || !slash[1] || STREQ(slash + 1, ".") || STREQ(slash + 1, ".."))
                return berth_err(err, EINVAL, "invalid device path");
        _cleanup_free_ char *dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
        int fd = path_mkdir_in_root(rootfd, dir, true, err);
        if (fd < 0)
                return fd;
        *ret_fd = fd;
        *ret_name = slash + 1;
        return 0;
}

/* Removes whatever non-directory is at name so that a node can take its place. A mount point cannot be
 * removed: 1 is returned and the caller mounts over it or leaves it. */
static int remove_existing(int parentfd, const char *name, berth_error **err)
{
        struct stat st;
        if (fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return berth_err(err, errno, "stat");
        }
        if (S_ISDIR(st.st_mode))
                return berth_err(err, EISDIR, "replace existing entry");
        if (unlinkat(parentfd, name, 0) < 0) {
                if (errno == EBUSY)
                        return 1;
                return berth_err(err, errno, "remove existing entry");
        }
        return 0;
}

/* An empty regular file at name with the host's node of the same path bind-mounted onto it. */
static int bind_host_node(int parentfd, const char *name, const char *host_path, berth_error **err)
{
        struct stat st;
        if (fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)) {
                int r = remove_existing(parentfd, name, err);
                if (r < 0)
                        return r;
                if (r == 0) {
                        int fd =
                            openat(parentfd, name,
                                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
                        if (fd < 0)
                                return berth_err(err, errno, "create mount point");
                        close(fd);
                }
        }
        _cleanup_close_ int target = openat(parentfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (target < 0)
                return berth_err(err, errno, "open mount point");
        char buf[64];
        if (mount(host_path, path_fd_path(target, buf, sizeof(buf)), NULL, MS_BIND, NULL) < 0)
                return berth_err(err, errno, "bind mount %s", host_path);
        return 0;
}

/* The node d at name in parentfd. owner_ok: a node made there is already owned by d's uid and gid (no chown
 * needed). */
static int create_node_at(int parentfd, const char *name, const struct dev_node *d, bool in_userns,
                          bool owner_ok, berth_error **err)
{
        int r;
        mode_t type;
        switch (d->type) {
        case 'c':
        case 'u':
                type = S_IFCHR;
                break;
        case 'b':
                type = S_IFBLK;
                break;
        case 'p':
                type = S_IFIFO;
                break;
        default:
                return berth_err(err, EINVAL, "unknown device type '%c'", d->type);
        }

        if (in_userns)
                return bind_host_node(parentfd, name, d->path, err);

        dev_t dev = type == S_IFIFO ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
        /* usually nothing is there yet (a fresh /dev): only a clash makes us look */
        while (mknodat(parentfd, name, type | (d->mode & 07777), dev) < 0) {
                /* Without CAP_MKNOD (e.g. dropped by a parent runtime) binding the host node still works. */
                if (errno == EPERM && type != S_IFIFO)
                        return bind_host_node(parentfd, name, d->path, err);
                if (errno != EEXIST)
                        return berth_err(err, errno, "mknod");
                r = remove_existing(parentfd, name, err);
                if (r < 0)
                        return r;
                if (r > 0) {
                        log_debug("%s is a mount point, keeping it", d->path);
                        return 0;
                }
        }
        if (!owner_ok && fchownat(parentfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_err(err, errno, "chown %u:%u", (unsigned)d->uid, (unsigned)d->gid);
        return 0;
}

/* Would a node created in dirfd be owned by uid:gid without a chown? */
static bool created_owner_is(int dirfd, uid_t uid, gid_t gid)
{
        struct stat st;
        if (geteuid() != uid || fstat(dirfd, &st) < 0)
                return false;
        return (st.st_mode & S_ISGID) ? st.st_gid == gid : getegid() == gid;
}

static int create_node(int rootfd, const struct dev_node *d, bool in_userns, berth_error **err)
{
        _cleanup_close_ int parentfd = -1;
        const char *name = NULL;
        int r = open_parent(rootfd, d->path, &parentfd, &name, err);
        if (r < 0)
                return r;
        return create_node_at(parentfd, name, d, in_userns, created_owner_is(parentfd, d->uid, d->gid), err);
}

static bool spec_has_device(const struct spec *spec, const char *path)
{
        if (!spec->linux)
                return false;
        for (size_t i = 0; i < spec->linux->n_devices; i++)
                if (spec->linux->devices[i].path && STREQ(spec->linux->devices[i].path, path))
                        return true;
        return false;
}

int devices_create(int rootfd, const struct spec *spec, const struct rootfs_opts *o, berth_error **err)
{
        /* Modes are exactly those asked for. */
        _cleanup_(umask_restore) mode_t old_umask = umask(0);
        _cleanup_close_ int devfd = path_mkdir_in_root(rootfd, "/dev", true, err);
        if (devfd < 0)
                return berth_err_prefix(err, "/dev");
        bool root_owned = created_owner_is(devfd, 0, 0);

        for (size_t i = 0; i < ELEMENTSOF(default_devices); i++) {
                if (spec_has_device(spec, default_devices[i].path))
                        continue;
                struct dev_node d = {
                    .path = default_devices[i].path,
                    .type = 'c',
                    .major = default_devices[i].major,
                    .minor = default_devices[i].minor,
                    .mode = 0666,
                };
                int r = create_node_at(devfd, d.path + strlen("/dev/"), &d, o->in_userns, root_owned, err);
                if (r < 0)
                        return berth_err_prefix(err, "device %s", d.path);
        }

        if (!spec->linux)
                return 0;
        for (size_t i = 0; i < spec->linux->n_devices; i++) {
                const struct spec_device *sd = &spec->linux->devices[i];
                if (!sd->path || sd->path[0] != '/')
                        return berth_err(err, EINVAL, "linux.devices[%zu].path: must be absolute", i);
                struct dev_node d = {
                    .path = sd->path,
                    .type = sd->type,
                    .major = sd->major,
                    .minor = sd->minor,
                    .mode = sd->has_file_mode ? (mode_t)sd->file_mode : 0666,
                    .uid = sd->has_uid ? sd->uid : 0,
                    .gid = sd->has_gid ? sd->gid : 0,
                };
                int r = create_node(rootfd, &d, o->in_userns, err);
                if (r < 0)
                        return berth_err_prefix(err, "linux.devices[%zu] (%s)", i, sd->path);
        }
        return 0;
}

int devices_symlinks(int rootfd, berth_error **err)
{
        _cleanup_close_ int devfd = path_mkdir_in_root(rootfd, "/dev", true, err);
        if (devfd < 0)
                return devfd;

        for (size_t i = 0; i < ELEMENTSOF(dev_symlinks); i++)
                if (symlinkat(dev_symlinks[i].target, devfd, dev_symlinks[i].name) < 0 && errno != EEXIST)
                        return berth_err(err, errno, "symlink /dev/%s -> %s", dev_symlinks[i].name,
                                         dev_symlinks[i].target);

        /* Here /proc is still the host's: the link is only made when the kernel has a kcore. */
        if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", devfd, "core") < 0 &&
            errno != EEXIST)
                return berth_err(err, errno, "symlink /dev/core -> /proc/kcore");

        /* /dev/ptmx must be the one of the container's devpts instance. */
        if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
                return berth_err(err, errno, "remove /dev/ptmx");
        if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
                return berth_err(err, errno, "symlink /dev/ptmx -> pts/ptmx");
        return 0;
}

int devices_console(int rootfd, int slave_fd, berth_error **err)
{
        _cleanup_close_ int devfd = path_mkdir_in_root(rootfd, "/dev", true, err);
        if (devfd < 0)
                return berth_err_prefix(err, "/dev/console");
        char src[64];
        path_fd_path(slave_fd, src, sizeof(src));
        int r = bind_host_node(devfd, "console", src, err);
        if (r < 0)
                return berth_err_prefix(err, "/dev/console");
        return 0;
}
