/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hooks module without a container: hooks_run semantics (stdin, args, env, process group, timeout,
 * stdin never read, daemons holding stdout, failures and their messages, output in the log), hooks.json,
 * and hooks.d parsing, validation, matching and override order.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "fs-util.h"
#include "hooks-internal.h"
#include "hooks.h"
#include "log.h"
#include "unit.h"

static char tmpdir[64];
static char log_path[128];

static char *tmp_path(const char *name)
{
        return xasprintf("%s/%s", tmpdir, name);
}

static void write_text(const char *path, const char *text, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        CHECK(fd >= 0);
        if (fd < 0)
                return;
        size_t len = strlen(text);
        CHECK(write(fd, text, len) == (ssize_t)len);
        close(fd);
        chmod(path, mode);
}

static char *read_text(const char *path)
{
        char *s = NULL;
        size_t len = 0;
        if (read_file(path, 0, &s, &len) < 0)
                return NULL;
        return s;
}

/* The log is a file of ours: each test starts it empty and reads it back. */
static void log_reset(void)
{
        unlink(log_path);
        CHECK(log_open(log_path, LOG_FMT_TEXT, LOG_LVL_DEBUG) == 0);
}

static char *log_text(void)
{
        char *s = read_text(log_path);
        return s ? s : xstrdup("");
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* strv_make(NULL) is an empty (not absent) list. */
static char **strv_make(const char *first, ...)
{
        char **v = xmalloc0(sizeof(char *));
        va_list ap;
        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                v = strv_append(v, s);
        va_end(ap);
        return v;
}

/* A spec with no hooks yet. */
static struct spec *spec_new(void)
{
        return xmalloc0(sizeof(struct spec));
}

/* Adds a hook (args and env are taken over; timeout 0 = none). */
static void add_hook(struct spec *s, enum hook_stage st, const char *path, char **args, char **env,
                     int timeout)
{
        struct spec_hook h = {.path = (char *)path, .args = args, .env = env};
        h.has_timeout = timeout > 0;
        h.timeout = timeout;
        hooks_append(&s->hooks, st, &h);
        strv_free(args);
        strv_free(env);
}

static void add_sh(struct spec *s, enum hook_stage st, const char *script, int timeout)
{
        add_hook(s, st, "/bin/sh", strv_make("sh", "-c", script, NULL), NULL, timeout);
}

/* Is pid gone (or a zombie nobody reaped yet)? Waits up to 2 s. */
static bool pid_gone(pid_t pid)
{
        for (int i = 0; i < 200; i++) {
                char p[64], *stat = NULL;
                size_t len = 0;
                snprintf(p, sizeof(p), "/proc/%d/stat", pid);
                if (read_file(p, 0, &stat, &len) < 0)
                        return true;
                const char *rp = strrchr(stat, ')');
                bool zombie = rp && rp[1] == ' ' && rp[2] == 'Z';
                free(stat);
                if (zombie)
                        return true;
                usleep(10000);
        }
        return false;
}

static pid_t read_pid(const char *path)
{
        for (int i = 0; i < 100; i++) {
                _cleanup_free_ char *s = read_text(path);
                if (s && *s)
                        return (pid_t)atoi(s);
                usleep(10000);
        }
        return 0;
}

/* ---- hooks_run ---------------------------------------------------------------------------------------- */

/* Time bounds are loose (20 s for what takes well under 1 s): they tell "returned" from "hung on a hook
 * that sleeps 1000 s", on slow machines too. */

TEST(test_present)
{
        _cleanup_spec_ struct spec *s = spec_new();
        CHECK(!hooks_present(s, HOOK_PRESTART));
        CHECK(!hooks_present(NULL, HOOK_PRESTART));
        add_sh(s, HOOK_POSTSTOP, "true", 0);
        CHECK(hooks_present(s, HOOK_POSTSTOP));
        CHECK(!hooks_present(s, HOOK_POSTSTART));
        CHECK(!hooks_present(s, _HOOK_STAGE_MAX));
        /* a stage without hooks runs nothing and succeeds */
        CHECK(hooks_run(s, HOOK_PRESTART, "{}", NULL) == 0);
}

TEST(test_stdin_args_env)
{
        _cleanup_spec_ struct spec *s = spec_new();
        _cleanup_free_ char *in = tmp_path("stdin"), *argf = tmp_path("args");
        _cleanup_free_ char *script = xasprintf("cat > %s; tr '\\0' '|' < /proc/$$/cmdline > %s", in, argf);
        add_hook(s, HOOK_CREATE_RUNTIME, "/bin/sh",
                 strv_make("my-argv0", "-c", script, "one", "two words", NULL), strv_make("A=1", NULL), 0);
        const char *state = "{\"ociVersion\":\"1.3.0\",\"id\":\"x\",\"status\":\"creating\"}";
        _cleanup_error_ berth_error *e = NULL;
        CHECK(hooks_run(s, HOOK_CREATE_RUNTIME, state, &e) == 0);
        _cleanup_free_ char *got_in = read_text(in), *got_args = read_text(argf);
        CHECK_STREQ(got_in, state);
        /* args[0] is argv[0], as execv's argv */
        _cleanup_free_ char *want = xasprintf("my-argv0|-c|%s|one|two words|", script);
        CHECK_STREQ(got_args, want);
}

TEST(test_env_exact_and_empty)
{
        log_reset();
        _cleanup_spec_ struct spec *s = spec_new();
        add_hook(s, HOOK_POSTSTART, "/usr/bin/env", NULL, strv_make("HOOKVAR=1", "OTHER=two", NULL), 0);
        add_hook(s, HOOK_POSTSTOP, "/usr/bin/env", NULL, NULL, 0);
        setenv("BERTH_TEST_LEAK", "leaked", 1);
        CHECK(hooks_run(s, HOOK_POSTSTART, "{}", NULL) == 0);
        CHECK(hooks_run(s, HOOK_POSTSTOP, "{}", NULL) == 0);
        unsetenv("BERTH_TEST_LEAK");
        _cleanup_free_ char *l = log_text();
        CHECK_CONTAINS(l, "info: poststart hook #0 stdout: HOOKVAR=1\n");
        CHECK_CONTAINS(l, "info: poststart hook #0 stdout: OTHER=two\n");
        /* exactly as configured: nothing of berth's environment, and none at all when env is absent */
        CHECK(!strstr(l, "BERTH_TEST_LEAK"));
        CHECK(!strstr(l, "poststop hook #0 stdout"));
}

TEST(test_no_args_argv0_is_path)
{
        _cleanup_free_ char *script = tmp_path("argv0.sh"), *out = tmp_path("argv0.out");
        _cleanup_free_ char *text = xasprintf("#!/bin/sh\necho \"$0 $#\" > %s\n", out);
        write_text(script, text, 0755);
        _cleanup_spec_ struct spec *s = spec_new();
        add_hook(s, HOOK_PRESTART, script, NULL, NULL, 0);
        add_hook(s, HOOK_POSTSTOP, script, strv_make(NULL), NULL, 0); /* "args": [] */
        CHECK(hooks_run(s, HOOK_PRESTART, "{}", NULL) == 0);
        _cleanup_free_ char *got = read_text(out), *want = xasprintf("%s 0\n", script);
        CHECK_STREQ(got, want);
        unlink(out);
        CHECK(hooks_run(s, HOOK_POSTSTOP, "{}", NULL) == 0);
        _cleanup_free_ char *got2 = read_text(out);
        CHECK_STREQ(got2, want);
}

TEST(test_process_group_signals_fds)
{
        log_reset();
        /* the hook leads a group of its own, starts with no blocked or ignored signal and none of our fds */
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigprocmask(SIG_BLOCK, &block, &old);
        struct sigaction ign = {.sa_handler = SIG_IGN}, old_int;
        sigaction(SIGINT, &ign, &old_int);
        int leak = fcntl(0, F_DUPFD, 57); /* no O_CLOEXEC: an fd a library might leave */
        CHECK(leak >= 57);

        _cleanup_spec_ struct spec *s = spec_new();
        add_sh(s, HOOK_CREATE_RUNTIME, "read -r _ _ _ _ pg _ < /proc/$$/stat; echo \"pgrp=$pg pid=$$\"", 0);
        add_hook(s, HOOK_CREATE_RUNTIME, "/bin/grep",
                 strv_make("grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status", NULL), NULL, 0);
        add_hook(s, HOOK_CREATE_RUNTIME, "/bin/ls", strv_make("ls", "/proc/self/fd", NULL), NULL, 0);
        CHECK(hooks_run(s, HOOK_CREATE_RUNTIME, "{}", NULL) == 0);

        sigprocmask(SIG_SETMASK, &old, NULL);
        sigaction(SIGINT, &old_int, NULL);
        close(leak);

        _cleanup_free_ char *l = log_text();
        const char *p = strstr(l, "pgrp=");
        CHECK(p != NULL);
        if (p) {
                int pg = 0, pid = 0;
                CHECK(sscanf(p, "pgrp=%d pid=%d", &pg, &pid) == 2);
                CHECK(pg == pid && pg > 0 && pg != getpgrp());
        }
        CHECK_CONTAINS(l, "createRuntime hook #1 stdout: SigBlk:\t0000000000000000");
        CHECK_CONTAINS(l, "createRuntime hook #1 stdout: SigIgn:\t0000000000000000");
        CHECK_CONTAINS(l, "createRuntime hook #2 stdout: 2\n");
        CHECK(!strstr(l, "createRuntime hook #2 stdout: 57"));
        CHECK(!strstr(l, "createRuntime hook #2 stdout: 4\n"));
}

TEST(test_failures)
{
        log_reset();
        _cleanup_spec_ struct spec *s = spec_new();
        add_sh(s, HOOK_CREATE_RUNTIME, "true", 0);
        add_sh(s, HOOK_CREATE_RUNTIME, "echo out-text; echo err-text >&2; exit 3", 0);
        add_sh(s, HOOK_POSTSTART, "kill -TERM $$", 0);
        add_hook(s, HOOK_POSTSTOP, "/nonexistent/hook", NULL, NULL, 0);
        berth_error *e = NULL;
        CHECK(hooks_run(s, HOOK_CREATE_RUNTIME, "{}", &e) < 0);
        CHECK_STREQ(e ? e->msg : NULL, "createRuntime hook #1 (/bin/sh): exit status 3");
        berth_error_freep(&e);
        CHECK(hooks_run(s, HOOK_POSTSTART, "{}", &e) < 0);
        CHECK_STREQ(e ? e->msg : NULL, "poststart hook #0 (/bin/sh): killed by signal 15");
        berth_error_freep(&e);
        CHECK(hooks_run(s, HOOK_POSTSTOP, "{}", &e) < 0);
        CHECK_STREQ(e ? e->msg : NULL,
                    "poststop hook #0 (/nonexistent/hook): exec: No such file or directory");
        berth_error_freep(&e);
        /* a failing hook's output is a warning, tagged with stage and index */
        _cleanup_free_ char *l = log_text();
        CHECK_CONTAINS(l, "warning: createRuntime hook #1 stdout: out-text\n");
        CHECK_CONTAINS(l, "warning: createRuntime hook #1 stderr: err-text\n");
}

TEST(test_order_and_stop_at_first_failure)
{
        _cleanup_free_ char *f = tmp_path("order");
        _cleanup_free_ char *a = xasprintf("echo a >> %s", f), *b = xasprintf("echo b >> %s; exit 1", f),
                            *c = xasprintf("echo c >> %s", f);
        _cleanup_spec_ struct spec *s = spec_new();
        add_sh(s, HOOK_START_CONTAINER, a, 0);
        add_sh(s, HOOK_START_CONTAINER, a, 0);
        add_sh(s, HOOK_START_CONTAINER, b, 0);
        add_sh(s, HOOK_START_CONTAINER, c, 0);
        _cleanup_error_ berth_error *e = NULL;
        CHECK(hooks_run(s, HOOK_START_CONTAINER, "{}", &e) < 0);
        CHECK_CONTAINS(e ? e->msg : NULL, "startContainer hook #2 (/bin/sh): exit status 1");
        _cleanup_free_ char *got = read_text(f);
        CHECK_STREQ(got, "a\na\nb\n");
}

/* berth run by a parent that ignored SIGCHLD (inherited through execve) still gets the hooks' status */
TEST(test_sigchld_ignored)
{
        struct sigaction ign = {.sa_handler = SIG_IGN}, old, now;
        sigaction(SIGCHLD, &ign, &old);
        _cleanup_spec_ struct spec *s = spec_new();
        add_sh(s, HOOK_POSTSTART, "exit 3", 0);
        _cleanup_error_ berth_error *e = NULL;
        CHECK(hooks_run(s, HOOK_POSTSTART, "{}", &e) < 0);
        CHECK_STREQ(e ? e->msg : NULL, "poststart hook #0 (/bin/sh): exit status 3");
        sigaction(SIGCHLD, NULL, &now);
        CHECK(now.sa_handler == SIG_IGN); /* restored */
        sigaction(SIGCHLD, &old, NULL);
}

/* berth with fds 0, 1 and 2 closed: the pipes get those numbers, the hook still gets the right ones */
TEST(test_closed_stdio)
{
        _cleanup_free_ char *in = tmp_path("closed-stdio.in");
        _cleanup_free_ char *script = xasprintf("cat > %s; echo out; echo err >&2", in);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                close(0);
                close(1);
                close(2);
                _cleanup_spec_ struct spec *s = spec_new();
                add_sh(s, HOOK_PRESTART, script, 0);
                add_hook(s, HOOK_POSTSTOP, "/nonexistent/hook", NULL, NULL, 0);
                _cleanup_error_ berth_error *e = NULL;
                if (hooks_run(s, HOOK_PRESTART, "state-text", NULL) < 0)
                        _exit(1);
                if (hooks_run(s, HOOK_POSTSTOP, "{}", &e) >= 0 || !e ||
                    !STREQ(e->msg, "poststop hook #0 (/nonexistent/hook): exec: No such file or directory"))
                        _exit(2);
                _exit(0);
        }
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        _cleanup_free_ char *got = read_text(in);
        CHECK_STREQ(got, "state-text");
}

/* poststop: "the remaining hooks and lifecycle continue as if the hook had succeeded" */
TEST(test_poststop_runs_every_hook)
{
        log_reset();
        _cleanup_free_ char *f = tmp_path("poststop-order");
        _cleanup_free_ char *a = xasprintf("echo a >> %s; exit 1", f), *b = xasprintf("echo b >> %s", f),
                            *c = xasprintf("echo c >> %s; exit 2", f), *d = xasprintf("echo d >> %s", f);
        _cleanup_spec_ struct spec *s = spec_new();
        add_sh(s, HOOK_POSTSTOP, a, 0);
        add_sh(s, HOOK_POSTSTOP, b, 0);
        add_sh(s, HOOK_POSTSTOP, c, 0);
        add_sh(s, HOOK_POSTSTOP, d, 0);
        _cleanup_error_ berth_error *e = NULL;
        CHECK(hooks_run(s, HOOK_POSTSTOP, "{}", &e) < 0);
        CHECK_STREQ(e ? e->msg : NULL, "poststop hook #0 (/bin/sh): exit status 1");
        _cleanup_free_ char *got = read_text(f), *l = log_text();
        CHECK_STREQ(got, "a\nb\nc\nd\n");
        CHECK_CONTAINS(l, "warning: poststop hook #2 (/bin/sh): exit status 2\n");
        CHECK(!strstr(l, "poststop hook #0 (/bin/sh): exit status 1"));
}

TEST(test_timeout_kills_group)
{
        _cleanup_free_ char *pidf = tmp_path("child.pid");
        /* a child in the background, then the hook waits forever */
        _cleanup_free_ char *script = xasprintf("sleep 1000 & echo $! > %s; sleep 1000", pidf);
        _cleanup_spec_ struct spec *s = spec_new();
        add_sh(s, HOOK_POSTSTART, script, 1);
        _cleanup_error_ berth_error *e = NULL;
        int64_t t0 = now_ms();
        CHECK(hooks_run(s, HOOK_POSTSTART, "{}", &e) == -ETIMEDOUT);
        int64_t dt = now_ms() - t0;
        CHECK(dt >= 900 && dt < 20000);
        CHECK_STREQ(e ? e->msg : NULL,
                    "poststart hook #0 (/bin/sh): timed out after 1 s (process group killed)");
        pid_t child = read_pid(pidf);
        CHECK(child > 0);
        if (child > 0) {
                CHECK(pid_gone(child));
                kill(child, SIGKILL); /* in case the check failed */
        }
}

/* 1 MiB of state to a hook that never reads stdin: berth writes what the pipe takes and goes on waiting
 * for the hook's exit. */
static char *big_state(void)
{
        size_t n = 1 << 20;
        char *s = xmalloc0(n + 1);
        memset(s, 'x', n);
        s[0] = '"';
        s[n - 1] = '"';
        return s;
}

TEST(test_stdin_never_read)
{
        _cleanup_free_ char *state = big_state();
        _cleanup_spec_ struct spec *s = spec_new();
        add_sh(s, HOOK_PRESTART, "sleep 0.3", 0);
        add_sh(s, HOOK_POSTSTOP, "sleep 1000", 1);
        add_sh(s, HOOK_POSTSTART, "exec 0<&-; sleep 0.2; exit 4", 0); /* closes stdin: EPIPE, not SIGPIPE */
        int64_t t0 = now_ms();
        CHECK(hooks_run(s, HOOK_PRESTART, state, NULL) == 0);
        CHECK(now_ms() - t0 < 20000);
        _cleanup_error_ berth_error *e = NULL;
        t0 = now_ms();
        CHECK(hooks_run(s, HOOK_POSTSTOP, state, &e) == -ETIMEDOUT);
        CHECK(now_ms() - t0 < 20000);
        CHECK_CONTAINS(e ? e->msg : NULL, "poststop hook #0 (/bin/sh): timed out after 1 s");
        berth_error_freep(&e);
        CHECK(hooks_run(s, HOOK_POSTSTART, state, &e) < 0);
        CHECK_STREQ(e ? e->msg : NULL, "poststart hook #0 (/bin/sh): exit status 4");
        /* no SIGPIPE left pending or blocked */
        sigset_t pending, mask;
        sigpending(&pending);
        sigprocmask(SIG_SETMASK, NULL, &mask);
        CHECK(!sigismember(&pending, SIGPIPE));
        CHECK(!sigismember(&mask, SIGPIPE));
}

TEST(test_daemon_holding_stdout)
{
        log_reset();
        _cleanup_free_ char *pidf = tmp_path("daemon.pid");
        /* the background sleep keeps stdout and stderr open after the hook exits */
        _cleanup_free_ char *script = xasprintf("echo before-exit; sleep 1000 & echo $! > %s", pidf);
        _cleanup_spec_ struct spec *s = spec_new();
        add_sh(s, HOOK_CREATE_CONTAINER, script, 0);
        int64_t t0 = now_ms();
        CHECK(hooks_run(s, HOOK_CREATE_CONTAINER, "{}", NULL) == 0);
        CHECK(now_ms() - t0 < 20000);
        pid_t d = read_pid(pidf);
        CHECK(d > 0);
        if (d > 0)
                kill(d, SIGKILL);
        _cleanup_free_ char *l = log_text();
        CHECK_CONTAINS(l, "info: createContainer hook #0 stdout: before-exit\n");
}

TEST(test_output_bounded)
{
        log_reset();
        _cleanup_spec_ struct spec *s = spec_new();
        /* 100000 bytes on stdout in lines of 100 */
        add_sh(s, HOOK_POSTSTOP, "i=0; while [ $i -lt 1000 ]; do printf '%099d\\n' $i; i=$((i+1)); done", 0);
        CHECK(hooks_run(s, HOOK_POSTSTOP, "{}", NULL) == 0);
        _cleanup_free_ char *l = log_text();
        CHECK_CONTAINS(l, "poststop hook #0 stdout: (83616 more bytes not logged)");
        CHECK(strlen(l) < 40000);
}

/* ---- hooks.json --------------------------------------------------------------------------------------- */

TEST(test_save_load)
{
        _cleanup_free_ char *d = tmp_path("state");
        CHECK(mkdir(d, 0700) == 0);
        _cleanup_close_ int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_spec_ struct spec *s = spec_new();
        /* no hooks: no file */
        CHECK(hooks_save(dfd, s, NULL) == 0);
        CHECK(faccessat(dfd, HOOKS_FILE, F_OK, 0) < 0);
        _cleanup_spec_ struct spec *l0 = spec_new();
        add_sh(l0, HOOK_PRESTART, "kept", 0);
        CHECK(hooks_load(dfd, l0, NULL) == 0);
        CHECK(l0->hooks.n_hooks[HOOK_PRESTART] == 1);

        add_hook(s, HOOK_CREATE_RUNTIME, "/a", strv_make("a", "1", NULL), strv_make("X=y", NULL), 5);
        add_hook(s, HOOK_CREATE_RUNTIME, "/b", NULL, NULL, 0);
        add_hook(s, HOOK_POSTSTOP, "/c", strv_make(NULL), strv_make(NULL), 0);
        CHECK(hooks_save(dfd, s, NULL) == 0);
        _cleanup_spec_ struct spec *l = spec_new();
        add_sh(l, HOOK_PRESTART, "replaced", 0);
        _cleanup_error_ berth_error *e = NULL;
        CHECK(hooks_load(dfd, l, &e) == 0);
        CHECK(l->hooks.n_hooks[HOOK_PRESTART] == 0);
        CHECK(l->hooks.n_hooks[HOOK_CREATE_RUNTIME] == 2);
        CHECK(l->hooks.n_hooks[HOOK_POSTSTOP] == 1);
        if (l->hooks.n_hooks[HOOK_CREATE_RUNTIME] == 2 && l->hooks.n_hooks[HOOK_POSTSTOP] == 1) {
                const struct spec_hook *a = &l->hooks.hooks[HOOK_CREATE_RUNTIME][0];
                CHECK_STREQ(a->path, "/a");
                CHECK(strv_length(a->args) == 2 && STREQ(a->args[1], "1"));
                CHECK(strv_length(a->env) == 1 && STREQ(a->env[0], "X=y"));
                CHECK(a->has_timeout && a->timeout == 5);
                const struct spec_hook *b = &l->hooks.hooks[HOOK_CREATE_RUNTIME][1];
                CHECK_STREQ(b->path, "/b");
                CHECK(!b->args && !b->env && !b->has_timeout);
                /* an empty env stays empty (not absent) */
                const struct spec_hook *c = &l->hooks.hooks[HOOK_POSTSTOP][0];
                CHECK(c->args && !c->args[0] && c->env && !c->env[0]);
        }
        /* a damaged file is an error naming it */
        const char *bad = "{\"prestart\":[{\"path\":\"rel\"}]}";
        CHECK(write_file_atomic_at(dfd, HOOKS_FILE, bad, strlen(bad)) == 0);
        berth_error_freep(&e);
        CHECK(hooks_load(dfd, l, &e) < 0);
        CHECK_STREQ(e ? e->msg : NULL,
                    "hooks.json: hooks.prestart[0].path: must be an absolute path (got \"rel\")");
}

/* ---- hooks.d ------------------------------------------------------------------------------------------ */

static char *mkdir_tmp(const char *name)
{
        char *d = tmp_path(name);
        CHECK(mkdir(d, 0755) == 0);
        return d;
}

static void write_hookd(const char *dir, const char *name, const char *json)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
        write_text(p, json, 0644);
}

/* A 1.0.0 file with the given hook path, "when" and stages. */
static char *hookd_json(const char *path, const char *when, const char *stages)
{
        return xasprintf("{\"version\":\"1.0.0\",\"hook\":{\"path\":\"%s\",\"args\":[\"%s\",\"x\"]},"
                         "\"when\":%s,\"stages\":%s}",
                         path, path, when, stages);
}

static struct spec *parse_spec(const char *json)
{
        struct spec *s = NULL;
        _cleanup_error_ berth_error *e = NULL;
        int r = spec_parse(json, strlen(json), &s, &e);
        if (r < 0)
                fprintf(stderr, "# spec_parse: %s\n", e ? e->msg : "?");
        CHECK(r == 0);
        return s;
}

static const char *base_config =
    "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
    "\"process\":{\"args\":[\"/sbin/init\",\"--x\"],\"cwd\":\"/\"},"
    "\"annotations\":{\"com.example.department\":\"fluid-dynamics\",\"other\":\"value\"},"
    "\"hooks\":{\"prestart\":[{\"path\":\"/config/hook\"}]}}";

static const char *hook_paths(const struct spec *s, enum hook_stage st, char *buf, size_t size)
{
        buf[0] = 0;
        for (size_t i = 0; i < s->hooks.n_hooks[st]; i++) {
                size_t l = strlen(buf);
                snprintf(buf + l, size - l, "%s%s", i ? " " : "", s->hooks.hooks[st][i].path);
        }
        return buf;
}

TEST(test_hooksd_matching)
{
        _cleanup_free_ char *d = mkdir_tmp("hooksd-match");
        struct {
                const char *file, *hook, *when;
        } files[] = {
            {"01-always.json", "/bin/true", "{\"always\":true}"},
            {"02-never.json", "/bin/false", "{\"always\":false}"},
            {"03-ann.json", "/bin/echo",
             "{\"annotations\":{\"^com\\\\.example\\\\.department$\":\"fluid\"}}"},
            /* key and value must match the same annotation */
            {"04-ann-cross.json", "/bin/ls", "{\"annotations\":{\"^other$\":\"fluid\"}}"},
            {"05-cmd.json", "/bin/cat", "{\"commands\":[\"^/usr/bin/nope$\",\".*/init$\"]}"},
            {"06-cmd-no.json", "/bin/sleep", "{\"commands\":[\"^sh$\"]}"},
            {"07-bind.json", "/bin/date", "{\"hasBindMounts\":true}"},
            /* all conditions AND-ed */
            {"08-and.json", "/bin/pwd", "{\"always\":true,\"commands\":[\"^nope$\"]}"},
            {"09-and-ok.json", "/bin/sh", "{\"always\":true,\"annotations\":{\"other\":\"^val\"}}"},
        };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *j =
                    hookd_json(files[i].hook, files[i].when, "[\"createRuntime\",\"poststop\"]");
                write_hookd(d, files[i].file, j);
        }
        write_hookd(d, "README", "not json, not a .json file: ignored");
        char buf[512];

        _cleanup_spec_ struct spec *s = parse_spec(base_config);
        char *dirs[] = {d, NULL};
        _cleanup_error_ berth_error *e = NULL;
        CHECK(hooks_dirs_apply(s, dirs, &e) == 0);
        if (e)
                fprintf(stderr, "# %s\n", e->msg);
        CHECK_STREQ(hook_paths(s, HOOK_CREATE_RUNTIME, buf, sizeof(buf)),
                    "/bin/true /bin/echo /bin/cat /bin/sh");
        CHECK_STREQ(hook_paths(s, HOOK_POSTSTOP, buf, sizeof(buf)), "/bin/true /bin/echo /bin/cat /bin/sh");
        /* appended after config.json's own; stages not listed untouched */
        CHECK_STREQ(hook_paths(s, HOOK_PRESTART, buf, sizeof(buf)), "/config/hook");
        CHECK(s->hooks.n_hooks[HOOK_POSTSTART] == 0);
        if (s->hooks.n_hooks[HOOK_CREATE_RUNTIME] > 0) {
                const struct spec_hook *h = &s->hooks.hooks[HOOK_CREATE_RUNTIME][0];
                CHECK(strv_length(h->args) == 2 && STREQ(h->args[1], "x"));
        }

        /* a bind mount: hasBindMounts matches */
        _cleanup_free_ char *with_bind = xstrdup(base_config);
        with_bind[strlen(with_bind) - 1] = 0;
        _cleanup_free_ char *j2 = xasprintf(
            "%s,\"mounts\":[{\"destination\":\"/data\",\"source\":\"/srv\",\"options\":[\"rbind\"]}]}",
            with_bind);
        _cleanup_spec_ struct spec *s2 = parse_spec(j2);
        CHECK(hooks_dirs_apply(s2, dirs, NULL) == 0);
        CHECK_STREQ(hook_paths(s2, HOOK_CREATE_RUNTIME, buf, sizeof(buf)),
                    "/bin/true /bin/echo /bin/cat /bin/date /bin/sh");
}

TEST(test_hooksd_order_and_override)
{
        _cleanup_free_ char *d1 = mkdir_tmp("hooksd-1"), *d2 = mkdir_tmp("hooksd-2"),
                            *d3 = tmp_path("missing");
        _cleanup_free_ char *a1 = hookd_json("/bin/true", "{\"always\":true}", "[\"prestart\"]");
        _cleanup_free_ char *a2 = hookd_json("/bin/false", "{\"always\":true}", "[\"prestart\"]");
        _cleanup_free_ char *b = hookd_json("/bin/echo", "{\"always\":true}", "[\"prestart\"]");
        _cleanup_free_ char *c = hookd_json("/bin/cat", "{\"always\":true}", "[\"prestart\"]");
        _cleanup_free_ char *z = hookd_json("/bin/ls", "{\"always\":true}", "[\"prestart\"]");
        write_hookd(d1, "a.json", a1);
        write_hookd(d1, "c.json", c);
        write_hookd(d2, "B.json", b);
        write_hookd(d2, "a.json", a2); /* overrides d1's a.json */
        write_hookd(d1, "z.json", z);
        char buf[512];
        _cleanup_spec_ struct spec *s = spec_new();
        char *dirs[] = {d1, d3, d2, NULL}; /* a missing directory is skipped */
        _cleanup_error_ berth_error *e = NULL;
        CHECK(hooks_dirs_apply(s, dirs, &e) == 0);
        /* sorted by name, case-insensitively */
        CHECK_STREQ(hook_paths(s, HOOK_PRESTART, buf, sizeof(buf)), "/bin/false /bin/echo /bin/cat /bin/ls");
        /* the other order: d1's a.json wins */
        _cleanup_spec_ struct spec *s2 = spec_new();
        char *dirs2[] = {d2, d1, NULL};
        CHECK(hooks_dirs_apply(s2, dirs2, NULL) == 0);
        CHECK_STREQ(hook_paths(s2, HOOK_PRESTART, buf, sizeof(buf)), "/bin/true /bin/echo /bin/cat /bin/ls");
}

TEST(test_hooksd_invalid)
{
        struct {
                const char *json, *msg;
        } cases[] = {
            {"{", "invalid JSON"},
            {"[]", "invalid JSON: the document must be an object"},
            {"{\"hook\":{\"path\":\"/bin/true\"},\"when\":{\"always\":true},\"stages\":[\"prestart\"]}",
             "version: missing required field"},
            {"{\"version\":\"0.1.0\",\"hook\":\"/bin/true\",\"stages\":[\"prestart\"]}",
             "version: unsupported hook version \"0.1.0\""},
            {"{\"version\":\"1.0.0\",\"when\":{\"always\":true},\"stages\":[\"prestart\"]}",
             "hook: missing required field"},
            {"{\"version\":\"1.0.0\",\"hook\":{\"args\":[]},\"when\":{\"always\":true},\"stages\":["
             "\"prestart\"]}",
             "hook.path: missing required field"},
            {"{\"version\":\"1.0.0\",\"hook\":{\"path\":\"bin/"
             "true\"},\"when\":{\"always\":true},\"stages\":[]}",
             "hook.path: must be an absolute path (got \"bin/true\")"},
            {"{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/no/such/"
             "hook\"},\"when\":{\"always\":true},\"stages\":[]}",
             "hook.path: /no/such/hook: No such file or directory"},
            {"{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/bin/"
             "true\",\"timeout\":0},\"when\":{\"always\":true},"
             "\"stages\":[]}",
             "hook.timeout: must be greater than 0"},
            {"{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/bin/"
             "true\",\"env\":\"A=1\"},\"when\":{\"always\":true},"
             "\"stages\":[]}",
             "hook.env: must be an array of strings"},
            {"{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/bin/true\"},\"stages\":[\"prestart\"]}",
             "when: missing required field"},
            {"{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/bin/"
             "true\"},\"when\":{},\"stages\":[\"prestart\"]}",
             "when: must set at least one of always, annotations, commands, hasBindMounts"},
            {"{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/bin/"
             "true\"},\"when\":{\"always\":\"yes\"},\"stages\":[]}",
             "when.always: must be a boolean"},
            {"{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/bin/"
             "true\"},\"when\":{\"commands\":[\"(\"]},\"stages\":[]}",
             "when.commands[0]: invalid regular expression \"(\""},
            {"{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/bin/"
             "true\"},\"when\":{\"annotations\":{\"a\":\"[\"}},"
             "\"stages\":[]}",
             "when.annotations[\"a\"] (value): invalid regular expression \"[\""},
            {"{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/bin/true\"},\"when\":{\"annotations\":{\"a\":1}},"
             "\"stages\":[]}",
             "when.annotations[\"a\"]: must be a string"},
            {"{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/bin/true\"},\"when\":{\"always\":true}}",
             "stages: missing required field"},
            {"{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/bin/true\"},\"when\":{\"always\":true},"
             "\"stages\":[\"prestart\",\"prestop\"]}",
             "stages[1]: unknown stage \"prestop\""},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *name = xasprintf("hooksd-bad-%zu", i);
                _cleanup_free_ char *d = mkdir_tmp(name);
                write_hookd(d, "00-good.json",
                            "{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/bin/true\"},"
                            "\"when\":{\"always\":false},\"stages\":[\"prestart\"]}");
                write_hookd(d, "10-bad.json", cases[i].json);
                _cleanup_spec_ struct spec *s = spec_new();
                char *dirs[] = {d, NULL};
                _cleanup_error_ berth_error *e = NULL;
                CHECK(hooks_dirs_apply(s, dirs, &e) < 0);
                _cleanup_free_ char *want = xasprintf("hooks.d file %s/10-bad.json: %s", d, cases[i].msg);
                CHECK_CONTAINS(e ? e->msg : NULL, want);
        }
        /* an unreadable directory (a file given as a directory) */
        _cleanup_free_ char *f = tmp_path("not-a-dir");
        write_text(f, "", 0644);
        _cleanup_spec_ struct spec *s = spec_new();
        char *dirs[] = {f, NULL};
        _cleanup_error_ berth_error *e = NULL;
        CHECK(hooks_dirs_apply(s, dirs, &e) < 0);
        _cleanup_free_ char *want = xasprintf("--hooks-dir %s: Not a directory", f);
        CHECK_STREQ(e ? e->msg : NULL, want);
}

static void setup(void)
{
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-hooks.XXXXXX");
        if (!mkdtemp(tmpdir))
                abort();
        snprintf(log_path, sizeof(log_path), "%s/log", tmpdir);
}

static void teardown(void)
{
        _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmpdir);
        log_open(NULL, LOG_FMT_TEXT, LOG_LVL_WARNING);
        if (system(cmd) != 0)
                fprintf(stderr, "# could not remove %s\n", tmpdir);
}

TEST(test_setup)
{
        setup();
        CHECK(tmpdir[0] == '/');
}

TEST(test_teardown)
{
        teardown();
}

UNIT_MAIN(UNIT_CASE(test_setup), UNIT_CASE(test_present), UNIT_CASE(test_stdin_args_env),
          UNIT_CASE(test_env_exact_and_empty), UNIT_CASE(test_no_args_argv0_is_path),
          UNIT_CASE(test_process_group_signals_fds), UNIT_CASE(test_failures),
          UNIT_CASE(test_order_and_stop_at_first_failure), UNIT_CASE(test_poststop_runs_every_hook),
          UNIT_CASE(test_sigchld_ignored), UNIT_CASE(test_closed_stdio), UNIT_CASE(test_timeout_kills_group),
          UNIT_CASE(test_stdin_never_read), UNIT_CASE(test_daemon_holding_stdout),
          UNIT_CASE(test_output_bounded), UNIT_CASE(test_save_load), UNIT_CASE(test_hooksd_matching),
          UNIT_CASE(test_hooksd_order_and_override), UNIT_CASE(test_hooksd_invalid), UNIT_CASE(test_teardown))
