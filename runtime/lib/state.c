/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include <json-glib/json-glib.h>

#include "fs-util.h"
#include "json-util.h"
#include "state.h"

const char *container_status_to_string(enum container_status s)
{
        static const char *const names[] = {
            [STATUS_CREATING] = "creating", [STATUS_CREATED] = "created", [STATUS_RUNNING] = "running",
            [STATUS_PAUSED] = "paused",     [STATUS_STOPPED] = "stopped",
        };
        return (unsigned)s < ELEMENTSOF(names) ? names[s] : "unknown";
}

void container_state_free(struct container_state *s)
{
        if (!s)
                return;
        free(s->id);
        free(s->bundle);
        free(s->rootfs);
        free(s->created);
        free(s->owner);
        free(s->cgroup_path);
        free(s->cgroup_unit);
        for (size_t i = 0; i < s->n_annotations; i++) {
                free(s->annotations[i].key);
                free(s->annotations[i].value);
        }
        free(s->annotations);
        free(s);
}

static int lock_dir(int fd, const char *id, berth_error **err)
{
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR)
                        return berth_err(err, errno, "lock state of container %s", id);
        }
        return 0;
}

int state_dir_create(const char *root, const char *id, berth_error **err)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", root, id);
        int r = mkdir_p(root, 0700);
        if (r < 0)
                return berth_err(err, -r, "create state root %s", root);
        _cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berth_err(err, errno, "open state root %s", root);
        if (mkdirat(rootfd, id, 0700) < 0) {
                if (errno == EEXIST)
                        return berth_err_plain(err, EEXIST, "container %s already exists", id);
                return berth_err(err, errno, "create state directory %s", path);
        }
        int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                r = berth_err(err, errno, "open state directory %s", path);
                unlinkat(rootfd, id, AT_REMOVEDIR);
                return r;
        }
        r = lock_dir(fd, id, err);
        if (r < 0) {
                close(fd);
                unlinkat(rootfd, id, AT_REMOVEDIR);
                return r;
        }
        return fd;
}

int state_dir_open(const char *root, const char *id, berth_error **err)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", root, id);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT)
                        return berth_err_plain(err, ENOENT, "container %s does not exist", id);
                return berth_err(err, errno, "open state directory %s", path);
        }
        int r = state_dir_lock(fd, id, err);
        return r < 0 ? r : TAKE_FD(fd);
}

int state_dir_lock(int fd, const char *id, berth_error **err)
{
        int r = lock_dir(fd, id, err);
        if (r < 0)
                return r;
        /* A concurrent delete may have removed the directory while we waited for the lock. */
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_nlink == 0 || faccessat(fd, STATE_FILE, F_OK, 0) < 0) {
                flock(fd, LOCK_UN);
                return berth_err_plain(err, ENOENT, "container %s does not exist", id);
        }
        return 0;
}

int state_dir_remove(const char *root, const char *id)
{
        _cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return -errno;
        return rm_rf_at(rootfd, id);
}

char *state_to_json(const struct container_state *s)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "id");
        json_builder_add_string_value(b, s->id);
        json_builder_set_member_name(b, "bundle");
        json_builder_add_string_value(b, s->bundle);
        json_builder_set_member_name(b, "rootfs");
        json_builder_add_string_value(b, s->rootfs);
        json_builder_set_member_name(b, "pid");
        json_builder_add_int_value(b, s->pid);
        json_builder_set_member_name(b, "startTime");
        json_builder_add_int_value(b, (gint64)s->start_time);
        json_builder_set_member_name(b, "created");
        json_builder_add_string_value(b, s->created);
        json_builder_set_member_name(b, "owner");
        json_builder_add_string_value(b, s->owner ? s->owner : "");
        json_builder_set_member_name(b, "cgroupManager");
        json_builder_add_string_value(b, cgroup_manager_to_string(s->cgroup_manager));
        if (s->cgroup_path) {
                json_builder_set_member_name(b, "cgroupPath");
                json_builder_add_string_value(b, s->cgroup_path);
        }
        if (s->cgroup_unit) {
                json_builder_set_member_name(b, "cgroupUnit");
                json_builder_add_string_value(b, s->cgroup_unit);
        }
        json_builder_set_member_name(b, "annotations");
        json_builder_begin_object(b);
        for (size_t i = 0; i < s->n_annotations; i++) {
                json_builder_set_member_name(b, s->annotations[i].key);
                json_builder_add_string_value(b, s->annotations[i].value);
        }
        json_builder_end_object(b);
        json_builder_end_object(b);
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        return json_node_to_text(root, false);
}

static char *member_string(JsonObject *o, const char *name)
{
        JsonNode *n = json_object_get_member(o, name);
        if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
                return NULL;
        return xstrdup(json_node_get_string(n));
}

static gint64 member_int(JsonObject *o, const char *name)
{
        JsonNode *n = json_object_get_member(o, name);
        if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
                return 0;
        return json_node_get_int(n);
}

int state_from_json(const char *json, struct container_state **ret, berth_error **err)
{
        g_autoptr(JsonParser) p = json_parser_new();
        g_autoptr(GError) gerr = NULL;
        if (!json_parser_load_from_data(p, json, -1, &gerr))
                return berth_err_plain(err, EINVAL, "state.json: %s", gerr->message);
        JsonNode *root = json_parser_get_root(p);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root))
                return berth_err_plain(err, EINVAL, "state.json: not an object");
        JsonObject *o = json_node_get_object(root);
        struct container_state *s = xmalloc0(sizeof(*s));
        s->id = member_string(o, "id");
        s->bundle = member_string(o, "bundle");
        s->rootfs = member_string(o, "rootfs");
        s->pid = (pid_t)member_int(o, "pid");
        s->start_time = (unsigned long long)member_int(o, "startTime");
        s->created = member_string(o, "created");
        s->owner = member_string(o, "owner");
        _cleanup_free_ char *mgr = member_string(o, "cgroupManager");
        int m = mgr ? cgroup_manager_from_string(mgr) : CGROUP_MANAGER_DISABLED;
        s->cgroup_manager = m < 0 ? CGROUP_MANAGER_DISABLED : (enum cgroup_manager_type)m;
        s->cgroup_path = member_string(o, "cgroupPath");
        s->cgroup_unit = member_string(o, "cgroupUnit");
        JsonNode *an = json_object_get_member(o, "annotations");
        if (an && JSON_NODE_HOLDS_OBJECT(an)) {
                JsonObject *ao = json_node_get_object(an);
                GList *members = json_object_get_members(ao);
                size_t n = g_list_length(members);
                s->annotations = xmalloc0(n * sizeof(struct spec_kv));
                for (GList *l = members; l; l = l->next) {
                        const char *k = l->data;
                        char *v = member_string(ao, k);
                        if (!v)
                                continue;
                        s->annotations[s->n_annotations].key = xstrdup(k);
                        s->annotations[s->n_annotations].value = v;
                        s->n_annotations++;
                }
                g_list_free(members);
        }
        if (!s->id || !s->bundle) {
                container_state_free(s);
                return berth_err_plain(err, EINVAL, "state.json: missing id or bundle");
        }
        *ret = s;
        return 0;
}

int state_write(int dirfd, const struct container_state *s, berth_error **err)
{
        _cleanup_free_ char *json = state_to_json(s);
        int r = write_file_atomic_at(dirfd, STATE_FILE, json, strlen(json));
        if (r < 0)
                return berth_err(err, -r, "write state of container %s", s->id);
        return 0;
}

int state_read(int dirfd, const char *id, struct container_state **ret, berth_error **err)
{
        _cleanup_free_ char *json = NULL;
        int r = read_file_at(dirfd, STATE_FILE, 0, &json, NULL);
        if (r == -ENOENT)
                return berth_err_plain(err, ENOENT, "container %s does not exist", id);
        if (r < 0)
                return berth_err(err, -r, "read state of container %s", id);
        return state_from_json(json, ret, err);
}

char *state_to_oci_json(const struct container_state *s, enum container_status status)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "ociVersion");
        json_builder_add_string_value(b, "1.3.0");
        json_builder_set_member_name(b, "id");
        json_builder_add_string_value(b, s->id);
        json_builder_set_member_name(b, "status");
        json_builder_add_string_value(b, container_status_to_string(status));
        json_builder_set_member_name(b, "pid");
        json_builder_add_int_value(b, status == STATUS_STOPPED ? 0 : s->pid);
        json_builder_set_member_name(b, "bundle");
        json_builder_add_string_value(b, s->bundle);
        json_builder_set_member_name(b, "rootfs");
        json_builder_add_string_value(b, s->rootfs ? s->rootfs : "");
        json_builder_set_member_name(b, "created");
        json_builder_add_string_value(b, s->created ? s->created : "");
        json_builder_set_member_name(b, "owner");
        json_builder_add_string_value(b, s->owner ? s->owner : "");
        json_builder_set_member_name(b, "annotations");
        json_builder_begin_object(b);
        for (size_t i = 0; i < s->n_annotations; i++) {
                json_builder_set_member_name(b, s->annotations[i].key);
                json_builder_add_string_value(b, s->annotations[i].value);
        }
        json_builder_end_object(b);
        json_builder_end_object(b);
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        return json_node_to_text(root, true);
}

char *state_json_add_member(const char *doc, const char *name, const char *value_json)
{
        g_autoptr(JsonParser) pd = json_parser_new();
        g_autoptr(JsonParser) pv = json_parser_new();
        if (!json_parser_load_from_data(pd, doc, -1, NULL) ||
            !json_parser_load_from_data(pv, value_json, -1, NULL))
                return NULL;
        JsonNode *root = json_parser_get_root(pd);
        JsonNode *value = json_parser_get_root(pv);
        if (!root || !value || !JSON_NODE_HOLDS_OBJECT(root))
                return NULL;
        json_object_set_member(json_node_get_object(root), name, json_node_copy(value));
        return json_node_to_text(root, true);
}

unsigned long long proc_start_time(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        _cleanup_free_ char *buf = NULL;
        if (pid <= 0 || read_file(path, 4096, &buf, NULL) < 0)
                return 0;
        /* comm may contain spaces and parentheses: parse after the last ')'. */
        char *p = strrchr(buf, ')');
        if (!p)
                return 0;
        p += 2; /* field 3: state */
        if (*p == 'Z' || *p == 'X')
                return 0;
        unsigned long long v = 0;
        for (int field = 3; field <= 22 && p; field++) {
                if (field == 22) {
                        v = strtoull(p, NULL, 10);
                        break;
                }
                p = strchr(p, ' ');
                if (p)
                        p++;
        }
        return v;
}

bool state_init_alive(const struct container_state *s)
{
        if (s->pid <= 0)
                return false;
        unsigned long long st = proc_start_time(s->pid);
        return st != 0 && st == s->start_time;
}

enum container_status state_status(int dirfd, const struct container_state *s, struct cgroup *cg)
{
        if (!state_init_alive(s))
                return STATUS_STOPPED;
        if (faccessat(dirfd, EXEC_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return STATUS_CREATED;
        if (cg && cg->ops && cg->ops->is_frozen && cg->ops->is_frozen(cg) > 0)
                return STATUS_PAUSED;
        return STATUS_RUNNING;
}
