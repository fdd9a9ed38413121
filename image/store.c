/* image/store.c - image records, lookup, removal, collection, checks (see store.h). */
#include "image/store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "image/ref.h"

#define RECORDS_FILE "images.json"
#define RECORDS_LOCK "images.lock"
#define RECORDS_MAX (64 << 20)

const char *gt_data_root(const char *flag)
{
    if (flag && *flag)
        return flag;
    const char *env = getenv("GANTRY_DATA_ROOT");
    if (env && *env)
        return env;
    return GT_DATA_ROOT_DEFAULT;
}

int gt_image_store_open(const char *data_root, struct gt_image_store **out, struct gt_error *err)
{
    struct gt_image_store *st = gt_xcalloc(1, sizeof *st);
    st->root = gt_xstrdup(data_root);
    gt_platform_default(&st->platform);
    int r = gt_content_open(data_root, &st->cs, err);
    if (r == 0)
        r = gt_snapshots_open(st->cs, &st->ss, err);
    if (r < 0) {
        gt_image_store_free(st);
        return r;
    }
    *out = st;
    return 0;
}

void gt_image_store_free(struct gt_image_store *st)
{
    if (!st)
        return;
    gt_snapshots_free(st->ss);
    gt_content_free(st->cs);
    gt_platform_release(&st->platform);
    free(st->root);
    free(st);
}

void gt_image_record_release(struct gt_image_record *rec)
{
    free(rec->target);
    free(rec->media_type);
    free(rec->manifest);
    free(rec->config);
    free(rec->created);
    gt_strv_free(rec->refs);
    memset(rec, 0, sizeof *rec);
}

void gt_image_records_free(struct gt_image_record *recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gt_image_record_release(&recs[i]);
    free(recs);
}

/* ---- the records file ---- */

struct records {
    int lock_fd;
    json_t *db;
};

static void records_close(struct records *rs)
{
    if (rs->lock_fd >= 0)
        close(rs->lock_fd); /* releases the flock */
    if (rs->db)
        json_decref(rs->db);
    rs->lock_fd = -1;
    rs->db = NULL;
}

static int records_open(struct gt_image_store *st, bool exclusive, struct records *rs,
                        struct gt_error *err)
{
    rs->lock_fd = -1;
    rs->db = NULL;
    cleanup_free char *lock = gt_path_join(st->root, RECORDS_LOCK);
    rs->lock_fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (rs->lock_fd < 0)
        return gt_err_sys(err, errno, "open %s", lock);
    int r;
    do
        r = flock(rs->lock_fd, exclusive ? LOCK_EX : LOCK_SH);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        r = gt_err_sys(err, errno, "lock %s", lock);
        records_close(rs);
        return r;
    }
    cleanup_free char *path = gt_path_join(st->root, RECORDS_FILE);
    cleanup_free char *buf = NULL;
    size_t len;
    r = gt_read_file(path, RECORDS_MAX, &buf, &len, err);
    if (r == -ENOENT) {
        rs->db = json_pack("{s:i, s:{}, s:{}}", "version", 1, "images", "refs");
        return 0;
    }
    if (r == 0)
        r = gt_json_load_buf(buf, len, path, &rs->db, err);
    if (r == 0 && (!json_is_object(json_object_get(rs->db, "images")) ||
                   !json_is_object(json_object_get(rs->db, "refs"))))
        r = gt_err(err, EINVAL, "%s: not an image record file", path);
    if (r < 0) {
        records_close(rs);
        return r;
    }
    return 0;
}

static int records_save(struct gt_image_store *st, struct records *rs, struct gt_error *err)
{
    cleanup_free char *path = gt_path_join(st->root, RECORDS_FILE);
    return gt_json_dump_file(path, rs->db, true, err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void record_from_json(json_t *db, const char *target, json_t *img,
                             struct gt_image_record *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->target = gt_xstrdup(target);
    const char *s;
    rec->media_type = gt_xstrdup((s = json_string_value(json_object_get(img, "mediaType"))) ? s : "");
    rec->manifest = gt_xstrdup((s = json_string_value(json_object_get(img, "manifest"))) ? s : target);
    rec->config = gt_xstrdup((s = json_string_value(json_object_get(img, "config"))) ? s : "");
    s = json_string_value(json_object_get(img, "created"));
    rec->created = s ? gt_xstrdup(s) : NULL;
    rec->size = json_integer_value(json_object_get(img, "size"));
    rec->added = json_integer_value(json_object_get(img, "added"));
    rec->refs = gt_xcalloc(1, sizeof *rec->refs);
    const char *ref;
    json_t *t;
    json_object_foreach(json_object_get(db, "refs"), ref, t)
        if (!strcmp(json_string_value(t) ? json_string_value(t) : "", target))
            gt_strv_push(&rec->refs, ref);
    qsort(rec->refs, gt_strv_len(rec->refs), sizeof *rec->refs, cmp_str);
}

static size_t count_refs(json_t *db, const char *target)
{
    size_t n = 0;
    const char *ref;
    json_t *t;
    json_object_foreach(json_object_get(db, "refs"), ref, t)
        if (json_string_value(t) && !strcmp(json_string_value(t), target))
            n++;
    return n;
}

/* ---- adding ---- */

int gt_image_store_load_image(struct gt_image_store *st, const struct gt_image_record *rec,
                        struct gt_image *img, struct gt_error *err)
{
    return gt_image_load(st->cs, rec->target, &st->platform, img, err);
}

int gt_image_store_load_named(struct gt_image_store *st, const char *name, struct gt_image *img,
                              struct gt_error *err)
{
    struct gt_image_record rec;
    int r = gt_image_store_lookup(st, name, &rec, err);
    if (r < 0)
        return r;
    r = gt_image_store_load_image(st, &rec, img, err);
    gt_image_record_release(&rec);
    return r;
}

int gt_image_store_add_image(struct gt_image_store *st, const char *target, char *const *refs,
                       struct gt_image_record *out, struct gt_error *err)
{
    struct gt_image img;
    int r = gt_image_load(st->cs, target, &st->platform, &img, err);
    if (r < 0)
        return gt_err_prefix(err, "record image %s", target);
    cleanup_strv char **norm = NULL;
    for (char *const *p = refs; p && *p; p++) {
        char *n;
        if ((r = gt_ref_normalize(*p, &n, err)) < 0) {
            gt_image_release(&img);
            return r;
        }
        gt_strv_push(&norm, n);
        free(n);
    }
    int64_t size = img.manifest.config.size;
    for (size_t i = 0; i < img.manifest.n_layers; i++)
        size += img.manifest.layers[i].size;
    int64_t msize = 0;
    if (gt_content_size(st->cs, img.manifest_digest, &msize, NULL) == 0)
        size += msize;
    const char *created = json_string_value(json_object_get(img.config.json, "created"));
    json_t *rec = json_pack("{s:s, s:s, s:s, s:I, s:I}", "mediaType", img.target_media_type,
                            "manifest", img.manifest_digest, "config", img.config_digest, "size",
                            (json_int_t)size, "added", (json_int_t)time(NULL));
    if (created)
        json_object_set_new(rec, "created", json_string(created));
    gt_image_release(&img);

    struct records rs;
    if ((r = records_open(st, true, &rs, err)) < 0) {
        json_decref(rec);
        return r;
    }
    json_t *old = json_object_get(json_object_get(rs.db, "images"), target);
    if (old) /* keep when it was first added */
        json_object_set(rec, "added", json_object_get(old, "added"));
    json_object_set_new(json_object_get(rs.db, "images"), target, rec);
    for (char **p = norm; p && *p; p++)
        json_object_set_new(json_object_get(rs.db, "refs"), *p, json_string(target));
    r = records_save(st, &rs, err);
    if (r == 0 && out)
        record_from_json(rs.db, target, json_object_get(json_object_get(rs.db, "images"), target),
                         out);
    records_close(&rs);
    return r;
}

/* ---- finding ---- */

static bool is_hex(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
            return false;
    return true;
}

/* The target that name finds in db (borrowed), or NULL with err set. */
static const char *find(json_t *db, const char *name, struct gt_error *err)
{
    json_t *images = json_object_get(db, "images");
    json_t *refs = json_object_get(db, "refs");
    if (!strncmp(name, "sha256:", 7) && gt_digest_validate(name, NULL) == 0) {
        if (json_object_get(images, name))
            return json_object_iter_key(json_object_iter_at(images, name));
        const char *t;
        json_t *img;
        json_object_foreach(images, t, img) {
            const char *cfg = json_string_value(json_object_get(img, "config"));
            if (cfg && !strcmp(cfg, name))
                return t;
        }
        gt_err(err, ENOENT, "No such image: %s", name);
        return NULL;
    }
    struct gt_ref ref;
    if (gt_ref_parse(name, &ref, NULL) == 0) {
        cleanup_free char *full = gt_ref_string(&ref);
        gt_ref_release(&ref);
        json_t *t = json_object_get(refs, full);
        if (json_is_string(t)) {
            const char *target = json_string_value(t);
            if (json_object_get(images, target))
                return json_object_iter_key(json_object_iter_at(images, target));
        }
    }
    size_t n = strlen(name);
    if (n >= 12 && n <= 64 && is_hex(name)) {
        const char *found = NULL, *t;
        json_t *img;
        json_object_foreach(images, t, img) {
            const char *cfg = json_string_value(json_object_get(img, "config"));
            if ((cfg && !strncmp(cfg + 7, name, n)) || !strncmp(t + 7, name, n)) {
                if (found && strcmp(found, t) != 0) {
                    gt_err(err, EINVAL, "image id prefix %s is ambiguous", name);
                    return NULL;
                }
                found = t;
            }
        }
        if (found)
            return found;
    }
    gt_err(err, ENOENT, "No such image: %s", name);
    return NULL;
}

int gt_image_store_lookup(struct gt_image_store *st, const char *name, struct gt_image_record *out,
                    struct gt_error *err)
{
    struct records rs;
    int r = records_open(st, false, &rs, err);
    if (r < 0)
        return r;
    struct gt_error local;
    if (!err)
        err = &local;
    const char *target = find(rs.db, name, err);
    if (!target) {
        r = -err->code;
    } else {
        record_from_json(rs.db, target, json_object_get(json_object_get(rs.db, "images"), target),
                         out);
    }
    records_close(&rs);
    return r;
}

static int cmp_rec(const void *a, const void *b)
{
    const struct gt_image_record *x = a, *y = b;
    if (x->added != y->added)
        return x->added < y->added ? 1 : -1; /* newest first */
    return strcmp(x->target, y->target);
}

int gt_image_store_list(struct gt_image_store *st, struct gt_image_record **out, size_t *n,
                  struct gt_error *err)
{
    struct records rs;
    int r = records_open(st, false, &rs, err);
    if (r < 0)
        return r;
    json_t *images = json_object_get(rs.db, "images");
    size_t cnt = json_object_size(images), i = 0;
    struct gt_image_record *recs = gt_xcalloc(cnt + 1, sizeof *recs);
    const char *t;
    json_t *img;
    json_object_foreach(images, t, img)
        record_from_json(rs.db, t, img, &recs[i++]);
    records_close(&rs);
    qsort(recs, i, sizeof *recs, cmp_rec);
    *out = recs;
    *n = i;
    return 0;
}

int gt_image_store_tag(struct gt_image_store *st, const char *name, const char *ref, struct gt_error *err)
{
    cleanup_free char *full = NULL;
    int r = gt_ref_normalize(ref, &full, err);
    if (r < 0)
        return r;
    struct records rs;
    if ((r = records_open(st, true, &rs, err)) < 0)
        return r;
    const char *target = find(rs.db, name, err);
    if (!target) {
        records_close(&rs);
        return -ENOENT;
    }
    json_object_set_new(json_object_get(rs.db, "refs"), full, json_string(target));
    r = records_save(st, &rs, err);
    records_close(&rs);
    return r;
}

static void push_familiar(char ***out, const char *verb, const char *full)
{
    struct gt_ref ref;
    if (gt_ref_parse(full, &ref, NULL) == 0) {
        cleanup_free char *fam = gt_ref_familiar(&ref);
        gt_strv_pushf(out, "%s: %s", verb, fam);
        gt_ref_release(&ref);
    } else {
        gt_strv_pushf(out, "%s: %s", verb, full);
    }
}

int gt_image_store_remove(struct gt_image_store *st, const char *name, bool force, char ***removed,
                    struct gt_error *err)
{
    struct records rs;
    int r = records_open(st, true, &rs, err);
    if (r < 0)
        return r;
    json_t *images = json_object_get(rs.db, "images");
    json_t *refs = json_object_get(rs.db, "refs");
    char **lines = NULL;
    cleanup_free char *target = NULL;

    /* by reference: untag; the image goes with its last reference */
    struct gt_ref ref;
    bool by_ref = false;
    if (gt_ref_parse(name, &ref, NULL) == 0) {
        cleanup_free char *full = gt_ref_string(&ref);
        gt_ref_release(&ref);
        json_t *t = json_object_get(refs, full);
        if (json_is_string(t) && !(strlen(name) >= 12 && is_hex(name) && !strchr(name, ':'))) {
            target = gt_xstrdup(json_string_value(t));
            json_object_del(refs, full);
            push_familiar(&lines, "Untagged", full);
            by_ref = true;
        }
    }
    if (!by_ref) {
        const char *t = find(rs.db, name, err);
        if (!t) {
            records_close(&rs);
            return -ENOENT;
        }
        target = gt_xstrdup(t);
        size_t n = count_refs(rs.db, target);
        if (n > 1 && !force) {
            const char *cfg = json_string_value(json_object_get(json_object_get(images, target), "config"));
            r = gt_err(err, EBUSY,
                       "conflict: unable to delete %.12s (must be forced) - image is referenced "
                       "in multiple repositories",
                       cfg ? cfg + 7 : target + 7);
            records_close(&rs);
            return r;
        }
        const char *rn;
        json_t *rt;
        void *tmp;
        json_object_foreach_safe(refs, tmp, rn, rt) {
            if (json_string_value(rt) && !strcmp(json_string_value(rt), target)) {
                push_familiar(&lines, "Untagged", rn);
                json_object_del(refs, rn);
            }
        }
    }
    if (count_refs(rs.db, target) == 0 && json_object_get(images, target)) {
        const char *cfg = json_string_value(json_object_get(json_object_get(images, target), "config"));
        gt_strv_pushf(&lines, "Deleted: %s", cfg ? cfg : target);
        json_object_del(images, target);
    }
    r = records_save(st, &rs, err);
    records_close(&rs);
    if (r < 0) {
        gt_strv_free(lines);
        return r;
    }
    if (removed)
        *removed = lines;
    else
        gt_strv_free(lines);
    return 0;
}

/* ---- unpacking ---- */

int gt_image_store_unpack(struct gt_image_store *st, const struct gt_image_record *rec,
                    const struct gt_unpack_opts *opts, char **top, struct gt_error *err)
{
    struct gt_image img;
    int r = gt_image_store_load_image(st, rec, &img, err);
    if (r < 0)
        return r;
    r = gt_snapshots_prepare_image(st->ss, &img, opts, top, err);
    gt_image_release(&img);
    return r;
}

/* ---- collection ---- */

struct reach {
    char **blobs;  /* sorted after the walk */
    char **chains; /* snapshots to keep */
};

static void reach_blob(struct gt_content *cs, const char *digest, struct reach *rc, int depth)
{
    gt_strv_push(&rc->blobs, digest);
    if (depth > 4 || !gt_content_has(cs, digest))
        return;
    cleanup_free char *data = NULL;
    size_t len;
    if (gt_content_read(cs, digest, GT_MANIFEST_MAX, &data, &len, NULL) < 0)
        return;
    cleanup_json json_t *doc = NULL;
    if (gt_json_load_buf(data, len, digest, &doc, NULL) < 0 || !json_is_object(doc))
        return;
    enum gt_doc_kind kind = gt_doc_kind(json_string_value(json_object_get(doc, "mediaType")), doc);
    if (kind == GT_DOC_INDEX) {
        struct gt_index ix;
        if (gt_index_parse(data, len, &ix, NULL) < 0)
            return;
        for (size_t i = 0; i < ix.n_manifests; i++)
            if (gt_content_has(cs, ix.manifests[i].digest))
                reach_blob(cs, ix.manifests[i].digest, rc, depth + 1);
        gt_index_release(&ix);
    } else if (kind == GT_DOC_MANIFEST) {
        struct gt_manifest m;
        if (gt_manifest_parse(data, len, &m, NULL) < 0)
            return;
        gt_strv_push(&rc->blobs, m.config.digest);
        for (size_t i = 0; i < m.n_layers; i++)
            gt_strv_push(&rc->blobs, m.layers[i].digest);
        cleanup_free char *cdata = NULL;
        size_t clen;
        struct gt_image_config cfg;
        if (gt_content_read(cs, m.config.digest, GT_CONFIG_MAX, &cdata, &clen, NULL) == 0 &&
            gt_image_config_parse(cdata, clen, &cfg, NULL) == 0) {
            if (cfg.n_diff_ids) {
                cleanup_strv char **chain = gt_chain_ids(cfg.diff_ids, cfg.n_diff_ids);
                gt_strv_push(&rc->chains, chain[cfg.n_diff_ids - 1]);
            }
            gt_image_config_release(&cfg);
        }
        gt_manifest_release(&m);
    }
}

struct sweep {
    struct gt_content *cs;
    char **live;
    size_t n_live;
    struct gt_prune_report *rep;
    struct gt_error *err;
    int failed;
};

static int sweep_blob(const char *digest, void *ctx)
{
    struct sweep *s = ctx;
    const char *key = digest;
    if (s->n_live && bsearch(&key, s->live, s->n_live, sizeof *s->live, cmp_str))
        return 0;
    int64_t size = 0;
    gt_content_size(s->cs, digest, &size, NULL);
    int r = gt_content_delete(s->cs, digest, s->err);
    if (r < 0) {
        s->failed = r;
        return r;
    }
    s->rep->blobs++;
    s->rep->blob_bytes += size;
    return 0;
}

int gt_image_store_prune(struct gt_image_store *st, bool dangling, struct gt_prune_report *rep,
                   struct gt_error *err)
{
    struct gt_prune_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    int r = gt_content_gc_lock(st->cs, err);
    if (r < 0)
        return r;
    struct reach rc = { 0 };
    struct records rs = { .lock_fd = -1 };
    if ((r = records_open(st, dangling, &rs, err)) < 0)
        goto out;
    json_t *images = json_object_get(rs.db, "images");
    if (dangling) {
        const char *t;
        json_t *img;
        void *tmp;
        json_object_foreach_safe(images, tmp, t, img) {
            if (count_refs(rs.db, t) == 0) {
                json_object_del(images, t);
                rep->images++;
            }
        }
        if (rep->images && (r = records_save(st, &rs, err)) < 0)
            goto out;
    }
    {
        const char *t;
        json_t *img;
        json_object_foreach(images, t, img)
            reach_blob(st->cs, t, &rc, 0);
    }
    records_close(&rs);
    size_t n_live = gt_strv_len(rc.blobs);
    if (n_live)
        qsort(rc.blobs, n_live, sizeof *rc.blobs, cmp_str);
    struct sweep sw = { st->cs, rc.blobs, n_live, rep, err, 0 };
    if ((r = gt_content_walk(st->cs, sweep_blob, &sw, err)) != 0) {
        r = sw.failed ? sw.failed : r;
        goto out;
    }
    if ((r = gt_snapshots_gc(st->ss, rc.chains, &rep->snapshots, err)) < 0)
        goto out;
    r = gt_content_ingest_clean(st->cs, &rep->ingests, err);
out:
    records_close(&rs);
    gt_strv_free(rc.blobs);
    gt_strv_free(rc.chains);
    gt_content_gc_unlock(st->cs);
    if (r < 0)
        return gt_err_prefix(err, "prune %s", st->root);
    return 0;
}

/* ---- checks ---- */

struct verify_ctx {
    struct gt_content *cs;
    void (*report)(const char *what, const char *problem, void *ctx);
    void *ctx;
    int problems;
};

static int verify_blob(const char *digest, void *ctx)
{
    struct verify_ctx *v = ctx;
    struct gt_error e;
    if (gt_content_verify(v->cs, digest, &e) < 0) {
        if (v->report)
            v->report("content store", e.msg, v->ctx);
        v->problems++;
    }
    return 0;
}

static void ignore_problem(const char *what, const char *problem, void *ctx)
{
    (void)what, (void)problem, (void)ctx;
}

int gt_image_store_verify(struct gt_image_store *st,
                    void (*report)(const char *what, const char *problem, void *ctx), void *ctx,
                    struct gt_error *err)
{
    if (!report)
        report = ignore_problem;
    struct verify_ctx v = { st->cs, report, ctx, 0 };
    int r = gt_content_walk(st->cs, verify_blob, &v, err);
    if (r < 0)
        return r;
    struct gt_image_record *recs;
    size_t n;
    if ((r = gt_image_store_list(st, &recs, &n, err)) < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *what = gt_xasprintf("image %s%s%s", recs[i].target,
                                               recs[i].refs[0] ? " " : "",
                                               recs[i].refs[0] ? recs[i].refs[0] : "");
        struct gt_image img;
        struct gt_error e;
        if (gt_image_store_load_image(st, &recs[i], &img, &e) < 0) {
            report(what, e.msg, ctx);
            v.problems++;
            continue;
        }
        cleanup_strv char **chain = gt_chain_ids(img.config.diff_ids, img.config.n_diff_ids);
        for (size_t l = 0; l < img.manifest.n_layers; l++) {
            char msg[256];
            if (!gt_content_has(st->cs, img.manifest.layers[l].digest)) {
                snprintf(msg, sizeof msg, "layer blob %s is missing", img.manifest.layers[l].digest);
                report(what, msg, ctx);
                v.problems++;
            }
            if (!gt_snapshot_layer_exists(st->ss, chain[l])) {
                snprintf(msg, sizeof msg, "layer %s is not unpacked (snapshot %s)",
                         img.manifest.layers[l].digest, chain[l]);
                report(what, msg, ctx);
                v.problems++;
            }
        }
        gt_image_release(&img);
    }
    gt_image_records_free(recs, n);
    r = gt_snapshots_verify(st->ss, report, ctx, err);
    if (r < 0)
        return r;
    return v.problems + r;
}

/* ---- ingesting files ---- */

int gt_image_store_ingest_fd(struct gt_content *cs, int fd, const char *expected_digest,
                       int64_t expected_size, char **digest_out, bool *existed,
                       struct gt_error *err)
{
    if (existed)
        *existed = false;
    if (expected_digest && gt_content_has(cs, expected_digest)) {
        int64_t have;
        if (gt_content_size(cs, expected_digest, &have, NULL) == 0 &&
            (expected_size < 0 || have == expected_size)) {
            if (digest_out)
                *digest_out = gt_xstrdup(expected_digest);
            if (existed)
                *existed = true;
            return 0;
        }
    }
    struct gt_content_writer *w;
    int64_t off = 0;
    int r = gt_content_writer_open(cs, expected_digest, expected_size, &w, &off, err);
    if (r < 0)
        return r;
    cleanup_free char *buf = gt_xmalloc(256 * 1024);
    /* A file resumes where the partial ingest stopped; a pipe is read from
     * its start and the bytes already ingested are skipped (the digest
     * check at the end catches a different stream). */
    bool seekable = lseek(fd, 0, SEEK_CUR) >= 0;
    int64_t skip = seekable ? 0 : off;
    for (;;) {
        ssize_t n = seekable ? pread(fd, buf, 256 * 1024, off) : read(fd, buf, 256 * 1024);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = gt_err_sys(err, errno, "read");
            gt_content_writer_abort(w, true);
            return r;
        }
        if (n == 0)
            break;
        size_t from = 0;
        if (skip > 0) {
            from = (size_t)(skip < n ? skip : n);
            skip -= (int64_t)from;
        }
        if (from < (size_t)n &&
            (r = gt_content_writer_write(w, buf + from, (size_t)n - from, err)) < 0) {
            gt_content_writer_abort(w, false);
            return r;
        }
        if (seekable)
            off += n;
    }
    if (existed) {
        cleanup_free char *d = gt_content_writer_digest(w);
        *existed = gt_content_has(cs, d);
    }
    return gt_content_writer_commit(w, digest_out, err);
}
