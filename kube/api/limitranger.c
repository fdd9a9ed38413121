/* LimitRanger admission (see admission.h). */
#include "kube/api/admission.h"

int kadm_limitranger_mutate(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                            json_t *obj, const json_t *old, json_t **st)
{
    return 0;
}

int kadm_limitranger_validate(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                              const json_t *obj, const json_t *old, json_t **st)
{
    return 0;
}
