/* Server-side apply: field sets, ownership per manager (managedFields,
 * fieldsV1), merging an applied configuration, conflicts and pruning.
 *
 * Field sets are tries of jansson objects keyed like fieldsV1 ("f:name",
 * "k:{keys}", "v:value"); inside this file a member is marked with a "."
 * child, and fieldsV1 leaves ({}) are converted to {".":{}} on the way in
 * and back on the way out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/obj.h"
#include "kube/patch.h"

/* ---- tries ---- */

static json_t *child(json_t *node, const char *key)
{
    json_t *c = json_object_get(node, key);
    if (!c) {
        c = json_object();
        json_object_set_new(node, key, c);
    }
    return c;
}

static void mark(json_t *node)
{
    if (!json_object_get(node, "."))
        json_object_set_new(node, ".", json_object());
}

static bool is_member(const json_t *node)
{
    return node && json_object_get(node, ".") != NULL;
}

static void set_union(json_t *a, const json_t *b)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)b, k, v) {
        if (strcmp(k, ".") == 0)
            mark(a);
        else
            set_union(child(a, k), v);
    }
}

static void set_subtract(json_t *a, const json_t *b)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)b, k, v) {
        json_t *c = json_object_get(a, k);
        if (!c)
            continue;
        if (strcmp(k, ".") == 0) {
            json_object_del(a, ".");
            continue;
        }
        set_subtract(c, v);
        if (json_object_size(c) == 0)
            json_object_del(a, k);
    }
}

static json_t *set_intersect(const json_t *a, const json_t *b)
{
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v) {
        json_t *w = json_object_get(b, k);
        if (!w)
            continue;
        if (strcmp(k, ".") == 0) {
            mark(out);
            continue;
        }
        json_t *i = set_intersect(v, w);
        if (json_object_size(i))
            json_object_set_new(out, k, i);
        else
            json_decref(i);
    }
    return out;
}

static bool set_empty(const json_t *a)
{
    return !a || json_object_size(a) == 0;
}

/* fieldsV1 <-> internal */
static json_t *from_fields_v1(const json_t *v)
{
    json_t *out = json_object();
    if (!json_is_object(v))
        return out;
    if (json_object_size(v) == 0) {
        mark(out);
        return out;
    }
    const char *k;
    json_t *c;
    json_object_foreach((json_t *)v, k, c) {
        if (strcmp(k, ".") == 0)
            mark(out);
        else
            json_object_set_new(out, k, from_fields_v1(c));
    }
    return out;
}

static json_t *to_fields_v1(const json_t *a)
{
    json_t *out = json_object();
    bool children = false;
    const char *k;
    json_t *c;
    json_object_foreach((json_t *)a, k, c) {
        if (strcmp(k, ".") == 0)
            continue;
        children = true;
        json_object_set_new(out, k, to_fields_v1(c));
    }
    if (children && is_member(a)) {
        /* "." first, as Kubernetes writes it */
        json_t *ordered = json_pack("{s:{}}", ".");
        json_object_update(ordered, out);
        json_decref(out);
        out = ordered;
    }
    return out;
}

/* ---- path elements ---- */

static bool is_keyed_list(const struct gt_ktype *t)
{
    return t && t->kind == GT_KT_LIST && t->list == GT_KLIST_MAP && t->keys[0];
}

static bool is_set_list(const struct gt_ktype *t)
{
    return t && t->kind == GT_KT_LIST && t->list == GT_KLIST_SET;
}

static bool is_atomic(const struct gt_ktype *t)
{
    return t && t->atomic && (t->kind == GT_KT_STRUCT || t->kind == GT_KT_MAP);
}

/* "k:{...}" for an element of a keyed list, "v:..." when it lacks a key
 * without a default (it is then identified by its whole value). */
static char *element_key(const json_t *item, const struct gt_ktype *t)
{
    if (is_keyed_list(t) && json_is_object(item)) {
        json_t *keys = json_object();
        bool ok = true;
        for (int i = 0; i < 3 && t->keys[i]; i++) {
            json_t *v = json_object_get(item, t->keys[i]);
            if (v && !json_is_null(v))
                json_object_set(keys, t->keys[i], v);
            else if (t->key_defaults[i])
                json_object_set_new(keys, t->keys[i], json_string(t->key_defaults[i]));
            else
                ok = false;
        }
        if (ok) {
            char *s = json_dumps(keys, JSON_COMPACT | JSON_SORT_KEYS);
            json_decref(keys);
            char *pe = gt_xasprintf("k:%s", s ? s : "{}");
            free(s);
            return pe;
        }
        json_decref(keys);
    }
    char *s = json_dumps(item, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    char *pe = gt_xasprintf("v:%s", s ? s : "null");
    free(s);
    return pe;
}

/* The child value of v at path element pe (NULL when absent); *idx gets
 * the array index for list elements. */
static json_t *resolve(const json_t *v, const char *pe, const struct gt_ktype *t, size_t *idx)
{
    if (strncmp(pe, "f:", 2) == 0)
        return json_is_object(v) ? json_object_get(v, pe + 2) : NULL;
    if (!json_is_array(v))
        return NULL;
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        char *k = element_key(e, t);
        bool same = strcmp(k, pe) == 0;
        free(k);
        if (same) {
            if (idx)
                *idx = i;
            return e;
        }
    }
    return NULL;
}

static const struct gt_ktype *child_type(const struct gt_ktype *t, const char *pe)
{
    if (strncmp(pe, "f:", 2) == 0)
        return gt_ktype_member(t, pe + 2, NULL);
    return t ? t->elem : NULL;
}

/* ---- field sets of values ---- */

static void walk(json_t *node, const json_t *v, const struct gt_ktype *t)
{
    if (json_is_object(v) && !is_atomic(t)) {
        bool map = t && t->kind == GT_KT_MAP;
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c) {
            char *pe = gt_xasprintf("f:%s", k);
            json_t *n = child(node, pe);
            free(pe);
            const struct gt_ktype *ct = gt_ktype_member(t, k, NULL);
            if (json_is_null(c) || (json_is_object(c) && json_object_size(c) == 0) ||
                (!json_is_object(c) && !json_is_array(c))) {
                mark(n);
            } else {
                if (map)
                    mark(n);
                walk(n, c, ct);
            }
        }
        return;
    }
    if (json_is_array(v) && (is_keyed_list(t) || is_set_list(t))) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            char *pe = element_key(e, t);
            json_t *n = child(node, pe);
            mark(n);
            if (strncmp(pe, "k:", 2) == 0)
                walk(n, e, t->elem);
            free(pe);
        }
        return;
    }
    mark(node);
}

/* The parts of an object that managers own (see patch.h). */
static json_t *owned_view(const json_t *obj, const struct gt_kssa_opts *o)
{
    json_t *v = json_object();
    bool status_only = o->subresource && strcmp(o->subresource, "status") == 0;
    const char *k;
    json_t *c;
    json_object_foreach((json_t *)obj, k, c) {
        if (strcmp(k, "apiVersion") == 0 || strcmp(k, "kind") == 0)
            continue;
        bool is_status = strcmp(k, "status") == 0;
        if (status_only ? !is_status : (is_status && o->status_subresource))
            continue;
        if (strcmp(k, "metadata") == 0 && json_is_object(c)) {
            json_t *m = json_deep_copy(c);
            static const char *const strip[] = { "name", "namespace", "uid", "resourceVersion",
                                                 "generation", "creationTimestamp", "selfLink",
                                                 "managedFields", "clusterName" };
            for (size_t i = 0; i < sizeof strip / sizeof strip[0]; i++)
                json_object_del(m, strip[i]);
            if (json_object_size(m))
                json_object_set_new(v, k, m);
            else
                json_decref(m);
            continue;
        }
        json_object_set(v, k, c);
    }
    return v;
}

static json_t *fieldset(const json_t *obj, const struct gt_kssa_opts *o)
{
    json_t *set = json_object();
    if (!json_is_object(obj))
        return set;
    json_t *view = owned_view(obj, o);
    walk(set, view, o->schema);
    json_decref(view);
    return set;
}

json_t *gt_kssa_fieldset(const json_t *obj, const struct gt_kssa_opts *o)
{
    json_t *set = fieldset(obj, o);
    json_t *out = to_fields_v1(set);
    json_decref(set);
    return out;
}

/* Members of common (present in both objects) whose values differ and that
 * are leaves: scalars, atomic values, empty objects. */
static void modified(json_t *out, const json_t *common, const json_t *a, const json_t *b,
                     const struct gt_ktype *t)
{
    const char *k;
    json_t *c;
    json_object_foreach((json_t *)common, k, c) {
        if (strcmp(k, ".") == 0)
            continue;
        const struct gt_ktype *ct = child_type(t, k);
        json_t *ca = resolve(a, k, t, NULL), *cb = resolve(b, k, t, NULL);
        if (!ca || !cb)
            continue;
        json_t *sub = json_object();
        modified(sub, c, ca, cb, ct);
        bool structural = json_is_object(ca) && json_is_object(cb) && !is_atomic(ct) &&
                          json_object_size(ca) && json_object_size(cb);
        if (is_member(c) && !structural && !json_equal(ca, cb))
            mark(sub);
        if (json_object_size(sub))
            json_object_set_new(out, k, sub);
        else
            json_decref(sub);
    }
}

struct cmp {
    json_t *added, *removed, *modified;
};

/* Maps (labels, data) that b has and a lacks: structured-merge-diff counts
 * the map itself as added, not only its entries.  a may be NULL. */
static void new_maps(json_t *out, const json_t *a, const json_t *b, const struct gt_ktype *t)
{
    if (!json_is_object(b) || is_atomic(t))
        return;
    const char *k;
    json_t *cb;
    json_object_foreach((json_t *)b, k, cb) {
        const struct gt_ktype *ct = gt_ktype_member(t, k, NULL);
        json_t *ca = json_is_object(a) ? json_object_get(a, k) : NULL;
        char *pe = gt_xasprintf("f:%s", k);
        json_t *sub = json_object();
        if (ct && ct->kind == GT_KT_MAP && !ct->atomic && json_is_object(cb) &&
            !json_is_object(ca))
            mark(sub);
        if (json_is_object(cb)) {
            new_maps(sub, json_is_object(ca) ? ca : NULL, cb, ct);
        } else if (json_is_array(cb) && is_keyed_list(ct)) {
            size_t i;
            json_t *eb;
            json_array_foreach(cb, i, eb) {
                char *epe = element_key(eb, ct);
                json_t *ea = json_is_array(ca) ? resolve(ca, epe, ct, NULL) : NULL;
                json_t *esub = json_object();
                new_maps(esub, ea, eb, ct->elem);
                if (json_object_size(esub))
                    set_union(child(sub, epe), esub);
                json_decref(esub);
                free(epe);
            }
        }
        if (json_object_size(sub))
            set_union(child(out, pe), sub);
        json_decref(sub);
        free(pe);
    }
}

static void compare(const json_t *a, const json_t *b, const struct gt_kssa_opts *o,
                    struct cmp *c)
{
    json_t *sa = fieldset(a, o), *sb = fieldset(b, o);
    c->added = json_deep_copy(sb);
    set_subtract(c->added, sa);
    c->removed = json_deep_copy(sa);
    set_subtract(c->removed, sb);
    json_t *common = set_intersect(sa, sb);
    json_t *va = owned_view(a, o), *vb = owned_view(b, o);
    c->modified = json_object();
    modified(c->modified, common, va, vb, o->schema);
    new_maps(c->added, va, vb, o->schema);
    new_maps(c->removed, vb, va, o->schema);
    json_decref(va);
    json_decref(vb);
    json_decref(common);
    json_decref(sa);
    json_decref(sb);
}

static void cmp_release(struct cmp *c)
{
    json_decref(c->added);
    json_decref(c->removed);
    json_decref(c->modified);
}

/* ---- merging an applied configuration ---- */

static json_t *ssa_merge(json_t *lhs, const json_t *rhs, const struct gt_ktype *t);

static bool array_has_key(const json_t *a, const char *pe, const struct gt_ktype *t)
{
    return resolve(a, pe, t, NULL) != NULL;
}

/* Keyed lists and sets: items of lhs that the config does not mention keep
 * their place; the config's items come in its order, merged with their
 * live counterparts. */
static json_t *merge_list(json_t *lhs, const json_t *rhs, const struct gt_ktype *t)
{
    json_t *out = json_array();
    json_t *done = json_object();
    size_t li = 0, ri = 0, nl = json_array_size(lhs), nr = json_array_size(rhs);
    while (li < nl || ri < nr) {
        if (li < nl) {
            json_t *l = json_array_get(lhs, li);
            char *pe = element_key(l, t);
            bool in_rhs = array_has_key(rhs, pe, t);
            bool merged = json_object_get(done, pe) != NULL;
            free(pe);
            if (!in_rhs) {
                json_array_append(out, l);
                li++;
                continue;
            }
            if (merged) {
                li++;
                continue;
            }
        }
        if (ri < nr) {
            json_t *r = json_array_get(rhs, ri++);
            char *pe = element_key(r, t);
            if (!json_object_get(done, pe)) {
                json_t *l = resolve(lhs, pe, t, NULL);
                json_array_append_new(out, ssa_merge(json_deep_copy(l), r, t->elem));
                json_object_set_new(done, pe, json_true());
            }
            free(pe);
        } else {
            li++;
        }
    }
    json_decref(done);
    json_decref(lhs);
    return out;
}

static json_t *ssa_merge(json_t *lhs, const json_t *rhs, const struct gt_ktype *t)
{
    if (json_is_object(rhs) && json_is_object(lhs) && !is_atomic(t)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)rhs, k, v) {
            if (json_is_null(v)) {
                json_object_del(lhs, k);
                continue;
            }
            json_t *cur = json_deep_copy(json_object_get(lhs, k));
            json_object_set_new(lhs, k, ssa_merge(cur, v, gt_ktype_member(t, k, NULL)));
        }
        return lhs;
    }
    if (json_is_array(rhs) && json_is_array(lhs) && (is_keyed_list(t) || is_set_list(t)))
        return merge_list(lhs, rhs, t);
    json_decref(lhs);
    return json_deep_copy(rhs);
}

/* Removes from v what the applier dropped (rm) unless someone owns it or
 * something under it (own). Empty containers left behind go too. */
static void prune(const json_t *rm, const json_t *own, json_t *v, const struct gt_ktype *t)
{
    const char *k;
    json_t *c;
    void *tmp;
    json_object_foreach_safe((json_t *)rm, tmp, k, c) {
        if (strcmp(k, ".") == 0)
            continue;
        size_t idx = 0;
        json_t *cv = resolve(v, k, t, &idx);
        if (!cv)
            continue;
        json_t *co = own ? json_object_get(own, k) : NULL;
        bool had = (json_is_object(cv) && json_object_size(cv)) ||
                   (json_is_array(cv) && json_array_size(cv));
        prune(c, co, cv, child_type(t, k));
        bool emptied = had && ((json_is_object(cv) && !json_object_size(cv)) ||
                               (json_is_array(cv) && !json_array_size(cv)));
        if ((is_member(c) || emptied) && set_empty(co)) {
            if (strncmp(k, "f:", 2) == 0)
                json_object_del(v, k + 2);
            else
                json_array_remove(v, idx);
        }
    }
}

/* ---- managers ---- */

struct manager {
    char *name, *operation, *api_version, *subresource, *time;
    json_t *set; /* internal form */
};

struct managers {
    struct manager *v;
    size_t n;
};

static void managers_release(struct managers *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].name);
        free(m->v[i].operation);
        free(m->v[i].api_version);
        free(m->v[i].subresource);
        free(m->v[i].time);
        json_decref(m->v[i].set);
    }
    free(m->v);
    m->v = NULL;
    m->n = 0;
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static struct manager *managers_add(struct managers *m, const char *name, const char *op,
                                    const char *av, const char *sub, const char *time,
                                    json_t *set)
{
    m->v = gt_xrealloc(m->v, (m->n + 1) * sizeof *m->v);
    struct manager *e = &m->v[m->n++];
    e->name = gt_xstrdup(nz(name));
    e->operation = gt_xstrdup(nz(op));
    e->api_version = gt_xstrdup(nz(av));
    e->subresource = gt_xstrdup(nz(sub));
    e->time = time ? gt_xstrdup(time) : NULL;
    e->set = set;
    return e;
}

static void managers_parse(struct managers *m, const json_t *entries)
{
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) {
        const char *name = gt_kobj_str(e, "manager", NULL);
        const json_t *f = gt_kobj_get(e, "fieldsV1");
        if (!name || (gt_kobj_str(e, "fieldsType", "FieldsV1")[0] &&
                      strcmp(gt_kobj_str(e, "fieldsType", "FieldsV1"), "FieldsV1") != 0))
            continue;
        managers_add(m, name, gt_kobj_str(e, "operation", "Update"),
                     gt_kobj_str(e, "apiVersion", ""), gt_kobj_str(e, "subresource", ""),
                     gt_kobj_str(e, "time", NULL), from_fields_v1(f));
    }
}

/* The entry for (name, op, subresource[, apiVersion for Update]). */
static struct manager *managers_find(struct managers *m, const char *name, const char *op,
                                     const char *av, const char *sub)
{
    for (size_t i = 0; i < m->n; i++) {
        struct manager *e = &m->v[i];
        if (strcmp(e->name, name) == 0 && strcmp(e->operation, op) == 0 &&
            strcmp(e->subresource, nz(sub)) == 0 &&
            (strcmp(op, "Apply") == 0 || strcmp(e->api_version, nz(av)) == 0))
            return e;
    }
    return NULL;
}

static int cmp_manager(const void *pa, const void *pb)
{
    const struct manager *a = pa, *b = pb;
    int c = strcmp(a->operation, b->operation);
    if (c)
        return c;
    c = strcmp(nz(a->time), nz(b->time));
    if (c)
        return c;
    c = strcmp(a->name, b->name);
    if (c)
        return c;
    c = strcmp(a->api_version, b->api_version);
    return c ? c : strcmp(a->subresource, b->subresource);
}

static void managers_write(struct managers *m, json_t *obj)
{
    if (m->n > 1)
        qsort(m->v, m->n, sizeof *m->v, cmp_manager);
    json_t *a = json_array();
    for (size_t i = 0; i < m->n; i++) {
        struct manager *e = &m->v[i];
        if (set_empty(e->set))
            continue;
        json_t *entry = json_pack("{s:s,s:s,s:s}", "manager", e->name, "operation", e->operation,
                                  "apiVersion", e->api_version);
        if (e->time)
            json_object_set_new(entry, "time", json_string(e->time));
        json_object_set_new(entry, "fieldsType", json_string("FieldsV1"));
        json_object_set_new(entry, "fieldsV1", to_fields_v1(e->set));
        if (e->subresource[0])
            json_object_set_new(entry, "subresource", json_string(e->subresource));
        json_array_append_new(a, entry);
    }
    json_t *meta = gt_kobj_ensure(obj, "metadata");
    if (!meta) {
        json_decref(a);
        return;
    }
    if (json_array_size(a))
        json_object_set_new(meta, "managedFields", a);
    else {
        json_object_del(meta, "managedFields");
        json_decref(a);
    }
}

/* ---- conflicts ---- */

/* ".spec.containers[name=\"x\"].image" of a trie path */
static void path_string(FILE *f, const char *pe)
{
    if (strncmp(pe, "f:", 2) == 0) {
        fprintf(f, ".%s", pe + 2);
        return;
    }
    if (strncmp(pe, "v:", 2) == 0) {
        fprintf(f, "[=%s]", pe + 2);
        return;
    }
    json_t *keys = json_loads(pe + 2, 0, NULL);
    fputc('[', f);
    const char *k;
    json_t *v;
    bool first = true;
    json_object_foreach(keys, k, v) {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        fprintf(f, "%s%s=%s", first ? "" : ",", k, s ? s : "");
        free(s);
        first = false;
    }
    fputc(']', f);
    json_decref(keys);
}

/* Appends the member paths of set (under prefix) to the array paths. */
static void member_paths(const json_t *set, const char *prefix, json_t *paths)
{
    if (is_member(set) && prefix[0])
        json_array_append_new(paths, json_string(prefix));
    const char *k;
    json_t *c;
    json_object_foreach((json_t *)set, k, c) {
        if (strcmp(k, ".") == 0)
            continue;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
            continue;
        fputs(prefix, f);
        path_string(f, k);
        fclose(f);
        member_paths(c, buf, paths);
        free(buf);
    }
}

static char *manager_label(const struct manager *m)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return gt_xstrdup(m->name);
    fprintf(f, "\"%s\"", m->name);
    if (m->subresource[0])
        fprintf(f, " with subresource \"%s\"", m->subresource);
    if (strcmp(m->operation, "Update") == 0) {
        fprintf(f, " using %s", m->api_version);
        if (m->time)
            fprintf(f, " at %s", m->time);
    }
    fclose(f);
    return out;
}

static json_t *conflict_status(struct managers *m, json_t **conflicts)
{
    json_t *causes = json_array();
    size_t total = 0;
    char *msg = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&msg, &len);
    /* managers in name order, as Kubernetes prints them */
    size_t *order = gt_xcalloc(m->n ? m->n : 1, sizeof *order);
    for (size_t i = 0; i < m->n; i++)
        order[i] = i;
    for (size_t i = 1; i < m->n; i++)
        for (size_t j = i; j > 0 && strcmp(m->v[order[j - 1]].name, m->v[order[j]].name) > 0; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    json_t *per = json_array();
    for (size_t oi = 0; oi < m->n; oi++) {
        size_t i = order[oi];
        json_t *paths = json_array();
        if (conflicts[i])
            member_paths(conflicts[i], "", paths);
        total += json_array_size(paths);
        json_array_append_new(per, paths);
    }
    bool first = true;
    for (size_t oi = 0; oi < m->n; oi++) {
        size_t i = order[oi];
        json_t *paths = json_array_get(per, oi);
        if (!json_array_size(paths))
            continue;
        char *label = manager_label(&m->v[i]);
        size_t k;
        json_t *p;
        json_array_foreach(paths, k, p) {
            char *cm = gt_xasprintf("conflict with %s", label);
            json_array_append_new(causes, json_pack("{s:s,s:s,s:s}", "reason",
                                                    "FieldManagerConflict", "message", cm,
                                                    "field", json_string_value(p)));
            free(cm);
        }
        if (f) {
            if (total == 1) {
                fprintf(f, "Apply failed with 1 conflict: conflict with %s: %s", label,
                        json_string_value(json_array_get(paths, 0)));
            } else {
                if (first)
                    fprintf(f, "Apply failed with %zu conflicts: ", total);
                else
                    fputc('\n', f);
                fprintf(f, "conflicts with %s:", label);
                json_array_foreach(paths, k, p)
                    fprintf(f, "\n- %s", json_string_value(p));
            }
        }
        first = false;
        free(label);
    }
    if (f)
        fclose(f);
    json_decref(per);
    free(order);
    json_t *st = json_pack("{s:s,s:s,s:{},s:s,s:s,s:s,s:{s:o},s:i}", "kind", "Status",
                           "apiVersion", "v1", "metadata", "status", "Failure", "message",
                           msg ? msg : "Apply failed", "reason", "Conflict", "details", "causes",
                           causes, "code", 409);
    free(msg);
    return st;
}

/* ---- apply and update ---- */

static json_t *without_managed_fields(const json_t *obj)
{
    json_t *c = json_is_object(obj) ? json_deep_copy(obj) : json_object();
    json_t *meta = gt_kobj_obj(c, "metadata");
    if (meta)
        json_object_del(meta, "managedFields");
    return c;
}

int gt_kssa_apply(const json_t *live, const json_t *applied, const struct gt_kssa_opts *o,
                  json_t **out, json_t **conflict, struct gt_error *err)
{
    if (conflict)
        *conflict = NULL;
    if (!json_is_object(applied))
        return gt_err(err, EBADMSG, "apply: the configuration must be a JSON object");
    if (gt_kobj_has(applied, "metadata.managedFields"))
        return gt_err(err, EBADMSG, "apply: metadata.managedFields must be nil");
    if (!o->manager || !o->manager[0])
        return gt_err(err, EBADMSG, "apply: a field manager is required");
    struct managers m = { 0 };
    managers_parse(&m, gt_kobj_arr(live, "metadata.managedFields"));
    json_t *base = without_managed_fields(live);
    json_t *merged = ssa_merge(json_deep_copy(base), applied, o->schema);

    struct manager *me = managers_find(&m, o->manager, "Apply", NULL, o->subresource);
    json_t *last = me ? json_incref(me->set) : json_object();
    json_t *now = fieldset(applied, o);
    if (!me)
        me = managers_add(&m, o->manager, "Apply", o->api_version, o->subresource, NULL,
                          json_object());
    size_t me_i = (size_t)(me - m.v);
    json_decref(m.v[me_i].set);
    m.v[me_i].set = json_incref(now);

    /* drop what this manager applied before and no longer does, unless
     * another manager (or this apply) owns it */
    json_t *rm = json_deep_copy(last);
    set_subtract(rm, now);
    json_t *owned = json_deep_copy(now);
    for (size_t i = 0; i < m.n; i++)
        if (i != me_i)
            set_union(owned, m.v[i].set);
    prune(rm, owned, merged, o->schema);
    json_decref(rm);
    json_decref(owned);
    json_decref(last);

    struct cmp c;
    compare(base, merged, o, &c);
    json_t *changed = json_deep_copy(c.modified);
    set_union(changed, c.added);
    json_t **conflicts = gt_xcalloc(m.n, sizeof *conflicts);
    bool any = false;
    for (size_t i = 0; i < m.n; i++) {
        if (i == me_i)
            continue;
        conflicts[i] = set_intersect(m.v[i].set, changed);
        if (!set_empty(conflicts[i]))
            any = true;
    }
    int r = 0;
    if (any && !o->force) {
        if (conflict)
            *conflict = conflict_status(&m, conflicts);
        r = gt_err(err, EBUSY, "apply: conflicts with other field managers");
    } else {
        for (size_t i = 0; i < m.n; i++) {
            if (i == me_i)
                continue;
            set_subtract(m.v[i].set, conflicts[i]);
            set_subtract(m.v[i].set, c.removed);
        }
        free(m.v[me_i].time);
        m.v[me_i].time = o->now ? gt_xstrdup(o->now) : NULL;
        free(m.v[me_i].api_version);
        m.v[me_i].api_version = gt_xstrdup(nz(o->api_version));
        managers_write(&m, merged);
        *out = json_incref(merged);
    }
    for (size_t i = 0; i < m.n; i++)
        json_decref(conflicts[i]);
    free(conflicts);
    json_decref(changed);
    cmp_release(&c);
    json_decref(now);
    json_decref(merged);
    json_decref(base);
    managers_release(&m);
    return r;
}

int gt_kssa_update(const json_t *old, json_t *obj, const struct gt_kssa_opts *o,
                   struct gt_error *err)
{
    if (!json_is_object(obj))
        return gt_err(err, EINVAL, "update: the object must be a JSON object");
    if (!o->manager || !o->manager[0])
        return gt_err(err, EINVAL, "update: a field manager is required");
    struct managers m = { 0 };
    json_t *sent = gt_kobj_get(obj, "metadata.managedFields");
    json_t *had = gt_kobj_get(old, "metadata.managedFields");
    if (sent && !json_equal(sent, had ? had : json_null()))
        managers_parse(&m, json_is_array(sent) ? sent : NULL); /* the client's rewrite */
    else
        managers_parse(&m, had);
    json_t *a = without_managed_fields(old);
    json_t *b = without_managed_fields(obj);
    struct cmp c;
    compare(a, b, o, &c);
    json_t *changed = json_deep_copy(c.modified);
    set_union(changed, c.added);
    struct manager *me = managers_find(&m, o->manager, "Update", o->api_version, o->subresource);
    for (size_t i = 0; i < m.n; i++) {
        if (&m.v[i] == me)
            continue;
        set_subtract(m.v[i].set, changed);
        set_subtract(m.v[i].set, c.removed);
    }
    if (!me && !set_empty(changed))
        me = managers_add(&m, o->manager, "Update", o->api_version, o->subresource, NULL,
                          json_object());
    if (me) {
        json_t *before = json_deep_copy(me->set);
        set_subtract(me->set, c.removed);
        set_union(me->set, changed);
        if (!json_equal(before, me->set) || !me->time) {
            free(me->time);
            me->time = o->now ? gt_xstrdup(o->now) : NULL;
        }
        json_decref(before);
    }
    managers_write(&m, obj);
    json_decref(changed);
    cmp_release(&c);
    json_decref(a);
    json_decref(b);
    managers_release(&m);
    return 0;
}
