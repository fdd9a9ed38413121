/* image/registry_http.c - one registry request over libcurl: scheme choice
 * for insecure hosts, TLS files per host, an auth challenge answered once,
 * redirects followed by hand (so that credentials stay with their origin),
 * Range requests whose answer is normalised (a server that ignores Range
 * has its first bytes skipped), and cancellation. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "image/registry_int.h"

#define TICK_NS 100000000L /* byte progress at most every 100 ms */

enum body_mode { MODE_UNDECIDED, MODE_STREAM, MODE_BUFFER, MODE_BUFFER_TRUNC };

struct xfer {
    struct reg_conn *conn;
    const struct reg_req *req;
    struct reg_resp *resp;
    bool has_body;
    int64_t up_done;
    enum body_mode mode;
    int64_t skip;
    size_t limit;
    size_t cap;
    int fail_rc; /* a callback's own failure, with fail_err */
    struct gt_error fail_err;
    bool cancelled;
    struct timespec last_tick;
};

void reg_resp_release(struct reg_resp *r)
{
    free(r->body);
    free(r->url);
    free(r->content_type);
    free(r->docker_digest);
    free(r->location);
    free(r->range);
    gt_strv_free(r->www_authenticate);
    memset(r, 0, sizeof *r);
    r->content_length = -1;
}

static void tick(struct xfer *x, int64_t bytes, bool force)
{
    if (!x->req->on_bytes)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ns = (now.tv_sec - x->last_tick.tv_sec) * 1000000000L +
              (now.tv_nsec - x->last_tick.tv_nsec);
    if (!force && ns < TICK_NS)
        return;
    x->last_tick = now;
    x->req->on_bytes(x->req->bytes_arg, bytes);
}

static bool cancelled(struct xfer *x)
{
    if (reg_session_cancelled(x->conn->s))
        x->cancelled = true;
    return x->cancelled;
}

/* "bytes <first>-<last>/<total>" */
static int content_range_start(CURL *curl, int64_t *start)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(curl, "Content-Range", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
        return -1;
    long long a;
    if (sscanf(h->value, "bytes %lld-", &a) != 1)
        return -1;
    *start = a;
    return 0;
}

static bool decide_mode(struct xfer *x)
{
    long status = 0;
    curl_easy_getinfo(x->conn->curl, CURLINFO_RESPONSE_CODE, &status);
    const struct reg_req *req = x->req;
    if (status >= 200 && status < 300 && req->write) {
        x->mode = MODE_STREAM;
        if (req->range_from > 0) {
            int64_t start = -1;
            if (status == 206) {
                if (content_range_start(x->conn->curl, &start) < 0 || start != req->range_from) {
                    x->fail_rc = gt_err(&x->fail_err, EPROTO,
                                        "asked for bytes from %lld, the server answered a "
                                        "range from %lld",
                                        (long long)req->range_from, (long long)start);
                    return false;
                }
            } else {
                /* The server ignored Range: drop what we have already. */
                x->skip = req->range_from;
            }
        }
    } else if (status >= 200 && status < 300) {
        x->mode = MODE_BUFFER;
        x->limit = req->max_body ? req->max_body : REG_ERROR_BODY_MAX;
    } else {
        x->mode = MODE_BUFFER_TRUNC;
        x->limit = REG_ERROR_BODY_MAX;
    }
    return true;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *arg)
{
    struct xfer *x = arg;
    size_t n = size * nmemb;
    if (cancelled(x))
        return 0;
    if (x->mode == MODE_UNDECIDED && !decide_mode(x))
        return 0;
    struct reg_resp *resp = x->resp;
    if (x->mode == MODE_STREAM) {
        const char *p = data;
        size_t len = n;
        if (x->skip > 0) {
            size_t k = (int64_t)len < x->skip ? len : (size_t)x->skip;
            p += k;
            len -= k;
            x->skip -= (int64_t)k;
        }
        if (len == 0)
            return n;
        if (x->req->max_bytes >= 0 && resp->received + (int64_t)len > x->req->max_bytes) {
            x->fail_rc = gt_err(&x->fail_err, EPROTO,
                                "the server sent more than the expected %lld bytes",
                                (long long)x->req->max_bytes);
            return 0;
        }
        int r = x->req->write(x->req->write_arg, p, len, &x->fail_err);
        if (r < 0) {
            x->fail_rc = r;
            return 0;
        }
        resp->received += (int64_t)len;
        tick(x, resp->received, false);
        return n;
    }
    size_t take = n;
    if (resp->body_len + n > x->limit) {
        if (x->mode == MODE_BUFFER) {
            x->fail_rc = gt_err(&x->fail_err, EFBIG, "answer larger than %zu bytes", x->limit);
            return 0;
        }
        take = x->limit - resp->body_len;
    }
    if (resp->body_len + take + 1 > x->cap) {
        size_t cap = x->cap ? x->cap : 4096;
        while (cap < resp->body_len + take + 1)
            cap *= 2;
        resp->body = gt_xrealloc(resp->body, cap);
        x->cap = cap;
    }
    if (take)
        memcpy(resp->body + resp->body_len, data, take);
    resp->body_len += take;
    resp->body[resp->body_len] = '\0';
    return n;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *arg)
{
    struct xfer *x = arg;
    const struct reg_req *req = x->req;
    if (cancelled(x))
        return CURL_READFUNC_ABORT;
    int64_t total = req->body_fd >= 0 ? req->body_size : (int64_t)req->body_len;
    int64_t left = total - x->up_done;
    size_t n = size * nitems;
    if (left <= 0)
        return 0;
    if ((int64_t)n > left)
        n = (size_t)left;
    if (req->body_fd >= 0) {
        ssize_t got;
        do
            got = pread(req->body_fd, buf, n, (off_t)(req->body_off + x->up_done));
        while (got < 0 && errno == EINTR);
        if (got < 0) {
            x->fail_rc = gt_err_sys(&x->fail_err, errno, "read upload data");
            return CURL_READFUNC_ABORT;
        }
        if (got == 0) {
            x->fail_rc = gt_err(&x->fail_err, EIO, "upload data ended after %lld of %lld bytes",
                                (long long)x->up_done, (long long)total);
            return CURL_READFUNC_ABORT;
        }
        n = (size_t)got;
    } else {
        memcpy(buf, (const char *)req->body + x->up_done, n);
    }
    x->up_done += (int64_t)n;
    tick(x, x->up_done, false);
    return n;
}

static int on_xferinfo(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    return cancelled(arg) ? 1 : 0;
}

static char *header_value(CURL *curl, const char *name)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(curl, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h->value)
        return NULL;
    return gt_xstrdup(h->value);
}

static void collect_headers(CURL *curl, struct reg_resp *resp)
{
    resp->content_type = header_value(curl, "Content-Type");
    resp->docker_digest = header_value(curl, "Docker-Content-Digest");
    resp->location = header_value(curl, "Location");
    resp->range = header_value(curl, "Range");
    struct curl_header *h = NULL;
    if (curl_easy_header(curl, "WWW-Authenticate", 0, CURLH_HEADER, -1, &h) == CURLHE_OK) {
        size_t amount = h->amount;
        for (size_t i = 0; i < amount; i++)
            if (curl_easy_header(curl, "WWW-Authenticate", i, CURLH_HEADER, -1, &h) == CURLHE_OK)
                gt_strv_push(&resp->www_authenticate, h->value);
    }
    curl_off_t cl = -1;
    if (curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK)
        resp->content_length = cl;
}

static int curl_errno(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
        return ECONNREFUSED;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return EHOSTUNREACH;
    case CURLE_OPERATION_TIMEDOUT:
        return ETIMEDOUT;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return ECONNRESET;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return ECONNABORTED;
    default:
        return EIO;
    }
}

bool reg_retryable(int code)
{
    int c = code < 0 ? -code : code;
    return c == ECONNRESET || c == ETIMEDOUT || c == EAGAIN;
}

/* host[:port] of a URL as written in it (brackets kept for IPv6). */
static char *url_hostport(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *out = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && port)
            out = gt_xasprintf("%s:%s", host, port);
        else
            out = gt_xstrdup(host);
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

char *reg_url_resolve(const char *base, const char *location)
{
    CURLU *u = curl_url();
    char *s = NULL, *out = NULL;
    if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
        out = gt_xstrdup(s);
    curl_free(s);
    curl_url_cleanup(u);
    return out;
}

static char *origin_of(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        out = gt_xasprintf("%s://%s:%s", scheme, host, port);
        for (char *c = out; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

bool reg_url_same_origin(const char *a, const char *b)
{
    cleanup_free char *oa = origin_of(a);
    cleanup_free char *ob = origin_of(b);
    return oa && ob && !strcmp(oa, ob);
}

/* One HTTP exchange, no retries. */
static int attempt(struct reg_conn *conn, const struct reg_req *req, const char *method,
                   bool has_body, const char *url, const char *auth, struct reg_resp *resp,
                   struct gt_error *err)
{
    struct reg_session *s = conn->s;
    struct gt_registry_client *c = s->c;
    CURL *curl = conn->curl;
    cleanup_free char *hostport = url_hostport(url);
    if (!hostport)
        return gt_err(err, EINVAL, "invalid URL \"%s\"", url);
    struct reg_host *h = reg_client_host(c, hostport);
    bool https = !strncasecmp(url, "https://", 8);

    curl_easy_reset(curl);
    conn->errbuf[0] = '\0';
    curl_easy_setopt(curl, CURLOPT_SHARE, c->share);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, conn->errbuf);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, c->connect_timeout);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, c->stall_timeout);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    if (https) {
        bool verify = h->tls.verify;
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
        if (h->tls.ca_file)
            curl_easy_setopt(curl, CURLOPT_CAINFO, h->tls.ca_file);
        if (h->tls.ca_path) {
            curl_easy_setopt(curl, CURLOPT_CAPATH, h->tls.ca_path);
            if (!h->tls.ca_file)
                curl_easy_setopt(curl, CURLOPT_CAINFO, NULL);
        }
        if (h->tls.cert && h->tls.key) {
            curl_easy_setopt(curl, CURLOPT_SSLCERT, h->tls.cert);
            curl_easy_setopt(curl, CURLOPT_SSLKEY, h->tls.key);
        }
    }

    struct xfer x = { .conn = conn, .req = req, .resp = resp, .has_body = has_body };
    clock_gettime(CLOCK_MONOTONIC, &x.last_tick);
    int64_t body_size = !has_body ? 0 : req->body_fd >= 0 ? req->body_size : (int64_t)req->body_len;

    if (!strcmp(method, "HEAD")) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (!strcmp(method, "POST")) {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_size);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(curl, CURLOPT_READDATA, &x);
    } else if (!strcmp(method, "PUT") || !strcmp(method, "PATCH")) {
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body_size);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(curl, CURLOPT_READDATA, &x);
        if (!strcmp(method, "PATCH"))
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PATCH");
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    }
    if (req->write)
        curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024); /* fewer, larger writes */
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &x);

    struct curl_slist *hdrs = NULL;
    bool has_ctype = false;
    for (const char *const *p = req->headers; p && *p; p++) {
        hdrs = curl_slist_append(hdrs, *p);
        has_ctype |= !strncasecmp(*p, "Content-Type:", 13);
    }
    /* No 100-continue round trip; no form content type on bare POSTs. */
    hdrs = curl_slist_append(hdrs, "Expect:");
    if (!has_ctype && (!strcmp(method, "POST") || has_body))
        hdrs = curl_slist_append(hdrs, "Content-Type: application/octet-stream");
    cleanup_free char *authz = auth ? gt_xasprintf("Authorization: %s", auth) : NULL;
    if (authz)
        hdrs = curl_slist_append(hdrs, authz);
    cleanup_free char *range = NULL;
    if (req->range_from > 0) {
        range = gt_xasprintf("Range: bytes=%lld-", (long long)req->range_from);
        hdrs = curl_slist_append(hdrs, range);
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);

    reg_resp_release(resp);
    resp->url = gt_xstrdup(url);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    tick(&x, x.mode == MODE_STREAM ? resp->received : x.up_done, true);

    if (x.cancelled)
        return gt_err(err, ECANCELED, "%s %s: cancelled", method, url);
    if (x.fail_rc < 0) {
        if (err)
            *err = x.fail_err;
        return gt_err_prefix(err, "%s %s", method, url);
    }
    if (rc != CURLE_OK) {
        const char *why = conn->errbuf[0] ? conn->errbuf : curl_easy_strerror(rc);
        return gt_err(err, curl_errno(rc), "%s %s: %s", method, url, why);
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
    collect_headers(curl, resp);
    return 0;
}

static bool is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* The request on one scheme: auth challenge once, redirects. */
static int do_on(struct reg_conn *conn, const struct reg_req *req, const char *url0,
                 struct reg_resp *resp, struct gt_error *err)
{
    cleanup_free char *url = gt_xstrdup(url0);
    cleanup_free char *auth = NULL;
    const char *method = req->method;
    bool has_body = req->body_fd >= 0 || req->body_len > 0;
    bool auth_retried = false;
    int redirects = 0;
    int r;

    if (req->authorization) {
        auth = gt_xstrdup(req->authorization);
    } else if (!req->no_auth) {
        r = reg_auth_header(conn, NULL, NULL, &auth, err);
        if (r < 0)
            return r;
    }
    for (;;) {
        /* Credentials go only to the origin they were made for. */
        bool send_auth = auth && reg_url_same_origin(url, url0);
        r = attempt(conn, req, method, has_body, url, send_auth ? auth : NULL, resp, err);
        if (r < 0)
            return r;
        if (resp->status == 401 && !req->no_auth && !req->authorization && !auth_retried &&
            reg_url_same_origin(url, url0)) {
            struct reg_challenge ch = { 0 };
            struct reg_challenge best = { 0 };
            for (char **w = resp->www_authenticate; w && *w; w++) {
                if (reg_challenge_parse(*w, &ch, NULL) < 0 || ch.kind == REG_AUTH_NONE) {
                    reg_challenge_release(&ch);
                    continue;
                }
                if (best.kind == REG_AUTH_NONE || ch.kind == REG_AUTH_BEARER) {
                    reg_challenge_release(&best);
                    best = ch;
                    memset(&ch, 0, sizeof ch);
                }
                reg_challenge_release(&ch);
            }
            if (best.kind == REG_AUTH_NONE)
                return 0;
            char *next = NULL;
            r = reg_auth_header(conn, &best, auth, &next, err);
            reg_challenge_release(&best);
            if (r < 0)
                return r;
            if (!next)
                return 0; /* nothing to answer with: the 401 stands */
            free(auth);
            auth = next;
            auth_retried = true;
            continue;
        }
        if (is_redirect(resp->status) && !req->no_follow && resp->location) {
            if (++redirects > REG_MAX_REDIRECTS)
                return gt_err(err, ELOOP, "%s %s: more than %d redirects", method, url0,
                              REG_MAX_REDIRECTS);
            char *next = reg_url_resolve(url, resp->location);
            if (!next)
                return gt_err(err, EPROTO, "%s %s: invalid redirect to \"%s\"", method, url,
                              resp->location);
            gt_debug("registry: %s %s redirected to %s", method, url, next);
            free(url);
            url = next;
            if (resp->status == 303 && strcmp(method, "HEAD") != 0) {
                method = "GET";
                has_body = false;
            }
            continue;
        }
        return 0;
    }
}

int reg_do(struct reg_conn *conn, const struct reg_req *req, struct reg_resp *resp,
           struct gt_error *err)
{
    struct reg_session *s = conn->s;
    resp->content_length = -1;
    if (req->url)
        return do_on(conn, req, req->url, resp, err);

    enum reg_scheme scheme = s->scheme;
    struct reg_host *h = reg_client_host(s->c, s->host);
    bool insecure = h->insecure;
    if (scheme == REG_SCHEME_UNKNOWN) {
        pthread_mutex_lock(&s->c->lock);
        scheme = h->scheme;
        pthread_mutex_unlock(&s->c->lock);
    }
    if (scheme != REG_SCHEME_UNKNOWN || !insecure) {
        const char *sch = scheme == REG_SCHEME_HTTP ? "http" : "https";
        cleanup_free char *url = gt_xasprintf("%s://%s%s", sch, s->host, req->path);
        return do_on(conn, req, url, resp, err);
    }

    /* An insecure host: HTTPS (unverified) first, then plain HTTP. */
    cleanup_free char *url = gt_xasprintf("https://%s%s", s->host, req->path);
    int r = do_on(conn, req, url, resp, err);
    enum reg_scheme found = REG_SCHEME_HTTPS;
    if (r < 0 && r != -ECANCELED) {
        struct gt_error first = { 0 };
        if (err)
            first = *err;
        free(url);
        url = gt_xasprintf("http://%s%s", s->host, req->path);
        r = do_on(conn, req, url, resp, err);
        if (r < 0) {
            if (err && r != -ECANCELED) {
                struct gt_error second = *err;
                gt_err(err, -r, "%s (and over HTTPS: %s)", second.msg, first.msg);
            }
            return r;
        }
        found = REG_SCHEME_HTTP;
    }
    if (r == 0) {
        pthread_mutex_lock(&s->c->lock);
        h->scheme = found;
        pthread_mutex_unlock(&s->c->lock);
    }
    return r;
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static int status_errno(long status)
{
    switch (status) {
    case 400:
        return EINVAL;
    case 401:
    case 403:
        return EACCES;
    case 404:
        return ENOENT;
    case 405:
        return EOPNOTSUPP;
    case 409:
        return EEXIST;
    case 413:
        return EFBIG;
    case 416:
        return ERANGE;
    case 429:
    case 502:
    case 503:
    case 504:
        return EAGAIN;
    default:
        return status >= 300 && status < 400 ? EPROTO : EIO;
    }
}

/* "MANIFEST_UNKNOWN" -> "manifest unknown" */
static char *code_words(const char *code)
{
    char *s = gt_xstrdup(code);
    for (char *c = s; *c; c++)
        *c = *c == '_' ? ' ' : (char)tolower((unsigned char)*c);
    return s;
}

char *reg_errors_message(const char *body, size_t len, long status)
{
    json_t *j = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *errors = j ? json_object_get(j, "errors") : NULL;
    if (json_is_array(errors) && json_array_size(errors) > 0) {
        size_t cap = 256, n = 0;
        char *out = gt_xmalloc(cap);
        out[0] = '\0';
        size_t i;
        json_t *e;
        json_array_foreach(errors, i, e)
        {
            const char *code = json_string_value(json_object_get(e, "code"));
            const char *msg = json_string_value(json_object_get(e, "message"));
            cleanup_free char *words = code ? code_words(code) : NULL;
            cleanup_free char *one = NULL;
            if (words && msg && *msg && strcasecmp(words, msg) != 0)
                one = gt_xasprintf("%s: %s", words, msg);
            else
                one = gt_xstrdup(words ? words : msg ? msg : "unknown error");
            size_t need = n + strlen(one) + 3;
            if (need > cap) {
                cap = need * 2;
                out = gt_xrealloc(out, cap);
            }
            n += (size_t)sprintf(out + n, "%s%s", i ? "; " : "", one);
        }
        json_decref(j);
        return out;
    }
    /* Token servers answer {"details": "..."} or {"error": "..."}. */
    const char *alt = j ? json_string_value(json_object_get(j, "details")) : NULL;
    if (!alt && j)
        alt = json_string_value(json_object_get(j, "error"));
    if (!alt && j)
        alt = json_string_value(json_object_get(j, "message"));
    if (alt) {
        char *out = gt_xstrdup(alt);
        json_decref(j);
        return out;
    }
    json_decref(j);
    if (body && len) {
        /* Plain text: its first line, trimmed and bounded. */
        size_t n = strcspn(body, "\r\n");
        if (n > 200)
            n = 200;
        while (n && (body[n - 1] == ' ' || body[n - 1] == '\t'))
            n--;
        bool printable = n > 0;
        for (size_t i = 0; i < n; i++)
            printable &= (unsigned char)body[i] >= 0x20;
        if (printable)
            return gt_xstrndup(body, n);
    }
    /* No body (a HEAD): the words registries use for these statuses. */
    switch (status) {
    case 401:
        return gt_xstrdup("unauthorized: authentication required");
    case 403:
        return gt_xstrdup("denied: requested access to the resource is denied");
    case 404:
        return gt_xstrdup("not found");
    default:
        return gt_xstrdup("unexpected answer");
    }
}

int reg_http_error(const struct reg_resp *resp, struct gt_error *err, const char *what, ...)
{
    cleanup_free char *msg = reg_errors_message(resp->body, resp->body_len, resp->status);
    int code = status_errno(resp->status);
    if (!what)
        return gt_err(err, code, "%s (HTTP %ld)", msg, resp->status);
    char prefix[512];
    va_list ap;
    va_start(ap, what);
    vsnprintf(prefix, sizeof prefix, what, ap);
    va_end(ap);
    return gt_err(err, code, "%s: %s (HTTP %ld)", prefix, msg, resp->status);
}
