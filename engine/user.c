/* Users of a container, resolved inside its root filesystem by the image
 * module's gt_resolve_user (image/spec.h), copied into a fixed struct. */
#include <stdio.h>
#include <string.h>

#include "engine/internal.h"
#include "image/spec.h"

int eng_user_resolve(int rootfd, const char *spec, struct ctr_user *u, struct gt_error *err)
{
    memset(u, 0, sizeof *u);
    struct gt_exec_user eu;
    int r = gt_resolve_user(rootfd, spec, &eu, err);
    if (r < 0)
        return r;
    u->uid = eu.uid;
    u->gid = eu.gid;
    for (size_t i = 0; i < eu.n_groups && u->n_groups < sizeof u->groups / sizeof u->groups[0]; i++)
        u->groups[u->n_groups++] = eu.groups[i];
    snprintf(u->home, sizeof u->home, "%s", eu.home ? eu.home : "/");
    gt_exec_user_release(&eu);
    return 0;
}
