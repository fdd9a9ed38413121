/* tests/unit/oci_test.h - helpers shared by the test_oci_*.c suites. */
#ifndef GT_TESTS_OCI_TEST_H
#define GT_TESTS_OCI_TEST_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/mem.h"
#include "oci/cgroup.h"
#include "tests/unit/unit.h"

/* Parses a JSON literal of the test; aborts on a typo. */
static inline json_t *J(const char *s)
{
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    if (!j) {
        fprintf(stderr, "bad test JSON: %s: %s\n", je.text, s);
        abort();
    }
    return j;
}

/* A unique v1 cgroup path below the run's test parent (caller frees);
 * skips the test without one, without root, or on a host that is not
 * cgroup v1. */
static inline char *test_path(const char *name)
{
    const char *parent = getenv("GANTRY_TEST_CGROUP");
    if (!parent || !*parent)
        unit_skip("GANTRY_TEST_CGROUP is not set (tests/run.sh sets it)");
    if (geteuid() != 0)
        unit_skip("needs root for cgroups");
    unsetenv("GANTRY_CGROUP_ROOT");
    enum gt_cgroup_version v;
    if (gt_cgroup_detect(&v, NULL) < 0 || v != GT_CGROUP_V1)
        unit_skip("the host is not cgroup v1");
    return gt_xasprintf("/%s/%s-%d", parent, name, (int)getpid());
}

#endif
