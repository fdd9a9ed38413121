/* kube/openapi_docs_internal.h - how the description tables of
 * openapi_docs_<group>.c are written and joined (not part of the module's
 * contract; kube/openapi.h has gt_kopenapi_doc).
 *
 * An entry names an API type as its shape does (kube/shape_*.c: the
 * struct gt_kshape name, "Container"), and a field of it by its JSON name.
 * A field of an inlined type (IN(...) in a shape) is looked up under the
 * inlined type's name: Volume's "emptyDir" is { "VolumeSource",
 * "emptyDir" }.  type NULL: a field of that name in any type that has no
 * entry of its own; field NULL: the type itself.  Each table ends with an
 * entry whose text is NULL. */
#ifndef GT_KUBE_OPENAPI_DOCS_INTERNAL_H
#define GT_KUBE_OPENAPI_DOCS_INTERNAL_H

struct gt_kdoc {
    const char *type;
    const char *field;
    const char *text;
};

#define GT_KDOC_END { NULL, NULL, NULL }

/* the tables, by file */
extern const struct gt_kdoc gt_kdocs_meta[];        /* openapi_docs.c */
extern const struct gt_kdoc gt_kdocs_pod[];         /* openapi_docs_pod.c */
extern const struct gt_kdoc gt_kdocs_volume[];      /* openapi_docs_volume.c */
extern const struct gt_kdoc gt_kdocs_core[];        /* openapi_docs_core.c */
extern const struct gt_kdoc gt_kdocs_apps[];        /* openapi_docs_apps.c */
extern const struct gt_kdoc gt_kdocs_batch[];       /* openapi_docs_batch.c */
extern const struct gt_kdoc gt_kdocs_networking[];  /* openapi_docs_networking.c */
extern const struct gt_kdoc gt_kdocs_autoscaling[]; /* openapi_docs_autoscaling.c */
extern const struct gt_kdoc gt_kdocs_rbac[];        /* openapi_docs_rbac.c */
extern const struct gt_kdoc gt_kdocs_cluster[];     /* openapi_docs_cluster.c */

/* all of them, up to a NULL */
extern const struct gt_kdoc *const gt_kdoc_tables[];

#endif
