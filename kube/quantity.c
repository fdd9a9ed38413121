#include "kube/quantity.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef __int128 i128;

#define MAX_DIGITS 36 /* of a mantissa we accept at parse time */
/* mantissas stay below this so that formatting may multiply them by 100 */
#define M_LIMIT (I128_MAX / 100)
#define I128_MAX ((i128)(((unsigned __int128)1 << 127) - 1))

static const char err_format[] = "quantities must match the regular expression "
                                 "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
static const char err_numeric[] = "unable to parse numeric part of quantity";
static const char err_suffix[] = "unable to parse quantity's suffix";

static const struct {
    const char *s;
    int base; /* 10 or 2 */
    int exp;
} suffixes[] = {
    { "", 10, 0 },   { "n", 10, -9 },  { "u", 10, -6 },  { "m", 10, -3 },  { "k", 10, 3 },
    { "M", 10, 6 },  { "G", 10, 9 },   { "T", 10, 12 },  { "P", 10, 15 },  { "E", 10, 18 },
    { "Ki", 2, 10 }, { "Mi", 2, 20 },  { "Gi", 2, 30 },  { "Ti", 2, 40 },  { "Pi", 2, 50 },
    { "Ei", 2, 60 },
};

static i128 iabs(i128 v)
{
    return v < 0 ? -v : v;
}

/* m * 10^k without overflow; false if it would overflow. */
static bool scale10(i128 m, int k, i128 *out)
{
    for (int i = 0; i < k; i++) {
        if (iabs(m) > I128_MAX / 10)
            return false;
        m *= 10;
    }
    *out = m;
    return true;
}

static void normalize(struct gt_kq *q)
{
    if (q->m == 0) {
        q->e = 0;
        return;
    }
    while (q->m % 10 == 0) {
        q->m /= 10;
        q->e++;
    }
}

/* Rounds away from zero to nano precision. */
static void round_nano(struct gt_kq *q)
{
    if (q->e >= -9 || q->m == 0)
        return;
    bool rem = false;
    int sign = q->m < 0 ? -1 : 1;
    while (q->e < -9) {
        if (q->m == 0) { /* all digits gone: the result is one nano */
            q->e = -9;
            break;
        }
        if (q->m % 10)
            rem = true;
        q->m /= 10;
        q->e++;
    }
    if (rem)
        q->m += sign;
}

int gt_kq_parse(const char *s, struct gt_kq *out, struct gt_error *err)
{
    if (!s || !s[0])
        return gt_err(err, EINVAL, "%s", err_format);
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    const char *num = p;
    while (*p >= '0' && *p <= '9')
        p++;
    size_t nnum = (size_t)(p - num);
    const char *den = p;
    size_t nden = 0;
    if (*p == '.') {
        den = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        nden = (size_t)(p - den);
    }
    if (nnum == 0 && nden == 0)
        return gt_err(err, EINVAL, "%s", nnum == 0 && den == num ? err_format : err_numeric);
    /* suffix: letters of "eEinumkKMGTP", then an optional sign and digits */
    const char *suf = p;
    while (*p && strchr("eEinumkKMGTP", *p))
        p++;
    if (*p == '+' || *p == '-')
        p++;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p)
        return gt_err(err, EINVAL, "%s", err_format);

    int base = 0, exp = 0;
    enum gt_kq_format format = GT_KQ_DECIMAL_SI;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        if (strcmp(suf, suffixes[i].s) == 0) {
            base = suffixes[i].base;
            exp = suffixes[i].exp;
            format = base == 2 ? GT_KQ_BINARY_SI : GT_KQ_DECIMAL_SI;
            break;
        }
    }
    if (!base) {
        if (strlen(suf) > 1 && (suf[0] == 'e' || suf[0] == 'E')) {
            const char *x = suf + 1;
            bool xneg = false;
            if (*x == '+' || *x == '-')
                xneg = *x++ == '-';
            if (!*x)
                return gt_err(err, EINVAL, "%s", err_suffix);
            long long v = 0;
            for (; *x; x++) {
                if (*x < '0' || *x > '9')
                    return gt_err(err, EINVAL, "%s", err_suffix);
                v = v * 10 + (*x - '0');
                if (v > 100000)
                    return gt_err(err, ERANGE, "quantity \"%s\": exponent out of range", s);
            }
            base = 10;
            exp = (int)(xneg ? -v : v);
            format = GT_KQ_DECIMAL_EXPONENT;
        } else {
            return gt_err(err, EINVAL, "%s", err_suffix);
        }
    }

    /* mantissa from the digits, leading zeros and trailing fraction zeros dropped */
    while (nnum && *num == '0') {
        num++;
        nnum--;
    }
    while (nden && den[nden - 1] == '0')
        nden--;
    if (nnum + nden > MAX_DIGITS) {
        /* digits beyond the nano precision are rounded away below; only
         * refuse what cannot be held */
        if (nnum > MAX_DIGITS)
            return gt_err(err, ERANGE, "quantity \"%s\" is too large", s);
    }
    i128 m = 0;
    int e = 0;
    for (size_t i = 0; i < nnum; i++)
        m = m * 10 + (num[i] - '0');
    bool rem = false;
    for (size_t i = 0; i < nden; i++) {
        if (nnum + i >= MAX_DIGITS) { /* too precise: remember we dropped digits */
            if (den[i] != '0')
                rem = true;
            continue;
        }
        m = m * 10 + (den[i] - '0');
        e--;
    }
    if (base == 2) {
        for (int i = 0; i < exp; i++) {
            if (m > I128_MAX / 2)
                return gt_err(err, ERANGE, "quantity \"%s\" is too large", s);
            m *= 2;
        }
    } else {
        e += exp;
    }
    struct gt_kq q = { neg ? -m : m, e, format };
    if (rem) /* digits beyond what we hold: round up, as below nano */
        q.m += neg ? -1 : 1;
    normalize(&q);
    round_nano(&q);
    normalize(&q);
    i128 tmp;
    if (iabs(q.m) > M_LIMIT || (q.e > 0 && (!scale10(q.m, q.e, &tmp) || iabs(tmp) > M_LIMIT)))
        return gt_err(err, ERANGE, "quantity \"%s\" is too large", s);
    *out = q;
    return 0;
}

int gt_kq_from_json(const json_t *v, struct gt_kq *out, struct gt_error *err)
{
    char buf[64];
    if (json_is_string(v))
        return gt_kq_parse(json_string_value(v), out, err);
    if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        return gt_kq_parse(buf, out, err);
    }
    if (json_is_real(v)) {
        snprintf(buf, sizeof buf, "%.15g", json_real_value(v));
        if (strchr(buf, 'e') || strchr(buf, 'n') || strchr(buf, 'i'))
            return gt_err(err, EINVAL, "quantity %s is out of range", buf);
        return gt_kq_parse(buf, out, err);
    }
    return gt_err(err, EINVAL, "a quantity must be a string or a number");
}

void gt_kq_from_int(int64_t value, int32_t scale, enum gt_kq_format format, struct gt_kq *out)
{
    out->m = value;
    out->e = scale;
    out->format = format;
    normalize(out);
    round_nano(out);
    normalize(out);
}

bool gt_kq_is_zero(const struct gt_kq *q)
{
    return q->m == 0;
}

int gt_kq_sign(const struct gt_kq *q)
{
    return q->m < 0 ? -1 : q->m > 0;
}

static int digits_of(i128 m)
{
    int n = 0;
    m = iabs(m);
    while (m) {
        m /= 10;
        n++;
    }
    return n;
}

int gt_kq_cmp(const struct gt_kq *a, const struct gt_kq *b)
{
    int sa = gt_kq_sign(a), sb = gt_kq_sign(b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    /* same sign: compare magnitudes, then flip for negatives */
    int ma = digits_of(a->m) + a->e, mb = digits_of(b->m) + b->e;
    int mag;
    if (ma != mb) {
        mag = ma < mb ? -1 : 1;
    } else {
        i128 x = iabs(a->m), y = iabs(b->m);
        /* equal orders of magnitude: scaling the one with the larger
         * exponent cannot exceed the other's digit count */
        if (a->e > b->e)
            scale10(x, a->e - b->e, &x);
        else
            scale10(y, b->e - a->e, &y);
        mag = x < y ? -1 : x > y;
    }
    return sa > 0 ? mag : -mag;
}

static int add_signed(const struct gt_kq *a, const struct gt_kq *b, int bsign, struct gt_kq *out)
{
    int e = a->e < b->e ? a->e : b->e;
    i128 x, y;
    if (!scale10(a->m, a->e - e, &x) || !scale10(b->m, b->e - e, &y))
        return -ERANGE;
    if (bsign < 0)
        y = -y;
    if ((y > 0 && x > I128_MAX - y) || (y < 0 && x < -I128_MAX - y))
        return -ERANGE;
    out->m = x + y;
    if (iabs(out->m) > M_LIMIT)
        return -ERANGE;
    out->e = e;
    out->format = a->m == 0 ? b->format : a->format;
    normalize(out);
    return 0;
}

int gt_kq_add(const struct gt_kq *a, const struct gt_kq *b, struct gt_kq *out)
{
    return add_signed(a, b, 1, out);
}

int gt_kq_sub(const struct gt_kq *a, const struct gt_kq *b, struct gt_kq *out)
{
    return add_signed(a, b, -1, out);
}

/* ceil(q * 10^shift) saturated to int64 */
static int64_t ceil_scaled(const struct gt_kq *q, int shift)
{
    i128 m = q->m;
    int e = q->e + shift;
    if (m == 0)
        return 0;
    if (e >= 0) {
        if (!scale10(m, e, &m) || m > INT64_MAX || m < INT64_MIN)
            return m > 0 ? INT64_MAX : INT64_MIN;
        return (int64_t)m;
    }
    bool rem = false;
    for (int i = 0; i < -e && m != 0; i++) {
        if (m % 10)
            rem = true;
        m /= 10;
    }
    if (rem && q->m > 0)
        m++;
    if (m > INT64_MAX)
        return INT64_MAX;
    if (m < INT64_MIN)
        return INT64_MIN;
    return (int64_t)m;
}

int64_t gt_kq_value(const struct gt_kq *q)
{
    return ceil_scaled(q, 0);
}

int64_t gt_kq_milli_value(const struct gt_kq *q)
{
    return ceil_scaled(q, 3);
}

static char *i128_str(i128 v, char *buf, size_t n)
{
    char tmp[48];
    int i = 0;
    bool neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    do {
        tmp[i++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    size_t k = 0;
    if (neg && k + 1 < n)
        buf[k++] = '-';
    while (i && k + 1 < n)
        buf[k++] = tmp[--i];
    buf[k] = 0;
    return buf;
}

static const char *dec_suffix(int e)
{
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (suffixes[i].base == 10 && suffixes[i].exp == e)
            return suffixes[i].s;
    return NULL;
}

char *gt_kq_format(const struct gt_kq *q, char out[GT_KQ_STR_MAX])
{
    char num[48];
    if (q->m == 0) {
        snprintf(out, GT_KQ_STR_MAX, "0");
        return out;
    }
    enum gt_kq_format format = q->format;
    if (format == GT_KQ_BINARY_SI) {
        struct gt_kq lim;
        gt_kq_from_int(1024, 0, GT_KQ_DECIMAL_SI, &lim);
        struct gt_kq mag = *q;
        mag.m = iabs(mag.m);
        i128 v;
        if (gt_kq_cmp(&mag, &lim) < 0 || q->e < 0 || !scale10(q->m, q->e, &v)) {
            format = GT_KQ_DECIMAL_SI;
        } else {
            static const char *const bin[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
            int k = 0;
            while (k < 6 && v % 1024 == 0) {
                v /= 1024;
                k++;
            }
            snprintf(out, GT_KQ_STR_MAX, "%s%s", i128_str(v, num, sizeof num), bin[k]);
            return out;
        }
    }
    i128 m = q->m;
    int e = q->e;
    while (((e % 3) + 3) % 3 != 0) { /* cannot overflow: at most two digits more */
        m *= 10;
        e--;
    }
    if (format == GT_KQ_DECIMAL_EXPONENT) {
        if (e == 0)
            snprintf(out, GT_KQ_STR_MAX, "%s", i128_str(m, num, sizeof num));
        else
            snprintf(out, GT_KQ_STR_MAX, "%se%d", i128_str(m, num, sizeof num), e);
        return out;
    }
    if (e > 18) {
        i128 big;
        if (scale10(m, e - 18, &big)) {
            m = big;
            e = 18;
        } else { /* cannot happen for parsed values; keep it readable */
            snprintf(out, GT_KQ_STR_MAX, "%se%d", i128_str(m, num, sizeof num), e);
            return out;
        }
    }
    const char *s = dec_suffix(e);
    snprintf(out, GT_KQ_STR_MAX, "%s%s", i128_str(m, num, sizeof num), s ? s : "");
    return out;
}

int gt_kq_canonical(const char *in, char out[GT_KQ_STR_MAX], struct gt_error *err)
{
    struct gt_kq q;
    int r = gt_kq_parse(in, &q, err);
    if (r < 0)
        return r;
    gt_kq_format(&q, out);
    return 0;
}
