/* /networks/...: the built-in networks `none` and `host`.  Networks of
 * our own (bridge, user-defined) need the networking layer: until it is
 * there, creating or connecting answers 501 and says so. */
#include <errno.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "docker/internal.h"

#define NOT_YET "networking is not available yet: "

GT_DOCKER_HANDLER(gt_docker_h_network_list)
{
    struct gt_error err;
    cleanup_json json_t *filters = NULL, *out = NULL;
    int r = gt_docker_query_filters(req, &filters, &err);
    if (r == 0)
        r = gt_docker_builtin_networks(filters, &out, &err);
    if (r < 0)
        gt_docker_fail(req, r, &err);
    else
        gt_http_respond_json(req, 200, out);
}

GT_DOCKER_HANDLER(gt_docker_h_network_inspect)
{
    const char *id = gt_http_req_param(req, "id");
    cleanup_json json_t *n = gt_docker_builtin_network(id);
    if (!n)
        gt_http_respond_error(req, 404, "network %s not found", id);
    else
        gt_http_respond_json(req, 200, n);
}

GT_DOCKER_HANDLER(gt_docker_h_network_create)
{
    gt_http_respond_error(req, 501, NOT_YET "Gantry has only the built-in networks none and "
                                            "host; user-defined networks need its bridge driver");
}

GT_DOCKER_HANDLER(gt_docker_h_network_connect)
{
    const char *id = gt_http_req_param(req, "id");
    cleanup_json json_t *n = gt_docker_builtin_network(id);
    if (!n)
        gt_http_respond_error(req, 404, "network %s not found", id);
    else
        gt_http_respond_error(req, 501, NOT_YET "containers cannot join or leave networks "
                                                "after they are created");
}

GT_DOCKER_HANDLER(gt_docker_h_network_delete)
{
    const char *id = gt_http_req_param(req, "id");
    cleanup_json json_t *n = gt_docker_builtin_network(id);
    if (!n)
        gt_http_respond_error(req, 404, "network %s not found", id);
    else
        gt_http_respond_error(req, 403, "%s is a pre-defined network and cannot be removed",
                              json_string_value(json_object_get(n, "Name")));
}

GT_DOCKER_HANDLER(gt_docker_h_network_prune)
{
    cleanup_json json_t *out = json_pack("{s:[]}", "NetworksDeleted");
    gt_http_respond_json(req, 200, out);
}
