#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"
#include "image/content.h"
#include "tests/unit/unit.h"

/* sha256("hello\n") */
#define HELLO_DIGEST "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"

static struct gt_content *open_store(void)
{
    struct gt_error err;
    struct gt_content *cs = NULL;
    if (gt_content_open(unit_tmpdir(), &cs, &err) < 0) {
        fprintf(stderr, "open: %s\n", err.msg);
        abort();
    }
    return cs;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static char *sub(const char *rel)
{
    return gt_path_join(unit_tmpdir(), rel);
}

TEST(content_digest_forms)
{
    struct gt_error err;
    CHECK_INT_EQ(gt_digest_validate(HELLO_DIGEST, &err), 0);
    CHECK(gt_digest_validate("sha512:abcd", &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "only sha256");
    CHECK(gt_digest_validate("sha256:ABCD", &err) < 0);
    CHECK(gt_digest_validate("sha256:abcd", &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "got 4");
    CHECK(gt_digest_validate("sha256:../../../etc/passwd", &err) < 0);
    cleanup_free char *d = gt_digest_of("hello\n", 6);
    CHECK_STR_EQ(d, HELLO_DIGEST);
}

TEST(content_put_read_and_delete)
{
    struct gt_error err;
    struct gt_content *cs = open_store();
    cleanup_free char *dg = NULL;
    REQUIRE(gt_content_put(cs, "hello\n", 6, HELLO_DIGEST, &dg, &err) == 0);
    CHECK_STR_EQ(dg, HELLO_DIGEST);
    CHECK(gt_content_has(cs, HELLO_DIGEST));
    int64_t size = 0;
    CHECK_INT_EQ(gt_content_size(cs, HELLO_DIGEST, &size, &err), 0);
    CHECK_INT_EQ(size, 6);
    cleanup_free char *path = NULL;
    REQUIRE(gt_content_path(cs, HELLO_DIGEST, &path, &err) == 0);
    cleanup_free char *want = sub("content/blobs/sha256/"
                                  "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
    CHECK_STR_EQ(path, want);
    cleanup_free char *data = NULL;
    size_t len = 0;
    REQUIRE(gt_content_read(cs, HELLO_DIGEST, 100, &data, &len, &err) == 0);
    CHECK_INT_EQ(len, 6);
    CHECK(memcmp(data, "hello\n", 6) == 0);
    cleanup_free char *small = NULL;
    CHECK_INT_EQ(gt_content_read(cs, HELLO_DIGEST, 3, &small, &len, &err), -EFBIG);
    CHECK_INT_EQ(gt_content_verify(cs, HELLO_DIGEST, &err), 0);
    /* putting it again is fine */
    CHECK_INT_EQ(gt_content_put(cs, "hello\n", 6, NULL, NULL, &err), 0);
    CHECK_INT_EQ(gt_content_delete(cs, HELLO_DIGEST, &err), 0);
    CHECK(!gt_content_has(cs, HELLO_DIGEST));
    CHECK_INT_EQ(gt_content_path(cs, HELLO_DIGEST, &path, &err), -ENOENT);
    cleanup_free char *ingest = sub("content/ingest");
    CHECK_INT_EQ(count_entries(ingest), 0);
    gt_content_free(cs);
}

TEST(content_refuses_wrong_digest_and_size)
{
    struct gt_error err;
    struct gt_content *cs = open_store();
    const char *other = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    CHECK(gt_content_put(cs, "hello\n", 6, other, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "digest mismatch");
    CHECK_STR_CONTAINS(err.msg, HELLO_DIGEST);

    struct gt_content_writer *w;
    int64_t off = -1;
    REQUIRE(gt_content_writer_open(cs, other, -1, &w, &off, &err) == 0);
    CHECK_INT_EQ(off, 0);
    REQUIRE(gt_content_writer_write(w, "hello\n", 6, &err) == 0);
    CHECK_INT_EQ(gt_content_writer_commit(w, NULL, &err), -EBADMSG);
    CHECK_STR_CONTAINS(err.msg, "digest mismatch");

    REQUIRE(gt_content_writer_open(cs, HELLO_DIGEST, 4, &w, &off, &err) == 0);
    CHECK_INT_EQ(gt_content_writer_write(w, "hello\n", 6, &err), -EFBIG);
    CHECK_STR_CONTAINS(err.msg, "expected size of 4");
    gt_content_writer_abort(w, false);

    REQUIRE(gt_content_writer_open(cs, HELLO_DIGEST, 10, &w, &off, &err) == 0);
    REQUIRE(gt_content_writer_write(w, "hello\n", 6, &err) == 0);
    CHECK_INT_EQ(gt_content_writer_commit(w, NULL, &err), -EBADMSG);
    CHECK_STR_CONTAINS(err.msg, "size mismatch");

    CHECK(!gt_content_has(cs, HELLO_DIGEST));
    CHECK(!gt_content_has(cs, other));
    cleanup_free char *blobs = sub("content/blobs/sha256");
    CHECK_INT_EQ(count_entries(blobs), 0);
    gt_content_free(cs);
}

TEST(content_writer_without_expected_digest)
{
    struct gt_error err;
    struct gt_content *cs = open_store();
    struct gt_content_writer *w;
    REQUIRE(gt_content_writer_open(cs, NULL, -1, &w, NULL, &err) == 0);
    REQUIRE(gt_content_writer_write(w, "hel", 3, &err) == 0);
    REQUIRE(gt_content_writer_write(w, "lo\n", 3, &err) == 0);
    cleanup_free char *dg = NULL;
    REQUIRE(gt_content_writer_commit(w, &dg, &err) == 0);
    CHECK_STR_EQ(dg, HELLO_DIGEST);
    CHECK(gt_content_has(cs, HELLO_DIGEST));
    /* blobs are read-only once committed */
    cleanup_free char *path = NULL;
    REQUIRE(gt_content_path(cs, HELLO_DIGEST, &path, &err) == 0);
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0444);
    gt_content_free(cs);
}

TEST(content_resumes_an_interrupted_ingest)
{
    struct gt_error err;
    struct gt_content *cs = open_store();
    struct gt_content_writer *w;
    int64_t off = -1;
    REQUIRE(gt_content_writer_open(cs, HELLO_DIGEST, 6, &w, &off, &err) == 0);
    CHECK_INT_EQ(off, 0);
    REQUIRE(gt_content_writer_write(w, "hel", 3, &err) == 0);
    gt_content_writer_abort(w, true);
    CHECK(!gt_content_has(cs, HELLO_DIGEST));

    REQUIRE(gt_content_writer_open(cs, HELLO_DIGEST, 6, &w, &off, &err) == 0);
    CHECK_INT_EQ(off, 3);
    REQUIRE(gt_content_writer_write(w, "lo\n", 3, &err) == 0);
    REQUIRE(gt_content_writer_commit(w, NULL, &err) == 0);
    CHECK_INT_EQ(gt_content_verify(cs, HELLO_DIGEST, &err), 0);
    cleanup_free char *ingest = sub("content/ingest");
    CHECK_INT_EQ(count_entries(ingest), 0);
    gt_content_free(cs);
}

TEST(content_two_writers_of_one_digest_both_succeed)
{
    struct gt_error err;
    struct gt_content *cs = open_store();
    struct gt_content_writer *a, *b;
    int64_t oa = -1, ob = -1;
    REQUIRE(gt_content_writer_open(cs, HELLO_DIGEST, 6, &a, &oa, &err) == 0);
    REQUIRE(gt_content_writer_open(cs, HELLO_DIGEST, 6, &b, &ob, &err) == 0);
    CHECK_INT_EQ(oa, 0);
    CHECK_INT_EQ(ob, 0);
    REQUIRE(gt_content_writer_write(a, "hel", 3, &err) == 0);
    REQUIRE(gt_content_writer_write(b, "hello\n", 6, &err) == 0);
    REQUIRE(gt_content_writer_write(a, "lo\n", 3, &err) == 0);
    CHECK_INT_EQ(gt_content_writer_commit(b, NULL, &err), 0);
    CHECK_INT_EQ(gt_content_writer_commit(a, NULL, &err), 0);
    CHECK_INT_EQ(gt_content_verify(cs, HELLO_DIGEST, &err), 0);
    cleanup_free char *ingest = sub("content/ingest");
    CHECK_INT_EQ(count_entries(ingest), 0);
    gt_content_free(cs);
}

/* Many processes put the same 1 MiB blob at once. */
TEST(content_concurrent_processes_write_the_same_blob)
{
    size_t n = 1 << 20;
    cleanup_free char *buf = gt_xmalloc(n);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)(i * 7 + i / 4096);
    cleanup_free char *dg = gt_digest_of(buf, n);
    unit_tmpdir(); /* made before the fork, shared by the children */
    pid_t pids[6];
    for (int i = 0; i < 6; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            struct gt_error err;
            struct gt_content *cs = open_store();
            struct gt_content_writer *w;
            int64_t off;
            if (gt_content_writer_open(cs, dg, (int64_t)n, &w, &off, &err) < 0)
                _exit(1);
            for (size_t p = (size_t)off; p < n; p += 4096)
                if (gt_content_writer_write(w, buf + p, n - p < 4096 ? n - p : 4096, &err) < 0)
                    _exit(2);
            _exit(gt_content_writer_commit(w, NULL, &err) < 0 ? 3 : 0);
        }
    }
    for (int i = 0; i < 6; i++) {
        int st;
        REQUIRE(waitpid(pids[i], &st, 0) == pids[i]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    struct gt_error err;
    struct gt_content *cs = open_store();
    CHECK_INT_EQ(gt_content_verify(cs, dg, &err), 0);
    cleanup_free char *ingest = sub("content/ingest");
    CHECK_INT_EQ(count_entries(ingest), 0);
    gt_content_free(cs);
}

TEST(content_verify_finds_corruption)
{
    struct gt_error err;
    struct gt_content *cs = open_store();
    REQUIRE(gt_content_put(cs, "hello\n", 6, NULL, NULL, &err) == 0);
    cleanup_free char *path = NULL;
    REQUIRE(gt_content_path(cs, HELLO_DIGEST, &path, &err) == 0);
    chmod(path, 0644);
    REQUIRE(gt_write_file(path, "jello\n", 6, 0644, &err) == 0);
    CHECK_INT_EQ(gt_content_verify(cs, HELLO_DIGEST, &err), -EBADMSG);
    CHECK_STR_CONTAINS(err.msg, "corrupt");
    gt_content_free(cs);
}

static int collect(const char *digest, void *ctx)
{
    gt_strv_push((char ***)ctx, digest);
    return 0;
}

TEST(content_walk_lists_blobs)
{
    struct gt_error err;
    struct gt_content *cs = open_store();
    REQUIRE(gt_content_put(cs, "a", 1, NULL, NULL, &err) == 0);
    REQUIRE(gt_content_put(cs, "b", 1, NULL, NULL, &err) == 0);
    cleanup_free char *stray = sub("content/blobs/sha256/not-a-digest");
    gt_write_file(stray, "x", 1, 0644, &err);
    cleanup_strv char **all = NULL;
    REQUIRE(gt_content_walk(cs, collect, &all, &err) == 0);
    CHECK_INT_EQ(gt_strv_len(all), 2);
    gt_content_free(cs);
}

TEST(content_ingest_clean_spares_live_writers)
{
    struct gt_error err;
    struct gt_content *cs = open_store();
    struct gt_content_writer *live, *dead;
    const char *other = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    REQUIRE(gt_content_writer_open(cs, HELLO_DIGEST, 6, &live, NULL, &err) == 0);
    REQUIRE(gt_content_writer_open(cs, other, -1, &dead, NULL, &err) == 0);
    REQUIRE(gt_content_writer_write(dead, "x", 1, &err) == 0);
    gt_content_writer_abort(dead, true);
    unsigned removed = 99;
    REQUIRE(gt_content_gc_lock(cs, &err) == 0);
    REQUIRE(gt_content_ingest_clean(cs, &removed, &err) == 0);
    gt_content_gc_unlock(cs);
    CHECK_INT_EQ(removed, 1);
    REQUIRE(gt_content_writer_write(live, "hello\n", 6, &err) == 0);
    CHECK_INT_EQ(gt_content_writer_commit(live, NULL, &err), 0);
    gt_content_free(cs);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST(content_collector_waits_for_leases_of_other_processes)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    unit_tmpdir();
    pid_t pid = fork();
    if (pid == 0) {
        struct gt_error err;
        struct gt_content *cs = open_store();
        if (gt_content_lease_begin(cs, &err) < 0)
            _exit(1);
        if (write(p[1], "x", 1) != 1)
            _exit(1);
        usleep(300 * 1000);
        gt_content_lease_end(cs);
        _exit(0);
    }
    char c;
    REQUIRE(read(p[0], &c, 1) == 1);
    struct gt_error err;
    struct gt_content *cs = open_store();
    double t0 = now();
    REQUIRE(gt_content_gc_lock(cs, &err) == 0);
    CHECK(now() - t0 > 0.2);
    gt_content_gc_unlock(cs);
    /* leases of this process nest, and the collector waits for them too */
    REQUIRE(gt_content_lease_begin(cs, &err) == 0);
    REQUIRE(gt_content_lease_begin(cs, &err) == 0);
    gt_content_lease_end(cs);
    gt_content_lease_end(cs);
    REQUIRE(gt_content_gc_lock(cs, &err) == 0);
    gt_content_gc_unlock(cs);
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    gt_content_free(cs);
}
