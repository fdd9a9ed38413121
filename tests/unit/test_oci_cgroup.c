/* oci/cgroup: v1 for real under $GANTRY_TEST_CGROUP, v2 against a prepared
 * tree ($GANTRY_CGROUP_ROOT) and, where the host has one, the real unified
 * hierarchy. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "oci/cgroup.h"
#include "oci/cgroup_internal.h"
#include "tests/unit/oci_test.h"
#include "tests/unit/unit.h"

#define V1ROOT "/sys/fs/cgroup"

static char *v1_file(const char *ctrl, const char *path, const char *file)
{
    return gt_xasprintf(V1ROOT "/%s%s/%s", ctrl, path, file);
}

static char *read_trim(const char *path)
{
    char *s = NULL;
    if (gt_read_file(path, 0, &s, NULL, NULL) < 0)
        return gt_xstrdup("(unreadable)");
    s[strcspn(s, "\n")] = '\0';
    return s;
}

#define CHECK_FILE(ctrl, path, file, want) \
    do { \
        cleanup_free char *_p = v1_file(ctrl, path, file); \
        cleanup_free char *_v = read_trim(_p); \
        CHECK_STR_EQ(_v, want); \
    } while (0)

static bool v1_has(const char *ctrl)
{
    cleanup_free char *p = gt_xasprintf(V1ROOT "/%s/cgroup.procs", ctrl);
    return access(p, F_OK) == 0;
}

/* No directory of path left in any hierarchy. */
static void check_gone(const char *path)
{
    cleanup_dir DIR *d = opendir(V1ROOT);
    REQUIRE(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        cleanup_free char *p = gt_xasprintf(V1ROOT "/%s%s", de->d_name, path);
        if (gt_path_exists(p))
            unit_fail(__FILE__, __LINE__, "%s still exists", p);
    }
}

/* A child that waits for a byte on a pipe, then runs fn and exits with its
 * result: it is in its cgroup before it does anything. */
struct child {
    pid_t pid;
    int go;
};

static struct child spawn(int (*fn)(void *), void *arg)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        abort();
    pid_t pid = fork();
    if (pid == 0) {
        close(p[1]);
        char c;
        if (read(p[0], &c, 1) != 1)
            _exit(100);
        _exit(fn(arg));
    }
    close(p[0]);
    return (struct child){ pid, p[1] };
}

static void go(struct child *c)
{
    if (write(c->go, "x", 1) != 1)
        abort();
    close(c->go);
    c->go = -1;
}

static int wait_status(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return st;
}

static __attribute__((noreturn)) int sleeper(void *arg)
{
    for (;;)
        pause();
}

static __attribute__((noreturn)) int spinner(void *arg)
{
    for (volatile unsigned long i = 0;; i++)
        ;
}

/* utime+stime of a process, in clock ticks */
static unsigned long long cpu_ticks(pid_t pid)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    cleanup_free char *s = NULL;
    if (gt_read_file(p, 0, &s, NULL, NULL) < 0)
        return 0;
    char *c = strrchr(s, ')');
    unsigned long long ut = 0, st = 0;
    /* fields after ")": state(3) ... utime(14) stime(15) */
    sscanf(c + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st);
    return ut + st;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

/* ---------------- paths and validation (no system needed) ---------------- */

TEST(cgroup_default_path_is_under_gantry)
{
    cleanup_free char *a = gt_cgroup_default_path(NULL, "abc");
    CHECK_STR_EQ(a, "/gantry/abc");
    cleanup_free char *b = gt_cgroup_default_path("", "abc");
    CHECK_STR_EQ(b, "/gantry/abc");
    cleanup_free char *c = gt_cgroup_default_path("pods/x", "abc");
    CHECK_STR_EQ(c, "/gantry/pods/x");
    cleanup_free char *d = gt_cgroup_default_path("/a/./b//c/", "abc");
    CHECK_STR_EQ(d, "/a/b/c");
    cleanup_free char *e = gt_cgroup_default_path("/a/../../../etc", "abc");
    CHECK_STR_EQ(e, "/etc");
    cleanup_free char *f = gt_cgroup_default_path("../../x", "abc");
    CHECK_STR_EQ(f, "/x");
    cleanup_free char *g = gt_cgroup_default_path("system.slice:gantry:abc", "abc");
    CHECK_STR_EQ(g, "system.slice:gantry:abc");
}

TEST(cgroup_refuses_systemd_and_root_paths)
{
    struct gt_error err;
    struct gt_cgroup *cg = NULL;
    CHECK(gt_cgroup_create("system.slice:gantry:abc", NULL, 0, &cg, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "systemd");
    CHECK(gt_cgroup_create("/a/..", NULL, 0, &cg, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "root cgroup");
    CHECK(gt_cgroup_create("rel/path", NULL, 0, &cg, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "not absolute");
    CHECK(cg == NULL);
}

static void expect_invalid(const char *res, const char *msg)
{
    struct gt_error err;
    cleanup_json json_t *j = J(res);
    gt_err_clear(&err);
    if (gt_cgroup_validate(j, &err) == 0) {
        unit_fail(__FILE__, __LINE__, "accepted %s", res);
        return;
    }
    if (!strstr(err.msg, msg))
        unit_fail(__FILE__, __LINE__, "%s: message \"%s\" lacks \"%s\"", res, err.msg, msg);
}

TEST(cgroup_validation_names_fields)
{
    struct gt_error err;
    cleanup_json json_t *good = J(
        "{\"memory\":{\"limit\":67108864,\"reservation\":-1,\"swap\":-1,\"swappiness\":-1,"
        "\"disableOOMKiller\":false},\"cpu\":{\"shares\":1024,\"quota\":-1,\"period\":100000,"
        "\"cpus\":\"0-1\",\"mems\":\"0\",\"idle\":0},\"pids\":{\"limit\":-1},"
        "\"blockIO\":{\"weight\":500,\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
        "\"rate\":1048576}]},\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":0}],"
        "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
        "\"major\":1,\"minor\":3,\"access\":\"rw\"}],\"network\":{\"classID\":1048577,"
        "\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]},\"rdma\":{\"mlx5_1\":"
        "{\"hcaHandles\":3}},\"unified\":{\"memory.high\":\"max\"},\"somethingNew\":{}}");
    CHECK_INT_EQ(gt_cgroup_validate(good, &err), 0);
    CHECK_INT_EQ(gt_cgroup_validate(NULL, &err), 0);
    expect_invalid("{\"memory\":{\"limit\":\"1g\"}}",
                   "linux.resources.memory.limit: expected an integer, got string");
    expect_invalid("{\"memory\":{\"limit\":-5}}", "linux.resources.memory.limit: -5 is negative");
    expect_invalid("{\"memory\":{\"limit\":1000000,\"swap\":1000}}",
                   "linux.resources.memory.swap: 1000 is below memory.limit");
    expect_invalid("{\"memory\":{\"swappiness\":101}}", "linux.resources.memory.swappiness");
    expect_invalid("{\"cpu\":{\"shares\":1}}", "linux.resources.cpu.shares: 1 is out of range");
    expect_invalid("{\"cpu\":{\"quota\":10}}", "linux.resources.cpu.quota: 10 is below");
    expect_invalid("{\"cpu\":{\"period\":10}}", "linux.resources.cpu.period");
    expect_invalid("{\"cpu\":{\"cpus\":\"0-\"}}", "linux.resources.cpu.cpus: \"0-\"");
    expect_invalid("{\"cpu\":{\"idle\":2}}", "linux.resources.cpu.idle");
    expect_invalid("{\"pids\":{\"limit\":-2}}", "linux.resources.pids.limit");
    expect_invalid("{\"blockIO\":{\"weight\":5}}", "linux.resources.blockIO.weight");
    expect_invalid("{\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"major\":8,\"rate\":1}]}}",
                   "linux.resources.blockIO.throttleWriteIOPSDevice[0].minor: required");
    expect_invalid("{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0}]}}",
                   "linux.resources.blockIO.weightDevice[0]: neither weight");
    expect_invalid("{\"hugepageLimits\":[{\"pageSize\":\"2M\",\"limit\":1}]}",
                   "linux.resources.hugepageLimits[0].pageSize: \"2M\"");
    expect_invalid("{\"devices\":[{\"allow\":true},{\"allow\":true,\"type\":\"x\"}]}",
                   "linux.resources.devices[1].type: \"x\"");
    expect_invalid("{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}",
                   "linux.resources.devices[0].access");
    expect_invalid("{\"devices\":[{\"type\":\"c\"}]}",
                   "linux.resources.devices[0].allow: required field is missing");
    expect_invalid("{\"network\":{\"priorities\":[{\"name\":\"a/b\",\"priority\":1}]}}",
                   "linux.resources.network.priorities[0].name");
    expect_invalid("{\"unified\":{\"../memory.max\":\"1\"}}", "linux.resources.unified");
    expect_invalid("{\"unified\":{\"cgroup.procs\":\"1\"}}", "linux.resources.unified.cgroup.procs");
    expect_invalid("{\"unified\":{\"memory.max\":5}}", "linux.resources.unified.memory.max");
    expect_invalid("[1]", "linux.resources: expected an object");
}

TEST(cgroup_v2_conversions)
{
    CHECK_INT_EQ(gt_cg_shares_to_weight(2), 1);
    CHECK_INT_EQ(gt_cg_shares_to_weight(1024), 39);
    CHECK_INT_EQ(gt_cg_shares_to_weight(262144), 10000);
    CHECK_INT_EQ(gt_cg_blkio_to_io_weight(10), 1);
    CHECK_INT_EQ(gt_cg_blkio_to_io_weight(500), 4950);
    CHECK_INT_EQ(gt_cg_blkio_to_io_weight(1000), 10000);
}

/* ---------------- cgroup v1, for real ---------------- */

TEST(cgroup_v1_create_applies_resources_and_destroy_removes)
{
    cleanup_free char *path = test_path("apply");
    struct gt_error err;
    cleanup_json json_t *res = J(
        "{\"memory\":{\"limit\":67108864,\"reservation\":33554432,\"swap\":134217728,"
        "\"swappiness\":10},\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,"
        "\"cpus\":\"0\",\"mems\":\"0\"},\"pids\":{\"limit\":50},"
        "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
        "\"major\":1,\"minor\":3,\"access\":\"rw\"},{\"allow\":true,\"type\":\"c\","
        "\"major\":136,\"access\":\"rwm\"}]}");
    struct gt_cgroup *cg = NULL;
    int r = gt_cgroup_create(path, res, 0, &cg, &err);
    if (r < 0)
        unit_fail(__FILE__, __LINE__, "create: %s", err.msg);
    REQUIRE(r == 0);
    CHECK_INT_EQ(gt_cgroup_version(cg), GT_CGROUP_V1);
    CHECK_STR_EQ(gt_cgroup_path(cg), path);
    CHECK_FILE("memory", path, "memory.limit_in_bytes", "67108864");
    CHECK_FILE("memory", path, "memory.soft_limit_in_bytes", "33554432");
    if (v1_has("memory") && gt_path_exists(V1ROOT "/memory/memory.memsw.limit_in_bytes"))
        CHECK_FILE("memory", path, "memory.memsw.limit_in_bytes", "134217728");
    CHECK_FILE("memory", path, "memory.swappiness", "10");
    CHECK_FILE("cpu", path, "cpu.shares", "512");
    CHECK_FILE("cpu", path, "cpu.cfs_quota_us", "50000");
    CHECK_FILE("cpu", path, "cpu.cfs_period_us", "100000");
    CHECK_FILE("cpuset", path, "cpuset.cpus", "0");
    CHECK_FILE("cpuset", path, "cpuset.mems", "0");
    CHECK_FILE("pids", path, "pids.max", "50");
    {
        cleanup_free char *p = v1_file("devices", path, "devices.list");
        cleanup_free char *s = NULL;
        REQUIRE(gt_read_file(p, 0, &s, NULL, NULL) == 0);
        CHECK_STR_EQ(s, "c 1:3 rw\nc 136:* rwm\n");
    }
    /* the intermediate parent got a cpuset too (else nothing could join) */
    {
        cleanup_free char *parent = gt_xasprintf(V1ROOT "/cpuset/%s/cpuset.cpus",
                                                 getenv("GANTRY_TEST_CGROUP"));
        cleanup_free char *v = read_trim(parent);
        CHECK(v[0] != '\0');
    }
    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    check_gone(path);
    /* destroying again is fine */
    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    gt_cgroup_free(cg);
}

TEST(cgroup_v1_process_joins_every_hierarchy)
{
    cleanup_free char *path = test_path("join");
    struct gt_error err;
    struct child c = spawn(sleeper, NULL);
    struct gt_cgroup *cg = NULL;
    int r = gt_cgroup_create(path, NULL, c.pid, &cg, &err);
    if (r < 0)
        unit_fail(__FILE__, __LINE__, "create: %s", err.msg);
    if (r == 0) {
        char p[64];
        snprintf(p, sizeof p, "/proc/%d/cgroup", (int)c.pid);
        cleanup_free char *s = NULL;
        REQUIRE(gt_read_file(p, 0, &s, NULL, NULL) == 0);
        /* every line: "N:<controllers>:<path>" */
        for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
            char *cgpath = strchr(strchr(line, ':') + 1, ':') + 1;
            bool unified = strncmp(line, "0::", 3) == 0;
            if (unified && !gt_path_exists(V1ROOT "/unified/cgroup.controllers"))
                continue;
            if (strcmp(cgpath, path) != 0)
                unit_fail(__FILE__, __LINE__, "%s: not in %s", line, path);
        }
        pid_t *pids = NULL;
        size_t n = 0;
        CHECK_INT_EQ(gt_cgroup_pids(cg, &pids, &n, &err), 0);
        CHECK_INT_EQ(n, 1);
        if (n == 1)
            CHECK_INT_EQ(pids[0], c.pid);
        free(pids);
    }
    kill(c.pid, SIGKILL);
    wait_status(c.pid);
    if (cg) {
        CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
        check_gone(path);
        if (gt_path_exists(V1ROOT "/unified/cgroup.controllers")) {
            cleanup_free char *u = gt_xasprintf(V1ROOT "/unified%s", path);
            CHECK(!gt_path_exists(u));
        }
    }
    gt_cgroup_free(cg);
}

static int hog(void *arg)
{
    size_t total = (size_t)arg;
    char *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 2;
    for (size_t i = 0; i < total; i += 4096)
        p[i] = 1;
    return 0; /* survived: the limit did not hold */
}

TEST(cgroup_v1_memory_limit_holds_and_oom_is_counted)
{
    cleanup_free char *path = test_path("oom");
    if (!v1_has("memory"))
        unit_skip("no v1 memory hierarchy");
    struct gt_error err;
    bool memsw = gt_path_exists(V1ROOT "/memory/memory.memsw.limit_in_bytes");
    cleanup_json json_t *res = J(memsw ? "{\"memory\":{\"limit\":33554432,\"swap\":33554432}}"
                                       : "{\"memory\":{\"limit\":33554432}}");
    struct child c = spawn(hog, (void *)(size_t)(128 << 20));
    struct gt_cgroup *cg = NULL;
    int r = gt_cgroup_create(path, res, c.pid, &cg, &err);
    if (r < 0) {
        unit_fail(__FILE__, __LINE__, "create: %s", err.msg);
        kill(c.pid, SIGKILL);
        wait_status(c.pid);
        return;
    }
    uint64_t before = 99;
    CHECK_INT_EQ(gt_cgroup_oom_kills(cg, &before, &err), 0);
    CHECK_INT_EQ(before, 0);
    go(&c);
    int st = wait_status(c.pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    uint64_t kills = 0;
    CHECK_INT_EQ(gt_cgroup_oom_kills(cg, &kills, &err), 0);
    CHECK(kills >= 1);
    cleanup_json json_t *stats = NULL;
    CHECK_INT_EQ(gt_cgroup_stats(cg, &stats, &err), 0);
    json_t *m = json_object_get(stats, "memory");
    CHECK(json_integer_value(json_object_get(m, "oomKills")) >= 1);
    json_t *usage = json_object_get(m, "usage");
    CHECK_INT_EQ(json_integer_value(json_object_get(usage, "limit")), 33554432);
    CHECK(json_integer_value(json_object_get(usage, "max")) <= 33554432);
    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    check_gone(path);
    gt_cgroup_free(cg);
}

/* Forks until the kernel refuses; children sleep.  Exits with the number
 * of forks that succeeded (bounded at 60), or 200 if none failed. */
static int fork_bomb(void *arg)
{
    int n = 0;
    for (int i = 0; i < 60; i++) {
        pid_t p = fork();
        if (p == 0) {
            for (;;)
                pause();
        }
        if (p < 0)
            return errno == EAGAIN ? n : 201;
        n++;
    }
    return 200;
}

TEST(cgroup_v1_pids_limit_stops_a_fork_bomb)
{
    cleanup_free char *path = test_path("pids");
    if (!v1_has("pids"))
        unit_skip("no v1 pids hierarchy");
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    struct gt_error err;
    cleanup_json json_t *res = J("{\"pids\":{\"limit\":8}}");
    struct child c = spawn(fork_bomb, NULL);
    struct gt_cgroup *cg = NULL;
    int r = gt_cgroup_create(path, res, c.pid, &cg, &err);
    if (r < 0) {
        unit_fail(__FILE__, __LINE__, "create: %s", err.msg);
        kill(c.pid, SIGKILL);
        wait_status(c.pid);
        return;
    }
    go(&c);
    int st = wait_status(c.pid);
    REQUIRE(WIFEXITED(st));
    /* the bomber itself is one of the 8 */
    CHECK_INT_EQ(WEXITSTATUS(st), 7);
    pid_t *pids = NULL;
    size_t n = 0;
    CHECK_INT_EQ(gt_cgroup_pids(cg, &pids, &n, &err), 0);
    CHECK_INT_EQ(n, 7);
    free(pids);
    CHECK_INT_EQ(gt_cgroup_kill_all(cg, SIGKILL, &err), 0);
    /* the orphans came to us (subreaper): reap them all */
    while (waitpid(-1, NULL, 0) > 0)
        ;
    CHECK_INT_EQ(gt_cgroup_pids(cg, &pids, &n, &err), 0);
    CHECK_INT_EQ(n, 0);
    free(pids);
    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    check_gone(path);
    gt_cgroup_free(cg);
}

TEST(cgroup_v1_freeze_stops_a_running_child_and_thaw_resumes)
{
    cleanup_free char *path = test_path("freeze");
    if (!v1_has("freezer"))
        unit_skip("no v1 freezer hierarchy");
    struct gt_error err;
    struct child c = spawn(spinner, NULL);
    struct gt_cgroup *cg = NULL;
    int r = gt_cgroup_create(path, NULL, c.pid, &cg, &err);
    if (r < 0) {
        unit_fail(__FILE__, __LINE__, "create: %s", err.msg);
        kill(c.pid, SIGKILL);
        wait_status(c.pid);
        return;
    }
    go(&c);
    sleep_ms(100);
    bool frozen = true;
    CHECK_INT_EQ(gt_cgroup_is_frozen(cg, &frozen, &err), 0);
    CHECK(!frozen);
    CHECK_INT_EQ(gt_cgroup_freeze(cg, true, &err), 0);
    CHECK_FILE("freezer", path, "freezer.state", "FROZEN");
    CHECK_INT_EQ(gt_cgroup_is_frozen(cg, &frozen, &err), 0);
    CHECK(frozen);
    unsigned long long t0 = cpu_ticks(c.pid);
    sleep_ms(300);
    unsigned long long t1 = cpu_ticks(c.pid);
    CHECK_INT_EQ(t1, t0); /* no CPU time while frozen */
    CHECK_INT_EQ(gt_cgroup_freeze(cg, false, &err), 0);
    CHECK_FILE("freezer", path, "freezer.state", "THAWED");
    sleep_ms(300);
    CHECK(cpu_ticks(c.pid) > t1);
    /* kill --all on a frozen cgroup still kills */
    CHECK_INT_EQ(gt_cgroup_freeze(cg, true, &err), 0);
    CHECK_INT_EQ(gt_cgroup_kill_all(cg, SIGKILL, &err), 0);
    int st = wait_status(c.pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    check_gone(path);
    gt_cgroup_free(cg);
}

TEST(cgroup_v1_kill_all_signals_every_process_and_pids_are_sorted)
{
    cleanup_free char *path = test_path("killall");
    struct gt_error err;
    struct child kids[3];
    struct gt_cgroup *cg = NULL;
    for (int i = 0; i < 3; i++) {
        kids[i] = spawn(sleeper, NULL);
        int r = i == 0 ? gt_cgroup_create(path, NULL, kids[i].pid, &cg, &err)
                       : gt_cgroup_add_pid(cg, kids[i].pid, &err);
        if (r < 0)
            unit_fail(__FILE__, __LINE__, "join: %s", err.msg);
    }
    REQUIRE(cg);
    pid_t *pids = NULL;
    size_t n = 0;
    CHECK_INT_EQ(gt_cgroup_pids(cg, &pids, &n, &err), 0);
    CHECK_INT_EQ(n, 3);
    for (size_t i = 1; i < n; i++)
        CHECK(pids[i - 1] < pids[i]);
    free(pids);
    CHECK(gt_cgroup_add_pid(cg, 0, &err) < 0);
    CHECK_INT_EQ(gt_cgroup_kill_all(cg, SIGTERM, &err), 0);
    for (int i = 0; i < 3; i++) {
        int st = wait_status(kids[i].pid);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    }
    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    check_gone(path);
    gt_cgroup_free(cg);
}

TEST(cgroup_v1_stats_have_runc_shape)
{
    cleanup_free char *path = test_path("stats");
    struct gt_error err;
    cleanup_json json_t *res = J("{\"pids\":{\"limit\":20},\"memory\":{\"limit\":104857600}}");
    struct child c = spawn(sleeper, NULL);
    struct gt_cgroup *cg = NULL;
    int r = gt_cgroup_create(path, res, c.pid, &cg, &err);
    if (r < 0)
        unit_fail(__FILE__, __LINE__, "create: %s", err.msg);
    if (r == 0) {
        cleanup_json json_t *s = NULL;
        CHECK_INT_EQ(gt_cgroup_stats(cg, &s, &err), 0);
        json_t *pids = json_object_get(s, "pids");
        CHECK_INT_EQ(json_integer_value(json_object_get(pids, "current")), 1);
        CHECK_INT_EQ(json_integer_value(json_object_get(pids, "limit")), 20);
        json_t *cpu = json_object_get(s, "cpu");
        CHECK(json_is_integer(json_object_get(json_object_get(cpu, "usage"), "total")));
        CHECK(json_is_array(json_object_get(json_object_get(cpu, "usage"), "percpu")));
        CHECK(json_is_object(json_object_get(cpu, "throttling")));
        json_t *mem = json_object_get(s, "memory");
        CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(mem, "usage"), "limit")),
                     104857600);
        CHECK(json_is_object(json_object_get(mem, "raw")));
        CHECK_INT_EQ(json_integer_value(json_object_get(mem, "oomKills")), 0);
        CHECK(json_is_object(json_object_get(s, "blkio")));
    }
    kill(c.pid, SIGKILL);
    wait_status(c.pid);
    if (cg) {
        CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
        cleanup_json json_t *s = NULL;
        CHECK(gt_cgroup_stats(cg, &s, &err) < 0);
        CHECK_STR_CONTAINS(err.msg, "does not exist");
    }
    gt_cgroup_free(cg);
}

TEST(cgroup_v1_failed_create_leaves_nothing)
{
    cleanup_free char *base = test_path("fail");
    /* a fresh intermediate directory, to see that it goes too */
    cleanup_free char *path = gt_xasprintf("%s/inner", base);
    struct gt_error err;
    struct gt_cgroup *cg = NULL;
    /* the kernel refuses a CPU that does not exist */
    cleanup_json json_t *bad = J("{\"pids\":{\"limit\":10},\"cpu\":{\"cpus\":\"4000\"}}");
    gt_err_clear(&err);
    CHECK(gt_cgroup_create(path, bad, 0, &cg, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "linux.resources.cpu.cpus");
    CHECK(cg == NULL);
    check_gone(path);
    check_gone(base);
    /* invalid before anything is made */
    cleanup_json json_t *bad2 = J("{\"memory\":{\"limit\":\"lots\"}}");
    CHECK(gt_cgroup_create(path, bad2, 0, &cg, &err) < 0);
    CHECK_STR_EQ(err.msg, "linux.resources.memory.limit: expected an integer, got string");
    check_gone(base);
    /* a controller the host lacks is an error only when asked for */
    if (!v1_has("net_cls")) {
        cleanup_json json_t *net = J("{\"network\":{\"classID\":1048577}}");
        CHECK(gt_cgroup_create(path, net, 0, &cg, &err) < 0);
        CHECK_STR_CONTAINS(err.msg, "linux.resources.network.classID: the net_cls controller is "
                                    "not mounted");
        check_gone(base);
    }
    if (!v1_has("hugetlb")) {
        cleanup_json json_t *h = J("{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":0}]}");
        CHECK(gt_cgroup_create(path, h, 0, &cg, &err) < 0);
        CHECK_STR_CONTAINS(err.msg, "linux.resources.hugepageLimits: the hugetlb controller");
        check_gone(base);
    }
    cleanup_json json_t *unified = J("{\"unified\":{\"memory.high\":\"1\"}}");
    CHECK(gt_cgroup_create(path, unified, 0, &cg, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "linux.resources.unified: needs cgroup v2");
    check_gone(base);
}

TEST(cgroup_v1_update_changes_only_given_values)
{
    cleanup_free char *path = test_path("update");
    struct gt_error err;
    cleanup_json json_t *res = J("{\"pids\":{\"limit\":30},\"cpu\":{\"shares\":256}}");
    struct gt_cgroup *cg = NULL;
    int r = gt_cgroup_create(path, res, 0, &cg, &err);
    if (r < 0)
        unit_fail(__FILE__, __LINE__, "create: %s", err.msg);
    REQUIRE(r == 0);
    cleanup_json json_t *up = J("{\"pids\":{\"limit\":-1},\"memory\":{\"limit\":52428800}}");
    CHECK_INT_EQ(gt_cgroup_update(cg, up, &err), 0);
    CHECK_FILE("pids", path, "pids.max", "max");
    CHECK_FILE("cpu", path, "cpu.shares", "256");
    CHECK_FILE("memory", path, "memory.limit_in_bytes", "52428800");
    /* raising memory past memsw works: memsw moves first */
    if (gt_path_exists(V1ROOT "/memory/memory.memsw.limit_in_bytes")) {
        cleanup_json json_t *sw = J("{\"memory\":{\"limit\":20971520,\"swap\":20971520}}");
        CHECK_INT_EQ(gt_cgroup_update(cg, sw, &err), 0);
        cleanup_json json_t *up2 = J("{\"memory\":{\"limit\":41943040,\"swap\":62914560}}");
        if (gt_cgroup_update(cg, up2, &err) < 0)
            unit_fail(__FILE__, __LINE__, "update: %s", err.msg);
        CHECK_FILE("memory", path, "memory.limit_in_bytes", "41943040");
        CHECK_FILE("memory", path, "memory.memsw.limit_in_bytes", "62914560");
        cleanup_json json_t *down = J("{\"memory\":{\"limit\":10485760,\"swap\":10485760}}");
        if (gt_cgroup_update(cg, down, &err) < 0)
            unit_fail(__FILE__, __LINE__, "update: %s", err.msg);
        CHECK_FILE("memory", path, "memory.memsw.limit_in_bytes", "10485760");
        cleanup_json json_t *unl = J("{\"memory\":{\"limit\":-1}}");
        CHECK_INT_EQ(gt_cgroup_update(cg, unl, &err), 0);
        CHECK_FILE("memory", path, "memory.limit_in_bytes", "9223372036854771712");
    }
    /* a bad update names the field and leaves the old value */
    cleanup_json json_t *bad = J("{\"cpu\":{\"shares\":\"many\"}}");
    CHECK(gt_cgroup_update(cg, bad, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "linux.resources.cpu.shares");
    CHECK_FILE("cpu", path, "cpu.shares", "256");
    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    gt_cgroup_free(cg);
    check_gone(path);
}

TEST(cgroup_v1_check_before_update_refuses_a_limit_below_usage)
{
    cleanup_free char *path = test_path("cbu");
    if (!v1_has("memory"))
        unit_skip("no v1 memory hierarchy");
    struct gt_error err;
    struct child c = spawn(hog, (void *)(size_t)(8 << 20));
    struct gt_cgroup *cg = NULL;
    int r = gt_cgroup_create(path, NULL, c.pid, &cg, &err);
    REQUIRE(r == 0);
    /* let it touch 8 MiB, then stop it so that the usage stays */
    go(&c);
    wait_status(c.pid);
    /* page cache and the exited child's memory may be gone; use a live one */
    struct child c2 = spawn(sleeper, NULL);
    REQUIRE(gt_cgroup_add_pid(cg, c2.pid, &err) == 0);
    uint64_t usage = 0;
    cleanup_free char *up = v1_file("memory", path, "memory.usage_in_bytes");
    cleanup_free char *us = read_trim(up);
    usage = strtoull(us, NULL, 10);
    if (usage < 8192) {
        kill(c2.pid, SIGKILL);
        wait_status(c2.pid);
        gt_cgroup_destroy(cg, NULL);
        gt_cgroup_free(cg);
        unit_skip("usage too small to test (%" PRIu64 ")", usage);
    }
    cleanup_json json_t *low =
        J("{\"memory\":{\"limit\":4096,\"checkBeforeUpdate\":true}}");
    CHECK(gt_cgroup_update(cg, low, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "below the current usage");
    kill(c2.pid, SIGKILL);
    wait_status(c2.pid);
    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    gt_cgroup_free(cg);
    check_gone(path);
}

/* major:minor of a block device of this machine, or false */
static bool some_block_device(unsigned *maj, unsigned *min)
{
    cleanup_dir DIR *d = opendir("/sys/block");
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.' || strncmp(de->d_name, "loop", 4) == 0 ||
            strncmp(de->d_name, "ram", 3) == 0)
            continue;
        cleanup_free char *p = gt_xasprintf("/sys/block/%s/dev", de->d_name);
        cleanup_free char *s = read_trim(p);
        if (sscanf(s, "%u:%u", maj, min) == 2)
            return true;
    }
    return false;
}

TEST(cgroup_v1_blkio_throttle_is_written)
{
    cleanup_free char *path = test_path("blkio");
    if (!v1_has("blkio"))
        unit_skip("no v1 blkio hierarchy");
    unsigned maj, min;
    if (!some_block_device(&maj, &min))
        unit_skip("no block device");
    char doc[256];
    snprintf(doc, sizeof doc,
             "{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":%u,\"minor\":%u,\"rate\":"
             "1048576}],\"throttleWriteIOPSDevice\":[{\"major\":%u,\"minor\":%u,\"rate\":100}]}}",
             maj, min, maj, min);
    cleanup_json json_t *res = J(doc);
    struct gt_error err;
    struct gt_cgroup *cg = NULL;
    int r = gt_cgroup_create(path, res, 0, &cg, &err);
    if (r < 0)
        unit_fail(__FILE__, __LINE__, "create: %s", err.msg);
    REQUIRE(r == 0);
    char want[64];
    snprintf(want, sizeof want, "%u:%u 1048576", maj, min);
    CHECK_FILE("blkio", path, "blkio.throttle.read_bps_device", want);
    snprintf(want, sizeof want, "%u:%u 100", maj, min);
    CHECK_FILE("blkio", path, "blkio.throttle.write_iops_device", want);
    /* a weight needs CFQ (blkio.weight) or BFQ (blkio.bfq.weight, only in
     * non-root cgroups); without either the message says so */
    cleanup_json json_t *w = J("{\"blockIO\":{\"weight\":100}}");
    cleanup_free char *cfq = v1_file("blkio", path, "blkio.weight");
    cleanup_free char *bfq = v1_file("blkio", path, "blkio.bfq.weight");
    if (gt_path_exists(cfq) || gt_path_exists(bfq)) {
        if (gt_cgroup_update(cg, w, &err) < 0)
            unit_fail(__FILE__, __LINE__, "update: %s", err.msg);
        cleanup_free char *v = read_trim(gt_path_exists(cfq) ? cfq : bfq);
        CHECK_STR_CONTAINS(v, "100");
    } else {
        CHECK(gt_cgroup_update(cg, w, &err) < 0);
        CHECK_STR_CONTAINS(err.msg, "linux.resources.blockIO.weight: ");
        CHECK_STR_CONTAINS(err.msg, "not available");
    }
    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    gt_cgroup_free(cg);
    check_gone(path);
}

TEST(cgroup_v1_open_finds_an_existing_cgroup)
{
    cleanup_free char *path = test_path("open");
    struct gt_error err;
    struct child c = spawn(sleeper, NULL);
    struct gt_cgroup *cg = NULL, *again = NULL;
    REQUIRE(gt_cgroup_create(path, NULL, c.pid, &cg, &err) == 0);
    CHECK_INT_EQ(gt_cgroup_open(path, &again, &err), 0);
    if (again) {
        pid_t *pids = NULL;
        size_t n = 0;
        CHECK_INT_EQ(gt_cgroup_pids(again, &pids, &n, &err), 0);
        CHECK_INT_EQ(n, 1);
        free(pids);
        kill(c.pid, SIGKILL);
        wait_status(c.pid);
        CHECK_INT_EQ(gt_cgroup_destroy(again, &err), 0);
    }
    check_gone(path);
    gt_cgroup_free(again);
    gt_cgroup_free(cg);
}

/* ---------------- cgroup v2 against a prepared tree ---------------- */

/* <tmp>/root laid out like the top of a cgroup2 mount */
static char *v2_tree(const char *controllers)
{
    char *root = gt_path_join(unit_tmpdir(), "root");
    if (gt_mkdir_p(root, 0755, NULL) < 0)
        abort();
    cleanup_free char *c = gt_path_join(root, "cgroup.controllers");
    cleanup_free char *s = gt_path_join(root, "cgroup.subtree_control");
    if (gt_write_file(c, controllers, strlen(controllers), 0644, NULL) < 0 ||
        gt_write_file(s, "", 0, 0644, NULL) < 0)
        abort();
    setenv("GANTRY_CGROUP_ROOT", root, 1);
    return root;
}

static char *v2_read(const char *root, const char *rel)
{
    cleanup_free char *p = gt_xasprintf("%s/%s", root, rel);
    return read_trim(p);
}

#define CHECK_V2(root, rel, want) \
    do { \
        cleanup_free char *_v = v2_read(root, rel); \
        CHECK_STR_EQ(_v, want); \
    } while (0)

static void v2_put(const char *root, const char *rel, const char *content)
{
    cleanup_free char *p = gt_xasprintf("%s/%s", root, rel);
    if (gt_write_file(p, content, strlen(content), 0644, NULL) < 0)
        abort();
}

/* directories under root, recursively, as "a a/b ..." */
static void list_dirs(const char *root, const char *rel, char *out, size_t len)
{
    cleanup_free char *p = rel[0] ? gt_path_join(root, rel) : gt_xstrdup(root);
    cleanup_dir DIR *d = opendir(p);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.' || de->d_type != DT_DIR)
            continue;
        cleanup_free char *sub = rel[0] ? gt_xasprintf("%s/%s", rel, de->d_name)
                                        : gt_xstrdup(de->d_name);
        size_t l = strlen(out);
        snprintf(out + l, len - l, "%s%s", l ? " " : "", sub);
        list_dirs(root, sub, out, len);
    }
}

TEST(cgroup_v2_prepared_tree_gets_converted_values)
{
    cleanup_free char *root = v2_tree("cpuset cpu io memory hugetlb pids rdma misc\n");
    enum gt_cgroup_version v;
    CHECK_INT_EQ(gt_cgroup_detect(&v, NULL), 0);
    CHECK_INT_EQ(v, GT_CGROUP_V2);
    struct gt_error err;
    cleanup_json json_t *res = J(
        "{\"memory\":{\"limit\":67108864,\"reservation\":33554432,\"swap\":100663296},"
        "\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"burst\":1000,"
        "\"cpus\":\"0-1\",\"mems\":\"0\",\"idle\":1},\"pids\":{\"limit\":100},"
        "\"blockIO\":{\"weight\":500,\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
        "\"rate\":1048576}]},\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1073741824}],"
        "\"rdma\":{\"mlx5_0\":{\"hcaHandles\":3}},\"unified\":{\"memory.high\":\"50000000\"},"
        "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
        "\"major\":1,\"minor\":3,\"access\":\"rw\"}]}");
    struct gt_cgroup *cg = NULL;
    int r = gt_cgroup_create("/pods/c1", res, 4242, &cg, &err);
    if (r < 0)
        unit_fail(__FILE__, __LINE__, "create: %s", err.msg);
    REQUIRE(r == 0);
    CHECK_INT_EQ(gt_cgroup_version(cg), GT_CGROUP_V2);
    /* controllers enabled from the root down to the parent */
    cleanup_free char *sc = v2_read(root, "cgroup.subtree_control");
    const char *ctrls[] = { "+cpu", "+io", "+memory", "+pids", "+cpuset", "+hugetlb", "+rdma" };
    for (size_t i = 0; i < sizeof ctrls / sizeof ctrls[0]; i++) {
        CHECK_STR_CONTAINS(sc, ctrls[i]);
    }
    CHECK(!strstr(sc, "misc")); /* nothing that was not needed */
    cleanup_free char *sc2 = v2_read(root, "pods/cgroup.subtree_control");
    CHECK_STR_CONTAINS(sc2, "+memory");
    CHECK_STR_CONTAINS(sc2, "+rdma");
    CHECK_V2(root, "pods/c1/memory.max", "67108864");
    CHECK_V2(root, "pods/c1/memory.low", "33554432");
    CHECK_V2(root, "pods/c1/memory.swap.max", "33554432"); /* swap - limit */
    CHECK_V2(root, "pods/c1/memory.high", "50000000");
    CHECK_V2(root, "pods/c1/cpu.weight", "39");
    CHECK_V2(root, "pods/c1/cpu.max", "50000 100000");
    CHECK_V2(root, "pods/c1/cpu.max.burst", "1000");
    CHECK_V2(root, "pods/c1/cpu.idle", "1");
    CHECK_V2(root, "pods/c1/cpuset.cpus", "0-1");
    CHECK_V2(root, "pods/c1/cpuset.mems", "0");
    CHECK_V2(root, "pods/c1/pids.max", "100");
    CHECK_V2(root, "pods/c1/io.weight", "default 4950");
    CHECK_V2(root, "pods/c1/io.max", "8:0 rbps=1048576");
    CHECK_V2(root, "pods/c1/hugetlb.2MB.max", "1073741824");
    CHECK_V2(root, "pods/c1/rdma.max", "mlx5_0 hca_handle=3 hca_object=max");
    CHECK_V2(root, "pods/c1/cgroup.procs", "4242");

    /* update: absent fields stay, the period alone keeps the quota */
    cleanup_json json_t *up = J("{\"pids\":{\"limit\":-1},\"cpu\":{\"period\":200000},"
                                "\"memory\":{\"limit\":-1}}");
    if (gt_cgroup_update(cg, up, &err) < 0)
        unit_fail(__FILE__, __LINE__, "update: %s", err.msg);
    CHECK_V2(root, "pods/c1/pids.max", "max");
    CHECK_V2(root, "pods/c1/cpu.max", "50000 200000");
    CHECK_V2(root, "pods/c1/memory.max", "max");
    CHECK_V2(root, "pods/c1/memory.swap.max", "max");
    CHECK_V2(root, "pods/c1/cpu.weight", "39");

    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    char dirs[512] = "";
    list_dirs(root, "", dirs, sizeof dirs);
    CHECK_STR_EQ(dirs, "pods"); /* the parent stays, as it would for others */
    gt_cgroup_free(cg);
}

TEST(cgroup_v2_failed_create_leaves_nothing_and_names_the_field)
{
    cleanup_free char *root = v2_tree("cpu io memory pids\n");
    struct gt_error err;
    struct gt_cgroup *cg = NULL;
    static const struct {
        const char *res, *msg;
    } cases[] = {
        { "{\"rdma\":{\"mlx5_0\":{\"hcaObjects\":1}}}",
          "linux.resources.rdma: the rdma controller is not available" },
        { "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1}]}",
          "linux.resources.hugepageLimits: the hugetlb controller is not available" },
        { "{\"memory\":{\"swap\":1000000}}", "linux.resources.memory.swap: cannot be converted" },
        { "{\"network\":{\"classID\":1}}", "linux.resources.network: not supported on cgroup v2" },
        { "{\"cpu\":{\"realtimeRuntime\":1000}}",
          "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2" },
        { "{\"memory\":{\"swappiness\":10}}",
          "linux.resources.memory.swappiness: not supported on cgroup v2" },
        { "{\"blockIO\":{\"leafWeight\":100}}",
          "linux.resources.blockIO.leafWeight: not supported on cgroup v2" },
        { "{\"unified\":{\"misc.max\":\"x 1\"}}",
          "linux.resources.unified.misc.max: the misc controller is not available" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cleanup_json json_t *res = J(cases[i].res);
        gt_err_clear(&err);
        if (gt_cgroup_create("/pods/bad", res, 0, &cg, &err) == 0) {
            unit_fail(__FILE__, __LINE__, "accepted %s", cases[i].res);
            gt_cgroup_destroy(cg, NULL);
            gt_cgroup_free(cg);
            cg = NULL;
            continue;
        }
        if (!strstr(err.msg, cases[i].msg))
            unit_fail(__FILE__, __LINE__, "%s: \"%s\" lacks \"%s\"", cases[i].res, err.msg,
                      cases[i].msg);
        char dirs[256] = "";
        list_dirs(root, "", dirs, sizeof dirs);
        if (dirs[0])
            unit_fail(__FILE__, __LINE__, "%s: left %s behind", cases[i].res, dirs);
    }
}

TEST(cgroup_v2_freeze_stats_and_oom_from_the_files)
{
    cleanup_free char *root = v2_tree("cpu io memory pids\n");
    struct gt_error err;
    struct gt_cgroup *cg = NULL;
    REQUIRE(gt_cgroup_create("/c2", NULL, 0, &cg, &err) == 0);
    /* the kernel would report the state in cgroup.events */
    v2_put(root, "c2/cgroup.events", "populated 1\nfrozen 1\n");
    CHECK_INT_EQ(gt_cgroup_freeze(cg, true, &err), 0);
    CHECK_V2(root, "c2/cgroup.freeze", "1");
    bool frozen = false;
    CHECK_INT_EQ(gt_cgroup_is_frozen(cg, &frozen, &err), 0);
    CHECK(frozen);
    v2_put(root, "c2/cgroup.events", "populated 1\nfrozen 0\n");
    CHECK_INT_EQ(gt_cgroup_freeze(cg, false, &err), 0);
    CHECK_V2(root, "c2/cgroup.freeze", "0");

    v2_put(root, "c2/memory.current", "1234\n");
    v2_put(root, "c2/memory.max", "max\n");
    v2_put(root, "c2/memory.events", "low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n");
    v2_put(root, "c2/memory.stat", "anon 100\nfile 200\n");
    v2_put(root, "c2/cpu.stat", "usage_usec 5\nuser_usec 3\nsystem_usec 2\nnr_periods 7\n"
                                "nr_throttled 1\nthrottled_usec 4\n");
    v2_put(root, "c2/pids.current", "3\n");
    v2_put(root, "c2/pids.max", "max\n");
    v2_put(root, "c2/io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n");
    v2_put(root, "c2/cgroup.procs", "11\n12\n");
    uint64_t kills = 0;
    CHECK_INT_EQ(gt_cgroup_oom_kills(cg, &kills, &err), 0);
    CHECK_INT_EQ(kills, 1);
    cleanup_json json_t *s = NULL;
    REQUIRE(gt_cgroup_stats(cg, &s, &err) == 0);
    cleanup_free char *dump = json_dumps(s, JSON_SORT_KEYS | JSON_COMPACT);
    json_t *mu = json_object_get(json_object_get(s, "memory"), "usage");
    CHECK_INT_EQ(json_integer_value(json_object_get(mu, "usage")), 1234);
    CHECK_INT_EQ(json_integer_value(json_object_get(mu, "failcnt")), 2);
    CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(s, "memory"), "cache")), 200);
    CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(s, "memory"), "oomKills")), 1);
    json_t *cu = json_object_get(json_object_get(s, "cpu"), "usage");
    CHECK_INT_EQ(json_integer_value(json_object_get(cu, "total")), 5000);
    CHECK_INT_EQ(json_integer_value(json_object_get(cu, "kernel")), 2000);
    json_t *th = json_object_get(json_object_get(s, "cpu"), "throttling");
    CHECK_INT_EQ(json_integer_value(json_object_get(th, "throttled_time")), 4000);
    json_t *pids = json_object_get(s, "pids");
    CHECK_INT_EQ(json_integer_value(json_object_get(pids, "current")), 3);
    CHECK_INT_EQ(json_integer_value(json_object_get(pids, "limit")), 0);
    CHECK_STR_CONTAINS(dump, "\"ioServiceBytesRecursive\":[{\"major\":8,\"minor\":0,\"op\":"
                             "\"Read\",\"value\":10},{\"major\":8,\"minor\":0,\"op\":\"Write\","
                             "\"value\":20}]");
    pid_t *p = NULL;
    size_t n = 0;
    CHECK_INT_EQ(gt_cgroup_pids(cg, &p, &n, &err), 0);
    CHECK_INT_EQ(n, 2);
    free(p);
    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    cleanup_free char *leaf = gt_path_join(root, "c2");
    CHECK(!gt_path_exists(leaf));
    gt_cgroup_free(cg);
}

/* ---------------- cgroup v2 for real: the host's unified tree ---------------- */

#define UNIFIED V1ROOT "/unified"

static char *unified_path(const char *name)
{
    const char *parent = getenv("GANTRY_TEST_CGROUP");
    if (!parent || !*parent)
        unit_skip("GANTRY_TEST_CGROUP is not set (tests/run.sh sets it)");
    if (geteuid() != 0)
        unit_skip("needs root for cgroups");
    if (!gt_path_exists(UNIFIED "/cgroup.controllers"))
        unit_skip("no cgroup2 hierarchy at " UNIFIED);
    setenv("GANTRY_CGROUP_ROOT", UNIFIED, 1);
    return gt_xasprintf("/%s/%s-%d", parent, name, (int)getpid());
}

/* bit 0: /dev/null opened; bit 1: /dev/zero refused with EPERM */
static int open_devices(void *arg)
{
    int r = 0;
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        r |= 1;
        close(fd);
    }
    fd = open("/dev/zero", O_RDONLY);
    if (fd < 0 && errno == EPERM)
        r |= 2;
    if (fd >= 0)
        close(fd);
    return r;
}

TEST(cgroup_v2_real_devices_program_freeze_and_kill)
{
    cleanup_free char *path = unified_path("v2real");
    struct gt_error err;
    cleanup_json json_t *res = J(
        "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
        "\"major\":1,\"minor\":3,\"access\":\"rw\"},{\"allow\":true,\"type\":\"c\",\"major\":1,"
        "\"minor\":5,\"access\":\"rwm\"},{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":5,"
        "\"access\":\"r\"}]}");
    struct child c = spawn(open_devices, NULL);
    struct gt_cgroup *cg = NULL;
    int r = gt_cgroup_create(path, res, c.pid, &cg, &err);
    if (r < 0) {
        kill(c.pid, SIGKILL);
        wait_status(c.pid);
        unit_fail(__FILE__, __LINE__, "create: %s", err.msg);
        return;
    }
    CHECK_INT_EQ(gt_cgroup_version(cg), GT_CGROUP_V2);
    go(&c);
    int st = wait_status(c.pid);
    /* null allowed; zero: allowed rwm, then read denied by the last rule */
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    /* an update replaces the program (the old one would still deny) */
    cleanup_json json_t *up = J("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                                "{\"allow\":true,\"type\":\"c\",\"major\":1,\"access\":\"rw\"}]}");
    if (gt_cgroup_update(cg, up, &err) < 0)
        unit_fail(__FILE__, __LINE__, "update: %s", err.msg);
    struct child c2 = spawn(open_devices, NULL);
    CHECK_INT_EQ(gt_cgroup_add_pid(cg, c2.pid, &err), 0);
    go(&c2);
    st = wait_status(c2.pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1);

    /* cgroup.freeze and cgroup.kill, for real */
    struct child s = spawn(spinner, NULL);
    CHECK_INT_EQ(gt_cgroup_add_pid(cg, s.pid, &err), 0);
    go(&s);
    sleep_ms(100);
    CHECK_INT_EQ(gt_cgroup_freeze(cg, true, &err), 0);
    bool frozen = false;
    CHECK_INT_EQ(gt_cgroup_is_frozen(cg, &frozen, &err), 0);
    CHECK(frozen);
    unsigned long long t0 = cpu_ticks(s.pid);
    sleep_ms(300);
    CHECK_INT_EQ(cpu_ticks(s.pid), t0);
    CHECK_INT_EQ(gt_cgroup_freeze(cg, false, &err), 0);
    sleep_ms(200);
    CHECK(cpu_ticks(s.pid) > t0);
    CHECK_INT_EQ(gt_cgroup_kill_all(cg, SIGKILL, &err), 0);
    st = wait_status(s.pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    cleanup_free char *dir = gt_xasprintf(UNIFIED "%s", path);
    CHECK(!gt_path_exists(dir));
    gt_cgroup_free(cg);
}

TEST(cgroup_bpf_program_shape)
{
    struct gt_cg_device_rule rules[] = {
        { .allow = false, .type = 'a', .major = -1, .minor = -1, .access = GT_CG_DEV_ALL },
        { .allow = true, .type = 'c', .major = 1, .minor = 3, .access = GT_CG_DEV_ALL },
    };
    void *insns = NULL;
    /* header (6), rule 1 (type, major, minor, mov, exit = 5), wildcard (2) */
    CHECK_INT_EQ(gt_cg_bpf_devices_build(rules, 2, &insns), 13);
    free(insns);
    /* no wildcard: ends with the default "allow" */
    CHECK_INT_EQ(gt_cg_bpf_devices_build(rules + 1, 1, &insns), 13);
    free(insns);
    if (geteuid() == 0) {
        struct gt_error err;
        int fd = gt_cg_bpf_devices_load(rules, 2, &err);
        if (fd < 0)
            unit_fail(__FILE__, __LINE__, "load: %s", err.msg);
        else
            close(fd);
    }
}

TEST(cgroup_v1_destroy_of_a_busy_cgroup_says_so)
{
    cleanup_free char *path = test_path("busy");
    struct gt_error err;
    struct child c = spawn(sleeper, NULL);
    struct gt_cgroup *cg = NULL;
    REQUIRE(gt_cgroup_create(path, NULL, c.pid, &cg, &err) == 0);
    gt_err_clear(&err);
    CHECK(gt_cgroup_destroy(cg, &err) < 0);
    char want[64];
    snprintf(want, sizeof want, "still busy (1 processes, first %d)", (int)c.pid);
    CHECK_STR_CONTAINS(err.msg, want);
    kill(c.pid, SIGKILL);
    wait_status(c.pid);
    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    check_gone(path);
    gt_cgroup_free(cg);
}

/* ---- v1 devices on update: the difference only ---- */

static struct gt_cg_device_rule DR(bool allow, char type, int64_t major, int64_t minor,
                                   unsigned access)
{
    return (struct gt_cg_device_rule){ allow, type, major, minor, access };
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "c 1:3 rwm" lines of entries, sorted, one string */
static char *entries_str(const struct gt_cg_dev_entry *e, size_t n)
{
    char **lines = gt_xcalloc(n + 1, sizeof *lines);
    for (size_t i = 0; i < n; i++) {
        char maj[24] = "*", min[24] = "*";
        if (e[i].major >= 0)
            snprintf(maj, sizeof maj, "%" PRId64, e[i].major);
        if (e[i].minor >= 0)
            snprintf(min, sizeof min, "%" PRId64, e[i].minor);
        lines[i] = gt_xasprintf("%c %s:%s %s%s%s", e[i].type, maj, min,
                                e[i].access & GT_CG_DEV_READ ? "r" : "",
                                e[i].access & GT_CG_DEV_WRITE ? "w" : "",
                                e[i].access & GT_CG_DEV_MKNOD ? "m" : "");
    }
    qsort(lines, n, sizeof *lines, cmp_str);
    char *out = gt_xstrdup("");
    for (size_t i = 0; i < n; i++) {
        char *x = gt_xasprintf("%s%s%s", out, i ? "," : "", lines[i]);
        free(out);
        free(lines[i]);
        out = x;
    }
    free(lines);
    return out;
}

TEST(cgroup_v1_devices_whitelist_is_what_the_kernel_keeps)
{
    const unsigned A = GT_CG_DEV_ALL, R = GT_CG_DEV_READ, W = GT_CG_DEV_WRITE;
    struct gt_cg_dev_entry *e = NULL;
    size_t n = 0;
    /* an engine's usual list: deny everything, allow some */
    struct gt_cg_device_rule usual[] = {
        DR(false, 'a', -1, -1, A), DR(true, 'c', 1, 3, A), DR(true, 'c', 136, -1, A),
        DR(true, 'c', 1, 3, R), /* merged into the same key */
        DR(true, 'a', 10, 200, R | W), /* "a" with numbers: a "c" and a "b" */
        DR(true, 'c', 1, 5, A), DR(false, 'c', 1, 5, W), /* bits taken back */
        DR(true, 'c', 1, 7, R), DR(false, 'c', 1, 7, R), /* and all of them: gone */
        DR(false, 'c', 136, 4, A), /* not the key of c 136:*: no effect */
    };
    REQUIRE(gt_cg_v1_devices_whitelist(usual, sizeof usual / sizeof usual[0], &e, &n));
    cleanup_free char *s = entries_str(e, n);
    CHECK_STR_EQ(s, "b 10:200 rw,c 10:200 rw,c 136:* rwm,c 1:3 rwm,c 1:5 rm");
    free(e);
    /* a later "deny everything" starts over */
    struct gt_cg_device_rule reset[] = { DR(false, 'a', -1, -1, A), DR(true, 'c', 1, 3, A),
                                         DR(false, 'a', -1, -1, A), DR(true, 'c', 1, 9, R) };
    REQUIRE(gt_cg_v1_devices_whitelist(reset, 4, &e, &n));
    cleanup_free char *s2 = entries_str(e, n);
    CHECK_STR_EQ(s2, "c 1:9 r");
    free(e);
    /* not knowable from the rules alone: no leading deny, or allow-all */
    struct gt_cg_device_rule partial[] = { DR(true, 'c', 1, 3, A) };
    CHECK(!gt_cg_v1_devices_whitelist(partial, 1, &e, &n));
    struct gt_cg_device_rule open_[] = { DR(false, 'a', -1, -1, A), DR(true, 'a', -1, -1, A) };
    CHECK(!gt_cg_v1_devices_whitelist(open_, 2, &e, &n));
}

TEST(cgroup_v1_devices_list_parses_and_transition_grants_first)
{
    struct gt_cg_dev_entry *cur = NULL, *want = NULL;
    size_t n_cur = 0, n_want = 0;
    REQUIRE(gt_cg_v1_devices_parse_list("c 1:3 rwm\nc 136:* rwm\nb 8:0 r\nc 1:5 rw\n", &cur,
                                        &n_cur));
    cleanup_free char *s = entries_str(cur, n_cur);
    CHECK_STR_EQ(s, "b 8:0 r,c 136:* rwm,c 1:3 rwm,c 1:5 rw");
    /* allow-by-default shows no exceptions: not a whitelist to diff */
    CHECK(!gt_cg_v1_devices_parse_list("a *:* rwm\n", &want, &n_want));
    CHECK(!gt_cg_v1_devices_parse_list("c 1:x rwm\n", &want, &n_want));
    CHECK(!gt_cg_v1_devices_parse_list("c 1:3 rwz\n", &want, &n_want));
    /* an empty list: deny everything */
    REQUIRE(gt_cg_v1_devices_parse_list("", &want, &n_want));
    CHECK_INT_EQ((int)n_want, 0);
    free(want);

    REQUIRE(gt_cg_v1_devices_parse_list("c 1:3 rwm\nc 1:5 rwm\nc 10:200 rwm\n", &want, &n_want));
    struct gt_cg_dev_write *w = NULL;
    size_t n = gt_cg_v1_devices_transition(cur, n_cur, want, n_want, &w);
    REQUIRE(n == 4);
    /* grants first: 1:5 gets m, 10:200 is new; then 8:0 and 136:* go */
    CHECK(w[0].allow && w[1].allow && !w[2].allow && !w[3].allow);
    CHECK_STR_EQ(w[0].line, "c 1:5 m");
    CHECK_STR_EQ(w[1].line, "c 10:200 rwm");
    CHECK_STR_EQ(w[2].line, "c 136:* rwm");
    CHECK_STR_EQ(w[3].line, "b 8:0 r");
    free(w);
    /* none when there is nothing to change */
    CHECK_INT_EQ((int)gt_cg_v1_devices_transition(want, n_want, want, n_want, &w), 0);
    free(w);
    CHECK(gt_cg_v1_devices_equal(want, n_want, want, n_want));
    CHECK(!gt_cg_v1_devices_equal(cur, n_cur, want, n_want));
    free(cur);
    free(want);
}

static char *read_all(const char *path)
{
    char *s = NULL;
    if (gt_read_file(path, 0, &s, NULL, NULL) < 0)
        return gt_xstrdup("(unreadable)");
    size_t n = strlen(s);
    while (n && s[n - 1] == '\n')
        s[--n] = '\0';
    return s;
}

TEST(cgroup_v1_devices_update_writes_the_difference)
{
    cleanup_free char *path = test_path("devupd");
    struct gt_error err;
    const char *base = "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                       "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
                       "{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"}";
    cleanup_free char *doc = gt_xasprintf("%s]}", base);
    cleanup_json json_t *res = J(doc);
    struct gt_cgroup *cg = NULL;
    int r = gt_cgroup_create(path, res, 0, &cg, &err);
    if (r < 0)
        unit_fail(__FILE__, __LINE__, "create: %s", err.msg);
    REQUIRE(r == 0);
    cleanup_free char *list = v1_file("devices", path, "devices.list");
    cleanup_free char *l0 = read_all(list);
    CHECK_STR_EQ(l0, "c 1:3 rwm\nc 136:* rwm");
    /* one more device, one with less access */
    cleanup_free char *more = gt_xasprintf(
        "%s,{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"r\"},"
        "{\"allow\":false,\"type\":\"c\",\"major\":136,\"access\":\"m\"}]}", base);
    cleanup_json json_t *up = J(more);
    if (gt_cgroup_update(cg, up, &err) < 0)
        unit_fail(__FILE__, __LINE__, "update: %s", err.msg);
    cleanup_free char *l1 = read_all(list);
    CHECK_STR_EQ(l1, "c 1:3 rwm\nc 136:* rw\nc 1:5 r");
    /* and back */
    if (gt_cgroup_update(cg, res, &err) < 0)
        unit_fail(__FILE__, __LINE__, "update: %s", err.msg);
    cleanup_free char *l2 = read_all(list);
    CHECK_STR_EQ(l2, "c 1:3 rwm\nc 136:* rwm");
    CHECK_INT_EQ(gt_cgroup_destroy(cg, &err), 0);
    gt_cgroup_free(cg);
    check_gone(path);
}
