/* tests/unit/kube_lister_test.h - an in-memory struct gt_klister for the
 * tests of the security modules: objects put by resource, namespace and
 * name; list filters by namespace ("" lists all). */
#ifndef GT_TESTS_KUBE_LISTER_TEST_H
#define GT_TESTS_KUBE_LISTER_TEST_H

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "kube/lister.h"
#include "kube/obj.h"

struct test_store {
    json_t *objs; /* "resource/ns/name" -> object */
    bool broken;  /* list answers NULL */
};

static inline void ts_key(char *buf, size_t n, const char *res, const char *ns, const char *name)
{
    snprintf(buf, n, "%s/%s/%s", res, ns ? ns : "", name ? name : "");
}

static json_t *ts_get(void *ctx, const char *res, const char *ns, const char *name)
{
    struct test_store *s = ctx;
    char k[768];
    ts_key(k, sizeof k, res, ns, name);
    json_t *o = json_object_get(s->objs, k);
    return o ? json_incref(o) : NULL;
}

static json_t *ts_list(void *ctx, const char *res, const char *ns)
{
    struct test_store *s = ctx;
    if (s->broken)
        return NULL;
    json_t *arr = json_array();
    const char *k;
    json_t *v;
    size_t rl = strlen(res);
    json_object_foreach(s->objs, k, v) {
        if (strncmp(k, res, rl) != 0 || k[rl] != '/')
            continue;
        const char *nsp = k + rl + 1;
        size_t nl = strlen(ns);
        if (*ns && (strncmp(nsp, ns, nl) != 0 || nsp[nl] != '/'))
            continue;
        json_array_append(arr, v);
    }
    return arr;
}

static inline void ts_init(struct test_store *s, struct gt_klister *l)
{
    s->objs = json_object();
    s->broken = false;
    l->ctx = s;
    l->get = ts_get;
    l->list = ts_list;
}

/* Stores obj (steals the reference) under its metadata. */
static inline void ts_put(struct test_store *s, const char *res, json_t *obj)
{
    char k[768];
    ts_key(k, sizeof k, res, gt_kobj_namespace(obj), gt_kobj_name(obj));
    json_object_set_new(s->objs, k, obj);
}

static inline void ts_del(struct test_store *s, const char *res, const char *ns, const char *name)
{
    char k[768];
    ts_key(k, sizeof k, res, ns, name);
    json_object_del(s->objs, k);
}

static inline void ts_release(struct test_store *s)
{
    json_decref(s->objs);
}

#endif
