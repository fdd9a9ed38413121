/* kube/api/internal.h - what the files of the API server share (not a
 * contract outside kube/api/). */
#ifndef GT_KUBE_API_INTERNAL_H
#define GT_KUBE_API_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/server.h"
#include "kube/api/reqinfo.h"
#include "kube/api/server.h"
#include "kube/api/status.h"
#include "kube/api/watchcache.h"
#include "kube/admission.h"
#include "kube/authn.h"
#include "kube/kinds.h"
#include "kube/lister.h"
#include "kube/rbac.h"
#include "store/store.h"

#define KAPI_MAX_BODY (3u << 20) /* Kubernetes' request limit, about 3 MB */
#define KAPI_GIT_VERSION "v1.32.0-gantry"
/* the issuer of service-account tokens, as kube-apiserver's default */
#define KAPI_SA_ISSUER "https://kubernetes.default.svc.cluster.local"

struct gt_kctrl;

struct gt_kapi {
    char *data_dir, *tls_dir, *cred_dir;
    char *ca_cert, *ca_key, *serving_cert, *serving_key, *sa_key_file;
    char *admin_kubeconfig;
    struct gt_store *store;
    struct gt_kwc *cache;
    /* what the security modules (kube/authn, rbac, admission) read */
    struct gt_klister lister;
    struct gt_ktokenfile *tokens;
    struct gt_ksa_key *sa_key;
    struct gt_kauthn authn;
    struct gt_kctrl *ctrl;
    struct gt_http_server *http;
    int https_listener, http_listener;
    char *insecure_addr;
    int gc_interval_ms, compact_interval_s;
    /* what the "kubernetes" Endpoints point at (the port once listening) */
    char *advertise_address;
    atomic_int advertise_port;
    atomic_bool ready;
};

enum kapi_out { KOUT_JSON, KOUT_TABLE, KOUT_PARTIAL };

/* One API request being served. */
struct kreq {
    struct gt_kapi *api;
    struct gt_http_req *http;
    struct gt_kreqinfo ri;
    struct gt_kuser user;
    /* the kind whose objects are read and written; view: the version the
     * URL asked for when it is served from kind's objects (kinds.h), NULL
     * otherwise */
    const struct gt_kind *kind, *view;
    const struct gt_ksubresource *sub;
    enum kapi_out out;
    const char *out_version; /* Table / PartialObjectMetadata: "v1" or "v1beta1" */
    int64_t now;
    bool applied; /* server-side apply set managedFields itself */
};

/* ---- answering (handler.c) ---- */
/* Sends obj as JSON; an object of the request's kind in the version the
 * request asked for (r->view). */
void kapi_respond_obj(struct kreq *r, int code, const json_t *obj);
/* obj (of r->kind) as the request's version: a new reference. */
json_t *kapi_to_view(struct kreq *r, const json_t *obj);
/* The kind as the URL names it: r->view, else r->kind. */
const struct gt_kind *kapi_url_kind(struct kreq *r);
/* Sends st (a Status) with its code and releases it. */
void kapi_respond_status(struct kreq *r, json_t *st);
/* The object in the negotiated form (JSON, Table, PartialObjectMetadata). */
void kapi_respond_read(struct kreq *r, const json_t *obj);
/* Parses the request body as an object of the request's kind (JSON, or the
 * Kubernetes protobuf envelope); *raw (may be NULL) gets the JSON before
 * decoding for strict field checks.  400/413/415 Status on failure. */
int kapi_read_body(struct kreq *r, json_t **obj, json_t **st);
/* "Strict", "Warn" or "Ignore" from ?fieldValidation (default Warn). */
const char *kapi_field_validation(struct kreq *r);
/* Kubernetes warnings ("299 - \"...\"") for the response. */
void kapi_warn(struct kreq *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- reads (rest_read.c) ---- */
void kapi_get(struct kreq *r);
void kapi_list(struct kreq *r);
void kapi_watch(struct kreq *r);

/* ---- writes (rest_write.c, rest_delete.c, rest_sub.c) ---- */
void kapi_create(struct kreq *r);
void kapi_update(struct kreq *r);
void kapi_patch(struct kreq *r);
void kapi_delete(struct kreq *r);
void kapi_deletecollection(struct kreq *r);
/* status, scale, binding, eviction, token, finalize */
void kapi_subresource(struct kreq *r);
/* PATCH of a subresource: "status" patches the object (status kept),
 * "scale" patches the Scale (rest_patch.c). */
void kapi_patch_sub(struct kreq *r, const char *sub);
/* Writes a Scale's spec.replicas to the object and answers the Scale. */
void kapi_scale_write(struct kreq *r, const json_t *scale);

/* The write pipeline shared by the verbs. */
enum kapi_op { KOP_CREATE, KOP_UPDATE, KOP_DELETE, KOP_CONNECT };
/* System metadata of a new object: uid, creationTimestamp, generation;
 * status reset; name from generateName. */
void kapi_prepare_create(const struct gt_kind *k, json_t *obj, int64_t now);
/* Carries over what a write to the main resource or to status may not
 * change (see rest_write.c). */
void kapi_prepare_update(const struct gt_kind *k, const char *subresource, json_t *obj,
                         const json_t *old);
/* metadata.generation + 1 when the spec changed (after defaulting). */
void kapi_bump_generation(const struct gt_kind *k, json_t *obj, const json_t *old);
/* Defaults, then kapi_admission(): 0, -1 with *st (422 Invalid, 403
 * Forbidden...), or KAPI_RETRY. */
int kapi_admit(struct kreq *r, const struct gt_kind *k, enum kapi_op op, json_t *obj,
               const json_t *old, json_t **st);
/* Does the kind keep metadata.generation? */
bool kapi_kind_has_generation(const struct gt_kind *k);

/* Request body checks: apiVersion/kind against the URL's kind (filled when
 * absent), namespace against the URL's, unknown fields per
 * ?fieldValidation.  0, or -1 with *st. */
int kapi_check_type(struct kreq *r, const struct gt_kind *k, json_t *obj, json_t **st);
int kapi_check_namespace(struct kreq *r, const struct gt_kind *k, json_t *obj, json_t **st);
/* old (may be NULL): what a patch started from; its own unknown fields
 * are not reported again.  patch: the message of a patch. */
int kapi_check_fields(struct kreq *r, const struct gt_kind *k, const json_t *obj,
                      const json_t *old, bool patch, json_t **st);
/* Create through the whole pipeline (obj is completed and, on success,
 * stored with its resourceVersion; ?dryRun=All stores nothing). */
int kapi_create_object(struct kreq *r, const struct gt_kind *k, json_t *obj, json_t **st);
/* Builds the next state of an object from the current one (cur NULL when
 * it does not exist: return -1 leaving the 404 in *st, or a new object to
 * create).  *precondition: the request named a resourceVersion or uid, so
 * a conflict is the client's (409) and is not retried. */
typedef int (*kapi_mutate_fn)(struct kreq *r, json_t *cur, json_t **next, bool *precondition,
                              void *ctx, json_t **st);
/* GuaranteedUpdate through the pipeline: read, mutate, prepare (status
 * rules, generation), admit, write with a compare-and-swap, retry on
 * conflicts.  *result: the object as stored; *code 200, or 201 when the
 * mutator created it. */
int kapi_update_loop(struct kreq *r, const struct gt_kind *k, const char *ns, const char *name,
                     const char *sub, kapi_mutate_fn fn, void *ctx, json_t **result, int *code,
                     json_t **st);
/* PUT of the main resource (sub NULL) or of /status. */
void kapi_update_with(struct kreq *r, const char *sub);
/* managedFields of a write that is not an apply (old NULL on create). */
void kapi_track_fields(struct kreq *r, const struct gt_kind *k, const json_t *old, json_t *obj,
                       const char *sub);

/* What some kinds hold outside the object (rest_write.c table). */
struct kapi_hooks {
    const char *group, *resource;
    int (*create)(struct gt_kapi *api, json_t *obj, json_t **st);
    int (*update)(struct gt_kapi *api, json_t *obj, const json_t *old, json_t **st);
    void (*release)(struct gt_kapi *api, const json_t *obj);
};
const struct kapi_hooks *kapi_hooks_of(const struct gt_kind *k);

/* ---- deletion (rest_delete.c), also used by the control loops ---- */
struct kapi_delete_opts {
    int64_t grace;            /* -1: the kind's default */
    const char *propagation;  /* "Background", "Foreground", "Orphan", or NULL: default */
    const char *uid_pre;      /* preconditions, or NULL */
    const char *rv_pre;
    bool dry_run;
};
/* Deletes (or marks for deletion) one object.  *result: the object as
 * deleted or as now pending; *gone: it no longer exists. */
int kapi_delete_object(struct gt_kapi *api, const struct gt_kind *k, const char *ns,
                       const char *name, const struct kapi_delete_opts *o, int64_t now,
                       json_t **result, bool *gone, json_t **st);

/* ---- discovery, openapi (discovery.c) ---- */
void kapi_discovery(struct kreq *r);
void kapi_openapi(struct kreq *r);

/* ---- the lister over the cache (lister.c) ---- */
void kapi_lister_init(struct gt_kapi *api);

/* ---- security glue (security.c) over kube/authn.h and kube/rbac.h ---- */
/* The identity of the request (r->user); -1 after answering 401. */
int kapi_authenticate(struct kreq *r);
/* Impersonate-* headers: r->user becomes the impersonated user; -1 after
 * answering 403/400. */
int kapi_impersonate(struct kreq *r);
/* 0 allowed; -1 with *st a 403 Forbidden Status. */
int kapi_authorize(struct gt_kapi *api, const struct gt_kuser *u, const struct gt_kreqinfo *ri,
                   json_t **st);
/* The create-only review kinds (access, local, rules, token and self reviews):
 * answered, never stored. */
void kapi_review(struct kreq *r, json_t *obj);
/* GET /openid/v1/jwks and /.well-known/openid-configuration */
void kapi_issuer_discovery(struct kreq *r);
/* POST serviceaccounts/<name>/token */
void kapi_token_request(struct kreq *r);
/* Default roles and bindings, created when absent. */
int kapi_rbac_bootstrap(struct gt_kapi *api, struct gt_error *err);

/* ---- admission glue (admit.c) over kube/admission.h ---- */
/* Mutating admission of obj (defaulted already), the kind's validation,
 * RBAC escalation checks, validating admission; then the quota updates the
 * write consumes are stored.  0, -1 with *st, or KAPI_RETRY when a quota
 * changed under us (run the write again from the start). */
#define KAPI_RETRY (-2)
int kapi_admission(struct kreq *r, const struct gt_kind *k, enum kapi_op op, json_t *obj,
                   const json_t *old, json_t **st);
/* Admission of a delete (NamespaceLifecycle protects system namespaces). */
int kapi_admission_delete(struct kreq *r, const struct gt_kind *k, const json_t *old,
                          json_t **st);

/* ---- control loops (ctrl.c) ---- */
int gt_kctrl_start(struct gt_kapi *api, struct gt_kctrl **out, struct gt_error *err);
void gt_kctrl_stop(struct gt_kctrl *c);
/* Asks the garbage collector for a pass soon. */
void gt_kctrl_kick(struct gt_kctrl *c);

/* ---- helpers ---- */
const struct gt_kind *kapi_kind_named(const char *group, const char *resource);
char *kapi_now_rfc3339(void);
/* "apps/v1" */
const char *kapi_api_version(const struct gt_kind *k, char out[64]);

#endif
