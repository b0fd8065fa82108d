/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Minimal unit-test helpers. Each test file defines test functions with TEST(name) and ends with
 * UNIT_MAIN(test_a, test_b, ...). Output is TAP, and the last line is "N passed, N failed".
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failed_checks;

#define TEST(name) static void name(void)

#define CHECK(cond)                                                                                          \
        do {                                                                                                 \
                if (!(cond)) {                                                                               \
                        fprintf(stderr, "# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);           \
                        unit_failed_checks++;                                                                \
                }                                                                                            \
        } while (0)

#define CHECK_STREQ(a, b)                                                                                    \
        do {                                                                                                 \
                const char *_a = (a), *_b = (b);                                                             \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                                     \
                        fprintf(stderr, "# %s:%d: \"%s\" != \"%s\" (%s vs %s)\n", __FILE__, __LINE__,        \
                                _a ? _a : "(null)", _b ? _b : "(null)", #a, #b);                             \
                        unit_failed_checks++;                                                                \
                }                                                                                            \
        } while (0)

#define CHECK_INTEQ(a, b)                                                                                    \
        do {                                                                                                 \
                long long _a = (long long)(a), _b = (long long)(b);                                          \
                if (_a != _b) {                                                                              \
                        fprintf(stderr, "# %s:%d: %lld != %lld (%s vs %s)\n", __FILE__, __LINE__, _a, _b,    \
                                #a, #b);                                                                     \
                        unit_failed_checks++;                                                                \
                }                                                                                            \
        } while (0)

/* The message contains needle. */
#define CHECK_CONTAINS(hay, needle)                                                                          \
        do {                                                                                                 \
                const char *_h = (hay), *_n = (needle);                                                      \
                if (!_h || !strstr(_h, _n)) {                                                                \
                        fprintf(stderr, "# %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,     \
                                _h ? _h : "(null)", _n);                                                     \
                        unit_failed_checks++;                                                                \
                }                                                                                            \
        } while (0)

typedef void (*unit_fn)(void);
struct unit_case {
        const char *name;
        unit_fn fn;
};

static inline int unit_run(const struct unit_case *cases, size_t n)
{
        int passed = 0, failed = 0;
        printf("1..%zu\n", n);
        for (size_t i = 0; i < n; i++) {
                int before = unit_failed_checks;
                cases[i].fn();
                if (unit_failed_checks == before) {
                        printf("ok %zu - %s\n", i + 1, cases[i].name);
                        passed++;
                } else {
                        printf("not ok %zu - %s\n", i + 1, cases[i].name);
                        failed++;
                }
        }
        printf("# %d passed, %d failed\n", passed, failed);
        return failed ? 1 : 0;
}

#define UNIT_CASE(f)                                                                                         \
        {                                                                                                    \
#f, f                                                                                        \
        }
#define UNIT_MAIN(...)                                                                                       \
        int main(void)                                                                                       \
        {                                                                                                    \
                static const struct unit_case cases[] = {__VA_ARGS__};                                       \
                return unit_run(cases, sizeof(cases) / sizeof(cases[0]));                                    \
        }
