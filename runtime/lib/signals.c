/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Signal names and numbers, as `berth kill` and process.* accept them. */
#include <errno.h>
#include <signal.h>
#include <strings.h>

#include "macro.h"
#include "signals.h"

static const char *const signal_names[] = {
    [SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
    [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",     [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
    [SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
    [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM", [SIGSTKFLT] = "SIGSTKFLT",
    [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",     [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
    [SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU",     [SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU",
    [SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
    [SIGIO] = "SIGIO",     [SIGPWR] = "SIGPWR",       [SIGSYS] = "SIGSYS",
};

/* Other names for the same numbers (accepted, never printed). */
static const struct {
        const char *name;
        int sig;
} signal_aliases[] = {
    {"SIGIOT", SIGABRT},
    {"SIGPOLL", SIGIO},
    {"SIGCLD", SIGCHLD},
    {"SIGUNUSED", SIGSYS},
};

/* Parses a non-empty run of decimal digits (no sign, no trailing junk), bounded to keep it an int. */
static int parse_small_uint(const char *s)
{
        if (!s[0] || strlen(s) > 4)
                return -EINVAL;
        int v = 0;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (*p - '0');
        }
        return v;
}

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" (without SIG, any case). */
static int parse_realtime(const char *s)
{
        int base, sign;
        if (strncasecmp(s, "RTMIN", 5) == 0) {
                base = SIGRTMIN;
                sign = 1;
        } else if (strncasecmp(s, "RTMAX", 5) == 0) {
                base = SIGRTMAX;
                sign = -1;
        } else
                return -EINVAL;
        s += 5;
        if (!*s)
                return base;
        if (*s != (sign > 0 ? '+' : '-'))
                return -EINVAL;
        int n = parse_small_uint(s + 1);
        if (n < 0)
                return n;
        int sig = base + sign * n;
        if (sig < SIGRTMIN || sig > SIGRTMAX)
                return -EINVAL;
        return sig;
}

int signal_from_string(const char *s)
{
        if (!s || !*s)
                return -EINVAL;

        if (*s >= '0' && *s <= '9') {
                int n = parse_small_uint(s);
                if (n <= 0 || n > SIGRTMAX)
                        return -EINVAL;
                return n;
        }

        const char *bare = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
        if (!*bare)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(signal_names); i++)
                if (signal_names[i] && strcasecmp(signal_names[i] + 3, bare) == 0)
                        return (int)i;
        for (size_t i = 0; i < ELEMENTSOF(signal_aliases); i++)
                if (strcasecmp(signal_aliases[i].name + 3, bare) == 0)
                        return signal_aliases[i].sig;
        return parse_realtime(bare);
}

const char *signal_to_name(int sig)
{
        if (sig > 0 && (size_t)sig < ELEMENTSOF(signal_names) && signal_names[sig])
                return signal_names[sig];
        if (sig < SIGRTMIN || sig > SIGRTMAX)
                return NULL;

        /* Real-time signals: named relative to the nearer end, as kill -l prints them. */
        static char rt_names[64][24];
        size_t slot = (size_t)(sig - SIGRTMIN);
        if (slot >= ELEMENTSOF(rt_names))
                return NULL;
        char *buf = rt_names[slot];
        int from_min = sig - SIGRTMIN, to_max = SIGRTMAX - sig;
        if (from_min == 0)
                snprintf(buf, sizeof(rt_names[0]), "SIGRTMIN");
        else if (to_max == 0)
                snprintf(buf, sizeof(rt_names[0]), "SIGRTMAX");
        else if (from_min <= to_max)
                snprintf(buf, sizeof(rt_names[0]), "SIGRTMIN+%d", from_min);
        else
                snprintf(buf, sizeof(rt_names[0]), "SIGRTMAX-%d", to_max);
        return buf;
}
