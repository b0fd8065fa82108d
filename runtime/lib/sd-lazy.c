/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>

#include "log.h"
#include "sd-lazy.h"

#define SD_LAZY_DEFINE(f) __typeof__(f) *sym_##f;
SD_LAZY_FUNCTIONS(SD_LAZY_DEFINE)
#undef SD_LAZY_DEFINE

static void *libsystemd;

int sd_lazy_load(berth_error **err)
{
        if (libsystemd)
                return 0;
        void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return berth_err_plain(err, ENOENT, "systemd: cannot load libsystemd.so.0: %s", dlerror());
#define SD_LAZY_RESOLVE(f)                                                                                   \
        if (!(sym_##f = (__typeof__(f) *)dlsym(h, #f))) {                                                    \
                dlclose(h);                                                                                  \
                return berth_err_plain(err, ENOSYS, "systemd: libsystemd.so.0 lacks %s", #f);                \
        }
        SD_LAZY_FUNCTIONS(SD_LAZY_RESOLVE)
#undef SD_LAZY_RESOLVE
        libsystemd = h;
        log_debug("loaded libsystemd.so.0");
        return 0;
}
