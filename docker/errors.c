/* Engine errors to HTTP statuses (engine/engine.h's table), and the error
 * shape of the Docker API. */
#include <errno.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "docker/internal.h"

static const struct {
    int code;
    int status;
} statuses[] = {
    { ENOENT, 404 },    { EEXIST, 409 }, { EBUSY, 409 },   { EALREADY, 304 },
    { EINVAL, 400 },    { EOPNOTSUPP, 501 }, { ENOSYS, 501 }, { EACCES, 403 },
    { EPERM, 403 },     { EFBIG, 413 },  { ENAMETOOLONG, 400 },
};

int gt_docker_status_of(int code)
{
    code = abs(code);
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i].code == code)
            return statuses[i].status;
    return 500;
}

void gt_docker_fail(struct gt_http_req *req, int code, const struct gt_error *err)
{
    int status = gt_docker_status_of(code);
    const char *msg = err && err->code && err->msg[0] ? err->msg : NULL;
    if (status >= 500)
        gt_warn("%s %s: %s", gt_http_req_method(req), gt_http_req_path(req),
                msg ? msg : "failed");
    else
        gt_debug("%s %s: %d %s", gt_http_req_method(req), gt_http_req_path(req), status,
                 msg ? msg : "");
    if (msg)
        gt_http_respond_error(req, status, "%s", msg);
    else
        gt_http_respond_error(req, status, "%s", gt_http_reason(status));
}

void gt_docker_error_fn(struct gt_http_req *req, int status, const char *message, void *ctx)
{
    if (status == 304) { /* "nothing to do": no body, the CLI counts it a success */
        gt_http_respond(req, 304, NULL, NULL, 0);
        return;
    }
    cleanup_json json_t *j = json_object();
    json_t *m = json_string(message);
    if (!m) { /* a message may quote bytes of the request that are not UTF-8 */
        cleanup_free char *copy = gt_xstrdup(message);
        for (char *p = copy; *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
        m = json_string(copy);
    }
    json_object_set_new(j, "message", m);
    gt_http_respond_json(req, status, j);
}
