/* image/fsdiff.c: docker diff between views of layer trees. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"
#include "image/fsdiff.h"
#include "image/tree.h"
#include "tests/unit/unit.h"

/* Makes base/rel: "d" a directory, "f" a file with data, "w" a whiteout,
 * "o" an opaque directory. */
static void mk(const char *base, const char *rel, char kind, const char *data)
{
    cleanup_free char *p = gt_xasprintf("%s/%s", base, rel);
    cleanup_free char *parent = gt_xstrdup(p);
    *strrchr(parent, '/') = '\0';
    gt_mkdir_p(parent, 0755, NULL);
    switch (kind) {
    case 'd':
    case 'o':
        mkdir(p, 0755);
        if (kind == 'o')
            setxattr(p, GT_OVERLAY_OPAQUE_XATTR, "y", 1, 0);
        break;
    case 'w':
        mknod(p, S_IFCHR | 0, makedev(0, 0));
        break;
    default:
        gt_write_file(p, data ? data : "", data ? strlen(data) : 0, 0644, NULL);
    }
}

/* "C /etc D /etc/motd ...": the view of ctr over that of img */
static char *changes(const char *const *ctr, const char *const *img, char *const *ignore)
{
    int cfd[8] = { -1 }, ifd[8] = { -1 };
    size_t nc = 0, ni = 0;
    for (; ctr[nc]; nc++)
        cfd[nc] = open(ctr[nc], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (; img[ni]; ni++)
        ifd[ni] = open(img[ni], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct gt_fsdiff ch;
    struct gt_error err;
    int r = gt_fsdiff_compute(cfd, nc, ifd, ni, ignore, &ch, &err);
    for (size_t i = 0; i < nc; i++)
        close(cfd[i]);
    for (size_t i = 0; i < ni; i++)
        close(ifd[i]);
    if (r < 0)
        return gt_xasprintf("error: %s", err.msg);
    char *s = gt_xstrdup("");
    for (size_t i = 0; i < ch.n; i++) {
        char *t = gt_xasprintf("%s%s%c %s", s, *s ? " " : "", "CAD"[ch.v[i].kind], ch.v[i].path);
        free(s);
        s = t;
    }
    gt_fsdiff_release(&ch);
    return s;
}

static char *dir_of(const char *name)
{
    char *p = gt_xasprintf("%s/%s", unit_tmpdir(), name);
    mkdir(p, 0755);
    return p;
}

TEST(added_modified_deleted_in_name_order)
{
    if (geteuid() != 0)
        unit_skip("whiteouts need root");
    cleanup_free char *l1 = dir_of("l1"), *l2 = dir_of("l2"), *u = dir_of("u");
    mk(l1, "etc/passwd", 'f', "root\n");
    mk(l1, "var/log/x", 'f', "x");
    mk(l2, "etc/motd", 'f', "hi\n");
    mk(u, "etc/passwd", 'f', "root\nme\n");
    mk(u, "etc/motd", 'w', NULL);
    mk(u, "var", 'w', NULL);
    mk(u, "a/x", 'f', "x");
    mk(u, "a-b", 'f', "x");
    const char *const ctr[] = { u, l2, l1, NULL }, *const img[] = { l2, l1, NULL };
    cleanup_free char *s = changes(ctr, img, NULL);
    /* a directory's entries by name, what each holds after it, deletions
     * last; /etc holds changes: it comes first, modified */
    CHECK_STR_EQ(s, "A /a A /a/x A /a-b C /etc C /etc/passwd D /etc/motd D /var");
}

TEST(directories_count_by_mode_and_owner_not_time)
{
    cleanup_free char *l = dir_of("l"), *u = dir_of("u");
    mk(l, "d/old", 'f', "x");
    mk(l, "e/f", 'f', "x");
    mk(l, "g/h", 'f', "x");
    mk(u, "d/new", 'f', "x");
    mk(u, "e", 'd', NULL);
    mk(u, "g", 'd', NULL);
    cleanup_free char *g = gt_xasprintf("%s/g", u);
    chmod(g, 0700);
    const char *const ctr[] = { u, l, NULL }, *const img[] = { l, NULL };
    cleanup_free char *s = changes(ctr, img, NULL);
    /* d gained an entry; e only was copied up; g changed its mode */
    CHECK_STR_EQ(s, "C /d A /d/new C /g");
}

TEST(an_opaque_directory_hides_what_was_below)
{
    if (geteuid() != 0)
        unit_skip("trusted xattrs need root");
    cleanup_free char *l = dir_of("l"), *u = dir_of("u");
    mk(l, "d/old", 'f', "x");
    mk(l, "d/kept", 'f', "x");
    mk(u, "d", 'o', NULL);
    mk(u, "d/kept", 'f', "again");
    mk(u, "d/new", 'f', "x");
    char v[2];
    cleanup_free char *d = gt_xasprintf("%s/d", u);
    if (getxattr(d, GT_OVERLAY_OPAQUE_XATTR, v, sizeof v) != 1)
        unit_skip("no trusted xattrs on %s", unit_tmpdir());
    const char *const ctr[] = { u, l, NULL }, *const img[] = { l, NULL };
    cleanup_free char *s = changes(ctr, img, NULL);
    CHECK_STR_EQ(s, "C /d C /d/kept A /d/new D /d/old");
}

TEST(what_the_runtime_made_is_left_out)
{
    cleanup_free char *l = dir_of("l"), *u = dir_of("u");
    mk(l, "etc/passwd", 'f', "x");
    mk(l, "etc/hosts", 'f', "image's own");
    mk(u, "etc/hostname", 'f', "");
    mk(u, "etc/hosts", 'f', "");
    mk(u, "proc", 'd', NULL);
    mk(u, "dev/pts", 'd', NULL);
    const char *const ctr[] = { u, l, NULL }, *const img[] = { l, NULL };
    char *const ignore[] = { "/etc/hostname", "/etc/hosts", "/proc", "/dev", NULL };
    cleanup_free char *s = changes(ctr, img, ignore);
    /* /etc/hosts is the image's: changed (the runtime's own would be a
     * mount over it) */
    CHECK_STR_EQ(s, "C /etc C /etc/hosts");
    mk(u, "etc/new", 'f', "x");
    cleanup_free char *s2 = changes(ctr, img, ignore);
    CHECK_STR_EQ(s2, "C /etc C /etc/hosts A /etc/new");
}

TEST(a_flattened_copy_against_its_layers)
{
    cleanup_free char *l1 = dir_of("l1"), *l2 = dir_of("l2"), *root = dir_of("root");
    mk(l1, "etc/passwd", 'f', "x");
    mk(l1, "etc/group", 'f', "x");
    mk(l2, "bin/sh", 'f', "#!");
    const char *const layers[] = { l1, l2 };
    for (size_t i = 0; i < 2; i++) {
        int src = open(layers[i], O_RDONLY | O_DIRECTORY), dst = open(root, O_RDONLY | O_DIRECTORY);
        REQUIRE(gt_tree_apply_layer(src, dst, NULL) == 0);
        close(src);
        close(dst);
    }
    const char *const ctr[] = { root, NULL }, *const img[] = { l2, l1, NULL };
    cleanup_free char *s = changes(ctr, img, NULL);
    CHECK_STR_EQ(s, "");
    mk(root, "etc/new", 'f', "x");
    cleanup_free char *gp = gt_xasprintf("%s/etc/group", root);
    unlink(gp);
    cleanup_free char *s2 = changes(ctr, img, NULL);
    CHECK_STR_EQ(s2, "C /etc A /etc/new D /etc/group");
}
