/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create, start and run: the parent side of the container init's set-up (see sync.h for the steps). */
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/sched.h>

#include "clone.h"
#include "container.h"
#include "fs-util.h"
#include "hooks.h"
#include "init.h"
#include "json-util.h"
#include "log.h"
#include "machine.h"
#include "namespaces.h"
#include "systemd-bus.h"
#include "notify.h"
#include "plugins.h"
#include "proc-util.h"
#include "rootfs.h"
#include "seccomp.h"
#include "sync.h"
#include "terminal.h"
#include "time-util.h"

int berth_id_validate(const char *id, berth_error **err)
{
        if (!id || !*id)
                return berth_err_plain(err, EINVAL, "container id must not be empty");
        if (strlen(id) > 1024)
                return berth_err_plain(err, EINVAL, "container id is longer than 1024 bytes");
        if (STREQ(id, ".") || STREQ(id, ".."))
                return berth_err_plain(err, EINVAL, "invalid container id \"%s\"", id);
        for (const char *p = id; *p; p++) {
                bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                          (p != id && (*p == '_' || *p == '-' || *p == '.' || *p == '+'));
                if (!ok)
                        return berth_err_plain(
                            err, EINVAL,
                            "invalid container id \"%s\": only [A-Za-z0-9][A-Za-z0-9_.+-]* allowed", id);
        }
        return 0;
}

/* Checks that need more than the JSON, still before anything exists. */
static int validate_for_create(const struct spec *spec, const struct berth_create_opts *o, berth_error **err)
{
        int r;
        if (!spec->process)
                return berth_err_plain(err, EINVAL, "config.json: process: required to create a container");
        if (!spec_namespace(spec, NS_MOUNT))
                return berth_err_plain(err, EINVAL,
                                       "config.json: linux.namespaces: a mount namespace is required");
        if (spec->process->terminal && !o->console_socket)
                return berth_err_plain(err, EINVAL, "process.terminal is true: --console-socket is required");
        if (spec->linux && spec->linux->seccomp && (r = seccomp_check(spec->linux->seccomp, err)) < 0)
                return berth_err_prefix(err, "config.json");
        if ((r = sysctl_validate(spec, err)) < 0)
                return berth_err_prefix(err, "config.json");
        return 0;
}

/* LISTEN_FDS handed to berth by socket activation pass on to the container with LISTEN_PID=1. */
static char **build_env(const struct spec_process *p, unsigned *ret_listen)
{
        const char *lf = getenv("LISTEN_FDS"), *lp = getenv("LISTEN_PID");
        unsigned listen = 0;
        if (lf && (!lp || atol(lp) == getpid()))
                listen = (unsigned)atoi(lf);
        char **env = xmalloc0(sizeof(char *));
        for (size_t i = 0; p->env && p->env[i]; i++) {
                if (listen && (startswith(p->env[i], "LISTEN_FDS=") || startswith(p->env[i], "LISTEN_PID=")))
                        continue;
                env = strv_append(env, p->env[i]);
        }
        if (listen) {
                _cleanup_free_ char *v = xasprintf("LISTEN_FDS=%u", listen);
                env = strv_append(env, v);
                env = strv_append(env, "LISTEN_PID=1");
        }
        *ret_listen = listen;
        return env;
}

/* The container process state sent with the notify fd to linux.seccomp.listenerPath (runtime spec). */
static int seccomp_listener_send(const struct spec *spec, const char *id, pid_t pid, int notify_fd,
                                 berth_error **err)
{
        const struct spec_seccomp *sc = spec->linux->seccomp;
        if (!sc->listener_path)
                return 0;
        struct container_state st = {
            .id = (char *)id, .bundle = spec->bundle, .rootfs = spec->rootfs, .pid = pid};
        st.annotations = spec->annotations;
        st.n_annotations = spec->n_annotations;
        _cleanup_free_ char *state = state_to_oci_json(&st, STATUS_CREATING);
        _cleanup_free_ char *meta = json_quote(sc->listener_metadata ? sc->listener_metadata : "");
        _cleanup_free_ char *msg = xasprintf(
            "{\"ociVersion\":\"1.3.0\",\"fds\":[\"seccompFd\"],\"pid\":%d,\"metadata\":%s,\"state\":%s}", pid,
            meta, state);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(sc->listener_path) >= sizeof(sa.sun_path))
                return berth_err_plain(err, ENAMETOOLONG, "linux.seccomp.listenerPath: path too long");
        strcpy(sa.sun_path, sc->listener_path);
        _cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return berth_err(err, errno, "linux.seccomp.listenerPath: connect %s", sc->listener_path);
        struct iovec iov = {.iov_base = msg, .iov_len = strlen(msg)};
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
        memcpy(CMSG_DATA(c), &notify_fd, sizeof(int));
        if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
                return berth_err(err, errno, "linux.seccomp.listenerPath: send to %s", sc->listener_path);
        return 0;
}

/* Parent-side namespace work that must precede the fork: pid and time namespaces apply to children only. */
static int prepare_parent_namespaces(const struct spec *spec, const struct ns_plan *plan, berth_error **err)
{
        if (plan->join_fd[NS_PID] >= 0 && setns(plan->join_fd[NS_PID], CLONE_NEWPID) < 0)
                return berth_err(err, errno, "join pid namespace");
        if (plan->join_fd[NS_TIME] >= 0 && setns(plan->join_fd[NS_TIME], CLONE_NEWTIME) < 0)
                return berth_err(err, errno, "join time namespace");
        if (plan->create[NS_TIME]) {
                if (unshare(CLONE_NEWTIME) < 0)
                        return berth_err(err, errno, "create time namespace");
                if (spec->linux->has_time_offsets)
                        return ns_write_time_offsets(spec->linux, err);
        }
        return 0;
}

/* The child side of clone_init_vfork(): it borrows the parent's memory, so its own copy of the parent's end
 * of the channel is closed here, not by the parent. */
struct init_start {
        struct init_args args;
        int parent_sock;
};

static int init_start_vfork(void *p)
{
        struct init_start *s = p;
        close(s->parent_sock);
        container_init(&s->args);
}

struct create_ctx {
        struct plugin_set *plugins;
        struct plugin_container *pc;
        pid_t child;    /* the process clone() returned */
        pid_t init;     /* the container init (== child unless the init forked once more) */
        int console_fd; /* connected --console-socket */
};

/* prestart (deprecated, still run) and createRuntime: runtime namespace, namespaces and mounts exist. */
static int run_runtime_hooks(const struct spec *spec, const char *id, pid_t pid, berth_error **err)
{
        struct container_state st = {
            .id = (char *)id, .bundle = spec->bundle, .rootfs = spec->rootfs, .pid = pid};
        st.annotations = spec->annotations;
        st.n_annotations = spec->n_annotations;
        _cleanup_free_ char *state = state_to_oci_json(&st, STATUS_CREATING);
        int r = hooks_run(spec, HOOK_PRESTART, state, err);
        return r < 0 ? r : hooks_run(spec, HOOK_CREATE_RUNTIME, state, err);
}

/* Runs the parent's side of the sync steps until SYNC_CREATED. */
static int parent_sync(int sock, const struct spec *spec, const char *id, struct create_ctx *cx,
                       berth_error **err)
{
        for (;;) {
                struct sync_msg m = {.fd = -1};
                int r = sync_recv(sock, &m);
                if (r == -EPIPE)
                        return berth_err_plain(err, EPIPE, "container init exited during set-up");
                if (r < 0)
                        return berth_err(err, -r, "receive from container init");
                switch (m.step) {
                case SYNC_USERNS_READY:
                        r = ns_write_id_maps(cx->child, spec->linux, err);
                        if (r >= 0 && (r = sync_send(sock, SYNC_USERNS_MAPPED, 0, NULL, -1)) < 0)
                                r = berth_err(err, -r, "send to container init");
                        break;
                case SYNC_INIT_PID:
                        cx->init = m.value;
                        waitpid(cx->child, NULL, 0); /* the intermediate process exits right away */
                        break;
                case SYNC_CONSOLE_FD:
                        r = m.fd >= 0 ? console_socket_send(cx->console_fd, m.fd, err)
                                      : berth_err_plain(err, EPROTO, "container init sent no pty");
                        break;
                case SYNC_SECCOMP_FD:
                        r = m.fd >= 0 ? seccomp_listener_send(spec, id, cx->init, m.fd, err)
                                      : berth_err_plain(err, EPROTO, "container init sent no seccomp fd");
                        break;
                case SYNC_RUNTIME_HOOKS:
                        /* plugins first (networking), then the hooks, which may rely on it */
                        cx->pc->pid = cx->init;
                        r = plugins_call(cx->plugins, PLUGIN_CREATE, cx->pc, err);
                        if (r >= 0)
                                r = run_runtime_hooks(spec, id, cx->init, err);
                        if (r >= 0 && (r = sync_send(sock, SYNC_RUNTIME_HOOKS_DONE, cx->init, NULL, -1)) < 0)
                                r = berth_err(err, -r, "send to container init");
                        break;
                case SYNC_CREATED:
                        sync_msg_clear(&m);
                        return 0;
                case SYNC_ERROR:
                        r = berth_err_plain(err, m.value > 0 ? m.value : EINVAL, "%s",
                                            m.text ? m.text : "container init failed");
                        break;
                default:
                        r = berth_err_plain(err, EPROTO, "unexpected message %s from container init",
                                            sync_step_to_string(m.step));
                }
                sync_msg_clear(&m);
                if (r < 0)
                        return r;
        }
}

/* A create that fails once the init exists continues the lifecycle at delete (runtime spec, lifecycle step
 * 12): the container is destroyed, then the poststop hooks run; their failure is a warning. */
static void run_poststop_after_failed_create(const struct spec *spec, const char *id)
{
        if (!hooks_present(spec, HOOK_POSTSTOP))
                return;
        struct container_state st = {.id = (char *)id, .bundle = spec->bundle, .rootfs = spec->rootfs};
        st.annotations = spec->annotations;
        st.n_annotations = spec->n_annotations;
        _cleanup_free_ char *state = state_to_oci_json(&st, STATUS_STOPPED);
        _cleanup_error_ berth_error *e = NULL;
        if (hooks_run(spec, HOOK_POSTSTOP, state, &e) < 0)
                log_warn("%s", e->msg);
}

static void kill_and_reap(struct create_ctx *cx)
{
        if (cx->init > 0 && cx->init != cx->child)
                kill(cx->init, SIGKILL);
        if (cx->child > 0) {
                kill(cx->child, SIGKILL);
                waitpid(cx->child, NULL, 0);
        }
        if (cx->init > 0 && cx->init != cx->child)
                waitpid(cx->init, NULL, 0); /* we are its subreaper */
}

int container_create(const struct berth_runtime *rt, const char *id, const struct berth_create_opts *o,
                     struct run_release *run, pid_t *ret_pid, int *ret_dirfd, berth_error **err)
{
        int r;
        log_debug("create %s: begin", id);
        if ((r = berth_id_validate(id, err)) < 0)
                return r;
        /* systemd: the command's connection authenticates while the config is loaded; closed when create is
         * done (for run: see run_release) */
        _cleanup_(systemd_bus_release_unless) bool keep_bus = false;
        if (rt->cgroup_manager == CGROUP_MANAGER_SYSTEMD)
                systemd_bus_prepare();
        _cleanup_spec_ struct spec *spec = NULL;
        if ((r = spec_load(o->bundle ? o->bundle : ".", &spec, err)) < 0)
                return r;
        if ((r = validate_for_create(spec, o, err)) < 0)
                return r;
        if (rt->hooks_dirs && (r = hooks_dirs_apply(spec, rt->hooks_dirs, err)) < 0)
                return r;
        _cleanup_plugins_ struct plugin_set *plugins = NULL;
        if ((r = plugins_open(spec->annotations, spec->n_annotations, &plugins, err)) < 0)
                return r;
        _cleanup_free_ char *state_root_dir = xasprintf("%s/%s", rt->root, id);
        struct plugin_container pc = {
            .id = id,
            .bundle = spec->bundle,
            .rootfs = spec->rootfs,
            .state_root = rt->root,
            .annotations = spec->annotations,
            .n_annotations = spec->n_annotations,
            .config_json = spec->config_text,
        };
        if (plugins_any(plugins) && (r = plugins_call(plugins, PLUGIN_VALIDATE, &pc, err)) < 0)
                return r;

        _cleanup_cgroup_ struct cgroup *cg = NULL;
        if ((r = cgroup_new((enum cgroup_manager_type)rt->cgroup_manager, id, spec, &cg, err)) < 0)
                return r;
        _cleanup_(ns_plan_close) struct ns_plan plan;
        if ((r = ns_plan_build(spec, &plan, err)) < 0)
                return berth_err_prefix(err, "config.json");
        unsigned listen = 0;
        _cleanup_strv_free_ char **env = build_env(spec->process, &listen);
        _cleanup_close_ int console_fd = -1;
        if (o->console_socket && spec->process->terminal &&
            (console_fd = console_socket_connect(o->console_socket, err)) < 0)
                return console_fd;

        /* Everything below leaves nothing behind on failure. */
        _cleanup_close_ int dirfd = state_dir_create(rt->root, id, err);
        if (dirfd < 0)
                return dirfd;
        struct create_ctx cx = {
            .plugins = plugins, .pc = &pc, .child = -1, .init = -1, .console_fd = console_fd};
        pc.state_dir = state_root_dir;
        for (int t = 0; t < _NS_TYPE_MAX; t++)
                pc.has_ns[t] = plan.create[t] || plan.join_fd[t] >= 0;
        bool cgroup_made = false;
        struct machine_call *machine = NULL;
        _cleanup_close_ int fifo_fd = -1, cgroup_fd = -1, notify_fd = -1;
        _cleanup_free_ char *fifo_path = NULL, *created = NULL, *state_dir = NULL;
        int sync[2] = {-1, -1};

        /* World-writable (not subject to the umask): an init that is not host root (user namespace,
         * process.user) must still open it, through /proc/self/fd, once it is in the container. `run` needs
         * none: it releases the init over the sync channel. */
        if (!run && (mkfifoat(dirfd, EXEC_FIFO, 0622) < 0 || fchmodat(dirfd, EXEC_FIFO, 0622, 0) < 0)) {
                r = berth_err(err, errno, "create exec fifo");
                goto fail;
        }
        if (!run) {
                fifo_path = xasprintf("%s/%s/%s", rt->root, id, EXEC_FIFO);
                if ((fifo_fd = open(fifo_path, O_PATH | O_CLOEXEC)) < 0) {
                        r = berth_err(err, errno, "open %s", fifo_path);
                        goto fail;
                }
        }
        state_dir = xasprintf("%s/%s", rt->root, id);
        if ((r = notify_prepare(spec, state_dir, &env, err)) < 0)
                goto fail;
        bool notify_used = r > 0;
        if ((r = sync_pair(sync, err)) < 0)
                goto fail;
        if ((r = prepare_parent_namespaces(spec, &plan, err)) < 0)
                goto fail;
        /* The init may fork once more (pid namespace after a user namespace joined by path): stay its reaper.
         */
        prctl(PR_SET_CHILD_SUBREAPER, 1);

        /* Fast path: clone() creates every namespace at once. When namespaces are joined by path and a user
         * namespace is involved, they must be joined before the user namespace is made: the init unshares. */
        bool any_join = false;
        for (int t = 0; t < _NS_TYPE_MAX; t++)
                any_join |= plan.join_fd[t] >= 0 && t != NS_PID && t != NS_TIME;
        bool forked_ns = plan.join_fd[NS_USER] >= 0 || (plan.create[NS_USER] && any_join);
        int flags = forked_ns ? 0 : ns_plan_clone_flags(&plan, CLONE_NEWCGROUP | CLONE_NEWTIME);
        /* Where the manager can, the cgroup exists (limits set) before the init: it is born inside. */
        if (cg->ops->open_fd) {
                if ((r = cg->ops->create(cg, spec, 0, err)) < 0)
                        goto fail;
                cgroup_made = true;
                cgroup_fd = cg->ops->open_fd(cg);
        }
        /* Each wait of the init for the parent costs a round trip: skipped where the parent has nothing to
         * do. Before the set-up: an init born in its cgroup with no id maps to be written. For run, before
         * the exec: no scope to settle, no notify socket to bind. */
        bool parent_idle = cgroup_made && !cg->ops->settle && !forked_ns && !plan.create[NS_USER];
        bool wait_start = run && (cg->ops->settle || notify_used);
        struct init_start start = {
            .args =
                {
                    .spec = spec,
                    .plan = &plan,
                    .sync_fd = sync[1],
                    .fifo_fd = fifo_fd,
                    .wait_parent = !parent_idle,
                    .wait_start = wait_start,
                    .forked_ns = forked_ns,
                    .no_pivot = o->no_pivot,
                    .no_new_keyring = o->no_new_keyring,
                    .n_fds = o->preserve_fds + listen,
                    .env = env,
                    .id = id,
                    .plugins = plugins,
                    .plugin_c = &pc,
                },
            .parent_sock = sync[0],
        };
        /* A run whose init never waits for us (nothing to do in between, no hooks or plugins of ours to run
         * for it) borrows our memory until it execs: see clone.h. Otherwise, or where that is not
         * available, the init gets a copy. */
        bool init_alone = run && parent_idle && !wait_start && cgroup_fd >= 0 && !plugins_any(plugins) &&
                          !hooks_present(spec, HOOK_PRESTART) && !hooks_present(spec, HOOK_CREATE_RUNTIME);
        fflush(NULL);
        bool in_cgroup = true;
        pid_t pid = init_alone ? clone_init_vfork(flags, cgroup_fd, init_start_vfork, &start) : -EOPNOTSUPP;
        if (pid == -EOPNOTSUPP) {
                pid = clone_init(flags, cgroup_fd, &in_cgroup);
                if (pid == 0) {
                        close(sync[0]);
                        start.args.wait_parent = !(parent_idle && in_cgroup);
                        container_init(&start.args);
                }
        }
        if (pid < 0) {
                r = berth_err(err, -pid, "clone container init");
                goto fail;
        }
        close(sync[1]);
        sync[1] = -1;
        cx.child = cx.init = pid;
        log_debug("create %s: init %d cloned (flags 0x%x)", id, pid, flags);

        if (!cgroup_made) {
                /* systemd: the scope is started now and waited for (settle) while the init sets itself up */
                r = cg->ops->create_async ? cg->ops->create_async(cg, spec, pid, err)
                                          : cg->ops->create(cg, spec, pid, err);
                if (r < 0)
                        goto fail;
                cgroup_made = true;
        } else if (!in_cgroup && (r = cg->ops->enter(cg, pid, err)) < 0)
                goto fail;
        /* the init must be in its cgroup before it forks (another pid namespace), runs hooks or plugins */
        if (cg->ops->settle &&
            (forked_ns || hooks_present(spec, HOOK_CREATE_CONTAINER) || plugins_any(plugins)) &&
            (r = cg->ops->settle(cg, err)) < 0)
                goto fail;
        if (!forked_ns && plan.create[NS_USER] && (r = ns_write_id_maps(pid, spec->linux, err)) < 0)
                goto fail;
        if (!(parent_idle && in_cgroup) && (r = sync_send(sync[0], SYNC_PARENT_READY, 0, NULL, -1)) < 0) {
                r = berth_err(err, -r, "send to container init");
                goto fail;
        }
        log_debug("create %s: cgroup %s ready", id, cg->path ? cg->path : "(none)");
        /* while the init sets itself up: what later commands need of the config */
        if ((r = write_file_atomic_at(dirfd, CONFIG_FILE, spec->config_text, spec->config_len)) < 0) {
                r = berth_err(err, -r, "copy config.json into the state directory");
                goto fail;
        }
        if ((r = hooks_save(dirfd, spec, err)) < 0 || (r = plugins_save(dirfd, plugins, err)) < 0)
                goto fail;
        if ((r = parent_sync(sync[0], spec, id, &cx, err)) < 0)
                goto fail;
        if (cg->ops->settle && (r = cg->ops->settle(cg, err)) < 0)
                goto fail;
        log_debug("create %s: init reported created", id);
        /* machined answers while the state is written (and, for run, the init execs) */
        if ((r = machine_register_start(spec, id, cx.init, cg, &machine, err)) < 0)
                goto fail;
        if (run) {
                /* the notify socket exists before the process can say anything; the state is written while
                 * the init goes on to exec */
                notify_fd = notify_listen(state_dir, err);
                if (notify_fd < 0 && err && *err) {
                        r = berth_error_rc(*err);
                        goto fail;
                }
                if (wait_start && (r = sync_send(sync[0], SYNC_START, 0, NULL, -1)) < 0) {
                        r = berth_err(err, -r, "send to container init");
                        goto fail;
                }
        }

        /* uid 0 needs no NSS lookup (which costs more than the rest of the state write). */
        struct passwd *pw = getuid() == 0 ? NULL : getpwuid(getuid());
        created = rfc3339_now();
        struct container_state st = {
            .id = (char *)id,
            .bundle = spec->bundle,
            .rootfs = spec->rootfs,
            .pid = cx.init,
            .start_time = proc_start_time(cx.init),
            .created = created,
            .owner = pw ? pw->pw_name : (char *)(getuid() == 0 ? "root" : ""),
            .cgroup_manager = cg->type,
            .cgroup_path = cg->path,
            .cgroup_unit = cg->unit,
            .annotations = spec->annotations,
            .n_annotations = spec->n_annotations,
        };
        if ((r = state_write(dirfd, &st, err)) < 0)
                goto fail;
        if (o->pid_file && (r = pid_file_write(o->pid_file, cx.init, err)) < 0)
                goto fail;
        if (run && machine) {
                /* answered while the init execs: berth_run collects it, then closes the connection */
                run->machine = TAKE_PTR(machine);
                keep_bus = true;
        } else if ((r = machine_call_finish(TAKE_PTR(machine), err)) < 0)
                goto fail;
        if (run) {
                run->sync_fd = sync[0];
                run->notify_fd = TAKE_FD(notify_fd);
        } else
                close(sync[0]);
        *ret_pid = cx.init;
        *ret_dirfd = TAKE_FD(dirfd);
        return 0;

fail:
        if (sync[0] >= 0)
                close(sync[0]);
        if (sync[1] >= 0)
                close(sync[1]);
        kill_and_reap(&cx);
        pc.pid = 0; /* gone: a plugin's destroy must not look at a pid that may be reused */
        if (machine && machine_call_finish(TAKE_PTR(machine), NULL) > 0)
                machine_unregister(id, cg, NULL);
        if (plugins_any(plugins)) {
                /* destroy is idempotent and also runs for a create that failed half-way */
                _cleanup_error_ berth_error *e2 = NULL;
                if (plugins_call(plugins, PLUGIN_DESTROY, &pc, &e2) < 0)
                        log_warn("%s", e2->msg);
        }
        if (cgroup_made) {
                _cleanup_error_ berth_error *e2 = NULL;
                if (cg->ops->destroy(cg, &e2) < 0)
                        log_warn("%s", e2->msg);
        }
        if (cx.child > 0)
                run_poststop_after_failed_create(spec, id);
        state_dir_remove(rt->root, id);
        return r;
}

int container_saved_hooks(int dirfd, const struct container_state *s, struct spec **ret, berth_error **err)
{
        *ret = NULL;
        if (faccessat(dirfd, "hooks.json", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        struct spec *spec = xmalloc0(sizeof(*spec));
        spec->bundle = xstrdup(s->bundle);
        spec->rootfs = xstrdup(s->rootfs);
        int r = hooks_load(dirfd, spec, err);
        if (r < 0) {
                spec_free(spec);
                return r;
        }
        *ret = spec;
        return 0;
}

int container_plugins_open(int dirfd, const struct container_state *s, const char *root,
                           const char *state_dir, struct plugin_set **ret, struct plugin_container *pc,
                           char **ret_config, berth_error **err)
{
        *ret = NULL;
        *ret_config = NULL;
        int r = plugins_open_saved(dirfd, s->annotations, s->n_annotations, ret, err);
        if (r < 0 || !*ret)
                return r;
        *pc = (struct plugin_container){
            .id = s->id,
            .bundle = s->bundle,
            .rootfs = s->rootfs,
            .pid = state_init_alive(s) ? s->pid : 0,
            .state_dir = state_dir,
            .state_root = root,
            .annotations = s->annotations,
            .n_annotations = s->n_annotations,
        };
        if (read_file_at(dirfd, CONFIG_FILE, 0, ret_config, NULL) >= 0)
                pc->config_json = *ret_config;
        if (pc->pid > 0) {
                int mask = ns_differing_mask(pc->pid, NULL);
                for (int t = 0; t < _NS_TYPE_MAX; t++)
                        pc->has_ns[t] = mask > 0 && (mask & ns_type_clone_flag(t));
        }
        return 0;
}

/* The plugins' "started" callbacks, after poststart. */
static int run_plugins_started(int dirfd, const struct container_state *s, const char *state_dir,
                               berth_error **err)
{
        _cleanup_free_ char *root = xstrdup(state_dir);
        char *slash = strrchr(root, '/');
        if (slash)
                *slash = 0;
        _cleanup_plugins_ struct plugin_set *ps = NULL;
        _cleanup_free_ char *config = NULL;
        struct plugin_container pc;
        int r = container_plugins_open(dirfd, s, root, state_dir, &ps, &pc, &config, err);
        if (r < 0 || !ps)
                return r;
        r = plugins_call(ps, PLUGIN_STARTED, &pc, err);
        if (r < 0)
                container_signal_init(s, SIGKILL, NULL);
        return r;
}

/* poststart: after the user process started, before start returns; a failure stops the container. */
static int run_poststart(int dirfd, struct container_state *s, berth_error **err)
{
        _cleanup_spec_ struct spec *hooks = NULL;
        int r = container_saved_hooks(dirfd, s, &hooks, err);
        if (r < 0 || !hooks || !hooks_present(hooks, HOOK_POSTSTART))
                return r;
        _cleanup_free_ char *state = state_to_oci_json(s, STATUS_RUNNING);
        r = hooks_run(hooks, HOOK_POSTSTART, state, err);
        if (r < 0)
                container_signal_init(s, SIGKILL, NULL);
        return r;
}

/* After the "0": the init keeps its end of the exec fifo open until execve closes it. EOF alone means the
 * user process runs; text before it is why the init failed once released (a startContainer hook, a plugin,
 * the exec). No timeout: a hook's own timeout bounds it, and the init's death closes the fifo. */
static int wait_init_exec(int fifo, bool *ret_init_failed, berth_error **err)
{
        char msg[4096];
        size_t len = 0;
        for (;;) {
                struct pollfd p = {.fd = fifo, .events = POLLIN};
                if (poll(&p, 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return berth_err(err, errno, "wait for container init");
                }
                char buf[512];
                ssize_t n = read(fifo, buf, sizeof(buf));
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n <= 0)
                        break;
                size_t k = MIN((size_t)n, sizeof(msg) - 1 - len);
                memcpy(msg + len, buf, k);
                len += k;
        }
        if (len == 0)
                return 0;
        msg[len] = 0;
        *ret_init_failed = true;
        return berth_err_plain(err, EIO, "%s", msg);
}

/* `run`: the same wait on the sync channel (see sync.h). */
static int wait_init_exec_sync(int sock, berth_error **err)
{
        struct sync_msg m = {.fd = -1};
        int r = sync_recv(sock, &m);
        if (r == -EPIPE)
                return 0;
        if (r >= 0 && m.step != SYNC_ERROR)
                r = berth_err_plain(err, EPROTO, "unexpected message %s from container init",
                                    sync_step_to_string(m.step));
        else if (r >= 0)
                r = berth_err_plain(err, m.value > 0 ? m.value : EIO, "%s",
                                    m.text ? m.text : "container init failed");
        else
                r = berth_err(err, -r, "wait for container init");
        sync_msg_clear(&m);
        return r;
}

/* Once the user process runs: poststart hooks, then the plugins' "started". */
static int container_started(int dirfd, struct container_state *s, const char *state_dir, berth_error **err)
{
        int r = run_poststart(dirfd, s, err);
        if (r < 0)
                return r;
        return run_plugins_started(dirfd, s, state_dir, err);
}

/* Releases a created container's init (the exec fifo handshake); removing the fifo marks it started. When the
 * sd_notify proxy is in use, *ret_notify_fd gets its socket (bound before the release), else -1. */
static int container_start_full(int dirfd, struct container_state *s, const char *state_dir,
                                int *ret_notify_fd, bool *ret_init_failed, berth_error **err)
{
        *ret_notify_fd = -1;
        *ret_init_failed = false;
        /* the notify socket exists before the process can say anything */
        _cleanup_close_ int notify_fd = notify_listen(state_dir, err);
        if (notify_fd < 0 && err && *err)
                return berth_error_rc(*err);
        _cleanup_close_ int fifo = openat(dirfd, EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fifo < 0)
                return berth_err(err, errno, "open exec fifo");
        _cleanup_close_ int pidfd = pidfd_open_pid(s->pid);
        if (pidfd < 0)
                return berth_err_plain(err, ESRCH, "container not running: its init exited");
        struct pollfd p[2] = {{.fd = fifo, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
        for (;;) {
                int n = poll(p, 2, 30000);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(err, errno, "wait for container init");
                if (n == 0)
                        return berth_err_plain(err, ETIMEDOUT,
                                               "container init did not answer on the exec fifo");
                break;
        }
        char c;
        if (!(p[0].revents & POLLIN) || read(fifo, &c, 1) != 1)
                return berth_err_plain(err, ESRCH, "container init exited before start");
        /* The status is derived: no fifo and a live init means running. */
        if (unlinkat(dirfd, EXEC_FIFO, 0) < 0)
                return berth_err(err, errno, "remove exec fifo");
        /* Started: other commands may act on it now, a startContainer or poststart hook's `berth state` too.
         */
        flock(dirfd, LOCK_UN);
        int r = wait_init_exec(fifo, ret_init_failed, err);
        if (r < 0 || (r = container_started(dirfd, s, state_dir, err)) < 0)
                return r;
        *ret_notify_fd = TAKE_FD(notify_fd);
        return 0;
}

int berth_create(const struct berth_runtime *rt, const char *id, const struct berth_create_opts *o,
                 berth_error **err)
{
        pid_t pid;
        int dirfd;
        int r = container_create(rt, id, o, NULL, &pid, &dirfd, err);
        if (r < 0)
                return r;
        close(dirfd);
        return 0;
}

int berth_start(const struct berth_runtime *rt, const char *id, berth_error **err)
{
        _cleanup_container_ struct container c = {.dirfd = -1};
        int r = container_load(rt, id, &c, err);
        if (r < 0)
                return r;
        if (c.status != STATUS_CREATED)
                return berth_err_plain(err, EINVAL,
                                       "cannot start a container that is %s (only a created one)",
                                       container_status_to_string(c.status));
        _cleanup_free_ char *state_dir = xasprintf("%s/%s", rt->root, id);
        _cleanup_close_ int notify_fd = -1;
        bool init_failed = false;
        r = container_start_full(c.dirfd, c.state, state_dir, &notify_fd, &init_failed, err);
        if (r < 0 && init_failed) {
                /* a startContainer hook (or the exec) failed: destroyed, as when create fails */
                _cleanup_error_ berth_error *e2 = NULL;
                flock(c.dirfd, LOCK_EX); /* released while the init was starting */
                if (container_destroy(rt, &c, true, &e2) < 0)
                        log_warn("%s", e2->msg);
        }
        if (r < 0 || notify_fd < 0)
                return r;
        /* Type=notify: start returns once the container said READY=1 and systemd has read it. Unlocked
         * meanwhile: state, kill and delete must not wait for the container to become ready. */
        close(TAKE_FD(c.dirfd));
        _cleanup_close_ int pidfd = pidfd_open_pid(c.state->pid);
        return notify_wait_ready(notify_fd, pidfd, c.state->pid, -1, err);
}

/* Forwards the signals a foreground `run` receives to the container init, until it exits. */
int container_wait_forward(pid_t pid, int notify_fd, int *exit_status, berth_error **err)
{
        bool ready = false;
        static const int fwd[] = {SIGHUP,  SIGINT,   SIGQUIT, SIGTERM, SIGUSR1,
                                  SIGUSR2, SIGWINCH, SIGCONT, SIGALRM};
        sigset_t mask;
        sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(fwd); i++)
                sigaddset(&mask, fwd[i]);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        _cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        _cleanup_close_ int pidfd = pidfd_open_pid(pid);
        if (pidfd < 0)
                return berth_err(err, -pidfd, "pidfd_open %d", pid);
        for (;;) {
                struct pollfd p[3] = {{.fd = pidfd, .events = POLLIN},
                                      {.fd = notify_fd, .events = POLLIN},
                                      {.fd = sfd, .events = POLLIN}};
                int n = poll(p, 3, -1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(err, errno, "poll");
                /* before the exit check: what the container said just before it exited still goes on */
                if (p[1].revents) {
                        _cleanup_error_ berth_error *e = NULL;
                        bool was_ready = ready;
                        if (notify_forward(notify_fd, pid, &ready, &e) < 0)
                                log_warn("%s", e->msg);
                        /* systemd must have READY=1 before anything else can happen to us */
                        if (ready && !was_ready && notify_barrier(&e) < 0)
                                log_warn("%s", e ? e->msg : "notify barrier failed");
                }
                if (p[0].revents)
                        break;
                struct signalfd_siginfo si;
                if (p[2].revents && read(sfd, &si, sizeof(si)) == sizeof(si))
                        pidfd_signal(pidfd, (int)si.ssi_signo);
        }
        if (notify_fd >= 0) {
                /* before the init is reaped: systemd must see our exit status, which is the container's */
                _cleanup_error_ berth_error *e = NULL;
                if (notify_init_exited(pid, &e) < 0)
                        log_warn("%s", e->msg);
        }
        int ws;
        while (waitpid(pid, &ws, 0) < 0) {
                if (errno != EINTR)
                        return berth_err(err, errno, "waitpid %d", pid);
        }
        /* A signal that came with the exit was not read (systemctl stop signals the init and us at once):
         * unblocked, it would end berth before the container is deleted. */
        const struct timespec zero = {0, 0};
        while (sigtimedwait(&mask, NULL, &zero) > 0)
                ;
        sigprocmask(SIG_UNBLOCK, &mask, NULL);
        *exit_status = exit_status_from_wait(ws);
        return 0;
}

int berth_run(const struct berth_runtime *rt, const char *id, const struct berth_create_opts *o, bool detach,
              int *exit_status, berth_error **err)
{
        pid_t pid;
        int raw_dirfd;
        struct run_release rr = {.sync_fd = -1, .notify_fd = -1};
        int r = container_create(rt, id, o, &rr, &pid, &raw_dirfd, err);
        if (r < 0)
                return r;
        _cleanup_close_ int dirfd = raw_dirfd, sync_fd = rr.sync_fd, notify_fd = rr.notify_fd;
        _cleanup_state_ struct container_state *st = NULL;
        _cleanup_free_ char *state_dir = xasprintf("%s/%s", rt->root, id);
        /* created and being started: other commands may act on it, a startContainer or poststart hook's
         * `berth state` too */
        flock(dirfd, LOCK_UN);
        if ((r = wait_init_exec_sync(sync_fd, err)) < 0 || (r = state_read(dirfd, id, &st, err)) < 0 ||
            (r = container_started(dirfd, st, state_dir, err)) < 0 ||
            (r = machine_call_finish(TAKE_PTR(rr.machine), err)) < 0) {
                machine_call_finish(rr.machine, NULL);
                systemd_bus_release();
                close(TAKE_FD(dirfd));
                _cleanup_error_ berth_error *e2 = NULL;
                berth_delete(rt, id, true, &e2);
                return r;
        }
        systemd_bus_release(); /* not kept while the container runs (see systemd-bus.h) */
        log_debug("run %s: started", id);
        *exit_status = 0;
        if (detach) {
                if (notify_fd < 0)
                        return 0;
                /* unlocked while waiting for READY=1, as in berth_start() */
                close(TAKE_FD(dirfd));
                _cleanup_close_ int pidfd = pidfd_open_pid(pid);
                return notify_wait_ready(notify_fd, pidfd, pid, -1, err);
        }
        /* Other commands (state, kill, exec) may act on it while it runs: the directory is unlocked. */
        r = container_wait_forward(pid, notify_fd, exit_status, err);
        log_debug("run %s: exited", id);
        /* Deleted with what this command knows of it; nothing to do when `delete` was faster. */
        _cleanup_error_ berth_error *e2 = NULL;
        _cleanup_container_ struct container c = {.dirfd = -1};
        int d = container_relock(TAKE_FD(dirfd), TAKE_PTR(st), &c, &e2);
        if (d == -ENOENT)
                return r;
        if (d >= 0)
                d = container_destroy(rt, &c, true, &e2);
        if (d < 0 && r >= 0) {
                *err = TAKE_PTR(e2);
                return berth_error_rc(*err);
        }
        return r;
}
