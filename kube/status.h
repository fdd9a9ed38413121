/* kube/status.h - metav1.Status objects for failures other than 422
 * Invalid (which kube/fielderr.h builds), worded as apimachinery's
 * k8s.io/apimachinery/pkg/api/errors constructors word them:
 *
 *   gt_kstatus_forbidden("", "pods", "x", "exceeded quota: ...")
 *     {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
 *      "message":"pods \"x\" is forbidden: exceeded quota: ...",
 *      "reason":"Forbidden","details":{"name":"x","kind":"pods"},"code":403}
 *   (group "apps": "deployments.apps \"x\" is forbidden: ..."; name "":
 *   "pods is forbidden: ..."; resource "": "forbidden: ...")
 *   gt_kstatus_not_found("", "namespaces", "x")
 *     "namespaces \"x\" not found", reason NotFound, 404
 *   gt_kstatus_unauthorized(): "Unauthorized", 401
 *
 * Every function returns a new object; they never fail.
 */
#ifndef GT_KUBE_STATUS_H
#define GT_KUBE_STATUS_H

#include <jansson.h>

/* The bare Status: code (403), reason ("Forbidden"), message; details are
 * left out when group, kind and name are all NULL or "". */
json_t *gt_kstatus_new(int code, const char *reason, const char *message, const char *group,
                       const char *kind, const char *name);
json_t *gt_kstatus_forbidden(const char *group, const char *resource, const char *name,
                             const char *message);
json_t *gt_kstatus_not_found(const char *group, const char *resource, const char *name);
json_t *gt_kstatus_unauthorized(void);
json_t *gt_kstatus_bad_request(const char *message);
json_t *gt_kstatus_conflict(const char *group, const char *resource, const char *name,
                            const char *message);
json_t *gt_kstatus_internal(const char *message);
/* "pods", "deployments.apps": a GroupResource's String(). New string. */
char *gt_kstatus_group_resource(const char *group, const char *resource);

#endif
