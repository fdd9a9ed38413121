/* Validation, defaulting and table-cell helpers of the kinds tables. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"
#include "kube/quantity.h"

char *gt_kp_join(const char *base, const char *key)
{
    if (!base || !base[0])
        return gt_xstrdup(key);
    return gt_xasprintf("%s.%s", base, key);
}

char *gt_kp_index(const char *base, size_t i)
{
    return gt_xasprintf("%s[%zu]", base, i);
}

char *gt_kp_key(const char *base, const char *key)
{
    return gt_xasprintf("%s[%s]", base, key);
}

static const char *type_word(json_type t)
{
    switch (t) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "a number";
    }
}

/* The member, or NULL when absent or null; reports a type mismatch. */
static const json_t *member(struct gt_kfe_list *e, const char *base, const json_t *obj,
                            const char *key, json_type want, bool required)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v)) {
        if (required) {
            char *p = gt_kp_join(base, key);
            gt_kfe_required(e, p, "");
            free(p);
        }
        return NULL;
    }
    bool ok = json_typeof(v) == want ||
              (want == JSON_TRUE && (json_is_true(v) || json_is_false(v)));
    if (!ok) {
        char *p = gt_kp_join(base, key);
        char *msg = gt_xasprintf("must be %s", type_word(want));
        gt_kfe_add(e, GT_KFE_TYPE_INVALID, p, v, "%s", msg);
        free(msg);
        free(p);
        return NULL;
    }
    return v;
}

const char *gt_kv_str(struct gt_kfe_list *e, const char *base, const json_t *obj, const char *key,
                      bool required)
{
    const json_t *v = member(e, base, obj, key, JSON_STRING, false);
    json_t *raw = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    bool wrong_type = raw && !json_is_null(raw) && !v;
    if (required && !wrong_type && (!v || !json_string_length(v))) {
        char *p = gt_kp_join(base, key);
        gt_kfe_required(e, p, "");
        free(p);
    }
    return v ? json_string_value(v) : NULL;
}

const char *gt_kv_enum(struct gt_kfe_list *e, const char *base, const json_t *obj,
                       const char *key, const char *const *allowed, bool required)
{
    const char *s = gt_kv_str(e, base, obj, key, required);
    if (!s || !s[0])
        return s;
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(allowed[i], s) == 0)
            return s;
    char *p = gt_kp_join(base, key);
    gt_kfe_not_supported(e, p, json_object_get(obj, key), allowed);
    free(p);
    return NULL;
}

int64_t gt_kv_int(struct gt_kfe_list *e, const char *base, const json_t *obj, const char *key,
                  int64_t min, int64_t max, bool required, int64_t fallback)
{
    const json_t *v = member(e, base, obj, key, JSON_INTEGER, required);
    if (!v)
        return fallback;
    int64_t n = (int64_t)json_integer_value(v);
    if (n < min || n > max) {
        char *p = gt_kp_join(base, key);
        char msg[96];
        if (max == INT64_MAX || max == INT32_MAX) {
            if (min == 0)
                snprintf(msg, sizeof msg, "must be greater than or equal to 0");
            else if (min == 1)
                snprintf(msg, sizeof msg, "must be greater than 0");
            else
                snprintf(msg, sizeof msg, "must be greater than or equal to %lld", (long long)min);
        } else {
            snprintf(msg, sizeof msg, "must be between %lld and %lld, inclusive", (long long)min,
                     (long long)max);
        }
        gt_kfe_invalid(e, p, v, msg);
        free(p);
        return fallback;
    }
    return n;
}

const json_t *gt_kv_obj(struct gt_kfe_list *e, const char *base, const json_t *obj,
                        const char *key, bool required)
{
    return member(e, base, obj, key, JSON_OBJECT, required);
}

const json_t *gt_kv_arr(struct gt_kfe_list *e, const char *base, const json_t *obj,
                        const char *key, bool required)
{
    const json_t *a = member(e, base, obj, key, JSON_ARRAY, false);
    if (required && (!a || json_array_size(a) == 0)) {
        char *p = gt_kp_join(base, key);
        gt_kfe_required(e, p, "");
        free(p);
    }
    return a;
}

void gt_kv_bool(struct gt_kfe_list *e, const char *base, const json_t *obj, const char *key)
{
    member(e, base, obj, key, JSON_TRUE, false);
}

const json_t *gt_kv_quantities(struct gt_kfe_list *e, const char *base, const json_t *obj,
                               const char *key)
{
    const json_t *m = member(e, base, obj, key, JSON_OBJECT, false);
    if (!m)
        return NULL;
    char *p = gt_kp_join(base, key);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)m, k, v) {
        struct gt_kq q;
        struct gt_error err;
        char *kp = gt_kp_key(p, k);
        if (gt_kq_from_json(v, &q, &err) < 0)
            gt_kfe_invalid(e, kp, v, err.msg);
        else if (gt_kq_sign(&q) < 0)
            gt_kfe_invalid(e, kp, v, "must be greater than or equal to 0");
        free(kp);
    }
    free(p);
    return m;
}

void gt_kv_port_name(struct gt_kfe_list *e, const char *path, const char *name)
{
    size_t n = strlen(name);
    bool letter = false, charset = n > 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c >= 'a' && c <= 'z')
            letter = true;
        else if (!(c >= '0' && c <= '9') && c != '-')
            charset = false;
    }
    if (n > 15)
        gt_kfe_invalid_str(e, path, name, "must be no more than 15 characters");
    if (!charset)
        gt_kfe_invalid_str(e, path, name,
                           "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    if (!letter)
        gt_kfe_invalid_str(e, path, name, "must contain at least one letter (a-z)");
    if (strstr(name, "--"))
        gt_kfe_invalid_str(e, path, name, "must not contain consecutive hyphens");
    if (n && (name[0] == '-' || name[n - 1] == '-'))
        gt_kfe_invalid_str(e, path, name, "must not begin or end with a hyphen");
}

void gt_kv_int_or_port_name(struct gt_kfe_list *e, const char *path, const json_t *v,
                            bool required)
{
    if (!v || json_is_null(v)) {
        if (required)
            gt_kfe_required(e, path, "");
        return;
    }
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < 1 || n > 65535)
            gt_kfe_invalid(e, path, v, "must be between 1 and 65535, inclusive");
    } else if (json_is_string(v)) {
        gt_kv_port_name(e, path, json_string_value(v));
    } else {
        gt_kfe_add(e, GT_KFE_TYPE_INVALID, path, v, "must be an integer or a string");
    }
}

void gt_kv_int_or_percent(struct gt_kfe_list *e, const char *path, const json_t *v)
{
    if (!v || json_is_null(v))
        return;
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0)
            gt_kfe_invalid(e, path, v, "must be greater than or equal to 0");
        return;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = strlen(s);
        bool ok = n >= 2 && s[n - 1] == '%';
        for (size_t i = 0; ok && i + 1 < n; i++)
            if (s[i] < '0' || s[i] > '9')
                ok = false;
        if (!ok)
            gt_kfe_invalid(e, path, v,
                           "a valid percent string must be a numeric string followed by an ending "
                           "'%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
        return;
    }
    gt_kfe_add(e, GT_KFE_TYPE_INVALID, path, v, "must be an integer or a string");
}

void gt_kv_label_selector(struct gt_kfe_list *e, const char *path, const json_t *sel)
{
    if (!sel || json_is_null(sel))
        return;
    if (!json_is_object(sel)) {
        gt_kfe_invalid(e, path, sel, "must be an object");
        return;
    }
    char *ml = gt_kp_join(path, "matchLabels");
    gt_kmeta_check_labels(e, ml, json_object_get(sel, "matchLabels"));
    free(ml);
    char *mep = gt_kp_join(path, "matchExpressions");
    const json_t *me = gt_kv_arr(e, path, sel, "matchExpressions", false);
    size_t i;
    json_t *x;
    json_array_foreach(me, i, x) {
        char *ip = gt_kp_index(mep, i);
        static const char *const ops[] = { "In", "NotIn", "Exists", "DoesNotExist", NULL };
        const char *key = gt_kv_str(e, ip, x, "key", true);
        if (key && key[0]) {
            char *kp = gt_kp_join(ip, "key");
            gt_kmeta_check_qualified_name(e, kp, key);
            free(kp);
        }
        const char *op = gt_kv_enum(e, ip, x, "operator", ops, true);
        const json_t *vals = gt_kv_arr(e, ip, x, "values", false);
        size_t nv = json_array_size(vals);
        char *vp = gt_kp_join(ip, "values");
        if (op && (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) && nv == 0)
            gt_kfe_required(e, vp, "must be specified when `operator` is 'In' or 'NotIn'");
        if (op && (strcmp(op, "Exists") == 0 || strcmp(op, "DoesNotExist") == 0) && nv > 0)
            gt_kfe_forbidden(e, vp, "may not be specified when `operator` is 'Exists' or "
                                    "'DoesNotExist'");
        size_t k;
        json_t *v;
        json_array_foreach(vals, k, v) {
            char *vk = gt_kp_index(vp, k);
            if (!json_is_string(v))
                gt_kfe_invalid(e, vk, v, "must be a string");
            else
                gt_kmeta_check_label_value(e, vk, json_string_value(v));
            free(vk);
        }
        free(vp);
        free(ip);
    }
    free(mep);
}

void gt_kv_template_selector(struct gt_kfe_list *e, const char *selpath, const json_t *sel,
                             const char *tmplpath, const json_t *tmpl, const char *kind_word)
{
    if (!sel)
        return;
    gt_kv_label_selector(e, selpath, sel);
    struct gt_klsel *ls;
    if (gt_klsel_from_json(sel, &ls, NULL) < 0)
        return;
    json_t *labels = gt_kobj_get(tmpl, "metadata.labels");
    if (kind_word && gt_klsel_empty(ls)) {
        char *msg = gt_xasprintf("empty selector is invalid for %s", kind_word);
        gt_kfe_invalid(e, selpath, sel, msg);
        free(msg);
    } else if (!gt_klsel_matches(ls, labels)) {
        char *lp = gt_kp_join(tmplpath, "metadata.labels");
        gt_kfe_invalid(e, lp, labels ? labels : json_null(),
                       "`selector` does not match template `labels`");
        free(lp);
    }
    gt_klsel_free(ls);
}

bool gt_kv_is_ip(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

bool gt_kv_is_cidr(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || slash - s >= 64)
        return false;
    char ip[64];
    memcpy(ip, s, (size_t)(slash - s));
    ip[slash - s] = 0;
    unsigned char buf[16];
    int max;
    if (inet_pton(AF_INET, ip, buf) == 1)
        max = 32;
    else if (inet_pton(AF_INET6, ip, buf) == 1)
        max = 128;
    else
        return false;
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    return slash[1] && !*end && bits >= 0 && bits <= max;
}

void gt_kv_immutable(struct gt_kfe_list *e, const char *path, const json_t *now,
                     const json_t *old)
{
    bool n_absent = !now || json_is_null(now), o_absent = !old || json_is_null(old);
    if (n_absent && o_absent)
        return;
    if (n_absent != o_absent || !json_equal(now, old))
        gt_kfe_invalid(e, path, now ? now : json_null(), "field is immutable");
}

void gt_kv_config_key(struct gt_kfe_list *e, const char *path, const char *key)
{
    size_t n = strlen(key);
    if (n > 253)
        gt_kfe_invalid_str(e, path, key, "must be no more than 253 characters");
    bool ok = n > 0;
    for (size_t i = 0; i < n && ok; i++) {
        char c = key[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '_' || c == '.';
    }
    if (!ok)
        gt_kfe_invalid_str(e, path, key,
                           "a valid config key must consist of alphanumeric characters, '-', '_' "
                           "or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used "
                           "for validation is '[-._a-zA-Z0-9]+')");
    if (strcmp(key, ".") == 0)
        gt_kfe_invalid_str(e, path, key, "must not be '.'");
    else if (strcmp(key, "..") == 0)
        gt_kfe_invalid_str(e, path, key, "must not be '..'");
    else if (strncmp(key, "..", 2) == 0)
        gt_kfe_invalid_str(e, path, key, "must not start with '..'");
}

/* ---- defaulting ---- */

void gt_kd_str(json_t *obj, const char *path, const char *value)
{
    gt_kobj_default(obj, path, json_string(value));
}

void gt_kd_int(json_t *obj, const char *path, int64_t value)
{
    gt_kobj_default(obj, path, json_integer(value));
}

void gt_kd_bool(json_t *obj, const char *path, bool value)
{
    gt_kobj_default(obj, path, json_boolean(value));
}

void gt_kd_each_str(json_t *obj, const char *path, const char *key, const char *value)
{
    json_t *a = gt_kobj_arr(obj, path);
    size_t i;
    json_t *it;
    json_array_foreach(a, i, it) {
        if (json_is_object(it))
            gt_kd_str(it, key, value);
    }
}

/* ---- cells ---- */

void gt_kc_str(json_t *cells, const char *s)
{
    json_t *v = json_string(s ? s : "");
    json_array_append_new(cells, v ? v : json_string(""));
}

void gt_kc_int(json_t *cells, int64_t v)
{
    json_array_append_new(cells, json_integer(v));
}

void gt_kc_bool(json_t *cells, bool v)
{
    json_array_append_new(cells, json_boolean(v));
}

void gt_kc_fmt(json_t *cells, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    gt_kc_str(cells, s ? s : "");
    free(s);
}

void gt_kc_name(json_t *cells, const json_t *obj)
{
    gt_kc_str(cells, gt_kobj_name(obj));
}

void gt_kc_age_of(json_t *cells, const char *rfc3339, int64_t now)
{
    char out[32];
    gt_kmeta_age(rfc3339, now, out);
    gt_kc_str(cells, out);
}

void gt_kc_age(json_t *cells, const json_t *obj, int64_t now)
{
    gt_kc_age_of(cells, gt_kobj_str(obj, "metadata.creationTimestamp", NULL), now);
}

void gt_kc_selector(json_t *cells, const json_t *obj, const char *path)
{
    char *s = gt_klsel_format_json(gt_kobj_get(obj, path));
    gt_kc_str(cells, s);
    free(s);
}

const char *gt_kc_condition(const json_t *obj, const char *path, const char *type)
{
    json_t *a = gt_kobj_arr(obj, path);
    size_t i;
    json_t *c;
    json_array_foreach(a, i, c) {
        if (strcmp(gt_kobj_str(c, "type", ""), type) == 0)
            return gt_kobj_str(c, "status", "");
    }
    return NULL;
}
