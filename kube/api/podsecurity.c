/* PodSecurity admission (see admission.h). */
#include "kube/api/admission.h"

int kadm_podsecurity_validate(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                              const json_t *obj, const json_t *old, json_t **st)
{
    return 0;
}
