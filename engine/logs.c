/* Reading the json-file logs (engine/jsonlog.h): the rotated files oldest
 * first, tail, since/until, stream selection, and follow (which notices a
 * rotation by the file's inode and ends once the container has stopped and
 * everything written is sent). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/internal.h"

int64_t eng_parse_time_ns(const char *s)
{
    if (!s || !*s)
        return 0;
    struct tm tm = { 0 };
    int n = 0;
    if (sscanf(s, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    int64_t ns = 0;
    const char *p = s + n;
    if (*p == '.') {
        int64_t scale = 100000000;
        for (p++; *p >= '0' && *p <= '9'; p++) {
            ns += (*p - '0') * scale;
            scale /= 10;
        }
    }
    int64_t off = 0;
    if (*p == '+' || *p == '-') {
        int hh = 0, mm = 0;
        sscanf(p + 1, "%d:%d", &hh, &mm);
        off = (hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
    }
    time_t t = timegm(&tm);
    return ((int64_t)t - off) * 1000000000 + ns;
}

struct record {
    int stream;
    int64_t ns;
    char *data;
    size_t len;
};

/* Parses one log line; 0 when it is not a record. */
static int parse_line(const char *line, size_t len, struct record *rec)
{
    json_error_t je;
    json_t *j = json_loadb(line, len, JSON_ALLOW_NUL, &je);
    if (!j)
        return 0;
    const char *stream = json_string_value(json_object_get(j, "stream"));
    json_t *log = json_object_get(j, "log");
    if (!stream || !json_is_string(log)) {
        json_decref(j);
        return 0;
    }
    rec->stream = !strcmp(stream, "stderr") ? 2 : 1;
    rec->ns = eng_parse_time_ns(json_string_value(json_object_get(j, "time")));
    rec->len = json_string_length(log);
    rec->data = gt_xmalloc(rec->len + 1);
    memcpy(rec->data, json_string_value(log), rec->len);
    rec->data[rec->len] = '\0';
    json_decref(j);
    return 1;
}

struct reader {
    const struct gt_logs_options *o;
    gt_engine_emit_fn emit;
    void *ctx;
    /* tail: a ring of the last records */
    struct record *ring;
    long ring_n, ring_pos, ring_count;
    bool past_until;
};

static bool wanted(struct reader *rd, const struct record *rec)
{
    if (rec->stream == 1 && !rd->o->want_stdout)
        return false;
    if (rec->stream == 2 && !rd->o->want_stderr)
        return false;
    if (rd->o->since_ns > 0 && rec->ns < rd->o->since_ns)
        return false;
    if (rd->o->until_ns > 0 && rec->ns > rd->o->until_ns) {
        rd->past_until = true;
        return false;
    }
    return true;
}

/* Takes rec (its data): emits it, or keeps it for the tail. */
static int deliver(struct reader *rd, struct record *rec, bool live)
{
    if (!wanted(rd, rec)) {
        free(rec->data);
        return 0;
    }
    if (!live && rd->ring_n > 0) {
        struct record *slot = &rd->ring[rd->ring_pos];
        free(slot->data);
        *slot = *rec;
        rd->ring_pos = (rd->ring_pos + 1) % rd->ring_n;
        if (rd->ring_count < rd->ring_n)
            rd->ring_count++;
        return 0;
    }
    int r = rd->emit(rd->ctx, rec->stream, rec->data, rec->len, rec->ns);
    free(rec->data);
    return r < 0 ? -ECANCELED : 0;
}

static int flush_tail(struct reader *rd)
{
    int r = 0;
    long start = (rd->ring_pos - rd->ring_count + rd->ring_n) % (rd->ring_n ? rd->ring_n : 1);
    for (long i = 0; i < rd->ring_count; i++) {
        struct record *rec = &rd->ring[(start + i) % rd->ring_n];
        if (r == 0 && rd->emit(rd->ctx, rec->stream, rec->data, rec->len, rec->ns) < 0)
            r = -ECANCELED;
        free(rec->data);
        rec->data = NULL;
    }
    rd->ring_count = 0;
    return r;
}

/* Reads the complete lines of fd from *off; a partial last line waits. */
static int read_lines(struct reader *rd, int fd, off_t *off, bool live)
{
    char buf[65536];
    char *pend = NULL;
    size_t plen = 0;
    int r = 0;
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof buf, *off + (off_t)plen);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        pend = gt_xrealloc(pend, plen + (size_t)n);
        memcpy(pend + plen, buf, (size_t)n);
        plen += (size_t)n;
        char *start = pend, *nl;
        while ((nl = memchr(start, '\n', plen - (size_t)(start - pend)))) {
            struct record rec;
            if (parse_line(start, (size_t)(nl - start), &rec) && (r = deliver(rd, &rec, live)) < 0)
                goto out;
            start = nl + 1;
        }
        size_t used = (size_t)(start - pend);
        *off += (off_t)used;
        memmove(pend, start, plen - used);
        plen -= used;
    }
out:
    free(pend);
    return r;
}

int eng_logs_read(struct gt_engine *e, struct container *c, const struct gt_logs_options *o,
              gt_engine_emit_fn emit, void *ctx, int cancel_fd, struct gt_error *err)
{
    struct reader rd = { .o = o, .emit = emit, .ctx = ctx };
    if (o->tail >= 0) {
        rd.ring_n = o->tail;
        rd.ring = rd.ring_n ? gt_xcalloc((size_t)rd.ring_n, sizeof *rd.ring) : NULL;
    }
    bool tail_zero = o->tail == 0;
    int r = 0;
    /* rotated files first, oldest first */
    for (int i = 64; i >= 1 && r == 0; i--) {
        cleanup_free char *p = gt_xasprintf("%s.%d", c->log_path, i);
        cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        off_t off = 0;
        if (!tail_zero)
            r = read_lines(&rd, fd, &off, false);
    }
    int fd = open(c->log_path, O_RDONLY | O_CLOEXEC);
    off_t off = 0;
    if (fd >= 0 && r == 0) {
        if (tail_zero) {
            struct stat st;
            off = fstat(fd, &st) == 0 ? st.st_size : 0;
        } else {
            r = read_lines(&rd, fd, &off, false);
        }
    }
    if (r == 0)
        r = flush_tail(&rd);
    for (long i = 0; i < rd.ring_n; i++)
        free(rd.ring[i].data);
    free(rd.ring);
    rd.ring_n = 0;
    if (r < 0 || !o->follow || rd.past_until || (o->until_ns > 0 && o->until_ns < eng_now_ns())) {
        if (fd >= 0)
            close(fd);
        return r < 0 ? gt_err(err, ECANCELED, "logs: the client went away") : 0;
    }
    /* follow: until the container stops and its log is read to the end */
    for (;;) {
        pthread_mutex_lock(&c->lock);
        bool live = (c->status == ST_RUNNING || c->status == ST_PAUSED) && !c->removed;
        pthread_mutex_unlock(&c->lock);
        if (fd < 0)
            fd = open(c->log_path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            if ((r = read_lines(&rd, fd, &off, true)) < 0)
                break;
            /* rotated: finish the old file (done above), go on with the new */
            struct stat a, b;
            if (stat(c->log_path, &a) == 0 && fstat(fd, &b) == 0 && a.st_ino != b.st_ino) {
                close(fd);
                fd = open(c->log_path, O_RDONLY | O_CLOEXEC);
                off = 0;
                continue;
            }
        }
        if (!live || e->stopping)
            break;
        if (o->until_ns > 0 && eng_now_ns() > o->until_ns)
            break;
        if (eng_cancelled(cancel_fd, -1)) {
            r = -ECANCELED;
            break;
        }
        struct timespec ts = { 0, 50000000 };
        nanosleep(&ts, NULL);
    }
    if (fd >= 0)
        close(fd);
    if (r < 0)
        return gt_err(err, ECANCELED, "logs: the client went away");
    return 0;
}

int gt_engine_container_logs(struct gt_engine *e, const char *ref,
                             const struct gt_logs_options *o, gt_engine_emit_fn emit, void *ctx,
                             int cancel_fd, struct gt_error *err)
{
    struct container *c;
    int r = eng_ctr_find(e, ref, &c, err);
    if (r < 0)
        return r;
    const char *lt = json_string_value(json_object_get(json_object_get(c->host, "LogConfig"), "Type"));
    if (lt && !strcmp(lt, "none")) {
        eng_ctr_unref(c);
        return gt_err(err, EINVAL, "configured logging driver does not support reading");
    }
    r = eng_logs_read(e, c, o, emit, ctx, cancel_fd, err);
    eng_ctr_unref(c);
    return r;
}
