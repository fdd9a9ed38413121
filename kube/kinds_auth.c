/* authorization.k8s.io/v1 subjectaccessreviews (self, local and plain) and
 * selfsubjectrulesreviews, authentication.k8s.io/v1 tokenreviews and
 * selfsubjectreviews: create-only reviews. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"

/* ---- access reviews and token reviews (create-only) ---- */

static void check_review_spec(struct gt_kfe_list *e, const json_t *obj)
{
    const json_t *spec = gt_kv_obj(e, "", obj, "spec", true);
    if (!spec)
        return;
    const json_t *ra = gt_kv_obj(e, "spec", spec, "resourceAttributes", false);
    const json_t *nra = gt_kv_obj(e, "spec", spec, "nonResourceAttributes", false);
    if (ra && nra)
        gt_kfe_invalid(e, "spec.nonResourceAttributes", nra,
                       "cannot be specified in combination with resourceAttributes");
    else if (!ra && !nra)
        gt_kfe_invalid(e, "spec.resourceAttributes", json_null(),
                       "exactly one of nonResourceAttributes or resourceAttributes must be "
                       "specified");
}

static void ssar_validate(const json_t *r, const json_t *old, struct gt_kfe_list *e)
{
    check_review_spec(e, r);
    (void)old;
}

static void sar_validate(const json_t *r, const json_t *old, struct gt_kfe_list *e)
{
    check_review_spec(e, r);
    const json_t *spec = gt_kobj_obj(r, "spec");
    if (spec && !gt_kobj_str(spec, "user", "")[0] && gt_kobj_len(spec, "groups") == 0)
        gt_kfe_invalid_str(e, "spec.user", "", "at least one of user or group must be specified");
    (void)old;
}

static void lsar_validate(const json_t *r, const json_t *old, struct gt_kfe_list *e)
{
    sar_validate(r, old, e);
    const json_t *spec = gt_kobj_obj(r, "spec");
    const json_t *ra = gt_kobj_obj(spec, "resourceAttributes");
    const char *ns = gt_kobj_str(r, "metadata.namespace", "");
    if (ra && strcmp(gt_kobj_str(ra, "namespace", ""), ns) != 0)
        gt_kfe_invalid_str(e, "spec.resourceAttributes.namespace",
                           gt_kobj_str(ra, "namespace", ""), "must match metadata.namespace");
    if (json_object_get(spec, "nonResourceAttributes"))
        gt_kfe_invalid(e, "spec.nonResourceAttributes", gt_kobj_get(spec, "nonResourceAttributes"),
                       "disallowed on this kind of request");
}

static void ssrr_validate(const json_t *r, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", r, "spec", false);
    gt_kv_str(e, "spec", spec, "namespace", false);
    (void)old;
}

static void tokenreview_validate(const json_t *r, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", r, "spec", false);
    gt_kv_str(e, "spec", spec, "token", false);
    gt_kv_arr(e, "spec", spec, "audiences", false);
    (void)old;
}

const struct gt_kind gt_kind_ssar = {
    .group = "authorization.k8s.io", .version = "v1", .kind = "SelfSubjectAccessReview",
    .resource = "selfsubjectaccessreviews", .singular = "selfsubjectaccessreview",
    .namespaced = false, .verbs = GT_KVERB_CREATE, .name_rule = GT_KNAME_SUBDOMAIN,
    .flags = GT_KIND_CREATE_ONLY, .validate = ssar_validate,
    .shape = &gt_kshape_ssar,
};

const struct gt_kind gt_kind_sar = {
    .group = "authorization.k8s.io", .version = "v1", .kind = "SubjectAccessReview",
    .resource = "subjectaccessreviews", .singular = "subjectaccessreview", .namespaced = false,
    .verbs = GT_KVERB_CREATE, .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_CREATE_ONLY,
    .validate = sar_validate,
    .shape = &gt_kshape_sar,
};

const struct gt_kind gt_kind_tokenreview = {
    .group = "authentication.k8s.io", .version = "v1", .kind = "TokenReview",
    .resource = "tokenreviews", .singular = "tokenreview", .namespaced = false,
    .verbs = GT_KVERB_CREATE, .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_CREATE_ONLY,
    .validate = tokenreview_validate,
    .shape = &gt_kshape_tokenreview,
};

const struct gt_kind gt_kind_lsar = {
    .group = "authorization.k8s.io", .version = "v1", .kind = "LocalSubjectAccessReview",
    .resource = "localsubjectaccessreviews", .singular = "localsubjectaccessreview",
    .namespaced = true, .verbs = GT_KVERB_CREATE, .name_rule = GT_KNAME_SUBDOMAIN,
    .flags = GT_KIND_CREATE_ONLY, .validate = lsar_validate,
    .shape = &gt_kshape_lsar,
};

const struct gt_kind gt_kind_ssrr = {
    .group = "authorization.k8s.io", .version = "v1", .kind = "SelfSubjectRulesReview",
    .resource = "selfsubjectrulesreviews", .singular = "selfsubjectrulesreview",
    .namespaced = false, .verbs = GT_KVERB_CREATE, .name_rule = GT_KNAME_SUBDOMAIN,
    .flags = GT_KIND_CREATE_ONLY, .validate = ssrr_validate,
    .shape = &gt_kshape_ssrr,
};

const struct gt_kind gt_kind_selfsubjectreview = {
    .group = "authentication.k8s.io", .version = "v1", .kind = "SelfSubjectReview",
    .resource = "selfsubjectreviews", .singular = "selfsubjectreview", .namespaced = false,
    .verbs = GT_KVERB_CREATE, .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_CREATE_ONLY,
    .shape = &gt_kshape_selfsubjectreview,
};
