/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hello: a minimal berth plugin. At create it writes a greeting into its state directory, and it logs when
 * the container starts and when it is destroyed. Select it with the annotation berth.plugins=hello; the
 * option berth.plugin.hello.who=NAME says whom to greet.
 *
 *     make && sudo make install     (needs berth's plugin SDK: pkg-config berth-plugin)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <berth/plugin.h>

static const struct berth_host *host;

/* Before anything of the container exists: reject bad options here. */
static int hello_validate(berth_container *c)
{
        const char *who = host->option(c, "who");
        if (who && !*who)
                return host->error(c, EINVAL, "berth.plugin.hello.who: empty name");
        return 0;
}

/* The container's namespaces exist; berth runs this on the host side. */
static int hello_create(berth_container *c)
{
        const char *who = host->option(c, "who");
        const char *dir = host->state_dir(c);
        if (!dir)
                return host->error(c, EIO, "no state directory");
        char path[4096];
        snprintf(path, sizeof(path), "%s/greeting", dir);
        FILE *f = fopen(path, "we");
        if (!f)
                return host->error(c, errno, "%s: %s", path, strerror(errno));
        fprintf(f, "hello %s from container %s (init pid %d)\n", who ? who : "world", host->id(c),
                (int)host->pid(c));
        if (fclose(f) != 0)
                return host->error(c, errno, "%s: %s", path, strerror(errno));
        host->log(c, BERTH_LOG_INFO, "wrote %s", path);
        return 0;
}

static int hello_started(berth_container *c)
{
        host->log(c, BERTH_LOG_INFO, "container %s started", host->id(c));
        return 0;
}

/* On delete and after a failed create; idempotent. The state directory goes away by itself. */
static int hello_destroy(berth_container *c)
{
        host->log(c, BERTH_LOG_INFO, "goodbye from container %s", host->id(c));
        return 0;
}

static const struct berth_plugin hello = {
    .abi_version = BERTH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(struct berth_plugin),
    .name = "hello", /* the file must be <plugin directory>/hello.so */
    .description = "greets containers",
    .validate = hello_validate,
    .create = hello_create,
    .started = hello_started,
    .destroy = hello_destroy,
};

const struct berth_plugin *berth_plugin_entry(const struct berth_host *h)
{
        host = h; /* berth's functions, valid for as long as the plugin is loaded */
        return &hello;
}
