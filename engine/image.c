/* The engine's image functions: thin adaptations of the image module
 * (image/store.h, image/pull.h, image/transfer.h) to Docker's JSON shapes. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"
#include "image/pull.h"
#include "image/ref.h"
#include "image/transfer.h"

int eng_image_resolve_for_create(struct gt_engine *e, const char *name, char **image_id,
                             json_t **image_config, char **top_chain, struct gt_error *err)
{
    struct gt_image_record rec;
    struct gt_error lerr = { 0 };
    int r = gt_image_store_lookup(e->store, name, &rec, &lerr);
    if (r < 0) {
        if (r == -ENOENT)
            return gt_err(err, ENOENT, "No such image: %s", name);
        *err = lerr;
        return r;
    }
    struct gt_image img;
    if ((r = gt_image_store_load_image(e->store, &rec, &img, err)) < 0) {
        gt_image_record_release(&rec);
        return gt_err_prefix(err, "image %s", name);
    }
    r = gt_image_store_unpack(e->store, &rec, NULL, top_chain, err);
    if (r == 0) {
        *image_config = json_incref(img.config.json);
        *image_id = gt_xstrdup(rec.config);
    } else {
        gt_err_prefix(err, "unpack image %s", name);
    }
    gt_image_release(&img);
    gt_image_record_release(&rec);
    return r;
}

/* ---- progress ---- */

struct progress_ctx {
    gt_engine_emit_json_fn fn;
    void *ctx;
    int cancel_fd;
};

static int progress_cb(void *arg, const struct gt_progress_event *ev)
{
    struct progress_ctx *p = arg;
    if (eng_cancelled(p->cancel_fd, -1))
        return 1;
    if (!p->fn)
        return 0;
    json_t *j = gt_progress_event_json(ev);
    int r = p->fn(p->ctx, j);
    json_decref(j);
    return r < 0 ? 1 : 0;
}

static void auth_from_json(const json_t *auth, struct gt_registry_auth *a, bool *have)
{
    *have = false;
    const char *u = json_string_value(json_object_get(auth, "username"));
    const char *p = json_string_value(json_object_get(auth, "password"));
    if (u && *u) {
        a->username = u;
        a->password = p ? p : "";
        *have = true;
    }
}

int gt_engine_image_pull(struct gt_engine *e, const char *ref, const char *platform,
                         const json_t *auth, gt_engine_emit_json_fn progress, void *ctx,
                         int cancel_fd, struct gt_error *err)
{
    if (platform && *platform) {
        struct gt_platform want;
        int r = gt_platform_parse(platform, &want, err);
        if (r < 0)
            return r;
        int match = gt_platform_match(&want, &e->store->platform);
        gt_platform_release(&want);
        if (!match)
            return gt_err(err, EOPNOTSUPP, "pulling for the platform %s (not this host's) is not supported yet", platform);
    }
    struct gt_ref pr;
    int r = gt_ref_parse(ref, &pr, err);
    if (r < 0)
        return gt_err(err, EINVAL, "invalid reference format: %s", ref);
    gt_ref_release(&pr);
    struct progress_ctx pc = { progress, ctx, cancel_fd };
    struct gt_progress prog = { progress_cb, &pc };
    struct gt_registry_auth a = { 0 };
    bool have;
    auth_from_json(auth, &a, &have);
    struct gt_image_store_pull_opts po = { .auth = have ? &a : NULL, .progress = &prog };
    struct gt_image_record rec;
    r = gt_image_store_pull(e->store, e->registry, ref, &po, &rec, err);
    if (r < 0) {
        if (r == -ECANCELED && eng_cancelled(cancel_fd, -1))
            return gt_err(err, ECANCELED, "pull %s: the client went away", ref);
        return r;
    }
    gt_image_record_release(&rec);
    eng_event_emit(e, "image", "pull", ref, NULL, json_pack("{s:s}", "name", ref));
    return 0;
}

int gt_engine_registry_login(struct gt_engine *e, const json_t *auth, struct gt_error *err)
{
    const char *token = json_string_value(json_object_get(auth, "identitytoken"));
    const char *server = json_string_value(json_object_get(auth, "serveraddress"));
    if (token && *token)
        return gt_err(err, EOPNOTSUPP, "login with an identity token is not supported yet");
    struct gt_registry_auth a = {
        .username = json_string_value(json_object_get(auth, "username")),
        .password = json_string_value(json_object_get(auth, "password")),
    };
    return gt_registry_login(e->registry, server ? server : "", &a, err);
}

int gt_engine_image_push(struct gt_engine *e, const char *ref, const json_t *auth,
                         gt_engine_emit_json_fn progress, void *ctx, int cancel_fd,
                         struct gt_error *err)
{
    struct progress_ctx pc = { progress, ctx, cancel_fd };
    struct gt_progress prog = { progress_cb, &pc };
    struct gt_registry_auth a = { 0 };
    bool have;
    auth_from_json(auth, &a, &have);
    struct gt_image_store_push_opts po = { .auth = have ? &a : NULL, .progress = &prog };
    cleanup_free char *digest = NULL;
    int r = gt_image_store_push(e->store, e->registry, ref, NULL, &po, &digest, err);
    if (r == 0)
        eng_event_emit(e, "image", "push", ref, NULL, json_pack("{s:s}", "name", ref));
    return r;
}

/* ---- shapes ---- */

static int64_t created_unix(const char *created)
{
    int64_t ns = eng_parse_time_ns(created);
    return ns / 1000000000;
}

static void split_refs(char **refs, json_t **tags, json_t **digests, const char *target)
{
    *tags = json_array();
    *digests = json_array();
    for (char **r = refs; r && *r; r++) {
        struct gt_ref ref;
        if (gt_ref_parse(*r, &ref, NULL) < 0)
            continue;
        cleanup_free char *fam = gt_ref_familiar(&ref);
        cleanup_free char *name = gt_ref_familiar_name(&ref);
        if (ref.tag)
            json_array_append_new(*tags, json_string(fam));
        json_t *d = json_sprintf("%s@%s", name, ref.digest ? ref.digest : target);
        bool dup = false;
        size_t i;
        json_t *x;
        json_array_foreach(*digests, i, x)
            dup |= json_equal(x, d);
        if (!dup)
            json_array_append_new(*digests, d);
        else
            json_decref(d);
        gt_ref_release(&ref);
    }
}

static int containers_using(struct gt_engine *e, const char *image_id, char *first, size_t len)
{
    int n = 0;
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < e->n_ctrs; i++)
        if (!strcmp(e->ctrs[i]->image_id, image_id)) {
            if (!n && first)
                snprintf(first, len, "%s", e->ctrs[i]->id);
            n++;
        }
    pthread_mutex_unlock(&e->lock);
    return n;
}

static json_t *image_summary(struct gt_engine *e, const struct gt_image_record *rec,
                             json_t *config)
{
    json_t *tags, *digests;
    split_refs(rec->refs, &tags, &digests, rec->target);
    json_t *labels = json_object_get(json_object_get(config, "config"), "Labels");
    return json_pack("{s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:I,s:O,s:i}", "Id", rec->config, "ParentId",
                     "", "RepoTags", tags, "RepoDigests", digests, "Created",
                     (json_int_t)created_unix(rec->created), "Size", (json_int_t)rec->size,
                     "SharedSize", (json_int_t)-1, "VirtualSize", (json_int_t)rec->size, "Labels",
                     json_is_object(labels) ? labels : json_null(), "Containers",
                     containers_using(e, rec->config, NULL, 0));
}

static json_t *load_config(struct gt_engine *e, const struct gt_image_record *rec,
                           struct gt_image *img_out)
{
    struct gt_image img;
    struct gt_error err;
    if (gt_image_store_load_image(e->store, rec, &img, &err) < 0)
        return NULL;
    json_t *cfg = json_incref(img.config.json);
    if (img_out)
        *img_out = img;
    else
        gt_image_release(&img);
    return cfg;
}

static bool ref_filter_match(const struct gt_image_record *rec, const char *pattern)
{
    for (char **r = rec->refs; r && *r; r++) {
        struct gt_ref ref;
        if (gt_ref_parse(*r, &ref, NULL) < 0)
            continue;
        cleanup_free char *fam = gt_ref_familiar(&ref);
        cleanup_free char *name = gt_ref_familiar_name(&ref);
        gt_ref_release(&ref);
        if (!fnmatch(pattern, fam, 0) || !fnmatch(pattern, name, 0) || !fnmatch(pattern, *r, 0))
            return true;
    }
    return false;
}

int gt_engine_image_list(struct gt_engine *e, bool all, const json_t *filters, json_t **out,
                         struct gt_error *err)
{
    static const char *const known[] = { "reference", "dangling", "label", "before", "since",
                                         "until", NULL };
    if (filters && gt_json_check_known(filters, "filters", known, err) < 0)
        return -EINVAL;
    struct gt_image_record *recs = NULL;
    size_t n = 0;
    int r = gt_image_store_list(e->store, &recs, &n, err);
    if (r < 0)
        return r;
    int64_t before = 0, since = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(filters, "before"), k, v) {
        struct gt_image_record b;
        if (gt_image_store_lookup(e->store, k, &b, err) < 0) {
            gt_image_records_free(recs, n);
            return -ENOENT;
        }
        before = created_unix(b.created);
        gt_image_record_release(&b);
    }
    json_object_foreach(json_object_get(filters, "since"), k, v) {
        struct gt_image_record s;
        if (gt_image_store_lookup(e->store, k, &s, err) < 0) {
            gt_image_records_free(recs, n);
            return -ENOENT;
        }
        since = created_unix(s.created);
        gt_image_record_release(&s);
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        struct gt_image_record *rec = &recs[i];
        bool keep = true;
        json_t *fr = json_object_get(filters, "reference");
        if (json_object_size(fr)) {
            bool hit = false;
            json_object_foreach(fr, k, v)
                hit |= ref_filter_match(rec, k);
            keep &= hit;
        }
        json_t *fd = json_object_get(filters, "dangling");
        if (json_object_size(fd)) {
            bool want = json_object_get(fd, "true") || json_object_get(fd, "1");
            keep &= (rec->refs == NULL || !rec->refs[0]) == want;
        }
        int64_t created = created_unix(rec->created);
        if (before && created >= before)
            keep = false;
        if (since && created <= since)
            keep = false;
        if (!keep)
            continue;
        json_t *cfg = load_config(e, rec, NULL);
        json_t *labels = json_object_get(json_object_get(cfg, "config"), "Labels");
        json_object_foreach(json_object_get(filters, "label"), k, v) {
            char key[256];
            snprintf(key, sizeof key, "%s", k);
            char *eq = strchr(key, '=');
            if (eq)
                *eq = '\0';
            const char *have = json_string_value(json_object_get(labels, key));
            keep &= have && (!eq || !strcmp(have, eq + 1));
        }
        if (keep)
            json_array_append_new(arr, image_summary(e, rec, cfg));
        json_decref(cfg);
    }
    gt_image_records_free(recs, n);
    (void)all;
    *out = arr;
    return 0;
}

static int lookup(struct gt_engine *e, const char *name, struct gt_image_record *rec,
                  struct gt_error *err)
{
    struct gt_error lerr = { 0 };
    int r = gt_image_store_lookup(e->store, name, rec, &lerr);
    if (r == -ENOENT)
        return gt_err(err, ENOENT, "No such image: %s", name);
    if (r < 0)
        *err = lerr;
    return r;
}

int gt_engine_image_inspect(struct gt_engine *e, const char *ref, json_t **out,
                            struct gt_error *err)
{
    struct gt_image_record rec;
    int r = lookup(e, ref, &rec, err);
    if (r < 0)
        return r;
    struct gt_image img;
    json_t *cfg = load_config(e, &rec, &img);
    if (!cfg) {
        gt_image_record_release(&rec);
        return gt_err(err, EIO, "image %s: its config cannot be read", ref);
    }
    json_t *tags, *digests;
    split_refs(rec.refs, &tags, &digests, rec.target);
    json_t *layers = json_array();
    for (size_t i = 0; i < img.config.n_diff_ids; i++)
        json_array_append_new(layers, json_string(img.config.diff_ids[i]));
    json_t *c = json_object_get(cfg, "config");
    const char *created = json_string_value(json_object_get(cfg, "created"));
    const char *author = json_string_value(json_object_get(cfg, "author"));
    const char *comment = json_string_value(json_object_get(cfg, "comment"));
    json_t *j = json_pack(
        "{s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:I,s:I,s:{s:s,s:n},s:{s:s,s:o},s:{s:s}}",
        "Id", rec.config, "RepoTags", tags, "RepoDigests", digests, "Parent", "", "Comment", comment ? comment : "",
        "Created", created ? created : "", "DockerVersion", "", "Author", author ? author : "",
        "Config", json_is_object(c) ? json_incref(c) : json_object(), "Architecture",
        img.config.platform.arch ? img.config.platform.arch : "", "Os",
        img.config.platform.os ? img.config.platform.os : "linux", "Size", (json_int_t)rec.size,
        "VirtualSize", (json_int_t)rec.size, "GraphDriver", "Name",
        gt_snapshots_driver(e->store->ss), "Data", "RootFS", "Type", "layers", "Layers", layers,
        "Metadata", "LastTagTime", "0001-01-01T00:00:00Z");
    if (img.config.platform.variant)
        json_object_set_new(j, "Variant", json_string(img.config.platform.variant));
    json_decref(cfg);
    gt_image_release(&img);
    gt_image_record_release(&rec);
    *out = j;
    return 0;
}

int gt_engine_image_tag(struct gt_engine *e, const char *source, const char *repo,
                        const char *tag, struct gt_error *err)
{
    if (!repo || !*repo)
        return gt_err(err, EINVAL, "repository name must have at least one component");
    cleanup_free char *full = gt_xasprintf("%s:%s", repo, tag && *tag ? tag : "latest");
    struct gt_ref ref;
    if (gt_ref_parse(full, &ref, NULL) < 0)
        return gt_err(err, EINVAL, "invalid reference format: %s", full);
    gt_ref_release(&ref);
    struct gt_image_record rec;
    int r = lookup(e, source, &rec, err);
    if (r < 0)
        return r;
    gt_image_record_release(&rec);
    if ((r = gt_image_store_tag(e->store, source, full, err)) < 0)
        return r;
    eng_event_emit(e, "image", "tag", full, NULL, json_pack("{s:s}", "name", full));
    return 0;
}

static void lines_to_json(char **lines, json_t *arr, struct gt_engine *e)
{
    for (char **l = lines; l && *l; l++) {
        if (!strncmp(*l, "Untagged: ", 10)) {
            json_array_append_new(arr, json_pack("{s:s}", "Untagged", *l + 10));
            eng_event_emit(e, "image", "untag", *l + 10, NULL, json_pack("{s:s}", "name", *l + 10));
        } else if (!strncmp(*l, "Deleted: ", 9)) {
            json_array_append_new(arr, json_pack("{s:s}", "Deleted", *l + 9));
            eng_event_emit(e, "image", "delete", *l + 9, NULL, json_pack("{s:s}", "name", *l + 9));
        }
    }
}

int gt_engine_image_remove(struct gt_engine *e, const char *ref, bool force, bool noprune,
                           json_t **out, struct gt_error *err)
{
    struct gt_image_record rec;
    int r = lookup(e, ref, &rec, err);
    if (r < 0)
        return r;
    /* is ref one of several references?  then only it goes */
    size_t nrefs = gt_strv_len(rec.refs);
    bool by_ref = false;
    cleanup_free char *full = NULL;
    if (gt_ref_normalize(ref, &full, NULL) == 0)
        for (char **x = rec.refs; x && *x; x++)
            by_ref |= !strcmp(*x, full);
    bool deletes = !by_ref || nrefs <= 1;
    char user[65] = "";
    int n_users = deletes ? containers_using(e, rec.config, user, sizeof user) : 0;
    json_t *arr = json_array();
    if (n_users > 0) {
        if (!force) {
            r = by_ref ? gt_err(err, EBUSY,
                                "conflict: unable to remove repository reference \"%s\" (must "
                                "force) - container %.12s is using its referenced image %.12s",
                                ref, user, rec.config + 7)
                       : gt_err(err, EBUSY,
                                "conflict: unable to delete %.12s (must be forced) - image is "
                                "being used by stopped container %.12s",
                                rec.config + 7, user);
            json_decref(arr);
            gt_image_record_release(&rec);
            return r;
        }
        /* forced while in use: untagged, kept (its containers need it) */
        cleanup_strv char **targets = NULL;
        if (by_ref)
            gt_strv_push(&targets, full);
        else
            for (char **x = rec.refs; x && *x; x++)
                gt_strv_push(&targets, *x);
        for (char **t = targets; t && *t; t++) {
            cleanup_strv char **lines = NULL;
            if (gt_image_store_remove(e->store, *t, false, &lines, err) == 0)
                lines_to_json(lines, arr, e);
        }
        gt_image_record_release(&rec);
        *out = arr;
        return 0;
    }
    cleanup_strv char **lines = NULL;
    r = gt_image_store_remove(e->store, ref, force, &lines, err);
    gt_image_record_release(&rec);
    if (r < 0) {
        json_decref(arr);
        if (r == -EBUSY || r == -EEXIST)
            return gt_err(err, EBUSY, "%s", err->msg);
        return r;
    }
    lines_to_json(lines, arr, e);
    if (!noprune) {
        struct gt_prune_report rep;
        struct gt_error perr = { 0 };
        if (gt_image_store_prune(e->store, false, &rep, &perr) < 0)
            gt_debug("image remove: collect: %s", perr.msg);
    }
    *out = arr;
    return 0;
}

int gt_engine_image_history(struct gt_engine *e, const char *ref, json_t **out,
                            struct gt_error *err)
{
    struct gt_image_record rec;
    int r = lookup(e, ref, &rec, err);
    if (r < 0)
        return r;
    struct gt_image img;
    json_t *cfg = load_config(e, &rec, &img);
    if (!cfg) {
        gt_image_record_release(&rec);
        return gt_err(err, EIO, "image %s: its config cannot be read", ref);
    }
    json_t *tags, *digests;
    split_refs(rec.refs, &tags, &digests, rec.target);
    json_decref(digests);
    json_t *hist = json_object_get(cfg, "history");
    json_t *arr = json_array();
    size_t layer = 0;
    size_t n = json_array_size(hist);
    json_t **rows = gt_xcalloc(n + img.manifest.n_layers + 1, sizeof *rows);
    size_t nrows = 0;
    if (n) {
        size_t i;
        json_t *h;
        json_array_foreach(hist, i, h) {
            bool empty = json_is_true(json_object_get(h, "empty_layer"));
            int64_t size = 0;
            if (!empty && layer < img.manifest.n_layers)
                size = img.manifest.layers[layer++].size;
            const char *cb = json_string_value(json_object_get(h, "created_by"));
            const char *cm = json_string_value(json_object_get(h, "comment"));
            rows[nrows++] = json_pack("{s:s,s:I,s:s,s:n,s:I,s:s}", "Id", "<missing>", "Created",
                                      (json_int_t)created_unix(json_string_value(json_object_get(h, "created"))),
                                      "CreatedBy", cb ? cb : "", "Tags", "Size", (json_int_t)size,
                                      "Comment", cm ? cm : "");
        }
    } else {
        for (size_t i = 0; i < img.manifest.n_layers; i++)
            rows[nrows++] = json_pack("{s:s,s:I,s:s,s:n,s:I,s:s}", "Id", "<missing>", "Created",
                                      (json_int_t)created_unix(rec.created), "CreatedBy", "",
                                      "Tags", "Size", (json_int_t)img.manifest.layers[i].size,
                                      "Comment", "");
    }
    for (size_t i = nrows; i > 0; i--) {
        json_t *row = rows[i - 1];
        if (i == nrows) {
            json_object_set_new(row, "Id", json_string(rec.config));
            json_object_set(row, "Tags", json_array_size(tags) ? tags : json_null());
        }
        json_array_append_new(arr, row);
    }
    free(rows);
    json_decref(tags);
    json_decref(cfg);
    gt_image_release(&img);
    gt_image_record_release(&rec);
    *out = arr;
    return 0;
}

int gt_engine_image_prune(struct gt_engine *e, const json_t *filters, json_t **out,
                          struct gt_error *err)
{
    static const char *const known[] = { "dangling", "until", "label", "label!", NULL };
    if (filters && gt_json_check_known(filters, "filters", known, err) < 0)
        return -EINVAL;
    json_t *fd = json_object_get(filters, "dangling");
    bool only_dangling = !(json_object_get(fd, "false") || json_object_get(fd, "0"));
    json_t *deleted = json_array();
    int64_t reclaimed = 0;
    struct gt_image_record *recs = NULL;
    size_t n = 0;
    int r = gt_image_store_list(e->store, &recs, &n, err);
    if (r < 0) {
        json_decref(deleted);
        return r;
    }
    for (size_t i = 0; i < n; i++) {
        bool dangling = !recs[i].refs || !recs[i].refs[0];
        if ((only_dangling && !dangling) || containers_using(e, recs[i].config, NULL, 0))
            continue;
        cleanup_strv char **lines = NULL;
        struct gt_error rerr;
        if (gt_image_store_remove(e->store, recs[i].config, true, &lines, &rerr) == 0) {
            lines_to_json(lines, deleted, e);
            reclaimed += recs[i].size;
        }
    }
    gt_image_records_free(recs, n);
    struct gt_prune_report rep = { 0 };
    struct gt_error perr = { 0 };
    if (gt_image_store_prune(e->store, false, &rep, &perr) < 0)
        gt_debug("image prune: collect: %s", perr.msg);
    *out = json_pack("{s:o,s:I}", "ImagesDeleted", deleted, "SpaceReclaimed",
                     (json_int_t)(reclaimed > rep.blob_bytes ? reclaimed : rep.blob_bytes));
    return 0;
}

/* ---- load and save: through a file of the data root, since the image
 * module reads and writes paths and the caller's fd may be a socket ---- */

int gt_engine_image_load(struct gt_engine *e, int fd,
                         int (*input_done)(void *arg, struct gt_error *err), void *input_arg,
                         gt_engine_emit_json_fn progress, void *ctx, struct gt_error *err)
{
    cleanup_free char *tmp = gt_xasprintf("%s/tmp/load-XXXXXX", e->data_root);
    cleanup_close int out = mkostemp(tmp, O_CLOEXEC);
    if (out < 0)
        return gt_err_sys(err, errno, "create %s", tmp);
    char buf[65536];
    int r = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = gt_err_sys(err, errno, "load: read the archive");
            break;
        }
        if (n == 0)
            break;
        if (gt_write_all(out, buf, (size_t)n) < 0) {
            r = gt_err_sys(err, errno, "load: write %s", tmp);
            break;
        }
    }
    char **loaded = NULL;
    if (r == 0 && input_done)
        r = input_done(input_arg, err);
    if (r == 0)
        r = gt_docker_archive_import(e->store, tmp, NULL, &loaded, err);
    unlink(tmp);
    if (r < 0) {
        /* the spool file is ours: the client sent "the archive" */
        char *at = strstr(err->msg, tmp);
        if (at) {
            cleanup_free char *msg = gt_xasprintf("%.*sthe archive%s", (int)(at - err->msg),
                                                  err->msg, at + strlen(tmp));
            gt_err(err, err->code, "load: %s", msg);
        }
        return r;
    }
    for (char **l = loaded; l && *l; l++) {
        if (progress) {
            json_t *msg = json_pack("{s:o}", "stream", json_sprintf("%s\n", *l));
            progress(ctx, msg);
            json_decref(msg);
        }
        eng_event_emit(e, "image", "load", *l, NULL, NULL);
    }
    gt_strv_free(loaded);
    return 0;
}

int gt_engine_image_save(struct gt_engine *e, char *const *refs, int fd, struct gt_error *err)
{
    if (!refs || !refs[0])
        return gt_err(err, EINVAL, "save: no image named");
    for (char *const *r = refs; *r; r++) {
        struct gt_image_record rec;
        int rr = lookup(e, *r, &rec, err);
        if (rr < 0)
            return rr;
        gt_image_record_release(&rec);
    }
    cleanup_free char *dir = gt_xasprintf("%s/tmp/save-XXXXXX", e->data_root);
    if (!mkdtemp(dir))
        return gt_err_sys(err, errno, "create %s", dir);
    cleanup_free char *path = gt_path_join(dir, "archive.tar");
    int r = gt_docker_archive_export(e->store, refs, path, err);
    if (r == 0) {
        cleanup_close int in = open(path, O_RDONLY | O_CLOEXEC);
        if (in < 0)
            r = gt_err_sys(err, errno, "open %s", path);
        char buf[65536];
        ssize_t n;
        while (r == 0 && (n = read(in, buf, sizeof buf)) > 0)
            if (gt_write_all(fd, buf, (size_t)n) < 0)
                r = gt_err_sys(err, errno, "save: write the archive");
    }
    gt_rm_rf(dir, NULL);
    return r;
}
