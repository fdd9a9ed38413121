/* JSON Patch (RFC 6902, pointers per RFC 6901) and JSON merge patch
 * (RFC 7386). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/patch.h"

/* A parsed pointer: its unescaped reference tokens. */
struct ptr {
    char **tok;
    size_t n;
};

static void ptr_free(struct ptr *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->tok[i]);
    free(p->tok);
    p->tok = NULL;
    p->n = 0;
}

static int ptr_parse(const char *s, struct ptr *p)
{
    p->tok = NULL;
    p->n = 0;
    if (!s[0])
        return 0;
    if (s[0] != '/')
        return -1;
    const char *cur = s + 1;
    for (;;) {
        const char *end = strchr(cur, '/');
        size_t len = end ? (size_t)(end - cur) : strlen(cur);
        char *t = gt_xmalloc(len + 1);
        size_t k = 0;
        for (size_t i = 0; i < len; i++) {
            if (cur[i] == '~') {
                if (i + 1 >= len || (cur[i + 1] != '0' && cur[i + 1] != '1')) {
                    free(t);
                    ptr_free(p);
                    return -1;
                }
                t[k++] = cur[i + 1] == '0' ? '~' : '/';
                i++;
            } else {
                t[k++] = cur[i];
            }
        }
        t[k] = 0;
        p->tok = gt_xrealloc(p->tok, (p->n + 1) * sizeof *p->tok);
        p->tok[p->n++] = t;
        if (!end)
            break;
        cur = end + 1;
    }
    return 0;
}

/* An array index token: digits without leading zeros; "-" is n (append). */
static bool array_index(const char *t, size_t n, bool allow_end, size_t *out)
{
    if (allow_end && strcmp(t, "-") == 0) {
        *out = n;
        return true;
    }
    if (!t[0] || (t[0] == '0' && t[1]))
        return false;
    size_t v = 0;
    for (const char *c = t; *c; c++) {
        if (*c < '0' || *c > '9' || v > (SIZE_MAX - 9) / 10)
            return false;
        v = v * 10 + (size_t)(*c - '0');
    }
    *out = v;
    return true;
}

/* The value at tokens [0, n) of p, or NULL. */
static json_t *resolve(json_t *doc, const struct ptr *p, size_t n)
{
    json_t *cur = doc;
    for (size_t i = 0; i < n && cur; i++) {
        if (json_is_object(cur)) {
            cur = json_object_get(cur, p->tok[i]);
        } else if (json_is_array(cur)) {
            size_t idx;
            if (!array_index(p->tok[i], json_array_size(cur), false, &idx))
                return NULL;
            cur = json_array_get(cur, idx);
        } else {
            return NULL;
        }
    }
    return cur;
}

/* RFC 6902 compares numbers by value (jansson tells 1 and 1.0 apart). */
static bool values_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (json_typeof(a) != json_typeof(b))
        return false;
    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b))
            return false;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v) {
            json_t *w = json_object_get(b, k);
            if (!w || !values_equal(v, w))
                return false;
        }
        return true;
    }
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!values_equal(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    return json_equal(a, b);
}

/* add at p into *doc (which may be replaced for the root); steals value */
static int do_add(json_t **doc, const struct ptr *p, json_t *value, const char **why)
{
    if (p->n == 0) {
        json_decref(*doc);
        *doc = value;
        return 0;
    }
    json_t *parent = resolve(*doc, p, p->n - 1);
    const char *last = p->tok[p->n - 1];
    if (json_is_object(parent)) {
        json_object_set_new(parent, last, value);
        return 0;
    }
    if (json_is_array(parent)) {
        size_t idx;
        if (!array_index(last, json_array_size(parent), true, &idx) ||
            idx > json_array_size(parent)) {
            json_decref(value);
            *why = "array index out of bounds";
            return -EINVAL;
        }
        json_array_insert_new(parent, idx, value);
        return 0;
    }
    json_decref(value);
    *why = parent ? "parent is not a container" : "parent not found";
    return -EINVAL;
}

/* removes the value at p; *removed gets a reference when not NULL */
static int do_remove(json_t **doc, const struct ptr *p, json_t **removed, const char **why)
{
    if (p->n == 0) {
        *why = "cannot remove the whole document";
        return -EINVAL;
    }
    json_t *parent = resolve(*doc, p, p->n - 1);
    const char *last = p->tok[p->n - 1];
    if (json_is_object(parent)) {
        json_t *v = json_object_get(parent, last);
        if (!v) {
            *why = "not found";
            return -EINVAL;
        }
        if (removed)
            *removed = json_incref(v);
        json_object_del(parent, last);
        return 0;
    }
    if (json_is_array(parent)) {
        size_t idx;
        if (!array_index(last, json_array_size(parent), false, &idx) ||
            idx >= json_array_size(parent)) {
            *why = "array index out of bounds";
            return -EINVAL;
        }
        if (removed)
            *removed = json_incref(json_array_get(parent, idx));
        json_array_remove(parent, idx);
        return 0;
    }
    *why = "not found";
    return -EINVAL;
}

static bool is_prefix(const struct ptr *a, const struct ptr *b)
{
    if (a->n > b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->tok[i], b->tok[i]) != 0)
            return false;
    return true;
}

int gt_kpatch_json(const json_t *doc, const json_t *patch, json_t **out, struct gt_error *err)
{
    if (!json_is_array(patch))
        return gt_err(err, EBADMSG, "json patch: expected a list of operations, got %s",
                      json_is_object(patch) ? "an object" : "a non-list value");
    json_t *res = json_deep_copy(doc);
    if (!res)
        return gt_err(err, EINVAL, "json patch: no document");
    size_t i;
    json_t *op;
    json_array_foreach(patch, i, op) {
        const char *name = json_string_value(json_object_get(op, "op"));
        const char *path = json_string_value(json_object_get(op, "path"));
        const char *from = json_string_value(json_object_get(op, "from"));
        json_t *value = json_object_get(op, "value");
        struct ptr p = { 0 }, f = { 0 };
        const char *why = NULL;
        int r = 0;
        if (!json_is_object(op) || !name) {
            r = gt_err(err, EBADMSG, "json patch: operation %zu: missing \"op\"", i);
            goto fail;
        }
        if (!path) {
            r = gt_err(err, EBADMSG, "json patch: operation %zu (%s): missing \"path\"", i, name);
            goto fail;
        }
        if (ptr_parse(path, &p) < 0) {
            r = gt_err(err, EBADMSG, "json patch: operation %zu (%s): invalid pointer \"%s\"", i,
                       name, path);
            goto fail;
        }
        bool needs_value = !strcmp(name, "add") || !strcmp(name, "replace") ||
                           !strcmp(name, "test");
        bool needs_from = !strcmp(name, "move") || !strcmp(name, "copy");
        if (!needs_value && !needs_from && strcmp(name, "remove") != 0) {
            ptr_free(&p);
            r = gt_err(err, EBADMSG, "json patch: operation %zu: unknown op \"%s\"", i, name);
            goto fail;
        }
        if (needs_value && !value) {
            ptr_free(&p);
            r = gt_err(err, EBADMSG, "json patch: operation %zu (%s): missing \"value\"", i, name);
            goto fail;
        }
        if (needs_from && (!from || ptr_parse(from, &f) < 0)) {
            ptr_free(&p);
            r = gt_err(err, EBADMSG, "json patch: operation %zu (%s): missing or invalid "
                                     "\"from\"",
                       i, name);
            goto fail;
        }
        if (!strcmp(name, "add")) {
            r = do_add(&res, &p, json_deep_copy(value), &why);
        } else if (!strcmp(name, "remove")) {
            r = do_remove(&res, &p, NULL, &why);
        } else if (!strcmp(name, "replace")) {
            if (!resolve(res, &p, p.n)) {
                why = "not found", r = -EINVAL;
            } else if (p.n == 0) {
                r = do_add(&res, &p, json_deep_copy(value), &why);
            } else {
                json_t *old = NULL;
                r = do_remove(&res, &p, &old, &why);
                json_decref(old);
                if (r == 0)
                    r = do_add(&res, &p, json_deep_copy(value), &why);
            }
        } else if (!strcmp(name, "test")) {
            json_t *have = resolve(res, &p, p.n);
            if (!have)
                why = "not found", r = -EINVAL;
            else if (!values_equal(have, value))
                why = "test failed: the value differs", r = -EINVAL;
        } else if (!strcmp(name, "move")) {
            if (is_prefix(&f, &p) && f.n < p.n) {
                why = "cannot move a value into itself", r = -EINVAL;
            } else {
                json_t *v = NULL;
                r = do_remove(&res, &f, &v, &why);
                if (r == 0)
                    r = do_add(&res, &p, v, &why);
            }
        } else { /* copy */
            json_t *src = resolve(res, &f, f.n);
            if (!src)
                why = "\"from\" not found", r = -EINVAL;
            else
                r = do_add(&res, &p, json_deep_copy(src), &why);
        }
        ptr_free(&p);
        ptr_free(&f);
        if (r < 0) {
            r = gt_err(err, -r, "json patch: operation %zu (%s): path \"%s\": %s", i, name, path,
                       why ? why : "failed");
            goto fail;
        }
        continue;
    fail:
        json_decref(res);
        return r;
    }
    *out = res;
    return 0;
}

static json_t *merge(json_t *target, const json_t *patch)
{
    if (!json_is_object(patch)) {
        json_decref(target);
        return json_deep_copy(patch);
    }
    if (!json_is_object(target)) {
        json_decref(target);
        target = json_object();
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v) {
        if (json_is_null(v)) {
            json_object_del(target, k);
            continue;
        }
        json_t *cur = json_object_get(target, k);
        json_object_set_new(target, k, merge(json_incref(cur), v));
    }
    return target;
}

int gt_kpatch_merge(const json_t *doc, const json_t *patch, json_t **out, struct gt_error *err)
{
    if (!patch)
        return gt_err(err, EBADMSG, "merge patch: no patch");
    *out = merge(json_deep_copy(doc), patch);
    return 0;
}
