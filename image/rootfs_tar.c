/* image/rootfs_tar.c - a root filesystem tarball made into a one-layer
 * image, as `docker import` does (see transfer.h). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "image/transfer.h"

#define CHUNK (256 * 1024)

/* The input as libarchive reads it: the bytes peeked first, then the fd;
 * what it reads is also copied to keep (gzip and zstd input is stored as
 * it came). */
struct source {
    int fd;
    unsigned char head[8];
    size_t head_len;
    bool head_given;
    unsigned char *buf;
    struct gt_content_writer *keep;
    int rc; /* a failure of ours, with err */
    struct gt_error err;
};

static ssize_t read_some(int fd, void *buf, size_t len)
{
    ssize_t n;
    do
        n = read(fd, buf, len);
    while (n < 0 && errno == EINTR);
    return n;
}

static la_ssize_t source_read(struct archive *a, void *arg, const void **out)
{
    struct source *s = arg;
    ssize_t n;
    if (!s->head_given && s->head_len) {
        s->head_given = true;
        *out = s->head;
        n = (ssize_t)s->head_len;
    } else {
        n = read_some(s->fd, s->buf, CHUNK);
        if (n < 0) {
            s->rc = gt_err_sys(&s->err, errno, "read the tarball");
            archive_set_error(a, EIO, "%s", s->err.msg);
            return -1;
        }
        *out = s->buf;
    }
    if (n > 0 && s->keep) {
        int r = gt_content_writer_write(s->keep, *out, (size_t)n, &s->err);
        if (r < 0) {
            s->rc = r;
            archive_set_error(a, EIO, "%s", s->err.msg);
            return -1;
        }
    }
    return n;
}

/* The gzip-compressed layer being written for other input. */
struct sink {
    struct gt_content_writer *w;
    int rc;
    struct gt_error err;
};

static la_ssize_t sink_write(struct archive *a, void *arg, const void *buf, size_t len)
{
    struct sink *k = arg;
    int r = gt_content_writer_write(k->w, buf, len, &k->err);
    if (r < 0) {
        k->rc = r;
        archive_set_error(a, EIO, "%s", k->err.msg);
        return -1;
    }
    return (la_ssize_t)len;
}

static struct archive *gzip_writer(struct sink *k, struct gt_error *err)
{
    struct archive *w = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "layer.tar");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    if (archive_write_add_filter_gzip(w) != ARCHIVE_OK ||
        archive_write_set_format_raw(w) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(w, 1) != ARCHIVE_OK ||
        archive_write_open(w, k, NULL, sink_write, NULL) != ARCHIVE_OK ||
        archive_write_header(w, e) != ARCHIVE_OK) {
        gt_err(err, EIO, "gzip the layer: %s", archive_error_string(w));
        archive_write_free(w);
        w = NULL;
    }
    archive_entry_free(e);
    return w;
}

static int pass_err(struct gt_error *err, const struct gt_error *from, int rc)
{
    if (err)
        *err = *from;
    return rc;
}

struct layer {
    char *digest;
    const char *media_type;
    int64_t size;
    char diff_id[80];
};

/* Reads the tarball to its end into the content store: gzip and zstd as
 * they came, anything else gzip-compressed; the diff id is the sha256 of
 * the uncompressed stream. */
static int store_layer(struct gt_import_txn *tx, int fd, struct layer *out,
                       struct gt_error *err)
{
    struct source s = { .fd = fd };
    ssize_t n;
    while (s.head_len < 6 && (n = read_some(fd, s.head + s.head_len, 6 - s.head_len)) > 0)
        s.head_len += (size_t)n;
    if (s.head_len == 0)
        return gt_err(err, EINVAL, "the tarball is empty");
    const unsigned char *h = s.head;
    bool gzip = s.head_len >= 2 && h[0] == 0x1f && h[1] == 0x8b;
    bool zstd = s.head_len >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd;
    out->media_type = zstd ? GT_MT_OCI_LAYER_ZSTD : GT_MT_OCI_LAYER_GZIP;

    struct gt_content_writer *w = NULL;
    int64_t off = 0;
    int r = gt_content_writer_open(tx->st->cs, NULL, -1, &w, &off, err);
    if (r < 0)
        return r;
    struct sink k = { .w = w };
    struct archive *gz = NULL;
    if (gzip || zstd)
        s.keep = w;
    else if (!(gz = gzip_writer(&k, err))) {
        gt_content_writer_abort(w, false);
        return -EIO;
    }
    s.buf = gt_xmalloc(CHUNK);
    struct sha256_ctx hash;
    sha256_init(&hash);
    struct archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_format_raw(a);
    struct archive_entry *e;
    cleanup_free char *data = gt_xmalloc(CHUNK);
    if (archive_read_open(a, &s, NULL, source_read, NULL) != ARCHIVE_OK ||
        archive_read_next_header(a, &e) != ARCHIVE_OK) {
        r = -EINVAL;
    } else {
        la_ssize_t got;
        while ((got = archive_read_data(a, data, CHUNK)) > 0 || got == ARCHIVE_RETRY) {
            if (got <= 0)
                continue;
            sha256_update(&hash, (size_t)got, (const uint8_t *)data);
            if (gz && archive_write_data(gz, data, (size_t)got) != got) {
                r = k.rc < 0 ? k.rc : -EIO;
                break;
            }
        }
        if (got < 0)
            r = -EINVAL;
    }
    if (r < 0) {
        if (s.rc < 0)
            r = pass_err(err, &s.err, s.rc);
        else if (k.rc < 0)
            r = pass_err(err, &k.err, k.rc);
        else if (r == -EINVAL)
            gt_err(err, EINVAL, "read the tarball: %s",
                   archive_error_string(a) ? archive_error_string(a) : "unreadable stream");
        else
            gt_err(err, EIO, "gzip the layer: %s", archive_error_string(gz));
    }
    /* what the decompressor left unread (a trailer, padding) still
     * belongs to the stored bytes, and to the body */
    while (r == 0 && (n = read_some(fd, s.buf, CHUNK)) > 0)
        if (s.keep && (r = gt_content_writer_write(w, s.buf, (size_t)n, err)) < 0)
            break;
    if (r == 0 && n < 0)
        r = gt_err_sys(err, errno, "read the tarball");
    if (gz) {
        if (r == 0 && archive_write_close(gz) != ARCHIVE_OK)
            r = k.rc < 0 ? pass_err(err, &k.err, k.rc)
                         : gt_err(err, EIO, "gzip the layer: %s", archive_error_string(gz));
        archive_write_free(gz);
    }
    archive_read_free(a);
    free(s.buf);
    if (r < 0) {
        gt_content_writer_abort(w, false);
        return r;
    }
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&hash, sizeof d, d);
    int len = snprintf(out->diff_id, sizeof out->diff_id, "sha256:");
    for (size_t i = 0; i < sizeof d; i++)
        len += snprintf(out->diff_id + len, sizeof out->diff_id - (size_t)len, "%02x", d[i]);
    if ((r = gt_import_blob_writer(tx, w, &out->digest, err)) < 0)
        return r;
    return gt_content_size(tx->st->cs, out->digest, &out->size, err);
}

/* RFC 3339 with nanoseconds, UTC, as Go writes time.Time. */
static void now_rfc3339(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

static json_t *image_config(const struct gt_rootfs_import_opts *opts,
                            const struct gt_platform *host, const char *diff_id)
{
    char created[48];
    now_rfc3339(created, sizeof created);
    const struct gt_platform *p = opts->platform ? opts->platform : host;
    json_t *hist = json_pack("{s:s}", "created", created);
    if (opts->comment && *opts->comment)
        json_object_set_new(hist, "comment", json_string(opts->comment));
    json_t *c = opts->config ? json_deep_copy(opts->config) : json_object();
    json_t *cfg = json_pack("{s:s,s:s,s:s,s:o,s:{s:s,s:[s]},s:[o]}", "created", created,
                            "architecture", p->arch, "os", p->os, "config", c, "rootfs",
                            "type", "layers", "diff_ids", diff_id, "history", hist);
    /* amd64's variant is the host CPU's level: an image says none */
    if (p->variant && (opts->platform || strcmp(p->arch, "amd64") != 0))
        json_object_set_new(cfg, "variant", json_string(p->variant));
    return cfg;
}

/* The layer, config and manifest into the store, then the record. */
static int import_into(struct gt_import_txn *tx, int fd, const struct gt_rootfs_import_opts *opts,
                       char **image_id, struct gt_error *err)
{
    struct layer l = { 0 };
    int r = store_layer(tx, fd, &l, err);
    if (r == 0 && opts->input_done)
        r = opts->input_done(opts->input_arg, err);
    if (r < 0) {
        free(l.digest);
        return r;
    }
    cleanup_json json_t *cfg = image_config(opts, &tx->st->platform, l.diff_id);
    cleanup_free char *cdata = json_dumps(cfg, JSON_COMPACT);
    cleanup_free char *cdigest = NULL, *mdigest = NULL;
    r = gt_import_blob_buf(tx, cdata, strlen(cdata), NULL, &cdigest, err);
    if (r == 0) {
        cleanup_json json_t *m = json_pack(
            "{s:i,s:s,s:{s:s,s:s,s:I},s:[{s:s,s:s,s:I}]}", "schemaVersion", 2, "mediaType",
            GT_MT_OCI_MANIFEST, "config", "mediaType", GT_MT_OCI_CONFIG, "digest", cdigest,
            "size", (json_int_t)strlen(cdata), "layers", "mediaType", l.media_type, "digest",
            l.digest, "size", (json_int_t)l.size);
        cleanup_free char *mdata = json_dumps(m, JSON_COMPACT);
        r = gt_import_blob_buf(tx, mdata, strlen(mdata), NULL, &mdigest, err);
    }
    free(l.digest);
    if (r < 0)
        return r;
    char *refs[] = { (char *)opts->ref, NULL };
    struct gt_import_opts io = { .unpack = opts->unpack };
    if ((r = gt_import_image(tx, mdigest, opts->ref ? refs : NULL, &io, err)) < 0)
        return r;
    if (image_id)
        *image_id = steal_pointer(&cdigest);
    return 0;
}

int gt_rootfs_tar_import(struct gt_image_store *st, int fd,
                         const struct gt_rootfs_import_opts *opts, char **image_id,
                         struct gt_error *err)
{
    static const struct gt_rootfs_import_opts none = { 0 };
    struct gt_import_txn tx;
    int r = gt_import_begin(&tx, st, err);
    if (r < 0)
        return r;
    r = import_into(&tx, fd, opts ? opts : &none, image_id, err);
    gt_import_end(&tx, r < 0, NULL);
    if (r < 0)
        gt_err_prefix(err, "import");
    return r;
}
