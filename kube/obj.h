/* kube/obj.h - reading and writing fields of Kubernetes objects held as
 * jansson JSON, by dotted paths ("spec.template.spec").
 *
 * Contract:
 * - Paths are member names separated by '.'; a member name cannot contain
 *   '.' here (label keys and other map keys are looked up with
 *   json_object_get() on the map itself).
 * - Getters never fail: a missing member, a member of the wrong type or a
 *   non-object on the way gives NULL (gt_kobj_get), the fallback
 *   (gt_kobj_str, gt_kobj_int, gt_kobj_bool) or 0 (gt_kobj_len).  Returned
 *   pointers are borrowed from obj.
 * - Setters create the objects on the way (replacing non-objects there) and
 *   take a reference of their own where they store a json_t: the caller
 *   keeps its reference.  They never fail except on allocation (abort).
 */
#ifndef GT_KUBE_OBJ_H
#define GT_KUBE_OBJ_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

json_t *gt_kobj_get(const json_t *obj, const char *path);
/* The member as an object/array (NULL otherwise). */
json_t *gt_kobj_obj(const json_t *obj, const char *path);
json_t *gt_kobj_arr(const json_t *obj, const char *path);
const char *gt_kobj_str(const json_t *obj, const char *path, const char *fallback);
int64_t gt_kobj_int(const json_t *obj, const char *path, int64_t fallback);
bool gt_kobj_bool(const json_t *obj, const char *path, bool fallback);
/* Number of members of an object or elements of an array; 0 otherwise. */
size_t gt_kobj_len(const json_t *obj, const char *path);
bool gt_kobj_has(const json_t *obj, const char *path);

/* The object at path, created (as {}) if absent or not an object. */
json_t *gt_kobj_ensure(json_t *obj, const char *path);
/* Stores value at path (a new reference is taken). */
void gt_kobj_set(json_t *obj, const char *path, json_t *value);
/* Like gt_kobj_set but steals the caller's reference. */
void gt_kobj_set_new(json_t *obj, const char *path, json_t *value);
/* Sets path only if it is absent or null (defaulting); steals value.
 * Returns true when it set the value. */
bool gt_kobj_default(json_t *obj, const char *path, json_t *value);
void gt_kobj_del(json_t *obj, const char *path);

/* The usual metadata accessors ("" when absent). */
const char *gt_kobj_name(const json_t *obj);
const char *gt_kobj_namespace(const json_t *obj);
const char *gt_kobj_uid(const json_t *obj);

#endif
