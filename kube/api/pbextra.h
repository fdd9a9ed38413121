/* kube/api/pbextra.h - protobuf bodies that kube/proto does not decode
 * but that kubectl sends to subresources: authentication.k8s.io/v1
 * TokenRequest (kubectl create token) and policy/v1 Eviction (kubectl
 * drain).  Same envelope ("k8s\0" + runtime.Unknown), same JSON result as
 * kube/proto's gt_kproto_decode(); only the fields the server reads are
 * decoded (TokenRequest: metadata.name/namespace, spec.audiences,
 * spec.expirationSeconds, spec.boundObjectRef; Eviction: metadata
 * name/namespace, deleteOptions gracePeriodSeconds, preconditions,
 * propagationPolicy, dryRun).  -ENOTSUP for another kind, -EPROTO for
 * malformed input (every length is checked). */
#ifndef GT_KUBE_API_PBEXTRA_H
#define GT_KUBE_API_PBEXTRA_H

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"

int gt_kpbx_decode(const void *buf, size_t len, json_t **out, struct gt_error *err);

#endif
