/* Reads: get, list and watch, with Kubernetes' resourceVersion semantics.
 *
 * get: the current object from the store (resourceVersion "0": the watch
 * cache may answer).  list: resourceVersion unset reads the store at its
 * current revision (paged by limit/continue); "0" answers from the watch
 * cache; a number with resourceVersionMatch=Exact (or with a limit and no
 * match, the legacy rule) reads the store at that revision; with
 * NotOlderThan (or no limit) the cache answers once it has caught up.
 * watch: from the cache (kube/api/watchcache.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "base/strbuf.h"
#include "kube/api/internal.h"
#include "kube/api/registry.h"
#include "kube/meta.h"
#include "kube/obj.h"
#include "kube/selector.h"

#define WATCH_BATCH 256
#define BOOKMARK_INTERVAL_MS 10000
#define WATCH_DEFAULT_TIMEOUT_S 1800

static int parse_rv_param(const char *s, int64_t *out, json_t **st)
{
    uint64_t v = 0;
    struct gt_error err = { 0 };
    if (gt_kmeta_parse_rv(s, &v, &err) < 0 || v > INT64_MAX)
        return gt_kst_fail(st, 400, NULL, "invalid resource version \"%s\"", s);
    *out = (int64_t)v;
    return 0;
}

/* The selectors of ?labelSelector and ?fieldSelector (NULL when absent). */
static int selectors(struct kreq *r, struct gt_klsel **ls, struct gt_kfsel **fs, json_t **st)
{
    *ls = NULL;
    *fs = NULL;
    struct gt_error err = { 0 };
    const char *l = gt_http_req_query(r->http, "labelSelector");
    if (l && l[0] && gt_klsel_parse(l, ls, &err) < 0)
        return gt_kst_fail(st, 400, NULL, "unable to parse requirement: %s", err.msg);
    const char *f = gt_http_req_query(r->http, "fieldSelector");
    if (f && f[0]) {
        if (gt_kfsel_parse(f, fs, &err) < 0 || gt_kfsel_check(*fs, r->kind->fields, &err) < 0) {
            gt_klsel_free(*ls);
            gt_kfsel_free(*fs);
            *ls = NULL;
            *fs = NULL;
            return gt_kst_fail(st, 400, NULL, "%s", err.msg);
        }
    }
    return 0;
}

/* ---- get ---- */

void kapi_get(struct kreq *r)
{
    json_t *st = NULL, *obj = NULL;
    const char *rvq = gt_http_req_query(r->http, "resourceVersion");
    if (rvq && !strcmp(rvq, "0"))
        obj = gt_kwc_get(r->api->cache, r->kind, r->ri.namespace_, r->ri.name);
    if (!obj && gt_kreg_get(r->api->store, r->kind, r->ri.namespace_, r->ri.name, 0, &obj, NULL,
                            &st) < 0) {
        kapi_respond_status(r, st);
        return;
    }
    kapi_respond_read(r, obj);
    json_decref(obj);
}

/* ---- list ---- */

static void respond_list(struct kreq *r, json_t *items, int64_t rev, const char *cont,
                         int64_t remaining)
{
    char rvs[24];
    snprintf(rvs, sizeof rvs, "%" PRId64, rev);
    json_t *out;
    if (r->out == KOUT_TABLE) {
        out = gt_kind_table(r->kind, items, r->now, true, rvs);
        if (!strcmp(r->out_version, "v1beta1"))
            json_object_set_new(out, "apiVersion", json_string("meta.k8s.io/v1beta1"));
        if (!strcmp(gt_http_req_query(r->http, "includeObject") ?: "", "Object")) {
            json_t *rows = json_object_get(out, "rows");
            for (size_t i = 0; i < json_array_size(rows); i++)
                json_object_set(json_array_get(rows, i), "object", json_array_get(items, i));
        }
    } else {
        char av[64];
        json_t *arr = items;
        const char *kind_name;
        char list_kind[96];
        if (r->out == KOUT_PARTIAL) {
            arr = json_array();
            for (size_t i = 0; i < json_array_size(items); i++) {
                json_t *meta = json_deep_copy(json_object_get(json_array_get(items, i),
                                                              "metadata"));
                json_array_append_new(arr, json_pack("{s:s,s:s,s:o}", "kind",
                                                     "PartialObjectMetadata", "apiVersion",
                                                     !strcmp(r->out_version, "v1")
                                                         ? "meta.k8s.io/v1"
                                                         : "meta.k8s.io/v1beta1",
                                                     "metadata", meta ? meta : json_object()));
            }
            kind_name = "PartialObjectMetadataList";
            snprintf(av, sizeof av, "meta.k8s.io/%s", r->out_version);
        } else {
            if (r->view) {
                arr = json_array();
                for (size_t i = 0; i < json_array_size(items); i++)
                    json_array_append_new(arr, kapi_to_view(r, json_array_get(items, i)));
            } else {
                json_incref(arr);
            }
            snprintf(list_kind, sizeof list_kind, "%sList", r->kind->kind);
            kind_name = list_kind;
            kapi_api_version(kapi_url_kind(r), av);
        }
        out = json_pack("{s:s,s:s,s:{s:s},s:o}", "kind", kind_name, "apiVersion", av, "metadata",
                        "resourceVersion", rvs, "items", arr);
    }
    json_t *meta = json_object_get(out, "metadata");
    if (cont) {
        json_object_set_new(meta, "continue", json_string(cont));
        if (remaining >= 0)
            json_object_set_new(meta, "remainingItemCount", json_integer(remaining));
    }
    kapi_respond_obj(r, 200, out);
    json_decref(out);
}

void kapi_list(struct kreq *r)
{
    json_t *st = NULL;
    struct gt_klsel *ls = NULL;
    struct gt_kfsel *fs = NULL;
    if (selectors(r, &ls, &fs, &st) < 0) {
        kapi_respond_status(r, st);
        return;
    }
    const char *rvq = gt_http_req_query(r->http, "resourceVersion");
    const char *match = gt_http_req_query(r->http, "resourceVersionMatch");
    const char *limq = gt_http_req_query(r->http, "limit");
    const char *cont = gt_http_req_query(r->http, "continue");
    int64_t limit = 0, rv = 0;
    if (limq && limq[0]) {
        char *end;
        long long l = strtoll(limq, &end, 10);
        if (*end || l < 0) {
            kapi_respond_status(r, gt_kst_new(400, NULL, "invalid limit \"%s\"", limq));
            goto out;
        }
        limit = l;
    }
    if (rvq && rvq[0] && parse_rv_param(rvq, &rv, &st) < 0) {
        kapi_respond_status(r, st);
        goto out;
    }
    if (match && match[0]) {
        if (strcmp(match, "Exact") != 0 && strcmp(match, "NotOlderThan") != 0) {
            kapi_respond_status(r, gt_kst_new(400, NULL, "resourceVersionMatch: Unsupported value: "
                                                         "\"%s\": supported values: \"Exact\", "
                                                         "\"NotOlderThan\"",
                                              match));
            goto out;
        }
        if (!rvq || !rvq[0]) {
            kapi_respond_status(r, gt_kst_new(400, NULL, "resourceVersionMatch is forbidden "
                                                         "unless resourceVersion is provided"));
            goto out;
        }
        if (cont && cont[0]) {
            kapi_respond_status(r, gt_kst_new(400, NULL, "resourceVersionMatch is forbidden "
                                                         "when continue is provided"));
            goto out;
        }
        if (!strcmp(match, "Exact") && rv == 0) {
            kapi_respond_status(r, gt_kst_new(400, NULL, "resourceVersionMatch \"Exact\" is "
                                                         "forbidden for resourceVersion \"0\""));
            goto out;
        }
    }
    bool exact = (match && !strcmp(match, "Exact")) ||
                 (!(match && match[0]) && rv > 0 && limit > 0);
    bool from_cache = !(cont && cont[0]) && rvq && rvq[0] && !exact;
    if (from_cache) {
        if (rv > 0 && gt_kwc_wait(r->api->cache, rv, 3000) < 0) {
            kapi_respond_status(r, gt_kst_new(504, "Timeout",
                                              "Too large resource version: %" PRId64
                                              ", current: %" PRId64,
                                              rv, gt_kwc_revision(r->api->cache)));
            goto out;
        }
        int64_t crev;
        json_t *items = gt_kwc_list(r->api->cache, r->kind, r->ri.namespace_, ls, fs, &crev);
        respond_list(r, items, crev, NULL, -1);
        json_decref(items);
        goto out;
    }
    struct gt_kreg_list_opts o = { .ns = r->ri.namespace_, .lsel = ls, .fsel = fs,
                                   .limit = limit, .cont = cont, .revision = exact ? rv : 0 };
    struct gt_kreg_list_result res;
    if (gt_kreg_list(r->api->store, r->kind, &o, &res, &st) < 0) {
        kapi_respond_status(r, st);
        goto out;
    }
    respond_list(r, res.items, res.revision, res.cont, res.remaining);
    gt_kreg_list_result_release(&res);
out:
    gt_klsel_free(ls);
    gt_kfsel_free(fs);
}

/* ---- watch ---- */

static void wake_req(void *ctx)
{
    gt_http_req_wake(ctx);
}

static void wb_json(struct gt_strbuf *b, const char *type, json_t *obj)
{
    json_t *ev = json_pack("{s:s,s:O}", "type", type, "object", obj);
    char *s = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    gt_strbuf_add(b, s, strlen(s));
    gt_strbuf_add(b, "\n", 1);
    free(s);
}

/* Appends one event in the negotiated form. */
static void encode_event(struct kreq *r, struct gt_strbuf *b, struct gt_kwc_delivery *d,
                         bool *columns_sent)
{
    if (r->out == KOUT_JSON && !r->view) {
        size_t n;
        const char *w = gt_kwc_event_wire(d->ev, d->type, &n);
        gt_strbuf_add(b, w, n);
        return;
    }
    json_t *obj = gt_kwc_delivery_object(d);
    json_t *o;
    if (r->out == KOUT_JSON) {
        o = kapi_to_view(r, obj);
    } else if (r->out == KOUT_TABLE) {
        json_t *items = json_array();
        json_array_append(items, obj);
        o = gt_kind_table(r->kind, items, time(NULL), !*columns_sent,
                          gt_kobj_str(obj, "metadata.resourceVersion", NULL));
        json_decref(items);
        if (!strcmp(r->out_version, "v1beta1"))
            json_object_set_new(o, "apiVersion", json_string("meta.k8s.io/v1beta1"));
        *columns_sent = true;
    } else {
        json_t *meta = json_deep_copy(json_object_get(obj, "metadata"));
        char av[64];
        snprintf(av, sizeof av, "meta.k8s.io/%s", r->out_version);
        o = json_pack("{s:s,s:s,s:o}", "kind", "PartialObjectMetadata", "apiVersion", av,
                      "metadata", meta ? meta : json_object());
    }
    wb_json(b, gt_kwc_type_name(d->type), o);
    json_decref(o);
}

static void bookmark(struct kreq *r, struct gt_strbuf *b, int64_t rev)
{
    char av[64], rvs[24];
    snprintf(rvs, sizeof rvs, "%" PRId64, rev);
    json_t *o = json_pack("{s:s,s:s,s:{s:s}}", "kind", r->kind->kind, "apiVersion",
                          kapi_api_version(kapi_url_kind(r), av), "metadata", "resourceVersion",
                          rvs);
    wb_json(b, "BOOKMARK", o);
    json_decref(o);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kapi_watch(struct kreq *r)
{
    json_t *st = NULL;
    struct gt_kwc_watch_opts o = { .kind = r->kind, .ns = r->ri.namespace_, .wake = wake_req,
                                   .wake_ctx = r->http };
    if (selectors(r, &o.lsel, &o.fsel, &st) < 0) {
        kapi_respond_status(r, st);
        return;
    }
    const char *rvq = gt_http_req_query(r->http, "resourceVersion");
    const char *tq = gt_http_req_query(r->http, "timeoutSeconds");
    bool bookmarks = gt_http_req_query_bool(r->http, "allowWatchBookmarks", false);
    int64_t timeout_s = WATCH_DEFAULT_TIMEOUT_S;
    if (tq && tq[0]) {
        char *end;
        long long t = strtoll(tq, &end, 10);
        if (*end || t < 0) {
            gt_klsel_free(o.lsel);
            gt_kfsel_free(o.fsel);
            kapi_respond_status(r, gt_kst_new(400, NULL, "invalid timeoutSeconds \"%s\"", tq));
            return;
        }
        if (t > 0)
            timeout_s = t;
    }
    if (!rvq || !rvq[0]) {
        /* the most recent state, consistently: wait until the cache has
         * every write acknowledged so far */
        struct gt_store_status ss;
        struct gt_error err = { 0 };
        if (gt_store_status(r->api->store, &ss, &err) == 0)
            gt_kwc_wait(r->api->cache, ss.revision, 3000);
        o.initial = true;
    } else if (!strcmp(rvq, "0")) {
        o.initial = true;
    } else if (parse_rv_param(rvq, &o.from_rev, &st) < 0) {
        gt_klsel_free(o.lsel);
        gt_kfsel_free(o.fsel);
        kapi_respond_status(r, st);
        return;
    }
    struct gt_kwc_watcher *w = NULL;
    if (gt_kwc_watch(r->api->cache, &o, &w, &st) < 0) {
        gt_klsel_free(o.lsel);
        gt_kfsel_free(o.fsel);
        kapi_respond_status(r, st);
        return;
    }
    if (gt_http_stream_begin(r->http, 200, "application/json", false) < 0) {
        gt_kwc_watcher_free(w);
        return;
    }
    int64_t deadline = mono_ms() + timeout_s * 1000;
    int64_t last_sent = mono_ms();
    bool columns_sent = false;
    struct gt_kwc_delivery ds[WATCH_BATCH];
    struct gt_strbuf b = { 0 };
    for (;;) {
        int n = gt_kwc_watcher_take(w, ds, WATCH_BATCH);
        if (n < 0)
            break;
        if (n > 0) {
            b.len = 0;
            for (int i = 0; i < n; i++) {
                encode_event(r, &b, &ds[i], &columns_sent);
                gt_kwc_event_put(ds[i].ev);
            }
            if (gt_http_stream_write(r->http, b.s, b.len) < 0)
                break;
            last_sent = mono_ms();
            if (n == WATCH_BATCH)
                continue;
        }
        int64_t now = mono_ms();
        if (now >= deadline) {
            /* a client that takes bookmarks learns how far it got */
            if (bookmarks) {
                b.len = 0;
                bookmark(r, &b, gt_kwc_revision(r->api->cache));
                gt_http_stream_write(r->http, b.s, b.len);
            }
            break;
        }
        int64_t wait = deadline - now;
        if (bookmarks) {
            int64_t next_bm = last_sent + BOOKMARK_INTERVAL_MS - now;
            if (next_bm <= 0) {
                b.len = 0;
                bookmark(r, &b, gt_kwc_revision(r->api->cache));
                if (gt_http_stream_write(r->http, b.s, b.len) < 0)
                    break;
                last_sent = now;
                continue;
            }
            if (next_bm < wait)
                wait = next_bm;
        }
        int wr = gt_http_req_wait(r->http, -1, (int)wait);
        if (wr < 0)
            break;
    }
    free(b.s);
    gt_kwc_watcher_free(w);
    gt_http_stream_end(r->http);
}
