/* kube/api/status.h - the API server's errors as Kubernetes Status objects:
 * what kube/status.h (the shared constructors: forbidden, not found,
 * conflict, ...) does not cover -- messages formatted on the spot, the
 * reason of each HTTP status, AlreadyExists, Success, and the mapping of
 * the lower layers' errno values.
 *
 * Every failure the API server answers is a meta/v1 Status whose `code` is
 * the HTTP status, with a `reason` that clients switch on (NotFound,
 * AlreadyExists, Conflict, Invalid, Forbidden, Expired, ...) and optional
 * `details` (name, group, kind, causes).  Inside the server, a function of
 * the REST layer reports failure by returning a negative value and setting
 * *st to a new Status (the caller owns it); gt_kst_from_error() turns an
 * error of the layers below (store, kinds) into one by its errno.
 * Messages follow the real API server, since kubectl prints them verbatim:
 * `deployments.apps "web" already exists`. */
#ifndef GT_KUBE_API_STATUS_H
#define GT_KUBE_API_STATUS_H

#include <jansson.h>

#include "base/error.h"

/* The reason Kubernetes gives an HTTP status by default ("NotFound" for
 * 404, "" for codes without one). */
const char *gt_kst_reason_of(int code);

/* A Failure Status.  reason NULL: gt_kst_reason_of(code). */
json_t *gt_kst_new(int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets *st (if st) to a new Status and returns -1. */
int gt_kst_fail(json_t **st, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds details {name, group, kind} to a Status (name/group may be NULL). */
void gt_kst_details(json_t *st, const char *name, const char *group, const char *kind);

/* 409 AlreadyExists: `deployments.apps "web" already exists`. */
json_t *gt_kst_already_exists(const char *group, const char *resource, const char *name);
/* {"kind":"Status",...,"status":"Success"} */
json_t *gt_kst_success(void);

/* Maps an error of the lower layers: ENOENT 404, EEXIST 409 AlreadyExists,
 * ESTALE 409 Conflict, ENODATA 410 Expired, EINVAL/EBADMSG 400, EACCES 403,
 * EFBIG/EMSGSIZE 413, EAGAIN/ECONNREFUSED/EIO/ETIMEDOUT 503 or 504, the
 * rest 500; the message is err's. */
json_t *gt_kst_from_error(const struct gt_error *err);
int gt_kst_fail_error(json_t **st, const struct gt_error *err);

#endif
