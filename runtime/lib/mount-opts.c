/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OCI mount options (config.md "mounts", runc's table): each option either sets or clears an MS_*
 * flag, selects a propagation type, sets or clears a recursive mount attribute (MOUNT_ATTR_*, applied with
 * mount_setattr(AT_RECURSIVE)), asks for a tmpfs copy-up, or is filesystem data passed on to mount(2).
 */
#include <stdint.h>
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
        OPT_SET,          /* flags |= flag */
        OPT_CLEAR,        /* flags &= ~flag, clear |= flag */
        OPT_PROPAGATION,  /* propagation = flag */
        OPT_RATTR_SET,    /* recursive attribute (mount_setattr AT_RECURSIVE): attr_set |= flag */
        OPT_RATTR_CLEAR,  /* recursive attribute: attr_clr |= flag */
        OPT_RATIME,       /* the recursive atime setting (a MOUNT_ATTR__ATIME value) becomes flag */
        OPT_RATIME_LEAVE, /* the recursive atime setting, when flag or not chosen yet, leaves flag */
        OPT_TMPCOPYUP,    /* tmpfs: copy the covered directory into it */
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
    /* runtime-spec 1.1: attributes applied to the mount and all its submounts */
    {"rro", OPT_RATTR_SET, MOUNT_ATTR_RDONLY},
    {"rrw", OPT_RATTR_CLEAR, MOUNT_ATTR_RDONLY},
    {"rnosuid", OPT_RATTR_SET, MOUNT_ATTR_NOSUID},
    {"rsuid", OPT_RATTR_CLEAR, MOUNT_ATTR_NOSUID},
    {"rnodev", OPT_RATTR_SET, MOUNT_ATTR_NODEV},
    {"rdev", OPT_RATTR_CLEAR, MOUNT_ATTR_NODEV},
    {"rnoexec", OPT_RATTR_SET, MOUNT_ATTR_NOEXEC},
    {"rexec", OPT_RATTR_CLEAR, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", OPT_RATTR_SET, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", OPT_RATTR_CLEAR, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", OPT_RATTR_SET, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", OPT_RATTR_CLEAR, MOUNT_ATTR_NOSYMFOLLOW},
    /* The atime setting is one of three states. ratime, rnostrictatime and rnorelatime undo one of them: the
     * setting moves to relatime (the kernel's default), or to strictatime when relatime is undone, and a
     * different state chosen by an earlier option stays. */
    {"rrelatime", OPT_RATIME, MOUNT_ATTR_RELATIME},
    {"rnoatime", OPT_RATIME, MOUNT_ATTR_NOATIME},
    {"rstrictatime", OPT_RATIME, MOUNT_ATTR_STRICTATIME},
    {"ratime", OPT_RATIME_LEAVE, MOUNT_ATTR_NOATIME},
    {"rnostrictatime", OPT_RATIME_LEAVE, MOUNT_ATTR_STRICTATIME},
    {"rnorelatime", OPT_RATIME_LEAVE, MOUNT_ATTR_RELATIME},
    {"tmpcopyup", OPT_TMPCOPYUP, 0},
};

/* Recognised but not implemented: a clear error instead of passing them to the filesystem. */
static const struct {
        const char *name;
        const char *why;
} unsupported_table[] = {
    {"idmap", "idmapped mounts are not supported"},
    {"ridmap", "idmapped mounts are not supported"},
};

/* The atime setting that an OPT_RATIME_LEAVE option moves to from the state it leaves. */
static uint64_t atime_leave(uint64_t from)
{
        return from == MOUNT_ATTR_RELATIME ? MOUNT_ATTR_STRICTATIME : MOUNT_ATTR_RELATIME;
}

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
        uint64_t attr_set = 0, attr_clr = 0, atime = 0;
        bool has_atime = false, tmpcopyup = false;

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
                case OPT_RATTR_SET:
                        attr_set |= opt->flag;
                        attr_clr &= ~(uint64_t)opt->flag;
                        break;
                case OPT_RATTR_CLEAR:
                        attr_set &= ~(uint64_t)opt->flag;
                        attr_clr |= opt->flag;
                        break;
                case OPT_RATIME:
                        atime = opt->flag;
                        has_atime = true;
                        break;
                case OPT_RATIME_LEAVE:
                        if (!has_atime || atime == opt->flag) {
                                atime = atime_leave(opt->flag);
                                has_atime = true;
                        }
                        break;
                case OPT_TMPCOPYUP:
                        tmpcopyup = true;
                        break;
                }
        }
        /* mount_setattr(2) changes the atime setting only with the whole MOUNT_ATTR__ATIME field in
         * attr_clr and the new value in attr_set. */
        if (has_atime) {
                attr_clr |= MOUNT_ATTR__ATIME;
                attr_set = (attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | atime;
        }

        m->flags = flags;
        m->clear = clear;
        m->propagation = propagation;
        m->bind = (flags & MS_BIND) != 0;
        m->recursive_attr_set = attr_set;
        m->recursive_attr_clr = attr_clr;
        m->recursive_ro = (attr_set & MOUNT_ATTR_RDONLY) != 0;
        m->tmpcopyup = tmpcopyup;
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
