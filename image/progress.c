/* image/progress.c - progress events: the Docker API message, docker's
 * sizes and bar, and the terminal renderer (see progress.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"
#include "image/progress.h"

int gt_progress_emit(const struct gt_progress *p, const struct gt_progress_event *ev)
{
    if (!p || !p->fn)
        return 0;
    return p->fn(p->arg, ev);
}

int gt_progress_status(const struct gt_progress *p, const char *id, const char *fmt, ...)
{
    if (!p || !p->fn)
        return 0;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    struct gt_progress_event ev = { .id = id, .status = buf };
    return p->fn(p->arg, &ev);
}

int gt_progress_layer(const struct gt_progress *p, const char *id, const char *status)
{
    struct gt_progress_event ev = { .id = id, .status = status, .detail = true };
    return gt_progress_emit(p, &ev);
}

int gt_progress_bytes(const struct gt_progress *p, const char *id, const char *status,
                      int64_t current, int64_t total)
{
    struct gt_progress_event ev = {
        .id = id, .status = status, .detail = true, .current = current, .total = total
    };
    return gt_progress_emit(p, &ev);
}

const char *gt_progress_short_id(const char *digest, char *buf, size_t len)
{
    const char *hex = strchr(digest, ':');
    hex = hex ? hex + 1 : digest;
    snprintf(buf, len, "%.12s", hex);
    return buf;
}

const char *gt_progress_human_size_digits(double bytes, int digits, char *buf, size_t len)
{
    static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
    size_t i = 0;
    while (bytes >= 1000.0 && i < sizeof units / sizeof units[0] - 1) {
        bytes /= 1000.0;
        i++;
    }
    snprintf(buf, len, "%.*g%s", digits, bytes, units[i]);
    return buf;
}

const char *gt_progress_human_size(double bytes, char *buf, size_t len)
{
    return gt_progress_human_size_digits(bytes, 4, buf, len);
}

char *gt_progress_bar(int64_t current, int64_t total, int width)
{
    char cur[32], tot[32];
    if (current <= 0 && total <= 0)
        return gt_xstrdup("");
    gt_progress_human_size((double)current, cur, sizeof cur);
    if (total <= 0)
        return gt_xasprintf("%8s", cur);
    int pct = (int)((double)current / (double)total * 100.0) / 2;
    if (pct > 50)
        pct = 50;
    if (pct < 0)
        pct = 0;
    char bar[64] = "";
    if (width > 110) {
        char *b = bar;
        *b++ = '[';
        for (int i = 0; i < pct; i++)
            *b++ = '=';
        *b++ = '>';
        for (int i = pct; i < 50; i++)
            *b++ = ' ';
        *b++ = ']';
        *b++ = ' ';
        *b = '\0';
    }
    gt_progress_human_size((double)total, tot, sizeof tot);
    if (current > total)
        return gt_xasprintf("%s%8s", bar, cur);
    return gt_xasprintf("%s%8s/%s", bar, cur, tot);
}

json_t *gt_progress_event_json(const struct gt_progress_event *ev)
{
    json_t *j = json_object();
    if (ev->error) {
        json_object_set_new(j, "errorDetail", json_pack("{s:s}", "message", ev->error));
        json_object_set_new(j, "error", json_string(ev->error));
        return j;
    }
    if (ev->status)
        json_object_set_new(j, "status", json_string(ev->status));
    if (ev->detail || ev->aux) {
        json_t *d = json_object();
        if (ev->current > 0)
            json_object_set_new(d, "current", json_integer(ev->current));
        if (ev->total > 0)
            json_object_set_new(d, "total", json_integer(ev->total));
        json_object_set_new(j, "progressDetail", d);
        /* The engine renders the bar at width 200, as dockerd does. */
        cleanup_free char *bar = gt_progress_bar(ev->current, ev->total, 200);
        if (*bar)
            json_object_set_new(j, "progress", json_string(bar));
    }
    if (ev->id)
        json_object_set_new(j, "id", json_string(ev->id));
    if (ev->aux)
        json_object_set(j, "aux", ev->aux);
    return j;
}

void gt_progress_event_from_json(const json_t *j, struct gt_progress_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->status = json_string_value(json_object_get(j, "status"));
    ev->id = json_string_value(json_object_get(j, "id"));
    json_t *d = json_object_get(j, "progressDetail");
    if (json_is_object(d)) {
        ev->detail = true;
        ev->current = json_integer_value(json_object_get(d, "current"));
        ev->total = json_integer_value(json_object_get(d, "total"));
    }
    const char *e = json_string_value(json_object_get(json_object_get(j, "errorDetail"), "message"));
    if (!e)
        e = json_string_value(json_object_get(j, "error"));
    ev->error = e;
    ev->aux = json_object_get(j, "aux");
}

int gt_progress_json_fd(void *arg, const struct gt_progress_event *ev)
{
    int fd = (int)(intptr_t)arg;
    json_t *j = gt_progress_event_json(ev);
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s)
        return -ENOMEM;
    size_t n = strlen(s);
    char *line = gt_xmalloc(n + 3);
    memcpy(line, s, n);
    memcpy(line + n, "\r\n", 3);
    free(s);
    int r = gt_write_all(fd, line, n + 2);
    free(line);
    return r < 0 ? r : 0;
}

/* ------------------------------------------------------------------ */
/* Terminal                                                            */

struct gt_progress_term {
    int fd;
    bool tty;
    char **ids; /* lines drawn, top to bottom */
    size_t n_ids;
};

struct gt_progress_term *gt_progress_term_new(int fd, bool tty)
{
    struct gt_progress_term *t = gt_xcalloc(1, sizeof *t);
    t->fd = fd;
    t->tty = tty;
    return t;
}

static void term_forget(struct gt_progress_term *t)
{
    for (size_t i = 0; i < t->n_ids; i++)
        free(t->ids[i]);
    free(t->ids);
    t->ids = NULL;
    t->n_ids = 0;
}

void gt_progress_term_free(struct gt_progress_term *t)
{
    if (!t)
        return;
    term_forget(t);
    free(t);
}

static void term_write(struct gt_progress_term *t, const char *s)
{
    (void)gt_write_all(t->fd, s, strlen(s));
}

static int term_width(int fd)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

int gt_progress_term_event(void *arg, const struct gt_progress_event *ev)
{
    struct gt_progress_term *t = arg;
    if (ev->error) {
        cleanup_free char *s = gt_xasprintf("%s\n", ev->error);
        term_write(t, s);
        return 0;
    }
    if (!ev->status)
        return 0;
    int width = t->tty ? term_width(t->fd) : 200;
    cleanup_free char *bar = ev->detail ? gt_progress_bar(ev->current, ev->total, width)
                                        : gt_xstrdup("");
    if (!t->tty) {
        /* Plain output: every status change, no byte counts. */
        if (*bar)
            return 0;
        cleanup_free char *s = ev->id ? gt_xasprintf("%s: %s\n", ev->id, ev->status)
                                      : gt_xasprintf("%s\n", ev->status);
        term_write(t, s);
        return 0;
    }
    if (!ev->id || !ev->detail) {
        /* A line of its own ends the block of layer lines above it. */
        term_forget(t);
        cleanup_free char *s = ev->id ? gt_xasprintf("%s: %s\n", ev->id, ev->status)
                                      : gt_xasprintf("%s\n", ev->status);
        term_write(t, s);
        return 0;
    }
    size_t line = t->n_ids;
    for (size_t i = 0; i < t->n_ids; i++)
        if (!strcmp(t->ids[i], ev->id))
            line = i;
    if (line == t->n_ids) {
        t->ids = gt_xrealloc(t->ids, (t->n_ids + 1) * sizeof *t->ids);
        t->ids[t->n_ids++] = gt_xstrdup(ev->id);
        term_write(t, "\n");
    }
    size_t up = t->n_ids - line;
    cleanup_free char *s = gt_xasprintf("\x1b[%zuA\x1b[2K\r%s: %s%s%s\r\x1b[%zuB", up, ev->id,
                                        ev->status, *bar ? " " : "", bar, up);
    term_write(t, s);
    return 0;
}
