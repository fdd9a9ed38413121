/* The engine with real containers: create, start, wait, logs, inspect,
 * list, stop, kill, remove, and what a failed create leaves (nothing). */
#include "tests/unit/test_engine_util.h"

#include <sys/wait.h>

TEST(engine_run_to_exit_with_logs)
{
    FX(f, false);
    struct gt_error err = { 0 };
    cleanup_free char *id = fx_create(&f, "hello", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"echo out; echo err >&2; exit 3\"]}", &err);
    REQUIRE(id);
    CHECK_INT_EQ(strlen(id), 64);
    char buf[256];
    CHECK_STR_EQ(fx_field(&f, "hello", "State.Status", buf, sizeof buf), "created");
    CHECK_STR_EQ(fx_field(&f, "/hello", "Name", buf, sizeof buf), "/hello");
    CHECK_STR_EQ(fx_field(&f, id, "Path", buf, sizeof buf), "sh");
    REQUIRE(gt_engine_container_start(f.e, "hello", &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, "hello", GT_WAIT_NOT_RUNNING), 3);
    CHECK_STR_EQ(fx_field(&f, "hello", "State.Status", buf, sizeof buf), "exited");
    CHECK_STR_EQ(fx_field(&f, "hello", "State.ExitCode", buf, sizeof buf), "3");
    struct fx_buf logs;
    fx_logs(&f, "hello", -1, &logs);
    CHECK_STR_CONTAINS(logs.data, "out\n");
    CHECK_STR_CONTAINS(logs.data, "err\n");
    CHECK_INT_EQ(logs.lines, 2);
    CHECK(logs.last_ts > 0);
    /* only stderr */
    struct gt_logs_options o = { .want_stderr = true, .tail = -1 };
    struct fx_buf only;
    memset(&only, 0, sizeof only);
    REQUIRE(gt_engine_container_logs(f.e, "hello", &o, fx_collect, &only, -1, &err) == 0);
    CHECK_STR_EQ(only.data, "err\n");
    /* the json-file record on disk */
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/containers/%s/%s-json.log", f.data, id, id);
    cleanup_free char *raw = NULL;
    REQUIRE(gt_read_file(path, 1 << 20, &raw, NULL, NULL) == 0);
    CHECK_STR_CONTAINS(raw, "{\"log\":\"out\\n\",\"stream\":\"stdout\",\"time\":\"");
    /* start again: a second run appends */
    REQUIRE(gt_engine_container_start(f.e, id, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, id, GT_WAIT_NOT_RUNNING), 3);
    fx_logs(&f, id, -1, &logs);
    CHECK_INT_EQ(logs.lines, 4);
    fx_logs(&f, id, 1, &logs);
    CHECK_INT_EQ(logs.lines, 1);
    REQUIRE(gt_engine_container_remove(f.e, "hello", false, false, &err) == 0);
    CHECK(fx_inspect(&f, "hello") == NULL);
    snprintf(path, sizeof path, "%s/containers/%s", f.data, id);
    CHECK(!gt_path_exists(path));
    snprintf(path, sizeof path, "%s/snapshots/active/%s", f.data, id);
    CHECK(!gt_path_exists(path));
}

TEST(engine_stop_kill_and_remove)
{
    FX(f, false);
    struct gt_error err = { 0 };
    cleanup_free char *a = fx_create(&f, "trapper", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"trap 'exit 7' TERM; while true; do sleep 0.1; done\"]}", &err);
    cleanup_free char *b = fx_create(&f, "sleeper", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"]}", &err);
    REQUIRE(a && b);
    REQUIRE(gt_engine_container_start(f.e, "trapper", &err) == 0);
    REQUIRE(gt_engine_container_start(f.e, "sleeper", &err) == 0);
    char buf[256];
    CHECK_STR_EQ(fx_field(&f, "sleeper", "State.Status", buf, sizeof buf), "running");
    CHECK(atoi(fx_field(&f, "sleeper", "State.Pid", buf, sizeof buf)) > 0);
    /* a running container is not removed without force */
    CHECK_INT_EQ(gt_engine_container_remove(f.e, "sleeper", false, false, &err), -EBUSY);
    CHECK_INT_EQ(gt_engine_container_start(f.e, "sleeper", &err), -EALREADY);
    fx_sleep_ms(300); /* the trap is set */
    time_t t0 = time(NULL);
    REQUIRE(gt_engine_container_stop(f.e, "trapper", -1, NULL, &err) == 0);
    CHECK(time(NULL) - t0 < 5);
    CHECK_STR_EQ(fx_field(&f, "trapper", "State.ExitCode", buf, sizeof buf), "7");
    CHECK_INT_EQ(gt_engine_container_stop(f.e, "trapper", -1, NULL, &err), -EALREADY);
    /* sleep as pid 1 ignores TERM: killed after the timeout */
    t0 = time(NULL);
    REQUIRE(gt_engine_container_stop(f.e, "sleeper", 1, NULL, &err) == 0);
    CHECK(time(NULL) - t0 >= 1);
    CHECK_STR_EQ(fx_field(&f, "sleeper", "State.ExitCode", buf, sizeof buf), "137");
    /* kill, by signal */
    REQUIRE(gt_engine_container_start(f.e, "sleeper", &err) == 0);
    REQUIRE(gt_engine_container_kill(f.e, "sleeper", SIGKILL, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, "sleeper", GT_WAIT_NOT_RUNNING), 137);
    CHECK_INT_EQ(gt_engine_container_kill(f.e, "sleeper", SIGKILL, &err), -EBUSY);
    /* force-remove of a running one */
    REQUIRE(gt_engine_container_start(f.e, "trapper", &err) == 0);
    REQUIRE(gt_engine_container_remove(f.e, "trapper", true, false, &err) == 0);
    CHECK(fx_inspect(&f, "trapper") == NULL);
    REQUIRE(gt_engine_container_remove(f.e, "sleeper", false, false, &err) == 0);
    /* the container's own StopSignal and StopTimeout */
    cleanup_free char *c = fx_create(&f, "usr1", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"trap 'exit 12' USR1; while true; do sleep 0.1; done\"],\"StopSignal\":\"SIGUSR1\",\"StopTimeout\":3}", &err);
    REQUIRE(c);
    REQUIRE(gt_engine_container_start(f.e, c, &err) == 0);
    fx_sleep_ms(300);
    REQUIRE(gt_engine_container_stop(f.e, c, -1, NULL, &err) == 0);
    CHECK_STR_EQ(fx_field(&f, c, "State.ExitCode", buf, sizeof buf), "12");
    REQUIRE(gt_engine_container_remove(f.e, c, false, false, &err) == 0);
    /* the cgroups went with them */
    char cg[PATH_MAX];
    snprintf(cg, sizeof cg, "/sys/fs/cgroup/pids%s/%s", f.cg, a);
    CHECK(!gt_path_exists(cg));
}

TEST(engine_list_filters_and_names)
{
    FX(f, false);
    struct gt_error err = { 0 };
    cleanup_free char *a = fx_create(&f, "alpha", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"],\"Labels\":{\"tier\":\"front\"}}", &err);
    cleanup_free char *b = fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}", &err);
    REQUIRE(a && b);
    REQUIRE(gt_engine_container_start(f.e, "alpha", &err) == 0);
    REQUIRE(gt_engine_container_start(f.e, b, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, b, GT_WAIT_NOT_RUNNING), 0);
    json_t *list = NULL;
    REQUIRE(gt_engine_container_list(f.e, false, 0, false, NULL, &list, &err) == 0);
    CHECK_INT_EQ(json_array_size(list), 1);
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(json_array_get(list, 0), "Names"), 0)), "/alpha");
    CHECK_STR_CONTAINS(json_string_value(json_object_get(json_array_get(list, 0), "Status")), "Up ");
    json_decref(list);
    REQUIRE(gt_engine_container_list(f.e, true, 0, false, NULL, &list, &err) == 0);
    CHECK_INT_EQ(json_array_size(list), 2);
    json_decref(list);
    json_t *fl = json_pack("{s:{s:b}}", "status", "exited", true);
    REQUIRE(gt_engine_container_list(f.e, false, 0, false, fl, &list, &err) == 0);
    CHECK_INT_EQ(json_array_size(list), 1);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(list, 0), "Id")), b);
    CHECK_STR_CONTAINS(json_string_value(json_object_get(json_array_get(list, 0), "Status")), "Exited (0) ");
    json_decref(list);
    json_decref(fl);
    fl = json_pack("{s:{s:b}}", "label", "tier=front", true);
    REQUIRE(gt_engine_container_list(f.e, true, 0, false, fl, &list, &err) == 0);
    CHECK_INT_EQ(json_array_size(list), 1);
    json_decref(list);
    json_decref(fl);
    fl = json_pack("{s:{s:b}}", "name", "^/alp", true);
    REQUIRE(gt_engine_container_list(f.e, true, 0, false, fl, &list, &err) == 0);
    CHECK_INT_EQ(json_array_size(list), 1);
    json_decref(list);
    json_decref(fl);
    fl = json_pack("{s:{s:b}}", "bogus", "x", true);
    CHECK_INT_EQ(gt_engine_container_list(f.e, true, 0, false, fl, &list, &err), -EINVAL);
    json_decref(fl);
    /* names: taken, invalid, renamed, prefixes */
    CHECK(fx_create(&f, "alpha", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}", &err) == NULL);
    CHECK_INT_EQ(err.code, EEXIST);
    CHECK_STR_CONTAINS(err.msg, "already in use");
    CHECK(fx_create(&f, "bad/name", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}", &err) == NULL);
    CHECK_INT_EQ(err.code, EINVAL);
    REQUIRE(gt_engine_container_rename(f.e, "alpha", "beta", &err) == 0);
    char buf[64];
    CHECK_STR_EQ(fx_field(&f, "beta", "Name", buf, sizeof buf), "/beta");
    char prefix[13];
    snprintf(prefix, sizeof prefix, "%.12s", a);
    CHECK_STR_EQ(fx_field(&f, prefix, "Name", buf, sizeof buf), "/beta");
    CHECK_INT_EQ(gt_engine_container_inspect(f.e, "nosuch", false, &list, &err), -ENOENT);
    CHECK_STR_CONTAINS(err.msg, "No such container: nosuch");
    REQUIRE(gt_engine_container_remove(f.e, "beta", true, false, &err) == 0);
}

TEST(engine_failed_create_and_start_leave_nothing)
{
    FX(f, false);
    struct gt_error err = { 0 };
    char path[PATH_MAX];
    /* bad configs are refused before anything is made */
    CHECK(fx_create(&f, "x1", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"Memory\":1024}}", &err) == NULL);
    CHECK_STR_CONTAINS(err.msg, "Minimum memory limit");
    CHECK(fx_create(&f, "x2", "{\"Image\":\"nosuchimage\",\"Cmd\":[\"true\"]}", &err) == NULL);
    CHECK_INT_EQ(err.code, ENOENT);
    CHECK_STR_CONTAINS(err.msg, "No such image");
    CHECK(fx_create(&f, "x3", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"sometimes\"}}}", &err) == NULL);
    CHECK_INT_EQ(err.code, EINVAL);
    CHECK(fx_create(&f, "x4", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"mynet\"}}", &err) == NULL);
    CHECK_INT_EQ(err.code, ENOENT);
    CHECK_STR_CONTAINS(err.msg, "network mynet not found");
    CHECK(fx_create(&f, "x5", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"CapAdd\":[\"NOPE\"]}}", &err) == NULL);
    CHECK_INT_EQ(err.code, EINVAL);
    CHECK(fx_create(&f, "x6", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"Binds\":[\"vol:relative\"]}}", &err) == NULL);
    CHECK_INT_EQ(err.code, EINVAL);
    snprintf(path, sizeof path, "%s/containers", f.data);
    CHECK_INT_EQ(fx_sh("[ -z \"$(ls -A %s)\" ]", path), 0);
    snprintf(path, sizeof path, "%s/snapshots/active", f.data);
    CHECK_INT_EQ(fx_sh("[ -z \"$(ls -A %s 2>/dev/null)\" ]", path), 0);
    snprintf(path, sizeof path, "%s/volumes", f.data);
    CHECK_INT_EQ(fx_sh("[ -z \"$(ls -A %s)\" ]", path), 0);
    /* a start that fails (no such binary) leaves no mount, cgroup or runtime state */
    cleanup_free char *id = fx_create(&f, "nobin", "{\"Image\":\"busybox\",\"Cmd\":[\"/no/such/binary\"]}", &err);
    REQUIRE(id);
    CHECK(gt_engine_container_start(f.e, "nobin", &err) < 0);
    CHECK(strcasestr(err.msg, "no such file") != NULL);
    char buf[512];
    CHECK_STR_EQ(fx_field(&f, "nobin", "State.ExitCode", buf, sizeof buf), "127");
    CHECK_STR_EQ(fx_field(&f, "nobin", "State.Status", buf, sizeof buf), "created");
    CHECK_INT_EQ(fx_sh("grep -q '%s' /proc/self/mounts", id), 1);
    snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/%s", f.cg, id);
    CHECK(!gt_path_exists(path));
    snprintf(path, sizeof path, "%s/runtime/%s", f.exec, id);
    CHECK(!gt_path_exists(path));
    /* --rm and a failed start: the container goes too */
    cleanup_free char *id2 = fx_create(&f, "nobin2", "{\"Image\":\"busybox\",\"Cmd\":[\"/no/such/binary\"],\"HostConfig\":{\"AutoRemove\":true}}", &err);
    REQUIRE(id2);
    CHECK(gt_engine_container_start(f.e, "nobin2", &err) < 0);
    CHECK(fx_inspect(&f, "nobin2") == NULL);
    snprintf(path, sizeof path, "%s/snapshots/active/%s", f.data, id2);
    CHECK(!gt_path_exists(path));
}

TEST(engine_config_merge_and_options)
{
    FX(f, false);
    struct gt_error err = { 0 };
    cleanup_free char *id = fx_create(&f, "opts",
        "{\"Image\":\"busybox\",\"Entrypoint\":[\"sh\",\"-c\"],"
        "\"Cmd\":[\"echo $FOO $(pwd) $(id -u):$(id -g) $(hostname); cat /etc/hostname; grep -c localhost /etc/hosts; ls /sys/class/net\"],"
        "\"Env\":[\"FOO=bar\"],\"WorkingDir\":\"/tmp/work\",\"User\":\"1000:1000\",\"Hostname\":\"box\"}", &err);
    REQUIRE(id);
    REQUIRE(gt_engine_container_start(f.e, id, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, id, GT_WAIT_NOT_RUNNING), 0);
    struct fx_buf logs;
    fx_logs(&f, id, -1, &logs);
    CHECK_STR_EQ(logs.data, "bar /tmp/work 1000:1000 box\nbox\n2\nlo\n");
    json_t *j = fx_inspect(&f, id);
    REQUIRE(j);
    /* the image's env is merged in, the user's wins */
    cleanup_free char *env = json_dumps(json_object_get(json_object_get(j, "Config"), "Env"), 0);
    CHECK_STR_CONTAINS(env, "PATH=/usr/local/sbin");
    json_decref(j);
    /* named user, read-only root with a tmpfs, dropped capabilities, nnp */
    cleanup_free char *id2 = fx_create(&f, "ro",
        "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"id -un; touch /x 2>/dev/null || echo ro; touch /scratch/y && echo tmpfs; grep NoNewPrivs /proc/self/status\"],"
        "\"User\":\"user1\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"Tmpfs\":{\"/scratch\":\"size=1m\"},"
        "\"CapDrop\":[\"ALL\"],\"SecurityOpt\":[\"no-new-privileges\"]}}", &err);
    REQUIRE(id2);
    REQUIRE(gt_engine_container_start(f.e, id2, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, id2, GT_WAIT_NOT_RUNNING), 0);
    fx_logs(&f, id2, -1, &logs);
    CHECK_STR_CONTAINS(logs.data, "user1\nro\ntmpfs\nNoNewPrivs:\t1\n");
    /* --init: our init is pid 1 and passes the exit status on */
    cleanup_free char *id3 = fx_create(&f, "init",
        "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"tr '\\\\0' ' ' < /proc/1/cmdline; exit 5\"],\"HostConfig\":{\"Init\":true}}", &err);
    REQUIRE(id3);
    REQUIRE(gt_engine_container_start(f.e, id3, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, id3, GT_WAIT_NOT_RUNNING), 5);
    fx_logs(&f, id3, -1, &logs);
    CHECK_STR_CONTAINS(logs.data, "/sbin/gantry-init -- sh");
    /* privileged: every capability of the bounding set */
    cleanup_free char *id4 = fx_create(&f, "priv",
        "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"grep CapEff /proc/self/status\"],\"HostConfig\":{\"Privileged\":true}}", &err);
    REQUIRE(id4);
    REQUIRE(gt_engine_container_start(f.e, id4, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, id4, GT_WAIT_NOT_RUNNING), 0);
    fx_logs(&f, id4, -1, &logs);
    cleanup_free char *status = NULL;
    REQUIRE(gt_read_file("/proc/self/status", 1 << 16, &status, NULL, NULL) == 0);
    char bnd[32] = "";
    sscanf(strstr(status, "CapBnd:") + 7, "%31s", bnd);
    CHECK_STR_CONTAINS(logs.data, bnd);
}

TEST(engine_limits_and_oom)
{
    FX(f, false);
    struct gt_error err = { 0 };
    cleanup_free char *id = fx_create(&f, "lim",
        "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"],\"HostConfig\":{\"Memory\":67108864,\"NanoCpus\":500000000,\"PidsLimit\":20}}", &err);
    REQUIRE(id);
    REQUIRE(gt_engine_container_start(f.e, id, &err) == 0);
    char path[PATH_MAX];
    cleanup_free char *v = NULL;
    snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/%s/memory.limit_in_bytes", f.cg, id);
    REQUIRE(gt_read_file(path, 64, &v, NULL, NULL) == 0);
    CHECK_INT_EQ(atoll(v), 67108864);
    free(v);
    v = NULL;
    snprintf(path, sizeof path, "/sys/fs/cgroup/cpu,cpuacct%s/%s/cpu.cfs_quota_us", f.cg, id);
    if (!gt_path_exists(path))
        snprintf(path, sizeof path, "/sys/fs/cgroup/cpu%s/%s/cpu.cfs_quota_us", f.cg, id);
    REQUIRE(gt_read_file(path, 64, &v, NULL, NULL) == 0);
    CHECK_INT_EQ(atoll(v), 50000);
    free(v);
    v = NULL;
    snprintf(path, sizeof path, "/sys/fs/cgroup/pids%s/%s/pids.max", f.cg, id);
    REQUIRE(gt_read_file(path, 64, &v, NULL, NULL) == 0);
    CHECK_INT_EQ(atoll(v), 20);
    REQUIRE(gt_engine_container_remove(f.e, id, true, false, &err) == 0);
    /* an OOM kill: 137 and OOMKilled */
    cleanup_free char *oom = fx_create(&f, "oom",
        "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"dd if=/dev/zero of=/dev/null bs=64M count=1\"],\"HostConfig\":{\"Memory\":33554432}}", &err);
    REQUIRE(oom);
    REQUIRE(gt_engine_container_start(f.e, oom, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, oom, GT_WAIT_NOT_RUNNING), 137);
    char buf[32];
    CHECK_STR_EQ(fx_field(&f, oom, "State.OOMKilled", buf, sizeof buf), "true");
}

TEST(engine_seccomp_and_namespaces)
{
    FX(f, false);
    struct gt_error err = { 0 };
    /* the default profile filters; unconfined and privileged do not */
    static const struct {
        const char *hc, *want;
    } cases[] = {
        { "{}", "Seccomp:\t2" },
        { "{\"SecurityOpt\":[\"seccomp=unconfined\"]}", "Seccomp:\t0" },
        { "{\"Privileged\":true}", "Seccomp:\t0" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[512];
        snprintf(json, sizeof json, "{\"Image\":\"busybox\",\"Cmd\":[\"grep\",\"Seccomp:\",\"/proc/self/status\"],\"HostConfig\":%s}", cases[i].hc);
        cleanup_free char *id = fx_create(&f, NULL, json, &err);
        REQUIRE(id);
        REQUIRE(gt_engine_container_start(f.e, id, &err) == 0);
        CHECK_INT_EQ(fx_wait(&f, id, GT_WAIT_NOT_RUNNING), 0);
        struct fx_buf logs;
        fx_logs(&f, id, -1, &logs);
        CHECK_STR_CONTAINS(logs.data, cases[i].want);
    }
    /* the default profile refuses what docker's does, e.g. a new user namespace */
    cleanup_free char *u = fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"unshare\",\"-U\",\"true\"],\"HostConfig\":{\"CapAdd\":[\"ALL\"],\"SecurityOpt\":[]}}", &err);
    REQUIRE(u);
    REQUIRE(gt_engine_container_start(f.e, u, &err) == 0);
    CHECK(fx_wait(&f, u, GT_WAIT_NOT_RUNNING) == 0); /* CAP_SYS_ADMIN lifts the rule */
    cleanup_free char *u2 = fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"unshare\",\"-U\",\"true\"]}", &err);
    REQUIRE(u2);
    REQUIRE(gt_engine_container_start(f.e, u2, &err) == 0);
    CHECK(fx_wait(&f, u2, GT_WAIT_NOT_RUNNING) != 0);
    /* container:<name> joins the other's network namespace; host is the host's */
    cleanup_free char *a = fx_create(&f, "netowner", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"]}", &err);
    REQUIRE(a);
    REQUIRE(gt_engine_container_start(f.e, a, &err) == 0);
    char pid[32], inode_a[64];
    fx_field(&f, a, "State.Pid", pid, sizeof pid);
    char link[64];
    snprintf(link, sizeof link, "/proc/%s/ns/net", pid);
    ssize_t n = readlink(link, inode_a, sizeof inode_a - 1);
    REQUIRE(n > 0);
    inode_a[n] = '\0';
    cleanup_free char *b = fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"readlink\",\"/proc/self/ns/net\"],\"HostConfig\":{\"NetworkMode\":\"container:netowner\"}}", &err);
    REQUIRE(b);
    REQUIRE(gt_engine_container_start(f.e, b, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, b, GT_WAIT_NOT_RUNNING), 0);
    struct fx_buf logs;
    fx_logs(&f, b, -1, &logs);
    CHECK_STR_CONTAINS(logs.data, inode_a);
    char host_ns[64];
    n = readlink("/proc/self/ns/net", host_ns, sizeof host_ns - 1);
    REQUIRE(n > 0);
    host_ns[n] = '\0';
    cleanup_free char *h = fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"readlink\",\"/proc/self/ns/net\"],\"HostConfig\":{\"NetworkMode\":\"host\"}}", &err);
    REQUIRE(h);
    REQUIRE(gt_engine_container_start(f.e, h, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, h, GT_WAIT_NOT_RUNNING), 0);
    fx_logs(&f, h, -1, &logs);
    CHECK_STR_CONTAINS(logs.data, host_ns);
    REQUIRE(gt_engine_container_remove(f.e, a, true, false, &err) == 0);
}

TEST(engine_killed_monitor)
{
    FX(f, false);
    struct gt_error err = { 0 };
    cleanup_free char *id = fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"]}", &err);
    REQUIRE(id);
    REQUIRE(gt_engine_container_start(f.e, id, &err) == 0);
    char pid[32];
    fx_field(&f, id, "State.Pid", pid, sizeof pid);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/containers/%s/state.json", f.data, id);
    cleanup_json json_t *st = NULL;
    REQUIRE(gt_json_load_file(path, &st, &err) == 0);
    int mon = (int)json_integer_value(json_object_get(st, "MonitorPid"));
    REQUIRE(mon > 0);
    REQUIRE(kill(mon, SIGKILL) == 0);
    /* the engine notices, records it, and does not leave the container running */
    CHECK_INT_EQ(fx_wait(&f, id, GT_WAIT_NOT_RUNNING), 255);
    char buf[256];
    CHECK_STR_CONTAINS(fx_field(&f, id, "State.Error", buf, sizeof buf), "monitor");
    CHECK(FX_UNTIL(5000, kill(atoi(pid), 0) < 0));
    snprintf(path, sizeof path, "/sys/fs/cgroup/pids%s/%s", f.cg, id);
    CHECK(!gt_path_exists(path));
    REQUIRE(gt_engine_container_remove(f.e, id, false, false, &err) == 0);
}
