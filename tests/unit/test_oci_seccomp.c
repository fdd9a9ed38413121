/* oci/seccomp: filters compiled here and loaded in forked children. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "oci/seccomp.h"
#include "tests/unit/oci_test.h"
#include "tests/unit/unit.h"

static struct gt_seccomp *compile_ok(const char *doc)
{
    struct gt_error err;
    cleanup_json json_t *j = J(doc);
    struct gt_seccomp *s = NULL;
    if (gt_seccomp_compile(j, &s, &err) < 0) {
        unit_fail(__FILE__, __LINE__, "compile: %s", err.msg);
        return NULL;
    }
    return s;
}

/* Runs fn in a child that first loads the filter; returns the wait status.
 * fn returns the child's exit code.  Only raw syscalls after the load, so
 * that nothing else (stdio, sanitizers) meets the filter. */
static int run_filtered(struct gt_seccomp *s, int (*fn)(void *), void *arg)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct gt_error err;
        if (gt_seccomp_load(s, &err) < 0) {
            (void)!write(2, err.msg, strlen(err.msg));
            _exit(120);
        }
        _exit(fn(arg));
    }
    int st;
    waitpid(pid, &st, 0);
    return st;
}

#define EXPECT_EXIT(st, code) \
    do { \
        int _s = (st); \
        if (!WIFEXITED(_s) || WEXITSTATUS(_s) != (code)) \
            unit_fail(__FILE__, __LINE__, "child: %s %d, expected exit %d", \
                      WIFEXITED(_s) ? "exit" : "signal", \
                      WIFEXITED(_s) ? WEXITSTATUS(_s) : WTERMSIG(_s), (code)); \
    } while (0)

/* 0 when the call failed with the errno in arg */
static int mkdir_fails(void *arg)
{
    long want = (long)arg;
    long r = syscall(SYS_mkdirat, AT_FDCWD, "/tmp/gantry-seccomp-never", 0700);
    if (r == 0) {
        syscall(SYS_unlinkat, AT_FDCWD, "/tmp/gantry-seccomp-never", AT_REMOVEDIR);
        return 1;
    }
    return errno == want ? 0 : 2;
}

static int getcwd_fails(void *arg)
{
    char buf[256];
    long r = syscall(SYS_getcwd, buf, sizeof buf);
    if (r >= 0)
        return 1;
    return errno == (long)arg ? 0 : 2;
}

TEST(seccomp_blocked_syscall_gets_the_configured_errno)
{
    struct gt_seccomp *s = compile_ok(
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\","
        "\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],\"syscalls\":["
        "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18},"
        "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"},"
        "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
    REQUIRE(s);
    CHECK(!gt_seccomp_wants_notify(s));
    EXPECT_EXIT(run_filtered(s, mkdir_fails, (void *)(long)EXDEV), 0);
    /* errnoRet absent: EPERM */
    EXPECT_EXIT(run_filtered(s, getcwd_fails, (void *)(long)EPERM), 0);
    /* and without the filter the calls work */
    char buf[256];
    CHECK(syscall(SYS_getcwd, buf, sizeof buf) > 0);
    gt_seccomp_free(s);
}

static int close_checks(void *arg)
{
    /* EQ 900 or EQ 901 (one index, two conditions: either) */
    if (syscall(SYS_close, 900) != -1 || errno != EBADE)
        return 1;
    if (syscall(SYS_close, 901) != -1 || errno != EBADE)
        return 2;
    if (syscall(SYS_close, 902) != -1 || errno != EBADF)
        return 3;
    /* MASKED_EQ: (fd & 0xff00) == 0x0400 */
    if (syscall(SYS_close, 0x0401) != -1 || errno != ENOTUNIQ)
        return 4;
    if (syscall(SYS_close, 0x0501) != -1 || errno != EBADF)
        return 5;
    /* GT on arg 0 and EQ on arg 1, ANDed: dup3(>2000, 7) */
    if (syscall(SYS_dup3, 2001, 7, 0) != -1 || errno != EXFULL)
        return 6;
    if (syscall(SYS_dup3, 2001, 8, 0) != -1 || errno != EBADF)
        return 7;
    if (syscall(SYS_dup3, 1999, 7, 0) != -1 || errno != EBADF)
        return 8;
    return 0;
}

TEST(seccomp_argument_conditions)
{
    struct gt_seccomp *s = compile_ok(
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
        "{\"names\":[\"close\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":52,\"args\":["
        "{\"index\":0,\"value\":900,\"op\":\"SCMP_CMP_EQ\"},"
        "{\"index\":0,\"value\":901,\"op\":\"SCMP_CMP_EQ\"}]},"
        "{\"names\":[\"close\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":76,\"args\":["
        "{\"index\":0,\"value\":65280,\"valueTwo\":1024,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
        "{\"names\":[\"dup3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":54,\"args\":["
        "{\"index\":0,\"value\":2000,\"op\":\"SCMP_CMP_GT\"},"
        "{\"index\":1,\"value\":7,\"op\":\"SCMP_CMP_EQ\"}]}]}");
    REQUIRE(s);
    EXPECT_EXIT(run_filtered(s, close_checks, NULL), 0);
    gt_seccomp_free(s);
}

static int getppid_errno(void *arg)
{
    long r = syscall(SYS_getppid);
    return r == -1 && errno == (long)arg ? 0 : 1;
}

TEST(seccomp_default_action_applies_to_unlisted_syscalls)
{
    /* deny by default, with defaultErrnoRet; only exiting is allowed (and
     * sigaltstack, which AddressSanitizer calls before _exit) */
    struct gt_seccomp *s = compile_ok(
        "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":["
        "{\"names\":[\"exit\",\"exit_group\",\"write\",\"sigaltstack\"],"
        "\"action\":\"SCMP_ACT_ALLOW\"}]}");
    REQUIRE(s);
    EXPECT_EXIT(run_filtered(s, getppid_errno, (void *)(long)ENOSYS), 0);
    gt_seccomp_free(s);
    /* KILL_PROCESS as the default: killed by SIGSYS */
    s = compile_ok("{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"syscalls\":["
                   "{\"names\":[\"exit\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
    REQUIRE(s);
    int st = run_filtered(s, getppid_errno, (void *)0L);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
    gt_seccomp_free(s);
}

TEST(seccomp_trap_and_kill_actions)
{
    struct gt_seccomp *s = compile_ok(
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
        "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_TRAP\"}]}");
    REQUIRE(s);
    int st = run_filtered(s, getcwd_fails, (void *)0L);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
    gt_seccomp_free(s);
    s = compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                   "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_KILL\"}]}");
    REQUIRE(s);
    st = run_filtered(s, getcwd_fails, (void *)0L);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
    gt_seccomp_free(s);
    /* LOG lets the call through */
    s = compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":["
                   "\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_TSYNC\"],\"syscalls\":["
                   "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_LOG\"}]}");
    REQUIRE(s);
    st = run_filtered(s, getppid_errno, (void *)0L);
    EXPECT_EXIT(st, 1); /* getppid succeeded */
    gt_seccomp_free(s);
}

static void expect_error(const char *doc, const char *msg)
{
    struct gt_error err;
    gt_err_clear(&err);
    cleanup_json json_t *j = J(doc);
    struct gt_seccomp *s = NULL;
    if (gt_seccomp_compile(j, &s, &err) == 0) {
        unit_fail(__FILE__, __LINE__, "accepted %s", doc);
        gt_seccomp_free(s);
        return;
    }
    if (!strstr(err.msg, msg))
        unit_fail(__FILE__, __LINE__, "%s: message \"%s\" lacks \"%s\"", doc, err.msg, msg);
}

TEST(seccomp_errors_name_the_field)
{
    expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                 "\"action\":\"SCMP_ACT_ERRNO\"},{\"names\":[\"write\",\"nosuch\"],"
                 "\"action\":\"SCMP_ACT_ERRNO\"}]}",
                 "linux.seccomp.syscalls[1].names[1]: unknown syscall \"nosuch\"");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\","
                 "\"SCMP_ARCH_VAX\"]}",
                 "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                 "\"action\":\"SCMP_ACT_EXPLODE\"}]}",
                 "linux.seccomp.syscalls[0].action: unknown action \"SCMP_ACT_EXPLODE\"");
    expect_error("{\"defaultAction\":\"ALLOW\"}",
                 "linux.seccomp.defaultAction: unknown action \"ALLOW\"");
    expect_error("{}", "linux.seccomp.defaultAction: required field is missing");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                 "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,"
                 "\"op\":\"SCMP_CMP_ABOUT\"}]}]}",
                 "linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ABOUT\"");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                 "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,"
                 "\"op\":\"SCMP_CMP_EQ\"}]}]}",
                 "linux.seccomp.syscalls[0].args[0].index: 6 is out of range");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                 "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
                 "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported yet");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/x.sock\"}",
                 "linux.seccomp.listenerPath: seccomp user notification is not supported yet");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                 "\"action\":\"SCMP_ACT_KILL\",\"errnoRet\":1}]}",
                 "linux.seccomp.syscalls[0].action: SCMP_ACT_KILL takes no errnoRet");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}",
                 "linux.seccomp.defaultAction: SCMP_ACT_ALLOW takes no defaultErrnoRet");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_FAST\"]}",
                 "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_FAST\"");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":"
                 "\"SCMP_ACT_ERRNO\"}]}",
                 "linux.seccomp.syscalls[0].names: required field is missing");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[7],"
                 "\"action\":\"SCMP_ACT_ERRNO\"}]}",
                 "linux.seccomp.syscalls[0].names[0]: expected a string");
    struct gt_error err;
    struct gt_seccomp *s = NULL;
    CHECK(gt_seccomp_compile(NULL, &s, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "linux.seccomp: expected an object");
}

TEST(seccomp_large_profile_compiles)
{
    /* a Docker-sized allow list: every name libseccomp knows on x86_64 */
    cleanup_json json_t *names = json_array();
    for (int nr = 0; nr < 460; nr++) {
        char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        if (n) {
            json_array_append_new(names, json_string(n));
            free(n);
        }
    }
    CHECK(json_array_size(names) > 300);
    cleanup_json json_t *doc = json_pack(
        "{s:s,s:i,s:[s,s,s],s:[{s:O,s:s}]}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet",
        1, "architectures", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "syscalls",
        "names", names, "action", "SCMP_ACT_ALLOW");
    struct gt_error err;
    struct gt_seccomp *s = NULL;
    if (gt_seccomp_compile(doc, &s, &err) < 0)
        unit_fail(__FILE__, __LINE__, "compile: %s", err.msg);
    REQUIRE(s);
    /* everything is allowed, so a child runs normally */
    EXPECT_EXIT(run_filtered(s, getppid_errno, (void *)0L), 1);
    gt_seccomp_free(s);
}

TEST(seccomp_features_list_what_compile_accepts)
{
    cleanup_json json_t *f = gt_seccomp_features();
    REQUIRE(f);
    CHECK(json_is_true(json_object_get(f, "enabled")));
    cleanup_free char *s = json_dumps(f, JSON_COMPACT);
    CHECK_STR_CONTAINS(s, "\"SCMP_ACT_ERRNO\"");
    CHECK_STR_CONTAINS(s, "\"SCMP_CMP_MASKED_EQ\"");
    CHECK_STR_CONTAINS(s, "\"SCMP_ARCH_X86_64\"");
    CHECK(!strstr(s, "SCMP_ACT_NOTIFY"));
    json_t *sup = json_object_get(f, "supportedFlags");
    CHECK(json_is_array(sup));
    CHECK(json_array_size(json_object_get(f, "knownFlags")) >= json_array_size(sup));
    /* every supported flag compiles */
    size_t i;
    json_t *v;
    json_array_foreach(sup, i, v) {
        cleanup_json json_t *doc = json_pack("{s:s,s:[O]}", "defaultAction", "SCMP_ACT_ALLOW",
                                             "flags", v);
        struct gt_error err;
        struct gt_seccomp *c = NULL;
        CHECK_INT_EQ(gt_seccomp_compile(doc, &c, &err), 0);
        gt_seccomp_free(c);
    }
}

/* ---- the cache of compiled filters ---- */

#define CACHE_PROFILE \
    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[" \
    "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18}]}"

/* compile through the cache; *hit tells whether the cache answered */
static struct gt_seccomp *cached(const char *dir, const char *doc, bool *hit)
{
    struct gt_error err;
    cleanup_json json_t *j = J(doc);
    struct gt_seccomp *s = NULL;
    if (gt_seccomp_compile_cached(j, dir, &s, hit, &err) < 0) {
        unit_fail(__FILE__, __LINE__, "compile_cached: %s", err.msg);
        return NULL;
    }
    return s;
}

/* the one entry of the cache directory (its path), or NULL */
static char *only_entry(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char *path = NULL;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.') {
            n++;
            free(path);
            path = gt_path_join(dir, de->d_name);
        }
    closedir(d);
    if (n != 1) {
        free(path);
        return NULL;
    }
    return path;
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

TEST(seccomp_cache_answers_the_second_time_with_the_same_filter)
{
    cleanup_free char *dir = gt_path_join(unit_tmpdir(), "cache");
    bool hit = true;
    struct gt_seccomp *a = cached(dir, CACHE_PROFILE, &hit);
    REQUIRE(a);
    CHECK(!hit);
    cleanup_free char *entry = only_entry(dir);
    REQUIRE(entry);
    struct stat st;
    REQUIRE(stat(dir, &st) == 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0700);
    REQUIRE(stat(entry, &st) == 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0600);
    ino_t ino = st.st_ino;

    struct gt_seccomp *b = cached(dir, CACHE_PROFILE, &hit);
    REQUIRE(b);
    CHECK(hit);
    REQUIRE(stat(entry, &st) == 0);
    CHECK(st.st_ino == ino); /* a hit does not rewrite the entry */
    /* the loaded filter works as the compiled one does */
    EXPECT_EXIT(run_filtered(b, mkdir_fails, (void *)(long)EXDEV), 0);
    gt_seccomp_free(a);
    gt_seccomp_free(b);

    /* another profile is another entry */
    struct gt_seccomp *c = cached(dir, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                                       "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
                                  &hit);
    REQUIRE(c);
    CHECK(!hit);
    CHECK_INT_EQ((int)count_entries(dir), 2);
    EXPECT_EXIT(run_filtered(c, getcwd_fails, (void *)(long)EPERM), 0);
    gt_seccomp_free(c);
}

/* damage (a function of the entry's bytes and size) makes it a miss: the
 * filter is compiled again, correct, and the entry rewritten */
static void check_damage_is_a_miss(void (*damage)(const char *path, size_t size))
{
    cleanup_free char *dir = gt_path_join(unit_tmpdir(), "cache");
    bool hit;
    struct gt_seccomp *s = cached(dir, CACHE_PROFILE, &hit);
    REQUIRE(s);
    gt_seccomp_free(s);
    cleanup_free char *entry = only_entry(dir);
    REQUIRE(entry);
    struct stat st;
    REQUIRE(stat(entry, &st) == 0);
    damage(entry, (size_t)st.st_size);
    s = cached(dir, CACHE_PROFILE, &hit);
    REQUIRE(s);
    CHECK(!hit);
    EXPECT_EXIT(run_filtered(s, mkdir_fails, (void *)(long)EXDEV), 0);
    gt_seccomp_free(s);
    s = cached(dir, CACHE_PROFILE, &hit); /* rewritten whole */
    REQUIRE(s);
    CHECK(hit);
    gt_seccomp_free(s);
}

static void flip_last_insn(const char *path, size_t size)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    /* the last instruction's k: just before the 8-byte checksum */
    REQUIRE(pread(fd, &c, 1, (off_t)size - 9) == 1);
    c ^= 0x01;
    REQUIRE(pwrite(fd, &c, 1, (off_t)size - 9) == 1);
    close(fd);
}

static void truncate_entry(const char *path, size_t size)
{
    REQUIRE(truncate(path, (off_t)size - 8) == 0);
}

static void make_world_writable(const char *path, size_t size)
{
    REQUIRE(chmod(path, 0666) == 0);
}

static void give_to_nobody(const char *path, size_t size)
{
    REQUIRE(chown(path, 65534, 65534) == 0);
}

TEST(seccomp_cache_damaged_entries_are_misses)
{
    check_damage_is_a_miss(flip_last_insn);
    check_damage_is_a_miss(truncate_entry);
    check_damage_is_a_miss(make_world_writable);
    if (geteuid() == 0)
        check_damage_is_a_miss(give_to_nobody);
}

TEST(seccomp_cache_entry_under_the_wrong_name_is_a_miss)
{
    /* a whole, valid entry of another profile where this profile's entry
     * belongs (what a hash collision would look like): the name proves
     * nothing, the key inside decides */
    cleanup_free char *dir = gt_path_join(unit_tmpdir(), "cache");
    const char *other = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                        "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";
    bool hit;
    struct gt_seccomp *s = cached(dir, other, &hit);
    REQUIRE(s);
    gt_seccomp_free(s);
    cleanup_free char *other_entry = only_entry(dir);
    REQUIRE(other_entry);
    cleanup_free char *moved = gt_path_join(unit_tmpdir(), "other.bpf");
    REQUIRE(rename(other_entry, moved) == 0);
    s = cached(dir, CACHE_PROFILE, &hit);
    REQUIRE(s);
    gt_seccomp_free(s);
    cleanup_free char *entry = only_entry(dir);
    REQUIRE(entry);
    REQUIRE(rename(moved, entry) == 0);

    s = cached(dir, CACHE_PROFILE, &hit);
    REQUIRE(s);
    CHECK(!hit);
    EXPECT_EXIT(run_filtered(s, mkdir_fails, (void *)(long)EXDEV), 0);
    EXPECT_EXIT(run_filtered(s, getcwd_fails, (void *)0), 1); /* getcwd works */
    gt_seccomp_free(s);
}

TEST(seccomp_cache_keeps_no_failures_and_needs_no_directory)
{
    cleanup_free char *dir = gt_path_join(unit_tmpdir(), "cache");
    struct gt_error err;
    cleanup_json json_t *bad = J("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                                 "{\"names\":[\"nosuch\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
    struct gt_seccomp *s = NULL;
    for (int i = 0; i < 2; i++) {
        CHECK(gt_seccomp_compile_cached(bad, dir, &s, NULL, &err) == -EINVAL);
        CHECK_STR_EQ(err.msg, "linux.seccomp.syscalls[0].names[0]: unknown syscall \"nosuch\"");
    }
    CHECK_INT_EQ((int)count_entries(dir), 0);

    /* a cache that cannot be made (a file in the way): compiled all the same */
    cleanup_free char *file = gt_path_join(unit_tmpdir(), "file");
    REQUIRE(gt_write_file(file, "x", 1, 0600, &err) == 0);
    cleanup_free char *under = gt_path_join(file, "cache");
    bool hit = true;
    s = cached(under, CACHE_PROFILE, &hit);
    REQUIRE(s);
    CHECK(!hit);
    EXPECT_EXIT(run_filtered(s, mkdir_fails, (void *)(long)EXDEV), 0);
    gt_seccomp_free(s);
}

TEST(seccomp_cache_is_bounded)
{
    cleanup_free char *dir = gt_path_join(unit_tmpdir(), "cache");
    for (int i = 0; i < GT_SECCOMP_CACHE_MAX + 5; i++) {
        cleanup_free char *doc = gt_xasprintf(
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
            "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":%d}]}", i + 1);
        bool hit;
        struct gt_seccomp *s = cached(dir, doc, &hit);
        REQUIRE(s);
        gt_seccomp_free(s);
    }
    CHECK_INT_EQ((int)count_entries(dir), GT_SECCOMP_CACHE_MAX);
}
