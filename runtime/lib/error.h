/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The error object: every failure that reaches the user carries a message saying what failed and where.
 *
 *   return berth_err(err, errno, "mount %s on %s", src, dst);     -> "mount proc on /proc: Permission denied"
 *   return berth_err(err, 0, "process.args: must be a non-empty array of strings");
 *   berth_err_prefix(err, "config.json");                         -> "config.json: process.args: ..."
 *
 * Functions return 0 (or a non-negative value) on success and -errno on failure; when they take a
 * berth_error **, they also fill it on failure. A NULL err is allowed (the message is dropped).
 */
#pragma once

#include "macro.h"

typedef struct berth_error {
        int code;  /* positive errno, or 0 when none applies */
        char *msg; /* full message, without the "berth: " prefix */
} berth_error;

/* Sets *err (if err and !*err) and returns -errnum (or -EINVAL when errnum is 0). When errnum is
 * non-zero, ": strerror(errnum)" is appended to the message. */
int berth_err(berth_error **err, int errnum, const char *fmt, ...) _printf_(3, 4);
/* Like berth_err, without appending strerror. */
int berth_err_plain(berth_error **err, int errnum, const char *fmt, ...) _printf_(3, 4);
/* Prepends "<prefix>: " to an existing error message. Returns the error's -code (or -EINVAL). */
int berth_err_prefix(berth_error **err, const char *fmt, ...) _printf_(2, 3);
void berth_error_free(berth_error *e);
static inline void berth_error_freep(berth_error **e)
{
        if (*e)
                berth_error_free(*e);
        *e = NULL;
}
#define _cleanup_error_ _cleanup_(berth_error_freep)
/* Returns a negative errno for an error object (or -EINVAL). */
static inline int berth_error_rc(const berth_error *e)
{
        return (e && e->code > 0) ? -e->code : -EINVAL;
}
