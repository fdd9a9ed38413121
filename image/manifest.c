/* image/manifest.c - manifests, indexes, configs and platforms (see manifest.h). */
#include "image/manifest.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"

static const char *const layer_types[] = {
    GT_MT_OCI_LAYER,
    GT_MT_OCI_LAYER_GZIP,
    GT_MT_OCI_LAYER_ZSTD,
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    GT_MT_DOCKER_LAYER,
    GT_MT_DOCKER_LAYER_GZIP,
    GT_MT_DOCKER_LAYER_FOREIGN,
    "application/vnd.docker.image.rootfs.diff.tar.zstd",
    NULL,
};

bool gt_media_type_is_layer(const char *mt)
{
    for (const char *const *t = layer_types; *t; t++)
        if (!strcmp(mt, *t))
            return true;
    return false;
}

bool gt_media_type_is_docker(const char *mt)
{
    return mt && !strncmp(mt, "application/vnd.docker.", 23);
}

enum gt_doc_kind gt_doc_kind(const char *mt, const json_t *doc)
{
    if (mt && (!strcmp(mt, GT_MT_OCI_INDEX) || !strcmp(mt, GT_MT_DOCKER_LIST)))
        return GT_DOC_INDEX;
    if (mt && (!strcmp(mt, GT_MT_OCI_MANIFEST) || !strcmp(mt, GT_MT_DOCKER_MANIFEST)))
        return GT_DOC_MANIFEST;
    if (!doc)
        return GT_DOC_UNKNOWN;
    const char *inner = json_string_value(json_object_get(doc, "mediaType"));
    if (inner && inner != mt && (!mt || strcmp(inner, mt) != 0)) {
        enum gt_doc_kind k = gt_doc_kind(inner, NULL);
        if (k != GT_DOC_UNKNOWN)
            return k;
    }
    if (json_is_array(json_object_get(doc, "manifests")))
        return GT_DOC_INDEX;
    if (json_is_object(json_object_get(doc, "config")) &&
        json_is_array(json_object_get(doc, "layers")))
        return GT_DOC_MANIFEST;
    return GT_DOC_UNKNOWN;
}

/* ---- platforms ---- */

void gt_platform_release(struct gt_platform *p)
{
    free(p->os);
    free(p->arch);
    free(p->variant);
    memset(p, 0, sizeof *p);
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = v ? gt_xstrdup(v) : NULL;
}

static void lower(char *s)
{
    for (; s && *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

void gt_platform_normalize(struct gt_platform *p)
{
    lower(p->os);
    lower(p->arch);
    lower(p->variant);
    if (p->variant && !*p->variant)
        set_str(&p->variant, NULL);
    if (p->os && !strcmp(p->os, "macos"))
        set_str(&p->os, "darwin");
    if (!p->arch)
        return;
    if (!strcmp(p->arch, "x86_64") || !strcmp(p->arch, "x86-64")) {
        set_str(&p->arch, "amd64");
    } else if (!strcmp(p->arch, "i386") || !strcmp(p->arch, "i686")) {
        set_str(&p->arch, "386");
    } else if (!strcmp(p->arch, "aarch64")) {
        set_str(&p->arch, "arm64");
    } else if (!strcmp(p->arch, "armhf")) {
        set_str(&p->arch, "arm");
        set_str(&p->variant, "v7");
    } else if (!strcmp(p->arch, "armel")) {
        set_str(&p->arch, "arm");
        set_str(&p->variant, "v6");
    }
    /* "8" -> "v8" */
    if (p->variant && isdigit((unsigned char)p->variant[0])) {
        char *v = gt_xasprintf("v%s", p->variant);
        free(p->variant);
        p->variant = v;
    }
    if (!strcmp(p->arch, "arm64") && (!p->variant || !strcmp(p->variant, "v8.0")))
        set_str(&p->variant, "v8");
    else if (!strcmp(p->arch, "arm") && !p->variant)
        set_str(&p->variant, "v7");
    else if (!strcmp(p->arch, "amd64") && !p->variant)
        set_str(&p->variant, "v1");
}

static const char *host_arch(void)
{
#if defined(__x86_64__)
    return "amd64";
#elif defined(__aarch64__)
    return "arm64";
#elif defined(__arm__)
    return "arm";
#elif defined(__i386__)
    return "386";
#elif defined(__s390x__)
    return "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return "ppc64le";
#elif defined(__riscv) && __riscv_xlen == 64
    return "riscv64";
#else
    static struct utsname u;
    uname(&u);
    return u.machine;
#endif
}

static const char *host_variant(void)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4"))
        return "v4";
    if (__builtin_cpu_supports("x86-64-v3"))
        return "v3";
    if (__builtin_cpu_supports("x86-64-v2"))
        return "v2";
    return "v1";
#else
    return NULL;
#endif
}

void gt_platform_default(struct gt_platform *p)
{
    memset(p, 0, sizeof *p);
    p->os = gt_xstrdup("linux");
    p->arch = gt_xstrdup(host_arch());
    const char *v = host_variant();
    p->variant = v ? gt_xstrdup(v) : NULL;
    gt_platform_normalize(p);
}

int gt_platform_parse(const char *s, struct gt_platform *p, struct gt_error *err)
{
    memset(p, 0, sizeof *p);
    cleanup_free char *buf = gt_xstrdup(s);
    char *parts[4] = { 0 };
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, "/", &save); tok;
         tok = strtok_r(NULL, "/", &save)) {
        if (n == 3)
            return gt_err(err, EINVAL, "invalid platform \"%s\": expected os/arch[/variant]", s);
        parts[n++] = tok;
    }
    if (n == 0)
        return gt_err(err, EINVAL, "invalid platform \"%s\": expected os/arch[/variant]", s);
    p->os = gt_xstrdup(parts[0]);
    if (n == 1) {
        p->arch = gt_xstrdup(host_arch());
        const char *v = host_variant();
        p->variant = v ? gt_xstrdup(v) : NULL;
    } else {
        p->arch = gt_xstrdup(parts[1]);
        p->variant = parts[2] ? gt_xstrdup(parts[2]) : NULL;
    }
    gt_platform_normalize(p);
    return 0;
}

char *gt_platform_string(const struct gt_platform *p)
{
    return gt_xasprintf("%s/%s%s%s", p->os ? p->os : "?", p->arch ? p->arch : "?",
                        p->variant ? "/" : "", p->variant ? p->variant : "");
}

/* "v7" -> 7, "v8.2" -> 8.2 (as 82), "v3" -> 3; -1 if not of that form */
static int variant_level(const char *v)
{
    if (!v || v[0] != 'v' || !isdigit((unsigned char)v[1]))
        return -1;
    char *end;
    long major = strtol(v + 1, &end, 10);
    long minor = 0;
    if (*end == '.') {
        minor = strtol(end + 1, &end, 10);
        if (minor > 9)
            minor = 9;
    }
    if (*end)
        return -1;
    return (int)(major * 10 + minor);
}

int gt_platform_match(const struct gt_platform *want, const struct gt_platform *have)
{
    if (!want->os || !have->os || !want->arch || !have->arch)
        return 0;
    if (strcmp(want->os, have->os) != 0 || strcmp(want->arch, have->arch) != 0)
        return 0;
    const char *wv = want->variant, *hv = have->variant;
    if (!wv && !hv)
        return 1000;
    if (wv && hv && !strcmp(wv, hv))
        return 1000;
    if (!wv || !hv)
        return 500; /* an architecture without variants on one side */
    /* Older variants run on newer CPUs, for the architectures that order
     * them (arm v5 < v6 < v7 < v8, amd64 v1 < v2 < v3 < v4, arm64 v8.x). */
    int w = variant_level(wv), h = variant_level(hv);
    if (w < 0 || h < 0 || h > w)
        return 0;
    return 900 - (w - h);
}

int gt_index_select(const struct gt_index *ix, const struct gt_platform *want, size_t *pos,
                    struct gt_error *err)
{
    int best = 0;
    size_t best_i = 0;
    for (size_t i = 0; i < ix->n_manifests; i++) {
        const struct gt_descriptor *d = &ix->manifests[i];
        if (gt_doc_kind(d->media_type, NULL) == GT_DOC_INDEX)
            continue;
        int score;
        if (!d->platform.os && !d->platform.arch)
            score = ix->n_manifests == 1 ? 1 : 0; /* a lone unlabelled manifest */
        else
            score = gt_platform_match(want, &d->platform);
        if (score > best) {
            best = score;
            best_i = i;
        }
    }
    if (best > 0) {
        *pos = best_i;
        return 0;
    }
    /* Name what was on offer. */
    char offer[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < ix->n_manifests && used < sizeof offer - 1; i++) {
        cleanup_free char *s = gt_platform_string(&ix->manifests[i].platform);
        int w = snprintf(offer + used, sizeof offer - used, "%s%s", used ? ", " : "", s);
        if (w > 0)
            used += (size_t)w;
    }
    if (used >= sizeof offer)
        used = sizeof offer - 1;
    cleanup_free char *ws = gt_platform_string(want);
    return gt_err(err, ENOENT, "no manifest for platform %s in the index (it has: %s)", ws,
                  used ? offer : "nothing");
}

/* ---- descriptors ---- */

void gt_descriptor_release(struct gt_descriptor *d)
{
    free(d->media_type);
    free(d->digest);
    gt_platform_release(&d->platform);
    if (d->annotations)
        json_decref(d->annotations);
    memset(d, 0, sizeof *d);
}

int gt_descriptor_parse(const json_t *j, const char *path, struct gt_descriptor *d,
                        struct gt_error *err)
{
    memset(d, 0, sizeof *d);
    if (!json_is_object(j))
        return gt_err(err, EINVAL, "%s: expected an object, got %s", path, gt_json_type_name(j));
    const char *mt = NULL, *digest = NULL;
    int64_t size = 0;
    int r;
    if ((r = gt_json_get_str(j, "mediaType", path, GT_JSON_OPTIONAL, &mt, err)) < 0 ||
        (r = gt_json_get_str(j, "digest", path, GT_JSON_REQUIRED, &digest, err)) < 0 ||
        (r = gt_json_get_int_range(j, "size", path, GT_JSON_REQUIRED, 0, INT64_MAX, &size,
                                   err)) < 0)
        return r;
    if ((r = gt_digest_validate(digest, err)) < 0)
        return gt_err_prefix(err, "%s.digest", path);
    d->media_type = gt_xstrdup(mt ? mt : "");
    d->digest = gt_xstrdup(digest);
    d->size = size;
    json_t *plat = json_object_get(j, "platform");
    if (json_is_object(plat)) {
        const char *os = json_string_value(json_object_get(plat, "os"));
        const char *arch = json_string_value(json_object_get(plat, "architecture"));
        const char *variant = json_string_value(json_object_get(plat, "variant"));
        d->platform.os = os ? gt_xstrdup(os) : NULL;
        d->platform.arch = arch ? gt_xstrdup(arch) : NULL;
        d->platform.variant = variant ? gt_xstrdup(variant) : NULL;
        gt_platform_normalize(&d->platform);
    }
    json_t *ann = json_object_get(j, "annotations");
    if (json_is_object(ann))
        d->annotations = json_incref(ann);
    return 0;
}

json_t *gt_descriptor_json(const struct gt_descriptor *d)
{
    json_t *j = json_pack("{s:s, s:s, s:I}", "mediaType", d->media_type, "digest", d->digest,
                          "size", (json_int_t)d->size);
    if (d->platform.os && d->platform.arch) {
        json_t *p = json_pack("{s:s, s:s}", "architecture", d->platform.arch, "os", d->platform.os);
        /* The default variants are implied; write only the others. */
        const char *v = d->platform.variant;
        bool implied = v && ((!strcmp(d->platform.arch, "amd64") && !strcmp(v, "v1")));
        if (v && !implied)
            json_object_set_new(p, "variant", json_string(v));
        json_object_set_new(j, "platform", p);
    }
    if (d->annotations && json_object_size(d->annotations))
        json_object_set(j, "annotations", d->annotations);
    return j;
}

/* ---- documents ---- */

static int load_doc(const char *data, size_t len, const char *what, json_t **out,
                    struct gt_error *err)
{
    int r = gt_json_load_buf(data, len, what, out, err);
    if (r < 0)
        return r;
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return gt_err(err, EINVAL, "%s: expected a JSON object", what);
    }
    return 0;
}

void gt_manifest_release(struct gt_manifest *m)
{
    free(m->media_type);
    gt_descriptor_release(&m->config);
    for (size_t i = 0; i < m->n_layers; i++)
        gt_descriptor_release(&m->layers[i]);
    free(m->layers);
    if (m->json)
        json_decref(m->json);
    memset(m, 0, sizeof *m);
}

int gt_manifest_parse(const char *data, size_t len, struct gt_manifest *m, struct gt_error *err)
{
    memset(m, 0, sizeof *m);
    int r = load_doc(data, len, "manifest", &m->json, err);
    if (r < 0)
        return r;
    int64_t version = 0;
    if ((r = gt_json_get_int(m->json, "schemaVersion", "manifest", GT_JSON_REQUIRED, &version,
                             err)) < 0)
        goto fail;
    if (version != 2) {
        r = gt_err(err, ENOTSUP, "manifest: schemaVersion %lld is not supported (only 2)",
                   (long long)version);
        goto fail;
    }
    const char *mt = json_string_value(json_object_get(m->json, "mediaType"));
    m->media_type = gt_xstrdup(mt ? mt : GT_MT_OCI_MANIFEST);
    if (gt_doc_kind(m->media_type, m->json) != GT_DOC_MANIFEST) {
        r = gt_err(err, EINVAL, "manifest: media type %s is not an image manifest",
                   m->media_type);
        goto fail;
    }
    if ((r = gt_descriptor_parse(json_object_get(m->json, "config"), "manifest.config",
                                 &m->config, err)) < 0)
        goto fail;
    json_t *layers;
    if ((r = gt_json_get_arr(m->json, "layers", "manifest", GT_JSON_REQUIRED, &layers, err)) <
        0)
        goto fail;
    m->layers = gt_xcalloc(json_array_size(layers) + 1, sizeof *m->layers);
    size_t i;
    json_t *l;
    json_array_foreach(layers, i, l) {
        char path[64];
        snprintf(path, sizeof path, "manifest.layers[%zu]", i);
        if ((r = gt_descriptor_parse(l, path, &m->layers[i], err)) < 0)
            goto fail;
        m->n_layers++;
        if (!gt_media_type_is_layer(m->layers[i].media_type)) {
            r = gt_err(err, ENOTSUP, "%s: unsupported layer media type \"%s\"", path,
                       m->layers[i].media_type);
            goto fail;
        }
    }
    return 0;
fail:
    gt_manifest_release(m);
    return r;
}

void gt_index_release(struct gt_index *ix)
{
    free(ix->media_type);
    for (size_t i = 0; i < ix->n_manifests; i++)
        gt_descriptor_release(&ix->manifests[i]);
    free(ix->manifests);
    if (ix->json)
        json_decref(ix->json);
    memset(ix, 0, sizeof *ix);
}

int gt_index_parse(const char *data, size_t len, struct gt_index *ix, struct gt_error *err)
{
    memset(ix, 0, sizeof *ix);
    int r = load_doc(data, len, "index", &ix->json, err);
    if (r < 0)
        return r;
    const char *mt = json_string_value(json_object_get(ix->json, "mediaType"));
    ix->media_type = gt_xstrdup(mt ? mt : GT_MT_OCI_INDEX);
    json_t *ms;
    if ((r = gt_json_get_arr(ix->json, "manifests", "index", GT_JSON_REQUIRED, &ms, err)) < 0)
        goto fail;
    ix->manifests = gt_xcalloc(json_array_size(ms) + 1, sizeof *ix->manifests);
    size_t i;
    json_t *d;
    json_array_foreach(ms, i, d) {
        char path[64];
        snprintf(path, sizeof path, "index.manifests[%zu]", i);
        if ((r = gt_descriptor_parse(d, path, &ix->manifests[i], err)) < 0)
            goto fail;
        ix->n_manifests++;
    }
    return 0;
fail:
    gt_index_release(ix);
    return r;
}

void gt_image_config_release(struct gt_image_config *c)
{
    if (c->json)
        json_decref(c->json);
    gt_strv_free(c->diff_ids);
    gt_platform_release(&c->platform);
    memset(c, 0, sizeof *c);
}

int gt_image_config_parse(const char *data, size_t len, struct gt_image_config *c,
                          struct gt_error *err)
{
    memset(c, 0, sizeof *c);
    int r = load_doc(data, len, "image config", &c->json, err);
    if (r < 0)
        return r;
    json_t *rootfs;
    const char *type;
    if ((r = gt_json_get_obj(c->json, "rootfs", "config", GT_JSON_REQUIRED, &rootfs, err)) < 0 ||
        (r = gt_json_get_str(rootfs, "type", "config.rootfs", GT_JSON_REQUIRED, &type, err)) < 0)
        goto fail;
    if (strcmp(type, "layers") != 0) {
        r = gt_err(err, ENOTSUP, "config.rootfs.type: \"%s\" is not supported (only \"layers\")",
                   type);
        goto fail;
    }
    r = gt_json_get_strv(rootfs, "diff_ids", "config.rootfs", GT_JSON_REQUIRED, &c->diff_ids,
                         err);
    if (r < 0)
        goto fail;
    if (!c->diff_ids)
        c->diff_ids = gt_xcalloc(1, sizeof *c->diff_ids);
    c->n_diff_ids = gt_strv_len(c->diff_ids);
    for (size_t i = 0; i < c->n_diff_ids; i++)
        if ((r = gt_digest_validate(c->diff_ids[i], err)) < 0) {
            gt_err_prefix(err, "config.rootfs.diff_ids[%zu]", i);
            goto fail;
        }
    const char *os = json_string_value(json_object_get(c->json, "os"));
    const char *arch = json_string_value(json_object_get(c->json, "architecture"));
    const char *variant = json_string_value(json_object_get(c->json, "variant"));
    c->platform.os = os ? gt_xstrdup(os) : NULL;
    c->platform.arch = arch ? gt_xstrdup(arch) : NULL;
    c->platform.variant = variant ? gt_xstrdup(variant) : NULL;
    gt_platform_normalize(&c->platform);
    return 0;
fail:
    gt_image_config_release(c);
    return r;
}

char **gt_chain_ids(char *const *diff_ids, size_t n)
{
    char **out = gt_xcalloc(n + 1, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (i == 0) {
            out[i] = gt_xstrdup(diff_ids[i]);
        } else {
            cleanup_free char *s = gt_xasprintf("%s %s", out[i - 1], diff_ids[i]);
            out[i] = gt_digest_of(s, strlen(s));
        }
    }
    return out;
}

/* ---- images in the store ---- */

void gt_image_release(struct gt_image *img)
{
    free(img->target);
    free(img->target_media_type);
    free(img->manifest_digest);
    free(img->config_digest);
    gt_manifest_release(&img->manifest);
    gt_image_config_release(&img->config);
    memset(img, 0, sizeof *img);
}

/* Reads a small blob and checks it still hashes to its name. */
static int read_checked(struct gt_content *cs, const char *digest, size_t max, char **data,
                        size_t *len, struct gt_error *err)
{
    int r = gt_content_read(cs, digest, max, data, len, err);
    if (r < 0)
        return r;
    cleanup_free char *got = gt_digest_of(*data, *len);
    if (strcmp(got, digest) != 0) {
        free(*data);
        *data = NULL;
        return gt_err(err, EBADMSG, "blob %s is corrupt: its content hashes to %s", digest, got);
    }
    return 0;
}

int gt_image_load(struct gt_content *cs, const char *target, const struct gt_platform *want,
                  struct gt_image *img, struct gt_error *err)
{
    memset(img, 0, sizeof *img);
    img->target = gt_xstrdup(target);
    cleanup_free char *data = NULL;
    cleanup_json json_t *doc = NULL; /* before the first goto: fail releases it */
    size_t len = 0;
    int r = read_checked(cs, target, GT_MANIFEST_MAX, &data, &len, err);
    if (r < 0)
        goto fail;
    if ((r = gt_json_load_buf(data, len, target, &doc, err)) < 0)
        goto fail;
    const char *mt = json_string_value(json_object_get(doc, "mediaType"));
    enum gt_doc_kind kind = gt_doc_kind(mt, doc);
    if (kind == GT_DOC_INDEX) {
        img->target_media_type = gt_xstrdup(mt ? mt : GT_MT_OCI_INDEX);
        struct gt_index ix;
        if ((r = gt_index_parse(data, len, &ix, err)) < 0)
            goto fail;
        struct gt_platform host;
        if (!want)
            gt_platform_default(&host);
        size_t pos = 0;
        r = gt_index_select(&ix, want ? want : &host, &pos, err);
        if (!want)
            gt_platform_release(&host);
        if (r == 0)
            img->manifest_digest = gt_xstrdup(ix.manifests[pos].digest);
        gt_index_release(&ix);
        if (r < 0)
            goto fail;
        free(data);
        data = NULL;
        if ((r = read_checked(cs, img->manifest_digest, GT_MANIFEST_MAX, &data, &len, err)) < 0)
            goto fail;
    } else if (kind == GT_DOC_MANIFEST) {
        img->target_media_type = gt_xstrdup(mt ? mt : GT_MT_OCI_MANIFEST);
        img->manifest_digest = gt_xstrdup(target);
    } else {
        r = gt_err(err, EINVAL, "%s is neither an image manifest nor an index", target);
        goto fail;
    }
    if ((r = gt_manifest_parse(data, len, &img->manifest, err)) < 0) {
        gt_err_prefix(err, "%s", img->manifest_digest);
        goto fail;
    }
    free(data);
    data = NULL;
    img->config_digest = gt_xstrdup(img->manifest.config.digest);
    if ((r = read_checked(cs, img->config_digest, GT_CONFIG_MAX, &data, &len, err)) < 0)
        goto fail;
    if ((r = gt_image_config_parse(data, len, &img->config, err)) < 0) {
        gt_err_prefix(err, "%s", img->config_digest);
        goto fail;
    }
    if (img->config.n_diff_ids != img->manifest.n_layers) {
        r = gt_err(err, EINVAL,
                   "image %s: the manifest has %zu layers but the config lists %zu diff ids",
                   target, img->manifest.n_layers, img->config.n_diff_ids);
        goto fail;
    }
    return 0;
fail:
    gt_image_release(img);
    return r;
}
