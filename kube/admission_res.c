/* Resource-list arithmetic for the admission plugins. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/admission_internal.h"
#include "kube/obj.h"

bool gt_kres_get(const json_t *list, const char *key, struct gt_kq *out)
{
    json_t *v = json_is_object(list) ? json_object_get(list, key) : NULL;
    return v && gt_kq_from_json(v, out, NULL) == 0;
}

void gt_kres_set(json_t *list, const char *key, const struct gt_kq *q)
{
    char buf[GT_KQ_STR_MAX];
    json_object_set_new(list, key, json_string(gt_kq_format(q, buf)));
}

void gt_kres_add(json_t *list, const char *key, const struct gt_kq *q)
{
    struct gt_kq cur, sum;
    if (!gt_kres_get(list, key, &cur)) {
        gt_kres_set(list, key, q);
        return;
    }
    if (gt_kq_add(&cur, q, &sum) == 0)
        gt_kres_set(list, key, &sum);
}

static json_t *pod_totals(const json_t *spec, const char *which)
{
    json_t *sum = json_object();
    size_t i;
    json_t *c;
    json_array_foreach(gt_kobj_arr(spec, "containers"), i, c) {
        json_t *rl = gt_kobj_obj(c, which);
        const char *k;
        json_t *v;
        json_object_foreach(rl, k, v) {
            struct gt_kq q;
            if (gt_kq_from_json(v, &q, NULL) == 0)
                gt_kres_add(sum, k, &q);
        }
    }
    json_array_foreach(gt_kobj_arr(spec, "initContainers"), i, c) {
        json_t *rl = gt_kobj_obj(c, which);
        const char *k;
        json_t *v;
        json_object_foreach(rl, k, v) {
            struct gt_kq q, cur;
            if (gt_kq_from_json(v, &q, NULL) != 0)
                continue;
            if (!gt_kres_get(sum, k, &cur) || gt_kq_cmp(&q, &cur) > 0)
                gt_kres_set(sum, k, &q);
        }
    }
    return sum;
}

json_t *gt_kres_pod_requests(const json_t *spec)
{
    return pod_totals(spec, "resources.requests");
}

json_t *gt_kres_pod_limits(const json_t *spec)
{
    return pod_totals(spec, "resources.limits");
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **gt_kres_sorted_keys(const json_t *obj)
{
    size_t n = json_is_object(obj) ? json_object_size(obj) : 0, i = 0;
    char **v = gt_xcalloc(n + 1, sizeof(*v));
    const char *k;
    json_t *val;
    if (n)
        json_object_foreach((json_t *)obj, k, val) v[i++] = gt_xstrdup(k);
    qsort(v, i, sizeof(*v), cmpstr);
    return v;
}

char *gt_kres_aggregate(const json_t *msgs)
{
    /* identical messages are shown once, and one message without brackets */
    json_t *uniq = json_array();
    size_t i, len = 3;
    json_t *m;
    json_array_foreach(msgs, i, m) {
        bool seen = false;
        size_t j;
        json_t *u;
        json_array_foreach(uniq, j, u) seen |= json_equal(u, m);
        if (!seen && json_is_string(m)) {
            json_array_append(uniq, m);
            len += json_string_length(m) + 2;
        }
    }
    size_t n = json_array_size(uniq);
    char *s = NULL;
    if (n == 1)
        s = gt_xstrdup(json_string_value(json_array_get(uniq, 0)));
    else if (n > 1) {
        char *w = s = gt_xmalloc(len);
        *w++ = '[';
        json_array_foreach(uniq, i, m) {
            if (i) {
                *w++ = ',';
                *w++ = ' ';
            }
            memcpy(w, json_string_value(m), json_string_length(m));
            w += json_string_length(m);
        }
        *w++ = ']';
        *w = 0;
    }
    json_decref(uniq);
    return s;
}
