/* tests/unit/unit.h - a small test framework.
 *
 *   TEST(parses_signal_names) { CHECK_INT_EQ(gt_signal_parse("KILL"), 9); }
 *
 * Each test runs in its own child process (a crash fails only that test).
 * The runner prints "ok - name", "not ok - name" or "skip - name: why",
 * then "N passed, N failed" (and the skipped count), and exits non-zero if
 * any failed.  Arguments select tests by substring. */
#ifndef GT_TESTS_UNIT_H
#define GT_TESTS_UNIT_H

#include <stdio.h>
#include <string.h>

typedef void (*unit_fn)(void);
void unit_register(const char *name, unit_fn fn, const char *file);
void unit_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Marks the running test skipped and ends it. */
void unit_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* A fresh temporary directory for this test, removed after it. */
const char *unit_tmpdir(void);

#define TEST(name) \
    static void test_##name(void); \
    __attribute__((constructor)) static void register_##name(void) \
    { \
        unit_register(#name, test_##name, __FILE__); \
    } \
    static void test_##name(void)

#define CHECK(cond) \
    do { \
        if (!(cond)) \
            unit_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
    } while (0)

#define REQUIRE(cond) \
    do { \
        if (!(cond)) { \
            unit_fail(__FILE__, __LINE__, "REQUIRE(%s)", #cond); \
            return; \
        } \
    } while (0)

#define CHECK_INT_EQ(a, b) \
    do { \
        long long _a = (long long)(a), _b = (long long)(b); \
        if (_a != _b) \
            unit_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, _a, #b, _b); \
    } while (0)

#define CHECK_STR_EQ(a, b) \
    do { \
        const char *_a = (a), *_b = (b); \
        if (!_a || !_b || strcmp(_a, _b) != 0) \
            unit_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, _a ? _a : "(null)", \
                      _b ? _b : "(null)"); \
    } while (0)

#define CHECK_STR_CONTAINS(hay, needle) \
    do { \
        const char *_h = (hay), *_n = (needle); \
        if (!_h || !strstr(_h, _n)) \
            unit_fail(__FILE__, __LINE__, "%s == \"%s\", expected to contain \"%s\"", #hay, \
                      _h ? _h : "(null)", _n); \
    } while (0)

#endif
