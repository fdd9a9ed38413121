/* A small protobuf reader for the TokenRequest and Eviction bodies (see
 * pbextra.h).  Field numbers are those of k8s.io/api's generated.proto. */
#include "kube/api/pbextra.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/mem.h"

struct pb {
    const uint8_t *p, *end;
};

struct pbfield {
    uint32_t num;
    int wire;
    uint64_t v;             /* varint */
    const uint8_t *data;    /* length-delimited */
    size_t len;
};

static int varint(struct pb *b, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end)
            return -1;
        uint8_t c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* 1 with a field, 0 at the end, -1 on malformed input. */
static int next(struct pb *b, struct pbfield *f)
{
    if (b->p >= b->end)
        return 0;
    uint64_t key;
    if (varint(b, &key) < 0 || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
        return -1;
    f->num = (uint32_t)(key >> 3);
    f->wire = (int)(key & 7);
    switch (f->wire) {
    case 0:
        return varint(b, &f->v) < 0 ? -1 : 1;
    case 1:
        if (b->end - b->p < 8)
            return -1;
        b->p += 8;
        return 1;
    case 5:
        if (b->end - b->p < 4)
            return -1;
        b->p += 4;
        return 1;
    case 2: {
        uint64_t n;
        if (varint(b, &n) < 0 || n > (uint64_t)(b->end - b->p))
            return -1;
        f->data = b->p;
        f->len = (size_t)n;
        b->p += n;
        return 1;
    }
    default:
        return -1;
    }
}

static json_t *str(const struct pbfield *f)
{
    return json_stringn((const char *)f->data, f->len); /* NULL for invalid UTF-8 */
}

/* Reads string fields of a message into obj by a number -> name table. */
struct strmap {
    uint32_t num;
    const char *name;
};

static int strings(const uint8_t *d, size_t n, const struct strmap *m, json_t *obj)
{
    struct pb b = { d, d + n };
    struct pbfield f;
    int r;
    while ((r = next(&b, &f)) > 0) {
        if (f.wire != 2)
            continue;
        for (const struct strmap *e = m; e->name; e++)
            if (e->num == f.num) {
                json_t *s = str(&f);
                if (!s)
                    return -1;
                json_object_set_new(obj, e->name, s);
            }
    }
    return r;
}

static const struct strmap object_meta[] = { { 1, "name" }, { 2, "generateName" },
                                             { 3, "namespace" }, { 0, NULL } };

static int token_request(const uint8_t *d, size_t n, json_t *obj)
{
    struct pb b = { d, d + n };
    struct pbfield f;
    int r;
    while ((r = next(&b, &f)) > 0) {
        if (f.wire != 2)
            continue;
        if (f.num == 1) {
            json_t *m = json_object();
            json_object_set_new(obj, "metadata", m);
            if (strings(f.data, f.len, object_meta, m) < 0)
                return -1;
        } else if (f.num == 2) {
            json_t *spec = json_object(), *auds = json_array();
            json_object_set_new(obj, "spec", spec);
            json_object_set_new(spec, "audiences", auds);
            struct pb sb = { f.data, f.data + f.len };
            struct pbfield g;
            int s;
            while ((s = next(&sb, &g)) > 0) {
                if (g.num == 1 && g.wire == 2) {
                    json_t *a = str(&g);
                    if (!a)
                        return -1;
                    json_array_append_new(auds, a);
                } else if (g.num == 4 && g.wire == 0) {
                    json_object_set_new(spec, "expirationSeconds", json_integer((int64_t)g.v));
                } else if (g.num == 3 && g.wire == 2) {
                    static const struct strmap ref[] = { { 1, "kind" }, { 2, "apiVersion" },
                                                         { 3, "name" }, { 4, "uid" },
                                                         { 0, NULL } };
                    json_t *bo = json_object();
                    json_object_set_new(spec, "boundObjectRef", bo);
                    if (strings(g.data, g.len, ref, bo) < 0)
                        return -1;
                }
            }
            if (s < 0)
                return -1;
        }
    }
    return r;
}

static int eviction(const uint8_t *d, size_t n, json_t *obj)
{
    struct pb b = { d, d + n };
    struct pbfield f;
    int r;
    while ((r = next(&b, &f)) > 0) {
        if (f.wire != 2)
            continue;
        if (f.num == 1) {
            json_t *m = json_object();
            json_object_set_new(obj, "metadata", m);
            if (strings(f.data, f.len, object_meta, m) < 0)
                return -1;
        } else if (f.num == 2) {
            json_t *o = json_object(), *dry = json_array();
            json_object_set_new(obj, "deleteOptions", o);
            struct pb sb = { f.data, f.data + f.len };
            struct pbfield g;
            int s;
            while ((s = next(&sb, &g)) > 0) {
                if (g.num == 1 && g.wire == 0) {
                    json_object_set_new(o, "gracePeriodSeconds", json_integer((int64_t)g.v));
                } else if (g.num == 2 && g.wire == 2) {
                    static const struct strmap pre[] = { { 1, "uid" }, { 2, "resourceVersion" },
                                                         { 0, NULL } };
                    json_t *p = json_object();
                    json_object_set_new(o, "preconditions", p);
                    if (strings(g.data, g.len, pre, p) < 0) {
                        json_decref(dry);
                        return -1;
                    }
                } else if (g.num == 3 && g.wire == 0) {
                    json_object_set_new(o, "orphanDependents", json_boolean(g.v != 0));
                } else if (g.num == 4 && g.wire == 2) {
                    json_t *p = str(&g);
                    if (!p) {
                        json_decref(dry);
                        return -1;
                    }
                    json_object_set_new(o, "propagationPolicy", p);
                } else if (g.num == 5 && g.wire == 2) {
                    json_t *p = str(&g);
                    if (!p) {
                        json_decref(dry);
                        return -1;
                    }
                    json_array_append_new(dry, p);
                }
            }
            if (json_array_size(dry))
                json_object_set_new(o, "dryRun", dry);
            else
                json_decref(dry);
            if (s < 0)
                return -1;
        }
    }
    return r;
}

static const struct {
    const char *api_version, *kind;
    int (*fn)(const uint8_t *d, size_t n, json_t *obj);
} kinds[] = {
    { "authentication.k8s.io/v1", "TokenRequest", token_request },
    { "policy/v1", "Eviction", eviction },
};

int gt_kpbx_decode(const void *buf, size_t len, json_t **out, struct gt_error *err)
{
    if (len < 4 || memcmp(buf, "k8s\0", 4) != 0)
        return gt_err(err, EINVAL, "protobuf: not a Kubernetes protobuf envelope");
    struct pb b = { (const uint8_t *)buf + 4, (const uint8_t *)buf + len };
    struct pbfield f;
    char av[128] = "", kind[128] = "";
    const uint8_t *raw = NULL;
    size_t raw_len = 0;
    bool encoded = false;
    int r;
    while ((r = next(&b, &f)) > 0) {
        if (f.wire != 2)
            continue;
        if (f.num == 1) {
            struct pb tb = { f.data, f.data + f.len };
            struct pbfield t;
            int s;
            while ((s = next(&tb, &t)) > 0) {
                if (t.wire != 2 || t.len >= 128)
                    continue;
                char *dst = t.num == 1 ? av : t.num == 2 ? kind : NULL;
                if (dst) {
                    memcpy(dst, t.data, t.len);
                    dst[t.len] = 0;
                }
            }
            if (s < 0)
                return gt_err(err, EPROTO, "protobuf: malformed typeMeta");
        } else if (f.num == 2) {
            raw = f.data;
            raw_len = f.len;
        } else if (f.num == 3 && f.len > 0) {
            encoded = true;
        }
    }
    if (r < 0)
        return gt_err(err, EPROTO, "protobuf: malformed envelope");
    if (encoded)
        return gt_err(err, ENOTSUP, "protobuf: contentEncoding is not supported");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(av, kinds[i].api_version) != 0 || strcmp(kind, kinds[i].kind) != 0)
            continue;
        json_t *obj = json_pack("{s:s,s:s}", "apiVersion", av, "kind", kind);
        if (kinds[i].fn(raw ? raw : (const uint8_t *)"", raw_len, obj) < 0) {
            json_decref(obj);
            return gt_err(err, EPROTO, "protobuf: malformed %s", kind);
        }
        *out = obj;
        return 0;
    }
    return gt_err(err, ENOTSUP, "protobuf: %s/%s is not supported; send JSON", av, kind);
}
