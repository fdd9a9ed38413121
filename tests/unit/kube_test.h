/* tests/unit/kube_test.h - helpers shared by the test_kube_*.c suites. */
#ifndef GT_TESTS_KUBE_TEST_H
#define GT_TESTS_KUBE_TEST_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/unit/unit.h"

/* Parses a JSON literal of the test (any value); aborts the test on a typo. */
static inline json_t *J(const char *s)
{
    json_error_t je;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &je);
    if (!j) {
        fprintf(stderr, "bad test JSON: %s: %s\n", je.text, s);
        abort();
    }
    return j;
}

/* Compares a value with the expected JSON text, showing both on mismatch. */
#define CHECK_JSON(got, want_text) \
    do { \
        json_t *_w = J(want_text); \
        if (!(got) || !json_equal((got), _w)) { \
            char *_g = (got) ? json_dumps((got), JSON_COMPACT | JSON_ENCODE_ANY) : NULL; \
            unit_fail(__FILE__, __LINE__, "got %s, want %s", _g ? _g : "(null)", want_text); \
            free(_g); \
        } \
        json_decref(_w); \
    } while (0)

#endif
