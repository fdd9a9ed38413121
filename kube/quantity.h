/* kube/quantity.h - resource.Quantity: "100m", "1.5", "128Mi", "1e3", "2G".
 *
 * A quantity is an exact decimal value with the format it was written in:
 * DecimalSI (suffixes n u m "" k M G T P E), BinarySI (Ki Mi Gi Ti Pi Ei)
 * or DecimalExponent ("1e3", "5E-2").  As in Kubernetes, values finer than
 * 1n are rounded up (away from zero) to nano precision at parse time.
 *
 * The canonical text (gt_kq_format) is what the API server stores and
 * prints, following apimachinery's CanonicalizeBytes: the largest suffix of
 * the value's format that keeps an integer mantissa with an exponent that
 * is a multiple of 3 ("1.5" -> "1500m", "1000" -> "1k", "0.5Gi" -> "512Mi",
 * "1536Mi" stays); BinarySI values under 1024 in magnitude or not integral
 * are written in DecimalSI ("0.5Ki" -> "512", "1.1Ki" -> "1126400m").
 *
 * Limits (where we differ from Kubernetes' arbitrary precision): the
 * mantissa holds 38 decimal digits, so values beyond about 1e38 (or with
 * more digits than that) fail to parse with ERANGE; decimal values beyond
 * 999E are written with the E suffix and a longer mantissa.
 */
#ifndef GT_KUBE_QUANTITY_H
#define GT_KUBE_QUANTITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

enum gt_kq_format { GT_KQ_DECIMAL_SI, GT_KQ_BINARY_SI, GT_KQ_DECIMAL_EXPONENT };

struct gt_kq {
    __int128 m;               /* value = m * 10^e, m without trailing zeros */
    int32_t e;
    enum gt_kq_format format;
};

#define GT_KQ_STR_MAX 64

/* -EINVAL with "quantities must match the regular expression ..." style
 * messages for bad syntax, -ERANGE for values out of our range. */
int gt_kq_parse(const char *s, struct gt_kq *out, struct gt_error *err);
/* A JSON string, or a JSON number (YAML "cpu: 1" arrives as a number). */
int gt_kq_from_json(const json_t *v, struct gt_kq *out, struct gt_error *err);
/* value * 10^scale, e.g. gt_kq_from_int(250, -3, DECIMAL_SI) is 250m. */
void gt_kq_from_int(int64_t value, int32_t scale, enum gt_kq_format format, struct gt_kq *out);

/* Canonical text into out (GT_KQ_STR_MAX bytes); returns out. */
char *gt_kq_format(const struct gt_kq *q, char out[GT_KQ_STR_MAX]);
/* Parses and re-formats: "0.5" -> "500m". */
int gt_kq_canonical(const char *in, char out[GT_KQ_STR_MAX], struct gt_error *err);

/* <0, 0, >0 */
int gt_kq_cmp(const struct gt_kq *a, const struct gt_kq *b);
bool gt_kq_is_zero(const struct gt_kq *q);
int gt_kq_sign(const struct gt_kq *q);
/* out = a + b / a - b (format of a, or of b when a is zero); -ERANGE on overflow. */
int gt_kq_add(const struct gt_kq *a, const struct gt_kq *b, struct gt_kq *out);
int gt_kq_sub(const struct gt_kq *a, const struct gt_kq *b, struct gt_kq *out);

/* ceil(q) and ceil(q * 1000), saturated to the int64 range (Value(),
 * MilliValue() of Kubernetes: CPU in millicores, memory in bytes). */
int64_t gt_kq_value(const struct gt_kq *q);
int64_t gt_kq_milli_value(const struct gt_kq *q);

#endif
