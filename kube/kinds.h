/* kube/kinds.h - the declarative table of the resources Gantry's API server
 * serves: one struct gt_kind per kind, written by us in kinds_<group>.c.
 *
 * A kind says what discovery shows (group, version, kind, plural resource,
 * singular, scope, short names, categories, verbs, subresources), and how
 * the server treats objects of it:
 * - defaults(obj): fills what the API defaults (Pod restartPolicy Always,
 *   dnsPolicy ClusterFirst, container imagePullPolicy from the image tag,
 *   Service type ClusterIP and port protocol/targetPort, Deployment replicas
 *   1 and RollingUpdate 25%/25%, Job completions/parallelism/backoffLimit,
 *   CronJob concurrencyPolicy Allow, ...).  Idempotent; never fails; leaves
 *   malformed fields to validation.  Besides the API's own defaults, Pods
 *   get what the admission plugins of every cluster add (serviceAccountName
 *   "default", NoExecute tolerations for not-ready/unreachable
 *   nodes, and on create status.phase Pending with its qosClass); Jobs get
 *   the generated selector and labels once metadata.uid is set; Secrets
 *   fold stringData into data.
 * - On update, Pods may change only images, activeDeadlineSeconds,
 *   tolerations and terminationGracePeriodSeconds of their spec: binding
 *   (spec.nodeName) is a subresource the server applies without update
 *   validation.
 * - validate(obj, old, errs): the rules that matter, as Kubernetes field
 *   errors (kube/fielderr.h); old is NULL on create and the previous object
 *   on update (immutable fields).  gt_kind_validate() adds the ObjectMeta
 *   rules (name rule of the kind, namespace iff namespaced, labels, ...).
 * - schema: merge metadata for strategic merge patch and server-side apply
 *   (kube/schema.h).
 * - columns and cells: the server-side Table of kubectl get, all columns
 *   computed (priority 1 ones are shown by -o wide), cells formatted as the
 *   Kubernetes printers do (ages "3m20s", READY "1/2", "<none>").
 * - fields: the field selectors it supports besides metadata.name and
 *   metadata.namespace.
 * - shape: every field its objects may have, nested types included
 *   (kube/shape.h), against which requests are checked for unknown fields.
 * Objects are jansson JSON in the external (versioned) form.  Everything
 * here is pure: no I/O, no clock (callers pass now, in seconds).
 */
#ifndef GT_KUBE_KINDS_H
#define GT_KUBE_KINDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "kube/fielderr.h"
#include "kube/meta.h"
#include "kube/schema.h"
#include "kube/selector.h"
#include "kube/shape.h"

enum {
    GT_KVERB_GET = 1u << 0,
    GT_KVERB_LIST = 1u << 1,
    GT_KVERB_WATCH = 1u << 2,
    GT_KVERB_CREATE = 1u << 3,
    GT_KVERB_UPDATE = 1u << 4,
    GT_KVERB_PATCH = 1u << 5,
    GT_KVERB_DELETE = 1u << 6,
    GT_KVERB_DELETECOLLECTION = 1u << 7,
};
#define GT_KVERBS_ALL 0xffu
#define GT_KVERBS_GPU (GT_KVERB_GET | GT_KVERB_PATCH | GT_KVERB_UPDATE)

/* Kind flags. */
enum {
    GT_KIND_STATUS = 1u << 0,      /* status is a subresource: writes to the main resource
                                      keep the old status, spec changes bump generation */
    GT_KIND_SCALE = 1u << 1,       /* spec.replicas / status.replicas / spec.selector */
    GT_KIND_CREATE_ONLY = 1u << 2, /* reviews: answered, never stored */
    GT_KIND_POD_TEMPLATE = 1u << 3,
};

struct gt_ksubresource {
    const char *name; /* "status", "scale", "log", "exec", ... */
    /* response kind; NULL group/version: the resource's own */
    const char *group, *version, *kind;
    unsigned verbs;
};

struct gt_kcolumn {
    const char *name;   /* "Name", "Ready", ... (kubectl upper-cases) */
    const char *type;   /* "string", "integer", "boolean", "date" */
    const char *format; /* "name" or "" */
    const char *description;
    int priority; /* 0 always shown, 1 with -o wide */
};

struct gt_kind {
    const char *group; /* "" for core */
    const char *version;
    const char *kind;
    const char *resource; /* plural */
    const char *singular;
    bool namespaced;
    const char *const *short_names; /* NULL-terminated, may be NULL */
    const char *const *categories;
    unsigned verbs;
    const struct gt_ksubresource *subresources; /* up to a NULL name; may be NULL */
    enum gt_kname_rule name_rule;
    unsigned flags;
    const struct gt_ktype *schema;
    void (*defaults)(json_t *obj);
    void (*validate)(const json_t *obj, const json_t *old, struct gt_kfe_list *errs);
    const struct gt_kcolumn *columns; /* up to a NULL name; NULL: Name, Created At */
    /* appends one cell per column to the array cells */
    void (*cells)(const json_t *obj, int64_t now, json_t *cells);
    const struct gt_kfsel_field *fields;
    /* the fields its objects may have, for fieldValidation (kube/shape.h) */
    const struct gt_kshape *shape;
    /* A version served from the objects of another (autoscaling/v1 of the
     * v2 HorizontalPodAutoscaler): they are stored as storage's, converted
     * on the way in (to_storage) and out (from_storage); both return a new
     * object and keep metadata.  Such a kind is not in gt_kinds(). */
    const struct gt_kind *storage;
    json_t *(*to_storage)(const json_t *obj);
    json_t *(*from_storage)(const json_t *obj);
};

/* Every kind, in a stable order: one version of each (the stored one). */
const struct gt_kind *const *gt_kinds(size_t *n);
/* gt_kinds(), then the versions served from another's objects (->storage):
 * what discovery and the OpenAPI documents list. */
const struct gt_kind *const *gt_kinds_served(size_t *n);
/* group "" is core; NULL results when unknown.  These find the served
 * versions too. */
const struct gt_kind *gt_kind_by_resource(const char *group, const char *version,
                                          const char *resource);
const struct gt_kind *gt_kind_by_gvk(const char *group, const char *version, const char *kind);
/* From the object's apiVersion and kind. */
const struct gt_kind *gt_kind_of(const json_t *obj);
/* What kubectl resolves client-side: plural, singular, short name or kind
 * (case-insensitive), optionally qualified with the group ("deploy",
 * "deployments.apps", "Pod"). */
const struct gt_kind *gt_kind_find(const char *name);
const struct gt_ksubresource *gt_kind_subresource(const struct gt_kind *k, const char *name);
/* "apps/v1" or "v1" into out (64 bytes). */
const char *gt_kind_api_version(const struct gt_kind *k, char out[64]);

/* Defaulting, then validation (ObjectMeta rules included). validate
 * returns the number of errors appended. */
void gt_kind_default(const struct gt_kind *k, json_t *obj);
size_t gt_kind_validate(const struct gt_kind *k, const json_t *obj, const json_t *old,
                        struct gt_kfe_list *errs);

/* Tables (meta.k8s.io/v1 Table).  items: a JSON array of objects.
 * with_columns false leaves columnDefinitions empty (watch events after the
 * first).  rv: the list's resourceVersion (may be NULL).  Rows carry the
 * object's metadata as PartialObjectMetadata (managedFields left out). */
json_t *gt_kind_table(const struct gt_kind *k, const json_t *items, int64_t now,
                      bool with_columns, const char *rv);
json_t *gt_kind_table_columns(const struct gt_kind *k);
json_t *gt_kind_table_row(const struct gt_kind *k, const json_t *obj, int64_t now);

/* Discovery documents built from the table.
 * Aggregated (apidiscovery.k8s.io/v2 APIGroupDiscoveryList): core true for
 * /api, false for /apis (every named group). */
json_t *gt_kinds_discovery(bool core);
/* Legacy: APIResourceList of a group version (/api/v1, /apis/apps/v1),
 * APIGroupList (/apis); NULL for an unknown group version. */
json_t *gt_kinds_resource_list(const char *group, const char *version);
json_t *gt_kinds_group_list(void);

/* The autoscaling/v1 Scale of an object of a GT_KIND_SCALE kind. */
json_t *gt_kind_scale(const struct gt_kind *k, const json_t *obj);
/* Applies a Scale's spec.replicas to obj; -EINVAL with a message for a
 * missing or negative replicas. */
int gt_kind_apply_scale(const struct gt_kind *k, json_t *obj, const json_t *scale,
                        struct gt_error *err);

/* Jobs: the selector and labels the API server generates from the Job's
 * uid (batch.kubernetes.io/controller-uid ...), unless manualSelector is
 * true or the uid is not yet set.  Called by the Job's defaults. */
void gt_kind_job_generate_selector(json_t *job);

#endif
