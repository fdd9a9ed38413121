/* TLS listeners: server certificate, client certificates verified against
 * a CA with their CN and O values given to the handler, refusal of a
 * missing or foreign certificate when required, ALPN, WebSocket over TLS.
 * Keys and certificates are made per test with certtool (gnutls-bin). */
#include <gnutls/gnutls.h>
#include <sys/wait.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"
#include "http/client.h"
#include "http/server.h"
#include "http/websocket.h"
#include "tests/unit/test_http_util.h"
#include "tests/unit/unit.h"

static char dir[512];

static bool run(const char *cmd)
{
    cleanup_free char *c = gt_xasprintf("cd %s && %s >/dev/null 2>&1", dir, cmd);
    return system(c) == 0;
}

static bool tmpl(const char *name, const char *text)
{
    cleanup_free char *p = gt_xasprintf("%s/%s", dir, name);
    return gt_write_file(p, text, strlen(text), 0600, NULL) == 0;
}

static char *path(const char *name)
{
    return gt_xasprintf("%s/%s", dir, name);
}

/* ca.pem, srv.pem/key, alice.pem/key (O=system:masters, O=dev), and
 * mallory.pem/key from another CA */
static void make_pki(void)
{
    if (access("/usr/bin/certtool", X_OK) != 0)
        unit_skip("certtool missing (gnutls-bin; scripts/deps.sh installs it)");
    snprintf(dir, sizeof dir, "%s", unit_tmpdir());
    bool ok = tmpl("ca.t", "cn = \"test-ca\"\nca\ncert_signing_key\nexpiration_days = 2\n") &&
              tmpl("other.t", "cn = \"other-ca\"\nca\ncert_signing_key\nexpiration_days = 2\n") &&
              tmpl("srv.t", "cn = \"localhost\"\ndns_name = \"localhost\"\nip_address = \"127.0.0.1\"\n"
                            "tls_www_server\nexpiration_days = 2\n") &&
              tmpl("alice.t", "cn = \"alice\"\norganization = \"system:masters\"\norganization = \"dev\"\n"
                              "tls_www_client\nexpiration_days = 2\n") &&
              tmpl("mallory.t", "cn = \"mallory\"\norganization = \"system:masters\"\ntls_www_client\n"
                                "expiration_days = 2\n");
    for (const char *const *k = (const char *const[]){ "ca", "other", "srv", "alice", "mallory", NULL }; *k && ok; k++) {
        cleanup_free char *c = gt_xasprintf("certtool --generate-privkey --key-type ecdsa --outfile %s.key", *k);
        ok = run(c);
    }
    ok = ok &&
         run("certtool --generate-self-signed --load-privkey ca.key --template ca.t --outfile ca.pem") &&
         run("certtool --generate-self-signed --load-privkey other.key --template other.t --outfile other.pem") &&
         run("certtool --generate-certificate --load-privkey srv.key --load-ca-certificate ca.pem "
             "--load-ca-privkey ca.key --template srv.t --outfile srv.pem") &&
         run("certtool --generate-certificate --load-privkey alice.key --load-ca-certificate ca.pem "
             "--load-ca-privkey ca.key --template alice.t --outfile alice.pem") &&
         run("certtool --generate-certificate --load-privkey mallory.key --load-ca-certificate other.pem "
             "--load-ca-privkey other.key --template mallory.t --outfile mallory.pem");
    if (!ok) {
        unit_fail(__FILE__, __LINE__, "certtool failed");
        abort();
    }
}

static char g_who[512];

static void h_whoami(struct gt_http_req *req, void *ctx)
{
    const struct gt_http_peer *p = gt_http_req_peer(req);
    char orgs[256] = "";
    for (char **o = p->cert_orgs; o && *o; o++)
        snprintf(orgs + strlen(orgs), sizeof orgs - strlen(orgs), "%s%s", orgs[0] ? "," : "", *o);
    snprintf(g_who, sizeof g_who, "verified=%d cn=%s o=%s addr=%s", p->cert_verified,
             p->cert_cn ? p->cert_cn : "-", orgs, p->addr);
    gt_http_respond(req, 200, "text/plain", g_who, strlen(g_who));
}

static void h_ws(struct gt_http_req *req, void *ctx)
{
    static const char *const protos[] = { "v5.channel.k8s.io", NULL };
    struct gt_error err;
    struct gt_ws *ws = gt_ws_accept(req, protos, &err);
    if (!ws)
        return;
    char *m;
    size_t n;
    int op;
    while ((op = gt_ws_recv(ws, &m, &n)) > 0) {
        gt_ws_send(ws, op, m, n);
        free(m);
    }
    gt_ws_free(ws);
}

static const struct gt_http_route routes[] = {
    { "GET", "/whoami", h_whoami },
    { "GET", "/exec", h_ws },
};

static struct gt_http_server *start(enum gt_http_client_cert mode, int *port)
{
    struct gt_http_server *srv;
    struct gt_error err;
    if (gt_http_server_new(&(struct gt_http_server_opts){ .routes = routes, .nroutes = 2 }, &srv, &err) < 0)
        abort();
    cleanup_free char *cert = path("srv.pem"), *key = path("srv.key"), *ca = path("ca.pem");
    struct gt_http_listen_opts o = {
        .kind = GT_HTTP_TLS, .address = "127.0.0.1:0", .cert_file = cert, .key_file = key,
        .client_ca_file = ca, .client_cert = mode,
    };
    int l = gt_http_server_listen(srv, &o, &err);
    if (l < 0) {
        unit_fail(__FILE__, __LINE__, "%s", err.msg);
        abort();
    }
    *port = gt_http_server_port(srv, l);
    return srv;
}

/* GET /whoami as `who` ("alice", "mallory" or NULL); returns the status or a
 * negative transport error */
static int whoami(int port, const char *who, char *body, size_t bodysz)
{
    struct gt_error err;
    struct gt_http_client *c;
    cleanup_free char *url = gt_xasprintf("https://127.0.0.1:%d", port);
    cleanup_free char *ca = path("ca.pem");
    cleanup_free char *cert = who ? gt_xasprintf("%s/%s.pem", dir, who) : NULL;
    cleanup_free char *key = who ? gt_xasprintf("%s/%s.key", dir, who) : NULL;
    struct gt_http_client_opts o = { .url = url, .ca_file = ca, .cert_file = cert, .key_file = key };
    if (gt_http_client_new(&o, &c, &err) < 0)
        return -1;
    struct gt_http_response resp;
    int r = gt_http_client_request(c, "GET", "/whoami", NULL, NULL, 0, &resp, &err);
    if (r == 0) {
        r = resp.status;
        snprintf(body, bodysz, "%s", resp.body ? resp.body : "");
        gt_http_response_release(&resp);
    } else {
        snprintf(body, bodysz, "%s", err.msg);
    }
    gt_http_client_free(c);
    return r;
}

TEST(tls_client_cert_cn_and_o_reach_the_handler)
{
    make_pki();
    int port;
    struct gt_http_server *srv = start(GT_HTTP_CERT_OPTIONAL, &port);
    char body[512];
    CHECK_INT_EQ(whoami(port, "alice", body, sizeof body), 200);
    CHECK_STR_EQ(body, "verified=1 cn=alice o=system:masters,dev addr=127.0.0.1");
    /* optional: no certificate is fine, and no identity is claimed */
    CHECK_INT_EQ(whoami(port, NULL, body, sizeof body), 200);
    CHECK_STR_EQ(body, "verified=0 cn=- o= addr=127.0.0.1");
    /* a certificate from a CA we do not trust is refused even when optional */
    CHECK(whoami(port, "mallory", body, sizeof body) < 0);
    gt_http_server_free(srv);
}

TEST(tls_required_client_cert_refuses_missing_and_foreign)
{
    make_pki();
    int port;
    struct gt_http_server *srv = start(GT_HTTP_CERT_REQUIRED, &port);
    char body[512];
    CHECK(whoami(port, NULL, body, sizeof body) < 0);
    CHECK(whoami(port, "mallory", body, sizeof body) < 0);
    CHECK_INT_EQ(whoami(port, "alice", body, sizeof body), 200);
    CHECK_STR_CONTAINS(body, "cn=alice");
    gt_http_server_free(srv);
}

TEST(tls_listener_errors_name_the_file)
{
    make_pki();
    struct gt_http_server *srv;
    struct gt_error err;
    REQUIRE(gt_http_server_new(&(struct gt_http_server_opts){ .routes = routes, .nroutes = 1 }, &srv, &err) == 0);
    cleanup_free char *key = path("srv.key");
    struct gt_http_listen_opts o = { .kind = GT_HTTP_TLS, .address = "127.0.0.1:0",
                                     .cert_file = "/nonexistent/cert.pem", .key_file = key };
    CHECK(gt_http_server_listen(srv, &o, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "/nonexistent/cert.pem");
    gt_http_server_free(srv);
}

TEST(tls_alpn_offers_http11_only)
{
    make_pki();
    int port;
    struct gt_http_server *srv = start(GT_HTTP_CERT_NONE, &port);
    int fd = th_connect_tcp("127.0.0.1", port);
    REQUIRE(fd >= 0);
    gnutls_session_t s;
    gnutls_certificate_credentials_t cred;
    gnutls_certificate_allocate_credentials(&cred);
    gnutls_init(&s, GNUTLS_CLIENT);
    gnutls_set_default_priority(s);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_datum_t alpn[2] = { { (unsigned char *)"h2", 2 }, { (unsigned char *)"http/1.1", 8 } };
    gnutls_alpn_set_protocols(s, alpn, 2, 0);
    gnutls_transport_set_int(s, fd);
    int r;
    do
        r = gnutls_handshake(s);
    while (r < 0 && !gnutls_error_is_fatal(r));
    CHECK_INT_EQ(r, 0);
    gnutls_datum_t sel = { 0 };
    CHECK_INT_EQ(gnutls_alpn_get_selected_protocol(s, &sel), 0);
    CHECK(sel.size == 8 && !memcmp(sel.data, "http/1.1", 8));
    const char req[] = "GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK_INT_EQ(gnutls_record_send(s, req, sizeof req - 1), (int)sizeof req - 1);
    char buf[512];
    ssize_t n = gnutls_record_recv(s, buf, sizeof buf - 1);
    REQUIRE(n > 0);
    buf[n] = '\0';
    CHECK_STR_CONTAINS(buf, "HTTP/1.1 200 OK\r\n");
    gnutls_deinit(s);
    gnutls_certificate_free_credentials(cred);
    close(fd);
    gt_http_server_free(srv);
}

TEST(tls_websocket_over_tls)
{
    make_pki();
    int port;
    struct gt_http_server *srv = start(GT_HTTP_CERT_REQUIRED, &port);
    struct gt_error err;
    struct gt_http_client *c;
    cleanup_free char *url = gt_xasprintf("https://127.0.0.1:%d", port);
    cleanup_free char *ca = path("ca.pem"), *cert = path("alice.pem"), *key = path("alice.key");
    REQUIRE(gt_http_client_new(&(struct gt_http_client_opts){ .url = url, .ca_file = ca, .cert_file = cert, .key_file = key }, &c, &err) == 0);
    static const char *const hs[] = { "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                                      "Sec-WebSocket-Protocol: v5.channel.k8s.io", NULL };
    struct gt_http_response resp;
    struct gt_http_client_conn *cc = NULL;
    int r = gt_http_client_upgrade(c, "GET", "/exec", hs, NULL, 0, &resp, &cc, &err);
    if (r < 0)
        unit_fail(__FILE__, __LINE__, "%s", err.msg);
    REQUIRE(r == 0 && cc);
    CHECK_INT_EQ(resp.status, 101);
    struct gt_ws *ws = gt_ws_client(gt_http_client_conn_conn(cc));
    CHECK_INT_EQ(gt_ws_send(ws, GT_WS_BINARY, "\x00hi", 3), 0);
    char *m = NULL;
    size_t n = 0;
    CHECK_INT_EQ(gt_ws_recv(ws, &m, &n), GT_WS_BINARY);
    CHECK(n == 3 && !memcmp(m, "\x00hi", 3));
    free(m);
    gt_ws_close(ws, 1000, NULL);
    CHECK_INT_EQ(gt_ws_recv(ws, &m, &n), 0);
    gt_ws_free(ws);
    gt_http_client_conn_free(cc);
    gt_http_response_release(&resp);
    gt_http_client_free(c);
    gt_http_server_free(srv);
}
