/* base/error.h - the one error convention of Gantry.
 *
 * Library functions return 0 (or a non-negative value) on success and a
 * negative errno-style code on failure, and fill the caller's struct gt_error
 * with a message that names what failed and why.  Callers add context on the
 * way up with gt_err_prefix(); the message is printed once, at the edge.
 * Every function here accepts err == NULL (the message is then dropped).
 */
#ifndef GT_BASE_ERROR_H
#define GT_BASE_ERROR_H

#include <stdarg.h>

#define GT_ERR_MSG_MAX 1024

struct gt_error {
    int code;                 /* positive errno value; 0 when no error */
    char msg[GT_ERR_MSG_MAX]; /* "what: why", NUL-terminated */
};

/* Reset to "no error". */
void gt_err_clear(struct gt_error *err);

/* Record an error with a formatted message; returns -code (code > 0).
 * A code <= 0 is recorded as EINVAL. */
int gt_err(struct gt_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like gt_err(), with ": <strerror(errnum)>" appended: for failed system
 * calls, where errnum is usually errno. */
int gt_err_sys(struct gt_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend "<context>: " to the recorded message; returns -err->code so that
 * `return gt_err_prefix(err, "load %s", path);` passes the failure up. */
int gt_err_prefix(struct gt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int gt_err_vformat(struct gt_error *err, int code, int errnum, const char *fmt, va_list ap);

#endif
