/* kube/admission_internal.h - helpers shared by the admission plugins
 * (not part of the module's contract). */
#ifndef GT_KUBE_ADMISSION_INTERNAL_H
#define GT_KUBE_ADMISSION_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "kube/admission.h"
#include "kube/quantity.h"

/* Resource lists are JSON objects {"cpu":"100m",...}.  A value that does
 * not parse reads as absent (validation of the kind reports it). */
bool gt_kres_get(const json_t *list, const char *key, struct gt_kq *out);
void gt_kres_set(json_t *list, const char *key, const struct gt_kq *q);
/* list[key] += q (absent counts as 0) */
void gt_kres_add(json_t *list, const char *key, const struct gt_kq *q);
/* Requests and limits of a pod spec as Kubernetes' resource helpers
 * compute them: per resource, max(sum over containers, max over init
 * containers).  New objects. */
json_t *gt_kres_pod_requests(const json_t *spec);
json_t *gt_kres_pod_limits(const json_t *spec);
/* Sorted member names of an object (a new NULL-terminated vector). */
char **gt_kres_sorted_keys(const json_t *obj);
/* utilerrors.NewAggregate(errs).Error(): "a", or "[a, b]"; NULL when the
 * array is empty.  New string. */
char *gt_kres_aggregate(const json_t *msgs);

static inline bool gt_kadm_is(const char *s, const char *want)
{
    return s && __builtin_strcmp(s, want) == 0;
}
static inline bool gt_kadm_core(const struct gt_kadm_attrs *a, const char *resource)
{
    return (!a->group || !*a->group) && gt_kadm_is(a->resource, resource);
}
static inline bool gt_kadm_main(const struct gt_kadm_attrs *a)
{
    return !a->subresource || !*a->subresource;
}

#endif
