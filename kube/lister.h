/* kube/lister.h - how the security modules (authn, rbac, admission) read
 * the API server's objects: a small table of callbacks that the server
 * implements over its cache.  The modules never do I/O themselves.
 *
 * Contract for implementations:
 * - resource is the plural resource name, which is unique among the
 *   resources these modules read: "namespaces", "serviceaccounts", "pods",
 *   "secrets", "nodes", "limitranges", "resourcequotas", "roles",
 *   "rolebindings", "clusterroles", "clusterrolebindings", and for quota
 *   counting any other resource ("configmaps", "services",
 *   "persistentvolumeclaims", "deployments.apps" -- resources outside the
 *   core and RBAC groups are qualified with their group, as in count/...).
 * - namespace is "" for cluster-scoped resources; for list, "" means every
 *   namespace.
 * - get returns a new reference to the object (the caller decrefs), or
 *   NULL when it does not exist.
 * - list returns a new reference to a JSON array of objects (possibly
 *   empty), or NULL when the lister cannot answer (the modules then fail
 *   closed where it matters: quota, RBAC).
 * - Objects are the stored (external, versioned) JSON; callers never modify
 *   them.  Both callbacks may be called from several threads at once when
 *   the server authorizes concurrent requests.
 */
#ifndef GT_KUBE_LISTER_H
#define GT_KUBE_LISTER_H

#include <jansson.h>

struct gt_klister {
    void *ctx;
    json_t *(*get)(void *ctx, const char *resource, const char *ns, const char *name);
    json_t *(*list)(void *ctx, const char *resource, const char *ns);
};

static inline json_t *gt_klister_get(const struct gt_klister *l, const char *resource,
                                     const char *ns, const char *name)
{
    return l && l->get ? l->get(l->ctx, resource, ns ? ns : "", name ? name : "") : NULL;
}

static inline json_t *gt_klister_list(const struct gt_klister *l, const char *resource,
                                      const char *ns)
{
    return l && l->list ? l->list(l->ctx, resource, ns ? ns : "") : NULL;
}

#endif
