/* image/commit.c - a container's upper directory as a layer, and a new
 * image on top of its base (see commit.h).
 *
 * Two libarchive writers are chained: the tar writer's output is hashed
 * (the diff id) and handed to a "raw" writer with the gzip filter, whose
 * output goes to a content store writer (the blob digest). */
#include "image/commit.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "image/manifest.h"
#include "image/transfer.h"
#include "image/tree.h"

#define COPY_BLOCK (256 * 1024)
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

void gt_layer_info_release(struct gt_layer_info *li)
{
    free(li->digest);
    free(li->diff_id);
    memset(li, 0, sizeof *li);
}

/* ---- the two writers ---- */

struct out {
    struct gt_content_writer *blob;
    struct archive *gz;   /* raw format, gzip filter, into blob */
    struct sha256_ctx diff;
    int64_t size;         /* compressed bytes */
    struct gt_error werr; /* the first failure of a callback */
    bool failed;
};

static la_ssize_t blob_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
    (void)a;
    struct out *o = ctx;
    if (o->failed)
        return -1;
    if (gt_content_writer_write(o->blob, buf, len, &o->werr) < 0) {
        o->failed = true;
        return -1;
    }
    o->size += (int64_t)len;
    return (la_ssize_t)len;
}

static la_ssize_t tar_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
    (void)a;
    struct out *o = ctx;
    if (o->failed)
        return -1;
    sha256_update(&o->diff, len, buf);
    if (archive_write_data(o->gz, buf, len) < 0) {
        if (!o->failed)
            gt_err(&o->werr, EIO, "compress the layer: %s", archive_error_string(o->gz));
        o->failed = true;
        return -1;
    }
    return (la_ssize_t)len;
}

/* ---- the walk of the upper directory ---- */

struct link {
    dev_t dev;
    ino_t ino;
    char *path;
};

struct walk {
    struct archive *tar;
    char *const *exclude;
    struct out *out;
    struct link *links;
    size_t n_links, cap_links;
    int64_t entries;
};

static int tar_fail(struct walk *w, const char *path, struct gt_error *err)
{
    if (w->out->failed)
        return gt_err(err, w->out->werr.code ? w->out->werr.code : EIO, "%s", w->out->werr.msg);
    return gt_err(err, EIO, "write %s into the layer: %s", path, archive_error_string(w->tar));
}

static bool skip_xattr(const char *name)
{
    return !strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13);
}

/* The xattrs of the O_PATH fd into the entry (through /proc, which works
 * for every kind of file). */
static int add_xattrs(struct archive_entry *ent, int fd, const char *path, struct gt_error *err)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    ssize_t n = listxattr(proc, NULL, 0);
    if (n < 0 && (errno == ENOTSUP || errno == EPERM))
        return 0;
    if (n < 0)
        return gt_err_sys(err, errno, "list xattrs of %s", path);
    if (n == 0)
        return 0;
    cleanup_free char *names = gt_xmalloc((size_t)n);
    if ((n = listxattr(proc, names, (size_t)n)) < 0)
        return gt_err_sys(err, errno, "list xattrs of %s", path);
    for (char *name = names; name < names + n; name += strlen(name) + 1) {
        if (skip_xattr(name))
            continue;
        ssize_t vl = getxattr(proc, name, NULL, 0);
        if (vl < 0)
            return gt_err_sys(err, errno, "read xattr %s of %s", name, path);
        cleanup_free char *val = gt_xmalloc((size_t)vl + 1);
        if ((vl = getxattr(proc, name, val, (size_t)vl)) < 0)
            return gt_err_sys(err, errno, "read xattr %s of %s", name, path);
        archive_entry_xattr_add_entry(ent, name, val, (size_t)vl);
    }
    return 0;
}

static bool is_opaque(int fd)
{
    char proc[64], v[4];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    ssize_t n = getxattr(proc, GT_OVERLAY_OPAQUE_XATTR, v, sizeof v);
    if (n < 0)
        n = getxattr(proc, "user.overlay.opaque", v, sizeof v);
    return n == 1 && v[0] == 'y';
}

/* An entry with st's owner, mode and (whole-second) mtime, as docker's
 * archive writes them. */
static struct archive_entry *entry_of(const char *path, const struct stat *st)
{
    struct archive_entry *ent = archive_entry_new();
    archive_entry_copy_pathname(ent, path);
    archive_entry_set_mode(ent, st->st_mode);
    archive_entry_set_uid(ent, st->st_uid);
    archive_entry_set_gid(ent, st->st_gid);
    archive_entry_set_mtime(ent, st->st_mtim.tv_sec, 0);
    return ent;
}

static int write_empty(struct walk *w, const char *path, mode_t perm, const struct stat *st,
                       struct gt_error *err)
{
    struct archive_entry *ent = entry_of(path, st);
    archive_entry_set_filetype(ent, AE_IFREG);
    archive_entry_set_perm(ent, perm);
    archive_entry_set_size(ent, 0);
    int ar = archive_write_header(w->tar, ent);
    archive_entry_free(ent);
    if (ar < ARCHIVE_WARN)
        return tar_fail(w, path, err);
    w->entries++;
    return 0;
}

static int copy_data(struct walk *w, int dirfd, const char *name, const char *path, int64_t size,
                     struct gt_error *err)
{
    cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return gt_err_sys(err, errno, "open %s", path);
    cleanup_free char *buf = gt_xmalloc(COPY_BLOCK);
    int64_t left = size;
    while (left > 0) {
        ssize_t n = read(fd, buf, left < COPY_BLOCK ? (size_t)left : COPY_BLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return gt_err_sys(err, errno, "read %s", path);
        if (n == 0)
            break; /* shrank while we read: the writer pads the entry */
        if (archive_write_data(w->tar, buf, (size_t)n) < 0)
            return tar_fail(w, path, err);
        left -= n;
    }
    return 0;
}

static int walk_dir(struct walk *w, int dfd, const char *prefix, int depth, struct gt_error *err);

static int walk_entry(struct walk *w, int dfd, const char *name, const char *prefix, int depth,
                      struct gt_error *err)
{
    cleanup_free char *path = gt_xasprintf("%s%s", prefix, name);
    for (char *const *x = w->exclude; x && *x; x++)
        if (!strcmp(*x, path))
            return 0;
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : gt_err_sys(err, errno, "stat %s", path);
    if (gt_tree_is_whiteout(&st)) {
        cleanup_free char *wh = gt_xasprintf("%s" WH_PREFIX "%s", prefix, name);
        return write_empty(w, wh, 0600, &st, err);
    }
    if (S_ISSOCK(st.st_mode))
        return 0;
    cleanup_close int pfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (pfd < 0)
        return errno == ENOENT ? 0 : gt_err_sys(err, errno, "open %s", path);
    struct archive_entry *ent = entry_of(path, &st);
    int r = add_xattrs(ent, pfd, path, err);
    bool data = false;
    if (r == 0) {
        switch (st.st_mode & S_IFMT) {
        case S_IFDIR:
            archive_entry_set_filetype(ent, AE_IFDIR);
            break;
        case S_IFLNK: {
            char target[PATH_MAX + 1];
            ssize_t n = readlinkat(pfd, "", target, sizeof target - 1);
            if (n < 0) {
                r = gt_err_sys(err, errno, "read link %s", path);
                break;
            }
            target[n] = '\0';
            archive_entry_set_filetype(ent, AE_IFLNK);
            archive_entry_copy_symlink(ent, target);
            break;
        }
        case S_IFREG: {
            archive_entry_set_filetype(ent, AE_IFREG);
            const char *first = NULL;
            if (st.st_nlink > 1) {
                for (size_t i = 0; i < w->n_links && !first; i++)
                    if (w->links[i].dev == st.st_dev && w->links[i].ino == st.st_ino)
                        first = w->links[i].path;
                if (!first) {
                    if (w->n_links == w->cap_links) {
                        w->cap_links = w->cap_links * 2 + 16;
                        w->links = gt_xrealloc(w->links, w->cap_links * sizeof *w->links);
                    }
                    w->links[w->n_links++] =
                        (struct link){ st.st_dev, st.st_ino, gt_xstrdup(path) };
                }
            }
            if (first) {
                archive_entry_copy_hardlink(ent, first);
                archive_entry_set_size(ent, 0);
            } else {
                archive_entry_set_size(ent, st.st_size);
                data = st.st_size > 0;
            }
            break;
        }
        case S_IFCHR:
        case S_IFBLK:
            archive_entry_set_filetype(ent, S_ISCHR(st.st_mode) ? AE_IFCHR : AE_IFBLK);
            archive_entry_set_rdev(ent, st.st_rdev);
            break;
        case S_IFIFO:
            archive_entry_set_filetype(ent, AE_IFIFO);
            break;
        default:
            archive_entry_free(ent);
            return 0;
        }
    }
    if (r == 0 && archive_write_header(w->tar, ent) < ARCHIVE_WARN)
        r = tar_fail(w, path, err);
    archive_entry_free(ent);
    if (r < 0)
        return r;
    w->entries++;
    if (data && (r = copy_data(w, dfd, name, path, st.st_size, err)) < 0)
        return r;
    if (!S_ISDIR(st.st_mode))
        return 0;
    if (depth > 4096)
        return gt_err(err, ELOOP, "%s: directories nested too deep", path);
    cleanup_close int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
        return gt_err_sys(err, errno, "open directory %s", path);
    cleanup_free char *sub_prefix = gt_xasprintf("%s/", path);
    if (is_opaque(pfd)) {
        cleanup_free char *opq = gt_xasprintf("%s" WH_OPAQUE, sub_prefix);
        if ((r = write_empty(w, opq, st.st_mode & 0777, &st, err)) < 0)
            return r;
    }
    return walk_dir(w, sub, sub_prefix, depth + 1, err);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(struct walk *w, int dfd, const char *prefix, int depth, struct gt_error *err)
{
    cleanup_strv char **names = NULL;
    int r = gt_list_dir_at(dfd, &names, err);
    if (r < 0)
        return gt_err_prefix(err, "list %s", *prefix ? prefix : "/");
    qsort(names, gt_strv_len(names), sizeof *names, name_cmp);
    for (char **n = names; *n; n++)
        if ((r = walk_entry(w, dfd, *n, prefix, depth, err)) < 0)
            return r;
    return 0;
}

static void hex_digest(struct sha256_ctx *h, char **out)
{
    uint8_t raw[SHA256_DIGEST_SIZE];
    sha256_digest(h, sizeof raw, raw);
    char s[80];
    char *p = s + sprintf(s, "sha256:");
    for (size_t i = 0; i < sizeof raw; i++)
        p += sprintf(p, "%02x", raw[i]);
    *out = gt_xstrdup(s);
}

int gt_layer_write_upper(struct gt_import_txn *tx, int upper_fd, char *const *exclude,
                         struct gt_layer_info *info, struct gt_error *err)
{
    memset(info, 0, sizeof *info);
    struct out o = { 0 };
    sha256_init(&o.diff);
    int64_t offset = 0;
    int r = gt_content_writer_open(tx->st->cs, NULL, -1, &o.blob, &offset, err);
    if (r < 0)
        return r;
    struct walk w = { .out = &o, .exclude = exclude };
    w.tar = archive_write_new();
    archive_write_set_format_pax_restricted(w.tar);
    archive_write_add_filter_none(w.tar);
    archive_write_set_bytes_in_last_block(w.tar, 1);
    if (!(o.gz = gt_gzip_writer_new(blob_write, &o, err))) {
        r = -EIO;
        goto out;
    }
    if (archive_write_open2(w.tar, &o, NULL, tar_write, NULL, NULL) != ARCHIVE_OK) {
        r = gt_err(err, EIO, "start the layer: %s", archive_error_string(w.tar));
        goto out;
    }
    if ((r = walk_dir(&w, upper_fd, "", 0, err)) < 0)
        goto out;
    if (archive_write_close(w.tar) != ARCHIVE_OK) {
        r = tar_fail(&w, "the end", err);
        goto out;
    }
    if (archive_write_close(o.gz) != ARCHIVE_OK) {
        r = o.failed ? gt_err(err, o.werr.code ? o.werr.code : EIO, "%s", o.werr.msg)
                     : gt_err(err, EIO, "compress the layer: %s", archive_error_string(o.gz));
        goto out;
    }
    info->entries = w.entries;
    hex_digest(&o.diff, &info->diff_id);
    if (w.entries == 0) {
        gt_content_writer_abort(o.blob, false);
        o.blob = NULL;
        goto out;
    }
    r = gt_import_blob_writer(tx, o.blob, &info->digest, err);
    o.blob = NULL;
    info->size = o.size;
out:
    archive_write_free(w.tar);
    if (o.gz)
        archive_write_free(o.gz);
    if (o.blob)
        gt_content_writer_abort(o.blob, false);
    for (size_t i = 0; i < w.n_links; i++)
        free(w.links[i].path);
    free(w.links);
    if (r < 0)
        gt_layer_info_release(info);
    return r;
}

/* ---- the image ---- */

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v && *v)
        json_object_set_new(o, key, json_string(v));
}

/* The new config: the base's platform, its rootfs and history extended. */
static json_t *new_config(const struct gt_image *base, const struct gt_platform *host,
                          const struct gt_commit_opts *o, const struct gt_layer_info *li)
{
    json_t *bc = base ? base->config.json : NULL;
    char created[48];
    gt_rfc3339_now(created, sizeof created);
    json_t *c = json_object();
    const struct gt_platform *p = base ? &base->config.platform : host;
    json_object_set_new(c, "architecture", json_string(p->arch ? p->arch : "amd64"));
    json_object_set_new(c, "os", json_string(p->os ? p->os : "linux"));
    set_str(c, "variant", json_string_value(json_object_get(bc, "variant")));
    set_str(c, "os.version", json_string_value(json_object_get(bc, "os.version")));
    if (json_is_array(json_object_get(bc, "os.features")))
        json_object_set(c, "os.features", json_object_get(bc, "os.features"));
    json_object_set_new(c, "config", o->config ? json_deep_copy(o->config) : json_object());
    set_str(c, "container", o->container);
    if (o->container_config)
        json_object_set_new(c, "container_config", json_deep_copy(o->container_config));
    json_object_set_new(c, "created", json_string(created));
    set_str(c, "author", o->author);
    set_str(c, "comment", o->comment);
    json_t *diff_ids = json_array();
    for (size_t i = 0; base && i < base->config.n_diff_ids; i++)
        json_array_append_new(diff_ids, json_string(base->config.diff_ids[i]));
    if (li->digest)
        json_array_append_new(diff_ids, json_string(li->diff_id));
    json_object_set_new(c, "rootfs",
                        json_pack("{s:s,s:o}", "type", "layers", "diff_ids", diff_ids));
    json_t *hist = json_array();
    json_t *bh = json_object_get(bc, "history");
    if (json_is_array(bh))
        json_array_extend(hist, bh);
    json_t *h = json_pack("{s:s}", "created", created);
    set_str(h, "author", o->author);
    json_object_set_new(h, "created_by", json_string(o->created_by ? o->created_by : ""));
    set_str(h, "comment", o->comment);
    if (!li->digest)
        json_object_set_new(h, "empty_layer", json_true());
    json_array_append_new(hist, h);
    json_object_set_new(c, "history", hist);
    return c;
}

static json_t *descriptor(const char *media_type, const char *digest, int64_t size)
{
    return json_pack("{s:s,s:s,s:I}", "mediaType", media_type, "digest", digest, "size",
                     (json_int_t)size);
}

static int put_json(struct gt_import_txn *tx, json_t *j, char **digest, int64_t *size,
                    struct gt_error *err)
{
    cleanup_free char *s = json_dumps(j, JSON_COMPACT);
    if (!s)
        return gt_err(err, ENOMEM, "encode a JSON document");
    *size = (int64_t)strlen(s);
    return gt_import_blob_buf(tx, s, strlen(s), NULL, digest, err);
}

int gt_image_commit(struct gt_image_store *st, int upper_fd, const struct gt_commit_opts *o,
                    char **image_id, struct gt_error *err)
{
    struct gt_image base;
    bool have_base = false;
    int r;
    if (o->base) {
        if ((r = gt_image_store_load_named(st, o->base, &base, err)) < 0)
            return gt_err_prefix(err, "the base image %s", o->base);
        have_base = true;
        if (base.manifest.n_layers != base.config.n_diff_ids) {
            gt_image_release(&base);
            return gt_err(err, EINVAL, "the base image %s has %zu layers but %zu diff ids",
                          o->base, base.manifest.n_layers, base.config.n_diff_ids);
        }
    }
    struct gt_import_txn tx;
    if ((r = gt_import_begin(&tx, st, err)) < 0) {
        if (have_base)
            gt_image_release(&base);
        return r;
    }
    struct gt_layer_info li;
    cleanup_json json_t *config = NULL, *manifest = NULL;
    cleanup_free char *config_digest = NULL, *manifest_digest = NULL;
    int64_t config_size = 0, manifest_size = 0;
    if ((r = gt_layer_write_upper(&tx, upper_fd, o->exclude, &li, err)) < 0) {
        gt_err_prefix(err, "write the container's changes as a layer");
        goto out;
    }
    config = new_config(have_base ? &base : NULL, &st->platform, o, &li);
    if ((r = put_json(&tx, config, &config_digest, &config_size, err)) < 0)
        goto out_layer;
    json_t *layers = json_array();
    for (size_t i = 0; have_base && i < base.manifest.n_layers; i++) {
        const struct gt_descriptor *d = &base.manifest.layers[i];
        json_array_append_new(layers, descriptor(gt_layer_media_type_of(st->cs, d->digest),
                                                 d->digest, d->size));
    }
    if (li.digest)
        json_array_append_new(layers, descriptor(GT_MT_OCI_LAYER_GZIP, li.digest, li.size));
    manifest = json_pack("{s:i,s:s,s:o,s:o}", "schemaVersion", 2, "mediaType", GT_MT_OCI_MANIFEST,
                         "config", descriptor(GT_MT_OCI_CONFIG, config_digest, config_size),
                         "layers", layers);
    if ((r = put_json(&tx, manifest, &manifest_digest, &manifest_size, err)) < 0)
        goto out_layer;
    if ((r = gt_import_image(&tx, manifest_digest, o->refs, NULL, err)) < 0) {
        gt_err_prefix(err, "record the new image");
        goto out_layer;
    }
    *image_id = steal_pointer(&config_digest);
out_layer:
    gt_layer_info_release(&li);
out:
    gt_import_end(&tx, r < 0, NULL);
    if (have_base)
        gt_image_release(&base);
    return r;
}
