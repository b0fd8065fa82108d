/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/nsfs.h>

#include "fs-util.h"
#include "namespaces.h"

int ns_plan_build(const struct spec *spec, struct ns_plan *p, berth_error **err)
{
        for (int t = 0; t < _NS_TYPE_MAX; t++) {
                p->create[t] = false;
                p->join_fd[t] = -1;
        }
        if (!spec->linux)
                return 0;
        for (size_t i = 0; i < spec->linux->n_namespaces; i++) {
                const struct spec_namespace *ns = &spec->linux->namespaces[i];
                if (!ns->path || !*ns->path) {
                        p->create[ns->type] = true;
                        continue;
                }
                int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        int r = berth_err(err, errno, "linux.namespaces[%zu].path: %s", i, ns->path);
                        ns_plan_close(p);
                        return r;
                }
                int type = ioctl(fd, NS_GET_NSTYPE);
                if (type < 0 || type != ns_type_clone_flag(ns->type)) {
                        int r = berth_err_plain(err, EINVAL,
                                                "linux.namespaces[%zu].path: %s is not a %s namespace", i,
                                                ns->path, ns_type_to_string(ns->type));
                        close(fd);
                        ns_plan_close(p);
                        return r;
                }
                p->join_fd[ns->type] = fd;
        }
        return 0;
}

void ns_plan_close(struct ns_plan *p)
{
        for (int t = 0; t < _NS_TYPE_MAX; t++)
                if (p->join_fd[t] >= 0) {
                        close(p->join_fd[t]);
                        p->join_fd[t] = -1;
                }
}

int ns_plan_clone_flags(const struct ns_plan *p, int mask)
{
        int flags = 0;
        for (int t = 0; t < _NS_TYPE_MAX; t++)
                if (p->create[t])
                        flags |= ns_type_clone_flag(t);
        return flags & ~mask;
}

int ns_plan_join(const struct ns_plan *p, int skip_mask, berth_error **err)
{
        for (int t = 0; t < _NS_TYPE_MAX; t++) {
                if (p->join_fd[t] < 0 || (ns_type_clone_flag(t) & skip_mask))
                        continue;
                if (setns(p->join_fd[t], ns_type_clone_flag(t)) < 0)
                        return berth_err(err, errno, "join %s namespace", ns_type_to_string(t));
        }
        return 0;
}

static int write_map(pid_t pid, const char *file, const struct spec_id_mapping *m, size_t n,
                     berth_error **err)
{
        if (n == 0)
                return 0;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        _cleanup_fclose_ FILE *f = open_memstream(&buf, &len);
        if (!f)
                return berth_err(err, errno, "open_memstream");
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
        fclose(TAKE_PTR(f));
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
        int r = write_file(path, buf);
        if (r < 0)
                return berth_err(err, -r, "write %s", path);
        return 0;
}

int ns_write_id_maps(pid_t pid, const struct spec_linux *l, berth_error **err)
{
        int r = write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err);
        if (r < 0)
                return r;
        return write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err);
}

int ns_write_time_offsets(const struct spec_linux *l, berth_error **err)
{
        char buf[128];
        snprintf(buf, sizeof(buf), "monotonic %lld %u\nboottime %lld %u\n", (long long)l->time_monotonic.secs,
                 l->time_monotonic.nanosecs, (long long)l->time_boottime.secs, l->time_boottime.nanosecs);
        int r = write_file("/proc/self/timens_offsets", buf);
        if (r < 0)
                return berth_err(err, -r, "linux.timeOffsets: write /proc/self/timens_offsets");
        return 0;
}

int ns_differing_mask(pid_t pid, berth_error **err)
{
        int mask = 0;
        for (int t = 0; t < _NS_TYPE_MAX; t++) {
                char a[64], b[64];
                struct stat sa, sb;
                snprintf(a, sizeof(a), "/proc/%d/ns/%s", pid, ns_type_proc_name(t));
                snprintf(b, sizeof(b), "/proc/self/ns/%s", ns_type_proc_name(t));
                if (stat(a, &sa) < 0) {
                        if (errno == ENOENT)
                                continue; /* kernel without this namespace type */
                        return berth_err(err, errno, "stat %s", a);
                }
                if (stat(b, &sb) < 0)
                        continue;
                if (sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev)
                        mask |= ns_type_clone_flag(t);
        }
        return mask;
}
