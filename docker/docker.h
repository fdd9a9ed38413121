/* docker/docker.h - the Docker Engine API (what the docker CLI 28.x and
 * the Python docker SDK speak) over http/, answered by engine/.
 *
 * What a caller (cmd/gantry_engine.c) may rely on:
 * - gt_docker_server_opts() fills everything an http/ server needs: the
 *   route table, the /v1.NN path hook (1.24 to 1.50; an unversioned path
 *   means 1.50; others are answered 400 in dockerd's words), the error
 *   shape ({"message":...} as exactly application/json; 304 without a
 *   body), the headers of every answer (Api-Version, Ostype, Server) and
 *   the body limits.  The caller makes the server and its listeners.
 * - Handlers map engine errors to statuses as engine/engine.h says
 *   (ENOENT 404, EEXIST and EBUSY 409, EALREADY 304, EINVAL 400,
 *   EOPNOTSUPP 501, EACCES/EPERM 403, anything else 500).
 * - Blocking engine calls get the client's socket as cancel_fd (hijacked
 *   sessions get their own, fired when the client hangs up), so a client
 *   that leaves (docker run -d abandoning its /wait) ends the call.
 * - Endpoints Gantry does not have yet answer 501 with a message naming
 *   what is missing (build, commit, cp, networks of our own); none answers
 *   a silent success.
 * The engine must outlive the gt_docker and every server using it.
 */
#ifndef GT_DOCKER_DOCKER_H
#define GT_DOCKER_DOCKER_H

#include "base/error.h"
#include "http/server.h"

/* The newest and the oldest API versions served. */
#define GT_DOCKER_API_VERSION "1.50"
#define GT_DOCKER_MIN_API_VERSION "1.24"

struct gt_engine;
struct gt_docker;

struct gt_docker_config {
    struct gt_engine *engine; /* borrowed */
    const char *version;      /* Gantry's version, shown by docker version/info */
    const char *git_commit;   /* may be NULL */
    bool debug;               /* Info.Debug */
};

int gt_docker_new(const struct gt_docker_config *cfg, struct gt_docker **out,
                  struct gt_error *err);
void gt_docker_free(struct gt_docker *d);

/* Fills *o (zeroed first) for gt_http_server_new(); o points into d, which
 * must outlive the server. */
void gt_docker_server_opts(struct gt_docker *d, struct gt_http_server_opts *o);

#endif
