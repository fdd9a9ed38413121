/* A fake of engine/engine.h for the protocol tests of docker/: containers
 * whose "process" is a tiny script chosen by their Cmd, kept in memory.
 * Included by exactly one test file (it defines the gt_engine_* symbols).
 *
 * Scripts (Cmd):
 *   echo WORDS...      prints WORDS on stdout, exits 0
 *   err WORDS...       prints WORDS on stderr, exits 1
 *   sh -c "exit N"     exits N
 *   cat                copies the attached stdin to stdout, exits 0 at EOF
 *   sleep ...          runs until stopped or killed (143 / 137)
 *   ticker             prints "tick N" every 50 ms until stopped
 * Images: "busybox:latest" exists; pulling anything but names containing
 * "nosuch" or "midfail" makes it exist. */
#ifndef GT_TEST_DOCKER_FAKE_ENGINE_H
#define GT_TEST_DOCKER_FAKE_ENGINE_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "engine/engine.h"

enum fk_state { FK_CREATED, FK_RUNNING, FK_PAUSED, FK_EXITED };
static const char *const fk_state_names[] = { "created", "running", "paused", "exited" };

struct fk_rec {
    int stream;
    char *data;
    int64_t ts;
};

struct fk_attach {
    gt_engine_emit_fn emit;
    void *ctx;
    bool out, err;
    int in_fd;
    struct fk_attach *next;
};

struct fk_ctr {
    char id[65];
    char name[64];
    json_t *config;
    enum fk_state state;
    bool removed, tty, auto_remove;
    int exit_code;
    int runs;      /* how many times it started */
    int kill_sig;  /* set by stop/kill */
    struct fk_rec *log;
    size_t nlog;
    struct fk_attach *attached;
    pthread_t th;
    bool th_started;
};

struct fk_exec {
    char id[65];
    struct fk_ctr *c;
    json_t *config;
    bool running, done;
    int exit_code;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct fk_ctr *ctrs[64];
    int nctrs;
    struct fk_exec *execs[64];
    int nexecs;
    char *images[32];
    int nimages;
    atomic_int waits_cancelled;
    atomic_int attaches_cancelled;
    bool attach_never_registers; /* an engine without the callback */
    int seq;
} fk = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };

static int64_t fk_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void fk_init(void)
{
    fk.images[fk.nimages++] = gt_xstrdup("busybox:latest");
}

/* under fk.lock */
static struct fk_ctr *fk_find(const char *ref)
{
    if (ref[0] == '/')
        ref++;
    for (int i = 0; i < fk.nctrs; i++) {
        struct fk_ctr *c = fk.ctrs[i];
        if (!c->removed && (!strcmp(c->name, ref) || !strncmp(c->id, ref, strlen(ref))))
            return c;
    }
    return NULL;
}

static int fk_nosuch(const char *ref, struct gt_error *err)
{
    return gt_err(err, ENOENT, "No such container: %s", ref);
}

/* Is there a container ref (under the lock)? */
static bool fk_exists(const char *ref)
{
    pthread_mutex_lock(&fk.lock);
    bool found = fk_find(ref) != NULL;
    pthread_mutex_unlock(&fk.lock);
    return found;
}

static bool fk_has_image(const char *ref)
{
    cleanup_free char *full = strchr(ref, ':') || strchr(ref, '@') ? gt_xstrdup(ref)
                                                                   : gt_xasprintf("%s:latest", ref);
    for (int i = 0; i < fk.nimages; i++)
        if (!strcmp(fk.images[i], full))
            return true;
    return false;
}

/* under fk.lock: output of the "process" */
static void fk_output(struct fk_ctr *c, int stream, const char *s)
{
    c->log = gt_xrealloc(c->log, (c->nlog + 1) * sizeof *c->log);
    c->log[c->nlog++] = (struct fk_rec){ stream, gt_xstrdup(s), fk_now() };
    for (struct fk_attach *a = c->attached; a; a = a->next)
        if ((stream == 1 && a->out) || (stream == 2 && a->err))
            a->emit(a->ctx, c->tty ? 1 : stream, s, strlen(s), 0);
    pthread_cond_broadcast(&fk.cond);
}

static const char *fk_arg(const struct fk_ctr *c, size_t i)
{
    return json_string_value(json_array_get(json_object_get(c->config, "Cmd"), i));
}

/* waits up to ms for a kill; returns the signal or 0 (under fk.lock) */
static int fk_sleep(struct fk_ctr *c, int ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += (long)ms * 1000000L;
    t.tv_sec += t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    while (!c->kill_sig && pthread_cond_timedwait(&fk.cond, &fk.lock, &t) == 0)
        ;
    return c->kill_sig;
}

static void *fk_run(void *arg)
{
    struct fk_ctr *c = arg;
    pthread_mutex_lock(&fk.lock);
    const char *cmd = fk_arg(c, 0);
    int code = 0;
    if (!cmd) {
    } else if (!strcmp(cmd, "echo") || !strcmp(cmd, "err")) {
        char line[1024] = "";
        for (size_t i = 1; fk_arg(c, i); i++)
            snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s", i > 1 ? " " : "",
                     fk_arg(c, i));
        strcat(line, "\n");
        fk_output(c, cmd[0] == 'e' && cmd[1] == 'c' ? 1 : 2, line);
        code = cmd[1] == 'r';
    } else if (!strcmp(cmd, "sh")) {
        const char *s = fk_arg(c, 2);
        code = s && !strncmp(s, "exit ", 5) ? atoi(s + 5) : 0;
    } else if (!strcmp(cmd, "cat")) {
        int fd = -1;
        for (struct fk_attach *a = c->attached; a; a = a->next)
            if (a->in_fd >= 0)
                fd = a->in_fd;
        pthread_mutex_unlock(&fk.lock);
        char buf[4096 + 1];
        ssize_t n;
        while (fd >= 0 && (n = read(fd, buf, sizeof buf - 1)) > 0) {
            buf[n] = '\0';
            pthread_mutex_lock(&fk.lock);
            fk_output(c, 1, buf);
            pthread_mutex_unlock(&fk.lock);
        }
        pthread_mutex_lock(&fk.lock);
    } else if (!strcmp(cmd, "ticker")) {
        for (int i = 0; !fk_sleep(c, 50); i++) {
            char line[32];
            snprintf(line, sizeof line, "tick %d\n", i);
            fk_output(c, 1, line);
        }
        code = 143;
    } else {
        int sig;
        while (!(sig = fk_sleep(c, 1000)))
            ;
        code = 128 + sig;
    }
    if (c->kill_sig)
        code = 128 + c->kill_sig;
    c->exit_code = code;
    c->state = FK_EXITED;
    if (c->auto_remove)
        c->removed = true;
    pthread_cond_broadcast(&fk.cond);
    pthread_mutex_unlock(&fk.lock);
    return NULL;
}

int gt_engine_container_create(struct gt_engine *e, const char *name, const json_t *config,
                               char **id, json_t **warnings, struct gt_error *err)
{
    const char *image = json_string_value(json_object_get(config, "Image"));
    if (!image)
        return gt_err(err, EINVAL, "config: Image is missing");
    cleanup_free char *full = strchr(image, ':') ? gt_xstrdup(image) : gt_xasprintf("%s:latest", image);
    pthread_mutex_lock(&fk.lock);
    int r = 0;
    if (!fk_has_image(full))
        r = gt_err(err, ENOENT, "No such image: %s", full);
    else if (name && fk_find(name))
        r = gt_err(err, EEXIST, "Conflict. The container name \"/%s\" is already in use", name);
    if (r < 0) {
        pthread_mutex_unlock(&fk.lock);
        return r;
    }
    struct fk_ctr *c = gt_xcalloc(1, sizeof *c);
    fk.seq++;
    for (int i = 0; i < 64; i++)
        c->id[i] = "0123456789abcdef"[(fk.seq * 7 + i * (fk.seq + 3)) % 16];
    c->id[0] = "abcdef"[fk.seq % 6];
    snprintf(c->name, sizeof c->name, "%s", name ? name : c->id + 52);
    c->config = json_deep_copy(config);
    c->tty = json_is_true(json_object_get(config, "Tty"));
    c->auto_remove = json_is_true(json_object_get(json_object_get(config, "HostConfig"), "AutoRemove"));
    fk.ctrs[fk.nctrs++] = c;
    *id = gt_xstrdup(c->id);
    *warnings = json_array();
    pthread_mutex_unlock(&fk.lock);
    return 0;
}

int gt_engine_container_start(struct gt_engine *e, const char *ref, struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    struct fk_ctr *c = fk_find(ref);
    int r = 0;
    if (!c)
        r = fk_nosuch(ref, err);
    else if (c->state == FK_RUNNING || c->state == FK_PAUSED)
        r = gt_err(err, EALREADY, "container %s is already running", ref);
    if (r == 0) {
        if (c->th_started) {
            pthread_mutex_unlock(&fk.lock);
            pthread_join(c->th, NULL);
            pthread_mutex_lock(&fk.lock);
        }
        c->state = FK_RUNNING;
        c->kill_sig = 0;
        c->runs++;
        pthread_create(&c->th, NULL, fk_run, c);
        c->th_started = true;
        pthread_cond_broadcast(&fk.cond);
    }
    pthread_mutex_unlock(&fk.lock);
    return r;
}

static int fk_signal(const char *ref, int sig, bool stop, struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    struct fk_ctr *c = fk_find(ref);
    int r = 0;
    if (!c)
        r = fk_nosuch(ref, err);
    else if (c->state != FK_RUNNING && stop)
        r = gt_err(err, EALREADY, "container %s is not running", ref);
    else if (c->state != FK_RUNNING)
        r = gt_err(err, EBUSY, "Cannot kill container: %s: Container %s is not running", ref, c->id);
    else {
        c->kill_sig = sig;
        pthread_cond_broadcast(&fk.cond);
        while (stop && c->state == FK_RUNNING)
            pthread_cond_wait(&fk.cond, &fk.lock);
    }
    pthread_mutex_unlock(&fk.lock);
    return r;
}

int gt_engine_container_stop(struct gt_engine *e, const char *ref, int timeout,
                             const char *signal, struct gt_error *err)
{
    return fk_signal(ref, 15, true, err);
}

int gt_engine_container_restart(struct gt_engine *e, const char *ref, int timeout,
                                struct gt_error *err)
{
    int r = fk_signal(ref, 15, true, err);
    if (r < 0 && r != -EALREADY)
        return r;
    return gt_engine_container_start(e, ref, err);
}

int gt_engine_container_kill(struct gt_engine *e, const char *ref, int sig, struct gt_error *err)
{
    return fk_signal(ref, sig, false, err);
}

int gt_engine_container_pause(struct gt_engine *e, const char *ref, bool pause,
                              struct gt_error *err)
{
    return gt_err(err, EOPNOTSUPP, "pause is not in the fake");
}

int gt_engine_container_remove(struct gt_engine *e, const char *ref, bool force, bool volumes,
                               struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    struct fk_ctr *c = fk_find(ref);
    int r = 0;
    if (!c)
        r = fk_nosuch(ref, err);
    else if (c->state == FK_RUNNING && !force)
        r = gt_err(err, EBUSY, "cannot remove container \"/%s\": container is running: stop the "
                   "container before removing or force remove", c->name);
    else {
        if (c->state == FK_RUNNING) {
            c->kill_sig = 9;
            pthread_cond_broadcast(&fk.cond);
            while (c->state == FK_RUNNING)
                pthread_cond_wait(&fk.cond, &fk.lock);
        }
        c->removed = true;
        pthread_cond_broadcast(&fk.cond);
    }
    pthread_mutex_unlock(&fk.lock);
    return r;
}

int gt_engine_container_rename(struct gt_engine *e, const char *ref, const char *new_name,
                               struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    struct fk_ctr *c = fk_find(ref);
    int r = c ? 0 : fk_nosuch(ref, err);
    if (c)
        snprintf(c->name, sizeof c->name, "%s", new_name);
    pthread_mutex_unlock(&fk.lock);
    return r;
}

static json_t *fk_inspect_json(struct fk_ctr *c)
{
    json_t *cfg = json_deep_copy(c->config);
    json_t *hc = json_object_get(cfg, "HostConfig");
    if (hc)
        json_incref(hc);
    else
        hc = json_object();
    json_object_del(cfg, "HostConfig");
    cleanup_free char *name = gt_xasprintf("/%s", c->name);
    return json_pack("{s:s, s:s, s:o, s:o, s:{s:s, s:b, s:b, s:i, s:i}, s:i}", "Id", c->id, "Name", name,
                     "Config", cfg, "HostConfig", hc, "State", "Status", fk_state_names[c->state],
                     "Running", c->state == FK_RUNNING, "Paused", 0, "ExitCode", c->exit_code,
                     "Pid", c->state == FK_RUNNING ? 4242 : 0, "RestartCount", 0);
}

int gt_engine_container_inspect(struct gt_engine *e, const char *ref, bool size, json_t **out,
                                struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    struct fk_ctr *c = fk_find(ref);
    int r = c ? 0 : fk_nosuch(ref, err);
    if (c)
        *out = fk_inspect_json(c);
    pthread_mutex_unlock(&fk.lock);
    return r;
}

int gt_engine_container_list(struct gt_engine *e, bool all, int limit, bool size,
                             const json_t *filters, json_t **out, struct gt_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)filters, key, v)
        if (strcmp(key, "name") && strcmp(key, "status") && strcmp(key, "label"))
            return gt_err(err, EINVAL, "invalid filter '%s'", key);
    pthread_mutex_lock(&fk.lock);
    *out = json_array();
    for (int i = 0; i < fk.nctrs; i++) {
        struct fk_ctr *c = fk.ctrs[i];
        if (c->removed || (!all && c->state != FK_RUNNING))
            continue;
        json_t *names = json_object_get(filters, "name");
        if (names && !json_object_get(names, c->name))
            continue;
        cleanup_free char *name = gt_xasprintf("/%s", c->name);
        json_array_append_new(*out, json_pack("{s:s, s:[s], s:s, s:s, s:I, s:n}", "Id", c->id, "Names",
                                              name, "State", fk_state_names[c->state], "Status",
                                              c->state == FK_RUNNING ? "Up 1 second" : "Exited (0) 1 second ago",
                                              "Created", (json_int_t)time(NULL), "Labels"));
    }
    pthread_mutex_unlock(&fk.lock);
    return 0;
}

/* waits on fk.cond until pred or cancel; returns -ECANCELED on cancel */
static int fk_wait_cancellable(bool (*pred)(void *), void *arg, int cancel_fd)
{
    while (!pred(arg)) {
        if (cancel_fd >= 0) {
            struct pollfd p = { .fd = cancel_fd, .events = POLLIN };
            if (poll(&p, 1, 0) > 0)
                return -ECANCELED;
        }
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += 20 * 1000000L;
        t.tv_sec += t.tv_nsec / 1000000000L;
        t.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&fk.cond, &fk.lock, &t);
    }
    return 0;
}

struct fk_wait_arg {
    struct fk_ctr *c;
    enum gt_wait_condition cond;
    int runs;
};

static bool fk_wait_done(void *arg)
{
    struct fk_wait_arg *w = arg;
    switch (w->cond) {
    case GT_WAIT_REMOVED:
        return w->c->removed;
    case GT_WAIT_NEXT_EXIT:
        return w->c->runs > w->runs && w->c->state == FK_EXITED;
    default:
        return w->c->state == FK_EXITED || w->c->state == FK_CREATED;
    }
}

int gt_engine_container_wait(struct gt_engine *e, const char *ref, enum gt_wait_condition cond,
                             void (*registered)(void *ctx), void *ctx, int cancel_fd,
                             int *status, struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    struct fk_ctr *c = fk_find(ref);
    if (!c) {
        pthread_mutex_unlock(&fk.lock);
        return fk_nosuch(ref, err);
    }
    /* next-exit: the run after the one going on now (or the first) */
    struct fk_wait_arg w = { c, cond, c->runs - (c->state == FK_RUNNING ? 1 : 0) };
    pthread_mutex_unlock(&fk.lock);
    registered(ctx);
    pthread_mutex_lock(&fk.lock);
    int r = fk_wait_cancellable(fk_wait_done, &w, cancel_fd);
    if (r == -ECANCELED)
        fk.waits_cancelled++;
    *status = c->exit_code;
    pthread_mutex_unlock(&fk.lock);
    return r == -ECANCELED ? gt_err(err, ECANCELED, "wait cancelled") : 0;
}

int gt_engine_container_logs(struct gt_engine *e, const char *ref,
                             const struct gt_logs_options *o, gt_engine_emit_fn emit, void *ctx,
                             int cancel_fd, struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    struct fk_ctr *c = fk_find(ref);
    if (!c) {
        pthread_mutex_unlock(&fk.lock);
        return fk_nosuch(ref, err);
    }
    size_t i = o->tail >= 0 && (size_t)o->tail < c->nlog ? c->nlog - o->tail : 0;
    for (;;) {
        for (; i < c->nlog; i++) {
            struct fk_rec *rec = &c->log[i];
            if ((rec->stream == 1 && !o->want_stdout) || (rec->stream == 2 && !o->want_stderr))
                continue;
            if (emit(ctx, rec->stream, rec->data, strlen(rec->data), rec->ts) < 0) {
                pthread_mutex_unlock(&fk.lock);
                return gt_err(err, ECANCELED, "client left");
            }
        }
        if (!o->follow || c->state != FK_RUNNING)
            break;
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_sec += 1;
        pthread_cond_timedwait(&fk.cond, &fk.lock, &t);
        struct pollfd p = { .fd = cancel_fd, .events = POLLIN };
        if (cancel_fd >= 0 && poll(&p, 1, 0) > 0)
            break;
    }
    pthread_mutex_unlock(&fk.lock);
    return 0;
}

struct fk_attach_arg {
    struct fk_ctr *c;
    int runs;
    bool was_running;
};

static bool fk_attach_done(void *arg)
{
    struct fk_attach_arg *a = arg;
    /* a created container: until it has run and ended */
    if (!a->was_running)
        return a->c->runs > a->runs && a->c->state == FK_EXITED;
    return a->c->state == FK_EXITED;
}

int gt_engine_container_attach(struct gt_engine *e, const char *ref,
                               const struct gt_attach_options *o, int in_fd,
                               gt_engine_emit_fn emit, void *ctx, int cancel_fd,
                               struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    struct fk_ctr *c = fk_find(ref);
    if (!c) {
        pthread_mutex_unlock(&fk.lock);
        return fk_nosuch(ref, err);
    }
    struct fk_attach a = { emit, ctx, o->want_stdout, o->want_stderr, o->want_stdin ? in_fd : -1,
                           c->attached };
    c->attached = &a;
    if (o->registered && !fk.attach_never_registers)
        o->registered(ctx);
    struct fk_attach_arg w = { c, c->runs, c->state == FK_RUNNING };
    int r = fk_wait_cancellable(fk_attach_done, &w, cancel_fd);
    if (r == -ECANCELED)
        fk.attaches_cancelled++;
    for (struct fk_attach **p = &c->attached; *p; p = &(*p)->next)
        if (*p == &a) {
            *p = a.next;
            break;
        }
    pthread_mutex_unlock(&fk.lock);
    return r == -ECANCELED ? gt_err(err, ECANCELED, "attach cancelled") : 0;
}

int gt_engine_container_resize(struct gt_engine *e, const char *ref, unsigned height,
                               unsigned width, struct gt_error *err)
{
    return 0;
}

int gt_engine_container_top(struct gt_engine *e, const char *ref, const char *ps_args,
                            json_t **out, struct gt_error *err)
{
    *out = json_pack("{s:[s,s], s:[[s,s]]}", "Titles", "PID", "CMD", "Processes", "1", "sleep 100");
    return 0;
}

int gt_engine_container_stats(struct gt_engine *e, const char *ref, bool stream,
                              gt_engine_emit_json_fn emit, void *ctx, int cancel_fd,
                              struct gt_error *err)
{
    if (!fk_exists(ref))
        return fk_nosuch(ref, err);
    for (int i = 0; i < (stream ? 1000 : 1); i++) {
        cleanup_json json_t *m = json_pack("{s:i, s:{s:I}}", "n", i, "memory_stats", "limit",
                                           (json_int_t)67108864);
        if (emit(ctx, m) < 0)
            return gt_err(err, ECANCELED, "client left");
        struct pollfd p = { .fd = cancel_fd, .events = POLLIN };
        if (stream && poll(&p, cancel_fd >= 0, 50) > 0)
            return gt_err(err, ECANCELED, "client left");
    }
    return 0;
}

int gt_engine_container_export(struct gt_engine *e, const char *ref, int fd,
                               struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    struct fk_ctr *c = fk_find(ref);
    pthread_mutex_unlock(&fk.lock);
    if (!c)
        return fk_nosuch(ref, err);
    static char block[65536];
    memset(block, 'x', sizeof block);
    for (int i = 0; i < 4; i++)
        if (write(fd, block, sizeof block) < 0)
            return gt_err_sys(err, errno, "write");
    if (!strcmp(c->name, "exportfail"))
        return gt_err(err, EIO, "read layer: input/output error");
    return 0;
}

/* Records the non-zero fields in the container's HostConfig. */
int gt_engine_container_update(struct gt_engine *e, const char *ref, const json_t *update,
                               json_t **warnings, struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    struct fk_ctr *c = fk_find(ref);
    if (!c) {
        pthread_mutex_unlock(&fk.lock);
        return fk_nosuch(ref, err);
    }
    json_t *hc = json_object_get(c->config, "HostConfig");
    if (!json_is_object(hc)) {
        hc = json_object();
        json_object_set_new(c->config, "HostConfig", hc);
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)update, k, v)
        if (json_is_integer(v) && json_integer_value(v) != 0)
            json_object_set(hc, k, v);
    pthread_mutex_unlock(&fk.lock);
    *warnings = json_array();
    return 0;
}

/* The options come back in the id, which makes them visible to the tests. */
int gt_engine_container_commit(struct gt_engine *e, const char *ref,
                               const struct gt_commit_options *o, char **image_id,
                               struct gt_error *err)
{
    if (!fk_exists(ref))
        return fk_nosuch(ref, err);
    size_t n = 0;
    for (char *const *ch = o->changes; ch && *ch; ch++)
        n++;
    *image_id = gt_xasprintf("sha256:%s:%s:%s:%zu:%d", o->repo ? o->repo : "",
                             o->tag ? o->tag : "", o->comment ? o->comment : "", n, o->pause);
    return 0;
}

/* docker cp: one file, /etc/hostname ("fake\n"); what an extraction got
 * is kept for the test to see. */
static struct {
    size_t bytes;
    bool no_overwrite, copy_uid_gid;
    char path[256];
} fk_extracted;

static int fk_cp_stat(const char *ref, const char *path, json_t **out, struct gt_error *err)
{
    if (!fk_exists(ref))
        return fk_nosuch(ref, err);
    if (!path || strcmp(path, "/etc/hostname"))
        return gt_err(err, ENOENT, "Could not find the file %s in container %s", path, ref);
    *out = json_pack("{s:s,s:i,s:i,s:s,s:s}", "name", "hostname", "size", 5, "mode", 0644,
                     "mtime", "2024-01-02T03:04:05Z", "linkTarget", "");
    return 0;
}

int gt_engine_container_stat_path(struct gt_engine *e, const char *ref, const char *path,
                                  json_t **out, struct gt_error *err)
{
    return fk_cp_stat(ref, path, out, err);
}

int gt_engine_container_archive(struct gt_engine *e, const char *ref, const char *path,
                                void (*on_stat)(void *ctx, const json_t *stat), void *ctx,
                                int fd, struct gt_error *err)
{
    cleanup_json json_t *st = NULL;
    int r = fk_cp_stat(ref, path, &st, err);
    if (r < 0)
        return r;
    if (on_stat)
        on_stat(ctx, st);
    return write(fd, "fake\n", 5) == 5 ? 0 : gt_err_sys(err, errno, "write");
}

int gt_engine_container_extract(struct gt_engine *e, const char *ref, const char *path,
                                const struct gt_extract_options *o, int fd,
                                struct gt_error *err)
{
    if (!fk_exists(ref))
        return fk_nosuch(ref, err);
    memset(&fk_extracted, 0, sizeof fk_extracted);
    snprintf(fk_extracted.path, sizeof fk_extracted.path, "%s", path ? path : "");
    fk_extracted.no_overwrite = o->no_overwrite_dir_non_dir;
    fk_extracted.copy_uid_gid = o->copy_uid_gid;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        fk_extracted.bytes += (size_t)n;
    return 0;
}

int gt_engine_container_changes(struct gt_engine *e, const char *ref, json_t **out,
                                struct gt_error *err)
{
    if (!fk_exists(ref))
        return fk_nosuch(ref, err);
    *out = json_pack("[{s:s,s:i},{s:s,s:i}]", "Path", "/etc", "Kind", 0, "Path", "/etc/new",
                     "Kind", 1);
    return 0;
}

int gt_engine_container_prune(struct gt_engine *e, const json_t *filters, json_t **out,
                              struct gt_error *err)
{
    *out = json_pack("{s:[], s:i}", "ContainersDeleted", "SpaceReclaimed", 0);
    return 0;
}

/* ---- exec ---- */

int gt_engine_exec_create(struct gt_engine *e, const char *ref, const json_t *config,
                          char **exec_id, struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    struct fk_ctr *c = fk_find(ref);
    int r = 0;
    if (!c)
        r = fk_nosuch(ref, err);
    else if (c->state != FK_RUNNING)
        r = gt_err(err, EBUSY, "container %s is not running", c->id);
    if (r == 0) {
        struct fk_exec *x = gt_xcalloc(1, sizeof *x);
        snprintf(x->id, sizeof x->id, "%064d", ++fk.seq);
        x->c = c;
        x->config = json_deep_copy(config);
        fk.execs[fk.nexecs++] = x;
        *exec_id = gt_xstrdup(x->id);
    }
    pthread_mutex_unlock(&fk.lock);
    return r;
}

static struct fk_exec *fk_find_exec(const char *id)
{
    for (int i = 0; i < fk.nexecs; i++)
        if (!strcmp(fk.execs[i]->id, id))
            return fk.execs[i];
    return NULL;
}

int gt_engine_exec_start(struct gt_engine *e, const char *exec_id, bool detach, int in_fd,
                         gt_engine_emit_fn emit, void *ctx, int cancel_fd,
                         struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    struct fk_exec *x = fk_find_exec(exec_id);
    pthread_mutex_unlock(&fk.lock);
    if (!x)
        return gt_err(err, ENOENT, "No such exec instance: %s", exec_id);
    /* a process takes a while to start; docker-py depends on it: it reads
     * the 101 head through a buffered reader, then the raw socket, so
     * output that came with the head would be lost to it */
    usleep(20000);
    json_t *cmd = json_object_get(x->config, "Cmd");
    const char *a0 = json_string_value(json_array_get(cmd, 0));
    const char *a2 = json_string_value(json_array_get(cmd, 2));
    int code = 0;
    if (a0 && !strcmp(a0, "sh") && a2 && !strncmp(a2, "exit ", 5))
        code = atoi(a2 + 5);
    else if (a0 && !strcmp(a0, "echo")) {
        const char *w = json_string_value(json_array_get(cmd, 1));
        cleanup_free char *line = gt_xasprintf("%s\n", w ? w : "");
        if (!detach)
            emit(ctx, 1, line, strlen(line), 0);
    } else if (a0 && !strcmp(a0, "nosuch")) {
        code = 127;
        pthread_mutex_lock(&fk.lock);
        x->exit_code = code;
        x->done = true;
        pthread_mutex_unlock(&fk.lock);
        return gt_err(err, ENOENT, "exec: \"nosuch\": executable file not found in $PATH");
    }
    pthread_mutex_lock(&fk.lock);
    x->exit_code = code;
    x->done = true;
    pthread_mutex_unlock(&fk.lock);
    return 0;
}

int gt_engine_exec_inspect(struct gt_engine *e, const char *exec_id, json_t **out,
                           struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    struct fk_exec *x = fk_find_exec(exec_id);
    if (x)
        *out = json_pack("{s:s, s:b, s:o, s:s, s:b, s:{s:b}}", "ID", x->id, "Running", 0, "ExitCode",
                         x->done ? json_integer(x->exit_code) : json_null(), "ContainerID", x->c->id,
                         "OpenStdin", json_is_true(json_object_get(x->config, "AttachStdin")),
                         "ProcessConfig", "tty", json_is_true(json_object_get(x->config, "Tty")));
    pthread_mutex_unlock(&fk.lock);
    return x ? 0 : gt_err(err, ENOENT, "No such exec instance: %s", exec_id);
}

int gt_engine_exec_resize(struct gt_engine *e, const char *exec_id, unsigned height,
                          unsigned width, struct gt_error *err)
{
    return 0;
}

/* ---- images ---- */

int gt_engine_image_pull(struct gt_engine *e, const char *ref, const char *platform,
                         const json_t *auth, gt_engine_emit_json_fn progress, void *ctx,
                         int cancel_fd, struct gt_error *err)
{
    if (strstr(ref, "nosuch"))
        return gt_err(err, ENOENT, "pull access denied for %s, repository does not exist", ref);
    cleanup_json json_t *m1 = json_pack("{s:s, s:s}", "status", "Pulling from fake", "id", "latest");
    progress(ctx, m1);
    if (strstr(ref, "midfail"))
        return gt_err(err, EIO, "read layer: connection reset by peer");
    cleanup_json json_t *m2 = json_pack("{s:s, s:{}, s:s}", "status", "Pull complete",
                                        "progressDetail", "id", "0123456789ab");
    progress(ctx, m2);
    cleanup_json json_t *m3 = json_pack("{s:s}", "status", "Digest: sha256:00000000");
    progress(ctx, m3);
    pthread_mutex_lock(&fk.lock);
    if (!fk_has_image(ref))
        fk.images[fk.nimages++] = gt_xstrdup(ref);
    pthread_mutex_unlock(&fk.lock);
    return 0;
}

/* Login: alice / s3cret, at any registry. */
int gt_engine_registry_login(struct gt_engine *e, const json_t *auth, struct gt_error *err)
{
    const char *u = json_string_value(json_object_get(auth, "username"));
    const char *p = json_string_value(json_object_get(auth, "password"));
    const char *s = json_string_value(json_object_get(auth, "serveraddress"));
    if (u && p && !strcmp(u, "alice") && !strcmp(p, "s3cret"))
        return 0;
    return gt_err(err, EACCES, "login attempt to http://%s/v2/ failed with status: 401 "
                  "Unauthorized", s ? s : "?");
}

/* Import: the body counted (its size makes the id); a change starting with
 * RUN refused before the body is read; what came kept in fk_import. */
static struct {
    pthread_mutex_t lock;
    char repo[128], tag[64], message[128], changes[512];
    size_t bytes;
    int done;    /* imports that returned */
    bool cut;    /* the last one's body was cut short */
} fk_import = { .lock = PTHREAD_MUTEX_INITIALIZER };

int gt_engine_build(struct gt_engine *e, struct gt_build_options *o, gt_engine_emit_json_fn emit,
                    void *ctx, int cancel_fd, char **image_id, struct gt_error *err)
{
    json_t *m = json_pack("{s:s}", "stream", "Step 1/1 : FROM busybox\n");
    emit(ctx, m);
    json_decref(m);
    o->exit_code = 3;
    return gt_err(err, EINVAL, "the fake engine builds nothing (%s)",
                  o->tags && o->tags[0] ? o->tags[0] : "no tag");
}

int gt_engine_image_import(struct gt_engine *e, int fd, const struct gt_engine_import_opts *opts,
                           char **image_id, struct gt_error *err)
{
    for (char *const *c = opts->changes; c && *c; c++)
        if (!strncasecmp(*c, "RUN", 3))
            return gt_err(err, EINVAL, "run is not a valid change command");
    char buf[65536];
    size_t total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        total += (size_t)n;
    int r = opts->input_done ? opts->input_done(opts->input_arg, err) : 0;
    pthread_mutex_lock(&fk_import.lock);
    fk_import.cut = r < 0;
    fk_import.bytes = total;
    snprintf(fk_import.repo, sizeof fk_import.repo, "%s", opts->repo ? opts->repo : "");
    snprintf(fk_import.tag, sizeof fk_import.tag, "%s", opts->tag ? opts->tag : "");
    snprintf(fk_import.message, sizeof fk_import.message, "%s",
             opts->message ? opts->message : "");
    fk_import.changes[0] = '\0';
    for (char *const *c = opts->changes; c && *c; c++)
        snprintf(fk_import.changes + strlen(fk_import.changes),
                 sizeof fk_import.changes - strlen(fk_import.changes), "%s|", *c);
    fk_import.done++;
    pthread_mutex_unlock(&fk_import.lock);
    if (r < 0)
        return r;
    if (total == 0)
        return gt_err(err, EINVAL, "import: the tarball is empty");
    *image_id = gt_xasprintf("sha256:%064zx", total);
    return 0;
}

int gt_engine_image_push(struct gt_engine *e, const char *ref, const json_t *auth,
                         gt_engine_emit_json_fn progress, void *ctx, int cancel_fd,
                         struct gt_error *err)
{
    return gt_err(err, EOPNOTSUPP, "push is not in the fake");
}

int gt_engine_image_list(struct gt_engine *e, bool all, const json_t *filters, json_t **out,
                         struct gt_error *err)
{
    *out = json_array();
    pthread_mutex_lock(&fk.lock);
    for (int i = 0; i < fk.nimages; i++)
        json_array_append_new(*out, json_pack("{s:s, s:[s], s:[], s:i, s:i}", "Id", "sha256:0123456789abcdef",
                                              "RepoTags", fk.images[i], "RepoDigests", "Created", 0,
                                              "Size", 1000));
    pthread_mutex_unlock(&fk.lock);
    return 0;
}

int gt_engine_image_inspect(struct gt_engine *e, const char *ref, json_t **out,
                            struct gt_error *err)
{
    pthread_mutex_lock(&fk.lock);
    bool have = fk_has_image(ref);
    pthread_mutex_unlock(&fk.lock);
    if (!have)
        return gt_err(err, ENOENT, "No such image: %s", ref);
    *out = json_pack("{s:s, s:[s]}", "Id", "sha256:0123456789abcdef", "RepoTags", ref);
    return 0;
}

int gt_engine_image_tag(struct gt_engine *e, const char *source, const char *repo,
                        const char *tag, struct gt_error *err)
{
    return 0;
}

int gt_engine_image_remove(struct gt_engine *e, const char *ref, bool force, bool noprune,
                           json_t **out, struct gt_error *err)
{
    *out = json_pack("[{s:s}]", "Untagged", ref);
    return 0;
}

int gt_engine_image_history(struct gt_engine *e, const char *ref, json_t **out,
                            struct gt_error *err)
{
    *out = json_array();
    return 0;
}

int gt_engine_image_prune(struct gt_engine *e, const json_t *filters, json_t **out,
                          struct gt_error *err)
{
    *out = json_pack("{s:[], s:i}", "ImagesDeleted", "SpaceReclaimed", 0);
    return 0;
}

/* loads seen: how many, and whether the last one's body was cut short */
static struct {
    pthread_mutex_t lock;
    int done;
    bool cut;
} fk_load = { .lock = PTHREAD_MUTEX_INITIALIZER };

int gt_engine_image_load(struct gt_engine *e, int fd,
                         int (*input_done)(void *arg, struct gt_error *err), void *input_arg,
                         gt_engine_emit_json_fn progress, void *ctx, struct gt_error *err)
{
    char buf[65536];
    size_t total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        total += n;
    int r = input_done ? input_done(input_arg, err) : 0;
    pthread_mutex_lock(&fk_load.lock);
    fk_load.cut = r < 0;
    fk_load.done++;
    pthread_mutex_unlock(&fk_load.lock);
    if (r < 0)
        return r;
    if (total == 0)
        return gt_err(err, EINVAL, "load: the archive is empty");
    cleanup_free char *s = gt_xasprintf("Loaded image: fake:%zu\n", total);
    cleanup_json json_t *m = json_pack("{s:s}", "stream", s);
    progress(ctx, m);
    return 0;
}

int gt_engine_image_save(struct gt_engine *e, char *const *refs, int fd, struct gt_error *err)
{
    for (char *const *r = refs; *r; r++)
        if (!fk_has_image(*r))
            return gt_err(err, ENOENT, "No such image: %s", *r);
    for (char *const *r = refs; *r; r++) {
        cleanup_free char *s = gt_xasprintf("archive of %s\n", *r);
        if (write(fd, s, strlen(s)) < 0)
            return gt_err_sys(err, errno, "write");
    }
    return 0;
}

/* ---- volumes, system ---- */

int gt_engine_volume_create(struct gt_engine *e, const json_t *req, json_t **out,
                            struct gt_error *err)
{
    *out = json_pack("{s:O?, s:s}", "Name", json_object_get(req, "Name"), "Driver", "local");
    return 0;
}

int gt_engine_volume_list(struct gt_engine *e, const json_t *filters, json_t **out,
                          struct gt_error *err)
{
    *out = json_pack("{s:[], s:[]}", "Volumes", "Warnings");
    return 0;
}

int gt_engine_volume_inspect(struct gt_engine *e, const char *name, json_t **out,
                             struct gt_error *err)
{
    return gt_err(err, ENOENT, "get %s: no such volume", name);
}

int gt_engine_volume_remove(struct gt_engine *e, const char *name, bool force,
                            struct gt_error *err)
{
    return gt_err(err, ENOENT, "get %s: no such volume", name);
}

int gt_engine_volume_prune(struct gt_engine *e, const json_t *filters, json_t **out,
                           struct gt_error *err)
{
    *out = json_pack("{s:[], s:i}", "VolumesDeleted", "SpaceReclaimed", 0);
    return 0;
}

/* ---- networks: host and none, and one "net1" once created ---- */

static bool fk_net1;

static json_t *fk_network(const char *name, const char *driver)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:{}, s:{}, s:{}}", "Name", name, "Id",
                     !strcmp(name, "host") ? "1111" : !strcmp(name, "none") ? "2222" : "3333",
                     "Driver", driver, "Scope", "local", "Containers", "Options", "Labels");
}

int gt_engine_network_create(struct gt_engine *e, const json_t *req, json_t **out,
                             struct gt_error *err)
{
    const char *name = json_string_value(json_object_get(req, "Name"));
    if (!name || strcmp(name, "net1"))
        return gt_err(err, EOPNOTSUPP, "the fake engine makes only net1");
    if (fk_net1)
        return gt_err(err, EEXIST, "network with name net1 already exists");
    fk_net1 = true;
    *out = json_pack("{s:s, s:s}", "Id", "3333", "Warning", "");
    return 0;
}

int gt_engine_network_list(struct gt_engine *e, const json_t *filters, json_t **out,
                           struct gt_error *err)
{
    if (json_object_get(filters, "colour"))
        return gt_err(err, EINVAL, "invalid filter 'colour'");
    *out = json_pack("[o, o]", fk_network("host", "host"), fk_network("none", "null"));
    if (fk_net1)
        json_array_append_new(*out, fk_network("net1", "bridge"));
    return 0;
}

int gt_engine_network_inspect(struct gt_engine *e, const char *ref, json_t **out,
                              struct gt_error *err)
{
    if (!strcmp(ref, "host") || !strcmp(ref, "none") || (fk_net1 && !strcmp(ref, "net1"))) {
        *out = fk_network(ref, !strcmp(ref, "none") ? "null" : ref);
        return 0;
    }
    return gt_err(err, ENOENT, "network %s not found", ref);
}

int gt_engine_network_remove(struct gt_engine *e, const char *ref, struct gt_error *err)
{
    if (!strcmp(ref, "host") || !strcmp(ref, "none"))
        return gt_err(err, EPERM, "%s is a pre-defined network and cannot be removed", ref);
    if (!fk_net1 || strcmp(ref, "net1"))
        return gt_err(err, ENOENT, "network %s not found", ref);
    fk_net1 = false;
    return 0;
}

int gt_engine_network_prune(struct gt_engine *e, const json_t *filters, json_t **out,
                            struct gt_error *err)
{
    *out = json_pack("{s:[]}", "NetworksDeleted");
    if (fk_net1)
        json_array_append_new(json_object_get(*out, "NetworksDeleted"), json_string("net1"));
    fk_net1 = false;
    return 0;
}

int gt_engine_network_connect(struct gt_engine *e, const char *net_ref, const char *ctr_ref,
                              const json_t *endpoint, struct gt_error *err)
{
    if (!fk_net1 || strcmp(net_ref, "net1"))
        return gt_err(err, ENOENT, "network %s not found", net_ref);
    pthread_mutex_lock(&fk.lock);
    bool found = fk_find(ctr_ref) != NULL;
    pthread_mutex_unlock(&fk.lock);
    return found ? 0 : fk_nosuch(ctr_ref, err);
}

int gt_engine_network_disconnect(struct gt_engine *e, const char *net_ref, const char *ctr_ref,
                                 bool force, struct gt_error *err)
{
    return gt_engine_network_connect(e, net_ref, ctr_ref, NULL, err);
}

int gt_engine_events(struct gt_engine *e, int64_t since_ns, int64_t until_ns,
                     const json_t *filters, gt_engine_emit_json_fn emit, void *ctx,
                     int cancel_fd, struct gt_error *err)
{
    cleanup_json json_t *m = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:I}", "Type", "container",
                                       "Action", "create", "Actor", "ID", "abc", "Attributes", "name",
                                       "ev1", "time", (json_int_t)time(NULL));
    if (emit(ctx, m) < 0)
        return 0;
    while (until_ns == 0 || fk_now() < until_ns) {
        struct pollfd p = { .fd = cancel_fd, .events = POLLIN };
        if (poll(&p, cancel_fd >= 0, 20) > 0)
            return gt_err(err, ECANCELED, "client left");
    }
    return 0;
}

int gt_engine_info(struct gt_engine *e, json_t **out, struct gt_error *err)
{
    *out = json_pack("{s:i, s:s, s:s}", "Containers", fk.nctrs, "DockerRootDir", "/fake/data",
                     "CgroupVersion", "1");
    return 0;
}

int gt_engine_df(struct gt_engine *e, json_t **out, struct gt_error *err)
{
    *out = json_pack("{s:[], s:[], s:[], s:I}", "Images", "Containers", "Volumes", "LayersSize",
                     (json_int_t)0);
    return 0;
}

#endif
