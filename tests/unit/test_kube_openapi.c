/* kube/openapi: the documents kubectl explain reads. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kinds.h"
#include "kube/openapi.h"
#include "kube/openapi_docs_internal.h"
#include "kube/shape.h"
#include "tests/unit/unit.h"

#define SCHEMAS "#/components/schemas/"
#define DEFS "#/definitions/"

static json_t *schema_of(json_t *doc, const char *name)
{
    json_t *s = json_object_get(json_object_get(doc, "components"), "schemas");
    return json_object_get(s ? s : json_object_get(doc, "definitions"), name);
}

/* the schema a property refers to (allOf in v3, $ref in v2) */
static json_t *deref(json_t *doc, json_t *prop)
{
    json_t *all = json_object_get(prop, "allOf");
    const char *ref = json_string_value(json_object_get(all ? json_array_get(all, 0) : prop,
                                                        "$ref"));
    if (!ref)
        return NULL;
    return schema_of(doc, strchr(ref + 2, '/') ? strrchr(ref, '/') + 1 : ref);
}

static json_t *prop(json_t *schema, const char *name)
{
    return json_object_get(json_object_get(schema, "properties"), name);
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

TEST(openapi_each_kind_found_as_kubectl_explain_looks)
{
    size_t n;
    const struct gt_kind *const *all = gt_kinds_served(&n);
    for (size_t i = 0; i < n; i++) {
        const struct gt_kind *k = all[i];
        if (!(k->verbs & GT_KVERB_PATCH))
            continue;
        json_t *doc = gt_kopenapi_v3(k->group, k->version);
        REQUIRE(doc);
        /* the item path's PATCH names the kind */
        json_t *paths = json_object_get(doc, "paths");
        json_t *gvk = NULL;
        const char *p;
        json_t *item;
        json_object_foreach(paths, p, item) {
            json_t *g = json_object_get(json_object_get(item, "patch"),
                                        "x-kubernetes-group-version-kind");
            if (g && !strcmp(str(g, "kind"), k->kind))
                gvk = g;
        }
        if (!gvk)
            unit_fail(__FILE__, __LINE__, "no PATCH path for %s", k->kind);
        /* a schema carries the same gvk in its list */
        bool found = false;
        const char *name;
        json_t *s;
        json_object_foreach(json_object_get(json_object_get(doc, "components"), "schemas"),
                            name, s) {
            size_t j;
            json_t *e;
            json_array_foreach(json_object_get(s, "x-kubernetes-group-version-kind"), j, e)
                if (gvk && json_equal(e, gvk)) {
                    found = true;
                    CHECK(prop(s, "metadata") && prop(s, "apiVersion") && prop(s, "kind"));
                }
        }
        if (!found)
            unit_fail(__FILE__, __LINE__, "no schema with the gvk of %s", k->kind);
        json_decref(doc);
    }
}

/* every $ref resolves; every property has a type or refers to one */
static void check_doc(json_t *doc, const char *prefix)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    for (const char *p = text; (p = strstr(p, "\"$ref\":\"")); p++) {
        p += 8;
        size_t len = strcspn(p, "\"");
        char *ref = strndup(p, len);
        CHECK(!strncmp(ref, prefix, strlen(prefix)));
        if (!schema_of(doc, ref + strlen(prefix)))
            unit_fail(__FILE__, __LINE__, "%s does not resolve", ref);
        free(ref);
    }
    free(text);
    const char *name;
    json_t *s;
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    json_object_foreach(schemas ? schemas : json_object_get(doc, "definitions"), name, s) {
        const char *f;
        json_t *fs;
        json_object_foreach(json_object_get(s, "properties"), f, fs) {
            if (!json_object_get(fs, "type") && !json_object_get(fs, "allOf") &&
                !json_object_get(fs, "$ref"))
                unit_fail(__FILE__, __LINE__, "%s.%s has no declared type", name, f);
        }
    }
}

TEST(openapi_refs_resolve_and_fields_are_typed)
{
    size_t n;
    const struct gt_kind *const *all = gt_kinds_served(&n);
    for (size_t i = 0; i < n; i++) {
        json_t *doc = gt_kopenapi_v3(all[i]->group, all[i]->version);
        check_doc(doc, SCHEMAS);
        json_decref(doc);
    }
    json_t *v2 = gt_kopenapi_v2();
    check_doc(v2, DEFS);
    json_decref(v2);
    CHECK(gt_kopenapi_v3("apps", "v9") == NULL);
}

TEST(openapi_field_types_and_merge_keys)
{
    json_t *doc = gt_kopenapi_v3("", "v1");
    REQUIRE(doc);
    json_t *pod = schema_of(doc, "io.k8s.api.core.v1.Pod");
    REQUIRE(pod);
    CHECK_STR_EQ(str(json_array_get(json_object_get(pod, "x-kubernetes-group-version-kind"), 0),
                     "kind"),
                 "Pod");
    json_t *spec = deref(doc, prop(pod, "spec"));
    REQUIRE(spec);
    json_t *containers = prop(spec, "containers");
    CHECK_STR_EQ(str(containers, "type"), "array");
    CHECK_STR_EQ(str(containers, "x-kubernetes-patch-merge-key"), "name");
    CHECK_STR_EQ(str(containers, "x-kubernetes-patch-strategy"), "merge");
    CHECK_STR_EQ(str(containers, "x-kubernetes-list-type"), "map");
    CHECK(str(containers, "description") != NULL);
    json_t *c = deref(doc, json_object_get(containers, "items"));
    REQUIRE(c);
    CHECK_STR_EQ(str(prop(c, "image"), "type"), "string");
    CHECK_STR_EQ(str(json_object_get(prop(c, "args"), "items"), "type"), "string");
    json_t *port = deref(doc, json_object_get(prop(c, "ports"), "items"));
    REQUIRE(port);
    CHECK_STR_EQ(str(prop(port, "containerPort"), "format"), "int32");
    json_t *res = deref(doc, prop(c, "resources"));
    REQUIRE(res);
    CHECK_STR_EQ(str(json_object_get(prop(res, "limits"), "additionalProperties"), "$ref"),
                 SCHEMAS "io.k8s.apimachinery.pkg.api.resource.Quantity");
    CHECK_STR_EQ(str(prop(spec, "terminationGracePeriodSeconds"), "format"), "int64");
    CHECK_STR_EQ(str(json_object_get(prop(spec, "nodeSelector"), "additionalProperties"),
                     "type"),
                 "string");
    json_t *meta = deref(doc, prop(pod, "metadata"));
    REQUIRE(meta);
    CHECK(schema_of(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta") == meta);
    CHECK_STR_EQ(str(deref(doc, prop(meta, "creationTimestamp")), "format"), "date-time");
    json_decref(doc);

    doc = gt_kopenapi_v3("apps", "v1");
    json_t *dspec = deref(doc, prop(schema_of(doc, "io.k8s.api.apps.v1.Deployment"), "spec"));
    REQUIRE(dspec);
    CHECK_STR_EQ(str(prop(dspec, "strategy"), "x-kubernetes-patch-strategy"), "retainKeys");
    CHECK_STR_EQ(str(prop(dspec, "replicas"), "type"), "integer");
    json_t *ru = deref(doc, prop(deref(doc, prop(dspec, "strategy")), "rollingUpdate"));
    REQUIRE(ru);
    CHECK(deref(doc, prop(ru, "maxSurge")) ==
          schema_of(doc, "io.k8s.apimachinery.pkg.util.intstr.IntOrString"));
    json_decref(doc);
}

/* Walks a protobuf message: every field well formed; counts the
 * occurrences of field `count` at the top level. */
static bool pb_walk(const uint8_t *b, size_t n, unsigned count, size_t *seen)
{
    size_t i = 0;
    while (i < n) {
        uint64_t key = 0;
        for (int sh = 0;; sh += 7) {
            if (i >= n || sh > 63)
                return false;
            key |= (uint64_t)(b[i] & 0x7f) << sh;
            if (!(b[i++] & 0x80))
                break;
        }
        if ((key & 7) != 2 || (key >> 3) == 0)
            return false; /* the document has strings and messages only */
        uint64_t len = 0;
        for (int sh = 0;; sh += 7) {
            if (i >= n || sh > 63)
                return false;
            len |= (uint64_t)(b[i] & 0x7f) << sh;
            if (!(b[i++] & 0x80))
                break;
        }
        if (len > n - i)
            return false;
        if ((key >> 3) == count)
            (*seen)++;
        i += len;
    }
    return true;
}

TEST(openapi_v2_protobuf)
{
    json_t *v2 = gt_kopenapi_v2();
    size_t len = 0;
    uint8_t *pb = gt_kopenapi_v2_proto(v2, &len);
    REQUIRE(pb && len > 1000);
    /* swagger = 1: "2.0" first */
    CHECK(pb[0] == 0x0a && pb[1] == 3 && !memcmp(pb + 2, "2.0", 3));
    size_t defs = 0;
    CHECK(pb_walk(pb, len, 9, &defs));
    CHECK_INT_EQ(defs, 1);
    /* the definitions message holds one NamedSchema per definition */
    size_t i = 0, nd = 0;
    while (i < len) {
        unsigned field = pb[i] >> 3;
        i++;
        uint64_t l = 0;
        for (int sh = 0;; sh += 7) {
            l |= (uint64_t)(pb[i] & 0x7f) << sh;
            if (!(pb[i++] & 0x80))
                break;
        }
        if (field == 9)
            CHECK(pb_walk(pb + i, l, 1, &nd));
        i += l;
    }
    CHECK_INT_EQ(nd, json_object_size(json_object_get(v2, "definitions")));
    CHECK(memmem(pb, len, "io.k8s.api.core.v1.Pod", 22) != NULL);
    CHECK(memmem(pb, len, "x-kubernetes-group-version-kind", 31) != NULL);
    free(pb);
    json_decref(v2);
}

TEST(openapi_docs)
{
    CHECK(gt_kopenapi_doc("Pod", NULL) != NULL);
    CHECK(gt_kopenapi_doc("Container", "image") != NULL);
    CHECK(gt_kopenapi_doc(NULL, "metadata") != NULL);
    CHECK(gt_kopenapi_doc("Container", "nosuch") == NULL);
    CHECK(gt_kopenapi_doc("Pod", "image") == NULL);
}

/* ---- the description tables against the shapes ---- */

/* every shape the kinds reach, once each */
static const struct gt_kshape *shapes[1024];
static size_t nshapes;

static void collect(const struct gt_kshape *s)
{
    for (size_t i = 0; i < nshapes; i++)
        if (shapes[i] == s)
            return;
    REQUIRE(nshapes < sizeof shapes / sizeof shapes[0]);
    shapes[nshapes++] = s;
    for (const struct gt_kshape_field *f = s->fields; f->name; f++)
        if (f->shape)
            collect(f->shape);
}

static void collect_all(void)
{
    size_t n;
    const struct gt_kind *const *all = gt_kinds_served(&n);
    for (size_t i = 0; i < n; i++)
        if (all[i]->shape)
            collect(all[i]->shape);
}

static bool type_exists(const char *type)
{
    static const char *const builtin[] = { "Quantity", "IntOrString", "Time", "MicroTime" };
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        if (!strcmp(type, builtin[i]))
            return true;
    for (size_t i = 0; i < nshapes; i++)
        if (!strcmp(shapes[i]->name, type))
            return true;
    return false;
}

/* a field that the documents look up under type (the fields of an inlined
 * type are looked up under the inlined type's name, as openapi.c does) */
static bool field_exists(const char *type, const char *field)
{
    for (size_t i = 0; i < nshapes; i++) {
        if (type && strcmp(shapes[i]->name, type))
            continue;
        for (const struct gt_kshape_field *f = shapes[i]->fields; f->name; f++)
            if (f->form != GT_KSH_INLINE && !strcmp(f->name, field))
                return true;
    }
    return false;
}

TEST(openapi_docs_name_types_and_fields_that_exist)
{
    collect_all();
    REQUIRE(nshapes > 100);
    size_t n = 0;
    for (size_t t = 0; gt_kdoc_tables[t]; t++) {
        for (const struct gt_kdoc *d = gt_kdoc_tables[t]; d->text; d++, n++) {
            const char *what = d->field ? d->field : "(the type)";
            const char *type = d->type ? d->type : "(any type)";
            if (!d->type && !d->field)
                unit_fail(__FILE__, __LINE__, "an entry names neither a type nor a field");
            else if (d->type && !type_exists(d->type))
                unit_fail(__FILE__, __LINE__, "%s.%s: no shape is named %s", type, what,
                          type);
            else if (d->field && !field_exists(d->type, d->field))
                unit_fail(__FILE__, __LINE__, "%s.%s: no such field in the shapes", type,
                          what);
            size_t len = strlen(d->text);
            if (!len || d->text[0] == ' ' || d->text[len - 1] != '.' || strstr(d->text, "  "))
                unit_fail(__FILE__, __LINE__, "%s.%s: \"%s\" is not a sentence", type, what,
                          d->text);
            /* the lookup finds this very entry: no two entries share a key */
            if (gt_kopenapi_doc(d->type, d->field) != d->text)
                unit_fail(__FILE__, __LINE__, "%s.%s: written twice", type, what);
        }
    }
    CHECK(n > 500);
}

/* the types people look up with kubectl explain: every field described */
TEST(openapi_docs_cover_the_common_types)
{
    static const char *const types[] = {
        "ObjectMeta", "OwnerReference", "LabelSelector", "LabelSelectorRequirement",
        "PodSpec", "Container", "ContainerPort", "EnvVar", "EnvVarSource", "EnvFromSource",
        "ObjectFieldSelector", "ResourceFieldSelector", "ConfigMapKeySelector",
        "SecretKeySelector", "ResourceRequirements", "VolumeMount", "Volume",
        "EmptyDirVolumeSource", "HostPathVolumeSource", "ConfigMapVolumeSource",
        "SecretVolumeSource", "PersistentVolumeClaimVolumeSource", "ProjectedVolumeSource",
        "VolumeProjection", "DownwardAPIVolumeSource", "DownwardAPIVolumeFile", "KeyToPath",
        "Probe", "HTTPGetAction", "TCPSocketAction", "ExecAction", "GRPCAction", "Lifecycle",
        "LifecycleHandler", "SecurityContext", "PodSecurityContext", "Capabilities",
        "Affinity", "NodeAffinity", "NodeSelector", "NodeSelectorTerm",
        "NodeSelectorRequirement", "PreferredSchedulingTerm", "PodAffinity",
        "PodAntiAffinity", "PodAffinityTerm", "WeightedPodAffinityTerm", "Toleration",
        "TopologySpreadConstraint", "DeploymentSpec", "DeploymentStatus",
        "DeploymentStrategy", "RollingUpdateDeployment", "ReplicaSetSpec", "StatefulSetSpec",
        "DaemonSetSpec", "JobSpec", "CronJobSpec", "JobTemplateSpec", "ServiceSpec",
        "ServicePort", "ConfigMap", "Secret", "IngressSpec", "IngressRule", "HTTPIngressPath",
        "IngressBackend", "NetworkPolicySpec", "NetworkPolicyIngressRule",
        "NetworkPolicyEgressRule", "NetworkPolicyPeer", "NetworkPolicyPort", "IPBlock",
        "HorizontalPodAutoscalerSpec", "MetricSpec", "MetricTarget",
        "PersistentVolumeClaimSpec", "Namespace", "NamespaceSpec", "ServiceAccount", "Role",
        "ClusterRole", "PolicyRule", "RoleBinding", "ClusterRoleBinding", "Subject", "RoleRef",
        "LeaseSpec", "PodDisruptionBudgetSpec", "StorageClass", "PriorityClass", "PodStatus",
        "ContainerStatus", "ContainerState",
    };
    collect_all();
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t found = 0;
        for (size_t j = 0; j < nshapes; j++) {
            if (strcmp(shapes[j]->name, types[i]))
                continue;
            found++;
            /* one level of inlining, as these types have (Volume, Probe) */
            const struct gt_kshape *s = shapes[j];
            for (const struct gt_kshape_field *f = s->fields; f->name; f++) {
                const struct gt_kshape *owner = s;
                const struct gt_kshape_field *fs = f, *end = f + 1;
                if (f->form == GT_KSH_INLINE) {
                    owner = f->shape;
                    fs = owner->fields;
                    for (end = fs; end->name; end++)
                        ;
                }
                for (; fs < end; fs++)
                    if (fs->form != GT_KSH_INLINE && !gt_kopenapi_doc(owner->name, fs->name) &&
                        !gt_kopenapi_doc(NULL, fs->name))
                        unit_fail(__FILE__, __LINE__, "%s.%s has no description", owner->name,
                                  fs->name);
            }
        }
        if (!found)
            unit_fail(__FILE__, __LINE__, "no shape is named %s", types[i]);
    }
}
