/* Exec: processes run in a running container through its monitor (which
 * runs the runtime's exec, holds the process's stdio or pty, reaps it as
 * the subreaper, and sends its exit code before closing the stream). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"
#include "engine/monitor.h"

/* under e->lock */
static struct exec_rec *exec_find_locked(struct gt_engine *e, const char *id)
{
    if (!id || !*id)
        return NULL;
    struct exec_rec *hit = NULL;
    size_t len = strlen(id);
    for (size_t i = 0; i < e->n_execs; i++) {
        if (!strcmp(e->execs[i]->id, id))
            return e->execs[i];
        if (!strncmp(e->execs[i]->id, id, len)) {
            if (hit)
                return NULL;
            hit = e->execs[i];
        }
    }
    return hit;
}

/* Finds an exec and references its container (which keeps the record). */
static int exec_get(struct gt_engine *e, const char *id, struct exec_rec **out,
                    struct gt_error *err)
{
    pthread_mutex_lock(&e->lock);
    struct exec_rec *x = exec_find_locked(e, id);
    if (x)
        x->c->refs++;
    pthread_mutex_unlock(&e->lock);
    if (!x)
        return gt_err(err, ENOENT, "No such exec instance: %s", id ? id : "");
    *out = x;
    return 0;
}

void eng_exec_forget_container(struct gt_engine *e, struct container *c)
{
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < e->n_execs;) {
        struct exec_rec *x = e->execs[i];
        if (x->c == c) {
            e->execs[i] = e->execs[--e->n_execs];
            pthread_mutex_lock(&c->lock);
            bool followed = x->detached;
            x->forgotten = true;
            pthread_mutex_unlock(&c->lock);
            if (followed)
                continue; /* its thread frees it */
            pthread_cond_destroy(&x->cond);
            json_decref(x->config);
            free(x);
            continue;
        }
        i++;
    }
    pthread_mutex_unlock(&e->lock);
}

static int check_running(struct container *c, struct gt_error *err)
{
    pthread_mutex_lock(&c->lock);
    enum ctr_status st = c->status;
    pthread_mutex_unlock(&c->lock);
    if (st == ST_PAUSED)
        return gt_err(err, EBUSY, "Container %s is paused, unpause the container first", c->id);
    if (st == ST_RESTARTING)
        return gt_err(err, EBUSY, "Container %s is restarting, wait until the container is running", c->id);
    if (st != ST_RUNNING)
        return gt_err(err, EBUSY, "Container %s is not running", c->id);
    return 0;
}

int gt_engine_exec_create(struct gt_engine *e, const char *ref, const json_t *config,
                          char **exec_id, struct gt_error *err)
{
    if (!json_is_object(config))
        return gt_err(err, EINVAL, "exec config: expected a JSON object");
    json_t *cmd = json_object_get(config, "Cmd");
    if (!json_is_array(cmd) || !json_array_size(cmd))
        return gt_err(err, EINVAL, "No exec command specified");
    size_t i;
    json_t *v;
    json_array_foreach(cmd, i, v)
        if (!json_is_string(v))
            return gt_err(err, EINVAL, "Cmd[%zu]: expected a string", i);
    json_t *env = json_object_get(config, "Env");
    if (env && !json_is_null(env) && !json_is_array(env))
        return gt_err(err, EINVAL, "Env: expected an array of strings");
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    if ((r = check_running(c, err)) < 0) {
        eng_ctr_unref(c);
        return r;
    }
    struct exec_rec *x = gt_xcalloc(1, sizeof *x);
    char *id = eng_random_id();
    snprintf(x->id, sizeof x->id, "%s", id);
    free(id);
    x->c = c;
    x->config = json_deep_copy(config);
    pthread_cond_init(&x->cond, NULL);
    pthread_mutex_lock(&e->lock);
    if (e->n_execs == e->cap_execs) {
        e->cap_execs = e->cap_execs ? e->cap_execs * 2 : 32;
        e->execs = gt_xrealloc(e->execs, e->cap_execs * sizeof *e->execs);
    }
    e->execs[e->n_execs++] = x;
    pthread_mutex_unlock(&e->lock);
    pthread_mutex_lock(&c->lock);
    gt_strv_push(&c->exec_ids, x->id);
    pthread_mutex_unlock(&c->lock);
    cleanup_free char *cmdline = NULL;
    {
        size_t len = 1;
        json_array_foreach(cmd, i, v) len += strlen(json_string_value(v)) + 1;
        cmdline = gt_xmalloc(len);
        size_t o = 0;
        json_array_foreach(cmd, i, v) o += (size_t)sprintf(cmdline + o, "%s%s", i ? " " : "",
                                                           json_string_value(v));
    }
    cleanup_free char *action = gt_xasprintf("exec_create: %s", cmdline);
    eng_event_emit(e, "container", action, c->id, c, NULL);
    *exec_id = gt_xstrdup(x->id);
    eng_ctr_unref(c);
    return 0;
}

/* The runtime process of an exec, from the container's and the exec's config. */
static int exec_process(struct container *c, json_t *cfg, json_t **out, struct gt_error *err)
{
    pthread_mutex_lock(&c->lock);
    json_t *base = c->spec_process ? json_deep_copy(c->spec_process) : NULL;
    pid_t pid = c->pid;
    pthread_mutex_unlock(&c->lock);
    if (!base) {
        /* adopted after a restart of the engine: the bundle has it */
        cleanup_free char *p = gt_path_join(c->xdir, "config.json");
        cleanup_json json_t *spec = NULL;
        int r = gt_json_load_file(p, &spec, err);
        if (r < 0)
            return r;
        base = json_deep_copy(json_object_get(spec, "process"));
        if (!json_is_object(base)) {
            json_decref(base);
            return gt_err(err, EINVAL, "%s: no process", p);
        }
    }
    json_object_del(base, "consoleSize");
    json_object_set(base, "args", json_object_get(cfg, "Cmd"));
    bool tty = json_is_true(json_object_get(cfg, "Tty"));
    json_object_set_new(base, "terminal", json_boolean(tty));
    json_t *env = json_object_get(base, "env");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(cfg, "Env"), i, v) {
        const char *kv = json_string_value(v);
        if (!kv)
            continue;
        const char *eq = strchr(kv, '=');
        size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
        bool replaced = false;
        for (size_t j = 0; j < json_array_size(env); j++) {
            const char *o = json_string_value(json_array_get(env, j));
            if (o && !strncmp(o, kv, klen) && o[klen] == '=') {
                json_array_set(env, j, v);
                replaced = true;
            }
        }
        if (!replaced)
            json_array_append(env, v);
    }
    if (tty) {
        bool has_term = false;
        json_array_foreach(env, i, v)
            has_term |= !strncmp(json_string_value(v) ?: "", "TERM=", 5);
        if (!has_term)
            json_array_append_new(env, json_string("TERM=xterm"));
    }
    const char *wd = json_string_value(json_object_get(cfg, "WorkingDir"));
    if (wd && *wd)
        json_object_set_new(base, "cwd", json_string(wd));
    const char *user = json_string_value(json_object_get(cfg, "User"));
    if (user && *user) {
        char root[64];
        snprintf(root, sizeof root, "/proc/%d/root", (int)pid);
        cleanup_close int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct ctr_user u;
        if (rfd < 0 || eng_user_resolve(rfd, user, &u, err) < 0) {
            json_decref(base);
            if (rfd < 0)
                return gt_err_sys(err, errno, "open %s", root);
            return -EINVAL;
        }
        json_t *gids = json_array();
        for (size_t k = 0; k < u.n_groups; k++)
            json_array_append_new(gids, json_integer(u.groups[k]));
        json_object_set_new(base, "user", json_pack("{s:i,s:i,s:o}", "uid", (int)u.uid, "gid",
                                                     (int)u.gid, "additionalGids", gids));
    }
    if (json_is_true(json_object_get(cfg, "Privileged"))) {
        json_t *h = json_pack("{s:b}", "Privileged", true);
        json_t *caps = eng_spec_caps(h);
        json_decref(h);
        json_object_set_new(base, "capabilities", json_pack("{s:O,s:O,s:O}", "bounding", caps,
                                                            "effective", caps, "permitted", caps));
        json_decref(caps);
    }
    json_t *cs = json_object_get(cfg, "ConsoleSize");
    if (tty && json_is_array(cs) && json_integer_value(json_array_get(cs, 0)) > 0)
        json_object_set_new(base, "consoleSize",
                            json_pack("{s:O,s:O}", "height", json_array_get(cs, 0), "width",
                                      json_array_get(cs, 1)));
    *out = base;
    return 0;
}

struct exec_run {
    struct gt_engine *e;
    struct exec_rec *x;
    struct container *c;
    int fd;
    int in_fd;
    char *proc_path;
};

static void exec_finish(struct exec_run *run, int code, bool got)
{
    struct container *c = run->c;
    pthread_mutex_lock(&c->lock);
    run->x->running = false;
    run->x->has_exit = true;
    run->x->exit_code = got ? code : 137;
    pthread_cond_broadcast(&run->x->cond);
    pthread_mutex_unlock(&c->lock);
    unlink(run->proc_path);
    eng_event_emit(run->e, "container", "exec_die", c->id, c,
               json_pack("{s:o,s:s}", "exitCode", json_sprintf("%d", got ? code : 137), "execID",
                         run->x->id));
}

static void *detached_main(void *p)
{
    struct exec_run *run = p;
    int code = 0;
    bool got = false;
    eng_mon_pump(run->fd, -1, run->e->wake_fd, NULL, NULL, &code, &got);
    close(run->fd);
    if (got || !run->e->stopping)
        exec_finish(run, code, got);
    pthread_mutex_lock(&run->c->lock);
    run->x->detached = false;
    bool forgotten = run->x->forgotten;
    pthread_mutex_unlock(&run->c->lock);
    if (forgotten) {
        pthread_cond_destroy(&run->x->cond);
        json_decref(run->x->config);
        free(run->x);
    }
    free(run->proc_path);
    eng_ctr_unref(run->c);
    free(run);
    return NULL;
}

int gt_engine_exec_start(struct gt_engine *e, const char *exec_id, bool detach, int in_fd,
                         gt_engine_emit_fn emit, void *ctx, int cancel_fd,
                         struct gt_error *err)
{
    struct exec_rec *x;
    int r = exec_get(e, exec_id, &x, err);
    if (r < 0)
        return r;
    struct container *c = x->c;
    pthread_mutex_lock(&c->lock);
    bool started = x->started;
    x->started = true;
    pthread_mutex_unlock(&c->lock);
    if (started) {
        eng_ctr_unref(c);
        return gt_err(err, EBUSY, "exec %s has already been started", exec_id);
    }
    if ((r = check_running(c, err)) < 0) {
        eng_ctr_unref(c);
        return r;
    }
    json_t *cfg = x->config;
    cleanup_json json_t *proc = NULL;
    if ((r = exec_process(c, cfg, &proc, err)) < 0) {
        pthread_mutex_lock(&c->lock);
        x->has_exit = true;
        x->exit_code = 126;
        pthread_mutex_unlock(&c->lock);
        eng_ctr_unref(c);
        return r;
    }
    cleanup_free char *path = gt_xasprintf("%s/exec-%s.json", c->xdir, x->id);
    if ((r = gt_json_dump_file(path, proc, false, err)) < 0) {
        eng_ctr_unref(c);
        return r;
    }
    bool tty = json_is_true(json_object_get(cfg, "Tty"));
    bool want_in = !detach && in_fd >= 0 && json_is_true(json_object_get(cfg, "AttachStdin"));
    int flags = (tty ? GT_MON_F_TTY : 0) | (want_in ? GT_MON_F_STDIN : 0) |
                (!detach && json_is_true(json_object_get(cfg, "AttachStdout")) ? GT_MON_F_STDOUT : 0) |
                (!detach && json_is_true(json_object_get(cfg, "AttachStderr")) ? GT_MON_F_STDERR : 0);
    cleanup_free char *req = gt_xasprintf("exec %d %s", flags, path);
    cleanup_free char *reply = NULL;
    struct gt_error merr = { 0 };
    int fd = eng_mon_request(c, req, &reply, &merr);
    if (fd < 0) {
        unlink(path);
        int code = strcasestr(merr.msg, "no such file") || strcasestr(merr.msg, "not found") ? 127 : 126;
        pthread_mutex_lock(&c->lock);
        x->has_exit = true;
        x->exit_code = code;
        pthread_mutex_unlock(&c->lock);
        if (detach || merr.code == ESRCH) {
            *err = merr;
            eng_ctr_unref(c);
            return merr.code == ESRCH ? gt_err(err, EBUSY, "Container %s is not running", c->id)
                                      : -merr.code;
        }
        /* the stream is the client's already: the message goes there */
        if (emit) {
            char *msg = gt_xasprintf("OCI runtime exec failed: %s\n", merr.msg);
            emit(ctx, 2, msg, strlen(msg), 0);
            free(msg);
        }
        eng_ctr_unref(c);
        return 0;
    }
    int pid = 0, session = 0;
    sscanf(reply, "%d %d", &pid, &session);
    pthread_mutex_lock(&c->lock);
    x->running = true;
    x->pid = pid;
    x->session = session;
    pthread_mutex_unlock(&c->lock);
    {
        json_t *cmd = json_object_get(cfg, "Cmd");
        cleanup_free char *first = gt_xstrdup(json_string_value(json_array_get(cmd, 0)) ?: "");
        cleanup_free char *action = gt_xasprintf("exec_start: %s", first);
        eng_event_emit(e, "container", action, c->id, c, json_pack("{s:s}", "execID", x->id));
    }
    struct exec_run *run = gt_xcalloc(1, sizeof *run);
    *run = (struct exec_run){ e, x, c, fd, want_in ? in_fd : -1, steal_pointer(&path) };
    if (detach) {
        pthread_mutex_lock(&c->lock);
        x->detached = true;
        pthread_mutex_unlock(&c->lock);
        eng_engine_spawn(e, detached_main, run); /* takes the container reference */
        return 0;
    }
    int code = 0;
    bool got = false;
    r = eng_mon_pump(fd, run->in_fd, cancel_fd, emit, ctx, &code, &got);
    close(fd);
    if (got || r != -ECANCELED)
        exec_finish(run, code, got);
    free(run->proc_path);
    free(run);
    eng_ctr_unref(c);
    if (r == -ECANCELED)
        return gt_err(err, ECANCELED, "exec: the client went away");
    if (r < 0)
        return gt_err(err, -r, "exec: the monitor's stream failed");
    return 0;
}

int gt_engine_exec_inspect(struct gt_engine *e, const char *exec_id, json_t **out,
                           struct gt_error *err)
{
    struct exec_rec *x;
    int r = exec_get(e, exec_id, &x, err);
    if (r < 0)
        return r;
    struct container *c = x->c;
    json_t *cfg = x->config;
    json_t *cmd = json_object_get(cfg, "Cmd");
    json_t *args = json_array();
    for (size_t i = 1; i < json_array_size(cmd); i++)
        json_array_append(args, json_array_get(cmd, i));
    pthread_mutex_lock(&c->lock);
    json_t *j = json_pack(
        "{s:s,s:b,s:o,s:{s:b,s:s,s:o,s:b,s:s},s:b,s:b,s:b,s:b,s:s,s:s,s:i}", "ID", x->id,
        "Running", x->running, "ExitCode", x->has_exit ? json_integer(x->exit_code) : json_null(),
        "ProcessConfig", "tty", json_is_true(json_object_get(cfg, "Tty")), "entrypoint",
        json_string_value(json_array_get(cmd, 0)) ?: "", "arguments", args, "privileged",
        json_is_true(json_object_get(cfg, "Privileged")), "user",
        json_string_value(json_object_get(cfg, "User")) ?: "", "OpenStdin",
        json_is_true(json_object_get(cfg, "AttachStdin")), "OpenStderr",
        json_is_true(json_object_get(cfg, "AttachStderr")), "OpenStdout",
        json_is_true(json_object_get(cfg, "AttachStdout")), "CanRemove", !x->running && x->started,
        "ContainerID", c->id, "DetachKeys", "", "Pid", x->running ? (int)x->pid : 0);
    pthread_mutex_unlock(&c->lock);
    eng_ctr_unref(c);
    *out = j;
    return 0;
}

int gt_engine_exec_resize(struct gt_engine *e, const char *exec_id, unsigned height,
                          unsigned width, struct gt_error *err)
{
    struct exec_rec *x;
    int r = exec_get(e, exec_id, &x, err);
    if (r < 0)
        return r;
    struct container *c = x->c;
    pthread_mutex_lock(&c->lock);
    int session = x->running ? x->session : 0;
    pthread_mutex_unlock(&c->lock);
    if (!session) {
        eng_ctr_unref(c);
        return gt_err(err, EBUSY, "exec %s is not running", exec_id);
    }
    char req[96];
    snprintf(req, sizeof req, "exec-resize %d %u %u", session, height, width);
    int fd = eng_mon_request(c, req, NULL, err);
    eng_ctr_unref(c);
    if (fd < 0)
        return fd;
    close(fd);
    return 0;
}

/* ---- health probes ---- */

struct probe_out {
    char buf[4096];
    size_t len;
};

static int probe_emit(void *ctx, int stream, const void *data, size_t len, int64_t ts)
{
    struct probe_out *o = ctx;
    size_t room = sizeof o->buf - 1 - o->len;
    if (len > room)
        len = room;
    memcpy(o->buf + o->len, data, len);
    o->len += len;
    o->buf[o->len] = '\0';
    return 0;
}

int eng_exec_probe(struct gt_engine *e, struct container *c, json_t *argv, int64_t timeout_ms,
               char **output, int *exit_code, struct gt_error *err)
{
    cleanup_json json_t *cfg = json_pack("{s:O,s:b,s:b}", "Cmd", argv, "AttachStdout", true,
                                         "AttachStderr", true);
    cleanup_json json_t *proc = NULL;
    int r = exec_process(c, cfg, &proc, err);
    if (r < 0)
        return r;
    cleanup_free char *id = eng_random_id();
    cleanup_free char *path = gt_xasprintf("%s/health-%.12s.json", c->xdir, id);
    if ((r = gt_json_dump_file(path, proc, false, err)) < 0)
        return r;
    cleanup_free char *req = gt_xasprintf("exec %d %s", GT_MON_F_STDOUT | GT_MON_F_STDERR, path);
    cleanup_free char *reply = NULL;
    int fd = eng_mon_request(c, req, &reply, err);
    if (fd < 0) {
        unlink(path);
        return fd;
    }
    int pid = 0, session = 0;
    sscanf(reply, "%d %d", &pid, &session);
    cleanup_close int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec its = { .it_value = { (time_t)(timeout_ms / 1000),
                                            (long)(timeout_ms % 1000) * 1000000 } };
    timerfd_settime(tfd, 0, &its, NULL);
    struct probe_out out = { .len = 0 };
    int code = -1;
    bool got = false;
    r = eng_mon_pump(fd, -1, tfd, probe_emit, &out, &code, &got);
    close(fd);
    unlink(path);
    if (r == -ECANCELED) {
        char kreq[64];
        snprintf(kreq, sizeof kreq, "exec-kill %d 9", session);
        struct gt_error kerr;
        int kfd = eng_mon_request(c, kreq, NULL, &kerr);
        if (kfd >= 0)
            close(kfd);
        *output = gt_xasprintf("Health check exceeded timeout (%lldms)", (long long)timeout_ms);
        *exit_code = -1;
        return 0;
    }
    *output = gt_xstrdup(out.buf);
    *exit_code = got ? code : -1;
    return 0;
}
