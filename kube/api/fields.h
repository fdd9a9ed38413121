/* kube/api/fields.h - unknown-field detection for fieldValidation.
 *
 * What is checked: the top-level members of each kind's object and every
 * member of metadata (ObjectMeta), against the fields the Kubernetes types
 * declare.  Deeper levels are not checked (the kinds table does not carry
 * complete schemas), so a misspelt field inside spec is accepted and
 * dropped nowhere: it is stored as sent.  Paths are reported as
 * Kubernetes' strict decoder does: "spec", "metadata.labelz". */
#ifndef GT_KUBE_API_FIELDS_H
#define GT_KUBE_API_FIELDS_H

#include <jansson.h>

#include "kube/kinds.h"

/* Appends the path of every unknown field of obj to *unknown (a
 * NULL-terminated vector, created when needed). Returns how many. */
size_t gt_kfields_unknown(const struct gt_kind *k, const json_t *obj, char ***unknown);

#endif
