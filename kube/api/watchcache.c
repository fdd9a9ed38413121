/* The watch cache: one store watch, the current objects, a ring of recent
 * events, and the fan-out to every API watch (see watchcache.h). */
#include "kube/api/watchcache.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "kube/api/registry.h"
#include "kube/api/status.h"
#include "kube/obj.h"

#define DEFAULT_RING 65536
#define WATCHER_MAX_PENDING 50000
#define FRESH_WAIT_MS 5000

struct ev_impl {
    struct gt_kwc_event pub;
    atomic_int refs;
    pthread_mutex_t mu;
    char *wire[3];
    size_t wlen[3];
    json_t *prev_as_deleted; /* prev with this event's rv, made on demand */
    char *ns, *name;
};

struct gt_kwc_watcher {
    struct gt_kwc *c;
    size_t kind_idx;
    char *ns;
    struct gt_klsel *lsel;
    struct gt_kfsel *fsel;
    void (*wake)(void *);
    void *wake_ctx;
    pthread_mutex_t mu;
    struct gt_kwc_delivery *q;
    size_t qhead, qn, qcap;
    bool ended;
    bool registered;
};

struct kind_cache {
    const struct gt_kind *kind;
    json_t *objs; /* "ns/name" -> object */
    struct gt_kwc_watcher **w;
    size_t nw, capw;
};

struct subscriber {
    gt_kwc_subscriber_fn fn;
    void *ctx;
};

struct gt_kwc {
    struct gt_store *s;
    pthread_rwlock_t lock;
    struct kind_cache *kc;
    size_t nk;
    /* ring of recent events, oldest at head; every event with rev > floor
     * is in it */
    struct ev_impl **ring;
    size_t cap, head, n;
    int64_t floor;

    pthread_mutex_t rev_mu;
    pthread_cond_t rev_cond;
    int64_t rev;

    struct gt_store_watch *sw;
    pthread_t thread;
    atomic_bool stop;
    bool started;

    pthread_mutex_t sub_mu;
    struct subscriber *subs;
    size_t nsubs;
};

const char *gt_kwc_type_name(enum gt_kwc_type t)
{
    static const char *const names[] = { "ADDED", "MODIFIED", "DELETED" };
    return names[t];
}

/* ---- events ---- */

static struct ev_impl *ev_new(enum gt_kwc_type type, int64_t rev, const struct gt_kind *k,
                              const char *ns, const char *name, json_t *obj, json_t *prev)
{
    struct ev_impl *e = gt_xcalloc(1, sizeof *e);
    atomic_init(&e->refs, 1);
    pthread_mutex_init(&e->mu, NULL);
    e->ns = gt_xstrdup(ns);
    e->name = gt_xstrdup(name);
    e->pub = (struct gt_kwc_event){ .type = type, .rev = rev, .kind = k, .ns = e->ns,
                                    .name = e->name, .obj = obj, .prev = prev };
    return e;
}

static void ev_get(struct ev_impl *e)
{
    atomic_fetch_add(&e->refs, 1);
}

void gt_kwc_event_put(struct gt_kwc_event *pub)
{
    if (!pub)
        return;
    struct ev_impl *e = (struct ev_impl *)pub;
    if (atomic_fetch_sub(&e->refs, 1) != 1)
        return;
    json_decref(e->pub.obj);
    json_decref(e->pub.prev);
    json_decref(e->prev_as_deleted);
    for (int i = 0; i < 3; i++)
        free(e->wire[i]);
    free(e->ns);
    free(e->name);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

/* A shallow copy of obj whose metadata (copied) has resourceVersion rev:
 * the rest stays shared and immutable. */
static json_t *with_rv(const json_t *obj, int64_t rev)
{
    json_t *o = json_copy((json_t *)obj);
    json_t *meta = json_copy(json_object_get(obj, "metadata"));
    if (!meta)
        meta = json_object();
    json_object_set_new(o, "metadata", meta);
    gt_kreg_set_rv(o, rev);
    return o;
}

/* The object a watcher sees for a delivery: the previous state for an
 * object that stopped matching (reported DELETED). */
static json_t *delivery_obj(struct ev_impl *e, enum gt_kwc_type type)
{
    if (type != GT_KWC_DELETED || e->pub.type != GT_KWC_MODIFIED || !e->pub.prev)
        return e->pub.obj;
    pthread_mutex_lock(&e->mu);
    if (!e->prev_as_deleted)
        e->prev_as_deleted = with_rv(e->pub.prev, e->pub.rev);
    pthread_mutex_unlock(&e->mu);
    return e->prev_as_deleted;
}

json_t *gt_kwc_delivery_object(const struct gt_kwc_delivery *d)
{
    return delivery_obj((struct ev_impl *)d->ev, d->type);
}

const char *gt_kwc_event_wire(struct gt_kwc_event *pub, enum gt_kwc_type type, size_t *len)
{
    struct ev_impl *e = (struct ev_impl *)pub;
    json_t *obj = delivery_obj(e, type);
    pthread_mutex_lock(&e->mu);
    if (!e->wire[type]) {
        char *o = json_dumps(obj, JSON_COMPACT);
        if (!o)
            abort();
        e->wire[type] = gt_xasprintf("{\"type\":\"%s\",\"object\":%s}\n", gt_kwc_type_name(type), o);
        e->wlen[type] = strlen(e->wire[type]);
        free(o);
    }
    pthread_mutex_unlock(&e->mu);
    *len = e->wlen[type];
    return e->wire[type];
}

/* ---- kinds ---- */

static struct kind_cache *kc_of(struct gt_kwc *c, const struct gt_kind *k)
{
    for (size_t i = 0; i < c->nk; i++)
        if (c->kc[i].kind == k)
            return &c->kc[i];
    return NULL;
}

static char *map_key(const char *ns, const char *name)
{
    return gt_xasprintf("%s/%s", ns ? ns : "", name);
}

/* ---- watchers ---- */

static bool passes(const struct gt_kwc_watcher *w, const struct gt_kind *k, const char *ns,
                   const json_t *obj)
{
    if (w->ns && strcmp(w->ns, ns) != 0)
        return false;
    return gt_kreg_matches(k, obj, w->lsel, w->fsel);
}

/* Called with w->mu held.  Returns false when the watcher is over its limit. */
static bool push_locked(struct gt_kwc_watcher *w, struct ev_impl *e, enum gt_kwc_type type,
                        bool unbounded)
{
    if (w->ended)
        return false;
    if (!unbounded && w->qn >= WATCHER_MAX_PENDING) {
        w->ended = true;
        return false;
    }
    if (w->qn == w->qcap) {
        size_t ncap = w->qcap ? w->qcap * 2 : 64;
        struct gt_kwc_delivery *nq = gt_xmalloc(ncap * sizeof *nq);
        for (size_t i = 0; i < w->qn; i++)
            nq[i] = w->q[(w->qhead + i) % w->qcap];
        free(w->q);
        w->q = nq;
        w->qcap = ncap;
        w->qhead = 0;
    }
    ev_get(e);
    w->q[(w->qhead + w->qn) % w->qcap] = (struct gt_kwc_delivery){ &e->pub, type };
    w->qn++;
    return true;
}

/* The type a watcher sees for an event, or -1 when it sees nothing. */
static int view_of(const struct gt_kwc_watcher *w, const struct ev_impl *e)
{
    const struct gt_kwc_event *ev = &e->pub;
    bool now = passes(w, ev->kind, ev->ns, ev->obj);
    switch (ev->type) {
    case GT_KWC_ADDED:
        return now ? GT_KWC_ADDED : -1;
    case GT_KWC_DELETED:
        return now ? GT_KWC_DELETED : -1;
    case GT_KWC_MODIFIED: {
        bool before = ev->prev && passes(w, ev->kind, ev->ns, ev->prev);
        if (now && before)
            return GT_KWC_MODIFIED;
        if (now)
            return GT_KWC_ADDED;
        if (before)
            return GT_KWC_DELETED;
        return -1;
    }
    }
    return -1;
}

static void end_watcher(struct gt_kwc_watcher *w)
{
    pthread_mutex_lock(&w->mu);
    w->ended = true;
    pthread_mutex_unlock(&w->mu);
    if (w->wake)
        w->wake(w->wake_ctx);
}

/* ---- applying store events (write lock held) ---- */

static void ring_push(struct gt_kwc *c, struct ev_impl *e)
{
    if (c->n == c->cap) {
        struct ev_impl *old = c->ring[c->head];
        c->floor = old->pub.rev;
        gt_kwc_event_put(&old->pub);
        c->head = (c->head + 1) % c->cap;
        c->n--;
    }
    c->ring[(c->head + c->n) % c->cap] = e;
    c->n++;
}

static void fan_out(struct gt_kwc *c, struct kind_cache *kc, struct ev_impl *e)
{
    for (size_t i = 0; i < kc->nw; i++) {
        struct gt_kwc_watcher *w = kc->w[i];
        int t = view_of(w, e);
        if (t < 0)
            continue;
        pthread_mutex_lock(&w->mu);
        push_locked(w, e, (enum gt_kwc_type)t, false);
        pthread_mutex_unlock(&w->mu);
        if (w->wake)
            w->wake(w->wake_ctx);
    }
}

/* Applies one store event; returns the cache event with a reference for
 * the caller, or NULL when it changed nothing the cache holds. */
static struct ev_impl *apply_event(struct gt_kwc *c, const struct gt_store_event *se)
{
    char *ns = NULL, *name = NULL;
    const struct gt_kind *k = gt_kreg_parse_key(se->kv.key, &ns, &name);
    struct kind_cache *kc = k ? kc_of(c, k) : NULL;
    if (!kc) {
        free(ns);
        free(name);
        return NULL;
    }
    char *mk = map_key(ns, name);
    json_t *prev = json_object_get(kc->objs, mk);
    struct ev_impl *e = NULL;
    if (se->type == GT_STORE_EVENT_PUT) {
        json_t *obj = gt_kreg_decode(se->kv.value, se->kv.value_len, se->kv.mod_rev);
        if (!obj) {
            gt_warn("watch cache: %s is not a JSON object; ignored", se->kv.key);
        } else {
            json_incref(prev);
            e = ev_new(prev ? GT_KWC_MODIFIED : GT_KWC_ADDED, se->kv.mod_rev, k, ns, name, obj,
                       prev);
            json_object_set(kc->objs, mk, obj);
        }
    } else if (prev) {
        json_t *last = with_rv(prev, se->kv.mod_rev);
        json_incref(prev);
        e = ev_new(GT_KWC_DELETED, se->kv.mod_rev, k, ns, name, last, prev);
        json_object_del(kc->objs, mk);
    }
    free(mk);
    free(ns);
    free(name);
    if (!e)
        return NULL;
    fan_out(c, kc, e);
    ev_get(e);
    ring_push(c, e);
    return e;
}

static void set_rev(struct gt_kwc *c, int64_t rev)
{
    pthread_mutex_lock(&c->rev_mu);
    if (rev > c->rev) {
        c->rev = rev;
        pthread_cond_broadcast(&c->rev_cond);
    }
    pthread_mutex_unlock(&c->rev_mu);
}

int64_t gt_kwc_revision(struct gt_kwc *c)
{
    pthread_mutex_lock(&c->rev_mu);
    int64_t r = c->rev;
    pthread_mutex_unlock(&c->rev_mu);
    return r;
}

int gt_kwc_wait(struct gt_kwc *c, int64_t rev, int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (dl.tv_nsec >= 1000000000) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000;
    }
    int rc = 0;
    pthread_mutex_lock(&c->rev_mu);
    while (c->rev < rev) {
        if (pthread_cond_timedwait(&c->rev_cond, &c->rev_mu, &dl) == ETIMEDOUT) {
            rc = c->rev < rev ? -ETIMEDOUT : 0;
            break;
        }
    }
    pthread_mutex_unlock(&c->rev_mu);
    return rc;
}

/* ---- loading and following the store ---- */

static void clear_objects(struct gt_kwc *c)
{
    for (size_t i = 0; i < c->nk; i++)
        json_object_clear(c->kc[i].objs);
    while (c->n) {
        gt_kwc_event_put(&c->ring[c->head]->pub);
        c->head = (c->head + 1) % c->cap;
        c->n--;
    }
    c->head = 0;
}

/* Lists every object (write lock held); returns the revision of the list. */
static int load(struct gt_kwc *c, int64_t *rev_out, struct gt_error *err)
{
    char *after = NULL;
    int64_t rev = 0;
    for (;;) {
        struct gt_store_range r = { .key = GT_KREG_ROOT, .prefix = true, .after = after,
                                    .limit = 2000, .revision = rev };
        struct gt_store_range_result rr = { 0 };
        int rc = gt_store_range(c->s, &r, &rr, err);
        if (rc < 0) {
            free(after);
            return rc;
        }
        rev = rr.revision;
        for (size_t i = 0; i < rr.n; i++) {
            struct gt_store_event se = { .type = GT_STORE_EVENT_PUT, .kv = rr.kvs[i] };
            char *ns = NULL, *name = NULL;
            const struct gt_kind *k = gt_kreg_parse_key(se.kv.key, &ns, &name);
            struct kind_cache *kc = k ? kc_of(c, k) : NULL;
            if (kc) {
                json_t *obj = gt_kreg_decode(se.kv.value, se.kv.value_len, se.kv.mod_rev);
                if (obj) {
                    char *mk = map_key(ns, name);
                    json_object_set_new(kc->objs, mk, obj);
                    free(mk);
                }
            }
            free(ns);
            free(name);
        }
        free(after);
        after = rr.n ? gt_xstrdup(rr.kvs[rr.n - 1].key) : NULL;
        bool more = rr.more;
        gt_store_range_result_release(&rr);
        if (!more)
            break;
    }
    free(after);
    *rev_out = rev;
    return 0;
}

static int start_watch(struct gt_kwc *c, int64_t from, struct gt_error *err)
{
    struct gt_store_watch_opts wo = { .key = GT_KREG_ROOT, .prefix = true,
                                      .start_revision = from + 1, .progress_notify = true,
                                      .progress_interval_ms = 1000 };
    return gt_store_watch(c->s, &wo, &c->sw, err);
}

static void notify_subscribers(struct gt_kwc *c, struct gt_kwc_event *const *evs, size_t n)
{
    pthread_mutex_lock(&c->sub_mu);
    for (size_t i = 0; i < c->nsubs; i++)
        c->subs[i].fn(c->subs[i].ctx, evs, n);
    pthread_mutex_unlock(&c->sub_mu);
}

/* The store watch failed: end every watcher, list again, watch again. */
static void reset(struct gt_kwc *c)
{
    for (;;) {
        if (atomic_load(&c->stop))
            return;
        struct gt_error err = { 0 };
        pthread_rwlock_wrlock(&c->lock);
        for (size_t i = 0; i < c->nk; i++)
            for (size_t j = 0; j < c->kc[i].nw; j++)
                end_watcher(c->kc[i].w[j]);
        clear_objects(c);
        int64_t rev = 0;
        int rc = load(c, &rev, &err);
        if (rc == 0)
            c->floor = rev;
        pthread_rwlock_unlock(&c->lock);
        if (rc == 0) {
            if (c->sw)
                gt_store_watch_free(c->sw);
            c->sw = NULL;
            rc = start_watch(c, rev, &err);
        }
        if (rc == 0) {
            pthread_mutex_lock(&c->rev_mu);
            c->rev = rev;
            pthread_cond_broadcast(&c->rev_cond);
            pthread_mutex_unlock(&c->rev_mu);
            notify_subscribers(c, NULL, 0);
            return;
        }
        gt_warn("watch cache: reload failed: %s; retrying", err.msg);
        struct timespec ts = { 1, 0 };
        nanosleep(&ts, NULL);
    }
}

static void *dispatch(void *arg)
{
    struct gt_kwc *c = arg;
    while (!atomic_load(&c->stop)) {
        struct gt_store_watch_batch b = { 0 };
        struct gt_error err = { 0 };
        int rc = gt_store_watch_next(c->sw, 1000, &b, &err);
        if (rc == -EAGAIN)
            continue;
        if (rc < 0) {
            if (atomic_load(&c->stop))
                break;
            gt_warn("watch cache: store watch ended: %s; reloading", err.msg);
            reset(c);
            continue;
        }
        struct gt_kwc_event **evs = NULL;
        size_t nevs = 0;
        if (b.n) {
            evs = gt_xmalloc(b.n * sizeof *evs);
            pthread_rwlock_wrlock(&c->lock);
            int64_t last = 0;
            for (size_t i = 0; i < b.n; i++) {
                struct ev_impl *e = apply_event(c, &b.events[i]);
                if (e)
                    evs[nevs++] = &e->pub;
                last = b.events[i].kv.mod_rev;
            }
            pthread_rwlock_unlock(&c->lock);
            set_rev(c, last);
        } else if (b.progress) {
            set_rev(c, b.revision);
        }
        gt_store_watch_batch_release(&b);
        if (nevs)
            notify_subscribers(c, evs, nevs);
        for (size_t i = 0; i < nevs; i++)
            gt_kwc_event_put(evs[i]);
        free(evs);
    }
    return NULL;
}

int gt_kwc_new(struct gt_store *s, size_t ring, struct gt_kwc **out, struct gt_error *err)
{
    struct gt_kwc *c = gt_xcalloc(1, sizeof *c);
    c->s = s;
    pthread_rwlock_init(&c->lock, NULL);
    pthread_mutex_init(&c->rev_mu, NULL);
    pthread_mutex_init(&c->sub_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_REALTIME);
    pthread_cond_init(&c->rev_cond, &ca);
    pthread_condattr_destroy(&ca);
    size_t nk;
    const struct gt_kind *const *kinds = gt_kinds(&nk);
    c->kc = gt_xcalloc(nk, sizeof *c->kc);
    c->nk = nk;
    for (size_t i = 0; i < nk; i++) {
        c->kc[i].kind = kinds[i];
        c->kc[i].objs = json_object();
    }
    c->cap = ring ? ring : DEFAULT_RING;
    c->ring = gt_xcalloc(c->cap, sizeof *c->ring);
    int64_t rev = 0;
    int rc = load(c, &rev, err);
    if (rc == 0)
        rc = start_watch(c, rev, err);
    if (rc < 0) {
        gt_err_prefix(err, "watch cache");
        gt_kwc_free(c);
        return rc;
    }
    c->floor = rev;
    c->rev = rev;
    if (pthread_create(&c->thread, NULL, dispatch, c) != 0) {
        gt_kwc_free(c);
        return gt_err(err, EAGAIN, "watch cache: cannot start its thread");
    }
    c->started = true;
    *out = c;
    return 0;
}

void gt_kwc_free(struct gt_kwc *c)
{
    if (!c)
        return;
    atomic_store(&c->stop, true);
    if (c->sw)
        gt_store_watch_cancel(c->sw);
    if (c->started)
        pthread_join(c->thread, NULL);
    if (c->sw)
        gt_store_watch_free(c->sw);
    pthread_rwlock_wrlock(&c->lock);
    for (size_t i = 0; i < c->nk; i++) {
        for (size_t j = 0; j < c->kc[i].nw; j++) {
            c->kc[i].w[j]->registered = false;
            end_watcher(c->kc[i].w[j]);
        }
        free(c->kc[i].w);
        json_decref(c->kc[i].objs);
    }
    clear_objects(c);
    pthread_rwlock_unlock(&c->lock);
    free(c->kc);
    free(c->ring);
    free(c->subs);
    pthread_rwlock_destroy(&c->lock);
    pthread_mutex_destroy(&c->rev_mu);
    pthread_mutex_destroy(&c->sub_mu);
    pthread_cond_destroy(&c->rev_cond);
    free(c);
}

void gt_kwc_subscribe(struct gt_kwc *c, gt_kwc_subscriber_fn fn, void *ctx)
{
    pthread_mutex_lock(&c->sub_mu);
    c->subs = gt_xrealloc(c->subs, (c->nsubs + 1) * sizeof *c->subs);
    c->subs[c->nsubs++] = (struct subscriber){ fn, ctx };
    pthread_mutex_unlock(&c->sub_mu);
}

void gt_kwc_unsubscribe(struct gt_kwc *c, gt_kwc_subscriber_fn fn, void *ctx)
{
    pthread_mutex_lock(&c->sub_mu);
    for (size_t i = 0; i < c->nsubs; i++)
        if (c->subs[i].fn == fn && c->subs[i].ctx == ctx) {
            c->subs[i] = c->subs[--c->nsubs];
            break;
        }
    pthread_mutex_unlock(&c->sub_mu);
}

/* ---- reads ---- */

json_t *gt_kwc_get(struct gt_kwc *c, const struct gt_kind *k, const char *ns, const char *name)
{
    struct kind_cache *kc = kc_of(c, k);
    if (!kc)
        return NULL;
    char *mk = map_key(k->namespaced ? ns : "", name);
    pthread_rwlock_rdlock(&c->lock);
    json_t *o = json_incref(json_object_get(kc->objs, mk));
    pthread_rwlock_unlock(&c->lock);
    free(mk);
    return o;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted keys of kc->objs under the ns prefix (read lock held). */
static const char **sorted_keys(struct kind_cache *kc, const char *ns, size_t *n)
{
    size_t cap = json_object_size(kc->objs), cnt = 0;
    const char **keys = gt_xmalloc((cap + 1) * sizeof *keys);
    size_t nl = ns ? strlen(ns) : 0;
    const char *key;
    json_t *v;
    json_object_foreach(kc->objs, key, v) {
        if (nl && (strncmp(key, ns, nl) != 0 || key[nl] != '/'))
            continue;
        keys[cnt++] = key;
    }
    qsort(keys, cnt, sizeof *keys, cmp_str);
    *n = cnt;
    return keys;
}

json_t *gt_kwc_list(struct gt_kwc *c, const struct gt_kind *k, const char *ns,
                    const struct gt_klsel *lsel, const struct gt_kfsel *fsel, int64_t *rev)
{
    struct kind_cache *kc = kc_of(c, k);
    json_t *items = json_array();
    if (!kc)
        return items;
    if (!k->namespaced || (ns && !ns[0]))
        ns = NULL;
    pthread_rwlock_rdlock(&c->lock);
    size_t n;
    const char **keys = sorted_keys(kc, ns, &n);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object_get(kc->objs, keys[i]);
        if (gt_kreg_matches(k, o, lsel, fsel))
            json_array_append(items, o);
    }
    free(keys);
    if (rev)
        *rev = gt_kwc_revision(c);
    pthread_rwlock_unlock(&c->lock);
    return items;
}

void gt_kwc_foreach(struct gt_kwc *c, const struct gt_kind *k, const char *ns,
                    void (*fn)(const json_t *obj, void *ctx), void *ctx)
{
    struct kind_cache *kc = kc_of(c, k);
    if (!kc)
        return;
    if (!k->namespaced || (ns && !ns[0]))
        ns = NULL;
    size_t nl = ns ? strlen(ns) : 0;
    pthread_rwlock_rdlock(&c->lock);
    const char *key;
    json_t *v;
    json_object_foreach(kc->objs, key, v) {
        if (nl && (strncmp(key, ns, nl) != 0 || key[nl] != '/'))
            continue;
        fn(v, ctx);
    }
    pthread_rwlock_unlock(&c->lock);
}

/* ---- watch registration ---- */

/* Index of the first ring event with rev > from (c->n when none). */
static size_t ring_first_after(struct gt_kwc *c, int64_t from)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->ring[(c->head + mid) % c->cap]->pub.rev <= from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void watcher_free_parts(struct gt_kwc_watcher *w)
{
    gt_klsel_free(w->lsel);
    gt_kfsel_free(w->fsel);
    free(w->ns);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

int gt_kwc_watch(struct gt_kwc *c, struct gt_kwc_watch_opts *o, struct gt_kwc_watcher **out,
                 json_t **st)
{
    struct kind_cache *kc = kc_of(c, o->kind);
    if (!kc)
        return gt_kst_fail(st, 404, NULL, "no watch cache for %s", o->kind->resource);
    struct gt_kwc_watcher *w = gt_xcalloc(1, sizeof *w);
    w->c = c;
    w->kind_idx = (size_t)(kc - c->kc);
    w->ns = o->kind->namespaced && o->ns && o->ns[0] ? gt_xstrdup(o->ns) : NULL;
    w->lsel = o->lsel;
    w->fsel = o->fsel;
    o->lsel = NULL;
    o->fsel = NULL;
    w->wake = o->wake;
    w->wake_ctx = o->wake_ctx;
    pthread_mutex_init(&w->mu, NULL);

    if (!o->initial && o->from_rev > gt_kwc_revision(c) &&
        gt_kwc_wait(c, o->from_rev, FRESH_WAIT_MS) < 0) {
        int64_t cur = gt_kwc_revision(c);
        watcher_free_parts(w);
        return gt_kst_fail(st, 504, "Timeout",
                           "Too large resource version: %" PRId64 ", current: %" PRId64,
                           o->from_rev, cur);
    }

    pthread_rwlock_wrlock(&c->lock);
    if (o->initial) {
        size_t n;
        const char **keys = sorted_keys(kc, w->ns, &n);
        for (size_t i = 0; i < n; i++) {
            json_t *obj = json_object_get(kc->objs, keys[i]);
            const char *ns = gt_kobj_namespace(obj);
            if (!passes(w, o->kind, ns, obj))
                continue;
            struct ev_impl *e = ev_new(GT_KWC_ADDED, gt_kreg_rv_of(obj), o->kind, ns,
                                       gt_kobj_name(obj), json_incref(obj), NULL);
            push_locked(w, e, GT_KWC_ADDED, true);
            gt_kwc_event_put(&e->pub);
        }
        free(keys);
    } else {
        if (o->from_rev < c->floor) {
            int64_t floor = c->floor;
            pthread_rwlock_unlock(&c->lock);
            watcher_free_parts(w);
            return gt_kst_fail(st, 410, "Expired",
                               "too old resource version: %" PRId64 " (%" PRId64 ")", o->from_rev,
                               floor + 1);
        }
        for (size_t i = ring_first_after(c, o->from_rev); i < c->n; i++) {
            struct ev_impl *e = c->ring[(c->head + i) % c->cap];
            if (e->pub.kind != o->kind)
                continue;
            int t = view_of(w, e);
            if (t >= 0)
                push_locked(w, e, (enum gt_kwc_type)t, true);
        }
    }
    if (kc->nw == kc->capw) {
        kc->capw = kc->capw ? kc->capw * 2 : 16;
        kc->w = gt_xrealloc(kc->w, kc->capw * sizeof *kc->w);
    }
    kc->w[kc->nw++] = w;
    w->registered = true;
    pthread_rwlock_unlock(&c->lock);
    *out = w;
    return 0;
}

int gt_kwc_watcher_take(struct gt_kwc_watcher *w, struct gt_kwc_delivery *out, size_t max)
{
    pthread_mutex_lock(&w->mu);
    if (w->ended) {
        pthread_mutex_unlock(&w->mu);
        return -1;
    }
    size_t n = 0;
    while (n < max && w->qn) {
        out[n++] = w->q[w->qhead];
        w->qhead = (w->qhead + 1) % w->qcap;
        w->qn--;
    }
    pthread_mutex_unlock(&w->mu);
    return (int)n;
}

void gt_kwc_watcher_free(struct gt_kwc_watcher *w)
{
    if (!w)
        return;
    struct gt_kwc *c = w->c;
    pthread_rwlock_wrlock(&c->lock);
    if (w->registered) {
        struct kind_cache *kc = &c->kc[w->kind_idx];
        for (size_t i = 0; i < kc->nw; i++)
            if (kc->w[i] == w) {
                kc->w[i] = kc->w[--kc->nw];
                break;
            }
    }
    pthread_rwlock_unlock(&c->lock);
    for (size_t i = 0; i < w->qn; i++)
        gt_kwc_event_put(w->q[(w->qhead + i) % w->qcap].ev);
    free(w->q);
    watcher_free_parts(w);
}
