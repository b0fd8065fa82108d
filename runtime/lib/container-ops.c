/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Operations on an existing container: state, kill, delete, pause, resume, list, ps. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "container.h"
#include "fs-util.h"
#include "hooks.h"
#include "log.h"
#include "machine.h"
#include "systemd-bus.h"
#include "proc-util.h"

void container_close(struct container *c)
{
        if (c->dirfd >= 0)
                close(c->dirfd);
        c->dirfd = -1;
        container_state_free(c->state);
        c->state = NULL;
        cgroup_free(c->cgroup);
        c->cgroup = NULL;
}

/* The cgroup (with the manager the container was created with, whatever this command line says) and the
 * status, derived fresh. */
static int container_open_cgroup(struct container *c, berth_error **err)
{
        const struct container_state *s = c->state;
        int r = cgroup_open(s->cgroup_manager, s->id, s->cgroup_path, s->cgroup_unit, &c->cgroup, err);
        if (r < 0)
                return r;
        c->status = state_status(c->dirfd, s, c->cgroup);
        return 0;
}

int container_load(const struct berth_runtime *rt, const char *id, struct container *c, berth_error **err)
{
        int r;
        c->dirfd = -1;
        if ((r = berth_id_validate(id, err)) < 0)
                return r;
        c->dirfd = state_dir_open(rt->root, id, err);
        if (c->dirfd < 0)
                return c->dirfd;
        if ((r = state_read(c->dirfd, id, &c->state, err)) < 0)
                return r;
        return container_open_cgroup(c, err);
}

int container_relock(int dirfd, struct container_state *s, struct container *c, berth_error **err)
{
        c->dirfd = dirfd;
        c->state = s;
        int r = state_dir_lock(dirfd, s->id, err);
        return r < 0 ? r : container_open_cgroup(c, err);
}

int container_signal_init(const struct container_state *s, int sig, berth_error **err)
{
        _cleanup_close_ int pidfd = pidfd_open_pid(s->pid);
        /* The pidfd pins the process: check it is still the container's init, not a reused pid. */
        if (pidfd < 0 || !state_init_alive(s))
                return berth_err_plain(err, ESRCH, "container not running (no such process)");
        int r = pidfd_signal(pidfd, sig);
        if (r == -ESRCH)
                return berth_err_plain(err, ESRCH, "container not running (no such process)");
        if (r < 0)
                return berth_err(err, -r, "kill container init %d", s->pid);
        return 0;
}

static bool cgroup_has_processes(struct cgroup *cg)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        _cleanup_error_ berth_error *e = NULL;
        if (!cg->ops->pids || cg->ops->pids(cg, &pids, &n, &e) < 0)
                return false;
        return n > 0;
}

int container_destroy(const struct berth_runtime *rt, struct container *c, bool force, berth_error **err)
{
        struct container_state *s = c->state;
        struct cgroup *cg = c->cgroup;
        _cleanup_error_ berth_error *e = NULL;
        int r;

        /* poststop hooks are read before the state directory goes */
        _cleanup_spec_ struct spec *hooks = NULL;
        if (container_saved_hooks(c->dirfd, s, &hooks, &e) < 0) {
                log_warn("poststop hooks of %s: %s", s->id, e->msg);
                berth_error_freep(&e);
        }
        _cleanup_close_ int pidfd = state_init_alive(s) ? pidfd_open_pid(s->pid) : -1;
        if (c->status == STATUS_PAUSED && cg->ops->freeze(cg, false, &e) < 0)
                log_warn("thaw before delete: %s", e->msg);
        /* Everything in the cgroup (an init without a pid namespace leaves its children behind). */
        bool busy = cgroup_has_processes(cg);
        if (busy && cg->ops->kill_all(cg, SIGKILL, &e) < 0)
                log_debug("kill cgroup: %s", e ? e->msg : "");
        if (pidfd >= 0) {
                pidfd_signal(pidfd, SIGKILL);
                if (pidfd_wait_exit(pidfd, 10000) == 0)
                        return berth_err_plain(err, ETIMEDOUT, "container init %d did not exit after SIGKILL",
                                               s->pid);
                /* Our own child when `run` created it: reap it. */
                waitpid(s->pid, NULL, WNOHANG);
        }
        /* machined unregisters while the cgroup goes (systemd: the same connection, the calls in one go) */
        struct machine_call *machine = NULL;
        if (machine_unregister_start(s->id, cg, &machine, &e) < 0) {
                log_warn("%s", e->msg);
                berth_error_freep(&e);
        }
        /* what was killed takes a moment to leave the cgroup (an init's own exit is waited for above) */
        useconds_t delay = 200;
        for (int i = 0; i < 60 && busy && (busy = cgroup_has_processes(cg)); i++) {
                usleep(delay);
                delay = MIN(delay * 2, (useconds_t)50000);
        }
        r = cg->ops->destroy(cg, err);
        if (machine_call_finish(machine, &e) < 0) {
                log_warn("%s", e->msg);
                berth_error_freep(&e);
        }
        systemd_bus_release();
        if (r < 0)
                return r;
        log_debug("delete %s: cgroup removed", s->id);
        if (hooks && hooks_present(hooks, HOOK_POSTSTOP)) {
                _cleanup_free_ char *state = state_to_oci_json(s, STATUS_STOPPED);
                /* a failing poststop hook is a warning: delete completes */
                if (hooks_run(hooks, HOOK_POSTSTOP, state, &e) < 0) {
                        log_warn("%s", e->msg);
                        berth_error_freep(&e);
                }
        }
        /* plugins release what they made (veth, leases...), also for a container that died on its own */
        _cleanup_free_ char *state_dir = xasprintf("%s/%s", rt->root, s->id);
        _cleanup_plugins_ struct plugin_set *ps = NULL;
        _cleanup_free_ char *config = NULL;
        struct plugin_container pc;
        if (container_plugins_open(c->dirfd, s, rt->root, state_dir, &ps, &pc, &config, &e) < 0 ||
            plugins_call(ps, PLUGIN_DESTROY, &pc, &e) < 0) {
                if (!force)
                        return berth_err_plain(err, e->code,
                                               "%s (delete --force removes the container anyway)", e->msg);
                log_warn("%s", e->msg);
                berth_error_freep(&e);
        }
        r = state_dir_remove(rt->root, s->id);
        if (r < 0)
                return berth_err(err, -r, "remove state directory %s/%s", rt->root, s->id);
        return 0;
}

int berth_state(const struct berth_runtime *rt, const char *id, char **ret_json, berth_error **err)
{
        _cleanup_container_ struct container c = {.dirfd = -1};
        int r = container_load(rt, id, &c, err);
        if (r < 0)
                return r;
        *ret_json = state_to_oci_json(c.state, c.status);
        /* what the cni plugin's ADD returned, as the member "cni" */
        _cleanup_free_ char *cni = NULL;
        if (read_file_at(c.dirfd, "plugins/cni/result.json", 1 << 20, &cni, NULL) >= 0) {
                char *merged = state_json_add_member(*ret_json, "cni", cni);
                if (merged) {
                        free(*ret_json);
                        *ret_json = merged;
                }
        }
        return 0;
}

int berth_kill(const struct berth_runtime *rt, const char *id, int sig, bool all, berth_error **err)
{
        _cleanup_container_ struct container c = {.dirfd = -1};
        int r = container_load(rt, id, &c, err);
        if (r < 0)
                return r;
        if (c.status == STATUS_STOPPED)
                return berth_err_plain(err, ESRCH, "container not running (no such process)");
        if (all) {
                _cleanup_error_ berth_error *e = NULL;
                r = c.cgroup->ops->kill_all(c.cgroup, sig, &e);
                if (r >= 0)
                        return 0;
                if (r != -EOPNOTSUPP) {
                        *err = TAKE_PTR(e);
                        return r;
                }
                /* No cgroup: the init is all we know (its pid namespace dies with it). */
        }
        return container_signal_init(c.state, sig, err);
}

/* A create killed half-way left <root>/<id> without state.json: its plugins may have made things (veths,
 * leases) already. Their destroy runs from the config copy's annotations, with no pid. */
static void destroy_half_created(const struct berth_runtime *rt, const char *id, const char *state_dir)
{
        _cleanup_close_ int dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_free_ char *config = NULL;
        _cleanup_spec_ struct spec *spec = NULL;
        if (dirfd < 0 || read_file_at(dirfd, CONFIG_FILE, 0, &config, NULL) < 0 ||
            spec_parse(config, strlen(config), &spec, NULL) < 0)
                return;
        struct container_state s = {
            .id = (char *)id,
            .bundle = (char *)"",
            .rootfs = spec->root_path,
            .annotations = spec->annotations,
            .n_annotations = spec->n_annotations,
        };
        _cleanup_plugins_ struct plugin_set *ps = NULL;
        _cleanup_free_ char *config2 = NULL;
        _cleanup_error_ berth_error *e = NULL;
        struct plugin_container pc;
        if (container_plugins_open(dirfd, &s, rt->root, state_dir, &ps, &pc, &config2, &e) < 0 ||
            plugins_call(ps, PLUGIN_DESTROY, &pc, &e) < 0)
                log_warn("delete %s: %s", id, e ? e->msg : "plugins");
}

int berth_delete(const struct berth_runtime *rt, const char *id, bool force, berth_error **err)
{
        _cleanup_container_ struct container c = {.dirfd = -1};
        _cleanup_error_ berth_error *e = NULL;
        int r = container_load(rt, id, &c, &e);
        if (r == -ENOENT && force && berth_id_validate(id, NULL) == 0) {
                /* Nothing to delete is success with --force (containerd deletes twice, as runc allows), and a
                 * create that was killed half-way leaves a directory without state that --force clears. */
                _cleanup_free_ char *path = xasprintf("%s/%s", rt->root, id);
                struct stat st;
                if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                        destroy_half_created(rt, id, path);
                        state_dir_remove(rt->root, id);
                }
                return 0;
        }
        if (r < 0) {
                *err = TAKE_PTR(e);
                return r;
        }
        if (!force && c.status != STATUS_STOPPED && c.status != STATUS_CREATED)
                return berth_err_plain(err, EBUSY,
                                       "cannot delete container %s that is not stopped: %s (use --force)", id,
                                       container_status_to_string(c.status));
        return container_destroy(rt, &c, force, err);
}

static int set_frozen(const struct berth_runtime *rt, const char *id, bool frozen, berth_error **err)
{
        _cleanup_container_ struct container c = {.dirfd = -1};
        int r = container_load(rt, id, &c, err);
        if (r < 0)
                return r;
        if (c.status != (frozen ? STATUS_RUNNING : STATUS_PAUSED) && c.status != STATUS_CREATED)
                return berth_err_plain(err, EINVAL, "container %s is %s, not %s", id,
                                       container_status_to_string(c.status), frozen ? "running" : "paused");
        r = c.cgroup->ops->freeze(c.cgroup, frozen, err);
        if (r == -EOPNOTSUPP)
                return berth_err_prefix(
                    err, "%s needs a cgroup (container created with --cgroup-manager=disabled)",
                    frozen ? "pause" : "resume");
        return r;
}

int berth_pause(const struct berth_runtime *rt, const char *id, berth_error **err)
{
        return set_frozen(rt, id, true, err);
}

int berth_resume(const struct berth_runtime *rt, const char *id, berth_error **err)
{
        return set_frozen(rt, id, false, err);
}

void berth_container_info_free(struct berth_container_info *c, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(c[i].id);
                free(c[i].status);
                free(c[i].bundle);
                free(c[i].created);
                free(c[i].owner);
        }
        free(c);
}

static int cmp_info(const void *a, const void *b)
{
        return strcmp(((const struct berth_container_info *)a)->id,
                      ((const struct berth_container_info *)b)->id);
}

int berth_list(const struct berth_runtime *rt, struct berth_container_info **ret, size_t *n,
               berth_error **err)
{
        *ret = NULL;
        *n = 0;
        _cleanup_closedir_ DIR *d = opendir(rt->root);
        if (!d) {
                if (errno == ENOENT)
                        return 0;
                return berth_err(err, errno, "open state root %s", rt->root);
        }
        struct berth_container_info *v = NULL;
        size_t count = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || berth_id_validate(de->d_name, NULL) < 0)
                        continue;
                _cleanup_container_ struct container c = {.dirfd = -1};
                if (container_load(rt, de->d_name, &c, NULL) < 0)
                        continue; /* being created or deleted right now */
                v = xrealloc(v, (count + 1) * sizeof(*v));
                v[count] = (struct berth_container_info){
                    .id = xstrdup(c.state->id),
                    .pid = c.status == STATUS_STOPPED ? 0 : c.state->pid,
                    .status = xstrdup(container_status_to_string(c.status)),
                    .bundle = xstrdup(c.state->bundle),
                    .created = xstrdup(c.state->created ? c.state->created : ""),
                    .owner = xstrdup(c.state->owner ? c.state->owner : ""),
                };
                count++;
        }
        if (count)
                qsort(v, count, sizeof(*v), cmp_info);
        *ret = v;
        *n = count;
        return 0;
}

int berth_ps(const struct berth_runtime *rt, const char *id, pid_t **ret, size_t *n, berth_error **err)
{
        _cleanup_container_ struct container c = {.dirfd = -1};
        int r = container_load(rt, id, &c, err);
        if (r < 0)
                return r;
        _cleanup_error_ berth_error *e = NULL;
        r = c.cgroup->ops->pids(c.cgroup, ret, n, &e);
        if (r == -EOPNOTSUPP) {
                /* No cgroup: the init alone. */
                *n = 0;
                *ret = xmalloc0(sizeof(pid_t));
                if (c.status != STATUS_STOPPED)
                        (*ret)[(*n)++] = c.state->pid;
                return 0;
        }
        if (r < 0) {
                *err = TAKE_PTR(e);
                return r;
        }
        return 0;
}
