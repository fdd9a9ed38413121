/* image/registry_pool.c - parallel blob transfers: worker threads, each
 * with its own connection, take indexes in order; the calling thread hears
 * of completions in index order (so that unpacking can follow downloads). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "image/registry_int.h"

struct pool {
    struct reg_session *s;
    size_t n;
    const struct reg_pool_ops *ops;
    void *arg;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t next;
    bool *done;
    bool stop;
    int rc;
    struct gt_error err;
};

static void pool_fail(struct pool *p, int rc, const struct gt_error *e)
{
    /* under p->lock */
    if (!p->stop || p->rc == 0) {
        p->rc = rc;
        if (e)
            p->err = *e;
    }
    p->stop = true;
    reg_session_abort(p->s, reg_retryable(p->rc) || p->rc == -ECANCELED);
    pthread_cond_broadcast(&p->cond);
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    struct reg_conn conn;
    struct gt_error e = { 0 };
    if (reg_conn_init(&conn, p->s, &e) < 0) {
        pthread_mutex_lock(&p->lock);
        pool_fail(p, -ENOMEM, &e);
        pthread_mutex_unlock(&p->lock);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&p->lock);
        if (p->stop || p->next >= p->n) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        size_t i = p->next++;
        pthread_mutex_unlock(&p->lock);

        gt_err_clear(&e);
        int r = p->ops->run(&conn, i, p->arg, &e);

        pthread_mutex_lock(&p->lock);
        if (r < 0) {
            /* A transfer aborted because another failed is not the news. */
            if (!(r == -ECANCELED && p->stop))
                pool_fail(p, r, &e);
        } else {
            p->done[i] = true;
            pthread_cond_broadcast(&p->cond);
        }
        pthread_mutex_unlock(&p->lock);
    }
    reg_conn_release(&conn);
    return NULL;
}

int reg_pool_run(struct reg_session *s, size_t n, int parallel, const struct reg_pool_ops *ops,
                 void *arg, struct gt_error *err)
{
    if (n == 0)
        return 0;
    struct pool p = { .s = s, .n = n, .ops = ops, .arg = arg };
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    p.done = gt_xcalloc(n, sizeof *p.done);
    size_t nt = parallel > 0 ? (size_t)parallel : 1;
    if (nt > n)
        nt = n;
    pthread_t *threads = gt_xcalloc(nt, sizeof *threads);
    size_t started = 0;
    for (; started < nt; started++) {
        int e = pthread_create(&threads[started], NULL, worker, &p);
        if (e) {
            if (started == 0) {
                pthread_mutex_lock(&p.lock);
                p.rc = gt_err_sys(&p.err, e, "start a transfer thread");
                p.stop = true;
                pthread_mutex_unlock(&p.lock);
            }
            break;
        }
    }

    size_t ready = 0;
    pthread_mutex_lock(&p.lock);
    while (ready < n && !p.stop) {
        if (!p.done[ready]) {
            pthread_cond_wait(&p.cond, &p.lock);
            continue;
        }
        pthread_mutex_unlock(&p.lock);
        struct gt_error e = { 0 };
        int r = ops->ready ? ops->ready(ready, arg, &e) : 0;
        pthread_mutex_lock(&p.lock);
        if (r < 0)
            pool_fail(&p, r, &e);
        ready++;
    }
    pthread_mutex_unlock(&p.lock);

    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    free(p.done);
    pthread_cond_destroy(&p.cond);
    pthread_mutex_destroy(&p.lock);
    if (p.rc < 0 && err)
        *err = p.err;
    return p.rc;
}
