/* /openapi/v2 in protobuf: the Swagger 2.0 document of gt_kopenapi_v2()
 * as gnostic's openapi_v2.Document message, the only form kubectl reads
 * (explain --output plaintext-openapiv2).  What the JSON document holds is
 * encoded: info, the PATCH operations with their tags, description,
 * operationId and extensions, and the definitions ($ref, format,
 * description, type, items, allOf, properties, additionalProperties, the
 * x- extensions as YAML, which JSON is). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/openapi.h"

struct pb {
    uint8_t *b;
    size_t n, cap;
};

static void put(struct pb *p, const void *data, size_t n)
{
    if (p->n + n > p->cap) {
        p->cap = (p->n + n) * 2 + 64;
        p->b = gt_xrealloc(p->b, p->cap);
    }
    memcpy(p->b + p->n, data, n);
    p->n += n;
}

static void varint(struct pb *p, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    put(p, b, n);
}

static void bytes_field(struct pb *p, unsigned field, const void *data, size_t n)
{
    varint(p, (uint64_t)field << 3 | 2);
    varint(p, n);
    put(p, data, n);
}

static void str_field(struct pb *p, unsigned field, const char *s)
{
    if (s)
        bytes_field(p, field, s, strlen(s));
}

/* a nested message: encoded apart, then appended with its length */
static void msg_field(struct pb *p, unsigned field, struct pb *sub)
{
    bytes_field(p, field, sub->b ? sub->b : (uint8_t *)"", sub->n);
    free(sub->b);
    *sub = (struct pb){ 0 };
}

/* NamedAny{name=1, value=2 Any{yaml=2}} */
static void extension(struct pb *p, unsigned field, const char *name, const json_t *v)
{
    struct pb any = { 0 }, named = { 0 };
    char *yaml = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    str_field(&any, 2, yaml);
    free(yaml);
    str_field(&named, 1, name);
    msg_field(&named, 2, &any);
    msg_field(p, field, &named);
}

static void schema(struct pb *p, const json_t *s);

/* NamedSchema{name=1, value=2} as field of p */
static void named_schemas(struct pb *p, unsigned field, const json_t *obj)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        struct pb named = { 0 }, sub = { 0 };
        str_field(&named, 1, k);
        schema(&sub, v);
        msg_field(&named, 2, &sub);
        msg_field(p, field, &named);
    }
}

static void schema(struct pb *p, const json_t *s)
{
    str_field(p, 1, json_string_value(json_object_get(s, "$ref")));
    str_field(p, 2, json_string_value(json_object_get(s, "format")));
    str_field(p, 4, json_string_value(json_object_get(s, "description")));
    const json_t *v = json_object_get(s, "additionalProperties");
    if (json_is_object(v)) {
        struct pb item = { 0 }, sub = { 0 };
        schema(&sub, v);
        msg_field(&item, 1, &sub);
        msg_field(p, 21, &item);
    }
    if ((v = json_object_get(s, "type"))) {
        struct pb item = { 0 };
        str_field(&item, 1, json_string_value(v));
        msg_field(p, 22, &item);
    }
    if ((v = json_object_get(s, "items"))) {
        struct pb item = { 0 }, sub = { 0 };
        schema(&sub, v);
        msg_field(&item, 1, &sub);
        msg_field(p, 23, &item);
    }
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(s, "allOf"), i, e) {
        struct pb sub = { 0 };
        schema(&sub, e);
        msg_field(p, 24, &sub);
    }
    if ((v = json_object_get(s, "properties"))) {
        struct pb props = { 0 };
        named_schemas(&props, 1, v);
        msg_field(p, 25, &props);
    }
    const char *k;
    json_object_foreach((json_t *)s, k, e) {
        if (!strncmp(k, "x-", 2))
            extension(p, 31, k, e);
    }
}

/* Operation{tags=1, description=3, operation_id=5, vendor_extension=13} */
static void operation(struct pb *p, const json_t *op)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(op, "tags"), i, e)
        str_field(p, 1, json_string_value(e));
    str_field(p, 3, json_string_value(json_object_get(op, "description")));
    str_field(p, 5, json_string_value(json_object_get(op, "operationId")));
    const char *k;
    json_object_foreach((json_t *)op, k, e) {
        if (!strncmp(k, "x-", 2))
            extension(p, 13, k, e);
    }
}

void *gt_kopenapi_v2_proto(const json_t *doc, size_t *len)
{
    struct pb p = { 0 }, sub = { 0 };
    str_field(&p, 1, json_string_value(json_object_get(doc, "swagger")));
    const json_t *info = json_object_get(doc, "info");
    str_field(&sub, 1, json_string_value(json_object_get(info, "title")));
    str_field(&sub, 2, json_string_value(json_object_get(info, "version")));
    msg_field(&p, 2, &sub);
    /* Paths{path=2 NamedPathItem{name=1, value=2 PathItem{patch=8}}} */
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(doc, "paths"), k, v) {
        struct pb named = { 0 }, item = { 0 }, op = { 0 };
        const json_t *patch = json_object_get(v, "patch");
        if (!patch)
            continue;
        operation(&op, patch);
        msg_field(&item, 8, &op);
        str_field(&named, 1, k);
        msg_field(&named, 2, &item);
        msg_field(&sub, 2, &named);
    }
    msg_field(&p, 8, &sub);
    named_schemas(&sub, 1, json_object_get(doc, "definitions"));
    msg_field(&p, 9, &sub);
    *len = p.n;
    return p.b;
}
