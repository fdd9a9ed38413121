/* kube/proto.h - decoding the Kubernetes protobuf request bodies that
 * kubectl sends (application/vnd.kubernetes.protobuf): "kubectl create
 * namespace|deployment|configmap|secret|job|cronjob|service|serviceaccount|
 * role|rolebinding|clusterrole|clusterrolebinding|quota|ingress",
 * "kubectl auth can-i" (--list too) and "kubectl auth whoami".
 *
 * The body is the 4 magic bytes "k8s\0" and a runtime.Unknown message
 * {typeMeta{apiVersion, kind}, raw, contentEncoding, contentType}; raw is the
 * object's generated protobuf.  gt_kproto_decode() turns it into the JSON
 * object that the same client would have sent as JSON (what
 * "kubectl create ... -o json --dry-run=client" prints): field names, maps,
 * Secret data and ConfigMap binaryData as base64, Quantities and
 * IntOrStrings as JSON values, Times as RFC 3339 (a zero creationTimestamp
 * as null), zero scalars left out unless the Go type keeps them (pointers,
 * fields without omitempty).  Unknown fields are skipped.
 *
 * The kinds it knows are listed by gt_kproto_kinds(); the schema tables
 * (field number -> JSON name, type, nested message) are written by hand in
 * proto_schema.c from k8s.io/api's generated.proto.
 *
 * Untrusted input: every length is checked against the buffer, nesting is
 * limited (64 levels), wire types must match the schema, strings must be
 * UTF-8.  Errors:
 * - -EINVAL: not a Kubernetes protobuf envelope (no magic, no typeMeta);
 * - -EPROTO: malformed protobuf (truncated varint or field, bad wire type,
 *   field 0, invalid UTF-8, too deep);
 * - -ENOTSUP: a kind without a schema here, or a contentEncoding (the API
 *   server answers 415 Unsupported Media Type).
 */
#ifndef GT_KUBE_PROTO_H
#define GT_KUBE_PROTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

#define GT_KPROTO_MAGIC "k8s\0"
#define GT_KPROTO_MAGIC_LEN 4

bool gt_kproto_is_envelope(const void *buf, size_t len);
int gt_kproto_decode(const void *buf, size_t len, json_t **out, struct gt_error *err);
/* "apiVersion/Kind" strings of the decodable kinds, NULL-terminated. */
const char *const *gt_kproto_kinds(void);

#endif
