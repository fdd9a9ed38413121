/* The Docker API object: its settings and the options of its server. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "docker/internal.h"

int gt_docker_new(const struct gt_docker_config *cfg, struct gt_docker **out,
                  struct gt_error *err)
{
    if (!cfg->engine)
        return gt_err(err, EINVAL, "docker API: no engine");
    struct gt_docker *d = gt_xcalloc(1, sizeof *d);
    d->engine = cfg->engine;
    d->version = gt_xstrdup(cfg->version ? cfg->version : "0.0.0");
    d->git_commit = cfg->git_commit ? gt_xstrdup(cfg->git_commit) : NULL;
    d->debug = cfg->debug;
    d->server_header = gt_xasprintf("Server: Gantry/%s (linux)", d->version);
    d->headers[0] = "Api-Version: " GT_DOCKER_API_VERSION;
    d->headers[1] = "Ostype: linux";
    d->headers[2] = d->server_header;
    d->headers[3] = NULL;
    *out = d;
    return 0;
}

void gt_docker_free(struct gt_docker *d)
{
    if (!d)
        return;
    free(d->version);
    free(d->git_commit);
    free(d->server_header);
    free(d);
}

void gt_docker_server_opts(struct gt_docker *d, struct gt_http_server_opts *o)
{
    memset(o, 0, sizeof *o);
    o->routes = gt_docker_routes;
    o->nroutes = gt_docker_nroutes;
    o->ctx = d;
    o->error_fn = gt_docker_error_fn;
    o->path_hook = gt_docker_path_hook;
    o->headers = d->headers;
}
