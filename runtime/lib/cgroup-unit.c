/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "unit" cgroup manager: berth runs as the main process of a systemd unit that has Delegate=yes
 * (berth@.service), and the container lives below the unit's own cgroup instead of in a scope of its own:
 *
 *   /system.slice/system-berth.slice/berth@web.service/            the unit's cgroup (delegated to us)
 *                                                       supervisor/  berth itself (`berth run`)
 *                                                       container/   the container's processes
 *                                                       .control/    ExecStopPost= etc. (systemd's)
 *
 * cgroup v2 lets a cgroup that hands controllers down (cgroup.subtree_control) hold no processes, so berth
 * first moves itself out of the unit's cgroup into "supervisor". Below that, the container's cgroup is
 * handled like any cgroupfs cgroup: the cgroupfs manager's operations run on a view of it. systemd sees
 * both sub-cgroups as part of the unit: `systemctl status` lists them, `systemctl kill/stop` reaches them
 * and systemd removes them when the unit stops.
 */
#include <sys/stat.h>
#include <sys/xattr.h>

#include "cgroup-internal.h"
#include "fs-util.h"
#include "log.h"

#define UNIT_CONTAINER_CGROUP  "container"
#define UNIT_SUPERVISOR_CGROUP "supervisor"
/* The marks systemd (251 and later) sets on the cgroup of a unit with Delegate=yes: trusted.delegate, and
 * user.delegate, the one a user manager can set too. */
static const char *const delegate_xattrs[] = {"trusted.delegate", "user.delegate"};

/* ---- pure parts ---- */

int cgroup_unit_parse_proc_cgroup(const char *text, char **ret, berth_error **err)
{
        /* The cgroup v2 line is "0::/path"; v1 lines ("4:memory:/x") are ignored. */
        for (const char *line = text; line && *line;) {
                const char *end = strchrnul(line, '\n');
                if (startswith(line, "0::")) {
                        const char *p = line + 3;
                        size_t len = (size_t)(end - p);
                        if (len == 0 || p[0] != '/')
                                return berth_err_plain(err, EINVAL,
                                                       "cgroup unit: /proc/self/cgroup: invalid cgroup v2 "
                                                       "line \"%.*s\"",
                                                       (int)(end - line), line);
                        *ret = xstrndup(p, len);
                        return 0;
                }
                line = *end ? end + 1 : end;
        }
        return berth_err_plain(err, EOPNOTSUPP,
                               "cgroup unit: /proc/self/cgroup has no cgroup v2 line (\"0::/...\"): berth is "
                               "not in a cgroup v2 hierarchy");
}

/* s ends with suffix and has something before it */
static bool has_suffix(const char *s, const char *suffix)
{
        return strlen(s) > strlen(suffix) && endswith(s, suffix);
}

static bool unit_suffix(const char *name)
{
        return has_suffix(name, ".service") || has_suffix(name, ".scope");
}

int cgroup_unit_split(const char *own, char **ret_base, char **ret_unit, berth_error **err)
{
        if (!own || own[0] != '/' || strstr(own, "/../") || strstr(own, "/./"))
                return berth_err_plain(err, EINVAL, "cgroup unit: invalid cgroup path \"%s\"",
                                       own ? own : "");
        _cleanup_free_ char *base = xstrdup(own);
        size_t n = strlen(base);
        while (n > 1 && base[n - 1] == '/')
                base[--n] = 0;
        const char *last = strrchr(base, '/') + 1;
        /* Already moved out of the unit's cgroup (a second call in the same process): its parent. */
        if (STREQ(last, UNIT_SUPERVISOR_CGROUP) && last - base > 1) {
                base[last - base - 1] = 0;
                last = strrchr(base, '/') + 1;
        } else if (STREQ(last, ".control") && last - base > 1) {
                base[last - base - 1] = 0;
                return berth_err_plain(
                    err, EOPNOTSUPP,
                    "cgroup unit: berth runs as a control process (ExecStartPost=, "
                    "ExecReload=, ExecStop=...) in %s: --cgroup-manager=unit needs berth to be the "
                    "unit's main process (ExecStart=)",
                    base);
        }
        if (!*last || !unit_suffix(last))
                return berth_err_plain(err, EOPNOTSUPP,
                                       "cgroup unit: berth's cgroup %s is not the cgroup of a service or "
                                       "scope unit: --cgroup-manager=unit works only in a unit with "
                                       "Delegate=yes (berth@.service)",
                                       own);
        *ret_unit = xstrdup(last);
        *ret_base = TAKE_PTR(base);
        return 0;
}

/* ---- the unit's cgroup ---- */

static char *base_path(const struct cgroup *cg)
{
        const char *slash = strrchr(cg->path, '/');
        return xstrndup(cg->path, (size_t)(slash - cg->path));
}

/* For a user other than root, systemd's older way of delegating: the cgroup and the files a delegatee
 * writes belong to the unit's user (systemd chowns them for Delegate=yes only). */
static bool owned_by_us(const char *dir)
{
        uid_t uid = geteuid();
        if (uid == 0)
                return false; /* root owns every cgroup: that proves nothing */
        static const char *const files[] = {"", "/cgroup.procs", "/cgroup.subtree_control"};
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *path = xasprintf("%s%s", dir, files[i]);
                struct stat st;
                if (stat(path, &st) < 0 || st.st_uid != uid)
                        return false;
        }
        return true;
}

/* 1 when the cgroup is delegated to us, 0 when it is not, -errno when that cannot be told. */
static int delegated(const char *dir)
{
        int r = 0;
        for (size_t i = 0; i < ELEMENTSOF(delegate_xattrs); i++) {
                char v[8];
                ssize_t len = getxattr(dir, delegate_xattrs[i], v, sizeof(v) - 1);
                if (len >= 0) {
                        v[len] = 0;
                        if (STREQ(v, "1"))
                                return 1;
                        continue;
                }
                /* EPERM: trusted.* cannot be read by an unprivileged user */
                if (errno != ENODATA && errno != EOPNOTSUPP && errno != EPERM && r == 0)
                        r = -errno;
        }
        if (owned_by_us(dir))
                return 1;
        return r;
}

static int move_self(const char *dir, berth_error **err)
{
        _cleanup_free_ char *file = xasprintf("%s/cgroup.procs", dir), *pid = xasprintf("%d", (int)getpid());
        int r = write_file(file, pid);
        if (r < 0)
                return berth_err(err, -r, "cgroup unit: move berth (%s) into %s: write to %s", pid, dir,
                                 file);
        return 0;
}

/* The PIDs in a cgroup (not below), for messages: "12 13", or NULL when there are none. */
static char *procs_of(const char *dir)
{
        _cleanup_free_ char *file = xasprintf("%s/cgroup.procs", dir), *buf = NULL;
        if (read_file(file, 0, &buf, NULL) < 0)
                return NULL;
        strip_newline(buf);
        for (char *p = buf; *p; p++)
                if (*p == '\n')
                        *p = ' ';
        return *buf ? TAKE_PTR(buf) : NULL;
}

/* ---- the manager ---- */

static int unit_create(struct cgroup *cg, const struct spec *spec, pid_t pid, berth_error **err)
{
        _cleanup_free_ char *base = base_path(cg);
        _cleanup_free_ char *base_dir = xasprintf("%s%s", cg->mountpoint, base),
                            *sup = xasprintf("%s/" UNIT_SUPERVISOR_CGROUP, base_dir);
        bool sup_created = mkdir(sup, 0755) == 0;
        if (!sup_created && errno != EEXIST)
                return berth_err(err, errno, "cgroup unit: create %s", sup);
        int r = move_self(sup, err);
        if (r < 0)
                goto undo;
        log_debug("cgroup unit: berth moved to %s", sup);

        struct cgroup fs = cgroup_fs_view(cg);
        r = fs.ops->create(&fs, spec, pid, err);
        if (r == -EBUSY && err && *err) {
                /* Controllers cannot be enabled while the unit's cgroup itself holds processes. */
                _cleanup_free_ char *procs = procs_of(base_dir);
                if (procs)
                        berth_err_prefix(err,
                                         "the unit's cgroup %s still holds processes (%s): berth must "
                                         "be the unit's main process (ExecStart=berth ..., or exec "
                                         "berth from a script)",
                                         base_dir, procs);
        }
        if (r >= 0)
                return 0;
undo:
        /* Back where systemd put us (possible while no controllers are enabled for the sub-cgroups). */
        if (move_self(base_dir, NULL) >= 0 && sup_created && rmdir(sup) < 0)
                log_debug("cgroup unit: rmdir %s: %s", sup, strerror(errno));
        return r;
}

static int unit_open_fd(struct cgroup *cg)
{
        struct cgroup fs = cgroup_fs_view(cg);
        return fs.ops->open_fd(&fs);
}

static int unit_enter(struct cgroup *cg, pid_t pid, berth_error **err)
{
        struct cgroup fs = cgroup_fs_view(cg);
        return fs.ops->enter(&fs, pid, err);
}

static int unit_destroy(struct cgroup *cg, berth_error **err)
{
        /* The container's cgroup only: the unit's cgroup and "supervisor" are systemd's to remove. */
        struct cgroup fs = cgroup_fs_view(cg);
        return fs.ops->destroy(&fs, err);
}

static int unit_freeze(struct cgroup *cg, bool frozen, berth_error **err)
{
        struct cgroup fs = cgroup_fs_view(cg);
        return fs.ops->freeze(&fs, frozen, err);
}

static int unit_is_frozen(struct cgroup *cg)
{
        /* cgroup.events says "frozen 1" too when systemd froze the whole unit (systemctl freeze). */
        struct cgroup fs = cgroup_fs_view(cg);
        return fs.ops->is_frozen(&fs);
}

static int unit_kill_all(struct cgroup *cg, int sig, berth_error **err)
{
        struct cgroup fs = cgroup_fs_view(cg);
        return fs.ops->kill_all(&fs, sig, err);
}

static int unit_pids(struct cgroup *cg, pid_t **ret, size_t *n, berth_error **err)
{
        struct cgroup fs = cgroup_fs_view(cg);
        return fs.ops->pids(&fs, ret, n, err);
}

static int unit_update(struct cgroup *cg, const struct spec_resources *r, berth_error **err)
{
        struct cgroup fs = cgroup_fs_view(cg);
        return fs.ops->update(&fs, r, err);
}

static int unit_init_new(struct cgroup *cg, const struct spec *spec, berth_error **err)
{
        _cleanup_free_ char *text = NULL, *own = NULL, *base = NULL;
        int r = read_file("/proc/self/cgroup", 0, &text, NULL);
        if (r < 0)
                return berth_err(err, -r, "cgroup unit: read /proc/self/cgroup");
        if ((r = cgroup_unit_parse_proc_cgroup(text, &own, err)) < 0 ||
            (r = cgroup_unit_split(own, &base, &cg->unit, err)) < 0 ||
            (r = cgroupfs_find_mountpoint(&cg->mountpoint, NULL, err)) < 0)
                return r;
        _cleanup_free_ char *dir = xasprintf("%s%s", cg->mountpoint, base);
        r = delegated(dir);
        if (r < 0)
                return berth_err(err, -r, "cgroup unit: read the delegation mark of %s (%s)", dir,
                                 delegate_xattrs[0]);
        if (r == 0)
                return berth_err_plain(err, EPERM,
                                       "cgroup unit: %s is not delegated (no %s or %s attribute on %s): "
                                       "--cgroup-manager=unit needs Delegate=yes in %s (told by that "
                                       "attribute, which systemd sets since version 251, or for a user "
                                       "other than root by the cgroup's owner)",
                                       cg->unit, delegate_xattrs[0], delegate_xattrs[1], dir, cg->unit);
        const char *cgroups_path = spec && spec->linux ? spec->linux->cgroups_path : NULL;
        if (cgroups_path && *cgroups_path)
                log_debug("cgroup unit: linux.cgroupsPath \"%s\" ignored: the container goes below %s",
                          cgroups_path, cg->unit);
        cg->path = xasprintf("%s/" UNIT_CONTAINER_CGROUP, STREQ(base, "/") ? "" : base);
        return 0;
}

static int unit_init_open(struct cgroup *cg, const char *path, const char *unit, berth_error **err)
{
        if (!path || path[0] != '/' || strstr(path, "/../") || !has_suffix(path, "/" UNIT_CONTAINER_CGROUP))
                return berth_err_plain(err, EINVAL, "cgroup: the state records no valid cgroup path (\"%s\")",
                                       path ? path : "");
        if (!unit || !unit_suffix(unit) || strchr(unit, '/'))
                return berth_err_plain(err, EINVAL, "cgroup: the state records no valid unit (\"%s\")",
                                       unit ? unit : "");
        cg->path = xstrdup(path);
        cg->unit = xstrdup(unit);
        return cgroupfs_find_mountpoint(&cg->mountpoint, NULL, err);
}

static const struct cgroup_ops unit_ops = {
    .name = "unit",
    .create = unit_create,
    .open_fd = unit_open_fd,
    .enter = unit_enter,
    .destroy = unit_destroy,
    .freeze = unit_freeze,
    .is_frozen = unit_is_frozen,
    .kill_all = unit_kill_all,
    .pids = unit_pids,
    .update = unit_update,
};

const struct cgroup_manager_impl cgroup_manager_unit = {
    .ops = &unit_ops,
    .init_new = unit_init_new,
    .init_open = unit_init_open,
};
