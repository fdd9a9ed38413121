/* rbac.authorization.k8s.io/v1: roles, clusterroles, rolebindings,
 * clusterrolebindings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"

#define RBAC_GROUP "rbac.authorization.k8s.io"


/* ---- roles ---- */

static void check_rules(struct gt_kfe_list *e, const json_t *role, bool namespaced)
{
    const json_t *rules = gt_kv_arr(e, "", role, "rules", false);
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r) {
        char *p = gt_kp_index("rules", i);
        static const char *const lists[] = { "verbs", "apiGroups", "resources", "resourceNames",
                                             "nonResourceURLs" };
        for (size_t l = 0; l < 5; l++)
            gt_kv_arr(e, p, r, lists[l], false);
        if (gt_kobj_len(r, "verbs") == 0) {
            char *vp = gt_kp_join(p, "verbs");
            gt_kfe_required(e, vp, "verbs must contain at least one value");
            free(vp);
        }
        const json_t *nru = gt_kobj_arr(r, "nonResourceURLs");
        if (json_array_size(nru)) {
            char *np = gt_kp_join(p, "nonResourceURLs");
            if (namespaced)
                gt_kfe_invalid(e, np, nru, "namespaced rules cannot apply to non-resource URLs");
            if (gt_kobj_len(r, "apiGroups") || gt_kobj_len(r, "resources") ||
                gt_kobj_len(r, "resourceNames"))
                gt_kfe_invalid(e, np, nru, "rules cannot apply to both regular resources and "
                                           "non-resource URLs");
            free(np);
        } else {
            if (gt_kobj_len(r, "apiGroups") == 0) {
                char *ap = gt_kp_join(p, "apiGroups");
                gt_kfe_required(e, ap, "resource rules must supply at least one api group");
                free(ap);
            }
            if (gt_kobj_len(r, "resources") == 0) {
                char *rp = gt_kp_join(p, "resources");
                gt_kfe_required(e, rp, "resource rules must supply at least one resource");
                free(rp);
            }
        }
        free(p);
    }
}

static void role_validate(const json_t *role, const json_t *old, struct gt_kfe_list *e)
{
    check_rules(e, role, true);
    (void)old;
}

static void clusterrole_validate(const json_t *role, const json_t *old, struct gt_kfe_list *e)
{
    check_rules(e, role, false);
    const json_t *agg = gt_kv_obj(e, "", role, "aggregationRule", false);
    const json_t *sels = gt_kv_arr(e, "aggregationRule", agg, "clusterRoleSelectors", false);
    size_t i;
    json_t *s;
    json_array_foreach(sels, i, s) {
        char *p = gt_kp_index("aggregationRule.clusterRoleSelectors", i);
        gt_kv_label_selector(e, p, s);
        free(p);
    }
    (void)old;
}

const struct gt_kind gt_kind_role = {
    .group = RBAC_GROUP, .version = "v1", .kind = "Role", .resource = "roles",
    .singular = "role", .namespaced = true, .verbs = GT_KVERBS_ALL,
    .name_rule = GT_KNAME_PATH_SEGMENT, .schema = &gt_ktype_plain, .validate = role_validate,
    .shape = &gt_kshape_role,
};

const struct gt_kind gt_kind_clusterrole = {
    .group = RBAC_GROUP, .version = "v1", .kind = "ClusterRole", .resource = "clusterroles",
    .singular = "clusterrole", .namespaced = false, .verbs = GT_KVERBS_ALL,
    .name_rule = GT_KNAME_PATH_SEGMENT, .schema = &gt_ktype_plain,
    .validate = clusterrole_validate,
    .shape = &gt_kshape_clusterrole,
};

/* ---- bindings ---- */

/* Users and groups get the RBAC group; a service account's group is ""
 * and, being omitempty in the Kubernetes type, is left out of the object
 * (an explicit "" is dropped as Kubernetes' encoder drops it). */
static void binding_defaults(json_t *b)
{
    json_t *subjects = gt_kobj_arr(b, "subjects");
    size_t i;
    json_t *s;
    json_array_foreach(subjects, i, s) {
        if (!json_is_object(s))
            continue;
        const char *kind = gt_kobj_str(s, "kind", "");
        json_t *group = json_object_get(s, "apiGroup");
        if (json_is_string(group) && !json_string_length(group))
            json_object_del(s, "apiGroup");
        if (strcmp(kind, "User") == 0 || strcmp(kind, "Group") == 0)
            gt_kd_str(s, "apiGroup", RBAC_GROUP);
    }
}

static void check_binding(struct gt_kfe_list *e, const json_t *b, const json_t *old,
                          bool cluster)
{
    const json_t *ref = gt_kv_obj(e, "", b, "roleRef", true);
    if (ref) {
        static const char *const groups[] = { RBAC_GROUP, NULL };
        gt_kv_enum(e, "roleRef", ref, "apiGroup", groups, true);
        static const char *const kinds[] = { "Role", "ClusterRole", NULL };
        gt_kv_enum(e, "roleRef", ref, "kind", cluster ? kinds + 1 : kinds, true);
        const char *name = gt_kv_str(e, "roleRef", ref, "name", true);
        if (name && name[0])
            gt_kmeta_check_name(e, "roleRef.name", name, GT_KNAME_PATH_SEGMENT, false);
    }
    const json_t *subjects = gt_kv_arr(e, "", b, "subjects", false);
    size_t i;
    json_t *s;
    json_array_foreach(subjects, i, s) {
        char *p = gt_kp_index("subjects", i);
        static const char *const kinds[] = { "ServiceAccount", "User", "Group", NULL };
        const char *kind = gt_kv_enum(e, p, s, "kind", kinds, true);
        const char *name = gt_kv_str(e, p, s, "name", true);
        const char *group = gt_kobj_str(s, "apiGroup", "");
        char *gp = gt_kp_join(p, "apiGroup");
        if (kind && strcmp(kind, "ServiceAccount") == 0) {
            static const char *const empty[] = { "", NULL };
            if (group[0])
                gt_kfe_not_supported(e, gp, json_object_get(s, "apiGroup"), empty);
            if (name && name[0]) {
                char *np = gt_kp_join(p, "name");
                gt_kmeta_check_dns1123_subdomain(e, np, name);
                free(np);
            }
            const char *ns = gt_kobj_str(s, "namespace", "");
            if (cluster && !ns[0]) {
                char *nsp = gt_kp_join(p, "namespace");
                gt_kfe_required(e, nsp, "");
                free(nsp);
            }
        } else if (kind && strcmp(group, RBAC_GROUP) != 0) {
            static const char *const rbac[] = { RBAC_GROUP, NULL };
            gt_kfe_not_supported(e, gp, json_object_get(s, "apiGroup"), rbac);
        }
        free(gp);
        free(p);
    }
    if (old && !json_equal(gt_kobj_get(b, "roleRef"), gt_kobj_get(old, "roleRef")))
        gt_kfe_invalid(e, "roleRef", gt_kobj_get(b, "roleRef"), "cannot change roleRef");
}

static void rolebinding_validate(const json_t *b, const json_t *old, struct gt_kfe_list *e)
{
    check_binding(e, b, old, false);
}

static void clusterrolebinding_validate(const json_t *b, const json_t *old,
                                        struct gt_kfe_list *e)
{
    check_binding(e, b, old, true);
}

static const struct gt_kcolumn binding_columns[] = {
    GT_KCOL_NAME,
    { "Role", "string", "", "RoleRef can reference a Role in the current namespace or a "
                            "ClusterRole in the global namespace.", 0 },
    GT_KCOL_AGE,
    { "Users", "string", "", "Users in the binding", 1 },
    { "Groups", "string", "", "Groups in the binding", 1 },
    { "ServiceAccounts", "string", "", "ServiceAccounts in the binding", 1 },
    { 0 },
};

static void binding_cells(const json_t *b, int64_t now, json_t *cells)
{
    gt_kc_name(cells, b);
    gt_kc_fmt(cells, "%s/%s", gt_kobj_str(b, "roleRef.kind", ""),
              gt_kobj_str(b, "roleRef.name", ""));
    gt_kc_age(cells, b, now);
    static const char *const kinds[] = { "User", "Group", "ServiceAccount" };
    for (size_t k = 0; k < 3; k++) {
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        int n = 0;
        size_t i;
        json_t *s;
        json_array_foreach(gt_kobj_arr(b, "subjects"), i, s) {
            if (!f || strcmp(gt_kobj_str(s, "kind", ""), kinds[k]) != 0)
                continue;
            const char *ns = gt_kobj_str(s, "namespace", "");
            if (k == 2 && ns[0])
                fprintf(f, "%s%s/%s", n ? ", " : "", ns, gt_kobj_str(s, "name", ""));
            else
                fprintf(f, "%s%s", n ? ", " : "", gt_kobj_str(s, "name", ""));
            n++;
        }
        if (f)
            fclose(f);
        gt_kc_str(cells, out ? out : "");
        free(out);
    }
}

const struct gt_kind gt_kind_rolebinding = {
    .group = RBAC_GROUP, .version = "v1", .kind = "RoleBinding", .resource = "rolebindings",
    .singular = "rolebinding", .namespaced = true, .verbs = GT_KVERBS_ALL,
    .name_rule = GT_KNAME_PATH_SEGMENT, .schema = &gt_ktype_plain, .defaults = binding_defaults,
    .validate = rolebinding_validate, .columns = binding_columns, .cells = binding_cells,
    .shape = &gt_kshape_rolebinding,
};

const struct gt_kind gt_kind_clusterrolebinding = {
    .group = RBAC_GROUP, .version = "v1", .kind = "ClusterRoleBinding",
    .resource = "clusterrolebindings", .singular = "clusterrolebinding", .namespaced = false,
    .verbs = GT_KVERBS_ALL, .name_rule = GT_KNAME_PATH_SEGMENT, .schema = &gt_ktype_plain,
    .defaults = binding_defaults, .validate = clusterrolebinding_validate,
    .columns = binding_columns, .cells = binding_cells,
    .shape = &gt_kshape_clusterrolebinding,
};
