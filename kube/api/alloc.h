/* kube/api/alloc.h - what the server allocates for Services: a cluster IP
 * from the service CIDR (10.43.0.0/16, as k3s; 10.43.0.1 is the
 * "kubernetes" service) and node ports from 30000-32767.
 *
 * Each allocation is a key of its own in the store, created only if
 * absent, so that two servers or two concurrent creates never hand out the
 * same address:
 *   /registry/ranges/serviceips/<ip>      value: {"service":"ns/name"}
 *   /registry/ranges/servicenodeports/<port>
 * A Service that asks for a particular clusterIP or nodePort gets it if it
 * is free (422 Invalid otherwise).  Allocations go back when the service is
 * deleted, when its create fails, and, for any left over, in the repair
 * pass of the control loops (kube/api/ctrl.c). */
#ifndef GT_KUBE_API_ALLOC_H
#define GT_KUBE_API_ALLOC_H

#include <jansson.h>

#include "kube/api/internal.h"

#define GT_KALLOC_IPS_PREFIX "/registry/ranges/serviceips/"
#define GT_KALLOC_PORTS_PREFIX "/registry/ranges/servicenodeports/"
#define GT_KALLOC_KUBERNETES_IP "10.43.0.1"

/* Fills spec.clusterIP/clusterIPs and the node ports of a new Service
 * (obj), reserving them.  0, or -1 with *st (422 for a taken or invalid
 * address, 500 when the range is full). */
int gt_kalloc_service_create(struct gt_kapi *api, json_t *obj, json_t **st);
/* On update: keeps the old clusterIP (immutable), allocates node ports for
 * new NodePort ports and frees those no longer used. */
int gt_kalloc_service_update(struct gt_kapi *api, json_t *obj, const json_t *old, json_t **st);
/* Gives back everything svc holds (after a delete or a failed create). */
void gt_kalloc_service_release(struct gt_kapi *api, const json_t *svc);
/* Frees allocations whose service is gone (the repair pass). */
void gt_kalloc_repair(struct gt_kapi *api);
/* Drops the repair pass's memory (at shutdown). */
void gt_kalloc_repair_release(void);

#endif
