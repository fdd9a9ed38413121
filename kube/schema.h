/* kube/schema.h - how the fields of an object merge: the facts that
 * strategic merge patch (patchStrategy, patchMergeKey) and server-side
 * apply (x-kubernetes-list-type, -list-map-keys, -map-type) need, written
 * as static tables by kube/kinds and read by kube/patch.
 *
 * A struct gt_ktype describes a value.  Only what differs from the default
 * has to be written down; the defaults are those of an untyped JSON merge:
 * - an object without a type is a struct of unknown fields, merged field by
 *   field (granular);
 * - an array without a type is atomic: replaced as a whole by a patch and
 *   owned as a whole by an apply manager;
 * - anything else is a scalar.
 * A LIST type says how its elements merge:
 * - list GT_KLIST_MAP: elements are objects identified by keys[] (SSA's
 *   list-map-keys); keys[0] is strategic merge patch's patchMergeKey.
 *   key_defaults[i] is assumed when an element lacks keys[i] (ports default
 *   their protocol to "TCP");
 * - list GT_KLIST_SET: a set of scalars;
 * - smp_merge: strategic merge patch merges the list (patchStrategy
 *   "merge") instead of replacing it; a few lists differ between the two
 *   worlds (JobStatus.conditions merges in SMP and is atomic for SSA).
 * A STRUCT or MAP type may be atomic (LabelSelector, nodeSelector): owned
 * and replaced as a whole by server-side apply.
 * A field may carry patchStrategy retainKeys (DeploymentSpec.strategy),
 * used when a strategic merge patch is computed.
 */
#ifndef GT_KUBE_SCHEMA_H
#define GT_KUBE_SCHEMA_H

#include <stdbool.h>

enum gt_ktype_kind { GT_KT_SCALAR, GT_KT_STRUCT, GT_KT_MAP, GT_KT_LIST };
enum gt_klist { GT_KLIST_ATOMIC, GT_KLIST_SET, GT_KLIST_MAP };

#define GT_KF_RETAIN_KEYS 0x1u

struct gt_ktype;

struct gt_kfield {
    const char *name;
    const struct gt_ktype *type;
    unsigned flags;
};

struct gt_ktype {
    enum gt_ktype_kind kind;
    const struct gt_kfield *fields; /* STRUCT: up to a NULL name; unknown fields are untyped */
    const struct gt_ktype *elem;    /* MAP values, LIST elements; NULL: untyped */
    enum gt_klist list;
    bool smp_merge;
    bool atomic;
    const char *keys[3];
    const char *key_defaults[3];
};

/* The type of member name of a value of type t (NULL: untyped), and the
 * field's flags (may be NULL). t may be NULL. */
const struct gt_ktype *gt_ktype_member(const struct gt_ktype *t, const char *name,
                                       unsigned *flags);
/* The element type of a list or map type, NULL otherwise. */
const struct gt_ktype *gt_ktype_elem(const struct gt_ktype *t);
/* Is t a list whose elements strategic merge patch merges / SSA keys. */
bool gt_ktype_smp_merges(const struct gt_ktype *t);
bool gt_ktype_is_atomic(const struct gt_ktype *t); /* untyped arrays included: see is_list */

/* Common types. */
extern const struct gt_ktype gt_ktype_label_selector; /* atomic struct */
extern const struct gt_ktype gt_ktype_atomic_map;     /* atomic map */
extern const struct gt_ktype gt_ktype_map;            /* granular map (labels, data) */
extern const struct gt_ktype gt_ktype_string_set;     /* set of scalars, merged by SMP */
extern const struct gt_ktype gt_ktype_object_meta;
/* conditions lists keyed by "type" (merged by SMP, map for SSA) */
extern const struct gt_ktype gt_ktype_conditions;

/* Helpers to write the tables. */
#define GT_KSTRUCT(...) \
    { .kind = GT_KT_STRUCT, .fields = (const struct gt_kfield[]){ __VA_ARGS__, { 0 } } }
#define GT_KLIST_BY(elemtype, ...) \
    { .kind = GT_KT_LIST, .elem = (elemtype), .list = GT_KLIST_MAP, .smp_merge = true, \
      .keys = { __VA_ARGS__ } }

#endif
