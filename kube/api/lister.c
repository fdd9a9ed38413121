/* The lister (kube/lister.h) that the security modules read the cluster
 * through: the watch cache, and for a get that the cache does not have
 * yet, the store (a namespace or service account created a moment ago must
 * not look missing to admission).  Resources are plural names, qualified
 * with their group outside the core and RBAC groups ("deployments.apps"). */
#include <stdlib.h>
#include <string.h>

#include "kube/api/internal.h"
#include "kube/api/registry.h"

static const struct gt_kind *resolve(const char *resource)
{
    const char *dot = strchr(resource, '.');
    if (dot) {
        char res[128];
        size_t n = (size_t)(dot - resource);
        if (n >= sizeof res)
            return NULL;
        memcpy(res, resource, n);
        res[n] = 0;
        return kapi_kind_named(dot + 1, res);
    }
    const struct gt_kind *k = kapi_kind_named("", resource);
    return k ? k : kapi_kind_named(GT_KRBAC_GROUP, resource);
}

static json_t *lister_get(void *ctx, const char *resource, const char *ns, const char *name)
{
    struct gt_kapi *api = ctx;
    const struct gt_kind *k = resolve(resource);
    if (!k || !name[0])
        return NULL;
    json_t *o = gt_kwc_get(api->cache, k, k->namespaced ? ns : "", name);
    if (o)
        return o;
    json_t *st = NULL;
    if (gt_kreg_get(api->store, k, k->namespaced ? ns : "", name, 0, &o, NULL, &st) < 0) {
        json_decref(st);
        return NULL;
    }
    return o;
}

static json_t *lister_list(void *ctx, const char *resource, const char *ns)
{
    struct gt_kapi *api = ctx;
    const struct gt_kind *k = resolve(resource);
    if (!k)
        return json_array(); /* a resource we do not serve has no objects */
    return gt_kwc_list(api->cache, k, k->namespaced ? ns : "", NULL, NULL, NULL);
}

void kapi_lister_init(struct gt_kapi *api)
{
    api->lister = (struct gt_klister){ .ctx = api, .get = lister_get, .list = lister_list };
}
