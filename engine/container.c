/* Containers as records: create (validation, name reservation, snapshot,
 * volumes), the files under <data-root>/containers/<id>, inspect, list,
 * rename, remove, prune. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
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
#include "engine/jsonlog.h"
#include "image/tree.h"

static const char *const status_names[] = {
    [ST_CREATED] = "created", [ST_RUNNING] = "running",   [ST_PAUSED] = "paused",
    [ST_RESTARTING] = "restarting", [ST_REMOVING] = "removing", [ST_EXITED] = "exited",
    [ST_DEAD] = "dead",
};

const char *eng_ctr_status_name(enum ctr_status s)
{
    return status_names[s];
}

static int status_parse(const char *s)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
        if (s && !strcmp(s, status_names[i]))
            return (int)i;
    return -1;
}

bool eng_ctr_is_running(const struct container *c)
{
    return c->status == ST_RUNNING || c->status == ST_PAUSED;
}

json_t *eng_ctr_labels(struct container *c)
{
    json_t *l = json_object_get(c->config, "Labels");
    return json_is_object(l) ? l : NULL;
}

static struct container *ctr_new(struct gt_engine *e, const char *id)
{
    struct container *c = gt_xcalloc(1, sizeof *c);
    c->e = e;
    c->refs = 1;
    c->mon_pidfd = -1;
    pthread_mutex_init(&c->op, NULL);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    snprintf(c->id, sizeof c->id, "%s", id);
    c->dir = gt_xasprintf("%s/containers/%s", e->data_root, id);
    c->xdir = gt_xasprintf("%s/containers/%s", e->exec_root, id);
    c->log_path = gt_xasprintf("%s/%s-json.log", c->dir, id);
    return c;
}

void eng_ctr_free(struct container *c)
{
    if (!c)
        return;
    if (c->mon_pidfd >= 0)
        close(c->mon_pidfd);
    free(c->name);
    free(c->image);
    free(c->image_id);
    json_decref(c->config);
    json_decref(c->host);
    json_decref(c->host_old);
    json_decref(c->netcfg);
    free(c->path);
    gt_strv_free(c->args);
    json_decref(c->mounts);
    free(c->dir);
    free(c->xdir);
    free(c->log_path);
    free(c->error);
    json_decref(c->health);
    json_decref(c->spec_process);
    gt_strv_free(c->exec_ids);
    free(c->netns);
    json_decref(c->endpoints);
    json_decref(c->ports);
    pthread_mutex_destroy(&c->op);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    free(c);
}

/* ---- records on disk ---- */

int eng_ctr_save_config(struct container *c, struct gt_error *err)
{
    json_t *args = json_array();
    for (char **a = c->args; a && *a; a++)
        json_array_append_new(args, json_string(*a));
    cleanup_json json_t *j = json_pack(
        "{s:s,s:s,s:I,s:s,s:s,s:s,s:o,s:O,s:O,s:O}", "ID", c->id, "Name", c->name, "Created",
        (json_int_t)c->created_ns, "Image", c->image_id, "ImageName", c->image, "Path",
        c->path ? c->path : "", "Args", args, "Config", c->config, "NetworkingConfig",
        c->netcfg ? c->netcfg : json_null(), "Mounts", c->mounts);
    cleanup_free char *p1 = gt_path_join(c->dir, "config.v2.json");
    int r = gt_json_dump_file(p1, j, true, err);
    if (r < 0)
        return r;
    cleanup_free char *p2 = gt_path_join(c->dir, "hostconfig.json");
    return gt_json_dump_file(p2, c->host, true, err);
}

int eng_ctr_save_state(struct container *c, struct gt_error *err)
{
    cleanup_json json_t *j = json_pack(
        "{s:s,s:i,s:i,s:b,s:s,s:I,s:I,s:i,s:b,s:b,s:i,s:I,s:I}", "Status",
        eng_ctr_status_name(c->status), "Pid", (int)c->pid, "ExitCode", c->exit_code, "OOMKilled",
        c->oom_killed, "Error", c->error ? c->error : "", "StartedAt", (json_int_t)c->started_ns,
        "FinishedAt", (json_int_t)c->finished_ns, "RestartCount", c->restart_count,
        "ManuallyStopped", c->manual_stop, "HasRun", c->has_run, "MonitorPid", (int)c->mon_pid,
        "MonitorStart", (json_int_t)c->mon_start, "RestartDelayMs",
        (json_int_t)c->restart_delay_ms);
    if (c->health)
        json_object_set(j, "Health", c->health);
    json_object_set_new(j, "Network", eng_net_state_json(c));
    cleanup_free char *p = gt_path_join(c->dir, "state.json");
    return gt_json_dump_file(p, j, false, err);
}

int eng_ctr_load(struct gt_engine *e, const char *id, struct container **out, struct gt_error *err)
{
    struct container *c = ctr_new(e, id);
    cleanup_json json_t *cfg = NULL, *host = NULL, *state = NULL;
    cleanup_free char *p1 = gt_path_join(c->dir, "config.v2.json");
    cleanup_free char *p2 = gt_path_join(c->dir, "hostconfig.json");
    cleanup_free char *p3 = gt_path_join(c->dir, "state.json");
    int r;
    if ((r = gt_json_load_file(p1, &cfg, err)) < 0 || (r = gt_json_load_file(p2, &host, err)) < 0 ||
        (r = gt_json_load_file(p3, &state, err)) < 0)
        goto fail;
    const char *name = json_string_value(json_object_get(cfg, "Name"));
    const char *image_id = json_string_value(json_object_get(cfg, "Image"));
    const char *image = json_string_value(json_object_get(cfg, "ImageName"));
    if (!name || !image_id || !json_is_object(json_object_get(cfg, "Config"))) {
        r = gt_err(err, EINVAL, "%s: incomplete record", p1);
        goto fail;
    }
    c->name = gt_xstrdup(name);
    c->image_id = gt_xstrdup(image_id);
    c->image = gt_xstrdup(image ? image : image_id);
    c->created_ns = json_integer_value(json_object_get(cfg, "Created"));
    c->config = json_incref(json_object_get(cfg, "Config"));
    json_t *nc = json_object_get(cfg, "NetworkingConfig");
    c->netcfg = json_is_object(nc) ? json_incref(nc) : NULL;
    c->mounts = json_incref(json_object_get(cfg, "Mounts"));
    if (!json_is_array(c->mounts)) {
        json_decref(c->mounts);
        c->mounts = json_array();
    }
    const char *path = json_string_value(json_object_get(cfg, "Path"));
    c->path = gt_xstrdup(path ? path : "");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(cfg, "Args"), i, a)
        if (json_is_string(a))
            gt_strv_push(&c->args, json_string_value(a));
    c->host = json_incref(host);
    int st = status_parse(json_string_value(json_object_get(state, "Status")));
    c->status = st < 0 ? ST_EXITED : (enum ctr_status)st;
    if (c->status == ST_REMOVING)
        c->status = ST_EXITED;
    c->pid = (pid_t)json_integer_value(json_object_get(state, "Pid"));
    c->exit_code = (int)json_integer_value(json_object_get(state, "ExitCode"));
    c->oom_killed = json_is_true(json_object_get(state, "OOMKilled"));
    const char *error = json_string_value(json_object_get(state, "Error"));
    c->error = error && *error ? gt_xstrdup(error) : NULL;
    c->started_ns = json_integer_value(json_object_get(state, "StartedAt"));
    c->finished_ns = json_integer_value(json_object_get(state, "FinishedAt"));
    c->restart_count = (int)json_integer_value(json_object_get(state, "RestartCount"));
    c->manual_stop = json_is_true(json_object_get(state, "ManuallyStopped"));
    c->has_run = json_is_true(json_object_get(state, "HasRun"));
    c->mon_pid = (pid_t)json_integer_value(json_object_get(state, "MonitorPid"));
    c->mon_start = (uint64_t)json_integer_value(json_object_get(state, "MonitorStart"));
    c->restart_delay_ms = json_integer_value(json_object_get(state, "RestartDelayMs"));
    json_t *h = json_object_get(state, "Health");
    c->health = json_is_object(h) ? json_incref(h) : NULL;
    eng_net_state_load(c, state);
    *out = c;
    return 0;
fail:
    eng_ctr_free(c);
    return r;
}

/* ---- names ---- */

static bool name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n < 2 || n > 253 || !isalnum((unsigned char)name[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
            return false;
    return true;
}

/* under e->lock */
static bool name_taken(struct gt_engine *e, const char *name, char **reserved)
{
    for (size_t i = 0; i < e->n_ctrs; i++)
        if (e->ctrs[i]->name && !strcmp(e->ctrs[i]->name, name))
            return true;
    for (char **r = reserved; r && *r; r++)
        if (!strcmp(*r, name))
            return true;
    return false;
}

static const char *const adjectives[] = {
    "agile",  "bold",   "brave",  "bright", "calm",   "clever", "eager",  "fair",   "fancy",
    "gentle", "happy",  "jolly",  "keen",   "kind",   "lively", "lucid",  "merry",  "nifty",
    "noble",  "plucky", "proud",  "quick",  "quiet",  "rapid",  "serene", "sharp",  "silent",
    "steady", "swift",  "tender", "vivid",  "wise",   "witty",  "zealous",
};
static const char *const nouns[] = {
    "anchor", "beacon", "bridge", "canal",  "cargo",  "crane",  "dock",   "ferry",  "galley",
    "harbor", "hull",   "jetty",  "keel",   "lantern", "mast",  "pier",   "quay",   "rudder",
    "sail",   "schooner", "skiff", "sloop", "tug",    "vessel", "wharf",  "winch",  "yard",
};

static char *name_generate(struct gt_engine *e, char **reserved)
{
    for (int attempt = 0;; attempt++) {
        unsigned char rnd[4];
        cleanup_free char *hex = eng_random_id();
        memcpy(rnd, hex, sizeof rnd);
        const char *a = adjectives[(unsigned)strtoul((char[]){ hex[0], hex[1], hex[2], 0 }, NULL, 16) %
                                   (sizeof adjectives / sizeof adjectives[0])];
        const char *n = nouns[(unsigned)strtoul((char[]){ hex[3], hex[4], hex[5], 0 }, NULL, 16) %
                              (sizeof nouns / sizeof nouns[0])];
        char *name = attempt < 10 ? gt_xasprintf("%s_%s", a, n)
                                  : gt_xasprintf("%s_%s%d", a, n, (int)(hex[6] % 100));
        if (!name_taken(e, name, reserved))
            return name;
        free(name);
    }
}

/* ---- create ---- */

/* A string or an array of strings as a new array; NULL/absent as NULL. */
static int str_or_array(json_t *v, const char *what, json_t **out, struct gt_error *err)
{
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        *out = json_pack("[O]", v);
        return 0;
    }
    if (!json_is_array(v))
        return gt_err(err, EINVAL, "%s: expected a string or an array of strings, got %s", what,
                      gt_json_type_name(v));
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
        if (!json_is_string(x))
            return gt_err(err, EINVAL, "%s[%zu]: expected a string, got %s", what, i,
                          gt_json_type_name(x));
    *out = json_incref(v);
    return 0;
}

static int check_str_array(json_t *obj, const char *key, struct gt_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return gt_err(err, EINVAL, "%s: expected an array of strings, got %s", key,
                      gt_json_type_name(v));
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
        if (!json_is_string(x))
            return gt_err(err, EINVAL, "%s[%zu]: expected a string, got %s", key, i,
                          gt_json_type_name(x));
    return 0;
}

static const char *env_key_end(const char *kv)
{
    const char *eq = strchr(kv, '=');
    return eq ? eq : kv + strlen(kv);
}

/* image env, then the user's, replacing by name */
static json_t *merge_env(json_t *img, json_t *user)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(img, i, v)
        if (json_is_string(v))
            json_array_append(out, v);
    json_array_foreach(user, i, v) {
        if (!json_is_string(v))
            continue;
        const char *kv = json_string_value(v);
        size_t klen = (size_t)(env_key_end(kv) - kv);
        bool replaced = false;
        for (size_t j = 0; j < json_array_size(out); j++) {
            const char *o = json_string_value(json_array_get(out, j));
            if ((size_t)(env_key_end(o) - o) == klen && !strncmp(o, kv, klen)) {
                json_array_set(out, j, v);
                replaced = true;
            }
        }
        if (!replaced)
            json_array_append(out, v);
    }
    return out;
}

static json_t *merge_objects(json_t *base, json_t *over)
{
    json_t *out = json_object();
    if (json_is_object(base))
        json_object_update(out, base);
    if (json_is_object(over))
        json_object_update(out, over);
    return out;
}

/* Docker's merge of the image config into the container's. */
static int merge_config(json_t *cfg, json_t *img, struct gt_error *err)
{
    json_t *ic = json_object_get(img, "config");
    if (!json_is_object(ic))
        ic = json_object_get(img, "Config");
    json_t *ep = NULL, *cmd = NULL;
    int r;
    if ((r = str_or_array(json_object_get(cfg, "Entrypoint"), "Entrypoint", &ep, err)) < 0)
        return r;
    if ((r = str_or_array(json_object_get(cfg, "Cmd"), "Cmd", &cmd, err)) < 0) {
        json_decref(ep);
        return r;
    }
    /* Entrypoint [""] is the CLI's way of saying "none" */
    bool ep_set = ep != NULL;
    if (ep && json_array_size(ep) == 1 && !*json_string_value(json_array_get(ep, 0))) {
        json_decref(ep);
        ep = json_array();
    }
    if (!ep_set) {
        json_t *iep = json_object_get(ic, "Entrypoint");
        ep = json_is_array(iep) ? json_incref(iep) : NULL;
        if (!cmd || !json_array_size(cmd)) {
            json_decref(cmd);
            json_t *icmd = json_object_get(ic, "Cmd");
            cmd = json_is_array(icmd) ? json_incref(icmd) : NULL;
        }
    }
    json_object_set_new(cfg, "Entrypoint", ep ? ep : json_null());
    json_object_set_new(cfg, "Cmd", cmd ? cmd : json_null());
    if ((r = check_str_array(cfg, "Env", err)) < 0)
        return r;
    json_object_set_new(cfg, "Env", merge_env(json_object_get(ic, "Env"), json_object_get(cfg, "Env")));
    static const char *const strs[] = { "WorkingDir", "User", "StopSignal", NULL };
    for (const char *const *k = strs; *k; k++) {
        json_t *v = json_object_get(cfg, *k);
        if (v && !json_is_null(v) && !json_is_string(v))
            return gt_err(err, EINVAL, "%s: expected a string, got %s", *k, gt_json_type_name(v));
        if (!json_string_length(v) && json_is_string(json_object_get(ic, *k)) &&
            json_string_length(json_object_get(ic, *k)))
            json_object_set(cfg, *k, json_object_get(ic, *k));
        if (!json_object_get(cfg, *k) || json_is_null(json_object_get(cfg, *k)))
            json_object_set_new(cfg, *k, json_string(""));
    }
    json_t *labels = json_object_get(cfg, "Labels");
    if (labels && !json_is_null(labels) && !json_is_object(labels))
        return gt_err(err, EINVAL, "Labels: expected an object, got %s", gt_json_type_name(labels));
    const char *k;
    json_t *v;
    json_object_foreach(labels, k, v)
        if (!json_is_string(v))
            return gt_err(err, EINVAL, "Labels.%s: expected a string, got %s", k,
                          gt_json_type_name(v));
    json_object_set_new(cfg, "Labels", merge_objects(json_object_get(ic, "Labels"), labels));
    json_object_set_new(cfg, "ExposedPorts", merge_objects(json_object_get(ic, "ExposedPorts"),
                                                           json_object_get(cfg, "ExposedPorts")));
    json_object_set_new(cfg, "Volumes", merge_objects(json_object_get(ic, "Volumes"),
                                                      json_object_get(cfg, "Volumes")));
    json_t *hc = json_object_get(cfg, "Healthcheck");
    json_t *ihc = json_object_get(ic, "Healthcheck");
    if (json_is_object(ihc)) {
        json_t *m = merge_objects(ihc, NULL);
        const char *hk;
        json_t *hv;
        json_object_foreach(hc, hk, hv)
            if (!(json_is_integer(hv) && json_integer_value(hv) == 0) &&
                !(json_is_array(hv) && json_array_size(hv) == 0) && !json_is_null(hv))
                json_object_set(m, hk, hv);
        json_object_set_new(cfg, "Healthcheck", m);
    }
    hc = json_object_get(cfg, "Healthcheck");
    json_t *test = json_object_get(hc, "Test");
    if (json_is_array(test) && json_array_size(test) &&
        !strcmp(json_string_value(json_array_get(test, 0)) ?: "", "NONE"))
        json_object_del(cfg, "Healthcheck");
    else if (hc && !json_is_null(hc) && (!json_is_array(test) || !json_array_size(test)))
        json_object_del(cfg, "Healthcheck");
    static const char *const bools[] = { "AttachStdin", "AttachStdout", "AttachStderr", "Tty",
                                         "OpenStdin", "StdinOnce", NULL };
    for (const char *const *b = bools; *b; b++) {
        json_t *bv = json_object_get(cfg, *b);
        if (bv && !json_is_boolean(bv) && !json_is_null(bv))
            return gt_err(err, EINVAL, "%s: expected a boolean, got %s", *b, gt_json_type_name(bv));
        if (!json_is_boolean(bv))
            json_object_set_new(cfg, *b, json_false());
    }
    return 0;
}

/* Mounts of the container in inspect's shape, from Binds, Mounts, Tmpfs
 * (HostConfig) and the image's Volumes (anonymous volumes).  Named
 * volumes are created; *made lists those made here (to undo). */
static int plan_mounts(struct gt_engine *e, json_t *cfg, json_t *host, json_t **out,
                       char ***made, struct gt_error *err)
{
    cleanup_json json_t *mounts = json_array();
    json_t *binds = json_object_get(host, "Binds");
    size_t i;
    json_t *b;
    int r;
    if (binds && !json_is_null(binds) && !json_is_array(binds))
        return gt_err(err, EINVAL, "HostConfig.Binds: expected an array of strings");
    json_array_foreach(binds, i, b) {
        const char *spec = json_string_value(b);
        if (!spec)
            return gt_err(err, EINVAL, "HostConfig.Binds[%zu]: expected a string", i);
        cleanup_free char *copy = gt_xstrdup(spec);
        char *parts[4] = { 0 };
        int n = 0;
        for (char *s = copy, *save = NULL, *p; n < 4 && (p = strtok_r(s, ":", &save)); s = NULL)
            parts[n++] = p;
        if (n < 1 || n > 3)
            return gt_err(err, EINVAL, "invalid volume specification: '%s'", spec);
        const char *src = n >= 2 ? parts[0] : NULL;
        const char *dst = n >= 2 ? parts[1] : parts[0];
        const char *mode = n == 3 ? parts[2] : "";
        if (dst[0] != '/')
            return gt_err(err, EINVAL, "invalid volume specification: '%s': mount path must be absolute", spec);
        bool ro = false;
        cleanup_free char *mcopy = gt_xstrdup(mode);
        for (char *s = mcopy, *save = NULL, *o; (o = strtok_r(s, ",", &save)); s = NULL) {
            if (!strcmp(o, "ro"))
                ro = true;
            else if (strcmp(o, "rw") && strcmp(o, "z") && strcmp(o, "Z") && strcmp(o, "nocopy") &&
                     strcmp(o, "private") && strcmp(o, "rprivate") && strcmp(o, "shared") &&
                     strcmp(o, "rshared") && strcmp(o, "slave") && strcmp(o, "rslave") &&
                     strcmp(o, "consistent") && strcmp(o, "cached") && strcmp(o, "delegated"))
                return gt_err(err, EINVAL, "invalid volume specification: '%s': invalid mode: %s",
                              spec, o);
        }
        json_t *m;
        if (src && src[0] == '/') {
            struct stat st;
            if (stat(src, &st) < 0) {
                /* docker creates a missing bind source directory */
                if ((r = gt_mkdir_p(src, 0755, err)) < 0)
                    return gt_err_prefix(err, "bind source %s", src);
            }
            m = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "bind", "Source", src,
                          "Destination", dst, "Mode", mode, "RW", !ro, "Propagation", "rprivate");
        } else {
            cleanup_free char *anon = NULL;
            if (!src)
                src = anon = eng_random_id();
            else if (!eng_volume_valid_name(src))
                return gt_err(err, EINVAL,
                              "create %s: \"%s\" includes invalid characters for a local volume "
                              "name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you "
                              "intended to pass a host directory, use absolute path",
                              src, src);
            bool created = false;
            if ((r = eng_volume_ensure(e, src, anon != NULL, &created, err)) < 0)
                return r;
            if (created)
                gt_strv_push(made, src);
            cleanup_free char *path = eng_volume_data_path(e, src);
            m = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "volume", "Name", src,
                          "Source", path, "Destination", dst, "Driver", "local", "Mode", mode,
                          "RW", !ro, "Propagation", "");
        }
        json_array_append_new(mounts, m);
    }
    json_t *mlist = json_object_get(host, "Mounts");
    json_array_foreach(mlist, i, b) {
        const char *type = json_string_value(json_object_get(b, "Type"));
        const char *src = json_string_value(json_object_get(b, "Source"));
        const char *dst = json_string_value(json_object_get(b, "Target"));
        bool ro = json_is_true(json_object_get(b, "ReadOnly"));
        if (!type || !dst || dst[0] != '/')
            return gt_err(err, EINVAL, "HostConfig.Mounts[%zu]: Type and an absolute Target are required", i);
        json_t *m;
        if (!strcmp(type, "bind")) {
            if (!src || src[0] != '/')
                return gt_err(err, EINVAL, "HostConfig.Mounts[%zu]: invalid mount config for type \"bind\": invalid mount path: '%s' mount path must be absolute", i, src ? src : "");
            struct stat st;
            if (stat(src, &st) < 0)
                return gt_err(err, EINVAL, "invalid mount config for type \"bind\": bind source path does not exist: %s", src);
            m = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "bind", "Source", src,
                          "Destination", dst, "Mode", "", "RW", !ro, "Propagation", "rprivate");
        } else if (!strcmp(type, "volume")) {
            cleanup_free char *anon = NULL;
            if (!src || !*src)
                src = anon = eng_random_id();
            else if (!eng_volume_valid_name(src))
                return gt_err(err, EINVAL, "HostConfig.Mounts[%zu]: invalid volume name \"%s\"", i, src);
            bool created = false;
            if ((r = eng_volume_ensure(e, src, anon != NULL, &created, err)) < 0)
                return r;
            if (created)
                gt_strv_push(made, src);
            cleanup_free char *path = eng_volume_data_path(e, src);
            m = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "volume", "Name", src,
                          "Source", path, "Destination", dst, "Driver", "local", "Mode", "z",
                          "RW", !ro, "Propagation", "");
        } else if (!strcmp(type, "tmpfs")) {
            json_t *to = json_object_get(b, "TmpfsOptions");
            char opts[128] = "";
            int64_t size = json_integer_value(json_object_get(to, "SizeBytes"));
            int64_t mode = json_integer_value(json_object_get(to, "Mode"));
            int n = 0;
            if (size > 0)
                n += snprintf(opts + n, sizeof opts - (size_t)n, "size=%lld", (long long)size);
            if (mode > 0)
                snprintf(opts + n, sizeof opts - (size_t)n, "%smode=%llo", n ? "," : "",
                         (long long)mode);
            m = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "tmpfs", "Source", "",
                          "Destination", dst, "Mode", opts, "RW", !ro, "Propagation", "");
        } else {
            return gt_err(err, EINVAL, "HostConfig.Mounts[%zu]: mount type \"%s\" is not supported", i, type);
        }
        json_array_append_new(mounts, m);
    }
    json_t *tmpfs = json_object_get(host, "Tmpfs");
    const char *k;
    json_t *v;
    json_object_foreach(tmpfs, k, v) {
        if (k[0] != '/')
            return gt_err(err, EINVAL, "invalid tmpfs mount %s: mount path must be absolute", k);
        json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "tmpfs",
                                                "Source", "", "Destination", k, "Mode",
                                                json_string_value(v) ?: "", "RW", true,
                                                "Propagation", ""));
    }
    /* two mounts on one destination */
    for (size_t x = 0; x < json_array_size(mounts); x++)
        for (size_t y = x + 1; y < json_array_size(mounts); y++) {
            const char *dx = json_string_value(json_object_get(json_array_get(mounts, x), "Destination"));
            const char *dy = json_string_value(json_object_get(json_array_get(mounts, y), "Destination"));
            if (!strcmp(dx, dy))
                return gt_err(err, EINVAL, "Duplicate mount point: %s", dx);
        }
    /* the image's VOLUMEs not covered get anonymous volumes */
    json_object_foreach(json_object_get(cfg, "Volumes"), k, v) {
        bool covered = false;
        for (size_t x = 0; x < json_array_size(mounts); x++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(mounts, x), "Destination")), k))
                covered = true;
        if (covered || k[0] != '/')
            continue;
        cleanup_free char *anon = eng_random_id();
        bool created = false;
        if ((r = eng_volume_ensure(e, anon, true, &created, err)) < 0)
            return r;
        if (created)
            gt_strv_push(made, anon);
        cleanup_free char *path = eng_volume_data_path(e, anon);
        json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "Type",
                                                "volume", "Name", anon, "Source", path,
                                                "Destination", k, "Driver", "local", "Mode", "",
                                                "RW", true, "Propagation", ""));
    }
    *out = steal_pointer(&mounts);
    return 0;
}

static void undo_volumes(struct gt_engine *e, char **made)
{
    for (char **v = made; v && *v; v++) {
        struct gt_error ignored;
        eng_volume_remove_internal(e, *v, &ignored);
    }
}

int gt_engine_container_create(struct gt_engine *e, const char *name, const json_t *config,
                               char **id_out, json_t **warnings_out, struct gt_error *err)
{
    if (!json_is_object(config))
        return gt_err(err, EINVAL, "container config: expected a JSON object");
    cleanup_free char *want = NULL;
    if (name && *name) {
        want = gt_xstrdup(name[0] == '/' ? name + 1 : name);
        if (!name_valid(want))
            return gt_err(err, EINVAL,
                          "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                          name);
    }
    const char *image = json_string_value(json_object_get(config, "Image"));
    if (!image || !*image)
        return gt_err(err, EINVAL, "config: Image is required");
    cleanup_json json_t *cfg = json_deep_copy(config);
    json_object_del(cfg, "HostConfig");
    json_object_del(cfg, "NetworkingConfig");
    json_t *h = json_object_get(config, "HostConfig");
    if (h && !json_is_null(h) && !json_is_object(h))
        return gt_err(err, EINVAL, "HostConfig: expected an object, got %s", gt_json_type_name(h));
    cleanup_json json_t *host = json_is_object(h) ? json_deep_copy(h) : json_object();
    json_t *nc = json_object_get(config, "NetworkingConfig");
    cleanup_json json_t *netcfg = json_is_object(nc) ? json_deep_copy(nc) : NULL;
    cleanup_json json_t *warnings = json_array();

    cleanup_free char *image_id = NULL, *top = NULL;
    cleanup_json json_t *img_cfg = NULL;
    int r = eng_image_resolve_for_create(e, image, &image_id, &img_cfg, &top, err);
    if (r < 0)
        return r;
    if ((r = merge_config(cfg, img_cfg, err)) < 0)
        return r;
    if ((r = eng_spec_validate_host(e, host, cfg, &warnings, err)) < 0 ||
        (r = eng_net_validate(e, host, cfg, &netcfg, warnings, err)) < 0)
        return r;
    /* Path and Args */
    cleanup_strv char **argv = NULL;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(cfg, "Entrypoint"), i, a)
        gt_strv_push(&argv, json_string_value(a));
    json_array_foreach(json_object_get(cfg, "Cmd"), i, a)
        if (json_is_string(a))
            gt_strv_push(&argv, json_string_value(a));
    if (!argv || !argv[0] || !*argv[0])
        return gt_err(err, EINVAL, "no command specified");
    json_object_set_new(cfg, "Image", json_string(image));

    cleanup_free char *id = eng_random_id();
    if (!json_string_length(json_object_get(cfg, "Hostname"))) {
        json_t *nm = json_object_get(host, "NetworkMode");
        if (!json_is_string(nm) || strcmp(json_string_value(nm), "host"))
            json_object_set_new(cfg, "Hostname", json_stringn(id, 12));
        else {
            char hn[256] = "";
            gethostname(hn, sizeof hn - 1);
            json_object_set_new(cfg, "Hostname", json_string(hn));
        }
    }
    if (!json_is_string(json_object_get(cfg, "Domainname")))
        json_object_set_new(cfg, "Domainname", json_string(""));

    /* the name, atomically */
    pthread_mutex_lock(&e->lock);
    if (want && name_taken(e, want, e->reserved)) {
        char *owner = NULL;
        for (size_t j = 0; j < e->n_ctrs; j++)
            if (e->ctrs[j]->name && !strcmp(e->ctrs[j]->name, want))
                owner = e->ctrs[j]->id;
        pthread_mutex_unlock(&e->lock);
        if (owner)
            return gt_err(err, EEXIST,
                          "Conflict. The container name \"/%s\" is already in use by container "
                          "\"%s\". You have to remove (or rename) that container to be able to "
                          "reuse that name.",
                          want, owner);
        return gt_err(err, EEXIST, "Conflict. The container name \"/%s\" is already in use", want);
    }
    if (!want)
        want = name_generate(e, e->reserved);
    gt_strv_push(&e->reserved, want);
    pthread_mutex_unlock(&e->lock);

    struct container *c = ctr_new(e, id);
    c->name = gt_xstrdup(want);
    c->created_ns = eng_now_ns();
    c->image = gt_xstrdup(image);
    c->image_id = gt_xstrdup(image_id);
    c->config = json_incref(cfg);
    c->host = json_incref(host);
    c->netcfg = json_incref(netcfg);
    c->path = gt_xstrdup(argv[0]);
    for (char **p = argv + 1; *p; p++)
        gt_strv_push(&c->args, *p);
    c->status = ST_CREATED;
    cleanup_strv char **made = NULL;
    bool snap = false;
    bool vlocked = false;
    if ((r = gt_mkdir_p(c->dir, 0710, err)) < 0 || (r = gt_mkdir_p(c->xdir, 0711, err)) < 0)
        goto fail;
    if ((r = gt_snapshot_create(e->store->ss, id, top, err)) < 0) {
        gt_err_prefix(err, "create the container's snapshot");
        goto fail;
    }
    snap = true;
    /* from the volumes' creation to the container's registration, no
     * volume can be removed (it would be in use by then) */
    pthread_mutex_lock(&e->vol_lock);
    vlocked = true;
    if ((r = plan_mounts(e, cfg, host, &c->mounts, &made, err)) < 0)
        goto fail;
    if ((r = eng_ctr_save_config(c, err)) < 0)
        goto fail;
    pthread_mutex_lock(&c->lock);
    r = eng_ctr_save_state(c, err);
    pthread_mutex_unlock(&c->lock);
    if (r < 0)
        goto fail;
    pthread_mutex_lock(&e->lock);
    for (char **p = e->reserved; p && *p; p++)
        if (!strcmp(*p, want)) {
            free(*p);
            memmove(p, p + 1, (gt_strv_len(p + 1) + 1) * sizeof *p);
            break;
        }
    if (e->n_ctrs == e->cap_ctrs) {
        e->cap_ctrs = e->cap_ctrs ? e->cap_ctrs * 2 : 32;
        e->ctrs = gt_xrealloc(e->ctrs, e->cap_ctrs * sizeof *e->ctrs);
    }
    e->ctrs[e->n_ctrs++] = c;
    pthread_mutex_unlock(&e->lock);
    pthread_mutex_unlock(&e->vol_lock);
    eng_event_emit(e, "container", "create", id, c, NULL);
    *id_out = steal_pointer(&id);
    if (warnings_out)
        *warnings_out = steal_pointer(&warnings);
    return 0;
fail:
    undo_volumes(e, made);
    if (vlocked)
        pthread_mutex_unlock(&e->vol_lock);
    if (snap) {
        struct gt_error ignored;
        gt_snapshot_remove(e->store->ss, id, &ignored);
    }
    gt_rm_rf(c->dir, NULL);
    gt_rm_rf(c->xdir, NULL);
    pthread_mutex_lock(&e->lock);
    for (char **p = e->reserved; p && *p; p++)
        if (!strcmp(*p, want)) {
            free(*p);
            memmove(p, p + 1, (gt_strv_len(p + 1) + 1) * sizeof *p);
            break;
        }
    if (e->reserved && !e->reserved[0]) {
        free(e->reserved);
        e->reserved = NULL;
    }
    pthread_mutex_unlock(&e->lock);
    eng_ctr_free(c);
    return r;
}

/* ---- inspect ---- */

char *eng_format_time(int64_t ns)
{
    if (ns <= 0)
        return gt_xstrdup("0001-01-01T00:00:00Z");
    char buf[40];
    gt_jsonlog_time(ns, buf);
    return gt_xstrdup(buf);
}

static json_t *time_json(int64_t ns)
{
    char *s = eng_format_time(ns);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *state_json(struct container *c)
{
    json_t *s = json_pack(
        "{s:s,s:b,s:b,s:b,s:b,s:b,s:i,s:i,s:s,s:o,s:o}", "Status", eng_ctr_status_name(c->status),
        "Running", c->status == ST_RUNNING || c->status == ST_PAUSED || c->status == ST_RESTARTING,
        "Paused", c->status == ST_PAUSED, "Restarting", c->status == ST_RESTARTING, "OOMKilled",
        c->oom_killed, "Dead", c->status == ST_DEAD, "Pid", eng_ctr_is_running(c) ? (int)c->pid : 0,
        "ExitCode", c->exit_code, "Error", c->error ? c->error : "", "StartedAt",
        time_json(c->started_ns), "FinishedAt", time_json(c->finished_ns));
    if (c->health)
        json_object_set_new(s, "Health", json_deep_copy(c->health));
    return s;
}

static int64_t dir_usage(const char *path)
{
    cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int64_t entries = 0, bytes = 0;
    if (fd < 0 || gt_tree_usage(fd, &entries, &bytes, NULL) < 0)
        return 0;
    return bytes;
}

/* The writable layer's size: the snapshot's upper dir (overlay) or its
 * flattened rootfs (copy), under <data-root>/snapshots/active/<id>. */
static int64_t size_rw(struct gt_engine *e, struct container *c)
{
    cleanup_free char *upper = gt_xasprintf("%s/snapshots/active/%s/upper", e->data_root, c->id);
    if (gt_path_exists(upper))
        return dir_usage(upper);
    cleanup_free char *root = gt_xasprintf("%s/snapshots/active/%s/rootfs", e->data_root, c->id);
    return dir_usage(root);
}

static int64_t image_size(struct gt_engine *e, const char *image_id)
{
    struct gt_image_record rec;
    struct gt_error ignored;
    if (gt_image_store_lookup(e->store, image_id, &rec, &ignored) < 0)
        return 0;
    int64_t s = rec.size;
    gt_image_record_release(&rec);
    return s;
}

int gt_engine_container_inspect(struct gt_engine *e, const char *ref, bool size, json_t **out,
                                struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    json_t *args = json_array();
    for (char **a = c->args; a && *a; a++)
        json_array_append_new(args, json_string(*a));
    const char *driver = gt_snapshots_driver(e->store->ss);
    cleanup_free char *upper = gt_xasprintf("%s/snapshots/active/%s/upper", e->data_root, c->id);
    cleanup_free char *merged = gt_path_join(c->xdir, "rootfs");
    cleanup_free char *hosts = gt_path_join(c->dir, "hosts");
    cleanup_free char *hostname = gt_path_join(c->dir, "hostname");
    cleanup_free char *resolv = gt_path_join(c->dir, "resolv.conf");
    pthread_mutex_lock(&c->lock);
    json_t *exec_ids = json_array();
    for (char **x = c->exec_ids; x && *x; x++)
        json_array_append_new(exec_ids, json_string(*x));
    json_t *j = json_pack(
        "{s:s,s:o,s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:s,s:o,s:i,s:s,s:s,s:s,s:s,s:s,s:o,s:O,"
        "s:{s:s,s:{s:s,s:s}},s:O,s:O}",
        "Id", c->id, "Created", time_json(c->created_ns), "Path", c->path, "Args", args, "State",
        state_json(c), "Image", c->image_id, "ResolvConfPath", resolv, "HostnamePath", hostname,
        "HostsPath", hosts, "LogPath", c->log_path, "Name", json_sprintf("/%s", c->name),
        "RestartCount", c->restart_count, "Driver", driver, "Platform", "linux", "MountLabel", "",
        "ProcessLabel", "", "AppArmorProfile", "", "ExecIDs",
        json_array_size(exec_ids) ? exec_ids : (json_decref(exec_ids), json_null()),
        "HostConfig", c->host, "GraphDriver", "Name", driver, "Data", "UpperDir", upper,
        "MergedDir", merged, "Mounts", c->mounts, "Config", c->config);
    json_t *ns = eng_net_settings_json(e, c);
    json_object_set_new(j, "NetworkSettings", ns);
    pthread_mutex_unlock(&c->lock);
    if (size) {
        int64_t rw = size_rw(e, c);
        json_object_set_new(j, "SizeRw", json_integer(rw));
        json_object_set_new(j, "SizeRootFs", json_integer(rw + image_size(e, c->image_id)));
    }
    eng_ctr_unref(c);
    *out = j;
    return 0;
}

/* ---- list ---- */

/* docker's units.HumanDuration */
static void human_duration(int64_t ns, char *out, size_t outsz)
{
    int64_t s = ns / 1000000000;
    if (s < 1)
        snprintf(out, outsz, "Less than a second");
    else if (s == 1)
        snprintf(out, outsz, "1 second");
    else if (s < 60)
        snprintf(out, outsz, "%lld seconds", (long long)s);
    else if (s / 60 == 1)
        snprintf(out, outsz, "About a minute");
    else if (s / 60 < 60)
        snprintf(out, outsz, "%lld minutes", (long long)(s / 60));
    else if (s / 3600 == 1)
        snprintf(out, outsz, "About an hour");
    else if (s / 3600 < 48)
        snprintf(out, outsz, "%lld hours", (long long)(s / 3600));
    else if (s / 3600 < 24 * 7 * 2)
        snprintf(out, outsz, "%lld days", (long long)(s / 86400));
    else if (s / 3600 < 24 * 30 * 2)
        snprintf(out, outsz, "%lld weeks", (long long)(s / 86400 / 7));
    else if (s / 3600 < 24 * 365 * 2)
        snprintf(out, outsz, "%lld months", (long long)(s / 86400 / 30));
    else
        snprintf(out, outsz, "%lld years", (long long)(s / 86400 / 365));
}

static char *status_text(struct container *c)
{
    char d[64];
    int64_t now = eng_now_ns();
    const char *health = "";
    const char *hs = json_string_value(json_object_get(c->health, "Status"));
    if (hs && !strcmp(hs, "starting"))
        health = " (health: starting)";
    else if (hs && !strcmp(hs, "healthy"))
        health = " (healthy)";
    else if (hs && !strcmp(hs, "unhealthy"))
        health = " (unhealthy)";
    switch (c->status) {
    case ST_RUNNING:
        human_duration(now - c->started_ns, d, sizeof d);
        return gt_xasprintf("Up %s%s", d, health);
    case ST_PAUSED:
        human_duration(now - c->started_ns, d, sizeof d);
        return gt_xasprintf("Up %s (Paused)", d);
    case ST_RESTARTING:
        human_duration(now - c->finished_ns, d, sizeof d);
        return gt_xasprintf("Restarting (%d) %s ago", c->exit_code, d);
    case ST_REMOVING:
        return gt_xstrdup("Removal In Progress");
    case ST_DEAD:
        return gt_xstrdup("Dead");
    case ST_CREATED:
        return gt_xstrdup("Created");
    case ST_EXITED:
        if (!c->finished_ns)
            return gt_xstrdup("Created");
        human_duration(now - c->finished_ns, d, sizeof d);
        return gt_xasprintf("Exited (%d) %s ago", c->exit_code, d);
    }
    return gt_xstrdup("");
}

static json_t *command_json(struct container *c)
{
    size_t len = strlen(c->path) + 1;
    for (char **a = c->args; a && *a; a++)
        len += strlen(*a) + 1;
    char *s = gt_xmalloc(len + 1);
    size_t o = (size_t)sprintf(s, "%s", c->path);
    for (char **a = c->args; a && *a; a++)
        o += (size_t)sprintf(s + o, " %s", *a);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *summary_json(struct gt_engine *e, struct container *c, bool size)
{
    json_t *mounts = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(c->mounts, i, m) {
        json_t *x = json_deep_copy(m);
        json_array_append_new(mounts, x);
    }
    const char *nm = json_string_value(json_object_get(c->host, "NetworkMode"));
    json_t *j = json_pack("{s:s,s:[o],s:s,s:s,s:o,s:I,s:[],s:o,s:s,s:o,s:{s:s},s:{s:o},s:o}",
                          "Id", c->id, "Names", json_sprintf("/%s", c->name), "Image", c->image,
                          "ImageID", c->image_id, "Command", command_json(c), "Created",
                          (json_int_t)(c->created_ns / 1000000000), "Ports", "Labels",
                          eng_ctr_labels(c) ? json_incref(eng_ctr_labels(c)) : json_object(), "State",
                          eng_ctr_status_name(c->status), "Status", json_string(""), "HostConfig",
                          "NetworkMode", nm && *nm ? nm : "default", "NetworkSettings",
                          "Networks", eng_net_networks_json(e, c), "Mounts", mounts);
    json_object_set_new(j, "Ports", eng_net_ports_summary(c));
    char *st = status_text(c);
    json_object_set_new(j, "Status", json_string(st));
    free(st);
    if (size) {
        int64_t rw = size_rw(e, c);
        json_object_set_new(j, "SizeRw", json_integer(rw));
        json_object_set_new(j, "SizeRootFs", json_integer(rw + image_size(e, c->image_id)));
    }
    return j;
}

/* a name filter is a regular expression on "/name" */
static bool name_matches(const char *pattern, const char *name)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return strstr(name, pattern) != NULL;
    char full[300];
    snprintf(full, sizeof full, "/%s", name);
    bool hit = regexec(&re, full, 0, NULL, 0) == 0;
    regfree(&re);
    return hit;
}

static bool label_matches(json_t *labels, const char *want)
{
    char key[512];
    snprintf(key, sizeof key, "%s", want);
    char *eq = strchr(key, '=');
    if (eq)
        *eq = '\0';
    const char *have = json_string_value(json_object_get(labels, key));
    return have && (!eq || !strcmp(have, eq + 1));
}

struct list_ctx {
    json_t *filters;
    int64_t before_ns, since_ns;
};

static bool any_of(json_t *filters, const char *key, bool (*pred)(const char *v, void *arg), void *arg)
{
    json_t *f = json_object_get(filters, key);
    if (!f || !json_object_size(f))
        return true;
    const char *k;
    json_t *v;
    json_object_foreach(f, k, v)
        if (pred(k, arg))
            return true;
    return false;
}

static bool pred_id(const char *v, void *arg)
{
    return !strncmp(((struct container *)arg)->id, v, strlen(v));
}
static bool pred_name(const char *v, void *arg)
{
    return name_matches(v, ((struct container *)arg)->name);
}
static bool pred_status(const char *v, void *arg)
{
    return !strcmp(eng_ctr_status_name(((struct container *)arg)->status), v);
}
static bool pred_exited(const char *v, void *arg)
{
    struct container *c = arg;
    return c->status == ST_EXITED && c->has_run && c->exit_code == atoi(v);
}
static bool pred_ancestor(const char *v, void *arg)
{
    struct container *c = arg;
    if (!strcmp(c->image, v) || !strcmp(c->image_id, v) || !strncmp(c->image_id + 7, v, strlen(v)))
        return true;
    struct gt_image_record rec;
    struct gt_error ignored;
    if (gt_image_store_lookup(c->e->store, v, &rec, &ignored) < 0)
        return false;
    bool hit = rec.config && !strcmp(rec.config, c->image_id);
    gt_image_record_release(&rec);
    return hit;
}
static bool pred_volume(const char *v, void *arg)
{
    struct container *c = arg;
    size_t i;
    json_t *m;
    json_array_foreach(c->mounts, i, m) {
        const char *n = json_string_value(json_object_get(m, "Name"));
        const char *d = json_string_value(json_object_get(m, "Destination"));
        if ((n && !strcmp(n, v)) || (d && !strcmp(d, v)))
            return true;
    }
    return false;
}
static bool pred_health(const char *v, void *arg)
{
    struct container *c = arg;
    const char *hs = json_string_value(json_object_get(c->health, "Status"));
    return hs ? !strcmp(hs, v) : !strcmp(v, "none");
}
static bool pred_network(const char *v, void *arg)
{
    return eng_net_ctr_on(arg, v);
}

int gt_engine_container_list(struct gt_engine *e, bool all, int limit, bool size,
                             const json_t *filters, json_t **out, struct gt_error *err)
{
    static const char *const known[] = { "id", "name", "label", "status", "exited", "ancestor",
                                         "before", "since", "volume", "health", "network",
                                         "is-task", "publish", "expose", NULL };
    if (filters && !json_is_object(filters))
        return gt_err(err, EINVAL, "filters: expected an object");
    if (filters) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)filters, k, v) {
            bool ok = false;
            for (const char *const *n = known; *n; n++)
                ok |= !strcmp(*n, k);
            if (!ok)
                return gt_err(err, EINVAL, "invalid filter '%s'", k);
            if (!json_is_object(v))
                return gt_err(err, EINVAL, "filter '%s': expected an object of values", k);
        }
        json_object_foreach(json_object_get(filters, "status"), k, v)
            if (status_parse(k) < 0)
                return gt_err(err, EINVAL, "invalid filter 'status=%s'", k);
    }
    json_t *fl = (json_t *)filters;
    /* a status or exited filter looks at stopped containers too */
    if (json_object_size(json_object_get(fl, "status")) || json_object_size(json_object_get(fl, "exited")))
        all = true;
    int64_t before = 0, since = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(fl, "before"), k, v) {
        struct container *b;
        int r = eng_ctr_find(e, k, &b, err);
        if (r < 0)
            return r;
        before = b->created_ns;
        eng_ctr_unref(b);
    }
    json_object_foreach(json_object_get(fl, "since"), k, v) {
        struct container *s;
        int r = eng_ctr_find(e, k, &s, err);
        if (r < 0)
            return r;
        since = s->created_ns;
        eng_ctr_unref(s);
    }
    size_t n;
    struct container **list = eng_ctr_list(e, &n);
    /* newest first */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && list[j]->created_ns > list[j - 1]->created_ns; j--) {
            struct container *t = list[j];
            list[j] = list[j - 1];
            list[j - 1] = t;
        }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        struct container *c = list[i];
        pthread_mutex_lock(&c->lock);
        bool keep = !c->removed && (all || c->status == ST_RUNNING || c->status == ST_PAUSED ||
                                    c->status == ST_RESTARTING);
        keep = keep && any_of(fl, "id", pred_id, c) && any_of(fl, "name", pred_name, c) &&
               any_of(fl, "status", pred_status, c) && any_of(fl, "exited", pred_exited, c) &&
               any_of(fl, "ancestor", pred_ancestor, c) && any_of(fl, "volume", pred_volume, c) &&
               any_of(fl, "health", pred_health, c) && any_of(fl, "network", pred_network, c);
        json_object_foreach(json_object_get(fl, "label"), k, v)
            keep = keep && label_matches(eng_ctr_labels(c), k);
        if (before && c->created_ns >= before)
            keep = false;
        if (since && c->created_ns <= since)
            keep = false;
        if (keep && (limit <= 0 || (int)json_array_size(arr) < limit))
            json_array_append_new(arr, summary_json(e, c, size));
        pthread_mutex_unlock(&c->lock);
        eng_ctr_unref(c);
    }
    free(list);
    *out = arr;
    return 0;
}

/* ---- rename ---- */

int gt_engine_container_rename(struct gt_engine *e, const char *ref, const char *new_name,
                               struct gt_error *err)
{
    if (!new_name || !*new_name)
        return gt_err(err, EINVAL, "Neither old nor new names may be empty");
    const char *nn = new_name[0] == '/' ? new_name + 1 : new_name;
    if (!name_valid(nn))
        return gt_err(err, EINVAL,
                      "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                      new_name);
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    pthread_mutex_lock(&c->op);
    pthread_mutex_lock(&e->lock);
    if (!strcmp(c->name, nn)) {
        pthread_mutex_unlock(&e->lock);
        pthread_mutex_unlock(&c->op);
        eng_ctr_unref(c);
        return gt_err(err, EINVAL, "Renaming a container with the same name as its current name");
    }
    if (name_taken(e, nn, e->reserved)) {
        pthread_mutex_unlock(&e->lock);
        pthread_mutex_unlock(&c->op);
        eng_ctr_unref(c);
        return gt_err(err, EEXIST, "Conflict. The container name \"/%s\" is already in use", nn);
    }
    char *old = c->name;
    pthread_mutex_lock(&c->lock);
    c->name = gt_xstrdup(nn);
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_unlock(&e->lock);
    r = eng_ctr_save_config(c, err);
    pthread_mutex_lock(&c->lock);
    bool running = eng_ctr_is_running(c);
    pthread_mutex_unlock(&c->lock);
    if (r == 0 && running)
        eng_net_adopt(e, c); /* the new name resolves, the old one no more */
    if (r == 0) {
        json_t *attrs = json_pack("{s:s}", "oldName", old);
        eng_event_emit(e, "container", "rename", c->id, c, attrs);
    }
    free(old);
    pthread_mutex_unlock(&c->op);
    eng_ctr_unref(c);
    return r;
}

/* ---- remove ---- */

int eng_ctr_remove_locked(struct gt_engine *e, struct container *c, bool volumes,
                      struct gt_error *err)
{
    pthread_mutex_lock(&c->lock);
    c->removing = true;
    c->status = ST_REMOVING;
    c->restart_cancel = true;
    c->health_stop = true;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    eng_ctr_unmount(c);
    eng_net_teardown(e, c);
    struct gt_error serr = { 0 };
    if (gt_snapshot_remove(e->store->ss, c->id, &serr) < 0 && serr.code != ENOENT)
        gt_warn("remove container %s: %s", c->id, serr.msg);
    gt_rm_rf(c->xdir, NULL);
    int r = gt_rm_rf(c->dir, err);
    if (r < 0) {
        pthread_mutex_lock(&c->lock);
        c->status = ST_DEAD;
        c->removing = false;
        pthread_mutex_unlock(&c->lock);
        return gt_err_prefix(err, "remove container %s", c->id);
    }
    eng_exec_forget_container(e, c);
    pthread_mutex_lock(&e->vol_lock);
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < e->n_ctrs; i++)
        if (e->ctrs[i] == c) {
            e->ctrs[i] = e->ctrs[--e->n_ctrs];
            break;
        }
    pthread_mutex_unlock(&e->lock);
    if (volumes) {
        size_t i;
        json_t *m;
        json_array_foreach(c->mounts, i, m) {
            const char *name = json_string_value(json_object_get(m, "Name"));
            const char *type = json_string_value(json_object_get(m, "Type"));
            /* only anonymous volumes go with the container, as in docker */
            if (name && type && !strcmp(type, "volume") && strlen(name) == 64) {
                cleanup_free char *meta = gt_xasprintf("%s/volumes/%s/anonymous", e->data_root, name);
                if (gt_path_exists(meta)) {
                    struct gt_error verr;
                    if (eng_volume_remove_internal(e, name, &verr) < 0)
                        gt_warn("remove volume %s: %s", name, verr.msg);
                }
            }
        }
    }
    pthread_mutex_unlock(&e->vol_lock);
    eng_event_emit(e, "container", "destroy", c->id, c, NULL);
    pthread_mutex_lock(&c->lock);
    c->removed = true;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    eng_ctr_unref(c); /* the table's reference */
    return 0;
}

int gt_engine_container_remove(struct gt_engine *e, const char *ref, bool force, bool volumes,
                               struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    pthread_mutex_lock(&c->op);
    for (int attempt = 0;; attempt++) {
        pthread_mutex_lock(&c->lock);
        if (c->removed || c->removing) {
            bool gone = c->removed;
            pthread_mutex_unlock(&c->lock);
            pthread_mutex_unlock(&c->op);
            eng_ctr_unref(c);
            return gone ? gt_err(err, ENOENT, "No such container: %s", ref)
                        : gt_err(err, EBUSY, "removal of container %s is already in progress", ref);
        }
        if (c->status == ST_RESTARTING) {
            /* a pending restart is eng_cancelled */
            c->restart_cancel = true;
            c->status = ST_EXITED;
            pthread_cond_broadcast(&c->cond);
        }
        if (!eng_ctr_is_running(c)) {
            pthread_mutex_unlock(&c->lock);
            break;
        }
        if (!force) {
            pthread_mutex_unlock(&c->lock);
            pthread_mutex_unlock(&c->op);
            r = gt_err(err, EBUSY,
                       "cannot remove container \"/%s\": container is running: stop the "
                       "container before removing or force remove",
                       c->name);
            eng_ctr_unref(c);
            return r;
        }
        if (attempt > 0) {
            pthread_mutex_unlock(&c->lock);
            pthread_mutex_unlock(&c->op);
            eng_ctr_unref(c);
            return gt_err(err, EBUSY, "could not kill container %s", ref);
        }
        c->manual_stop = true;
        c->restart_cancel = true;
        uint64_t gen = c->exit_gen;
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_unlock(&c->op);
        struct gt_error kerr = { 0 };
        if (eng_ctr_signal(c, SIGKILL, &kerr) < 0)
            gt_debug("remove %s: kill: %s", c->id, kerr.msg);
        pthread_mutex_lock(&c->lock);
        eng_ctr_wait_exit_locked(c, gen, eng_now_ns() + 30 * (int64_t)1000000000);
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_lock(&c->op);
    }
    r = eng_ctr_remove_locked(e, c, volumes, err);
    pthread_mutex_unlock(&c->op);
    eng_ctr_unref(c);
    return r;
}

int gt_engine_container_prune(struct gt_engine *e, const json_t *filters, json_t **out,
                              struct gt_error *err)
{
    static const char *const known[] = { "label", "label!", "until", NULL };
    if (filters && gt_json_check_known(filters, "filters", known, err) < 0)
        return -EINVAL;
    int64_t until = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(filters, "until"), k, v) {
        char *end;
        double secs = strtod(k, &end);
        until = *end ? eng_parse_time_ns(k) : (int64_t)(secs * 1e9);
    }
    size_t n;
    struct container **list = eng_ctr_list(e, &n);
    json_t *deleted = json_array();
    int64_t reclaimed = 0;
    for (size_t i = 0; i < n; i++) {
        struct container *c = list[i];
        pthread_mutex_lock(&c->lock);
        bool stopped = c->status == ST_EXITED || c->status == ST_CREATED || c->status == ST_DEAD;
        bool keep = !stopped;
        json_object_foreach(json_object_get(filters, "label"), k, v)
            keep = keep || !label_matches(eng_ctr_labels(c), k);
        json_object_foreach(json_object_get(filters, "label!"), k, v)
            keep = keep || label_matches(eng_ctr_labels(c), k);
        if (until && c->created_ns >= until)
            keep = true;
        pthread_mutex_unlock(&c->lock);
        if (!keep) {
            int64_t sz = size_rw(e, c);
            struct gt_error rerr;
            char id[65];
            memcpy(id, c->id, sizeof id);
            if (gt_engine_container_remove(e, id, false, false, &rerr) == 0) {
                json_array_append_new(deleted, json_string(id));
                reclaimed += sz;
            }
        }
        eng_ctr_unref(c);
    }
    free(list);
    *out = json_pack("{s:o,s:I}", "ContainersDeleted", deleted, "SpaceReclaimed",
                     (json_int_t)reclaimed);
    return 0;
}
