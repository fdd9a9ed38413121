/* kube/rbac.h - authorization as Kubernetes' RBAC authorizer does it, as
 * pure functions over Roles, ClusterRoles and their bindings read through
 * a lister (kube/lister.h).
 *
 * A request is described by its attributes (struct gt_kauthz_attrs): the
 * user, the verb ("get", "list", "watch", "create", "update", "patch",
 * "delete", "deletecollection", or a special verb such as "impersonate",
 * "bind", "escalate"), and either the resource (API group, resource,
 * subresource, namespace, name) or the non-resource path ("/healthz").
 *
 * gt_krbac_authorize(): members of system:masters are always allowed
 * (reason ""), as by kube-apiserver's privileged-group authorizer; then
 * every ClusterRoleBinding, then the RoleBindings of the request's namespace
 * are visited, and the first rule of a bound role that covers the request
 * allows it, with the reason Kubernetes gives:
 *   RBAC: allowed by ClusterRoleBinding "admins" of ClusterRole "admin" to User "bob"
 *   RBAC: allowed by RoleBinding "dev/team" of Role "dev" to Group "devs"
 * (RoleBindings are named "<name>/<namespace>").  Otherwise the request is
 * denied with reason "" or, when bindings name roles that do not exist,
 * "RBAC: [clusterrole.rbac.authorization.k8s.io \"x\" not found, ...]".
 * A lister that cannot list denies (fail closed) with a reason saying so.
 *
 * Rule matching is RBAC's: verbs and apiGroups match "*" or equal values;
 * resources match "*", the combined "resource/subresource", or a
 * star-slash-subresource ("*" "/exec" for any exec); resourceNames, when not empty, must contain the name
 * (requests without a name -- list, create -- do not match them);
 * nonResourceURLs match "*", equal paths, or a prefix ending in "*".
 * Subjects: User by name, Group by membership, ServiceAccount by
 * system:serviceaccount:<ns>:<name> (ns defaulting to a RoleBinding's own
 * namespace).
 */
#ifndef GT_KUBE_RBAC_H
#define GT_KUBE_RBAC_H

#include <jansson.h>
#include <stdbool.h>

#include "kube/authn.h"
#include "kube/lister.h"

#define GT_KRBAC_GROUP "rbac.authorization.k8s.io"

struct gt_kauthz_attrs {
    const struct gt_kuser *user;
    const char *verb;
    bool resource_request; /* false: a non-resource request for path */
    const char *api_group; /* "" for core */
    const char *resource;  /* "pods" */
    const char *subresource;
    const char *namespace; /* "" or NULL: cluster scope */
    const char *name;
    const char *path; /* non-resource requests */
};

enum gt_kauthz_decision { GT_KAUTHZ_DENY = 0, GT_KAUTHZ_ALLOW = 1 };

/* The decision; *reason (may be NULL): a new string, possibly "". */
enum gt_kauthz_decision gt_krbac_authorize(const struct gt_klister *l,
                                           const struct gt_kauthz_attrs *a, char **reason);
/* One PolicyRule (JSON) against the attributes. */
bool gt_krbac_rule_allows(const json_t *rule, const struct gt_kauthz_attrs *a);
/* One subject (JSON) against a user; binding_ns is a RoleBinding's namespace
 * ("" for ClusterRoleBindings). */
bool gt_krbac_subject_matches(const json_t *subject, const struct gt_kuser *u,
                              const char *binding_ns);

/* The message of a 403, word for word as kube-apiserver writes it:
 *   User "bob" cannot list resource "pods" in API group "" in the namespace "default"
 *   User "bob" cannot create resource "pods/exec" in API group "" at the cluster scope
 *   User "bob" cannot get path "/metrics"
 * New string. */
char *gt_krbac_forbidden_message(const struct gt_kauthz_attrs *a);
/* The whole Status: "pods is forbidden: User ...", "pods \"x\" is forbidden:
 * ...", "forbidden: User ... path ..." with ": <reason>" appended when
 * reason is not empty. */
json_t *gt_krbac_forbidden_status(const struct gt_kauthz_attrs *a, const char *reason);

/* ---- reviews (authorization.k8s.io/v1) ----
 *
 * gt_krbac_access_review() answers SubjectAccessReview (self NULL: the user
 * is spec.user/groups/uid/extra), SelfSubjectAccessReview (self: the
 * requester) and LocalSubjectAccessReview (local_ns: the namespace of the
 * URL, which spec.resourceAttributes.namespace must equal).  It returns the
 * review with status {allowed, reason} (allowed always present), or a 422
 * Status when the spec is unusable; *ok (may be NULL) tells which.
 * gt_krbac_rules_review() answers SelfSubjectRulesReview
 * (spec.namespace): status {resourceRules, nonResourceRules, incomplete,
 * evaluationError?} as kubectl auth can-i --list reads it. */
json_t *gt_krbac_access_review(const struct gt_klister *l, const json_t *review,
                               const struct gt_kuser *self, const char *local_ns, bool *ok);
json_t *gt_krbac_rules_review(const struct gt_klister *l, const json_t *review,
                              const struct gt_kuser *self);

/* ---- impersonation (kubectl --as, --as-group) ----
 *
 * The Impersonate-User, Impersonate-Group, Impersonate-Uid and
 * Impersonate-Extra-<key> headers of a request.  Each needs the verb
 * "impersonate" for the requester: on users/<name> (serviceaccounts/<name>
 * in its namespace for system:serviceaccount:<ns>:<name>), groups/<name>,
 * uids/<uid> and userextras/<key> named <value> (the last two in group
 * authentication.k8s.io).  0 and *out the user the request then runs as:
 * the impersonated name, uid, groups and extra, plus system:authenticated
 * (system:unauthenticated for system:anonymous) and a service account's
 * groups.  Negative with *status: 403 as Kubernetes words it
 * ("users \"bob\" is forbidden: User \"alice\" cannot impersonate resource
 * \"users\" in API group \"\" at the cluster scope"), 400 for groups,
 * uid or extra without a user. */
struct gt_kimpersonate {
    const char *user;           /* NULL: no impersonation (0, *out a copy of the requester) */
    const char *const *groups;  /* NULL-terminated, may be NULL */
    const char *uid;            /* may be NULL */
    const json_t *extra;        /* {"key":["value",...]}, may be NULL */
};
int gt_krbac_impersonate(const struct gt_klister *l, const struct gt_kuser *requester,
                         const struct gt_kimpersonate *imp, struct gt_kuser *out,
                         json_t **status);

/* ---- escalation prevention ----
 *
 * What kube-apiserver checks before storing RBAC objects (create and
 * update), so that nobody grants more than they hold:
 * - a Role or ClusterRole: every rule must be covered by the writer's own
 *   rules (in the Role's namespace; cluster-wide for a ClusterRole), unless
 *   the writer is in system:masters or may "escalate" roles/clusterroles; a
 *   ClusterRole with an aggregationRule needs full authority ("must have
 *   cluster-admin privileges to use the aggregationRule");
 * - a RoleBinding or ClusterRoleBinding: the writer may "bind" the role it
 *   references, or holds all of that role's rules (in the binding's
 *   namespace; cluster-wide for a ClusterRoleBinding).
 * resource: "roles", "clusterroles", "rolebindings" or
 * "clusterrolebindings"; obj: the object to store.  0 when allowed; else
 * negative and *status the answer: 404 when the referenced role does not
 * exist, 403 worded as Kubernetes does:
 *   roles.rbac.authorization.k8s.io "x" is forbidden: user "bob"
 *   (groups=["dev" "system:authenticated"]) is attempting to grant RBAC
 *   permissions not currently held:
 *   {APIGroups:[""], Resources:["pods"], Verbs:["create" "delete"]}
 * (one missing permission a line, sorted, verbs of the same resource
 * merged). */
int gt_krbac_check_escalation(const struct gt_klister *l, const struct gt_kuser *u,
                              const char *resource, const json_t *obj, json_t **status);
/* Whether owner rules cover every permission of servant rules (RBAC's
 * Covers); *missing (may be NULL): the uncovered permissions, one verb and
 * resource (or URL) each, a new array. */
bool gt_krbac_covers(const json_t *owner, const json_t *servant, json_t **missing);

/* ---- ClusterRole aggregation ----
 *
 * The rules that the aggregation controller writes into a ClusterRole with
 * an aggregationRule: for each clusterRoleSelector in order, the matching
 * ClusterRoles (other than itself) sorted by name, each rule once (exact
 * duplicates dropped).  Returns a new array, or NULL when role has no
 * aggregationRule.  clusterroles: an array of ClusterRole objects. */
json_t *gt_krbac_aggregate(const json_t *role, const json_t *clusterroles);
/* Applies aggregation to every ClusterRole of the array (in place) until
 * nothing changes (aggregated roles that select aggregated roles); returns
 * the number of roles whose rules changed. */
size_t gt_krbac_aggregate_all(json_t *clusterroles);

/* ---- bootstrap policy ----
 *
 * What kube-apiserver creates at its first start (each with label
 * kubernetes.io/bootstrapping=rbac-defaults and annotation
 * rbac.authorization.kubernetes.io/autoupdate=true), new arrays:
 * ClusterRoles cluster-admin, admin, edit, view (aggregated, their rules
 * already filled), system:aggregate-to-admin/edit/view, system:discovery,
 * system:basic-user, system:public-info-viewer, system:auth-delegator;
 * ClusterRoleBindings cluster-admin (Group system:masters),
 * system:basic-user and system:discovery (Group system:authenticated),
 * system:public-info-viewer (Groups system:authenticated and
 * system:unauthenticated). */
json_t *gt_krbac_bootstrap_clusterroles(void);
json_t *gt_krbac_bootstrap_clusterrolebindings(void);

#endif
