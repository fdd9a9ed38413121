/* /containers/{id}/exec and /exec/...: processes run in a container. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "docker/internal.h"

#define ENGINE(ctx) (((struct gt_docker *)(ctx))->engine)

/* The body as a JSON object; an empty body gives an empty object when
 * allow_empty, else -EINVAL. */
static int body_object(struct gt_http_req *req, bool allow_empty, const char *what, json_t **out,
                       struct gt_error *err)
{
    cleanup_free char *body = NULL;
    size_t len;
    int r = gt_http_req_body(req, &body, &len, err);
    if (r < 0)
        return r;
    if (len == 0) {
        if (!allow_empty)
            return gt_err(err, EINVAL, "%s: the request body is empty, expected JSON", what);
        *out = json_object();
        return 0;
    }
    r = gt_json_load_buf(body, len, what, out, err);
    if (r == 0 && !json_is_object(*out)) {
        r = gt_err(err, EINVAL, "%s: expected a JSON object, got %s", what,
                   gt_json_type_name(*out));
        json_decref(*out);
        *out = NULL;
    }
    return r;
}

GT_DOCKER_HANDLER(gt_docker_h_exec_create)
{
    struct gt_error err;
    cleanup_json json_t *config = NULL;
    cleanup_free char *id = NULL;
    int r = body_object(req, false, "exec config", &config, &err);
    if (r == 0)
        r = gt_engine_exec_create(ENGINE(ctx), gt_http_req_param(req, "id"), config, &id, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    cleanup_json json_t *out = json_pack("{s:s}", "Id", id);
    gt_http_respond_json(req, 201, out);
}

static int no_output(void *ctx, int stream, const void *data, size_t len, int64_t ts_ns)
{
    return 0;
}

/* Checks made before the answer becomes a raw stream, so that they can
 * still be plain statuses: the exec exists, is not running yet, and its
 * container runs. */
static int exec_check(struct gt_engine *e, const char *id, json_t **inspect, struct gt_error *err)
{
    int r = gt_engine_exec_inspect(e, id, inspect, err);
    if (r < 0)
        return r;
    if (json_is_true(json_object_get(*inspect, "Running")))
        return gt_err(err, EBUSY, "Error: Exec command %s is already running", id);
    const char *cid = json_string_value(json_object_get(*inspect, "ContainerID"));
    if (!cid)
        return 0;
    cleanup_json json_t *c = NULL;
    r = gt_engine_container_inspect(e, cid, false, &c, err);
    if (r < 0)
        return r;
    json_t *st = json_object_get(c, "State");
    if (!json_is_true(json_object_get(st, "Running")))
        return gt_err(err, EBUSY, "container %s is not running", cid);
    if (json_is_true(json_object_get(st, "Paused")))
        return gt_err(err, EBUSY, "container %s is paused, unpause the container before exec",
                      cid);
    return 0;
}

GT_DOCKER_HANDLER(gt_docker_h_exec_start)
{
    struct gt_error err;
    const char *id = gt_http_req_param(req, "id");
    cleanup_json json_t *body = NULL, *ins = NULL;
    int r = body_object(req, true, "exec start", &body, &err);
    if (r == 0)
        r = exec_check(ENGINE(ctx), id, &ins, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    if (json_is_true(json_object_get(body, "Detach"))) {
        r = gt_engine_exec_start(ENGINE(ctx), id, true, -1, no_output, NULL, -1, &err);
        if (r < 0)
            gt_docker_fail(req, r, &err);
        else
            gt_http_respond(req, 200, NULL, NULL, 0);
        return;
    }
    /* framing follows the start request's Tty (the CLI and the SDK repeat
     * the exec's), else the exec's own */
    json_t *t = json_object_get(body, "Tty");
    bool tty = json_is_boolean(t) ? json_is_true(t)
                                  : json_is_true(json_object_get(json_object_get(ins, "ProcessConfig"), "tty"));
    bool want_stdin = json_is_true(json_object_get(ins, "OpenStdin"));
    struct gt_docker_hijack h;
    r = gt_docker_hijack_init(&h, req, want_stdin, &err);
    if (r < 0) {
        gt_docker_fail(req, r, &err);
        return;
    }
    if (gt_docker_hijack_answer(&h, gt_docker_stream_type(req, tty), &err) < 0) {
        gt_docker_hijack_end(&h);
        return;
    }
    struct gt_docker_out out = { .write = gt_docker_sink_conn, .sink = h.conn, .tty = tty };
    r = gt_engine_exec_start(ENGINE(ctx), id, false, gt_docker_hijack_in_fd(&h),
                             gt_docker_out_emit, &out, h.cancel_fd, &err);
    if (r < 0 && r != -ECANCELED) {
        gt_debug("exec start %s: %s", id, err.msg);
        cleanup_free char *s = gt_xasprintf(tty ? "%s\r\n" : "%s\n", err.msg);
        gt_docker_out_emit(&out, tty ? 1 : 2, s, strlen(s), 0);
    }
    gt_docker_hijack_end(&h);
}

GT_DOCKER_HANDLER(gt_docker_h_exec_inspect)
{
    struct gt_error err;
    cleanup_json json_t *out = NULL;
    int r = gt_engine_exec_inspect(ENGINE(ctx), gt_http_req_param(req, "id"), &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}

GT_DOCKER_HANDLER(gt_docker_h_exec_resize)
{
    struct gt_error err;
    int64_t h, w;
    int r = gt_docker_query_int(req, "h", 0, 0, UINT16_MAX, &h, &err);
    if (r == 0)
        r = gt_docker_query_int(req, "w", 0, 0, UINT16_MAX, &w, &err);
    if (r == 0)
        r = gt_engine_exec_resize(ENGINE(ctx), gt_http_req_param(req, "id"), (unsigned)h,
                                  (unsigned)w, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond(req, 200, NULL, NULL, 0);
}
