/* kube/authn.h - who is asking: the authenticators of the Kubernetes API
 * server, as pure functions.
 *
 * A request is authenticated, in this order, by
 * 1. a verified client certificate (the server's TLS layer checks it against
 *    the client CA and hands over the subject): CN is the user name, each O
 *    value a group;
 * 2. a bearer token ("Authorization: Bearer <token>"): a static token file
 *    (kube-apiserver --token-auth-file), then a service-account token (a JWT
 *    that this server signed, see below);
 * 3. nothing: system:anonymous in group system:unauthenticated, when the
 *    server allows anonymous requests.
 * Every authenticated user also gets group system:authenticated.  A bearer
 * token that was presented and is not valid fails the request (401), even
 * when anonymous requests are allowed, as in Kubernetes.
 *
 * Service-account tokens are JWTs (RFC 7519) signed RS256 with the server's
 * RSA key, base64url without padding, header {"alg":"RS256","kid":...}
 * where kid is the base64url SHA-256 of the public key's DER (what
 * kube-apiserver puts there), claims
 *   {"aud":[...],"exp":..,"iat":..,"iss":"...","jti":"<uuid>",
 *    "kubernetes.io":{"namespace":"ns","serviceaccount":{"name","uid"},
 *                     "pod":{"name","uid"} (when bound), "secret"/"node"},
 *    "nbf":..,"sub":"system:serviceaccount:ns:name"}.
 * Verification checks, in order: the form (three base64url parts, JSON
 * objects, alg RS256 -- "none" and every other alg are refused), the
 * signature, the issuer, the audiences (one in common with the accepted
 * ones), exp/nbf/iat with 60 seconds of leeway, the subject against the
 * kubernetes.io claims, then through the lister that the ServiceAccount
 * still exists with the same uid (and the bound Pod/Secret likewise).  The
 * user is system:serviceaccount:<ns>:<name>, uid the ServiceAccount's,
 * groups system:serviceaccounts, system:serviceaccounts:<ns>,
 * system:authenticated, extra authentication.kubernetes.io/pod-name,
 * pod-uid, node-name, node-uid and credential-id ("JTI=<jti>").
 *
 * Errors: -EACCES with the reason (a 401 for the server; the reason goes to
 * logs and TokenReview status.error, never to the 401 body), -EINVAL for
 * bad arguments or configuration (token file, key file).
 */
#ifndef GT_KUBE_AUTHN_H
#define GT_KUBE_AUTHN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "kube/lister.h"

#define GT_KGROUP_AUTHENTICATED "system:authenticated"
#define GT_KGROUP_UNAUTHENTICATED "system:unauthenticated"
#define GT_KGROUP_MASTERS "system:masters"
#define GT_KGROUP_SERVICEACCOUNTS "system:serviceaccounts"
#define GT_KUSER_ANONYMOUS "system:anonymous"
#define GT_KSA_PREFIX "system:serviceaccount:"

/* ---- user info ---- */

struct gt_kuser {
    char *name;    /* never NULL after init ("") */
    char *uid;     /* "" when none */
    char **groups; /* NULL-terminated, or NULL */
    json_t *extra; /* {"key":["value",...]}, or NULL */
};

/* name and uid may be NULL (""). */
void gt_kuser_init(struct gt_kuser *u, const char *name, const char *uid);
void gt_kuser_release(struct gt_kuser *u);
/* Replaces name and uid (uid may be NULL). */
void gt_kuser_set(struct gt_kuser *u, const char *name, const char *uid);
/* Appends a group unless present. */
void gt_kuser_add_group(struct gt_kuser *u, const char *group);
bool gt_kuser_in_group(const struct gt_kuser *u, const char *group);
void gt_kuser_add_extra(struct gt_kuser *u, const char *key, const char *value);
/* dst is initialised here (it must not hold a user). */
void gt_kuser_copy(struct gt_kuser *dst, const struct gt_kuser *src);
/* authentication.k8s.io UserInfo: {"username","uid","groups","extra"}
 * (empty members left out). */
json_t *gt_kuser_to_json(const struct gt_kuser *u);
/* "system:serviceaccount:ns:name" -> ns, name (borrowed spans copied into
 * out buffers of 254 bytes); false for other names. */
bool gt_kuser_sa_parts(const char *username, char ns[254], char name[254]);

/* system:anonymous, group system:unauthenticated. */
void gt_kauthn_anonymous(struct gt_kuser *out);
/* The identity of a verified client certificate; -EACCES for an empty CN. */
int gt_kauthn_from_cert(const char *cn, char *const *orgs, struct gt_kuser *out,
                        struct gt_error *err);
/* "Bearer <token>" (scheme case-insensitive, spaces allowed) -> token
 * (borrowed from header, length *len); NULL for anything else. */
const char *gt_kauthn_bearer(const char *header, size_t *len);

/* The bearer token that clients which cannot set headers (browsers) put in
 * the WebSocket subprotocol list: "base64url.bearer.authorization.k8s.io.<
 * base64url of the token>" among the comma-separated protocols.  A new
 * string, or NULL when there is none or it does not decode. */
char *gt_kauthn_ws_bearer(const char *protocols);
/* SelfSubjectReview (authentication.k8s.io/v1, kubectl auth whoami): the
 * review with status.userInfo of u.  review may be NULL. */
json_t *gt_kauthn_self_review(const json_t *review, const struct gt_kuser *u);

/* ---- static token file ----
 *
 * CSV, one token a line: token,user,uid[,"group1,group2"] (fields may be
 * quoted, "" is a quote inside quotes, spaces before a field are dropped;
 * blank lines and lines starting with '#' are skipped; extra columns are
 * ignored, as kube-apiserver does).  Errors name the line:
 * "tokens.csv:3: need at least 3 columns (token, user name, user uid), found 2",
 * and also refuse an empty token or user name, a duplicate token, an
 * unterminated or misplaced quote. */
struct gt_ktokenfile;
int gt_ktokenfile_parse(const char *buf, size_t len, const char *what,
                        struct gt_ktokenfile **out, struct gt_error *err);
int gt_ktokenfile_load(const char *path, struct gt_ktokenfile **out, struct gt_error *err);
/* Constant-time comparison per entry.  true and *out set (initialised here)
 * when the token is known. */
bool gt_ktokenfile_lookup(const struct gt_ktokenfile *tf, const char *token, size_t len,
                          struct gt_kuser *out);
size_t gt_ktokenfile_count(const struct gt_ktokenfile *tf);
void gt_ktokenfile_free(struct gt_ktokenfile *tf);

/* ---- the service-account signing key ---- */

struct gt_ksa_key;
/* A new RSA key (bits 2048..8192; 0 means 2048). */
int gt_ksa_key_generate(unsigned bits, struct gt_ksa_key **out, struct gt_error *err);
/* A PEM private key (PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY"), or a
 * public key ("PUBLIC KEY": verify only). RSA only. */
int gt_ksa_key_from_pem(const char *pem, size_t len, struct gt_ksa_key **out,
                        struct gt_error *err);
int gt_ksa_key_load(const char *path, struct gt_ksa_key **out, struct gt_error *err);
/* Writes the private key (PKCS#8 PEM, mode 0600, atomically). */
int gt_ksa_key_save(const struct gt_ksa_key *k, const char *path, struct gt_error *err);
/* The server's first start: loads path, or generates a key and saves it
 * there when the file does not exist (*created true). */
int gt_ksa_key_load_or_create(const char *path, struct gt_ksa_key **out, bool *created,
                              struct gt_error *err);
/* New strings. */
char *gt_ksa_key_private_pem(const struct gt_ksa_key *k); /* NULL for a public key */
char *gt_ksa_key_public_pem(const struct gt_ksa_key *k);
const char *gt_ksa_key_id(const struct gt_ksa_key *k);
bool gt_ksa_key_can_sign(const struct gt_ksa_key *k);
void gt_ksa_key_free(struct gt_ksa_key *k);
/* Service-account issuer discovery: the JSON Web Key Set of the public key
 * (GET /openid/v1/jwks: {"keys":[{"use":"sig","kty":"RSA","kid","alg":
 * "RS256","n","e"}]}) and the OpenID configuration
 * (GET /.well-known/openid-configuration) of an issuer.  New objects. */
json_t *gt_ksa_key_jwks(const struct gt_ksa_key *k);
json_t *gt_ksa_openid_config(const char *issuer);
/* A key may be used by several threads at once (signing and verification
 * take a lock of the key: GnuTLS objects are not shared between threads). */

/* ---- service-account tokens ---- */

struct gt_ksa_token_opts {
    const char *issuer;
    const char *const *audiences; /* NULL-terminated, at least one */
    const char *namespace, *name, *uid; /* the ServiceAccount */
    /* bound object: "Pod", "Secret" or "Node" (NULL: none) */
    const char *bound_kind, *bound_name, *bound_uid;
    /* for a Pod: the node it runs on (may be NULL) */
    const char *node_name, *node_uid;
    int64_t now;                /* seconds since the epoch */
    int64_t expiration_seconds; /* > 0 */
};
/* *token: a new string.  *exp (may be NULL): its expiry. */
int gt_ksa_token_issue(const struct gt_ksa_key *k, const struct gt_ksa_token_opts *o,
                       char **token, int64_t *exp, struct gt_error *err);

struct gt_ksa_verify_opts {
    const char *issuer;
    const char *const *audiences;    /* accepted; NULL: {issuer} */
    int64_t now;
    const struct gt_klister *lister; /* NULL: no existence checks */
};
/* 0 and *user (initialised here); *matched (may be NULL): the token's
 * audiences among the accepted ones (a new NULL-terminated vector).
 * -EACCES with the reason.  Returns 1 (nothing set) when token is not a
 * JWT at all or names another issuer, so that the caller tries elsewhere. */
int gt_ksa_token_verify(const struct gt_ksa_key *k, const char *token,
                        const struct gt_ksa_verify_opts *o, struct gt_kuser *user,
                        char ***matched, struct gt_error *err);

/* TokenRequest (POST .../serviceaccounts/<name>/token) for the
 * ServiceAccount sa: validates spec (expirationSeconds defaults to 3600, at
 * least 600 and at most 2^32; audiences default to the server's), checks
 * the bound object (Pod, Secret or Node, through the lister: it must exist,
 * have the given uid, and a Pod must run as this ServiceAccount), issues
 * the token.  0 and *out the TokenRequest with status.token and
 * status.expirationTimestamp; negative and *out the Status to send (400
 * bad kind, 404 missing object, 409 uid mismatch, 422 invalid spec). */
struct gt_ksa_request_opts {
    const char *issuer;
    const char *const *audiences; /* the server's; NULL: {issuer} */
    int64_t now;
    const struct gt_klister *lister;
};
int gt_ksa_token_request(const struct gt_ksa_key *k, const struct gt_ksa_request_opts *o,
                         const json_t *sa, const json_t *req, json_t **out);

/* ---- the request authenticator ---- */

struct gt_kauthn {
    const struct gt_ktokenfile *tokens; /* may be NULL */
    const struct gt_ksa_key *sa_key;    /* may be NULL: no service-account tokens */
    const char *issuer;
    const char *const *audiences;       /* the server's; NULL: {issuer} */
    const struct gt_klister *lister;
    bool anonymous;                     /* allow requests without credentials */
};

/* The credentials of one request, as the HTTP layer has them. */
struct gt_kauthn_creds {
    const char *cert_cn;     /* verified client certificate, or NULL */
    char *const *cert_orgs;  /* its O values, or NULL */
    const char *authorization; /* the Authorization header, or NULL */
};

/* 0 and *user (initialised here); -EACCES (401) with the reason. */
int gt_kauthn_request(const struct gt_kauthn *a, const struct gt_kauthn_creds *c, int64_t now,
                      struct gt_kuser *user, struct gt_error *err);
/* A bearer token alone (audiences NULL: the server's). Token file first. */
int gt_kauthn_token(const struct gt_kauthn *a, const char *token, const char *const *audiences,
                    int64_t now, struct gt_kuser *user, char ***matched, struct gt_error *err);
/* TokenReview: review is the request object ({"spec":{"token","audiences"}});
 * returns the response: the request with status {authenticated, user,
 * audiences} or {authenticated:false, error}. Never fails. */
json_t *gt_kauthn_token_review(const struct gt_kauthn *a, const json_t *review, int64_t now);

#endif
