/* The API server's modules one by one (kube/api/): request coordinates,
 * Status errors, the object registry over a SQLite store, the watch cache
 * and its fan-out, unknown fields, the extra protobuf bodies,
 * certificates and kubeconfigs (authentication, RBAC and admission are
 * kube/'s, tested by test_kube_{authn,rbac,admission}).  The
 * whole server against the real kubectl is tests/integration/kube_*.sh. */
#include <errno.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"
#include "kube/api/pbextra.h"
#include "kube/api/pki.h"
#include "kube/api/registry.h"
#include "kube/api/reqinfo.h"
#include "kube/api/status.h"
#include "kube/api/watchcache.h"
#include "kube/kinds.h"
#include "kube/obj.h"
#include "tests/unit/unit.h"

static json_t *J(const char *s)
{
    json_t *j = json_loads(s, 0, NULL);
    if (!j)
        abort();
    return j;
}

/* ---- reqinfo ---- */

TEST(reqinfo_resource_paths)
{
    struct gt_kreqinfo ri;
    REQUIRE(gt_kreqinfo_parse(&ri, "GET", "/apis/apps/v1/namespaces/ns1/deployments/web/scale",
                              false, NULL, NULL) == 0);
    CHECK(ri.resource_request);
    CHECK_STR_EQ(ri.verb, "get");
    CHECK_STR_EQ(ri.group, "apps");
    CHECK_STR_EQ(ri.version, "v1");
    CHECK_STR_EQ(ri.namespace_, "ns1");
    CHECK_STR_EQ(ri.resource, "deployments");
    CHECK_STR_EQ(ri.name, "web");
    CHECK_STR_EQ(ri.subresource, "scale");
    gt_kreqinfo_release(&ri);

    REQUIRE(gt_kreqinfo_parse(&ri, "GET", "/api/v1/pods", true, NULL, NULL) == 0);
    CHECK_STR_EQ(ri.verb, "watch");
    CHECK_STR_EQ(ri.group, "");
    CHECK_STR_EQ(ri.namespace_, "");
    gt_kreqinfo_release(&ri);

    /* a namespace itself, its status, and the legacy watch prefix */
    REQUIRE(gt_kreqinfo_parse(&ri, "PUT", "/api/v1/namespaces/ns1/finalize", false, NULL,
                              NULL) == 0);
    CHECK_STR_EQ(ri.resource, "namespaces");
    CHECK_STR_EQ(ri.name, "ns1");
    CHECK_STR_EQ(ri.subresource, "finalize");
    CHECK_STR_EQ(ri.verb, "update");
    gt_kreqinfo_release(&ri);
    REQUIRE(gt_kreqinfo_parse(&ri, "GET", "/api/v1/watch/namespaces/a/pods", false, NULL,
                              NULL) == 0);
    CHECK_STR_EQ(ri.verb, "watch");
    CHECK_STR_EQ(ri.namespace_, "a");
    CHECK_STR_EQ(ri.resource, "pods");
    gt_kreqinfo_release(&ri);

    /* lists narrowed to one name carry it, for RBAC resourceNames */
    REQUIRE(gt_kreqinfo_parse(&ri, "GET", "/api/v1/namespaces/a/pods", true, "web-1", NULL) ==
            0);
    CHECK_STR_EQ(ri.name, "web-1");
    gt_kreqinfo_release(&ri);
    REQUIRE(gt_kreqinfo_parse(&ri, "DELETE", "/api/v1/namespaces/a/configmaps", false, NULL,
                              NULL) == 0);
    CHECK_STR_EQ(ri.verb, "deletecollection");
    gt_kreqinfo_release(&ri);
    REQUIRE(gt_kreqinfo_parse(&ri, "POST", "/api/v1/namespaces/a/configmaps", false, NULL,
                              NULL) == 0);
    CHECK_STR_EQ(ri.verb, "create");
    gt_kreqinfo_release(&ri);
}

TEST(reqinfo_non_resource_and_bad_paths)
{
    struct gt_kreqinfo ri;
    REQUIRE(gt_kreqinfo_parse(&ri, "GET", "/version", false, NULL, NULL) == 0);
    CHECK(!ri.resource_request);
    CHECK_STR_EQ(ri.verb, "get");
    CHECK_STR_EQ(ri.path, "/version");
    gt_kreqinfo_release(&ri);
    REQUIRE(gt_kreqinfo_parse(&ri, "GET", "/apis/apps/v1", false, NULL, NULL) == 0);
    CHECK(!ri.resource_request);
    CHECK_INT_EQ(ri.nparts, 0);
    gt_kreqinfo_release(&ri);
    struct gt_error err = { 0 };
    CHECK(gt_kreqinfo_parse(&ri, "GET", "/api/v1//pods", false, NULL, &err) == -EINVAL);
    gt_kreqinfo_release(&ri);
    CHECK(gt_kreqinfo_parse(&ri, "GET", "/api/v1/namespaces/a/pods/x/log/more", false, NULL,
                            &err) == -EINVAL);
    gt_kreqinfo_release(&ri);
    CHECK(gt_kreqinfo_parse(&ri, "GET", "/api/v1/pods/%zz", false, NULL, &err) == -EINVAL);
    gt_kreqinfo_release(&ri);
    /* an escaped slash stays inside its segment */
    REQUIRE(gt_kreqinfo_parse(&ri, "GET", "/api/v1/namespaces/a/pods/x%2Fy", false, NULL,
                              NULL) == 0);
    CHECK_STR_EQ(ri.name, "x/y");
    gt_kreqinfo_release(&ri);
}

/* ---- Status ---- */

TEST(status_shapes)
{
    json_t *st = gt_kst_already_exists("apps", "deployments", "web");
    CHECK_STR_EQ(gt_kobj_str(st, "message", ""), "deployments.apps \"web\" already exists");
    CHECK_STR_EQ(gt_kobj_str(st, "reason", ""), "AlreadyExists");
    CHECK_INT_EQ(gt_kobj_int(st, "code", 0), 409);
    CHECK_STR_EQ(gt_kobj_str(st, "details.name", ""), "web");
    json_decref(st);
    st = gt_kst_new(413, NULL, "too big: %d", 5);
    CHECK_STR_EQ(gt_kobj_str(st, "message", ""), "too big: 5");
    CHECK_STR_EQ(gt_kobj_str(st, "reason", ""), "RequestEntityTooLarge");
    json_decref(st);
    struct gt_error err = { .code = ENODATA };
    snprintf(err.msg, sizeof err.msg, "compacted");
    st = gt_kst_from_error(&err);
    CHECK_INT_EQ(gt_kobj_int(st, "code", 0), 410);
    CHECK_STR_EQ(gt_kobj_str(st, "reason", ""), "Expired");
    json_decref(st);
    err.code = ESTALE;
    st = gt_kst_from_error(&err);
    CHECK_STR_EQ(gt_kobj_str(st, "reason", ""), "Conflict");
    json_decref(st);
}

/* ---- registry ---- */

static struct gt_store *open_store(void)
{
    struct gt_store_options o = { .backend = "sqlite", .data_dir = unit_tmpdir(),
                                  .sync = GT_STORE_SYNC_NORMAL };
    struct gt_store *s = NULL;
    struct gt_error err = { 0 };
    if (gt_store_open(&o, &s, &err) < 0)
        unit_fail(__FILE__, __LINE__, "open store: %s", err.msg);
    return s;
}

static const struct gt_kind *cm_kind(void)
{
    return gt_kind_by_resource("", "v1", "configmaps");
}

static json_t *cm(const char *ns, const char *name, const char *app)
{
    json_t *o = json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s}}}", "apiVersion", "v1", "kind",
                          "ConfigMap", "metadata", "name", name, "namespace", ns, "labels", "app",
                          app);
    return o;
}

TEST(registry_keys)
{
    const struct gt_kind *k = gt_kind_by_resource("apps", "v1", "deployments");
    const struct gt_kind *ns = gt_kind_by_resource("", "v1", "namespaces");
    cleanup_free char *key = gt_kreg_key(k, "a", "web");
    CHECK_STR_EQ(key, "/registry/apps/deployments/a/web");
    cleanup_free char *nskey = gt_kreg_key(ns, "ignored", "a");
    CHECK_STR_EQ(nskey, "/registry/core/namespaces/a");
    cleanup_free char *all = gt_kreg_prefix(k, "");
    CHECK_STR_EQ(all, "/registry/apps/deployments/");
    char *pns = NULL, *pname = NULL;
    CHECK(gt_kreg_parse_key(key, &pns, &pname) == k);
    CHECK_STR_EQ(pns, "a");
    CHECK_STR_EQ(pname, "web");
    free(pns);
    free(pname);
    CHECK(gt_kreg_parse_key("/registry/ranges/serviceips/10.43.0.1", &pns, &pname) == NULL);
    CHECK(gt_kreg_parse_key("/registry/apps/deployments/a", &pns, &pname) == NULL);
    /* the stored form leaves resourceVersion out, and the object alone */
    json_t *o = J("{\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"7\"}}");
    size_t len;
    cleanup_free char *enc = gt_kreg_encode(o, &len);
    CHECK(strstr(enc, "resourceVersion") == NULL);
    CHECK_INT_EQ(gt_kreg_rv_of(o), 7);
    json_t *d = gt_kreg_decode(enc, len, 42);
    CHECK_INT_EQ(gt_kreg_rv_of(d), 42);
    json_decref(d);
    json_decref(o);
}

TEST(registry_crud_conflicts_and_paging)
{
    struct gt_store *s = open_store();
    REQUIRE(s);
    const struct gt_kind *k = cm_kind();
    json_t *st = NULL;
    for (int i = 0; i < 7; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        json_t *o = cm("ns", name, i % 2 ? "odd" : "even");
        CHECK(gt_kreg_create(s, k, o, &st) == 0);
        CHECK(gt_kreg_rv_of(o) > 0);
        json_decref(o);
    }
    json_t *dup = cm("ns", "c1", "x");
    CHECK(gt_kreg_create(s, k, dup, &st) < 0);
    CHECK_STR_EQ(gt_kobj_str(st, "reason", ""), "AlreadyExists");
    json_decref(dup);
    json_decref(st);
    st = NULL;

    json_t *cur = NULL;
    int64_t rev = 0;
    REQUIRE(gt_kreg_get(s, k, "ns", "c1", 0, &cur, &rev, &st) == 0);
    CHECK_INT_EQ(gt_kreg_rv_of(cur), rev);
    json_t *next = json_deep_copy(cur);
    gt_kobj_set_new(next, "data.a", json_string("1"));
    CHECK(gt_kreg_update(s, k, next, rev, &st) == 0);
    /* the same expected revision again is stale */
    CHECK(gt_kreg_update(s, k, cur, rev, &st) < 0);
    CHECK_INT_EQ(gt_kobj_int(st, "code", 0), 409);
    json_decref(st);
    st = NULL;
    json_decref(next);
    json_decref(cur);

    /* pages of 2 over 7, then a label-filtered page */
    struct gt_kreg_list_opts lo = { .ns = "ns", .limit = 2 };
    struct gt_kreg_list_result res;
    int pages = 0, items = 0;
    char *cont = NULL;
    for (;;) {
        lo.cont = cont;
        REQUIRE(gt_kreg_list(s, k, &lo, &res, &st) == 0);
        pages++;
        items += (int)json_array_size(res.items);
        free(cont);
        cont = res.cont ? gt_xstrdup(res.cont) : NULL;
        if (pages == 1)
            CHECK_INT_EQ(res.remaining, 5);
        gt_kreg_list_result_release(&res);
        if (!cont)
            break;
    }
    CHECK_INT_EQ(pages, 4);
    CHECK_INT_EQ(items, 7);
    struct gt_klsel *odd = NULL;
    REQUIRE(gt_klsel_parse("app=odd", &odd, NULL) == 0);
    struct gt_kreg_list_opts fo = { .ns = "ns", .lsel = odd, .limit = 2 };
    REQUIRE(gt_kreg_list(s, k, &fo, &res, &st) == 0);
    CHECK_INT_EQ(json_array_size(res.items), 2);
    CHECK(res.cont != NULL);
    CHECK_STR_EQ(gt_kobj_str(json_array_get(res.items, 0), "metadata.labels.app", ""), "odd");
    gt_kreg_list_result_release(&res);
    gt_klsel_free(odd);
    /* a garbled continue token is 400 */
    struct gt_kreg_list_opts bo = { .ns = "ns", .cont = "!!!" };
    CHECK(gt_kreg_list(s, k, &bo, &res, &st) < 0);
    CHECK_INT_EQ(gt_kobj_int(st, "code", 0), 400);
    json_decref(st);
    st = NULL;

    json_t *deleted = NULL;
    CHECK(gt_kreg_delete(s, k, "ns", "c2", 0, &deleted, &st) == 0);
    CHECK_STR_EQ(gt_kobj_name(deleted), "c2");
    json_decref(deleted);
    CHECK(gt_kreg_delete(s, k, "ns", "c2", 0, NULL, &st) < 0);
    CHECK_INT_EQ(gt_kobj_int(st, "code", 0), 404);
    json_decref(st);
    gt_store_free(s);
}

/* ---- watch cache ---- */

static int wait_deliveries(struct gt_kwc_watcher *w, struct gt_kwc_delivery *out, size_t want)
{
    size_t got = 0;
    for (int i = 0; i < 400 && got < want; i++) {
        int n = gt_kwc_watcher_take(w, out + got, want - got);
        if (n < 0)
            return -1;
        got += (size_t)n;
        if (got < want) {
            struct timespec ts = { 0, 5 * 1000000 };
            nanosleep(&ts, NULL);
        }
    }
    return (int)got;
}

TEST(watchcache_fan_out_and_selectors)
{
    struct gt_store *s = open_store();
    REQUIRE(s);
    const struct gt_kind *k = cm_kind();
    json_t *st = NULL;
    json_t *pre = cm("ns", "before", "gold");
    REQUIRE(gt_kreg_create(s, k, pre, &st) == 0);
    json_decref(pre);
    struct gt_kwc *c = NULL;
    struct gt_error err = { 0 };
    REQUIRE(gt_kwc_new(s, 16, &c, &err) == 0);

    /* initial: a synthetic ADDED for what exists */
    struct gt_kwc_watch_opts io = { .kind = k, .ns = "ns", .initial = true };
    struct gt_kwc_watcher *wi = NULL;
    REQUIRE(gt_kwc_watch(c, &io, &wi, &st) == 0);
    struct gt_kwc_delivery d[8];
    REQUIRE(wait_deliveries(wi, d, 1) == 1);
    CHECK_INT_EQ(d[0].type, GT_KWC_ADDED);
    CHECK_STR_EQ(d[0].ev->name, "before");
    gt_kwc_event_put(d[0].ev);
    gt_kwc_watcher_free(wi);

    /* a watcher of app=gold sees objects move in and out */
    struct gt_kwc_watch_opts o = { .kind = k, .ns = "ns", .from_rev = gt_kwc_revision(c) };
    REQUIRE(gt_klsel_parse("app=gold", &o.lsel, NULL) == 0);
    struct gt_kwc_watcher *w = NULL;
    REQUIRE(gt_kwc_watch(c, &o, &w, &st) == 0);
    json_t *obj = cm("ns", "m", "silver");
    REQUIRE(gt_kreg_create(s, k, obj, &st) == 0);
    int64_t rv = gt_kreg_rv_of(obj);
    gt_kobj_set_new(obj, "metadata.labels.app", json_string("gold"));
    REQUIRE(gt_kreg_update(s, k, obj, rv, &st) == 0);
    rv = gt_kreg_rv_of(obj);
    gt_kobj_set_new(obj, "data.x", json_string("1"));
    REQUIRE(gt_kreg_update(s, k, obj, rv, &st) == 0);
    rv = gt_kreg_rv_of(obj);
    gt_kobj_set_new(obj, "metadata.labels.app", json_string("bronze"));
    REQUIRE(gt_kreg_update(s, k, obj, rv, &st) == 0);
    REQUIRE(wait_deliveries(w, d, 3) == 3);
    CHECK_INT_EQ(d[0].type, GT_KWC_ADDED);
    CHECK_INT_EQ(d[1].type, GT_KWC_MODIFIED);
    CHECK_INT_EQ(d[2].type, GT_KWC_DELETED);
    /* a DELETED-by-leaving shows the last state that matched, at the new rv */
    json_t *left = gt_kwc_delivery_object(&d[2]);
    CHECK_STR_EQ(gt_kobj_str(left, "metadata.labels.app", ""), "gold");
    CHECK_INT_EQ(gt_kreg_rv_of(left), gt_kreg_rv_of(obj));
    size_t len;
    const char *wire = gt_kwc_event_wire(d[1].ev, d[1].type, &len);
    CHECK(!strncmp(wire, "{\"type\":\"MODIFIED\",\"object\":{", 29));
    CHECK(wire[len - 1] == '\n');
    for (int i = 0; i < 3; i++)
        gt_kwc_event_put(d[i].ev);
    gt_kwc_watcher_free(w);

    /* the cache answers gets and lists */
    json_t *got = gt_kwc_get(c, k, "ns", "m");
    REQUIRE(got);
    CHECK_STR_EQ(gt_kobj_str(got, "metadata.labels.app", ""), "bronze");
    json_decref(got);
    int64_t crev;
    json_t *items = gt_kwc_list(c, k, "ns", NULL, NULL, &crev);
    CHECK_INT_EQ(json_array_size(items), 2);
    CHECK_STR_EQ(gt_kobj_name(json_array_get(items, 0)), "before");
    json_decref(items);

    /* a watch from before the ring's 16 events is 410 */
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        json_t *f = cm("ns", name, "x");
        REQUIRE(gt_kreg_create(s, k, f, &st) == 0);
        json_decref(f);
    }
    REQUIRE(gt_kwc_wait(c, gt_kreg_rv_of(obj) + 20, 5000) == 0);
    struct gt_kwc_watch_opts old = { .kind = k, .from_rev = rv };
    CHECK(gt_kwc_watch(c, &old, &w, &st) < 0);
    CHECK_INT_EQ(gt_kobj_int(st, "code", 0), 410);
    CHECK_STR_EQ(gt_kobj_str(st, "reason", ""), "Expired");
    json_decref(st);
    json_decref(obj);
    gt_kwc_free(c);
    gt_store_free(s);
}

/* ---- protobuf bodies kube/proto leaves to us ---- */

TEST(pbextra_token_request_and_eviction)
{
    /* k8s\0 Unknown{typeMeta{apiVersion,kind}, raw TokenRequest{spec{
     * audiences:"api", expirationSeconds:7200}}} */
    static const unsigned char tr[] = {
        'k', '8', 's', 0,
        0x0a, 0x28, 0x0a, 0x18, 'a', 'u', 't', 'h', 'e', 'n', 't', 'i', 'c', 'a', 't', 'i', 'o',
        'n', '.', 'k', '8', 's', '.', 'i', 'o', '/', 'v', '1', 0x12, 0x0c, 'T', 'o', 'k', 'e', 'n',
        'R', 'e', 'q', 'u', 'e', 's', 't',
        0x12, 0x0a, 0x12, 0x08, 0x0a, 0x03, 'a', 'p', 'i', 0x20, 0xa0, 0x38,
    };
    json_t *o = NULL;
    struct gt_error err = { 0 };
    REQUIRE(gt_kpbx_decode(tr, sizeof tr, &o, &err) == 0);
    CHECK_STR_EQ(gt_kobj_str(o, "kind", ""), "TokenRequest");
    CHECK_STR_EQ(json_string_value(json_array_get(gt_kobj_arr(o, "spec.audiences"), 0)), "api");
    CHECK_INT_EQ(gt_kobj_int(o, "spec.expirationSeconds", 0), 7200);
    json_decref(o);
    /* truncated: a malformed field */
    CHECK(gt_kpbx_decode(tr, sizeof tr - 2, &o, &err) == -EPROTO);
    /* Eviction{metadata{name:"p"}, deleteOptions{gracePeriodSeconds:0}} */
    static const unsigned char ev[] = {
        'k', '8', 's', 0,
        0x0a, 0x15, 0x0a, 0x09, 'p', 'o', 'l', 'i', 'c', 'y', '/', 'v', '1', 0x12, 0x08, 'E', 'v',
        'i', 'c', 't', 'i', 'o', 'n',
        0x12, 0x09, 0x0a, 0x03, 0x0a, 0x01, 'p', 0x12, 0x02, 0x08, 0x00,
    };
    REQUIRE(gt_kpbx_decode(ev, sizeof ev, &o, &err) == 0);
    CHECK_STR_EQ(gt_kobj_str(o, "metadata.name", ""), "p");
    CHECK_INT_EQ(gt_kobj_int(o, "deleteOptions.gracePeriodSeconds", -1), 0);
    json_decref(o);
    CHECK(gt_kpbx_decode("nope", 4, &o, &err) == -EINVAL);
    static const unsigned char other[] = { 'k', '8', 's', 0, 0x0a, 0x06, 0x0a, 0x02, 'v', '1',
                                           0x12, 0x00 };
    CHECK(gt_kpbx_decode(other, sizeof other, &o, &err) == -ENOTSUP);
}

/* ---- certificates ---- */

TEST(pki_makes_and_keeps_certificates)
{
    const char *dir = unit_tmpdir();
    struct gt_error err = { 0 };
    static const char *const sans[] = { "node1.example", "192.0.2.10", NULL };
    REQUIRE(gt_kpki_ensure(dir, sans, &err) == 0);
    cleanup_free char *ca = gt_path_join(dir, "ca.crt");
    cleanup_free char *key = gt_path_join(dir, "ca.key");
    cleanup_free char *srv = gt_path_join(dir, "server.crt");
    struct stat sb;
    REQUIRE(stat(key, &sb) == 0);
    CHECK_INT_EQ(sb.st_mode & 0777, 0600);
    char *ca1 = NULL;
    REQUIRE(gt_read_file(ca, 0, &ca1, NULL, &err) == 0);
    /* a second run reuses the CA */
    REQUIRE(gt_kpki_ensure(dir, sans, &err) == 0);
    char *ca2 = NULL;
    REQUIRE(gt_read_file(ca, 0, &ca2, NULL, &err) == 0);
    CHECK_STR_EQ(ca1, ca2);
    free(ca1);
    free(ca2);

    /* the serving certificate verifies against the CA, for its names */
    gnutls_x509_crt_t c, cac;
    char *pem;
    size_t len;
    REQUIRE(gt_read_file(srv, 0, &pem, &len, &err) == 0);
    gnutls_datum_t d = { (unsigned char *)pem, (unsigned)len };
    gnutls_x509_crt_init(&c);
    REQUIRE(gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_PEM) == 0);
    free(pem);
    REQUIRE(gt_read_file(ca, 0, &pem, &len, &err) == 0);
    d = (gnutls_datum_t){ (unsigned char *)pem, (unsigned)len };
    gnutls_x509_crt_init(&cac);
    REQUIRE(gnutls_x509_crt_import(cac, &d, GNUTLS_X509_FMT_PEM) == 0);
    free(pem);
    unsigned status = 1;
    CHECK(gnutls_x509_crt_verify(c, &cac, 1, 0, &status) == 0);
    CHECK_INT_EQ(status, 0);
    CHECK(gnutls_x509_crt_check_hostname(c, "node1.example"));
    CHECK(gnutls_x509_crt_check_hostname(c, "kubernetes.default.svc"));
    CHECK(gnutls_x509_crt_check_hostname(c, "192.0.2.10"));
    CHECK(!gnutls_x509_crt_check_hostname(c, "other.example"));
    gnutls_x509_crt_deinit(c);
    gnutls_x509_crt_deinit(cac);

    /* client certificates carry CN and O */
    cleanup_free char *bc = gt_path_join(dir, "bob.crt");
    cleanup_free char *bk = gt_path_join(dir, "bob.key");
    static const char *const orgs[] = { "devs", "ops", NULL };
    REQUIRE(gt_kpki_issue_client(dir, "bob", orgs, bc, bk, &err) == 0);
    REQUIRE(gt_read_file(bc, 0, &pem, &len, &err) == 0);
    d = (gnutls_datum_t){ (unsigned char *)pem, (unsigned)len };
    gnutls_x509_crt_init(&c);
    REQUIRE(gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_PEM) == 0);
    free(pem);
    char dn[512];
    size_t dnl = sizeof dn;
    REQUIRE(gnutls_x509_crt_get_dn(c, dn, &dnl) == 0);
    CHECK_STR_CONTAINS(dn, "CN=bob");
    CHECK_STR_CONTAINS(dn, "O=devs");
    CHECK_STR_CONTAINS(dn, "O=ops");
    gnutls_x509_crt_deinit(c);

    cleanup_free char *kc = gt_path_join(dir, "sub/admin.kubeconfig");
    cleanup_free char *ac = gt_path_join(dir, "admin.crt");
    cleanup_free char *ak = gt_path_join(dir, "admin.key");
    REQUIRE(gt_kpki_write_kubeconfig(kc, 0640, "https://127.0.0.1:6443", ca, ac, ak, &err) == 0);
    REQUIRE(stat(kc, &sb) == 0);
    CHECK_INT_EQ(sb.st_mode & 0777, 0640);
    char *text = NULL;
    REQUIRE(gt_read_file(kc, 0, &text, NULL, &err) == 0);
    CHECK_STR_CONTAINS(text, "server: https://127.0.0.1:6443");
    CHECK_STR_CONTAINS(text, "client-certificate-data: ");
    free(text);
    /* a missing CA for a kubeconfig names the file */
    CHECK(gt_kpki_write_kubeconfig(kc, 0600, "https://x", "/nonexistent/ca.crt", ac, ak, &err) <
          0);
    CHECK_STR_CONTAINS(err.msg, "/nonexistent/ca.crt");
}
