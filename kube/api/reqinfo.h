/* kube/api/reqinfo.h - what a request is about, from its method, path and
 * query, as Kubernetes' RequestInfo: the resource coordinates that routing,
 * authorization (RBAC) and admission all work from.
 *
 * Resource requests:
 *   /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUBRESOURCE]]
 *   /apis/GROUP/VERSION[/namespaces/NS]/RESOURCE[/NAME[/SUBRESOURCE]]
 *   /api/v1/namespaces/NS[/status|/finalize]   (the namespace itself)
 *   the legacy /api/v1/watch/... form is accepted and means watch.
 * The verb follows the method: GET get (a name) / list (none) / watch
 * (?watch=true or 1); POST create; PUT update; PATCH patch; DELETE delete
 * (a name) / deletecollection (none).  A list or watch narrowed by
 * fieldSelector=metadata.name=X is given name X, as Kubernetes does, so
 * that RBAC resourceNames rules apply to kubectl get -w of one object.
 * Anything else ("/version", "/api", "/apis/apps") is a non-resource
 * request whose verb is the lower-case method. */
#ifndef GT_KUBE_API_REQINFO_H
#define GT_KUBE_API_REQINFO_H

#include <stdbool.h>

#include "base/error.h"

struct gt_kreqinfo {
    bool resource_request;
    const char *verb;    /* "get", "list", "watch", "create", ... (static) */
    char *path;          /* the path, decoded */
    char *api_prefix;    /* "api" or "apis" */
    char *group;         /* "" for core */
    char *version;
    char *namespace_;    /* "" when none */
    char *resource;
    char *subresource;   /* "" when none */
    char *name;          /* "" when none */
    int nparts;          /* path segments after the version (0: discovery of the group version) */
};

/* method: "GET"...; path: raw (percent-encoded) without the query;
 * watch: the ?watch query was true; field_name: the metadata.name of a
 * fieldSelector (NULL: none).  -EINVAL for a path that cannot be a
 * Kubernetes path (empty segment, bad escape). */
int gt_kreqinfo_parse(struct gt_kreqinfo *ri, const char *method, const char *path, bool watch,
                      const char *field_name, struct gt_error *err);
void gt_kreqinfo_release(struct gt_kreqinfo *ri);

#endif
