/* image/docker_archive.c - docker-archive (docker save / docker load) import
 * and export (see transfer.h). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "image/ref.h"
#include "image/transfer.h"

#define SMALL_FILE_MAX (16 << 20)
#define COPY_BLOCK (256 * 1024)

/* One file of the archive: in memory (metadata), in the store (layers
 * and blobs), or a link to another name. */
struct member {
    char *name;
    char *data; /* small files */
    size_t len;
    char *digest; /* stored files */
    char *link;   /* symlinks and hard links, as a name in the archive */
};

struct members {
    struct member *v;
    size_t n, cap;
};

static void members_free(struct members *ms)
{
    for (size_t i = 0; i < ms->n; i++) {
        free(ms->v[i].name);
        free(ms->v[i].data);
        free(ms->v[i].digest);
        free(ms->v[i].link);
    }
    free(ms->v);
}

static struct member *members_add(struct members *ms, const char *name)
{
    if (ms->n == ms->cap) {
        ms->cap = ms->cap * 2 + 16;
        ms->v = gt_xrealloc(ms->v, ms->cap * sizeof *ms->v);
    }
    struct member *m = &ms->v[ms->n++];
    memset(m, 0, sizeof *m);
    m->name = gt_xstrdup(name);
    return m;
}

/* Follows links; NULL when absent or looping. */
static const struct member *members_find(const struct members *ms, const char *name)
{
    for (int hop = 0; hop < 8; hop++) {
        const struct member *found = NULL;
        for (size_t i = ms->n; i-- > 0;)
            if (!strcmp(ms->v[i].name, name)) {
                found = &ms->v[i];
                break;
            }
        if (!found || !found->link)
            return found;
        name = found->link;
    }
    return NULL;
}

/* "a/./b//c" -> "a/b/c"; NULL for absolute names or ones with "..". */
static char *clean(const char *raw)
{
    if (!raw || raw[0] == '/')
        return NULL;
    char *out = gt_xmalloc(strlen(raw) + 1);
    size_t o = 0;
    for (const char *p = raw; *p;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 2 && !strncmp(p, "..", 2)) {
            free(out);
            return NULL;
        }
        if (n && !(n == 1 && *p == '.')) {
            if (o)
                out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p += n;
        if (*p == '/')
            p++;
    }
    out[o] = '\0';
    return out;
}

/* A symlink's target as a name in the archive (relative to its directory). */
static char *resolve_link(const char *name, const char *target)
{
    if (target[0] == '/')
        return clean(target + 1);
    cleanup_free char *dir = gt_xstrdup(name);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        dir[0] = '\0';
    /* apply ".." against dir by hand; clean() refuses it */
    cleanup_free char *joined = *dir ? gt_xasprintf("%s/%s", dir, target) : gt_xstrdup(target);
    char **parts = NULL;
    cleanup_free char *buf = gt_xstrdup(joined);
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (!strcmp(t, "."))
            continue;
        if (!strcmp(t, "..")) {
            if (n == 0) {
                gt_strv_free(parts);
                return NULL;
            }
            free(parts[--n]);
            parts[n] = NULL;
            continue;
        }
        gt_strv_push(&parts, t);
        n++;
    }
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(parts[i]) + 1;
    char *out = gt_xcalloc(1, total);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, "/");
        strcat(out, parts[i]);
    }
    gt_strv_free(parts);
    return out;
}

static bool is_metadata(const char *name, int64_t size)
{
    if (size > SMALL_FILE_MAX)
        return false;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    size_t n = strlen(base);
    return !strcmp(base, "manifest.json") || !strcmp(base, "repositories") ||
           !strcmp(base, "index.json") || !strcmp(base, "oci-layout") || !strcmp(base, "json") ||
           !strcmp(base, "VERSION") || (n > 5 && !strcmp(base + n - 5, ".json"));
}

/* Streams the current entry into the store. */
static int ingest_entry(struct gt_import_txn *tx, struct archive *a, const char *name,
                        int64_t size, char **digest_out, struct gt_error *err)
{
    /* blobs/sha256/<hex> names its digest: check it */
    cleanup_free char *expected = NULL;
    if (!strncmp(name, "blobs/sha256/", 13)) {
        expected = gt_xasprintf("sha256:%s", name + 13);
        if (gt_digest_validate(expected, NULL) < 0) {
            free(expected);
            expected = NULL;
        }
    }
    struct gt_content_writer *w;
    int64_t off = 0;
    int r = gt_content_writer_open(tx->st->cs, expected, size, &w, &off, err);
    if (r < 0)
        return r;
    int64_t skip = off; /* a resumed partial: its bytes are hashed already */
    const void *buf;
    size_t len;
    la_int64_t at;
    for (;;) {
        int ar = archive_read_data_block(a, &buf, &len, &at);
        if (ar == ARCHIVE_EOF)
            break;
        if (ar < ARCHIVE_WARN) {
            r = gt_err(err, EIO, "read %s: %s", name, archive_error_string(a));
            gt_content_writer_abort(w, true);
            return r;
        }
        const char *p = buf;
        if (skip > 0) {
            size_t s = (size_t)(skip < (int64_t)len ? skip : (int64_t)len);
            p += s;
            len -= s;
            skip -= (int64_t)s;
        }
        if (len && (r = gt_content_writer_write(w, p, len, err)) < 0) {
            gt_content_writer_abort(w, false);
            return gt_err_prefix(err, "%s", name);
        }
    }
    cleanup_free char *d = gt_content_writer_digest(w);
    bool had = gt_content_has(tx->st->cs, d);
    if ((r = gt_content_writer_commit(w, NULL, err)) < 0)
        return gt_err_prefix(err, "%s", name);
    if (!had)
        gt_strv_push(&tx->new_blobs, d);
    *digest_out = steal_pointer(&d);
    return 0;
}

static int read_members(struct gt_import_txn *tx, struct archive *a, struct members *ms,
                        struct gt_error *err)
{
    for (;;) {
        struct archive_entry *e;
        int ar = archive_read_next_header(a, &e);
        if (ar == ARCHIVE_EOF)
            return 0;
        if (ar < ARCHIVE_WARN)
            return gt_err(err, EINVAL, "read archive: %s", archive_error_string(a));
        const char *raw = archive_entry_pathname(e);
        cleanup_free char *name = clean(raw);
        if (!name)
            return gt_err(err, EPERM, "entry \"%s\": absolute path or \"..\" refused",
                          raw ? raw : "");
        if (!*name)
            continue;
        const char *hl = archive_entry_hardlink(e);
        mode_t type = archive_entry_filetype(e);
        if (hl) {
            char *t = clean(hl);
            if (t)
                members_add(ms, name)->link = t;
            continue;
        }
        if (type == AE_IFLNK) {
            char *t = resolve_link(name, archive_entry_symlink(e) ? archive_entry_symlink(e) : "");
            if (t)
                members_add(ms, name)->link = t;
            continue;
        }
        if (type != AE_IFREG)
            continue;
        int64_t size = archive_entry_size(e);
        if (is_metadata(name, size)) {
            char *data = gt_xmalloc((size_t)size + 1);
            la_ssize_t n = archive_read_data(a, data, (size_t)size);
            if (n < 0 || n != size) {
                free(data);
                return gt_err(err, EIO, "read %s: %s", name,
                              n < 0 ? archive_error_string(a) : "short read");
            }
            data[size] = '\0';
            struct member *m = members_add(ms, name);
            m->data = data;
            m->len = (size_t)size;
            continue;
        }
        char *digest = NULL;
        int r = ingest_entry(tx, a, name, size, &digest, err);
        if (r < 0)
            return r;
        members_add(ms, name)->digest = digest;
    }
}

/* The bytes or the digest of a member named in manifest.json. */
static int member_blob(struct gt_import_txn *tx, const struct members *ms, const char *name,
                       bool want_layer, char **digest, struct gt_error *err)
{
    cleanup_free char *cn = clean(name);
    const struct member *m = cn ? members_find(ms, cn) : NULL;
    if (!m)
        return gt_err(err, ENOENT, "manifest.json names %s, which is not in the archive", name);
    if (m->digest) {
        *digest = gt_xstrdup(m->digest);
        return 0;
    }
    if (want_layer)
        return gt_err(err, EINVAL, "%s: not a layer", name);
    return gt_import_blob_buf(tx, m->data, m->len, NULL, digest, err);
}

static int import_item(struct gt_import_txn *tx, const struct members *ms, json_t *item,
                       size_t idx, const struct gt_import_opts *opts, char ***used,
                       struct gt_error *err)
{
    char path[48];
    snprintf(path, sizeof path, "manifest.json[%zu]", idx);
    const char *config;
    json_t *layers;
    int r;
    if ((r = gt_json_get_str(item, "Config", path, GT_JSON_REQUIRED, &config, err)) < 0 ||
        (r = gt_json_get_arr(item, "Layers", path, GT_JSON_REQUIRED, &layers, err)) < 0)
        return r;
    cleanup_free char *cdigest = NULL;
    if ((r = member_blob(tx, ms, config, false, &cdigest, err)) < 0)
        return r;
    gt_strv_push(used, cdigest);
    int64_t csize;
    gt_content_size(tx->st->cs, cdigest, &csize, NULL);
    json_t *m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}}", "schemaVersion", 2, "mediaType",
                          GT_MT_OCI_MANIFEST, "config", "mediaType", GT_MT_OCI_CONFIG, "digest",
                          cdigest, "size", (json_int_t)csize);
    json_t *ls = json_array();
    json_object_set_new(m, "layers", ls);
    size_t i;
    json_t *l;
    json_array_foreach(layers, i, l) {
        if (!json_is_string(l)) {
            json_decref(m);
            return gt_err(err, EINVAL, "%s.Layers[%zu]: expected a string", path, i);
        }
        cleanup_free char *ld = NULL;
        if ((r = member_blob(tx, ms, json_string_value(l), true, &ld, err)) < 0) {
            json_decref(m);
            return r;
        }
        gt_strv_push(used, ld);
        int64_t lsize;
        gt_content_size(tx->st->cs, ld, &lsize, NULL);
        json_array_append_new(ls, json_pack("{s:s, s:s, s:I}", "mediaType",
                                            gt_layer_media_type_of(tx->st->cs, ld), "digest", ld,
                                            "size", (json_int_t)lsize));
    }
    cleanup_free char *mdata = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    cleanup_free char *mdigest = NULL;
    if ((r = gt_import_blob_buf(tx, mdata, strlen(mdata), NULL, &mdigest, err)) < 0)
        return r;
    gt_strv_push(used, mdigest);
    cleanup_strv char **refs = NULL;
    if (opts && opts->ref) {
        gt_strv_push(&refs, opts->ref);
    } else {
        json_t *tags = json_object_get(item, "RepoTags");
        json_t *t;
        json_array_foreach(tags, i, t)
            if (json_is_string(t))
                gt_strv_push(&refs, json_string_value(t));
    }
    return gt_import_image(tx, mdigest, refs, opts, err);
}

int gt_docker_archive_import(struct gt_image_store *st, const char *path,
                             const struct gt_import_opts *opts, char ***loaded,
                             struct gt_error *err)
{
    bool stdin_ = !strcmp(path, "-");
    cleanup_close int fd = stdin_ ? -1 : open(path, O_RDONLY | O_CLOEXEC);
    if (!stdin_ && fd < 0)
        return gt_err_sys(err, errno, "open %s", path);
    struct archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_tar(a);
    int r;
    if (archive_read_open_fd(a, stdin_ ? 0 : fd, COPY_BLOCK) != ARCHIVE_OK) {
        r = gt_err(err, EINVAL, "read %s: %s", path, archive_error_string(a));
        archive_read_free(a);
        return r;
    }
    struct gt_import_txn tx;
    if ((r = gt_import_begin(&tx, st, err)) < 0) {
        archive_read_free(a);
        return r;
    }
    struct members ms = { 0 };
    cleanup_strv char **used = NULL;
    cleanup_json json_t *manifest = NULL;
    if ((r = read_members(&tx, a, &ms, err)) < 0)
        goto out;
    const struct member *mf = members_find(&ms, "manifest.json");
    if (!mf || !mf->data) {
        r = gt_err(err, EINVAL, "not a docker archive: it has no manifest.json");
        goto out;
    }
    if ((r = gt_json_load_buf(mf->data, mf->len, "manifest.json", &manifest, err)) < 0)
        goto out;
    if (!json_is_array(manifest) || json_array_size(manifest) == 0) {
        r = gt_err(err, EINVAL, "manifest.json: expected a non-empty array");
        goto out;
    }
    size_t i;
    json_t *item;
    json_array_foreach(manifest, i, item)
        if ((r = import_item(&tx, &ms, item, i, opts, &used, err)) < 0)
            goto out;
    /* files of the archive that no image uses (old-style layer json, ...) */
    for (char **b = tx.new_blobs; b && *b;) {
        bool keep = false;
        for (char **u = used; u && *u; u++)
            if (!strcmp(*u, *b))
                keep = true;
        if (keep) {
            b++;
            continue;
        }
        gt_content_delete(st->cs, *b, NULL);
        free(*b);
        char **q = b;
        for (; q[1]; q++)
            q[0] = q[1];
        q[0] = NULL;
    }
out:
    gt_import_end(&tx, r < 0, loaded);
    members_free(&ms);
    archive_read_free(a);
    if (r < 0)
        return gt_err_prefix(err, "import %s", stdin_ ? "docker archive from stdin" : path);
    return 0;
}

/* ---- export ---- */

static int write_entry_hdr(struct archive *w, const char *name, mode_t type, int64_t size,
                           struct gt_error *err)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_size(e, type == AE_IFDIR ? 0 : size);
    archive_entry_set_mtime(e, 0, 0);
    int r = archive_write_header(w, e);
    archive_entry_free(e);
    if (r != ARCHIVE_OK)
        return gt_err(err, EIO, "write %s: %s", name, archive_error_string(w));
    return 0;
}

static int write_entry_buf(struct archive *w, const char *name, const char *data, size_t len,
                           struct gt_error *err)
{
    int r = write_entry_hdr(w, name, AE_IFREG, (int64_t)len, err);
    if (r < 0)
        return r;
    if (len && archive_write_data(w, data, len) != (la_ssize_t)len)
        return gt_err(err, EIO, "write %s: %s", name, archive_error_string(w));
    return 0;
}

static int write_entry_fd(struct archive *w, const char *name, int fd, int64_t size,
                          struct gt_error *err)
{
    int r = write_entry_hdr(w, name, AE_IFREG, size, err);
    if (r < 0)
        return r;
    cleanup_free char *buf = gt_xmalloc(COPY_BLOCK);
    int64_t off = 0;
    while (off < size) {
        ssize_t n = pread(fd, buf, COPY_BLOCK, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return gt_err_sys(err, n < 0 ? errno : EIO, "read layer for %s", name);
        if (archive_write_data(w, buf, (size_t)n) != n)
            return gt_err(err, EIO, "write %s: %s", name, archive_error_string(w));
        off += n;
    }
    return 0;
}

static bool contains(char *const *v, const char *s)
{
    for (; v && *v; v++)
        if (!strcmp(*v, s))
            return true;
    return false;
}

static int export_image(struct gt_image_store *st, struct archive *w, const char *name,
                        json_t *manifest, json_t *repos, char ***written, struct gt_error *err)
{
    struct gt_image img;
    int r = gt_image_store_load_named(st, name, &img, err);
    if (r < 0)
        return r;
    cleanup_free char *cfg_name = gt_xasprintf("%s.json", gt_digest_hex(img.config_digest));
    json_t *layers = json_array();
    json_t *item = json_pack("{s:s, s:o}", "Config", cfg_name, "Layers", layers);
    json_array_append_new(manifest, item);
    if (!contains(*written, cfg_name)) {
        cleanup_free char *cdata = NULL;
        size_t clen;
        if ((r = gt_content_read(st->cs, img.config_digest, GT_CONFIG_MAX, &cdata, &clen, err)) < 0 ||
            (r = write_entry_buf(w, cfg_name, cdata, clen, err)) < 0)
            goto out;
        gt_strv_push(written, cfg_name);
    }
    const char *top = NULL;
    for (size_t i = 0; i < img.manifest.n_layers; i++) {
        const char *diff = img.config.diff_ids[i];
        cleanup_free char *dir = gt_xstrdup(gt_digest_hex(diff));
        cleanup_free char *lname = gt_xasprintf("%s/layer.tar", dir);
        json_array_append_new(layers, json_string(lname));
        top = img.config.diff_ids[i];
        if (contains(*written, lname))
            continue;
        cleanup_close int blob = -1;
        if ((r = gt_content_open_blob(st->cs, img.manifest.layers[i].digest, &blob, err)) < 0)
            goto out;
        /* docker save's layers are plain tars: decompress into a temporary file */
        cleanup_close int tmp = -1;
        int src = blob;
        int64_t size;
        if (!strcmp(img.manifest.layers[i].digest, diff)) {
            size = img.manifest.layers[i].size;
        } else {
            tmp = open(st->root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
            if (tmp < 0) {
                r = gt_err_sys(err, errno, "create a temporary file in %s", st->root);
                goto out;
            }
            char got[80];
            if ((r = gt_layer_decompress(blob, tmp, got, err)) < 0)
                goto out;
            if (strcmp(got, diff) != 0) {
                r = gt_err(err, EBADMSG, "layer %s does not match its diff id %s",
                           img.manifest.layers[i].digest, diff);
                goto out;
            }
            struct stat s;
            fstat(tmp, &s);
            size = s.st_size;
            src = tmp;
        }
        if ((r = write_entry_hdr(w, dir, AE_IFDIR, 0, err)) < 0 ||
            (r = write_entry_fd(w, lname, src, size, err)) < 0)
            goto out;
        gt_strv_push(written, lname);
    }
    struct gt_ref ref;
    bool named = strncmp(name, "sha256:", 7) != 0 &&
                 !(strlen(name) >= 12 && !strpbrk(name, ":/")) &&
                 gt_ref_parse(name, &ref, NULL) == 0;
    if (named) {
        cleanup_free char *fam = gt_ref_familiar(&ref);
        cleanup_free char *fname = gt_ref_familiar_name(&ref);
        json_object_set_new(item, "RepoTags", json_pack("[s]", fam));
        if (top && ref.tag) {
            json_t *r2 = json_object_get(repos, fname);
            if (!r2) {
                r2 = json_object();
                json_object_set_new(repos, fname, r2);
            }
            json_object_set_new(r2, ref.tag, json_string(gt_digest_hex(top)));
        }
        gt_ref_release(&ref);
    } else {
        json_object_set_new(item, "RepoTags", json_null());
    }
out:
    gt_image_release(&img);
    return r;
}

int gt_docker_archive_export(struct gt_image_store *st, char *const *names, const char *path,
                             struct gt_error *err)
{
    bool stdout_ = !strcmp(path, "-");
    cleanup_free char *tmp = stdout_ ? NULL : gt_xasprintf("%s.tmp.%d", path, (int)getpid());
    cleanup_close int fd = stdout_ ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (!stdout_ && fd < 0)
        return gt_err_sys(err, errno, "create %s", tmp);
    struct archive *w = archive_write_new();
    archive_write_set_format_pax_restricted(w);
    archive_write_add_filter_none(w);
    archive_write_set_bytes_in_last_block(w, 1);
    int r = 0;
    cleanup_json json_t *manifest = json_array();
    cleanup_json json_t *repos = json_object();
    cleanup_strv char **written = NULL;
    cleanup_free char *ms = NULL, *rs = NULL;
    if (archive_write_open_fd(w, stdout_ ? 1 : fd) != ARCHIVE_OK) {
        r = gt_err(err, EIO, "write %s: %s", path, archive_error_string(w));
        goto out;
    }
    for (char *const *n = names; *n; n++)
        if ((r = export_image(st, w, *n, manifest, repos, &written, err)) < 0) {
            gt_err_prefix(err, "export %s", *n);
            goto out;
        }
    ms = json_dumps(manifest, JSON_COMPACT);
    rs = json_dumps(repos, JSON_COMPACT);
    if ((r = write_entry_buf(w, "manifest.json", ms, strlen(ms), err)) < 0 ||
        (json_object_size(repos) && (r = write_entry_buf(w, "repositories", rs, strlen(rs), err)) < 0))
        goto out;
    if (archive_write_close(w) != ARCHIVE_OK) {
        r = gt_err(err, EIO, "write %s: %s", path, archive_error_string(w));
        goto out;
    }
    if (!stdout_ && (fsync(fd) < 0 || rename(tmp, path) < 0))
        r = gt_err_sys(err, errno, "write %s", path);
out:
    archive_write_free(w);
    if (r < 0 && !stdout_)
        unlink(tmp);
    return r;
}
