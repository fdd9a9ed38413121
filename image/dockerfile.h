/* image/dockerfile.h - a Dockerfile's text as instructions, checked before
 * anything is built (the legacy builder, engine/build.c, runs them).
 *
 * The text: parser directives at its top ("# escape=`", "# syntax=..."
 * ignored, "# check=..." ignored), comment lines ("#" first, also inside a
 * continued instruction), the escape character ("\" or "`") at the end of
 * a line continuing it, blank lines.  An instruction is its name
 * (case-insensitive), its --flags (where the instruction has some) and
 * its arguments, either the JSON form (an array of strings; text that is
 * not one is the shell form, as dockerd reads it) or the text as written.
 * Variables are not expanded here: that needs the build's ARG and ENV.
 *
 * Refused, with "dockerfile parse error on line N: ..." in dockerd's
 * words: an unknown instruction, one without its arguments, an unknown
 * flag, an instruction before the first FROM (but ARG), a FROM with a bad
 * "AS name", and an empty Dockerfile. */
#ifndef GT_IMAGE_DOCKERFILE_H
#define GT_IMAGE_DOCKERFILE_H

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"

struct gt_df_instr {
    char *cmd;      /* lower case: "run" */
    char *original; /* the instruction as written, continuations joined */
    char *rest;     /* the arguments after the flags, trimmed */
    char **flags;   /* "--from=x" as written (NULL-terminated; may be NULL) */
    json_t *json;   /* the JSON form (an array of strings) or NULL */
    int line;       /* where it starts (1-based) */
};

struct gt_dockerfile {
    struct gt_df_instr *v;
    size_t n;
    char escape;
};

int gt_dockerfile_parse(const char *text, size_t len, struct gt_dockerfile *out,
                        struct gt_error *err);
void gt_dockerfile_release(struct gt_dockerfile *df);

/* The value of flag --name (NULL when absent); "--name" alone gives "". */
const char *gt_df_flag(const struct gt_df_instr *in, const char *name);

#endif
