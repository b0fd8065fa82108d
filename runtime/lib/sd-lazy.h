/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsystemd, opened on first use. Loading it and its dependencies (libgcrypt, liblzma, libzstd, liblz4,
 * libcap) costs more than the rest of a cgroupfs `berth run`, so only the code that talks to systemd pays for
 * it: call sd_lazy_load() first, then use the sd_bus_*() functions as usual — in files that include this
 * header they resolve to pointers filled by dlsym(). Cleanup helpers: the sd_lazy_*p functions below (the
 * sd_bus_*unrefp inline helpers of <systemd/sd-bus.h> would link libsystemd directly).
 */
#pragma once

#include <systemd/sd-bus.h>

#include "error.h"

#define SD_LAZY_FUNCTIONS(X)                                                                                 \
        X(sd_bus_new)                                                                                        \
        X(sd_bus_set_address)                                                                                \
        X(sd_bus_start)                                                                                      \
        X(sd_bus_open_system)                                                                                \
        X(sd_bus_is_bus_client)                                                                              \
        X(sd_bus_flush_close_unref)                                                                          \
        X(sd_bus_call)                                                                                       \
        X(sd_bus_wait)                                                                                       \
        X(sd_bus_process)                                                                                    \
        X(sd_bus_set_method_call_timeout)                                                                    \
        X(sd_bus_get_property_string)                                                                        \
        X(sd_bus_match_signal)                                                                               \
        X(sd_bus_match_signal_async)                                                                         \
        X(sd_bus_path_encode)                                                                                \
        X(sd_bus_slot_unref)                                                                                 \
        X(sd_bus_message_new_method_call)                                                                    \
        X(sd_bus_message_append)                                                                             \
        X(sd_bus_message_appendv)                                                                            \
        X(sd_bus_message_append_basic)                                                                       \
        X(sd_bus_message_open_container)                                                                     \
        X(sd_bus_message_close_container)                                                                    \
        X(sd_bus_message_read)                                                                               \
        X(sd_bus_message_unref)                                                                              \
        X(sd_bus_error_free)                                                                                 \
        X(sd_bus_error_is_set)                                                                               \
        X(sd_bus_error_has_name)                                                                             \
        X(sd_bus_error_has_names_sentinel)                                                                   \
        X(sd_bus_error_get_errno)                                                                            \
        X(sd_bus_call_async)                                                                                 \
        X(sd_bus_get_n_queued_write)                                                                         \
        X(sd_bus_message_get_error)                                                                          \
        X(sd_bus_error_copy)

#define SD_LAZY_DECLARE(f) extern __typeof__(f) *sym_##f;
SD_LAZY_FUNCTIONS(SD_LAZY_DECLARE)
#undef SD_LAZY_DECLARE

/* Opens libsystemd.so.0 once; -errno and a message naming the library when it cannot be loaded. */
int sd_lazy_load(berth_error **err);

static inline void sd_lazy_bus_unrefp(sd_bus **b)
{
        if (*b)
                sym_sd_bus_flush_close_unref(*b);
}
static inline void sd_lazy_message_unrefp(sd_bus_message **m)
{
        if (*m)
                sym_sd_bus_message_unref(*m);
}
static inline void sd_lazy_error_free(sd_bus_error *e)
{
        if (sym_sd_bus_error_free)
                sym_sd_bus_error_free(e);
}

/* Calls below this point go through the pointers. Function-like macros: typeof(sd_bus_call) is unaffected. */
#define sd_bus_new(...)                      sym_sd_bus_new(__VA_ARGS__)
#define sd_bus_set_address(...)              sym_sd_bus_set_address(__VA_ARGS__)
#define sd_bus_start(...)                    sym_sd_bus_start(__VA_ARGS__)
#define sd_bus_open_system(...)              sym_sd_bus_open_system(__VA_ARGS__)
#define sd_bus_is_bus_client(...)            sym_sd_bus_is_bus_client(__VA_ARGS__)
#define sd_bus_flush_close_unref(...)        sym_sd_bus_flush_close_unref(__VA_ARGS__)
#define sd_bus_call(...)                     sym_sd_bus_call(__VA_ARGS__)
#define sd_bus_wait(...)                     sym_sd_bus_wait(__VA_ARGS__)
#define sd_bus_process(...)                  sym_sd_bus_process(__VA_ARGS__)
#define sd_bus_set_method_call_timeout(...)  sym_sd_bus_set_method_call_timeout(__VA_ARGS__)
#define sd_bus_get_property_string(...)      sym_sd_bus_get_property_string(__VA_ARGS__)
#define sd_bus_match_signal(...)             sym_sd_bus_match_signal(__VA_ARGS__)
#define sd_bus_match_signal_async(...)       sym_sd_bus_match_signal_async(__VA_ARGS__)
#define sd_bus_path_encode(...)              sym_sd_bus_path_encode(__VA_ARGS__)
#define sd_bus_slot_unref(...)               sym_sd_bus_slot_unref(__VA_ARGS__)
#define sd_bus_message_new_method_call(...)  sym_sd_bus_message_new_method_call(__VA_ARGS__)
#define sd_bus_message_append(...)           sym_sd_bus_message_append(__VA_ARGS__)
#define sd_bus_message_appendv(...)          sym_sd_bus_message_appendv(__VA_ARGS__)
#define sd_bus_message_append_basic(...)     sym_sd_bus_message_append_basic(__VA_ARGS__)
#define sd_bus_message_open_container(...)   sym_sd_bus_message_open_container(__VA_ARGS__)
#define sd_bus_message_close_container(...)  sym_sd_bus_message_close_container(__VA_ARGS__)
#define sd_bus_message_read(...)             sym_sd_bus_message_read(__VA_ARGS__)
#define sd_bus_message_unref(...)            sym_sd_bus_message_unref(__VA_ARGS__)
#define sd_bus_error_is_set(...)             sym_sd_bus_error_is_set(__VA_ARGS__)
#define sd_bus_error_has_name(...)           sym_sd_bus_error_has_name(__VA_ARGS__)
#define sd_bus_error_has_names_sentinel(...) sym_sd_bus_error_has_names_sentinel(__VA_ARGS__)
#define sd_bus_error_get_errno(...)          sym_sd_bus_error_get_errno(__VA_ARGS__)
#define sd_bus_call_async(...)               sym_sd_bus_call_async(__VA_ARGS__)
#define sd_bus_get_n_queued_write(...)       sym_sd_bus_get_n_queued_write(__VA_ARGS__)
#define sd_bus_message_get_error(...)        sym_sd_bus_message_get_error(__VA_ARGS__)
#define sd_bus_error_copy(...)               sym_sd_bus_error_copy(__VA_ARGS__)
