/* Descriptions of rbac.authorization.k8s.io/v1 types and of the reviews of
 * authorization.k8s.io/v1 and authentication.k8s.io/v1
 * (kube/shape_auth.c).  The lookup and the rules of the table:
 * openapi_docs_internal.h. */
#include <stddef.h>

#include "kube/openapi_docs_internal.h"

const struct gt_kdoc gt_kdocs_rbac[] = {
    { "Role", NULL, "A set of permissions within a namespace." },
    { "ClusterRole", NULL, "A set of permissions, cluster-wide or reusable in namespaces." },
    { "RoleBinding", NULL, "Grants the permissions of a role to users, groups or service "
                           "accounts within a namespace." },
    { "ClusterRoleBinding", NULL, "Grants the permissions of a cluster role to users, groups "
                                  "or service accounts across the cluster." },
    { "Role", "rules", "The permissions; they only add up, nothing denies." },
    { "ClusterRole", "rules", "The permissions; filled by the controller when "
                              "aggregationRule is set." },
    { "ClusterRole", "aggregationRule", "Make this role the union of the cluster roles "
                                        "these selectors match." },
    { "AggregationRule", "clusterRoleSelectors", "Cluster roles whose rules are added; any "
                                                 "selector matching is enough." },
    { "PolicyRule", NULL, "Verbs allowed on some resources or non-resource URLs." },
    { "PolicyRule", "verbs", "get, list, watch, create, update, patch, delete, "
                             "deletecollection, or others; \"*\" is all." },
    { "PolicyRule", "apiGroups", "The API groups of the resources; \"\" is the core group, "
                                 "\"*\" all." },
    { "PolicyRule", "resources", "Resource names (\"pods\", \"pods/log\" for a "
                                 "subresource); \"*\" is all." },
    { "PolicyRule", "resourceNames", "Only objects of these names; all when empty. Does "
                                     "not restrict create, list or watch of a "
                                     "collection." },
    { "PolicyRule", "nonResourceURLs", "Paths that are not resources (\"/healthz\", "
                                       "\"/api/*\"); in cluster roles only, and not with "
                                       "resources." },
    { "RoleBinding", "subjects", "Who gets the permissions." },
    { "RoleBinding", "roleRef", "The Role of the namespace, or a ClusterRole applied to the "
                                "namespace; cannot change." },
    { "ClusterRoleBinding", "subjects", "Who gets the permissions." },
    { "ClusterRoleBinding", "roleRef", "The ClusterRole granted everywhere; cannot "
                                       "change." },
    { "Subject", NULL, "A user, group or service account." },
    { "Subject", "kind", "User, Group or ServiceAccount." },
    { "Subject", "apiGroup", "\"rbac.authorization.k8s.io\" for User and Group, \"\" for "
                             "ServiceAccount." },
    { "Subject", "name", "The name of the user, group or service account." },
    { "Subject", "namespace", "For ServiceAccount: its namespace." },
    { "RoleRef", NULL, "The role a binding grants." },
    { "RoleRef", "apiGroup", "\"rbac.authorization.k8s.io\"." },
    { "RoleRef", "kind", "Role or ClusterRole." },
    { "RoleRef", "name", "The role's name." },

    /* reviews */
    { "TokenReview", NULL, "Asks the server who a bearer token authenticates as." },
    { "SelfSubjectReview", NULL, "Asks the server who the caller is." },
    { "SubjectAccessReview", NULL, "Asks whether a user or group may perform an action." },
    { "LocalSubjectAccessReview", NULL, "Asks whether a user may perform an action in a "
                                        "namespace." },
    { "SelfSubjectAccessReview", NULL, "Asks whether the caller may perform an action." },
    { "SelfSubjectRulesReview", NULL, "Lists the actions the caller may perform in a "
                                      "namespace." },
    { "ResourceAttributes", "verb", "The verb (get, list, create...)." },
    { "ResourceAttributes", "resource", "The resource (\"pods\")." },
    { "ResourceAttributes", "namespace", "The namespace; empty for cluster-scoped resources "
                                         "or all namespaces." },
    { "SubjectAccessReviewStatus", "allowed", "Whether the action is allowed." },
    { "TokenReviewSpec", "token", "The bearer token to check." },
    { "TokenReviewStatus", "authenticated", "Whether the token is valid." },
    { "TokenReviewStatus", "user", "Who the token authenticates as." },
    GT_KDOC_END
};
