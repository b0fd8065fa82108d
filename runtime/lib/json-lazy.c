/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>

#include "json-lazy.h"
#include "log.h"

#define JSON_LAZY_DEFINE(f) __typeof__(f) *sym_##f;
JSON_LAZY_FUNCTIONS(JSON_LAZY_DEFINE)
#undef JSON_LAZY_DEFINE

static void *libjson;

int json_lazy_load(berth_error **err)
{
        if (libjson)
                return 0;
        void *h = dlopen("libjson-glib-1.0.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return berth_err_plain(err, ENOENT, "cannot load libjson-glib-1.0.so.0: %s", dlerror());
#define JSON_LAZY_RESOLVE(f)                                                                                 \
        if (!(sym_##f = (__typeof__(f) *)dlsym(h, #f))) {                                                    \
                dlclose(h);                                                                                  \
                return berth_err_plain(err, ENOSYS, "libjson-glib-1.0.so.0 lacks %s", #f);                   \
        }
        JSON_LAZY_FUNCTIONS(JSON_LAZY_RESOLVE)
#undef JSON_LAZY_RESOLVE
        libjson = h;
        return 0;
}
