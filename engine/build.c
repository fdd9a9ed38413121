/* docker build through the legacy builder (engine.h, gt_engine_build):
 * the Dockerfile's steps composed from what the engine has -- containers
 * for RUN (and the files of COPY, ADD, WORKDIR), docker commit for each
 * step's image, image/changes for the config instructions.  The cache
 * is <data_root>/build-cache.json: a step's key (its parent image, its
 * instruction as expanded, the build args a RUN sees, what a COPY
 * writes: names, modes, owners and contents, not times) to the image it
 * made. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/build.h"
#include "image/changes.h"
#include "image/commit.h"
#include "image/content.h"
#include "image/ref.h"

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *short_id(const char *id)
{
    return !strncmp(id, "sha256:", 7) ? id + 7 : id;
}

void bld_say(struct bld *b, const char *fmt, ...)
{
    if (b->o->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *s = gt_xvasprintf(fmt, ap);
    va_end(ap);
    json_t *m = json_pack("{s:s}", "stream", s);
    if (m)
        b->emit(b->ctx, m);
    json_decref(m);
}

json_t *bld_env(struct bld *b)
{
    json_t *env = json_array();
    const char *k;
    json_t *v;
    json_t *cenv = json_object_get(b->cfg, "Env");
    json_object_foreach(b->args, k, v) {
        if (!json_is_string(v))
            continue;
        bool in_env = false;
        size_t i, n = strlen(k);
        json_t *x;
        json_array_foreach(cenv, i, x) {
            const char *s = json_string_value(x);
            in_env |= s && !strncmp(s, k, n) && s[n] == '=';
        }
        if (!in_env)
            json_array_append_new(env, json_sprintf("%s=%s", k, json_string_value(v)));
    }
    if (json_is_array(cenv))
        json_array_extend(env, cenv);
    return env;
}

/* ---- the cache ---- */

static char *cache_path(struct bld *b)
{
    return gt_path_join(b->e->data_root, "build-cache.json");
}

bool bld_cache_get(struct bld *b, const char *key, char **id)
{
    if (b->o->nocache)
        return false;
    cleanup_free char *path = cache_path(b);
    pthread_mutex_lock(&cache_lock);
    json_t *c = json_load_file(path, 0, NULL);
    pthread_mutex_unlock(&cache_lock);
    const char *hit = json_string_value(json_object_get(c, key));
    bool ok = false;
    if (hit) {
        cleanup_json json_t *img = NULL;
        struct gt_error e2 = { 0 };
        ok = gt_engine_image_inspect(b->e, hit, &img, &e2) == 0;
        if (ok)
            *id = gt_xstrdup(hit);
    }
    json_decref(c);
    return ok;
}

static void cache_put(struct bld *b, const char *key, const char *id)
{
    cleanup_free char *path = cache_path(b);
    pthread_mutex_lock(&cache_lock);
    json_t *c = json_load_file(path, 0, NULL);
    if (!json_is_object(c)) {
        json_decref(c);
        c = json_object();
    }
    json_object_set_new(c, key, json_string(id));
    struct gt_error e2 = { 0 };
    if (gt_json_dump_file(path, c, false, &e2) < 0)
        gt_warn("build cache: %s", e2.msg);
    json_decref(c);
    pthread_mutex_unlock(&cache_lock);
}

/* The key of a step: its parent, its words and the config it ends with. */
char *bld_step_key(struct bld *b, const char *what)
{
    cleanup_free char *cfg = json_dumps(b->cfg, JSON_COMPACT | JSON_SORT_KEYS);
    cleanup_free char *s = gt_xasprintf("%s\n%s\n%s", b->cur ? b->cur : "scratch", what,
                                        cfg ? cfg : "");
    return gt_digest_of(s, strlen(s));
}

static void set_cur(struct bld *b, const char *id)
{
    free(b->cur);
    b->cur = gt_xstrdup(id);
}

/* Uses the cache for key when it has it. */
bool bld_from_cache(struct bld *b, const char *key)
{
    cleanup_free char *id = NULL;
    if (!bld_cache_get(b, key, &id))
        return false;
    bld_say(b, " ---> Using cache\n");
    bld_say(b, " ---> %.12s\n", short_id(id));
    set_cur(b, id);
    return true;
}

void bld_drop_container(struct bld *b)
{
    if (!b->ctr)
        return;
    struct gt_error e2 = { 0 };
    if (gt_engine_container_remove(b->e, b->ctr, true, true, &e2) < 0)
        gt_warn("build: remove intermediate container %s: %s", b->ctr, e2.msg);
    free(b->ctr);
    b->ctr = NULL;
}

int bld_container(struct bld *b, const json_t *cmd, const char *user)
{
    cleanup_json json_t *env = bld_env(b);
    json_t *wd = json_object_get(b->cfg, "WorkingDir");
    cleanup_json json_t *config = json_pack(
        "{s:s,s:O,s:[s],s:O,s:s,s:s,s:{s:s}}", "Image", b->cur, "Cmd", cmd, "Entrypoint", "",
        "Env", env, "WorkingDir", json_is_string(wd) ? json_string_value(wd) : "", "User",
        user ? user : "", "HostConfig", "NetworkMode",
        b->o->network_mode && *b->o->network_mode ? b->o->network_mode : "default");
    cleanup_json json_t *warnings = NULL;
    int r = gt_engine_container_create(b->e, NULL, config, &b->ctr, &warnings, b->err);
    if (r < 0)
        gt_err_prefix(b->err, "create the step's container");
    return r;
}

static void committed(struct bld *b, const char *key, char *id)
{
    cache_put(b, key, id);
    bld_say(b, " ---> %.12s\n", short_id(id));
    free(b->cur);
    b->cur = id;
}

int bld_commit_upper(struct bld *b, const char *key, const char *created_by, int upper_fd)
{
    char *id = NULL;
    struct gt_commit_opts co = { .base = b->cur, .config = b->cfg, .created_by = created_by };
    int r = gt_image_commit(b->e->store, upper_fd, &co, &id, b->err);
    if (r < 0)
        return r;
    committed(b, key, id);
    return 0;
}

int bld_commit(struct bld *b, const char *key, const char *created_by)
{
    if (!b->ctr) {
        /* the config alone: an empty directory as the layer */
        char tmpl[] = "/tmp/gantry-build-empty-XXXXXX";
        if (!mkdtemp(tmpl))
            return gt_err_sys(b->err, errno, "make a temporary directory");
        int fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r = fd < 0 ? gt_err_sys(b->err, errno, "open %s", tmpl)
                       : bld_commit_upper(b, key, created_by, fd);
        if (fd >= 0)
            close(fd);
        rmdir(tmpl);
        return r;
    }
    char *id = NULL;
    struct gt_commit_options co = {
        .config = b->cfg, .config_as_is = true, .created_by = created_by,
    };
    int r = gt_engine_container_commit(b->e, b->ctr, &co, &id, b->err);
    if (r < 0)
        return r;
    if (b->o->rm) {
        cleanup_free char *c = gt_xstrdup(b->ctr);
        bld_drop_container(b);
        bld_say(b, " ---> Removed intermediate container %.12s\n", c);
    } else {
        free(b->ctr);
        b->ctr = NULL;
    }
    committed(b, key, id);
    return 0;
}

/* ---- steps ---- */

static int expand(struct bld *b, const char *word, json_t *env, char **out)
{
    return gt_image_changes_expand(word, env, out, b->err);
}

static int pull_emit(void *ctx, const json_t *msg)
{
    struct bld *b = ctx;
    return b->o->quiet ? 0 : b->emit(b->ctx, msg);
}

/* The image a FROM or COPY --from names: a stage's, or a pulled one. */
int bld_image_of(struct bld *b, const char *name, bool allow_pull, char **id)
{
    for (size_t i = b->n_stages; i-- > 0;)
        if (b->stages[i].name && !strcasecmp(b->stages[i].name, name)) {
            *id = gt_xstrdup(b->stages[i].image_id);
            return 0;
        }
    cleanup_json json_t *img = NULL;
    struct gt_error e2 = { 0 };
    int r = b->o->pull && allow_pull ? -ENOENT : gt_engine_image_inspect(b->e, name, &img, &e2);
    if (r == -ENOENT) {
        if ((r = gt_engine_image_pull(b->e, name, b->o->platform, b->o->auth, pull_emit, b,
                                      b->cancel_fd, b->err)) < 0)
            return r;
        json_decref(img);
        img = NULL;
        r = gt_engine_image_inspect(b->e, name, &img, b->err);
    } else if (r < 0) {
        *b->err = e2;
    }
    if (r < 0)
        return r;
    *id = gt_xstrdup(json_string_value(json_object_get(img, "Id")));
    return 0;
}

static int do_from(struct bld *b, const struct gt_df_instr *in)
{
    cleanup_strv char **w = gt_image_changes_words(in->rest);
    cleanup_json json_t *menv = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(b->meta, k, v)
        if (json_is_string(v))
            json_array_append_new(menv, json_sprintf("%s=%s", k, json_string_value(v)));
    cleanup_free char *name = NULL;
    int r = expand(b, w[0], menv, &name);
    if (r < 0)
        return r;
    json_decref(b->args);
    b->args = json_object();
    json_decref(b->cfg);
    b->cfg = NULL;
    free(b->cur);
    b->cur = NULL;
    if (!strcasecmp(name, "scratch")) {
        b->cfg = json_object();
        bld_say(b, " ---> scratch\n");
        return 0;
    }
    cleanup_free char *id = NULL;
    if ((r = bld_image_of(b, name, true, &id)) < 0)
        return r;
    cleanup_json json_t *img = NULL;
    if ((r = gt_engine_image_inspect(b->e, id, &img, b->err)) < 0)
        return r;
    json_t *c = json_object_get(img, "Config");
    b->cfg = json_is_object(c) ? json_deep_copy(c) : json_object();
    b->cur = steal_pointer(&id);
    bld_say(b, " ---> %.12s\n", short_id(b->cur));
    return 0;
}

static int do_arg(struct bld *b, const struct gt_df_instr *in, json_t *into)
{
    cleanup_strv char **w = gt_image_changes_words(in->rest);
    cleanup_json json_t *env = bld_env(b);
    for (char **p = w; p && *p; p++) {
        cleanup_free char *word = NULL;
        int r = expand(b, *p, env, &word);
        if (r < 0)
            return r;
        char *eq = strchr(word, '=');
        if (eq)
            *eq = '\0';
        json_t *given = json_object_get(b->o->buildargs, word);
        if (json_is_string(given)) {
            json_object_set(into, word, given);
            json_object_set_new(b->used, word, json_true());
        } else if (eq) {
            json_object_set_new(into, word, json_string(eq + 1));
        } else if (!json_object_get(into, word)) {
            /* a meta ARG named again inherits its value */
            json_t *meta = into == b->meta ? NULL : json_object_get(b->meta, word);
            json_object_set(into, word, meta ? meta : json_null());
        }
    }
    return 0;
}

static json_t *shell_of(struct bld *b)
{
    json_t *sh = json_object_get(b->cfg, "Shell");
    return json_is_array(sh) && json_array_size(sh) ? json_deep_copy(sh)
                                                    : json_pack("[s,s]", "/bin/sh", "-c");
}

static char *joined(const json_t *a)
{
    char *s = gt_xstrdup("");
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        char *n = gt_xasprintf("%s%s%s", s, i ? " " : "", json_string_value(v));
        free(s);
        s = n;
    }
    return s;
}

static int run_emit(void *ctx, int stream, const void *data, size_t len, int64_t ts)
{
    struct bld *b = ctx;
    if (b->o->quiet)
        return 0;
    json_t *m = json_object();
    json_object_set_new(m, "stream", json_stringn_nocheck(data, len));
    int r = b->emit(b->ctx, m);
    json_decref(m);
    return r;
}

static int do_run(struct bld *b, const struct gt_df_instr *in)
{
    if (gt_df_flag(in, "mount") || gt_df_flag(in, "network") || gt_df_flag(in, "security"))
        return gt_err(b->err, EINVAL, "the --mount, --network and --security options of RUN "
                      "require BuildKit");
    if (!b->cur)
        return gt_err(b->err, EINVAL, "Please provide a source image with `from` prior to run");
    cleanup_json json_t *cmd = in->json ? json_deep_copy(in->json) : shell_of(b);
    if (!in->json)
        json_array_append_new(cmd, json_string(in->rest));
    /* the history says which build args the command saw, as dockerd's */
    cleanup_json json_t *argv = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(b->args, k, v)
        if (json_is_string(v))
            json_array_append_new(argv, json_sprintf("%s=%s", k, json_string_value(v)));
    cleanup_free char *cmdline = joined(cmd);
    cleanup_free char *argline = joined(argv);
    cleanup_free char *created_by =
        json_array_size(argv) ? gt_xasprintf("|%zu %s %s", json_array_size(argv), argline, cmdline)
                              : gt_xstrdup(cmdline);
    cleanup_free char *key = bld_step_key(b, created_by);
    if (bld_from_cache(b, key))
        return 0;
    const char *user = json_string_value(json_object_get(b->cfg, "User"));
    int r = bld_container(b, cmd, user);
    if (r < 0)
        return r;
    bld_say(b, " ---> Running in %.12s\n", b->ctr);
    if ((r = gt_engine_container_start(b->e, b->ctr, b->err)) < 0)
        return r;
    struct gt_logs_options lo = { .follow = true, .want_stdout = true, .want_stderr = true,
                                  .tail = -1 };
    if ((r = gt_engine_container_logs(b->e, b->ctr, &lo, run_emit, b, b->cancel_fd, b->err)) < 0)
        return r;
    int status = 0;
    if ((r = gt_engine_container_wait(b->e, b->ctr, GT_WAIT_NOT_RUNNING, NULL, NULL,
                                      b->cancel_fd, &status, b->err)) < 0)
        return r;
    if (status != 0) {
        b->o->exit_code = status;
        return gt_err(b->err, EINVAL, "The command '%s' returned a non-zero code: %d", cmdline,
                      status);
    }
    return bld_commit(b, key, created_by);
}

/* CMD, ENTRYPOINT, ENV, LABEL, ...: image/changes on the config, with the
 * stage's ARGs visible to its expansion but not kept in Env. */
static int do_change(struct bld *b, const struct gt_df_instr *in)
{
    cleanup_json json_t *env = bld_env(b);
    json_t *before = json_object_get(b->cfg, "Env");
    size_t n_before = json_is_array(before) ? json_array_size(before) : 0;
    size_t n_args = json_array_size(env) - n_before;
    cleanup_json json_t *work = json_deep_copy(b->cfg);
    json_object_set(work, "Env", env);
    char *changes[] = { in->original, NULL };
    int r = gt_image_changes_apply(work, changes, b->err);
    if (r < 0)
        return r;
    /* the ARG entries still as injected go again */
    json_t *after = json_object_get(work, "Env");
    cleanup_json json_t *kept = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(after, i, x) {
        bool injected = i < n_args && json_equal(x, json_array_get(env, i));
        if (!injected)
            json_array_append(kept, x);
    }
    if (json_array_size(kept) || json_object_get(b->cfg, "Env"))
        json_object_set(work, "Env", kept);
    else
        json_object_del(work, "Env");
    json_decref(b->cfg);
    b->cfg = json_incref(work);
    return 0;
}

static int do_step(struct bld *b, const struct gt_df_instr *in)
{
    const char *c = in->cmd;
    int r;
    if (!strcmp(c, "run"))
        return do_run(b, in);
    if (!strcmp(c, "copy") || !strcmp(c, "add"))
        return bld_copy(b, in);
    if (!strcmp(c, "arg")) {
        if ((r = do_arg(b, in, b->args)) < 0)
            return r;
    } else if (!strcmp(c, "shell")) {
        json_object_set(b->cfg, "Shell", in->json);
    } else if (!strcmp(c, "maintainer")) {
        /* kept only in the history, as the author field is the commit's */
    } else if ((r = do_change(b, in)) < 0) {
        return r;
    }
    cleanup_free char *created_by = gt_xasprintf("/bin/sh -c #(nop)  %s", in->original);
    if (!strcmp(c, "workdir"))
        return bld_workdir_dir(b, created_by);
    cleanup_free char *key = bld_step_key(b, created_by);
    if (bld_from_cache(b, key))
        return 0;
    return bld_commit(b, key, created_by);
}

/* ---- the build ---- */

static int read_dockerfile(struct gt_build_options *o, char **text, size_t *len,
                           struct gt_error *err)
{
    const char *name = o->dockerfile && *o->dockerfile ? o->dockerfile : "Dockerfile";
    if (name[0] == '/' || strstr(name, ".."))
        return gt_err(err, EINVAL, "the Dockerfile (%s) must be a path inside the context",
                      name);
    cleanup_close int dir = open(o->context_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return gt_err_sys(err, errno, "open the build context");
    int r = gt_read_file_at(dir, name, 16 << 20, text, len, err);
    if (r == -ENOENT)
        return gt_err(err, ENOENT, "Cannot locate specified Dockerfile: %s", name);
    return r;
}

/* Whether a .dockerignore pattern (cleaned, "!" taken off) matches name
 * or a directory above it; "**" as "*", which also crosses "/". */
static bool ignore_match(const char *pat, const char *name)
{
    cleanup_free char *n = gt_xstrdup(name);
    for (;;) {
        if (!fnmatch(pat, n, FNM_PERIOD) ||
            (!strncmp(pat, "**/", 3) && !fnmatch(pat + 3, n, FNM_PERIOD)))
            return true;
        char *slash = strrchr(n, '/');
        if (!slash)
            return false;
        *slash = '\0';
    }
}

/* dockerd's removeDockerfile: once the Dockerfile is read, it and the
 * .dockerignore leave the context when the .dockerignore names them (the
 * CLI names there the Dockerfile it added from outside the context). */
static void drop_ignored(const char *dir, const char *dockerfile)
{
    cleanup_free char *path = gt_path_join(dir, ".dockerignore");
    cleanup_free char *text = NULL;
    size_t len;
    struct gt_error e2 = { 0 };
    if (gt_read_file(path, 1 << 20, &text, &len, &e2) < 0)
        return;
    const char *names[] = { ".dockerignore", dockerfile };
    bool drop[2] = { false, false };
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        line += strspn(line, " \t\r");
        size_t n = strlen(line);
        while (n && strchr(" \t\r", line[n - 1]))
            line[--n] = '\0';
        if (!n || line[0] == '#')
            continue;
        bool except = line[0] == '!';
        const char *pat = line + except;
        while (*pat == '/')
            pat++;
        if (!strncmp(pat, "./", 2))
            pat += 2;
        for (int i = 0; i < 2; i++)
            if (ignore_match(pat, names[i]))
                drop[i] = !except;
    }
    for (int i = 0; i < 2; i++) {
        cleanup_free char *p = gt_path_join(dir, names[i]);
        if (drop[i] && unlink(p) < 0)
            gt_warn("build: remove %s from the context: %s", names[i], strerror(errno));
    }
}

/* name:tag split as the tag call wants it, checked. */
static int split_tag(const char *t, char **repo, char **tag, struct gt_error *err)
{
    struct gt_ref ref;
    if (gt_ref_parse(t, &ref, NULL) < 0 || !ref.tag)
        return gt_err(err, EINVAL, "invalid reference format: %s", t);
    gt_ref_release(&ref);
    const char *slash = strrchr(t, '/');
    const char *colon = strrchr(slash ? slash : t, ':');
    *repo = colon ? gt_xstrndup(t, (size_t)(colon - t)) : gt_xstrdup(t);
    *tag = gt_xstrdup(colon ? colon + 1 : "latest");
    return 0;
}

/* The last instruction to run: the end of the target stage. */
static int last_step(struct bld *b, const struct gt_dockerfile *df, size_t *end)
{
    const char *target = b->o->target;
    *end = df->n;
    if (!target || !*target)
        return 0;
    for (size_t i = 0; i < df->n; i++) {
        if (strcmp(df->v[i].cmd, "from"))
            continue;
        cleanup_strv char **w = gt_image_changes_words(df->v[i].rest);
        if (gt_strv_len(w) == 3 && !strcasecmp(w[2], target)) {
            size_t j = i + 1;
            while (j < df->n && strcmp(df->v[j].cmd, "from"))
                j++;
            *end = j;
            return 0;
        }
    }
    return gt_err(b->err, EINVAL, "failed to reach build target %s in Dockerfile", target);
}

static int run_all(struct bld *b, const struct gt_dockerfile *df, struct gt_df_instr *labels)
{
    size_t end, first = 0;
    int r = last_step(b, df, &end);
    if (r < 0)
        return r;
    while (first < end && strcmp(df->v[first].cmd, "from"))
        if ((r = do_arg(b, &df->v[first++], b->meta)) < 0)
            return r;
    int total = (int)(end - first) + (labels ? 1 : 0), step = 0;
    for (size_t i = first; i <= end; i++) {
        bool stage_end = i == end || !strcmp(df->v[i].cmd, "from");
        if (stage_end && i > first) {
            struct bld_stage *st = &b->stages[b->n_stages - 1];
            free(st->image_id);
            st->image_id = b->cur ? gt_xstrdup(b->cur) : NULL;
        }
        if (i == end)
            break;
        const struct gt_df_instr *in = &df->v[i];
        if (eng_cancelled(b->cancel_fd, -1))
            return gt_err(b->err, ECANCELED, "the client left");
        bld_say(b, "Step %d/%d : %s\n", ++step, total, in->original);
        if (!strcmp(in->cmd, "from")) {
            if ((r = do_from(b, in)) < 0)
                return r;
            b->stages = gt_xrealloc(b->stages, (b->n_stages + 1) * sizeof *b->stages);
            cleanup_strv char **w = gt_image_changes_words(in->rest);
            b->stages[b->n_stages++] = (struct bld_stage){
                .name = gt_strv_len(w) == 3 ? gt_xstrdup(w[2]) : NULL,
                .image_id = b->cur ? gt_xstrdup(b->cur) : NULL,
            };
            continue;
        }
        if ((r = do_step(b, in)) < 0)
            return r;
        if (i + 1 == end && labels) {
            bld_say(b, "Step %d/%d : %s\n", ++step, total, labels->original);
            if ((r = do_step(b, labels)) < 0)
                return r;
        }
    }
    if (!b->cur)
        return gt_err(b->err, EINVAL, "No image was generated. Is your Dockerfile empty?");
    return 0;
}

int gt_engine_build(struct gt_engine *e, struct gt_build_options *o, gt_engine_emit_json_fn emit,
                    void *ctx, int cancel_fd, char **image_id, struct gt_error *err)
{
    o->exit_code = 0;
    cleanup_free char *text = NULL;
    size_t len = 0;
    int r = read_dockerfile(o, &text, &len, err);
    if (r < 0)
        return r;
    if (o->drop_ignored)
        drop_ignored(o->context_dir, o->dockerfile && *o->dockerfile ? o->dockerfile
                                                                     : "Dockerfile");
    struct gt_dockerfile df;
    if ((r = gt_dockerfile_parse(text, len, &df, err)) < 0)
        return r;
    char **repos = NULL, **tags = NULL;
    for (char *const *t = o->tags; t && *t && r == 0; t++) {
        char *repo = NULL, *tag = NULL;
        if ((r = split_tag(*t, &repo, &tag, err)) == 0) {
            gt_strv_push(&repos, repo);
            gt_strv_push(&tags, tag);
        }
        free(repo);
        free(tag);
    }
    /* labels= of the query: one more LABEL step at the end */
    struct gt_df_instr labels = { 0 };
    if (r == 0 && json_object_size(o->labels)) {
        char *line = gt_xstrdup("LABEL");
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)o->labels, k, v) {
            cleanup_json json_t *ks = json_string(k);
            cleanup_free char *kq = json_dumps(ks, JSON_ENCODE_ANY);
            cleanup_free char *vq = json_dumps(v, JSON_ENCODE_ANY);
            char *n = gt_xasprintf("%s %s=%s", line, kq, vq ? vq : "\"\"");
            free(line);
            line = n;
        }
        labels = (struct gt_df_instr){ .cmd = "label", .original = line, .rest = line + 6 };
    }
    struct bld b = {
        .e = e, .o = o, .emit = emit, .ctx = ctx, .cancel_fd = cancel_fd, .err = err,
        .meta = json_object(), .args = json_object(), .used = json_object(),
    };
    if (r == 0)
        r = run_all(&b, &df, labels.original ? &labels : NULL);
    /* rm: the containers of the steps that succeeded went as they were
     * committed; a failed RUN's stays unless forcerm, as dockerd's */
    if (r < 0 && o->forcerm) {
        bld_drop_container(&b);
    } else if (r < 0 && b.ctr) {
        /* one the client left while it ran: killed, as dockerd does */
        struct gt_error e2 = { 0 };
        gt_engine_container_kill(e, b.ctr, SIGKILL, &e2);
    }
    free(b.ctr);
    for (size_t i = 0; r == 0 && repos && repos[i]; i++)
        r = gt_engine_image_tag(e, b.cur, repos[i], tags[i], err);
    if (r == 0) {
        const char *k;
        json_t *v;
        cleanup_free char *unused = NULL;
        json_object_foreach((json_t *)o->buildargs, k, v)
            if (!json_object_get(b.used, k) && strcmp(k, "HTTP_PROXY") &&
                strcmp(k, "HTTPS_PROXY") && strcmp(k, "NO_PROXY") && strcmp(k, "FTP_PROXY")) {
                char *n = gt_xasprintf("%s%s%s", unused ? unused : "", unused ? " " : "", k);
                free(unused);
                unused = n;
            }
        if (unused)
            bld_say(&b, "[Warning] One or more build-args [%s] were not consumed\n", unused);
        *image_id = steal_pointer(&b.cur);
    }
    free(labels.original);
    free(b.cur);
    for (size_t i = 0; i < b.n_stages; i++) {
        free(b.stages[i].name);
        free(b.stages[i].image_id);
    }
    free(b.stages);
    json_decref(b.meta);
    json_decref(b.args);
    json_decref(b.used);
    json_decref(b.cfg);
    gt_strv_free(repos);
    gt_strv_free(tags);
    gt_dockerfile_release(&df);
    return r;
}
