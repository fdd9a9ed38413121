/* kube/fielderr.h - Kubernetes-style field errors, the ones validation
 * returns and the API server turns into a 422 Invalid Status.
 *
 * An error has a type (Required value, Invalid value, Unsupported value,
 * Duplicate value, Forbidden, Too long, ...), a field path in the API's
 * notation ("spec.template.spec.containers[0].image",
 * "metadata.labels[app]"), an optional bad value and a detail.  The text
 * forms follow apimachinery's field.Error:
 *   gt_kfe_body():   "Invalid value: \"A_B\": a lowercase RFC 1123 ..."
 *   gt_kfe_string(): "spec.containers[0].name: Invalid value: \"A_B\": ..."
 * and gt_kfe_status() builds the whole Status object:
 *   {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
 *    "message":"Pod \"x\" is invalid: spec.containers[0].image: Required value",
 *    "reason":"Invalid","details":{"name":"x","group":"","kind":"Pod",
 *    "causes":[{"reason":"FieldValueRequired","message":"Required value",
 *    "field":"spec.containers[0].image"}]},"code":422}
 *
 * Lists grow without bound checks (allocation failure aborts: validation
 * input is already bounded by the request size).  A struct gt_kpath builds
 * paths incrementally: push a child, an index or a key, pop back.
 */
#ifndef GT_KUBE_FIELDERR_H
#define GT_KUBE_FIELDERR_H

#include <jansson.h>
#include <stddef.h>

enum gt_kfe_type {
    GT_KFE_NOT_FOUND,
    GT_KFE_REQUIRED,
    GT_KFE_DUPLICATE,
    GT_KFE_INVALID,
    GT_KFE_NOT_SUPPORTED,
    GT_KFE_FORBIDDEN,
    GT_KFE_TOO_LONG,
    GT_KFE_TOO_MANY,
    GT_KFE_INTERNAL,
    GT_KFE_TYPE_INVALID,
};

struct gt_kfe {
    enum gt_kfe_type type;
    char *field;   /* "spec.containers[0].image" */
    json_t *value; /* the bad value (owned), or NULL when not shown */
    char *detail;  /* may be "" */
};

struct gt_kfe_list {
    struct gt_kfe *v;
    size_t n, cap;
};

void gt_kfe_list_init(struct gt_kfe_list *l);
void gt_kfe_list_release(struct gt_kfe_list *l);

/* Appends an error; value is borrowed (a copy is kept), may be NULL. */
void gt_kfe_add(struct gt_kfe_list *l, enum gt_kfe_type type, const char *field,
                const json_t *value, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Shorthands for the usual kinds. */
void gt_kfe_required(struct gt_kfe_list *l, const char *field, const char *detail);
void gt_kfe_forbidden(struct gt_kfe_list *l, const char *field, const char *detail);
void gt_kfe_invalid(struct gt_kfe_list *l, const char *field, const json_t *value,
                    const char *detail);
void gt_kfe_invalid_str(struct gt_kfe_list *l, const char *field, const char *value,
                        const char *detail);
void gt_kfe_invalid_int(struct gt_kfe_list *l, const char *field, long long value,
                        const char *detail);
void gt_kfe_duplicate(struct gt_kfe_list *l, const char *field, const json_t *value);
/* supported: NULL-terminated; the detail lists them quoted, as Kubernetes does. */
void gt_kfe_not_supported(struct gt_kfe_list *l, const char *field, const json_t *value,
                          const char *const *supported);
void gt_kfe_too_long(struct gt_kfe_list *l, const char *field, size_t max);

/* "FieldValueRequired", ... (the Status cause reason) */
const char *gt_kfe_reason(enum gt_kfe_type type);
/* "Required value", ... */
const char *gt_kfe_type_text(enum gt_kfe_type type);
/* New strings, caller frees. */
char *gt_kfe_body(const struct gt_kfe *e);
char *gt_kfe_string(const struct gt_kfe *e);
/* "a: x" for one error, "[a: x, b: y]" for several (apimachinery's aggregate). */
char *gt_kfe_list_string(const struct gt_kfe_list *l);

/* The 422 Status for an invalid object.  group "" for core; kind "Pod". */
json_t *gt_kfe_status(const struct gt_kfe_list *l, const char *group, const char *kind,
                      const char *name);

/* Field paths. */
struct gt_kpath {
    char *buf;
    size_t len, cap;
};
void gt_kpath_init(struct gt_kpath *p, const char *root);
void gt_kpath_release(struct gt_kpath *p);
/* Each returns the previous length, to give back to gt_kpath_pop(). */
size_t gt_kpath_child(struct gt_kpath *p, const char *name); /* ".name" (no dot at the root) */
size_t gt_kpath_index(struct gt_kpath *p, size_t i);         /* "[3]" */
size_t gt_kpath_key(struct gt_kpath *p, const char *key);    /* "[key]" */
void gt_kpath_pop(struct gt_kpath *p, size_t len);
static inline const char *gt_kpath_str(const struct gt_kpath *p)
{
    return p->buf;
}

#endif
