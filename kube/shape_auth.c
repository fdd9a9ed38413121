/* rbac.authorization.k8s.io/v1 shapes, and the reviews of
 * authorization.k8s.io/v1 and authentication.k8s.io/v1. */
#include "kube/shape_internal.h"

SHAPE(PolicyRule, V("verbs"), V("apiGroups"), V("resources"), V("resourceNames"),
      V("nonResourceURLs"));
SHAPE(AggregationRule, L("clusterRoleSelectors", LabelSelector));
SHAPE(Subject, V("kind"), V("apiGroup"), V("name"), V("namespace"));
SHAPE(RoleRef, V("apiGroup"), V("kind"), V("name"));
XSHAPE(role, Role, L("rules", PolicyRule));
XSHAPE(clusterrole, ClusterRole, L("rules", PolicyRule), O("aggregationRule", AggregationRule));
XSHAPE(rolebinding, RoleBinding, L("subjects", Subject), O("roleRef", RoleRef));
XSHAPE(clusterrolebinding, ClusterRoleBinding, L("subjects", Subject), O("roleRef", RoleRef));

/* ---- reviews ---- */

SHAPE(FieldSelectorRequirement, V("key"), V("operator"), V("values"));
SHAPE(FieldSelectorAttributes, V("rawSelector"), L("requirements", FieldSelectorRequirement));
SHAPE(LabelSelectorRequirement, V("key"), V("operator"), V("values"));
SHAPE(LabelSelectorAttributes, V("rawSelector"), L("requirements", LabelSelectorRequirement));
SHAPE(ResourceAttributes, V("namespace"), V("verb"), V("group"), V("version"), V("resource"),
      V("subresource"), V("name"), O("fieldSelector", FieldSelectorAttributes),
      O("labelSelector", LabelSelectorAttributes));
SHAPE(NonResourceAttributes, V("path"), V("verb"));
SHAPE(SelfSubjectAccessReviewSpec, O("resourceAttributes", ResourceAttributes),
      O("nonResourceAttributes", NonResourceAttributes));
SHAPE(SubjectAccessReviewSpec, O("resourceAttributes", ResourceAttributes),
      O("nonResourceAttributes", NonResourceAttributes), V("user"), V("groups"), V("extra"),
      V("uid"));
SHAPE(SubjectAccessReviewStatus, V("allowed"), V("denied"), V("reason"), V("evaluationError"));
XSHAPE(ssar, SelfSubjectAccessReview, O("spec", SelfSubjectAccessReviewSpec),
       O("status", SubjectAccessReviewStatus));
XSHAPE(sar, SubjectAccessReview, O("spec", SubjectAccessReviewSpec),
       O("status", SubjectAccessReviewStatus));
XSHAPE(lsar, LocalSubjectAccessReview, O("spec", SubjectAccessReviewSpec),
       O("status", SubjectAccessReviewStatus));

SHAPE(SelfSubjectRulesReviewSpec, V("namespace"));
SHAPE(ResourceRule, V("verbs"), V("apiGroups"), V("resources"), V("resourceNames"));
SHAPE(NonResourceRule, V("verbs"), V("nonResourceURLs"));
SHAPE(SubjectRulesReviewStatus, L("resourceRules", ResourceRule),
      L("nonResourceRules", NonResourceRule), V("incomplete"), V("evaluationError"));
XSHAPE(ssrr, SelfSubjectRulesReview, O("spec", SelfSubjectRulesReviewSpec),
       O("status", SubjectRulesReviewStatus));

SHAPE(UserInfo, V("username"), V("uid"), V("groups"), V("extra"));
SHAPE(TokenReviewSpec, V("token"), V("audiences"));
SHAPE(TokenReviewStatus, V("authenticated"), O("user", UserInfo), V("audiences"), V("error"));
XSHAPE(tokenreview, TokenReview, O("spec", TokenReviewSpec), O("status", TokenReviewStatus));
SHAPE(SelfSubjectReviewStatus, O("userInfo", UserInfo));
XSHAPE(selfsubjectreview, SelfSubjectReview, O("status", SelfSubjectReviewStatus));
