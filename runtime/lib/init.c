/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>

#include "caps.h"
#include "hooks.h"
#include "init.h"
#include "log.h"
#include "path.h"
#include "procattr.h"
#include "rootfs.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"

int init_pass_fds(unsigned n, berth_error **err)
{
        for (unsigned fd = 3; fd < 3 + n; fd++) {
                int flags = fcntl((int)fd, F_GETFD);
                if (flags < 0)
                        return berth_err(err, errno, "--preserve-fds: fd %u", fd);
                if (fcntl((int)fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
                        return berth_err(err, errno, "--preserve-fds: fd %u", fd);
        }
        /* Whatever a library may have opened without O_CLOEXEC never reaches the container. */
        if (close_range(3 + n, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                return berth_err(err, errno, "close_range");
        return 0;
}

int init_find_executable(const char *arg0, char **env, char **ret, berth_error **err)
{
        struct stat st;
        if (strchr(arg0, '/')) {
                if (stat(arg0, &st) < 0)
                        return berth_err(err, errno, "exec: \"%s\"", arg0);
                if (!S_ISREG(st.st_mode) || access(arg0, X_OK) < 0)
                        return berth_err_plain(err, EACCES, "exec: \"%s\": permission denied", arg0);
                *ret = xstrdup(arg0);
                return 0;
        }
        const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        for (size_t i = 0; env && env[i]; i++)
                if (startswith(env[i], "PATH=")) {
                        path = env[i] + 5;
                        break;
                }
        _cleanup_free_ char *copy = xstrdup(path);
        char *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *cand = xasprintf("%s/%s", *dir ? dir : ".", arg0);
                if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
                        *ret = TAKE_PTR(cand);
                        return 0;
                }
        }
        return berth_err_plain(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", arg0);
}

bool init_seccomp_early(const struct spec_process *p, const struct spec_seccomp *sc)
{
        if (!sc)
                return false;
        if (!p->no_new_privileges || sc->listener_path)
                return true;
        for (size_t i = 0; i < sc->n_syscalls; i++)
                if (sc->syscalls[i].action == SECCOMP_ACT_NOTIFY)
                        return true;
        return sc->default_action == SECCOMP_ACT_NOTIFY;
}

int init_apply_attrs(const struct spec_process *p, const struct spec_linux *l, bool no_new_keyring,
                     berth_error **err)
{
        int r;
        if ((r = proc_apply_rlimits(p, err)) < 0 || (r = proc_apply_oom_score_adj(p, err)) < 0 ||
            (r = proc_apply_scheduler(p, err)) < 0 || (r = proc_apply_io_priority(p, err)) < 0)
                return r;
        if (l && l->has_personality && (r = proc_apply_personality(&l->personality, err)) < 0)
                return r;
        if (!no_new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "_ses") < 0 &&
            errno != ENOSYS && errno != EPERM && errno != EACCES)
                return berth_err(err, errno, "create session keyring");
        return 0;
}

int init_apply_identity(const struct spec_process *p, berth_error **err)
{
        int r;
        if ((r = proc_set_user(&p->user, err)) < 0)
                return r;
        if (p->has_capabilities && (r = caps_apply(&p->capabilities, err)) < 0)
                return r;
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return berth_err(err, errno, "process.noNewPrivileges: prctl");
        return proc_apply_lsm(p, err);
}

/* Namespaces not created by clone (some are joined by path and a user namespace is involved): join first,
 * then unshare, and fork once more when the pid or time namespace must take effect. Returns 0 in the
 * process that goes on as the container init. */
static int init_unshare(const struct init_args *a, berth_error **err)
{
        const struct ns_plan *plan = a->plan;
        int r;
        if (plan->join_fd[NS_USER] >= 0 && setns(plan->join_fd[NS_USER], CLONE_NEWUSER) < 0)
                return berth_err(err, errno, "join user namespace");
        /* Namespaces joined by path belong to the caller's user namespace: join before creating a new one. */
        if ((r = ns_plan_join(plan, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWTIME, err)) < 0)
                return r;
        if (plan->create[NS_USER]) {
                if (unshare(CLONE_NEWUSER) < 0)
                        return berth_err(err, errno, "create user namespace");
                struct sync_msg m = {.fd = -1};
                if ((r = sync_send(a->sync_fd, SYNC_USERNS_READY, 0, NULL, -1)) < 0)
                        return berth_err(err, -r, "report user namespace");
                r = sync_expect(a->sync_fd, SYNC_USERNS_MAPPED, &m, err);
                sync_msg_clear(&m);
                if (r < 0)
                        return r;
        }
        int flags = ns_plan_clone_flags(plan, CLONE_NEWUSER | CLONE_NEWCGROUP);
        if (flags && unshare(flags) < 0)
                return berth_err(err, errno, "create namespaces");
        if (!(flags & CLONE_NEWPID))
                return 0;
        pid_t pid = fork();
        if (pid < 0)
                return berth_err(err, errno, "fork container init");
        if (pid == 0)
                return 0;
        sync_send(a->sync_fd, SYNC_INIT_PID, pid, NULL, -1);
        _exit(0);
}

/* The write end of the exec fifo once `start` released the init (-1 before). */
static int exec_fifo_wfd = -1;

/* The state document hooks get: the init's host pid comes from the parent (this process may not know it). */
static char *init_state_json(const struct init_args *a, pid_t host_pid, enum container_status status)
{
        struct container_state st = {
            .id = (char *)a->id,
            .bundle = a->spec->bundle,
            .rootfs = a->spec->rootfs,
            .pid = host_pid,
            .annotations = a->spec->annotations,
            .n_annotations = a->spec->n_annotations,
        };
        return state_to_oci_json(&st, status);
}

/* prestart and createRuntime hooks run in the parent (runtime namespace) while the init waits; then the
 * createContainer hooks run here, in the container's namespaces, before pivot_root. */
static int init_hooks_before_pivot(const struct init_args *a, berth_error **err)
{
        const struct spec *spec = a->spec;
        int r;
        if (hooks_present(spec, HOOK_PRESTART) || hooks_present(spec, HOOK_CREATE_RUNTIME) ||
            plugins_any(a->plugins)) {
                struct sync_msg m = {.fd = -1};
                if ((r = sync_send(a->sync_fd, SYNC_RUNTIME_HOOKS, 0, NULL, -1)) < 0)
                        return berth_err(err, -r, "report runtime hooks");
                r = sync_expect(a->sync_fd, SYNC_RUNTIME_HOOKS_DONE, &m, err);
                sync_msg_clear(&m);
                if (r < 0)
                        return r;
        }
        if (!hooks_present(spec, HOOK_CREATE_CONTAINER))
                return 0;
        _cleanup_free_ char *state = init_state_json(a, a->host_pid, STATUS_CREATING);
        return hooks_run(spec, HOOK_CREATE_CONTAINER, state, err);
}

/* Our pid as the host sees it: before pivot_root, /proc is still the runtime's procfs, whose "self" link
 * names us in the runtime's pid namespace. */
static pid_t host_pid_before_pivot(void)
{
        char buf[32];
        ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
        if (n <= 0)
                return 0;
        buf[n] = 0;
        return (pid_t)atol(buf);
}

/* Waits until the container is started. `berth start` opens the exec fifo: the open blocks until then. `berth
 * run` sends SYNC_START on the channel instead, or, when it has nothing to do first, lets the init go on.
 * Either way the released init keeps a close-on-exec fd to the waiting parent (the fifo's write end, or the
 * channel) until execve closes it: EOF says the user process runs, text (or SYNC_ERROR) before it why the
 * init failed (a startContainer hook, a plugin, the exec; see container_init). */
static int init_wait_start(struct init_args *a, berth_error **err)
{
        if (a->fifo_fd < 0) {
                struct sync_msg m = {.fd = -1};
                int r = a->wait_start ? sync_expect(a->sync_fd, SYNC_START, &m, err) : 0;
                sync_msg_clear(&m);
                return r;
        }
        close(a->sync_fd);
        a->sync_fd = -1; /* its number is reused below: container_init must not take it for the channel */
        char fifo[64];
        snprintf(fifo, sizeof(fifo), "/proc/self/fd/%d", a->fifo_fd);
        int wfd = open(fifo, O_WRONLY | O_CLOEXEC);
        if (wfd < 0)
                return berth_err(err, errno, "open exec fifo");
        if (write(wfd, "0", 1) != 1)
                return berth_err(err, errno, "write exec fifo");
        exec_fifo_wfd = wfd;
        close(a->fifo_fd);
        return 0;
}

static int init_setup(struct init_args *a, berth_error **err)
{
        const struct spec *spec = a->spec;
        const struct spec_process *p = spec->process;
        const struct spec_linux *l = spec->linux;
        int r;

        struct sync_msg m = {.fd = -1};
        if (a->wait_parent && (r = sync_expect(a->sync_fd, SYNC_PARENT_READY, &m, err)) < 0)
                return r;
        sync_msg_clear(&m);

        if (a->forked_ns) {
                if ((r = init_unshare(a, err)) < 0)
                        return r;
        } else if ((r = ns_plan_join(a->plan, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWTIME, err)) < 0)
                return r;
        if (a->plan->create[NS_USER] || a->plan->join_fd[NS_USER] >= 0) {
                if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                        return berth_err(err, errno, "become root in the user namespace");
        }
        /* Now in the container's cgroup: its cgroup namespace is rooted there. */
        if (a->plan->create[NS_CGROUP] && unshare(CLONE_NEWCGROUP) < 0)
                return berth_err(err, errno, "create cgroup namespace");
        if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
                return berth_err(err, errno, "hostname: sethostname");
        if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
                return berth_err(err, errno, "domainname: setdomainname");

        struct rootfs_opts ro = {
            .in_userns = a->plan->create[NS_USER] || a->plan->join_fd[NS_USER] >= 0,
            .no_pivot = a->no_pivot,
            .console_slave_fd = -1,
            .new_cgroupns = a->plan->create[NS_CGROUP],
        };
        if ((r = rootfs_setup_mounts(spec, &ro, err)) < 0)
                return r;

        log_debug("init: mounts done");
        if (hooks_present(spec, HOOK_CREATE_CONTAINER) || hooks_present(spec, HOOK_START_CONTAINER) ||
            plugins_any(a->plugins))
                a->host_pid = host_pid_before_pivot();
        if ((r = init_hooks_before_pivot(a, err)) < 0)
                return r;
        _cleanup_close_ int slave = -1;
        if (p->terminal) {
                _cleanup_close_ int rootfd = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
                _cleanup_close_ int master = -1;
                if (rootfd < 0)
                        return berth_err(err, errno, "open rootfs %s", spec->rootfs);
                if ((r = terminal_open(rootfd, p, &master, &slave, err)) < 0 ||
                    (r = terminal_bind_console(rootfd, slave, err)) < 0)
                        return r;
                if ((r = sync_send(a->sync_fd, SYNC_CONSOLE_FD, 0, NULL, master)) < 0)
                        return berth_err(err, -r, "send pty master");
        }

        if ((r = rootfs_pivot(spec, &ro, err)) < 0 || (r = sysctl_apply(spec, err)) < 0 ||
            (r = rootfs_finalize(spec, &ro, err)) < 0)
                return r;

        log_debug("init: rootfs finalized");
        if (chdir(p->cwd) < 0) {
                if (errno != ENOENT)
                        return berth_err(err, errno, "process.cwd: chdir %s", p->cwd);
                _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                _cleanup_close_ int cwdfd = path_mkdir_in_root(rootfd, p->cwd, true, err);
                if (cwdfd < 0)
                        return berth_err_prefix(err, "process.cwd");
                if (fchdir(cwdfd) < 0)
                        return berth_err(err, errno, "process.cwd: chdir %s", p->cwd);
        }

        _cleanup_free_ char *exe = NULL;
        if ((r = init_find_executable(p->args[0], a->env, &exe, err)) < 0)
                return r;
        const struct spec_seccomp *sc = l ? l->seccomp : NULL;
        bool early = init_seccomp_early(p, sc);
        if ((r = init_apply_attrs(p, l, a->no_new_keyring, err)) < 0)
                return r;
        if (early) {
                int notify_fd = -1;
                if ((r = seccomp_apply(sc, &notify_fd, err)) < 0)
                        return r;
                if (notify_fd >= 0) {
                        r = sync_send(a->sync_fd, SYNC_SECCOMP_FD, 0, NULL, notify_fd);
                        close(notify_fd);
                        if (r < 0)
                                return berth_err(err, -r, "send seccomp notify fd");
                }
        }
        if ((r = init_apply_identity(p, err)) < 0)
                return r;
        if (slave >= 0 && (r = terminal_make_stdio(slave, err)) < 0)
                return r;
        if ((r = init_pass_fds(a->n_fds, err)) < 0)
                return r;

        /* From here on the container outlives `berth create`. */
        prctl(PR_SET_PDEATHSIG, 0);
        r = sync_send(a->sync_fd, SYNC_CREATED, 0, NULL, -1);
        if (r < 0)
                return berth_err(err, -r, "report creation");
        if ((r = init_wait_start(a, err)) < 0)
                return r;

        if (hooks_present(spec, HOOK_START_CONTAINER)) {
                _cleanup_free_ char *state = init_state_json(a, a->host_pid, STATUS_CREATED);
                if ((r = hooks_run(spec, HOOK_START_CONTAINER, state, err)) < 0)
                        return r;
        }
        /* plugins last, just before the user process (Landlock and the like) */
        if (plugins_any(a->plugins) &&
            (r = plugins_call(a->plugins, PLUGIN_SETUP_CONTAINER, a->plugin_c, err)) < 0)
                return r;

        if (sc && !early) {
                int notify_fd = -1;
                if ((r = seccomp_apply(sc, &notify_fd, err)) < 0)
                        return r;
                if (notify_fd >= 0)
                        close(notify_fd);
        }
        execve(exe, p->args, a->env);
        return berth_err(err, errno, "exec %s", exe);
}

static int cmp_int(const void *x, const void *y)
{
        return *(const int *)x - *(const int *)y;
}

/* The init inherited every fd of `berth create`: the locked state directory, the console socket... Keep only
 * what it needs, so no lock or connection of berth's outlives the command. */
static void close_inherited_fds(const struct init_args *a)
{
        int keep[3 + _NS_TYPE_MAX];
        size_t n = 0;
        keep[n++] = a->sync_fd;
        if (a->fifo_fd >= 0)
                keep[n++] = a->fifo_fd;
        if (log_fd() >= 0)
                keep[n++] = log_fd();
        for (int t = 0; t < _NS_TYPE_MAX; t++)
                if (a->plan->join_fd[t] >= 0)
                        keep[n++] = a->plan->join_fd[t];
        qsort(keep, n, sizeof(int), cmp_int);
        unsigned first = 3 + a->n_fds;
        for (size_t i = 0; i < n; i++) {
                if (keep[i] < (int)first)
                        continue;
                if ((unsigned)keep[i] > first)
                        close_range(first, (unsigned)keep[i] - 1, 0);
                first = (unsigned)keep[i] + 1;
        }
        close_range(first, ~0U, 0);
}

void container_init(struct init_args *a)
{
        _cleanup_error_ berth_error *err = NULL;
        close_inherited_fds(a);
        /* Die with the parent until the container exists: a killed `berth create` leaves no half-made init.
         */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        init_setup(a, &err);
        /* Before SYNC_CREATED the parent is listening (and `run` until the exec); after `start` released
         * us, `start` reads the exec fifo; in between only stderr is left. */
        if (a->sync_fd >= 0 && fcntl(a->sync_fd, F_GETFD) >= 0)
                sync_send_error(a->sync_fd, err);
        if (exec_fifo_wfd >= 0) {
                const char *msg = err && err->msg ? err->msg : "container init failed";
                ssize_t n = write(exec_fifo_wfd, msg, strlen(msg));
                (void)n;
        }
        fprintf(stderr, "berth: %s\n", err && err->msg ? err->msg : "container init failed");
        _exit(127);
}
