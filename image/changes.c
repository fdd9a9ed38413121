/* image/changes.c - the changes of an overlay upper tree over its lower
 * trees (see changes.h). */
#include "image/changes.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"
#include "image/tree.h"

struct walk {
    const int *lowers;
    size_t n_lowers;
    char *const *ignore;
    struct gt_changes *out;
};

void gt_changes_release(struct gt_changes *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].path);
    free(c->v);
    memset(c, 0, sizeof *c);
}

static void push(struct gt_changes *c, const char *path, enum gt_change_kind kind)
{
    if (c->n == c->cap) {
        c->cap = c->cap * 2 + 32;
        c->v = gt_xrealloc(c->v, c->cap * sizeof *c->v);
    }
    c->v[c->n].path = gt_xstrdup(path);
    c->v[c->n].kind = kind;
    c->n++;
}

/* path: relative to the trees ("etc/motd").  The first tree below that
 * has it, never through a symbolic link. */
static bool lookup_below(const struct walk *w, const char *path, struct stat *st)
{
    struct open_how how = {
        .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
                   RESOLVE_NO_XDEV,
    };
    for (size_t i = 0; i < w->n_lowers; i++) {
        int fd;
        do
            fd = (int)syscall(SYS_openat2, w->lowers[i], path, &how, sizeof how);
        while (fd < 0 && errno == EAGAIN);
        if (fd < 0)
            continue;
        int r = fstat(fd, st);
        close(fd);
        if (r == 0)
            return true;
    }
    return false;
}

static bool is_ignored(const struct walk *w, const char *path)
{
    for (char *const *p = w->ignore; p && *p; p++)
        if (!strcmp(*p, path))
            return true;
    return false;
}

/* Whether the directory path (open as dfd) holds an ignored entry that no
 * tree below has: the caller made it, and so changed the directory. */
static bool holds_ignored(const struct walk *w, int dfd, const char *path)
{
    size_t len = strlen(path);
    for (char *const *p = w->ignore; p && *p; p++) {
        const char *slash = strrchr(*p, '/');
        if (!slash || (size_t)(slash - *p) != len || strncmp(*p, path, len))
            continue;
        struct stat st;
        if (fstatat(dfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            !lookup_below(w, *p + 1, &st))
            return true;
    }
    return false;
}

/* Go's os.FileInfo.ModTime equality as docker's sameFsTime has it: equal,
 * or equal seconds where one side has no nanoseconds. */
static bool same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec &&
           (a->tv_nsec == b->tv_nsec || a->tv_nsec == 0 || b->tv_nsec == 0);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks the directory dpath ("" for the root), open as dfd.  changed: the
 * directory is reported (or was made so for an earlier entry). */
static int walk_dir(struct walk *w, int dfd, const char *dpath, bool *changed,
                    struct gt_error *err)
{
    cleanup_strv char **names = NULL;
    int r = gt_list_dir_at(dfd, &names, err);
    if (r < 0)
        return gt_err_prefix(err, "%s", *dpath ? dpath : "/");
    qsort(names, gt_strv_len(names), sizeof *names, name_cmp);
    for (char **n = names; *n; n++) {
        cleanup_free char *path = gt_xasprintf("%s/%s", dpath, *n);
        struct stat st;
        if (fstatat(dfd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue; /* gone meanwhile */
            return gt_err_sys(err, errno, "stat %s", path);
        }
        cleanup_close int sub = -1;
        if (S_ISDIR(st.st_mode)) {
            sub = openat(dfd, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0)
                return gt_err_sys(err, errno, "open %s", path);
        }
        enum gt_change_kind kind;
        bool report = true;
        char opq[2];
        if (gt_tree_is_whiteout(&st) ||
            (sub >= 0 && fgetxattr(sub, GT_OVERLAY_OPAQUE_XATTR, opq, sizeof opq) == 1 &&
             opq[0] == 'y')) {
            kind = GT_CHANGE_DELETED;
        } else {
            struct stat below;
            bool found = lookup_below(w, path + 1, &below);
            if (!found && is_ignored(w, path))
                continue;
            kind = found ? GT_CHANGE_MODIFIED : GT_CHANGE_ADDED;
            if (found && sub >= 0 && S_ISDIR(below.st_mode) && st.st_mode == below.st_mode &&
                ((st.st_size == below.st_size && same_time(&st.st_mtim, &below.st_mtim)) ||
                 holds_ignored(w, sub, path)))
                report = false; /* only a parent of changes: they say it */
        }
        bool sub_changed = false;
        if (report) {
            sub_changed = sub >= 0;
            if (kind != GT_CHANGE_MODIFIED && !*changed && *dpath) {
                push(w->out, dpath, GT_CHANGE_MODIFIED);
                *changed = true;
            }
            push(w->out, path, kind);
        }
        if (sub >= 0 && (r = walk_dir(w, sub, path, &sub_changed, err)) < 0)
            return r;
    }
    return 0;
}

int gt_changes_overlay(int upper_fd, const int *lowers, size_t n_lowers, char *const *ignore,
                       struct gt_changes *out, struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    struct walk w = { lowers, n_lowers, ignore, out };
    bool root_changed = true; /* "/" is never reported */
    int r = walk_dir(&w, upper_fd, "", &root_changed, err);
    if (r < 0)
        gt_changes_release(out);
    return r;
}
