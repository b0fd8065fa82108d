/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdarg.h>
#include <time.h>

#include "json-util.h"
#include "log.h"
#include "time-util.h"

static int log_file_fd = -1;
static enum log_format log_fmt = LOG_FMT_TEXT;
static enum log_level log_lvl = LOG_LVL_WARNING;

static const char *const level_names[] = {
    [LOG_LVL_ERROR] = "error",
    [LOG_LVL_WARNING] = "warning",
    [LOG_LVL_INFO] = "info",
    [LOG_LVL_DEBUG] = "debug",
};

int log_open(const char *path, enum log_format fmt, enum log_level level)
{
        log_fmt = fmt;
        log_lvl = level;
        if (!path || !*path)
                return 0;
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0)
                return -errno;
        if (log_file_fd >= 0)
                close(log_file_fd);
        log_file_fd = fd;
        return 0;
}

enum log_level log_get_level(void)
{
        return log_lvl;
}

int log_fd(void)
{
        return log_file_fd;
}

int log_level_from_string(const char *s)
{
        if (STREQ(s, "error") || STREQ(s, "fatal") || STREQ(s, "panic"))
                return LOG_LVL_ERROR;
        if (STREQ(s, "warn") || STREQ(s, "warning"))
                return LOG_LVL_WARNING;
        if (STREQ(s, "info"))
                return LOG_LVL_INFO;
        if (STREQ(s, "debug") || STREQ(s, "trace"))
                return LOG_LVL_DEBUG;
        return -EINVAL;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
        if (level > log_lvl)
                return;
        int saved = errno;
        char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (!msg)
                goto out;

        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                goto out_msg;
        if (log_fmt == LOG_FMT_JSON && log_file_fd >= 0) {
                struct timespec ts;
                char tbuf[RFC3339_MAX];
                clock_gettime(CLOCK_REALTIME, &ts);
                fprintf(f, "{\"level\":\"%s\",\"time\":\"%s\",\"msg\":\"", level_names[level],
                        rfc3339_format(&ts, tbuf));
                json_escape(f, msg);
                fputs("\"}\n", f);
        } else if (log_file_fd >= 0) {
                fprintf(f, "%s: %s\n", level_names[level], msg);
        } else if (level == LOG_LVL_ERROR) {
                fprintf(f, "berth: %s\n", msg);
        } else {
                fprintf(f, "berth: %s: %s\n", level_names[level], msg);
        }
        fclose(f);
        int fd = log_file_fd >= 0 ? log_file_fd : STDERR_FILENO;
        size_t off = 0;
        while (off < len) {
                ssize_t n = write(fd, buf + off, len - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                off += (size_t)n;
        }
        free(buf);
out_msg:
        free(msg);
out:
        errno = saved;
}
