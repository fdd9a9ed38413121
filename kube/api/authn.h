/* kube/api/authn.h - who is asking: Kubernetes authentication.
 *
 * Authenticators, tried in this order:
 * - a client certificate verified by the TLS layer against the server's CA:
 *   the subject CN is the user, each O a group;
 * - "Authorization: Bearer <token>":
 *   a static token from the token file (CSV lines token,user,uid,"g1,g2",
 *   as kube-apiserver's --token-auth-file), or
 *   a service-account token: a JWT (RS256) this server signed, whose
 *   serviceaccount must still exist with the uid the token names; the user
 *   is system:serviceaccount:<ns>:<name>, the groups system:serviceaccounts
 *   and system:serviceaccounts:<ns>.
 * Every authenticated user also gets the group system:authenticated.  A
 * request without credentials is anonymous (system:anonymous, group
 * system:unauthenticated); a request with bad credentials fails (401).
 *
 * Service-account tokens carry the claims Kubernetes puts in them (iss,
 * sub, aud, exp, iat, nbf, and "kubernetes.io": namespace, serviceaccount
 * name and uid), so that a TokenReview answers what a real server would. */
#ifndef GT_KUBE_API_AUTHN_H
#define GT_KUBE_API_AUTHN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

#define GT_KUSER_MASTERS "system:masters"
#define GT_KSA_ISSUER "https://kubernetes.default.svc.cluster.local"

struct gt_kuser {
    char *name;
    char *uid;
    char **groups; /* NULL-terminated */
    bool anonymous;
};

void gt_kuser_init(struct gt_kuser *u, const char *name, const char *uid);
void gt_kuser_add_group(struct gt_kuser *u, const char *g);
bool gt_kuser_in_group(const struct gt_kuser *u, const char *g);
void gt_kuser_release(struct gt_kuser *u);
/* {"username":..,"uid":..,"groups":[..]} (TokenReview status.user) */
json_t *gt_kuser_json(const struct gt_kuser *u);

struct gt_kauthn;

/* token_file may be NULL; sa_key_file: the PEM RSA key that signs
 * service-account tokens (its public half verifies them). */
int gt_kauthn_new(const char *token_file, const char *sa_key_file, struct gt_kauthn **out,
                  struct gt_error *err);
void gt_kauthn_free(struct gt_kauthn *a);

/* Looks up a service account's uid for the token check: 0 and *uid (new
 * string) if it exists, -ENOENT if not. */
typedef int (*gt_kauthn_sa_lookup_fn)(const char *ns, const char *name, char **uid, void *ctx);
void gt_kauthn_set_sa_lookup(struct gt_kauthn *a, gt_kauthn_sa_lookup_fn fn, void *ctx);

/* A bearer token: 0 with *u filled; -EPERM with err saying why (invalid,
 * expired, unknown service account). */
int gt_kauthn_token(struct gt_kauthn *a, const char *token, struct gt_kuser *u,
                    struct gt_error *err);

/* A service-account token for ns/name (uid), valid expiry seconds from now
 * (0: one hour), for the audiences (NULL-terminated; NULL: the issuer).
 * *exp gets the expiry (seconds since the epoch). New string. */
char *gt_kauthn_issue_sa_token(struct gt_kauthn *a, const char *ns, const char *name,
                               const char *uid, int64_t expiry, const char *const *audiences,
                               int64_t *exp, struct gt_error *err);

#endif
