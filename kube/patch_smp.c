/* Strategic merge patch: applying a patch to a document, as apimachinery's
 * strategicpatch does with MergeParallelList and IgnoreUnmatchedNulls. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/patch.h"

#define DIRECTIVE "$patch"
#define RETAIN_KEYS "$retainKeys"
#define SET_ORDER "$setElementOrder/"
#define DELETE_PRIMITIVE "$deleteFromPrimitiveList/"

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The element kind of two lists: 'o' objects, 's' scalars, 0 empty;
 * -1 when they mix or contain lists. */
static int elem_kind(const json_t *a, const json_t *b)
{
    int kind = 0;
    const json_t *lists[2] = { a, b };
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *v;
        json_array_foreach(lists[l], i, v) {
            int k = json_is_object(v) ? 'o' : json_is_array(v) ? -1 : 's';
            if (k == -1 || (kind && kind != k))
                return -1;
            kind = k;
        }
    }
    return kind;
}

/* A copy of v without directive maps, directive keys and (for newly added
 * values) nulls. NULL when v itself is a directive map. */
static json_t *clean(const json_t *v)
{
    if (json_is_object(v)) {
        if (json_object_get(v, DIRECTIVE))
            return NULL;
        json_t *o = json_object();
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c) {
            if (json_is_null(c) || starts(k, SET_ORDER) || starts(k, DELETE_PRIMITIVE) ||
                strcmp(k, RETAIN_KEYS) == 0)
                continue;
            json_t *cc = clean(c);
            if (cc)
                json_object_set_new(o, k, cc);
        }
        return o;
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c) {
            json_t *cc = clean(c);
            if (cc)
                json_array_append_new(a, cc);
        }
        return a;
    }
    return json_deep_copy(v);
}

/* Index of item in list l (by merge key for objects, by value otherwise). */
static long find(const json_t *l, const json_t *item, const char *key)
{
    size_t i;
    json_t *v;
    if (json_is_object(item)) {
        json_t *kv = key ? json_object_get(item, key) : NULL;
        if (!kv)
            return -1;
        json_array_foreach(l, i, v) {
            json_t *w = json_is_object(v) ? json_object_get(v, key) : NULL;
            if (w && json_equal(w, kv))
                return (long)i;
        }
        return -1;
    }
    json_array_foreach(l, i, v) {
        if (json_equal(v, item))
            return (long)i;
    }
    return -1;
}

/* Stable sort of items by their index in order (items not in order keep
 * their place relative to others not in order). */
static void sort_by(json_t *items, const json_t *order, const char *key)
{
    size_t n = json_array_size(items);
    for (size_t i = 1; i < n; i++) {
        json_t *t = json_incref(json_array_get(items, i));
        long ti = find(order, t, key);
        size_t j = i;
        while (j > 0) {
            long pj = find(order, json_array_get(items, j - 1), key);
            if (ti < 0 || pj < 0 || pj <= ti)
                break;
            json_array_set(items, j, json_array_get(items, j - 1));
            j--;
        }
        json_array_set_new(items, j, t);
    }
}

/* apimachinery's normalizeElementOrder: patch items in patch order, server-
 * only items in server order, interleaved by their places on the server. */
static json_t *order_elements(json_t *patch_items, json_t *server_only, const json_t *patch_order,
                              const json_t *server_order, const char *key)
{
    sort_by(patch_items, patch_order, key);
    sort_by(server_only, server_order, key);
    json_t *out = json_array();
    size_t i = 0, j = 0, nl = json_array_size(server_only), nr = json_array_size(patch_items);
    while (i < nl || j < nr) {
        if (i >= nl) {
            json_array_append(out, json_array_get(patch_items, j++));
        } else if (j >= nr) {
            json_array_append(out, json_array_get(server_only, i++));
        } else {
            long li = find(server_order, json_array_get(server_only, i), key);
            long ri = find(server_order, json_array_get(patch_items, j), key);
            if (li >= 0 && ri >= 0 && li < ri)
                json_array_append(out, json_array_get(server_only, i++));
            else
                json_array_append(out, json_array_get(patch_items, j++));
        }
    }
    json_decref(patch_items);
    json_decref(server_only);
    return out;
}

/* Splits merged into the items present in by and the others. */
static void partition(const json_t *merged, const json_t *by, const char *key, json_t **in,
                      json_t **out)
{
    *in = json_array();
    *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(merged, i, v)
        json_array_append(find(by, v, key) >= 0 ? *in : *out, v);
}

struct smp {
    struct gt_error *err;
    char path[512]; /* for messages */
};

static int merge_map(struct smp *s, json_t *orig, const json_t *patch, const struct gt_ktype *t,
                     json_t **out);

static int bad(struct smp *s, const char *fmt, const char *arg)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, arg);
    return gt_err(s->err, EBADMSG, "strategic merge patch: %s%s%s", s->path[0] ? s->path : "",
                  s->path[0] ? ": " : "", msg);
}

/* Applies the directive elements ({"$patch":"delete", key:...} and
 * {"$patch":"replace"}) of a list patch to list; returns the plain elements
 * (new reference) and sets *replace. */
static int list_directives(struct smp *s, json_t *list, const json_t *patch, const char *key,
                           json_t **plain, bool *replace)
{
    *plain = json_array();
    *replace = false;
    size_t i;
    json_t *v;
    json_array_foreach(patch, i, v) {
        json_t *d = json_object_get(v, DIRECTIVE);
        if (!d) {
            json_array_append(*plain, v);
            continue;
        }
        const char *dir = json_string_value(d);
        if (dir && strcmp(dir, "delete") == 0) {
            json_t *kv = json_object_get(v, key);
            if (!kv) {
                json_decref(*plain);
                return bad(s, "delete directive without the merge key \"%s\"", key);
            }
            for (size_t k = 0; k < json_array_size(list);) {
                json_t *w = json_object_get(json_array_get(list, k), key);
                if (w && json_equal(w, kv))
                    json_array_remove(list, k);
                else
                    k++;
            }
        } else if (dir && strcmp(dir, "replace") == 0) {
            *replace = true;
        } else {
            json_decref(*plain);
            return bad(s, "unknown patch type \"%s\" in a list", dir ? dir : "(not a string)");
        }
    }
    return 0;
}

/* Merges the list patch into orig (owned, consumed) as a merging list:
 * scalars are a union, maps merge by the merge key. */
static int merge_list(struct smp *s, json_t *orig, const json_t *patch, const struct gt_ktype *t,
                      json_t **out)
{
    const char *key = t ? t->keys[0] : NULL;
    int kind = elem_kind(orig, patch);
    if (kind < 0) {
        json_decref(orig);
        return bad(s, "%slists must hold either only maps or only scalars", "");
    }
    if (kind == 0) {
        *out = orig;
        return 0;
    }
    json_t *merged = orig;
    size_t i;
    json_t *v;
    if (kind == 's') {
        json_t *server = json_deep_copy(merged);
        json_array_foreach(patch, i, v) {
            if (find(merged, v, NULL) < 0)
                json_array_append(merged, v);
        }
        json_t *in, *only;
        partition(merged, patch, NULL, &in, &only);
        json_decref(merged);
        *out = order_elements(in, only, patch, server, NULL);
        json_decref(server);
        return 0;
    }
    if (!key) {
        json_decref(merged);
        return bad(s, "%scannot merge lists without merge key", "");
    }
    json_t *plain;
    bool replace;
    int r = list_directives(s, merged, patch, key, &plain, &replace);
    if (r < 0) {
        json_decref(merged);
        return r;
    }
    if (replace) {
        json_decref(merged);
        *out = clean(plain);
        json_decref(plain);
        return 0;
    }
    json_t *server = json_deep_copy(merged); /* after deletions, as apimachinery orders */
    json_array_foreach(plain, i, v) {
        if (!json_object_get(v, key)) {
            r = gt_err(s->err, EINVAL,
                       "strategic merge patch: %s: map does not contain declared merge key: %s",
                       s->path, key);
            break;
        }
        long at = find(merged, v, key);
        if (at < 0) {
            json_t *c = clean(v);
            if (c)
                json_array_append_new(merged, c);
            continue;
        }
        json_t *m;
        r = merge_map(s, json_incref(json_array_get(merged, (size_t)at)), v, t->elem, &m);
        if (r < 0)
            break;
        json_array_set_new(merged, (size_t)at, m);
    }
    json_decref(plain);
    if (r < 0) {
        json_decref(merged);
        json_decref(server);
        return r;
    }
    json_t *in, *only;
    partition(merged, patch, key, &in, &only);
    json_decref(merged);
    *out = order_elements(in, only, patch, server, key);
    json_decref(server);
    return 0;
}

/* Whether the list field's values merge, given its type. */
static bool list_merges(const struct gt_ktype *t)
{
    return gt_ktype_smp_merges(t);
}

/* $setElementOrder/<key>: validates the order list against the patch list,
 * merges the list and enforces the order.  Consumes the patch's list. */
static int set_order(struct smp *s, json_t *orig, json_t *patch, const char *field,
                     const json_t *order, const struct gt_ktype *t)
{
    if (!json_is_array(order))
        return bad(s, "$setElementOrder/%s must be a list", field);
    const struct gt_ktype *lt = gt_ktype_member(t, field, NULL);
    const char *key = lt ? lt->keys[0] : NULL;
    json_t *ol = json_object_get(orig, field);
    json_t *pl = json_object_get(patch, field);
    if ((ol && !json_is_array(ol)) || (pl && !json_is_array(pl)))
        return bad(s, "$setElementOrder/%s applies to a field that is not a list", field);
    /* every patch item must be in the order list, in the same order */
    long last = -1;
    size_t i;
    json_t *v;
    json_array_foreach(pl, i, v) {
        if (json_is_object(v) && json_object_get(v, DIRECTIVE))
            continue;
        long at = find(order, v, key);
        if (at < 0 || at < last)
            return bad(s, "invalid patch: the order of list in $setElementOrder/%s doesn't match "
                          "the order in the patch",
                       field);
        last = at;
    }
    json_t *merged;
    if (ol && !pl) {
        merged = json_incref(ol);
    } else if (!ol && pl) {
        merged = clean(pl);
    } else if (ol && pl) {
        int r;
        if (list_merges(lt)) {
            r = merge_list(s, json_deep_copy(ol), pl, lt, &merged);
            if (r < 0)
                return r;
        } else {
            merged = clean(pl);
        }
    } else {
        return 0;
    }
    int kind = elem_kind(ol, pl);
    if (kind < 0) {
        json_decref(merged);
        return bad(s, "%slists must hold either only maps or only scalars", "");
    }
    json_t *in, *only;
    partition(merged, order, kind == 'o' ? key : NULL, &in, &only);
    json_decref(merged);
    json_t *empty = json_array();
    json_t *res = order_elements(in, only, order, ol ? ol : empty, kind == 'o' ? key : NULL);
    json_decref(empty);
    json_object_set_new(orig, field, res);
    json_object_del(patch, field);
    return 0;
}

static int merge_map(struct smp *s, json_t *orig, const json_t *patch_in,
                     const struct gt_ktype *t, json_t **out)
{
    if (!json_is_object(patch_in)) {
        json_decref(orig);
        return bad(s, "%sexpected a map", "");
    }
    json_t *d = json_object_get(patch_in, DIRECTIVE);
    if (d) {
        const char *dir = json_string_value(d);
        json_decref(orig);
        if (dir && strcmp(dir, "replace") == 0) {
            json_t *c = json_deep_copy(patch_in);
            json_object_del(c, DIRECTIVE);
            *out = clean(c);
            json_decref(c);
            return 0;
        }
        if (dir && strcmp(dir, "delete") == 0) {
            *out = json_object();
            return 0;
        }
        return bad(s, "unknown patch type \"%s\" in a map", dir ? dir : "(not a string)");
    }
    /* orig is ours to change: callers hand over a deep copy or a part of one */
    if (!json_is_object(orig)) {
        json_decref(orig);
        orig = json_object();
    }
    json_t *patch = json_deep_copy(patch_in);
    int r = 0;
    const char *k;
    json_t *v;
    void *tmp;
    json_t *retain = json_object_get(patch, RETAIN_KEYS);
    if (retain) {
        if (!json_is_array(retain)) {
            r = bad(s, "%s$retainKeys must be a list", "");
            goto out;
        }
        json_object_foreach(patch, k, v) {
            if (json_is_null(v) || starts(k, SET_ORDER) || starts(k, DELETE_PRIMITIVE) ||
                strcmp(k, RETAIN_KEYS) == 0)
                continue;
            json_t *kk = json_string(k);
            bool listed = find(retain, kk, NULL) >= 0;
            json_decref(kk);
            if (!listed) {
                r = bad(s, "invalid patch: \"%s\" is not in the $retainKeys list", k);
                goto out;
            }
        }
        json_object_foreach_safe(orig, tmp, k, v) {
            json_t *kk = json_string(k);
            if (find(retain, kk, NULL) < 0)
                json_object_del(orig, k);
            json_decref(kk);
        }
        json_object_del(patch, RETAIN_KEYS);
    }
    /* $setElementOrder lists first: they consume their patch lists (so the
     * keys are collected before the patch object changes) */
    char **orders = NULL;
    json_object_foreach(patch, k, v) {
        if (starts(k, SET_ORDER))
            gt_strv_push(&orders, k);
    }
    for (size_t i = 0; orders && orders[i] && r == 0; i++) {
        const char *field = orders[i] + strlen(SET_ORDER);
        json_t *order = json_incref(json_object_get(patch, orders[i]));
        json_object_del(patch, orders[i]);
        size_t plen = strlen(s->path);
        snprintf(s->path + plen, sizeof s->path - plen, "%s%s", plen ? "." : "", field);
        r = set_order(s, orig, patch, field, order, t);
        s->path[plen] = 0;
        json_decref(order);
    }
    gt_strv_free(orders);
    if (r < 0)
        goto out;
    json_object_foreach_safe(patch, tmp, k, v) {
        bool delete_list = starts(k, DELETE_PRIMITIVE);
        const char *field = delete_list ? k + strlen(DELETE_PRIMITIVE) : k;
        size_t plen = strlen(s->path);
        snprintf(s->path + plen, sizeof s->path - plen, "%s%s", plen ? "." : "", field);
        json_t *cur = json_object_get(orig, field);
        const struct gt_ktype *ft = gt_ktype_member(t, field, NULL);
        if (delete_list) {
            if (!json_is_array(v)) {
                r = bad(s, "%s$deleteFromPrimitiveList must be a list", "");
            } else if (json_is_array(cur)) {
                json_t *kept = json_array();
                size_t i;
                json_t *x;
                json_array_foreach(cur, i, x) {
                    if (find(v, x, NULL) < 0)
                        json_array_append(kept, x);
                }
                json_object_set_new(orig, field, kept);
            }
        } else if (json_is_null(v)) {
            json_object_del(orig, field);
        } else if (!cur || json_typeof(cur) != json_typeof(v) ||
                   (!json_is_object(v) && !json_is_array(v))) {
            json_t *c = clean(v);
            if (c)
                json_object_set_new(orig, field, c);
            else
                json_object_del(orig, field);
        } else if (json_is_object(v)) {
            json_t *m;
            r = merge_map(s, json_incref(cur), v, ft, &m);
            if (r == 0)
                json_object_set_new(orig, field, m);
        } else if (list_merges(ft)) {
            json_t *m;
            r = merge_list(s, json_deep_copy(cur), v, ft, &m);
            if (r == 0)
                json_object_set_new(orig, field, m);
        } else {
            /* lists without a merge strategy are replaced; a {"$patch":
             * "replace"} element is the explicit form of that */
            json_t *c = clean(v);
            json_object_set_new(orig, field, c ? c : json_array());
        }
        s->path[plen] = 0;
        if (r < 0)
            goto out;
    }
out:
    json_decref(patch);
    if (r < 0) {
        json_decref(orig);
        return r;
    }
    *out = orig;
    return 0;
}

int gt_kpatch_strategic(const json_t *doc, const json_t *patch, const struct gt_ktype *schema,
                        json_t **out, struct gt_error *err)
{
    if (!json_is_object(patch))
        return gt_err(err, EBADMSG, "strategic merge patch: the patch must be a JSON object");
    struct smp s = { .err = err };
    return merge_map(&s, json_deep_copy(doc), patch, schema, out);
}
