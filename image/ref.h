/* image/ref.h - image references, normalised as docker does.
 *
 *   busybox                  -> docker.io/library/busybox:latest
 *   user/app:1               -> docker.io/user/app:1
 *   localhost:5000/x         -> localhost:5000/x:latest
 *   quay.io/a/b@sha256:<hex> -> quay.io/a/b@sha256:<hex> (no tag added)
 *
 * The first path component is a registry when it contains '.' or ':', is
 * "localhost", or has upper-case letters; otherwise the registry is
 * docker.io, where one-component names get the "library/" prefix.
 * index.docker.io is spelt docker.io.  Names are lower-case components of
 * [a-z0-9] joined by '.', '_', '__' or runs of '-', separated by '/'; tags
 * are [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; digests as content.h wants them. */
#ifndef GT_IMAGE_REF_H
#define GT_IMAGE_REF_H

#include <stdbool.h>

#include "base/error.h"

#define GT_REF_DEFAULT_DOMAIN "docker.io"

struct gt_ref {
    char *domain; /* "docker.io", "localhost:5000" */
    char *path;   /* "library/busybox" */
    char *tag;    /* "latest"; NULL when only a digest was given */
    char *digest; /* "sha256:..." or NULL */
};

/* Parses and normalises s; on failure *ref is left empty. */
int gt_ref_parse(const char *s, struct gt_ref *ref, struct gt_error *err);
void gt_ref_release(struct gt_ref *ref);

/* New strings (caller frees): */
/* "docker.io/library/busybox" */
char *gt_ref_name(const struct gt_ref *ref);
/* "docker.io/library/busybox:latest", "...@sha256:...", or both */
char *gt_ref_string(const struct gt_ref *ref);
/* docker's short form: "busybox:latest", "user/app:1", "localhost:5000/x:1" */
char *gt_ref_familiar(const struct gt_ref *ref);
/* The familiar name without tag or digest: "busybox" */
char *gt_ref_familiar_name(const struct gt_ref *ref);

/* Normalises s into its full string (gt_ref_string of gt_ref_parse). */
int gt_ref_normalize(const char *s, char **out, struct gt_error *err);

#endif
