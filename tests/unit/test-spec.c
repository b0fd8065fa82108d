/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.json parsing and validation: a full config into the structs, every rejection with its JSON path,
 * spec_load() on a bundle, the default spec, the features document and the name tables.
 *
 * JSON is written with single quotes and converted (no test string needs an apostrophe).
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "caps.h"
#include "fs-util.h"
#include "mount-opts.h"
#include "oci-features.h"
#include "spec.h"
#include "test-spec-cases.h"
#include "unit.h"

#include <json-glib/json-glib.h>

#ifndef BERTH_VERSION
#define BERTH_VERSION "0.1.0"
#endif

#define CAP(c) (UINT64_C(1) << (c))

/* Single quotes -> double quotes. */
static char *q(const char *s)
{
        char *r = xstrdup(s);
        for (char *c = r; *c; c++)
                if (*c == '\'')
                        *c = '"';
        return r;
}

static int parse_q(const char *json_q, struct spec **ret, berth_error **err)
{
        _cleanup_free_ char *j = q(json_q);
        return spec_parse(j, strlen(j), ret, err);
}

/* A valid base config with extra process members and extra top-level members (either may be NULL).
 * Repeated keys override earlier ones (json-glib keeps the last). */
static char *cfg(const char *proc, const char *top)
{
        _cleanup_free_ char *s = xasprintf("{'ociVersion':'1.2.0','root':{'path':'rootfs'},"
                                           "'process':{'args':['sh'],'cwd':'/'%s%s}%s%s}",
                                           proc ? "," : "", proc ? proc : "", top ? "," : "", top ? top : "");
        return q(s);
}

TEST(test_full_config)
{
        _cleanup_spec_ struct spec *s = NULL;
        _cleanup_error_ berth_error *err = NULL;
        CHECK_INTEQ(parse_q(full_config, &s, &err), 0);
        if (!s) {
                fprintf(stderr, "# %s\n", err ? err->msg : "?");
                return;
        }
        CHECK_STREQ(s->oci_version, "1.2.0");
        CHECK_STREQ(s->root_path, "rootfs");
        CHECK(s->root_readonly);
        CHECK(s->bundle == NULL && s->rootfs == NULL);

        const struct spec_process *p = s->process;
        CHECK(p->terminal);
        CHECK(p->has_console_size);
        CHECK_INTEQ(p->console_size.height, 24);
        CHECK_INTEQ(p->console_size.width, 80);
        CHECK_INTEQ(p->user.uid, 1000);
        CHECK_INTEQ(p->user.gid, 1001);
        CHECK(p->user.has_umask);
        CHECK_INTEQ(p->user.umask, 022);
        CHECK_INTEQ(p->user.n_additional_gids, 3);
        CHECK_INTEQ(p->user.additional_gids[0], 5);
        CHECK_INTEQ(p->user.additional_gids[2], UINT32_MAX);
        CHECK_INTEQ(strv_length(p->args), 3);
        CHECK_STREQ(p->args[2], "echo hi");
        CHECK_INTEQ(strv_length(p->env), 3);
        CHECK_STREQ(p->env[2], "EMPTY=");
        CHECK_STREQ(p->cwd, "/work");
        CHECK(p->command_line == NULL);
        CHECK(p->has_capabilities);
        CHECK_INTEQ(p->capabilities.bounding, CAP(CAP_CHOWN) | CAP(CAP_KILL) | CAP(CAP_SYS_ADMIN));
        CHECK_INTEQ(p->capabilities.effective, CAP(CAP_KILL));
        CHECK_INTEQ(p->capabilities.inheritable, 0);
        CHECK_INTEQ(p->capabilities.permitted, CAP(CAP_KILL) | CAP(CAP_NET_BIND_SERVICE));
        CHECK_INTEQ(p->capabilities.ambient, CAP(CAP_NET_BIND_SERVICE));
        CHECK_INTEQ(p->n_rlimits, 2);
        CHECK_INTEQ(p->rlimits[0].resource, RLIMIT_NOFILE);
        CHECK_STREQ(p->rlimits[0].type, "RLIMIT_NOFILE");
        CHECK(p->rlimits[0].hard == 4096 && p->rlimits[0].soft == 1024);
        CHECK_INTEQ(p->rlimits[1].resource, RLIMIT_MEMLOCK);
        CHECK(p->rlimits[1].hard == UINT64_MAX && p->rlimits[1].soft == UINT64_MAX);
        CHECK(p->no_new_privileges);
        CHECK_STREQ(p->apparmor_profile, "berth-default");
        CHECK(p->has_oom_score_adj);
        CHECK_INTEQ(p->oom_score_adj, -500);
        CHECK_STREQ(p->selinux_label, "system_u:system_r:container_t:s0");
        CHECK(p->has_scheduler);
        CHECK_STREQ(p->scheduler.policy, "SCHED_FIFO");
        CHECK_INTEQ(p->scheduler.policy_value, SCHED_FIFO);
        CHECK_INTEQ(p->scheduler.priority, 10);
        CHECK_INTEQ(p->scheduler.nice, 0);
        CHECK_INTEQ(p->scheduler.flags, 0x01);
        CHECK(p->has_io_priority);
        CHECK_STREQ(p->io_priority.class_name, "IOPRIO_CLASS_BE");
        CHECK_INTEQ(p->io_priority.class_value, 2);
        CHECK_INTEQ(p->io_priority.priority, 4);

        CHECK_STREQ(s->hostname, "box");
        CHECK_STREQ(s->domainname, "example.org");

        CHECK_INTEQ(s->n_mounts, 3);
        CHECK_STREQ(s->mounts[0].destination, "/proc");
        CHECK_STREQ(s->mounts[0].type, "proc");
        CHECK(s->mounts[0].options == NULL);
        CHECK_INTEQ(s->mounts[0].flags, 0);
        CHECK_INTEQ(s->mounts[1].flags, MS_NOSUID | MS_NOEXEC);
        CHECK_STREQ(s->mounts[1].data, "newinstance,ptmxmode=0666");
        CHECK_STREQ(s->mounts[2].source, "data");
        CHECK(s->mounts[2].bind);
        CHECK(s->mounts[2].recursive_ro);
        CHECK_INTEQ(s->mounts[2].flags, MS_BIND | MS_REC | MS_RDONLY);
        CHECK_INTEQ(s->mounts[2].propagation, MS_PRIVATE | MS_REC);
        CHECK(s->mounts[2].data == NULL);
        CHECK(s->mounts[2].uid_mappings == NULL);

        const struct spec_hooks *h = &s->hooks;
        CHECK_INTEQ(h->n_hooks[HOOK_PRESTART], 1);
        CHECK_STREQ(h->hooks[HOOK_PRESTART][0].path, "/usr/bin/hook");
        CHECK_STREQ(h->hooks[HOOK_PRESTART][0].args[1], "prestart");
        CHECK_STREQ(h->hooks[HOOK_PRESTART][0].env[0], "A=1");
        CHECK(h->hooks[HOOK_PRESTART][0].has_timeout);
        CHECK_INTEQ(h->hooks[HOOK_PRESTART][0].timeout, 5);
        CHECK_INTEQ(h->n_hooks[HOOK_CREATE_RUNTIME], 1);
        CHECK_INTEQ(h->n_hooks[HOOK_CREATE_CONTAINER], 2);
        CHECK_STREQ(h->hooks[HOOK_CREATE_CONTAINER][1].path, "/bin/cc2");
        CHECK(!h->hooks[HOOK_CREATE_CONTAINER][1].has_timeout);
        CHECK_INTEQ(h->n_hooks[HOOK_START_CONTAINER], 1);
        CHECK_INTEQ(h->n_hooks[HOOK_POSTSTART], 1);
        CHECK_INTEQ(h->n_hooks[HOOK_POSTSTOP], 1);
        CHECK_INTEQ(h->hooks[HOOK_POSTSTOP][0].timeout, 30);

        CHECK_INTEQ(s->n_annotations, 2);
        CHECK_STREQ(spec_annotation(s, "org.example.key"), "value");
        CHECK_STREQ(spec_annotation(s, "io.kubernetes.cri.container-type"), "container");
        CHECK(spec_annotation(s, "nope") == NULL);

        const struct spec_linux *l = s->linux;
        CHECK_INTEQ(l->n_namespaces, 8);
        CHECK_INTEQ(l->namespaces[0].type, NS_PID);
        CHECK_INTEQ(l->namespaces[1].type, NS_NET);
        CHECK_STREQ(l->namespaces[1].path, "/var/run/netns/x");
        CHECK(l->namespaces[0].path == NULL);
        CHECK_INTEQ(l->namespaces[7].type, NS_TIME);
        CHECK(spec_namespace(s, NS_USER) == &l->namespaces[5]);
        CHECK_STREQ(spec_namespace(s, NS_NET)->path, "/var/run/netns/x");
        CHECK_INTEQ(l->n_uid_mappings, 1);
        CHECK_INTEQ(l->uid_mappings[0].host_id, 100000);
        CHECK_INTEQ(l->uid_mappings[0].size, 65536);
        CHECK_INTEQ(l->n_gid_mappings, 2);
        CHECK_INTEQ(l->gid_mappings[1].container_id, 65536);
        CHECK_INTEQ(l->gid_mappings[1].host_id, 5);
        CHECK(l->has_time_offsets);
        CHECK_INTEQ(l->time_monotonic.secs, -3600);
        CHECK_INTEQ(l->time_monotonic.nanosecs, 500);
        CHECK_INTEQ(l->time_boottime.secs, 86400);
        CHECK_INTEQ(l->time_boottime.nanosecs, 0);
        CHECK_INTEQ(l->n_devices, 2);
        CHECK_STREQ(l->devices[0].path, "/dev/fuse");
        CHECK_INTEQ(l->devices[0].type, 'c');
        CHECK_INTEQ(l->devices[0].major, 10);
        CHECK_INTEQ(l->devices[0].minor, 229);
        CHECK(l->devices[0].has_file_mode);
        CHECK_INTEQ(l->devices[0].file_mode, 0666);
        CHECK(l->devices[0].has_uid && l->devices[0].has_gid);
        CHECK_INTEQ(l->devices[1].type, 'p');
        CHECK(!l->devices[1].has_file_mode && !l->devices[1].has_uid);
        CHECK_STREQ(l->cgroups_path, "system.slice:berth:abc");

        const struct spec_resources *r = &l->resources;
        CHECK(r->present);
        CHECK_INTEQ(r->n_devices, 2);
        CHECK(!r->devices[0].allow);
        CHECK_INTEQ(r->devices[0].type, 0);
        CHECK(!r->devices[0].has_major);
        CHECK_STREQ(r->devices[0].access, "rwm");
        CHECK(r->devices[1].allow);
        CHECK_INTEQ(r->devices[1].type, 'c');
        CHECK(r->devices[1].has_major && r->devices[1].has_minor);
        CHECK_INTEQ(r->devices[1].minor, 229);
        CHECK(r->memory.has_limit && r->memory.limit == 536870912);
        CHECK(r->memory.has_reservation && r->memory.reservation == 268435456);
        CHECK(r->memory.has_swap && r->memory.swap == -1);
        CHECK(r->memory.has_swappiness && r->memory.swappiness == 60);
        CHECK(r->memory.has_disable_oom_killer && r->memory.disable_oom_killer);
        CHECK(r->memory.has_check_before_update && !r->memory.check_before_update);
        CHECK(!r->memory.has_kernel && !r->memory.has_kernel_tcp && !r->memory.has_use_hierarchy);
        CHECK(r->cpu.has_shares && r->cpu.shares == 512);
        CHECK(r->cpu.has_quota && r->cpu.quota == 50000);
        CHECK(r->cpu.has_period && r->cpu.period == 100000);
        CHECK(r->cpu.has_burst && r->cpu.burst == 1000);
        CHECK(r->cpu.has_realtime_runtime && r->cpu.realtime_runtime == 950);
        CHECK(r->cpu.has_realtime_period && r->cpu.realtime_period == 1000);
        CHECK(r->cpu.has_idle && r->cpu.idle == 1);
        CHECK_STREQ(r->cpu.cpus, "0-1");
        CHECK_STREQ(r->cpu.mems, "0");
        CHECK(r->pids.has_limit && r->pids.limit == 100);
        CHECK(r->block_io.has_weight && r->block_io.weight == 500);
        CHECK(r->block_io.has_leaf_weight && r->block_io.leaf_weight == 300);
        CHECK_INTEQ(r->block_io.n_weight_device, 1);
        CHECK(r->block_io.weight_device[0].has_weight && r->block_io.weight_device[0].weight == 600);
        CHECK(!r->block_io.weight_device[0].has_leaf_weight);
        CHECK_INTEQ(r->block_io.n_throttle_read_bps, 1);
        CHECK_INTEQ(r->block_io.throttle_read_bps[0].rate, 1048576);
        CHECK_INTEQ(r->block_io.n_throttle_write_bps, 0);
        CHECK_INTEQ(r->block_io.n_throttle_read_iops, 0);
        CHECK_INTEQ(r->block_io.n_throttle_write_iops, 1);
        CHECK_INTEQ(r->block_io.throttle_write_iops[0].minor, 16);
        CHECK_INTEQ(r->n_hugepage_limits, 1);
        CHECK_STREQ(r->hugepage_limits[0].page_size, "2MB");
        CHECK_INTEQ(r->hugepage_limits[0].limit, 209715200);
        CHECK(r->network.has_class_id && r->network.class_id == 1048577);
        CHECK(r->network.has_priorities);
        CHECK_INTEQ(r->n_unified, 2);
        CHECK_STREQ(r->unified[1].key, "io.weight");
        CHECK_STREQ(r->unified[1].value, "default 100");

        CHECK_STREQ(l->rootfs_propagation, "rslave");
        CHECK_INTEQ(l->rootfs_propagation_flags, MS_SLAVE | MS_REC);
        CHECK_INTEQ(l->n_sysctl, 2);
        CHECK_STREQ(l->sysctl[0].key, "net.ipv4.ip_forward");
        CHECK_STREQ(l->sysctl[0].value, "1");

        const struct spec_seccomp *sc = l->seccomp;
        CHECK(sc != NULL);
        CHECK_INTEQ(sc->default_action, SECCOMP_ACT_ERRNO);
        CHECK(sc->has_default_errno_ret && sc->default_errno_ret == 1);
        CHECK_INTEQ(strv_length(sc->architectures), 2);
        CHECK_STREQ(sc->architectures[1], "SCMP_ARCH_X86");
        CHECK_STREQ(sc->flags[0], "SECCOMP_FILTER_FLAG_LOG");
        CHECK_STREQ(sc->listener_path, "/run/seccomp.sock");
        CHECK_STREQ(sc->listener_metadata, "meta");
        CHECK_INTEQ(sc->n_syscalls, 4);
        CHECK_STREQ(sc->syscalls[0].names[1], "write");
        CHECK_INTEQ(sc->syscalls[0].action, SECCOMP_ACT_ALLOW);
        CHECK(!sc->syscalls[0].has_errno_ret);
        CHECK_INTEQ(sc->syscalls[1].n_args, 2);
        CHECK_INTEQ(sc->syscalls[1].args[0].index, 0);
        CHECK(sc->syscalls[1].args[0].value == 4294967295u);
        CHECK_INTEQ(sc->syscalls[1].args[0].op, SECCOMP_OP_EQ);
        CHECK_INTEQ(sc->syscalls[1].args[1].index, 1);
        CHECK(sc->syscalls[1].args[1].value == UINT64_MAX);
        CHECK_INTEQ(sc->syscalls[1].args[1].value_two, 8);
        CHECK_INTEQ(sc->syscalls[1].args[1].op, SECCOMP_OP_MASKED_EQ);
        CHECK(sc->syscalls[2].has_errno_ret && sc->syscalls[2].errno_ret == 38);
        CHECK_INTEQ(sc->syscalls[3].action, SECCOMP_ACT_NOTIFY);

        CHECK_INTEQ(strv_length(l->masked_paths), 2);
        CHECK_STREQ(l->readonly_paths[0], "/proc/sys");
        CHECK_STREQ(l->mount_label, "system_u:object_r:container_file_t:s0");
        CHECK(l->has_personality);
        CHECK_STREQ(l->personality.domain, "LINUX32");
        CHECK_INTEQ(l->personality.value, PER_LINUX32);
        CHECK_INTEQ(strv_length(l->personality.flags), 0);
        CHECK(!l->has_intel_rdt);
}

TEST(test_minimal_config)
{
        _cleanup_spec_ struct spec *s = NULL;
        _cleanup_free_ char *j = cfg(NULL, NULL);
        CHECK_INTEQ(spec_parse(j, strlen(j), &s, NULL), 0);
        if (!s)
                return;
        CHECK(s->linux == NULL);
        CHECK(spec_namespace(s, NS_PID) == NULL);
        CHECK(!s->root_readonly);
        CHECK(!s->process->terminal && !s->process->has_capabilities && !s->process->has_oom_score_adj);
        CHECK(!s->process->user.has_umask);
        CHECK(s->process->env == NULL);
        CHECK_INTEQ(s->n_mounts, 0);
        CHECK(s->hostname == NULL);
        for (int st = 0; st < _HOOK_STAGE_MAX; st++)
                CHECK_INTEQ(s->hooks.n_hooks[st], 0);
}

TEST(test_accepted_variants)
{
        static const struct {
                const char *proc, *top;
        } ok[] = {
            /* ociVersion range, with pre-release and build suffixes */
            {NULL, "'ociVersion':'1.0.0'"},
            {NULL, "'ociVersion':'1.0.2-dev'"},
            {NULL, "'ociVersion':'1.2.0-rc.1'"},
            {NULL, "'ociVersion':'1.1.0+dev'"},
            {NULL, "'ociVersion':'1.3.0'"},
            {NULL, "'ociVersion':'1.3.9'"},
            /* null is the same as absent */
            {"'terminal':null,'env':null,'capabilities':null", "'hostname':null,'linux':null,'mounts':null"},
            /* unknown fields anywhere are extensions */
            {"'x-foo':1", "'x-bar':{'a':[1]},'linux':{'x-baz':true,'resources':{'x':1,'memory':{'y':2}}}"},
            /* a joined uts namespace still allows a hostname (runc's rule) */
            {NULL, "'hostname':'h','linux':{'namespaces':[{'type':'uts','path':'/proc/1/ns/uts'}]}"},
            /* an empty hostname needs no uts namespace */
            {NULL, "'hostname':''"},
            /* a joined user namespace needs no mappings */
            {NULL, "'linux':{'namespaces':[{'type':'user','path':'/proc/1/ns/user'}]}"},
            /* fifo devices need no major/minor */
            {NULL, "'linux':{'devices':[{'path':'/dev/f','type':'p'}]}"},
            /* uint64 fields take ~0 */
            {"'rlimits':[{'type':'RLIMIT_CORE','hard':18446744073709551615,'soft':0}]", NULL},
            /* SCHED_DEADLINE with its parameters */
            {"'scheduler':{'policy':'SCHED_DEADLINE','runtime':1000000,'deadline':2000000,'period':3000000}",
             NULL},
            {"'scheduler':{'policy':'SCHED_OTHER','nice':-20}", NULL},
            /* rdma is ignored */
            {NULL, "'linux':{'resources':{'rdma':{'x':{'hcaHandles':1}}}}"},
            /* seccomp errnoRet with SCMP_ACT_TRACE */
            {NULL, "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_TRACE','defaultErrnoRet':3}}"},
            /* absolute root.path */
            {NULL, "'root':{'path':'/var/lib/rootfs'}"},
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                _cleanup_spec_ struct spec *s = NULL;
                _cleanup_error_ berth_error *err = NULL;
                _cleanup_free_ char *j = cfg(ok[i].proc, ok[i].top);
                int r = spec_parse(j, strlen(j), &s, &err);
                if (r < 0)
                        fprintf(stderr, "# case %zu: %s\n", i, err ? err->msg : "?");
                CHECK_INTEQ(r, 0);
        }
}

TEST(test_rejections)
{
        for (size_t i = 0; i < ELEMENTSOF(rejections); i++) {
                _cleanup_spec_ struct spec *s = NULL;
                _cleanup_error_ berth_error *err = NULL;
                _cleanup_free_ char *j = cfg(rejections[i].proc, rejections[i].top);
                int r = spec_parse(j, strlen(j), &s, &err);
                if (r >= 0 || !err || !STREQ(err->msg, rejections[i].msg))
                        fprintf(stderr, "# rejection case %zu: %s\n", i, j);
                CHECK(r < 0);
                CHECK(s == NULL);
                CHECK_STREQ(err ? err->msg : NULL, rejections[i].msg);
        }
}

TEST(test_invalid_json)
{
        static const struct {
                const char *json, *msg;
        } cases[] = {
            {"{\"ociVersion\": \"1.2.0\",,}", "invalid JSON: 1:"},
            {"{\n  \"process\": {\n    \"args\": [\"sh\",\n  }\n}", "invalid JSON: 4:"},
            {"", "invalid JSON: empty document"},
            {"[]", "invalid JSON: the document must be an object"},
            {"\"x\"", "invalid JSON: the document must be an object"},
            {"{} trailing", "invalid JSON: 1:"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_spec_ struct spec *s = NULL;
                _cleanup_error_ berth_error *err = NULL;
                CHECK(spec_parse(cases[i].json, strlen(cases[i].json), &s, &err) < 0);
                CHECK(s == NULL);
                CHECK_CONTAINS(err ? err->msg : NULL, cases[i].msg);
                if (err)
                        CHECK(startswith(err->msg, "invalid JSON: "));
        }
        /* json-glib's description is kept after the position */
        _cleanup_error_ berth_error *err = NULL;
        struct spec *s = NULL;
        CHECK(spec_parse("{\"a\": [1,, 2]}", 14, &s, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "Parse error");
        CHECK(err && !strstr(err->msg, "<data>"));
}

TEST(test_parse_process)
{
        static const char proc[] =
            "{'terminal': false, 'user': {'uid': 5, 'gid': 6}, 'args': ['/bin/ls', '-l'],"
            " 'env': ['A=b'], 'cwd': '/srv', 'capabilities': {'bounding': ['CAP_KILL']},"
            " 'noNewPrivileges': true, 'oomScoreAdj': 100}";
        _cleanup_free_ char *j = q(proc);
        struct spec_process *p = NULL;
        _cleanup_error_ berth_error *err = NULL;
        CHECK_INTEQ(spec_parse_process(j, strlen(j), &p, &err), 0);
        if (p) {
                CHECK_STREQ(p->args[0], "/bin/ls");
                CHECK_INTEQ(p->user.uid, 5);
                CHECK_STREQ(p->cwd, "/srv");
                CHECK_INTEQ(p->capabilities.bounding, CAP(CAP_KILL));
                CHECK(p->no_new_privileges);
                CHECK(p->has_oom_score_adj && p->oom_score_adj == 100);
                spec_process_free(p);
        }

        /* Messages have no "process." prefix: the caller names the file. */
        static const struct {
                const char *json, *msg;
        } bad[] = {
            {"{'cwd':'/'}", "args: must be a non-empty array of strings"},
            {"{'args':['a'],'cwd':'x'}", "cwd: must be an absolute path (got \"x\")"},
            {"{'args':['a'],'cwd':'/','terminal':0}", "terminal: must be a boolean"},
            {"{'args':['a'],'cwd':'/','capabilities':{'permitted':['CAP_X']}}",
             "capabilities.permitted[0]: unknown capability \"CAP_X\""},
            {"{'args':['a'],'cwd':'/','rlimits':[{'type':'RLIMIT_NOFILE','hard':1,'soft':2}]}",
             "rlimits[0]: soft limit 2 is greater than hard limit 1"},
            {"[1]", "invalid JSON: the document must be an object"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *b = q(bad[i].json);
                _cleanup_error_ berth_error *e = NULL;
                struct spec_process *bp = NULL;
                CHECK(spec_parse_process(b, strlen(b), &bp, &e) < 0);
                CHECK(bp == NULL);
                CHECK_STREQ(e ? e->msg : NULL, bad[i].msg);
        }
}

static void write_text(const char *path, const char *text)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        if (fd >= 0)
                CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
}

TEST(test_load)
{
        char tmpl[] = "/tmp/berth-test-spec-XXXXXX";
        char *dir = mkdtemp(tmpl);
        CHECK(dir != NULL);
        if (!dir)
                return;
        _cleanup_free_ char *config = xasprintf("%s/config.json", dir);
        _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir);
        _cleanup_free_ char *good = cfg(NULL, NULL);

        /* no config.json */
        {
                _cleanup_error_ berth_error *err = NULL;
                struct spec *s = NULL;
                _cleanup_free_ char *msg =
                    xasprintf("config.json: cannot read %s: No such file or directory", config);
                CHECK_INTEQ(spec_load(dir, &s, &err), -ENOENT);
                CHECK_STREQ(err ? err->msg : NULL, msg);
        }
        /* a parse error is prefixed */
        {
                _cleanup_free_ char *bad = cfg("'terminal':'x'", NULL);
                write_text(config, bad);
                _cleanup_error_ berth_error *err = NULL;
                struct spec *s = NULL;
                CHECK(spec_load(dir, &s, &err) < 0);
                CHECK_STREQ(err ? err->msg : NULL, "config.json: process.terminal: must be a boolean");
        }
        {
                write_text(config, "{");
                _cleanup_error_ berth_error *err = NULL;
                struct spec *s = NULL;
                CHECK(spec_load(dir, &s, &err) < 0);
                CHECK(err && startswith(err->msg, "config.json: invalid JSON: 1:"));
        }
        /* rootfs missing, then not a directory */
        write_text(config, good);
        {
                _cleanup_error_ berth_error *err = NULL;
                struct spec *s = NULL;
                _cleanup_free_ char *msg =
                    xasprintf("config.json: root.path: %s: No such file or directory", rootfs);
                CHECK_INTEQ(spec_load(dir, &s, &err), -ENOENT);
                CHECK_STREQ(err ? err->msg : NULL, msg);
        }
        write_text(rootfs, "");
        {
                _cleanup_error_ berth_error *err = NULL;
                struct spec *s = NULL;
                _cleanup_free_ char *msg = xasprintf("config.json: root.path: %s: Not a directory", rootfs);
                CHECK_INTEQ(spec_load(dir, &s, &err), -ENOTDIR);
                CHECK_STREQ(err ? err->msg : NULL, msg);
        }
        CHECK(unlink(rootfs) == 0);
        CHECK(mkdir(rootfs, 0755) == 0);
        {
                _cleanup_spec_ struct spec *s = NULL;
                _cleanup_error_ berth_error *err = NULL;
                _cleanup_free_ char *messy = xasprintf("%s/./sub/..//", dir);
                CHECK_INTEQ(spec_load(messy, &s, &err), 0);
                if (s) {
                        CHECK_STREQ(s->bundle, dir);
                        CHECK_STREQ(s->rootfs, rootfs);
                }
        }
        /* a relative bundle path is made absolute */
        {
                _cleanup_free_ char *cwd = getcwd(NULL, 0);
                CHECK(chdir("/tmp") == 0);
                _cleanup_spec_ struct spec *s = NULL;
                CHECK_INTEQ(spec_load(dir + strlen("/tmp/"), &s, NULL), 0);
                if (s)
                        CHECK_STREQ(s->bundle, dir);
                CHECK(chdir(dir) == 0);
                _cleanup_spec_ struct spec *s2 = NULL;
                CHECK_INTEQ(spec_load(".", &s2, NULL), 0);
                if (s2) {
                        CHECK_STREQ(s2->bundle, dir);
                        CHECK_STREQ(s2->rootfs, rootfs);
                }
                CHECK(cwd && chdir(cwd) == 0);
        }
        /* an absolute root.path is used as is */
        {
                _cleanup_free_ char *top = xasprintf("'root':{'path':'%s/rootfs/'}", dir);
                _cleanup_free_ char *abs = cfg(NULL, top);
                write_text(config, abs);
                _cleanup_spec_ struct spec *s = NULL;
                CHECK_INTEQ(spec_load(dir, &s, NULL), 0);
                if (s)
                        CHECK_STREQ(s->rootfs, rootfs);
        }
        CHECK(rmdir(rootfs) == 0);
        CHECK(unlink(config) == 0);
        CHECK(rmdir(dir) == 0);
}

static bool strv_has_prefix(char **v, const char *prefix)
{
        for (size_t i = 0; v && v[i]; i++)
                if (startswith(v[i], prefix))
                        return true;
        return false;
}

TEST(test_default_spec)
{
        _cleanup_free_ char *json = spec_default_json(false);
        _cleanup_spec_ struct spec *s = NULL;
        _cleanup_error_ berth_error *err = NULL;
        CHECK_INTEQ(spec_parse(json, strlen(json), &s, &err), 0);
        if (!s) {
                fprintf(stderr, "# %s\n", err ? err->msg : "?");
                return;
        }
        CHECK(strstr(json, "\n  \"ociVersion\" : \"1.2.0\"") != NULL);
        CHECK_STREQ(s->oci_version, "1.2.0");
        CHECK_STREQ(s->root_path, "rootfs");
        CHECK(s->root_readonly);
        CHECK_STREQ(s->hostname, "berth");
        const struct spec_process *p = s->process;
        CHECK(p->terminal);
        CHECK_INTEQ(strv_length(p->args), 1);
        CHECK_STREQ(p->args[0], "sh");
        CHECK_STREQ(p->cwd, "/");
        CHECK_INTEQ(strv_length(p->env), 2);
        CHECK(startswith(p->env[0], "PATH=/usr/local/sbin:"));
        CHECK_STREQ(p->env[1], "TERM=xterm");
        uint64_t caps = CAP(CAP_AUDIT_WRITE) | CAP(CAP_KILL) | CAP(CAP_NET_BIND_SERVICE);
        CHECK_INTEQ(p->capabilities.bounding, caps);
        CHECK_INTEQ(p->capabilities.effective, caps);
        CHECK_INTEQ(p->capabilities.permitted, caps);
        CHECK_INTEQ(p->capabilities.inheritable, 0);
        CHECK_INTEQ(p->capabilities.ambient, 0);
        CHECK_INTEQ(p->n_rlimits, 1);
        CHECK_INTEQ(p->rlimits[0].resource, RLIMIT_NOFILE);
        CHECK(p->rlimits[0].hard == 1024 && p->rlimits[0].soft == 1024);
        CHECK(p->no_new_privileges);

        static const char *const dests[] = {"/proc",       "/dev", "/dev/pts",      "/dev/shm",
                                            "/dev/mqueue", "/sys", "/sys/fs/cgroup"};
        CHECK_INTEQ(s->n_mounts, ELEMENTSOF(dests));
        for (size_t i = 0; i < s->n_mounts && i < ELEMENTSOF(dests); i++)
                CHECK_STREQ(s->mounts[i].destination, dests[i]);
        CHECK_STREQ(s->mounts[1].data, "mode=755,size=65536k");
        CHECK_INTEQ(s->mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
        CHECK_STREQ(s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        CHECK_STREQ(s->mounts[5].type, "sysfs");
        CHECK_INTEQ(s->mounts[5].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
        CHECK_INTEQ(s->mounts[6].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);

        const struct spec_linux *l = s->linux;
        CHECK(l->resources.present);
        CHECK_INTEQ(l->resources.n_devices, 1);
        CHECK(!l->resources.devices[0].allow);
        CHECK_STREQ(l->resources.devices[0].access, "rwm");
        static const enum ns_type ns[] = {NS_PID, NS_NET, NS_IPC, NS_UTS, NS_MOUNT, NS_CGROUP};
        CHECK_INTEQ(l->n_namespaces, ELEMENTSOF(ns));
        for (size_t i = 0; i < l->n_namespaces && i < ELEMENTSOF(ns); i++) {
                CHECK_INTEQ(l->namespaces[i].type, ns[i]);
                CHECK(l->namespaces[i].path == NULL);
        }
        CHECK(spec_namespace(s, NS_USER) == NULL);
        CHECK(strv_contains(l->masked_paths, "/proc/kcore"));
        CHECK(strv_contains(l->masked_paths, "/sys/firmware"));
        CHECK(strv_contains(l->masked_paths, "/proc/sched_debug"));
        CHECK(strv_contains(l->readonly_paths, "/proc/sys"));
        CHECK(strv_contains(l->readonly_paths, "/proc/sysrq-trigger"));
        CHECK_INTEQ(strv_length(l->readonly_paths), 5);
}

TEST(test_default_spec_rootless)
{
        _cleanup_free_ char *json = spec_default_json(true);
        _cleanup_spec_ struct spec *s = NULL;
        _cleanup_error_ berth_error *err = NULL;
        CHECK_INTEQ(spec_parse(json, strlen(json), &s, &err), 0);
        if (!s) {
                fprintf(stderr, "# %s\n", err ? err->msg : "?");
                return;
        }
        const struct spec_linux *l = s->linux;
        CHECK(!l->resources.present);
        CHECK(spec_namespace(s, NS_USER) != NULL);
        CHECK(spec_namespace(s, NS_NET) == NULL);
        CHECK(spec_namespace(s, NS_PID) && spec_namespace(s, NS_MOUNT) && spec_namespace(s, NS_UTS));
        CHECK_INTEQ(l->n_uid_mappings, 1);
        CHECK_INTEQ(l->uid_mappings[0].container_id, 0);
        CHECK_INTEQ(l->uid_mappings[0].host_id, geteuid());
        CHECK_INTEQ(l->uid_mappings[0].size, 1);
        CHECK_INTEQ(l->n_gid_mappings, 1);
        CHECK_INTEQ(l->gid_mappings[0].host_id, getegid());
        bool sys = false;
        for (size_t i = 0; i < s->n_mounts; i++) {
                CHECK(!strv_has_prefix(s->mounts[i].options, "gid="));
                CHECK(!strv_has_prefix(s->mounts[i].options, "uid="));
                if (STREQ(s->mounts[i].destination, "/sys")) {
                        sys = true;
                        CHECK_STREQ(s->mounts[i].source, "/sys");
                        CHECK(s->mounts[i].bind);
                        CHECK_INTEQ(s->mounts[i].flags,
                                    MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
                }
        }
        CHECK(sys);
        CHECK_INTEQ(s->n_mounts, 7);
        CHECK_STREQ(s->hostname, "berth");
}

static JsonObject *member_object(JsonObject *o, const char *key)
{
        JsonNode *n = o ? json_object_get_member(o, key) : NULL;
        return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static bool array_has(JsonObject *o, const char *key, const char *value, guint *ret_len)
{
        JsonNode *n = o ? json_object_get_member(o, key) : NULL;
        if (!n || !JSON_NODE_HOLDS_ARRAY(n))
                return false;
        JsonArray *a = json_node_get_array(n);
        bool found = false;
        for (guint i = 0; i < json_array_get_length(a); i++)
                if (STREQ(json_array_get_string_element(a, i), value))
                        found = true;
        if (ret_len)
                *ret_len = json_array_get_length(a);
        return found;
}

static bool enabled(JsonObject *o, const char *key)
{
        JsonObject *e = member_object(o, key);
        return e && json_object_get_boolean_member(e, "enabled");
}

TEST(test_features)
{
        _cleanup_free_ char *json = features_json();
        JsonParser *parser = json_parser_new();
        CHECK(json_parser_load_from_data(parser, json, -1, NULL));
        JsonNode *root = json_parser_get_root(parser);
        JsonObject *o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
        CHECK(o != NULL);
        if (!o) {
                g_object_unref(parser);
                return;
        }
        CHECK_STREQ(json_object_get_string_member(o, "ociVersionMin"), "1.0.0");
        CHECK_STREQ(json_object_get_string_member(o, "ociVersionMax"), "1.3.0");
        guint n = 0;
        CHECK(array_has(o, "hooks", "prestart", &n));
        CHECK_INTEQ(n, 6);
        CHECK(array_has(o, "hooks", "createRuntime", NULL));
        CHECK(array_has(o, "hooks", "poststop", NULL));
        CHECK(array_has(o, "mountOptions", "rro", &n));
        CHECK(array_has(o, "mountOptions", "rbind", NULL));
        CHECK(array_has(o, "mountOptions", "nosymfollow", NULL));
        CHECK(!array_has(o, "mountOptions", "idmap", NULL));
        size_t known = strv_length((char **)mount_opts_known());
        CHECK_INTEQ(n, known);

        JsonObject *l = member_object(o, "linux");
        CHECK(array_has(l, "namespaces", "time", &n));
        CHECK_INTEQ(n, 8);
        static const char *const ns[] = {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"};
        for (size_t i = 0; i < ELEMENTSOF(ns); i++)
                CHECK(array_has(l, "namespaces", ns[i], NULL));
        CHECK(array_has(l, "capabilities", "CAP_SYS_ADMIN", &n));
        CHECK(array_has(l, "capabilities", "CAP_CHOWN", NULL));
        CHECK(array_has(l, "capabilities", "CAP_CHECKPOINT_RESTORE", NULL));
        CHECK_INTEQ(n, cap_last_known() + 1);

        JsonObject *cg = member_object(l, "cgroup");
        CHECK(cg && !json_object_get_boolean_member(cg, "v1"));
        CHECK(cg && json_object_get_boolean_member(cg, "v2"));
        CHECK(cg && json_object_get_boolean_member(cg, "systemd"));
        CHECK(cg && !json_object_get_boolean_member(cg, "systemdUser"));
        CHECK(cg && !json_object_get_boolean_member(cg, "rdma"));

        JsonObject *sc = member_object(l, "seccomp");
        CHECK(enabled(l, "seccomp"));
        CHECK(array_has(sc, "actions", "SCMP_ACT_ERRNO", NULL));
        CHECK(array_has(sc, "operators", "SCMP_CMP_EQ", NULL));
        CHECK(array_has(sc, "archs", "SCMP_ARCH_X86_64", NULL));
        CHECK(sc && json_object_has_member(sc, "knownFlags"));
        CHECK(sc && json_object_has_member(sc, "supportedFlags"));
        CHECK(member_object(l, "apparmor") != NULL);
        CHECK(member_object(l, "selinux") != NULL);
        CHECK(member_object(l, "intelRdt") && !enabled(l, "intelRdt"));
        JsonObject *me = member_object(l, "mountExtensions");
        CHECK(member_object(me, "idmap") && !enabled(me, "idmap"));

        JsonObject *an = member_object(o, "annotations");
        CHECK(an && json_object_has_member(an, "io.github.berth.version"));
        CHECK_STREQ(an ? json_object_get_string_member(an, "io.github.berth.version") : NULL, BERTH_VERSION);
        g_object_unref(parser);
}

TEST(test_name_tables)
{
        static const char *const ns[_NS_TYPE_MAX] = {"user", "pid",   "network", "ipc",
                                                     "uts",  "mount", "cgroup",  "time"};
        static const char *const proc[_NS_TYPE_MAX] = {"user", "pid", "net",    "ipc",
                                                       "uts",  "mnt", "cgroup", "time"};
        static const int flags[_NS_TYPE_MAX] = {CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,    CLONE_NEWIPC,
                                                CLONE_NEWUTS,  CLONE_NEWNS,  CLONE_NEWCGROUP, 0x80};
        for (int t = 0; t < _NS_TYPE_MAX; t++) {
                CHECK_STREQ(ns_type_to_string(t), ns[t]);
                CHECK_INTEQ(ns_type_from_string(ns[t]), t);
                CHECK_STREQ(ns_type_proc_name(t), proc[t]);
                CHECK_INTEQ(ns_type_clone_flag(t), flags[t]);
        }
        CHECK_INTEQ(ns_type_from_string("net"), -1);
        CHECK_INTEQ(ns_type_from_string("mnt"), -1);
        CHECK_INTEQ(ns_type_from_string(NULL), -1);
        CHECK(ns_type_to_string(_NS_TYPE_MAX) == NULL);

        static const char *const hooks[_HOOK_STAGE_MAX] = {
            "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};
        for (int st = 0; st < _HOOK_STAGE_MAX; st++)
                CHECK_STREQ(hook_stage_to_string(st), hooks[st]);
        CHECK(hook_stage_to_string(_HOOK_STAGE_MAX) == NULL);

        static const char *const acts[_SECCOMP_ACT_MAX] = {
            "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
            "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
            "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
        for (int a = 0; a < _SECCOMP_ACT_MAX; a++) {
                CHECK_STREQ(seccomp_action_to_string(a), acts[a]);
                CHECK_INTEQ(seccomp_action_from_string(acts[a]), a);
        }
        CHECK_INTEQ(seccomp_action_from_string("SCMP_ACT_FOO"), -1);
        CHECK_INTEQ(seccomp_action_from_string("scmp_act_allow"), -1);
        CHECK(seccomp_action_to_string(_SECCOMP_ACT_MAX) == NULL);

        static const char *const ops[_SECCOMP_OP_MAX] = {"SCMP_CMP_NE",       "SCMP_CMP_LT", "SCMP_CMP_LE",
                                                         "SCMP_CMP_EQ",       "SCMP_CMP_GE", "SCMP_CMP_GT",
                                                         "SCMP_CMP_MASKED_EQ"};
        for (int o = 0; o < _SECCOMP_OP_MAX; o++) {
                CHECK_STREQ(seccomp_op_to_string(o), ops[o]);
                CHECK_INTEQ(seccomp_op_from_string(ops[o]), o);
        }
        CHECK_INTEQ(seccomp_op_from_string("SCMP_CMP_FOO"), -1);
        CHECK(seccomp_op_to_string(_SECCOMP_OP_MAX) == NULL);
}

UNIT_MAIN(UNIT_CASE(test_full_config), UNIT_CASE(test_minimal_config), UNIT_CASE(test_accepted_variants),
          UNIT_CASE(test_rejections), UNIT_CASE(test_invalid_json), UNIT_CASE(test_parse_process),
          UNIT_CASE(test_load), UNIT_CASE(test_default_spec), UNIT_CASE(test_default_spec_rootless),
          UNIT_CASE(test_features), UNIT_CASE(test_name_tables))
