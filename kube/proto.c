/* The protobuf wire decoder and the Kubernetes envelope; the schemas are in
 * proto_schema.c. */
#include "kube/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base64.h"
#include "base/mem.h"
#include "kube/proto_internal.h"

#define MAX_DEPTH 64

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };

struct reader {
    const uint8_t *p;
    size_t len, pos;
};

static int read_varint(struct reader *r, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->pos >= r->len)
            return -EPROTO;
        uint8_t b = r->p[r->pos++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -EPROTO;
}

/* One field: its number, wire type and payload (varint value or bytes). */
struct field {
    uint32_t num;
    int wt;
    uint64_t v;
    const uint8_t *data;
    size_t len;
};

static int next_field(struct reader *r, struct field *f)
{
    uint64_t tag;
    if (read_varint(r, &tag) < 0)
        return -EPROTO;
    f->num = (uint32_t)(tag >> 3);
    f->wt = (int)(tag & 7);
    if (f->num == 0 || (tag >> 3) > 0x1fffffff)
        return -EPROTO;
    switch (f->wt) {
    case WT_VARINT:
        return read_varint(r, &f->v);
    case WT_FIXED64:
        if (r->len - r->pos < 8)
            return -EPROTO;
        f->data = r->p + r->pos;
        f->len = 8;
        r->pos += 8;
        return 0;
    case WT_FIXED32:
        if (r->len - r->pos < 4)
            return -EPROTO;
        f->data = r->p + r->pos;
        f->len = 4;
        r->pos += 4;
        return 0;
    case WT_LEN: {
        uint64_t n;
        if (read_varint(r, &n) < 0 || n > r->len - r->pos)
            return -EPROTO;
        f->data = r->p + r->pos;
        f->len = (size_t)n;
        r->pos += (size_t)n;
        return 0;
    }
    default: /* groups (3, 4) and the reserved 6, 7 */
        return -EPROTO;
    }
}

struct ctx {
    struct gt_error *err;
    const char *where; /* the message being decoded, for messages */
};

static int perr(struct ctx *c, const char *what, uint32_t num)
{
    return gt_err(c->err, EPROTO, "protobuf: %s, field %u: %s", c->where, num, what);
}

static json_t *string_value(const uint8_t *p, size_t n)
{
    return json_stringn((const char *)p, n); /* NULL when not UTF-8 */
}

/* A small sub-message given as fields: reads field nums 1..3 into v[]/s[]. */
struct small {
    uint64_t v[4];
    const uint8_t *s[4];
    size_t slen[4];
    bool have[4];
};

static int read_small(struct ctx *c, const uint8_t *p, size_t len, struct small *out)
{
    memset(out, 0, sizeof *out);
    struct reader r = { p, len, 0 };
    struct field f;
    while (r.pos < r.len) {
        if (next_field(&r, &f) < 0)
            return perr(c, "malformed", 0);
        if (f.num > 3)
            continue;
        out->have[f.num] = true;
        if (f.wt == WT_VARINT) {
            out->v[f.num] = f.v;
        } else if (f.wt == WT_LEN) {
            out->s[f.num] = f.data;
            out->slen[f.num] = f.len;
        } else {
            return perr(c, "unexpected wire type", f.num);
        }
    }
    return 0;
}

static int time_value(struct ctx *c, const uint8_t *p, size_t len, bool keep_zero, json_t **out)
{
    struct small s;
    if (read_small(c, p, len, &s) < 0)
        return -EPROTO;
    int64_t secs = (int64_t)s.v[1];
    if (secs == 0 && s.v[2] == 0 && !keep_zero) {
        *out = json_null(); /* metav1.Time{} marshals to null */
        return 0;
    }
    /* years 0..9999 are what RFC 3339 can write */
    if (secs < -62135596800LL || secs > 253402300799LL)
        return perr(c, "time out of range", 0);
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[40];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    *out = json_string(buf);
    return 0;
}

static int quantity_value(struct ctx *c, const uint8_t *p, size_t len, json_t **out)
{
    struct small s;
    if (read_small(c, p, len, &s) < 0)
        return -EPROTO;
    json_t *v = string_value(s.s[1] ? s.s[1] : (const uint8_t *)"", s.slen[1]);
    if (!v)
        return perr(c, "quantity is not UTF-8", 1);
    if (!json_string_length(v)) {
        json_decref(v);
        v = json_string("0");
    }
    *out = v;
    return 0;
}

static int intstr_value(struct ctx *c, const uint8_t *p, size_t len, json_t **out)
{
    struct small s;
    if (read_small(c, p, len, &s) < 0)
        return -EPROTO;
    if (s.v[1] == 1) {
        json_t *v = string_value(s.s[3] ? s.s[3] : (const uint8_t *)"", s.slen[3]);
        if (!v)
            return perr(c, "string is not UTF-8", 3);
        *out = v;
    } else {
        *out = json_integer((int32_t)(uint32_t)s.v[2]);
    }
    return 0;
}

static int decode_msg(struct ctx *c, const uint8_t *p, size_t len, const struct gt_pmsg *m,
                      json_t *obj, int depth);

/* map entries: {key = 1, value = 2} */
static int map_entry(struct ctx *c, const struct gt_pfield *fd, const uint8_t *p, size_t len,
                     json_t *map)
{
    struct reader r = { p, len, 0 };
    struct field f;
    json_t *key = NULL, *val = NULL;
    int rc = 0;
    while (r.pos < r.len) {
        if (next_field(&r, &f) < 0 || f.wt != WT_LEN) {
            rc = perr(c, "malformed map entry", fd->num);
            goto out;
        }
        json_t *v = NULL;
        if (f.num == 1) {
            v = string_value(f.data, f.len);
            if (!v) {
                rc = perr(c, "map key is not UTF-8", fd->num);
                goto out;
            }
            json_decref(key);
            key = v;
        } else if (f.num == 2) {
            if (fd->type == PT_MAP_SS) {
                v = string_value(f.data, f.len);
            } else if (fd->type == PT_MAP_SB) {
                char *b = gt_base64_encode(f.data, f.len);
                v = json_string(b);
                free(b);
            } else if (quantity_value(c, f.data, f.len, &v) < 0) {
                rc = -EPROTO;
                goto out;
            }
            if (!v) {
                rc = perr(c, "map value is not UTF-8", fd->num);
                goto out;
            }
            json_decref(val);
            val = v;
        }
    }
    if (!val)
        val = fd->type == PT_MAP_SQ ? json_string("0") : json_string("");
    json_object_set_new(map, key ? json_string_value(key) : "", val);
    val = NULL;
out:
    json_decref(key);
    json_decref(val);
    return rc;
}

static json_t *member(json_t *obj, const struct gt_pfield *fd, json_t *(*make)(void))
{
    json_t *v = json_object_get(obj, fd->json);
    if (!v) {
        v = make();
        json_object_set_new(obj, fd->json, v);
    }
    return v;
}

/* Stores a scalar: appended for repeated fields; for singular ones kept
 * when KEEP or non-zero. */
static void store(json_t *obj, const struct gt_pfield *fd, json_t *v, bool zero)
{
    if (fd->flags & PF_REP)
        json_array_append_new(member(obj, fd, json_array), v);
    else if (!zero || (fd->flags & PF_KEEP))
        json_object_set_new(obj, fd->json, v);
    else {
        json_object_del(obj, fd->json); /* a later zero overrides an earlier value */
        json_decref(v);
    }
}

static int scalar(struct ctx *c, const struct gt_pfield *fd, uint64_t raw, json_t *obj)
{
    switch (fd->type) {
    case PT_INT32:
        store(obj, fd, json_integer((int32_t)(uint32_t)raw), (int32_t)(uint32_t)raw == 0);
        return 0;
    case PT_INT64:
        store(obj, fd, json_integer((json_int_t)raw), raw == 0);
        return 0;
    case PT_BOOL:
        store(obj, fd, json_boolean(raw != 0), raw == 0);
        return 0;
    default:
        return perr(c, "unexpected varint", fd->num);
    }
}

static int field_value(struct ctx *c, const struct gt_pfield *fd, const struct field *f,
                       json_t *obj, int depth)
{
    bool varint_type = fd->type == PT_INT32 || fd->type == PT_INT64 || fd->type == PT_BOOL;
    if (varint_type) {
        if (f->wt == WT_VARINT)
            return scalar(c, fd, f->v, obj);
        if (f->wt != WT_LEN || !(fd->flags & PF_REP))
            return perr(c, "wire type does not match the schema", fd->num);
        /* packed repeated numbers */
        struct reader r = { f->data, f->len, 0 };
        while (r.pos < r.len) {
            uint64_t v;
            if (read_varint(&r, &v) < 0)
                return perr(c, "malformed packed field", fd->num);
            if (scalar(c, fd, v, obj) < 0)
                return -EPROTO;
        }
        return 0;
    }
    if (f->wt != WT_LEN)
        return perr(c, "wire type does not match the schema", fd->num);
    json_t *v = NULL;
    switch (fd->type) {
    case PT_STRING:
        v = string_value(f->data, f->len);
        if (!v)
            return perr(c, "string is not UTF-8", fd->num);
        store(obj, fd, v, f->len == 0);
        return 0;
    case PT_BYTES: {
        char *b = gt_base64_encode(f->data, f->len);
        store(obj, fd, json_string(b), f->len == 0);
        free(b);
        return 0;
    }
    case PT_MAP_SS:
    case PT_MAP_SB:
    case PT_MAP_SQ:
        return map_entry(c, fd, f->data, f->len, member(obj, fd, json_object));
    case PT_QUANTITY:
        if (quantity_value(c, f->data, f->len, &v) < 0)
            return -EPROTO;
        store(obj, fd, v, false);
        return 0;
    case PT_INTSTR:
        if (intstr_value(c, f->data, f->len, &v) < 0)
            return -EPROTO;
        store(obj, fd, v, false);
        return 0;
    case PT_TIME:
        if (time_value(c, f->data, f->len, fd->flags & PF_KEEP, &v) < 0)
            return -EPROTO;
        store(obj, fd, v, false);
        return 0;
    case PT_RAWJSON: {
        struct small s;
        if (read_small(c, f->data, f->len, &s) < 0)
            return -EPROTO;
        v = json_loadb((const char *)(s.s[1] ? s.s[1] : (const uint8_t *)"{}"),
                       s.s[1] ? s.slen[1] : 2, JSON_DECODE_ANY, NULL);
        if (!v)
            return perr(c, "raw JSON does not parse", fd->num);
        store(obj, fd, v, false);
        return 0;
    }
    case PT_MSG: {
        json_t *target;
        if (fd->flags & PF_INLINE) {
            target = obj;
        } else if (fd->flags & PF_REP) {
            target = json_object();
            json_array_append_new(member(obj, fd, json_array), target);
        } else {
            target = member(obj, fd, json_object);
            if (!json_is_object(target)) {
                target = json_object();
                json_object_set_new(obj, fd->json, target);
            }
        }
        const char *where = c->where;
        int rc = decode_msg(c, f->data, f->len, fd->msg, target, depth + 1);
        c->where = where;
        return rc;
    }
    default:
        return perr(c, "unexpected length-delimited field", fd->num);
    }
}

static int decode_msg(struct ctx *c, const uint8_t *p, size_t len, const struct gt_pmsg *m,
                      json_t *obj, int depth)
{
    if (depth > MAX_DEPTH)
        return gt_err(c->err, EPROTO, "protobuf: messages nested too deep");
    c->where = m->name;
    struct reader r = { p, len, 0 };
    struct field f;
    while (r.pos < r.len) {
        if (next_field(&r, &f) < 0)
            return gt_err(c->err, EPROTO, "protobuf: %s: malformed field at byte %zu", m->name,
                          r.pos);
        const struct gt_pfield *fd = NULL;
        for (const struct gt_pfield *x = m->fields; x->num; x++) {
            if (x->num == f.num) {
                fd = x;
                break;
            }
        }
        if (!fd)
            continue; /* unknown fields are skipped */
        int rc = field_value(c, fd, &f, obj, depth);
        c->where = m->name;
        if (rc < 0)
            return rc;
    }
    return 0;
}

bool gt_kproto_is_envelope(const void *buf, size_t len)
{
    return len >= GT_KPROTO_MAGIC_LEN && memcmp(buf, GT_KPROTO_MAGIC, GT_KPROTO_MAGIC_LEN) == 0;
}

int gt_kproto_decode(const void *buf, size_t len, json_t **out, struct gt_error *err)
{
    if (!buf || !gt_kproto_is_envelope(buf, len))
        return gt_err(err, EINVAL, "protobuf: the body does not start with the Kubernetes "
                                   "magic number");
    struct ctx c = { err, "Unknown" };
    struct reader r = { (const uint8_t *)buf + GT_KPROTO_MAGIC_LEN, len - GT_KPROTO_MAGIC_LEN, 0 };
    struct field f;
    const uint8_t *raw = NULL;
    size_t raw_len = 0;
    json_t *av = NULL, *kind = NULL;
    int rc = 0;
    while (r.pos < r.len) {
        if (next_field(&r, &f) < 0) {
            rc = gt_err(err, EPROTO, "protobuf: malformed envelope");
            goto out;
        }
        if (f.wt != WT_LEN)
            continue;
        if (f.num == 1) {
            struct small s;
            if (read_small(&c, f.data, f.len, &s) < 0) {
                rc = -EPROTO;
                goto out;
            }
            json_decref(av);
            json_decref(kind);
            av = string_value(s.s[1] ? s.s[1] : (const uint8_t *)"", s.slen[1]);
            kind = string_value(s.s[2] ? s.s[2] : (const uint8_t *)"", s.slen[2]);
            if (!av || !kind) {
                rc = gt_err(err, EPROTO, "protobuf: typeMeta is not UTF-8");
                goto out;
            }
        } else if (f.num == 2) {
            raw = f.data;
            raw_len = f.len;
        } else if (f.num == 3 && f.len) {
            rc = gt_err(err, ENOTSUP, "protobuf: content encoding \"%.*s\" is not supported",
                        (int)(f.len > 32 ? 32 : f.len), (const char *)f.data);
            goto out;
        }
    }
    if (!kind || !json_string_length(kind)) {
        rc = gt_err(err, EINVAL, "protobuf: the envelope has no kind");
        goto out;
    }
    const struct gt_pkind *k = NULL;
    for (const struct gt_pkind *x = gt_pkinds; x->kind; x++) {
        if (strcmp(x->api_version, json_string_value(av)) == 0 &&
            strcmp(x->kind, json_string_value(kind)) == 0) {
            k = x;
            break;
        }
    }
    if (!k) {
        rc = gt_err(err, ENOTSUP, "protobuf: %s/%s is not supported; send JSON",
                    json_string_value(av), json_string_value(kind));
        goto out;
    }
    json_t *obj = json_object();
    json_object_set(obj, "kind", kind);
    json_object_set(obj, "apiVersion", av);
    rc = decode_msg(&c, raw, raw ? raw_len : 0, k->msg, obj, 0);
    if (rc < 0) {
        json_decref(obj);
        goto out;
    }
    *out = obj;
out:
    json_decref(av);
    json_decref(kind);
    return rc;
}

const char *const *gt_kproto_kinds(void)
{
    return gt_pkind_names;
}
