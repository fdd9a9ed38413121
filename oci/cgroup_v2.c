/* The cgroup v2 backend (unified hierarchy). */
#include <errno.h>

#include "oci/cgroup_internal.h"

static int v2_todo(struct gt_error *err)
{
    return gt_err(err, ENOTSUP, "cgroup v2: not implemented yet");
}
static int v2_apply(struct gt_cgroup *cg, const struct gt_cg_resources *r, bool updating,
                    struct gt_error *err)
{
    return v2_todo(err);
}
static int v2_prepare(struct gt_cgroup *cg, struct gt_error *err)
{
    return v2_todo(err);
}
static int v2_freeze(struct gt_cgroup *cg, bool frozen, struct gt_error *err)
{
    return v2_todo(err);
}
static int v2_is_frozen(struct gt_cgroup *cg, bool *frozen, struct gt_error *err)
{
    return v2_todo(err);
}
static const struct gt_cg_dir *v2_procs_dir(struct gt_cgroup *cg)
{
    return &cg->dirs[0];
}
static int v2_stats(struct gt_cgroup *cg, json_t *out, struct gt_error *err)
{
    return v2_todo(err);
}
static int v2_oom_kills(struct gt_cgroup *cg, uint64_t *out, struct gt_error *err)
{
    return v2_todo(err);
}
const struct gt_cg_ops gt_cg_v2_ops = {
    .name = "v2",
    .apply = v2_apply,
    .prepare = v2_prepare,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .procs_dir = v2_procs_dir,
    .stats = v2_stats,
    .oom_kills = v2_oom_kills,
};
