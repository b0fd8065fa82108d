/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth exec: a new process in a running container's namespaces and cgroup. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "caps.h"
#include "container.h"
#include "fs-util.h"
#include "init.h"
#include "log.h"
#include "path.h"
#include "proc-util.h"
#include "seccomp.h"
#include "sync.h"
#include "terminal.h"

static int parse_user(const char *s, struct spec_user *u, berth_error **err)
{
        char *end;
        errno = 0;
        unsigned long uid = strtoul(s, &end, 10);
        if (errno || end == s || (*end && *end != ':'))
                return berth_err_plain(err, EINVAL, "--user %s: expected UID[:GID]", s);
        u->uid = (uint32_t)uid;
        if (*end == ':') {
                const char *g = end + 1;
                unsigned long gid = strtoul(g, &end, 10);
                if (errno || end == g || *end)
                        return berth_err_plain(err, EINVAL, "--user %s: expected UID[:GID]", s);
                u->gid = (uint32_t)gid;
        }
        return 0;
}

/* The process to run: --process FILE, or the container's process with the command line's overrides. */
static int build_process(const struct spec *spec, const struct berth_exec_opts *o, struct spec_process **ret,
                         berth_error **err)
{
        int r;
        struct spec_process *p = NULL;
        if (o->process_file) {
                _cleanup_free_ char *json = NULL;
                size_t len = 0;
                if ((r = read_file(o->process_file, 0, &json, &len)) < 0)
                        return berth_err(err, -r, "--process %s", o->process_file);
                if ((r = spec_parse_process(json, len, &p, err)) < 0)
                        return berth_err_prefix(err, "--process %s", o->process_file);
        } else {
                if (!o->args || !o->args[0])
                        return berth_err_plain(err, EINVAL, "exec: no command given (ARGS or --process)");
                p = xmalloc0(sizeof(*p));
                const struct spec_process *cp = spec->process;
                p->args = strv_copy(o->args);
                p->env = strv_copy(cp->env);
                p->cwd = xstrdup(cp->cwd ? cp->cwd : "/");
                p->user = cp->user;
                p->user.additional_gids = NULL;
                p->user.n_additional_gids = 0;
                if (cp->user.n_additional_gids) {
                        p->user.additional_gids = xmalloc0(cp->user.n_additional_gids * sizeof(uint32_t));
                        memcpy(p->user.additional_gids, cp->user.additional_gids,
                               cp->user.n_additional_gids * sizeof(uint32_t));
                        p->user.n_additional_gids = cp->user.n_additional_gids;
                }
                p->has_capabilities = cp->has_capabilities;
                p->capabilities = cp->capabilities;
                p->no_new_privileges = cp->no_new_privileges;
                p->apparmor_profile = xstrdup(cp->apparmor_profile);
                p->selinux_label = xstrdup(cp->selinux_label);
        }
        if (o->tty)
                p->terminal = true;
        if (o->cwd) {
                free(p->cwd);
                p->cwd = xstrdup(o->cwd);
        }
        for (size_t i = 0; o->env && o->env[i]; i++) {
                const char *eq = strchr(o->env[i], '=');
                size_t klen = eq ? (size_t)(eq - o->env[i]) : strlen(o->env[i]);
                size_t j;
                for (j = 0; p->env && p->env[j]; j++)
                        if (strncmp(p->env[j], o->env[i], klen) == 0 && p->env[j][klen] == '=')
                                break;
                if (p->env && p->env[j]) {
                        free(p->env[j]);
                        p->env[j] = xstrdup(o->env[i]);
                } else
                        p->env = strv_append(p->env, o->env[i]);
        }
        if (o->user && (r = parse_user(o->user, &p->user, err)) < 0)
                goto fail;
        for (size_t i = 0; o->caps && o->caps[i]; i++) {
                int c = cap_from_name(o->caps[i]);
                if (c < 0) {
                        r = berth_err_plain(err, EINVAL, "--cap: unknown capability \"%s\"", o->caps[i]);
                        goto fail;
                }
                p->has_capabilities = true;
                uint64_t bit = 1ULL << c;
                p->capabilities.bounding |= bit;
                p->capabilities.effective |= bit;
                p->capabilities.permitted |= bit;
        }
        if (o->no_new_privs)
                p->no_new_privileges = true;
        if (!p->cwd)
                p->cwd = xstrdup("/");
        *ret = p;
        return 0;
fail:
        spec_process_free(p);
        return r;
}

/* The exec'd process, after it joined the container's namespaces (and forked into its pid namespace). */
static int exec_child(const struct spec *spec, const struct spec_process *p, int sock, unsigned n_fds,
                      struct plugin_set *plugins, const struct plugin_container *pc, berth_error **err)
{
        int r;
        const struct spec_linux *l = spec->linux;
        _cleanup_close_ int slave = -1;
        if (p->terminal) {
                _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                _cleanup_close_ int master = -1;
                if ((r = terminal_open(rootfd, p, &master, &slave, err)) < 0)
                        return r;
                if ((r = sync_send(sock, SYNC_CONSOLE_FD, 0, NULL, master)) < 0)
                        return berth_err(err, -r, "send pty master");
        }
        if (chdir(p->cwd) < 0)
                return berth_err(err, errno, "cwd %s", p->cwd);
        _cleanup_free_ char *exe = NULL;
        if ((r = init_find_executable(p->args[0], p->env, &exe, err)) < 0)
                return r;
        const struct spec_seccomp *sc = l ? l->seccomp : NULL;
        bool early = init_seccomp_early(p, sc);
        if ((r = init_apply_attrs(p, NULL, true, err)) < 0)
                return r;
        int notify_fd = -1;
        if (early && (r = seccomp_apply(sc, &notify_fd, err)) < 0)
                return r;
        if (notify_fd >= 0)
                close(notify_fd);
        if ((r = init_apply_identity(p, err)) < 0)
                return r;
        if (slave >= 0 && (r = terminal_make_stdio(slave, err)) < 0)
                return r;
        if ((r = init_pass_fds(n_fds, err)) < 0)
                return r;
        /* the container's confinements (Landlock...) cover this process too */
        if (plugins_any(plugins) && (r = plugins_call(plugins, PLUGIN_SETUP_CONTAINER, pc, err)) < 0)
                return r;
        if (sc && !early && (r = seccomp_apply(sc, &notify_fd, err)) < 0)
                return r;
        /* On success the sync socket closes with execve (O_CLOEXEC): that is the parent's signal. */
        execve(exe, p->args, p->env);
        return berth_err(err, errno, "exec %s", exe);
}

_noreturn_ static void exec_intermediate(const struct spec *spec, const struct spec_process *p, int pidfd,
                                         int ns_mask, int sock, unsigned n_fds, struct plugin_set *plugins,
                                         const struct plugin_container *pc)
{
        _cleanup_error_ berth_error *err = NULL;
        struct sync_msg m = {.fd = -1};
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (sync_expect(sock, SYNC_PARENT_READY, &m, &err) < 0)
                _exit(1);
        if (ns_mask && setns(pidfd, ns_mask) < 0) {
                berth_err(&err, errno, "join the container's namespaces");
                goto fail;
        }
        pid_t pid = fork();
        if (pid < 0) {
                berth_err(&err, errno, "fork");
                goto fail;
        }
        if (pid == 0) {
                exec_child(spec, p, sock, n_fds, plugins, pc, &err);
                goto fail;
        }
        sync_send(sock, SYNC_INIT_PID, pid, NULL, -1);
        _exit(0);
fail:
        sync_send_error(sock, err);
        _exit(127);
}

int berth_exec(const struct berth_runtime *rt, const char *id, const struct berth_exec_opts *o,
               int *exit_status, berth_error **err)
{
        int r;
        _cleanup_container_ struct container c = {.dirfd = -1};
        if ((r = container_load(rt, id, &c, err)) < 0)
                return r;
        if (c.status != STATUS_RUNNING && c.status != STATUS_CREATED)
                return berth_err_plain(err, EINVAL, "cannot exec in container %s: container not running (%s)",
                                       id, container_status_to_string(c.status));
        _cleanup_free_ char *config = NULL;
        if ((r = read_file_at(c.dirfd, CONFIG_FILE, 0, &config, NULL)) < 0)
                return berth_err(err, -r, "read the container's config.json");
        _cleanup_spec_ struct spec *spec = NULL;
        if ((r = spec_parse(config, strlen(config), &spec, err)) < 0)
                return r;
        struct spec_process *p = NULL;
        if ((r = build_process(spec, o, &p, err)) < 0)
                return r;
        spec_process_free(spec->process);
        spec->process = p;
        if (p->terminal && !o->console_socket)
                return berth_err_plain(err, EINVAL,
                                       "a terminal (-t or process.terminal) needs --console-socket");
        /* here, on the host: the process applies the filter once it is in the container (seccomp.c) */
        if (spec->linux && (r = seccomp_check(spec->linux->seccomp, err)) < 0)
                return r;

        int ns_mask = ns_differing_mask(c.state->pid, err);
        if (ns_mask < 0)
                return ns_mask;
        _cleanup_close_ int pidfd = pidfd_open_pid(c.state->pid);
        if (pidfd < 0 || !state_init_alive(c.state))
                return berth_err_plain(err, ESRCH, "container not running (no such process)");
        _cleanup_close_ int console_fd = -1;
        if (p->terminal && (console_fd = console_socket_connect(o->console_socket, err)) < 0)
                return console_fd;
        /* plugins: opened before the fork, their setup_container runs in the exec'd process */
        _cleanup_plugins_ struct plugin_set *plugins = NULL;
        _cleanup_free_ char *plugin_config = NULL, *state_dir = xasprintf("%s/%s", rt->root, id);
        struct plugin_container pc = {0};
        if ((r = container_plugins_open(c.dirfd, c.state, rt->root, state_dir, &plugins, &pc, &plugin_config,
                                        err)) < 0)
                return r;
        int sync[2];
        if ((r = sync_pair(sync, err)) < 0)
                return r;
        _cleanup_close_ int sock = sync[0];
        /* Release the lock before forking (the child must not inherit it): the exec'd process may run for
         * long, and `state`/`kill` must still work. */
        close(TAKE_FD(c.dirfd));
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        fflush(NULL);
        pid_t child = fork();
        if (child < 0) {
                close(sync[1]);
                return berth_err(err, errno, "fork");
        }
        if (child == 0) {
                close(sync[0]);
                exec_intermediate(spec, p, pidfd, ns_mask, sync[1], o->preserve_fds, plugins, &pc);
        }
        close(sync[1]);

        pid_t pid = -1;
        if ((r = c.cgroup->ops->enter(c.cgroup, child, err)) < 0)
                goto fail;
        if ((r = sync_send(sock, SYNC_PARENT_READY, 0, NULL, -1)) < 0) {
                r = berth_err(err, -r, "send to exec process");
                goto fail;
        }
        for (;;) {
                struct sync_msg m = {.fd = -1};
                r = sync_recv(sock, &m);
                if (r == -EPIPE) {
                        r = 0;
                        break; /* execve closed the socket: the process runs */
                }
                if (r < 0) {
                        r = berth_err(err, -r, "receive from exec process");
                        goto fail;
                }
                if (m.step == SYNC_INIT_PID)
                        pid = m.value;
                else if (m.step == SYNC_CONSOLE_FD && m.fd >= 0)
                        r = console_socket_send(console_fd, m.fd, err);
                else if (m.step == SYNC_ERROR)
                        r = berth_err_plain(err, m.value > 0 ? m.value : EINVAL, "%s",
                                            m.text ? m.text : "exec failed");
                sync_msg_clear(&m);
                if (r < 0)
                        goto fail;
        }
        waitpid(child, NULL, 0);
        child = -1;
        if (pid <= 0) {
                r = berth_err_plain(err, EPROTO, "exec process did not report its pid");
                goto fail;
        }
        if (o->pid_file && (r = pid_file_write(o->pid_file, pid, err)) < 0)
                goto fail;
        *exit_status = 0;
        if (o->detach)
                return 0;
        return container_wait_forward(pid, -1, exit_status, err);

fail:
        if (pid > 0) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
        }
        if (child > 0) {
                kill(child, SIGKILL);
                waitpid(child, NULL, 0);
        }
        return r;
}
