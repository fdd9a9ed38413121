/* Joining a container's cgroup from the inside, without the cgroup.procs
 * write that waits for an RCU grace period (see gt_cgroup_join_self() in
 * cgroup.h). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "base/log.h"
#include "oci/cgroup.h"
#include "oci/cgroup_internal.h"

/* The directory on the cgroup2 hierarchy: the v2 one, or the hybrid
 * host's unified one (v1 dirs are named after their controllers). */
static const struct gt_cg_dir *v2_dir(const struct gt_cgroup *cg)
{
    for (size_t i = 0; i < cg->n_dirs; i++)
        if (!cg->dirs[i].controllers[0])
            return &cg->dirs[i];
    return NULL;
}

int gt_cgroup_clone_fd(struct gt_cgroup *cg)
{
    const struct gt_cg_dir *d = v2_dir(cg);
    if (!d || d->emulated)
        return -1;
    return open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int gt_cgroup_join_self(struct gt_cgroup *cg, bool in_v2, struct gt_error *err)
{
    for (size_t i = 0; i < cg->n_dirs; i++) {
        const struct gt_cg_dir *d = &cg->dirs[i];
        bool v2 = !d->controllers[0];
        if (v2 && in_v2)
            continue;
        struct gt_error e2;
        /* "0" in v1's tasks moves just this thread: no global lock */
        int r = gt_cg_write(d, v2 ? "cgroup.procs" : "tasks", "0", NULL, &e2);
        if (r < 0 && d->best_effort) {
            gt_debug("cgroup: join unified %s (hybrid, not required): %s", d->path, e2.msg);
            continue;
        }
        if (r < 0) {
            if (err)
                *err = e2;
            return gt_err_prefix(err, "join cgroup %s", cg->path);
        }
    }
    return 0;
}
