#include "kube/schema.h"

#include <stddef.h>
#include <string.h>

const struct gt_ktype *gt_ktype_member(const struct gt_ktype *t, const char *name,
                                       unsigned *flags)
{
    if (flags)
        *flags = 0;
    if (!t)
        return NULL;
    if (t->kind == GT_KT_MAP)
        return t->elem;
    if (t->kind != GT_KT_STRUCT || !t->fields)
        return NULL;
    for (const struct gt_kfield *f = t->fields; f->name; f++) {
        if (strcmp(f->name, name) == 0) {
            if (flags)
                *flags = f->flags;
            return f->type;
        }
    }
    return NULL;
}

const struct gt_ktype *gt_ktype_elem(const struct gt_ktype *t)
{
    return t && (t->kind == GT_KT_LIST || t->kind == GT_KT_MAP) ? t->elem : NULL;
}

bool gt_ktype_smp_merges(const struct gt_ktype *t)
{
    return t && t->kind == GT_KT_LIST && t->smp_merge;
}

bool gt_ktype_is_atomic(const struct gt_ktype *t)
{
    if (!t)
        return false;
    if (t->kind == GT_KT_LIST)
        return t->list == GT_KLIST_ATOMIC;
    return t->atomic;
}

const struct gt_ktype gt_ktype_label_selector = { .kind = GT_KT_STRUCT, .atomic = true };
const struct gt_ktype gt_ktype_atomic_map = { .kind = GT_KT_MAP, .atomic = true };
const struct gt_ktype gt_ktype_map = { .kind = GT_KT_MAP };
const struct gt_ktype gt_ktype_string_set = { .kind = GT_KT_LIST, .list = GT_KLIST_SET,
                                              .smp_merge = true };

static const struct gt_ktype owner_refs = GT_KLIST_BY(NULL, "uid");

const struct gt_ktype gt_ktype_object_meta =
    GT_KSTRUCT({ "ownerReferences", &owner_refs }, { "finalizers", &gt_ktype_string_set },
               { "labels", &gt_ktype_map }, { "annotations", &gt_ktype_map });

const struct gt_ktype gt_ktype_conditions = GT_KLIST_BY(NULL, "type");
