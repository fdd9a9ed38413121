/* kube/selector.h - label selectors and field selectors, parsed and
 * matched as the Kubernetes API does.
 *
 * Label selectors, string form (?labelSelector=, kubectl -l):
 *   key=value  key==value  key!=value  key in (a,b)  key notin (a,b)
 *   key (exists)  !key (does not exist)  key>5  key<5
 * joined by ','.  Keys must be qualified names and values label values
 * (kube/meta.h); 'in'/'notin' need at least one value.  An empty string
 * selects everything.  Matching: != and notin also match objects without
 * the label; > and < need the label to be an integer.
 * Object form (spec.selector): {"matchLabels":{...},"matchExpressions":
 * [{"key","operator":In|NotIn|Exists|DoesNotExist,"values":[...]}]}, the
 * requirements ANDed; {} selects everything and a missing (NULL or null)
 * selector selects nothing, as LabelSelectorAsSelector does.
 * gt_klsel_string() gives the canonical text (requirements sorted by key,
 * values sorted): "app=web,tier in (a,b)"; "" for everything.
 *
 * Field selectors (?fieldSelector=): key=value, key==value, key!=value
 * joined by ','; '\' escapes '\', ',' and '=' in values.  Which keys an
 * object supports is a table given by the caller (struct gt_kfsel_field,
 * from kube/kinds.h); metadata.name and metadata.namespace are always
 * supported.  A key outside the table fails gt_kfsel_check() with
 * "field label not supported: <key>" (a 400 for the API server).  Field
 * values are read from the object as strings: numbers in decimal, booleans
 * "true"/"false", a missing field as "".
 */
#ifndef GT_KUBE_SELECTOR_H
#define GT_KUBE_SELECTOR_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"

struct gt_klsel;

int gt_klsel_parse(const char *s, struct gt_klsel **out, struct gt_error *err);
/* sel may be NULL or JSON null (selects nothing). */
int gt_klsel_from_json(const json_t *sel, struct gt_klsel **out, struct gt_error *err);
/* A selector of key=value for each member of a map (a Service's selector). */
struct gt_klsel *gt_klsel_from_map(const json_t *map);
/* labels: an object of strings, or NULL (no labels). */
bool gt_klsel_matches(const struct gt_klsel *sel, const json_t *labels);
bool gt_klsel_empty(const struct gt_klsel *sel); /* selects everything */
bool gt_klsel_nothing(const struct gt_klsel *sel);
/* New string, caller frees. */
char *gt_klsel_string(const struct gt_klsel *sel);
void gt_klsel_free(struct gt_klsel *sel);

/* metav1.FormatLabelSelector: the string, "<none>" when empty, "<error>"
 * for an invalid selector.  New string. */
char *gt_klsel_format_json(const json_t *sel);
/* labels.FormatLabels: "a=1,b=2" sorted, "<none>" when empty. New string. */
char *gt_klabels_format(const json_t *labels);

/* One supported field of a kind: the selector key and the dotted JSON path
 * its value is read from (NULL: the same as the key). */
struct gt_kfsel_field {
    const char *key;
    const char *path;
};

struct gt_kfsel;

int gt_kfsel_parse(const char *s, struct gt_kfsel **out, struct gt_error *err);
/* fields: terminated by a NULL key; may be NULL. */
int gt_kfsel_check(const struct gt_kfsel *sel, const struct gt_kfsel_field *fields,
                   struct gt_error *err);
bool gt_kfsel_matches(const struct gt_kfsel *sel, const json_t *obj,
                      const struct gt_kfsel_field *fields);
/* The value of a "key=value" (or ==) term, if the selector has one; lets a
 * server narrow a lookup (metadata.name=web). Borrowed. */
const char *gt_kfsel_exact(const struct gt_kfsel *sel, const char *key);
bool gt_kfsel_empty(const struct gt_kfsel *sel);
char *gt_kfsel_string(const struct gt_kfsel *sel);
void gt_kfsel_free(struct gt_kfsel *sel);

#endif
