/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Plugin selection (annotation, configuration file), the trust checks of the plugin directory and files, and
 * loading and calling the plugins built next to this test (BUILD/plugins/NAME.so, found from /proc/self/exe):
 * the host accessors as the example plugin sees them, option checks of loopback and landlock, errors naming
 * the plugin, the record of the selected plugins in the state directory.
 */
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

#include "fs-util.h"
#include "plugins.h"
#include "unit.h"

static char tmp[] = "/tmp/test-plugins.XXXXXX";
static char config[PATH_MAX];

#define KV(k, v)                                                                                             \
        {                                                                                                    \
                (char *)(k), (char *)(v)                                                                     \
        }

/* creates or replaces path with text */
static int put_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");
        if (!f)
                return -errno;
        fputs(text, f);
        return fclose(f) == 0 ? 0 : -errno;
}

static void set_config(const char *text)
{
        CHECK_INTEQ(put_file(config, text), 0);
        setenv("BERTH_CONFIG", config, 1);
}

/* The selected names joined with ',' ("" for none, "ERR:<message>" on error). */
static char *selected(const struct spec_kv *a, size_t n)
{
        berth_error *err = NULL;
        char **names = plugins_selected(a, n, &err);
        if (!names) {
                char *s = xasprintf("ERR:%s", err ? err->msg : "?");
                berth_error_free(err);
                return s;
        }
        char *s = xstrdup("");
        for (char **i = names; *i; i++) {
                char *t = xasprintf("%s%s%s", s, *s ? "," : "", *i);
                free(s);
                s = t;
        }
        strv_free(names);
        return s;
}

TEST(selection_from_annotation_and_config)
{
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL, *g = NULL;
        set_config("# no plugins here\n");
        CHECK_STREQ(a = selected(NULL, 0), "");
        set_config("  # plugins = commented\nplugin_dir = /nowhere\nplugins = one, two,one\t, three  \n");
        CHECK_STREQ(b = selected(NULL, 0), "one,two,three");
        /* the annotation replaces the configuration's list; an empty one selects none */
        struct spec_kv ann[] = {KV("org.other", "x"), KV("berth.plugins", "loopback,landlock")};
        CHECK_STREQ(c = selected(ann, 2), "loopback,landlock");
        struct spec_kv none[] = {KV("berth.plugins", "")};
        CHECK_STREQ(d = selected(none, 1), "");
        struct spec_kv bad[] = {KV("berth.plugins", "ok,../x")};
        CHECK_STREQ(e = selected(bad, 1), "ERR:annotation berth.plugins: invalid plugin name \"../x\"");
        set_config("plugins=Upper\n");
        f = selected(NULL, 0);
        CHECK_CONTAINS(f, "ERR:");
        CHECK_CONTAINS(f, config);
        CHECK_CONTAINS(f, "invalid plugin name \"Upper\"");
        /* the last line wins; "plugins_x" is another key */
        set_config("plugins = a\nplugins_x = b\nplugins = c\n");
        CHECK_STREQ(g = selected(NULL, 0), "c");
}

TEST(nothing_selected_opens_nothing)
{
        set_config("plugin_dir = /nonexistent\n");
        struct plugin_set *ps = (struct plugin_set *)1;
        berth_error *err = NULL;
        CHECK_INTEQ(plugins_open(NULL, 0, &ps, &err), 0);
        CHECK(ps == NULL);
        CHECK(!plugins_any(ps));
        CHECK(err == NULL);
        /* calling a stage of no plugins is a no-op */
        struct plugin_container pc = {.id = "c"};
        CHECK_INTEQ(plugins_call(NULL, PLUGIN_CREATE, &pc, &err), 0);
}

/* Opens the plugins named by a "berth.plugins" value; returns the error message or NULL. */
static char *open_err(const char *list, struct plugin_set **ret)
{
        struct spec_kv ann[] = {KV("berth.plugins", list)};
        struct plugin_set *ps = NULL;
        berth_error *err = NULL;
        int r = plugins_open(ann, 1, &ps, &err);
        if (r < 0) {
                CHECK(err != NULL);
                CHECK(ps == NULL);
                char *m = xstrdup(err ? err->msg : "?");
                berth_error_free(err);
                return m;
        }
        if (ret)
                *ret = ps;
        else
                plugins_free(ps);
        return NULL;
}

TEST(untrusted_directory)
{
        _cleanup_free_ char *dir = xasprintf("%s/open", tmp), *conf = xasprintf("plugin_dir = %s\n", dir);
        _cleanup_free_ char *m1 = NULL, *m2 = NULL, *m3 = NULL;
        set_config("plugin_dir = /nonexistent/plugins\n");
        m1 = open_err("x", NULL);
        CHECK_STREQ(m1, "plugin directory /nonexistent/plugins: No such file or directory");
        CHECK_INTEQ(mkdir(dir, 0755), 0);
        CHECK_INTEQ(chmod(dir, 0777), 0);
        set_config(conf);
        m2 = open_err("x", NULL);
        CHECK_CONTAINS(m2, "plugin directory: ");
        CHECK_CONTAINS(m2, "must be owned by root and writable by no one else");
        CHECK_CONTAINS(m2, "mode 0777");
        CHECK_INTEQ(chmod(dir, 0755), 0);
        m3 = open_err("x", NULL);
        if (geteuid() == 0) {
                CHECK_CONTAINS(m3, "plugin x: ");
                CHECK_CONTAINS(m3, "/open/x.so: No such file or directory");
        } else
                CHECK_CONTAINS(m3, "must be owned by root"); /* the directory is ours, not root's */
}

static char build_plugins[PATH_MAX];

/* dir/name.so: a copy of the built plugin file "from", mode 0644 */
static void install_plugin(const char *dir, const char *from, const char *name)
{
        _cleanup_free_ char *src = xasprintf("%s/%s.so", build_plugins, from);
        _cleanup_free_ char *dst = xasprintf("%s/%s.so", dir, name);
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        CHECK_INTEQ(read_file(src, 0, &data, &len), 0);
        int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        CHECK(write(fd, data, len) == (ssize_t)len);
        CHECK_INTEQ(fchmod(fd, 0644), 0);
        close(fd);
}

/* The loading tests need root (the plugin files must be root's) and the plugins built next to this test. */
static const char *plugins_dir(void)
{
        static char dir[PATH_MAX];
        if (*dir)
                return dir;
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n <= 0)
                return NULL;
        exe[n] = 0;
        snprintf(build_plugins, sizeof(build_plugins), "%s/../plugins", dirname(exe));
        _cleanup_free_ char *hello = xasprintf("%s/hello.so", build_plugins);
        if (geteuid() != 0 || access(hello, R_OK) < 0) {
                printf("# skipped: needs root and %s\n", hello);
                return NULL;
        }
        snprintf(dir, sizeof(dir), "%s/plugins", tmp);
        CHECK_INTEQ(mkdir(dir, 0755), 0);
        CHECK_INTEQ(chmod(dir, 0755), 0);
        install_plugin(dir, "hello", "hello");
        install_plugin(dir, "loopback", "loopback");
        install_plugin(dir, "landlock", "landlock");
        install_plugin(dir, "hello", "other"); /* calls itself "hello" */
        _cleanup_free_ char *junk = xasprintf("%s/junk.so", dir);
        CHECK_INTEQ(put_file(junk, "not a shared object\n"), 0);
        CHECK_INTEQ(chmod(junk, 0644), 0);
        _cleanup_free_ char *conf = xasprintf("plugin_dir = %s\n", dir);
        set_config(conf);
        return dir;
}

TEST(load_errors_name_the_plugin)
{
        const char *dir = plugins_dir();
        if (!dir)
                return;
        _cleanup_free_ char *m1 = open_err("hello,nosuch", NULL), *m2 = open_err("other", NULL),
                            *m3 = open_err("junk", NULL), *m4 = NULL;
        _cleanup_free_ char *want1 = xasprintf("plugin nosuch: %s/nosuch.so: No such file or directory", dir);
        CHECK_STREQ(m1, want1);
        _cleanup_free_ char *want2 = xasprintf("plugin other: %s/other.so calls itself \"hello\"", dir);
        CHECK_STREQ(m2, want2);
        _cleanup_free_ char *want3 = xasprintf("plugin junk: %s/junk.so: ", dir);
        CHECK_CONTAINS(m3, want3);
        _cleanup_free_ char *f = xasprintf("%s/loopback.so", dir);
        CHECK_INTEQ(chmod(f, 0664), 0);
        m4 = open_err("loopback", NULL);
        CHECK_CONTAINS(m4, "plugin loopback: ");
        CHECK_CONTAINS(m4, "must be owned by root and writable by no one else (owner 0, mode 0664)");
        CHECK_INTEQ(chmod(f, 0644), 0);
}

TEST(callbacks_and_accessors)
{
        const char *dir = plugins_dir();
        if (!dir)
                return;
        struct plugin_set *ps = NULL;
        CHECK(open_err("hello", &ps) == NULL);
        CHECK(plugins_any(ps));
        _cleanup_free_ char *state = xasprintf("%s/state-c1", tmp);
        CHECK_INTEQ(mkdir(state, 0700), 0);
        struct spec_kv ann[] = {KV("berth.plugins", "hello"), KV("berth.plugin.hello.who", "unit")};
        struct plugin_container pc = {
            .id = "c1",
            .bundle = "/b",
            .rootfs = "/b/rootfs",
            .pid = 4242,
            .state_dir = state,
            .state_root = tmp,
            .annotations = ann,
            .n_annotations = 2,
        };
        berth_error *err = NULL;
        CHECK_INTEQ(plugins_call(ps, PLUGIN_VALIDATE, &pc, &err), 0);
        CHECK_INTEQ(plugins_call(ps, PLUGIN_CREATE, &pc, &err), 0);
        CHECK(err == NULL);
        _cleanup_free_ char *greeting = NULL, *gpath = xasprintf("%s/plugins/hello/greeting", state);
        CHECK_INTEQ(read_file(gpath, 0, &greeting, NULL), 0);
        CHECK_STREQ(greeting, "hello unit from container c1 (init pid 4242)\n");
        /* the plugin's own error, prefixed with its name; nothing else is called after it */
        ann[1].value = (char *)"";
        CHECK(plugins_call(ps, PLUGIN_VALIDATE, &pc, &err) < 0);
        CHECK_STREQ(err ? err->msg : NULL, "plugin hello: berth.plugin.hello.who: empty name");
        berth_error_freep(&err);
        CHECK_INTEQ(plugins_call(ps, PLUGIN_DESTROY, &pc, NULL), 0);
        plugins_free(ps);
}

/* The message of calling stage of the plugins "list" with these annotations, or NULL. */
static char *call_err(const char *list, enum plugin_stage stage, struct spec_kv *ann, size_t n)
{
        struct plugin_set *ps = NULL;
        char *m = open_err(list, &ps);
        if (m)
                return m;
        struct plugin_container pc = {.id = "c", .annotations = ann, .n_annotations = n};
        berth_error *err = NULL;
        if (plugins_call(ps, stage, &pc, &err) < 0)
                m = xstrdup(err ? err->msg : "?");
        berth_error_free(err);
        plugins_free(ps);
        return m;
}

TEST(plugin_options_are_checked)
{
        if (!plugins_dir())
                return;
        struct spec_kv lo[] = {KV("berth.plugin.loopback.mtu", "9000")};
        _cleanup_free_ char *m1 = call_err("loopback", PLUGIN_VALIDATE, lo, 1);
        CHECK_STREQ(m1, "plugin loopback: unknown option berth.plugin.loopback.mtu (it takes none)");
        /* loaded one after the other in one process, each plugin is itself (not the first one loaded) */
        struct spec_kv ll[] = {KV("berth.plugin.landlock.ro", "/usr"), KV("berth.plugin.landlock.rw", "tmp")};
        _cleanup_free_ char *m2 = call_err("landlock", PLUGIN_VALIDATE, ll, 2);
        CHECK_STREQ(m2, "plugin landlock: berth.plugin.landlock.rw: \"tmp\" is not an absolute path");
        struct spec_kv ll2[] = {KV("berth.plugin.landlock.scope", "signal,bogus")};
        _cleanup_free_ char *m3 = call_err("landlock", PLUGIN_VALIDATE, ll2, 1);
        CHECK_CONTAINS(m3, "plugin landlock: berth.plugin.landlock.scope: unknown scope \"bogus\"");
        struct spec_kv ll3[] = {KV("berth.plugin.landlock.tcp-bind", "80")};
        _cleanup_free_ char *m4 = call_err("landlock", PLUGIN_VALIDATE, ll3, 1);
        CHECK_CONTAINS(m4, "plugin landlock: no filesystem rule");
        struct spec_kv ll4[] = {KV("berth.plugin.landlock.ro", "/"),
                                KV("berth.plugin.landlock.tcp-bind", "80:x")};
        _cleanup_free_ char *m5 = call_err("landlock", PLUGIN_VALIDATE, ll4, 2);
        CHECK_STREQ(m5,
                    "plugin landlock: berth.plugin.landlock.tcp-bind: \"80:x\" is not a list of TCP ports "
                    "separated by ':'");
        struct spec_kv ll5[] = {KV("berth.plugin.landlock.ro", "/"), KV("berth.plugin.landlockx.rw", "/")};
        _cleanup_free_ char *m6 = call_err("landlock", PLUGIN_VALIDATE, ll5, 2);
        /* valid: passes unless the kernel has no Landlock, which it then says */
        if (m6)
                CHECK_CONTAINS(m6, "Landlock");
        /* two plugins: the first failure stops validate, and names its plugin */
        _cleanup_free_ char *m7 = call_err("landlock,loopback", PLUGIN_VALIDATE, lo, 1);
        CHECK_CONTAINS(m7, "plugin landlock: no filesystem rule");
}

TEST(selected_list_is_recorded)
{
        if (!plugins_dir())
                return;
        _cleanup_free_ char *sd = xasprintf("%s/state-rec", tmp);
        CHECK_INTEQ(mkdir(sd, 0700), 0);
        _cleanup_close_ int dirfd = open(sd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(dirfd >= 0);
        /* no record (an older state directory): the annotations decide */
        struct spec_kv ann[] = {KV("berth.plugins", "loopback")};
        struct plugin_set *ps = NULL;
        berth_error *err = NULL;
        CHECK_INTEQ(plugins_open_saved(dirfd, ann, 1, &ps, &err), 0);
        CHECK(plugins_any(ps));
        plugins_free(ps);
        ps = NULL;
        /* recorded: the record decides, whatever the annotations say now */
        CHECK(open_err("hello,loopback", &ps) == NULL);
        CHECK_INTEQ(plugins_save(dirfd, ps, &err), 0);
        plugins_free(ps);
        _cleanup_free_ char *text = NULL;
        CHECK_INTEQ(read_file_at(dirfd, "plugins.selected", 0, &text, NULL), 0);
        CHECK_STREQ(text, "hello\nloopback\n");
        ps = NULL;
        CHECK_INTEQ(plugins_open_saved(dirfd, NULL, 0, &ps, &err), 0);
        _cleanup_free_ char *again = NULL;
        CHECK_INTEQ(plugins_save(dirfd, ps, &err), 0);
        CHECK_INTEQ(read_file_at(dirfd, "plugins.selected", 0, &again, NULL), 0);
        CHECK_STREQ(again, "hello\nloopback\n");
        plugins_free(ps);
        /* none selected: an empty record, which opens none */
        CHECK_INTEQ(plugins_save(dirfd, NULL, &err), 0);
        ps = (struct plugin_set *)1;
        CHECK_INTEQ(plugins_open_saved(dirfd, ann, 1, &ps, &err), 0);
        CHECK(ps == NULL);
        /* a damaged record is an error, not a guess */
        CHECK_INTEQ(write_file_atomic_at(dirfd, "plugins.selected", "hello\n../evil\n", 14), 0);
        CHECK(plugins_open_saved(dirfd, NULL, 0, &ps, &err) < 0);
        CHECK_STREQ(err ? err->msg : NULL,
                    "plugins.selected in the state directory: invalid plugin name \"../evil\"");
        berth_error_freep(&err);
}

static void setup(void)
{
        if (!mkdtemp(tmp))
                abort();
        snprintf(config, sizeof(config), "%s/berth.conf", tmp);
}

static void cleanup(void)
{
        _cleanup_close_ int fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0)
                rm_rf_at(fd, tmp + strlen("/tmp/"));
}

TEST(begin)
{
        setup();
}

TEST(end)
{
        cleanup();
}

UNIT_MAIN(UNIT_CASE(begin), UNIT_CASE(selection_from_annotation_and_config),
          UNIT_CASE(nothing_selected_opens_nothing), UNIT_CASE(untrusted_directory),
          UNIT_CASE(load_errors_name_the_plugin), UNIT_CASE(callbacks_and_accessors),
          UNIT_CASE(plugin_options_are_checked), UNIT_CASE(selected_list_is_recorded), UNIT_CASE(end))
