/* kube/api/watchcache.h - one store watch feeding every API watch.
 *
 * The cache lists everything under /registry/ once, then follows the store
 * with a single watch.  It keeps:
 * - the current object of every key (shared, immutable json_t: readers
 *   take references and never modify them);
 * - a ring of recent events, so that a watch from a recent resource
 *   version replays what it missed without touching the store;
 * - the registered watchers, per kind.
 * Each store event becomes one cache event, serialised once per wire form
 * however many watchers receive it, and is pushed to the queue of every
 * watcher whose filter (namespace, label and field selectors) it passes.
 * A watcher is woken through its wake callback and drains its queue on its
 * own thread.  As Kubernetes does, an object that starts or stops matching
 * a watcher's selectors reaches it as ADDED or DELETED.
 *
 * Resource versions.  gt_kwc_watch() from rv delivers every event with a
 * revision > rv (0: none; with initial, first a synthetic ADDED for each
 * current object).  An rv older than the ring fails with 410 Expired
 * ("too old resource version"); an rv newer than the cache waits for the
 * cache to catch up (up to 5 s, then 504 "Too large resource version").
 *
 * A watcher that falls too far behind (its queue is full) is ended, as
 * Kubernetes ends a blocked watcher: the client re-lists.  If the store
 * watch fails, every watcher is ended and the cache re-lists.
 *
 * In-process subscribers (garbage collector, controllers) get a callback
 * on the dispatcher thread after each batch; it must only note work and
 * return. */
#ifndef GT_KUBE_API_WATCHCACHE_H
#define GT_KUBE_API_WATCHCACHE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "kube/kinds.h"
#include "store/store.h"

struct gt_kwc;
struct gt_kwc_watcher;

enum gt_kwc_type { GT_KWC_ADDED, GT_KWC_MODIFIED, GT_KWC_DELETED };
const char *gt_kwc_type_name(enum gt_kwc_type t);

struct gt_kwc_event {
    enum gt_kwc_type type;
    int64_t rev;
    const struct gt_kind *kind;
    const char *ns, *name;
    json_t *obj;  /* the new state; for DELETED the last one, with the deletion's rv */
    json_t *prev; /* the state before, or NULL */
};

/* What a watcher receives: an event (a reference it must put back) and the
 * type as this watcher sees it. */
struct gt_kwc_delivery {
    struct gt_kwc_event *ev;
    enum gt_kwc_type type;
};

/* ring: events kept for replay (0: 65536). */
int gt_kwc_new(struct gt_store *s, size_t ring, struct gt_kwc **out, struct gt_error *err);
void gt_kwc_free(struct gt_kwc *c);

/* The revision the cache has caught up to. */
int64_t gt_kwc_revision(struct gt_kwc *c);
/* Waits until the cache has seen rev; 0, or -ETIMEDOUT. */
int gt_kwc_wait(struct gt_kwc *c, int64_t rev, int timeout_ms);

/* A new reference to the current object, or NULL. */
json_t *gt_kwc_get(struct gt_kwc *c, const struct gt_kind *k, const char *ns, const char *name);
/* The objects of a kind (ns NULL/"": all) passing the selectors, in key
 * order, as a new array of shared objects; *rev the cache's revision. */
json_t *gt_kwc_list(struct gt_kwc *c, const struct gt_kind *k, const char *ns,
                    const struct gt_klsel *lsel, const struct gt_kfsel *fsel, int64_t *rev);
/* Calls fn for each object of a kind (ns NULL: all) under the cache's
 * read lock: fn must be quick and not call back into the cache. */
void gt_kwc_foreach(struct gt_kwc *c, const struct gt_kind *k, const char *ns,
                    void (*fn)(const json_t *obj, void *ctx), void *ctx);

struct gt_kwc_watch_opts {
    const struct gt_kind *kind;
    const char *ns;                /* NULL/"": every namespace */
    struct gt_klsel *lsel;         /* taken over by the watcher (may be NULL) */
    struct gt_kfsel *fsel;         /* likewise */
    int64_t from_rev;              /* deliver revisions > from_rev */
    bool initial;                  /* synthetic ADDED events first (from_rev ignored) */
    void (*wake)(void *ctx);       /* called (any thread) when events are queued */
    void *wake_ctx;
};
/* 410 Expired, 504 Timeout as Status (*st). */
int gt_kwc_watch(struct gt_kwc *c, struct gt_kwc_watch_opts *o, struct gt_kwc_watcher **out,
                 json_t **st);
/* Takes up to max queued deliveries: their count, 0 when none, -1 when the
 * watcher was ended (fell behind, or the cache restarted). */
int gt_kwc_watcher_take(struct gt_kwc_watcher *w, struct gt_kwc_delivery *out, size_t max);
void gt_kwc_watcher_free(struct gt_kwc_watcher *w);

void gt_kwc_event_put(struct gt_kwc_event *ev);
/* The object a delivery shows (borrowed from the event): for an object
 * that stopped matching (DELETED), its previous state. */
json_t *gt_kwc_delivery_object(const struct gt_kwc_delivery *d);
/* {"type":"MODIFIED","object":{...}}\n, serialised once per type and kept
 * with the event (borrowed, valid while the caller holds its reference). */
const char *gt_kwc_event_wire(struct gt_kwc_event *ev, enum gt_kwc_type type, size_t *len);

/* Subscribers: fn after every batch of events (dispatcher thread), with
 * the batch's events (borrowed for the call; n 0 after a reload, when
 * everything may have changed). */
typedef void (*gt_kwc_subscriber_fn)(void *ctx, struct gt_kwc_event *const *evs, size_t n);
void gt_kwc_subscribe(struct gt_kwc *c, gt_kwc_subscriber_fn fn, void *ctx);
/* Removes a subscription; when it returns, fn is not running and will not
 * run again. */
void gt_kwc_unsubscribe(struct gt_kwc *c, gt_kwc_subscriber_fn fn, void *ctx);

#endif
