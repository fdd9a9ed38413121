/* image/oci_layout.c - OCI image layout import and export (see transfer.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "image/ref.h"
#include "image/transfer.h"

#define ANN_REF_NAME "org.opencontainers.image.ref.name"
#define ANN_CONTAINERD_NAME "io.containerd.image.name"
#define LAYOUT_VERSION "1.0.0"

/* Paths inside a layout directory that a user gave us: never out of it. */
static int open_beneath(int dirfd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    int fd;
    do
        fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    return fd;
}

static int read_small(int dirfd, const char *name, size_t max, char **out, size_t *len,
                      struct gt_error *err)
{
    cleanup_close int fd = open_beneath(dirfd, name, O_RDONLY);
    if (fd < 0)
        return gt_err_sys(err, errno, "open %s", name);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return gt_err_sys(err, errno, "stat %s", name);
    if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max)
        return gt_err(err, EFBIG, "%s: not a regular file of at most %zu bytes", name, max);
    char *buf = gt_xmalloc((size_t)st.st_size + 1);
    ssize_t n = gt_read_all(fd, buf, (size_t)st.st_size);
    if (n < 0) {
        free(buf);
        return gt_err_sys(err, (int)-n, "read %s", name);
    }
    buf[n] = '\0';
    *out = buf;
    *len = (size_t)n;
    return 0;
}

static char *blob_rel(const char *digest)
{
    return gt_xasprintf("blobs/sha256/%s", gt_digest_hex(digest));
}

/* ---- import ---- */

static int copy_desc(struct gt_import_txn *tx, int dfd, const struct gt_descriptor *d, int depth,
                     struct gt_error *err)
{
    struct gt_content *cs = tx->st->cs;
    if (depth > 4)
        return gt_err(err, ELOOP, "indexes nested too deep");
    cleanup_free char *rel = blob_rel(d->digest);
    cleanup_close int fd = open_beneath(dfd, rel, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT)
            return gt_err(err, ENOENT, "blob %s is missing from the layout", d->digest);
        return gt_err_sys(err, errno, "open %s", rel);
    }
    int r = gt_import_blob_fd(tx, fd, d->digest, d->size, NULL, err);
    if (r < 0)
        return gt_err_prefix(err, "import %s", rel);
    enum gt_doc_kind kind = gt_doc_kind(d->media_type[0] ? d->media_type : NULL, NULL);
    cleanup_free char *data = NULL;
    size_t len = 0;
    cleanup_json json_t *doc = NULL;
    if (kind == GT_DOC_UNKNOWN) {
        /* a descriptor without a media type: look inside */
        if (gt_content_read(cs, d->digest, GT_MANIFEST_MAX, &data, &len, err) < 0 ||
            gt_json_load_buf(data, len, d->digest, &doc, err) < 0)
            return gt_err(err, EINVAL, "%s is neither an image manifest nor an index", d->digest);
        kind = gt_doc_kind(json_string_value(json_object_get(doc, "mediaType")), doc);
    } else if ((r = gt_content_read(cs, d->digest, GT_MANIFEST_MAX, &data, &len, err)) < 0) {
        return r;
    }
    if (kind == GT_DOC_INDEX) {
        struct gt_index ix;
        if ((r = gt_index_parse(data, len, &ix, err)) < 0)
            return gt_err_prefix(err, "%s", d->digest);
        size_t pos;
        r = gt_index_select(&ix, &tx->st->platform, &pos, err);
        if (r == 0)
            r = copy_desc(tx, dfd, &ix.manifests[pos], depth + 1, err);
        gt_index_release(&ix);
        return r;
    }
    if (kind != GT_DOC_MANIFEST)
        return gt_err(err, EINVAL, "%s is neither an image manifest nor an index", d->digest);
    struct gt_manifest m;
    if ((r = gt_manifest_parse(data, len, &m, err)) < 0)
        return gt_err_prefix(err, "%s", d->digest);
    cleanup_free const struct gt_descriptor **parts = gt_xcalloc(1 + m.n_layers, sizeof *parts);
    parts[0] = &m.config;
    for (size_t i = 0; i < m.n_layers; i++)
        parts[i + 1] = &m.layers[i];
    for (size_t i = 0; i < 1 + m.n_layers && r == 0; i++) {
        cleanup_free char *prel = blob_rel(parts[i]->digest);
        cleanup_close int pfd = open_beneath(dfd, prel, O_RDONLY);
        if (pfd < 0) {
            r = errno == ENOENT
                    ? gt_err(err, ENOENT, "blob %s is missing from the layout", parts[i]->digest)
                    : gt_err_sys(err, errno, "open %s", prel);
            break;
        }
        if ((r = gt_import_blob_fd(tx, pfd, parts[i]->digest, parts[i]->size, NULL, err)) < 0)
            gt_err_prefix(err, "import %s", prel);
    }
    gt_manifest_release(&m);
    return r;
}

static const char *ann(const struct gt_descriptor *d, const char *key)
{
    return d->annotations ? json_string_value(json_object_get(d->annotations, key)) : NULL;
}

/* The reference an index entry names by itself, or NULL; a bare tag is
 * returned in *tag_only. */
static const char *entry_name(const struct gt_descriptor *d, const char **tag_only)
{
    *tag_only = NULL;
    const char *c = ann(d, ANN_CONTAINERD_NAME);
    if (c)
        return c;
    const char *rn = ann(d, ANN_REF_NAME);
    if (rn && strpbrk(rn, "/:@"))
        return rn;
    *tag_only = rn;
    return NULL;
}

int gt_oci_layout_import(struct gt_image_store *st, const char *dir, const struct gt_import_opts *opts,
                         char ***loaded, struct gt_error *err)
{
    static const struct gt_import_opts no_opts;
    if (!opts)
        opts = &no_opts;
    cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return gt_err_sys(err, errno, "open OCI layout %s", dir);
    cleanup_free char *lay = NULL, *idx = NULL;
    size_t llen, ilen;
    cleanup_json json_t *layout = NULL;
    int r;
    if ((r = read_small(dfd, "oci-layout", 65536, &lay, &llen, err)) < 0 ||
        (r = gt_json_load_buf(lay, llen, "oci-layout", &layout, err)) < 0)
        return gt_err_prefix(err, "%s is not an OCI image layout", dir);
    const char *ver = json_string_value(json_object_get(layout, "imageLayoutVersion"));
    if (!ver || strncmp(ver, "1.", 2) != 0)
        return gt_err(err, ENOTSUP, "%s: unsupported imageLayoutVersion %s", dir, ver ? ver : "(none)");
    if ((r = read_small(dfd, "index.json", GT_MANIFEST_MAX, &idx, &ilen, err)) < 0)
        return gt_err_prefix(err, "OCI layout %s", dir);
    struct gt_index ix;
    if ((r = gt_index_parse(idx, ilen, &ix, err)) < 0)
        return gt_err_prefix(err, "OCI layout %s: index.json", dir);
    if (ix.n_manifests == 0) {
        gt_index_release(&ix);
        return gt_err(err, ENOENT, "OCI layout %s has no images", dir);
    }

    /* which entries, under which names */
    size_t n = ix.n_manifests;
    bool *chosen = gt_xcalloc(n, sizeof *chosen);
    char **names = gt_xcalloc(n, sizeof *names);
    if (opts->ref) {
        struct gt_ref want;
        if ((r = gt_ref_parse(opts->ref, &want, err)) < 0)
            goto out;
        cleanup_free char *want_full = gt_ref_string(&want);
        long pick = n == 1 ? 0 : -1;
        for (size_t i = 0; i < n && pick < 0; i++) {
            const char *tag_only;
            const char *nm = entry_name(&ix.manifests[i], &tag_only);
            cleanup_free char *full = NULL;
            if ((tag_only && want.tag && !strcmp(tag_only, want.tag)) ||
                (nm && gt_ref_normalize(nm, &full, NULL) == 0 && !strcmp(full, want_full)))
                pick = (long)i;
        }
        gt_ref_release(&want);
        if (pick < 0) {
            r = gt_err(err, ENOENT, "OCI layout %s has no image matching %s (it has %zu)", dir,
                       opts->ref, n);
            goto out;
        }
        chosen[pick] = true;
        names[pick] = gt_xstrdup(opts->ref);
    } else {
        for (size_t i = 0; i < n; i++) {
            const char *tag_only;
            const char *nm = entry_name(&ix.manifests[i], &tag_only);
            if (!nm && tag_only) {
                r = gt_err(err, EINVAL,
                           "OCI layout %s: the image tagged \"%s\" has no repository name; "
                           "name it with --ref NAME:%s",
                           dir, tag_only, tag_only);
                goto out;
            }
            chosen[i] = true;
            names[i] = nm ? gt_xstrdup(nm) : NULL;
        }
    }

    struct gt_import_txn tx;
    if ((r = gt_import_begin(&tx, st, err)) < 0)
        goto out;
    for (size_t i = 0; i < n && r == 0; i++) {
        if (!chosen[i])
            continue;
        if ((r = copy_desc(&tx, dfd, &ix.manifests[i], 0, err)) < 0)
            break;
        char *refs[2] = { names[i], NULL };
        r = gt_import_image(&tx, ix.manifests[i].digest, names[i] ? refs : NULL, opts, err);
    }
    gt_import_end(&tx, r < 0, loaded);
    if (r < 0)
        gt_err_prefix(err, "import OCI layout %s", dir);
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(chosen);
    gt_index_release(&ix);
    return r;
}

/* ---- export ---- */

static const char *oci_layer_type(const char *mt)
{
    static const char *const map[][2] = {
        { GT_MT_DOCKER_LAYER_GZIP, GT_MT_OCI_LAYER_GZIP },
        { GT_MT_DOCKER_LAYER, GT_MT_OCI_LAYER },
        { GT_MT_DOCKER_LAYER_FOREIGN, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip" },
        { "application/vnd.docker.image.rootfs.diff.tar.zstd", GT_MT_OCI_LAYER_ZSTD },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(mt, map[i][0]))
            return map[i][1];
    return mt;
}

/* The manifest to write: the stored one, or its OCI translation. */
static int export_manifest(struct gt_image_store *st, const struct gt_image *img, char **data,
                           size_t *len, struct gt_error *err)
{
    if (!gt_media_type_is_docker(img->manifest.media_type))
        return gt_content_read(st->cs, img->manifest_digest, GT_MANIFEST_MAX, data, len, err);
    json_t *m = json_pack("{s:i, s:s}", "schemaVersion", 2, "mediaType", GT_MT_OCI_MANIFEST);
    struct gt_descriptor cfg = img->manifest.config;
    cfg.media_type = (char *)GT_MT_OCI_CONFIG;
    cfg.platform = (struct gt_platform){ 0 };
    json_object_set_new(m, "config", gt_descriptor_json(&cfg));
    json_t *layers = json_array();
    for (size_t i = 0; i < img->manifest.n_layers; i++) {
        struct gt_descriptor l = img->manifest.layers[i];
        l.media_type = (char *)oci_layer_type(l.media_type);
        l.platform = (struct gt_platform){ 0 };
        json_array_append_new(layers, gt_descriptor_json(&l));
    }
    json_object_set_new(m, "layers", layers);
    *data = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    *len = strlen(*data);
    return 0;
}

/* Puts a store blob into the layout: a hard link when possible. */
static int put_blob(struct gt_image_store *st, int dfd, const char *digest, struct gt_error *err)
{
    cleanup_free char *rel = blob_rel(digest);
    int64_t size;
    int r = gt_content_size(st->cs, digest, &size, err);
    if (r < 0)
        return r;
    struct stat s;
    if (fstatat(dfd, rel, &s, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(s.st_mode) && s.st_size == size)
        return 0;
    cleanup_free char *src = NULL;
    if ((r = gt_content_path(st->cs, digest, &src, err)) < 0)
        return r;
    unlinkat(dfd, rel, 0);
    if (linkat(AT_FDCWD, src, dfd, rel, 0) == 0)
        return 0;
    cleanup_close int in = -1;
    if ((r = gt_content_open_blob(st->cs, digest, &in, err)) < 0)
        return r;
    cleanup_free char *tmp = gt_xasprintf("%s.tmp.%d", rel, (int)getpid());
    cleanup_close int out = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out < 0)
        return gt_err_sys(err, errno, "create %s", tmp);
    for (;;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
        if (n < 0) {
            r = gt_err_sys(err, errno, "copy blob %s", digest);
            unlinkat(dfd, tmp, 0);
            return r;
        }
        if (n == 0)
            break;
    }
    if (renameat(dfd, tmp, dfd, rel) < 0) {
        r = gt_err_sys(err, errno, "rename %s", tmp);
        unlinkat(dfd, tmp, 0);
        return r;
    }
    return 0;
}

static int put_buf(int dfd, const char *digest, const char *data, size_t len, struct gt_error *err)
{
    cleanup_free char *rel = blob_rel(digest);
    cleanup_free char *tmp = gt_xasprintf("%s.tmp.%d", rel, (int)getpid());
    cleanup_close int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return gt_err_sys(err, errno, "create %s", tmp);
    int r = gt_write_all(fd, data, len);
    if (r < 0 || renameat(dfd, tmp, dfd, rel) < 0) {
        r = gt_err_sys(err, r < 0 ? -r : errno, "write %s", rel);
        unlinkat(dfd, tmp, 0);
        return r;
    }
    return 0;
}

static int write_json(int dfd, const char *name, json_t *j, struct gt_error *err)
{
    cleanup_free char *s = json_dumps(j, JSON_COMPACT);
    cleanup_free char *tmp = gt_xasprintf("%s.tmp.%d", name, (int)getpid());
    cleanup_close int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return gt_err_sys(err, errno, "create %s", tmp);
    int r = gt_write_all(fd, s, strlen(s));
    if (r < 0 || renameat(dfd, tmp, dfd, name) < 0) {
        r = gt_err_sys(err, r < 0 ? -r : errno, "write %s", name);
        unlinkat(dfd, tmp, 0);
        return r;
    }
    return 0;
}

int gt_oci_layout_export(struct gt_image_store *st, char *const *names, const char *dir,
                         struct gt_error *err)
{
    cleanup_close int dfd = gt_mkdir_p_open(dir, 0755, err);
    if (dfd < 0)
        return dfd;
    int r;
    if ((mkdirat(dfd, "blobs", 0755) < 0 && errno != EEXIST) ||
        (mkdirat(dfd, "blobs/sha256", 0755) < 0 && errno != EEXIST))
        return gt_err_sys(err, errno, "create %s/blobs/sha256", dir);

    /* add to an existing layout */
    cleanup_json json_t *index = NULL;
    cleanup_free char *old = NULL;
    size_t olen;
    if (read_small(dfd, "index.json", GT_MANIFEST_MAX, &old, &olen, NULL) == 0 &&
        gt_json_load_buf(old, olen, "index.json", &index, NULL) == 0 &&
        json_is_array(json_object_get(index, "manifests"))) {
        /* keep it */
    } else {
        if (index)
            json_decref(index);
        index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType", GT_MT_OCI_INDEX,
                          "manifests");
    }
    json_t *entries = json_object_get(index, "manifests");

    for (char *const *nm = names; *nm; nm++) {
        struct gt_image img;
        if ((r = gt_image_store_load_named(st, *nm, &img, err)) < 0)
            return r;
        cleanup_free char *mdata = NULL;
        size_t mlen = 0;
        if ((r = export_manifest(st, &img, &mdata, &mlen, err)) == 0 &&
            (r = put_blob(st, dfd, img.manifest.config.digest, err)) == 0) {
            for (size_t i = 0; i < img.manifest.n_layers && r == 0; i++)
                r = put_blob(st, dfd, img.manifest.layers[i].digest, err);
        }
        cleanup_free char *mdigest = r == 0 ? gt_digest_of(mdata, mlen) : NULL;
        if (r == 0)
            r = put_buf(dfd, mdigest, mdata, mlen, err);
        if (r < 0) {
            gt_image_release(&img);
            return gt_err_prefix(err, "export %s", *nm);
        }
        struct gt_descriptor d = {
            .media_type = (char *)GT_MT_OCI_MANIFEST,
            .digest = mdigest,
            .size = (int64_t)mlen,
            .platform = img.config.platform,
        };
        json_t *desc = gt_descriptor_json(&d);
        gt_image_release(&img);
        /* named by a reference: annotate, and replace an entry of the same tag */
        struct gt_ref ref;
        bool named = !(strlen(*nm) >= 12 && !strchr(*nm, ':') && !strchr(*nm, '/')) &&
                     gt_ref_parse(*nm, &ref, NULL) == 0;
        if (!strncmp(*nm, "sha256:", 7))
            named = false;
        if (named) {
            cleanup_free char *full = gt_ref_string(&ref);
            const char *tag = ref.tag ? ref.tag : "latest";
            json_object_set_new(desc, "annotations",
                                json_pack("{s:s, s:s}", ANN_REF_NAME, tag, ANN_CONTAINERD_NAME, full));
            size_t i;
            json_t *e;
            json_array_foreach(entries, i, e) {
                const char *rn = json_string_value(
                    json_object_get(json_object_get(e, "annotations"), ANN_REF_NAME));
                if (rn && !strcmp(rn, tag)) {
                    json_array_remove(entries, i);
                    break;
                }
            }
            gt_ref_release(&ref);
        }
        json_array_append_new(entries, desc);
    }
    cleanup_json json_t *layout = json_pack("{s:s}", "imageLayoutVersion", LAYOUT_VERSION);
    if ((r = write_json(dfd, "oci-layout", layout, err)) < 0 ||
        (r = write_json(dfd, "index.json", index, err)) < 0)
        return r;
    return 0;
}
