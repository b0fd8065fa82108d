/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Path resolution inside a rootfs (no mounts, any user): a temporary tree full of hostile symlinks must
 * never let a lookup or a creation leave it. Also the linux.sysctl namespace rules.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "unit.h"

#include "error.h"
#include "fs-util.h"
#include "macro.h"
#include "path.h"
#include "rootfs.h"
#include "spec.h"

/* <tmp>/root is the rootfs, <tmp>/host/x a file next to it that escapes would reach. */
static char tmp[PATH_MAX], root[PATH_MAX + 8];
static char uniq[64]; /* a name that must never appear in the host's /etc or / */

static void make_file(const char *rel)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
        int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
                close(fd);
}

static void make_link(const char *target, const char *rel)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
        if (symlink(target, p) < 0)
                fprintf(stderr, "# symlink %s: %s\n", p, strerror(errno));
}

static void setup(void)
{
        if (tmp[0])
                return;
        snprintf(tmp, sizeof(tmp), "/tmp/berth-test-path-XXXXXX");
        if (!mkdtemp(tmp))
                abort();
        snprintf(root, sizeof(root), "%s/root", tmp);
        snprintf(uniq, sizeof(uniq), "berth-test-path-%d", (int)getpid());
        _cleanup_free_ char *host = xasprintf("%s/host", tmp);
        _cleanup_free_ char *etc = xasprintf("%s/etc", root);
        _cleanup_free_ char *hostx = xasprintf("%s/host/x", tmp);
        if (mkdir(root, 0755) < 0 || mkdir(host, 0755) < 0 || mkdir(etc, 0755) < 0)
                abort();
        int fd = open(hostx, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
                close(fd);

        make_file("etc/in-root");
        make_file("file");
        make_link("/etc", "abs");                    /* absolute: must mean <root>/etc */
        make_link("../../../../../../../..", "rel"); /* climbs: must stop at <root> */
        make_link("../host", "escape");              /* would be <tmp>/host on the host */
        make_link("loop2", "loop1");
        make_link("loop1", "loop2");
        make_link("/newdir/sub", "dangling");      /* dangling absolute */
        make_link("../../../made", "danglingrel"); /* dangling, climbing */
        make_link("/proc/self/root", "magic");     /* a magic link, seen from the root */
        make_link("abs/../rel/../etc", "zigzag");  /* chains of links */
}

static bool same_inode(int fd, const char *path)
{
        struct stat a, b;
        if (fstat(fd, &a) < 0 || stat(path, &b) < 0)
                return false;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool exists(const char *path)
{
        struct stat st;
        return lstat(path, &st) == 0;
}

static int open_root(void)
{
        setup();
        int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                abort();
        return fd;
}

TEST(test_open_absolute_symlink)
{
        _cleanup_close_ int rootfd = open_root();
        _cleanup_close_ int fd = path_open_in_root(rootfd, "/abs/in-root", O_RDONLY, 0);
        CHECK(fd >= 0);
        _cleanup_free_ char *want = xasprintf("%s/etc/in-root", root);
        CHECK(same_inode(fd, want));

        /* The host's /etc/passwd is not visible through the link. */
        CHECK_INTEQ(path_open_in_root(rootfd, "abs/passwd", O_RDONLY, 0), -ENOENT);
        CHECK_INTEQ(path_open_in_root(rootfd, "/etc/passwd", O_RDONLY, 0), -ENOENT);
}

TEST(test_open_dotdot_stays_inside)
{
        _cleanup_close_ int rootfd = open_root();
        _cleanup_close_ int a = path_open_in_root(rootfd, "rel", O_PATH | O_DIRECTORY, 0);
        CHECK(same_inode(a, root));
        _cleanup_close_ int b = path_open_in_root(rootfd, "/../../../..", O_PATH | O_DIRECTORY, 0);
        CHECK(same_inode(b, root));
        _cleanup_close_ int c = path_open_in_root(rootfd, "", O_PATH | O_DIRECTORY, 0);
        CHECK(same_inode(c, root));
        _cleanup_close_ int d = path_open_in_root(rootfd, "zigzag/in-root", O_RDONLY, 0);
        CHECK(d >= 0);
        /* <tmp>/host/x exists, but "escape" points at <root>/host, which does not. */
        CHECK_INTEQ(path_open_in_root(rootfd, "escape/x", O_RDONLY, 0), -ENOENT);
        CHECK_INTEQ(path_open_in_root(rootfd, "rel/host/x", O_RDONLY, 0), -ENOENT);
}

TEST(test_open_loops_and_magic_links)
{
        _cleanup_close_ int rootfd = open_root();
        CHECK_INTEQ(path_open_in_root(rootfd, "loop1", O_RDONLY, 0), -ELOOP);
        CHECK_INTEQ(path_open_in_root(rootfd, "loop1/x", O_PATH, 0), -ELOOP);
        /* Inside <root> "/proc" does not exist at all. */
        CHECK_INTEQ(path_open_in_root(rootfd, "magic", O_PATH, 0), -ENOENT);
        /* With the real / as root, procfs magic links are refused. */
        _cleanup_close_ int hostroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK_INTEQ(path_open_in_root(hostroot, "/proc/self/root", O_PATH, 0), -ELOOP);
}

TEST(test_open_create_through_symlink)
{
        _cleanup_close_ int rootfd = open_root();
        _cleanup_free_ char *rel = xasprintf("abs/%s", uniq);
        _cleanup_close_ int fd = path_open_in_root(rootfd, rel, O_WRONLY | O_CREAT | O_EXCL, 0600);
        CHECK(fd >= 0);
        _cleanup_free_ char *inside = xasprintf("%s/etc/%s", root, uniq);
        _cleanup_free_ char *host = xasprintf("/etc/%s", uniq);
        CHECK(exists(inside));
        CHECK(!exists(host));
        /* O_PATH with flags open() would ignore still works. */
        _cleanup_close_ int p = path_open_in_root(rootfd, rel, O_PATH | O_RDWR, 0);
        CHECK(p >= 0);
}

TEST(test_mkdir_through_absolute_symlink)
{
        _cleanup_close_ int rootfd = open_root();
        _cleanup_free_ char *rel = xasprintf("/abs/%s-d/b/c", uniq);
        _cleanup_error_ berth_error *err = NULL;
        _cleanup_close_ int fd = path_mkdir_in_root(rootfd, rel, true, &err);
        CHECK(fd >= 0);
        CHECK(!err);
        _cleanup_free_ char *inside = xasprintf("%s/etc/%s-d/b/c", root, uniq);
        _cleanup_free_ char *host = xasprintf("/etc/%s-d", uniq);
        struct stat st;
        CHECK(stat(inside, &st) == 0 && S_ISDIR(st.st_mode));
        CHECK(same_inode(fd, inside));
        CHECK(!exists(host));
        CHECK((fcntl(fd, F_GETFL) & O_PATH) == O_PATH);
        CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) == FD_CLOEXEC);

        /* Again: already there, same inode. */
        _cleanup_close_ int again = path_mkdir_in_root(rootfd, rel, true, &err);
        CHECK(same_inode(again, inside));
}

TEST(test_mkdir_relative_escapes)
{
        _cleanup_close_ int rootfd = open_root();
        _cleanup_error_ berth_error *err = NULL;

        _cleanup_close_ int a = path_mkdir_in_root(rootfd, "rel/x/y", true, &err);
        _cleanup_free_ char *ia = xasprintf("%s/x/y", root);
        CHECK(a >= 0 && same_inode(a, ia));
        CHECK(!exists("/x/y") || !same_inode(a, "/x/y"));

        _cleanup_close_ int b = path_mkdir_in_root(rootfd, "escape/z", true, &err);
        _cleanup_free_ char *ib = xasprintf("%s/host/z", root);
        _cleanup_free_ char *ob = xasprintf("%s/host/z", tmp);
        CHECK(b >= 0 && same_inode(b, ib));
        CHECK(!exists(ob));

        _cleanup_close_ int c = path_mkdir_in_root(rootfd, "/../../../d1/../d2", true, &err);
        _cleanup_free_ char *ic = xasprintf("%s/d2", root);
        CHECK(c >= 0 && same_inode(c, ic));
        CHECK(!err);
}

TEST(test_mkdir_dangling_symlinks)
{
        _cleanup_close_ int rootfd = open_root();
        _cleanup_error_ berth_error *err = NULL;

        /* The last component as an empty file, behind a dangling absolute link. */
        _cleanup_close_ int a = path_mkdir_in_root(rootfd, "dangling/file", false, &err);
        _cleanup_free_ char *ia = xasprintf("%s/newdir/sub/file", root);
        struct stat st;
        CHECK(a >= 0 && same_inode(a, ia));
        CHECK(stat(ia, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0);
        CHECK(!exists("/newdir"));

        _cleanup_close_ int b = path_mkdir_in_root(rootfd, "danglingrel/q", true, &err);
        _cleanup_free_ char *ib = xasprintf("%s/made/q", root);
        _cleanup_free_ char *ob = xasprintf("%s/made", tmp);
        CHECK(b >= 0 && same_inode(b, ib));
        CHECK(!exists(ob));
        CHECK(!err);
}

TEST(test_mkdir_errors)
{
        _cleanup_close_ int rootfd = open_root();
        {
                _cleanup_error_ berth_error *err = NULL;
                CHECK_INTEQ(path_mkdir_in_root(rootfd, "/file/sub", true, &err), -ENOTDIR);
                CHECK(err && err->msg);
                CHECK_CONTAINS(err ? err->msg : NULL, "/file/sub");
                CHECK_CONTAINS(err ? err->msg : NULL, "Not a directory");
        }
        {
                _cleanup_error_ berth_error *err = NULL;
                CHECK_INTEQ(path_mkdir_in_root(rootfd, "/loop1/x", true, &err), -ELOOP);
                CHECK_CONTAINS(err ? err->msg : NULL, "/loop1/x");
        }
        {
                /* A directory where a directory is wanted for a file: fine (the mount decides). A
                 * file where a directory is wanted: not. */
                _cleanup_error_ berth_error *err = NULL;
                CHECK_INTEQ(path_mkdir_in_root(rootfd, "/file", true, &err), -ENOTDIR);
        }
}

TEST(test_mkdir_root_and_files)
{
        _cleanup_close_ int rootfd = open_root();
        _cleanup_error_ berth_error *err = NULL;
        _cleanup_close_ int a = path_mkdir_in_root(rootfd, "/", true, &err);
        CHECK(same_inode(a, root));
        _cleanup_close_ int b = path_mkdir_in_root(rootfd, "../..", true, &err);
        CHECK(same_inode(b, root));
        _cleanup_close_ int c = path_mkdir_in_root(rootfd, "/dev/./null", false, &err);
        _cleanup_free_ char *ic = xasprintf("%s/dev/null", root);
        struct stat st;
        CHECK(c >= 0 && same_inode(c, ic));
        CHECK(stat(ic, &st) == 0 && S_ISREG(st.st_mode));
        CHECK(!err);
}

TEST(test_fd_path)
{
        char buf[32];
        CHECK_STREQ(path_fd_path(17, buf, sizeof(buf)), "/proc/self/fd/17");
}

/* ---- sysctl_validate ---- */

static struct spec_namespace test_ns[4];
static struct spec_kv test_kv[1];
static struct spec_linux test_linux;
static struct spec test_spec;

static struct spec *sysctl_spec(const char *key, const char *ns_list, const char *net_path)
{
        memset(&test_spec, 0, sizeof(test_spec));
        memset(&test_linux, 0, sizeof(test_linux));
        memset(test_ns, 0, sizeof(test_ns));
        size_t n = 0;
        if (strstr(ns_list, "ipc"))
                test_ns[n++] = (struct spec_namespace){.type = NS_IPC};
        if (strstr(ns_list, "net"))
                test_ns[n++] = (struct spec_namespace){.type = NS_NET, .path = (char *)net_path};
        if (strstr(ns_list, "uts"))
                test_ns[n++] = (struct spec_namespace){.type = NS_UTS};
        if (strstr(ns_list, "mnt"))
                test_ns[n++] = (struct spec_namespace){.type = NS_MOUNT};
        test_kv[0] = (struct spec_kv){.key = (char *)key, .value = (char *)"1"};
        test_linux.namespaces = test_ns;
        test_linux.n_namespaces = n;
        test_linux.sysctl = test_kv;
        test_linux.n_sysctl = 1;
        test_spec.linux = &test_linux;
        return &test_spec;
}

static int validate(const char *key, const char *ns_list, const char *net_path, char **ret_msg)
{
        _cleanup_error_ berth_error *err = NULL;
        int r = sysctl_validate(sysctl_spec(key, ns_list, net_path), &err);
        if (ret_msg)
                *ret_msg = err ? xstrdup(err->msg) : NULL;
        return r;
}

TEST(test_sysctl_ipc)
{
        CHECK_INTEQ(validate("kernel.shmmax", "ipc", NULL, NULL), 0);
        CHECK_INTEQ(validate("kernel.shm_rmid_forced", "ipc mnt", NULL, NULL), 0);
        CHECK_INTEQ(validate("fs.mqueue.msg_max", "ipc", NULL, NULL), 0);
        _cleanup_free_ char *msg = NULL;
        CHECK(validate("kernel.msgmax", "net uts", NULL, &msg) < 0);
        CHECK_CONTAINS(msg, "\"kernel.msgmax\"");
        CHECK_CONTAINS(msg, "ipc namespace");
        free(msg);
        msg = NULL;
        CHECK(validate("fs.mqueue.queues_max", "", NULL, &msg) < 0);
        CHECK_CONTAINS(msg, "linux.sysctl");
}

TEST(test_sysctl_net)
{
        CHECK_INTEQ(validate("net.ipv4.ip_forward", "net", NULL, NULL), 0);
        /* Joined by a path that is not ours: fine (the namespace code checks the path itself). */
        CHECK_INTEQ(validate("net.ipv4.ip_forward", "net", "/nonexistent/netns", NULL), 0);
        _cleanup_free_ char *msg = NULL;
        CHECK(validate("net.ipv4.ip_forward", "ipc uts", NULL, &msg) < 0);
        CHECK_CONTAINS(msg, "network namespace");
        free(msg);
        msg = NULL;
        /* "Joining" the caller's own network namespace is the host's. */
        CHECK(validate("net.core.somaxconn", "net", "/proc/self/ns/net", &msg) < 0);
        CHECK_CONTAINS(msg, "\"net.core.somaxconn\"");
}

TEST(test_sysctl_uts_and_others)
{
        CHECK_INTEQ(validate("kernel.hostname", "uts", NULL, NULL), 0);
        CHECK_INTEQ(validate("kernel.domainname", "uts", NULL, NULL), 0);
        _cleanup_free_ char *msg = NULL;
        CHECK(validate("kernel.domainname", "ipc net", NULL, &msg) < 0);
        CHECK_CONTAINS(msg, "uts namespace");
        free(msg);
        msg = NULL;
        CHECK(validate("kernel.foo", "ipc net uts mnt", NULL, &msg) < 0);
        CHECK_STREQ(msg, "linux.sysctl: \"kernel.foo\" is not in a namespace of the container");
        free(msg);
        msg = NULL;
        CHECK(validate("vm.overcommit_memory", "ipc net uts", NULL, &msg) < 0);
        CHECK_CONTAINS(msg, "not in a namespace");

        /* No sysctl at all, no linux section. */
        struct spec empty = {0};
        CHECK_INTEQ(sysctl_validate(&empty, NULL), 0);
}

TEST(test_sysctl_bad_names)
{
        static const char *const bad[] = {
            "net/ipv4/ip_forward",
            "net.ipv4..ip_forward",
            "../net.ipv4",
            "net.ipv4.ip_forward/..",
            "",
            ".net.ipv4",
            "net.",
            "fs.mqueue../x",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *msg = NULL;
                CHECK(validate(bad[i], "ipc net uts", NULL, &msg) < 0);
                CHECK_CONTAINS(msg, "not a valid sysctl name");
        }
}

TEST(test_sysctl_apply_errors)
{
        /* A key that does not exist: the error names it (nothing is written anywhere). */
        _cleanup_error_ berth_error *err = NULL;
        int r = sysctl_apply(sysctl_spec("net.berth_test.no_such_key", "net", NULL), &err);
        CHECK(r < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "\"net.berth_test.no_such_key\"");
        CHECK_CONTAINS(err ? err->msg : NULL, "/proc/sys/net/berth_test/no_such_key");

        _cleanup_error_ berth_error *err2 = NULL;
        CHECK(sysctl_apply(sysctl_spec("net/../../x", "net", NULL), &err2) < 0);
        CHECK_CONTAINS(err2 ? err2->msg : NULL, "not a valid sysctl name");
}

/* read_file_at() reads files of any size whole, up to its limit, whatever the page-sized fast path. */
TEST(test_read_file_sizes)
{
        setup();
        static const size_t sizes[] = {0, 1, 4095, 4096, 4097, 8192, 8193, 100000};
        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                size_t n = sizes[i];
                _cleanup_free_ char *data = xmalloc(n + 1);
                for (size_t j = 0; j < n; j++)
                        data[j] = (char)('a' + j % 26);
                _cleanup_free_ char *p = xasprintf("%s/sized", tmp);
                int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                CHECK(fd >= 0);
                CHECK(write(fd, data, n) == (ssize_t)n);
                close(fd);

                _cleanup_free_ char *got = NULL;
                size_t len = 0;
                CHECK_INTEQ(read_file(p, 0, &got, &len), 0);
                CHECK_INTEQ(len, n);
                CHECK(got && memcmp(got, data, n) == 0 && got[n] == 0);

                _cleanup_free_ char *exact = NULL;
                CHECK_INTEQ(read_file(p, n ? n : 1, &exact, &len), 0);
                CHECK_INTEQ(len, n);
                if (n > 0) {
                        _cleanup_free_ char *over = NULL;
                        CHECK_INTEQ(read_file(p, n - 1 ? n - 1 : 0, &over, &len), n - 1 ? -EFBIG : 0);
                }
        }
        char *none = NULL;
        CHECK_INTEQ(read_file("/nonexistent-berth-test", 0, &none, NULL), -ENOENT);
        CHECK(!none);
}

TEST(test_cleanup)
{
        if (!tmp[0])
                return;
        CHECK_INTEQ(rm_rf_at(AT_FDCWD, tmp), 0);
        CHECK(!exists(tmp));
}

UNIT_MAIN(UNIT_CASE(test_open_absolute_symlink), UNIT_CASE(test_open_dotdot_stays_inside),
          UNIT_CASE(test_open_loops_and_magic_links), UNIT_CASE(test_open_create_through_symlink),
          UNIT_CASE(test_mkdir_through_absolute_symlink), UNIT_CASE(test_mkdir_relative_escapes),
          UNIT_CASE(test_mkdir_dangling_symlinks), UNIT_CASE(test_mkdir_errors),
          UNIT_CASE(test_mkdir_root_and_files), UNIT_CASE(test_fd_path), UNIT_CASE(test_sysctl_ipc),
          UNIT_CASE(test_sysctl_net), UNIT_CASE(test_sysctl_uts_and_others), UNIT_CASE(test_sysctl_bad_names),
          UNIT_CASE(test_sysctl_apply_errors), UNIT_CASE(test_read_file_sizes), UNIT_CASE(test_cleanup))
