/* Helpers for the http tests: raw client sockets with timeouts, and reading
 * HTTP responses byte-exactly (so tests see what a real client sees). */
#ifndef GT_TEST_HTTP_UTIL_H
#define GT_TEST_HTTP_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static inline void th_timeouts(int fd, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static inline int th_connect_unix(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    th_timeouts(fd, 5000);
    return fd;
}

static inline int th_connect_tcp(const char *ip, int port)
{
    bool v6 = strchr(ip, ':') != NULL;
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int r;
    if (v6) {
        struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
        inet_pton(AF_INET6, ip, &sa.sin6_addr);
        r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    } else {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
        inet_pton(AF_INET, ip, &sa.sin_addr);
        r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    }
    if (r < 0) {
        close(fd);
        return -1;
    }
    th_timeouts(fd, 5000);
    return fd;
}

static inline bool th_send(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        s += w;
        n -= w;
    }
    return true;
}
#define th_sends(fd, s) th_send(fd, s, strlen(s))

/* A response read from a raw socket. */
struct th_resp {
    int status;
    char head[8192]; /* status line and headers, as received */
    char *body;      /* de-chunked, NUL-terminated */
    size_t len;
    bool chunked;
};

/* Reads one byte at a time up to the end of the head: leaves what follows
 * (the body, the next response) in the socket. */
static inline bool th_read_head(int fd, struct th_resp *r)
{
    size_t n = 0;
    memset(r, 0, sizeof *r);
    while (n + 1 < sizeof r->head) {
        ssize_t m = recv(fd, r->head + n, 1, 0);
        if (m <= 0)
            return false;
        n++;
        r->head[n] = '\0';
        if (n >= 4 && !memcmp(r->head + n - 4, "\r\n\r\n", 4))
            break;
    }
    if (strncmp(r->head, "HTTP/1.1 ", 9) != 0)
        return false;
    r->status = atoi(r->head + 9);
    return true;
}

/* The value of a header in r->head (case-sensitive name), copied. */
static inline const char *th_header(struct th_resp *r, const char *name, char *out, size_t outsz)
{
    char key[128];
    snprintf(key, sizeof key, "\r\n%s: ", name);
    const char *p = strstr(r->head, key);
    if (!p)
        return NULL;
    p += strlen(key);
    size_t n = strcspn(p, "\r");
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

static inline bool th_read_n(int fd, char *buf, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t m = recv(fd, buf + off, n - off, 0);
        if (m <= 0)
            return false;
        off += m;
    }
    return true;
}

static inline bool th_read_line(int fd, char *buf, size_t max)
{
    size_t n = 0;
    while (n + 1 < max) {
        if (recv(fd, buf + n, 1, 0) != 1)
            return false;
        if (buf[n] == '\n') {
            if (n > 0 && buf[n - 1] == '\r')
                n--;
            buf[n] = '\0';
            return true;
        }
        n++;
    }
    return false;
}

/* Head and body (Content-Length or chunked; HEAD: none). */
static inline bool th_read_resp(int fd, struct th_resp *r, bool head_request)
{
    if (!th_read_head(fd, r))
        return false;
    char v[64];
    r->body = calloc(1, 1);
    if (head_request || r->status == 204 || r->status == 304 || r->status < 200)
        return true;
    if (th_header(r, "Content-Length", v, sizeof v)) {
        r->len = strtoul(v, NULL, 10);
        r->body = realloc(r->body, r->len + 1);
        r->body[r->len] = '\0';
        return th_read_n(fd, r->body, r->len);
    }
    if (th_header(r, "Transfer-Encoding", v, sizeof v) && !strcmp(v, "chunked")) {
        r->chunked = true;
        for (;;) {
            char line[64];
            if (!th_read_line(fd, line, sizeof line))
                return false;
            size_t n = strtoul(line, NULL, 16);
            if (n == 0)
                return th_read_line(fd, line, sizeof line);
            r->body = realloc(r->body, r->len + n + 1);
            if (!th_read_n(fd, r->body + r->len, n))
                return false;
            r->len += n;
            r->body[r->len] = '\0';
            if (!th_read_line(fd, line, sizeof line))
                return false;
        }
    }
    /* close-delimited */
    char buf[4096];
    ssize_t m;
    while ((m = recv(fd, buf, sizeof buf, 0)) > 0) {
        r->body = realloc(r->body, r->len + m + 1);
        memcpy(r->body + r->len, buf, m);
        r->len += m;
        r->body[r->len] = '\0';
    }
    return true;
}

static inline void th_resp_free(struct th_resp *r)
{
    free(r->body);
    r->body = NULL;
}

static inline double th_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

#endif
