/* The engine's streams: attach (before start, with stdin and StdinOnce),
 * a pty, exec (exit codes, env, user, stdin, tty), wait conditions,
 * events, logs follow and rotation. */
#include "tests/unit/test_engine_util.h"

#include <pthread.h>

#include "engine/jsonlog.h"

struct attach_job {
    struct fx *f;
    const char *ref;
    struct gt_attach_options o;
    int in_fd;
    struct fx_buf out;
    int rc;
    struct gt_error err;
};

static void *attach_main(void *p)
{
    struct attach_job *j = p;
    j->rc = gt_engine_container_attach(j->f->e, j->ref, &j->o, j->in_fd, fx_collect, &j->out, -1,
                                       &j->err);
    return NULL;
}

struct wait_job {
    struct fx *f;
    const char *ref;
    enum gt_wait_condition cond;
    int status;
    int rc;
    bool registered;
};

static void wait_registered(void *ctx)
{
    ((struct wait_job *)ctx)->registered = true;
}

static void *wait_main(void *p)
{
    struct wait_job *j = p;
    struct gt_error err = { 0 };
    j->rc = gt_engine_container_wait(j->f->e, j->ref, j->cond, wait_registered, j, -1, &j->status,
                                     &err);
    return NULL;
}

TEST(engine_attach_before_start_sees_everything)
{
    FX(f, false);
    struct gt_error err = { 0 };
    cleanup_free char *id = fx_create(&f, "att",
        "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"echo first; read line; echo got:$line; echo bye >&2\"],"
        "\"OpenStdin\":true,\"StdinOnce\":true,\"AttachStdin\":true}", &err);
    REQUIRE(id);
    int in[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0);
    struct attach_job aj = { .f = &f, .ref = id, .in_fd = in[0],
                             .o = { .want_stdin = true, .want_stdout = true, .want_stderr = true, .stream = true } };
    struct wait_job wj = { .f = &f, .ref = id, .cond = GT_WAIT_NEXT_EXIT };
    pthread_t at, wt;
    pthread_create(&at, NULL, attach_main, &aj);
    pthread_create(&wt, NULL, wait_main, &wj);
    REQUIRE(FX_UNTIL(5000, wj.registered));
    fx_sleep_ms(200); /* the attacher is parked before start */
    REQUIRE(gt_engine_container_start(f.e, id, &err) == 0);
    REQUIRE(write(in[1], "hello\n", 6) == 6);
    close(in[1]); /* StdinOnce: the container's stdin closes with ours */
    pthread_join(at, NULL);
    pthread_join(wt, NULL);
    close(in[0]);
    CHECK_INT_EQ(aj.rc, 0);
    CHECK_STR_CONTAINS(aj.out.data, "first\n");
    CHECK_STR_CONTAINS(aj.out.data, "got:hello\n");
    CHECK_STR_CONTAINS(aj.out.data, "bye\n");
    CHECK_INT_EQ(wj.rc, 0);
    CHECK_INT_EQ(wj.status, 0);
    /* attach with logs only: the replay */
    struct attach_job lj = { .f = &f, .ref = id, .in_fd = -1,
                             .o = { .want_stdout = true, .want_stderr = true, .logs = true } };
    attach_main(&lj);
    CHECK_INT_EQ(lj.rc, 0);
    CHECK_STR_CONTAINS(lj.out.data, "got:hello\n");
}

TEST(engine_cat_until_stdin_ends)
{
    FX(f, false);
    struct gt_error err = { 0 };
    cleanup_free char *id = fx_create(&f, NULL,
        "{\"Image\":\"busybox\",\"Cmd\":[\"cat\"],\"OpenStdin\":true,\"StdinOnce\":true,"
        "\"HostConfig\":{\"AutoRemove\":true}}", &err);
    REQUIRE(id);
    int in[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0);
    struct attach_job aj = { .f = &f, .ref = id, .in_fd = in[0],
                             .o = { .want_stdin = true, .want_stdout = true, .want_stderr = true, .stream = true } };
    struct wait_job wj = { .f = &f, .ref = id, .cond = GT_WAIT_REMOVED };
    pthread_t at, wt;
    pthread_create(&at, NULL, attach_main, &aj);
    pthread_create(&wt, NULL, wait_main, &wj);
    REQUIRE(FX_UNTIL(5000, wj.registered));
    REQUIRE(gt_engine_container_start(f.e, id, &err) == 0);
    REQUIRE(write(in[1], "piped\n", 6) == 6);
    close(in[1]);
    pthread_join(at, NULL);
    pthread_join(wt, NULL);
    close(in[0]);
    CHECK_STR_EQ(aj.out.data, "piped\n");
    /* --rm: removed, and wait?condition=removed returned its status */
    CHECK_INT_EQ(wj.rc, 0);
    CHECK_INT_EQ(wj.status, 0);
    CHECK(fx_inspect(&f, id) == NULL);
}

TEST(engine_tty_container)
{
    FX(f, false);
    struct gt_error err = { 0 };
    cleanup_free char *id = fx_create(&f, "tty",
        "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"sleep 0.5; stty size; tty; echo $TERM\"],\"Tty\":true,"
        "\"HostConfig\":{\"ConsoleSize\":[30,100]}}", &err);
    REQUIRE(id);
    struct attach_job aj = { .f = &f, .ref = id, .in_fd = -1,
                             .o = { .want_stdout = true, .want_stderr = true, .stream = true } };
    pthread_t at;
    pthread_create(&at, NULL, attach_main, &aj);
    fx_sleep_ms(200);
    int started = gt_engine_container_start(f.e, id, &err);
    int resized = gt_engine_container_resize(f.e, id, 40, 120, &err);
    if (resized < 0)
        fprintf(stderr, "resize: %s\n", err.msg);
    pthread_join(at, NULL);
    REQUIRE(started == 0);
    CHECK_INT_EQ(resized, 0);
    CHECK_INT_EQ(fx_wait(&f, id, GT_WAIT_NOT_RUNNING), 0);
    /* a pty turns \n into \r\n */
    CHECK_STR_CONTAINS(aj.out.data, "40 120\r\n");
    CHECK_STR_CONTAINS(aj.out.data, "/dev/pts/0\r\n");
    CHECK_STR_CONTAINS(aj.out.data, "xterm\r\n");
    struct fx_buf logs;
    fx_logs(&f, id, -1, &logs);
    CHECK_STR_CONTAINS(logs.data, "40 120\r\n");
    CHECK_INT_EQ(gt_engine_container_resize(f.e, id, 40, 120, &err), -EBUSY);
}

struct exec_out {
    struct fx_buf out;
    struct fx_buf err;
};

static int exec_collect(void *ctx, int stream, const void *data, size_t len, int64_t ts)
{
    struct exec_out *o = ctx;
    return fx_collect(stream == 2 ? &o->err : &o->out, stream, data, len, ts);
}

static int run_exec(struct fx *f, const char *ref, const char *json, int in_fd, struct exec_out *out,
                    int *exit_code)
{
    json_error_t je;
    json_t *cfg = json_loads(json, 0, &je);
    if (!cfg)
        return -EINVAL;
    char *xid = NULL;
    struct gt_error err = { 0 };
    int r = gt_engine_exec_create(f->e, ref, cfg, &xid, &err);
    json_decref(cfg);
    if (r < 0)
        return r;
    memset(out, 0, sizeof *out);
    r = gt_engine_exec_start(f->e, xid, false, in_fd, exec_collect, out, -1, &err);
    json_t *ins = NULL;
    if (r == 0 && gt_engine_exec_inspect(f->e, xid, &ins, &err) == 0) {
        /* the exit code is there as soon as the stream has ended */
        json_t *ec = json_object_get(ins, "ExitCode");
        *exit_code = json_is_integer(ec) ? (int)json_integer_value(ec) : -1000;
        if (json_is_true(json_object_get(ins, "Running")))
            *exit_code = -2000;
        json_decref(ins);
    }
    free(xid);
    return r;
}

struct exec_job_ {
    struct fx *f;
    char *id;
    struct fx_buf out;
};

static void *exec_thread(void *p)
{
    struct exec_job_ *j = p;
    struct gt_error err = { 0 };
    gt_engine_exec_start(j->f->e, j->id, false, -1, fx_collect, &j->out, -1, &err);
    return NULL;
}

TEST(engine_exec)
{
    FX(f, false);
    struct gt_error err = { 0 };
    cleanup_free char *id = fx_create(&f, "ex", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"],\"Env\":[\"BASE=1\"]}", &err);
    REQUIRE(id);
    /* exec on a stopped container is refused */
    json_t *cfg = json_pack("{s:[s]}", "Cmd", "true");
    char *xid = NULL;
    CHECK_INT_EQ(gt_engine_exec_create(f.e, id, cfg, &xid, &err), -EBUSY);
    json_decref(cfg);
    REQUIRE(gt_engine_container_start(f.e, id, &err) == 0);
    struct exec_out o;
    int code = -1;
    REQUIRE(run_exec(&f, id, "{\"Cmd\":[\"sh\",\"-c\",\"echo $((6*7)); echo oops >&2; exit 5\"],\"AttachStdout\":true,\"AttachStderr\":true}", -1, &o, &code) == 0);
    CHECK_STR_EQ(o.out.data, "42\n");
    CHECK_STR_EQ(o.err.data, "oops\n");
    CHECK_INT_EQ(code, 5);
    REQUIRE(run_exec(&f, id, "{\"Cmd\":[\"sh\",\"-c\",\"echo $A $BASE $(pwd) $(id -u) $(id -un)\"],\"Env\":[\"A=b\"],\"WorkingDir\":\"/tmp\",\"User\":\"nobody\",\"AttachStdout\":true}", -1, &o, &code) == 0);
    CHECK_STR_EQ(o.out.data, "b 1 /tmp 65534 nobody\n");
    CHECK_INT_EQ(code, 0);
    /* in the container's pid namespace */
    REQUIRE(run_exec(&f, id, "{\"Cmd\":[\"ps\"],\"AttachStdout\":true}", -1, &o, &code) == 0);
    CHECK_STR_CONTAINS(o.out.data, "sleep 100");
    /* stdin */
    int in[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(write(in[1], "abc\n", 4) == 4);
    close(in[1]);
    REQUIRE(run_exec(&f, id, "{\"Cmd\":[\"cat\"],\"AttachStdin\":true,\"AttachStdout\":true}", in[0], &o, &code) == 0);
    close(in[0]);
    CHECK_STR_EQ(o.out.data, "abc\n");
    CHECK_INT_EQ(code, 0);
    /* a tty */
    REQUIRE(run_exec(&f, id, "{\"Cmd\":[\"sh\",\"-c\",\"tty; echo $TERM\"],\"Tty\":true,\"AttachStdout\":true}", -1, &o, &code) == 0);
    CHECK_STR_CONTAINS(o.out.data, "/dev/pts/");
    CHECK_STR_CONTAINS(o.out.data, "xterm\r\n");
    /* an exec's pty follows resize */
    {
        json_t *tcfg = json_pack("{s:[s,s,s],s:b,s:b}", "Cmd", "sh", "-c", "sleep 1; stty size",
                                 "Tty", true, "AttachStdout", true);
        char *tid = NULL;
        REQUIRE(gt_engine_exec_create(f.e, id, tcfg, &tid, &err) == 0);
        json_decref(tcfg);
        struct exec_job_ job = { &f, tid, { .len = 0 } };
        pthread_t th;
        pthread_create(&th, NULL, exec_thread, &job);
        bool resized = FX_UNTIL(3000, gt_engine_exec_resize(f.e, tid, 21, 77, &err) == 0);
        pthread_join(th, NULL);
        CHECK(resized);
        CHECK_STR_CONTAINS(job.out.data, "21 77");
        free(tid);
    }
    /* a missing binary: the message on stderr, 126/127 */
    REQUIRE(run_exec(&f, id, "{\"Cmd\":[\"/no/such\"],\"AttachStdout\":true,\"AttachStderr\":true}", -1, &o, &code) == 0);
    CHECK(code == 126 || code == 127);
    CHECK(o.err.len > 0);
    /* inspect shows the execs */
    json_t *j = fx_inspect(&f, id);
    REQUIRE(j);
    CHECK(json_array_size(json_object_get(j, "ExecIDs")) >= 6);
    json_decref(j);
    /* a detached exec finishes on its own */
    cfg = json_pack("{s:[s,s,s]}", "Cmd", "sh", "-c", "exit 3");
    REQUIRE(gt_engine_exec_create(f.e, id, cfg, &xid, &err) == 0);
    json_decref(cfg);
    REQUIRE(gt_engine_exec_start(f.e, xid, true, -1, NULL, NULL, -1, &err) == 0);
    bool done = FX_UNTIL(5000, ({
        json_t *ins = NULL;
        bool fin = false;
        if (gt_engine_exec_inspect(f.e, xid, &ins, &err) == 0) {
            fin = json_integer_value(json_object_get(ins, "ExitCode")) == 3 &&
                  json_is_false(json_object_get(ins, "Running"));
            json_decref(ins);
        }
        fin;
    }));
    CHECK(done);
    CHECK_INT_EQ(gt_engine_exec_start(f.e, xid, true, -1, NULL, NULL, -1, &err), -EBUSY);
    free(xid);
    CHECK_INT_EQ(gt_engine_exec_inspect(f.e, "nosuchexec", &j, &err), -ENOENT);
    REQUIRE(gt_engine_container_remove(f.e, id, true, false, &err) == 0);
}

struct ev_list {
    char actions[64][48];
    int n;
};

static int ev_collect(void *ctx, const json_t *msg)
{
    struct ev_list *l = ctx;
    if (l->n < 64)
        snprintf(l->actions[l->n++], sizeof l->actions[0], "%s %s",
                 json_string_value(json_object_get(msg, "Action")),
                 json_string_value(json_object_get(json_object_get(json_object_get(msg, "Actor"), "Attributes"), "name")) ?: "");
    return 0;
}

TEST(engine_events_and_wait_conditions)
{
    FX(f, false);
    struct gt_error err = { 0 };
    int64_t since = 0;
    {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        since = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    cleanup_free char *id = fx_create(&f, "ev1", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}", &err);
    REQUIRE(id);
    /* not-running on a created container returns at once */
    CHECK_INT_EQ(fx_wait(&f, id, GT_WAIT_NOT_RUNNING), 0);
    REQUIRE(gt_engine_container_start(f.e, id, &err) == 0);
    CHECK_INT_EQ(fx_wait(&f, id, GT_WAIT_NOT_RUNNING), 0);
    REQUIRE(gt_engine_container_remove(f.e, id, false, false, &err) == 0);
    struct ev_list l = { .n = 0 };
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t until = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + 300000000;
    json_t *fl = json_pack("{s:{s:b}}", "type", "container", true);
    REQUIRE(gt_engine_events(f.e, since, until, fl, ev_collect, &l, -1, &err) == 0);
    json_decref(fl);
    REQUIRE(l.n >= 4);
    CHECK_STR_EQ(l.actions[0], "create ev1");
    CHECK_STR_EQ(l.actions[1], "start ev1");
    CHECK_STR_EQ(l.actions[2], "die ev1");
    CHECK_STR_EQ(l.actions[3], "destroy ev1");
    fl = json_pack("{s:{s:b}}", "nonsense", "x", true);
    CHECK_INT_EQ(gt_engine_events(f.e, since, until, fl, ev_collect, &l, -1, &err), -EINVAL);
    json_decref(fl);
}

struct follow_job {
    struct fx *f;
    const char *ref;
    struct fx_buf out;
    int rc;
};

static void *follow_main(void *p)
{
    struct follow_job *j = p;
    struct gt_logs_options o = { .follow = true, .want_stdout = true, .want_stderr = true, .tail = -1 };
    struct gt_error err = { 0 };
    j->rc = gt_engine_container_logs(j->f->e, j->ref, &o, fx_collect, &j->out, -1, &err);
    return NULL;
}

TEST(engine_logs_follow_and_rotation)
{
    FX(f, false);
    struct gt_error err = { 0 };
    /* 3 files of 2 kB at most: about 6 kB of the newest lines stay */
    cleanup_free char *id = fx_create(&f, "rot",
        "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"i=0; while [ $i -lt 400 ]; do echo line$i; i=$((i+1)); done; sleep 0.5; echo last\"],"
        "\"HostConfig\":{\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{\"max-size\":\"2k\",\"max-file\":\"3\"}}}}", &err);
    REQUIRE(id);
    REQUIRE(gt_engine_container_start(f.e, id, &err) == 0);
    struct follow_job fj = { .f = &f, .ref = id };
    pthread_t t;
    pthread_create(&t, NULL, follow_main, &fj);
    pthread_join(t, NULL); /* follow ends when the container does */
    CHECK_INT_EQ(fj.rc, 0);
    CHECK_STR_CONTAINS(fj.out.data, "last\n");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/containers/%s/%s-json.log", f.data, id, id);
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    CHECK(st.st_size < 2048 + 200);
    snprintf(path, sizeof path, "%s/containers/%s/%s-json.log.2", f.data, id, id);
    CHECK(gt_path_exists(path));
    snprintf(path, sizeof path, "%s/containers/%s/%s-json.log.3", f.data, id, id);
    CHECK(!gt_path_exists(path));
    struct fx_buf logs;
    fx_logs(&f, id, -1, &logs);
    CHECK(logs.lines > 20 && logs.lines < 400);
    CHECK_STR_CONTAINS(logs.data, "line399\nlast\n");
    CHECK(strstr(logs.data, "line0\n") == NULL);
    /* in order across the files */
    const char *a = strstr(logs.data, "line390\n"), *b = strstr(logs.data, "line391\n");
    CHECK(a && b && a < b);
    fx_logs(&f, id, 2, &logs);
    CHECK_STR_EQ(logs.data, "line399\nlast\n");
}

/* The time of a json-file record and of a path's stat: the epoch is a
 * time like another, and before it the fraction stays positive. */
TEST(engine_jsonlog_time)
{
    char buf[40];
    gt_jsonlog_time(0, buf);
    CHECK_STR_EQ(buf, "1970-01-01T00:00:00.000000000Z");
    gt_jsonlog_time(1700000000LL * 1000000000 + 5, buf);
    CHECK_STR_EQ(buf, "2023-11-14T22:13:20.000000005Z");
    gt_jsonlog_time(-1, buf);
    CHECK_STR_EQ(buf, "1969-12-31T23:59:59.999999999Z");
}
