/* The unknown-field walk, and the meta/v1 shapes every kind uses. */
#include "kube/shape.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/shape_internal.h"

const struct gt_kshape_field *gt_kshape_field(const struct gt_kshape *s, const char *name)
{
    for (const struct gt_kshape_field *f = s->fields; f->name; f++) {
        if (f->form == GT_KSH_INLINE) {
            const struct gt_kshape_field *in = gt_kshape_field(f->shape, name);
            if (in)
                return in;
        } else if (!strcmp(f->name, name)) {
            return f;
        }
    }
    return NULL;
}

static size_t walk(const struct gt_kshape *s, const json_t *obj, const char *base, char ***paths)
{
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        char *p = base[0] ? gt_xasprintf("%s.%s", base, key) : gt_xstrdup(key);
        const struct gt_kshape_field *f = gt_kshape_field(s, key);
        if (!f) {
            gt_strv_push(paths, p);
            n++;
        } else if (f->form == GT_KSH_OBJECT && json_is_object(v)) {
            n += walk(f->shape, v, p, paths);
        } else if (f->form == GT_KSH_LIST && json_is_array(v)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                if (!json_is_object(e))
                    continue;
                char *ip = gt_xasprintf("%s[%zu]", p, i);
                n += walk(f->shape, e, ip, paths);
                free(ip);
            }
        }
        free(p);
    }
    return n;
}

size_t gt_kshape_unknown(const struct gt_kshape *s, const json_t *obj, char ***paths)
{
    if (!s || !json_is_object(obj))
        return 0;
    return walk(s, obj, "", paths);
}

/* ---- meta/v1 ---- */

SHAPE_SHARED(TypeMeta, VS("apiVersion"), VS("kind"));
SHAPE(OwnerReference, VS("apiVersion"), VS("kind"), VS("name"), VS("uid"), VB("controller"),
      VB("blockOwnerDeletion"));
SHAPE(ManagedFieldsEntry, VS("manager"), VS("operation"), VS("apiVersion"), VTM("time"),
      VS("fieldsType"), VRAW("fieldsV1"), VS("subresource"));
SHAPE_SHARED(ObjectMeta, VS("name"), VS("generateName"), VS("namespace"), VS("selfLink"), VS("uid"),
             VS("resourceVersion"), VL("generation"), VTM("creationTimestamp"),
             VTM("deletionTimestamp"), VL("deletionGracePeriodSeconds"), VMS("labels"),
             VMS("annotations"), L("ownerReferences", OwnerReference), VSL("finalizers"),
             L("managedFields", ManagedFieldsEntry));
SHAPE(LabelSelectorRequirement, VS("key"), VS("operator"), VSL("values"));
SHAPE_SHARED(LabelSelector, VMS("matchLabels"), L("matchExpressions", LabelSelectorRequirement));
SHAPE_SHARED(Condition, VS("type"), VS("status"), VL("observedGeneration"),
             VTM("lastTransitionTime"), VS("reason"), VS("message"));
