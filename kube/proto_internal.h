/* kube/proto_internal.h - the schema table types of kube/proto (shared by
 * proto.c, the decoder, and proto_schema.c, the tables). */
#ifndef GT_KUBE_PROTO_INTERNAL_H
#define GT_KUBE_PROTO_INTERNAL_H

#include <stdint.h>

enum gt_pt {
    PT_STRING,    /* wire 2, UTF-8 */
    PT_BYTES,     /* wire 2, base64 in JSON */
    PT_INT32,     /* wire 0 */
    PT_INT64,     /* wire 0 */
    PT_BOOL,      /* wire 0 */
    PT_MSG,       /* wire 2, a nested message (msg) */
    PT_MAP_SS,    /* map<string,string> */
    PT_MAP_SB,    /* map<string,bytes> */
    PT_MAP_SQ,    /* map<string,Quantity> */
    PT_QUANTITY,  /* resource.Quantity {string = 1} -> "100m" */
    PT_INTSTR,    /* intstr.IntOrString {type, intVal, strVal} -> 80 or "http" */
    PT_TIME,      /* metav1.Time {seconds, nanos} -> RFC 3339 */
    PT_RAWJSON,   /* FieldsV1 {Raw bytes = 1} -> the JSON it holds */
};

/* Field flags. */
#define PF_REP 0x1u    /* repeated */
#define PF_INLINE 0x2u /* embedded struct: its fields go into the parent object */
#define PF_KEEP 0x4u   /* emitted even when zero (a Go pointer or no omitempty) */

struct gt_pmsg;

struct gt_pfield {
    uint32_t num;
    const char *json;
    enum gt_pt type;
    unsigned flags;
    const struct gt_pmsg *msg;
};

struct gt_pmsg {
    const char *name;
    const struct gt_pfield *fields; /* up to num 0 */
};

struct gt_pkind {
    const char *api_version, *kind;
    const struct gt_pmsg *msg;
};

extern const struct gt_pkind gt_pkinds[];       /* up to a NULL kind */
extern const char *const gt_pkind_names[];      /* "apiVersion/Kind", NULL-terminated */

#endif
