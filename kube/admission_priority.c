/* The Priority admission plugin (kube/admission.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/admission_internal.h"
#include "kube/obj.h"

#define PRIORITY_CLASSES "priorityclasses.scheduling.k8s.io"

/* The global default class: of those marked globalDefault, the one with
 * the lowest value (as Kubernetes picks when several are); NULL when none
 * (a new reference otherwise). */
static json_t *default_class(const struct gt_klister *l, bool *ok)
{
    json_t *all = gt_klister_list(l, PRIORITY_CLASSES, "");
    *ok = all != NULL;
    json_t *best = NULL;
    size_t i;
    json_t *pc;
    json_array_foreach(all, i, pc) {
        if (!gt_kobj_bool(pc, "globalDefault", false))
            continue;
        if (!best || gt_kobj_int(pc, "value", 0) < gt_kobj_int(best, "value", 0))
            best = pc;
    }
    json_incref(best);
    json_decref(all);
    return best;
}

static int forbid(const struct gt_kadm_attrs *a, struct gt_kadm_result *r, char *msg)
{
    r->status = gt_kadm_forbidden(a, msg);
    free(msg);
    return -EACCES;
}

static int priority_mutate(const struct gt_kadm_plugin *p, struct gt_kadm_attrs *a,
                           struct gt_kadm_result *r)
{
    if (a->op != GT_KADM_CREATE || !gt_kadm_core(a, "pods") || !gt_kadm_main(a))
        return 0;
    json_t *spec = gt_kobj_obj(a->obj, "spec");
    if (!spec)
        return 0;
    const char *name = gt_kobj_str(spec, "priorityClassName", "");
    json_t *pc;
    if (!name[0]) {
        bool ok;
        pc = default_class(a->lister, &ok);
        if (!ok) {
            r->status = gt_kadm_forbidden(a, "failed to get default priority class: the "
                                             "priority classes cannot be listed");
            return -EIO;
        }
        if (pc)
            json_object_set_new(spec, "priorityClassName", json_string(gt_kobj_name(pc)));
    } else {
        pc = gt_klister_get(a->lister, PRIORITY_CLASSES, "", name);
        if (!pc)
            return forbid(a, r, gt_xasprintf("no PriorityClass with name %s was found", name));
    }
    int64_t priority = pc ? gt_kobj_int(pc, "value", 0) : 0;
    const char *policy = pc ? gt_kobj_str(pc, "preemptionPolicy", "PreemptLowerPriority")
                            : "PreemptLowerPriority";
    char *policy_copy = gt_xstrdup(policy);
    json_decref(pc);
    json_t *given = json_object_get(spec, "priority");
    if (given && !json_is_null(given) &&
        (!json_is_integer(given) || json_integer_value(given) != priority)) {
        char *v = json_dumps(given, JSON_ENCODE_ANY);
        char *msg = gt_xasprintf("the integer value of priority (%s) must not be provided in pod "
                                 "spec; priority admission controller computed %lld from the "
                                 "given PriorityClass name",
                                 v ? v : "?", (long long)priority);
        free(v);
        free(policy_copy);
        return forbid(a, r, msg);
    }
    const char *gp = gt_kobj_str(spec, "preemptionPolicy", NULL);
    if (gp && strcmp(gp, policy_copy) != 0) {
        char *msg = gt_xasprintf("the string value of PreemptionPolicy (%s) must not be provided "
                                 "in pod spec; priority admission controller computed %s from "
                                 "the given PriorityClass name",
                                 gp, policy_copy);
        free(policy_copy);
        return forbid(a, r, msg);
    }
    json_object_set_new(spec, "priority", json_integer(priority));
    json_object_set_new(spec, "preemptionPolicy", json_string(policy_copy));
    free(policy_copy);
    (void)p;
    return 0;
}

/* One global default at a time. */
static int priority_validate(const struct gt_kadm_plugin *p, const struct gt_kadm_attrs *a,
                             struct gt_kadm_result *r)
{
    if ((a->op != GT_KADM_CREATE && a->op != GT_KADM_UPDATE) ||
        !gt_kadm_is(a->group, "scheduling.k8s.io") || !gt_kadm_is(a->resource, "priorityclasses") ||
        !gt_kobj_bool(a->obj, "globalDefault", false))
        return 0;
    json_t *all = gt_klister_list(a->lister, PRIORITY_CLASSES, "");
    size_t i;
    json_t *pc;
    char *other = NULL;
    json_array_foreach(all, i, pc) {
        if (gt_kobj_bool(pc, "globalDefault", false) &&
            strcmp(gt_kobj_name(pc), gt_kobj_name(a->obj)) != 0 && !other)
            other = gt_xstrdup(gt_kobj_name(pc));
    }
    json_decref(all);
    if (!other)
        return 0;
    char *msg = gt_xasprintf("PriorityClass %s is already marked as default. Only one default "
                             "can exist",
                             other);
    free(other);
    (void)p;
    return forbid(a, r, msg);
}

const struct gt_kadm_plugin gt_kadm_priority = {
    .name = "Priority",
    .mutate = priority_mutate,
    .validate = priority_validate,
};
