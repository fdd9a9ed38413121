/* oci/cgroup_join.c: a freshly cloned process joins its cgroup itself (v1
 * "tasks", clone3 CLONE_INTO_CGROUP for the cgroup2 tree).  Real v1
 * hierarchies under $GANTRY_TEST_CGROUP. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"
#include "oci/cgroup.h"
#include "oci/container_internal.h"
#include "tests/unit/oci_test.h"
#include "tests/unit/unit.h"

/* Clones a child that joins cg (unless into_only) and writes its
 * /proc/self/cgroup to a pipe; returns what it wrote. */
static char *child_cgroups(struct gt_cgroup *cg, bool use_clone_fd, bool *into)
{
    int p[2];
    if (pipe(p) < 0)
        return NULL;
    int fd = use_clone_fd ? gt_cgroup_clone_fd(cg) : -1;
    int pidfd = -1;
    pid_t pid = gt_clone_pidfd(0, &pidfd, fd, into);
    if (pid == 0) {
        close(p[0]);
        struct gt_error err;
        if (gt_cgroup_join_self(cg, *into, &err) < 0) {
            dprintf(p[1], "error: %s", err.msg);
            _exit(1);
        }
        char *s = NULL;
        if (gt_read_file("/proc/self/cgroup", 0, &s, NULL, NULL) == 0)
            dprintf(p[1], "%s", s);
        _exit(0);
    }
    close(p[1]);
    if (fd >= 0)
        close(fd);
    char *out = gt_xcalloc(1, 8192);
    ssize_t n = gt_read_all(p[0], out, 8191);
    (void)n;
    close(p[0]);
    waitpid(pid, NULL, 0);
    if (pidfd >= 0)
        close(pidfd);
    return out;
}

TEST(a_cloned_child_joins_every_hierarchy_itself)
{
    cleanup_free char *path = test_path("join");
    struct gt_cgroup *cg;
    struct gt_error err;
    REQUIRE(gt_cgroup_create(path, NULL, 0, &cg, &err) == 0);
    bool into = false;
    cleanup_free char *out = child_cgroups(cg, false, &into);
    CHECK(!into);
    cleanup_free char *mem = gt_xasprintf(":memory:%s\n", path);
    cleanup_free char *pids = gt_xasprintf(":pids:%s\n", path);
    cleanup_free char *fr = gt_xasprintf(":freezer:%s\n", path);
    CHECK_STR_CONTAINS(out, mem);
    CHECK_STR_CONTAINS(out, pids);
    CHECK_STR_CONTAINS(out, fr);
    CHECK(gt_cgroup_destroy(cg, &err) == 0);
    gt_cgroup_free(cg);
}

TEST(clone_into_the_unified_tree_of_a_hybrid_host)
{
    cleanup_free char *path = test_path("into");
    if (!gt_path_exists("/sys/fs/cgroup/unified/cgroup.controllers"))
        unit_skip("no cgroup2 tree at /sys/fs/cgroup/unified");
    struct gt_cgroup *cg;
    struct gt_error err;
    REQUIRE(gt_cgroup_create(path, NULL, 0, &cg, &err) == 0);
    bool into = false;
    cleanup_free char *out = child_cgroups(cg, true, &into);
    CHECK(into);
    cleanup_free char *v2 = gt_xasprintf("0::%s\n", path);
    cleanup_free char *mem = gt_xasprintf(":memory:%s\n", path);
    CHECK_STR_CONTAINS(out, v2);
    CHECK_STR_CONTAINS(out, mem);
    CHECK(gt_cgroup_destroy(cg, &err) == 0);
    gt_cgroup_free(cg);
}

TEST(an_emulated_tree_has_no_clone_fd)
{
    const char *root = unit_tmpdir();
    cleanup_free char *ctl = gt_path_join(root, "cgroup.controllers");
    struct gt_error err;
    REQUIRE(gt_write_file(ctl, "memory pids\n", 12, 0644, &err) == 0);
    setenv("GANTRY_CGROUP_ROOT", root, 1);
    struct gt_cgroup *cg;
    if (gt_cgroup_create("/emu", NULL, 0, &cg, &err) < 0) {
        unsetenv("GANTRY_CGROUP_ROOT");
        unit_skip("the emulated tree was refused: %s", err.msg);
    }
    CHECK_INT_EQ(gt_cgroup_clone_fd(cg), -1);
    gt_cgroup_destroy(cg, &err);
    gt_cgroup_free(cg);
    unsetenv("GANTRY_CGROUP_ROOT");
}
