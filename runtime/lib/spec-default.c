/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The config.json written by `berth spec`: the same defaults as `runc spec` (and `runc spec --rootless`). */
#include "json-util.h"
#include "spec.h"

#include <json-glib/json-glib.h>

static void add_strings(JsonBuilder *b, const char *key, const char *const *v)
{
        json_builder_set_member_name(b, key);
        json_builder_begin_array(b);
        for (; *v; v++)
                json_builder_add_string_value(b, *v);
        json_builder_end_array(b);
}

static void add_process(JsonBuilder *b)
{
        static const char *const args[] = {"sh", NULL};
        static const char *const env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                          "TERM=xterm", NULL};
        static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};

        json_builder_set_member_name(b, "process");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "terminal");
        json_builder_add_boolean_value(b, true);
        json_builder_set_member_name(b, "user");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "uid");
        json_builder_add_int_value(b, 0);
        json_builder_set_member_name(b, "gid");
        json_builder_add_int_value(b, 0);
        json_builder_end_object(b);
        add_strings(b, "args", args);
        add_strings(b, "env", env);
        json_builder_set_member_name(b, "cwd");
        json_builder_add_string_value(b, "/");
        json_builder_set_member_name(b, "capabilities");
        json_builder_begin_object(b);
        add_strings(b, "bounding", caps);
        add_strings(b, "effective", caps);
        add_strings(b, "permitted", caps);
        json_builder_end_object(b);
        json_builder_set_member_name(b, "rlimits");
        json_builder_begin_array(b);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "type");
        json_builder_add_string_value(b, "RLIMIT_NOFILE");
        json_builder_set_member_name(b, "hard");
        json_builder_add_int_value(b, 1024);
        json_builder_set_member_name(b, "soft");
        json_builder_add_int_value(b, 1024);
        json_builder_end_object(b);
        json_builder_end_array(b);
        json_builder_set_member_name(b, "noNewPrivileges");
        json_builder_add_boolean_value(b, true);
        json_builder_end_object(b);
}

struct default_mount {
        const char *destination, *type, *source;
        const char *options[8];
};

static void add_mount(JsonBuilder *b, const struct default_mount *m, bool rootless)
{
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "destination");
        json_builder_add_string_value(b, m->destination);
        json_builder_set_member_name(b, "type");
        json_builder_add_string_value(b, m->type);
        json_builder_set_member_name(b, "source");
        json_builder_add_string_value(b, m->source);
        if (m->options[0]) {
                json_builder_set_member_name(b, "options");
                json_builder_begin_array(b);
                for (const char *const *o = m->options; *o; o++)
                        /* uid=/gid= options name ids that do not exist in a rootless user namespace */
                        if (!rootless || (!startswith(*o, "uid=") && !startswith(*o, "gid=")))
                                json_builder_add_string_value(b, *o);
                json_builder_end_array(b);
        }
        json_builder_end_object(b);
}

static void add_mounts(JsonBuilder *b, bool rootless)
{
        static const struct default_mount mounts[] = {
            {"/proc", "proc", "proc", {NULL}},
            {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
            {"/dev/pts",
             "devpts",
             "devpts",
             {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
            {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
            {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
            {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
            {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}},
        };
        /* A user namespace cannot mount a fresh sysfs for a network namespace it does not own. */
        static const struct default_mount rootless_sys = {
            "/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro", NULL}};

        json_builder_set_member_name(b, "mounts");
        json_builder_begin_array(b);
        for (size_t i = 0; i < ELEMENTSOF(mounts); i++)
                add_mount(b, rootless && STREQ(mounts[i].destination, "/sys") ? &rootless_sys : &mounts[i],
                          rootless);
        json_builder_end_array(b);
}

static void add_mapping(JsonBuilder *b, const char *key, unsigned id)
{
        json_builder_set_member_name(b, key);
        json_builder_begin_array(b);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "containerID");
        json_builder_add_int_value(b, 0);
        json_builder_set_member_name(b, "hostID");
        json_builder_add_int_value(b, id);
        json_builder_set_member_name(b, "size");
        json_builder_add_int_value(b, 1);
        json_builder_end_object(b);
        json_builder_end_array(b);
}

static void add_linux(JsonBuilder *b, bool rootless)
{
        static const char *const masked[] = {
            "/proc/acpi",
            "/proc/asound",
            "/proc/kcore",
            "/proc/keys",
            "/proc/latency_stats",
            "/proc/timer_list",
            "/proc/timer_stats",
            "/proc/sched_debug",
            "/sys/firmware",
            "/proc/scsi",
            "/sys/devices/virtual/powercap",
            NULL,
        };
        static const char *const readonly[] = {"/proc/bus",           "/proc/fs", "/proc/irq", "/proc/sys",
                                               "/proc/sysrq-trigger", NULL};
        static const char *const namespaces[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};

        json_builder_set_member_name(b, "linux");
        json_builder_begin_object(b);
        if (rootless) {
                add_mapping(b, "uidMappings", (unsigned)geteuid());
                add_mapping(b, "gidMappings", (unsigned)getegid());
        } else {
                json_builder_set_member_name(b, "resources");
                json_builder_begin_object(b);
                json_builder_set_member_name(b, "devices");
                json_builder_begin_array(b);
                json_builder_begin_object(b);
                json_builder_set_member_name(b, "allow");
                json_builder_add_boolean_value(b, false);
                json_builder_set_member_name(b, "access");
                json_builder_add_string_value(b, "rwm");
                json_builder_end_object(b);
                json_builder_end_array(b);
                json_builder_end_object(b);
        }

        json_builder_set_member_name(b, "namespaces");
        json_builder_begin_array(b);
        for (const char *const *n = namespaces; *n; n++) {
                /* rootless: no network namespace (it could not be configured), a user namespace instead */
                if (rootless && STREQ(*n, "network"))
                        continue;
                json_builder_begin_object(b);
                json_builder_set_member_name(b, "type");
                json_builder_add_string_value(b, *n);
                json_builder_end_object(b);
        }
        if (rootless) {
                json_builder_begin_object(b);
                json_builder_set_member_name(b, "type");
                json_builder_add_string_value(b, "user");
                json_builder_end_object(b);
        }
        json_builder_end_array(b);

        add_strings(b, "maskedPaths", masked);
        add_strings(b, "readonlyPaths", readonly);
        json_builder_end_object(b);
}

char *spec_default_json(bool rootless)
{
        JsonBuilder *b = json_builder_new();

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "ociVersion");
        json_builder_add_string_value(b, "1.2.0");
        add_process(b);
        json_builder_set_member_name(b, "root");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "path");
        json_builder_add_string_value(b, "rootfs");
        json_builder_set_member_name(b, "readonly");
        json_builder_add_boolean_value(b, true);
        json_builder_end_object(b);
        json_builder_set_member_name(b, "hostname");
        json_builder_add_string_value(b, "berth");
        add_mounts(b, rootless);
        add_linux(b, rootless);
        json_builder_end_object(b);

        JsonNode *root = json_builder_get_root(b);
        _cleanup_free_ char *text = json_node_to_text(root, true);
        json_node_unref(root);
        g_object_unref(b);
        return xasprintf("%s\n", text);
}
