/* image/registry.h - client of image registries (the Distribution API v2).
 *
 * What a caller may rely on:
 * - References are parsed and normalised as docker does: "busybox" is
 *   docker.io/library/busybox:latest (with GT_REGISTRY_REF_DEFAULT_TAG),
 *   "localhost:5000/foo@sha256:..." names another registry by digest.
 * - One client (struct gt_registry_client) is shared by every operation of
 *   a process and is thread-safe; it caches bearer tokens (per registry,
 *   scope and credentials), the scheme that worked for each insecure host,
 *   and connections.
 * - gt_registry_resolve() returns the bytes the reference points at (an
 *   index or a manifest), verified against the digest it was asked for or,
 *   by tag, against the Docker-Content-Digest header.  Platform selection is
 *   left to the caller there (gt_registry_select_platform); gt_registry_pull()
 *   does it itself.
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
 * list, plus localhost, 127.0.0.0/8 and ::1 as in docker); for those HTTPS
 * is tried first without certificate verification, then HTTP.  Other hosts
 * need HTTPS verified against the system CAs, or, when given, the client's
 * CA file and the docker convention <certs_dir>/<host:port>/ca.crt (any
 * *.crt there; client.cert/client.key for client certificates).  A CA given
 * this way replaces the system CAs for that host.  Mirrors apply to
 * docker.io pulls: each is tried in order, then docker.io itself.
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
#include "image/progress.h"

/* ------------------------------------------------------------------ */
/* References                                                          */

#define GT_REGISTRY_DOCKER_IO "docker.io"

struct gt_registry_ref {
    char *domain; /* "docker.io", "localhost:5000", "[::1]:5000" */
    char *path;   /* "library/busybox", "foo/bar" */
    char *tag;    /* NULL when none */
    char *digest; /* "sha256:<hex>", NULL when none */
};

/* Fill in "latest" when neither a tag nor a digest is given. */
#define GT_REGISTRY_REF_DEFAULT_TAG 0x1

/* Parses and normalises s (docker's grammar: lowercase path components,
 * tags [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, sha256 digests, a name of at
 * most 255 characters).  "name:tag@digest" keeps both; the digest then wins
 * for pulls.  A bare 64-hex name is refused (it reads as an image ID).
 * On failure ref is left empty. */
int gt_registry_ref_parse(const char *s, unsigned flags, struct gt_registry_ref *ref,
                          struct gt_error *err);
void gt_registry_ref_release(struct gt_registry_ref *ref);
/* Deep copy. */
void gt_registry_ref_copy(struct gt_registry_ref *dst, const struct gt_registry_ref *src);
/* New strings (caller frees):
 *   name:      "docker.io/library/busybox"
 *   string:    "docker.io/library/busybox:latest" (":tag" and/or "@digest")
 *   familiar:  "busybox:latest", "localhost:5000/foo@sha256:..." (docker's
 *              short form: docker.io/ and library/ dropped) */
char *gt_registry_ref_name(const struct gt_registry_ref *ref);
char *gt_registry_ref_string(const struct gt_registry_ref *ref);
char *gt_registry_ref_familiar(const struct gt_registry_ref *ref);
/* The familiar name without tag or digest ("busybox", "localhost:5000/foo"). */
char *gt_registry_ref_familiar_name(const struct gt_registry_ref *ref);

/* ------------------------------------------------------------------ */
/* Platforms and descriptors                                           */

struct gt_registry_platform {
    char os[32];      /* "linux" */
    char arch[32];    /* "amd64", "arm64", "arm", ... (GOARCH names) */
    char variant[16]; /* "v8", "v7", or "" */
};

/* "linux/arm64/v8", "linux/amd64"; NULL or "" gives the host's platform.
 * Architecture aliases are normalised (x86_64 -> amd64, aarch64 -> arm64). */
int gt_registry_platform_parse(const char *s, struct gt_registry_platform *p,
                               struct gt_error *err);
void gt_registry_platform_host(struct gt_registry_platform *p);
/* "linux/arm64/v8" into buf. */
const char *gt_registry_platform_format(const struct gt_registry_platform *p, char *buf,
                                        size_t len);
/* Whether an index entry's platform satisfies the wanted one: os and arch
 * equal; an empty wanted variant takes any (arm64's "" and "v8" are one). */
bool gt_registry_platform_match(const struct gt_registry_platform *want,
                                const struct gt_registry_platform *have);

struct gt_registry_desc {
    char *media_type;
    char *digest;
    int64_t size;
    bool has_platform; /* index entries */
    struct gt_registry_platform platform;
    char **urls; /* NULL-terminated or NULL (foreign layers) */
};
void gt_registry_desc_release(struct gt_registry_desc *d);
void gt_registry_desc_copy(struct gt_registry_desc *dst, const struct gt_registry_desc *src);

/* Media types */
#define GT_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define GT_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define GT_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define GT_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define GT_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define GT_MT_OCI_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"
#define GT_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define GT_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define GT_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define GT_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define GT_MT_DOCKER_FOREIGN "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define GT_MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+prettyjws"

bool gt_registry_mt_is_index(const char *media_type);
bool gt_registry_mt_is_manifest(const char *media_type);

/* A parsed image manifest (OCI or Docker schema 2). */
struct gt_registry_image_manifest {
    char *media_type;
    struct gt_registry_desc config;
    struct gt_registry_desc *layers;
    size_t n_layers;
};
/* Parses manifest bytes.  media_type may be NULL or generic
 * ("application/json"): it is then taken from the document. */
int gt_registry_manifest_parse(const char *data, size_t len, const char *media_type,
                               struct gt_registry_image_manifest *out, struct gt_error *err);
void gt_registry_manifest_release(struct gt_registry_image_manifest *m);

/* A parsed index / manifest list. */
struct gt_registry_index {
    char *media_type;
    struct gt_registry_desc *manifests;
    size_t n_manifests;
};
int gt_registry_index_parse(const char *data, size_t len, const char *media_type,
                            struct gt_registry_index *out, struct gt_error *err);
void gt_registry_index_release(struct gt_registry_index *ix);
/* The first entry matching want (NULL: host platform), skipping attestation
 * entries ("unknown/unknown"); -ENOENT naming the platforms on offer. */
int gt_registry_select_platform(const struct gt_registry_index *ix,
                                const struct gt_registry_platform *want,
                                const struct gt_registry_desc **out, struct gt_error *err);

/* The media type a manifest or index document declares, or infers from its
 * shape ("manifests" -> OCI index, "layers" -> OCI manifest); NULL if neither. */
const char *gt_registry_detect_media_type(const char *data, size_t len);

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
int gt_registry_resolve(struct gt_registry_client *c, const struct gt_registry_ref *ref,
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
int gt_registry_fetch_blob(struct gt_registry_client *c, const struct gt_registry_ref *ref,
                           const struct gt_registry_auth *auth, const char *digest,
                           int64_t size, int64_t offset, gt_registry_write_fn write, void *arg,
                           int64_t *received, struct gt_error *err);

/* Fetches one blob into the content store (resuming an earlier partial
 * ingest, retrying a broken transfer from where it stopped), unless it is
 * there already.  progress may be NULL; events carry id (12 hex). */
int gt_registry_fetch_blob_to_store(struct gt_registry_client *c,
                                    const struct gt_registry_ref *ref,
                                    const struct gt_registry_auth *auth,
                                    const struct gt_registry_desc *desc, struct gt_content *cs,
                                    const struct gt_progress *progress, struct gt_error *err);

struct gt_registry_pull_opts {
    const struct gt_registry_platform *platform; /* NULL: the host's */
    const struct gt_registry_auth *auth;         /* NULL: client's / auth file */
    const struct gt_progress *progress;          /* NULL: none */
    /* Called on the pulling thread, in layer order, as soon as layer i and
     * every layer before it are in the store (to start unpacking early).
     * A failure stops the pull and is returned.  May be NULL. */
    int (*layer_ready)(void *arg, size_t i, const struct gt_registry_desc *layer,
                       struct gt_error *err);
    void *layer_arg;
};

struct gt_registry_pull_result {
    char *digest;       /* what the reference points at ("Digest: ...") */
    char *media_type;   /* its media type (index or manifest) */
    char *manifest_digest; /* the image manifest (== digest without an index) */
    char *manifest_media_type;
    struct gt_registry_platform platform; /* from the index entry, or the wanted one */
    struct gt_registry_desc config;
    struct gt_registry_desc *layers;
    size_t n_layers;
    size_t downloaded; /* blobs fetched by this pull (0: "Image is up to date") */
};
void gt_registry_pull_result_release(struct gt_registry_pull_result *r);

/* Pulls ref (by digest when it has one, else by tag) into cs.  Progress:
 *   {"status":"Pulling from <path>","id":"<tag or digest>"}
 *   per layer "Pulling fs layer" | "Already exists", "Waiting",
 *   "Downloading" (current/total), "Verifying Checksum", "Download complete".
 * Errors read "pull <ref>: ...". */
int gt_registry_pull(struct gt_registry_client *c, const struct gt_registry_ref *ref,
                     struct gt_content *cs, const struct gt_registry_pull_opts *opts,
                     struct gt_registry_pull_result *out, struct gt_error *err);

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
int gt_registry_push(struct gt_registry_client *c, const struct gt_registry_ref *ref,
                     struct gt_content *cs, const char *digest,
                     const struct gt_registry_push_opts *opts, char **digest_out,
                     struct gt_error *err);

#endif
