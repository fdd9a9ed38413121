/* Status objects: the error shape of the Kubernetes API. */
#include "kube/api/status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "kube/status.h"

static const struct {
    int code;
    const char *reason;
} reasons[] = {
    { 400, "BadRequest" },       { 401, "Unauthorized" },
    { 403, "Forbidden" },        { 404, "NotFound" },
    { 405, "MethodNotAllowed" }, { 406, "NotAcceptable" },
    { 409, "Conflict" },         { 410, "Expired" },
    { 413, "RequestEntityTooLarge" }, { 415, "UnsupportedMediaType" },
    { 422, "Invalid" },          { 429, "TooManyRequests" },
    { 500, "InternalError" },    { 503, "ServiceUnavailable" },
    { 504, "Timeout" },
};

const char *gt_kst_reason_of(int code)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].code == code)
            return reasons[i].reason;
    return "";
}

static json_t *vnew(int code, const char *reason, const char *fmt, va_list ap)
{
    char *msg;
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    json_t *st = json_pack("{s:s,s:s,s:{},s:s,s:s,s:i}", "kind", "Status", "apiVersion", "v1",
                           "metadata", "status", "Failure", "message", msg, "code", code);
    const char *r = reason ? reason : gt_kst_reason_of(code);
    if (r[0])
        json_object_set_new(st, "reason", json_string(r));
    free(msg);
    return st;
}

json_t *gt_kst_new(int code, const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *st = vnew(code, reason, fmt, ap);
    va_end(ap);
    return st;
}

int gt_kst_fail(json_t **st, int code, const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *s = vnew(code, reason, fmt, ap);
    va_end(ap);
    if (st) {
        json_decref(*st);
        *st = s;
    } else {
        json_decref(s);
    }
    return -1;
}

void gt_kst_details(json_t *st, const char *name, const char *group, const char *kind)
{
    json_t *d = json_object_get(st, "details");
    if (!d) {
        d = json_object();
        json_object_set_new(st, "details", d);
    }
    if (name && name[0])
        json_object_set_new(d, "name", json_string(name));
    if (group && group[0])
        json_object_set_new(d, "group", json_string(group));
    if (kind && kind[0])
        json_object_set_new(d, "kind", json_string(kind));
}

json_t *gt_kst_already_exists(const char *group, const char *resource, const char *name)
{
    char *gr = gt_kstatus_group_resource(group, resource);
    json_t *st = gt_kst_new(409, "AlreadyExists", "%s \"%s\" already exists", gr, name);
    free(gr);
    gt_kst_details(st, name, group, resource);
    return st;
}

json_t *gt_kst_success(void)
{
    return json_pack("{s:s,s:s,s:{},s:s}", "kind", "Status", "apiVersion", "v1", "metadata",
                     "status", "Success");
}

json_t *gt_kst_from_error(const struct gt_error *err)
{
    const char *msg = err && err->msg[0] ? err->msg : "internal error";
    int code;
    const char *reason = NULL;
    switch (err ? err->code : 0) {
    case ENOENT: code = 404; break;
    case EEXIST: code = 409; reason = "AlreadyExists"; break;
    case ESTALE: code = 409; reason = "Conflict"; break;
    case ENODATA: code = 410; break;
    case EINVAL: case EBADMSG: case EPROTO: code = 400; break;
    case EACCES: code = 403; break;
    case EPERM: code = 401; break;
    case EFBIG: case EMSGSIZE: case E2BIG: code = 413; break;
    case ETIMEDOUT: code = 504; break;
    case EAGAIN: case ECONNREFUSED: case EIO: case ESHUTDOWN: code = 503; break;
    case ENOMEM: code = 500; break;
    default: code = 500; break;
    }
    return gt_kst_new(code, reason, "%s", msg);
}

int gt_kst_fail_error(json_t **st, const struct gt_error *err)
{
    json_t *s = gt_kst_from_error(err);
    if (st) {
        json_decref(*st);
        *st = s;
    } else {
        json_decref(s);
    }
    return -1;
}
