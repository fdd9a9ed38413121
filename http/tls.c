/* TLS for the server's listeners (GnuTLS): certificate and key, optional
 * client certificates verified against a CA, ALPN with http/1.1 only, and
 * the subject CN and O values of a verified client certificate. */
#include <errno.h>
#include <gnutls/x509.h>
#include <string.h>
#include <sys/socket.h>

#include "base/mem.h"
#include "http/internal.h"

struct gt_http_tls_server {
    gnutls_certificate_credentials_t cred;
    enum gt_http_client_cert mode;
};

/* Send with MSG_NOSIGNAL (a gone peer is an error, not a SIGPIPE), and
 * report an SO_SNDTIMEO expiry as a hard error: GnuTLS would retry EAGAIN
 * for ever inside gnutls_record_uncork(GNUTLS_RECORD_WAIT). */
static ssize_t push_vec(gnutls_transport_ptr_t ptr, const giovec_t *iov, int n)
{
    int fd = (int)(intptr_t)ptr;
    struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = n };
    ssize_t w;
    do
        w = sendmsg(fd, &m, MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        errno = ETIMEDOUT;
    return w;
}

void gt_http_tls_set_transport(gnutls_session_t s, int fd)
{
    gnutls_transport_set_int(s, fd);
    gnutls_transport_set_vec_push_function(s, push_vec);
}

static int verify_cb(gnutls_session_t s)
{
    struct gt_http_tls_server *ts = gnutls_session_get_ptr(s);
    unsigned n = 0;
    gnutls_certificate_get_peers(s, &n);
    if (n == 0)
        return ts->mode == GT_HTTP_CERT_REQUIRED ? -1 : 0;
    unsigned status = 0;
    if (gnutls_certificate_verify_peers2(s, &status) < 0 || status != 0)
        return -1; /* fails the handshake: the client sees an alert */
    return 0;
}

int gt_http_tls_server_new(const struct gt_http_listen_opts *o, struct gt_http_tls_server **out,
                           struct gt_error *err)
{
    if (!o->cert_file || !o->key_file)
        return gt_err(err, EINVAL, "TLS listener needs a certificate and a key file");
    if (o->client_cert != GT_HTTP_CERT_NONE && !o->client_ca_file)
        return gt_err(err, EINVAL, "client certificates need a client CA file");
    struct gt_http_tls_server *ts = gt_xcalloc(1, sizeof *ts);
    ts->mode = o->client_cert;
    int r = gnutls_certificate_allocate_credentials(&ts->cred);
    if (r < 0) {
        free(ts);
        return gt_err(err, ENOMEM, "TLS credentials: %s", gnutls_strerror(r));
    }
    r = gnutls_certificate_set_x509_key_file(ts->cred, o->cert_file, o->key_file,
                                             GNUTLS_X509_FMT_PEM);
    if (r < 0) {
        gt_http_tls_server_free(ts);
        return gt_err(err, EINVAL, "load certificate %s and key %s: %s", o->cert_file, o->key_file,
                      gnutls_strerror(r));
    }
    if (o->client_ca_file) {
        r = gnutls_certificate_set_x509_trust_file(ts->cred, o->client_ca_file,
                                                   GNUTLS_X509_FMT_PEM);
        if (r <= 0) {
            gt_http_tls_server_free(ts);
            return gt_err(err, EINVAL, "load client CA %s: %s", o->client_ca_file,
                          r < 0 ? gnutls_strerror(r) : "no certificate in it");
        }
        gnutls_certificate_set_verify_function(ts->cred, verify_cb);
    }
    *out = ts;
    return 0;
}

void gt_http_tls_server_free(struct gt_http_tls_server *ts)
{
    if (!ts)
        return;
    if (ts->cred)
        gnutls_certificate_free_credentials(ts->cred);
    free(ts);
}

/* Every value of one attribute of the subject DN. */
static void dn_values(gnutls_x509_crt_t crt, const char *oid, char ***out)
{
    for (unsigned i = 0;; i++) {
        char buf[1024];
        size_t sz = sizeof buf;
        int r = gnutls_x509_crt_get_dn_by_oid(crt, oid, i, 0, buf, &sz);
        if (r == GNUTLS_E_SHORT_MEMORY_BUFFER)
            continue;
        if (r < 0)
            break;
        gt_strv_push(out, buf);
    }
}

static void peer_identity(gnutls_session_t s, struct gt_http_peer *peer)
{
    unsigned n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(s, &n);
    if (!certs || n == 0)
        return;
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0)
        return;
    if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0) {
        char **cns = NULL;
        dn_values(crt, GNUTLS_OID_X520_COMMON_NAME, &cns);
        if (cns) {
            peer->cert_cn = gt_xstrdup(cns[0]);
            gt_strv_free(cns);
        }
        dn_values(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, &peer->cert_orgs);
        peer->cert_verified = true;
    }
    gnutls_x509_crt_deinit(crt);
}

int gt_http_tls_accept(struct gt_http_tls_server *ts, struct gt_http_transport *t,
                       int timeout_ms, struct gt_http_peer *peer, struct gt_error *err)
{
    gnutls_session_t s;
    int r = gnutls_init(&s, GNUTLS_SERVER);
    if (r < 0)
        return gt_err(err, ENOMEM, "TLS session: %s", gnutls_strerror(r));
    t->tls = s;
    gnutls_session_set_ptr(s, ts);
    gnutls_set_default_priority(s);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, ts->cred);
    static const gnutls_certificate_request_t req[] = {
        [GT_HTTP_CERT_NONE] = GNUTLS_CERT_IGNORE,
        [GT_HTTP_CERT_OPTIONAL] = GNUTLS_CERT_REQUEST,
        [GT_HTTP_CERT_REQUIRED] = GNUTLS_CERT_REQUIRE,
    };
    gnutls_certificate_server_set_request(s, req[ts->mode]);
    /* http/1.1 only: a client offering h2 gets HTTP/1.1, which both
     * kubectl and curl accept */
    gnutls_datum_t alpn = { (unsigned char *)"http/1.1", 8 };
    gnutls_alpn_set_protocols(s, &alpn, 1, 0);
    gt_http_tls_set_transport(s, t->fd);
    gnutls_handshake_set_timeout(s, timeout_ms > 0 ? (unsigned)timeout_ms : 0);
    do
        r = gnutls_handshake(s);
    while (r < 0 && !gnutls_error_is_fatal(r));
    if (r < 0)
        return gt_err(err, ECONNABORTED, "TLS handshake: %s", gnutls_strerror(r));
    if (ts->mode != GT_HTTP_CERT_NONE)
        peer_identity(s, peer); /* verify_cb let it through: verified */
    return 0;
}
