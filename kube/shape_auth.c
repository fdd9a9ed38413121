/* rbac.authorization.k8s.io/v1 shapes, and the reviews of
 * authorization.k8s.io/v1 and authentication.k8s.io/v1. */
#include "kube/shape_internal.h"

SHAPE(PolicyRule, VSL("verbs"), VSL("apiGroups"), VSL("resources"), VSL("resourceNames"),
      VSL("nonResourceURLs"));
SHAPE(AggregationRule, L("clusterRoleSelectors", LabelSelector));
SHAPE(Subject, VS("kind"), VS("apiGroup"), VS("name"), VS("namespace"));
SHAPE(RoleRef, VS("apiGroup"), VS("kind"), VS("name"));
XSHAPE(role, Role, L("rules", PolicyRule));
XSHAPE(clusterrole, ClusterRole, L("rules", PolicyRule), O("aggregationRule", AggregationRule));
XSHAPE(rolebinding, RoleBinding, L("subjects", Subject), O("roleRef", RoleRef));
XSHAPE(clusterrolebinding, ClusterRoleBinding, L("subjects", Subject), O("roleRef", RoleRef));

/* ---- reviews ---- */

SHAPE(FieldSelectorRequirement, VS("key"), VS("operator"), VSL("values"));
SHAPE(FieldSelectorAttributes, VS("rawSelector"), L("requirements", FieldSelectorRequirement));
SHAPE(LabelSelectorRequirement, VS("key"), VS("operator"), VSL("values"));
SHAPE(LabelSelectorAttributes, VS("rawSelector"), L("requirements", LabelSelectorRequirement));
SHAPE(ResourceAttributes, VS("namespace"), VS("verb"), VS("group"), VS("version"), VS("resource"),
      VS("subresource"), VS("name"), O("fieldSelector", FieldSelectorAttributes),
      O("labelSelector", LabelSelectorAttributes));
SHAPE(NonResourceAttributes, VS("path"), VS("verb"));
SHAPE(SelfSubjectAccessReviewSpec, O("resourceAttributes", ResourceAttributes),
      O("nonResourceAttributes", NonResourceAttributes));
SHAPE(SubjectAccessReviewSpec, O("resourceAttributes", ResourceAttributes),
      O("nonResourceAttributes", NonResourceAttributes), VS("user"), VSL("groups"), VMSL("extra"),
      VS("uid"));
SHAPE(SubjectAccessReviewStatus, VB("allowed"), VB("denied"), VS("reason"), VS("evaluationError"));
XSHAPE(ssar, SelfSubjectAccessReview, O("spec", SelfSubjectAccessReviewSpec),
       O("status", SubjectAccessReviewStatus));
XSHAPE(sar, SubjectAccessReview, O("spec", SubjectAccessReviewSpec),
       O("status", SubjectAccessReviewStatus));
XSHAPE(lsar, LocalSubjectAccessReview, O("spec", SubjectAccessReviewSpec),
       O("status", SubjectAccessReviewStatus));

SHAPE(SelfSubjectRulesReviewSpec, VS("namespace"));
SHAPE(ResourceRule, VSL("verbs"), VSL("apiGroups"), VSL("resources"), VSL("resourceNames"));
SHAPE(NonResourceRule, VSL("verbs"), VSL("nonResourceURLs"));
SHAPE(SubjectRulesReviewStatus, L("resourceRules", ResourceRule),
      L("nonResourceRules", NonResourceRule), VB("incomplete"), VS("evaluationError"));
XSHAPE(ssrr, SelfSubjectRulesReview, O("spec", SelfSubjectRulesReviewSpec),
       O("status", SubjectRulesReviewStatus));

SHAPE(UserInfo, VS("username"), VS("uid"), VSL("groups"), VMSL("extra"));
SHAPE(TokenReviewSpec, VS("token"), VSL("audiences"));
SHAPE(TokenReviewStatus, VB("authenticated"), O("user", UserInfo), VSL("audiences"), VS("error"));
XSHAPE(tokenreview, TokenReview, O("spec", TokenReviewSpec), O("status", TokenReviewStatus));
SHAPE(SelfSubjectReviewStatus, O("userInfo", UserInfo));
XSHAPE(selfsubjectreview, SelfSubjectReview, O("status", SelfSubjectReviewStatus));
