/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "berth/berth.h"
#include "json-lazy.h"
#include "prefetch.h"

int berth_init(bool create, berth_error **err)
{
        /* first the helper thread, so that its work overlaps with loading json-glib */
        if (create)
                prefetch_start();
        return json_lazy_load(err);
}
