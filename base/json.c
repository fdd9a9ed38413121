#include "base/json.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"

const char *gt_json_type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: return "null";
    }
    return "unknown";
}

int gt_json_load_file(const char *path, json_t **out, struct gt_error *err)
{
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        if (je.line <= 0 && je.position == 0) {
            /* jansson does not keep errno; distinguish a missing file */
            if (access(path, R_OK) < 0)
                return gt_err_sys(err, errno, "open %s", path);
        }
        return gt_err(err, EINVAL, "parse %s: line %d column %d: %s", path, je.line, je.column,
                      je.text);
    }
    *out = j;
    return 0;
}

int gt_json_load_buf(const char *buf, size_t len, const char *what, json_t **out,
                     struct gt_error *err)
{
    json_error_t je;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return gt_err(err, EINVAL, "parse %s: line %d column %d: %s", what, je.line, je.column,
                      je.text);
    *out = j;
    return 0;
}

int gt_json_dump_file(const char *path, const json_t *j, bool durable, struct gt_error *err)
{
    cleanup_free char *s = json_dumps(j, JSON_COMPACT);
    if (!s)
        return gt_err(err, ENOMEM, "serialise %s", path);
    return gt_write_file_atomic(path, s, strlen(s), 0600, durable, err);
}

static int lookup(const json_t *obj, const char *key, const char *path, int required,
                  json_t **v, struct gt_error *err)
{
    if (!json_is_object(obj))
        return gt_err(err, EINVAL, "%s: expected an object, got %s", path[0] ? path : "(top)",
                      obj ? gt_json_type_name(obj) : "nothing");
    *v = json_object_get(obj, key);
    if (!*v || json_is_null(*v)) {
        if (required)
            return gt_err(err, EINVAL, "%s%s%s: required field is missing", path,
                          path[0] ? "." : "", key);
        return 1;
    }
    return 0;
}

static int wrong_type(const char *path, const char *key, const char *want, const json_t *got,
                      struct gt_error *err)
{
    return gt_err(err, EINVAL, "%s%s%s: expected %s, got %s", path, path[0] ? "." : "", key, want,
                  gt_json_type_name(got));
}

int gt_json_get_str(const json_t *obj, const char *key, const char *path, int required,
                    const char **out, struct gt_error *err)
{
    json_t *v;
    int r = lookup(obj, key, path, required, &v, err);
    if (r)
        return r;
    if (!json_is_string(v))
        return wrong_type(path, key, "a string", v, err);
    *out = json_string_value(v);
    return 0;
}

int gt_json_get_int(const json_t *obj, const char *key, const char *path, int required,
                    int64_t *out, struct gt_error *err)
{
    json_t *v;
    int r = lookup(obj, key, path, required, &v, err);
    if (r)
        return r;
    if (!json_is_integer(v))
        return wrong_type(path, key, "an integer", v, err);
    *out = json_integer_value(v);
    return 0;
}

int gt_json_get_int_range(const json_t *obj, const char *key, const char *path, int required,
                          int64_t min, int64_t max, int64_t *out, struct gt_error *err)
{
    int64_t v;
    int r = gt_json_get_int(obj, key, path, required, &v, err);
    if (r)
        return r;
    if (v < min || v > max)
        return gt_err(err, ERANGE, "%s%s%s: %" PRId64 " is out of range [%" PRId64 ", %" PRId64 "]",
                      path, path[0] ? "." : "", key, v, min, max);
    *out = v;
    return 0;
}

int gt_json_get_uint64(const json_t *obj, const char *key, const char *path, int required,
                       uint64_t *out, struct gt_error *err)
{
    json_t *v;
    int r = lookup(obj, key, path, required, &v, err);
    if (r)
        return r;
    /* jansson holds integers as long long; values above INT64_MAX arrive as reals */
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0)
            return gt_err(err, ERANGE, "%s%s%s: must not be negative", path, path[0] ? "." : "",
                          key);
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) <= 18446744073709551615.0) {
        *out = (uint64_t)json_real_value(v);
        return 0;
    }
    return wrong_type(path, key, "an unsigned integer", v, err);
}

int gt_json_get_bool(const json_t *obj, const char *key, const char *path, int required,
                     bool *out, struct gt_error *err)
{
    json_t *v;
    int r = lookup(obj, key, path, required, &v, err);
    if (r)
        return r;
    if (!json_is_boolean(v))
        return wrong_type(path, key, "a boolean", v, err);
    *out = json_is_true(v);
    return 0;
}

int gt_json_get_obj(const json_t *obj, const char *key, const char *path, int required,
                    json_t **out, struct gt_error *err)
{
    json_t *v;
    int r = lookup(obj, key, path, required, &v, err);
    if (r)
        return r;
    if (!json_is_object(v))
        return wrong_type(path, key, "an object", v, err);
    *out = v;
    return 0;
}

int gt_json_get_arr(const json_t *obj, const char *key, const char *path, int required,
                    json_t **out, struct gt_error *err)
{
    json_t *v;
    int r = lookup(obj, key, path, required, &v, err);
    if (r)
        return r;
    if (!json_is_array(v))
        return wrong_type(path, key, "an array", v, err);
    *out = v;
    return 0;
}

int gt_json_get_strv(const json_t *obj, const char *key, const char *path, int required,
                     char ***out, struct gt_error *err)
{
    json_t *arr;
    *out = NULL;
    int r = gt_json_get_arr(obj, key, path, required, &arr, err);
    if (r)
        return r;
    size_t n = json_array_size(arr);
    char **v = gt_xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_string(s)) {
            gt_strv_free(v);
            return gt_err(err, EINVAL, "%s%s%s[%zu]: expected a string, got %s", path,
                          path[0] ? "." : "", key, i, gt_json_type_name(s));
        }
        v[i] = gt_xstrdup(json_string_value(s));
    }
    *out = v;
    return 0;
}

int gt_json_check_known(const json_t *obj, const char *path, const char *const *known,
                        struct gt_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        const char *const *p;
        for (p = known; *p; p++)
            if (strcmp(*p, k) == 0)
                break;
        if (!*p)
            return gt_err(err, EINVAL, "%s: unknown field \"%s\"", path[0] ? path : "(top)", k);
    }
    return 0;
}
