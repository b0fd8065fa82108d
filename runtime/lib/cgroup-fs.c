/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroupfs manager: cgroup v2 interface files written directly.
 *
 * Layouts: unified (/sys/fs/cgroup is cgroup2) and hybrid (cgroup2 at /sys/fs/cgroup/unified, controllers on
 * cgroup v1: processes are tracked, limits cannot be enforced and asking for them fails). Pure cgroup v1 is
 * not supported.
 *
 * Ancestor directories berth creates carry the xattr user.berth.created (cgroup2 takes user.* xattrs from
 * the directory's owner since Linux 5.7; trusted.berth.created before that), so a later `delete` (another
 * process) removes them once empty, and leaves alone the ones it did not create.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <time.h>

#include "cgroup-internal.h"
#include "fs-util.h"
#include "log.h"

#define CGROUP_FS_ROOT        "/sys/fs/cgroup"
#define CGROUP_FS_HYBRID_ROOT "/sys/fs/cgroup/unified"
#define CREATED_XATTR         "user.berth.created"
#define CREATED_XATTR_OLD     "trusted.berth.created"
#define RMDIR_TIMEOUT_MS      1000
#define FREEZE_TIMEOUT_MS     2000

static bool is_cgroup2(const char *path)
{
        struct statfs st;
        return statfs(path, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

int cgroupfs_find_mountpoint(char **ret, bool *ret_hybrid, berth_error **err)
{
        struct statfs st;
        if (statfs(CGROUP_FS_ROOT, &st) < 0)
                return berth_err(err, errno,
                                 "cgroup: no cgroup filesystem at %s (use --cgroup-manager=disabled)",
                                 CGROUP_FS_ROOT);
        bool hybrid = false;
        const char *mp = CGROUP_FS_ROOT;
        if (st.f_type != CGROUP2_SUPER_MAGIC) {
                if (!is_cgroup2(CGROUP_FS_HYBRID_ROOT))
                        return berth_err_plain(err, EOPNOTSUPP,
                                               "cgroup: %s is cgroup v1: cgroup v1 is not supported; use "
                                               "--cgroup-manager=disabled",
                                               CGROUP_FS_ROOT);
                hybrid = true;
                mp = CGROUP_FS_HYBRID_ROOT;
        }
        *ret = xstrdup(mp);
        if (ret_hybrid)
                *ret_hybrid = hybrid;
        return 0;
}

static char *cg_dir(const struct cgroup *cg)
{
        return xasprintf("%s%s", cg->mountpoint, cg->path);
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- controllers ---- */

/* The whitespace-separated words of a cgroup file (cgroup.controllers, cgroup.subtree_control). */
static int read_words(const char *dir, const char *file, char ***ret)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, file), *buf = NULL;
        int r = read_file(path, 0, &buf, NULL);
        if (r < 0)
                return r;
        char **v = xmalloc0(sizeof(char *));
        for (char *save = NULL, *w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
                v = strv_append(v, w);
        *ret = v;
        return 0;
}

/* Why a v2 controller is missing here, from /proc/cgroups (which names io "blkio"). */
static char *missing_reason(const char *controller, const char *ancestor, bool hybrid)
{
        const char *v1name = STREQ(controller, "io") ? "blkio" : controller;
        _cleanup_free_ char *buf = NULL;
        if (read_file("/proc/cgroups", 0, &buf, NULL) >= 0) {
                for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
                     line = strtok_r(NULL, "\n", &save)) {
                        char name[64];
                        unsigned hierarchy, count, enabled;
                        if (line[0] == '#' ||
                            sscanf(line, "%63s %u %u %u", name, &hierarchy, &count, &enabled) != 4 ||
                            !STREQ(name, v1name))
                                continue;
                        if (!enabled)
                                return xstrdup("disabled on the kernel command line");
                        if (hierarchy != 0)
                                return xstrdup(hybrid ? "controllers bound to cgroup v1: hybrid host"
                                                      : "the controller is bound to a cgroup v1 hierarchy");
                        return xasprintf("not delegated: missing from %s/cgroup.controllers", ancestor);
                }
                return xstrdup("this kernel does not provide it");
        }
        return xasprintf("missing from %s/cgroup.controllers", ancestor);
}

/* The controllers the writes need, each once. */
static char **needed_controllers(const struct cgroup_write *w, size_t n)
{
        char **v = xmalloc0(sizeof(char *));
        for (size_t i = 0; i < n; i++)
                if (w[i].controller && !strv_contains(v, w[i].controller))
                        v = strv_append(v, w[i].controller);
        return v;
}

/* The deepest existing ancestor of the cgroup (the mountpoint at worst), as a host path. */
static char *deepest_existing_ancestor(const struct cgroup *cg)
{
        _cleanup_free_ char *best = xstrdup(cg->mountpoint);
        for (const char *p = cg->path + 1; *p;) {
                const char *slash = strchr(p, '/');
                if (!slash)
                        break; /* the cgroup itself is not an ancestor */
                _cleanup_free_ char *dir =
                    xasprintf("%s%.*s", cg->mountpoint, (int)(slash - cg->path), cg->path);
                struct stat st;
                if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                        break;
                free(best);
                best = TAKE_PTR(dir);
                p = slash + 1;
        }
        return TAKE_PTR(best);
}

/* Fails, before anything is written, when a controller a resource needs cannot be had below the parent. */
static int check_controllers(const struct cgroup *cg, const struct cgroup_write *w, size_t n,
                             berth_error **err)
{
        _cleanup_strv_free_ char **needed = needed_controllers(w, n);
        if (!needed[0])
                return 0;
        _cleanup_free_ char *anc = deepest_existing_ancestor(cg);
        _cleanup_strv_free_ char **avail = NULL;
        int r = read_words(anc, "cgroup.controllers", &avail);
        if (r < 0)
                return berth_err(err, -r, "cgroup: read %s/cgroup.controllers", anc);
        bool hybrid = STREQ(cg->mountpoint, CGROUP_FS_HYBRID_ROOT);
        for (size_t i = 0; i < n; i++) {
                if (!w[i].controller || strv_contains(avail, w[i].controller))
                        continue;
                _cleanup_free_ char *why = missing_reason(w[i].controller, anc, hybrid);
                return berth_err_plain(err, EOPNOTSUPP,
                                       "%s: the %s controller is not available in cgroup v2 here (%s)",
                                       w[i].what, w[i].controller, why);
        }
        return 0;
}

/* Enables the needed controllers in every ancestor's cgroup.subtree_control, top-down. */
static int enable_controllers(const struct cgroup *cg, const struct cgroup_write *w, size_t n,
                              berth_error **err)
{
        _cleanup_strv_free_ char **needed = needed_controllers(w, n);
        if (!needed[0])
                return 0;
        const char *end = strrchr(cg->path, '/'); /* the parent's end */
        for (const char *p = cg->path;;) {
                _cleanup_free_ char *dir = xasprintf("%s%.*s", cg->mountpoint, (int)(p - cg->path), cg->path);
                _cleanup_strv_free_ char **on = NULL;
                int r = read_words(dir, "cgroup.subtree_control", &on);
                if (r < 0)
                        return berth_err(err, -r, "cgroup: read %s/cgroup.subtree_control", dir);
                for (char **c = needed; *c; c++) {
                        if (strv_contains(on, *c))
                                continue;
                        _cleanup_free_ char *file = xasprintf("%s/cgroup.subtree_control", dir),
                                            *val = xasprintf("+%s", *c);
                        r = write_file(file, val);
                        if (r < 0)
                                return berth_err(err, -r,
                                                 "cgroup: enable the %s controller: write \"%s\" to %s", *c,
                                                 val, file);
                }
                if (p >= end)
                        break;
                p = strchr(p + 1, '/');
                if (!p || p > end)
                        p = end;
        }
        return 0;
}

/* ---- writes ---- */

static int apply_writes(const char *dir, int dfd, const struct cgroup_write *w, size_t n, berth_error **err)
{
        for (size_t i = 0; i < n; i++) {
                const char *file = w[i].file, *value = w[i].value;
                if (w[i].alt_file && faccessat(dfd, w[i].alt_file, F_OK, 0) == 0) {
                        file = w[i].alt_file;
                        value = w[i].alt_value;
                }
                int r = write_file_at(dfd, file, value);
                if (r == -ENOENT)
                        return berth_err_plain(
                            err, ENOENT,
                            "%s: write \"%s\" to %s/%s: the file does not exist (not provided by "
                            "this kernel, or its controller is not enabled)",
                            w[i].what, value, dir, file);
                if (r < 0)
                        return berth_err(err, -r, "%s: write \"%s\" to %s/%s", w[i].what, value, dir, file);
                log_debug("cgroup: %s/%s = %s", dir, file, value);
        }
        return 0;
}

static int open_dir(const char *dir, int *ret, berth_error **err)
{
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cgroup: open %s", dir);
        *ret = fd;
        return 0;
}

/* Controllers, resource files and the device filter: for create and update. */
static int apply_resources(struct cgroup *cg, const struct spec_resources *res, bool check, berth_error **err)
{
        struct cgroup_write *w = NULL;
        size_t n = 0;
        int r = cgroup_resources_to_writes(res, &w, &n, err);
        if (r < 0)
                return r;
        if (check)
                r = check_controllers(cg, w, n, err);
        if (r >= 0)
                r = enable_controllers(cg, w, n, err);
        _cleanup_free_ char *dir = cg_dir(cg);
        _cleanup_close_ int dfd = -1;
        if (r >= 0)
                r = open_dir(dir, &dfd, err);
        if (r >= 0)
                r = apply_writes(dir, dfd, w, n, err);
        cgroup_writes_free(w, n);
        if (r >= 0 && res && res->n_devices > 0)
                r = cgroup_devices_apply(dfd, dir, res->devices, res->n_devices, err);
        return r;
}

/* ---- create / destroy ---- */

static int rmdir_retry(const char *dir, int64_t deadline)
{
        /* EBUSY lasts only until the kernel releases the last exiting task: back off from 0.5 ms. */
        useconds_t delay = 500;
        for (;;) {
                if (rmdir(dir) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY || now_ms() >= deadline)
                        return -errno;
                usleep(delay);
                delay = MIN(delay * 2, (useconds_t)20000);
        }
}

/* Removes dir and the cgroups below it, depth first. */
static int rmdir_tree(const char *dir, int64_t deadline)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        int ret = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
                int r = rmdir_tree(sub, deadline);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        int r = rmdir_retry(dir, deadline);
        return ret < 0 ? ret : r;
}

/* Removes the now empty ancestors berth created, bottom-up, stopping at the first it cannot. */
static void remove_created_ancestors(const struct cgroup *cg)
{
        _cleanup_free_ char *path = xstrdup(cg->path);
        for (char *slash = strrchr(path, '/'); slash && slash != path; slash = strrchr(path, '/')) {
                *slash = 0;
                _cleanup_free_ char *dir = xasprintf("%s%s", cg->mountpoint, path);
                char mark[2];
                if (getxattr(dir, CREATED_XATTR, mark, sizeof(mark)) < 0 &&
                    getxattr(dir, CREATED_XATTR_OLD, mark, sizeof(mark)) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return; /* not ours (ENODATA), or unreadable */
                }
                if (rmdir(dir) < 0 && errno != ENOENT) {
                        if (errno != EBUSY && errno != ENOTEMPTY)
                                log_debug("cgroup: rmdir %s: %s", dir, strerror(errno));
                        return;
                }
        }
}

/* mkdir each component. *ret_first is the shallowest directory created (index into path), -1 if none;
 * *ret_leaf_created tells whether the cgroup itself was created. */
static int make_dirs(const struct cgroup *cg, ssize_t *ret_first, bool *ret_leaf_created, berth_error **err)
{
        _cleanup_free_ char *full = cg_dir(cg);
        size_t base = strlen(cg->mountpoint);
        ssize_t first = -1;
        bool leaf = false;
        for (char *p = full + base + 1;; p++) {
                char *slash = strchr(p, '/');
                if (slash)
                        *slash = 0;
                int r = mkdir(full, 0755) < 0 ? -errno : 0;
                if (r == 0) {
                        if (first < 0)
                                first = (ssize_t)(strlen(full) - base);
                        if (slash && setxattr(full, CREATED_XATTR, "1", 1, 0) < 0 &&
                            setxattr(full, CREATED_XATTR_OLD, "1", 1, 0) < 0)
                                log_debug("cgroup: mark %s as created by berth: %s", full, strerror(errno));
                        leaf = !slash;
                } else if (r != -EEXIST) {
                        *ret_first = first;
                        *ret_leaf_created = false;
                        return berth_err(err, -r, "cgroup: create %s", full);
                }
                if (!slash)
                        break;
                *slash = '/';
                p = slash;
        }
        *ret_first = first;
        *ret_leaf_created = leaf;
        return 0;
}

/* Undo make_dirs after a failure: the cgroup and the ancestors created for it. */
static void undo_dirs(const struct cgroup *cg, ssize_t first, bool leaf_created)
{
        _cleanup_free_ char *full = cg_dir(cg);
        if (leaf_created)
                (void)rmdir_tree(full, now_ms() + RMDIR_TIMEOUT_MS);
        if (first < 0)
                return;
        size_t base = strlen(cg->mountpoint);
        for (char *slash = strrchr(full, '/'); slash && (size_t)(slash - full) > base;
             slash = strrchr(full, '/')) {
                *slash = 0;
                if ((ssize_t)(strlen(full) - base) < first)
                        break;
                if (rmdir(full) < 0 && errno != ENOENT)
                        break;
        }
}

static int has_processes(const char *dir)
{
        _cleanup_free_ char *path = xasprintf("%s/cgroup.procs", dir), *buf = NULL;
        int r = read_file(path, 0, &buf, NULL);
        if (r < 0)
                return r;
        return buf[strspn(buf, " \n")] != 0;
}

static int move_pid(const char *dir, pid_t pid, berth_error **err)
{
        _cleanup_free_ char *file = xasprintf("%s/cgroup.procs", dir), *val = xasprintf("%d", (int)pid);
        int r = write_file(file, val);
        if (r < 0)
                return berth_err(err, -r, "cgroup: move process %d into the cgroup: write \"%s\" to %s",
                                 (int)pid, val, file);
        return 0;
}

static int fs_create(struct cgroup *cg, const struct spec *spec, pid_t pid, berth_error **err)
{
        const struct spec_resources *res = spec && spec->linux ? &spec->linux->resources : NULL;

        /* Everything that can be known before touching the filesystem. */
        struct cgroup_write *w = NULL;
        size_t n = 0;
        int r = cgroup_resources_to_writes(res, &w, &n, err);
        if (r >= 0)
                r = check_controllers(cg, w, n, err);
        cgroup_writes_free(w, n);
        if (r < 0)
                return r;

        ssize_t first = -1;
        bool leaf_created = false;
        /* Another container's delete may remove a shared ancestor between our mkdirs: try again. */
        for (int attempt = 0;; attempt++) {
                r = make_dirs(cg, &first, &leaf_created, attempt < 2 ? NULL : err);
                if (r != -ENOENT || attempt >= 2)
                        break;
        }
        if (r < 0) {
                undo_dirs(cg, first, leaf_created);
                return r;
        }
        _cleanup_free_ char *dir = cg_dir(cg);
        if (!leaf_created && has_processes(dir) > 0) {
                undo_dirs(cg, first, false);
                return berth_err_plain(err, EBUSY, "cgroup: %s already exists and has processes in it", dir);
        }

        /* Limits are in place before the process joins, and a failure leaves it where it was. */
        r = apply_resources(cg, res, false, err);
        if (r >= 0 && pid > 0)
                r = move_pid(dir, pid, err);
        if (r < 0) {
                undo_dirs(cg, first, leaf_created);
                return r;
        }
        return 0;
}

static int fs_open_fd(struct cgroup *cg)
{
        _cleanup_free_ char *dir = cg_dir(cg);
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int fs_enter(struct cgroup *cg, pid_t pid, berth_error **err)
{
        _cleanup_free_ char *dir = cg_dir(cg);
        return move_pid(dir, pid, err);
}

static int fs_destroy(struct cgroup *cg, berth_error **err)
{
        _cleanup_free_ char *dir = cg_dir(cg);
        int r = rmdir_tree(dir, now_ms() + RMDIR_TIMEOUT_MS);
        if (r < 0)
                return berth_err(err, -r, "cgroup: remove %s", dir);
        remove_created_ancestors(cg);
        return 0;
}

/* ---- freezer, signals, processes ---- */

/* "frozen N" from cgroup.events (-ENOENT without the v2 freezer). */
static int events_frozen(int fd)
{
        char buf[512];
        ssize_t len = pread(fd, buf, sizeof(buf) - 1, 0);
        if (len < 0)
                return -errno;
        buf[len] = 0;
        for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                int v;
                if (sscanf(line, "frozen %d", &v) == 1)
                        return v != 0;
        }
        return -ENOENT;
}

static int fs_is_frozen(struct cgroup *cg)
{
        _cleanup_free_ char *dir = cg_dir(cg), *events = xasprintf("%s/cgroup.events", dir);
        _cleanup_close_ int fd = open(events, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                int r = events_frozen(fd);
                if (r != -ENOENT)
                        return r;
        } else if (errno != ENOENT)
                return -errno;
        _cleanup_free_ char *file = xasprintf("%s/cgroup.freeze", dir), *buf = NULL;
        int r = read_file(file, 0, &buf, NULL);
        if (r < 0)
                return r;
        return buf[0] == '1';
}

static int fs_freeze(struct cgroup *cg, bool frozen, berth_error **err)
{
        _cleanup_free_ char *dir = cg_dir(cg), *file = xasprintf("%s/cgroup.freeze", dir),
                            *events = xasprintf("%s/cgroup.events", dir);
        const char *val = frozen ? "1" : "0";
        int r = write_file(file, val);
        if (r == -ENOENT && access(dir, F_OK) == 0)
                return berth_err_plain(
                    err, EOPNOTSUPP, "cgroup: %s has no cgroup.freeze: the cgroup v2 freezer needs Linux 5.2",
                    dir);
        if (r < 0)
                return berth_err(err, -r, "cgroup: %s: write \"%s\" to %s", frozen ? "freeze" : "thaw", val,
                                 file);

        _cleanup_close_ int fd = open(events, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cgroup: open %s", events);
        int64_t deadline = now_ms() + FREEZE_TIMEOUT_MS;
        for (;;) {
                r = events_frozen(fd);
                if (r < 0)
                        return berth_err(err, -r, "cgroup: read the \"frozen\" state from %s", events);
                if (r == (int)frozen)
                        return 0;
                int64_t left = deadline - now_ms();
                if (left <= 0)
                        return berth_err_plain(
                            err, ETIMEDOUT, "cgroup: %s: %s still says \"frozen %d\" after %d ms",
                            frozen ? "freeze" : "thaw", events, !frozen, FREEZE_TIMEOUT_MS);
                /* kernfs signals changes of cgroup.events with POLLPRI; poll in short slices anyway. */
                struct pollfd pfd = {.fd = fd, .events = POLLPRI};
                if (poll(&pfd, 1, (int)MIN(left, (int64_t)100)) < 0 && errno != EINTR)
                        return berth_err(err, errno, "cgroup: poll %s", events);
        }
}

static int collect_pids(const char *dir, pid_t **pids, size_t *n)
{
        _cleanup_free_ char *file = xasprintf("%s/cgroup.procs", dir), *buf = NULL;
        int r = read_file(file, 0, &buf, NULL);
        if (r == -ENOENT || r == -ENODEV)
                return 0; /* removed meanwhile */
        if (r < 0)
                return r;
        for (char *save = NULL, *tok = strtok_r(buf, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
                *pids = xrealloc(*pids, (*n + 1) * sizeof(pid_t));
                (*pids)[(*n)++] = (pid_t)strtol(tok, NULL, 10);
        }
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
                r = collect_pids(sub, pids, n);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int fs_pids(struct cgroup *cg, pid_t **ret, size_t *ret_n, berth_error **err)
{
        _cleanup_free_ char *dir = cg_dir(cg);
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        if (access(dir, F_OK) < 0)
                return berth_err(err, errno, "cgroup: %s", dir);
        int r = collect_pids(dir, &pids, &n);
        if (r < 0)
                return berth_err(err, -r, "cgroup: list the processes of %s", dir);
        *ret = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}

static int fs_kill_all(struct cgroup *cg, int sig, berth_error **err)
{
        _cleanup_free_ char *dir = cg_dir(cg);
        if (sig == SIGKILL) {
                _cleanup_free_ char *kill_file = xasprintf("%s/cgroup.kill", dir);
                int r = write_file(kill_file, "1");
                if (r >= 0)
                        return 0;
                if (r != -ENOENT)
                        return berth_err(err, -r, "cgroup: write \"1\" to %s", kill_file);
        }
        /* Without cgroup.kill (before Linux 5.14), or for another signal: freeze so nothing forks away
         * meanwhile, signal every process, thaw, unless the container was paused already. */
        int was_frozen = fs_is_frozen(cg);
        bool froze = false;
        if (was_frozen == 0) {
                _cleanup_error_ berth_error *ferr = NULL;
                if (fs_freeze(cg, true, &ferr) >= 0)
                        froze = true;
                else
                        log_debug("%s (signalling without freezing)", ferr->msg);
        }
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = fs_pids(cg, &pids, &n, err);
        for (size_t i = 0; r >= 0 && i < n; i++)
                if (kill(pids[i], sig) < 0 && errno != ESRCH)
                        r = berth_err(err, errno, "cgroup: send signal %d to process %d of %s", sig,
                                      (int)pids[i], dir);
        if (froze) {
                _cleanup_error_ berth_error *terr = NULL;
                int k = fs_freeze(cg, false, r < 0 ? &terr : err);
                if (k < 0 && r >= 0)
                        r = k;
        }
        return r < 0 ? r : 0;
}

static int fs_update(struct cgroup *cg, const struct spec_resources *r, berth_error **err)
{
        _cleanup_free_ char *dir = cg_dir(cg);
        if (access(dir, F_OK) < 0)
                return berth_err(err, errno, "cgroup: %s", dir);
        return apply_resources(cg, r, true, err);
}

/* ---- construction ---- */

static int fs_init_new(struct cgroup *cg, const struct spec *spec, berth_error **err)
{
        const char *cgroups_path = spec && spec->linux ? spec->linux->cgroups_path : NULL;
        int r = cgroupfs_resolve_path(cgroups_path, cg->id, &cg->path, err);
        if (r < 0)
                return r;
        return cgroupfs_find_mountpoint(&cg->mountpoint, NULL, err);
}

static int fs_init_open(struct cgroup *cg, const char *path, const char *unit, berth_error **err)
{
        if (!path || path[0] != '/')
                return berth_err_plain(err, EINVAL, "cgroup: the state records no valid cgroup path (\"%s\")",
                                       path ? path : "");
        int r = cgroupfs_resolve_path(path, cg->id, &cg->path, err);
        if (r < 0)
                return r;
        return cgroupfs_find_mountpoint(&cg->mountpoint, NULL, err);
}

static const struct cgroup_ops fs_ops = {
    .name = "cgroupfs",
    .create = fs_create,
    .open_fd = fs_open_fd,
    .enter = fs_enter,
    .destroy = fs_destroy,
    .freeze = fs_freeze,
    .is_frozen = fs_is_frozen,
    .kill_all = fs_kill_all,
    .pids = fs_pids,
    .update = fs_update,
};

const struct cgroup_manager_impl cgroup_manager_cgroupfs = {
    .ops = &fs_ops,
    .init_new = fs_init_new,
    .init_open = fs_init_open,
};
