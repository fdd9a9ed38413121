/* image/registry.h - client of image registries (the Distribution API v2).
 *
 * What a caller may rely on:
 * - References are image/ref.h's (docker's normalisation): "busybox" is
 *   docker.io/library/busybox:latest, "localhost:5000/foo@sha256:..." names
 *   another registry by digest.
 * - One client (struct gt_registry_client) is shared by every operation of
 *   a process and is thread-safe; it caches bearer tokens (per registry,
 *   scope and credentials), the scheme that worked for each insecure host,
 *   DNS answers and TLS sessions.  Connections are kept per operation (one
 *   per transfer thread).
 * - gt_registry_resolve() returns the bytes the reference points at (an
 *   index or a manifest), verified against the digest it was asked for or,
 *   by tag, against the Docker-Content-Digest header.  Platform selection is
 *   left to the caller there (gt_index_select of image/manifest.h);
 *   gt_registry_pull() does it itself.
 * - gt_registry_pull() stores every blob (index, manifest, config, layers)
 *   in the content store, each verified by the store's writer on commit,
 *   downloads layers in parallel, resumes interrupted ingests with a Range
 *   request, and reports docker-style progress.  It stops at "Download
 *   complete": unpacking ("Extracting", "Pull complete") and the closing
 *   "Digest:" / "Status:" lines belong to the caller (see image/progress.h).
 * - gt_registry_push() uploads the blobs a manifest (or an index and its
 *   manifests) needs, skipping those the registry has and mounting those a
 *   sibling repository has, then puts the manifest with its media type.
 * - Errors name the operation, the reference and what failed, with the
 *   registry's own error code and message and the HTTP status:
 *     "pull localhost:5000/foo:bar: manifest unknown (HTTP 404)".
 *   Codes: -ENOENT (unknown manifest, blob or repository), -EACCES
 *   (unauthorized, denied), -EPROTO (malformed answer, digest mismatch),
 *   -ECONNREFUSED / -EHOSTUNREACH / -ETIMEDOUT / -EIO (transport),
 *   -ECANCELED (the progress callback asked to stop), -EINVAL (bad input).
 *
 * Hosts: plain HTTP is allowed only for insecure registries (the option
 * list, plus localhost, 127.0.0.0/8 and ::1 as in docker, but by name only:
 * a host name that resolves to loopback stays secure, so that a TLS
 * registry there can be verified); for those HTTPS is tried first without
 * certificate verification, then HTTP.  Other hosts
 * need HTTPS verified against the system CAs (/etc/ssl/certs) and, when
 * given, the client's CA file or the docker convention
 * <certs_dir>/<host:port>/ca.crt (client.cert/client.key there give a
 * client certificate).  With several *.crt files in that directory, those
 * alone are trusted for the host.  Mirrors apply to docker.io pulls: each
 * is tried in order, then docker.io itself.
 *
 * Credentials, first match wins: the operation's explicit auth, the client's
 * gt_registry_client_set_credentials(), then the "auths" of a docker-style
 * config.json ({"auths":{"host:port":{"auth":"base64(user:pass)"}}}; docker.io
 * is "https://index.docker.io/v1/").  Credential helpers (credsStore) are not
 * run.
 */
#ifndef GT_IMAGE_REGISTRY_H
#define GT_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "image/content.h"
#include "image/manifest.h"
#include "image/progress.h"
#include "image/ref.h"

/* Manifests are parsed, and platforms chosen, with image/manifest.h
 * (gt_manifest_parse, gt_index_parse, gt_index_select); references are
 * image/ref.h's.  Docker schema 1, which registries may still serve, is
 * refused by name: */
#define GT_MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* ------------------------------------------------------------------ */
/* Client                                                              */

struct gt_registry_client;

struct gt_registry_auth {
    const char *username;
    const char *password;
};

struct gt_registry_options {
    /* NULL-terminated lists, copied. */
    const char *const *insecure; /* "host", "host:port" or a CIDR ("10.0.0.0/8") */
    const char *const *mirrors;  /* "https://mirror.example", "http://127.0.0.1:5001" */
    const char *ca_file;         /* extra CA (PEM) trusted for every registry */
    const char *certs_dir;       /* NULL: /etc/docker/certs.d; "": none */
    const char *auth_file;       /* NULL: $DOCKER_CONFIG/config.json or
                                    ~/.docker/config.json; "": none */
    int parallel;                /* blob transfers at once; 0: 3 */
    int retries;                 /* resumes of a broken blob transfer; 0: 3, <0: none */
    int64_t chunk_size;          /* push in PATCH chunks of this size; 0: one PUT */
    long connect_timeout;        /* seconds; 0: 30 */
    long stall_timeout;          /* seconds without a byte before a transfer
                                    fails (and is resumed); 0: 60 */
    const char *user_agent;      /* NULL: "gantry/<version>" */
};

int gt_registry_client_new(const struct gt_registry_options *opts,
                           struct gt_registry_client **out, struct gt_error *err);
void gt_registry_client_free(struct gt_registry_client *c);
/* Credentials for a registry ("localhost:5000", "docker.io"), copied;
 * they override the auth file.  password NULL removes them. */
int gt_registry_client_set_credentials(struct gt_registry_client *c, const char *registry,
                                       const char *username, const char *password,
                                       struct gt_error *err);
/* Whether plain HTTP is allowed for host[:port] (the insecure rule above). */
bool gt_registry_client_is_insecure(struct gt_registry_client *c, const char *host);

/* ------------------------------------------------------------------ */
/* Operations                                                          */

struct gt_registry_manifest {
    char *data; /* raw bytes as served (what the digest covers) */
    size_t len;
    char *media_type;
    char *digest;
};
void gt_registry_manifest_bytes_release(struct gt_registry_manifest *m);

/* GET /v2/<name>/manifests/<digest or tag> with the Accept list of OCI and
 * Docker schema 2 types.  Schema 1 is refused.  auth may be NULL. */
int gt_registry_resolve(struct gt_registry_client *c, const struct gt_ref *ref,
                        const struct gt_registry_auth *auth, struct gt_registry_manifest *out,
                        struct gt_error *err);

/* Streams a blob of ref's repository from byte `offset` (a Range request;
 * when the server ignores it, the first offset bytes are skipped here) into
 * write(), following redirects (Authorization is dropped across hosts).
 * size >= 0 caps what is accepted.  *received (may be NULL) gets the bytes
 * handed to write(), also on failure, so that a caller can resume.  The
 * digest is not checked here: the content store's writer does it. */
typedef int (*gt_registry_write_fn)(void *arg, const void *buf, size_t len,
                                    struct gt_error *err);
int gt_registry_fetch_blob(struct gt_registry_client *c, const struct gt_ref *ref,
                           const struct gt_registry_auth *auth, const char *digest,
                           int64_t size, int64_t offset, gt_registry_write_fn write, void *arg,
                           int64_t *received, struct gt_error *err);

/* Fetches one blob into the content store (resuming an earlier partial
 * ingest, retrying a broken transfer from where it stopped), unless it is
 * there already.  progress may be NULL; events carry id (12 hex). */
int gt_registry_fetch_blob_to_store(struct gt_registry_client *c,
                                    const struct gt_ref *ref,
                                    const struct gt_registry_auth *auth,
                                    const struct gt_descriptor *desc, struct gt_content *cs,
                                    const struct gt_progress *progress, struct gt_error *err);

struct gt_registry_pull_opts {
    const struct gt_platform *platform; /* NULL: the host's (gt_platform_default) */
    const struct gt_registry_auth *auth;         /* NULL: client's / auth file */
    const struct gt_progress *progress;          /* NULL: none */
    /* Called on the pulling thread, in layer order, as soon as layer i and
     * every layer before it are in the store (to start unpacking early).
     * A failure stops the pull and is returned.  May be NULL. */
    int (*layer_ready)(void *arg, size_t i, const struct gt_descriptor *layer,
                       struct gt_error *err);
    void *layer_arg;
};

struct gt_registry_pull_result {
    char *digest;       /* what the reference points at ("Digest: ...") */
    char *media_type;   /* its media type (index or manifest) */
    char *manifest_digest; /* the image manifest (== digest without an index) */
    char *manifest_media_type;
    struct gt_platform platform; /* from the index entry, or the wanted one */
    struct gt_descriptor config;
    struct gt_descriptor *layers;
    size_t n_layers;
    size_t downloaded; /* blobs fetched by this pull (0: "Image is up to date") */
};
void gt_registry_pull_result_release(struct gt_registry_pull_result *r);

/* Pulls ref (by digest when it has one, else by tag) into cs.  Progress:
 *   {"status":"Pulling from <path>","id":"<tag or digest>"} (once the
 *   manifest is there: a pull failing before reports no event at all)
 *   per layer "Pulling fs layer" | "Already exists", "Waiting",
 *   "Downloading" (current/total), "Verifying Checksum", "Download complete".
 * Errors read "pull <ref>: ...". */
int gt_registry_pull(struct gt_registry_client *c, const struct gt_ref *ref,
                     struct gt_content *cs, const struct gt_registry_pull_opts *opts,
                     struct gt_registry_pull_result *out, struct gt_error *err);

/* Checks credentials as `docker login` has the daemon do: GET /v2/ on the
 * registry, first without them (which settles the scheme of an insecure
 * host and shows the challenge), then answering its challenge with them:
 * basic, or a bearer token fetched from the realm without a scope.  Only
 * auth is used (never the client's or the auth file's credentials); auth
 * NULL tries with none.  server: "host[:port]", with or without a scheme
 * and path; "", "docker.io" and "https://index.docker.io/v1/" name Docker
 * Hub.  Mirrors are never asked.  0 when the registry accepts them (or
 * asks for none); -EACCES when it refuses them, with docker's words:
 *   "login attempt to http://host:5000/v2/ failed with status: 401 Unauthorized"
 *   "login to host:5000: unauthorized: fetch token from <realm>: <why> (HTTP 401)"
 * else a transport error ("login to host:5000: ..."). */
int gt_registry_login(struct gt_registry_client *c, const char *server,
                      const struct gt_registry_auth *auth, struct gt_error *err);

struct gt_registry_push_opts {
    const struct gt_registry_auth *auth;
    const struct gt_progress *progress;
    /* Repositories of the same registry ("library/base") that may hold the
     * blobs already: they are mounted from there instead of uploaded. */
    const char *const *mount_from;
    /* Media type to put the manifest with; NULL: the one the document
     * declares (or infers). */
    const char *media_type;
};

/* Pushes the manifest or index `digest`, present in cs with every blob it
 * references, to ref (its tag, or by digest when ref has no tag).  Progress:
 *   "The push refers to repository [<name>]", per blob "Preparing",
 *   "Waiting", "Pushing" (current/total), "Pushed" | "Layer already exists"
 *   | "Mounted from <repo>", then "<tag>: digest: <digest> size: <n>" with
 *   aux {"Tag","Digest","Size"}.
 * *digest_out (may be NULL) gets the digest the registry reports.
 * Errors read "push <ref>: ...". */
int gt_registry_push(struct gt_registry_client *c, const struct gt_ref *ref,
                     struct gt_content *cs, const char *digest,
                     const struct gt_registry_push_opts *opts, char **digest_out,
                     struct gt_error *err);

#endif
