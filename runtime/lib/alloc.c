/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "macro.h"

void *xmalloc0(size_t n)
{
        void *p = calloc(1, n ? n : 1);
        if (!p)
                abort();
        return p;
}

void *xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);
        if (!p)
                abort();
        return p;
}

void *xrealloc(void *p, size_t n)
{
        p = realloc(p, n ? n : 1);
        if (!p)
                abort();
        return p;
}

char *xstrdup(const char *s)
{
        if (!s)
                return NULL;
        char *r = strdup(s);
        if (!r)
                abort();
        return r;
}

char *xstrndup(const char *s, size_t n)
{
        char *r = strndup(s, n);
        if (!r)
                abort();
        return r;
}

char *xvasprintf(const char *fmt, va_list ap)
{
        char *r = NULL;
        if (vasprintf(&r, fmt, ap) < 0)
                abort();
        return r;
}

char *xasprintf(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *r = xvasprintf(fmt, ap);
        va_end(ap);
        return r;
}

char **strv_copy(char *const *v)
{
        size_t n = strv_length(v);
        char **r = xmalloc0((n + 1) * sizeof(char *));
        for (size_t i = 0; i < n; i++)
                r[i] = xstrdup(v[i]);
        return r;
}

char **strv_append(char **v, const char *s)
{
        size_t n = strv_length(v);
        v = xrealloc(v, (n + 2) * sizeof(char *));
        v[n] = xstrdup(s);
        v[n + 1] = NULL;
        return v;
}

bool strv_contains(char *const *v, const char *s)
{
        for (size_t i = 0; v && v[i]; i++)
                if (STREQ(v[i], s))
                        return true;
        return false;
}
