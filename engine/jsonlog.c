#include "engine/jsonlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/mem.h"

static const char *const stream_names[] = { "stdin", "stdout", "stderr" };

void gt_jsonlog_time(int64_t ns, char out[40])
{
    int64_t frac = ns % 1000000000;
    time_t s = (time_t)(ns / 1000000000);
    if (frac < 0) { /* before 1970: the second below, and a positive fraction */
        frac += 1000000000;
        s--;
    }
    struct tm tm;
    gmtime_r(&s, &tm);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%09ldZ", date, (long)frac);
}

static void reserve(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    *buf = gt_xrealloc(*buf, n);
    *cap = n;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        n = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* overlong forms, surrogates, beyond U+10FFFF */
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return n;
}

size_t gt_jsonlog_escape(const char *str, size_t len, char **buf, size_t *cap, size_t off)
{
    const unsigned char *s = (const unsigned char *)str;
    reserve(buf, cap, off + len * 6 + 1);
    char *o = *buf + off;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            *o++ = (char)c;
            i++;
            continue;
        }
        switch (c) {
        case '"': *o++ = '\\'; *o++ = '"'; i++; continue;
        case '\\': *o++ = '\\'; *o++ = '\\'; i++; continue;
        case '\n': *o++ = '\\'; *o++ = 'n'; i++; continue;
        case '\r': *o++ = '\\'; *o++ = 'r'; i++; continue;
        case '\t': *o++ = '\\'; *o++ = 't'; i++; continue;
        default: break;
        }
        if (c < 0x20) {
            o += sprintf(o, "\\u%04x", c);
            i++;
            continue;
        }
        size_t n = utf8_seq(s + i, len - i);
        if (n == 0) {
            memcpy(o, "\\ufffd", 6);
            o += 6;
            i++;
            continue;
        }
        memcpy(o, s + i, n);
        o += n;
        i += n;
    }
    *o = '\0';
    return (size_t)(o - *buf);
}

int gt_jsonlog_open(struct gt_jsonlog_writer *w, const char *path, int64_t max_size,
                    int max_files)
{
    memset(w, 0, sizeof *w);
    w->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (w->fd < 0)
        return -errno;
    struct stat st;
    if (fstat(w->fd, &st) == 0)
        w->size = st.st_size;
    w->path = gt_xstrdup(path);
    w->max_size = max_size;
    w->max_files = max_files < 1 ? 1 : max_files;
    for (int i = 1; i <= 2; i++)
        w->partial[i] = gt_xmalloc(GT_JSONLOG_LINE_MAX);
    return 0;
}

static void rotate(struct gt_jsonlog_writer *w)
{
    if (w->max_files <= 1) {
        if (ftruncate(w->fd, 0) == 0)
            w->size = 0;
        return;
    }
    size_t plen = strlen(w->path) + 16;
    char *from = gt_xmalloc(plen), *to = gt_xmalloc(plen);
    for (int i = w->max_files - 1; i >= 1; i--) {
        snprintf(to, plen, "%s.%d", w->path, i);
        if (i == 1)
            snprintf(from, plen, "%s", w->path);
        else
            snprintf(from, plen, "%s.%d", w->path, i - 1);
        rename(from, to); /* a missing older file is fine */
    }
    free(from);
    free(to);
    int fd = open(w->path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd >= 0) {
        close(w->fd);
        w->fd = fd;
        w->size = 0;
    }
}

static void write_record(struct gt_jsonlog_writer *w, int stream, const char *data, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char tbuf[40];
    gt_jsonlog_time((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, tbuf);
    static const char head[] = "{\"log\":\"";
    reserve(&w->buf, &w->bufcap, sizeof head);
    memcpy(w->buf, head, sizeof head - 1);
    size_t n = gt_jsonlog_escape(data, len, &w->buf, &w->bufcap, sizeof head - 1);
    reserve(&w->buf, &w->bufcap, n + 96);
    n += (size_t)snprintf(w->buf + n, w->bufcap - n, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
                          stream_names[stream], tbuf);
    if (gt_write_all(w->fd, w->buf, n) == 0)
        w->size += (int64_t)n;
    if (w->max_size > 0 && w->size >= w->max_size)
        rotate(w);
}

void gt_jsonlog_write(struct gt_jsonlog_writer *w, int stream, const char *data, size_t len)
{
    if (w->fd < 0 || stream < 1 || stream > 2)
        return;
    char *p = w->partial[stream];
    size_t *pl = &w->plen[stream];
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) + 1 : len;
        if (*pl + take > GT_JSONLOG_LINE_MAX)
            take = GT_JSONLOG_LINE_MAX - *pl;
        memcpy(p + *pl, data, take);
        *pl += take;
        data += take;
        len -= take;
        if (p[*pl - 1] == '\n' || *pl == GT_JSONLOG_LINE_MAX) {
            write_record(w, stream, p, *pl);
            *pl = 0;
        }
    }
}

void gt_jsonlog_flush(struct gt_jsonlog_writer *w)
{
    for (int s = 1; s <= 2; s++)
        if (w->plen[s]) {
            write_record(w, s, w->partial[s], w->plen[s]);
            w->plen[s] = 0;
        }
}

void gt_jsonlog_close(struct gt_jsonlog_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    free(w->path);
    free(w->buf);
    for (int i = 0; i < 3; i++)
        free(w->partial[i]);
    memset(w, 0, sizeof *w);
    w->fd = -1;
}
