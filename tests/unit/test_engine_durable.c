/* What outlasts a call: restart policies and their back-off, monitors that
 * outlive the engine (adoption, exits collected while no engine ran),
 * concurrent creates, volumes, health checks, stats/top/export/pause, and
 * the image functions. */
#include "tests/unit/test_engine_util.h"

#include <pthread.h>

static int restart_count(struct fx *f, const char *ref)
{
    char buf[32];
    return atoi(fx_field(f, ref, "RestartCount", buf, sizeof buf));
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

TEST(engine_restart_policies_and_backoff)
{
    FX(f, false);
    struct gt_error err = { 0 };
    cleanup_free char *a = fx_create(&f, "onfail", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"exit 1\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":2}}}", &err);
    cleanup_free char *b = fx_create(&f, "always", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"always\"}}}", &err);
    cleanup_free char *c = fx_create(&f, "never", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"exit 1\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"no\"}}}", &err);
    cleanup_free char *d = fx_create(&f, "okexit", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"on-failure\"}}}", &err);
    REQUIRE(a && b && c && d);
    /* --rm with a restart policy is refused */
    CHECK(fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"always\"}}}", &err) == NULL);
    int64_t t0 = now_ms();
    REQUIRE(gt_engine_container_start(f.e, "onfail", &err) == 0);
    REQUIRE(gt_engine_container_start(f.e, "always", &err) == 0);
    REQUIRE(gt_engine_container_start(f.e, "never", &err) == 0);
    REQUIRE(gt_engine_container_start(f.e, "okexit", &err) == 0);
    char buf[64];
    CHECK(FX_UNTIL(20000, restart_count(&f, "onfail") == 2 &&
                              !strcmp(fx_field(&f, "onfail", "State.Status", buf, sizeof buf), "exited")));
    /* the back-off doubles from 100 ms: 4 restarts take at least 100+200+400+800 ms */
    CHECK(FX_UNTIL(20000, restart_count(&f, "always") >= 4));
    CHECK(now_ms() - t0 >= 1500);
    fx_sleep_ms(300);
    CHECK_INT_EQ(restart_count(&f, "never"), 0);
    CHECK_INT_EQ(restart_count(&f, "okexit"), 0);
    CHECK_STR_EQ(fx_field(&f, "never", "State.Status", buf, sizeof buf), "exited");
    /* stop ends the restarts, whatever state it finds */
    REQUIRE(gt_engine_container_stop(f.e, "always", 1, NULL, &err) == 0);
    int n = restart_count(&f, "always");
    fx_sleep_ms(2000);
    CHECK_INT_EQ(restart_count(&f, "always"), n);
    CHECK_STR_EQ(fx_field(&f, "always", "State.Status", buf, sizeof buf), "exited");
    /* a start by hand works again after a stop */
    REQUIRE(gt_engine_container_start(f.e, "always", &err) == 0);
    REQUIRE(gt_engine_container_remove(f.e, "always", true, false, &err) == 0);
}

TEST(engine_monitors_outlive_the_engine)
{
    FX(f, false);
    struct gt_error err = { 0 };
    cleanup_free char *a = fx_create(&f, "long", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"echo hello-long; trap 'exit 9' TERM; while true; do sleep 0.1; done\"]}", &err);
    cleanup_free char *b = fx_create(&f, "short", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"sleep 1; echo bye; exit 4\"]}", &err);
    REQUIRE(a && b);
    REQUIRE(gt_engine_container_start(f.e, "long", &err) == 0);
    REQUIRE(gt_engine_container_start(f.e, "short", &err) == 0);
    char pid[32];
    fx_field(&f, "long", "State.Pid", pid, sizeof pid);
    REQUIRE(atoi(pid) > 0);
    /* the engine goes; nothing is killed */
    gt_engine_free(f.e);
    f.e = NULL;
    CHECK(kill(atoi(pid), 0) == 0);
    fx_sleep_ms(2000); /* "short" ends while no engine runs */
    CHECK(kill(atoi(pid), 0) == 0);
    REQUIRE(fx_open(&f) == 0);
    char buf[128];
    CHECK_STR_EQ(fx_field(&f, "long", "State.Status", buf, sizeof buf), "running");
    CHECK_STR_EQ(fx_field(&f, "long", "State.Pid", buf, sizeof buf), pid);
    CHECK_STR_EQ(fx_field(&f, "short", "State.Status", buf, sizeof buf), "exited");
    CHECK_STR_EQ(fx_field(&f, "short", "State.ExitCode", buf, sizeof buf), "4");
    struct fx_buf logs;
    fx_logs(&f, "short", -1, &logs);
    CHECK_STR_EQ(logs.data, "bye\n");
    fx_logs(&f, "long", -1, &logs);
    CHECK_STR_EQ(logs.data, "hello-long\n");
    /* the adopted one is driven as before: exec, stop, its exit code */
    json_t *cfg = json_pack("{s:[s,s],s:b}", "Cmd", "echo", "adopted", "AttachStdout", true);
    char *xid = NULL;
    REQUIRE(gt_engine_exec_create(f.e, "long", cfg, &xid, &err) == 0);
    json_decref(cfg);
    struct fx_buf out;
    memset(&out, 0, sizeof out);
    REQUIRE(gt_engine_exec_start(f.e, xid, false, -1, fx_collect, &out, -1, &err) == 0);
    free(xid);
    CHECK_STR_EQ(out.data, "adopted\n");
    REQUIRE(gt_engine_container_stop(f.e, "long", 5, NULL, &err) == 0);
    CHECK_STR_EQ(fx_field(&f, "long", "State.ExitCode", buf, sizeof buf), "9");
    /* a restart of the engine with no container running is quiet too */
    gt_engine_free(f.e);
    f.e = NULL;
    REQUIRE(fx_open(&f) == 0);
    CHECK_STR_EQ(fx_field(&f, "long", "State.Status", buf, sizeof buf), "exited");
    REQUIRE(gt_engine_container_remove(f.e, "long", false, false, &err) == 0);
    REQUIRE(gt_engine_container_remove(f.e, "short", false, false, &err) == 0);
}

struct create_job {
    struct fx *f;
    char name[32];
    char *id;
    int rc;
    char msg[256];
};

static void *create_main(void *p)
{
    struct create_job *j = p;
    struct gt_error err = { 0 };
    j->id = fx_create(j->f, j->name, "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"300\"]}", &err);
    j->rc = j->id ? 0 : -err.code;
    snprintf(j->msg, sizeof j->msg, "%s", err.msg);
    if (j->id && j->name[0] != 's')
        j->rc = gt_engine_container_start(j->f->e, j->id, &err);
    return NULL;
}

TEST(engine_fifty_creates_at_once)
{
    FX(f, false);
    enum { N = 50, SAME = 10 };
    struct create_job jobs[N + SAME];
    pthread_t t[N + SAME];
    for (int i = 0; i < N + SAME; i++) {
        jobs[i] = (struct create_job){ .f = &f };
        if (i < N)
            snprintf(jobs[i].name, sizeof jobs[i].name, "c%d", i);
        else
            snprintf(jobs[i].name, sizeof jobs[i].name, "same");
        pthread_create(&t[i], NULL, create_main, &jobs[i]);
    }
    for (int i = 0; i < N + SAME; i++)
        pthread_join(t[i], NULL);
    int ok = 0, same_ok = 0;
    for (int i = 0; i < N; i++) {
        if (jobs[i].rc != 0)
            fprintf(stderr, "c%d: %s\n", i, jobs[i].msg);
        ok += jobs[i].rc == 0;
    }
    for (int i = N; i < N + SAME; i++)
        same_ok += jobs[i].rc == 0;
    CHECK_INT_EQ(ok, N);
    CHECK_INT_EQ(same_ok, 1);
    for (int i = 0; i < N; i++)
        for (int k = i + 1; k < N; k++)
            if (jobs[i].id && jobs[k].id)
                CHECK(strcmp(jobs[i].id, jobs[k].id) != 0);
    json_t *list = NULL;
    struct gt_error err = { 0 };
    REQUIRE(gt_engine_container_list(f.e, false, 0, false, NULL, &list, &err) == 0);
    CHECK_INT_EQ(json_array_size(list), N);
    json_decref(list);
    for (int i = 0; i < N + SAME; i++) {
        if (jobs[i].id)
            CHECK_INT_EQ(gt_engine_container_remove(f.e, jobs[i].id, true, false, &err), 0);
        free(jobs[i].id);
    }
    REQUIRE(gt_engine_container_list(f.e, true, 0, false, NULL, &list, &err) == 0);
    CHECK_INT_EQ(json_array_size(list), 0);
    json_decref(list);
}

TEST(engine_volumes)
{
    FX(f, true);
    struct gt_error err = { 0 };
    json_t *v = NULL;
    json_t *req = json_pack("{s:s,s:{s:s}}", "Name", "data1", "Labels", "k", "v");
    REQUIRE(gt_engine_volume_create(f.e, req, &v, &err) == 0);
    json_decref(req);
    CHECK_STR_CONTAINS(json_string_value(json_object_get(v, "Mountpoint")), f.data);
    json_decref(v);
    cleanup_free char *a = fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"echo persisted > /data/f\"],\"HostConfig\":{\"Binds\":[\"data1:/data\"],\"AutoRemove\":true}}", &err);
    REQUIRE(a);
    REQUIRE(gt_engine_container_start(f.e, a, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, a, GT_WAIT_REMOVED), 0);
    cleanup_free char *b = fx_create(&f, "reader", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"cat /data/f; cat /h/f; touch /h/x 2>/dev/null || echo ro\"],\"HostConfig\":{\"Binds\":[\"data1:/data\"]}}", &err);
    REQUIRE(b);
    /* a volume in use is not removed */
    CHECK_INT_EQ(gt_engine_volume_remove(f.e, "data1", false, &err), -EBUSY);
    REQUIRE(gt_engine_container_remove(f.e, b, false, false, &err) == 0);
    char host[PATH_MAX];
    snprintf(host, sizeof host, "%s/hostdir", f.dir);
    REQUIRE(fx_sh("mkdir -p %s && echo fromhost > %s/f", host, host) == 0);
    char json[1024];
    snprintf(json, sizeof json, "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"cat /data/f; cat /h/f; touch /h/x 2>/dev/null || echo ro\"],\"HostConfig\":{\"Binds\":[\"data1:/data\",\"%s:/h:ro\"]}}", host);
    cleanup_free char *c = fx_create(&f, "reader2", json, &err);
    REQUIRE(c);
    REQUIRE(gt_engine_container_start(f.e, c, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, c, GT_WAIT_NOT_RUNNING), 0);
    struct fx_buf logs;
    fx_logs(&f, c, -1, &logs);
    CHECK_STR_EQ(logs.data, "persisted\nfromhost\nro\n");
    REQUIRE(gt_engine_container_remove(f.e, c, false, false, &err) == 0);
    /* copy-up: a new named volume takes the image's content; the image's
     * VOLUME gets an anonymous one, removed with the container (-v) */
    cleanup_free char *d = fx_create(&f, "seeded", "{\"Image\":\"busybox:extra\",\"Cmd\":[\"cat\",\"/data/seed\"],\"HostConfig\":{\"Binds\":[\"fresh:/data\"]}}", &err);
    REQUIRE(d);
    REQUIRE(gt_engine_container_start(f.e, d, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, d, GT_WAIT_NOT_RUNNING), 0);
    fx_logs(&f, d, -1, &logs);
    CHECK_STR_EQ(logs.data, "seeded\n");
    cleanup_free char *e2 = fx_create(&f, "anon", "{\"Image\":\"busybox:extra\",\"Cmd\":[\"cat\",\"/data/seed\"]}", &err);
    REQUIRE(e2);
    json_t *ins = fx_inspect(&f, e2);
    REQUIRE(ins);
    const char *anon = json_string_value(json_object_get(json_array_get(json_object_get(ins, "Mounts"), 0), "Name"));
    REQUIRE(anon);
    char anon_path[PATH_MAX];
    snprintf(anon_path, sizeof anon_path, "%s/volumes/%s", f.data, anon);
    json_decref(ins);
    CHECK(gt_path_exists(anon_path));
    REQUIRE(gt_engine_container_start(f.e, e2, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, e2, GT_WAIT_NOT_RUNNING), 0);
    fx_logs(&f, e2, -1, &logs);
    CHECK_STR_EQ(logs.data, "seeded\n");
    REQUIRE(gt_engine_container_remove(f.e, e2, false, true, &err) == 0);
    CHECK(!gt_path_exists(anon_path));
    REQUIRE(gt_engine_container_remove(f.e, d, false, true, &err) == 0);
    /* named volumes stay after rm -v */
    REQUIRE(gt_engine_volume_inspect(f.e, "fresh", &v, &err) == 0);
    json_decref(v);
    json_t *list = NULL;
    REQUIRE(gt_engine_volume_list(f.e, NULL, &list, &err) == 0);
    CHECK_INT_EQ(json_array_size(json_object_get(list, "Volumes")), 2);
    json_decref(list);
    REQUIRE(gt_engine_volume_remove(f.e, "data1", false, &err) == 0);
    REQUIRE(gt_engine_volume_remove(f.e, "fresh", false, &err) == 0);
    CHECK_INT_EQ(gt_engine_volume_inspect(f.e, "data1", &v, &err), -ENOENT);
    req = json_pack("{s:s}", "Name", "bad/name");
    CHECK_INT_EQ(gt_engine_volume_create(f.e, req, &v, &err), -EINVAL);
    json_decref(req);
}

TEST(engine_healthcheck)
{
    FX(f, false);
    struct gt_error err = { 0 };
    /* Interval 300 ms, Retries 1: healthy once the file is there */
    cleanup_free char *id = fx_create(&f, "hc", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"sleep 1; touch /tmp/healthy; sleep 100\"],"
                                      "\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"test -e /tmp/healthy\"],\"Interval\":300000000,\"Retries\":1}}", &err);
    REQUIRE(id);
    REQUIRE(gt_engine_container_start(f.e, id, &err) == 0);
    char buf[64];
    CHECK(FX_UNTIL(3000, !strcmp(fx_field(&f, id, "State.Health.Status", buf, sizeof buf), "unhealthy") ||
                             !strcmp(buf, "starting")));
    CHECK(FX_UNTIL(10000, !strcmp(fx_field(&f, id, "State.Health.Status", buf, sizeof buf), "healthy")));
    json_t *j = fx_inspect(&f, id);
    REQUIRE(j);
    json_t *log = json_object_get(json_object_get(json_object_get(j, "State"), "Health"), "Log");
    CHECK(json_array_size(log) >= 1 && json_array_size(log) <= 5);
    json_decref(j);
    json_t *list = NULL;
    REQUIRE(gt_engine_container_list(f.e, false, 0, false, NULL, &list, &err) == 0);
    CHECK_STR_CONTAINS(json_string_value(json_object_get(json_array_get(list, 0), "Status")), "(healthy)");
    json_decref(list);
    /* a pause suspends the probes; they go on after it */
    REQUIRE(gt_engine_container_pause(f.e, id, true, &err) == 0);
    fx_sleep_ms(700);
    REQUIRE(gt_engine_container_pause(f.e, id, false, &err) == 0);
    json_t *rm = json_pack("{s:[s,s]}", "Cmd", "rm", "/tmp/healthy");
    char *xid = NULL;
    REQUIRE(gt_engine_exec_create(f.e, id, rm, &xid, &err) == 0);
    json_decref(rm);
    REQUIRE(gt_engine_exec_start(f.e, xid, false, -1, NULL, NULL, -1, &err) == 0);
    free(xid);
    CHECK(FX_UNTIL(10000, !strcmp(fx_field(&f, id, "State.Health.Status", buf, sizeof buf), "unhealthy")));
    REQUIRE(gt_engine_container_remove(f.e, id, true, false, &err) == 0);
}

static int stats_collect(void *ctx, const json_t *msg)
{
    json_t **out = ctx;
    json_decref(*out);
    *out = json_deep_copy(msg);
    return 0;
}

TEST(engine_stats_top_export_pause)
{
    FX(f, false);
    struct gt_error err = { 0 };
    cleanup_free char *id = fx_create(&f, "sta", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"],\"HostConfig\":{\"Memory\":67108864}}", &err);
    REQUIRE(id);
    REQUIRE(gt_engine_container_start(f.e, id, &err) == 0);
    json_t *st = NULL;
    REQUIRE(gt_engine_container_stats(f.e, id, false, stats_collect, &st, -1, &err) == 0);
    REQUIRE(st);
    CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(st, "memory_stats"), "limit")), 67108864);
    CHECK(json_integer_value(json_object_get(json_object_get(st, "memory_stats"), "usage")) > 0);
    CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(st, "pids_stats"), "current")), 1);
    CHECK(json_integer_value(json_object_get(json_object_get(json_object_get(st, "precpu_stats"), "cpu_usage"), "total_usage")) > 0);
    CHECK_STR_EQ(json_string_value(json_object_get(st, "name")), "/sta");
    json_decref(st);
    json_t *top = NULL;
    REQUIRE(gt_engine_container_top(f.e, id, NULL, &top, &err) == 0);
    CHECK_INT_EQ(json_array_size(json_object_get(top, "Processes")), 1);
    cleanup_free char *dump = json_dumps(top, 0);
    CHECK_STR_CONTAINS(dump, "sleep 100");
    json_decref(top);
    REQUIRE(gt_engine_container_pause(f.e, id, true, &err) == 0);
    char buf[32];
    CHECK_STR_EQ(fx_field(&f, id, "State.Status", buf, sizeof buf), "paused");
    CHECK_INT_EQ(gt_engine_container_pause(f.e, id, true, &err), -EBUSY);
    REQUIRE(gt_engine_container_pause(f.e, id, false, &err) == 0);
    CHECK_STR_EQ(fx_field(&f, id, "State.Status", buf, sizeof buf), "running");
    char tar[PATH_MAX];
    snprintf(tar, sizeof tar, "%s/export.tar", f.dir);
    int fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(gt_engine_container_export(f.e, id, fd, &err) == 0);
    close(fd);
    CHECK_INT_EQ(fx_sh("tar -tf %s | grep -qx bin/busybox", tar), 0);
    REQUIRE(gt_engine_container_remove(f.e, id, true, false, &err) == 0);
    /* export of a container that never ran mounts and unmounts its root */
    cleanup_free char *id2 = fx_create(&f, NULL, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}", &err);
    REQUIRE(id2);
    fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(gt_engine_container_export(f.e, id2, fd, &err) == 0);
    close(fd);
    CHECK_INT_EQ(fx_sh("tar -tf %s | grep -qx etc/passwd", tar), 0);
    CHECK_INT_EQ(fx_sh("grep -q '%s' /proc/self/mounts", id2), 1);
    json_t *info = NULL;
    REQUIRE(gt_engine_info(f.e, &info, &err) == 0);
    CHECK_STR_EQ(json_string_value(json_object_get(info, "DockerRootDir")), f.data);
    CHECK_INT_EQ(json_integer_value(json_object_get(info, "Containers")), 1);
    json_decref(info);
    json_t *pr = NULL;
    REQUIRE(gt_engine_container_prune(f.e, NULL, &pr, &err) == 0);
    CHECK_INT_EQ(json_array_size(json_object_get(pr, "ContainersDeleted")), 1);
    json_decref(pr);
}

TEST(engine_images)
{
    FX(f, false);
    struct gt_error err = { 0 };
    json_t *list = NULL;
    REQUIRE(gt_engine_image_list(f.e, false, NULL, &list, &err) == 0);
    REQUIRE(json_array_size(list) == 1);
    cleanup_free char *dump = json_dumps(list, 0);
    CHECK_STR_CONTAINS(dump, "\"busybox:latest\"");
    json_decref(list);
    REQUIRE(gt_engine_image_tag(f.e, "busybox", "mybox", "v1", &err) == 0);
    json_t *ins = NULL;
    REQUIRE(gt_engine_image_inspect(f.e, "mybox:v1", &ins, &err) == 0);
    CHECK_INT_EQ(json_array_size(json_object_get(json_object_get(ins, "RootFS"), "Layers")), 1);
    CHECK_INT_EQ(json_array_size(json_object_get(ins, "RepoTags")), 2);
    json_decref(ins);
    json_t *hist = NULL;
    REQUIRE(gt_engine_image_history(f.e, "busybox", &hist, &err) == 0);
    CHECK(json_array_size(hist) >= 1);
    json_decref(hist);
    /* an image in use: its last name is not removed without force */
    cleanup_free char *id = fx_create(&f, NULL, "{\"Image\":\"mybox:v1\",\"Cmd\":[\"true\"]}", &err);
    REQUIRE(id);
    json_t *out = NULL;
    REQUIRE(gt_engine_image_remove(f.e, "mybox:v1", false, false, &out, &err) == 0);
    cleanup_free char *rm = json_dumps(out, 0);
    CHECK_STR_CONTAINS(rm, "Untagged");
    json_decref(out);
    CHECK_INT_EQ(gt_engine_image_remove(f.e, "busybox", false, false, &out, &err), -EBUSY);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/save.tar", f.dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char *refs[] = { "busybox", NULL };
    REQUIRE(gt_engine_image_save(f.e, refs, fd, &err) == 0);
    close(fd);
    CHECK_INT_EQ(fx_sh("tar -tf %s | grep -qx manifest.json", path), 0);
    REQUIRE(gt_engine_container_remove(f.e, id, false, false, &err) == 0);
    REQUIRE(gt_engine_image_remove(f.e, "busybox", false, false, &out, &err) == 0);
    json_decref(out);
    CHECK_INT_EQ(gt_engine_image_inspect(f.e, "busybox", &ins, &err), -ENOENT);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    REQUIRE(gt_engine_image_load(f.e, fd, NULL, NULL, NULL, NULL, &err) == 0);
    close(fd);
    REQUIRE(gt_engine_image_inspect(f.e, "busybox", &ins, &err) == 0);
    json_decref(ins);
    CHECK(fx_create(&f, NULL, "{\"Image\":\"nosuch:1\",\"Cmd\":[\"true\"]}", &err) == NULL);
    CHECK_STR_CONTAINS(err.msg, "No such image: nosuch:1");
}
