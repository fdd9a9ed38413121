/* The admission chain, NamespaceLifecycle and ServiceAccount
 * (kube/admission.h). */
#include "kube/admission.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/meta.h"
#include "kube/obj.h"
#include "kube/status.h"

void gt_kadm_result_init(struct gt_kadm_result *r)
{
    r->status = NULL;
    r->warnings = json_array();
    r->quota = json_array();
}

void gt_kadm_result_release(struct gt_kadm_result *r)
{
    if (r->status)
        json_decref(r->status);
    json_decref(r->warnings);
    json_decref(r->quota);
    r->status = r->warnings = r->quota = NULL;
}

const char *gt_kadm_op_name(enum gt_kadm_op op)
{
    static const char *const names[] = { "CREATE", "UPDATE", "DELETE", "CONNECT" };
    return (unsigned)op < 4 ? names[op] : "UNKNOWN";
}

static int refused(struct gt_kadm_result *r, int code)
{
    if (!r->status)
        r->status = gt_kstatus_internal("admission refused the request without a reason");
    return code < 0 ? code : -EACCES;
}

int gt_kadm_mutate(const struct gt_kadm_chain *c, struct gt_kadm_attrs *a,
                   struct gt_kadm_result *r)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct gt_kadm_plugin *p = c->plugins[i];
        if (!p->mutate)
            continue;
        int rc = p->mutate(p, a, r);
        if (rc < 0)
            return refused(r, rc);
    }
    return 0;
}

int gt_kadm_validate(const struct gt_kadm_chain *c, const struct gt_kadm_attrs *a,
                     struct gt_kadm_result *r)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct gt_kadm_plugin *p = c->plugins[i];
        if (!p->validate)
            continue;
        int rc = p->validate(p, a, r);
        if (rc < 0)
            return refused(r, rc);
    }
    return 0;
}

const struct gt_kadm_chain *gt_kadm_default_chain(void)
{
    static const struct gt_kadm_plugin *const plugins[] = {
        &gt_kadm_namespace_lifecycle, &gt_kadm_limit_ranger, &gt_kadm_service_account,
        &gt_kadm_pod_security, &gt_kadm_priority, &gt_kadm_resource_quota,
    };
    static const struct gt_kadm_chain chain = { plugins, sizeof(plugins) / sizeof(*plugins) };
    return &chain;
}

json_t *gt_kadm_forbidden(const struct gt_kadm_attrs *a, const char *message)
{
    const char *name = a->name && *a->name ? a->name : NULL;
    if (!name && a->obj) {
        const char *n = gt_kobj_str(a->obj, "metadata.name", "");
        const char *g = gt_kobj_str(a->obj, "metadata.generateName", "");
        name = *n ? n : *g ? g : "Unknown";
    }
    return gt_kstatus_forbidden(a->group, a->resource, name ? name : "Unknown", message);
}

static bool is(const char *s, const char *want)
{
    return s && strcmp(s, want) == 0;
}

static bool main_resource(const struct gt_kadm_attrs *a)
{
    return !a->subresource || !*a->subresource;
}

/* ---- NamespaceLifecycle ---- */

static bool immortal(const char *ns)
{
    return is(ns, "default") || is(ns, "kube-system") || is(ns, "kube-public");
}

static int nslc_admit(const struct gt_kadm_plugin *p, struct gt_kadm_attrs *a,
                      struct gt_kadm_result *r)
{
    bool namespaces = is(a->resource, "namespaces") && (!a->group || !*a->group);
    if (a->op == GT_KADM_DELETE && namespaces && main_resource(a) && immortal(a->name)) {
        r->status = gt_kstatus_forbidden("", "namespaces", a->name, "this namespace may not be "
                                                                    "deleted");
        return -EACCES;
    }
    if (!a->namespace || !*a->namespace || namespaces || a->op == GT_KADM_DELETE)
        return 0;
    /* access reviews say nothing about the namespace */
    if (is(a->resource, "localsubjectaccessreviews"))
        return 0;
    json_t *ns = gt_klister_get(a->lister, "namespaces", "", a->namespace);
    if (!ns) {
        r->status = gt_kstatus_not_found("", "namespaces", a->namespace);
        return -ENOENT;
    }
    bool terminating = (gt_kobj_has(ns, "metadata.deletionTimestamp") &&
                        !json_is_null(gt_kobj_get(ns, "metadata.deletionTimestamp"))) ||
                       is(gt_kobj_str(ns, "status.phase", ""), "Terminating");
    json_decref(ns);
    if (a->op != GT_KADM_CREATE || !terminating)
        return 0;
    cleanup_free char *msg = gt_xasprintf(
        "unable to create new content in namespace %s because it is being terminated",
        a->namespace);
    r->status = gt_kadm_forbidden(a, msg);
    json_t *details = json_object_get(r->status, "details");
    json_object_set_new(details, "causes",
                        json_pack("[{s:s,s:s,s:s}]", "reason", "NamespaceTerminating", "message",
                                  msg, "field", "metadata.namespace"));
    return -EACCES;
}

const struct gt_kadm_plugin gt_kadm_namespace_lifecycle = {
    .name = "NamespaceLifecycle",
    .mutate = nslc_admit,
};

/* ---- ServiceAccount ---- */

#define SA_MOUNT_PATH "/var/run/secrets/kubernetes.io/serviceaccount"

static bool pod_create(const struct gt_kadm_attrs *a)
{
    return a->op == GT_KADM_CREATE && main_resource(a) && is(a->resource, "pods") &&
           (!a->group || !*a->group) && json_is_object(a->obj);
}

static bool mounts_path(const json_t *c, const char *path)
{
    size_t i;
    json_t *m;
    json_array_foreach(gt_kobj_arr(c, "volumeMounts"), i, m) if (is(gt_kobj_str(m, "mountPath", ""),
                                                                    path)) return true;
    return false;
}

static json_t *token_volume(const char *name)
{
    return json_pack(
        "{s:s,s:{s:i,s:[{s:{s:i,s:s}},{s:{s:s,s:[{s:s,s:s}]}},{s:{s:[{s:s,s:{s:s,s:s}}]}}]}}",
        "name", name, "projected", "defaultMode", 420, "sources", "serviceAccountToken",
        "expirationSeconds", 3607, "path", "token", "configMap", "name", "kube-root-ca.crt",
        "items", "key", "ca.crt", "path", "ca.crt", "downwardAPI", "items", "path", "namespace",
        "fieldRef", "apiVersion", "v1", "fieldPath", "metadata.namespace");
}

static void add_token_volume(json_t *spec)
{
    static const char *const lists[] = { "initContainers", "containers" };
    bool needed = false;
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *c;
        json_array_foreach(gt_kobj_arr(spec, lists[l]), i, c) needed |=
            json_is_object(c) && !mounts_path(c, SA_MOUNT_PATH);
    }
    if (!needed)
        return;
    char name[64];
    gt_kmeta_generate_name("kube-api-access-", name);
    json_t *vols = gt_kobj_arr(spec, "volumes");
    if (!vols) {
        vols = json_array();
        json_object_set_new(spec, "volumes", vols);
    }
    json_array_append_new(vols, token_volume(name));
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *c;
        json_array_foreach(gt_kobj_arr(spec, lists[l]), i, c) {
            if (!json_is_object(c) || mounts_path(c, SA_MOUNT_PATH))
                continue;
            json_t *mounts = gt_kobj_arr(c, "volumeMounts");
            if (!mounts) {
                mounts = json_array();
                json_object_set_new(c, "volumeMounts", mounts);
            }
            json_array_append_new(mounts, json_pack("{s:s,s:b,s:s}", "name", name, "readOnly", 1,
                                                    "mountPath", SA_MOUNT_PATH));
        }
    }
}

static int sa_lookup(const struct gt_kadm_attrs *a, struct gt_kadm_result *r, json_t **out)
{
    const char *sa = gt_kobj_str(a->obj, "spec.serviceAccountName", "default");
    json_t *obj = gt_klister_get(a->lister, "serviceaccounts", a->namespace, sa);
    if (!obj) {
        cleanup_free char *msg = gt_xasprintf(
            "service account %s/%s was not found, retry after the service account is created",
            a->namespace, sa);
        r->status = gt_kadm_forbidden(a, msg);
        return -EACCES;
    }
    *out = obj;
    return 0;
}

static int sa_mutate(const struct gt_kadm_plugin *p, struct gt_kadm_attrs *a,
                     struct gt_kadm_result *r)
{
    if (!pod_create(a))
        return 0;
    json_t *spec = gt_kobj_ensure(a->obj, "spec");
    const char *cur = gt_kobj_str(spec, "serviceAccountName", "");
    if (!*cur) {
        /* the deprecated alias, as the API's conversion reads it */
        const char *alias = gt_kobj_str(spec, "serviceAccount", "");
        json_object_set_new(spec, "serviceAccountName", json_string(*alias ? alias : "default"));
    }
    json_t *sa = NULL;
    int rc = sa_lookup(a, r, &sa);
    if (rc < 0)
        return rc;
    const struct gt_kadm_sa_config *cfg = p->config;
    bool mount = !(cfg && cfg->no_token_volume);
    json_t *pod_auto = json_object_get(spec, "automountServiceAccountToken");
    if (json_is_boolean(pod_auto))
        mount &= json_is_true(pod_auto);
    else if (json_is_false(json_object_get(sa, "automountServiceAccountToken")))
        mount = false;
    json_decref(sa);
    if (mount)
        add_token_volume(spec);
    return 0;
}

static int sa_validate(const struct gt_kadm_plugin *p, const struct gt_kadm_attrs *a,
                       struct gt_kadm_result *r)
{
    if (!pod_create(a))
        return 0;
    json_t *sa = NULL;
    int rc = sa_lookup(a, r, &sa);
    if (sa)
        json_decref(sa);
    return rc;
}

const struct gt_kadm_plugin gt_kadm_service_account = {
    .name = "ServiceAccount",
    .mutate = sa_mutate,
    .validate = sa_validate,
};
