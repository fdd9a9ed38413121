/* Unit tests of the registry client's parsing pieces: references,
 * platforms, WWW-Authenticate challenges, credentials, registry errors,
 * manifests and indexes, URLs and the insecure rule. */
#include <errno.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "image/registry.h"
#include "image/registry_int.h"
#include "tests/unit/unit.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIG "sha256:" HEX64

static void check_ref(const char *in, const char *domain, const char *path, const char *tag,
                      const char *digest, const char *familiar)
{
    struct gt_registry_ref r;
    struct gt_error err = { 0 };
    int rc = gt_registry_ref_parse(in, GT_REGISTRY_REF_DEFAULT_TAG, &r, &err);
    if (rc < 0) {
        unit_fail(__FILE__, __LINE__, "parse \"%s\": %s", in, err.msg);
        return;
    }
    CHECK_STR_EQ(r.domain, domain);
    CHECK_STR_EQ(r.path, path);
    if (tag)
        CHECK_STR_EQ(r.tag, tag);
    else
        CHECK(r.tag == NULL);
    if (digest)
        CHECK_STR_EQ(r.digest, digest);
    else
        CHECK(r.digest == NULL);
    cleanup_free char *f = gt_registry_ref_familiar(&r);
    CHECK_STR_EQ(f, familiar);
    gt_registry_ref_release(&r);
}

TEST(references_normalise_like_docker)
{
    check_ref("busybox", "docker.io", "library/busybox", "latest", NULL, "busybox:latest");
    check_ref("busybox:1.36", "docker.io", "library/busybox", "1.36", NULL, "busybox:1.36");
    check_ref("library/busybox", "docker.io", "library/busybox", "latest", NULL, "busybox:latest");
    check_ref("docker.io/foo/bar:x", "docker.io", "foo/bar", "x", NULL, "foo/bar:x");
    check_ref("index.docker.io/library/alpine", "docker.io", "library/alpine", "latest", NULL,
              "alpine:latest");
    check_ref("localhost:5000/foo:bar", "localhost:5000", "foo", "bar", NULL,
              "localhost:5000/foo:bar");
    check_ref("localhost/foo", "localhost", "foo", "latest", NULL, "localhost/foo:latest");
    check_ref("127.0.0.1:5000/a/b/c@" DIG, "127.0.0.1:5000", "a/b/c", NULL, DIG,
              "127.0.0.1:5000/a/b/c@" DIG);
    check_ref("reg.example.com/x:t@" DIG, "reg.example.com", "x", "t", DIG,
              "reg.example.com/x:t@" DIG);
    check_ref("[::1]:5000/foo", "[::1]:5000", "foo", "latest", NULL, "[::1]:5000/foo:latest");
    check_ref("Registry/foo", "Registry", "foo", "latest", NULL, "Registry/foo:latest");
    check_ref("a__b/c-d--e.f_g", "docker.io", "a__b/c-d--e.f_g", "latest", NULL,
              "a__b/c-d--e.f_g:latest");

    struct gt_registry_ref r;
    CHECK_INT_EQ(gt_registry_ref_parse("busybox", 0, &r, NULL), 0);
    CHECK(r.tag == NULL);
    cleanup_free char *full = gt_registry_ref_string(&r);
    CHECK_STR_EQ(full, "docker.io/library/busybox");
    gt_registry_ref_release(&r);
}

TEST(references_refuse_bad_input_with_a_reason)
{
    static const struct {
        const char *in, *msg;
    } bad[] = {
        { "", "empty reference" },
        { "Busybox", "must be lowercase" },
        { "foo/Bar", "must be lowercase" },
        { "foo:bad tag", "invalid tag" },
        { "foo:-x", "invalid tag" },
        { "foo@sha256:abc", "invalid digest" },
        { "foo@md5:" HEX64, "unsupported digest algorithm" },
        { HEX64, "reads as an image ID" },
        { "foo//bar", "invalid reference format" },
        { "-foo", "invalid reference format" },
        { "foo_", "invalid reference format" },
        { "exa_mple.com/foo", "invalid registry" },
        { ":tag", "has no name" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct gt_registry_ref r;
        struct gt_error err = { 0 };
        int rc = gt_registry_ref_parse(bad[i].in, GT_REGISTRY_REF_DEFAULT_TAG, &r, &err);
        if (rc >= 0) {
            unit_fail(__FILE__, __LINE__, "\"%s\" parsed", bad[i].in);
            gt_registry_ref_release(&r);
            continue;
        }
        CHECK_INT_EQ(rc, -EINVAL);
        CHECK_STR_CONTAINS(err.msg, bad[i].msg);
        CHECK(r.domain == NULL && r.path == NULL && r.tag == NULL && r.digest == NULL);
    }
    /* 255 characters at most for the name */
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    struct gt_registry_ref r;
    struct gt_error err = { 0 };
    CHECK(gt_registry_ref_parse(longname, 0, &r, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "255");
}

TEST(platforms_parse_and_match)
{
    struct gt_registry_platform p, h;
    struct gt_error err = { 0 };
    char buf[96];
    REQUIRE(gt_registry_platform_parse("linux/arm64/v8", &p, &err) == 0);
    CHECK_STR_EQ(gt_registry_platform_format(&p, buf, sizeof buf), "linux/arm64/v8");
    REQUIRE(gt_registry_platform_parse("linux/x86_64", &p, &err) == 0);
    CHECK_STR_EQ(gt_registry_platform_format(&p, buf, sizeof buf), "linux/amd64");
    REQUIRE(gt_registry_platform_parse("arm64", &p, &err) == 0);
    CHECK_STR_EQ(gt_registry_platform_format(&p, buf, sizeof buf), "linux/arm64");
    CHECK(gt_registry_platform_parse("linux/", &p, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "os/arch");
    CHECK(gt_registry_platform_parse("a/b/c/d", &p, &err) < 0);

    struct gt_registry_platform want = { "linux", "arm64", "" };
    struct gt_registry_platform v8 = { "linux", "arm64", "v8" };
    struct gt_registry_platform arm7 = { "linux", "arm", "v7" };
    struct gt_registry_platform arm6 = { "linux", "arm", "v6" };
    struct gt_registry_platform want7 = { "linux", "arm", "v7" };
    CHECK(gt_registry_platform_match(&want, &v8));
    CHECK(gt_registry_platform_match(&v8, &want));
    CHECK(!gt_registry_platform_match(&want, &arm7));
    CHECK(gt_registry_platform_match(&want7, &arm7));
    CHECK(!gt_registry_platform_match(&want7, &arm6));
    gt_registry_platform_host(&h);
    CHECK_STR_EQ(h.os, "linux");
    CHECK(h.arch[0] != '\0');
}

TEST(challenges_parse_bearer_and_basic)
{
    struct reg_challenge ch;
    struct gt_error err = { 0 };
    REQUIRE(reg_challenge_parse("Bearer realm=\"https://auth.docker.io/token\",service="
                                "\"registry.docker.io\",scope=\"repository:library/busybox:pull\"",
                                &ch, &err) == 0);
    CHECK_INT_EQ(ch.kind, REG_AUTH_BEARER);
    CHECK_STR_EQ(ch.realm, "https://auth.docker.io/token");
    CHECK_STR_EQ(ch.service, "registry.docker.io");
    CHECK_STR_EQ(ch.scope, "repository:library/busybox:pull");
    reg_challenge_release(&ch);

    /* case-insensitive names, spaces, an escaped quote, two scopes, error= */
    REQUIRE(reg_challenge_parse("bearer  REALM = \"http://127.0.0.1:9/t?a=\\\"b\\\"\" , "
                                "Service=svc,scope=\"repository:a:pull repository:b:pull,push\","
                                "error=\"insufficient_scope\"",
                                &ch, &err) == 0);
    CHECK_INT_EQ(ch.kind, REG_AUTH_BEARER);
    CHECK_STR_EQ(ch.realm, "http://127.0.0.1:9/t?a=\"b\"");
    CHECK_STR_EQ(ch.service, "svc");
    CHECK_STR_EQ(ch.scope, "repository:a:pull repository:b:pull,push");
    CHECK_STR_EQ(ch.error, "insufficient_scope");
    reg_challenge_release(&ch);

    REQUIRE(reg_challenge_parse("Basic realm=\"Registry Realm\"", &ch, &err) == 0);
    CHECK_INT_EQ(ch.kind, REG_AUTH_BASIC);
    CHECK_STR_EQ(ch.realm, "Registry Realm");
    reg_challenge_release(&ch);

    REQUIRE(reg_challenge_parse("Negotiate abc", &ch, &err) == 0);
    CHECK_INT_EQ(ch.kind, REG_AUTH_NONE);

    CHECK(reg_challenge_parse("Bearer service=\"x\"", &ch, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "without a realm");
    CHECK(reg_challenge_parse("Bearer realm=\"unterminated", &ch, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "unterminated");
    CHECK(reg_challenge_parse("Bearer realm", &ch, &err) < 0);
}

TEST(basic_credentials_round_trip)
{
    cleanup_free char *b = reg_basic_encode("alice", "pa:ss");
    CHECK_STR_EQ(b, "YWxpY2U6cGE6c3M=");
    char *u, *p;
    struct gt_error err = { 0 };
    REQUIRE(reg_basic_decode(b, &u, &p, &err) == 0);
    CHECK_STR_EQ(u, "alice");
    CHECK_STR_EQ(p, "pa:ss");
    free(u);
    free(p);
    CHECK(reg_basic_decode("!!!", &u, &p, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "base64");
    CHECK(reg_basic_decode("YWJj", &u, &p, &err) < 0); /* "abc" */
    CHECK_STR_CONTAINS(err.msg, "user:password");
}

TEST(auth_file_entries_match_by_host)
{
    const char *doc = "{\"https://index.docker.io/v1/\":{\"auth\":\"aHViOmh1YnB3\"},"
                      "\"http://localhost:5000/v2/\":{\"auth\":\"bG9jYWw6cHc=\"},"
                      "\"reg.example\":{\"username\":\"u\",\"password\":\"p\"},"
                      "\"broken:1\":{\"auth\":\"%%%\"}}";
    cleanup_json json_t *auths = json_loads(doc, 0, NULL);
    REQUIRE(auths);
    char *u = NULL, *p = NULL;
    struct gt_error err = { 0 };
    CHECK_INT_EQ(reg_auths_lookup(auths, "docker.io", &u, &p, &err), 1);
    CHECK_STR_EQ(u, "hub");
    CHECK_STR_EQ(p, "hubpw");
    free(u);
    free(p);
    CHECK_INT_EQ(reg_auths_lookup(auths, "localhost:5000", &u, &p, &err), 1);
    CHECK_STR_EQ(u, "local");
    free(u);
    free(p);
    CHECK_INT_EQ(reg_auths_lookup(auths, "reg.example", &u, &p, &err), 1);
    CHECK_STR_EQ(p, "p");
    free(u);
    free(p);
    CHECK_INT_EQ(reg_auths_lookup(auths, "localhost:5001", &u, &p, &err), 0);
    CHECK(u == NULL && p == NULL);
    CHECK(reg_auths_lookup(auths, "broken:1", &u, &p, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "broken:1");
}

TEST(client_credentials_prefer_explicit_over_file)
{
    cleanup_free char *dir = gt_xstrdup(unit_tmpdir());
    cleanup_free char *cfg = gt_path_join(dir, "config.json");
    const char *doc = "{\"auths\":{\"localhost:5000\":{\"auth\":\"ZmlsZTpmcHc=\"}}}";
    struct gt_error err = { 0 };
    REQUIRE(gt_write_file(cfg, doc, strlen(doc), 0600, &err) == 0);
    struct gt_registry_options o = { .auth_file = cfg, .certs_dir = "" };
    struct gt_registry_client *c = NULL;
    REQUIRE(gt_registry_client_new(&o, &c, &err) == 0);
    char *u, *p;
    reg_client_creds(c, "localhost:5000", &u, &p);
    CHECK_STR_EQ(u, "file");
    CHECK_STR_EQ(p, "fpw");
    free(u);
    free(p);
    REQUIRE(gt_registry_client_set_credentials(c, "localhost:5000", "me", "mine", &err) == 0);
    reg_client_creds(c, "localhost:5000", &u, &p);
    CHECK_STR_EQ(u, "me");
    free(u);
    free(p);
    REQUIRE(gt_registry_client_set_credentials(c, "localhost:5000", NULL, NULL, &err) == 0);
    reg_client_creds(c, "localhost:5000", &u, &p);
    CHECK_STR_EQ(u, "file");
    free(u);
    free(p);
    gt_registry_client_free(c);

    /* A broken explicit auth file is an error naming it. */
    REQUIRE(gt_write_file(cfg, "{", 1, 0600, &err) == 0);
    CHECK(gt_registry_client_new(&o, &c, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "config.json");
}

TEST(registry_errors_read_like_docker)
{
    const char *body = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
                       "unknown\",\"detail\":{\"Tag\":\"bar\"}}]}";
    struct reg_resp resp = { .status = 404, .body = (char *)body, .body_len = strlen(body) };
    struct gt_error err = { 0 };
    CHECK_INT_EQ(reg_http_error(&resp, &err, NULL), -ENOENT);
    CHECK_STR_EQ(err.msg, "manifest unknown (HTTP 404)");

    const char *two = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication "
                      "required\"},{\"code\":\"DENIED\",\"message\":\"nope\"}]}";
    resp = (struct reg_resp){ .status = 401, .body = (char *)two, .body_len = strlen(two) };
    CHECK_INT_EQ(reg_http_error(&resp, &err, "fetch %s", "x"), -EACCES);
    CHECK_STR_EQ(err.msg, "fetch x: unauthorized: authentication required; denied: nope (HTTP 401)");

    const char *text = "Service Unavailable\nmore";
    resp = (struct reg_resp){ .status = 503, .body = (char *)text, .body_len = strlen(text) };
    CHECK_INT_EQ(reg_http_error(&resp, &err, NULL), -EAGAIN);
    CHECK_STR_EQ(err.msg, "Service Unavailable (HTTP 503)");
    CHECK(reg_retryable(-EAGAIN));

    resp = (struct reg_resp){ .status = 403 };
    CHECK_INT_EQ(reg_http_error(&resp, &err, NULL), -EACCES);
    CHECK_STR_EQ(err.msg, "denied (HTTP 403)");

    const char *tok = "{\"details\":\"incorrect username or password\"}";
    cleanup_free char *m = reg_errors_message(tok, strlen(tok), 401);
    CHECK_STR_EQ(m, "incorrect username or password");
}

static const char *manifest_doc =
    "{\"schemaVersion\":2,\"mediaType\":\"" GT_MT_DOCKER_MANIFEST "\","
    "\"config\":{\"mediaType\":\"" GT_MT_DOCKER_CONFIG "\",\"digest\":\"" DIG "\",\"size\":12},"
    "\"layers\":[{\"mediaType\":\"" GT_MT_DOCKER_LAYER "\",\"digest\":\"" DIG "\",\"size\":34},"
    "{\"mediaType\":\"" GT_MT_OCI_LAYER_GZIP "\",\"digest\":\"" DIG "\",\"size\":56,"
    "\"urls\":[\"https://x/y\"]}]}";

TEST(manifests_parse_with_sizes_and_types)
{
    struct gt_registry_image_manifest m;
    struct gt_error err = { 0 };
    REQUIRE(gt_registry_manifest_parse(manifest_doc, strlen(manifest_doc), "application/json", &m,
                                       &err) == 0);
    CHECK_STR_EQ(m.media_type, GT_MT_DOCKER_MANIFEST);
    CHECK_INT_EQ(m.config.size, 12);
    CHECK_INT_EQ(m.n_layers, 2);
    CHECK_INT_EQ(m.layers[1].size, 56);
    CHECK_STR_EQ(m.layers[1].urls[0], "https://x/y");
    CHECK_STR_EQ(m.layers[0].media_type, GT_MT_DOCKER_LAYER);
    gt_registry_manifest_release(&m);

    CHECK_STR_EQ(gt_registry_detect_media_type(manifest_doc, strlen(manifest_doc)),
                 GT_MT_DOCKER_MANIFEST);
    const char *bare = "{\"schemaVersion\":2,\"manifests\":[]}";
    CHECK_STR_EQ(gt_registry_detect_media_type(bare, strlen(bare)), GT_MT_OCI_INDEX);
    const char *s1 = "{\"schemaVersion\":1,\"name\":\"x\"}";
    CHECK_STR_EQ(gt_registry_detect_media_type(s1, strlen(s1)), GT_MT_DOCKER_SCHEMA1);

    static const struct {
        const char *doc, *msg;
    } bad[] = {
        { "{\"schemaVersion\":2,\"layers\":[]}", "config is missing" },
        { "{\"schemaVersion\":3,\"config\":{},\"layers\":[]}", "unsupported schemaVersion 3" },
        { "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:12\",\"size\":1},\"layers\":[]}",
          "manifest.config.digest" },
        { "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DIG "\",\"size\":-1},\"layers\":[]}",
          "manifest.config.size" },
        { "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DIG "\",\"size\":1},\"layers\":[{}]}",
          "manifest.layers[0].digest" },
        { "[1]", "expected a JSON object" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = gt_registry_manifest_parse(bad[i].doc, strlen(bad[i].doc), GT_MT_OCI_MANIFEST, &m,
                                            &err);
        CHECK(rc < 0);
        CHECK_STR_CONTAINS(err.msg, bad[i].msg);
    }
    CHECK(gt_registry_manifest_parse(manifest_doc, strlen(manifest_doc), GT_MT_OCI_INDEX, &m,
                                     &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "not an image manifest");
}

TEST(index_selection_picks_the_platform_and_skips_attestations)
{
    const char *doc =
        "{\"schemaVersion\":2,\"mediaType\":\"" GT_MT_OCI_INDEX "\",\"manifests\":["
        "{\"mediaType\":\"" GT_MT_OCI_MANIFEST "\",\"digest\":\"sha256:"
        "1111111111111111111111111111111111111111111111111111111111111111\",\"size\":1,"
        "\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}},"
        "{\"mediaType\":\"" GT_MT_OCI_MANIFEST "\",\"digest\":\"sha256:"
        "2222222222222222222222222222222222222222222222222222222222222222\",\"size\":2,"
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
        "{\"mediaType\":\"" GT_MT_OCI_MANIFEST "\",\"digest\":\"sha256:"
        "3333333333333333333333333333333333333333333333333333333333333333\",\"size\":3,"
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
    struct gt_registry_index ix;
    struct gt_error err = { 0 };
    REQUIRE(gt_registry_index_parse(doc, strlen(doc), NULL, &ix, &err) == 0);
    CHECK_INT_EQ(ix.n_manifests, 3);
    const struct gt_registry_desc *d = NULL;
    struct gt_registry_platform amd = { "linux", "amd64", "" };
    struct gt_registry_platform arm = { "linux", "arm64", "" };
    struct gt_registry_platform s390 = { "linux", "s390x", "" };
    REQUIRE(gt_registry_select_platform(&ix, &amd, &d, &err) == 0);
    CHECK_INT_EQ(d->size, 3);
    REQUIRE(gt_registry_select_platform(&ix, &arm, &d, &err) == 0);
    CHECK_INT_EQ(d->size, 2);
    CHECK_INT_EQ(gt_registry_select_platform(&ix, &s390, &d, &err), -ENOENT);
    CHECK_STR_EQ(err.msg, "no image for platform linux/s390x in the index (it has: "
                          "linux/arm64/v8, linux/amd64)");
    gt_registry_index_release(&ix);
}

TEST(urls_resolve_and_compare_origins)
{
    cleanup_free char *a = reg_url_resolve("http://127.0.0.1:5000/v2/x/blobs/uploads/",
                                           "/v2/x/blobs/uploads/abc?_state=1");
    CHECK_STR_EQ(a, "http://127.0.0.1:5000/v2/x/blobs/uploads/abc?_state=1");
    cleanup_free char *b = reg_url_resolve("http://127.0.0.1:5000/v2/x", "https://s3/o?sig=1");
    CHECK_STR_EQ(b, "https://s3/o?sig=1");
    CHECK(reg_url_same_origin("https://reg/v2/a", "https://REG:443/v2/b"));
    CHECK(!reg_url_same_origin("http://reg:5000/a", "http://reg:5001/a"));
    CHECK(!reg_url_same_origin("http://reg/a", "https://reg/a"));
    CHECK(!reg_url_same_origin("http://127.0.0.1:5000/a", "http://localhost:5000/a"));
}

TEST(insecure_rule_defaults_to_loopback_literals)
{
    const char *const insecure[] = { "reg.test:5000", "plain.test", "10.1.0.0/16", NULL };
    const char *const mirrors[] = { "http://127.0.0.1:5001/", NULL };
    struct gt_registry_options o = {
        .insecure = insecure, .mirrors = mirrors, .auth_file = "", .certs_dir = ""
    };
    struct gt_registry_client *c = NULL;
    struct gt_error err = { 0 };
    REQUIRE(gt_registry_client_new(&o, &c, &err) == 0);
    CHECK(gt_registry_client_is_insecure(c, "localhost:5000"));
    CHECK(gt_registry_client_is_insecure(c, "127.0.0.1:5000"));
    CHECK(gt_registry_client_is_insecure(c, "127.9.9.9"));
    CHECK(gt_registry_client_is_insecure(c, "[::1]:5000"));
    CHECK(gt_registry_client_is_insecure(c, "reg.test:5000"));
    CHECK(!gt_registry_client_is_insecure(c, "reg.test:5001"));
    CHECK(gt_registry_client_is_insecure(c, "plain.test:443"));
    CHECK(gt_registry_client_is_insecure(c, "10.1.2.3:5000"));
    CHECK(!gt_registry_client_is_insecure(c, "10.2.0.1:5000"));
    CHECK(!gt_registry_client_is_insecure(c, "registry-1.docker.io"));

    struct gt_registry_ref r;
    REQUIRE(gt_registry_ref_parse("busybox", GT_REGISTRY_REF_DEFAULT_TAG, &r, &err) == 0);
    struct reg_endpoint *e = NULL;
    size_t n = reg_endpoints(c, &r, true, &e);
    REQUIRE(n == 2);
    CHECK_STR_EQ(e[0].host, "127.0.0.1:5001");
    CHECK_INT_EQ(e[0].scheme, REG_SCHEME_HTTP);
    CHECK(e[0].mirror);
    CHECK_STR_EQ(e[1].host, "registry-1.docker.io");
    CHECK_INT_EQ(e[1].scheme, REG_SCHEME_HTTPS);
    reg_endpoints_free(e, n);
    n = reg_endpoints(c, &r, false, &e);
    CHECK_INT_EQ(n, 1);
    reg_endpoints_free(e, n);
    gt_registry_ref_release(&r);
    gt_registry_client_free(c);

    const char *const bad_mirrors[] = { "ftp://x", NULL };
    o.mirrors = bad_mirrors;
    CHECK(gt_registry_client_new(&o, &c, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "invalid mirror \"ftp://x\"");
}

TEST(certs_dir_gives_per_host_tls_files)
{
    cleanup_free char *dir = gt_path_join(unit_tmpdir(), "certs.d");
    cleanup_free char *one = gt_path_join(dir, "reg.test:5000");
    cleanup_free char *two = gt_path_join(dir, "two.test");
    struct gt_error err = { 0 };
    REQUIRE(gt_mkdir_p(one, 0755, &err) == 0);
    REQUIRE(gt_mkdir_p(two, 0755, &err) == 0);
    cleanup_free char *ca = gt_path_join(one, "ca.crt");
    cleanup_free char *cert = gt_path_join(one, "client.cert");
    cleanup_free char *key = gt_path_join(one, "client.key");
    cleanup_free char *a = gt_path_join(two, "a.crt");
    cleanup_free char *b = gt_path_join(two, "b.crt");
    REQUIRE(gt_write_file(ca, "x", 1, 0644, &err) == 0);
    REQUIRE(gt_write_file(cert, "x", 1, 0644, &err) == 0);
    REQUIRE(gt_write_file(key, "x", 1, 0600, &err) == 0);
    REQUIRE(gt_write_file(a, "x", 1, 0644, &err) == 0);
    REQUIRE(gt_write_file(b, "x", 1, 0644, &err) == 0);
    struct gt_registry_options o = { .auth_file = "", .certs_dir = dir };
    struct gt_registry_client *c = NULL;
    REQUIRE(gt_registry_client_new(&o, &c, &err) == 0);
    struct reg_host *h = reg_client_host(c, "reg.test:5000");
    CHECK(h->tls.verify);
    CHECK_STR_EQ(h->tls.ca_file, ca);
    CHECK_STR_EQ(h->tls.cert, cert);
    CHECK_STR_EQ(h->tls.key, key);
    h = reg_client_host(c, "two.test");
    CHECK(h->tls.ca_file == NULL);
    CHECK_STR_EQ(h->tls.ca_path, two);
    h = reg_client_host(c, "127.0.0.1:5000");
    CHECK(!h->tls.verify);
    gt_registry_client_free(c);
}
