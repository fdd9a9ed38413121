/* image/changes.h - Dockerfile instructions applied to an image's config,
 * as `docker import --change` (and `docker commit --change`) carry them.
 *
 * config is the "config" member of an image config: docker's container
 * config fields Cmd, Entrypoint, Env, ExposedPorts, Labels, User,
 * WorkingDir, Volumes, StopSignal, Healthcheck, OnBuild (and Shell, read
 * for the shell form).  The instructions are the ones dockerd accepts
 * there, with the Dockerfile's syntax:
 *   CMD, ENTRYPOINT   JSON form ["a","b"], or shell form run by Shell
 *                     (default ["/bin/sh","-c"]); an ENTRYPOINT clears
 *                     Cmd unless a CMD of the same list set it
 *   ENV, LABEL        name=value pairs (quotes, backslash escapes), or the
 *                     legacy "ENV name value with spaces"; a name set
 *                     again is replaced in place
 *   EXPOSE            port[-port][/tcp|udp|sctp] ...
 *   USER, WORKDIR     one argument; a relative WORKDIR joins the current one
 *   VOLUME            JSON form or words
 *   STOPSIGNAL        a signal name or number, kept as written
 *   HEALTHCHECK       [--interval=D --timeout=D --start-period=D
 *                     --start-interval=D --retries=N] CMD ... | NONE
 *   ONBUILD           an instruction, kept as written
 * Names are case-insensitive.  In ENV, LABEL, EXPOSE, USER, WORKDIR,
 * VOLUME and STOPSIGNAL, $VAR, ${VAR}, ${VAR:-word}, ${VAR:+word} and
 * ${VAR:?message} expand from the Env as it was before the instruction.
 * A change may hold several lines ("\" at the end of one continues it,
 * "#" starts a comment line).
 *
 * Errors are -EINVAL and name the instruction or the word at fault, in
 * dockerd's words where it has some ("run is not a valid change command",
 * "ENV names can not be blank", "invalid containerPort: x"); config is
 * then left as it was. */
#ifndef GT_IMAGE_CHANGES_H
#define GT_IMAGE_CHANGES_H

#include <jansson.h>

#include "base/error.h"

/* changes: NULL-terminated (may be NULL: nothing to do). */
int gt_image_changes_apply(json_t *config, char *const *changes, struct gt_error *err);

/* One word of a Dockerfile with its quotes removed, escapes and variables
 * resolved from env (an array of "NAME=value", may be NULL) as above
 * (new string). */
int gt_image_changes_expand(const char *word, const json_t *env, char **out,
                            struct gt_error *err);
/* s split at blanks outside quotes, the quotes and escapes kept in the
 * words for gt_image_changes_expand (NULL-terminated, NULL when none). */
char **gt_image_changes_words(const char *s);

#endif
