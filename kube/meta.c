#include "kube/meta.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "base/mem.h"
#include "kube/obj.h"

#define LABEL_MAX 63
#define SUBDOMAIN_MAX 253
#define ANNOTATIONS_MAX (256 * 1024)

static const char dns1123_label_msg[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
static const char dns1123_subdomain_msg[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
static const char dns1035_label_msg[] =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
static const char qualified_name_part_msg[] =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
static const char qualified_name_msg[] =
    "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
    "subdomain prefix and '/' (e.g. 'example.com/MyName')";
static const char label_value_msg[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

static bool lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool alnum(char c)
{
    return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n) ; first: extra rule for the first character */
static bool label_chars(const char *s, size_t n, bool (*first)(char))
{
    if (n == 0 || !first(s[0]) || !lower_alnum(s[n - 1]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!lower_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

static bool lower_alpha(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool subdomain_chars(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (!label_chars(s + start, i - start, lower_alnum))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool name_part_chars(const char *s, size_t n)
{
    if (n == 0 || !alnum(s[0]) || !alnum(s[n - 1]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

bool gt_kmeta_is_dns1123_label(const char *s)
{
    size_t n = strlen(s);
    return n <= LABEL_MAX && label_chars(s, n, lower_alnum);
}

bool gt_kmeta_is_dns1123_subdomain(const char *s)
{
    size_t n = strlen(s);
    return n <= SUBDOMAIN_MAX && subdomain_chars(s, n);
}

bool gt_kmeta_is_dns1035_label(const char *s)
{
    size_t n = strlen(s);
    return n <= LABEL_MAX && label_chars(s, n, lower_alpha);
}

static void inv(struct gt_kfe_list *errs, const char *field, const char *value, const char *msg)
{
    gt_kfe_invalid_str(errs, field, value, msg);
}

static void inv_maxlen(struct gt_kfe_list *errs, const char *field, const char *value, int max,
                       const char *prefix)
{
    char msg[96];
    snprintf(msg, sizeof msg, "%smust be no more than %d characters", prefix, max);
    inv(errs, field, value, msg);
}

void gt_kmeta_check_dns1123_label(struct gt_kfe_list *errs, const char *field, const char *value)
{
    size_t n = strlen(value);
    if (n > LABEL_MAX)
        inv_maxlen(errs, field, value, LABEL_MAX, "");
    if (!label_chars(value, n, lower_alnum))
        inv(errs, field, value, dns1123_label_msg);
}

void gt_kmeta_check_dns1123_subdomain(struct gt_kfe_list *errs, const char *field,
                                      const char *value)
{
    size_t n = strlen(value);
    if (n > SUBDOMAIN_MAX)
        inv_maxlen(errs, field, value, SUBDOMAIN_MAX, "");
    if (!subdomain_chars(value, n))
        inv(errs, field, value, dns1123_subdomain_msg);
}

static void check_dns1035(struct gt_kfe_list *errs, const char *field, const char *shown,
                          const char *value)
{
    size_t n = strlen(value);
    if (n > LABEL_MAX)
        inv_maxlen(errs, field, shown, LABEL_MAX, "");
    if (!label_chars(value, n, lower_alpha))
        inv(errs, field, shown, dns1035_label_msg);
}

void gt_kmeta_check_name(struct gt_kfe_list *errs, const char *field, const char *value,
                         enum gt_kname_rule rule, bool prefix)
{
    /* A generateName prefix may end in '-': check it as if it ended in a letter. */
    char *masked = NULL;
    const char *v = value;
    size_t n = strlen(value);
    if (prefix && n > 1 && value[n - 1] == '-') {
        masked = gt_xstrdup(value);
        masked[n - 1] = 'a';
        v = masked;
    }
    switch (rule) {
    case GT_KNAME_SUBDOMAIN:
        if (strlen(v) > SUBDOMAIN_MAX)
            inv_maxlen(errs, field, value, SUBDOMAIN_MAX, "");
        if (!subdomain_chars(v, strlen(v)))
            inv(errs, field, value, dns1123_subdomain_msg);
        break;
    case GT_KNAME_LABEL:
        if (strlen(v) > LABEL_MAX)
            inv_maxlen(errs, field, value, LABEL_MAX, "");
        if (!label_chars(v, strlen(v), lower_alnum))
            inv(errs, field, value, dns1123_label_msg);
        break;
    case GT_KNAME_DNS1035:
        check_dns1035(errs, field, value, v);
        break;
    case GT_KNAME_PATH_SEGMENT:
        if (!prefix && (strcmp(value, ".") == 0 || strcmp(value, "..") == 0)) {
            char msg[32];
            snprintf(msg, sizeof msg, "may not be '%s'", value);
            inv(errs, field, value, msg);
            break;
        }
        if (strchr(value, '/'))
            inv(errs, field, value, "may not contain '/'");
        if (strchr(value, '%'))
            inv(errs, field, value, "may not contain '%'");
        break;
    }
    free(masked);
}

/* Messages of IsQualifiedName for value; calls out(msg) for each. */
static void qualified_name_msgs(const char *value, void (*out)(void *, const char *), void *ctx)
{
    const char *slash = strchr(value, '/');
    const char *name = value;
    if (slash && strchr(slash + 1, '/')) {
        out(ctx, qualified_name_msg);
        return;
    }
    if (slash) {
        size_t plen = (size_t)(slash - value);
        name = slash + 1;
        if (plen == 0) {
            out(ctx, "prefix part must be non-empty");
        } else {
            char prefix[SUBDOMAIN_MAX + 2];
            if (plen > SUBDOMAIN_MAX) {
                out(ctx, "prefix part must be no more than 253 characters");
            } else {
                memcpy(prefix, value, plen);
                prefix[plen] = 0;
                if (!subdomain_chars(prefix, plen)) {
                    char *m = gt_xasprintf("prefix part %s", dns1123_subdomain_msg);
                    out(ctx, m);
                    free(m);
                }
            }
        }
    }
    size_t n = strlen(name);
    if (n == 0)
        out(ctx, "name part must be non-empty");
    else if (n > LABEL_MAX)
        out(ctx, "name part must be no more than 63 characters");
    if (!name_part_chars(name, n))
        out(ctx, qualified_name_part_msg);
}

struct msg_ctx {
    struct gt_kfe_list *errs;
    const char *field, *value;
    int count;
};

static void msg_to_errs(void *p, const char *msg)
{
    struct msg_ctx *c = p;
    c->count++;
    if (c->errs)
        inv(c->errs, c->field, c->value, msg);
}

void gt_kmeta_check_qualified_name(struct gt_kfe_list *errs, const char *field, const char *value)
{
    struct msg_ctx c = { errs, field, value, 0 };
    qualified_name_msgs(value, msg_to_errs, &c);
}

bool gt_kmeta_is_label_key(const char *s)
{
    struct msg_ctx c = { NULL, NULL, NULL, 0 };
    qualified_name_msgs(s, msg_to_errs, &c);
    return c.count == 0;
}

bool gt_kmeta_is_label_value(const char *s)
{
    size_t n = strlen(s);
    return n == 0 || (n <= LABEL_MAX && name_part_chars(s, n));
}

void gt_kmeta_check_label_value(struct gt_kfe_list *errs, const char *field, const char *value)
{
    size_t n = strlen(value);
    if (n > LABEL_MAX)
        inv_maxlen(errs, field, value, LABEL_MAX, "");
    if (n > 0 && !name_part_chars(value, n))
        inv(errs, field, value, label_value_msg);
}

void gt_kmeta_check_labels(struct gt_kfe_list *errs, const char *field, const json_t *labels)
{
    if (!labels || json_is_null(labels))
        return;
    if (!json_is_object(labels)) {
        gt_kfe_invalid(errs, field, labels, "must be an object of strings");
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)labels, k, v) {
        gt_kmeta_check_qualified_name(errs, field, k);
        if (!json_is_string(v)) {
            gt_kfe_invalid(errs, field, v, "label values must be strings");
            continue;
        }
        gt_kmeta_check_label_value(errs, field, json_string_value(v));
    }
}

void gt_kmeta_check_annotations(struct gt_kfe_list *errs, const char *field,
                                const json_t *annotations)
{
    if (!annotations || json_is_null(annotations))
        return;
    if (!json_is_object(annotations)) {
        gt_kfe_invalid(errs, field, annotations, "must be an object of strings");
        return;
    }
    size_t total = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)annotations, k, v) {
        /* keys are qualified names, case-insensitively */
        char *lower = gt_xstrdup(k);
        for (char *p = lower; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        struct msg_ctx c = { errs, field, k, 0 };
        qualified_name_msgs(lower, msg_to_errs, &c);
        free(lower);
        total += strlen(k);
        if (json_is_string(v))
            total += json_string_length(v);
        else
            gt_kfe_invalid(errs, field, v, "annotation values must be strings");
    }
    if (total > ANNOTATIONS_MAX)
        gt_kfe_too_long(errs, field, ANNOTATIONS_MAX);
}

static void check_owner_refs(struct gt_kfe_list *errs, const json_t *refs)
{
    if (!refs || json_is_null(refs))
        return;
    if (!json_is_array(refs)) {
        gt_kfe_invalid(errs, "metadata.ownerReferences", refs, "must be a list");
        return;
    }
    struct gt_kpath p;
    gt_kpath_init(&p, "metadata.ownerReferences");
    const char *first_controller = NULL;
    char *first_buf = NULL;
    size_t i;
    json_t *ref;
    json_array_foreach(refs, i, ref) {
        size_t at = gt_kpath_index(&p, i);
        static const char *const req[] = { "apiVersion", "kind", "name", "uid" };
        for (size_t r = 0; r < 4; r++) {
            const char *v = gt_kobj_str(ref, req[r], "");
            size_t back = gt_kpath_child(&p, req[r]);
            if (!v[0])
                gt_kfe_required(errs, gt_kpath_str(&p), "must not be empty");
            else if (r == 0) {
                /* <group>/<version> or <version> */
                const char *slash = strchr(v, '/');
                if ((slash && (!slash[1] || strchr(slash + 1, '/'))) || slash == v)
                    gt_kfe_invalid_str(errs, gt_kpath_str(&p), v,
                                       "must be <group>/<version> or <version>");
            }
            gt_kpath_pop(&p, back);
        }
        if (strcmp(gt_kobj_str(ref, "apiVersion", ""), "v1") == 0 &&
            strcmp(gt_kobj_str(ref, "kind", ""), "Event") == 0)
            gt_kfe_invalid(errs, gt_kpath_str(&p), ref,
                           "/v1, Kind=Event is disallowed from being an owner");
        gt_kpath_pop(&p, at);
        if (gt_kobj_bool(ref, "controller", false)) {
            char *cur = gt_xasprintf("%s/%s", gt_kobj_str(ref, "kind", ""),
                                     gt_kobj_str(ref, "name", ""));
            if (first_controller) {
                char *msg = gt_xasprintf("Only one reference can have Controller set to true. "
                                         "Found \"true\" in references for %s and %s",
                                         first_controller, cur);
                gt_kfe_invalid(errs, "metadata.ownerReferences", refs, msg);
                free(msg);
                free(cur);
            } else {
                first_controller = first_buf = cur;
            }
        }
    }
    free(first_buf);
    gt_kpath_release(&p);
}

static void check_common(struct gt_kfe_list *errs, const json_t *meta, bool namespaced)
{
    const char *ns = gt_kobj_str(meta, "namespace", "");
    if (namespaced) {
        if (!ns[0])
            gt_kfe_required(errs, "metadata.namespace", "");
        else
            gt_kmeta_check_name(errs, "metadata.namespace", ns, GT_KNAME_LABEL, false);
    } else if (ns[0]) {
        gt_kfe_forbidden(errs, "metadata.namespace", "not allowed on this type");
    }
    json_t *gen = gt_kobj_get(meta, "generation");
    if (json_is_integer(gen) && json_integer_value(gen) < 0)
        gt_kfe_invalid(errs, "metadata.generation", gen, "must be greater than or equal to 0");
    gt_kmeta_check_labels(errs, "metadata.labels", gt_kobj_get(meta, "labels"));
    gt_kmeta_check_annotations(errs, "metadata.annotations", gt_kobj_get(meta, "annotations"));
    check_owner_refs(errs, gt_kobj_get(meta, "ownerReferences"));
    json_t *fin = gt_kobj_get(meta, "finalizers");
    if (fin && !json_is_null(fin)) {
        if (!json_is_array(fin)) {
            gt_kfe_invalid(errs, "metadata.finalizers", fin, "must be a list of strings");
        } else {
            size_t i;
            json_t *f;
            json_array_foreach(fin, i, f) {
                if (!json_is_string(f))
                    gt_kfe_invalid(errs, "metadata.finalizers", f, "must be a string");
                else
                    gt_kmeta_check_qualified_name(errs, "metadata.finalizers",
                                                  json_string_value(f));
            }
        }
    }
}

void gt_kmeta_validate(struct gt_kfe_list *errs, const json_t *meta, bool namespaced,
                       enum gt_kname_rule rule)
{
    const char *gen = gt_kobj_str(meta, "generateName", "");
    if (gen[0])
        gt_kmeta_check_name(errs, "metadata.generateName", gen, rule, true);
    const char *name = gt_kobj_str(meta, "name", "");
    if (!name[0])
        gt_kfe_required(errs, "metadata.name", "name or generateName is required");
    else
        gt_kmeta_check_name(errs, "metadata.name", name, rule, false);
    check_common(errs, meta, namespaced);
}

static void immutable(struct gt_kfe_list *errs, const json_t *meta, const json_t *old,
                      const char *key)
{
    json_t *a = gt_kobj_get(meta, key), *b = gt_kobj_get(old, key);
    bool a_empty = !a || json_is_null(a) || (json_is_string(a) && !json_string_length(a));
    bool b_empty = !b || json_is_null(b) || (json_is_string(b) && !json_string_length(b));
    if (a_empty && b_empty)
        return;
    if (a_empty != b_empty || !json_equal(a, b)) {
        char *field = gt_xasprintf("metadata.%s", key);
        gt_kfe_invalid(errs, field, a ? a : json_null(), "field is immutable");
        free(field);
    }
}

void gt_kmeta_validate_update(struct gt_kfe_list *errs, const json_t *meta, const json_t *old,
                              bool namespaced)
{
    immutable(errs, meta, old, "name");
    immutable(errs, meta, old, "namespace");
    immutable(errs, meta, old, "uid");
    immutable(errs, meta, old, "creationTimestamp");
    check_common(errs, meta, namespaced);
}

static void random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            /* getrandom cannot fail on Linux >= 3.17 once the pool is ready;
             * fall back to a weaker source rather than abort */
            for (size_t i = 0; i < n; i++)
                p[i] = (unsigned char)random();
            return;
        }
        p += r;
        n -= (size_t)r;
    }
}

void gt_kmeta_generate_name(const char *prefix, char out[64])
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    size_t n = strlen(prefix);
    if (n > 58)
        n = 58;
    memcpy(out, prefix, n);
    unsigned char r[5];
    random_bytes(r, sizeof r);
    for (int i = 0; i < 5; i++)
        out[n + (size_t)i] = alphabet[r[i] % (sizeof alphabet - 1)];
    out[n + 5] = 0;
}

void gt_kmeta_uid(char out[37])
{
    unsigned char b[16];
    random_bytes(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}

void gt_kmeta_time_format(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void gt_kmeta_microtime_format(const struct timespec *ts, char out[32])
{
    struct tm tm;
    gmtime_r(&ts->tv_sec, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%06ldZ", base, ts->tv_nsec / 1000);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int gt_kmeta_time_parse(const char *s, struct timespec *out, struct gt_error *err)
{
    int Y, M, D, h, m, sec;
    size_t n = strlen(s);
    if (n < 20 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
        digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &m) || s[16] != ':' || digits(s + 17, 2, &sec))
        return gt_err(err, EINVAL, "invalid time \"%s\": expected RFC 3339", s);
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return gt_err(err, EINVAL, "invalid time \"%s\": field out of range", s);
    const char *p = s + 19;
    long nsec = 0;
    if (*p == '.') {
        p++;
        int nd = 0;
        while (*p >= '0' && *p <= '9') {
            if (nd < 9) {
                nsec = nsec * 10 + (*p - '0');
                nd++;
            }
            p++;
        }
        if (nd == 0)
            return gt_err(err, EINVAL, "invalid time \"%s\": empty fraction", s);
        while (nd++ < 9)
            nsec *= 10;
    }
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return gt_err(err, EINVAL, "invalid time \"%s\": bad zone offset", s);
        offset = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return gt_err(err, EINVAL, "invalid time \"%s\": missing zone", s);
    }
    if (*p)
        return gt_err(err, EINVAL, "invalid time \"%s\": trailing characters", s);
    struct tm tm = { .tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h,
                     .tm_min = m, .tm_sec = sec };
    out->tv_sec = timegm(&tm) - offset;
    out->tv_nsec = nsec;
    return 0;
}

void gt_kmeta_human_duration(int64_t seconds, char out[32])
{
    if (seconds < -1) {
        snprintf(out, 32, "<invalid>");
        return;
    }
    if (seconds < 0) {
        snprintf(out, 32, "0s");
        return;
    }
    if (seconds < 120) {
        snprintf(out, 32, "%llds", (long long)seconds);
        return;
    }
    long long minutes = seconds / 60;
    if (minutes < 10) {
        long long s = seconds % 60;
        if (s == 0)
            snprintf(out, 32, "%lldm", minutes);
        else
            snprintf(out, 32, "%lldm%llds", minutes, s);
        return;
    }
    if (minutes < 180) {
        snprintf(out, 32, "%lldm", minutes);
        return;
    }
    long long hours = seconds / 3600;
    if (hours < 8) {
        long long mm = minutes % 60;
        if (mm == 0)
            snprintf(out, 32, "%lldh", hours);
        else
            snprintf(out, 32, "%lldh%lldm", hours, mm);
    } else if (hours < 48) {
        snprintf(out, 32, "%lldh", hours);
    } else if (hours < 24 * 8) {
        long long hh = hours % 24;
        if (hh == 0)
            snprintf(out, 32, "%lldd", hours / 24);
        else
            snprintf(out, 32, "%lldd%lldh", hours / 24, hh);
    } else if (hours < 24 * 365 * 2) {
        snprintf(out, 32, "%lldd", hours / 24);
    } else if (hours < 24 * 365 * 8) {
        long long dy = (hours / 24) % 365;
        if (dy == 0)
            snprintf(out, 32, "%lldy", hours / 24 / 365);
        else
            snprintf(out, 32, "%lldy%lldd", hours / 24 / 365, dy);
    } else {
        snprintf(out, 32, "%lldy", hours / 24 / 365);
    }
}

void gt_kmeta_age(const char *rfc3339, int64_t now, char out[32])
{
    struct timespec ts;
    if (!rfc3339 || !rfc3339[0] || gt_kmeta_time_parse(rfc3339, &ts, NULL) < 0) {
        snprintf(out, 32, "<unknown>");
        return;
    }
    gt_kmeta_human_duration(now - (int64_t)ts.tv_sec, out);
}

json_t *gt_kmeta_owner_ref(const char *api_version, const char *kind, const char *name,
                           const char *uid, bool controller, bool block_owner_deletion)
{
    json_t *r = json_pack("{s:s,s:s,s:s,s:s}", "apiVersion", api_version, "kind", kind, "name",
                          name, "uid", uid);
    if (controller)
        json_object_set_new(r, "controller", json_true());
    if (block_owner_deletion)
        json_object_set_new(r, "blockOwnerDeletion", json_true());
    return r;
}

json_t *gt_kmeta_controller_of(const json_t *obj)
{
    json_t *refs = gt_kobj_arr(obj, "metadata.ownerReferences");
    size_t i;
    json_t *r;
    json_array_foreach(refs, i, r) {
        if (gt_kobj_bool(r, "controller", false))
            return r;
    }
    return NULL;
}

bool gt_kmeta_is_owned_by(const json_t *obj, const char *uid)
{
    json_t *refs = gt_kobj_arr(obj, "metadata.ownerReferences");
    size_t i;
    json_t *r;
    json_array_foreach(refs, i, r) {
        if (strcmp(gt_kobj_str(r, "uid", ""), uid) == 0)
            return true;
    }
    return false;
}

bool gt_kmeta_add_owner_ref(json_t *obj, json_t *ref)
{
    const char *uid = gt_kobj_str(ref, "uid", "");
    if (gt_kmeta_is_owned_by(obj, uid))
        return false;
    json_t *refs = gt_kobj_arr(obj, "metadata.ownerReferences");
    if (!refs) {
        refs = json_array();
        gt_kobj_set_new(obj, "metadata.ownerReferences", refs);
    }
    json_array_append(refs, ref);
    return true;
}

size_t gt_kmeta_remove_owner_ref(json_t *obj, const char *uid)
{
    json_t *refs = gt_kobj_arr(obj, "metadata.ownerReferences");
    size_t removed = 0;
    for (size_t i = 0; refs && i < json_array_size(refs);) {
        if (strcmp(gt_kobj_str(json_array_get(refs, i), "uid", ""), uid) == 0) {
            json_array_remove(refs, i);
            removed++;
        } else {
            i++;
        }
    }
    return removed;
}

int gt_kmeta_parse_rv(const char *s, uint64_t *out, struct gt_error *err)
{
    if (!s || !s[0]) {
        *out = 0;
        return 0;
    }
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return gt_err(err, EINVAL, "invalid resource version \"%s\"", s);
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return 0;
}

void gt_kmeta_format_rv(uint64_t rv, char out[24])
{
    snprintf(out, 24, "%llu", (unsigned long long)rv);
}
