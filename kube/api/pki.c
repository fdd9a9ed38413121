/* Certificates for the API server, made with GnuTLS (see pki.h). */
#include "kube/api/pki.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/base64.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"

#define YEAR (365 * 24 * 3600)

static const char *const builtin_sans[] = {
    "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local", "127.0.0.1", "::1", NULL,
};

static int tls_fail(struct gt_error *err, int r, const char *what)
{
    return gt_err(err, EIO, "%s: %s", what, gnutls_strerror(r));
}

static int gen_key(gnutls_x509_privkey_t *key, struct gt_error *err)
{
    int r = gnutls_x509_privkey_init(key);
    if (r < 0)
        return tls_fail(err, r, "private key");
    r = gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
                                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    if (r < 0) {
        gnutls_x509_privkey_deinit(*key);
        return tls_fail(err, r, "generate a private key");
    }
    return 0;
}

static int write_key(const char *path, gnutls_x509_privkey_t key, struct gt_error *err)
{
    gnutls_datum_t d = { 0 };
    int r = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d);
    if (r < 0)
        return tls_fail(err, r, "export a private key");
    int rc = gt_write_file_atomic(path, d.data, d.size, 0600, true, err);
    gnutls_free(d.data);
    return rc;
}

static int write_crt(const char *path, gnutls_x509_crt_t crt, struct gt_error *err)
{
    gnutls_datum_t d = { 0 };
    int r = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d);
    if (r < 0)
        return tls_fail(err, r, "export a certificate");
    int rc = gt_write_file_atomic(path, d.data, d.size, 0644, true, err);
    gnutls_free(d.data);
    return rc;
}

static int load_datum(const char *path, gnutls_datum_t *d, struct gt_error *err)
{
    char *buf;
    size_t len;
    int rc = gt_read_file(path, 1 << 20, &buf, &len, err);
    if (rc < 0)
        return rc;
    d->data = (unsigned char *)buf;
    d->size = (unsigned)len;
    return 0;
}

static int load_key(const char *path, gnutls_x509_privkey_t *key, struct gt_error *err)
{
    gnutls_datum_t d;
    int rc = load_datum(path, &d, err);
    if (rc < 0)
        return rc;
    int r = gnutls_x509_privkey_init(key);
    if (r >= 0)
        r = gnutls_x509_privkey_import(*key, &d, GNUTLS_X509_FMT_PEM);
    free(d.data);
    if (r < 0)
        return gt_err(err, EINVAL, "load key %s: %s", path, gnutls_strerror(r));
    return 0;
}

static int load_crt(const char *path, gnutls_x509_crt_t *crt, struct gt_error *err)
{
    gnutls_datum_t d;
    int rc = load_datum(path, &d, err);
    if (rc < 0)
        return rc;
    int r = gnutls_x509_crt_init(crt);
    if (r >= 0)
        r = gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_PEM);
    free(d.data);
    if (r < 0)
        return gt_err(err, EINVAL, "load certificate %s: %s", path, gnutls_strerror(r));
    return 0;
}

struct cert_spec {
    const char *cn;
    const char *const *orgs;
    bool ca;
    bool server;  /* serverAuth (else clientAuth) */
    const char *const *sans;
    const char *const *more_sans;
};

/* Makes a certificate for key, signed by (ca_crt, ca_key), or self-signed
 * when ca_crt is NULL. */
static int make_crt(const struct cert_spec *s, gnutls_x509_privkey_t key,
                    gnutls_x509_crt_t ca_crt, gnutls_x509_privkey_t ca_key,
                    gnutls_x509_crt_t *out, struct gt_error *err)
{
    gnutls_x509_crt_t crt;
    int r = gnutls_x509_crt_init(&crt);
    if (r < 0)
        return tls_fail(err, r, "certificate");
    unsigned char serial[16];
    if (getrandom(serial, sizeof serial, 0) != (ssize_t)sizeof serial) {
        gnutls_x509_crt_deinit(crt);
        return gt_err_sys(err, errno, "getrandom");
    }
    serial[0] &= 0x7f; /* a positive serial */
    time_t now = time(NULL);
    r = gnutls_x509_crt_set_version(crt, 3);
    if (r >= 0)
        r = gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
    if (r >= 0)
        r = gnutls_x509_crt_set_activation_time(crt, now - 3600);
    if (r >= 0)
        r = gnutls_x509_crt_set_expiration_time(crt, now + (s->ca ? 10 : 2) * (time_t)YEAR);
    if (r >= 0)
        r = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, s->cn,
                                          (unsigned)strlen(s->cn));
    for (size_t i = 0; r >= 0 && s->orgs && s->orgs[i]; i++)
        r = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, s->orgs[i],
                                          (unsigned)strlen(s->orgs[i]));
    if (r >= 0)
        r = gnutls_x509_crt_set_key(crt, key);
    if (r >= 0)
        r = gnutls_x509_crt_set_basic_constraints(crt, s->ca ? 1 : 0, -1);
    if (r >= 0)
        r = gnutls_x509_crt_set_key_usage(crt, s->ca ? GNUTLS_KEY_KEY_CERT_SIGN |
                                                           GNUTLS_KEY_CRL_SIGN |
                                                           GNUTLS_KEY_DIGITAL_SIGNATURE
                                                     : GNUTLS_KEY_DIGITAL_SIGNATURE |
                                                           GNUTLS_KEY_KEY_ENCIPHERMENT);
    if (r >= 0 && !s->ca)
        r = gnutls_x509_crt_set_key_purpose_oid(
            crt, s->server ? GNUTLS_KP_TLS_WWW_SERVER : GNUTLS_KP_TLS_WWW_CLIENT, 0);
    const char *const *lists[2] = { s->sans, s->more_sans };
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; r >= 0 && lists[l] && lists[l][i]; i++) {
            const char *n = lists[l][i];
            unsigned char ip[16];
            if (inet_pton(AF_INET, n, ip) == 1)
                r = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4,
                                                         GNUTLS_FSAN_APPEND);
            else if (inet_pton(AF_INET6, n, ip) == 1)
                r = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 16,
                                                         GNUTLS_FSAN_APPEND);
            else
                r = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, n,
                                                         (unsigned)strlen(n),
                                                         GNUTLS_FSAN_APPEND);
        }
    unsigned char kid[64];
    size_t kid_len = sizeof kid;
    if (r >= 0)
        r = gnutls_x509_crt_get_key_id(crt, 0, kid, &kid_len);
    if (r >= 0)
        r = gnutls_x509_crt_set_subject_key_id(crt, kid, kid_len);
    if (r >= 0 && ca_crt) {
        unsigned char akid[64];
        size_t akid_len = sizeof akid;
        if (gnutls_x509_crt_get_subject_key_id(ca_crt, akid, &akid_len, NULL) >= 0)
            r = gnutls_x509_crt_set_authority_key_id(crt, akid, akid_len);
    }
    if (r >= 0)
        r = gnutls_x509_crt_sign2(crt, ca_crt ? ca_crt : crt, ca_key ? ca_key : key,
                                  GNUTLS_DIG_SHA256, 0);
    if (r < 0) {
        gnutls_x509_crt_deinit(crt);
        return tls_fail(err, r, "make the certificate");
    }
    *out = crt;
    return 0;
}

static char *path_in(const char *dir, const char *name)
{
    return gt_path_join(dir, name);
}

/* Issues key + certificate files signed by the CA of dir. */
static int issue(const char *dir, const struct cert_spec *s, const char *crt_path,
                 const char *key_path, struct gt_error *err)
{
    cleanup_free char *ca_crt_p = path_in(dir, "ca.crt");
    cleanup_free char *ca_key_p = path_in(dir, "ca.key");
    gnutls_x509_crt_t ca_crt = NULL, crt = NULL;
    gnutls_x509_privkey_t ca_key = NULL, key = NULL;
    int rc = load_crt(ca_crt_p, &ca_crt, err);
    if (rc == 0)
        rc = load_key(ca_key_p, &ca_key, err);
    if (rc == 0)
        rc = gen_key(&key, err);
    if (rc == 0)
        rc = make_crt(s, key, ca_crt, ca_key, &crt, err);
    if (rc == 0)
        rc = write_key(key_path, key, err);
    if (rc == 0)
        rc = write_crt(crt_path, crt, err);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (key)
        gnutls_x509_privkey_deinit(key);
    if (ca_key)
        gnutls_x509_privkey_deinit(ca_key);
    if (ca_crt)
        gnutls_x509_crt_deinit(ca_crt);
    return rc;
}

static char *sans_text(const char *const *sans)
{
    char *t = gt_xstrdup("");
    for (size_t i = 0; sans && sans[i]; i++) {
        char *n = gt_xasprintf("%s%s\n", t, sans[i]);
        free(t);
        t = n;
    }
    return t;
}

int gt_kpki_ensure(const char *dir, const char *const *sans, struct gt_error *err)
{
    int rc = gt_mkdir_p(dir, 0700, err);
    if (rc < 0)
        return rc;
    cleanup_free char *ca_crt = path_in(dir, "ca.crt");
    cleanup_free char *ca_key = path_in(dir, "ca.key");
    bool new_ca = false;
    if (!gt_path_exists(ca_crt) || !gt_path_exists(ca_key)) {
        gnutls_x509_privkey_t key;
        gnutls_x509_crt_t crt = NULL;
        char cn[64];
        snprintf(cn, sizeof cn, "gantry-server-ca@%lld", (long long)time(NULL));
        struct cert_spec s = { .cn = cn, .ca = true };
        rc = gen_key(&key, err);
        if (rc < 0)
            return gt_err_prefix(err, "CA");
        rc = make_crt(&s, key, NULL, NULL, &crt, err);
        if (rc == 0)
            rc = write_key(ca_key, key, err);
        if (rc == 0)
            rc = write_crt(ca_crt, crt, err);
        gnutls_x509_privkey_deinit(key);
        if (crt)
            gnutls_x509_crt_deinit(crt);
        if (rc < 0)
            return gt_err_prefix(err, "CA");
        new_ca = true;
    }
    cleanup_free char *srv_crt = path_in(dir, "server.crt");
    cleanup_free char *srv_key = path_in(dir, "server.key");
    cleanup_free char *sans_p = path_in(dir, "server.sans");
    cleanup_free char *want = sans_text(sans);
    char *have = NULL;
    bool same = gt_read_file(sans_p, 1 << 16, &have, NULL, NULL) == 0 && !strcmp(have, want);
    free(have);
    if (new_ca || !same || !gt_path_exists(srv_crt) || !gt_path_exists(srv_key)) {
        struct cert_spec s = { .cn = "kube-apiserver", .server = true, .sans = builtin_sans,
                               .more_sans = sans };
        rc = issue(dir, &s, srv_crt, srv_key, err);
        if (rc == 0)
            rc = gt_write_file_atomic(sans_p, want, strlen(want), 0644, true, err);
        if (rc < 0)
            return gt_err_prefix(err, "serving certificate");
    }
    cleanup_free char *adm_crt = path_in(dir, "admin.crt");
    cleanup_free char *adm_key = path_in(dir, "admin.key");
    if (new_ca || !gt_path_exists(adm_crt) || !gt_path_exists(adm_key)) {
        static const char *const orgs[] = { "system:masters", NULL };
        struct cert_spec s = { .cn = "system:admin", .orgs = orgs };
        rc = issue(dir, &s, adm_crt, adm_key, err);
        if (rc < 0)
            return gt_err_prefix(err, "admin certificate");
    }
    return 0;
}

int gt_kpki_issue_client(const char *dir, const char *cn, const char *const *orgs,
                         const char *cert_out, const char *key_out, struct gt_error *err)
{
    struct cert_spec s = { .cn = cn, .orgs = orgs };
    return issue(dir, &s, cert_out, key_out, err);
}

static char *file_b64(const char *path, struct gt_error *err)
{
    char *buf;
    size_t len;
    if (gt_read_file(path, 1 << 20, &buf, &len, err) < 0)
        return NULL;
    char *b = gt_base64_encode(buf, len);
    free(buf);
    return b;
}

int gt_kpki_write_kubeconfig(const char *path, mode_t mode, const char *server_url,
                             const char *ca_file, const char *cert_file, const char *key_file,
                             struct gt_error *err)
{
    cleanup_free char *ca = file_b64(ca_file, err);
    cleanup_free char *crt = ca ? file_b64(cert_file, err) : NULL;
    cleanup_free char *key = crt ? file_b64(key_file, err) : NULL;
    if (!key)
        return gt_err_prefix(err, "kubeconfig %s", path);
    cleanup_free char *text = gt_xasprintf(
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        "- cluster:\n"
        "    certificate-authority-data: %s\n"
        "    server: %s\n"
        "  name: default\n"
        "contexts:\n"
        "- context:\n"
        "    cluster: default\n"
        "    user: default\n"
        "  name: default\n"
        "current-context: default\n"
        "preferences: {}\n"
        "users:\n"
        "- name: default\n"
        "  user:\n"
        "    client-certificate-data: %s\n"
        "    client-key-data: %s\n",
        ca, server_url, crt, key);
    cleanup_free char *dir = gt_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        int rc = gt_mkdir_p(dir, 0755, err);
        if (rc < 0)
            return rc;
    }
    int rc = gt_write_file_atomic(path, text, strlen(text), mode ? mode : 0600, true, err);
    if (rc == 0 && chmod(path, mode ? mode : 0600) < 0)
        return gt_err_sys(err, errno, "chmod %s", path);
    return rc;
}
