/* kube/api/pki.h - the server's certificates and keys (GnuTLS), and
 * kubeconfig files.
 *
 * gt_kpki_ensure() makes, in a directory, whatever is missing of:
 *   ca.crt, ca.key          a self-signed CA (ECDSA P-256, 10 years)
 *   server.crt, server.key  the serving certificate, signed by the CA, for
 *                           the names and addresses given (always
 *                           localhost, 127.0.0.1, ::1 and the kubernetes
 *                           service names); remade when the set changes
 *                           (server.sans records it)
 *   admin.crt, admin.key    a client certificate CN=system:admin,
 *                           O=system:masters
 * (The service-account signing key, sa.key, is kube/authn's
 * gt_ksa_key_load_or_create().)  Keys are written 0600.  Existing files are reused: a restart keeps its
 * CA, so kubeconfigs written before stay valid. */
#ifndef GT_KUBE_API_PKI_H
#define GT_KUBE_API_PKI_H

#include <sys/types.h>

#include "base/error.h"

int gt_kpki_ensure(const char *dir, const char *const *sans, struct gt_error *err);

/* A client certificate signed by the CA in dir: CN=cn, one O per entry of
 * orgs (NULL-terminated, may be NULL); PEM written to cert_out and key_out. */
int gt_kpki_issue_client(const char *dir, const char *cn, const char *const *orgs,
                         const char *cert_out, const char *key_out, struct gt_error *err);

/* A kubeconfig with the CA, the server URL and a client certificate,
 * embedded (base64), cluster/user/context all named "default" as k3s
 * names them.  Written atomically with mode. */
int gt_kpki_write_kubeconfig(const char *path, mode_t mode, const char *server_url,
                             const char *ca_file, const char *cert_file, const char *key_file,
                             struct gt_error *err);

#endif
