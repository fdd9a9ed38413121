/* kube/api/admission.h - the admission plugins of the API server (the
 * chains are in admission.c; see there for the order).  Each plugin gets
 * the request, the kind, the operation, the object (mutable for mutating
 * plugins) and the stored object on updates (NULL on create); it returns 0
 * or -1 with *st the Status to answer (403 Forbidden for a policy). */
#ifndef GT_KUBE_API_ADMISSION_H
#define GT_KUBE_API_ADMISSION_H

#include <jansson.h>
#include <stdbool.h>

#include "kube/api/internal.h"

bool kadm_is_pod(const struct gt_kind *k);
/* The namespace object (new reference), or NULL when it does not exist. */
json_t *kadm_namespace(struct gt_kapi *api, const char *name);

int kadm_limitranger_mutate(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                            json_t *obj, const json_t *old, json_t **st);
int kadm_limitranger_validate(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                              const json_t *obj, const json_t *old, json_t **st);
int kadm_podsecurity_validate(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                              const json_t *obj, const json_t *old, json_t **st);
int kadm_quota_validate(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                        const json_t *obj, const json_t *old, json_t **st);

#endif
