/* kube/meta.h - object metadata rules of the Kubernetes API: names,
 * labels, annotations, generated names, UIDs, timestamps, owner
 * references, resource versions.
 *
 * Validation follows apimachinery (same rules, same messages), reporting
 * into a struct gt_kfe_list with the field path given by the caller:
 * - DNS-1123 subdomain: at most 253 characters of [a-z0-9.-], each
 *   dot-separated label starting and ending alphanumeric (most kinds);
 * - DNS-1123 label: at most 63 characters of [a-z0-9-], alphanumeric at
 *   both ends (namespaces);
 * - DNS-1035 label: like the label but starting with a letter (services);
 * - path segment: not "." or "..", no '/' or '%' (RBAC kinds).
 * Label keys are qualified names (optional DNS-subdomain prefix and '/',
 * then at most 63 characters of [A-Za-z0-9._-], alphanumeric at both ends);
 * label values at most 63 such characters (or empty); annotations have
 * qualified-name keys (case-insensitive) and a total size of at most 256 KiB.
 *
 * Generated names: at most 58 characters of the prefix, then 5 characters
 * from "bcdfghjklmnpqrstvwxz2456789" (no vowels, no 0/1/3).  UIDs are
 * random (version 4) UUIDs.  Times are RFC 3339 in UTC with second
 * precision ("2024-05-01T10:00:00Z"), micro-times with 6 digits.
 * Randomness comes from getrandom(2).
 */
#ifndef GT_KUBE_META_H
#define GT_KUBE_META_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "kube/fielderr.h"

enum gt_kname_rule {
    GT_KNAME_SUBDOMAIN,    /* DNS-1123 subdomain */
    GT_KNAME_LABEL,        /* DNS-1123 label */
    GT_KNAME_DNS1035,      /* DNS-1035 label */
    GT_KNAME_PATH_SEGMENT, /* may be used as a path segment */
};

/* Predicates (no messages). */
bool gt_kmeta_is_dns1123_label(const char *s);
bool gt_kmeta_is_dns1123_subdomain(const char *s);
bool gt_kmeta_is_dns1035_label(const char *s);
bool gt_kmeta_is_label_key(const char *s);
bool gt_kmeta_is_label_value(const char *s);

/* Appends the messages of apimachinery's checks for value to errs as
 * Invalid errors on field.  prefix: value is a generateName prefix (a
 * trailing '-' is allowed). */
void gt_kmeta_check_name(struct gt_kfe_list *errs, const char *field, const char *value,
                         enum gt_kname_rule rule, bool prefix);
void gt_kmeta_check_dns1123_label(struct gt_kfe_list *errs, const char *field, const char *value);
void gt_kmeta_check_dns1123_subdomain(struct gt_kfe_list *errs, const char *field,
                                      const char *value);
void gt_kmeta_check_qualified_name(struct gt_kfe_list *errs, const char *field, const char *value);
void gt_kmeta_check_label_value(struct gt_kfe_list *errs, const char *field, const char *value);
/* labels: an object of strings (anything else is an error on field). */
void gt_kmeta_check_labels(struct gt_kfe_list *errs, const char *field, const json_t *labels);
void gt_kmeta_check_annotations(struct gt_kfe_list *errs, const char *field,
                                const json_t *annotations);

/* ObjectMeta on create (name already generated from generateName), as
 * ValidateObjectMeta: name (rule), namespace present iff namespaced and a
 * DNS label, labels, annotations, ownerReferences, finalizers.  meta may be
 * NULL (then metadata.name is reported missing). */
void gt_kmeta_validate(struct gt_kfe_list *errs, const json_t *meta, bool namespaced,
                       enum gt_kname_rule rule);
/* On update: name, namespace, uid, creationTimestamp immutable, then the
 * create checks minus the name rule. */
void gt_kmeta_validate_update(struct gt_kfe_list *errs, const json_t *meta, const json_t *old,
                              bool namespaced);

/* Generated names. out must hold 64 bytes. */
void gt_kmeta_generate_name(const char *prefix, char out[64]);
/* "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" */
void gt_kmeta_uid(char out[37]);

/* Times. out must hold 32 bytes. */
void gt_kmeta_time_format(time_t t, char out[32]);
void gt_kmeta_microtime_format(const struct timespec *ts, char out[32]);
/* RFC 3339 with optional fraction and a 'Z' or +hh:mm offset. */
int gt_kmeta_time_parse(const char *s, struct timespec *out, struct gt_error *err);
/* Go's HumanDuration, as kubectl and the server's tables print ages:
 * "5s", "3m20s", "10m", "5h30m", "2d4h", "3y100d", "<invalid>". out 32 bytes. */
void gt_kmeta_human_duration(int64_t seconds, char out[32]);
/* Age of an RFC 3339 time relative to now (seconds since the epoch);
 * "<unknown>" for a missing or unparsable time. */
void gt_kmeta_age(const char *rfc3339, int64_t now, char out[32]);

/* Owner references. */
json_t *gt_kmeta_owner_ref(const char *api_version, const char *kind, const char *name,
                           const char *uid, bool controller, bool block_owner_deletion);
/* The ownerReferences entry with controller=true, or NULL (borrowed). */
json_t *gt_kmeta_controller_of(const json_t *obj);
bool gt_kmeta_is_owned_by(const json_t *obj, const char *uid);
/* Adds ref (takes a new reference) unless an entry with its uid exists;
 * returns true if added. */
bool gt_kmeta_add_owner_ref(json_t *obj, json_t *ref);
/* Removes entries with uid; returns how many. */
size_t gt_kmeta_remove_owner_ref(json_t *obj, const char *uid);

/* Resource versions: "" is 0; otherwise a decimal without sign that fits
 * 64 bits ("invalid resource version \"x\"" otherwise). */
int gt_kmeta_parse_rv(const char *s, uint64_t *out, struct gt_error *err);
void gt_kmeta_format_rv(uint64_t rv, char out[24]);

#endif
