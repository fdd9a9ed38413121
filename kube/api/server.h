/* kube/api/server.h - the Kubernetes API server of `gantry server`.
 *
 * gt_kapi_new() brings up, in order: the data directory and its PKI (a CA,
 * a serving certificate, the service-account signing key and an admin
 * client certificate, created on first start and reused afterwards); the
 * store (embedded SQLite under the data directory, or etcd when endpoints
 * are given); the watch cache; the bootstrap objects (namespaces default,
 * kube-system, kube-public, kube-node-lease; the PriorityClasses
 * system-node-critical and system-cluster-critical; the default RBAC roles
 * and bindings); the control loops that live in the server (garbage collector,
 * namespace lifecycle, default service accounts, RBAC aggregation, quota
 * usage, store compaction, the "kubernetes" Service's Endpoints and
 * EndpointSlice); and the listeners: HTTPS with client
 * certificates on bind_address:https_port, and, only when asked, plain HTTP
 * on a loopback address (for tests; requests there without a bearer token
 * act as system:admin in group system:masters).
 *
 * The admin kubeconfig (CN=system:admin, O=system:masters) is written to
 * <data-dir>/cred/admin.kubeconfig and, if asked, to write_kubeconfig.
 *
 * Everything the server serves is described by the kinds table
 * (kube/kinds.h); nothing here is written per kind except the few
 * subresources with behaviour of their own (status, scale, binding,
 * eviction, token, finalize). */
#ifndef GT_KUBE_API_SERVER_H
#define GT_KUBE_API_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "store/store.h"

struct gt_kapi_config {
    const char *data_dir;           /* required */
    const char *bind_address;       /* NULL: "0.0.0.0" (every address) */
    /* the address the "kubernetes" Service's endpoints carry; NULL: the
     * bind address unless a wildcard or loopback, else the address of the
     * default route's interface (kube-apiserver's choice), else the bind
     * address or 127.0.0.1 */
    const char *advertise_address;
    int https_port;                 /* 0 picks a free port; -1: no HTTPS listener */
    const char *insecure_http;      /* "127.0.0.1:PORT" or NULL (must be loopback) */
    const char *datastore_endpoint; /* etcd client URLs, or NULL: SQLite */
    const char *token_file;         /* static tokens, or NULL */
    const char *write_kubeconfig;   /* extra copy of the admin kubeconfig, or NULL */
    mode_t kubeconfig_mode;         /* 0: 0600 */
    const char *const *extra_sans;  /* more names/IPs for the serving certificate */
    enum gt_store_sync sync;
    int gc_interval_ms;             /* full garbage-collector pass period (0: 10 s) */
    int compact_interval_s;         /* store compaction period (0: 300 s) */
    size_t watch_cache_events;      /* events the watch cache keeps (0: 65536) */
};

struct gt_kapi;

int gt_kapi_new(const struct gt_kapi_config *cfg, struct gt_kapi **out, struct gt_error *err);
/* Bound ports (after port 0), -1 when that listener is off. */
int gt_kapi_https_port(const struct gt_kapi *api);
int gt_kapi_http_port(const struct gt_kapi *api);
/* Stops listeners (grace for running requests), control loops, cache,
 * store; frees. */
void gt_kapi_free(struct gt_kapi *api);

#endif
