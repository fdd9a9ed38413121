/* oci/features.h - `features`: what this runtime supports, in the shape of
 * the runtime spec's features document (features.md). */
#ifndef GT_OCI_FEATURES_H
#define GT_OCI_FEATURES_H

#include <jansson.h>

#define GT_RUNTIME_VERSION "0.1.0"

/* New reference. */
json_t *gt_runtime_features(void);

#endif
