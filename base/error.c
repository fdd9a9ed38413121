#include "base/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void gt_err_clear(struct gt_error *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}

int gt_err_vformat(struct gt_error *err, int code, int errnum, const char *fmt, va_list ap)
{
    if (code <= 0)
        code = EINVAL;
    if (!err)
        return -code;
    err->code = code;
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    if (n < 0)
        n = 0;
    if (errnum > 0 && (size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(errnum));
    return -code;
}

int gt_err(struct gt_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = gt_err_vformat(err, code, 0, fmt, ap);
    va_end(ap);
    return r;
}

int gt_err_sys(struct gt_error *err, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = gt_err_vformat(err, errnum, errnum, fmt, ap);
    va_end(ap);
    return r;
}

int gt_err_prefix(struct gt_error *err, const char *fmt, ...)
{
    if (!err)
        return -EINVAL;
    if (err->code <= 0)
        err->code = EINVAL;
    char ctx[GT_ERR_MSG_MAX], old[GT_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    if (old[0])
        snprintf(err->msg, sizeof err->msg, "%s: %s", ctx, old);
    else
        snprintf(err->msg, sizeof err->msg, "%s", ctx);
    return -err->code;
}
