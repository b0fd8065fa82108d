/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capability names and applying the capability sets, through raw capset(2) and prctl(2) (no libcap). */
#include <errno.h>
#include <inttypes.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "caps.h"
#include "fs-util.h"
#include "log.h"

static const char *const cap_names[] = {
    [CAP_CHOWN] = "CAP_CHOWN",
    [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
    [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
    [CAP_FOWNER] = "CAP_FOWNER",
    [CAP_FSETID] = "CAP_FSETID",
    [CAP_KILL] = "CAP_KILL",
    [CAP_SETGID] = "CAP_SETGID",
    [CAP_SETUID] = "CAP_SETUID",
    [CAP_SETPCAP] = "CAP_SETPCAP",
    [CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
    [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
    [CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
    [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
    [CAP_NET_RAW] = "CAP_NET_RAW",
    [CAP_IPC_LOCK] = "CAP_IPC_LOCK",
    [CAP_IPC_OWNER] = "CAP_IPC_OWNER",
    [CAP_SYS_MODULE] = "CAP_SYS_MODULE",
    [CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
    [CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
    [CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
    [CAP_SYS_PACCT] = "CAP_SYS_PACCT",
    [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
    [CAP_SYS_BOOT] = "CAP_SYS_BOOT",
    [CAP_SYS_NICE] = "CAP_SYS_NICE",
    [CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
    [CAP_SYS_TIME] = "CAP_SYS_TIME",
    [CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
    [CAP_MKNOD] = "CAP_MKNOD",
    [CAP_LEASE] = "CAP_LEASE",
    [CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
    [CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
    [CAP_SETFCAP] = "CAP_SETFCAP",
    [CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
    [CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
    [CAP_SYSLOG] = "CAP_SYSLOG",
    [CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
    [CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
    [CAP_AUDIT_READ] = "CAP_AUDIT_READ",
    [38] = "CAP_PERFMON",
    [39] = "CAP_BPF",
    [40] = "CAP_CHECKPOINT_RESTORE",
};

int cap_from_name(const char *name)
{
        if (!name)
                return -1;
        for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
                if (cap_names[i] && STREQ(cap_names[i], name))
                        return (int)i;
        return -1;
}

const char *cap_to_name(int cap)
{
        if (cap < 0 || (size_t)cap >= ELEMENTSOF(cap_names))
                return NULL;
        return cap_names[cap];
}

int cap_last_known(void)
{
        return (int)ELEMENTSOF(cap_names) - 1;
}

static int cap_last_supported_cached = -1;

int cap_last_supported(void)
{
        if (cap_last_supported_cached >= 0)
                return cap_last_supported_cached;
        /* The bounding set rejects (EINVAL) what the kernel does not know: probe around the last capability
         * berth knows, usually two calls. Not /proc/sys/kernel/cap_last_cap: the init asks after pivot_root,
         * when that is the container's fresh procfs, whose first lookups cost more than the whole probe. */
        int last = cap_last_known();
        if (prctl(PR_CAPBSET_READ, (unsigned long)last, 0, 0, 0) >= 0) {
                while (last < 63 && prctl(PR_CAPBSET_READ, (unsigned long)(last + 1), 0, 0, 0) >= 0)
                        last++;
        } else {
                while (last > 0 && prctl(PR_CAPBSET_READ, (unsigned long)last, 0, 0, 0) < 0)
                        last--;
        }
        cap_last_supported_cached = last;
        return last;
}

static const char *cap_display_name(int cap, char buf[static 32])
{
        const char *name = cap_to_name(cap);
        if (name)
                return name;
        snprintf(buf, 32, "capability %d", cap);
        return buf;
}

struct cap_state {
        uint64_t effective, permitted, inheritable;
};

static int caps_get(struct cap_state *ret)
{
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
        if (syscall(SYS_capget, &hdr, data) < 0)
                return -errno;
        ret->effective = (uint64_t)data[1].effective << 32 | data[0].effective;
        ret->permitted = (uint64_t)data[1].permitted << 32 | data[0].permitted;
        ret->inheritable = (uint64_t)data[1].inheritable << 32 | data[0].inheritable;
        return 0;
}

static int caps_set(const struct cap_state *s)
{
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {
            {.effective = (uint32_t)s->effective,
             .permitted = (uint32_t)s->permitted,
             .inheritable = (uint32_t)s->inheritable},
            {.effective = (uint32_t)(s->effective >> 32),
             .permitted = (uint32_t)(s->permitted >> 32),
             .inheritable = (uint32_t)(s->inheritable >> 32)},
        };
        if (syscall(SYS_capset, &hdr, data) < 0)
                return -errno;
        return 0;
}

static uint64_t bounding_mask(int last)
{
        uint64_t m = 0;
        for (int c = 0; c <= last; c++)
                if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) > 0)
                        m |= UINT64_C(1) << c;
        return m;
}

/* Removes capabilities the kernel does not have, logging each one. */
static uint64_t mask_supported(const char *set, uint64_t mask, uint64_t supported)
{
        uint64_t unknown = mask & ~supported;
        for (int c = 0; c < 64; c++)
                if (unknown & (UINT64_C(1) << c)) {
                        char buf[32];
                        log_debug("capabilities.%s: %s is not supported by the kernel, ignoring", set,
                                  cap_display_name(c, buf));
                }
        return mask & supported;
}

static int lowest_cap(uint64_t mask)
{
        return mask ? __builtin_ctzll(mask) : -1;
}

/* capset failed: find a capability that explains it, so the message can name the set and the cap. */
static int capset_error(const struct cap_state *old, const struct cap_state *want, uint64_t bset, int errnum,
                        berth_error **err)
{
        char buf[32];
        int c;
        if ((c = lowest_cap(want->permitted & ~old->permitted)) >= 0)
                return berth_err(err, errnum, "capabilities.permitted: %s: not in the current permitted set",
                                 cap_display_name(c, buf));
        if ((c = lowest_cap(want->effective & ~want->permitted)) >= 0)
                return berth_err(err, errnum, "capabilities.effective: %s: not in the permitted set",
                                 cap_display_name(c, buf));
        if ((c = lowest_cap(want->inheritable & ~old->inheritable & ~bset)) >= 0)
                return berth_err(err, errnum, "capabilities.inheritable: %s: not in the bounding set",
                                 cap_display_name(c, buf));
        if ((c = lowest_cap(want->inheritable & ~old->inheritable & ~old->permitted)) >= 0)
                return berth_err(err, errnum,
                                 "capabilities.inheritable: %s: not in the current permitted set",
                                 cap_display_name(c, buf));
        return berth_err(err, errnum,
                         "capabilities: capset (effective 0x%" PRIx64 ", permitted 0x%" PRIx64
                         ", inheritable 0x%" PRIx64 ")",
                         want->effective, want->permitted, want->inheritable);
}

int caps_apply(const struct spec_capabilities *caps, berth_error **err)
{
        if (!caps)
                return 0;
        int last = cap_last_supported();
        uint64_t supported = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
        char buf[32];
        int r;

        struct cap_state old = {};
        r = caps_get(&old);
        if (r < 0)
                return berth_err(err, r, "capabilities: capget");

        /* After setresuid() to a non-root user with PR_SET_KEEPCAPS, the effective set is empty: raise it
         * back to the permitted set so CAP_SETPCAP is usable for the bounding set and ambient calls. */
        if (old.effective != old.permitted) {
                struct cap_state raised = {old.permitted, old.permitted, old.inheritable};
                r = caps_set(&raised);
                if (r < 0)
                        return berth_err(err, r,
                                         "capabilities: raising the effective set to the permitted set");
                old = raised;
        }

        uint64_t bounding = mask_supported("bounding", caps->bounding, supported);
        for (int c = 0; c <= last; c++) {
                if (bounding & (UINT64_C(1) << c))
                        continue;
                /* dropping a dropped one succeeds; EINVAL: the kernel does not know it after all */
                if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0 && errno != EINVAL)
                        return berth_err(err, errno, "capabilities.bounding: drop %s",
                                         cap_display_name(c, buf));
        }

        struct cap_state want = {
            .effective = mask_supported("effective", caps->effective, supported),
            .permitted = mask_supported("permitted", caps->permitted, supported),
            .inheritable = mask_supported("inheritable", caps->inheritable, supported),
        };
        r = caps_set(&want);
        if (r < 0)
                return capset_error(&old, &want, bounding_mask(last), r, err);

        uint64_t ambient = mask_supported("ambient", caps->ambient, supported);
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
                if (errno != EINVAL)
                        return berth_err(err, errno, "capabilities.ambient: clear");
                /* Kernel without ambient capabilities (< 4.3). */
                if (ambient)
                        log_warn("capabilities.ambient: not supported by the kernel, ignoring");
                return 0;
        }
        for (int c = 0; c <= last; c++) {
                if (!(ambient & (UINT64_C(1) << c)))
                        continue;
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)c, 0, 0) < 0) {
                        int e = errno;
                        const char *why = "";
                        if (e == EPERM && !(want.permitted & want.inheritable & (UINT64_C(1) << c)))
                                why = " (an ambient capability must also be permitted and inheritable)";
                        return berth_err(err, e, "capabilities.ambient: raise %s%s", cap_display_name(c, buf),
                                         why);
                }
        }
        return 0;
}
