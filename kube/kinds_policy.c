/* policy/v1 poddisruptionbudgets and scheduling.k8s.io/v1 priorityclasses:
 * written by hand next to workloads (Helm charts carry them), stored and
 * shown; no disruption controller fills a budget's status yet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"

/* ---- poddisruptionbudgets ---- */

static void pdb_validate(const json_t *pdb, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", pdb, "spec", false);
    const json_t *min = json_object_get(spec, "minAvailable");
    const json_t *max = json_object_get(spec, "maxUnavailable");
    if (min && !json_is_null(min) && max && !json_is_null(max))
        gt_kfe_invalid(e, "spec", spec, "minAvailable and maxUnavailable cannot be both set");
    gt_kv_int_or_percent(e, "spec.minAvailable", min);
    gt_kv_int_or_percent(e, "spec.maxUnavailable", max);
    static const char *const pct_over[2] = { "spec.minAvailable", "spec.maxUnavailable" };
    const json_t *v[2] = { min, max };
    for (size_t i = 0; i < 2; i++)
        if (json_is_string(v[i]) && atoi(json_string_value(v[i])) > 100)
            gt_kfe_invalid(e, pct_over[i], v[i], "must not be greater than 100%");
    gt_kv_label_selector(e, "spec.selector", gt_kv_obj(e, "spec", spec, "selector", false));
    static const char *const policies[] = { "IfHealthyBudget", "AlwaysAllow", NULL };
    gt_kv_enum(e, "spec", spec, "unhealthyPodEvictionPolicy", policies, false);
    (void)old;
}

static const struct gt_kcolumn pdb_columns[] = {
    GT_KCOL_NAME,
    { "Min Available", "string", "", "The minimum number of pods that must be available.", 0 },
    { "Max Unavailable", "string", "", "The maximum number of pods that may be unavailable.", 0 },
    { "Allowed Disruptions", "integer", "",
      "Calculated number of pods that may be disrupted at this time.", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static void int_or_string_cell(json_t *cells, const json_t *v)
{
    if (json_is_integer(v))
        gt_kc_fmt(cells, "%lld", (long long)json_integer_value(v));
    else if (json_is_string(v))
        gt_kc_str(cells, json_string_value(v));
    else
        gt_kc_str(cells, "N/A");
}

static void pdb_cells(const json_t *pdb, int64_t now, json_t *cells)
{
    gt_kc_name(cells, pdb);
    int_or_string_cell(cells, gt_kobj_get(pdb, "spec.minAvailable"));
    int_or_string_cell(cells, gt_kobj_get(pdb, "spec.maxUnavailable"));
    gt_kc_int(cells, gt_kobj_int(pdb, "status.disruptionsAllowed", 0));
    gt_kc_age(cells, pdb, now);
}

static const char *const pdb_short[] = { "pdb", NULL };
static const struct gt_ktype pdb_spec = GT_KSTRUCT({ "selector", &gt_ktype_label_selector });
static const struct gt_ktype pdb_status = GT_KSTRUCT({ "conditions", &gt_ktype_conditions },
                                                     { "disruptedPods", &gt_ktype_map });
static const struct gt_ktype pdb_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "spec", &pdb_spec },
               { "status", &pdb_status });

const struct gt_kind gt_kind_pdb = {
    .group = "policy", .version = "v1", .kind = "PodDisruptionBudget",
    .resource = "poddisruptionbudgets", .singular = "poddisruptionbudget", .namespaced = true,
    .short_names = pdb_short, .verbs = GT_KVERBS_ALL, .subresources = gt_ksubs_status,
    .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_STATUS, .schema = &pdb_schema,
    .validate = pdb_validate, .columns = pdb_columns, .cells = pdb_cells,
    .shape = &gt_kshape_pdb,
};

/* ---- priorityclasses ---- */

#define HIGHEST_USER_PRIORITY 1000000000

static void pc_defaults(json_t *pc)
{
    gt_kd_str(pc, "preemptionPolicy", "PreemptLowerPriority");
}

static bool system_class(const char *name)
{
    return !strcmp(name, "system-node-critical") || !strcmp(name, "system-cluster-critical");
}

static void pc_validate(const json_t *pc, const json_t *old, struct gt_kfe_list *e)
{
    const char *name = gt_kobj_name(pc);
    if (!strncmp(name, "system-", 7) && !system_class(name))
        gt_kfe_forbidden(e, "metadata.name",
                         "priority class names with 'system-' prefix are reserved for system "
                         "use only");
    int64_t v = gt_kv_int(e, "", pc, "value", INT32_MIN, INT32_MAX, false, 0);
    if (v > HIGHEST_USER_PRIORITY && !system_class(name))
        gt_kfe_forbidden(e, "value", "maximum allowed value of a user defined priority is "
                                     "1000000000");
    gt_kv_bool(e, "", pc, "globalDefault");
    gt_kv_str(e, "", pc, "description", false);
    static const char *const policies[] = { "PreemptLowerPriority", "Never", NULL };
    gt_kv_enum(e, "", pc, "preemptionPolicy", policies, false);
    if (old) {
        if (!json_equal(gt_kobj_get(pc, "value"), gt_kobj_get(old, "value")))
            gt_kfe_forbidden(e, "value", "may not be changed in an update.");
        gt_kv_immutable(e, "preemptionPolicy", gt_kobj_get(pc, "preemptionPolicy"),
                        gt_kobj_get(old, "preemptionPolicy"));
    }
}

static const struct gt_kcolumn pc_columns[] = {
    GT_KCOL_NAME,
    { "Value", "integer", "", "value represents the integer value of this priority class.", 0 },
    { "Global-Default", "boolean", "",
      "globalDefault specifies whether this PriorityClass should be considered as the default "
      "priority for pods that do not have any priority class.", 0 },
    GT_KCOL_AGE,
    { "PreemptionPolicy", "string", "",
      "preemptionPolicy is the Policy for preempting pods with lower priority.", 0 },
    { 0 },
};

static void pc_cells(const json_t *pc, int64_t now, json_t *cells)
{
    gt_kc_name(cells, pc);
    gt_kc_int(cells, gt_kobj_int(pc, "value", 0));
    gt_kc_bool(cells, gt_kobj_bool(pc, "globalDefault", false));
    gt_kc_age(cells, pc, now);
    gt_kc_str(cells, gt_kobj_str(pc, "preemptionPolicy", ""));
}

static const char *const pc_short[] = { "pc", NULL };

const struct gt_kind gt_kind_priorityclass = {
    .group = "scheduling.k8s.io", .version = "v1", .kind = "PriorityClass",
    .resource = "priorityclasses", .singular = "priorityclass", .namespaced = false,
    .short_names = pc_short, .verbs = GT_KVERBS_ALL, .name_rule = GT_KNAME_SUBDOMAIN,
    .schema = &gt_ktype_plain, .defaults = pc_defaults, .validate = pc_validate,
    .columns = pc_columns, .cells = pc_cells,
    .shape = &gt_kshape_priorityclass,
};
