#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base64.h"
#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/authn.h"
#include "kube/obj.h"
#include "tests/unit/kube_lister_test.h"
#include "tests/unit/kube_test.h"
#include "tests/unit/unit.h"

#define ISS "https://kubernetes.default.svc.cluster.local"
#define NOW 1700000000
#define SA_UID "11111111-2222-4333-8444-555555555555"
#define POD_UID "aaaaaaaa-2222-4333-8444-555555555555"

static const char *const server_aud[] = { ISS, NULL };

/* ---- user info, certificates, bearer headers ---- */

TEST(user_info_keeps_groups_unique_and_serialises_like_userinfo)
{
    struct gt_kuser u;
    gt_kuser_init(&u, "alice", "u-1");
    gt_kuser_add_group(&u, "dev");
    gt_kuser_add_group(&u, "dev");
    gt_kuser_add_group(&u, "ops");
    gt_kuser_add_extra(&u, "scopes", "a");
    gt_kuser_add_extra(&u, "scopes", "b");
    CHECK(gt_kuser_in_group(&u, "ops"));
    CHECK(!gt_kuser_in_group(&u, "root"));
    json_t *j = gt_kuser_to_json(&u);
    CHECK_JSON(j, "{\"username\":\"alice\",\"uid\":\"u-1\",\"groups\":[\"dev\",\"ops\"],"
                  "\"extra\":{\"scopes\":[\"a\",\"b\"]}}");
    json_decref(j);
    struct gt_kuser c;
    gt_kuser_copy(&c, &u);
    gt_kuser_release(&u);
    CHECK_STR_EQ(c.name, "alice");
    CHECK(gt_kuser_in_group(&c, "dev"));
    gt_kuser_release(&c);

    char ns[254], name[254];
    CHECK(gt_kuser_sa_parts("system:serviceaccount:kube-system:default", ns, name));
    CHECK_STR_EQ(ns, "kube-system");
    CHECK_STR_EQ(name, "default");
    CHECK(!gt_kuser_sa_parts("system:serviceaccount:onlyns", ns, name));
    CHECK(!gt_kuser_sa_parts("system:serviceaccount::x", ns, name));
    CHECK(!gt_kuser_sa_parts("system:serviceaccount:a:b:c", ns, name));
    CHECK(!gt_kuser_sa_parts("alice", ns, name));
}

TEST(client_certificate_gives_cn_and_organisations)
{
    char *orgs[] = { "system:masters", "dev", NULL };
    struct gt_kuser u;
    REQUIRE(gt_kauthn_from_cert("admin", orgs, &u, NULL) == 0);
    CHECK_STR_EQ(u.name, "admin");
    CHECK(gt_kuser_in_group(&u, "system:masters"));
    CHECK(gt_kuser_in_group(&u, "dev"));
    CHECK(gt_kuser_in_group(&u, GT_KGROUP_AUTHENTICATED));
    gt_kuser_release(&u);
    struct gt_error err = { 0 };
    CHECK_INT_EQ(gt_kauthn_from_cert("", orgs, &u, &err), -EACCES);
    CHECK_STR_CONTAINS(err.msg, "no common name");
}

TEST(bearer_header_parsing)
{
    size_t n = 0;
    const char *t = gt_kauthn_bearer("Bearer abc.def", &n);
    REQUIRE(t);
    CHECK_INT_EQ(n, 7);
    CHECK(strncmp(t, "abc.def", n) == 0);
    t = gt_kauthn_bearer("  bearer   tok  ", &n);
    REQUIRE(t);
    CHECK(n == 3 && strncmp(t, "tok", 3) == 0);
    CHECK(gt_kauthn_bearer("Basic dXNlcjpwdw==", &n) == NULL);
    CHECK(gt_kauthn_bearer("Bearer", &n) == NULL);
    CHECK(gt_kauthn_bearer("Bearer ", &n) == NULL);
    CHECK(gt_kauthn_bearer("Bearer a b", &n) == NULL);
    CHECK(gt_kauthn_bearer("Bearerx tok", &n) == NULL);
    CHECK(gt_kauthn_bearer(NULL, &n) == NULL);
}

/* ---- token file ---- */

TEST(token_file_parses_kube_format)
{
    const char *csv = "# static tokens\n"
                      "t0ken1,admin,admin-uid,\"system:masters,dev\"\n"
                      "\n"
                      "t0ken2, bob ,2\r\n"
                      "\"t,3\",carol,3,\"\",extra-ignored\n"
                      "t4,\"d\"\"q\",4,ops";
    struct gt_ktokenfile *tf;
    struct gt_error err = { 0 };
    REQUIRE(gt_ktokenfile_parse(csv, strlen(csv), "tokens.csv", &tf, &err) == 0);
    CHECK_INT_EQ(gt_ktokenfile_count(tf), 4);
    struct gt_kuser u;
    REQUIRE(gt_ktokenfile_lookup(tf, "t0ken1", 6, &u));
    CHECK_STR_EQ(u.name, "admin");
    CHECK_STR_EQ(u.uid, "admin-uid");
    CHECK(gt_kuser_in_group(&u, "system:masters"));
    CHECK(gt_kuser_in_group(&u, "dev"));
    gt_kuser_release(&u);
    REQUIRE(gt_ktokenfile_lookup(tf, "t0ken2", 6, &u));
    CHECK_STR_EQ(u.name, "bob "); /* only leading spaces are trimmed, as Go's csv */
    CHECK(u.groups == NULL);
    gt_kuser_release(&u);
    REQUIRE(gt_ktokenfile_lookup(tf, "t,3", 3, &u));
    CHECK_STR_EQ(u.name, "carol");
    CHECK(u.groups == NULL);
    gt_kuser_release(&u);
    REQUIRE(gt_ktokenfile_lookup(tf, "t4", 2, &u));
    CHECK_STR_EQ(u.name, "d\"q");
    gt_kuser_release(&u);
    CHECK(!gt_ktokenfile_lookup(tf, "t0ken", 5, &u));
    CHECK(!gt_ktokenfile_lookup(tf, "t0ken1x", 7, &u));
    CHECK(!gt_ktokenfile_lookup(tf, "", 0, &u));
    gt_ktokenfile_free(tf);
}

static void tokenfile_error_n(const char *csv, size_t len, const char *want)
{
    struct gt_ktokenfile *tf = NULL;
    struct gt_error err = { 0 };
    int r = gt_ktokenfile_parse(csv, len, "tokens.csv", &tf, &err);
    if (r != -EINVAL || tf)
        unit_fail(__FILE__, __LINE__, "\"%s\" parsed (r=%d)", csv, r);
    else if (strcmp(err.msg, want) != 0)
        unit_fail(__FILE__, __LINE__, "\"%s\": \"%s\", expected \"%s\"", csv, err.msg, want);
}
#define tokenfile_error(csv, want) tokenfile_error_n(csv, sizeof(csv) - 1, want)

TEST(token_file_errors_name_the_line)
{
    tokenfile_error("a,b,c\nonly,two\n",
                    "tokens.csv:2: need at least 3 columns (token, user name, user uid), found 2");
    tokenfile_error("a,b,c\n\n# c\n\"open,b,c\n", "tokens.csv:4: unterminated quoted field");
    tokenfile_error("a,b\"x,c\n", "tokens.csv:1: bare \" in a field that is not quoted");
    tokenfile_error("\"a\"x,b,c\n", "tokens.csv:1: unexpected character after a quoted field");
    tokenfile_error("t,u1,1\nt,u2,2\n",
                    "tokens.csv:2: duplicate token (first on another line for user \"u1\")");
    tokenfile_error(",u,1\n", "tokens.csv:1: empty token");
    tokenfile_error("t,,1\n", "tokens.csv:1: empty user name");
    tokenfile_error("t,u,1\nx\0y,u,2\n", "tokens.csv:2: NUL byte in the line");
}

TEST(token_file_load_reports_missing_file)
{
    struct gt_ktokenfile *tf = NULL;
    struct gt_error err = { 0 };
    char path[512];
    snprintf(path, sizeof path, "%s/none.csv", unit_tmpdir());
    CHECK(gt_ktokenfile_load(path, &tf, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "token file");
    CHECK_STR_CONTAINS(err.msg, "none.csv");
    snprintf(path, sizeof path, "%s/t.csv", unit_tmpdir());
    FILE *f = fopen(path, "w");
    fputs("tok,alice,1,dev\n", f);
    fclose(f);
    REQUIRE(gt_ktokenfile_load(path, &tf, &err) == 0);
    CHECK_INT_EQ(gt_ktokenfile_count(tf), 1);
    gt_ktokenfile_free(tf);
}

/* ---- keys ---- */

static struct gt_ksa_key *test_key(void)
{
    static struct gt_ksa_key *k;
    if (!k) {
        struct gt_error err = { 0 };
        if (gt_ksa_key_generate(2048, &k, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            abort();
        }
    }
    return k;
}

TEST(key_pem_round_trip_and_public_only_keys)
{
    struct gt_ksa_key *k = test_key();
    CHECK(gt_ksa_key_can_sign(k));
    CHECK_INT_EQ(strlen(gt_ksa_key_id(k)), 43); /* base64url of 32 bytes */
    char path[512];
    snprintf(path, sizeof path, "%s/sa.key", unit_tmpdir());
    struct gt_error err = { 0 };
    REQUIRE(gt_ksa_key_save(k, path, &err) == 0);
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0600);
    struct gt_ksa_key *k2;
    REQUIRE(gt_ksa_key_load(path, &k2, &err) == 0);
    CHECK_STR_EQ(gt_ksa_key_id(k2), gt_ksa_key_id(k));
    cleanup_free char *pub = gt_ksa_key_public_pem(k);
    CHECK_STR_CONTAINS(pub, "-----BEGIN PUBLIC KEY-----");
    struct gt_ksa_key *pk;
    REQUIRE(gt_ksa_key_from_pem(pub, strlen(pub), &pk, &err) == 0);
    CHECK(!gt_ksa_key_can_sign(pk));
    CHECK_STR_EQ(gt_ksa_key_id(pk), gt_ksa_key_id(k));
    CHECK(gt_ksa_key_private_pem(pk) == NULL);

    /* a token signed by k2 verifies with the public key */
    const char *aud[] = { "api", NULL };
    struct gt_ksa_token_opts o = { .issuer = ISS, .audiences = aud, .namespace = "default",
                                   .name = "default", .uid = SA_UID, .now = NOW,
                                   .expiration_seconds = 3600 };
    cleanup_free char *tok = NULL;
    REQUIRE(gt_ksa_token_issue(k2, &o, &tok, NULL, &err) == 0);
    struct gt_ksa_verify_opts vo = { .issuer = ISS, .audiences = aud, .now = NOW + 10 };
    struct gt_kuser u;
    REQUIRE(gt_ksa_token_verify(pk, tok, &vo, &u, NULL, &err) == 0);
    gt_kuser_release(&u);
    /* a public key cannot sign */
    cleanup_free char *tok2 = NULL;
    CHECK(gt_ksa_token_issue(pk, &o, &tok2, NULL, &err) == -EINVAL);
    gt_ksa_key_free(pk);
    gt_ksa_key_free(k2);

    /* load_or_create: existing file is loaded, a missing one is created */
    bool created = true;
    REQUIRE(gt_ksa_key_load_or_create(path, &k2, &created, &err) == 0);
    CHECK(!created);
    CHECK_STR_EQ(gt_ksa_key_id(k2), gt_ksa_key_id(k));
    gt_ksa_key_free(k2);
}

TEST(key_generation_on_first_start_and_bad_pem)
{
    char path[512];
    snprintf(path, sizeof path, "%s/new.key", unit_tmpdir());
    struct gt_ksa_key *k;
    bool created = false;
    struct gt_error err = { 0 };
    REQUIRE(gt_ksa_key_load_or_create(path, &k, &created, &err) == 0);
    CHECK(created);
    CHECK(gt_ksa_key_can_sign(k));
    gt_ksa_key_free(k);
    CHECK(gt_ksa_key_from_pem("hello", 5, &k, &err) == -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "service-account key");
    const char *junk = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    CHECK(gt_ksa_key_from_pem(junk, strlen(junk), &k, &err) == -EINVAL);
    CHECK(gt_ksa_key_generate(1024, &k, &err) == -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "1024 bits");
}

/* ---- tokens ---- */

static void setup_cluster(struct test_store *s, struct gt_klister *l)
{
    ts_init(s, l);
    ts_put(s, "serviceaccounts",
           J("{\"metadata\":{\"name\":\"builder\",\"namespace\":\"ci\",\"uid\":\"" SA_UID "\"}}"));
    ts_put(s, "pods", J("{\"metadata\":{\"name\":\"job-1\",\"namespace\":\"ci\",\"uid\":\"" POD_UID
                        "\"},\"spec\":{\"serviceAccountName\":\"builder\",\"nodeName\":\"n1\"}}"));
    ts_put(s, "nodes", J("{\"metadata\":{\"name\":\"n1\",\"uid\":\"node-uid-1\"}}"));
}

static char *issue(const struct gt_ksa_token_opts *o)
{
    char *tok = NULL;
    struct gt_error err = { 0 };
    if (gt_ksa_token_issue(test_key(), o, &tok, NULL, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        abort();
    }
    return tok;
}

static struct gt_ksa_token_opts std_opts(void)
{
    struct gt_ksa_token_opts o = { .issuer = ISS, .audiences = server_aud, .namespace = "ci",
                                   .name = "builder", .uid = SA_UID, .now = NOW,
                                   .expiration_seconds = 3600 };
    return o;
}

static int verify(const char *tok, const struct gt_klister *l, int64_t now, struct gt_error *err)
{
    struct gt_ksa_verify_opts vo = { .issuer = ISS, .audiences = server_aud, .now = now,
                                     .lister = l };
    struct gt_kuser u;
    int r = gt_ksa_token_verify(test_key(), tok, &vo, &u, NULL, err);
    if (r == 0)
        gt_kuser_release(&u);
    return r;
}

TEST(service_account_token_verifies_to_the_service_account_user)
{
    struct test_store s;
    struct gt_klister l;
    setup_cluster(&s, &l);
    struct gt_ksa_token_opts o = std_opts();
    o.bound_kind = "Pod";
    o.bound_name = "job-1";
    o.bound_uid = POD_UID;
    o.node_name = "n1";
    o.node_uid = "node-uid-1";
    cleanup_free char *tok = issue(&o);

    /* the claims look like kube-apiserver's */
    const char *d1 = strchr(tok, '.'), *d2 = strchr(d1 + 1, '.');
    REQUIRE(d1 && d2);
    CHECK(strchr(tok, '=') == NULL);
    char *claims64 = gt_xstrndup(d1 + 1, (size_t)(d2 - d1 - 1));
    for (char *c = claims64; *c; c++)
        *c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
    size_t cl = strlen(claims64);
    claims64 = gt_xrealloc(claims64, cl + 4);
    while (cl % 4)
        claims64[cl++] = '=';
    claims64[cl] = 0;
    unsigned char *raw;
    size_t rawlen;
    REQUIRE(gt_base64_decode(claims64, cl, &raw, &rawlen) == 0);
    free(claims64);
    json_t *claims = J((char *)raw);
    free(raw);
    CHECK_STR_EQ(gt_kobj_str(claims, "sub", ""), "system:serviceaccount:ci:builder");
    CHECK_STR_EQ(gt_kobj_str(claims, "iss", ""), ISS);
    CHECK_INT_EQ(gt_kobj_int(claims, "exp", 0), NOW + 3600);
    CHECK_INT_EQ(gt_kobj_int(claims, "iat", 0), NOW);
    CHECK_INT_EQ(gt_kobj_int(claims, "nbf", 0), NOW);
    CHECK_JSON(gt_kobj_get(claims, "aud"), "[\"" ISS "\"]");
    CHECK_JSON(json_object_get(claims, "kubernetes.io"),
               "{\"namespace\":\"ci\",\"serviceaccount\":{\"name\":\"builder\",\"uid\":\"" SA_UID
               "\"},\"pod\":{\"name\":\"job-1\",\"uid\":\"" POD_UID
               "\"},\"node\":{\"name\":\"n1\",\"uid\":\"node-uid-1\"}}");
    CHECK_INT_EQ(strlen(gt_kobj_str(claims, "jti", "")), 36);
    json_decref(claims);

    struct gt_ksa_verify_opts vo = { .issuer = ISS, .audiences = server_aud, .now = NOW + 60,
                                     .lister = &l };
    struct gt_kuser u;
    char **matched = NULL;
    struct gt_error err = { 0 };
    REQUIRE(gt_ksa_token_verify(test_key(), tok, &vo, &u, &matched, &err) == 0);
    CHECK_STR_EQ(u.name, "system:serviceaccount:ci:builder");
    CHECK_STR_EQ(u.uid, SA_UID);
    CHECK(gt_kuser_in_group(&u, "system:serviceaccounts"));
    CHECK(gt_kuser_in_group(&u, "system:serviceaccounts:ci"));
    CHECK(gt_kuser_in_group(&u, "system:authenticated"));
    CHECK_INT_EQ(gt_strv_len(u.groups), 3);
    CHECK_JSON(json_object_get(u.extra, "authentication.kubernetes.io/pod-name"), "[\"job-1\"]");
    CHECK_JSON(json_object_get(u.extra, "authentication.kubernetes.io/pod-uid"),
               "[\"" POD_UID "\"]");
    CHECK_JSON(json_object_get(u.extra, "authentication.kubernetes.io/node-name"), "[\"n1\"]");
    CHECK_STR_CONTAINS(json_string_value(json_array_get(
                           json_object_get(u.extra, "authentication.kubernetes.io/credential-id"), 0)),
                       "JTI=");
    REQUIRE(matched && matched[0]);
    CHECK_STR_EQ(matched[0], ISS);
    gt_strv_free(matched);
    gt_kuser_release(&u);
    ts_release(&s);
}

/* Replaces one character of part (0 header, 1 claims, 2 signature). */
static char *tamper(const char *tok, int part)
{
    char *t = gt_xstrdup(tok);
    char *p = t;
    for (int i = 0; i < part; i++)
        p = strchr(p, '.') + 1;
    p[5] = p[5] == 'A' ? 'B' : 'A';
    return t;
}

static char *b64url(const char *s)
{
    char *b = gt_base64_encode(s, strlen(s));
    for (char *c = b; *c; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    char *eq = strchr(b, '=');
    if (eq)
        *eq = 0;
    return b;
}

TEST(tokens_that_must_not_verify)
{
    struct test_store s;
    struct gt_klister l;
    setup_cluster(&s, &l);
    struct gt_ksa_token_opts o = std_opts();
    cleanup_free char *tok = issue(&o);
    struct gt_error err = { 0 };
    CHECK_INT_EQ(verify(tok, &l, NOW, &err), 0);

    /* tampered claims or signature */
    cleanup_free char *t1 = tamper(tok, 1);
    CHECK(verify(t1, &l, NOW, &err) != 0);
    cleanup_free char *t2 = tamper(tok, 2);
    CHECK_INT_EQ(verify(t2, &l, NOW, &err), -EACCES);
    CHECK_STR_EQ(err.msg, "token signature is invalid");

    /* expired (leeway 60s), not yet valid */
    CHECK_INT_EQ(verify(tok, &l, NOW + 3600 + 60, &err), 0);
    CHECK_INT_EQ(verify(tok, &l, NOW + 3600 + 61, &err), -EACCES);
    CHECK_STR_EQ(err.msg, "service account token has expired");
    CHECK_INT_EQ(verify(tok, &l, NOW - 61, &err), -EACCES);
    CHECK_STR_EQ(err.msg, "service account token is not valid yet");

    /* wrong issuer: not ours (1), so another authenticator may try */
    o.issuer = "https://elsewhere";
    cleanup_free char *t3 = issue(&o);
    CHECK_INT_EQ(verify(t3, &l, NOW, &err), 1);
    o.issuer = ISS;

    /* wrong audience */
    const char *other[] = { "vault", "nats", NULL };
    o.audiences = other;
    cleanup_free char *t4 = issue(&o);
    CHECK_INT_EQ(verify(t4, &l, NOW, &err), -EACCES);
    CHECK_STR_EQ(err.msg, "token audiences [\"vault\" \"nats\"] is invalid for the target "
                          "audiences [\"" ISS "\"]");
    o.audiences = server_aud;

    /* the ServiceAccount was deleted, or recreated with another uid */
    ts_del(&s, "serviceaccounts", "ci", "builder");
    CHECK_INT_EQ(verify(tok, &l, NOW, &err), -EACCES);
    CHECK_STR_EQ(err.msg, "serviceaccounts \"builder\" not found");
    ts_put(&s, "serviceaccounts",
           J("{\"metadata\":{\"name\":\"builder\",\"namespace\":\"ci\",\"uid\":\"other\"}}"));
    CHECK_INT_EQ(verify(tok, &l, NOW, &err), -EACCES);
    CHECK_STR_EQ(err.msg, "service account UID (other) does not match claim (" SA_UID ")");
    ts_put(&s, "serviceaccounts",
           J("{\"metadata\":{\"name\":\"builder\",\"namespace\":\"ci\",\"uid\":\"" SA_UID
             "\",\"deletionTimestamp\":\"2023-11-14T22:00:00Z\"}}"));
    CHECK_INT_EQ(verify(tok, &l, NOW, &err), -EACCES);
    CHECK_STR_EQ(err.msg, "service account ci/builder has been deleted");
    ts_put(&s, "serviceaccounts",
           J("{\"metadata\":{\"name\":\"builder\",\"namespace\":\"ci\",\"uid\":\"" SA_UID "\"}}"));

    /* bound to a pod that is gone or was recreated */
    o.bound_kind = "Pod";
    o.bound_name = "job-1";
    o.bound_uid = POD_UID;
    cleanup_free char *t5 = issue(&o);
    CHECK_INT_EQ(verify(t5, &l, NOW, &err), 0);
    ts_put(&s, "pods", J("{\"metadata\":{\"name\":\"job-1\",\"namespace\":\"ci\",\"uid\":\"new\"}}"));
    CHECK_INT_EQ(verify(t5, &l, NOW, &err), -EACCES);
    CHECK_STR_EQ(err.msg, "pod UID (new) does not match service account pod ref claim (" POD_UID
                          ")");
    ts_del(&s, "pods", "ci", "job-1");
    CHECK_INT_EQ(verify(t5, &l, NOW, &err), -EACCES);
    CHECK_STR_EQ(err.msg, "service account token has been invalidated");

    /* alg none and alg HS256, with the same claims and no/any signature */
    const char *d1 = strchr(tok, '.'), *d2 = strchr(d1 + 1, '.');
    cleanup_free char *claims = gt_xstrndup(d1 + 1, (size_t)(d2 - d1 - 1));
    cleanup_free char *hnone = b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    cleanup_free char *none = gt_xasprintf("%s.%s.", hnone, claims);
    CHECK_INT_EQ(verify(none, &l, NOW, &err), -EACCES);
    CHECK_STR_CONTAINS(err.msg, "\"none\" is not accepted");
    cleanup_free char *hhs = b64url("{\"alg\":\"HS256\"}");
    cleanup_free char *hs = gt_xasprintf("%s.%s.%s", hhs, claims, d2 + 1);
    CHECK_INT_EQ(verify(hs, &l, NOW, &err), -EACCES);
    /* the header of our token with an RS256 alg but a signature from another key */
    struct gt_ksa_key *k2;
    REQUIRE(gt_ksa_key_generate(2048, &k2, &err) == 0);
    cleanup_free char *forged = NULL;
    REQUIRE(gt_ksa_token_issue(k2, &o, &forged, NULL, &err) == 0);
    CHECK_INT_EQ(verify(forged, &l, NOW, &err), -EACCES);
    CHECK_STR_EQ(err.msg, "token signature is invalid");
    gt_ksa_key_free(k2);

    /* not JWTs at all */
    CHECK_INT_EQ(verify("abc", &l, NOW, &err), 1);
    CHECK_INT_EQ(verify("a.b.c.d", &l, NOW, &err), 1);
    CHECK_INT_EQ(verify("..", &l, NOW, &err), 1);
    CHECK_INT_EQ(verify("e30.e30.", &l, NOW, &err), 1); /* {}: no issuer */
    ts_release(&s);
}

TEST(malformed_tokens_never_crash)
{
    struct test_store s;
    struct gt_klister l;
    setup_cluster(&s, &l);
    struct gt_ksa_token_opts o = std_opts();
    cleanup_free char *tok = issue(&o);
    size_t n = strlen(tok);
    srand(7);
    static const char alphabet[] = "AZaz09-_.=+/{}\"\\ \x01\xff";
    for (int i = 0; i < 3000; i++) {
        char *t = gt_xstrdup(tok);
        int edits = 1 + rand() % 4;
        for (int e = 0; e < edits; e++)
            t[rand() % n] = alphabet[rand() % (sizeof(alphabet) - 1)];
        if (rand() % 5 == 0)
            t[rand() % n] = 0; /* truncation */
        struct gt_error err = { 0 };
        int r = verify(t, &l, NOW, &err);
        CHECK(r == 0 || r == 1 || r == -EACCES);
        if (r == 0 && strcmp(t, tok) != 0) {
            /* only edits that base64url decodes to the same bytes may pass */
            const char *ls = strrchr(t, '.');
            CHECK(ls && strncmp(t, tok, (size_t)(ls - t)) == 0);
        }
        free(t);
    }
    /* hand-made claims of the wrong types */
    const char *bad_claims[] = {
        "{\"iss\":\"" ISS "\",\"aud\":7,\"exp\":\"x\"}",
        "{\"iss\":\"" ISS "\",\"aud\":[1,null],\"kubernetes.io\":[]}",
        "[]",
        "{\"iss\":\"" ISS "\",\"aud\":\"" ISS "\",\"exp\":1e300,\"sub\":5}",
    };
    for (size_t i = 0; i < sizeof bad_claims / sizeof *bad_claims; i++) {
        cleanup_free char *h = b64url("{\"alg\":\"RS256\"}");
        cleanup_free char *c = b64url(bad_claims[i]);
        cleanup_free char *t = gt_xasprintf("%s.%s.AAAA", h, c);
        struct gt_error err = { 0 };
        int r = verify(t, &l, NOW, &err);
        CHECK(r == 1 || r == -EACCES);
    }
    ts_release(&s);
}

/* ---- TokenRequest ---- */

TEST(token_request_issues_bound_tokens)
{
    struct test_store s;
    struct gt_klister l;
    setup_cluster(&s, &l);
    json_t *sa = J("{\"metadata\":{\"name\":\"builder\",\"namespace\":\"ci\",\"uid\":\"" SA_UID
                   "\"}}");
    struct gt_ksa_request_opts ro = { .issuer = ISS, .audiences = server_aud, .now = NOW,
                                      .lister = &l };
    json_t *req = J("{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\","
                    "\"spec\":{}}");
    json_t *out = NULL;
    REQUIRE(gt_ksa_token_request(test_key(), &ro, sa, req, &out) == 0);
    CHECK_STR_EQ(gt_kobj_str(out, "kind", ""), "TokenRequest");
    CHECK_INT_EQ(gt_kobj_int(out, "spec.expirationSeconds", 0), 3600);
    CHECK_JSON(gt_kobj_get(out, "spec.audiences"), "[\"" ISS "\"]");
    CHECK_STR_EQ(gt_kobj_str(out, "status.expirationTimestamp", ""), "2023-11-14T23:13:20Z");
    const char *tok = gt_kobj_str(out, "status.token", "");
    struct gt_error err = { 0 };
    CHECK_INT_EQ(verify(tok, &l, NOW, &err), 0);
    json_decref(out);
    json_decref(req);

    /* bound to the pod; audiences given */
    req = J("{\"spec\":{\"audiences\":[\"vault\"],\"expirationSeconds\":600,"
            "\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"job-1\"}}}");
    REQUIRE(gt_ksa_token_request(test_key(), &ro, sa, req, &out) == 0);
    CHECK_STR_EQ(gt_kobj_str(out, "spec.boundObjectRef.uid", ""), POD_UID);
    struct gt_ksa_verify_opts vo = { .issuer = ISS, .audiences = (const char *[]){ "vault", NULL },
                                     .now = NOW, .lister = &l };
    struct gt_kuser u;
    REQUIRE(gt_ksa_token_verify(test_key(), gt_kobj_str(out, "status.token", ""), &vo, &u, NULL,
                                &err) == 0);
    CHECK_JSON(json_object_get(u.extra, "authentication.kubernetes.io/node-uid"),
               "[\"node-uid-1\"]");
    gt_kuser_release(&u);
    json_decref(out);
    json_decref(req);

    /* too short an expiry: 422 */
    req = J("{\"spec\":{\"expirationSeconds\":300}}");
    CHECK(gt_ksa_token_request(test_key(), &ro, sa, req, &out) < 0);
    CHECK_INT_EQ(gt_kobj_int(out, "code", 0), 422);
    CHECK_STR_EQ(gt_kobj_str(out, "message", ""),
                 "TokenRequest.authentication.k8s.io \"builder\" is invalid: "
                 "spec.expirationSeconds: Invalid value: 300: may not specify a duration less "
                 "than 10 minutes");
    json_decref(out);
    json_decref(req);

    /* a kind that cannot be bound: 400 */
    req = J("{\"spec\":{\"boundObjectRef\":{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\","
            "\"name\":\"d\"}}}");
    CHECK(gt_ksa_token_request(test_key(), &ro, sa, req, &out) < 0);
    CHECK_INT_EQ(gt_kobj_int(out, "code", 0), 400);
    CHECK_STR_EQ(gt_kobj_str(out, "message", ""),
                 "cannot bind token to object of type apps/v1, Kind=Deployment");
    json_decref(out);
    json_decref(req);

    /* a missing pod: 404; another uid: 409 */
    req = J("{\"spec\":{\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
            "\"name\":\"nope\"}}}");
    CHECK(gt_ksa_token_request(test_key(), &ro, sa, req, &out) < 0);
    CHECK_INT_EQ(gt_kobj_int(out, "code", 0), 404);
    CHECK_STR_EQ(gt_kobj_str(out, "message", ""), "pods \"nope\" not found");
    json_decref(out);
    json_decref(req);
    req = J("{\"spec\":{\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
            "\"name\":\"job-1\",\"uid\":\"stale\"}}}");
    CHECK(gt_ksa_token_request(test_key(), &ro, sa, req, &out) < 0);
    CHECK_INT_EQ(gt_kobj_int(out, "code", 0), 409);
    CHECK_STR_CONTAINS(gt_kobj_str(out, "message", ""),
                       "the UID in the bound object reference (stale) does not match");
    json_decref(out);
    json_decref(req);

    /* a pod of another service account */
    json_t *other = J("{\"metadata\":{\"name\":\"default\",\"namespace\":\"ci\",\"uid\":\"x\"}}");
    req = J("{\"spec\":{\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
            "\"name\":\"job-1\"}}}");
    CHECK(gt_ksa_token_request(test_key(), &ro, other, req, &out) < 0);
    CHECK_STR_CONTAINS(gt_kobj_str(out, "message", ""), "different serviceaccount name");
    json_decref(out);
    json_decref(req);
    json_decref(other);

    /* garbage */
    req = J("{\"spec\":{\"audiences\":[3],\"expirationSeconds\":\"x\",\"boundObjectRef\":7}}");
    CHECK(gt_ksa_token_request(test_key(), &ro, sa, req, &out) < 0);
    CHECK_INT_EQ(gt_kobj_int(out, "code", 0), 422);
    json_decref(out);
    json_decref(req);
    json_decref(sa);
    ts_release(&s);
}

/* ---- the request authenticator and TokenReview ---- */

TEST(request_authentication_order_and_anonymous)
{
    struct test_store s;
    struct gt_klister l;
    setup_cluster(&s, &l);
    struct gt_ktokenfile *tf;
    const char *csv = "static-tok,alice,a1,dev\n";
    REQUIRE(gt_ktokenfile_parse(csv, strlen(csv), NULL, &tf, NULL) == 0);
    struct gt_kauthn a = { .tokens = tf, .sa_key = test_key(), .issuer = ISS, .lister = &l,
                           .anonymous = true };
    struct gt_kuser u;
    struct gt_error err = { 0 };

    char *orgs[] = { "system:masters", NULL };
    struct gt_kauthn_creds c = { .cert_cn = "admin", .cert_orgs = orgs,
                                 .authorization = "Bearer static-tok" };
    REQUIRE(gt_kauthn_request(&a, &c, NOW, &u, &err) == 0);
    CHECK_STR_EQ(u.name, "admin"); /* the certificate comes first */
    gt_kuser_release(&u);

    c.cert_cn = NULL;
    REQUIRE(gt_kauthn_request(&a, &c, NOW, &u, &err) == 0);
    CHECK_STR_EQ(u.name, "alice");
    CHECK(gt_kuser_in_group(&u, "dev"));
    CHECK(gt_kuser_in_group(&u, "system:authenticated"));
    gt_kuser_release(&u);

    struct gt_ksa_token_opts o = std_opts();
    cleanup_free char *tok = issue(&o);
    cleanup_free char *hdr = gt_xasprintf("Bearer %s", tok);
    c.authorization = hdr;
    REQUIRE(gt_kauthn_request(&a, &c, NOW, &u, &err) == 0);
    CHECK_STR_EQ(u.name, "system:serviceaccount:ci:builder");
    gt_kuser_release(&u);

    /* a bad token is a 401 even with anonymous allowed */
    c.authorization = "Bearer nope";
    CHECK_INT_EQ(gt_kauthn_request(&a, &c, NOW, &u, &err), -EACCES);
    CHECK_STR_EQ(err.msg, "invalid bearer token");
    c.authorization = "Basic eDp5";
    CHECK_INT_EQ(gt_kauthn_request(&a, &c, NOW, &u, &err), -EACCES);

    c.authorization = NULL;
    REQUIRE(gt_kauthn_request(&a, &c, NOW, &u, &err) == 0);
    CHECK_STR_EQ(u.name, "system:anonymous");
    CHECK(gt_kuser_in_group(&u, "system:unauthenticated"));
    CHECK(!gt_kuser_in_group(&u, "system:authenticated"));
    gt_kuser_release(&u);
    a.anonymous = false;
    CHECK_INT_EQ(gt_kauthn_request(&a, &c, NOW, &u, &err), -EACCES);
    gt_ktokenfile_free(tf);
    ts_release(&s);
}

TEST(token_review_answers_like_the_api)
{
    struct test_store s;
    struct gt_klister l;
    setup_cluster(&s, &l);
    struct gt_kauthn a = { .sa_key = test_key(), .issuer = ISS, .lister = &l };
    struct gt_ksa_token_opts o = std_opts();
    cleanup_free char *tok = issue(&o);
    json_t *req = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "authentication.k8s.io/v1", "kind",
                            "TokenReview", "spec", "token", tok);
    json_t *res = gt_kauthn_token_review(&a, req, NOW);
    CHECK(json_is_true(gt_kobj_get(res, "status.authenticated")));
    CHECK_STR_EQ(gt_kobj_str(res, "status.user.username", ""), "system:serviceaccount:ci:builder");
    CHECK_STR_EQ(gt_kobj_str(res, "status.user.uid", ""), SA_UID);
    CHECK_JSON(gt_kobj_get(res, "status.user.groups"),
               "[\"system:serviceaccounts\",\"system:serviceaccounts:ci\","
               "\"system:authenticated\"]");
    CHECK_JSON(gt_kobj_get(res, "status.audiences"), "[\"" ISS "\"]");
    json_decref(res);
    json_object_set_new(gt_kobj_obj(req, "spec"), "audiences", J("[\"other\"]"));
    res = gt_kauthn_token_review(&a, req, NOW);
    CHECK(!gt_kobj_get(res, "status.authenticated"));
    CHECK_STR_CONTAINS(gt_kobj_str(res, "status.error", ""), "is invalid for the target audiences");
    json_decref(res);
    json_decref(req);
    res = gt_kauthn_token_review(&a, NULL, NOW);
    CHECK_STR_EQ(gt_kobj_str(res, "kind", ""), "TokenReview");
    CHECK(!gt_kobj_get(res, "status.authenticated"));
    json_decref(res);
    ts_release(&s);
}

TEST(websocket_bearer_and_whoami)
{
    /* "my-token" in base64url is bXktdG9rZW4 */
    char *t = gt_kauthn_ws_bearer("v5.channel.k8s.io, base64url.bearer.authorization.k8s.io."
                                  "bXktdG9rZW4, v4.channel.k8s.io");
    CHECK_STR_EQ(t, "my-token");
    free(t);
    CHECK(gt_kauthn_ws_bearer("v5.channel.k8s.io") == NULL);
    CHECK(gt_kauthn_ws_bearer("base64url.bearer.authorization.k8s.io.") == NULL);
    CHECK(gt_kauthn_ws_bearer("base64url.bearer.authorization.k8s.io.b+8") == NULL);
    CHECK(gt_kauthn_ws_bearer("base64url.bearer.authorization.k8s.io.A") == NULL);
    CHECK(gt_kauthn_ws_bearer("base64url.bearer.authorization.k8s.io.AA") == NULL); /* NUL */
    CHECK(gt_kauthn_ws_bearer(NULL) == NULL);

    struct gt_kuser u;
    gt_kuser_init(&u, "alice", NULL);
    gt_kuser_add_group(&u, "system:authenticated");
    json_t *r = gt_kauthn_self_review(NULL, &u);
    CHECK_JSON(r, "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\","
                  "\"metadata\":{\"creationTimestamp\":null},\"status\":{\"userInfo\":{"
                  "\"username\":\"alice\",\"groups\":[\"system:authenticated\"]}}}");
    json_decref(r);
    gt_kuser_release(&u);
}

TEST(issuer_discovery_documents)
{
    json_t *jwks = gt_ksa_key_jwks(test_key());
    json_t *k = json_array_get(json_object_get(jwks, "keys"), 0);
    REQUIRE(k);
    CHECK_STR_EQ(gt_kobj_str(k, "kid", ""), gt_ksa_key_id(test_key()));
    CHECK_STR_EQ(gt_kobj_str(k, "kty", ""), "RSA");
    CHECK_STR_EQ(gt_kobj_str(k, "alg", ""), "RS256");
    CHECK_STR_EQ(gt_kobj_str(k, "e", ""), "AQAB"); /* 65537 */
    CHECK_INT_EQ(strlen(gt_kobj_str(k, "n", "")), 342); /* 256 bytes, no padding */
    json_decref(jwks);
    json_t *oc = gt_ksa_openid_config(ISS);
    CHECK_JSON(oc, "{\"issuer\":\"" ISS "\",\"jwks_uri\":\"" ISS "/openid/v1/jwks\","
                   "\"response_types_supported\":[\"id_token\"],\"subject_types_supported\":"
                   "[\"public\"],\"id_token_signing_alg_values_supported\":[\"RS256\"]}");
    json_decref(oc);
}

TEST(token_file_parser_survives_random_input)
{
    static const char alphabet[] = "ab,\"\r\n #\0 ";
    unsigned seed = 99;
    for (int i = 0; i < 5000; i++) {
        char buf[96];
        size_t n = (size_t)(rand_r(&seed) % (int)sizeof buf);
        for (size_t j = 0; j < n; j++)
            buf[j] = alphabet[rand_r(&seed) % (int)(sizeof alphabet - 1)];
        struct gt_ktokenfile *tf = NULL;
        struct gt_error err = { 0 };
        int r = gt_ktokenfile_parse(buf, n, "fuzz", &tf, &err);
        CHECK((r == 0 && tf) || (r == -EINVAL && !tf && strncmp(err.msg, "fuzz:", 5) == 0));
        if (tf) {
            struct gt_kuser u;
            if (gt_ktokenfile_lookup(tf, "a", 1, &u))
                gt_kuser_release(&u);
            gt_ktokenfile_free(tf);
        }
    }
}
