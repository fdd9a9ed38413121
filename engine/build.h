/* engine/build.h - shared between the builder's files (build.c: steps,
 * build_copy.c: COPY, ADD and WORKDIR's files); not a contract. */
#ifndef GT_ENGINE_BUILD_H
#define GT_ENGINE_BUILD_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/internal.h"
#include "image/dockerfile.h"

struct bld_stage {
    char *name;     /* "AS name", or NULL */
    char *image_id; /* its result */
};

struct bld {
    struct gt_engine *e;
    struct gt_build_options *o;
    gt_engine_emit_json_fn emit;
    void *ctx;
    int cancel_fd;
    struct gt_error *err;
    json_t *meta;     /* ARGs before the first FROM: {"NAME":"value"|null} */
    json_t *args;     /* the stage's ARGs: {"NAME":"value"|null} */
    json_t *used;     /* build args that an ARG consumed: {"NAME":true} */
    json_t *cfg;      /* the stage's config (the image's "config") */
    char *cur;        /* the current image id, NULL: scratch */
    struct bld_stage *stages;
    size_t n_stages;
    char *ctr;        /* the intermediate container of the step, or NULL */
};

/* Emits {"stream": text} unless quiet. */
void bld_say(struct bld *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The Env for expansion: the stage's ARGs with a value, then its ENV. */
json_t *bld_env(struct bld *b);
/* Creates the step's container from the current image (b->ctr). */
int bld_container(struct bld *b, const json_t *cmd, const char *user);
/* Ends the step: commits b->ctr (its files) or, without one, the config
 * alone; reuses the cache for key; prints the new image. */
int bld_commit(struct bld *b, const char *key, const char *created_by);
/* Ends the step with the directory upper_fd as its layer (no container:
 * a stage FROM scratch). */
int bld_commit_upper(struct bld *b, const char *key, const char *created_by, int upper_fd);
/* Whether the cache has key (an image still there); *id then. */
bool bld_cache_get(struct bld *b, const char *key, char **id);

/* The step's cache key (new string), from its parent, what (its words)
 * and the config it ends with. */
char *bld_step_key(struct bld *b, const char *what);
/* Uses the cache for key when it has it (prints "Using cache"). */
bool bld_from_cache(struct bld *b, const char *key);
void bld_drop_container(struct bld *b);
/* The image a FROM or COPY --from names: a stage's, or one pulled. */
int bld_image_of(struct bld *b, const char *name, bool allow_pull, char **id);

/* build_copy.c: COPY and ADD (in: the instruction), WORKDIR's directory */
int bld_copy(struct bld *b, const struct gt_df_instr *in);
int bld_workdir_dir(struct bld *b, const char *created_by);

#endif
