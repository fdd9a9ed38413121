/* image/fsdiff.c - docker diff between two views of overlay-form trees
 * (see fsdiff.h).
 *
 * A directory of a view is the list of the trees that make it up (top
 * first): the top-most tree that has the path as a directory, then each
 * lower one that has it as a directory too, until one has something else
 * there (a file, a whiteout) or the last one taken is opaque.  Its entries
 * are the names of those trees' directories, each from the top-most tree
 * that has it, a whiteout hiding the name. */
#include "image/fsdiff.h"

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

struct view {
    const int *trees;
    size_t n;
};

/* The trees of one directory of a view: indexes into view.trees. */
struct layers {
    size_t *v;
    size_t n;
};

struct uent {
    char *name;
    struct stat st;
    size_t layer; /* the tree it comes from */
};

struct ulist {
    struct uent *v;
    size_t n, cap;
};

struct diff {
    struct view ctr, img;
    char *const *ignore;
    struct gt_fsdiff *out;
    struct gt_error *err;
};

void gt_fsdiff_release(struct gt_fsdiff *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].path);
    free(c->v);
    memset(c, 0, sizeof *c);
}

static void push(struct gt_fsdiff *c, const char *path, enum gt_fsdiff_kind kind)
{
    if (c->n == c->cap) {
        c->cap = c->cap * 2 + 32;
        c->v = gt_xrealloc(c->v, c->cap * sizeof *c->v);
    }
    c->v[c->n].path = gt_xstrdup(path);
    c->v[c->n].kind = kind;
    c->n++;
}

static void insert_at(struct gt_fsdiff *c, size_t at, const char *path, enum gt_fsdiff_kind kind)
{
    push(c, path, kind);
    struct gt_fsdiff_change last = c->v[c->n - 1];
    memmove(c->v + at + 1, c->v + at, (c->n - 1 - at) * sizeof *c->v);
    c->v[at] = last;
}

static void ulist_release(struct ulist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* rel ("" for the root, "etc/motd") below tree, never through a symbolic
 * link or out of it: an fd or -errno. */
static int open_in(int tree, const char *rel, int flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    int fd;
    do
        fd = (int)syscall(SYS_openat2, tree, *rel ? rel : ".", &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    return fd < 0 ? -errno : fd;
}

static bool is_opaque(int tree, const char *rel)
{
    int fd = open_in(tree, rel, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return false;
    char v[2];
    bool opaque = fgetxattr(fd, GT_OVERLAY_OPAQUE_XATTR, v, sizeof v) == 1 && v[0] == 'y';
    close(fd);
    return opaque;
}

static int uent_cmp(const void *a, const void *b)
{
    const struct uent *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->layer < y->layer ? -1 : x->layer > y->layer;
}

/* The entries of the directory rel made of the trees d, by name. */
static int list_union(const struct view *v, const struct layers *d, const char *rel,
                      struct ulist *out, struct gt_error *err)
{
    struct ulist all = { 0 };
    int r = 0;
    for (size_t k = 0; k < d->n && r == 0; k++) {
        int fd = open_in(v->trees[d->v[k]], rel, O_RDONLY | O_DIRECTORY);
        if (fd < 0) {
            r = gt_err_sys(err, -fd, "open /%s", rel);
            break;
        }
        cleanup_strv char **names = NULL;
        if ((r = gt_list_dir_at(fd, &names, err)) < 0) {
            gt_err_prefix(err, "/%s", rel);
        }
        for (char **n = names; r == 0 && *n; n++) {
            struct stat st;
            if (fstatat(fd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                    continue; /* gone meanwhile */
                r = gt_err_sys(err, errno, "stat /%s/%s", rel, *n);
                break;
            }
            if (all.n == all.cap) {
                all.cap = all.cap * 2 + 64;
                all.v = gt_xrealloc(all.v, all.cap * sizeof *all.v);
            }
            all.v[all.n++] = (struct uent){ gt_xstrdup(*n), st, d->v[k] };
        }
        close(fd);
    }
    if (r < 0) {
        ulist_release(&all);
        return r;
    }
    if (all.n)
        qsort(all.v, all.n, sizeof *all.v, uent_cmp);
    /* the top-most of each name; a whiteout hides it */
    size_t w = 0;
    const char *prev = NULL;
    char *drop = NULL; /* freed once the next name is compared */
    for (size_t i = 0; i < all.n; i++) {
        bool first = !prev || strcmp(all.v[i].name, prev);
        free(drop);
        drop = NULL;
        prev = all.v[i].name;
        if (first && !gt_tree_is_whiteout(&all.v[i].st))
            all.v[w++] = all.v[i];
        else
            drop = all.v[i].name;
    }
    free(drop);
    all.n = w;
    *out = all;
    return 0;
}

/* The trees of the directory rel, whose top-most tree is top, in a view
 * whose parent directory is made of parent. */
static void child_layers(const struct view *v, const struct layers *parent, size_t top,
                         const char *rel, struct layers *out)
{
    out->v = gt_xcalloc(parent->n + 1, sizeof *out->v);
    out->n = 0;
    for (size_t k = 0; k < parent->n; k++) {
        size_t j = parent->v[k];
        if (j < top)
            continue;
        if (j > top) {
            int fd = open_in(v->trees[j], rel, O_PATH | O_NOFOLLOW);
            if (fd < 0)
                continue; /* not in this tree */
            struct stat st;
            int r = fstat(fd, &st);
            close(fd);
            if (r < 0 || !S_ISDIR(st.st_mode))
                break; /* a file or a whiteout hides the rest */
        }
        out->v[out->n++] = j;
        if (is_opaque(v->trees[j], rel))
            break;
    }
}

static bool is_ignored(const struct diff *w, const char *path)
{
    for (char *const *p = w->ignore; p && *p; p++)
        if (!strcmp(*p, path))
            return true;
    return false;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec &&
           (a->tv_nsec == b->tv_nsec || a->tv_nsec == 0 || b->tv_nsec == 0);
}

static bool stat_differs(const struct stat *o, const struct stat *n)
{
    return o->st_mode != n->st_mode || o->st_uid != n->st_uid || o->st_gid != n->st_gid ||
           o->st_rdev != n->st_rdev ||
           (!S_ISDIR(o->st_mode) &&
            (!same_time(&o->st_mtim, &n->st_mtim) || o->st_size != n->st_size));
}

/* security.capability of a regular file (size, or -1 for none). */
static ssize_t capability(int tree, const char *rel, char *buf, size_t size)
{
    int fd = open_in(tree, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    ssize_t n = fgetxattr(fd, "security.capability", buf, size);
    close(fd);
    return n;
}

static bool capability_differs(const struct diff *w, const struct uent *o, const struct uent *n,
                               const char *rel)
{
    if (!S_ISREG(n->st.st_mode))
        return false;
    char a[64], b[64];
    ssize_t la = capability(w->img.trees[o->layer], rel, a, sizeof a);
    ssize_t lb = capability(w->ctr.trees[n->layer], rel, b, sizeof b);
    return la != lb || (la > 0 && memcmp(a, b, (size_t)la));
}

/* Changes inside the directory rel ("" for the root): in the container
 * made of cd, in the image of id (NULL: the image has no directory
 * there).  reported: rel itself was reported added or modified. */
static int diff_dir(struct diff *w, const char *rel, const struct layers *cd,
                    const struct layers *id, bool reported)
{
    size_t at = w->out->n;
    struct ulist cl = { 0 }, il = { 0 };
    int r = list_union(&w->ctr, cd, rel, &cl, w->err);
    if (r == 0 && id)
        r = list_union(&w->img, id, rel, &il, w->err);
    size_t j = 0;
    bool *kept = gt_xcalloc(il.n + 1, sizeof *kept);
    for (size_t i = 0; i < cl.n && r == 0; i++) {
        const struct uent *n = &cl.v[i];
        while (j < il.n && strcmp(il.v[j].name, n->name) < 0)
            j++;
        const struct uent *o = j < il.n && !strcmp(il.v[j].name, n->name) ? &il.v[j] : NULL;
        if (o)
            kept[j] = true;
        cleanup_free char *crel = *rel ? gt_xasprintf("%s/%s", rel, n->name)
                                       : gt_xstrdup(n->name);
        cleanup_free char *path = gt_xasprintf("/%s", crel);
        if (!o && is_ignored(w, path))
            continue;
        if (o && o->st.st_dev == n->st.st_dev && o->st.st_ino == n->st.st_ino)
            continue; /* the image's own, and all below it */
        bool mine = !o || stat_differs(&o->st, &n->st) || capability_differs(w, o, n, crel);
        if (mine)
            push(w->out, path, o ? GT_FSDIFF_MODIFIED : GT_FSDIFF_ADDED);
        if (!S_ISDIR(n->st.st_mode))
            continue;
        struct layers ccd, cid = { 0 };
        child_layers(&w->ctr, cd, n->layer, crel, &ccd);
        if (o && S_ISDIR(o->st.st_mode))
            child_layers(&w->img, id, o->layer, crel, &cid);
        r = diff_dir(w, crel, &ccd, o && S_ISDIR(o->st.st_mode) ? &cid : NULL, mine);
        free(ccd.v);
        free(cid.v);
    }
    for (size_t k = 0; k < il.n && r == 0; k++) {
        if (kept[k])
            continue;
        cleanup_free char *path = gt_xasprintf("%s%s/%s", *rel ? "/" : "", rel, il.v[k].name);
        push(w->out, path, GT_FSDIFF_DELETED);
    }
    free(kept);
    ulist_release(&cl);
    ulist_release(&il);
    if (r == 0 && w->out->n > at && !reported && *rel) {
        cleanup_free char *path = gt_xasprintf("/%s", rel);
        insert_at(w->out, at, path, GT_FSDIFF_MODIFIED);
    }
    return r;
}

int gt_fsdiff_compute(const int *ctr, size_t n_ctr, const int *img, size_t n_img,
                       char *const *ignore, struct gt_fsdiff *out, struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    struct diff w = { { ctr, n_ctr }, { img, n_img }, ignore, out, err };
    struct layers cd = { gt_xcalloc(n_ctr + 1, sizeof *cd.v), n_ctr };
    struct layers id = { gt_xcalloc(n_img + 1, sizeof *id.v), n_img };
    for (size_t i = 0; i < n_ctr; i++)
        cd.v[i] = i;
    for (size_t i = 0; i < n_img; i++)
        id.v[i] = i;
    int r = diff_dir(&w, "", &cd, &id, true);
    free(cd.v);
    free(id.v);
    if (r < 0)
        gt_fsdiff_release(out);
    return r;
}
