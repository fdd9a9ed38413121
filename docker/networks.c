/* /networks/...: create, list, inspect, remove, prune, connect and
 * disconnect, over the engine's networks (engine/engine.h). */
#include <errno.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "docker/internal.h"

#define ENGINE(ctx) (((struct gt_docker *)(ctx))->engine)

/* The request body as a JSON object ("{}" when empty). */
static int body_object(struct gt_http_req *req, const char *what, json_t **out,
                       struct gt_error *err)
{
    cleanup_free char *body = NULL;
    size_t len;
    int r = gt_http_req_body(req, &body, &len, err);
    if (r < 0)
        return r;
    if (len == 0) {
        *out = json_object();
        return 0;
    }
    if ((r = gt_json_load_buf(body, len, what, out, err)) < 0)
        return r;
    if (!json_is_object(*out)) {
        r = gt_err(err, EINVAL, "%s: expected a JSON object, got %s", what,
                   gt_json_type_name(*out));
        json_decref(*out);
        *out = NULL;
    }
    return r;
}

GT_DOCKER_HANDLER(gt_docker_h_network_list)
{
    struct gt_error err;
    cleanup_json json_t *filters = NULL, *out = NULL;
    int r = gt_docker_query_filters(req, &filters, &err);
    if (r == 0)
        r = gt_engine_network_list(ENGINE(ctx), filters, &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}

GT_DOCKER_HANDLER(gt_docker_h_network_inspect)
{
    struct gt_error err;
    cleanup_json json_t *out = NULL;
    int r = gt_engine_network_inspect(ENGINE(ctx), gt_http_req_param(req, "id"), &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}

GT_DOCKER_HANDLER(gt_docker_h_network_create)
{
    struct gt_error err;
    cleanup_json json_t *in = NULL, *out = NULL;
    int r = body_object(req, "network config", &in, &err);
    if (r == 0)
        r = gt_engine_network_create(ENGINE(ctx), in, &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 201, out);
}

static void connect_or_disconnect(struct gt_http_req *req, void *ctx, bool disconnect)
{
    struct gt_error err;
    cleanup_json json_t *in = NULL;
    int r = body_object(req, disconnect ? "network disconnect" : "network connect", &in, &err);
    const char *ctr = json_string_value(json_object_get(in, "Container"));
    if (r == 0 && (!ctr || !*ctr))
        r = gt_err(&err, EINVAL, "Container is required");
    const char *net = gt_http_req_param(req, "id");
    if (r == 0 && disconnect)
        r = gt_engine_network_disconnect(ENGINE(ctx), net, ctr,
                                         json_is_true(json_object_get(in, "Force")), &err);
    else if (r == 0)
        r = gt_engine_network_connect(ENGINE(ctx), net, ctr,
                                      json_object_get(in, "EndpointConfig"), &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond(req, 200, NULL, NULL, 0);
}

GT_DOCKER_HANDLER(gt_docker_h_network_connect)
{
    connect_or_disconnect(req, ctx, false);
}

GT_DOCKER_HANDLER(gt_docker_h_network_disconnect)
{
    connect_or_disconnect(req, ctx, true);
}

GT_DOCKER_HANDLER(gt_docker_h_network_delete)
{
    struct gt_error err;
    int r = gt_engine_network_remove(ENGINE(ctx), gt_http_req_param(req, "id"), &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond(req, 204, NULL, NULL, 0);
}

GT_DOCKER_HANDLER(gt_docker_h_network_prune)
{
    struct gt_error err;
    cleanup_json json_t *filters = NULL, *out = NULL;
    int r = gt_docker_query_filters(req, &filters, &err);
    if (r == 0)
        r = gt_engine_network_prune(ENGINE(ctx), filters, &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}
