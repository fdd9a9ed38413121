/* Health checks: while a container with a Healthcheck runs, its test runs
 * through the runtime's exec every Interval (StartInterval during the
 * StartPeriod); the last five results are kept; Retries failures in a row
 * make it unhealthy, one success healthy.  Failures during the start
 * period do not count, as in docker. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"

#define NS_MS 1000000LL
#define HEALTH_LOG_MAX 5

static int64_t dur_ms(json_t *hc, const char *key, int64_t def)
{
    int64_t ns = json_integer_value(json_object_get(hc, key));
    return ns > 0 ? ns / NS_MS : def;
}

static void *health_main(void *p)
{
    struct container *c = p;
    struct gt_engine *e = c->e;
    json_t *hc = json_object_get(c->config, "Healthcheck");
    json_t *test = json_object_get(hc, "Test");
    const char *kind = json_string_value(json_array_get(test, 0));
    json_t *argv = json_array();
    if (kind && !strcmp(kind, "CMD-SHELL")) {
        json_array_append_new(argv, json_string("/bin/sh"));
        json_array_append_new(argv, json_string("-c"));
        json_array_append(argv, json_array_get(test, 1));
    } else {
        for (size_t i = 1; i < json_array_size(test); i++)
            json_array_append(argv, json_array_get(test, i));
    }
    int64_t interval = dur_ms(hc, "Interval", 30000);
    int64_t timeout = dur_ms(hc, "Timeout", 30000);
    int64_t start_period = dur_ms(hc, "StartPeriod", 0);
    int64_t start_interval = dur_ms(hc, "StartInterval", 5000);
    int64_t retries = json_integer_value(json_object_get(hc, "Retries"));
    if (retries <= 0)
        retries = 3;
    pthread_mutex_lock(&c->lock);
    int64_t started = c->started_ns;
    uint64_t gen = c->exit_gen;
    pthread_mutex_unlock(&c->lock);
    for (;;) {
        bool in_start = eng_now_ns() - started < start_period * NS_MS;
        int64_t wait = in_start && start_interval < interval ? start_interval : interval;
        int64_t until = eng_now_ns() + wait * NS_MS;
        pthread_mutex_lock(&c->lock);
        while (!c->health_stop && c->exit_gen == gen && !e->stopping && eng_now_ns() < until) {
            struct timespec ts = { (time_t)(until / 1000000000), (long)(until % 1000000000) };
            pthread_cond_timedwait(&c->cond, &c->lock, &ts);
        }
        bool stop = c->health_stop || c->exit_gen != gen || e->stopping ||
                    (c->status != ST_RUNNING && c->status != ST_PAUSED);
        bool paused = c->status == ST_PAUSED;
        pthread_mutex_unlock(&c->lock);
        if (stop)
            break;
        if (paused)
            continue; /* docker does not probe a paused container */
        int64_t t0 = eng_now_ns();
        char *output = NULL;
        int code = -1;
        struct gt_error err = { 0 };
        if (eng_exec_probe(e, c, argv, timeout, &output, &code, &err) < 0) {
            output = gt_xstrdup(err.msg);
            code = -1;
        }
        int64_t t1 = eng_now_ns();
        char *s0 = eng_format_time(t0), *s1 = eng_format_time(t1);
        json_t *entry = json_pack("{s:s,s:s,s:i,s:s}", "Start", s0, "End", s1, "ExitCode", code,
                                  "Output", output ? output : "");
        free(s0);
        free(s1);
        free(output);
        pthread_mutex_lock(&c->lock);
        if (c->exit_gen != gen || !c->health) {
            pthread_mutex_unlock(&c->lock);
            json_decref(entry);
            break;
        }
        const char *old = json_string_value(json_object_get(c->health, "Status"));
        char before[16];
        snprintf(before, sizeof before, "%s", old ? old : "");
        json_t *log = json_object_get(c->health, "Log");
        if (!json_is_array(log)) {
            log = json_array();
            json_object_set_new(c->health, "Log", log);
        }
        json_array_append_new(log, entry);
        while (json_array_size(log) > HEALTH_LOG_MAX)
            json_array_remove(log, 0);
        int64_t streak = json_integer_value(json_object_get(c->health, "FailingStreak"));
        const char *now_status = before;
        if (code == 0) {
            streak = 0;
            now_status = "healthy";
        } else if (!(in_start && strcmp(before, "healthy"))) {
            streak++;
            if (streak >= retries)
                now_status = "unhealthy";
        }
        json_object_set_new(c->health, "FailingStreak", json_integer(streak));
        json_object_set_new(c->health, "Status", json_string(now_status));
        bool changed = strcmp(before, now_status) != 0;
        char status_copy[16];
        snprintf(status_copy, sizeof status_copy, "%s", now_status);
        struct gt_error serr;
        eng_ctr_save_state(c, &serr);
        pthread_mutex_unlock(&c->lock);
        if (changed) {
            char action[48];
            snprintf(action, sizeof action, "health_status: %s", status_copy);
            eng_event_emit(e, "container", action, c->id, c, NULL);
        }
    }
    json_decref(argv);
    eng_ctr_unref(c);
    return NULL;
}

void eng_health_start(struct gt_engine *e, struct container *c)
{
    json_t *hc = json_object_get(c->config, "Healthcheck");
    if (!json_is_object(hc) || !json_array_size(json_object_get(hc, "Test")))
        return;
    pthread_mutex_lock(&c->lock);
    c->health_stop = false;
    if (!c->health)
        c->health = json_pack("{s:s,s:i,s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
    pthread_mutex_unlock(&c->lock);
    eng_ctr_ref(c);
    eng_engine_spawn(e, health_main, c);
}
