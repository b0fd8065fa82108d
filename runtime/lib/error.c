/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "error.h"

static int set_error(berth_error **err, int errnum, bool with_strerror, const char *fmt, va_list ap)
{
        int rc = errnum > 0 ? -errnum : -EINVAL;
        if (!err || *err)
                return rc;
        char *msg = xvasprintf(fmt, ap);
        if (with_strerror && errnum > 0) {
                char *full = xasprintf("%s: %s", msg, strerror(errnum));
                free(msg);
                msg = full;
        }
        berth_error *e = xmalloc0(sizeof(*e));
        e->code = errnum > 0 ? errnum : 0;
        e->msg = msg;
        *err = e;
        return rc;
}

int berth_err(berth_error **err, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int rc = set_error(err, errnum < 0 ? -errnum : errnum, true, fmt, ap);
        va_end(ap);
        return rc;
}

int berth_err_plain(berth_error **err, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int rc = set_error(err, errnum < 0 ? -errnum : errnum, false, fmt, ap);
        va_end(ap);
        return rc;
}

int berth_err_prefix(berth_error **err, const char *fmt, ...)
{
        if (!err || !*err)
                return -EINVAL;
        va_list ap;
        va_start(ap, fmt);
        char *prefix = xvasprintf(fmt, ap);
        va_end(ap);
        char *full = xasprintf("%s: %s", prefix, (*err)->msg);
        free(prefix);
        free((*err)->msg);
        (*err)->msg = full;
        return berth_error_rc(*err);
}

void berth_error_free(berth_error *e)
{
        if (!e)
                return;
        free(e->msg);
        free(e);
}
