/* The engine object: roots, tables, the thread that watches monitors, the
 * event ring, and what opening does (loading records, adopting running
 * containers, restarting those whose policy says so). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"

int64_t eng_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

char *eng_random_id(void)
{
    unsigned char b[32];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n > 0)
            got += (size_t)n;
    }
    char *s = gt_xmalloc(65);
    for (int i = 0; i < 32; i++)
        sprintf(s + 2 * i, "%02x", b[i]);
    return s;
}

static bool is_socket(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

bool eng_cancelled(int cancel_fd, int in_fd)
{
    if (cancel_fd < 0 || cancel_fd == in_fd)
        return false;
    bool sock = is_socket(cancel_fd);
    struct pollfd p = { cancel_fd, sock ? POLLRDHUP : POLLIN, 0 };
    if (poll(&p, 1, 0) <= 0)
        return false;
    return p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL | (sock ? 0 : POLLIN));
}

/* ---- paths and defaults ---- */

static char *exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return gt_xstrdup(".");
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    return gt_xstrdup(buf);
}

static char *find_in_path(const char *name)
{
    if (strchr(name, '/'))
        return gt_xstrdup(name);
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    cleanup_free char *copy = gt_xstrdup(path);
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *p = gt_xasprintf("%s/%s", d, name);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}

/* ---- containers: references and lookups ---- */

void eng_ctr_ref(struct container *c)
{
    pthread_mutex_lock(&c->e->lock);
    c->refs++;
    pthread_mutex_unlock(&c->e->lock);
}

void eng_ctr_unref(struct container *c)
{
    if (!c)
        return;
    struct gt_engine *e = c->e;
    pthread_mutex_lock(&e->lock);
    bool last = --c->refs == 0;
    pthread_mutex_unlock(&e->lock);
    if (last)
        eng_ctr_free(c);
}

struct container **eng_ctr_list(struct gt_engine *e, size_t *n)
{
    pthread_mutex_lock(&e->lock);
    *n = e->n_ctrs;
    struct container **list = gt_xmalloc((*n + 1) * sizeof *list);
    for (size_t i = 0; i < *n; i++) {
        list[i] = e->ctrs[i];
        list[i]->refs++;
    }
    pthread_mutex_unlock(&e->lock);
    return list;
}

static struct container *find_locked(struct gt_engine *e, const char *ref, bool *ambiguous)
{
    *ambiguous = false;
    if (!ref || !*ref)
        return NULL;
    const char *name = ref[0] == '/' ? ref + 1 : ref;
    for (size_t i = 0; i < e->n_ctrs; i++)
        if (!strcmp(e->ctrs[i]->id, ref))
            return e->ctrs[i];
    for (size_t i = 0; i < e->n_ctrs; i++)
        if (e->ctrs[i]->name && !strcmp(e->ctrs[i]->name, name))
            return e->ctrs[i];
    struct container *hit = NULL;
    size_t len = strlen(ref);
    for (size_t i = 0; i < e->n_ctrs; i++)
        if (!strncmp(e->ctrs[i]->id, ref, len)) {
            if (hit) {
                *ambiguous = true;
                return NULL;
            }
            hit = e->ctrs[i];
        }
    return hit;
}

int eng_ctr_find(struct gt_engine *e, const char *ref, struct container **out, struct gt_error *err)
{
    pthread_mutex_lock(&e->lock);
    bool amb;
    struct container *c = find_locked(e, ref, &amb);
    if (c)
        c->refs++;
    pthread_mutex_unlock(&e->lock);
    if (amb)
        return gt_err(err, EINVAL, "multiple containers match the id prefix %s", ref);
    if (!c)
        return gt_err(err, ENOENT, "No such container: %s", ref ? ref : "");
    *out = c;
    return 0;
}

int gt_engine_container_resolve(struct gt_engine *e, const char *ref, char **id,
                                struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    *id = gt_xstrdup(c->id);
    eng_ctr_unref(c);
    return 0;
}

/* ---- helper threads ---- */

struct spawn_arg {
    struct gt_engine *e;
    void *(*fn)(void *);
    void *arg;
};

static void *spawn_main(void *p)
{
    struct spawn_arg a = *(struct spawn_arg *)p;
    free(p);
    a.fn(a.arg);
    pthread_mutex_lock(&a.e->lock);
    a.e->threads--;
    pthread_cond_broadcast(&a.e->threads_cond);
    pthread_mutex_unlock(&a.e->lock);
    return NULL;
}

void eng_engine_spawn(struct gt_engine *e, void *(*fn)(void *), void *arg)
{
    struct spawn_arg *a = gt_xmalloc(sizeof *a);
    *a = (struct spawn_arg){ e, fn, arg };
    pthread_mutex_lock(&e->lock);
    e->threads++;
    pthread_mutex_unlock(&e->lock);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int r;
    while ((r = pthread_create(&t, &attr, spawn_main, a)) == EAGAIN)
        usleep(10000);
    if (r != 0)
        abort();
    pthread_attr_destroy(&attr);
}

/* ---- the monitors' exits ---- */

static void *exit_thread(void *p)
{
    struct container *c = p;
    eng_ctr_handle_exit(c->e, c);
    eng_ctr_unref(c);
    return NULL;
}

static void *reaper_main(void *p)
{
    struct gt_engine *e = p;
    for (;;) {
        struct epoll_event evs[32];
        int n = epoll_wait(e->epfd, evs, 32, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            gt_error("engine: epoll_wait: %s", strerror(errno));
            return NULL;
        }
        for (int i = 0; i < n; i++) {
            struct container *c = evs[i].data.ptr;
            if (!c)
                return NULL; /* gt_engine_free */
            pthread_mutex_lock(&c->lock);
            int fd = c->mon_pidfd;
            c->mon_pidfd = -1;
            pthread_mutex_unlock(&c->lock);
            if (fd >= 0) {
                epoll_ctl(e->epfd, EPOLL_CTL_DEL, fd, NULL);
                close(fd);
            }
            eng_engine_spawn(e, exit_thread, c); /* passes the watch's reference on */
        }
    }
}

int eng_reaper_watch(struct gt_engine *e, struct container *c, struct gt_error *err)
{
    int pidfd = (int)syscall(SYS_pidfd_open, c->mon_pid, 0);
    eng_ctr_ref(c);
    if (pidfd < 0) {
        /* already gone: its exit is collected at once */
        eng_engine_spawn(e, exit_thread, c);
        return 0;
    }
    fcntl(pidfd, F_SETFD, FD_CLOEXEC);
    pthread_mutex_lock(&c->lock);
    c->mon_pidfd = pidfd;
    pthread_mutex_unlock(&c->lock);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
    if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, pidfd, &ev) < 0) {
        int en = errno;
        pthread_mutex_lock(&c->lock);
        c->mon_pidfd = -1;
        pthread_mutex_unlock(&c->lock);
        close(pidfd);
        eng_ctr_unref(c);
        return gt_err_sys(err, en, "watch monitor %d", (int)c->mon_pid);
    }
    return 0;
}

/* ---- events ---- */

void eng_event_emit(struct gt_engine *e, const char *type, const char *action, const char *actor_id,
                struct container *c, json_t *attrs)
{
    int64_t ns = eng_now_ns();
    if (!attrs)
        attrs = json_object();
    if (c) {
        json_t *labels = c->config ? json_object_get(c->config, "Labels") : NULL;
        const char *k;
        json_t *v;
        json_object_foreach(labels, k, v)
            if (!json_object_get(attrs, k))
                json_object_set(attrs, k, v);
        json_object_set_new(attrs, "name", json_string(c->name ? c->name : ""));
        json_object_set_new(attrs, "image", json_string(c->image ? c->image : ""));
    }
    json_t *msg = json_pack("{s:s,s:s,s:{s:s,s:o},s:s,s:I,s:I}", "Type", type, "Action", action,
                            "Actor", "ID", actor_id, "Attributes", attrs, "scope", "local",
                            "time", (json_int_t)(ns / 1000000000), "timeNano", (json_int_t)ns);
    /* the legacy fields older clients read */
    if (!strcmp(type, "container") || !strcmp(type, "image")) {
        json_object_set_new(msg, "status", json_string(action));
        json_object_set_new(msg, "id", json_string(actor_id));
        if (c)
            json_object_set_new(msg, "from", json_string(c->image ? c->image : ""));
    }
    pthread_mutex_lock(&e->ev_lock);
    struct ev_rec *slot = &e->ring[e->ev_next % EV_RING];
    if (slot->msg)
        json_decref(slot->msg);
    slot->msg = msg;
    slot->ns = ns;
    e->ev_next++;
    pthread_cond_broadcast(&e->ev_cond);
    pthread_mutex_unlock(&e->ev_lock);
}

static bool filter_has(const json_t *filters, const char *key)
{
    json_t *f = json_object_get(filters, key);
    return f && json_object_size(f) > 0;
}

static bool filter_match(const json_t *filters, const char *key, const char *value)
{
    json_t *f = json_object_get(filters, key);
    if (!f || !json_object_size(f))
        return true;
    return value && json_object_get(f, value);
}

static bool event_matches(const json_t *msg, const json_t *filters)
{
    if (!filters)
        return true;
    const char *type = json_string_value(json_object_get(msg, "Type"));
    const char *action = json_string_value(json_object_get(msg, "Action"));
    json_t *actor = json_object_get(msg, "Actor");
    const char *id = json_string_value(json_object_get(actor, "ID"));
    json_t *attrs = json_object_get(actor, "Attributes");
    const char *name = json_string_value(json_object_get(attrs, "name"));
    if (!filter_match(filters, "type", type))
        return false;
    if (filter_has(filters, "event")) {
        /* "health_status: healthy" matches the filter "health_status" */
        char base[64];
        snprintf(base, sizeof base, "%s", action ? action : "");
        char *colon = strchr(base, ':');
        if (colon)
            *colon = '\0';
        if (!filter_match(filters, "event", action) && !filter_match(filters, "event", base))
            return false;
    }
    if (filter_has(filters, "container")) {
        if (!type || strcmp(type, "container"))
            return false;
        bool hit = filter_match(filters, "container", id) || filter_match(filters, "container", name);
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(filters, "container"), k, v)
            if (id && strlen(k) >= 1 && !strncmp(id, k, strlen(k)))
                hit = true;
        if (!hit)
            return false;
    }
    if (filter_has(filters, "image")) {
        const char *img = json_string_value(json_object_get(attrs, "image"));
        if (!filter_match(filters, "image", img) && !filter_match(filters, "image", id))
            return false;
    }
    if (filter_has(filters, "volume") &&
        (strcmp(type ? type : "", "volume") || !filter_match(filters, "volume", id)))
        return false;
    if (filter_has(filters, "network") &&
        (strcmp(type ? type : "", "network") || !filter_match(filters, "network", id)))
        return false;
    if (filter_has(filters, "label")) {
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(filters, "label"), k, v) {
            char key[256];
            snprintf(key, sizeof key, "%s", k);
            char *eq = strchr(key, '=');
            if (eq)
                *eq = '\0';
            const char *have = json_string_value(json_object_get(attrs, key));
            if (!have || (eq && strcmp(have, eq + 1)))
                return false;
        }
    }
    return true;
}

int gt_engine_events(struct gt_engine *e, int64_t since_ns, int64_t until_ns,
                     const json_t *filters, gt_engine_emit_json_fn emit, void *ctx,
                     int cancel_fd, struct gt_error *err)
{
    static const char *const known[] = { "type", "event", "container", "image", "label",
                                         "volume", "network", "daemon", "scope", NULL };
    if (filters && gt_json_check_known(filters, "filters", known, err) < 0)
        return -EINVAL;
    pthread_mutex_lock(&e->ev_lock);
    uint64_t pos = e->ev_next;
    if (since_ns > 0) {
        /* the oldest event kept, then forward to the first at or after since */
        pos = e->ev_next > EV_RING ? e->ev_next - EV_RING : 0;
        while (pos < e->ev_next && e->ring[pos % EV_RING].ns < since_ns)
            pos++;
    }
    int r = 0;
    for (;;) {
        while (pos < e->ev_next) {
            if (e->ev_next - pos > EV_RING)
                pos = e->ev_next - EV_RING; /* a slow reader loses the oldest */
            struct ev_rec *ev = &e->ring[pos % EV_RING];
            pos++;
            if (until_ns > 0 && ev->ns > until_ns)
                goto out;
            if (!event_matches(ev->msg, filters))
                continue;
            json_t *msg = json_incref(ev->msg);
            pthread_mutex_unlock(&e->ev_lock);
            int rc = emit(ctx, msg);
            json_decref(msg);
            pthread_mutex_lock(&e->ev_lock);
            if (rc < 0) {
                r = gt_err(err, ECANCELED, "events: the client went away");
                goto out;
            }
        }
        if (until_ns > 0 && eng_now_ns() >= until_ns)
            goto out;
        if (e->stopping) {
            r = gt_err(err, ECANCELED, "events: the engine is shutting down");
            goto out;
        }
        pthread_mutex_unlock(&e->ev_lock);
        bool gone = eng_cancelled(cancel_fd, -1);
        pthread_mutex_lock(&e->ev_lock);
        if (gone) {
            r = gt_err(err, ECANCELED, "events: the client went away");
            goto out;
        }
        if (pos < e->ev_next)
            continue;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t wake = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + 200000000;
        if (until_ns > 0 && until_ns < wake)
            wake = until_ns + 1000000;
        ts.tv_sec = wake / 1000000000;
        ts.tv_nsec = wake % 1000000000;
        pthread_cond_timedwait(&e->ev_cond, &e->ev_lock, &ts);
    }
out:
    pthread_mutex_unlock(&e->ev_lock);
    return r;
}

/* ---- open and free ---- */

static char **strv_copy(char **v)
{
    char **out = NULL;
    for (; v && *v; v++)
        gt_strv_push(&out, *v);
    return out;
}

static int load_containers(struct gt_engine *e, struct gt_error *err)
{
    cleanup_free char *dir = gt_path_join(e->data_root, "containers");
    cleanup_dir DIR *d = opendir(dir);
    if (!d)
        return gt_err_sys(err, errno, "open %s", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strlen(de->d_name) != 64)
            continue;
        struct container *c;
        struct gt_error lerr = { 0 };
        if (eng_ctr_load(e, de->d_name, &c, &lerr) < 0) {
            gt_warn("engine: container %s: %s (skipped)", de->d_name, lerr.msg);
            continue;
        }
        if (e->n_ctrs == e->cap_ctrs) {
            e->cap_ctrs = e->cap_ctrs ? e->cap_ctrs * 2 : 32;
            e->ctrs = gt_xrealloc(e->ctrs, e->cap_ctrs * sizeof *e->ctrs);
        }
        e->ctrs[e->n_ctrs++] = c;
    }
    return 0;
}

int gt_engine_open(const struct gt_engine_config *cfg, struct gt_engine **out,
                   struct gt_error *err)
{
    static const struct gt_engine_config none = { 0 };
    if (!cfg)
        cfg = &none;
    struct gt_engine *e = gt_xcalloc(1, sizeof *e);
    e->epfd = e->wake_fd = -1;
    pthread_mutex_init(&e->lock, NULL);
    pthread_mutex_init(&e->vol_lock, NULL);
    pthread_mutex_init(&e->ev_lock, NULL);
    pthread_cond_init(&e->ev_cond, NULL);
    pthread_cond_init(&e->threads_cond, NULL);
    cleanup_free char *bindir = exe_dir();
    const char *env;
    e->data_root = gt_xstrdup(gt_data_root(cfg->data_root));
    e->exec_root = gt_xstrdup(cfg->exec_root && *cfg->exec_root ? cfg->exec_root
                              : (env = getenv("GANTRY_STATE")) && *env ? env
                                                                        : "/run/gantry");
    if (cfg->runtime && *cfg->runtime) {
        e->runtime = find_in_path(cfg->runtime);
    } else {
        char *p = gt_path_join(bindir, "gantry-runtime");
        if (access(p, X_OK) == 0)
            e->runtime = p;
        else {
            free(p);
            e->runtime = find_in_path("runc");
        }
    }
    e->monitor = cfg->monitor && *cfg->monitor ? gt_xstrdup(cfg->monitor)
                                               : gt_path_join(bindir, "gantry-monitor");
    if (cfg->init && *cfg->init) {
        e->init = gt_xstrdup(cfg->init);
    } else {
        char *mdir = gt_xstrdup(e->monitor);
        char *slash = strrchr(mdir, '/');
        if (slash)
            *slash = '\0';
        e->init = gt_path_join(slash ? mdir : ".", "gantry-init");
        free(mdir);
    }
    e->cgroup_parent = gt_xstrdup(cfg->cgroup_parent && *cfg->cgroup_parent ? cfg->cgroup_parent
                                                                            : "/gantry");
    bool bridge = cfg->bridge && *cfg->bridge && strcmp(cfg->bridge, "none");
    e->default_network = gt_xstrdup(cfg->default_network && *cfg->default_network
                                        ? cfg->default_network
                                        : bridge ? "bridge" : "none");
    e->log_max_size = cfg->log_max_size > 0 ? cfg->log_max_size : (int64_t)10 << 20;
    e->log_max_files = cfg->log_max_files > 0 ? cfg->log_max_files : 3;
    e->insecure = strv_copy(cfg->insecure_registries);
    e->mirrors = strv_copy(cfg->registry_mirrors);
    e->runtime_root = gt_path_join(e->exec_root, "runtime");
    int r;
    if (!e->runtime) {
        r = gt_err(err, ENOENT, "no runtime: gantry-runtime is not next to this program and "
                                "runc is not on PATH");
        goto fail;
    }
    if (access(e->monitor, X_OK) < 0) {
        r = gt_err_sys(err, errno, "monitor %s", e->monitor);
        goto fail;
    }
    const char *subdirs[][2] = { { e->data_root, "containers" }, { e->data_root, "volumes" },
                                 { e->data_root, "tmp" },        { e->exec_root, "containers" },
                                 { e->exec_root, "runtime" } };
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        cleanup_free char *p = gt_path_join(subdirs[i][0], subdirs[i][1]);
        if ((r = gt_mkdir_p(p, 0711, err)) < 0)
            goto fail;
    }
    if ((r = gt_image_store_open(e->data_root, &e->store, err)) < 0)
        goto fail;
    e->net_open = true;
    if ((r = eng_net_open(e, cfg, err)) < 0)
        goto fail;
    /* no auth file: credentials come with each request, as dockerd's */
    struct gt_registry_options ro = { .insecure = (const char *const *)e->insecure,
                                      .mirrors = (const char *const *)e->mirrors,
                                      .auth_file = "" };
    if ((r = gt_registry_client_new(&ro, &e->registry, err)) < 0)
        goto fail;
    e->epfd = epoll_create1(EPOLL_CLOEXEC);
    e->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (e->epfd < 0 || e->wake_fd < 0) {
        r = gt_err_sys(err, errno, "epoll");
        goto fail;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->wake_fd, &ev);
    if ((r = load_containers(e, err)) < 0)
        goto fail;
    if ((r = pthread_create(&e->reaper, NULL, reaper_main, e)) != 0) {
        r = gt_err_sys(err, r, "start the reaper thread");
        goto fail;
    }
    size_t n;
    struct container **list = eng_ctr_list(e, &n);
    for (size_t i = 0; i < n; i++) {
        eng_ctr_adopt(e, list[i]);
        eng_ctr_unref(list[i]);
    }
    free(list);
    eng_net_reconcile(e);
    gt_info("engine: data root %s, exec root %s, runtime %s, %zu containers", e->data_root,
            e->exec_root, e->runtime, n);
    *out = e;
    return 0;
fail:
    gt_engine_free(e);
    return r;
}

void gt_engine_free(struct gt_engine *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->ev_lock);
    e->stopping = true;
    pthread_cond_broadcast(&e->ev_cond);
    pthread_mutex_unlock(&e->ev_lock);
    if (e->wake_fd >= 0) {
        uint64_t one = 1;
        if (write(e->wake_fd, &one, sizeof one) < 0)
            gt_warn("engine: wake: %s", strerror(errno));
    }
    if (e->reaper)
        pthread_join(e->reaper, NULL);
    /* helper threads (exit handling, restarts, health checks, detached
     * execs) see `stopping` and end */
    pthread_mutex_lock(&e->lock);
    while (e->threads > 0) {
        for (size_t i = 0; i < e->n_ctrs; i++) {
            pthread_mutex_lock(&e->ctrs[i]->lock);
            pthread_cond_broadcast(&e->ctrs[i]->cond);
            pthread_mutex_unlock(&e->ctrs[i]->lock);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&e->threads_cond, &e->lock, &ts);
    }
    pthread_mutex_unlock(&e->lock);
    /* watches still registered hold references: the containers are freed
     * below whatever their counts (the monitors live on) */
    if (e->epfd >= 0)
        close(e->epfd);
    for (size_t i = 0; i < e->n_execs; i++) {
        pthread_cond_destroy(&e->execs[i]->cond);
        json_decref(e->execs[i]->config);
        free(e->execs[i]);
    }
    free(e->execs);
    for (size_t i = 0; i < e->n_ctrs; i++)
        eng_ctr_free(e->ctrs[i]);
    free(e->ctrs);
    gt_strv_free(e->reserved);
    if (e->wake_fd >= 0)
        close(e->wake_fd);
    for (int i = 0; i < EV_RING; i++)
        if (e->ring[i].msg)
            json_decref(e->ring[i].msg);
    if (e->net_open)
        eng_net_close(e);
    if (e->registry)
        gt_registry_client_free(e->registry);
    if (e->store)
        gt_image_store_free(e->store);
    free(e->data_root);
    free(e->exec_root);
    free(e->runtime);
    free(e->monitor);
    free(e->init);
    free(e->cgroup_parent);
    free(e->default_network);
    free(e->runtime_root);
    gt_strv_free(e->insecure);
    gt_strv_free(e->mirrors);
    pthread_mutex_destroy(&e->lock);
    pthread_mutex_destroy(&e->vol_lock);
    pthread_mutex_destroy(&e->ev_lock);
    pthread_cond_destroy(&e->ev_cond);
    pthread_cond_destroy(&e->threads_cond);
    free(e);
}
