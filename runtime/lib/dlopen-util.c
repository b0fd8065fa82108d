/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>

#include "dlopen-util.h"
#include "log.h"

int dlopen_symbols(const char *what, const char *soname, const struct dlopen_symbol *syms, size_t n,
                   void **ret_handle, berth_error **err)
{
        void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return berth_err_plain(err, ENOENT, "%s: cannot load %s: %s", what, soname, dlerror());
        for (size_t i = 0; i < n; i++) {
                void *p = dlsym(h, syms[i].name);
                if (!p) {
                        for (size_t j = 0; j < i; j++)
                                *syms[j].ptr = NULL;
                        dlclose(h);
                        return berth_err_plain(err, ENOSYS, "%s: %s lacks %s", what, soname, syms[i].name);
                }
                *syms[i].ptr = p;
        }
        log_debug("loaded %s", soname);
        *ret_handle = h;
        return 0;
}
