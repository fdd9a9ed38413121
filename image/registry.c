/* image/registry.c - the registry client: options, per-host state
 * (insecure rule, TLS files, scheme, auth challenge), credentials,
 * endpoints (mirrors), sessions and connections, and resolve. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "image/registry_int.h"

#define DEFAULT_CERTS_DIR "/etc/docker/certs.d"
#define DEFAULT_USER_AGENT "gantry/0.1"
#define AUTH_FILE_MAX (4 << 20)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *arg)
{
    struct gt_registry_client *c = arg;
    pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *arg)
{
    struct gt_registry_client *c = arg;
    pthread_mutex_unlock(&c->share_locks[data]);
}

static char **strv_copy(const char *const *v)
{
    char **out = NULL;
    for (; v && *v; v++)
        gt_strv_push(&out, *v);
    return out;
}

/* "https://mirror:5000/" -> "https://mirror:5000" (scheme and authority). */
static int mirror_normalise(const char *url, char **out, struct gt_error *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    int r = 0;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        r = gt_err(err, EINVAL, "invalid mirror \"%s\": expected http(s)://host[:port]", url);
    } else if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && path &&
               strcmp(path, "/") != 0 && *path) {
        r = gt_err(err, EINVAL, "invalid mirror \"%s\": a path is not supported", url);
    } else {
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && port)
            *out = gt_xasprintf("%s://%s:%s", scheme, host, port);
        else
            *out = gt_xasprintf("%s://%s", scheme, host);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    return r;
}

static int load_auth_file(struct gt_registry_client *c, const char *path, bool explicit_path,
                          struct gt_error *err)
{
    if (!gt_path_exists(path)) {
        if (explicit_path)
            gt_debug("registry: auth file %s does not exist", path);
        return 0;
    }
    cleanup_json json_t *j = NULL;
    int r = gt_json_load_file(path, &j, err);
    if (r < 0) {
        if (explicit_path)
            return r;
        gt_warn("registry: ignoring %s: %s", path, err ? err->msg : "invalid");
        gt_err_clear(err);
        return 0;
    }
    json_t *auths = json_object_get(j, "auths");
    if (json_is_object(auths))
        c->auths = json_incref(auths);
    return 0;
}

int gt_registry_client_new(const struct gt_registry_options *opts,
                           struct gt_registry_client **out, struct gt_error *err)
{
    static const struct gt_registry_options none = { 0 };
    if (!opts)
        opts = &none;
    *out = NULL;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return gt_err(err, EIO, "initialise libcurl: %s", curl_easy_strerror(curl_init_rc));

    struct gt_registry_client *c = gt_xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->token_lock, NULL);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->share_locks[i], NULL);
    c->insecure = strv_copy(opts->insecure);
    for (const char *const *m = opts->mirrors; m && *m; m++) {
        char *norm = NULL;
        int r = mirror_normalise(*m, &norm, err);
        if (r < 0) {
            gt_registry_client_free(c);
            return r;
        }
        gt_strv_push(&c->mirrors, norm);
        free(norm);
    }
    c->ca_file = opts->ca_file && *opts->ca_file ? gt_xstrdup(opts->ca_file) : NULL;
    if (c->ca_file && !gt_path_exists(c->ca_file)) {
        int r = gt_err(err, ENOENT, "CA file %s does not exist", c->ca_file);
        gt_registry_client_free(c);
        return r;
    }
    c->certs_dir = gt_xstrdup(opts->certs_dir ? opts->certs_dir : DEFAULT_CERTS_DIR);
    c->user_agent = gt_xstrdup(opts->user_agent ? opts->user_agent : DEFAULT_USER_AGENT);
    c->parallel = opts->parallel > 0 ? opts->parallel : 3;
    c->retries = opts->retries > 0 ? opts->retries : opts->retries < 0 ? 0 : 3;
    c->chunk_size = opts->chunk_size > 0 ? opts->chunk_size : 0;
    c->connect_timeout = opts->connect_timeout > 0 ? opts->connect_timeout : 30;
    c->stall_timeout = opts->stall_timeout > 0 ? opts->stall_timeout : 60;

    if (opts->auth_file) {
        c->auth_file = *opts->auth_file ? gt_xstrdup(opts->auth_file) : NULL;
    } else {
        const char *dc = getenv("DOCKER_CONFIG");
        const char *home = getenv("HOME");
        if (dc && *dc)
            c->auth_file = gt_path_join(dc, "config.json");
        else if (home && *home)
            c->auth_file = gt_path_join(home, ".docker/config.json");
    }
    if (c->auth_file) {
        int r = load_auth_file(c, c->auth_file, opts->auth_file != NULL, err);
        if (r < 0) {
            gt_registry_client_free(c);
            return gt_err_prefix(err, "registry auth file");
        }
    }

    c->share = curl_share_init();
    if (!c->share) {
        gt_registry_client_free(c);
        return gt_err(err, ENOMEM, "curl_share_init failed");
    }
    curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
    /* Connections are not shared: libcurl does not support sharing its
     * connection cache between threads.  Each thread's handle keeps its own. */
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    *out = c;
    return 0;
}

static void tls_release(struct reg_tls *t)
{
    free(t->ca_file);
    free(t->ca_path);
    free(t->cert);
    free(t->key);
}

void gt_registry_client_free(struct gt_registry_client *c)
{
    if (!c)
        return;
    if (c->share)
        curl_share_cleanup(c->share);
    gt_strv_free(c->insecure);
    gt_strv_free(c->mirrors);
    free(c->ca_file);
    free(c->certs_dir);
    free(c->auth_file);
    free(c->user_agent);
    if (c->auths)
        json_decref(c->auths);
    for (struct reg_host *h = c->hosts, *n; h; h = n) {
        n = h->next;
        free(h->host);
        tls_release(&h->tls);
        free(h->realm);
        free(h->service);
        free(h);
    }
    for (struct reg_token *t = c->tokens, *n; t; t = n) {
        n = t->next;
        free(t->key);
        free(t->token);
        free(t);
    }
    for (struct reg_cred *r = c->creds, *n; r; r = n) {
        n = r->next;
        free(r->registry);
        free(r->username);
        free(r->password);
        free(r);
    }
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->token_lock);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&c->share_locks[i]);
    free(c);
}

/* ------------------------------------------------------------------ */
/* Hosts                                                               */

/* "host:port" -> "host"; "[::1]:5000" -> "::1" */
static char *host_only(const char *hostport)
{
    if (hostport[0] == '[') {
        const char *e = strchr(hostport, ']');
        return e ? gt_xstrndup(hostport + 1, (size_t)(e - hostport - 1)) : gt_xstrdup(hostport);
    }
    const char *colon = strchr(hostport, ':');
    if (colon && !strchr(colon + 1, ':'))
        return gt_xstrndup(hostport, (size_t)(colon - hostport));
    return gt_xstrdup(hostport);
}

static bool addr_in_cidr(const struct sockaddr *sa, const char *cidr)
{
    cleanup_free char *net = gt_xstrdup(cidr);
    char *slash = strchr(net, '/');
    if (!slash)
        return false;
    *slash = '\0';
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    if (*end || bits < 0)
        return false;
    uint8_t want[16], have[16];
    size_t len;
    if (sa->sa_family == AF_INET && inet_pton(AF_INET, net, want) == 1) {
        memcpy(have, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        len = 4;
    } else if (sa->sa_family == AF_INET6 && inet_pton(AF_INET6, net, want) == 1) {
        memcpy(have, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        len = 16;
    } else {
        return false;
    }
    if ((size_t)bits > len * 8)
        return false;
    for (size_t i = 0; i < len && bits > 0; i++, bits -= 8) {
        uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
        if ((want[i] & mask) != (have[i] & mask))
            return false;
    }
    return true;
}

static bool is_insecure(struct gt_registry_client *c, const char *hostport)
{
    cleanup_free char *host = host_only(hostport);
    for (char *p = host; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    struct in_addr a4;
    struct in6_addr a6;
    /* docker's defaults, by name only (a name resolving to loopback stays
     * secure, so that a TLS registry on loopback can be verified). */
    if (!strcmp(host, "localhost") || !strcmp(host, "::1"))
        return true;
    if (inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127)
        return true;
    bool has_cidr = false;
    for (char **e = c->insecure; e && *e; e++) {
        if (strchr(*e, '/')) {
            has_cidr = true;
            continue;
        }
        if (!strcasecmp(*e, hostport) || !strcasecmp(*e, host))
            return true;
    }
    if (!has_cidr)
        return false;
    struct sockaddr_storage ss = { 0 };
    struct addrinfo *res = NULL;
    bool literal = false;
    if (inet_pton(AF_INET, host, &a4) == 1) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        sin->sin_addr = a4;
        literal = true;
    } else if (inet_pton(AF_INET6, host, &a6) == 1) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_addr = a6;
        literal = true;
    } else if (getaddrinfo(host, NULL, NULL, &res) != 0) {
        res = NULL;
    }
    bool found = false;
    for (char **e = c->insecure; e && *e && !found; e++) {
        if (!strchr(*e, '/'))
            continue;
        if (literal)
            found = addr_in_cidr((struct sockaddr *)&ss, *e);
        for (struct addrinfo *ai = res; ai && !found; ai = ai->ai_next)
            found = addr_in_cidr(ai->ai_addr, *e);
    }
    if (res)
        freeaddrinfo(res);
    return found;
}

bool gt_registry_client_is_insecure(struct gt_registry_client *c, const char *host)
{
    return is_insecure(c, host);
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && !strcmp(s + n - m, suf);
}

/* The docker convention: <certs_dir>/<host:port>/ *.crt are CAs,
 * <name>.cert with <name>.key a client certificate. */
static void host_tls(struct gt_registry_client *c, struct reg_host *h)
{
    h->tls.verify = !h->insecure;
    if (c->ca_file)
        h->tls.ca_file = gt_xstrdup(c->ca_file);
    if (!*c->certs_dir)
        return;
    cleanup_free char *dir = gt_path_join(c->certs_dir, h->host);
    cleanup_dir DIR *d = opendir(dir);
    if (!d)
        return;
    cleanup_free char *one_ca = NULL;
    int n_ca = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (has_suffix(e->d_name, ".crt")) {
            n_ca++;
            if (!one_ca || !strcmp(e->d_name, "ca.crt")) {
                free(one_ca);
                one_ca = gt_path_join(dir, e->d_name);
            }
        } else if (has_suffix(e->d_name, ".cert") && !h->tls.cert) {
            cleanup_free char *base = gt_xstrndup(e->d_name, strlen(e->d_name) - 5);
            cleanup_free char *keyname = gt_xasprintf("%s.key", base);
            cleanup_free char *key = gt_path_join(dir, keyname);
            if (gt_path_exists(key)) {
                h->tls.cert = gt_path_join(dir, e->d_name);
                h->tls.key = steal_pointer(&key);
            }
        }
    }
    if (n_ca == 1 && !h->tls.ca_file)
        h->tls.ca_file = steal_pointer(&one_ca);
    else if (n_ca >= 1)
        h->tls.ca_path = gt_xstrdup(dir); /* GnuTLS reads every file there */
}

struct reg_host *reg_client_host(struct gt_registry_client *c, const char *host)
{
    pthread_mutex_lock(&c->lock);
    for (struct reg_host *h = c->hosts; h; h = h->next) {
        if (!strcasecmp(h->host, host)) {
            pthread_mutex_unlock(&c->lock);
            return h;
        }
    }
    struct reg_host *h = gt_xcalloc(1, sizeof *h);
    h->host = gt_xstrdup(host);
    h->insecure = is_insecure(c, host);
    host_tls(c, h);
    h->next = c->hosts;
    c->hosts = h;
    pthread_mutex_unlock(&c->lock);
    return h;
}

/* ------------------------------------------------------------------ */
/* Credentials                                                         */

static bool same_registry(const char *a, const char *b)
{
    static const char *const dio[] = { "docker.io", "index.docker.io", REG_DOCKER_IO_HOST,
                                       REG_DOCKER_IO_AUTH_KEY, NULL };
    if (!strcasecmp(a, b))
        return true;
    bool da = false, db = false;
    for (const char *const *p = dio; *p; p++) {
        da |= !strcasecmp(a, *p);
        db |= !strcasecmp(b, *p);
    }
    return da && db;
}

int gt_registry_client_set_credentials(struct gt_registry_client *c, const char *registry,
                                       const char *username, const char *password,
                                       struct gt_error *err)
{
    if (!registry || !*registry)
        return gt_err(err, EINVAL, "credentials need a registry name");
    pthread_mutex_lock(&c->lock);
    struct reg_cred **pp = &c->creds;
    while (*pp) {
        struct reg_cred *r = *pp;
        if (same_registry(r->registry, registry)) {
            *pp = r->next;
            free(r->registry);
            free(r->username);
            free(r->password);
            free(r);
            continue;
        }
        pp = &r->next;
    }
    if (password) {
        struct reg_cred *r = gt_xcalloc(1, sizeof *r);
        r->registry = gt_xstrdup(registry);
        r->username = gt_xstrdup(username ? username : "");
        r->password = gt_xstrdup(password);
        r->next = c->creds;
        c->creds = r;
    }
    pthread_mutex_unlock(&c->lock);
    return 0;
}

void reg_client_creds(struct gt_registry_client *c, const char *key, char **user, char **pass)
{
    *user = *pass = NULL;
    pthread_mutex_lock(&c->lock);
    for (struct reg_cred *r = c->creds; r; r = r->next) {
        if (same_registry(r->registry, key)) {
            *user = gt_xstrdup(r->username);
            *pass = gt_xstrdup(r->password);
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (*user || !c->auths)
        return;
    struct gt_error e;
    if (reg_auths_lookup(c->auths, key, user, pass, &e) < 0)
        gt_warn("registry: %s: %s", c->auth_file ? c->auth_file : "auth file", e.msg);
}

/* ------------------------------------------------------------------ */
/* Progress shared by an operation's threads                           */

void reg_progress_init(struct reg_progress *rp, const struct gt_progress *p)
{
    rp->p = p;
    pthread_mutex_init(&rp->lock, NULL);
    atomic_init(&rp->cancel, false);
}

void reg_progress_release(struct reg_progress *rp)
{
    pthread_mutex_destroy(&rp->lock);
}

void reg_progress_emit(struct reg_progress *rp, const struct gt_progress_event *ev)
{
    if (!rp || !rp->p || !rp->p->fn)
        return;
    pthread_mutex_lock(&rp->lock);
    if (!atomic_load(&rp->cancel) && gt_progress_emit(rp->p, ev) != 0)
        atomic_store(&rp->cancel, true);
    pthread_mutex_unlock(&rp->lock);
}

void reg_progress_layer(struct reg_progress *rp, const char *id, const char *status)
{
    struct gt_progress_event ev = { .id = id, .status = status, .detail = true };
    reg_progress_emit(rp, &ev);
}

void reg_progress_bytes(struct reg_progress *rp, const char *id, const char *status,
                        int64_t current, int64_t total)
{
    struct gt_progress_event ev = {
        .id = id, .status = status, .detail = true, .current = current, .total = total
    };
    reg_progress_emit(rp, &ev);
}

void reg_progress_status(struct reg_progress *rp, const char *id, const char *fmt, ...)
{
    if (!rp || !rp->p || !rp->p->fn)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    struct gt_progress_event ev = { .id = id, .status = buf };
    reg_progress_emit(rp, &ev);
}

/* ------------------------------------------------------------------ */
/* Sessions and connections                                            */

void reg_session_init(struct reg_session *s, struct gt_registry_client *c, const char *host,
                      enum reg_scheme scheme, const char *repo, const char *cred_key,
                      const struct gt_registry_auth *auth, const char *actions)
{
    memset(s, 0, sizeof *s);
    s->c = c;
    s->host = gt_xstrdup(host);
    s->scheme = scheme;
    s->repo = repo ? gt_xstrdup(repo) : NULL;
    atomic_init(&s->abort, false);
    atomic_init(&s->abort_keep, true);
    if (auth && auth->username && auth->password) {
        s->username = gt_xstrdup(auth->username);
        s->password = gt_xstrdup(auth->password);
    } else {
        reg_client_creds(c, cred_key, &s->username, &s->password);
    }
    if (repo)
        gt_strv_pushf(&s->scopes, "repository:%s:%s", repo, actions);
}

void reg_session_add_scope(struct reg_session *s, const char *scope)
{
    for (char **p = s->scopes; p && *p; p++)
        if (!strcmp(*p, scope))
            return;
    gt_strv_push(&s->scopes, scope);
}

void reg_session_release(struct reg_session *s)
{
    free(s->host);
    free(s->repo);
    free(s->username);
    free(s->password);
    gt_strv_free(s->scopes);
    memset(s, 0, sizeof *s);
}

bool reg_session_cancelled(const struct reg_session *s)
{
    return atomic_load(&s->abort) || (s->progress && atomic_load(&s->progress->cancel));
}

void reg_session_abort(struct reg_session *s, bool keep)
{
    atomic_store(&s->abort_keep, keep);
    atomic_store(&s->abort, true);
}

bool reg_session_keeps_partial(const struct reg_session *s, int r)
{
    if (reg_retryable(r))
        return true;
    if (r != -ECANCELED)
        return false;
    if (s->progress && atomic_load(&s->progress->cancel))
        return true; /* the caller stopped us: it may come back */
    return !atomic_load(&s->abort) || atomic_load(&s->abort_keep);
}

int reg_conn_init(struct reg_conn *conn, struct reg_session *s, struct gt_error *err)
{
    memset(conn, 0, sizeof *conn);
    conn->s = s;
    conn->curl = curl_easy_init();
    if (!conn->curl)
        return gt_err(err, ENOMEM, "curl_easy_init failed");
    return 0;
}

void reg_conn_release(struct reg_conn *conn)
{
    if (conn->curl)
        curl_easy_cleanup(conn->curl);
    conn->curl = NULL;
}

/* ------------------------------------------------------------------ */
/* Endpoints                                                           */

size_t reg_endpoints(struct gt_registry_client *c, const struct gt_ref *ref, bool pull,
                     struct reg_endpoint **out)
{
    size_t n = 0;
    bool hub = !strcmp(ref->domain, GT_REF_DEFAULT_DOMAIN);
    size_t cap = 1 + (hub && pull ? gt_strv_len(c->mirrors) : 0);
    struct reg_endpoint *e = gt_xcalloc(cap, sizeof *e);
    if (hub && pull) {
        for (char **m = c->mirrors; m && *m; m++) {
            const char *sep = strstr(*m, "://");
            e[n].host = gt_xstrdup(sep + 3);
            e[n].scheme = !strncmp(*m, "https", 5) ? REG_SCHEME_HTTPS : REG_SCHEME_HTTP;
            e[n].cred_key = gt_xstrdup(sep + 3);
            e[n].mirror = true;
            n++;
        }
    }
    e[n].host = gt_xstrdup(hub ? REG_DOCKER_IO_HOST : ref->domain);
    e[n].scheme = hub ? REG_SCHEME_HTTPS : REG_SCHEME_UNKNOWN;
    e[n].cred_key = gt_xstrdup(ref->domain);
    n++;
    *out = e;
    return n;
}

void reg_endpoints_free(struct reg_endpoint *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].host);
        free(e[i].cred_key);
    }
    free(e);
}

/* ------------------------------------------------------------------ */
/* Manifests                                                           */

static const char *const accept_header =
    "Accept: " GT_MT_OCI_INDEX ", " GT_MT_OCI_MANIFEST ", " GT_MT_DOCKER_LIST
    ", " GT_MT_DOCKER_MANIFEST;

static const char *const known_types[] = {
    GT_MT_OCI_INDEX, GT_MT_OCI_MANIFEST, GT_MT_DOCKER_LIST, GT_MT_DOCKER_MANIFEST,
    GT_MT_DOCKER_SCHEMA1, NULL,
};

static const char *known_type(const char *mt)
{
    for (const char *const *k = known_types; mt && *k; k++)
        if (!strcmp(*k, mt))
            return *k;
    return NULL;
}

const char *reg_doc_media_type(const char *content_type, const char *data, size_t len)
{
    const char *k = known_type(content_type);
    if (k)
        return k;
    cleanup_json json_t *j = json_loadb(data, len, 0, NULL);
    if (!json_is_object(j))
        return NULL;
    const char *declared = json_string_value(json_object_get(j, "mediaType"));
    if (declared)
        return known_type(declared);
    if (json_integer_value(json_object_get(j, "schemaVersion")) == 1)
        return GT_MT_DOCKER_SCHEMA1;
    switch (gt_doc_kind(NULL, j)) {
    case GT_DOC_INDEX:
        return GT_MT_OCI_INDEX;
    case GT_DOC_MANIFEST:
        return GT_MT_OCI_MANIFEST;
    default:
        return NULL;
    }
}

void reg_descriptor_copy(struct gt_descriptor *dst, const struct gt_descriptor *src)
{
    memset(dst, 0, sizeof *dst);
    dst->media_type = src->media_type ? gt_xstrdup(src->media_type) : NULL;
    dst->digest = src->digest ? gt_xstrdup(src->digest) : NULL;
    dst->size = src->size;
    dst->platform.os = src->platform.os ? gt_xstrdup(src->platform.os) : NULL;
    dst->platform.arch = src->platform.arch ? gt_xstrdup(src->platform.arch) : NULL;
    dst->platform.variant = src->platform.variant ? gt_xstrdup(src->platform.variant) : NULL;
    dst->annotations = src->annotations ? json_incref(src->annotations) : NULL;
}

void gt_registry_manifest_bytes_release(struct gt_registry_manifest *m)
{
    if (!m)
        return;
    free(m->data);
    free(m->media_type);
    free(m->digest);
    memset(m, 0, sizeof *m);
}

int reg_get_manifest(struct reg_conn *conn, const char *reference,
                     struct gt_registry_manifest *out, struct gt_error *err)
{
    struct reg_session *s = conn->s;
    memset(out, 0, sizeof *out);
    cleanup_free char *path = gt_xasprintf("/v2/%s/manifests/%s", s->repo, reference);
    const char *headers[] = { accept_header, NULL };
    struct reg_req req = {
        .method = "GET",
        .path = path,
        .headers = headers,
        .body_fd = -1,
        .max_body = REG_MANIFEST_MAX,
        .max_bytes = -1,
    };
    struct reg_resp resp = { 0 };
    int r = reg_do(conn, &req, &resp, err);
    if (r < 0) {
        if (r == -EFBIG)
            gt_err_prefix(err, "manifest %s larger than %d bytes", reference, REG_MANIFEST_MAX);
        reg_resp_release(&resp);
        return r;
    }
    if (resp.status != 200) {
        r = reg_http_error(&resp, err, NULL);
        reg_resp_release(&resp);
        return r;
    }
    cleanup_free char *ctype = NULL;
    if (resp.content_type)
        ctype = gt_xstrndup(resp.content_type, strcspn(resp.content_type, "; "));
    const char *body = resp.body ? resp.body : "";
    const char *known = reg_doc_media_type(ctype, body, resp.body_len);
    if (known && !strcmp(known, GT_MT_DOCKER_SCHEMA1)) {
        reg_resp_release(&resp);
        return gt_err(err, EPROTO,
                      "manifest %s is a Docker schema 1 manifest, which is not supported",
                      reference);
    }
    if (!known) {
        int rr = gt_err(err, EPROTO, "manifest %s has an unsupported media type \"%s\"",
                        reference, ctype ? ctype : "(none)");
        reg_resp_release(&resp);
        return rr;
    }
    cleanup_free char *mt = gt_xstrdup(known);
    cleanup_free char *digest = gt_digest_of(body, resp.body_len);
    if (!strncmp(reference, "sha256:", 7)) {
        if (strcmp(reference, digest) != 0) {
            reg_resp_release(&resp);
            return gt_err(err, EPROTO,
                          "manifest digest mismatch: asked for %s, the content hashes to %s",
                          reference, digest);
        }
    } else if (resp.docker_digest && strcmp(resp.docker_digest, digest) != 0) {
        int rr = gt_err(err, EPROTO,
                        "manifest digest mismatch: the registry says %s, the content hashes "
                        "to %s",
                        resp.docker_digest, digest);
        reg_resp_release(&resp);
        return rr;
    }
    out->data = resp.body ? steal_pointer(&resp.body) : gt_xstrdup("");
    out->len = resp.body_len;
    out->media_type = steal_pointer(&mt);
    out->digest = steal_pointer(&digest);
    reg_resp_release(&resp);
    return 0;
}

int reg_open_resolved(struct gt_registry_client *c, const struct gt_ref *ref,
                      const struct gt_registry_auth *auth, struct reg_progress *progress,
                      struct reg_session *s, struct reg_conn *conn,
                      struct gt_registry_manifest *out, struct gt_error *err)
{
    struct reg_endpoint *eps = NULL;
    size_t n = reg_endpoints(c, ref, true, &eps);
    const char *reference = ref->digest ? ref->digest : ref->tag ? ref->tag : "latest";
    int r = -EINVAL;
    for (size_t i = 0; i < n; i++) {
        reg_session_init(s, c, eps[i].host, eps[i].scheme, ref->path, eps[i].cred_key, auth,
                         "pull");
        s->progress = progress;
        r = reg_conn_init(conn, s, err);
        if (r == 0)
            r = reg_get_manifest(conn, reference, out, err);
        if (r == 0)
            break;
        reg_conn_release(conn);
        reg_session_release(s);
        if (r == -ECANCELED)
            break;
        if (eps[i].mirror)
            gt_info("registry: mirror %s failed for %s, trying the next: %s", eps[i].host,
                    ref->path, err ? err->msg : "");
    }
    reg_endpoints_free(eps, n);
    return r;
}

int gt_registry_resolve(struct gt_registry_client *c, const struct gt_ref *ref,
                        const struct gt_registry_auth *auth, struct gt_registry_manifest *out,
                        struct gt_error *err)
{
    struct reg_session s;
    struct reg_conn conn;
    int r = reg_open_resolved(c, ref, auth, NULL, &s, &conn, out, err);
    if (r < 0) {
        cleanup_free char *name = gt_ref_string(ref);
        return gt_err_prefix(err, "resolve %s", name);
    }
    reg_conn_release(&conn);
    reg_session_release(&s);
    return 0;
}
