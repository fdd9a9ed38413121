/* docker import: the request's options checked and turned into the image
 * module's (image/changes.h, image/transfer.h). */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "engine/internal.h"
#include "image/changes.h"
#include "image/ref.h"
#include "image/transfer.h"

/* repo ("name" or "name:tag") and tag as dockerd joins them: the tag given
 * wins, else repo's, else latest.  *out NULL when repo is empty. */
static int import_ref(const char *repo, const char *tag, char **out, struct gt_error *err)
{
    *out = NULL;
    if (!repo || !*repo)
        return 0;
    struct gt_ref ref;
    if (gt_ref_parse(repo, &ref, NULL) < 0)
        return gt_err(err, EINVAL, "invalid reference format: %s", repo);
    bool digest = ref.digest != NULL;
    cleanup_free char *name = gt_ref_name(&ref);
    cleanup_free char *full = gt_ref_string(&ref);
    gt_ref_release(&ref);
    if (digest)
        return gt_err(err, EINVAL, "cannot import digest reference %s", repo);
    if (!tag || !*tag) {
        *out = steal_pointer(&full);
        return 0;
    }
    cleanup_free char *tagged = gt_xasprintf("%s:%s", name, tag);
    if (gt_ref_normalize(tagged, out, NULL) < 0)
        return gt_err(err, EINVAL, "invalid tag format: %s", tag);
    return 0;
}

/* Failures that the tarball caused (a refused entry, a corrupt stream)
 * are the client's: 400. */
static bool tarball_fault(int code)
{
    switch (code < 0 ? -code : code) {
    case EPERM:
    case ENOTDIR:
    case EFBIG:
    case ENAMETOOLONG:
    case ENOENT:
    case EEXIST:
    case EBADMSG:
    case EPROTO:
        return true;
    default:
        return false;
    }
}

int gt_engine_image_import(struct gt_engine *e, int fd, const struct gt_engine_import_opts *opts,
                           char **image_id, struct gt_error *err)
{
    cleanup_free char *ref = NULL;
    int r = import_ref(opts->repo, opts->tag, &ref, err);
    if (r < 0)
        return r;
    struct gt_platform plat = { 0 };
    bool have_plat = opts->platform && *opts->platform;
    if (have_plat) {
        if ((r = gt_platform_parse(opts->platform, &plat, err)) < 0)
            return r;
        if (strcmp(plat.os, "linux") != 0) {
            r = gt_err(err, EINVAL, "import for %s: operating system \"%s\" is not supported",
                       opts->platform, plat.os);
            gt_platform_release(&plat);
            return r;
        }
    }
    cleanup_json json_t *config = json_object();
    if ((r = gt_image_changes_apply(config, opts->changes, err)) < 0) {
        gt_platform_release(&plat);
        return r;
    }
    struct gt_rootfs_import_opts ro = {
        .ref = ref,
        .config = config,
        .comment = opts->message,
        .platform = have_plat ? &plat : NULL,
        .input_done = opts->input_done,
        .input_arg = opts->input_arg,
    };
    cleanup_free char *id = NULL;
    r = gt_rootfs_tar_import(e->store, fd, &ro, &id, err);
    gt_platform_release(&plat);
    if (r < 0) {
        if (tarball_fault(r) && err)
            err->code = EINVAL;
        return tarball_fault(r) ? -EINVAL : r;
    }
    eng_event_emit(e, "image", "import", id, NULL, json_pack("{s:s}", "name", id));
    if (ref)
        eng_event_emit(e, "image", "tag", ref, NULL, json_pack("{s:s}", "name", ref));
    *image_id = steal_pointer(&id);
    return 0;
}
