/* base/json.h - jansson helpers whose errors name the field.
 *
 * The getters look up `key` in the object `obj` and check its type.  `path`
 * is the dotted location of `obj` in the document ("process.user", or "" at
 * the top), used in messages like
 *   "process.user.uid: expected an integer, got string".
 * They return 0 when the member is present and well-typed, 1 when it is
 * absent (or JSON null) and not required, and a negative code with err
 * filled otherwise.  Returned json_t and string pointers are borrowed from
 * obj unless stated. */
#ifndef GT_BASE_JSON_H
#define GT_BASE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

#define GT_JSON_OPTIONAL 0
#define GT_JSON_REQUIRED 1

static inline void gt_json_decrefp(json_t **j)
{
    if (*j)
        json_decref(*j);
}
#define cleanup_json __attribute__((cleanup(gt_json_decrefp)))

/* Parse a file; the message names the file, line and column. */
int gt_json_load_file(const char *path, json_t **out, struct gt_error *err);
/* Parse a buffer; `what` names it in the message ("config.json"). */
int gt_json_load_buf(const char *buf, size_t len, const char *what, json_t **out,
                     struct gt_error *err);
/* Serialise (compact) and write atomically (temporary file, fsync optional, rename). */
int gt_json_dump_file(const char *path, const json_t *j, bool durable, struct gt_error *err);

/* "integer", "string", ... for messages */
const char *gt_json_type_name(const json_t *j);

int gt_json_get_str(const json_t *obj, const char *key, const char *path, int required,
                    const char **out, struct gt_error *err);
int gt_json_get_int(const json_t *obj, const char *key, const char *path, int required,
                    int64_t *out, struct gt_error *err);
/* An integer within [min, max]. */
int gt_json_get_int_range(const json_t *obj, const char *key, const char *path, int required,
                          int64_t min, int64_t max, int64_t *out, struct gt_error *err);
int gt_json_get_uint64(const json_t *obj, const char *key, const char *path, int required,
                       uint64_t *out, struct gt_error *err);
int gt_json_get_bool(const json_t *obj, const char *key, const char *path, int required,
                     bool *out, struct gt_error *err);
int gt_json_get_obj(const json_t *obj, const char *key, const char *path, int required,
                    json_t **out, struct gt_error *err);
int gt_json_get_arr(const json_t *obj, const char *key, const char *path, int required,
                    json_t **out, struct gt_error *err);
/* An array of strings, copied into a new NULL-terminated vector that the
 * caller owns (gt_strv_free); absent gives *out = NULL and 1. */
int gt_json_get_strv(const json_t *obj, const char *key, const char *path, int required,
                     char ***out, struct gt_error *err);

/* Rejects members of obj whose names are not in the NULL-terminated list
 * `known`: "<path>: unknown field \"x\"". */
int gt_json_check_known(const json_t *obj, const char *path, const char *const *known,
                        struct gt_error *err);

#endif
