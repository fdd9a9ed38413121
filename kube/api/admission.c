/* Admission: the plugins every write passes, in Kubernetes' order.
 *
 * Mutating (before validation):
 *   NamespaceLifecycle  nothing to change
 *   LimitRanger         pod containers get the default requests and limits
 *                       of the namespace's LimitRanges (limitranger.c)
 *   ServiceAccount      pods get serviceAccountName "default" (which must
 *                       exist) and the projected token volume
 * Validating (after validation):
 *   NamespaceLifecycle  no creates in a missing or terminating namespace
 *   LimitRanger         min, max and ratios of the LimitRanges
 *   PodSecurity         pod-security.kubernetes.io/enforce (podsecurity.c)
 *   ResourceQuota       counts and compute resources against the hard
 *                       limits; status.used moves with the admitted
 *                       object (quota.c)
 * Each is a row of the tables below; a plugin returns 0 or -1 with *st. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "kube/api/admission.h"
#include "kube/api/internal.h"
#include "kube/api/registry.h"
#include "kube/meta.h"
#include "kube/obj.h"

bool kadm_is_pod(const struct gt_kind *k)
{
    return !k->group[0] && !strcmp(k->resource, "pods");
}

/* The namespace object (a new reference) from the cache, else the store. */
json_t *kadm_namespace(struct gt_kapi *api, const char *name)
{
    const struct gt_kind *nk = kapi_kind_named("", "namespaces");
    json_t *ns = gt_kwc_get(api->cache, nk, "", name);
    if (ns)
        return ns;
    json_t *st = NULL;
    if (gt_kreg_get(api->store, nk, "", name, 0, &ns, NULL, &st) < 0) {
        json_decref(st);
        return NULL;
    }
    return ns;
}

/* ---- NamespaceLifecycle ---- */

static int ns_lifecycle(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                        const json_t *obj, const json_t *old, json_t **st)
{
    if (op != KOP_CREATE || !k->namespaced)
        return 0;
    const char *ns = gt_kobj_namespace(obj);
    json_t *n = kadm_namespace(r->api, ns);
    if (!n) {
        json_t *s = gt_kst_not_found("", "namespaces", ns);
        json_decref(*st);
        *st = s;
        return -1;
    }
    bool terminating = gt_kobj_has(n, "metadata.deletionTimestamp") ||
                       !strcmp(gt_kobj_str(n, "status.phase", ""), "Terminating");
    json_decref(n);
    if (terminating) {
        char q[160];
        json_t *s = gt_kst_new(403, NULL,
                               "%s \"%s\" is forbidden: unable to create new content in namespace "
                               "%s because it is being terminated",
                               gt_kst_qualified(k->group, k->resource, q), gt_kobj_name(obj), ns);
        gt_kst_details(s, gt_kobj_name(obj), k->group, k->resource);
        json_object_set_new(json_object_get(s, "details"), "causes",
                            json_pack("[{s:s,s:s,s:s}]", "reason", "NamespaceTerminating",
                                      "message", "namespace is being terminated", "field",
                                      "metadata.namespace"));
        json_decref(*st);
        *st = s;
        return -1;
    }
    return 0;
}

/* ---- ServiceAccount ---- */

#define SA_MOUNT "/var/run/secrets/kubernetes.io/serviceaccount"

static json_t *service_account(struct gt_kapi *api, const char *ns, const char *name, bool wait)
{
    const struct gt_kind *sk = kapi_kind_named("", "serviceaccounts");
    /* a namespace created a moment ago gets its default service account
     * from the controller within milliseconds: give it a little time */
    for (int i = 0; i < (wait ? 40 : 1); i++) {
        json_t *sa = gt_kwc_get(api->cache, sk, ns, name);
        if (!sa) {
            json_t *st = NULL;
            if (gt_kreg_get(api->store, sk, ns, name, 0, &sa, NULL, &st) < 0)
                json_decref(st);
        }
        if (sa)
            return sa;
        if (wait) {
            struct timespec ts = { 0, 50 * 1000000 };
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

static bool mounts_path(const json_t *container, const char *path)
{
    size_t i;
    json_t *m;
    json_array_foreach(gt_kobj_arr(container, "volumeMounts"), i, m)
        if (!strcmp(gt_kobj_str(m, "mountPath", ""), path))
            return true;
    return false;
}

static void add_token_volume(json_t *pod)
{
    json_t *spec = gt_kobj_ensure(pod, "spec");
    json_t *vols = json_object_get(spec, "volumes");
    size_t i;
    json_t *v;
    json_array_foreach(vols, i, v)
        if (!strncmp(gt_kobj_str(v, "name", ""), "kube-api-access-", 16))
            return;
    char gen[64];
    gt_kmeta_generate_name("kube-api-access-", gen);
    json_t *vol = json_pack(
        "{s:s,s:{s:i,s:[{s:{s:i,s:s}},{s:{s:s,s:[{s:s,s:s}]}},{s:{s:[{s:s,s:{s:s,s:s}}]}}]}}",
        "name", gen, "projected", "defaultMode", 420, "sources", "serviceAccountToken",
        "expirationSeconds", 3607, "path", "token", "configMap", "name", "kube-root-ca.crt",
        "items", "key", "ca.crt", "path", "ca.crt", "downwardAPI", "items", "path", "namespace",
        "fieldRef", "apiVersion", "v1", "fieldPath", "metadata.namespace");
    if (!json_is_array(vols)) {
        vols = json_array();
        json_object_set_new(spec, "volumes", vols);
    }
    json_array_append_new(vols, vol);
    static const char *const lists[] = { "containers", "initContainers" };
    for (size_t l = 0; l < 2; l++) {
        json_t *c;
        json_array_foreach(json_object_get(spec, lists[l]), i, c) {
            if (mounts_path(c, SA_MOUNT))
                continue;
            json_t *mounts = json_object_get(c, "volumeMounts");
            if (!json_is_array(mounts)) {
                mounts = json_array();
                json_object_set_new(c, "volumeMounts", mounts);
            }
            json_array_append_new(mounts, json_pack("{s:s,s:b,s:s}", "name", gen, "readOnly", 1,
                                                    "mountPath", SA_MOUNT));
        }
    }
}

static int sa_admission(struct kreq *r, const struct gt_kind *k, enum kapi_op op, json_t *obj,
                        const json_t *old, json_t **st)
{
    if (op != KOP_CREATE || !kadm_is_pod(k))
        return 0;
    json_t *spec = gt_kobj_ensure(obj, "spec");
    const char *name = gt_kobj_str(spec, "serviceAccountName", "");
    if (!name[0]) {
        name = gt_kobj_str(spec, "serviceAccount", "");
        if (!name[0])
            name = "default";
        json_object_set_new(spec, "serviceAccountName", json_string(name));
        name = gt_kobj_str(spec, "serviceAccountName", "");
    }
    if (!gt_kobj_str(spec, "serviceAccount", "")[0])
        json_object_set_new(spec, "serviceAccount", json_string(name));
    const char *ns = gt_kobj_namespace(obj);
    json_t *sa = service_account(r->api, ns, name, !strcmp(name, "default"));
    if (!sa) {
        json_t *s = gt_kst_new(403, NULL,
                               "pods \"%s\" is forbidden: error looking up service account %s/%s: "
                               "serviceaccount \"%s\" not found",
                               gt_kobj_name(obj), ns, name, name);
        gt_kst_details(s, gt_kobj_name(obj), "", "pods");
        json_decref(*st);
        *st = s;
        return -1;
    }
    json_t *pa = json_object_get(spec, "automountServiceAccountToken");
    json_t *sa_a = json_object_get(sa, "automountServiceAccountToken");
    bool mount = json_is_boolean(pa) ? json_is_true(pa)
                                     : (json_is_boolean(sa_a) ? json_is_true(sa_a) : true);
    json_decref(sa);
    if (mount)
        add_token_volume(obj);
    return 0;
}

/* ---- the chains ---- */

typedef int (*mutate_fn)(struct kreq *r, const struct gt_kind *k, enum kapi_op op, json_t *obj,
                         const json_t *old, json_t **st);
typedef int (*validate_fn)(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                           const json_t *obj, const json_t *old, json_t **st);

static const struct {
    const char *name;
    mutate_fn fn;
} mutating[] = {
    { "LimitRanger", kadm_limitranger_mutate },
    { "ServiceAccount", sa_admission },
};

static const struct {
    const char *name;
    validate_fn fn;
} validating[] = {
    { "NamespaceLifecycle", ns_lifecycle },
    { "LimitRanger", kadm_limitranger_validate },
    { "PodSecurity", kadm_podsecurity_validate },
    { "ResourceQuota", kadm_quota_validate },
};

int kapi_admission_mutate(struct kreq *r, const struct gt_kind *k, enum kapi_op op, json_t *obj,
                          const json_t *old, json_t **st)
{
    for (size_t i = 0; i < sizeof mutating / sizeof mutating[0]; i++)
        if (mutating[i].fn(r, k, op, obj, old, st) < 0)
            return -1;
    return 0;
}

int kapi_admission_validate(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                            const json_t *obj, const json_t *old, json_t **st)
{
    for (size_t i = 0; i < sizeof validating / sizeof validating[0]; i++)
        if (validating[i].fn(r, k, op, obj, old, st) < 0)
            return -1;
    return 0;
}
