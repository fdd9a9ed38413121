/* Named volumes of the local driver: <data-root>/volumes/<name>/_data,
 * with volume.json ({Name, Labels, Options, CreatedAt}) beside it and an
 * "anonymous" marker for those made for a container.  Creation and
 * removal run under e->vol_lock, and so does the registration of a new
 * container's mounts: a volume cannot vanish between the two. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"
#include "image/tree.h"

bool eng_volume_valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n < 2 || n > 255 || !isalnum((unsigned char)name[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
            return false;
    return true;
}

static char *volume_dir(struct gt_engine *e, const char *name)
{
    return gt_xasprintf("%s/volumes/%s", e->data_root, name);
}

char *eng_volume_data_path(struct gt_engine *e, const char *name)
{
    return gt_xasprintf("%s/volumes/%s/_data", e->data_root, name);
}

static int volume_make(struct gt_engine *e, const char *name, json_t *labels, json_t *opts,
                       bool anonymous, struct gt_error *err)
{
    cleanup_free char *dir = volume_dir(e, name);
    cleanup_free char *tmp = gt_xasprintf("%s/volumes/.tmp-%s", e->data_root, name);
    gt_rm_rf(tmp, NULL);
    cleanup_free char *data = gt_path_join(tmp, "_data");
    int r = gt_mkdir_p(data, 0755, err);
    if (r < 0)
        return r;
    char *created = eng_format_time(eng_now_ns());
    cleanup_json json_t *meta = json_pack("{s:s,s:s,s:o,s:o,s:s}", "Name", name, "Driver", "local",
                                          "Labels", labels ? json_incref(labels) : json_object(),
                                          "Options", opts ? json_incref(opts) : json_object(),
                                          "CreatedAt", created);
    free(created);
    cleanup_free char *mpath = gt_path_join(tmp, "volume.json");
    if ((r = gt_json_dump_file(mpath, meta, true, err)) < 0)
        goto fail;
    if (anonymous) {
        cleanup_free char *an = gt_path_join(tmp, "anonymous");
        if ((r = gt_write_file(an, "", 0, 0644, err)) < 0)
            goto fail;
    }
    if (rename(tmp, dir) < 0) {
        r = errno == ENOTEMPTY || errno == EEXIST ? -EEXIST : gt_err_sys(err, errno, "rename %s", tmp);
        goto fail;
    }
    return 0;
fail:
    gt_rm_rf(tmp, NULL);
    return r;
}

int eng_volume_ensure(struct gt_engine *e, const char *name, bool anonymous, bool *created,
                  struct gt_error *err)
{
    *created = false;
    cleanup_free char *dir = volume_dir(e, name);
    if (gt_path_exists(dir))
        return 0;
    int r = volume_make(e, name, NULL, NULL, anonymous, err);
    if (r == -EEXIST)
        return 0;
    if (r == 0) {
        *created = true;
        eng_event_emit(e, "volume", "create", name, NULL, json_pack("{s:s}", "driver", "local"));
    }
    return r;
}

int eng_volume_remove_internal(struct gt_engine *e, const char *name, struct gt_error *err)
{
    cleanup_free char *dir = volume_dir(e, name);
    if (!gt_path_exists(dir))
        return gt_err(err, ENOENT, "get %s: no such volume", name);
    cleanup_free char *tmp = gt_xasprintf("%s/volumes/.rm-%s", e->data_root, name);
    if (rename(dir, tmp) < 0)
        return gt_err_sys(err, errno, "remove volume %s", name);
    int r = gt_rm_rf(tmp, err);
    if (r == 0)
        eng_event_emit(e, "volume", "destroy", name, NULL, json_pack("{s:s}", "driver", "local"));
    return r;
}

/* Copies what the image has at dest into the volume, when the volume is
 * empty and has never been filled (docker's copy on first mount). */
int eng_volume_copy_up(struct gt_engine *e, const char *name, int rootfs_fd, const char *dest,
                   struct gt_error *err)
{
    cleanup_free char *marker = gt_xasprintf("%s/volumes/%s/.initialized", e->data_root, name);
    if (gt_path_exists(marker))
        return 0;
    cleanup_free char *data = eng_volume_data_path(e, name);
    cleanup_close int dst = open(data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dst < 0)
        return gt_err_sys(err, errno, "open %s", data);
    cleanup_dir DIR *d = fdopendir(dup(dst));
    bool empty = true;
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            empty = false;
    int r = 0;
    if (empty) {
        struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                                .resolve = RESOLVE_IN_ROOT };
        cleanup_close int src = (int)syscall(SYS_openat2, rootfs_fd, dest, &how, sizeof how);
        if (src >= 0) {
            r = gt_tree_apply_layer(src, dst, err);
            if (r < 0)
                return gt_err_prefix(err, "copy %s into volume %s", dest, name);
            /* the volume's root takes the mode and owner of the image's dir */
            struct stat st;
            if (fstat(src, &st) == 0) {
                if (fchmod(dst, st.st_mode & 07777) < 0 || fchown(dst, st.st_uid, st.st_gid) < 0)
                    gt_debug("volume %s: %s", name, strerror(errno));
            }
        }
    }
    return gt_write_file(marker, "", 0, 0644, err);
}

/* ---- the API ---- */

/* volume -> ids of containers that use it (new array), under e->lock */
static json_t *users_locked(struct gt_engine *e, const char *name, bool *running)
{
    json_t *ids = json_array();
    *running = false;
    for (size_t i = 0; i < e->n_ctrs; i++) {
        struct container *c = e->ctrs[i];
        size_t j;
        json_t *m;
        json_array_foreach(c->mounts, j, m) {
            const char *n = json_string_value(json_object_get(m, "Name"));
            if (n && !strcmp(n, name)) {
                json_array_append_new(ids, json_string(c->id));
                pthread_mutex_lock(&c->lock);
                *running |= eng_ctr_is_running(c);
                pthread_mutex_unlock(&c->lock);
                break;
            }
        }
    }
    return ids;
}

static int volume_json(struct gt_engine *e, const char *name, json_t **out, struct gt_error *err)
{
    cleanup_free char *dir = volume_dir(e, name);
    cleanup_free char *mpath = gt_path_join(dir, "volume.json");
    if (!gt_path_exists(dir))
        return gt_err(err, ENOENT, "get %s: no such volume", name);
    cleanup_json json_t *meta = NULL;
    struct gt_error lerr;
    if (gt_json_load_file(mpath, &meta, &lerr) < 0)
        meta = json_object();
    cleanup_free char *data = eng_volume_data_path(e, name);
    const char *created = json_string_value(json_object_get(meta, "CreatedAt"));
    json_t *labels = json_object_get(meta, "Labels");
    json_t *opts = json_object_get(meta, "Options");
    *out = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:O}", "Name", name, "Driver", "local",
                     "Mountpoint", data, "CreatedAt", created ? created : "", "Labels",
                     json_is_object(labels) ? json_incref(labels) : json_object(), "Scope", "local",
                     "Options", json_is_object(opts) ? opts : json_null());
    return 0;
}

int gt_engine_volume_create(struct gt_engine *e, const json_t *req, json_t **out,
                            struct gt_error *err)
{
    static const char *const known[] = { "Name", "Driver", "DriverOpts", "Labels",
                                         "ClusterVolumeSpec", NULL };
    if (req && !json_is_object(req))
        return gt_err(err, EINVAL, "volume create: expected a JSON object");
    if (req && gt_json_check_known(req, "", known, err) < 0)
        return -EINVAL;
    const char *name = json_string_value(json_object_get(req, "Name"));
    const char *driver = json_string_value(json_object_get(req, "Driver"));
    json_t *opts = json_object_get(req, "DriverOpts");
    json_t *labels = json_object_get(req, "Labels");
    if (driver && *driver && strcmp(driver, "local"))
        return gt_err(err, EOPNOTSUPP, "volume driver \"%s\" is not supported (local is)", driver);
    if (json_is_object(opts) && json_object_size(opts))
        return gt_err(err, EOPNOTSUPP,
                      "options of the local volume driver (type, device, o) are not supported yet");
    if (labels && !json_is_null(labels) && !json_is_object(labels))
        return gt_err(err, EINVAL, "Labels: expected an object");
    cleanup_free char *gen = NULL;
    if (!name || !*name)
        name = gen = eng_random_id();
    else if (!eng_volume_valid_name(name))
        return gt_err(err, EINVAL,
                      "create %s: \"%s\" includes invalid characters for a local volume name, "
                      "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed",
                      name, name);
    pthread_mutex_lock(&e->vol_lock);
    int r = volume_make(e, name, json_is_object(labels) ? labels : NULL, NULL, gen != NULL, err);
    pthread_mutex_unlock(&e->vol_lock);
    if (r == -EEXIST)
        r = 0; /* docker answers with the existing volume */
    else if (r == 0)
        eng_event_emit(e, "volume", "create", name, NULL, json_pack("{s:s}", "driver", "local"));
    if (r < 0)
        return r;
    return volume_json(e, name, out, err);
}

int gt_engine_volume_inspect(struct gt_engine *e, const char *name, json_t **out,
                             struct gt_error *err)
{
    if (!name || !eng_volume_valid_name(name))
        return gt_err(err, ENOENT, "get %s: no such volume", name ? name : "");
    return volume_json(e, name, out, err);
}

static bool vol_label_match(json_t *labels, const char *want)
{
    char key[512];
    snprintf(key, sizeof key, "%s", want);
    char *eq = strchr(key, '=');
    if (eq)
        *eq = '\0';
    const char *have = json_string_value(json_object_get(labels, key));
    if (!json_object_get(labels, key))
        return false;
    return !eq || (have && !strcmp(have, eq + 1));
}

/* The volumes matching filters (name, label, dangling, driver): names. */
static int volume_select(struct gt_engine *e, const json_t *filters, char ***names,
                         struct gt_error *err)
{
    static const char *const known[] = { "name", "label", "dangling", "driver", "all", NULL };
    if (filters && gt_json_check_known(filters, "filters", known, err) < 0)
        return -EINVAL;
    cleanup_free char *dir = gt_path_join(e->data_root, "volumes");
    cleanup_dir DIR *d = opendir(dir);
    if (!d)
        return gt_err_sys(err, errno, "open %s", dir);
    struct dirent *de;
    char **out = NULL;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        json_t *v = NULL;
        struct gt_error ierr;
        if (volume_json(e, de->d_name, &v, &ierr) < 0)
            continue;
        bool keep = true;
        const char *k;
        json_t *x;
        json_t *fname = json_object_get(filters, "name");
        if (json_object_size(fname)) {
            bool hit = false;
            json_object_foreach(fname, k, x)
                hit |= strstr(de->d_name, k) != NULL;
            keep &= hit;
        }
        json_object_foreach(json_object_get(filters, "label"), k, x)
            keep &= vol_label_match(json_object_get(v, "Labels"), k);
        json_object_foreach(json_object_get(filters, "driver"), k, x)
            keep &= !strcmp(k, "local");
        json_t *fd = json_object_get(filters, "dangling");
        if (json_object_size(fd)) {
            bool want = json_object_get(fd, "true") || json_object_get(fd, "1");
            pthread_mutex_lock(&e->lock);
            bool running;
            json_t *users = users_locked(e, de->d_name, &running);
            pthread_mutex_unlock(&e->lock);
            keep &= (json_array_size(users) == 0) == want;
            json_decref(users);
        }
        json_decref(v);
        if (keep)
            gt_strv_push(&out, de->d_name);
    }
    *names = out;
    return 0;
}

int gt_engine_volume_list(struct gt_engine *e, const json_t *filters, json_t **out,
                          struct gt_error *err)
{
    cleanup_strv char **names = NULL;
    int r = volume_select(e, filters, &names, err);
    if (r < 0)
        return r;
    json_t *arr = json_array();
    for (char **n = names; n && *n; n++) {
        json_t *v;
        struct gt_error ierr;
        if (volume_json(e, *n, &v, &ierr) == 0)
            json_array_append_new(arr, v);
    }
    *out = json_pack("{s:o,s:[]}", "Volumes", arr, "Warnings");
    return 0;
}

int gt_engine_volume_remove(struct gt_engine *e, const char *name, bool force,
                            struct gt_error *err)
{
    if (!name || !eng_volume_valid_name(name))
        return gt_err(err, ENOENT, "get %s: no such volume", name ? name : "");
    pthread_mutex_lock(&e->vol_lock);
    pthread_mutex_lock(&e->lock);
    bool running;
    json_t *users = users_locked(e, name, &running);
    pthread_mutex_unlock(&e->lock);
    int r;
    if (json_array_size(users) && (!force || running)) {
        cleanup_free char *list = json_dumps(users, JSON_COMPACT);
        r = gt_err(err, EBUSY, "remove %s: volume is in use - %s", name, list ? list : "");
    } else {
        r = eng_volume_remove_internal(e, name, err);
        if (r == -ENOENT && force)
            r = 0;
    }
    json_decref(users);
    pthread_mutex_unlock(&e->vol_lock);
    return r;
}

int gt_engine_volume_prune(struct gt_engine *e, const json_t *filters, json_t **out,
                           struct gt_error *err)
{
    /* docker 23+: anonymous volumes only, unless all=true */
    cleanup_json json_t *f = filters ? json_deep_copy(filters) : json_object();
    json_t *all = json_object_get(f, "all");
    bool every = json_object_get(all, "true") || json_object_get(all, "1");
    json_object_del(f, "all");
    cleanup_strv char **names = NULL;
    int r = volume_select(e, f, &names, err);
    if (r < 0)
        return r;
    json_t *deleted = json_array();
    int64_t reclaimed = 0;
    pthread_mutex_lock(&e->vol_lock);
    for (char **n = names; n && *n; n++) {
        cleanup_free char *anon = gt_xasprintf("%s/volumes/%s/anonymous", e->data_root, *n);
        if (!every && !gt_path_exists(anon))
            continue;
        pthread_mutex_lock(&e->lock);
        bool running;
        json_t *users = users_locked(e, *n, &running);
        pthread_mutex_unlock(&e->lock);
        bool used = json_array_size(users) > 0;
        json_decref(users);
        if (used)
            continue;
        cleanup_free char *data = eng_volume_data_path(e, *n);
        int64_t entries = 0, bytes = 0;
        cleanup_close int dfd = open(data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
            gt_tree_usage(dfd, &entries, &bytes, NULL);
        struct gt_error rerr;
        if (eng_volume_remove_internal(e, *n, &rerr) == 0) {
            json_array_append_new(deleted, json_string(*n));
            reclaimed += bytes;
        }
    }
    pthread_mutex_unlock(&e->vol_lock);
    *out = json_pack("{s:o,s:I}", "VolumesDeleted", deleted, "SpaceReclaimed",
                     (json_int_t)reclaimed);
    return 0;
}
