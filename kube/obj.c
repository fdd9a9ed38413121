#include "kube/obj.h"

#include <string.h>

/* Walks to the last segment: returns the parent object and sets *last to
 * the last member name (length *lastlen).  create: make objects on the way. */
static json_t *walk(const json_t *obj, const char *path, bool create, const char **last,
                    size_t *lastlen)
{
    json_t *cur = (json_t *)obj;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        if (!dot) {
            *last = p;
            *lastlen = strlen(p);
            return json_is_object(cur) ? cur : NULL;
        }
        if (!json_is_object(cur))
            return NULL;
        json_t *next = json_object_getn(cur, p, (size_t)(dot - p));
        if (!json_is_object(next)) {
            if (!create)
                return NULL;
            next = json_object();
            json_object_setn_new(cur, p, (size_t)(dot - p), next);
        }
        cur = next;
        p = dot + 1;
    }
}

json_t *gt_kobj_get(const json_t *obj, const char *path)
{
    const char *last;
    size_t len;
    json_t *parent = walk(obj, path, false, &last, &len);
    return parent ? json_object_getn(parent, last, len) : NULL;
}

json_t *gt_kobj_obj(const json_t *obj, const char *path)
{
    json_t *v = gt_kobj_get(obj, path);
    return json_is_object(v) ? v : NULL;
}

json_t *gt_kobj_arr(const json_t *obj, const char *path)
{
    json_t *v = gt_kobj_get(obj, path);
    return json_is_array(v) ? v : NULL;
}

const char *gt_kobj_str(const json_t *obj, const char *path, const char *fallback)
{
    json_t *v = gt_kobj_get(obj, path);
    return json_is_string(v) ? json_string_value(v) : fallback;
}

int64_t gt_kobj_int(const json_t *obj, const char *path, int64_t fallback)
{
    json_t *v = gt_kobj_get(obj, path);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : fallback;
}

bool gt_kobj_bool(const json_t *obj, const char *path, bool fallback)
{
    json_t *v = gt_kobj_get(obj, path);
    return json_is_boolean(v) ? json_is_true(v) : fallback;
}

size_t gt_kobj_len(const json_t *obj, const char *path)
{
    json_t *v = gt_kobj_get(obj, path);
    if (json_is_object(v))
        return json_object_size(v);
    if (json_is_array(v))
        return json_array_size(v);
    return 0;
}

bool gt_kobj_has(const json_t *obj, const char *path)
{
    return gt_kobj_get(obj, path) != NULL;
}

json_t *gt_kobj_ensure(json_t *obj, const char *path)
{
    const char *last;
    size_t len;
    json_t *parent = walk(obj, path, true, &last, &len);
    if (!parent)
        return NULL;
    json_t *v = json_object_getn(parent, last, len);
    if (!json_is_object(v)) {
        v = json_object();
        json_object_setn_new(parent, last, len, v);
    }
    return v;
}

void gt_kobj_set_new(json_t *obj, const char *path, json_t *value)
{
    const char *last;
    size_t len;
    json_t *parent = walk(obj, path, true, &last, &len);
    if (parent)
        json_object_setn_new(parent, last, len, value);
    else
        json_decref(value);
}

void gt_kobj_set(json_t *obj, const char *path, json_t *value)
{
    gt_kobj_set_new(obj, path, json_incref(value));
}

bool gt_kobj_default(json_t *obj, const char *path, json_t *value)
{
    json_t *cur = gt_kobj_get(obj, path);
    if (cur && !json_is_null(cur)) {
        json_decref(value);
        return false;
    }
    gt_kobj_set_new(obj, path, value);
    return true;
}

void gt_kobj_del(json_t *obj, const char *path)
{
    const char *last;
    size_t len;
    json_t *parent = walk(obj, path, false, &last, &len);
    if (parent)
        json_object_deln(parent, last, len);
}

const char *gt_kobj_name(const json_t *obj)
{
    return gt_kobj_str(obj, "metadata.name", "");
}

const char *gt_kobj_namespace(const json_t *obj)
{
    return gt_kobj_str(obj, "metadata.namespace", "");
}

const char *gt_kobj_uid(const json_t *obj)
{
    return gt_kobj_str(obj, "metadata.uid", "");
}
