/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth features`: the OCI runtime-spec Features structure (features.md, features-linux.md). */
#include "json-util.h"
#include "caps.h"
#include "mount-opts.h"
#include "oci-features.h"
#include "procattr.h"
#include "seccomp.h"
#include "spec.h"

#include <json-glib/json-glib.h>

#ifndef BERTH_VERSION
#define BERTH_VERSION "0.1.0"
#endif

static void add_strings(JsonBuilder *b, const char *key, const char *const *v)
{
        json_builder_set_member_name(b, key);
        json_builder_begin_array(b);
        for (; v && *v; v++)
                json_builder_add_string_value(b, *v);
        json_builder_end_array(b);
}

static void add_bool(JsonBuilder *b, const char *key, bool v)
{
        json_builder_set_member_name(b, key);
        json_builder_add_boolean_value(b, v);
}

/* "key": {"enabled": v} */
static void add_enabled(JsonBuilder *b, const char *key, bool v)
{
        json_builder_set_member_name(b, key);
        json_builder_begin_object(b);
        add_bool(b, "enabled", v);
        json_builder_end_object(b);
}

static void add_linux(JsonBuilder *b)
{
        json_builder_set_member_name(b, "linux");
        json_builder_begin_object(b);

        json_builder_set_member_name(b, "namespaces");
        json_builder_begin_array(b);
        for (int t = 0; t < _NS_TYPE_MAX; t++)
                json_builder_add_string_value(b, ns_type_to_string((enum ns_type)t));
        json_builder_end_array(b);

        json_builder_set_member_name(b, "capabilities");
        json_builder_begin_array(b);
        for (int c = 0; c <= cap_last_known(); c++) {
                const char *name = cap_to_name(c);
                if (name)
                        json_builder_add_string_value(b, name);
        }
        json_builder_end_array(b);

        json_builder_set_member_name(b, "cgroup");
        json_builder_begin_object(b);
        add_bool(b, "v1", false);
        add_bool(b, "v2", true);
        add_bool(b, "systemd", true);
        add_bool(b, "systemdUser", false);
        add_bool(b, "rdma", false);
        json_builder_end_object(b);

        json_builder_set_member_name(b, "seccomp");
        json_builder_begin_object(b);
        add_bool(b, "enabled", true);
        add_strings(b, "actions", seccomp_supported_actions());
        add_strings(b, "operators", seccomp_supported_operators());
        add_strings(b, "archs", seccomp_supported_archs());
        add_strings(b, "knownFlags", seccomp_supported_flags());
        add_strings(b, "supportedFlags", seccomp_supported_flags());
        json_builder_end_object(b);

        add_enabled(b, "apparmor", lsm_apparmor_enabled());
        add_enabled(b, "selinux", lsm_selinux_enabled());
        add_enabled(b, "intelRdt", false);

        json_builder_set_member_name(b, "mountExtensions");
        json_builder_begin_object(b);
        add_enabled(b, "idmap", false);
        json_builder_end_object(b);

        add_enabled(b, "netDevices", false);
        json_builder_end_object(b);
}

char *features_json(void)
{
        JsonBuilder *b = json_builder_new();

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "ociVersionMin");
        json_builder_add_string_value(b, "1.0.0");
        json_builder_set_member_name(b, "ociVersionMax");
        json_builder_add_string_value(b, "1.3.0");
        json_builder_set_member_name(b, "hooks");
        json_builder_begin_array(b);
        for (enum hook_stage st = 0; st < _HOOK_STAGE_MAX; st++)
                json_builder_add_string_value(b, hook_stage_to_string(st));
        json_builder_end_array(b);
        add_strings(b, "mountOptions", mount_opts_known());
        add_linux(b);
        json_builder_set_member_name(b, "annotations");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "io.github.berth.version");
        json_builder_add_string_value(b, BERTH_VERSION);
        json_builder_end_object(b);
        json_builder_end_object(b);

        JsonNode *root = json_builder_get_root(b);
        _cleanup_free_ char *text = json_node_to_text(root, true);
        json_node_unref(root);
        g_object_unref(b);
        return xasprintf("%s\n", text);
}
