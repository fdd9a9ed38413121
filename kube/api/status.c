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

/* errno of the lower layers -> HTTP status (and reason when not the
 * status's own) */
static const struct {
    int err, code;
    const char *reason;
} errno_map[] = {
    { ENOENT, 404, NULL },       { EEXIST, 409, "AlreadyExists" }, { ESTALE, 409, "Conflict" },
    { ENODATA, 410, NULL },      { EINVAL, 400, NULL },            { EBADMSG, 400, NULL },
    { EPROTO, 400, NULL },       { EACCES, 403, NULL },            { EPERM, 401, NULL },
    { EFBIG, 413, NULL },        { EMSGSIZE, 413, NULL },          { E2BIG, 413, NULL },
    { ETIMEDOUT, 504, NULL },    { EAGAIN, 503, NULL },            { ECONNREFUSED, 503, NULL },
    { EIO, 503, NULL },          { ESHUTDOWN, 503, NULL },
};

json_t *gt_kst_from_error(const struct gt_error *err)
{
    const char *msg = err && err->msg[0] ? err->msg : "internal error";
    int code = 500;
    const char *reason = NULL;
    for (size_t i = 0; err && i < sizeof errno_map / sizeof errno_map[0]; i++)
        if (errno_map[i].err == err->code) {
            code = errno_map[i].code;
            reason = errno_map[i].reason;
            break;
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
