/* kube/shape.h - the fields each type of the Kubernetes API declares, so
 * that the API server can tell which members of a request's object are
 * unknown (?fieldValidation=Strict refuses them, Warn warns, as Kubernetes'
 * strict decoder does).
 *
 * A struct gt_kshape is one API type ("Container"): the JSON names of its
 * fields, each with what its value is:
 * - a value the check does not look into (strings, numbers, booleans,
 *   lists of them, maps of strings or quantities, IntOrString, times, raw
 *   extensions): any JSON is accepted there;
 * - an object of another shape;
 * - a list of objects of another shape;
 * - an inlined (embedded) type, whose fields are this type's own
 *   (VolumeSource in Volume, TypeMeta in every kind).
 * The tables are written by hand in shape_<group>.c from the Kubernetes
 * API reference of version 1.32 (k8s.io/api types), for the kinds people
 * write by hand; every kind of the table (kube/kinds.h) has one, the rest
 * declaring their top level only (their members are values).
 *
 * A value of the wrong JSON type where an object or list is declared is
 * not looked into (validation reports it).  Paths are written as
 * Kubernetes' strict decoder writes them: "spec.template.spec.containers[0]
 * .imagePullPolcy" (no leading dot, list indexes in brackets).
 */
#ifndef GT_KUBE_SHAPE_H
#define GT_KUBE_SHAPE_H

#include <jansson.h>
#include <stddef.h>

enum gt_kshape_form {
    GT_KSH_VALUE,  /* not looked into */
    GT_KSH_OBJECT, /* an object of shape */
    GT_KSH_LIST,   /* a list of objects of shape */
    GT_KSH_INLINE, /* shape's fields are this type's (name "") */
};

/* What a GT_KSH_VALUE holds, for the OpenAPI schemas (kubectl explain);
 * the unknown-field check does not use it. */
enum gt_kshape_type {
    GT_KT_ANY = 0,        /* not declared: any JSON */
    GT_KT_STRING,         /* string */
    GT_KT_INT32,          /* integer, int32 */
    GT_KT_INT64,          /* integer, int64 */
    GT_KT_BOOL,           /* boolean */
    GT_KT_NUMBER,         /* number, double */
    GT_KT_STRINGS,        /* []string */
    GT_KT_INT32S,         /* []int32 */
    GT_KT_MAP_STRING,     /* map[string]string */
    GT_KT_MAP_STRINGS,    /* map[string][]string */
    GT_KT_MAP_QUANTITY,   /* map[string]Quantity (ResourceList) */
    GT_KT_MAP_BYTES,      /* map[string][]byte (base64 strings) */
    GT_KT_QUANTITY,       /* resource.Quantity */
    GT_KT_TIME,           /* meta/v1 Time (RFC 3339) */
    GT_KT_MICROTIME,      /* meta/v1 MicroTime */
    GT_KT_DURATION,       /* meta/v1 Duration ("1h2m") */
    GT_KT_INT_OR_STRING,  /* intstr.IntOrString */
    GT_KT_BYTES,          /* []byte (a base64 string) */
    GT_KT_RAW,            /* an arbitrary object (RawExtension, FieldsV1) */
    GT_KT_INT64S,         /* []int64 */
    GT_KT_MAP_TIME,       /* map[string]Time */
};

struct gt_kshape;

struct gt_kshape_field {
    const char *name;
    enum gt_kshape_form form;
    const struct gt_kshape *shape;
    enum gt_kshape_type type; /* for GT_KSH_VALUE */
};

struct gt_kshape {
    const char *name;                     /* the API type: "Container" */
    const struct gt_kshape_field *fields; /* up to a NULL name */
};

/* The field name of shape s (inlined types included); NULL when unknown. */
const struct gt_kshape_field *gt_kshape_field(const struct gt_kshape *s, const char *name);

/* Appends the path of every unknown field of obj (an object of shape s)
 * to *paths (a NULL-terminated vector, created when needed), in the order
 * of the object's members, depth first.  Returns how many. */
size_t gt_kshape_unknown(const struct gt_kshape *s, const json_t *obj, char ***paths);

/* The shapes of the kinds (kube/kinds_*.c point at them). */
extern const struct gt_kshape gt_kshape_pod, gt_kshape_namespace,
    gt_kshape_configmap, gt_kshape_secret, gt_kshape_serviceaccount, gt_kshape_service,
    gt_kshape_endpoints, gt_kshape_pvc, gt_kshape_pv, gt_kshape_limitrange,
    gt_kshape_resourcequota, gt_kshape_node, gt_kshape_event, gt_kshape_replicationcontroller;
extern const struct gt_kshape gt_kshape_deployment, gt_kshape_replicaset,
    gt_kshape_statefulset, gt_kshape_daemonset, gt_kshape_controllerrevision;
extern const struct gt_kshape gt_kshape_job, gt_kshape_cronjob;
extern const struct gt_kshape gt_kshape_role, gt_kshape_clusterrole, gt_kshape_rolebinding,
    gt_kshape_clusterrolebinding;
extern const struct gt_kshape gt_kshape_ssar, gt_kshape_sar, gt_kshape_lsar, gt_kshape_ssrr,
    gt_kshape_tokenreview, gt_kshape_selfsubjectreview;
extern const struct gt_kshape gt_kshape_ingress, gt_kshape_networkpolicy, gt_kshape_hpa, gt_kshape_hpa_v1,
    gt_kshape_endpointslice, gt_kshape_storageclass, gt_kshape_lease, gt_kshape_pdb,
    gt_kshape_priorityclass;

#endif
