/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Libraries opened on first use (libsystemd: sd-lazy.h; libseccomp: seccomp.c), so that a command pays for
 * loading a library only when it needs it.
 */
#pragma once

#include <stddef.h>

#include "error.h"

struct dlopen_symbol {
        const char *name;
        void **ptr; /* where the address goes (a function pointer of the symbol's type) */
};

/* dlopen()s soname and resolves every symbol; on failure nothing is set, the library is closed again and
 * the message starts with what ("systemd: cannot load libsystemd.so.0: ..."). */
int dlopen_symbols(const char *what, const char *soname, const struct dlopen_symbol *syms, size_t n,
                   void **ret_handle, berth_error **err);
