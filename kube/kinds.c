#include "kube/kinds.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"
#include "kube/obj.h"

const char *const gt_kcat_all[] = { "all", NULL };
const struct gt_ktype gt_ktype_plain = GT_KSTRUCT({ "metadata", &gt_ktype_object_meta });
const struct gt_ksubresource gt_ksubs_status[] = { GT_KSUB_STATUS, { 0 } };

int gt_kstrcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Groups in the order the real API server lists them; kinds in discovery order. */
#define STORED_KINDS \
    &gt_kind_configmap, &gt_kind_endpoints, &gt_kind_event, &gt_kind_limitrange, \
    &gt_kind_namespace, &gt_kind_node, &gt_kind_pvc, &gt_kind_pv, &gt_kind_pod, \
    &gt_kind_replicationcontroller, &gt_kind_resourcequota, &gt_kind_secret, &gt_kind_serviceaccount, &gt_kind_service, \
    &gt_kind_controllerrevision, &gt_kind_daemonset, &gt_kind_deployment, &gt_kind_replicaset, \
    &gt_kind_statefulset, \
    &gt_kind_selfsubjectreview, &gt_kind_tokenreview, \
    &gt_kind_lsar, &gt_kind_ssar, &gt_kind_ssrr, &gt_kind_sar, \
    &gt_kind_hpa, \
    &gt_kind_cronjob, &gt_kind_job, \
    &gt_kind_ingress, &gt_kind_networkpolicy, \
    &gt_kind_pdb, \
    &gt_kind_clusterrolebinding, &gt_kind_clusterrole, &gt_kind_rolebinding, &gt_kind_role, \
    &gt_kind_storageclass, \
    &gt_kind_priorityclass, \
    &gt_kind_lease, \
    &gt_kind_endpointslice

static const struct gt_kind *const all_kinds[] = { STORED_KINDS };

#define NKINDS (sizeof all_kinds / sizeof all_kinds[0])

/* all_kinds, then the versions served from their objects */
static const struct gt_kind *const served_kinds[] = {
    STORED_KINDS,
    &gt_kind_hpa_v1,
};

#define NSERVED (sizeof served_kinds / sizeof served_kinds[0])
_Static_assert(NSERVED > NKINDS, "the served kinds begin with all_kinds");

const struct gt_kind *const *gt_kinds(size_t *n)
{
    *n = NKINDS;
    return all_kinds;
}

const struct gt_kind *const *gt_kinds_served(size_t *n)
{
    *n = NSERVED;
    return served_kinds;
}

const struct gt_kind *gt_kind_by_resource(const char *group, const char *version,
                                          const char *resource)
{
    for (size_t i = 0; i < NSERVED; i++) {
        const struct gt_kind *k = served_kinds[i];
        if (strcmp(k->group, group ? group : "") == 0 && strcmp(k->version, version) == 0 &&
            strcmp(k->resource, resource) == 0)
            return k;
    }
    return NULL;
}

const struct gt_kind *gt_kind_by_gvk(const char *group, const char *version, const char *kind)
{
    for (size_t i = 0; i < NSERVED; i++) {
        const struct gt_kind *k = served_kinds[i];
        if (strcmp(k->group, group ? group : "") == 0 && strcmp(k->version, version) == 0 &&
            strcmp(k->kind, kind) == 0)
            return k;
    }
    return NULL;
}

const struct gt_kind *gt_kind_of(const json_t *obj)
{
    const char *av = gt_kobj_str(obj, "apiVersion", "");
    const char *kind = gt_kobj_str(obj, "kind", "");
    const char *slash = strchr(av, '/');
    if (!slash)
        return gt_kind_by_gvk("", av, kind);
    char group[128];
    size_t n = (size_t)(slash - av);
    if (n >= sizeof group)
        return NULL;
    memcpy(group, av, n);
    group[n] = 0;
    return gt_kind_by_gvk(group, slash + 1, kind);
}

static bool names_match(const struct gt_kind *k, const char *name, size_t n)
{
    if ((strlen(k->resource) == n && strncasecmp(k->resource, name, n) == 0) ||
        (strlen(k->singular) == n && strncasecmp(k->singular, name, n) == 0) ||
        (strlen(k->kind) == n && strncasecmp(k->kind, name, n) == 0))
        return true;
    for (size_t i = 0; k->short_names && k->short_names[i]; i++)
        if (strlen(k->short_names[i]) == n && strncasecmp(k->short_names[i], name, n) == 0)
            return true;
    return false;
}

const struct gt_kind *gt_kind_find(const char *name)
{
    const char *dot = strchr(name, '.');
    size_t n = dot ? (size_t)(dot - name) : strlen(name);
    for (size_t i = 0; i < NKINDS; i++) {
        const struct gt_kind *k = all_kinds[i];
        if (dot && strcmp(k->group, dot + 1) != 0)
            continue;
        if (names_match(k, name, n))
            return k;
    }
    return NULL;
}

const struct gt_ksubresource *gt_kind_subresource(const struct gt_kind *k, const char *name)
{
    for (const struct gt_ksubresource *s = k->subresources; s && s->name; s++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

const char *gt_kind_api_version(const struct gt_kind *k, char out[64])
{
    if (k->group[0])
        snprintf(out, 64, "%s/%s", k->group, k->version);
    else
        snprintf(out, 64, "%s", k->version);
    return out;
}

void gt_kind_default(const struct gt_kind *k, json_t *obj)
{
    if (k->defaults && json_is_object(obj))
        k->defaults(obj);
}

size_t gt_kind_validate(const struct gt_kind *k, const json_t *obj, const json_t *old,
                        struct gt_kfe_list *errs)
{
    size_t before = errs->n;
    if (!json_is_object(obj)) {
        gt_kfe_invalid(errs, "", obj, "the object must be a JSON object");
        return errs->n - before;
    }
    json_t *meta = gt_kobj_get(obj, "metadata");
    if (meta && !json_is_object(meta)) {
        gt_kfe_invalid(errs, "metadata", meta, "must be an object");
        return errs->n - before;
    }
    if (!(k->flags & GT_KIND_CREATE_ONLY)) {
        if (old)
            gt_kmeta_validate_update(errs, meta, gt_kobj_get(old, "metadata"), k->namespaced);
        else
            gt_kmeta_validate(errs, meta, k->namespaced, k->name_rule);
    }
    if (k->validate)
        k->validate(obj, old, errs);
    return errs->n - before;
}

/* ---- tables ---- */

static const struct gt_kcolumn default_columns[] = {
    GT_KCOL_NAME,
    { "Created At", "date", "", "Time when the object was created (CreationTimestamp).", 0 },
    { 0 },
};

static void default_cells(const json_t *obj, int64_t now, json_t *cells)
{
    gt_kc_name(cells, obj);
    gt_kc_str(cells, gt_kobj_str(obj, "metadata.creationTimestamp", ""));
}

json_t *gt_kind_table_columns(const struct gt_kind *k)
{
    json_t *cols = json_array();
    const struct gt_kcolumn *c = k->columns ? k->columns : default_columns;
    for (; c->name; c++)
        json_array_append_new(cols, json_pack("{s:s,s:s,s:s,s:s,s:i}", "name", c->name, "type",
                                              c->type, "format", c->format, "description",
                                              c->description, "priority", c->priority));
    return cols;
}

json_t *gt_kind_table_row(const struct gt_kind *k, const json_t *obj, int64_t now)
{
    json_t *cells = json_array();
    if (k->cells && k->columns)
        k->cells(obj, now, cells);
    else
        default_cells(obj, now, cells);
    json_t *meta = json_deep_copy(gt_kobj_obj(obj, "metadata"));
    if (!meta)
        meta = json_object();
    json_object_del(meta, "managedFields");
    json_t *row = json_pack("{s:o,s:{s:s,s:s,s:o}}", "cells", cells, "object", "kind",
                            "PartialObjectMetadata", "apiVersion", "meta.k8s.io/v1", "metadata",
                            meta);
    return row;
}

json_t *gt_kind_table(const struct gt_kind *k, const json_t *items, int64_t now,
                      bool with_columns, const char *rv)
{
    json_t *rows = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
        json_array_append_new(rows, gt_kind_table_row(k, it, now));
    json_t *meta = json_object();
    if (rv)
        json_object_set_new(meta, "resourceVersion", json_string(rv));
    return json_pack("{s:s,s:s,s:o,s:o,s:o}", "kind", "Table", "apiVersion", "meta.k8s.io/v1",
                     "metadata", meta, "columnDefinitions",
                     with_columns ? gt_kind_table_columns(k) : json_array(), "rows", rows);
}

/* ---- discovery ---- */

static json_t *verbs_json(unsigned verbs)
{
    /* the order the real server lists them */
    static const struct {
        unsigned bit;
        const char *name;
    } v[] = {
        { GT_KVERB_CREATE, "create" }, { GT_KVERB_DELETE, "delete" },
        { GT_KVERB_DELETECOLLECTION, "deletecollection" }, { GT_KVERB_GET, "get" },
        { GT_KVERB_LIST, "list" }, { GT_KVERB_PATCH, "patch" }, { GT_KVERB_UPDATE, "update" },
        { GT_KVERB_WATCH, "watch" },
    };
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (verbs & v[i].bit)
            json_array_append_new(a, json_string(v[i].name));
    return a;
}

static json_t *strv_json(const char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *discovery_resource(const struct gt_kind *k)
{
    json_t *r = json_pack("{s:s,s:{s:s,s:s,s:s},s:s,s:s,s:o}", "resource", k->resource,
                          "responseKind", "group", k->group, "version", k->version, "kind",
                          k->kind, "scope", k->namespaced ? "Namespaced" : "Cluster",
                          "singularResource", k->singular, "verbs", verbs_json(k->verbs));
    if (k->short_names)
        json_object_set_new(r, "shortNames", strv_json(k->short_names));
    if (k->categories)
        json_object_set_new(r, "categories", strv_json(k->categories));
    if (k->subresources) {
        json_t *subs = json_array();
        for (const struct gt_ksubresource *s = k->subresources; s->name; s++)
            json_array_append_new(
                subs, json_pack("{s:s,s:{s:s,s:s,s:s},s:o}", "subresource", s->name,
                                "responseKind", "group", s->group ? s->group : k->group,
                                "version", s->version ? s->version : k->version, "kind",
                                s->kind ? s->kind : k->kind, "verbs", verbs_json(s->verbs)));
        json_object_set_new(r, "subresources", subs);
    }
    return r;
}

json_t *gt_kinds_discovery(bool core)
{
    json_t *items = json_array();
    json_t *cur_resources = NULL;
    const char *cur_group = NULL;
    for (size_t i = 0; i < NKINDS; i++) {
        const struct gt_kind *k = all_kinds[i];
        if (core != (k->group[0] == 0))
            continue;
        if (!cur_group || strcmp(cur_group, k->group) != 0) {
            cur_group = k->group;
            cur_resources = json_array();
            json_t *meta = json_object();
            if (k->group[0])
                json_object_set_new(meta, "name", json_string(k->group));
            json_array_append_new(items,
                                  json_pack("{s:o,s:[{s:s,s:o,s:s}]}", "metadata", meta,
                                            "versions", "version", k->version, "resources",
                                            cur_resources, "freshness", "Current"));
        }
        json_array_append_new(cur_resources, discovery_resource(k));
    }
    /* the served versions, after the group's preferred one */
    for (size_t i = NKINDS; i < NSERVED; i++) {
        const struct gt_kind *k = served_kinds[i];
        if (core != (k->group[0] == 0))
            continue;
        size_t j;
        json_t *g;
        json_array_foreach(items, j, g) {
            const char *name = json_string_value(gt_kobj_get(g, "metadata.name"));
            if (strcmp(name ? name : "", k->group) != 0)
                continue;
            json_t *versions = json_object_get(g, "versions");
            json_t *res = NULL;
            size_t vi;
            json_t *v;
            json_array_foreach(versions, vi, v)
                if (!strcmp(json_string_value(json_object_get(v, "version")), k->version))
                    res = json_object_get(v, "resources");
            if (!res) {
                res = json_array();
                json_array_append_new(versions, json_pack("{s:s,s:o,s:s}", "version", k->version,
                                                          "resources", res, "freshness",
                                                          "Current"));
            }
            json_array_append_new(res, discovery_resource(k));
        }
    }
    return json_pack("{s:s,s:s,s:{},s:o}", "kind", "APIGroupDiscoveryList", "apiVersion",
                     "apidiscovery.k8s.io/v2", "metadata", "items", items);
}

json_t *gt_kinds_resource_list(const char *group, const char *version)
{
    json_t *res = NULL;
    for (size_t i = 0; i < NSERVED; i++) {
        const struct gt_kind *k = served_kinds[i];
        if (strcmp(k->group, group ? group : "") != 0 || strcmp(k->version, version) != 0)
            continue;
        if (!res)
            res = json_array();
        json_t *r = json_pack("{s:s,s:s,s:b,s:s,s:o}", "name", k->resource, "singularName",
                              k->singular, "namespaced", k->namespaced, "kind", k->kind, "verbs",
                              verbs_json(k->verbs));
        if (k->short_names)
            json_object_set_new(r, "shortNames", strv_json(k->short_names));
        if (k->categories)
            json_object_set_new(r, "categories", strv_json(k->categories));
        json_array_append_new(res, r);
        for (const struct gt_ksubresource *s = k->subresources; s && s->name; s++) {
            char *name = gt_xasprintf("%s/%s", k->resource, s->name);
            json_t *sr = json_pack("{s:s,s:s,s:b,s:s,s:o}", "name", name, "singularName", "",
                                   "namespaced", k->namespaced, "kind",
                                   s->kind ? s->kind : k->kind, "verbs", verbs_json(s->verbs));
            if (s->group)
                json_object_set_new(sr, "group", json_string(s->group));
            if (s->version)
                json_object_set_new(sr, "version", json_string(s->version));
            json_array_append_new(res, sr);
            free(name);
        }
    }
    if (!res)
        return NULL;
    char gv[160];
    if (group && group[0])
        snprintf(gv, sizeof gv, "%s/%s", group, version);
    else
        snprintf(gv, sizeof gv, "%s", version);
    return json_pack("{s:s,s:s,s:s,s:o}", "kind", "APIResourceList", "apiVersion", "v1",
                     "groupVersion", gv, "resources", res);
}

json_t *gt_kinds_group_list(void)
{
    json_t *groups = json_array();
    const char *last = NULL;
    for (size_t i = 0; i < NKINDS; i++) {
        const struct gt_kind *k = all_kinds[i];
        if (!k->group[0] || (last && strcmp(last, k->group) == 0))
            continue;
        last = k->group;
        char gv[160];
        snprintf(gv, sizeof gv, "%s/%s", k->group, k->version);
        json_t *g = json_pack("{s:s,s:[{s:s,s:s}],s:{s:s,s:s}}", "name", k->group, "versions",
                              "groupVersion", gv, "version", k->version, "preferredVersion",
                              "groupVersion", gv, "version", k->version);
        /* then the group's served versions */
        for (size_t j = NKINDS; j < NSERVED; j++) {
            const struct gt_kind *v = served_kinds[j];
            if (strcmp(v->group, k->group) != 0)
                continue;
            snprintf(gv, sizeof gv, "%s/%s", v->group, v->version);
            json_array_append_new(json_object_get(g, "versions"),
                                  json_pack("{s:s,s:s}", "groupVersion", gv, "version",
                                            v->version));
        }
        json_array_append_new(groups, g);
    }
    return json_pack("{s:s,s:s,s:o}", "kind", "APIGroupList", "apiVersion", "v1", "groups",
                     groups);
}

/* ---- scale ---- */

json_t *gt_kind_scale(const struct gt_kind *k, const json_t *obj)
{
    json_t *meta = json_object();
    static const char *const keep[] = { "name", "namespace", "uid", "resourceVersion",
                                        "creationTimestamp" };
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        json_t *v = gt_kobj_get(obj, "metadata");
        v = json_object_get(v, keep[i]);
        if (v)
            json_object_set(meta, keep[i], v);
    }
    json_t *status = json_pack("{s:I}", "replicas",
                               (json_int_t)gt_kobj_int(obj, "status.replicas", 0));
    json_t *sel = gt_kobj_get(obj, "spec.selector");
    /* ReplicationControllers select with a plain map of labels */
    json_t *wrapped = NULL;
    if (json_is_object(sel) && !json_object_get(sel, "matchLabels") &&
        !json_object_get(sel, "matchExpressions") && json_object_size(sel))
        sel = wrapped = json_pack("{s:O}", "matchLabels", sel);
    if (sel) {
        struct gt_klsel *ls;
        if (gt_klsel_from_json(sel, &ls, NULL) == 0) {
            char *s = gt_klsel_string(ls);
            json_object_set_new(status, "selector", json_string(s));
            free(s);
            gt_klsel_free(ls);
        }
    }
    json_decref(wrapped);
    (void)k;
    return json_pack("{s:s,s:s,s:o,s:{s:I},s:o}", "kind", "Scale", "apiVersion",
                     "autoscaling/v1", "metadata", meta, "spec", "replicas",
                     (json_int_t)gt_kobj_int(obj, "spec.replicas", 0), "status", status);
}

int gt_kind_apply_scale(const struct gt_kind *k, json_t *obj, const json_t *scale,
                        struct gt_error *err)
{
    if (!(k->flags & GT_KIND_SCALE))
        return gt_err(err, EINVAL, "%s do not have a scale subresource", k->resource);
    json_t *r = gt_kobj_get(scale, "spec.replicas");
    if (r && !json_is_integer(r))
        return gt_err(err, EINVAL, "spec.replicas: Invalid value: must be an integer");
    int64_t n = r ? (int64_t)json_integer_value(r) : 0;
    if (n < 0 || n > INT32_MAX)
        return gt_err(err, EINVAL,
                      "spec.replicas: Invalid value: %lld: must be greater than or equal to 0",
                      (long long)n);
    gt_kobj_set_new(obj, "spec.replicas", json_integer(n));
    return 0;
}

void gt_kind_job_generate_selector(json_t *job)
{
    const char *uid = gt_kobj_str(job, "metadata.uid", "");
    if (!uid[0] || gt_kobj_bool(job, "spec.manualSelector", false))
        return;
    const char *name = gt_kobj_name(job);
    json_t *labels = gt_kobj_ensure(job, "spec.template.metadata.labels");
    if (!labels)
        return;
    json_object_set_new(labels, "batch.kubernetes.io/controller-uid", json_string(uid));
    json_object_set_new(labels, "batch.kubernetes.io/job-name", json_string(name));
    json_object_set_new(labels, "controller-uid", json_string(uid));
    json_object_set_new(labels, "job-name", json_string(name));
    if (!gt_kobj_has(job, "spec.selector"))
        gt_kobj_set_new(job, "spec.selector",
                        json_pack("{s:{s:s}}", "matchLabels",
                                  "batch.kubernetes.io/controller-uid", uid));
}
