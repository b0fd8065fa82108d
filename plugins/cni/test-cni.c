/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the cni plugin's parts that need no container: network configuration lists, and running a
 * plugin executable (input, output, status, timeout, a plugin that does not read its input). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni.h"
#include "unit.h"

const struct berth_host *cni_host; /* cni.c's; unused by what is tested here */

static int net_from(const char *json, struct cni_net *net, char **msg)
{
        g_autoptr(JsonNode) node = NULL;
        *msg = NULL;
        int r = cni_parse_json(msg, "test.conflist", json, -1, &node);
        return r < 0 ? r : cni_net_from_node(msg, "test.conflist", node, net);
}

TEST(test_conflist)
{
        struct cni_net net = {.path = NULL};
        g_autofree char *msg = NULL;
        CHECK_INTEQ(
            net_from("{\"cniVersion\": \"1.0.0\", \"name\": \"n1\", \"plugins\": [{\"type\": \"bridge\"}, "
                     "{\"type\": \"portmap\"}]}",
                     &net, &msg),
            0);
        CHECK_STREQ(net.name, "n1");
        CHECK_STREQ(net.version, "1.0.0");
        CHECK_INTEQ(json_array_get_length(net.plugins), 2);
        cni_net_clear(&net);

        /* a single plugin's configuration becomes a list of one */
        CHECK_INTEQ(
            net_from("{\"cniVersion\": \"0.4.0\", \"name\": \"n2\", \"type\": \"bridge\", \"bridge\": \"b\"}",
                     &net, &msg),
            0);
        CHECK_STREQ(net.name, "n2");
        CHECK_INTEQ(json_array_get_length(net.plugins), 1);
        JsonObject *p = json_array_get_object_element(net.plugins, 0);
        CHECK_STREQ(json_object_get_string_member(p, "bridge"), "b");
        cni_net_clear(&net);
}

TEST(test_conflist_errors)
{
        static const struct {
                const char *json, *msg;
        } cases[] = {
            {"[]", "test.conflist: not a JSON object"},
            {"{\"name\": \"n\"}", "neither \"plugins\" (a list) nor \"type\" (one plugin)"},
            {"{\"name\": \"n\", \"plugins\": [{\"type\": \"x\"}]}", "test.conflist: cniVersion: missing"},
            {"{\"cniVersion\": \"0.2.0\", \"name\": \"n\", \"plugins\": [{\"type\": \"x\"}]}",
             "cniVersion: \"0.2.0\" is not supported"},
            {"{\"cniVersion\": \"1.0.0\", \"plugins\": [{\"type\": \"x\"}]}", "name: missing"},
            {"{\"cniVersion\": \"1.0.0\", \"name\": \"a b\", \"plugins\": [{\"type\": \"x\"}]}",
             "name: \"a b\" is not a CNI network name"},
            {"{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": []}",
             "plugins: must be a non-empty list"},
            {"{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": [{\"type\": \"x\"}, 3]}",
             "plugins[1]: not an object"},
            {"{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": [{\"type\": \"../bin/sh\"}]}",
             "plugins[0].type: \"../bin/sh\" is not a plugin name"},
            {"{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": [{\"bridge\": \"b\"}]}",
             "plugins[0].type: missing"},
            {"{\"cniVersion\": ", "test.conflist:"},
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                struct cni_net net = {.path = NULL};
                g_autofree char *msg = NULL;
                CHECK(net_from(cases[i].json, &net, &msg) < 0);
                CHECK_CONTAINS(msg, cases[i].msg);
                cni_net_clear(&net);
        }
}

TEST(test_find_plugin)
{
        g_autofree char *msg = NULL, *path = NULL;
        CHECK_INTEQ(cni_find_plugin(&msg, "/nonexistent:/bin", "sh", &path), 0);
        CHECK_STREQ(path, "/bin/sh");
        g_clear_pointer(&path, g_free);
        CHECK_INTEQ(cni_find_plugin(&msg, "/nonexistent:relative", "sh", &path), -ENOENT);
        CHECK_CONTAINS(msg, "CNI plugin \"sh\" not found in /nonexistent:relative");
}

static char *script(const char *body)
{
        char *path = g_strdup("/tmp/test-cni.XXXXXX");
        int fd = g_mkstemp_full(path, O_WRONLY | O_CLOEXEC, 0700);
        if (fd < 0)
                abort();
        g_autofree char *text = g_strdup_printf("#!/bin/sh\n%s\n", body);
        if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
                abort();
        close(fd);
        return path;
}

TEST(test_exec)
{
        char *const env[] = {"CNI_COMMAND=ADD", "PATH=/usr/bin:/bin", NULL};
        struct cni_exec_result res;
        const char *what = "";

        /* input to stdin, stdout and stderr apart, the exit status, the environment */
        g_autofree char *s1 = script("cat; echo \"to stderr $CNI_COMMAND\" >&2; exit 3");
        CHECK_INTEQ(cni_exec(s1, env, "{\"in\": 1}", 10, &res, &what), 0);
        CHECK(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 3);
        CHECK(!res.timed_out);
        CHECK_STREQ(res.out, "{\"in\": 1}");
        CHECK_STREQ(res.err, "to stderr ADD\n");
        cni_exec_result_clear(&res);
        unlink(s1);

        /* a plugin that exits without reading 1 MiB of input: EPIPE for us, no SIGPIPE */
        g_autofree char *big = g_malloc(1 << 20);
        memset(big, 'x', (1 << 20) - 1);
        big[(1 << 20) - 1] = 0;
        g_autofree char *s2 = script("echo done");
        CHECK_INTEQ(cni_exec(s2, env, big, 10, &res, &what), 0);
        CHECK(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0);
        CHECK_STREQ(res.out, "done\n");
        cni_exec_result_clear(&res);
        sigset_t pending;
        sigpending(&pending);
        CHECK(!sigismember(&pending, SIGPIPE));
        unlink(s2);

        /* a plugin that does not answer is killed */
        g_autofree char *s3 = script("exec sleep 30");
        CHECK_INTEQ(cni_exec(s3, env, "", 1, &res, &what), 0);
        CHECK(res.timed_out);
        CHECK(WIFSIGNALED(res.status) && WTERMSIG(res.status) == SIGKILL);
        cni_exec_result_clear(&res);
        unlink(s3);

        /* not executable */
        CHECK_INTEQ(cni_exec("/nonexistent", env, "", 1, &res, &what), -ENOENT);
        CHECK_STREQ(what, "spawn");
        cni_exec_result_clear(&res);
}

UNIT_MAIN(UNIT_CASE(test_conflist), UNIT_CASE(test_conflist_errors), UNIT_CASE(test_find_plugin),
          UNIT_CASE(test_exec))
