/* The state directory: ids, atomic records, locking, pid reuse, the state
 * JSON; and the pieces of process setup that need no privileges. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "oci/process.h"
#include "oci/rootfs.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "tests/unit/unit.h"

static struct gt_state sample(void)
{
    struct gt_state st = {
        .id = gt_xstrdup("c1"),
        .pid = getpid(),
        .bundle = gt_xstrdup("/b"),
        .rootfs = gt_xstrdup("/b/rootfs"),
        .created = gt_xstrdup("2024-01-02T03:04:05.5Z"),
        .cgroup_path = gt_xstrdup("/gantry/c1"),
        .own_pidns = true,
        .annotations = json_pack("{s:s}", "k", "v"),
    };
    gt_proc_stat(st.pid, &st.start_time, NULL);
    return st;
}

TEST(ids_follow_runc_rules)
{
    struct gt_error err;
    CHECK_INT_EQ(gt_state_check_id("abc-DEF_1.2+3", &err), 0);
    CHECK(gt_state_check_id("", &err) < 0);
    CHECK(gt_state_check_id("a/b", &err) < 0);
    CHECK_STR_EQ(err.msg, "invalid id format: a/b");
    CHECK(gt_state_check_id("..", &err) < 0);
    CHECK(gt_state_check_id("a b", &err) < 0);
}

TEST(root_comes_from_flag_then_environment)
{
    unsetenv("GANTRY_RUNTIME_ROOT");
    CHECK_STR_EQ(gt_state_root(NULL), GT_STATE_DEFAULT_ROOT);
    setenv("GANTRY_RUNTIME_ROOT", "/tmp/x", 1);
    CHECK_STR_EQ(gt_state_root(NULL), "/tmp/x");
    CHECK_STR_EQ(gt_state_root("/flag"), "/flag");
}

TEST(create_takes_the_name_once)
{
    const char *root = unit_tmpdir();
    cleanup_free char *sub = gt_path_join(root, "deeper/root");
    struct gt_state_dir d, d2;
    struct gt_error err;
    REQUIRE(gt_state_dir_create(sub, "c1", &d, &err) == 0);
    CHECK_INT_EQ(gt_state_dir_create(sub, "c1", &d2, &err), -EEXIST);
    CHECK_STR_EQ(err.msg, "container with given ID already exists");
    struct stat st;
    REQUIRE(stat(d.path, &st) == 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0711);
    cleanup_free char *path = gt_xstrdup(d.path);
    CHECK(gt_state_dir_remove(&d, &err) == 0);
    gt_state_dir_release(&d);
    CHECK(!gt_path_exists(path));
    CHECK_INT_EQ(gt_state_dir_open(sub, "c1", LOCK_SH, &d2, &err), -ENOENT);
    CHECK_STR_EQ(err.msg, "container does not exist");
}

TEST(state_survives_a_round_trip)
{
    const char *root = unit_tmpdir();
    struct gt_state_dir d;
    struct gt_error err;
    REQUIRE(gt_state_dir_create(root, "c1", &d, &err) == 0);
    struct gt_state st = sample();
    REQUIRE(gt_state_save(&d, &st, &err) == 0);
    CHECK(!gt_path_exists("state.json.tmp"));
    gt_state_dir_release(&d);

    struct gt_state_dir d2;
    struct gt_state back;
    REQUIRE(gt_state_dir_open(root, "c1", LOCK_SH, &d2, &err) == 0);
    REQUIRE(gt_state_load(&d2, &back, &err) == 0);
    CHECK_STR_EQ(back.id, "c1");
    CHECK_INT_EQ(back.pid, st.pid);
    CHECK_INT_EQ(back.start_time, st.start_time);
    CHECK_STR_EQ(back.rootfs, "/b/rootfs");
    CHECK_STR_EQ(back.cgroup_path, "/gantry/c1");
    CHECK(back.own_pidns);
    CHECK_STR_EQ(json_string_value(json_object_get(back.annotations, "k")), "v");
    CHECK(gt_state_init_alive(&back));
    gt_state_release(&back);
    gt_state_release(&st);
    gt_state_dir_release(&d2);
}

TEST(a_directory_without_state_json_does_not_exist_yet)
{
    const char *root = unit_tmpdir();
    struct gt_state_dir d;
    struct gt_state st;
    struct gt_error err;
    REQUIRE(gt_state_dir_create(root, "half", &d, &err) == 0);
    CHECK_INT_EQ(gt_state_load(&d, &st, &err), -ENOENT);
    CHECK_STR_EQ(err.msg, "container does not exist");
    gt_state_dir_release(&d);
}

TEST(a_corrupt_state_json_is_named)
{
    const char *root = unit_tmpdir();
    struct gt_state_dir d;
    struct gt_state st;
    struct gt_error err;
    REQUIRE(gt_state_dir_create(root, "bad", &d, &err) == 0);
    cleanup_free char *p = gt_path_join(d.path, "state.json");
    REQUIRE(gt_write_file(p, "{\"id\":\"bad\"}", 12, 0600, &err) == 0);
    CHECK(gt_state_load(&d, &st, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "state.json");
    CHECK_STR_CONTAINS(err.msg, "pid: required field is missing");
    gt_state_dir_release(&d);
}

TEST(a_locked_container_waits_for_its_holder)
{
    const char *root = unit_tmpdir();
    struct gt_state_dir d;
    struct gt_error err;
    REQUIRE(gt_state_dir_create(root, "busy", &d, &err) == 0);
    gt_state_dir_release(&d);
    int p[2];
    REQUIRE(pipe(p) == 0);
    pid_t child = fork();
    if (child == 0) {
        struct gt_state_dir c;
        if (gt_state_dir_open(root, "busy", LOCK_EX, &c, NULL) < 0)
            _exit(1);
        if (write(p[1], "x", 1) != 1)
            _exit(1);
        usleep(300 * 1000);
        _exit(0);
    }
    char b;
    REQUIRE(read(p[0], &b, 1) == 1);
    int64_t t0 = gt_clock_ms();
    struct gt_state_dir again;
    REQUIRE(gt_state_dir_open(root, "busy", LOCK_SH, &again, &err) == 0);
    CHECK(gt_clock_ms() - t0 >= 200);
    gt_state_dir_release(&again);
    waitpid(child, NULL, 0);
    close(p[0]);
    close(p[1]);
}

TEST(a_removed_directory_is_gone_for_a_waiter)
{
    const char *root = unit_tmpdir();
    struct gt_state_dir d;
    struct gt_error err;
    REQUIRE(gt_state_dir_create(root, "gone", &d, &err) == 0);
    pid_t child = fork();
    if (child == 0) {
        /* waits for our lock, then finds the directory removed; the
         * inherited fd shares our lock (flock is per open file): drop it */
        close(d.fd);
        struct gt_state_dir c;
        struct gt_error e;
        int r = gt_state_dir_open(root, "gone", LOCK_EX, &c, &e);
        _exit(r == -ENOENT ? 0 : 1);
    }
    usleep(100 * 1000);
    REQUIRE(gt_state_dir_remove(&d, &err) == 0);
    gt_state_dir_release(&d);
    int status;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(a_recycled_pid_is_not_the_init)
{
    struct gt_state st = sample();
    CHECK(gt_state_init_alive(&st));
    st.start_time += 1; /* another process that got the same pid */
    CHECK(!gt_state_init_alive(&st));
    st.pid = 0;
    CHECK(!gt_state_init_alive(&st));
    gt_state_release(&st);
}

TEST(a_zombie_init_counts_as_stopped)
{
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    struct gt_state st = { .pid = child };
    char s = 0;
    for (int i = 0; i < 100 && s != 'Z'; i++) {
        usleep(10 * 1000);
        gt_proc_stat(child, &st.start_time, &s);
    }
    CHECK_INT_EQ(s, 'Z');
    CHECK(!gt_state_init_alive(&st));
    waitpid(child, NULL, 0);
    CHECK_INT_EQ(gt_proc_stat(child, NULL, NULL), -ESRCH);
}

TEST(proc_stat_survives_odd_command_names)
{
    /* a name with spaces and parentheses must not shift the fields */
    pid_t child = fork();
    if (child == 0) {
        char name[] = "a) (b c";
        int fd = open("/proc/self/comm", O_WRONLY);
        if (fd >= 0 && write(fd, name, strlen(name)) < 0)
            _exit(1);
        pause();
        _exit(0);
    }
    usleep(50 * 1000);
    unsigned long long start;
    char s;
    CHECK_INT_EQ(gt_proc_stat(child, &start, &s), 0);
    CHECK(s == 'S' || s == 'R');
    CHECK(start > 0);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
}

TEST(state_json_has_runc_fields_in_order)
{
    struct gt_state st = sample();
    json_t *j = gt_state_to_json(&st, GT_STATUS_RUNNING, "");
    cleanup_free char *s = json_dumps(j, JSON_COMPACT);
    char expect[512];
    snprintf(expect, sizeof expect,
             "{\"ociVersion\":\"%s\",\"id\":\"c1\",\"pid\":%d,\"status\":\"running\","
             "\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\",\"created\":\"2024-01-02T03:04:05.5Z\","
             "\"annotations\":{\"k\":\"v\"},\"owner\":\"\"}",
             GT_SPEC_VERSION, (int)getpid());
    CHECK_STR_EQ(s, expect);
    json_decref(j);
    j = gt_state_to_json(&st, GT_STATUS_STOPPED, "root");
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "pid")), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "status")), "stopped");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "owner")), "root");
    json_decref(j);
    gt_state_release(&st);
}

TEST(created_time_is_rfc3339_like_go)
{
    char buf[64];
    gt_format_rfc3339(buf, sizeof buf);
    CHECK_INT_EQ(buf[4], '-');
    CHECK_INT_EQ(buf[10], 'T');
    CHECK_INT_EQ(buf[strlen(buf) - 1], 'Z');
    const char *dot = strchr(buf, '.');
    if (dot) {
        CHECK(strlen(dot) <= 11); /* up to 9 digits + Z */
        CHECK(buf[strlen(buf) - 2] != '0'); /* trailing zeros trimmed */
    }
}

TEST(open_in_root_stays_inside_and_creates)
{
    const char *root = unit_tmpdir();
    cleanup_free char *etc = gt_path_join(root, "etc");
    REQUIRE(mkdir(etc, 0755) == 0);
    /* a symlink to an absolute host path resolves inside the root */
    cleanup_free char *lnk = gt_path_join(root, "escape");
    REQUIRE(symlink("/etc", lnk) == 0);
    cleanup_close int rootfd = open(root, O_PATH | O_DIRECTORY);
    REQUIRE(rootfd >= 0);
    struct gt_error err;
    int fd = gt_open_in_root(rootfd, "/escape/new/dir", true, false, &err);
    REQUIRE(fd >= 0);
    close(fd);
    cleanup_free char *made = gt_path_join(root, "etc/new/dir");
    struct stat st;
    CHECK(stat(made, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(!gt_path_exists("/etc/new/dir"));
    /* ".." does not climb out either */
    fd = gt_open_in_root(rootfd, "/../../escape/file", true, true, &err);
    REQUIRE(fd >= 0);
    close(fd);
    cleanup_free char *file = gt_path_join(root, "etc/file");
    CHECK(stat(file, &st) == 0 && S_ISREG(st.st_mode));
    /* without create, a missing path is an error that names it */
    CHECK(gt_open_in_root(rootfd, "/nope", false, false, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "/nope");
}

TEST(program_lookup_uses_the_container_path)
{
    const char *dir = unit_tmpdir();
    cleanup_free char *bin = gt_path_join(dir, "bin");
    REQUIRE(mkdir(bin, 0755) == 0);
    cleanup_free char *prog = gt_path_join(bin, "tool");
    struct gt_error err;
    REQUIRE(gt_write_file(prog, "#!/bin/sh\n", 10, 0755, &err) == 0);
    cleanup_free char *noexec = gt_path_join(bin, "data");
    REQUIRE(gt_write_file(noexec, "x", 1, 0644, &err) == 0);
    cleanup_free char *path = gt_xasprintf("PATH=/nonexistent:%s", bin);
    const char *args[] = { "tool", NULL };
    const char *env[] = { path, NULL };
    struct gt_process p = { .args = args, .env = env };
    char *found = NULL;
    REQUIRE(gt_process_find_program(&p, &found, &err) == 0);
    CHECK_STR_EQ(found, prog);
    free(found);
    args[0] = "data";
    CHECK(gt_process_find_program(&p, &found, &err) < 0);
    CHECK_STR_EQ(err.msg, "exec: \"data\": executable file not found in $PATH");
    args[0] = "/no/such/prog";
    CHECK(gt_process_find_program(&p, &found, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "/no/such/prog");
}

TEST(passwd_fields_and_home)
{
    const char *dir = unit_tmpdir();
    cleanup_free char *pw = gt_path_join(dir, "passwd");
    const char *text = "root:x:0:0:root:/root:/bin/sh\n#comment\nbad\n"
                       "app:x:1000:1000::/home/app:/bin/sh\nnohome:x:7:7:::\n";
    struct gt_error err;
    REQUIRE(gt_write_file(pw, text, strlen(text), 0644, &err) == 0);
    cleanup_free char *n = gt_passwd_field(pw, 1000, 0);
    cleanup_free char *h = gt_passwd_field(pw, 1000, 5);
    CHECK_STR_EQ(n, "app");
    CHECK_STR_EQ(h, "/home/app");
    CHECK(gt_passwd_field(pw, 7, 5) == NULL);
    CHECK(gt_passwd_field(pw, 42, 0) == NULL);
    /* HOME is added when the process has none */
    const char *args[] = { "x", NULL };
    const char *env[] = { "A=b", NULL };
    struct gt_process p = { .args = args, .env = env };
    char **extra = NULL;
    const char **e = gt_process_env(&p, &extra);
    CHECK_STR_EQ(e[0], "A=b");
    CHECK(e[1] && strncmp(e[1], "HOME=", 5) == 0);
    CHECK(e[2] == NULL);
    free(e);
    gt_strv_free(extra);
    const char *env2[] = { "HOME=/x", NULL };
    p.env = env2;
    e = gt_process_env(&p, &extra);
    CHECK(e[1] == NULL);
    free(e);
    gt_strv_free(extra);
}
