/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging. Messages go to stderr (text) or to the --log file (text or json: one {"level","time","msg"} object
 * per line). At the default level (warning) a failing command writes only its error, which is what podman
 * and containerd read back.
 */
#pragma once

#include "macro.h"

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARNING, LOG_LVL_INFO, LOG_LVL_DEBUG };
enum log_format { LOG_FMT_TEXT = 0, LOG_FMT_JSON };

/* path NULL: stderr. Returns -errno if the file cannot be opened. */
int log_open(const char *path, enum log_format fmt, enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warn"/"warning", "info", "debug"; -EINVAL otherwise. */
int log_level_from_string(const char *s);
void log_msg(enum log_level level, const char *fmt, ...) _printf_(2, 3);
/* The log fd (or -1 for stderr): forked children that must still log keep it, nothing else does. */
int log_fd(void);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
