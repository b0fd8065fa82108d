/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers used everywhere: scope-based cleanup in the style of systemd's src/basic. */
#pragma once

#include <stdarg.h>

#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#define _cleanup_(f)    __attribute__((cleanup(f)))
#define _unused_        __attribute__((unused))
#define _printf_(a, b)  __attribute__((format(printf, a, b)))
#define _noreturn_      __attribute__((noreturn))
#define _must_check_    __attribute__((warn_unused_result))
#define STRINGIFY_(x)   #x
#define STRINGIFY(x)    STRINGIFY_(x)
#define ELEMENTSOF(x)   (sizeof(x) / sizeof((x)[0]))
#define STREQ(a, b)     (strcmp((a), (b)) == 0)
#define STRPTR_EQ(a, b) ((a) == (b) || ((a) && (b) && strcmp((a), (b)) == 0))
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

static inline void freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

/* A NULL-terminated vector of strings. */
static inline void strv_free(char **v)
{
        if (!v)
                return;
        for (char **i = v; *i; i++)
                free(*i);
        free(v);
}
static inline void strv_freep(char ***v)
{
        strv_free(*v);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

static inline size_t strv_length(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

/* Hand an owned pointer/fd over, leaving the cleanup variable empty. */
#define TAKE_PTR(p)                                                                                          \
        ({                                                                                                   \
                __typeof__(p) _p = (p);                                                                      \
                (p) = NULL;                                                                                  \
                _p;                                                                                          \
        })
#define TAKE_FD(fd)                                                                                          \
        ({                                                                                                   \
                int _fd = (fd);                                                                              \
                (fd) = -1;                                                                                   \
                _fd;                                                                                         \
        })

/* Abort on allocation failure: there is nothing sensible a runtime can do without memory. */
void *xmalloc(size_t n);
void *xmalloc0(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
char *xvasprintf(const char *fmt, va_list ap) _printf_(1, 0);
char **strv_copy(char *const *v);
/* Appends a copy of s; returns the (possibly moved) vector. */
char **strv_append(char **v, const char *s);
bool strv_contains(char *const *v, const char *s);

static inline bool startswith(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static inline bool endswith(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && STREQ(s + a - b, suffix);
}
