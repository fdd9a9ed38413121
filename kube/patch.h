/* kube/patch.h - the four ways clients change Kubernetes objects:
 * JSON Patch (RFC 6902), JSON merge patch (RFC 7386), strategic merge
 * patch, and server-side apply with managedFields.
 *
 * Common contract: inputs are never modified; the result is a new object
 * (*out, caller owns) and *out is left alone on failure.  Errors:
 * - -EBADMSG: the patch itself is malformed (not a list of operations, a
 *   bad JSON pointer, an unknown op or $patch directive, a $setElementOrder
 *   list that contradicts its patch list, ...): a 400 Bad Request;
 * - -EINVAL: a well-formed patch that cannot be applied to this document
 *   (path not found, test failed, list element without its merge key): a
 *   422 Unprocessable Entity (JSON Patch) or 400 (strategic merge);
 * - -EBUSY: server-side apply conflicts (see gt_kssa_apply).
 * Messages name the operation and path ("op 2 (replace): path
 * \"/spec/x\": not found").  Depth and size are bounded only by the input,
 * which the caller has already bounded (request body limit); no recursion
 * deeper than the JSON itself.
 *
 * Strategic merge patch follows apimachinery's strategicpatch: maps merge
 * key by key (null deletes); lists whose schema type merges (kube/schema.h:
 * containers, env, volumes by name, ports by containerPort, ...) merge
 * element by element on the patchMergeKey, lists of scalars with a merge
 * strategy are unions, every other list is replaced.  Directives:
 *   {"$patch":"replace"} and {"$patch":"delete"} in maps and as list
 *   elements, "$setElementOrder/<list>", "$deleteFromPrimitiveList/<list>",
 *   "$retainKeys".  Fields the schema does not know merge as in a JSON
 *   merge patch.  Element order: $setElementOrder first, then the patch's
 *   order, server-only elements kept near their old neighbours.
 */
#ifndef GT_KUBE_PATCH_H
#define GT_KUBE_PATCH_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "kube/schema.h"

/* RFC 6902: patch must be an array of operations (add, remove, replace,
 * move, copy, test); applied in order, all or nothing. */
int gt_kpatch_json(const json_t *doc, const json_t *patch, json_t **out, struct gt_error *err);

/* RFC 7386 (application/merge-patch+json). Never fails on a valid JSON
 * patch; a non-object patch replaces the document. */
int gt_kpatch_merge(const json_t *doc, const json_t *patch, json_t **out, struct gt_error *err);

/* Strategic merge patch (application/strategic-merge-patch+json).
 * schema: the kind's type (NULL: no merge keys anywhere). patch must be an
 * object. */
int gt_kpatch_strategic(const json_t *doc, const json_t *patch, const struct gt_ktype *schema,
                        json_t **out, struct gt_error *err);

/* ---- server-side apply ----
 *
 * managedFields record which manager owns which fields, in the fieldsV1
 * format ({"f:spec":{"f:replicas":{}},"f:containers":{"k:{\"name\":\"x\"}":
 * {".":{},"f:image":{}}}}), one entry per manager and operation
 * (Apply, or Update with its apiVersion), sorted Apply first, then by time
 * and name.  A field belongs to the set when it is a scalar or an atomic
 * value, a list element (k:{keys} for keyed lists, v:value for sets), or an
 * empty object or null.
 * Fields that no manager owns: apiVersion, kind, metadata.name,
 * .namespace, .uid, .resourceVersion, .generation, .creationTimestamp,
 * .selfLink, .managedFields; and status, when the kind has a status
 * subresource and the write is not to it (a write to the status
 * subresource owns only status).
 *
 * Where we differ from Kubernetes (documented so callers are not
 * surprised): fields a create sets are all recorded as changed, so a
 * struct that Go would have held as an empty value is owned as a whole
 * when it arrives empty (maps such as labels and data are owned as maps,
 * as there); a keyed list element that lacks a key field takes the
 * schema's default (protocol "TCP") or, without one, is identified by its
 * whole value ("v:{...}") instead of being refused.
 */
struct gt_kssa_opts {
    const struct gt_ktype *schema; /* the kind's type */
    const char *manager;           /* fieldManager (required) */
    const char *api_version;       /* "apps/v1" */
    const char *subresource;       /* NULL, or "status" */
    bool status_subresource;       /* the kind has a status subresource */
    const char *now;               /* RFC 3339, the entries' time */
    bool force;                    /* take over conflicting fields */
};

/* Merges the applied configuration into live (NULL when the object does
 * not exist yet) and returns the new object, its managedFields updated:
 * the manager now owns exactly the applied fields; fields it applied last
 * time and dropped now are removed from the object unless another manager
 * owns them.  When other managers own fields whose values the apply
 * changes, and force is false: -EBUSY and *conflict is the 409 Status to
 * send ("Apply failed with 1 conflict: conflict with \"kubectl\" using
 * apps/v1 at ...: .spec.replicas", one FieldManagerConflict cause per
 * field). With force, those fields move to the manager.
 * -EBADMSG when applied is not an object or carries managedFields. */
int gt_kssa_apply(const json_t *live, const json_t *applied, const struct gt_kssa_opts *o,
                  json_t **out, json_t **conflict, struct gt_error *err);

/* Every other write (create, update, patch; old is NULL on create):
 * updates obj's metadata.managedFields in place so that the manager owns
 * (operation Update) every field this write added or changed, other
 * managers lose those, and removed fields leave every set.  managedFields
 * that the client sent and that differ from old's replace old's as the
 * starting point (kubectl edit may rewrite them); [] clears them. */
int gt_kssa_update(const json_t *old, json_t *obj, const struct gt_kssa_opts *o,
                   struct gt_error *err);

/* The field set of obj as fieldsV1 (new object), with the ownership
 * exclusions above; exposed for tests and for debugging tools. */
json_t *gt_kssa_fieldset(const json_t *obj, const struct gt_kssa_opts *o);

#endif
