#include "kube/fielderr.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"

static const struct {
    const char *reason, *text;
} types[] = {
    [GT_KFE_NOT_FOUND] = { "FieldValueNotFound", "Not found" },
    [GT_KFE_REQUIRED] = { "FieldValueRequired", "Required value" },
    [GT_KFE_DUPLICATE] = { "FieldValueDuplicate", "Duplicate value" },
    [GT_KFE_INVALID] = { "FieldValueInvalid", "Invalid value" },
    [GT_KFE_NOT_SUPPORTED] = { "FieldValueNotSupported", "Unsupported value" },
    [GT_KFE_FORBIDDEN] = { "FieldValueForbidden", "Forbidden" },
    [GT_KFE_TOO_LONG] = { "FieldValueTooLong", "Too long" },
    [GT_KFE_TOO_MANY] = { "FieldValueTooMany", "Too many" },
    [GT_KFE_INTERNAL] = { "InternalError", "Internal error" },
    [GT_KFE_TYPE_INVALID] = { "FieldValueTypeInvalid", "Invalid value" },
};

const char *gt_kfe_reason(enum gt_kfe_type type)
{
    return types[type].reason;
}

const char *gt_kfe_type_text(enum gt_kfe_type type)
{
    return types[type].text;
}

void gt_kfe_list_init(struct gt_kfe_list *l)
{
    memset(l, 0, sizeof *l);
}

void gt_kfe_list_release(struct gt_kfe_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].field);
        free(l->v[i].detail);
        if (l->v[i].value)
            json_decref(l->v[i].value);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void add_v(struct gt_kfe_list *l, enum gt_kfe_type type, const char *field,
                  const json_t *value, const char *fmt, va_list ap)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = gt_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    struct gt_kfe *e = &l->v[l->n++];
    e->type = type;
    e->field = gt_xstrdup(field);
    e->value = value ? json_deep_copy(value) : NULL;
    if (fmt) {
        char *d = NULL;
        if (vasprintf(&d, fmt, ap) < 0)
            d = NULL;
        e->detail = d ? d : gt_xstrdup("");
    } else {
        e->detail = gt_xstrdup("");
    }
}

void gt_kfe_add(struct gt_kfe_list *l, enum gt_kfe_type type, const char *field,
                const json_t *value, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_v(l, type, field, value, fmt, ap);
    va_end(ap);
}

void gt_kfe_required(struct gt_kfe_list *l, const char *field, const char *detail)
{
    gt_kfe_add(l, GT_KFE_REQUIRED, field, NULL, "%s", detail ? detail : "");
}

void gt_kfe_forbidden(struct gt_kfe_list *l, const char *field, const char *detail)
{
    gt_kfe_add(l, GT_KFE_FORBIDDEN, field, NULL, "%s", detail ? detail : "");
}

void gt_kfe_invalid(struct gt_kfe_list *l, const char *field, const json_t *value,
                    const char *detail)
{
    json_t *null = NULL;
    if (!value)
        value = null = json_null();
    gt_kfe_add(l, GT_KFE_INVALID, field, value, "%s", detail ? detail : "");
    json_decref(null);
}

void gt_kfe_invalid_str(struct gt_kfe_list *l, const char *field, const char *value,
                        const char *detail)
{
    json_t *v = json_string(value ? value : "");
    if (!v) /* not UTF-8: show it as a byte string would be shown by Go's %q */
        v = json_string("<invalid UTF-8>");
    gt_kfe_invalid(l, field, v, detail);
    json_decref(v);
}

void gt_kfe_invalid_int(struct gt_kfe_list *l, const char *field, long long value,
                        const char *detail)
{
    json_t *v = json_integer(value);
    gt_kfe_invalid(l, field, v, detail);
    json_decref(v);
}

void gt_kfe_duplicate(struct gt_kfe_list *l, const char *field, const json_t *value)
{
    gt_kfe_add(l, GT_KFE_DUPLICATE, field, value ? value : json_null(), NULL);
}

void gt_kfe_not_supported(struct gt_kfe_list *l, const char *field, const json_t *value,
                          const char *const *supported)
{
    size_t cap = 64, len = 0;
    char *d = gt_xmalloc(cap);
    d[0] = 0;
    const char *lead = "supported values: ";
    for (size_t i = 0; supported && supported[i]; i++) {
        size_t need = len + strlen(lead) + strlen(supported[i]) + 8;
        if (need > cap) {
            cap = 2 * need;
            d = gt_xrealloc(d, cap);
        }
        len += (size_t)sprintf(d + len, "%s\"%s\"", lead, supported[i]);
        lead = ", ";
    }
    gt_kfe_add(l, GT_KFE_NOT_SUPPORTED, field, value ? value : json_null(), "%s", d);
    free(d);
}

void gt_kfe_too_long(struct gt_kfe_list *l, const char *field, size_t max)
{
    gt_kfe_add(l, GT_KFE_TOO_LONG, field, NULL, "may not be more than %zu bytes", max);
}

/* Go's %q for the strings that occur here: quotes, backslash, control
 * characters escaped; other bytes kept. */
static void quote(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\t': fputs("\\t", f); break;
        case '\r': fputs("\\r", f); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\x%02x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

char *gt_kfe_body(const struct gt_kfe *e)
{
    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    if (!f)
        return gt_xstrdup(types[e->type].text);
    fputs(types[e->type].text, f);
    bool with_value = e->value && e->type != GT_KFE_REQUIRED && e->type != GT_KFE_FORBIDDEN &&
                      e->type != GT_KFE_TOO_LONG && e->type != GT_KFE_INTERNAL;
    if (with_value) {
        fputs(": ", f);
        if (json_is_string(e->value)) {
            quote(f, json_string_value(e->value), json_string_length(e->value));
        } else if (json_is_integer(e->value) || json_is_real(e->value) ||
                   json_is_boolean(e->value)) {
            char *s = json_dumps(e->value, JSON_ENCODE_ANY);
            fputs(s ? s : "", f);
            free(s);
        } else {
            char *s = json_dumps(e->value, JSON_ENCODE_ANY | JSON_COMPACT);
            fputs(s ? s : "null", f);
            free(s);
        }
    }
    if (e->detail && e->detail[0])
        fprintf(f, ": %s", e->detail);
    fclose(f);
    return out;
}

char *gt_kfe_string(const struct gt_kfe *e)
{
    char *body = gt_kfe_body(e);
    char *s = gt_xasprintf("%s: %s", e->field, body);
    free(body);
    return s;
}

char *gt_kfe_list_string(const struct gt_kfe_list *l)
{
    if (l->n == 1)
        return gt_kfe_string(&l->v[0]);
    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    if (!f)
        return gt_xstrdup("invalid");
    fputc('[', f);
    for (size_t i = 0; i < l->n; i++) {
        char *s = gt_kfe_string(&l->v[i]);
        fprintf(f, "%s%s", i ? ", " : "", s);
        free(s);
    }
    fputc(']', f);
    fclose(f);
    return out;
}

json_t *gt_kfe_status(const struct gt_kfe_list *l, const char *group, const char *kind,
                      const char *name)
{
    json_t *causes = json_array();
    for (size_t i = 0; i < l->n; i++) {
        char *body = gt_kfe_body(&l->v[i]);
        json_array_append_new(causes, json_pack("{s:s,s:s,s:s}", "reason",
                                                types[l->v[i].type].reason, "message", body,
                                                "field", l->v[i].field));
        free(body);
    }
    char *agg = gt_kfe_list_string(l);
    char *qkind = group && group[0] ? gt_xasprintf("%s.%s", kind, group) : gt_xstrdup(kind);
    char *msg = gt_xasprintf("%s \"%s\" is invalid: %s", qkind, name ? name : "", agg);
    json_t *st = json_pack("{s:s,s:s,s:{},s:s,s:s,s:s,s:{s:s,s:s,s:s,s:o},s:i}", "kind", "Status",
                           "apiVersion", "v1", "metadata", "status", "Failure", "message", msg,
                           "reason", "Invalid", "details", "name", name ? name : "", "group",
                           group ? group : "", "kind", kind, "causes", causes, "code", 422);
    free(agg);
    free(qkind);
    free(msg);
    return st;
}

static void reserve(struct gt_kpath *p, size_t extra)
{
    if (p->len + extra + 1 > p->cap) {
        p->cap = 2 * (p->len + extra + 1);
        p->buf = gt_xrealloc(p->buf, p->cap);
    }
}

void gt_kpath_init(struct gt_kpath *p, const char *root)
{
    p->len = strlen(root ? root : "");
    p->cap = p->len + 64;
    p->buf = gt_xmalloc(p->cap);
    memcpy(p->buf, root ? root : "", p->len + 1);
}

void gt_kpath_release(struct gt_kpath *p)
{
    free(p->buf);
    p->buf = NULL;
    p->len = p->cap = 0;
}

size_t gt_kpath_child(struct gt_kpath *p, const char *name)
{
    size_t old = p->len, n = strlen(name);
    reserve(p, n + 1);
    if (p->len)
        p->buf[p->len++] = '.';
    memcpy(p->buf + p->len, name, n + 1);
    p->len += n;
    return old;
}

size_t gt_kpath_index(struct gt_kpath *p, size_t i)
{
    size_t old = p->len;
    reserve(p, 24);
    p->len += (size_t)sprintf(p->buf + p->len, "[%zu]", i);
    return old;
}

size_t gt_kpath_key(struct gt_kpath *p, const char *key)
{
    size_t old = p->len, n = strlen(key);
    reserve(p, n + 2);
    p->buf[p->len++] = '[';
    memcpy(p->buf + p->len, key, n);
    p->len += n;
    p->buf[p->len++] = ']';
    p->buf[p->len] = 0;
    return old;
}

void gt_kpath_pop(struct gt_kpath *p, size_t len)
{
    if (len <= p->len) {
        p->len = len;
        p->buf[len] = 0;
    }
}
