/* kube/api/quota.h - ResourceQuota usage: what a namespace's objects use
 * of each quota'd resource, and the admission check against spec.hard.
 *
 * Resources counted: pods (not terminal), services, services.nodeports,
 * services.loadbalancers, configmaps, secrets, persistentvolumeclaims,
 * resourcequotas, count/<resource>[.<group>] for every kind; and for pods
 * requests.cpu / cpu, requests.memory / memory, limits.cpu, limits.memory
 * (summed over containers, init containers taken at their maximum). */
#ifndef GT_KUBE_API_QUOTA_H
#define GT_KUBE_API_QUOTA_H

#include <jansson.h>

#include "kube/api/internal.h"

/* The status a quota should have: {"hard": spec.hard, "used": {...}}
 * computed from the cache (new object). */
json_t *kquota_status(struct gt_kapi *api, const json_t *quota);

#endif
