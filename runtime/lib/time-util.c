/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "macro.h"
#include "time-util.h"

static int64_t floor_div(int64_t a, int64_t b)
{
        return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void utc_from_time(int64_t t, struct tm *ret)
{
        int64_t days = floor_div(t, 86400), secs = t - days * 86400;
        *ret = (struct tm){
            .tm_hour = (int)(secs / 3600),
            .tm_min = (int)(secs / 60 % 60),
            .tm_sec = (int)(secs % 60),
            .tm_wday = (int)(days - floor_div(days + 4, 7) * 7 + 4), /* 1970-01-01 was a Thursday */
        };
        /* the civil date of a day count: 400-year eras starting on March 1st, so the leap day comes last */
        int64_t z = days + 719468;
        int64_t era = floor_div(z, 146097);
        int64_t doe = z - era * 146097;                                      /* [0, 146096] */
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365], from March 1st */
        int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11], March = 0 */
        int64_t mon = mp < 10 ? mp + 2 : mp - 10;                            /* [0, 11], January = 0 */
        int64_t year = yoe + era * 400 + (mon < 2);
        ret->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
        ret->tm_mon = (int)mon;
        ret->tm_year = (int)(year - 1900);
        bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        static const int first_day[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
        ret->tm_yday = first_day[mon] + ret->tm_mday - 1 + (leap && mon >= 2);
}

char *rfc3339_format(const struct timespec *ts, char buf[static RFC3339_MAX])
{
        struct tm tm;
        utc_from_time(ts->tv_sec, &tm);
        snprintf(buf, RFC3339_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)ts->tv_nsec);
        return buf;
}

char *rfc3339_now(void)
{
        struct timespec ts;
        char buf[RFC3339_MAX];
        clock_gettime(CLOCK_REALTIME, &ts);
        return xstrdup(rfc3339_format(&ts, buf));
}
