#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <stdint.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"
#include "image/commit.h"
#include "image/content.h"
#include "image/store.h"
#include "image/transfer.h"
#include "image/tree.h"
#include "image/unpack.h"
#include "tests/unit/unit.h"

/* A tar written with libarchive into a temporary file. */
struct tarw {
    struct archive *a;
    char path[256];
    int fd;
};

static void tar_begin(struct tarw *t, const char *name, const char *filter)
{
    snprintf(t->path, sizeof t->path, "%s/%s", unit_tmpdir(), name);
    t->fd = open(t->path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    t->a = archive_write_new();
    archive_write_set_format_pax_restricted(t->a);
    if (filter && !strcmp(filter, "gzip"))
        archive_write_add_filter_gzip(t->a);
    else if (filter && !strcmp(filter, "zstd"))
        archive_write_add_filter_zstd(t->a);
    archive_write_open_fd(t->a, t->fd);
}

static void tar_add(struct tarw *t, const char *name, mode_t type, mode_t perm, const char *data,
                    const char *link)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, perm);
    archive_entry_set_uid(e, 1000);
    archive_entry_set_gid(e, 1001);
    archive_entry_set_mtime(e, 1000000000, 0);
    if (type == AE_IFLNK)
        archive_entry_set_symlink(e, link);
    size_t len = data ? strlen(data) : 0;
    if (type == AE_IFREG && !(link && *link == 'H'))
        archive_entry_set_size(e, (la_int64_t)len);
    if (type == AE_IFCHR)
        archive_entry_set_rdev(e, makedev(1, 3));
    archive_write_header(t->a, e);
    if (len)
        archive_write_data(t->a, data, len);
    archive_entry_free(e);
}

static void tar_hardlink(struct tarw *t, const char *name, const char *target)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_hardlink(e, target);
    archive_entry_set_size(e, 0);
    archive_write_header(t->a, e);
    archive_entry_free(e);
}

static void tar_xattr(struct tarw *t, const char *name, const char *key, const char *val)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0600);
    archive_entry_set_size(e, 1);
    archive_entry_xattr_add_entry(e, key, val, strlen(val));
    archive_write_header(t->a, e);
    archive_write_data(t->a, "x", 1);
    archive_entry_free(e);
}

/* Ends the tar; returns an fd open at its start. */
static int tar_end(struct tarw *t)
{
    archive_write_close(t->a);
    archive_write_free(t->a);
    lseek(t->fd, 0, SEEK_SET);
    return t->fd;
}

static int new_root(const char *name)
{
    cleanup_free char *p = gt_path_join(unit_tmpdir(), name);
    mkdir(p, 0755);
    return open(p, O_RDONLY | O_DIRECTORY);
}

static int root_entries(int fd)
{
    int64_t e, b;
    struct gt_error err;
    if (gt_tree_usage(fd, &e, &b, &err) < 0)
        return -1;
    return (int)e;
}

static void need_root(void)
{
    if (geteuid() != 0)
        unit_skip("needs root (chown, mknod, trusted xattrs)");
}

TEST(unpack_keeps_files_links_owners_and_whiteouts)
{
    need_root();
    struct tarw t;
    tar_begin(&t, "l.tar.gz", "gzip");
    tar_add(&t, "./", AE_IFDIR, 0755, NULL, NULL);
    tar_add(&t, "etc/", AE_IFDIR, 0750, NULL, NULL);
    tar_add(&t, "etc/hosts", AE_IFREG, 0640, "127.0.0.1 localhost\n", NULL);
    tar_add(&t, "bin/sh", AE_IFLNK, 0777, NULL, "/bin/busybox");
    tar_hardlink(&t, "etc/hosts.hard", "etc/hosts");
    tar_add(&t, "gone/.wh.file", AE_IFREG, 0644, NULL, NULL);
    tar_add(&t, "opaque/.wh..wh..opq", AE_IFREG, 0644, NULL, NULL);
    tar_add(&t, "opaque/kept", AE_IFREG, 0644, "k", NULL);
    tar_add(&t, ".wh..wh.plnk", AE_IFDIR, 0700, NULL, NULL);
    tar_add(&t, "dev/null", AE_IFCHR, 0666, NULL, NULL);
    tar_add(&t, "fifo", AE_IFIFO, 0600, NULL, NULL);
    tar_xattr(&t, "caps", "user.note", "hello");
    int fd = tar_end(&t);
    cleanup_close int root = new_root("r1");
    struct gt_error err;
    struct gt_unpack_stats st;
    int r = gt_layer_unpack(fd, root, NULL, &st, &err);
    if (r < 0)
        fprintf(stderr, "%s\n", err.msg);
    REQUIRE(r == 0);
    close(fd);
    CHECK_STR_CONTAINS(st.diff_id, "sha256:");

    struct stat s;
    REQUIRE(fstatat(root, "etc/hosts", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK_INT_EQ(s.st_mode & 07777, 0640);
    CHECK_INT_EQ(s.st_uid, 1000);
    CHECK_INT_EQ(s.st_gid, 1001);
    CHECK_INT_EQ(s.st_mtime, 1000000000);
    CHECK_INT_EQ(s.st_nlink, 2);
    REQUIRE(fstatat(root, "etc", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK_INT_EQ(s.st_mode & 07777, 0750);
    CHECK_INT_EQ(s.st_mtime, 1000000000); /* set after its children */
    char buf[64] = { 0 };
    CHECK_INT_EQ(readlinkat(root, "bin/sh", buf, sizeof buf), 12);
    CHECK_STR_EQ(buf, "/bin/busybox");
    REQUIRE(fstatat(root, "gone/file", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(gt_tree_is_whiteout(&s));
    CHECK(fstatat(root, "gone/.wh.file", &s, AT_SYMLINK_NOFOLLOW) < 0);
    cleanup_free char *op = gt_xasprintf("%s/r1/opaque", unit_tmpdir());
    char v[4] = { 0 };
    CHECK_INT_EQ(getxattr(op, "trusted.overlay.opaque", v, sizeof v), 1);
    CHECK_STR_EQ(v, "y");
    CHECK(fstatat(root, "opaque/.wh..wh..opq", &s, AT_SYMLINK_NOFOLLOW) < 0);
    CHECK(fstatat(root, "opaque/kept", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(fstatat(root, ".wh..wh.plnk", &s, AT_SYMLINK_NOFOLLOW) < 0);
    REQUIRE(fstatat(root, "dev/null", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(S_ISCHR(s.st_mode) && s.st_rdev == makedev(1, 3));
    REQUIRE(fstatat(root, "fifo", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(S_ISFIFO(s.st_mode));
    cleanup_free char *caps = gt_xasprintf("%s/r1/caps", unit_tmpdir());
    memset(v, 0, sizeof v);
    CHECK_INT_EQ(getxattr(caps, "user.note", buf, sizeof buf), 5);
}

TEST(unpack_reads_plain_gzip_and_zstd_and_checks_the_diff_id)
{
    need_root();
    const char *filters[] = { NULL, "gzip", "zstd" };
    char first[80] = "";
    for (int i = 0; i < 3; i++) {
        struct tarw t;
        char name[32];
        snprintf(name, sizeof name, "f%d.tar", i);
        tar_begin(&t, name, filters[i]);
        tar_add(&t, "a", AE_IFREG, 0644, "data", NULL);
        int fd = tar_end(&t);
        snprintf(name, sizeof name, "root%d", i);
        cleanup_close int root = new_root(name);
        struct gt_error err;
        struct gt_unpack_stats st;
        int r = gt_layer_unpack(fd, root, NULL, &st, &err);
        if (r < 0)
            fprintf(stderr, "%s: %s\n", filters[i] ? filters[i] : "plain", err.msg);
        CHECK_INT_EQ(r, 0);
        /* the same tar inside: the same diff id */
        if (!first[0])
            snprintf(first, sizeof first, "%s", st.diff_id);
        else
            CHECK_STR_EQ(st.diff_id, first);
        close(fd);
    }
    /* and the plain tar's diff id is its sha256 */
    cleanup_free char *p = gt_path_join(unit_tmpdir(), "f0.tar");
    cleanup_free char *data = NULL;
    size_t len;
    struct gt_error err;
    REQUIRE(gt_read_file(p, 0, &data, &len, &err) == 0);
    cleanup_free char *dg = gt_digest_of(data, len);
    CHECK_STR_EQ(first, dg);

    int fd = open(p, O_RDONLY);
    cleanup_close int root = new_root("wrong");
    struct gt_unpack_opts o = {
        .expected_diff_id = "sha256:0000000000000000000000000000000000000000000000000000000000000000",
    };
    CHECK_INT_EQ(gt_layer_unpack(fd, root, &o, NULL, &err), -EBADMSG);
    CHECK_STR_CONTAINS(err.msg, "does not match its diff id");
    close(fd);
}

/* Each hostile tar is refused with a message naming the entry, and
 * nothing is written outside the root. */
struct hostile {
    const char *name;
    void (*build)(struct tarw *t);
    const char *message;
    struct gt_unpack_opts opts;
};

static void h_dotdot(struct tarw *t)
{
    tar_add(t, "a/../../evil", AE_IFREG, 0644, "x", NULL);
}
static void h_absolute(struct tarw *t)
{
    tar_add(t, "/evil", AE_IFREG, 0644, "x", NULL);
}
static void h_symlink_escape(struct tarw *t)
{
    tar_add(t, "link", AE_IFLNK, 0777, NULL, "../../..");
    tar_add(t, "link/evil", AE_IFREG, 0644, "x", NULL);
}
static void h_symlink_abs_escape(struct tarw *t)
{
    tar_add(t, "d/link", AE_IFLNK, 0777, NULL, "/tmp");
    tar_add(t, "d/link/evil", AE_IFREG, 0644, "x", NULL);
}
static void h_hardlink_out(struct tarw *t)
{
    tar_hardlink(t, "passwd", "../../../../etc/passwd");
}
static void h_hardlink_abs(struct tarw *t)
{
    tar_hardlink(t, "passwd", "/etc/passwd");
}
static void h_hardlink_via_symlink(struct tarw *t)
{
    tar_add(t, "etc", AE_IFLNK, 0777, NULL, "/etc");
    tar_hardlink(t, "passwd", "etc/passwd");
}
static void h_huge(struct tarw *t)
{
    static char big[5000];
    memset(big, 'a', sizeof big - 1);
    tar_add(t, "big", AE_IFREG, 0644, big, NULL);
}
static void h_device(struct tarw *t)
{
    tar_add(t, "dev/mem", AE_IFCHR, 0600, NULL, NULL);
}
static void h_whiteout_dotdot(struct tarw *t)
{
    tar_add(t, "a/.wh..", AE_IFREG, 0644, NULL, NULL);
}

static const struct hostile hostiles[] = {
    { "dotdot", h_dotdot, "entry \"a/../../evil\": path with \"..\" refused", { 0 } },
    { "absolute", h_absolute, "entry \"/evil\": absolute path refused", { 0 } },
    { "symlink_escape", h_symlink_escape, "entry \"link/evil\": refusing to write through", { 0 } },
    { "symlink_abs", h_symlink_abs_escape, "entry \"d/link/evil\": refusing to write through", { 0 } },
    { "hardlink_out", h_hardlink_out, "entry \"passwd\": hardlink target", { 0 } },
    { "hardlink_abs", h_hardlink_abs, "entry \"passwd\": hardlink target \"/etc/passwd\"", { 0 } },
    { "hardlink_symlink", h_hardlink_via_symlink, "entry \"passwd\": hardlink target \"etc/passwd\"", { 0 } },
    { "huge", h_huge, "entry \"big\": 4999 bytes is larger than the limit of 4096", { .max_entry_size = 4096 } },
    { "device", h_device, "entry \"dev/mem\": device nodes are not allowed", { .no_devices = true } },
    { "whiteout", h_whiteout_dotdot, "entry \"a/.wh..\": invalid whiteout", { 0 } },
};

TEST(unpack_refuses_hostile_layers)
{
    need_root();
    for (size_t i = 0; i < sizeof hostiles / sizeof hostiles[0]; i++) {
        const struct hostile *h = &hostiles[i];
        struct tarw t;
        char name[64];
        snprintf(name, sizeof name, "%s.tar", h->name);
        tar_begin(&t, name, "gzip");
        h->build(&t);
        int fd = tar_end(&t);
        snprintf(name, sizeof name, "jail-%s/root", h->name);
        cleanup_free char *jail = gt_xasprintf("%s/jail-%s", unit_tmpdir(), h->name);
        mkdir(jail, 0755);
        cleanup_close int root = new_root(name);
        struct gt_error err;
        gt_err_clear(&err);
        int r = gt_layer_unpack(fd, root, &h->opts, NULL, &err);
        close(fd);
        if (r >= 0) {
            unit_fail(__FILE__, __LINE__, "%s: unpacked, expected a refusal", h->name);
            continue;
        }
        if (!strstr(err.msg, h->message))
            unit_fail(__FILE__, __LINE__, "%s: message \"%s\", expected \"%s\"", h->name, err.msg,
                      h->message);
        /* nothing beside the root in the jail */
        cleanup_close int jfd = open(jail, O_RDONLY | O_DIRECTORY);
        CHECK_INT_EQ(root_entries(jfd) - root_entries(root), 1);
    }
    /* and nothing landed in the temporary directory's parent either */
    struct stat s;
    CHECK(stat("/tmp/evil", &s) < 0 || s.st_mtime < 1000000001);
}

TEST(unpack_refuses_truncated_and_non_tar_streams)
{
    need_root();
    struct tarw t;
    tar_begin(&t, "trunc.tar.gz", "gzip");
    /* letters from a generator: gzip cannot squeeze them much, so the
     * cut falls inside the entry's data */
    static char data[2000000];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof data - 1; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (char)('a' + (x >> 16) % 26);
    }
    tar_add(&t, "file", AE_IFREG, 0644, data, NULL);
    int fd = tar_end(&t);
    struct stat s;
    fstat(fd, &s);
    REQUIRE(ftruncate(fd, s.st_size / 2) == 0);
    cleanup_close int root = new_root("trunc");
    struct gt_error err;
    CHECK(gt_layer_unpack(fd, root, NULL, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "entry \"file\"");
    CHECK_STR_CONTAINS(err.msg, "truncated gzip input");
    close(fd);

    /* cut so short that not even a header is left */
    tar_begin(&t, "trunc2.tar.gz", "gzip");
    tar_add(&t, "file", AE_IFREG, 0644, "short", NULL);
    fd = tar_end(&t);
    REQUIRE(ftruncate(fd, 20) == 0);
    cleanup_close int root3 = new_root("trunc2");
    CHECK(gt_layer_unpack(fd, root3, NULL, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "truncated gzip input");
    close(fd);

    cleanup_free char *junk = gt_path_join(unit_tmpdir(), "junk");
    gt_write_file(junk, "this is not a tar archive at all, not even close............", 60, 0644,
                  &err);
    fd = open(junk, O_RDONLY);
    cleanup_close int root2 = new_root("junk-root");
    CHECK(gt_layer_unpack(fd, root2, NULL, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "read layer");
    close(fd);
}

TEST(unpack_replaces_entries_in_tar_order)
{
    need_root();
    struct tarw t;
    tar_begin(&t, "order.tar", NULL);
    tar_add(&t, "x/", AE_IFDIR, 0755, NULL, NULL);
    tar_add(&t, "x/inner", AE_IFREG, 0644, "1", NULL);
    tar_add(&t, "x", AE_IFREG, 0600, "now a file", NULL);
    tar_add(&t, "y", AE_IFREG, 0644, "first", NULL);
    tar_add(&t, "y", AE_IFREG, 0644, "second", NULL);
    int fd = tar_end(&t);
    cleanup_close int root = new_root("order");
    struct gt_error err;
    REQUIRE(gt_layer_unpack(fd, root, NULL, NULL, &err) == 0);
    close(fd);
    cleanup_free char *data = NULL;
    REQUIRE(gt_read_file_at(root, "x", 0, &data, NULL, &err) == 0);
    CHECK_STR_EQ(data, "now a file");
    cleanup_free char *y = NULL;
    REQUIRE(gt_read_file_at(root, "y", 0, &y, NULL, &err) == 0);
    CHECK_STR_EQ(y, "second");
}

/* The copy flattening shows what overlayfs would: whiteouts delete,
 * opaque directories hide the lower content. */
TEST(tree_apply_layer_flattens_like_overlay)
{
    need_root();
    struct tarw t;
    tar_begin(&t, "base.tar", NULL);
    tar_add(&t, "keep", AE_IFREG, 0644, "base", NULL);
    tar_add(&t, "del", AE_IFREG, 0644, "base", NULL);
    tar_add(&t, "dir/a", AE_IFREG, 0644, "a", NULL);
    tar_add(&t, "dir/b", AE_IFREG, 0644, "b", NULL);
    tar_add(&t, "op/old", AE_IFREG, 0644, "old", NULL);
    tar_add(&t, "file-then-dir", AE_IFREG, 0644, "f", NULL);
    int fd = tar_end(&t);
    cleanup_close int l1 = new_root("l1");
    struct gt_error err;
    REQUIRE(gt_layer_unpack(fd, l1, NULL, NULL, &err) == 0);
    close(fd);
    tar_begin(&t, "top.tar", NULL);
    tar_add(&t, ".wh.del", AE_IFREG, 0644, NULL, NULL);
    tar_add(&t, "dir/.wh.a", AE_IFREG, 0644, NULL, NULL);
    tar_add(&t, "dir/c", AE_IFREG, 0644, "c", NULL);
    tar_add(&t, "op/.wh..wh..opq", AE_IFREG, 0644, NULL, NULL);
    tar_add(&t, "op/new", AE_IFREG, 0644, "new", NULL);
    tar_add(&t, "file-then-dir/x", AE_IFREG, 0644, "x", NULL);
    tar_add(&t, "keep", AE_IFREG, 0600, "top", NULL);
    fd = tar_end(&t);
    cleanup_close int l2 = new_root("l2");
    REQUIRE(gt_layer_unpack(fd, l2, NULL, NULL, &err) == 0);
    close(fd);

    cleanup_close int flat = new_root("flat");
    REQUIRE(gt_tree_apply_layer(l1, flat, &err) == 0);
    REQUIRE(gt_tree_apply_layer(l2, flat, &err) == 0);
    struct stat s;
    CHECK(fstatat(flat, "del", &s, AT_SYMLINK_NOFOLLOW) < 0);
    CHECK(fstatat(flat, "dir/a", &s, AT_SYMLINK_NOFOLLOW) < 0);
    CHECK(fstatat(flat, "dir/b", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(fstatat(flat, "dir/c", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(fstatat(flat, "op/old", &s, AT_SYMLINK_NOFOLLOW) < 0);
    CHECK(fstatat(flat, "op/new", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(fstatat(flat, "file-then-dir/x", &s, AT_SYMLINK_NOFOLLOW) == 0);
    REQUIRE(fstatat(flat, "keep", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK_INT_EQ(s.st_mode & 0777, 0600);
    CHECK_INT_EQ(s.st_uid, 1000);
    cleanup_free char *keep = NULL;
    REQUIRE(gt_read_file_at(flat, "keep", 0, &keep, NULL, &err) == 0);
    CHECK_STR_EQ(keep, "top");
    /* overlay's markers stay out of the flat tree */
    cleanup_free char *op = gt_xasprintf("%s/flat/op", unit_tmpdir());
    char v[4];
    CHECK(getxattr(op, "trusted.overlay.opaque", v, sizeof v) < 0);
}

TEST(layer_decompress_gives_the_tar_and_its_diff_id)
{
    struct tarw t;
    tar_begin(&t, "d.tar.gz", "gzip");
    tar_add(&t, "a", AE_IFREG, 0644, "data", NULL);
    int fd = tar_end(&t);
    cleanup_free char *outp = gt_path_join(unit_tmpdir(), "d.tar");
    cleanup_close int out = open(outp, O_RDWR | O_CREAT | O_TRUNC, 0644);
    char diff[80];
    struct gt_error err;
    REQUIRE(gt_layer_decompress(fd, out, diff, &err) == 0);
    close(fd);
    cleanup_free char *data = NULL;
    size_t len;
    REQUIRE(gt_read_file(outp, 0, &data, &len, &err) == 0);
    cleanup_free char *dg = gt_digest_of(data, len);
    CHECK_STR_EQ(diff, dg);
    CHECK_INT_EQ(len % 512, 0);
}

/* docker commit's layer: an overlay upper directory, written and unpacked
 * again, gives the same tree (whiteouts, opaque directory, hard link,
 * xattrs, owners) but what was excluded; the blob and diff id check out. */
TEST(layer_from_an_upper_directory_round_trips)
{
    need_root();
    const char *tmp = unit_tmpdir();
    cleanup_free char *up = gt_path_join(tmp, "upper");
    cleanup_close int u = new_root("upper");
    REQUIRE(u >= 0);
    REQUIRE(mkdirat(u, "d", 0750) == 0);
    REQUIRE(mkdirat(u, "d/sub", 0700) == 0);
    cleanup_free char *f = gt_xasprintf("%s/d/sub/file", up);
    struct gt_error err;
    REQUIRE(gt_write_file(f, "hello\n", 6, 0640, &err) == 0);
    REQUIRE(chown(f, 1000, 1001) == 0);
    REQUIRE(setxattr(f, "user.note", "v", 1, 0) == 0);
    cleanup_free char *hard = gt_xasprintf("%s/d/hard", up);
    REQUIRE(link(f, hard) == 0);
    REQUIRE(symlinkat("/etc/passwd", u, "d/link") == 0);
    REQUIRE(mknodat(u, "gone", S_IFCHR | 0, makedev(0, 0)) == 0);
    REQUIRE(mkdirat(u, "opq", 0755) == 0);
    cleanup_free char *opq = gt_path_join(up, "opq");
    REQUIRE(setxattr(opq, "trusted.overlay.opaque", "y", 1, 0) == 0);
    cleanup_free char *kept = gt_path_join(up, "opq/kept");
    REQUIRE(gt_write_file(kept, "k", 1, 0644, &err) == 0);
    REQUIRE(mkdirat(u, "etc", 0755) == 0);
    cleanup_free char *hosts = gt_path_join(up, "etc/hosts");
    REQUIRE(gt_write_file(hosts, "", 0, 0644, &err) == 0);

    cleanup_free char *data = gt_path_join(tmp, "data");
    struct gt_image_store *store = NULL;
    REQUIRE(gt_image_store_open(data, &store, &err) == 0);
    struct gt_content *cs = store->cs;
    struct gt_import_txn tx;
    REQUIRE(gt_import_begin(&tx, store, &err) == 0);
    struct gt_layer_info li;
    char *const exclude[] = { "etc/hosts", NULL };
    int r = gt_layer_write_upper(&tx, u, exclude, &li, &err);
    if (r < 0)
        fprintf(stderr, "%s\n", err.msg);
    REQUIRE(r == 0);
    REQUIRE(li.digest);
    CHECK_INT_EQ(gt_strv_len(tx.new_blobs), 1);
    int64_t size = 0;
    REQUIRE(gt_content_size(cs, li.digest, &size, &err) == 0);
    CHECK_INT_EQ(size, li.size);
    int fd = -1;
    REQUIRE(gt_content_open_blob(cs, li.digest, &fd, &err) == 0);
    cleanup_close int root = new_root("back");
    struct gt_unpack_opts opts = { .expected_diff_id = li.diff_id };
    struct gt_unpack_stats st;
    r = gt_layer_unpack(fd, root, &opts, &st, &err);
    if (r < 0)
        fprintf(stderr, "%s\n", err.msg);
    REQUIRE(r == 0);
    close(fd);
    CHECK_INT_EQ(st.entries, li.entries);

    struct stat s;
    REQUIRE(fstatat(root, "d/sub/file", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK_INT_EQ(s.st_mode & 07777, 0640);
    CHECK_INT_EQ(s.st_uid, 1000);
    CHECK_INT_EQ(s.st_gid, 1001);
    CHECK_INT_EQ(s.st_nlink, 2);
    REQUIRE(fstatat(root, "d", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK_INT_EQ(s.st_mode & 07777, 0750);
    char buf[64] = { 0 };
    CHECK_INT_EQ(readlinkat(root, "d/link", buf, sizeof buf), 11);
    CHECK_STR_EQ(buf, "/etc/passwd");
    cleanup_free char *back_file = gt_xasprintf("%s/back/d/sub/file", tmp);
    CHECK_INT_EQ(getxattr(back_file, "user.note", buf, sizeof buf), 1);
    REQUIRE(fstatat(root, "gone", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(gt_tree_is_whiteout(&s));
    cleanup_free char *back_opq = gt_xasprintf("%s/back/opq", tmp);
    char v[4] = { 0 };
    CHECK_INT_EQ(getxattr(back_opq, "trusted.overlay.opaque", v, sizeof v), 1);
    CHECK(fstatat(root, "opq/kept", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(fstatat(root, "etc", &s, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(fstatat(root, "etc/hosts", &s, AT_SYMLINK_NOFOLLOW) < 0);
    gt_layer_info_release(&li);

    /* nothing in it: no blob */
    cleanup_close int empty = new_root("empty");
    REQUIRE(gt_layer_write_upper(&tx, empty, NULL, &li, &err) == 0);
    CHECK(li.digest == NULL);
    CHECK_INT_EQ(li.entries, 0);
    gt_layer_info_release(&li);
    /* a failed import takes its blob back */
    char *blob = gt_xstrdup(tx.new_blobs[0]);
    gt_import_end(&tx, true, NULL);
    CHECK(!gt_content_has(cs, blob));
    free(blob);
    gt_image_store_free(store);
}
