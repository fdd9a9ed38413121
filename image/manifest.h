/* image/manifest.h - image formats: manifests, indexes, configs, platforms.
 *
 * Understands OCI image manifests and indexes and Docker v2 schema 2
 * manifests and manifest lists (their media types below); a document
 * without a mediaType is classified by its members ("manifests" or
 * "layers").  Layers may be uncompressed, gzip or zstd tars: the media
 * type is checked to be a layer type, the bytes are told apart when they
 * are read (libarchive's filters), so a mislabelled layer still unpacks.
 *
 * Platforms are "os/arch[/variant]", normalised as containerd does
 * (x86_64 -> amd64, aarch64 -> arm64, armhf -> arm/v7; arm64's variant
 * defaults to v8, arm's to v7, amd64's to v1).  A wanted platform matches
 * an entry of the same os and architecture whose variant is the same or an
 * older one (arm v6 runs on v7, amd64 v2 on a v3 host); the closest variant
 * wins.  The default platform is this host's (linux/amd64/vN on this
 * machine, N from the CPU's x86-64 level). */
#ifndef GT_IMAGE_MANIFEST_H
#define GT_IMAGE_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "image/content.h"

#define GT_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define GT_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define GT_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define GT_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define GT_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define GT_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define GT_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define GT_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define GT_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define GT_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define GT_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define GT_MT_DOCKER_LAYER_FOREIGN "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

/* Manifests, indexes and configs are small; bigger ones are refused. */
#define GT_MANIFEST_MAX (4 << 20)
#define GT_CONFIG_MAX (8 << 20)

enum gt_doc_kind { GT_DOC_UNKNOWN, GT_DOC_MANIFEST, GT_DOC_INDEX };

struct gt_platform {
    char *os;
    char *arch;
    char *variant; /* normalised; may be NULL for architectures without */
};

struct gt_descriptor {
    char *media_type;
    char *digest;
    int64_t size;
    struct gt_platform platform; /* all NULL when absent */
    json_t *annotations;         /* owned reference, or NULL */
};

struct gt_manifest {
    char *media_type;
    struct gt_descriptor config;
    struct gt_descriptor *layers;
    size_t n_layers;
    json_t *json; /* the whole document */
};

struct gt_index {
    char *media_type;
    struct gt_descriptor *manifests;
    size_t n_manifests;
    json_t *json;
};

struct gt_image_config {
    json_t *json;     /* the whole document */
    char **diff_ids;  /* NULL-terminated */
    size_t n_diff_ids;
    struct gt_platform platform;
};

/* Which kind of document a media type (or, when it is NULL or generic, the
 * document itself) names. */
enum gt_doc_kind gt_doc_kind(const char *media_type, const json_t *doc);
bool gt_media_type_is_layer(const char *media_type);
bool gt_media_type_is_docker(const char *media_type);

int gt_descriptor_parse(const json_t *j, const char *path, struct gt_descriptor *d,
                        struct gt_error *err);
void gt_descriptor_release(struct gt_descriptor *d);
/* A new JSON object for d (mediaType, digest, size, platform, annotations). */
json_t *gt_descriptor_json(const struct gt_descriptor *d);

int gt_manifest_parse(const char *data, size_t len, struct gt_manifest *m, struct gt_error *err);
void gt_manifest_release(struct gt_manifest *m);
int gt_index_parse(const char *data, size_t len, struct gt_index *ix, struct gt_error *err);
void gt_index_release(struct gt_index *ix);
int gt_image_config_parse(const char *data, size_t len, struct gt_image_config *c,
                          struct gt_error *err);
void gt_image_config_release(struct gt_image_config *c);

/* "linux/arm64/v8"; os alone means this host's architecture. */
int gt_platform_parse(const char *s, struct gt_platform *p, struct gt_error *err);
void gt_platform_default(struct gt_platform *p);
void gt_platform_normalize(struct gt_platform *p);
void gt_platform_release(struct gt_platform *p);
/* "linux/amd64" or "linux/arm/v7" (caller frees) */
char *gt_platform_string(const struct gt_platform *p);
/* 0 when have does not run on want; otherwise a score, higher is closer. */
int gt_platform_match(const struct gt_platform *want, const struct gt_platform *have);
/* The index entry that best matches want (an index of manifests); -ENOENT
 * with a message listing what the index offers. */
int gt_index_select(const struct gt_index *ix, const struct gt_platform *want, size_t *pos,
                    struct gt_error *err);

/* The chain ids of a list of diff ids (OCI image-spec: ChainID(L0) =
 * DiffID(L0), ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))). */
char **gt_chain_ids(char *const *diff_ids, size_t n);

/* An image as stored: from a target (a manifest, or an index from which
 * the platform's manifest is chosen) down to its config. */
struct gt_image {
    char *target;            /* the digest a reference names */
    char *target_media_type;
    char *manifest_digest;   /* the platform's manifest (== target if no index) */
    struct gt_manifest manifest;
    struct gt_image_config config;
    char *config_digest;     /* the image id */
};

/* Reads target (and the chosen manifest and config) from the store; all
 * the blobs read are checked against their digests on the way. */
int gt_image_load(struct gt_content *cs, const char *target, const struct gt_platform *want,
                  struct gt_image *img, struct gt_error *err);
void gt_image_release(struct gt_image *img);

#endif
