/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * json-glib, opened at run time. Linked the usual way, json-glib brings in GIO and with it libmount,
 * libselinux, libblkid, libz, libffi and gmodule: the dynamic loader spends about 0.7 ms on them before
 * main() (measured in the nspawn test host, berth/bench), which is as much as a whole container start costs
 * us besides. Opened with dlopen(), the load happens where berth chooses: after `create`/`run` set their
 * helper thread going (the network namespace, see prefetch.h), so the two overlap.
 *
 * Use: include this header instead of <json-glib/json-glib.h>; call json_lazy_load() before the first JSON
 * call (the entry points of spec.c, state.c, json-util.c and the CLI do). The json_*() and g_*() functions
 * listed below then resolve to pointers filled by dlsym(). Cleanup: the _cleanup_*_ helpers below, never
 * g_autoptr (its inline helpers would call the linked symbols).
 */
#pragma once

#include <json-glib/json-glib.h>

#include "error.h"

#define JSON_LAZY_FUNCTIONS(X)                                                                               \
        X(g_free)                                                                                            \
        X(g_error_free)                                                                                      \
        X(g_list_free)                                                                                       \
        X(g_list_length)                                                                                     \
        X(g_object_unref)                                                                                    \
        X(json_array_get_element)                                                                            \
        X(json_array_get_length)                                                                             \
        X(json_builder_add_boolean_value)                                                                    \
        X(json_builder_add_int_value)                                                                        \
        X(json_builder_add_string_value)                                                                     \
        X(json_builder_begin_array)                                                                          \
        X(json_builder_begin_object)                                                                         \
        X(json_builder_end_array)                                                                            \
        X(json_builder_end_object)                                                                           \
        X(json_builder_get_root)                                                                             \
        X(json_builder_new)                                                                                  \
        X(json_builder_set_member_name)                                                                      \
        X(json_generator_new)                                                                                \
        X(json_generator_set_indent)                                                                         \
        X(json_generator_set_pretty)                                                                         \
        X(json_generator_set_root)                                                                           \
        X(json_generator_to_data)                                                                            \
        X(json_node_copy)                                                                                    \
        X(json_node_get_array)                                                                               \
        X(json_node_get_boolean)                                                                             \
        X(json_node_get_int)                                                                                 \
        X(json_node_get_node_type)                                                                           \
        X(json_node_get_object)                                                                              \
        X(json_node_get_string)                                                                              \
        X(json_node_get_value_type)                                                                          \
        X(json_node_unref)                                                                                   \
        X(json_object_get_member)                                                                            \
        X(json_object_get_members)                                                                           \
        X(json_object_set_member)                                                                            \
        X(json_parser_get_root)                                                                              \
        X(json_parser_load_from_data)                                                                        \
        X(json_parser_new)

#define JSON_LAZY_DECLARE(f) extern __typeof__(f) *sym_##f;
JSON_LAZY_FUNCTIONS(JSON_LAZY_DECLARE)
#undef JSON_LAZY_DECLARE

/* Opens libjson-glib-1.0.so.0 once (thread-unsafe: call it from the main thread); -errno and a message naming
 * the library when it cannot be loaded. */
int json_lazy_load(berth_error **err);

static inline void json_lazy_object_unrefp(void *p)
{
        void **o = p;
        if (*o)
                sym_g_object_unref(*o);
}
static inline void json_lazy_node_unrefp(JsonNode **n)
{
        if (*n)
                sym_json_node_unref(*n);
}
static inline void json_lazy_error_freep(GError **e)
{
        if (*e)
                sym_g_error_free(*e);
}
static inline void json_lazy_g_freep(void *p)
{
        void **q = p;
        if (*q)
                sym_g_free(*q);
}
#define _cleanup_gobject_   __attribute__((cleanup(json_lazy_object_unrefp)))
#define _cleanup_json_node_ __attribute__((cleanup(json_lazy_node_unrefp)))
#define _cleanup_gerror_    __attribute__((cleanup(json_lazy_error_freep)))
#define _cleanup_g_free_    __attribute__((cleanup(json_lazy_g_freep)))

/* Calls below this point go through the pointers (function-like macros: __typeof__(f) is unaffected). */
#define g_free(...)                         sym_g_free(__VA_ARGS__)
#define g_error_free(...)                   sym_g_error_free(__VA_ARGS__)
#define g_list_free(...)                    sym_g_list_free(__VA_ARGS__)
#define g_list_length(...)                  sym_g_list_length(__VA_ARGS__)
#define g_object_unref(...)                 sym_g_object_unref(__VA_ARGS__)
#define json_array_get_element(...)         sym_json_array_get_element(__VA_ARGS__)
#define json_array_get_length(...)          sym_json_array_get_length(__VA_ARGS__)
#define json_builder_add_boolean_value(...) sym_json_builder_add_boolean_value(__VA_ARGS__)
#define json_builder_add_int_value(...)     sym_json_builder_add_int_value(__VA_ARGS__)
#define json_builder_add_string_value(...)  sym_json_builder_add_string_value(__VA_ARGS__)
#define json_builder_begin_array(...)       sym_json_builder_begin_array(__VA_ARGS__)
#define json_builder_begin_object(...)      sym_json_builder_begin_object(__VA_ARGS__)
#define json_builder_end_array(...)         sym_json_builder_end_array(__VA_ARGS__)
#define json_builder_end_object(...)        sym_json_builder_end_object(__VA_ARGS__)
#define json_builder_get_root(...)          sym_json_builder_get_root(__VA_ARGS__)
#define json_builder_new(...)               sym_json_builder_new(__VA_ARGS__)
#define json_builder_set_member_name(...)   sym_json_builder_set_member_name(__VA_ARGS__)
#define json_generator_new(...)             sym_json_generator_new(__VA_ARGS__)
#define json_generator_set_indent(...)      sym_json_generator_set_indent(__VA_ARGS__)
#define json_generator_set_pretty(...)      sym_json_generator_set_pretty(__VA_ARGS__)
#define json_generator_set_root(...)        sym_json_generator_set_root(__VA_ARGS__)
#define json_generator_to_data(...)         sym_json_generator_to_data(__VA_ARGS__)
#define json_node_copy(...)                 sym_json_node_copy(__VA_ARGS__)
#define json_node_get_array(...)            sym_json_node_get_array(__VA_ARGS__)
#define json_node_get_boolean(...)          sym_json_node_get_boolean(__VA_ARGS__)
#define json_node_get_int(...)              sym_json_node_get_int(__VA_ARGS__)
#define json_node_get_node_type(...)        sym_json_node_get_node_type(__VA_ARGS__)
#define json_node_get_object(...)           sym_json_node_get_object(__VA_ARGS__)
#define json_node_get_string(...)           sym_json_node_get_string(__VA_ARGS__)
#define json_node_get_value_type(...)       sym_json_node_get_value_type(__VA_ARGS__)
#define json_node_unref(...)                sym_json_node_unref(__VA_ARGS__)
#define json_object_get_member(...)         sym_json_object_get_member(__VA_ARGS__)
#define json_object_get_members(...)        sym_json_object_get_members(__VA_ARGS__)
#define json_object_set_member(...)         sym_json_object_set_member(__VA_ARGS__)
#define json_parser_get_root(...)           sym_json_parser_get_root(__VA_ARGS__)
#define json_parser_load_from_data(...)     sym_json_parser_load_from_data(__VA_ARGS__)
#define json_parser_new(...)                sym_json_parser_new(__VA_ARGS__)
