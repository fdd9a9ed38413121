/* image/content.c - the content-addressed blob store (see content.h).
 *
 * Layout under the data root:
 *   content/blobs/sha256/<hex>    committed blobs, never rewritten in place
 *   content/ingest/<hex>.partial  the resumable ingest of one expected digest,
 *                                 flock'ed by the writer that owns it
 *   content/ingest/<x>.<pid>.<n>.tmp  ingests that cannot be resumed (no
 *                                 expected digest, or the .partial is busy)
 *   content/gc.lock               shared by leases, exclusive for the collector
 */
#include "image/content.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"

#define DIGEST_PREFIX "sha256:"
#define DIGEST_LEN (sizeof DIGEST_PREFIX - 1 + 2 * SHA256_DIGEST_SIZE)
#define IO_CHUNK (128 * 1024)

struct gt_content {
    char *root;
    char *blobs_dir;
    int blobs_fd;
    int ingest_fd;
    int content_fd;

    pthread_mutex_t lease_mu;
    pthread_cond_t lease_cv;
    unsigned leases;   /* leases held in this process */
    bool gc_held;      /* the collector holds the lock in this process */
    int lease_fd;      /* flock LOCK_SH while leases > 0 */
    int gc_fd;         /* flock LOCK_EX while gc_held */
};

struct gt_content_writer {
    struct gt_content *cs;
    int fd;
    char *name; /* in content/ingest */
    bool resumable;
    struct sha256_ctx hash;
    int64_t written;
    int64_t expected_size;
    char expected[DIGEST_LEN + 1]; /* "" when unknown */
};

static atomic_uint tmp_seq;

int gt_digest_validate(const char *digest, struct gt_error *err)
{
    if (!digest)
        return gt_err(err, EINVAL, "missing digest");
    if (strncmp(digest, DIGEST_PREFIX, strlen(DIGEST_PREFIX)) != 0)
        return gt_err(err, EINVAL, "invalid digest \"%.80s\": only sha256 is supported", digest);
    const char *h = digest + strlen(DIGEST_PREFIX);
    size_t n = 0;
    for (; h[n]; n++)
        if (!((h[n] >= '0' && h[n] <= '9') || (h[n] >= 'a' && h[n] <= 'f')))
            return gt_err(err, EINVAL,
                          "invalid digest \"%.80s\": expected 64 lowercase hex digits", digest);
    if (n != 2 * SHA256_DIGEST_SIZE)
        return gt_err(err, EINVAL, "invalid digest \"%.80s\": expected 64 hex digits, got %zu",
                      digest, n);
    return 0;
}

const char *gt_digest_hex(const char *digest)
{
    return digest + strlen(DIGEST_PREFIX);
}

static void hash_to_digest(struct sha256_ctx *h, char out[DIGEST_LEN + 1])
{
    uint8_t raw[SHA256_DIGEST_SIZE];
    sha256_digest(h, sizeof raw, raw);
    char *p = out + sprintf(out, DIGEST_PREFIX);
    for (size_t i = 0; i < sizeof raw; i++)
        p += sprintf(p, "%02x", raw[i]);
}

char *gt_digest_of(const void *data, size_t len)
{
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, len, data);
    char out[DIGEST_LEN + 1];
    hash_to_digest(&h, out);
    return gt_xstrdup(out);
}

int gt_content_open(const char *data_root, struct gt_content **out, struct gt_error *err)
{
    struct gt_content *cs = gt_xcalloc(1, sizeof *cs);
    cs->blobs_fd = cs->ingest_fd = cs->content_fd = cs->lease_fd = cs->gc_fd = -1;
    pthread_mutex_init(&cs->lease_mu, NULL);
    pthread_cond_init(&cs->lease_cv, NULL);
    cs->root = gt_xstrdup(data_root);
    cleanup_free char *content = gt_path_join(data_root, "content");
    cleanup_free char *ingest = gt_path_join(content, "ingest");
    cs->blobs_dir = gt_path_join(content, "blobs/sha256");
    int r;
    if ((r = cs->blobs_fd = gt_mkdir_p_open(cs->blobs_dir, 0700, err)) < 0 ||
        (r = cs->ingest_fd = gt_mkdir_p_open(ingest, 0700, err)) < 0 ||
        (r = cs->content_fd = gt_mkdir_p_open(content, 0700, err)) < 0) {
        gt_content_free(cs);
        return gt_err_prefix(err, "open content store under %s", data_root);
    }
    *out = cs;
    return 0;
}

void gt_content_free(struct gt_content *cs)
{
    if (!cs)
        return;
    if (cs->blobs_fd >= 0)
        close(cs->blobs_fd);
    if (cs->ingest_fd >= 0)
        close(cs->ingest_fd);
    if (cs->content_fd >= 0)
        close(cs->content_fd);
    if (cs->lease_fd >= 0)
        close(cs->lease_fd);
    if (cs->gc_fd >= 0)
        close(cs->gc_fd);
    pthread_mutex_destroy(&cs->lease_mu);
    pthread_cond_destroy(&cs->lease_cv);
    free(cs->blobs_dir);
    free(cs->root);
    free(cs);
}

const char *gt_content_root(struct gt_content *cs)
{
    return cs->root;
}

int gt_content_path(struct gt_content *cs, const char *digest, char **path,
                    struct gt_error *err)
{
    int r = gt_digest_validate(digest, err);
    if (r < 0)
        return r;
    if (faccessat(cs->blobs_fd, gt_digest_hex(digest), F_OK, AT_SYMLINK_NOFOLLOW) < 0)
        return gt_err_sys(err, errno, "blob %s", digest);
    *path = gt_path_join(cs->blobs_dir, gt_digest_hex(digest));
    return 0;
}

bool gt_content_has(struct gt_content *cs, const char *digest)
{
    if (gt_digest_validate(digest, NULL) < 0)
        return false;
    struct stat st;
    return fstatat(cs->blobs_fd, gt_digest_hex(digest), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISREG(st.st_mode);
}

int gt_content_size(struct gt_content *cs, const char *digest, int64_t *size,
                    struct gt_error *err)
{
    int r = gt_digest_validate(digest, err);
    if (r < 0)
        return r;
    struct stat st;
    if (fstatat(cs->blobs_fd, gt_digest_hex(digest), &st, AT_SYMLINK_NOFOLLOW) < 0)
        return gt_err_sys(err, errno, "blob %s", digest);
    *size = st.st_size;
    return 0;
}

int gt_content_open_blob(struct gt_content *cs, const char *digest, int *fd,
                         struct gt_error *err)
{
    int r = gt_digest_validate(digest, err);
    if (r < 0)
        return r;
    int f = openat(cs->blobs_fd, gt_digest_hex(digest), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0)
        return gt_err_sys(err, errno, "blob %s", digest);
    *fd = f;
    return 0;
}

int gt_content_read(struct gt_content *cs, const char *digest, size_t max, char **data,
                    size_t *len, struct gt_error *err)
{
    int r = gt_digest_validate(digest, err);
    if (r < 0)
        return r;
    r = gt_read_file_at(cs->blobs_fd, gt_digest_hex(digest), max, data, len, err);
    if (r < 0)
        return gt_err_prefix(err, "read blob %s", digest);
    return 0;
}

/* Hashes fd from its start; *size gets the byte count. */
static int hash_fd(int fd, struct sha256_ctx *h, int64_t *size)
{
    cleanup_free uint8_t *buf = gt_xmalloc(IO_CHUNK);
    int64_t n = 0;
    for (;;) {
        ssize_t r = pread(fd, buf, IO_CHUNK, n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r == 0)
            break;
        sha256_update(h, (size_t)r, buf);
        n += r;
    }
    *size = n;
    return 0;
}

int gt_content_verify(struct gt_content *cs, const char *digest, struct gt_error *err)
{
    cleanup_close int fd = -1;
    int r = gt_content_open_blob(cs, digest, &fd, err);
    if (r < 0)
        return r;
    struct sha256_ctx h;
    sha256_init(&h);
    int64_t size;
    if ((r = hash_fd(fd, &h, &size)) < 0)
        return gt_err_sys(err, -r, "read blob %s", digest);
    char got[DIGEST_LEN + 1];
    hash_to_digest(&h, got);
    if (strcmp(got, digest) != 0)
        return gt_err(err, EBADMSG, "blob %s is corrupt: its content hashes to %s", digest, got);
    return 0;
}

int gt_content_walk(struct gt_content *cs, int (*fn)(const char *digest, void *ctx), void *ctx,
                    struct gt_error *err)
{
    int fd = openat(cs->blobs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return gt_err_sys(err, errno, "open %s", cs->blobs_dir);
    cleanup_dir DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return gt_err_sys(err, errno, "open %s", cs->blobs_dir);
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        char digest[DIGEST_LEN + 1];
        if (strlen(de->d_name) != DIGEST_LEN - strlen(DIGEST_PREFIX))
            continue;
        snprintf(digest, sizeof digest, DIGEST_PREFIX "%s", de->d_name);
        if (gt_digest_validate(digest, NULL) < 0)
            continue;
        int r = fn(digest, ctx);
        if (r != 0)
            return r;
    }
    return 0;
}

/* ---- writers ---- */

static void writer_free(struct gt_content_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    free(w->name);
    free(w);
}

/* Opens the .partial of an expected digest, locked; returns 0, or 1 when
 * another writer holds it (the caller then writes a private file). */
static int open_partial(struct gt_content_writer *w, struct gt_error *err)
{
    struct gt_content *cs = w->cs;
    cleanup_free char *name = gt_xasprintf("%s.partial", gt_digest_hex(w->expected));
    for (int attempt = 0; attempt < 8; attempt++) {
        cleanup_close int fd =
            openat(cs->ingest_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return gt_err_sys(err, errno, "create ingest file %s", name);
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            if (errno == EWOULDBLOCK)
                return 1;
            return gt_err_sys(err, errno, "lock ingest file %s", name);
        }
        /* The file may have been committed (renamed away) between our open
         * and our lock: only the inode still at the name is ours. */
        struct stat a, b;
        if (fstat(fd, &a) < 0)
            return gt_err_sys(err, errno, "stat ingest file %s", name);
        if (fstatat(cs->ingest_fd, name, &b, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue;
            return gt_err_sys(err, errno, "stat ingest file %s", name);
        }
        if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
            continue;
        w->fd = get_and_reset(&fd);
        w->name = steal_pointer(&name);
        w->resumable = true;
        return 0;
    }
    return 1;
}

static int open_private(struct gt_content_writer *w, struct gt_error *err)
{
    const char *base = w->expected[0] ? gt_digest_hex(w->expected) : "anon";
    for (;;) {
        cleanup_free char *name = gt_xasprintf("%s.%d.%u.tmp", base, (int)getpid(),
                                               atomic_fetch_add(&tmp_seq, 1));
        int fd = openat(w->cs->ingest_fd, name,
                        O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno == EEXIST)
                continue;
            return gt_err_sys(err, errno, "create ingest file %s", name);
        }
        /* Locked so that the ingest cleaner can tell it is live. */
        flock(fd, LOCK_EX | LOCK_NB);
        w->fd = fd;
        w->name = steal_pointer(&name);
        w->resumable = false;
        return 0;
    }
}

int gt_content_writer_open(struct gt_content *cs, const char *expected_digest,
                           int64_t expected_size, struct gt_content_writer **out,
                           int64_t *offset, struct gt_error *err)
{
    if (expected_digest) {
        int r = gt_digest_validate(expected_digest, err);
        if (r < 0)
            return r;
    }
    struct gt_content_writer *w = gt_xcalloc(1, sizeof *w);
    w->cs = cs;
    w->fd = -1;
    w->expected_size = expected_size;
    sha256_init(&w->hash);
    if (expected_digest)
        snprintf(w->expected, sizeof w->expected, "%s", expected_digest);

    int r = 1;
    if (w->expected[0])
        r = open_partial(w, err);
    if (r == 1)
        r = open_private(w, err);
    if (r < 0) {
        writer_free(w);
        return gt_err_prefix(err, "write blob %s", expected_digest ? expected_digest : "");
    }
    if (w->resumable) {
        int64_t have = 0;
        r = hash_fd(w->fd, &w->hash, &have);
        if (r < 0) {
            gt_err_sys(err, -r, "read ingest file %s", w->name);
            writer_free(w);
            return -EIO;
        }
        if (expected_size >= 0 && have > expected_size) {
            /* Not a prefix of what we expect: start again. */
            if (ftruncate(w->fd, 0) < 0) {
                int e = errno;
                writer_free(w);
                return gt_err_sys(err, e, "truncate ingest file");
            }
            sha256_init(&w->hash);
            have = 0;
        }
        w->written = have;
    }
    if (lseek(w->fd, w->written, SEEK_SET) < 0) {
        int e = errno;
        writer_free(w);
        return gt_err_sys(err, e, "seek ingest file");
    }
    if (offset)
        *offset = w->written;
    *out = w;
    return 0;
}

int gt_content_writer_write(struct gt_content_writer *w, const void *buf, size_t len,
                            struct gt_error *err)
{
    if (w->expected_size >= 0 && w->written + (int64_t)len > w->expected_size)
        return gt_err(err, EFBIG, "blob %s: more data than its expected size of %lld bytes",
                      w->expected[0] ? w->expected : "(unnamed)", (long long)w->expected_size);
    int r = gt_write_all(w->fd, buf, len);
    if (r < 0)
        return gt_err_sys(err, -r, "write ingest file %s", w->name);
    sha256_update(&w->hash, len, buf);
    w->written += (int64_t)len;
    return 0;
}

int gt_content_writer_commit(struct gt_content_writer *w, char **digest_out,
                             struct gt_error *err)
{
    struct gt_content *cs = w->cs;
    char got[DIGEST_LEN + 1];
    int r = 0;
    hash_to_digest(&w->hash, got);
    if (w->expected_size >= 0 && w->written != w->expected_size) {
        r = gt_err(err, EBADMSG, "blob %s: size mismatch: expected %lld bytes, got %lld",
                   w->expected[0] ? w->expected : got, (long long)w->expected_size,
                   (long long)w->written);
        /* A short blob may still be resumed. */
        gt_content_writer_abort(w, w->written < w->expected_size);
        return r;
    }
    if (w->expected[0] && strcmp(got, w->expected) != 0) {
        r = gt_err(err, EBADMSG, "blob %s: digest mismatch: the data hashes to %s", w->expected,
                   got);
        gt_content_writer_abort(w, false);
        return r;
    }
    if (fsync(w->fd) < 0) {
        r = gt_err_sys(err, errno, "fsync ingest file %s", w->name);
        gt_content_writer_abort(w, false);
        return r;
    }
    /* Committed blobs are read-only; a concurrent writer of the same digest
     * renames identical bytes over it, which readers never notice. */
    fchmod(w->fd, 0444);
    if (renameat(cs->ingest_fd, w->name, cs->blobs_fd, gt_digest_hex(got)) < 0) {
        r = gt_err_sys(err, errno, "move blob %s into place", got);
        gt_content_writer_abort(w, false);
        return r;
    }
    fsync(cs->blobs_fd);
    if (digest_out)
        *digest_out = gt_xstrdup(got);
    writer_free(w);
    return 0;
}

char *gt_content_writer_digest(struct gt_content_writer *w)
{
    struct sha256_ctx copy = w->hash;
    char out[DIGEST_LEN + 1];
    hash_to_digest(&copy, out);
    return gt_xstrdup(out);
}

void gt_content_writer_abort(struct gt_content_writer *w, bool keep)
{
    if (!w)
        return;
    if (!(keep && w->resumable))
        unlinkat(w->cs->ingest_fd, w->name, 0);
    writer_free(w);
}

int gt_content_put(struct gt_content *cs, const void *data, size_t len,
                   const char *expected_digest, char **digest_out, struct gt_error *err)
{
    if (expected_digest) {
        int r = gt_digest_validate(expected_digest, err);
        if (r < 0)
            return r;
        cleanup_free char *got = gt_digest_of(data, len);
        if (strcmp(got, expected_digest) != 0)
            return gt_err(err, EBADMSG, "blob %s: digest mismatch: the data hashes to %s",
                          expected_digest, got);
        if (gt_content_has(cs, got)) {
            if (digest_out)
                *digest_out = steal_pointer(&got);
            return 0;
        }
    }
    struct gt_content_writer *w;
    int r = gt_content_writer_open(cs, expected_digest, (int64_t)len, &w, NULL, err);
    if (r < 0)
        return r;
    if (w->written > 0) {
        /* A leftover partial: we have the whole buffer, so start over. */
        if (ftruncate(w->fd, 0) < 0 || lseek(w->fd, 0, SEEK_SET) < 0) {
            r = gt_err_sys(err, errno, "truncate ingest file %s", w->name);
            gt_content_writer_abort(w, false);
            return r;
        }
        sha256_init(&w->hash);
        w->written = 0;
    }
    r = gt_content_writer_write(w, data, len, err);
    if (r < 0) {
        gt_content_writer_abort(w, false);
        return r;
    }
    return gt_content_writer_commit(w, digest_out, err);
}

int gt_content_delete(struct gt_content *cs, const char *digest, struct gt_error *err)
{
    int r = gt_digest_validate(digest, err);
    if (r < 0)
        return r;
    if (unlinkat(cs->blobs_fd, gt_digest_hex(digest), 0) < 0)
        return gt_err_sys(err, errno, "delete blob %s", digest);
    return 0;
}

/* ---- leases and the collector's lock ---- */

static int open_gc_lock(struct gt_content *cs, struct gt_error *err)
{
    int fd = openat(cs->content_fd, "gc.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return gt_err_sys(err, errno, "open %s/content/gc.lock", cs->root);
    return fd;
}

static int flock_retry(int fd, int op)
{
    int r;
    do
        r = flock(fd, op);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : 0;
}

int gt_content_lease_begin(struct gt_content *cs, struct gt_error *err)
{
    pthread_mutex_lock(&cs->lease_mu);
    while (cs->gc_held)
        pthread_cond_wait(&cs->lease_cv, &cs->lease_mu);
    int r = 0;
    if (cs->leases == 0) {
        int fd = open_gc_lock(cs, err);
        if (fd < 0) {
            r = fd;
        } else if ((r = flock_retry(fd, LOCK_SH)) < 0) {
            gt_err_sys(err, -r, "lock %s/content/gc.lock", cs->root);
            close(fd);
        } else {
            cs->lease_fd = fd;
        }
    }
    if (r == 0)
        cs->leases++;
    pthread_mutex_unlock(&cs->lease_mu);
    return r;
}

void gt_content_lease_end(struct gt_content *cs)
{
    pthread_mutex_lock(&cs->lease_mu);
    if (cs->leases > 0 && --cs->leases == 0) {
        close(cs->lease_fd);
        cs->lease_fd = -1;
        pthread_cond_broadcast(&cs->lease_cv);
    }
    pthread_mutex_unlock(&cs->lease_mu);
}

int gt_content_gc_lock(struct gt_content *cs, struct gt_error *err)
{
    pthread_mutex_lock(&cs->lease_mu);
    while (cs->gc_held || cs->leases > 0)
        pthread_cond_wait(&cs->lease_cv, &cs->lease_mu);
    cs->gc_held = true;
    pthread_mutex_unlock(&cs->lease_mu);

    int fd = open_gc_lock(cs, err);
    int r = fd < 0 ? fd : flock_retry(fd, LOCK_EX);
    if (r < 0) {
        if (fd >= 0) {
            gt_err_sys(err, -r, "lock %s/content/gc.lock", cs->root);
            close(fd);
        }
        pthread_mutex_lock(&cs->lease_mu);
        cs->gc_held = false;
        pthread_cond_broadcast(&cs->lease_cv);
        pthread_mutex_unlock(&cs->lease_mu);
        return r;
    }
    cs->gc_fd = fd;
    return 0;
}

void gt_content_gc_unlock(struct gt_content *cs)
{
    pthread_mutex_lock(&cs->lease_mu);
    if (cs->gc_held) {
        close(cs->gc_fd);
        cs->gc_fd = -1;
        cs->gc_held = false;
        pthread_cond_broadcast(&cs->lease_cv);
    }
    pthread_mutex_unlock(&cs->lease_mu);
}

int gt_content_ingest_clean(struct gt_content *cs, unsigned *removed, struct gt_error *err)
{
    unsigned n = 0;
    int fd = openat(cs->ingest_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return gt_err_sys(err, errno, "open %s/content/ingest", cs->root);
    cleanup_dir DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return gt_err_sys(err, errno, "open %s/content/ingest", cs->root);
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        cleanup_close int f = openat(cs->ingest_fd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (f < 0)
            continue;
        if (flock(f, LOCK_EX | LOCK_NB) < 0)
            continue; /* a live writer */
        if (unlinkat(cs->ingest_fd, de->d_name, 0) == 0)
            n++;
    }
    if (removed)
        *removed = n;
    return 0;
}
