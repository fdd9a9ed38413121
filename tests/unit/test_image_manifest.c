#include <errno.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "image/manifest.h"
#include "tests/unit/unit.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define D4 "sha256:4444444444444444444444444444444444444444444444444444444444444444"
#define D5 "sha256:5555555555555555555555555555555555555555555555555555555555555555"

static void plat(struct gt_platform *p, const char *s)
{
    struct gt_error err;
    if (gt_platform_parse(s, p, &err) < 0)
        abort();
}

TEST(platform_normalisation)
{
    struct gt_platform p;
    plat(&p, "linux/x86_64");
    cleanup_free char *a = gt_platform_string(&p);
    CHECK_STR_EQ(a, "linux/amd64/v1");
    gt_platform_release(&p);
    plat(&p, "linux/aarch64");
    cleanup_free char *b = gt_platform_string(&p);
    CHECK_STR_EQ(b, "linux/arm64/v8");
    gt_platform_release(&p);
    plat(&p, "Linux/armhf");
    cleanup_free char *c = gt_platform_string(&p);
    CHECK_STR_EQ(c, "linux/arm/v7");
    gt_platform_release(&p);
    plat(&p, "linux/arm/6");
    cleanup_free char *d = gt_platform_string(&p);
    CHECK_STR_EQ(d, "linux/arm/v6");
    gt_platform_release(&p);
    gt_platform_default(&p);
    CHECK_STR_EQ(p.os, "linux");
#if defined(__x86_64__)
    CHECK_STR_EQ(p.arch, "amd64");
    CHECK(p.variant && p.variant[0] == 'v');
#endif
    gt_platform_release(&p);
    struct gt_error err;
    CHECK(gt_platform_parse("a/b/c/d", &p, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "os/arch");
}

TEST(platform_variants_run_on_newer_cpus)
{
    struct gt_platform want, have;
    plat(&want, "linux/arm/v7");
    plat(&have, "linux/arm/v6");
    CHECK(gt_platform_match(&want, &have) > 0);
    gt_platform_release(&have);
    plat(&have, "linux/arm/v8");
    CHECK_INT_EQ(gt_platform_match(&want, &have), 0);
    gt_platform_release(&have);
    plat(&have, "linux/arm64");
    CHECK_INT_EQ(gt_platform_match(&want, &have), 0);
    gt_platform_release(&have);
    plat(&have, "windows/arm/v7");
    CHECK_INT_EQ(gt_platform_match(&want, &have), 0);
    gt_platform_release(&have);
    gt_platform_release(&want);

    plat(&want, "linux/amd64/v3");
    plat(&have, "linux/amd64");
    int plain = gt_platform_match(&want, &have);
    gt_platform_release(&have);
    plat(&have, "linux/amd64/v2");
    int v2 = gt_platform_match(&want, &have);
    gt_platform_release(&have);
    plat(&have, "linux/amd64/v3");
    int v3 = gt_platform_match(&want, &have);
    gt_platform_release(&have);
    plat(&have, "linux/amd64/v4");
    CHECK_INT_EQ(gt_platform_match(&want, &have), 0);
    gt_platform_release(&have);
    CHECK(plain > 0 && v2 > plain && v3 > v2);
    gt_platform_release(&want);
}

static const char *index_doc =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\","
    "\"manifests\":["
    "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" D1 "\","
    "\"size\":10,\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}},"
    "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" D2 "\","
    "\"size\":10,\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}},"
    "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" D3 "\","
    "\"size\":10,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D4 "\","
    "\"size\":10,\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}},"
    "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" D5 "\","
    "\"size\":10,\"platform\":{\"architecture\":\"amd64\",\"os\":\"windows\"}}"
    "]}";

TEST(index_selects_the_platform)
{
    struct gt_error err;
    struct gt_index ix;
    REQUIRE(gt_index_parse(index_doc, strlen(index_doc), &ix, &err) == 0);
    CHECK_INT_EQ(ix.n_manifests, 5);
    CHECK_INT_EQ(gt_doc_kind(ix.media_type, NULL), GT_DOC_INDEX);
    struct gt_platform p;
    size_t pos = 99;
    plat(&p, "linux/amd64/v3");
    REQUIRE(gt_index_select(&ix, &p, &pos, &err) == 0);
    CHECK_STR_EQ(ix.manifests[pos].digest, D3);
    gt_platform_release(&p);
    plat(&p, "linux/arm/v7");
    REQUIRE(gt_index_select(&ix, &p, &pos, &err) == 0);
    CHECK_STR_EQ(ix.manifests[pos].digest, D2);
    gt_platform_release(&p);
    plat(&p, "linux/arm/v6");
    REQUIRE(gt_index_select(&ix, &p, &pos, &err) == 0);
    CHECK_STR_EQ(ix.manifests[pos].digest, D1);
    gt_platform_release(&p);
    plat(&p, "linux/arm/v5");
    CHECK_INT_EQ(gt_index_select(&ix, &p, &pos, &err), -ENOENT);
    CHECK_STR_CONTAINS(err.msg, "no manifest for platform linux/arm/v5");
    CHECK_STR_CONTAINS(err.msg, "linux/arm/v6");
    gt_platform_release(&p);
    gt_index_release(&ix);
}

TEST(manifest_parsing_checks_fields)
{
    struct gt_error err;
    struct gt_manifest m;
    const char *ok = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" GT_MT_OCI_CONFIG
                     "\",\"digest\":\"" D1 "\",\"size\":3},\"layers\":[{\"mediaType\":\"" GT_MT_OCI_LAYER_ZSTD
                     "\",\"digest\":\"" D2 "\",\"size\":7}]}";
    REQUIRE(gt_manifest_parse(ok, strlen(ok), &m, &err) == 0);
    CHECK_STR_EQ(m.media_type, GT_MT_OCI_MANIFEST);
    CHECK_INT_EQ(m.n_layers, 1);
    CHECK_INT_EQ(m.layers[0].size, 7);
    gt_manifest_release(&m);

    const char *bad_layer = "{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":3},"
                            "\"layers\":[{\"mediaType\":\"text/plain\",\"digest\":\"" D2 "\",\"size\":7}]}";
    CHECK(gt_manifest_parse(bad_layer, strlen(bad_layer), &m, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "manifest.layers[0]: unsupported layer media type");
    const char *bad_digest = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:zz\",\"size\":3},"
                             "\"layers\":[]}";
    CHECK(gt_manifest_parse(bad_digest, strlen(bad_digest), &m, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "manifest.config.digest");
    const char *v1 = "{\"schemaVersion\":1,\"fsLayers\":[]}";
    CHECK(gt_manifest_parse(v1, strlen(v1), &m, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "schemaVersion 1 is not supported");
    const char *neg = "{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":-3},\"layers\":[]}";
    CHECK(gt_manifest_parse(neg, strlen(neg), &m, &err) < 0);
}

TEST(config_and_chain_ids)
{
    struct gt_error err;
    struct gt_image_config c;
    const char *doc = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                      "\"diff_ids\":[\"" D1 "\",\"" D2 "\",\"" D3 "\"]}}";
    REQUIRE(gt_image_config_parse(doc, strlen(doc), &c, &err) == 0);
    CHECK_INT_EQ(c.n_diff_ids, 3);
    cleanup_strv char **chain = gt_chain_ids(c.diff_ids, c.n_diff_ids);
    CHECK_STR_EQ(chain[0], D1);
    const char *s1 = D1 " " D2;
    cleanup_free char *want1 = gt_digest_of(s1, strlen(s1));
    CHECK_STR_EQ(chain[1], want1);
    cleanup_free char *s2 = gt_xasprintf("%s %s", want1, D3);
    cleanup_free char *want2 = gt_digest_of(s2, strlen(s2));
    CHECK_STR_EQ(chain[2], want2);
    CHECK(chain[3] == NULL);
    gt_image_config_release(&c);
    const char *bad = "{\"rootfs\":{\"type\":\"tar\",\"diff_ids\":[]}}";
    CHECK(gt_image_config_parse(bad, strlen(bad), &c, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "config.rootfs.type");
}

TEST(document_kinds)
{
    CHECK_INT_EQ(gt_doc_kind(GT_MT_DOCKER_LIST, NULL), GT_DOC_INDEX);
    CHECK_INT_EQ(gt_doc_kind(GT_MT_DOCKER_MANIFEST, NULL), GT_DOC_MANIFEST);
    json_t *j = json_pack("{s:[]}", "manifests");
    CHECK_INT_EQ(gt_doc_kind(NULL, j), GT_DOC_INDEX);
    json_decref(j);
    j = json_pack("{s:{}, s:[]}", "config", "layers");
    CHECK_INT_EQ(gt_doc_kind("application/json", j), GT_DOC_MANIFEST);
    json_decref(j);
    CHECK(gt_media_type_is_layer(GT_MT_DOCKER_LAYER_GZIP));
    CHECK(!gt_media_type_is_layer(GT_MT_OCI_CONFIG));
}
