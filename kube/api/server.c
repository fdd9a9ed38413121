/* The API server: bring-up and tear-down (see server.h). */
#include "kube/api/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/route.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "kube/api/alloc.h"
#include "kube/api/internal.h"
#include "kube/api/pki.h"
#include "kube/api/registry.h"
#include "kube/obj.h"

const struct gt_http_route *kapi_routes(size_t *n, gt_http_error_fn *efn);

static const char *const system_namespaces[] = { "default", "kube-system", "kube-public",
                                                 "kube-node-lease" };

/* The "kubernetes" Service in default, on the first address of the
 * service CIDR, pointing at the HTTPS port. */
static int bootstrap_kubernetes_service(struct gt_kapi *api, int port, struct gt_error *err)
{
    const struct gt_kind *k = kapi_kind_named("", "services");
    json_t *cur = gt_kwc_get(api->cache, k, "default", "kubernetes");
    if (cur) {
        json_decref(cur);
        return 0;
    }
    json_t *o = json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s,s:s}},s:{s:s,s:s,s:[{s:s,s:i,s:s,s:i}]}}",
                          "apiVersion", "v1", "kind", "Service", "metadata", "name", "kubernetes",
                          "namespace", "default", "labels", "component", "apiserver", "provider",
                          "kubernetes", "spec", "type", "ClusterIP", "clusterIP",
                          GT_KALLOC_KUBERNETES_IP, "ports", "name", "https", "port", 443,
                          "protocol", "TCP", "targetPort", port);
    kapi_prepare_create(k, o, time(NULL));
    gt_kind_default(k, o);
    json_t *st = NULL;
    int rc = gt_kalloc_service_create(api, o, &st);
    if (rc == 0 && gt_kreg_create(api->store, k, o, &st) < 0) {
        gt_kalloc_service_release(api, o);
        rc = json_integer_value(json_object_get(st, "code")) == 409 ? 0 : -1;
    }
    if (rc < 0)
        gt_err(err, EIO, "create the kubernetes service: %s", gt_kobj_str(st, "message", ""));
    json_decref(st);
    json_decref(o);
    return rc < 0 ? -EIO : 0;
}

static int bootstrap_namespaces(struct gt_kapi *api, struct gt_error *err)
{
    const struct gt_kind *k = kapi_kind_named("", "namespaces");
    for (size_t i = 0; i < sizeof system_namespaces / sizeof system_namespaces[0]; i++) {
        json_t *o = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
                              "metadata", "name", system_namespaces[i]);
        kapi_prepare_create(k, o, time(NULL));
        gt_kind_default(k, o);
        json_t *st = NULL;
        int rc = gt_kreg_create(api->store, k, o, &st);
        json_decref(o);
        if (rc < 0) {
            int code = (int)json_integer_value(json_object_get(st, "code"));
            if (code != 409) {
                gt_err(err, EIO, "create namespace %s: %s", system_namespaces[i],
                       gt_kobj_str(st, "message", ""));
                json_decref(st);
                return -EIO;
            }
            json_decref(st);
        }
    }
    return 0;
}

/* The two system PriorityClasses kube-apiserver creates. */
static int bootstrap_priority_classes(struct gt_kapi *api, struct gt_error *err)
{
    static const struct {
        const char *name;
        int value;
        const char *description;
    } classes[] = {
        { "system-node-critical", 2000001000,
          "Used for system critical pods that must not be moved from their current node." },
        { "system-cluster-critical", 2000000000,
          "Used for system critical pods that must run in the cluster, but can be moved to "
          "another node if necessary." },
    };
    const struct gt_kind *k = kapi_kind_named("scheduling.k8s.io", "priorityclasses");
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        json_t *cur = gt_kwc_get(api->cache, k, "", classes[i].name);
        if (cur) {
            json_decref(cur);
            continue;
        }
        json_t *o = json_pack("{s:s,s:s,s:{s:s},s:i,s:s}", "apiVersion", "scheduling.k8s.io/v1",
                              "kind", "PriorityClass", "metadata", "name", classes[i].name,
                              "value", classes[i].value, "description", classes[i].description);
        kapi_prepare_create(k, o, time(NULL));
        gt_kind_default(k, o);
        json_t *st = NULL;
        int rc = gt_kreg_create(api->store, k, o, &st);
        json_decref(o);
        if (rc < 0 && json_integer_value(json_object_get(st, "code")) != 409) {
            gt_err(err, EIO, "create priority class %s: %s", classes[i].name,
                   gt_kobj_str(st, "message", ""));
            json_decref(st);
            return -EIO;
        }
        json_decref(st);
    }
    return 0;
}

/* Only loopback addresses may serve plain HTTP. */
static int check_loopback(const char *addr, struct gt_error *err)
{
    char host[128];
    const char *colon = strrchr(addr, ':');
    if (!colon)
        return gt_err(err, EINVAL, "--insecure-http-address %s: expected HOST:PORT", addr);
    size_t n = (size_t)(colon - addr);
    if (n >= sizeof host)
        return gt_err(err, EINVAL, "--insecure-http-address %s: host too long", addr);
    memcpy(host, addr, n);
    host[n] = 0;
    if (host[0] == '[' && n > 1 && host[n - 1] == ']') {
        memmove(host, host + 1, n - 2);
        host[n - 2] = 0;
    }
    unsigned char buf[16];
    if (!strcmp(host, "localhost") || !strcmp(host, "::1") ||
        (inet_pton(AF_INET, host, buf) == 1 && buf[0] == 127))
        return 0;
    return gt_err(err, EINVAL,
                  "--insecure-http-address %s: plain HTTP is served on a loopback address only "
                  "(127.0.0.1, ::1, localhost)",
                  addr);
}

static bool unspecified(const char *a)
{
    return !a || !a[0] || !strcmp(a, "0.0.0.0") || !strcmp(a, "::") || !strcmp(a, "[::]");
}

static bool loopback(const char *a)
{
    unsigned char b[16];
    if (inet_pton(AF_INET, a, b) == 1)
        return b[0] == 127;
    return !strcmp(a, "::1");
}

/* The IPv4 address of the interface the default route goes through (the
 * lowest metric), as kube-apiserver chooses one; NULL without a default
 * route (a network namespace with loopback only). */
static char *default_route_address(void)
{
    FILE *f = fopen("/proc/net/route", "re");
    if (!f)
        return NULL;
    char line[256], iface[IF_NAMESIZE + 1] = "", best[IF_NAMESIZE + 1] = "";
    unsigned long dest, gw, flags, metric, best_metric = ~0ul;
    unsigned refcnt, use;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%16s %lx %lx %lx %u %u %lu", iface, &dest, &gw, &flags, &refcnt, &use,
                   &metric) != 7)
            continue; /* the header */
        if (dest == 0 && (flags & RTF_UP) && metric < best_metric) {
            best_metric = metric;
            snprintf(best, sizeof best, "%s", iface);
        }
    }
    fclose(f);
    if (!best[0])
        return NULL;
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) < 0)
        return NULL;
    char *out = NULL;
    for (struct ifaddrs *i = ifs; i && !out; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, best) != 0)
            continue;
        char buf[INET_ADDRSTRLEN];
        const struct sockaddr_in *sin = (const struct sockaddr_in *)i->ifa_addr;
        if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf))
            out = gt_xstrdup(buf);
    }
    freeifaddrs(ifs);
    return out;
}

static bool unspecified(const char *a);

static int advertise_address(const struct gt_kapi_config *cfg, char **out, struct gt_error *err)
{
    const char *a = cfg->advertise_address;
    if (a && a[0]) {
        unsigned char b[16];
        if ((inet_pton(AF_INET, a, b) != 1 && inet_pton(AF_INET6, a, b) != 1) || unspecified(a))
            return gt_err(err, EINVAL, "--advertise-address %s: not an IP address of this host",
                          a);
        *out = gt_xstrdup(a);
        return 0;
    }
    const char *bind = cfg->bind_address;
    if (!unspecified(bind) && !loopback(bind)) {
        *out = gt_xstrdup(bind);
        return 0;
    }
    *out = default_route_address();
    if (!*out)
        *out = gt_xstrdup(unspecified(bind) ? "127.0.0.1" : bind);
    return 0;
}

static char *listen_address(const char *bind, int port)
{
    if (unspecified(bind))
        return gt_xasprintf(":%d", port);
    if (strchr(bind, ':'))
        return gt_xasprintf("[%s]:%d", bind, port);
    return gt_xasprintf("%s:%d", bind, port);
}

static int write_kubeconfigs(struct gt_kapi *api, const struct gt_kapi_config *cfg,
                             struct gt_error *err)
{
    int port = gt_kapi_https_port(api);
    if (port < 0)
        return 0;
    const char *host = unspecified(cfg->bind_address) ? "127.0.0.1" : cfg->bind_address;
    cleanup_free char *url = strchr(host, ':') ? gt_xasprintf("https://[%s]:%d", host, port)
                                               : gt_xasprintf("https://%s:%d", host, port);
    cleanup_free char *crt = gt_path_join(api->tls_dir, "admin.crt");
    cleanup_free char *key = gt_path_join(api->tls_dir, "admin.key");
    int rc = gt_kpki_write_kubeconfig(api->admin_kubeconfig, 0600, url, api->ca_cert, crt, key,
                                      err);
    if (rc == 0 && cfg->write_kubeconfig)
        rc = gt_kpki_write_kubeconfig(cfg->write_kubeconfig, cfg->kubeconfig_mode, url,
                                      api->ca_cert, crt, key, err);
    return rc;
}

int gt_kapi_new(const struct gt_kapi_config *cfg, struct gt_kapi **out, struct gt_error *err)
{
    if (!cfg->data_dir || !cfg->data_dir[0])
        return gt_err(err, EINVAL, "the API server needs a data directory");
    if (cfg->insecure_http && check_loopback(cfg->insecure_http, err) < 0)
        return -EINVAL;
    cleanup_free char *advertise = NULL;
    if (advertise_address(cfg, &advertise, err) < 0)
        return -EINVAL;
    cleanup_free char *db_dir = gt_path_join(cfg->data_dir, "db");
    struct gt_kapi *api = gt_xcalloc(1, sizeof *api);
    api->https_listener = api->http_listener = -1;
    api->data_dir = gt_xstrdup(cfg->data_dir);
    api->tls_dir = gt_path_join(cfg->data_dir, "tls");
    api->cred_dir = gt_path_join(cfg->data_dir, "cred");
    api->ca_cert = gt_path_join(api->tls_dir, "ca.crt");
    api->ca_key = gt_path_join(api->tls_dir, "ca.key");
    api->serving_cert = gt_path_join(api->tls_dir, "server.crt");
    api->serving_key = gt_path_join(api->tls_dir, "server.key");
    api->sa_key_file = gt_path_join(api->tls_dir, "sa.key");
    api->admin_kubeconfig = gt_path_join(api->cred_dir, "admin.kubeconfig");
    api->advertise_address = steal_pointer(&advertise);
    api->gc_interval_ms = cfg->gc_interval_ms > 0 ? cfg->gc_interval_ms : 10000;
    api->compact_interval_s = cfg->compact_interval_s > 0 ? cfg->compact_interval_s : 300;
    int rc = gt_mkdir_p(cfg->data_dir, 0700, err);
    if (rc == 0)
        rc = gt_mkdir_p(api->cred_dir, 0700, err);
    /* the serving certificate's names */
    char **sans = NULL;
    char hostname[256];
    if (gethostname(hostname, sizeof hostname) == 0) {
        hostname[sizeof hostname - 1] = 0;
        gt_strv_push(&sans, hostname);
    }
    if (!unspecified(cfg->bind_address))
        gt_strv_push(&sans, cfg->bind_address);
    gt_strv_push(&sans, api->advertise_address);
    for (size_t i = 0; cfg->extra_sans && cfg->extra_sans[i]; i++)
        gt_strv_push(&sans, cfg->extra_sans[i]);
    if (rc == 0)
        rc = gt_kpki_ensure(api->tls_dir, (const char *const *)sans, err);
    gt_strv_free(sans);
    if (rc < 0)
        goto fail;

    struct gt_store_options so = { .sync = cfg->sync };
    if (cfg->datastore_endpoint && cfg->datastore_endpoint[0]) {
        so.backend = "etcd";
        so.endpoints = cfg->datastore_endpoint;
    } else {
        so.backend = "sqlite";
        so.data_dir = db_dir;
    }
    rc = gt_store_open(&so, &api->store, err);
    if (rc < 0) {
        gt_err_prefix(err, "datastore");
        goto fail;
    }
    rc = gt_kwc_new(api->store, cfg->watch_cache_events, &api->cache, err);
    if (rc < 0)
        goto fail;
    kapi_lister_init(api);
    if (cfg->token_file && (rc = gt_ktokenfile_load(cfg->token_file, &api->tokens, err)) < 0) {
        gt_err_prefix(err, "--token-file");
        goto fail;
    }
    bool created;
    rc = gt_ksa_key_load_or_create(api->sa_key_file, &api->sa_key, &created, err);
    if (rc < 0) {
        gt_err_prefix(err, "service-account key");
        goto fail;
    }
    api->authn = (struct gt_kauthn){ .tokens = api->tokens, .sa_key = api->sa_key,
                                     .issuer = KAPI_SA_ISSUER, .lister = &api->lister,
                                     .anonymous = true };
    rc = bootstrap_namespaces(api, err);
    if (rc == 0)
        rc = bootstrap_priority_classes(api, err);
    if (rc == 0)
        rc = kapi_rbac_bootstrap(api, err);
    if (rc == 0)
        rc = gt_kctrl_start(api, &api->ctrl, err);
    if (rc < 0)
        goto fail;

    size_t nroutes;
    gt_http_error_fn efn;
    const struct gt_http_route *routes = kapi_routes(&nroutes, &efn);
    struct gt_http_server_opts ho = { .routes = routes, .nroutes = nroutes, .ctx = api,
                                      .error_fn = efn, .max_body = KAPI_MAX_BODY };
    rc = gt_http_server_new(&ho, &api->http, err);
    if (rc < 0)
        goto fail;
    if (cfg->https_port >= 0) {
        cleanup_free char *addr = listen_address(cfg->bind_address, cfg->https_port);
        struct gt_http_listen_opts lo = { .kind = GT_HTTP_TLS, .address = addr,
                                          .cert_file = api->serving_cert,
                                          .key_file = api->serving_key,
                                          .client_ca_file = api->ca_cert,
                                          .client_cert = GT_HTTP_CERT_OPTIONAL };
        rc = gt_http_server_listen(api->http, &lo, err);
        if (rc < 0) {
            gt_err_prefix(err, "listen on %s", addr);
            goto fail;
        }
        api->https_listener = rc;
    }
    if (cfg->insecure_http) {
        struct gt_http_listen_opts lo = { .kind = GT_HTTP_TCP, .address = cfg->insecure_http };
        rc = gt_http_server_listen(api->http, &lo, err);
        if (rc < 0) {
            gt_err_prefix(err, "listen on %s", cfg->insecure_http);
            goto fail;
        }
        api->http_listener = rc;
    }
    /* the controllers keep the Service's target port and its endpoints
     * on this address and port */
    atomic_store(&api->advertise_port, gt_kapi_https_port(api));
    gt_kctrl_kick(api->ctrl);
    rc = bootstrap_kubernetes_service(api, gt_kapi_https_port(api) > 0 ? gt_kapi_https_port(api)
                                                                      : 6443,
                                      err);
    if (rc == 0)
        rc = write_kubeconfigs(api, cfg, err);
    if (rc < 0)
        goto fail;
    atomic_store(&api->ready, true);
    *out = api;
    return 0;
fail:
    gt_kapi_free(api);
    return rc < 0 ? rc : -EIO;
}

int gt_kapi_https_port(const struct gt_kapi *api)
{
    return api->https_listener >= 0 ? gt_http_server_port(api->http, api->https_listener) : -1;
}

int gt_kapi_http_port(const struct gt_kapi *api)
{
    return api->http_listener >= 0 ? gt_http_server_port(api->http, api->http_listener) : -1;
}

void gt_kapi_free(struct gt_kapi *api)
{
    if (!api)
        return;
    atomic_store(&api->ready, false);
    if (api->http)
        gt_http_server_stop(api->http, 2000);
    gt_kctrl_stop(api->ctrl);
    gt_http_server_free(api->http);
    gt_ktokenfile_free(api->tokens);
    gt_ksa_key_free(api->sa_key);
    gt_kwc_free(api->cache);
    if (api->store)
        gt_store_free(api->store);
    free(api->data_dir);
    free(api->tls_dir);
    free(api->cred_dir);
    free(api->ca_cert);
    free(api->ca_key);
    free(api->serving_cert);
    free(api->serving_key);
    free(api->sa_key_file);
    free(api->admin_kubeconfig);
    free(api->insecure_addr);
    free(api->advertise_address);
    free(api);
}
