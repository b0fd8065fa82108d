/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mdwe: memory-deny-write-execute for the container, systemd's MemoryDenyWriteExecute= for OCI containers.
 *
 * Sets the kernel's per-process "memory-deny-write-execute" policy (prctl PR_SET_MDWE, Linux 6.3) in the
 * container init just before the user process: from then on no process of the container can map memory that
 * is writable and executable at once, or make writable memory executable (mmap/mprotect fail with EACCES).
 * Code injected into a writable buffer can then never be run. The policy is inherited across fork and execve
 * and cannot be lifted from inside. Programs that generate code at run time (JIT compilers: Java, Node.js,
 * LuaJIT, PCRE2 JIT) do not work under it. No options.
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include "berth/plugin.h"

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_GET_MDWE 66
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN (1UL << 0)
#endif

static const struct berth_host *host;

static int mdwe_supported(berth_container *c)
{
        if (prctl(PR_GET_MDWE, 0, 0, 0, 0) >= 0)
                return 0;
        if (errno == EINVAL)
                return host->error(c, EOPNOTSUPP,
                                   "the kernel has no memory-deny-write-execute (PR_SET_MDWE "
                                   "needs Linux 6.3 or later)");
        return host->error(c, errno, "prctl PR_GET_MDWE: %s", strerror(errno));
}

static int mdwe_validate(berth_container *c)
{
        const char *value;
        const char *key = host->option_at(c, 0, &value);
        if (key)
                return host->error(c, EINVAL, "unknown option berth.plugin.mdwe.%s (it takes none)", key);
        /* the container runs on this kernel: refuse it now rather than when it starts */
        return mdwe_supported(c);
}

static int mdwe_setup(berth_container *c)
{
        int r = mdwe_supported(c);
        if (r < 0)
                return r;
        if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) < 0)
                return host->error(c, errno, "prctl PR_SET_MDWE: %s", strerror(errno));
        return 0;
}

static const struct berth_plugin mdwe = {
    .abi_version = BERTH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(struct berth_plugin),
    .name = "mdwe",
    .description = "denies the container memory that is writable and executable (PR_SET_MDWE)",
    .validate = mdwe_validate,
    .setup_container = mdwe_setup,
};

const struct berth_plugin *berth_plugin_entry(const struct berth_host *h)
{
        host = h;
        return &mdwe;
}
