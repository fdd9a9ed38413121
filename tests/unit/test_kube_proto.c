#include <errno.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "kube/kinds.h"
#include "kube/obj.h"
#include "kube/proto.h"
#include "tests/unit/unit.h"

/* The captures of tests/unit/data/kproto (see its README), found next to
 * this file. */
static char *fixture(const char *name, const char *ext, size_t *len)
{
    char path[512];
    const char *dir = __FILE__;
    const char *slash = strrchr(dir, '/');
    snprintf(path, sizeof path, "%.*s/data/kproto/%s.%s", slash ? (int)(slash - dir) : 1,
             slash ? dir : ".", name, ext);
    char *buf = NULL;
    if (gt_read_file(path, 1 << 20, &buf, len, NULL) < 0)
        return NULL;
    return buf;
}

static const char *const captures[] = {
    "ns", "deploy", "deploy2", "cm", "secret", "secretdr", "job", "cronjob", "svc", "svcnp",
    "svclb", "svcen", "svchl", "sa", "role", "crole", "rb", "crb", "quota", "ing", "pdb",
    "cani1", "cani2", "cani3", "cani4",
};

TEST(proto_decodes_what_kubectl_sends)
{
    size_t n = sizeof captures / sizeof captures[0];
    for (size_t i = 0; i < n; i++) {
        size_t blen, jlen;
        cleanup_free char *bin = fixture(captures[i], "bin", &blen);
        cleanup_free char *want_text = fixture(captures[i], "json", &jlen);
        if (!bin || !want_text)
            unit_skip("fixtures not found next to %s", __FILE__);
        CHECK(gt_kproto_is_envelope(bin, blen));
        json_t *got = NULL;
        struct gt_error err;
        int rc = gt_kproto_decode(bin, blen, &got, &err);
        if (rc < 0) {
            unit_fail(__FILE__, __LINE__, "%s: %s", captures[i], err.msg);
            continue;
        }
        json_t *want = json_loadb(want_text, jlen, 0, NULL);
        if (!json_equal(got, want)) {
            char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
            char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
            unit_fail(__FILE__, __LINE__, "%s:\n got  %s\n want %s", captures[i], g, w);
            free(g);
            free(w);
        }
        /* and the kinds table accepts the result */
        const struct gt_kind *k = gt_kind_of(got);
        if (!k) {
            unit_fail(__FILE__, __LINE__, "%s: no kind for the decoded object", captures[i]);
        } else if (!(k->flags & GT_KIND_CREATE_ONLY)) {
            if (k->namespaced)
                gt_kobj_set_new(got, "metadata.namespace", json_string("default"));
            gt_kind_default(k, got);
            struct gt_kfe_list l;
            gt_kfe_list_init(&l);
            if (gt_kind_validate(k, got, NULL, &l)) {
                char *s = gt_kfe_list_string(&l);
                unit_fail(__FILE__, __LINE__, "%s: %s", captures[i], s);
                free(s);
            }
            gt_kfe_list_release(&l);
        }
        json_decref(want);
        json_decref(got);
    }
}

TEST(proto_details)
{
    size_t len;
    cleanup_free char *bin = fixture("cm", "bin", &len);
    if (!bin)
        unit_skip("fixtures not found");
    json_t *o;
    REQUIRE(gt_kproto_decode(bin, len, &o, NULL) == 0);
    /* binary data survives as base64, the zero creationTimestamp is null */
    CHECK_STR_EQ(gt_kobj_str(o, "binaryData.bin.dat", ""), "");
    CHECK_STR_EQ(json_string_value(json_object_get(gt_kobj_obj(o, "binaryData"), "bin.dat")),
                 "aGVsbG8A/wFiaW5hcnk=");
    CHECK(json_is_null(gt_kobj_get(o, "metadata.creationTimestamp")));
    json_decref(o);
    cleanup_free char *svc = fixture("svc", "bin", &len);
    REQUIRE(gt_kproto_decode(svc, len, &o, NULL) == 0);
    json_t *ports = gt_kobj_arr(o, "spec.ports");
    CHECK(json_is_integer(gt_kobj_get(json_array_get(ports, 0), "targetPort")));
    CHECK_STR_EQ(gt_kobj_str(json_array_get(ports, 1), "targetPort", ""), "https");
    json_decref(o);
    const char *const *kinds = gt_kproto_kinds();
    size_t nk = 0;
    while (kinds[nk])
        nk++;
    CHECK(nk >= 17);
    CHECK_STR_EQ(kinds[0], "v1/Namespace");
}

/* Builds an envelope around raw bytes of a message of the given kind. */
static size_t envelope(unsigned char *out, const char *av, const char *kind,
                       const unsigned char *raw, size_t rawlen, const char *encoding)
{
    size_t n = 0;
    memcpy(out, "k8s\0", 4);
    n = 4;
    size_t avl = strlen(av), kl = strlen(kind);
    out[n++] = 0x0a; /* field 1, typeMeta */
    out[n++] = (unsigned char)(avl + kl + 4);
    out[n++] = 0x0a;
    out[n++] = (unsigned char)avl;
    memcpy(out + n, av, avl);
    n += avl;
    out[n++] = 0x12;
    out[n++] = (unsigned char)kl;
    memcpy(out + n, kind, kl);
    n += kl;
    out[n++] = 0x12; /* field 2, raw */
    out[n++] = (unsigned char)rawlen;
    memcpy(out + n, raw, rawlen);
    n += rawlen;
    if (encoding) {
        out[n++] = 0x1a;
        out[n++] = (unsigned char)strlen(encoding);
        memcpy(out + n, encoding, strlen(encoding));
        n += strlen(encoding);
    }
    return n;
}

static int decode_raw(const char *av, const char *kind, const unsigned char *raw, size_t len,
                      const char *encoding, json_t **out, struct gt_error *err)
{
    unsigned char buf[512];
    size_t n = envelope(buf, av, kind, raw, len, encoding);
    return gt_kproto_decode(buf, n, out, err);
}

TEST(proto_rejects_malformed_input)
{
    json_t *o = NULL;
    struct gt_error err;
    CHECK_INT_EQ(gt_kproto_decode("{\"kind\":1}", 10, &o, &err), -EINVAL);
    CHECK_INT_EQ(gt_kproto_decode("k8s", 3, &o, &err), -EINVAL);
    CHECK_INT_EQ(gt_kproto_decode(NULL, 0, &o, &err), -EINVAL);
    CHECK_INT_EQ(gt_kproto_decode("k8s\0", 4, &o, &err), -EINVAL); /* no kind */
    /* a namespace whose metadata.name is not UTF-8 */
    static const unsigned char bad_utf8[] = { 0x0a, 0x04, 0x0a, 0x02, 0xff, 0xfe };
    CHECK_INT_EQ(decode_raw("v1", "Namespace", bad_utf8, sizeof bad_utf8, NULL, &o, &err), -EPROTO);
    CHECK_STR_CONTAINS(err.msg, "not UTF-8");
    /* a length running past the end */
    static const unsigned char overrun[] = { 0x0a, 0x7f, 0x0a, 0x01, 'x' };
    CHECK_INT_EQ(decode_raw("v1", "Namespace", overrun, sizeof overrun, NULL, &o, &err), -EPROTO);
    /* a truncated varint, a group wire type, field number 0 */
    static const unsigned char trunc[] = { 0x0a, 0x03, 0x38, 0xff, 0xff };
    CHECK_INT_EQ(decode_raw("v1", "Namespace", trunc, sizeof trunc, NULL, &o, &err), -EPROTO);
    static const unsigned char group[] = { 0x0b, 0x0c };
    CHECK_INT_EQ(decode_raw("v1", "Namespace", group, sizeof group, NULL, &o, &err), -EPROTO);
    static const unsigned char zero[] = { 0x02, 0x00 };
    CHECK_INT_EQ(decode_raw("v1", "Namespace", zero, sizeof zero, NULL, &o, &err), -EPROTO);
    /* a string field sent as a varint */
    static const unsigned char wrong_wt[] = { 0x0a, 0x02, 0x08, 0x01 };
    CHECK_INT_EQ(decode_raw("v1", "Namespace", wrong_wt, sizeof wrong_wt, NULL, &o, &err),
                 -EPROTO);
    CHECK_STR_CONTAINS(err.msg, "ObjectMeta, field 1: wire type does not match");
    /* an eleven-byte varint */
    static const unsigned char long_varint[] = { 0x0a, 0x0b, 0x38, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                 0xff, 0xff, 0xff, 0xff, 0xff };
    CHECK_INT_EQ(decode_raw("v1", "Namespace", long_varint, sizeof long_varint, NULL, &o, &err),
                 -EPROTO);
    /* unknown fields of every wire type are skipped */
    static const unsigned char unknown[] = { 0xf8, 0x01, 0x05, 0xf9, 0x01, 1, 2, 3, 4, 5, 6, 7, 8,
                                             0xfd, 0x01, 1, 2, 3, 4, 0x0a, 0x03, 0x0a, 0x01, 'x' };
    REQUIRE(decode_raw("v1", "Namespace", unknown, sizeof unknown, NULL, &o, &err) == 0);
    CHECK_STR_EQ(gt_kobj_str(o, "metadata.name", ""), "x");
    json_decref(o);
    o = NULL;
    /* kinds we do not know, and compressed content */
    static const unsigned char empty[] = { 0 };
    CHECK_INT_EQ(decode_raw("v1", "Node", empty, 0, NULL, &o, &err), -ENOTSUP);
    CHECK_STR_EQ(err.msg, "protobuf: v1/Node is not supported; send JSON");
    CHECK_INT_EQ(decode_raw("v1", "Namespace", empty, 0, "gzip", &o, &err), -ENOTSUP);
    CHECK(o == NULL);
    /* a time far out of range */
    static const unsigned char far[] = { 0x0a, 0x0d, 0x42, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff,
                                         0xff, 0xff, 0xff, 0xff, 0x7f, 0x10 };
    CHECK(decode_raw("v1", "Namespace", far, sizeof far, NULL, &o, &err) < 0);
}

/* Every truncation and many bit flips of every capture: an error or a
 * result, never a crash (the sanitizer build checks memory). */
TEST(proto_survives_truncation_and_corruption)
{
    size_t n = sizeof captures / sizeof captures[0];
    unsigned seed = 7;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        cleanup_free char *bin = fixture(captures[i], "bin", &len);
        if (!bin)
            unit_skip("fixtures not found");
        for (size_t cut = 0; cut < len; cut++) {
            json_t *o = NULL;
            int rc = gt_kproto_decode(bin, cut, &o, NULL);
            if (rc == 0)
                json_decref(o);
            else
                CHECK(rc == -EINVAL || rc == -EPROTO || rc == -ENOTSUP);
        }
        unsigned char *copy = malloc(len);
        for (int round = 0; round < 200; round++) {
            memcpy(copy, bin, len);
            for (int flips = 0; flips < 3; flips++) {
                seed = seed * 1103515245 + 12345;
                size_t at = 4 + (seed >> 8) % (len - 4);
                copy[at] ^= (unsigned char)(1u << ((seed >> 4) & 7));
            }
            json_t *o = NULL;
            if (gt_kproto_decode(copy, len, &o, NULL) == 0)
                json_decref(o);
        }
        free(copy);
    }
}

/* kubectl auth can-i --list and auth whoami send these as protobuf. */
TEST(proto_decodes_rules_and_self_reviews)
{
    json_t *o = NULL;
    struct gt_error err = { 0 };
    /* SelfSubjectRulesReview{spec{namespace: "dev"}} */
    static const unsigned char ssrr[] = { 0x12, 0x05, 0x0a, 0x03, 'd', 'e', 'v' };
    REQUIRE(decode_raw("authorization.k8s.io/v1", "SelfSubjectRulesReview", ssrr, sizeof ssrr,
                       NULL, &o, &err) == 0);
    CHECK_STR_EQ(gt_kobj_str(o, "spec.namespace", ""), "dev");
    CHECK_STR_EQ(gt_kobj_str(o, "kind", ""), "SelfSubjectRulesReview");
    json_decref(o);
    /* SelfSubjectReview{metadata{}} */
    static const unsigned char ssr[] = { 0x0a, 0x00 };
    REQUIRE(decode_raw("authentication.k8s.io/v1", "SelfSubjectReview", ssr, sizeof ssr, NULL,
                       &o, &err) == 0);
    CHECK_STR_EQ(gt_kobj_str(o, "apiVersion", ""), "authentication.k8s.io/v1");
    json_decref(o);
    /* LocalSubjectAccessReview{spec{user: "u", resourceAttributes{verb: "get"}}} */
    static const unsigned char lsar[] = { 0x12, 0x0a, 0x1a, 0x01, 'u', 0x0a, 0x05,
                                          0x12, 0x03, 'g', 'e', 't' };
    REQUIRE(decode_raw("authorization.k8s.io/v1", "LocalSubjectAccessReview", lsar, sizeof lsar,
                       NULL, &o, &err) == 0);
    CHECK_STR_EQ(gt_kobj_str(o, "spec.user", ""), "u");
    CHECK_STR_EQ(gt_kobj_str(o, "spec.resourceAttributes.verb", ""), "get");
    json_decref(o);
}
