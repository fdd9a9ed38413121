/* /containers/...: the container endpoints. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/sig.h"
#include "docker/internal.h"

#define ENGINE(ctx) (((struct gt_docker *)(ctx))->engine)
#define REF(req) gt_http_req_param(req, "id")

static void no_content(struct gt_http_req *req, int r, const struct gt_error *err)
{
    if (r < 0)
        gt_docker_fail(req, r, err);
    else
        gt_http_respond(req, 204, NULL, NULL, 0);
}

GT_DOCKER_HANDLER(gt_docker_h_container_list)
{
    struct gt_error err;
    cleanup_json json_t *filters = NULL, *out = NULL;
    int64_t limit;
    int r = gt_docker_query_filters(req, &filters, &err);
    if (r == 0)
        r = gt_docker_query_int(req, "limit", -1, -1, INT32_MAX, &limit, &err);
    if (r == 0)
        r = gt_engine_container_list(ENGINE(ctx), gt_http_req_query_bool(req, "all", false),
                                     limit == 0 ? -1 : (int)limit,
                                     gt_http_req_query_bool(req, "size", false), filters, &out,
                                     &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    size_t i;
    json_t *c;
    json_array_foreach(out, i, c)
        gt_docker_container_summary_defaults(c);
    gt_http_respond_json(req, 200, out);
}

GT_DOCKER_HANDLER(gt_docker_h_container_create)
{
    struct gt_error err;
    const char *name = gt_http_req_query(req, "name");
    if (name && !*name)
        name = NULL;
    if (name && !gt_docker_valid_name(name)) {
        gt_http_respond_error(req, 400,
                              "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                              name);
        return;
    }
    cleanup_free char *body = NULL;
    size_t len;
    int r = gt_http_req_body(req, &body, &len, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    if (len == 0) {
        gt_http_respond_error(req, 400, "config cannot be empty in order to create a container");
        return;
    }
    cleanup_json json_t *config = NULL;
    r = gt_json_load_buf(body, len, "container config", &config, &err);
    if (r == 0 && !json_is_object(config))
        r = gt_err(&err, EINVAL, "container config: expected a JSON object, got %s",
                   gt_json_type_name(config));
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    cleanup_free char *id = NULL;
    cleanup_json json_t *warnings = NULL;
    r = gt_engine_container_create(ENGINE(ctx), name, config, &id, &warnings, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    cleanup_json json_t *out = json_pack("{s:s}", "Id", id);
    json_object_set_new(out, "Warnings", warnings ? json_incref(warnings) : json_array());
    gt_http_respond_json(req, 201, out);
}

GT_DOCKER_HANDLER(gt_docker_h_container_inspect)
{
    struct gt_error err;
    cleanup_json json_t *out = NULL;
    int r = gt_engine_container_inspect(ENGINE(ctx), REF(req),
                                        gt_http_req_query_bool(req, "size", false), &out, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    gt_docker_container_json_defaults(out);
    gt_http_respond_json(req, 200, out);
}

GT_DOCKER_HANDLER(gt_docker_h_container_start)
{
    struct gt_error err;
    no_content(req, gt_engine_container_start(ENGINE(ctx), REF(req), &err), &err);
}

GT_DOCKER_HANDLER(gt_docker_h_container_stop)
{
    struct gt_error err;
    int64_t t;
    const char *sig = gt_http_req_query(req, "signal");
    if (sig && !*sig)
        sig = NULL;
    int r = gt_docker_query_int(req, "t", -1, -1, INT32_MAX, &t, &err);
    if (r == 0 && sig && gt_signal_parse(sig) < 0)
        r = gt_err(&err, EINVAL, "invalid signal: %s", sig);
    if (r == 0)
        r = gt_engine_container_stop(ENGINE(ctx), REF(req), (int)t, sig, &err);
    no_content(req, r, &err);
}

GT_DOCKER_HANDLER(gt_docker_h_container_restart)
{
    struct gt_error err;
    int64_t t;
    int r = gt_docker_query_int(req, "t", -1, -1, INT32_MAX, &t, &err);
    if (r == 0)
        r = gt_engine_container_restart(ENGINE(ctx), REF(req), (int)t, &err);
    no_content(req, r, &err);
}

GT_DOCKER_HANDLER(gt_docker_h_container_kill)
{
    struct gt_error err;
    const char *s = gt_http_req_query(req, "signal");
    int sig = s && *s ? gt_signal_parse(s) : 9;
    int r = sig > 0 ? gt_engine_container_kill(ENGINE(ctx), REF(req), sig, &err)
                    : gt_err(&err, EINVAL, "invalid signal: %s", s);
    no_content(req, r, &err);
}

GT_DOCKER_HANDLER(gt_docker_h_container_pause)
{
    struct gt_error err;
    no_content(req, gt_engine_container_pause(ENGINE(ctx), REF(req), true, &err), &err);
}

GT_DOCKER_HANDLER(gt_docker_h_container_unpause)
{
    struct gt_error err;
    no_content(req, gt_engine_container_pause(ENGINE(ctx), REF(req), false, &err), &err);
}

GT_DOCKER_HANDLER(gt_docker_h_container_delete)
{
    struct gt_error err;
    int r = gt_engine_container_remove(ENGINE(ctx), REF(req),
                                       gt_http_req_query_bool(req, "force", false),
                                       gt_http_req_query_bool(req, "v", false), &err);
    no_content(req, r, &err);
}

GT_DOCKER_HANDLER(gt_docker_h_container_rename)
{
    struct gt_error err;
    const char *name = gt_http_req_query(req, "name");
    int r;
    if (!name || !*name)
        r = gt_err(&err, EINVAL, "the new name is missing (query parameter \"name\")");
    else if (!gt_docker_valid_name(name))
        r = gt_err(&err, EINVAL,
                   "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
    else
        r = gt_engine_container_rename(ENGINE(ctx), REF(req), name, &err);
    no_content(req, r, &err);
}

/* ---- wait ---- */

struct wait_ctx {
    struct gt_http_req *req;
    bool begun;
};

static void wait_registered(void *ctx)
{
    struct wait_ctx *w = ctx;
    /* docker run sends start only once these headers arrived */
    if (!w->begun) {
        w->begun = true;
        gt_http_stream_begin(w->req, 200, "application/json", false);
    }
}

static const struct {
    const char *name;
    enum gt_wait_condition cond;
} conditions[] = {
    { "not-running", GT_WAIT_NOT_RUNNING },
    { "next-exit", GT_WAIT_NEXT_EXIT },
    { "removed", GT_WAIT_REMOVED },
};

GT_DOCKER_HANDLER(gt_docker_h_container_wait)
{
    struct gt_error err;
    const char *c = gt_http_req_query(req, "condition");
    enum gt_wait_condition cond = GT_WAIT_NOT_RUNNING;
    if (c && *c && gt_docker_api_at_least(req, "1.30")) {
        size_t i = 0, n = sizeof conditions / sizeof conditions[0];
        while (i < n && strcmp(conditions[i].name, c) != 0)
            i++;
        if (i == n) {
            gt_http_respond_error(req, 400, "invalid condition: \"%s\"", c);
            return;
        }
        cond = conditions[i].cond;
    }
    struct wait_ctx w = { .req = req };
    int status = 0;
    int r = gt_engine_container_wait(ENGINE(ctx), REF(req), cond, wait_registered, &w,
                                     gt_http_req_fd(req), &status, &err);
    if (r == -ECANCELED)
        return; /* the client left (docker run -d); the layer ends the stream */
    if (r < 0 && !w.begun) {
        gt_docker_fail(req, r, &err);
        return;
    }
    if (!w.begun)
        wait_registered(&w);
    cleanup_json json_t *body = gt_docker_wait_body(r < 0 ? -1 : status, r < 0 ? err.msg : NULL);
    cleanup_free char *s = json_dumps(body, JSON_COMPACT);
    cleanup_free char *line = gt_xasprintf("%s\n", s);
    gt_http_stream_write(req, line, strlen(line));
    gt_http_stream_end(req);
}

/* ---- logs, attach ---- */

/* Whether the container runs with a TTY; answers the request on failure. */
static int container_tty(struct gt_http_req *req, void *ctx, bool *tty)
{
    struct gt_error err;
    cleanup_json json_t *c = NULL;
    int r = gt_engine_container_inspect(ENGINE(ctx), REF(req), false, &c, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return r;
    }
    *tty = json_is_true(json_object_get(json_object_get(c, "Config"), "Tty"));
    return 0;
}

GT_DOCKER_HANDLER(gt_docker_h_container_logs)
{
    struct gt_error err;
    bool tty;
    if (container_tty(req, ctx, &tty) < 0)
        return;
    struct gt_logs_options o = {
        .follow = gt_http_req_query_bool(req, "follow", false),
        .want_stdout = gt_http_req_query_bool(req, "stdout", false),
        .want_stderr = gt_http_req_query_bool(req, "stderr", false),
        .tail = -1,
    };
    if (!o.want_stdout && !o.want_stderr) {
        gt_http_respond_error(req, 400, "Bad parameters: you must choose at least one stream");
        return;
    }
    int r = gt_docker_parse_unix_time(gt_http_req_query(req, "since"), &o.since_ns, &err);
    if (r == 0)
        r = gt_docker_parse_unix_time(gt_http_req_query(req, "until"), &o.until_ns, &err);
    const char *tail = gt_http_req_query(req, "tail");
    if (r == 0 && tail && *tail && strcmp(tail, "all") != 0) {
        char *end;
        long n = strtol(tail, &end, 10);
        if (*end || end == tail)
            r = gt_err(&err, EINVAL, "invalid value for tail: \"%s\" (a number or \"all\")", tail);
        else
            o.tail = n < 0 ? -1 : n;
    }
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    if (gt_http_stream_begin(req, 200, gt_docker_stream_type(req, tty), false) < 0)
        return;
    struct gt_docker_out out = { .write = gt_docker_sink_http, .sink = req, .tty = tty,
                                 .timestamps = gt_http_req_query_bool(req, "timestamps", false) };
    r = gt_engine_container_logs(ENGINE(ctx), REF(req), &o, gt_docker_out_emit, &out,
                                 gt_http_req_fd(req), &err);
    if (r < 0 && r != -ECANCELED)
        gt_docker_fail(req, r, &err); /* logged; the answer has begun */
    gt_http_stream_end(req);
}

/* An error inside a hijacked stream: a frame of stream 3 (the CLI stops
 * with it as its error), or text on a TTY. */
static void stream_error(struct gt_docker_out *out, const char *msg)
{
    cleanup_free char *s = gt_xasprintf(out->tty ? "%s\r\n" : "%s\n", msg);
    struct gt_docker_out o = *out;
    o.timestamps = false;
    gt_docker_out_emit(&o, out->tty ? 1 : 3, s, strlen(s), 0);
}

struct attach_session {
    struct gt_docker_hijack h;
    struct gt_docker_out out;
    const char *content_type;
    int ws_opcode; /* 0: a hijacked connection; else attach over a WebSocket */
    pthread_mutex_t lock; /* the engine may emit from several threads */
    pthread_cond_t cond;
    bool answered, gone, done;
};

/* The engine's `registered`: the 101 goes out once the attach is hooked,
 * since docker run sends start as soon as it has it. */
static void attach_answer(void *ctx)
{
    struct attach_session *s = ctx;
    pthread_mutex_lock(&s->lock);
    if (!s->answered) {
        s->answered = true;
        struct gt_error err;
        int r = s->ws_opcode ? gt_docker_hijack_answer_ws(&s->h, s->ws_opcode, &err)
                             : gt_docker_hijack_answer(&s->h, s->content_type, &err);
        if (r < 0)
            s->gone = true;
        s->out.sink = s->ws_opcode ? (void *)&s->h : (void *)s->h.conn;
        pthread_cond_broadcast(&s->cond);
    }
    pthread_mutex_unlock(&s->lock);
}

/* An engine that never calls `registered` would leave docker run waiting
 * for the 101 while the engine waits for a start that never comes: answer
 * after a moment in any case. */
#define ATTACH_ANSWER_LATEST_MS 250

static void *attach_watchdog(void *ctx)
{
    struct attach_session *s = ctx;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += ATTACH_ANSWER_LATEST_MS * 1000000L;
    t.tv_sec += t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&s->lock);
    int r = 0;
    while (!s->answered && !s->done && r == 0)
        r = pthread_cond_timedwait(&s->cond, &s->lock, &t);
    bool late = !s->answered && !s->done;
    pthread_mutex_unlock(&s->lock);
    if (late) {
        gt_debug("attach: the engine did not say it was registered; answering anyway");
        attach_answer(s);
    }
    return NULL;
}

static int attach_emit(void *ctx, int stream, const void *data, size_t len, int64_t ts_ns)
{
    struct attach_session *s = ctx;
    attach_answer(s); /* an engine that emits without registering first */
    if (s->gone)
        return -1;
    return gt_docker_out_emit(&s->out, stream, data, len, ts_ns);
}

/* Both attaches once the options are read: the session, the engine's
 * attach, and the end (a plain error status while nothing was answered). */
static void attach_run(struct gt_http_req *req, void *ctx, struct attach_session *s,
                       const struct gt_attach_options *o)
{
    struct gt_error err;
    int r = gt_docker_hijack_init(&s->h, req, o->want_stdin, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    pthread_t watchdog;
    bool watching = pthread_create(&watchdog, NULL, attach_watchdog, s) == 0;
    r = gt_engine_container_attach(ENGINE(ctx), REF(req), o, gt_docker_hijack_in_fd(&s->h),
                                   attach_emit, s, s->h.cancel_fd, &err);
    pthread_mutex_lock(&s->lock);
    s->done = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    if (watching)
        pthread_join(watchdog, NULL);
    if (!s->answered && r < 0) {
        gt_docker_fail(req, r, &err); /* before the stream: a plain status */
    } else {
        attach_answer(s);
        if (r < 0 && r != -ECANCELED && !s->gone) {
            gt_debug("attach %s: %s", REF(req), err.msg);
            if (s->ws_opcode) /* dockerd only logs it; the close says it too */
                gt_ws_close(s->h.ws, 1011, err.msg);
            else
                stream_error(&s->out, err.msg);
        }
    }
    gt_docker_hijack_end(&s->h);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
}

GT_DOCKER_HANDLER(gt_docker_h_container_attach)
{
    bool tty;
    if (container_tty(req, ctx, &tty) < 0)
        return;
    struct gt_attach_options o = {
        .want_stdin = gt_http_req_query_bool(req, "stdin", false),
        .want_stdout = gt_http_req_query_bool(req, "stdout", false),
        .want_stderr = gt_http_req_query_bool(req, "stderr", false),
        .logs = gt_http_req_query_bool(req, "logs", false),
        .stream = gt_http_req_query_bool(req, "stream", false),
        .registered = attach_answer,
    };
    if (!o.logs && !o.stream) {
        gt_http_respond_error(req, 400, "Bad parameters: at least one of stream or logs is needed");
        return;
    }
    struct attach_session s = {
        .out = { .write = gt_docker_sink_conn, .tty = tty },
        .content_type = gt_docker_stream_type(req, tty),
    };
    attach_run(req, ctx, &s, &o);
}

/* GET /containers/{id}/attach/ws: as dockerd, the container is looked up
 * before the handshake (404), the streams are never multiplexed (raw
 * bytes, one message per write; binary from API 1.28, text before), and
 * before API 1.42 stdin, stdout and stderr are always attached. */
GT_DOCKER_HANDLER(gt_docker_h_container_attach_ws)
{
    bool tty;
    if (container_tty(req, ctx, &tty) < 0)
        return;
    bool pick = gt_docker_api_at_least(req, "1.42");
    struct gt_attach_options o = {
        .want_stdin = !pick || gt_http_req_query_bool(req, "stdin", false),
        .want_stdout = !pick || gt_http_req_query_bool(req, "stdout", false),
        .want_stderr = !pick || gt_http_req_query_bool(req, "stderr", false),
        .logs = gt_http_req_query_bool(req, "logs", false),
        .stream = gt_http_req_query_bool(req, "stream", false),
        .registered = attach_answer,
    };
    struct attach_session s = {
        .out = { .write = gt_docker_sink_ws, .tty = true },
        .ws_opcode = gt_docker_api_at_least(req, "1.28") ? GT_WS_BINARY : GT_WS_TEXT,
    };
    attach_run(req, ctx, &s, &o);
}

GT_DOCKER_HANDLER(gt_docker_h_container_resize)
{
    struct gt_error err;
    int64_t h, w;
    int r = gt_docker_query_int(req, "h", 0, 0, UINT16_MAX, &h, &err);
    if (r == 0)
        r = gt_docker_query_int(req, "w", 0, 0, UINT16_MAX, &w, &err);
    if (r == 0)
        r = gt_engine_container_resize(ENGINE(ctx), REF(req), (unsigned)h, (unsigned)w, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond(req, 200, NULL, NULL, 0);
}

GT_DOCKER_HANDLER(gt_docker_h_container_top)
{
    struct gt_error err;
    cleanup_json json_t *out = NULL;
    const char *args = gt_http_req_query(req, "ps_args");
    int r = gt_engine_container_top(ENGINE(ctx), REF(req), args && *args ? args : NULL, &out,
                                    &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}

/* docker stats prints the name from each message ("/name"): make sure
 * they carry it */
struct stats_ctx {
    json_t *ident; /* {"id":..,"name":..} */
    struct gt_docker_jstream *js;
    json_t *one;   /* stream=0: the message */
};

static int stats_emit(void *ctx, const json_t *msg)
{
    struct stats_ctx *s = ctx;
    cleanup_json json_t *m = json_deep_copy(msg);
    if (!m)
        return 0;
    json_object_update_missing(m, s->ident);
    if (!s->js) {
        if (!s->one)
            s->one = json_incref(m);
        return 0;
    }
    return gt_docker_jstream_emit(s->js, m);
}

GT_DOCKER_HANDLER(gt_docker_h_container_stats)
{
    struct gt_error err;
    cleanup_json json_t *c = NULL;
    int r = gt_engine_container_inspect(ENGINE(ctx), REF(req), false, &c, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    cleanup_json json_t *ident = json_object();
    json_object_set(ident, "id", json_object_get(c, "Id"));
    json_object_set(ident, "name", json_object_get(c, "Name"));
    struct stats_ctx s = { .ident = ident };
    if (!gt_http_req_query_bool(req, "stream", true)) {
        r = gt_engine_container_stats(ENGINE(ctx), REF(req), false, stats_emit, &s,
                                      gt_http_req_fd(req), &err);
        if (r == 0 && !s.one)
            r = gt_err(&err, EIO, "stats of %s: the engine gave none", REF(req));
        if (r < 0)
            gt_docker_fail(req, r, &err);
        else
            gt_http_respond_json(req, 200, s.one);
        json_decref(s.one);
        return;
    }
    struct gt_docker_jstream js;
    gt_docker_jstream_init(&js, req, "\n");
    s.js = &js;
    r = gt_engine_container_stats(ENGINE(ctx), REF(req), true, stats_emit, &s,
                                  gt_http_req_fd(req), &err);
    gt_docker_jstream_finish(&js, r, &err);
}

/* A body that may be empty (*out NULL), else a JSON object or null. */
static int optional_object_body(struct gt_http_req *req, const char *what, json_t **out,
                                struct gt_error *err)
{
    *out = NULL;
    cleanup_free char *body = NULL;
    size_t len;
    int r = gt_http_req_body(req, &body, &len, err);
    if (r < 0 || len == 0)
        return r;
    if ((r = gt_json_load_buf(body, len, what, out, err)) < 0)
        return r;
    if (!json_is_object(*out) && !json_is_null(*out)) {
        r = gt_err(err, EINVAL, "%s: expected a JSON object, got %s", what,
                   gt_json_type_name(*out));
        json_decref(*out);
        *out = NULL;
    }
    return r;
}

GT_DOCKER_HANDLER(gt_docker_h_container_update)
{
    struct gt_error err;
    cleanup_json json_t *update = NULL, *warnings = NULL;
    int r = optional_object_body(req, "update config", &update, &err);
    if (r == 0 && json_is_object(update) && !gt_docker_api_at_least(req, "1.40"))
        json_object_del(update, "PidsLimit");
    if (r == 0)
        r = gt_engine_container_update(ENGINE(ctx), REF(req), update, &warnings, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    cleanup_json json_t *out = json_pack("{s:o}", "Warnings",
                                         warnings ? json_incref(warnings) : json_array());
    gt_http_respond_json(req, 200, out);
}

/* POST /commit?container=&repo=&tag=&comment=&author=&pause=&changes=...
 * (the body: a Config to start from, or nothing) */
GT_DOCKER_HANDLER(gt_docker_h_commit)
{
    struct gt_error err;
    const char *ref = gt_http_req_query(req, "container");
    if (!ref || !*ref) {
        gt_http_respond_error(req, 400, "the container to commit is missing (query parameter "
                                        "\"container\")");
        return;
    }
    cleanup_json json_t *config = NULL;
    int r = optional_object_body(req, "commit config", &config, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    const char *const *changes = NULL;
    gt_http_req_query_all(req, "changes", &changes);
    /* dockerd pauses unless told "0", "no", "false" or "none" */
    const char *p = gt_http_req_query(req, "pause");
    bool pause = !p || !*p || !(!strcmp(p, "0") || !strcasecmp(p, "no") ||
                                !strcasecmp(p, "false") || !strcasecmp(p, "none"));
    struct gt_commit_options o = {
        .repo = gt_http_req_query(req, "repo"),
        .tag = gt_http_req_query(req, "tag"),
        .author = gt_http_req_query(req, "author"),
        .comment = gt_http_req_query(req, "comment"),
        .changes = (char *const *)changes,
        .config = config,
        .pause = pause,
    };
    cleanup_free char *id = NULL;
    r = gt_engine_container_commit(ENGINE(ctx), ref, &o, &id, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    cleanup_json json_t *out = json_pack("{s:s}", "Id", id);
    gt_http_respond_json(req, 201, out);
}

struct export_ctx {
    struct gt_engine *e;
    const char *ref;
};

static int export_to(void *ctx, int fd, struct gt_error *err)
{
    struct export_ctx *x = ctx;
    return gt_engine_container_export(x->e, x->ref, fd, err);
}

GT_DOCKER_HANDLER(gt_docker_h_container_export)
{
    struct export_ctx x = { ENGINE(ctx), REF(req) };
    gt_docker_stream_from(req, "application/x-tar", export_to, &x);
}

GT_DOCKER_HANDLER(gt_docker_h_container_prune)
{
    struct gt_error err;
    cleanup_json json_t *filters = NULL, *out = NULL;
    int r = gt_docker_query_filters(req, &filters, &err);
    if (r == 0)
        r = gt_engine_container_prune(ENGINE(ctx), filters, &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}
