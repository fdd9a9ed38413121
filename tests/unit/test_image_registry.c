/* Unit tests of the registry client's parsing pieces: WWW-Authenticate
 * challenges, credentials, registry errors, manifest media types, URLs,
 * the insecure rule, mirrors and per-host TLS files.  (References and
 * manifests are image/ref.h's and image/manifest.h's, tested with them.) */
#include <errno.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "image/registry.h"
#include "image/registry_int.h"
#include "tests/unit/unit.h"

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

TEST(token_scopes_merge_per_resource)
{
    cleanup_strv char **v = NULL;
    reg_scope_add(&v, "repository:team/app:pull");
    reg_scope_add(&v, "repository:team/app:pull,push");
    reg_scope_add(&v, "repository:base:pull");
    reg_scope_add(&v, "repository:team/app:delete");
    reg_scope_add(&v, "registry:catalog:*");
    reg_scope_add(&v, "repository:base:pull");
    REQUIRE(gt_strv_len(v) == 3);
    CHECK_STR_EQ(v[0], "repository:team/app:pull,push,delete");
    CHECK_STR_EQ(v[1], "repository:base:pull");
    CHECK_STR_EQ(v[2], "registry:catalog:*");
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
    CHECK_STR_EQ(err.msg, "denied: requested access to the resource is denied (HTTP 403)");

    const char *tok = "{\"details\":\"incorrect username or password\"}";
    cleanup_free char *m = reg_errors_message(tok, strlen(tok), 401);
    CHECK_STR_EQ(m, "incorrect username or password");
}

TEST(manifest_media_types_from_header_document_or_shape)
{
    const char *docker = "{\"schemaVersion\":2,\"mediaType\":\"" GT_MT_DOCKER_MANIFEST "\","
                         "\"config\":{},\"layers\":[]}";
    const char *bare_ix = "{\"schemaVersion\":2,\"manifests\":[]}";
    const char *bare_m = "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}";
    const char *s1 = "{\"schemaVersion\":1,\"name\":\"x\"}";
    const char *odd = "{\"schemaVersion\":2,\"mediaType\":\"text/x-odd\"}";
    CHECK_STR_EQ(reg_doc_media_type(GT_MT_DOCKER_LIST, "", 0), GT_MT_DOCKER_LIST);
    CHECK_STR_EQ(reg_doc_media_type("application/json", docker, strlen(docker)),
                 GT_MT_DOCKER_MANIFEST);
    CHECK_STR_EQ(reg_doc_media_type(NULL, bare_ix, strlen(bare_ix)), GT_MT_OCI_INDEX);
    CHECK_STR_EQ(reg_doc_media_type("text/plain", bare_m, strlen(bare_m)), GT_MT_OCI_MANIFEST);
    CHECK_STR_EQ(reg_doc_media_type(GT_MT_DOCKER_SCHEMA1, "", 0), GT_MT_DOCKER_SCHEMA1);
    CHECK_STR_EQ(reg_doc_media_type(NULL, s1, strlen(s1)), GT_MT_DOCKER_SCHEMA1);
    CHECK(reg_doc_media_type(NULL, odd, strlen(odd)) == NULL);
    CHECK(reg_doc_media_type(NULL, "not json", 8) == NULL);
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

    struct gt_ref r;
    REQUIRE(gt_ref_parse("busybox", &r, &err) == 0);
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
    gt_ref_release(&r);
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
