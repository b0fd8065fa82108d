/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "unit" cgroup manager (cgroup-unit.c): the pure parts (the cgroup v2 line of /proc/self/cgroup, the
 * unit's cgroup and name from berth's own cgroup), the state checks of cgroup_open(), then a real run in a
 * stand-in for a delegated unit: a cgroup "<test>/t.service" this test creates under the v2 mount and marks
 * with systemd's delegation xattr, a child process inside it playing berth. Skipped, with a note, where
 * cgroup v2 is not writable.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "cgroup-internal.h"
#include "fs-util.h"
#include "unit.h"

static char *parse(const char *text, int *rc, char **msg)
{
        char *out = NULL;
        berth_error *err = NULL;
        *rc = cgroup_unit_parse_proc_cgroup(text, &out, &err);
        *msg = err ? xstrdup(err->msg) : NULL;
        berth_error_free(err);
        return out;
}

TEST(test_parse_proc_cgroup)
{
        int rc;
        char *msg, *s;
        /* pure cgroup v2 */
        s = parse("0::/system.slice/system-berth.slice/berth@web.service\n", &rc, &msg);
        CHECK_INTEQ(rc, 0);
        CHECK_STREQ(s, "/system.slice/system-berth.slice/berth@web.service");
        free(s);
        /* hybrid: v1 lines first, "10:..." is not the v2 line; no final newline */
        s = parse("10:pids:/system.slice/x.service\n1:name=systemd:/\n0::/system.slice/x.service/supervisor",
                  &rc, &msg);
        CHECK_INTEQ(rc, 0);
        CHECK_STREQ(s, "/system.slice/x.service/supervisor");
        free(s);
        s = parse("0::/\n", &rc, &msg);
        CHECK_STREQ(s, "/");
        free(s);
        /* no v2 line: cgroup v1 only */
        s = parse("4:memory:/x\n1:name=systemd:/x\n", &rc, &msg);
        CHECK(s == NULL);
        CHECK_INTEQ(rc, -EOPNOTSUPP);
        CHECK_CONTAINS(msg, "/proc/self/cgroup has no cgroup v2 line");
        free(msg);
        s = parse("", &rc, &msg);
        CHECK_INTEQ(rc, -EOPNOTSUPP);
        free(msg);
        s = parse("0::\n", &rc, &msg);
        CHECK_INTEQ(rc, -EINVAL);
        CHECK_CONTAINS(msg, "invalid cgroup v2 line \"0::\"");
        free(msg);
        s = parse("0::relative\n", &rc, &msg);
        CHECK_INTEQ(rc, -EINVAL);
        free(msg);
}

static int split(const char *own, char **base, char **unit, char **msg)
{
        berth_error *err = NULL;
        *base = *unit = NULL;
        int rc = cgroup_unit_split(own, base, unit, &err);
        *msg = err ? xstrdup(err->msg) : NULL;
        berth_error_free(err);
        return rc;
}

TEST(test_split)
{
        char *base, *unit, *msg;
        CHECK_INTEQ(split("/system.slice/system-berth.slice/berth@web.service", &base, &unit, &msg), 0);
        CHECK_STREQ(base, "/system.slice/system-berth.slice/berth@web.service");
        CHECK_STREQ(unit, "berth@web.service");
        free(base), free(unit);
        /* berth already moved itself */
        CHECK_INTEQ(
            split("/system.slice/system-berth.slice/berth@web.service/supervisor", &base, &unit, &msg), 0);
        CHECK_STREQ(base, "/system.slice/system-berth.slice/berth@web.service");
        CHECK_STREQ(unit, "berth@web.service");
        free(base), free(unit);
        /* a delegated scope; a trailing slash */
        CHECK_INTEQ(split("/user.slice/user-0.slice/session-3.scope/", &base, &unit, &msg), 0);
        CHECK_STREQ(base, "/user.slice/user-0.slice/session-3.scope");
        CHECK_STREQ(unit, "session-3.scope");
        free(base), free(unit);
        /* a control process (ExecStop= ...) */
        CHECK_INTEQ(split("/system.slice/berth@web.service/.control", &base, &unit, &msg), -EOPNOTSUPP);
        CHECK(base == NULL && unit == NULL);
        CHECK_CONTAINS(msg, "berth runs as a control process");
        CHECK_CONTAINS(msg, "in /system.slice/berth@web.service:");
        free(msg);
        /* not a unit's cgroup */
        const char *bad[] = {
            "/", "/berth/c1", "/system.slice", "/supervisor", "/x.service/container", "/a/.service"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                CHECK_INTEQ(split(bad[i], &base, &unit, &msg), -EOPNOTSUPP);
                CHECK_CONTAINS(msg, "is not the cgroup of a service or scope unit");
                CHECK_CONTAINS(msg, "Delegate=yes");
                free(msg);
        }
        /* invalid paths */
        const char *invalid[] = {"", "system.slice/x.service", "/a/../x.service", "/a/./x.service"};
        for (size_t i = 0; i < ELEMENTSOF(invalid); i++) {
                CHECK_INTEQ(split(invalid[i], &base, &unit, &msg), -EINVAL);
                CHECK_CONTAINS(msg, "invalid cgroup path");
                free(msg);
        }
        CHECK_INTEQ(split(NULL, &base, &unit, &msg), -EINVAL);
        free(msg);
}

TEST(test_names_and_open)
{
        CHECK_INTEQ(cgroup_manager_from_string("unit"), CGROUP_MANAGER_UNIT);
        CHECK_STREQ(cgroup_manager_to_string(CGROUP_MANAGER_UNIT), "unit");

        struct cgroup *cg = NULL;
        berth_error *err = NULL;
        /* what a state written by the unit manager records */
        int rc = cgroup_open(CGROUP_MANAGER_UNIT, "web", "/system.slice/berth@web.service/container",
                             "berth@web.service", &cg, &err);
        if (rc == 0) {
                CHECK_STREQ(cg->path, "/system.slice/berth@web.service/container");
                CHECK_STREQ(cg->unit, "berth@web.service");
                CHECK_STREQ(cg->ops->name, "unit");
        } else
                CHECK_CONTAINS(err ? err->msg : NULL, "cgroup"); /* no cgroup v2 mount here */
        cgroup_free(cg);
        berth_error_freep(&err);
        cg = NULL;
        CHECK_INTEQ(cgroup_open(CGROUP_MANAGER_UNIT, "web", "/system.slice/berth@web.service",
                                "berth@web.service", &cg, &err),
                    -EINVAL);
        CHECK_CONTAINS(err ? err->msg : NULL, "no valid cgroup path");
        berth_error_freep(&err);
        CHECK_INTEQ(cgroup_open(CGROUP_MANAGER_UNIT, "web", "/a/../container", "x.service", &cg, &err),
                    -EINVAL);
        berth_error_freep(&err);
        CHECK_INTEQ(cgroup_open(CGROUP_MANAGER_UNIT, "web", "/x.service/container", "x.slice", &cg, &err),
                    -EINVAL);
        CHECK_CONTAINS(err ? err->msg : NULL, "no valid unit (\"x.slice\")");
        berth_error_freep(&err);
        CHECK(cg == NULL);
}

/* ---- a real run in a stand-in for a delegated unit ---- */

static char *v2_mount(void)
{
        char *mp = NULL;
        if (cgroupfs_find_mountpoint(&mp, NULL, NULL) < 0)
                return NULL;
        _cleanup_free_ char *probe = xasprintf("%s/berth-test-unit-probe-%d", mp, (int)getpid());
        if (mkdir(probe, 0755) < 0) {
                free(mp);
                return NULL;
        }
        rmdir(probe);
        return mp;
}

static bool has_line(const char *file, pid_t pid)
{
        _cleanup_free_ char *buf = NULL, *want = xasprintf("%d", (int)pid);
        if (read_file(file, 0, &buf, NULL) < 0)
                return false;
        for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                if (STREQ(l, want))
                        return true;
        return false;
}

enum mode {
        MODE_XATTR, /* systemd's delegation xattr on the unit's cgroup */
        MODE_NONE,  /* no mark at all */
        MODE_OWNER, /* no xattr, the cgroup chowned to the (unprivileged) user berth runs as */
};

#define NOBODY 65534

/* In a child moved into <top>/t.service: what berth does under the unit manager. Exit status = failed checks
 * (capped), 100 + n for a setup failure. */
static int child_run(const char *mp, const char *unit_dir, enum mode mode)
{
        _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", unit_dir),
                            *me = xasprintf("%d", (int)getpid());
        if (write_file(procs, me) < 0)
                return 101;
        if (mode == MODE_OWNER &&
            (setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0))
                return 103;
        struct cgroup *cg = NULL;
        berth_error *err = NULL;
        int rc = cgroup_new(CGROUP_MANAGER_UNIT, "c1", NULL, &cg, &err);
        if (mode == MODE_OWNER) {
                CHECK_INTEQ(rc, 0);
                CHECK_STREQ(cg ? cg->unit : NULL, "t.service");
                if (err)
                        fprintf(stderr, "# %s\n", err->msg);
                berth_error_free(err);
                cgroup_free(cg);
                return unit_failed_checks;
        }
        if (mode == MODE_NONE) {
                CHECK_INTEQ(rc, -EPERM);
                CHECK_CONTAINS(err ? err->msg : NULL,
                               "cgroup unit: t.service is not delegated (no trusted.delegate");
                CHECK_CONTAINS(err ? err->msg : NULL, "Delegate=yes in t.service");
                berth_error_free(err);
                return unit_failed_checks;
        }
        CHECK_INTEQ(rc, 0);
        if (rc < 0) {
                fprintf(stderr, "# %s\n", err ? err->msg : "?");
                return 102;
        }
        CHECK_STREQ(cg->unit, "t.service");
        _cleanup_free_ char *want = xasprintf("%s/container", unit_dir + strlen(mp));
        CHECK_STREQ(cg->path, want);

        /* a process to play the container's init, in its cgroup via open_fd as container.c does */
        CHECK_INTEQ(cg->ops->create(cg, NULL, 0, &err), 0);
        _cleanup_free_ char *sup = xasprintf("%s/supervisor/cgroup.procs", unit_dir),
                            *ctr = xasprintf("%s/container/cgroup.procs", unit_dir),
                            *ctr_dir = xasprintf("%s/container", unit_dir);
        CHECK(has_line(sup, getpid()));
        _cleanup_free_ char *left = NULL;
        CHECK(read_file(procs, 0, &left, NULL) == 0 && left[0] == 0); /* the unit's cgroup itself is empty */
        int fd = cg->ops->open_fd(cg);
        CHECK(fd >= 0);
        close(fd);
        pid_t init = fork();
        if (init == 0) {
                pause();
                _exit(0);
        }
        CHECK_INTEQ(cg->ops->enter(cg, init, &err), 0);
        CHECK(has_line(ctr, init));
        pid_t *pids = NULL;
        size_t n = 0;
        CHECK_INTEQ(cg->ops->pids(cg, &pids, &n, &err), 0);
        CHECK(n == 1 && pids && pids[0] == init);
        free(pids);
        CHECK_INTEQ(cg->ops->is_frozen(cg), 0);
        CHECK_INTEQ(cg->ops->kill_all(cg, SIGKILL, &err), 0);
        waitpid(init, NULL, 0);
        /* destroy removes the container's cgroup only */
        CHECK_INTEQ(cg->ops->destroy(cg, &err), 0);
        CHECK(access(ctr_dir, F_OK) < 0);
        CHECK(access(sup, F_OK) == 0);
        if (err)
                fprintf(stderr, "# %s\n", err->msg);
        berth_error_free(err);
        cgroup_free(cg);
        return unit_failed_checks;
}

static void real_run(enum mode mode)
{
        _cleanup_free_ char *mp = v2_mount();
        if (!mp) {
                printf("# skipped: cgroup v2 is not writable here\n");
                return;
        }
        _cleanup_free_ char *top = xasprintf("%s/berth-test-unit-%d", mp, (int)getpid()),
                            *unit_dir = xasprintf("%s/t.service", top);
        CHECK(mkdir(top, 0755) == 0);
        CHECK(mkdir(unit_dir, 0755) == 0);
        if (mode == MODE_XATTR && setxattr(unit_dir, "trusted.delegate", "1", 1, 0) < 0 &&
            setxattr(unit_dir, "user.delegate", "1", 1, 0) < 0) {
                printf("# skipped: cannot set the delegation xattr on %s: %s\n", unit_dir, strerror(errno));
                rmdir(unit_dir);
                rmdir(top);
                return;
        }
        if (mode == MODE_OWNER) {
                /* what systemd chowns for a unit with User= and Delegate=yes */
                static const char *const files[] = {"", "/cgroup.procs", "/cgroup.subtree_control"};
                for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                        _cleanup_free_ char *f = xasprintf("%s%s", unit_dir, files[i]);
                        CHECK(chown(f, NOBODY, NOBODY) == 0);
                }
        }
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0)
                _exit(MIN(child_run(mp, unit_dir, mode), 255));
        int ws = 0;
        waitpid(pid, &ws, 0);
        CHECK(WIFEXITED(ws));
        if (WIFEXITED(ws) && WEXITSTATUS(ws) != 0) {
                fprintf(stderr, "# child: %d failed checks (100+: setup)\n", WEXITSTATUS(ws));
                unit_failed_checks++;
        }
        _cleanup_free_ char *sup = xasprintf("%s/supervisor", unit_dir),
                            *ctr = xasprintf("%s/container", unit_dir);
        rmdir(ctr);
        rmdir(sup);
        CHECK(rmdir(unit_dir) == 0);
        CHECK(rmdir(top) == 0);
}

TEST(test_real_delegated)
{
        real_run(MODE_XATTR);
}

TEST(test_real_not_delegated)
{
        /* as root: owning the cgroup proves nothing */
        real_run(MODE_NONE);
}

TEST(test_real_delegated_by_owner)
{
        real_run(MODE_OWNER);
}

UNIT_MAIN(UNIT_CASE(test_parse_proc_cgroup), UNIT_CASE(test_split), UNIT_CASE(test_names_and_open),
          UNIT_CASE(test_real_delegated), UNIT_CASE(test_real_not_delegated),
          UNIT_CASE(test_real_delegated_by_owner))
