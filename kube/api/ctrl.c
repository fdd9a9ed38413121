/* The control loops that live in the API server, on one thread woken by
 * the watch cache (and by a period, in case a wake-up was missed):
 *
 * - garbage collector: deletes objects whose owners (ownerReferences) are
 *   all gone, drops references to missing owners when others remain,
 *   orphans the dependents of an owner deleted with the Orphan policy
 *   (finalizer "orphan"), deletes the dependents of one deleted in the
 *   Foreground (finalizer "foregroundDeletion"), and removes those
 *   finalizers once their work is done;
 * - namespaces: a terminating namespace is emptied, then its "kubernetes"
 *   finalizer goes and the namespace with it;
 * - service accounts: every active namespace has the ServiceAccount
 *   "default" and the ConfigMap "kube-root-ca.crt" (the server's CA);
 * - RBAC aggregation: ClusterRoles with an aggregationRule get the union of
 *   the rules of the ClusterRoles their selectors match;
 * - quota: ResourceQuota status (hard, used) follows the namespace's
 *   objects;
 * - compaction: every few minutes the store drops history older than the
 *   revision it had at the previous round, as kube-apiserver does;
 * - the "kubernetes" Service in default: its target port is the server's
 *   HTTPS port, and its Endpoints and EndpointSlice (both "kubernetes")
 *   hold the server's advertised address and port, as kube-apiserver's
 *   endpoint reconciler writes them; edits and deletes are undone.
 *
 * Owners are confirmed missing with a read of the store before a dependent
 * is deleted: the cache may not have seen an owner created a moment ago. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "kube/api/alloc.h"
#include "kube/api/internal.h"
#include "kube/api/registry.h"
#include "kube/meta.h"
#include "kube/obj.h"
#include "kube/patch.h"

#define MIN_PASS_GAP_MS 30

struct gt_kctrl {
    struct gt_kapi *api;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool dirty, stop;
    char *ca_pem;
    int64_t last_compact_rev;
    int64_t last_compact_time;
    int64_t last_repair;
    atomic_int quotas; /* ResourceQuotas the last pass saw */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void gt_kctrl_kick(struct gt_kctrl *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->dirty = true;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

/* Does an event concern a control loop?  Most writes (a new ConfigMap, a
 * pod's status) do not, and a pass over every object for each of them
 * would cost the writers their CPU. */
static bool interesting(struct gt_kctrl *c, const struct gt_kwc_event *ev)
{
    static const char *const watched[] = { "namespaces", "serviceaccounts", "clusterroles",
                                           "resourcequotas" };
    const struct gt_kind *k = ev->kind;
    if (ev->type == GT_KWC_DELETED)
        return true;
    if (gt_kobj_has(ev->obj, "metadata.deletionTimestamp") ||
        gt_kobj_len(ev->obj, "metadata.ownerReferences") > 0)
        return true;
    if (!k->group[0] || !strcmp(k->group, "rbac.authorization.k8s.io"))
        for (size_t i = 0; i < sizeof watched / sizeof watched[0]; i++)
            if (!strcmp(k->resource, watched[i]))
                return true;
    if (!k->group[0] && !strcmp(k->resource, "configmaps") &&
        !strcmp(ev->name, "kube-root-ca.crt"))
        return true;
    if (ev->name && ev->ns && !strcmp(ev->name, "kubernetes") && !strcmp(ev->ns, "default"))
        return true;
    /* usage moves with every object of a namespace under a quota */
    return k->namespaced && atomic_load(&c->quotas) > 0;
}

static void on_events(void *ctx, struct gt_kwc_event *const *evs, size_t n)
{
    struct gt_kctrl *c = ctx;
    bool kick = n == 0;
    for (size_t i = 0; i < n && !kick; i++)
        kick = interesting(c, evs[i]);
    if (kick)
        gt_kctrl_kick(c);
}

static const struct gt_kind *kind(const char *group, const char *resource)
{
    return kapi_kind_named(group, resource);
}

static void log_status(const char *what, json_t *st)
{
    int code = (int)json_integer_value(json_object_get(st, "code"));
    if (st && code != 404 && code != 409)
        gt_warn("%s: %s", what, gt_kobj_str(st, "message", "failed"));
    json_decref(st);
}

/* ---- writing without a request ---- */

typedef bool (*edit_fn)(json_t *obj, void *ctx); /* true: changed */

struct edit_ctx {
    const struct gt_kind *k;
    edit_fn fn;
    void *ctx;
};

/* The control loops' writes are recorded in managedFields as theirs. */
static int edit_mutate(json_t *cur, json_t **out, void *ctx, json_t **st)
{
    struct edit_ctx *e = ctx;
    json_t *old = json_deep_copy(cur);
    if (!e->fn(cur, e->ctx)) {
        json_decref(old);
        return 1;
    }
    char av[64], now[32];
    gt_kmeta_time_format(time(NULL), now);
    struct gt_kssa_opts o = { .schema = e->k->schema, .manager = "gantry-controllers",
                              .api_version = kapi_api_version(e->k, av),
                              .status_subresource = (e->k->flags & GT_KIND_STATUS) != 0,
                              .now = now };
    struct gt_error err = { 0 };
    if (gt_kssa_update(old, cur, &o, &err) < 0)
        gt_debug("controllers: managedFields of %s: %s", gt_kobj_name(cur), err.msg);
    json_decref(old);
    return 0;
}

/* Edits an object in place with retries; deletes it when the edit leaves
 * it with a deletionTimestamp and no finalizers. */
static void edit_object(struct gt_kapi *api, const struct gt_kind *k, const char *ns,
                        const char *name, edit_fn fn, void *ctx)
{
    gt_debug("controllers: edit %s %s/%s", k->resource, ns, name);
    struct edit_ctx e = { k, fn, ctx };
    json_t *result = NULL, *st = NULL;
    if (gt_kreg_guaranteed_update(api->store, k, ns, name, edit_mutate, &e, &result, &st) < 0) {
        log_status("update", st);
        return;
    }
    bool finished = gt_kobj_has(result, "metadata.deletionTimestamp") &&
                    gt_kobj_len(result, "metadata.finalizers") == 0 &&
                    !(!strcmp(k->kind, "Namespace") && gt_kobj_len(result, "spec.finalizers"));
    if (finished) {
        int64_t rv = gt_kreg_rv_of(result);
        json_t *deleted = NULL;
        if (gt_kreg_delete(api->store, k, ns, name, rv, &deleted, &st) < 0) {
            log_status("delete", st);
        } else {
            const struct kapi_hooks *h = kapi_hooks_of(k);
            if (h)
                h->release(api, deleted);
        }
        json_decref(deleted);
    }
    json_decref(result);
}

static bool remove_str(json_t *arr, const char *s)
{
    bool changed = false;
    for (size_t i = json_array_size(arr); i-- > 0;) {
        const char *v = json_string_value(json_array_get(arr, i));
        if (v && !strcmp(v, s)) {
            json_array_remove(arr, i);
            changed = true;
        }
    }
    return changed;
}

static bool drop_finalizer(json_t *obj, void *ctx)
{
    json_t *f = gt_kobj_arr(obj, "metadata.finalizers");
    bool changed = f && remove_str(f, ctx);
    if (f && json_array_size(f) == 0)
        gt_kobj_del(obj, "metadata.finalizers");
    return changed;
}

static bool drop_owner(json_t *obj, void *ctx)
{
    if (gt_kmeta_remove_owner_ref(obj, ctx) == 0)
        return false;
    if (gt_kobj_len(obj, "metadata.ownerReferences") == 0)
        gt_kobj_del(obj, "metadata.ownerReferences");
    return true;
}

/* ---- the object index of a pass ---- */

struct entry {
    const struct gt_kind *k;
    json_t *obj; /* shared, read-only */
};

struct index {
    struct entry *v;
    size_t n, cap;
    json_t *by_uid; /* uid -> integer position */
};

static void index_build(struct gt_kapi *api, struct index *ix)
{
    memset(ix, 0, sizeof *ix);
    ix->by_uid = json_object();
    size_t nk;
    const struct gt_kind *const *all = gt_kinds(&nk);
    for (size_t i = 0; i < nk; i++) {
        if (all[i]->flags & GT_KIND_CREATE_ONLY)
            continue;
        json_t *items = gt_kwc_list(api->cache, all[i], NULL, NULL, NULL, NULL);
        size_t j;
        json_t *o;
        json_array_foreach(items, j, o) {
            if (ix->n == ix->cap) {
                ix->cap = ix->cap ? ix->cap * 2 : 256;
                ix->v = gt_xrealloc(ix->v, ix->cap * sizeof *ix->v);
            }
            ix->v[ix->n] = (struct entry){ all[i], json_incref(o) };
            const char *uid = gt_kobj_uid(o);
            if (uid[0])
                json_object_set_new(ix->by_uid, uid, json_integer((json_int_t)ix->n));
            ix->n++;
        }
        json_decref(items);
    }
}

static void index_release(struct index *ix)
{
    for (size_t i = 0; i < ix->n; i++)
        json_decref(ix->v[i].obj);
    free(ix->v);
    json_decref(ix->by_uid);
}

static struct entry *index_uid(struct index *ix, const char *uid)
{
    json_t *p = json_object_get(ix->by_uid, uid);
    return p ? &ix->v[json_integer_value(p)] : NULL;
}

static bool has_finalizer(const json_t *obj, const char *f)
{
    size_t i;
    json_t *v;
    json_array_foreach(gt_kobj_arr(obj, "metadata.finalizers"), i, v)
        if (json_is_string(v) && !strcmp(json_string_value(v), f))
            return true;
    return false;
}

/* The kind an ownerReference names. */
static const struct gt_kind *owner_kind(const json_t *ref)
{
    const char *av = gt_kobj_str(ref, "apiVersion", "");
    const char *kd = gt_kobj_str(ref, "kind", "");
    const char *slash = strchr(av, '/');
    char g[128] = "";
    const char *v = av;
    if (slash) {
        snprintf(g, sizeof g, "%.*s", (int)(slash - av), av);
        v = slash + 1;
    }
    const struct gt_kind *k = gt_kind_by_gvk(g, v, kd);
    if (k)
        return k->storage ? k->storage : k;
    /* another version of a known group/kind */
    size_t n;
    const struct gt_kind *const *all = gt_kinds(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(all[i]->group, g) && !strcmp(all[i]->kind, kd))
            return all[i];
    return NULL;
}

/* Is the owner really gone (or replaced by another object of that name)? */
static bool owner_absent(struct gt_kapi *api, const json_t *ref, const char *dep_ns)
{
    const struct gt_kind *k = owner_kind(ref);
    if (!k)
        return false; /* a kind we do not serve: leave the dependent alone */
    json_t *obj = NULL, *st = NULL;
    int rc = gt_kreg_get(api->store, k, k->namespaced ? dep_ns : "",
                         gt_kobj_str(ref, "name", ""), 0, &obj, NULL, &st);
    if (rc < 0) {
        bool nf = json_integer_value(json_object_get(st, "code")) == 404;
        json_decref(st);
        return nf;
    }
    bool other = strcmp(gt_kobj_uid(obj), gt_kobj_str(ref, "uid", "")) != 0;
    json_decref(obj);
    return other;
}

static void gc_delete(struct gt_kapi *api, const struct entry *e, const char *policy)
{
    if (gt_kobj_has(e->obj, "metadata.deletionTimestamp") &&
        (!policy || strcmp(policy, "Foreground") != 0 || has_finalizer(e->obj,
                                                                        "foregroundDeletion")))
        return;
    gt_debug("controllers: delete %s %s/%s (%s)", e->k->resource, gt_kobj_namespace(e->obj),
             gt_kobj_name(e->obj), policy);
    struct kapi_delete_opts o = { .grace = -1, .propagation = policy,
                                  .uid_pre = gt_kobj_uid(e->obj) };
    json_t *result = NULL, *st = NULL;
    bool gone;
    if (kapi_delete_object(api, e->k, gt_kobj_namespace(e->obj), gt_kobj_name(e->obj), &o,
                           time(NULL), &result, &gone, &st) < 0)
        log_status("garbage collector: delete", st);
    json_decref(result);
}

static void gc_pass(struct gt_kapi *api, struct index *ix)
{
    /* dependents count per owner uid, for the finalizers */
    json_t *has_dependents = json_object();
    for (size_t i = 0; i < ix->n; i++) {
        struct entry *e = &ix->v[i];
        json_t *refs = gt_kobj_arr(e->obj, "metadata.ownerReferences");
        if (!json_array_size(refs))
            continue;
        const char *ns = gt_kobj_namespace(e->obj);
        size_t nrefs = json_array_size(refs), absent = 0, j;
        bool foreground = false;
        json_t *ref;
        char **dangling = NULL, **orphaned = NULL;
        json_array_foreach(refs, j, ref) {
            const char *uid = gt_kobj_str(ref, "uid", "");
            struct entry *owner = index_uid(ix, uid);
            if (!owner) {
                if (owner_absent(api, ref, ns)) {
                    absent++;
                    gt_strv_push(&dangling, uid);
                }
                continue;
            }
            json_object_set_new(has_dependents, uid, json_true());
            if (!gt_kobj_has(owner->obj, "metadata.deletionTimestamp"))
                continue;
            if (has_finalizer(owner->obj, "orphan"))
                gt_strv_push(&orphaned, uid);
            else if (has_finalizer(owner->obj, "foregroundDeletion"))
                foreground = true;
        }
        if (absent == nrefs) {
            gc_delete(api, e, "Background");
        } else {
            for (char **u = dangling; u && *u; u++)
                edit_object(api, e->k, ns, gt_kobj_name(e->obj), drop_owner, *u);
            for (char **u = orphaned; u && *u; u++)
                edit_object(api, e->k, ns, gt_kobj_name(e->obj), drop_owner, *u);
            if (foreground && !orphaned)
                gc_delete(api, e, "Foreground");
        }
        gt_strv_free(dangling);
        gt_strv_free(orphaned);
    }
    /* owners whose dependents are handled lose their finalizer */
    for (size_t i = 0; i < ix->n; i++) {
        struct entry *e = &ix->v[i];
        if (!gt_kobj_has(e->obj, "metadata.deletionTimestamp"))
            continue;
        bool deps = json_object_get(has_dependents, gt_kobj_uid(e->obj)) != NULL;
        if (deps)
            continue;
        static const char *const ours[] = { "orphan", "foregroundDeletion" };
        for (size_t f = 0; f < 2; f++)
            if (has_finalizer(e->obj, ours[f]))
                edit_object(api, e->k, gt_kobj_namespace(e->obj), gt_kobj_name(e->obj),
                            drop_finalizer, (void *)ours[f]);
    }
    json_decref(has_dependents);
}

/* ---- namespaces ---- */

static bool drop_ns_finalizer(json_t *obj, void *ctx)
{
    json_t *f = gt_kobj_arr(obj, "spec.finalizers");
    bool changed = f && remove_str(f, "kubernetes");
    if (f && json_array_size(f) == 0)
        gt_kobj_del(obj, "spec.finalizers");
    return changed;
}

static void ns_pass(struct gt_kapi *api, struct index *ix)
{
    const struct gt_kind *nsk = kind("", "namespaces");
    for (size_t i = 0; i < ix->n; i++) {
        struct entry *n = &ix->v[i];
        if (n->k != nsk || !gt_kobj_has(n->obj, "metadata.deletionTimestamp"))
            continue;
        const char *name = gt_kobj_name(n->obj);
        size_t left = 0;
        for (size_t j = 0; j < ix->n; j++) {
            struct entry *e = &ix->v[j];
            if (!e->k->namespaced || strcmp(gt_kobj_namespace(e->obj), name) != 0)
                continue;
            left++;
            if (!gt_kobj_has(e->obj, "metadata.deletionTimestamp"))
                gc_delete(api, e, "Background");
        }
        if (left == 0 && gt_kobj_len(n->obj, "spec.finalizers") > 0)
            edit_object(api, nsk, "", name, drop_ns_finalizer, NULL);
        else if (left == 0 && gt_kobj_len(n->obj, "metadata.finalizers") == 0) {
            json_t *st = NULL;
            if (gt_kreg_delete(api->store, nsk, "", name, gt_kreg_rv_of(n->obj), NULL, &st) < 0)
                log_status("namespace controller: delete", st);
        }
    }
}

/* ---- default service accounts and the root CA config map ---- */

static void create_in(struct gt_kapi *api, const struct gt_kind *k, json_t *obj,
                      const char *who)
{
    kapi_prepare_create(k, obj, time(NULL));
    gt_kind_default(k, obj);
    json_t *st = NULL;
    if (gt_kreg_create(api->store, k, obj, &st) < 0)
        log_status(who, st);
}

static void sa_pass(struct gt_kctrl *c, struct index *ix)
{
    struct gt_kapi *api = c->api;
    const struct gt_kind *nsk = kind("", "namespaces");
    const struct gt_kind *sak = kind("", "serviceaccounts");
    const struct gt_kind *cmk = kind("", "configmaps");
    for (size_t i = 0; i < ix->n; i++) {
        struct entry *n = &ix->v[i];
        if (n->k != nsk || gt_kobj_has(n->obj, "metadata.deletionTimestamp"))
            continue;
        const char *ns = gt_kobj_name(n->obj);
        json_t *sa = gt_kwc_get(api->cache, sak, ns, "default");
        if (!sa) {
            json_t *o = json_pack("{s:s,s:s,s:{s:s,s:s}}", "apiVersion", "v1", "kind",
                                  "ServiceAccount", "metadata", "name", "default", "namespace",
                                  ns);
            create_in(api, sak, o, "service account controller");
            json_decref(o);
        }
        json_decref(sa);
        json_t *cm = gt_kwc_get(api->cache, cmk, ns, "kube-root-ca.crt");
        if (!cm && c->ca_pem) {
            json_t *o = json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s}},s:{s:s}}", "apiVersion", "v1",
                                  "kind", "ConfigMap", "metadata", "name", "kube-root-ca.crt",
                                  "namespace", ns, "annotations",
                                  "kubernetes.io/description",
                                  "Contains a CA bundle that can be used to verify the "
                                  "kube-apiserver when using internal endpoints such as the "
                                  "internal service IP or kubernetes.default.svc. No other usage "
                                  "is guaranteed across distributions of Kubernetes clusters.",
                                  "data", "ca.crt", c->ca_pem);
            create_in(api, cmk, o, "service account controller");
            json_decref(o);
        }
        json_decref(cm);
    }
}

/* ---- RBAC aggregation ---- */

static bool set_rules(json_t *obj, void *ctx)
{
    json_t *rules = ctx;
    if (json_equal(json_object_get(obj, "rules"), rules))
        return false;
    json_object_set(obj, "rules", rules);
    return true;
}

static void rbac_pass(struct gt_kapi *api, struct index *ix)
{
    const struct gt_kind *crk = kind(GT_KRBAC_GROUP, "clusterroles");
    json_t *roles = NULL;
    for (size_t i = 0; i < ix->n; i++) {
        struct entry *e = &ix->v[i];
        if (e->k != crk || !gt_kobj_has(e->obj, "aggregationRule"))
            continue;
        if (!roles) {
            roles = json_array();
            for (size_t j = 0; j < ix->n; j++)
                if (ix->v[j].k == crk)
                    json_array_append(roles, ix->v[j].obj);
        }
        json_t *rules = gt_krbac_aggregate(e->obj, roles);
        if (rules && !json_equal(rules, json_object_get(e->obj, "rules")))
            edit_object(api, crk, "", gt_kobj_name(e->obj), set_rules, rules);
        json_decref(rules);
    }
    json_decref(roles);
}

/* ---- quota ---- */

static bool set_quota_status(json_t *obj, void *ctx)
{
    json_t *status = ctx;
    if (json_equal(json_object_get(obj, "status"), status))
        return false;
    json_object_set(obj, "status", status);
    return true;
}

static void quota_pass(struct gt_kctrl *c, struct gt_kapi *api, struct index *ix)
{
    const struct gt_kind *qk = kind("", "resourcequotas");
    int quotas = 0;
    for (size_t i = 0; i < ix->n; i++) {
        struct entry *e = &ix->v[i];
        if (e->k != qk)
            continue;
        quotas++;
        json_t *used = gt_kquota_usage(e->obj, &api->lister, time(NULL));
        if (!used)
            continue;
        json_t *hard = gt_kobj_obj(e->obj, "spec.hard");
        json_t *status = json_pack("{s:o,s:o}", "hard",
                                   hard ? json_deep_copy(hard) : json_object(), "used", used);
        if (!json_equal(status, json_object_get(e->obj, "status")))
            edit_object(api, qk, gt_kobj_namespace(e->obj), gt_kobj_name(e->obj),
                        set_quota_status, status);
        json_decref(status);
    }
    atomic_store(&c->quotas, quotas);
}

/* ---- the "kubernetes" Service and its endpoints ---- */

/* Sets the members of obj that want has (and the labels, exactly). */
static bool set_members(json_t *obj, void *ctx)
{
    json_t *want = ctx;
    bool changed = false;
    const char *key;
    json_t *v;
    json_object_foreach(want, key, v) {
        json_t *parent = obj;
        if (!strcmp(key, "labels"))
            parent = gt_kobj_ensure(obj, "metadata");
        if (!json_equal(json_object_get(parent, key), v)) {
            json_object_set(parent, key, v);
            changed = true;
        }
    }
    return changed;
}

/* Creates the object (want plus its name and labels) when missing,
 * otherwise sets what differs from want. */
static void reconcile_master(struct gt_kapi *api, const struct gt_kind *k, json_t *want)
{
    json_t *cur = gt_kwc_get(api->cache, k, "default", "kubernetes");
    if (!cur) {
        char av[64];
        json_t *o = json_deep_copy(want);
        json_object_del(o, "labels");
        json_object_set_new(o, "apiVersion", json_string(kapi_api_version(k, av)));
        json_object_set_new(o, "kind", json_string(k->kind));
        json_object_set_new(o, "metadata",
                            json_pack("{s:s,s:s,s:O}", "name", "kubernetes", "namespace",
                                      "default", "labels", json_object_get(want, "labels")));
        create_in(api, k, o, "apiserver endpoints");
        json_decref(o);
        return;
    }
    json_t *probe = json_deep_copy(cur);
    if (set_members(probe, want))
        edit_object(api, k, "default", "kubernetes", set_members, want);
    json_decref(probe);
    json_decref(cur);
}

static bool set_target_port(json_t *svc, void *ctx)
{
    int port = *(int *)ctx;
    json_t *ports = gt_kobj_arr(svc, "spec.ports");
    bool changed = false;
    size_t i;
    json_t *p;
    json_array_foreach(ports, i, p) {
        if (strcmp(gt_kobj_str(p, "name", ""), "https") != 0)
            continue;
        json_t *tp = json_object_get(p, "targetPort");
        if (!json_is_integer(tp) || json_integer_value(tp) != port) {
            json_object_set_new(p, "targetPort", json_integer(port));
            changed = true;
        }
    }
    return changed;
}

static void master_pass(struct gt_kapi *api)
{
    int port = atomic_load(&api->advertise_port);
    if (port <= 0)
        return;
    const char *ip = api->advertise_address;
    json_t *svc = gt_kwc_get(api->cache, kind("", "services"), "default", "kubernetes");
    if (svc) {
        json_t *probe = json_deep_copy(svc);
        if (set_target_port(probe, &port))
            edit_object(api, kind("", "services"), "default", "kubernetes", set_target_port,
                        &port);
        json_decref(probe);
        json_decref(svc);
    }
    json_t *ep = json_pack("{s:{s:s},s:[{s:[{s:s}],s:[{s:s,s:i,s:s}]}]}", "labels",
                           "endpointslice.kubernetes.io/skip-mirror", "true", "subsets",
                           "addresses", "ip", ip, "ports", "name", "https", "port", port,
                           "protocol", "TCP");
    reconcile_master(api, kind("", "endpoints"), ep);
    json_decref(ep);
    json_t *slice = json_pack("{s:{s:s},s:s,s:[{s:[s],s:{s:b}}],s:[{s:s,s:s,s:i}]}", "labels",
                              "kubernetes.io/service-name", "kubernetes", "addressType",
                              strchr(ip, ':') ? "IPv6" : "IPv4", "endpoints", "addresses", ip,
                              "conditions", "ready", 1, "ports", "name", "https", "protocol",
                              "TCP", "port", port);
    reconcile_master(api, kind("discovery.k8s.io", "endpointslices"), slice);
    json_decref(slice);
}

/* ---- compaction ---- */

static void compact_pass(struct gt_kctrl *c)
{
    int64_t now = mono_ms();
    int64_t period = (int64_t)c->api->compact_interval_s * 1000;
    if (now - c->last_compact_time < period)
        return;
    c->last_compact_time = now;
    struct gt_store_status st;
    struct gt_error err = { 0 };
    if (gt_store_status(c->api->store, &st, &err) < 0)
        return;
    if (c->last_compact_rev > 0 && c->last_compact_rev > st.compact_revision &&
        gt_store_compact(c->api->store, c->last_compact_rev, &err) < 0 &&
        err.code != GT_STORE_ECOMPACTED)
        gt_warn("compaction at %" PRId64 ": %s", c->last_compact_rev, err.msg);
    c->last_compact_rev = st.revision;
}

static void *loop(void *arg)
{
    struct gt_kctrl *c = arg;
    int64_t last_pass = 0;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        if (!c->dirty && !c->stop) {
            struct timespec dl;
            clock_gettime(CLOCK_MONOTONIC, &dl);
            int ms = c->api->gc_interval_ms;
            dl.tv_sec += ms / 1000;
            dl.tv_nsec += (long)(ms % 1000) * 1000000;
            if (dl.tv_nsec >= 1000000000) {
                dl.tv_sec++;
                dl.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&c->cond, &c->mu, &dl);
        }
        bool stop = c->stop;
        c->dirty = false;
        pthread_mutex_unlock(&c->mu);
        if (stop)
            break;
        int64_t gap = mono_ms() - last_pass;
        if (gap < MIN_PASS_GAP_MS) {
            struct timespec ts = { 0, (MIN_PASS_GAP_MS - gap) * 1000000 };
            nanosleep(&ts, NULL);
        }
        last_pass = mono_ms();
        gt_debug("controllers: pass at revision %" PRId64, gt_kwc_revision(c->api->cache));
        struct index ix;
        index_build(c->api, &ix);
        sa_pass(c, &ix);
        gc_pass(c->api, &ix);
        ns_pass(c->api, &ix);
        rbac_pass(c->api, &ix);
        quota_pass(c, c->api, &ix);
        index_release(&ix);
        master_pass(c->api);
        compact_pass(c);
        if (mono_ms() - c->last_repair >= 30000) {
            c->last_repair = mono_ms();
            gt_kalloc_repair(c->api);
        }
    }
    return NULL;
}

int gt_kctrl_start(struct gt_kapi *api, struct gt_kctrl **out, struct gt_error *err)
{
    struct gt_kctrl *c = gt_xcalloc(1, sizeof *c);
    c->api = api;
    c->last_compact_time = mono_ms();
    pthread_mutex_init(&c->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (gt_read_file(api->ca_cert, 1 << 20, &c->ca_pem, NULL, err) < 0) {
        gt_kctrl_stop(c);
        return gt_err_prefix(err, "controllers");
    }
    c->dirty = true;
    if (pthread_create(&c->thread, NULL, loop, c) != 0) {
        free(c->ca_pem);
        free(c);
        return gt_err(err, EAGAIN, "controllers: cannot start their thread");
    }
    gt_kwc_subscribe(api->cache, on_events, c);
    *out = c;
    return 0;
}

void gt_kctrl_stop(struct gt_kctrl *c)
{
    if (!c)
        return;
    gt_kwc_unsubscribe(c->api->cache, on_events, c);
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->mu);
    if (c->thread)
        pthread_join(c->thread, NULL);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cond);
    gt_kalloc_repair_release();
    free(c->ca_pem);
    free(c);
}
