/* Known top-level fields per kind, and ObjectMeta's fields. */
#include "kube/api/fields.h"

#include <string.h>

#include "base/mem.h"

static const char *const object_meta[] = {
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields", NULL,
};

/* Top-level fields besides apiVersion, kind and metadata.  Kinds not
 * listed have spec and status. */
static const struct {
    const char *kind;
    const char *const fields[12];
} top[] = {
    { "ConfigMap", { "data", "binaryData", "immutable" } },
    { "Secret", { "data", "stringData", "type", "immutable" } },
    { "ServiceAccount", { "secrets", "imagePullSecrets", "automountServiceAccountToken" } },
    { "Role", { "rules" } },
    { "ClusterRole", { "rules", "aggregationRule" } },
    { "RoleBinding", { "subjects", "roleRef" } },
    { "ClusterRoleBinding", { "subjects", "roleRef" } },
    { "Endpoints", { "subsets" } },
    { "EndpointSlice", { "addressType", "endpoints", "ports" } },
    { "ControllerRevision", { "data", "revision" } },
    { "StorageClass", { "provisioner", "parameters", "reclaimPolicy", "mountOptions",
                        "allowVolumeExpansion", "volumeBindingMode", "allowedTopologies" } },
    { "Event", { "involvedObject", "reason", "message", "source", "firstTimestamp",
                 "lastTimestamp", "count", "type", "eventTime", "series", "action", "related" } },
    { "Binding", { "target" } },
    { "Eviction", { "deleteOptions" } },
    { "Lease", { "spec" } },
    { "NetworkPolicy", { "spec", "status" } },
};

static const char *const spec_status[] = { "spec", "status", NULL };
static const char *const event_more[] = { "reportingComponent", "reportingInstance", NULL };

static bool in(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (!strcmp(*list, name))
            return true;
    return false;
}

static bool in_n(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n && list[i]; i++)
        if (!strcmp(list[i], name))
            return true;
    return false;
}

size_t gt_kfields_unknown(const struct gt_kind *k, const json_t *obj, char ***unknown)
{
    size_t count = 0;
    const char *const *fields = spec_status;
    size_t nfields = 2;
    bool event = !strcmp(k->kind, "Event");
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
        if (!strcmp(top[i].kind, k->kind)) {
            fields = top[i].fields;
            nfields = 12;
        }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        if (!strcmp(key, "apiVersion") || !strcmp(key, "kind") || !strcmp(key, "metadata"))
            continue;
        if (in_n(fields, nfields, key) || (event && in(event_more, key)))
            continue;
        gt_strv_push(unknown, key);
        count++;
    }
    json_t *meta = json_object_get(obj, "metadata");
    if (json_is_object(meta)) {
        json_object_foreach(meta, key, v) {
            if (in(object_meta, key))
                continue;
            char *p = gt_xasprintf("metadata.%s", key);
            gt_strv_push(unknown, p);
            free(p);
            count++;
        }
    }
    return count;
}
