/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the spec parser (spec.c, spec-linux.c, spec-validate.c): typed JSON accessors that name the
 * JSON path in every error, e.g. "linux.resources.memory.limit: must be an integer".
 *
 * Paths: parent "" is the top level; sj_path("linux", "seccomp") -> "linux.seccomp",
 * sj_path_index("mounts", 3) -> "mounts[3]".
 *
 * Member accessors return 0 when the member is absent or JSON null (the output is left untouched), 1 when it
 * was read, and -errno (with *err set) when it has the wrong type or is out of range.
 */
#pragma once

#include <stdint.h>

/* Before json-glib: glib #undefs MIN/MAX before defining them, macro.h does not. */
#include "spec.h"

#include <json-glib/json-glib.h>

char *sj_path(const char *parent, const char *key);
char *sj_path_index(const char *parent, size_t i);

/* The member's node, or NULL when absent or null. */
JsonNode *sj_member(JsonObject *o, const char *key);

/* Node conversions: path names the node in messages. */
int sj_node_object(JsonNode *n, const char *path, JsonObject **ret, berth_error **err);
int sj_node_string(JsonNode *n, const char *path, char **ret, berth_error **err);
int sj_node_int64(JsonNode *n, const char *path, int64_t min, int64_t max, int64_t *ret, berth_error **err);
/* JSON integers above INT64_MAX come out of json-glib wrapped to negative values; uint64 fields take the
 * value modulo 2^64 so that 18446744073709551615 (RLIM_INFINITY, ~0 masks) reads back correctly. */
int sj_node_uint64(JsonNode *n, const char *path, uint64_t *ret, berth_error **err);
int sj_node_uint32(JsonNode *n, const char *path, uint32_t *ret, berth_error **err);

int sj_object(JsonObject *o, const char *parent, const char *key, JsonObject **ret, berth_error **err);
int sj_array(JsonObject *o, const char *parent, const char *key, JsonArray **ret, berth_error **err);
int sj_string(JsonObject *o, const char *parent, const char *key, char **ret, berth_error **err);
int sj_bool(JsonObject *o, const char *parent, const char *key, bool *ret, berth_error **err);
int sj_int64(JsonObject *o, const char *parent, const char *key, int64_t min, int64_t max, int64_t *ret,
             berth_error **err);
int sj_int32(JsonObject *o, const char *parent, const char *key, int32_t *ret, berth_error **err);
int sj_uint64(JsonObject *o, const char *parent, const char *key, uint64_t *ret, berth_error **err);
int sj_uint32(JsonObject *o, const char *parent, const char *key, uint32_t *ret, berth_error **err);
int sj_uint16(JsonObject *o, const char *parent, const char *key, uint16_t *ret, berth_error **err);
/* An array of strings into a NULL-terminated strv (an empty array gives an empty strv, not NULL). */
int sj_strv(JsonObject *o, const char *parent, const char *key, char ***ret, berth_error **err);
/* An object of string values ("annotations", "sysctl", "unified"). */
int sj_string_map(JsonObject *o, const char *parent, const char *key, struct spec_kv **ret, size_t *ret_n,
                  berth_error **err);
/* An array of {containerID, hostID, size} (linux.uidMappings, mounts[].gidMappings...). */
int sj_id_mappings(JsonObject *o, const char *parent, const char *key, struct spec_id_mapping **ret,
                   size_t *ret_n, berth_error **err);

/* "<path>: missing required field" */
int sj_missing(berth_error **err, const char *parent, const char *key);

void spec_kv_free(struct spec_kv *kv, size_t n);

/* spec.c: the process object; path is "process" for config.json and "" for `exec --process`. */
int spec_parse_process_object(JsonObject *o, const char *path, struct spec_process **ret, berth_error **err);
/* spec-linux.c: the "linux" object into s->linux. */
int spec_parse_linux(JsonObject *linux_obj, struct spec *s, berth_error **err);
void spec_linux_free(struct spec_linux *l);

/* mount-opts.c: mount_opts_parse() with messages naming path, e.g. "mounts[3].options[1]: ...". */
int mount_opts_parse_path(struct spec_mount *m, const char *path, berth_error **err);

/* spec-validate.c: the checks that need more than one field, run after parsing and before anything is
 * created. */
int spec_validate(const struct spec *s, berth_error **err);
int spec_validate_process(const struct spec_process *p, const char *path, berth_error **err);
/* "1.2.0", "1.0.2-dev", "1.1.0+dev" -> 0 if between 1.0.0 and 1.3.x; -EINVAL (with a message) otherwise. */
int spec_check_oci_version(const char *v, berth_error **err);

static inline void json_parser_unrefp(JsonParser **p)
{
        if (*p)
                g_object_unref(*p);
}
#define _cleanup_json_parser_ _cleanup_(json_parser_unrefp)

/* Parses JSON text whose document must be an object ("invalid JSON: 3:11: ..." otherwise; what names the
 * expected document in the error: "an object"). */
int spec_json_object(const char *json, size_t len, const char *what, JsonParser **ret_parser,
                     JsonObject **ret, berth_error **err);
