/* image/registry_manifest.c - manifests and indexes as registries serve
 * them (OCI and Docker schema 2), descriptors, and platform selection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "image/registry_int.h"

bool gt_registry_mt_is_index(const char *mt)
{
    return mt && (!strcmp(mt, GT_MT_OCI_INDEX) || !strcmp(mt, GT_MT_DOCKER_LIST));
}

bool gt_registry_mt_is_manifest(const char *mt)
{
    return mt && (!strcmp(mt, GT_MT_OCI_MANIFEST) || !strcmp(mt, GT_MT_DOCKER_MANIFEST));
}

static const char *const known_types[] = {
    GT_MT_OCI_INDEX, GT_MT_OCI_MANIFEST, GT_MT_DOCKER_LIST, GT_MT_DOCKER_MANIFEST,
    GT_MT_DOCKER_SCHEMA1, NULL,
};

const char *gt_registry_detect_media_type(const char *data, size_t len)
{
    cleanup_json json_t *j = json_loadb(data, len, 0, NULL);
    if (!json_is_object(j))
        return NULL;
    const char *declared = json_string_value(json_object_get(j, "mediaType"));
    if (declared) {
        for (const char *const *k = known_types; *k; k++)
            if (!strcmp(*k, declared))
                return *k;
        return NULL;
    }
    if (json_integer_value(json_object_get(j, "schemaVersion")) == 1)
        return GT_MT_DOCKER_SCHEMA1;
    if (json_is_array(json_object_get(j, "manifests")))
        return GT_MT_OCI_INDEX;
    if (json_is_array(json_object_get(j, "layers")) || json_is_object(json_object_get(j, "config")))
        return GT_MT_OCI_MANIFEST;
    return NULL;
}

void gt_registry_desc_release(struct gt_registry_desc *d)
{
    if (!d)
        return;
    free(d->media_type);
    free(d->digest);
    gt_strv_free(d->urls);
    memset(d, 0, sizeof *d);
}

void gt_registry_desc_copy(struct gt_registry_desc *dst, const struct gt_registry_desc *src)
{
    *dst = *src;
    dst->media_type = src->media_type ? gt_xstrdup(src->media_type) : NULL;
    dst->digest = src->digest ? gt_xstrdup(src->digest) : NULL;
    dst->urls = NULL;
    for (char **u = src->urls; u && *u; u++)
        gt_strv_push(&dst->urls, *u);
}

static int copy_field(char *dst, size_t cap, const json_t *obj, const char *key,
                      const char *path, int required, struct gt_error *err)
{
    const char *v = NULL;
    int r = gt_json_get_str(obj, key, path, required, &v, err);
    if (r < 0)
        return r;
    if (r == 0) {
        if (strlen(v) >= cap)
            return gt_err(err, EPROTO, "%s.%s: \"%s\" is too long", path, key, v);
        strcpy(dst, v);
    }
    return 0;
}

static int desc_parse(const json_t *j, const char *path, struct gt_registry_desc *d,
                      struct gt_error *err)
{
    memset(d, 0, sizeof *d);
    if (!json_is_object(j))
        return gt_err(err, EPROTO, "%s: expected an object, got %s", path, gt_json_type_name(j));
    const char *mt = NULL, *digest = NULL;
    int64_t size = 0;
    int r = gt_json_get_str(j, "mediaType", path, GT_JSON_OPTIONAL, &mt, err);
    if (r < 0)
        return r;
    r = gt_json_get_str(j, "digest", path, GT_JSON_REQUIRED, &digest, err);
    if (r < 0)
        return r;
    if (!reg_digest_valid(digest))
        return gt_err(err, EPROTO, "%s.digest: unsupported or invalid digest \"%s\"", path,
                      digest);
    r = gt_json_get_int_range(j, "size", path, GT_JSON_REQUIRED, 0, INT64_MAX, &size, err);
    if (r < 0)
        return r;
    d->media_type = gt_xstrdup(mt ? mt : "");
    d->digest = gt_xstrdup(digest);
    d->size = size;
    json_t *plat = NULL;
    cleanup_free char *ppath = gt_xasprintf("%s.platform", path);
    r = gt_json_get_obj(j, "platform", path, GT_JSON_OPTIONAL, &plat, err);
    if (r == 0) {
        if (copy_field(d->platform.os, sizeof d->platform.os, plat, "os", ppath,
                       GT_JSON_REQUIRED, err) < 0 ||
            copy_field(d->platform.arch, sizeof d->platform.arch, plat, "architecture", ppath,
                       GT_JSON_REQUIRED, err) < 0 ||
            copy_field(d->platform.variant, sizeof d->platform.variant, plat, "variant", ppath,
                       GT_JSON_OPTIONAL, err) < 0) {
            gt_registry_desc_release(d);
            return -EPROTO;
        }
        d->has_platform = true;
    } else if (r < 0) {
        gt_registry_desc_release(d);
        return r;
    }
    r = gt_json_get_strv(j, "urls", path, GT_JSON_OPTIONAL, &d->urls, err);
    if (r < 0) {
        gt_registry_desc_release(d);
        return r;
    }
    return 0;
}

static int desc_array(const json_t *arr, const char *name, struct gt_registry_desc **out,
                      size_t *n_out, struct gt_error *err)
{
    size_t n = json_array_size(arr);
    struct gt_registry_desc *v = n ? calloc(n, sizeof *v) : NULL;
    if (n && !v)
        return gt_err(err, ENOMEM, "%s: %zu entries", name, n);
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "%s[%zu]", name, i);
        int r = desc_parse(json_array_get(arr, i), path, &v[i], err);
        if (r < 0) {
            for (size_t k = 0; k < i; k++)
                gt_registry_desc_release(&v[k]);
            free(v);
            return r;
        }
    }
    *out = v;
    *n_out = n;
    return 0;
}

static int load_doc(const char *data, size_t len, const char *what, json_t **out,
                    struct gt_error *err)
{
    int r = gt_json_load_buf(data, len, what, out, err);
    if (r < 0)
        return -EPROTO;
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return gt_err(err, EPROTO, "%s: expected a JSON object", what);
    }
    int64_t v = 0;
    r = gt_json_get_int(*out, "schemaVersion", what, GT_JSON_REQUIRED, &v, err);
    if (r == 0 && v != 2)
        r = gt_err(err, EPROTO, "%s: unsupported schemaVersion %lld", what, (long long)v);
    if (r < 0) {
        json_decref(*out);
        *out = NULL;
        return -EPROTO;
    }
    return 0;
}

int gt_registry_manifest_parse(const char *data, size_t len, const char *media_type,
                               struct gt_registry_image_manifest *out, struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    cleanup_json json_t *j = NULL;
    int r = load_doc(data, len, "manifest", &j, err);
    if (r < 0)
        return r;
    const char *mt = media_type;
    if (reg_generic_media_type(mt))
        mt = gt_registry_detect_media_type(data, len);
    if (!gt_registry_mt_is_manifest(mt))
        return gt_err(err, EPROTO, "manifest: media type \"%s\" is not an image manifest",
                      mt ? mt : "(none)");
    json_t *cfg = json_object_get(j, "config");
    json_t *layers = json_object_get(j, "layers");
    if (!json_is_object(cfg))
        return gt_err(err, EPROTO, "manifest: config is missing");
    if (!json_is_array(layers))
        return gt_err(err, EPROTO, "manifest: layers is missing");
    r = desc_parse(cfg, "manifest.config", &out->config, err);
    if (r < 0)
        return r;
    r = desc_array(layers, "manifest.layers", &out->layers, &out->n_layers, err);
    if (r < 0) {
        gt_registry_desc_release(&out->config);
        return r;
    }
    out->media_type = gt_xstrdup(mt);
    return 0;
}

void gt_registry_manifest_release(struct gt_registry_image_manifest *m)
{
    if (!m)
        return;
    free(m->media_type);
    gt_registry_desc_release(&m->config);
    for (size_t i = 0; i < m->n_layers; i++)
        gt_registry_desc_release(&m->layers[i]);
    free(m->layers);
    memset(m, 0, sizeof *m);
}

int gt_registry_index_parse(const char *data, size_t len, const char *media_type,
                            struct gt_registry_index *out, struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    cleanup_json json_t *j = NULL;
    int r = load_doc(data, len, "index", &j, err);
    if (r < 0)
        return r;
    const char *mt = media_type;
    if (reg_generic_media_type(mt))
        mt = gt_registry_detect_media_type(data, len);
    if (!gt_registry_mt_is_index(mt))
        return gt_err(err, EPROTO, "index: media type \"%s\" is not an index", mt ? mt : "(none)");
    json_t *m = json_object_get(j, "manifests");
    if (!json_is_array(m))
        return gt_err(err, EPROTO, "index: manifests is missing");
    r = desc_array(m, "index.manifests", &out->manifests, &out->n_manifests, err);
    if (r < 0)
        return r;
    out->media_type = gt_xstrdup(mt);
    return 0;
}

void gt_registry_index_release(struct gt_registry_index *ix)
{
    if (!ix)
        return;
    free(ix->media_type);
    for (size_t i = 0; i < ix->n_manifests; i++)
        gt_registry_desc_release(&ix->manifests[i]);
    free(ix->manifests);
    memset(ix, 0, sizeof *ix);
}

int gt_registry_select_platform(const struct gt_registry_index *ix,
                                const struct gt_registry_platform *want,
                                const struct gt_registry_desc **out, struct gt_error *err)
{
    struct gt_registry_platform host;
    if (!want) {
        gt_registry_platform_host(&host);
        want = &host;
    }
    *out = NULL;
    for (size_t i = 0; i < ix->n_manifests; i++) {
        const struct gt_registry_desc *d = &ix->manifests[i];
        if (!d->has_platform || !strcmp(d->platform.os, "unknown"))
            continue;
        if (!gt_registry_mt_is_manifest(d->media_type) && *d->media_type)
            continue;
        if (gt_registry_platform_match(want, &d->platform)) {
            *out = d;
            return 0;
        }
    }
    /* Name what is on offer. */
    char offer[512] = "";
    size_t n = 0;
    for (size_t i = 0; i < ix->n_manifests && n < sizeof offer - 40; i++) {
        const struct gt_registry_desc *d = &ix->manifests[i];
        if (!d->has_platform || !strcmp(d->platform.os, "unknown"))
            continue;
        char p[96];
        n += (size_t)snprintf(offer + n, sizeof offer - n, "%s%s", n ? ", " : "",
                              gt_registry_platform_format(&d->platform, p, sizeof p));
    }
    char w[96];
    return gt_err(err, ENOENT, "no image for platform %s in the index (it has: %s)",
                  gt_registry_platform_format(want, w, sizeof w), n ? offer : "none");
}
