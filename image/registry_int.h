/* image/registry_int.h - internals shared by image/registry*.c (not a
 * public header: other modules use image/registry.h).
 *
 * Shape: a client (registry.c) holds per-host state (scheme that worked,
 * auth challenge seen, TLS files) and the token cache.  An operation opens a
 * session on one endpoint of a repository (a mirror or the registry) and
 * runs requests through connections (one libcurl easy handle per thread,
 * sharing DNS, TLS sessions and connections through the client's share
 * handle).  registry_http.c sends a request, answers auth challenges once,
 * follows redirects and resumes ranges; registry_auth.c parses challenges,
 * credentials and fetches tokens. */
#ifndef GT_IMAGE_REGISTRY_INT_H
#define GT_IMAGE_REGISTRY_INT_H

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "image/progress.h"
#include "image/registry.h"

#define REG_MANIFEST_MAX (4 << 20) /* as containerd: a manifest above 4 MiB is refused */
#define REG_ERROR_BODY_MAX (64 << 10)
#define REG_TOKEN_BODY_MAX (1 << 20)
#define REG_MAX_REDIRECTS 10
#define REG_DOCKER_IO_HOST "registry-1.docker.io"
#define REG_DOCKER_IO_AUTH_KEY "https://index.docker.io/v1/"

enum reg_scheme { REG_SCHEME_UNKNOWN, REG_SCHEME_HTTPS, REG_SCHEME_HTTP };
enum reg_auth_kind { REG_AUTH_NONE, REG_AUTH_BASIC, REG_AUTH_BEARER };

/* One WWW-Authenticate challenge. */
struct reg_challenge {
    enum reg_auth_kind kind;
    char *realm;
    char *service;
    char *scope; /* space-separated scopes, or NULL */
    char *error; /* RFC 6750 error="insufficient_scope", or NULL */
};
void reg_challenge_release(struct reg_challenge *ch);
/* Parses one header value ("Bearer realm=\"...\",service=\"...\"").  Several
 * challenges in one value are not split (registries send one per header);
 * unknown schemes give kind REG_AUTH_NONE and 0. */
int reg_challenge_parse(const char *value, struct reg_challenge *ch, struct gt_error *err);

/* TLS settings of a host. */
struct reg_tls {
    bool verify;
    char *ca_file;
    char *ca_path;
    char *cert;
    char *key;
};

/* What the client remembers about a host (host[:port] as in URLs). */
struct reg_host {
    char *host;
    enum reg_scheme scheme;
    bool insecure;
    struct reg_tls tls;
    enum reg_auth_kind auth_kind;
    char *realm;
    char *service;
    struct reg_host *next;
};

struct reg_token {
    char *key;
    char *token;
    time_t expires;
    struct reg_token *next;
};

struct reg_cred {
    char *registry;
    char *username;
    char *password;
    struct reg_cred *next;
};

struct gt_registry_client {
    char **insecure;
    char **mirrors;
    char *ca_file;
    char *certs_dir;
    char *auth_file;
    char *user_agent;
    int parallel;
    int retries;
    int64_t chunk_size;
    long connect_timeout;
    long stall_timeout;
    json_t *auths; /* "auths" of the auth file, or NULL */

    pthread_mutex_t lock; /* hosts, tokens, creds */
    pthread_mutex_t token_lock; /* one token fetch at a time */
    struct reg_host *hosts;
    struct reg_token *tokens;
    struct reg_cred *creds;

    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
};

/* Progress of one operation, shared by its threads. */
struct reg_progress {
    const struct gt_progress *p;
    pthread_mutex_t lock;
    atomic_bool cancel;
};
void reg_progress_init(struct reg_progress *rp, const struct gt_progress *p);
void reg_progress_release(struct reg_progress *rp);
/* Serialised emit; a non-zero answer sets cancel. */
void reg_progress_emit(struct reg_progress *rp, const struct gt_progress_event *ev);
void reg_progress_layer(struct reg_progress *rp, const char *id, const char *status);
void reg_progress_bytes(struct reg_progress *rp, const char *id, const char *status,
                        int64_t current, int64_t total);
void reg_progress_status(struct reg_progress *rp, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An operation on one repository through one endpoint. */
struct reg_session {
    struct gt_registry_client *c;
    char *host;   /* network host[:port] ("registry-1.docker.io") */
    enum reg_scheme scheme; /* fixed for mirrors; else from the host cache */
    char *repo;   /* "library/busybox" */
    char *username; /* credentials, or NULL */
    char *password;
    char **scopes; /* NULL-terminated: "repository:<repo>:pull" ... */
    struct reg_progress *progress; /* may be NULL */
    atomic_bool abort; /* set when one of the operation's transfers failed */
    atomic_bool abort_keep; /* ... by an interruption: partial ingests stay */
};
/* Opens a session: host is the network host; scheme REG_SCHEME_UNKNOWN
 * lets the client pick (see registry.h); credentials are looked up for
 * cred_key (the registry's name in the auth file) unless auth is given.
 * repo NULL: no repository, no scope (a login's GET /v2/). */
void reg_session_init(struct reg_session *s, struct gt_registry_client *c, const char *host,
                      enum reg_scheme scheme, const char *repo, const char *cred_key,
                      const struct gt_registry_auth *auth, const char *actions);
void reg_session_add_scope(struct reg_session *s, const char *scope);
void reg_session_release(struct reg_session *s);
bool reg_session_cancelled(const struct reg_session *s);
/* Stops the session's transfers; keep: their partial ingests stay for a
 * later resume (an interruption), else they are removed (bad content). */
void reg_session_abort(struct reg_session *s, bool keep);
/* Whether a transfer stopped with code r keeps what it ingested. */
bool reg_session_keeps_partial(const struct reg_session *s, int r);

/* One thread's connection. */
struct reg_conn {
    CURL *curl;
    struct reg_session *s;
    char errbuf[CURL_ERROR_SIZE];
};
int reg_conn_init(struct reg_conn *conn, struct reg_session *s, struct gt_error *err);
void reg_conn_release(struct reg_conn *conn);

struct reg_req {
    const char *method; /* GET HEAD POST PUT PATCH DELETE */
    const char *path;   /* "/v2/..." on the session's endpoint, or */
    const char *url;    /* an absolute URL (an upload's Location) */
    const char *const *headers; /* extra "Name: value", NULL-terminated */
    /* body: memory, or a file range (fd >= 0); body_fd must be -1 when
     * there is no file (0 would be standard input) */
    const void *body;
    size_t body_len;
    int body_fd;
    int64_t body_off;
    int64_t body_size;
    /* 2xx body: buffered (up to max_body) unless write is set */
    size_t max_body;
    gt_registry_write_fn write;
    void *write_arg;
    int64_t range_from; /* > 0: ask for bytes from here; 200 answers are skipped to it */
    int64_t max_bytes;  /* >= 0: more 2xx body than this fails */
    bool no_follow;     /* return 3xx answers instead of following them */
    bool no_auth;       /* token requests: no challenge handling */
    const char *authorization; /* explicit "Authorization: ..." (token requests) */
    /* byte progress (uploads and downloads), called at most every 100 ms */
    void (*on_bytes)(void *arg, int64_t bytes);
    void *bytes_arg;
};

struct reg_resp {
    long status;
    char *body;
    size_t body_len;
    int64_t received; /* 2xx body bytes handed to write() (after skipping) */
    char *url;        /* the last URL requested */
    char *content_type;
    char *docker_digest;
    char *location;
    char *range;
    char **www_authenticate;
    int64_t content_length; /* -1 unknown */
};
void reg_resp_release(struct reg_resp *r);

/* Sends a request (auth challenge answered once, redirects followed).  A
 * transport failure is an error; any HTTP status is returned in resp, for
 * the caller to judge (reg_http_error turns it into a message). */
int reg_do(struct reg_conn *conn, const struct reg_req *req, struct reg_resp *resp,
           struct gt_error *err);
/* Records the registry's error for a response: "<code>: <message> (HTTP n)",
 * with an errno matching the status; `what` prefixes it when not NULL. */
int reg_http_error(const struct reg_resp *resp, struct gt_error *err, const char *what, ...)
    __attribute__((format(printf, 3, 4)));
/* The message alone (caller frees). */
char *reg_errors_message(const char *body, size_t len, long status);
/* Whether a failure is worth a resumed retry (broken or stalled transfer,
 * 5xx, 429). */
bool reg_retryable(int code);

/* Absolute URL of a Location against the URL it answered (caller frees). */
char *reg_url_resolve(const char *base, const char *location);
/* "scheme://host[:port]" of a URL compared, for dropping credentials. */
bool reg_url_same_origin(const char *a, const char *b);

/* registry.c: host state (created on first use; never freed before the
 * client); access its mutable fields under c->lock. */
struct reg_host *reg_client_host(struct gt_registry_client *c, const char *host);
/* Credentials for a registry name (explicit ones first, then the auth
 * file); both NULL when none.  New strings. */
void reg_client_creds(struct gt_registry_client *c, const char *key, char **user, char **pass);

/* registry_auth.c */
/* The Authorization header value to send to s's host for its scopes, from
 * what is known (basic credentials, a cached or freshly fetched token);
 * NULL when nothing applies.  ch: a new challenge to answer (may be NULL);
 * sent: the value the challenged request carried (a token not to reuse). */
int reg_auth_header(struct reg_conn *conn, const struct reg_challenge *ch, const char *sent,
                    char **out, struct gt_error *err);
/* Adds scope "type:name:actions" to the vector *v, merging the actions
 * into a scope of the same resource ("repository:a:pull" + "repository:a:
 * push" -> "repository:a:pull,push"): a token request names each resource
 * once. */
void reg_scope_add(char ***v, const char *scope);
/* Base64 of "user:pass" (caller frees). */
char *reg_basic_encode(const char *user, const char *pass);
/* Decodes an auth file "auth" value into user and password (new strings). */
int reg_basic_decode(const char *b64, char **user, char **pass, struct gt_error *err);
/* Looks up credentials for registry `key` in an "auths" object, matching
 * "host", "https://host", "http://host/v1/" ... */
int reg_auths_lookup(const json_t *auths, const char *key, char **user, char **pass,
                     struct gt_error *err);

/* A Content-Type that says nothing about the manifest's kind. */
static inline bool reg_generic_media_type(const char *mt)
{
    return !mt || !*mt || !strcmp(mt, "application/json") || !strcmp(mt, "text/plain") ||
           !strcmp(mt, "application/octet-stream");
}

/* The media type of a manifest or index: the Content-Type when it names
 * one of the four known types (or schema 1), else what the document
 * declares, else what its shape says (OCI types); NULL if none. */
const char *reg_doc_media_type(const char *content_type, const char *data, size_t len);
void reg_descriptor_copy(struct gt_descriptor *dst, const struct gt_descriptor *src);

/* "sha256:<64 lowercase hex>" */
static inline bool reg_digest_valid(const char *d)
{
    return gt_digest_validate(d, NULL) == 0;
}

/* registry_blob.c: transfers on one connection */
struct reg_blob_job {
    const struct gt_descriptor *desc;
    char id[16];
    struct gt_content *cs;
    bool fetched;   /* out: bytes came over the network */
};
int reg_fetch_to_store(struct reg_conn *conn, struct reg_blob_job *job, bool report,
                       struct gt_error *err);
int reg_fetch_blob(struct reg_conn *conn, const char *digest, int64_t size, int64_t offset,
                   gt_registry_write_fn write, void *arg, void (*on_bytes)(void *, int64_t),
                   void *bytes_arg, int64_t *received, struct gt_error *err);
/* GET a manifest (tag or digest) into out, verified. */
int reg_get_manifest(struct reg_conn *conn, const char *reference,
                     struct gt_registry_manifest *out, struct gt_error *err);

/* registry.c: the endpoints to try for a reference: docker.io's mirrors
 * (pulls only) and then the registry itself. */
struct reg_endpoint {
    char *host;
    enum reg_scheme scheme;
    char *cred_key; /* the name credentials are kept under */
    bool mirror;
};
size_t reg_endpoints(struct gt_registry_client *c, const struct gt_ref *ref, bool pull,
                     struct reg_endpoint **out);
void reg_endpoints_free(struct reg_endpoint *e, size_t n);
/* Resolves ref through its endpoints in turn; on success s and conn are
 * open on the endpoint that answered (caller releases them) and out holds
 * the verified manifest or index. */
int reg_open_resolved(struct gt_registry_client *c, const struct gt_ref *ref,
                      const struct gt_registry_auth *auth, struct reg_progress *progress,
                      struct reg_session *s, struct reg_conn *conn,
                      struct gt_registry_manifest *out, struct gt_error *err);

/* registry_pool.c: runs ops->run(conn, i) for i in [0, n) on up to
 * `parallel` threads, each with its own connection on s, and
 * ops->ready(i) (may be NULL) on the calling thread in index order as soon
 * as i and every index before it are done.  The first failure stops
 * handing out work, aborts the transfers under way (s->abort) and is
 * returned. */
struct reg_pool_ops {
    int (*run)(struct reg_conn *conn, size_t i, void *arg, struct gt_error *err);
    int (*ready)(size_t i, void *arg, struct gt_error *err);
};
int reg_pool_run(struct reg_session *s, size_t n, int parallel, const struct reg_pool_ops *ops,
                 void *arg, struct gt_error *err);

#endif
