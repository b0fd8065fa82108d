/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The OCI mount option table: flags set/cleared, propagation, bind, recursive attributes, tmpcopyup, data,
 * unsupported options. */
#include <stdint.h>
#include <sys/mount.h>

#include "mount-opts.h"
#include "unit.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

static void mount_reset(struct spec_mount *m)
{
        strv_free(m->options);
        free(m->data);
        memset(m, 0, sizeof(*m));
}

/* Parses a NULL-terminated list of options into m (which is reset first). */
static int parse_opts(struct spec_mount *m, const char *const *opts, berth_error **err)
{
        mount_reset(m);
        for (size_t i = 0; opts[i]; i++)
                m->options = strv_append(m->options, opts[i]);
        return mount_opts_parse(m, err);
}

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})

TEST(test_single_options)
{
        static const struct {
                const char *opt;
                unsigned long flags, clear, propagation;
        } cases[] = {
            {"defaults", 0, 0, 0},
            {"ro", MS_RDONLY, 0, 0},
            {"rw", 0, MS_RDONLY, 0},
            {"suid", 0, MS_NOSUID, 0},
            {"nosuid", MS_NOSUID, 0, 0},
            {"dev", 0, MS_NODEV, 0},
            {"nodev", MS_NODEV, 0, 0},
            {"exec", 0, MS_NOEXEC, 0},
            {"noexec", MS_NOEXEC, 0, 0},
            {"sync", MS_SYNCHRONOUS, 0, 0},
            {"async", 0, MS_SYNCHRONOUS, 0},
            {"dirsync", MS_DIRSYNC, 0, 0},
            {"remount", MS_REMOUNT, 0, 0},
            {"mand", MS_MANDLOCK, 0, 0},
            {"nomand", 0, MS_MANDLOCK, 0},
            {"atime", 0, MS_NOATIME, 0},
            {"noatime", MS_NOATIME, 0, 0},
            {"diratime", 0, MS_NODIRATIME, 0},
            {"nodiratime", MS_NODIRATIME, 0, 0},
            {"relatime", MS_RELATIME, 0, 0},
            {"norelatime", 0, MS_RELATIME, 0},
            {"strictatime", MS_STRICTATIME, 0, 0},
            {"nostrictatime", 0, MS_STRICTATIME, 0},
            {"bind", MS_BIND, 0, 0},
            {"rbind", MS_BIND | MS_REC, 0, 0},
            {"nosymfollow", MS_NOSYMFOLLOW, 0, 0},
            {"symfollow", 0, MS_NOSYMFOLLOW, 0},
            {"lazytime", MS_LAZYTIME, 0, 0},
            {"nolazytime", 0, MS_LAZYTIME, 0},
            {"silent", MS_SILENT, 0, 0},
            {"loud", 0, MS_SILENT, 0},
            {"iversion", MS_I_VERSION, 0, 0},
            {"noiversion", 0, MS_I_VERSION, 0},
            {"acl", MS_POSIXACL, 0, 0},
            {"noacl", 0, MS_POSIXACL, 0},
            {"private", 0, 0, MS_PRIVATE},
            {"rprivate", 0, 0, MS_PRIVATE | MS_REC},
            {"shared", 0, 0, MS_SHARED},
            {"rshared", 0, 0, MS_SHARED | MS_REC},
            {"slave", 0, 0, MS_SLAVE},
            {"rslave", 0, 0, MS_SLAVE | MS_REC},
            {"unbindable", 0, 0, MS_UNBINDABLE},
            {"runbindable", 0, 0, MS_UNBINDABLE | MS_REC},
            {"rro", 0, 0, 0},
            {"rrw", 0, 0, 0},
            {"tmpcopyup", 0, 0, 0},
        };
        struct spec_mount m = {0};
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_error_ berth_error *err = NULL;
                CHECK_INTEQ(parse_opts(&m, OPTS(cases[i].opt), &err), 0);
                if (m.flags != cases[i].flags || m.clear != cases[i].clear ||
                    m.propagation != cases[i].propagation)
                        fprintf(stderr, "# option %s\n", cases[i].opt);
                CHECK_INTEQ(m.flags, cases[i].flags);
                CHECK_INTEQ(m.clear, cases[i].clear);
                CHECK_INTEQ(m.propagation, cases[i].propagation);
                CHECK(m.data == NULL);
                CHECK(m.bind == ((cases[i].flags & MS_BIND) != 0));
                CHECK(m.recursive_ro == STREQ(cases[i].opt, "rro"));
                CHECK(m.tmpcopyup == STREQ(cases[i].opt, "tmpcopyup"));
                if (!STREQ(cases[i].opt, "rro") && !STREQ(cases[i].opt, "rrw")) {
                        CHECK_INTEQ(m.recursive_attr_set, 0);
                        CHECK_INTEQ(m.recursive_attr_clr, 0);
                }
        }
        mount_reset(&m);
}

/* Each recursive attribute option alone -> mount_setattr(2) attr_set / attr_clr. */
TEST(test_recursive_attributes)
{
        static const struct {
                const char *opt;
                uint64_t set, clr;
        } cases[] = {
            {"rro", MOUNT_ATTR_RDONLY, 0},
            {"rrw", 0, MOUNT_ATTR_RDONLY},
            {"rnosuid", MOUNT_ATTR_NOSUID, 0},
            {"rsuid", 0, MOUNT_ATTR_NOSUID},
            {"rnodev", MOUNT_ATTR_NODEV, 0},
            {"rdev", 0, MOUNT_ATTR_NODEV},
            {"rnoexec", MOUNT_ATTR_NOEXEC, 0},
            {"rexec", 0, MOUNT_ATTR_NOEXEC},
            {"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
            {"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
            {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0},
            {"rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW},
            /* atime: the whole field is cleared, the value is set */
            {"rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
            {"rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
            {"rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
            {"ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
            {"rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
            {"rnorelatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
        };
        struct spec_mount m = {0};
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_error_ berth_error *err = NULL;
                CHECK_INTEQ(parse_opts(&m, OPTS(cases[i].opt), &err), 0);
                if (m.recursive_attr_set != cases[i].set || m.recursive_attr_clr != cases[i].clr)
                        fprintf(stderr, "# option %s\n", cases[i].opt);
                CHECK_INTEQ(m.recursive_attr_set, cases[i].set);
                CHECK_INTEQ(m.recursive_attr_clr, cases[i].clr);
                /* Never MS_* flags, never filesystem data */
                CHECK_INTEQ(m.flags, 0);
                CHECK_INTEQ(m.clear, 0);
                CHECK(m.data == NULL);
                CHECK(!m.tmpcopyup);
        }
        mount_reset(&m);
}

TEST(test_recursive_combinations)
{
        struct spec_mount m = {0};

        /* podman's rbind with recursive nosuid/nodev, plus the plain flags */
        CHECK_INTEQ(parse_opts(&m, OPTS("rbind", "rprivate", "nosuid", "rnosuid", "rnodev", "rnoexec"), NULL),
                    0);
        CHECK_INTEQ(m.flags, MS_BIND | MS_REC | MS_NOSUID);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        CHECK_INTEQ(m.recursive_attr_clr, 0);
        CHECK(!m.recursive_ro);

        /* The later of a set/clear pair wins; the other attributes stay */
        CHECK_INTEQ(parse_opts(&m, OPTS("rro", "rnosuid", "rrw", "rsuid", "rnosuid"), NULL), 0);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_NOSUID);
        CHECK_INTEQ(m.recursive_attr_clr, MOUNT_ATTR_RDONLY);
        CHECK(!m.recursive_ro);
        CHECK_INTEQ(parse_opts(&m, OPTS("rdev", "rnodev", "rexec"), NULL), 0);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_NODEV);
        CHECK_INTEQ(m.recursive_attr_clr, MOUNT_ATTR_NOEXEC);

        /* atime: one state, the last option that chooses one wins */
        CHECK_INTEQ(parse_opts(&m, OPTS("rnoatime", "rstrictatime"), NULL), 0);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_STRICTATIME);
        CHECK_INTEQ(m.recursive_attr_clr, MOUNT_ATTR__ATIME);
        CHECK_INTEQ(parse_opts(&m, OPTS("rstrictatime", "rnoatime", "rro"), NULL), 0);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_NOATIME | MOUNT_ATTR_RDONLY);
        CHECK_INTEQ(m.recursive_attr_clr, MOUNT_ATTR__ATIME);
        CHECK(m.recursive_ro);
        CHECK_INTEQ(parse_opts(&m, OPTS("rnoatime", "rrelatime"), NULL), 0);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_RELATIME);
        CHECK_INTEQ(m.recursive_attr_clr, MOUNT_ATTR__ATIME);

        /* An undoing option leaves its own state only */
        CHECK_INTEQ(parse_opts(&m, OPTS("rnoatime", "ratime"), NULL), 0);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_RELATIME);
        CHECK_INTEQ(parse_opts(&m, OPTS("rstrictatime", "ratime"), NULL), 0);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_STRICTATIME);
        CHECK_INTEQ(parse_opts(&m, OPTS("rstrictatime", "rnostrictatime"), NULL), 0);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_RELATIME);
        CHECK_INTEQ(parse_opts(&m, OPTS("rnoatime", "rnostrictatime"), NULL), 0);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_NOATIME);
        CHECK_INTEQ(parse_opts(&m, OPTS("rrelatime", "rnorelatime"), NULL), 0);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_STRICTATIME);
        CHECK_INTEQ(parse_opts(&m, OPTS("rnoatime", "rnorelatime"), NULL), 0);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_NOATIME);
        CHECK_INTEQ(m.recursive_attr_clr, MOUNT_ATTR__ATIME);

        /* rnodiratime is a flag of its own, next to the atime state */
        CHECK_INTEQ(parse_opts(&m, OPTS("rnodiratime", "rnoatime"), NULL), 0);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOATIME);
        CHECK_INTEQ(m.recursive_attr_clr, MOUNT_ATTR__ATIME);

        /* The non-recursive atime options do not touch the recursive ones */
        CHECK_INTEQ(parse_opts(&m, OPTS("noatime", "rnodev"), NULL), 0);
        CHECK_INTEQ(m.flags, MS_NOATIME);
        CHECK_INTEQ(m.recursive_attr_set, MOUNT_ATTR_NODEV);
        CHECK_INTEQ(m.recursive_attr_clr, 0);

        /* Parsing again replaces the derived fields */
        strv_free(m.options);
        m.options = strv_append(NULL, "nodev");
        CHECK_INTEQ(mount_opts_parse(&m, NULL), 0);
        CHECK_INTEQ(m.recursive_attr_set, 0);
        CHECK_INTEQ(m.recursive_attr_clr, 0);
        mount_reset(&m);
}

/* podman's --tmpfs mount: tmpcopyup is a flag of the mount, never filesystem data. */
TEST(test_tmpcopyup)
{
        struct spec_mount m = {0};
        CHECK_INTEQ(
            parse_opts(&m, OPTS("rw", "rprivate", "nosuid", "nodev", "tmpcopyup", "size=65536k"), NULL), 0);
        CHECK(m.tmpcopyup);
        CHECK_STREQ(m.data, "size=65536k");
        CHECK_INTEQ(m.flags, MS_NOSUID | MS_NODEV);
        CHECK_INTEQ(m.clear, MS_RDONLY);
        CHECK_INTEQ(m.propagation, MS_PRIVATE | MS_REC);
        CHECK_INTEQ(m.recursive_attr_set, 0);

        CHECK_INTEQ(parse_opts(&m, OPTS("tmpcopyup", "mode=1777"), NULL), 0);
        CHECK(m.tmpcopyup);
        CHECK_STREQ(m.data, "mode=1777");

        /* Alone it is no data either; parsing again without it clears it */
        CHECK_INTEQ(parse_opts(&m, OPTS("tmpcopyup"), NULL), 0);
        CHECK(m.tmpcopyup);
        CHECK(m.data == NULL);
        strv_free(m.options);
        m.options = strv_append(NULL, "ro");
        CHECK_INTEQ(mount_opts_parse(&m, NULL), 0);
        CHECK(!m.tmpcopyup);
        mount_reset(&m);
}

TEST(test_known_list)
{
        const char *const *known = mount_opts_known();
        size_t n = 0;
        bool rro = false, rbind = false, nosymfollow = false, rprivate = false, tmpcopyup = false;
        bool rnosuid = false, rnorelatime = false, rsymfollow = false;
        for (; known[n]; n++) {
                CHECK(!STREQ(known[n], "idmap"));
                CHECK(!STREQ(known[n], "ridmap"));
                tmpcopyup |= STREQ(known[n], "tmpcopyup");
                rnosuid |= STREQ(known[n], "rnosuid");
                rnorelatime |= STREQ(known[n], "rnorelatime");
                rsymfollow |= STREQ(known[n], "rsymfollow");
                rro |= STREQ(known[n], "rro");
                rbind |= STREQ(known[n], "rbind");
                nosymfollow |= STREQ(known[n], "nosymfollow");
                rprivate |= STREQ(known[n], "rprivate");

                /* Every known option is consumed by the table, never passed on as data. */
                struct spec_mount m = {0};
                CHECK_INTEQ(parse_opts(&m, OPTS(known[n]), NULL), 0);
                CHECK(m.data == NULL);
                mount_reset(&m);
        }
        CHECK(n >= 62);
        CHECK(rro && rbind && nosymfollow && rprivate);
        CHECK(tmpcopyup && rnosuid && rnorelatime && rsymfollow);
        CHECK(mount_opts_known() == known);
}

TEST(test_combinations)
{
        struct spec_mount m = {0};

        /* Later options win, and a cleared flag is remembered in clear. */
        CHECK_INTEQ(parse_opts(&m, OPTS("ro", "rw"), NULL), 0);
        CHECK_INTEQ(m.flags, 0);
        CHECK_INTEQ(m.clear, MS_RDONLY);
        CHECK_INTEQ(parse_opts(&m, OPTS("rw", "ro"), NULL), 0);
        CHECK_INTEQ(m.flags, MS_RDONLY);
        CHECK_INTEQ(m.clear, 0);

        /* The /sys/fs/cgroup mount of `runc spec` */
        CHECK_INTEQ(parse_opts(&m, OPTS("nosuid", "noexec", "nodev", "relatime", "ro"), NULL), 0);
        CHECK_INTEQ(m.flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
        CHECK_INTEQ(m.clear, 0);
        CHECK(!m.bind);

        /* A typical bind mount from podman */
        CHECK_INTEQ(parse_opts(&m, OPTS("rbind", "rprivate", "nosuid", "nodev", "rro"), NULL), 0);
        CHECK_INTEQ(m.flags, MS_BIND | MS_REC | MS_NOSUID | MS_NODEV);
        CHECK_INTEQ(m.propagation, MS_PRIVATE | MS_REC);
        CHECK(m.bind);
        CHECK(m.recursive_ro);
        CHECK(m.data == NULL);

        /* The last propagation wins */
        CHECK_INTEQ(parse_opts(&m, OPTS("bind", "shared", "rslave"), NULL), 0);
        CHECK_INTEQ(m.propagation, MS_SLAVE | MS_REC);
        CHECK_INTEQ(m.flags, MS_BIND);

        /* rrw undoes rro */
        CHECK_INTEQ(parse_opts(&m, OPTS("rbind", "rro", "rrw"), NULL), 0);
        CHECK(!m.recursive_ro);

        /* Unknown options are filesystem data, joined in order */
        CHECK_INTEQ(parse_opts(&m,
                               OPTS("nosuid", "newinstance", "ptmxmode=0666", "noexec", "mode=0620", "gid=5"),
                               NULL),
                    0);
        CHECK_STREQ(m.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        CHECK_INTEQ(m.flags, MS_NOSUID | MS_NOEXEC);

        /* Options that look like flags but carry a value are data */
        CHECK_INTEQ(parse_opts(&m, OPTS("ro=1", "size=65536k"), NULL), 0);
        CHECK_STREQ(m.data, "ro=1,size=65536k");
        CHECK_INTEQ(m.flags, 0);

        /* No options at all */
        mount_reset(&m);
        CHECK_INTEQ(mount_opts_parse(&m, NULL), 0);
        CHECK_INTEQ(m.flags, 0);
        CHECK(m.data == NULL);

        /* Parsing again replaces the derived fields */
        CHECK_INTEQ(parse_opts(&m, OPTS("ro", "mode=755"), NULL), 0);
        CHECK_STREQ(m.data, "mode=755");
        strv_free(m.options);
        m.options = strv_append(NULL, "nodev");
        CHECK_INTEQ(mount_opts_parse(&m, NULL), 0);
        CHECK_INTEQ(m.flags, MS_NODEV);
        CHECK(m.data == NULL);
        mount_reset(&m);
}

TEST(test_unsupported)
{
        static const struct {
                const char *opts[4];
                const char *msg;
        } cases[] = {
            {{"idmap", NULL}, "options[0]: \"idmap\": idmapped mounts are not supported"},
            {{"rbind", "ridmap", NULL}, "options[1]: \"ridmap\": idmapped mounts are not supported"},
            {{"tmpcopyup", "rnosuid", "idmap", NULL},
             "options[2]: \"idmap\": idmapped mounts are not supported"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct spec_mount m = {0};
                _cleanup_error_ berth_error *err = NULL;
                CHECK_INTEQ(parse_opts(&m, cases[i].opts, &err), -EOPNOTSUPP);
                CHECK(err != NULL);
                CHECK_STREQ(err ? err->msg : NULL, cases[i].msg);
                mount_reset(&m);
        }
}

TEST(test_propagation)
{
        static const struct {
                const char *name;
                unsigned long flags;
        } cases[] = {
            {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
            {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
            {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
            {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                unsigned long f = 0;
                CHECK_INTEQ(mount_propagation_from_string(cases[i].name, &f), 0);
                CHECK_INTEQ(f, cases[i].flags);
        }
        unsigned long f = 42;
        CHECK_INTEQ(mount_propagation_from_string("foo", &f), -EINVAL);
        CHECK_INTEQ(mount_propagation_from_string("ro", &f), -EINVAL);
        CHECK_INTEQ(mount_propagation_from_string("", &f), -EINVAL);
        CHECK_INTEQ(mount_propagation_from_string(NULL, &f), -EINVAL);
        CHECK_INTEQ(f, 42);
}

UNIT_MAIN(UNIT_CASE(test_single_options), UNIT_CASE(test_recursive_attributes),
          UNIT_CASE(test_recursive_combinations), UNIT_CASE(test_tmpcopyup), UNIT_CASE(test_known_list),
          UNIT_CASE(test_combinations), UNIT_CASE(test_unsupported), UNIT_CASE(test_propagation))
