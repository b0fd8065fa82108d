/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dlopen-util.h"
#include "macro.h"
#include "sd-lazy.h"

#define SD_LAZY_DEFINE(f) __typeof__(f) *sym_##f;
SD_LAZY_FUNCTIONS(SD_LAZY_DEFINE)
#undef SD_LAZY_DEFINE

static void *libsystemd;

int sd_lazy_load(berth_error **err)
{
        if (libsystemd)
                return 0;
#define SD_LAZY_SYMBOL(f) {#f, (void **)&sym_##f},
        static const struct dlopen_symbol syms[] = {SD_LAZY_FUNCTIONS(SD_LAZY_SYMBOL)};
#undef SD_LAZY_SYMBOL
        return dlopen_symbols("systemd", "libsystemd.so.0", syms, ELEMENTSOF(syms), &libsystemd, err);
}
