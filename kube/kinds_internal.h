/* kube/kinds_internal.h - helpers shared by the kinds_<group>.c tables
 * (not part of the module's contract).
 *
 * Validation helpers report into a struct gt_kfe_list with paths built as
 * "<base>.<key>"; they read members of obj and return what they found so
 * that callers can go on checking. */
#ifndef GT_KUBE_KINDS_INTERNAL_H
#define GT_KUBE_KINDS_INTERNAL_H

#include "kube/kinds.h"
#include "kube/obj.h"

/* ---- kinds, by file ---- */
extern const struct gt_kind gt_kind_namespace, gt_kind_pod, gt_kind_node, gt_kind_event,
    gt_kind_configmap, gt_kind_secret, gt_kind_serviceaccount;
extern const struct gt_kind gt_kind_service, gt_kind_endpoints, gt_kind_replicationcontroller;
extern const struct gt_kind gt_kind_pv, gt_kind_pvc, gt_kind_resourcequota, gt_kind_limitrange;
extern const struct gt_kind gt_kind_deployment, gt_kind_replicaset, gt_kind_statefulset,
    gt_kind_daemonset, gt_kind_controllerrevision;
extern const struct gt_kind gt_kind_job, gt_kind_cronjob;
extern const struct gt_kind gt_kind_hpa, gt_kind_hpa_v1;
extern const struct gt_kind gt_kind_networkpolicy, gt_kind_ingress;
extern const struct gt_kind gt_kind_role, gt_kind_clusterrole, gt_kind_rolebinding,
    gt_kind_clusterrolebinding;
extern const struct gt_kind gt_kind_storageclass;
extern const struct gt_kind gt_kind_pdb, gt_kind_priorityclass;
extern const struct gt_kind gt_kind_lease;
extern const struct gt_kind gt_kind_endpointslice;
extern const struct gt_kind gt_kind_ssar, gt_kind_sar, gt_kind_tokenreview, gt_kind_lsar,
    gt_kind_ssrr, gt_kind_selfsubjectreview;

/* ---- pod specs (kinds_pod.c), shared by every workload ---- */
extern const struct gt_ktype gt_ktype_pod_spec, gt_ktype_pod_template;
/* defaults of a PodSpec (templates included) */
void gt_kpod_default_spec(json_t *spec);
/* defaults of a PodTemplateSpec (its spec) */
void gt_kpod_default_template(json_t *tmpl);
/* restart: the restartPolicy values allowed (NULL: all three) */
void gt_kpod_validate_spec(struct gt_kfe_list *e, const char *path, const json_t *spec,
                           const char *const *restart);
/* template at path (".metadata.labels" must be valid, spec as above);
 * required: report a missing template */
void gt_kpod_validate_template(struct gt_kfe_list *e, const char *path, const json_t *tmpl,
                               const char *const *restart);
/* "nginx,sidecar" and "nginx:1.27,busybox" cells of a pod spec */
void gt_kpod_container_cells(json_t *cells, const json_t *spec);

/* ---- paths ---- */
char *gt_kp_join(const char *base, const char *key); /* "base.key" (no dot when base is "") */
char *gt_kp_index(const char *base, size_t i);       /* "base[i]" */
char *gt_kp_key(const char *base, const char *key);  /* "base[key]" */

/* ---- validation helpers ---- */
/* A string member: Required when required and absent/empty, Invalid when
 * not a string. Returns the value, or NULL. */
const char *gt_kv_str(struct gt_kfe_list *e, const char *base, const json_t *obj, const char *key,
                      bool required);
/* A string member with one of allowed values (Unsupported value otherwise). */
const char *gt_kv_enum(struct gt_kfe_list *e, const char *base, const json_t *obj,
                       const char *key, const char *const *allowed, bool required);
/* An integer member within [min, max]; fallback when absent. Messages as
 * Kubernetes: "must be greater than or equal to 0", "must be between 1 and
 * 65535, inclusive". */
int64_t gt_kv_int(struct gt_kfe_list *e, const char *base, const json_t *obj, const char *key,
                  int64_t min, int64_t max, bool required, int64_t fallback);
/* An object/array member (Invalid if another type); NULL when absent. */
const json_t *gt_kv_obj(struct gt_kfe_list *e, const char *base, const json_t *obj,
                        const char *key, bool required);
const json_t *gt_kv_arr(struct gt_kfe_list *e, const char *base, const json_t *obj,
                        const char *key, bool required);
/* A bool member (Invalid if another type). */
void gt_kv_bool(struct gt_kfe_list *e, const char *base, const json_t *obj, const char *key);
/* A map of quantities (resources.limits, capacity, hard): each value must
 * parse; returns the map. */
const json_t *gt_kv_quantities(struct gt_kfe_list *e, const char *base, const json_t *obj,
                               const char *key);
/* IntOrString that is a port: 1-65535 or an IANA service name. */
void gt_kv_int_or_port_name(struct gt_kfe_list *e, const char *path, const json_t *v,
                            bool required);
/* IntOrString that is a non-negative count or a percentage ("25%"). */
void gt_kv_int_or_percent(struct gt_kfe_list *e, const char *path, const json_t *v);
/* IANA_SVC_NAME: a port name (at most 15 characters, a letter, no "--"). */
void gt_kv_port_name(struct gt_kfe_list *e, const char *path, const char *name);
/* A metav1.LabelSelector object at path. */
void gt_kv_label_selector(struct gt_kfe_list *e, const char *path, const json_t *sel);
/* A workload's selector (at selpath) against its pod template (at
 * tmplpath): valid, matching the template's labels, and not empty when
 * kind_word is given ("empty selector is invalid for deployment"). */
void gt_kv_template_selector(struct gt_kfe_list *e, const char *selpath, const json_t *sel,
                             const char *tmplpath, const json_t *tmpl, const char *kind_word);
/* An IP address (v4 or v6). */
bool gt_kv_is_ip(const char *s);
bool gt_kv_is_cidr(const char *s);
/* Reports path Invalid "field is immutable" when the two values differ. */
void gt_kv_immutable(struct gt_kfe_list *e, const char *path, const json_t *now,
                     const json_t *old);
/* Config map / secret keys. */
void gt_kv_config_key(struct gt_kfe_list *e, const char *path, const char *key);

/* ---- defaulting helpers ---- */
void gt_kd_str(json_t *obj, const char *path, const char *value);
void gt_kd_int(json_t *obj, const char *path, int64_t value);
void gt_kd_bool(json_t *obj, const char *path, bool value);
/* Each element of the array at path gets key=value when it lacks key. */
void gt_kd_each_str(json_t *obj, const char *path, const char *key, const char *value);

/* ---- table cells ---- */
void gt_kc_str(json_t *cells, const char *s);
void gt_kc_int(json_t *cells, int64_t v);
void gt_kc_bool(json_t *cells, bool v);
void gt_kc_fmt(json_t *cells, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* the object's name, and its age from creationTimestamp */
void gt_kc_name(json_t *cells, const json_t *obj);
void gt_kc_age(json_t *cells, const json_t *obj, int64_t now);
/* age of an arbitrary RFC 3339 time field */
void gt_kc_age_of(json_t *cells, const char *rfc3339, int64_t now);
/* FormatLabelSelector of the member at path */
void gt_kc_selector(json_t *cells, const json_t *obj, const char *path);
/* The condition of type in the conditions array at path: its status
 * ("True"), or NULL. */
const char *gt_kc_condition(const json_t *obj, const char *path, const char *type);

/* Column definitions used by many kinds. */
#define GT_KCOL_NAME { "Name", "string", "name", "Name must be unique within a namespace.", 0 }
#define GT_KCOL_AGE \
    { "Age", "string", "", "Time since the object was created (CreationTimestamp).", 0 }
#define GT_KCOL_CONTAINERS \
    { "Containers", "string", "", "Names of each container in the template.", 1 }
#define GT_KCOL_IMAGES \
    { "Images", "string", "", "Images referenced by each container in the template.", 1 }
#define GT_KCOL_SELECTOR \
    { "Selector", "string", "", "Label query over the pods this object selects.", 1 }

/* Common verb sets and subresources. */
#define GT_KSUB_STATUS { "status", NULL, NULL, NULL, GT_KVERBS_GPU }
#define GT_KSUB_SCALE { "scale", "autoscaling", "v1", "Scale", GT_KVERBS_GPU }

extern const char *const gt_kcat_all[];
/* a kind with just metadata to merge-describe, and the status subresource alone */
extern const struct gt_ktype gt_ktype_plain;
extern const struct gt_ksubresource gt_ksubs_status[];
/* qsort comparator of C strings (char **) */
int gt_kstrcmp(const void *a, const void *b);

#endif
