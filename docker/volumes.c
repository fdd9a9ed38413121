/* /volumes/...: named volumes. */
#include <errno.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "docker/internal.h"

#define ENGINE(ctx) (((struct gt_docker *)(ctx))->engine)

GT_DOCKER_HANDLER(gt_docker_h_volume_list)
{
    struct gt_error err;
    cleanup_json json_t *filters = NULL, *out = NULL;
    int r = gt_docker_query_filters(req, &filters, &err);
    if (r == 0)
        r = gt_engine_volume_list(ENGINE(ctx), filters, &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}

GT_DOCKER_HANDLER(gt_docker_h_volume_create)
{
    struct gt_error err;
    cleanup_free char *body = NULL;
    size_t len;
    cleanup_json json_t *in = NULL, *out = NULL;
    int r = gt_http_req_body(req, &body, &len, &err);
    if (r == 0 && len == 0)
        in = json_object(); /* docker volume create without arguments */
    else if (r == 0)
        r = gt_json_load_buf(body, len, "volume config", &in, &err);
    if (r == 0 && !json_is_object(in))
        r = gt_err(&err, EINVAL, "volume config: expected a JSON object, got %s",
                   gt_json_type_name(in));
    if (r == 0)
        r = gt_engine_volume_create(ENGINE(ctx), in, &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 201, out);
}

GT_DOCKER_HANDLER(gt_docker_h_volume_inspect)
{
    struct gt_error err;
    cleanup_json json_t *out = NULL;
    int r = gt_engine_volume_inspect(ENGINE(ctx), gt_http_req_param(req, "name"), &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}

GT_DOCKER_HANDLER(gt_docker_h_volume_delete)
{
    struct gt_error err;
    int r = gt_engine_volume_remove(ENGINE(ctx), gt_http_req_param(req, "name"),
                                    gt_http_req_query_bool(req, "force", false), &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond(req, 204, NULL, NULL, 0);
}

GT_DOCKER_HANDLER(gt_docker_h_volume_prune)
{
    struct gt_error err;
    cleanup_json json_t *filters = NULL, *out = NULL;
    int r = gt_docker_query_filters(req, &filters, &err);
    if (r == 0)
        r = gt_engine_volume_prune(ENGINE(ctx), filters, &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}
