/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* State JSON round trip, status derivation, container ID rules, the sync channel. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "berth/berth.h"
#include "fs-util.h"
#include "state.h"
#include "sync.h"
#include "unit.h"
#include "time-util.h"

TEST(state_json_round_trip)
{
        struct spec_kv ann[] = {{(char *)"a.b", (char *)"x\"y"}};
        struct container_state s = {
            .id = (char *)"c1",
            .bundle = (char *)"/b",
            .rootfs = (char *)"/b/rootfs",
            .pid = 42,
            .start_time = 123456789ULL,
            .created = (char *)"2026-01-01T00:00:00.000000000Z",
            .owner = (char *)"root",
            .cgroup_manager = CGROUP_MANAGER_CGROUPFS,
            .cgroup_path = (char *)"/berth/c1",
            .annotations = ann,
            .n_annotations = 1,
        };
        char *json = state_to_json(&s);
        struct container_state *r = NULL;
        berth_error *err = NULL;
        CHECK_INTEQ(state_from_json(json, &r, &err), 0);
        CHECK(r != NULL);
        if (r) {
                CHECK_STREQ(r->id, "c1");
                CHECK_STREQ(r->bundle, "/b");
                CHECK_STREQ(r->rootfs, "/b/rootfs");
                CHECK_INTEQ(r->pid, 42);
                CHECK(r->start_time == 123456789ULL);
                CHECK_INTEQ(r->cgroup_manager, CGROUP_MANAGER_CGROUPFS);
                CHECK_STREQ(r->cgroup_path, "/berth/c1");
                CHECK(r->cgroup_unit == NULL);
                CHECK_INTEQ(r->n_annotations, 1);
                CHECK_STREQ(r->annotations[0].value, "x\"y");
        }
        container_state_free(r);
        free(json);
}

TEST(state_json_rejects_garbage)
{
        struct container_state *r = NULL;
        berth_error *err = NULL;
        CHECK(state_from_json("{", &r, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "state.json");
        berth_error_free(err);
        err = NULL;
        CHECK(state_from_json("{\"pid\":1}", &r, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "missing id");
        berth_error_free(err);
}

TEST(oci_state_document)
{
        struct container_state s = {.id = (char *)"c2", .bundle = (char *)"/bb", .pid = 7};
        char *json = state_to_oci_json(&s, STATUS_RUNNING);
        CHECK_CONTAINS(json, "\"status\" : \"running\"");
        CHECK_CONTAINS(json, "\"pid\" : 7");
        CHECK_CONTAINS(json, "\"ociVersion\" : \"1.3.0\"");
        free(json);
        json = state_to_oci_json(&s, STATUS_STOPPED);
        CHECK_CONTAINS(json, "\"pid\" : 0");
        free(json);
}

TEST(status_follows_the_process)
{
        char dir[] = "/tmp/berth-test-state-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        pid_t pid = fork();
        if (pid == 0) {
                pause();
                _exit(0);
        }
        struct container_state s = {.id = (char *)"x", .bundle = (char *)"/", .pid = pid};
        s.start_time = proc_start_time(pid);
        CHECK(s.start_time > 0);
        CHECK(state_init_alive(&s));
        CHECK(mkfifoat(dirfd, EXEC_FIFO, 0600) == 0);
        CHECK_INTEQ(state_status(dirfd, &s, NULL), STATUS_CREATED);
        unlinkat(dirfd, EXEC_FIFO, 0);
        CHECK_INTEQ(state_status(dirfd, &s, NULL), STATUS_RUNNING);
        /* a reused pid (other start time) is not our container */
        s.start_time++;
        CHECK_INTEQ(state_status(dirfd, &s, NULL), STATUS_STOPPED);
        s.start_time--;
        kill(pid, SIGKILL);
        /* a zombie counts as stopped */
        usleep(100000);
        CHECK_INTEQ(state_status(dirfd, &s, NULL), STATUS_STOPPED);
        waitpid(pid, NULL, 0);
        CHECK_INTEQ(state_status(dirfd, &s, NULL), STATUS_STOPPED);
        close(dirfd);
        rmdir(dir);
}

TEST(state_dir_lifecycle)
{
        char root[] = "/tmp/berth-test-root-XXXXXX";
        CHECK(mkdtemp(root) != NULL);
        berth_error *err = NULL;
        int fd = state_dir_create(root, "c1", &err);
        CHECK(fd >= 0);
        int fd2 = state_dir_create(root, "c1", &err);
        CHECK(fd2 < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "container c1 already exists");
        berth_error_free(err);
        err = NULL;
        /* no state.json yet: other commands see nothing */
        close(fd);
        CHECK(state_dir_open(root, "c1", &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "container c1 does not exist");
        berth_error_free(err);
        err = NULL;
        CHECK(state_dir_open(root, "nope", &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "does not exist");
        berth_error_free(err);
        CHECK_INTEQ(state_dir_remove(root, "c1"), 0);
        CHECK(rmdir(root) == 0);
}

TEST(container_ids)
{
        berth_error *err = NULL;
        CHECK_INTEQ(berth_id_validate("abc-1.2_3+x", NULL), 0);
        CHECK(berth_id_validate("a/b", &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "invalid container id");
        berth_error_free(err);
        CHECK(berth_id_validate("..", NULL) < 0);
        CHECK(berth_id_validate(".", NULL) < 0);
        CHECK(berth_id_validate("", NULL) < 0);
        CHECK(berth_id_validate("-x", NULL) < 0);
        CHECK(berth_id_validate("a b", NULL) < 0);
}

TEST(sync_channel_carries_steps_errors_and_fds)
{
        int fds[2];
        berth_error *err = NULL;
        CHECK_INTEQ(sync_pair(fds, &err), 0);
        int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        CHECK_INTEQ(sync_send(fds[1], SYNC_CONSOLE_FD, 5, NULL, devnull), 0);
        struct sync_msg m = {.fd = -1};
        CHECK_INTEQ(sync_expect(fds[0], SYNC_CONSOLE_FD, &m, &err), 0);
        CHECK_INTEQ(m.value, 5);
        CHECK(m.fd >= 0 && m.fd != devnull);
        CHECK(fcntl(m.fd, F_GETFD) & FD_CLOEXEC);
        sync_msg_clear(&m);
        close(devnull);

        berth_error *child_err = NULL;
        berth_err(&child_err, EACCES, "mount %s", "/proc");
        sync_send_error(fds[1], child_err);
        berth_error_free(child_err);
        CHECK(sync_expect(fds[0], SYNC_CREATED, &m, &err) == -EACCES);
        CHECK_STREQ(err ? err->msg : NULL, "mount /proc: Permission denied");
        berth_error_free(err);
        err = NULL;

        CHECK_INTEQ(sync_send(fds[1], SYNC_INIT_PID, 9, NULL, -1), 0);
        CHECK(sync_expect(fds[0], SYNC_CREATED, &m, &err) < 0);
        CHECK_CONTAINS(err ? err->msg : NULL, "expected created");
        berth_error_free(err);
        err = NULL;

        close(fds[1]);
        CHECK(sync_expect(fds[0], SYNC_CREATED, &m, &err) == -EPIPE);
        CHECK_CONTAINS(err ? err->msg : NULL, "exited");
        berth_error_free(err);
        close(fds[0]);
}

TEST(state_document_gets_extra_members)
{
        char *r =
            state_json_add_member("{\"id\":\"c1\"}", "cni", "{\"ips\":[{\"address\":\"10.1.0.2/16\"}]}");
        CHECK_CONTAINS(r, "\"cni\" : {");
        CHECK_CONTAINS(r, "10.1.0.2/16");
        CHECK_CONTAINS(r, "\"id\" : \"c1\"");
        free(r);
        CHECK(state_json_add_member("{", "cni", "{}") == NULL);
        CHECK(state_json_add_member("{}", "cni", "nope") == NULL);
        CHECK(state_json_add_member("[]", "cni", "{}") == NULL);
}

TEST(error_prefixing)
{
        berth_error *err = NULL;
        CHECK_INTEQ(berth_err_plain(&err, 0, "process.args: %s", "must be a non-empty array of strings"),
                    -EINVAL);
        berth_err_prefix(&err, "config.json");
        CHECK_STREQ(err->msg, "config.json: process.args: must be a non-empty array of strings");
        /* the first error wins */
        berth_err(&err, ENOENT, "later");
        CHECK_STREQ(err->msg, "config.json: process.args: must be a non-empty array of strings");
        berth_error_free(err);
}

/* utc_from_time() agrees with gmtime_r() (which berth avoids: it loads the time zone database) across
 * leap days, century years, the epoch and before it. */
TEST(utc_time_matches_gmtime)
{
        static const int64_t fixed[] = {0,          -1,           86399,        86400,      951782400,
                                        951868799,  951868800,    4107542400,   4107628800, -2208988800,
                                        1795366750, 253402300799, -62135596800, 1709164800, 1709251199};
        int64_t t = -70000000000;
        for (size_t i = 0; i < ELEMENTSOF(fixed) + 4000; i++) {
                if (i < ELEMENTSOF(fixed))
                        t = fixed[i];
                else
                        t += 46711113; /* a step that visits every hour, weekday and day of the year */
                time_t tt = (time_t)t;
                struct tm want, got;
                CHECK(gmtime_r(&tt, &want));
                utc_from_time(t, &got);
                if (got.tm_year != want.tm_year || got.tm_mon != want.tm_mon || got.tm_mday != want.tm_mday ||
                    got.tm_hour != want.tm_hour || got.tm_min != want.tm_min || got.tm_sec != want.tm_sec ||
                    got.tm_wday != want.tm_wday || got.tm_yday != want.tm_yday) {
                        fprintf(stderr,
                                "# %lld: %d-%d-%d %d:%d:%d w%d y%d, gmtime %d-%d-%d %d:%d:%d w%d y%d\n",
                                (long long)t, got.tm_year, got.tm_mon, got.tm_mday, got.tm_hour, got.tm_min,
                                got.tm_sec, got.tm_wday, got.tm_yday, want.tm_year, want.tm_mon, want.tm_mday,
                                want.tm_hour, want.tm_min, want.tm_sec, want.tm_wday, want.tm_yday);
                        unit_failed_checks++;
                        break;
                }
        }
        char buf[RFC3339_MAX];
        struct timespec ts = {.tv_sec = 951825600 + 3723, .tv_nsec = 5};
        CHECK_STREQ(rfc3339_format(&ts, buf), "2000-02-29T13:02:03.000000005Z");
}

UNIT_MAIN(UNIT_CASE(state_json_round_trip), UNIT_CASE(state_json_rejects_garbage),
          UNIT_CASE(oci_state_document), UNIT_CASE(status_follows_the_process),
          UNIT_CASE(state_dir_lifecycle), UNIT_CASE(container_ids),
          UNIT_CASE(sync_channel_carries_steps_errors_and_fds), UNIT_CASE(error_prefixing),
          UNIT_CASE(state_document_gets_extra_members), UNIT_CASE(utc_time_matches_gmtime))
