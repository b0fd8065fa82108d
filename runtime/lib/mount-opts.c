/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OCI mount options (config.md "mounts", runc's table): each option either sets or clears an MS_*
 * flag, selects a propagation type, or is filesystem data passed on to mount(2).
 */
#include <sys/mount.h>

#include "mount-opts.h"
#include "spec-internal.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

enum opt_kind {
        OPT_SET,         /* flags |= flag */
        OPT_CLEAR,       /* flags &= ~flag, clear |= flag */
        OPT_PROPAGATION, /* propagation = flag */
        OPT_RRO,         /* recursive read-only through mount_setattr */
        OPT_RRW,         /* undoes rro */
};

static const struct mount_opt {
        const char *name;
        enum opt_kind kind;
        unsigned long flag;
} opt_table[] = {
    {"defaults", OPT_SET, 0},
    {"ro", OPT_SET, MS_RDONLY},
    {"rw", OPT_CLEAR, MS_RDONLY},
    {"suid", OPT_CLEAR, MS_NOSUID},
    {"nosuid", OPT_SET, MS_NOSUID},
    {"dev", OPT_CLEAR, MS_NODEV},
    {"nodev", OPT_SET, MS_NODEV},
    {"exec", OPT_CLEAR, MS_NOEXEC},
    {"noexec", OPT_SET, MS_NOEXEC},
    {"sync", OPT_SET, MS_SYNCHRONOUS},
    {"async", OPT_CLEAR, MS_SYNCHRONOUS},
    {"dirsync", OPT_SET, MS_DIRSYNC},
    {"remount", OPT_SET, MS_REMOUNT},
    {"mand", OPT_SET, MS_MANDLOCK},
    {"nomand", OPT_CLEAR, MS_MANDLOCK},
    {"atime", OPT_CLEAR, MS_NOATIME},
    {"noatime", OPT_SET, MS_NOATIME},
    {"diratime", OPT_CLEAR, MS_NODIRATIME},
    {"nodiratime", OPT_SET, MS_NODIRATIME},
    {"relatime", OPT_SET, MS_RELATIME},
    {"norelatime", OPT_CLEAR, MS_RELATIME},
    {"strictatime", OPT_SET, MS_STRICTATIME},
    {"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
    {"bind", OPT_SET, MS_BIND},
    {"rbind", OPT_SET, MS_BIND | MS_REC},
    {"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
    {"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
    {"lazytime", OPT_SET, MS_LAZYTIME},
    {"nolazytime", OPT_CLEAR, MS_LAZYTIME},
    {"silent", OPT_SET, MS_SILENT},
    {"loud", OPT_CLEAR, MS_SILENT},
    {"iversion", OPT_SET, MS_I_VERSION},
    {"noiversion", OPT_CLEAR, MS_I_VERSION},
    {"acl", OPT_SET, MS_POSIXACL},
    {"noacl", OPT_CLEAR, MS_POSIXACL},
    {"private", OPT_PROPAGATION, MS_PRIVATE},
    {"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC},
    {"shared", OPT_PROPAGATION, MS_SHARED},
    {"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC},
    {"slave", OPT_PROPAGATION, MS_SLAVE},
    {"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC},
    {"unbindable", OPT_PROPAGATION, MS_UNBINDABLE},
    {"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC},
    {"rro", OPT_RRO, 0},
    {"rrw", OPT_RRW, 0},
};

/* Recognised but not implemented: a clear error instead of passing them to the filesystem. */
static const struct {
        const char *name;
        const char *why;
} unsupported_table[] = {
    {"idmap", "idmapped mounts are not supported"},
    {"ridmap", "idmapped mounts are not supported"},
    {"tmpcopyup", "not supported by berth"},
    /* mount_setattr(AT_RECURSIVE) attributes other than rro/rrw */
    {"rnosuid", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rsuid", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rnodev", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rdev", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rnoexec", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rexec", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rnodiratime", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rdiratime", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rrelatime", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rnorelatime", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rnoatime", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"ratime", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rstrictatime", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rnostrictatime", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rnosymfollow", "not supported by berth (of the recursive attributes only rro and rrw are)"},
    {"rsymfollow", "not supported by berth (of the recursive attributes only rro and rrw are)"},
};

static const struct mount_opt *opt_lookup(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(opt_table); i++)
                if (STREQ(opt_table[i].name, name))
                        return &opt_table[i];
        return NULL;
}

int mount_opts_parse_path(struct spec_mount *m, const char *path, berth_error **err)
{
        _cleanup_free_ char *base = sj_path(path, "options");
        _cleanup_free_ char *data = NULL;
        unsigned long flags = 0, clear = 0, propagation = 0;
        bool recursive_ro = false;

        for (size_t i = 0; m->options && m->options[i]; i++) {
                const char *o = m->options[i];
                for (size_t u = 0; u < ELEMENTSOF(unsupported_table); u++)
                        if (STREQ(o, unsupported_table[u].name))
                                return berth_err_plain(err, EOPNOTSUPP, "%s[%zu]: \"%s\": %s", base, i, o,
                                                       unsupported_table[u].why);
                const struct mount_opt *opt = opt_lookup(o);
                if (!opt) {
                        /* Filesystem data ("mode=755", "size=64k", "newinstance"...). */
                        char *joined = data ? xasprintf("%s,%s", data, o) : xstrdup(o);
                        free(data);
                        data = joined;
                        continue;
                }
                switch (opt->kind) {
                case OPT_SET:
                        flags |= opt->flag;
                        clear &= ~opt->flag;
                        break;
                case OPT_CLEAR:
                        flags &= ~opt->flag;
                        clear |= opt->flag;
                        break;
                case OPT_PROPAGATION:
                        propagation = opt->flag;
                        break;
                case OPT_RRO:
                        recursive_ro = true;
                        break;
                case OPT_RRW:
                        recursive_ro = false;
                        break;
                }
        }

        m->flags = flags;
        m->clear = clear;
        m->propagation = propagation;
        m->bind = (flags & MS_BIND) != 0;
        m->recursive_ro = recursive_ro;
        free(m->data);
        m->data = TAKE_PTR(data);
        return 0;
}

int mount_opts_parse(struct spec_mount *m, berth_error **err)
{
        return mount_opts_parse_path(m, "", err);
}

int mount_propagation_from_string(const char *s, unsigned long *ret)
{
        const struct mount_opt *opt = s ? opt_lookup(s) : NULL;
        if (!opt || opt->kind != OPT_PROPAGATION)
                return -EINVAL;
        *ret = opt->flag;
        return 0;
}

const char *const *mount_opts_known(void)
{
        static const char *names[ELEMENTSOF(opt_table) + 1];
        if (!names[0])
                for (size_t i = 0; i < ELEMENTSOF(opt_table); i++)
                        names[i] = opt_table[i].name;
        return names;
}
