/* docker commit: a container's writable layer as a new image on top of its
 * image (image/commit.h does the layer and the image).  The new image's
 * config is the container's (or the one the request gives), changed by
 * the --change instructions (image/changes.h) and completed from the
 * container's as dockerd's merge does.  The container is paused for the
 * time of the commit unless told not to; its lifecycle is held (c->op), so
 * it is neither started, stopped nor removed meanwhile. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"
#include "image/changes.h"
#include "image/commit.h"
#include "image/ref.h"

/* The members of Docker's container Config; the rest of a record stays out
 * of an image. */
static const char *const config_keys[] = {
    "Hostname",   "Domainname", "User",       "AttachStdin", "AttachStdout", "AttachStderr",
    "ExposedPorts", "Tty",      "OpenStdin",  "StdinOnce",   "Env",          "Cmd",
    "Healthcheck", "ArgsEscaped", "Image",    "Volumes",     "WorkingDir",   "Entrypoint",
    "NetworkDisabled", "MacAddress", "OnBuild", "Labels",    "StopSignal",   "StopTimeout",
    "Shell",      NULL,
};

static json_t *config_only(json_t *cfg)
{
    json_t *out = json_object();
    for (const char *const *k = config_keys; *k; k++) {
        json_t *v = json_object_get(cfg, *k);
        if (v)
            json_object_set(out, *k, v);
    }
    return out;
}

static bool empty(json_t *v)
{
    return !v || json_is_null(v) || (json_is_string(v) && !json_string_length(v)) ||
           (json_is_array(v) && !json_array_size(v)) || (json_is_object(v) && !json_object_size(v));
}

static size_t env_key_len(const char *kv)
{
    const char *eq = strchr(kv, '=');
    return eq ? (size_t)(eq - kv) : strlen(kv);
}

/* dockerd's merge: what n leaves unset comes from the container's config c. */
static void merge_from(json_t *n, json_t *c)
{
    static const char *const strs[] = { "User", "WorkingDir", "StopSignal", NULL };
    for (const char *const *k = strs; *k; k++)
        if (empty(json_object_get(n, *k)) && json_object_get(c, *k))
            json_object_set(n, *k, json_object_get(c, *k));
    static const char *const sets[] = { "ExposedPorts", "Volumes", NULL };
    for (const char *const *k = sets; *k; k++) {
        json_t *cv = json_object_get(c, *k);
        if (!json_is_object(cv))
            continue;
        json_t *nv = json_object_get(n, *k);
        if (!json_is_object(nv)) {
            nv = json_object();
            json_object_set_new(n, *k, nv);
        }
        json_object_update_missing(nv, cv);
    }
    json_t *nenv = json_object_get(n, "Env");
    if (empty(nenv)) {
        if (json_object_get(c, "Env"))
            json_object_set(n, "Env", json_object_get(c, "Env"));
    } else {
        size_t i, j;
        json_t *ce, *ne;
        json_array_foreach(json_object_get(c, "Env"), i, ce) {
            const char *ckv = json_string_value(ce);
            if (!ckv)
                continue;
            bool found = false;
            json_array_foreach(nenv, j, ne) {
                const char *nkv = json_string_value(ne);
                found |= nkv && env_key_len(nkv) == env_key_len(ckv) &&
                         !strncmp(nkv, ckv, env_key_len(ckv));
            }
            if (!found)
                json_array_append(nenv, ce);
        }
    }
    json_t *labels = json_object_get(n, "Labels");
    if (!json_is_object(labels)) {
        labels = json_object();
        json_object_set_new(n, "Labels", labels);
    }
    if (json_is_object(json_object_get(c, "Labels")))
        json_object_update_missing(labels, json_object_get(c, "Labels"));
    if (empty(json_object_get(n, "Entrypoint"))) {
        if (empty(json_object_get(n, "Cmd"))) {
            if (json_object_get(c, "Cmd"))
                json_object_set(n, "Cmd", json_object_get(c, "Cmd"));
            if (json_object_get(c, "Shell"))
                json_object_set(n, "Shell", json_object_get(c, "Shell"));
        }
        json_t *nep = json_object_get(n, "Entrypoint");
        if ((!nep || json_is_null(nep)) && json_object_get(c, "Entrypoint"))
            json_object_set(n, "Entrypoint", json_object_get(c, "Entrypoint"));
    }
    json_t *chc = json_object_get(c, "Healthcheck");
    json_t *nhc = json_object_get(n, "Healthcheck");
    if (json_is_object(chc)) {
        if (!json_is_object(nhc))
            json_object_set(n, "Healthcheck", chc);
        else
            json_object_update_missing(nhc, chc);
    }
}

/* The reference the image gets: "repo:tag" normalised, NULL without a repo. */
static int target_ref(const char *repo, const char *tag, char **out, struct gt_error *err)
{
    *out = NULL;
    if (!repo || !*repo)
        return 0;
    if (strchr(repo, '@'))
        return gt_err(err, EINVAL, "cannot create a tag with a digest reference: %s", repo);
    const char *last = strrchr(repo, '/');
    if (strchr(last ? last : repo, ':'))
        return gt_err(err, EINVAL, "invalid reference format: the repository name %s has a tag "
                                   "(the tag goes apart)", repo);
    cleanup_free char *full = gt_xasprintf("%s:%s", repo, tag && *tag ? tag : "latest");
    struct gt_ref ref;
    if (gt_ref_parse(full, &ref, NULL) < 0)
        return gt_err(err, EINVAL, "invalid reference format: %s", full);
    *out = gt_ref_familiar(&ref);
    gt_ref_release(&ref);
    return 0;
}

static char *joined_cmd(json_t *cfg)
{
    size_t len = 1, i;
    json_t *v;
    json_array_foreach(json_object_get(cfg, "Cmd"), i, v)
        len += json_string_length(v) + 1;
    char *s = gt_xmalloc(len);
    s[0] = '\0';
    json_array_foreach(json_object_get(cfg, "Cmd"), i, v) {
        if (i)
            strcat(s, " ");
        strcat(s, json_string_value(v) ?: "");
    }
    return s;
}

int gt_engine_container_commit(struct gt_engine *e, const char *ref,
                               const struct gt_commit_options *o, char **image_id,
                               struct gt_error *err)
{
    if (o->config && !json_is_object(o->config) && !json_is_null(o->config))
        return gt_err(err, EINVAL, "commit config: expected a JSON object, got %s",
                      gt_json_type_name(o->config));
    cleanup_free char *target = NULL;
    int r = target_ref(o->repo, o->tag, &target, err);
    if (r < 0)
        return r;
    struct container *c;
    if ((r = eng_ctr_find(e, ref, &c, err)) < 0)
        return r;
    pthread_mutex_lock(&c->op);
    pthread_mutex_lock(&c->lock);
    enum ctr_status st = c->status;
    bool removing = c->removing || c->removed;
    pthread_mutex_unlock(&c->lock);
    cleanup_json json_t *cfg = NULL, *ccfg = NULL;
    cleanup_free char *created_by = NULL, *parent = NULL, *id = NULL;
    cleanup_strv char **refs = NULL;
    cleanup_close int upper = -1;
    bool paused_here = false;
    if (st == ST_DEAD || removing) {
        r = gt_err(err, EBUSY, "You cannot commit container %s which is %s", c->id,
                   removing ? "being removed" : "Dead");
        goto out;
    }
    cfg = json_is_object(o->config) ? json_deep_copy(o->config) : json_deep_copy(c->config);
    if (!o->config_as_is && (r = gt_image_changes_apply(cfg, o->changes, err)) < 0)
        goto out;
    if (!o->config_as_is)
        merge_from(cfg, c->config);
    {
        json_t *only = config_only(cfg);
        json_decref(cfg);
        cfg = only;
    }
    if ((r = gt_snapshot_open_upper(e->store->ss, c->id, &upper, &parent, err)) < 0) {
        if (r == -EOPNOTSUPP)
            gt_err_prefix(err, "docker commit needs the overlay snapshotter");
        goto out;
    }
    if (o->pause && st == ST_RUNNING) {
        if ((r = eng_ctr_set_paused(e, c, true, err)) < 0) {
            gt_err_prefix(err, "pause container %s for the commit", c->id);
            goto out;
        }
        paused_here = true;
    }
    created_by = o->created_by ? gt_xstrdup(o->created_by) : joined_cmd(c->config);
    if (target)
        gt_strv_push(&refs, target);
    ccfg = config_only(c->config);
    /* the mount points of the files the engine binds in, as dockerd's
     * init layer keeps them out of a commit */
    static char *const exclude[] = { "etc/hosts", "etc/hostname", "etc/resolv.conf", NULL };
    struct gt_commit_opts co = {
        .base = c->image_id,
        .config = cfg,
        .container = c->id,
        .container_config = ccfg,
        .author = o->author,
        .comment = o->comment,
        .created_by = created_by,
        .refs = refs,
        .exclude = exclude,
    };
    r = gt_image_commit(e->store, upper, &co, &id, err);
    if (r == 0) {
        /* as dockerd's: the commit is told before the unpause */
        eng_event_emit(e, "container", "commit", c->id, c,
                       json_pack("{s:s,s:s,s:s}", "comment", o->comment ? o->comment : "",
                                 "imageID", id, "imageRef", target ? target : ""));
        if (target)
            eng_event_emit(e, "image", "tag", id, NULL, json_pack("{s:s}", "name", target));
        *image_id = steal_pointer(&id);
    }
out:
    if (paused_here) {
        struct gt_error perr = { 0 };
        if (eng_ctr_set_paused(e, c, false, &perr) < 0)
            gt_warn("container %s: resume after the commit: %s", c->id, perr.msg);
    }
    pthread_mutex_unlock(&c->op);
    eng_ctr_unref(c);
    return r;
}
