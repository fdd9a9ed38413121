/* The HTTP client over libcurl: a pool of easy handles (one per call in
 * flight, reused for keep-alive), buffered and streamed answers, and raw
 * upgrades over CURLOPT_CONNECT_ONLY. */
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "http/client.h"
#include "http/internal.h"

#define POOL_MAX 8

struct gt_http_client {
    struct gt_http_client_opts o;
    char *base;       /* "http://localhost" for unix sockets */
    char *unix_path;
    char *auth;       /* "Authorization: Bearer ..." */
    bool tls;
    pthread_mutex_t lock;
    CURL *pool[POOL_MAX];
    int npool;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *opt_dup(const char *s)
{
    return s ? gt_xstrdup(s) : NULL;
}

int gt_http_client_new(const struct gt_http_client_opts *o, struct gt_http_client **out,
                       struct gt_error *err)
{
    if (!o->url)
        return gt_err(err, EINVAL, "HTTP client without an endpoint URL");
    pthread_once(&curl_once, curl_init_once);
    struct gt_http_client *c = gt_xcalloc(1, sizeof *c);
    c->o = *o;
    if (!strncmp(o->url, "unix://", 7)) {
        if (!o->url[7])
            return free(c), gt_err(err, EINVAL, "endpoint %s: no socket path", o->url);
        c->unix_path = gt_xstrdup(o->url + 7);
        c->base = gt_xstrdup("http://localhost");
    } else if (!strncmp(o->url, "http://", 7) || !strncmp(o->url, "https://", 8)) {
        c->base = gt_xstrdup(o->url);
        size_t n = strlen(c->base);
        if (n && c->base[n - 1] == '/')
            c->base[n - 1] = '\0';
        c->tls = o->url[4] == 's';
    } else {
        free(c);
        return gt_err(err, EINVAL, "endpoint %s: expected http://, https:// or unix://", o->url);
    }
    c->o.url = NULL;
    c->o.ca_file = opt_dup(o->ca_file);
    c->o.cert_file = opt_dup(o->cert_file);
    c->o.key_file = opt_dup(o->key_file);
    c->o.bearer_token = NULL;
    if (o->bearer_token)
        c->auth = gt_xasprintf("Authorization: Bearer %s", o->bearer_token);
    if (!c->o.timeout_ms)
        c->o.timeout_ms = 30000;
    if (!c->o.connect_timeout_ms)
        c->o.connect_timeout_ms = 10000;
    if (!c->o.max_response)
        c->o.max_response = 64 << 20;
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return 0;
}

void gt_http_client_free(struct gt_http_client *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->npool; i++)
        curl_easy_cleanup(c->pool[i]);
    free(c->base);
    free(c->unix_path);
    free(c->auth);
    free((char *)c->o.ca_file);
    free((char *)c->o.cert_file);
    free((char *)c->o.key_file);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static CURL *take(struct gt_http_client *c)
{
    pthread_mutex_lock(&c->lock);
    CURL *h = c->npool ? c->pool[--c->npool] : NULL;
    pthread_mutex_unlock(&c->lock);
    if (!h)
        h = curl_easy_init();
    if (!h)
        abort();
    curl_easy_reset(h); /* keeps the connection cache */
    return h;
}

static void give_back(struct gt_http_client *c, CURL *h)
{
    pthread_mutex_lock(&c->lock);
    if (c->npool < POOL_MAX) {
        c->pool[c->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    if (h)
        curl_easy_cleanup(h);
}

void gt_http_response_release(struct gt_http_response *r)
{
    gt_strv_free(r->headers);
    free(r->body);
    memset(r, 0, sizeof *r);
}

const char *gt_http_response_header(const struct gt_http_response *r, const char *name)
{
    size_t n = strlen(name);
    const char *found = NULL;
    for (char **h = r->headers; h && *h; h++)
        if (!strncasecmp(*h, name, n) && (*h)[n] == ':') {
            found = *h + n + 1;
            while (*found == ' ' || *found == '\t')
                found++;
        }
    return found;
}

/* ---- one transfer ---- */

struct xfer {
    struct gt_http_client *c;
    struct gt_http_response *resp;
    size_t max;
    bool too_big;
    /* streaming */
    gt_http_stream_fn fn;
    void *ctx;
    enum gt_http_stream_mode mode;
    char *line;
    size_t llen, lcap;
    bool cancelled;
    long status; /* of the current response head */
};

static size_t on_header(char *data, size_t size, size_t n, void *p)
{
    struct xfer *x = p;
    size_t len = size * n;
    if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
        /* a new head (after a 100 Continue, say): forget the last one */
        gt_strv_free(x->resp->headers);
        x->resp->headers = NULL;
        const char *sp = memchr(data, ' ', len);
        x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        return len;
    }
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len) {
        cleanup_free char *h = gt_xstrndup(data, len);
        gt_strv_push(&x->resp->headers, h);
    }
    return size * n;
}

static size_t buffer_body(struct xfer *x, const char *data, size_t len)
{
    struct gt_http_response *r = x->resp;
    if (r->len + len > x->max) {
        x->too_big = true;
        return 0;
    }
    char *nb = realloc(r->body, r->len + len + 1);
    if (!nb) {
        x->too_big = true;
        return 0;
    }
    r->body = nb;
    memcpy(r->body + r->len, data, len);
    r->len += len;
    r->body[r->len] = '\0';
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *p)
{
    struct xfer *x = p;
    size_t len = size * n;
    if (!x->fn || x->status < 200 || x->status >= 300)
        return buffer_body(x, data, len);
    if (x->mode == GT_HTTP_CHUNKS) {
        if (x->fn(data, len, x->ctx)) {
            x->cancelled = true;
            return 0;
        }
        return len;
    }
    for (size_t i = 0; i < len; i++) {
        if (data[i] != '\n') {
            if (x->llen + 1 >= x->lcap) {
                if (x->lcap >= x->max) {
                    x->too_big = true;
                    return 0;
                }
                x->lcap = x->lcap ? x->lcap * 2 : 4096;
                x->line = gt_xrealloc(x->line, x->lcap);
            }
            x->line[x->llen++] = data[i];
            continue;
        }
        if (x->line)
            x->line[x->llen] = '\0';
        if (x->fn(x->line ? x->line : "", x->llen, x->ctx)) {
            x->cancelled = true;
            return 0;
        }
        x->llen = 0;
    }
    return len;
}

static void setup(struct gt_http_client *c, CURL *h, const char *path, char *errbuf)
{
    cleanup_free char *url = gt_xasprintf("%s%s", c->base, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->o.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    if (c->unix_path)
        curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->unix_path);
    if (c->tls) {
        if (c->o.ca_file)
            curl_easy_setopt(h, CURLOPT_CAINFO, c->o.ca_file);
        if (c->o.cert_file)
            curl_easy_setopt(h, CURLOPT_SSLCERT, c->o.cert_file);
        if (c->o.key_file)
            curl_easy_setopt(h, CURLOPT_SSLKEY, c->o.key_file);
        if (c->o.insecure) {
            curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
        }
    }
}

static struct curl_slist *make_headers(struct gt_http_client *c, const char *const *headers,
                                       const char *content_type)
{
    struct curl_slist *l = NULL;
    /* no "Expect: 100-continue" wait on larger bodies */
    l = curl_slist_append(l, "Expect:");
    if (c->auth)
        l = curl_slist_append(l, c->auth);
    if (content_type)
        l = curl_slist_append(l, content_type);
    for (const char *const *hd = headers; hd && *hd; hd++)
        l = curl_slist_append(l, *hd);
    return l;
}

static int curl_errno(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return ETIMEDOUT;
    case CURLE_COULDNT_CONNECT:
        return ECONNREFUSED;
    case CURLE_COULDNT_RESOLVE_HOST:
        return EHOSTUNREACH;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        return EPROTO;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        return ECONNRESET;
    default:
        return EIO;
    }
}

static int perform(struct gt_http_client *c, const char *method, const char *path,
                   const char *const *headers, const void *body, size_t len,
                   const char *content_type, struct xfer *x, int timeout_ms, int idle_ms,
                   struct gt_error *err)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *h = take(c);
    setup(c, h, path, errbuf);
    struct curl_slist *hl = make_headers(c, headers, content_type);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0 || body)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (timeout_ms > 0)
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    if (idle_ms > 0) {
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)((idle_ms + 999) / 1000));
    }
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hl);
    give_back(c, h);
    x->resp->status = (int)status;
    const char *where = c->unix_path ? c->unix_path : c->base;
    if (x->cancelled)
        return gt_err(err, ECANCELED, "%s %s%s: stream stopped by the reader", method, where, path);
    if (x->too_big)
        return gt_err(err, EFBIG, "%s %s%s: answer larger than %zu bytes", method, where, path,
                      x->max);
    if (rc == CURLE_OPERATION_TIMEDOUT && idle_ms > 0)
        return gt_err(err, ETIMEDOUT, "%s %s%s: nothing received for %d ms", method, where, path,
                      idle_ms);
    if (rc != CURLE_OK)
        return gt_err(err, curl_errno(rc), "%s %s%s: %s", method, where, path,
                      errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return 0;
}

int gt_http_client_request(struct gt_http_client *c, const char *method, const char *path,
                           const char *const *headers, const void *body, size_t len,
                           struct gt_http_response *resp, struct gt_error *err)
{
    memset(resp, 0, sizeof *resp);
    struct xfer x = { .c = c, .resp = resp, .max = c->o.max_response };
    int r = perform(c, method, path, headers, body, len, NULL, &x, c->o.timeout_ms, 0, err);
    if (r < 0)
        gt_http_response_release(resp);
    return r;
}

int gt_http_client_json(struct gt_http_client *c, const char *method, const char *path,
                        const json_t *body, int *status, json_t **out, struct gt_error *err)
{
    cleanup_free char *b = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (body && !b)
        return gt_err(err, EINVAL, "%s %s: cannot encode the request body", method, path);
    struct gt_http_response resp = { 0 };
    struct xfer x = { .c = c, .resp = &resp, .max = c->o.max_response };
    static const char *const accept[] = { "Accept: application/json", NULL };
    int r = perform(c, method, path, accept, b, b ? strlen(b) : 0,
                    b ? "Content-Type: application/json" : NULL, &x, c->o.timeout_ms, 0, err);
    if (r < 0)
        return r;
    if (status)
        *status = resp.status;
    if (out) {
        *out = NULL;
        if (resp.len > 0) {
            json_error_t je;
            *out = json_loadb(resp.body, resp.len, 0, &je);
            if (!*out) {
                r = gt_err(err, EBADMSG, "%s %s: answer (status %d) is not JSON: %s", method, path,
                           resp.status, je.text);
            }
        }
    }
    gt_http_response_release(&resp);
    return r;
}

int gt_http_client_stream(struct gt_http_client *c, const char *method, const char *path,
                          const char *const *headers, const void *body, size_t len,
                          enum gt_http_stream_mode mode, int idle_timeout_ms, gt_http_stream_fn fn,
                          void *ctx, struct gt_http_response *resp, struct gt_error *err)
{
    memset(resp, 0, sizeof *resp);
    struct xfer x = {
        .c = c, .resp = resp, .max = c->o.max_response, .fn = fn, .ctx = ctx, .mode = mode,
    };
    int r = perform(c, method, path, headers, body, len, NULL, &x, -1, idle_timeout_ms, err);
    /* a last line without '\n' */
    if (r == 0 && mode == GT_HTTP_LINES && x.llen > 0 && resp->status >= 200 &&
        resp->status < 300) {
        x.line[x.llen] = '\0';
        if (fn(x.line, x.llen, ctx))
            r = gt_err(err, ECANCELED, "%s %s: stream stopped by the reader", method, path);
    }
    free(x.line);
    return r;
}

/* ---- raw upgrade ---- */

struct gt_http_client_conn {
    struct gt_http_conn base;
    CURL *h;
    curl_socket_t fd;
    bool tls;
    pthread_mutex_t lock; /* around each (non-blocking) curl send/recv */
    char *pend;           /* received but not yet read */
    size_t pstart, plen;
};

static struct gt_http_client_conn *cc_of(struct gt_http_conn *c)
{
    return (struct gt_http_client_conn *)((char *)c - offsetof(struct gt_http_client_conn, base));
}

/* One non-blocking receive: > 0, 0 at EOF, -EAGAIN, -errno. */
static ssize_t cc_recv_once(struct gt_http_client_conn *cc, void *buf, size_t len)
{
    size_t n = 0;
    pthread_mutex_lock(&cc->lock);
    CURLcode rc = curl_easy_recv(cc->h, buf, len, &n);
    pthread_mutex_unlock(&cc->lock);
    if (rc == CURLE_AGAIN)
        return -EAGAIN;
    if (rc != CURLE_OK)
        return -ECONNRESET;
    return (ssize_t)n;
}

static ssize_t cc_read(struct gt_http_conn *c, void *buf, size_t len)
{
    struct gt_http_client_conn *cc = cc_of(c);
    if (cc->plen > cc->pstart) {
        size_t n = cc->plen - cc->pstart < len ? cc->plen - cc->pstart : len;
        memcpy(buf, cc->pend + cc->pstart, n);
        cc->pstart += n;
        return (ssize_t)n;
    }
    for (;;) {
        ssize_t n = cc_recv_once(cc, buf, len);
        if (n != -EAGAIN)
            return n;
        int r = gt_http_poll_fd(cc->fd, POLLIN, -1, -1);
        if (r < 0)
            return r;
    }
}

static int cc_write(struct gt_http_conn *c, const void *buf, size_t len)
{
    struct gt_http_client_conn *cc = cc_of(c);
    size_t off = 0;
    while (off < len) {
        size_t n = 0;
        pthread_mutex_lock(&cc->lock);
        CURLcode rc = curl_easy_send(cc->h, (const char *)buf + off, len - off, &n);
        pthread_mutex_unlock(&cc->lock);
        if (rc == CURLE_AGAIN) {
            int r = gt_http_poll_fd(cc->fd, POLLOUT, -1, -1);
            if (r < 0)
                return r;
            continue;
        }
        if (rc != CURLE_OK)
            return -EPIPE;
        off += n;
    }
    return 0;
}

static int cc_shutdown_write(struct gt_http_conn *c)
{
    struct gt_http_client_conn *cc = cc_of(c);
    if (cc->tls)
        return -ENOTSUP;
    return shutdown(cc->fd, SHUT_WR) < 0 ? -errno : 0;
}

static int cc_wait(struct gt_http_conn *c, int timeout_ms, int wake_fd)
{
    struct gt_http_client_conn *cc = cc_of(c);
    if (cc->plen > cc->pstart)
        return 1;
    /* TLS may hold decrypted bytes that poll() cannot see: try first */
    char buf[4096];
    ssize_t n = cc_recv_once(cc, buf, sizeof buf);
    if (n != -EAGAIN) {
        if (n > 0) {
            free(cc->pend);
            cc->pend = gt_xmalloc(n);
            memcpy(cc->pend, buf, n);
            cc->pstart = 0;
            cc->plen = n;
        }
        return 1; /* data, EOF or an error: a read will not block */
    }
    return gt_http_poll_fd(cc->fd, POLLIN, timeout_ms, wake_fd);
}

static int cc_fd(struct gt_http_conn *c)
{
    return (int)cc_of(c)->fd;
}

static const struct gt_http_conn_ops client_conn_ops = {
    .read = cc_read,
    .write = cc_write,
    .shutdown_write = cc_shutdown_write,
    .wait_readable = cc_wait,
    .fd = cc_fd,
};

struct gt_http_conn *gt_http_client_conn_conn(struct gt_http_client_conn *cc)
{
    return &cc->base;
}

void gt_http_client_conn_free(struct gt_http_client_conn *cc)
{
    if (!cc)
        return;
    curl_easy_cleanup(cc->h);
    free(cc->pend);
    pthread_mutex_destroy(&cc->lock);
    free(cc);
}

/* Parses "HTTP/1.1 101 ...\r\nName: value\r\n...\r\n\r\n". */
static int parse_response_head(char *head, struct gt_http_response *resp)
{
    char *save = NULL;
    char *line = strtok_r(head, "\r\n", &save);
    if (!line || strncmp(line, "HTTP/1.", 7) != 0 || strlen(line) < 12)
        return -EBADMSG;
    resp->status = (int)strtol(line + 9, NULL, 10);
    while ((line = strtok_r(NULL, "\r\n", &save)) != NULL)
        gt_strv_push(&resp->headers, line);
    return 0;
}

int gt_http_client_upgrade(struct gt_http_client *c, const char *method, const char *path,
                           const char *const *headers, const void *body, size_t len,
                           struct gt_http_response *resp, struct gt_http_client_conn **out,
                           struct gt_error *err)
{
    memset(resp, 0, sizeof *resp);
    char errbuf[CURL_ERROR_SIZE] = "";
    struct gt_http_client_conn *cc = gt_xcalloc(1, sizeof *cc);
    cc->base.ops = &client_conn_ops;
    cc->tls = c->tls;
    pthread_mutex_init(&cc->lock, NULL);
    cc->h = curl_easy_init();
    if (!cc->h)
        abort();
    setup(c, cc->h, path, errbuf);
    curl_easy_setopt(cc->h, CURLOPT_CONNECT_ONLY, 1L);
    const char *where = c->unix_path ? c->unix_path : c->base;
    CURLcode rc = curl_easy_perform(cc->h);
    if (rc != CURLE_OK) {
        gt_http_client_conn_free(cc);
        return gt_err(err, curl_errno(rc), "%s %s%s: %s", method, where, path,
                      errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    curl_easy_getinfo(cc->h, CURLINFO_ACTIVESOCKET, &cc->fd);

    /* the request, by hand: libcurl does not hand over the connection of
     * a 101 answer */
    struct {
        char *s;
        size_t n;
    } rq = { 0 };
    FILE *f = open_memstream(&rq.s, &rq.n);
    if (!f)
        abort();
    fprintf(f, "%s %s HTTP/1.1\r\nHost: localhost\r\n", method, path);
    if (c->auth)
        fprintf(f, "%s\r\n", c->auth);
    for (const char *const *hd = headers; hd && *hd; hd++)
        fprintf(f, "%s\r\n", *hd);
    if (body || !strcmp(method, "POST") || !strcmp(method, "PUT"))
        fprintf(f, "Content-Length: %zu\r\n", len);
    fputs("\r\n", f);
    if (body && len)
        fwrite(body, 1, len, f);
    fclose(f);
    int r = cc_write(&cc->base, rq.s, rq.n);
    free(rq.s);
    if (r < 0) {
        gt_http_client_conn_free(cc);
        return gt_err_sys(err, -r, "%s %s%s: send the request", method, where, path);
    }

    /* the response head; what follows it stays for the first reads */
    size_t cap = 4096, n = 0;
    char *buf = gt_xmalloc(cap + 1);
    char *end = NULL;
    int tmo = c->o.timeout_ms > 0 ? c->o.timeout_ms : -1;
    while (!end) {
        if (n == cap) {
            if (cap >= 64 * 1024) {
                free(buf);
                gt_http_client_conn_free(cc);
                return gt_err(err, EBADMSG, "%s %s%s: response head too large", method, where, path);
            }
            cap *= 2;
            buf = gt_xrealloc(buf, cap + 1);
        }
        ssize_t m = cc_recv_once(cc, buf + n, cap - n);
        if (m == -EAGAIN) {
            int w = gt_http_poll_fd(cc->fd, POLLIN, tmo, -1);
            if (w <= 0) {
                free(buf);
                gt_http_client_conn_free(cc);
                return gt_err(err, w == 0 ? ETIMEDOUT : -w, "%s %s%s: no response", method, where,
                              path);
            }
            continue;
        }
        if (m <= 0) {
            free(buf);
            gt_http_client_conn_free(cc);
            return gt_err(err, ECONNRESET, "%s %s%s: connection closed before the response",
                          method, where, path);
        }
        n += m;
        buf[n] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    size_t hl = end + 4 - buf;
    cc->plen = n - hl;
    cc->pend = gt_xmalloc(cc->plen + 1);
    memcpy(cc->pend, buf + hl, cc->plen);
    end[2] = '\0';
    r = parse_response_head(buf, resp);
    free(buf);
    if (r < 0) {
        gt_http_client_conn_free(cc);
        gt_http_response_release(resp);
        return gt_err(err, EBADMSG, "%s %s%s: malformed response head", method, where, path);
    }
    if (resp->status == 101 || (resp->status >= 200 && resp->status < 300)) {
        *out = cc;
        return 0;
    }
    /* refused: keep a little of the body for the caller's message */
    resp->body = cc->plen ? gt_xstrndup(cc->pend, cc->plen) : NULL;
    resp->len = resp->body ? strlen(resp->body) : 0;
    gt_http_client_conn_free(cc);
    *out = NULL;
    return 0;
}
