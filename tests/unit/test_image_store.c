#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"
#include "image/store.h"
#include "image/transfer.h"
#include "tests/unit/unit.h"

/* A gzip layer holding one file; returns its blob digest, *diff its diff id. */
static char *put_layer(struct gt_image_store *st, const char *file, const char *content, char **diff)
{
    size_t cap = 1 << 16, used = 0;
    char *buf = gt_xmalloc(cap);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_open_memory(a, buf, cap, &used);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, file);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)strlen(content));
    archive_write_header(a, e);
    archive_write_data(a, content, strlen(content));
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    *diff = gt_digest_of(buf, used);
    char *dg = NULL;
    struct gt_error err;
    if (gt_content_put(st->cs, buf, used, NULL, &dg, &err) < 0)
        abort();
    free(buf);
    return dg;
}

/* An image of n one-file layers; returns its manifest digest. */
static char *make_image(struct gt_image_store *st, const char *tag, int n, const char *salt)
{
    json_t *diffs = json_array(), *layers = json_array();
    for (int i = 0; i < n; i++) {
        char name[32], content[64];
        snprintf(name, sizeof name, "f%d", i);
        snprintf(content, sizeof content, "%s-%d", salt, i);
        char *diff;
        cleanup_free char *dg = put_layer(st, name, content, &diff);
        int64_t size;
        gt_content_size(st->cs, dg, &size, NULL);
        json_array_append_new(diffs, json_string(diff));
        json_array_append_new(layers, json_pack("{s:s, s:s, s:I}", "mediaType", GT_MT_OCI_LAYER,
                                                "digest", dg, "size", (json_int_t)size));
        free(diff);
    }
    json_t *cfg = json_pack("{s:s, s:s, s:s, s:{s:s, s:o}}", "architecture", "amd64", "os", "linux",
                            "created", "2024-01-01T00:00:00Z", "rootfs", "type", "layers",
                            "diff_ids", diffs);
    cleanup_free char *cs = json_dumps(cfg, JSON_COMPACT);
    json_decref(cfg);
    char *cdg = NULL;
    struct gt_error err;
    gt_content_put(st->cs, cs, strlen(cs), NULL, &cdg, &err);
    json_t *m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
                          GT_MT_OCI_MANIFEST, "config", "mediaType", GT_MT_OCI_CONFIG, "digest", cdg,
                          "size", (json_int_t)strlen(cs), "layers", layers);
    free(cdg);
    cleanup_free char *ms = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    char *mdg = NULL;
    gt_content_put(st->cs, ms, strlen(ms), NULL, &mdg, &err);
    char *refs[] = { (char *)tag, NULL };
    if (gt_image_store_add_image(st, mdg, tag ? refs : NULL, NULL, &err) < 0) {
        fprintf(stderr, "add: %s\n", err.msg);
        abort();
    }
    return mdg;
}

static struct gt_image_store *open_st(void)
{
    struct gt_image_store *st;
    struct gt_error err;
    cleanup_free char *root = gt_path_join(unit_tmpdir(), "root");
    if (gt_image_store_open(root, &st, &err) < 0)
        abort();
    return st;
}

static int count(const char *rel)
{
    cleanup_free char *p = gt_xasprintf("%s/root/%s", unit_tmpdir(), rel);
    DIR *d = opendir(p);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

TEST(store_records_lookup_and_tags)
{
    struct gt_image_store *st = open_st();
    struct gt_error err;
    cleanup_free char *m = make_image(st, "busybox", 2, "a");
    struct gt_image_record rec;
    REQUIRE(gt_image_store_lookup(st, "busybox", &rec, &err) == 0);
    CHECK_STR_EQ(rec.target, m);
    CHECK_STR_EQ(rec.refs[0], "docker.io/library/busybox:latest");
    cleanup_free char *cfg = gt_xstrdup(rec.config);
    gt_image_record_release(&rec);
    REQUIRE(gt_image_store_lookup(st, "docker.io/library/busybox:latest", &rec, &err) == 0);
    gt_image_record_release(&rec);
    REQUIRE(gt_image_store_lookup(st, cfg, &rec, &err) == 0);
    gt_image_record_release(&rec);
    char prefix[13];
    snprintf(prefix, sizeof prefix, "%s", cfg + 7);
    REQUIRE(gt_image_store_lookup(st, prefix, &rec, &err) == 0);
    CHECK_STR_EQ(rec.target, m);
    gt_image_record_release(&rec);
    CHECK_INT_EQ(gt_image_store_lookup(st, "alpine", &rec, &err), -ENOENT);
    CHECK_STR_EQ(err.msg, "No such image: alpine");

    REQUIRE(gt_image_store_tag(st, "busybox", "localhost:5000/bb:1", &err) == 0);
    REQUIRE(gt_image_store_lookup(st, "localhost:5000/bb:1", &rec, &err) == 0);
    CHECK_INT_EQ(gt_strv_len(rec.refs), 2);
    gt_image_record_release(&rec);

    /* two references: removing by id needs force; by name untags */
    char **lines = NULL;
    CHECK_INT_EQ(gt_image_store_remove(st, cfg, false, &lines, &err), -EBUSY);
    CHECK_STR_CONTAINS(err.msg, "must be forced");
    REQUIRE(gt_image_store_remove(st, "busybox", false, &lines, &err) == 0);
    CHECK_INT_EQ(gt_strv_len(lines), 1);
    CHECK_STR_EQ(lines[0], "Untagged: busybox:latest");
    gt_strv_free(lines);
    REQUIRE(gt_image_store_remove(st, "localhost:5000/bb:1", false, &lines, &err) == 0);
    CHECK_INT_EQ(gt_strv_len(lines), 2);
    CHECK_STR_EQ(lines[0], "Untagged: localhost:5000/bb:1");
    CHECK_STR_CONTAINS(lines[1], "Deleted: sha256:");
    gt_strv_free(lines);
    CHECK_INT_EQ(gt_image_store_lookup(st, cfg, &rec, &err), -ENOENT);
    gt_image_store_free(st);
}

TEST(store_prune_removes_exactly_the_unreferenced)
{
    struct gt_image_store *st = open_st();
    struct gt_error err;
    cleanup_free char *a = make_image(st, "a", 2, "shared");
    cleanup_free char *b = make_image(st, "b", 3, "shared"); /* shares 2 layers with a */
    struct gt_image_record ra, rb;
    REQUIRE(gt_image_store_lookup(st, "a", &ra, &err) == 0);
    REQUIRE(gt_image_store_lookup(st, "b", &rb, &err) == 0);
    REQUIRE(gt_image_store_unpack(st, &ra, NULL, NULL, &err) == 0);
    REQUIRE(gt_image_store_unpack(st, &rb, NULL, NULL, &err) == 0);
    /* 3 layers + 2 configs + 2 manifests; 3 snapshots (a's 2 chains are b's first 2) */
    CHECK_INT_EQ(count("content/blobs/sha256"), 7);
    CHECK_INT_EQ(count("snapshots/layers"), 3);
    struct gt_prune_report rep;
    REQUIRE(gt_image_store_prune(st, false, &rep, &err) == 0);
    CHECK_INT_EQ(rep.blobs, 0);
    CHECK_INT_EQ(rep.snapshots, 0);

    /* a stray blob and an interrupted download go */
    REQUIRE(gt_content_put(st->cs, "stray", 5, NULL, NULL, &err) == 0);
    struct gt_content_writer *w;
    const char *dg = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    REQUIRE(gt_content_writer_open(st->cs, dg, 10, &w, NULL, &err) == 0);
    gt_content_writer_write(w, "abc", 3, &err);
    gt_content_writer_abort(w, true);
    REQUIRE(gt_image_store_prune(st, false, &rep, &err) == 0);
    CHECK_INT_EQ(rep.blobs, 1);
    CHECK_INT_EQ(rep.ingests, 1);

    /* without b, its third layer, config, manifest and top snapshot go */
    REQUIRE(gt_image_store_remove(st, "b", false, NULL, &err) == 0);
    REQUIRE(gt_image_store_prune(st, false, &rep, &err) == 0);
    CHECK_INT_EQ(rep.blobs, 3);
    CHECK_INT_EQ(rep.snapshots, 1);
    CHECK_INT_EQ(count("content/blobs/sha256"), 4);
    CHECK_INT_EQ(count("snapshots/layers"), 2);
    CHECK(gt_content_has(st->cs, ra.target));
    CHECK(!gt_content_has(st->cs, rb.target));
    CHECK_INT_EQ(gt_image_store_verify(st, NULL, NULL, &err), 0);

    /* a container snapshot keeps its layers even without the image */
    cleanup_free char *top = NULL;
    REQUIRE(gt_image_store_unpack(st, &ra, NULL, &top, &err) == 0);
    REQUIRE(gt_snapshot_create(st->ss, "ctr1", top, &err) == 0);
    REQUIRE(gt_image_store_remove(st, "a", false, NULL, &err) == 0);
    REQUIRE(gt_image_store_prune(st, false, &rep, &err) == 0);
    CHECK_INT_EQ(rep.blobs, 4);
    CHECK_INT_EQ(rep.snapshots, 0);
    REQUIRE(gt_snapshot_remove(st->ss, "ctr1", &err) == 0);
    REQUIRE(gt_image_store_prune(st, false, &rep, &err) == 0);
    CHECK_INT_EQ(rep.snapshots, 2);
    CHECK_INT_EQ(count("content/blobs/sha256"), 0);
    CHECK_INT_EQ(count("snapshots/layers"), 0);
    gt_image_record_release(&ra);
    gt_image_record_release(&rb);
    gt_image_store_free(st);
}

TEST(store_prune_dangling_images)
{
    struct gt_image_store *st = open_st();
    struct gt_error err;
    cleanup_free char *a = make_image(st, NULL, 1, "x");
    cleanup_free char *b = make_image(st, "kept", 1, "y");
    struct gt_image_record *recs;
    size_t n;
    REQUIRE(gt_image_store_list(st, &recs, &n, &err) == 0);
    CHECK_INT_EQ(n, 2);
    gt_image_records_free(recs, n);
    struct gt_prune_report rep;
    REQUIRE(gt_image_store_prune(st, false, &rep, &err) == 0);
    CHECK_INT_EQ(rep.blobs, 0);
    REQUIRE(gt_image_store_prune(st, true, &rep, &err) == 0);
    CHECK_INT_EQ(rep.images, 1);
    CHECK_INT_EQ(rep.blobs, 3);
    REQUIRE(gt_image_store_list(st, &recs, &n, &err) == 0);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(recs[0].target, b);
    gt_image_records_free(recs, n);
    gt_image_store_free(st);
}

static void count_problem(const char *what, const char *problem, void *ctx)
{
    (*(int *)ctx)++;
    (void)what, (void)problem;
}

TEST(store_verify_finds_damage)
{
    if (geteuid() != 0)
        unit_skip("needs root");
    struct gt_image_store *st = open_st();
    struct gt_error err;
    cleanup_free char *m = make_image(st, "v", 2, "v");
    struct gt_image_record rec;
    REQUIRE(gt_image_store_lookup(st, "v", &rec, &err) == 0);
    int problems = 0;
    /* not unpacked yet: two problems */
    CHECK_INT_EQ(gt_image_store_verify(st, count_problem, &problems, &err), 2);
    REQUIRE(gt_image_store_unpack(st, &rec, NULL, NULL, &err) == 0);
    problems = 0;
    CHECK_INT_EQ(gt_image_store_verify(st, count_problem, &problems, &err), 0);
    /* a changed snapshot and a corrupt blob */
    struct gt_image img;
    REQUIRE(gt_image_store_load_image(st, &rec, &img, &err) == 0);
    cleanup_free char *lp = gt_snapshot_layer_path(st->ss, img.config.diff_ids[0]);
    cleanup_free char *extra = gt_path_join(lp, "intruder");
    gt_write_file(extra, "x", 1, 0644, &err);
    cleanup_free char *bp = NULL;
    REQUIRE(gt_content_path(st->cs, img.manifest.layers[1].digest, &bp, &err) == 0);
    chmod(bp, 0644);
    int fd = open(bp, O_WRONLY | O_APPEND);
    CHECK(write(fd, "junk", 4) == 4);
    close(fd);
    problems = 0;
    CHECK_INT_EQ(gt_image_store_verify(st, count_problem, &problems, &err), 2);
    gt_image_release(&img);
    gt_image_record_release(&rec);
    gt_image_store_free(st);
}

TEST(store_records_survive_concurrent_writers)
{
    /* processes tagging at once: no update is lost */
    struct gt_image_store *st = open_st();
    struct gt_error err;
    cleanup_free char *m = make_image(st, "base", 1, "c");
    gt_image_store_free(st);
    pid_t pids[4];
    for (int i = 0; i < 4; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            struct gt_image_store *s2 = open_st();
            for (int j = 0; j < 10; j++) {
                char tag[32];
                snprintf(tag, sizeof tag, "t%d:%d", i, j);
                if (gt_image_store_tag(s2, "base", tag, NULL) < 0)
                    _exit(1);
            }
            gt_image_store_free(s2);
            _exit(0);
        }
    }
    for (int i = 0; i < 4; i++) {
        int s;
        waitpid(pids[i], &s, 0);
        CHECK(WIFEXITED(s) && WEXITSTATUS(s) == 0);
    }
    st = open_st();
    struct gt_image_record rec;
    REQUIRE(gt_image_store_lookup(st, "base", &rec, &err) == 0);
    CHECK_INT_EQ(gt_strv_len(rec.refs), 41);
    gt_image_record_release(&rec);
    gt_image_store_free(st);
}

TEST(data_root_choice)
{
    unsetenv("GANTRY_DATA_ROOT");
    CHECK_STR_EQ(gt_data_root(NULL), "/var/lib/gantry");
    setenv("GANTRY_DATA_ROOT", "/x", 1);
    CHECK_STR_EQ(gt_data_root(NULL), "/x");
    CHECK_STR_EQ(gt_data_root("/flag"), "/flag");
    unsetenv("GANTRY_DATA_ROOT");
}
