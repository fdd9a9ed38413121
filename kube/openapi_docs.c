/* The descriptions of the OpenAPI documents (kube/openapi.h): the lookup
 * over the tables of openapi_docs_<group>.c, and the entries of meta/v1
 * and of the fields every object has.  Our own words, kept short; a field
 * without an entry shows "<no description>" in kubectl explain. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/openapi.h"
#include "kube/openapi_docs_internal.h"

const struct gt_kdoc gt_kdocs_meta[] = {
    /* fields of every object (and of any type without its own entry); apiVersion and
     * kind are TypeMeta's */
    { NULL, "metadata", "Standard object metadata: name, namespace, labels, annotations, "
                        "owners, and what the server maintains (uid, resourceVersion, "
                        "creationTimestamp)." },
    { NULL, "spec", "The desired state of the object, as its owner writes it." },
    { NULL, "status", "The observed state of the object, written by the system. Read-only "
                      "for users." },

    /* meta/v1 */
    { "ObjectMeta", NULL, "The metadata every persisted object has." },
    { "ObjectMeta", "name", "Unique within the namespace (or the cluster, for cluster-scoped "
                            "kinds); cannot be changed after creation." },
    { "ObjectMeta", "generateName", "A prefix from which the server makes a unique name when "
                                    "name is empty." },
    { "ObjectMeta", "namespace", "The namespace of a namespaced object; empty means "
                                 "\"default\" on create." },
    { "ObjectMeta", "selfLink", "Unused: the server leaves it empty." },
    { "ObjectMeta", "uid", "Set by the server on create, unique in time and space." },
    { "ObjectMeta", "resourceVersion", "An opaque version of the object; an update that "
                                       "carries a stale one is refused with 409 Conflict." },
    { "ObjectMeta", "generation", "A counter of changes to the desired state (spec)." },
    { "ObjectMeta", "creationTimestamp", "When the server created the object (RFC 3339)." },
    { "ObjectMeta", "deletionTimestamp", "When the object's deletion was requested; set "
                                         "while finalizers or a grace period hold it." },
    { "ObjectMeta", "deletionGracePeriodSeconds", "Set with deletionTimestamp: the seconds "
                                                  "the object was given to go away." },
    { "ObjectMeta", "labels", "Key/value pairs that selectors match on." },
    { "ObjectMeta", "annotations", "Key/value pairs for tools and people; not matched by "
                                   "selectors." },
    { "ObjectMeta", "ownerReferences", "The objects this one depends on; the garbage "
                                       "collector deletes it after all of them are gone." },
    { "ObjectMeta", "finalizers", "Keys that must be removed before the server deletes the "
                                  "object." },
    { "ObjectMeta", "managedFields", "Which manager owns which fields (server-side apply)." },
    { "OwnerReference", NULL, "Points at an object this one belongs to." },
    { "OwnerReference", "apiVersion", "The API version of the owner." },
    { "OwnerReference", "kind", "The kind of the owner." },
    { "OwnerReference", "name", "The name of the owner, in this object's namespace (or "
                                "cluster-scoped)." },
    { "OwnerReference", "uid", "The uid of the owner; a reference to a deleted and "
                               "recreated owner of the same name does not count." },
    { "OwnerReference", "controller", "True for the one owner that manages this object (a "
                                      "ReplicaSet of its pods); at most one may say so." },
    { "OwnerReference", "blockOwnerDeletion", "With foreground deletion, the owner is not "
                                              "removed before this object is." },
    { "ManagedFieldsEntry", NULL, "The fields one manager set through one kind of request." },
    { "ManagedFieldsEntry", "manager", "Who set the fields (a field manager name)." },
    { "ManagedFieldsEntry", "operation", "Apply or Update: how the fields were set." },
    { "ManagedFieldsEntry", "apiVersion", "The API version the fields are written in." },
    { "ManagedFieldsEntry", "time", "When the fields last changed." },
    { "ManagedFieldsEntry", "fieldsType", "The format of fieldsV1: \"FieldsV1\"." },
    { "ManagedFieldsEntry", "fieldsV1", "The set of fields, as a tree of field keys." },
    { "ManagedFieldsEntry", "subresource", "The subresource written to (\"status\", "
                                           "\"scale\"), empty for the object itself." },
    { "TypeMeta", "apiVersion", "The versioned schema of this object: \"v1\" for the core "
                                "group, \"<group>/<version>\" otherwise." },
    { "TypeMeta", "kind", "The type of this object, in CamelCase (\"Pod\", \"Deployment\")." },
    { "LabelSelector", NULL, "Selects objects by labels: all of matchLabels and all of "
                             "matchExpressions must match; an empty selector matches "
                             "everything." },
    { "LabelSelector", "matchLabels", "Labels an object must have with exactly these "
                                      "values." },
    { "LabelSelector", "matchExpressions", "Conditions on labels that an object must all "
                                           "meet." },
    { "LabelSelectorRequirement", NULL, "One condition on the value of a label." },
    { "LabelSelectorRequirement", "key", "The label the condition is about." },
    { "LabelSelectorRequirement", "operator", "In, NotIn, Exists or DoesNotExist." },
    { "LabelSelectorRequirement", "values", "The values for In and NotIn (at least one); "
                                            "must be empty for Exists and DoesNotExist." },
    { "Condition", NULL, "One aspect of an object's state, as true, false or unknown." },
    { "Condition", "type", "What the condition is about, in CamelCase (\"Ready\")." },
    { "Condition", "status", "True, False or Unknown." },
    { "Condition", "observedGeneration", "The generation of the object the condition was "
                                         "computed from." },
    { "Condition", "lastTransitionTime", "When status last changed." },
    { "Condition", "reason", "A CamelCase word for why the status is what it is." },
    { "Condition", "message", "A sentence for people about the state." },
    { "Quantity", NULL, "An amount with an optional suffix: decimal SI (m, k, M, G...), binary "
                        "SI (Ki, Mi, Gi...) or an exponent (1e3). \"500m\" CPU is half a core; "
                        "\"128Mi\" memory is 128 MiB." },
    { "IntOrString", NULL, "Either an integer or a string (a port number or a port name; a "
                           "count or a percentage)." },
    { "Time", NULL, "A point in time, written as RFC 3339 in UTC." },
    { "MicroTime", NULL, "A point in time with microseconds, written as RFC 3339." },
    GT_KDOC_END
};

const struct gt_kdoc *const gt_kdoc_tables[] = {
    gt_kdocs_meta, gt_kdocs_pod, gt_kdocs_volume, gt_kdocs_core, gt_kdocs_apps, gt_kdocs_batch,
    gt_kdocs_networking, gt_kdocs_autoscaling, gt_kdocs_rbac, gt_kdocs_cluster, NULL,
};

/* ---- the lookup: every entry, sorted by (type, field), NULL first ---- */

static const struct gt_kdoc **sorted;
static size_t nsorted;
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int cmp_opt(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_key(const char *type, const char *field, const struct gt_kdoc *d)
{
    int c = cmp_opt(type, d->type);
    return c ? c : cmp_opt(field, d->field);
}

static int cmp_entries(const void *a, const void *b)
{
    const struct gt_kdoc *x = *(const struct gt_kdoc *const *)a;
    return cmp_key(x->type, x->field, *(const struct gt_kdoc *const *)b);
}

static void sort_entries(void)
{
    size_t n = 0;
    for (size_t t = 0; gt_kdoc_tables[t]; t++)
        for (const struct gt_kdoc *d = gt_kdoc_tables[t]; d->text; d++)
            n++;
    sorted = gt_xcalloc(n, sizeof *sorted);
    for (size_t t = 0; gt_kdoc_tables[t]; t++)
        for (const struct gt_kdoc *d = gt_kdoc_tables[t]; d->text; d++)
            sorted[nsorted++] = d;
    qsort(sorted, nsorted, sizeof *sorted, cmp_entries);
}

const char *gt_kopenapi_doc(const char *type, const char *field)
{
    pthread_once(&sorted_once, sort_entries);
    size_t lo = 0, hi = nsorted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_key(type, field, sorted[mid]);
        if (!c)
            return sorted[mid]->text;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}
