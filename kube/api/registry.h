/* kube/api/registry.h - Kubernetes objects in the revisioned store.
 *
 * Layout.  An object lives under one key:
 *   /registry/<group|core>/<resource>/<namespace>/<name>   (namespaced)
 *   /registry/<group|core>/<resource>/<name>               (cluster-scoped)
 * so that a list of one namespace, of all namespaces, and a watch of one
 * resource are each a prefix.  The value is the object's JSON without
 * metadata.resourceVersion: the resource version of an object is the
 * store's mod revision of its key, filled in when it is read.
 *
 * Conflicts.  Updates and deletes compare the key's mod revision with the
 * resource version the caller read; a mismatch is a 409 Conflict Status.
 * gt_kreg_guaranteed_update() reads, calls the caller's function and writes
 * with that comparison, retrying on a conflict, as Kubernetes'
 * GuaranteedUpdate does.
 *
 * Failures are reported as Status objects (*st), see kube/api/status.h. */
#ifndef GT_KUBE_API_REGISTRY_H
#define GT_KUBE_API_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "kube/kinds.h"
#include "store/store.h"

#define GT_KREG_ROOT "/registry/"

/* New strings (caller frees).  ns is ignored for cluster-scoped kinds;
 * for a namespaced kind, a NULL or "" ns in a prefix means every
 * namespace. */
char *gt_kreg_key(const struct gt_kind *k, const char *ns, const char *name);
char *gt_kreg_prefix(const struct gt_kind *k, const char *ns);
/* The kind, namespace and name a key holds (*ns, *name: new strings; *ns ""
 * when cluster-scoped); NULL for a key outside the layout. */
const struct gt_kind *gt_kreg_parse_key(const char *key, char **ns, char **name);

/* The object of a stored kv, resourceVersion set from its mod revision.
 * NULL if the value is not a JSON object (logged once by the caller). */
json_t *gt_kreg_decode(const char *value, size_t len, int64_t mod_rev);
/* The stored form (compact JSON, resourceVersion left out). */
char *gt_kreg_encode(const json_t *obj, size_t *len);
/* metadata.resourceVersion = rev. */
void gt_kreg_set_rv(json_t *obj, int64_t rev);
/* metadata.resourceVersion as a number: 0 when absent, -1 when malformed. */
int64_t gt_kreg_rv_of(const json_t *obj);

/* The object (*obj, owned) and its mod revision (*rev, may be NULL);
 * 404 NotFound.  revision 0: the current one. */
int gt_kreg_get(struct gt_store *s, const struct gt_kind *k, const char *ns, const char *name,
                int64_t revision, json_t **obj, int64_t *rev, json_t **st);
/* Stores a new object (obj must carry namespace and name); 409
 * AlreadyExists.  On success obj's resourceVersion is set. */
int gt_kreg_create(struct gt_store *s, const struct gt_kind *k, json_t *obj, json_t **st);
/* Replaces the object if its mod revision is still expected (0: whatever
 * it is); 409 Conflict, 404 NotFound.  On success obj's resourceVersion is
 * set. */
int gt_kreg_update(struct gt_store *s, const struct gt_kind *k, json_t *obj, int64_t expected,
                   json_t **st);
/* Deletes it if its mod revision is still expected (0: whatever);
 * *deleted (may be NULL) gets the last state with the deletion's revision
 * as resourceVersion. */
int gt_kreg_delete(struct gt_store *s, const struct gt_kind *k, const char *ns, const char *name,
                   int64_t expected, json_t **deleted, json_t **st);

/* GuaranteedUpdate: fn gets the current object (to modify in place or to
 * replace through *out) and returns 0 to write it, 1 to leave the object
 * as it is (no write: *result is the current object), or negative with *st
 * set to fail.  Retried with a fresh read on a conflict (up to 32 times).
 * *result (owned) gets the object as stored. */
typedef int (*gt_kreg_update_fn)(json_t *cur, json_t **out, void *ctx, json_t **st);
int gt_kreg_guaranteed_update(struct gt_store *s, const struct gt_kind *k, const char *ns,
                              const char *name, gt_kreg_update_fn fn, void *ctx,
                              json_t **result, json_t **st);

/* Lists. */
struct gt_kreg_list_opts {
    const char *ns;                   /* NULL/"": every namespace */
    const struct gt_klsel *lsel;      /* NULL: everything */
    const struct gt_kfsel *fsel;      /* NULL: everything */
    int64_t limit;                    /* 0: no limit */
    const char *cont;                 /* continue token, or NULL */
    int64_t revision;                 /* read at this revision (0: current) */
};
struct gt_kreg_list_result {
    json_t *items;          /* array of objects (owned) */
    int64_t revision;       /* the revision of the read: the list's resourceVersion */
    char *cont;             /* continue token when more remain, else NULL */
    int64_t remaining;      /* remainingItemCount, -1 when unknown */
};
int gt_kreg_list(struct gt_store *s, const struct gt_kind *k, const struct gt_kreg_list_opts *o,
                 struct gt_kreg_list_result *res, json_t **st);
void gt_kreg_list_result_release(struct gt_kreg_list_result *res);

/* Does an object pass the selectors (NULL selectors pass)? */
bool gt_kreg_matches(const struct gt_kind *k, const json_t *obj, const struct gt_klsel *lsel,
                     const struct gt_kfsel *fsel);

#endif
