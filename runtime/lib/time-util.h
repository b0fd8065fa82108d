/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UTC timestamps without the time zone database: glibc's gmtime_r() reads /etc/localtime on its first call
 * in a process (~0.1 ms), which neither the state's "created" nor a log line needs.
 */
#pragma once

#include <stdint.h>
#include <time.h>

/* The UTC calendar fields of t (seconds since the epoch; any sign): tm_year, tm_mon, tm_mday, tm_hour,
 * tm_min, tm_sec, tm_wday, tm_yday as gmtime_r() sets them. */
void utc_from_time(int64_t t, struct tm *ret);

#define RFC3339_MAX 48
/* "2026-11-22T16:59:10.123456789Z" into buf; returns buf. */
char *rfc3339_format(const struct timespec *ts, char buf[static RFC3339_MAX]);
/* The current time so formatted, allocated. */
char *rfc3339_now(void);
