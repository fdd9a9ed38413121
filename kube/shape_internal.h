/* kube/shape_internal.h - how the shape_<group>.c tables are written (not
 * part of the module's contract).
 *
 *   SHAPE(Container, V("name"), V("image"), L("ports", ContainerPort), ...);
 *
 * defines the static shape ksh_Container, named "Container"; XSHAPE(id,
 * Type, ...) defines the exported gt_kshape_<id> of the API type Type.
 * A field is V(name) for a value, O(name, Type) for an object, L(name,
 * Type) for a list of objects, IN(Type) for an inlined type.  Shapes are
 * defined before they are used (the API has no recursive types here). */
#ifndef GT_KUBE_SHAPE_INTERNAL_H
#define GT_KUBE_SHAPE_INTERNAL_H

#include "kube/shape.h"

#define V(n) { n, GT_KSH_VALUE, NULL, GT_KT_ANY }
#define O(n, t) { n, GT_KSH_OBJECT, &ksh_##t, GT_KT_ANY }
#define L(n, t) { n, GT_KSH_LIST, &ksh_##t, GT_KT_ANY }
#define IN(t) { "", GT_KSH_INLINE, &ksh_##t, GT_KT_ANY }
/* values of a declared type (enum gt_kshape_type) */
#define VT_(n, t) { n, GT_KSH_VALUE, NULL, GT_KT_##t }
#define VS(n) VT_(n, STRING)
#define VI(n) VT_(n, INT32)
#define VL(n) VT_(n, INT64)
#define VB(n) VT_(n, BOOL)
#define VF(n) VT_(n, NUMBER)
#define VSL(n) VT_(n, STRINGS)
#define VIL(n) VT_(n, INT32S)
#define VMS(n) VT_(n, MAP_STRING)
#define VMSL(n) VT_(n, MAP_STRINGS)
#define VMQ(n) VT_(n, MAP_QUANTITY)
#define VMB(n) VT_(n, MAP_BYTES)
#define VQ(n) VT_(n, QUANTITY)
#define VTM(n) VT_(n, TIME)
#define VMT(n) VT_(n, MICROTIME)
#define VD(n) VT_(n, DURATION)
#define VIS(n) VT_(n, INT_OR_STRING)
#define VBY(n) VT_(n, BYTES)
#define VRAW(n) VT_(n, RAW)
#define VLL(n) VT_(n, INT64S)
#define VMTM(n) VT_(n, MAP_TIME)

#define SHAPE_FIELDS(...) (const struct gt_kshape_field[]){ __VA_ARGS__, { NULL, 0, NULL, GT_KT_ANY } }
#define SHAPE(t, ...) static const struct gt_kshape ksh_##t = { #t, SHAPE_FIELDS(__VA_ARGS__) }
/* a shape whose API type has the name of another here (versions) */
#define SHAPE_AS(id, name, ...) \
    static const struct gt_kshape ksh_##id = { name, SHAPE_FIELDS(__VA_ARGS__) }
/* a shape other files use */
#define SHAPE_SHARED(t, ...) const struct gt_kshape ksh_##t = { #t, SHAPE_FIELDS(__VA_ARGS__) }
/* the shape of a kind: TypeMeta, metadata, then the kind's own fields */
#define XSHAPE(id, t, ...) \
    const struct gt_kshape gt_kshape_##id = { #t, SHAPE_FIELDS(IN(TypeMeta), \
                                                              O("metadata", ObjectMeta), \
                                                              __VA_ARGS__) }

/* Shared shapes (shape.c: meta/v1; shape_pod.c: core/v1 pod specs). */
extern const struct gt_kshape ksh_TypeMeta, ksh_ObjectMeta, ksh_LabelSelector, ksh_Condition;
extern const struct gt_kshape ksh_PodSpec, ksh_PodTemplateSpec, ksh_ObjectReference,
    ksh_LocalObjectReference, ksh_TypedLocalObjectReference, ksh_PersistentVolumeClaimSpec,
    ksh_PersistentVolumeClaimStatus, ksh_NodeSelector, ksh_TopologySelectorTerm;

#endif
