/* The OpenAPI documents (kube/openapi.h): schemas from the shapes, paths
 * from the kinds. */
#include "kube/openapi.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds.h"
#include "kube/schema.h"
#include "kube/shape.h"

#define META "io.k8s.apimachinery.pkg.apis.meta.v1."
#define QUANTITY "io.k8s.apimachinery.pkg.api.resource.Quantity"
#define INTSTR "io.k8s.apimachinery.pkg.util.intstr.IntOrString"

/* the types of meta/v1 that the shapes name */
static const char *const meta_types[] = { "ObjectMeta",  "OwnerReference",
                                          "ManagedFieldsEntry", "LabelSelector",
                                          "LabelSelectorRequirement", "Condition", NULL };

/* ---- names: every shape a kind reaches gets one, the first kind that
 * reaches it (in the table's order: core first) giving its package ---- */

struct named {
    const struct gt_kshape *shape;
    char *name;
};

static struct named *names;
static size_t nnames;
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

/* "io.k8s.api.apps.v1." for apps/v1 (core: "io.k8s.api.core.v1.") */
static void package(char *out, size_t n, const struct gt_kind *k)
{
    size_t glen = strcspn(k->group, ".");
    if (!glen)
        snprintf(out, n, "io.k8s.api.core.%s.", k->version);
    else
        snprintf(out, n, "io.k8s.api.%.*s.%s.", (int)glen, k->group, k->version);
}

static const char *name_of(const struct gt_kshape *s)
{
    for (size_t i = 0; i < nnames; i++)
        if (names[i].shape == s)
            return names[i].name;
    return NULL;
}

static bool name_taken(const char *name)
{
    for (size_t i = 0; i < nnames; i++)
        if (!strcmp(names[i].name, name))
            return true;
    return false;
}

static void add_name(const struct gt_kshape *s, const char *pkg, const char *type)
{
    char *name = gt_xasprintf("%s%s", pkg, type);
    for (int i = 2; name_taken(name); i++) {
        free(name);
        name = gt_xasprintf("%s%s%d", pkg, type, i);
    }
    names = gt_xrealloc(names, (nnames + 1) * sizeof *names);
    names[nnames++] = (struct named){ s, name };
}

static void name_fields(const struct gt_kshape *s, const char *pkg)
{
    for (const struct gt_kshape_field *f = s->fields; f->name; f++) {
        if (f->form == GT_KSH_VALUE)
            continue;
        if (f->form == GT_KSH_INLINE) {
            name_fields(f->shape, pkg);
            continue;
        }
        if (name_of(f->shape))
            continue;
        bool meta = false;
        for (size_t i = 0; meta_types[i]; i++)
            meta = meta || !strcmp(f->shape->name, meta_types[i]);
        add_name(f->shape, meta ? META : pkg, f->shape->name);
        name_fields(f->shape, pkg);
    }
}

static void name_all(void)
{
    size_t n;
    const struct gt_kind *const *all = gt_kinds_served(&n);
    for (size_t i = 0; i < n; i++) {
        if (!all[i]->shape || name_of(all[i]->shape))
            continue;
        char pkg[96];
        package(pkg, sizeof pkg, all[i]);
        add_name(all[i]->shape, pkg, all[i]->kind);
    }
    for (size_t i = 0; i < n; i++) {
        char pkg[96];
        package(pkg, sizeof pkg, all[i]);
        if (all[i]->shape)
            name_fields(all[i]->shape, pkg);
    }
}

/* ---- schemas ---- */

struct doc {
    bool v3;
    const char *ref_prefix; /* "#/components/schemas/", "#/definitions/" */
    json_t *schemas;
};

static json_t *ref_to(struct doc *d, const char *name)
{
    char *ref = gt_xasprintf("%s%s", d->ref_prefix, name);
    json_t *r = json_pack("{s:s}", "$ref", ref);
    free(ref);
    return r;
}

/* A field that is a named schema: allOf in v3 (so that a description can
 * sit beside it), a plain $ref in v2. */
static json_t *named_field(struct doc *d, const char *name)
{
    if (d->v3)
        return json_pack("{s:[o]}", "allOf", ref_to(d, name));
    return ref_to(d, name);
}

static void need_builtin(struct doc *d, const char *name)
{
    if (json_object_get(d->schemas, name))
        return;
    json_t *s;
    if (!strcmp(name, QUANTITY)) {
        s = d->v3 ? json_pack("{s:[{s:s},{s:s}]}", "oneOf", "type", "string", "type", "number")
                  : json_pack("{s:s}", "type", "string");
    } else if (!strcmp(name, INTSTR)) {
        s = d->v3 ? json_pack("{s:s,s:[{s:s},{s:s}]}", "format", "int-or-string", "oneOf",
                              "type", "integer", "type", "string")
                  : json_pack("{s:s,s:s}", "type", "string", "format", "int-or-string");
    } else {
        s = json_pack("{s:s,s:s}", "type", "string", "format", "date-time");
    }
    const char *type = strrchr(name, '.') + 1;
    const char *doc = gt_kopenapi_doc(type, NULL);
    if (doc)
        json_object_set_new(s, "description", json_string(doc));
    json_object_set_new(d->schemas, name, s);
}

static json_t *builtin_field(struct doc *d, const char *name)
{
    need_builtin(d, name);
    return named_field(d, name);
}

static json_t *value_schema(struct doc *d, enum gt_kshape_type t)
{
    switch (t) {
    case GT_KT_STRING:
    case GT_KT_DURATION:
        return json_pack("{s:s}", "type", "string");
    case GT_KT_INT32:
        return json_pack("{s:s,s:s}", "type", "integer", "format", "int32");
    case GT_KT_INT64:
        return json_pack("{s:s,s:s}", "type", "integer", "format", "int64");
    case GT_KT_BOOL:
        return json_pack("{s:s}", "type", "boolean");
    case GT_KT_NUMBER:
        return json_pack("{s:s,s:s}", "type", "number", "format", "double");
    case GT_KT_BYTES:
        return json_pack("{s:s,s:s}", "type", "string", "format", "byte");
    case GT_KT_STRINGS:
        return json_pack("{s:s,s:o}", "type", "array", "items", value_schema(d, GT_KT_STRING));
    case GT_KT_INT32S:
        return json_pack("{s:s,s:o}", "type", "array", "items", value_schema(d, GT_KT_INT32));
    case GT_KT_INT64S:
        return json_pack("{s:s,s:o}", "type", "array", "items", value_schema(d, GT_KT_INT64));
    case GT_KT_MAP_TIME:
        need_builtin(d, META "Time");
        return json_pack("{s:s,s:o}", "type", "object", "additionalProperties",
                         ref_to(d, META "Time"));
    case GT_KT_MAP_STRING:
        return json_pack("{s:s,s:o}", "type", "object", "additionalProperties",
                         value_schema(d, GT_KT_STRING));
    case GT_KT_MAP_STRINGS:
        return json_pack("{s:s,s:o}", "type", "object", "additionalProperties",
                         value_schema(d, GT_KT_STRINGS));
    case GT_KT_MAP_BYTES:
        return json_pack("{s:s,s:o}", "type", "object", "additionalProperties",
                         value_schema(d, GT_KT_BYTES));
    case GT_KT_MAP_QUANTITY:
        need_builtin(d, QUANTITY);
        return json_pack("{s:s,s:o}", "type", "object", "additionalProperties",
                         ref_to(d, QUANTITY));
    case GT_KT_QUANTITY:
        return builtin_field(d, QUANTITY);
    case GT_KT_INT_OR_STRING:
        return builtin_field(d, INTSTR);
    case GT_KT_TIME:
        return builtin_field(d, META "Time");
    case GT_KT_MICROTIME:
        return builtin_field(d, META "MicroTime");
    case GT_KT_RAW:
        return json_pack("{s:s,s:b}", "type", "object", "x-kubernetes-preserve-unknown-fields",
                         1);
    case GT_KT_ANY:
        break;
    }
    return json_pack("{s:b}", "x-kubernetes-preserve-unknown-fields", 1);
}

/* how the list or map of type t merges, as the x-kubernetes-* extensions */
static void merge_extensions(json_t *fs, const struct gt_ktype *t, unsigned flags)
{
    if (flags & GT_KF_RETAIN_KEYS)
        json_object_set_new(fs, "x-kubernetes-patch-strategy", json_string("retainKeys"));
    if (!t)
        return;
    if (t->kind == GT_KT_LIST) {
        static const char *const lt[] = { "atomic", "set", "map" };
        json_object_set_new(fs, "x-kubernetes-list-type", json_string(lt[t->list]));
        if (t->list == GT_KLIST_MAP) {
            json_t *keys = json_array();
            for (size_t i = 0; i < 3 && t->keys[i]; i++)
                json_array_append_new(keys, json_string(t->keys[i]));
            json_object_set_new(fs, "x-kubernetes-list-map-keys", keys);
        }
        if (t->smp_merge) {
            json_object_set_new(fs, "x-kubernetes-patch-strategy", json_string("merge"));
            if (t->list == GT_KLIST_MAP)
                json_object_set_new(fs, "x-kubernetes-patch-merge-key", json_string(t->keys[0]));
        }
    } else if (t->atomic && (t->kind == GT_KT_STRUCT || t->kind == GT_KT_MAP)) {
        json_object_set_new(fs, "x-kubernetes-map-type", json_string("atomic"));
    }
}

static void emit_shape(struct doc *d, const struct gt_kshape *s, const struct gt_ktype *t);

static void add_properties(struct doc *d, json_t *props, const struct gt_kshape *s,
                           const struct gt_ktype *t)
{
    for (const struct gt_kshape_field *f = s->fields; f->name; f++) {
        if (f->form == GT_KSH_INLINE) {
            add_properties(d, props, f->shape, t);
            continue;
        }
        unsigned flags = 0;
        const struct gt_ktype *ft = gt_ktype_member(t, f->name, &flags);
        json_t *fs;
        if (f->form == GT_KSH_VALUE) {
            fs = value_schema(d, f->type);
        } else {
            const char *name = name_of(f->shape);
            if (f->form == GT_KSH_OBJECT) {
                emit_shape(d, f->shape, ft);
                fs = named_field(d, name);
            } else {
                emit_shape(d, f->shape, gt_ktype_elem(ft));
                fs = json_pack("{s:s,s:o}", "type", "array", "items", named_field(d, name));
            }
            if (d->v3)
                json_object_set_new(f->form == GT_KSH_OBJECT ? fs : json_object_get(fs, "items"),
                                    "default", json_object());
        }
        const char *doc = gt_kopenapi_doc(s->name, f->name);
        if (!doc)
            doc = gt_kopenapi_doc(NULL, f->name);
        if (doc)
            json_object_set_new(fs, "description", json_string(doc));
        merge_extensions(fs, ft, flags);
        json_object_set_new(props, f->name, fs);
    }
}

/* The schema of shape s, once per document (no shape contains itself). */
static void emit_shape(struct doc *d, const struct gt_kshape *s, const struct gt_ktype *t)
{
    const char *name = name_of(s);
    if (json_object_get(d->schemas, name))
        return;
    json_t *schema = json_pack("{s:s}", "type", "object");
    json_object_set_new(d->schemas, name, schema);
    const char *doc = gt_kopenapi_doc(s->name, NULL);
    if (doc)
        json_object_set_new(schema, "description", json_string(doc));
    json_t *props = json_object();
    add_properties(d, props, s, t);
    json_object_set_new(schema, "properties", props);
}

static json_t *gvk(const struct gt_kind *k)
{
    return json_pack("{s:s,s:s,s:s}", "group", k->group, "kind", k->kind, "version", k->version);
}

/* ---- paths ---- */

static void op_id(char *out, size_t n, const struct gt_kind *k)
{
    /* patchAppsV1NamespacedDeployment */
    char g[64] = "Core";
    if (k->group[0]) {
        size_t j = 0;
        bool up = true;
        for (const char *p = k->group; *p && j + 1 < sizeof g; p++) {
            if (*p == '.') {
                if (!strcmp(p, ".k8s.io"))
                    break;
                up = true;
                continue;
            }
            g[j++] = up ? (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p) : *p;
            up = false;
        }
        g[j] = 0;
    }
    char v[16];
    snprintf(v, sizeof v, "%s", k->version);
    v[0] = (char)(v[0] >= 'a' && v[0] <= 'z' ? v[0] - 32 : v[0]);
    snprintf(out, n, "patch%s%s%s%s", g, v, k->namespaced ? "Namespaced" : "", k->kind);
}

static json_t *query_param(bool v3, const char *name, const char *type, const char *desc)
{
    json_t *p = json_pack("{s:s,s:s,s:s,s:b}", "name", name, "in", "query", "description",
                          desc, "uniqueItems", 1);
    if (v3)
        json_object_set_new(p, "schema", json_pack("{s:s}", "type", type));
    else
        json_object_set_new(p, "type", json_string(type));
    return p;
}

static void add_patch_path(json_t *paths, const struct gt_kind *k, bool v3)
{
    char base[160], path[320], id[160];
    if (k->group[0])
        snprintf(base, sizeof base, "/apis/%s/%s", k->group, k->version);
    else
        snprintf(base, sizeof base, "/api/%s", k->version);
    if (k->namespaced)
        snprintf(path, sizeof path, "%s/namespaces/{namespace}/%s/{name}", base, k->resource);
    else
        snprintf(path, sizeof path, "%s/%s/{name}", base, k->resource);
    op_id(id, sizeof id, k);
    json_t *params = json_pack(
        "[o,o,o,o]",
        query_param(v3, "dryRun", "string",
                    "When present, the changes are checked but not persisted."),
        query_param(v3, "fieldManager", "string",
                    "The name of the actor making the change, recorded in managedFields."),
        query_param(v3, "fieldValidation", "string",
                    "What to do with unknown or duplicate fields in the request: Ignore, Warn "
                    "or Strict."),
        query_param(v3, "force", "boolean",
                    "Apply requests only: take over the fields that other managers own."));
    json_t *op = json_pack("{s:[s],s:s,s:s,s:o,s:{s:{s:s}},s:s,s:o}", "tags",
                           k->group[0] ? k->group : "core", "description",
                           "partially update the specified object", "operationId", id,
                           "parameters", params, "responses", "200", "description", "OK",
                           "x-kubernetes-action", "patch", "x-kubernetes-group-version-kind",
                           gvk(k));
    json_object_set_new(paths, path, json_pack("{s:o}", "patch", op));
}

/* the kinds a document lists: those that take a PATCH, and the create-only
 * reviews, for which kubectl create -f looks at a PATCH operation too to
 * decide to validate on the server (a PATCH of them answers 405) */
static bool documented(const struct gt_kind *k)
{
    return (k->verbs & GT_KVERB_PATCH) || (k->flags & GT_KIND_CREATE_ONLY);
}

static void add_kind(struct doc *d, json_t *paths, const struct gt_kind *k)
{
    if (!documented(k))
        return;
    add_patch_path(paths, k, d->v3);
    if (!k->shape)
        return;
    emit_shape(d, k->shape, k->schema);
    json_t *s = json_object_get(d->schemas, name_of(k->shape));
    json_t *list = json_object_get(s, "x-kubernetes-group-version-kind");
    if (!list) {
        list = json_array();
        json_object_set_new(s, "x-kubernetes-group-version-kind", list);
    }
    json_array_append_new(list, gvk(k));
}

json_t *gt_kopenapi_v3(const char *group, const char *version)
{
    pthread_once(&names_once, name_all);
    struct doc d = { true, "#/components/schemas/", json_object() };
    json_t *paths = json_object();
    size_t n;
    bool any = false;
    const struct gt_kind *const *all = gt_kinds_served(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(all[i]->group, group) && !strcmp(all[i]->version, version)) {
            any = true;
            add_kind(&d, paths, all[i]);
        }
    if (!any) {
        json_decref(paths);
        json_decref(d.schemas);
        return NULL;
    }
    return json_pack("{s:s,s:{s:s,s:s},s:o,s:{s:o}}", "openapi", "3.0.0", "info", "title",
                     "Kubernetes", "version", "v1.32.0", "paths", paths, "components", "schemas",
                     d.schemas);
}

json_t *gt_kopenapi_v2(void)
{
    pthread_once(&names_once, name_all);
    struct doc d = { false, "#/definitions/", json_object() };
    json_t *paths = json_object();
    size_t n;
    const struct gt_kind *const *all = gt_kinds_served(&n);
    for (size_t i = 0; i < n; i++)
        add_kind(&d, paths, all[i]);
    return json_pack("{s:s,s:{s:s,s:s},s:o,s:o}", "swagger", "2.0", "info", "title",
                     "Kubernetes", "version", "v1.32.0", "paths", paths, "definitions",
                     d.schemas);
}
