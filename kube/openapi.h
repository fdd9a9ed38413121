/* kube/openapi.h - the OpenAPI documents of the API (what `kubectl
 * explain` reads, and what clients generate code from), built from the
 * kinds table (kube/kinds.h), the shapes of their fields (kube/shape.h)
 * and how their lists merge (kube/schema.h).
 *
 * Both flavours name their schemas as Kubernetes does
 * ("io.k8s.api.core.v1.Pod", "io.k8s.apimachinery.pkg.apis.meta.v1
 * .ObjectMeta"); a kind's schema carries x-kubernetes-group-version-kind,
 * lists carry the patch strategy and list type of kube/schema.h.  Field
 * types come from the shapes; descriptions, where written, from
 * kube/openapi_docs*.c ("<no description>" elsewhere, as kubectl says).
 *
 * The paths hold, per kind, the PATCH operation of its item path with
 * x-kubernetes-group-version-kind and the dryRun, fieldManager,
 * fieldValidation and force parameters: kubectl looks there to decide to
 * validate fields on the server.  The operation declares no request body:
 * kubectl then computes client-side apply patches from its own built-in
 * types, not from these schemas. */
#ifndef GT_KUBE_OPENAPI_H
#define GT_KUBE_OPENAPI_H

#include <jansson.h>

/* The OpenAPI 3.0 document of one group version (group "" is core), as
 * /openapi/v3/api/v1 serves it; NULL when no kind has that group version. */
json_t *gt_kopenapi_v3(const char *group, const char *version);

/* The Swagger 2.0 document of the whole API, as /openapi/v2 serves it. */
json_t *gt_kopenapi_v2(void);

/* doc (gt_kopenapi_v2()) as the protobuf message openapi_v2.Document of
 * gnostic, the form kubectl asks for; *len is its length.  Free it. */
void *gt_kopenapi_v2_proto(const json_t *doc, size_t *len);

/* The description of field of the API type type ("Container", "image"),
 * of the type itself when field is NULL, of a field of that name in any
 * type when type is NULL; NULL when none is written. */
const char *gt_kopenapi_doc(const char *type, const char *field);

#endif
